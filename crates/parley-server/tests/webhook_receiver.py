"""A webhook receiver as Gong's integrators write them, for tests/webhooks.rs.

    python3 webhook_receiver.py PORT PUBLIC_KEY_PEM LOG_FILE

Verifies each POST the way Gong's receivers do: the `Authorization` header (a JWT, with
or without `Bearer `) checked with PyJWT against the company's RSA public key (RS256),
its `webhook_url` claim against the URL the request came to (scheme, host without case,
path without a trailing slash), and its `body_sha256` claim against the SHA-256 of the
raw body. Answers by path: `/hooks/ok` 200; `/hooks/flaky` 503 with `Retry-After: 0`
the first time, then 200; `/hooks/gone` 410. Appends one JSON line per request to
LOG_FILE.
"""

import hashlib
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

PORT = int(sys.argv[1])
PUBLIC_KEY = open(sys.argv[2]).read()
LOG = sys.argv[3]
seen = {"flaky": 0}


def same_url(claimed, actual):
    a, b = urllib.parse.urlsplit(claimed), urllib.parse.urlsplit(actual)
    return (
        a.scheme == b.scheme
        and a.netloc.lower() == b.netloc.lower()
        and a.path.rstrip("/") == b.path.rstrip("/")
    )


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path, _, query = self.path.partition("?")
        entry = {
            "path": path,
            "query": query,
            "deliveryId": self.headers.get("x-parley-delivery-id"),
            "traceId": self.headers.get("x-traceid"),
            "authorization": self.headers.get("Authorization"),
            "contentType": self.headers.get("Content-Type"),
        }
        verified, error = False, None
        token = self.headers.get("Authorization")
        if token:
            if token.startswith("Bearer "):
                token = token[len("Bearer "):]
            try:
                claims = jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"])
                here = "http://127.0.0.1:%d%s" % (PORT, path)
                if not same_url(claims["webhook_url"], here):
                    error = "webhook_url %s is not %s" % (claims["webhook_url"], here)
                elif claims["body_sha256"] != hashlib.sha256(raw).hexdigest():
                    error = "body_sha256 does not match the body"
                else:
                    verified = True
            except Exception as e:  # noqa: BLE001 - any failure is a refusal
                error = "jwt: %s" % e
        body = json.loads(raw)
        call = body["callData"]
        entry.update(
            verified=verified,
            error=error,
            isTest=body["isTest"],
            callId=call["metaData"]["id"],
            trackers={t["name"]: t["count"] for t in call["content"]["trackers"] if t["count"]},
            callData=call,
        )
        if path.endswith("/flaky") and seen["flaky"] == 0:
            seen["flaky"] += 1
            status, headers = 503, {"Retry-After": "0"}
        elif path.endswith("/gone"):
            status, headers = 410, {}
        else:
            status, headers = 200, {}
        if token and not verified:
            status = 401
        entry["status"] = status
        with open(LOG, "a") as f:
            f.write(json.dumps(entry) + "\n")
        answer = json.dumps({"verified": verified, "error": error}).encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()

#!/usr/bin/env python3
"""Peak memory (VmHWM) of `parley serve` under the worst requests issue 12 found, against
a normal listing. Each scenario gets a fresh server and database.

    scripts/bench-memory.py [PARLEY_BINARY]   (default: target/release/parley)

Prints one line per scenario: the server's peak RSS after seeding, after the requests,
the peak of its anonymous memory (heap; sampled every few ms, so about) apart from the
file pages it maps (the binary and the SQLite file, which SQLite reads through mmap: the
kernel's page cache, shared and reclaimable, counted in RSS all the same), and the
requests' statuses. Linux only (reads /proc/PID/status).
"""
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/parley"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def status_mb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb(pid):
    return status_mb(pid, "VmHWM")


class AnonPeak:
    """The largest RssAnon seen, sampled every 2 ms on a thread of its own."""

    def __init__(self, pid):
        self.pid, self.peak, self.done = pid, 0.0, False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done:
            try:
                self.peak = max(self.peak, status_mb(self.pid, "RssAnon"))
            except OSError:
                return
            time.sleep(0.002)

    def stop(self):
        self.done = True
        self.thread.join()
        return self.peak


class Server:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="parley-bench-mem-")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        env["PARLEY_MODELS"] = os.environ.get("PARLEY_MODELS", "")
        if not env["PARLEY_MODELS"]:
            del env["PARLEY_MODELS"]
        self.env = env
        out = subprocess.run(
            [BIN, "--data-dir", self.dir, "keys", "create", "--name", "bench"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout
        key = out.split("access key:")[1].split()[0]
        secret = out.split("secret:")[1].split()[0]
        self.auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.port = free_port()
        self.proc = subprocess.Popen(
            [BIN, "--data-dir", self.dir, "--listen", f"127.0.0.1:{self.port}",
             "--rate-limit", "off", "--max-json-bytes", str(64 << 20), "serve", "--no-workers"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def send(self, method, path, body=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
            headers={"Authorization": self.auth, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def peak(self):
        return peak_mb(self.proc.pid)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def user(s):
    st, body = s.send("POST", "/parley/v1/users",
                      {"email": "rep@acme.example.com", "firstName": "Rita", "lastName": "Rep"})
    assert st == 201, body
    return json.loads(body)["userId"]


def call(s, u, i, guests=1):
    parties = [{"userId": u}] + [
        {"name": f"Guest {g}", "emailAddress": f"g{g}@customer.example.com"} for g in range(guests)
    ]
    st, body = s.send("POST", "/v2/calls", {
        "clientUniqueId": f"c{i}", "actualStart": f"2024-03-{1 + i % 28:02d}T10:{i % 60:02d}:00Z",
        "direction": "Outbound", "primaryUser": u, "parties": parties,
    })
    assert st == 200, body
    return json.loads(body)["callId"]


def vtt(sentences):
    out = ["WEBVTT", ""]
    for i in range(sentences):
        a, b = i * 2000, i * 2000 + 1900
        ts = lambda ms: f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
        who = "Rita Rep" if i % 2 == 0 else "Guest 0"
        out += [f"{ts(a)} --> {ts(b)}", f"<v {who}>We talked about pricing, onboarding and the next steps for sentence {i}.", ""]
    return "\n".join(out).encode()


EXTENSIVE = {"filter": {}, "contentSelector": {"exposedFields": {
    "parties": True, "interaction": {"speakers": True, "questions": True}}}}


def pages(s, path, body):
    statuses, cursor = [], None
    while True:
        b = dict(body)
        if cursor:
            b["cursor"] = cursor
        st, out = s.send("POST", path, b)
        statuses.append(st)
        if st != 200:
            return statuses
        cursor = json.loads(out)["records"].get("cursor")
        if not cursor:
            return statuses


def scenario(name, calls, guests, sentences, extra=None):
    s = Server()
    try:
        u = user(s)
        ids = [call(s, u, i, guests) for i in range(calls)]
        if sentences:
            t = vtt(sentences)
            for c in ids:
                st, body = s.send("PUT", f"/parley/v1/calls/{c}/transcript?format=vtt", raw=t)
                assert st == 200, body
        seeded = s.peak()
        anon = AnonPeak(s.proc.pid)
        statuses = pages(s, "/v2/calls/extensive", EXTENSIVE)
        statuses += pages(s, "/v2/calls/transcript", {"filter": {}})
        if extra:
            statuses += extra(s)
        anon_peak = anon.stop()
        print(f"{name:<48} seeded {seeded:7.1f} MB  peak {s.peak():7.1f} MB  "
              f"(anonymous {anon_peak:6.1f} MB)  statuses in order {statuses}", flush=True)
    finally:
        s.stop()


def stats_100_years(s):
    st, _ = s.send("POST", "/v2/stats/activity/aggregate-by-period", {
        "filter": {"fromDate": "2000-01-01", "toDate": "2100-01-01"}, "aggregationPeriod": "DAY"})
    return [st]


def refused_sizes(s):
    st, body = s.send("GET", "/v2/users")
    u = json.loads(body)["users"][0]["id"]
    parties = [{"userId": u}] + [{"name": f"G{g}"} for g in range(50_000)]
    st1, _ = s.send("POST", "/v2/calls", {"clientUniqueId": "huge", "actualStart": "2024-03-01T10:00:00Z",
                                          "direction": "Outbound", "primaryUser": u, "parties": parties})
    return [st1]


if __name__ == "__main__":
    scenario("normal: 100 calls, 2 parties, 60 sentences", 100, 1, 60)
    scenario("big: 30 calls, 1,000 parties, 5,000 sentences", 30, 999, 5_000)
    scenario("hostile: DAY over 100 years, 50,000 parties", 1, 1, 0,
             extra=lambda s: stats_100_years(s) + refused_sizes(s))

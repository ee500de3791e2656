#!/usr/bin/env python3
"""Seeds a bare `parley serve` only over HTTP, for the compatibility checks' API mode.

Everything goes through the API with the admin key in PARLEY_ACCESS_KEY/SECRET: Gong's own
write endpoints where Gong has one (POST /v2/calls, PUT /v2/calls/{id}/media, POST
/v2/meetings, the generic CRM integration, schema and LDJSON uploads) and Parley's
/parley/v1 routes where Gong has none (workspaces, users, trackers, transcripts, scorecards,
library folders, activity). Then it waits until the server's background jobs (transcript
analysis, CRM uploads, media checks) are done, so the checks see settled data.

The data fills what the clients read: several pages of calls and users (the script that
starts the server sets a small page size), two workspaces, parties with CRM context,
transcripts with tracker mentions and questions, a recording, scorecards answered by a
manager, library folders, listens and comments. Standard library only.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import wave

BASE = os.environ["PARLEY_URL"].rstrip("/")
KEY = os.environ["PARLEY_ACCESS_KEY"]
SECRET = os.environ["PARLEY_ACCESS_SECRET"]
DOMAIN = "northwind.example.com"


class ApiError(Exception):
    pass


def request(method, path, body=None, *, query=None, key=None, raw=None, content_type=None):
    """One request; returns the decoded JSON answer, raises ApiError on a non-2xx."""
    url = BASE + path
    if query:
        url += "?" + urllib.parse.urlencode(query)
    data = None
    headers = {}
    if raw is not None:
        data = raw
        headers["Content-Type"] = content_type
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = content_type or "application/json"
    k, s = key or (KEY, SECRET)
    headers["Authorization"] = "Basic " + base64.b64encode(f"{k}:{s}".encode()).decode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read().decode()
    except urllib.error.HTTPError as e:
        raise ApiError(f"{method} {path}: {e.code} {e.read().decode()[:500]}") from None
    return json.loads(text) if text else {}


def multipart(field, filename, content, content_type):
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def tone_wav(seconds=2.0, rate=16000):
    """A short mono WAV: a quiet 440 Hz tone, enough for the media checks."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / rate)))
            for i in range(int(seconds * rate))
        )
        w.writeframes(frames)
    return buf.getvalue()


# Monologues per call: (speaker name, start s, end s, text). Names match the parties.
SCRIPTS = [
    [
        ("Rita Rep", 0.5, 4.0, "Hi Carl, thanks for joining. How are things at Contoso?"),
        ("Carl Customer", 4.5, 9.0, "Good, thanks. We are also looking at Acme and Globex right now."),
        ("Rita Rep", 9.5, 15.0, "Understood. What budget do you have in mind, and how does our pricing compare?"),
        ("Carl Customer", 15.5, 22.0, "Our budget is about fifty thousand. The price from Acme was lower."),
        ("Rita Rep", 22.5, 28.0, "I will send a proposal by Friday and book a demo with your team next week."),
    ],
    [
        ("Raj Rep", 0.5, 5.0, "Welcome back Dana. Did the team review the security questionnaire?"),
        ("Dana Buyer", 5.5, 11.0, "Yes. Legal asked about data retention. Can you keep recordings for one year?"),
        ("Raj Rep", 11.5, 18.0, "We can. Retention is a setting, and the price does not change with it."),
        ("Dana Buyer", 18.5, 24.0, "Great, then the next step is a pilot with Globex out of the picture."),
    ],
    [
        ("Rita Rep", 0.5, 6.0, "Quick check-in on the rollout. Any blockers with the pricing tiers?"),
        ("Erin Champion", 6.5, 12.0, "No blockers. Finance signed off on the budget this morning."),
        ("Rita Rep", 12.5, 16.0, "Excellent. Shall we schedule the kickoff for Monday?"),
        ("Erin Champion", 16.5, 19.0, "Monday works for us."),
    ],
]


def vtt(script):
    def ts(s):
        return f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{s % 60:06.3f}"

    cues = [f"{ts(a)} --> {ts(b)}\n<v {who}>{text}\n" for who, a, b, text in script]
    return ("WEBVTT\n\n" + "\n".join(cues)).encode()


def main():
    started = time.monotonic()

    # Workspaces: a bare server has a default one; add a second so filters mean something.
    workspaces = request("GET", "/v2/workspaces")["workspaces"]
    if not workspaces:
        request("POST", "/parley/v1/workspaces", {"name": "Sales", "default": True})
        workspaces = request("GET", "/v2/workspaces")["workspaces"]
    main_ws = workspaces[0]["id"]
    other_ws = request(
        "POST", "/parley/v1/workspaces", {"name": "Customer Success", "description": "Renewals"}
    )["workspaceId"]

    # Users: a manager, two reps reporting to them, and a third rep in the other workspace.
    def user(email, first, last, **extra):
        body = {"email": f"{email}@{DOMAIN}", "firstName": first, "lastName": last, **extra}
        return request("POST", "/parley/v1/users", body)["userId"]

    mona = user(
        "mona", "Mona", "Manager", title="VP Sales", phone="+15550100001",
        languages=["en-US", "de-DE"], personalMeetingUrls=["https://zoom.us/j/5550100001"],
        settings={"webConferencesRecorded": True, "telephonyCallsImported": True},
    )
    rita = user("rita", "Rita", "Rep", title="Account Executive", managerId=mona,
                phone="+15550100002", languages=["en-US"])
    raj = user("raj", "Raj", "Rep", title="Account Executive", managerId=mona)
    sam = user("sam", "Sam", "Success", title="CSM", managerId=mona, languages=["fr-FR"])
    user("old", "Olga", "Former", active=False)
    # Renaming goes through PATCH, which the settings history shows.
    request("PATCH", f"/parley/v1/users/{rita}", {"title": "Senior Account Executive"})

    # Mona manages the reps; a key of her own answers scorecards as their reviewer.
    request("PUT", f"/parley/v1/users/{mona}/role", {"role": "manager"})
    manager = request("POST", "/parley/v1/keys", {"name": "compat-manager", "ownerUserId": mona})
    manager_key = (manager["key"]["accessKey"], manager["secret"])

    # Keyword trackers and a scorecard definition.
    for body in (
        {"trackerName": "Competitors",
         "languageKeywords": [{"language": "eng", "keywords": ["Acme", "Globex"]}]},
        {"trackerName": "Pricing",
         "languageKeywords": [{"language": "eng", "keywords": ["price", "pricing", "budget"]}]},
    ):
        request("POST", "/parley/v1/trackers", body)
    scorecard = request("POST", "/parley/v1/scorecards", {
        "scorecardName": "Discovery Review",
        "questions": [
            {"questionText": "Overall, how was the call?", "questionType": "RANGE",
             "isOverall": True, "isMandatory": True, "minRange": 1, "maxRange": 5},
            {"questionText": "What was covered?", "questionType": "MULTI_SELECT",
             "answerOptions": ["Budget", "Authority", "Need", "Timeline"]},
            {"questionText": "Next step agreed?", "questionType": "YES_NO"},
            {"questionText": "Notes", "questionType": "OPEN_ENDED"},
        ],
    })["scorecard"]

    # The generic CRM: an integration, a declared field, accounts and deals uploaded.
    integration = request(
        "PUT", "/v2/crm/integrations", {"ownerEmail": f"mona@{DOMAIN}", "name": "Compat CRM"}
    )["integrationId"]
    request("POST", "/v2/crm/entity-schema",
            [{"uniqueName": "tier", "label": "Tier", "type": "PICKLIST",
              "orderedValueList": ["Gold", "Silver"], "lastModified": "2024-01-02T10:00:00Z"}],
            query={"integrationId": integration, "objectType": "ACCOUNT"})
    uploads = {
        "ACCOUNT": [
            {"objectId": "ACC-1", "modifiedDate": "2024-03-01T10:00:00Z", "name": "Contoso",
             "domains": ["contoso.example.com"], "tier": "Gold"},
            {"objectId": "ACC-2", "modifiedDate": "2024-03-01T10:00:00Z", "name": "Fabrikam",
             "domains": ["fabrikam.example.com"], "tier": "Silver"},
        ],
        "CONTACT": [
            {"objectId": f"C-{i}", "modifiedDate": "2024-03-01T10:00:00Z", "accountId": acc,
             "emailAddress": email, "firstName": name.split()[0], "lastName": name.split()[1],
             "title": title}
            for i, (name, email, acc, title) in enumerate([
                ("Carl Customer", "carl@contoso.example.com", "ACC-1", "CTO"),
                ("Dana Buyer", "dana@fabrikam.example.com", "ACC-2", "Head of Procurement"),
                ("Erin Champion", "erin@contoso.example.com", "ACC-1", "Sales Ops Lead"),
            ])
        ],
        "DEAL": [
            {"objectId": "OPP-1", "modifiedDate": "2024-03-01T10:00:00Z", "name": "Contoso pilot",
             "accountId": "ACC-1", "stage": "Discovery", "amount": 50000,
             "closeDate": "2024-06-30", "status": "OPEN"},
        ],
    }
    for object_type, lines in uploads.items():
        body, ct = multipart(
            "dataFile", "objects.ldjson",
            "\n".join(json.dumps(line) for line in lines).encode(), "application/x-ndjson")
        request("POST", "/v2/crm/entities", raw=body, content_type=ct, query={
            "integrationId": integration, "objectType": object_type,
            "clientRequestId": f"compat-{object_type.lower()}"})

    # A meeting; the first call is created with its URL and so linked to it.
    meeting = request("POST", "/v2/meetings", {
        "startTime": "2024-03-04T15:00:00Z", "endTime": "2024-03-04T15:30:00Z",
        "organizerEmail": f"rita@{DOMAIN}", "title": "Contoso discovery",
        "invitees": [{"email": "carl@contoso.example.com", "displayName": "Carl Customer"}],
        "externalId": "compat-meeting-1",
    })

    # Calls: across both workspaces, days and directions; the call context links CRM objects.
    customers = [
        ("Carl Customer", "carl@contoso.example.com", "+15550200001", "ACC-1"),
        ("Dana Buyer", "dana@fabrikam.example.com", "+15550200002", "ACC-2"),
        ("Erin Champion", "erin@contoso.example.com", None, "ACC-1"),
    ]
    hosts = [(rita, "Rita Rep"), (raj, "Raj Rep"), (rita, "Rita Rep")]
    calls = []
    for i in range(8):
        host, host_name = hosts[i % 3] if i < 7 else (sam, "Sam Success")
        name, email, phone, account = customers[i % 3]
        customer = {"name": name, "emailAddress": email,
                    "context": [{"system": "Generic",
                                 "objects": [{"objectType": "Contact", "objectId": f"C-{i % 3}"}]}]}
        if phone:
            customer["phoneNumber"] = phone
        start = f"2024-03-{4 + i:02d}T15:00:00Z"
        body = {
            "clientUniqueId": f"compat-call-{i}",
            "actualStart": start,
            "scheduledStart": start,
            "scheduledEnd": f"2024-03-{4 + i:02d}T15:30:00Z",
            "direction": ["Conference", "Outbound", "Inbound", "Conference"][i % 4],
            "primaryUser": host,
            "title": f"{name.split()[0]} / Northwind #{i + 1}",
            "purpose": "Discovery" if i % 2 == 0 else "Follow-up",
            "customData": f"compat-{i}",
            "languageCode": "en-US",
            "parties": [
                {"userId": host, "name": host_name, "emailAddress": f"{host_name.split()[0].lower()}@{DOMAIN}"},
                customer,
            ],
            "context": [{"system": "Generic", "objects": [
                {"objectType": "Account", "objectId": account},
                *([{"objectType": "Opportunity", "objectId": "OPP-1"}] if account == "ACC-1" else []),
            ]}],
        }
        if i == 0:
            body["meetingUrl"] = meeting["meetingUrl"]
        if i == 1:
            body["parties"].append({"userId": mona, "name": "Mona Manager",
                                    "emailAddress": f"mona@{DOMAIN}"})
        if i == 7:
            body["workspaceId"] = other_ws
            body["direction"] = "Inbound"
        calls.append(request("POST", "/v2/calls", body)["callId"])

    # Transcripts for most calls (the analysis jobs they queue fill trackers, topics, stats).
    for i, call in enumerate(calls[:6]):
        request("PUT", f"/parley/v1/calls/{call}/transcript", raw=vtt(SCRIPTS[i % 3]),
                content_type="text/vtt")

    # A recording for a call without a transcript, through Gong's media upload.
    body, ct = multipart("mediaFile", "call.wav", tone_wav(), "audio/wav")
    request("PUT", f"/v2/calls/{calls[6]}/media", raw=body, content_type=ct)

    # Library: a public folder with a whole call and a snippet.
    folder = request("POST", "/parley/v1/library/folders",
                     {"name": "Great discovery calls", "public": True})["folder"]["id"]
    request("POST", f"/parley/v1/library/folders/{folder}/calls",
            {"callId": calls[0], "note": "budget handled well"})
    request("POST", f"/parley/v1/library/folders/{folder}/calls",
            {"callId": calls[1], "fromSec": 5, "toSec": 15})

    # Coaching activity by the manager, and a scorecard they answered.
    for kind, call in (("listen", calls[0]), ("listen", calls[1]), ("comment", calls[0]),
                       ("feedback-give", calls[2])):
        request("POST", "/parley/v1/activity", {"kind": kind, "userId": mona, "callId": call})
    questions = [q["questionId"] for q in scorecard["questions"]]
    request("POST", f"/parley/v1/calls/{calls[0]}/scorecards", {
        "scorecardId": scorecard["scorecardId"], "reviewTime": "2024-03-05T10:00:00Z",
        "answers": [
            {"questionId": questions[0], "score": 4},
            {"questionId": questions[1], "selectedOptions": ["Budget", "Need"]},
            {"questionId": questions[2], "selectedOptions": ["Yes"]},
            {"questionId": questions[3], "answerText": "Clear next steps."},
        ],
    }, key=manager_key)

    # Wait for the background work: analysis of each transcript, the CRM uploads, the media.
    deadline = time.monotonic() + float(os.environ.get("PARLEY_COMPAT_JOBS_TIMEOUT", "120"))
    while True:
        pending = [j for state in ("queued", "running")
                   for j in request("GET", "/parley/v1/jobs", query={"state": state})["jobs"]]
        if not pending:
            break
        if time.monotonic() > deadline:
            sys.exit(f"seed: jobs still pending: {json.dumps(pending)[:1000]}")
        time.sleep(0.5)
    for object_type in uploads:
        status = request("GET", "/v2/crm/request-status", query={
            "integrationId": integration, "clientRequestId": f"compat-{object_type.lower()}"})
        if status.get("status") != "DONE":
            sys.exit(f"seed: CRM upload {object_type} ended {json.dumps(status)}")
    failed = request("GET", "/parley/v1/jobs", query={"state": "failed"})["jobs"]
    if failed:
        print(f"seed: warning: failed jobs: {json.dumps(failed)[:1000]}", file=sys.stderr)

    print(f"seed: 2 workspaces ({main_ws}, {other_ws}), 5 users, {len(calls)} calls "
          f"(6 transcripts, 1 recording), trackers, a scorecard, CRM objects, a library folder "
          f"in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    try:
        main()
    except ApiError as e:
        sys.exit(f"seed: {e}")

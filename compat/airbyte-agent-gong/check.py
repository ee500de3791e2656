#!/usr/bin/env python3
"""Runs Airbyte's PyPI Gong connector `airbyte-agent-gong` against a running Parley server.

The connector (GongConnector) is generated from Airbyte's own description of Gong's API: for
each operation it knows the method, path, parameters, request body and a JSON Schema of the
answer. Every operation it has is called here through the connector itself (its HTTP client,
auth, parameter mapping, record and pagination extractors), and each answer it hands back is
validated against the connector's own response schema (jsonschema, Draft 2020-12), then
loaded into the connector's pydantic result models. Paged operations are followed page by
page with the cursor the connector extracted. Error paths: an unknown id and bad
credentials must fail with Gong's status codes.

Environment: PARLEY_URL (no /v2), PARLEY_ACCESS_KEY, PARLEY_ACCESS_SECRET.
Output: one PASS/FAIL line per check, then `N passed, M failed`; exit 1 on any failure.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import os
import sys
import traceback

# The connector reports usage to Airbyte unless told not to; CI has no network anyway.
os.environ.setdefault("AIRBYTE_TELEMETRY_MODE", "disabled")

import jsonschema  # noqa: E402
from airbyte_agent_gong import GongConnector  # noqa: E402
from airbyte_agent_gong import models  # noqa: E402
from airbyte_agent_gong.connector_model import GongConnectorModel  # noqa: E402

EXPECTED_VERSION = "0.19.137"
MAX_PAGES = 200

results: list[tuple[str, bool, str]] = []


def record(name: str, ok: bool, detail: str = "") -> None:
    results.append((name, ok, detail))
    print(f"{'PASS' if ok else 'FAIL'}  {name}{'  ' + detail if detail else ''}", flush=True)


async def check(name, fn):
    try:
        detail = await fn()
        record(name, True, detail or "")
    except AssertionError as e:
        record(name, False, str(e)[:2000])
    except Exception as e:  # noqa: BLE001 - every failure is reported, the run goes on
        record(name, False, f"{type(e).__name__}: {str(e)[:2000]}")
        if os.environ.get("PARLEY_COMPAT_TRACE"):
            traceback.print_exc()


def endpoint(entity: str, action: str):
    for e in GongConnectorModel.entities:
        if e.name == entity:
            for a, ep in e.endpoints.items():
                if getattr(a, "value", a) == action:
                    return ep
    raise KeyError(f"{entity}.{action}")


# Where the connector's schema is stricter than Gong, as `(entity, action, path)`: the field at
# `path` (property names from the response root, `[]` for array items) may also be null.
# Each is a deviation of the client's schema from Gong's documented behaviour, not Parley's.
NULLABLE = [
    # Gong's call metadata has `meetingUrl: string / null` (spec 3.1; its own example has
    # sdrDisposition, clientUniqueId, customData, purpose null); the schema types it `string`.
    *[(e, a, f"{root}meetingUrl") for e, a, root in (
        ("calls", "list", "calls.[]."), ("calls", "get", "call."),
        ("calls_extensive", "list", "calls.[].metaData."))],
    # Answered scorecards: `score` is "int 1-50 or null" (null for non-range questions,
    # spec 6.4); the schema types it `number`.
    ("stats_activity_scorecards", "list", "answeredScorecards.[].answers.[].score"),
    # Not pinned down: the spec types these party fields `string` (only `speakerId` is
    # `string / null`), but says Gong writes absent values as explicit nulls (2.3), which is
    # what Parley does for a party without a user, phone, email or title. Until a real Gong
    # answer settles it (null or omitted), the check accepts null here; see README.md.
    *[("calls_extensive", "list", f"calls.[].parties.[].{f}")
      for f in ("userId", "phoneNumber", "emailAddress", "title", "name")],
]


def allow_null(schema: dict, path: str) -> None:
    node = schema
    for part in path.split("."):
        node = node["items"] if part == "[]" else node["properties"][part]
    types = node.get("type")
    if isinstance(types, str):
        node["type"] = [types, "null"]
    elif isinstance(types, list) and "null" not in types:
        node["type"] = [*types, "null"]


def validate(entity: str, action: str, data, meta=None) -> None:
    """Validates what the connector extracted against its own response schema."""
    ep = endpoint(entity, action)
    schema = copy.deepcopy(ep.response_schema)
    for e, a, path in NULLABLE:
        if (e, a) == (entity, action):
            allow_null(schema, path)
    extractor = (ep.record_extractor or "").removeprefix("$.")
    if extractor:
        body = {extractor: data}
        if meta is not None and meta.get("pagination") is not None:
            body["records"] = meta["pagination"]
    else:
        body = data
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(body), key=lambda e: list(e.path)
    )
    if errors:
        shown = "; ".join(
            f"{'/'.join(str(p) for p in e.path)}: {e.message[:200]}" for e in errors[:8]
        )
        raise AssertionError(f"{len(errors)} schema errors for {entity}.{action}: {shown}")


def meta_of(result) -> dict:
    meta = getattr(result, "meta", None)
    if meta is None:
        return {}
    if hasattr(meta, "model_dump"):
        meta = meta.model_dump(by_alias=True)
    return dict(meta)


async def pages(conn, entity, params, *, typed=None, page_size_check=True):
    """Follows the connector's extracted cursor over every page; returns all records."""
    items, cursors, page = [], set(), 0
    total = None
    cursor = None
    while True:
        p = dict(params)
        if cursor is not None:
            p["cursor"] = cursor
        result = await conn.execute(entity, "list", p)
        data, meta = result.data, meta_of(result)
        validate(entity, "list", data, meta)
        if typed is not None:
            typed(data=data, meta=meta)
        records = meta.get("pagination") or {}
        if page_size_check and records:
            assert records.get("currentPageNumber") == page, (
                f"page {page} reports currentPageNumber {records.get('currentPageNumber')}"
            )
            assert records.get("currentPageSize") == len(data), (
                f"currentPageSize {records.get('currentPageSize')} but {len(data)} items"
            )
            if total is None:
                total = records.get("totalRecords")
            assert records.get("totalRecords") == total, "totalRecords changed between pages"
        items.extend(data)
        cursor = records.get("cursor")
        if not cursor:
            assert cursor is None, f"the last page has cursor {cursor!r}: send none"
            break
        assert cursor not in cursors, f"cursor {cursor!r} repeated"
        cursors.add(cursor)
        page += 1
        assert page < MAX_PAGES, "too many pages"
    if total is not None:
        assert total == len(items), f"totalRecords {total} but {len(items)} items in all pages"
    return items, page + 1


async def expect_error(coro, status: int) -> str:
    try:
        await coro
    except Exception as e:  # noqa: BLE001
        got = getattr(e, "status_code", None)
        assert got == status, f"expected HTTP {status}, got {type(e).__name__} ({got}): {e}"
        return f"raised {type(e).__name__} ({status}: {e})"
    raise AssertionError(f"expected HTTP {status}, the call succeeded")


def connector(base: str, key: str, secret: str) -> GongConnector:
    # Choice: the connector has no base-URL option (Gong's is fixed at api.gong.io; the
    # OpenAPI servers list has no variables), so its model's base_url is pointed at Parley.
    GongConnectorModel.base_url = base
    return GongConnector(
        auth_config=models.GongAccessKeyAuthenticationAuthConfig(
            access_key=key, access_key_secret=secret
        )
    )


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


async def main() -> int:
    try:
        base = os.environ["PARLEY_URL"].rstrip("/")
        key = os.environ["PARLEY_ACCESS_KEY"]
        secret = os.environ["PARLEY_ACCESS_SECRET"]
    except KeyError as e:
        print(f"missing environment variable {e}", file=sys.stderr)
        return 2
    from importlib.metadata import version

    if version("airbyte-agent-gong") != EXPECTED_VERSION:
        print(f"airbyte-agent-gong {version('airbyte-agent-gong')} installed, "
              f"{EXPECTED_VERSION} expected", file=sys.stderr)
        return 2

    conn = connector(base, key, secret)
    now = dt.datetime.now(dt.timezone.utc)
    since = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    until = now + dt.timedelta(days=365)
    state: dict = {}

    async def users_list():
        users, n = await pages(conn, "users", {}, typed=models.UsersListResult)
        assert users, "no users"
        ids = [u["id"] for u in users]
        assert len(set(ids)) == len(ids), "a user is listed twice"
        state["users"] = users
        return f"{len(users)} users over {n} pages"

    async def users_get():
        for u in state["users"][:5]:
            got = await conn.execute("users", "get", {"id": u["id"]})
            validate("users", "get", got)
            models.User.model_validate(got)
            assert got == u, f"GET /v2/users/{u['id']} differs from the listing"
        return f"{min(5, len(state['users']))} users equal their listing"

    async def users_get_unknown():
        return await expect_error(conn.execute("users", "get", {"id": "1234567890123"}), 404)

    async def workspaces():
        r = await conn.execute("workspaces", "list", {})
        validate("workspaces", "list", r.data)
        models.WorkspacesListResult(data=r.data)
        assert r.data, "no workspaces"
        state["workspaces"] = [w["id"] for w in r.data]
        return f"{len(r.data)} workspaces"

    async def calls_list():
        calls, n = await pages(
            conn, "calls", {"fromDateTime": iso(since), "toDateTime": iso(until)},
            typed=models.CallsListResult,
        )
        assert calls, "no calls"
        ids = [c["id"] for c in calls]
        assert len(set(ids)) == len(ids), "a call is listed twice"
        state["calls"] = calls
        return f"{len(calls)} calls over {n} pages"

    async def calls_list_unbounded():
        # Without dates Gong lists every call (the connector's parameters are optional).
        calls, _ = await pages(conn, "calls", {})
        assert {c["id"] for c in calls} == {c["id"] for c in state["calls"]}
        return f"{len(calls)} calls"

    async def calls_get():
        for c in state["calls"][:5]:
            got = await conn.execute("calls", "get", {"id": c["id"]})
            validate("calls", "get", got)
            models.Call.model_validate(got)
            assert got == c, f"GET /v2/calls/{c['id']} differs from the listing"
        return "equal to their listing"

    async def calls_get_unknown():
        return await expect_error(conn.execute("calls", "get", {"id": "1234567890123"}), 404)

    selector = {
        "context": "Extended",
        "contextTiming": ["Now", "TimeOfCall"],
        "exposedFields": {
            "parties": True,
            "media": True,
            "content": {k: True for k in (
                "structure", "topics", "trackers", "trackerOccurrences", "pointsOfInterest",
                "brief", "outline", "highlights", "callOutcome", "keyPoints")},
            "interaction": {k: True for k in (
                "speakers", "video", "personInteractionStats", "questions")},
            "collaboration": {"publicComments": True},
        },
    }

    async def extensive():
        calls, n = await pages(
            conn, "calls_extensive",
            {"filter": {"fromDateTime": iso(since), "toDateTime": iso(until)},
             "contentSelector": selector},
            typed=models.CallsExtensiveListResult,
        )
        listed = {c["id"]: c for c in state["calls"]}
        assert {c["metaData"]["id"] for c in calls} == set(listed), "ids differ from GET /v2/calls"
        for c in calls:
            assert c["metaData"] == listed[c["metaData"]["id"]], (
                f"metaData of {c['metaData']['id']} differs from GET /v2/calls")
        state["extensive"] = calls
        filled = sorted({k for c in calls for k in ("parties", "content", "interaction",
                                                       "collaboration", "media", "context")
                         if c.get(k)})
        return f"{len(calls)} calls over {n} pages; filled: {', '.join(filled)}"

    async def extensive_by_ids():
        ids = [c["id"] for c in state["calls"][:2]]
        r = await conn.execute("calls_extensive", "list",
                               {"filter": {"callIds": ids}, "contentSelector": selector})
        validate("calls_extensive", "list", r.data, meta_of(r))
        assert sorted(c["metaData"]["id"] for c in r.data) == sorted(ids)
        return f"{len(ids)} calls"

    async def extensive_by_workspace():
        ws = state["calls"][0]["workspaceId"]
        calls, _ = await pages(conn, "calls_extensive", {"filter": {"workspaceId": ws}})
        expected = {c["id"] for c in state["calls"] if c["workspaceId"] == ws}
        assert {c["metaData"]["id"] for c in calls} == expected
        return f"{len(calls)} calls in workspace {ws}"

    async def media_download():
        with_media = [c for c in state["extensive"] if (c.get("media") or {}).get("audioUrl")]
        if not with_media:
            return "no call has a recording (skipped)"
        call_id = with_media[0]["metaData"]["id"]
        stream = await conn.execute("call_audio", "download", {
            "filter": {"callIds": [call_id]},
            "contentSelector": {"exposedFields": {"media": True}},
        })
        size = 0
        async for chunk in stream:
            size += len(chunk)
        assert size > 44, f"downloaded {size} bytes"
        return f"{size} bytes of call {call_id}'s audio"

    async def transcripts():
        items, n = await pages(
            conn, "call_transcripts",
            {"filter": {"fromDateTime": iso(since), "toDateTime": iso(until)}},
            typed=models.CallTranscriptsListResult,
        )
        assert items, "no transcripts"
        ids = {c["id"] for c in state["calls"]}
        assert {t["callId"] for t in items} <= ids
        sentences = sum(len(m["sentences"]) for t in items for m in t["transcript"])
        return f"{len(items)} transcripts ({sentences} sentences) over {n} pages"

    async def transcripts_by_ids():
        ids = [c["id"] for c in state["calls"]][:3]
        r = await conn.execute("call_transcripts", "list", {"filter": {"callIds": ids}})
        validate("call_transcripts", "list", r.data, meta_of(r))
        return f"{len(r.data)} of {len(ids)} calls have a transcript"

    def stats_window():
        starts = sorted(c["started"] for c in state["calls"])
        first = dt.date.fromisoformat(starts[0][:10]) - dt.timedelta(days=1)
        last = min(dt.date.fromisoformat(starts[-1][:10]) + dt.timedelta(days=2), now.date())
        return {"fromDate": first.isoformat(), "toDate": last.isoformat()}

    async def stats(entity, typed, key):
        # The connector sends no cursor for the stats (its body has only `filter`), so it reads
        # the first page; that page is validated.
        r = await conn.execute(entity, "list", {"filter": stats_window()})
        validate(entity, "list", r.data, meta_of(r))
        typed(data=r.data, meta=meta_of(r))
        assert r.data, f"no {key}"
        return f"{len(r.data)} users on the first page"

    async def trackers():
        r = await conn.execute("settings_trackers", "list", {})
        validate("settings_trackers", "list", r.data)
        models.SettingsTrackersListResult(data=r.data)
        assert r.data, "no trackers"
        for ws in state["workspaces"]:
            w = await conn.execute("settings_trackers", "list", {"workspaceId": ws})
            validate("settings_trackers", "list", w.data)
        return f"{len(r.data)} trackers"

    async def scorecards():
        r = await conn.execute("settings_scorecards", "list", {})
        validate("settings_scorecards", "list", r.data)
        models.SettingsScorecardsListResult(data=r.data)
        assert r.data, "no scorecards"
        state["scorecards"] = r.data
        return f"{len(r.data)} scorecards"

    async def answered_scorecards():
        body = {"filter": {"fromDateTime": iso(since), "toDateTime": iso(until)}}
        items, n = await pages(conn, "stats_activity_scorecards", body,
                               typed=models.StatsActivityScorecardsListResult)
        assert items, "no answered scorecards"
        return f"{len(items)} answered over {n} pages"

    async def library():
        folders, contents = 0, 0
        for ws in state["workspaces"]:
            try:
                r = await conn.execute("library_folders", "list", {"workspaceId": ws})
            except Exception as e:  # noqa: BLE001
                # Gong answers a workspace without public folders with 404 "No folders
                # found" (spec 8.1); the connector raises it as an error.
                if getattr(e, "status_code", None) == 404:
                    continue
                raise
            validate("library_folders", "list", r.data)
            models.LibraryFoldersListResult(data=r.data)
            folders += len(r.data)
            for f in r.data:
                items, _ = await pages(conn, "library_folder_content", {"folderId": f["id"]})
                contents += len(items)
        assert folders, "no library folders"
        assert contents, "no calls in any folder"
        return f"{folders} folders, {contents} calls in them"

    async def coaching():
        managers = {u.get("managerId") for u in state["users"]} - {None}
        assert managers, "no user has a manager"
        manager = sorted(managers)[0]
        workspace = state["calls"][0]["workspaceId"]
        # A year back: Parley bounds the window (max_coaching_days, 366 by default).
        r = await conn.execute("coaching", "list", {
            "workspace-id": workspace, "manager-id": manager,
            "from": iso(max(since, now - dt.timedelta(days=365))), "to": iso(now)})
        # Choice: Airbyte models `coachingData[]` as flat user rows (userId, coachingMetrics);
        # Gong's spec (and Parley) sends {manager, directReportsMetrics[]} per manager. The
        # connector passes the rows through untouched, so only the envelope is checked here.
        assert isinstance(r.data, list) and r.data, "no coaching data"
        for row in r.data:
            assert "manager" in row and "directReportsMetrics" in row, f"unexpected row {row}"
        return f"{sum(len(x['directReportsMetrics']) for x in r.data)} reports of manager {manager}"

    async def bad_key():
        bad = connector(base, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "nope")
        return await expect_error(bad.execute("workspaces", "list", {}), 401)

    async def bad_secret():
        bad = connector(base, key, secret + "x")
        return await expect_error(bad.execute("users", "list", {}), 401)

    await check("users.list (all pages)", users_list)
    await check("users.get", users_get)
    await check("users.get unknown id -> 404", users_get_unknown)
    await check("workspaces.list", workspaces)
    await check("calls.list (all pages)", calls_list)
    if "calls" in state:
        await check("calls.list without dates", calls_list_unbounded)
        await check("calls.get", calls_get)
        await check("calls_extensive.list Extended, every field (all pages)", extensive)
        await check("calls_extensive.list by callIds", extensive_by_ids)
        await check("calls_extensive.list by workspaceId", extensive_by_workspace)
        if "extensive" in state:
            await check("call_audio.download", media_download)
        await check("call_transcripts.list (all pages)", transcripts)
        await check("call_transcripts.list by callIds", transcripts_by_ids)
        await check("stats_activity_aggregate.list", lambda: stats(
            "stats_activity_aggregate", models.StatsActivityAggregateListResult, "activity"))
        await check("stats_activity_day_by_day.list", lambda: stats(
            "stats_activity_day_by_day", models.StatsActivityDayByDayListResult, "activity"))
        await check("stats_interaction.list", lambda: stats(
            "stats_interaction", models.StatsInteractionListResult, "interaction stats"))
        if "users" in state:
            await check("coaching.list", coaching)
    await check("calls.get unknown id -> 404", calls_get_unknown)
    await check("settings_trackers.list (and per workspace)", trackers)
    await check("settings_scorecards.list", scorecards)
    await check("stats_activity_scorecards.list (all pages)", answered_scorecards)
    if "workspaces" in state:
        await check("library_folders.list + library_folder_content.list", library)
    await check("unknown access key -> 401", bad_key)
    await check("wrong secret -> 401", bad_secret)

    failed = sum(1 for _, ok, _ in results if not ok)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

#!/usr/bin/env python3
"""Compatibility check: drive a Parley server with the `gongy` 0.5.3 Gong SDK.

Every calls endpoint gongy supports is exercised through gongy's own methods, so
each response is validated by gongy's own pydantic models (and gongy's own auth,
pagination loop and error middleware).  gongy 0.5.3 has NO users or workspaces
support at all; those endpoints are exercised through gongy's authenticated
session (same Basic auth + error mapping) with envelope-only checks, marked
`[no gongy model]` (skip them with --gongy-only).

Environment:
    PARLEY_URL            base URL, e.g. http://127.0.0.1:8080 (no /v2 suffix)
    PARLEY_ACCESS_KEY     access key (Basic auth username)
    PARLEY_ACCESS_SECRET  access key secret (Basic auth password)
    PARLEY_FROM, PARLEY_TO  optional ISO-8601 date-times bounding the call range
                          (default 2000-01-01T00:00:00Z .. now + 365 days)

Last line of output: `N passed, M failed`; exit code 0 only when M == 0
(2 for a usage/setup error such as a missing variable).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import Any

from aiohttp import ClientError, ClientResponseError, ContentTypeError
from pydantic import BaseModel, ValidationError
from yarl import URL

from gongy import Gongy
from gongy.errors import AccessDeniedError, GongError, NotFoundError
from gongy.models import (
    CallItem,
    ContentFields,
    ContentSelector,
    ContextTiming,
    ContextType,
)

EXPECTED_GONGY = "0.5.3"
CHECK_TIMEOUT_S = 300.0
ID_BATCH = 100  # call ids per transcript request
UNKNOWN_ID = "9999999999999999991"  # a 19-digit id the seed data is very unlikely to use


class CheckFailed(Exception):
    """An expectation of the checker itself (not a gongy error) was not met."""


def expect(cond: object, msg: str) -> None:
    if not cond:
        raise CheckFailed(msg)


@dataclass
class Ctx:
    base: URL
    key: str
    secret: str
    start: datetime
    end: datetime
    max_pages: int
    client: Gongy | None = None
    calls: dict[str, CallItem] = field(default_factory=dict)
    user_ids: list[str] = field(default_factory=list)
    passed: set[str] = field(default_factory=set)
    n_pass: int = 0
    n_fail: int = 0
    # optional model fields seen non-null at least once (coverage report)
    seen: set[str] = field(default_factory=set)
    optional: set[str] = field(default_factory=set)

    @property
    def g(self) -> Gongy:
        assert self.client is not None
        return self.client


# ----------------------------------------------------------------- helpers ---


def cover(ctx: Ctx, obj: Any) -> None:
    """Record which optional fields of gongy models carried data."""
    if isinstance(obj, BaseModel):
        cls = type(obj)
        for name, f in cls.model_fields.items():
            key = f"{cls.__name__}.{f.alias or name}"
            if not f.is_required():
                ctx.optional.add(key)
            val = getattr(obj, name)
            if val is not None and val != []:
                ctx.seen.add(key)
            cover(ctx, val)
    elif isinstance(obj, list):
        for item in obj:
            cover(ctx, item)


def check_page_sequence(pages: list[Any], items_attr: str, what: str) -> int:
    """records.* must be self-consistent across the pages of one listing."""
    total = 0
    for i, page in enumerate(pages):
        rec = page.records
        items = getattr(page, items_attr)
        expect(
            rec.current_page_number == i,
            f"{what}: page {i} has records.currentPageNumber={rec.current_page_number} (expected {i})",
        )
        expect(
            rec.current_page_size == len(items),
            f"{what}: page {i} records.currentPageSize={rec.current_page_size} but {len(items)} items",
        )
        expect(
            rec.total_records == pages[0].records.total_records,
            f"{what}: records.totalRecords changed between pages",
        )
        total += len(items)
    expect(
        total == pages[0].records.total_records,
        f"{what}: records.totalRecords={pages[0].records.total_records} but {total} items over {len(pages)} page(s)",
    )
    return total


async def collect(ctx: Ctx, gen: Any, what: str) -> list[Any]:
    """Drain one of gongy's page generators, guarding against endless cursors."""
    pages: list[Any] = []
    cursors: set[str] = set()
    async for page in gen:
        pages.append(page)
        cover(ctx, page)
        cur = page.records.cursor
        if cur is not None:
            expect(cur != "", f"{what}: records.cursor is \"\" - gongy would loop forever (omit the key on the last page)")
            expect(cur not in cursors, f"{what}: cursor {cur!r} repeated - endless pagination")
            cursors.add(cur)
        expect(len(pages) <= ctx.max_pages, f"{what}: more than {ctx.max_pages} pages, giving up")
    return pages


def diff_models(a: BaseModel, b: BaseModel) -> str:
    da, db = a.model_dump(), b.model_dump()
    keys = sorted(k for k in set(da) | set(db) if da.get(k) != db.get(k))
    return ", ".join(f"{k}: {da.get(k)!r} != {db.get(k)!r}" for k in keys)


async def expect_gong_error(coro: Awaitable[Any], cls: type[GongError], what: str) -> str:
    try:
        await coro
    except cls as e:
        return f"{type(e).__name__} raised as expected (request_id={e.request_id!r}, errors={e.errors!r})"
    except GongError as e:
        raise CheckFailed(f"{what}: expected {cls.__name__}, gongy raised {e!r}") from e
    raise CheckFailed(f"{what}: expected {cls.__name__}, but the request succeeded")


# ------------------------------------------------------------------ checks ---


def full_selector(context: ContextType = ContextType.EXTENDED) -> ContentSelector:
    return ContentSelector(
        context=context,
        context_timing=[ContextTiming.NOW, ContextTiming.TIME_OF_CALL],
        exposed_fields=ContentFields.all(),  # every exposedFields flag true (incl. media)
    )


async def c_calls_list(ctx: Ctx) -> str:
    pages = await collect(ctx, ctx.g.get_calls(start=ctx.start, end=ctx.end), "GET /v2/calls")
    check_page_sequence(pages, "calls", "GET /v2/calls")
    for page in pages:
        for call in page.calls:
            expect(call.id not in ctx.calls, f"GET /v2/calls: call {call.id} returned twice")
            ctx.calls[call.id] = call
    expect(ctx.calls, "GET /v2/calls returned no calls; seed the server with data")
    return f"{len(ctx.calls)} calls in {len(pages)} page(s)"


async def c_calls_list_workspace(ctx: Ctx) -> str:
    ws = next(iter(ctx.calls.values())).workspace_id
    pages = await collect(
        ctx, ctx.g.get_calls(start=ctx.start, end=ctx.end, workspace=ws), "GET /v2/calls?workspaceId"
    )
    got = {c.id for p in pages for c in p.calls}
    want = {c.id for c in ctx.calls.values() if c.workspace_id == ws}
    expect(got == want, f"workspace {ws}: got {sorted(got)}, expected {sorted(want)}")
    return f"workspace {ws}: {len(got)} calls"


async def c_calls_list_empty(ctx: Ctx) -> str:
    start = datetime(1971, 1, 1, tzinfo=UTC)
    return await expect_gong_error(
        ctx.g.get_calls_page(start=start, end=start + timedelta(days=1)),
        NotFoundError,
        "GET /v2/calls for an empty 1971 range",
    )


async def c_call_get(ctx: Ctx) -> str:
    first = next(iter(ctx.calls.values()))
    resp = await ctx.g.get_call(first.id)
    cover(ctx, resp)
    expect(resp.call.id == first.id, f"asked for {first.id}, got {resp.call.id}")
    expect(resp.call == first, f"GET /v2/calls/{first.id} differs from the listing: {diff_models(resp.call, first)}")
    return f"call {first.id}"


async def c_call_get_unknown(ctx: Ctx) -> str:
    unknown = UNKNOWN_ID if UNKNOWN_ID not in ctx.calls else "1"
    return await expect_gong_error(ctx.g.get_call(unknown), NotFoundError, f"GET /v2/calls/{unknown}")


async def _extensive_all(ctx: Ctx, what: str, **kw: Any) -> list[Any]:
    pages = await collect(ctx, ctx.g.get_calls_extensive(**kw), what)
    check_page_sequence(pages, "calls", what)
    return [entry for p in pages for entry in p.calls]


async def c_extensive_full(ctx: Ctx) -> str:
    entries = await _extensive_all(
        ctx, "POST /v2/calls/extensive", start=ctx.start, end=ctx.end, content_selector=full_selector()
    )
    ids = [e.meta_data.id for e in entries]
    expect(len(ids) == len(set(ids)), "POST /v2/calls/extensive returned a call twice")
    expect(set(ids) == set(ctx.calls), f"extensive ids {sorted(ids)} != GET /v2/calls ids {sorted(ctx.calls)}")
    for e in entries:
        listed = ctx.calls[e.meta_data.id]
        expect(e.meta_data == listed, f"metaData of {listed.id} differs from GET /v2/calls: {diff_models(e.meta_data, listed)}")
    sections = ("context", "parties", "content", "interaction", "collaboration", "media")
    present = {s: sum(getattr(e, s) is not None for e in entries) for s in sections}
    return f"{len(entries)} calls; sections present: " + ", ".join(f"{k}={v}" for k, v in present.items())


async def c_extensive_no_filter(ctx: Ctx) -> str:
    entries = await _extensive_all(ctx, "POST /v2/calls/extensive {filter:{}}", content_selector=full_selector())
    ids = {e.meta_data.id for e in entries}
    expect(set(ctx.calls) <= ids, f"empty filter misses calls {sorted(set(ctx.calls) - ids)}")
    return f"{len(ids)} calls with an empty filter"


async def c_extensive_ids(ctx: Ctx) -> str:
    first = next(iter(ctx.calls))
    entries = await _extensive_all(
        ctx, "POST /v2/calls/extensive callIds", ids=[first], content_selector=full_selector(ContextType.BASIC)
    )
    got = [e.meta_data.id for e in entries]
    expect(got == [first], f"filter.callIds=[{first}] returned {got}")
    return f"callIds=[{first}] with context Basic"


async def c_extensive_primary_user(ctx: Ctx) -> str:
    user = next(iter(ctx.calls.values())).primary_user_id
    entries = await _extensive_all(
        ctx, "POST /v2/calls/extensive primaryUserIds", start=ctx.start, end=ctx.end, primary_user_ids=[user]
    )
    got = {e.meta_data.id for e in entries}
    want = {c.id for c in ctx.calls.values() if c.primary_user_id == user}
    expect(got == want, f"primaryUserIds=[{user}]: got {sorted(got)}, expected {sorted(want)}")
    return f"primaryUserIds=[{user}], no contentSelector: {len(got)} calls"


async def c_transcripts_by_ids(ctx: Ctx) -> str:
    ids = list(ctx.calls)
    seen: set[str] = set()
    monologues = 0
    for i in range(0, len(ids), ID_BATCH):
        batch = ids[i : i + ID_BATCH]
        pages = await collect(ctx, ctx.g.get_call_transcripts(ids=batch), "POST /v2/calls/transcript callIds")
        check_page_sequence(pages, "call_transcripts", "POST /v2/calls/transcript callIds")
        for p in pages:
            for t in p.call_transcripts:
                expect(t.call_id in batch, f"transcript for {t.call_id}, which was not requested")
                expect(t.call_id not in seen, f"transcript for {t.call_id} returned twice")
                seen.add(t.call_id)
                monologues += len(t.transcript)
    expect(seen, "no transcripts returned for any call; seed transcripts")
    return f"{len(seen)}/{len(ids)} calls have transcripts, {monologues} monologues"


async def c_transcripts_by_range(ctx: Ctx) -> str:
    pages = await collect(
        ctx, ctx.g.get_call_transcripts(start=ctx.start, end=ctx.end), "POST /v2/calls/transcript range"
    )
    n = check_page_sequence(pages, "call_transcripts", "POST /v2/calls/transcript range")
    for p in pages:
        for t in p.call_transcripts:
            expect(t.call_id in ctx.calls, f"transcript for {t.call_id}, which GET /v2/calls did not list")
    return f"{n} transcripts in {len(pages)} page(s)"


async def c_transcripts_unknown(ctx: Ctx) -> str:
    return await expect_gong_error(
        ctx.g.get_call_transcripts_page(ids=[UNKNOWN_ID]), NotFoundError, "POST /v2/calls/transcript unknown id"
    )


async def _bad_auth(ctx: Ctx, key: str, secret: str) -> str:
    async with Gongy(api_key=key, secret=secret, base_url=ctx.base, retries=1) as bad:
        now = datetime.now(UTC)
        return await expect_gong_error(
            bad.get_calls_page(start=now - timedelta(days=1), end=now), AccessDeniedError, "GET /v2/calls with bad credentials"
        )


async def c_bad_key(ctx: Ctx) -> str:
    return await _bad_auth(ctx, "parley-compat-unknown-key", ctx.secret)


async def c_bad_secret(ctx: Ctx) -> str:
    return await _bad_auth(ctx, ctx.key, ctx.secret + "-wrong")


# -- endpoints gongy 0.5.3 does not implement: gongy's session, envelope only --


async def raw(ctx: Ctx, method: str, path: str, *, params: dict[str, str] | None = None, body: Any = None) -> dict[str, Any]:
    url = ctx.g.v2 / path
    async with ctx.g.session.request(method, url, params=params, json=body) as resp:
        data = await resp.json()
    expect(isinstance(data, dict), f"{method} {path}: body is not a JSON object")
    expect(isinstance(data.get("requestId"), str), f"{method} {path}: requestId missing or not a string")
    return data


def user_list(data: dict[str, Any], what: str) -> list[dict[str, Any]]:
    users = data.get("users")
    expect(isinstance(users, list), f"{what}: `users` missing or not a list")
    for u in users:
        expect(isinstance(u, dict) and isinstance(u.get("id"), str), f"{what}: user without a string `id`: {u!r}")
    return users


async def paged_users(ctx: Ctx, method: str, path: str, body: dict[str, Any] | None) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    for page_no in range(ctx.max_pages):
        if method == "GET":
            data = await raw(ctx, "GET", path, params={"cursor": cursor} if cursor else None)
        else:
            data = await raw(ctx, "POST", path, body={**(body or {}), **({"cursor": cursor} if cursor else {})})
        rec = data.get("records")
        expect(isinstance(rec, dict), f"{method} {path}: `records` missing")
        expect(rec.get("currentPageNumber") == page_no, f"{method} {path}: currentPageNumber {rec.get('currentPageNumber')} != {page_no}")
        ids += [u["id"] for u in user_list(data, f"{method} {path}")]
        cursor = rec.get("cursor")
        if not cursor:
            expect(rec.get("totalRecords") == len(ids), f"{method} {path}: totalRecords {rec.get('totalRecords')} != {len(ids)}")
            expect(len(ids) == len(set(ids)), f"{method} {path}: a user was returned twice")
            return ids
    raise CheckFailed(f"{method} {path}: more than {ctx.max_pages} pages")


async def c_users_list(ctx: Ctx) -> str:
    ctx.user_ids = await paged_users(ctx, "GET", "users", None)
    expect(ctx.user_ids, "GET /v2/users returned no users")
    return f"{len(ctx.user_ids)} users"


async def c_user_get(ctx: Ctx) -> str:
    uid = ctx.user_ids[0]
    data = await raw(ctx, "GET", f"users/{uid}")
    user = data.get("user")
    expect(isinstance(user, dict) and user.get("id") == uid, f"GET /v2/users/{uid}: `user.id` is not {uid}")
    return f"user {uid}"


async def c_user_settings_history(ctx: Ctx) -> str:
    uid = ctx.user_ids[0]
    data = await raw(ctx, "GET", f"users/{uid}/settings-history")
    hist = data.get("userSettingsHistory")
    expect(isinstance(hist, list), "`userSettingsHistory` missing or not a list")
    for h in hist:
        expect(isinstance(h, dict) and isinstance(h.get("setting"), str) and "value" in h and isinstance(h.get("time"), str),
               f"settings-history entry lacks setting/value/time: {h!r}")
    return f"user {uid}: {len(hist)} entries"


async def c_users_extensive_empty(ctx: Ctx) -> str:
    ids = await paged_users(ctx, "POST", "users/extensive", {"filter": {}})
    expect(set(ids) == set(ctx.user_ids), f"filter {{}} returned {sorted(ids)}, GET /v2/users {sorted(ctx.user_ids)}")
    return f"{len(ids)} users"


async def c_users_extensive_ids(ctx: Ctx) -> str:
    uid = ctx.user_ids[0]
    ids = await paged_users(ctx, "POST", "users/extensive", {"filter": {"userIds": [uid]}})
    expect(ids == [uid], f"userIds=[{uid}] returned {ids}")
    return f"userIds=[{uid}]"


async def c_workspaces(ctx: Ctx) -> str:
    data = await raw(ctx, "GET", "workspaces")
    ws = data.get("workspaces")
    expect(isinstance(ws, list) and ws, "`workspaces` missing, not a list, or empty")
    for w in ws:
        expect(isinstance(w, dict) and isinstance(w.get("id"), str) and isinstance(w.get("name"), str),
               f"workspace without string id/name: {w!r}")
    return f"{len(ws)} workspaces"


# ------------------------------------------------------------------ runner ---

Check = tuple[str, Callable[[Ctx], Awaitable[str]], tuple[str, ...]]  # name, check, prerequisite checks
LIST = "calls.list (GET /v2/calls, all pages)"
USERS = "[no gongy model] users.list (GET /v2/users, all pages)"

GONGY_CHECKS: list[Check] = [
    (LIST, c_calls_list, ()),
    ("calls.list workspace filter", c_calls_list_workspace, (LIST,)),
    ("calls.list empty range -> NotFoundError", c_calls_list_empty, ()),
    ("calls.get (GET /v2/calls/{id})", c_call_get, (LIST,)),
    ("calls.get unknown id -> NotFoundError", c_call_get_unknown, ()),
    ("calls.extensive Extended + all exposedFields", c_extensive_full, (LIST,)),
    ("calls.extensive empty filter", c_extensive_no_filter, (LIST,)),
    ("calls.extensive callIds + Basic", c_extensive_ids, (LIST,)),
    ("calls.extensive primaryUserIds, no selector", c_extensive_primary_user, (LIST,)),
    ("calls.transcript all calls by callIds", c_transcripts_by_ids, (LIST,)),
    ("calls.transcript by date range", c_transcripts_by_range, (LIST,)),
    ("calls.transcript unknown id -> NotFoundError", c_transcripts_unknown, ()),
    ("auth unknown key -> AccessDeniedError", c_bad_key, ()),
    ("auth wrong secret -> AccessDeniedError", c_bad_secret, ()),
]
RAW_CHECKS: list[Check] = [
    (USERS, c_users_list, ()),
    ("[no gongy model] users.get (GET /v2/users/{id})", c_user_get, (USERS,)),
    ("[no gongy model] users.settings-history", c_user_settings_history, (USERS,)),
    ("[no gongy model] users.extensive {filter:{}}", c_users_extensive_empty, (USERS,)),
    ("[no gongy model] users.extensive userIds", c_users_extensive_ids, (USERS,)),
    ("[no gongy model] workspaces (GET /v2/workspaces)", c_workspaces, ()),
]


def describe(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return f"gongy pydantic validation FAILED for {exc.title}:\n{exc}"
    if isinstance(exc, CheckFailed):
        return str(exc)
    if isinstance(exc, GongError):
        return f"gongy raised {exc!r}"
    if isinstance(exc, TimeoutError):
        return f"timed out after {CHECK_TIMEOUT_S:.0f}s"
    if isinstance(exc, ContentTypeError):
        return f"response is not Content-Type application/json, gongy's response.json() refused it: {exc}"
    if isinstance(exc, ClientResponseError):
        return (f"HTTP {exc.status} {exc.message} for {exc.request_info.method} {exc.request_info.url} "
                "(gongy maps only 400/401/404/429/500 to its own GongError classes; any other status "
                "reaches the caller as a raw aiohttp ClientResponseError)")
    if isinstance(exc, ClientError):
        return f"{type(exc).__name__}: {exc}"
    tb = "".join(traceback.format_exception(exc, limit=-3))
    return f"{type(exc).__name__}: {exc}\n{tb}"


async def run_check(ctx: Ctx, name: str, fn: Callable[[Ctx], Awaitable[str]], needs: tuple[str, ...]) -> None:
    missing = [n for n in needs if n not in ctx.passed]
    if missing:
        ctx.n_fail += 1
        print(f"FAIL {name}: not run, depends on failed check {missing[0]!r}", flush=True)
        return
    try:
        detail = await asyncio.wait_for(fn(ctx), CHECK_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none aborts the run
        ctx.n_fail += 1
        msg = describe(exc).rstrip().replace("\n", "\n     ")
        print(f"FAIL {name}: {msg}", flush=True)
        return
    ctx.n_pass += 1
    ctx.passed.add(name)
    print(f"PASS {name}: {detail}", flush=True)


def parse_dt(s: str) -> datetime:
    d = datetime.fromisoformat(s)
    return d if d.tzinfo else d.replace(tzinfo=UTC)


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gongy-only", action="store_true", help="skip the [no gongy model] users/workspaces checks")
    ap.add_argument("--max-pages", type=int, default=1000, help="abort a listing after this many pages")
    ap.add_argument("--no-coverage", action="store_true", help="do not list optional gongy fields never populated")
    args = ap.parse_args()

    env = {k: os.environ.get(k, "") for k in ("PARLEY_URL", "PARLEY_ACCESS_KEY", "PARLEY_ACCESS_SECRET")}
    missing = [k for k, v in env.items() if not v]
    if missing:
        print(f"error: environment variable(s) not set: {', '.join(missing)}", file=sys.stderr)
        return 2
    installed = version("gongy")
    if installed != EXPECTED_GONGY:
        print(f"error: gongy {installed} installed, this checker targets {EXPECTED_GONGY}", file=sys.stderr)
        return 2
    try:
        start = parse_dt(os.environ.get("PARLEY_FROM") or "2000-01-01T00:00:00+00:00")
        end = parse_dt(os.environ["PARLEY_TO"]) if os.environ.get("PARLEY_TO") else datetime.now(UTC) + timedelta(days=365)
    except ValueError as e:
        print(f"error: bad PARLEY_FROM/PARLEY_TO: {e}", file=sys.stderr)
        return 2

    ctx = Ctx(
        base=URL(env["PARLEY_URL"].rstrip("/")),
        key=env["PARLEY_ACCESS_KEY"],
        secret=env["PARLEY_ACCESS_SECRET"],
        start=start,
        end=end,
        max_pages=args.max_pages,
    )
    print(f"gongy {installed} against {ctx.base} (calls {start.isoformat()} .. {end.isoformat()})", flush=True)
    async with Gongy(api_key=ctx.key, secret=ctx.secret, base_url=ctx.base) as client:
        ctx.client = client
        for name, fn, needs in GONGY_CHECKS + ([] if args.gongy_only else RAW_CHECKS):
            await run_check(ctx, name, fn, needs)

    if not args.no_coverage:
        never = sorted(ctx.optional - ctx.seen)
        if never:
            print("note: optional gongy model fields never populated by this server's data "
                  "(their validation was not exercised):\n  " + "\n  ".join(never))
    print(f"{ctx.n_pass} passed, {ctx.n_fail} failed", flush=True)
    return 0 if ctx.n_fail == 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

"""Parley's MCP server driven by the official MCP Python SDK (`mcp` on PyPI).

Run by crates/parley/tests/mcp.rs with one argument, a JSON object:
  parley          the parley binary
  connections     a connections file holding `connection`
  connection      the saved connection's name (a full key)
  base            the server's base URL
  key             [access key, secret] of a full key
  unscoped        [access key, secret] of a key without the calls scopes
  call            the id of a call that has a transcript
  cwd             a folder to run `parley mcp` in (no parley.toml there)

(a) `parley mcp --connection NAME` over stdio (mcp.client.stdio), (b) `POST {base}/mcp`
(mcp.client.streamable_http) with the Authorization header; the same checks on both, and
(c) a key without the calls scopes gets isError from `list-calls`. Ends with the line
"N passed, N failed"; the exit code is 1 when a check failed.
"""

import base64
import json
import sys
import traceback

import anyio
import httpx2
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

passed = 0
failed = 0


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok: {what}")
    else:
        failed += 1
        print(f"FAILED: {what} {detail}")


def structured(result):
    """A tool result's structured content (or its text, parsed)."""
    content = getattr(result, "structured_content", None)
    if content is None:
        content = getattr(result, "structuredContent", None)
    if content is None:
        content = json.loads(result.content[0].text)
    return content


def is_error(result):
    v = getattr(result, "is_error", None)
    if v is None:
        v = getattr(result, "isError", False)
    return bool(v)


def input_schema(tool):
    v = getattr(tool, "input_schema", None)
    if v is None:
        v = getattr(tool, "inputSchema", None)
    return v


def basic(key):
    access_key, secret = key
    return "Basic " + base64.b64encode(f"{access_key}:{secret}".encode()).decode()


async def same_checks(label, client, call):
    tools = (await client.list_tools()).tools
    names = {t.name for t in tools}
    check(f"{label}: tools/list holds list-calls", "list-calls" in names, sorted(names))
    lc = next((t for t in tools if t.name == "list-calls"), None)
    schema = input_schema(lc) if lc else None
    check(
        f"{label}: list-calls has its input schema",
        isinstance(schema, dict) and schema.get("type") == "object" and "cursor" in schema.get("properties", {}),
        schema,
    )
    check(f"{label}: sign-out is no tool", not any("sign-out" in n for n in names), sorted(names))

    listed = await client.call_tool("list-calls", {})
    body = structured(listed)
    ids = [c.get("id") for c in body.get("items", [])] if isinstance(body, dict) else []
    check(f"{label}: list-calls answers the call", not is_error(listed) and call in ids, body)

    bad = await client.call_tool("get-call", {"nope": 1})
    check(f"{label}: invalid input is a tool error", is_error(bad), bad)

    resources = (await client.list_resources()).resources
    uris = [str(r.uri) for r in resources]
    uri = f"parley://calls/{call}"
    check(f"{label}: resources/list holds the call", uri in uris, uris)

    read = await client.read_resource(uri)
    text = read.contents[0].text
    check(f"{label}: the call reads as JSON", json.loads(text)["call"]["id"] == call, text[:200])

    read = await client.read_resource(f"{uri}/transcript")
    transcript = json.loads(read.contents[0].text)
    said = " ".join(
        s["text"] for m in transcript.get("transcript", []) for s in m.get("sentences", [])
    )
    check(f"{label}: the transcript reads as JSON", "Acme and Globex" in said, transcript)

    try:
        await client.read_resource("parley://calls/1234")
        check(f"{label}: an unknown call is not found", False, "no error")
    except MCPError as e:
        code = getattr(e, "code", None)
        if code is None:
            code = e.error.code
        check(f"{label}: an unknown call is not found", code == -32002, e)


async def main(cfg):
    call = cfg["call"]
    # (a) stdio: `parley mcp` through the saved connection.
    params = StdioServerParameters(
        command=cfg["parley"],
        args=["mcp", "--connection", cfg["connection"], "--file", cfg["connections"]],
        cwd=cfg["cwd"],
    )
    async with Client(stdio_client(params)) as client:
        info = client.session.initialize_result.server_info if client.session.initialize_result else None
        check("stdio: the server is parley", info is not None and info.name == "parley", info)
        await same_checks("stdio", client, call)

    # (b) streamable HTTP with the caller's Authorization header.
    url = cfg["base"].rstrip("/") + "/mcp"
    async with httpx2.AsyncClient(headers={"Authorization": basic(cfg["key"])}, timeout=60) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            await same_checks("http", client, call)

    # (c) a key without the calls scopes: the tool answers isError (the API's 401).
    async with httpx2.AsyncClient(headers={"Authorization": basic(cfg["unscoped"])}, timeout=60) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            r = await client.call_tool("list-calls", {})
            body = structured(r)
            check(
                "http, no calls scope: list-calls is a tool error",
                is_error(r) and isinstance(body, dict) and body.get("status") == 401,
                body,
            )
            resources = (await client.list_resources()).resources
            check("http, no calls scope: no resources", len(resources) == 0, resources)

    # No credentials: the endpoint is refused like any route.
    async with httpx2.AsyncClient(timeout=60) as http:
        r = await http.post(
            url,
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            headers={"Accept": "application/json, text/event-stream"},
        )
        check("http, no credentials: 401", r.status_code == 401, r.status_code)


if __name__ == "__main__":
    cfg = json.loads(sys.argv[1])
    try:
        anyio.run(main, cfg)
    except BaseException:
        traceback.print_exc()
        failed += 1
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

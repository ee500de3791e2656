//! The MCP server with the official MCP Python SDK as its client (`tests/mcp_client.py`):
//! `parley mcp` over stdio through a saved connection, and `POST /mcp` on a real
//! `parley serve` over streamable HTTP, each listing tools, calling `list-calls`, listing
//! and reading the call and its transcript; a key without the calls scopes gets a tool
//! error, not the calls.
//!
//! The SDK lives in a virtualenv whose python is `PARLEY_TEST_MCP_PYTHON` (.ci/run makes
//! it); without it the test says so and passes, unless `PARLEY_REQUIRE_MCP=1`.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

const VTT: &str = "WEBVTT

00:00:00.000 --> 00:00:04.000
<v Rita Rep>Hi Dana, thanks for joining. Who else are you looking at?

00:00:04.500 --> 00:00:09.000
<v Dana Customer>We are looking at Acme and Globex right now.
";

/// The whole script's time: it starts a process and makes a few dozen requests.
const SCRIPT_LIMIT: Duration = Duration::from_secs(300);

fn python() -> Option<String> {
    match std::env::var("PARLEY_TEST_MCP_PYTHON") {
        Ok(p) if !p.trim().is_empty() => Some(p),
        _ => {
            assert!(
                std::env::var("PARLEY_REQUIRE_MCP").as_deref() != Ok("1"),
                "PARLEY_REQUIRE_MCP=1 but PARLEY_TEST_MCP_PYTHON is not set"
            );
            None
        }
    }
}

/// Saves the connection `name` to `file` with `parley connection add`, the secret on
/// standard input.
fn save_connection(file: &std::path::Path, name: &str, url: &str, key: &(String, String)) {
    let file = file.to_str().unwrap();
    let out = common::client::parley(
        &[
            "connection",
            "add",
            name,
            "--url",
            url,
            "--access-key",
            &key.0,
            "--file",
            file,
        ],
        &[],
        &format!("{}\n", key.1),
    );
    assert_eq!(out.code, 0, "connection add: {}", out.err);
}

/// The HTTP transport's edges, with a plain HTTP client: a notification is accepted with
/// no body, there is no SSE stream to GET, a body that is not JSON is refused as JSON-RPC
/// says, and an unknown method is a JSON-RPC error in a 200.
async fn http_edges(api: &common::Api) {
    let url = format!("{}/mcp", api.base);
    let post = |body: &'static str, content_type: &'static str| {
        api.http
            .post(&url)
            .basic_auth(&api.key.0, Some(&api.key.1))
            .header("content-type", content_type)
            .header("accept", "application/json, text/event-stream")
            .body(body)
            .send()
    };
    let r = post(
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    assert!(r.bytes().await.unwrap().is_empty());
    let r = api
        .http
        .get(&url)
        .basic_auth(&api.key.0, Some(&api.key.1))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let r = post(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, "text/plain")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let r = post("{not json", "application/json").await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], -32700, "{v}");
    let r = post(
        r#"{"jsonrpc":"2.0","id":"a","method":"brew/coffee"}"#,
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers().get("mcp-session-id").is_none());
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["id"], "a");
    assert_eq!(v["error"]["code"], -32601, "{v}");
}

#[tokio::test]
async fn the_official_python_client_uses_stdio_and_http() {
    let data = tempfile::tempdir().unwrap();
    let server = common::serve(data.path(), &[]);
    let api = common::Api::new(data.path(), &server.addr);
    http_edges(&api).await;
    let Some(python) = python() else {
        eprintln!(
            "skipped the MCP client part: PARLEY_TEST_MCP_PYTHON is not set (a python with `mcp` from PyPI; see .ci/run)"
        );
        return;
    };
    let (call, _) = api.call("mcp-1", json!({})).await;
    api.import_vtt(&call, VTT).await;
    // May use the MCP endpoint (parley:read) but read no calls.
    let unscoped = common::create_key(common::parley(data.path()).args([
        "keys",
        "create",
        "--name",
        "no-calls",
        "--scopes",
        "parley:read",
    ]));

    let client_dir = tempfile::tempdir().unwrap();
    let connections = client_dir.path().join("connections.toml");
    save_connection(&connections, "local", &server.addr, &api.key);

    let cfg = json!({
        "parley": env!("CARGO_BIN_EXE_parley"),
        "connections": connections,
        "connection": "local",
        "base": server.addr,
        "key": [api.key.0, api.key.1],
        "unscoped": [unscoped.0, unscoped.1],
        "call": call,
        "cwd": client_dir.path(),
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp_client.py");
    let mut child = Command::new(&python)
        .arg(script)
        .arg(cfg.to_string())
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{python} did not start: {e}"));
    // Read both pipes on threads so that neither fills while the other is waited on.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > SCRIPT_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    println!("{out}");
    eprintln!("{err}");
    let status =
        status.unwrap_or_else(|| panic!("the script ran past {SCRIPT_LIMIT:?}:\n{out}\n{err}"));
    assert!(status.success(), "the script failed:\n{out}\n{err}");
    assert!(out.contains(" passed, 0 failed"), "{out}\n{err}");
}

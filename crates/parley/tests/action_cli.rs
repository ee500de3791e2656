//! `parley action` against a real `parley serve`, and against a stand-in that answers as
//! Gong does (429 with `Retry-After`, 401 with Gong's error body, OAuth refresh with
//! single-use refresh tokens): finding actions by intent, their schemas, running them
//! with input checked by name, pages followed, NDJSON and CSV, and the exit codes.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use common::client::{parley, Out};
use serde_json::{json, Value};

/// `parley ARGS --file FILE`.
fn with_file(file: &Path, args: &[&str], input: &str) -> Out {
    let mut all = args.to_vec();
    all.extend(["--file", file.to_str().unwrap()]);
    parley(&all, &[], input)
}

#[tokio::test]
async fn actions_run_against_parley_with_pages_formats_and_exit_codes() {
    let data = tempfile::tempdir().unwrap();
    let server = common::serve(data.path(), &[("PARLEY_PAGE_SIZE", "2")]);
    let api = common::Api::new(data.path(), &server.addr);
    let mut calls = Vec::new();
    for i in 0..3 {
        calls.push(api.call(&format!("act-{i}"), json!({})).await.0);
    }
    let conns = tempfile::tempdir().unwrap();
    let file = conns.path().join("connections.toml");
    let (key, secret) = api.key.clone();
    let add = with_file(
        &file,
        &[
            "connection",
            "add",
            "local",
            "--url",
            &server.addr,
            "--access-key",
            &key,
        ],
        &format!("{secret}\n"),
    );
    assert_eq!(add.code, 0, "{}", add.err);

    // Every page, as stable JSON.
    let all = with_file(
        &file,
        &[
            "action",
            "run",
            "list-calls",
            "--connection",
            "local",
            "--all-pages",
            "--json",
        ],
        "",
    );
    assert_eq!(all.code, 0, "{}", all.err);
    let v = all.json();
    assert_eq!(v["pages"], 2);
    assert_eq!(v["nextCursor"], Value::Null);
    let mut ids: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let mut want = calls.clone();
    want.sort();
    assert_eq!(ids, want);

    // One page by default, as NDJSON; the rest is announced with its cursor.
    let one = with_file(&file, &["action", "run", "list-calls", "--ndjson"], "");
    assert_eq!(one.code, 0, "{}", one.err);
    assert_eq!(one.out.lines().count(), 2, "{}", one.out);
    for line in one.out.lines() {
        assert!(serde_json::from_str::<Value>(line).unwrap()["id"].is_string());
    }
    assert!(one.err.contains("more pages"), "{}", one.err);

    // CSV by the connector's name for the action, with a header.
    let csv = with_file(
        &file,
        &[
            "action",
            "run",
            "List calls by date",
            "--csv",
            "--max-pages",
            "5",
        ],
        "",
    );
    assert_eq!(csv.code, 0, "{}", csv.err);
    let mut lines = csv.out.lines();
    assert!(
        lines.next().unwrap().split(',').any(|c| c == "id"),
        "{}",
        csv.out
    );
    assert_eq!(lines.count(), 3);

    // A path parameter from the input.
    let one_call = with_file(
        &file,
        &[
            "action",
            "run",
            "get-call",
            "--input",
            &json!({"id": calls[0]}).to_string(),
        ],
        "",
    );
    assert_eq!(one_call.code, 0, "{}", one_call.err);
    assert_eq!(one_call.json()["call"]["id"], calls[0].as_str());

    // Input mistakes are refused before anything is sent, naming the field: exit 2.
    let missing = with_file(&file, &["action", "run", "get-call"], "");
    assert_eq!(missing.code, 2, "{}", missing.err);
    assert!(missing.err.contains("\"id\""), "{}", missing.err);
    let wrong = with_file(
        &file,
        &[
            "action",
            "run",
            "get-calls-extensive",
            "--input",
            r#"{"filter": {"fromDateTime": 3}}"#,
        ],
        "",
    );
    assert_eq!(wrong.code, 2, "{}", wrong.err);
    assert!(wrong.err.contains("filter.fromDateTime"), "{}", wrong.err);
    let unknown = with_file(
        &file,
        &["action", "run", "list-calls", "--input", r#"{"bogus": 1}"#],
        "",
    );
    assert_eq!(unknown.code, 2, "{}", unknown.err);
    assert!(unknown.err.contains("bogus"), "{}", unknown.err);
    let no_action = with_file(&file, &["action", "run", "list-callz"], "");
    assert_eq!(no_action.code, 2);
    assert!(no_action.err.contains("did you mean"), "{}", no_action.err);

    // Not found: exit 4, Gong's error body on stdout.
    let absent = with_file(
        &file,
        &[
            "action",
            "run",
            "get-call",
            "--input",
            r#"{"id": "999999"}"#,
            "--json",
        ],
        "",
    );
    assert_eq!(absent.code, 4, "{}", absent.err);
    assert!(absent.json()["errors"][0].is_string());
}

#[test]
fn actions_are_found_by_intent_with_their_schemas() {
    let list = parley(
        &[
            "action",
            "list",
            "--intent",
            "add a call from our dialer",
            "--json",
        ],
        &[],
        "",
    );
    assert_eq!(list.code, 0, "{}", list.err);
    let first = &list.json()[0];
    assert_eq!(first["id"], "create-call");
    assert_eq!(first["inputSchema"]["type"], "object");
    assert!(first["inputSchema"]["properties"]["parties"].is_object());
    assert!(first["outputSchema"].is_object());

    let all = parley(&["action", "list", "--json"], &[], "");
    let keys: Vec<String> = all
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(keys.len() > 100, "{}", keys.len());
    assert!(keys.contains(&"get-manual-crm-associations".to_owned()));

    let show = parley(
        &["action", "show", "List email references", "--json"],
        &[],
        "",
    );
    assert_eq!(show.code, 0, "{}", show.err);
    assert_eq!(show.json()["id"], "get-data-for-email-address");
}

#[test]
fn a_connection_lists_the_actions_its_server_has() {
    let conns = tempfile::tempdir().unwrap();
    let file = conns.path().join("connections.toml");
    for (name, url) in [
        ("gong", "https://api.gong.io"),
        ("ours", "http://127.0.0.1:9"),
    ] {
        let add = with_file(
            &file,
            &["connection", "add", name, "--url", url, "--access-key", "k"],
            "s\n",
        );
        assert_eq!(add.code, 0, "{}", add.err);
    }
    let ids = |args: &[&str]| -> Vec<String> {
        let out = with_file(&file, args, "");
        assert_eq!(out.code, 0, "{}", out.err);
        out.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Gong has only its own API; a Parley has Parley's too.
    let gong = ids(&["action", "list", "--connection", "gong", "--json"]);
    let ours = ids(&["action", "list", "--connection", "ours", "--json"]);
    assert!(gong.contains(&"list-calls".to_owned()));
    assert!(!gong.contains(&"transcribe-call".to_owned()), "{gong:?}");
    assert!(ours.contains(&"transcribe-call".to_owned()));
    assert!(
        gong.len() < ours.len() && gong.len() > 40,
        "{} {}",
        gong.len(),
        ours.len()
    );
    // By intent, the limit is filled with the connection's own actions.
    let found = ids(&[
        "action",
        "list",
        "--intent",
        "transcribe a call",
        "--limit",
        "3",
        "--connection",
        "gong",
        "--json",
    ]);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(!found.contains(&"transcribe-call".to_owned()), "{found:?}");

    let unknown = with_file(&file, &["action", "list", "--connection", "nope"], "");
    assert_eq!(unknown.code, 2, "{}", unknown.err);
    assert!(unknown.err.contains("nope"), "{}", unknown.err);
}

/// What the stand-in saw and decides.
#[derive(Default)]
struct Gong {
    /// Requests to the API answered 429 so far (the first one of each run is).
    limited: AtomicUsize,
    /// Refresh tokens spent: each works once.
    spent: Mutex<Vec<String>>,
    refreshes: AtomicUsize,
    base: Mutex<String>,
}

fn gong_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"requestId": "4al018gzaztcr8nbukw", "errors": [message]})),
    )
        .into_response()
}

async fn gong_users(
    State(g): State<Arc<Gong>>,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if auth != "Bearer access-2" {
        return gong_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: expired access token",
        );
    }
    if g.limited.fetch_add(1, Ordering::SeqCst) == 0 {
        let mut r = gong_error(StatusCode::TOO_MANY_REQUESTS, "API request limit exceeded");
        r.headers_mut().insert("retry-after", "1".parse().unwrap());
        return r;
    }
    let page = |ids: &[&str], cursor: Option<&str>| {
        let mut records =
            json!({"totalRecords": 3, "currentPageSize": ids.len(), "currentPageNumber": 0});
        if let Some(c) = cursor {
            records["cursor"] = json!(c);
        }
        let users: Vec<Value> = ids
            .iter()
            .map(|id| json!({"id": id, "emailAddress": format!("{id}@acme.example.com")}))
            .collect();
        Json(json!({"requestId": "r", "records": records, "users": users})).into_response()
    };
    match q.get("cursor").map(String::as_str) {
        None => page(&["u1", "u2"], Some("page-2")),
        Some("page-2") => page(&["u3"], None),
        Some(_) => gong_error(StatusCode::BAD_REQUEST, "cursor is invalid"),
    }
}

async fn gong_token(State(g): State<Arc<Gong>>, headers: HeaderMap, body: String) -> Response {
    // Client credentials in Basic: app-1:app-secret.
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if basic != "Basic YXBwLTE6YXBwLXNlY3JldA==" {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
    let token = form.get("refresh_token").cloned().unwrap_or_default();
    let mut spent = g.spent.lock().unwrap();
    if form.get("grant_type").map(String::as_str) != Some("refresh_token")
        || token != "refresh-1"
        || spent.contains(&token)
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": "refresh token is not valid"})),
        )
            .into_response();
    }
    spent.push(token);
    g.refreshes.fetch_add(1, Ordering::SeqCst);
    Json(json!({
        "access_token": "access-2",
        "refresh_token": "refresh-2",
        "expires_in": 86400,
        "token_type": "Bearer",
        "scope": "api:users:read",
        "api_base_url_for_customer": *g.base.lock().unwrap(),
    }))
    .into_response()
}

// Two threads: the commands are waited for on one while the stand-in answers on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_gong_tokens_are_refreshed_once_and_429s_are_waited_out() {
    let gong = Arc::new(Gong::default());
    let app = Router::new()
        .route("/v2/users", get(gong_users))
        .route("/oauth2/generate-customer-token", post(gong_token))
        .with_state(gong.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    *gong.base.lock().unwrap() = base.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let conns = tempfile::tempdir().unwrap();
    let file = conns.path().join("connections.toml");
    // An expired access token, with the app's credentials and a refresh token on stdin.
    let add = with_file(
        &file,
        &[
            "connection",
            "add",
            "gong",
            "--url",
            &base,
            "--token",
            "--oauth-client-id",
            "app-1",
            "--expires-in",
            "0",
        ],
        "access-1\napp-secret\nrefresh-1\n",
    );
    assert_eq!(add.code, 0, "{}", add.err);
    let shown = with_file(&file, &["connection", "show", "gong", "--json"], "");
    assert_eq!(shown.json()["connection"]["auth"], "oauth");
    assert!(!shown.out.contains("refresh-1") && !shown.out.contains("app-secret"));

    let started = std::time::Instant::now();
    let run = with_file(
        &file,
        &[
            "action",
            "run",
            "list-users",
            "--connection",
            "gong",
            "--all-pages",
            "--json",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{}", run.err);
    let v = run.json();
    assert_eq!(v["items"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(v["pages"], 2);
    // The 429's Retry-After (1 s) was waited out.
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(gong.refreshes.load(Ordering::SeqCst), 1);
    // The next refresh token was saved at once (the spent one would be refused).
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(
        saved.contains("refresh-2") && saved.contains("access-2"),
        "{saved}"
    );
    assert!(!saved.contains("refresh-1"));

    // The saved token is used as it is: no second refresh.
    let again = with_file(&file, &["action", "run", "list-users", "--json"], "");
    assert_eq!(again.code, 0, "{}", again.err);
    assert_eq!(gong.refreshes.load(Ordering::SeqCst), 1);

    // A token that cannot be refreshed: Gong's 401 body, exit 3.
    let plain = with_file(
        &file,
        &["connection", "add", "stale", "--url", &base, "--token"],
        "old-token\n",
    );
    assert_eq!(plain.code, 0, "{}", plain.err);
    let denied = with_file(
        &file,
        &[
            "action",
            "run",
            "list-users",
            "--connection",
            "stale",
            "--json",
        ],
        "",
    );
    assert_eq!(denied.code, 3, "{}", denied.err);
    assert_eq!(
        denied.json()["errors"][0],
        "Unauthorized: expired access token"
    );
}

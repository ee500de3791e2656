//! The web UI over HTTP: the SPA shell at `/` and at any non-API path (`no-store`, the
//! security headers), every file of `web/dist` with its media type and cache policy, a
//! missing hashed asset as a 404, unknown API paths still Gong's JSON 404, and
//! `GET /parley/v1/session`, with which the UI restores a session from its cookie.
//!
//! The file checks need `web/dist` (`cd web && npm ci && npm run build`): without it they
//! are skipped with a message, unless `PARLEY_REQUIRE_UI=1` (CI), which fails them.

mod common;

use common::{assert_error, TestServer};
use parley_domain::{Role, UserId};
use reqwest::{Method, StatusCode};
use serde_json::json;

const DIST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/dist");
const CSP: &str = "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

/// Whether `web/dist` is there; fails under `PARLEY_REQUIRE_UI=1` when it is not.
fn ui_built() -> bool {
    if std::path::Path::new(DIST).join("index.html").is_file() {
        return true;
    }
    assert!(
        std::env::var("PARLEY_REQUIRE_UI").as_deref() != Ok("1"),
        "PARLEY_REQUIRE_UI=1 but {DIST}/index.html is missing: run `cd web && npm ci && npm run build`"
    );
    eprintln!(
        "\n*** SKIPPED: the web UI is not built ({DIST}/index.html missing); \
         run `cd web && npm ci && npm run build` (PARLEY_REQUIRE_UI=1 makes this fail) ***\n"
    );
    false
}

struct Got {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }
}

async fn fetch(s: &TestServer, path: &str) -> Got {
    let r = s
        .client
        .get(format!("{}{path}", s.base))
        .send()
        .await
        .unwrap();
    Got {
        status: r.status(),
        headers: r.headers().clone(),
        body: r.bytes().await.unwrap().to_vec(),
    }
}

fn assert_shell(got: &Got, path: &str, index: &[u8]) {
    assert_eq!(got.status, StatusCode::OK, "{path}");
    assert_eq!(got.body, index, "{path} is not index.html");
    assert_eq!(
        got.header("content-type"),
        "text/html; charset=utf-8",
        "{path}"
    );
    assert_eq!(got.header("cache-control"), "no-store", "{path}");
    assert_eq!(got.header("content-security-policy"), CSP, "{path}");
    assert_eq!(got.header("x-content-type-options"), "nosniff", "{path}");
    assert_eq!(got.header("referrer-policy"), "same-origin", "{path}");
}

#[tokio::test]
async fn the_spa_and_its_files_are_served_outside_the_api() {
    let s = TestServer::start().await;
    // Unknown API paths stay Gong's JSON 404s, never the app's shell.
    for path in ["/v2/nope", "/parley/v1/nope", "/oauth2/nope", "/docs/nope"] {
        let r = s.get(path).await;
        assert_error(&r, StatusCode::NOT_FOUND, "no such endpoint");
        assert!(r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
    }
    // A change to a non-API path is no page either.
    let r = s
        .raw(s.client.post(format!("{}/calls", s.base)).json(&json!({})))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "no such endpoint");
    // A hashed asset that is not there is a 404, not index.html.
    let missing = fetch(&s, "/_app/immutable/x.js").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(!String::from_utf8_lossy(&missing.body).contains("<html"));

    if !ui_built() {
        // The server still answers `/`: a page that says how to build the UI.
        let r = fetch(&s, "/").await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(String::from_utf8_lossy(&r.body).contains("npm run build"));
        return;
    }
    let index = std::fs::read(format!("{DIST}/index.html")).unwrap();
    for path in [
        "/",
        "/index.html",
        "/calls",
        "/calls/12345?x=1",
        "/some/deep/spa/path",
        "/call?id=1",
        "/sign-in?next=%2Fcalls",
        "/v2x",
    ] {
        assert_shell(&fetch(&s, path).await, path, &index);
    }
    // HEAD answers like GET, without a body.
    let head = s
        .client
        .head(format!("{}/calls", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["cache-control"], "no-store");

    // Every file of web/dist, byte for byte, with its type and cache policy.
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(DIST)];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                dirs.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    assert!(files.len() > 3, "{files:?}");
    let mut immutable = 0;
    for file in &files {
        let rel = file.strip_prefix(DIST).unwrap().to_str().unwrap();
        let path = format!("/{rel}");
        let got = fetch(&s, &path).await;
        assert_eq!(got.status, StatusCode::OK, "{path}");
        assert_eq!(got.body, std::fs::read(file).unwrap(), "{path}");
        let want_type = match rel.rsplit_once('.').map(|(_, e)| e) {
            Some("html") => "text/html; charset=utf-8",
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("json") => "application/json",
            Some("svg") => "image/svg+xml",
            Some("png") => "image/png",
            other => panic!("{path}: a file type the test does not know ({other:?})"),
        };
        assert_eq!(got.header("content-type"), want_type, "{path}");
        assert_eq!(got.header("x-content-type-options"), "nosniff", "{path}");
        let cache = got.header("cache-control");
        if rel.starts_with("_app/immutable/") {
            immutable += 1;
            assert_eq!(cache, "public, max-age=31536000, immutable", "{path}");
        } else if rel == "index.html" {
            assert_eq!(cache, "no-store", "{path}");
        } else {
            assert_eq!(cache, "no-cache", "{path}");
        }
    }
    assert!(immutable > 0, "no hashed assets in {files:?}");
}

#[tokio::test]
async fn the_session_is_read_back_from_its_cookie() {
    let s = TestServer::start().await;
    // No credentials: 401, and a browser (a session cookie, or Sec-Fetch-Mode) is not
    // asked for Basic credentials, which would pop up the browser's own login box.
    let r = s
        .raw(s.client.get(format!("{}/parley/v1/session", s.base)))
        .await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "");
    assert!(r.headers.contains_key("www-authenticate"));
    for (name, value) in [
        ("cookie", "parley_session=0123abcd"),
        ("sec-fetch-mode", "cors"),
    ] {
        let r = s
            .raw(
                s.client
                    .get(format!("{}/parley/v1/session", s.base))
                    .header(name, value),
            )
            .await;
        assert_error(&r, StatusCode::UNAUTHORIZED, "");
        assert!(!r.headers.contains_key("www-authenticate"), "{name}");
    }
    // A key has no session.
    let r = s.get("/parley/v1/session").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "not signed in with a session");

    let id: i64 = s
        .user("ada@northwind.example.com", "Ada", "Lovelace")
        .await
        .parse()
        .unwrap();
    let user = UserId(id);
    parley_app::sessions::set_password(s.store.as_ref(), user, "correct horse battery")
        .await
        .unwrap();
    s.store
        .set_user_role(user, Role::Manager, chrono::Utc::now())
        .await
        .unwrap();
    let signed = s
        .client
        .post(format!("{}/parley/v1/session", s.base))
        .json(&json!({"email": "ada@northwind.example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    let cookie = signed.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let signed = TestServer::reply(signed).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);

    let r = s
        .raw(
            s.client
                .get(format!("{}/parley/v1/session", s.base))
                .header("cookie", &cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["userId"], id.to_string());
    assert_eq!(r.body["email"], "ada@northwind.example.com");
    assert_eq!(r.body["name"], "Ada Lovelace");
    assert_eq!(r.body["role"], "manager");
    assert_eq!(r.body["csrfToken"], signed.body["csrfToken"]);
    // The same instant (the store keeps microseconds, sign-in's answer had nanoseconds).
    let instant = |v: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .timestamp_millis()
    };
    assert_eq!(
        instant(&r.body["expires"]),
        instant(&signed.body["expires"])
    );
    assert_eq!(
        r.body["requestId"],
        r.headers["x-traceid"].to_str().unwrap()
    );

    // Signed out, the cookie reads as no session: 401, with no Basic challenge.
    let out = s
        .raw(
            s.client
                .request(Method::DELETE, format!("{}/parley/v1/session", s.base))
                .header("cookie", &cookie)
                .header("x-csrf-token", signed.body["csrfToken"].as_str().unwrap()),
        )
        .await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    let r = s
        .raw(
            s.client
                .get(format!("{}/parley/v1/session", s.base))
                .header("cookie", &cookie),
        )
        .await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "");
    assert!(!r.headers.contains_key("www-authenticate"));
}

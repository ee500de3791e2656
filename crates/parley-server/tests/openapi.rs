//! The OpenAPI document: it covers every route and nothing else, the checked-in copy the
//! client's action catalogue reads is the one the server serves, and it is served.
//!
//! `PARLEY_BLESS=1 cargo test --workspace --test openapi` rewrites the copy
//! (`crates/parley-client/data/openapi.json`) after a change to the routes.

mod common;

use std::collections::BTreeSet;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::Value;

const COPY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../parley-client/data/openapi.json"
);

/// The routes that take no credentials (`routes::public_routes`, and `/health`).
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("POST", "/parley/v1/session"),
    ("POST", "/parley/v1/password-reset"),
    ("GET", "/parley/v1/setup"),
    ("POST", "/parley/v1/setup"),
    ("GET", "/oauth2/authorize"),
    ("POST", "/oauth2/authorize"),
    ("POST", "/oauth2/generate-customer-token"),
    ("POST", "/oauth2/revoke"),
    ("GET", "/parley/v1/shared/{token}"),
    ("GET", "/parley/v1/shared/{token}/media"),
];

fn document() -> Value {
    serde_json::from_str(parley_server::openapi::json()).unwrap()
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    out
}

#[test]
fn the_checked_in_copy_is_what_the_server_serves() {
    let served = parley_server::openapi::json();
    if std::env::var_os("PARLEY_BLESS").is_some() {
        std::fs::write(COPY, served).unwrap();
    }
    let copy = std::fs::read_to_string(COPY).unwrap_or_default();
    assert!(
        copy == served,
        "{COPY} is not the server's document: run \
         `PARLEY_BLESS=1 cargo test --workspace --test openapi` and commit the file"
    );
}

#[test]
fn every_route_has_one_operation_and_nothing_else_does() {
    let doc = document();
    let mut routes: BTreeSet<(String, String)> = parley_server::auth::operations::ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    routes.extend(PUBLIC.iter().map(|(m, p)| (m.to_string(), p.to_string())));
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let missing: Vec<_> = routes.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routes).collect();
    assert!(
        missing.is_empty(),
        "routes without an operation: {missing:#?}"
    );
    assert!(extra.is_empty(), "operations of no route: {extra:#?}");
}

/// The web UI's pages and files (`parley_server::ui`) are no routes of the table: they are
/// what the server answers to a GET outside the API's paths, and are not in the document.
/// Every documented path must be under one of those API prefixes, or the UI would answer
/// it with its shell (and no route of the UI may be documented as an operation).
#[test]
fn every_documented_path_is_the_apis_not_the_uis() {
    let outside: Vec<_> = operations(&document())
        .into_iter()
        .filter(|(_, p, _)| !parley_server::ui::is_api_path(p))
        .map(|(m, p, _)| format!("{m} {p}"))
        .collect();
    assert!(
        outside.is_empty(),
        "documented paths that the UI would answer (add their prefix to ui::API_PREFIXES): {outside:#?}"
    );
    for (_, p) in PUBLIC {
        assert!(parley_server::ui::is_api_path(p), "{p}");
    }
}

#[test]
fn no_two_schemas_share_a_name() {
    assert_eq!(
        parley_server::openapi::clashing_schemas(),
        Vec::<String>::new()
    );
}

#[test]
fn operations_have_unique_action_keys_a_summary_and_gong_errors() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut keys = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let key = op["operationId"].as_str().unwrap_or_default();
        assert!(
            !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{method} {path}: operationId {key:?} is not a kebab-case action key"
        );
        assert!(keys.insert(key.to_owned()), "{key} twice");
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{method} {path}: no summary"
        );
        assert!(op["tags"][0].is_string(), "{method} {path}: no tag");
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path}: no success answer"
        );
        assert!(
            responses.contains_key("default") && responses.contains_key("400"),
            "{method} {path}: errors not declared"
        );
    }
    // The 18 popular actions of Gong's CLI, by their keys.
    for key in [
        "get-manual-crm-associations",
        "list-workspaces",
        "get-user-activity-stats",
        "get-scorecard-stats",
        "get-interaction-stats",
        "get-scorecards-settings",
        "get-library-folder-content",
        "list-library-folders",
        "update-meeting",
        "create-meeting",
        "get-users-extensive",
        "get-user",
        "list-users",
        "create-call",
        "get-call-transcripts",
        "get-calls-extensive",
        "get-call",
        "list-calls",
    ] {
        assert!(keys.contains(key), "no action {key}");
    }
}

#[tokio::test]
async fn the_document_and_its_page_are_served_to_signed_in_callers() {
    let s = TestServer::start().await;
    let r = s.get("/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, document());
    let anonymous = s
        .client
        .get(format!("{}/openapi.json", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let page = s
        .client
        .get(format!("{}/docs/api", s.base))
        .basic_auth(&s.key, Some(&s.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"op-list-calls\""), "{html:.300}");
    assert!(html.contains("<code>/v2/calls/{id}</code>"));
}

//! The audit log over real HTTP and a real SQLite file: what requests record, and
//! `GET /v2/logs` (reference §15).

mod common;

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use common::{assert_error, call_body, Reply, TestServer};

fn since() -> String {
    (Utc::now() - Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

async fn logs(s: &TestServer, log_type: &str) -> Reply {
    s.get(&format!(
        "/v2/logs?logType={log_type}&fromDateTime={}",
        since()
    ))
    .await
}

fn entries(r: &Reply) -> Vec<Value> {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["logEntries"].as_array().unwrap().clone()
}

/// The values of one `customData` key.
fn custom<'a>(entry: &'a Value, key: &str) -> Vec<&'a str> {
    entry["logRecord"]["customData"]
        .as_array()
        .unwrap()
        .iter()
        .find(|kv| kv["key"] == key)
        .map(|kv| {
            kv["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn writes_are_in_the_user_activity_log_with_route_targets_address_and_outcome() {
    let s = TestServer::start().await;
    let user = s.user("ada@acme.example.com", "Ada", "Admin").await;
    let call = s.call(call_body("u1", &user, "2025-06-12T10:00:00Z")).await;
    // A refused write is recorded with the status it got.
    let media = s
        .send(Method::PUT, &format!("/v2/calls/{call}/media"), None)
        .await;
    assert!(media.status.is_client_error(), "{}", media.body);
    // Query parameters are kept, escaped.
    let listing = s
        .post("/v2/calls/extensive?note=a%0Ab", json!({"filter": {}}))
        .await;
    // Reads are not in this log.
    assert_eq!(s.get("/v2/workspaces").await.status, StatusCode::OK);

    let r = logs(&s, "UserActivityLog").await;
    let e = entries(&r);
    assert_eq!(e.len(), 4, "{}", r.body);
    assert_eq!(
        r.body["records"],
        json!({"totalRecords": 4, "currentPageSize": 4, "currentPageNumber": 0})
    );
    let actions: Vec<_> = e.iter().map(|x| x["logRecord"]["action"].clone()).collect();
    assert_eq!(
        actions,
        [
            "POST /parley/v1/users",
            "POST /v2/calls",
            "PUT /v2/calls/{id}/media",
            "POST /v2/calls/extensive"
        ]
    );
    let first = &e[0];
    assert_eq!(first["userId"], Value::Null);
    assert!(first["eventTime"].as_str().unwrap().ends_with("+00:00"));
    assert_eq!(
        first["logRecord"]["httpRequest"],
        json!({"clientIp": "127.0.0.1", "verb": "POST", "endpointUri": "/parley/v1/users", "parameters": []})
    );
    assert_eq!(custom(first, "accessKey"), [s.key.as_str()]);
    assert_eq!(custom(first, "outcome"), ["201"]);
    assert_eq!(custom(first, "source"), ["api"]);
    assert_eq!(custom(&e[2], "targetIds"), [call.as_str()]);
    assert_eq!(custom(&e[2], "route"), ["/v2/calls/{id}/media"]);
    assert_eq!(
        custom(&e[2], "outcome"),
        [media.status.as_u16().to_string().as_str()]
    );
    assert_eq!(
        e[3]["logRecord"]["httpRequest"]["parameters"],
        json!([{"key": "note", "values": ["a\\u{a}b"]}])
    );
    assert_eq!(
        custom(&e[3], "outcome"),
        [listing.status.as_u16().to_string().as_str()]
    );
    let text = r.body.to_string();
    assert!(!text.contains(&s.secret), "the secret is never logged");
}

#[tokio::test]
async fn key_use_is_counted_per_key_not_logged_per_request() {
    let s = TestServer::start().await;
    for _ in 0..3 {
        assert_eq!(s.get("/v2/workspaces").await.status, StatusCode::OK);
    }
    let count_ok = |r: &Reply| -> u64 {
        entries(r)
            .iter()
            .filter(|x| {
                x["logRecord"]["action"] == "key-use"
                    && x["logRecord"]["accessKey"] == s.key.as_str()
                    && x["logRecord"]["httpStatus"] == 200
            })
            .map(|x| x["logRecord"]["count"].as_u64().unwrap())
            .sum()
    };
    let r = logs(&s, "AccessLog").await;
    // Usually one row; two when the test straddles the top of an hour.
    assert!(entries(&r).len() <= 2, "{}", r.body);
    assert_eq!(count_ok(&r), 3, "{}", r.body);
    let row = &entries(&r)[0]["logRecord"];
    assert_eq!(row["clientIp"], "127.0.0.1");
    assert_eq!(row["source"], "api");
    assert!(row["lastEventTime"].is_string());
    // The listing itself was a use of the key.
    assert_eq!(count_ok(&logs(&s, "AccessLog").await), 4);
}

#[tokio::test]
async fn refused_credentials_are_recorded_by_fingerprint_only() {
    let s = TestServer::start().await;
    let url = format!("{}/v2/workspaces", s.base);
    for _ in 0..2 {
        let r = s
            .raw(
                s.client
                    .get(&url)
                    .basic_auth("INTRUDERKEY0000000000000", Some("guessed-secret")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = s.raw(s.client.get(&url)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let r = logs(&s, "AccessLog").await;
    let rejected: Vec<_> = entries(&r)
        .into_iter()
        .filter(|x| x["logRecord"]["action"] == "credentials-rejected")
        .collect();
    assert_eq!(rejected.len(), 2, "{}", r.body);
    let by_key = rejected
        .iter()
        .find(|x| !x["logRecord"]["accessKeyFingerprint"].is_null())
        .unwrap();
    assert_eq!(
        by_key["logRecord"]["accessKeyFingerprint"],
        parley_app::audit::key_fingerprint("INTRUDERKEY0000000000000")
    );
    assert_eq!(by_key["logRecord"]["count"], 2);
    assert_eq!(by_key["logRecord"]["httpStatus"], 401);
    assert_eq!(by_key["logRecord"]["accessKey"], Value::Null);
    let text = r.body.to_string();
    assert!(!text.contains("INTRUDERKEY") && !text.contains("guessed-secret"));
    // A refused request is not a write.
    assert_error(
        &logs(&s, "UserActivityLog").await,
        StatusCode::NOT_FOUND,
        "No logs found",
    );
}

#[tokio::test]
async fn bad_log_requests_get_gongs_400s_and_empty_logs_a_404() {
    let s = TestServer::start().await;
    let from = since();
    for (query, message) in [
        ("", "logType is required"),
        (
            &format!("logType=Everything&fromDateTime={from}"),
            "logType: unknown log type \"Everything\"",
        ),
        ("logType=AccessLog", "fromDateTime is required"),
        ("logType=AccessLog&fromDateTime=yesterday", "fromDateTime:"),
        (
            &format!("logType=AccessLog&fromDateTime={from}&toDateTime=2000-01-01T00:00:00Z"),
            "toDateTime is before fromDateTime",
        ),
        (
            &format!("logType=AccessLog&fromDateTime={from}&cursor=forged.cursor"),
            "cursor is invalid",
        ),
    ] {
        let r = s.get(&format!("/v2/logs?{query}")).await;
        assert_error(&r, StatusCode::BAD_REQUEST, message);
        assert!(r.body["requestId"].is_string());
    }
    for log_type in [
        "UserCallPlay",
        "ExternallySharedCallAccess",
        "ExternallySharedCallPlay",
    ] {
        assert_error(
            &logs(&s, log_type).await,
            StatusCode::NOT_FOUND,
            "No logs found",
        );
    }
    // Nothing in range.
    let r = s
        .get("/v2/logs?logType=UserActivityLog&fromDateTime=2001-01-01T00:00:00Z&toDateTime=2001-01-02T00:00:00Z")
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "No logs found");
}

#[tokio::test]
async fn logs_page_with_cursors_bound_to_the_request() {
    let s = TestServer::start_with(|c| c.page_size = 2).await;
    for i in 0..5 {
        s.user(&format!("u{i}@acme.example.com"), "U", &format!("{i}"))
            .await;
    }
    let first = format!("/v2/logs?logType=UserActivityLog&fromDateTime={}", since());
    let mut path = first.clone();
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let r = s.get(&path).await;
        let e = entries(&r);
        assert_eq!(r.body["records"]["totalRecords"], 5);
        assert_eq!(r.body["records"]["currentPageNumber"], pages);
        ids.extend(e.iter().map(|x| x["logRecord"]["auditId"].clone()));
        pages += 1;
        match r.body["records"]["cursor"].as_str() {
            Some(c) => {
                // A cursor belongs to its request.
                let other = s
                    .get(&format!(
                        "/v2/logs?logType=AccessLog&fromDateTime={}&cursor={c}",
                        since()
                    ))
                    .await;
                assert_error(&other, StatusCode::BAD_REQUEST, "cursor");
                path = format!("{first}&cursor={c}");
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    ids.dedup();
    assert_eq!(ids.len(), 5);
}

#[tokio::test]
async fn forwarded_for_is_believed_only_behind_a_trusted_proxy() {
    async fn address(s: &TestServer) -> Value {
        let r = s
            .raw(
                s.client
                    .post(format!("{}/parley/v1/users", s.base))
                    .basic_auth(&s.key, Some(&s.secret))
                    .header("x-forwarded-for", "6.6.6.6, 203.0.113.9")
                    .json(
                        &json!({"email": "x@acme.example.com", "firstName": "X", "lastName": "Y"}),
                    ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let e = entries(&logs(s, "UserActivityLog").await);
        e[0]["logRecord"]["httpRequest"]["clientIp"].clone()
    }
    let direct = TestServer::start().await;
    assert_eq!(address(&direct).await, "127.0.0.1");
    let proxied = TestServer::start_with(|c| c.trust_proxy = true).await;
    assert_eq!(address(&proxied).await, "203.0.113.9");
}

#[tokio::test]
async fn long_paths_are_kept_bounded() {
    let s = TestServer::start().await;
    let id = "9".repeat(5000);
    let r = s
        .send(Method::PUT, &format!("/v2/calls/{id}/media"), None)
        .await;
    assert!(r.status.is_client_error());
    let e = entries(&logs(&s, "UserActivityLog").await);
    let uri = e[0]["logRecord"]["httpRequest"]["endpointUri"]
        .as_str()
        .unwrap();
    assert_eq!(uri.chars().count(), 257, "{uri}");
    assert!(uri.ends_with('…'));
    let target = custom(&e[0], "targetIds")[0];
    assert_eq!(target.chars().count(), 129);
}

/// The `/v2/logs` pages as a client sees them, with what changes per run masked.
#[tokio::test]
async fn log_pages_wire_shape() {
    let s = TestServer::start().await;
    let user = s.user("ada@acme.example.com", "Ada", "Admin").await;
    s.send(
        Method::PATCH,
        &format!("/parley/v1/users/{user}?notify=no"),
        Some(json!({"title": "CRO"})),
    )
    .await;
    let bad = s
        .raw(
            s.client
                .get(format!("{}/v2/users", s.base))
                .basic_auth("SOMEONEELSE", Some("x")),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let mask = |r: Reply| -> Value {
        let text = r
            .body
            .to_string()
            .replace(&s.key, "[access key]")
            .replace(&user, "[user id]");
        let mut v: Value = serde_json::from_str(&text).unwrap();
        v["requestId"] = json!("[request id]");
        for e in v["logEntries"].as_array_mut().unwrap() {
            e["eventTime"] = json!("[time]");
            e["logRecord"]["auditId"] = json!("[audit id]");
            if e["logRecord"].get("lastEventTime").is_some() {
                e["logRecord"]["lastEventTime"] = json!("[time]");
            }
        }
        v
    };
    insta::assert_json_snapshot!(
        "logs_user_activity",
        mask(logs(&s, "UserActivityLog").await)
    );
    insta::assert_json_snapshot!("logs_access", mask(logs(&s, "AccessLog").await));
}

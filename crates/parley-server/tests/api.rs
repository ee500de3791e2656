//! The Gong API v2 surface, over HTTP, against a real server and SQLite file.

mod common;

use common::{assert_error, call_body, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const NO_CALLS: &str = r#"{"errors":["No calls found corresponding to the provided filters"]}"#;

#[tokio::test]
async fn health_needs_no_key_and_everything_else_does() {
    let s = TestServer::start().await;
    let r = s.raw(s.client.get(format!("{}/health", s.base))).await;
    assert_eq!(r.status, StatusCode::OK);

    for path in ["/v2/calls", "/v2/users", "/v2/workspaces", "/v2/calls/1"] {
        let r = s.raw(s.client.get(format!("{}{path}", s.base))).await;
        assert_error(&r, StatusCode::UNAUTHORIZED, "Unauthorized");
        assert!(r.headers.contains_key("www-authenticate"));
    }
    let wrong_secret = s
        .client
        .get(format!("{}/v2/workspaces", s.base))
        .basic_auth(&s.key, Some("nope"));
    assert_error(
        &s.raw(wrong_secret).await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    );
    let unknown_key = s
        .client
        .get(format!("{}/v2/workspaces", s.base))
        .basic_auth("NOSUCHKEY", Some(&s.secret));
    assert_error(
        &s.raw(unknown_key).await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    );
    let bearer = s
        .client
        .get(format!("{}/v2/workspaces", s.base))
        .bearer_auth("token");
    assert_error(
        &s.raw(bearer).await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    );
    let garbage = s
        .client
        .get(format!("{}/v2/workspaces", s.base))
        .header("authorization", "Basic %%%");
    assert_error(
        &s.raw(garbage).await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    );
}

#[tokio::test]
async fn a_revoked_key_is_refused() {
    let s = TestServer::start().await;
    assert_eq!(s.get("/v2/workspaces").await.status, StatusCode::OK);
    assert!(s
        .store
        .revoke_api_key(&s.key, chrono::Utc::now())
        .await
        .unwrap());
    assert_error(
        &s.get("/v2/workspaces").await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    );
}

#[tokio::test]
async fn rate_limits_answer_429_with_whole_second_retry_after() {
    let s = TestServer::start_with(|c| {
        c.rate_limit = parley_server::RateLimit {
            per_second: 1,
            burst: 1,
            per_day: 0,
        };
    })
    .await;
    assert_eq!(s.get("/v2/workspaces").await.status, StatusCode::OK);
    let r = s.get("/v2/workspaces").await;
    assert_error(
        &r,
        StatusCode::TOO_MANY_REQUESTS,
        "API request limit exceeded",
    );
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
}

#[tokio::test]
async fn every_response_carries_its_request_id() {
    let s = TestServer::start().await;
    let r = s.get("/v2/workspaces").await;
    let id = r.body["requestId"].as_str().unwrap();
    assert_eq!(id.len(), 19);
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
    assert_eq!(r.headers["x-traceid"].to_str().unwrap(), id);
    assert_eq!(
        r.headers["content-type"].to_str().unwrap(),
        "application/json;charset=UTF-8"
    );
    let workspaces = r.body["workspaces"].as_array().unwrap();
    assert_eq!(
        workspaces.len(),
        1,
        "a default workspace exists from the start"
    );
}

#[tokio::test]
async fn empty_call_listings_are_gongs_404_byte_for_byte() {
    let s = TestServer::start().await;
    let checks = [
        s.get("/v2/calls").await,
        s.post("/v2/calls/extensive", json!({"filter": {}})).await,
        s.post(
            "/v2/calls/transcript",
            json!({"filter": {"callIds": ["123"]}}),
        )
        .await,
    ];
    for r in checks {
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let mut body = r.body.clone();
        body.as_object_mut().unwrap().remove("requestId");
        assert_eq!(serde_json::to_string(&body).unwrap(), NO_CALLS);
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_get_gong_error_bodies() {
    let s = TestServer::start().await;
    assert_error(
        &s.get("/v2/nope").await,
        StatusCode::NOT_FOUND,
        "no such endpoint",
    );
    assert_error(
        &s.send(Method::DELETE, "/v2/calls", None).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "Method Not Allowed",
    );
    assert_error(
        &s.get("/v2/calls/7782342274025937895").await,
        StatusCode::NOT_FOUND,
        "Call ID 7782342274025937895 was not found",
    );
    assert_error(
        &s.get("/v2/calls/not-a-number").await,
        StatusCode::NOT_FOUND,
        "Call ID not-a-number was not found",
    );
    assert_error(
        &s.get("/v2/users/42").await,
        StatusCode::NOT_FOUND,
        "User ID 42 was not found",
    );
    assert_error(
        &s.get("/v2/users/42/settings-history").await,
        StatusCode::NOT_FOUND,
        "User ID 42 was not found",
    );
}

#[tokio::test]
async fn creating_a_call_validates_and_is_idempotent_per_client_unique_id() {
    let s = TestServer::start().await;
    let user = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let body = call_body("rec-1", &user, "2024-03-05T10:01:12.448211-08:00");
    let r = s.post("/v2/calls", body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = r.body["callId"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 19);
    assert_eq!(
        r.body["url"],
        format!("https://parley.test-host.example.com/call?id={id}")
    );

    let again = s.post("/v2/calls", body).await;
    assert_eq!(
        again.body["callId"],
        id.as_str(),
        "same clientUniqueId, same call"
    );

    let call = s.get(&format!("/v2/calls/{id}")).await;
    assert_eq!(call.status, StatusCode::OK);
    let c = &call.body["call"];
    assert_eq!(c["started"], "2024-03-05T18:01:12.448211+00:00");
    assert_eq!(c["scope"], "External");
    assert_eq!(c["direction"], "Outbound");
    assert_eq!(c["primaryUserId"], user.as_str());
    assert_eq!(c["clientUniqueId"], "rec-1");
    assert_eq!(c["language"], "und");
    assert!(c["purpose"].is_null(), "nulls are explicit: {c}");
}

#[tokio::test]
async fn bad_call_bodies_get_400_naming_the_problem() {
    let s = TestServer::start().await;
    let user = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let good = call_body("rec-1", &user, "2024-03-05T10:00:00Z");
    let with = |path: &str, v: Value| {
        let mut b = good.clone();
        b[path] = v;
        b
    };
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), "clientUniqueId is required"),
        (
            with("direction", json!("Sideways")),
            "direction \"Sideways\" is not one of",
        ),
        (with("actualStart", json!("yesterday")), "actualStart:"),
        (
            with("primaryUser", json!("999")),
            "parties must include the primary user 999",
        ),
        (
            call_body("rec-2", "999", "2024-03-05T10:00:00Z"),
            "primaryUser 999 is not a known user",
        ),
        (
            with("parties", json!([])),
            "parties must contain at least one party",
        ),
        (with("parties", json!("everyone")), "invalid field parties"),
        (with("duration", json!("long")), "invalid field duration"),
        (
            with("workspaceId", json!("12")),
            "workspaceId 12 is not a known workspace",
        ),
        (
            with("downloadMediaUrl", json!("file:///etc/passwd")),
            "downloadMediaUrl must be an http or https URL",
        ),
        (json!([1, 2]), "invalid JSON body"),
    ];
    for (body, message) in cases {
        assert_error(
            &s.post("/v2/calls", body).await,
            StatusCode::BAD_REQUEST,
            message,
        );
    }
    let bad_json = s
        .client
        .post(format!("{}/v2/calls", s.base))
        .basic_auth(&s.key, Some(&s.secret))
        .header("content-type", "application/json")
        .body("{\"clientUniqueId\": ");
    assert_error(
        &s.raw(bad_json).await,
        StatusCode::BAD_REQUEST,
        "invalid JSON body",
    );
    let huge = s
        .client
        .post(format!("{}/v2/calls", s.base))
        .basic_auth(&s.key, Some(&s.secret))
        .body(vec![b' '; 3 * 1024 * 1024]);
    assert_error(
        &s.raw(huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too large",
    );
}

#[tokio::test]
async fn unknown_fields_and_params_are_ignored() {
    let s = TestServer::start().await;
    let user = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let mut body = call_body("rec-1", &user, "2024-03-05T10:00:00Z");
    body["parties"][1]["speakerId"] = json!("123");
    body["parties"][1]["affiliation"] = json!("External");
    body["somethingNew"] = json!({"a": 1});
    s.call(body).await;
    assert_eq!(
        s.get("/v2/calls?limit=100&foo=bar").await.status,
        StatusCode::OK
    );
    let r = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"x": 1}, "extra": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

/// Creates `n` calls one minute apart from 2024-01-01T00:00Z.
async fn many_calls(s: &TestServer, user: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let start = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").unwrap()
            + chrono::Duration::minutes(i as i64);
        ids.push(
            s.call(call_body(&format!("rec-{i}"), user, &start.to_rfc3339()))
                .await,
        );
    }
    ids
}

#[tokio::test]
async fn listings_page_by_100_with_an_opaque_cursor_absent_on_the_last_page() {
    let s = TestServer::start().await;
    let user = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let created = many_calls(&s, &user, 250).await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let path = match &cursor {
            Some(c) => format!("/v2/calls?cursor={}", urlencode(c)),
            None => "/v2/calls".to_owned(),
        };
        let r = s.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let rec = &r.body["records"];
        pages.push((
            rec["currentPageNumber"].as_i64().unwrap(),
            rec["currentPageSize"].as_i64().unwrap(),
        ));
        assert_eq!(rec["totalRecords"], 250);
        seen.extend(
            r.body["calls"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        match rec.get("cursor") {
            Some(c) => cursor = Some(c.as_str().unwrap().to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, vec![(0, 100), (1, 100), (2, 50)]);
    assert_eq!(seen, created, "every call once, in start order");

    // The same walk through POST with the cursor in the body.
    let first = s.post("/v2/calls/extensive", json!({"filter": {}})).await;
    let c = first.body["records"]["cursor"].as_str().unwrap().to_owned();
    let second = s
        .post("/v2/calls/extensive", json!({"filter": {}, "cursor": c}))
        .await;
    assert_eq!(second.body["records"]["currentPageNumber"], 1);
    assert_eq!(
        second.body["calls"][0]["metaData"]["id"],
        created[100].as_str()
    );
    // ... and with the cursor in the query string, as Airbyte sends it for transcripts.
    let t1 = s.post("/v2/calls/transcript", json!({"filter": {}})).await;
    let tc = t1.body["records"]["cursor"].as_str().unwrap().to_owned();
    let t2 = s
        .post(
            &format!("/v2/calls/transcript?cursor={}", urlencode(&tc)),
            json!({"filter": {}}),
        )
        .await;
    assert_eq!(t2.body["records"]["currentPageNumber"], 1);
    assert_eq!(
        t2.body["callTranscripts"][0]["callId"],
        created[100].as_str()
    );

    // Cursors are tamper-evident and bound to their endpoint and filter.
    let mut forged = c.clone();
    forged.insert(
        3,
        if forged.as_bytes()[3] == b'A' {
            'B'
        } else {
            'A'
        },
    );
    for bad in [forged.as_str(), "garbage", "e30.AAAA"] {
        let r = s
            .post("/v2/calls/extensive", json!({"filter": {}, "cursor": bad}))
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST, "cursor is invalid");
    }
    let other_filter = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"fromDateTime": "2024-01-01T00:00:00Z"}, "cursor": c}),
        )
        .await;
    assert_error(&other_filter, StatusCode::BAD_REQUEST, "other filters");
    let other_endpoint = s.get(&format!("/v2/calls?cursor={}", urlencode(&c))).await;
    assert_error(&other_endpoint, StatusCode::BAD_REQUEST, "another endpoint");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn date_filters_are_inclusive_from_exclusive_to_in_any_spelling() {
    let s = TestServer::start().await;
    let user = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let ids = many_calls(&s, &user, 5).await; // 00:00 .. 00:04
    let count = |r: &common::Reply| r.body["calls"].as_array().map_or(0, Vec::len);
    for (from, to, expected) in [
        ("2024-01-01T00:01:00Z", "2024-01-01T00:03:00Z", 2),
        ("2024-01-01T00:01:00.000Z", "2024-01-01T00:03:00.000Z", 2),
        (
            "2024-01-01T01:01:00%2B01:00",
            "2024-01-01T01:03:00%2B01:00",
            2,
        ),
        ("2024-01-01T00:01:00.5Z", "2024-01-02T00:00:00Z", 3),
    ] {
        let r = s
            .get(&format!("/v2/calls?fromDateTime={from}&toDateTime={to}"))
            .await;
        assert_eq!(count(&r), expected, "{from}..{to}: {}", r.body);
    }
    let none = s.get("/v2/calls?fromDateTime=2030-01-01T00:00:00Z").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert_error(
        &s.get("/v2/calls?fromDateTime=soon").await,
        StatusCode::BAD_REQUEST,
        "fromDateTime",
    );
    let backwards = s
        .get("/v2/calls?fromDateTime=2024-02-01T00:00:00Z&toDateTime=2024-01-01T00:00:00Z")
        .await;
    assert_error(
        &backwards,
        StatusCode::BAD_REQUEST,
        "toDateTime is before fromDateTime",
    );

    let by_id = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [ids[1], ids[3], "junk"]}}),
        )
        .await;
    assert_eq!(count(&by_id), 2);
    let by_user = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"primaryUserIds": [user]}}),
        )
        .await;
    assert_eq!(count(&by_user), 5);
    let other_user = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"primaryUserIds": ["1"]}}),
        )
        .await;
    assert_eq!(other_user.status, StatusCode::NOT_FOUND);
    let wrong_type = s
        .post("/v2/calls/extensive", json!({"filter": {"callIds": "all"}}))
        .await;
    assert_error(
        &wrong_type,
        StatusCode::BAD_REQUEST,
        "invalid field filter.callIds",
    );
    let bad_selector = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {}, "contentSelector": {"context": "All"}}),
        )
        .await;
    assert_error(
        &bad_selector,
        StatusCode::BAD_REQUEST,
        "contentSelector.context",
    );
}

#[tokio::test]
async fn users_and_workspaces() {
    let s = TestServer::start().await;
    let boss = s.user("vera@northwind.example.com", "Vera", "Vp").await;
    let r = s
        .post(
            "/parley/v1/users",
            json!({"email": "rita@northwind.example.com", "firstName": "Rita", "lastName": "Rep",
                   "managerId": boss, "title": "AE", "languages": ["en-US"],
                   "personalMeetingUrls": ["https://acme.zoom.us/my/rita", "https://meet.google.com/abc-defg-hij"],
                   "settings": {"webConferencesRecorded": true}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rita = r.body["userId"].as_str().unwrap().to_owned();
    let dup = s
        .post(
            "/parley/v1/users",
            json!({"email": "RITA@northwind.example.com", "firstName": "R"}),
        )
        .await;
    assert_error(&dup, StatusCode::CONFLICT, "exists");

    let list = s.get("/v2/users").await;
    assert_eq!(list.body["records"]["totalRecords"], 2);
    assert!(list.body["records"].get("cursor").is_none());
    let one = s.get(&format!("/v2/users/{rita}")).await;
    let u = &one.body["user"];
    assert_eq!(u["managerId"], boss.as_str());
    assert_eq!(u["settings"]["webConferencesRecorded"], true);
    assert_eq!(
        u["spokenLanguages"],
        json!([{"language": "en-US", "primary": true}])
    );
    assert!(u["trustedEmailAddress"].is_null());
    assert_eq!(
        u["conferencingProviders"],
        json!([{"provider": "zoom", "isDefault": true}, {"provider": "googlemeet", "isDefault": false}])
    );
    let vera = s.get(&format!("/v2/users/{boss}")).await;
    assert!(
        vera.body["user"]["conferencingProviders"].is_null(),
        "{}",
        vera.body
    );
    let bad = s
        .post(
            "/parley/v1/users",
            json!({"email": "x@northwind.example.com", "firstName": "X",
                   "personalMeetingUrls": ["javascript:alert(1)"]}),
        )
        .await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "personalMeetingUrls[0]");

    let all = s.post("/v2/users/extensive", json!({"filter": {}})).await;
    assert_eq!(all.body["users"].as_array().unwrap().len(), 2);
    let some = s
        .post(
            "/v2/users/extensive",
            json!({"filter": {"userIds": [rita]}}),
        )
        .await;
    assert_eq!(some.body["users"].as_array().unwrap().len(), 1);
    let none = s
        .post("/v2/users/extensive", json!({"filter": {"userIds": ["1"]}}))
        .await;
    assert_error(&none, StatusCode::NOT_FOUND, "No users found");
    let future = s
        .post(
            "/v2/users/extensive",
            json!({"filter": {"createdFromDateTime": "2999-01-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(future.status, StatusCode::NOT_FOUND);

    let patched = s
        .send(
            Method::PATCH,
            &format!("/parley/v1/users/{rita}"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    let history = s.get(&format!("/v2/users/{rita}/settings-history")).await;
    let entries = history.body["userSettingsHistory"].as_array().unwrap();
    let last = entries.last().unwrap();
    assert_eq!(
        (&last["setting"], &last["value"]),
        (&json!("active"), &json!(false))
    );
    assert!(entries
        .iter()
        .any(|e| e["setting"] == "webConferencesRecorded" && e["value"] == true));

    let ws = s
        .post("/parley/v1/workspaces", json!({"name": "EMEA"}))
        .await;
    assert_eq!(ws.status, StatusCode::CREATED);
    let list = s.get("/v2/workspaces").await;
    let names: Vec<_> = list.body["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("Default workspace"), json!("EMEA")]);
}

#[tokio::test]
async fn guessing_secrets_for_a_known_key_is_throttled() {
    let s = std::sync::Arc::new(TestServer::start().await);
    assert_eq!(s.get("/v2/workspaces").await.status, StatusCode::OK);
    let guesses: Vec<_> = (0..60)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                let req = s
                    .client
                    .get(format!("{}/v2/workspaces", s.base))
                    .basic_auth(&s.key, Some("guess"));
                s.raw(req).await.status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for g in guesses {
        statuses.push(g.await.unwrap());
    }
    assert!(!statuses.contains(&StatusCode::OK), "{statuses:?}");
    assert!(statuses.contains(&StatusCode::UNAUTHORIZED), "{statuses:?}");
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // The right secret was verified once and is remembered: it needs no hashing and still works.
    assert_eq!(s.get("/v2/workspaces").await.status, StatusCode::OK);
}

#[tokio::test]
async fn concurrent_creates_lose_nothing_and_never_duplicate_a_client_unique_id() {
    let s = std::sync::Arc::new(TestServer::start().await);
    let user = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        let unique = if i % 2 == 0 {
            "shared".to_owned()
        } else {
            format!("own-{i}")
        };
        let body = call_body(&unique, &user, "2024-05-01T09:00:00Z");
        tasks.push(tokio::spawn(async move {
            let r = s.post("/v2/calls", body).await;
            (
                unique,
                r.status,
                r.body["callId"].as_str().map(str::to_owned),
            )
        }));
    }
    let mut shared_ids = std::collections::HashSet::new();
    for t in tasks {
        let (unique, status, id) = t.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        if unique == "shared" {
            shared_ids.insert(id.unwrap());
        }
    }
    assert_eq!(shared_ids.len(), 1, "one call for one clientUniqueId");
    let r = s.get("/v2/calls").await;
    assert_eq!(r.body["records"]["totalRecords"], 21);
}

#[tokio::test]
async fn dates_are_rendered_in_the_company_time_zone() {
    let s = TestServer::start_with(|c| c.timezone = "America/Los_Angeles".parse().unwrap()).await;
    let user = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let id = s
        .call(call_body("rec-1", &user, "2024-07-01T16:30:00Z"))
        .await;
    let r = s.get(&format!("/v2/calls/{id}")).await;
    assert_eq!(r.body["call"]["started"], "2024-07-01T09:30:00-07:00");
    // A date-time without an offset is read in the company time zone too.
    let r = s
        .get("/v2/calls?fromDateTime=2024-07-01T09:30:00&toDateTime=2024-07-01T09:31:00")
        .await;
    assert_eq!(
        r.body["calls"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn calls_can_be_listed_per_workspace() {
    let s = TestServer::start().await;
    let user = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let ws = s
        .post("/parley/v1/workspaces", json!({"name": "EMEA"}))
        .await;
    let emea = ws.body["workspaceId"].as_str().unwrap().to_owned();
    let mut body = call_body("rec-emea", &user, "2024-05-01T09:00:00Z");
    body["workspaceId"] = json!(emea);
    let in_emea = s.call(body).await;
    s.call(call_body("rec-default", &user, "2024-05-01T10:00:00Z"))
        .await;
    let r = s.get(&format!("/v2/calls?workspaceId={emea}")).await;
    let ids: Vec<_> = r.body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!(in_emea)]);
    assert_eq!(r.body["calls"][0]["workspaceId"], emea.as_str());
    let none = s.get("/v2/calls?workspaceId=123").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    let garbage = s.get("/v2/calls?workspaceId=abc").await;
    assert_eq!(garbage.status, StatusCode::NOT_FOUND);
}

/// `GET /v2/calls` serves calls it rendered before from memory while their row is
/// unchanged; a change (here: a transcript import that sets the duration) must show at once.
#[tokio::test]
async fn a_listed_call_shows_its_changes_at_once() {
    let s = TestServer::start().await;
    let user = s.user("lister@acme.example.com", "Lee", "Lister").await;
    let call = s
        .call(common::call_body("cache-1", &user, "2024-05-01T10:00:00Z"))
        .await;
    let listed = |r: &common::Reply| {
        r.body["calls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == serde_json::json!(call))
            .cloned()
            .unwrap()
    };
    let first = s.get("/v2/calls").await;
    assert_eq!(listed(&first)["duration"], 0);
    // Twice, so the second answer comes from the cache.
    let again = s.get("/v2/calls").await;
    assert_eq!(listed(&again), listed(&first));

    let r = s
        .put_transcript(
            &call,
            "vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:42.000\n<v Lee Lister>Hello there.\n",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after = s.get("/v2/calls").await;
    assert_eq!(listed(&after)["duration"], 42, "{}", after.body);
    let one = s.get(&format!("/v2/calls/{call}")).await;
    assert_eq!(one.body["call"], listed(&after));

    // The count of a filter is kept too, until calls are added.
    let total = |r: &common::Reply| r.body["records"]["totalRecords"].as_i64().unwrap();
    assert_eq!(total(&after), total(&first));
    s.call(common::call_body("cache-2", &user, "2024-05-02T10:00:00Z"))
        .await;
    assert_eq!(total(&s.get("/v2/calls").await), total(&first) + 1);
}

/// An imported transcript sets the call's language: the one the call was created with,
/// else the one its text is in.
#[tokio::test]
async fn an_imported_transcript_sets_the_calls_language() {
    let s = TestServer::start().await;
    let user = s.user("lang@acme.example.com", "Lena", "Lang").await;
    let language = |call: String| {
        let s = &s;
        async move {
            let r = s.get(&format!("/v2/calls/{call}")).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.body["call"]["language"].clone()
        }
    };
    let english = s
        .call(call_body("lang-en", &user, "2024-05-01T10:00:00Z"))
        .await;
    assert_eq!(language(english.clone()).await, "und");
    let r = s
        .put_transcript(
            &english,
            "vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:09.000\n<v Lena Lang>Thanks for taking the time \
             today, I wanted to walk you through our pricing and answer your questions.\n",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(language(english).await, "eng");

    let german = s
        .call(call_body("lang-de", &user, "2024-05-01T11:00:00Z"))
        .await;
    let r = s
        .put_transcript(
            &german,
            "vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:09.000\n<v Lena Lang>Vielen Dank, dass Sie sich \
             heute die Zeit nehmen. Wir haben uns mehrere Angebote angesehen.\n",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(language(german).await, "ger");

    // The language the call was created with wins over the text's.
    let mut body = call_body("lang-hint", &user, "2024-05-01T12:00:00Z");
    body["languageCode"] = json!("fr-FR");
    let hinted = s.call(body).await;
    let r = s
        .put_transcript(
            &hinted,
            "vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:09.000\n<v Lena Lang>Thanks for taking the time \
             today, I wanted to walk you through our pricing and answer your questions.\n",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(language(hinted).await, "fre");
}

/// `/v2/calls/extensive` serves renderings from memory too; whatever a call renders
/// changes its version: here a CRM object the call shares with a newer call, and the
/// parties a transcript import adds.
#[tokio::test]
async fn extensive_shows_changes_to_shared_crm_objects_and_parties_at_once() {
    let s = TestServer::start().await;
    let user = s.user("crm@acme.example.com", "Cora", "Crm").await;
    let with_account = |unique: &str, name: &str| {
        let mut b = call_body(unique, &user, "2024-05-01T10:00:00Z");
        b["context"] = json!([{"system": "Salesforce", "objects": [
            {"objectType": "Account", "objectId": "001SHARED", "fields": [{"name": "Name", "value": name}]}
        ]}]);
        b
    };
    let call = s.call(with_account("crm-1", "Acme")).await;
    let read = || async {
        let r = s
            .post(
                "/v2/calls/extensive",
                json!({"filter": {"callIds": [call]},
                       "contentSelector": {"context": "Extended", "exposedFields": {"parties": true}}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["calls"][0].clone()
    };
    let name = |c: &Value| c["context"][0]["objects"][0]["fields"][0]["value"].clone();
    assert_eq!(name(&read().await), "Acme");
    assert_eq!(name(&read().await), "Acme", "served again");

    s.call(with_account("crm-2", "Acme Corporation")).await;
    assert_eq!(name(&read().await), "Acme Corporation");

    let parties = |c: &Value| c["parties"].as_array().unwrap().len();
    let before = parties(&read().await);
    let r = s
        .put_transcript(
            &call,
            "vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Someone New>Hello?\n",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(parties(&read().await), before + 1);
}

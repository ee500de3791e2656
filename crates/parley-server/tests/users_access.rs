//! `/v2/calls/users-access`: calls granted to single users, and how listings and reads
//! honour the grants.

mod common;

use common::{assert_error, call_body, key, send_as as as_key, Key, TestServer};
use parley_domain::{Role, UserId, WorkspaceId};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn member_key(s: &TestServer, email: &str) -> (String, Key) {
    let id = s.user(email, "Mo", "Member").await;
    s.store
        .set_user_role(
            UserId(id.parse().unwrap()),
            Role::Member,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let k = key(s, Some(&id), None).await;
    (id, k)
}

fn change(call: &str, users: &[&str]) -> Value {
    json!({"callAccessList": [{"callId": call, "userIds": users}]})
}

#[tokio::test]
async fn a_granted_call_is_listed_read_and_revoked() {
    let s = TestServer::start().await;
    let host = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let granted = s.call(call_body("g", &host, "2024-03-05T10:00:00Z")).await;
    let other = s.call(call_body("o", &host, "2024-03-05T11:00:00Z")).await;
    let (me, k) = member_key(&s, "mo@northwind.example.com").await;

    // Nothing granted: a member sees no call of someone else.
    let r = as_key(&s, &k, Method::GET, "/v2/calls", None).await;
    assert_error(&r, StatusCode::NOT_FOUND, "No calls found");

    let r = s
        .send(
            Method::PUT,
            "/v2/calls/users-access",
            Some(change(&granted, &[me.as_str()])),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body.as_object().unwrap().len(),
        1,
        "only requestId: {}",
        r.body
    );
    // Granting again is a no-op.
    let r = s
        .send(
            Method::PUT,
            "/v2/calls/users-access",
            Some(change(&granted, &[me.as_str()])),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = as_key(&s, &k, Method::GET, "/v2/calls", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ids: Vec<_> = r.body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, vec![granted.clone()]);
    assert_eq!(r.body["records"]["totalRecords"], 1);
    let r = as_key(&s, &k, Method::GET, &format!("/v2/calls/{granted}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = as_key(&s, &k, Method::GET, &format!("/v2/calls/{other}"), None).await;
    assert_error(&r, StatusCode::NOT_FOUND, "was not found");
    let r = as_key(
        &s,
        &k,
        Method::POST,
        "/v2/calls/extensive",
        Some(json!({"filter": {}})),
    )
    .await;
    assert_eq!(r.body["calls"].as_array().unwrap().len(), 1, "{}", r.body);

    // The read lists API grants per call, for every call asked about.
    let r = s
        .post(
            "/v2/calls/users-access",
            json!({"filter": {"callIds": [granted, other]}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut body = r.body.clone();
    body["requestId"] = json!("REQUEST_ID");
    let body = serde_json::to_string(&body)
        .unwrap()
        .replace(&granted, "GRANTED_CALL")
        .replace(&other, "OTHER_CALL")
        .replace(&me, "USER_ID");
    insta::assert_json_snapshot!(
        "users_access_read",
        serde_json::from_str::<Value>(&body).unwrap()
    );

    let r = s
        .send(
            Method::DELETE,
            "/v2/calls/users-access",
            Some(change(&granted, &[me.as_str()])),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = as_key(&s, &k, Method::GET, "/v2/calls", None).await;
    assert_error(&r, StatusCode::NOT_FOUND, "No calls found");
    let r = s
        .post(
            "/v2/calls/users-access",
            json!({"filter": {"callIds": [granted]}}),
        )
        .await;
    assert_eq!(r.body["callAccessList"][0]["users"], json!([]));
}

#[tokio::test]
async fn unknown_calls_and_users_and_bad_bodies_are_refused() {
    let s = TestServer::start().await;
    let host = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let call = s.call(call_body("g", &host, "2024-03-05T10:00:00Z")).await;
    for method in [Method::PUT, Method::DELETE] {
        for bad in ["1234567890123456789", "not-a-call"] {
            let r = s
                .send(
                    method.clone(),
                    "/v2/calls/users-access",
                    Some(change(bad, &[host.as_str()])),
                )
                .await;
            assert_error(&r, StatusCode::BAD_REQUEST, "Some calls not found");
        }
        let r = s
            .send(method.clone(), "/v2/calls/users-access", Some(json!({})))
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST, "callAccessList");
    }
    let r = s
        .send(
            Method::PUT,
            "/v2/calls/users-access",
            Some(change(&call, &["1234567890123456789"])),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "Some users not found");
    let r = s
        .send(
            Method::PUT,
            "/v2/calls/users-access",
            Some(change(&call, &["someone"])),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "Some users not found");
    let r = s
        .post(
            "/v2/calls/users-access",
            json!({"filter": {"callIds": ["1234567890123456789"]}}),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "Some calls not found");
    let r = s.post("/v2/calls/users-access", json!({})).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "filter");

    // /v2/calls/{id} does not shadow the sibling path: a GET there is 405, not a call.
    let r = s.get("/v2/calls/users-access").await;
    assert_error(&r, StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
}

#[tokio::test]
async fn a_bound_key_grants_only_calls_of_its_workspace_and_members_may_not_grant() {
    let s = TestServer::start().await;
    let host = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let call = s.call(call_body("g", &host, "2024-03-05T10:00:00Z")).await;
    let east = parley_domain::Workspace {
        id: WorkspaceId::generate(),
        name: "East".into(),
        description: None,
        created: chrono::Utc::now(),
    };
    s.store.create_workspace(&east, false).await.unwrap();
    let bound = key(&s, None, Some(&east.id.to_string())).await;
    let r = as_key(
        &s,
        &bound,
        Method::PUT,
        "/v2/calls/users-access",
        Some(change(&call, &[host.as_str()])),
    )
    .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "Some calls not found");

    let (me, member) = member_key(&s, "mo@northwind.example.com").await;
    let r = as_key(
        &s,
        &member,
        Method::PUT,
        "/v2/calls/users-access",
        Some(change(&call, &[me.as_str()])),
    )
    .await;
    assert_error(&r, StatusCode::FORBIDDEN, "this needs the admin role");
}

//! Who may do what, over HTTP on a real server: scopes (Gong's 401 naming the scope) for
//! every route, roles, workspace-bound keys, key management, and credential throttling
//! that cannot lock the rightful client out.

mod common;

use common::{assert_error, call_body, key_with, send_as, Key, Reply, TestServer};
use parley_app::keys::KeySpec;
use parley_domain::{Role, Scope, ScopeSet, UserId, WorkspaceId};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn spec(scopes: ScopeSet) -> KeySpec {
    KeySpec {
        name: "test".into(),
        scopes,
        workspace: None,
        owner: None,
    }
}

/// Every route of the table, asked by a key with every scope but the route's own: Gong's
/// 401 naming that scope. This also proves each listed route exists (an unknown one
/// would be a 404) and is guarded.
#[tokio::test]
async fn every_route_needs_its_scope() {
    let s = TestServer::start().await;
    for &(method, route, op) in parley_server::auth::operations::ROUTES {
        let need = op.need().scope;
        let others: ScopeSet = Scope::ALL.iter().copied().filter(|x| *x != need).collect();
        let k = key_with(&s, spec(others)).await;
        let path = route
            .replace("{id}", "1234567890123456789")
            .replace("{speaker}", "1")
            .replace("{key}", "NOSUCHKEY")
            .replace("{client_id}", "nosuchclient");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let r = send_as(&s, &k, method.clone(), &path, Some(json!({}))).await;
        assert_error(
            &r,
            StatusCode::UNAUTHORIZED,
            &format!("You don't have permission to use '{need}' in your app."),
        );
    }
}

/// The role × route × workspace table, over HTTP: every route asked by a key with every
/// scope owned by a member, a manager and an admin, and by a company key bound to one
/// workspace. Below the route's role: 403 naming it; a company-wide route: 403 to the
/// bound key; otherwise the request gets past authorisation (whatever the handler then
/// says of the empty body and made-up ids — never a 500).
#[tokio::test]
async fn every_route_checks_role_and_workspace_reach() {
    use parley_app::access::Reach;
    let s = TestServer::start().await;
    let mut callers = Vec::new();
    for (i, role) in Role::ALL.into_iter().enumerate() {
        let id: i64 = s
            .user(
                &format!("u{i}@northwind.example.com"),
                "U",
                &role.to_string(),
            )
            .await
            .parse()
            .unwrap();
        s.store
            .set_user_role(UserId(id), role, chrono::Utc::now())
            .await
            .unwrap();
        let k = key_with(
            &s,
            KeySpec {
                owner: Some(UserId(id)),
                ..spec(ScopeSet::full())
            },
        )
        .await;
        callers.push((Some(role), k));
    }
    let r = s.get("/v2/workspaces").await;
    let w: i64 = r.body["workspaces"][0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let bound = key_with(
        &s,
        KeySpec {
            workspace: Some(WorkspaceId(w)),
            ..spec(ScopeSet::full())
        },
    )
    .await;
    callers.push((None, bound));

    for &(method, route, op) in parley_server::auth::operations::ROUTES {
        let need = op.need();
        let path = route
            .replace("{id}", "1234567890123456789")
            .replace("{speaker}", "1")
            .replace("{key}", "NOSUCHKEY")
            .replace("{client_id}", "nosuchclient");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        for (role, k) in &callers {
            let r = send_as(&s, k, method.clone(), &path, Some(json!({}))).await;
            let who = format!("{method} {route} as {role:?}");
            assert_ne!(
                r.status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{who}: {}",
                r.body
            );
            assert_ne!(r.status, StatusCode::UNAUTHORIZED, "{who}: {}", r.body);
            let refused = match role {
                Some(role) if *role < need.role => {
                    Some(format!("this needs the {} role", need.role))
                }
                None if need.reach == Reach::Company => Some("spans every workspace".to_owned()),
                _ => None,
            };
            match refused {
                Some(message) => assert_error(&r, StatusCode::FORBIDDEN, &message),
                None => assert_ne!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body),
            }
        }
    }
}

#[tokio::test]
async fn a_read_only_key_reads_and_cannot_write() {
    let s = TestServer::start().await;
    let user = s.user("rep@northwind.example.com", "Rita", "Rep").await;
    s.call(call_body("c1", &user, "2026-03-01T10:00:00Z")).await;
    let ro = key_with(&s, spec(ScopeSet::read_only())).await;
    let r = send_as(&s, &ro, Method::GET, "/v2/calls", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send_as(
        &s,
        &ro,
        Method::POST,
        "/v2/calls",
        Some(call_body("c2", &user, "2026-03-01T11:00:00Z")),
    )
    .await;
    assert_error(
        &r,
        StatusCode::UNAUTHORIZED,
        "You don't have permission to use 'api:calls:create' in your app.",
    );
    // Media URLs need their own scope on top of extensive call data.
    let basic: ScopeSet = [Scope::CallsReadExtensive].into_iter().collect();
    let k = key_with(&s, spec(basic)).await;
    let body = json!({"filter": {}, "contentSelector": {"exposedFields": {"media": true}}});
    let r = send_as(&s, &k, Method::POST, "/v2/calls/extensive", Some(body)).await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "'api:calls:read:media-url'");
    let body = json!({"filter": {}, "contentSelector": {"exposedFields": {"parties": true}}});
    let r = send_as(&s, &k, Method::POST, "/v2/calls/extensive", Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// A key that belongs to a user acts with the user's role: a member's key with every
/// scope still cannot manage keys, users or settings; made admin, it can; deactivated,
/// its owner's key can do nothing.
#[tokio::test]
async fn a_users_key_acts_with_the_users_role() {
    let s = TestServer::start().await;
    let user: i64 = s
        .user("mia@northwind.example.com", "Mia", "Member")
        .await
        .parse()
        .unwrap();
    let k = key_with(
        &s,
        KeySpec {
            owner: Some(UserId(user)),
            ..spec(ScopeSet::full())
        },
    )
    .await;
    let r = send_as(&s, &k, Method::GET, "/v2/users", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send_as(&s, &k, Method::GET, "/parley/v1/keys", None).await;
    assert_error(&r, StatusCode::FORBIDDEN, "this needs the admin role");
    let r = send_as(
        &s,
        &k,
        Method::POST,
        "/parley/v1/trackers",
        Some(json!({"name": "Pricing", "keywords": ["price"]})),
    )
    .await;
    assert_error(&r, StatusCode::FORBIDDEN, "this needs the admin role");

    // An admin (the test server's company key) makes her an admin.
    let r = s
        .send(
            Method::PUT,
            &format!("/parley/v1/users/{user}/role"),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send_as(&s, &k, Method::GET, "/parley/v1/keys", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = s
        .send(
            Method::PUT,
            &format!("/parley/v1/users/{user}/role"),
            Some(json!({"role": "emperor"})),
        )
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "not one of admin, manager, member",
    );
    let r = s
        .send(
            Method::PATCH,
            &format!("/parley/v1/users/{user}"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send_as(&s, &k, Method::GET, "/v2/users", None).await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "'api:users:read'");
    assert_eq!(
        s.store.user_role(UserId(user)).await.unwrap(),
        Role::Admin,
        "the role stays; the inactive owner is what stops the key"
    );
}

/// A key bound to one workspace sees that workspace only: other workspaces' calls do not
/// exist for it, naming another workspace is a 403, and company-wide requests are refused.
#[tokio::test]
async fn a_workspace_bound_key_sees_only_its_workspace() {
    let s = TestServer::start().await;
    let user = s.user("rep@northwind.example.com", "Rita", "Rep").await;
    let mut workspaces = Vec::new();
    for name in ["East", "West"] {
        let r = s.post("/parley/v1/workspaces", json!({"name": name})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        workspaces.push(r.body["workspaceId"].as_str().unwrap().to_owned());
    }
    let (east, west) = (&workspaces[0], &workspaces[1]);
    let mut calls = Vec::new();
    for (i, w) in [east, west].into_iter().enumerate() {
        let mut body = call_body(&format!("c{i}"), &user, "2026-03-01T10:00:00Z");
        body["workspaceId"] = json!(w);
        calls.push(s.call(body).await);
    }
    let k = key_with(
        &s,
        KeySpec {
            workspace: Some(WorkspaceId(east.parse().unwrap())),
            ..spec(ScopeSet::full())
        },
    )
    .await;

    let r = send_as(&s, &k, Method::GET, "/v2/calls", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ids: Vec<&str> = r.body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [calls[0].as_str()]);
    let r = send_as(
        &s,
        &k,
        Method::GET,
        &format!("/v2/calls/{}", calls[1]),
        None,
    )
    .await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        &format!("Call ID {} was not found", calls[1]),
    );
    let r = send_as(
        &s,
        &k,
        Method::GET,
        &format!("/v2/calls?workspaceId={west}"),
        None,
    )
    .await;
    assert_error(&r, StatusCode::FORBIDDEN, "bound to workspace");
    let body = json!({"filter": {"workspaceId": west}});
    let r = send_as(&s, &k, Method::POST, "/v2/calls/transcript", Some(body)).await;
    assert_error(&r, StatusCode::FORBIDDEN, "bound to workspace");
    let r = send_as(
        &s,
        &k,
        Method::GET,
        &format!("/parley/v1/calls/{}/speakers", calls[1]),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = send_as(&s, &k, Method::GET, "/v2/workspaces", None).await;
    let listed: Vec<&str> = r.body["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [east.as_str()]);
    let body = json!({"filter": {"fromDate": "2026-03-01", "toDate": "2026-03-02"}});
    let r = send_as(&s, &k, Method::POST, "/v2/stats/interaction", Some(body)).await;
    assert_error(&r, StatusCode::FORBIDDEN, "spans every workspace");
    // A call it creates lands in its workspace, whatever the default is.
    let r = send_as(
        &s,
        &k,
        Method::POST,
        "/v2/calls",
        Some(call_body("c9", &user, "2026-03-02T10:00:00Z")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id: i64 = r.body["callId"].as_str().unwrap().parse().unwrap();
    let call = s
        .store
        .get_call(parley_domain::CallId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(call.workspace_id.to_string(), *east);
}

#[tokio::test]
async fn admins_manage_keys_over_the_api() {
    let s = TestServer::start().await;
    let r = s
        .post(
            "/parley/v1/keys",
            json!({"name": "airbyte", "scopes": "read-only"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["key"]["preset"], "read-only");
    let k = Key {
        key: r.body["key"]["accessKey"].as_str().unwrap().to_owned(),
        secret: r.body["secret"].as_str().unwrap().to_owned(),
    };
    let r = send_as(&s, &k, Method::GET, "/v2/workspaces", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Listed without secrets; its use is recorded (off the request path).
    let mut used = Value::Null;
    for _ in 0..50 {
        let list = s.get("/parley/v1/keys").await;
        assert!(!list.body.to_string().contains(&k.secret));
        let mine = list.body["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["accessKey"] == k.key.as_str())
            .cloned()
            .unwrap();
        used = mine["lastUsed"].clone();
        if !used.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(used.is_string(), "lastUsed was never recorded");

    // Rotation: the old secret stops working, the new one works.
    let r = s
        .post(&format!("/parley/v1/keys/{}/rotate", k.key), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rotated = Key {
        key: k.key.clone(),
        secret: r.body["secret"].as_str().unwrap().to_owned(),
    };
    let r = send_as(&s, &k, Method::GET, "/v2/workspaces", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = send_as(&s, &rotated, Method::GET, "/v2/workspaces", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = s
        .send(Method::DELETE, &format!("/parley/v1/keys/{}", k.key), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send_as(&s, &rotated, Method::GET, "/v2/workspaces", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = s
        .send(Method::DELETE, &format!("/parley/v1/keys/{}", k.key), None)
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "no active key");

    // Bad requests say what is wrong.
    let r = s
        .post(
            "/parley/v1/keys",
            json!({"name": "x", "scopes": "api:nope"}),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "unknown scope \"api:nope\"");
    let r = s
        .post("/parley/v1/keys", json!({"name": "x", "workspaceId": "42"}))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "workspace 42 does not exist");
    let r = s.post("/parley/v1/keys", json!({"name": " "})).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "a key needs a name");
    // A read-only key manages nothing.
    let ro = key_with(&s, spec(ScopeSet::read_only())).await;
    let r = send_as(
        &s,
        &ro,
        Method::POST,
        "/parley/v1/keys",
        Some(json!({"name": "y"})),
    )
    .await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "'parley:keys:write'");
}

async fn get_from(base: String, source: &'static str, k: (String, String)) -> StatusCode {
    let client = reqwest::Client::builder()
        .local_address(source.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    client
        .get(format!("{base}/v2/workspaces"))
        .basic_auth(&k.0, Some(&k.1))
        .send()
        .await
        .unwrap()
        .status()
}

/// Sends 40 requests at once from `source`; returns how many were throttled.
async fn burst(s: &TestServer, source: &'static str, k: (&str, &str)) -> usize {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..40 {
        set.spawn(get_from(
            s.base.clone(),
            source,
            (k.0.to_owned(), k.1.to_owned()),
        ));
    }
    let mut throttled = 0;
    while let Some(status) = set.join_next().await {
        let status = status.unwrap();
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::TOO_MANY_REQUESTS,
            "{status}"
        );
        throttled += usize::from(status == StatusCode::TOO_MANY_REQUESTS);
    }
    throttled
}

/// Wrong secrets from one address are throttled there; the owner of the key, asking from
/// another address for the first time after the attack, gets in. Unknown keys are
/// throttled exactly like known ones (they cost the same argon2 run).
#[tokio::test]
async fn wrong_secrets_cannot_lock_out_the_rightful_client() {
    let s = TestServer::start().await;
    let throttled = burst(&s, "127.0.0.2", (&s.key, "not-the-secret")).await;
    assert!(throttled > 0, "the attacker was never throttled");
    let right = (s.key.clone(), s.secret.clone());
    assert_eq!(
        get_from(s.base.clone(), "127.0.0.3", right).await,
        StatusCode::OK
    );
    let unknown = burst(&s, "127.0.0.4", ("NOSUCHKEYNOSUCHKEYNOSUCH", "whatever")).await;
    assert!(unknown > 0, "unknown keys must cost what known ones do");
}

/// Call access by role: a member's key sees the calls the member hosted or attended; a
/// manager's, also those of everyone reporting to them down the tree; an admin's, all.
#[tokio::test]
async fn members_see_their_calls_and_managers_their_teams() {
    let s = TestServer::start().await;
    let boss = s.user("boss@northwind.example.com", "Bea", "Boss").await;
    let mut ids = std::collections::HashMap::new();
    for (email, manager) in [
        ("lead@northwind.example.com", Some(boss.clone())),
        ("other@northwind.example.com", None),
    ] {
        let r = s
            .post(
                "/parley/v1/users",
                json!({"email": email, "firstName": "X", "lastName": "Y", "managerId": manager}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.insert(email, r.body["userId"].as_str().unwrap().to_owned());
    }
    let lead = ids["lead@northwind.example.com"].clone();
    let r = s
        .post(
            "/parley/v1/users",
            json!({"email": "rep@northwind.example.com", "firstName": "R", "lastName": "Rep", "managerId": lead}),
        )
        .await;
    let rep = r.body["userId"].as_str().unwrap().to_owned();
    let other = ids["other@northwind.example.com"].clone();

    let c_rep = s.call(call_body("rep", &rep, "2026-03-01T10:00:00Z")).await;
    let c_other = s
        .call(call_body("other", &other, "2026-03-01T11:00:00Z"))
        .await;
    let mut joint = call_body("joint", &other, "2026-03-01T12:00:00Z");
    joint["parties"] = json!([{"userId": other}, {"userId": rep}]);
    let c_joint = s.call(joint).await;
    let c_boss = s
        .call(call_body("boss", &boss, "2026-03-01T13:00:00Z"))
        .await;

    let owned = |u: &str| KeySpec {
        owner: Some(UserId(u.parse().unwrap())),
        ..spec(ScopeSet::full())
    };
    let listed = |r: Reply| -> Vec<String> {
        let mut v: Vec<String> = r.body["calls"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.body))
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<String>>()
    };

    let rep_key = key_with(&s, owned(&rep)).await;
    let r = send_as(&s, &rep_key, Method::GET, "/v2/calls", None).await;
    assert_eq!(listed(r), sorted(vec![&c_rep, &c_joint]));
    let r = send_as(
        &s,
        &rep_key,
        Method::GET,
        &format!("/v2/calls/{c_other}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let body = json!({"filter": {"callIds": [c_other]}});
    let r = send_as(
        &s,
        &rep_key,
        Method::POST,
        "/v2/calls/transcript",
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    s.store
        .set_user_role(
            UserId(boss.parse().unwrap()),
            Role::Manager,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let boss_key = key_with(&s, owned(&boss)).await;
    let r = send_as(&s, &boss_key, Method::GET, "/v2/calls", None).await;
    assert_eq!(listed(r), sorted(vec![&c_rep, &c_joint, &c_boss]));

    let r = s.get("/v2/calls").await;
    assert_eq!(listed(r), sorted(vec![&c_rep, &c_other, &c_joint, &c_boss]));
}

/// Behind a trusted proxy every client shares the proxy's address: the throttles then go
/// by the address the proxy forwards, so one guesser behind it locks out no one else.
#[tokio::test]
async fn behind_a_trusted_proxy_throttles_go_by_the_forwarded_address() {
    let s = TestServer::start_with(|c| c.trust_proxy = true).await;
    let ask = |forwarded: &'static str, secret: String| {
        s.client
            .get(format!("{}/v2/workspaces", s.base))
            .basic_auth(&s.key, Some(secret))
            .header("x-forwarded-for", forwarded)
            .send()
    };
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..40 {
        set.spawn(ask("10.0.0.1", "not-the-secret".into()));
    }
    let mut throttled = 0;
    while let Some(r) = set.join_next().await {
        throttled += usize::from(r.unwrap().unwrap().status() == StatusCode::TOO_MANY_REQUESTS);
    }
    assert!(throttled > 0, "the guesser was never throttled");
    let r = ask("10.0.0.2", s.secret.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

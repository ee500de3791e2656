//! People who sign in, over HTTP: a session cookie (HttpOnly, SameSite=Strict, Secure
//! behind https), the CSRF token on every change, signing out (everywhere), password
//! resets by one-time token, and throttled guessing.

mod common;

use common::{assert_error, Reply, TestServer};
use parley_domain::{Role, UserId};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";

async fn admin_with_password(s: &TestServer) -> UserId {
    let id: i64 = s
        .user("ada@northwind.example.com", "Ada", "Admin")
        .await
        .parse()
        .unwrap();
    let user = UserId(id);
    parley_app::sessions::set_password(s.store.as_ref(), user, PASSWORD)
        .await
        .unwrap();
    s.store
        .set_user_role(user, Role::Admin, chrono::Utc::now())
        .await
        .unwrap();
    user
}

struct Session {
    cookie: String,
    csrf: String,
}

async fn sign_in(s: &TestServer, email: &str, password: &str) -> (Reply, Option<Session>) {
    let resp = s
        .client
        .post(format!("{}/parley/v1/session", s.base))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    session_of(resp).await
}

/// An answer that may start a session: the reply, and the session its cookie carries.
async fn session_of(resp: reqwest::Response) -> (Reply, Option<Session>) {
    let set_cookie = resp
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned());
    let r = TestServer::reply(resp).await;
    let session = set_cookie.map(|c| Session {
        cookie: c.split(';').next().unwrap().to_owned(),
        csrf: r.body["csrfToken"].as_str().unwrap_or_default().to_owned(),
    });
    (r, session)
}

async fn with_session(
    s: &TestServer,
    session: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
    csrf: bool,
) -> Reply {
    let mut req = s
        .client
        .request(method, format!("{}{path}", s.base))
        .header("cookie", &session.cookie);
    if csrf {
        req = req.header("x-csrf-token", &session.csrf);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    s.raw(req).await
}

#[tokio::test]
async fn a_user_signs_in_and_changes_need_the_csrf_token() {
    let s = TestServer::start().await;
    let user = admin_with_password(&s).await;
    // Wrong password and unknown email get the same answer, and no cookie.
    for (email, password) in [
        ("ada@northwind.example.com", "not the password"),
        ("nobody@northwind.example.com", PASSWORD),
    ] {
        let (r, session) = sign_in(&s, email, password).await;
        assert_error(&r, StatusCode::FORBIDDEN, "wrong email or password");
        assert!(session.is_none());
    }
    let resp = s
        .client
        .post(format!("{}/parley/v1/session", s.base))
        .json(&json!({"email": "ADA@northwind.example.com ", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    for part in [
        "parley_session=",
        "HttpOnly",
        "SameSite=Strict",
        "Secure",
        "Path=/",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }

    let (r, session) = sign_in(&s, "ada@northwind.example.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["userId"], user.to_string());
    let session = session.unwrap();
    let r = with_session(&s, &session, Method::GET, "/v2/users", None, false).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = json!({"name": "Europe"});
    let r = with_session(
        &s,
        &session,
        Method::POST,
        "/parley/v1/workspaces",
        Some(body.clone()),
        false,
    )
    .await;
    assert_error(&r, StatusCode::FORBIDDEN, "CSRF token in x-csrf-token");
    let wrong = Session {
        cookie: session.cookie.clone(),
        csrf: "0".repeat(64),
    };
    let r = with_session(
        &s,
        &wrong,
        Method::POST,
        "/parley/v1/workspaces",
        Some(body.clone()),
        true,
    )
    .await;
    assert_error(&r, StatusCode::FORBIDDEN, "CSRF token");
    let r = with_session(
        &s,
        &session,
        Method::POST,
        "/parley/v1/workspaces",
        Some(body),
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // A forged or ended session is no session.
    let forged = Session {
        cookie: "parley_session=deadbeef".into(),
        csrf: String::new(),
    };
    let r = with_session(&s, &forged, Method::GET, "/v2/users", None, false).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = with_session(
        &s,
        &session,
        Method::DELETE,
        "/parley/v1/session",
        None,
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = with_session(&s, &session, Method::GET, "/v2/users", None, false).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_out_everywhere_and_a_new_password_end_every_session() {
    let s = TestServer::start().await;
    let user = admin_with_password(&s).await;
    let (_, a) = sign_in(&s, "ada@northwind.example.com", PASSWORD).await;
    let (_, b) = sign_in(&s, "ada@northwind.example.com", PASSWORD).await;
    let (a, b) = (a.unwrap(), b.unwrap());
    let r = with_session(
        &s,
        &a,
        Method::POST,
        "/parley/v1/session/sign-out-everywhere",
        None,
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["sessionsEnded"], 2);
    for session in [&a, &b] {
        let r = with_session(&s, session, Method::GET, "/v2/users", None, false).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }

    // A one-time reset token: a too-short password keeps it; a good one uses it up and
    // ends the sessions the old password opened.
    let (_, c) = sign_in(&s, "ada@northwind.example.com", PASSWORD).await;
    let c = c.unwrap();
    // An admin makes the link (Settings › Users, or `parley users reset-link`).
    let made = s
        .post(&format!("/parley/v1/users/{user}/reset-link"), json!({}))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.body["userId"], user.to_string());
    let link = made.body["link"].as_str().unwrap();
    let (page, token) = link
        .split_once("?token=")
        .unwrap_or_else(|| panic!("{link}"));
    assert!(page.ends_with("/reset-password"), "{link}");
    let token = token.to_owned();
    assert!(made.body["expires"].as_str().unwrap().ends_with('Z'));
    assert_error(
        &s.post("/parley/v1/users/4242/reset-link", json!({})).await,
        StatusCode::NOT_FOUND,
        "4242",
    );
    let mo = s.user("mo@northwind.example.com", "Mo", "Member").await;
    let mo_key = common::key(&s, Some(&mo), None).await;
    let r = common::send_as(
        &s,
        &mo_key,
        Method::POST,
        &format!("/parley/v1/users/{user}/reset-link"),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a member makes no links: {}",
        r.body
    );
    let reset = |password: &str| {
        s.client
            .post(format!("{}/parley/v1/password-reset", s.base))
            .json(&json!({"token": token, "password": password}))
            .send()
    };
    let r = TestServer::reply(reset("short").await.unwrap()).await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "a password needs 12 to 256 characters",
    );
    let r = TestServer::reply(reset("a brand new passphrase").await.unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = TestServer::reply(reset("another new passphrase").await.unwrap()).await;
    assert_error(&r, StatusCode::FORBIDDEN, "unknown, used or expired");
    let r = with_session(&s, &c, Method::GET, "/v2/users", None, false).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let (r, _) = sign_in(&s, "ada@northwind.example.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (r, _) = sign_in(&s, "ada@northwind.example.com", "a brand new passphrase").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// Guessing a password is throttled per email and address (and a member's session cannot
/// do an admin's work).
#[tokio::test]
async fn password_guessing_is_throttled() {
    let s = TestServer::start().await;
    admin_with_password(&s).await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let client = s.client.clone();
        let url = format!("{}/parley/v1/session", s.base);
        set.spawn(async move {
            client
                .post(url)
                .json(
                    &json!({"email": "ada@northwind.example.com", "password": "guess guess guess"}),
                )
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let mut throttled = 0;
    while let Some(status) = set.join_next().await {
        let status = status.unwrap();
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS,
            "{status}"
        );
        throttled += usize::from(status == StatusCode::TOO_MANY_REQUESTS);
    }
    assert!(throttled > 0);

    let id: i64 = s
        .user("mo@northwind.example.com", "Mo", "Member")
        .await
        .parse()
        .unwrap();
    parley_app::sessions::set_password(s.store.as_ref(), UserId(id), PASSWORD)
        .await
        .unwrap();
    let (_, m) = sign_in(&s, "mo@northwind.example.com", PASSWORD).await;
    let m = m.unwrap();
    let r = with_session(&s, &m, Method::GET, "/parley/v1/keys", None, false).await;
    assert_error(&r, StatusCode::FORBIDDEN, "this needs the admin role");
}

/// `POST /parley/v1/setup` with no credentials: the answer, and the session it set.
async fn set_up(s: &TestServer, body: Value) -> (Reply, Option<Session>) {
    let resp = s
        .client
        .post(format!("{}/parley/v1/setup", s.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    session_of(resp).await
}

async fn needs_admin(s: &TestServer) -> bool {
    let r = TestServer::reply(
        s.client
            .get(format!("{}/parley/v1/setup", s.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["needsAdmin"].as_bool().unwrap()
}

fn first_admin(code: &str, password: &str) -> Value {
    json!({"setupCode": code, "email": "Ada@Northwind.example.com", "firstName": "Ada",
           "lastName": "Admin", "password": password})
}

#[tokio::test]
async fn the_first_admin_is_made_with_the_setup_code_and_only_once() {
    let s = TestServer::start().await;
    assert!(
        needs_admin(&s).await,
        "a fresh server (its API key is no admin who signs in)"
    );
    // A member who can sign in is not an admin who can.
    let member: i64 = s
        .user("mo@northwind.example.com", "Mo", "Member")
        .await
        .parse()
        .unwrap();
    parley_app::sessions::set_password(s.store.as_ref(), UserId(member), PASSWORD)
        .await
        .unwrap();
    assert!(needs_admin(&s).await);

    let code = parley_app::setup::code(s.store.as_ref()).await.unwrap();
    assert_eq!(
        code,
        parley_app::setup::code(s.store.as_ref()).await.unwrap(),
        "one code"
    );
    let (r, session) = set_up(&s, first_admin("0000-1111", PASSWORD)).await;
    assert_error(&r, StatusCode::FORBIDDEN, "the set-up code is wrong");
    assert!(session.is_none());
    let (r, _) = set_up(&s, first_admin(&code, "short")).await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "a password needs 12 to 256 characters",
    );
    let mut extra = first_admin(&code, PASSWORD);
    extra["role"] = json!("admin");
    let (r, _) = set_up(&s, extra).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        s.store
            .find_user_by_email("ada@northwind.example.com")
            .await
            .unwrap()
            .is_none(),
        "nothing was written by the refused attempts"
    );

    // Copied with its case changed and a line break: still the code.
    let typed = format!(" {}\n", code.to_uppercase());
    let (r, session) = set_up(&s, first_admin(&typed, PASSWORD)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let session = session.expect("signed in");
    let me = with_session(&s, &session, Method::GET, "/parley/v1/session", None, false).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["userId"], r.body["userId"]);
    assert_eq!(me.body["role"], "admin");
    assert_eq!(me.body["email"], "ada@northwind.example.com");
    assert_eq!(me.body["can"]["manageUsers"], true);
    assert_eq!(me.body["can"]["deleteCalls"], true);
    assert_eq!(
        me.body["limits"]["maxMediaBytes"],
        1536u64 * 1024 * 1024,
        "the server's media limit, published"
    );
    assert!(!needs_admin(&s).await);

    let (r, session) = set_up(&s, first_admin(&code, PASSWORD)).await;
    assert_error(
        &r,
        StatusCode::CONFLICT,
        "an administrator can already sign in; sign in instead",
    );
    assert!(session.is_none());
    // The admin signs in as anyone does.
    let (r, _) = sign_in(&s, "ada@northwind.example.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn an_existing_user_can_become_the_first_admin() {
    let s = TestServer::start().await;
    let ada = s.user("ada@northwind.example.com", "Ada", "Lovelace").await;
    let code = parley_app::setup::code(s.store.as_ref()).await.unwrap();
    let (r, session) = set_up(&s, first_admin(&code, PASSWORD)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.body["userId"],
        ada.as_str(),
        "the same user, no second one"
    );
    assert!(session.is_some());
    let user = UserId(ada.parse().unwrap());
    assert_eq!(s.store.user_role(user).await.unwrap(), Role::Admin);
    assert_eq!(
        s.store.get_user(user).await.unwrap().unwrap().last_name,
        "Lovelace",
        "their name stays"
    );
}

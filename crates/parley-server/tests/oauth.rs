//! The OAuth 2.0 authorization-code flow over HTTP against a real server: consent page,
//! code, token, Bearer calls, refresh with rotation and reuse detection, revocation, and
//! every way a client can get it wrong.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{assert_error, TestServer};
use parley_domain::{Role, UserId};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const PASSWORD: &str = "correct horse battery";
const REDIRECT: &str = "https://app.example.com/callback";
const BASE_URL: &str = "https://parley.test-host.example.com";

struct Flow {
    s: TestServer,
    /// Follows no redirects: the tests look at them.
    http: reqwest::Client,
    client_id: String,
    client_secret: String,
    cookie: String,
    csrf: String,
}

async fn user_with_password(s: &TestServer, email: &str, role: Role) -> UserId {
    let id: i64 = s.user(email, "Ada", "Lovelace").await.parse().unwrap();
    let user = UserId(id);
    parley_app::sessions::set_password(s.store.as_ref(), user, PASSWORD)
        .await
        .unwrap();
    s.store
        .set_user_role(user, role, chrono::Utc::now())
        .await
        .unwrap();
    user
}

async fn register(s: &TestServer, scopes: &str) -> (String, String) {
    let r = s
        .post(
            "/parley/v1/oauth-apps",
            json!({"name": "Acme <Sync>", "redirectUris": [REDIRECT], "scopes": scopes}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (
        r.body["app"]["clientId"].as_str().unwrap().to_owned(),
        r.body["clientSecret"].as_str().unwrap().to_owned(),
    )
}

/// A server with a signed-in user of `role` and an app that may ask for `scopes`.
async fn flow(role: Role, scopes: &str) -> Flow {
    flow_on(TestServer::start().await, role, scopes).await
}

async fn flow_on(s: TestServer, role: Role, scopes: &str) -> Flow {
    user_with_password(&s, "ada@northwind.example.com", role).await;
    let (client_id, client_secret) = register(&s, scopes).await;
    let resp = s
        .client
        .post(format!("{}/parley/v1/session", s.base))
        .json(&json!({"email": "ada@northwind.example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = resp.json().await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Flow {
        csrf: body["csrfToken"].as_str().unwrap().to_owned(),
        s,
        http,
        client_id,
        client_secret,
        cookie,
    }
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    headers: reqwest::header::HeaderMap,
    text: String,
}

async fn page(resp: reqwest::Response) -> Page {
    Page {
        status: resp.status(),
        location: resp
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned()),
        headers: resp.headers().clone(),
        text: resp.text().await.unwrap(),
    }
}

/// The query parameters of a redirect to the app.
fn query_of(location: &str) -> Vec<(String, String)> {
    assert!(location.starts_with(REDIRECT), "{location}");
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

impl Flow {
    fn authorize_params(&self, scope: &str) -> Vec<(&'static str, String)> {
        vec![
            ("response_type", "code".into()),
            ("client_id", self.client_id.clone()),
            ("redirect_uri", REDIRECT.into()),
            ("scope", scope.into()),
            ("state", "st8 &<x>".into()),
        ]
    }

    async fn get_authorize(&self, params: &[(&str, String)], cookie: bool) -> Page {
        let mut req = self
            .http
            .get(format!("{}/oauth2/authorize", self.s.base))
            .query(params);
        if cookie {
            req = req.header("cookie", &self.cookie);
        }
        page(req.send().await.unwrap()).await
    }

    async fn post_authorize(&self, params: &[(&str, String)], extra: &[(&str, &str)]) -> Page {
        let mut form: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        form.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let req = self
            .http
            .post(format!("{}/oauth2/authorize", self.s.base))
            .header("cookie", &self.cookie)
            .form(&form);
        page(req.send().await.unwrap()).await
    }

    /// Consents to `params`; returns the redirect's query.
    async fn consent(&self, params: &[(&str, String)]) -> Vec<(String, String)> {
        let p = self
            .post_authorize(params, &[("action", "approve"), ("csrf", &self.csrf)])
            .await;
        assert_eq!(p.status, StatusCode::FOUND, "{}", p.text);
        query_of(p.location.as_deref().unwrap())
    }

    async fn code(&self, scope: &str) -> String {
        let q = self.consent(&self.authorize_params(scope)).await;
        param(&q, "code").unwrap().to_owned()
    }

    async fn token_with(
        &self,
        basic: Option<(&str, &str)>,
        form: &[(&str, &str)],
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut req = self
            .http
            .post(format!("{}/oauth2/generate-customer-token", self.s.base))
            .form(form);
        if let Some((id, secret)) = basic {
            req = req.basic_auth(id, Some(secret));
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        (status, headers, resp.json().await.unwrap())
    }

    async fn token(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let (status, _, body) = self
            .token_with(
                Some((self.client_id.as_str(), self.client_secret.as_str())),
                form,
            )
            .await;
        (status, body)
    }

    async fn exchange(&self, code: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ])
        .await
    }

    async fn tokens(&self, scope: &str) -> Value {
        let code = self.code(scope).await;
        let (status, body) = self.exchange(&code).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    async fn bearer(&self, method: reqwest::Method, path: &str, token: &str) -> common::Reply {
        let mut req = self
            .s
            .client
            .request(method.clone(), format!("{}{path}", self.s.base))
            .bearer_auth(token);
        if method == reqwest::Method::POST {
            req = req.json(&json!({}));
        }
        self.s.raw(req).await
    }
}

fn token_of(v: &Value, field: &str) -> String {
    v[field].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_whole_flow_from_consent_to_revocation() {
    let f = flow(Role::Admin, "read-only").await;
    let params = f.authorize_params("api:workspaces:read api:users:read");

    // The consent page names the app and each scope, escaped, and carries the CSRF token.
    let p = f.get_authorize(&params, true).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert!(p.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(p.headers["x-frame-options"], "DENY");
    assert!(p.text.contains("Acme &lt;Sync&gt;"), "{}", p.text);
    assert!(!p.text.contains("Acme <Sync>"));
    assert!(p.text.contains("<code>api:workspaces:read</code>"));
    assert!(p.text.contains("<code>api:users:read</code>"));
    assert!(!p.text.contains("api:calls:read:basic"));
    assert!(p.text.contains(&f.csrf));
    assert!(p.text.contains("st8 &amp;&lt;x&gt;"), "state is escaped");

    // Allow: back to the app with a code and the state.
    let q = f.consent(&params).await;
    assert_eq!(param(&q, "state"), Some("st8 &<x>"));
    let code = param(&q, "code").unwrap().to_owned();

    let (status, t) = f.exchange(&code).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 86_400);
    assert_eq!(t["scope"], "api:workspaces:read api:users:read");
    assert_eq!(t["api_base_url_for_customer"], BASE_URL);
    let access = token_of(&t, "access_token");
    let refresh = token_of(&t, "refresh_token");

    // A Gong call with the Bearer token.
    let r = f
        .bearer(reqwest::Method::GET, "/v2/workspaces", &access)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["workspaces"].as_array().is_some());

    // Refresh: new tokens that work; the old refresh token is spent.
    let (status, t2) = f
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    assert_eq!(status, StatusCode::OK, "{t2}");
    let access2 = token_of(&t2, "access_token");
    let refresh2 = token_of(&t2, "refresh_token");
    assert_ne!(access2, access);
    assert_ne!(refresh2, refresh);
    let r = f.bearer(reqwest::Method::GET, "/v2/users", &access2).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Presenting the spent refresh token again is refused and ends the whole grant.
    let (status, e) = f
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"], "invalid_grant", "{e}");
    for token in [&access, &access2] {
        let r = f
            .bearer(reqwest::Method::GET, "/v2/workspaces", token)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        assert!(r.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
    }
    let (status, e) = f
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh2),
        ])
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    // A new grant, revoked by the app (RFC 7009): its token stops working.
    let t3 = f.tokens("api:workspaces:read").await;
    let access3 = token_of(&t3, "access_token");
    let r = f
        .bearer(reqwest::Method::GET, "/v2/workspaces", &access3)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let resp = f
        .http
        .post(format!("{}/oauth2/revoke", f.s.base))
        .basic_auth(&f.client_id, Some(&f.client_secret))
        .form(&[("token", access3.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let r = f
        .bearer(reqwest::Method::GET, "/v2/workspaces", &access3)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let (status, e) = f
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &token_of(&t3, "refresh_token")),
        ])
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

/// Token lifetimes are the operator's settings, not constants.
#[tokio::test]
async fn token_lifetimes_are_the_operators_settings() {
    let s = TestServer::start_with(|c| {
        c.oauth_tokens = parley_app::oauth::TokenLifetimes {
            access_secs: 120,
            refresh_secs: 3_600,
        }
    })
    .await;
    let f = flow_on(s, Role::Admin, "read-only").await;
    let params = f.authorize_params("api:users:read");
    let q = f.consent(&params).await;
    let code = param(&q, "code").unwrap().to_owned();
    let (status, t) = f.exchange(&code).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["expires_in"], 120);
}

#[tokio::test]
async fn a_wrong_client_or_redirect_uri_is_shown_never_redirected() {
    let f = flow(Role::Admin, "read-only").await;
    let mut params = f.authorize_params("api:workspaces:read");
    params[2].1 = "https://evil.example.com/callback".into();
    for cookie in [true, false] {
        let p = f.get_authorize(&params, cookie).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.text);
        assert_eq!(p.location, None);
        assert!(
            p.text.contains("redirect_uri is not one registered"),
            "{}",
            p.text
        );
    }
    // Nor when posting the consent form with it.
    let p = f
        .post_authorize(&params, &[("action", "approve"), ("csrf", &f.csrf)])
        .await;
    assert_eq!((p.status, p.location), (StatusCode::BAD_REQUEST, None));
    let mut params = f.authorize_params("api:workspaces:read");
    params[1].1 = "unknown-client".into();
    let p = f.get_authorize(&params, true).await;
    assert_eq!(
        (p.status, p.location.clone()),
        (StatusCode::BAD_REQUEST, None)
    );
    assert!(p.text.contains("unknown or was revoked"));
    // A redirect URI that merely starts like the registered one is another URI.
    let mut params = f.authorize_params("api:workspaces:read");
    params[2].1 = format!("{REDIRECT}/../../evil");
    let p = f.get_authorize(&params, true).await;
    assert_eq!((p.status, p.location), (StatusCode::BAD_REQUEST, None));
}

#[tokio::test]
async fn later_mistakes_and_denial_go_back_to_the_app() {
    let f = flow(Role::Admin, "read-only").await;
    // A scope the app may not ask for.
    let p = f
        .get_authorize(&f.authorize_params("api:calls:create"), true)
        .await;
    assert_eq!(p.status, StatusCode::FOUND);
    let q = query_of(p.location.as_deref().unwrap());
    assert_eq!(param(&q, "error"), Some("invalid_scope"));
    assert_eq!(param(&q, "state"), Some("st8 &<x>"));
    assert_eq!(param(&q, "code"), None);
    // An unsupported response type.
    let mut params = f.authorize_params("api:workspaces:read");
    params[0].1 = "token".into();
    let p = f.get_authorize(&params, true).await;
    let q = query_of(p.location.as_deref().unwrap());
    assert_eq!(param(&q, "error"), Some("unsupported_response_type"));
    // The user denies.
    let p = f
        .post_authorize(
            &f.authorize_params("api:workspaces:read"),
            &[("action", "deny"), ("csrf", &f.csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::FOUND);
    let q = query_of(p.location.as_deref().unwrap());
    assert_eq!(param(&q, "error"), Some("access_denied"));
    assert_eq!(param(&q, "state"), Some("st8 &<x>"));
    assert_eq!(param(&q, "code"), None);
}

#[tokio::test]
async fn consent_needs_the_sessions_csrf_token_and_a_session() {
    let f = flow(Role::Admin, "read-only").await;
    let params = f.authorize_params("api:workspaces:read");
    for csrf in ["", "not-the-token"] {
        let p = f
            .post_authorize(&params, &[("action", "approve"), ("csrf", csrf)])
            .await;
        assert_eq!((p.status, p.location), (StatusCode::FORBIDDEN, None));
    }
    // Without a session: the sign-in form, which signs in and shows the consent page.
    let p = f.get_authorize(&params, false).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.text.contains("name=\"password\""), "{}", p.text);
    let resp = f
        .http
        .post(format!("{}/oauth2/authorize", f.s.base))
        .form(
            &params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .chain([
                    ("action".to_owned(), "sign-in".to_owned()),
                    ("email".to_owned(), "ada@northwind.example.com".to_owned()),
                    ("password".to_owned(), "wrong password!".to_owned()),
                ])
                .collect::<Vec<_>>(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().get("set-cookie").is_none());
    let resp = f
        .http
        .post(format!("{}/oauth2/authorize", f.s.base))
        .form(
            &params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .chain([
                    ("action".to_owned(), "sign-in".to_owned()),
                    ("email".to_owned(), "ada@northwind.example.com".to_owned()),
                    ("password".to_owned(), PASSWORD.to_owned()),
                ])
                .collect::<Vec<_>>(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let text = resp.text().await.unwrap();
    assert!(text.contains("value=\"approve\""), "{text}");
}

#[tokio::test]
async fn codes_work_once_and_not_after_they_expire() {
    let f = flow(Role::Admin, "read-only").await;
    let code = f.code("api:workspaces:read").await;
    let (status, t) = f.exchange(&code).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let (status, e) = f.exchange(&code).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // The replay revoked what the first exchange gave.
    let r = f
        .bearer(
            reqwest::Method::GET,
            "/v2/workspaces",
            &token_of(&t, "access_token"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // A code past its ten minutes.
    let code = "c0de".repeat(16);
    let then = chrono::Utc::now() - chrono::Duration::minutes(11);
    let user =
        f.s.store
            .find_user_by_email("ada@northwind.example.com")
            .await
            .unwrap()
            .unwrap();
    f.s.store
        .create_oauth_code(&parley_store::OAuthCodeRecord {
            code_sha: parley_app::sessions::token_sha(&code),
            client_id: f.client_id.clone(),
            user: user.id,
            scopes: parley_domain::ScopeSet::read_only(),
            redirect_uri: REDIRECT.into(),
            code_challenge: None,
            grant: "g-expired".into(),
            created: then,
            expires: then + chrono::Duration::minutes(10),
            used: None,
        })
        .await
        .unwrap();
    let (status, e) = f.exchange(&code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"], "invalid_grant");
    assert!(e["error_description"].as_str().unwrap().contains("expired"));

    // A redirect_uri other than the authorization request's.
    let code = f.code("api:workspaces:read").await;
    let (status, e) = f
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://app.example.com/other"),
        ])
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn clients_must_authenticate_with_their_secret() {
    let f = flow(Role::Admin, "read-only").await;
    let code = f.code("api:workspaces:read").await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let (status, headers, e) = f
        .token_with(Some((f.client_id.as_str(), "wrong-secret")), &form)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(e["error"], "invalid_client");
    assert!(headers["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let (status, _, e) = f.token_with(None, &form).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    // The code survived the refused attempts; credentials in the form work too.
    let mut in_form = form.to_vec();
    in_form.push(("client_id", f.client_id.as_str()));
    in_form.push(("client_secret", f.client_secret.as_str()));
    let (status, _, t) = f.token_with(None, &in_form).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert!(t["access_token"].as_str().unwrap().len() >= 64);
    // An unknown grant type, a repeated parameter, a huge body.
    let (status, e) = f.token(&[("grant_type", "password")]).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    let (status, e) = f
        .token(&[
            ("grant_type", "refresh_token"),
            ("grant_type", "refresh_token"),
        ])
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let big = "x".repeat(100_000);
    let (status, _) = f.token(&[("grant_type", big.as_str())]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn pkce_binds_the_code_to_its_verifier() {
    let f = flow(Role::Admin, "read-only").await;
    let verifier = "a-verifier-of-at-least-43-characters-abcdefghij";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut params = f.authorize_params("api:workspaces:read");
    params.push(("code_challenge", challenge));
    params.push(("code_challenge_method", "S256".into()));
    let code_for = |q: Vec<(String, String)>| param(&q, "code").unwrap().to_owned();
    let base = |code: &str| {
        vec![
            ("grant_type".to_owned(), "authorization_code".to_owned()),
            ("code".to_owned(), code.to_owned()),
            ("redirect_uri".to_owned(), REDIRECT.to_owned()),
        ]
    };
    let send = |form: Vec<(String, String)>| {
        let f = &f;
        async move {
            let resp = f
                .http
                .post(format!("{}/oauth2/generate-customer-token", f.s.base))
                .basic_auth(&f.client_id, Some(&f.client_secret))
                .form(&form)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };
    // No verifier, a wrong one: refused.
    let code = code_for(f.consent(&params).await);
    let (status, e) = send(base(&code)).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let code = code_for(f.consent(&params).await);
    let mut form = base(&code);
    form.push(("code_verifier".into(), "b".repeat(43)));
    let (status, e) = send(form).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // The right one.
    let code = code_for(f.consent(&params).await);
    let mut form = base(&code);
    form.push(("code_verifier".into(), verifier.into()));
    let (status, t) = send(form).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    // The plain method is refused at the authorize step, back to the app.
    let mut params = f.authorize_params("api:workspaces:read");
    params.push(("code_challenge", verifier.into()));
    params.push(("code_challenge_method", "plain".into()));
    let p = f.get_authorize(&params, true).await;
    let q = query_of(p.location.as_deref().unwrap());
    assert_eq!(param(&q, "error"), Some("invalid_request"));
}

#[tokio::test]
async fn a_token_without_the_scope_gets_gongs_401() {
    let f = flow(Role::Admin, "read-only").await;
    let t = f.tokens("api:workspaces:read").await;
    let access = token_of(&t, "access_token");
    let r = f.bearer(reqwest::Method::GET, "/v2/users", &access).await;
    assert_error(
        &r,
        StatusCode::UNAUTHORIZED,
        "You don't have permission to use 'api:users:read' in your app.",
    );
}

#[tokio::test]
async fn a_read_only_token_cannot_write() {
    let f = flow(Role::Admin, "full").await;
    let t = f.tokens("read-only").await;
    let access = token_of(&t, "access_token");
    let r = f
        .bearer(reqwest::Method::GET, "/v2/workspaces", &access)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = f.bearer(reqwest::Method::POST, "/v2/calls", &access).await;
    assert_error(
        &r,
        StatusCode::UNAUTHORIZED,
        "You don't have permission to use 'api:calls:create' in your app.",
    );
    let r = f
        .bearer(reqwest::Method::POST, "/parley/v1/workspaces", &access)
        .await;
    assert_error(
        &r,
        StatusCode::UNAUTHORIZED,
        "You don't have permission to use 'parley:admin:write' in your app.",
    );
}

#[tokio::test]
async fn a_member_is_granted_only_what_their_role_can_use() {
    let f = flow(Role::Member, "full").await;
    let params = f.authorize_params("api:workspaces:read api:logs:read");
    let p = f.get_authorize(&params, true).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.text.contains("cannot use these"), "{}", p.text);
    let q = f.consent(&params).await;
    let code = param(&q, "code").unwrap().to_owned();
    let (status, t) = f.exchange(&code).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(t["scope"], "api:workspaces:read");
    // Even a token with every scope acts with its user's role.
    let t = f.tokens("full").await;
    let r = f
        .bearer(
            reqwest::Method::GET,
            "/parley/v1/oauth-apps",
            &token_of(&t, "access_token"),
        )
        .await;
    assert!(
        matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn admins_manage_apps_and_revoking_one_ends_its_tokens() {
    let f = flow(Role::Admin, "read-only").await;
    let r = f.s.get("/parley/v1/oauth-apps").await;
    assert_eq!(r.status, StatusCode::OK);
    let apps = r.body["apps"].as_array().unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["clientId"], f.client_id.as_str());
    assert!(!r.body.to_string().contains(&f.client_secret));
    // Redirect URIs are checked when registering.
    let r =
        f.s.post(
            "/parley/v1/oauth-apps",
            json!({"name": "Bad", "redirectUris": ["http://evil.example.com/cb"]}),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "must be https");
    let t = f.tokens("api:workspaces:read").await;
    let access = token_of(&t, "access_token");
    let r =
        f.s.send(
            reqwest::Method::DELETE,
            &format!("/parley/v1/oauth-apps/{}", f.client_id),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = f
        .bearer(reqwest::Method::GET, "/v2/workspaces", &access)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let p = f
        .get_authorize(&f.authorize_params("api:workspaces:read"), true)
        .await;
    assert_eq!((p.status, p.location), (StatusCode::BAD_REQUEST, None));
}

#[tokio::test]
async fn grants_are_audited_with_actor_and_source_and_no_secret() {
    let f = flow(Role::Admin, "read-only").await;
    let code = f.code("api:workspaces:read").await;
    let (_, t) = f.exchange(&code).await;
    let access = token_of(&t, "access_token");
    let refresh = token_of(&t, "refresh_token");
    let r = f
        .bearer(reqwest::Method::GET, "/v2/workspaces", &access)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (_, t2) = f
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    // The replay that revokes the grant.
    f.token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    let since = (chrono::Utc::now() - chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let mut all = String::new();
    let mut actions: Vec<(String, Value)> = Vec::new();
    for log in ["AccessLog", "UserActivityLog"] {
        let r =
            f.s.get(&format!("/v2/logs?logType={log}&fromDateTime={since}"))
                .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        all.push_str(&r.body.to_string());
        for e in r.body["logEntries"].as_array().unwrap() {
            let action = e["logRecord"]["action"].as_str().unwrap().to_owned();
            actions.push((action, e.clone()));
        }
    }
    let find = |name: &str| {
        actions
            .iter()
            .find(|(a, _)| a == name)
            .map(|(_, e)| e.clone())
            .unwrap_or_else(|| panic!("no {name} in {all}"))
    };
    let consent = find("oauth-consent");
    assert!(consent["userId"].as_str().is_some(), "{consent}");
    assert!(consent.to_string().contains(&f.client_id));
    assert!(consent.to_string().contains("approved"));
    let issued = find("oauth-token-issued");
    let grant_key = issued["logRecord"]["accessKey"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(grant_key.starts_with("oauth:"), "{issued}");
    assert_eq!(issued["logRecord"]["clientIp"], "127.0.0.1");
    find("oauth-token-refreshed");
    find("oauth-token-revoked");
    // The Bearer call's use is counted under the grant, like a key's.
    assert!(actions
        .iter()
        .any(|(a, e)| a == "key-use" && e["logRecord"]["accessKey"] == grant_key.as_str()));
    for secret in [
        &access,
        &refresh,
        &token_of(&t2, "access_token"),
        &token_of(&t2, "refresh_token"),
        &code,
        &f.client_secret,
    ] {
        assert!(
            !all.contains(secret.as_str()),
            "a secret reached the audit log"
        );
    }
}

#[tokio::test]
async fn guessing_client_secrets_is_throttled() {
    let f = flow(Role::Admin, "read-only").await;
    // Sent at once: the throttle bounds the rate of argon2 runs per client and address
    // (a burst of 20, then 5 a second), so one client's guesses cannot hog the CPU.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..60 {
        let req = f
            .http
            .post(format!("{}/oauth2/generate-customer-token", f.s.base))
            .basic_auth(&f.client_id, Some("wrong"))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")]);
        tasks.spawn(async move {
            let resp = req.send().await.unwrap();
            let status = resp.status();
            let retry_after = resp.headers().contains_key("retry-after");
            let body: Value = resp.json().await.unwrap();
            (status, retry_after, body)
        });
    }
    let mut throttled = 0;
    while let Some(done) = tasks.join_next().await {
        let (status, retry_after, body) = done.unwrap();
        match status {
            StatusCode::UNAUTHORIZED => assert_eq!(body["error"], "invalid_client"),
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(retry_after, "{body}");
                throttled += 1;
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert!(throttled >= 10, "{throttled} of 60 throttled");
}

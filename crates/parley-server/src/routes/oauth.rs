//! The OAuth 2.0 endpoints, on Gong's paths (`parley_app::oauth` holds the rules):
//!
//! - `GET /oauth2/authorize`: checks the request, then shows a signed-in user a consent
//!   page (the app, each scope, Allow and Deny), or a sign-in form first. A request whose
//!   client or redirect URI is wrong gets a page saying so and is never redirected (that
//!   would make Parley an open redirector); later mistakes go back to the app's redirect
//!   URI with `error=` and `state`.
//! - `POST /oauth2/authorize` (form): `action=sign-in` (email and password: a session,
//!   then the consent page), `approve` or `deny` (with the session's CSRF token from the
//!   page): a 302 to the redirect URI with `code` and `state`, or `error=access_denied`.
//! - `POST /oauth2/generate-customer-token` (form; client credentials in Basic or in the
//!   body): `grant_type=authorization_code` or `refresh_token` → the token JSON; RFC 6749
//!   error JSON otherwise.
//! - `POST /oauth2/revoke` (RFC 7009): revokes the grant of an access or refresh token.
//!
//! These are public routes (they are how an app gets credentials): each handler checks
//! what it needs itself. Bodies are small forms, bounded by [`MAX_FORM_BYTES`]; client
//! secrets are throttled like keys' secrets. No code, token or secret is ever logged.

use std::net::IpAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use subtle::ConstantTimeEq;

use parley_app::oauth::{self, AuthorizeError, AuthorizeParams, AuthorizeRequest, OAuthError};
use parley_domain::audit::{Actor, AuditAction, AuditEntry, Outcome};
use parley_domain::{Principal, UserId};

use crate::auth::{basic_credentials, session_token, source_of};
use crate::openapi_page::escape;
use crate::routes::parley::session::{session_cookie, start_session, NotSignedIn};
use crate::AppState;

/// Largest form accepted by these endpoints: every field is short.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/oauth2/authorize",
            get(authorize_page).post(authorize_form),
        )
        .route("/oauth2/generate-customer-token", post(token))
        .route("/oauth2/revoke", post(revoke))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
}

/// A form or query string as pairs; a name given twice is refused (RFC 6749 §3.1).
fn pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(bytes) {
        if out.iter().any(|(seen, _)| *seen == k) {
            return Err(format!("parameter {k} is given more than once"));
        }
        out.push((k.into_owned(), v.into_owned()));
    }
    Ok(out)
}

fn field(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

fn authorize_params(pairs: &[(String, String)]) -> AuthorizeParams {
    AuthorizeParams {
        response_type: field(pairs, "response_type"),
        client_id: field(pairs, "client_id"),
        redirect_uri: field(pairs, "redirect_uri"),
        scope: field(pairs, "scope"),
        state: field(pairs, "state"),
        code_challenge: field(pairs, "code_challenge"),
        code_challenge_method: field(pairs, "code_challenge_method"),
    }
}

// ---- what the OpenAPI document shows ----

/// The parameters of an authorization request (RFC 6749 §4.1.1, with PKCE), in the query
/// of `GET /oauth2/authorize` or the form of `POST`.
#[derive(serde::Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct AuthorizeQuery {
    /// `code`.
    response_type: Option<String>,
    /// The app's client id.
    client_id: Option<String>,
    /// One of the app's registered redirect URIs.
    redirect_uri: Option<String>,
    /// Space-separated scopes, at most the app's.
    scope: Option<String>,
    /// Returned to the app unchanged.
    state: Option<String>,
    /// PKCE: the S256 challenge.
    code_challenge: Option<String>,
    /// PKCE: `S256`.
    code_challenge_method: Option<String>,
}

/// The form of `POST /oauth2/authorize`: the authorization request's parameters and what
/// the user did on the page.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct AuthorizeForm {
    /// `sign-in` (with `email` and `password`), `approve` or `deny` (with `csrf`).
    #[schema(pattern = "^(sign-in|approve|deny)$")]
    action: String,
    email: Option<String>,
    password: Option<String>,
    /// The session's CSRF token, from the consent page.
    csrf: Option<String>,
    #[serde(flatten)]
    request: AuthorizeQuery,
}

/// The form of `POST /oauth2/generate-customer-token` (RFC 6749 §4.1.3 and §6). The
/// client authenticates with Basic `client_id:client_secret` or with both in the form.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct TokenForm {
    /// `authorization_code` or `refresh_token`.
    #[schema(pattern = "^(authorization_code|refresh_token)$")]
    grant_type: String,
    /// The code from the redirect (`authorization_code`).
    code: Option<String>,
    /// The redirect URI the code was asked with (`authorization_code`).
    redirect_uri: Option<String>,
    /// PKCE: the verifier of the code's challenge.
    code_verifier: Option<String>,
    /// The refresh token (`refresh_token`).
    refresh_token: Option<String>,
    /// Fewer scopes than the grant's (`refresh_token`).
    scope: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// The form of `POST /oauth2/revoke` (RFC 7009); the client authenticates as for tokens.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct RevokeForm {
    /// An access or refresh token of the app.
    token: String,
    /// `access_token` or `refresh_token` (not needed).
    token_type_hint: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// Tokens issued (RFC 6749 §5.1), and the API's base URL.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct TokenResponse {
    access_token: String,
    refresh_token: String,
    /// Seconds the access token lives.
    expires_in: i64,
    /// `Bearer`.
    #[schema(value_type = String)]
    token_type: &'static str,
    /// The granted scopes, space-separated.
    scope: String,
    /// Where to send API requests with the token.
    api_base_url_for_customer: String,
}

/// RFC 6749 §5.2's error body.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unsupported_grant_type`,
    /// `invalid_scope` or `server_error`.
    error: String,
    error_description: String,
}

/// The empty answer of a revocation (RFC 7009 §2.2).
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Revoked {}

// ---- pages ----

/// An HTML page that no other site may frame (clickjacking a consent button) or cache.
fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title><style>body{{font-family:sans-serif;max-width:36em;\
         margin:3em auto;padding:0 1em;line-height:1.4}}code{{background:#eee;\
         padding:0 .2em}}button{{font-size:1em;margin-right:1em}}</style></head>\
         <body>\n<h1>{title}</h1>\n{body}\n</body></html>\n",
        title = escape(title),
    );
    let mut resp = (status, page).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    // No form-action: browsers apply it to the redirect that follows the consent form.
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

fn error_page(status: StatusCode, message: &str) -> Response {
    html(
        status,
        "Authorization failed",
        &format!(
            "<p>{}</p>\n<p>You were not sent back to the app. Tell its maker, or your \
             Parley admin.</p>",
            escape(message)
        ),
    )
}

fn hidden_fields(p: &AuthorizeRequest) -> String {
    let mut out = String::new();
    let mut add = |name: &str, value: &str| {
        out.push_str(&format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
            escape(value)
        ));
    };
    add("response_type", "code");
    add("client_id", &p.app.client_id);
    add("redirect_uri", &p.redirect_uri);
    add("scope", &p.scopes.to_string());
    if let Some(s) = &p.state {
        add("state", s);
    }
    if let Some(c) = &p.code_challenge {
        add("code_challenge", c);
        add("code_challenge_method", "S256");
    }
    out
}

fn scope_list(scopes: &parley_domain::ScopeSet) -> String {
    let items: String = scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", escape(s.as_str())))
        .collect();
    format!("<ul>{items}</ul>")
}

fn consent_page(req: &AuthorizeRequest, who: &str, principal: &Principal, csrf: &str) -> Response {
    let (granted, withheld) = oauth::grantable(&req.scopes, principal.role);
    let name = escape(&req.app.name);
    let withheld_note = if withheld.is_empty() {
        String::new()
    } else {
        format!(
            "<p>Your role ({}) cannot use these, so they will not be granted:</p>\n{}\n",
            principal.role,
            scope_list(&withheld)
        )
    };
    let granted_part = if granted.is_empty() {
        "<p>Your role allows none of the permissions it asks for.</p>\n".to_owned()
    } else {
        format!("<p>with these permissions:</p>\n{}\n", scope_list(&granted))
    };
    let body = format!(
        "<p><strong>{name}</strong> asks to use Parley as you ({who})</p>\n{granted_part}\
         {withheld_note}<p>If you allow it, you will be sent back to <code>{redirect}</code>.</p>\n\
         <form method=\"post\" action=\"/oauth2/authorize\">\n{fields}\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
         <button type=\"submit\" name=\"action\" value=\"approve\">Allow</button>\
         <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button>\n</form>",
        who = escape(who),
        redirect = escape(&req.redirect_uri),
        fields = hidden_fields(req),
        csrf = escape(csrf),
    );
    html(
        StatusCode::OK,
        &format!("Authorize {}", req.app.name),
        &body,
    )
}

/// Shown to a visitor without a session: a sign-in form that comes back to this request.
fn sign_in_page(req: &AuthorizeRequest, failed: Option<&str>) -> Response {
    let note = failed
        .map(|m| format!("<p><strong>{}</strong></p>\n", escape(m)))
        .unwrap_or_default();
    let body = format!(
        "<p><strong>{name}</strong> asks to use Parley as you. Sign in to continue.</p>\n{note}\
         <form method=\"post\" action=\"/oauth2/authorize\">\n{fields}\
         <p><label>Email <input type=\"email\" name=\"email\" required autocomplete=\"username\"></label></p>\n\
         <p><label>Password <input type=\"password\" name=\"password\" required \
         autocomplete=\"current-password\"></label></p>\n\
         <button type=\"submit\" name=\"action\" value=\"sign-in\">Sign in</button>\n</form>",
        name = escape(&req.app.name),
        fields = hidden_fields(req),
    );
    let status = if failed.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    html(status, "Sign in to Parley", &body)
}

/// A 302 to the app's redirect URI with these parameters added to its query.
fn redirect_to(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        // Registered URIs were parsed when the app was registered.
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the app's redirect uri is not a url",
        );
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    let mut resp = StatusCode::FOUND.into_response();
    match HeaderValue::from_str(url.as_str()) {
        Ok(v) => {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        Err(_) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the app's redirect uri cannot be sent",
            )
        }
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn refused(redirect_uri: &str, state: Option<&str>, code: &str, description: &str) -> Response {
    let mut params = vec![("error", code), ("error_description", description)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    redirect_to(redirect_uri, &params)
}

/// The page or redirect for a refused authorization request.
fn authorize_failure(e: AuthorizeError) -> Response {
    match e {
        AuthorizeError::Untrusted(m) => error_page(StatusCode::BAD_REQUEST, &m),
        AuthorizeError::Refused {
            redirect_uri,
            state,
            code,
            description,
        } => refused(&redirect_uri, state.as_deref(), code.as_str(), &description),
        AuthorizeError::App(e) => {
            tracing::error!(error = %e, "oauth authorize failed");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the server failed; try again later",
            )
        }
    }
}

/// The signed-in user of the request's session cookie, their email and the CSRF token.
async fn session_of(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(Principal, String, String)>, Response> {
    let Some(token) = session_token(headers) else {
        return Ok(None);
    };
    let found = parley_app::sessions::session_principal(state.store.as_ref(), &token)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reading a session failed");
            error_page(StatusCode::INTERNAL_SERVER_ERROR, "the server failed")
        })?;
    let Some((principal, csrf)) = found else {
        return Ok(None);
    };
    let email = match principal.user {
        Some(u) => state
            .store
            .get_user(u)
            .await
            .ok()
            .flatten()
            .map(|u| u.email)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(Some((principal, email, csrf)))
}

/// Show the page where a user lets an app use Parley as them.
///
/// Checks the authorization request, then shows the consent page (the app and each
/// scope, Allow and Deny) to a signed-in user, or a sign-in form first. A wrong client or
/// redirect URI is a page saying so; later mistakes redirect to the app with `error=`.
#[utoipa::path(
    get,
    path = "/oauth2/authorize",
    operation_id = "get-oauth-consent-page",
    tag = "OAuth",
    security(()),
    params(AuthorizeQuery),
    responses(
        (status = 200, description = "The consent page, or the sign-in form.", content_type = "text/html", body = String),
        (status = 302, description = "Back to the app's redirect URI with `error` and `state`.",
            headers(("location" = String, description = "The redirect URI."))),
        (status = 400, description = "The request's client or redirect URI is wrong (never redirected).", content_type = "text/html", body = String),
        (status = 429, description = "Too many requests.", content_type = "text/html", body = String),
    )
)]
async fn authorize_page(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let pairs = match pairs(uri.query().unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(m) => return error_page(StatusCode::BAD_REQUEST, &m),
    };
    let req = match oauth::check_authorize(state.store.as_ref(), &authorize_params(&pairs)).await {
        Ok(r) => r,
        Err(e) => return authorize_failure(e),
    };
    match session_of(&state, &headers).await {
        Err(page) => page,
        Ok(None) => sign_in_page(&req, None),
        Ok(Some((principal, email, csrf))) => consent_page(&req, &email, &principal, &csrf),
    }
}

/// Sign in, approve or deny an app's request to use Parley as the user.
///
/// The consent page's form: `action=sign-in` (email and password: a session, then the
/// consent page), `approve` or `deny` (with the page's CSRF token): a 302 to the app's
/// redirect URI with `code` and `state`, or `error=access_denied`.
#[utoipa::path(
    post,
    path = "/oauth2/authorize",
    operation_id = "authorize-oauth-app",
    tag = "OAuth",
    security(()),
    request_body(content = AuthorizeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The consent page (after signing in).", content_type = "text/html", body = String),
        (status = 302, description = "Back to the app's redirect URI with `code` (or `error`) and `state`.",
            headers(("location" = String, description = "The redirect URI."))),
        (status = 400, description = "The request or the form is wrong.", content_type = "text/html", body = String),
        (status = 401, description = "The sign-in form again: the sign-in failed or the session ended.", content_type = "text/html", body = String),
        (status = 403, description = "The CSRF token is not the session's, or the user may not grant this.", content_type = "text/html", body = String),
        (status = 413, description = "The form is too large.", content_type = "text/html", body = String),
        (status = 429, description = "Too many sign-in attempts.", content_type = "text/html", body = String),
    )
)]
async fn authorize_form(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let source = source_of(&parts.extensions, &parts.headers, state.config.trust_proxy);
    let body = match body {
        Ok(b) => b,
        Err(e) => return error_page(e.status(), "the form is too large or unreadable"),
    };
    let pairs = match pairs(&body) {
        Ok(p) => p,
        Err(m) => return error_page(StatusCode::BAD_REQUEST, &m),
    };
    let req = match oauth::check_authorize(state.store.as_ref(), &authorize_params(&pairs)).await {
        Ok(r) => r,
        Err(e) => return authorize_failure(e),
    };
    match field(&pairs, "action").as_deref() {
        Some("sign-in") => sign_in(&state, &req, &pairs, source).await,
        Some(decision @ ("approve" | "deny")) => {
            let (principal, csrf) = match session_of(&state, &parts.headers).await {
                Err(page) => return page,
                Ok(None) => return sign_in_page(&req, Some("your session ended; sign in again")),
                Ok(Some((p, _, csrf))) => (p, csrf),
            };
            let sent = field(&pairs, "csrf").unwrap_or_default();
            if !bool::from(sent.as_bytes().ct_eq(csrf.as_bytes())) {
                return error_page(
                    StatusCode::FORBIDDEN,
                    "the form's CSRF token is not this session's; reload the app's link",
                );
            }
            let Some(user) = principal.user else {
                return error_page(StatusCode::FORBIDDEN, "a session belongs to a user");
            };
            decide(&state, &req, user, decision == "approve", source).await
        }
        _ => error_page(
            StatusCode::BAD_REQUEST,
            "action must be sign-in, approve or deny",
        ),
    }
}

/// Signs in from the form (as `POST /parley/v1/session` does), then shows the consent
/// page with the new session's cookie.
async fn sign_in(
    state: &AppState,
    req: &AuthorizeRequest,
    pairs: &[(String, String)],
    source: IpAddr,
) -> Response {
    let email = field(pairs, "email")
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let password = field(pairs, "password").unwrap_or_default();
    let session = match start_session(state, &email, &password, source).await {
        Ok(s) => s,
        Err(NotSignedIn::Throttled(wait)) => {
            let mut resp = sign_in_page(
                req,
                Some(&format!("too many attempts; wait {wait} seconds")),
            );
            *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            return resp;
        }
        Err(NotSignedIn::Refused(parley_app::AppError::Forbidden(m))) => {
            return sign_in_page(req, Some(&m));
        }
        Err(NotSignedIn::Refused(e)) => {
            tracing::error!(error = %e, "sign-in failed");
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, "the server failed");
        }
    };
    let principal =
        match parley_app::sessions::session_principal(state.store.as_ref(), &session.token).await {
            Ok(Some((p, _))) => p,
            _ => return error_page(StatusCode::INTERNAL_SERVER_ERROR, "the server failed"),
        };
    let mut resp = consent_page(req, &email, &principal, &session.csrf);
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(state, &session.token));
    resp
}

async fn decide(
    state: &AppState,
    req: &AuthorizeRequest,
    user: UserId,
    approved: bool,
    source: IpAddr,
) -> Response {
    let record = |outcome: &str| {
        state.audit.record(
            AuditEntry::new(
                chrono::Utc::now(),
                Actor::User { user_id: user },
                AuditAction::OAuthConsent,
                Outcome::Status(302),
            )
            .from_ip(Some(source))
            .on(vec![req.app.client_id.clone(), outcome.to_owned()]),
        );
    };
    if !approved {
        record("denied");
        return refused(
            &req.redirect_uri,
            req.state.as_deref(),
            oauth::ErrorCode::AccessDenied.as_str(),
            "the user denied the request",
        );
    }
    match oauth::approve(state.store.as_ref(), req, user).await {
        Ok(code) => {
            record("approved");
            let mut params = vec![("code", code.as_str())];
            if let Some(s) = &req.state {
                params.push(("state", s));
            }
            redirect_to(&req.redirect_uri, &params)
        }
        Err(OAuthError::Protocol { code, description }) => refused(
            &req.redirect_uri,
            req.state.as_deref(),
            code.as_str(),
            &description,
        ),
        Err(OAuthError::App(parley_app::AppError::Forbidden(m))) => {
            error_page(StatusCode::FORBIDDEN, &m)
        }
        Err(e) => {
            tracing::error!(error = %e, "oauth approval failed");
            error_page(StatusCode::INTERNAL_SERVER_ERROR, "the server failed")
        }
    }
}

// ---- token and revocation endpoints ----

/// A JSON answer that no one caches (RFC 6749 §5.1).
fn token_json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    let mut resp = crate::error::json_response(status, body);
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// RFC 6749 §5.2's error body.
fn token_error(status: StatusCode, code: &str, description: &str) -> Response {
    let mut resp = token_json(
        status,
        &OAuthErrorBody {
            error: code.to_owned(),
            error_description: description.to_owned(),
        },
    );
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"parley\""),
        );
    }
    resp
}

fn server_error(e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "oauth token endpoint failed");
    token_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "the server failed",
    )
}

fn oauth_failure(e: OAuthError) -> Response {
    match e {
        OAuthError::App(e) => server_error(&e),
        other => {
            let code = other.code().unwrap_or(oauth::ErrorCode::InvalidRequest);
            let status = if code == oauth::ErrorCode::InvalidClient {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            let description = match &other {
                OAuthError::Protocol { description, .. } => description.clone(),
                replayed => replayed
                    .to_string()
                    .trim_start_matches("invalid_grant: ")
                    .to_owned(),
            };
            token_error(status, code.as_str(), &description)
        }
    }
}

/// A token request's form, and the app that authenticated it (Basic, or `client_id` and
/// `client_secret` in the form). `Err` is the answer to send.
async fn authenticated_client(
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Vec<(String, String)>, parley_store::OAuthAppRecord), Response> {
    let source = source_of(&parts.extensions, &parts.headers, state.config.trust_proxy);
    let body = body.map_err(|e| {
        token_error(
            e.status(),
            "invalid_request",
            "the body is too large or unreadable",
        )
    })?;
    let pairs =
        pairs(&body).map_err(|m| token_error(StatusCode::BAD_REQUEST, "invalid_request", &m))?;
    let in_form = (field(&pairs, "client_id"), field(&pairs, "client_secret"));
    let (client_id, secret) =
        match (basic_credentials(&parts.headers), in_form) {
            (Some(_), (_, Some(_))) => {
                return Err(token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "send the client secret in one place: the Authorization header or the form",
                ))
            }
            (Some((id, _)), (Some(form_id), None)) if form_id != id => {
                return Err(token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "client_id differs from the Authorization header's",
                ))
            }
            (Some((id, secret)), _) => (id, secret),
            (None, (Some(id), Some(secret))) => (id, secret),
            (None, _) => return Err(token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication needed: Basic client_id:client_secret, or both in the form",
            )),
        };
    if let Some(wait) = state
        .keys
        .throttle_attempt(&format!("oauth-client:{client_id}"), source)
        .await
    {
        state.failures.rejected(&client_id, source, true);
        let mut resp = token_error(
            StatusCode::TOO_MANY_REQUESTS,
            "invalid_request",
            &format!("too many attempts; retry after {wait} seconds"),
        );
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Err(resp);
    }
    match oauth::authenticate_client(state.store.as_ref(), &client_id, &secret).await {
        Ok(app) => Ok((pairs, app)),
        Err(e) => {
            if e.code() == Some(oauth::ErrorCode::InvalidClient) {
                state.failures.rejected(&client_id, source, false);
                state.audit.record(
                    AuditEntry::new(
                        chrono::Utc::now(),
                        Actor::Rejected {
                            fingerprint: Some(parley_app::audit::key_fingerprint(&client_id)),
                        },
                        AuditAction::CredentialsRejected,
                        Outcome::Status(401),
                    )
                    .from_ip(Some(source)),
                );
            }
            Err(oauth_failure(e))
        }
    }
}

fn record_grant(
    state: &AppState,
    action: AuditAction,
    grant: &str,
    user: Option<UserId>,
    client_id: &str,
    status: u16,
    source: IpAddr,
) {
    state.audit.record(
        AuditEntry::new(
            chrono::Utc::now(),
            Actor::ApiKey {
                access_key: oauth::grant_key(grant),
                user_id: user,
            },
            action,
            Outcome::Status(status),
        )
        .from_ip(Some(source))
        .on(vec![client_id.to_owned()]),
    );
}

/// Exchange an authorization code or refresh token for an access token.
///
/// The OAuth token endpoint (Gong's path): `grant_type=authorization_code` (with `code`,
/// `redirect_uri`, PKCE `code_verifier`) or `refresh_token`; the client authenticates
/// with Basic or in the form. Answers the tokens, or RFC 6749's error JSON.
#[utoipa::path(
    post,
    path = "/oauth2/generate-customer-token",
    operation_id = "generate-customer-token",
    tag = "OAuth",
    security(()),
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The tokens.", body = TokenResponse),
        (status = 400, description = "RFC 6749's error: the request, code or refresh token is not valid.", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`: the client's credentials are missing or wrong.", body = OAuthErrorBody),
        (status = 413, description = "The form is too large.", body = OAuthErrorBody),
        (status = 429, description = "Too many attempts for this client.", body = OAuthErrorBody),
    )
)]
async fn token(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let source = source_of(&parts.extensions, &parts.headers, state.config.trust_proxy);
    let (pairs, app) = match authenticated_client(&state, &parts, body).await {
        Ok(found) => found,
        Err(resp) => return resp,
    };
    let store = state.store.as_ref();
    let (result, action) = match field(&pairs, "grant_type").as_deref() {
        Some("authorization_code") => {
            let Some(code) = field(&pairs, "code") else {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code is missing",
                );
            };
            let redirect_uri = field(&pairs, "redirect_uri");
            let verifier = field(&pairs, "code_verifier");
            (
                oauth::exchange_code(
                    store,
                    state.config.oauth_tokens,
                    &app,
                    &code,
                    redirect_uri.as_deref(),
                    verifier.as_deref(),
                )
                .await,
                AuditAction::OAuthTokenIssued,
            )
        }
        Some("refresh_token") => {
            let Some(refresh) = field(&pairs, "refresh_token") else {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is missing",
                );
            };
            let scope = field(&pairs, "scope");
            (
                oauth::refresh(
                    store,
                    state.config.oauth_tokens,
                    &app,
                    &refresh,
                    scope.as_deref(),
                )
                .await,
                AuditAction::OAuthTokenRefreshed,
            )
        }
        None => {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is missing",
            )
        }
        Some(_) => {
            return token_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            )
        }
    };
    match result {
        Ok(issued) => {
            record_grant(
                &state,
                action,
                &issued.record.grant,
                Some(issued.record.user),
                &app.client_id,
                200,
                source,
            );
            token_json(
                StatusCode::OK,
                &TokenResponse {
                    access_token: issued.access_token,
                    refresh_token: issued.refresh_token,
                    expires_in: issued.expires_in,
                    token_type: "Bearer",
                    scope: issued.scopes.to_string(),
                    api_base_url_for_customer: state
                        .config
                        .public_url
                        .trim_end_matches('/')
                        .to_owned(),
                },
            )
        }
        Err(e) => {
            if let OAuthError::Replayed { what, grant } = &e {
                tracing::warn!(client = %app.client_id, grant = %grant, what, "oauth credential replayed; grant revoked");
                record_grant(
                    &state,
                    AuditAction::OAuthTokenRevoked,
                    grant,
                    None,
                    &app.client_id,
                    400,
                    source,
                );
            }
            oauth_failure(e)
        }
    }
}

/// Revoke an OAuth access or refresh token.
///
/// RFC 7009: revokes the grant the token belongs to (its access and refresh tokens);
/// an unknown token is answered the same. The client authenticates as for tokens.
#[utoipa::path(
    post,
    path = "/oauth2/revoke",
    operation_id = "revoke-oauth-token",
    tag = "OAuth",
    security(()),
    request_body(content = RevokeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The token is revoked (or was unknown).", body = Revoked),
        (status = 400, description = "RFC 6749's error: the request is not valid.", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`: the client's credentials are missing or wrong.", body = OAuthErrorBody),
        (status = 413, description = "The form is too large.", body = OAuthErrorBody),
        (status = 429, description = "Too many attempts for this client.", body = OAuthErrorBody),
    )
)]
async fn revoke(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let source = source_of(&parts.extensions, &parts.headers, state.config.trust_proxy);
    let (pairs, app) = match authenticated_client(&state, &parts, body).await {
        Ok(found) => found,
        Err(resp) => return resp,
    };
    let Some(token) = field(&pairs, "token") else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is missing",
        );
    };
    match oauth::revoke_token(state.store.as_ref(), &app, &token).await {
        Ok(Some(grant)) => {
            record_grant(
                &state,
                AuditAction::OAuthTokenRevoked,
                &grant,
                None,
                &app.client_id,
                200,
                source,
            );
            token_json(StatusCode::OK, &Revoked {})
        }
        // RFC 7009 §2.2: an unknown token is answered like a revoked one.
        Ok(None) => token_json(StatusCode::OK, &Revoked {}),
        Err(e) => server_error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_what_clients_send() {
        assert_eq!(
            escape("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert!(pairs(b"a=1&b=2").is_ok());
        assert!(pairs(b"a=1&a=2").is_err());
        assert_eq!(
            pairs(b"scope=api%3Acalls%3Aread%3Abasic+api%3Ausers%3Aread").unwrap()[0].1,
            "api:calls:read:basic api:users:read"
        );
    }

    #[test]
    fn redirects_keep_the_registered_query_and_encode_what_they_add() {
        let r = redirect_to(
            "https://app.example.com/cb?tenant=7",
            &[("code", "abc"), ("state", "a b&c")],
        );
        assert_eq!(r.status(), StatusCode::FOUND);
        assert_eq!(
            r.headers()[header::LOCATION],
            "https://app.example.com/cb?tenant=7&code=abc&state=a+b%26c"
        );
    }
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(authorize_page, authorize_form, token, revoke))]
pub struct Doc;

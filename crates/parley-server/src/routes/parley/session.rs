//! Signing in and out: `POST /parley/v1/session` (email and password: a session cookie,
//! HttpOnly and SameSite=Strict, Secure behind https, plus the CSRF token every change
//! must send back), `DELETE /parley/v1/session`, `POST
//! /parley/v1/session/sign-out-everywhere`, and `POST /parley/v1/password-reset` (a
//! one-time token from `parley users reset-link`, and a new password).

use std::net::IpAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};

use parley_app::sessions::NewSession;
use parley_domain::audit::{Actor, AuditAction, AuditEntry, Outcome};
use parley_domain::Principal;

use crate::auth::{session_token, source_of, too_many, SESSION_COOKIE};
use crate::error::{json_response, request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::parse_json;
use crate::AppState;

/// Routes that need no credentials (they are how one gets some).
pub fn public_routes() -> Router<AppState> {
    Router::new()
        .route("/parley/v1/session", post(sign_in))
        .route("/parley/v1/password-reset", post(reset_password))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/parley/v1/session", axum::routing::delete(sign_out))
        .route(
            "/parley/v1/session/sign-out-everywhere",
            post(sign_out_everywhere),
        )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignInBody {
    email: String,
    password: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignedIn {
    request_id: String,
    user_id: String,
    /// Send back in `x-csrf-token` with every request that changes something.
    csrf_token: String,
    expires: String,
}

fn cookie(state: &AppState, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    );
    HeaderValue::from_str(&text).expect("a cookie of hex digits is a header value")
}

/// Why a sign-in started no session.
pub(crate) enum NotSignedIn {
    /// Too many attempts for this email from this address: wait this many seconds.
    Throttled(u64),
    Refused(parley_app::AppError),
}

/// Signs `email` in — throttled per (email, address) and per address, audited — for
/// both ways in: this API and the OAuth authorize page's form.
pub(crate) async fn start_session(
    state: &AppState,
    email: &str,
    password: &str,
    source: IpAddr,
) -> Result<NewSession, NotSignedIn> {
    if let Some(wait) = state
        .keys
        .throttle_attempt(&format!("sign-in:{email}"), source)
        .await
    {
        return Err(NotSignedIn::Throttled(wait));
    }
    let lifetime = std::time::Duration::from_secs(u64::from(state.config.session_hours) * 3600);
    let session = parley_app::sessions::sign_in(state.store.as_ref(), email, password, lifetime)
        .await
        .map_err(|e| {
            tracing::info!(%source, "sign-in refused");
            NotSignedIn::Refused(e)
        })?;
    state.audit.record(
        AuditEntry::new(
            chrono::Utc::now(),
            Actor::User {
                user_id: session.record.user,
            },
            AuditAction::SignIn,
            Outcome::Status(200),
        )
        .from_ip(Some(source)),
    );
    Ok(session)
}

/// The `Set-Cookie` value that carries a new session's token.
pub(crate) fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    cookie(state, token, i64::from(state.config.session_hours) * 3600)
}

async fn sign_in(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let source = source_of(&parts.extensions, &parts.headers, state.config.trust_proxy);
    let body: SignInBody = parse_json(body, false)?;
    let email = body.email.trim().to_lowercase();
    let session = match start_session(&state, &email, &body.password, source).await {
        Ok(s) => s,
        Err(NotSignedIn::Throttled(wait)) => return Ok(too_many(wait)),
        Err(NotSignedIn::Refused(e)) => return Err(e.into()),
    };
    let mut resp = json_response(
        StatusCode::OK,
        &SignedIn {
            request_id: request_id(),
            user_id: session.record.user.to_string(),
            csrf_token: session.csrf,
            expires: session.record.expires.to_rfc3339(),
        },
    );
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, &session.token));
    Ok(resp)
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let token = session_token(&headers)
        .ok_or_else(|| ApiError::bad_request("not signed in with a session"))?;
    parley_app::sessions::sign_out(state.store.as_ref(), &token).await?;
    let mut resp = Wire(serde_json::json!({ "requestId": request_id() })).into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, cookie(&state, "", 0));
    Ok(resp)
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> ApiResult<Response> {
    let user = principal
        .user
        .ok_or_else(|| ApiError::bad_request("a company key has no sessions"))?;
    let ended = parley_app::sessions::sign_out_everywhere(state.store.as_ref(), user).await?;
    let mut resp = Wire(serde_json::json!({ "requestId": request_id(), "sessionsEnded": ended }))
        .into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, cookie(&state, "", 0));
    Ok(resp)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResetBody {
    token: String,
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body: ResetBody = parse_json(body, false)?;
    let user =
        parley_app::sessions::redeem_reset(state.store.as_ref(), &body.token, &body.password)
            .await?;
    Ok(
        Wire(serde_json::json!({ "requestId": request_id(), "userId": user.to_string() }))
            .into_response(),
    )
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Doc;

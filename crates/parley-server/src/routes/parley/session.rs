//! Signing in and out: `POST /parley/v1/session` (email and password: a session cookie,
//! HttpOnly and SameSite=Strict, Secure behind https, plus the CSRF token every change
//! must send back), `GET /parley/v1/session` (who the session's user is, and its CSRF
//! token again: how the web UI restores a session from its cookie), `DELETE /parley/v1/session`, `POST
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
        .route(
            "/parley/v1/session",
            axum::routing::get(current_session).delete(sign_out),
        )
        .route(
            "/parley/v1/session/sign-out-everywhere",
            post(sign_out_everywhere),
        )
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignInBody {
    email: String,
    password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SignedIn {
    request_id: String,
    user_id: String,
    /// Send back in `x-csrf-token` with every request that changes something.
    csrf_token: String,
    /// When the session ends (RFC 3339).
    expires: String,
}

/// The session a request is signed in with, and its user.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct CurrentSession {
    request_id: String,
    user_id: String,
    email: String,
    /// First and last name.
    name: String,
    /// `admin`, `manager` or `member`.
    #[schema(value_type = String, pattern = "^(admin|manager|member)$")]
    role: &'static str,
    /// Send back in `x-csrf-token` with every request that changes something.
    csrf_token: String,
    /// When the session ends (RFC 3339).
    expires: String,
    /// What the user may manage, from their role and permission profiles (the server
    /// decides each request anyway; this is for showing only what can be used).
    can: SessionCan,
    limits: SessionLimits,
}

/// This server's bounds that a page should know before it sends something.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SessionLimits {
    /// The largest recording `PUT /v2/calls/{id}/media` takes, in bytes (setting
    /// `max_media_bytes`); a larger one is refused with 413.
    max_media_bytes: u64,
}

/// Settings the signed-in user may change: each is true when the route's operation
/// would be allowed in some workspace.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SessionCan {
    /// Trackers and topics (`/parley/v1/trackers`, `/parley/v1/topics`): admins, or a
    /// permission profile with `manageGeneralBusinessSettings`.
    manage_trackers: bool,
    /// Users, their roles (`/parley/v1/users`).
    manage_users: bool,
    /// Permission profiles and who has them.
    manage_profiles: bool,
    /// API keys (`/parley/v1/keys`).
    manage_keys: bool,
    /// Automation rules and their delivery logs.
    manage_automation: bool,
    /// Workspaces (`/parley/v1/workspaces`).
    manage_workspaces: bool,
    /// The job queue (`/parley/v1/jobs`).
    read_jobs: bool,
    /// Deleting calls (`DELETE /parley/v1/calls/{id}`): admins, or a permission profile
    /// with `deleteCalls` (in its workspaces only).
    delete_calls: bool,
    /// Defining scorecards (`POST`/`PUT`/`DELETE /parley/v1/scorecards`): admins, or a
    /// permission profile with `manageScorecards`.
    manage_scorecards: bool,
    /// OAuth apps (`POST`/`DELETE /parley/v1/oauth-apps`): admins only.
    #[serde(rename = "manageOAuthApps")]
    manage_oauth_apps: bool,
    /// CRM connections (`POST`/`PUT`/`DELETE /parley/v1/crm/connectors`).
    manage_crm: bool,
}

impl SessionCan {
    async fn of(store: &dyn parley_store::Store, principal: &Principal) -> ApiResult<SessionCan> {
        use parley_app::access::Operation;
        let may = |op: Operation| {
            let mut p = principal.clone();
            async move {
                match parley_app::access::authorize_with_profiles(store, &mut p, op).await {
                    Ok(()) => Ok(true),
                    Err(parley_app::AppError::Forbidden(_) | parley_app::AppError::Denied(_)) => {
                        Ok(false)
                    }
                    Err(e) => Err(e),
                }
            }
        };
        Ok(SessionCan {
            manage_trackers: may(Operation::WriteSettings).await?,
            manage_users: may(Operation::ManageUsers).await?,
            manage_profiles: may(Operation::WriteProfiles).await?,
            manage_keys: may(Operation::ManageKeys).await?,
            manage_automation: may(Operation::ManageAutomation).await?,
            manage_workspaces: may(Operation::ManageWorkspaces).await?,
            read_jobs: may(Operation::ListJobs).await?,
            delete_calls: may(Operation::DeleteCall).await?,
            manage_scorecards: may(Operation::WriteScorecards).await?,
            manage_oauth_apps: may(Operation::ManageOAuthApps).await?,
            manage_crm: may(Operation::ManageCrmConnectors).await?,
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SignedOutEverywhere {
    request_id: String,
    /// How many of the user's sessions were ended.
    sessions_ended: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct PasswordReset {
    request_id: String,
    /// The user whose password was set.
    user_id: String,
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

/// The answer that starts a browser session (a sign-in, or the first-run set-up, which
/// signs its admin in): the user, the CSRF token and expiry, and the session cookie.
pub(crate) fn signed_in(state: &AppState, session: NewSession, status: StatusCode) -> Response {
    let mut resp = json_response(
        status,
        &SignedIn {
            request_id: request_id(),
            user_id: session.record.user.to_string(),
            csrf_token: session.csrf,
            expires: session.record.expires.to_rfc3339(),
        },
    );
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(state, &session.token));
    resp
}

/// Sign in with an email address and password.
///
/// Starts a browser session: the answer sets the HttpOnly `parley_session` cookie and
/// carries the CSRF token to send back in `x-csrf-token` with every request that changes
/// something. Attempts are throttled per email and address (429 with `Retry-After`).
#[utoipa::path(
    post,
    path = "/parley/v1/session",
    operation_id = "sign-in",
    tag = "Session",
    security(()),
    request_body = SignInBody,
    responses(
        (status = 200, description = "Signed in; the session cookie is set.", body = SignedIn,
            headers(("set-cookie" = String, description = "The session cookie."))),
        (status = 403, description = "Wrong email or password, or the user is inactive.", body = gong_api_v2::ErrorBody),
    )
)]
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
    Ok(signed_in(&state, session, StatusCode::OK))
}

/// Get the current browser session and its user.
///
/// Answers who the session cookie (or bearer session token) belongs to — user id, email,
/// name, role — with the session's CSRF token and expiry, so that a page that lost what
/// sign-in answered can carry on. Without a session the answer is 401; a request made
/// with a key or OAuth token, which has no session, gets a 400.
#[utoipa::path(
    get,
    path = "/parley/v1/session",
    operation_id = "get-session",
    tag = "Session",
    responses(
        (status = 200, description = "The session and its user.", body = CurrentSession),
    )
)]
async fn current_session(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let no_session = || ApiError::bad_request("not signed in with a session");
    let token = session_token(&headers).ok_or_else(no_session)?;
    // The guard accepted this request, but maybe with a key while a cookie came along.
    let (principal, record) = parley_app::sessions::live_session(state.store.as_ref(), &token)
        .await?
        .ok_or_else(no_session)?;
    let user = state
        .store
        .get_user(record.user)
        .await?
        .ok_or_else(no_session)?;
    Ok(Wire(CurrentSession {
        request_id: request_id(),
        user_id: user.id.to_string(),
        email: user.email.clone(),
        name: user.full_name(),
        role: principal.role.key(),
        csrf_token: record.csrf,
        expires: record.expires.to_rfc3339(),
        can: SessionCan::of(state.store.as_ref(), &principal).await?,
        limits: SessionLimits {
            max_media_bytes: state.config.max_media_bytes,
        },
    })
    .into_response())
}

/// Sign out of the current browser session.
///
/// Ends the session whose cookie (or bearer session token) the request carries and clears
/// the cookie. Other sessions of the user stay signed in.
#[utoipa::path(
    delete,
    path = "/parley/v1/session",
    operation_id = "sign-out",
    tag = "Session",
    responses(
        (status = 200, description = "Signed out; the cookie is cleared.", body = super::Done),
    )
)]
async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let token = session_token(&headers)
        .ok_or_else(|| ApiError::bad_request("not signed in with a session"))?;
    parley_app::sessions::sign_out(state.store.as_ref(), &token).await?;
    let mut resp = Wire(super::Done::now()).into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, cookie(&state, "", 0));
    Ok(resp)
}

/// Sign the user out of every browser session at once.
///
/// Ends all sessions of the calling user (e.g. after a lost laptop) and clears this
/// request's cookie; answers how many ended. A company key, which has no user, gets a 400.
#[utoipa::path(
    post,
    path = "/parley/v1/session/sign-out-everywhere",
    operation_id = "sign-out-everywhere",
    tag = "Session",
    responses(
        (status = 200, description = "Every session of the user ended.", body = SignedOutEverywhere),
    )
)]
async fn sign_out_everywhere(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> ApiResult<Response> {
    let user = principal
        .user
        .ok_or_else(|| ApiError::bad_request("a company key has no sessions"))?;
    let ended = parley_app::sessions::sign_out_everywhere(state.store.as_ref(), user).await?;
    let mut resp = Wire(SignedOutEverywhere {
        request_id: request_id(),
        sessions_ended: ended,
    })
    .into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, cookie(&state, "", 0));
    Ok(resp)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResetBody {
    /// The one-time token of a reset link (`parley users reset-link`).
    token: String,
    /// The new password: 12 to 256 characters.
    #[schema(min_length = 12, max_length = 256)]
    password: String,
}

/// Set a new password with a one-time reset token.
///
/// Redeems the token of a reset link (made by an admin with `parley users reset-link`)
/// and sets the user's password; the token cannot be used again.
#[utoipa::path(
    post,
    path = "/parley/v1/password-reset",
    operation_id = "reset-password",
    tag = "Session",
    security(()),
    request_body = ResetBody,
    responses(
        (status = 200, description = "The password was set.", body = PasswordReset),
        (status = 403, description = "The reset token is unknown, used or expired.", body = gong_api_v2::ErrorBody),
    )
)]
async fn reset_password(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body: ResetBody = parse_json(body, false)?;
    let user =
        parley_app::sessions::redeem_reset(state.store.as_ref(), &body.token, &body.password)
            .await?;
    Ok(Wire(PasswordReset {
        request_id: request_id(),
        user_id: user.to_string(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    sign_in,
    current_session,
    sign_out,
    sign_out_everywhere,
    reset_password
))]
pub struct Doc;

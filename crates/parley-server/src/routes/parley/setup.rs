//! The first-run screen's two routes, open without credentials (they are how the first
//! credentials are made): `GET /parley/v1/setup` says whether an administrator is still
//! needed, `POST /parley/v1/setup` makes one with the set-up code and signs them in.
//! What the code is and who can read it: `parley_app::setup`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};

use parley_app::setup::FirstAdmin;
use parley_domain::audit::{Actor, AuditAction, AuditEntry, Outcome};

use super::session::{signed_in, start_session, NotSignedIn, SignedIn};
use crate::auth::{source_of, too_many};
use crate::error::{json_response, request_id, ApiResult};
use crate::routes::extract::parse_json;
use crate::AppState;

pub fn public_routes() -> Router<AppState> {
    Router::new().route("/parley/v1/setup", get(status).post(create_first_admin))
}

/// Whether the first administrator is still to be made.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SetupStatus {
    request_id: String,
    /// True while no active administrator can sign in with a password: the web UI then
    /// offers its first-run screen.
    needs_admin: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SetupBody {
    /// The set-up code: in the file `setup-code` of the server's data folder, or printed
    /// by `parley users setup-code`.
    #[schema(max_length = 256)]
    setup_code: String,
    /// The administrator's e-mail address; an active user who already has it becomes the
    /// administrator.
    email: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    /// 12 to 256 characters.
    #[schema(min_length = 12, max_length = 256)]
    password: String,
}

/// Whether the first administrator is still to be made.
///
/// Open without credentials, like the sign-in it leads to: the web UI asks it to decide
/// between its sign-in and first-run screens.
#[utoipa::path(
    get,
    path = "/parley/v1/setup",
    operation_id = "get-setup",
    tag = "Session",
    security(()),
    responses((status = 200, description = "Whether an administrator is needed.", body = SetupStatus))
)]
async fn status(State(state): State<AppState>) -> ApiResult<Response> {
    let needs_admin = parley_app::setup::needs_admin(state.store.as_ref()).await?;
    Ok(json_response(
        StatusCode::OK,
        &SetupStatus {
            request_id: request_id(),
            needs_admin,
        },
    ))
}

/// Make the first administrator and sign them in.
///
/// Only while no active administrator can sign in with a password, and only with the
/// set-up code that `parley serve` writes to `setup-code` in its data folder (also printed
/// by `parley users setup-code`). Answers as a sign-in does: the session cookie and the
/// CSRF token. Attempts are throttled per address.
#[utoipa::path(
    post,
    path = "/parley/v1/setup",
    operation_id = "create-first-admin",
    tag = "Session",
    security(()),
    request_body = SetupBody,
    responses(
        (status = 201, description = "The administrator exists and is signed in.", body = SignedIn,
            headers(("set-cookie" = String, description = "The session cookie."))),
        (status = 400, description = "A field is wrong (e-mail, name, password).", body = gong_api_v2::ErrorBody),
        (status = 403, description = "The set-up code is wrong.", body = gong_api_v2::ErrorBody),
        (status = 409, description = "An administrator can already sign in.", body = gong_api_v2::ErrorBody),
        (status = 429, description = "Too many attempts from this address.", body = gong_api_v2::ErrorBody),
    )
)]
async fn create_first_admin(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let source = source_of(&parts.extensions, &parts.headers, state.config.trust_proxy);
    if let Some(wait) = state.keys.throttle_attempt("first-run setup", source).await {
        return Ok(too_many(wait));
    }
    let body: SetupBody = parse_json(body, false)?;
    let email = body.email.trim().to_lowercase();
    let user = parley_app::setup::create_first_admin(
        state.store.as_ref(),
        FirstAdmin {
            code: body.setup_code,
            email: email.clone(),
            first_name: body.first_name,
            last_name: body.last_name,
            password: body.password.clone(),
        },
    )
    .await?;
    state.audit.record(
        AuditEntry::new(
            chrono::Utc::now(),
            Actor::User { user_id: user.id },
            AuditAction::UserAdded,
            Outcome::Status(201),
        )
        .on([user.id.to_string()])
        .from_ip(Some(source)),
    );
    let session = match start_session(&state, &email, &body.password, source).await {
        Ok(s) => s,
        Err(NotSignedIn::Throttled(wait)) => return Ok(too_many(wait)),
        Err(NotSignedIn::Refused(e)) => return Err(e.into()),
    };
    Ok(signed_in(&state, session, StatusCode::CREATED))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(status, create_first_admin))]
pub struct Doc;

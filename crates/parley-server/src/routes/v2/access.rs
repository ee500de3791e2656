//! `/v2/calls/users-access` (calls granted to single users, reference §3.9) and
//! `/v2/integration-settings` (§16.2, §16.3).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::{Extension, Router};
use gong_api_v2::access::{
    CallAccessChange, CallAccessQuery, CallAccessResponse, ChangeAccepted,
    IntegrationSettingsRequest, IntegrationSettingsResponse,
};
use parley_domain::Principal;

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::parse_json;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v2/calls/users-access",
            put(grant).post(read).delete(revoke),
        )
        .route(
            "/v2/integration-settings",
            post(set_integration_settings).get(integration_settings),
        )
}

/// Gong's answer to a change: the request id alone.
fn done() -> Response {
    Wire(ChangeAccepted {
        request_id: request_id(),
    })
    .into_response()
}

/// Give users access to calls they would not otherwise see.
///
/// Each entry names a call and the users (by email address) who get access to it; users
/// who already have it keep it. Unknown calls or users are a 400 naming them.
#[utoipa::path(
    put,
    path = "/v2/calls/users-access",
    operation_id = "add-call-users-access",
    tag = "Calls",
    request_body = CallAccessChange,
    responses(
        (status = 200, description = "The access was granted.", body = ChangeAccepted),
    )
)]
async fn grant(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: CallAccessChange = parse_json(body, false)?;
    let list = req.into_domain().map_err(ApiError::bad_request)?;
    parley_app::grants::grant(state.store.as_ref(), &principal, &list, chrono::Utc::now()).await?;
    Ok(done())
}

/// Take away users' individual access to calls.
///
/// Removes access given with `PUT /v2/calls/users-access`; access users have through
/// their role or team is not affected.
#[utoipa::path(
    delete,
    path = "/v2/calls/users-access",
    operation_id = "delete-call-users-access",
    tag = "Calls",
    request_body = CallAccessChange,
    responses(
        (status = 200, description = "The access was removed.", body = ChangeAccepted),
    )
)]
async fn revoke(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: CallAccessChange = parse_json(body, false)?;
    let list = req.into_domain().map_err(ApiError::bad_request)?;
    parley_app::grants::revoke(state.store.as_ref(), &principal, &list).await?;
    Ok(done())
}

/// See which users were given individual access to calls.
///
/// For each call id of `filter.callIds`, the users granted access to it with
/// `PUT /v2/calls/users-access`.
#[utoipa::path(
    post,
    path = "/v2/calls/users-access",
    operation_id = "get-call-users-access",
    tag = "Calls",
    request_body = CallAccessQuery,
    responses(
        (status = 200, description = "The users with access, call by call.", body = CallAccessResponse),
    )
)]
async fn read(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: CallAccessQuery = parse_json(body, false)?;
    let ids = req.call_ids().map_err(ApiError::bad_request)?;
    let grants = parley_app::grants::granted(state.store.as_ref(), &principal, &ids).await?;
    Ok(Wire(CallAccessResponse::from_domain(request_id(), &grants)).into_response())
}

/// Turn the Engage flows integration settings on or off.
///
/// Sets, per integration type, whether prospects may be added to flows through the API;
/// the settings apply company-wide.
#[utoipa::path(
    post,
    path = "/v2/integration-settings",
    operation_id = "update-integration-settings",
    tag = "Flows",
    request_body = IntegrationSettingsRequest,
    responses(
        (status = 200, description = "The settings were saved.", body = ChangeAccepted),
    )
)]
async fn set_integration_settings(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: IntegrationSettingsRequest = parse_json(body, false)?;
    let settings = req.into_domain().map_err(ApiError::bad_request)?;
    parley_app::flows::set_integration_settings(state.store.as_ref(), settings, chrono::Utc::now())
        .await?;
    Ok(done())
}

/// Get the Engage flows integration settings.
///
/// The company's current integration settings, one entry per integration type.
#[utoipa::path(
    get,
    path = "/v2/integration-settings",
    operation_id = "get-integration-settings",
    tag = "Flows",
    responses(
        (status = 200, description = "The settings.", body = IntegrationSettingsResponse),
    )
)]
async fn integration_settings(State(state): State<AppState>) -> ApiResult<Response> {
    let settings = state.store.integration_settings().await?;
    let id = parley_app::flows::integration_settings_id(&settings);
    Ok(Wire(IntegrationSettingsResponse::from_domain(
        request_id(),
        id,
        &settings,
    ))
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(grant, read, revoke, set_integration_settings, integration_settings))]
pub struct Doc;

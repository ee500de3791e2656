//! `/v2/calls/users-access` (calls granted to single users, reference §3.9) and
//! `/v2/integration-settings` (§16.2, §16.3).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::{Extension, Router};
use serde::Serialize;

use gong_api_v2::access::{
    CallAccessChange, CallAccessQuery, CallAccessResponse, IntegrationSettingsRequest,
    IntegrationSettingsResponse,
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
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Done {
    request_id: String,
}

fn done() -> Response {
    Wire(Done {
        request_id: request_id(),
    })
    .into_response()
}

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
#[openapi()]
pub struct Doc;

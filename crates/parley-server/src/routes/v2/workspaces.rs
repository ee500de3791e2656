//! `/v2/workspaces`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Extension;
use axum::Router;

use gong_api_v2::users::{WorkspaceWire, WorkspacesResponse};
use parley_domain::Principal;

use crate::error::{json_response, request_id, ApiResult};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v2/workspaces", get(workspaces))
}

/// List the company's workspaces.
///
/// Each workspace's id, name and description; a key bound to a workspace sees only its
/// own.
#[utoipa::path(
    get,
    path = "/v2/workspaces",
    operation_id = "list-workspaces",
    tag = "Workspaces",
    responses(
        (status = 200, description = "The workspaces.", body = WorkspacesResponse),
    )
)]
async fn workspaces(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> ApiResult<Response> {
    // A key bound to a workspace sees only that one.
    let mut list = state.store.list_workspaces().await?;
    list.retain(|w| principal.reaches(w.id));
    Ok(json_response(
        StatusCode::OK,
        &WorkspacesResponse {
            request_id: request_id(),
            workspaces: list.iter().map(WorkspaceWire::from_domain).collect(),
        },
    ))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(workspaces))]
pub struct Doc;

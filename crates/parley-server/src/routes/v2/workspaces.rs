//! `/v2/workspaces`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use gong_api_v2::users::{WorkspaceWire, WorkspacesResponse};

use crate::error::{json_response, request_id, ApiResult};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v2/workspaces", get(workspaces))
}

async fn workspaces(State(state): State<AppState>) -> ApiResult<Response> {
    let list = state.store.list_workspaces().await?;
    Ok(json_response(
        StatusCode::OK,
        &WorkspacesResponse {
            request_id: request_id(),
            workspaces: list.iter().map(WorkspaceWire::from_domain).collect(),
        },
    ))
}

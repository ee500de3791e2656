//! `/parley/v1/workspaces`: creating workspaces.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};

use parley_domain::{Workspace, WorkspaceId};

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::routes::extract::parse_json;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/parley/v1/workspaces", post(create_workspace))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NewWorkspace)]
struct NewWorkspaceBody {
    #[schema(pattern = "\\S")]
    name: String,
    description: Option<String>,
    /// Make it the default workspace (of requests that name none).
    #[serde(default)]
    default: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct WorkspaceCreated {
    request_id: String,
    workspace_id: String,
}

/// Create a workspace.
///
/// A workspace (a team or business unit with its own calls, trackers and settings),
/// optionally the default one; answers its id.
#[utoipa::path(
    post,
    path = "/parley/v1/workspaces",
    operation_id = "create-workspace",
    tag = "Workspaces",
    request_body = NewWorkspaceBody,
    responses((status = 201, description = "The workspace was created.", body = WorkspaceCreated))
)]
async fn create_workspace(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body: NewWorkspaceBody = parse_json(body, false)?;
    if body.name.trim().is_empty() {
        return Err(ApiError::bad_request("name must not be empty"));
    }
    let w = Workspace {
        id: WorkspaceId::generate(),
        name: body.name.trim().to_owned(),
        description: body.description,
        created: chrono::Utc::now(),
    };
    state.store.create_workspace(&w, body.default).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &WorkspaceCreated {
            request_id: request_id(),
            workspace_id: w.id.to_string(),
        },
    ))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(create_workspace))]
pub struct Doc;

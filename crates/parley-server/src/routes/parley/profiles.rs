//! `/parley/v1/users/{id}/permission-profile`: which permission profile a user has in a
//! workspace (Gong assigns them in its web app; its public API only lists them).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::{Extension, Router};
use serde::Deserialize;

use gong_api_v2::WireId;
use parley_app::profiles;
use parley_domain::{Principal, ProfileId, UserId};

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{parse_json, query, workspace_of, WorkspaceQuery};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/parley/v1/users/{id}/permission-profile",
        put(assign).delete(unassign),
    )
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AssignBody {
    profile_id: WireId,
}

fn user_of(id: &str) -> ApiResult<UserId> {
    parley_domain::parse_id(id)
        .map(UserId)
        .map_err(|_| ApiError::not_found(gong_api_v2::messages::user_not_found(id)))
}

/// Gives the user the profile in the profile's workspace (replacing the one they had).
async fn assign(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let user = user_of(&id)?;
    let b: AssignBody = parse_json(body, false)?;
    let profile = b.profile_id.numeric().map(ProfileId).ok_or_else(|| {
        ApiError::not_found(format!(
            "permission profile {} was not found",
            b.profile_id.0
        ))
    })?;
    let p = profiles::assign(state.store.as_ref(), &principal, user, profile).await?;
    Ok(Wire(serde_json::json!({
        "requestId": request_id(),
        "userId": id,
        "workspaceId": p.workspace_id.to_string(),
        "profileId": p.id.to_string(),
    }))
    .into_response())
}

/// Takes the user's profile in a workspace away (the default one when none is named):
/// their role decides their call access there again.
async fn unassign(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    q: Result<Query<WorkspaceQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let user = user_of(&id)?;
    let q = query(q)?;
    let w = workspace_of(&state, &principal, q.workspace_id.as_deref()).await?;
    profiles::unassign(state.store.as_ref(), &principal, user, w.id).await?;
    Ok(Wire(serde_json::json!({
        "requestId": request_id(),
        "userId": id,
        "workspaceId": w.id.to_string(),
    }))
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Doc;

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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = ProfileAssignment)]
struct AssignBody {
    /// The permission profile (it belongs to one workspace).
    profile_id: WireId,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ProfileAssigned {
    request_id: String,
    user_id: String,
    workspace_id: String,
    profile_id: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ProfileRemoved {
    request_id: String,
    user_id: String,
    workspace_id: String,
}

/// `?workspaceId=` as the OpenAPI document shows it (handlers read [`WorkspaceQuery`]).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(crate) struct WorkspaceParam {
    /// The workspace; the default one when absent.
    workspace_id: Option<String>,
}

fn user_of(id: &str) -> ApiResult<UserId> {
    parley_domain::parse_id(id)
        .map(UserId)
        .map_err(|_| ApiError::not_found(gong_api_v2::messages::user_not_found(id)))
}

/// Give a user a permission profile in a workspace.
///
/// The user gets the profile in the profile's workspace, replacing the one they had
/// there; it decides what they may do and which calls they see there.
#[utoipa::path(
    put,
    path = "/parley/v1/users/{id}/permission-profile",
    operation_id = "assign-permission-profile",
    tag = "Users",
    params(("id" = String, Path, description = "The user's id.")),
    request_body = AssignBody,
    responses(
        (status = 200, description = "The profile is assigned.", body = ProfileAssigned),
        (status = 404, description = "No such user or profile.", body = gong_api_v2::ErrorBody),
    )
)]
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
    Ok(Wire(ProfileAssigned {
        request_id: request_id(),
        user_id: id,
        workspace_id: p.workspace_id.to_string(),
        profile_id: p.id.to_string(),
    })
    .into_response())
}

/// Take a user's permission profile away in a workspace.
///
/// In the named workspace (the default one when none is named) the user's role decides
/// their access again.
#[utoipa::path(
    delete,
    path = "/parley/v1/users/{id}/permission-profile",
    operation_id = "remove-permission-profile",
    tag = "Users",
    params(("id" = String, Path, description = "The user's id."), WorkspaceParam),
    responses(
        (status = 200, description = "The profile is removed.", body = ProfileRemoved),
        (status = 404, description = "No such user or workspace.", body = gong_api_v2::ErrorBody),
    )
)]
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
    Ok(Wire(ProfileRemoved {
        request_id: request_id(),
        user_id: id,
        workspace_id: w.id.to_string(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(assign, unassign))]
pub struct Doc;

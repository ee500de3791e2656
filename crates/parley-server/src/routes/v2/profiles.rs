//! Gong's permission profiles: `/v2/all-permission-profiles`, `/v2/permission-profile`
//! (read, create, change) and `/v2/permission-profile/users`.
//!
//! Choice: an unknown or unreachable profile is Gong's recorded 400 `"Bad request"` on
//! the users listing, and a 404 naming it elsewhere (Gong's spec lists only 400/401/500,
//! and clients treat any 4xx as "no such profile").

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Deserialize;

use gong_api_v2::profiles::{
    parse_patch, render, ProfileResponse, ProfileUserWire, ProfileUsersResponse, ProfilesResponse,
};
use parley_app::profiles;
use parley_app::AppError;
use parley_domain::{Principal, ProfileId, WorkspaceId};

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{parse_json, query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/all-permission-profiles", get(list))
        .route("/v2/permission-profile", get(read).post(create).put(update))
        .route("/v2/permission-profile/users", get(users))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileQuery {
    workspace_id: Option<String>,
    profile_id: Option<String>,
}

/// A required numeric id of the query string.
fn required(value: &Option<String>, name: &str) -> ApiResult<i64> {
    let v = value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("{name} is required")))?;
    parley_domain::parse_id(v)
        .map_err(|_| ApiError::bad_request(format!("{name}: {v:?} is not an id")))
}

fn profile_id(q: &ProfileQuery) -> ApiResult<ProfileId> {
    required(&q.profile_id, "profileId").map(ProfileId)
}

fn workspace_id(q: &ProfileQuery) -> ApiResult<WorkspaceId> {
    required(&q.workspace_id, "workspaceId").map(WorkspaceId)
}

fn answer(profile: &parley_domain::PermissionProfile) -> Response {
    Wire(ProfileResponse {
        request_id: request_id(),
        profile: render(profile),
    })
    .into_response()
}

fn patch_of(body: Result<Bytes, BytesRejection>) -> ApiResult<parley_domain::ProfilePatch> {
    let value: serde_json::Value = parse_json(body, false)?;
    parse_patch(&value).map_err(ApiError::bad_request_all)
}

/// List the permission profiles of a workspace.
///
/// Every profile of `workspaceId` (required) with all its access levels and capabilities.
#[utoipa::path(
    get,
    path = "/v2/all-permission-profiles",
    operation_id = "list-permission-profiles",
    tag = "Permissions",
    params(("workspaceId" = String, Query, pattern = "^[0-9]{1,19}$", description = "The workspace's id.")),
    responses(
        (status = 200, description = "The profiles.", body = ProfilesResponse),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<ProfileQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let list = profiles::list(state.store.as_ref(), &principal, workspace_id(&q)?).await?;
    Ok(Wire(ProfilesResponse {
        request_id: request_id(),
        profiles: list.iter().map(render).collect(),
    })
    .into_response())
}

/// Get a permission profile: what its users may see and do.
#[utoipa::path(
    get,
    path = "/v2/permission-profile",
    operation_id = "get-permission-profile",
    tag = "Permissions",
    params(("profileId" = String, Query, pattern = "^[0-9]{1,19}$", description = "The permission profile's id.")),
    responses(
        (status = 200, description = "The profile.", body = ProfileResponse),
        (status = 404, description = "No such profile, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn read(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<ProfileQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let p = profiles::get(state.store.as_ref(), &principal, profile_id(&q)?).await?;
    Ok(answer(&p))
}

/// Create a permission profile in a workspace.
///
/// The body is the profile: its name, access levels and capabilities; what it leaves out
/// is off. The answer is the profile as stored, with its id.
#[utoipa::path(
    post,
    path = "/v2/permission-profile",
    operation_id = "create-permission-profile",
    tag = "Permissions",
    params(("workspaceId" = String, Query, pattern = "^[0-9]{1,19}$", description = "The workspace's id.")),
    request_body = gong_api_v2::profiles::PermissionProfileInput,
    responses(
        (status = 200, description = "The profile was created.", body = ProfileResponse),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<ProfileQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let workspace = workspace_id(&q)?;
    let patch = patch_of(body)?;
    let p = profiles::create(state.store.as_ref(), &principal, workspace, patch).await?;
    Ok(answer(&p))
}

/// Change a permission profile's name, access levels or capabilities.
///
/// Only the fields the body gives change. The answer is the profile as stored.
#[utoipa::path(
    put,
    path = "/v2/permission-profile",
    operation_id = "update-permission-profile",
    tag = "Permissions",
    params(("profileId" = String, Query, pattern = "^[0-9]{1,19}$", description = "The permission profile's id.")),
    request_body = gong_api_v2::profiles::PermissionProfileInput,
    responses(
        (status = 200, description = "The profile was updated.", body = ProfileResponse),
        (status = 404, description = "No such profile, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<ProfileQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let id = profile_id(&q)?;
    let patch = patch_of(body)?;
    let p = profiles::update(state.store.as_ref(), &principal, id, patch).await?;
    Ok(answer(&p))
}

/// List the users who have a permission profile.
///
/// Each user's id, name and email address. An unknown profile is a 400 (as Gong answers).
#[utoipa::path(
    get,
    path = "/v2/permission-profile/users",
    operation_id = "list-permission-profile-users",
    tag = "Permissions",
    params(("profileId" = String, Query, pattern = "^[0-9]{1,19}$", description = "The permission profile's id.")),
    responses(
        (status = 200, description = "The profile's users.", body = ProfileUsersResponse),
    )
)]
async fn users(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<ProfileQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let bad = || ApiError::bad_request("Bad request");
    let id = profile_id(&q).map_err(|_| bad())?;
    let list = profiles::users_of(state.store.as_ref(), &principal, id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => bad(),
            other => other.into(),
        })?;
    Ok(Wire(ProfileUsersResponse {
        request_id: request_id(),
        users: list.iter().map(ProfileUserWire::from_domain).collect(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, read, create, update, users))]
pub struct Doc;

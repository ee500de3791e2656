//! `DELETE /parley/v1/calls/{id}`: a call and everything of it, gone. Gong's public API
//! has no such route (its web app deletes calls for those with the `deleteCalls`
//! permission); an upload cancelled halfway leaves a call without a recording that only
//! this removes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::delete;
use axum::{Extension, Router};
use serde::Serialize;

use parley_domain::Principal;

use crate::error::{json_response, request_id, ApiResult};
use crate::routes::extract::call_id_of;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/parley/v1/calls/{id}", delete(delete_call))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct DeletedCall {
    request_id: String,
    call_id: String,
    /// Whether the call had a recording; its file is deleted by a queued job
    /// (`delete-media`), which retries until the media store answers.
    recording_deleted: bool,
}

/// Delete a call.
///
/// The call goes with everything of it at once: parties, transcript, analysis, comments,
/// answered scorecards, library items and jobs; its recording is deleted by a queued
/// job. Admins may, and users whose permission profile has `deleteCalls` in the call's
/// workspace. Cannot be undone.
#[utoipa::path(
    delete,
    path = "/parley/v1/calls/{id}",
    operation_id = "delete-call",
    tag = "Calls",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 200, description = "The call is deleted.", body = DeletedCall),
        (status = 403, description = "The caller may not delete this call.", body = gong_api_v2::ErrorBody),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn delete_call(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call_id = call_id_of(&id)?;
    let recording_deleted =
        parley_app::calls::delete_call(state.store.as_ref(), &principal, call_id).await?;
    Ok(json_response(
        StatusCode::OK,
        &DeletedCall {
            request_id: request_id(),
            call_id: call_id.to_string(),
            recording_deleted,
        },
    ))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(delete_call))]
pub struct Doc;

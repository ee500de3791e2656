//! `DELETE /parley/v1/calls/{id}`: a call and everything of it, gone. Gong's public API
//! has no such route (its web app deletes calls for those with the `deleteCalls`
//! permission); an upload cancelled halfway leaves a call without a recording that only
//! this removes.
//!
//! `GET /parley/v1/calls/{id}/waveform`: the recording's peaks, which the call page draws
//! beside its speaker lanes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get};
use axum::{Extension, Router};
use serde::Serialize;

use parley_domain::Principal;

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::routes::extract::{call_id_of, existing_call};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/parley/v1/calls/{id}", delete(delete_call))
        .route("/parley/v1/calls/{id}/waveform", get(waveform))
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

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Waveform)]
struct WaveformView {
    request_id: String,
    /// Milliseconds each peak covers: 50, or more for recordings over 500 s so that
    /// there are at most 10,000 peaks (a 60-minute call: 360 ms).
    bucket_ms: u32,
    /// The recording's length.
    duration_ms: u64,
    /// One per `bucketMs` from the start (the last may cover less): the largest absolute
    /// sample of any channel in it, linear, 0–255 (255 = full scale).
    #[schema(value_type = Vec<u32>)]
    peaks: Vec<u8>,
}

/// Get a call's waveform.
///
/// The loudest moment of every short stretch of the call's recording, for drawing it.
/// Made when the recording is decoded for transcription (or spoken, for a demo call),
/// and only ever of the call's current recording.
#[utoipa::path(
    get,
    path = "/parley/v1/calls/{id}/waveform",
    operation_id = "get-call-waveform",
    tag = "Calls",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 200, description = "The recording's peaks.", body = WaveformView),
        (status = 404, description = "No such call, the caller may not see it, it has no recording, or its recording is not decoded yet.", body = gong_api_v2::ErrorBody),
    )
)]
async fn waveform(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call_id = existing_call(&state, &principal, &id).await?;
    let w = state.store.waveform(call_id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "this call has no waveform: it has no recording, or the recording is not decoded yet",
        )
    })?;
    Ok(json_response(
        StatusCode::OK,
        &WaveformView {
            request_id: request_id(),
            bucket_ms: w.bucket_ms,
            duration_ms: w.duration_ms,
            peaks: w.peaks,
        },
    ))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(delete_call, waveform))]
pub struct Doc;

//! `PUT /v2/calls/{id}/media`: a recording for a call, as Gong's upload API takes it.
//!
//! The `mediaFile` part is streamed to a temporary file (never held in memory) and hashed;
//! [`parley_app::media::store_media`] does the rest (probe, store, record, queue).

use std::io::Write;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use sha2::{Digest, Sha256};

use gong_api_v2::calls::MediaUploaded;
use gong_api_v2::messages;
use parley_app::media::{hex, store_media, Received};
use parley_app::AppError;
use parley_domain::CallId;

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::AppState;

pub fn routes(state: &AppState) -> axum::Router<AppState> {
    // Multipart framing adds a little to the file itself.
    let limit = usize::try_from(state.config.max_media_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1 << 20);
    axum::Router::new().route(
        "/v2/calls/{id}/media",
        axum::routing::put(upload).layer(axum::extract::DefaultBodyLimit::max(limit)),
    )
}

/// The multipart body of `PUT /v2/calls/{id}/media`, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code, non_snake_case)]
struct MediaUpload {
    /// The recording: audio or video in any format ffmpeg reads (WAV, MP3, MP4, ...).
    #[schema(value_type = String, format = Binary)]
    mediaFile: Vec<u8>,
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("mediaFile is larger than the {limit} byte limit"),
    )
}

/// Upload the recording of a call created with `POST /v2/calls`.
///
/// A `multipart/form-data` body whose `mediaFile` part is the audio or video file (other
/// parts are ignored). The file is stored and queued for transcription and analysis; the
/// answer comes once it is stored. Files over the server's `max_media_bytes` are refused
/// with a 413.
#[utoipa::path(
    put,
    path = "/v2/calls/{id}/media",
    operation_id = "add-call-media",
    tag = "Calls",
    params(("id" = String, Path, description = "The call's id.")),
    request_body(content = MediaUpload, content_type = "multipart/form-data", description = "The recording as the `mediaFile` part."),
    responses(
        (status = 201, description = "The recording was stored and transcription queued.", body = MediaUploaded),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
        (status = 413, description = "The file is larger than the server accepts.", body = gong_api_v2::ErrorBody),
    )
)]
async fn upload(
    State(state): State<AppState>,
    Extension(principal): Extension<parley_domain::Principal>,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let not_found = || ApiError::not_found(messages::call_not_found(&id));
    let call_id = parley_domain::parse_id(&id)
        .map(CallId)
        .map_err(|_| not_found())?;
    let call = state.store.get_call(call_id).await?.ok_or_else(not_found)?;
    if !parley_app::access::may_see_call(state.store.as_ref(), &principal, &call).await? {
        return Err(not_found());
    }
    let mut multipart = multipart.map_err(|e| {
        ApiError::bad_request(format!(
            "expected multipart/form-data with a mediaFile part: {}",
            e.body_text()
        ))
    })?;

    let limit = state.config.max_media_bytes;
    let mut found = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(e, limit))?
    {
        if field.name() != Some("mediaFile") {
            continue;
        }
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let mut tmp = parley_app::workdir::temp_file(&state.config.work_dir, "upload")
            .map_err(|e| {
                tracing::error!(error = %e, dir = %state.config.work_dir.display(), "cannot create an upload file");
                ApiError::internal()
            })?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(e, limit))? {
            size += chunk.len() as u64;
            if size > limit {
                return Err(too_large(limit));
            }
            hasher.update(&chunk);
            // Small synchronous writes to a local file; the chunks are at most a few KB.
            tmp.write_all(&chunk).map_err(|e| {
                tracing::error!(error = %e, "writing an upload failed");
                ApiError::internal()
            })?;
        }
        found = Some((tmp, file_name, content_type, size, hex(&hasher.finalize())));
        break;
    }
    let Some((tmp, file_name, content_type, size, sha256)) = found else {
        return Err(ApiError::bad_request("mediaFile part is missing"));
    };
    if size == 0 {
        return Err(ApiError::bad_request("mediaFile is empty"));
    }
    let received = Received {
        path: tmp.path().to_owned(),
        file_name,
        content_type,
        size,
        sha256,
    };
    let (job, size) = store_media(&state.store, &state.blobs, call_id, received)
        .await
        .map_err(|e| match e {
            AppError::NotMedia(m) => ApiError::bad_request(format!("mediaFile: {m}")),
            other => other.into(),
        })?;
    drop(tmp);
    tracing::info!(call_id = %call_id, bytes = size, job_id = job.id, "media stored, transcription queued");
    Ok(json_response(
        StatusCode::CREATED,
        &MediaUploaded {
            request_id: request_id(),
            call_id: call_id.to_string(),
            url: state.render.call_url(call_id),
        },
    ))
}

fn multipart_error(e: axum::extract::multipart::MultipartError, limit: u64) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        ApiError::bad_request(format!("malformed multipart body: {}", e.body_text()))
    }
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(upload))]
pub struct Doc;

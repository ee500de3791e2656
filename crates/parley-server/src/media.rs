//! `PUT /v2/calls/{id}/media`: a recording for a call, as Gong's upload API takes it.
//!
//! The `mediaFile` part is streamed to a temporary file (never held in memory), hashed,
//! probed (a file that is not a recording is refused with a 400 before anything is
//! stored), copied to the media store, and recorded on the call with its transcription
//! job in one transaction. A replaced recording is deleted by a job queued in that
//! transaction.

use std::io::Write;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use sha2::{Digest, Sha256};

use gong_api_v2::messages;
use parley_domain::{CallId, CallMedia, JobKind};
use parley_store::NewJob;

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::AppState;

/// Attempts a transcription gets before it is marked failed.
pub const TRANSCRIBE_ATTEMPTS: u32 = 3;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Uploaded {
    request_id: String,
    call_id: String,
    url: String,
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("mediaFile is larger than the {limit} byte limit"),
    )
}

/// The file extension to keep, from the client's file name, when it is a plain one.
fn extension(file_name: Option<&str>) -> Option<String> {
    let ext = std::path::Path::new(file_name?)
        .extension()?
        .to_str()?
        .to_ascii_lowercase();
    (ext.len() <= 5 && ext.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(ext)
}

pub async fn upload(
    State(state): State<AppState>,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let not_found = || ApiError::not_found(messages::call_not_found(&id));
    let call_id = parley_domain::parse_id(&id)
        .map(CallId)
        .map_err(|_| not_found())?;
    state.store.get_call(call_id).await?.ok_or_else(not_found)?;
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
        let mut tmp = crate::workdir::temp_file(&state.config.work_dir, "upload")
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
            StoreMediaError::NotMedia(m) => ApiError::bad_request(format!("mediaFile: {m}")),
            StoreMediaError::Api(e) => e,
        })?;
    drop(tmp);
    tracing::info!(call_id = %call_id, bytes = size, job_id = job.id, "media stored, transcription queued");
    Ok(json_response(
        StatusCode::CREATED,
        &Uploaded {
            request_id: request_id(),
            call_id: call_id.to_string(),
            url: state.render.call_url(call_id),
        },
    ))
}

/// A recording received in full into a local file.
pub struct Received {
    pub path: std::path::PathBuf,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
}

/// Why [`store_media`] refused a recording.
#[derive(Debug)]
pub enum StoreMediaError {
    /// The file is not media Parley can read (the message says why).
    NotMedia(String),
    Api(ApiError),
}

impl From<parley_store::StoreError> for StoreMediaError {
    fn from(e: parley_store::StoreError) -> Self {
        StoreMediaError::Api(e.into())
    }
}

/// Checks a received recording, stores it as the call's media and queues its
/// transcription: what an upload, a pulled `downloadMediaUrl` and `parley import` share.
/// Returns the transcription job and the size.
pub async fn store_media(
    store: &std::sync::Arc<dyn parley_store::Store>,
    blobs: &parley_blob::BlobStore,
    call_id: CallId,
    r: Received,
) -> Result<(parley_domain::Job, u64), StoreMediaError> {
    let Received {
        path,
        file_name,
        content_type,
        size,
        sha256,
    } = r;
    let ext = extension(file_name.as_deref());
    let probe_path = path.clone();
    let hint = ext.clone();
    let info = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&probe_path)?;
        parley_media::probe(file, hint.as_deref())
    })
    .await
    .map_err(|_| StoreMediaError::Api(ApiError::internal()))?
    .map_err(|e| StoreMediaError::NotMedia(e.to_string()))?;

    let now = chrono::Utc::now();
    // One key per stored recording, never reused: a replaced recording's key can then be
    // deleted once nothing refers to it without any chance of deleting a newer upload of
    // the same bytes.
    let key = format!(
        "calls/{call_id}/{}-{}.{}",
        &sha256[..16.min(sha256.len())],
        now.timestamp_micros(),
        ext.as_deref().unwrap_or("bin")
    );
    blobs.put_file(&key, &path).await.map_err(|e| {
        tracing::error!(error = %e, call_id = %call_id, "storing media failed");
        StoreMediaError::Api(ApiError::internal())
    })?;
    let media = CallMedia {
        call_id,
        key: key.clone(),
        size_bytes: size,
        sha256,
        file_name,
        content_type,
        container: info.container,
        codec: info.codec,
        channels: info.channels.map(|c| c as u32),
        sample_rate: info.sample_rate,
        duration_ms: info.duration_ms,
        has_video: info.has_video,
        uploaded: now,
    };
    let transcribe = NewJob {
        kind: JobKind::Transcribe,
        call_id: Some(call_id),
        payload: serde_json::json!({}),
        max_attempts: TRANSCRIBE_ATTEMPTS,
        dedupe: true,
    };
    let stored = match store.store_call_media(&media, &transcribe, now).await {
        Ok(stored) => stored,
        Err(e) => {
            // Nothing refers to the new object: the transaction did not happen.
            if let Err(d) = blobs.delete(&key).await {
                tracing::warn!(error = %d, key = %key, "removing an unrecorded recording failed");
            }
            return Err(e.into());
        }
    };
    if let Some(old) = &stored.replaced {
        tracing::info!(call_id = %call_id, old_key = %old, new_key = %key, "recording replaced; the old one will be deleted");
    }
    Ok((stored.job, size))
}

/// Hex SHA-256 of a file, streamed.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex(&h.finalize()))
}

fn multipart_error(e: axum::extract::multipart::MultipartError, limit: u64) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        ApiError::bad_request(format!("malformed multipart body: {}", e.body_text()))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

//! `/parley/v1/calls/{id}/transcript` (import one made elsewhere, read one with word
//! timings) and `/parley/v1/calls/{id}/transcribe`.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::Extension;
use axum::Router;
use serde::{Deserialize, Serialize};

use parley_app::transcripts::{self, TranscriptFormat};
use parley_domain::Principal;

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::routes::extract::existing_call;
use crate::routes::parley::jobs::{JobView, Jobs};
use crate::AppState;

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/parley/v1/calls/{id}/transcribe", post(retranscribe))
        .route(
            "/parley/v1/calls/{id}/transcript",
            put(import_transcript)
                .post(import_transcript)
                .get(transcript_detail)
                .layer(DefaultBodyLimit::max(state.config.max_transcript_bytes)),
        )
}

#[derive(Debug, Default, Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Imported {
    request_id: String,
    #[serde(flatten)]
    report: transcripts::ImportReport,
}

/// Imports a transcript file. The format comes from `?format=`, else from a specific
/// `Content-Type` (`text/vtt`, `application/x-subrip`, `application/json`), else from
/// the content itself.
async fn import_transcript(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    q: Result<Query<FormatQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let format = match q.format.as_deref() {
        Some(name) => Some(TranscriptFormat::from_name(name).ok_or_else(|| {
            ApiError::bad_request(format!("format {name:?} is not one of vtt, srt, json"))
        })?),
        None => headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|ct| {
                TranscriptFormat::from_name(ct.split(';').next().unwrap_or_default().trim())
            }),
    };
    let body = body.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "transcript is larger than {} bytes",
                state.config.max_transcript_bytes
            ),
        )
    })?;
    let call_id = existing_call(&state, &principal, &id).await?;
    let report = transcripts::import_transcript_within(
        state.store.as_ref(),
        call_id,
        format,
        &body,
        &state.config.limits(),
    )
    .await?;
    Ok(json_response(
        StatusCode::OK,
        &Imported {
            request_id: request_id(),
            report,
        },
    )
    .into_response())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WordView {
    start: i64,
    end: i64,
    text: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SentenceView {
    start: i64,
    end: i64,
    text: String,
    words: Vec<WordView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct MonologueView {
    speaker_id: String,
    topic: Option<String>,
    sentences: Vec<SentenceView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TranscriptView {
    request_id: String,
    call_id: String,
    /// `asr:<model>` or `import:<format>`.
    source: String,
    transcript: Vec<MonologueView>,
}

/// The transcript with word timings (Gong's `/v2/calls/transcript` has sentences only).
async fn transcript_detail(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call_id = existing_call(&state, &principal, &id).await?;
    let Some((source, t)) = state.store.transcript_detail(call_id).await? else {
        return Err(ApiError::not_found(format!("call {id} has no transcript")));
    };
    let transcript = t
        .into_iter()
        .map(|m| MonologueView {
            speaker_id: m.speaker_id.to_string(),
            topic: m.topic,
            sentences: m
                .sentences
                .into_iter()
                .map(|s| SentenceView {
                    start: s.start_ms,
                    end: s.end_ms,
                    text: s.text,
                    words: s
                        .words
                        .into_iter()
                        .map(|w| WordView {
                            start: w.start_ms,
                            end: w.end_ms,
                            text: w.text,
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &TranscriptView {
            request_id: request_id(),
            call_id: id,
            source,
            transcript,
        },
    ))
}

/// Queues a new transcription of the call's recording (e.g. after changing the model);
/// the new transcript replaces the old one atomically when it is done.
async fn retranscribe(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call_id = existing_call(&state, &principal, &id).await?;
    if state.store.call_media(call_id).await?.is_none() {
        return Err(ApiError::bad_request(format!(
            "call {id} has no recording: upload one with PUT /v2/calls/{id}/media"
        )));
    }
    let job = parley_app::enqueue(
        state.store.as_ref(),
        parley_app::JobSpec::Transcribe { call: call_id },
    )
    .await?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &Jobs {
            request_id: request_id(),
            jobs: vec![JobView::of(&job)],
        },
    ))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Doc;

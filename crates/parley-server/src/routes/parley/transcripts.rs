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
                .post(upload_transcript)
                .get(transcript_detail)
                .layer(DefaultBodyLimit::max(state.config.max_transcript_bytes)),
        )
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct FormatQuery {
    /// `vtt`, `srt` or `json` (Gong's transcript JSON); else the `Content-Type` says, else
    /// the content.
    #[param(
        pattern = "^(vtt|webvtt|text/vtt|srt|subrip|application/x-subrip|text/srt|json|gong|gong-json|application/json)$"
    )]
    format: Option<String>,
}

/// Gong's transcript JSON, as `POST /v2/calls/transcript` answers it (or one call's
/// `transcript` list of it).
struct TranscriptFile;

impl utoipa::PartialSchema for TranscriptFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Object))
            .item(ObjectBuilder::new().schema_type(Type::Array))
            .into()
    }
}

impl utoipa::ToSchema for TranscriptFile {}

/// One voice of an imported transcript and the party it was given to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ImportedSpeakerView {
    speaker_id: String,
    party_id: String,
    name: Option<String>,
    /// False when the voice matched no existing party and a party was added for it.
    matched_existing_party: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TranscriptImported)]
struct Imported {
    request_id: String,
    call_id: String,
    /// The format read: `vtt`, `srt` or `gong-json`.
    #[schema(value_type = String)]
    format: &'static str,
    monologues: usize,
    sentences: usize,
    speakers: Vec<ImportedSpeakerView>,
}

impl Imported {
    fn of(report: transcripts::ImportReport) -> Imported {
        Imported {
            request_id: request_id(),
            call_id: report.call_id,
            format: report.format,
            monologues: report.monologues,
            sentences: report.sentences,
            speakers: report
                .speakers
                .into_iter()
                .map(|s| ImportedSpeakerView {
                    speaker_id: s.speaker_id,
                    party_id: s.party_id,
                    name: s.name,
                    matched_existing_party: s.matched_existing_party,
                })
                .collect(),
        }
    }
}

/// Add a transcript made elsewhere to a call (same as replacing it).
///
/// Imports a WebVTT, SubRip or Gong JSON transcript as the call's transcript, replacing
/// any earlier one and tying each voice to a party; as `PUT` of the same path.
#[utoipa::path(
    post,
    path = "/parley/v1/calls/{id}/transcript",
    operation_id = "upload-call-transcript",
    tag = "Transcripts",
    params(("id" = String, Path, description = "The call's id."), FormatQuery),
    request_body(
        description = "The transcript file: WebVTT, SubRip or Gong's transcript JSON.",
        content(
            (String = "text/vtt"),
            (String = "application/x-subrip"),
            (TranscriptFile = "application/json"),
            (String = "text/plain"),
        ),
    ),
    responses(
        (status = 200, description = "The transcript was stored.", body = Imported),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
        (status = 413, description = "The file is larger than `max_transcript_bytes`.", body = gong_api_v2::ErrorBody),
    )
)]
async fn upload_transcript(
    state: State<AppState>,
    principal: Extension<Principal>,
    id: Path<String>,
    q: Result<Query<FormatQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    import_transcript(state, principal, id, q, headers, body).await
}

/// Replace a call's transcript with one made elsewhere.
///
/// Imports a transcript file (WebVTT, SubRip or Gong's JSON) as the call's transcript,
/// replacing any earlier one, and ties each voice to a party of the call. The format
/// comes from `?format=`, else from a specific `Content-Type` (`text/vtt`,
/// `application/x-subrip`, `application/json`), else from the content itself.
#[utoipa::path(
    put,
    path = "/parley/v1/calls/{id}/transcript",
    operation_id = "replace-call-transcript",
    tag = "Transcripts",
    params(("id" = String, Path, description = "The call's id."), FormatQuery),
    request_body(
        description = "The transcript file: WebVTT, SubRip or Gong's transcript JSON.",
        content(
            (String = "text/vtt"),
            (String = "application/x-subrip"),
            (TranscriptFile = "application/json"),
            (String = "text/plain"),
        ),
    ),
    responses(
        (status = 200, description = "The transcript was stored.", body = Imported),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
        (status = 413, description = "The file is larger than `max_transcript_bytes`.", body = gong_api_v2::ErrorBody),
    )
)]
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
    Ok(json_response(StatusCode::OK, &Imported::of(report)).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct WordView {
    start: i64,
    end: i64,
    text: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TimedSentence)]
struct SentenceView {
    start: i64,
    end: i64,
    text: String,
    words: Vec<WordView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TimedMonologue)]
pub(crate) struct MonologueView {
    speaker_id: String,
    topic: Option<String>,
    sentences: Vec<SentenceView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TimedTranscript)]
struct TranscriptView {
    request_id: String,
    call_id: String,
    /// `asr:<model>` or `import:<format>`.
    source: String,
    transcript: Vec<MonologueView>,
}

/// A transcript as `TimedMonologue`s (the call page's, and a shared call's).
pub(crate) fn monologue_views(t: parley_domain::Transcript) -> Vec<MonologueView> {
    t.into_iter()
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
        .collect()
}

/// Read a call's transcript with word timings.
///
/// Monologues by speaker, with topic, sentences and each word's start and end in
/// milliseconds, and where the transcript came from (`asr:<model>` or
/// `import:<format>`). Gong's `/v2/calls/transcript` has sentences only.
#[utoipa::path(
    get,
    path = "/parley/v1/calls/{id}/transcript",
    operation_id = "get-call-transcript",
    tag = "Transcripts",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 200, description = "The transcript.", body = TranscriptView),
        (status = 404, description = "No such call, the caller may not see it, or it has no transcript.", body = gong_api_v2::ErrorBody),
    )
)]
async fn transcript_detail(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call_id = existing_call(&state, &principal, &id).await?;
    let Some((source, t)) = state.store.transcript_detail(call_id).await? else {
        return Err(ApiError::not_found(format!("call {id} has no transcript")));
    };
    let transcript = monologue_views(t);
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

/// Re-run transcription of a call's recording.
///
/// Queues a new transcription (e.g. after changing the model); the new transcript
/// replaces the old one atomically when it is done. Answers the job. A call without a
/// recording is a 400.
#[utoipa::path(
    post,
    path = "/parley/v1/calls/{id}/transcribe",
    operation_id = "transcribe-call",
    tag = "Transcripts",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 202, description = "The transcription job was queued.", body = Jobs),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
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
#[openapi(paths(retranscribe, transcript_detail, import_transcript, upload_transcript))]
pub struct Doc;

//! Parley's own routes under `/parley/v1`: what Gong does in its web app but not in its
//! public API (creating users and workspaces, importing transcripts).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post, put};
use axum::Router;
use serde::{Deserialize, Serialize};

use parley_domain::{CallId, SpokenLanguage, UserId, UserSettings, Workspace, WorkspaceId};

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::gong::parse_json;
use crate::AppState;
use parley_app::transcripts::{self, TranscriptFormat};
use parley_app::users;

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/parley/v1/workspaces", post(create_workspace))
        .route("/parley/v1/users", post(create_user))
        .route("/parley/v1/users/{id}", patch(update_user))
        .route("/parley/v1/jobs", axum::routing::get(list_jobs))
        .route("/parley/v1/calls/{id}/jobs", axum::routing::get(call_jobs))
        .route(
            "/parley/v1/calls/{id}/speakers",
            axum::routing::get(call_speakers),
        )
        .route(
            "/parley/v1/calls/{id}/speakers/{speaker}",
            put(assign_speaker),
        )
        .route("/parley/v1/calls/{id}/transcribe", post(retranscribe))
        .route(
            "/parley/v1/calls/{id}/transcript",
            put(import_transcript)
                .post(import_transcript)
                .get(transcript_detail)
                .layer(DefaultBodyLimit::max(state.config.max_transcript_bytes)),
        )
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewWorkspaceBody {
    name: String,
    description: Option<String>,
    #[serde(default)]
    default: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WorkspaceCreated {
    request_id: String,
    workspace_id: String,
}

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

/// Recording and import switches, all optional in requests.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SettingsBody {
    web_conferences_recorded: Option<bool>,
    prevent_web_conference_recording: Option<bool>,
    telephony_calls_imported: Option<bool>,
    emails_imported: Option<bool>,
    prevent_email_import: Option<bool>,
    non_recorded_meetings_imported: Option<bool>,
    gong_connect_enabled: Option<bool>,
}

impl SettingsBody {
    fn apply(&self, s: &mut UserSettings) {
        let set = |field: &mut bool, v: Option<bool>| {
            if let Some(v) = v {
                *field = v;
            }
        };
        set(
            &mut s.web_conferences_recorded,
            self.web_conferences_recorded,
        );
        set(
            &mut s.prevent_web_conference_recording,
            self.prevent_web_conference_recording,
        );
        set(
            &mut s.telephony_calls_imported,
            self.telephony_calls_imported,
        );
        set(&mut s.emails_imported, self.emails_imported);
        set(&mut s.prevent_email_import, self.prevent_email_import);
        set(
            &mut s.non_recorded_meetings_imported,
            self.non_recorded_meetings_imported,
        );
        set(&mut s.gong_connect_enabled, self.gong_connect_enabled);
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewUserBody {
    email: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    title: Option<String>,
    phone: Option<String>,
    manager_id: Option<gong_api_v2::WireId>,
    active: Option<bool>,
    #[serde(default)]
    settings: SettingsBody,
    /// BCP-47 tags; the first is primary.
    #[serde(default)]
    languages: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UserCreated {
    request_id: String,
    user_id: String,
}

fn user_id_of(id: &gong_api_v2::WireId, field: &str) -> ApiResult<UserId> {
    id.numeric()
        .map(UserId)
        .ok_or_else(|| ApiError::bad_request(format!("{field} {:?} is not a user id", id.0)))
}

async fn create_user(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body: NewUserBody = parse_json(body, false)?;
    let mut settings = UserSettings::default();
    body.settings.apply(&mut settings);
    let user = users::create_user(
        state.store.as_ref(),
        users::NewUser {
            email: body.email,
            first_name: body.first_name,
            last_name: body.last_name,
            title: body.title,
            phone: body.phone,
            manager_id: body
                .manager_id
                .as_ref()
                .map(|m| user_id_of(m, "managerId"))
                .transpose()?,
            active: body.active.unwrap_or(true),
            settings,
            spoken_languages: body
                .languages
                .iter()
                .enumerate()
                .map(|(i, l)| SpokenLanguage {
                    language: l.clone(),
                    primary: i == 0,
                })
                .collect(),
            created: None,
        },
    )
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &UserCreated {
            request_id: request_id(),
            user_id: user.id.to_string(),
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserPatchBody {
    active: Option<bool>,
    title: Option<String>,
    #[serde(default)]
    settings: SettingsBody,
}

async fn update_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body: UserPatchBody = parse_json(body, false)?;
    let not_found = || ApiError::not_found(gong_api_v2::messages::user_not_found(&id));
    let user_id = parley_domain::parse_id(&id).map_err(|_| not_found())?;
    let mut user = state
        .store
        .get_user(UserId(user_id))
        .await?
        .ok_or_else(not_found)?;
    if let Some(active) = body.active {
        user.active = active;
    }
    if let Some(title) = body.title {
        user.title = Some(title);
    }
    body.settings.apply(&mut user.settings);
    state.store.update_user(&user, chrono::Utc::now()).await?;
    Ok(json_response(
        StatusCode::OK,
        &UserCreated {
            request_id: request_id(),
            user_id: user.id.to_string(),
        },
    ))
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
    let call_id = parley_domain::parse_id(&id)
        .map(CallId)
        .map_err(|_| ApiError::not_found(gong_api_v2::messages::call_not_found(&id)))?;
    let report =
        transcripts::import_transcript(state.store.as_ref(), call_id, format, &body).await?;
    Ok(json_response(
        StatusCode::OK,
        &Imported {
            request_id: request_id(),
            report,
        },
    )
    .into_response())
}

/// A background job as Parley's API shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JobView {
    id: String,
    kind: &'static str,
    call_id: Option<String>,
    state: &'static str,
    attempts: u32,
    max_attempts: u32,
    /// Runs that ended with the speech engine's process dying.
    crashes: u32,
    progress: Option<f64>,
    error: Option<String>,
    created: String,
    updated: String,
    run_after: String,
    finished: Option<String>,
}

impl JobView {
    pub(crate) fn of(j: &parley_domain::Job) -> JobView {
        let t =
            |t: parley_domain::Timestamp| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        JobView {
            id: j.id.to_string(),
            kind: j.kind.key(),
            call_id: j.call_id.map(|c| c.to_string()),
            state: j.state.key(),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            crashes: j.crashes,
            progress: j.progress,
            error: j.error.clone(),
            created: t(j.created),
            updated: t(j.updated),
            run_after: t(j.run_after),
            finished: j.finished.map(t),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Jobs {
    pub request_id: String,
    pub jobs: Vec<JobView>,
}

#[derive(Debug, Default, Deserialize)]
struct JobsQuery {
    state: Option<String>,
}

async fn list_jobs(
    State(state): State<AppState>,
    q: Result<Query<JobsQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let filter = match q.state.as_deref() {
        None => None,
        Some(name) => Some(parley_domain::JobState::from_key(name).ok_or_else(|| {
            ApiError::bad_request(format!(
                "state {name:?} is not one of queued, running, done, failed"
            ))
        })?),
    };
    let jobs = state.store.list_jobs(filter, 200).await?;
    Ok(json_response(
        StatusCode::OK,
        &Jobs {
            request_id: request_id(),
            jobs: jobs.iter().map(JobView::of).collect(),
        },
    ))
}

async fn call_jobs(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let call_id = existing_call(&state, &id).await?;
    let jobs = state.store.jobs_for_call(call_id).await?;
    Ok(json_response(
        StatusCode::OK,
        &Jobs {
            request_id: request_id(),
            jobs: jobs.iter().map(JobView::of).collect(),
        },
    ))
}

fn call_id_of(id: &str) -> ApiResult<CallId> {
    parley_domain::parse_id(id)
        .map(CallId)
        .map_err(|_| ApiError::not_found(gong_api_v2::messages::call_not_found(id)))
}

/// The call's id, or Gong's 404 when there is no such call.
pub(crate) async fn existing_call(state: &AppState, id: &str) -> ApiResult<CallId> {
    let call_id = call_id_of(id)?;
    state
        .store
        .get_call(call_id)
        .await?
        .ok_or_else(|| ApiError::not_found(gong_api_v2::messages::call_not_found(id)))?;
    Ok(call_id)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SpeakerView {
    speaker_id: String,
    channel: Option<u32>,
    speech_ms: i64,
    party_id: Option<String>,
    party_name: Option<String>,
    user_id: Option<String>,
    /// How the voice was tied to its party: channel, profile, elimination, manual, unmatched.
    assigned_by: &'static str,
    has_voiceprint: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Speakers {
    request_id: String,
    speakers: Vec<SpeakerView>,
}

async fn call_speakers(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call_id = existing_call(&state, &id).await?;
    let parties = state
        .store
        .parties_of(&[call_id])
        .await?
        .remove(&call_id)
        .unwrap_or_default();
    let speakers = state
        .store
        .call_speakers(call_id)
        .await?
        .into_iter()
        .map(|s| {
            let party = s.party_id.and_then(|p| parties.iter().find(|x| x.id == p));
            SpeakerView {
                speaker_id: s.speaker_id.to_string(),
                channel: s.channel,
                speech_ms: s.speech_ms,
                party_id: s.party_id.map(|p| p.to_string()),
                party_name: party.and_then(|p| p.name.clone()),
                user_id: party.and_then(|p| p.user_id).map(|u| u.to_string()),
                assigned_by: s.source.key(),
                has_voiceprint: s.voice.is_some(),
            }
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &Speakers {
            request_id: request_id(),
            speakers,
        },
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssignBody {
    party_id: String,
}

async fn assign_speaker(
    State(state): State<AppState>,
    Path((id, speaker)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let call_id = call_id_of(&id)?;
    let speaker = parley_domain::parse_id(&speaker)
        .map(parley_domain::SpeakerId)
        .map_err(|_| {
            ApiError::not_found(format!("speaker {speaker} does not speak in call {id}"))
        })?;
    let body: AssignBody = parse_json(body, false)?;
    let party = parley_domain::parse_id(&body.party_id)
        .map(parley_domain::PartyId)
        .map_err(|_| ApiError::bad_request("partyId must be a numeric id"))?;
    parley_app::speakers::assign_speaker(state.store.as_ref(), call_id, speaker, party).await?;
    call_speakers(State(state), Path(id)).await
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
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call_id = call_id_of(&id)?;
    let Some((source, t)) = state.store.transcript_detail(call_id).await? else {
        state
            .store
            .get_call(call_id)
            .await?
            .ok_or_else(|| ApiError::not_found(gong_api_v2::messages::call_not_found(&id)))?;
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
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call_id = existing_call(&state, &id).await?;
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

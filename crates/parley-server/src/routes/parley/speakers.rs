//! `/parley/v1/calls/{id}/speakers`: a call's voices and correcting one.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, put};
use axum::Extension;
use axum::Router;
use serde::{Deserialize, Serialize};

use parley_app::speakers::VoiceOwner;
use parley_domain::Principal;

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::routes::extract::{existing_call, parse_json};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/parley/v1/calls/{id}/speakers", get(call_speakers))
        .route(
            "/parley/v1/calls/{id}/speakers/{speaker}",
            put(assign_speaker),
        )
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SpeakerView {
    speaker_id: String,
    channel: Option<u32>,
    speech_ms: i64,
    party_id: Option<String>,
    party_name: Option<String>,
    user_id: Option<String>,
    /// How the voice was tied to its party: channel, profile, elimination, manual, unmatched.
    #[schema(value_type = String)]
    assigned_by: &'static str,
    has_voiceprint: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CallSpeakers)]
struct Speakers {
    request_id: String,
    speakers: Vec<SpeakerView>,
}

/// List the voices heard on a call and who each one is.
///
/// Each speaker of the transcript: how long they spoke, the party (participant and user)
/// they were tied to and how, and whether Parley holds their voiceprint.
#[utoipa::path(
    get,
    path = "/parley/v1/calls/{id}/speakers",
    operation_id = "list-call-speakers",
    tag = "Speakers",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 200, description = "The call's speakers.", body = Speakers),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn call_speakers(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call_id = existing_call(&state, &principal, &id).await?;
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SpeakerAssignment)]
struct AssignBody {
    /// The call party (participant) the voice belongs to. Give this or `userId`.
    #[schema(pattern = "^[0-9]{1,19}$")]
    party_id: Option<String>,
    /// A company user the voice belongs to: their party on the call, or, when they are
    /// not on it, a new company-side party of the call for them. Give this or `partyId`.
    #[schema(pattern = "^[0-9]{1,19}$")]
    user_id: Option<String>,
}

/// Correct who a speaker is on a call.
///
/// Ties the voice to another party of the call, or to a company user (added to the call
/// when not on it); the transcript and stats follow. Answers the call's speakers as they
/// are now.
#[utoipa::path(
    put,
    path = "/parley/v1/calls/{id}/speakers/{speaker}",
    operation_id = "update-call-speaker",
    tag = "Speakers",
    params(("id" = String, Path, description = "The call's id."), ("speaker" = String, Path, description = "The speaker's id.")),
    request_body = AssignBody,
    responses(
        (status = 200, description = "The call's speakers after the change.", body = Speakers),
        (status = 404, description = "No such call, speaker or party.", body = gong_api_v2::ErrorBody),
    )
)]
async fn assign_speaker(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, speaker)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let call_id = existing_call(&state, &principal, &id).await?;
    let speaker = parley_domain::parse_id(&speaker)
        .map(parley_domain::SpeakerId)
        .map_err(|_| {
            ApiError::not_found(format!("speaker {speaker} does not speak in call {id}"))
        })?;
    let body: AssignBody = parse_json(body, false)?;
    let owner = match (body.party_id, body.user_id) {
        (Some(party), None) => parley_domain::parse_id(&party)
            .map(|p| VoiceOwner::Party(parley_domain::PartyId(p)))
            .map_err(|_| ApiError::bad_request("partyId must be a numeric id"))?,
        (None, Some(user)) => parley_domain::parse_id(&user)
            .map(|u| VoiceOwner::User(parley_domain::UserId(u)))
            .map_err(|_| ApiError::bad_request("userId must be a numeric id"))?,
        _ => return Err(ApiError::bad_request("give one of partyId and userId")),
    };
    parley_app::speakers::assign(state.store.as_ref(), call_id, speaker, owner).await?;
    call_speakers(State(state), Extension(principal), Path(id)).await
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(call_speakers, assign_speaker))]
pub struct Doc;

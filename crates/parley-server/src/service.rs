//! Operations shared by the HTTP handlers, the CLI and the demo seeder, so that every
//! entry point applies the same rules.

use axum::http::StatusCode;
use chrono::Utc;

use parley_domain::subtitle::{self, SubtitleFormat};
use parley_domain::*;
use parley_store::{Store, StoreError, TranscriptWrite};

use crate::error::{ApiError, ApiResult};

/// Makes sure a default workspace exists; returns it.
pub async fn ensure_default_workspace(store: &dyn Store) -> parley_store::Result<Workspace> {
    if let Some(w) = store.default_workspace().await? {
        return Ok(w);
    }
    let w = Workspace {
        id: WorkspaceId::generate(),
        name: "Default workspace".to_owned(),
        description: Some("Created when Parley first started".to_owned()),
        created: Utc::now(),
    };
    store.create_workspace(&w, true).await?;
    Ok(w)
}

/// A workspace by id (as text, the way clients send it), or the default one when none is
/// given: 404 "Workspace not found" for an unknown or malformed id, as Gong answers.
pub async fn workspace_or_default(store: &dyn Store, id: Option<&str>) -> ApiResult<Workspace> {
    let found = match id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => match parse_id(id) {
            Ok(n) => store.get_workspace(WorkspaceId(n)).await?,
            Err(_) => None,
        },
        None => store.default_workspace().await?,
    };
    found.ok_or_else(|| ApiError::not_found("Workspace not found"))
}

/// The result of creating a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    pub call_id: CallId,
    /// False when the clientUniqueId was already known and the existing call is returned.
    pub new: bool,
}

/// Registers a call: validates it, resolves users and the workspace, classifies parties.
///
/// Choice: a repeated `clientUniqueId` returns the existing call's id with 200, so a
/// client that retries after a timeout does not get a spurious failure, and the call is
/// never created twice.
pub async fn create_call(store: &dyn Store, new: NewCall) -> ApiResult<Created> {
    let problems = new.validate();
    if !problems.is_empty() {
        return Err(ApiError::bad_request_all(problems));
    }
    if let Some(id) = store
        .call_by_client_unique_id(&new.client_unique_id)
        .await?
    {
        return Ok(Created {
            call_id: id,
            new: false,
        });
    }
    let mut problems = Vec::new();
    if store.get_user(new.primary_user).await?.is_none() {
        problems.push(format!(
            "primaryUser {} is not a known user",
            new.primary_user
        ));
    }
    let workspace_id = match new.workspace_id {
        Some(id) => {
            if store.get_workspace(id).await?.is_none() {
                problems.push(format!("workspaceId {id} is not a known workspace"));
            }
            id
        }
        None => ensure_default_workspace(store).await?.id,
    };
    let call_id = CallId::generate();
    let mut parties = Vec::with_capacity(new.parties.len());
    for (i, p) in new.parties.iter().enumerate() {
        let user = match p.user_id {
            Some(id) => {
                let user = store.get_user(id).await?;
                if user.is_none() {
                    problems.push(format!("parties[{i}].userId {id} is not a known user"));
                }
                user
            }
            None => match &p.email {
                Some(email) => store.find_user_by_email(email).await?,
                None => None,
            },
        };
        let affiliation = if user.is_some() {
            Affiliation::Internal
        } else if p.email.is_some() || p.phone.is_some() {
            Affiliation::External
        } else {
            Affiliation::Unknown
        };
        if user.is_some() && !p.context.is_empty() {
            problems.push(format!(
                "parties[{i}].context is only valid for non-company parties"
            ));
        }
        parties.push(Party {
            id: PartyId::generate(),
            call_id,
            name: p
                .name
                .clone()
                .or_else(|| user.as_ref().map(User::full_name)),
            email: p
                .email
                .clone()
                .or_else(|| user.as_ref().map(|u| u.email.clone())),
            title: p
                .title
                .clone()
                .or_else(|| user.as_ref().and_then(|u| u.title.clone())),
            user_id: user.as_ref().map(|u| u.id),
            speaker_id: None,
            affiliation,
            phone: p
                .phone
                .clone()
                .or_else(|| user.as_ref().and_then(|u| u.phone.clone())),
            methods: vec![PartyMethod::Attendee],
            media_channel: p.media_channel,
            context: p.context.clone(),
        });
    }
    if !problems.is_empty() {
        return Err(ApiError::bad_request_all(problems));
    }
    let now = Utc::now();
    let call = Call {
        id: call_id,
        workspace_id,
        title: new.title.clone().unwrap_or_default(),
        scheduled: new.scheduled_start,
        started: new.actual_start,
        duration_s: new.duration_s.map_or(0, |d| d.round() as i64),
        primary_user_id: new.primary_user,
        direction: new.direction,
        system: Some(
            new.call_provider_code
                .as_deref()
                .map_or_else(|| "Upload".to_owned(), system_for_provider),
        ),
        scope: scope_of(parties.iter().map(|p| p.affiliation)),
        media: MediaKind::Audio,
        language: None,
        sdr_disposition: new.disposition.clone(),
        client_unique_id: Some(new.client_unique_id.clone()),
        custom_data: new.custom_data.clone(),
        purpose: new.purpose.clone(),
        meeting_url: new.meeting_url.clone(),
        is_private: false,
        calendar_event_id: None,
        media_source_url: new.download_media_url.clone(),
        language_hint: new.language_code.clone(),
        created: now,
    };
    match store.insert_call(&call, &parties, &new.context).await {
        Ok(()) => {
            tracing::info!(call_id = %call_id, workspace_id = %workspace_id, parties = parties.len(), "call created");
            if call.media_source_url.is_some() {
                // The recording is pulled by a worker: the client's request does not wait
                // on someone else's server.
                store
                    .enqueue_job(
                        &parley_store::NewJob {
                            kind: JobKind::FetchMedia,
                            call_id: Some(call_id),
                            payload: serde_json::json!({}),
                            max_attempts: 5,
                            dedupe: true,
                        },
                        now,
                    )
                    .await?;
            }
            Ok(Created { call_id, new: true })
        }
        // Two concurrent requests with one clientUniqueId: the loser returns the winner.
        Err(StoreError::Conflict(_)) => match store
            .call_by_client_unique_id(&new.client_unique_id)
            .await?
        {
            Some(id) => Ok(Created {
                call_id: id,
                new: false,
            }),
            None => Err(ApiError::internal()),
        },
        Err(e) => Err(e.into()),
    }
}

/// Transcript file formats Parley imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranscriptFormat {
    WebVtt,
    Srt,
    GongJson,
}

impl TranscriptFormat {
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "vtt" | "webvtt" | "text/vtt" => Some(Self::WebVtt),
            "srt" | "subrip" | "application/x-subrip" | "text/srt" => Some(Self::Srt),
            "json" | "gong" | "gong-json" | "application/json" => Some(Self::GongJson),
            _ => None,
        }
    }

    /// Guesses from the content: JSON starts with `{` or `[`.
    pub fn sniff(text: &str) -> Option<Self> {
        let t = text.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('{') || t.starts_with('[') {
            return Some(Self::GongJson);
        }
        subtitle::detect_format(text).map(|f| match f {
            SubtitleFormat::WebVtt => Self::WebVtt,
            SubtitleFormat::Srt => Self::Srt,
        })
    }

    pub fn source(self) -> &'static str {
        match self {
            Self::WebVtt => "import:webvtt",
            Self::Srt => "import:srt",
            Self::GongJson => "import:gong-json",
        }
    }
}

/// One voice of an imported transcript and the party it was given to.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportedSpeaker {
    pub speaker_id: String,
    pub party_id: String,
    pub name: Option<String>,
    /// False when the voice matched no existing party and a party was added for it.
    pub matched_existing_party: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub call_id: String,
    pub format: &'static str,
    pub monologues: usize,
    pub sentences: usize,
    pub speakers: Vec<ImportedSpeaker>,
}

/// Parses a transcript file and stores it as the call's transcript, replacing any
/// earlier one, tying each voice to a party.
pub async fn import_transcript(
    store: &dyn Store,
    call_id: CallId,
    format: Option<TranscriptFormat>,
    bytes: &[u8],
) -> ApiResult<ImportReport> {
    let Some(call) = store.get_call(call_id).await? else {
        return Err(ApiError::not_found(gong_api_v2::messages::call_not_found(
            &call_id.to_string(),
        )));
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "transcript is not UTF-8 text (byte {})",
            e.valid_up_to()
        ))
    })?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("transcript file is empty"));
    }
    let format = format.or_else(|| TranscriptFormat::sniff(text)).ok_or_else(|| {
        ApiError::bad_request("cannot tell the transcript format: send WebVTT, SRT or Gong transcript JSON, or name it with ?format=vtt|srt|json")
    })?;
    let cues = match format {
        TranscriptFormat::WebVtt => subtitle::parse_webvtt(text)
            .map_err(|e| ApiError::bad_request(format!("webvtt {e}")))?,
        TranscriptFormat::Srt => {
            subtitle::parse_srt(text).map_err(|e| ApiError::bad_request(format!("srt {e}")))?
        }
        TranscriptFormat::GongJson => {
            gong_api_v2::transcript::parse_gong_transcript(bytes, Some(&call_id.to_string()))
                .map_err(ApiError::bad_request)?
        }
    };
    let parties = store
        .parties_of(&[call_id])
        .await?
        .remove(&call_id)
        .unwrap_or_default();
    let assignment = assign_speakers(cues, &parties);
    if assignment.transcript.is_empty() {
        return Err(ApiError::bad_request("transcript has no text"));
    }
    let new_parties: Vec<Party> = assignment
        .new_parties
        .iter()
        .map(|p| Party {
            id: p.id,
            call_id,
            name: p.name.clone(),
            email: None,
            title: None,
            user_id: None,
            speaker_id: Some(p.speaker_id),
            affiliation: p.affiliation,
            phone: None,
            methods: vec![PartyMethod::Attendee],
            media_channel: None,
            context: vec![],
        })
        .collect();
    let end_s = (transcript_end_ms(&assignment.transcript) + 999) / 1000;
    store
        .replace_transcript(TranscriptWrite {
            call_id,
            source: format.source(),
            transcript: &assignment.transcript,
            speaking_parties: &assignment.speaking_parties,
            new_parties: &new_parties,
            duration_s: (call.duration_s == 0).then_some(end_s),
            language: None,
            speakers: &[],
            at: Utc::now(),
            lease: None,
            media_sha256: None,
        })
        .await?;
    let mut speakers: Vec<ImportedSpeaker> = assignment
        .speaking_parties
        .iter()
        .map(|(party, speaker)| ImportedSpeaker {
            speaker_id: speaker.to_string(),
            party_id: party.to_string(),
            name: parties
                .iter()
                .find(|p| p.id == *party)
                .and_then(|p| p.name.clone()),
            matched_existing_party: true,
        })
        .collect();
    speakers.extend(new_parties.iter().map(|p| ImportedSpeaker {
        speaker_id: p.speaker_id.map(|s| s.to_string()).unwrap_or_default(),
        party_id: p.id.to_string(),
        name: p.name.clone(),
        matched_existing_party: false,
    }));
    tracing::info!(call_id = %call_id, source = format.source(), speakers = speakers.len(), "transcript imported");
    Ok(ImportReport {
        call_id: call_id.to_string(),
        format: format.source(),
        monologues: assignment.transcript.len(),
        sentences: assignment
            .transcript
            .iter()
            .map(|m| m.sentences.len())
            .sum(),
        speakers,
    })
}

/// Input for creating a user through Parley's own API and the demo.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub manager_id: Option<UserId>,
    pub active: bool,
    pub settings: UserSettings,
    pub spoken_languages: Vec<SpokenLanguage>,
    pub created: Option<Timestamp>,
}

pub async fn create_user(store: &dyn Store, new: NewUser) -> ApiResult<User> {
    let mut problems = Vec::new();
    if !looks_like_email(&new.email) {
        problems.push(format!("email {:?} is not an email address", new.email));
    }
    if new.first_name.trim().is_empty() && new.last_name.trim().is_empty() {
        problems.push("firstName or lastName is required".to_owned());
    }
    if let Some(m) = new.manager_id {
        if store.get_user(m).await?.is_none() {
            problems.push(format!("managerId {m} is not a known user"));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::bad_request_all(problems));
    }
    let user = User {
        id: UserId::generate(),
        email: new.email,
        created: new.created.unwrap_or_else(Utc::now),
        active: new.active,
        email_aliases: vec![],
        trusted_email: None,
        first_name: new.first_name,
        last_name: new.last_name,
        title: new.title,
        phone: new.phone,
        extension: None,
        personal_meeting_urls: vec![],
        settings: new.settings,
        manager_id: new.manager_id,
        meeting_consent_page_url: None,
        spoken_languages: new.spoken_languages,
    };
    store.create_user(&user).await.map_err(|e| match e {
        StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
        other => other.into(),
    })?;
    Ok(user)
}

/// Ties a voice of a call's recording to one of its parties, by a person's word. When
/// the party is a company user and the voice has an embedding, the user's voice profile
/// learns from it, so their later mono calls name them; re-transcribing this call keeps
/// the correction (see `parley_domain::map_voices`).
pub async fn assign_speaker(
    store: &dyn Store,
    call_id: CallId,
    speaker: parley_domain::SpeakerId,
    party: parley_domain::PartyId,
) -> ApiResult<()> {
    if store.get_call(call_id).await?.is_none() {
        return Err(ApiError::not_found(gong_api_v2::messages::call_not_found(
            &call_id.to_string(),
        )));
    }
    let parties = store
        .parties_of(&[call_id])
        .await?
        .remove(&call_id)
        .unwrap_or_default();
    let Some(target) = parties.iter().find(|p| p.id == party) else {
        return Err(ApiError::not_found(format!(
            "party {party} is not a party of call {call_id}"
        )));
    };
    let voices = store.call_speakers(call_id).await?;
    let voice = voices.iter().find(|v| v.speaker_id == speaker);
    let learn = match (target.user_id, voice.and_then(|v| v.voice.as_ref())) {
        (Some(user), Some(v)) => {
            let mut profile = store
                .voice_profiles(&[user])
                .await?
                .pop()
                .unwrap_or_else(|| parley_domain::VoiceProfile::new(user));
            profile.learn(v);
            Some(profile)
        }
        _ => None,
    };
    match store
        .assign_speaker(call_id, speaker, party, learn.as_ref(), Utc::now())
        .await
    {
        Err(parley_store::StoreError::NotFound(_)) => Err(ApiError::not_found(format!(
            "speaker {speaker} does not speak in call {call_id}"
        ))),
        other => Ok(other?),
    }
}

//! Importing transcripts made elsewhere (WebVTT, SRT, Gong's transcript JSON).

use chrono::Utc;

use parley_domain::subtitle::{self, SubtitleFormat};
use parley_domain::*;
use parley_store::{Store, TranscriptWrite};

use crate::error::{AppError, AppResult};
use crate::limits::Limits;

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
) -> AppResult<ImportReport> {
    import_transcript_within(store, call_id, format, bytes, &Limits::default()).await
}

/// [`import_transcript`] under the operator's [`Limits`] (sentences per transcript).
pub async fn import_transcript_within(
    store: &dyn Store,
    call_id: CallId,
    format: Option<TranscriptFormat>,
    bytes: &[u8],
    limits: &Limits,
) -> AppResult<ImportReport> {
    let Some(call) = store.get_call(call_id).await? else {
        return Err(AppError::call_not_found(call_id));
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        AppError::invalid(format!(
            "transcript is not UTF-8 text (byte {})",
            e.valid_up_to()
        ))
    })?;
    if text.trim().is_empty() {
        return Err(AppError::invalid("transcript file is empty"));
    }
    let format = format.or_else(|| TranscriptFormat::sniff(text)).ok_or_else(|| {
        AppError::invalid("cannot tell the transcript format: send WebVTT, SRT or Gong transcript JSON, or name it with ?format=vtt|srt|json")
    })?;
    let cues = match format {
        TranscriptFormat::WebVtt => {
            subtitle::parse_webvtt(text).map_err(|e| AppError::invalid(format!("webvtt {e}")))?
        }
        TranscriptFormat::Srt => {
            subtitle::parse_srt(text).map_err(|e| AppError::invalid(format!("srt {e}")))?
        }
        TranscriptFormat::GongJson => {
            gong_api_v2::transcript::parse_gong_transcript(bytes, Some(&call_id.to_string()))
                .map_err(AppError::invalid)?
        }
    };
    // Before speakers are matched and anything is written: the write is one transaction,
    // and its size is what holds the database's write lock.
    limits.check_sentences(cues.len())?;
    let parties = store
        .parties_of(&[call_id])
        .await?
        .remove(&call_id)
        .unwrap_or_default();
    let assignment = assign_speakers(cues, &parties);
    if assignment.transcript.is_empty() {
        return Err(AppError::invalid("transcript has no text"));
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
    // A transcript that arrives as text says nothing of its language: the one the call was
    // created with (`languageCode`), else the one its text is written in, when that is
    // clear; otherwise the call's language stays as it was.
    let language = call
        .language_hint
        .as_deref()
        .and_then(lang::bcp47_to_2b)
        .or_else(|| {
            parley_analysis::language::detect(
                assignment
                    .transcript
                    .iter()
                    .flat_map(|m| m.sentences.iter().map(|s| s.text.as_str())),
            )
        });
    store
        .replace_transcript(TranscriptWrite {
            call_id,
            source: format.source(),
            transcript: &assignment.transcript,
            speaking_parties: &assignment.speaking_parties,
            new_parties: &new_parties,
            duration_s: (call.duration_s == 0).then_some(end_s),
            language,
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

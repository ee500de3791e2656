//! Interaction stats: talk time, talk ratio, monologues, customer stories, interactivity,
//! patience, questions and talk speed. Definitions in `docs/analysis.md`.
//!
//! (Interface fixed by the integration; the formulas are being written.)

use parley_domain::{SpeakerId, UserId};
use serde::{Deserialize, Serialize};

use crate::CallInput;

/// Talk time of one voice.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpeakerTalk {
    pub speaker_id: SpeakerId,
    pub talk_ms: i64,
}

/// The stats of one company speaker in one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonStats {
    pub speaker_id: SpeakerId,
    pub user_id: Option<UserId>,
    pub talk_ms: i64,
    /// Share of all talk time in the call, 0–1.
    pub talk_ratio: f64,
    pub longest_monologue_ms: i64,
    /// The longest customer story in this call (the same for every person of the call).
    pub longest_customer_story_ms: i64,
    /// 0–10.
    pub interactivity: f64,
    /// Mean pause in seconds before this person answers the customer.
    pub patience_s: f64,
    /// Number of pauses `patience_s` averages (0 when the person never answered).
    pub patience_samples: u32,
    pub questions_asked: u32,
    /// Questions asked per hour of call.
    pub question_rate: f64,
    pub words: u32,
    /// Words per minute of own talk time.
    pub words_per_minute: f64,
}

/// Interaction stats of one call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InteractionStats {
    /// Every voice that spoke, in order of first speech.
    pub speakers: Vec<SpeakerTalk>,
    pub company_questions: u32,
    pub non_company_questions: u32,
    /// Every company voice that spoke.
    pub persons: Vec<PersonStats>,
    pub longest_customer_story_ms: i64,
    /// 0–10, the whole call.
    pub interactivity: f64,
    /// From the first spoken word to the last.
    pub span_ms: i64,
}

pub fn compute(_call: &CallInput<'_>) -> InteractionStats {
    InteractionStats::default()
}

//! The stored form of a call's analysis: the storage schema of the JSON columns of
//! `call_analysis` and `call_person_stats`, owned here and versioned.
//!
//! The analysis engine's own types change with the algorithm; these change only with a
//! new format number. Each row carries the format it was written in (the `format`
//! column, migration 0009); rows from before that column read as format 1, which is
//! exactly the JSON those builds wrote. A row of a format this build does not know is
//! reported as [`crate::StoreError::Corrupt`] naming the format, never guessed at.
//!
//! Architecture Invariant: nothing here depends on the analysis crate; the application
//! core converts between these rows and the engine's types.

use parley_domain::{SpeakerId, TrackerId, UserId};
use serde::{Deserialize, Serialize};

/// The format this build writes and the only one it reads.
pub const ANALYSIS_FORMAT: i64 = 1;

/// A call's stored analysis (format 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisRow {
    pub interaction: InteractionRow,
    pub topics: TopicsRow,
    pub trackers: Vec<TrackerHitsRow>,
    pub summary: SummaryRow,
    pub engine: EngineRow,
}

/// Talk time of one voice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerTalkRow {
    pub speaker_id: SpeakerId,
    pub talk_ms: i64,
}

/// One company speaker's interaction stats in one call; also the `stats` column of
/// `call_person_stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonStatsRow {
    pub speaker_id: SpeakerId,
    pub user_id: Option<UserId>,
    pub talk_ms: i64,
    pub talk_ratio: f64,
    pub longest_monologue_ms: i64,
    pub longest_customer_story_ms: i64,
    pub interactivity: f64,
    pub patience_s: f64,
    pub patience_samples: u32,
    pub questions_asked: u32,
    pub question_rate: f64,
    pub words: u32,
    pub words_per_minute: f64,
    /// Absent from rows written before it was added (read as 0).
    #[serde(default)]
    pub call_talk_ms: i64,
    #[serde(default)]
    pub call_span_ms: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InteractionRow {
    pub speakers: Vec<SpeakerTalkRow>,
    pub company_questions: u32,
    pub non_company_questions: u32,
    pub persons: Vec<PersonStatsRow>,
    pub longest_customer_story_ms: i64,
    pub interactivity: f64,
    pub span_ms: i64,
    #[serde(default)]
    pub switches: u32,
    #[serde(default)]
    pub total_talk_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicSpanRow {
    pub name: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub first_monologue: usize,
    pub end_monologue: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TopicsRow {
    pub spans: Vec<TopicSpanRow>,
    /// The topic of each monologue; also written to `transcript_sentences.topic`.
    pub per_monologue: Vec<Option<String>>,
    /// `[name, milliseconds]` pairs.
    pub totals: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OccurrenceRow {
    pub start_ms: i64,
    pub speaker_id: SpeakerId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhraseHitsRow {
    pub phrase: String,
    pub count: u32,
    pub occurrences: Vec<OccurrenceRow>,
}

/// One tracker's hits in one call; the `trackers` column is a list of these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackerHitsRow {
    pub tracker_id: TrackerId,
    pub name: String,
    pub count: u32,
    pub occurrences: Vec<OccurrenceRow>,
    pub phrases: Vec<PhraseHitsRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MomentRow {
    pub text: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub speaker_id: Option<SpeakerId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlineSectionRow {
    pub section: String,
    pub start_ms: i64,
    pub duration_ms: i64,
    pub items: Vec<MomentRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HighlightRow {
    pub title: String,
    pub items: Vec<MomentRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeRow {
    pub id: String,
    pub category: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    pub brief: Option<String>,
    pub key_points: Vec<MomentRow>,
    pub outline: Vec<OutlineSectionRow>,
    pub highlights: Vec<HighlightRow>,
    pub next_steps: Vec<MomentRow>,
    pub outcome: Option<OutcomeRow>,
}

/// Which engine wrote the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineRow {
    pub engine: String,
    pub version: String,
    pub model: Option<String>,
    pub prompt: Option<String>,
}

/// Checks a row's `format` column before its JSON is read.
pub fn check_format(format: i64, what: &str) -> crate::Result<()> {
    if format == ANALYSIS_FORMAT {
        Ok(())
    } else {
        Err(crate::StoreError::Corrupt(format!(
            "{what} is in format {format}; this build reads format {ANALYSIS_FORMAT} only \
             (written by a newer parley? upgrade this node)"
        )))
    }
}

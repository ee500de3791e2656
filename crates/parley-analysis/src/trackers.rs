//! Keyword trackers: which configured phrases were said, how often, when and by whom.
//!
//! (Interface fixed by the integration; the matcher is being written.)

use parley_domain::{SpeakerId, TrackerId};
use serde::{Deserialize, Serialize};

use crate::CallInput;

/// Whose words a tracker counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaidBy {
    #[default]
    Anyone,
    Company,
    NonCompany,
}

/// The phrases of a tracker in one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Keywords {
    /// ISO 639-2/B code (`eng`), or `mul` for phrases that apply to every language.
    pub language: String,
    pub phrases: Vec<String>,
    /// Also match other forms of the same words ("price" finds "pricing", "prices").
    pub include_related_forms: bool,
}

/// A keyword tracker as configured in a workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackerDef {
    pub id: TrackerId,
    pub name: String,
    pub keywords: Vec<Keywords>,
    pub said_by: SaidBy,
    /// Count a phrase only inside a sentence that is a question.
    pub part_of_question: bool,
    /// Count a phrase only in monologues of these topics; empty means any topic.
    pub said_in_topics: Vec<String>,
}

/// One hit: when the phrase began and who said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occurrence {
    pub start_ms: i64,
    pub speaker_id: SpeakerId,
}

/// The hits of one configured phrase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhraseHits {
    /// The phrase as configured.
    pub phrase: String,
    pub count: u32,
    pub occurrences: Vec<Occurrence>,
}

/// The hits of one tracker in one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackerHits {
    pub tracker_id: TrackerId,
    pub name: String,
    /// Total hits of all phrases.
    pub count: u32,
    /// All hits in time order.
    pub occurrences: Vec<Occurrence>,
    /// One entry per configured phrase that was hit, in configuration order.
    pub phrases: Vec<PhraseHits>,
}

/// A tracker definition that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TrackerError(pub String);

/// All trackers of a workspace compiled into one matcher.
#[derive(Debug, Clone)]
pub struct TrackerSet {
    defs: Vec<TrackerDef>,
}

impl TrackerSet {
    pub fn compile(defs: &[TrackerDef]) -> Result<TrackerSet, TrackerError> {
        Ok(TrackerSet {
            defs: defs.to_vec(),
        })
    }

    pub fn defs(&self) -> &[TrackerDef] {
        &self.defs
    }

    /// The hits of every tracker in one call; `topics` holds each monologue's topic (same
    /// length as the transcript, or empty when topics are unknown). Trackers with no
    /// hit are left out.
    pub fn scan(&self, _call: &CallInput<'_>, _topics: &[Option<String>]) -> Vec<TrackerHits> {
        Vec::new()
    }
}

/// Problems with a tracker definition a user submitted, one message each (empty when
/// it is valid).
pub fn validate(_def: &TrackerDef) -> Vec<String> {
    Vec::new()
}

//! Workspace analysis settings: keyword trackers and call topics, as configured. The
//! analysis (`parley-analysis`) applies them; the store keeps them; the wire crates
//! render them. No behaviour here beyond what a definition itself means.

use serde::{Deserialize, Serialize};

use crate::TrackerId;

/// Longest tracker name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Most phrases one tracker may have, over all its languages.
pub const MAX_PHRASES: usize = 1000;
/// Longest `SaidAt` stretch in minutes (a day).
pub const MAX_SAID_AT_MINUTES: u32 = 24 * 60;

/// Whose words a tracker counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaidBy {
    #[default]
    Anyone,
    Company,
    NonCompany,
}

/// When in the call a tracker counts (Gong's `saidAt`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaidAt {
    #[default]
    Anytime,
    /// Only phrases that begin within the call's first stretch.
    First(Stretch),
    /// Only phrases that begin within the call's last stretch.
    Last(Stretch),
}

/// A stretch of a call: minutes, or a share of its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stretch {
    Minutes(u32),
    Percent(u32),
}

impl SaidAt {
    /// Whether a phrase beginning at `start_ms` counts in a call `duration_ms` long.
    /// A stretch covers its bounds: "the first 2 minutes" includes 2:00.0 itself, and
    /// a stretch longer than the call is the whole call.
    pub fn covers(self, start_ms: i64, duration_ms: i64) -> bool {
        let length = |s: Stretch| match s {
            Stretch::Minutes(m) => i64::from(m) * 60_000,
            Stretch::Percent(p) => duration_ms.saturating_mul(i64::from(p)) / 100,
        };
        match self {
            SaidAt::Anytime => true,
            SaidAt::First(s) => start_ms <= length(s),
            SaidAt::Last(s) => start_ms >= duration_ms - length(s),
        }
    }
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
    /// Count a phrase only at the start or the end of the call.
    #[serde(default)]
    pub said_at: SaidAt,
}

/// A topic a workspace tracks and the words that signal it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicDef {
    pub name: String,
    /// Words or short phrases; matched on word stems (English).
    pub keywords: Vec<String>,
}

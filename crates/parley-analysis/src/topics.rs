//! Topics: the call cut into stretches about one thing (small talk, discovery, pricing,
//! ...), from keyword evidence per monologue.
//!
//! (Interface fixed by the integration; the segmenter is being written.)

use serde::{Deserialize, Serialize};

use crate::CallInput;

/// A topic a workspace tracks and the words that signal it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicDef {
    pub name: String,
    /// Words or short phrases; matched on word stems (English).
    pub keywords: Vec<String>,
}

/// The default topic set for a new workspace.
pub fn default_topics() -> Vec<TopicDef> {
    Vec::new()
}

/// A contiguous stretch of the call about one topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicSpan {
    pub name: String,
    pub start_ms: i64,
    pub end_ms: i64,
    /// Index of the first monologue of the span, and one past the last.
    pub first_monologue: usize,
    pub end_monologue: usize,
}

/// The topics of one call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Topics {
    /// In time order, covering the talk of the call; consecutive spans differ in name.
    pub spans: Vec<TopicSpan>,
    /// The topic of each monologue (same length as the transcript).
    pub per_monologue: Vec<Option<String>>,
    /// Total milliseconds per topic, in order of first appearance.
    pub totals: Vec<(String, i64)>,
}

pub fn segment(call: &CallInput<'_>, _defs: &[TopicDef]) -> Topics {
    Topics {
        per_monologue: vec![None; call.transcript.len()],
        ..Topics::default()
    }
}

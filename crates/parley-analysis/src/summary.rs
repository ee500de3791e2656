//! Brief, key points, outline, highlights, next steps and outcome of a call.
//!
//! The built-in extractive engine picks sentences of the call itself, so every item
//! points at its moment. (Interface fixed by the integration; the engine is being
//! written.)

use parley_domain::SpeakerId;
use serde::{Deserialize, Serialize};

use crate::topics::Topics;
use crate::CallInput;

/// A piece of the summary and the moment of the call it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moment {
    pub text: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub speaker_id: Option<SpeakerId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlineSection {
    pub section: String,
    pub start_ms: i64,
    pub duration_ms: i64,
    pub items: Vec<Moment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Highlight {
    pub title: String,
    pub items: Vec<Moment>,
}

/// How the call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub id: String,
    pub category: String,
    pub name: String,
}

/// Which engine wrote a summary, so that results can be compared and reproduced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineInfo {
    /// `extractive` or `llm`.
    pub engine: String,
    pub version: String,
    /// The model an LLM engine used.
    pub model: Option<String>,
    /// The prompt an LLM engine was given.
    pub prompt: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub brief: Option<String>,
    pub key_points: Vec<Moment>,
    pub outline: Vec<OutlineSection>,
    /// Includes a "Next steps" highlight when next steps were found.
    pub highlights: Vec<Highlight>,
    pub next_steps: Vec<Moment>,
    pub outcome: Option<Outcome>,
}

pub const EXTRACTIVE_VERSION: &str = "1";

pub fn extractive_engine() -> EngineInfo {
    EngineInfo {
        engine: "extractive".into(),
        version: EXTRACTIVE_VERSION.into(),
        model: None,
        prompt: None,
    }
}

/// The built-in engine: a summary made of the call's own sentences.
pub fn extractive(_call: &CallInput<'_>, _topics: &Topics) -> Summary {
    Summary::default()
}

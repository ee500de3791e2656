//! Conversation analysis: what was said in a call, computed from its stored transcript.
//!
//! Everything here is a pure function of its inputs: the transcript, who each speaker is,
//! and the workspace's settings (trackers, topics). The same inputs always give the same
//! result, so any number can be recomputed from the stored transcript and checked against
//! the formulas in `docs/analysis-metrics.md`.
//!
//! Architecture Invariant: no IO, no clocks, no randomness, no Gong wire names. The
//! server stores results as JSON of these types and the `gong-api-v2` crate renders them.

#![forbid(unsafe_code)]

pub mod interaction;
pub mod language;
pub mod lexicon;
pub mod llm;
pub mod summary;
pub mod text;
pub mod topics;
pub mod trackers;

/// Small transcripts for the modules' table tests.
#[cfg(test)]
pub(crate) mod test_support {
    use parley_domain::{Monologue, Sentence, SpeakerId, Transcript};

    /// `(speaker, start ms, end ms, text)` rows as sentences; consecutive rows of one
    /// speaker form a monologue.
    pub fn transcript_of(rows: impl IntoIterator<Item = (i64, i64, i64, String)>) -> Transcript {
        let mut t: Transcript = Vec::new();
        for (who, start_ms, end_ms, text) in rows {
            let sentence = Sentence {
                start_ms,
                end_ms,
                text,
                words: Vec::new(),
            };
            match t.last_mut() {
                Some(m) if m.speaker_id == SpeakerId(who) => m.sentences.push(sentence),
                _ => t.push(Monologue {
                    speaker_id: SpeakerId(who),
                    topic: None,
                    sentences: vec![sentence],
                }),
            }
        }
        t
    }

    /// `(speaker, start seconds, text)` lines, each lasting until the next line starts
    /// (or 5 s); `keep_order` keeps an end from falling before its start.
    pub fn timed_lines(lines: &[(i64, i64, &str)], keep_order: bool) -> Transcript {
        transcript_of(lines.iter().enumerate().map(|(k, &(who, start, text))| {
            let next = lines.get(k + 1).map_or(start + 5, |l| l.1);
            let end = if keep_order { next.max(start) } else { next };
            (who, start * 1000, end * 1000, text.to_owned())
        }))
    }
}

use parley_domain::{Affiliation, PartyId, SpeakerId, Transcript, UserId};
use serde::{Deserialize, Serialize};

/// Who a voice in the transcript is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Speaker {
    pub speaker_id: SpeakerId,
    pub party_id: Option<PartyId>,
    pub user_id: Option<UserId>,
    /// `Internal` voices are the company; everything else (external, unknown, no party)
    /// counts as the customer side.
    pub affiliation: Affiliation,
}

/// One call to analyse.
#[derive(Debug, Clone, Copy)]
pub struct CallInput<'a> {
    pub transcript: &'a Transcript,
    pub speakers: &'a [Speaker],
    /// The call's host (primary user); per-call interaction stats are theirs.
    pub host: Option<UserId>,
    /// ISO 639-2/B language of the call (`eng`), when known.
    pub language: Option<&'a str>,
    /// The recording's length, when known; the transcript's end stands in otherwise.
    pub duration_ms: Option<i64>,
}

impl CallInput<'_> {
    /// Whether a voice belongs to the company side.
    pub fn is_company(&self, speaker: SpeakerId) -> bool {
        self.speakers
            .iter()
            .any(|s| s.speaker_id == speaker && s.affiliation == Affiliation::Internal)
    }

    /// The call's length: the recording's, else where the transcript ends.
    pub fn duration_ms(&self) -> i64 {
        self.duration_ms
            .unwrap_or_else(|| parley_domain::transcript_end_ms(self.transcript))
    }

    pub fn speaker(&self, speaker: SpeakerId) -> Option<&Speaker> {
        self.speakers.iter().find(|s| s.speaker_id == speaker)
    }
}

/// Everything Parley derives from one call's transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallAnalysis {
    pub interaction: interaction::InteractionStats,
    pub topics: topics::Topics,
    pub trackers: Vec<trackers::TrackerHits>,
    pub summary: summary::Summary,
    /// The engine that wrote `summary`.
    pub engine: summary::EngineInfo,
}

/// Analyses one call with the built-in (extractive) summary engine. Topics come first:
/// trackers may be limited to topics.
pub fn analyze(
    call: &CallInput<'_>,
    trackers: &trackers::TrackerSet,
    topic_defs: &[topics::TopicDef],
) -> CallAnalysis {
    let topics = topics::segment(call, topic_defs);
    CallAnalysis {
        interaction: interaction::compute(call),
        trackers: trackers.scan(call, &topics.per_monologue),
        summary: summary::extractive(call, &topics),
        engine: summary::extractive_engine(),
        topics,
    }
}

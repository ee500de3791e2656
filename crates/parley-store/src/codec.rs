//! Conversions between domain values and the column values every backend stores: one copy
//! of each mapping (enum keys, JSON lists, voice blobs, microsecond timestamps), so the
//! backends cannot drift apart in what a stored row means.
//!
//! Architecture Invariant: nothing here issues SQL; the stored keys are part of the schema
//! and change only with a migration in every backend.

use chrono::{DateTime, Utc};
use parley_domain::*;

use crate::{Result, StoreError, TranscriptSize};

pub fn us(t: Timestamp) -> i64 {
    t.timestamp_micros()
}

pub fn ts(us: i64) -> Result<Timestamp> {
    DateTime::<Utc>::from_timestamp_micros(us)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {us}")))
}

pub fn opt_ts(us: Option<i64>) -> Result<Option<Timestamp>> {
    us.map(ts).transpose()
}

/// A foreign-key violation: the row a write refers to is missing (`what` names it).
pub fn map_missing(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound(what()),
        _ => StoreError::from(e),
    }
}

pub fn map_unique(e: sqlx::Error, what: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(what.to_owned())
        }
        _ => StoreError::Backend(e),
    }
}

pub fn direction_key(d: Direction) -> &'static str {
    match d {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
        Direction::Conference => "conference",
        Direction::Unknown => "unknown",
    }
}

pub fn direction_of(s: &str) -> Direction {
    match s {
        "inbound" => Direction::Inbound,
        "outbound" => Direction::Outbound,
        "conference" => Direction::Conference,
        _ => Direction::Unknown,
    }
}

pub fn scope_key(s: CallScope) -> &'static str {
    match s {
        CallScope::Internal => "internal",
        CallScope::External => "external",
        CallScope::Unknown => "unknown",
    }
}

pub fn scope_of_key(s: &str) -> CallScope {
    match s {
        "internal" => CallScope::Internal,
        "external" => CallScope::External,
        _ => CallScope::Unknown,
    }
}

pub fn affiliation_key(a: Affiliation) -> &'static str {
    match a {
        Affiliation::Internal => "internal",
        Affiliation::External => "external",
        Affiliation::Unknown => "unknown",
    }
}

pub fn affiliation_of(s: &str) -> Affiliation {
    match s {
        "internal" => Affiliation::Internal,
        "external" => Affiliation::External,
        _ => Affiliation::Unknown,
    }
}

pub fn methods_key(m: &[PartyMethod]) -> String {
    m.iter()
        .map(|m| match m {
            PartyMethod::Invitee => "invitee",
            PartyMethod::Attendee => "attendee",
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub fn methods_of(s: &str) -> Vec<PartyMethod> {
    s.split(',')
        .filter_map(|m| match m {
            "invitee" => Some(PartyMethod::Invitee),
            "attendee" => Some(PartyMethod::Attendee),
            _ => None,
        })
        .collect()
}

pub fn crm_system_key(s: CrmSystem) -> &'static str {
    match s {
        CrmSystem::Salesforce => "salesforce",
        CrmSystem::HubSpot => "hubspot",
        CrmSystem::MicrosoftDynamic => "dynamics",
        CrmSystem::Generic => "generic",
    }
}

pub fn crm_system_of(s: &str) -> CrmSystem {
    match s {
        "salesforce" => CrmSystem::Salesforce,
        "hubspot" => CrmSystem::HubSpot,
        "dynamics" => CrmSystem::MicrosoftDynamic,
        _ => CrmSystem::Generic,
    }
}

pub fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).expect("a list of strings serialises")
}

pub fn list_of(s: &str) -> Result<Vec<String>> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("string list: {e}")))
}

pub fn voice_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub fn voice_from_blob(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

pub fn words_json(words: &[Word]) -> String {
    let arr: Vec<serde_json::Value> = words
        .iter()
        .map(|w| serde_json::json!([w.start_ms, w.end_ms, w.text]))
        .collect();
    serde_json::Value::Array(arr).to_string()
}

pub fn parse_words(json: &str) -> Result<Vec<Word>> {
    let corrupt = |e: String| StoreError::Corrupt(format!("sentence words: {e}"));
    let rows: Vec<(i64, i64, String)> =
        serde_json::from_str(json).map_err(|e| corrupt(e.to_string()))?;
    Ok(rows
        .into_iter()
        .map(|(start_ms, end_ms, text)| Word {
            start_ms,
            end_ms,
            text,
        })
        .collect())
}

pub fn to_json<T: serde::Serialize>(v: &T) -> String {
    // Our own plain data types: serialising them cannot fail.
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

pub fn from_json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// What a transcript's stored sentences add up to (monologues without a sentence store
/// nothing).
pub fn transcript_size(t: &Transcript) -> TranscriptSize {
    let sentences = || t.iter().flat_map(|m| &m.sentences);
    TranscriptSize {
        monologues: t.iter().filter(|m| !m.sentences.is_empty()).count() as i64,
        sentences: sentences().count() as i64,
        text_bytes: sentences().map(|s| s.text.len() as i64).sum(),
        version: 0,
    }
}

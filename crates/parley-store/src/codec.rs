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

/// A speakers timeline's segments as stored: `[[from_ms, to_ms, [party_id, ...]], ...]`.
pub fn timeline_json(t: &SpeakerTimeline<PartyId>) -> String {
    let arr: Vec<serde_json::Value> = t
        .segments
        .iter()
        .map(|s| {
            let parties: Vec<i64> = s.parties.iter().map(|p| p.0).collect();
            serde_json::json!([s.from_ms, s.to_ms, parties])
        })
        .collect();
    serde_json::Value::Array(arr).to_string()
}

pub fn parse_timeline(precise: bool, json: &str) -> Result<SpeakerTimeline<PartyId>> {
    let rows: Vec<(i64, i64, Vec<i64>)> = from_json(json, "speakers timeline")?;
    Ok(SpeakerTimeline {
        precise,
        segments: rows
            .into_iter()
            .map(|(from_ms, to_ms, parties)| TimelineSegment {
                from_ms,
                to_ms,
                parties: parties.into_iter().map(PartyId).collect(),
            })
            .collect(),
    })
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

/// An audit entry's actor as its `actor_kind`, `actor` and `actor_user_id` columns.
pub fn actor_columns(a: &Actor) -> (&'static str, &str, Option<i64>) {
    match a {
        Actor::ApiKey {
            access_key,
            user_id,
        } => ("key", access_key, user_id.map(|u| u.0)),
        Actor::Rejected { fingerprint } => ("rejected", fingerprint.as_deref().unwrap_or(""), None),
        Actor::Cli { os_user } => ("cli", os_user, None),
        Actor::User { user_id } => ("user", "", Some(user_id.0)),
        Actor::MediaUrl => ("media-url", "", None),
    }
}

/// An audit entry's actor from those columns.
pub fn actor_of(kind: &str, actor: String, user_id: Option<i64>) -> Result<Actor> {
    let user = user_id.map(UserId);
    Ok(match kind {
        "key" => Actor::ApiKey {
            access_key: actor,
            user_id: user,
        },
        "rejected" => Actor::Rejected {
            fingerprint: Some(actor).filter(|f| !f.is_empty()),
        },
        "cli" => Actor::Cli { os_user: actor },
        "media-url" => Actor::MediaUrl,
        "user" => Actor::User {
            user_id: user.ok_or_else(|| StoreError::Corrupt("audit user without id".into()))?,
        },
        other => return Err(StoreError::Corrupt(format!("audit actor kind {other}"))),
    })
}

/// A stored scope list (`what` names its owner in the error).
pub fn scopes_of(text: &str, what: &str) -> Result<ScopeSet> {
    ScopeSet::parse(text).map_err(|e| StoreError::Corrupt(format!("{what} scopes: {e}")))
}

/// Ids as one space-separated column (a profile's team leads).
pub fn id_list(ids: impl IntoIterator<Item = i64>) -> String {
    ids.into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Ids from a space-separated column.
pub fn ids_of(text: &str, what: &str) -> Result<Vec<i64>> {
    text.split_ascii_whitespace()
        .map(|w| {
            w.parse()
                .map_err(|_| StoreError::Corrupt(format!("{what}: {w:?} is not an id")))
        })
        .collect()
}

/// A stored key this build does not know.
pub fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} {value:?}"))
}

/// An access row's `level` and `team_leads` columns.
pub fn access_from(level: &str, leads: &str) -> Result<Access> {
    Ok(Access {
        level: AccessLevel::parse(level).ok_or_else(|| corrupt("access level", level))?,
        team_leads: ids_of(leads, "team leads")?
            .into_iter()
            .map(UserId)
            .collect(),
    })
}

/// A worker's job kinds as stored: keys joined by commas.
pub fn worker_kinds(stored: String) -> Vec<String> {
    stored
        .split(',')
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A stored count that fits a `u32` (a bad row reads as the largest).
pub fn narrow_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

//! Transcripts (sentences, tallies, sizes), the voices of a recording and voice profiles.

#![allow(unused_variables)]

use parley_domain::{Monologue, Sentence};
use parley_store::codec::parse_words;
use sqlx::Row;

use super::*;

/// A call's transcript with word timings, its source and its version (`created_us`).
/// Read in one REPEATABLE READ transaction: the head and the sentences come from one
/// snapshot, so a transcript replaced in between never yields the new sentences under
/// the old version (SQLite's single writer could not interleave; PostgreSQL can).
pub(crate) async fn read_transcript(
    db: &PgStore,
    id: CallId,
) -> Result<Option<(String, i64, Transcript)>> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let Some(head) = sqlx::query("SELECT source, created_us FROM transcripts WHERE call_id = $1")
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let source: String = head.try_get("source")?;
    let version: i64 = head.try_get("created_us")?;
    let rows = sqlx::query(
        "SELECT monologue, speaker_id, topic, start_ms, end_ms, text, words FROM transcript_sentences \
         WHERE call_id = $1 ORDER BY monologue, seq",
    )
    .bind(id.0)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut t: Transcript = Vec::new();
    let mut last = None;
    for r in &rows {
        let mono: i64 = r.try_get("monologue")?;
        if last != Some(mono) {
            t.push(Monologue {
                speaker_id: SpeakerId(r.try_get("speaker_id")?),
                topic: r.try_get("topic")?,
                sentences: Vec::new(),
            });
            last = Some(mono);
        }
        let words: Option<String> = r.try_get("words")?;
        let words = match words {
            Some(j) => parse_words(&j)?,
            None => Vec::new(),
        };
        if let Some(m) = t.last_mut() {
            m.sentences.push(Sentence {
                start_ms: r.try_get("start_ms")?,
                end_ms: r.try_get("end_ms")?,
                text: r.try_get("text")?,
                words,
            });
        }
    }
    Ok(Some((source, version, t)))
}

pub(crate) async fn replace_transcript(db: &PgStore, w: TranscriptWrite<'_>) -> Result<bool> {
    todo!("postgres: replace_transcript")
}

pub(crate) async fn transcripts_of(
    db: &PgStore,
    ids: &[CallId],
) -> Result<HashMap<CallId, Transcript>> {
    todo!("postgres: transcripts_of")
}

pub(crate) async fn transcript_tallies(
    db: &PgStore,
    ids: &[CallId],
) -> Result<HashMap<CallId, TranscriptTally>> {
    todo!("postgres: transcript_tallies")
}

pub(crate) async fn transcript_sizes(
    db: &PgStore,
    ids: &[CallId],
) -> Result<HashMap<CallId, TranscriptSize>> {
    todo!("postgres: transcript_sizes")
}

pub(crate) async fn transcript_sentences(
    db: &PgStore,
    id: CallId,
    after: Option<SentenceKey>,
    limit: u32,
) -> Result<Vec<StoredSentence>> {
    todo!("postgres: transcript_sentences")
}

pub(crate) async fn transcript_detail(
    db: &PgStore,
    id: CallId,
) -> Result<Option<(String, Transcript)>> {
    todo!("postgres: transcript_detail")
}

pub(crate) async fn call_speakers(db: &PgStore, id: CallId) -> Result<Vec<CallSpeaker>> {
    todo!("postgres: call_speakers")
}

pub(crate) async fn assign_speaker(
    db: &PgStore,
    call: CallId,
    speaker: SpeakerId,
    party: PartyId,
    learn: Option<&VoiceProfile>,
    at: Timestamp,
) -> Result<()> {
    todo!("postgres: assign_speaker")
}

pub(crate) async fn voice_profiles(db: &PgStore, users: &[UserId]) -> Result<Vec<VoiceProfile>> {
    todo!("postgres: voice_profiles")
}

pub(crate) async fn save_voice_profile(
    db: &PgStore,
    profile: &VoiceProfile,
    at: Timestamp,
) -> Result<()> {
    todo!("postgres: save_voice_profile")
}

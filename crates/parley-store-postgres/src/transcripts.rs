//! Transcripts (sentences, tallies, sizes), the voices of a recording and voice profiles.

use futures_util::TryStreamExt;
use parley_domain::{Monologue, MonologueTally, Sentence, SpeakerSource, WHITE_SPACE};
use parley_store::codec::{
    parse_words, transcript_size, us, voice_blob, voice_from_blob, words_json,
};
use sqlx::Row;

use super::*;

/// A call's transcript with word timings, its source and its version (`created_us`).
/// Read on one snapshot: the head and the sentences agree, so a transcript replaced in between never yields the new sentences under
/// the old version (SQLite's single writer could not interleave; PostgreSQL can).
pub(crate) async fn read_transcript(
    db: &PgStore,
    id: CallId,
) -> Result<Option<(String, i64, Transcript)>> {
    let mut tx = db.snapshot().await?;
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

/// Transcript sentences inserted per statement.
const SENTENCE_BATCH: usize = 1_000;

/// Locks the call's row for the rest of `tx`, or `NotFound`. Every write that reads a
/// call's dependent rows before writing them (its transcript, recording, speakers) takes
/// this lock first, so such writers of one call queue up instead of interleaving.
///
/// FOR NO KEY UPDATE, not FOR UPDATE: the foreign-key check of a row inserted for the
/// call (a job, a party) takes a key-share lock on it, which FOR UPDATE would block. A
/// transcript write holds this lock and then waits for a job's de-duplication lock,
/// while an enqueue of that job holds the latter and checks the call's key: with FOR
/// UPDATE the two deadlock. It is also the mode the version triggers' UPDATE takes.
pub(crate) async fn lock_call(tx: &mut Tx, call: CallId) -> Result<()> {
    sqlx::query("SELECT 1 FROM calls WHERE id = $1 FOR NO KEY UPDATE")
        .bind(call.0)
        .fetch_optional(&mut **tx)
        .await?
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("call {call}")))
}

pub(crate) async fn upsert_profile(tx: &mut Tx, p: &VoiceProfile, at: Timestamp) -> Result<()> {
    sqlx::query(
        "INSERT INTO voice_profiles (user_id, voice, samples, updated_us) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET voice = excluded.voice, samples = excluded.samples, \
         updated_us = excluded.updated_us",
    )
    .bind(p.user_id.0)
    .bind(voice_blob(&p.voice))
    .bind(i64::from(p.samples))
    .bind(us(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn replace_transcript(db: &PgStore, w: TranscriptWrite<'_>) -> Result<bool> {
    let mut tx = db.begin().await?;
    if let Some(lease) = w.lease {
        jobs::finish_leased(&mut tx, lease, w.at).await?;
    }
    lock_call(&mut tx, w.call_id).await?;
    if let Some(read) = w.media_sha256 {
        // Read under the call's lock, which store_call_media takes too: the recording
        // cannot change between this check and the commit.
        let current: Option<String> =
            sqlx::query_scalar("SELECT sha256 FROM call_media WHERE call_id = $1")
                .bind(w.call_id.0)
                .fetch_optional(&mut *tx)
                .await?;
        if current.as_deref() != Some(read) {
            // Dropping `tx` rolls back, the job's completion included: the caller decides
            // how the job ends.
            return Ok(false);
        }
    }
    sqlx::query("DELETE FROM transcripts WHERE call_id = $1")
        .bind(w.call_id.0)
        .execute(&mut *tx)
        .await?;
    // Voices of the old transcript no longer speak unless this one says so.
    sqlx::query("UPDATE parties SET speaker_id = NULL WHERE call_id = $1")
        .bind(w.call_id.0)
        .execute(&mut *tx)
        .await?;
    // Its size goes with it: pages of transcripts are planned by it.
    let size = transcript_size(w.transcript);
    sqlx::query(
        "INSERT INTO transcripts (call_id, source, created_us, monologues, sentences, text_bytes) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(w.call_id.0)
    .bind(w.source)
    .bind(us(w.at))
    .bind(size.monologues)
    .bind(size.sentences)
    .bind(size.text_bytes)
    .execute(&mut *tx)
    .await?;
    // Sentences go in a batch per statement, one array per column (UNNEST): one statement
    // per sentence made a long import take seconds.
    let mut rows: Vec<(i64, i64, &Monologue, &Sentence)> = Vec::new();
    for (m_idx, m) in w.transcript.iter().enumerate() {
        for (s_idx, s) in m.sentences.iter().enumerate() {
            rows.push((m_idx as i64, s_idx as i64, m, s));
        }
    }
    for batch in rows.chunks(SENTENCE_BATCH) {
        let mut monologue = Vec::with_capacity(batch.len());
        let mut seq = Vec::with_capacity(batch.len());
        let mut speaker = Vec::with_capacity(batch.len());
        let mut topic = Vec::with_capacity(batch.len());
        let mut start = Vec::with_capacity(batch.len());
        let mut end = Vec::with_capacity(batch.len());
        let mut text = Vec::with_capacity(batch.len());
        let mut words = Vec::with_capacity(batch.len());
        for &(m_idx, s_idx, m, s) in batch {
            monologue.push(m_idx);
            seq.push(s_idx);
            speaker.push(m.speaker_id.0);
            topic.push(m.topic.as_deref());
            start.push(s.start_ms);
            end.push(s.end_ms);
            text.push(s.text.as_str());
            words.push((!s.words.is_empty()).then(|| words_json(&s.words)));
        }
        sqlx::query(
            "INSERT INTO transcript_sentences (call_id, monologue, seq, speaker_id, topic, start_ms, end_ms, text, words) \
             SELECT $1, * FROM UNNEST($2::BIGINT[], $3::BIGINT[], $4::BIGINT[], $5::TEXT[], $6::BIGINT[], \
             $7::BIGINT[], $8::TEXT[], $9::TEXT[])",
        )
        .bind(w.call_id.0)
        .bind(monologue)
        .bind(seq)
        .bind(speaker)
        .bind(topic)
        .bind(start)
        .bind(end)
        .bind(text)
        .bind(words)
        .execute(&mut *tx)
        .await?;
    }
    // The calls search's words (migration 0018).
    sqlx::query("SELECT call_words_refresh($1)")
        .bind(w.call_id.0)
        .execute(&mut *tx)
        .await?;
    for (party, speaker) in w.speaking_parties {
        sqlx::query("UPDATE parties SET speaker_id = $1 WHERE id = $2 AND call_id = $3")
            .bind(speaker.0)
            .bind(party.0)
            .bind(w.call_id.0)
            .execute(&mut *tx)
            .await?;
    }
    let next_ord: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(ord) + 1, 0) FROM parties WHERE call_id = $1")
            .bind(w.call_id.0)
            .fetch_one(&mut *tx)
            .await?;
    for (i, p) in w.new_parties.iter().enumerate() {
        calls::insert_party(&mut tx, p, next_ord + i as i64).await?;
    }
    if let Some(d) = w.duration_s {
        sqlx::query(
            "UPDATE calls SET duration_s = $1, version = version + 1 WHERE id = $2 AND duration_s = 0",
        )
        .bind(d)
        .bind(w.call_id.0)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(lang) = w.language {
        sqlx::query("UPDATE calls SET language = $1, version = version + 1 WHERE id = $2")
            .bind(lang)
            .bind(w.call_id.0)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM call_speakers WHERE call_id = $1")
        .bind(w.call_id.0)
        .execute(&mut *tx)
        .await?;
    for sp in w.speakers {
        sqlx::query(
            "INSERT INTO call_speakers (call_id, speaker_id, channel, speech_ms, voice, party_id, source) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(w.call_id.0)
        .bind(sp.speaker_id.0)
        .bind(sp.channel.map(i64::from))
        .bind(sp.speech_ms)
        .bind(sp.voice.as_deref().map(voice_blob))
        .bind(sp.party_id.map(|p| p.0))
        .bind(sp.source.key())
        .execute(&mut *tx)
        .await?;
    }
    // A new transcript is analysed again; queued with it so that no crash can leave a
    // transcript without its analysis.
    jobs::enqueue_analysis(&mut tx, w.call_id, w.at).await?;
    tx.commit().await?;
    Ok(true)
}

pub(crate) async fn transcripts_of(
    db: &PgStore,
    ids: &[CallId],
) -> Result<HashMap<CallId, Transcript>> {
    let mut out: HashMap<CallId, Transcript> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let ids = raw_ids(ids, |c| c.0);
    // One snapshot for both reads: a transcript replaced in between must not show its
    // new sentences for a call the first read found without one (or the reverse).
    let mut tx = db.snapshot().await?;
    let present: Vec<i64> =
        sqlx::query_scalar("SELECT call_id FROM transcripts WHERE call_id = ANY($1)")
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await?;
    for call in present {
        out.insert(CallId(call), Vec::new());
    }
    let rows = sqlx::query(
        "SELECT call_id, monologue, speaker_id, topic, start_ms, end_ms, text FROM transcript_sentences \
         WHERE call_id = ANY($1) ORDER BY call_id, monologue, seq",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut last: Option<(i64, i64)> = None;
    for r in &rows {
        let call: i64 = r.try_get("call_id")?;
        let mono: i64 = r.try_get("monologue")?;
        let t = out.entry(CallId(call)).or_default();
        if last != Some((call, mono)) {
            t.push(Monologue {
                speaker_id: SpeakerId(r.try_get("speaker_id")?),
                topic: r.try_get("topic")?,
                sentences: Vec::new(),
            });
            last = Some((call, mono));
        }
        if let Some(m) = t.last_mut() {
            m.sentences.push(Sentence {
                start_ms: r.try_get("start_ms")?,
                end_ms: r.try_get("end_ms")?,
                text: r.try_get("text")?,
                words: Vec::new(),
            });
        }
    }
    Ok(out)
}

pub(crate) async fn transcript_tallies(
    db: &PgStore,
    ids: &[CallId],
) -> Result<HashMap<CallId, TranscriptTally>> {
    let mut out: HashMap<CallId, TranscriptTally> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    // One row per monologue, in transcript order, streamed: the database sums the spans
    // (integers, exact; SUM of BIGINT is NUMERIC, cast back) and tells questions apart
    // with the very white space `is_question` trims; the seconds are added up in Rust, in
    // the order the whole transcript would add them.
    let mut rows = sqlx::query(
        "SELECT call_id, MIN(speaker_id) AS speaker_id, SUM(end_ms - start_ms)::BIGINT AS talk_ms, \
         COUNT(*) FILTER (WHERE right(rtrim(text, $1), 1) = '?') AS questions \
         FROM transcript_sentences WHERE call_id = ANY($2) \
         GROUP BY call_id, monologue ORDER BY call_id, monologue",
    )
    .bind(WHITE_SPACE)
    .bind(raw_ids(ids, |c| c.0))
    .fetch(&db.pool);
    while let Some(r) = rows.try_next().await? {
        out.entry(CallId(r.try_get("call_id")?))
            .or_default()
            .add(MonologueTally {
                speaker_id: SpeakerId(r.try_get("speaker_id")?),
                talk_ms: r.try_get("talk_ms")?,
                questions: r.try_get("questions")?,
            });
    }
    Ok(out)
}

pub(crate) async fn transcript_sizes(
    db: &PgStore,
    ids: &[CallId],
) -> Result<HashMap<CallId, TranscriptSize>> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = sqlx::query(
        "SELECT call_id, monologues, sentences, text_bytes, created_us FROM transcripts \
         WHERE call_id = ANY($1)",
    )
    .bind(raw_ids(ids, |c| c.0))
    .fetch_all(&db.pool)
    .await?;
    for r in rows {
        out.insert(
            CallId(r.try_get("call_id")?),
            TranscriptSize {
                monologues: r.try_get("monologues")?,
                sentences: r.try_get("sentences")?,
                text_bytes: r.try_get("text_bytes")?,
                version: r.try_get("created_us")?,
            },
        );
    }
    Ok(out)
}

pub(crate) async fn transcript_sentences(
    db: &PgStore,
    id: CallId,
    after: Option<SentenceKey>,
    limit: u32,
) -> Result<Vec<StoredSentence>> {
    let after = after.unwrap_or(SentenceKey {
        monologue: i64::MIN,
        seq: i64::MIN,
    });
    let rows = sqlx::query(
        "SELECT monologue, seq, speaker_id, topic, start_ms, end_ms, text FROM transcript_sentences \
         WHERE call_id = $1 AND (monologue, seq) > ($2, $3) ORDER BY monologue, seq LIMIT $4",
    )
    .bind(id.0)
    .bind(after.monologue)
    .bind(after.seq)
    .bind(i64::from(limit))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredSentence {
                key: SentenceKey {
                    monologue: r.try_get("monologue")?,
                    seq: r.try_get("seq")?,
                },
                speaker_id: SpeakerId(r.try_get("speaker_id")?),
                topic: r.try_get("topic")?,
                start_ms: r.try_get("start_ms")?,
                end_ms: r.try_get("end_ms")?,
                text: r.try_get("text")?,
            })
        })
        .collect()
}

pub(crate) async fn transcript_detail(
    db: &PgStore,
    id: CallId,
) -> Result<Option<(String, Transcript)>> {
    Ok(read_transcript(db, id)
        .await?
        .map(|(source, _, t)| (source, t)))
}

pub(crate) async fn call_speakers(db: &PgStore, id: CallId) -> Result<Vec<CallSpeaker>> {
    let rows = sqlx::query(
        "SELECT speaker_id, channel, speech_ms, voice, party_id, source FROM call_speakers \
         WHERE call_id = $1 ORDER BY channel NULLS FIRST, speaker_id",
    )
    .bind(id.0)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let source: String = r.try_get("source")?;
            let voice: Option<Vec<u8>> = r.try_get("voice")?;
            let channel: Option<i64> = r.try_get("channel")?;
            Ok(CallSpeaker {
                speaker_id: SpeakerId(r.try_get("speaker_id")?),
                channel: channel.and_then(|c| u32::try_from(c).ok()),
                speech_ms: r.try_get("speech_ms")?,
                voice: voice.as_deref().map(voice_from_blob),
                party_id: r.try_get::<Option<i64>, _>("party_id")?.map(PartyId),
                source: SpeakerSource::from_key(&source)
                    .ok_or_else(|| StoreError::Corrupt(format!("speaker source {source:?}")))?,
            })
        })
        .collect()
}

pub(crate) async fn assign_speaker(
    db: &PgStore,
    call: CallId,
    speaker: SpeakerId,
    party: PartyId,
    new_party: Option<&Party>,
    learn: Option<&VoiceProfile>,
    at: Timestamp,
) -> Result<()> {
    let mut tx = db.begin().await?;
    // Two assignments on one call read and rewrite the same parties and voices: the
    // call's lock makes them take turns (else both could leave a voice on two parties).
    sqlx::query("SELECT 1 FROM calls WHERE id = $1 FOR NO KEY UPDATE")
        .bind(call.0)
        .execute(&mut *tx)
        .await?;
    if let Some(p) = new_party.filter(|p| p.call_id == call && p.id == party) {
        let next_ord: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(ord) + 1, 0) FROM parties WHERE call_id = $1")
                .bind(call.0)
                .fetch_one(&mut *tx)
                .await?;
        calls::insert_party(&mut tx, p, next_ord).await?;
    }
    let found = sqlx::query("SELECT 1 FROM parties WHERE id = $1 AND call_id = $2")
        .bind(party.0)
        .bind(call.0)
        .fetch_optional(&mut *tx)
        .await?;
    if found.is_none() {
        return Err(StoreError::NotFound(format!("party {party}")));
    }
    let updated = sqlx::query(
        "UPDATE call_speakers SET party_id = $1, source = 'manual' WHERE call_id = $2 AND speaker_id = $3",
    )
    .bind(party.0)
    .bind(call.0)
    .bind(speaker.0)
    .execute(&mut *tx)
    .await?;
    let in_transcript = sqlx::query(
        "SELECT 1 FROM transcript_sentences WHERE call_id = $1 AND speaker_id = $2 LIMIT 1",
    )
    .bind(call.0)
    .bind(speaker.0)
    .fetch_optional(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 && in_transcript.is_none() {
        return Err(StoreError::NotFound(format!("speaker {speaker}")));
    }
    // The voice was someone else's: no other party keeps it, and no other voice keeps
    // this party.
    sqlx::query("UPDATE parties SET speaker_id = NULL WHERE call_id = $1 AND speaker_id = $2")
        .bind(call.0)
        .bind(speaker.0)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE call_speakers SET party_id = NULL, source = 'unmatched' \
         WHERE call_id = $1 AND party_id = $2 AND speaker_id <> $3",
    )
    .bind(call.0)
    .bind(party.0)
    .bind(speaker.0)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE parties SET speaker_id = $1 WHERE id = $2 AND call_id = $3")
        .bind(speaker.0)
        .bind(party.0)
        .bind(call.0)
        .execute(&mut *tx)
        .await?;
    if let Some(p) = learn {
        upsert_profile(&mut tx, p, at).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn voice_profiles(db: &PgStore, users: &[UserId]) -> Result<Vec<VoiceProfile>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let rows =
        sqlx::query("SELECT user_id, voice, samples FROM voice_profiles WHERE user_id = ANY($1)")
            .bind(raw_ids(users, |u| u.0))
            .fetch_all(&db.pool)
            .await?;
    rows.iter()
        .map(|r| {
            let voice: Vec<u8> = r.try_get("voice")?;
            let samples: i64 = r.try_get("samples")?;
            Ok(VoiceProfile {
                user_id: UserId(r.try_get("user_id")?),
                voice: voice_from_blob(&voice),
                samples: u32::try_from(samples).unwrap_or(u32::MAX),
            })
        })
        .collect()
}

pub(crate) async fn save_voice_profile(
    db: &PgStore,
    profile: &VoiceProfile,
    at: Timestamp,
) -> Result<()> {
    let mut tx = db.begin().await?;
    upsert_profile(&mut tx, profile, at).await?;
    tx.commit().await?;
    Ok(())
}

/// [`parley_store::Store::sentences_like`]: ILIKE, as SQLite's LIKE ignores ASCII case.
pub(crate) async fn sentences_like(
    db: &PgStore,
    ids: &[CallId],
    pattern: &str,
    per_call: u32,
) -> Result<Vec<(CallId, i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT call_id, start_ms, text FROM (SELECT call_id, start_ms, text, monologue, seq, \
         row_number() OVER (PARTITION BY call_id ORDER BY monologue, seq) AS n \
         FROM transcript_sentences WHERE call_id = ANY($1) AND text ILIKE $2 ESCAPE '\\') s \
         WHERE n <= $3 ORDER BY call_id, monologue, seq",
    )
    .bind(ids.iter().map(|c| c.0).collect::<Vec<_>>())
    .bind(pattern)
    .bind(i64::from(per_call))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(c, at, text)| (CallId(c), at, text))
        .collect())
}

//! Call recordings.

use parley_domain::JobSpec;
use parley_store::codec::{ts, us};
use sqlx::Row;

use super::*;

pub(crate) async fn store_call_media(
    db: &PgStore,
    m: &CallMedia,
    transcribe: Option<&NewJob>,
    now: Timestamp,
) -> Result<MediaStored> {
    let mut tx = db.begin().await?;
    // The call's lock (as replace_transcript takes it): the old recording read here is
    // still the call's when this commits, and a transcript checked against the recording
    // cannot slip in between.
    transcripts::lock_call(&mut tx, m.call_id).await?;
    let old = sqlx::query("SELECT key, sha256 FROM call_media WHERE call_id = $1")
        .bind(m.call_id.0)
        .fetch_optional(&mut *tx)
        .await?;
    let (old_key, old_sha): (Option<String>, Option<String>) = match &old {
        Some(r) => (Some(r.try_get("key")?), Some(r.try_get("sha256")?)),
        None => (None, None),
    };
    sqlx::query(
        "INSERT INTO call_media (call_id, key, size_bytes, sha256, file_name, content_type, container, codec, \
         channels, sample_rate, duration_ms, has_video, uploaded_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (call_id) DO UPDATE SET key = excluded.key, size_bytes = excluded.size_bytes, \
         sha256 = excluded.sha256, file_name = excluded.file_name, content_type = excluded.content_type, \
         container = excluded.container, codec = excluded.codec, channels = excluded.channels, \
         sample_rate = excluded.sample_rate, duration_ms = excluded.duration_ms, \
         has_video = excluded.has_video, uploaded_us = excluded.uploaded_us",
    )
    .bind(m.call_id.0)
    .bind(&m.key)
    .bind(i64::try_from(m.size_bytes).unwrap_or(i64::MAX))
    .bind(&m.sha256)
    .bind(&m.file_name)
    .bind(&m.content_type)
    .bind(&m.container)
    .bind(&m.codec)
    .bind(m.channels.map(i64::from))
    .bind(m.sample_rate.map(i64::from))
    .bind(m.duration_ms.map(|d| i64::try_from(d).unwrap_or(i64::MAX)))
    .bind(m.has_video)
    .bind(us(m.uploaded))
    .execute(&mut *tx)
    .await?;
    // A call created without its duration (an upload's) takes the recording's, as a
    // transcription would later.
    sqlx::query(
        "UPDATE calls SET media = $1, duration_s = CASE WHEN duration_s = 0 THEN $2 ELSE duration_s END, \
         version = version + 1 WHERE id = $3",
    )
    .bind(if m.has_video { "video" } else { "audio" })
    .bind(m.duration_s())
    .bind(m.call_id.0)
    .execute(&mut *tx)
    .await?;
    let same_bytes = old_sha.as_deref() == Some(m.sha256.as_str());
    // Another recording's waveform goes with it (the transcription draws the new one).
    sqlx::query("DELETE FROM call_waveforms WHERE call_id = $1 AND media_sha256 <> $2")
        .bind(m.call_id.0)
        .bind(&m.sha256)
        .execute(&mut *tx)
        .await?;
    let job = match transcribe {
        Some(t) => {
            let live = t.live_states_after_media(same_bytes);
            Some(jobs::enqueue_in(&mut tx, t, live, now).await?)
        }
        None => None,
    };
    let replaced = old_key.filter(|k| *k != m.key);
    if let Some(key) = &replaced {
        jobs::enqueue_in(
            &mut tx,
            &JobSpec::DeleteMedia { key: key.clone() }.into(),
            &[],
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(MediaStored { job, replaced })
}

pub(crate) async fn media_key_in_use(db: &PgStore, key: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM call_media WHERE key = $1 LIMIT 1")
            .bind(key)
            .fetch_optional(&db.pool)
            .await?
            .is_some(),
    )
}

pub(crate) async fn call_media(db: &PgStore, call_id: CallId) -> Result<Option<CallMedia>> {
    let row = sqlx::query("SELECT * FROM call_media WHERE call_id = $1")
        .bind(call_id.0)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(call_media_of).transpose()
}

pub(crate) async fn put_waveform(
    db: &PgStore,
    call_id: CallId,
    media_sha256: &str,
    w: &Waveform,
) -> Result<bool> {
    // Under the call's lock, as `store_call_media`: a replacement either comes before
    // (no row is written: the recording is not the one read) or after (it deletes it).
    let mut tx = db.begin().await?;
    transcripts::lock_call(&mut tx, call_id).await?;
    let done = sqlx::query(
        "INSERT INTO call_waveforms (call_id, media_sha256, bucket_ms, duration_ms, peaks) \
         SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM call_media WHERE call_id = $1 AND sha256 = $2) \
         ON CONFLICT (call_id) DO UPDATE SET media_sha256 = excluded.media_sha256, \
         bucket_ms = excluded.bucket_ms, duration_ms = excluded.duration_ms, peaks = excluded.peaks",
    )
    .bind(call_id.0)
    .bind(media_sha256)
    .bind(i64::from(w.bucket_ms))
    .bind(i64::try_from(w.duration_ms).unwrap_or(i64::MAX))
    .bind(&w.peaks)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn waveform(db: &PgStore, call_id: CallId) -> Result<Option<Waveform>> {
    let row = sqlx::query(
        "SELECT w.bucket_ms, w.duration_ms, w.peaks FROM call_waveforms w \
         JOIN call_media m ON m.call_id = w.call_id AND m.sha256 = w.media_sha256 WHERE w.call_id = $1",
    )
    .bind(call_id.0)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| {
        Ok(Waveform {
            bucket_ms: narrow(r.try_get("bucket_ms")?, "waveform bucket")?,
            duration_ms: narrow(r.try_get("duration_ms")?, "waveform duration")?,
            peaks: r.try_get("peaks")?,
        })
    })
    .transpose()
}

/// A `call_media` row.
pub(crate) fn call_media_of(r: &sqlx::postgres::PgRow) -> Result<CallMedia> {
    Ok(CallMedia {
        call_id: CallId(r.try_get("call_id")?),
        key: r.try_get("key")?,
        size_bytes: narrow(r.try_get("size_bytes")?, "recording size")?,
        sha256: r.try_get("sha256")?,
        file_name: r.try_get("file_name")?,
        content_type: r.try_get("content_type")?,
        container: r.try_get("container")?,
        codec: r.try_get("codec")?,
        channels: r
            .try_get::<Option<i64>, _>("channels")?
            .map(|c| narrow(c, "recording channels"))
            .transpose()?,
        sample_rate: r
            .try_get::<Option<i64>, _>("sample_rate")?
            .map(|c| narrow(c, "recording sample rate"))
            .transpose()?,
        duration_ms: r
            .try_get::<Option<i64>, _>("duration_ms")?
            .map(|d| narrow(d, "recording duration"))
            .transpose()?,
        has_video: r.try_get("has_video")?,
        uploaded: ts(r.try_get("uploaded_us")?)?,
    })
}

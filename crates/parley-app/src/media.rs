//! Recordings in: what an upload (`PUT /v2/calls/{id}/media`), a pulled
//! `downloadMediaUrl` and `parley import` share once the bytes are in a local file. The
//! file is probed (a file that is not a recording is refused before anything is stored),
//! copied to the media store under a key of its own, and recorded on the call with its
//! transcription job in one transaction. A replaced recording is deleted by a job queued
//! in that transaction.

use sha2::{Digest, Sha256};

use parley_domain::{CallId, CallMedia};

use crate::error::{AppError, AppResult};
use parley_domain::JobSpec;

/// The file extension to keep, from the client's file name, when it is a plain one.
fn extension(file_name: Option<&str>) -> Option<String> {
    let ext = std::path::Path::new(file_name?)
        .extension()?
        .to_str()?
        .to_ascii_lowercase();
    (ext.len() <= 5 && ext.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(ext)
}

/// A recording received in full into a local file.
pub struct Received {
    pub path: std::path::PathBuf,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
}

/// Checks a received recording, stores it as the call's media and queues its
/// transcription: what an upload, a pulled `downloadMediaUrl` and `parley import` share.
/// Returns the transcription job and the size; [`AppError::NotMedia`] when the file is not
/// a recording Parley can read.
pub async fn store_media(
    store: &std::sync::Arc<dyn parley_store::Store>,
    blobs: &parley_blob::BlobStore,
    call_id: CallId,
    r: Received,
) -> AppResult<(parley_domain::Job, u64)> {
    let (job, size) = keep(store.as_ref(), blobs, call_id, r, true).await?;
    let job = job.ok_or_else(|| AppError::internal("the recording was stored without its job"))?;
    Ok((job, size))
}

/// Stores a recording made from the call's own transcript (the demo's, spoken from its
/// script) as its media, without queueing a transcription that would replace the
/// transcript it was made from.
pub async fn store_recording_of_transcript(
    store: &dyn parley_store::Store,
    blobs: &parley_blob::BlobStore,
    call_id: CallId,
    r: Received,
) -> AppResult<u64> {
    Ok(keep(store, blobs, call_id, r, false).await?.1)
}

/// Probes, stores and records a recording, with its transcription job when `transcribe`.
async fn keep(
    store: &dyn parley_store::Store,
    blobs: &parley_blob::BlobStore,
    call_id: CallId,
    r: Received,
    transcribe: bool,
) -> AppResult<(Option<parley_domain::Job>, u64)> {
    let Received {
        path,
        file_name,
        content_type,
        size,
        sha256,
    } = r;
    let ext = extension(file_name.as_deref());
    let probe_path = path.clone();
    let hint = ext.clone();
    let info = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&probe_path)?;
        parley_media::probe(file, hint.as_deref())
    })
    .await
    .map_err(|_| AppError::internal("the media probe thread panicked"))?
    .map_err(|e| AppError::NotMedia(e.to_string()))?;

    let now = chrono::Utc::now();
    // One key per stored recording, never reused: a replaced recording's key can then be
    // deleted once nothing refers to it without any chance of deleting a newer upload of
    // the same bytes.
    let key = format!(
        "calls/{call_id}/{}-{}.{}",
        &sha256[..16.min(sha256.len())],
        now.timestamp_micros(),
        ext.as_deref().unwrap_or("bin")
    );
    blobs.put_file(&key, &path).await.map_err(|e| {
        tracing::error!(error = %e, call_id = %call_id, "storing media failed");
        AppError::internal(format!("storing media failed: {e}"))
    })?;
    let media = CallMedia {
        call_id,
        key: key.clone(),
        size_bytes: size,
        sha256,
        file_name,
        content_type,
        container: info.container,
        codec: info.codec,
        channels: info.channels.map(|c| c as u32),
        sample_rate: info.sample_rate,
        duration_ms: info.duration_ms,
        has_video: info.has_video,
        uploaded: now,
    };
    let job = transcribe.then(|| JobSpec::Transcribe { call: call_id }.into());
    let stored = match store.store_call_media(&media, job.as_ref(), now).await {
        Ok(stored) => stored,
        Err(e) => {
            // The new object goes only once nothing is known to refer to it. An error does
            // not prove the transaction did not happen: its commit can succeed and the
            // answer be lost (the database crashing or the connection cut in between), and
            // deleting the object would then lose a recorded recording. When the store
            // cannot say (it is still down), the object stays: a stray object costs space,
            // a dangling key costs the call.
            match store.media_key_in_use(&key).await {
                Ok(false) => {
                    if let Err(d) = blobs.delete(&key).await {
                        tracing::warn!(error = %d, key = %key, "removing an unrecorded recording failed");
                    }
                }
                Ok(true) => {
                    tracing::warn!(call_id = %call_id, key = %key, error = %e, "recording stored although storing it reported an error")
                }
                Err(check) => {
                    tracing::warn!(error = %check, key = %key, "cannot tell whether a recording was stored; kept")
                }
            }
            return Err(e.into());
        }
    };
    if let Some(old) = &stored.replaced {
        tracing::info!(call_id = %call_id, old_key = %old, new_key = %key, "recording replaced; the old one will be deleted");
    }
    Ok((stored.job, size))
}

/// Hex SHA-256 of a file, streamed.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex(&h.finalize()))
}

/// Lowercase hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

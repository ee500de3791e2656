//! A call's recording and its transcription: stored and queued in one transaction,
//! replaced while a transcription runs, and the stale result refused.

use parley_domain::*;

use super::{a_call, t0, Harness};
use crate::{NewJob, Store, StoreError, TranscriptWrite};

/// A call like `like` (same workspace and user) under a new id.
async fn another_call(s: &dyn Store, like: &Call) -> CallId {
    let call = Call {
        id: CallId::generate(),
        ..like.clone()
    };
    s.insert_call(&call, &[], &[], &[]).await.unwrap();
    call.id
}

pub fn media(call: CallId, sha: &str, key: &str) -> CallMedia {
    CallMedia {
        call_id: call,
        key: key.into(),
        size_bytes: 10,
        sha256: sha.into(),
        file_name: Some("call.wav".into()),
        content_type: None,
        container: "wav".into(),
        codec: "pcm_s16le".into(),
        channels: Some(1),
        sample_rate: Some(16_000),
        duration_ms: Some(1_000),
        has_video: false,
        uploaded: t0(),
    }
}

pub fn transcribe(call: CallId) -> NewJob {
    NewJob {
        kind: JobKind::Transcribe,
        call_id: Some(call),
        payload: serde_json::json!({}),
        max_attempts: 3,
        dedupe: true,
    }
}

fn transcript(text: &str) -> Transcript {
    vec![Monologue {
        speaker_id: SpeakerId(1),
        topic: None,
        sentences: vec![Sentence {
            start_ms: 0,
            end_ms: 10,
            text: text.into(),
            words: Vec::new(),
        }],
    }]
}

fn asr_write<'a>(
    call: CallId,
    t: &'a Transcript,
    lease: JobLease,
    sha: &'a str,
) -> TranscriptWrite<'a> {
    TranscriptWrite {
        call_id: call,
        source: "asr:test",
        transcript: t,
        speaking_parties: &[],
        new_parties: &[],
        duration_s: None,
        language: None,
        speakers: &[],
        at: t0(),
        lease: Some(lease),
        media_sha256: Some(sha),
    }
}

pub async fn recording_and_its_transcription_are_one_write(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await.id;
    let stored = s
        .store_call_media(
            &media(call, "aa", "calls/1/a.wav"),
            Some(&transcribe(call)),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(stored.replaced, None);
    assert_eq!(stored.job.as_ref().unwrap().kind, JobKind::Transcribe);
    assert_eq!(stored.job.as_ref().unwrap().state, JobState::Queued);
    assert_eq!(
        s.call_media(call).await.unwrap().unwrap().key,
        "calls/1/a.wav"
    );

    // A call without a duration takes the recording's (1 s); one with a duration keeps it.
    let first = s.get_call(call).await.unwrap().unwrap();
    assert_eq!(first.duration_s, 1, "the recording's duration");
    let timed = Call {
        id: CallId::generate(),
        duration_s: 1800,
        ..first.clone()
    };
    s.insert_call(&timed, &[], &[], &[]).await.unwrap();
    s.store_call_media(&media(timed.id, "cc", "calls/3/c.wav"), None, t0())
        .await
        .unwrap();
    assert_eq!(
        s.get_call(timed.id).await.unwrap().unwrap().duration_s,
        1800,
        "a duration the call was given stays"
    );

    // When the job cannot be queued (here: it names a call that does not exist), the
    // recording is not recorded either.
    let other = another_call(s, &first).await;
    let video = CallMedia {
        has_video: true,
        ..media(other, "bb", "calls/2/b.mp4")
    };
    let err = s
        .store_call_media(&video, Some(&transcribe(CallId(42))), t0())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Backend(_)), "{err}");
    assert!(s.call_media(other).await.unwrap().is_none());
    assert!(s.jobs_for_call(other).await.unwrap().is_empty());
    assert_eq!(
        s.get_call(other).await.unwrap().unwrap().media,
        MediaKind::Audio,
        "the call row is unchanged"
    );
}

pub async fn a_recording_replaced_during_its_transcription_is_transcribed_again(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await.id;
    s.store_call_media(
        &media(call, "old", "calls/c/old.wav"),
        Some(&transcribe(call)),
        t0(),
    )
    .await
    .unwrap();
    let (running, lease) = s
        .claim_job(&[JobKind::Transcribe], "w", 60, t0())
        .await
        .unwrap()
        .unwrap();

    let stored = s
        .store_call_media(
            &media(call, "new", "calls/c/new.wav"),
            Some(&transcribe(call)),
            t0(),
        )
        .await
        .unwrap();
    assert_ne!(
        stored.job.as_ref().unwrap().id,
        running.id,
        "a new job for the new recording"
    );
    assert_eq!(stored.job.as_ref().unwrap().state, JobState::Queued);
    assert_eq!(stored.replaced.as_deref(), Some("calls/c/old.wav"));
    let deletions: Vec<Job> = s
        .list_jobs(Some(JobState::Queued), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == JobKind::DeleteMedia)
        .collect();
    assert_eq!(deletions.len(), 1);
    assert_eq!(deletions[0].payload["key"], "calls/c/old.wav");
    assert!(!s.media_key_in_use("calls/c/old.wav").await.unwrap());
    assert!(s.media_key_in_use("calls/c/new.wav").await.unwrap());

    // The old run's result is refused, and nothing of it is written: not the transcript,
    // not the job's completion.
    let old_t = transcript("from the old recording");
    assert!(!s
        .replace_transcript(asr_write(call, &old_t, lease, "old"))
        .await
        .unwrap());
    assert!(s.transcripts_of(&[call]).await.unwrap().is_empty());
    assert_eq!(
        s.get_job(running.id).await.unwrap().unwrap().state,
        JobState::Running
    );

    // The new job's result is kept.
    let (next, lease) = s
        .claim_job(&[JobKind::Transcribe], "w", 60, t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.id, stored.job.as_ref().unwrap().id);
    let new_t = transcript("from the new recording");
    assert!(s
        .replace_transcript(asr_write(call, &new_t, lease, "new"))
        .await
        .unwrap());
    assert_eq!(
        s.transcripts_of(&[call]).await.unwrap()[&call][0].sentences[0].text,
        "from the new recording"
    );
}

pub async fn the_same_bytes_again_keep_the_running_transcription(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await.id;
    s.store_call_media(
        &media(call, "same", "calls/c/1.wav"),
        Some(&transcribe(call)),
        t0(),
    )
    .await
    .unwrap();
    let (running, lease) = s
        .claim_job(&[JobKind::Transcribe], "w", 60, t0())
        .await
        .unwrap()
        .unwrap();
    let again = s
        .store_call_media(
            &media(call, "same", "calls/c/2.wav"),
            Some(&transcribe(call)),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(
        again.job.as_ref().unwrap().id,
        running.id,
        "the running job reads the same bytes"
    );
    assert_eq!(again.replaced.as_deref(), Some("calls/c/1.wav"));
    let t = transcript("same");
    assert!(s
        .replace_transcript(asr_write(call, &t, lease, "same"))
        .await
        .unwrap());

    // Stored under the same key again: nothing to delete.
    let before = s.list_jobs(None, 100).await.unwrap().len();
    let same_key = s
        .store_call_media(
            &media(call, "same", "calls/c/2.wav"),
            Some(&transcribe(call)),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(same_key.replaced, None);
    assert_eq!(
        s.list_jobs(None, 100).await.unwrap().len(),
        before + 1,
        "only the transcription is queued"
    );
}

/// A recording made from the call's transcript (the demo's) is stored without a
/// transcription: the transcript stays, no job is queued, and a replaced recording is
/// still deleted.
pub async fn a_recording_without_transcription_keeps_the_transcript(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await.id;
    let t = transcript("scripted");
    let mut w = asr_write(
        call,
        &t,
        JobLease {
            job_id: 0,
            attempt: 0,
        },
        "none",
    );
    w.lease = None;
    w.media_sha256 = None;
    assert!(s.replace_transcript(w).await.unwrap());
    let before = s.list_jobs(None, 100).await.unwrap().len();

    let stored = s
        .store_call_media(&media(call, "one", "calls/c/one.flac"), None, t0())
        .await
        .unwrap();
    assert_eq!(stored.job, None);
    assert_eq!(stored.replaced, None);
    assert_eq!(
        s.list_jobs(None, 100).await.unwrap().len(),
        before,
        "no transcription queued"
    );
    assert_eq!(
        s.call_media(call).await.unwrap().unwrap().key,
        "calls/c/one.flac"
    );
    assert_eq!(
        s.transcripts_of(&[call]).await.unwrap()[&call][0].sentences[0].text,
        "scripted"
    );

    let again = s
        .store_call_media(&media(call, "two", "calls/c/two.flac"), None, t0())
        .await
        .unwrap();
    assert_eq!(again.job, None);
    assert_eq!(again.replaced.as_deref(), Some("calls/c/one.flac"));
    let jobs = s.list_jobs(None, 100).await.unwrap();
    assert_eq!(jobs.len(), before + 1, "only the deletion is queued");
    assert!(jobs
        .iter()
        .any(|j| j.kind == JobKind::DeleteMedia && j.payload["key"] == "calls/c/one.flac"));
}

pub async fn a_deleted_call_takes_its_rows_and_queues_its_recordings_deletion(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let first = a_call(s).await;
    let call = first.id;
    s.store_call_media(
        &media(call, "aa", "calls/1/a.wav"),
        Some(&transcribe(call)),
        t0(),
    )
    .await
    .unwrap();
    let kept = another_call(s, &first).await;
    s.store_call_media(&media(kept, "bb", "calls/2/b.wav"), None, t0())
        .await
        .unwrap();

    let key = s.delete_call(call, t0()).await.unwrap();
    assert_eq!(key.as_deref(), Some("calls/1/a.wav"), "the recording's key");
    assert!(
        s.get_call(call).await.unwrap().is_none(),
        "the call is gone"
    );
    assert!(
        s.call_media(call).await.unwrap().is_none(),
        "so is its recording's row"
    );
    assert!(
        s.jobs_for_call(call).await.unwrap().is_empty(),
        "and its transcription job"
    );
    let queued = s.list_jobs(Some(JobState::Queued), 50).await.unwrap();
    let deletes: Vec<&Job> = queued
        .iter()
        .filter(|j| j.kind == JobKind::DeleteMedia)
        .collect();
    assert_eq!(
        deletes.len(),
        1,
        "one recording deletion queued: {queued:?}"
    );
    assert!(
        deletes[0].payload.to_string().contains("calls/1/a.wav"),
        "for the deleted call's recording: {:?}",
        deletes[0].payload
    );
    assert!(
        s.get_call(kept).await.unwrap().is_some(),
        "another call stays"
    );
    assert!(s.call_media(kept).await.unwrap().is_some());

    let err = s.delete_call(call, t0()).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    let bare = another_call(s, &first).await;
    assert_eq!(
        s.delete_call(bare, t0()).await.unwrap(),
        None,
        "a call without a recording"
    );
    assert_eq!(
        s.list_jobs(Some(JobState::Queued), 50).await.unwrap().len(),
        queued.len(),
        "queues nothing"
    );
}

pub async fn a_waveform_is_only_ever_of_the_calls_current_recording(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await.id;
    let w = |peaks: Vec<u8>| Waveform {
        bucket_ms: 50,
        duration_ms: 50 * peaks.len() as u64,
        peaks,
    };
    assert!(
        !s.put_waveform(call, "aa", &w(vec![1, 2])).await.unwrap(),
        "no recording: nothing is kept"
    );
    assert_eq!(s.waveform(call).await.unwrap(), None);

    s.store_call_media(&media(call, "aa", "calls/1/a.wav"), None, t0())
        .await
        .unwrap();
    assert!(
        !s.put_waveform(call, "zz", &w(vec![1])).await.unwrap(),
        "another recording's waveform is not kept"
    );
    assert_eq!(s.waveform(call).await.unwrap(), None);
    let first = w(vec![0, 128, 255, 7]);
    assert!(s.put_waveform(call, "aa", &first).await.unwrap());
    assert_eq!(s.waveform(call).await.unwrap(), Some(first.clone()));
    // Drawn again (a second transcription of the same bytes): the new one replaces it.
    let again = Waveform {
        bucket_ms: 60,
        duration_ms: 120,
        peaks: vec![9, 9],
    };
    assert!(s.put_waveform(call, "aa", &again).await.unwrap());
    assert_eq!(s.waveform(call).await.unwrap(), Some(again.clone()));

    // The same bytes stored again keep it; other bytes take it away.
    s.store_call_media(&media(call, "aa", "calls/1/a2.wav"), None, t0())
        .await
        .unwrap();
    assert_eq!(s.waveform(call).await.unwrap(), Some(again));
    s.store_call_media(&media(call, "bb", "calls/1/b.wav"), None, t0())
        .await
        .unwrap();
    assert_eq!(
        s.waveform(call).await.unwrap(),
        None,
        "the replaced recording's waveform is not the new one's"
    );
    assert!(
        !s.put_waveform(call, "aa", &first).await.unwrap(),
        "a transcription of the replaced recording cannot bring it back"
    );
    assert!(s.put_waveform(call, "bb", &first).await.unwrap());

    // It goes with its call.
    s.delete_call(call, t0()).await.unwrap();
    assert_eq!(s.waveform(call).await.unwrap(), None);
}

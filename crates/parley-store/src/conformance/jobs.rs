//! The job queue: leases, fencing, retries, de-duplication.

use chrono::Duration;
use parley_domain::*;

use super::{a_call, bare_call, t0, workspace_and_user, Harness};
use crate::{Failure, NewJob, StoreError, TranscriptWrite};

pub fn job(kind: JobKind, call: Option<CallId>) -> NewJob {
    NewJob {
        kind,
        call_id: call,
        payload: serde_json::json!({"model": "tiny.en"}),
        max_attempts: 3,
        dedupe: true,
    }
}

pub async fn a_job_runs_once_and_duplicates_collapse(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await.id;
    let a = s
        .enqueue_job(&job(JobKind::Transcribe, Some(call)), t0())
        .await
        .unwrap();
    let b = s
        .enqueue_job(&job(JobKind::Transcribe, Some(call)), t0())
        .await
        .unwrap();
    assert_eq!(
        a.id, b.id,
        "a live job of the same kind for the same call is reused"
    );
    assert_eq!(a.state, JobState::Queued);

    assert!(
        s.claim_job(&[JobKind::Analyze], "w1", 60, t0())
            .await
            .unwrap()
            .is_none(),
        "kinds filter"
    );
    let (claimed, lease) = s
        .claim_job(&[JobKind::Transcribe], "w1", 60, t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (claimed.id, claimed.state, claimed.attempts),
        (a.id, JobState::Running, 1)
    );
    assert_eq!(a.worker, None, "no worker before a claim");
    assert_eq!(claimed.worker.as_deref(), Some("w1"));
    assert!(
        s.claim_job(&[JobKind::Transcribe], "w2", 60, t0())
            .await
            .unwrap()
            .is_none(),
        "held"
    );
    assert!(s
        .heartbeat_job(lease, Some(0.5), 60, t0() + Duration::seconds(30))
        .await
        .unwrap());
    assert_eq!(s.get_job(a.id).await.unwrap().unwrap().progress, Some(0.5));
    s.finish_job(lease, t0() + Duration::seconds(40))
        .await
        .unwrap();
    let done = s.get_job(a.id).await.unwrap().unwrap();
    assert_eq!((done.state, done.progress), (JobState::Done, Some(1.0)));
    assert!(done.finished.is_some());
    assert_eq!(
        done.worker.as_deref(),
        Some("w1"),
        "the worker that ran it is kept"
    );
    let again = s
        .enqueue_job(&job(JobKind::Transcribe, Some(call)), t0())
        .await
        .unwrap();
    assert_ne!(again.id, a.id, "a finished job does not block a new one");
    assert_eq!(s.jobs_for_call(call).await.unwrap().len(), 2);
}

pub async fn a_dead_worker_loses_its_job_and_its_late_result_is_refused(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await.id;
    s.enqueue_job(&job(JobKind::Transcribe, Some(call)), t0())
        .await
        .unwrap();
    let (_, stale) = s
        .claim_job(&[JobKind::Transcribe], "w1", 60, t0())
        .await
        .unwrap()
        .unwrap();
    // w1 stalls past its lease; w2 takes the job over.
    let later = t0() + Duration::seconds(61);
    let (retaken, fresh) = s
        .claim_job(&[JobKind::Transcribe], "w2", 60, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retaken.attempts, 2);
    assert_eq!(
        retaken.worker.as_deref(),
        Some("w2"),
        "the worker of the last attempt"
    );
    assert!(!s.heartbeat_job(stale, None, 60, later).await.unwrap());

    let t = vec![Monologue {
        speaker_id: SpeakerId(1),
        topic: None,
        sentences: vec![Sentence {
            start_ms: 0,
            end_ms: 10,
            text: "stale".into(),
            words: Vec::new(),
        }],
    }];
    let write = |text: &str| {
        let mut t = t.clone();
        t[0].sentences[0].text = text.into();
        t
    };
    let stale_t = write("stale");
    let err = s
        .replace_transcript(TranscriptWrite {
            call_id: call,
            source: "asr:test",
            transcript: &stale_t,
            speaking_parties: &[],
            new_parties: &[],
            duration_s: None,
            language: None,
            speakers: &[],
            at: later,
            lease: Some(stale),
            media_sha256: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost(_)), "{err}");
    assert!(
        s.transcripts_of(&[call]).await.unwrap().is_empty(),
        "nothing of the stale run is kept"
    );

    let fresh_t = write("fresh");
    s.replace_transcript(TranscriptWrite {
        call_id: call,
        source: "asr:test",
        transcript: &fresh_t,
        speaking_parties: &[],
        new_parties: &[],
        duration_s: Some(1),
        language: None,
        speakers: &[],
        at: later,
        lease: Some(fresh),
        media_sha256: None,
    })
    .await
    .unwrap();
    let stored = s.transcripts_of(&[call]).await.unwrap();
    assert_eq!(stored[&call][0].sentences[0].text, "fresh");
    assert_eq!(
        s.get_job(retaken.id).await.unwrap().unwrap().state,
        JobState::Done,
        "result and done are one write"
    );
    // The same lease cannot write twice.
    assert!(matches!(
        s.finish_job(fresh, later).await,
        Err(StoreError::LeaseLost(_))
    ));
}

pub async fn failures_retry_with_backoff_until_attempts_run_out(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let j = s
        .enqueue_job(&job(JobKind::FetchMedia, None), t0())
        .await
        .unwrap();
    let (_, l1) = s
        .claim_job(&[JobKind::FetchMedia], "w", 60, t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.fail_job(l1, "connection reset", Failure::Transient, t0())
            .await
            .unwrap(),
        JobState::Queued
    );
    let queued = s.get_job(j.id).await.unwrap().unwrap();
    assert_eq!(queued.run_after, t0() + retry_backoff(1));
    assert_eq!(queued.error.as_deref(), Some("connection reset"));
    assert!(
        s.claim_job(&[JobKind::FetchMedia], "w", 60, t0() + Duration::seconds(5))
            .await
            .unwrap()
            .is_none(),
        "backing off"
    );
    let at = t0() + Duration::seconds(10);
    let (_, l2) = s
        .claim_job(&[JobKind::FetchMedia], "w", 60, at)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.fail_job(l2, "timeout", Failure::Transient, at)
            .await
            .unwrap(),
        JobState::Queued
    );
    let at = at + Duration::seconds(20);
    let (_, l3) = s
        .claim_job(&[JobKind::FetchMedia], "w", 60, at)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.fail_job(l3, "timeout", Failure::Transient, at)
            .await
            .unwrap(),
        JobState::Failed,
        "3 of 3 attempts"
    );

    let p = s
        .enqueue_job(&job(JobKind::Transcribe, None), t0())
        .await
        .unwrap();
    let (_, lp) = s
        .claim_job(&[JobKind::Transcribe], "w", 60, t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.fail_job(lp, "not a recording", Failure::Permanent, t0())
            .await
            .unwrap(),
        JobState::Failed
    );
    assert_eq!(s.get_job(p.id).await.unwrap().unwrap().attempts, 1);
}

pub async fn engine_crashes_are_counted_and_end_the_job_at_the_limit(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let j = s
        .enqueue_job(
            &NewJob {
                max_attempts: 5,
                ..job(JobKind::Transcribe, None)
            },
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(j.crashes, 0);
    let mut now = t0();
    let claim = async |now| {
        s.claim_job(&[JobKind::Transcribe], "w", 60, now)
            .await
            .unwrap()
            .unwrap()
    };
    // A transient failure between two crashes does not count as one.
    let (_, l) = claim(now).await;
    assert_eq!(
        s.fail_job(
            l,
            "signal 8 (SIGFPE) in transcribe",
            Failure::Crash { limit: 2 },
            now
        )
        .await
        .unwrap(),
        JobState::Queued
    );
    now += Duration::hours(2);
    let (again, l) = claim(now).await;
    assert_eq!(
        again.crashes, 1,
        "the claimed job says how often it crashed"
    );
    assert_eq!(
        s.fail_job(l, "database busy", Failure::Transient, now)
            .await
            .unwrap(),
        JobState::Queued
    );
    now += Duration::hours(2);
    let (again, l) = claim(now).await;
    assert_eq!(again.crashes, 1);
    assert_eq!(
        s.fail_job(
            l,
            "signal 8 (SIGFPE) in transcribe",
            Failure::Crash { limit: 2 },
            now
        )
        .await
        .unwrap(),
        JobState::Failed,
        "second crash of 2, with attempts to spare"
    );
    let failed = s.get_job(j.id).await.unwrap().unwrap();
    assert_eq!((failed.attempts, failed.crashes), (3, 2));
    assert_eq!(
        failed.error.as_deref(),
        Some("signal 8 (SIGFPE) in transcribe")
    );
    assert!(failed.finished.is_some());
}

pub async fn a_job_whose_worker_dies_on_every_attempt_ends_failed(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let j = s
        .enqueue_job(
            &NewJob {
                max_attempts: 2,
                ..job(JobKind::Analyze, None)
            },
            t0(),
        )
        .await
        .unwrap();
    let mut now = t0();
    for _ in 0..2 {
        assert!(s
            .claim_job(&[JobKind::Analyze], "w", 10, now)
            .await
            .unwrap()
            .is_some());
        now += Duration::seconds(11);
    }
    assert!(s
        .claim_job(&[JobKind::Analyze], "w", 10, now)
        .await
        .unwrap()
        .is_none());
    let failed = s.get_job(j.id).await.unwrap().unwrap();
    assert_eq!(failed.state, JobState::Failed);
    assert!(failed.error.unwrap().contains("stopped responding"));
}

/// A call and the jobs it needs are one transaction: stored together, or (a taken
/// clientUniqueId) neither.
pub async fn a_call_is_stored_with_its_jobs_or_not_at_all(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, user) = workspace_and_user(s, UserId::generate(), t0()).await;
    let call = Call {
        client_unique_id: Some("crm-1".into()),
        media_source_url: Some("https://media.example/a.mp3".into()),
        ..bare_call(CallId::generate(), ws.id, user.id, t0())
    };
    let fetch = |c: &Call| -> NewJob { JobSpec::FetchMedia { call: c.id }.into() };
    s.insert_call(&call, &[], &[], &[fetch(&call)])
        .await
        .unwrap();
    let jobs = s.jobs_for_call(call.id).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        JobSpec::of(&jobs[0]),
        Ok(JobSpec::FetchMedia { call: call.id })
    );

    let twin = Call {
        id: CallId::generate(),
        ..call.clone()
    };
    let err = s
        .insert_call(&twin, &[], &[], &[fetch(&twin)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(s.jobs_for_call(twin.id).await.unwrap().is_empty());
}

pub async fn listings_of_jobs_by_state_newest_first(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await.id;
    let mut ids = Vec::new();
    for i in 0..3 {
        let j = s
            .enqueue_job(
                &NewJob {
                    dedupe: false,
                    ..job(JobKind::FetchMedia, Some(call))
                },
                t0() + Duration::seconds(i),
            )
            .await
            .unwrap();
        assert_eq!(
            (j.state, j.attempts, j.crashes, j.call_id),
            (JobState::Queued, 0, 0, Some(call))
        );
        assert_eq!(j.payload, serde_json::json!({"model": "tiny.en"}));
        assert_eq!(s.get_job(j.id).await.unwrap(), Some(j.clone()));
        ids.push(j.id);
    }
    let (claimed, _) = s
        .claim_job(&[JobKind::FetchMedia], "w", 60, t0() + Duration::seconds(9))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, ids[0], "the oldest runnable job first");
    let listed: Vec<i64> = s
        .list_jobs(None, 10)
        .await
        .unwrap()
        .iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(listed, [ids[2], ids[1], ids[0]]);
    assert_eq!(s.list_jobs(None, 2).await.unwrap().len(), 2);
    let running = s.list_jobs(Some(JobState::Running), 10).await.unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].id, ids[0]);
    assert!(s
        .list_jobs(Some(JobState::Failed), 10)
        .await
        .unwrap()
        .is_empty());
    let of_call: Vec<i64> = s
        .jobs_for_call(call)
        .await
        .unwrap()
        .iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(of_call, ids, "oldest first");
    assert_eq!(s.get_job(1).await.unwrap(), None);
    assert!(s
        .claim_job(&[], "w", 60, t0() + Duration::hours(1))
        .await
        .unwrap()
        .is_none());

    let once = s
        .enqueue_job(
            &NewJob {
                max_attempts: 0,
                ..job(JobKind::Analyze, None)
            },
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(once.max_attempts, 1, "every job gets at least one attempt");
}

pub async fn workers_report_replace_their_last_report_and_are_forgotten_after_a_day(
    h: &dyn Harness,
) {
    let f = h.fresh().await;
    let s = &*f.store;
    let beat = |name: &str, started: Timestamp, seen: Timestamp| WorkerBeat {
        name: name.into(),
        version: "0.1.0".into(),
        kinds: vec!["transcribe".into(), "analyze".into()],
        speech_model: Some("whisper-base".into()),
        transcription_slots: 2,
        started,
        last_seen: seen,
        stopped: false,
        running: 1,
        done: 7,
        failed: 1,
    };
    let day = Duration::days(1);
    assert!(s.list_workers(t0() - day).await.unwrap().is_empty());
    let a = beat("host-a:41", t0(), t0());
    s.record_worker(&a, t0() - day).await.unwrap();
    let b = WorkerBeat {
        speech_model: None,
        kinds: Vec::new(),
        ..beat(
            "host-b:42",
            t0() + Duration::seconds(5),
            t0() + Duration::seconds(5),
        )
    };
    s.record_worker(&b, t0() - day).await.unwrap();
    assert_eq!(
        s.list_workers(t0() - day).await.unwrap(),
        vec![b.clone(), a.clone()],
        "every field kept, the latest started first"
    );

    // A new report replaces the last one; a stop is recorded.
    let a2 = WorkerBeat {
        last_seen: t0() + Duration::seconds(15),
        stopped: true,
        running: 0,
        done: 8,
        ..a.clone()
    };
    s.record_worker(&a2, t0() - day).await.unwrap();
    assert_eq!(
        s.list_workers(t0() - day).await.unwrap(),
        vec![b.clone(), a2.clone()]
    );
    assert_eq!(
        s.list_workers(t0() + Duration::seconds(10)).await.unwrap(),
        vec![a2.clone()],
        "only those seen since"
    );

    // A day later, a report from a new worker forgets the silent ones.
    let later = t0() + day + Duration::minutes(1);
    let c = beat("host-c:43", later, later);
    s.record_worker(&c, later - day).await.unwrap();
    assert_eq!(s.list_workers(t0() - day).await.unwrap(), vec![c]);
}

pub async fn only_a_queued_job_is_cancelled_and_none_takes_it_after(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await.id;
    let queued = s
        .enqueue_job(&job(JobKind::Transcribe, Some(call)), t0())
        .await
        .unwrap();
    let later = t0() + Duration::seconds(5);
    let c = s
        .cancel_job(queued.id, "cancelled by an admin", later)
        .await
        .unwrap()
        .expect("the job");
    assert_eq!(c.state, JobState::Failed);
    assert_eq!(c.error.as_deref(), Some("cancelled by an admin"));
    assert_eq!(c.finished, Some(later));
    assert_eq!(c.attempts, 0, "it never ran");
    assert!(
        s.claim_job(&[JobKind::Transcribe], "w", 60, later)
            .await
            .unwrap()
            .is_none(),
        "a cancelled job is never claimed"
    );
    // A new one for the same call is a new job, not the cancelled one.
    let again = s
        .enqueue_job(&job(JobKind::Transcribe, Some(call)), later)
        .await
        .unwrap();
    assert_ne!(again.id, queued.id);

    // Running (and finished) jobs are left as they are, and said to be.
    let (running, lease) = s
        .claim_job(&[JobKind::Transcribe], "w", 60, later)
        .await
        .unwrap()
        .unwrap();
    let r = s
        .cancel_job(running.id, "no", later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.state, JobState::Running);
    assert_eq!(r.error, None);
    s.finish_job(lease, later).await.unwrap();
    let d = s
        .cancel_job(running.id, "no", later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.state, JobState::Done);
    assert_eq!(s.cancel_job(424242, "no", later).await.unwrap(), None);
}

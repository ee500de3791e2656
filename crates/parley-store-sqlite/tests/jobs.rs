//! The job queue on a real SQLite file: leases, fencing, retries, concurrency.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use parley_domain::*;
use parley_store::{Failure, NewJob, Store, StoreError, TranscriptWrite};
use parley_store_sqlite::SqliteStore;

mod common;

async fn store() -> (tempfile::TempDir, Arc<SqliteStore>) {
    let (dir, s) = common::store().await;
    (dir, Arc::new(s))
}

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

fn job(kind: JobKind, call: Option<CallId>) -> NewJob {
    NewJob {
        kind,
        call_id: call,
        payload: serde_json::json!({"model": "tiny.en"}),
        max_attempts: 3,
        dedupe: true,
    }
}

/// A call to hang jobs and transcripts on.
async fn a_call(s: &SqliteStore) -> CallId {
    let now = t0();
    let (ws, user) = common::workspace_and_user(s, UserId::generate(), now).await;
    let call = Call {
        title: "t".into(),
        direction: Direction::Outbound,
        scope: CallScope::Internal,
        ..common::bare_call(CallId::generate(), ws.id, user.id, now)
    };
    s.insert_call(&call, &[], &[], &[]).await.unwrap();
    call.id
}

#[tokio::test]
async fn a_job_runs_once_and_duplicates_collapse() {
    let (_d, s) = store().await;
    let call = a_call(&s).await;
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
    let again = s
        .enqueue_job(&job(JobKind::Transcribe, Some(call)), t0())
        .await
        .unwrap();
    assert_ne!(again.id, a.id, "a finished job does not block a new one");
    assert_eq!(s.jobs_for_call(call).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_dead_worker_loses_its_job_and_its_late_result_is_refused() {
    let (_d, s) = store().await;
    let call = a_call(&s).await;
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

#[tokio::test]
async fn failures_retry_with_backoff_until_attempts_run_out() {
    let (_d, s) = store().await;
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

#[tokio::test]
async fn engine_crashes_are_counted_and_end_the_job_at_the_limit() {
    let (_d, s) = store().await;
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

#[tokio::test]
async fn a_job_whose_worker_dies_on_every_attempt_ends_failed() {
    let (_d, s) = store().await;
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

#[tokio::test]
async fn concurrent_workers_never_share_a_job() {
    let (_d, s) = store().await;
    for _ in 0..30 {
        s.enqueue_job(
            &NewJob {
                dedupe: false,
                ..job(JobKind::Analyze, None)
            },
            t0(),
        )
        .await
        .unwrap();
    }
    let mut workers = Vec::new();
    for w in 0..6 {
        let s = s.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some((j, lease)) = s
                .claim_job(&[JobKind::Analyze], &format!("w{w}"), 60, t0())
                .await
                .unwrap()
            {
                s.finish_job(lease, t0()).await.unwrap();
                mine.push(j.id);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let unique: std::collections::HashSet<_> = all.iter().collect();
    assert_eq!((all.len(), unique.len()), (30, 30));
    assert_eq!(
        s.list_jobs(Some(JobState::Done), 100).await.unwrap().len(),
        30
    );
}

/// Databases from before typed jobs hold tracker back-fills and workspace analyses as
/// `analyze` jobs with a `scope`; opening them moves those to their own kinds, with the
/// payload the new code writes (so a new back-fill still de-duplicates against them).
#[tokio::test]
async fn jobs_queued_before_typed_jobs_are_carried_over() {
    use sqlx::sqlite::SqlitePoolOptions;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let pool = SqlitePoolOptions::new().connect(&url).await.unwrap();
    let mut before = sqlx::migrate!("./migrations");
    before.migrations = before
        .migrations
        .iter()
        .filter(|m| m.version < 8)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&pool).await.unwrap();
    let ws = "1234567890123456789";
    for (id, payload) in [
        (1, format!(r#"{{"scope":"trackers","workspaceId":"{ws}"}}"#)),
        (2, r#"{"scope":"all","workspaceId":null}"#.to_owned()),
        (3, "{}".to_owned()),
    ] {
        sqlx::query(
            "INSERT INTO jobs (id, kind, call_id, payload, state, attempts, max_attempts, \
             run_after_us, created_us, updated_us) VALUES (?, 'analyze', NULL, ?, 'queued', 0, 5, 0, 0, 0)",
        )
        .bind(id)
        .bind(payload)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;

    let s = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    let job = |id| s.get_job(id);
    let workspace = Some(WorkspaceId(ws.parse().unwrap()));
    assert_eq!(
        JobSpec::of(&job(1).await.unwrap().unwrap()),
        Ok(JobSpec::BackfillTrackers { workspace })
    );
    assert_eq!(
        JobSpec::of(&job(2).await.unwrap().unwrap()),
        Ok(JobSpec::AnalyzeWorkspace { workspace: None })
    );
    // An `analyze` job without a call was never valid; it stays what it was.
    assert_eq!(job(3).await.unwrap().unwrap().kind, JobKind::Analyze);
    let again = s
        .enqueue_job(&JobSpec::BackfillTrackers { workspace }.into(), t0())
        .await
        .unwrap();
    assert_eq!(again.id, 1, "the carried-over job is the live one");
}

/// A call and the jobs it needs are one transaction: stored together, or (a taken
/// clientUniqueId) neither.
#[tokio::test]
async fn a_call_is_stored_with_its_jobs_or_not_at_all() {
    let (_d, s) = store().await;
    let (ws, user) = common::workspace_and_user(&s, UserId::generate(), t0()).await;
    let call = Call {
        client_unique_id: Some("crm-1".into()),
        media_source_url: Some("https://media.example/a.mp3".into()),
        ..common::bare_call(CallId::generate(), ws.id, user.id, t0())
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

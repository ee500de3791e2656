//! PostgreSQL-specific behaviour of the identity, call, transcript, recording and job
//! areas: what many nodes writing at once must not break (claims, de-duplication, lease
//! fencing, generation slots), the triggers, and the SQL that differs from SQLite's
//! (case-insensitive e-mail, array binds, tallies, batches). The shared behaviour is the
//! conformance suite's.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use parley_domain::*;
use parley_store::{NewJob, Store, StoreError, TranscriptWrite};
use parley_store_postgres::PgStore;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

fn user(id: UserId, email: &str) -> User {
    User {
        id,
        email: email.into(),
        created: t0(),
        active: true,
        email_aliases: vec![],
        trusted_email: None,
        first_name: "U".into(),
        last_name: "Ser".into(),
        title: None,
        phone: None,
        extension: None,
        personal_meeting_urls: vec![],
        settings: UserSettings::default(),
        manager_id: None,
        meeting_consent_page_url: None,
        spoken_languages: vec![],
    }
}

/// A default workspace and one user.
async fn workspace_and_user(s: &PgStore) -> (WorkspaceId, UserId) {
    let ws = Workspace {
        id: WorkspaceId::generate(),
        name: "w".into(),
        description: None,
        created: t0(),
    };
    s.create_workspace(&ws, true).await.unwrap();
    let u = UserId::generate();
    s.create_user(&user(u, "u@northwind.example.com"))
        .await
        .unwrap();
    (ws.id, u)
}

fn bare_call(id: CallId, workspace: WorkspaceId, user: UserId, at: Timestamp) -> Call {
    Call {
        id,
        workspace_id: workspace,
        title: String::new(),
        scheduled: None,
        started: at,
        duration_s: 0,
        primary_user_id: user,
        direction: Direction::Unknown,
        system: None,
        scope: CallScope::Unknown,
        media: MediaKind::Audio,
        language: None,
        sdr_disposition: None,
        client_unique_id: None,
        custom_data: None,
        purpose: None,
        meeting_url: None,
        is_private: false,
        calendar_event_id: None,
        media_source_url: None,
        language_hint: None,
        created: at,
    }
}

fn party(id: PartyId, call: CallId, context: Vec<CrmLink>) -> Party {
    Party {
        id,
        call_id: call,
        name: Some("P".into()),
        email: None,
        title: None,
        user_id: None,
        speaker_id: None,
        affiliation: Affiliation::External,
        phone: None,
        methods: vec![PartyMethod::Attendee],
        media_channel: Some(1),
        context,
    }
}

fn account(name: &str) -> CrmLink {
    CrmLink {
        system: CrmSystem::Salesforce,
        object_type: "Account".into(),
        object_id: "001".into(),
        fields: if name.is_empty() {
            vec![]
        } else {
            vec![("Name".into(), serde_json::json!(name))]
        },
    }
}

fn delete_media(i: usize) -> NewJob {
    JobSpec::DeleteMedia {
        key: format!("k{i}"),
    }
    .into()
}

async fn version(s: &PgStore, call: CallId) -> i64 {
    s.calls_with_versions(&[call]).await.unwrap()[0].1
}

fn transcript(texts: &[&str]) -> Transcript {
    vec![Monologue {
        speaker_id: SpeakerId(7),
        topic: None,
        sentences: texts
            .iter()
            .enumerate()
            .map(|(i, t)| Sentence {
                start_ms: i as i64 * 1000,
                end_ms: i as i64 * 1000 + 800,
                text: (*t).into(),
                words: vec![Word {
                    start_ms: i as i64 * 1000,
                    end_ms: i as i64 * 1000 + 300,
                    text: "w".into(),
                }],
            })
            .collect(),
    }]
}

fn write<'a>(call: CallId, t: &'a Transcript, at: Timestamp) -> TranscriptWrite<'a> {
    TranscriptWrite {
        call_id: call,
        source: "import:webvtt",
        transcript: t,
        speaking_parties: &[],
        new_parties: &[],
        duration_s: None,
        language: None,
        speakers: &[],
        at,
        lease: None,
        media_sha256: None,
    }
}

#[tokio::test]
async fn eight_workers_on_two_nodes_claim_each_job_once() {
    let (db, a) = common::fresh().await;
    let b = db.open().await;
    for i in 0..200 {
        a.enqueue_job(&delete_media(i), t0()).await.unwrap();
    }
    let nodes = [Arc::new(a), Arc::new(b)];
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = nodes[w % 2].clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let now = t0() + Duration::seconds(1);
            while let Some((job, lease)) = store
                .claim_job(&[JobKind::DeleteMedia], &format!("w{w}"), 60, now)
                .await
                .unwrap()
            {
                assert_eq!(lease.attempt, 1, "a job claimed twice");
                store.finish_job(lease, now).await.unwrap();
                mine.push(job.id);
            }
            mine
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for t in tasks {
        for id in t.await.unwrap() {
            total += 1;
            assert!(seen.insert(id), "job {id} claimed by two workers");
        }
    }
    assert_eq!(total, 200);
    let done = nodes[0]
        .list_jobs(Some(JobState::Done), 1000)
        .await
        .unwrap();
    assert_eq!(done.len(), 200);
}

#[tokio::test]
async fn parallel_enqueues_of_one_job_make_one() {
    let (db, a) = common::fresh().await;
    let b = db.open().await;
    let (ws, u) = workspace_and_user(&a).await;
    let call = CallId::generate();
    a.insert_call(&bare_call(call, ws, u, t0()), &[], &[], &[])
        .await
        .unwrap();
    let nodes = [Arc::new(a), Arc::new(b)];
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = nodes[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            let job: NewJob = JobSpec::Transcribe { call }.into();
            assert!(job.dedupe);
            store.enqueue_job(&job, t0()).await.unwrap().id
        }));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap());
    }
    assert_eq!(ids.len(), 1, "one job for all enqueuers");
    assert_eq!(nodes[1].jobs_for_call(call).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_expired_lease_claimed_again_fences_the_first_worker() {
    let (_db, s) = common::fresh().await;
    let job = s.enqueue_job(&delete_media(1), t0()).await.unwrap();
    let (_, first) = s
        .claim_job(&[JobKind::DeleteMedia], "a", 10, t0())
        .await
        .unwrap()
        .unwrap();
    // Still leased: nobody else gets it.
    let later = t0() + Duration::seconds(5);
    assert!(s
        .claim_job(&[JobKind::DeleteMedia], "b", 10, later)
        .await
        .unwrap()
        .is_none());
    let expired = t0() + Duration::seconds(11);
    let (again, second) = s
        .claim_job(&[JobKind::DeleteMedia], "b", 10, expired)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.id, job.id);
    assert_eq!(second.attempt, first.attempt + 1);
    assert!(!s
        .heartbeat_job(first, Some(0.5), 10, expired)
        .await
        .unwrap());
    assert!(matches!(
        s.finish_job(first, expired).await,
        Err(StoreError::LeaseLost(id)) if id == job.id
    ));
    assert!(matches!(
        s.fail_job(first, "late", parley_store::Failure::Transient, expired)
            .await,
        Err(StoreError::LeaseLost(_))
    ));
    assert!(s
        .heartbeat_job(second, Some(0.5), 10, expired)
        .await
        .unwrap());
    s.finish_job(second, expired).await.unwrap();
    assert_eq!(
        s.get_job(job.id).await.unwrap().unwrap().state,
        JobState::Done
    );
}

#[tokio::test]
async fn a_job_whose_worker_died_on_its_last_attempt_fails_on_the_next_claim() {
    let (_db, s) = common::fresh().await;
    let mut new = delete_media(1);
    new.max_attempts = 1;
    let job = s.enqueue_job(&new, t0()).await.unwrap();
    // Due after the dead one, so the claim meets the dead one first.
    let other = s
        .enqueue_job(&delete_media(2), t0() + Duration::seconds(1))
        .await
        .unwrap();
    s.claim_job(&[JobKind::DeleteMedia], "a", 10, t0())
        .await
        .unwrap()
        .unwrap();
    // The claim after the lease expired fails the dead job and goes on to the next one.
    let later = t0() + Duration::seconds(60);
    let (next, _) = s
        .claim_job(&[JobKind::DeleteMedia], "b", 10, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.id, other.id);
    let dead = s.get_job(job.id).await.unwrap().unwrap();
    assert_eq!(dead.state, JobState::Failed);
    assert_eq!(dead.attempts, 1);
    assert!(dead.error.unwrap().contains("stopped responding"));
    assert_eq!(dead.finished, Some(later));
}

#[tokio::test]
async fn fail_job_retries_then_fails() {
    let (_db, s) = common::fresh().await;
    let mut new = delete_media(1);
    new.max_attempts = 2;
    s.enqueue_job(&new, t0()).await.unwrap();
    let (_, lease) = s
        .claim_job(&[JobKind::DeleteMedia], "a", 10, t0())
        .await
        .unwrap()
        .unwrap();
    let state = s
        .fail_job(lease, "oops", parley_store::Failure::Transient, t0())
        .await
        .unwrap();
    assert_eq!(state, JobState::Queued);
    // Not before its backoff.
    assert!(s
        .claim_job(&[JobKind::DeleteMedia], "a", 10, t0())
        .await
        .unwrap()
        .is_none());
    let later = t0() + Duration::hours(1);
    let (job, lease) = s
        .claim_job(&[JobKind::DeleteMedia], "a", 10, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.error.as_deref(), Some("oops"));
    let state = s
        .fail_job(lease, "again", parley_store::Failure::Transient, later)
        .await
        .unwrap();
    assert_eq!(state, JobState::Failed);
}

#[tokio::test]
async fn call_versions_follow_parties_crm_transcripts_and_analyses() {
    let (db, s) = common::fresh().await;
    let (ws, u) = workspace_and_user(&s).await;
    let call = CallId::generate();
    let p = PartyId::generate();
    s.insert_call(
        &bare_call(call, ws, u, t0()),
        &[party(p, call, vec![account("")])],
        &[account("Northwind")],
        &[],
    )
    .await
    .unwrap();
    let v0 = version(&s, call).await;

    // Another call changing the shared CRM object's fields bumps this one.
    let other = CallId::generate();
    s.insert_call(
        &bare_call(other, ws, u, t0()),
        &[],
        &[account("Northwind Traders")],
        &[],
    )
    .await
    .unwrap();
    let v1 = version(&s, call).await;
    assert!(v1 > v0, "crm object change: {v0} -> {v1}");
    let ctx = s.call_context_of(&[call]).await.unwrap();
    assert_eq!(
        ctx[&call][0].fields,
        vec![("Name".to_owned(), serde_json::json!("Northwind Traders"))]
    );
    // A bare link does not wipe the fields, nor bump anyone.
    s.insert_call(
        &bare_call(CallId::generate(), ws, u, t0()),
        &[],
        &[account("")],
        &[],
    )
    .await
    .unwrap();
    assert_eq!(version(&s, call).await, v1);

    let t = transcript(&["Hello."]);
    assert!(s.replace_transcript(write(call, &t, t0())).await.unwrap());
    let v2 = version(&s, call).await;
    assert!(v2 > v1, "transcript: {v1} -> {v2}");

    s.assign_speaker(call, SpeakerId(7), p, None, None, t0())
        .await
        .unwrap();
    let v3 = version(&s, call).await;
    assert!(v3 > v2, "party: {v2} -> {v3}");
    assert_eq!(
        s.parties_of(&[call]).await.unwrap()[&call][0].speaker_id,
        Some(SpeakerId(7))
    );

    // The analysis table's triggers (its writer is another module).
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    sqlx::query(
        "INSERT INTO call_analysis (call_id, transcript_us, interaction, topics, trackers, summary, engine, analysed_us) \
         VALUES ($1, 0, '{}', '{}', '[]', '{}', '{}', 0)",
    )
    .bind(call.0)
    .execute(&pool)
    .await
    .unwrap();
    let v4 = version(&s, call).await;
    assert!(v4 > v3, "analysis insert: {v3} -> {v4}");
    sqlx::query("UPDATE call_analysis SET trackers = '[1]' WHERE call_id = $1")
        .bind(call.0)
        .execute(&pool)
        .await
        .unwrap();
    let v5 = version(&s, call).await;
    assert!(v5 > v4, "analysis update: {v4} -> {v5}");
    pool.close().await;
}

#[tokio::test]
async fn the_generation_counts_every_insert_from_every_node() {
    let (db, a) = common::fresh().await;
    let b = db.open().await;
    let (ws, u) = workspace_and_user(&a).await;
    let g0 = a.calls_generation().await.unwrap();
    let nodes = [Arc::new(a), Arc::new(b)];
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = nodes[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            let call = CallId::generate();
            store
                .insert_call(&bare_call(call, ws, u, t0()), &[], &[], &[])
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(nodes[1].calls_generation().await.unwrap(), g0 + 40);
    // A failed insert (taken id) changes nothing.
    let mut dup = bare_call(CallId::generate(), ws, u, t0());
    dup.client_unique_id = Some("x".into());
    nodes[0].insert_call(&dup, &[], &[], &[]).await.unwrap();
    dup.id = CallId::generate();
    assert!(matches!(
        nodes[0].insert_call(&dup, &[], &[], &[]).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(nodes[0].calls_generation().await.unwrap(), g0 + 41);
}

#[tokio::test]
async fn e_mail_is_case_insensitive() {
    let (_db, s) = common::fresh().await;
    let id = UserId::generate();
    s.create_user(&user(id, "Ada.Lovelace@Northwind.example.com"))
        .await
        .unwrap();
    let found = s
        .find_user_by_email("ada.lovelace@NORTHWIND.EXAMPLE.COM")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, id);
    assert_eq!(found.email, "Ada.Lovelace@Northwind.example.com");
    assert!(matches!(
        s.create_user(&user(
            UserId::generate(),
            "ada.lovelace@northwind.example.com"
        ))
        .await,
        Err(StoreError::Conflict(_))
    ));
    // An update to another user's address in other case conflicts too.
    let other = UserId::generate();
    s.create_user(&user(other, "bob@northwind.example.com"))
        .await
        .unwrap();
    let mut bob = user(other, "ADA.lovelace@northwind.example.com");
    bob.settings.emails_imported = true;
    assert!(matches!(
        s.update_user(&bob, t0()).await,
        Err(StoreError::Conflict(_))
    ));
}

#[tokio::test]
async fn transcripts_round_trip_with_words_tallies_and_sizes() {
    let (_db, s) = common::fresh().await;
    let (ws, u) = workspace_and_user(&s).await;
    let call = CallId::generate();
    s.insert_call(&bare_call(call, ws, u, t0()), &[], &[], &[])
        .await
        .unwrap();
    // Enough sentences for more than one insert batch; a question ending in Unicode
    // white space that `is_question` trims.
    let mut texts: Vec<String> = (0..2500).map(|i| format!("Sentence {i}.")).collect();
    texts[3] = "Is it?\u{3000}\u{a0}".into();
    texts[4] = "Ünïcödé ✓ — fine?".into();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let t = transcript(&refs);
    assert!(s.replace_transcript(write(call, &t, t0())).await.unwrap());
    let (source, back) = s.transcript_detail(call).await.unwrap().unwrap();
    assert_eq!(source, "import:webvtt");
    assert_eq!(back, t);
    let tally = &s.transcript_tallies(&[call]).await.unwrap()[&call];
    let mut want = TranscriptTally::default();
    want.add(MonologueTally::of(&t[0]));
    assert_eq!(*tally, want);
    let size = s.transcript_sizes(&[call]).await.unwrap()[&call];
    assert_eq!(size.sentences, 2500);
    assert_eq!(size.version, parley_store::codec::us(t0()));
    let page = s
        .transcript_sentences(
            call,
            Some(parley_store::SentenceKey {
                monologue: 0,
                seq: 2497,
            }),
            10,
        )
        .await
        .unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[1].text, "Sentence 2499.");
    // The write queued the analysis, once however often it happens.
    let t2 = transcript(&["Again."]);
    s.replace_transcript(write(call, &t2, t0() + Duration::seconds(1)))
        .await
        .unwrap();
    let jobs = s.jobs_for_call(call).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, JobKind::Analyze);
    assert_eq!(s.transcripts_of(&[call]).await.unwrap()[&call].len(), 1);
}

#[tokio::test]
async fn a_replaced_recording_refuses_the_stale_transcript_and_queues_its_deletion() {
    let (_db, s) = common::fresh().await;
    let (ws, u) = workspace_and_user(&s).await;
    let call = CallId::generate();
    s.insert_call(&bare_call(call, ws, u, t0()), &[], &[], &[])
        .await
        .unwrap();
    let media = |key: &str, sha: &str| CallMedia {
        call_id: call,
        key: key.into(),
        size_bytes: 10,
        sha256: sha.into(),
        file_name: None,
        content_type: Some("audio/wav".into()),
        container: "wav".into(),
        codec: "pcm".into(),
        channels: Some(2),
        sample_rate: Some(16_000),
        duration_ms: Some(1000),
        has_video: false,
        uploaded: t0(),
    };
    let transcribe: NewJob = JobSpec::Transcribe { call }.into();
    let first = s
        .store_call_media(&media("a", "sha-a"), Some(&transcribe), t0())
        .await
        .unwrap();
    assert_eq!(first.replaced, None);
    let (_, lease) = s
        .claim_job(&[JobKind::Transcribe], "w", 60, t0())
        .await
        .unwrap()
        .unwrap();
    let second = s
        .store_call_media(&media("b", "sha-b"), Some(&transcribe), t0())
        .await
        .unwrap();
    assert_eq!(second.replaced.as_deref(), Some("a"));
    assert_ne!(
        second.job.as_ref().unwrap().id,
        first.job.as_ref().unwrap().id,
        "new bytes: a new transcription"
    );
    assert!(s.media_key_in_use("b").await.unwrap());
    assert!(!s.media_key_in_use("a").await.unwrap());
    let t = transcript(&["Hi."]);
    let mut w = write(call, &t, t0());
    w.lease = Some(lease);
    w.media_sha256 = Some("sha-a");
    assert!(!s.replace_transcript(w).await.unwrap());
    // Refused and rolled back: the job is still running, no transcript.
    assert_eq!(
        s.get_job(lease.job_id).await.unwrap().unwrap().state,
        JobState::Running
    );
    assert!(s.transcript_detail(call).await.unwrap().is_none());
    assert!(s
        .list_jobs(Some(JobState::Queued), 10)
        .await
        .unwrap()
        .iter()
        .any(|j| j.kind == JobKind::DeleteMedia));
    assert_eq!(
        s.call_media(call).await.unwrap().unwrap().sample_rate,
        Some(16_000)
    );
}

#[tokio::test]
async fn one_time_tokens_are_taken_once_across_nodes() {
    let (db, a) = common::fresh().await;
    let b = db.open().await;
    let (_, u) = workspace_and_user(&a).await;
    a.create_password_reset("tok", u, t0() + Duration::hours(1))
        .await
        .unwrap();
    let (x, y) = tokio::join!(
        a.take_password_reset("tok", t0()),
        b.take_password_reset("tok", t0())
    );
    let taken: Vec<_> = [x.unwrap(), y.unwrap()].into_iter().flatten().collect();
    assert_eq!(taken, vec![u]);
    // Secrets: every node agrees on the first one written.
    let (s1, s2) = tokio::join!(
        a.server_secret("cursor", vec![1; 32]),
        b.server_secret("cursor", vec![2; 32])
    );
    assert_eq!(s1.unwrap(), s2.unwrap());
}

/// A transcript write holds its call's lock and then queues the analysis; an analysis
/// queued on its own holds the job's de-duplication lock and then checks the call's row
/// exists (a key-share lock). Were the call's lock exclusive of key-share locks, the two
/// would deadlock.
#[tokio::test]
async fn transcript_writes_and_analysis_enqueues_of_one_call_do_not_deadlock() {
    let (db, a) = common::fresh().await;
    let b = db.open().await;
    let (ws, u) = workspace_and_user(&a).await;
    let call = CallId::generate();
    a.insert_call(&bare_call(call, ws, u, t0()), &[], &[], &[])
        .await
        .unwrap();
    let (a, b) = (Arc::new(a), Arc::new(b));
    let mut tasks = Vec::new();
    for i in 0..30 {
        let (a, b) = (a.clone(), b.clone());
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                let t = transcript(&["Hello."]);
                a.replace_transcript(write(call, &t, t0() + Duration::milliseconds(i)))
                    .await
                    .map(|_| ())
            } else {
                b.enqueue_job(&JobSpec::Analyze { call }.into(), t0())
                    .await
                    .map(|_| ())
            }
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let queued: Vec<_> = a
        .jobs_for_call(call)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == JobKind::Analyze)
        .collect();
    assert_eq!(queued.len(), 1);
}

/// Calls linking the same CRM objects with new field values bump each other's versions,
/// locking each other's rows in no set order: every insert still succeeds, and the
/// objects end with one of the written values.
#[tokio::test]
async fn calls_sharing_crm_objects_insert_concurrently() {
    let (db, a) = common::fresh().await;
    let b = db.open().await;
    let (ws, u) = workspace_and_user(&a).await;
    let (a, b) = (Arc::new(a), Arc::new(b));
    let mut tasks = Vec::new();
    for i in 0..24 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let call = CallId::generate();
            let links: Vec<CrmLink> = (0..4)
                .map(|o| CrmLink {
                    system: CrmSystem::Salesforce,
                    object_type: "Account".into(),
                    // Different orders per call.
                    object_id: format!("00{}", (o + i) % 4),
                    fields: vec![("Name".into(), serde_json::json!(format!("v{i}")))],
                })
                .collect();
            let p = PartyId::generate();
            store
                .insert_call(
                    &bare_call(call, ws, u, t0()),
                    &[party(p, call, links[2..].to_vec())],
                    &links[..2],
                    &[],
                )
                .await
                .map(|_| call)
        }));
    }
    let mut calls = Vec::new();
    for t in tasks {
        calls.push(t.await.unwrap().unwrap());
    }
    let ctx = a.call_context_of(&calls).await.unwrap();
    assert_eq!(ctx.len(), 24);
}

#[tokio::test]
async fn e_mail_case_folds_ascii_only_and_text_sorts_by_bytes() {
    let (_db, s) = common::fresh().await;
    let id = UserId::generate();
    s.create_user(&user(id, "Émile@Northwind.example.com"))
        .await
        .unwrap();
    // As SQLite's NOCASE: ASCII letters fold, others do not.
    assert!(s
        .find_user_by_email("Émile@NORTHWIND.example.com")
        .await
        .unwrap()
        .is_some());
    assert!(s
        .find_user_by_email("émile@northwind.example.com")
        .await
        .unwrap()
        .is_none());
    s.create_user(&user(UserId::generate(), "émile@northwind.example.com"))
        .await
        .unwrap();
    // Byte order, whatever the database's locale: upper case before lower case.
    for (key, at) in [("b-key", 0), ("B-key", 0), ("a-key", 0)] {
        s.create_api_key(&parley_store::ApiKeyRecord {
            access_key: key.into(),
            name: key.into(),
            secret_hash: "h".into(),
            created: t0() + Duration::seconds(at),
            revoked: None,
            scopes: ScopeSet::full(),
            workspace: None,
            owner: None,
            last_used: None,
        })
        .await
        .unwrap();
    }
    let keys: Vec<String> = s
        .list_api_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.access_key)
        .collect();
    assert_eq!(keys, ["B-key", "a-key", "b-key"]);
}

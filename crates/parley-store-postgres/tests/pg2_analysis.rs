//! Trackers, topics, analyses, per-person stats and activity on the real PostgreSQL:
//! results refused for a replaced transcript or a lost job lease (writing nothing),
//! tracker-only rewrites, stored formats, and the activity facts of calls and events.

mod common;
mod pg2_common;

use chrono::Duration;
use parley_domain::tracker::{Keywords, SaidBy, TopicDef, TrackerDef};
use parley_domain::*;
use parley_store::rows::*;
use parley_store::{AnalysisWrite, Store, StoreError, TrackerRecord};
use pg2_common::{t0, us, TestDb};

const WS: WorkspaceId = WorkspaceId(100);
const HOST: UserId = UserId(5);

fn person(user: Option<UserId>, talk_ms: i64) -> PersonStatsRow {
    PersonStatsRow {
        speaker_id: SpeakerId(7),
        user_id: user,
        talk_ms,
        talk_ratio: 1.0,
        longest_monologue_ms: 2000,
        longest_customer_story_ms: 0,
        interactivity: 0.0,
        patience_s: 0.0,
        patience_samples: 0,
        questions_asked: 0,
        question_rate: 0.0,
        words: 5,
        words_per_minute: 150.0,
        call_talk_ms: 2000,
        call_span_ms: 2000,
    }
}

fn analysis_row(tracker_name: &str, monologues: usize) -> AnalysisRow {
    let hit = OccurrenceRow {
        start_ms: 500,
        speaker_id: SpeakerId(7),
    };
    AnalysisRow {
        interaction: InteractionRow {
            speakers: vec![SpeakerTalkRow {
                speaker_id: SpeakerId(7),
                talk_ms: 2000,
            }],
            persons: vec![person(Some(HOST), 2000), person(None, 10)],
            span_ms: 2000,
            total_talk_ms: 2000,
            ..Default::default()
        },
        topics: TopicsRow {
            spans: vec![],
            per_monologue: vec![None; monologues],
            totals: vec![],
        },
        trackers: vec![TrackerHitsRow {
            tracker_id: TrackerId(11),
            name: tracker_name.into(),
            count: 1,
            occurrences: vec![hit.clone()],
            phrases: vec![PhraseHitsRow {
                phrase: tracker_name.into(),
                count: 1,
                occurrences: vec![hit],
            }],
        }],
        summary: SummaryRow::default(),
        engine: EngineRow {
            engine: "extractive".into(),
            version: "1".into(),
            model: None,
            prompt: None,
        },
    }
}

fn tracker(id: i64, name: &str, phrase: &str) -> TrackerDef {
    TrackerDef {
        id: TrackerId(id),
        name: name.into(),
        keywords: vec![Keywords {
            language: "eng".into(),
            phrases: vec![phrase.into()],
            include_related_forms: false,
        }],
        said_by: SaidBy::Anyone,
        part_of_question: false,
        said_in_topics: vec![],
        said_at: Default::default(),
    }
}

fn record(def: TrackerDef, workspace: WorkspaceId) -> TrackerRecord {
    TrackerRecord {
        def,
        workspace_id: workspace,
        created: t0(),
        creator: Some(HOST),
        updated: t0(),
        updater: None,
    }
}

/// A database with a workspace, its host and one call started at `t0`.
async fn with_call() -> (TestDb, CallId) {
    let db = TestDb::new().await;
    pg2_common::workspace(&db, WS).await;
    pg2_common::user(&db, HOST).await;
    let call = CallId(1_000);
    pg2_common::call(&db, call, WS, HOST, t0()).await;
    (db, call)
}

async fn topics_of(db: &TestDb, call: CallId) -> Vec<Option<String>> {
    sqlx::query_scalar(
        "SELECT topic FROM transcript_sentences WHERE call_id = $1 ORDER BY monologue, seq",
    )
    .bind(call.0)
    .fetch_all(&db.raw)
    .await
    .unwrap()
}

async fn version_of(db: &TestDb, call: CallId) -> i64 {
    sqlx::query_scalar("SELECT version FROM calls WHERE id = $1")
        .bind(call.0)
        .fetch_one(&db.raw)
        .await
        .unwrap()
}

#[tokio::test]
async fn trackers_and_topics_are_kept_per_workspace() {
    let db = TestDb::new().await;
    let s = &db.store;
    pg2_common::workspace(&db, WS).await;
    pg2_common::workspace(&db, WorkspaceId(200)).await;
    let r = record(tracker(11, "Competitors", "Acme"), WS);
    s.save_tracker(&r).await.unwrap();
    assert_eq!(s.get_tracker(TrackerId(11)).await.unwrap(), Some(r.clone()));
    assert_eq!(s.get_tracker(TrackerId(12)).await.unwrap(), None);
    assert_eq!(s.trackers(Some(WS)).await.unwrap(), vec![r.clone()]);
    assert!(s.trackers(Some(WorkspaceId(1))).await.unwrap().is_empty());

    // Another tracker of the same name (any case) in the workspace is a conflict.
    let twin = record(tracker(12, "COMPETITORS", "Acme"), WS);
    assert!(matches!(
        s.save_tracker(&twin).await,
        Err(StoreError::Conflict(_))
    ));
    // Elsewhere it is not.
    let east = record(tracker(13, "competitors", "Acme"), WorkspaceId(200));
    s.save_tracker(&east).await.unwrap();

    // Same id: replaced, keeping when and by whom it was created.
    let mut changed = r.clone();
    changed.def.keywords[0].phrases.push("Globex".into());
    changed.updated = t0() + Duration::hours(1);
    changed.updater = Some(UserId(6));
    changed.created = t0() + Duration::hours(9);
    changed.creator = None;
    s.save_tracker(&changed).await.unwrap();
    let got = s.get_tracker(TrackerId(11)).await.unwrap().unwrap();
    assert_eq!(got.def.keywords[0].phrases, ["Acme", "Globex"]);
    assert_eq!((got.created, got.creator), (t0(), Some(HOST)));
    assert_eq!(
        (got.updated, got.updater),
        (changed.updated, Some(UserId(6)))
    );

    // Name order folds ASCII letters to lower case, as SQLite's NOCASE does ('_' sorts
    // before letters then); then ids.
    for (id, name) in [(14, "beta"), (15, "Alpha"), (16, "_under")] {
        s.save_tracker(&record(tracker(id, name, "x"), WS))
            .await
            .unwrap();
    }
    let names: Vec<String> = s
        .trackers(Some(WS))
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.def.name)
        .collect();
    assert_eq!(names, ["_under", "Alpha", "beta", "Competitors"]);
    let everywhere: Vec<i64> = s
        .trackers(None)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.def.id.0)
        .collect();
    assert_eq!(everywhere, [16, 15, 14, 11, 13]);
    // Only ASCII letters are folded (SQLite's NOCASE): these two names differ.
    s.save_tracker(&record(tracker(17, "\u{c4}rger", "x"), WS))
        .await
        .unwrap();
    s.save_tracker(&record(tracker(18, "\u{e4}rger", "x"), WS))
        .await
        .unwrap();
    assert!(s.delete_tracker(TrackerId(17)).await.unwrap());
    assert!(s.delete_tracker(TrackerId(18)).await.unwrap());

    assert!(s.delete_tracker(TrackerId(11)).await.unwrap());
    assert!(!s.delete_tracker(TrackerId(11)).await.unwrap());
    // The name is free again.
    s.save_tracker(&twin).await.unwrap();

    assert_eq!(s.workspace_topics(WS).await.unwrap(), None);
    let topics = vec![TopicDef {
        name: "Money".into(),
        keywords: vec!["budget".into()],
    }];
    s.set_workspace_topics(WS, &topics, t0()).await.unwrap();
    assert_eq!(s.workspace_topics(WS).await.unwrap(), Some(topics));
    s.set_workspace_topics(WS, &[], t0()).await.unwrap();
    assert_eq!(s.workspace_topics(WS).await.unwrap(), Some(vec![]));
}

#[tokio::test]
async fn results_for_a_replaced_transcript_are_refused() {
    let (db, call) = with_call().await;
    let s = &db.store;
    assert_eq!(s.analysis_input(call).await.unwrap(), None);
    let nothing = analysis_row("Acme", 2);
    assert!(!s
        .save_analysis(AnalysisWrite {
            call_id: call,
            transcript_version: 1,
            analysis: &nothing,
            at: t0(),
            lease: None,
        })
        .await
        .unwrap());

    pg2_common::transcript(
        &db,
        call,
        1,
        &[&["We also looked at Acme.", "Yes."], &["Fine."]],
    )
    .await;
    let input = s.analysis_input(call).await.unwrap().unwrap();
    assert_eq!(input.version, 1);
    assert_eq!(input.transcript.len(), 2);
    assert_eq!(input.transcript[0].sentences.len(), 2);
    assert_eq!(input.transcript[0].sentences[1].text, "Yes.");
    assert_eq!(
        input.transcript[0].sentences[0].words,
        vec![Word {
            start_ms: 0,
            end_ms: 500,
            text: "We".into()
        }]
    );
    assert!(input.transcript[0].sentences[1].words.is_empty());

    // The transcript changes before the result is written: the result is refused.
    pg2_common::transcript(&db, call, 2, &[&["Only Globex."], &["Fine."]]).await;
    let stale = analysis_row("Acme", 2);
    assert!(!s
        .save_analysis(AnalysisWrite {
            call_id: call,
            transcript_version: input.version,
            analysis: &stale,
            at: t0(),
            lease: None,
        })
        .await
        .unwrap());
    assert!(s.analyses_of(&[call]).await.unwrap().is_empty());
    assert!(!s.save_tracker_hits(call, 1, &[]).await.unwrap());
    assert!(
        !s.save_tracker_hits(call, 2, &[]).await.unwrap(),
        "no analysis yet"
    );

    let before = version_of(&db, call).await;
    let mut analysis = analysis_row("Globex", 2);
    analysis.topics.per_monologue = vec![Some("Competition".into()), None];
    assert!(s
        .save_analysis(AnalysisWrite {
            call_id: call,
            transcript_version: 2,
            analysis: &analysis,
            at: t0(),
            lease: None,
        })
        .await
        .unwrap());
    assert!(
        version_of(&db, call).await > before,
        "the call's version moves"
    );
    assert_eq!(
        s.analyses_of(&[call, CallId(1)]).await.unwrap()[&call],
        analysis
    );
    assert!(s.analyses_of(&[]).await.unwrap().is_empty());
    assert_eq!(
        topics_of(&db, call).await,
        [Some("Competition".into()), None]
    );
    assert_eq!(
        s.analysis_input(call).await.unwrap().unwrap().transcript[0]
            .topic
            .as_deref(),
        Some("Competition")
    );
    // Only people with a user get stats.
    let stats = s
        .person_stats(t0(), t0() + Duration::hours(1), None)
        .await
        .unwrap();
    assert_eq!(stats, vec![(HOST, person(Some(HOST), 2000))]);

    // Analysed again: replaced, with the stats and topics.
    let mut again = analysis_row("Initech", 2);
    again.interaction.persons = vec![person(Some(HOST), 1), person(Some(HOST), 3)];
    again.topics.per_monologue = vec![None, Some("Pricing".into())];
    assert!(s
        .save_analysis(AnalysisWrite {
            call_id: call,
            transcript_version: 2,
            analysis: &again,
            at: t0() + Duration::minutes(1),
            lease: None,
        })
        .await
        .unwrap());
    assert_eq!(s.analyses_of(&[call]).await.unwrap()[&call], again);
    assert_eq!(topics_of(&db, call).await, [None, Some("Pricing".into())]);
    let stats = s
        .person_stats(t0(), t0() + Duration::hours(1), Some(&[HOST]))
        .await
        .unwrap();
    assert_eq!(
        stats,
        vec![(HOST, person(Some(HOST), 3))],
        "the last one listed"
    );

    // A tracker back-fill rewrites only the tracker hits.
    let before = version_of(&db, call).await;
    assert!(s.save_tracker_hits(call, 2, &[]).await.unwrap());
    let stored = s.analyses_of(&[call]).await.unwrap();
    assert!(stored[&call].trackers.is_empty());
    assert_eq!(stored[&call].interaction, again.interaction);
    assert!(version_of(&db, call).await > before);
}

#[tokio::test]
async fn an_analysis_is_written_only_under_the_jobs_lease() {
    let (db, call) = with_call().await;
    let s = &db.store;
    pg2_common::transcript(&db, call, 1, &[&["We also looked at Acme."]]).await;
    let lease = pg2_common::running_job(&db, call, 2).await;
    let mut analysis = analysis_row("Acme", 1);
    analysis.topics.per_monologue = vec![Some("Competition".into())];

    // Another worker took the job over (attempt 3): this worker's result is refused and
    // nothing of it is written.
    let stale = JobLease {
        job_id: lease.job_id,
        attempt: 1,
    };
    let refused = s
        .save_analysis(AnalysisWrite {
            call_id: call,
            transcript_version: 1,
            analysis: &analysis,
            at: t0(),
            lease: Some(stale),
        })
        .await;
    assert!(
        matches!(refused, Err(StoreError::LeaseLost(id)) if id == lease.job_id),
        "{refused:?}"
    );
    assert!(s.analyses_of(&[call]).await.unwrap().is_empty());
    assert_eq!(topics_of(&db, call).await, [None]);
    assert!(s
        .person_stats(t0(), t0() + Duration::hours(1), None)
        .await
        .unwrap()
        .is_empty());
    let state: String = sqlx::query_scalar("SELECT state FROM jobs WHERE id = $1")
        .bind(lease.job_id)
        .fetch_one(&db.raw)
        .await
        .unwrap();
    assert_eq!(state, "running");

    // A stale transcript is refused before the lease is looked at: the job stays held.
    assert!(!s
        .save_analysis(AnalysisWrite {
            call_id: call,
            transcript_version: 0,
            analysis: &analysis,
            at: t0(),
            lease: Some(lease),
        })
        .await
        .unwrap());

    // The holder's result is written and finishes the job in the same transaction.
    let done_at = t0() + Duration::minutes(3);
    assert!(s
        .save_analysis(AnalysisWrite {
            call_id: call,
            transcript_version: 1,
            analysis: &analysis,
            at: done_at,
            lease: Some(lease),
        })
        .await
        .unwrap());
    let (state, finished): (String, Option<i64>) =
        sqlx::query_as("SELECT state, finished_us FROM jobs WHERE id = $1")
            .bind(lease.job_id)
            .fetch_one(&db.raw)
            .await
            .unwrap();
    assert_eq!((state.as_str(), finished), ("done", Some(us(done_at))));
    assert_eq!(s.analyses_of(&[call]).await.unwrap()[&call], analysis);
    assert_eq!(topics_of(&db, call).await, [Some("Competition".into())]);
    // Finished: the same lease cannot write again.
    assert!(matches!(
        s.save_analysis(AnalysisWrite {
            call_id: call,
            transcript_version: 1,
            analysis: &analysis,
            at: done_at,
            lease: Some(lease),
        })
        .await,
        Err(StoreError::LeaseLost(_))
    ));
}

/// Rows of a format this build does not know are refused by name, and a tracker
/// back-fill leaves them alone; rows without the newer person-stats fields read as 0.
#[tokio::test]
async fn analysis_rows_of_another_format_are_refused() {
    let (db, call) = with_call().await;
    let s = &db.store;
    pg2_common::transcript(&db, call, 1, &[&["We also looked at Acme."]]).await;
    let p = r#"{"speaker_id":7,"user_id":"5","talk_ms":2000,"talk_ratio":1.0,
        "longest_monologue_ms":2000,"longest_customer_story_ms":0,"interactivity":0.0,
        "patience_s":0.0,"patience_samples":0,"questions_asked":0,"question_rate":0.0,
        "words":5,"words_per_minute":150.0}"#;
    sqlx::query(
        "INSERT INTO call_person_stats (call_id, user_id, started_us, stats) VALUES ($1, 5, $2, $3)",
    )
    .bind(call.0)
    .bind(us(t0()))
    .bind(p)
    .execute(&db.raw)
    .await
    .unwrap();
    let analysis = analysis_row("Acme", 1);
    assert!(s
        .save_analysis(AnalysisWrite {
            call_id: call,
            transcript_version: 1,
            analysis: &analysis,
            at: t0(),
            lease: None,
        })
        .await
        .unwrap());
    // save_analysis replaced the person stats; put the old-style row back.
    sqlx::query("UPDATE call_person_stats SET stats = $2 WHERE call_id = $1")
        .bind(call.0)
        .bind(p)
        .execute(&db.raw)
        .await
        .unwrap();
    let stats = s
        .person_stats(t0(), t0() + Duration::hours(1), None)
        .await
        .unwrap();
    assert_eq!(
        (stats[0].0, stats[0].1.talk_ms, stats[0].1.call_talk_ms),
        (HOST, 2000, 0)
    );

    sqlx::query("UPDATE call_analysis SET format = 2")
        .execute(&db.raw)
        .await
        .unwrap();
    sqlx::query("UPDATE call_person_stats SET format = 2")
        .execute(&db.raw)
        .await
        .unwrap();
    match s.analyses_of(&[call]).await {
        Err(StoreError::Corrupt(m)) => assert!(m.contains("format 2"), "{m}"),
        other => panic!("expected a format error, got {other:?}"),
    }
    match s.person_stats(t0(), t0() + Duration::hours(1), None).await {
        Err(StoreError::Corrupt(m)) => assert!(m.contains("format 2"), "{m}"),
        other => panic!("expected a format error, got {other:?}"),
    }
    assert!(!s.save_tracker_hits(call, 1, &[]).await.unwrap());
}

#[tokio::test]
async fn transcribed_calls_and_person_stats_by_range_and_user() {
    let db = TestDb::new().await;
    let s = &db.store;
    pg2_common::workspace(&db, WS).await;
    pg2_common::workspace(&db, WorkspaceId(200)).await;
    pg2_common::user(&db, HOST).await;
    pg2_common::user(&db, UserId(6)).await;
    for (id, w, minute, transcribed) in [
        (3, WS, 0, true),
        (1, WS, 10, true),
        (2, WorkspaceId(200), 20, true),
        (4, WS, 30, false),
    ] {
        let call = CallId(id);
        pg2_common::call(&db, call, w, HOST, t0() + Duration::minutes(minute)).await;
        if transcribed {
            pg2_common::transcript(&db, call, 1, &[&["Hello."]]).await;
            let mut a = analysis_row("Acme", 1);
            a.interaction.persons = vec![person(Some(HOST), id), person(Some(UserId(6)), 10 * id)];
            assert!(s
                .save_analysis(AnalysisWrite {
                    call_id: call,
                    transcript_version: 1,
                    analysis: &a,
                    at: t0(),
                    lease: None,
                })
                .await
                .unwrap());
        }
    }
    assert_eq!(
        s.transcribed_calls(None, None, 10).await.unwrap(),
        [CallId(1), CallId(2), CallId(3)]
    );
    assert_eq!(
        s.transcribed_calls(Some(WS), None, 10).await.unwrap(),
        [CallId(1), CallId(3)]
    );
    assert_eq!(
        s.transcribed_calls(None, Some(CallId(1)), 1).await.unwrap(),
        [CallId(2)]
    );
    let talk = |rows: Vec<(UserId, PersonStatsRow)>| -> Vec<(i64, i64)> {
        rows.into_iter().map(|(u, p)| (u.0, p.talk_ms)).collect()
    };
    // By user, then call start.
    assert_eq!(
        talk(
            s.person_stats(t0(), t0() + Duration::hours(1), None)
                .await
                .unwrap()
        ),
        [(5, 3), (5, 1), (5, 2), (6, 30), (6, 10), (6, 20)]
    );
    // [from, to) by call start.
    assert_eq!(
        talk(
            s.person_stats(
                t0() + Duration::minutes(10),
                t0() + Duration::minutes(20),
                Some(&[UserId(6)])
            )
            .await
            .unwrap()
        ),
        [(6, 10)]
    );
    assert!(s
        .person_stats(t0(), t0() + Duration::hours(1), Some(&[]))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn activity_facts_count_hosting_attending_and_events() {
    let db = TestDb::new().await;
    let s = &db.store;
    pg2_common::workspace(&db, WS).await;
    let (host, guest, boss) = (UserId(5), UserId(6), UserId(7));
    for u in [host, guest, boss] {
        pg2_common::user(&db, u).await;
    }
    let (early, late, outside) = (CallId(2), CallId(1), CallId(3));
    pg2_common::call(&db, early, WS, host, t0()).await;
    pg2_common::call(&db, late, WS, guest, t0() + Duration::minutes(5)).await;
    pg2_common::call(&db, outside, WS, host, t0() + Duration::hours(2)).await;
    // The host listed as a party too does not attend their own call.
    pg2_common::party(&db, early, 0, host).await;
    pg2_common::party(&db, early, 1, boss).await;
    pg2_common::party(&db, early, 2, guest).await;

    let event = |kind, actor, subject, call, minute| ActivityEvent {
        id: 0,
        kind,
        actor,
        subject,
        call_id: call,
        at: t0() + Duration::minutes(minute),
    };
    let listen = event(ActivityKind::Listen, boss, None, early, 10);
    let id = s.record_activity(&listen).await.unwrap();
    assert_ne!(id, 0);
    s.record_activity(&event(ActivityKind::Comment, boss, Some(guest), late, 11))
        .await
        .unwrap();
    s.record_activity(&event(ActivityKind::Listen, host, None, early, 200))
        .await
        .unwrap();
    assert!(matches!(
        s.record_activity(&event(ActivityKind::Listen, UserId(99), None, early, 1))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.record_activity(&event(ActivityKind::Listen, boss, None, CallId(99), 1))
            .await,
        Err(StoreError::NotFound(_))
    ));

    let hour = t0() + Duration::hours(1);
    let facts: Vec<_> = s
        .activity_facts(t0(), hour, None)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.user, f.counter, f.call, f.at))
        .collect();
    let at = |m| t0() + Duration::minutes(m);
    assert_eq!(
        facts,
        [
            (host, Counter::CallsAsHost, early, at(0)),
            (boss, Counter::CallsAttended, early, at(0)),
            (guest, Counter::CallsAttended, early, at(0)),
            (guest, Counter::CallsAsHost, late, at(5)),
            (boss, Counter::OthersCallsListenedTo, early, at(10)),
            (boss, Counter::CallsCommentsGiven, late, at(11)),
            (guest, Counter::CallsCommentsReceived, late, at(11)),
        ]
    );
    let guests: Vec<_> = s
        .activity_facts(t0(), hour, Some(&[guest]))
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.counter)
        .collect();
    assert_eq!(
        guests,
        [
            Counter::CallsAttended,
            Counter::CallsAsHost,
            Counter::CallsCommentsReceived
        ]
    );
    let later: Vec<_> = s
        .activity_facts(hour, t0() + Duration::hours(4), None)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.user, f.counter, f.call))
        .collect();
    assert_eq!(
        later,
        [
            (host, Counter::CallsAsHost, outside),
            (host, Counter::OwnCallsListenedTo, early),
        ]
    );
}

/// Analyses, tracker back-fills and transcript replacements of one call racing on two
/// nodes: none deadlocks, and a result is kept only for the transcript it was made from
/// (a replaced transcript's sentences never get the old analysis's topics).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn analyses_back_fills_and_replacements_of_a_call_race_safely() {
    let (db, call) = with_call().await;
    let nodes = [db.store.clone(), db.node().await];
    let hello: Transcript = vec![Monologue {
        speaker_id: SpeakerId(7),
        topic: None,
        sentences: vec![Sentence {
            start_ms: 0,
            end_ms: 900,
            text: "Hello.".into(),
            words: vec![],
        }],
    }];
    pg2_common::transcript(&db, call, 1, &[&["Hello."]]).await;
    let mut analysis = analysis_row("Acme", 1);
    analysis.topics.per_monologue = vec![Some("Competition".into())];
    for round in 1..=15i64 {
        let version = nodes[0]
            .analysis_input(call)
            .await
            .unwrap()
            .unwrap()
            .version;
        let save = {
            let (s, a) = (nodes[0].clone(), analysis.clone());
            tokio::spawn(async move {
                s.save_analysis(AnalysisWrite {
                    call_id: call,
                    transcript_version: version,
                    analysis: &a,
                    at: t0(),
                    lease: None,
                })
                .await
                .unwrap()
            })
        };
        let backfill = {
            let s = nodes[1].clone();
            tokio::spawn(async move { s.save_tracker_hits(call, version, &[]).await.unwrap() })
        };
        let replace = {
            let (s, t) = (nodes[1].clone(), hello.clone());
            tokio::spawn(async move {
                s.replace_transcript(parley_store::TranscriptWrite {
                    call_id: call,
                    source: "asr:x",
                    transcript: &t,
                    speaking_parties: &[],
                    new_parties: &[],
                    duration_s: None,
                    language: None,
                    speakers: &[],
                    at: t0() + Duration::seconds(round),
                    lease: None,
                    media_sha256: None,
                })
                .await
                .unwrap()
            })
        };
        let saved = save.await.unwrap();
        backfill.await.unwrap();
        assert!(replace.await.unwrap());
        // The transcript now is this round's replacement, whatever the order was: its
        // sentences were written after any analysis of `version`, and keep no topic of it.
        assert_eq!(topics_of(&db, call).await, [None], "round {round}");
        if saved {
            let stored = nodes[0].analyses_of(&[call]).await.unwrap();
            let transcript_us: i64 =
                sqlx::query_scalar("SELECT transcript_us FROM call_analysis WHERE call_id = $1")
                    .bind(call.0)
                    .fetch_one(&db.raw)
                    .await
                    .unwrap();
            assert_eq!(transcript_us, version);
            assert!(stored.contains_key(&call));
        }
    }
}

/// The whole path through the store, as the worker takes it: a transcript queues the
/// analysis, a worker claims it, its lease expires and another worker takes the job over;
/// the first worker's result is refused, the second's is kept and finishes the job.
#[tokio::test]
async fn a_taken_over_analysis_job_keeps_only_the_new_holders_result() {
    let db = TestDb::new().await;
    let s = &db.store;
    let ws = Workspace {
        id: WS,
        name: "w".into(),
        description: None,
        created: t0(),
    };
    s.create_workspace(&ws, true).await.unwrap();
    pg2_common::user(&db, HOST).await;
    let call = CallId::generate();
    pg2_common::call(&db, call, WS, HOST, t0()).await;
    let t: Transcript = vec![Monologue {
        speaker_id: SpeakerId(7),
        topic: None,
        sentences: vec![Sentence {
            start_ms: 0,
            end_ms: 2000,
            text: "We also looked at Acme.".into(),
            words: vec![],
        }],
    }];
    assert!(s
        .replace_transcript(parley_store::TranscriptWrite {
            call_id: call,
            source: "import:webvtt",
            transcript: &t,
            speaking_parties: &[],
            new_parties: &[],
            duration_s: None,
            language: None,
            speakers: &[],
            at: t0(),
            lease: None,
            media_sha256: None,
        })
        .await
        .unwrap());
    let input = s.analysis_input(call).await.unwrap().unwrap();
    assert_eq!((input.version, &input.transcript), (us(t0()), &t));

    let (job, first) = s
        .claim_job(&[JobKind::Analyze], "w1", 60, t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.call_id, Some(call));
    let (_, second) = s
        .claim_job(&[JobKind::Analyze], "w2", 60, t0() + Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.job_id, first.job_id);
    let analysis = analysis_row("Acme", 1);
    let write = |lease| AnalysisWrite {
        call_id: call,
        transcript_version: input.version,
        analysis: &analysis,
        at: t0() + Duration::minutes(6),
        lease: Some(lease),
    };
    assert!(matches!(
        s.save_analysis(write(first)).await,
        Err(StoreError::LeaseLost(_))
    ));
    assert!(s.analyses_of(&[call]).await.unwrap().is_empty());
    assert!(s.save_analysis(write(second)).await.unwrap());
    assert_eq!(s.analyses_of(&[call]).await.unwrap()[&call], analysis);
    let job = s.get_job(first.job_id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Done);
    assert_eq!(job.finished, Some(t0() + Duration::minutes(6)));
}

//! Analysis storage on a real SQLite file: the analysis job queued with each transcript,
//! results refused for a replaced transcript, tracker-only rewrites, trackers and topics.

use chrono::{Duration, TimeZone, Utc};
use parley_analysis::topics::TopicDef;
use parley_analysis::trackers::{Keywords, SaidBy, TrackerDef};
use parley_analysis::{CallAnalysis, CallInput};
use parley_domain::*;
use parley_store::{AnalysisWrite, SqliteStore, Store, StoreError, TrackerRecord, TranscriptWrite};

mod common;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

fn transcript(text: &str) -> Transcript {
    vec![Monologue {
        speaker_id: SpeakerId(7),
        topic: None,
        sentences: vec![Sentence {
            start_ms: 0,
            end_ms: 2000,
            text: text.into(),
            words: vec![],
        }],
    }]
}

async fn write(s: &SqliteStore, call: CallId, t: &Transcript, at: Timestamp) {
    s.replace_transcript(TranscriptWrite {
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
    })
    .await
    .unwrap();
}

fn analysis_of(t: &Transcript, trackers: &[TrackerDef]) -> CallAnalysis {
    let set = parley_analysis::trackers::TrackerSet::compile(trackers).unwrap();
    parley_analysis::analyze(
        &CallInput {
            transcript: t,
            speakers: &[],
            host: None,
            language: Some("eng"),
            duration_ms: None,
        },
        &set,
        &parley_analysis::topics::default_topics(),
    )
}

fn tracker(phrase: &str) -> TrackerDef {
    TrackerDef {
        id: TrackerId(11),
        name: "Competitors".into(),
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

#[tokio::test]
async fn results_for_a_replaced_transcript_are_refused() {
    let (_dir, s) = common::store().await;
    let (ws, user) = common::workspace_and_user(&s, UserId::generate(), t0()).await;
    let call = common::bare_call(CallId::generate(), ws.id, user.id, t0());
    s.insert_call(&call, &[], &[], &[]).await.unwrap();

    let first = transcript("We also looked at Acme.");
    write(&s, call.id, &first, t0()).await;
    // The transcript write queued the analysis in the same transaction, once.
    let jobs = s.jobs_for_call(call.id).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].kind, jobs[0].state),
        (JobKind::Analyze, JobState::Queued)
    );

    let input = s.analysis_input(call.id).await.unwrap().unwrap();
    assert_eq!(input.transcript, first);
    let trackers = [tracker("Acme")];
    let analysis = analysis_of(&input.transcript, &trackers);
    assert_eq!(analysis.trackers[0].count, 1);

    // The transcript changes before the result is written: the result is refused.
    let second = transcript("Only Globex.");
    write(&s, call.id, &second, t0() + Duration::seconds(5)).await;
    assert_eq!(
        s.jobs_for_call(call.id).await.unwrap().len(),
        1,
        "still one queued"
    );
    let stale = AnalysisWrite {
        call_id: call.id,
        transcript_version: input.version,
        analysis: &analysis,
        at: t0(),
        lease: None,
    };
    assert!(!s.save_analysis(stale).await.unwrap());
    assert!(s.analyses_of(&[call.id]).await.unwrap().is_empty());
    assert!(!s
        .save_tracker_hits(call.id, input.version, &analysis.trackers)
        .await
        .unwrap());

    // The current version is stored, with each monologue's topic.
    let fresh = s.analysis_input(call.id).await.unwrap().unwrap();
    let mut analysis = analysis_of(&fresh.transcript, &[tracker("Globex")]);
    analysis.topics.per_monologue = vec![Some("Competition".into())];
    assert!(s
        .save_analysis(AnalysisWrite {
            call_id: call.id,
            transcript_version: fresh.version,
            analysis: &analysis,
            at: t0(),
            lease: None,
        })
        .await
        .unwrap());
    let stored = s.analyses_of(&[call.id]).await.unwrap();
    assert_eq!(stored[&call.id], analysis);
    let t = s.transcripts_of(&[call.id]).await.unwrap();
    assert_eq!(t[&call.id][0].topic.as_deref(), Some("Competition"));

    // A tracker back-fill rewrites only the tracker hits.
    assert!(s
        .save_tracker_hits(call.id, fresh.version, &[])
        .await
        .unwrap());
    let stored = s.analyses_of(&[call.id]).await.unwrap();
    assert!(stored[&call.id].trackers.is_empty());
    assert_eq!(stored[&call.id].interaction, analysis.interaction);
}

#[tokio::test]
async fn trackers_and_topics_are_kept_per_workspace() {
    let (_dir, s) = common::store().await;
    let (ws, _) = common::workspace_and_user(&s, UserId::generate(), t0()).await;
    let record = TrackerRecord {
        def: tracker("Acme"),
        workspace_id: ws.id,
        created: t0(),
        creator: None,
        updated: t0(),
        updater: None,
    };
    s.save_tracker(&record).await.unwrap();
    assert_eq!(
        s.get_tracker(TrackerId(11)).await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(s.trackers(Some(ws.id)).await.unwrap().len(), 1);
    assert!(s.trackers(Some(WorkspaceId(1))).await.unwrap().is_empty());

    // Another tracker of the same name (any case) in the workspace is a conflict.
    let mut twin = record.clone();
    twin.def.id = TrackerId(12);
    twin.def.name = "COMPETITORS".into();
    assert!(matches!(
        s.save_tracker(&twin).await,
        Err(StoreError::Conflict(_))
    ));

    // Same id: replaced, keeping when it was created.
    let mut changed = record.clone();
    changed.def.keywords[0].phrases.push("Globex".into());
    changed.updated = t0() + Duration::hours(1);
    s.save_tracker(&changed).await.unwrap();
    let got = s.get_tracker(TrackerId(11)).await.unwrap().unwrap();
    assert_eq!(got.def.keywords[0].phrases, ["Acme", "Globex"]);
    assert_eq!(got.created, t0());
    assert!(s.delete_tracker(TrackerId(11)).await.unwrap());
    assert!(!s.delete_tracker(TrackerId(11)).await.unwrap());

    assert_eq!(s.workspace_topics(ws.id).await.unwrap(), None);
    let topics = vec![TopicDef {
        name: "Money".into(),
        keywords: vec!["budget".into()],
    }];
    s.set_workspace_topics(ws.id, &topics, t0()).await.unwrap();
    assert_eq!(s.workspace_topics(ws.id).await.unwrap(), Some(topics));
}

//! Analysis storage: the analysis job queued with each transcript, results refused for a
//! replaced transcript, tracker-only rewrites, trackers and topics, person stats.

use chrono::Duration;
use parley_domain::tracker::{Keywords, SaidBy, TopicDef, TrackerDef};
use parley_domain::*;

use super::{bare_call, import, sql_str, t0, workspace_and_user, Harness};
use crate::rows::*;
use crate::{
    AnalysisWrite, CallFilter, CallOrder, CallSearch, SearchKey, Store, StoreError, TrackerRecord,
};

fn transcript(text: &str) -> Transcript {
    super::one_sentence(7, text)
}

async fn write(s: &dyn Store, call: CallId, t: &Transcript, at: Timestamp) {
    s.replace_transcript(import(call, t, at))
        .await
        .expect("write the transcript");
}

/// A stored analysis with one tracker hit (the store keeps what it is given; the
/// numbers need not add up).
pub fn analysis_row(tracker_name: &str) -> AnalysisRow {
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
            span_ms: 2000,
            total_talk_ms: 2000,
            ..Default::default()
        },
        topics: TopicsRow {
            spans: vec![],
            per_monologue: vec![None],
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

fn person(user: Option<UserId>, talk_ms: i64) -> PersonStatsRow {
    PersonStatsRow {
        speaker_id: SpeakerId(7),
        user_id: user,
        talk_ms,
        talk_ratio: 0.25,
        longest_monologue_ms: talk_ms,
        longest_customer_story_ms: 0,
        interactivity: 1.5,
        patience_s: 0.75,
        patience_samples: 2,
        questions_asked: 1,
        question_rate: 0.1,
        words: 12,
        words_per_minute: 133.3,
        call_talk_ms: 8000,
        call_span_ms: 9000,
    }
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

pub async fn results_for_a_replaced_transcript_are_refused(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, user) = workspace_and_user(s, UserId::generate(), t0()).await;
    let call = bare_call(CallId::generate(), ws.id, user.id, t0());
    s.insert_call(&call, &[], &[], &[]).await.unwrap();

    let first = transcript("We also looked at Acme.");
    write(s, call.id, &first, t0()).await;
    // The transcript write queued the analysis in the same transaction, once.
    let jobs = s.jobs_for_call(call.id).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].kind, jobs[0].state),
        (JobKind::Analyze, JobState::Queued)
    );

    let input = s.analysis_input(call.id).await.unwrap().unwrap();
    assert_eq!(input.transcript, first);
    let analysis = analysis_row("Acme");

    // The transcript changes before the result is written: the result is refused.
    let second = transcript("Only Globex.");
    write(s, call.id, &second, t0() + Duration::seconds(5)).await;
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
    let mut analysis = analysis_row("Globex");
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
    assert!(s.analyses_of(&[]).await.unwrap().is_empty());
    assert_eq!(s.analysis_input(CallId(3)).await.unwrap(), None);
}

pub async fn trackers_and_topics_are_kept_per_workspace(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, _) = workspace_and_user(s, UserId::generate(), t0()).await;
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

    // Listed by name, whatever its case, in one workspace or all.
    let mut apples = record.clone();
    apples.def.id = TrackerId(13);
    apples.def.name = "apples".into();
    s.save_tracker(&apples).await.unwrap();
    let names = |v: Vec<TrackerRecord>| v.into_iter().map(|t| t.def.name).collect::<Vec<_>>();
    assert_eq!(
        names(s.trackers(None).await.unwrap()),
        ["apples", "Competitors"]
    );

    assert!(s.delete_tracker(TrackerId(11)).await.unwrap());
    assert!(!s.delete_tracker(TrackerId(11)).await.unwrap());
    assert_eq!(s.get_tracker(TrackerId(11)).await.unwrap(), None);

    assert_eq!(s.workspace_topics(ws.id).await.unwrap(), None);
    let topics = vec![TopicDef {
        name: "Money".into(),
        keywords: vec!["budget".into()],
    }];
    s.set_workspace_topics(ws.id, &topics, t0()).await.unwrap();
    assert_eq!(s.workspace_topics(ws.id).await.unwrap(), Some(topics));
    s.set_workspace_topics(ws.id, &[], t0()).await.unwrap();
    assert_eq!(
        s.workspace_topics(ws.id).await.unwrap(),
        Some(vec![]),
        "an empty set replaces the defaults too"
    );
}

/// Rows written before the store had its own row types (and before the `format` column)
/// are read as format 1: this JSON is what those builds wrote, byte for byte in shape.
/// A row of a format this build does not know is an error naming the format, and a
/// tracker back-fill does not write format-1 hits into it.
pub async fn analysis_rows_in_the_first_format_are_read_and_newer_ones_refused(h: &dyn Harness) {
    let f = h.fresh().await;
    let Some(exec) = &f.exec else {
        eprintln!("skipped: this backend's harness runs no raw SQL");
        return;
    };
    let s = &*f.store;
    let (ws, user) = workspace_and_user(s, UserId(5), t0()).await;
    let call = bare_call(CallId::generate(), ws.id, user.id, t0());
    s.insert_call(&call, &[], &[], &[]).await.unwrap();
    let t = transcript("We also looked at Acme.");
    write(s, call.id, &t, t0()).await;
    let version = s.analysis_input(call.id).await.unwrap().unwrap().version;

    // `call_talk_ms` and `call_span_ms` are missing, as in rows from before they existed.
    let person = r#"{"speaker_id":7,"user_id":"5","talk_ms":2000,"talk_ratio":1.0,
        "longest_monologue_ms":2000,"longest_customer_story_ms":0,"interactivity":0.0,
        "patience_s":0.0,"patience_samples":0,"questions_asked":0,"question_rate":0.0,
        "words":5,"words_per_minute":150.0}"#;
    let interaction = format!(
        r#"{{"speakers":[{{"speaker_id":"7","talk_ms":2000}}],"company_questions":0,
        "non_company_questions":0,"persons":[{person}],"longest_customer_story_ms":0,
        "interactivity":0.0,"span_ms":2000,"switches":0,"total_talk_ms":2000}}"#
    );
    let topics = r#"{"spans":[{"name":"Competition","start_ms":0,"end_ms":2000,
        "first_monologue":0,"end_monologue":1}],"per_monologue":["Competition"],
        "totals":[["Competition",2000]]}"#;
    let trackers = r#"[{"tracker_id":"11","name":"Competitors","count":1,
        "occurrences":[{"start_ms":500,"speaker_id":"7"}],
        "phrases":[{"phrase":"Acme","count":1,"occurrences":[{"start_ms":500,"speaker_id":"7"}]}]}]"#;
    let summary = r#"{"brief":"They compared Acme.","key_points":[{"text":"Acme came up.",
        "start_ms":0,"end_ms":2000,"speaker_id":"7"}],"outline":[{"section":"Competition",
        "start_ms":0,"duration_ms":2000,"items":[]}],"highlights":[{"title":"Next steps",
        "items":[]}],"next_steps":[],"outcome":{"id":"ONGOING","category":"Open","name":"Ongoing"}}"#;
    let engine = r#"{"engine":"extractive","version":"1","model":null,"prompt":null}"#;
    exec(format!(
        "INSERT INTO call_analysis (call_id, transcript_us, interaction, topics, trackers, \
         summary, engine, analysed_us) VALUES ({}, {version}, {}, {}, {}, {}, {}, 0)",
        call.id.0,
        sql_str(&interaction),
        sql_str(topics),
        sql_str(trackers),
        sql_str(summary),
        sql_str(engine),
    ))
    .await
    .unwrap();
    exec(format!(
        "INSERT INTO call_person_stats (call_id, user_id, started_us, stats) VALUES ({}, 5, {}, {})",
        call.id.0,
        t0().timestamp_micros(),
        sql_str(person),
    ))
    .await
    .unwrap();

    let row = s
        .analyses_of(&[call.id])
        .await
        .unwrap()
        .remove(&call.id)
        .unwrap();
    assert_eq!(row.interaction.persons[0].user_id, Some(UserId(5)));
    assert_eq!(row.interaction.persons[0].words, 5);
    assert_eq!(row.interaction.persons[0].call_talk_ms, 0);
    assert_eq!(row.topics.totals, [("Competition".to_owned(), 2000)]);
    assert_eq!(row.trackers[0].phrases[0].occurrences[0].start_ms, 500);
    assert_eq!(row.summary.outcome.unwrap().id, "ONGOING");
    assert_eq!(row.engine.engine, "extractive");
    let stats = s
        .person_stats(t0(), t0() + Duration::hours(1), None)
        .await
        .unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!((stats[0].0, stats[0].1.talk_ms), (UserId(5), 2000));

    // A newer build's row: refused by name, and left alone by a tracker back-fill.
    exec("UPDATE call_analysis SET format = 2".into())
        .await
        .unwrap();
    exec("UPDATE call_person_stats SET format = 2".into())
        .await
        .unwrap();
    match s.analyses_of(&[call.id]).await {
        Err(StoreError::Corrupt(m)) => assert!(m.contains("format 2"), "{m}"),
        other => panic!("expected a format error, got {other:?}"),
    }
    match s.person_stats(t0(), t0() + Duration::hours(1), None).await {
        Err(StoreError::Corrupt(m)) => assert!(m.contains("format 2"), "{m}"),
        other => panic!("expected a format error, got {other:?}"),
    }
    assert!(!s.save_tracker_hits(call.id, version, &[]).await.unwrap());
}

/// Person stats are kept per user and call start; transcribed calls are listed in id
/// order, per workspace, in pages.
pub async fn person_stats_and_transcribed_calls(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, me) = workspace_and_user(s, UserId(20), t0()).await;
    let east = Workspace {
        id: WorkspaceId::generate(),
        name: "east".into(),
        description: None,
        created: t0(),
    };
    s.create_workspace(&east, false).await.unwrap();
    let mut ids = Vec::new();
    for (i, w) in [ws.id, east.id, ws.id, ws.id].into_iter().enumerate() {
        let c = bare_call(
            CallId(100 + i as i64),
            w,
            me.id,
            t0() + Duration::hours(i as i64),
        );
        s.insert_call(&c, &[], &[], &[]).await.unwrap();
        ids.push(c.id);
    }
    // All but the last have a transcript and an analysis with one known and one
    // unknown person.
    for (i, id) in ids.iter().take(3).enumerate() {
        let t = transcript("hello");
        write(s, *id, &t, t0()).await;
        let version = s.analysis_input(*id).await.unwrap().unwrap().version;
        let mut a = analysis_row("Acme");
        a.interaction.persons = vec![person(Some(me.id), 1000 + i as i64), person(None, 5)];
        assert!(s
            .save_analysis(AnalysisWrite {
                call_id: *id,
                transcript_version: version,
                analysis: &a,
                at: t0(),
                lease: None,
            })
            .await
            .unwrap());
        assert_eq!(s.analyses_of(&[*id]).await.unwrap()[id], a);
    }
    assert_eq!(
        s.transcribed_calls(None, None, 10).await.unwrap(),
        ids[..3].to_vec()
    );
    assert_eq!(
        s.transcribed_calls(Some(ws.id), None, 10).await.unwrap(),
        vec![ids[0], ids[2]]
    );
    assert_eq!(
        s.transcribed_calls(None, Some(ids[0]), 1).await.unwrap(),
        vec![ids[1]]
    );

    let stats = s
        .person_stats(t0(), t0() + Duration::hours(2), None)
        .await
        .unwrap();
    assert_eq!(
        stats,
        vec![
            (me.id, person(Some(me.id), 1000)),
            (me.id, person(Some(me.id), 1001))
        ],
        "calls started in [from, to), only persons with a user"
    );
    assert!(s
        .person_stats(t0(), t0() + Duration::hours(9), Some(&[UserId(21)]))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.person_stats(t0(), t0() + Duration::hours(9), Some(&[me.id]))
            .await
            .unwrap()
            .len(),
        3
    );
}

/// An analysis job's result and its completion are one write: refused whole under a
/// lost lease, and with a stale transcript the job is left running for its worker.
pub async fn a_leased_analysis_is_written_with_its_job_or_not_at_all(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = super::a_call(s).await;
    write(s, call.id, &transcript("Acme"), t0()).await;
    let input = s.analysis_input(call.id).await.unwrap().unwrap();
    let (job, stale) = s
        .claim_job(&[JobKind::Analyze], "w1", 60, t0())
        .await
        .unwrap()
        .expect("the transcript queued its analysis");
    let later = t0() + Duration::seconds(61);
    let (_, fresh) = s
        .claim_job(&[JobKind::Analyze], "w2", 60, later)
        .await
        .unwrap()
        .expect("the expired lease is taken over");
    let a = analysis_row("Acme");
    let w = |lease, version| AnalysisWrite {
        call_id: call.id,
        transcript_version: version,
        analysis: &a,
        at: later,
        lease: Some(lease),
    };
    let err = s.save_analysis(w(stale, input.version)).await.unwrap_err();
    assert!(
        matches!(err, StoreError::LeaseLost(id) if id == job.id),
        "{err}"
    );
    assert!(s.analyses_of(&[call.id]).await.unwrap().is_empty());

    assert!(!s.save_analysis(w(fresh, input.version - 1)).await.unwrap());
    assert_eq!(
        s.get_job(job.id).await.unwrap().unwrap().state,
        JobState::Running,
        "a refused result does not end the job"
    );
    assert!(s.save_analysis(w(fresh, input.version)).await.unwrap());
    assert_eq!(
        s.get_job(job.id).await.unwrap().unwrap().state,
        JobState::Done
    );
    assert_eq!(s.analyses_of(&[call.id]).await.unwrap()[&call.id], a);
}

fn account(name: &str) -> CrmLink {
    CrmLink {
        system: CrmSystem::Salesforce,
        object_type: "Account".into(),
        object_id: "001A".into(),
        fields: vec![("Name".into(), serde_json::json!(name))],
    }
}

/// The calls list's search: text in the title, a party's name or address or an account's
/// name (either case; `%` and `_` plain) or said in the transcript, direction, duration,
/// recording, a tracker that fired, a topic that got time; newest, oldest, longest or
/// shortest first with a keyset that continues each way; and the listing's own filter
/// (workspace, dates, access) under it all.
pub async fn calls_are_searched_by_text_facts_and_analysis(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, user) = workspace_and_user(s, UserId::generate(), t0()).await;
    let mut calls = Vec::new();
    for (i, (title, direction, duration)) in [
        ("Pricing call with ACME", Direction::Outbound, 600),
        ("Renewal 100% sure", Direction::Inbound, 1800),
        ("Intro", Direction::Outbound, 120),
    ]
    .into_iter()
    .enumerate()
    {
        let mut c = bare_call(
            CallId::generate(),
            ws.id,
            user.id,
            t0() + Duration::minutes(i as i64),
        );
        c.title = title.into();
        c.direction = direction;
        c.duration_s = duration;
        let guest = Party {
            id: PartyId::generate(),
            call_id: c.id,
            name: Some(["Dana Buyer", "Eli Globex", "Fay"][i].into()),
            email: Some(format!("guest{i}@Globex.example.com")),
            title: None,
            user_id: None,
            speaker_id: None,
            affiliation: Affiliation::External,
            phone: None,
            methods: vec![],
            media_channel: None,
            context: vec![],
        };
        // The intro is with an account.
        let context = if i == 2 {
            vec![account("Initech Ltd")]
        } else {
            vec![]
        };
        s.insert_call(&c, &[guest], &context, &[]).await.unwrap();
        calls.push(c);
    }
    let [pricing, renewal, intro] = [calls[0].id, calls[1].id, calls[2].id];
    // The intro has a recording; the pricing call an analysis with a tracker hit and a topic.
    s.store_call_media(&super::media::media(intro, "ab", "calls/i.wav"), None, t0())
        .await
        .unwrap();
    write(s, pricing, &transcript("What does Acme cost?"), t0()).await;
    let input = s.analysis_input(pricing).await.unwrap().unwrap();
    let mut analysis = analysis_row("Acme");
    analysis.topics.totals = vec![("Pricing".into(), 4000), ("Small talk".into(), 0)];
    assert!(s
        .save_analysis(AnalysisWrite {
            call_id: pricing,
            transcript_version: input.version,
            analysis: &analysis,
            at: t0(),
            lease: None,
        })
        .await
        .unwrap());

    let base = CallFilter {
        workspace_id: Some(ws.id),
        ..Default::default()
    };
    let find = |search: CallSearch| async move {
        s.search_calls(&search, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    let search = |f: fn(&mut CallSearch)| {
        let mut q = CallSearch {
            filter: base.clone(),
            ..Default::default()
        };
        f(&mut q);
        q
    };
    assert_eq!(find(search(|_| {})).await, [pricing, renewal, intro]);
    let newest = search(|q| q.order = CallOrder::Newest);
    assert_eq!(find(newest.clone()).await, [intro, renewal, pricing]);
    // Title, party name, party address; either case; `%` is a character, not a wildcard.
    assert_eq!(
        find(search(|q| q.text = Some("acme".into()))).await,
        [pricing]
    );
    assert_eq!(
        find(search(|q| q.text = Some("ELI glo".into()))).await,
        [renewal]
    );
    assert_eq!(
        find(search(|q| q.text = Some("globex.EXAMPLE".into()))).await,
        [pricing, renewal, intro]
    );
    assert_eq!(
        find(search(|q| q.text = Some("100%".into()))).await,
        [renewal]
    );
    assert_eq!(
        find(search(|q| q.text = Some("1_0".into()))).await,
        Vec::<CallId>::new()
    );
    // A linked account's name; its new name once a later call brings it.
    assert_eq!(
        find(search(|q| q.text = Some("initech".into()))).await,
        [intro]
    );
    // Said in the transcript: the words in order, the last a prefix, punctuation aside.
    assert_eq!(
        find(search(|q| q.text = Some("Does ACME co".into()))).await,
        [pricing]
    );
    assert_eq!(
        find(search(|q| q.text = Some("acme does".into()))).await,
        Vec::<CallId>::new()
    );
    assert_eq!(
        find(search(|q| q.text = Some("cost?!".into()))).await,
        [pricing]
    );
    // Short pieces are found too (read, not indexed).
    assert_eq!(find(search(|q| q.text = Some("ro".into()))).await, [intro]);
    assert_eq!(
        find(search(|q| q.text = Some("\"".into()))).await,
        Vec::<CallId>::new()
    );
    assert_eq!(
        find(search(|q| q.text = Some("a \"b\" OR c*".into()))).await,
        Vec::<CallId>::new(),
        "no query syntax gets through"
    );
    let mut later = bare_call(
        CallId::generate(),
        ws.id,
        user.id,
        t0() + Duration::minutes(8),
    );
    later.title = "Later".into();
    s.insert_call(&later, &[], &[account("Hooli")], &[])
        .await
        .unwrap();
    assert_eq!(
        find(search(|q| q.text = Some("initech".into()))).await,
        Vec::<CallId>::new()
    );
    assert_eq!(
        find(search(|q| q.text = Some("HOOLI".into()))).await,
        [intro, later.id]
    );
    s.delete_call(later.id, t0()).await.unwrap();
    assert_eq!(
        find(search(|q| q.text = Some("hooli".into()))).await,
        [intro]
    );
    // The sentences a search quotes: LIKE, either case, at most so many a call.
    let lines = s
        .sentences_like(&[pricing, renewal], &crate::like_anywhere("ACME"), 5)
        .await
        .unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].0, pricing);
    assert_eq!(lines[0].2, "What does Acme cost?");
    assert!(s
        .sentences_like(&[pricing], &crate::like_anywhere("acme"), 0)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        find(search(|q| q.direction = Some(Direction::Outbound))).await,
        [pricing, intro]
    );
    assert_eq!(
        find(search(|q| {
            q.min_duration_s = Some(120);
            q.max_duration_s = Some(600);
        }))
        .await,
        [pricing, intro]
    );
    assert_eq!(
        find(search(|q| q.has_recording = Some(true))).await,
        [intro]
    );
    assert_eq!(
        find(search(|q| q.has_recording = Some(false))).await,
        [pricing, renewal]
    );
    assert_eq!(
        find(search(|q| q.tracker = Some(TrackerId(11)))).await,
        [pricing]
    );
    assert_eq!(
        find(search(|q| q.tracker = Some(TrackerId(12)))).await,
        Vec::<CallId>::new()
    );
    assert_eq!(
        find(search(|q| q.topic = Some("Pricing".into()))).await,
        [pricing]
    );
    assert_eq!(
        find(search(|q| q.topic = Some("Small talk".into()))).await,
        Vec::<CallId>::new(),
        "no time"
    );
    // The keyset continues in the order asked.
    let first = s.search_calls(&newest, None, 1).await.unwrap();
    let next = s
        .search_calls(&newest, Some(SearchKey::of(&first[0])), 10)
        .await
        .unwrap();
    assert_eq!(
        next.iter().map(|c| c.id).collect::<Vec<_>>(),
        [renewal, pricing]
    );
    let oldest = search(|_| {});
    let first = s.search_calls(&oldest, None, 2).await.unwrap();
    let next = s
        .search_calls(&oldest, Some(SearchKey::of(&first[1])), 10)
        .await
        .unwrap();
    assert_eq!(next.iter().map(|c| c.id).collect::<Vec<_>>(), [intro]);
    // By duration (600, 1800, 120 s), ties newest first, the keyset continuing each way.
    let longest = search(|q| q.order = CallOrder::Longest);
    assert_eq!(find(longest.clone()).await, [renewal, pricing, intro]);
    let shortest = search(|q| q.order = CallOrder::Shortest);
    assert_eq!(find(shortest.clone()).await, [intro, pricing, renewal]);
    for (order, all) in [
        (longest, [renewal, pricing, intro]),
        (shortest, [intro, pricing, renewal]),
    ] {
        let first = s.search_calls(&order, None, 1).await.unwrap();
        let next = s
            .search_calls(&order, Some(SearchKey::of(&first[0])), 10)
            .await
            .unwrap();
        assert_eq!(next.iter().map(|c| c.id).collect::<Vec<_>>(), all[1..]);
    }
    let mut tie = bare_call(
        CallId::generate(),
        ws.id,
        user.id,
        t0() + Duration::minutes(9),
    );
    tie.duration_s = 600;
    s.insert_call(&tie, &[], &[], &[]).await.unwrap();
    let shortest = search(|q| q.order = CallOrder::Shortest);
    assert_eq!(
        find(shortest.clone()).await,
        [intro, tie.id, pricing, renewal]
    );
    let first = s.search_calls(&shortest, None, 2).await.unwrap();
    let next = s
        .search_calls(&shortest, Some(SearchKey::of(&first[1])), 10)
        .await
        .unwrap();
    assert_eq!(
        next.iter().map(|c| c.id).collect::<Vec<_>>(),
        [pricing, renewal]
    );
    s.delete_call(tie.id, t0()).await.unwrap();
    // The listing's filter still applies: another workspace has none of them.
    let other = CallSearch {
        filter: CallFilter {
            workspace_id: Some(WorkspaceId::generate()),
            ..Default::default()
        },
        ..Default::default()
    };
    assert!(s.search_calls(&other, None, 10).await.unwrap().is_empty());
}

//! Data privacy: the finder over every source, erase steps in one transaction, the
//! compaction, and erasure records.

use chrono::Duration;
use parley_domain::privacy::{Erasure, ErasureReport, ErasureState, SubjectKind};
use parley_domain::*;

use super::{a_call, import, one_sentence, t0, Harness};
use crate::privacy::{
    source, EraseCommit, EraseStep, FoundRow, Key, Value, CLEARED_WITH, DERIVED, NOT_PERSONAL,
    SOURCES,
};
use crate::{NewJob, Store};

const ADDRESS: &str = "carl@customer.example.com";

/// Every row of every source holding `needle`, read `page` rows at a time.
async fn all_rows(s: &dyn Store, needle: &str, page: u32) -> Vec<FoundRow> {
    let mut out = Vec::new();
    for src in SOURCES {
        let mut after: Option<Vec<Key>> = None;
        loop {
            let rows = s
                .privacy_rows(src, needle, after.as_deref(), page)
                .await
                .unwrap_or_else(|e| panic!("find in {}: {e}", src.table));
            assert!(
                rows.len() <= page as usize,
                "{}: the limit holds",
                src.table
            );
            let more = rows.len() == page as usize;
            after = rows.last().map(|r| r.key.clone());
            out.extend(rows);
            if !more {
                break;
            }
        }
    }
    out
}

/// An erase as `privacy_erase` takes it, with no follow-up jobs.
fn commit<'a>(steps: &'a [EraseStep], calls: &'a [CallId], e: &'a Erasure) -> EraseCommit<'a> {
    EraseCommit {
        steps,
        calls,
        deleted: &[],
        media_keys: &[],
        reanalyse: &[],
        erasure: e,
        now: t0(),
    }
}

fn finished(e: &Erasure) -> Erasure {
    let mut done = e.clone();
    done.subject = None;
    done.state = ErasureState::Done;
    done.finished = Some(t0() + Duration::seconds(1));
    done.report = Some(ErasureReport::default());
    done
}

fn party(call: CallId, email: &str, phone: &str) -> Party {
    Party {
        id: PartyId::generate(),
        call_id: call,
        name: Some("Carl".into()),
        email: Some(email.into()),
        title: None,
        user_id: None,
        speaker_id: Some(SpeakerId(7)),
        affiliation: Affiliation::External,
        phone: Some(phone.into()),
        methods: vec![],
        media_channel: None,
        context: vec![],
    }
}

pub async fn every_source_is_read_and_rewritten(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    // Stored in capitals: the finder folds ASCII case.
    let mut c = call.clone();
    c.id = CallId::generate();
    c.title = "Follow-up with CARL@customer.example.com".into();
    let p = party(c.id, "Carl@Customer.Example.com", "+1 555 000 1111");
    s.insert_call(&c, std::slice::from_ref(&p), &[], &[])
        .await
        .expect("insert the call");
    let t = one_sentence(7, "mail me at carl@customer.example.com please");
    assert!(s
        .replace_transcript(import(c.id, &t, t0()))
        .await
        .expect("store the transcript"));
    let mut u = super::a_user(UserId::generate(), "CARL@customer.example.com", t0());
    u.phone = Some("+15550001111".into());
    s.create_user(&u).await.expect("create the user");
    // A link shared outside the company, its note naming the person.
    let share = parley_domain::share::CallShare {
        id: parley_domain::share::ShareId::generate(),
        call_id: c.id,
        created_by: u.id,
        recipient: Some("Carl <carl@customer.example.com>".into()),
        created: t0(),
        expires: t0() + chrono::Duration::days(30),
        revoked: None,
        views: 0,
        last_viewed: None,
    };
    s.add_share(&share, "ab12", 10)
        .await
        .expect("add the share");
    s.append_audit(&[AuditEntry::new(
        t0(),
        Actor::Cli {
            os_user: "ops".into(),
        },
        AuditAction::ApiWrite,
        Outcome::Done,
    )
    .with_request(RequestInfo::new(
        "POST",
        None,
        "/x",
        [("to".to_owned(), ADDRESS.to_owned())],
    ))])
    .await
    .expect("append");

    // A source with a text key: an upload waiting for its job.
    let integration = CrmIntegration {
        id: random_id(),
        workspace_id: call.workspace_id,
        owner_email: "crm@northwind.example.com".into(),
        name: "Generic".into(),
        created: t0(),
    };
    s.create_crm_integration(&integration)
        .await
        .expect("create the integration");
    let upload = CrmRequest {
        integration_id: integration.id,
        client_request_id: "up-carl".into(),
        workspace_id: call.workspace_id,
        object_type: Some(CrmObjectType::Contact),
        status: CrmRequestStatus::Pending,
        errors: vec![],
        error_count: 0,
        success_count: 0,
        created: t0(),
        updated: t0(),
    };
    let job: NewJob = JobSpec::CrmUpload {
        integration: integration.id,
        request: "up-carl".into(),
    }
    .into();
    s.create_crm_upload(
        &upload,
        "{\"objectId\":\"c1\",\"email\":\"carl@customer.example.com\"}\n",
        &job,
        t0(),
    )
    .await
    .expect("store the upload");

    let rows = all_rows(s, ADDRESS, 100).await;
    let tables: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.table).collect();
    for t in [
        "users",
        "parties",
        "transcript_sentences",
        "calls",
        "audit_log",
        "crm_requests",
        "call_shares",
    ] {
        assert!(tables.contains(t), "{t} not found in {tables:?}");
    }
    for r in &rows {
        let src = SOURCES
            .iter()
            .find(|x| x.table == r.table)
            .expect("a source");
        assert_eq!(r.key.len(), src.key.len());
        assert_eq!(r.values.len(), src.columns.len());
    }
    let party_row = rows.iter().find(|r| r.table == "parties").expect("party");
    assert_eq!(party_row.key, vec![Key::Int(p.id.0)]);
    assert_eq!(party_row.call, Some(c.id));
    let sentence = rows
        .iter()
        .find(|r| r.table == "transcript_sentences")
        .expect("sentence");
    assert_eq!(sentence.call, Some(c.id));
    // Paged one row at a time, the same rows.
    assert_eq!(all_rows(s, ADDRESS, 1).await, rows);
    // Phone numbers are found by their last digits.
    let by_phone = all_rows(s, "1111", 100).await;
    assert!(by_phone.iter().any(|r| r.table == "parties"));
    assert!(by_phone.iter().any(|r| r.table == "users"));

    // The calls search finds the person in the title, the party and the transcript.
    let found = |text: &'static str| async move {
        let search = crate::CallSearch {
            text: Some(text.into()),
            ..Default::default()
        };
        s.search_calls(&search, None, 10)
            .await
            .expect("search")
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(found("customer.EXAMPLE").await, [c.id]);
    assert_eq!(found("mail me at carl").await, [c.id]);

    let before = s
        .calls_with_versions(&[c.id])
        .await
        .expect("versions")
        .remove(0)
        .1;
    let user_row = rows.iter().find(|r| r.table == "users").expect("user");
    let request_row = rows
        .iter()
        .find(|r| r.table == "crm_requests")
        .expect("upload");
    assert_eq!(
        request_row.key,
        vec![Key::Int(integration.id), Key::Text("up-carl".into())]
    );
    let steps = vec![
        EraseStep::Delete {
            table: "parties",
            by: vec![("id", p.id.0.into())],
        },
        EraseStep::Update {
            table: "transcript_sentences",
            by: vec![
                ("call_id", sentence.key[0].clone()),
                ("monologue", sentence.key[1].clone()),
                ("seq", sentence.key[2].clone()),
            ],
            set: vec![
                (
                    "text",
                    Value::Text(Some("mail me at [erased] please".into())),
                ),
                ("words", Value::Text(None)),
            ],
        },
        EraseStep::Update {
            table: "calls",
            by: vec![("id", c.id.0.into())],
            set: vec![("title", Value::Text(Some("Follow-up".into())))],
        },
        EraseStep::Update {
            table: "users",
            by: vec![("id", user_row.key[0].clone())],
            set: vec![
                ("email", Value::Text(Some("erased@erased.invalid".into()))),
                ("phone", Value::Text(None)),
                ("active", Value::Bool(false)),
            ],
        },
        EraseStep::Update {
            table: "transcripts",
            by: vec![("call_id", c.id.0.into())],
            set: vec![("created_us", Value::Int(t0().timestamp_micros() + 1))],
        },
        EraseStep::Update {
            table: "crm_requests",
            by: vec![
                ("integration_id", request_row.key[0].clone()),
                ("client_request_id", request_row.key[1].clone()),
            ],
            set: vec![("body", Value::Text(Some("{}\n".into())))],
        },
        EraseStep::Update {
            table: "call_shares",
            by: vec![("id", share.id.0.into())],
            set: vec![("recipient", Value::Text(Some("Carl <[erased]>".into())))],
        },
    ];
    let e = erasure(1, t0(), false);
    s.create_erasure(&e).await.expect("create the erasure");
    let done = finished(&e);
    let out = s
        .privacy_erase(&commit(&steps, &[c.id], &done))
        .await
        .expect("erase");
    assert_eq!(out.rows, 7);
    let rows = all_rows(s, ADDRESS, 100).await;
    assert_eq!(
        rows.iter().map(|r| r.table).collect::<Vec<_>>(),
        ["audit_log"],
        "only the audit entry was left"
    );
    // The search's indexes followed: neither finds the person any more.
    assert!(found("customer.EXAMPLE").await.is_empty());
    assert!(found("mail me at carl").await.is_empty());
    assert_eq!(found("mail me at erased").await, [c.id]);
    let after = s
        .calls_with_versions(&[c.id])
        .await
        .expect("versions")
        .remove(0)
        .1;
    assert!(after > before, "the call's version moved");
    assert!(s
        .parties_of(&[c.id])
        .await
        .expect("parties")
        .get(&c.id)
        .is_none_or(Vec::is_empty));
    let kept = s.get_user(u.id).await.expect("user").expect("kept");
    assert_eq!(kept.email, "erased@erased.invalid");
    assert!(!kept.active);
    let text = &s.transcripts_of(&[c.id]).await.expect("t")[&c.id][0].sentences[0].text;
    assert_eq!(text, "mail me at [erased] please");
    assert_eq!(
        s.crm_upload_body(integration.id, "up-carl")
            .await
            .expect("body")
            .as_deref(),
        Some("{}\n")
    );
    // A failing step undoes the whole erase.
    let bad = vec![
        EraseStep::Delete {
            table: "calls",
            by: vec![("id", c.id.0.into())],
        },
        EraseStep::Delete {
            table: "no_such_table",
            by: vec![("id", 1i64.into())],
        },
    ];
    let e2 = erasure(2, t0(), false);
    s.create_erasure(&e2).await.expect("create the erasure");
    assert!(s
        .privacy_erase(&commit(&bad, &[c.id], &finished(&e2)))
        .await
        .is_err());
    assert_eq!(
        s.get_erasure(2).await.expect("get").as_ref(),
        Some(&e2),
        "the erasure is still queued, with its address"
    );
    assert!(
        s.get_call(c.id).await.expect("get").is_some(),
        "rolled back"
    );
    s.privacy_compact().await.expect("compact");
    // Untouched: the other call.
    assert!(s.get_call(call.id).await.expect("get").is_some());
}

fn erasure(id: i64, at: Timestamp, dry_run: bool) -> Erasure {
    Erasure {
        id,
        kind: SubjectKind::Email,
        subject: Some(ADDRESS.into()),
        masked: "c***@customer.example.com".into(),
        dry_run,
        state: ErasureState::Queued,
        requested_by: "key:K1".into(),
        requested: at,
        finished: None,
        job_id: Some(99),
        report: None,
        error: None,
    }
}

pub async fn erasures_round_trip_newest_first(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    assert_eq!(s.erasures_done().await.expect("count"), 0);
    let a = erasure(1, t0(), false);
    let b = erasure(2, t0() + Duration::seconds(1), true);
    s.create_erasure(&a).await.expect("create");
    s.create_erasure(&b).await.expect("create");
    assert_eq!(s.get_erasure(1).await.expect("get"), Some(a.clone()));
    assert_eq!(s.get_erasure(3).await.expect("get"), None);
    let ids: Vec<i64> = s
        .list_erasures(10)
        .await
        .expect("list")
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [2, 1]);
    assert_eq!(s.list_erasures(1).await.expect("list").len(), 1);

    let mut done = a.clone();
    done.subject = None;
    done.state = ErasureState::Done;
    done.finished = Some(t0() + Duration::seconds(5));
    let mut report = ErasureReport::default();
    report.found.calls_as_party = vec![CallId(5)];
    report.done.calls_deleted = vec![CallId(5)];
    report.done.rows_redacted.insert("audit_log".into(), 2);
    done.report = Some(report);
    s.update_erasure(&done).await.expect("update");
    assert_eq!(s.get_erasure(1).await.expect("get"), Some(done));
    assert_eq!(s.erasures_done().await.expect("count"), 1);
    // A finished dry run is not an erase.
    let mut dry = b.clone();
    dry.state = ErasureState::Done;
    s.update_erasure(&dry).await.expect("update");
    assert_eq!(s.erasures_done().await.expect("count"), 1);
}

/// The finder pages through a table by key: each page resumes after the last key, every
/// matching row once. A sentence's word timings are not searched (their millisecond
/// numbers hold any four digits a phone look-up asks for); its text is.
pub async fn sources_are_paged_by_key_and_word_timings_are_not_searched(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let sentence = |i: i64, text: &str| Sentence {
        start_ms: i * 1000,
        end_ms: i * 1000 + 900,
        text: text.into(),
        words: vec![Word {
            start_ms: 51_111 + i,
            end_ms: 51_480 + i,
            text: "hello".into(),
        }],
    };
    let t: Transcript = vec![
        Monologue {
            speaker_id: SpeakerId(1),
            topic: None,
            sentences: (0..5).map(|i| sentence(i, "call 555 000 1111")).collect(),
        },
        Monologue {
            speaker_id: SpeakerId(2),
            topic: None,
            sentences: (5..9).map(|i| sentence(i, "hello")).collect(),
        },
    ];
    assert!(s
        .replace_transcript(import(call.id, &t, t0()))
        .await
        .expect("store the transcript"));
    let src = source("transcript_sentences").expect("a source");
    let mut keys = Vec::new();
    let mut after: Option<Vec<Key>> = None;
    loop {
        let page = s
            .privacy_rows(src, "1111", after.as_deref(), 2)
            .await
            .expect("a page");
        assert!(page.len() <= 2, "a page holds at most the limit");
        if page.is_empty() {
            break;
        }
        after = page.last().map(|r| r.key.clone());
        keys.extend(page.into_iter().map(|r| r.key));
    }
    assert_eq!(
        keys.len(),
        5,
        "each sentence whose text holds it, once: {keys:?}"
    );
    let mut sorted = keys.clone();
    sorted.sort_by_key(|k| (k[0].int(), k[1].int(), k[2].int()));
    sorted.dedup();
    assert_eq!(keys, sorted, "in key order, no repeats");
    let rows = s.privacy_rows(src, "51111", None, 100).await.expect("find");
    assert!(rows.is_empty(), "word timings are not searched: {rows:?}");
    assert!(
        CLEARED_WITH.contains(&("transcript_sentences", "words", "text")),
        "the timings are cleared with the text instead"
    );
}

/// The erase's one transaction also queues the recordings' deletion and the re-analyses
/// and writes the erasure's final state: a job that dies right after the commit leaves
/// nothing undone that no row remembers. A second commit of the same erasure (a retry
/// racing a slow first run) changes nothing; a failing one leaves no job and the erasure
/// queued.
pub async fn the_erase_commits_its_jobs_and_report_once(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let kept = a_call(s).await;
    let gone = a_call(s).await;
    let e = erasure(7, t0(), false);
    s.create_erasure(&e).await.expect("create the erasure");
    let mut done = finished(&e);
    let mut report = ErasureReport::default();
    report.done.calls_deleted = vec![gone.id];
    report.done.recordings_deleted = vec![kept.id];
    report.done.calls_reanalysed = vec![kept.id];
    done.report = Some(report);
    let steps = vec![EraseStep::Delete {
        table: "calls",
        by: vec![("id", gone.id.0.into())],
    }];
    let keys = vec!["calls/gone.mp3".to_owned(), "calls/kept.mp3".to_owned()];
    let erase = EraseCommit {
        steps: &steps,
        calls: &[kept.id],
        deleted: &[gone.id],
        media_keys: &keys,
        reanalyse: &[kept.id],
        erasure: &done,
        now: t0(),
    };

    // A failing erase: nothing of it stays.
    let bad = vec![EraseStep::Delete {
        table: "no_such_table",
        by: vec![("id", 1i64.into())],
    }];
    assert!(s
        .privacy_erase(&EraseCommit {
            steps: &bad,
            ..erase
        })
        .await
        .is_err());
    assert_eq!(s.get_erasure(7).await.expect("get").as_ref(), Some(&e));
    assert!(
        s.list_jobs(None, 100).await.expect("jobs").is_empty(),
        "no job of a rolled-back erase"
    );

    s.privacy_erase(&erase).await.expect("erase");
    assert_eq!(
        s.get_erasure(7).await.expect("get").as_ref(),
        Some(&done),
        "the report and the final state, the address forgotten"
    );
    assert!(s.get_call(gone.id).await.expect("get").is_none());
    let jobs = s.list_jobs(None, 100).await.expect("jobs");
    let mut media: Vec<String> = jobs
        .iter()
        .filter(|j| j.kind == JobKind::DeleteMedia)
        .map(|j| j.payload["key"].as_str().unwrap_or_default().to_owned())
        .collect();
    media.sort();
    assert_eq!(media, keys, "one delete-media job per recording");
    let analyses: Vec<Option<CallId>> = jobs
        .iter()
        .filter(|j| j.kind == JobKind::Analyze)
        .map(|j| j.call_id)
        .collect();
    assert_eq!(analyses, [Some(kept.id)], "the kept call is analysed again");
    assert_eq!(jobs.len(), 3, "{jobs:?}");

    // Once: a second commit of the same erasure is refused and changes nothing.
    let again = s.privacy_erase(&erase).await;
    assert!(
        matches!(again, Err(crate::StoreError::Conflict(_))),
        "{again:?}"
    );
    assert_eq!(s.list_jobs(None, 100).await.expect("jobs").len(), 3);
    assert_eq!(s.get_erasure(7).await.expect("get").as_ref(), Some(&done));
}

/// An erase job that gave up: a queued erasure ends failed and forgets the address; one
/// whose erase committed keeps its state and report and records what went wrong.
pub async fn a_given_up_erasure_forgets_the_address(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let queued = erasure(1, t0(), false);
    s.create_erasure(&queued).await.expect("create");
    let later = t0() + Duration::seconds(30);
    s.erasure_gave_up(1, "statement timeout", later)
        .await
        .expect("give up");
    let e = s.get_erasure(1).await.expect("get").expect("kept");
    assert_eq!(e.state, ErasureState::Failed);
    assert_eq!(e.subject, None, "the address is forgotten");
    assert_eq!(e.error.as_deref(), Some("statement timeout"));
    assert_eq!(e.finished, Some(later));
    assert_eq!(e.report, None);

    let d = erasure(2, t0(), false);
    s.create_erasure(&d).await.expect("create");
    let done = finished(&d);
    s.update_erasure(&done).await.expect("update");
    s.erasure_gave_up(2, "vacuum failed", later)
        .await
        .expect("give up");
    let e = s.get_erasure(2).await.expect("get").expect("kept");
    assert_eq!(e.state, ErasureState::Done, "the erase did commit");
    assert_eq!(e.report, done.report);
    assert_eq!(e.finished, done.finished);
    assert_eq!(e.error.as_deref(), Some("vacuum failed"));
    assert_eq!(s.erasures_done().await.expect("count"), 1);
    // An erasure that is not there: nothing to do.
    s.erasure_gave_up(3, "x", later).await.expect("give up");
}

/// An erase job that fails for good gives its erasure up ([`crate::GaveUp`]) in the
/// transaction that fails the job: at claim time when its worker died on the last
/// attempt (no worker hears of that), and in `fail_job`. The erasure says failed and why,
/// and forgets the address.
pub async fn an_erase_job_that_fails_for_good_gives_its_erasure_up(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let erase_job = |erasure: i64| NewJob {
        max_attempts: 1,
        ..JobSpec::Erase { erasure }.into()
    };
    s.create_erasure(&erasure(1, t0(), false))
        .await
        .expect("create");
    let job = s.enqueue_job(&erase_job(1), t0()).await.expect("enqueue");
    assert!(s
        .claim_job(&[JobKind::Erase], "w", 10, t0())
        .await
        .expect("claim")
        .is_some());
    let later = t0() + Duration::seconds(11);
    assert!(
        s.claim_job(&[JobKind::Erase], "w", 10, later)
            .await
            .expect("claim")
            .is_none(),
        "its worker died on the last attempt: failed, not claimed"
    );
    assert_eq!(
        s.get_job(job.id).await.expect("get").expect("kept").state,
        JobState::Failed
    );
    let e = s.get_erasure(1).await.expect("get").expect("kept");
    assert_eq!(e.state, ErasureState::Failed, "not queued for ever");
    assert_eq!(e.subject, None, "the address is forgotten");
    assert_eq!(
        e.error,
        Some(crate::GaveUp::erasure_error(crate::WORKER_STOPPED))
    );
    assert_eq!(e.finished, Some(later));

    s.create_erasure(&erasure(2, t0(), false))
        .await
        .expect("create");
    s.enqueue_job(&erase_job(2), later).await.expect("enqueue");
    let (_, lease) = s
        .claim_job(&[JobKind::Erase], "w", 60, later)
        .await
        .expect("claim")
        .expect("queued");
    assert_eq!(
        s.fail_job(lease, "statement timeout", crate::Failure::Permanent, later)
            .await
            .expect("fail"),
        JobState::Failed
    );
    let e = s.get_erasure(2).await.expect("get").expect("kept");
    assert_eq!(e.state, ErasureState::Failed);
    assert_eq!(e.subject, None, "the address is forgotten");
    assert_eq!(
        e.error.as_deref(),
        Some("the erase job gave up: statement timeout")
    );
}

/// Every text column of the schema is searched by the erase (a [`SOURCES`] column),
/// cleared with one ([`CLEARED_WITH`]), or listed in [`NOT_PERSONAL`] with the reason;
/// a branch that adds a column decides which. Every column those lists name exists.
pub async fn every_text_column_is_a_source_or_not_personal(h: &dyn Harness) {
    let f = h.fresh().await;
    let Some(list) = &f.text_columns else {
        eprintln!("skipped: this backend's harness lists no schema");
        return;
    };
    let schema: std::collections::BTreeSet<(String, String)> = list()
        .await
        .expect("the schema's text columns")
        .into_iter()
        .collect();
    assert!(
        schema.contains(&("users".to_owned(), "email".to_owned())),
        "the listing works: {schema:?}"
    );
    let mut classified: Vec<(String, String)> = Vec::new();
    for s in SOURCES {
        for c in s.columns {
            classified.push((s.table.into(), (*c).into()));
        }
    }
    for (t, c, _) in CLEARED_WITH {
        classified.push(((*t).into(), (*c).into()));
    }
    for (t, c, why) in DERIVED {
        assert!(!why.is_empty(), "{t}: say why");
        classified.push(((*t).into(), (*c).into()));
    }
    for (t, cols, why) in NOT_PERSONAL {
        assert!(!why.is_empty(), "{t}: say why");
        for c in *cols {
            classified.push(((*t).into(), (*c).into()));
        }
    }
    let known: std::collections::BTreeSet<(String, String)> = classified.iter().cloned().collect();
    assert_eq!(
        known.len(),
        classified.len(),
        "a column is classified twice"
    );
    let unclassified: Vec<String> = schema
        .difference(&known)
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    assert!(
        unclassified.is_empty(),
        "text columns that may hold a person's address: add each to \
         parley_store::privacy::SOURCES or NOT_PERSONAL: {unclassified:?}"
    );
    let stale: Vec<String> = known
        .difference(&schema)
        .filter(|(t, c)| !DERIVED.iter().any(|(dt, dc, _)| dt == t && dc == c))
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    assert!(
        stale.is_empty(),
        "classified, but not text columns of the schema: {stale:?}"
    );
}

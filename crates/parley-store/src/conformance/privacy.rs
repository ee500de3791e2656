//! Data privacy: the finder over every source, erase steps in one transaction, the
//! compaction, and erasure records.

use chrono::Duration;
use parley_domain::privacy::{Erasure, ErasureReport, ErasureState, SubjectKind};
use parley_domain::*;

use super::{a_call, import, one_sentence, t0, Harness};
use crate::privacy::{EraseStep, Key, Value, SOURCES};
use crate::NewJob;

const ADDRESS: &str = "carl@customer.example.com";

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

    let rows = s.privacy_rows(ADDRESS, 100).await.expect("find");
    let tables: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.table).collect();
    for t in [
        "users",
        "parties",
        "transcript_sentences",
        "calls",
        "audit_log",
        "crm_requests",
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
    // The limit holds, plus one to show there were more.
    assert_eq!(s.privacy_rows(ADDRESS, 1).await.expect("find").len(), 2);
    // Phone numbers are found by their last digits.
    let by_phone = s.privacy_rows("1111", 100).await.expect("find");
    assert!(by_phone.iter().any(|r| r.table == "parties"));
    assert!(by_phone.iter().any(|r| r.table == "users"));

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
    ];
    let out = s.privacy_erase(&steps, &[c.id]).await.expect("erase");
    assert_eq!(out.rows, 6);
    let rows = s.privacy_rows(ADDRESS, 100).await.expect("find");
    assert_eq!(
        rows.iter().map(|r| r.table).collect::<Vec<_>>(),
        ["audit_log"],
        "only the audit entry was left"
    );
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
    assert!(s.privacy_erase(&bad, &[c.id]).await.is_err());
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

//! Automation rules and the webhook outbox: rules round trip; a call fires a rule once,
//! with the analysis that makes it ready or not at all; attempts are fenced by the job's
//! lease and move the job on; a run of failures switches the rule off; replays.

use chrono::Duration;
use parley_domain::automation::*;
use parley_domain::*;

use super::analysis::analysis_row;
use super::{a_call, import, one_sentence, t0, Harness};
use crate::{AnalysisWrite, Store, StoreError};

fn rule(workspace: WorkspaceId) -> Rule {
    Rule {
        id: RuleId::generate(),
        workspace_id: workspace,
        name: "Competitors to CRM".into(),
        enabled: true,
        filter: CallFilter {
            directions: vec![Direction::Outbound],
            trackers: vec![TrackerCondition {
                tracker_id: TrackerId(42),
                min_count: 2,
            }],
            ..Default::default()
        },
        actions: vec![Action::Webhook(WebhookAction {
            url: "https://hooks.example.com/gong?key=s3cret".into(),
            auth: WebhookAuth::Jwt,
        })],
        disabled_reason: None,
        failures: 0,
        created: t0(),
        updated: t0(),
    }
}

fn delivery(rule: RuleId, call: CallId, is_test: bool) -> NewDelivery {
    NewDelivery {
        id: DeliveryId::generate(),
        rule_id: rule,
        call_id: call,
        action: 0,
        is_test,
    }
}

pub async fn rules_round_trip_change_and_go(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let mut r = rule(call.workspace_id);
    s.create_rule(&r).await.unwrap();
    assert_eq!(s.get_rule(r.id).await.unwrap(), Some(r.clone()));
    assert_eq!(
        s.rules(Some(call.workspace_id)).await.unwrap(),
        vec![r.clone()]
    );
    assert_eq!(s.rules(None).await.unwrap(), vec![r.clone()]);
    assert!(s.rules(Some(WorkspaceId(1))).await.unwrap().is_empty());

    r.name = "Renamed".into();
    r.enabled = false;
    r.disabled_reason = Some("why".into());
    r.failures = 3;
    r.filter = CallFilter::default();
    r.updated = t0() + Duration::minutes(1);
    assert!(s.update_rule(&r).await.unwrap());
    assert_eq!(s.get_rule(r.id).await.unwrap(), Some(r.clone()));

    let unknown = rule(WorkspaceId(1));
    assert!(matches!(
        s.create_rule(&unknown).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(!s.update_rule(&unknown).await.unwrap());

    // A rule goes with its deliveries.
    let queued = s
        .queue_deliveries(&[delivery(r.id, call.id, false)], t0())
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert!(s.delete_rule(r.id).await.unwrap());
    assert!(!s.delete_rule(r.id).await.unwrap());
    assert_eq!(s.get_rule(r.id).await.unwrap(), None);
    assert_eq!(s.get_delivery(queued[0]).await.unwrap(), None);
}

pub async fn a_call_fires_a_rule_once_with_its_analysis(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let r = rule(call.workspace_id);
    s.create_rule(&r).await.unwrap();
    s.replace_transcript(import(call.id, &one_sentence(7, "We use Acme."), t0()))
        .await
        .unwrap();
    let input = s.analysis_input(call.id).await.unwrap().unwrap();
    let row = analysis_row("Competitors");
    let write = |version| AnalysisWrite {
        call_id: call.id,
        transcript_version: version,
        analysis: &row,
        at: t0(),
        lease: None,
    };

    // A stale analysis writes no delivery either.
    let first = delivery(r.id, call.id, false);
    assert!(!s
        .save_analysis_firing(write(input.version - 1), std::slice::from_ref(&first))
        .await
        .unwrap());
    assert_eq!(s.get_delivery(first.id).await.unwrap(), None);

    assert!(s
        .save_analysis_firing(write(input.version), std::slice::from_ref(&first))
        .await
        .unwrap());
    let d = s
        .get_delivery(first.id)
        .await
        .unwrap()
        .expect("the delivery");
    assert_eq!(
        (d.rule_id, d.call_id, d.action, d.is_test, d.state, d.attempts),
        (r.id, call.id, 0, false, DeliveryState::Pending, 0)
    );
    let jobs = s
        .list_jobs(Some(JobState::Queued), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == JobKind::Deliver)
        .collect::<Vec<_>>();
    assert_eq!(jobs.len(), 1, "one deliver job with the delivery");
    assert_eq!(
        JobSpec::of(&jobs[0]).unwrap(),
        JobSpec::Deliver { delivery: first.id }
    );

    // Analysed again: the rule does not fire a second time for the call.
    let again = delivery(r.id, call.id, false);
    assert!(s
        .save_analysis_firing(write(input.version), std::slice::from_ref(&again))
        .await
        .unwrap());
    assert_eq!(s.get_delivery(again.id).await.unwrap(), None);
    assert!(s
        .queue_deliveries(std::slice::from_ref(&again), t0())
        .await
        .unwrap()
        .is_empty());
    // Tests are sent every time.
    let tests = [delivery(r.id, call.id, true), delivery(r.id, call.id, true)];
    assert_eq!(s.queue_deliveries(&tests, t0()).await.unwrap().len(), 2);
    let log = s.deliveries(r.id, None, 10).await.unwrap();
    assert_eq!(log.len(), 3);
    let page = s.deliveries(r.id, None, 2).await.unwrap();
    let rest = s.deliveries(r.id, Some(page[1].id), 10).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert!(!page.iter().any(|d| d.id == rest[0].id));

    assert!(matches!(
        s.queue_deliveries(&[delivery(RuleId(1), call.id, true)], t0())
            .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn claim(s: &dyn Store, at: Timestamp) -> Option<JobLease> {
    s.claim_job(&[JobKind::Deliver], "w", 60, at)
        .await
        .unwrap()
        .map(|(_, l)| l)
}

fn attempt(status: Option<u16>, at: Timestamp) -> DeliveryAttempt {
    DeliveryAttempt {
        status,
        latency_ms: 12,
        response: Some("x".repeat(5000)),
        error: status.is_none().then(|| "connection refused".to_owned()),
        at,
    }
}

pub async fn attempts_are_fenced_and_move_the_delivery_and_its_job(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let r = rule(call.workspace_id);
    s.create_rule(&r).await.unwrap();
    let d = delivery(r.id, call.id, false);
    s.queue_deliveries(std::slice::from_ref(&d), t0())
        .await
        .unwrap();

    // Down: retried at the time given, the job queued again.
    let lease = claim(s, t0()).await.expect("the deliver job");
    let later = t0() + Duration::seconds(30);
    s.record_delivery(
        lease,
        d.id,
        &attempt(None, t0()),
        DeliveryNext::RetryAt(later),
        2,
        "off",
    )
    .await
    .unwrap();
    let got = s.get_delivery(d.id).await.unwrap().unwrap();
    assert_eq!(
        (got.state, got.attempts, got.status),
        (DeliveryState::Pending, 1, None)
    );
    assert_eq!(got.error.as_deref(), Some("connection refused"));
    assert!(got.response.unwrap().len() <= crate::automation::MAX_RESPONSE_BYTES);
    assert!(
        claim(s, t0() + Duration::seconds(29)).await.is_none(),
        "not before its time"
    );
    // The old lease is fenced.
    assert!(matches!(
        s.record_delivery(
            lease,
            d.id,
            &attempt(Some(200), t0()),
            DeliveryNext::Delivered,
            2,
            "off"
        )
        .await,
        Err(StoreError::LeaseLost(_))
    ));

    let lease = claim(s, later).await.expect("claimed again at its time");
    s.record_delivery(
        lease,
        d.id,
        &attempt(Some(204), later),
        DeliveryNext::Delivered,
        2,
        "off",
    )
    .await
    .unwrap();
    let got = s.get_delivery(d.id).await.unwrap().unwrap();
    assert_eq!(
        (got.state, got.attempts, got.status, got.latency_ms),
        (DeliveryState::Delivered, 2, Some(204), Some(12))
    );
    assert_eq!(
        s.get_job(lease.job_id).await.unwrap().unwrap().state,
        JobState::Done
    );

    // Two deliveries that give up in a row switch the rule off, with the reason.
    for n in 1..=2u32 {
        let d = delivery(r.id, call.id, true);
        s.queue_deliveries(std::slice::from_ref(&d), later)
            .await
            .unwrap();
        let lease = claim(s, later).await.unwrap();
        let done = s
            .record_delivery(
                lease,
                d.id,
                &attempt(Some(410), later),
                DeliveryNext::GiveUp,
                2,
                "off: gone",
            )
            .await
            .unwrap();
        assert_eq!(done.disabled_rule, n == 2);
        assert_eq!(
            s.get_job(lease.job_id).await.unwrap().unwrap().state,
            JobState::Failed
        );
        assert_eq!(
            s.get_delivery(d.id).await.unwrap().unwrap().state,
            DeliveryState::Failed
        );
    }
    let off = s.get_rule(r.id).await.unwrap().unwrap();
    assert!(!off.enabled);
    assert_eq!(off.disabled_reason.as_deref(), Some("off: gone"));
    assert_eq!(off.failures, 2);

    // A replay queues the delivery again; a cancel ends it.
    let job = s
        .replay_delivery(d.id, later)
        .await
        .unwrap()
        .expect("queued");
    assert_eq!(
        JobSpec::of(&job).unwrap(),
        JobSpec::Deliver { delivery: d.id }
    );
    assert_eq!(
        s.get_delivery(d.id).await.unwrap().unwrap().state,
        DeliveryState::Pending
    );
    assert!(s
        .replay_delivery(DeliveryId(1), later)
        .await
        .unwrap()
        .is_none());
    let lease = claim(s, later).await.unwrap();
    s.cancel_delivery(lease, d.id, "the rule is off", later)
        .await
        .unwrap();
    let got = s.get_delivery(d.id).await.unwrap().unwrap();
    assert_eq!(got.state, DeliveryState::Cancelled);
    assert_eq!(got.error.as_deref(), Some("the rule is off"));
    assert_eq!(
        s.get_job(lease.job_id).await.unwrap().unwrap().state,
        JobState::Done
    );
}

//! The generic CRM integration: one integration per workspace, schemas, uploads written
//! with their job (fenced by its lease), objects by id and per workspace, the calls they
//! show in, deletion, and manual associations.

use chrono::Duration;
use parley_domain::*;
use serde_json::json;

use super::{a_call, t0, Harness};
use crate::{AssociationFilter, NewJob, Store, StoreError};

fn integration(workspace: WorkspaceId) -> CrmIntegration {
    CrmIntegration {
        id: random_id(),
        workspace_id: workspace,
        owner_email: "crm@northwind.example.com".into(),
        name: "Generic".into(),
        created: t0(),
    }
}

fn request(i: &CrmIntegration, id: &str, t: Option<CrmObjectType>) -> CrmRequest {
    CrmRequest {
        integration_id: i.id,
        client_request_id: id.into(),
        workspace_id: i.workspace_id,
        object_type: t,
        status: CrmRequestStatus::Pending,
        errors: vec![],
        error_count: 0,
        success_count: 0,
        created: t0(),
        updated: t0(),
    }
}

fn entity(t: CrmObjectType, id: &str, days: i64, fields: serde_json::Value) -> CrmEntity {
    CrmEntity {
        object_type: t,
        object_id: id.into(),
        modified: t0() + Duration::days(days),
        is_deleted: false,
        fields: fields.as_object().cloned().unwrap_or_default(),
    }
}

async fn version(s: &dyn Store, call: CallId) -> i64 {
    s.calls_with_versions(&[call]).await.unwrap()[0].1
}

/// Queues and claims the upload's job; returns its lease.
async fn queued_upload(s: &dyn Store, i: &CrmIntegration, id: &str) -> JobLease {
    let job: NewJob = JobSpec::CrmUpload {
        integration: i.id,
        request: id.into(),
    }
    .into();
    s.create_crm_upload(
        &request(i, id, Some(CrmObjectType::Account)),
        "{}\n",
        &job,
        t0(),
    )
    .await
    .unwrap();
    let (claimed, lease) = s
        .claim_job(&[JobKind::CrmUpload], "w", 60, t0())
        .await
        .unwrap()
        .expect("the upload's job is queued");
    assert_eq!(
        JobSpec::of(&claimed).unwrap(),
        JobSpec::CrmUpload {
            integration: i.id,
            request: id.into()
        }
    );
    lease
}

pub async fn one_integration_per_workspace_with_schemas(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let i = integration(call.workspace_id);
    s.create_crm_integration(&i).await.unwrap();
    assert_eq!(s.crm_integration(i.id).await.unwrap(), Some(i.clone()));
    let again = integration(call.workspace_id);
    assert!(matches!(
        s.create_crm_integration(&again).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.create_crm_integration(&integration(WorkspaceId(5))).await,
        Err(StoreError::NotFound(_))
    ));
    let other = a_call(s).await;
    let j = integration(other.workspace_id);
    s.create_crm_integration(&j).await.unwrap();
    assert_eq!(
        s.crm_integrations(Some(&[other.workspace_id][..]))
            .await
            .unwrap(),
        vec![j.clone()]
    );
    assert_eq!(s.crm_integrations(None).await.unwrap().len(), 2);

    let fields = vec![
        CrmSchemaField {
            name: "tier".into(),
            label: "Tier".into(),
            field_type: CrmFieldType::Picklist,
            last_modified: Some(t0()),
            is_deleted: false,
            reference_to: None,
            ordered_values: Some(vec!["Gold".into(), "Silver".into()]),
        },
        CrmSchemaField {
            name: "owner".into(),
            label: "Owner".into(),
            field_type: CrmFieldType::Reference,
            last_modified: None,
            is_deleted: true,
            reference_to: Some("USER".into()),
            ordered_values: None,
        },
    ];
    s.set_crm_schema(i.id, CrmObjectType::Account, &fields)
        .await
        .unwrap();
    s.set_crm_schema(i.id, CrmObjectType::Deal, &fields[..1])
        .await
        .unwrap();
    let back = s
        .crm_schema(i.id, Some(CrmObjectType::Account))
        .await
        .unwrap();
    assert_eq!(
        back,
        fields
            .iter()
            .map(|f| (CrmObjectType::Account, f.clone()))
            .collect::<Vec<_>>()
    );
    assert_eq!(s.crm_schema(i.id, None).await.unwrap().len(), 3);
    s.set_crm_schema(i.id, CrmObjectType::Account, &fields[1..])
        .await
        .unwrap();
    assert_eq!(
        s.crm_schema(i.id, Some(CrmObjectType::Account))
            .await
            .unwrap()
            .len(),
        1,
        "a schema upload replaces the type's fields"
    );
    assert!(s.crm_schema(j.id, None).await.unwrap().is_empty());
}

pub async fn an_upload_is_stored_with_its_job_and_shows_in_linked_calls(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let linked = bare_call_in(s, call.workspace_id, call.primary_user_id).await;
    let i = integration(call.workspace_id);
    s.create_crm_integration(&i).await.unwrap();

    let lease = queued_upload(s, &i, "up-1").await;
    let job: NewJob = JobSpec::CrmUpload {
        integration: i.id,
        request: "up-1".into(),
    }
    .into();
    assert!(matches!(
        s.create_crm_upload(&request(&i, "up-1", None), "x", &job, t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.crm_upload_body(i.id, "up-1").await.unwrap().as_deref(),
        Some("{}\n")
    );
    s.set_crm_request_status(i.id, "up-1", CrmRequestStatus::InProgress, t0())
        .await
        .unwrap();
    assert_eq!(
        s.crm_request(i.id, "up-1").await.unwrap().unwrap().status,
        CrmRequestStatus::InProgress
    );

    let before = version(s, linked).await;
    let result = CrmUploadResult {
        entities: vec![
            entity(
                CrmObjectType::Account,
                "A1",
                1,
                json!({"name": "Acme", "tier": 1}),
            ),
            entity(CrmObjectType::Account, "A2", 1, json!({"name": "Beta"})),
        ],
        errors: vec![(3, "Mandatory field [objectId] is missing or empty".into())],
        error_count: 1,
    };
    s.finish_crm_upload(i.id, "up-1", &result, lease, t0())
        .await
        .unwrap();
    let r = s.crm_request(i.id, "up-1").await.unwrap().unwrap();
    assert_eq!(r.status, CrmRequestStatus::Done);
    assert_eq!((r.success_count, r.error_count), (2, 1));
    assert_eq!(r.errors, result.errors);
    assert_eq!(s.crm_upload_body(i.id, "up-1").await.unwrap(), None);
    assert!(
        version(s, linked).await > before,
        "a call linking an uploaded object is rendered again"
    );
    let got = s
        .crm_entities(i.id, CrmObjectType::Account, &["A1".into(), "X".into()])
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got["A1"], result.entities[0]);
    assert_eq!(
        got["A1"].fields.keys().collect::<Vec<_>>(),
        ["name", "tier"],
        "fields keep their order"
    );

    // A second, older line changes nothing; a newer one replaces the fields.
    let lease = queued_upload(s, &i, "up-2").await;
    let older = CrmUploadResult {
        entities: vec![
            entity(CrmObjectType::Account, "A1", 0, json!({"name": "Old"})),
            entity(CrmObjectType::Account, "A2", 2, json!({"name": "Beta 2"})),
        ],
        ..CrmUploadResult::default()
    };
    s.finish_crm_upload(i.id, "up-2", &older, lease, t0())
        .await
        .unwrap();
    let keys = [
        (CrmObjectType::Account, "A1".to_owned()),
        (CrmObjectType::Account, "A2".to_owned()),
        (CrmObjectType::Deal, "A1".to_owned()),
    ];
    let mut live = s
        .crm_entities_of_workspace(call.workspace_id, &keys)
        .await
        .unwrap();
    live.sort_by(|a, b| a.object_id.cmp(&b.object_id));
    assert_eq!(live.len(), 2);
    assert_eq!(live[0].fields["name"], json!("Acme"));
    assert_eq!(live[1].fields["name"], json!("Beta 2"));
    let other = a_call(s).await;
    assert!(s
        .crm_entities_of_workspace(other.workspace_id, &keys)
        .await
        .unwrap()
        .is_empty());

    // A lost lease writes nothing.
    let lease = queued_upload(s, &i, "up-3").await;
    let stale = JobLease {
        attempt: lease.attempt + 1,
        ..lease
    };
    let deleted = CrmUploadResult {
        entities: vec![CrmEntity {
            is_deleted: true,
            ..entity(CrmObjectType::Account, "A1", 5, json!({}))
        }],
        ..CrmUploadResult::default()
    };
    assert!(matches!(
        s.finish_crm_upload(i.id, "up-3", &deleted, stale, t0())
            .await,
        Err(StoreError::LeaseLost(_))
    ));
    assert_eq!(
        s.crm_request(i.id, "up-3").await.unwrap().unwrap().status,
        CrmRequestStatus::Pending
    );
    s.finish_crm_upload(i.id, "up-3", &deleted, lease, t0())
        .await
        .unwrap();
    assert_eq!(
        s.crm_entities_of_workspace(call.workspace_id, &keys[..1])
            .await
            .unwrap(),
        vec![],
        "deleted objects are not shown"
    );

    // Deleting the integration takes its objects; the deletion's request stays.
    let del = CrmRequest {
        status: CrmRequestStatus::Done,
        ..request(&i, "del-1", None)
    };
    assert!(s.delete_crm_integration(i.id, &del).await.unwrap());
    assert_eq!(s.crm_integration(i.id).await.unwrap(), None);
    assert_eq!(
        s.crm_request(i.id, "del-1").await.unwrap(),
        Some(del.clone())
    );
    assert!(!s
        .delete_crm_integration(i.id, &request(&i, "del-2", None))
        .await
        .unwrap());
    assert_eq!(s.crm_request(i.id, "del-2").await.unwrap(), None);
    assert!(s
        .crm_entities(i.id, CrmObjectType::Account, &["A2".into()])
        .await
        .unwrap()
        .is_empty());
}

/// A call in `workspace` linked to the generic account `A1` and opportunity `D1`.
async fn bare_call_in(s: &dyn Store, workspace: WorkspaceId, user: UserId) -> CallId {
    let call = super::bare_call(CallId::generate(), workspace, user, t0());
    let link = |t: &str, id: &str| CrmLink {
        system: CrmSystem::Generic,
        object_type: t.into(),
        object_id: id.into(),
        fields: vec![],
    };
    s.insert_call(
        &call,
        &[],
        &[link("Account", "A1"), link("Opportunity", "D1")],
        &[],
    )
    .await
    .unwrap();
    call.id
}

pub async fn manual_associations_relink_calls_and_list_in_time_order(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let id = bare_call_in(s, call.workspace_id, call.primary_user_id).await;
    let assoc = |n: i64, account: Option<&str>, deal: Option<&str>| ManualAssociation {
        id: random_id(),
        call_id: id,
        workspace_id: call.workspace_id,
        user_id: Some(call.primary_user_id),
        created: t0() + Duration::minutes(n),
        account_id: account.map(str::to_owned),
        deal_id: deal.map(str::to_owned),
    };
    let first = assoc(1, Some("A9"), Some("D9"));
    s.record_manual_association(&first).await.unwrap();
    let removed = assoc(2, None, None);
    s.record_manual_association(&removed).await.unwrap();
    let second = assoc(3, Some("A7"), None);
    s.record_manual_association(&second).await.unwrap();
    let ids: Vec<(String, String)> = s.call_context_of(&[id]).await.unwrap()[&id]
        .iter()
        .map(|l| (l.object_type.clone(), l.object_id.clone()))
        .collect();
    assert_eq!(ids, [("Account".to_owned(), "A7".to_owned())]);
    assert_eq!(
        s.manual_association_of(id).await.unwrap(),
        Some(second.clone())
    );

    let all = AssociationFilter::default();
    assert_eq!(s.count_manual_associations(&all).await.unwrap(), 3);
    let page = s.manual_associations(&all, None, 2).await.unwrap();
    assert_eq!(page, vec![first.clone(), removed.clone()]);
    let rest = s
        .manual_associations(&all, Some((removed.created, removed.id)), 2)
        .await
        .unwrap();
    assert_eq!(rest, vec![second.clone()]);
    let later = AssociationFilter {
        from: Some(second.created),
        ..all.clone()
    };
    assert_eq!(s.count_manual_associations(&later).await.unwrap(), 1);
    let elsewhere = AssociationFilter {
        workspaces: Some(vec![WorkspaceId(3)]),
        ..all
    };
    assert!(s
        .manual_associations(&elsewhere, None, 10)
        .await
        .unwrap()
        .is_empty());
    let missing = ManualAssociation {
        call_id: CallId(42),
        ..assoc(4, None, None)
    };
    assert!(matches!(
        s.record_manual_association(&missing).await,
        Err(StoreError::NotFound(_))
    ));
}

/// The listing filters by the caller's call access in the query: the count is of the
/// calls they may see, and pages are full while more of them follow.
pub async fn manual_associations_list_only_calls_the_caller_may_see(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let ws = call.workspace_id;
    let me = call.primary_user_id;
    let other = super::a_user(UserId::generate(), "other@northwind.example.com", t0());
    s.create_user(&other).await.unwrap();
    let granted = super::a_user(UserId::generate(), "granted@northwind.example.com", t0());
    s.create_user(&granted).await.unwrap();
    let theirs = bare_call_in(s, ws, other.id).await;
    let shown = bare_call_in(s, ws, other.id).await;
    s.grant_calls(&[(shown, granted.id)], t0()).await.unwrap();
    // Interleaved in time: mine, theirs, mine, theirs, ... and one of the granted call.
    let mut n = 0;
    let mut record = |call_id: CallId| {
        n += 1;
        ManualAssociation {
            id: random_id(),
            call_id,
            workspace_id: ws,
            user_id: Some(me),
            created: t0() + Duration::minutes(n),
            account_id: Some(format!("A{n}")),
            deal_id: None,
        }
    };
    let mut mine = Vec::new();
    let mut all = Vec::new();
    for _ in 0..3 {
        let a = record(call.id);
        mine.push(a.clone());
        all.push(a);
        all.push(record(theirs));
    }
    let granted_one = record(shown);
    all.push(granted_one.clone());
    for a in &all {
        s.record_manual_association(a).await.unwrap();
    }

    let own = |user: UserId| AssociationFilter {
        visible_to: Some(CallAccess {
            default: Audience::Users(vec![user]),
            by_workspace: Default::default(),
            granted_to: Some(user),
        }),
        ..AssociationFilter::default()
    };
    assert_eq!(
        s.count_manual_associations(&own(me)).await.unwrap(),
        3,
        "the total counts only the calls the caller may see"
    );
    let first = s.manual_associations(&own(me), None, 2).await.unwrap();
    assert_eq!(first, mine[..2], "a page is full of visible associations");
    let last = first.last().unwrap();
    let rest = s
        .manual_associations(&own(me), Some((last.created, last.id)), 2)
        .await
        .unwrap();
    assert_eq!(rest, mine[2..]);
    assert_eq!(
        s.manual_associations(&own(granted.id), None, 10)
            .await
            .unwrap(),
        vec![granted_one],
        "a call granted to the user is visible"
    );
    assert_eq!(
        s.count_manual_associations(&own(granted.id)).await.unwrap(),
        1
    );
    // Per-workspace audiences: everyone in this workspace sees every call.
    let everyone_here = AssociationFilter {
        visible_to: Some(CallAccess {
            default: Audience::Users(vec![]),
            by_workspace: [(ws, Audience::Everyone)].into_iter().collect(),
            granted_to: None,
        }),
        ..AssociationFilter::default()
    };
    assert_eq!(
        s.count_manual_associations(&everyone_here).await.unwrap(),
        all.len() as i64
    );
    let nobody = AssociationFilter {
        visible_to: Some(CallAccess {
            default: Audience::Users(vec![]),
            by_workspace: Default::default(),
            granted_to: None,
        }),
        ..AssociationFilter::default()
    };
    assert_eq!(s.count_manual_associations(&nobody).await.unwrap(), 0);
    assert!(s
        .manual_associations(&nobody, None, 10)
        .await
        .unwrap()
        .is_empty());
}

fn event(call: &Call, at: Timestamp, account: Option<&str>) -> ManualAssociation {
    ManualAssociation {
        id: random_id(),
        call_id: call.id,
        workspace_id: call.workspace_id,
        user_id: Some(call.primary_user_id),
        created: at,
        account_id: account.map(str::to_owned),
        deal_id: None,
    }
}

/// A re-association reads whether the call is associated and writes the removal and the
/// new association in one transaction: both or neither.
pub async fn a_reassociation_is_one_transaction(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let all = AssociationFilter::default();
    let at = |m: i64| t0() + Duration::minutes(m);
    let links = |id: CallId| async move {
        s.call_context_of(&[id])
            .await
            .unwrap()
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|l| l.object_id)
            .collect::<Vec<_>>()
    };

    // Not associated: no removal, only the association.
    let first = event(&call, at(1), Some("A1"));
    assert!(!s
        .reassociate_manually(&event(&call, at(1), None), Some(&first))
        .await
        .unwrap());
    assert_eq!(
        s.manual_associations(&all, None, 10).await.unwrap(),
        vec![first.clone()]
    );
    // Associated: the removal, then the new one.
    let removal = event(&call, at(2), None);
    let second = event(&call, at(2) + Duration::microseconds(1), Some("A2"));
    assert!(s
        .reassociate_manually(&removal, Some(&second))
        .await
        .unwrap());
    assert_eq!(
        s.manual_associations(&all, None, 10).await.unwrap(),
        vec![first.clone(), removal.clone(), second.clone()]
    );
    assert_eq!(links(call.id).await, ["A2"]);

    // The new association fails (an id taken): the removal before it is rolled back.
    let removal_lost = event(&call, at(3), None);
    let clash = ManualAssociation {
        id: first.id,
        ..event(&call, at(3) + Duration::microseconds(1), Some("A3"))
    };
    assert!(s
        .reassociate_manually(&removal_lost, Some(&clash))
        .await
        .is_err());
    assert_eq!(
        s.count_manual_associations(&all).await.unwrap(),
        3,
        "neither event of a failed re-association is kept"
    );
    assert_eq!(
        s.manual_association_of(call.id).await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(links(call.id).await, ["A2"]);

    // Removing: one removal; removing again records nothing.
    let gone = event(&call, at(4), None);
    assert!(s.reassociate_manually(&gone, None).await.unwrap());
    assert!(!s
        .reassociate_manually(&event(&call, at(5), None), None)
        .await
        .unwrap());
    assert_eq!(s.count_manual_associations(&all).await.unwrap(), 4);
    assert!(links(call.id).await.is_empty());

    let missing = Call {
        id: CallId(42),
        ..call.clone()
    };
    assert!(matches!(
        s.reassociate_manually(&event(&missing, at(6), None), None)
            .await,
        Err(StoreError::NotFound(_))
    ));
}

/// Dissociations of one call at once, on two handles, record one removal between them.
pub async fn parallel_dissociations_record_one_removal(h: &dyn Harness) {
    let f = h.fresh().await;
    let call = a_call(&*f.store).await;
    f.store
        .record_manual_association(&event(&call, t0(), Some("A1")))
        .await
        .unwrap();
    let other = f.reopen().await;
    let mut tasks = Vec::new();
    for n in 0..8i64 {
        let s = if n % 2 == 0 {
            f.store.clone()
        } else {
            other.clone()
        };
        let removal = event(&call, t0() + Duration::minutes(1 + n), None);
        tasks.push(tokio::spawn(async move {
            s.reassociate_manually(&removal, None).await.unwrap()
        }));
    }
    let mut recorded = 0;
    for t in tasks {
        recorded += usize::from(t.await.unwrap());
    }
    assert_eq!(recorded, 1, "one removal between them");
    assert_eq!(
        f.store
            .count_manual_associations(&AssociationFilter::default())
            .await
            .unwrap(),
        2
    );
}

/// A crm-upload job that fails for good fails its request in the transaction that
/// fails the job: at claim time when its worker died on the last attempt (no worker
/// hears of that), and in `fail_job`. A job that will be retried leaves it as it is.
pub async fn an_upload_whose_job_fails_for_good_fails_its_request(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let i = integration(call.workspace_id);
    s.create_crm_integration(&i).await.unwrap();
    let integration_id = i.id;
    let status = |id: &'static str| async move {
        s.crm_request(integration_id, id)
            .await
            .unwrap()
            .unwrap()
            .status
    };

    // Its worker dies on every attempt: each lease expires.
    let job = NewJob {
        max_attempts: 2,
        ..JobSpec::CrmUpload {
            integration: i.id,
            request: "dies".into(),
        }
        .into()
    };
    s.create_crm_upload(
        &request(&i, "dies", Some(CrmObjectType::Account)),
        "{}\n",
        &job,
        t0(),
    )
    .await
    .unwrap();
    let mut now = t0();
    for _ in 0..2 {
        assert!(s
            .claim_job(&[JobKind::CrmUpload], "w", 10, now)
            .await
            .unwrap()
            .is_some());
        s.set_crm_request_status(i.id, "dies", CrmRequestStatus::InProgress, now)
            .await
            .unwrap();
        now += Duration::seconds(11);
    }
    assert!(
        s.claim_job(&[JobKind::CrmUpload], "w", 10, now)
            .await
            .unwrap()
            .is_none(),
        "failed at claim time, not claimed"
    );
    let r = s.crm_request(i.id, "dies").await.unwrap().unwrap();
    assert_eq!(
        r.status,
        CrmRequestStatus::Failed,
        "not IN_PROGRESS for ever"
    );
    assert_eq!(r.updated, now);

    // A transient failure with attempts left: retried, the request as it was.
    let lease = queued_upload(s, &i, "retried").await;
    assert_eq!(
        s.fail_job(lease, "busy", crate::Failure::Transient, t0())
            .await
            .unwrap(),
        JobState::Queued
    );
    assert_eq!(status("retried").await, CrmRequestStatus::Pending);
    // A permanent failure: failed with its job.
    let later = t0() + Duration::hours(1);
    let (_, lease) = s
        .claim_job(&[JobKind::CrmUpload], "w", 60, later)
        .await
        .unwrap()
        .expect("the retry is due");
    assert_eq!(
        s.fail_job(lease, "bad", crate::Failure::Permanent, later)
            .await
            .unwrap(),
        JobState::Failed
    );
    assert_eq!(status("retried").await, CrmRequestStatus::Failed);
}

//! CRM write-back: connectors per workspace (names unique there), writes recorded with
//! their job and finished fenced by its lease, and a generic CRM object's field set in
//! place with the calls linked to it bumped.

use chrono::Duration;
use parley_domain::crm_write::*;
use parley_domain::*;
use serde_json::json;

use super::{a_call, t0, Harness};
use crate::{NewJob, Store, StoreError};

fn connector(workspace: WorkspaceId, name: &str) -> CrmConnector {
    CrmConnector {
        id: random_id(),
        workspace_id: workspace,
        name: name.into(),
        kind: ConnectorKind::Salesforce,
        settings: json!({"loginUrl": "https://login.salesforce.com", "clientId": "3MVG9"}),
        secret: "c2VhbGVk".into(),
        created: t0(),
        updated: t0(),
    }
}

fn write(call: &Call, connector: i64) -> CrmWrite {
    CrmWrite {
        id: random_id(),
        workspace_id: call.workspace_id,
        call_id: call.id,
        action: CrmFieldAction {
            tracker: TrackerRef::Name("Competitors".into()),
            object_type: WriteObjectType::Opportunity,
            field: "Main_Competitors__c".into(),
            merge_with_current: true,
            connector,
        },
        object_id: Some("006A".into()),
        state: CrmWriteState::Pending,
        attempts: 0,
        value: None,
        previous: None,
        outcome: None,
        created: t0(),
        updated: t0(),
    }
}

async fn version(s: &dyn Store, call: CallId) -> i64 {
    s.calls_with_versions(&[call]).await.unwrap()[0].1
}

pub async fn connectors_round_trip_and_names_are_unique_per_workspace(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let other = a_call(s).await;
    let c = connector(call.workspace_id, "Salesforce");
    s.save_crm_connector(&c).await.unwrap();
    assert_eq!(s.crm_connector(c.id).await.unwrap(), Some(c.clone()));
    assert!(
        matches!(
            s.save_crm_connector(&connector(call.workspace_id, "Salesforce"))
                .await,
            Err(StoreError::Conflict(_))
        ),
        "a second connector of one name in a workspace is a conflict"
    );
    assert!(
        matches!(
            s.save_crm_connector(&connector(WorkspaceId(5), "x")).await,
            Err(StoreError::NotFound(_))
        ),
        "a connector of an unknown workspace is refused"
    );
    let d = CrmConnector {
        kind: ConnectorKind::HubSpot,
        settings: json!({"baseUrl": "https://api.hubapi.com"}),
        created: t0() + Duration::minutes(1),
        ..connector(other.workspace_id, "Salesforce")
    };
    s.save_crm_connector(&d).await.unwrap();
    // Saving again with the same id replaces it.
    let renamed = CrmConnector {
        name: "Salesforce prod".into(),
        secret: "b3RoZXI=".into(),
        updated: t0() + Duration::minutes(2),
        ..c.clone()
    };
    s.save_crm_connector(&renamed).await.unwrap();
    assert_eq!(s.crm_connector(c.id).await.unwrap(), Some(renamed.clone()));
    assert_eq!(
        s.crm_connectors(None).await.unwrap(),
        vec![renamed.clone(), d.clone()],
        "oldest first"
    );
    assert_eq!(
        s.crm_connectors(Some(&[other.workspace_id][..]))
            .await
            .unwrap(),
        vec![d.clone()]
    );
    assert!(s.delete_crm_connector(d.id).await.unwrap());
    assert!(!s.delete_crm_connector(d.id).await.unwrap());
    assert_eq!(s.crm_connector(d.id).await.unwrap(), None);
}

pub async fn a_write_is_recorded_with_its_job_and_finished_fenced(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let w = write(&call, 7);
    let job: NewJob = JobSpec::CrmWrite {
        call: call.id,
        write: w.id,
    }
    .into();
    let queued = s.create_crm_write(&w, &job, t0()).await.unwrap();
    assert_eq!(queued.kind, JobKind::CrmWrite);
    assert_eq!(queued.call_id, Some(call.id));
    assert_eq!(s.crm_write(w.id).await.unwrap(), Some(w.clone()));
    let mut missing = write(&call, 7);
    missing.call_id = CallId(5);
    assert!(
        matches!(
            s.create_crm_write(&missing, &job, t0()).await,
            Err(StoreError::NotFound(_))
        ),
        "a write for an unknown call is refused"
    );

    let (claimed, lease) = s
        .claim_job(&[JobKind::CrmWrite], "w", 60, t0())
        .await
        .unwrap()
        .expect("the write's job is queued");
    assert_eq!(
        JobSpec::of(&claimed).unwrap(),
        JobSpec::CrmWrite {
            call: call.id,
            write: w.id
        }
    );
    let tried = CrmWrite {
        attempts: 1,
        outcome: Some("salesforce answered 503".into()),
        value: Some("Acme, Globex".into()),
        updated: t0() + Duration::seconds(1),
        ..w.clone()
    };
    s.update_crm_write(&tried).await.unwrap();
    assert_eq!(s.crm_write(w.id).await.unwrap(), Some(tried.clone()));

    let done = CrmWrite {
        state: CrmWriteState::Written,
        outcome: None,
        previous: Some("Initech".into()),
        value: Some("Initech, Acme, Globex".into()),
        updated: t0() + Duration::seconds(2),
        ..tried.clone()
    };
    let stale = JobLease {
        attempt: lease.attempt + 1,
        ..lease
    };
    assert!(
        matches!(
            s.finish_crm_write(&done, stale, t0()).await,
            Err(StoreError::LeaseLost(_))
        ),
        "a stale lease writes nothing"
    );
    assert_eq!(s.crm_write(w.id).await.unwrap(), Some(tried));
    s.finish_crm_write(&done, lease, t0()).await.unwrap();
    assert_eq!(s.crm_write(w.id).await.unwrap(), Some(done.clone()));
    assert_eq!(
        s.get_job(claimed.id).await.unwrap().unwrap().state,
        JobState::Done
    );

    let later = CrmWrite {
        created: t0() + Duration::minutes(1),
        ..write(&call, 7)
    };
    s.create_crm_write(
        &later,
        &JobSpec::CrmWrite {
            call: call.id,
            write: later.id,
        }
        .into(),
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(
        s.crm_writes_of_call(call.id).await.unwrap(),
        vec![done, later],
        "a call's writes, oldest first"
    );
    assert!(s.crm_writes_of_call(CallId(5)).await.unwrap().is_empty());
}

pub async fn a_generic_objects_field_is_set_and_its_calls_bumped(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let linked = super::bare_call(
        CallId::generate(),
        call.workspace_id,
        call.primary_user_id,
        t0(),
    );
    let link = CrmLink {
        system: CrmSystem::Generic,
        object_type: "Opportunity".into(),
        object_id: "D1".into(),
        fields: vec![],
    };
    s.insert_call(&linked, &[], &[link], &[]).await.unwrap();
    assert!(
        !s.set_crm_entity_field(
            call.workspace_id,
            CrmObjectType::Deal,
            "D1",
            "competitors",
            &json!("Acme"),
            t0()
        )
        .await
        .unwrap(),
        "no integration: nothing to set"
    );
    let i = CrmIntegration {
        id: random_id(),
        workspace_id: call.workspace_id,
        owner_email: "crm@northwind.example.com".into(),
        name: "Generic".into(),
        created: t0(),
    };
    s.create_crm_integration(&i).await.unwrap();
    let lease = {
        let job: NewJob = JobSpec::CrmUpload {
            integration: i.id,
            request: "up".into(),
        }
        .into();
        s.create_crm_upload(
            &CrmRequest {
                integration_id: i.id,
                client_request_id: "up".into(),
                workspace_id: call.workspace_id,
                object_type: Some(CrmObjectType::Deal),
                status: CrmRequestStatus::Pending,
                errors: vec![],
                error_count: 0,
                success_count: 0,
                created: t0(),
                updated: t0(),
            },
            "{}\n",
            &job,
            t0(),
        )
        .await
        .unwrap();
        s.claim_job(&[JobKind::CrmUpload], "w", 60, t0())
            .await
            .unwrap()
            .unwrap()
            .1
    };
    let deal = |id: &str, deleted: bool| CrmEntity {
        object_type: CrmObjectType::Deal,
        object_id: id.into(),
        modified: t0(),
        is_deleted: deleted,
        fields: json!({"name": "Big deal", "competitors": "Initech"})
            .as_object()
            .cloned()
            .unwrap(),
    };
    s.finish_crm_upload(
        i.id,
        "up",
        &CrmUploadResult {
            entities: vec![deal("D1", false), deal("D2", true)],
            errors: vec![],
            error_count: 0,
        },
        lease,
        t0(),
    )
    .await
    .unwrap();
    let before = version(s, linked.id).await;
    assert!(s
        .set_crm_entity_field(
            call.workspace_id,
            CrmObjectType::Deal,
            "D1",
            "competitors",
            &json!("Initech, Acme"),
            t0()
        )
        .await
        .unwrap());
    assert!(s
        .set_crm_entity_field(
            call.workspace_id,
            CrmObjectType::Deal,
            "D1",
            "region",
            &json!("EMEA"),
            t0()
        )
        .await
        .unwrap());
    let e = s
        .crm_entities(i.id, CrmObjectType::Deal, &["D1".into()])
        .await
        .unwrap()
        .remove("D1")
        .unwrap();
    assert_eq!(
        serde_json::Value::Object(e.fields),
        json!({"name": "Big deal", "competitors": "Initech, Acme", "region": "EMEA"}),
        "the field is changed in place and a new one goes last"
    );
    assert!(
        version(s, linked.id).await > before,
        "calls linked to the object render it: their version moves"
    );
    for (ws, id) in [
        (call.workspace_id, "D2"),
        (call.workspace_id, "D9"),
        (WorkspaceId(5), "D1"),
    ] {
        assert!(
            !s.set_crm_entity_field(ws, CrmObjectType::Deal, id, "x", &json!("y"), t0())
                .await
                .unwrap(),
            "{id}: deleted, unknown or another workspace's objects are not set"
        );
    }
}

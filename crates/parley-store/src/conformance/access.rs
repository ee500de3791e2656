//! Calls granted to single users, recordings by call, integration settings and flows.

use std::collections::BTreeMap;

use parley_domain::*;

use super::media::{media, transcribe};
use super::{a_user, bare_call, t0, workspace_and_user, Harness};
use crate::{CallFilter, Placement, StoreError};

/// A grant shows a call to its user in listings whatever their audience, moves the
/// generation both ways, and is listed per call; grants to unknown calls are refused.
pub async fn grants_show_calls_to_their_users_and_move_the_generation(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, host) = workspace_and_user(s, UserId::generate(), t0()).await;
    let me = a_user(UserId::generate(), "me@northwind.example.com", t0());
    s.create_user(&me).await.unwrap();
    let other = a_user(UserId::generate(), "other@northwind.example.com", t0());
    s.create_user(&other).await.unwrap();
    let mut ids = Vec::new();
    for minute in 0..3 {
        let id = CallId::generate();
        let at = t0() + chrono::Duration::minutes(minute);
        s.insert_call(&bare_call(id, ws.id, host.id, at), &[], &[], &[])
            .await
            .unwrap();
        ids.push(id);
    }
    let mine = CallAccess {
        default: Audience::Users(vec![me.id]),
        by_workspace: BTreeMap::new(),
        granted_to: Some(me.id),
    };
    let filter = CallFilter {
        visible_to: Some(mine.clone()),
        ..CallFilter::default()
    };
    let listed = || async {
        s.list_calls(&filter, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    assert!(
        listed().await.is_empty(),
        "no grant, no call of another host"
    );

    let before = s.calls_generation().await.unwrap();
    s.grant_calls(&[(ids[1], me.id), (ids[2], other.id)], t0())
        .await
        .unwrap();
    let granted = s.calls_generation().await.unwrap();
    assert!(granted > before, "a grant moves the calls generation");
    assert_eq!(listed().await, vec![ids[1]]);
    assert_eq!(s.count_calls(&filter).await.unwrap(), 1);
    // Granting again changes nothing and fails nothing.
    s.grant_calls(&[(ids[1], me.id)], t0()).await.unwrap();
    assert!(s.call_granted(ids[1], me.id).await.unwrap());
    assert!(!s.call_granted(ids[1], other.id).await.unwrap());
    assert!(!s.call_granted(ids[0], me.id).await.unwrap());
    let grants = s.call_grants(&ids).await.unwrap();
    assert_eq!(grants.get(&ids[1]), Some(&vec![me.id]));
    assert_eq!(grants.get(&ids[2]), Some(&vec![other.id]));
    assert!(!grants.contains_key(&ids[0]));
    // Without `granted_to` the grant does not count.
    let plain = CallFilter {
        visible_to: Some(CallAccess {
            granted_to: None,
            ..mine
        }),
        ..CallFilter::default()
    };
    assert!(s.list_calls(&plain, None, 10).await.unwrap().is_empty());

    assert!(matches!(
        s.grant_calls(&[(ids[0], me.id), (CallId(42), me.id)], t0())
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        !s.call_granted(ids[0], me.id).await.unwrap(),
        "a refused grant list writes nothing"
    );

    s.revoke_calls(&[(ids[1], me.id), (ids[0], me.id)])
        .await
        .unwrap();
    assert!(s.calls_generation().await.unwrap() > granted);
    assert!(listed().await.is_empty());
    assert!(!s.call_granted(ids[1], me.id).await.unwrap());
}

/// Recordings are read for many calls at once; calls without one are absent.
pub async fn recordings_are_read_by_call(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, user) = workspace_and_user(s, UserId::generate(), t0()).await;
    let with = CallId::generate();
    let without = CallId::generate();
    for id in [with, without] {
        s.insert_call(&bare_call(id, ws.id, user.id, t0()), &[], &[], &[])
            .await
            .unwrap();
    }
    let m = media(with, "aa", "calls/1/a.wav");
    s.store_call_media(&m, Some(&transcribe(with)), t0())
        .await
        .unwrap();
    let got = s.media_of(&[with, without]).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got.get(&with), Some(&m));
    assert!(s.media_of(&[]).await.unwrap().is_empty());
}

/// Integration settings are kept one per type, the last one set winning.
pub async fn integration_settings_are_kept_per_type(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    assert!(s.integration_settings().await.unwrap().is_empty());
    let set = |t, origin: &str| IntegrationSetting {
        integration_type: t,
        allowed_origin: origin.into(),
        updated: t0(),
    };
    s.set_integration_settings(&[
        set(IntegrationType::Dialer, "https://a.example"),
        set(IntegrationType::EmailComposer, "https://b.example"),
    ])
    .await
    .unwrap();
    s.set_integration_settings(&[set(IntegrationType::Dialer, "https://c.example")])
        .await
        .unwrap();
    let mut got = s.integration_settings().await.unwrap();
    got.sort_by_key(|s| s.integration_type);
    assert_eq!(
        got,
        vec![
            set(IntegrationType::EmailComposer, "https://b.example"),
            set(IntegrationType::Dialer, "https://c.example"),
        ]
    );
}

/// Flows round-trip, page by id, keep names unique per workspace; a prospect is put in
/// a flow once, and deleting the flow takes its instances with it.
pub async fn flows_and_their_prospects(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, owner) = workspace_and_user(s, UserId::generate(), t0()).await;
    let flow = |name: &str| Flow {
        id: FlowId::generate(),
        workspace_id: ws.id,
        name: name.into(),
        owner_id: owner.id,
        visibility: FlowVisibility::Company,
        folder: Some("Outbound".into()),
        exclusive: true,
        created: t0(),
    };
    let a = flow("a");
    let b = Flow {
        visibility: FlowVisibility::Personal,
        folder: None,
        exclusive: false,
        ..flow("b")
    };
    s.create_flow(&a).await.unwrap();
    s.create_flow(&b).await.unwrap();
    assert!(matches!(
        s.create_flow(&flow("a")).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.create_flow(&Flow {
            owner_id: UserId(42),
            ..flow("c")
        })
        .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(s.get_flow(a.id).await.unwrap(), Some(a.clone()));
    let mut all = vec![a.clone(), b.clone()];
    all.sort_by_key(|f| f.id);
    assert_eq!(
        s.list_flows(Some(ws.id), None, None, 10).await.unwrap(),
        all
    );
    assert_eq!(
        s.list_flows(None, None, Some(all[0].id), 10).await.unwrap(),
        vec![all[1].clone()]
    );
    assert_eq!(
        s.list_flows(None, None, None, 1).await.unwrap(),
        vec![all[0].clone()]
    );
    // Someone else sees the company flow, not the owner's personal one.
    assert_eq!(
        s.list_flows(None, Some(UserId(42)), None, 10)
            .await
            .unwrap(),
        vec![a.clone()]
    );
    assert_eq!(
        s.list_flows(None, Some(owner.id), None, 10).await.unwrap(),
        all
    );
    assert_eq!(s.count_flows(None, Some(UserId(42))).await.unwrap(), 1);
    assert_eq!(s.count_flows(Some(ws.id), None).await.unwrap(), 2);
    assert_eq!(s.count_flows(Some(WorkspaceId(42)), None).await.unwrap(), 0);
    assert!(s
        .list_flows(Some(WorkspaceId(42)), None, None, 10)
        .await
        .unwrap()
        .is_empty());

    let instance = |flow: FlowId, prospect: &str, minute: i64| FlowInstance {
        id: FlowInstanceId::generate(),
        flow_id: flow,
        crm_prospect_id: prospect.into(),
        owner_id: owner.id,
        status: FlowInstanceStatus::Running,
        created: t0() + chrono::Duration::minutes(minute),
    };
    let first = vec![instance(a.id, "003B", 0), instance(a.id, "003A", 1)];
    assert_eq!(
        s.assign_flow(&first).await.unwrap(),
        [Placement::Made, Placement::Made]
    );
    let again = vec![instance(a.id, "003A", 2), instance(b.id, "003A", 3)];
    assert_eq!(
        s.assign_flow(&again).await.unwrap(),
        [Placement::InFlow, Placement::Made],
        "a prospect already in a flow is not put in again"
    );
    assert_eq!(
        s.prospect_flows(None, &["003A".into(), "003Z".into()])
            .await
            .unwrap(),
        vec![first[1].clone(), again[1].clone()]
    );
    assert!(matches!(
        s.assign_flow(&[instance(FlowId(42), "003C", 4)]).await,
        Err(StoreError::NotFound(_))
    ));

    // Exclusive flows: a prospect in one exclusive flow of the workspace is not put into
    // another (checked in the write), but may be in an exclusive flow of another workspace.
    let c = flow("c");
    s.create_flow(&c).await.unwrap();
    let other_ws = Workspace {
        id: WorkspaceId::generate(),
        name: "other".into(),
        description: None,
        created: t0(),
    };
    s.create_workspace(&other_ws, false).await.unwrap();
    let there = Flow {
        workspace_id: other_ws.id,
        ..flow("there")
    };
    s.create_flow(&there).await.unwrap();
    let into_c = vec![instance(c.id, "003B", 5), instance(c.id, "003D", 5)];
    assert_eq!(
        s.assign_flow(&into_c).await.unwrap(),
        [Placement::InOtherExclusiveFlow, Placement::Made]
    );
    let into_there = instance(there.id, "003B", 6);
    assert_eq!(
        s.assign_flow(std::slice::from_ref(&into_there))
            .await
            .unwrap(),
        [Placement::Made],
        "exclusivity is per workspace"
    );
    assert_eq!(
        s.prospect_flows(Some(other_ws.id), &["003B".into()])
            .await
            .unwrap(),
        vec![into_there.clone()],
        "the instances of one workspace only"
    );
    assert_eq!(
        s.prospect_flows(Some(ws.id), &["003B".into()])
            .await
            .unwrap(),
        vec![first[0].clone()]
    );

    assert!(s.delete_flow(a.id).await.unwrap());
    assert!(!s.delete_flow(a.id).await.unwrap());
    assert_eq!(
        s.prospect_flows(Some(ws.id), &["003A".into(), "003B".into()])
            .await
            .unwrap(),
        vec![again[1].clone()]
    );
}

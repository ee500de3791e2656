//! Permission profiles: round trips, names unique per workspace, assignments per
//! workspace, the call access and capabilities they give, and call listings filtered by
//! them.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use parley_domain::*;

use super::{bare_call, workspace_and_user, Harness};
use crate::{CallFilter, StoreError};

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap()
}

fn profile(workspace: WorkspaceId, name: &str, calls: Access) -> PermissionProfile {
    let mut p = PermissionProfile::blank(ProfileId::generate(), workspace);
    p.apply(ProfilePatch {
        name: Some(name.into()),
        description: Some(Some("d".into())),
        access: BTreeMap::from([
            (AccessArea::Calls, calls),
            (AccessArea::Coaching, Access::at(AccessLevel::Own)),
        ]),
        library: Some(LibraryAccess {
            level: LibraryLevel::SpecificFolders,
            folders: vec![9, 3],
            manage_streams: true,
            ..LibraryAccess::default()
        }),
        capabilities: BTreeMap::from([
            (Capability::ScoreCalls, true),
            (Capability::AiBuilder, true),
        ]),
    });
    p
}

pub async fn profiles_round_trip_and_names_are_unique_per_workspace(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, user) = workspace_and_user(s, UserId(7), now()).await;
    let team = Access {
        level: AccessLevel::ManagersTeam,
        team_leads: vec![user.id],
    };
    let p = profile(ws.id, "Leads", team.clone());
    s.create_profile(&p, now()).await.unwrap();
    assert_eq!(s.profile(p.id).await.unwrap().as_ref(), Some(&p));

    let clash = profile(ws.id, "Leads", Access::at(AccessLevel::All));
    assert!(matches!(
        s.create_profile(&clash, now()).await,
        Err(StoreError::Conflict(_))
    ));
    let lost = profile(WorkspaceId(1), "Leads", Access::at(AccessLevel::All));
    assert!(matches!(
        s.create_profile(&lost, now()).await,
        Err(StoreError::NotFound(_))
    ));

    let mut changed = p.clone();
    changed.apply(ProfilePatch {
        name: Some("All leads".into()),
        access: BTreeMap::from([(AccessArea::Coaching, Access::NONE)]),
        capabilities: BTreeMap::from([(Capability::ScoreCalls, false)]),
        ..ProfilePatch::default()
    });
    s.update_profile(&changed, now()).await.unwrap();
    let back = s.profile(p.id).await.unwrap().unwrap();
    assert_eq!(back, changed);
    assert_eq!(back.access(AccessArea::Coaching), &Access::NONE);
    assert_eq!(back.capabilities, [Capability::AiBuilder].into());

    let other = profile(ws.id, "Admins", Access::at(AccessLevel::All));
    s.create_profile(&other, now()).await.unwrap();
    let names: Vec<String> = s
        .profiles_in(ws.id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["Admins", "All leads"]);
    assert_eq!(s.count_profiles(ws.id).await.unwrap(), 2);
    assert_eq!(s.profiles_in(ws.id, 1).await.unwrap().len(), 1);

    let ghost = profile(ws.id, "Ghost", Access::at(AccessLevel::All));
    assert!(matches!(
        s.update_profile(&ghost, now()).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn assignments_give_call_access_per_workspace_and_filter_listings(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, me) = workspace_and_user(s, UserId(7), now()).await;
    let east = Workspace {
        id: WorkspaceId::generate(),
        name: "east".into(),
        description: None,
        created: now(),
    };
    s.create_workspace(&east, false).await.unwrap();
    let all = profile(ws.id, "All", Access::at(AccessLevel::All));
    s.create_profile(&all, now()).await.unwrap();
    let none = profile(east.id, "None", Access::at(AccessLevel::None));
    s.create_profile(&none, now()).await.unwrap();

    // A profile of one workspace cannot be given for another.
    assert!(matches!(
        s.set_user_profile(me.id, east.id, Some(all.id), now())
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.set_user_profile(UserId(99), ws.id, Some(all.id), now())
            .await,
        Err(StoreError::NotFound(_))
    ));
    s.set_user_profile(me.id, ws.id, Some(all.id), now())
        .await
        .unwrap();
    s.set_user_profile(me.id, east.id, Some(none.id), now())
        .await
        .unwrap();
    assert_eq!(
        s.user_call_access(me.id)
            .await
            .unwrap()
            .into_iter()
            .collect::<BTreeMap<_, _>>(),
        BTreeMap::from([
            (ws.id, Access::at(AccessLevel::All)),
            (east.id, Access::NONE)
        ])
    );
    assert_eq!(
        s.profile_users(all.id, None, 10).await.unwrap(),
        vec![me.id]
    );
    assert!(s
        .profile_users(all.id, Some(me.id), 10)
        .await
        .unwrap()
        .is_empty());

    // Calls by someone else in both workspaces, and my own in East.
    let mut other = me.clone();
    other.id = UserId(8);
    other.email = "o@northwind.example.com".into();
    s.create_user(&other).await.unwrap();
    let mut ids = Vec::new();
    for (w, host, minute) in [
        (ws.id, other.id, 1),
        (east.id, other.id, 2),
        (east.id, me.id, 3),
    ] {
        let id = CallId::generate();
        let at = now() + chrono::Duration::minutes(minute);
        s.insert_call(&bare_call(id, w, host, at), &[], &[], &[])
            .await
            .unwrap();
        ids.push(id);
    }
    let listed = |access: CallAccess| async move {
        let f = CallFilter {
            visible_to: Some(access),
            ..CallFilter::default()
        };
        s.list_calls(&f, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    let access = CallAccess {
        default: Audience::Users(vec![me.id]),
        by_workspace: BTreeMap::from([
            (ws.id, Audience::Everyone),
            (east.id, Audience::Users(vec![])),
        ]),
        granted_to: None,
    };
    assert_eq!(listed(access).await, vec![ids[0]]);
    let own_elsewhere = CallAccess {
        default: Audience::Users(vec![me.id]),
        by_workspace: BTreeMap::from([(ws.id, Audience::Everyone)]),
        granted_to: None,
    };
    assert_eq!(listed(own_elsewhere).await, vec![ids[0], ids[2]]);

    // The profile of one user in one workspace.
    assert_eq!(s.user_profile(me.id, ws.id).await.unwrap(), Some(all.id));
    assert_eq!(s.user_profile(me.id, east.id).await.unwrap(), Some(none.id));
    assert_eq!(s.user_profile(UserId(99), ws.id).await.unwrap(), None);

    s.set_user_profile(me.id, east.id, None, now())
        .await
        .unwrap();
    assert_eq!(s.user_call_access(me.id).await.unwrap().len(), 1);
    assert_eq!(s.user_profile(me.id, east.id).await.unwrap(), None);
}

/// The workspaces where a user's profile grants a capability, and the manager tree.
pub async fn capabilities_and_the_manager_tree(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, mut me) = workspace_and_user(s, UserId(7), now()).await;
    let boss = super::a_user(UserId(8), "boss@northwind.example.com", now());
    s.create_user(&boss).await.unwrap();
    me.manager_id = Some(boss.id);
    s.update_user(&me, now()).await.unwrap();
    let mut edges = s.manager_edges().await.unwrap();
    edges.sort();
    assert_eq!(edges, [(me.id, Some(boss.id)), (boss.id, None)]);

    let east = Workspace {
        id: WorkspaceId::generate(),
        name: "east".into(),
        description: None,
        created: now(),
    };
    s.create_workspace(&east, false).await.unwrap();
    let scoring = profile(ws.id, "Scoring", Access::at(AccessLevel::All));
    s.create_profile(&scoring, now()).await.unwrap();
    let mut plain = profile(east.id, "Plain", Access::at(AccessLevel::Own));
    plain.apply(ProfilePatch {
        capabilities: BTreeMap::from([(Capability::ScoreCalls, false)]),
        ..ProfilePatch::default()
    });
    s.create_profile(&plain, now()).await.unwrap();
    for (w, p) in [(ws.id, scoring.id), (east.id, plain.id)] {
        s.set_user_profile(me.id, w, Some(p), now()).await.unwrap();
    }
    assert_eq!(
        s.capability_workspaces(me.id, Capability::ScoreCalls)
            .await
            .unwrap(),
        vec![ws.id]
    );
    let mut both = s
        .capability_workspaces(me.id, Capability::AiBuilder)
        .await
        .unwrap();
    both.sort();
    let mut want = vec![ws.id, east.id];
    want.sort();
    assert_eq!(both, want);
    assert!(s
        .capability_workspaces(me.id, Capability::DeleteCalls)
        .await
        .unwrap()
        .is_empty());
    assert!(s
        .capability_workspaces(boss.id, Capability::ScoreCalls)
        .await
        .unwrap()
        .is_empty());
    // Giving another profile in a workspace replaces the one there.
    let other = profile(ws.id, "Other", Access::at(AccessLevel::None));
    s.create_profile(&other, now()).await.unwrap();
    s.set_user_profile(me.id, ws.id, Some(other.id), now())
        .await
        .unwrap();
    assert!(s
        .profile_users(scoring.id, None, 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.profile_users(other.id, None, 10).await.unwrap(),
        vec![me.id]
    );
}

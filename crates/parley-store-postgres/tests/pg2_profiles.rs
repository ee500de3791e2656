//! Permission profiles on the real PostgreSQL: round trips, names unique per workspace
//! (case-sensitive, as on SQLite), assignments per workspace and what they grant.

mod common;
mod pg2_common;

use std::collections::BTreeMap;

use parley_domain::*;
use parley_store::{Store, StoreError};
use pg2_common::{t0, TestDb};

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

#[tokio::test]
async fn profiles_round_trip_and_names_are_unique_per_workspace() {
    let db = TestDb::new().await;
    let s = &db.store;
    let (ws, east) = (WorkspaceId(100), WorkspaceId(200));
    pg2_common::workspace(&db, ws).await;
    pg2_common::workspace(&db, east).await;
    pg2_common::user(&db, UserId(7)).await;
    let team = Access {
        level: AccessLevel::ManagersTeam,
        team_leads: vec![UserId(7), UserId(3)],
    };
    let p = profile(ws, "Leads", team);
    s.create_profile(&p, t0()).await.unwrap();
    assert_eq!(s.profile(p.id).await.unwrap().as_ref(), Some(&p));
    assert_eq!(s.profile(ProfileId(1)).await.unwrap(), None);

    let clash = profile(ws, "Leads", Access::at(AccessLevel::All));
    assert!(matches!(
        s.create_profile(&clash, t0()).await,
        Err(StoreError::Conflict(_))
    ));
    // Nothing of the refused profile was kept.
    assert_eq!(s.profile(clash.id).await.unwrap(), None);
    // Names differ by case (SQLite compares them byte for byte) and per workspace.
    s.create_profile(&profile(ws, "leads", Access::NONE), t0())
        .await
        .unwrap();
    s.create_profile(&profile(east, "Leads", Access::NONE), t0())
        .await
        .unwrap();
    let lost = profile(WorkspaceId(1), "Leads", Access::at(AccessLevel::All));
    assert!(matches!(
        s.create_profile(&lost, t0()).await,
        Err(StoreError::NotFound(_))
    ));

    let mut changed = p.clone();
    changed.apply(ProfilePatch {
        name: Some("All leads".into()),
        access: BTreeMap::from([(AccessArea::Coaching, Access::NONE)]),
        capabilities: BTreeMap::from([(Capability::ScoreCalls, false)]),
        library: Some(LibraryAccess::default()),
        ..ProfilePatch::default()
    });
    s.update_profile(&changed, t0()).await.unwrap();
    let back = s.profile(p.id).await.unwrap().unwrap();
    assert_eq!(back, changed);
    assert_eq!(back.access(AccessArea::Coaching), &Access::NONE);
    assert_eq!(back.capabilities, [Capability::AiBuilder].into());

    // Renaming onto another profile's name is a conflict, and changes nothing.
    let mut onto = changed.clone();
    onto.name = "leads".into();
    onto.capabilities.clear();
    assert!(matches!(
        s.update_profile(&onto, t0()).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.profile(p.id).await.unwrap().unwrap(), changed);

    let other = profile(ws, "Admins", Access::at(AccessLevel::All));
    s.create_profile(&other, t0()).await.unwrap();
    let names: Vec<String> = s
        .profiles_in(ws, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    // Byte order: upper case before lower case.
    assert_eq!(names, ["Admins", "All leads", "leads"]);
    let listed = s.profiles_in(ws, 10).await.unwrap();
    assert_eq!(listed[1], changed);
    assert_eq!(s.count_profiles(ws).await.unwrap(), 3);
    assert_eq!(s.count_profiles(WorkspaceId(1)).await.unwrap(), 0);
    assert_eq!(s.profiles_in(ws, 1).await.unwrap().len(), 1);

    // A profile moved to another workspace, or a missing one, is not found.
    let ghost = profile(ws, "Ghost", Access::at(AccessLevel::All));
    assert!(matches!(
        s.update_profile(&ghost, t0()).await,
        Err(StoreError::NotFound(_))
    ));
    let mut moved = changed.clone();
    moved.workspace_id = east;
    assert!(matches!(
        s.update_profile(&moved, t0()).await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn assignments_give_call_access_and_capabilities_per_workspace() {
    let db = TestDb::new().await;
    let s = &db.store;
    let (ws, east) = (WorkspaceId(100), WorkspaceId(200));
    pg2_common::workspace(&db, ws).await;
    pg2_common::workspace(&db, east).await;
    let me = UserId(7);
    pg2_common::user(&db, me).await;
    pg2_common::user(&db, UserId(8)).await;
    sqlx::query("UPDATE users SET manager_id = 7 WHERE id = 8")
        .execute(&db.raw)
        .await
        .unwrap();

    let all = profile(ws, "All", Access::at(AccessLevel::All));
    s.create_profile(&all, t0()).await.unwrap();
    let mut none = profile(east, "None", Access::at(AccessLevel::None));
    none.capabilities = [Capability::AiBuilder].into();
    s.create_profile(&none, t0()).await.unwrap();

    // A profile of one workspace cannot be given for another; nor to a missing user.
    assert!(matches!(
        s.set_user_profile(me, east, Some(all.id), t0()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.set_user_profile(me, ws, Some(ProfileId(1)), t0()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.set_user_profile(UserId(99), ws, Some(all.id), t0()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(s.user_call_access(me).await.unwrap().is_empty());

    s.set_user_profile(me, ws, Some(all.id), t0())
        .await
        .unwrap();
    s.set_user_profile(me, east, Some(none.id), t0())
        .await
        .unwrap();
    s.set_user_profile(UserId(8), ws, Some(all.id), t0())
        .await
        .unwrap();
    assert_eq!(
        s.user_call_access(me).await.unwrap(),
        vec![(ws, Access::at(AccessLevel::All)), (east, Access::NONE)]
    );
    assert_eq!(
        s.capability_workspaces(me, Capability::ScoreCalls)
            .await
            .unwrap(),
        vec![ws]
    );
    assert_eq!(
        s.capability_workspaces(me, Capability::AiBuilder)
            .await
            .unwrap(),
        vec![ws, east]
    );
    assert_eq!(
        s.profile_users(all.id, None, 10).await.unwrap(),
        vec![me, UserId(8)]
    );
    assert_eq!(s.profile_users(all.id, None, 1).await.unwrap(), vec![me]);
    assert_eq!(
        s.profile_users(all.id, Some(me), 10).await.unwrap(),
        vec![UserId(8)]
    );
    let mut edges = s.manager_edges().await.unwrap();
    edges.sort();
    assert_eq!(edges, vec![(me, None), (UserId(8), Some(me))]);

    // Replacing the profile in a workspace, then taking it away.
    let own = profile(
        ws,
        "Own",
        Access {
            level: AccessLevel::ManagersTeam,
            team_leads: vec![UserId(8)],
        },
    );
    s.create_profile(&own, t0()).await.unwrap();
    s.set_user_profile(me, ws, Some(own.id), t0())
        .await
        .unwrap();
    assert_eq!(
        s.user_call_access(me).await.unwrap()[0],
        (
            ws,
            Access {
                level: AccessLevel::ManagersTeam,
                team_leads: vec![UserId(8)],
            }
        )
    );
    assert_eq!(
        s.profile_users(all.id, None, 10).await.unwrap(),
        vec![UserId(8)]
    );
    s.set_user_profile(me, east, None, t0()).await.unwrap();
    s.set_user_profile(me, east, None, t0()).await.unwrap();
    assert_eq!(s.user_call_access(me).await.unwrap().len(), 1);
    assert!(s
        .capability_workspaces(me, Capability::AiBuilder)
        .await
        .unwrap()
        .contains(&ws));
}

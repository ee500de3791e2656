//! The library (folders, calls and snippets in them), meetings and engagement events.

use chrono::Duration;
use parley_domain::engagement::{CrmRef, EngagementEvent, EngagementFilter, EngagementKind};
use parley_domain::library::{Folder, FolderItem, Snippet};
use parley_domain::meeting::{Invitee, Meeting};
use parley_domain::*;

use super::{a_call, bare_call, t0, Harness};
use crate::{EngagementKey, FolderDeletion, MeetingFilter, MeetingKey, MeetingViewer, StoreError};

fn folder(ws: WorkspaceId, parent: Option<FolderId>, name: &str, by: Option<UserId>) -> Folder {
    Folder {
        id: FolderId::generate(),
        workspace_id: ws,
        parent_id: parent,
        name: name.into(),
        public: by.is_none(),
        created_by: by,
        created: t0(),
        updated: t0(),
    }
}

fn item(folder: FolderId, call: CallId, at: Timestamp, snippet: Option<Snippet>) -> FolderItem {
    FolderItem {
        id: FolderItemId::generate(),
        folder_id: folder,
        call_id: call,
        note: snippet.map(|_| "the pricing part".to_owned()),
        snippet,
        added_by: None,
        added: at,
    }
}

pub async fn folders_nest_change_and_go_with_what_they_hold(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let ws = call.workspace_id;
    let top = folder(ws, None, "Win/Loss", None);
    s.create_folder(&top).await.unwrap();
    let mine = folder(ws, Some(top.id), "Mine", Some(call.primary_user_id));
    s.create_folder(&mine).await.unwrap();
    assert_eq!(s.get_folder(mine.id).await.unwrap().as_ref(), Some(&mine));
    let names: Vec<_> = s
        .folders_in(ws)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, ["Mine", "Win/Loss"], "folders are listed by name");
    assert!(s.folders_in(WorkspaceId(1)).await.unwrap().is_empty());

    // A parent of another workspace, an unknown workspace or creator: not found.
    let other = Workspace {
        id: WorkspaceId::generate(),
        name: "other".into(),
        description: None,
        created: t0(),
    };
    s.create_workspace(&other, false).await.unwrap();
    for bad in [
        folder(other.id, Some(top.id), "x", None),
        folder(WorkspaceId(1), None, "x", None),
        folder(ws, None, "x", Some(UserId(1))),
    ] {
        assert!(
            matches!(s.create_folder(&bad).await, Err(StoreError::NotFound(_))),
            "{bad:?}"
        );
    }

    // Items: whole calls and snippets, in the order added; the folder is marked updated.
    let later = t0() + Duration::hours(1);
    let whole = item(mine.id, call.id, later, None);
    let clip = item(
        mine.id,
        call.id,
        later + Duration::seconds(1),
        Some(Snippet::new(30, 90).unwrap()),
    );
    s.add_folder_item(&clip).await.unwrap();
    s.add_folder_item(&whole).await.unwrap();
    assert_eq!(
        s.folder_items(mine.id).await.unwrap(),
        vec![whole.clone(), clip.clone()]
    );
    let updated = s.get_folder(mine.id).await.unwrap().unwrap().updated;
    assert_eq!(updated, clip.added, "adding marks the folder updated");
    assert!(matches!(
        s.add_folder_item(&item(FolderId(1), call.id, later, None))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.add_folder_item(&item(mine.id, CallId(1), later, None))
            .await,
        Err(StoreError::NotFound(_))
    ));

    // Removing: only from its own folder.
    assert!(!s.remove_folder_item(top.id, whole.id, later).await.unwrap());
    assert!(s
        .remove_folder_item(mine.id, whole.id, later)
        .await
        .unwrap());
    assert_eq!(s.folder_items(mine.id).await.unwrap(), vec![clip.clone()]);

    // Renaming and publishing.
    assert!(s
        .update_folder(mine.id, "Ours", true, later + Duration::hours(1))
        .await
        .unwrap());
    let changed = s.get_folder(mine.id).await.unwrap().unwrap();
    assert_eq!((changed.name.as_str(), changed.public), ("Ours", true));
    assert_eq!(changed.updated, later + Duration::hours(1));
    assert!(!s
        .update_folder(FolderId(1), "x", true, later)
        .await
        .unwrap());

    // Deleting a folder deletes the folders inside it and what they hold.
    let anything = |_: &Folder| true;
    assert_eq!(
        s.delete_folder(top.id, &anything).await.unwrap(),
        FolderDeletion::Deleted
    );
    assert!(s.get_folder(mine.id).await.unwrap().is_none());
    assert!(s.folder_items(mine.id).await.unwrap().is_empty());
    assert_eq!(
        s.delete_folder(top.id, &anything).await.unwrap(),
        FolderDeletion::NotFound
    );
}

/// The delete asks `may_delete` of the folder and of every folder inside it, however
/// deep, as they are in its own transaction; one refusal deletes nothing.
pub async fn a_folder_is_deleted_only_when_every_folder_inside_may_be(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let ws = call.workspace_id;
    let me = call.primary_user_id;
    let top = folder(ws, None, "Team", None);
    let middle = folder(ws, Some(top.id), "Deals", None);
    let mine = folder(ws, Some(middle.id), "Mine", Some(me));
    for x in [&top, &middle, &mine] {
        s.create_folder(x).await.unwrap();
    }
    let sibling = folder(ws, None, "Elsewhere", None);
    s.create_folder(&sibling).await.unwrap();

    // Only public folders: the private one two levels down is refused, and so nothing
    // goes.
    let public_only = |x: &Folder| x.public;
    assert_eq!(
        s.delete_folder(top.id, &public_only).await.unwrap(),
        FolderDeletion::Refused(mine.clone())
    );
    for x in [&top, &middle, &mine, &sibling] {
        assert!(s.get_folder(x.id).await.unwrap().is_some(), "{x:?} kept");
    }
    // The folder named is asked too.
    let not_top = |x: &Folder| x.id != top.id;
    assert_eq!(
        s.delete_folder(top.id, &not_top).await.unwrap(),
        FolderDeletion::Refused(top.clone())
    );
    // What the predicate sees is the stored folder as it is now.
    assert!(s
        .update_folder(mine.id, "Mine", true, t0() + Duration::hours(1))
        .await
        .unwrap());
    assert_eq!(
        s.delete_folder(top.id, &public_only).await.unwrap(),
        FolderDeletion::Deleted
    );
    for x in [&top, &middle, &mine] {
        assert!(s.get_folder(x.id).await.unwrap().is_none(), "{x:?} deleted");
    }
    assert!(s.get_folder(sibling.id).await.unwrap().is_some());
}

/// A private folder created under a folder while it is being deleted, by a caller allowed
/// only public ones, is never deleted unseen: either the delete saw it (refused) or the
/// create came second (and found no parent). Raced on two handles.
pub async fn a_folder_added_during_a_delete_is_not_deleted_unseen(h: &dyn Harness) {
    let f = h.fresh().await;
    let call = a_call(&*f.store).await;
    let ws = call.workspace_id;
    let me = call.primary_user_id;
    let other = f.reopen().await;
    for round in 0..8 {
        let s = f.store.clone();
        let top = folder(ws, None, &format!("Team {round}"), None);
        let middle = folder(ws, Some(top.id), "Deals", None);
        s.create_folder(&top).await.unwrap();
        s.create_folder(&middle).await.unwrap();
        let private = folder(ws, Some(middle.id), "Mine", Some(me));
        let (deleting, creating) = {
            let (s, other, private) = (s.clone(), other.clone(), private.clone());
            let public_only = |x: &Folder| x.public;
            let del = tokio::spawn(async move { s.delete_folder(top.id, &public_only).await });
            let add = tokio::spawn(async move { other.create_folder(&private).await });
            (del.await.unwrap().unwrap(), add.await.unwrap())
        };
        match (&deleting, &creating) {
            (FolderDeletion::Refused(x), Ok(())) => assert_eq!(x.id, private.id),
            (FolderDeletion::Deleted, Err(StoreError::NotFound(_))) => {}
            _ => panic!("round {round}: delete {deleting:?} and create {creating:?} both won"),
        }
        let kept = s.get_folder(private.id).await.unwrap();
        assert_eq!(
            kept.is_some(),
            creating.is_ok(),
            "round {round}: a created folder is kept"
        );
    }
}

fn meeting(ws: WorkspaceId, organizer: UserId, url: &str, start: Timestamp) -> Meeting {
    Meeting {
        id: MeetingId::generate(),
        workspace_id: ws,
        organizer,
        title: Some("Discovery".into()),
        start,
        end: start + Duration::minutes(30),
        invitees: vec![
            Invitee {
                email: "b@customer.example.com".into(),
                display_name: Some("B".into()),
                first_name: None,
                last_name: Some("Bee".into()),
            },
            Invitee {
                email: "a@customer.example.com".into(),
                ..Invitee::default()
            },
        ],
        external_id: Some("cal-1".into()),
        url: url.into(),
        call_id: None,
        created: t0(),
        updated: t0(),
    }
}

pub async fn meetings_round_trip_change_and_are_linked_once(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let (ws, user) = (call.workspace_id, call.primary_user_id);
    let m = meeting(ws, user, "https://meet.example.com/Abc", t0());
    s.create_meeting(&m).await.unwrap();
    assert_eq!(s.get_meeting(m.id).await.unwrap().as_ref(), Some(&m));
    assert!(matches!(
        s.create_meeting(&meeting(ws, UserId(1), "u", t0())).await,
        Err(StoreError::NotFound(_))
    ));

    // Updates replace times, title, external id and invitees.
    let mut changed = m.clone();
    changed.start = t0() + Duration::hours(2);
    changed.end = changed.start + Duration::hours(1);
    changed.title = None;
    changed.invitees.truncate(1);
    changed.updated = t0() + Duration::minutes(5);
    assert!(s.update_meeting(&changed).await.unwrap());
    assert_eq!(s.get_meeting(m.id).await.unwrap().as_ref(), Some(&changed));
    let mut unknown = changed.clone();
    unknown.id = MeetingId(1);
    assert!(!s.update_meeting(&unknown).await.unwrap());

    // Listings by start.
    let second = meeting(ws, user, "https://meet.example.com/x", t0());
    s.create_meeting(&second).await.unwrap();
    let all = MeetingFilter::all(ws);
    let ids = |f: MeetingFilter, after: Option<MeetingKey>, limit: u32| async move {
        let ids: Vec<_> = s
            .meetings_in(&f, after, limit)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        if after.is_none() && limit > 2 {
            assert_eq!(s.count_meetings(&f).await.unwrap(), ids.len() as i64);
        }
        ids
    };
    assert_eq!(ids(all.clone(), None, 10).await, [second.id, m.id]);
    let later = MeetingFilter {
        from: Some(t0() + Duration::hours(1)),
        ..all.clone()
    };
    assert_eq!(ids(later, None, 10).await.len(), 1);
    assert_eq!(ids(all.clone(), None, 1).await, [second.id]);
    assert_eq!(
        ids(all.clone(), Some(MeetingKey::of(&second)), 10).await,
        [m.id],
        "pages continue after the last (start, id)"
    );
    // A viewer: meetings their organisers organise, or that invite them (without case).
    let viewer = |organizers: Vec<UserId>, email: &str| MeetingFilter {
        seen_by: Some(MeetingViewer {
            organizers,
            email: email.into(),
        }),
        ..all.clone()
    };
    assert_eq!(
        ids(viewer(vec![user], "nobody@example.com"), None, 10).await,
        [second.id, m.id]
    );
    assert!(
        ids(viewer(vec![UserId(1)], "B@Customer.example.com"), None, 10)
            .await
            .contains(&second.id)
    );
    assert!(ids(viewer(vec![], "nobody@example.com"), None, 10)
        .await
        .is_empty());
    assert!(ids(MeetingFilter::all(WorkspaceId(1)), None, 10)
        .await
        .is_empty());

    // Candidates: by normalised URL, or by organiser and start; unlinked only.
    let by_url = s
        .meeting_candidates(ws, Some("https://meet.example.com/Abc"), UserId(1), None)
        .await
        .unwrap();
    assert_eq!(by_url.iter().map(|m| m.id).collect::<Vec<_>>(), [m.id]);
    assert_eq!(by_url[0].invitees.len(), 1);
    let by_time = s
        .meeting_candidates(ws, None, user, Some(t0()))
        .await
        .unwrap();
    assert_eq!(
        by_time.iter().map(|m| m.id).collect::<Vec<_>>(),
        [second.id]
    );
    assert!(s
        .meeting_candidates(
            WorkspaceId(1),
            Some("https://meet.example.com/Abc"),
            user,
            None
        )
        .await
        .unwrap()
        .is_empty());

    // A meeting is linked to one call, once.
    assert!(s.link_meeting(m.id, call.id).await.unwrap());
    let other = bare_call(CallId::generate(), ws, user, t0());
    s.insert_call(&other, &[], &[], &[]).await.unwrap();
    assert!(!s.link_meeting(m.id, other.id).await.unwrap());
    assert_eq!(
        s.get_meeting(m.id).await.unwrap().unwrap().call_id,
        Some(call.id)
    );
    assert!(s
        .meeting_candidates(ws, Some("https://meet.example.com/Abc"), UserId(1), None)
        .await
        .unwrap()
        .is_empty());

    assert!(s.delete_meeting(m.id).await.unwrap());
    assert!(s.get_meeting(m.id).await.unwrap().is_none());
    assert!(!s.delete_meeting(m.id).await.unwrap());
}

fn event(
    ws: WorkspaceId,
    kind: EngagementKind,
    event_id: Option<&str>,
    at: Timestamp,
    objects: &[(&str, &str)],
) -> EngagementEvent {
    EngagementEvent {
        id: EngagementId::generate(),
        kind,
        workspace_id: ws,
        source: "docsend".into(),
        event_id: event_id.map(Into::into),
        at,
        title: Some("Proposal".into()),
        url: Some("https://docs.example.com/p".into()),
        action: None,
        person_email: Some("buyer@customer.example.com".into()),
        objects: objects
            .iter()
            .map(|(ty, id)| CrmRef {
                system: Some("Salesforce".into()),
                object_type: (*ty).into(),
                object_id: (*id).into(),
            })
            .collect(),
        detail: serde_json::json!({"contentId": "p-1", "n": 1.5}),
        recorded: t0(),
    }
}

pub async fn engagement_events_are_reported_once_and_listed_per_object(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let ws = call.workspace_id;
    let viewed = event(
        ws,
        EngagementKind::ContentViewed,
        Some("e1"),
        t0(),
        &[("Account", "001A"), ("Opportunity", "006B")],
    );
    s.record_engagement(&viewed).await.unwrap();
    assert_eq!(
        s.get_engagement(viewed.id).await.unwrap().as_ref(),
        Some(&viewed)
    );
    // The same (kind, source, event id) again is a conflict; another kind is not.
    let again = event(ws, EngagementKind::ContentViewed, Some("e1"), t0(), &[]);
    assert!(matches!(
        s.record_engagement(&again).await,
        Err(StoreError::Conflict(_))
    ));
    let shared = event(
        ws,
        EngagementKind::ContentShared,
        Some("e1"),
        t0() + Duration::hours(1),
        &[("account", "001A")],
    );
    s.record_engagement(&shared).await.unwrap();
    // Events without an id are never duplicates.
    for i in 0..2 {
        let e = event(
            ws,
            EngagementKind::Action,
            None,
            t0() + Duration::hours(2 + i),
            &[],
        );
        s.record_engagement(&e).await.unwrap();
    }
    assert!(matches!(
        s.record_engagement(&event(
            WorkspaceId(1),
            EngagementKind::Action,
            None,
            t0(),
            &[]
        ))
        .await,
        Err(StoreError::NotFound(_))
    ));

    // A timeline per object, newest first, the type compared without case.
    let account = EngagementFilter {
        workspace_id: Some(ws),
        object: Some(("ACCOUNT".into(), "001A".into())),
        ..Default::default()
    };
    let ids: Vec<_> = s
        .engagement_events(&account, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [shared.id, viewed.id]);
    assert_eq!(s.count_engagement(&account).await.unwrap(), 2);
    let page = s.engagement_events(&account, None, 1).await.unwrap();
    let rest = s
        .engagement_events(&account, Some(EngagementKey::of(&page[0])), 10)
        .await
        .unwrap();
    assert_eq!(rest.iter().map(|e| e.id).collect::<Vec<_>>(), [viewed.id]);

    // By person (without case), by time, by workspace.
    let person = EngagementFilter {
        person_email: Some("Buyer@Customer.example.com".into()),
        from: Some(t0() + Duration::minutes(30)),
        to: Some(t0() + Duration::hours(3)),
        ..Default::default()
    };
    assert_eq!(s.count_engagement(&person).await.unwrap(), 2);
    let all = EngagementFilter {
        workspace_id: Some(ws),
        ..Default::default()
    };
    assert_eq!(s.count_engagement(&all).await.unwrap(), 4);
    let elsewhere = EngagementFilter {
        workspace_id: Some(WorkspaceId(1)),
        ..Default::default()
    };
    assert_eq!(s.count_engagement(&elsewhere).await.unwrap(), 0);
}

/// An event id is unique within a workspace only: another workspace reporting the same
/// (kind, source, event id) is stored too, not a conflict (that would drop its event and tell
/// it what the first workspace had reported).
pub async fn the_same_engagement_event_in_two_workspaces_is_stored_twice(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let a = call.workspace_id;
    let b = Workspace {
        id: WorkspaceId::generate(),
        name: "other".into(),
        description: None,
        created: t0(),
    };
    s.create_workspace(&b, false).await.unwrap();
    let in_a = event(a, EngagementKind::ContentViewed, Some("42"), t0(), &[]);
    let in_b = event(b.id, EngagementKind::ContentViewed, Some("42"), t0(), &[]);
    s.record_engagement(&in_a).await.unwrap();
    s.record_engagement(&in_b).await.unwrap();
    assert_eq!(
        s.get_engagement(in_b.id).await.unwrap().as_ref(),
        Some(&in_b)
    );
    // Still once per workspace.
    let again = event(b.id, EngagementKind::ContentViewed, Some("42"), t0(), &[]);
    assert!(matches!(
        s.record_engagement(&again).await,
        Err(StoreError::Conflict(_))
    ));
    for ws in [a, b.id] {
        let only = EngagementFilter {
            workspace_id: Some(ws),
            ..Default::default()
        };
        assert_eq!(s.count_engagement(&only).await.unwrap(), 1);
    }
}

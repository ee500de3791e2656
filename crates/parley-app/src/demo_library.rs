//! Seeds the demo's library, meetings and engagement events (`parley_demo::library`)
//! through the use cases the API calls. Meetings are made before the calls, so the call
//! that recorded one is linked to it as any recorded call is; folders and events after.
//! Safe to repeat: meetings are found by external id, folders by name and parent (a
//! folder found keeps what it holds), and an event reported again is refused as a
//! duplicate.

use chrono::Utc;

use parley_demo::library::LibraryPlan;
use parley_domain::engagement::EngagementEvent;
use parley_domain::library::Folder;
use parley_domain::meeting::{Invitee, MeetingInput};
use parley_domain::{
    CallId, EngagementId, FolderId, MeetingId, Principal, Role, ScopeSet, User, WorkspaceId,
};
use parley_store::Store;

use crate::error::{AppError, AppResult};

/// What the demo seeds acts as: `user` with an admin's reach (or the company).
pub(crate) fn acting(user: Option<&User>) -> Principal {
    Principal {
        key: "demo".into(),
        user: user.map(|u| u.id),
        role: Role::Admin,
        scopes: ScopeSet::full(),
        workspace: None,
        profile_reach: None,
    }
}

/// Meetings, before the calls that record them.
pub async fn seed_meetings(
    store: &dyn Store,
    plan: &LibraryPlan,
    workspaces: &[WorkspaceId],
    users: &[User],
) -> AppResult<usize> {
    let mut made = 0;
    for m in &plan.meetings {
        let ws = workspaces[m.workspace];
        let existing = store
            .meetings_in(&parley_store::MeetingFilter::all(ws), None, 1000)
            .await?;
        if existing
            .iter()
            .any(|e| e.external_id.as_deref() == Some(&m.external_id))
        {
            continue;
        }
        let organizer = &users[m.organizer];
        let input = MeetingInput {
            start: m.start,
            end: m.end,
            invitees: m
                .invitees
                .iter()
                .map(|e| Invitee {
                    email: e.clone(),
                    ..Invitee::default()
                })
                .collect(),
            organizer_email: organizer.email.clone(),
            title: Some(m.title.clone()),
            external_id: Some(m.external_id.clone()),
        };
        let id = MeetingId::generate();
        // The demo's meetings are held where its calls are (the plan gives every meeting
        // a URL); Parley's own URL for a meeting needs the server's public URL.
        let url = m
            .url
            .clone()
            .unwrap_or_else(|| crate::meetings::meeting_url("https://parley.invalid", id));
        crate::meetings::create_meeting_at(store, &acting(None), ws, input, id, url).await?;
        made += 1;
    }
    Ok(made)
}

/// Folders with their calls, and engagement events, once the calls exist (`calls` in
/// the order of the plan's calls).
pub async fn seed_library(
    store: &dyn Store,
    plan: &LibraryPlan,
    workspaces: &[WorkspaceId],
    users: &[User],
    calls: &[CallId],
) -> AppResult<()> {
    let mut folders: Vec<FolderId> = Vec::with_capacity(plan.folders.len());
    for f in &plan.folders {
        let ws = workspaces[f.workspace];
        let parent = f.parent.map(|i| folders[i]);
        let creator = &users[f.creator];
        let p = acting(Some(creator));
        let existing: Option<Folder> = store
            .folders_in(ws)
            .await?
            .into_iter()
            .find(|e| e.name == f.name && e.parent_id == parent);
        // A folder seeded before keeps what it holds: a later plan (another `now`) may
        // place its calls differently.
        let folder = match existing {
            Some(e) => {
                folders.push(e.id);
                continue;
            }
            None => {
                crate::library::create_folder(
                    store,
                    &p,
                    crate::library::NewFolder {
                        workspace_id: ws,
                        parent_id: parent,
                        name: f.name.clone(),
                        public: f.public,
                    },
                )
                .await?
            }
        };
        for c in &f.calls {
            crate::library::add_item(
                store,
                &p,
                &folder.id.to_string(),
                crate::library::NewItem {
                    call_id: calls[c.call],
                    note: c.note.clone(),
                    snippet: c.snippet,
                },
            )
            .await?;
        }
        folders.push(folder.id);
    }

    for e in &plan.engagement {
        let event = EngagementEvent {
            id: EngagementId::generate(),
            kind: e.kind,
            workspace_id: workspaces[e.workspace],
            source: e.source.clone(),
            event_id: Some(e.event_id.clone()),
            at: e.at.min(Utc::now()),
            title: Some(e.title.clone()),
            url: Some(e.url.clone()),
            action: e.action.clone(),
            person_email: e.person_email.clone(),
            objects: e.objects.clone(),
            detail: e.detail.clone(),
            recorded: Utc::now(),
        };
        match crate::engagement::record(store, &acting(None), &event).await {
            Ok(()) | Err(AppError::Conflict(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

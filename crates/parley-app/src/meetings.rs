//! Meetings: scheduled by a calendar integration, tied to the call that records them
//! (`parley_domain::meeting` has the rule).
//!
//! A meeting is identified by its id and its organiser: updating or deleting one names
//! the organiser's email, and a meeting of another organiser is "not found" (Gong's
//! message). A member schedules only meetings they organise; managers, admins and
//! company keys schedule anyone's.

use chrono::Utc;

use parley_domain::meeting::{self, Meeting, MeetingInput, OrganizerStatus};
use parley_domain::{
    Audience, Call, CallId, MeetingId, Principal, Role, Timestamp, User, WorkspaceId,
};
use parley_store::{CallFilter, MeetingFilter, MeetingKey, MeetingViewer, Store};

use crate::error::{AppError, AppResult};

/// Gong's message for an unknown meeting.
pub const MEETING_NOT_FOUND: &str = "The given meeting ID was not found.";

/// Where participants join meeting `id`: `{base}/meetings/{id}` on Parley's public URL.
pub fn meeting_url(base: &str, id: MeetingId) -> String {
    format!("{}/meetings/{id}", base.trim_end_matches('/'))
}

/// The organiser an input names: a user of the company, whom the principal may
/// schedule for.
async fn organizer(store: &dyn Store, p: &Principal, email: &str) -> AppResult<User> {
    let user = store
        .find_user_by_email(email)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| {
            AppError::NotFound(format!("organizerEmail {email} is not an active user"))
        })?;
    if let Some(me) = p.user {
        if p.role < Role::Manager && me != user.id {
            return Err(AppError::Forbidden(
                "members schedule only meetings they organise".into(),
            ));
        }
    }
    Ok(user)
}

fn validate(input: &MeetingInput) -> AppResult<()> {
    let problems = input.validate();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(problems))
    }
}

pub async fn create_meeting(
    store: &dyn Store,
    p: &Principal,
    workspace: WorkspaceId,
    input: MeetingInput,
    base_url: &str,
) -> AppResult<Meeting> {
    let id = MeetingId::generate();
    create_meeting_at(store, p, workspace, input, id, meeting_url(base_url, id)).await
}

/// [`create_meeting`] with the meeting's id and URL given (the demo's meetings are held
/// on the conferencing tools its calls were recorded from).
pub async fn create_meeting_at(
    store: &dyn Store,
    p: &Principal,
    workspace: WorkspaceId,
    input: MeetingInput,
    id: MeetingId,
    url: String,
) -> AppResult<Meeting> {
    validate(&input)?;
    crate::access::confine(p, Some(workspace))?;
    let organizer = organizer(store, p, &input.organizer_email).await?;
    let now = Utc::now();
    let m = Meeting {
        id,
        workspace_id: workspace,
        organizer: organizer.id,
        title: input.title,
        start: input.start,
        end: input.end,
        invitees: input.invitees,
        external_id: input.external_id,
        url,
        call_id: None,
        created: now,
        updated: now,
    };
    store.create_meeting(&m).await?;
    tracing::info!(meeting_id = %m.id, workspace_id = %workspace, "meeting created");
    Ok(m)
}

/// The meeting `id` names, organised by `organizer_email`, in a workspace `p` reaches.
async fn existing(
    store: &dyn Store,
    p: &Principal,
    id: &str,
    organizer_email: &str,
) -> AppResult<(Meeting, User)> {
    let not_found = || AppError::NotFound(MEETING_NOT_FOUND.into());
    let id = parley_domain::parse_id(id).map_err(|_| not_found())?;
    let m = store
        .get_meeting(MeetingId(id))
        .await?
        .filter(|m| p.reaches(m.workspace_id))
        .ok_or_else(not_found)?;
    let user = organizer(store, p, organizer_email).await?;
    if user.id != m.organizer {
        return Err(not_found());
    }
    Ok((m, user))
}

pub async fn update_meeting(
    store: &dyn Store,
    p: &Principal,
    id: &str,
    input: MeetingInput,
) -> AppResult<Meeting> {
    validate(&input)?;
    let (mut m, _) = existing(store, p, id, &input.organizer_email).await?;
    m.title = input.title;
    m.start = input.start;
    m.end = input.end;
    m.invitees = input.invitees;
    m.external_id = input.external_id;
    m.updated = Utc::now();
    if !store.update_meeting(&m).await? {
        return Err(AppError::NotFound(MEETING_NOT_FOUND.into()));
    }
    Ok(m)
}

pub async fn delete_meeting(
    store: &dyn Store,
    p: &Principal,
    id: &str,
    organizer_email: &str,
) -> AppResult<()> {
    let (m, _) = existing(store, p, id, organizer_email).await?;
    if !store.delete_meeting(m.id).await? {
        return Err(AppError::NotFound(MEETING_NOT_FOUND.into()));
    }
    tracing::info!(meeting_id = %m.id, "meeting deleted");
    Ok(())
}

/// Whether meetings can be scheduled for each user (`POST /v2/meetings/integration/status`).
pub async fn integration_status(
    store: &dyn Store,
    emails: &[String],
) -> AppResult<Vec<OrganizerStatus>> {
    if emails.len() > meeting::MAX_STATUS_EMAILS {
        return Err(AppError::Invalid(vec![format!(
            "emails has more than {} entries",
            meeting::MAX_STATUS_EMAILS
        )]));
    }
    let mut out = Vec::with_capacity(emails.len());
    for email in emails {
        let user = if meeting::plausible_email(email) {
            store.find_user_by_email(email).await?
        } else {
            None
        };
        let (exists, valid, problem) = match user {
            Some(u) if u.active => (true, true, None),
            Some(_) => (
                true,
                false,
                Some("This user is not active in Parley. Contact your Parley admin.".into()),
            ),
            None => (
                false,
                false,
                Some("No Parley user has this email address.".into()),
            ),
        };
        out.push(OrganizerStatus {
            email: email.clone(),
            exists,
            valid,
            problem,
        });
    }
    Ok(out)
}

/// Ties a newly created call to the meeting it records, if any (the rule in
/// `parley_domain::meeting`). A failure here never fails the call: it is logged.
pub async fn link_recorded_call(store: &dyn Store, call: &Call) -> Option<MeetingId> {
    let url = call
        .meeting_url
        .as_deref()
        .map(meeting::normalize_url)
        .filter(|u| !u.is_empty());
    let result = async {
        let candidates = store
            .meeting_candidates(
                call.workspace_id,
                url.as_deref(),
                call.primary_user_id,
                call.scheduled,
            )
            .await?;
        let Some(m) = meeting::recorded_by(call, &candidates) else {
            return Ok(None);
        };
        Ok::<_, parley_store::StoreError>(store.link_meeting(m.id, call.id).await?.then_some(m.id))
    }
    .await;
    match result {
        Ok(Some(id)) => {
            tracing::info!(call_id = %call.id, meeting_id = %id, "call linked to its meeting");
            Some(id)
        }
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(call_id = %call.id, error = %e, "could not link the call to a meeting");
            None
        }
    }
}

/// A page of a workspace's meetings starting in `[from, to)` as `p` may see them; with
/// `count`, how many there are in all.
///
/// Admins and company keys, and users whose call access in the workspace is everyone's,
/// see every meeting. Others see the meetings organised by the users whose calls they may
/// see (their own, their team's, ..., per their permission profile or role) and the
/// meetings they are invited to. The recording's call id is left out of a meeting whose
/// call the caller may not see.
pub async fn list(
    store: &dyn Store,
    p: &Principal,
    workspace: WorkspaceId,
    (from, to): (Option<Timestamp>, Option<Timestamp>),
    after: Option<MeetingKey>,
    limit: u32,
    count: bool,
) -> AppResult<(Vec<Meeting>, Option<i64>)> {
    let access = crate::access::call_access(store, p).await?;
    let seen_by = match (&access, p.user) {
        (Some(access), Some(me)) => match access.in_workspace(workspace) {
            Audience::Everyone => None,
            Audience::Users(users) => {
                let email = store
                    .get_user(me)
                    .await?
                    .map(|u| u.email)
                    .unwrap_or_default();
                let mut organizers = users.clone();
                organizers.push(me);
                organizers.sort_unstable();
                organizers.dedup();
                Some(MeetingViewer { organizers, email })
            }
        },
        _ => None,
    };
    let f = MeetingFilter {
        workspace_id: workspace,
        from,
        to,
        seen_by,
    };
    let total = if count {
        Some(store.count_meetings(&f).await?)
    } else {
        None
    };
    let mut list = store.meetings_in(&f, after, limit).await?;
    if let Some(access) = access {
        let calls: Vec<CallId> = list.iter().filter_map(|m| m.call_id).collect();
        let visible: std::collections::HashSet<CallId> = if calls.is_empty() {
            Default::default()
        } else {
            store
                .list_calls(
                    &CallFilter {
                        workspace_id: Some(workspace),
                        call_ids: Some(calls.clone()),
                        visible_to: Some(access),
                        ..CallFilter::default()
                    },
                    None,
                    calls.len() as u32 + 1,
                )
                .await?
                .into_iter()
                .map(|c| c.id)
                .collect()
        };
        for m in &mut list {
            if m.call_id.is_some_and(|c| !visible.contains(&c)) {
                m.call_id = None;
            }
        }
    }
    Ok((list, total))
}

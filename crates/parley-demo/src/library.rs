//! The demo's call library, meetings and engagement events (`data/library.toml`),
//! planned over a [`Plan`]'s workspaces, users and calls.

use chrono::{Duration, DurationRound};
use serde::Deserialize;
use serde_json::json;

use parley_domain::engagement::{CrmRef, EngagementKind};
use parley_domain::Timestamp;

use crate::{DataError, Plan};

const FILE: &str = "library.toml";
const LIBRARY_TOML: &str = include_str!("../data/library.toml");

/// A library folder of the demo.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedFolder {
    /// An index into [`Plan::workspaces`].
    pub workspace: usize,
    /// An index into [`LibraryPlan::folders`], always of an earlier folder.
    pub parent: Option<usize>,
    pub name: String,
    pub public: bool,
    /// An index into [`Plan::users`].
    pub creator: usize,
    pub calls: Vec<PlannedFolderCall>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedFolderCall {
    /// An index into [`Plan::calls`].
    pub call: usize,
    pub note: Option<String>,
    /// `(from, to)` seconds into the call.
    pub snippet: Option<(i64, i64)>,
}

/// A meeting of the demo.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedMeeting {
    /// Unique in the demo: seeding again finds the meeting by it.
    pub external_id: String,
    pub workspace: usize,
    pub organizer: usize,
    pub title: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub invitees: Vec<String>,
    /// The meeting URL (a recorded meeting's is its call's, or Parley's own when the
    /// call has none).
    pub url: Option<String>,
    /// The call that records it: an index into [`Plan::calls`].
    pub recorded_by: Option<usize>,
}

/// An engagement event of the demo.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEngagement {
    pub kind: EngagementKind,
    pub workspace: usize,
    pub source: String,
    /// Unique per source: seeding again reports it again and is refused.
    pub event_id: String,
    pub at: Timestamp,
    pub title: String,
    pub url: String,
    pub action: Option<String>,
    pub person_email: Option<String>,
    pub objects: Vec<CrmRef>,
    /// What the sender would have sent.
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LibraryPlan {
    pub folders: Vec<PlannedFolder>,
    pub meetings: Vec<PlannedMeeting>,
    pub engagement: Vec<PlannedEngagement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LibraryFile {
    #[serde(default)]
    folder: Vec<FolderSpec>,
    #[serde(default)]
    meeting: Vec<MeetingSpec>,
    #[serde(default)]
    engagement: Vec<EngagementSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallRef {
    account: String,
    label: String,
    nth: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FolderSpec {
    name: String,
    workspace: String,
    parent: Option<String>,
    public: bool,
    creator: String,
    #[serde(default)]
    call: Vec<FolderCallSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FolderCallSpec {
    account: String,
    label: String,
    nth: Option<usize>,
    note: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeetingSpec {
    title: String,
    recorded: Option<CallRef>,
    organizer: Option<String>,
    workspace: Option<String>,
    in_days: Option<i64>,
    hour: Option<u32>,
    minutes: Option<i64>,
    url: Option<String>,
    #[serde(default)]
    invitees: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EngagementSpec {
    kind: String,
    account: String,
    source: String,
    title: String,
    url: String,
    action: Option<String>,
    days_ago: i64,
}

fn invalid(message: String) -> DataError {
    DataError::Invalid {
        file: FILE,
        message,
    }
}

fn user(plan: &Plan, key: &str) -> Result<usize, DataError> {
    plan.users
        .iter()
        .position(|u| u.first_name.eq_ignore_ascii_case(key))
        .ok_or_else(|| invalid(format!("unknown user {key:?}")))
}

fn workspace(plan: &Plan, name: &str) -> Result<usize, DataError> {
    plan.workspaces
        .iter()
        .position(|w| w.name == name)
        .ok_or_else(|| invalid(format!("unknown workspace {name:?}")))
}

/// The `nth` (from 1) planned call of an account with a label.
fn call(plan: &Plan, account: &str, label: &str, nth: Option<usize>) -> Result<usize, DataError> {
    call_index(plan, account, label, nth)
        .ok_or_else(|| invalid(format!("no call {label:?} of {account:?} in the plan")))
}

/// The `nth` (from 1) planned call of an account with a label, if there is one (the
/// other data files name calls the same way).
pub(crate) fn call_index(
    plan: &Plan,
    account: &str,
    label: &str,
    nth: Option<usize>,
) -> Option<usize> {
    let prefix = format!("{account} / ");
    let suffix = format!(" – {label}");
    plan.calls
        .iter()
        .enumerate()
        .filter(|(_, c)| c.title.starts_with(&prefix) && c.title.ends_with(&suffix))
        .nth(nth.unwrap_or(1).saturating_sub(1))
        .map(|(i, _)| i)
}

/// An account's CRM object and main contact's email, from its first planned call.
fn account(plan: &Plan, name: &str) -> Result<(usize, CrmRef, Option<String>), DataError> {
    let prefix = format!("{name} / ");
    let c = plan
        .calls
        .iter()
        .find(|c| c.title.starts_with(&prefix))
        .ok_or_else(|| invalid(format!("no call of account {name:?} in the plan")))?;
    let object = c
        .context
        .iter()
        .find(|o| o.object_type == "Account")
        .ok_or_else(|| invalid(format!("the calls of {name:?} name no CRM account")))?;
    let contact = c
        .guests
        .iter()
        .find(|g| !g.context.is_empty())
        .and_then(|g| g.email.clone());
    Ok((
        c.workspace,
        CrmRef {
            system: Some("Salesforce".into()),
            object_type: "Account".into(),
            object_id: object.object_id.clone(),
        },
        contact,
    ))
}

/// The demo's library, meetings and engagement for `plan` (made for `now`).
pub fn library_plan(plan: &Plan, now: Timestamp) -> Result<LibraryPlan, DataError> {
    let file: LibraryFile =
        toml::from_str(LIBRARY_TOML).map_err(|source| DataError::Parse { file: FILE, source })?;
    let mut out = LibraryPlan::default();

    for f in &file.folder {
        let ws = workspace(plan, &f.workspace)?;
        let parent = match &f.parent {
            None => None,
            Some(p) => Some(
                out.folders
                    .iter()
                    .position(|o| &o.name == p && o.workspace == ws)
                    .ok_or_else(|| {
                        invalid(format!("folder {:?}: no earlier folder {p:?}", f.name))
                    })?,
            ),
        };
        let mut calls = Vec::new();
        for c in &f.call {
            let i = call(plan, &c.account, &c.label, c.nth)?;
            if plan.calls[i].workspace != ws {
                return Err(invalid(format!(
                    "folder {:?}: the {:?} call of {:?} is in another workspace",
                    f.name, c.label, c.account
                )));
            }
            let snippet = match (c.from, c.to) {
                (None, None) => None,
                (Some(from), Some(to)) if from < to && to <= plan.calls[i].duration_s => {
                    Some((from, to))
                }
                _ => {
                    return Err(invalid(format!(
                        "folder {:?}: a snippet needs from < to within the call",
                        f.name
                    )))
                }
            };
            calls.push(PlannedFolderCall {
                call: i,
                note: c.note.clone(),
                snippet,
            });
        }
        out.folders.push(PlannedFolder {
            workspace: ws,
            parent,
            name: f.name.clone(),
            public: f.public,
            creator: user(plan, &f.creator)?,
            calls,
        });
    }

    let today = now.duration_trunc(Duration::days(1)).unwrap_or(now);
    for (n, m) in file.meeting.iter().enumerate() {
        let external_id = format!("demo-meeting-{}", n + 1);
        let planned = match &m.recorded {
            Some(r) => {
                let i = call(plan, &r.account, &r.label, r.nth)?;
                let c = &plan.calls[i];
                let (start, end) = c
                    .scheduled
                    .unwrap_or((c.start, c.start + Duration::seconds(c.duration_s)));
                if c.meeting_url.is_none() && c.scheduled.is_none() {
                    return Err(invalid(format!(
                        "meeting {:?}: its call has neither a meeting URL nor a schedule",
                        m.title
                    )));
                }
                PlannedMeeting {
                    external_id,
                    workspace: c.workspace,
                    organizer: c.primary,
                    title: m.title.clone(),
                    start,
                    end,
                    invitees: m.invitees.clone(),
                    url: c.meeting_url.clone(),
                    recorded_by: Some(i),
                }
            }
            None => {
                let (Some(organizer), Some(ws), Some(days), Some(hour), Some(minutes), Some(url)) = (
                    &m.organizer,
                    &m.workspace,
                    m.in_days,
                    m.hour,
                    m.minutes,
                    &m.url,
                ) else {
                    return Err(invalid(format!(
                        "meeting {:?}: an upcoming meeting needs organizer, workspace, \
                         in_days, hour, minutes and url",
                        m.title
                    )));
                };
                let start = today + Duration::days(days) + Duration::hours(i64::from(hour));
                PlannedMeeting {
                    external_id,
                    workspace: workspace(plan, ws)?,
                    organizer: user(plan, organizer)?,
                    title: m.title.clone(),
                    start,
                    end: start + Duration::minutes(minutes),
                    invitees: m.invitees.clone(),
                    url: Some(url.clone()),
                    recorded_by: None,
                }
            }
        };
        out.meetings.push(planned);
    }

    for (n, e) in file.engagement.iter().enumerate() {
        let kind = EngagementKind::from_key(&e.kind)
            .ok_or_else(|| invalid(format!("unknown engagement kind {:?}", e.kind)))?;
        let (ws, object, contact) = account(plan, &e.account)?;
        let at = today - Duration::days(e.days_ago) + Duration::hours(15);
        let event_id = format!("demo-{}", n + 1);
        let detail = json!({
            "reportingSystem": e.source,
            "eventId": event_id,
            "contentTitle": e.title,
            "contentUrl": e.url,
            "actionName": e.action,
            "crmContext": [{"system": "Salesforce", "objects": [
                {"objectType": "Account", "objectId": object.object_id}
            ]}],
            "person": {"email": contact},
        });
        out.engagement.push(PlannedEngagement {
            kind,
            workspace: ws,
            source: e.source.clone(),
            event_id,
            at,
            title: e.title.clone(),
            url: e.url.clone(),
            action: e.action.clone(),
            person_email: contact,
            objects: vec![object],
            detail,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn the_library_file_resolves_against_the_plan() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        let plan = crate::plan(now).unwrap();
        let lib = library_plan(&plan, now).unwrap();
        assert!(lib.folders.len() >= 4);
        assert!(lib.folders.iter().any(|f| !f.public));
        assert!(lib.folders.iter().any(|f| f.parent.is_some()));
        assert!(lib
            .folders
            .iter()
            .flat_map(|f| &f.calls)
            .any(|c| c.snippet.is_some()));
        let recorded: Vec<_> = lib
            .meetings
            .iter()
            .filter(|m| m.recorded_by.is_some())
            .collect();
        assert_eq!(recorded.len(), 1);
        assert!(
            lib.meetings.iter().any(|m| m.start > now),
            "an upcoming meeting"
        );
        assert!(lib.engagement.len() >= 4);
        assert!(lib
            .engagement
            .iter()
            .all(|e| e.at < now && !e.objects.is_empty()));
    }
}

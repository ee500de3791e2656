//! The demo's Engage flows and the prospects in them (`data/flows.toml`), planned over a
//! [`Plan`]'s workspaces, users and calls: a prospect is a contact of the demo's CRM, by
//! the id its calls link it with.

use std::collections::BTreeSet;

use chrono::Duration;
use serde::Deserialize;

use parley_domain::{FlowVisibility, Timestamp};

use crate::permissions::{user, workspace};
use crate::{DataError, Plan};

const FILE: &str = "flows.toml";
const FLOWS_TOML: &str = include_str!("../data/flows.toml");

/// A flow of the demo.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedFlow {
    /// An index into [`Plan::workspaces`].
    pub workspace: usize,
    pub name: String,
    /// An index into [`Plan::users`].
    pub owner: usize,
    pub visibility: FlowVisibility,
    pub folder: Option<String>,
    pub exclusive: bool,
    pub created: Timestamp,
    pub assigned: Vec<PlannedAssignment>,
}

/// Prospects put into a flow, run by one user.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedAssignment {
    /// An index into [`Plan::users`].
    pub owner: usize,
    /// CRM contact ids, as the demo's calls link the contacts.
    pub prospects: Vec<String>,
    pub at: Timestamp,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowsFile {
    #[serde(default)]
    flow: Vec<FlowSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowSpec {
    name: String,
    workspace: String,
    owner: String,
    visibility: String,
    folder: Option<String>,
    exclusive: bool,
    days_ago: i64,
    #[serde(default)]
    assign: Vec<AssignSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignSpec {
    owner: String,
    account: String,
    contacts: Vec<String>,
}

fn invalid(message: String) -> DataError {
    DataError::Invalid {
        file: FILE,
        message,
    }
}

/// The CRM id a call of `workspace` links an account's contact (by full name) with.
fn contact_id(plan: &Plan, workspace: usize, account: &str, name: &str) -> Option<String> {
    let prefix = format!("{account} / ");
    plan.calls
        .iter()
        .filter(|c| c.workspace == workspace && c.title.starts_with(&prefix))
        .flat_map(|c| &c.guests)
        .filter(|g| g.name.as_deref() == Some(name))
        .flat_map(|g| &g.context)
        .find(|l| l.object_type == "Contact")
        .map(|l| l.object_id.clone())
}

/// The demo's flows for `plan` (made for `now`).
pub fn flows_plan(plan: &Plan, now: Timestamp) -> Result<Vec<PlannedFlow>, DataError> {
    let file: FlowsFile =
        toml::from_str(FLOWS_TOML).map_err(|source| DataError::Parse { file: FILE, source })?;
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    // (workspace, prospect) in some exclusive flow: a second would be refused.
    let mut exclusive = BTreeSet::new();
    for f in &file.flow {
        let ws = workspace(plan, FILE, &f.workspace)?;
        if !names.insert((ws, f.name.as_str())) {
            return Err(invalid(format!("flow {:?} is listed twice", f.name)));
        }
        let visibility = FlowVisibility::from_key(&f.visibility).ok_or_else(|| {
            invalid(format!(
                "flow {:?}: unknown visibility {:?}",
                f.name, f.visibility
            ))
        })?;
        if f.days_ago < 1 {
            return Err(invalid(format!(
                "flow {:?}: days_ago is at least 1",
                f.name
            )));
        }
        let created = now - Duration::days(f.days_ago);
        let mut assigned = Vec::new();
        let mut seen = BTreeSet::new();
        for (n, a) in f.assign.iter().enumerate() {
            let mut prospects = Vec::new();
            for c in &a.contacts {
                let id = contact_id(plan, ws, &a.account, c).ok_or_else(|| {
                    invalid(format!(
                        "flow {:?}: no call of {:?} in {:?} has the contact {c:?}",
                        f.name, a.account, f.workspace
                    ))
                })?;
                if !seen.insert(id.clone()) || (f.exclusive && !exclusive.insert((ws, id.clone())))
                {
                    return Err(invalid(format!(
                        "flow {:?}: {c:?} is in it or in another exclusive flow already",
                        f.name
                    )));
                }
                prospects.push(id);
            }
            assigned.push(PlannedAssignment {
                owner: user(plan, FILE, &a.owner)?,
                prospects,
                // A day after the flow was made, an hour apart.
                at: created + Duration::days(1) + Duration::hours(n as i64),
            });
        }
        out.push(PlannedFlow {
            workspace: ws,
            name: f.name.clone(),
            owner: user(plan, FILE, &f.owner)?,
            visibility,
            folder: f.folder.clone(),
            exclusive: f.exclusive,
            created,
            assigned,
        });
    }
    Ok(out)
}

//! Seeds the demo's Engage flows and their prospects (`parley_demo::flows`) through the
//! use cases `POST /v2/flows` and `POST /v2/flows/prospects/assign` call
//! ([`crate::flows`]), so they pass the same checks.
//!
//! Safe to repeat: a flow is found by name in its workspace, and a prospect already in
//! it is refused by the assignment (and left as it is), as the API refuses it.

use chrono::Utc;

use parley_demo::flows::PlannedFlow;
use parley_domain::{Flow, User, WorkspaceId};
use parley_store::Store;

use crate::demo_library::acting;
use crate::error::AppResult;
use crate::flows::NewFlow;

/// Every flow of a workspace, as an admin lists them.
async fn flows_in(store: &dyn Store, ws: WorkspaceId) -> AppResult<Vec<Flow>> {
    let company = acting(None);
    let mut out: Vec<Flow> = Vec::new();
    loop {
        let after = out.last().map(|f| f.id);
        let (page, _) =
            crate::flows::list(store, &company, None, Some(ws), after, 1000, false).await?;
        let done = page.len() < 1000;
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

pub async fn seed(
    store: &dyn Store,
    plan: &[PlannedFlow],
    workspaces: &[WorkspaceId],
    users: &[User],
) -> AppResult<()> {
    let company = acting(None);
    for planned in plan {
        let ws = workspaces[planned.workspace];
        let existing = flows_in(store, ws)
            .await?
            .into_iter()
            .find(|f| f.name == planned.name);
        let flow = match existing {
            Some(f) => f,
            None => {
                crate::flows::create(
                    store,
                    &company,
                    NewFlow {
                        workspace_id: Some(ws),
                        name: planned.name.clone(),
                        owner_email: users[planned.owner].email.clone(),
                        visibility: planned.visibility,
                        folder: planned.folder.clone(),
                        exclusive: planned.exclusive,
                    },
                    // Never in the future, even when the plan's `now` is.
                    planned.created.min(Utc::now()),
                )
                .await?
            }
        };
        for a in &planned.assigned {
            // What is refused is in the flow already (the plan's data tests rule out the
            // other refusals).
            crate::flows::assign(
                store,
                &company,
                flow.id,
                &users[a.owner].email,
                &a.prospects,
                a.at.min(Utc::now()),
            )
            .await?;
        }
    }
    Ok(())
}

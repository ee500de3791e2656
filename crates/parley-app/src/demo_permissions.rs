//! Seeds the demo's permission profiles and per-user call grants
//! (`parley_demo::permissions`) through the use cases the API calls
//! ([`crate::profiles`], [`crate::grants`]), so they pass the same checks.
//!
//! Safe to repeat: a profile is found by name in its workspace (and kept as it is), a
//! user is given the demo's profile only in a workspace where they have none (so a
//! profile an admin gave them since stays), and a grant a user has already is kept as
//! it was.

use chrono::Utc;

use parley_demo::permissions::PermissionsPlan;
use parley_domain::{CallId, User, WorkspaceId};
use parley_store::Store;

use crate::demo_library::acting;
use crate::error::AppResult;

/// Profiles, then who has them: what `GET /v2/all-permission-profiles` shows.
pub async fn seed_profiles(
    store: &dyn Store,
    plan: &PermissionsPlan,
    workspaces: &[WorkspaceId],
    users: &[User],
) -> AppResult<()> {
    let company = acting(None);
    for planned in &plan.profiles {
        let ws = workspaces[planned.workspace];
        let name = planned.patch.name.as_deref().unwrap_or_default();
        let existing = crate::profiles::list(store, &company, ws)
            .await?
            .into_iter()
            .find(|p| p.name == name);
        let profile = match existing {
            Some(p) => p,
            None => crate::profiles::create(store, &company, ws, planned.patch.clone()).await?,
        };
        for &u in &planned.users {
            let user = &users[u];
            // Every workspace where the user has a profile, whatever it grants.
            let has_one = store
                .user_call_access(user.id)
                .await?
                .iter()
                .any(|(w, _)| *w == ws);
            if !has_one {
                crate::profiles::assign(store, &company, user.id, profile.id).await?;
            }
        }
    }
    Ok(())
}

/// Calls shared with single users (`calls` in the order of the plan's calls).
pub async fn seed_grants(
    store: &dyn Store,
    plan: &PermissionsPlan,
    users: &[User],
    calls: &[CallId],
) -> AppResult<()> {
    let list: Vec<(CallId, Vec<parley_domain::UserId>)> = plan
        .grants
        .iter()
        .map(|g| {
            (
                calls[g.call],
                g.users.iter().map(|u| users[*u].id).collect(),
            )
        })
        .collect();
    if list.is_empty() {
        return Ok(());
    }
    crate::grants::grant(store, &acting(None), &list, Utc::now()).await
}

//! Calls granted to single users (Gong's per-user call access): a grant shows the call to
//! the user whatever their permission profile says ([`crate::access::call_access`] and
//! [`crate::access::may_see_call`] honour them). Only grants made here are listed and
//! revoked; access from profiles and roles is not touched.

use std::collections::{BTreeMap, BTreeSet};

use parley_domain::{CallId, Principal, UserId};
use parley_store::{Store, UserFilter};

use crate::error::{AppError, AppResult};

/// Calls and users one request may name together, at most (pairs of a call and a user).
pub const MAX_GRANTS: usize = 10_000;

/// Gong's answer when a call of the list is unknown (or out of the caller's reach), and
/// the same for users (Gong documents none; it follows the calls' message).
pub use gong_api_v2::access::{SOME_CALLS_NOT_FOUND, SOME_USERS_NOT_FOUND};

/// Checks that every call exists and is in the caller's reach, and every user exists.
async fn check(
    store: &dyn Store,
    p: &Principal,
    calls: &BTreeSet<CallId>,
    users: &BTreeSet<UserId>,
) -> AppResult<()> {
    let ids: Vec<CallId> = calls.iter().copied().collect();
    let found = store.calls_with_versions(&ids).await?;
    if found.len() != calls.len() || found.iter().any(|(c, _)| !p.reaches(c.workspace_id)) {
        return Err(AppError::invalid(SOME_CALLS_NOT_FOUND));
    }
    if !users.is_empty() {
        let ids: Vec<UserId> = users.iter().copied().collect();
        let filter = UserFilter {
            user_ids: Some(ids),
            ..UserFilter::default()
        };
        let limit = u32::try_from(users.len()).unwrap_or(u32::MAX);
        if store.list_users(&filter, None, limit).await?.len() != users.len() {
            return Err(AppError::invalid(SOME_USERS_NOT_FOUND));
        }
    }
    Ok(())
}

/// Every (call, user) pair of a request, deduplicated; refused past [`MAX_GRANTS`].
fn pairs(list: &[(CallId, Vec<UserId>)]) -> AppResult<Vec<(CallId, UserId)>> {
    let set: BTreeSet<(CallId, UserId)> = list
        .iter()
        .flat_map(|(c, users)| users.iter().map(move |u| (*c, *u)))
        .collect();
    if set.len() > MAX_GRANTS {
        return Err(AppError::invalid(format!(
            "callAccessList names more than {MAX_GRANTS} calls and users together"
        )));
    }
    Ok(set.into_iter().collect())
}

fn named(list: &[(CallId, Vec<UserId>)]) -> (BTreeSet<CallId>, BTreeSet<UserId>) {
    (
        list.iter().map(|(c, _)| *c).collect(),
        list.iter().flat_map(|(_, u)| u.iter().copied()).collect(),
    )
}

/// Grants each call to its users; users who have it already keep it as it was.
pub async fn grant(
    store: &dyn Store,
    p: &Principal,
    list: &[(CallId, Vec<UserId>)],
    now: parley_domain::Timestamp,
) -> AppResult<()> {
    let grants = pairs(list)?;
    let (calls, users) = named(list);
    if calls.len() > MAX_GRANTS {
        return Err(AppError::invalid(format!(
            "callAccessList names more than {MAX_GRANTS} calls"
        )));
    }
    check(store, p, &calls, &users).await?;
    store.grant_calls(&grants, now).await?;
    Ok(())
}

/// Removes these grants (those that exist).
pub async fn revoke(
    store: &dyn Store,
    p: &Principal,
    list: &[(CallId, Vec<UserId>)],
) -> AppResult<()> {
    let grants = pairs(list)?;
    let (calls, _) = named(list);
    if calls.len() > MAX_GRANTS {
        return Err(AppError::invalid(format!(
            "callAccessList names more than {MAX_GRANTS} calls"
        )));
    }
    // Unknown users are not an error here: there is nothing to revoke from them.
    check(store, p, &calls, &BTreeSet::new()).await?;
    store.revoke_calls(&grants).await?;
    Ok(())
}

/// The users each call is granted to, for every call asked about (in the order asked,
/// once each; calls without grants have an empty list).
pub async fn granted(
    store: &dyn Store,
    p: &Principal,
    calls: &[CallId],
) -> AppResult<Vec<(CallId, Vec<UserId>)>> {
    let mut seen = BTreeSet::new();
    let ordered: Vec<CallId> = calls.iter().copied().filter(|c| seen.insert(*c)).collect();
    if ordered.len() > MAX_GRANTS {
        return Err(AppError::invalid(format!(
            "filter.callIds names more than {MAX_GRANTS} calls"
        )));
    }
    check(store, p, &seen, &BTreeSet::new()).await?;
    let mut grants: BTreeMap<CallId, Vec<UserId>> =
        store.call_grants(&ordered).await?.into_iter().collect();
    Ok(ordered
        .into_iter()
        .map(|c| {
            let users = grants.remove(&c).unwrap_or_default();
            (c, users)
        })
        .collect())
}

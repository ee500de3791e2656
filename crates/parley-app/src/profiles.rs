//! Permission profiles: create, change, read and assign them (Gong's
//! `/v2/permission-profile` endpoints, `parley profiles …`). What a profile does to call
//! access is in [`crate::access::call_access`].

use chrono::Utc;

use parley_domain::{
    PermissionProfile, Principal, ProfileId, ProfilePatch, User, UserId, WorkspaceId,
};
use parley_store::{Store, UserFilter};

use crate::access::visible;
use crate::error::{AppError, AppResult};

/// The most profiles one workspace holds (Gong has a handful per company; this bounds a
/// listing, which is not paged).
pub const MAX_PROFILES_PER_WORKSPACE: u32 = 500;
/// The most users a profile's user listing returns.
pub const MAX_PROFILE_USERS: u32 = 20_000;

fn profile_not_found(id: ProfileId) -> String {
    format!("permission profile {id} was not found")
}

/// A profile `p` may see (a workspace-bound key sees only its workspace's).
pub async fn get(store: &dyn Store, p: &Principal, id: ProfileId) -> AppResult<PermissionProfile> {
    let profile = store
        .profile(id)
        .await?
        .ok_or_else(|| AppError::NotFound(profile_not_found(id)))?;
    visible(p, profile.workspace_id, || profile_not_found(id))?;
    Ok(profile)
}

async fn workspace_visible(store: &dyn Store, p: &Principal, w: WorkspaceId) -> AppResult<()> {
    let missing = || format!("workspace {w} was not found");
    visible(p, w, missing)?;
    store
        .get_workspace(w)
        .await?
        .ok_or_else(|| AppError::NotFound(missing()))?;
    Ok(())
}

/// A workspace's profiles, by name.
pub async fn list(
    store: &dyn Store,
    p: &Principal,
    workspace: WorkspaceId,
) -> AppResult<Vec<PermissionProfile>> {
    workspace_visible(store, p, workspace).await?;
    Ok(store
        .profiles_in(workspace, MAX_PROFILES_PER_WORKSPACE)
        .await?)
}

/// Checks a profile about to be stored: its own rules, and that the users it names exist.
async fn check(store: &dyn Store, profile: &PermissionProfile) -> AppResult<()> {
    profile.validate().map_err(AppError::invalid)?;
    let named: Vec<UserId> = profile.named_users().into_iter().collect();
    if !named.is_empty() {
        let found = store
            .list_users(
                &UserFilter {
                    user_ids: Some(named.clone()),
                    ..UserFilter::default()
                },
                None,
                u32::try_from(named.len()).unwrap_or(u32::MAX),
            )
            .await?;
        let missing: Vec<String> = named
            .iter()
            .filter(|u| !found.iter().any(|f| f.id == **u))
            .map(|u| format!("user {u} named as a team lead was not found"))
            .collect();
        if !missing.is_empty() {
            return Err(AppError::Invalid(missing));
        }
    }
    Ok(())
}

/// Creates a profile in `workspace` from `patch` (what it omits has no access and is off);
/// a new id is assigned whatever the client sent.
pub async fn create(
    store: &dyn Store,
    p: &Principal,
    workspace: WorkspaceId,
    patch: ProfilePatch,
) -> AppResult<PermissionProfile> {
    workspace_visible(store, p, workspace).await?;
    if store.count_profiles(workspace).await? >= i64::from(MAX_PROFILES_PER_WORKSPACE) {
        return Err(AppError::invalid(format!(
            "a workspace has at most {MAX_PROFILES_PER_WORKSPACE} permission profiles"
        )));
    }
    let mut profile = PermissionProfile::blank(ProfileId::generate(), workspace);
    profile.apply(patch);
    check(store, &profile).await?;
    store.create_profile(&profile, Utc::now()).await?;
    Ok(profile)
}

/// Changes what `patch` names in a profile; returns the whole profile after the change.
pub async fn update(
    store: &dyn Store,
    p: &Principal,
    id: ProfileId,
    patch: ProfilePatch,
) -> AppResult<PermissionProfile> {
    let mut profile = get(store, p, id).await?;
    profile.apply(patch);
    check(store, &profile).await?;
    store.update_profile(&profile, Utc::now()).await?;
    Ok(profile)
}

/// The users who have a profile, by id.
pub async fn users_of(store: &dyn Store, p: &Principal, id: ProfileId) -> AppResult<Vec<User>> {
    get(store, p, id).await?;
    let mut users = Vec::new();
    let mut after = None;
    while users.len() < MAX_PROFILE_USERS as usize {
        let ids = store.profile_users(id, after, 1000).await?;
        let Some(last) = ids.last() else { break };
        after = Some(*last);
        let n = u32::try_from(ids.len()).unwrap_or(u32::MAX);
        users.extend(
            store
                .list_users(
                    &UserFilter {
                        user_ids: Some(ids),
                        ..UserFilter::default()
                    },
                    None,
                    n,
                )
                .await?,
        );
    }
    users.truncate(MAX_PROFILE_USERS as usize);
    Ok(users)
}

/// Gives a user a profile in the profile's workspace, replacing the one they had there.
pub async fn assign(
    store: &dyn Store,
    p: &Principal,
    user: UserId,
    id: ProfileId,
) -> AppResult<PermissionProfile> {
    let profile = get(store, p, id).await?;
    store
        .get_user(user)
        .await?
        .ok_or_else(|| AppError::not_found(format!("user {user} was not found")))?;
    store
        .set_user_profile(user, profile.workspace_id, Some(id), Utc::now())
        .await?;
    Ok(profile)
}

/// Takes a user's profile in `workspace` away: their role decides there again.
pub async fn unassign(
    store: &dyn Store,
    p: &Principal,
    user: UserId,
    workspace: WorkspaceId,
) -> AppResult<()> {
    workspace_visible(store, p, workspace).await?;
    store
        .set_user_profile(user, workspace, None, Utc::now())
        .await?;
    Ok(())
}

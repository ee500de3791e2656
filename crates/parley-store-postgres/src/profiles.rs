//! Permission profiles and what they grant.

#![allow(unused_variables)]

use super::*;

pub(crate) async fn create_profile(
    db: &PgStore,
    p: &PermissionProfile,
    at: Timestamp,
) -> Result<()> {
    todo!("postgres: create_profile")
}

pub(crate) async fn update_profile(
    db: &PgStore,
    p: &PermissionProfile,
    at: Timestamp,
) -> Result<()> {
    todo!("postgres: update_profile")
}

pub(crate) async fn profile(db: &PgStore, id: ProfileId) -> Result<Option<PermissionProfile>> {
    todo!("postgres: profile")
}

pub(crate) async fn profiles_in(
    db: &PgStore,
    w: WorkspaceId,
    limit: u32,
) -> Result<Vec<PermissionProfile>> {
    todo!("postgres: profiles_in")
}

pub(crate) async fn count_profiles(db: &PgStore, w: WorkspaceId) -> Result<i64> {
    todo!("postgres: count_profiles")
}

pub(crate) async fn set_user_profile(
    db: &PgStore,
    user: UserId,
    workspace: WorkspaceId,
    profile: Option<ProfileId>,
    at: Timestamp,
) -> Result<()> {
    todo!("postgres: set_user_profile")
}

pub(crate) async fn profile_users(
    db: &PgStore,
    id: ProfileId,
    after: Option<UserId>,
    limit: u32,
) -> Result<Vec<UserId>> {
    todo!("postgres: profile_users")
}

pub(crate) async fn manager_edges(db: &PgStore) -> Result<Vec<(UserId, Option<UserId>)>> {
    todo!("postgres: manager_edges")
}

pub(crate) async fn user_call_access(
    db: &PgStore,
    user: UserId,
) -> Result<Vec<(WorkspaceId, Access)>> {
    todo!("postgres: user_call_access")
}

pub(crate) async fn capability_workspaces(
    db: &PgStore,
    user: UserId,
    capability: Capability,
) -> Result<Vec<WorkspaceId>> {
    todo!("postgres: capability_workspaces")
}

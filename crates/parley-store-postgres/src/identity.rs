//! Workspaces, users, their settings history, API keys, passwords, sessions, password resets, roles and server secrets.

#![allow(unused_variables)]

use super::*;

pub(crate) async fn create_workspace(db: &PgStore, w: &Workspace, is_default: bool) -> Result<()> {
    todo!("postgres: create_workspace")
}

pub(crate) async fn list_workspaces(db: &PgStore) -> Result<Vec<Workspace>> {
    todo!("postgres: list_workspaces")
}

pub(crate) async fn default_workspace(db: &PgStore) -> Result<Option<Workspace>> {
    todo!("postgres: default_workspace")
}

pub(crate) async fn get_workspace(db: &PgStore, id: WorkspaceId) -> Result<Option<Workspace>> {
    todo!("postgres: get_workspace")
}

pub(crate) async fn create_user(db: &PgStore, u: &User) -> Result<()> {
    todo!("postgres: create_user")
}

pub(crate) async fn update_user(db: &PgStore, u: &User, at: Timestamp) -> Result<()> {
    todo!("postgres: update_user")
}

pub(crate) async fn get_user(db: &PgStore, id: UserId) -> Result<Option<User>> {
    todo!("postgres: get_user")
}

pub(crate) async fn find_user_by_email(db: &PgStore, email: &str) -> Result<Option<User>> {
    todo!("postgres: find_user_by_email")
}

pub(crate) async fn list_users(
    db: &PgStore,
    f: &UserFilter,
    after: Option<UserId>,
    limit: u32,
) -> Result<Vec<User>> {
    todo!("postgres: list_users")
}

pub(crate) async fn count_users(db: &PgStore, f: &UserFilter) -> Result<i64> {
    todo!("postgres: count_users")
}

pub(crate) async fn settings_history(db: &PgStore, id: UserId) -> Result<Vec<SettingChange>> {
    todo!("postgres: settings_history")
}

pub(crate) async fn create_api_key(db: &PgStore, k: &ApiKeyRecord) -> Result<()> {
    todo!("postgres: create_api_key")
}

pub(crate) async fn get_api_key(db: &PgStore, access_key: &str) -> Result<Option<ApiKeyRecord>> {
    todo!("postgres: get_api_key")
}

pub(crate) async fn list_api_keys(db: &PgStore) -> Result<Vec<ApiKeyRecord>> {
    todo!("postgres: list_api_keys")
}

pub(crate) async fn revoke_api_key(db: &PgStore, access_key: &str, at: Timestamp) -> Result<bool> {
    todo!("postgres: revoke_api_key")
}

pub(crate) async fn rotate_api_key(
    db: &PgStore,
    access_key: &str,
    secret_hash: &str,
) -> Result<bool> {
    todo!("postgres: rotate_api_key")
}

pub(crate) async fn touch_api_key(db: &PgStore, access_key: &str, at: Timestamp) -> Result<()> {
    todo!("postgres: touch_api_key")
}

pub(crate) async fn set_password_hash(
    db: &PgStore,
    user: UserId,
    hash: &str,
    at: Timestamp,
) -> Result<()> {
    todo!("postgres: set_password_hash")
}

pub(crate) async fn password_hash(db: &PgStore, user: UserId) -> Result<Option<String>> {
    todo!("postgres: password_hash")
}

pub(crate) async fn create_session(db: &PgStore, s: &SessionRecord) -> Result<()> {
    todo!("postgres: create_session")
}

pub(crate) async fn get_session(db: &PgStore, token_sha: &str) -> Result<Option<SessionRecord>> {
    todo!("postgres: get_session")
}

pub(crate) async fn delete_session(db: &PgStore, token_sha: &str) -> Result<bool> {
    todo!("postgres: delete_session")
}

pub(crate) async fn delete_user_sessions(db: &PgStore, user: UserId) -> Result<u64> {
    todo!("postgres: delete_user_sessions")
}

pub(crate) async fn create_password_reset(
    db: &PgStore,
    token_sha: &str,
    user: UserId,
    expires: Timestamp,
) -> Result<()> {
    todo!("postgres: create_password_reset")
}

pub(crate) async fn take_password_reset(
    db: &PgStore,
    token_sha: &str,
    now: Timestamp,
) -> Result<Option<UserId>> {
    todo!("postgres: take_password_reset")
}

pub(crate) async fn user_role(db: &PgStore, user: UserId) -> Result<Role> {
    todo!("postgres: user_role")
}

pub(crate) async fn set_user_role(
    db: &PgStore,
    user: UserId,
    role: Role,
    at: Timestamp,
) -> Result<()> {
    todo!("postgres: set_user_role")
}

pub(crate) async fn server_secret(db: &PgStore, name: &str, fresh: Vec<u8>) -> Result<Vec<u8>> {
    todo!("postgres: server_secret")
}

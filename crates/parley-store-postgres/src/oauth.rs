//! OAuth 2.0 apps, codes and tokens.

#![allow(unused_variables)]

use super::*;

pub(crate) async fn create_oauth_app(db: &PgStore, a: &OAuthAppRecord) -> Result<()> {
    todo!("postgres: create_oauth_app")
}

pub(crate) async fn get_oauth_app(db: &PgStore, client_id: &str) -> Result<Option<OAuthAppRecord>> {
    todo!("postgres: get_oauth_app")
}

pub(crate) async fn list_oauth_apps(db: &PgStore) -> Result<Vec<OAuthAppRecord>> {
    todo!("postgres: list_oauth_apps")
}

pub(crate) async fn revoke_oauth_app(db: &PgStore, client_id: &str, at: Timestamp) -> Result<bool> {
    todo!("postgres: revoke_oauth_app")
}

pub(crate) async fn create_oauth_code(db: &PgStore, c: &OAuthCodeRecord) -> Result<()> {
    todo!("postgres: create_oauth_code")
}

pub(crate) async fn take_oauth_code(
    db: &PgStore,
    code_sha: &str,
    at: Timestamp,
) -> Result<Option<OAuthCodeRecord>> {
    todo!("postgres: take_oauth_code")
}

pub(crate) async fn create_oauth_token(db: &PgStore, t: &OAuthTokenRecord) -> Result<()> {
    todo!("postgres: create_oauth_token")
}

pub(crate) async fn oauth_token_by_access(
    db: &PgStore,
    access_sha: &str,
) -> Result<Option<OAuthTokenRecord>> {
    todo!("postgres: oauth_token_by_access")
}

pub(crate) async fn oauth_token_by_refresh(
    db: &PgStore,
    refresh_sha: &str,
) -> Result<Option<OAuthTokenRecord>> {
    todo!("postgres: oauth_token_by_refresh")
}

pub(crate) async fn spend_oauth_refresh(
    db: &PgStore,
    refresh_sha: &str,
    client_id: &str,
    at: Timestamp,
) -> Result<Option<OAuthTokenRecord>> {
    todo!("postgres: spend_oauth_refresh")
}

pub(crate) async fn revoke_oauth_grant(db: &PgStore, grant: &str, at: Timestamp) -> Result<u64> {
    todo!("postgres: revoke_oauth_grant")
}

pub(crate) async fn touch_oauth_grant(db: &PgStore, grant: &str, at: Timestamp) -> Result<()> {
    todo!("postgres: touch_oauth_grant")
}

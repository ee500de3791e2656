//! OAuth 2.0 apps, codes and tokens on PostgreSQL. The one-time things (a code, a refresh
//! token) are taken under a row lock or by one conditional UPDATE, so that of two nodes
//! racing with the same code or refresh token exactly one wins.

use sqlx::postgres::PgRow;
use sqlx::Row;

use parley_store::codec::scopes_of;
use parley_store::codec::{from_json, map_unique, opt_ts, to_json, ts, us};

use super::*;

/// Codes are kept this long past their expiry (then deleted when a new one is made), so a
/// late replay is still recognised as one.
const CODE_KEPT_US: i64 = 24 * 3600 * 1_000_000;
/// Tokens are kept this long past their refresh token's expiry.
const TOKEN_KEPT_US: i64 = 7 * 24 * 3600 * 1_000_000;

fn app_of(r: &PgRow) -> Result<OAuthAppRecord> {
    Ok(OAuthAppRecord {
        client_id: r.try_get("client_id")?,
        name: r.try_get("name")?,
        secret_hash: r.try_get("secret_hash")?,
        redirect_uris: from_json(r.try_get("redirect_uris")?, "oauth app redirect uris")?,
        scopes: scopes_of(r.try_get("scopes")?, "oauth app")?,
        owner: r.try_get::<Option<i64>, _>("owner_user_id")?.map(UserId),
        created: ts(r.try_get("created_us")?)?,
        revoked: opt_ts(r.try_get("revoked_us")?)?,
    })
}

fn code_of(r: &PgRow) -> Result<OAuthCodeRecord> {
    Ok(OAuthCodeRecord {
        code_sha: r.try_get("code_sha")?,
        client_id: r.try_get("client_id")?,
        user: UserId(r.try_get("user_id")?),
        scopes: scopes_of(r.try_get("scopes")?, "oauth code")?,
        redirect_uri: r.try_get("redirect_uri")?,
        code_challenge: r.try_get("code_challenge")?,
        grant: r.try_get("grant_id")?,
        created: ts(r.try_get("created_us")?)?,
        expires: ts(r.try_get("expires_us")?)?,
        used: opt_ts(r.try_get("used_us")?)?,
    })
}

fn token_of(r: &PgRow) -> Result<OAuthTokenRecord> {
    Ok(OAuthTokenRecord {
        id: r.try_get("id")?,
        grant: r.try_get("grant_id")?,
        access_sha: r.try_get("access_sha")?,
        refresh_sha: r.try_get("refresh_sha")?,
        client_id: r.try_get("client_id")?,
        user: UserId(r.try_get("user_id")?),
        scopes: scopes_of(r.try_get("scopes")?, "oauth token")?,
        workspace: r
            .try_get::<Option<i64>, _>("workspace_id")?
            .map(WorkspaceId),
        created: ts(r.try_get("created_us")?)?,
        access_expires: ts(r.try_get("access_expires_us")?)?,
        refresh_expires: ts(r.try_get("refresh_expires_us")?)?,
        refresh_used: opt_ts(r.try_get("refresh_used_us")?)?,
        revoked: opt_ts(r.try_get("revoked_us")?)?,
        last_used: opt_ts(r.try_get("last_used_us")?)?,
    })
}

/// A foreign-key violation names what a new row refers to that does not exist.
fn map_refs(e: sqlx::Error, what: &str, unique: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            StoreError::NotFound(what.to_owned())
        }
        _ => map_unique(e, unique),
    }
}

pub(crate) async fn create_oauth_app(db: &PgStore, a: &OAuthAppRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO oauth_apps (client_id, name, secret_hash, redirect_uris, scopes, \
         owner_user_id, created_us, revoked_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&a.client_id)
    .bind(&a.name)
    .bind(&a.secret_hash)
    .bind(to_json(&a.redirect_uris))
    .bind(a.scopes.to_string())
    .bind(a.owner.map(|u| u.0))
    .bind(us(a.created))
    .bind(a.revoked.map(us))
    .execute(&db.pool)
    .await
    .map_err(|e| map_refs(e, "the app's owner", "client id exists"))?;
    Ok(())
}

pub(crate) async fn get_oauth_app(db: &PgStore, client_id: &str) -> Result<Option<OAuthAppRecord>> {
    let row = sqlx::query("SELECT * FROM oauth_apps WHERE client_id = $1")
        .bind(client_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(app_of).transpose()
}

pub(crate) async fn list_oauth_apps(db: &PgStore) -> Result<Vec<OAuthAppRecord>> {
    // Ties in the client id's "C" collation: byte order, as SQLite's BINARY.
    let rows = sqlx::query("SELECT * FROM oauth_apps ORDER BY created_us, client_id")
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(app_of).collect()
}

pub(crate) async fn revoke_oauth_app(db: &PgStore, client_id: &str, at: Timestamp) -> Result<bool> {
    let mut tx = db.begin().await?;
    // The conditional UPDATE locks the app's row: a concurrent revocation waits, then
    // finds it revoked and changes nothing.
    let done = sqlx::query(
        "UPDATE oauth_apps SET revoked_us = $1 WHERE client_id = $2 AND revoked_us IS NULL",
    )
    .bind(us(at))
    .bind(client_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE oauth_tokens SET revoked_us = $1 WHERE client_id = $2 AND revoked_us IS NULL",
    )
    .bind(us(at))
    .bind(client_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM oauth_codes WHERE client_id = $1 AND used_us IS NULL")
        .bind(client_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

pub(crate) async fn create_oauth_code(db: &PgStore, c: &OAuthCodeRecord) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM oauth_codes WHERE expires_us < $1")
        .bind(us(c.created) - CODE_KEPT_US)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO oauth_codes (code_sha, client_id, user_id, scopes, redirect_uri, \
         code_challenge, grant_id, created_us, expires_us, used_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&c.code_sha)
    .bind(&c.client_id)
    .bind(c.user.0)
    .bind(c.scopes.to_string())
    .bind(&c.redirect_uri)
    .bind(&c.code_challenge)
    .bind(&c.grant)
    .bind(us(c.created))
    .bind(us(c.expires))
    .bind(c.used.map(us))
    .execute(&mut *tx)
    .await
    .map_err(|e| map_refs(e, "the code's app or user", "code exists"))?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn take_oauth_code(
    db: &PgStore,
    code_sha: &str,
    at: Timestamp,
) -> Result<Option<OAuthCodeRecord>> {
    let mut tx = db.begin().await?;
    // The row lock makes a concurrent taker wait until this one commits; its locking
    // read then sees the code as used (READ COMMITTED re-reads a row it waited for).
    let Some(row) = sqlx::query("SELECT * FROM oauth_codes WHERE code_sha = $1 FOR UPDATE")
        .bind(code_sha)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let code = code_of(&row)?;
    if code.used.is_none() {
        sqlx::query("UPDATE oauth_codes SET used_us = $1 WHERE code_sha = $2")
            .bind(us(at))
            .bind(code_sha)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Some(code))
}

pub(crate) async fn create_oauth_token(db: &PgStore, t: &OAuthTokenRecord) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM oauth_tokens WHERE refresh_expires_us < $1")
        .bind(us(t.created) - TOKEN_KEPT_US)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO oauth_tokens (id, grant_id, access_sha, refresh_sha, client_id, user_id, \
         scopes, workspace_id, created_us, access_expires_us, refresh_expires_us, \
         refresh_used_us, revoked_us, last_used_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&t.id)
    .bind(&t.grant)
    .bind(&t.access_sha)
    .bind(&t.refresh_sha)
    .bind(&t.client_id)
    .bind(t.user.0)
    .bind(t.scopes.to_string())
    .bind(t.workspace.map(|w| w.0))
    .bind(us(t.created))
    .bind(us(t.access_expires))
    .bind(us(t.refresh_expires))
    .bind(t.refresh_used.map(us))
    .bind(t.revoked.map(us))
    .bind(t.last_used.map(us))
    .execute(&mut *tx)
    .await
    .map_err(|e| map_refs(e, "the token's app, user or workspace", "token exists"))?;
    tx.commit().await?;
    Ok(())
}

async fn token_where(db: &PgStore, column: &str, sha: &str) -> Result<Option<OAuthTokenRecord>> {
    let row = sqlx::query(&format!("SELECT * FROM oauth_tokens WHERE {column} = $1"))
        .bind(sha)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(token_of).transpose()
}

pub(crate) async fn oauth_token_by_access(
    db: &PgStore,
    access_sha: &str,
) -> Result<Option<OAuthTokenRecord>> {
    token_where(db, "access_sha", access_sha).await
}

pub(crate) async fn oauth_token_by_refresh(
    db: &PgStore,
    refresh_sha: &str,
) -> Result<Option<OAuthTokenRecord>> {
    token_where(db, "refresh_sha", refresh_sha).await
}

pub(crate) async fn spend_oauth_refresh(
    db: &PgStore,
    refresh_sha: &str,
    client_id: &str,
    at: Timestamp,
) -> Result<Option<OAuthTokenRecord>> {
    // One conditional statement: a concurrent spender of the same token waits for this
    // one's row lock, then re-checks `refresh_used_us IS NULL` on the committed row and
    // updates nothing.
    let row = sqlx::query(
        "UPDATE oauth_tokens SET refresh_used_us = $1 WHERE refresh_sha = $2 \
         AND client_id = $3 AND refresh_used_us IS NULL AND revoked_us IS NULL \
         AND refresh_expires_us > $1 RETURNING *",
    )
    .bind(us(at))
    .bind(refresh_sha)
    .bind(client_id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(token_of).transpose()
}

pub(crate) async fn revoke_oauth_grant(db: &PgStore, grant: &str, at: Timestamp) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE oauth_tokens SET revoked_us = $1 WHERE grant_id = $2 AND revoked_us IS NULL",
    )
    .bind(us(at))
    .bind(grant)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn touch_oauth_grant(db: &PgStore, grant: &str, at: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE oauth_tokens SET last_used_us = $1 WHERE grant_id = $2 \
         AND revoked_us IS NULL AND (last_used_us IS NULL OR last_used_us < $1)",
    )
    .bind(us(at))
    .bind(grant)
    .execute(&db.pool)
    .await?;
    Ok(())
}

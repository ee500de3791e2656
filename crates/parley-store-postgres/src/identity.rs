//! Workspaces, users, their settings history, API keys, passwords, sessions, password
//! resets, roles and server secrets.

use parley_domain::{ScopeSet, Setting, SpokenLanguage, UserSettings};
use parley_store::codec::{json_list, list_of, map_missing, map_unique, opt_ts, ts, us};
use sqlx::postgres::PgRow;
use sqlx::{QueryBuilder, Row};

use super::*;

const USER_COLUMNS: &str = "id, email, created_us, active, first_name, last_name, title, phone, extension, \
    manager_id, trusted_email, meeting_consent_page_url, email_aliases, personal_meeting_urls, spoken_languages, \
    web_conferences_recorded, prevent_web_conference_recording, telephony_calls_imported, emails_imported, \
    prevent_email_import, non_recorded_meetings_imported, gong_connect_enabled";

fn user_of(r: &PgRow) -> Result<User> {
    let langs: Vec<(String, bool)> = serde_json::from_str(r.try_get("spoken_languages")?)
        .map_err(|e| StoreError::Corrupt(format!("spoken languages: {e}")))?;
    Ok(User {
        id: UserId(r.try_get("id")?),
        email: r.try_get("email")?,
        created: ts(r.try_get("created_us")?)?,
        active: r.try_get("active")?,
        email_aliases: list_of(r.try_get("email_aliases")?)?,
        trusted_email: r.try_get("trusted_email")?,
        first_name: r.try_get("first_name")?,
        last_name: r.try_get("last_name")?,
        title: r.try_get("title")?,
        phone: r.try_get("phone")?,
        extension: r.try_get("extension")?,
        personal_meeting_urls: list_of(r.try_get("personal_meeting_urls")?)?,
        settings: UserSettings {
            web_conferences_recorded: r.try_get("web_conferences_recorded")?,
            prevent_web_conference_recording: r.try_get("prevent_web_conference_recording")?,
            telephony_calls_imported: r.try_get("telephony_calls_imported")?,
            emails_imported: r.try_get("emails_imported")?,
            prevent_email_import: r.try_get("prevent_email_import")?,
            non_recorded_meetings_imported: r.try_get("non_recorded_meetings_imported")?,
            gong_connect_enabled: r.try_get("gong_connect_enabled")?,
        },
        manager_id: r.try_get::<Option<i64>, _>("manager_id")?.map(UserId),
        meeting_consent_page_url: r.try_get("meeting_consent_page_url")?,
        spoken_languages: langs
            .into_iter()
            .map(|(language, primary)| SpokenLanguage { language, primary })
            .collect(),
    })
}

fn workspace_of(r: &PgRow) -> Result<Workspace> {
    Ok(Workspace {
        id: WorkspaceId(r.try_get("id")?),
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        created: ts(r.try_get("created_us")?)?,
    })
}

fn key_of(r: &PgRow) -> Result<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        access_key: r.try_get("access_key")?,
        name: r.try_get("name")?,
        secret_hash: r.try_get("secret_hash")?,
        created: ts(r.try_get("created_us")?)?,
        revoked: opt_ts(r.try_get("revoked_us")?)?,
        scopes: match r.try_get::<Option<String>, _>("scopes")? {
            None => ScopeSet::full(),
            Some(text) => ScopeSet::parse(&text)
                .map_err(|e| StoreError::Corrupt(format!("api key scopes: {e}")))?,
        },
        workspace: r
            .try_get::<Option<i64>, _>("workspace_id")?
            .map(WorkspaceId),
        owner: r.try_get::<Option<i64>, _>("owner_user_id")?.map(UserId),
        last_used: opt_ts(r.try_get("last_used_us")?)?,
    })
}

fn push_user_filter(q: &mut QueryBuilder<'_, Postgres>, f: &UserFilter) {
    q.push(" WHERE TRUE");
    if let Some(from) = f.created_from {
        q.push(" AND created_us >= ").push_bind(us(from));
    }
    if let Some(to) = f.created_to {
        q.push(" AND created_us < ").push_bind(us(to));
    }
    if let Some(ids) = &f.user_ids {
        q.push(" AND id = ANY(")
            .push_bind(raw_ids(ids, |u| u.0))
            .push(")");
    }
}

/// Inserts a user row, or with `update` overwrites every column but `id` and
/// `created_us` of the existing one.
async fn write_user_row(tx: &mut Tx, u: &User, update: bool) -> Result<()> {
    let params: Vec<String> = (1..=USER_COLUMNS.split(',').count())
        .map(|i| format!("${i}"))
        .collect();
    let mut sql = format!(
        "INSERT INTO users ({USER_COLUMNS}) VALUES ({})",
        params.join(", ")
    );
    if update {
        let set: Vec<String> = USER_COLUMNS
            .split(',')
            .map(str::trim)
            .filter(|c| !matches!(*c, "id" | "created_us"))
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        sql.push_str(&format!(
            " ON CONFLICT (id) DO UPDATE SET {}",
            set.join(", ")
        ));
    }
    let langs: Vec<(&str, bool)> = u
        .spoken_languages
        .iter()
        .map(|l| (l.language.as_str(), l.primary))
        .collect();
    sqlx::query(&sql)
        .bind(u.id.0)
        .bind(&u.email)
        .bind(us(u.created))
        .bind(u.active)
        .bind(&u.first_name)
        .bind(&u.last_name)
        .bind(&u.title)
        .bind(&u.phone)
        .bind(&u.extension)
        .bind(u.manager_id.map(|m| m.0))
        .bind(&u.trusted_email)
        .bind(&u.meeting_consent_page_url)
        .bind(json_list(&u.email_aliases))
        .bind(json_list(&u.personal_meeting_urls))
        .bind(serde_json::to_string(&langs).expect("pairs of text and bool serialise"))
        .bind(u.settings.web_conferences_recorded)
        .bind(u.settings.prevent_web_conference_recording)
        .bind(u.settings.telephony_calls_imported)
        .bind(u.settings.emails_imported)
        .bind(u.settings.prevent_email_import)
        .bind(u.settings.non_recorded_meetings_imported)
        .bind(u.settings.gong_connect_enabled)
        .execute(&mut **tx)
        .await
        .map_err(|e| map_unique(e, &format!("a user with email {} exists", u.email)))?;
    Ok(())
}

async fn append_history(tx: &mut Tx, user: UserId, changes: &[SettingChange]) -> Result<()> {
    for change in changes {
        sqlx::query(
            "INSERT INTO user_settings_history (user_id, setting, value, time_us) VALUES ($1, $2, $3, $4)",
        )
        .bind(user.0)
        .bind(change.setting.key())
        .bind(change.value)
        .bind(us(change.time))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub(crate) async fn create_workspace(db: &PgStore, w: &Workspace, is_default: bool) -> Result<()> {
    let mut tx = db.begin().await?;
    if is_default {
        // Two nodes making a default workspace at once would each clear the flag on the
        // rows they can see and both insert theirs as the default; this lock orders them.
        sqlx::query(
            "SELECT pg_advisory_xact_lock(hashtextextended('parley-default-workspace', 0))",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE workspaces SET is_default = FALSE WHERE is_default")
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO workspaces (id, name, description, created_us, is_default) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(w.id.0)
    .bind(&w.name)
    .bind(&w.description)
    .bind(us(w.created))
    .bind(is_default)
    .execute(&mut *tx)
    .await
    .map_err(|e| map_unique(e, "workspace id is taken"))?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn list_workspaces(db: &PgStore) -> Result<Vec<Workspace>> {
    let rows = sqlx::query("SELECT * FROM workspaces ORDER BY created_us, id")
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(workspace_of).collect()
}

pub(crate) async fn default_workspace(db: &PgStore) -> Result<Option<Workspace>> {
    let row =
        sqlx::query("SELECT * FROM workspaces ORDER BY is_default DESC, created_us, id LIMIT 1")
            .fetch_optional(&db.pool)
            .await?;
    row.as_ref().map(workspace_of).transpose()
}

pub(crate) async fn get_workspace(db: &PgStore, id: WorkspaceId) -> Result<Option<Workspace>> {
    let row = sqlx::query("SELECT * FROM workspaces WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(workspace_of).transpose()
}

pub(crate) async fn create_user(db: &PgStore, u: &User) -> Result<()> {
    let mut tx = db.begin().await?;
    write_user_row(&mut tx, u, false).await?;
    append_history(&mut tx, u.id, &u.initial_history()).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn update_user(db: &PgStore, u: &User, at: Timestamp) -> Result<()> {
    let mut tx = db.begin().await?;
    // A row lock: the history records the difference from this very row, so a concurrent
    // update of the same user waits instead of diffing against a row about to change.
    // NO KEY UPDATE, the mode an UPDATE that keeps the id takes anyway: rows that only
    // refer to the user (a new session) need not wait for it.
    let before = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1 FOR NO KEY UPDATE"
    ))
    .bind(u.id.0)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("user {}", u.id)))?;
    let before = user_of(&before)?;
    write_user_row(&mut tx, u, true).await?;
    append_history(&mut tx, u.id, &before.settings_diff(u, at)).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn get_user(db: &PgStore, id: UserId) -> Result<Option<User>> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(user_of).transpose()
}

pub(crate) async fn find_user_by_email(db: &PgStore, email: &str) -> Result<Option<User>> {
    // lower() on both sides, as the unique index users_email (SQLite: COLLATE NOCASE);
    // the parameter in the column's "C" collation, so that both fold ASCII letters only.
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1 COLLATE \"C\")"
    ))
    .bind(email)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(user_of).transpose()
}

pub(crate) async fn list_users(
    db: &PgStore,
    f: &UserFilter,
    after: Option<UserId>,
    limit: u32,
) -> Result<Vec<User>> {
    let mut q = QueryBuilder::<Postgres>::new(format!("SELECT {USER_COLUMNS} FROM users"));
    push_user_filter(&mut q, f);
    if let Some(after) = after {
        q.push(" AND id > ").push_bind(after.0);
    }
    q.push(" ORDER BY id LIMIT ").push_bind(i64::from(limit));
    let rows = q.build().fetch_all(&db.pool).await?;
    rows.iter().map(user_of).collect()
}

pub(crate) async fn count_users(db: &PgStore, f: &UserFilter) -> Result<i64> {
    let mut q = QueryBuilder::<Postgres>::new("SELECT COUNT(*) AS n FROM users");
    push_user_filter(&mut q, f);
    Ok(q.build().fetch_one(&db.pool).await?.try_get("n")?)
}

pub(crate) async fn settings_history(db: &PgStore, id: UserId) -> Result<Vec<SettingChange>> {
    let rows = sqlx::query(
        "SELECT setting, value, time_us FROM user_settings_history WHERE user_id = $1 ORDER BY seq",
    )
    .bind(id.0)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let key: &str = r.try_get("setting")?;
            Ok(SettingChange {
                setting: Setting::from_key(key)
                    .ok_or_else(|| StoreError::Corrupt(format!("setting {key}")))?,
                value: r.try_get("value")?,
                time: ts(r.try_get("time_us")?)?,
            })
        })
        .collect()
}

pub(crate) async fn create_api_key(db: &PgStore, k: &ApiKeyRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_keys (access_key, name, secret_hash, created_us, revoked_us, scopes, \
         workspace_id, owner_user_id, last_used_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&k.access_key)
    .bind(&k.name)
    .bind(&k.secret_hash)
    .bind(us(k.created))
    .bind(k.revoked.map(us))
    .bind(k.scopes.to_string())
    .bind(k.workspace.map(|w| w.0))
    .bind(k.owner.map(|u| u.0))
    .bind(k.last_used.map(us))
    .execute(&db.pool)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            StoreError::NotFound("the key's workspace or owner".into())
        }
        _ => map_unique(e, "access key exists"),
    })?;
    Ok(())
}

pub(crate) async fn get_api_key(db: &PgStore, access_key: &str) -> Result<Option<ApiKeyRecord>> {
    let row = sqlx::query("SELECT * FROM api_keys WHERE access_key = $1")
        .bind(access_key)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(key_of).transpose()
}

pub(crate) async fn list_api_keys(db: &PgStore) -> Result<Vec<ApiKeyRecord>> {
    let rows = sqlx::query("SELECT * FROM api_keys ORDER BY created_us, access_key")
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(key_of).collect()
}

pub(crate) async fn revoke_api_key(db: &PgStore, access_key: &str, at: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE api_keys SET revoked_us = $1 WHERE access_key = $2 AND revoked_us IS NULL",
    )
    .bind(us(at))
    .bind(access_key)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn rotate_api_key(
    db: &PgStore,
    access_key: &str,
    secret_hash: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE api_keys SET secret_hash = $1 WHERE access_key = $2 AND revoked_us IS NULL",
    )
    .bind(secret_hash)
    .bind(access_key)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn touch_api_key(db: &PgStore, access_key: &str, at: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE api_keys SET last_used_us = $1 WHERE access_key = $2 \
         AND (last_used_us IS NULL OR last_used_us < $1)",
    )
    .bind(us(at))
    .bind(access_key)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub(crate) async fn set_password_hash(
    db: &PgStore,
    user: UserId,
    hash: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO user_passwords (user_id, hash, updated_us) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_us = excluded.updated_us",
    )
    .bind(user.0)
    .bind(hash)
    .bind(us(at))
    .execute(&db.pool)
    .await
    .map_err(|e| map_missing(e, || format!("user {user}")))?;
    Ok(())
}

pub(crate) async fn password_hash(db: &PgStore, user: UserId) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT hash FROM user_passwords WHERE user_id = $1")
            .bind(user.0)
            .fetch_optional(&db.pool)
            .await?,
    )
}

pub(crate) async fn admin_can_sign_in(db: &PgStore) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM user_roles r JOIN users u ON u.id = r.user_id \
         JOIN user_passwords p ON p.user_id = r.user_id WHERE r.role = 'admin' AND u.active)",
    )
    .fetch_one(&db.pool)
    .await?)
}

pub(crate) async fn create_session(db: &PgStore, s: &SessionRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_sha, user_id, csrf, created_us, expires_us) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&s.token_sha)
    .bind(s.user.0)
    .bind(&s.csrf)
    .bind(us(s.created))
    .bind(us(s.expires))
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub(crate) async fn get_session(db: &PgStore, token_sha: &str) -> Result<Option<SessionRecord>> {
    let row = sqlx::query("SELECT * FROM sessions WHERE token_sha = $1")
        .bind(token_sha)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| {
        Ok(SessionRecord {
            token_sha: r.try_get("token_sha")?,
            user: UserId(r.try_get("user_id")?),
            csrf: r.try_get("csrf")?,
            created: ts(r.try_get("created_us")?)?,
            expires: ts(r.try_get("expires_us")?)?,
        })
    })
    .transpose()
}

pub(crate) async fn delete_session(db: &PgStore, token_sha: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM sessions WHERE token_sha = $1")
        .bind(token_sha)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn delete_user_sessions(db: &PgStore, user: UserId) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.0)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn create_password_reset(
    db: &PgStore,
    token_sha: &str,
    user: UserId,
    expires: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO password_resets (token_sha, user_id, expires_us) VALUES ($1, $2, $3)")
        .bind(token_sha)
        .bind(user.0)
        .bind(us(expires))
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub(crate) async fn take_password_reset(
    db: &PgStore,
    token_sha: &str,
    now: Timestamp,
) -> Result<Option<UserId>> {
    // One DELETE ... RETURNING: of two nodes taking the same token, the second's DELETE
    // waits on the first's row lock and then finds the row gone, so a token is used once.
    let user: Option<i64> = sqlx::query_scalar(
        "DELETE FROM password_resets WHERE token_sha = $1 RETURNING \
         CASE WHEN expires_us > $2 THEN user_id END",
    )
    .bind(token_sha)
    .bind(us(now))
    .fetch_optional(&db.pool)
    .await?
    .flatten();
    Ok(user.map(UserId))
}

pub(crate) async fn user_role(db: &PgStore, user: UserId) -> Result<Role> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
        .bind(user.0)
        .fetch_optional(&db.pool)
        .await?;
    match role {
        None => Ok(Role::Member),
        Some(r) => Role::parse(&r)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role {r:?} of user {user}"))),
    }
}

pub(crate) async fn set_user_role(
    db: &PgStore,
    user: UserId,
    role: Role,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO user_roles (user_id, role, updated_us) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET role = excluded.role, updated_us = excluded.updated_us",
    )
    .bind(user.0)
    .bind(role.key())
    .bind(us(at))
    .execute(&db.pool)
    .await
    .map_err(|e| map_missing(e, || format!("user {user}")))?;
    Ok(())
}

pub(crate) async fn server_secret(db: &PgStore, name: &str, fresh: Vec<u8>) -> Result<Vec<u8>> {
    // Insert-if-absent, then read in a second statement: an insert racing another node's
    // waits for that one to commit and does nothing, and the read (a new snapshot) sees
    // the winner's value, so every node agrees.
    sqlx::query(
        "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(fresh)
    .execute(&db.pool)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&db.pool)
            .await?,
    )
}

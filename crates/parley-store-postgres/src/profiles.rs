//! Permission profiles on PostgreSQL: a profile row, one row per area with access, one per
//! capability that is on, and users' assignments per workspace.

use std::collections::BTreeMap;

use sqlx::postgres::PgRow;
use sqlx::Row;

use parley_domain::{AccessArea, AccessLevel, LibraryAccess, LibraryLevel};
use parley_store::codec::{access_from, corrupt, id_list, ids_of};
use parley_store::codec::{map_missing, map_unique, us};

use super::*;

const NAME_TAKEN: &str = "a permission profile of that name exists in this workspace";

/// Writes everything but the profile row itself (access, capabilities), replacing any.
/// The caller holds the profile row's lock (it has just inserted or updated it), so two
/// writers of one profile never interleave here.
async fn write_parts(tx: &mut Tx, p: &PermissionProfile) -> Result<()> {
    sqlx::query("DELETE FROM permission_profile_access WHERE profile_id = $1")
        .bind(p.id.0)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM permission_profile_capabilities WHERE profile_id = $1")
        .bind(p.id.0)
        .execute(&mut **tx)
        .await?;
    let (mut areas, mut levels, mut leads) = (Vec::new(), Vec::new(), Vec::new());
    for (area, access) in &p.access {
        if access.level == AccessLevel::None {
            continue;
        }
        areas.push(area.key());
        levels.push(access.level.key());
        leads.push(id_list(access.team_leads.iter().map(|u| u.0)));
    }
    if !areas.is_empty() {
        sqlx::query(
            "INSERT INTO permission_profile_access (profile_id, area, level, team_leads) \
             SELECT $1, * FROM UNNEST($2::TEXT[], $3::TEXT[], $4::TEXT[])",
        )
        .bind(p.id.0)
        .bind(areas)
        .bind(levels)
        .bind(leads)
        .execute(&mut **tx)
        .await?;
    }
    let capabilities: Vec<&str> = p.capabilities.iter().map(|c| c.key()).collect();
    if !capabilities.is_empty() {
        sqlx::query(
            "INSERT INTO permission_profile_capabilities (profile_id, capability) \
             SELECT $1, * FROM UNNEST($2::TEXT[])",
        )
        .bind(p.id.0)
        .bind(capabilities)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn profile_of(r: &PgRow) -> Result<PermissionProfile> {
    let level: String = r.try_get("library_level")?;
    let folders: String = r.try_get("library_folders")?;
    Ok(PermissionProfile {
        id: ProfileId(r.try_get("id")?),
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        access: BTreeMap::new(),
        library: LibraryAccess {
            level: LibraryLevel::parse(&level).ok_or_else(|| corrupt("library level", &level))?,
            folders: ids_of(&folders, "library folders")?,
            manage_public_folder: r.try_get("library_manage_public_folder")?,
            manage_streams: r.try_get("library_manage_streams")?,
            manage_folder_calls: r.try_get("library_manage_folder_calls")?,
            share_folders_and_streams: r.try_get("library_share_folders_and_streams")?,
        },
        capabilities: Default::default(),
    })
}

fn access_of(r: &PgRow) -> Result<(AccessArea, Access)> {
    let area: String = r.try_get("area")?;
    Ok((
        AccessArea::parse(&area).ok_or_else(|| corrupt("access area", &area))?,
        access_from(r.try_get("level")?, r.try_get("team_leads")?)?,
    ))
}

pub(crate) async fn create_profile(
    db: &PgStore,
    p: &PermissionProfile,
    at: Timestamp,
) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO permission_profiles (id, workspace_id, name, description, library_level, \
         library_folders, library_manage_public_folder, library_manage_streams, \
         library_manage_folder_calls, library_share_folders_and_streams, created_us, \
         updated_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(p.id.0)
    .bind(p.workspace_id.0)
    .bind(&p.name)
    .bind(&p.description)
    .bind(p.library.level.key())
    .bind(id_list(p.library.folders.iter().copied()))
    .bind(p.library.manage_public_folder)
    .bind(p.library.manage_streams)
    .bind(p.library.manage_folder_calls)
    .bind(p.library.share_folders_and_streams)
    .bind(us(at))
    .execute(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            map_missing(e, || format!("workspace {}", p.workspace_id))
        }
        _ => map_unique(e, NAME_TAKEN),
    })?;
    write_parts(&mut tx, p).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn update_profile(
    db: &PgStore,
    p: &PermissionProfile,
    at: Timestamp,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE permission_profiles SET name = $1, description = $2, library_level = $3, \
         library_folders = $4, library_manage_public_folder = $5, library_manage_streams = $6, \
         library_manage_folder_calls = $7, library_share_folders_and_streams = $8, \
         updated_us = $9 WHERE id = $10 AND workspace_id = $11",
    )
    .bind(&p.name)
    .bind(&p.description)
    .bind(p.library.level.key())
    .bind(id_list(p.library.folders.iter().copied()))
    .bind(p.library.manage_public_folder)
    .bind(p.library.manage_streams)
    .bind(p.library.manage_folder_calls)
    .bind(p.library.share_folders_and_streams)
    .bind(us(at))
    .bind(p.id.0)
    .bind(p.workspace_id.0)
    .execute(&mut *tx)
    .await
    .map_err(|e| map_unique(e, NAME_TAKEN))?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("permission profile {}", p.id)));
    }
    write_parts(&mut tx, p).await?;
    tx.commit().await?;
    Ok(())
}

/// Profiles with their access and capabilities, in the order of `rows`. One read per
/// part for all of them, in one transaction so that the parts are of the same version
/// of each profile as its row.
async fn profiles_complete(tx: &mut Tx, rows: Vec<PgRow>) -> Result<Vec<PermissionProfile>> {
    let mut out = rows.iter().map(profile_of).collect::<Result<Vec<_>>>()?;
    if out.is_empty() {
        return Ok(out);
    }
    let ids: Vec<i64> = out.iter().map(|p| p.id.0).collect();
    let at: HashMap<i64, usize> = ids.iter().enumerate().map(|(n, id)| (*id, n)).collect();
    for a in sqlx::query(
        "SELECT profile_id, area, level, team_leads FROM permission_profile_access \
         WHERE profile_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await?
    {
        let (area, access) = access_of(&a)?;
        if let Some(&n) = at.get(&a.try_get::<i64, _>("profile_id")?) {
            out[n].access.insert(area, access);
        }
    }
    for c in sqlx::query(
        "SELECT profile_id, capability FROM permission_profile_capabilities \
         WHERE profile_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await?
    {
        let key: String = c.try_get("capability")?;
        let capability = Capability::parse(&key).ok_or_else(|| corrupt("capability", &key))?;
        if let Some(&n) = at.get(&c.try_get::<i64, _>("profile_id")?) {
            out[n].capabilities.insert(capability);
        }
    }
    Ok(out)
}

/// A read-only transaction at REPEATABLE READ: one snapshot for a profile's row and parts.
async fn snapshot(db: &PgStore) -> Result<Tx> {
    let mut tx = db.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

pub(crate) async fn profile(db: &PgStore, id: ProfileId) -> Result<Option<PermissionProfile>> {
    let mut tx = snapshot(db).await?;
    let rows = sqlx::query("SELECT * FROM permission_profiles WHERE id = $1")
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
    let out = profiles_complete(&mut tx, rows).await?.pop();
    tx.commit().await?;
    Ok(out)
}

pub(crate) async fn profiles_in(
    db: &PgStore,
    w: WorkspaceId,
    limit: u32,
) -> Result<Vec<PermissionProfile>> {
    let mut tx = snapshot(db).await?;
    // The column's "C" collation: byte order, as SQLite's BINARY sorts names.
    let rows = sqlx::query(
        "SELECT * FROM permission_profiles WHERE workspace_id = $1 \
         ORDER BY name, id LIMIT $2",
    )
    .bind(w.0)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await?;
    let out = profiles_complete(&mut tx, rows).await?;
    tx.commit().await?;
    Ok(out)
}

pub(crate) async fn count_profiles(db: &PgStore, w: WorkspaceId) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM permission_profiles WHERE workspace_id = $1")
            .bind(w.0)
            .fetch_one(&db.pool)
            .await?,
    )
}

pub(crate) async fn set_user_profile(
    db: &PgStore,
    user: UserId,
    workspace: WorkspaceId,
    profile: Option<ProfileId>,
    at: Timestamp,
) -> Result<()> {
    let Some(profile) = profile else {
        sqlx::query("DELETE FROM user_profiles WHERE user_id = $1 AND workspace_id = $2")
            .bind(user.0)
            .bind(workspace.0)
            .execute(&db.pool)
            .await?;
        return Ok(());
    };
    // One statement: the profile is checked to be of the workspace where it is read, and
    // the foreign key on `profile_id` holds it (KEY SHARE) until the row is written.
    let done = sqlx::query(
        "INSERT INTO user_profiles (user_id, workspace_id, profile_id, updated_us) \
         SELECT $1, workspace_id, id, $4 FROM permission_profiles \
         WHERE id = $3 AND workspace_id = $2 \
         ON CONFLICT (user_id, workspace_id) DO UPDATE SET \
         profile_id = EXCLUDED.profile_id, updated_us = EXCLUDED.updated_us",
    )
    .bind(user.0)
    .bind(workspace.0)
    .bind(profile.0)
    .bind(us(at))
    .execute(&db.pool)
    .await
    .map_err(|e| map_missing(e, || format!("user {user}")))?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!(
            "permission profile {profile} in workspace {workspace}"
        )));
    }
    Ok(())
}

pub(crate) async fn profile_users(
    db: &PgStore,
    id: ProfileId,
    after: Option<UserId>,
    limit: u32,
) -> Result<Vec<UserId>> {
    let rows: Vec<i64> = sqlx::query_scalar(
        "SELECT user_id FROM user_profiles WHERE profile_id = $1 AND user_id > $2 \
         ORDER BY user_id LIMIT $3",
    )
    .bind(id.0)
    .bind(after.map_or(i64::MIN, |u| u.0))
    .bind(i64::from(limit))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(UserId).collect())
}

pub(crate) async fn manager_edges(db: &PgStore) -> Result<Vec<(UserId, Option<UserId>)>> {
    let rows: Vec<(i64, Option<i64>)> = sqlx::query_as("SELECT id, manager_id FROM users")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(u, m)| (UserId(u), m.map(UserId)))
        .collect())
}

pub(crate) async fn user_call_access(
    db: &PgStore,
    user: UserId,
) -> Result<Vec<(WorkspaceId, Access)>> {
    let rows = sqlx::query(
        "SELECT up.workspace_id, a.level, a.team_leads FROM user_profiles up \
         LEFT JOIN permission_profile_access a \
           ON a.profile_id = up.profile_id AND a.area = $1 \
         WHERE up.user_id = $2 ORDER BY up.workspace_id",
    )
    .bind(AccessArea::Calls.key())
    .bind(user.0)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let w = WorkspaceId(r.try_get("workspace_id")?);
            // No access row: the profile gives no call access.
            let level: Option<&str> = r.try_get("level")?;
            let access = match level {
                None => Access::NONE,
                Some(level) => access_from(level, r.try_get("team_leads")?)?,
            };
            Ok((w, access))
        })
        .collect()
}

pub(crate) async fn capability_workspaces(
    db: &PgStore,
    user: UserId,
    capability: Capability,
) -> Result<Vec<WorkspaceId>> {
    let rows: Vec<i64> = sqlx::query_scalar(
        "SELECT up.workspace_id FROM user_profiles up \
         JOIN permission_profile_capabilities c \
           ON c.profile_id = up.profile_id AND c.capability = $1 \
         WHERE up.user_id = $2 ORDER BY up.workspace_id",
    )
    .bind(capability.key())
    .bind(user.0)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(WorkspaceId).collect())
}

//! Permission profiles on SQLite (migration 0014): a profile row, one row per area with
//! access, one per capability that is on, and users' assignments per workspace.

use std::collections::BTreeMap;

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use parley_domain::{
    Access, AccessArea, AccessLevel, Capability, LibraryAccess, LibraryLevel, PermissionProfile,
    ProfileId, Timestamp, UserId, WorkspaceId,
};

use crate::SqliteStore;
use parley_store::codec::{access_from, corrupt, id_list, ids_of};
use parley_store::codec::{map_missing, map_unique, us};
use parley_store::{Result, StoreError};

const NAME_TAKEN: &str = "a permission profile of that name exists in this workspace";

/// Writes everything but the profile row itself (access, capabilities), replacing any.
async fn write_parts(tx: &mut Transaction<'static, Sqlite>, p: &PermissionProfile) -> Result<()> {
    sqlx::query("DELETE FROM permission_profile_access WHERE profile_id = ?")
        .bind(p.id.0)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM permission_profile_capabilities WHERE profile_id = ?")
        .bind(p.id.0)
        .execute(&mut **tx)
        .await?;
    for (area, access) in &p.access {
        if access.level == AccessLevel::None {
            continue;
        }
        sqlx::query(
            "INSERT INTO permission_profile_access (profile_id, area, level, team_leads) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(p.id.0)
        .bind(area.key())
        .bind(access.level.key())
        .bind(id_list(access.team_leads.iter().map(|u| u.0)))
        .execute(&mut **tx)
        .await?;
    }
    for c in &p.capabilities {
        sqlx::query(
            "INSERT INTO permission_profile_capabilities (profile_id, capability) VALUES (?, ?)",
        )
        .bind(p.id.0)
        .bind(c.key())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn profile_of(r: &SqliteRow) -> Result<PermissionProfile> {
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

fn access_of(r: &SqliteRow) -> Result<(AccessArea, Access)> {
    let area: String = r.try_get("area")?;
    Ok((
        AccessArea::parse(&area).ok_or_else(|| corrupt("access area", &area))?,
        access_from(r.try_get("level")?, r.try_get("team_leads")?)?,
    ))
}

impl SqliteStore {
    pub(super) async fn profile_create(&self, p: &PermissionProfile, at: Timestamp) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO permission_profiles (id, workspace_id, name, description, library_level, \
             library_folders, library_manage_public_folder, library_manage_streams, \
             library_manage_folder_calls, library_share_folders_and_streams, created_us, \
             updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    pub(super) async fn profile_update(&self, p: &PermissionProfile, at: Timestamp) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE permission_profiles SET name = ?, description = ?, library_level = ?, \
             library_folders = ?, library_manage_public_folder = ?, library_manage_streams = ?, \
             library_manage_folder_calls = ?, library_share_folders_and_streams = ?, \
             updated_us = ? WHERE id = ? AND workspace_id = ?",
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

    /// Profiles with their access and capabilities, in the order of `rows`.
    async fn profiles_complete(&self, rows: Vec<SqliteRow>) -> Result<Vec<PermissionProfile>> {
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut p = profile_of(r)?;
            for a in sqlx::query(
                "SELECT area, level, team_leads FROM permission_profile_access WHERE profile_id = ?",
            )
            .bind(p.id.0)
            .fetch_all(&self.pool)
            .await?
            {
                let (area, access) = access_of(&a)?;
                p.access.insert(area, access);
            }
            for c in sqlx::query(
                "SELECT capability FROM permission_profile_capabilities WHERE profile_id = ?",
            )
            .bind(p.id.0)
            .fetch_all(&self.pool)
            .await?
            {
                let key: String = c.try_get("capability")?;
                p.capabilities
                    .insert(Capability::parse(&key).ok_or_else(|| corrupt("capability", &key))?);
            }
            out.push(p);
        }
        Ok(out)
    }

    pub(super) async fn profile_get(&self, id: ProfileId) -> Result<Option<PermissionProfile>> {
        let rows = sqlx::query("SELECT * FROM permission_profiles WHERE id = ?")
            .bind(id.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(self.profiles_complete(rows).await?.pop())
    }

    pub(super) async fn profiles_list(
        &self,
        w: WorkspaceId,
        limit: u32,
    ) -> Result<Vec<PermissionProfile>> {
        let rows = sqlx::query(
            "SELECT * FROM permission_profiles WHERE workspace_id = ? ORDER BY name, id LIMIT ?",
        )
        .bind(w.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        self.profiles_complete(rows).await
    }

    pub(super) async fn profiles_count(&self, w: WorkspaceId) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM permission_profiles WHERE workspace_id = ?")
                .bind(w.0)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub(super) async fn user_profile_set(
        &self,
        user: UserId,
        workspace: WorkspaceId,
        profile: Option<ProfileId>,
        at: Timestamp,
    ) -> Result<()> {
        let Some(profile) = profile else {
            sqlx::query("DELETE FROM user_profiles WHERE user_id = ? AND workspace_id = ?")
                .bind(user.0)
                .bind(workspace.0)
                .execute(&self.pool)
                .await?;
            return Ok(());
        };
        let mut tx = self.write_tx().await?;
        let of: Option<i64> =
            sqlx::query_scalar("SELECT workspace_id FROM permission_profiles WHERE id = ?")
                .bind(profile.0)
                .fetch_optional(&mut *tx)
                .await?;
        if of != Some(workspace.0) {
            return Err(StoreError::NotFound(format!(
                "permission profile {profile} in workspace {workspace}"
            )));
        }
        sqlx::query(
            "INSERT INTO user_profiles (user_id, workspace_id, profile_id, updated_us) \
             VALUES (?, ?, ?, ?) ON CONFLICT (user_id, workspace_id) DO UPDATE SET \
             profile_id = excluded.profile_id, updated_us = excluded.updated_us",
        )
        .bind(user.0)
        .bind(workspace.0)
        .bind(profile.0)
        .bind(us(at))
        .execute(&mut *tx)
        .await
        .map_err(|e| map_missing(e, || format!("user {user}")))?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn profile_users_list(
        &self,
        id: ProfileId,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<UserId>> {
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM user_profiles WHERE profile_id = ? AND user_id > ? \
             ORDER BY user_id LIMIT ?",
        )
        .bind(id.0)
        .bind(after.map_or(i64::MIN, |u| u.0))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(UserId).collect())
    }

    pub(super) async fn user_call_access_of(
        &self,
        user: UserId,
    ) -> Result<Vec<(WorkspaceId, Access)>> {
        let rows = sqlx::query(
            "SELECT up.workspace_id, a.level, a.team_leads FROM user_profiles up \
             LEFT JOIN permission_profile_access a \
               ON a.profile_id = up.profile_id AND a.area = ? \
             WHERE up.user_id = ? ORDER BY up.workspace_id",
        )
        .bind(AccessArea::Calls.key())
        .bind(user.0)
        .fetch_all(&self.pool)
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

    pub(super) async fn capability_workspaces_of(
        &self,
        user: UserId,
        capability: Capability,
    ) -> Result<Vec<WorkspaceId>> {
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT up.workspace_id FROM user_profiles up \
             JOIN permission_profile_capabilities c \
               ON c.profile_id = up.profile_id AND c.capability = ? \
             WHERE up.user_id = ? ORDER BY up.workspace_id",
        )
        .bind(capability.key())
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(WorkspaceId).collect())
    }
}

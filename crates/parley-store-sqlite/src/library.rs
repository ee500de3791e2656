//! The library, meetings and engagement events on SQLite (migration 0018).

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use parley_domain::engagement::{CrmRef, EngagementEvent, EngagementFilter, EngagementKind};
use parley_domain::library::{Folder, FolderItem, Snippet};
use parley_domain::meeting::{normalize_url, Invitee, Meeting};
use parley_domain::{
    CallId, EngagementId, FolderId, FolderItemId, MeetingId, Timestamp, UserId, WorkspaceId,
};
use parley_store::codec::{corrupt, from_json, map_missing, map_unique, to_json, ts, us};
use parley_store::{
    EngagementKey, EngagementStore, FolderDeletion, LibraryStore, MeetingFilter, MeetingKey,
    MeetingStore, Result, StoreError,
};

use crate::{push_ids, SqliteStore};

const FOLDER_COLUMNS: &str =
    "id, workspace_id, parent_id, name, is_public, created_by, created_us, updated_us";
const ITEM_COLUMNS: &str = "id, folder_id, call_id, note, from_s, to_s, added_by, added_us";
/// The conditions of the meetings `f` selects after `after`.
fn push_meeting_filter(
    q: &mut QueryBuilder<'_, Sqlite>,
    f: &MeetingFilter,
    after: Option<MeetingKey>,
) {
    q.push(" FROM meetings WHERE workspace_id = ")
        .push_bind(f.workspace_id.0);
    if let Some(from) = f.from {
        q.push(" AND start_us >= ").push_bind(us(from));
    }
    if let Some(to) = f.to {
        q.push(" AND start_us < ").push_bind(us(to));
    }
    if let Some(v) = &f.seen_by {
        q.push(" AND (organizer_id IN ");
        push_ids(q, v.organizers.iter().map(|u| u.0));
        q.push(" OR id IN (SELECT meeting_id FROM meeting_invitees WHERE lower(email) = lower(")
            .push_bind(v.email.clone())
            .push(")))");
    }
    if let Some(k) = after {
        q.push(" AND (start_us > ")
            .push_bind(k.start_us)
            .push(" OR (start_us = ")
            .push_bind(k.start_us)
            .push(" AND id > ")
            .push_bind(k.id)
            .push("))");
    }
}

const MEETING_COLUMNS: &str = "id, workspace_id, organizer_id, title, start_us, end_us, \
     external_id, url, call_id, created_us, updated_us";
const EVENT_COLUMNS: &str = "id, kind, workspace_id, source, event_id, at_us, title, url, \
     action, person_email, detail, recorded_us";

fn folder_of(r: &SqliteRow) -> Result<Folder> {
    Ok(Folder {
        id: FolderId(r.try_get("id")?),
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        parent_id: r.try_get::<Option<i64>, _>("parent_id")?.map(FolderId),
        name: r.try_get("name")?,
        public: r.try_get("is_public")?,
        created_by: r.try_get::<Option<i64>, _>("created_by")?.map(UserId),
        created: ts(r.try_get("created_us")?)?,
        updated: ts(r.try_get("updated_us")?)?,
    })
}

fn item_of(r: &SqliteRow) -> Result<FolderItem> {
    let from: Option<i64> = r.try_get("from_s")?;
    let to: Option<i64> = r.try_get("to_s")?;
    Ok(FolderItem {
        id: FolderItemId(r.try_get("id")?),
        folder_id: FolderId(r.try_get("folder_id")?),
        call_id: CallId(r.try_get("call_id")?),
        note: r.try_get("note")?,
        snippet: match (from, to) {
            (Some(from_s), Some(to_s)) => Some(Snippet { from_s, to_s }),
            _ => None,
        },
        added_by: r.try_get::<Option<i64>, _>("added_by")?.map(UserId),
        added: ts(r.try_get("added_us")?)?,
    })
}

fn meeting_of(r: &SqliteRow) -> Result<Meeting> {
    Ok(Meeting {
        id: MeetingId(r.try_get("id")?),
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        organizer: UserId(r.try_get("organizer_id")?),
        title: r.try_get("title")?,
        start: ts(r.try_get("start_us")?)?,
        end: ts(r.try_get("end_us")?)?,
        invitees: Vec::new(),
        external_id: r.try_get("external_id")?,
        url: r.try_get("url")?,
        call_id: r.try_get::<Option<i64>, _>("call_id")?.map(CallId),
        created: ts(r.try_get("created_us")?)?,
        updated: ts(r.try_get("updated_us")?)?,
    })
}

fn event_of(r: &SqliteRow) -> Result<EngagementEvent> {
    let kind: String = r.try_get("kind")?;
    let detail: String = r.try_get("detail")?;
    Ok(EngagementEvent {
        id: EngagementId(r.try_get("id")?),
        kind: EngagementKind::from_key(&kind).ok_or_else(|| corrupt("engagement kind", &kind))?,
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        source: r.try_get("source")?,
        event_id: r.try_get("event_id")?,
        at: ts(r.try_get("at_us")?)?,
        title: r.try_get("title")?,
        url: r.try_get("url")?,
        action: r.try_get("action")?,
        person_email: r.try_get("person_email")?,
        objects: Vec::new(),
        detail: from_json(&detail, "engagement detail")?,
        recorded: ts(r.try_get("recorded_us")?)?,
    })
}

impl SqliteStore {
    /// Fills in the invitees of `meetings`.
    async fn with_invitees(&self, mut meetings: Vec<Meeting>) -> Result<Vec<Meeting>> {
        if meetings.is_empty() {
            return Ok(meetings);
        }
        let ids: Vec<i64> = meetings.iter().map(|m| m.id.0).collect();
        let rows = sqlx::query(
            "SELECT meeting_id, email, display_name, first_name, last_name \
             FROM meeting_invitees WHERE meeting_id IN (SELECT value FROM json_each(?)) \
             ORDER BY meeting_id, ord",
        )
        .bind(to_json(&ids))
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let id: i64 = r.try_get("meeting_id")?;
            if let Some(m) = meetings.iter_mut().find(|m| m.id.0 == id) {
                m.invitees.push(Invitee {
                    email: r.try_get("email")?,
                    display_name: r.try_get("display_name")?,
                    first_name: r.try_get("first_name")?,
                    last_name: r.try_get("last_name")?,
                });
            }
        }
        Ok(meetings)
    }

    async fn write_invitees(
        tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
        m: &Meeting,
    ) -> Result<()> {
        sqlx::query("DELETE FROM meeting_invitees WHERE meeting_id = ?")
            .bind(m.id.0)
            .execute(&mut **tx)
            .await?;
        for (ord, inv) in m.invitees.iter().enumerate() {
            sqlx::query(
                "INSERT INTO meeting_invitees \
                 (meeting_id, ord, email, display_name, first_name, last_name) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(m.id.0)
            .bind(ord as i64)
            .bind(&inv.email)
            .bind(&inv.display_name)
            .bind(&inv.first_name)
            .bind(&inv.last_name)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Fills in the CRM objects of `events`.
    async fn with_objects(&self, mut events: Vec<EngagementEvent>) -> Result<Vec<EngagementEvent>> {
        if events.is_empty() {
            return Ok(events);
        }
        let ids: Vec<i64> = events.iter().map(|e| e.id.0).collect();
        let rows = sqlx::query(
            "SELECT event_id, system, object_type, object_id FROM engagement_objects \
             WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY event_id, ord",
        )
        .bind(to_json(&ids))
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let id: i64 = r.try_get("event_id")?;
            if let Some(e) = events.iter_mut().find(|e| e.id.0 == id) {
                e.objects.push(CrmRef {
                    system: r.try_get("system")?,
                    object_type: r.try_get("object_type")?,
                    object_id: r.try_get("object_id")?,
                });
            }
        }
        Ok(events)
    }
}

/// The WHERE clause of an engagement filter and its binds, in order.
fn engagement_where(f: &EngagementFilter) -> (String, Vec<Bind>) {
    let mut conds = vec!["1 = 1".to_owned()];
    let mut binds = Vec::new();
    if let Some(w) = f.workspace_id {
        conds.push("e.workspace_id = ?".into());
        binds.push(Bind::Int(w.0));
    }
    if let Some((ty, id)) = &f.object {
        conds.push(
            "EXISTS (SELECT 1 FROM engagement_objects o WHERE o.event_id = e.id \
             AND o.object_id = ? AND lower(o.object_type) = lower(?))"
                .into(),
        );
        binds.push(Bind::Text(id.clone()));
        binds.push(Bind::Text(ty.clone()));
    }
    if let Some(email) = &f.person_email {
        conds.push("e.person_email = ?".into());
        binds.push(Bind::Text(email.to_lowercase()));
    }
    if let Some(from) = f.from {
        conds.push("e.at_us >= ?".into());
        binds.push(Bind::Int(us(from)));
    }
    if let Some(to) = f.to {
        conds.push("e.at_us < ?".into());
        binds.push(Bind::Int(us(to)));
    }
    (conds.join(" AND "), binds)
}

enum Bind {
    Int(i64),
    Text(String),
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for b in binds {
        q = match b {
            Bind::Int(i) => q.bind(*i),
            Bind::Text(s) => q.bind(s.as_str()),
        };
    }
    q
}

#[async_trait]
impl LibraryStore for SqliteStore {
    async fn create_folder(&self, f: &Folder) -> Result<()> {
        let mut tx = self.write_tx().await?;
        if let Some(parent) = f.parent_id {
            let ws: Option<i64> =
                sqlx::query_scalar("SELECT workspace_id FROM library_folders WHERE id = ?")
                    .bind(parent.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if ws != Some(f.workspace_id.0) {
                return Err(StoreError::NotFound(format!("folder {parent}")));
            }
        }
        sqlx::query(&format!(
            "INSERT INTO library_folders ({FOLDER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(f.id.0)
        .bind(f.workspace_id.0)
        .bind(f.parent_id.map(|p| p.0))
        .bind(&f.name)
        .bind(f.public)
        .bind(f.created_by.map(|u| u.0))
        .bind(us(f.created))
        .bind(us(f.updated))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            map_missing(e, || {
                format!("workspace {} or user of folder {}", f.workspace_id, f.id)
            })
        })?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_folder(&self, id: FolderId) -> Result<Option<Folder>> {
        sqlx::query(&format!(
            "SELECT {FOLDER_COLUMNS} FROM library_folders WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(folder_of)
        .transpose()
    }

    async fn folders_in(&self, workspace: WorkspaceId) -> Result<Vec<Folder>> {
        sqlx::query(&format!(
            "SELECT {FOLDER_COLUMNS} FROM library_folders WHERE workspace_id = ? \
             ORDER BY name, id"
        ))
        .bind(workspace.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(folder_of)
        .collect()
    }

    async fn update_folder(
        &self,
        id: FolderId,
        name: &str,
        public: bool,
        at: Timestamp,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE library_folders SET name = ?, is_public = ?, updated_us = ? WHERE id = ?",
        )
        .bind(name)
        .bind(public)
        .bind(us(at))
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_folder(
        &self,
        id: FolderId,
        may_delete: &(dyn for<'f> Fn(&'f Folder) -> bool + Send + Sync),
    ) -> Result<FolderDeletion> {
        // BEGIN IMMEDIATE: no folder is added under these or changed between the check
        // and the delete.
        let mut tx = self.write_tx().await?;
        let rows = sqlx::query(&format!(
            "WITH RECURSIVE tree(id) AS (SELECT id FROM library_folders WHERE id = ? \
             UNION SELECT f.id FROM library_folders f JOIN tree t ON f.parent_id = t.id) \
             SELECT {FOLDER_COLUMNS} FROM library_folders WHERE id IN (SELECT id FROM tree) \
             ORDER BY id"
        ))
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        let tree = rows.iter().map(folder_of).collect::<Result<Vec<_>>>()?;
        if tree.is_empty() {
            return Ok(FolderDeletion::NotFound);
        }
        if let Some(refused) = tree.into_iter().find(|f| !may_delete(f)) {
            return Ok(FolderDeletion::Refused(refused));
        }
        // The folders inside go with it (ON DELETE CASCADE).
        sqlx::query("DELETE FROM library_folders WHERE id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(FolderDeletion::Deleted)
    }

    async fn add_folder_item(&self, item: &FolderItem) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(&format!(
            "INSERT INTO library_items ({ITEM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(item.id.0)
        .bind(item.folder_id.0)
        .bind(item.call_id.0)
        .bind(&item.note)
        .bind(item.snippet.map(|s| s.from_s))
        .bind(item.snippet.map(|s| s.to_s))
        .bind(item.added_by.map(|u| u.0))
        .bind(us(item.added))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            map_missing(e, || {
                format!("folder {} or call {}", item.folder_id, item.call_id)
            })
        })?;
        sqlx::query("UPDATE library_folders SET updated_us = max(updated_us, ?) WHERE id = ?")
            .bind(us(item.added))
            .bind(item.folder_id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_folder_item(
        &self,
        folder: FolderId,
        item: FolderItemId,
        at: Timestamp,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM library_items WHERE id = ? AND folder_id = ?")
            .bind(item.0)
            .bind(folder.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() > 0 {
            sqlx::query("UPDATE library_folders SET updated_us = max(updated_us, ?) WHERE id = ?")
                .bind(us(at))
                .bind(folder.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn folder_items(&self, folder: FolderId) -> Result<Vec<FolderItem>> {
        sqlx::query(&format!(
            "SELECT {ITEM_COLUMNS} FROM library_items WHERE folder_id = ? \
             ORDER BY added_us, id"
        ))
        .bind(folder.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(item_of)
        .collect()
    }
}

#[async_trait]
impl MeetingStore for SqliteStore {
    async fn create_meeting(&self, m: &Meeting) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO meetings (id, workspace_id, organizer_id, title, start_us, end_us, \
             external_id, url, url_key, call_id, created_us, updated_us) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(m.id.0)
        .bind(m.workspace_id.0)
        .bind(m.organizer.0)
        .bind(&m.title)
        .bind(us(m.start))
        .bind(us(m.end))
        .bind(&m.external_id)
        .bind(&m.url)
        .bind(normalize_url(&m.url))
        .bind(m.call_id.map(|c| c.0))
        .bind(us(m.created))
        .bind(us(m.updated))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            map_missing(e, || {
                format!("workspace {} or organizer {}", m.workspace_id, m.organizer)
            })
        })?;
        Self::write_invitees(&mut tx, m).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_meeting(&self, id: MeetingId) -> Result<Option<Meeting>> {
        let row = sqlx::query(&format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(self.with_invitees(vec![meeting_of(&row)?]).await?.pop())
    }

    async fn update_meeting(&self, m: &Meeting) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE meetings SET organizer_id = ?, title = ?, start_us = ?, end_us = ?, \
             external_id = ?, updated_us = ? WHERE id = ?",
        )
        .bind(m.organizer.0)
        .bind(&m.title)
        .bind(us(m.start))
        .bind(us(m.end))
        .bind(&m.external_id)
        .bind(us(m.updated))
        .bind(m.id.0)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_missing(e, || format!("organizer {}", m.organizer)))?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        Self::write_invitees(&mut tx, m).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn delete_meeting(&self, id: MeetingId) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM meetings WHERE id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn meetings_in(
        &self,
        f: &MeetingFilter,
        after: Option<MeetingKey>,
        limit: u32,
    ) -> Result<Vec<Meeting>> {
        let mut q = QueryBuilder::<Sqlite>::new(format!("SELECT {MEETING_COLUMNS}"));
        push_meeting_filter(&mut q, f, after);
        q.push(" ORDER BY start_us, id LIMIT ")
            .push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.pool).await?;
        let meetings = rows.iter().map(meeting_of).collect::<Result<Vec<_>>>()?;
        self.with_invitees(meetings).await
    }

    async fn count_meetings(&self, f: &MeetingFilter) -> Result<i64> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT COUNT(*)");
        push_meeting_filter(&mut q, f, None);
        Ok(q.build_query_scalar().fetch_one(&self.pool).await?)
    }

    async fn meeting_candidates(
        &self,
        workspace: WorkspaceId,
        url: Option<&str>,
        organizer: UserId,
        start: Option<Timestamp>,
    ) -> Result<Vec<Meeting>> {
        let rows = sqlx::query(&format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE workspace_id = ? AND call_id IS NULL \
             AND (url_key = ? OR (organizer_id = ? AND start_us = ?)) \
             ORDER BY start_us, id LIMIT 100"
        ))
        .bind(workspace.0)
        .bind(url)
        .bind(organizer.0)
        .bind(start.map(us))
        .fetch_all(&self.pool)
        .await?;
        let meetings = rows.iter().map(meeting_of).collect::<Result<Vec<_>>>()?;
        self.with_invitees(meetings).await
    }

    async fn link_meeting(&self, id: MeetingId, call: CallId) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("UPDATE meetings SET call_id = ? WHERE id = ? AND call_id IS NULL")
            .bind(call.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(|e| map_missing(e, || format!("call {call}")))?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }
}

#[async_trait]
impl EngagementStore for SqliteStore {
    async fn record_engagement(&self, e: &EngagementEvent) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(&format!(
            "INSERT INTO engagement_events ({EVENT_COLUMNS}) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(e.id.0)
        .bind(e.kind.key())
        .bind(e.workspace_id.0)
        .bind(&e.source)
        .bind(&e.event_id)
        .bind(us(e.at))
        .bind(&e.title)
        .bind(&e.url)
        .bind(&e.action)
        .bind(e.person_email.as_ref().map(|p| p.to_lowercase()))
        .bind(to_json(&e.detail))
        .bind(us(e.recorded))
        .execute(&mut *tx)
        .await
        .map_err(|err| match &err {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                map_missing(err, || format!("workspace {}", e.workspace_id))
            }
            _ => map_unique(err, "event was already reported"),
        })?;
        for (ord, o) in e.objects.iter().enumerate() {
            sqlx::query(
                "INSERT INTO engagement_objects (event_id, ord, system, object_type, object_id) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(e.id.0)
            .bind(ord as i64)
            .bind(&o.system)
            .bind(&o.object_type)
            .bind(&o.object_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_engagement(&self, id: EngagementId) -> Result<Option<EngagementEvent>> {
        let row = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM engagement_events WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(self.with_objects(vec![event_of(&row)?]).await?.pop())
    }

    async fn engagement_events(
        &self,
        f: &EngagementFilter,
        after: Option<EngagementKey>,
        limit: u32,
    ) -> Result<Vec<EngagementEvent>> {
        let (mut cond, mut binds) = engagement_where(f);
        if let Some(k) = after {
            cond.push_str(" AND (e.at_us < ? OR (e.at_us = ? AND e.id < ?))");
            binds.extend([Bind::Int(k.at_us), Bind::Int(k.at_us), Bind::Int(k.id)]);
        }
        let cols = EVENT_COLUMNS
            .split(", ")
            .map(|c| format!("e.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols} FROM engagement_events e WHERE {cond} \
             ORDER BY e.at_us DESC, e.id DESC LIMIT ?"
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        let events = rows.iter().map(event_of).collect::<Result<Vec<_>>>()?;
        self.with_objects(events).await
    }

    async fn count_engagement(&self, f: &EngagementFilter) -> Result<i64> {
        let (cond, binds) = engagement_where(f);
        let sql = format!("SELECT count(*) FROM engagement_events e WHERE {cond}");
        let row = bind_all(sqlx::query(&sql), &binds)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }
}

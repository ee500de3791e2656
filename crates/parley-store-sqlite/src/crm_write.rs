//! CRM write-back on SQLite (migration 0027): connectors and the record of writes. Every
//! write is one `BEGIN IMMEDIATE` transaction.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use parley_domain::crm_write::{CrmConnector, CrmWrite};
use parley_domain::{CallId, CrmObjectType, Job, JobLease, Timestamp, WorkspaceId};
use parley_store::codec::{map_missing, map_unique, ts, us};
use parley_store::crm::{fields_json, fields_of, link_type};
use parley_store::crm_write::{
    action_json, action_of, connector_kind_of, settings_json, settings_of, write_state_of,
    CONNECTOR_NAME_TAKEN,
};
use parley_store::{CrmWriteStore, NewJob, Result};

use crate::SqliteStore;

fn connector_of(r: &SqliteRow) -> Result<CrmConnector> {
    Ok(CrmConnector {
        id: r.try_get("id")?,
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        name: r.try_get("name")?,
        kind: connector_kind_of(r.try_get("kind")?)?,
        settings: settings_of(r.try_get("settings")?)?,
        secret: r.try_get("secret")?,
        created: ts(r.try_get("created_us")?)?,
        updated: ts(r.try_get("updated_us")?)?,
    })
}

fn write_of(r: &SqliteRow) -> Result<CrmWrite> {
    Ok(CrmWrite {
        id: r.try_get("id")?,
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        call_id: CallId(r.try_get("call_id")?),
        action: action_of(r.try_get("action")?)?,
        object_id: r.try_get("object_id")?,
        state: write_state_of(r.try_get("state")?)?,
        attempts: r.try_get::<i64, _>("attempts")?.max(0) as u32,
        value: r.try_get("value")?,
        previous: r.try_get("previous")?,
        outcome: r.try_get("outcome")?,
        created: ts(r.try_get("created_us")?)?,
        updated: ts(r.try_get("updated_us")?)?,
    })
}

async fn update_in(tx: &mut sqlx::Transaction<'_, Sqlite>, w: &CrmWrite) -> Result<()> {
    sqlx::query(
        "UPDATE crm_writes SET object_id = ?, state = ?, attempts = ?, value = ?, previous = ?, \
         outcome = ?, updated_us = ? WHERE id = ?",
    )
    .bind(&w.object_id)
    .bind(w.state.key())
    .bind(i64::from(w.attempts))
    .bind(&w.value)
    .bind(&w.previous)
    .bind(&w.outcome)
    .bind(us(w.updated))
    .bind(w.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl CrmWriteStore for SqliteStore {
    async fn save_crm_connector(&self, c: &CrmConnector) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO crm_connectors (id, workspace_id, name, kind, settings, secret, created_us, updated_us) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET \
             workspace_id = excluded.workspace_id, name = excluded.name, kind = excluded.kind, \
             settings = excluded.settings, secret = excluded.secret, updated_us = excluded.updated_us",
        )
        .bind(c.id)
        .bind(c.workspace_id.0)
        .bind(&c.name)
        .bind(c.kind.key())
        .bind(settings_json(&c.settings))
        .bind(&c.secret)
        .bind(us(c.created))
        .bind(us(c.updated))
        .execute(&mut *tx)
        .await
        .map_err(|e| match map_unique(e, CONNECTOR_NAME_TAKEN) {
            parley_store::StoreError::Backend(e) => map_missing(e, || {
                format!("Workspace ID {} was not found", c.workspace_id)
            }),
            other => other,
        })?;
        tx.commit().await?;
        Ok(())
    }

    async fn crm_connector(&self, id: i64) -> Result<Option<CrmConnector>> {
        sqlx::query("SELECT * FROM crm_connectors WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(connector_of)
            .transpose()
    }

    async fn crm_connectors(
        &self,
        workspaces: Option<&[WorkspaceId]>,
    ) -> Result<Vec<CrmConnector>> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT * FROM crm_connectors");
        if let Some(ws) = workspaces {
            q.push(" WHERE workspace_id IN (SELECT value FROM json_each(")
                .push_bind(
                    serde_json::to_string(&ws.iter().map(|w| w.0).collect::<Vec<_>>())
                        .unwrap_or_default(),
                )
                .push("))");
        }
        q.push(" ORDER BY created_us, id");
        q.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(connector_of)
            .collect()
    }

    async fn delete_crm_connector(&self, id: i64) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let n = sqlx::query("DELETE FROM crm_connectors WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn create_crm_write(&self, w: &CrmWrite, job: &NewJob, now: Timestamp) -> Result<Job> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO crm_writes (id, workspace_id, call_id, action, object_id, state, attempts, value, \
             previous, outcome, created_us, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(w.id)
        .bind(w.workspace_id.0)
        .bind(w.call_id.0)
        .bind(action_json(&w.action))
        .bind(&w.object_id)
        .bind(w.state.key())
        .bind(i64::from(w.attempts))
        .bind(&w.value)
        .bind(&w.previous)
        .bind(&w.outcome)
        .bind(us(w.created))
        .bind(us(w.updated))
        .execute(&mut *tx)
        .await
        .map_err(|e| map_missing(e, || format!("Call ID {} was not found", w.call_id)))?;
        let job = crate::enqueue_in(&mut tx, job, job.live_states(), now).await?;
        tx.commit().await?;
        Ok(job)
    }

    async fn crm_write(&self, id: i64) -> Result<Option<CrmWrite>> {
        sqlx::query("SELECT * FROM crm_writes WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(write_of)
            .transpose()
    }

    async fn crm_writes_of_call(&self, call: CallId) -> Result<Vec<CrmWrite>> {
        sqlx::query("SELECT * FROM crm_writes WHERE call_id = ? ORDER BY created_us, id")
            .bind(call.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(write_of)
            .collect()
    }

    async fn update_crm_write(&self, w: &CrmWrite) -> Result<()> {
        let mut tx = self.write_tx().await?;
        update_in(&mut tx, w).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn finish_crm_write(&self, w: &CrmWrite, lease: JobLease, now: Timestamp) -> Result<()> {
        let mut tx = self.write_tx().await?;
        update_in(&mut tx, w).await?;
        crate::finish_leased(&mut tx, lease, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_crm_entity_field(
        &self,
        workspace: WorkspaceId,
        object_type: CrmObjectType,
        object_id: &str,
        field: &str,
        value: &serde_json::Value,
        now: Timestamp,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "SELECT e.integration_id, e.fields FROM crm_entities e JOIN crm_integrations i ON i.id = e.integration_id \
             WHERE i.workspace_id = ? AND e.object_type = ? AND e.object_id = ? AND NOT e.is_deleted",
        )
        .bind(workspace.0)
        .bind(object_type.key())
        .bind(object_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let integration: i64 = row.try_get("integration_id")?;
        let mut fields = fields_of(row.try_get("fields")?)?;
        fields.insert(field.to_owned(), value.clone());
        sqlx::query(
            "UPDATE crm_entities SET fields = ?, updated_us = ? \
             WHERE integration_id = ? AND object_type = ? AND object_id = ?",
        )
        .bind(fields_json(&fields))
        .bind(us(now))
        .bind(integration)
        .bind(object_type.key())
        .bind(object_id)
        .execute(&mut *tx)
        .await?;
        // Calls render uploaded fields through their generic links (see `finish_crm_upload`).
        if let Some(t) = link_type(object_type) {
            sqlx::query(
                "UPDATE calls SET version = version + 1 WHERE workspace_id = ? AND id IN \
                 (SELECT l.call_id FROM crm_links l JOIN crm_objects o ON o.pk = l.crm_pk \
                  WHERE o.system = 'generic' AND o.object_type = ? AND o.object_id = ?)",
            )
            .bind(workspace.0)
            .bind(t)
            .bind(object_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

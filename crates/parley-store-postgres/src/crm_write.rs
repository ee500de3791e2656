//! CRM write-back on PostgreSQL (migration 0013): connectors and the record of writes. Every
//! write is one transaction.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};

use parley_domain::crm_write::{CrmConnector, CrmWrite};
use parley_domain::{CallId, CrmObjectType, Job, JobLease, Timestamp, WorkspaceId};
use parley_store::codec::{map_missing, map_unique, ts, us};
use parley_store::crm::{fields_json, fields_of, link_type};
use parley_store::crm_write::{
    action_json, action_of, connector_kind_of, settings_json, settings_of, write_state_of,
    CONNECTOR_NAME_TAKEN,
};
use parley_store::{CrmWriteStore, NewJob, Result};

use crate::PgStore;

fn connector_of(r: &PgRow) -> Result<CrmConnector> {
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

fn write_of(r: &PgRow) -> Result<CrmWrite> {
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

async fn update_in(tx: &mut crate::Tx, w: &CrmWrite) -> Result<()> {
    sqlx::query(
        "UPDATE crm_writes SET object_id = $1, state = $2, attempts = $3, value = $4, previous = $5, \
         outcome = $6, updated_us = $7 WHERE id = $8",
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
impl CrmWriteStore for PgStore {
    async fn save_crm_connector(&self, c: &CrmConnector) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO crm_connectors (id, workspace_id, name, kind, settings, secret, created_us, updated_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET \
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
        sqlx::query("SELECT * FROM crm_connectors WHERE id = $1")
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
        let mut q = QueryBuilder::<Postgres>::new("SELECT * FROM crm_connectors");
        if let Some(ws) = workspaces {
            q.push(" WHERE workspace_id = ANY(")
                .push_bind(ws.iter().map(|w| w.0).collect::<Vec<i64>>())
                .push(")");
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
        let mut tx = self.begin().await?;
        let n = sqlx::query("DELETE FROM crm_connectors WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn create_crm_write(&self, w: &CrmWrite, job: &NewJob, now: Timestamp) -> Result<Job> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO crm_writes (id, workspace_id, call_id, action, object_id, state, attempts, value, \
             previous, outcome, created_us, updated_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
        let job = crate::jobs::enqueue_in(&mut tx, job, job.live_states(), now).await?;
        tx.commit().await?;
        Ok(job)
    }

    async fn crm_write(&self, id: i64) -> Result<Option<CrmWrite>> {
        sqlx::query("SELECT * FROM crm_writes WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(write_of)
            .transpose()
    }

    async fn crm_writes_of_call(&self, call: CallId) -> Result<Vec<CrmWrite>> {
        sqlx::query("SELECT * FROM crm_writes WHERE call_id = $1 ORDER BY created_us, id")
            .bind(call.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(write_of)
            .collect()
    }

    async fn update_crm_write(&self, w: &CrmWrite) -> Result<()> {
        let mut tx = self.begin().await?;
        update_in(&mut tx, w).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn finish_crm_write(&self, w: &CrmWrite, lease: JobLease, now: Timestamp) -> Result<()> {
        let mut tx = self.begin().await?;
        update_in(&mut tx, w).await?;
        crate::jobs::finish_leased(&mut tx, lease, now).await?;
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
        let mut tx = self.begin().await?;
        // Every writer of a call locks its row first, in id order (see `crm.rs`); the
        // calls linked to the object are bumped below.
        let t = link_type(object_type);
        if let Some(t) = t {
            sqlx::query(
                "SELECT 1 FROM calls WHERE workspace_id = $1 AND id IN \
                 (SELECT l.call_id FROM crm_links l JOIN crm_objects o ON o.pk = l.crm_pk \
                  WHERE o.system = 'generic' AND o.object_type = $2 AND o.object_id = $3) \
                 ORDER BY id FOR NO KEY UPDATE",
            )
            .bind(workspace.0)
            .bind(t)
            .bind(object_id)
            .fetch_all(&mut *tx)
            .await?;
        }
        let row = sqlx::query(
            "SELECT e.integration_id, e.fields FROM crm_entities e JOIN crm_integrations i ON i.id = e.integration_id \
             WHERE i.workspace_id = $1 AND e.object_type = $2 AND e.object_id = $3 AND NOT e.is_deleted \
             FOR UPDATE OF e",
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
            "UPDATE crm_entities SET fields = $1, updated_us = $2 \
             WHERE integration_id = $3 AND object_type = $4 AND object_id = $5",
        )
        .bind(fields_json(&fields))
        .bind(us(now))
        .bind(integration)
        .bind(object_type.key())
        .bind(object_id)
        .execute(&mut *tx)
        .await?;
        if let Some(t) = t {
            sqlx::query(
                "UPDATE calls SET version = version + 1 WHERE workspace_id = $1 AND id IN \
                 (SELECT l.call_id FROM crm_links l JOIN crm_objects o ON o.pk = l.crm_pk \
                  WHERE o.system = 'generic' AND o.object_type = $2 AND o.object_id = $3)",
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

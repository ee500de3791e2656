//! Per-user call grants, recordings by call, integration settings and Engage flows on
//! SQLite (migration 0020).

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use parley_domain::{
    CallId, CallMedia, Flow, FlowId, FlowInstance, FlowInstanceId, FlowInstanceStatus,
    FlowVisibility, IntegrationSetting, IntegrationType, Timestamp, UserId, WorkspaceId,
};
use parley_store::codec::{corrupt, map_missing, map_unique, ts, us};
use parley_store::{AccessStore, Placement, Result};

use crate::{call_media_of, push_ids, SqliteStore};

const FLOW_NAME_TAKEN: &str = "a flow of that name exists in this workspace";

fn flow_of(r: &SqliteRow) -> Result<Flow> {
    let visibility: String = r.try_get("visibility")?;
    Ok(Flow {
        id: FlowId(r.try_get("id")?),
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        name: r.try_get("name")?,
        owner_id: UserId(r.try_get("owner_id")?),
        visibility: FlowVisibility::from_key(&visibility)
            .ok_or_else(|| corrupt("flow visibility", &visibility))?,
        folder: r.try_get("folder")?,
        exclusive: r.try_get("exclusive")?,
        created: ts(r.try_get("created_us")?)?,
    })
}

fn instance_of(r: &SqliteRow) -> Result<FlowInstance> {
    let status: String = r.try_get("status")?;
    Ok(FlowInstance {
        id: FlowInstanceId(r.try_get("id")?),
        flow_id: FlowId(r.try_get("flow_id")?),
        crm_prospect_id: r.try_get("crm_prospect_id")?,
        owner_id: UserId(r.try_get("owner_id")?),
        status: FlowInstanceStatus::from_key(&status)
            .ok_or_else(|| corrupt("flow instance status", &status))?,
        created: ts(r.try_get("created_us")?)?,
    })
}

#[async_trait]
impl AccessStore for SqliteStore {
    async fn media_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, CallMedia>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new("SELECT * FROM call_media WHERE call_id IN ");
        push_ids(&mut q, ids.iter().map(|c| c.0));
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| call_media_of(r).map(|m| (m.call_id, m)))
            .collect()
    }

    async fn grant_calls(&self, grants: &[(CallId, UserId)], at: Timestamp) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for (call, user) in grants {
            sqlx::query(
                "INSERT INTO call_user_access (call_id, user_id, granted_us) VALUES (?, ?, ?) \
                 ON CONFLICT (call_id, user_id) DO NOTHING",
            )
            .bind(call.0)
            .bind(user.0)
            .bind(us(at))
            .execute(&mut *tx)
            .await
            .map_err(|e| map_missing(e, || format!("call {call} or user {user}")))?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn revoke_calls(&self, grants: &[(CallId, UserId)]) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for (call, user) in grants {
            sqlx::query("DELETE FROM call_user_access WHERE call_id = ? AND user_id = ?")
                .bind(call.0)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn call_grants(&self, ids: &[CallId]) -> Result<HashMap<CallId, Vec<UserId>>> {
        let mut out: HashMap<CallId, Vec<UserId>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT call_id, user_id FROM call_user_access WHERE call_id IN ",
        );
        push_ids(&mut q, ids.iter().map(|c| c.0));
        q.push(" ORDER BY call_id, user_id");
        for r in q.build().fetch_all(&self.pool).await? {
            out.entry(CallId(r.try_get("call_id")?))
                .or_default()
                .push(UserId(r.try_get("user_id")?));
        }
        Ok(out)
    }

    async fn call_granted(&self, call: CallId, user: UserId) -> Result<bool> {
        Ok(
            sqlx::query("SELECT 1 FROM call_user_access WHERE call_id = ? AND user_id = ?")
                .bind(call.0)
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    async fn set_integration_settings(&self, settings: &[IntegrationSetting]) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for s in settings {
            sqlx::query(
                "INSERT INTO integration_settings (integration_type, allowed_origin, updated_us) \
                 VALUES (?, ?, ?) ON CONFLICT (integration_type) DO UPDATE SET \
                 allowed_origin = excluded.allowed_origin, updated_us = excluded.updated_us",
            )
            .bind(s.integration_type.key())
            .bind(&s.allowed_origin)
            .bind(us(s.updated))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn integration_settings(&self) -> Result<Vec<IntegrationSetting>> {
        let rows = sqlx::query(
            "SELECT integration_type, allowed_origin, updated_us FROM integration_settings \
             ORDER BY integration_type",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("integration_type")?;
                Ok(IntegrationSetting {
                    integration_type: IntegrationType::from_key(&kind)
                        .ok_or_else(|| corrupt("integration type", &kind))?,
                    allowed_origin: r.try_get("allowed_origin")?,
                    updated: ts(r.try_get("updated_us")?)?,
                })
            })
            .collect()
    }

    async fn create_flow(&self, f: &Flow) -> Result<()> {
        sqlx::query(
            "INSERT INTO flows (id, workspace_id, name, owner_id, visibility, folder, exclusive, \
             created_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(f.id.0)
        .bind(f.workspace_id.0)
        .bind(&f.name)
        .bind(f.owner_id.0)
        .bind(f.visibility.key())
        .bind(&f.folder)
        .bind(f.exclusive)
        .bind(us(f.created))
        .execute(&self.pool)
        .await
        .map_err(|e| match map_unique(e, FLOW_NAME_TAKEN) {
            parley_store::StoreError::Backend(e) => {
                map_missing(e, || "the flow's workspace or owner".into())
            }
            other => other,
        })?;
        Ok(())
    }

    async fn delete_flow(&self, id: FlowId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM flows WHERE id = ?")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn get_flow(&self, id: FlowId) -> Result<Option<Flow>> {
        let row = sqlx::query("SELECT * FROM flows WHERE id = ?")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(flow_of).transpose()
    }

    async fn list_flows(
        &self,
        workspace: Option<WorkspaceId>,
        seen_by: Option<UserId>,
        after: Option<FlowId>,
        limit: u32,
    ) -> Result<Vec<Flow>> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT * FROM flows WHERE 1=1");
        if let Some(w) = workspace {
            q.push(" AND workspace_id = ").push_bind(w.0);
        }
        if let Some(u) = seen_by {
            q.push(" AND (visibility = 'company' OR owner_id = ")
                .push_bind(u.0)
                .push(")");
        }
        if let Some(a) = after {
            q.push(" AND id > ").push_bind(a.0);
        }
        q.push(" ORDER BY id LIMIT ").push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(flow_of).collect()
    }

    async fn count_flows(
        &self,
        workspace: Option<WorkspaceId>,
        seen_by: Option<UserId>,
    ) -> Result<i64> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM flows WHERE 1=1");
        if let Some(w) = workspace {
            q.push(" AND workspace_id = ").push_bind(w.0);
        }
        if let Some(u) = seen_by {
            q.push(" AND (visibility = 'company' OR owner_id = ")
                .push_bind(u.0)
                .push(")");
        }
        Ok(q.build_query_scalar().fetch_one(&self.pool).await?)
    }

    async fn assign_flow(&self, instances: &[FlowInstance]) -> Result<Vec<Placement>> {
        // One writer at a time (`BEGIN IMMEDIATE`): nothing changes between a check and
        // its insert.
        let mut tx = self.write_tx().await?;
        let mut placed = Vec::with_capacity(instances.len());
        for i in instances {
            let here: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM flow_instances WHERE crm_prospect_id = ? AND flow_id = ?",
            )
            .bind(&i.crm_prospect_id)
            .bind(i.flow_id.0)
            .fetch_optional(&mut *tx)
            .await?;
            if here.is_some() {
                placed.push(Placement::InFlow);
                continue;
            }
            let elsewhere: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM flows me \
                 JOIN flows f ON f.workspace_id = me.workspace_id AND f.id <> me.id \
                 JOIN flow_instances i ON i.flow_id = f.id \
                 WHERE me.id = ? AND me.exclusive AND f.exclusive AND i.crm_prospect_id = ? \
                 LIMIT 1",
            )
            .bind(i.flow_id.0)
            .bind(&i.crm_prospect_id)
            .fetch_optional(&mut *tx)
            .await?;
            if elsewhere.is_some() {
                placed.push(Placement::InOtherExclusiveFlow);
                continue;
            }
            sqlx::query(
                "INSERT INTO flow_instances (id, flow_id, crm_prospect_id, owner_id, status, \
                 created_us) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(i.id.0)
            .bind(i.flow_id.0)
            .bind(&i.crm_prospect_id)
            .bind(i.owner_id.0)
            .bind(i.status.key())
            .bind(us(i.created))
            .execute(&mut *tx)
            .await
            .map_err(|e| map_missing(e, || format!("flow {} or user {}", i.flow_id, i.owner_id)))?;
            placed.push(Placement::Made);
        }
        tx.commit().await?;
        Ok(placed)
    }

    async fn prospect_flows(
        &self,
        workspace: Option<WorkspaceId>,
        prospects: &[String],
    ) -> Result<Vec<FlowInstance>> {
        if prospects.is_empty() {
            return Ok(Vec::new());
        }
        let list = serde_json::to_string(prospects).expect("a list of strings serialises");
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT i.* FROM flow_instances i JOIN flows f ON f.id = i.flow_id \
             WHERE i.crm_prospect_id IN (SELECT value FROM json_each(",
        );
        q.push_bind(list).push("))");
        if let Some(w) = workspace {
            q.push(" AND f.workspace_id = ").push_bind(w.0);
        }
        q.push(" ORDER BY i.created_us, i.id");
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(instance_of).collect()
    }
}

//! Per-user call grants, recordings by call, integration settings and Engage flows
//! (migration 0006). Grants and flow assignments are inserted in key order with
//! `ON CONFLICT DO NOTHING`, so concurrent writers of overlapping sets neither fail nor
//! deadlock. An assignment to an exclusive flow first takes a transaction-scoped advisory
//! lock per (workspace, prospect), in key order, so the check "not in another exclusive
//! flow" and the insert are one step for concurrent assigns.

use parley_domain::{
    FlowId, FlowInstance, FlowInstanceId, FlowInstanceStatus, FlowVisibility, IntegrationSetting,
    IntegrationType,
};
use parley_store::codec::{corrupt, map_missing, map_unique, ts, us};
use parley_store::{AccessStore, Placement};
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::*;

const FLOW_NAME_TAKEN: &str = "a flow of that name exists in this workspace";

fn flow_of(r: &PgRow) -> Result<Flow> {
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

fn instance_of(r: &PgRow) -> Result<FlowInstance> {
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

use parley_domain::Flow;

#[async_trait]
impl AccessStore for PgStore {
    async fn media_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, CallMedia>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = sqlx::query("SELECT * FROM call_media WHERE call_id = ANY($1)")
            .bind(raw_ids(ids, |c| c.0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| media::call_media_of(r).map(|m| (m.call_id, m)))
            .collect()
    }

    async fn grant_calls(&self, grants: &[(CallId, UserId)], at: Timestamp) -> Result<()> {
        let mut sorted = grants.to_vec();
        sorted.sort();
        sorted.dedup();
        let mut tx = self.begin().await?;
        for (call, user) in sorted {
            sqlx::query(
                "INSERT INTO call_user_access (call_id, user_id, granted_us) VALUES ($1, $2, $3) \
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
        let mut sorted = grants.to_vec();
        sorted.sort();
        let mut tx = self.begin().await?;
        for (call, user) in sorted {
            sqlx::query("DELETE FROM call_user_access WHERE call_id = $1 AND user_id = $2")
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
        let rows = sqlx::query(
            "SELECT call_id, user_id FROM call_user_access WHERE call_id = ANY($1) \
             ORDER BY call_id, user_id",
        )
        .bind(raw_ids(ids, |c| c.0))
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            out.entry(CallId(r.try_get("call_id")?))
                .or_default()
                .push(UserId(r.try_get("user_id")?));
        }
        Ok(out)
    }

    async fn call_granted(&self, call: CallId, user: UserId) -> Result<bool> {
        Ok(
            sqlx::query("SELECT 1 FROM call_user_access WHERE call_id = $1 AND user_id = $2")
                .bind(call.0)
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    async fn set_integration_settings(&self, settings: &[IntegrationSetting]) -> Result<()> {
        let mut sorted: Vec<&IntegrationSetting> = settings.iter().collect();
        sorted.sort_by_key(|s| s.integration_type);
        let mut tx = self.begin().await?;
        for s in sorted {
            sqlx::query(
                "INSERT INTO integration_settings (integration_type, allowed_origin, updated_us) \
                 VALUES ($1, $2, $3) ON CONFLICT (integration_type) DO UPDATE SET \
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
             created_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
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
            StoreError::Backend(e) => map_missing(e, || "the flow's workspace or owner".into()),
            other => other,
        })?;
        Ok(())
    }

    async fn delete_flow(&self, id: FlowId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM flows WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn get_flow(&self, id: FlowId) -> Result<Option<Flow>> {
        let row = sqlx::query("SELECT * FROM flows WHERE id = $1")
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
        let rows = sqlx::query(
            "SELECT * FROM flows WHERE ($1::BIGINT IS NULL OR workspace_id = $1) \
             AND ($2::BIGINT IS NULL OR visibility = 'company' OR owner_id = $2) \
             AND ($3::BIGINT IS NULL OR id > $3) ORDER BY id LIMIT $4",
        )
        .bind(workspace.map(|w| w.0))
        .bind(seen_by.map(|u| u.0))
        .bind(after.map(|a| a.0))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(flow_of).collect()
    }

    async fn count_flows(
        &self,
        workspace: Option<WorkspaceId>,
        seen_by: Option<UserId>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM flows WHERE ($1::BIGINT IS NULL OR workspace_id = $1) \
             AND ($2::BIGINT IS NULL OR visibility = 'company' OR owner_id = $2)",
        )
        .bind(workspace.map(|w| w.0))
        .bind(seen_by.map(|u| u.0))
        .fetch_one(&self.pool)
        .await?)
    }

    async fn assign_flow(&self, instances: &[FlowInstance]) -> Result<Vec<Placement>> {
        let mut order: Vec<usize> = (0..instances.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&instances[a], &instances[b]);
            (&a.crm_prospect_id, a.flow_id).cmp(&(&b.crm_prospect_id, b.flow_id))
        });
        let mut placed = vec![Placement::InFlow; instances.len()];
        let mut tx = self.begin().await?;
        let mut flow_ids: Vec<i64> = instances.iter().map(|i| i.flow_id.0).collect();
        flow_ids.sort_unstable();
        flow_ids.dedup();
        let exclusive: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
            "SELECT id, workspace_id FROM flows WHERE id = ANY($1) AND exclusive",
        )
        .bind(&flow_ids)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        // Tabs never occur in a workspace id; the prospect id comes last.
        let mut keys: Vec<String> = instances
            .iter()
            .filter_map(|i| {
                let w = exclusive.get(&i.flow_id.0)?;
                Some(format!("parley-flow-prospect\t{w}\t{}", i.crm_prospect_id))
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        for n in order {
            let i = &instances[n];
            let here: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM flow_instances WHERE crm_prospect_id = $1 AND flow_id = $2",
            )
            .bind(&i.crm_prospect_id)
            .bind(i.flow_id.0)
            .fetch_optional(&mut *tx)
            .await?;
            if here.is_some() {
                continue;
            }
            if let Some(w) = exclusive.get(&i.flow_id.0) {
                let elsewhere: Option<i32> = sqlx::query_scalar(
                    "SELECT 1 FROM flow_instances i JOIN flows f ON f.id = i.flow_id \
                     WHERE i.crm_prospect_id = $1 AND f.workspace_id = $2 AND f.exclusive \
                     AND f.id <> $3 LIMIT 1",
                )
                .bind(&i.crm_prospect_id)
                .bind(w)
                .bind(i.flow_id.0)
                .fetch_optional(&mut *tx)
                .await?;
                if elsewhere.is_some() {
                    placed[n] = Placement::InOtherExclusiveFlow;
                    continue;
                }
            }
            let done = sqlx::query(
                "INSERT INTO flow_instances (id, flow_id, crm_prospect_id, owner_id, status, \
                 created_us) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (crm_prospect_id, flow_id) DO NOTHING",
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
            if done.rows_affected() > 0 {
                placed[n] = Placement::Made;
            }
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
        let rows = sqlx::query(
            "SELECT i.* FROM flow_instances i JOIN flows f ON f.id = i.flow_id \
             WHERE i.crm_prospect_id = ANY($1) AND ($2::BIGINT IS NULL OR f.workspace_id = $2) \
             ORDER BY i.created_us, i.id",
        )
        .bind(prospects)
        .bind(workspace.map(|w| w.0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(instance_of).collect()
    }
}

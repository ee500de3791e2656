//! The generic CRM integration on PostgreSQL (migration 0005). Writers that touch calls
//! lock the calls' rows in id order first (`FOR NO KEY UPDATE`), as every writer of a call
//! does, so they cannot deadlock.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};

use parley_domain::{
    CallId, CrmEntity, CrmIntegration, CrmObjectType, CrmRequest, CrmRequestStatus, CrmSchemaField,
    CrmUploadResult, JobLease, ManualAssociation, Timestamp, UserId, WorkspaceId,
};
use parley_store::codec::{from_json, map_missing, map_unique, opt_ts, to_json, ts, us};
use parley_store::crm::{
    errors_json, errors_of, field_type_of, fields_json, fields_of, link_type, object_type_of,
    status_of, INTEGRATION_EXISTS, REQUEST_TAKEN,
};
use parley_store::{AssociationFilter, CrmStore, NewJob, Result, StoreError};

use crate::PgStore;

fn integration_of(r: &PgRow) -> Result<CrmIntegration> {
    Ok(CrmIntegration {
        id: r.try_get("id")?,
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        owner_email: r.try_get("owner_email")?,
        name: r.try_get("name")?,
        created: ts(r.try_get("created_us")?)?,
    })
}

fn request_of(r: &PgRow) -> Result<CrmRequest> {
    let object_type: Option<String> = r.try_get("object_type")?;
    Ok(CrmRequest {
        integration_id: r.try_get("integration_id")?,
        client_request_id: r.try_get("client_request_id")?,
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        object_type: object_type.as_deref().map(object_type_of).transpose()?,
        status: status_of(r.try_get("status")?)?,
        errors: errors_of(r.try_get("errors")?)?,
        error_count: r.try_get::<i64, _>("error_count")? as u64,
        success_count: r.try_get::<i64, _>("success_count")? as u64,
        created: ts(r.try_get("created_us")?)?,
        updated: ts(r.try_get("updated_us")?)?,
    })
}

fn entity_of(r: &PgRow) -> Result<CrmEntity> {
    Ok(CrmEntity {
        object_type: object_type_of(r.try_get("object_type")?)?,
        object_id: r.try_get("object_id")?,
        modified: ts(r.try_get("modified_us")?)?,
        is_deleted: r.try_get("is_deleted")?,
        fields: fields_of(r.try_get("fields")?)?,
    })
}

fn association_of(r: &PgRow) -> Result<ManualAssociation> {
    Ok(ManualAssociation {
        id: r.try_get("id")?,
        call_id: CallId(r.try_get("call_id")?),
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        user_id: r.try_get::<Option<i64>, _>("user_id")?.map(UserId),
        created: ts(r.try_get("created_us")?)?,
        account_id: r.try_get("account_id")?,
        deal_id: r.try_get("deal_id")?,
    })
}

async fn insert_request(tx: &mut crate::Tx, r: &CrmRequest, body: Option<&str>) -> Result<()> {
    sqlx::query(
        "INSERT INTO crm_requests (integration_id, client_request_id, workspace_id, object_type, status, \
         errors, error_count, success_count, body, created_us, updated_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(r.integration_id)
    .bind(&r.client_request_id)
    .bind(r.workspace_id.0)
    .bind(r.object_type.map(CrmObjectType::key))
    .bind(r.status.key())
    .bind(errors_json(&r.errors))
    .bind(r.error_count as i64)
    .bind(r.success_count as i64)
    .bind(body)
    .bind(us(r.created))
    .bind(us(r.updated))
    .execute(&mut **tx)
    .await
    .map_err(|e| map_unique(e, REQUEST_TAKEN))?;
    Ok(())
}

fn association_where(q: &mut QueryBuilder<'_, Postgres>, f: &AssociationFilter) {
    q.push(" WHERE 1 = 1");
    if let Some(ws) = &f.workspaces {
        q.push(" AND workspace_id = ANY(")
            .push_bind(ws.iter().map(|w| w.0).collect::<Vec<i64>>())
            .push(")");
    }
    if let Some(from) = f.from {
        q.push(" AND created_us >= ").push_bind(us(from));
    }
    if let Some(access) = &f.visible_to {
        // In the query, not after it: the total and every page are the caller's.
        q.push(" AND call_id IN (SELECT id FROM calls WHERE ");
        crate::calls::push_call_access(q, access);
        q.push(")");
    }
}

/// Records one manual association event inside `tx` and makes the call's generic
/// call-level links its objects.
async fn insert_association(tx: &mut crate::Tx, a: &ManualAssociation) -> Result<()> {
    let call = sqlx::query("SELECT 1 FROM calls WHERE id = $1 FOR NO KEY UPDATE")
        .bind(a.call_id.0)
        .fetch_optional(&mut **tx)
        .await?;
    if call.is_none() {
        return Err(StoreError::NotFound(format!("call {}", a.call_id)));
    }
    sqlx::query(
        "INSERT INTO crm_manual_associations (id, call_id, workspace_id, user_id, created_us, account_id, deal_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(a.id)
    .bind(a.call_id.0)
    .bind(a.workspace_id.0)
    .bind(a.user_id.map(|u| u.0))
    .bind(us(a.created))
    .bind(&a.account_id)
    .bind(&a.deal_id)
    .execute(&mut **tx)
    .await
    .map_err(|e| map_missing(e, || format!("call {}", a.call_id)))?;
    // The call's generic call-level links become the associated objects.
    sqlx::query(
        "DELETE FROM crm_links WHERE call_id = $1 AND party_id IS NULL AND crm_pk IN \
         (SELECT pk FROM crm_objects WHERE system = 'generic' AND object_type IN ('Account', 'Opportunity'))",
    )
    .bind(a.call_id.0)
    .execute(&mut **tx)
    .await?;
    let next: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(ord), -1) + 1 FROM crm_links WHERE call_id = $1 AND party_id IS NULL",
    )
    .bind(a.call_id.0)
    .fetch_one(&mut **tx)
    .await?;
    let objects = [("Account", &a.account_id), ("Opportunity", &a.deal_id)];
    for (n, (t, id)) in objects
        .iter()
        .filter_map(|(t, id)| id.as_ref().map(|id| (*t, id)))
        .enumerate()
    {
        let pk: i64 = sqlx::query_scalar(
            "INSERT INTO crm_objects (system, object_type, object_id, fields, updated_us) \
             VALUES ('generic', $1, $2, '[]', $3) \
             ON CONFLICT (system, object_type, object_id) DO UPDATE SET object_id = excluded.object_id \
             RETURNING pk",
        )
        .bind(t)
        .bind(id)
        .bind(us(a.created))
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO crm_links (call_id, party_id, ord, crm_pk) VALUES ($1, NULL, $2, $3)",
        )
        .bind(a.call_id.0)
        .bind(next + n as i64)
        .bind(pk)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl CrmStore for PgStore {
    async fn create_crm_integration(&self, i: &CrmIntegration) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO crm_integrations (id, workspace_id, owner_email, name, created_us) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(i.id)
        .bind(i.workspace_id.0)
        .bind(&i.owner_email)
        .bind(&i.name)
        .bind(us(i.created))
        .execute(&mut *tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                StoreError::NotFound(format!("workspace {}", i.workspace_id))
            }
            e => map_unique(e, INTEGRATION_EXISTS),
        })?;
        tx.commit().await?;
        Ok(())
    }

    async fn crm_integration(&self, id: i64) -> Result<Option<CrmIntegration>> {
        sqlx::query("SELECT * FROM crm_integrations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(integration_of)
            .transpose()
    }

    async fn crm_integrations(
        &self,
        workspaces: Option<&[WorkspaceId]>,
    ) -> Result<Vec<CrmIntegration>> {
        let mut q = QueryBuilder::<Postgres>::new("SELECT * FROM crm_integrations");
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
            .map(integration_of)
            .collect()
    }

    async fn delete_crm_integration(&self, id: i64, request: &CrmRequest) -> Result<bool> {
        let mut tx = self.begin().await?;
        insert_request(&mut tx, request, None).await?;
        // Calls showing its objects are rendered again without them.
        sqlx::query(
            "UPDATE calls SET version = version + 1 WHERE id IN (SELECT c.id FROM calls c \
             JOIN crm_integrations i ON i.workspace_id = c.workspace_id WHERE i.id = $1 \
             AND c.id IN (SELECT l.call_id FROM crm_links l JOIN crm_objects o ON o.pk = l.crm_pk \
             WHERE o.system = 'generic') ORDER BY c.id FOR NO KEY UPDATE OF c)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let gone = sqlx::query("DELETE FROM crm_integrations WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if gone == 0 {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn set_crm_schema(
        &self,
        integration: i64,
        object_type: CrmObjectType,
        fields: &[CrmSchemaField],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM crm_schema_fields WHERE integration_id = $1 AND object_type = $2")
            .bind(integration)
            .bind(object_type.key())
            .execute(&mut *tx)
            .await?;
        for (ord, f) in fields.iter().enumerate() {
            sqlx::query(
                "INSERT INTO crm_schema_fields (integration_id, object_type, name, ord, label, field_type, \
                 last_modified_us, is_deleted, reference_to, ordered_values) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(integration)
            .bind(object_type.key())
            .bind(&f.name)
            .bind(ord as i64)
            .bind(&f.label)
            .bind(f.field_type.key())
            .bind(f.last_modified.map(us))
            .bind(f.is_deleted)
            .bind(&f.reference_to)
            .bind(f.ordered_values.as_ref().map(to_json))
            .execute(&mut *tx)
            .await
            .map_err(|e| map_missing(e, || format!("crm integration {integration}")))?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn crm_schema(
        &self,
        integration: i64,
        object_type: Option<CrmObjectType>,
    ) -> Result<Vec<(CrmObjectType, CrmSchemaField)>> {
        let rows = sqlx::query(
            "SELECT * FROM crm_schema_fields WHERE integration_id = $1 AND ($2::text IS NULL OR object_type = $3) \
             ORDER BY object_type, ord",
        )
        .bind(integration)
        .bind(object_type.map(CrmObjectType::key))
        .bind(object_type.map(CrmObjectType::key))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let values: Option<String> = r.try_get("ordered_values")?;
                Ok((
                    object_type_of(r.try_get("object_type")?)?,
                    CrmSchemaField {
                        name: r.try_get("name")?,
                        label: r.try_get("label")?,
                        field_type: field_type_of(r.try_get("field_type")?)?,
                        last_modified: opt_ts(r.try_get("last_modified_us")?)?,
                        is_deleted: r.try_get("is_deleted")?,
                        reference_to: r.try_get("reference_to")?,
                        ordered_values: values
                            .as_deref()
                            .map(|v| from_json(v, "crm picklist values"))
                            .transpose()?,
                    },
                ))
            })
            .collect()
    }

    async fn create_crm_upload(
        &self,
        request: &CrmRequest,
        body: &str,
        job: &NewJob,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_request(&mut tx, request, Some(body)).await?;
        crate::jobs::enqueue_in(&mut tx, job, &[], now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn crm_request(
        &self,
        integration: i64,
        client_request_id: &str,
    ) -> Result<Option<CrmRequest>> {
        sqlx::query(
            "SELECT integration_id, client_request_id, workspace_id, object_type, status, errors, \
             error_count, success_count, created_us, updated_us \
             FROM crm_requests WHERE integration_id = $1 AND client_request_id = $2",
        )
        .bind(integration)
        .bind(client_request_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(request_of)
        .transpose()
    }

    async fn crm_upload_body(
        &self,
        integration: i64,
        client_request_id: &str,
    ) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT body FROM crm_requests WHERE integration_id = $1 AND client_request_id = $2",
        )
        .bind(integration)
        .bind(client_request_id)
        .fetch_optional(&self.pool)
        .await?
        .flatten())
    }

    async fn set_crm_request_status(
        &self,
        integration: i64,
        client_request_id: &str,
        status: CrmRequestStatus,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE crm_requests SET status = $1, updated_us = $2 WHERE integration_id = $3 AND client_request_id = $4",
        )
        .bind(status.key())
        .bind(us(now))
        .bind(integration)
        .bind(client_request_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn finish_crm_upload(
        &self,
        integration: i64,
        client_request_id: &str,
        result: &CrmUploadResult,
        lease: JobLease,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let workspace: Option<i64> =
            sqlx::query_scalar("SELECT workspace_id FROM crm_integrations WHERE id = $1")
                .bind(integration)
                .fetch_optional(&mut *tx)
                .await?;
        let (status, errors, error_count, success) = match workspace {
            Some(_) => (
                result.status(),
                result.errors.clone(),
                result.error_count,
                result.entities.len() as u64,
            ),
            None => (
                CrmRequestStatus::Failed,
                vec![(0, "The integration was deleted".to_owned())],
                1,
                0,
            ),
        };
        if let Some(workspace) = workspace {
            // In key order, so that two uploads touching the same objects lock them in
            // the same order.
            let mut sorted: Vec<&CrmEntity> = result.entities.iter().collect();
            sorted
                .sort_by(|a, b| (a.object_type, &a.object_id).cmp(&(b.object_type, &b.object_id)));
            for e in sorted {
                sqlx::query(
                    "INSERT INTO crm_entities (integration_id, object_type, object_id, modified_us, is_deleted, fields, updated_us) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (integration_id, object_type, object_id) DO UPDATE SET \
                       modified_us = excluded.modified_us, is_deleted = excluded.is_deleted, \
                       fields = excluded.fields, updated_us = excluded.updated_us \
                     WHERE excluded.modified_us >= crm_entities.modified_us",
                )
                .bind(integration)
                .bind(e.object_type.key())
                .bind(&e.object_id)
                .bind(us(e.modified))
                .bind(e.is_deleted)
                .bind(fields_json(&e.fields))
                .bind(us(now))
                .execute(&mut *tx)
                .await?;
            }
            // Calls render uploaded fields through their generic links: bump those of
            // this workspace so that cached renderings are redone.
            let keys: Vec<(&str, &str)> = result
                .entities
                .iter()
                .filter_map(|e| link_type(e.object_type).map(|t| (t, e.object_id.as_str())))
                .collect();
            for chunk in keys.chunks(400) {
                let mut q = QueryBuilder::<Postgres>::new(
                    "UPDATE calls SET version = version + 1 WHERE id IN (SELECT id FROM calls WHERE workspace_id = ",
                );
                q.push_bind(workspace).push(
                    " AND id IN (SELECT l.call_id FROM crm_links l JOIN crm_objects o ON o.pk = l.crm_pk \
                     WHERE o.system = 'generic' AND (o.object_type, o.object_id) IN (",
                );
                let mut sep = q.separated(", ");
                for (t, id) in chunk {
                    sep.push("(")
                        .push_bind_unseparated(*t)
                        .push_unseparated(", ")
                        .push_bind_unseparated(*id)
                        .push_unseparated(")");
                }
                q.push(")) ORDER BY id FOR NO KEY UPDATE)");
                q.build().execute(&mut *tx).await?;
            }
        }
        sqlx::query(
            "UPDATE crm_requests SET status = $1, errors = $2, error_count = $3, success_count = $4, body = NULL, \
             updated_us = $5 WHERE integration_id = $6 AND client_request_id = $7",
        )
        .bind(status.key())
        .bind(errors_json(&errors))
        .bind(error_count as i64)
        .bind(success as i64)
        .bind(us(now))
        .bind(integration)
        .bind(client_request_id)
        .execute(&mut *tx)
        .await?;
        crate::jobs::finish_leased(&mut tx, lease, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn crm_entities(
        &self,
        integration: i64,
        object_type: CrmObjectType,
        ids: &[String],
    ) -> Result<HashMap<String, CrmEntity>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = sqlx::query(
            "SELECT * FROM crm_entities WHERE integration_id = $1 AND object_type = $2 \
             AND object_id = ANY($3)",
        )
        .bind(integration)
        .bind(object_type.key())
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| entity_of(r).map(|e| (e.object_id.clone(), e)))
            .collect()
    }

    async fn crm_entities_of_workspace(
        &self,
        workspace: WorkspaceId,
        keys: &[(CrmObjectType, String)],
    ) -> Result<Vec<CrmEntity>> {
        let mut out = Vec::new();
        for chunk in keys.chunks(400) {
            let mut q = QueryBuilder::<Postgres>::new(
                "SELECT e.* FROM crm_entities e JOIN crm_integrations i ON i.id = e.integration_id \
                 WHERE i.workspace_id = ",
            );
            q.push_bind(workspace.0)
                .push(" AND NOT e.is_deleted AND (e.object_type, e.object_id) IN (");
            let mut sep = q.separated(", ");
            for (t, id) in chunk {
                sep.push("(")
                    .push_bind_unseparated(t.key())
                    .push_unseparated(", ")
                    .push_bind_unseparated(id.as_str())
                    .push_unseparated(")");
            }
            q.push(")");
            for r in q.build().fetch_all(&self.pool).await? {
                out.push(entity_of(&r)?);
            }
        }
        Ok(out)
    }

    async fn record_manual_association(&self, a: &ManualAssociation) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_association(&mut tx, a).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn reassociate_manually(
        &self,
        removal: &ManualAssociation,
        next: Option<&ManualAssociation>,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        // The call's row lock orders re-associations of one call: the second reads the
        // first's records.
        let call = sqlx::query("SELECT 1 FROM calls WHERE id = $1 FOR NO KEY UPDATE")
            .bind(removal.call_id.0)
            .fetch_optional(&mut *tx)
            .await?;
        if call.is_none() {
            return Err(StoreError::NotFound(format!("call {}", removal.call_id)));
        }
        let account: Option<Option<String>> = sqlx::query_scalar(
            "SELECT account_id FROM crm_manual_associations WHERE call_id = $1 \
             ORDER BY created_us DESC, id DESC LIMIT 1",
        )
        .bind(removal.call_id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let associated = account.flatten().is_some();
        if associated {
            insert_association(&mut tx, removal).await?;
        }
        if let Some(a) = next {
            insert_association(&mut tx, a).await?;
        }
        tx.commit().await?;
        Ok(associated)
    }

    async fn manual_association_of(&self, call: CallId) -> Result<Option<ManualAssociation>> {
        sqlx::query(
            "SELECT * FROM crm_manual_associations WHERE call_id = $1 ORDER BY created_us DESC, id DESC LIMIT 1",
        )
        .bind(call.0)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(association_of)
        .transpose()
    }

    async fn manual_associations(
        &self,
        f: &AssociationFilter,
        after: Option<(Timestamp, i64)>,
        limit: u32,
    ) -> Result<Vec<ManualAssociation>> {
        let mut q = QueryBuilder::<Postgres>::new("SELECT * FROM crm_manual_associations");
        association_where(&mut q, f);
        if let Some((t, id)) = after {
            q.push(" AND (created_us, id) > (")
                .push_bind(us(t))
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        q.push(" ORDER BY created_us, id LIMIT ")
            .push_bind(i64::from(limit));
        q.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(association_of)
            .collect()
    }

    async fn count_manual_associations(&self, f: &AssociationFilter) -> Result<i64> {
        let mut q = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM crm_manual_associations");
        association_where(&mut q, f);
        Ok(q.build_query_scalar().fetch_one(&self.pool).await?)
    }
}

//! Automation rules and the webhook outbox on SQLite (migration 0026). Writes run in
//! `BEGIN IMMEDIATE` transactions; a delivery's attempt is recorded fenced by its job's
//! lease in the transaction that moves the job on.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite};

use parley_domain::automation::{
    Delivery, DeliveryAttempt, DeliveryId, DeliveryNext, DeliveryState, NewDelivery, Rule, RuleId,
};
use parley_domain::{Job, JobLease, JobSpec, Timestamp, WorkspaceId};
use parley_store::automation::{
    delivery_of, rule_json, rule_of, state_after, DELIVERY_COLUMNS, MAX_RESPONSE_BYTES,
    RULE_COLUMNS,
};
use parley_store::codec::us;
use parley_store::{AnalysisWrite, AutomationStore, NewJob, RecordedDelivery, Result, StoreError};

use crate::{enqueue_in, SqliteStore};

fn row_rule(r: &SqliteRow) -> Result<Rule> {
    rule_of(
        r.try_get("id")?,
        r.try_get("workspace_id")?,
        r.try_get("name")?,
        r.try_get("enabled")?,
        r.try_get("filter")?,
        r.try_get("actions")?,
        r.try_get("disabled_reason")?,
        r.try_get("failures")?,
        r.try_get("created_us")?,
        r.try_get("updated_us")?,
    )
}

fn row_delivery(r: &SqliteRow) -> Result<Delivery> {
    delivery_of(
        r.try_get("id")?,
        r.try_get("rule_id")?,
        r.try_get("call_id")?,
        r.try_get("action")?,
        r.try_get("is_test")?,
        r.try_get("state")?,
        r.try_get("attempts")?,
        r.try_get("status")?,
        r.try_get("latency_ms")?,
        r.try_get("response")?,
        r.try_get("error")?,
        r.try_get("created_us")?,
        r.try_get("updated_us")?,
    )
}

fn deliver_job(id: DeliveryId) -> NewJob {
    NewJob::from(JobSpec::Deliver { delivery: id })
}

/// Writes deliveries and their jobs inside `tx`; a non-test delivery of a (rule, call,
/// action) already made is skipped. Returns those written.
pub(crate) async fn insert_deliveries(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    deliveries: &[NewDelivery],
    at: Timestamp,
) -> Result<Vec<DeliveryId>> {
    let mut written = Vec::new();
    for d in deliveries {
        let done = sqlx::query(&format!(
            "INSERT OR IGNORE INTO webhook_deliveries ({DELIVERY_COLUMNS}) \
             VALUES (?, ?, ?, ?, ?, 'pending', 0, NULL, NULL, NULL, NULL, ?, ?)"
        ))
        .bind(d.id.0)
        .bind(d.rule_id.0)
        .bind(d.call_id.0)
        .bind(i64::from(d.action))
        .bind(d.is_test)
        .bind(us(at))
        .bind(us(at))
        .execute(&mut **tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::NotFound(format!("the rule or call of delivery {}", d.id))
            }
            _ => StoreError::Backend(e),
        })?;
        if done.rows_affected() == 1 {
            let job = deliver_job(d.id);
            enqueue_in(tx, &job, job.live_states(), at).await?;
            written.push(d.id);
        }
    }
    Ok(written)
}

/// Moves the leased job on inside `tx`: done, queued again for `retry`, or failed.
async fn move_job(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    lease: JobLease,
    retry: Option<Timestamp>,
    error: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    let state = match (retry, error) {
        (Some(_), _) => "queued",
        (None, None) => "done",
        (None, Some(_)) => "failed",
    };
    let done = sqlx::query(
        "UPDATE jobs SET state = ?, error = ?, run_after_us = COALESCE(?, run_after_us), \
         progress = CASE WHEN ? = 'done' THEN 1.0 ELSE progress END, \
         lease_until_us = NULL, updated_us = ?, finished_us = ? \
         WHERE id = ? AND attempts = ? AND state = 'running'",
    )
    .bind(state)
    .bind(error)
    .bind(retry.map(us))
    .bind(state)
    .bind(us(now))
    .bind(retry.is_none().then_some(us(now)))
    .bind(lease.job_id)
    .bind(i64::from(lease.attempt))
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::LeaseLost(lease.job_id))
    }
}

fn bounded(text: Option<&str>) -> Option<String> {
    text.map(|t| {
        let mut end = t.len().min(MAX_RESPONSE_BYTES);
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        t[..end].to_owned()
    })
}

#[async_trait]
impl AutomationStore for SqliteStore {
    async fn create_rule(&self, rule: &Rule) -> Result<()> {
        let (filter, actions) = rule_json(rule);
        sqlx::query(&format!(
            "INSERT INTO automation_rules ({RULE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(rule.id.0)
        .bind(rule.workspace_id.0)
        .bind(&rule.name)
        .bind(rule.enabled)
        .bind(filter)
        .bind(actions)
        .bind(&rule.disabled_reason)
        .bind(i64::from(rule.failures))
        .bind(us(rule.created))
        .bind(us(rule.updated))
        .execute(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::NotFound(format!("workspace {}", rule.workspace_id))
            }
            _ => StoreError::Backend(e),
        })?;
        Ok(())
    }

    async fn update_rule(&self, rule: &Rule) -> Result<bool> {
        let (filter, actions) = rule_json(rule);
        let done = sqlx::query(
            "UPDATE automation_rules SET name = ?, enabled = ?, filter = ?, actions = ?, \
             disabled_reason = ?, failures = ?, updated_us = ? WHERE id = ?",
        )
        .bind(&rule.name)
        .bind(rule.enabled)
        .bind(filter)
        .bind(actions)
        .bind(&rule.disabled_reason)
        .bind(i64::from(rule.failures))
        .bind(us(rule.updated))
        .bind(rule.id.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_rule(&self, id: RuleId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM automation_rules WHERE id = ?")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn get_rule(&self, id: RuleId) -> Result<Option<Rule>> {
        let row = sqlx::query(&format!(
            "SELECT {RULE_COLUMNS} FROM automation_rules WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(row_rule).transpose()
    }

    async fn rules(&self, workspace: Option<WorkspaceId>) -> Result<Vec<Rule>> {
        let rows = sqlx::query(&format!(
            "SELECT {RULE_COLUMNS} FROM automation_rules WHERE ? IS NULL OR workspace_id = ? \
             ORDER BY created_us, id"
        ))
        .bind(workspace.map(|w| w.0))
        .bind(workspace.map(|w| w.0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_rule).collect()
    }

    async fn save_analysis_firing(
        &self,
        w: AnalysisWrite<'_>,
        deliveries: &[NewDelivery],
    ) -> Result<bool> {
        self.save_analysis_in(w, deliveries).await
    }

    async fn queue_deliveries(
        &self,
        deliveries: &[NewDelivery],
        at: Timestamp,
    ) -> Result<Vec<DeliveryId>> {
        let mut tx = self.write_tx().await?;
        let written = insert_deliveries(&mut tx, deliveries, at).await?;
        tx.commit().await?;
        Ok(written)
    }

    async fn get_delivery(&self, id: DeliveryId) -> Result<Option<Delivery>> {
        let row = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(row_delivery).transpose()
    }

    async fn deliveries(
        &self,
        rule: RuleId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        let rows = match before {
            None => {
                sqlx::query(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE rule_id = ? \
                     ORDER BY created_us DESC, id DESC LIMIT ?"
                ))
                .bind(rule.0)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
            }
            Some(b) => {
                sqlx::query(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE rule_id = ? \
                     AND EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.id = ? \
                       AND (d.created_us < p.created_us OR (d.created_us = p.created_us AND d.id < p.id))) \
                     ORDER BY created_us DESC, id DESC LIMIT ?"
                ))
                .bind(rule.0)
                .bind(b.0)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(row_delivery).collect()
    }

    async fn record_delivery(
        &self,
        lease: JobLease,
        id: DeliveryId,
        attempt: &DeliveryAttempt,
        next: DeliveryNext,
        disable_after: u32,
        disable_reason: &str,
    ) -> Result<RecordedDelivery> {
        let mut tx = self.write_tx().await?;
        let retry = match next {
            DeliveryNext::RetryAt(t) => Some(t),
            _ => None,
        };
        let job_error = match next {
            DeliveryNext::GiveUp => Some(attempt.error.as_deref().unwrap_or("delivery failed")),
            _ => None,
        };
        move_job(&mut tx, lease, retry, job_error, attempt.at).await?;
        let rule: Option<i64> = sqlx::query_scalar(
            "UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, status = ?, \
             latency_ms = ?, response = ?, error = ?, updated_us = ? WHERE id = ? RETURNING rule_id",
        )
        .bind(state_after(next).key())
        .bind(attempt.status.map(i64::from))
        .bind(i64::from(attempt.latency_ms))
        .bind(bounded(attempt.response.as_deref()))
        .bind(bounded(attempt.error.as_deref()))
        .bind(us(attempt.at))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let mut recorded = RecordedDelivery::default();
        if let Some(rule) = rule {
            match next {
                DeliveryNext::Delivered => {
                    sqlx::query(
                        "UPDATE automation_rules SET failures = 0 WHERE id = ? AND failures <> 0",
                    )
                    .bind(rule)
                    .execute(&mut *tx)
                    .await?;
                }
                DeliveryNext::GiveUp => {
                    let failures: Option<(i64, bool)> = sqlx::query_as(
                        "UPDATE automation_rules SET failures = failures + 1 WHERE id = ? \
                         RETURNING failures, enabled",
                    )
                    .bind(rule)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some((n, true)) = failures {
                        if disable_after > 0 && n >= i64::from(disable_after) {
                            sqlx::query(
                                "UPDATE automation_rules SET enabled = 0, disabled_reason = ?, \
                                 updated_us = ? WHERE id = ?",
                            )
                            .bind(disable_reason)
                            .bind(us(attempt.at))
                            .bind(rule)
                            .execute(&mut *tx)
                            .await?;
                            recorded.disabled_rule = true;
                        }
                    }
                }
                DeliveryNext::RetryAt(_) => {}
            }
        }
        tx.commit().await?;
        Ok(recorded)
    }

    async fn cancel_delivery(
        &self,
        lease: JobLease,
        id: DeliveryId,
        reason: &str,
        at: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        move_job(&mut tx, lease, None, None, at).await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET state = ?, error = ?, updated_us = ? WHERE id = ?",
        )
        .bind(DeliveryState::Cancelled.key())
        .bind(reason)
        .bind(us(at))
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn replay_delivery(&self, id: DeliveryId, at: Timestamp) -> Result<Option<Job>> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET state = 'pending', updated_us = ? WHERE id = ?",
        )
        .bind(us(at))
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        let job = deliver_job(id);
        let job = enqueue_in(&mut tx, &job, job.live_states(), at).await?;
        tx.commit().await?;
        Ok(Some(job))
    }
}

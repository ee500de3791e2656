//! The audit log on SQLite (migration 0011). Kept apart from the rest of the backend so
//! that the `Store` methods in `sqlite.rs` are one-line delegations.

use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use parley_domain::{AuditAction, AuditEntry, AuditRecord, Outcome, RequestInfo, Timestamp};

use crate::SqliteStore;
use parley_store::codec::{actor_columns, actor_of};
use parley_store::codec::{from_json, to_json, ts, us};
use parley_store::{AuditFilter, AuditKey, Result, StoreError};

/// Rows deleted per statement when pruning, so a large backlog never holds the write lock
/// for long.
const PRUNE_BATCH: i64 = 5_000;

fn record_of(r: &SqliteRow) -> Result<AuditRecord> {
    let action: &str = r.try_get("action")?;
    let action = AuditAction::from_key(action)
        .ok_or_else(|| StoreError::Corrupt(format!("audit action {action}")))?;
    let outcome: &str = r.try_get("outcome")?;
    let outcome = Outcome::from_key(outcome)
        .ok_or_else(|| StoreError::Corrupt(format!("audit outcome {outcome}")))?;
    let ip: &str = r.try_get("client_ip")?;
    let request = match r.try_get::<Option<String>, _>("method")? {
        Some(method) => Some(RequestInfo {
            method,
            route: r.try_get("route")?,
            path: r.try_get::<Option<String>, _>("path")?.unwrap_or_default(),
            params: from_json(r.try_get("params")?, "audit params")?,
        }),
        None => None,
    };
    let count: i64 = r.try_get("count")?;
    Ok(AuditRecord {
        id: r.try_get("id")?,
        entry: AuditEntry {
            at: ts(r.try_get("at_us")?)?,
            actor: actor_of(
                r.try_get("actor_kind")?,
                r.try_get("actor")?,
                r.try_get("user_id")?,
            )?,
            action,
            client_ip: ip.parse().ok(),
            request,
            targets: from_json(r.try_get("targets")?, "audit targets")?,
            outcome,
            count: u64::try_from(count).unwrap_or(0),
            last_at: ts(r.try_get("last_us")?)?,
        },
    })
}

fn push_filter<'a>(q: &mut QueryBuilder<'a, Sqlite>, f: &'a AuditFilter) {
    q.push(" WHERE 1 = 1");
    if let Some(log) = f.log {
        q.push(" AND log = ").push_bind(log.key());
    }
    if let Some(from) = f.from {
        q.push(" AND at_us >= ").push_bind(us(from));
    }
    if let Some(to) = f.to {
        q.push(" AND at_us < ").push_bind(us(to));
    }
}

impl SqliteStore {
    pub(super) async fn audit_append(&self, entries: &[AuditEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        for e in entries {
            let (kind, actor, user_id) = actor_columns(&e.actor);
            let req = e.request.as_ref();
            let bucket = e.action.aggregated().then(|| us(e.bucket()));
            sqlx::query(
                "INSERT INTO audit_log (log, at_us, last_us, count, bucket_us, actor_kind, actor, \
                 user_id, action, client_ip, method, route, path, params, targets, outcome) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (bucket_us, actor_kind, actor, action, client_ip, outcome) \
                 WHERE bucket_us IS NOT NULL DO UPDATE SET count = count + excluded.count, \
                 last_us = MAX(last_us, excluded.last_us)",
            )
            .bind(e.action.log().key())
            .bind(us(e.at))
            .bind(us(e.last_at))
            .bind(i64::try_from(e.count).unwrap_or(i64::MAX))
            .bind(bucket)
            .bind(kind)
            .bind(actor)
            .bind(user_id)
            .bind(e.action.key())
            .bind(e.client_ip.map(|ip| ip.to_string()).unwrap_or_default())
            .bind(req.map(|r| r.method.as_str()))
            .bind(req.and_then(|r| r.route.as_deref()))
            .bind(req.map(|r| r.path.as_str()))
            .bind(to_json(
                &req.map(|r| r.params.as_slice()).unwrap_or_default(),
            ))
            .bind(to_json(&e.targets))
            .bind(e.outcome.key())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn audit_list(
        &self,
        f: &AuditFilter,
        after: Option<AuditKey>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        let mut q = QueryBuilder::new("SELECT * FROM audit_log");
        push_filter(&mut q, f);
        let (cmp, order) = if f.newest_first {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        if let Some(k) = after {
            q.push(format!(" AND (at_us, id) {cmp} ("))
                .push_bind(k.at_us)
                .push(", ")
                .push_bind(k.id)
                .push(")");
        }
        q.push(format!(" ORDER BY at_us {order}, id {order} LIMIT "))
            .push_bind(i64::from(limit));
        q.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(record_of)
            .collect()
    }

    pub(super) async fn audit_count(&self, f: &AuditFilter) -> Result<i64> {
        let mut q = QueryBuilder::new("SELECT COUNT(*) FROM audit_log");
        push_filter(&mut q, f);
        Ok(q.build().fetch_one(&self.pool).await?.try_get(0)?)
    }

    pub(super) async fn audit_prune(&self, before: Timestamp) -> Result<u64> {
        let mut total = 0;
        loop {
            let done = sqlx::query(
                "DELETE FROM audit_log WHERE id IN \
                 (SELECT id FROM audit_log WHERE at_us < ? LIMIT ?)",
            )
            .bind(us(before))
            .bind(PRUNE_BATCH)
            .execute(&self.pool)
            .await?
            .rows_affected();
            total += done;
            if done < PRUNE_BATCH as u64 {
                return Ok(total);
            }
        }
    }
}

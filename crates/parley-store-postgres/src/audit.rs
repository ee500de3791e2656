//! The audit log on PostgreSQL: the same rows as SQLite's `audit_log`, aggregated entries
//! growing in place through `ON CONFLICT` on the partial unique index of their hour.

use sqlx::postgres::PgRow;
use sqlx::{QueryBuilder, Row};

use parley_domain::{AuditAction, Outcome, RequestInfo};
use parley_store::codec::{actor_columns, actor_of};
use parley_store::codec::{from_json, to_json, ts, us};

use super::*;

/// Rows deleted per statement when pruning, so a large backlog never holds many row locks
/// (or one long transaction) at once.
const PRUNE_BATCH: i64 = 5_000;

fn record_of(r: &PgRow) -> Result<AuditRecord> {
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

fn push_filter(q: &mut QueryBuilder<'_, Postgres>, f: &AuditFilter) {
    q.push(" WHERE TRUE");
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

pub(crate) async fn append_audit(db: &PgStore, entries: &[AuditEntry]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for e in entries {
        let (kind, actor, user_id) = actor_columns(&e.actor);
        let req = e.request.as_ref();
        let bucket = e.action.aggregated().then(|| us(e.bucket()));
        // ON CONFLICT DO UPDATE is atomic per row: nodes adding to the same hour's row at
        // once each add their count, none is lost.
        sqlx::query(
            "INSERT INTO audit_log (log, at_us, last_us, count, bucket_us, actor_kind, actor, \
             user_id, action, client_ip, method, route, path, params, targets, outcome) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT (bucket_us, actor_kind, actor, action, client_ip, outcome) \
             WHERE bucket_us IS NOT NULL DO UPDATE SET count = audit_log.count + EXCLUDED.count, \
             last_us = GREATEST(audit_log.last_us, EXCLUDED.last_us)",
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

pub(crate) async fn list_audit(
    db: &PgStore,
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
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(record_of)
        .collect()
}

pub(crate) async fn count_audit(db: &PgStore, f: &AuditFilter) -> Result<i64> {
    let mut q = QueryBuilder::new("SELECT COUNT(*) FROM audit_log");
    push_filter(&mut q, f);
    Ok(q.build().fetch_one(&db.pool).await?.try_get(0)?)
}

pub(crate) async fn prune_audit(db: &PgStore, before: Timestamp) -> Result<u64> {
    let mut total = 0;
    loop {
        let done = sqlx::query(
            "DELETE FROM audit_log WHERE id IN \
             (SELECT id FROM audit_log WHERE at_us < $1 LIMIT $2)",
        )
        .bind(us(before))
        .bind(PRUNE_BATCH)
        .execute(&db.pool)
        .await?
        .rows_affected();
        total += done;
        if done < PRUNE_BATCH as u64 {
            return Ok(total);
        }
    }
}

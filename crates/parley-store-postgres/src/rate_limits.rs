//! Rate-limit buckets on PostgreSQL (migration 0002): one `INSERT … ON CONFLICT DO UPDATE
//! … RETURNING` per take. Concurrent takes of one bucket queue on its row lock, and each
//! update re-reads the row as the previous one committed it (the upsert's guarantee under
//! READ COMMITTED), so no take is lost or counted twice.

use sqlx::Row;

use parley_store::codec::us;
use parley_store::{RateQuota, RateTake};

use super::*;

/// Rows deleted per statement when pruning, so a backlog never holds many row locks.
const PRUNE_BATCH: i64 = 5_000;

pub(crate) async fn take_rate(
    db: &PgStore,
    bucket: &str,
    quota: RateQuota,
    now: Timestamp,
) -> Result<RateTake> {
    let b = quota.take_binds(now);
    // Every SET expression reads the row as it was before the update.
    let row = sqlx::query(
        "INSERT INTO rate_limits AS r (bucket, tat_us, admitted) VALUES ($1, $2 + $3, TRUE) \
         ON CONFLICT (bucket) DO UPDATE SET \
           admitted = GREATEST(r.tat_us, $2) <= $4, \
           tat_us = CASE WHEN GREATEST(r.tat_us, $2) <= $4 \
                    THEN GREATEST(r.tat_us, $2) + $3 ELSE r.tat_us END \
         RETURNING tat_us, admitted",
    )
    .bind(bucket)
    .bind(b.now_us)
    .bind(b.interval_us)
    .bind(b.latest_us)
    .fetch_one(&db.pool)
    .await?;
    Ok(b.outcome(row.try_get("admitted")?, row.try_get("tat_us")?))
}

pub(crate) async fn prune_rate_limits(db: &PgStore, before: Timestamp) -> Result<u64> {
    let mut total = 0;
    loop {
        // `tat_us < $1` on the deleted row itself too: a take that updated the row after
        // the subquery read it is rechecked against the new time, and the row stays.
        let done = sqlx::query(
            "DELETE FROM rate_limits WHERE tat_us < $1 AND bucket IN \
             (SELECT bucket FROM rate_limits WHERE tat_us < $1 LIMIT $2)",
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

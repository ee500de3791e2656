//! Rate-limit buckets on SQLite (migration 0016): one upsert per take. SQLite has one
//! writer, so the statement is atomic whatever else runs; it is still one statement, as on
//! PostgreSQL, so that no process reads a bucket and writes it back later.

use sqlx::Row;

use parley_domain::Timestamp;

use crate::SqliteStore;
use parley_store::codec::us;
use parley_store::{RateQuota, RateTake, Result};

/// Rows deleted per statement when pruning, so a backlog never holds the write lock long.
const PRUNE_BATCH: i64 = 5_000;

impl SqliteStore {
    pub(super) async fn rate_take(
        &self,
        bucket: &str,
        quota: RateQuota,
        now: Timestamp,
    ) -> Result<RateTake> {
        let b = quota.take_binds(now);
        // Every SET expression reads the row as it was before the update.
        let row = sqlx::query(
            "INSERT INTO rate_limits (bucket, tat_us, admitted) VALUES (?1, ?2 + ?3, 1) \
             ON CONFLICT (bucket) DO UPDATE SET \
               admitted = MAX(rate_limits.tat_us, ?2) <= ?4, \
               tat_us = CASE WHEN MAX(rate_limits.tat_us, ?2) <= ?4 \
                        THEN MAX(rate_limits.tat_us, ?2) + ?3 ELSE rate_limits.tat_us END \
             RETURNING tat_us, admitted",
        )
        .bind(bucket)
        .bind(b.now_us)
        .bind(b.interval_us)
        .bind(b.latest_us)
        .fetch_one(&self.pool)
        .await?;
        Ok(b.outcome(row.try_get("admitted")?, row.try_get("tat_us")?))
    }

    pub(super) async fn rate_prune(&self, before: Timestamp) -> Result<u64> {
        let mut total = 0;
        loop {
            let done = sqlx::query(
                "DELETE FROM rate_limits WHERE tat_us < ?1 AND bucket IN \
                 (SELECT bucket FROM rate_limits WHERE tat_us < ?1 LIMIT ?2)",
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

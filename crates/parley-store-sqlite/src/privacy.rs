//! Data privacy on SQLite (migration 0021): the finder over `parley_store::privacy::SOURCES`
//! (paged by key), erase steps in one transaction with the jobs they leave (recordings to
//! delete, analyses to make again) and the erasure's report, and the compaction that
//! leaves no erased byte in the database file or its WAL.
//!
//! Erased bytes could survive in three places: free pages (a deleted row's cell stays on
//! its page until the page is reused), the WAL (old page images until a checkpoint
//! overwrites and truncates it) and freelist pages left by earlier deletes made before any
//! erase. The erase transaction runs with `PRAGMA secure_delete = ON` on its connection, so
//! the cells it deletes are zeroed at once; then [`PrivacyStore::privacy_compact`] runs
//! `VACUUM` (the file rebuilt from live rows only, which also drops what earlier ordinary
//! deletes left behind) and `wal_checkpoint(TRUNCATE)` (the WAL copied in and cut to zero
//! bytes). `secure_delete` is not turned on database-wide: it costs every delete of the
//! busiest tables (jobs, audit pruning, transcripts replaced) a page rewrite, for a
//! guarantee only an erase needs, and the `VACUUM` gives it then.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::{Row, Sqlite};

use parley_domain::privacy::Erasure;
use parley_domain::{CallId, Timestamp};
use parley_store::privacy::{
    EraseCommit, EraseOutcome, EraseStep, ErasureColumns, FoundRow, Key, PrivacyStore, Source,
    Value,
};
use parley_store::{Result, StoreError};

use crate::SqliteStore;

const ERASURE_COLUMNS: &str = "id, kind, subject, masked, dry_run, state, requested_by, \
     requested_us, finished_us, job_id, report, error";

fn erasure_of(r: &sqlx::sqlite::SqliteRow) -> Result<Erasure> {
    ErasureColumns {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        subject: r.try_get("subject")?,
        masked: r.try_get("masked")?,
        dry_run: r.try_get("dry_run")?,
        state: r.try_get("state")?,
        requested_by: r.try_get("requested_by")?,
        requested_us: r.try_get("requested_us")?,
        finished_us: r.try_get("finished_us")?,
        job_id: r.try_get("job_id")?,
        report: r.try_get("report")?,
        error: r.try_get("error")?,
    }
    .erasure()
}

fn bind_value<'q>(
    q: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    v: &'q Value,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    match v {
        Value::Text(t) => q.bind(t.as_deref()),
        Value::Int(i) => q.bind(*i),
        Value::Bool(b) => q.bind(*b),
    }
}

fn bind_key<'q>(
    q: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    v: &'q Key,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    match v {
        Key::Int(i) => q.bind(*i),
        Key::Text(t) => q.bind(t.as_str()),
    }
}

/// [`PrivacyStore::erasure_gave_up`] on `db` (the pool, or the transaction that fails
/// the erase job: [`parley_store::GaveUp`]).
pub(crate) async fn erasure_gave_up_in<'e>(
    db: impl sqlx::Executor<'e, Database = Sqlite>,
    id: i64,
    error: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE privacy_erasures SET subject = NULL, error = ?, \
         state = CASE WHEN state = 'queued' THEN 'failed' ELSE state END, \
         finished_us = COALESCE(finished_us, ?) WHERE id = ?",
    )
    .bind(error)
    .bind(now.timestamp_micros())
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

#[async_trait]
impl PrivacyStore for SqliteStore {
    async fn privacy_rows(
        &self,
        s: &'static Source,
        needle: &str,
        after: Option<&[Key]>,
        limit: u32,
    ) -> Result<Vec<FoundRow>> {
        let mut select: Vec<String> = s.key.iter().map(|k| k.to_string()).collect();
        select.push(s.call.unwrap_or("NULL").to_owned());
        select.extend(s.columns.iter().map(|c| c.to_string()));
        let cond: Vec<String> = s
            .columns
            .iter()
            .map(|c| format!("instr(lower({c}), ?1) > 0"))
            .collect();
        // Keyset paging: a row-value comparison on the key, which is the table's primary
        // key, so each page resumes where the last one stopped.
        let mut sql = format!(
            "SELECT {} FROM {} WHERE ({})",
            select.join(", "),
            s.table,
            cond.join(" OR ")
        );
        if after.is_some() {
            let params: Vec<String> = (0..s.key.len()).map(|i| format!("?{}", i + 2)).collect();
            sql.push_str(&format!(
                " AND ({}) > ({})",
                s.key.join(", "),
                params.join(", ")
            ));
        }
        sql.push_str(&format!(
            " ORDER BY {} LIMIT ?{}",
            s.key.join(", "),
            after.map_or(0, <[Key]>::len) + 2
        ));
        let mut q = sqlx::query(&sql).bind(needle);
        for k in after.unwrap_or_default() {
            q = bind_key(q, k);
        }
        let rows = q.bind(i64::from(limit)).fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut key = Vec::with_capacity(s.key.len());
            for (i, k) in s.key.iter().enumerate() {
                key.push(if s.is_text_key(k) {
                    Key::Text(r.try_get::<String, _>(i)?)
                } else {
                    Key::Int(r.try_get::<i64, _>(i)?)
                });
            }
            let call: Option<i64> = r.try_get(s.key.len())?;
            let mut values = Vec::with_capacity(s.columns.len());
            for i in 0..s.columns.len() {
                values.push(r.try_get::<Option<String>, _>(s.key.len() + 1 + i)?);
            }
            out.push(FoundRow {
                table: s.table,
                key,
                call: call.map(CallId),
                values,
            });
        }
        Ok(out)
    }

    async fn privacy_erase(&self, erase: &EraseCommit<'_>) -> Result<EraseOutcome> {
        let mut conn = self.pool.acquire().await?;
        sqlx::query("PRAGMA secure_delete = ON")
            .execute(&mut *conn)
            .await?;
        let result = async {
            let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
            // First, so a second run of the same erase changes nothing.
            let e = ErasureColumns::of(erase.erasure)?;
            let written = sqlx::query(
                "UPDATE privacy_erasures SET subject = ?, masked = ?, state = ?, finished_us = ?, \
                 job_id = ?, report = ?, error = ? WHERE id = ? AND state = 'queued'",
            )
            .bind(e.subject)
            .bind(e.masked)
            .bind(e.state)
            .bind(e.finished_us)
            .bind(e.job_id)
            .bind(e.report)
            .bind(e.error)
            .bind(e.id)
            .execute(&mut *tx)
            .await?;
            if written.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "erasure {} is not queued",
                    e.id
                )));
            }
            let mut rows = 0;
            for step in erase.steps {
                rows += match step {
                    EraseStep::Delete { table, by } => {
                        let cond: Vec<String> = by.iter().map(|(c, _)| format!("{c} = ?")).collect();
                        let sql = format!("DELETE FROM {table} WHERE {}", cond.join(" AND "));
                        let mut q = sqlx::query(&sql);
                        for (_, v) in by {
                            q = bind_key(q, v);
                        }
                        q.execute(&mut *tx).await?.rows_affected()
                    }
                    EraseStep::Update { table, by, set } => {
                        let sets: Vec<String> = set.iter().map(|(c, _)| format!("{c} = ?")).collect();
                        let cond: Vec<String> = by.iter().map(|(c, _)| format!("{c} = ?")).collect();
                        let sql = format!(
                            "UPDATE {table} SET {} WHERE {}",
                            sets.join(", "),
                            cond.join(" AND ")
                        );
                        let mut q = sqlx::query(&sql);
                        for (_, v) in set {
                            q = bind_value(q, v);
                        }
                        for (_, v) in by {
                            q = bind_key(q, v);
                        }
                        q.execute(&mut *tx).await?.rows_affected()
                    }
                };
            }
            let ids: Vec<i64> = erase.calls.iter().map(|c| c.0).collect();
            sqlx::query(
                "UPDATE calls SET version = version + 1 WHERE id IN (SELECT value FROM json_each(?))",
            )
            .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
            .execute(&mut *tx)
            .await?;
            for (job, live) in erase.jobs() {
                crate::enqueue_in(&mut tx, &job, live, erase.now).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(EraseOutcome { rows })
        }
        .await;
        // The connection goes back to the pool as the others are.
        let _ = sqlx::query("PRAGMA secure_delete = OFF")
            .execute(&mut *conn)
            .await;
        result
    }

    async fn privacy_compact(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        sqlx::query("PRAGMA secure_delete = ON")
            .execute(&mut *conn)
            .await?;
        sqlx::query("VACUUM").execute(&mut *conn).await?;
        let _ = sqlx::query("PRAGMA secure_delete = OFF")
            .execute(&mut *conn)
            .await;
        // A reader holding an old snapshot keeps the checkpoint from finishing (`busy`):
        // readers here are short, so a few tries see it through.
        for attempt in 0..50 {
            let r = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&mut *conn)
                .await?;
            let busy: i64 = r.try_get(0)?;
            if busy == 0 {
                return Ok(());
            }
            tracing::debug!(attempt, "wal checkpoint busy; trying again");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(StoreError::Corrupt(
            "the WAL could not be checkpointed: a reader kept it busy".into(),
        ))
    }

    async fn create_erasure(&self, e: &Erasure) -> Result<()> {
        let c = ErasureColumns::of(e)?;
        sqlx::query(&format!(
            "INSERT INTO privacy_erasures ({ERASURE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(c.id)
        .bind(c.kind)
        .bind(c.subject)
        .bind(c.masked)
        .bind(c.dry_run)
        .bind(c.state)
        .bind(c.requested_by)
        .bind(c.requested_us)
        .bind(c.finished_us)
        .bind(c.job_id)
        .bind(c.report)
        .bind(c.error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn update_erasure(&self, e: &Erasure) -> Result<()> {
        let c = ErasureColumns::of(e)?;
        sqlx::query(
            "UPDATE privacy_erasures SET subject = ?, masked = ?, state = ?, finished_us = ?, \
             job_id = ?, report = ?, error = ? WHERE id = ?",
        )
        .bind(c.subject)
        .bind(c.masked)
        .bind(c.state)
        .bind(c.finished_us)
        .bind(c.job_id)
        .bind(c.report)
        .bind(c.error)
        .bind(c.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn erasure_gave_up(&self, id: i64, error: &str, now: Timestamp) -> Result<()> {
        erasure_gave_up_in(&self.pool, id, error, now).await
    }

    async fn get_erasure(&self, id: i64) -> Result<Option<Erasure>> {
        let row = sqlx::query(&format!(
            "SELECT {ERASURE_COLUMNS} FROM privacy_erasures WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(erasure_of).transpose()
    }

    async fn list_erasures(&self, limit: u32) -> Result<Vec<Erasure>> {
        let rows = sqlx::query(&format!(
            "SELECT {ERASURE_COLUMNS} FROM privacy_erasures ORDER BY requested_us DESC, id DESC LIMIT ?"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(erasure_of).collect()
    }

    async fn erasures_done(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM privacy_erasures WHERE state = 'done' AND dry_run = 0",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}

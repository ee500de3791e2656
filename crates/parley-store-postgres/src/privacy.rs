//! Data privacy on PostgreSQL (migration 0007): the finder over
//! `parley_store::privacy::SOURCES`, erase steps in one transaction, and `VACUUM`.
//!
//! An erase deletes and rewrites rows; PostgreSQL keeps the old row versions (dead
//! tuples) on their pages until `VACUUM` reclaims them, so
//! [`PrivacyStore::privacy_compact`] vacuums the database right after. A plain `VACUUM`
//! takes no lock that blocks reads or writes; `VACUUM FULL` (which rewrites every table)
//! would, and is left to the operator. WAL segments and base backups taken before the
//! erase still hold the bytes until they are recycled or expire (`docs/data-privacy.md`).
//!
//! The erase locks its calls first (those it changes and those it deletes), in id order,
//! `FOR UPDATE`, the order every writer of a call follows, so it cannot deadlock with
//! them. It queues its follow-up jobs and writes the erasure's report in the same
//! transaction, so a job that dies after the commit loses nothing.

use async_trait::async_trait;
use sqlx::{Postgres, Row};

use parley_domain::privacy::Erasure;
use parley_domain::{CallId, Timestamp};
use parley_store::privacy::{
    EraseCommit, EraseOutcome, EraseStep, ErasureColumns, FoundRow, Key, PrivacyStore, Source,
    Value,
};
use parley_store::{Result, StoreError};

use crate::PgStore;

const ERASURE_COLUMNS: &str = "id, kind, subject, masked, dry_run, state, requested_by, \
     requested_us, finished_us, job_id, report, error";

fn erasure_of(r: &sqlx::postgres::PgRow) -> Result<Erasure> {
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
    q: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    v: &'q Value,
) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    match v {
        Value::Text(t) => q.bind(t.as_deref()),
        Value::Int(i) => q.bind(*i),
        Value::Bool(b) => q.bind(*b),
    }
}

fn bind_key<'q>(
    q: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    v: &'q Key,
) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    match v {
        Key::Int(i) => q.bind(*i),
        Key::Text(t) => q.bind(t.as_str()),
    }
}

/// [`PrivacyStore::erasure_gave_up`] on `db` (the pool, or the transaction that fails
/// the erase job: [`parley_store::GaveUp`]).
pub(crate) async fn erasure_gave_up_in<'e>(
    db: impl sqlx::Executor<'e, Database = Postgres>,
    id: i64,
    error: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE privacy_erasures SET subject = NULL, error = $1, \
         state = CASE WHEN state = 'queued' THEN 'failed' ELSE state END, \
         finished_us = COALESCE(finished_us, $2) WHERE id = $3",
    )
    .bind(error)
    .bind(now.timestamp_micros())
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

#[async_trait]
impl PrivacyStore for PgStore {
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
            .map(|c| format!("strpos(lower({c}), $1) > 0"))
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
            let params: Vec<String> = (0..s.key.len()).map(|i| format!("${}", i + 2)).collect();
            sql.push_str(&format!(
                " AND ({}) > ({})",
                s.key.join(", "),
                params.join(", ")
            ));
        }
        sql.push_str(&format!(
            " ORDER BY {} LIMIT ${}",
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
        let mut tx = self.pool.begin().await?;
        // The erasure first: a second run of the same erase waits here for the first,
        // then finds it no longer queued and changes nothing.
        let e = ErasureColumns::of(erase.erasure)?;
        let written = sqlx::query(
            "UPDATE privacy_erasures SET subject = $1, masked = $2, state = $3, finished_us = $4, \
             job_id = $5, report = $6, error = $7 WHERE id = $8 AND state = 'queued'",
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
        sqlx::query("SELECT id FROM calls WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind(erase.locked_calls())
            .fetch_all(&mut *tx)
            .await?;
        let ids: Vec<i64> = erase.calls.iter().map(|c| c.0).collect();
        let mut rows = 0;
        for step in erase.steps {
            rows += match step {
                EraseStep::Delete { table, by } => {
                    let cond: Vec<String> = by
                        .iter()
                        .enumerate()
                        .map(|(i, (c, _))| format!("{c} = ${}", i + 1))
                        .collect();
                    let sql = format!("DELETE FROM {table} WHERE {}", cond.join(" AND "));
                    let mut q = sqlx::query(&sql);
                    for (_, v) in by {
                        q = bind_key(q, v);
                    }
                    q.execute(&mut *tx).await?.rows_affected()
                }
                EraseStep::Update { table, by, set } => {
                    let sets: Vec<String> = set
                        .iter()
                        .enumerate()
                        .map(|(i, (c, _))| format!("{c} = ${}", i + 1))
                        .collect();
                    let cond: Vec<String> = by
                        .iter()
                        .enumerate()
                        .map(|(i, (c, _))| format!("{c} = ${}", set.len() + i + 1))
                        .collect();
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
        sqlx::query("UPDATE calls SET version = version + 1 WHERE id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        for (job, live) in erase.jobs() {
            crate::jobs::enqueue_in(&mut tx, &job, live, erase.now).await?;
        }
        tx.commit().await?;
        Ok(EraseOutcome { rows })
    }

    async fn privacy_compact(&self) -> Result<()> {
        // Not in a transaction block, and as a simple query: VACUUM refuses both others.
        sqlx::raw_sql("VACUUM").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_erasure(&self, e: &Erasure) -> Result<()> {
        let c = ErasureColumns::of(e)?;
        sqlx::query(&format!(
            "INSERT INTO privacy_erasures ({ERASURE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
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
            "UPDATE privacy_erasures SET subject = $1, masked = $2, state = $3, finished_us = $4, \
             job_id = $5, report = $6, error = $7 WHERE id = $8",
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
            "SELECT {ERASURE_COLUMNS} FROM privacy_erasures WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(erasure_of).transpose()
    }

    async fn list_erasures(&self, limit: u32) -> Result<Vec<Erasure>> {
        let rows = sqlx::query(&format!(
            "SELECT {ERASURE_COLUMNS} FROM privacy_erasures ORDER BY requested_us DESC, id DESC LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(erasure_of).collect()
    }

    async fn erasures_done(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM privacy_erasures WHERE state = 'done' AND NOT dry_run",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}

//! The job queue: enqueue with de-duplication, claims that skip locked rows, leases that
//! fence results.
//!
//! A job's result is fenced by `(id, attempts)`: every claim bumps `attempts`, so a worker
//! whose lease expired and was claimed by another finds its lease no longer matching, and
//! its writes fail with `LeaseLost` and roll back.

use parley_domain::{random_id, retry_backoff, CrmRequestStatus, JobSpec};
use parley_store::codec::{opt_ts, ts, us};
use parley_store::ANALYSIS_LIVE_AFTER_TRANSCRIPT;
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::*;

use parley_store::{GaveUp, PrivacyStore, WORKER_STOPPED};

pub(crate) fn job_of(r: &PgRow) -> Result<Job> {
    let kind: &str = r.try_get("kind")?;
    let state: &str = r.try_get("state")?;
    let payload: &str = r.try_get("payload")?;
    Ok(Job {
        id: r.try_get("id")?,
        kind: JobKind::from_key(kind)
            .ok_or_else(|| StoreError::Corrupt(format!("job kind {kind}")))?,
        call_id: r.try_get::<Option<i64>, _>("call_id")?.map(CallId),
        payload: serde_json::from_str(payload)
            .map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))?,
        state: JobState::from_key(state)
            .ok_or_else(|| StoreError::Corrupt(format!("job state {state}")))?,
        attempts: narrow(r.try_get("attempts")?, "job attempts")?,
        max_attempts: narrow(r.try_get("max_attempts")?, "job max attempts")?,
        crashes: narrow(r.try_get("crashes")?, "job crashes")?,
        run_after: ts(r.try_get("run_after_us")?)?,
        progress: r.try_get("progress")?,
        error: r.try_get("error")?,
        created: ts(r.try_get("created_us")?)?,
        updated: ts(r.try_get("updated_us")?)?,
        finished: opt_ts(r.try_get("finished_us")?)?,
        worker: r.try_get("lease_owner")?,
    })
}

/// Marks the leased job done inside `tx`, or fails with `LeaseLost` when another worker
/// has taken it over (or it finished already), so the caller's writes roll back.
///
/// One conditional UPDATE: it locks the job's row until `tx` ends, so a claimer that
/// takes the job over after its lease expired waits for this transaction and then sees
/// the job done (its claim condition is re-checked on the new row).
pub(crate) async fn finish_leased(tx: &mut Tx, lease: JobLease, now: Timestamp) -> Result<()> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'done', progress = 1.0, error = NULL, \
         lease_until_us = NULL, updated_us = $1, finished_us = $1 \
         WHERE id = $2 AND attempts = $3 AND state = 'running'",
    )
    .bind(us(now))
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

/// Adds a job inside `tx`, unless a job of the same kind for the same call (and the same
/// payload) is in one of `live_states` (that job is returned instead).
///
/// SQLite runs this look-up-then-insert under its single writer lock. Here two nodes
/// could both miss and both insert, so the look-up is preceded by a transaction-scoped
/// advisory lock on the job's identity: a second enqueuer of the same job waits until the
/// first commits, and its look-up (a new statement, so a new READ COMMITTED snapshot) then
/// sees the first one's job. Not a partial unique index: which states count as live
/// depends on the caller (a queued transcription may sit next to a running one for older
/// bytes) and jobs enqueued without de-duplication may repeat, so no single index states
/// the rule. A hash collision between two different jobs only makes them wait on each
/// other.
pub(crate) async fn enqueue_in(
    tx: &mut Tx,
    job: &NewJob,
    live_states: &[&str],
    now: Timestamp,
) -> Result<Job> {
    let payload = job.payload.to_string();
    let call_id = job.call_id.map(|c| c.0);
    if !live_states.is_empty() {
        // Kind and call never hold a tab; the payload, which may, comes last.
        let identity = format!(
            "parley-job\t{}\t{}\t{payload}",
            job.kind.key(),
            call_id.map(|c| c.to_string()).unwrap_or_default()
        );
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(identity)
            .execute(&mut **tx)
            .await?;
        let states: Vec<&str> = live_states.to_vec();
        let found = sqlx::query(
            "SELECT * FROM jobs WHERE kind = $1 AND call_id IS NOT DISTINCT FROM $2 AND payload = $3 \
             AND state = ANY($4) ORDER BY created_us LIMIT 1",
        )
        .bind(job.kind.key())
        .bind(call_id)
        .bind(&payload)
        .bind(states)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(row) = found {
            return job_of(&row);
        }
    }
    let row = sqlx::query(
        "INSERT INTO jobs (id, kind, call_id, payload, state, attempts, max_attempts, run_after_us, \
         created_us, updated_us) VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $6, $6) RETURNING *",
    )
    .bind(random_id())
    .bind(job.kind.key())
    .bind(call_id)
    .bind(&payload)
    .bind(i64::from(job.max_attempts.max(1)))
    .bind(us(now))
    .fetch_one(&mut **tx)
    .await?;
    job_of(&row)
}

/// The `analyze` job a new transcript needs.
pub(crate) async fn enqueue_analysis(tx: &mut Tx, call: CallId, now: Timestamp) -> Result<Job> {
    let job = JobSpec::Analyze { call }.into();
    enqueue_in(tx, &job, ANALYSIS_LIVE_AFTER_TRANSCRIPT, now).await
}

pub(crate) async fn enqueue_job(db: &PgStore, job: &NewJob, now: Timestamp) -> Result<Job> {
    let mut tx = db.begin().await?;
    let job = enqueue_in(&mut tx, job, job.live_states(), now).await?;
    tx.commit().await?;
    Ok(job)
}

/// Records what a job failed for good leaves behind ([`GaveUp`]) inside `tx`, the
/// transaction that fails it. True when an erasure was given up: the caller compacts
/// once it has committed ([`compact_after_gave_up`]).
async fn record_gave_up(tx: &mut Tx, job: &Job, error: &str, now: Timestamp) -> Result<bool> {
    match GaveUp::of(job, error) {
        None => Ok(false),
        Some(GaveUp::CrmRequest {
            integration,
            request,
        }) => {
            // A request that finished keeps its result.
            sqlx::query(
                "UPDATE crm_requests SET status = $1, updated_us = $2 \
                 WHERE integration_id = $3 AND client_request_id = $4 AND status = ANY($5)",
            )
            .bind(CrmRequestStatus::Failed.key())
            .bind(us(now))
            .bind(integration)
            .bind(&request)
            .bind(vec![
                CrmRequestStatus::Pending.key(),
                CrmRequestStatus::InProgress.key(),
            ])
            .execute(&mut **tx)
            .await?;
            Ok(false)
        }
        Some(GaveUp::Erasure { id, error }) => {
            crate::privacy::erasure_gave_up_in(&mut **tx, id, &error, now).await?;
            Ok(true)
        }
        Some(GaveUp::CrmWrite { write, error }) => {
            sqlx::query(
                "UPDATE crm_writes SET state = $1, outcome = $2, updated_us = $3 \
                 WHERE id = $4 AND state = $5",
            )
            .bind(parley_domain::crm_write::CrmWriteState::Failed.key())
            .bind(&error)
            .bind(us(now))
            .bind(write)
            .bind(parley_domain::crm_write::CrmWriteState::Pending.key())
            .execute(&mut **tx)
            .await?;
            Ok(false)
        }
    }
}

/// After a given-up erasure committed: the row's old bytes still hold the address, as an
/// erased row's would, so compact as an erase does. Best effort: the database may be what
/// failed, and the job has ended either way.
async fn compact_after_gave_up(db: &PgStore, job: i64) {
    if let Err(e) = db.privacy_compact().await {
        tracing::warn!(job_id = job, error = %e, "compaction after a given-up erase failed");
    }
}

pub(crate) async fn claim_job(
    db: &PgStore,
    kinds: &[JobKind],
    worker: &str,
    lease_secs: u32,
    now: Timestamp,
) -> Result<Option<(Job, JobLease)>> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let kinds: Vec<&str> = kinds.iter().map(|k| k.key()).collect();
    let lease_until = now + chrono::Duration::seconds(i64::from(lease_secs));
    // One statement per attempt: the candidate is picked and locked with SKIP LOCKED, so
    // concurrent claimers on any node each take a different job and never wait on each
    // other. A candidate whose worker died on its last allowed attempt is failed by the
    // same statement (as SQLite does in its claim loop), with what it served in the same
    // transaction ([`GaveUp`]), and the next one is tried.
    loop {
        let mut tx = db.begin().await?;
        let row = sqlx::query(
            "WITH pick AS ( \
                SELECT id, (state = 'running' AND attempts >= max_attempts) AS dead FROM jobs \
                WHERE ((state = 'queued' AND run_after_us <= $3) OR (state = 'running' AND lease_until_us < $3)) \
                  AND kind = ANY($4) \
                ORDER BY run_after_us, created_us LIMIT 1 FOR UPDATE SKIP LOCKED) \
             UPDATE jobs j SET \
                state = CASE WHEN p.dead THEN 'failed' ELSE 'running' END, \
                attempts = CASE WHEN p.dead THEN j.attempts ELSE j.attempts + 1 END, \
                lease_owner = CASE WHEN p.dead THEN NULL ELSE $1 END, \
                lease_until_us = CASE WHEN p.dead THEN NULL ELSE $2 END, \
                progress = CASE WHEN p.dead THEN j.progress END, \
                error = CASE WHEN p.dead THEN $5 ELSE j.error END, \
                finished_us = CASE WHEN p.dead THEN $3 ELSE j.finished_us END, \
                updated_us = $3 \
             FROM pick p WHERE j.id = p.id RETURNING j.*",
        )
        .bind(worker)
        .bind(us(lease_until))
        .bind(us(now))
        .bind(&kinds)
        .bind(WORKER_STOPPED)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        let job = job_of(&row)?;
        if job.state != JobState::Running {
            let erased = record_gave_up(&mut tx, &job, WORKER_STOPPED, now).await?;
            tx.commit().await?;
            if erased {
                compact_after_gave_up(db, job.id).await;
            }
            continue;
        }
        tx.commit().await?;
        let lease = JobLease {
            job_id: job.id,
            attempt: job.attempts,
        };
        return Ok(Some((job, lease)));
    }
}

pub(crate) async fn heartbeat_job(
    db: &PgStore,
    lease: JobLease,
    progress: Option<f64>,
    lease_secs: u32,
    now: Timestamp,
) -> Result<bool> {
    let lease_until = now + chrono::Duration::seconds(i64::from(lease_secs));
    let done = sqlx::query(
        "UPDATE jobs SET lease_until_us = $1, progress = COALESCE($2, progress), updated_us = $3 \
         WHERE id = $4 AND attempts = $5 AND state = 'running'",
    )
    .bind(us(lease_until))
    .bind(progress)
    .bind(us(now))
    .bind(lease.job_id)
    .bind(i64::from(lease.attempt))
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn finish_job(db: &PgStore, lease: JobLease, now: Timestamp) -> Result<()> {
    let mut tx = db.begin().await?;
    finish_leased(&mut tx, lease, now).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn fail_job(
    db: &PgStore,
    lease: JobLease,
    error: &str,
    failure: Failure,
    now: Timestamp,
) -> Result<JobState> {
    let mut tx = db.begin().await?;
    // A row lock (NO KEY UPDATE, as the UPDATE below takes): the counts read decide the write; a concurrent claim of an expired
    // lease waits for this transaction (and then sees the job no longer running).
    let row = sqlx::query(
        "SELECT * FROM jobs WHERE id = $1 AND attempts = $2 AND state = 'running' FOR NO KEY UPDATE",
    )
    .bind(lease.job_id)
    .bind(i64::from(lease.attempt))
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::LeaseLost(lease.job_id))?;
    let attempts: i64 = row.try_get("attempts")?;
    let max_attempts: i64 = row.try_get("max_attempts")?;
    let mut crashes: i64 = row.try_get("crashes")?;
    let retry = match failure {
        Failure::Transient => attempts < max_attempts,
        Failure::Permanent => false,
        Failure::Crash { limit } => {
            crashes += 1;
            attempts < max_attempts && crashes < i64::from(limit)
        }
    };
    let state = if retry {
        JobState::Queued
    } else {
        JobState::Failed
    };
    let run_after = now + retry_backoff(narrow(attempts, "job attempts")?);
    sqlx::query(
        "UPDATE jobs SET state = $1, error = $2, crashes = $3, run_after_us = $4, \
         lease_until_us = NULL, updated_us = $5, finished_us = $6 WHERE id = $7",
    )
    .bind(state.key())
    .bind(error)
    .bind(crashes)
    .bind(us(run_after))
    .bind(us(now))
    .bind((!retry).then_some(us(now)))
    .bind(lease.job_id)
    .execute(&mut *tx)
    .await?;
    let erased = if retry {
        false
    } else {
        record_gave_up(&mut tx, &job_of(&row)?, error, now).await?
    };
    tx.commit().await?;
    if erased {
        compact_after_gave_up(db, lease.job_id).await;
    }
    Ok(state)
}

pub(crate) async fn cancel_job(
    db: &PgStore,
    id: i64,
    reason: &str,
    now: Timestamp,
) -> Result<Option<Job>> {
    // One statement: a claim that takes the job first leaves it running, and then it is
    // read back as it is.
    let cancelled = sqlx::query(
        "UPDATE jobs SET state = 'failed', error = $1, progress = NULL, updated_us = $2, finished_us = $2 \
         WHERE id = $3 AND state = 'queued' RETURNING *",
    )
    .bind(reason)
    .bind(us(now))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    match cancelled {
        Some(row) => job_of(&row).map(Some),
        None => get_job(db, id).await,
    }
}

pub(crate) async fn get_job(db: &PgStore, id: i64) -> Result<Option<Job>> {
    let row = sqlx::query("SELECT * FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(job_of).transpose()
}

pub(crate) async fn jobs_for_call(db: &PgStore, call_id: CallId) -> Result<Vec<Job>> {
    let rows = sqlx::query("SELECT * FROM jobs WHERE call_id = $1 ORDER BY created_us, id")
        .bind(call_id.0)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(job_of).collect()
}

pub(crate) async fn list_jobs(
    db: &PgStore,
    state: Option<JobState>,
    limit: u32,
) -> Result<Vec<Job>> {
    let rows = sqlx::query(
        "SELECT * FROM jobs WHERE $1::TEXT IS NULL OR state = $1 \
         ORDER BY created_us DESC, id LIMIT $2",
    )
    .bind(state.map(|s| s.key()))
    .bind(i64::from(limit))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(job_of).collect()
}

pub(crate) async fn record_worker(
    db: &PgStore,
    w: &WorkerBeat,
    forget_before: Timestamp,
) -> Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM workers WHERE last_seen_us < $1")
        .bind(us(forget_before))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO workers (name, version, kinds, speech_model, transcription_slots, started_us, \
         last_seen_us, stopped, running, done, failed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (name) DO UPDATE SET version = excluded.version, kinds = excluded.kinds, \
         speech_model = excluded.speech_model, transcription_slots = excluded.transcription_slots, \
         started_us = excluded.started_us, last_seen_us = excluded.last_seen_us, \
         stopped = excluded.stopped, running = excluded.running, done = excluded.done, \
         failed = excluded.failed",
    )
    .bind(&w.name)
    .bind(&w.version)
    .bind(w.kinds.join(","))
    .bind(&w.speech_model)
    .bind(i64::from(w.transcription_slots))
    .bind(us(w.started))
    .bind(us(w.last_seen))
    .bind(w.stopped)
    .bind(i64::from(w.running))
    .bind(i64::try_from(w.done).unwrap_or(i64::MAX))
    .bind(i64::try_from(w.failed).unwrap_or(i64::MAX))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn list_workers(db: &PgStore, since: Timestamp) -> Result<Vec<WorkerBeat>> {
    let rows = sqlx::query(
        "SELECT * FROM workers WHERE last_seen_us >= $1 ORDER BY started_us DESC, name",
    )
    .bind(us(since))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(WorkerBeat {
                name: r.try_get("name")?,
                version: r.try_get("version")?,
                kinds: parley_store::codec::worker_kinds(r.try_get("kinds")?),
                speech_model: r.try_get("speech_model")?,
                transcription_slots: parley_store::codec::narrow_u32(
                    r.try_get("transcription_slots")?,
                ),
                started: ts(r.try_get("started_us")?)?,
                last_seen: ts(r.try_get("last_seen_us")?)?,
                stopped: r.try_get("stopped")?,
                running: parley_store::codec::narrow_u32(r.try_get("running")?),
                done: u64::try_from(r.try_get::<i64, _>("done")?).unwrap_or(0),
                failed: u64::try_from(r.try_get::<i64, _>("failed")?).unwrap_or(0),
            })
        })
        .collect()
}

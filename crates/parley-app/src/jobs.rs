//! Background jobs: queueing a typed [`JobSpec`] and how a run's failure is classified.
//! The worker ([`crate::worker`]) claims them and runs each kind's one handler.

use chrono::Utc;
use parley_domain::{Job, JobKind, JobSpec, JobState, Principal};
use parley_store::{Store, StoreError};

use crate::error::{AppError, AppResult};

/// Queues a job (or returns the live one it duplicates, for kinds that de-duplicate).
pub async fn enqueue(store: &dyn Store, spec: JobSpec) -> Result<Job, StoreError> {
    store.enqueue_job(&spec.into(), Utc::now()).await
}

/// Why jobs of `kind` are not cancelled or run again by hand: their outcome is recorded
/// beside the job, where their own routes change it (`None`: nothing else records them).
fn kept_elsewhere(kind: JobKind) -> Option<&'static str> {
    match kind {
        JobKind::Erase => Some("an erasure's report records it (data-privacy requests)"),
        JobKind::CrmUpload => Some("its CRM upload request records it"),
        JobKind::CrmWrite => Some("its CRM write records it"),
        JobKind::Deliver => Some("its webhook delivery records it (replay the delivery)"),
        _ => None,
    }
}

/// What may be done to `job` by hand now (`POST /parley/v1/jobs/{id}/…`): `cancel` a
/// queued job, `retry` a failed one; nothing for kinds kept elsewhere.
pub fn actions(job: &Job) -> &'static [&'static str] {
    if kept_elsewhere(job.kind).is_some() {
        return &[];
    }
    match job.state {
        JobState::Queued => &["cancel"],
        JobState::Failed => &["retry"],
        JobState::Running | JobState::Done => &[],
    }
}

async fn job_to_change(store: &dyn Store, id: i64, verb: &str) -> AppResult<Job> {
    let job = store
        .get_job(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("job {id} was not found")))?;
    if let Some(why) = kept_elsewhere(job.kind) {
        return Err(AppError::Conflict(format!(
            "{} jobs cannot be {verb} here: {why}",
            job.kind.key()
        )));
    }
    Ok(job)
}

/// Who did it, as a job's error says: a user by id, or the company key.
fn by(principal: &Principal) -> String {
    match principal.user {
        Some(u) => format!("user {u}"),
        None => "the operator".to_owned(),
    }
}

/// Cancels a queued job: it ends failed, "cancelled by …", and no worker takes it.
pub async fn cancel(store: &dyn Store, principal: &Principal, id: i64) -> AppResult<Job> {
    let not_queued = |state: JobState| {
        AppError::Conflict(format!(
            "job {id} is {}: only a queued job can be cancelled",
            state.key()
        ))
    };
    let job = job_to_change(store, id, "cancelled").await?;
    if job.state != JobState::Queued {
        return Err(not_queued(job.state));
    }
    let reason = format!("cancelled by {}", by(principal));
    let after = store
        .cancel_job(id, &reason, Utc::now())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("job {id} was not found")))?;
    // A worker may have taken it in between: then it runs, and says so.
    if after.state != JobState::Failed {
        return Err(not_queued(after.state));
    }
    tracing::info!(job_id = id, kind = after.kind.key(), by = %by(principal), "job cancelled");
    Ok(after)
}

/// Runs a failed job again: a new job of the same kind, call and payload, with every
/// attempt before it (or the live one that already does that work).
pub async fn retry(store: &dyn Store, principal: &Principal, id: i64) -> AppResult<Job> {
    let job = job_to_change(store, id, "run again").await?;
    if job.state != JobState::Failed {
        return Err(AppError::Conflict(format!(
            "job {id} is {}: only a failed job can be run again",
            job.state.key()
        )));
    }
    let spec = JobSpec::of(&job)
        .map_err(|m| AppError::Conflict(format!("job {id} cannot be run again: {m}")))?;
    let again = store.enqueue_job(&spec.into(), Utc::now()).await?;
    tracing::info!(job_id = id, new_job_id = again.id, kind = job.kind.key(), by = %by(principal), "job run again");
    Ok(again)
}

/// A failed run and whether to retry it.
#[derive(Debug)]
pub struct JobError {
    pub message: String,
    pub transient: bool,
    /// The speech engine's process died on the job: retried (transient) but counted, see
    /// [`parley_store::Failure::Crash`].
    pub crash: bool,
}

impl JobError {
    pub fn transient(m: impl Into<String>) -> JobError {
        JobError {
            message: m.into(),
            transient: true,
            crash: false,
        }
    }

    pub fn permanent(m: impl Into<String>) -> JobError {
        JobError {
            message: m.into(),
            transient: false,
            crash: false,
        }
    }

    pub fn crash(m: impl Into<String>) -> JobError {
        JobError {
            message: m.into(),
            transient: true,
            crash: true,
        }
    }
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::LeaseLost(_) => {
                JobError::permanent("the job was taken over by another worker")
            }
            other => JobError::transient(other.to_string()),
        }
    }
}

/// A use case's failure inside a job: the caller's kind of mistake will not go away by
/// retrying; the server's may.
impl From<AppError> for JobError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Store(e) => e.into(),
            AppError::Internal(m) => JobError::transient(m),
            other => JobError::permanent(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_lease_is_final_and_other_store_failures_retry() {
        assert!(!JobError::from(StoreError::LeaseLost(3)).transient);
        assert!(JobError::from(StoreError::Corrupt("x".into())).transient);
        assert!(!JobError::from(AppError::invalid("bad")).transient);
        assert!(JobError::from(AppError::internal("disk")).transient);
    }
}

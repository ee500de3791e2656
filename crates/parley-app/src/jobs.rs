//! Background jobs: queueing a typed [`JobSpec`] and how a run's failure is classified.
//! The worker ([`crate::worker`]) claims them and runs each kind's one handler.

use chrono::Utc;
use parley_domain::{Job, JobSpec};
use parley_store::{Store, StoreError};

use crate::error::AppError;

/// Queues a job (or returns the live one it duplicates, for kinds that de-duplicate).
pub async fn enqueue(store: &dyn Store, spec: JobSpec) -> Result<Job, StoreError> {
    store.enqueue_job(&spec.into(), Utc::now()).await
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

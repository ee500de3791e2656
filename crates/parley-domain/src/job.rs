//! Background work: what a job is and how its retries are spaced. The queue itself
//! lives in the store, so that every worker process shares it.

use crate::{CallId, Timestamp};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Pull a recording from the call's `downloadMediaUrl`.
    FetchMedia,
    /// Decode a call's recording and transcribe it.
    Transcribe,
    /// Run the conversation analysis over a call's transcript.
    Analyze,
    /// Delete a stored recording that a newer one replaced (payload `{"key": ...}`), once
    /// nothing refers to it.
    DeleteMedia,
}

impl JobKind {
    pub const ALL: [JobKind; 4] = [
        JobKind::FetchMedia,
        JobKind::Transcribe,
        JobKind::Analyze,
        JobKind::DeleteMedia,
    ];

    pub fn key(self) -> &'static str {
        match self {
            JobKind::FetchMedia => "fetch-media",
            JobKind::Transcribe => "transcribe",
            JobKind::Analyze => "analyze",
            JobKind::DeleteMedia => "delete-media",
        }
    }

    pub fn from_key(key: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting to run (first time, or again after a transient failure).
    Queued,
    /// Held by a worker whose lease has not expired.
    Running,
    Done,
    /// Gave up: a permanent error, or out of attempts.
    Failed,
}

impl JobState {
    pub fn key(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    pub fn from_key(key: &str) -> Option<JobState> {
        [
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Failed,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub call_id: Option<CallId>,
    /// Kind-specific parameters (e.g. the model to use), as JSON.
    pub payload: serde_json::Value,
    pub state: JobState,
    /// Runs started so far, including the current one.
    pub attempts: u32,
    pub max_attempts: u32,
    /// Runs that ended with the speech engine's process dying (a crash or a deadline).
    pub crashes: u32,
    /// Not to be started before this time (backoff after a failure).
    pub run_after: Timestamp,
    /// 0.0–1.0 while running, when the worker reports it.
    pub progress: Option<f64>,
    /// Why the last run failed.
    pub error: Option<String>,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub finished: Option<Timestamp>,
}

/// Proof that a worker holds a job: the job and the attempt it is running. A write
/// fenced by a stale lease (the job was taken over after this worker stalled) is refused,
/// so exactly one result is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobLease {
    pub job_id: i64,
    pub attempt: u32,
}

/// How long to wait before attempt `attempt + 1` after attempt `attempt` failed
/// transiently: 10 s, 20 s, 40 s, ... capped at one hour.
pub fn retry_backoff(attempt: u32) -> chrono::Duration {
    let secs = 10i64.saturating_mul(1i64 << attempt.saturating_sub(1).min(20));
    chrono::Duration::seconds(secs.min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let secs: Vec<i64> = (1..=11).map(|a| retry_backoff(a).num_seconds()).collect();
        assert_eq!(
            secs,
            vec![10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        );
        assert_eq!(retry_backoff(0).num_seconds(), 10);
        assert_eq!(retry_backoff(u32::MAX).num_seconds(), 3600);
    }

    #[test]
    fn keys_round_trip() {
        for k in JobKind::ALL {
            assert_eq!(JobKind::from_key(k.key()), Some(k));
        }
        for s in [
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Failed,
        ] {
            assert_eq!(JobState::from_key(s.key()), Some(s));
        }
    }
}

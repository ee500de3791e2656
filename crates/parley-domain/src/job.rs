//! Background work: what a job is and how its retries are spaced. The queue itself
//! lives in the store, so that every worker process shares it.

use crate::automation::DeliveryId;
use crate::{CallId, Timestamp, WorkspaceId};

/// What a job does: the key it is stored and shown under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Pull a recording from the call's `downloadMediaUrl`.
    FetchMedia,
    /// Decode a call's recording and transcribe it.
    Transcribe,
    /// Run the conversation analysis over a call's transcript.
    Analyze,
    /// Re-run a workspace's trackers over its transcribed calls (after a tracker changed).
    BackfillTrackers,
    /// Queue an analysis of every transcribed call of a workspace (or of all).
    AnalyzeWorkspace,
    /// Delete a stored recording that a newer one replaced, once nothing refers to it.
    DeleteMedia,
    /// Read and store the objects of a generic CRM integration's upload.
    CrmUpload,
    /// Erase a person's data (a data-privacy request), see `crate::privacy`.
    Erase,
    /// Speak a demo call's scripted transcript into a recording of it.
    DemoRecording,
    /// Send one automation rule's webhook for one call (an outbox row).
    Deliver,
    /// Write a CRM field action's value to the call's opportunity (`crate::crm_write`).
    CrmWrite,
}

impl JobKind {
    pub const ALL: [JobKind; 11] = [
        JobKind::FetchMedia,
        JobKind::Transcribe,
        JobKind::Analyze,
        JobKind::BackfillTrackers,
        JobKind::AnalyzeWorkspace,
        JobKind::DeleteMedia,
        JobKind::CrmUpload,
        JobKind::Erase,
        JobKind::DemoRecording,
        JobKind::Deliver,
        JobKind::CrmWrite,
    ];

    pub fn key(self) -> &'static str {
        match self {
            JobKind::FetchMedia => "fetch-media",
            JobKind::Transcribe => "transcribe",
            JobKind::Analyze => "analyze",
            JobKind::BackfillTrackers => "backfill-trackers",
            JobKind::AnalyzeWorkspace => "analyze-workspace",
            JobKind::DeleteMedia => "delete-media",
            JobKind::CrmUpload => "crm-upload",
            JobKind::Erase => "erase",
            JobKind::DemoRecording => "demo-recording",
            JobKind::Deliver => "deliver",
            JobKind::CrmWrite => "crm-write",
        }
    }

    pub fn from_key(key: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// A job, typed: what to do and to what. Each kind has one constructor (its variant), one
/// handler (in the application core's worker) and its own retry policy
/// ([`JobSpec::max_attempts`]). The queue stores it as its kind's key, the call it is
/// about and a JSON payload for the rest; [`JobSpec::of`] reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobSpec {
    FetchMedia {
        call: CallId,
    },
    Transcribe {
        call: CallId,
    },
    Analyze {
        call: CallId,
    },
    /// `None`: every workspace.
    BackfillTrackers {
        workspace: Option<WorkspaceId>,
    },
    /// `None`: every workspace.
    AnalyzeWorkspace {
        workspace: Option<WorkspaceId>,
    },
    /// Not tied to a call: the file must go even if the call is deleted first.
    DeleteMedia {
        key: String,
    },
    /// An upload of a CRM integration, known by its `clientRequestId`; the file waits in
    /// the request's row.
    CrmUpload {
        integration: i64,
        request: String,
    },
    /// The erasure (a `privacy::Erasure` row) holds the address; the job names only it,
    /// so the queue never holds the address.
    Erase {
        erasure: i64,
    },
    DemoRecording {
        call: CallId,
    },
    /// The delivery row holds the rule, the action and the call; a retry is the same job
    /// again, so the delivery id (the receivers' de-duplication id) never changes.
    Deliver {
        delivery: DeliveryId,
    },
    /// A CRM write (a `crm_write::CrmWrite` row: the action, the target object, the
    /// outcome) for a call.
    CrmWrite {
        call: CallId,
        write: i64,
    },
}

impl JobSpec {
    pub fn kind(&self) -> JobKind {
        match self {
            JobSpec::FetchMedia { .. } => JobKind::FetchMedia,
            JobSpec::Transcribe { .. } => JobKind::Transcribe,
            JobSpec::Analyze { .. } => JobKind::Analyze,
            JobSpec::BackfillTrackers { .. } => JobKind::BackfillTrackers,
            JobSpec::AnalyzeWorkspace { .. } => JobKind::AnalyzeWorkspace,
            JobSpec::DeleteMedia { .. } => JobKind::DeleteMedia,
            JobSpec::CrmUpload { .. } => JobKind::CrmUpload,
            JobSpec::Erase { .. } => JobKind::Erase,
            JobSpec::DemoRecording { .. } => JobKind::DemoRecording,
            JobSpec::Deliver { .. } => JobKind::Deliver,
            JobSpec::CrmWrite { .. } => JobKind::CrmWrite,
        }
    }

    pub fn call_id(&self) -> Option<CallId> {
        match self {
            JobSpec::FetchMedia { call }
            | JobSpec::Transcribe { call }
            | JobSpec::Analyze { call }
            | JobSpec::DemoRecording { call }
            | JobSpec::CrmWrite { call, .. } => Some(*call),
            _ => None,
        }
    }

    /// What the job needs besides its call, as stored.
    pub fn payload(&self) -> serde_json::Value {
        match self {
            JobSpec::BackfillTrackers { workspace } | JobSpec::AnalyzeWorkspace { workspace } => {
                serde_json::json!({ "workspaceId": workspace.map(|w| w.to_string()) })
            }
            JobSpec::DeleteMedia { key } => serde_json::json!({ "key": key }),
            JobSpec::CrmUpload {
                integration,
                request,
            } => serde_json::json!({
                "integrationId": integration.to_string(),
                "clientRequestId": request,
            }),
            JobSpec::Erase { erasure } => serde_json::json!({ "erasureId": erasure.to_string() }),
            JobSpec::Deliver { delivery } => {
                serde_json::json!({ "deliveryId": delivery.to_string() })
            }
            JobSpec::CrmWrite { write, .. } => serde_json::json!({ "writeId": write.to_string() }),
            _ => serde_json::json!({}),
        }
    }

    /// Runs a job gets before it ends `failed`; retries are spaced by [`retry_backoff`].
    pub fn max_attempts(&self) -> u32 {
        match self {
            // A recording server can be down for a while.
            JobSpec::FetchMedia { .. } => 5,
            // Minutes of CPU each; a recording that fails three times will fail again.
            JobSpec::Transcribe { .. } => 3,
            JobSpec::Analyze { .. } => 3,
            JobSpec::BackfillTrackers { .. } | JobSpec::AnalyzeWorkspace { .. } => 5,
            // Doubling backoff from 10 s: the last try comes about three hours in.
            JobSpec::DeleteMedia { .. } => 10,
            // Seconds of work; a failure is the database's, which comes back.
            JobSpec::CrmUpload { .. } => 5,
            // A database or media store that is down for a while; each run starts over.
            JobSpec::Erase { .. } => 8,
            // Seconds of CPU; a missing speech synthesiser is not retried (see its handler).
            JobSpec::DemoRecording { .. } => 3,
            // Retries are timed by the delivery's own policy (at least 24 hours, honouring
            // `Retry-After`) and end by it; this only stops a job that keeps dying.
            JobSpec::Deliver { .. } => 1000,
            // A CRM that rate-limits or is down for a while: doubling from 10 s, the last
            // try comes about 40 minutes in.
            JobSpec::CrmWrite { .. } => 8,
        }
    }

    /// Whether enqueueing it returns the same job already queued or running instead of
    /// adding a second one. Deletions are cheap and each names its own file.
    pub fn dedupe(&self) -> bool {
        !matches!(self, JobSpec::DeleteMedia { .. })
    }

    /// Reads a stored job back; the message says what is wrong with one that does not
    /// fit its kind (retrying it cannot help).
    pub fn of(job: &Job) -> Result<JobSpec, String> {
        let call = || {
            job.call_id
                .ok_or_else(|| format!("{} job without a call", job.kind.key()))
        };
        let workspace = || -> Result<Option<WorkspaceId>, String> {
            match &job.payload["workspaceId"] {
                serde_json::Value::Null => Ok(None),
                serde_json::Value::String(s) => s
                    .parse::<i64>()
                    .map(|n| Some(WorkspaceId(n)))
                    .map_err(|_| format!("{} job with a malformed workspaceId", job.kind.key())),
                _ => Err(format!(
                    "{} job with a malformed workspaceId",
                    job.kind.key()
                )),
            }
        };
        Ok(match job.kind {
            JobKind::FetchMedia => JobSpec::FetchMedia { call: call()? },
            JobKind::Transcribe => JobSpec::Transcribe { call: call()? },
            JobKind::Analyze => JobSpec::Analyze { call: call()? },
            JobKind::DemoRecording => JobSpec::DemoRecording { call: call()? },
            JobKind::BackfillTrackers => JobSpec::BackfillTrackers {
                workspace: workspace()?,
            },
            JobKind::AnalyzeWorkspace => JobSpec::AnalyzeWorkspace {
                workspace: workspace()?,
            },
            JobKind::DeleteMedia => JobSpec::DeleteMedia {
                key: job.payload["key"]
                    .as_str()
                    .ok_or("delete-media job without a key")?
                    .to_owned(),
            },
            JobKind::CrmUpload => JobSpec::CrmUpload {
                integration: job.payload["integrationId"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or("crm-upload job without an integrationId")?,
                request: job.payload["clientRequestId"]
                    .as_str()
                    .ok_or("crm-upload job without a clientRequestId")?
                    .to_owned(),
            },
            JobKind::Erase => JobSpec::Erase {
                erasure: job.payload["erasureId"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or("erase job without an erasureId")?,
            },
            JobKind::Deliver => JobSpec::Deliver {
                delivery: job.payload["deliveryId"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or("deliver job without a deliveryId")?,
            },
            JobKind::CrmWrite => JobSpec::CrmWrite {
                call: call()?,
                write: job.payload["writeId"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or("crm-write job without a writeId")?,
            },
        })
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
    /// The worker that took its last attempt (`parley worker --name`, `host:pid` by
    /// default), kept after the attempt ends; `None` before any.
    pub worker: Option<String>,
}

/// Proof that a worker holds a job: the job and the attempt it is running. A write
/// fenced by a stale lease (the job was taken over after this worker stalled) is refused,
/// so exactly one result is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobLease {
    pub job_id: i64,
    pub attempt: u32,
}

/// A worker process (the workers of `parley serve`, or a `parley worker`) as it last
/// reported itself: what the job queue's health view shows.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerBeat {
    /// `host:pid`, as the worker names itself on the jobs it holds.
    pub name: String,
    /// Parley's version the process runs.
    pub version: String,
    /// The keys of the job kinds it runs (strings: a newer worker may run kinds this
    /// node does not know).
    pub kinds: Vec<String>,
    /// The speech model it transcribes with; `None` when it does not transcribe.
    pub speech_model: Option<String>,
    /// Transcriptions it runs at once.
    pub transcription_slots: u32,
    pub started: Timestamp,
    pub last_seen: Timestamp,
    /// True once it stopped on purpose (a shutdown); a worker that died says nothing and
    /// is only seen to fall silent.
    pub stopped: bool,
    /// Jobs it is running now.
    pub running: u32,
    /// Jobs it ended since it started: done, and failed (to be retried or for good).
    pub done: u64,
    pub failed: u64,
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

    fn stored(spec: &JobSpec) -> Job {
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap();
        Job {
            id: 1,
            kind: spec.kind(),
            call_id: spec.call_id(),
            payload: spec.payload(),
            state: JobState::Queued,
            attempts: 0,
            max_attempts: spec.max_attempts(),
            crashes: 0,
            run_after: t,
            progress: None,
            error: None,
            created: t,
            updated: t,
            finished: None,
            worker: None,
        }
    }

    #[test]
    fn every_spec_reads_back_as_stored() {
        let specs = [
            JobSpec::FetchMedia { call: CallId(7) },
            JobSpec::Transcribe { call: CallId(7) },
            JobSpec::Analyze { call: CallId(7) },
            JobSpec::BackfillTrackers { workspace: None },
            JobSpec::BackfillTrackers {
                workspace: Some(WorkspaceId(1234567890123456789)),
            },
            JobSpec::AnalyzeWorkspace { workspace: None },
            JobSpec::AnalyzeWorkspace {
                workspace: Some(WorkspaceId(42)),
            },
            JobSpec::DeleteMedia {
                key: "calls/7/a.wav".into(),
            },
            JobSpec::CrmUpload {
                integration: 1234567890123456789,
                request: "upload-1".into(),
            },
            JobSpec::Erase {
                erasure: 1234567890123456789,
            },
            JobSpec::DemoRecording { call: CallId(7) },
            JobSpec::Deliver {
                delivery: DeliveryId(1234567890123456789),
            },
            JobSpec::CrmWrite {
                call: CallId(7),
                write: 1234567890123456789,
            },
        ];
        for spec in &specs {
            assert_eq!(JobSpec::of(&stored(spec)).as_ref(), Ok(spec));
        }
        assert!(specs.iter().all(|s| s.max_attempts() >= 1));
        // Every kind is covered.
        for k in JobKind::ALL {
            assert!(specs.iter().any(|s| s.kind() == k), "{k:?}");
        }
    }

    #[test]
    fn a_stored_job_that_does_not_fit_its_kind_is_refused() {
        let mut job = stored(&JobSpec::Transcribe { call: CallId(7) });
        job.call_id = None;
        assert_eq!(
            JobSpec::of(&job),
            Err("transcribe job without a call".to_owned())
        );
        let mut job = stored(&JobSpec::BackfillTrackers { workspace: None });
        job.payload = serde_json::json!({"workspaceId": "x1"});
        assert!(JobSpec::of(&job)
            .unwrap_err()
            .contains("malformed workspaceId"));
        let mut job = stored(&JobSpec::DeleteMedia { key: "k".into() });
        job.payload = serde_json::json!({});
        assert!(JobSpec::of(&job).is_err());
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

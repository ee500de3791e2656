//! Storage for Parley.
//!
//! [`Store`] is the one interface handlers and the CLI use. Backends implement it, each in
//! its own crate with its own SQL and `migrations/` folder (`parley-store-sqlite`,
//! `parley-store-postgres`); the application core picks one by URL. [`codec`] is the one
//! copy of how domain values are stored, shared by every backend.
//!
//! Architecture Invariant: no crate but a backend issues SQL, and no backend holds a
//! business rule another backend would have to repeat.

#![forbid(unsafe_code)]

pub mod access;
pub mod automation;
pub mod codec;
pub mod comments;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod crm;
pub mod crm_write;
pub mod engagement;
pub mod library;
pub mod meetings;
pub mod portable;
pub mod privacy;
pub mod rows;
pub mod scorecards;
pub mod shares;

use std::collections::HashMap;

use async_trait::async_trait;

use parley_domain::tracker::{TopicDef, TrackerDef};
use parley_domain::{
    Access, ActivityEvent, ActivityFact, AuditEntry, AuditLogKind, AuditRecord, Call, CallAccess,
    CallId, CallMedia, CallSpeaker, Capability, CrmLink, Job, JobKind, JobLease, JobSpec, JobState,
    Party, PartyId, PermissionProfile, ProfileId, Role, ScopeSet, SettingChange, SpeakerId,
    SpeakerTimeline, Timestamp, TrackerId, Transcript, TranscriptTally, User, UserId, VoiceProfile,
    Waveform, WorkerBeat, Workspace, WorkspaceId,
};

pub use access::{AccessStore, Placement};
pub use automation::{AutomationStore, RecordedDelivery};
pub use comments::{CommentAdded, CommentStore};
pub use crm::{AssociationFilter, CrmStore};
pub use crm_write::CrmWriteStore;
pub use engagement::{EngagementKey, EngagementStore};
pub use library::{FolderDeletion, LibraryStore};
pub use meetings::{MeetingFilter, MeetingKey, MeetingStore, MeetingViewer};
pub use privacy::PrivacyStore;
pub use rows::{AnalysisRow, PersonStatsRow, TrackerHitsRow, ANALYSIS_FORMAT};
pub use scorecards::{AnsweredFilter, AnsweredKey, AnsweredRecord, AnsweredViewer, ScorecardStore};
pub use shares::{ShareAdded, ShareStore};

/// What can go wrong in storage, classified for the callers that must react.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was hit; the message names it.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A referenced row does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    #[error("unsupported database url {0:?}: expected sqlite://PATH or postgres://HOST/DATABASE")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Backend(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// A job result was written by a worker that no longer holds the job's lease.
    #[error("job {0} is no longer held by this worker")]
    LeaseLost(i64),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which calls a listing returns. All members combine with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallFilter {
    /// Inclusive.
    pub from: Option<Timestamp>,
    /// Exclusive.
    pub to: Option<Timestamp>,
    pub workspace_id: Option<WorkspaceId>,
    pub call_ids: Option<Vec<CallId>>,
    pub primary_user_ids: Option<Vec<UserId>>,
    /// Only calls the caller's call access reaches; `None`: every call.
    pub visible_to: Option<CallAccess>,
}

/// A search of calls (the calls list of the UI): a [`CallFilter`] and what else a call is
/// found by. All members combine with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallSearch {
    pub filter: CallFilter,
    /// Found in the title, in a party's name or e-mail address, or in the name of a CRM
    /// account linked to the call (a piece of any of them; letters in either case; `%` and
    /// `_` are plain characters); or said in the call's transcript (its
    /// [`parley_domain::search::phrase_words`] in that order, the last one as a prefix).
    pub text: Option<String>,
    pub direction: Option<parley_domain::Direction>,
    /// Seconds, inclusive.
    pub min_duration_s: Option<i64>,
    pub max_duration_s: Option<i64>,
    /// Only calls with (`true`) or without (`false`) a stored recording.
    pub has_recording: Option<bool>,
    /// Only calls whose analysis has hits of this tracker.
    pub tracker: Option<TrackerId>,
    /// Only calls whose analysis gave this topic (by name) some time.
    pub topic: Option<String>,
    pub order: CallOrder,
}

/// The order of a [`CallSearch`]'s calls. Ties of duration go newest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CallOrder {
    /// As [`Store::list_calls`]: `(started, id)` ascending.
    #[default]
    Oldest,
    Newest,
    Longest,
    Shortest,
}

/// Ends a [`CallSearch`]'s SQL, the same on every backend: the keyset condition after
/// `after`, the order and the limit (columns `duration_s`, `started_us` and `id` of
/// `calls`; the orders by duration read the index on those three).
pub fn push_search_order<'a, DB: sqlx::Database>(
    q: &mut sqlx::QueryBuilder<'a, DB>,
    order: CallOrder,
    after: Option<SearchKey>,
    limit: u32,
) where
    i64: 'a + sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let by_time = |q: &mut sqlx::QueryBuilder<'a, DB>, cmp: &str, k: CallKey| {
        q.push(format!("(started_us, id) {cmp} ("))
            .push_bind(k.started_us)
            .push(", ")
            .push_bind(k.id)
            .push(")");
    };
    let (duration, cmp, time) = match order {
        CallOrder::Oldest => (None, ">", "ASC"),
        CallOrder::Newest => (None, "<", "DESC"),
        CallOrder::Longest => (Some(("<", "DESC")), "<", "DESC"),
        CallOrder::Shortest => (Some((">", "ASC")), "<", "DESC"),
    };
    if let Some(a) = after {
        q.push(" AND ");
        match duration {
            None => by_time(q, cmp, a.key),
            Some((dcmp, _)) => {
                q.push(format!("(duration_s {dcmp} "))
                    .push_bind(a.duration_s)
                    .push(" OR (duration_s = ")
                    .push_bind(a.duration_s)
                    .push(" AND ");
                by_time(q, cmp, a.key);
                q.push("))");
            }
        }
    }
    q.push(" ORDER BY ");
    if let Some((_, dorder)) = duration {
        q.push(format!("duration_s {dorder}, "));
    }
    q.push(format!("started_us {time}, id {time} LIMIT "))
        .push_bind(i64::from(limit));
}

/// Where a [`CallSearch`] continues: the last call already returned (its duration matters
/// only to the orders by duration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchKey {
    pub duration_s: i64,
    pub key: CallKey,
}

impl SearchKey {
    pub fn of(call: &Call) -> SearchKey {
        SearchKey {
            duration_s: call.duration_s,
            key: CallKey::of(call),
        }
    }
}

/// `text` as a LIKE pattern that finds it anywhere (a backslash escapes `%`, `_` and itself).
pub fn like_anywhere(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Where a call listing continues: the last `(started, id)` already returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallKey {
    pub started_us: i64,
    pub id: i64,
}

impl CallKey {
    pub fn of(call: &Call) -> CallKey {
        CallKey {
            started_us: call.started.timestamp_micros(),
            id: call.id.0,
        }
    }
}

/// Where a call sits in the listing order, and the version of its row: every change to
/// the row bumps it, so a rendering of the same version is still right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallVersion {
    pub key: CallKey,
    pub version: i64,
}

/// Which users a listing returns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserFilter {
    pub created_from: Option<Timestamp>,
    pub created_to: Option<Timestamp>,
    pub user_ids: Option<Vec<UserId>>,
}

/// An API key as stored: the secret only as a PHC hash string.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeyRecord {
    pub access_key: String,
    pub name: String,
    pub secret_hash: String,
    pub created: Timestamp,
    pub revoked: Option<Timestamp>,
    pub scopes: ScopeSet,
    /// The one workspace the key reaches; `None`: all.
    pub workspace: Option<WorkspaceId>,
    /// The user the key belongs to; `None`: a company key.
    pub owner: Option<UserId>,
    pub last_used: Option<Timestamp>,
}

/// A signed-in user's session, by the SHA-256 (hex) of its cookie token.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub token_sha: String,
    pub user: UserId,
    /// Sent back in `x-csrf-token` on every request that changes something.
    pub csrf: String,
    pub created: Timestamp,
    pub expires: Timestamp,
}

/// A third-party app that may ask users for OAuth tokens (migration 0013).
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthAppRecord {
    pub client_id: String,
    pub name: String,
    /// The client secret as an argon2 PHC string.
    pub secret_hash: String,
    /// The redirect URIs the app may use, compared exactly.
    pub redirect_uris: Vec<String>,
    /// The most the app may ask for.
    pub scopes: ScopeSet,
    /// The user who owns the app; `None`: the company's.
    pub owner: Option<UserId>,
    pub created: Timestamp,
    pub revoked: Option<Timestamp>,
}

/// A one-time authorization code, by the SHA-256 (hex) of the code.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthCodeRecord {
    pub code_sha: String,
    pub client_id: String,
    pub user: UserId,
    /// What the user consented to.
    pub scopes: ScopeSet,
    pub redirect_uri: String,
    /// PKCE: BASE64URL(SHA-256(verifier)).
    pub code_challenge: Option<String>,
    /// The grant the code's tokens will belong to.
    pub grant: String,
    pub created: Timestamp,
    pub expires: Timestamp,
    /// When it was exchanged; set on the first exchange.
    pub used: Option<Timestamp>,
}

/// An access token and its refresh token, by their SHA-256 (hex).
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthTokenRecord {
    /// Not secret: names the issuance in listings.
    pub id: String,
    /// Every token refreshed from one code shares it; revoking revokes them all.
    pub grant: String,
    pub access_sha: String,
    pub refresh_sha: String,
    pub client_id: String,
    pub user: UserId,
    pub scopes: ScopeSet,
    pub workspace: Option<WorkspaceId>,
    pub created: Timestamp,
    pub access_expires: Timestamp,
    pub refresh_expires: Timestamp,
    /// When the refresh token was spent (refresh tokens are single use).
    pub refresh_used: Option<Timestamp>,
    pub revoked: Option<Timestamp>,
    pub last_used: Option<Timestamp>,
}

/// A transcript replacing whatever the call had, with the party changes it implies.
#[derive(Debug, Clone)]
pub struct TranscriptWrite<'a> {
    pub call_id: CallId,
    /// Where it came from: `import:webvtt`, `import:srt`, `import:gong-json`, `asr:<model>`.
    pub source: &'a str,
    pub transcript: &'a Transcript,
    pub speaking_parties: &'a [(PartyId, SpeakerId)],
    pub new_parties: &'a [Party],
    /// Set the call's duration when it has none yet.
    pub duration_s: Option<i64>,
    /// The spoken language (ISO 639-2/B) speech recognition detected; `None` leaves the
    /// call's language as it is.
    pub language: Option<&'a str>,
    /// The voices found in the recording (empty for imports): replaces the call's list.
    pub speakers: &'a [CallSpeaker],
    pub at: Timestamp,
    /// When a job produced this transcript: the write happens only if the job is still
    /// held under this lease, and marks the job done in the same transaction.
    pub lease: Option<JobLease>,
    /// When the transcript was made from the call's recording: the SHA-256 of the
    /// recording that was read. The write is refused when the call's recording has been
    /// replaced since (its transcription is queued anew), so a stale result is never kept.
    pub media_sha256: Option<&'a str>,
}

/// What [`Store::store_call_media`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaStored {
    /// The job that transcribes the new recording: a new one, or the queued one that will
    /// read it anyway (or the running one, when the bytes did not change). `None` when
    /// none was asked for (a recording made from its transcript, as the demo's are).
    pub job: Option<Job>,
    /// The replaced recording's key, when there was one under another key; a
    /// `delete-media` job queued in the same transaction removes it.
    pub replaced: Option<String>,
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: JobKind,
    pub call_id: Option<CallId>,
    pub payload: serde_json::Value,
    pub max_attempts: u32,
    /// Return the queued or running job of the same kind for the same call instead of
    /// adding a second one.
    pub dedupe: bool,
}

/// Which existing job makes a new one unnecessary: the states a job of the same kind, call
/// and payload must be in for the enqueue to return it instead. Business rules, kept here
/// so every backend applies the same ones.
impl NewJob {
    /// Any enqueue: a de-duplicated job joins a queued or running twin.
    pub fn live_states(&self) -> &'static [&'static str] {
        if self.dedupe {
            &["queued", "running"]
        } else {
            &[]
        }
    }

    /// The transcription a newly stored recording needs: a queued job has not read the
    /// recording yet; a running one has, and its result is right only if the bytes are the
    /// same (it is fenced on their hash).
    pub fn live_states_after_media(&self, same_bytes: bool) -> &'static [&'static str] {
        match (self.dedupe, same_bytes) {
            (false, _) => &[],
            (true, true) => &["queued", "running"],
            (true, false) => &["queued"],
        }
    }
}

/// The states of an `analyze` job that serve a newly written transcript: a queued one
/// reads the new transcript anyway; a running one is for the old transcript and its
/// result will be refused.
pub const ANALYSIS_LIVE_AFTER_TRANSCRIPT: &[&str] = &["queued"];

/// A keyword tracker as stored: its definition and who made and last changed it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackerRecord {
    pub def: TrackerDef,
    pub workspace_id: WorkspaceId,
    pub created: Timestamp,
    pub creator: Option<UserId>,
    pub updated: Timestamp,
    pub updater: Option<UserId>,
}

/// Where a sentence sits in its stored transcript: a chunked read goes on after one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SentenceKey {
    pub monologue: i64,
    pub seq: i64,
}

/// One stored sentence with its monologue's speaker and topic, as a chunked read of a
/// transcript yields them (without word timings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSentence {
    pub key: SentenceKey,
    pub speaker_id: SpeakerId,
    pub topic: Option<String>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
}

/// How big a stored transcript is, known before any sentence is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TranscriptSize {
    pub monologues: i64,
    pub sentences: i64,
    /// Bytes of sentence text (UTF-8).
    pub text_bytes: i64,
    /// Which transcript of the call this is (its creation time, as
    /// [`AnalysisInput::version`]): a reader in chunks that sees it move re-reads.
    pub version: i64,
}

/// A transcript ready for analysis: `version` identifies it (its creation time), so a
/// result computed from it is refused once the call has a newer one.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisInput {
    pub version: i64,
    pub transcript: Transcript,
}

/// A call's analysis to store.
#[derive(Debug, Clone)]
pub struct AnalysisWrite<'a> {
    pub call_id: CallId,
    /// The [`AnalysisInput::version`] analysed.
    pub transcript_version: i64,
    pub analysis: &'a AnalysisRow,
    pub at: Timestamp,
    /// When a job produced the result: written only while the job holds this lease, and
    /// the job is marked done in the same transaction.
    pub lease: Option<JobLease>,
}

impl From<&JobSpec> for NewJob {
    fn from(spec: &JobSpec) -> NewJob {
        NewJob {
            kind: spec.kind(),
            call_id: spec.call_id(),
            payload: spec.payload(),
            max_attempts: spec.max_attempts(),
            dedupe: spec.dedupe(),
        }
    }
}

impl From<JobSpec> for NewJob {
    fn from(spec: JobSpec) -> NewJob {
        NewJob::from(&spec)
    }
}

/// The error of a running job failed at claim time because its worker died (its lease
/// expired) on its last allowed attempt.
pub const WORKER_STOPPED: &str = "the worker running this job stopped responding";

/// What a job that failed for good leaves to record on what it served, so that nothing
/// says it is under way for ever: a CRM upload's request becomes `FAILED` (unless it
/// finished), an erasure is given up as [`PrivacyStore::erasure_gave_up`] does. Both
/// backends write this in the transaction that fails the job, wherever that happens:
/// [`Store::fail_job`] (out of attempts, or a permanent error) and [`Store::claim_job`]
/// (a job whose worker died on its last attempt, which no worker hears about), then
/// compact after a given-up erasure ([`PrivacyStore::privacy_compact`], best effort) so
/// no freed page keeps the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GaveUp {
    CrmRequest {
        integration: i64,
        request: String,
    },
    Erasure {
        id: i64,
        error: String,
    },
    /// A CRM write still pending ends `failed` with the job's error as its outcome.
    CrmWrite {
        write: i64,
        error: String,
    },
}

impl GaveUp {
    /// What `job`, failed for good with `error`, leaves to record (`None`: nothing).
    pub fn of(job: &Job, error: &str) -> Option<GaveUp> {
        match JobSpec::of(job).ok()? {
            JobSpec::CrmUpload {
                integration,
                request,
            } => Some(GaveUp::CrmRequest {
                integration,
                request,
            }),
            JobSpec::Erase { erasure } => Some(GaveUp::Erasure {
                id: erasure,
                error: GaveUp::erasure_error(error),
            }),
            JobSpec::CrmWrite { write, .. } => Some(GaveUp::CrmWrite {
                write,
                error: error.to_owned(),
            }),
            _ => None,
        }
    }

    /// The error a given-up erasure records for its job's `error`.
    pub fn erasure_error(error: &str) -> String {
        format!("the erase job gave up: {error}")
    }
}

/// How a failed run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Worth retrying (after the backoff) while attempts remain.
    Transient,
    /// Retrying cannot help (corrupt media, no such call).
    Permanent,
    /// The process running the speech engine died on it (a signal, an abort, a deadline):
    /// counted on the job and retried like a transient failure until the job has crashed
    /// the engine `limit` times, so that a recording that always crashes it ends `failed`
    /// instead of crash-looping.
    Crash { limit: u32 },
}

/// Which audit entries a listing returns.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditFilter {
    /// One log, or both.
    pub log: Option<AuditLogKind>,
    /// Inclusive.
    pub from: Option<Timestamp>,
    /// Exclusive.
    pub to: Option<Timestamp>,
    /// Newest first (the CLI's recent entries) instead of oldest first (the API's paging).
    pub newest_first: bool,
}

/// Where an audit listing continues: the last `(at, id)` already returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditKey {
    pub at_us: i64,
    pub id: i64,
}

impl AuditKey {
    pub fn of(r: &AuditRecord) -> AuditKey {
        AuditKey {
            at_us: r.entry.at.timestamp_micros(),
            id: r.id,
        }
    }
}

/// A rate-limit bucket's quota (GCRA, the generic cell rate algorithm): a full bucket
/// holds `burst` requests, and each request taken comes back `interval_us` later. A bucket
/// never taken from, or not taken from for `burst × interval_us`, is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateQuota {
    /// Microseconds for one request to come back; at least 1.
    pub interval_us: i64,
    /// Requests a full bucket holds; at least 1.
    pub burst: u32,
}

impl RateQuota {
    /// `burst` requests at once, refilled at `per_second` a second (each at least 1).
    pub fn per_second(per_second: u32, burst: u32) -> RateQuota {
        RateQuota {
            interval_us: (1_000_000 / i64::from(per_second.max(1))).max(1),
            burst: burst.max(1),
        }
    }

    /// The values a backend's one-statement take binds, so that the rule is written here
    /// once: with `tat` the bucket's stored theoretical arrival time (a missing bucket's
    /// is `now`), the take is admitted when `max(tat, now) <= latest`, and then stores
    /// `max(tat, now) + interval`; refused, the bucket is left as it was.
    pub fn take_binds(&self, now: Timestamp) -> TakeBinds {
        let now_us = now.timestamp_micros();
        let interval_us = self.interval_us.max(1);
        let ahead = interval_us.saturating_mul(i64::from(self.burst.max(1)) - 1);
        TakeBinds {
            now_us,
            interval_us,
            latest_us: now_us.saturating_add(ahead),
        }
    }
}

/// What a backend binds for [`RateQuota::take_binds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakeBinds {
    pub now_us: i64,
    pub interval_us: i64,
    /// The latest stored arrival time at which a take is still admitted.
    pub latest_us: i64,
}

impl TakeBinds {
    /// The answer to a take from what the statement returned: whether it was admitted,
    /// and the bucket's arrival time after it.
    pub fn outcome(&self, admitted: bool, tat_us: i64) -> RateTake {
        if admitted {
            RateTake::Admitted
        } else {
            let wait = tat_us.saturating_sub(self.latest_us).max(1);
            RateTake::Refused(std::time::Duration::from_micros(wait as u64))
        }
    }
}

/// What taking one request from a rate-limit bucket found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateTake {
    Admitted,
    /// Refused; the bucket holds a request again after this long (at least 1 µs).
    Refused(std::time::Duration),
}

/// The storage interface. One method per use case; every write is one transaction.
///
/// # Concurrency contract
///
/// Several nodes may share one database, each with its own pool of connections, and any
/// method may run at the same time as any other, on any node. Whatever its isolation
/// level, a backend guarantees the following (`parley_store::conformance` holds every
/// backend to it; its `concurrency` checks race two handles onto one database):
///
/// - **Writes are atomic.** A method that writes does all of it or nothing: a write that
///   fails (an error, a lost lease, a refused stale result) leaves no trace, not even the
///   jobs it would have queued.
/// - **A job is claimed by one worker.** [`claim_job`](Store::claim_job) hands each
///   claimable job (queued and due, or running under an expired lease) to exactly one of
///   any number of concurrent claimers. A claimer may pass over a job another claimer is
///   taking at that moment, but `None` means no other job was claimable.
/// - **De-duplication holds under races.** A de-duplicated enqueue (`NewJob::dedupe`, and
///   the jobs `insert_call`, `replace_transcript` and `store_call_media` queue) returns the
///   live job of the same kind, call and payload when there is one; concurrent enqueues of
///   the same job, on any nodes, make one job.
/// - **Leases fence results.** A [`JobLease`] is a job and one attempt at it. It is held
///   while the job is `running` at that attempt: it ends when the job is finished, failed
///   or requeued, or claimed again after the lease expired. `heartbeat_job`, `finish_job`,
///   `fail_job` and the writes that carry a lease (`replace_transcript`, `save_analysis`)
///   check the lease in the same transaction as their write: under a lost lease the
///   heartbeat returns false and the others fail with [`StoreError::LeaseLost`], writing
///   nothing.
/// - **Read-then-write is serialised per row.** Methods that read rows and write what
///   they read decides (`update_user` appending the settings that changed, `fail_job`
///   counting attempts and crashes, `store_call_media` comparing recordings,
///   `assign_speaker`, `save_analysis` checking the transcript version, the one-time
///   takes) behave as if they ran one at a time for the same rows: no change is lost and
///   none is recorded twice.
/// - **One-time tokens have one winner.** Of concurrent `take_password_reset`,
///   `take_oauth_code` or `spend_oauth_refresh` calls with one token, exactly one gets the
///   user, finds the code unused, or spends the refresh token.
/// - **Versions and the generation only move forward, with the change.** A call's version
///   ([`CallVersion`]) grows in the same transaction as every change to what a rendering of
///   the call shows: the call row, its parties, its CRM links and the CRM objects they
///   point at (changed through any call), its transcript, its analysis and its recording.
///   [`calls_generation`](Store::calls_generation) grows in the same transaction as every
///   insert or removal of a call, and never shrinks: once an insert has returned, every
///   handle reads a larger generation than before it, and no reader sees a generation whose
///   change has not committed (so it cannot be a database sequence).
/// - **Rate-limit takes are atomic.** [`take_rate`](Store::take_rate) reads and updates
///   its bucket in one statement (an upsert that returns the row), never a read then a
///   write: of any number of concurrent takes from one bucket, on any nodes, exactly as
///   many are admitted as the bucket held. The time is the caller's `now`: nodes whose
///   clocks differ by δ can admit about δ / interval more than one clock would (keep them
///   in sync, as NTP does); a node whose clock lags sees the bucket as the others left
///   it, never fuller. [`prune_rate_limits`](Store::prune_rate_limits) deletes a bucket
///   only if it is still full at its `before` when the row is deleted, so a take racing
///   it is never lost.
/// - **E-mail addresses ignore case.** A user's e-mail is unique and found regardless of
///   its ASCII case.
#[async_trait]
pub trait Store:
    AccessStore
    + AutomationStore
    + CommentStore
    + ShareStore
    + ScorecardStore
    + LibraryStore
    + MeetingStore
    + EngagementStore
    + CrmStore
    + CrmWriteStore
    + PrivacyStore
    + Send
    + Sync
    + 'static
{
    async fn create_workspace(&self, w: &Workspace, is_default: bool) -> Result<()>;
    /// Oldest first.
    async fn list_workspaces(&self) -> Result<Vec<Workspace>>;
    /// The default workspace, or the oldest when none is.
    async fn default_workspace(&self) -> Result<Option<Workspace>>;
    async fn get_workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>>;

    /// Fails with `Conflict` when the email is taken (in any case).
    async fn create_user(&self, u: &User) -> Result<()>;
    /// Saves `u` and appends the settings that changed to its history; the row compared
    /// against is read in the write's transaction, so concurrent updates never record a
    /// change twice or lose one. `NotFound` for an unknown user, `Conflict` for a taken email.
    async fn update_user(&self, u: &User, at: Timestamp) -> Result<()>;
    async fn get_user(&self, id: UserId) -> Result<Option<User>>;
    /// The user with this e-mail address, compared ignoring ASCII case.
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>>;
    /// Users in id order after `after`.
    async fn list_users(
        &self,
        f: &UserFilter,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<User>>;
    async fn count_users(&self, f: &UserFilter) -> Result<i64>;
    async fn settings_history(&self, id: UserId) -> Result<Vec<SettingChange>>;

    async fn create_api_key(&self, k: &ApiKeyRecord) -> Result<()>;
    async fn get_api_key(&self, access_key: &str) -> Result<Option<ApiKeyRecord>>;
    /// Oldest first.
    async fn list_api_keys(&self) -> Result<Vec<ApiKeyRecord>>;
    /// Returns false when no such live key exists.
    async fn revoke_api_key(&self, access_key: &str, at: Timestamp) -> Result<bool>;
    /// Gives a live key a new secret; false when no such live key exists.
    async fn rotate_api_key(&self, access_key: &str, secret_hash: &str) -> Result<bool>;
    /// Records that a key was used at `at`.
    async fn touch_api_key(&self, access_key: &str, at: Timestamp) -> Result<()>;
    /// Sets a user's password hash; `NotFound` for an unknown user.
    async fn set_password_hash(&self, user: UserId, hash: &str, at: Timestamp) -> Result<()>;
    async fn password_hash(&self, user: UserId) -> Result<Option<String>>;
    /// Whether some active user with the admin role has a password: until one does, the
    /// first-run screen may create one (`parley_app::setup`).
    async fn admin_can_sign_in(&self) -> Result<bool>;
    async fn create_session(&self, s: &SessionRecord) -> Result<()>;
    async fn get_session(&self, token_sha: &str) -> Result<Option<SessionRecord>>;
    /// Returns false when there was no such session.
    async fn delete_session(&self, token_sha: &str) -> Result<bool>;
    /// Ends every session of the user; returns how many there were.
    async fn delete_user_sessions(&self, user: UserId) -> Result<u64>;
    async fn create_password_reset(
        &self,
        token_sha: &str,
        user: UserId,
        expires: Timestamp,
    ) -> Result<()>;
    /// Uses up a reset token: its user when it exists and has not expired at `now` (an
    /// expired token is used up too). Of concurrent takes of one token, one gets the user.
    async fn take_password_reset(&self, token_sha: &str, now: Timestamp) -> Result<Option<UserId>>;
    /// A user's role (members have no row).
    async fn user_role(&self, user: UserId) -> Result<Role>;
    /// Fails with `NotFound` for an unknown user.
    async fn set_user_role(&self, user: UserId, role: Role, at: Timestamp) -> Result<()>;

    /// Inserts a call with its parties and CRM links (call-level `context`, party-level in
    /// each `Party::context`). CRM objects are upserted: the newest field values win.
    /// Fails with `Conflict` when the client unique id is taken. `jobs` (e.g. pulling the
    /// call's `downloadMediaUrl`) are queued in the same transaction, so a call is never
    /// stored without the work it needs.
    async fn insert_call(
        &self,
        call: &Call,
        parties: &[Party],
        context: &[CrmLink],
        jobs: &[NewJob],
    ) -> Result<()> {
        self.insert_call_with(call, parties, context, jobs, None)
            .await
    }
    /// [`Store::insert_call`] with the call's speakers timeline (its parties among
    /// `parties`), stored in the same transaction.
    async fn insert_call_with(
        &self,
        call: &Call,
        parties: &[Party],
        context: &[CrmLink],
        jobs: &[NewJob],
        timeline: Option<&SpeakerTimeline<PartyId>>,
    ) -> Result<()>;
    /// The speakers timeline the call was created with.
    async fn speaker_timeline(&self, id: CallId) -> Result<Option<SpeakerTimeline<PartyId>>>;
    async fn call_by_client_unique_id(&self, client_unique_id: &str) -> Result<Option<CallId>>;
    async fn get_call(&self, id: CallId) -> Result<Option<Call>>;
    /// Deletes a call with everything that hangs off it (parties, transcript, analysis,
    /// comments, answered scorecards, library items, its jobs: the schema's cascades) and,
    /// in the same transaction, queues a `DeleteMedia` job for its recording. Answers the
    /// recording's key, if it had one; `NotFound` when there is no such call.
    async fn delete_call(&self, id: CallId, now: Timestamp) -> Result<Option<String>>;
    /// Calls a [`CallSearch`] finds, in its [`CallOrder`], after `after`.
    async fn search_calls(
        &self,
        s: &CallSearch,
        after: Option<SearchKey>,
        limit: u32,
    ) -> Result<Vec<Call>>;
    /// Sentences of these calls' transcripts whose text is LIKE `pattern` (see
    /// [`like_anywhere`]; ASCII letters in either case), at most `per_call` of each call,
    /// each call's in transcript order: `(call, start ms, text)`.
    async fn sentences_like(
        &self,
        ids: &[CallId],
        pattern: &str,
        per_call: u32,
    ) -> Result<Vec<(CallId, i64, String)>>;
    /// Calls in `(started, id)` order after `after`.
    async fn list_calls(
        &self,
        f: &CallFilter,
        after: Option<CallKey>,
        limit: u32,
    ) -> Result<Vec<Call>>;
    /// Like `list_calls`, but only each call's place and version (read from an index).
    async fn list_call_versions(
        &self,
        f: &CallFilter,
        after: Option<CallKey>,
        limit: u32,
    ) -> Result<Vec<CallVersion>>;
    /// These calls (those that exist, in no particular order) with their versions.
    async fn calls_with_versions(&self, ids: &[CallId]) -> Result<Vec<(Call, i64)>>;
    async fn count_calls(&self, f: &CallFilter) -> Result<i64>;
    /// Changes whenever a call is added or removed: counts under a filter stay right
    /// while it does not change (no filtered column of a call ever changes). It grows in
    /// the transaction that adds or removes the call and never shrinks, so a count read
    /// under a generation is never cached under one whose change has not committed.
    async fn calls_generation(&self) -> Result<i64>;
    /// Parties (with their CRM links) of each call, in the order they were given.
    async fn parties_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, Vec<Party>>>;
    /// Call-level CRM links of each call.
    async fn call_context_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, Vec<CrmLink>>>;

    /// Replaces the call's transcript atomically.
    /// Returns false, writing nothing, when `media_sha256` no longer names the call's
    /// recording.
    async fn replace_transcript(&self, w: TranscriptWrite<'_>) -> Result<bool>;
    /// Transcripts as the Gong wire needs them (sentences without word timings).
    async fn transcripts_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, Transcript>>;
    /// Each transcript's talk time and questions per speaker, summed where the sentences
    /// are, one monologue at a time: no transcript is held to count it. Calls without a
    /// transcript are absent.
    async fn transcript_tallies(&self, ids: &[CallId]) -> Result<HashMap<CallId, TranscriptTally>>;
    /// How big each transcript is, as written with it (calls without a transcript are
    /// absent): a page of transcripts is planned by it before any sentence is read.
    async fn transcript_sizes(&self, ids: &[CallId]) -> Result<HashMap<CallId, TranscriptSize>>;
    /// Up to `limit` sentences of a call's transcript after `after` (from the start when
    /// `None`), in transcript order: a long transcript is read a chunk at a time.
    async fn transcript_sentences(
        &self,
        id: CallId,
        after: Option<SentenceKey>,
        limit: u32,
    ) -> Result<Vec<StoredSentence>>;
    /// One call's transcript with word timings, and where it came from.
    async fn transcript_detail(&self, id: CallId) -> Result<Option<(String, Transcript)>>;

    /// The voices of a call's recording, by channel, then speaker.
    async fn call_speakers(&self, id: CallId) -> Result<Vec<CallSpeaker>>;
    /// Ties a voice to a party by hand: the party takes the voice's speaker id (any other
    /// party of the call loses it) and the voice is marked [`SpeakerSource::Manual`].
    /// With `learn`, the party's user's voice profile is updated in the same transaction.
    /// With `new_party` (whose id is `party`), that party is added to the call first, in
    /// the same transaction: a company user who was not on the call.
    async fn assign_speaker(
        &self,
        call: CallId,
        speaker: SpeakerId,
        party: PartyId,
        new_party: Option<&Party>,
        learn: Option<&VoiceProfile>,
        at: Timestamp,
    ) -> Result<()>;
    async fn voice_profiles(&self, users: &[UserId]) -> Result<Vec<VoiceProfile>>;
    async fn save_voice_profile(&self, profile: &VoiceProfile, at: Timestamp) -> Result<()>;

    /// Records (or replaces) a call's recording and queues its transcription `transcribe`
    /// in one transaction, so a recording is never left without its job (`None`: the call
    /// keeps the transcript it has, for a recording made from it); a recording with
    /// video makes the call's media `Video`. A queued transcription of the call is reused
    /// (it reads the new recording when it runs); a running one is reused only when the
    /// bytes are the same, otherwise its result will be refused and a new job is queued.
    /// A replaced recording under another key gets a `delete-media` job.
    async fn store_call_media(
        &self,
        media: &CallMedia,
        transcribe: Option<&NewJob>,
        now: Timestamp,
    ) -> Result<MediaStored>;
    /// Whether any call's recording is stored under `key`.
    async fn media_key_in_use(&self, key: &str) -> Result<bool>;
    async fn call_media(&self, call_id: CallId) -> Result<Option<CallMedia>>;
    /// Keeps the waveform made from the recording whose SHA-256 is `media_sha256`, in
    /// place of the call's last one; `false` (nothing kept) when that recording is no
    /// longer the call's (replaced or erased while it was read).
    async fn put_waveform(
        &self,
        call_id: CallId,
        media_sha256: &str,
        waveform: &Waveform,
    ) -> Result<bool>;
    /// The waveform of the call's current recording, if one was made from it.
    async fn waveform(&self, call_id: CallId) -> Result<Option<Waveform>>;

    /// Adds a job (or returns the live duplicate when `dedupe`: a queued or running job of
    /// the same kind, call and payload). Concurrent enqueues of one de-duplicated job, on
    /// any nodes, make one job and all return it.
    async fn enqueue_job(&self, job: &NewJob, now: Timestamp) -> Result<Job>;
    /// Takes the next runnable job of one of `kinds`: a queued job whose time has come,
    /// or a running job whose lease expired (its worker died). Returns the job and the
    /// lease that fences its result. Each job goes to exactly one of any number of
    /// concurrent claimers; a running job whose worker died on its last allowed attempt
    /// is marked failed instead of claimed, with what it served ([`GaveUp`]).
    async fn claim_job(
        &self,
        kinds: &[JobKind],
        worker: &str,
        lease_secs: u32,
        now: Timestamp,
    ) -> Result<Option<(Job, JobLease)>>;
    /// Extends the lease and records progress; false (changing nothing) when the lease
    /// was lost.
    async fn heartbeat_job(
        &self,
        lease: JobLease,
        progress: Option<f64>,
        lease_secs: u32,
        now: Timestamp,
    ) -> Result<bool>;
    /// Marks a job done (for jobs whose result is written elsewhere or not at all);
    /// `LeaseLost` when the lease was lost.
    async fn finish_job(&self, lease: JobLease, now: Timestamp) -> Result<()>;
    /// Records a failed run; returns the state the job is left in (queued after the
    /// backoff, or failed, with what it served: [`GaveUp`]). `LeaseLost`, changing
    /// nothing, when the lease was lost.
    async fn fail_job(
        &self,
        lease: JobLease,
        error: &str,
        failure: Failure,
        now: Timestamp,
    ) -> Result<JobState>;
    async fn get_job(&self, id: i64) -> Result<Option<Job>>;
    /// Ends a queued job `failed` with `reason` before any worker takes it. Returns the job
    /// as it is afterwards (in its own state when it was no longer queued), `None` when
    /// there is no such job. A kind whose failure is recorded elsewhere ([`GaveUp`]) is
    /// the caller's to refuse: nothing of it is recorded here.
    async fn cancel_job(&self, id: i64, reason: &str, now: Timestamp) -> Result<Option<Job>>;
    /// Jobs of one call, oldest first.
    async fn jobs_for_call(&self, call_id: CallId) -> Result<Vec<Job>>;
    /// The most recent jobs, optionally only in one state.
    async fn list_jobs(&self, state: Option<JobState>, limit: u32) -> Result<Vec<Job>>;
    /// Records a worker's report, replacing its previous one, and forgets workers last
    /// seen before `forget_before`.
    async fn record_worker(&self, w: &WorkerBeat, forget_before: Timestamp) -> Result<()>;
    /// The workers last seen at `since` or later, most recently started first.
    async fn list_workers(&self, since: Timestamp) -> Result<Vec<WorkerBeat>>;

    /// Creates or (same id) replaces a tracker. Fails with `Conflict` when the workspace
    /// has another tracker of that name.
    async fn save_tracker(&self, t: &TrackerRecord) -> Result<()>;
    async fn get_tracker(&self, id: TrackerId) -> Result<Option<TrackerRecord>>;
    /// Trackers of one workspace, or of all; in name order, ignoring case.
    async fn trackers(&self, workspace: Option<WorkspaceId>) -> Result<Vec<TrackerRecord>>;
    /// Returns false when there was no such tracker.
    async fn delete_tracker(&self, id: TrackerId) -> Result<bool>;

    /// The workspace's topic set, when it replaced the defaults.
    async fn workspace_topics(&self, workspace: WorkspaceId) -> Result<Option<Vec<TopicDef>>>;
    async fn set_workspace_topics(
        &self,
        workspace: WorkspaceId,
        topics: &[TopicDef],
        at: Timestamp,
    ) -> Result<()>;

    /// The call's transcript (with word timings) and its version.
    async fn analysis_input(&self, id: CallId) -> Result<Option<AnalysisInput>>;
    /// Stores a call's analysis, its per-person stats and each monologue's topic.
    /// Returns false (and writes nothing) when the transcript changed since
    /// `transcript_version` was read.
    async fn save_analysis(&self, w: AnalysisWrite<'_>) -> Result<bool>;
    /// Replaces only the tracker results of an analysed call; false when the call has no
    /// analysis of that transcript version.
    async fn save_tracker_hits(
        &self,
        call: CallId,
        transcript_version: i64,
        hits: &[TrackerHitsRow],
    ) -> Result<bool>;
    async fn analyses_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, AnalysisRow>>;
    /// Calls that have a transcript, in id order after `after`, optionally of one workspace.
    async fn transcribed_calls(
        &self,
        workspace: Option<WorkspaceId>,
        after: Option<CallId>,
        limit: u32,
    ) -> Result<Vec<CallId>>;
    /// Per-person interaction stats of calls started in `[from, to)`, by user id, then
    /// call start.
    async fn person_stats(
        &self,
        from: Timestamp,
        to: Timestamp,
        users: Option<&[UserId]>,
    ) -> Result<Vec<(UserId, PersonStatsRow)>>;

    /// Appends an event (its id is assigned); fails with `NotFound` for an unknown call
    /// or user.
    async fn record_activity(&self, e: &ActivityEvent) -> Result<i64>;
    /// Every counter contribution in `[from, to)`: hosting and attending by call start,
    /// events by their time.
    async fn activity_facts(
        &self,
        from: Timestamp,
        to: Timestamp,
        users: Option<&[UserId]>,
    ) -> Result<Vec<ActivityFact>>;

    /// A named random secret shared by all nodes; created with `fresh` on first use.
    /// When nodes start together, the first write wins and every node reads it.
    async fn server_secret(&self, name: &str, fresh: Vec<u8>) -> Result<Vec<u8>>;

    // Rate limits shared by the nodes of one database (migrations 0016 / 0002).

    /// Takes one request from `bucket` at `now` under `quota`, in one statement (see the
    /// concurrency contract): `Admitted`, or `Refused` with how long until the bucket
    /// holds a request again. A bucket not in the table is full. `bucket` names it and is
    /// stored as given: callers pass an id or a keyed digest, never a secret or personal
    /// data. The quota is the caller's; a bucket taken under another quota keeps its
    /// stored time and is read under the new one.
    async fn take_rate(&self, bucket: &str, quota: RateQuota, now: Timestamp) -> Result<RateTake>;
    /// Deletes the buckets already full at `before` (their stored time is earlier; such a
    /// row says nothing a missing one does not), a bounded batch per statement; returns
    /// how many.
    async fn prune_rate_limits(&self, before: Timestamp) -> Result<u64>;

    // The audit log (parley_domain::audit).

    /// Appends entries in one transaction. An aggregated action's entry adds its count to
    /// the row of its actor, action, client address, outcome and hour (made when missing).
    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<()>;
    /// Entries in `(at, id)` order (reversed when `newest_first`) after `after`.
    async fn list_audit(
        &self,
        f: &AuditFilter,
        after: Option<AuditKey>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>>;
    async fn count_audit(&self, f: &AuditFilter) -> Result<i64>;
    /// Deletes entries from before `before`; returns how many.
    async fn prune_audit(&self, before: Timestamp) -> Result<u64>;

    // Permission profiles (parley_domain::profile).

    /// `Conflict` when the workspace has a profile of that name; `NotFound` for a missing
    /// workspace.
    async fn create_profile(&self, p: &PermissionProfile, at: Timestamp) -> Result<()>;
    /// Replaces the profile's contents (its id and workspace stay); `NotFound`, `Conflict`.
    async fn update_profile(&self, p: &PermissionProfile, at: Timestamp) -> Result<()>;
    async fn profile(&self, id: ProfileId) -> Result<Option<PermissionProfile>>;
    /// A workspace's profiles by name, at most `limit`.
    async fn profiles_in(&self, w: WorkspaceId, limit: u32) -> Result<Vec<PermissionProfile>>;
    async fn count_profiles(&self, w: WorkspaceId) -> Result<i64>;
    /// Gives `user` `profile` in `workspace` (replacing the one they had there), or with
    /// `None` takes it away; `NotFound` when the profile is not of that workspace.
    async fn set_user_profile(
        &self,
        user: UserId,
        workspace: WorkspaceId,
        profile: Option<ProfileId>,
        at: Timestamp,
    ) -> Result<()>;
    /// The users with `id`, by id, after `after`.
    async fn profile_users(
        &self,
        id: ProfileId,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<UserId>>;
    /// Every user with their manager: the manager tree, without the rest of the rows.
    async fn manager_edges(&self) -> Result<Vec<(UserId, Option<UserId>)>>;
    /// The profile `user` has in `workspace`, if any.
    async fn user_profile(&self, user: UserId, workspace: WorkspaceId)
        -> Result<Option<ProfileId>>;
    /// The call access of each workspace where `user` has a profile.
    async fn user_call_access(&self, user: UserId) -> Result<Vec<(WorkspaceId, Access)>>;
    /// The workspaces where `user`'s profile grants `capability`.
    async fn capability_workspaces(
        &self,
        user: UserId,
        capability: Capability,
    ) -> Result<Vec<WorkspaceId>>;

    // OAuth 2.0 (migration 0013; the SQL is in `sqlite/oauth.rs`): apps, one-time
    // authorization codes and the tokens they are exchanged for (`parley_app::oauth`).

    /// Fails with `Conflict` when the client id is taken, `NotFound` for an unknown owner.
    async fn create_oauth_app(&self, a: &OAuthAppRecord) -> Result<()>;
    async fn get_oauth_app(&self, client_id: &str) -> Result<Option<OAuthAppRecord>>;
    /// Every app, oldest first.
    async fn list_oauth_apps(&self) -> Result<Vec<OAuthAppRecord>>;
    /// Revokes a live app with every token and unused code it holds, in one transaction;
    /// false when there is no such live app.
    async fn revoke_oauth_app(&self, client_id: &str, at: Timestamp) -> Result<bool>;
    /// Stores a code (and forgets codes that expired long ago).
    async fn create_oauth_code(&self, c: &OAuthCodeRecord) -> Result<()>;
    /// Marks a code used at `at` and returns it as it was before (`used` says whether it
    /// had been used already); `None` for an unknown code. Of concurrent takes of one
    /// code, exactly one finds it unused, and its `at` is the use recorded.
    async fn take_oauth_code(
        &self,
        code_sha: &str,
        at: Timestamp,
    ) -> Result<Option<OAuthCodeRecord>>;
    /// Stores a token (and forgets tokens whose refresh token expired long ago).
    async fn create_oauth_token(&self, t: &OAuthTokenRecord) -> Result<()>;
    async fn oauth_token_by_access(&self, access_sha: &str) -> Result<Option<OAuthTokenRecord>>;
    async fn oauth_token_by_refresh(&self, refresh_sha: &str) -> Result<Option<OAuthTokenRecord>>;
    /// Spends a refresh token that is live at `at` (unspent, unrevoked, unexpired, of
    /// `client_id`): the token, or `None` when it was not live (nothing changes then).
    /// Of concurrent spends of one refresh token, exactly one gets the token.
    async fn spend_oauth_refresh(
        &self,
        refresh_sha: &str,
        client_id: &str,
        at: Timestamp,
    ) -> Result<Option<OAuthTokenRecord>>;
    /// Revokes every token of a grant; returns how many were not revoked yet.
    async fn revoke_oauth_grant(&self, grant: &str, at: Timestamp) -> Result<u64>;
    /// Records that a grant's tokens were used at `at`.
    async fn touch_oauth_grant(&self, grant: &str, at: Timestamp) -> Result<()>;
}

/// Hides a password in a database URL before it reaches an error or a log.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("sqlite://a.db"), "sqlite://a.db");
    }
}

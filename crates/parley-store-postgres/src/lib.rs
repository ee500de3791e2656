//! The PostgreSQL backend: [`PgStore`], one database shared by any number of Parley nodes.
//!
//! Same behaviour and stored formats as the SQLite backend (column names, microsecond
//! times, the keys of `parley_store::codec`), so that a database can move between them
//! by copying rows. What differs is concurrency: SQLite has one writer at a time, here
//! many nodes write at once under READ COMMITTED, so every read-then-write takes a row
//! lock or is one conditional statement, and job claims skip locked rows.
//!
//! Each trait method is one line delegating to the module that owns its tables.
//!
//! Conventions every module follows:
//! * parameters are `$n`; id lists bind as one `BIGINT[]` ([`raw_ids`]) for `= ANY($n)`;
//! * SQLite's 0/1 flags are BOOLEAN columns (bind and read `bool`); other integers are
//!   BIGINT (read `i64`, narrowed with [`narrow`]); `SUM`/`AVG` of BIGINT are NUMERIC in
//!   PostgreSQL, so cast them back (`::BIGINT`);
//! * every TEXT column has the "C" collation (byte order, as SQLite's BINARY);
//!   case-insensitive text (e-mail, tracker names; SQLite's NOCASE) compares and sorts by
//!   `lower(column)`, as its unique index does, and a parameter compared with it is
//!   folded as `lower($n COLLATE "C")` (else the database's locale folds non-ASCII too);
//! * writes that must commit with a job's completion call `jobs::finish_leased` in their
//!   transaction; jobs queued by other writes go through `jobs::enqueue_in`.
//!
//! Architecture Invariant: no other crate issues SQL against this database; the schema
//! is `migrations/`, applied on open.

#![forbid(unsafe_code)]

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Postgres;

use parley_domain::tracker::TopicDef;
use parley_domain::{
    Access, ActivityEvent, ActivityFact, AuditEntry, AuditRecord, Call, CallId, CallMedia,
    CallSpeaker, Capability, CrmLink, Job, JobKind, JobLease, JobState, Party, PartyId,
    PermissionProfile, ProfileId, Role, SettingChange, SpeakerId, SpeakerTimeline, Timestamp,
    TrackerId, Transcript, TranscriptTally, User, UserId, VoiceProfile, Waveform, WorkerBeat,
    Workspace, WorkspaceId,
};
use parley_store::{
    AnalysisInput, AnalysisRow, AnalysisWrite, ApiKeyRecord, AuditFilter, AuditKey, CallFilter,
    CallKey, CallSearch, CallVersion, Failure, MediaStored, NewJob, OAuthAppRecord,
    OAuthCodeRecord, OAuthTokenRecord, PersonStatsRow, Result, SearchKey, SentenceKey,
    SessionRecord, Store, StoreError, StoredSentence, TrackerHitsRow, TrackerRecord,
    TranscriptSize, TranscriptWrite, UserFilter,
};

mod access;
mod analysis;
mod audit;
mod automation;
mod calls;
mod comments;
mod crm;
mod crm_write;
mod identity;
mod jobs;
mod library;
mod media;
mod oauth;
mod portable;
mod privacy;
mod profiles;
mod rate_limits;
mod scorecards;
mod shares;
pub mod testing;
mod transcripts;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connections per node. Every node of a deployment holds its own pool, and the sum must
/// stay under the server's `max_connections` (100 by default, a few kept for admins):
/// 16 leaves room for five nodes. Connections open on demand, so an idle node holds one.
const POOL_SIZE: u32 = 16;

/// A store on one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The database's URL without its password, for messages.
    url: String,
}

/// A transaction on the store's pool.
type Tx = sqlx::Transaction<'static, Postgres>;

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:pass@host/db`) and brings its
    /// schema up to date. Nodes starting together are safe: sqlx takes an advisory lock
    /// around the migrations.
    pub async fn open(url: &str) -> Result<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .min_connections(1)
            .connect(url)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(PgStore {
            pool,
            url: parley_store::redact(url),
        })
    }

    /// Starts a transaction (READ COMMITTED, the server's default: each statement sees
    /// what committed before it; read-then-write paths lock the rows they read).
    async fn begin(&self) -> Result<Tx> {
        Ok(self.pool.begin().await?)
    }

    /// Starts a read-only transaction on one snapshot, for reads of several statements
    /// that must agree with each other (a transcript's head and its sentences).
    async fn snapshot(&self) -> Result<Tx> {
        Ok(self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?)
    }
}

/// Whether a transaction failed only because PostgreSQL chose it as the victim of a
/// deadlock (or a serialization failure): running it again from the start is right.
fn retryable(e: &StoreError) -> bool {
    match e {
        StoreError::Backend(sqlx::Error::Database(d)) => {
            matches!(d.code().as_deref(), Some("40P01" | "40001"))
        }
        _ => false,
    }
}

/// How often a transaction that lost a deadlock is run again before its error is returned.
const DEADLOCK_RETRIES: u32 = 3;

/// The raw ids of typed ids, to bind as one `BIGINT[]` for `= ANY($n)`.
fn raw_ids<T: Copy>(ids: &[T], raw: impl Fn(T) -> i64) -> Vec<i64> {
    ids.iter().map(|&i| raw(i)).collect()
}

/// A stored integer that must fit a narrower type; `Corrupt` naming `what` when not.
fn narrow<T: TryFrom<i64>>(v: i64, what: &str) -> Result<T> {
    T::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} {v} out of range")))
}

#[async_trait]
impl Store for PgStore {
    async fn create_workspace(&self, w: &Workspace, is_default: bool) -> Result<()> {
        identity::create_workspace(self, w, is_default).await
    }

    async fn list_workspaces(&self) -> Result<Vec<Workspace>> {
        identity::list_workspaces(self).await
    }

    async fn default_workspace(&self) -> Result<Option<Workspace>> {
        identity::default_workspace(self).await
    }

    async fn get_workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>> {
        identity::get_workspace(self, id).await
    }

    async fn create_user(&self, u: &User) -> Result<()> {
        identity::create_user(self, u).await
    }

    async fn update_user(&self, u: &User, at: Timestamp) -> Result<()> {
        identity::update_user(self, u, at).await
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>> {
        identity::get_user(self, id).await
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        identity::find_user_by_email(self, email).await
    }

    async fn list_users(
        &self,
        f: &UserFilter,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<User>> {
        identity::list_users(self, f, after, limit).await
    }

    async fn count_users(&self, f: &UserFilter) -> Result<i64> {
        identity::count_users(self, f).await
    }

    async fn settings_history(&self, id: UserId) -> Result<Vec<SettingChange>> {
        identity::settings_history(self, id).await
    }

    async fn create_api_key(&self, k: &ApiKeyRecord) -> Result<()> {
        identity::create_api_key(self, k).await
    }

    async fn get_api_key(&self, access_key: &str) -> Result<Option<ApiKeyRecord>> {
        identity::get_api_key(self, access_key).await
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKeyRecord>> {
        identity::list_api_keys(self).await
    }

    async fn revoke_api_key(&self, access_key: &str, at: Timestamp) -> Result<bool> {
        identity::revoke_api_key(self, access_key, at).await
    }

    async fn rotate_api_key(&self, access_key: &str, secret_hash: &str) -> Result<bool> {
        identity::rotate_api_key(self, access_key, secret_hash).await
    }

    async fn touch_api_key(&self, access_key: &str, at: Timestamp) -> Result<()> {
        identity::touch_api_key(self, access_key, at).await
    }

    async fn set_password_hash(&self, user: UserId, hash: &str, at: Timestamp) -> Result<()> {
        identity::set_password_hash(self, user, hash, at).await
    }

    async fn password_hash(&self, user: UserId) -> Result<Option<String>> {
        identity::password_hash(self, user).await
    }

    async fn admin_can_sign_in(&self) -> Result<bool> {
        identity::admin_can_sign_in(self).await
    }

    async fn create_session(&self, s: &SessionRecord) -> Result<()> {
        identity::create_session(self, s).await
    }

    async fn get_session(&self, token_sha: &str) -> Result<Option<SessionRecord>> {
        identity::get_session(self, token_sha).await
    }

    async fn delete_session(&self, token_sha: &str) -> Result<bool> {
        identity::delete_session(self, token_sha).await
    }

    async fn delete_user_sessions(&self, user: UserId) -> Result<u64> {
        identity::delete_user_sessions(self, user).await
    }

    async fn create_password_reset(
        &self,
        token_sha: &str,
        user: UserId,
        expires: Timestamp,
    ) -> Result<()> {
        identity::create_password_reset(self, token_sha, user, expires).await
    }

    async fn take_password_reset(&self, token_sha: &str, now: Timestamp) -> Result<Option<UserId>> {
        identity::take_password_reset(self, token_sha, now).await
    }

    async fn user_role(&self, user: UserId) -> Result<Role> {
        identity::user_role(self, user).await
    }

    async fn set_user_role(&self, user: UserId, role: Role, at: Timestamp) -> Result<()> {
        identity::set_user_role(self, user, role, at).await
    }

    async fn insert_call_with(
        &self,
        call: &Call,
        parties: &[Party],
        context: &[CrmLink],
        jobs: &[NewJob],
        timeline: Option<&SpeakerTimeline<PartyId>>,
    ) -> Result<()> {
        calls::insert_call(self, call, parties, context, jobs, timeline).await
    }

    async fn speaker_timeline(&self, id: CallId) -> Result<Option<SpeakerTimeline<PartyId>>> {
        calls::speaker_timeline(self, id).await
    }

    async fn call_by_client_unique_id(&self, client_unique_id: &str) -> Result<Option<CallId>> {
        calls::call_by_client_unique_id(self, client_unique_id).await
    }

    async fn get_call(&self, id: CallId) -> Result<Option<Call>> {
        calls::get_call(self, id).await
    }

    async fn delete_call(&self, id: CallId, now: Timestamp) -> Result<Option<String>> {
        calls::delete_call(self, id, now).await
    }

    async fn list_calls(
        &self,
        f: &CallFilter,
        after: Option<CallKey>,
        limit: u32,
    ) -> Result<Vec<Call>> {
        calls::list_calls(self, f, after, limit).await
    }

    async fn search_calls(
        &self,
        s: &CallSearch,
        after: Option<SearchKey>,
        limit: u32,
    ) -> Result<Vec<Call>> {
        calls::search_calls(self, s, after, limit).await
    }

    async fn sentences_like(
        &self,
        ids: &[CallId],
        pattern: &str,
        per_call: u32,
    ) -> Result<Vec<(CallId, i64, String)>> {
        transcripts::sentences_like(self, ids, pattern, per_call).await
    }

    async fn list_call_versions(
        &self,
        f: &CallFilter,
        after: Option<CallKey>,
        limit: u32,
    ) -> Result<Vec<CallVersion>> {
        calls::list_call_versions(self, f, after, limit).await
    }

    async fn calls_with_versions(&self, ids: &[CallId]) -> Result<Vec<(Call, i64)>> {
        calls::calls_with_versions(self, ids).await
    }

    async fn count_calls(&self, f: &CallFilter) -> Result<i64> {
        calls::count_calls(self, f).await
    }

    async fn calls_generation(&self) -> Result<i64> {
        calls::calls_generation(self).await
    }

    async fn parties_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, Vec<Party>>> {
        calls::parties_of(self, ids).await
    }

    async fn call_context_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, Vec<CrmLink>>> {
        calls::call_context_of(self, ids).await
    }

    async fn replace_transcript(&self, w: TranscriptWrite<'_>) -> Result<bool> {
        transcripts::replace_transcript(self, w).await
    }

    async fn transcripts_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, Transcript>> {
        transcripts::transcripts_of(self, ids).await
    }

    async fn transcript_tallies(&self, ids: &[CallId]) -> Result<HashMap<CallId, TranscriptTally>> {
        transcripts::transcript_tallies(self, ids).await
    }

    async fn transcript_sizes(&self, ids: &[CallId]) -> Result<HashMap<CallId, TranscriptSize>> {
        transcripts::transcript_sizes(self, ids).await
    }

    async fn transcript_sentences(
        &self,
        id: CallId,
        after: Option<SentenceKey>,
        limit: u32,
    ) -> Result<Vec<StoredSentence>> {
        transcripts::transcript_sentences(self, id, after, limit).await
    }

    async fn transcript_detail(&self, id: CallId) -> Result<Option<(String, Transcript)>> {
        transcripts::transcript_detail(self, id).await
    }

    async fn call_speakers(&self, id: CallId) -> Result<Vec<CallSpeaker>> {
        transcripts::call_speakers(self, id).await
    }

    async fn assign_speaker(
        &self,
        call: CallId,
        speaker: SpeakerId,
        party: PartyId,
        new_party: Option<&Party>,
        learn: Option<&VoiceProfile>,
        at: Timestamp,
    ) -> Result<()> {
        transcripts::assign_speaker(self, call, speaker, party, new_party, learn, at).await
    }

    async fn voice_profiles(&self, users: &[UserId]) -> Result<Vec<VoiceProfile>> {
        transcripts::voice_profiles(self, users).await
    }

    async fn save_voice_profile(&self, profile: &VoiceProfile, at: Timestamp) -> Result<()> {
        transcripts::save_voice_profile(self, profile, at).await
    }

    async fn store_call_media(
        &self,
        media: &CallMedia,
        transcribe: Option<&NewJob>,
        now: Timestamp,
    ) -> Result<MediaStored> {
        media::store_call_media(self, media, transcribe, now).await
    }

    async fn media_key_in_use(&self, key: &str) -> Result<bool> {
        media::media_key_in_use(self, key).await
    }

    async fn call_media(&self, call_id: CallId) -> Result<Option<CallMedia>> {
        media::call_media(self, call_id).await
    }

    async fn put_waveform(
        &self,
        call_id: CallId,
        media_sha256: &str,
        w: &Waveform,
    ) -> Result<bool> {
        media::put_waveform(self, call_id, media_sha256, w).await
    }

    async fn waveform(&self, call_id: CallId) -> Result<Option<Waveform>> {
        media::waveform(self, call_id).await
    }

    async fn enqueue_job(&self, job: &NewJob, now: Timestamp) -> Result<Job> {
        jobs::enqueue_job(self, job, now).await
    }

    async fn claim_job(
        &self,
        kinds: &[JobKind],
        worker: &str,
        lease_secs: u32,
        now: Timestamp,
    ) -> Result<Option<(Job, JobLease)>> {
        jobs::claim_job(self, kinds, worker, lease_secs, now).await
    }

    async fn heartbeat_job(
        &self,
        lease: JobLease,
        progress: Option<f64>,
        lease_secs: u32,
        now: Timestamp,
    ) -> Result<bool> {
        jobs::heartbeat_job(self, lease, progress, lease_secs, now).await
    }

    async fn finish_job(&self, lease: JobLease, now: Timestamp) -> Result<()> {
        jobs::finish_job(self, lease, now).await
    }

    async fn fail_job(
        &self,
        lease: JobLease,
        error: &str,
        failure: Failure,
        now: Timestamp,
    ) -> Result<JobState> {
        jobs::fail_job(self, lease, error, failure, now).await
    }

    async fn cancel_job(&self, id: i64, reason: &str, now: Timestamp) -> Result<Option<Job>> {
        jobs::cancel_job(self, id, reason, now).await
    }

    async fn get_job(&self, id: i64) -> Result<Option<Job>> {
        jobs::get_job(self, id).await
    }

    async fn jobs_for_call(&self, call_id: CallId) -> Result<Vec<Job>> {
        jobs::jobs_for_call(self, call_id).await
    }

    async fn list_jobs(&self, state: Option<JobState>, limit: u32) -> Result<Vec<Job>> {
        jobs::list_jobs(self, state, limit).await
    }

    async fn record_worker(&self, w: &WorkerBeat, forget_before: Timestamp) -> Result<()> {
        jobs::record_worker(self, w, forget_before).await
    }

    async fn list_workers(&self, since: Timestamp) -> Result<Vec<WorkerBeat>> {
        jobs::list_workers(self, since).await
    }

    async fn save_tracker(&self, t: &TrackerRecord) -> Result<()> {
        analysis::save_tracker(self, t).await
    }

    async fn get_tracker(&self, id: TrackerId) -> Result<Option<TrackerRecord>> {
        analysis::get_tracker(self, id).await
    }

    async fn trackers(&self, workspace: Option<WorkspaceId>) -> Result<Vec<TrackerRecord>> {
        analysis::trackers(self, workspace).await
    }

    async fn delete_tracker(&self, id: TrackerId) -> Result<bool> {
        analysis::delete_tracker(self, id).await
    }

    async fn workspace_topics(&self, workspace: WorkspaceId) -> Result<Option<Vec<TopicDef>>> {
        analysis::workspace_topics(self, workspace).await
    }

    async fn set_workspace_topics(
        &self,
        workspace: WorkspaceId,
        topics: &[TopicDef],
        at: Timestamp,
    ) -> Result<()> {
        analysis::set_workspace_topics(self, workspace, topics, at).await
    }

    async fn analysis_input(&self, id: CallId) -> Result<Option<AnalysisInput>> {
        analysis::analysis_input(self, id).await
    }

    async fn save_analysis(&self, w: AnalysisWrite<'_>) -> Result<bool> {
        analysis::save_analysis(self, w, &[]).await
    }

    async fn save_tracker_hits(
        &self,
        call: CallId,
        transcript_version: i64,
        hits: &[TrackerHitsRow],
    ) -> Result<bool> {
        analysis::save_tracker_hits(self, call, transcript_version, hits).await
    }

    async fn analyses_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, AnalysisRow>> {
        analysis::analyses_of(self, ids).await
    }

    async fn transcribed_calls(
        &self,
        workspace: Option<WorkspaceId>,
        after: Option<CallId>,
        limit: u32,
    ) -> Result<Vec<CallId>> {
        analysis::transcribed_calls(self, workspace, after, limit).await
    }

    async fn person_stats(
        &self,
        from: Timestamp,
        to: Timestamp,
        users: Option<&[UserId]>,
    ) -> Result<Vec<(UserId, PersonStatsRow)>> {
        analysis::person_stats(self, from, to, users).await
    }

    async fn record_activity(&self, e: &ActivityEvent) -> Result<i64> {
        analysis::record_activity(self, e).await
    }

    async fn activity_facts(
        &self,
        from: Timestamp,
        to: Timestamp,
        users: Option<&[UserId]>,
    ) -> Result<Vec<ActivityFact>> {
        analysis::activity_facts(self, from, to, users).await
    }

    async fn server_secret(&self, name: &str, fresh: Vec<u8>) -> Result<Vec<u8>> {
        identity::server_secret(self, name, fresh).await
    }

    async fn take_rate(
        &self,
        bucket: &str,
        quota: parley_store::RateQuota,
        now: Timestamp,
    ) -> Result<parley_store::RateTake> {
        rate_limits::take_rate(self, bucket, quota, now).await
    }

    async fn prune_rate_limits(&self, before: Timestamp) -> Result<u64> {
        rate_limits::prune_rate_limits(self, before).await
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<()> {
        audit::append_audit(self, entries).await
    }

    async fn list_audit(
        &self,
        f: &AuditFilter,
        after: Option<AuditKey>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        audit::list_audit(self, f, after, limit).await
    }

    async fn count_audit(&self, f: &AuditFilter) -> Result<i64> {
        audit::count_audit(self, f).await
    }

    async fn prune_audit(&self, before: Timestamp) -> Result<u64> {
        audit::prune_audit(self, before).await
    }

    async fn create_profile(&self, p: &PermissionProfile, at: Timestamp) -> Result<()> {
        profiles::create_profile(self, p, at).await
    }

    async fn update_profile(&self, p: &PermissionProfile, at: Timestamp) -> Result<()> {
        profiles::update_profile(self, p, at).await
    }

    async fn profile(&self, id: ProfileId) -> Result<Option<PermissionProfile>> {
        profiles::profile(self, id).await
    }

    async fn profiles_in(&self, w: WorkspaceId, limit: u32) -> Result<Vec<PermissionProfile>> {
        profiles::profiles_in(self, w, limit).await
    }

    async fn count_profiles(&self, w: WorkspaceId) -> Result<i64> {
        profiles::count_profiles(self, w).await
    }

    async fn set_user_profile(
        &self,
        user: UserId,
        workspace: WorkspaceId,
        profile: Option<ProfileId>,
        at: Timestamp,
    ) -> Result<()> {
        profiles::set_user_profile(self, user, workspace, profile, at).await
    }

    async fn profile_users(
        &self,
        id: ProfileId,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<UserId>> {
        profiles::profile_users(self, id, after, limit).await
    }

    async fn manager_edges(&self) -> Result<Vec<(UserId, Option<UserId>)>> {
        profiles::manager_edges(self).await
    }

    async fn user_profile(
        &self,
        user: UserId,
        workspace: WorkspaceId,
    ) -> Result<Option<ProfileId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT profile_id FROM user_profiles WHERE user_id = $1 AND workspace_id = $2",
        )
        .bind(user.0)
        .bind(workspace.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.map(ProfileId))
    }

    async fn user_call_access(&self, user: UserId) -> Result<Vec<(WorkspaceId, Access)>> {
        profiles::user_call_access(self, user).await
    }

    async fn capability_workspaces(
        &self,
        user: UserId,
        capability: Capability,
    ) -> Result<Vec<WorkspaceId>> {
        profiles::capability_workspaces(self, user, capability).await
    }

    async fn create_oauth_app(&self, a: &OAuthAppRecord) -> Result<()> {
        oauth::create_oauth_app(self, a).await
    }

    async fn get_oauth_app(&self, client_id: &str) -> Result<Option<OAuthAppRecord>> {
        oauth::get_oauth_app(self, client_id).await
    }

    async fn list_oauth_apps(&self) -> Result<Vec<OAuthAppRecord>> {
        oauth::list_oauth_apps(self).await
    }

    async fn revoke_oauth_app(&self, client_id: &str, at: Timestamp) -> Result<bool> {
        oauth::revoke_oauth_app(self, client_id, at).await
    }

    async fn create_oauth_code(&self, c: &OAuthCodeRecord) -> Result<()> {
        oauth::create_oauth_code(self, c).await
    }

    async fn take_oauth_code(
        &self,
        code_sha: &str,
        at: Timestamp,
    ) -> Result<Option<OAuthCodeRecord>> {
        oauth::take_oauth_code(self, code_sha, at).await
    }

    async fn create_oauth_token(&self, t: &OAuthTokenRecord) -> Result<()> {
        oauth::create_oauth_token(self, t).await
    }

    async fn oauth_token_by_access(&self, access_sha: &str) -> Result<Option<OAuthTokenRecord>> {
        oauth::oauth_token_by_access(self, access_sha).await
    }

    async fn oauth_token_by_refresh(&self, refresh_sha: &str) -> Result<Option<OAuthTokenRecord>> {
        oauth::oauth_token_by_refresh(self, refresh_sha).await
    }

    async fn spend_oauth_refresh(
        &self,
        refresh_sha: &str,
        client_id: &str,
        at: Timestamp,
    ) -> Result<Option<OAuthTokenRecord>> {
        oauth::spend_oauth_refresh(self, refresh_sha, client_id, at).await
    }

    async fn revoke_oauth_grant(&self, grant: &str, at: Timestamp) -> Result<u64> {
        oauth::revoke_oauth_grant(self, grant, at).await
    }

    async fn touch_oauth_grant(&self, grant: &str, at: Timestamp) -> Result<()> {
        oauth::touch_oauth_grant(self, grant, at).await
    }
}

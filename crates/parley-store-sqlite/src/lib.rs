//! Parley's embedded storage backend: one SQLite file in WAL mode, implementing
//! [`parley_store::Store`].
//!
//! Architecture Invariant: this crate owns its SQL and its `migrations/` folder; every
//! mapping between domain values and stored values comes from `parley_store::codec`, so
//! this backend and PostgreSQL's store the same thing the same way.
//!
//! Correct under concurrency because SQLite has one writer: write transactions start with
//! `BEGIN IMMEDIATE` (see [`SqliteStore::write_tx`]), so a read-then-write inside one is
//! never interleaved with another writer.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use parley_domain::tracker::{TopicDef, TrackerDef};
use parley_domain::*;

use parley_store::rows::{check_format, ANALYSIS_FORMAT};
use parley_store::{like_anywhere, GaveUp, WORKER_STOPPED};
use parley_store::{
    AnalysisInput, AnalysisRow, AnalysisWrite, ApiKeyRecord, CallFilter, CallKey, CallSearch,
    CallVersion, Failure, MediaStored, NewJob, PersonStatsRow, Result, SearchKey, SessionRecord,
    Store, StoreError, TrackerHitsRow, TrackerRecord, TranscriptWrite, UserFilter,
};
use parley_store::{AuditFilter, AuditKey, ANALYSIS_LIVE_AFTER_TRANSCRIPT};
use parley_store::{OAuthAppRecord, OAuthCodeRecord, OAuthTokenRecord};
use parley_store::{RateQuota, RateTake, SentenceKey, StoredSentence, TranscriptSize};

mod access;
mod audit;
mod automation;
mod comments;
mod crm;
mod crm_write;
mod library;
mod oauth;
mod portable;
mod privacy;
mod profiles;
mod rate_limits;
mod scorecards;
mod shares;

use parley_store::codec::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A store on one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The file, for messages.
    path: String,
}

const CALL_COLUMNS: &str = "id, workspace_id, title, scheduled_us, started_us, duration_s, primary_user_id, \
    direction, system, scope, media, language, sdr_disposition, client_unique_id, custom_data, purpose, \
    meeting_url, is_private, calendar_event_id, media_source_url, language_hint, created_us";

/// A `calls` row as `json_array({CALL_COLUMNS})`, fields in that order.
#[derive(serde::Deserialize)]
struct CallRow(
    i64,
    i64,
    String,
    Option<i64>,
    i64,
    i64,
    i64,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

fn call_of(r: &SqliteRow) -> Result<Call> {
    let text: &str = r.try_get("row")?;
    let c: CallRow =
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("call row: {e}")))?;
    Ok(Call {
        id: CallId(c.0),
        workspace_id: WorkspaceId(c.1),
        title: c.2,
        scheduled: opt_ts(c.3)?,
        started: ts(c.4)?,
        duration_s: c.5,
        primary_user_id: UserId(c.6),
        direction: direction_of(&c.7),
        system: c.8,
        scope: scope_of_key(&c.9),
        media: if c.10 == "video" {
            MediaKind::Video
        } else {
            MediaKind::Audio
        },
        language: c.11,
        sdr_disposition: c.12,
        client_unique_id: c.13,
        custom_data: c.14,
        purpose: c.15,
        meeting_url: c.16,
        is_private: c.17 != 0,
        calendar_event_id: c.18,
        media_source_url: c.19,
        language_hint: c.20,
        created: ts(c.21)?,
    })
}

/// A `parties` row as read by `parties_of`, fields in its `json_array` order.
type PartyRow = (
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    String,
    Option<String>,
    String,
    Option<i32>,
);

const USER_COLUMNS: &str = "id, email, created_us, active, first_name, last_name, title, phone, extension, \
    manager_id, trusted_email, meeting_consent_page_url, email_aliases, personal_meeting_urls, spoken_languages, \
    web_conferences_recorded, prevent_web_conference_recording, telephony_calls_imported, emails_imported, \
    prevent_email_import, non_recorded_meetings_imported, gong_connect_enabled";

fn user_of(r: &SqliteRow) -> Result<User> {
    let langs: Vec<(String, bool)> = serde_json::from_str(r.try_get("spoken_languages")?)
        .map_err(|e| StoreError::Corrupt(format!("spoken languages: {e}")))?;
    Ok(User {
        id: UserId(r.try_get("id")?),
        email: r.try_get("email")?,
        created: ts(r.try_get("created_us")?)?,
        active: r.try_get("active")?,
        email_aliases: list_of(r.try_get("email_aliases")?)?,
        trusted_email: r.try_get("trusted_email")?,
        first_name: r.try_get("first_name")?,
        last_name: r.try_get("last_name")?,
        title: r.try_get("title")?,
        phone: r.try_get("phone")?,
        extension: r.try_get("extension")?,
        personal_meeting_urls: list_of(r.try_get("personal_meeting_urls")?)?,
        settings: UserSettings {
            web_conferences_recorded: r.try_get("web_conferences_recorded")?,
            prevent_web_conference_recording: r.try_get("prevent_web_conference_recording")?,
            telephony_calls_imported: r.try_get("telephony_calls_imported")?,
            emails_imported: r.try_get("emails_imported")?,
            prevent_email_import: r.try_get("prevent_email_import")?,
            non_recorded_meetings_imported: r.try_get("non_recorded_meetings_imported")?,
            gong_connect_enabled: r.try_get("gong_connect_enabled")?,
        },
        manager_id: r.try_get::<Option<i64>, _>("manager_id")?.map(UserId),
        meeting_consent_page_url: r.try_get("meeting_consent_page_url")?,
        spoken_languages: langs
            .into_iter()
            .map(|(language, primary)| SpokenLanguage { language, primary })
            .collect(),
    })
}

fn workspace_of(r: &SqliteRow) -> Result<Workspace> {
    Ok(Workspace {
        id: WorkspaceId(r.try_get("id")?),
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        created: ts(r.try_get("created_us")?)?,
    })
}

fn key_of(r: &SqliteRow) -> Result<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        access_key: r.try_get("access_key")?,
        name: r.try_get("name")?,
        secret_hash: r.try_get("secret_hash")?,
        created: ts(r.try_get("created_us")?)?,
        revoked: opt_ts(r.try_get("revoked_us")?)?,
        scopes: match r.try_get::<Option<String>, _>("scopes")? {
            None => ScopeSet::full(),
            Some(text) => ScopeSet::parse(&text)
                .map_err(|e| StoreError::Corrupt(format!("api key scopes: {e}")))?,
        },
        workspace: r
            .try_get::<Option<i64>, _>("workspace_id")?
            .map(WorkspaceId),
        owner: r.try_get::<Option<i64>, _>("owner_user_id")?.map(UserId),
        last_used: opt_ts(r.try_get("last_used_us")?)?,
    })
}

async fn upsert_profile(
    tx: &mut sqlx::Transaction<'static, Sqlite>,
    p: &VoiceProfile,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO voice_profiles (user_id, voice, samples, updated_us) VALUES (?, ?, ?, ?) \
         ON CONFLICT (user_id) DO UPDATE SET voice = excluded.voice, samples = excluded.samples, \
         updated_us = excluded.updated_us",
    )
    .bind(p.user_id.0)
    .bind(voice_blob(&p.voice))
    .bind(i64::from(p.samples))
    .bind(us(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Transcript sentences inserted per statement.
const SENTENCE_BATCH: usize = 1_000;

fn tracker_of(r: &SqliteRow) -> Result<TrackerRecord> {
    let mut def: TrackerDef = from_json(r.try_get("definition")?, "tracker definition")?;
    // The row's columns are the truth for the fields they hold.
    def.id = TrackerId(r.try_get("id")?);
    def.name = r.try_get("name")?;
    Ok(TrackerRecord {
        def,
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        created: ts(r.try_get("created_us")?)?,
        creator: r.try_get::<Option<i64>, _>("creator_user_id")?.map(UserId),
        updated: ts(r.try_get("updated_us")?)?,
        updater: r.try_get::<Option<i64>, _>("updater_user_id")?.map(UserId),
    })
}

/// A `call_media` row.
pub(crate) fn call_media_of(r: &SqliteRow) -> Result<CallMedia> {
    Ok(CallMedia {
        call_id: CallId(r.try_get("call_id")?),
        key: r.try_get("key")?,
        size_bytes: r.try_get::<i64, _>("size_bytes")? as u64,
        sha256: r.try_get("sha256")?,
        file_name: r.try_get("file_name")?,
        content_type: r.try_get("content_type")?,
        container: r.try_get("container")?,
        codec: r.try_get("codec")?,
        channels: r.try_get::<Option<i64>, _>("channels")?.map(|c| c as u32),
        sample_rate: r
            .try_get::<Option<i64>, _>("sample_rate")?
            .map(|c| c as u32),
        duration_ms: r
            .try_get::<Option<i64>, _>("duration_ms")?
            .map(|d| d as u64),
        has_video: r.try_get("has_video")?,
        uploaded: ts(r.try_get("uploaded_us")?)?,
    })
}

/// Appends `(SELECT value FROM json_each(?))` with the ids bound as one JSON array: one
/// parameter and one statement text whatever the number of ids, so the prepared statement
/// is reused and binding stays cheap (100 separate binds cost milliseconds through sqlx).
pub(crate) fn push_ids<'a>(q: &mut QueryBuilder<'a, Sqlite>, ids: impl Iterator<Item = i64>) {
    let list =
        serde_json::to_string(&ids.collect::<Vec<i64>>()).expect("a list of integers serialises");
    q.push("(SELECT value FROM json_each(")
        .push_bind(list)
        .push("))");
}

/// The filter, the keyset start and the order of a page of calls.
fn push_call_page(
    q: &mut QueryBuilder<'_, Sqlite>,
    f: &CallFilter,
    after: Option<CallKey>,
    limit: u32,
) {
    push_call_filter(q, f);
    if let Some(k) = after {
        // Row-value comparison lets SQLite seek the (started_us, id) index directly.
        q.push(" AND (started_us, id) > (")
            .push_bind(k.started_us)
            .push(", ")
            .push_bind(k.id)
            .push(")");
    }
    q.push(" ORDER BY started_us, id LIMIT ")
        .push_bind(i64::from(limit));
}

/// A [`CallSearch`]'s conditions, keyset start and order (the calls list of the UI).
fn push_call_search(
    q: &mut QueryBuilder<'_, Sqlite>,
    s: &CallSearch,
    after: Option<SearchKey>,
    limit: u32,
) {
    push_call_filter(q, &s.filter);
    if let Some(text) = &s.text {
        // The indexes of migration 0032. Trigrams find a piece of 3 characters or more
        // from the index (case folded); a shorter one is LIKE over the indexed text, which
        // is small (no transcript) but read whole.
        q.push(" AND (id IN (SELECT rowid FROM call_facts WHERE ");
        if text.chars().count() >= 3 {
            q.push("call_facts MATCH ")
                .push_bind(format!("\"{}\"", text.replace('"', "\"\"")));
        } else {
            q.push("facts LIKE ")
                .push_bind(like_anywhere(text))
                .push(" ESCAPE '\\'");
        }
        q.push(")");
        let words = parley_domain::search::phrase_words(text);
        if !words.is_empty() {
            // A phrase of plain words (no FTS5 syntax can get through), the last a prefix.
            q.push(" OR id IN (SELECT rowid FROM call_words WHERE call_words MATCH ")
                .push_bind(format!("\"{}\" *", words.join(" ")))
                .push(")");
        }
        q.push(")");
    }
    if let Some(d) = s.direction {
        q.push(" AND direction = ")
            .push_bind(parley_store::codec::direction_key(d));
    }
    if let Some(min) = s.min_duration_s {
        q.push(" AND duration_s >= ").push_bind(min);
    }
    if let Some(max) = s.max_duration_s {
        q.push(" AND duration_s <= ").push_bind(max);
    }
    if let Some(has) = s.has_recording {
        q.push(if has { " AND " } else { " AND NOT " })
            .push("EXISTS (SELECT 1 FROM call_media m WHERE m.call_id = calls.id)");
    }
    if let Some(t) = s.tracker {
        q.push(
            " AND EXISTS (SELECT 1 FROM call_analysis a, json_each(a.trackers) h \
             WHERE a.call_id = calls.id AND json_extract(h.value, '$.tracker_id') = ",
        )
        .push_bind(t.to_string())
        .push(" AND json_extract(h.value, '$.count') > 0)");
    }
    if let Some(topic) = &s.topic {
        q.push(
            " AND EXISTS (SELECT 1 FROM call_analysis a, json_each(a.topics, '$.totals') t \
             WHERE a.call_id = calls.id AND json_extract(t.value, '$[0]') = ",
        )
        .push_bind(topic.clone())
        .push(" AND json_extract(t.value, '$[1]') > 0)");
    }
    parley_store::push_search_order(q, s.order, after, limit);
}

fn push_call_filter<'a>(q: &mut QueryBuilder<'a, Sqlite>, f: &CallFilter) {
    q.push(" WHERE 1=1");
    if let Some(from) = f.from {
        q.push(" AND started_us >= ").push_bind(us(from));
    }
    if let Some(to) = f.to {
        q.push(" AND started_us < ").push_bind(us(to));
    }
    if let Some(ws) = f.workspace_id {
        q.push(" AND workspace_id = ").push_bind(ws.0);
    }
    if let Some(ids) = &f.call_ids {
        if ids.is_empty() {
            q.push(" AND 0");
        } else {
            q.push(" AND id IN ");
            push_ids(q, ids.iter().map(|i| i.0));
        }
    }
    if let Some(ids) = &f.primary_user_ids {
        if ids.is_empty() {
            q.push(" AND 0");
        } else {
            q.push(" AND primary_user_id IN ");
            push_ids(q, ids.iter().map(|i| i.0));
        }
    }
    if let Some(access) = &f.visible_to {
        q.push(" AND ");
        push_call_access(q, access);
    }
}

/// The calls `access` reaches, as one parenthesised SQL condition on the `calls` row in
/// scope (call listings, and the manual associations' `call_id IN (SELECT id FROM calls
/// WHERE ...)`).
pub(crate) fn push_call_access(q: &mut QueryBuilder<'_, Sqlite>, access: &CallAccess) {
    // Each workspace with an audience of its own, then the rest by the default.
    q.push("(");
    for (w, audience) in &access.by_workspace {
        q.push("(workspace_id = ").push_bind(w.0).push(" AND ");
        push_audience(q, audience);
        q.push(") OR ");
    }
    q.push("(");
    if !access.by_workspace.is_empty() {
        q.push("workspace_id NOT IN ");
        push_ids(q, access.by_workspace.keys().map(|w| w.0));
        q.push(" AND ");
    }
    push_audience(q, &access.default);
    q.push(")");
    if let Some(user) = access.granted_to {
        q.push(" OR id IN (SELECT call_id FROM call_user_access WHERE user_id = ")
            .push_bind(user.0)
            .push(")");
    }
    q.push(")");
}

/// Calls `audience` sees (hosted or attended), as an SQL condition.
fn push_audience(q: &mut QueryBuilder<'_, Sqlite>, audience: &Audience) {
    match audience {
        Audience::Everyone => {
            q.push("1");
        }
        Audience::Users(users) if users.is_empty() => {
            q.push("0");
        }
        Audience::Users(users) => {
            q.push("(primary_user_id IN ");
            push_ids(q, users.iter().map(|i| i.0));
            q.push(" OR id IN (SELECT call_id FROM parties WHERE user_id IN ");
            push_ids(q, users.iter().map(|i| i.0));
            q.push("))");
        }
    }
}

fn push_user_filter<'a>(q: &mut QueryBuilder<'a, Sqlite>, f: &UserFilter) {
    q.push(" WHERE 1=1");
    if let Some(from) = f.created_from {
        q.push(" AND created_us >= ").push_bind(us(from));
    }
    if let Some(to) = f.created_to {
        q.push(" AND created_us < ").push_bind(us(to));
    }
    if let Some(ids) = &f.user_ids {
        if ids.is_empty() {
            q.push(" AND 0");
        } else {
            q.push(" AND id IN ");
            push_ids(q, ids.iter().map(|i| i.0));
        }
    }
}

fn job_of(r: &SqliteRow) -> Result<Job> {
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
        attempts: r.try_get::<i64, _>("attempts")? as u32,
        max_attempts: r.try_get::<i64, _>("max_attempts")? as u32,
        crashes: r.try_get::<i64, _>("crashes")? as u32,
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
async fn finish_leased(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    lease: JobLease,
    now: Timestamp,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'done', progress = 1.0, error = NULL, lease_until_us = NULL, \
         updated_us = ?, finished_us = ? WHERE id = ? AND attempts = ? AND state = 'running'",
    )
    .bind(us(now))
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

/// Records what a job failed for good leaves behind ([`GaveUp`]) inside `tx`, the
/// transaction that fails it. True when an erasure was given up: the caller compacts
/// once it has committed ([`SqliteStore::compact_after_gave_up`]).
async fn record_gave_up(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    job: &Job,
    error: &str,
    now: Timestamp,
) -> Result<bool> {
    match GaveUp::of(job, error) {
        None => Ok(false),
        Some(GaveUp::CrmRequest {
            integration,
            request,
        }) => {
            // A request that finished keeps its result.
            sqlx::query(
                "UPDATE crm_requests SET status = ?, updated_us = ? \
                 WHERE integration_id = ? AND client_request_id = ? AND status IN (?, ?)",
            )
            .bind(CrmRequestStatus::Failed.key())
            .bind(us(now))
            .bind(integration)
            .bind(&request)
            .bind(CrmRequestStatus::Pending.key())
            .bind(CrmRequestStatus::InProgress.key())
            .execute(&mut **tx)
            .await?;
            Ok(false)
        }
        Some(GaveUp::Erasure { id, error }) => {
            privacy::erasure_gave_up_in(&mut **tx, id, &error, now).await?;
            Ok(true)
        }
        Some(GaveUp::CrmWrite { write, error }) => {
            sqlx::query(
                "UPDATE crm_writes SET state = ?, outcome = ?, updated_us = ? \
                 WHERE id = ? AND state = ?",
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

/// Adds a job inside `tx`, unless a job of the same kind for the same call is in one of
/// `live_states` (that job is returned instead).
async fn enqueue_in(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    job: &NewJob,
    live_states: &[&str],
    now: Timestamp,
) -> Result<Job> {
    if !live_states.is_empty() {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT * FROM jobs WHERE kind = ");
        q.push_bind(job.kind.key())
            .push(" AND call_id IS ")
            .push_bind(job.call_id.map(|c| c.0))
            .push(" AND payload = ")
            .push_bind(job.payload.to_string())
            .push(" AND state IN (");
        let mut sep = q.separated(", ");
        for st in live_states {
            sep.push_bind(*st);
        }
        q.push(") ORDER BY created_us LIMIT 1");
        if let Some(row) = q.build().fetch_optional(&mut **tx).await? {
            return job_of(&row);
        }
    }
    let row = sqlx::query(
        "INSERT INTO jobs (id, kind, call_id, payload, state, attempts, max_attempts, run_after_us, created_us, updated_us) \
         VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?) RETURNING *",
    )
    .bind(random_id())
    .bind(job.kind.key())
    .bind(job.call_id.map(|c| c.0))
    .bind(job.payload.to_string())
    .bind(i64::from(job.max_attempts.max(1)))
    .bind(us(now))
    .bind(us(now))
    .bind(us(now))
    .fetch_one(&mut **tx)
    .await?;
    job_of(&row)
}

impl SqliteStore {
    /// Stores an analysis and, in the same transaction, the deliveries it fires
    /// (`automation`).
    pub(crate) async fn save_analysis_in(
        &self,
        w: AnalysisWrite<'_>,
        deliveries: &[parley_domain::automation::NewDelivery],
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let current = sqlx::query(
            "SELECT t.created_us, c.started_us FROM transcripts t JOIN calls c ON c.id = t.call_id \
             WHERE t.call_id = ?",
        )
        .bind(w.call_id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(current) = current else {
            return Ok(false);
        };
        if current.try_get::<i64, _>("created_us")? != w.transcript_version {
            return Ok(false);
        }
        let started_us: i64 = current.try_get("started_us")?;
        if let Some(lease) = w.lease {
            finish_leased(&mut tx, lease, w.at).await?;
        }
        let a = w.analysis;
        sqlx::query(
            "INSERT OR REPLACE INTO call_analysis (call_id, transcript_us, interaction, topics, trackers, summary, engine, analysed_us, format) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(w.call_id.0)
        .bind(w.transcript_version)
        .bind(to_json(&a.interaction))
        .bind(to_json(&a.topics))
        .bind(to_json(&a.trackers))
        .bind(to_json(&a.summary))
        .bind(to_json(&a.engine))
        .bind(us(w.at))
        .bind(ANALYSIS_FORMAT)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM call_person_stats WHERE call_id = ?")
            .bind(w.call_id.0)
            .execute(&mut *tx)
            .await?;
        for p in &a.interaction.persons {
            let Some(user) = p.user_id else { continue };
            sqlx::query(
                "INSERT OR REPLACE INTO call_person_stats (call_id, user_id, started_us, stats, format) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(w.call_id.0)
            .bind(user.0)
            .bind(started_us)
            .bind(to_json(p))
            .bind(ANALYSIS_FORMAT)
            .execute(&mut *tx)
            .await?;
        }
        for (m, topic) in a.topics.per_monologue.iter().enumerate() {
            sqlx::query(
                "UPDATE transcript_sentences SET topic = ? WHERE call_id = ? AND monologue = ?",
            )
            .bind(topic)
            .bind(w.call_id.0)
            .bind(m as i64)
            .execute(&mut *tx)
            .await?;
        }
        automation::insert_deliveries(&mut tx, deliveries, w.at).await?;
        tx.commit().await?;
        Ok(true)
    }
}

impl SqliteStore {
    /// Opens or creates the database file and brings its schema up to date.
    pub async fn open(path: &str) -> Result<SqliteStore> {
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL with NORMAL is durable against process crashes; only an OS crash can lose
            // the last transactions, never corrupt the file.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Listings read many pages; the 2 MB default cache made the OS round trips
            // visible in benchmarks. mmap shares one copy of hot pages across connections.
            .pragma("cache_size", "-16384")
            .pragma("mmap_size", "268435456");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(opts)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteStore {
            pool,
            path: path.to_owned(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so a
    /// transaction that reads before it writes waits in the busy handler instead of
    /// failing with `SQLITE_BUSY` when another writer got there first.
    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// After a given-up erasure committed ([`GaveUp`]): the row's old bytes (free pages,
    /// the WAL) still hold the address, as an erased row's would, so compact as an erase
    /// does. Best effort: the database may be what failed, and the job has ended anyway.
    async fn compact_after_gave_up(&self) {
        if let Err(e) = parley_store::PrivacyStore::privacy_compact(self).await {
            tracing::warn!(error = %e, "compaction after a given-up erase failed");
        }
    }

    /// A call's transcript with word timings, its source and its version (`created_us`).
    async fn read_transcript(&self, id: CallId) -> Result<Option<(String, i64, Transcript)>> {
        let Some(head) =
            sqlx::query("SELECT source, created_us FROM transcripts WHERE call_id = ?")
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        let source: String = head.try_get("source")?;
        let version: i64 = head.try_get("created_us")?;
        let rows = sqlx::query(
            "SELECT monologue, speaker_id, topic, start_ms, end_ms, text, words FROM transcript_sentences \
             WHERE call_id = ? ORDER BY monologue, seq",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        let mut t: Transcript = Vec::new();
        let mut last = None;
        for r in &rows {
            let mono: i64 = r.try_get("monologue")?;
            if last != Some(mono) {
                t.push(Monologue {
                    speaker_id: SpeakerId(r.try_get("speaker_id")?),
                    topic: r.try_get("topic")?,
                    sentences: Vec::new(),
                });
                last = Some(mono);
            }
            let words: Option<String> = r.try_get("words")?;
            let words = match words {
                Some(j) => parse_words(&j)?,
                None => Vec::new(),
            };
            if let Some(m) = t.last_mut() {
                m.sentences.push(Sentence {
                    start_ms: r.try_get("start_ms")?,
                    end_ms: r.try_get("end_ms")?,
                    text: r.try_get("text")?,
                    words,
                });
            }
        }
        Ok(Some((source, version, t)))
    }

    /// Inserts a user row, or with `update` overwrites every column but `id` and
    /// `created_us` of the existing one.
    async fn write_user_row(
        tx: &mut sqlx::Transaction<'_, Sqlite>,
        u: &User,
        update: bool,
    ) -> Result<()> {
        let mut sql = format!(
            "INSERT INTO users ({USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        );
        if update {
            let set: Vec<String> = USER_COLUMNS
                .split(',')
                .map(str::trim)
                .filter(|c| !matches!(*c, "id" | "created_us"))
                .map(|c| format!("{c} = excluded.{c}"))
                .collect();
            sql.push_str(&format!(
                " ON CONFLICT (id) DO UPDATE SET {}",
                set.join(", ")
            ));
        }
        let langs: Vec<(&str, bool)> = u
            .spoken_languages
            .iter()
            .map(|l| (l.language.as_str(), l.primary))
            .collect();
        sqlx::query(&sql)
            .bind(u.id.0)
            .bind(&u.email)
            .bind(us(u.created))
            .bind(u.active)
            .bind(&u.first_name)
            .bind(&u.last_name)
            .bind(&u.title)
            .bind(&u.phone)
            .bind(&u.extension)
            .bind(u.manager_id.map(|m| m.0))
            .bind(&u.trusted_email)
            .bind(&u.meeting_consent_page_url)
            .bind(json_list(&u.email_aliases))
            .bind(json_list(&u.personal_meeting_urls))
            .bind(serde_json::to_string(&langs).expect("serialises"))
            .bind(u.settings.web_conferences_recorded)
            .bind(u.settings.prevent_web_conference_recording)
            .bind(u.settings.telephony_calls_imported)
            .bind(u.settings.emails_imported)
            .bind(u.settings.prevent_email_import)
            .bind(u.settings.non_recorded_meetings_imported)
            .bind(u.settings.gong_connect_enabled)
            .execute(&mut **tx)
            .await
            .map_err(|e| map_unique(e, &format!("a user with email {} exists", u.email)))?;
        Ok(())
    }

    async fn append_history(
        tx: &mut sqlx::Transaction<'_, Sqlite>,
        user: UserId,
        changes: &[SettingChange],
    ) -> Result<()> {
        for change in changes {
            sqlx::query("INSERT INTO user_settings_history (user_id, setting, value, time_us) VALUES (?, ?, ?, ?)")
                .bind(user.0)
                .bind(change.setting.key())
                .bind(change.value)
                .bind(us(change.time))
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    async fn upsert_crm(
        tx: &mut sqlx::Transaction<'_, Sqlite>,
        link: &CrmLink,
        at: Timestamp,
    ) -> Result<i64> {
        let fields = serde_json::to_string(&link.fields).expect("json values serialise");
        // Empty field lists (a bare link) never wipe values learned earlier.
        let row = sqlx::query(
            "INSERT INTO crm_objects (system, object_type, object_id, fields, updated_us) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (system, object_type, object_id) DO UPDATE SET \
               fields = CASE WHEN excluded.fields = '[]' THEN crm_objects.fields ELSE excluded.fields END, \
               updated_us = excluded.updated_us \
             RETURNING pk",
        )
        .bind(crm_system_key(link.system))
        .bind(&link.object_type)
        .bind(&link.object_id)
        .bind(fields)
        .bind(us(at))
        .fetch_one(&mut **tx)
        .await?;
        Ok(row.try_get("pk")?)
    }

    async fn insert_party(
        tx: &mut sqlx::Transaction<'_, Sqlite>,
        p: &Party,
        ord: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO parties (id, call_id, ord, name, email, title, user_id, speaker_id, affiliation, phone, methods, media_channel) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(p.id.0)
        .bind(p.call_id.0)
        .bind(ord)
        .bind(&p.name)
        .bind(&p.email)
        .bind(&p.title)
        .bind(p.user_id.map(|u| u.0))
        .bind(p.speaker_id.map(|s| s.0))
        .bind(affiliation_key(p.affiliation))
        .bind(&p.phone)
        .bind(methods_key(&p.methods))
        .bind(p.media_channel)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    async fn links_of(
        &self,
        ids: &[CallId],
        parties: bool,
    ) -> Result<Vec<(i64, Option<i64>, CrmLink)>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        // JSON rows, as in `list_calls`: one column to copy instead of six.
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT json_array(l.call_id, l.party_id, o.system, o.object_type, o.object_id, json(o.fields)) AS row \
             FROM crm_links l JOIN crm_objects o ON o.pk = l.crm_pk WHERE l.call_id IN ",
        );
        push_ids(&mut q, ids.iter().map(|i| i.0));
        q.push(if parties {
            " AND l.party_id IS NOT NULL"
        } else {
            " AND l.party_id IS NULL"
        });
        q.push(" ORDER BY l.call_id, l.ord");
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                type LinkRow = (
                    i64,
                    Option<i64>,
                    String,
                    String,
                    String,
                    Vec<(String, serde_json::Value)>,
                );
                let (call, party, system, object_type, object_id, fields): LinkRow =
                    serde_json::from_str(r.try_get("row")?)
                        .map_err(|e| StoreError::Corrupt(format!("crm link row: {e}")))?;
                Ok((
                    call,
                    party,
                    CrmLink {
                        system: crm_system_of(&system),
                        object_type,
                        object_id,
                        fields,
                    },
                ))
            })
            .collect()
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_workspace(&self, w: &Workspace, is_default: bool) -> Result<()> {
        let mut tx = self.write_tx().await?;
        if is_default {
            sqlx::query("UPDATE workspaces SET is_default = 0")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO workspaces (id, name, description, created_us, is_default) VALUES (?, ?, ?, ?, ?)")
            .bind(w.id.0)
            .bind(&w.name)
            .bind(&w.description)
            .bind(us(w.created))
            .bind(is_default)
            .execute(&mut *tx)
            .await
            .map_err(|e| map_unique(e, "workspace id is taken"))?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_workspaces(&self) -> Result<Vec<Workspace>> {
        let rows = sqlx::query("SELECT * FROM workspaces ORDER BY created_us, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(workspace_of).collect()
    }

    async fn default_workspace(&self) -> Result<Option<Workspace>> {
        let row = sqlx::query(
            "SELECT * FROM workspaces ORDER BY is_default DESC, created_us, id LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(workspace_of).transpose()
    }

    async fn get_workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>> {
        let row = sqlx::query("SELECT * FROM workspaces WHERE id = ?")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(workspace_of).transpose()
    }

    async fn create_user(&self, u: &User) -> Result<()> {
        let mut tx = self.write_tx().await?;
        Self::write_user_row(&mut tx, u, false).await?;
        Self::append_history(&mut tx, u.id, &u.initial_history()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn update_user(&self, u: &User, at: Timestamp) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let before = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
            .bind(u.id.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {}", u.id)))?;
        let before = user_of(&before)?;
        Self::write_user_row(&mut tx, u, true).await?;
        Self::append_history(&mut tx, u.id, &before.settings_diff(u, at)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_of).transpose()
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?"))
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_of).transpose()
    }

    async fn list_users(
        &self,
        f: &UserFilter,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<User>> {
        let mut q = QueryBuilder::<Sqlite>::new(format!("SELECT {USER_COLUMNS} FROM users"));
        push_user_filter(&mut q, f);
        if let Some(after) = after {
            q.push(" AND id > ").push_bind(after.0);
        }
        q.push(" ORDER BY id LIMIT ").push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(user_of).collect()
    }

    async fn count_users(&self, f: &UserFilter) -> Result<i64> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) AS n FROM users");
        push_user_filter(&mut q, f);
        Ok(q.build().fetch_one(&self.pool).await?.try_get("n")?)
    }

    async fn settings_history(&self, id: UserId) -> Result<Vec<SettingChange>> {
        let rows = sqlx::query("SELECT setting, value, time_us FROM user_settings_history WHERE user_id = ? ORDER BY seq")
            .bind(id.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let key: &str = r.try_get("setting")?;
                Ok(SettingChange {
                    setting: Setting::from_key(key)
                        .ok_or_else(|| StoreError::Corrupt(format!("setting {key}")))?,
                    value: r.try_get("value")?,
                    time: ts(r.try_get("time_us")?)?,
                })
            })
            .collect()
    }

    async fn create_api_key(&self, k: &ApiKeyRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_keys (access_key, name, secret_hash, created_us, revoked_us, scopes, \
             workspace_id, owner_user_id, last_used_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&k.access_key)
        .bind(&k.name)
        .bind(&k.secret_hash)
        .bind(us(k.created))
        .bind(k.revoked.map(us))
        .bind(k.scopes.to_string())
        .bind(k.workspace.map(|w| w.0))
        .bind(k.owner.map(|u| u.0))
        .bind(k.last_used.map(us))
        .execute(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                StoreError::NotFound("the key's workspace or owner".into())
            }
            _ => map_unique(e, "access key exists"),
        })?;
        Ok(())
    }

    async fn get_api_key(&self, access_key: &str) -> Result<Option<ApiKeyRecord>> {
        let row = sqlx::query("SELECT * FROM api_keys WHERE access_key = ?")
            .bind(access_key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(key_of).transpose()
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKeyRecord>> {
        let rows = sqlx::query("SELECT * FROM api_keys ORDER BY created_us, access_key")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(key_of).collect()
    }

    async fn revoke_api_key(&self, access_key: &str, at: Timestamp) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_us = ? WHERE access_key = ? AND revoked_us IS NULL",
        )
        .bind(us(at))
        .bind(access_key)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn rotate_api_key(&self, access_key: &str, secret_hash: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE api_keys SET secret_hash = ? WHERE access_key = ? AND revoked_us IS NULL",
        )
        .bind(secret_hash)
        .bind(access_key)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn touch_api_key(&self, access_key: &str, at: Timestamp) -> Result<()> {
        sqlx::query(
            "UPDATE api_keys SET last_used_us = ?1 WHERE access_key = ?2 \
             AND (last_used_us IS NULL OR last_used_us < ?1)",
        )
        .bind(us(at))
        .bind(access_key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn set_password_hash(&self, user: UserId, hash: &str, at: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO user_passwords (user_id, hash, updated_us) VALUES (?, ?, ?) \
             ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_us = excluded.updated_us",
        )
        .bind(user.0)
        .bind(hash)
        .bind(us(at))
        .execute(&self.pool)
        .await
        .map_err(|e| map_missing(e, || format!("user {user}")))?;
        Ok(())
    }

    async fn password_hash(&self, user: UserId) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT hash FROM user_passwords WHERE user_id = ?")
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn admin_can_sign_in(&self) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM user_roles r JOIN users u ON u.id = r.user_id \
             JOIN user_passwords p ON p.user_id = r.user_id WHERE r.role = 'admin' AND u.active = 1)",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    async fn create_session(&self, s: &SessionRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_sha, user_id, csrf, created_us, expires_us) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&s.token_sha)
        .bind(s.user.0)
        .bind(&s.csrf)
        .bind(us(s.created))
        .bind(us(s.expires))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn get_session(&self, token_sha: &str) -> Result<Option<SessionRecord>> {
        let row = sqlx::query("SELECT * FROM sessions WHERE token_sha = ?")
            .bind(token_sha)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(SessionRecord {
                token_sha: r.try_get("token_sha")?,
                user: UserId(r.try_get("user_id")?),
                csrf: r.try_get("csrf")?,
                created: ts(r.try_get("created_us")?)?,
                expires: ts(r.try_get("expires_us")?)?,
            })
        })
        .transpose()
    }

    async fn delete_session(&self, token_sha: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE token_sha = ?")
            .bind(token_sha)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_user_sessions(&self, user: UserId) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn create_password_reset(
        &self,
        token_sha: &str,
        user: UserId,
        expires: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO password_resets (token_sha, user_id, expires_us) VALUES (?, ?, ?)",
        )
        .bind(token_sha)
        .bind(user.0)
        .bind(us(expires))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn take_password_reset(&self, token_sha: &str, now: Timestamp) -> Result<Option<UserId>> {
        let user: Option<i64> = sqlx::query_scalar(
            "DELETE FROM password_resets WHERE token_sha = ? RETURNING \
             CASE WHEN expires_us > ? THEN user_id END",
        )
        .bind(token_sha)
        .bind(us(now))
        .fetch_optional(&self.pool)
        .await?
        .flatten();
        Ok(user.map(UserId))
    }

    async fn user_role(&self, user: UserId) -> Result<Role> {
        let role: Option<String> =
            sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = ?")
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await?;
        match role {
            None => Ok(Role::Member),
            Some(r) => Role::parse(&r)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown role {r:?} of user {user}"))),
        }
    }

    async fn set_user_role(&self, user: UserId, role: Role, at: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO user_roles (user_id, role, updated_us) VALUES (?, ?, ?) \
             ON CONFLICT (user_id) DO UPDATE SET role = excluded.role, updated_us = excluded.updated_us",
        )
        .bind(user.0)
        .bind(role.key())
        .bind(us(at))
        .execute(&self.pool)
        .await
        .map_err(|e| map_missing(e, || format!("user {user}")))?;
        Ok(())
    }

    async fn insert_call_with(
        &self,
        call: &Call,
        parties: &[Party],
        context: &[CrmLink],
        jobs: &[NewJob],
        timeline: Option<&SpeakerTimeline<PartyId>>,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(&format!(
            "INSERT INTO calls ({CALL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(call.id.0)
        .bind(call.workspace_id.0)
        .bind(&call.title)
        .bind(call.scheduled.map(us))
        .bind(us(call.started))
        .bind(call.duration_s)
        .bind(call.primary_user_id.0)
        .bind(direction_key(call.direction))
        .bind(&call.system)
        .bind(scope_key(call.scope))
        .bind(match call.media {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        })
        .bind(&call.language)
        .bind(&call.sdr_disposition)
        .bind(&call.client_unique_id)
        .bind(&call.custom_data)
        .bind(&call.purpose)
        .bind(&call.meeting_url)
        .bind(call.is_private)
        .bind(&call.calendar_event_id)
        .bind(&call.media_source_url)
        .bind(&call.language_hint)
        .bind(us(call.created))
        .execute(&mut *tx)
        .await
        .map_err(|e| map_unique(e, "a call with this clientUniqueId exists"))?;

        let mut ord = 0i64;
        for link in context {
            let pk = Self::upsert_crm(&mut tx, link, call.created).await?;
            sqlx::query(
                "INSERT INTO crm_links (call_id, party_id, ord, crm_pk) VALUES (?, NULL, ?, ?)",
            )
            .bind(call.id.0)
            .bind(ord)
            .bind(pk)
            .execute(&mut *tx)
            .await?;
            ord += 1;
        }
        for (i, p) in parties.iter().enumerate() {
            Self::insert_party(&mut tx, p, i as i64).await?;
            for link in &p.context {
                let pk = Self::upsert_crm(&mut tx, link, call.created).await?;
                sqlx::query(
                    "INSERT INTO crm_links (call_id, party_id, ord, crm_pk) VALUES (?, ?, ?, ?)",
                )
                .bind(call.id.0)
                .bind(p.id.0)
                .bind(ord)
                .bind(pk)
                .execute(&mut *tx)
                .await?;
                ord += 1;
            }
        }
        if let Some(t) = timeline {
            sqlx::query(
                "INSERT INTO call_speaker_timelines (call_id, precise, segments) VALUES (?, ?, ?)",
            )
            .bind(call.id.0)
            .bind(t.precise)
            .bind(timeline_json(t))
            .execute(&mut *tx)
            .await?;
        }
        for job in jobs {
            enqueue_in(&mut tx, job, job.live_states(), call.created).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn speaker_timeline(&self, id: CallId) -> Result<Option<SpeakerTimeline<PartyId>>> {
        let row =
            sqlx::query("SELECT precise, segments FROM call_speaker_timelines WHERE call_id = ?")
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| parse_timeline(r.try_get("precise")?, &r.try_get::<String, _>("segments")?))
            .transpose()
    }

    async fn call_by_client_unique_id(&self, client_unique_id: &str) -> Result<Option<CallId>> {
        let row = sqlx::query("SELECT id FROM calls WHERE client_unique_id = ?")
            .bind(client_unique_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?.map(CallId))
    }

    async fn get_call(&self, id: CallId) -> Result<Option<Call>> {
        let row = sqlx::query(&format!(
            "SELECT json_array({CALL_COLUMNS}) AS row FROM calls WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(call_of).transpose()
    }

    async fn delete_call(&self, id: CallId, now: Timestamp) -> Result<Option<String>> {
        let mut tx = self.write_tx().await?;
        let key: Option<String> =
            sqlx::query_scalar("SELECT key FROM call_media WHERE call_id = ?")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let gone = sqlx::query("DELETE FROM calls WHERE id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        if gone.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("call {id}")));
        }
        if let Some(key) = &key {
            let job: NewJob = JobSpec::DeleteMedia { key: key.clone() }.into();
            enqueue_in(&mut tx, &job, job.live_states(), now).await?;
        }
        tx.commit().await?;
        Ok(key)
    }

    async fn list_calls(
        &self,
        f: &CallFilter,
        after: Option<CallKey>,
        limit: u32,
    ) -> Result<Vec<Call>> {
        // One JSON array per row instead of 22 columns: sqlx copies and decodes every
        // column of every row into an owned value, which dominated listing cost
        // (BENCHMARKS.md); SQLite builds the array and serde_json reads it in one pass.
        let mut q = QueryBuilder::<Sqlite>::new(format!(
            "SELECT json_array({CALL_COLUMNS}) AS row FROM calls"
        ));
        push_call_page(&mut q, f, after, limit);
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(call_of).collect()
    }

    async fn search_calls(
        &self,
        s: &CallSearch,
        after: Option<SearchKey>,
        limit: u32,
    ) -> Result<Vec<Call>> {
        let mut q = QueryBuilder::<Sqlite>::new(format!(
            "SELECT json_array({CALL_COLUMNS}) AS row FROM calls"
        ));
        push_call_search(&mut q, s, after, limit);
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(call_of).collect()
    }

    async fn sentences_like(
        &self,
        ids: &[CallId],
        pattern: &str,
        per_call: u32,
    ) -> Result<Vec<(CallId, i64, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT call_id, start_ms, text FROM (SELECT call_id, start_ms, text, monologue, seq, \
             row_number() OVER (PARTITION BY call_id ORDER BY monologue, seq) AS n \
             FROM transcript_sentences WHERE text LIKE ",
        );
        q.push_bind(pattern.to_owned())
            .push(" ESCAPE '\\' AND call_id IN ");
        push_ids(&mut q, ids.iter().map(|i| i.0));
        q.push(") WHERE n <= ")
            .push_bind(i64::from(per_call))
            .push(" ORDER BY call_id, monologue, seq");
        q.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    CallId(r.try_get("call_id")?),
                    r.try_get("start_ms")?,
                    r.try_get("text")?,
                ))
            })
            .collect()
    }

    async fn list_call_versions(
        &self,
        f: &CallFilter,
        after: Option<CallKey>,
        limit: u32,
    ) -> Result<Vec<CallVersion>> {
        // Only indexed columns: SQLite answers from the index without reading the rows.
        let mut q = QueryBuilder::<Sqlite>::new("SELECT started_us, id, version FROM calls");
        push_call_page(&mut q, f, after, limit);
        q.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(CallVersion {
                    key: CallKey {
                        started_us: r.try_get("started_us")?,
                        id: r.try_get("id")?,
                    },
                    version: r.try_get("version")?,
                })
            })
            .collect()
    }

    async fn calls_with_versions(&self, ids: &[CallId]) -> Result<Vec<(Call, i64)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new(format!(
            "SELECT json_array({CALL_COLUMNS}) AS row, version FROM calls WHERE id IN "
        ));
        push_ids(&mut q, ids.iter().map(|c| c.0));
        q.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((call_of(r)?, r.try_get("version")?)))
            .collect()
    }

    async fn calls_generation(&self) -> Result<i64> {
        Ok(
            sqlx::query("SELECT value FROM generations WHERE name = 'calls'")
                .fetch_one(&self.pool)
                .await?
                .try_get("value")?,
        )
    }

    async fn count_calls(&self, f: &CallFilter) -> Result<i64> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) AS n FROM calls");
        push_call_filter(&mut q, f);
        Ok(q.build().fetch_one(&self.pool).await?.try_get("n")?)
    }

    async fn parties_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, Vec<Party>>> {
        let mut out: HashMap<CallId, Vec<Party>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT json_array(id, call_id, name, email, title, user_id, speaker_id, affiliation, phone, methods, \
             media_channel) AS row FROM parties WHERE call_id IN ",
        );
        push_ids(&mut q, ids.iter().map(|i| i.0));
        q.push(" ORDER BY call_id, ord");
        let rows = q.build().fetch_all(&self.pool).await?;
        let mut links: HashMap<i64, Vec<CrmLink>> = HashMap::new();
        for (_, party, link) in self.links_of(ids, true).await? {
            if let Some(party) = party {
                links.entry(party).or_default().push(link);
            }
        }
        for r in &rows {
            let row: PartyRow = serde_json::from_str(r.try_get("row")?)
                .map_err(|e| StoreError::Corrupt(format!("party row: {e}")))?;
            let party = Party {
                id: PartyId(row.0),
                call_id: CallId(row.1),
                name: row.2,
                email: row.3,
                title: row.4,
                user_id: row.5.map(UserId),
                speaker_id: row.6.map(SpeakerId),
                affiliation: affiliation_of(&row.7),
                phone: row.8,
                methods: methods_of(&row.9),
                media_channel: row.10,
                context: links.remove(&row.0).unwrap_or_default(),
            };
            out.entry(party.call_id).or_default().push(party);
        }
        Ok(out)
    }

    async fn call_context_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, Vec<CrmLink>>> {
        let mut out: HashMap<CallId, Vec<CrmLink>> = HashMap::new();
        for (call, _, link) in self.links_of(ids, false).await? {
            out.entry(CallId(call)).or_default().push(link);
        }
        Ok(out)
    }

    async fn replace_transcript(&self, w: TranscriptWrite<'_>) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        if let Some(lease) = w.lease {
            finish_leased(&mut tx, lease, w.at).await?;
        }
        let exists = sqlx::query("SELECT 1 FROM calls WHERE id = ?")
            .bind(w.call_id.0)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("call {}", w.call_id)));
        }
        if let Some(read) = w.media_sha256 {
            let current: Option<String> =
                sqlx::query_scalar("SELECT sha256 FROM call_media WHERE call_id = ?")
                    .bind(w.call_id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if current.as_deref() != Some(read) {
                // Dropping `tx` rolls back, the job's completion included: the caller
                // decides how the job ends.
                return Ok(false);
            }
        }
        sqlx::query("DELETE FROM transcripts WHERE call_id = ?")
            .bind(w.call_id.0)
            .execute(&mut *tx)
            .await?;
        // Voices of the old transcript no longer speak unless this one says so.
        sqlx::query("UPDATE parties SET speaker_id = NULL WHERE call_id = ?")
            .bind(w.call_id.0)
            .execute(&mut *tx)
            .await?;
        // Its size goes with it: pages of transcripts are planned by it (migration 0015).
        let size = transcript_size(w.transcript);
        sqlx::query(
            "INSERT INTO transcripts (call_id, source, created_us, monologues, sentences, text_bytes) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(w.call_id.0)
        .bind(w.source)
        .bind(us(w.at))
        .bind(size.monologues)
        .bind(size.sentences)
        .bind(size.text_bytes)
        .execute(&mut *tx)
        .await?;
        // Sentences go in as JSON arrays of rows, a batch per statement: one statement
        // per sentence made a long import hold the write lock for seconds.
        // (A plain loop, not an iterator chain: its closures are not `Send` enough for
        // this async fn.)
        let mut rows = Vec::new();
        for (m_idx, m) in w.transcript.iter().enumerate() {
            for (s_idx, s) in m.sentences.iter().enumerate() {
                let words = (!s.words.is_empty()).then(|| words_json(&s.words));
                rows.push(serde_json::json!([
                    m_idx,
                    s_idx,
                    m.speaker_id.0,
                    m.topic,
                    s.start_ms,
                    s.end_ms,
                    s.text,
                    words
                ]));
            }
        }
        for batch in rows.chunks(SENTENCE_BATCH) {
            sqlx::query(
                "INSERT INTO transcript_sentences (call_id, monologue, seq, speaker_id, topic, start_ms, end_ms, text, words) \
                 SELECT ?, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7 \
                 FROM json_each(?) ORDER BY key",
            )
            .bind(w.call_id.0)
            .bind(serde_json::Value::from(batch.to_vec()).to_string())
            .execute(&mut *tx)
            .await?;
        }
        // The calls search's words (migration 0032): the old row went with the old
        // transcript.
        sqlx::query(
            "INSERT INTO call_words (rowid, words) SELECT call_id, words FROM call_words_source \
             WHERE call_id = ?",
        )
        .bind(w.call_id.0)
        .execute(&mut *tx)
        .await?;
        for (party, speaker) in w.speaking_parties {
            sqlx::query("UPDATE parties SET speaker_id = ? WHERE id = ? AND call_id = ?")
                .bind(speaker.0)
                .bind(party.0)
                .bind(w.call_id.0)
                .execute(&mut *tx)
                .await?;
        }
        let next_ord: i64 =
            sqlx::query("SELECT COALESCE(MAX(ord) + 1, 0) AS n FROM parties WHERE call_id = ?")
                .bind(w.call_id.0)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
        for (i, p) in w.new_parties.iter().enumerate() {
            Self::insert_party(&mut tx, p, next_ord + i as i64).await?;
        }
        if let Some(d) = w.duration_s {
            sqlx::query("UPDATE calls SET duration_s = ?, version = version + 1 WHERE id = ? AND duration_s = 0")
                .bind(d)
                .bind(w.call_id.0)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(lang) = w.language {
            sqlx::query("UPDATE calls SET language = ?, version = version + 1 WHERE id = ?")
                .bind(lang)
                .bind(w.call_id.0)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM call_speakers WHERE call_id = ?")
            .bind(w.call_id.0)
            .execute(&mut *tx)
            .await?;
        for sp in w.speakers {
            sqlx::query(
                "INSERT INTO call_speakers (call_id, speaker_id, channel, speech_ms, voice, party_id, source) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(w.call_id.0)
            .bind(sp.speaker_id.0)
            .bind(sp.channel.map(i64::from))
            .bind(sp.speech_ms)
            .bind(sp.voice.as_deref().map(voice_blob))
            .bind(sp.party_id.map(|p| p.0))
            .bind(sp.source.key())
            .execute(&mut *tx)
            .await?;
        }
        // A new transcript is analysed again; queued with it so that no crash can leave a
        // transcript without its analysis. A queued analysis will read this transcript
        // anyway; a running one is for the old transcript and its result will be refused.
        enqueue_in(
            &mut tx,
            &JobSpec::Analyze { call: w.call_id }.into(),
            ANALYSIS_LIVE_AFTER_TRANSCRIPT,
            w.at,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn transcript_detail(&self, id: CallId) -> Result<Option<(String, Transcript)>> {
        Ok(self
            .read_transcript(id)
            .await?
            .map(|(source, _, t)| (source, t)))
    }

    async fn call_speakers(&self, id: CallId) -> Result<Vec<CallSpeaker>> {
        let rows = sqlx::query(
            "SELECT speaker_id, channel, speech_ms, voice, party_id, source FROM call_speakers \
             WHERE call_id = ? ORDER BY channel, speaker_id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let source: String = r.try_get("source")?;
                let voice: Option<Vec<u8>> = r.try_get("voice")?;
                let channel: Option<i64> = r.try_get("channel")?;
                Ok(CallSpeaker {
                    speaker_id: SpeakerId(r.try_get("speaker_id")?),
                    channel: channel.and_then(|c| u32::try_from(c).ok()),
                    speech_ms: r.try_get("speech_ms")?,
                    voice: voice.as_deref().map(voice_from_blob),
                    party_id: r.try_get::<Option<i64>, _>("party_id")?.map(PartyId),
                    source: SpeakerSource::from_key(&source)
                        .ok_or_else(|| StoreError::Corrupt(format!("speaker source {source:?}")))?,
                })
            })
            .collect()
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
        let mut tx = self.write_tx().await?;
        if let Some(p) = new_party.filter(|p| p.call_id == call && p.id == party) {
            let next_ord: i64 =
                sqlx::query("SELECT COALESCE(MAX(ord) + 1, 0) AS n FROM parties WHERE call_id = ?")
                    .bind(call.0)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?;
            Self::insert_party(&mut tx, p, next_ord).await?;
        }
        let found = sqlx::query("SELECT 1 FROM parties WHERE id = ? AND call_id = ?")
            .bind(party.0)
            .bind(call.0)
            .fetch_optional(&mut *tx)
            .await?;
        if found.is_none() {
            return Err(StoreError::NotFound(format!("party {party}")));
        }
        let updated = sqlx::query(
            "UPDATE call_speakers SET party_id = ?, source = 'manual' WHERE call_id = ? AND speaker_id = ?",
        )
        .bind(party.0)
        .bind(call.0)
        .bind(speaker.0)
        .execute(&mut *tx)
        .await?;
        let in_transcript = sqlx::query(
            "SELECT 1 FROM transcript_sentences WHERE call_id = ? AND speaker_id = ? LIMIT 1",
        )
        .bind(call.0)
        .bind(speaker.0)
        .fetch_optional(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 && in_transcript.is_none() {
            return Err(StoreError::NotFound(format!("speaker {speaker}")));
        }
        // The voice was someone else's: no other party keeps it, and no other voice keeps
        // this party.
        sqlx::query("UPDATE parties SET speaker_id = NULL WHERE call_id = ? AND speaker_id = ?")
            .bind(call.0)
            .bind(speaker.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE call_speakers SET party_id = NULL, source = 'unmatched' \
             WHERE call_id = ? AND party_id = ? AND speaker_id <> ?",
        )
        .bind(call.0)
        .bind(party.0)
        .bind(speaker.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE parties SET speaker_id = ? WHERE id = ? AND call_id = ?")
            .bind(speaker.0)
            .bind(party.0)
            .bind(call.0)
            .execute(&mut *tx)
            .await?;
        if let Some(p) = learn {
            upsert_profile(&mut tx, p, at).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn voice_profiles(&self, users: &[UserId]) -> Result<Vec<VoiceProfile>> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT user_id, voice, samples FROM voice_profiles WHERE user_id IN ",
        );
        push_ids(&mut q, users.iter().map(|u| u.0));
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let voice: Vec<u8> = r.try_get("voice")?;
                let samples: i64 = r.try_get("samples")?;
                Ok(VoiceProfile {
                    user_id: UserId(r.try_get("user_id")?),
                    voice: voice_from_blob(&voice),
                    samples: u32::try_from(samples).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    async fn save_voice_profile(&self, profile: &VoiceProfile, at: Timestamp) -> Result<()> {
        let mut tx = self.write_tx().await?;
        upsert_profile(&mut tx, profile, at).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn transcripts_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, Transcript>> {
        let mut out: HashMap<CallId, Transcript> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut present =
            QueryBuilder::<Sqlite>::new("SELECT call_id FROM transcripts WHERE call_id IN ");
        push_ids(&mut present, ids.iter().map(|i| i.0));
        for r in present.build().fetch_all(&self.pool).await? {
            out.insert(CallId(r.try_get("call_id")?), Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT call_id, monologue, speaker_id, topic, start_ms, end_ms, text FROM transcript_sentences WHERE call_id IN ",
        );
        push_ids(&mut q, ids.iter().map(|i| i.0));
        q.push(" ORDER BY call_id, monologue, seq");
        let rows = q.build().fetch_all(&self.pool).await?;
        let mut last: Option<(i64, i64)> = None;
        for r in &rows {
            let call: i64 = r.try_get("call_id")?;
            let mono: i64 = r.try_get("monologue")?;
            let t = out.entry(CallId(call)).or_default();
            if last != Some((call, mono)) {
                t.push(Monologue {
                    speaker_id: SpeakerId(r.try_get("speaker_id")?),
                    topic: r.try_get("topic")?,
                    sentences: Vec::new(),
                });
                last = Some((call, mono));
            }
            t.last_mut()
                .expect("pushed above")
                .sentences
                .push(Sentence {
                    start_ms: r.try_get("start_ms")?,
                    end_ms: r.try_get("end_ms")?,
                    text: r.try_get("text")?,
                    words: Vec::new(),
                });
        }
        Ok(out)
    }

    async fn transcript_tallies(&self, ids: &[CallId]) -> Result<HashMap<CallId, TranscriptTally>> {
        let mut out: HashMap<CallId, TranscriptTally> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        // One row per monologue, in transcript order, streamed: the database sums the
        // spans (integers, exact) and tells questions apart with the very white space
        // `is_question` trims; the seconds are added up in Rust, in the order the whole
        // transcript would add them.
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT call_id, MIN(speaker_id) AS speaker_id, SUM(end_ms - start_ms) AS talk_ms, \
             SUM(substr(rtrim(text, ",
        );
        q.push_bind(WHITE_SPACE)
            .push("), -1) = '?') AS questions FROM transcript_sentences WHERE call_id IN ");
        push_ids(&mut q, ids.iter().map(|i| i.0));
        q.push(" GROUP BY call_id, monologue ORDER BY call_id, monologue");
        let mut rows = q.build().fetch(&self.pool);
        while let Some(r) = rows.try_next().await? {
            out.entry(CallId(r.try_get("call_id")?))
                .or_default()
                .add(MonologueTally {
                    speaker_id: SpeakerId(r.try_get("speaker_id")?),
                    talk_ms: r.try_get("talk_ms")?,
                    questions: r.try_get("questions")?,
                });
        }
        Ok(out)
    }

    async fn transcript_sizes(&self, ids: &[CallId]) -> Result<HashMap<CallId, TranscriptSize>> {
        let mut out = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT call_id, monologues, sentences, text_bytes, created_us FROM transcripts WHERE call_id IN ",
        );
        push_ids(&mut q, ids.iter().map(|i| i.0));
        for r in q.build().fetch_all(&self.pool).await? {
            out.insert(
                CallId(r.try_get("call_id")?),
                TranscriptSize {
                    monologues: r.try_get("monologues")?,
                    sentences: r.try_get("sentences")?,
                    text_bytes: r.try_get("text_bytes")?,
                    version: r.try_get("created_us")?,
                },
            );
        }
        Ok(out)
    }

    async fn transcript_sentences(
        &self,
        id: CallId,
        after: Option<SentenceKey>,
        limit: u32,
    ) -> Result<Vec<StoredSentence>> {
        let after = after.unwrap_or(SentenceKey {
            monologue: i64::MIN,
            seq: i64::MIN,
        });
        let rows = sqlx::query(
            "SELECT monologue, seq, speaker_id, topic, start_ms, end_ms, text FROM transcript_sentences \
             WHERE call_id = ? AND (monologue, seq) > (?, ?) ORDER BY monologue, seq LIMIT ?",
        )
        .bind(id.0)
        .bind(after.monologue)
        .bind(after.seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredSentence {
                    key: SentenceKey {
                        monologue: r.try_get("monologue")?,
                        seq: r.try_get("seq")?,
                    },
                    speaker_id: SpeakerId(r.try_get("speaker_id")?),
                    topic: r.try_get("topic")?,
                    start_ms: r.try_get("start_ms")?,
                    end_ms: r.try_get("end_ms")?,
                    text: r.try_get("text")?,
                })
            })
            .collect()
    }

    async fn store_call_media(
        &self,
        m: &CallMedia,
        transcribe: Option<&NewJob>,
        now: Timestamp,
    ) -> Result<MediaStored> {
        let mut tx = self.write_tx().await?;
        let old = sqlx::query("SELECT key, sha256 FROM call_media WHERE call_id = ?")
            .bind(m.call_id.0)
            .fetch_optional(&mut *tx)
            .await?;
        let (old_key, old_sha): (Option<String>, Option<String>) = match &old {
            Some(r) => (Some(r.try_get("key")?), Some(r.try_get("sha256")?)),
            None => (None, None),
        };
        sqlx::query(
            "INSERT OR REPLACE INTO call_media (call_id, key, size_bytes, sha256, file_name, content_type, container, codec, \
             channels, sample_rate, duration_ms, has_video, uploaded_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(m.call_id.0)
        .bind(&m.key)
        .bind(m.size_bytes as i64)
        .bind(&m.sha256)
        .bind(&m.file_name)
        .bind(&m.content_type)
        .bind(&m.container)
        .bind(&m.codec)
        .bind(m.channels.map(i64::from))
        .bind(m.sample_rate.map(i64::from))
        .bind(m.duration_ms.map(|d| d as i64))
        .bind(m.has_video)
        .bind(us(m.uploaded))
        .execute(&mut *tx)
        .await?;
        // A call created without its duration (an upload's) takes the recording's, as a
        // transcription would later.
        sqlx::query(
            "UPDATE calls SET media = ?, duration_s = CASE WHEN duration_s = 0 THEN ? ELSE duration_s END, \
             version = version + 1 WHERE id = ?",
        )
        .bind(if m.has_video { "video" } else { "audio" })
        .bind(m.duration_s())
        .bind(m.call_id.0)
        .execute(&mut *tx)
        .await?;
        let same_bytes = old_sha.as_deref() == Some(m.sha256.as_str());
        // Another recording's waveform goes with it (the transcription draws the new one).
        sqlx::query("DELETE FROM call_waveforms WHERE call_id = ? AND media_sha256 <> ?")
            .bind(m.call_id.0)
            .bind(&m.sha256)
            .execute(&mut *tx)
            .await?;
        let job = match transcribe {
            Some(t) => {
                let live = t.live_states_after_media(same_bytes);
                Some(enqueue_in(&mut tx, t, live, now).await?)
            }
            None => None,
        };
        let replaced = old_key.filter(|k| *k != m.key);
        if let Some(key) = &replaced {
            enqueue_in(
                &mut tx,
                &JobSpec::DeleteMedia { key: key.clone() }.into(),
                &[],
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(MediaStored { job, replaced })
    }

    async fn media_key_in_use(&self, key: &str) -> Result<bool> {
        Ok(
            sqlx::query("SELECT 1 FROM call_media WHERE key = ? LIMIT 1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    async fn call_media(&self, call_id: CallId) -> Result<Option<CallMedia>> {
        let row = sqlx::query("SELECT * FROM call_media WHERE call_id = ?")
            .bind(call_id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(call_media_of).transpose()
    }

    async fn put_waveform(
        &self,
        call_id: CallId,
        media_sha256: &str,
        w: &Waveform,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "INSERT INTO call_waveforms (call_id, media_sha256, bucket_ms, duration_ms, peaks) \
             SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM call_media WHERE call_id = ? AND sha256 = ?) \
             ON CONFLICT (call_id) DO UPDATE SET media_sha256 = excluded.media_sha256, \
             bucket_ms = excluded.bucket_ms, duration_ms = excluded.duration_ms, peaks = excluded.peaks",
        )
        .bind(call_id.0)
        .bind(media_sha256)
        .bind(i64::from(w.bucket_ms))
        .bind(i64::try_from(w.duration_ms).unwrap_or(i64::MAX))
        .bind(&w.peaks)
        .bind(call_id.0)
        .bind(media_sha256)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn waveform(&self, call_id: CallId) -> Result<Option<Waveform>> {
        let row = sqlx::query(
            "SELECT w.bucket_ms, w.duration_ms, w.peaks FROM call_waveforms w \
             JOIN call_media m ON m.call_id = w.call_id AND m.sha256 = w.media_sha256 WHERE w.call_id = ?",
        )
        .bind(call_id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Waveform {
                bucket_ms: parley_store::codec::narrow_u32(r.try_get("bucket_ms")?),
                duration_ms: r.try_get::<i64, _>("duration_ms")?.max(0) as u64,
                peaks: r.try_get("peaks")?,
            })
        })
        .transpose()
    }

    async fn enqueue_job(&self, job: &NewJob, now: Timestamp) -> Result<Job> {
        let mut tx = self.write_tx().await?;
        let job = enqueue_in(&mut tx, job, job.live_states(), now).await?;
        tx.commit().await?;
        Ok(job)
    }

    async fn claim_job(
        &self,
        kinds: &[JobKind],
        worker: &str,
        lease_secs: u32,
        now: Timestamp,
    ) -> Result<Option<(Job, JobLease)>> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let mut tx = self.write_tx().await?;
        let mut erased = false;
        loop {
            let mut q = QueryBuilder::<Sqlite>::new(
                "SELECT id, attempts, max_attempts, state FROM jobs WHERE ((state = 'queued' AND run_after_us <= ",
            );
            q.push_bind(us(now))
                .push(") OR (state = 'running' AND lease_until_us < ")
                .push_bind(us(now))
                .push(")) AND kind IN (");
            let mut sep = q.separated(", ");
            for k in kinds {
                sep.push_bind(k.key());
            }
            q.push(") ORDER BY run_after_us, created_us LIMIT 1");
            let Some(row) = q.build().fetch_optional(&mut *tx).await? else {
                tx.commit().await?;
                if erased {
                    self.compact_after_gave_up().await;
                }
                return Ok(None);
            };
            let id: i64 = row.try_get("id")?;
            let attempts: i64 = row.try_get("attempts")?;
            let max_attempts: i64 = row.try_get("max_attempts")?;
            let state: &str = row.try_get("state")?;
            if state == "running" && attempts >= max_attempts {
                // Its worker died on the last allowed attempt: give up rather than loop,
                // with what the job served (no worker hears of this failure).
                let failed = sqlx::query(
                    "UPDATE jobs SET state = 'failed', error = ?, \
                     lease_until_us = NULL, updated_us = ?, finished_us = ? WHERE id = ? \
                     RETURNING *",
                )
                .bind(WORKER_STOPPED)
                .bind(us(now))
                .bind(us(now))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                erased |= record_gave_up(&mut tx, &job_of(&failed)?, WORKER_STOPPED, now).await?;
                continue;
            }
            let lease_until = now + chrono::Duration::seconds(i64::from(lease_secs));
            let row = sqlx::query(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?, lease_until_us = ?, \
                 progress = NULL, updated_us = ? WHERE id = ? RETURNING *",
            )
            .bind(worker)
            .bind(us(lease_until))
            .bind(us(now))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            if erased {
                self.compact_after_gave_up().await;
            }
            let job = job_of(&row)?;
            let lease = JobLease {
                job_id: job.id,
                attempt: job.attempts,
            };
            return Ok(Some((job, lease)));
        }
    }

    async fn heartbeat_job(
        &self,
        lease: JobLease,
        progress: Option<f64>,
        lease_secs: u32,
        now: Timestamp,
    ) -> Result<bool> {
        let lease_until = now + chrono::Duration::seconds(i64::from(lease_secs));
        let done = sqlx::query(
            "UPDATE jobs SET lease_until_us = ?, progress = COALESCE(?, progress), updated_us = ? \
             WHERE id = ? AND attempts = ? AND state = 'running'",
        )
        .bind(us(lease_until))
        .bind(progress)
        .bind(us(now))
        .bind(lease.job_id)
        .bind(i64::from(lease.attempt))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish_job(&self, lease: JobLease, now: Timestamp) -> Result<()> {
        let mut tx = self.write_tx().await?;
        finish_leased(&mut tx, lease, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn fail_job(
        &self,
        lease: JobLease,
        error: &str,
        failure: Failure,
        now: Timestamp,
    ) -> Result<JobState> {
        let mut tx = self.write_tx().await?;
        let row =
            sqlx::query("SELECT * FROM jobs WHERE id = ? AND attempts = ? AND state = 'running'")
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
        let run_after = now + retry_backoff(attempts as u32);
        sqlx::query(
            "UPDATE jobs SET state = ?, error = ?, crashes = ?, run_after_us = ?, lease_until_us = NULL, \
             updated_us = ?, finished_us = ? WHERE id = ?",
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
            self.compact_after_gave_up().await;
        }
        Ok(state)
    }

    async fn cancel_job(&self, id: i64, reason: &str, now: Timestamp) -> Result<Option<Job>> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE jobs SET state = 'failed', error = ?, progress = NULL, updated_us = ?, finished_us = ? \
             WHERE id = ? AND state = 'queued'",
        )
        .bind(reason)
        .bind(us(now))
        .bind(us(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT * FROM jobs WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.as_ref().map(job_of).transpose()
    }

    async fn get_job(&self, id: i64) -> Result<Option<Job>> {
        let row = sqlx::query("SELECT * FROM jobs WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_of).transpose()
    }

    async fn jobs_for_call(&self, call_id: CallId) -> Result<Vec<Job>> {
        let rows = sqlx::query("SELECT * FROM jobs WHERE call_id = ? ORDER BY created_us, id")
            .bind(call_id.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(job_of).collect()
    }

    async fn list_jobs(&self, state: Option<JobState>, limit: u32) -> Result<Vec<Job>> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT * FROM jobs");
        if let Some(state) = state {
            q.push(" WHERE state = ").push_bind(state.key());
        }
        q.push(" ORDER BY created_us DESC, id LIMIT ")
            .push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(job_of).collect()
    }

    async fn record_worker(&self, w: &WorkerBeat, forget_before: Timestamp) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM workers WHERE last_seen_us < ?")
            .bind(us(forget_before))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO workers (name, version, kinds, speech_model, transcription_slots, started_us, \
             last_seen_us, stopped, running, done, failed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
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

    async fn list_workers(&self, since: Timestamp) -> Result<Vec<WorkerBeat>> {
        let rows = sqlx::query(
            "SELECT * FROM workers WHERE last_seen_us >= ? ORDER BY started_us DESC, name",
        )
        .bind(us(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WorkerBeat {
                    name: r.try_get("name")?,
                    version: r.try_get("version")?,
                    kinds: worker_kinds(r.try_get("kinds")?),
                    speech_model: r.try_get("speech_model")?,
                    transcription_slots: narrow_u32(r.try_get("transcription_slots")?),
                    started: ts(r.try_get("started_us")?)?,
                    last_seen: ts(r.try_get("last_seen_us")?)?,
                    stopped: r.try_get("stopped")?,
                    running: narrow_u32(r.try_get("running")?),
                    done: u64::try_from(r.try_get::<i64, _>("done")?).unwrap_or(0),
                    failed: u64::try_from(r.try_get::<i64, _>("failed")?).unwrap_or(0),
                })
            })
            .collect()
    }

    async fn save_tracker(&self, t: &TrackerRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO trackers (id, workspace_id, name, definition, created_us, creator_user_id, updated_us, updater_user_id) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET workspace_id = excluded.workspace_id, name = excluded.name, \
             definition = excluded.definition, updated_us = excluded.updated_us, updater_user_id = excluded.updater_user_id",
        )
        .bind(t.def.id.0)
        .bind(t.workspace_id.0)
        .bind(&t.def.name)
        .bind(to_json(&t.def))
        .bind(us(t.created))
        .bind(t.creator.map(|u| u.0))
        .bind(us(t.updated))
        .bind(t.updater.map(|u| u.0))
        .execute(&self.pool)
        .await
        .map_err(|e| map_unique(e, "a tracker with this name already exists in the workspace"))?;
        Ok(())
    }

    async fn get_tracker(&self, id: TrackerId) -> Result<Option<TrackerRecord>> {
        sqlx::query("SELECT * FROM trackers WHERE id = ?")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(tracker_of)
            .transpose()
    }

    async fn trackers(&self, workspace: Option<WorkspaceId>) -> Result<Vec<TrackerRecord>> {
        sqlx::query(
            "SELECT * FROM trackers WHERE ?1 IS NULL OR workspace_id = ?1 \
             ORDER BY name COLLATE NOCASE, id",
        )
        .bind(workspace.map(|w| w.0))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(tracker_of)
        .collect()
    }

    async fn delete_tracker(&self, id: TrackerId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM trackers WHERE id = ?")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn workspace_topics(&self, workspace: WorkspaceId) -> Result<Option<Vec<TopicDef>>> {
        let row = sqlx::query("SELECT topics FROM workspace_topics WHERE workspace_id = ?")
            .bind(workspace.0)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| from_json(r.try_get("topics")?, "workspace topics"))
            .transpose()
    }

    async fn set_workspace_topics(
        &self,
        workspace: WorkspaceId,
        topics: &[TopicDef],
        at: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO workspace_topics (workspace_id, topics, updated_us) VALUES (?, ?, ?) \
             ON CONFLICT (workspace_id) DO UPDATE SET topics = excluded.topics, updated_us = excluded.updated_us",
        )
        .bind(workspace.0)
        .bind(to_json(&topics))
        .bind(us(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn analysis_input(&self, id: CallId) -> Result<Option<AnalysisInput>> {
        Ok(self
            .read_transcript(id)
            .await?
            .map(|(_, version, transcript)| AnalysisInput {
                version,
                transcript,
            }))
    }

    async fn save_analysis(&self, w: AnalysisWrite<'_>) -> Result<bool> {
        self.save_analysis_in(w, &[]).await
    }

    async fn save_tracker_hits(
        &self,
        call: CallId,
        transcript_version: i64,
        hits: &[TrackerHitsRow],
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE call_analysis SET trackers = ? WHERE call_id = ? AND transcript_us = ? \
             AND transcript_us = (SELECT created_us FROM transcripts WHERE call_id = ?) AND format = ?",
        )
        .bind(to_json(&hits))
        .bind(call.0)
        .bind(transcript_version)
        .bind(call.0)
        .bind(ANALYSIS_FORMAT)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn analyses_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, AnalysisRow>> {
        let mut out = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut q = QueryBuilder::<Sqlite>::new("SELECT * FROM call_analysis WHERE call_id IN ");
        push_ids(&mut q, ids.iter().map(|c| c.0));
        for r in q.build().fetch_all(&self.pool).await? {
            check_format(r.try_get("format")?, "a call analysis")?;
            let analysis = AnalysisRow {
                interaction: from_json(r.try_get("interaction")?, "interaction")?,
                topics: from_json(r.try_get("topics")?, "topics")?,
                trackers: from_json(r.try_get("trackers")?, "trackers")?,
                summary: from_json(r.try_get("summary")?, "summary")?,
                engine: from_json(r.try_get("engine")?, "engine")?,
            };
            out.insert(CallId(r.try_get("call_id")?), analysis);
        }
        Ok(out)
    }

    async fn transcribed_calls(
        &self,
        workspace: Option<WorkspaceId>,
        after: Option<CallId>,
        limit: u32,
    ) -> Result<Vec<CallId>> {
        let rows = sqlx::query(
            "SELECT t.call_id FROM transcripts t JOIN calls c ON c.id = t.call_id \
             WHERE (?1 IS NULL OR c.workspace_id = ?1) AND t.call_id > ?2 ORDER BY t.call_id LIMIT ?3",
        )
        .bind(workspace.map(|w| w.0))
        .bind(after.map_or(i64::MIN, |c| c.0))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(CallId(r.try_get("call_id")?)))
            .collect()
    }

    async fn person_stats(
        &self,
        from: Timestamp,
        to: Timestamp,
        users: Option<&[UserId]>,
    ) -> Result<Vec<(UserId, PersonStatsRow)>> {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT user_id, stats, format FROM call_person_stats WHERE started_us >= ",
        );
        q.push_bind(us(from))
            .push(" AND started_us < ")
            .push_bind(us(to));
        if let Some(users) = users {
            q.push(" AND user_id IN ");
            push_ids(&mut q, users.iter().map(|u| u.0));
        }
        q.push(" ORDER BY user_id, started_us, call_id");
        q.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                check_format(r.try_get("format")?, "a call's person stats")?;
                Ok((
                    UserId(r.try_get("user_id")?),
                    from_json(r.try_get("stats")?, "person stats")?,
                ))
            })
            .collect()
    }

    async fn record_activity(&self, e: &ActivityEvent) -> Result<i64> {
        let id = random_id();
        sqlx::query(
            "INSERT INTO activity_events (id, kind, actor_user_id, subject_user_id, call_id, at_us) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(e.kind.key())
        .bind(e.actor.0)
        .bind(e.subject.map(|u| u.0))
        .bind(e.call_id.0)
        .bind(us(e.at))
        .execute(&self.pool)
        .await
        .map_err(|err| match &err {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                StoreError::NotFound("the call or user of the event".into())
            }
            _ => StoreError::Backend(err),
        })?;
        Ok(id)
    }

    async fn activity_facts(
        &self,
        from: Timestamp,
        to: Timestamp,
        users: Option<&[UserId]>,
    ) -> Result<Vec<ActivityFact>> {
        let wanted = |u: UserId| users.is_none_or(|list| list.contains(&u));
        let mut out = Vec::new();
        // Hosting and attending, by call start.
        let rows = sqlx::query(
            "SELECT c.id, c.started_us, c.primary_user_id, p.user_id FROM calls c \
             LEFT JOIN parties p ON p.call_id = c.id AND p.user_id IS NOT NULL AND p.user_id != c.primary_user_id \
             WHERE c.started_us >= ? AND c.started_us < ? ORDER BY c.started_us, c.id",
        )
        .bind(us(from))
        .bind(us(to))
        .fetch_all(&self.pool)
        .await?;
        let mut last_hosted = None;
        for r in &rows {
            let call = CallId(r.try_get("id")?);
            let at = ts(r.try_get("started_us")?)?;
            let host = UserId(r.try_get("primary_user_id")?);
            if last_hosted != Some(call) && wanted(host) {
                out.push(ActivityFact {
                    user: host,
                    counter: Counter::CallsAsHost,
                    call,
                    at,
                });
            }
            last_hosted = Some(call);
            if let Some(attendee) = r.try_get::<Option<i64>, _>("user_id")?.map(UserId) {
                if wanted(attendee) {
                    out.push(ActivityFact {
                        user: attendee,
                        counter: Counter::CallsAttended,
                        call,
                        at,
                    });
                }
            }
        }
        let rows = sqlx::query(
            "SELECT e.kind, e.actor_user_id, COALESCE(e.subject_user_id, c.primary_user_id) AS subject, \
             e.call_id, e.at_us FROM activity_events e JOIN calls c ON c.id = e.call_id \
             WHERE e.at_us >= ? AND e.at_us < ? ORDER BY e.at_us, e.id",
        )
        .bind(us(from))
        .bind(us(to))
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let kind: &str = r.try_get("kind")?;
            let kind = ActivityKind::from_key(kind)
                .ok_or_else(|| StoreError::Corrupt(format!("activity kind {kind}")))?;
            let call = CallId(r.try_get("call_id")?);
            let at = ts(r.try_get("at_us")?)?;
            let actor = UserId(r.try_get("actor_user_id")?);
            let subject = UserId(r.try_get("subject")?);
            for (user, counter) in counters_of(kind, actor, subject) {
                if wanted(user) {
                    out.push(ActivityFact {
                        user,
                        counter,
                        call,
                        at,
                    });
                }
            }
        }
        Ok(out)
    }

    async fn server_secret(&self, name: &str, fresh: Vec<u8>) -> Result<Vec<u8>> {
        // INSERT OR IGNORE then read: the first node to start wins, every node agrees.
        sqlx::query("INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?, ?)")
            .bind(name)
            .bind(fresh)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT value FROM server_secrets WHERE name = ?")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("value")?)
    }

    // Rate limits: the SQL is in `rate_limits.rs`.

    async fn take_rate(&self, bucket: &str, quota: RateQuota, now: Timestamp) -> Result<RateTake> {
        self.rate_take(bucket, quota, now).await
    }

    async fn prune_rate_limits(&self, before: Timestamp) -> Result<u64> {
        self.rate_prune(before).await
    }

    // The audit log: the SQL is in `sqlite/audit.rs`.

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<()> {
        self.audit_append(entries).await
    }

    async fn list_audit(
        &self,
        f: &AuditFilter,
        after: Option<AuditKey>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        self.audit_list(f, after, limit).await
    }

    async fn count_audit(&self, f: &AuditFilter) -> Result<i64> {
        self.audit_count(f).await
    }

    async fn prune_audit(&self, before: Timestamp) -> Result<u64> {
        self.audit_prune(before).await
    }

    async fn create_profile(&self, p: &PermissionProfile, at: Timestamp) -> Result<()> {
        self.profile_create(p, at).await
    }

    async fn update_profile(&self, p: &PermissionProfile, at: Timestamp) -> Result<()> {
        self.profile_update(p, at).await
    }

    async fn profile(&self, id: ProfileId) -> Result<Option<PermissionProfile>> {
        self.profile_get(id).await
    }

    async fn profiles_in(&self, w: WorkspaceId, limit: u32) -> Result<Vec<PermissionProfile>> {
        self.profiles_list(w, limit).await
    }

    async fn count_profiles(&self, w: WorkspaceId) -> Result<i64> {
        self.profiles_count(w).await
    }

    async fn set_user_profile(
        &self,
        user: UserId,
        workspace: WorkspaceId,
        profile: Option<ProfileId>,
        at: Timestamp,
    ) -> Result<()> {
        self.user_profile_set(user, workspace, profile, at).await
    }

    async fn profile_users(
        &self,
        id: ProfileId,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<UserId>> {
        self.profile_users_list(id, after, limit).await
    }

    async fn manager_edges(&self) -> Result<Vec<(UserId, Option<UserId>)>> {
        let rows: Vec<(i64, Option<i64>)> = sqlx::query_as("SELECT id, manager_id FROM users")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(u, m)| (UserId(u), m.map(UserId)))
            .collect())
    }

    async fn user_profile(
        &self,
        user: UserId,
        workspace: WorkspaceId,
    ) -> Result<Option<ProfileId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT profile_id FROM user_profiles WHERE user_id = ? AND workspace_id = ?",
        )
        .bind(user.0)
        .bind(workspace.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.map(ProfileId))
    }

    async fn user_call_access(&self, user: UserId) -> Result<Vec<(WorkspaceId, Access)>> {
        self.user_call_access_of(user).await
    }

    async fn capability_workspaces(
        &self,
        user: UserId,
        capability: Capability,
    ) -> Result<Vec<WorkspaceId>> {
        self.capability_workspaces_of(user, capability).await
    }

    // OAuth 2.0: the SQL is in `sqlite/oauth.rs`.

    async fn create_oauth_app(&self, a: &OAuthAppRecord) -> Result<()> {
        self.oauth_create_app(a).await
    }

    async fn get_oauth_app(&self, client_id: &str) -> Result<Option<OAuthAppRecord>> {
        self.oauth_get_app(client_id).await
    }

    async fn list_oauth_apps(&self) -> Result<Vec<OAuthAppRecord>> {
        self.oauth_list_apps().await
    }

    async fn revoke_oauth_app(&self, client_id: &str, at: Timestamp) -> Result<bool> {
        self.oauth_revoke_app(client_id, at).await
    }

    async fn create_oauth_code(&self, c: &OAuthCodeRecord) -> Result<()> {
        self.oauth_create_code(c).await
    }

    async fn take_oauth_code(
        &self,
        code_sha: &str,
        at: Timestamp,
    ) -> Result<Option<OAuthCodeRecord>> {
        self.oauth_take_code(code_sha, at).await
    }

    async fn create_oauth_token(&self, t: &OAuthTokenRecord) -> Result<()> {
        self.oauth_create_token(t).await
    }

    async fn oauth_token_by_access(&self, access_sha: &str) -> Result<Option<OAuthTokenRecord>> {
        self.oauth_token_by_access_sha(access_sha).await
    }

    async fn oauth_token_by_refresh(&self, refresh_sha: &str) -> Result<Option<OAuthTokenRecord>> {
        self.oauth_token_by_refresh_sha(refresh_sha).await
    }

    async fn spend_oauth_refresh(
        &self,
        refresh_sha: &str,
        client_id: &str,
        at: Timestamp,
    ) -> Result<Option<OAuthTokenRecord>> {
        self.oauth_spend_refresh(refresh_sha, client_id, at).await
    }

    async fn revoke_oauth_grant(&self, grant: &str, at: Timestamp) -> Result<u64> {
        self.oauth_revoke_grant(grant, at).await
    }

    async fn touch_oauth_grant(&self, grant: &str, at: Timestamp) -> Result<()> {
        self.oauth_touch_grant(grant, at).await
    }
}

//! `/parley/v1/jobs` and a call's jobs: background work and its state.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Extension;
use axum::Router;
use serde::{Deserialize, Serialize};

use parley_domain::Principal;

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::routes::extract::{existing_call, query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/parley/v1/jobs", get(list_jobs))
        .route("/parley/v1/workers", get(list_workers))
        .route("/parley/v1/calls/{id}/jobs", get(call_jobs))
        .route("/parley/v1/jobs/{id}/cancel", post(cancel_job))
        .route("/parley/v1/jobs/{id}/retry", post(retry_job))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = JobAnswer)]
struct OneJob {
    request_id: String,
    job: JobView,
}

fn job_id_of(id: &str) -> ApiResult<i64> {
    parley_domain::parse_id(id).map_err(|_| ApiError::not_found(format!("job {id} was not found")))
}

fn one(job: &parley_domain::Job) -> Response {
    json_response(
        StatusCode::OK,
        &OneJob {
            request_id: request_id(),
            job: JobView::of(job),
        },
    )
}

/// Cancel a queued job.
///
/// It ends `failed` with the error "cancelled by …" and no worker takes it. Only a
/// queued job (a running one finishes its attempt); not erasures, CRM uploads and writes,
/// or webhook deliveries, whose outcome is recorded beside the job.
#[utoipa::path(
    post,
    path = "/parley/v1/jobs/{id}/cancel",
    operation_id = "cancel-job",
    tag = "Jobs",
    params(("id" = String, Path, description = "The job's id.")),
    responses(
        (status = 200, description = "The job, cancelled.", body = OneJob),
        (status = 404, description = "No such job.", body = gong_api_v2::ErrorBody),
        (status = 409, description = "The job is not queued, or is of a kind not cancelled here.", body = gong_api_v2::ErrorBody),
    )
)]
async fn cancel_job(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = job_id_of(&id)?;
    let job = parley_app::jobs::cancel(state.store.as_ref(), &principal, id).await?;
    Ok(one(&job))
}

/// Run a failed job again.
///
/// Queues a new job of the same kind, for the same call and payload, with all its
/// attempts (or answers the queued or running one that already does that work). Only a
/// failed job; not erasures, CRM uploads and writes, or webhook deliveries (replay those
/// from their own routes).
#[utoipa::path(
    post,
    path = "/parley/v1/jobs/{id}/retry",
    operation_id = "retry-job",
    tag = "Jobs",
    params(("id" = String, Path, description = "The failed job's id.")),
    responses(
        (status = 200, description = "The job that runs it again.", body = OneJob),
        (status = 404, description = "No such job.", body = gong_api_v2::ErrorBody),
        (status = 409, description = "The job has not failed, or is of a kind not run again here.", body = gong_api_v2::ErrorBody),
    )
)]
async fn retry_job(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = job_id_of(&id)?;
    let job = parley_app::jobs::retry(state.store.as_ref(), &principal, id).await?;
    Ok(one(&job))
}

/// A background job as Parley's API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JobView {
    id: String,
    /// What the job does: `transcribe`, `analyze`, `fetch-media`, `backfill-trackers`,
    /// `analyze-workspace`, `erase`, `deliver`, `crm-write`...
    #[schema(value_type = String)]
    kind: &'static str,
    call_id: Option<String>,
    #[schema(value_type = String, pattern = "^(queued|running|done|failed)$")]
    state: &'static str,
    attempts: u32,
    max_attempts: u32,
    /// Runs that ended with the speech engine's process dying.
    crashes: u32,
    progress: Option<f64>,
    error: Option<String>,
    created: String,
    updated: String,
    run_after: String,
    finished: Option<String>,
    /// The worker that took its last attempt (a worker's `name` in
    /// `GET /parley/v1/workers`); null before any.
    worker: Option<String>,
    /// What an admin may do to it now: `cancel` (a queued job) or `retry` (a failed one),
    /// through `POST /parley/v1/jobs/{id}/cancel` or `…/retry`. Empty for other states,
    /// and for kinds whose outcome another record keeps (erasures, CRM uploads and writes,
    /// webhook deliveries).
    #[schema(value_type = Vec<String>)]
    actions: &'static [&'static str],
}

impl JobView {
    pub(crate) fn of(j: &parley_domain::Job) -> JobView {
        let t =
            |t: parley_domain::Timestamp| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        JobView {
            id: j.id.to_string(),
            kind: j.kind.key(),
            call_id: j.call_id.map(|c| c.to_string()),
            state: j.state.key(),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            crashes: j.crashes,
            progress: j.progress,
            error: j.error.clone(),
            created: t(j.created),
            updated: t(j.updated),
            run_after: t(j.run_after),
            finished: j.finished.map(t),
            worker: j.worker.clone(),
            actions: parley_app::jobs::actions(j),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Jobs {
    pub request_id: String,
    pub jobs: Vec<JobView>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct JobsQuery {
    /// Only jobs in this state: `queued`, `running`, `done` or `failed`.
    #[param(pattern = "^(queued|running|done|failed)$")]
    state: Option<String>,
}

/// List background jobs, newest first.
///
/// Transcriptions, analyses, media fetches, deliveries and the like, with their state,
/// attempts, progress and error; at most 200, optionally only those in one state.
#[utoipa::path(
    get,
    path = "/parley/v1/jobs",
    operation_id = "list-jobs",
    tag = "Jobs",
    params(JobsQuery),
    responses((status = 200, description = "The jobs.", body = Jobs))
)]
async fn list_jobs(
    State(state): State<AppState>,
    q: Result<Query<JobsQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let filter = match q.state.as_deref() {
        None => None,
        Some(name) => Some(parley_domain::JobState::from_key(name).ok_or_else(|| {
            ApiError::bad_request(format!(
                "state {name:?} is not one of queued, running, done, failed"
            ))
        })?),
    };
    let jobs = state.store.list_jobs(filter, 200).await?;
    Ok(json_response(
        StatusCode::OK,
        &Jobs {
            request_id: request_id(),
            jobs: jobs.iter().map(JobView::of).collect(),
        },
    ))
}

/// List the background jobs of a call.
///
/// Its media fetch, transcriptions and analyses, with their state and progress: how to
/// follow a call from upload to analysis.
#[utoipa::path(
    get,
    path = "/parley/v1/calls/{id}/jobs",
    operation_id = "list-call-jobs",
    tag = "Jobs",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 200, description = "The call's jobs.", body = Jobs),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn call_jobs(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call_id = existing_call(&state, &principal, &id).await?;
    let jobs = state.store.jobs_for_call(call_id).await?;
    Ok(json_response(
        StatusCode::OK,
        &Jobs {
            request_id: request_id(),
            jobs: jobs.iter().map(JobView::of).collect(),
        },
    ))
}

/// A worker process as it last reported itself.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct WorkerView {
    /// `host:pid`.
    name: String,
    version: String,
    /// The job kinds it runs.
    kinds: Vec<String>,
    /// The speech model it transcribes with; absent when it does not transcribe.
    speech_model: Option<String>,
    /// Transcriptions it runs at once.
    transcription_slots: u32,
    started: String,
    last_seen: String,
    /// `alive` (reported within three report intervals), `stopped` (it said it was
    /// stopping), or `silent` (no report for longer, and no word of stopping: it died,
    /// hangs, or cannot reach the database).
    #[schema(value_type = String, pattern = "^(alive|stopped|silent)$")]
    state: &'static str,
    /// Jobs it is running now.
    running: u32,
    /// Jobs it ended since it started, done and failed.
    done: u64,
    failed: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct WorkersList {
    request_id: String,
    /// How often a running worker reports.
    report_every_seconds: u64,
    workers: Vec<WorkerView>,
}

/// List the worker processes and their health.
///
/// Every process that runs jobs (the workers of `parley serve`, each `parley worker`)
/// reports every few seconds: what it runs, its speech model, its jobs running, done and
/// failed since it started. Those seen in the last day, the latest started first.
#[utoipa::path(
    get,
    path = "/parley/v1/workers",
    operation_id = "list-workers",
    tag = "Jobs",
    responses((status = 200, description = "The workers.", body = WorkersList))
)]
async fn list_workers(State(state): State<AppState>) -> ApiResult<Response> {
    let now = chrono::Utc::now();
    let every = parley_app::worker::REPORT_EVERY;
    let silent_after = chrono::Duration::from_std(every * 3).unwrap_or(chrono::Duration::MAX);
    let t = |t: parley_domain::Timestamp| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let workers = state
        .store
        .list_workers(now - parley_app::worker::FORGET_WORKERS_AFTER)
        .await?
        .into_iter()
        .map(|w| WorkerView {
            state: if w.stopped {
                "stopped"
            } else if now - w.last_seen > silent_after {
                "silent"
            } else {
                "alive"
            },
            started: t(w.started),
            last_seen: t(w.last_seen),
            name: w.name,
            version: w.version,
            kinds: w.kinds,
            speech_model: w.speech_model,
            transcription_slots: w.transcription_slots,
            running: w.running,
            done: w.done,
            failed: w.failed,
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &WorkersList {
            request_id: request_id(),
            report_every_seconds: every.as_secs(),
            workers,
        },
    ))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_jobs, call_jobs, list_workers, cancel_job, retry_job))]
pub struct Doc;

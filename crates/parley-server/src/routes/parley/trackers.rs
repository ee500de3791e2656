//! `/parley/v1/trackers`: keyword trackers, created, replaced and deleted.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Extension;
use axum::Router;
use chrono::Utc;
use serde::{Deserialize, Serialize};

use gong_api_v2::settings::{KeywordTrackerWire, TrackerInput};
use parley_domain::{JobKind, JobSpec, Principal, TrackerId};
use parley_store::TrackerRecord;

use crate::error::{json_response, request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{job_reply, parse_json, query, workspace_of};
use crate::routes::parley::jobs::JobView;
use crate::routes::v2::settings::tracker_wire;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/parley/v1/trackers",
            get(list_trackers).post(create_tracker),
        )
        .route(
            "/parley/v1/trackers/{id}",
            put(replace_tracker).delete(delete_tracker),
        )
        .route("/parley/v1/trackers/preview", post(preview_tracker))
        .route("/parley/v1/trackers/backfills/{job}", get(backfill_state))
}

/// List keyword trackers (as `GET /v2/settings/trackers`).
///
/// The trackers of one workspace, or of every workspace the caller reaches: name,
/// keywords, who and where they apply to.
#[utoipa::path(
    get,
    path = "/parley/v1/trackers",
    operation_id = "list-trackers",
    tag = "Trackers",
    params(gong_api_v2::settings::TrackersQuery),
    responses(
        (status = 200, description = "The trackers.", body = gong_api_v2::settings::TrackersResponse),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn list_trackers(
    state: State<AppState>,
    principal: Extension<Principal>,
    q: Result<
        axum::extract::Query<gong_api_v2::settings::TrackersQuery>,
        axum::extract::rejection::QueryRejection,
    >,
) -> ApiResult<Response> {
    // The same answer as Gong's route; its own operation in the OpenAPI document.
    crate::routes::v2::settings::gong_trackers(state, principal, q).await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct TrackerSaved {
    request_id: String,
    tracker: KeywordTrackerWire,
    /// The back-fill that re-runs the workspace's trackers over its calls.
    job: JobView,
}

async fn save_tracker(
    state: &AppState,
    principal: &Principal,
    id: TrackerId,
    input: TrackerInput,
    existing: Option<TrackerRecord>,
) -> ApiResult<TrackerSaved> {
    let workspace = match (&input.workspace_id, &existing) {
        (Some(w), _) => workspace_of(state, principal, Some(&w.0)).await?.id,
        (None, Some(e)) => e.workspace_id,
        (None, None) => workspace_of(state, principal, None).await?.id,
    };
    let def = input.into_def(id).map_err(ApiError::bad_request_all)?;
    let now = Utc::now();
    let record = TrackerRecord {
        def,
        workspace_id: workspace,
        created: existing.as_ref().map_or(now, |e| e.created),
        creator: existing.as_ref().and_then(|e| e.creator),
        updated: now,
        updater: None,
    };
    let job = parley_app::analysis::save_tracker(
        state.store.as_ref(),
        &record,
        existing.map(|e| e.workspace_id),
    )
    .await?;
    Ok(TrackerSaved {
        request_id: request_id(),
        tracker: tracker_wire(state, &record),
        job: JobView::of(&job),
    })
}

/// Create a keyword tracker.
///
/// A tracker of keywords and phrases in a workspace; answers it and the back-fill job
/// that runs it over the workspace's past calls.
#[utoipa::path(
    post,
    path = "/parley/v1/trackers",
    operation_id = "create-tracker",
    tag = "Trackers",
    request_body = TrackerInput,
    responses(
        (status = 201, description = "The tracker and its back-fill job.", body = TrackerSaved),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn create_tracker(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let input: TrackerInput = parse_json(body, false)?;
    let saved = save_tracker(&state, &principal, TrackerId::generate(), input, None).await?;
    Ok(json_response(StatusCode::CREATED, &saved))
}

/// The tracker a path names; one of a workspace a bound key does not reach does not
/// exist for it.
async fn find_tracker(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> ApiResult<TrackerRecord> {
    let found = match parley_domain::parse_id(id) {
        Ok(n) => state.store.get_tracker(TrackerId(n)).await?,
        Err(_) => None,
    };
    found
        .filter(|t| principal.reaches(t.workspace_id))
        .ok_or_else(|| ApiError::not_found(format!("Tracker ID {id} was not found")))
}

/// Change a keyword tracker's keywords or settings.
///
/// Replaces the tracker with the body (same id) and re-runs it over the workspace's
/// calls; answers it and the back-fill job.
#[utoipa::path(
    put,
    path = "/parley/v1/trackers/{id}",
    operation_id = "update-tracker",
    tag = "Trackers",
    params(("id" = String, Path, description = "The tracker's id.")),
    request_body = TrackerInput,
    responses(
        (status = 200, description = "The tracker and its back-fill job.", body = TrackerSaved),
        (status = 404, description = "No such tracker or workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn replace_tracker(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let existing = find_tracker(&state, &principal, &id).await?;
    let input: TrackerInput = parse_json(body, false)?;
    let saved = save_tracker(&state, &principal, existing.def.id, input, Some(existing)).await?;
    Ok(Wire(saved).into_response())
}

/// Delete a keyword tracker.
///
/// The tracker goes, and a job removes its hits from the workspace's calls; answers
/// that job.
#[utoipa::path(
    delete,
    path = "/parley/v1/trackers/{id}",
    operation_id = "delete-tracker",
    tag = "Trackers",
    params(("id" = String, Path, description = "The tracker's id.")),
    responses(
        (status = 200, description = "The tracker is deleted; the job that updates the calls.", body = crate::routes::parley::jobs::Jobs),
        (status = 404, description = "No such tracker.", body = gong_api_v2::ErrorBody),
    )
)]
async fn delete_tracker(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let existing = find_tracker(&state, &principal, &id).await?;
    let job = parley_app::analysis::delete_tracker(state.store.as_ref(), &existing).await?;
    Ok(job_reply(StatusCode::OK, &job))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PreviewQuery {
    /// How many of the most recent transcribed calls to run the draft over: 1 to 50,
    /// default 20.
    #[param(minimum = 1, maximum = 50)]
    calls: Option<usize>,
}

/// One hit of a previewed tracker.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct PreviewSnippetWire {
    /// Milliseconds from the start of the call.
    start_ms: i64,
    /// The configured phrase that matched.
    phrase: String,
    speaker_name: Option<String>,
    /// `Company`, `NonCompany` or `Unknown` (null when the voice has no party).
    #[schema(value_type = Option<String>, pattern = "^(Company|NonCompany|Unknown)$")]
    affiliation: Option<&'static str>,
    /// The sentence the phrase begins in (at most 300 characters).
    text: String,
}

/// A call where the draft tracker matched.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct PreviewCallWire {
    id: String,
    title: String,
    /// When the call started (RFC 3339).
    started: String,
    /// All hits in the call (at most 5 are shown as snippets).
    hits: u32,
    snippets: Vec<PreviewSnippetWire>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct TrackerPreviewWire {
    request_id: String,
    workspace_id: String,
    /// Transcribed calls the draft ran over.
    calls_scanned: usize,
    /// Hits over all of them.
    hits: u32,
    /// The calls it matched in, newest first.
    calls: Vec<PreviewCallWire>,
}

fn affiliation_key(a: parley_domain::Affiliation) -> &'static str {
    match a {
        parley_domain::Affiliation::Internal => "Company",
        parley_domain::Affiliation::External => "NonCompany",
        parley_domain::Affiliation::Unknown => "Unknown",
    }
}

/// Preview a draft tracker over recent calls.
///
/// Runs a tracker as it would be saved (the body of `create-tracker`; nothing is
/// stored) over the most recent transcribed calls of its workspace that the caller may
/// see, with the matcher the analysis uses, and answers the calls it matched in with a
/// few snippets each.
#[utoipa::path(
    post,
    path = "/parley/v1/trackers/preview",
    operation_id = "preview-tracker",
    tag = "Trackers",
    params(PreviewQuery),
    request_body = TrackerInput,
    responses(
        (status = 200, description = "The calls the draft matched in.", body = TrackerPreviewWire),
        (status = 400, description = "The draft is not a valid tracker.", body = gong_api_v2::ErrorBody),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn preview_tracker(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<axum::extract::Query<PreviewQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let calls = q
        .calls
        .unwrap_or(parley_app::analysis::PREVIEW_DEFAULT_CALLS);
    if !(1..=parley_app::analysis::PREVIEW_MAX_CALLS).contains(&calls) {
        return Err(ApiError::bad_request(format!(
            "calls must be between 1 and {}",
            parley_app::analysis::PREVIEW_MAX_CALLS
        )));
    }
    let input: TrackerInput = parse_json(body, false)?;
    let workspace = workspace_of(
        &state,
        &principal,
        input.workspace_id.as_ref().map(|w| w.0.as_str()),
    )
    .await?;
    // An unsaved draft: any id will do.
    let def = input
        .into_def(TrackerId(0))
        .map_err(ApiError::bad_request_all)?;
    let preview = parley_app::analysis::preview_tracker(
        state.store.as_ref(),
        &principal,
        workspace.id,
        &def,
        calls,
    )
    .await?;
    let t = |t: parley_domain::Timestamp| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok(Wire(TrackerPreviewWire {
        request_id: request_id(),
        workspace_id: workspace.id.to_string(),
        calls_scanned: preview.calls_scanned,
        hits: preview.calls.iter().map(|c| c.hits).sum(),
        calls: preview
            .calls
            .into_iter()
            .map(|c| PreviewCallWire {
                id: c.call.id.to_string(),
                title: c.call.title,
                started: t(c.call.started),
                hits: c.hits,
                snippets: c
                    .snippets
                    .into_iter()
                    .map(|s| PreviewSnippetWire {
                        start_ms: s.start_ms,
                        phrase: s.phrase,
                        speaker_name: s.speaker_name,
                        affiliation: s.affiliation.map(affiliation_key),
                        text: s.text,
                    })
                    .collect(),
            })
            .collect(),
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct BackfillState {
    request_id: String,
    /// The back-fill: `state` (queued, running, done, failed) and `progress` (0 to 1
    /// while it runs).
    job: JobView,
}

/// Get a tracker back-fill's progress.
///
/// The job a tracker's save or delete answered (`job.id`): its state and progress, for
/// whoever may change the trackers of its workspace. Other jobs are not found here.
#[utoipa::path(
    get,
    path = "/parley/v1/trackers/backfills/{job}",
    operation_id = "get-tracker-backfill",
    tag = "Trackers",
    params(("job" = String, Path, description = "The back-fill job's id.")),
    responses(
        (status = 200, description = "The back-fill job.", body = BackfillState),
        (status = 404, description = "No such back-fill, or of a workspace the caller does not reach.", body = gong_api_v2::ErrorBody),
    )
)]
async fn backfill_state(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let not_found = || ApiError::not_found(format!("Back-fill job {id} was not found"));
    let job = match id.parse::<i64>() {
        Ok(n) => state.store.get_job(n).await?,
        Err(_) => None,
    }
    .filter(|j| j.kind == JobKind::BackfillTrackers)
    .ok_or_else(not_found)?;
    let reached = match JobSpec::of(&job) {
        Ok(JobSpec::BackfillTrackers { workspace: Some(w) }) => principal.reaches(w),
        // A back-fill of every workspace: only for whoever reaches them all.
        Ok(JobSpec::BackfillTrackers { workspace: None }) => {
            principal.workspace.is_none() && principal.profile_reach.is_none()
        }
        _ => false,
    };
    if !reached {
        return Err(not_found());
    }
    Ok(Wire(BackfillState {
        request_id: request_id(),
        job: JobView::of(&job),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_trackers,
    create_tracker,
    replace_tracker,
    delete_tracker,
    preview_tracker,
    backfill_state
))]
pub struct Doc;

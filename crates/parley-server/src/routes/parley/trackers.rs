//! `/parley/v1/trackers`: keyword trackers, created, replaced and deleted.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Extension;
use axum::Router;
use chrono::Utc;
use serde::Serialize;

use gong_api_v2::settings::{KeywordTrackerWire, TrackerInput};
use parley_domain::{Principal, TrackerId};
use parley_store::TrackerRecord;

use crate::error::{json_response, request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{job_reply, parse_json, workspace_of};
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

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_trackers, create_tracker, replace_tracker, delete_tracker))]
pub struct Doc;

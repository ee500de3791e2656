//! `/v2/settings/trackers`: the keyword trackers, as Gong lists them (Parley's
//! `/parley/v1/trackers` lists them the same way).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;

use gong_api_v2::settings::{KeywordTrackerWire, TrackerMeta, TrackersQuery, TrackersResponse};
use parley_domain::Principal;
use parley_store::TrackerRecord;

use crate::error::{request_id, ApiResult, Wire};
use crate::routes::extract::{query, workspace_of};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v2/settings/trackers", get(gong_trackers))
}

/// List the keyword trackers and the words they track.
///
/// Every tracker of the workspace named by `workspaceId` (of every workspace, or a bound
/// key's own, when none is named), with its keywords, filters and who made it.
#[utoipa::path(
    get,
    path = "/v2/settings/trackers",
    operation_id = "get-trackers-settings",
    tag = "Settings",
    params(TrackersQuery),
    responses(
        (status = 200, description = "The trackers.", body = TrackersResponse),
        (status = 404, description = "The workspace named does not exist.", body = gong_api_v2::ErrorBody),
    )
)]
pub(crate) async fn gong_trackers(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<TrackersQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let workspace = match q.workspace_id.as_deref().filter(|w| !w.trim().is_empty()) {
        Some(id) => Some(workspace_of(&state, &principal, Some(id)).await?.id),
        // Every workspace's, or only a bound key's own.
        None => principal.workspace,
    };
    let list = state.store.trackers(workspace).await?;
    Ok(Wire(TrackersResponse {
        request_id: request_id(),
        keyword_trackers: list.iter().map(|t| tracker_wire(&state, t)).collect(),
    })
    .into_response())
}

pub(crate) fn tracker_wire(state: &AppState, t: &TrackerRecord) -> KeywordTrackerWire {
    KeywordTrackerWire::from_domain(
        &t.def,
        &TrackerMeta {
            workspace_id: t.workspace_id,
            created: t.created,
            creator: t.creator,
            updated: t.updated,
            updater: t.updater,
        },
        &state.render,
    )
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(gong_trackers))]
pub struct Doc;

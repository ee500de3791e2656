//! `GET /parley/v1/engagement`: the engagement timeline of a CRM object (`objectType` and
//! `objectId`), a person (`email`), or a workspace, newest first, paged with a cursor.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;
use serde::{Deserialize, Serialize};

use gong_api_v2::engagement::EngagementView;
use gong_api_v2::Records;
use parley_domain::engagement::EngagementFilter;
use parley_domain::Principal;
use parley_store::EngagementKey;

use crate::cursor::FilterKey;
use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{optional_datetime, query, workspace_of};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/parley/v1/engagement", get(timeline))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct TimelineQuery {
    /// Only this workspace's events.
    workspace_id: Option<String>,
    /// A CRM object's type (`Account`, `Deal`, ...), with `objectId`.
    object_type: Option<String>,
    /// The CRM object's id, with `objectType`.
    object_id: Option<String>,
    /// Only events of this person.
    email: Option<String>,
    /// Events at or after this time (ISO 8601).
    #[param(format = DateTime, pattern = "^(19[7-9][0-9]|[2-9][0-9]{3})-")]
    from_date_time: Option<String>,
    /// Events before this time (ISO 8601).
    #[param(format = DateTime, pattern = "^(19[7-9][0-9]|[2-9][0-9]{3})-")]
    to_date_time: Option<String>,
    /// The `records.cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = EngagementTimeline)]
struct Timeline {
    request_id: String,
    records: Records,
    events: Vec<EngagementView>,
}

fn given(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Show the engagement timeline of an account, deal, person or workspace.
///
/// Calls, emails, content views and shares and other customer actions, newest first, a
/// page at a time (follow `records.cursor`), for a CRM object (`objectType` and
/// `objectId`), a person (`email`) or a whole workspace.
#[utoipa::path(
    get,
    path = "/parley/v1/engagement",
    operation_id = "get-engagement-timeline",
    tag = "Engagement",
    params(TimelineQuery),
    responses(
        (status = 200, description = "A page of events.", body = Timeline),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn timeline(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<TimelineQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let workspace = match given(&q.workspace_id) {
        Some(w) => Some(workspace_of(&state, &principal, Some(&w)).await?.id),
        None => principal.workspace,
    };
    let object = match (given(&q.object_type), given(&q.object_id)) {
        (Some(t), Some(i)) => Some((t, i)),
        (None, None) => None,
        _ => {
            return Err(ApiError::bad_request(
                "objectType and objectId are given together",
            ))
        }
    };
    let from = optional_datetime(&state, "fromDateTime", &q.from_date_time)?;
    let to = optional_datetime(&state, "toDateTime", &q.to_date_time)?;
    let filter = EngagementFilter {
        workspace_id: workspace,
        object,
        person_email: given(&q.email).map(|e| e.to_lowercase()),
        from,
        to,
    };
    let digest = FilterKey::new()
        .field("workspace", filter.workspace_id.map(|w| w.0))
        .field("object", &filter.object)
        .field("email", &filter.person_email)
        .field("from", from.map(|t| t.timestamp_micros()))
        .field("to", to.map(|t| t.timestamp_micros()))
        .digest();
    let start = state
        .cursors
        .start(q.cursor.as_deref(), "engagement", &digest)?;
    let after = match start.after.as_deref() {
        None => None,
        Some(&[at_us, id]) => Some(EngagementKey { at_us, id }),
        Some(_) => return Err(ApiError::bad_request("cursor is invalid")),
    };
    let size = state.config.page_size;
    let (events, total) = parley_app::engagement::timeline(
        state.store.as_ref(),
        &principal,
        filter,
        after,
        size + 1,
        start.total.is_none(),
    )
    .await?;
    let total = start.total.or(total).unwrap_or_default();
    let (events, records) = state.cursors.page(events, size, &start, total, |e| {
        let k = EngagementKey::of(e);
        vec![k.at_us, k.id]
    });
    Ok(Wire(Timeline {
        request_id: request_id(),
        records,
        events: events
            .iter()
            .map(|e| EngagementView::from_domain(e, &state.render))
            .collect(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(timeline))]
pub struct Doc;

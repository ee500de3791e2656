//! `GET /parley/v1/meetings`: a workspace's meetings with the call that recorded each
//! (Gong's API only writes meetings), as the caller may see them
//! (`parley_app::meetings::list`), a page at a time.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;
use serde::{Deserialize, Serialize};

use gong_api_v2::meetings::MeetingView;
use parley_domain::Principal;

use parley_store::MeetingKey;

use crate::cursor::FilterKey;
use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{optional_datetime, query, workspace_of};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/parley/v1/meetings", get(list))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct MeetingsQuery {
    /// The workspace; the default one when absent.
    workspace_id: Option<String>,
    /// Meetings starting at or after this time (ISO 8601).
    #[param(format = DateTime, pattern = "^(19[7-9][0-9]|[2-9][0-9]{3})-")]
    from_date_time: Option<String>,
    /// Meetings starting before this time (ISO 8601).
    #[param(format = DateTime, pattern = "^(19[7-9][0-9]|[2-9][0-9]{3})-")]
    to_date_time: Option<String>,
    /// The `records.cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = MeetingsPage)]
struct Meetings {
    request_id: String,
    records: gong_api_v2::Records,
    meetings: Vec<MeetingView>,
}

/// List scheduled meetings and the calls that recorded them.
///
/// A workspace's meetings the caller may see, a page at a time (follow
/// `records.cursor`), optionally in a date range.
#[utoipa::path(
    get,
    path = "/parley/v1/meetings",
    operation_id = "list-meetings",
    tag = "Meetings",
    params(MeetingsQuery),
    responses(
        (status = 200, description = "A page of meetings.", body = Meetings),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<MeetingsQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let workspace = workspace_of(&state, &principal, q.workspace_id.as_deref()).await?;
    let from = optional_datetime(&state, "fromDateTime", &q.from_date_time)?;
    let to = optional_datetime(&state, "toDateTime", &q.to_date_time)?;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(ApiError::bad_request("toDateTime is before fromDateTime"));
        }
    }
    // A page at a time, with Gong's records and cursor; the cursor is bound to the
    // filter and to the caller (what one sees is not what another does).
    let digest = FilterKey::new()
        .field("workspaceId", workspace.id.0)
        .field("from", from.map(|t| t.timestamp_micros()))
        .field("to", to.map(|t| t.timestamp_micros()))
        .field("viewer", principal.user.map(|u| u.0))
        .digest();
    let start = state
        .cursors
        .start(q.cursor.as_deref(), "parley-meetings", &digest)?;
    let after = match start.after.as_deref() {
        None => None,
        Some(&[start_us, id]) => Some(MeetingKey { start_us, id }),
        Some(_) => return Err(ApiError::bad_request("cursor is invalid")),
    };
    let size = state.config.page_size;
    let (list, total) = parley_app::meetings::list(
        state.store.as_ref(),
        &principal,
        workspace.id,
        (from, to),
        after,
        size + 1,
        start.total.is_none(),
    )
    .await?;
    let total = start.total.or(total).unwrap_or_default();
    let (list, records) = state.cursors.page(list, size, &start, total, |m| {
        let k = MeetingKey::of(m);
        vec![k.start_us, k.id]
    });
    Ok(Wire(Meetings {
        request_id: request_id(),
        records,
        meetings: list
            .iter()
            .map(|m| MeetingView::from_domain(m, &state.render))
            .collect(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list))]
pub struct Doc;

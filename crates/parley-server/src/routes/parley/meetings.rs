//! `GET /parley/v1/meetings`: a workspace's meetings with the call that recorded each
//! (Gong's API only writes meetings).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;
use serde::{Deserialize, Serialize};

use gong_api_v2::meetings::MeetingView;
use parley_domain::Principal;

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{optional_datetime, query, workspace_of};
use crate::AppState;

/// The most meetings one answer lists (narrow the window for more).
const MAX_MEETINGS: u32 = 1000;

pub fn routes() -> Router<AppState> {
    Router::new().route("/parley/v1/meetings", get(list))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MeetingsQuery {
    workspace_id: Option<String>,
    from_date_time: Option<String>,
    to_date_time: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Meetings {
    request_id: String,
    meetings: Vec<MeetingView>,
}

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
    let list = state
        .store
        .meetings_in(workspace.id, from, to, MAX_MEETINGS)
        .await?;
    Ok(Wire(Meetings {
        request_id: request_id(),
        meetings: list
            .iter()
            .map(|m| MeetingView::from_domain(m, &state.render))
            .collect(),
    })
    .into_response())
}

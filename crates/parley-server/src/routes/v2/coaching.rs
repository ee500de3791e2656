//! `GET /v2/coaching`: a manager's coaching of their direct reports over a period
//! (`parley_app::coaching`; the metrics are defined in `docs/coaching.md`).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;

use gong_api_v2::coaching::{
    CoachingData, CoachingMetrics, CoachingQuery, CoachingResponse, CoachingUser, ReportMetrics,
};
use gong_api_v2::{messages, time};
use parley_domain::{Principal, UserId};

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{query, workspace_of};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v2/coaching", get(coaching))
}

/// See how a manager coached their direct reports over a period.
///
/// For the manager (`manager-id`) in the workspace (`workspace-id`) between `from` and
/// `to` (all required): per direct report, calls hosted, calls the manager listened to,
/// gave feedback or comments on, scorecards and coaching coverage.
#[utoipa::path(
    get,
    path = "/v2/coaching",
    operation_id = "get-coaching",
    tag = "Coaching",
    params(CoachingQuery),
    responses(
        (status = 200, description = "The manager's coaching metrics.", body = CoachingResponse),
        (status = 404, description = "No such manager or workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn coaching(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<CoachingQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let required = |name: &str, v: &Option<String>| -> ApiResult<String> {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| ApiError::bad_request(format!("{name} is required")))
    };
    // Every missing parameter named at once.
    let missing: Vec<String> = [
        ("workspace-id", &q.workspace_id),
        ("manager-id", &q.manager_id),
        ("from", &q.from),
        ("to", &q.to),
    ]
    .into_iter()
    .filter_map(|(name, v)| {
        required(name, v)
            .err()
            .map(|_| format!("{name} is required"))
    })
    .collect();
    if !missing.is_empty() {
        return Err(ApiError::bad_request_all(missing));
    }
    let tz = state.config.timezone;
    let at = |name: &str, v: &Option<String>| {
        time::parse_datetime(&required(name, v)?, tz)
            .map_err(|e| ApiError::bad_request(format!("{name}: {e}")))
    };
    let (from, to) = (at("from", &q.from)?, at("to", &q.to)?);
    if to <= from {
        return Err(ApiError::bad_request("to must be after from"));
    }
    // The whole window's activity of the manager and their reports is read at once.
    let days = state.config.max_coaching_days;
    if to - from > chrono::Duration::days(i64::from(days)) {
        return Err(ApiError::bad_request(format!(
            "to is more than {days} days after from (max_coaching_days)"
        )));
    }
    let workspace = workspace_of(&state, &principal, q.workspace_id.as_deref()).await?;
    let manager_text = required("manager-id", &q.manager_id)?;
    let manager = parley_domain::parse_id(&manager_text)
        .map(UserId)
        .map_err(|_| ApiError::not_found(messages::user_not_found(&manager_text)))?;
    let c = parley_app::coaching::coaching(
        state.store.as_ref(),
        &principal,
        workspace.id,
        manager,
        from,
        to,
    )
    .await?;
    Ok(Wire(CoachingResponse {
        request_id: request_id(),
        coaching_data: vec![CoachingData {
            manager: CoachingUser::from_domain(&c.manager),
            direct_reports_metrics: c
                .reports
                .iter()
                .map(|(u, m)| ReportMetrics {
                    report: CoachingUser::from_domain(u),
                    metrics: CoachingMetrics {
                        calls_as_host: m.calls_as_host,
                        calls_listened_by_manager: m.calls_listened_by_manager,
                        calls_received_feedback: m.calls_received_feedback,
                        calls_received_comments: m.calls_received_comments,
                        scorecards_received: m.scorecards_received,
                        average_scorecard_score: m.average_scorecard_score,
                        coached_calls: m.coached_calls,
                        coaching_coverage: m.coaching_coverage,
                    },
                })
                .collect(),
        }],
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(coaching))]
pub struct Doc;

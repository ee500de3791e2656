//! `/parley/v1/stats/interaction/averages`: the team's interaction stats over a period,
//! which the call page shows beside a call's own.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use gong_api_v2::stats::{team_interaction_stats, NamedStat};
use gong_api_v2::time;
use parley_domain::UserId;

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::query;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/parley/v1/stats/interaction/averages", get(averages))
}

/// The longest period one request averages over, in days: a year and a day, so a
/// year ending on any date fits.
pub const MAX_AVERAGE_DAYS: i64 = 366;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct AveragesQuery {
    /// The first day (`YYYY-MM-DD`, company time zone).
    #[param(value_type = String, format = Date)]
    from_date: Option<String>,
    /// The day after the last one (`YYYY-MM-DD`, exclusive); at most 366 days after
    /// `fromDate`.
    #[param(value_type = String, format = Date)]
    to_date: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct TeamInteractionAverages {
    request_id: String,
    from_date_time: String,
    to_date_time: String,
    /// Reps with at least one analysed call in the period; each counts once.
    users: u32,
    /// Their analysed calls (a call two reps were on counts for each).
    calls: u32,
    /// The mean of the reps' stats, named as a call's `interactionStats` are; empty
    /// when nobody had an analysed call.
    interaction_stats: Vec<NamedStat>,
}

/// The team's average interaction stats over a period.
///
/// Each rep's stats over the calls they took part in from `fromDate` to `toDate` (as
/// `/v2/stats/interaction` computes them), then the mean over the reps, so each rep counts
/// once (`docs/analysis-metrics.md`, "Team average"). The call page shows it beside a
/// call's own stats.
#[utoipa::path(
    get,
    path = "/parley/v1/stats/interaction/averages",
    operation_id = "get-team-interaction-averages",
    tag = "Stats",
    params(AveragesQuery),
    responses(
        (status = 200, description = "The averages (empty when nobody had an analysed call).", body = TeamInteractionAverages),
        (status = 400, description = "A missing or malformed date, or a period that is empty or longer than 366 days.", body = gong_api_v2::ErrorBody),
    )
)]
async fn averages(
    State(state): State<AppState>,
    q: Result<Query<AveragesQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let tz = state.config.timezone;
    let date = |name: &str, v: &Option<String>| -> ApiResult<NaiveDate> {
        let v = v
            .as_deref()
            .ok_or_else(|| ApiError::bad_request(format!("{name} is required")))?;
        time::parse_date(v, tz).map_err(|e| ApiError::bad_request(format!("{name}: {e}")))
    };
    let from_date = date("fromDate", &q.from_date)?;
    let to_date = date("toDate", &q.to_date)?;
    let days = (to_date - from_date).num_days();
    if days <= 0 {
        return Err(ApiError::bad_request(
            "toDate must be after fromDate (toDate is exclusive)",
        ));
    }
    if days > MAX_AVERAGE_DAYS {
        return Err(ApiError::bad_request(format!(
            "the period is {days} days; at most {MAX_AVERAGE_DAYS} are averaged at once"
        )));
    }
    let midnight = |d: NaiveDate| {
        time::local_to_utc(d.and_time(chrono::NaiveTime::MIN), tz).map_err(ApiError::bad_request)
    };
    let (from, to) = (midnight(from_date)?, midnight(to_date)?);
    let rows = parley_app::stored::person_stats(state.store.as_ref(), from, to, None).await?;
    let mut by_user: BTreeMap<UserId, Vec<_>> = BTreeMap::new();
    for (u, s) in rows {
        by_user.entry(u).or_default().push(s);
    }
    let reps: Vec<_> = by_user
        .values()
        .filter_map(|calls| parley_analysis::interaction::aggregate(calls))
        .collect();
    let team = parley_analysis::interaction::team_average(&reps);
    Ok(Wire(TeamInteractionAverages {
        request_id: request_id(),
        from_date_time: state.render.time(from),
        to_date_time: state.render.time(to),
        users: team.as_ref().map_or(0, |t| t.reps),
        calls: team.as_ref().map_or(0, |t| t.calls),
        interaction_stats: team
            .as_ref()
            .map(team_interaction_stats)
            .unwrap_or_default(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(averages))]
pub struct Doc;

//! `/v2/settings/scorecards` (the definitions) and `/v2/stats/activity/scorecards` (the
//! answered scorecards, paged), confined to the caller's workspace and calls.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Extension;
use axum::Router;
use chrono::NaiveDate;

use gong_api_v2::scorecards::{
    AnsweredMeta, AnsweredScorecardWire, AnsweredScorecardsRequest, AnsweredScorecardsResponse,
    ScorecardWire, ScorecardsQuery, ScorecardsResponse, ANSWERED_NOT_FOUND, SCORECARDS_NOT_FOUND,
};
use gong_api_v2::{time, WireId};
use parley_domain::scorecard::{QuestionId, Scorecard, ScorecardId};
use parley_domain::{CallId, Principal, Timestamp, UserId};
use parley_store::{AnsweredFilter, AnsweredKey, AnsweredRecord, CallFilter};

use crate::cursor::{ids_of, FilterKey};
use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{filter_ids, parse_json, query, workspace_of, CursorQuery};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/settings/scorecards", get(settings_scorecards))
        .route("/v2/stats/activity/scorecards", post(answered_scorecards))
}

/// List the scorecards and their questions.
///
/// The scorecards of `workspaceId` (of every workspace the caller reaches when none is
/// named), each with its questions and answer options.
#[utoipa::path(
    get,
    path = "/v2/settings/scorecards",
    operation_id = "get-scorecards-settings",
    tag = "Settings",
    params(ScorecardsQuery),
    responses(
        (status = 200, description = "The scorecards.", body = ScorecardsResponse),
        (status = 404, description = "No scorecards found, or the workspace named does not exist.", body = gong_api_v2::ErrorBody),
    )
)]
/// The scorecards of the workspace named (every workspace the caller reaches when none
/// is), as Gong lists them; Gong's 404 when there are none.
pub(crate) async fn settings_scorecards(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<ScorecardsQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let list = visible_scorecards(&state, &principal, q.workspace_id.as_deref()).await?;
    if list.is_empty() {
        return Err(ApiError::not_found(SCORECARDS_NOT_FOUND));
    }
    Ok(Wire(ScorecardsResponse {
        request_id: request_id(),
        scorecards: list
            .iter()
            .map(|s| ScorecardWire::from_domain(s, &state.render))
            .collect(),
    })
    .into_response())
}

/// The scorecards of a named workspace, or of every workspace the caller reaches.
pub(crate) async fn visible_scorecards(
    state: &AppState,
    principal: &Principal,
    workspace: Option<&str>,
) -> ApiResult<Vec<Scorecard>> {
    Ok(match workspace.map(str::trim).filter(|w| !w.is_empty()) {
        Some(id) => {
            let w = workspace_of(state, principal, Some(id)).await?;
            state.store.scorecards(Some(w.id)).await?
        }
        None => state
            .store
            .scorecards(principal.workspace)
            .await?
            .into_iter()
            .filter(|s| principal.reaches(s.workspace_id))
            .collect(),
    })
}

/// A date of the filter as the instant its day starts in the company time zone.
fn date_bound(state: &AppState, name: &str, v: &Option<String>) -> ApiResult<Option<Timestamp>> {
    let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    let tz = state.config.timezone;
    let d: NaiveDate = time::parse_date(v, tz)
        .map_err(|e| ApiError::bad_request(format!("filter.{name}: {e}")))?;
    time::local_to_utc(d.and_time(chrono::NaiveTime::MIN), tz)
        .map(Some)
        .map_err(|e| ApiError::bad_request(format!("filter.{name}: {e}")))
}

fn ordered(
    from_name: &str,
    to_name: &str,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> ApiResult<()> {
    match (from, to) {
        (Some(f), Some(t)) if t <= f => Err(ApiError::bad_request(format!(
            "filter.{to_name} must be after filter.{from_name} ({to_name} is exclusive)"
        ))),
        _ => Ok(()),
    }
}

/// An id list of the filter: sorted, deduplicated, bounded. Choice: ids that name
/// nothing (unknown, or no ids at all) match nothing, so a listing of only those is
/// Gong's 404 for answered scorecards, not a 400.
fn ids(state: &AppState, name: &str, list: &Option<Vec<WireId>>) -> ApiResult<Option<Vec<i64>>> {
    list.as_ref()
        .map(|l| filter_ids(state, name, l.iter().filter_map(WireId::numeric)))
        .transpose()
}

/// Get the scorecards reviewers filled in for calls, with every answer.
///
/// Answered scorecards matching `filter` (review dates, call dates, scorecards, reviewed
/// users, reviewers, calls), by review time, 100 per page; follow `records.cursor`.
#[utoipa::path(
    post,
    path = "/v2/stats/activity/scorecards",
    operation_id = "get-scorecard-stats",
    tag = "Stats",
    params(CursorQuery),
    request_body = AnsweredScorecardsRequest,
    responses(
        (status = 200, description = "A page of answered scorecards.", body = AnsweredScorecardsResponse),
        (status = 404, description = "No answered scorecards match the filter.", body = gong_api_v2::ErrorBody),
    )
)]
async fn answered_scorecards(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<CursorQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let req: AnsweredScorecardsRequest = parse_json(body, true)?;
    let cursor = req.cursor.clone().or(q.cursor);
    let f = req.filter.unwrap_or_default();
    let call_from = date_bound(&state, "callFromDate", &f.call_from_date)?;
    let call_to = date_bound(&state, "callToDate", &f.call_to_date)?;
    ordered("callFromDate", "callToDate", call_from, call_to)?;
    let mut review_from = date_bound(&state, "reviewFromDate", &f.review_from_date)?;
    let mut review_to = date_bound(&state, "reviewToDate", &f.review_to_date)?;
    // AAG's date-times bound the review time too; the narrower bound wins.
    let tz = state.config.timezone;
    for (name, v, slot, later) in [
        ("fromDateTime", &f.from_date_time, &mut review_from, true),
        ("toDateTime", &f.to_date_time, &mut review_to, false),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            let t = time::parse_datetime(v, tz)
                .map_err(|e| ApiError::bad_request(format!("filter.{name}: {e}")))?;
            *slot = Some(match *slot {
                Some(s) if later => s.max(t),
                Some(s) => s.min(t),
                None => t,
            });
        }
    }
    ordered("reviewFromDate", "reviewToDate", review_from, review_to)?;
    let scorecards = ids(&state, "filter.scorecardIds", &f.scorecard_ids)?;
    let reviewed = ids(&state, "filter.reviewedUserIds", &f.reviewed_user_ids)?;
    let reviewers = ids(&state, "filter.reviewerUserIds", &f.reviewer_user_ids)?;
    let calls = ids(&state, "filter.callIds", &f.call_ids)?;
    let visible_to = parley_app::access::call_access(state.store.as_ref(), &principal).await?;
    let filter = AnsweredFilter {
        workspace_id: parley_app::access::confine(&principal, None)?,
        scorecard_ids: scorecards
            .clone()
            .map(|l| l.into_iter().map(ScorecardId).collect()),
        reviewed_users: reviewed
            .clone()
            .map(|l| l.into_iter().map(UserId).collect()),
        reviewers: reviewers
            .clone()
            .map(|l| l.into_iter().map(UserId).collect()),
        review_from,
        review_to,
        calls: CallFilter {
            from: call_from,
            to: call_to,
            call_ids: calls.clone().map(|l| l.into_iter().map(CallId).collect()),
            visible_to,
            ..CallFilter::default()
        },
        viewer: parley_app::scorecards::answered_viewer(state.store.as_ref(), &principal).await?,
    };
    let us = |t: Option<Timestamp>| t.map(|t| t.timestamp_micros());
    let digest = FilterKey::new()
        .field("callFrom", us(call_from))
        .field("callTo", us(call_to))
        .field("reviewFrom", us(review_from))
        .field("reviewTo", us(review_to))
        .field("scorecardIds", ids_of(&scorecards, |i| i))
        .field("reviewedUserIds", ids_of(&reviewed, |i| i))
        .field("reviewerUserIds", ids_of(&reviewers, |i| i))
        .field("callIds", ids_of(&calls, |i| i))
        .digest();
    let start = state
        .cursors
        .start(cursor.as_deref(), "stats-scorecards", &digest)?;
    let after = match start.after.as_deref() {
        None => None,
        Some(&[reviewed_us, id]) => Some(AnsweredKey { reviewed_us, id }),
        Some(_) => return Err(ApiError::bad_request("cursor is invalid")),
    };
    let size = state.config.page_size;
    let page = state
        .store
        .answered_scorecards(&filter, after, size + 1)
        .await?;
    if page.is_empty() {
        return Err(ApiError::not_found(ANSWERED_NOT_FOUND));
    }
    let total = match start.total {
        Some(t) => t,
        None => state.store.count_answered_scorecards(&filter).await?,
    };
    let (page, records) = state.cursors.page(page, size, &start, total, |r| {
        let k = r.key();
        vec![k.reviewed_us, k.id]
    });
    let overall = overall_questions(&state, &page).await?;
    Ok(Wire(AnsweredScorecardsResponse {
        request_id: request_id(),
        records,
        answered_scorecards: page
            .iter()
            .map(|r| {
                AnsweredScorecardWire::from_domain(
                    &r.answered,
                    &AnsweredMeta {
                        scorecard_name: &r.scorecard_name,
                        review_method: r.review_method,
                        call_started: r.call_started,
                        overall: overall.get(&r.answered.scorecard_id).copied().flatten(),
                    },
                    &state.render,
                )
            })
            .collect(),
    })
    .into_response())
}

/// The overall question of each scorecard of a page.
async fn overall_questions(
    state: &AppState,
    page: &[AnsweredRecord],
) -> ApiResult<BTreeMap<ScorecardId, Option<QuestionId>>> {
    let mut out = BTreeMap::new();
    for r in page {
        let id = r.answered.scorecard_id;
        if out.contains_key(&id) {
            continue;
        }
        let s = state.store.get_scorecard(id).await?;
        out.insert(
            id,
            s.and_then(|s| s.questions.iter().find(|q| q.is_overall).map(|q| q.id)),
        );
    }
    Ok(out)
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(modifiers(&EmptyBodies), paths(settings_scorecards, answered_scorecards))]
pub struct Doc;

/// The bodies of `/v2/stats/activity/scorecards` may be left out (read as `{}`).
struct EmptyBodies;

impl utoipa::Modify for EmptyBodies {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        super::optional_bodies(doc, &[("post", "/v2/stats/activity/scorecards")]);
    }
}

//! Analysis on the wire: Gong's `/v2/settings/trackers` and `/v2/stats/*`, and Parley's
//! own routes to manage trackers and topics, run analyses, read a call's full analysis
//! and record user activity.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use chrono::{Datelike, Duration as Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use gong_api_v2::settings::{
    KeywordTrackerWire, TrackerInput, TrackerMeta, TrackersQuery, TrackersResponse,
};
use gong_api_v2::stats::{
    counters_object, person_interaction_stats, AggregateByPeriodResponse, AggregateResponse,
    DayByDayResponse, InteractionResponse, PersonInteraction, StatsRequest, UserActivityByPeriod,
    UserAggregateActivity, UserDailyActivity,
};
use gong_api_v2::{messages, time, Records, WireId};
use parley_analysis::topics::{default_topics, TopicDef};
use parley_domain::{
    ActivityEvent, ActivityKind, CallId, Counter, Timestamp, TrackerId, UserId, Workspace,
};
use parley_store::{TrackerRecord, UserFilter};

use crate::cursor::FilterKey;
use crate::error::{json_response, request_id, ApiError, ApiResult, Wire};
use crate::gong::{parse_json, query, CursorQuery};
use crate::parley_api::{existing_call, JobView, Jobs};
use crate::AppState;

pub const NO_STATS_FOUND: &str = "No stats found corresponding to the provided filters";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/settings/trackers", get(gong_trackers))
        .route("/v2/stats/interaction", post(stats_interaction))
        .route("/v2/stats/activity/aggregate", post(stats_aggregate))
        .route(
            "/v2/stats/activity/aggregate-by-period",
            post(stats_aggregate_by_period),
        )
        .route("/v2/stats/activity/day-by-day", post(stats_day_by_day))
        .route(
            "/parley/v1/trackers",
            get(gong_trackers).post(create_tracker),
        )
        .route(
            "/parley/v1/trackers/{id}",
            put(replace_tracker).delete(delete_tracker),
        )
        .route("/parley/v1/topics", get(get_topics).put(put_topics))
        .route("/parley/v1/analyze", post(analyze_everything))
        .route("/parley/v1/calls/{id}/analyze", post(analyze_one))
        .route("/parley/v1/calls/{id}/analysis", get(call_analysis))
        .route("/parley/v1/activity", post(record_activity))
}

/// A job queued by a request, as the answer to it.
fn job_reply(status: StatusCode, job: &parley_domain::Job) -> Response {
    json_response(
        status,
        &Jobs {
            request_id: request_id(),
            jobs: vec![JobView::of(job)],
        },
    )
}

/// The workspace a request names, or the default one; an unknown id is Gong's 404.
async fn workspace_of(state: &AppState, id: Option<&str>) -> ApiResult<Workspace> {
    Ok(parley_app::workspaces::workspace_or_default(state.store.as_ref(), id).await?)
}

// ---------------------------------------------------------------------------------------
// Trackers

async fn gong_trackers(
    State(state): State<AppState>,
    q: Result<Query<TrackersQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let workspace = match q.workspace_id.as_deref().filter(|w| !w.trim().is_empty()) {
        Some(id) => Some(workspace_of(&state, Some(id)).await?.id),
        None => None,
    };
    let list = state.store.trackers(workspace).await?;
    Ok(Wire(TrackersResponse {
        request_id: request_id(),
        keyword_trackers: list.iter().map(|t| tracker_wire(&state, t)).collect(),
    })
    .into_response())
}

fn tracker_wire(state: &AppState, t: &TrackerRecord) -> KeywordTrackerWire {
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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TrackerSaved {
    request_id: String,
    tracker: KeywordTrackerWire,
    /// The back-fill that re-runs the workspace's trackers over its calls.
    job: JobView,
}

async fn save_tracker(
    state: &AppState,
    id: TrackerId,
    input: TrackerInput,
    existing: Option<TrackerRecord>,
) -> ApiResult<TrackerSaved> {
    let workspace = match (&input.workspace_id, &existing) {
        (Some(w), _) => workspace_of(state, Some(&w.0)).await?.id,
        (None, Some(e)) => e.workspace_id,
        (None, None) => workspace_of(state, None).await?.id,
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

async fn create_tracker(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let input: TrackerInput = parse_json(body, false)?;
    let saved = save_tracker(&state, TrackerId::generate(), input, None).await?;
    Ok(json_response(StatusCode::CREATED, &saved))
}

async fn find_tracker(state: &AppState, id: &str) -> ApiResult<TrackerRecord> {
    let found = match parley_domain::parse_id(id) {
        Ok(n) => state.store.get_tracker(TrackerId(n)).await?,
        Err(_) => None,
    };
    found.ok_or_else(|| ApiError::not_found(format!("Tracker ID {id} was not found")))
}

async fn replace_tracker(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let existing = find_tracker(&state, &id).await?;
    let input: TrackerInput = parse_json(body, false)?;
    let saved = save_tracker(&state, existing.def.id, input, Some(existing)).await?;
    Ok(Wire(saved).into_response())
}

async fn delete_tracker(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let existing = find_tracker(&state, &id).await?;
    let job = parley_app::analysis::delete_tracker(state.store.as_ref(), &existing).await?;
    Ok(job_reply(StatusCode::OK, &job))
}

// ---------------------------------------------------------------------------------------
// Topics

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WorkspaceQuery {
    workspace_id: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct TopicView {
    name: String,
    keywords: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TopicsView {
    request_id: String,
    workspace_id: String,
    /// True while the workspace uses Parley's default topic set.
    is_default: bool,
    topics: Vec<TopicView>,
}

#[derive(Debug, Deserialize)]
struct TopicsBody {
    topics: Vec<TopicView>,
}

async fn get_topics(
    State(state): State<AppState>,
    q: Result<Query<WorkspaceQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let w = workspace_of(&state, q.workspace_id.as_deref()).await?;
    let custom = state.store.workspace_topics(w.id).await?;
    let is_default = custom.is_none();
    let topics = custom.unwrap_or_else(default_topics);
    Ok(Wire(TopicsView {
        request_id: request_id(),
        workspace_id: w.id.to_string(),
        is_default,
        topics: topics
            .into_iter()
            .map(|t| TopicView {
                name: t.name,
                keywords: t.keywords,
            })
            .collect(),
    })
    .into_response())
}

async fn put_topics(
    State(state): State<AppState>,
    q: Result<Query<WorkspaceQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let w = workspace_of(&state, q.workspace_id.as_deref()).await?;
    let body: TopicsBody = parse_json(body, false)?;
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, t) in body.topics.iter().enumerate() {
        let name = t.name.trim();
        if name.is_empty() {
            errors.push(format!("topics[{i}].name must not be empty"));
        } else if !seen.insert(name.to_lowercase()) {
            errors.push(format!("topics[{i}].name {name:?} is given twice"));
        }
        if t.keywords.iter().all(|k| k.trim().is_empty()) {
            errors.push(format!(
                "topics[{i}].keywords must hold at least one keyword"
            ));
        }
    }
    if body.topics.len() > 100 {
        errors.push("at most 100 topics are allowed".into());
    }
    if !errors.is_empty() {
        return Err(ApiError::bad_request_all(errors));
    }
    let defs: Vec<TopicDef> = body
        .topics
        .into_iter()
        .map(|t| TopicDef {
            name: t.name.trim().to_owned(),
            keywords: t
                .keywords
                .into_iter()
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .collect(),
        })
        .collect();
    let job = parley_app::analysis::set_topics(state.store.as_ref(), w.id, &defs).await?;
    Ok(job_reply(StatusCode::OK, &job))
}

// ---------------------------------------------------------------------------------------
// Running and reading analyses

async fn analyze_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let call = existing_call(&state, &id).await?;
    let job = parley_app::analysis::request_analysis(state.store.as_ref(), call).await?;
    Ok(job_reply(StatusCode::ACCEPTED, &job))
}

async fn analyze_everything(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q: WorkspaceQuery = parse_json(body, true)?;
    let workspace = match q.workspace_id.as_deref() {
        Some(w) => Some(workspace_of(&state, Some(w)).await?.id),
        None => None,
    };
    let job =
        parley_app::analysis::request_workspace_analysis(state.store.as_ref(), workspace).await?;
    Ok(job_reply(StatusCode::ACCEPTED, &job))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AnalysisView {
    request_id: String,
    call_id: String,
    analysis: parley_analysis::CallAnalysis,
}

async fn call_analysis(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call = existing_call(&state, &id).await?;
    let analysis = state
        .store
        .analyses_of(&[call])
        .await?
        .remove(&call)
        .ok_or_else(|| ApiError::not_found(format!("call {id} has not been analysed yet")))?;
    Ok(Wire(AnalysisView {
        request_id: request_id(),
        call_id: call.to_string(),
        analysis,
    })
    .into_response())
}

// ---------------------------------------------------------------------------------------
// Activity events

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActivityBody {
    kind: String,
    user_id: Option<WireId>,
    call_id: Option<WireId>,
    subject_user_id: Option<WireId>,
    at: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ActivityRecorded {
    request_id: String,
    event_id: String,
}

async fn record_activity(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let b: ActivityBody = parse_json(body, false)?;
    let kind = ActivityKind::from_key(&b.kind).ok_or_else(|| {
        let known: Vec<&str> = ActivityKind::ALL.iter().map(|k| k.key()).collect();
        ApiError::bad_request(format!(
            "kind: {:?} is not one of {}",
            b.kind,
            known.join(", ")
        ))
    })?;
    let user = |w: &WireId| -> ApiResult<UserId> {
        w.numeric()
            .map(UserId)
            .ok_or_else(|| ApiError::not_found(messages::user_not_found(&w.0)))
    };
    let required = |v: Option<WireId>, name: &str| {
        v.ok_or_else(|| ApiError::bad_request(format!("{name} is required")))
    };
    let actor = user(&required(b.user_id, "userId")?)?;
    let call = required(b.call_id, "callId")?;
    let subject = b.subject_user_id.as_ref().map(user).transpose()?;
    for u in std::iter::once(actor).chain(subject) {
        if state.store.get_user(u).await?.is_none() {
            return Err(ApiError::not_found(messages::user_not_found(
                &u.to_string(),
            )));
        }
    }
    let call_id = existing_call(&state, &call.0).await?;
    let at = match &b.at {
        Some(s) => time::parse_datetime(s, state.config.timezone)
            .map_err(|e| ApiError::bad_request(format!("at: {e}")))?,
        None => Utc::now(),
    };
    let id = state
        .store
        .record_activity(&ActivityEvent {
            id: 0,
            kind,
            actor,
            subject,
            call_id,
            at,
        })
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &ActivityRecorded {
            request_id: request_id(),
            event_id: id.to_string(),
        },
    ))
}

// ---------------------------------------------------------------------------------------
// Stats

/// A validated stats filter.
struct StatsRange {
    from_date: NaiveDate,
    to_date: NaiveDate,
    from: Timestamp,
    to: Timestamp,
    users: Option<Vec<UserId>>,
    digest: String,
}

async fn stats_range(state: &AppState, req: &StatsRequest) -> ApiResult<StatsRange> {
    let tz = state.config.timezone;
    let f = req
        .filter
        .as_ref()
        .ok_or_else(|| ApiError::bad_request("filter is required"))?;
    let date = |name: &str, v: &Option<String>| -> ApiResult<NaiveDate> {
        let v = v
            .as_deref()
            .ok_or_else(|| ApiError::bad_request(format!("filter.{name} is required")))?;
        time::parse_date(v, tz).map_err(|e| ApiError::bad_request(format!("filter.{name}: {e}")))
    };
    let from_date = date("fromDate", &f.from_date)?;
    let to_date = date("toDate", &f.to_date)?;
    if to_date <= from_date {
        return Err(ApiError::bad_request(
            "filter.toDate must be after filter.fromDate (toDate is exclusive)",
        ));
    }
    for (name, v) in [
        ("createdFromDateTime", &f.created_from_date_time),
        ("createdToDateTime", &f.created_to_date_time),
    ] {
        if let Some(v) = v {
            time::parse_datetime(v, tz)
                .map_err(|e| ApiError::bad_request(format!("filter.{name}: {e}")))?;
        }
    }
    let users = match &f.user_ids {
        None => None,
        Some(ids) => {
            let mut out = Vec::new();
            for w in ids {
                let known = match w.numeric() {
                    Some(n) => state.store.get_user(UserId(n)).await?.map(|u| u.id),
                    None => None,
                };
                out.push(known.ok_or_else(|| ApiError::not_found(messages::user_not_found(&w.0)))?);
            }
            out.sort();
            out.dedup();
            Some(out)
        }
    };
    let midnight = |d: NaiveDate| {
        time::local_to_utc(d.and_time(chrono::NaiveTime::MIN), tz).map_err(ApiError::bad_request)
    };
    let digest = FilterKey::new()
        .field("fromDate", from_date.to_string())
        .field("toDate", to_date.to_string())
        .field("userIds", crate::gong::ids_of(&users, |u| u.0))
        .field("period", req.aggregation_period.as_deref())
        .digest();
    Ok(StatsRange {
        from: midnight(from_date)?,
        to: midnight(to_date)?,
        from_date,
        to_date,
        users,
        digest,
    })
}

/// One page of per-user rows (sorted by user id), with emails, or Gong's 404 when no
/// user has anything in the range.
async fn page_of_user_rows<T>(
    state: &AppState,
    endpoint: &str,
    range: &StatsRange,
    cursor: Option<&str>,
    rows: BTreeMap<UserId, T>,
) -> ApiResult<(Vec<(UserId, String, T)>, Records)> {
    let start = state.cursors.start(cursor, endpoint, &range.digest)?;
    let after = match start.after.as_deref() {
        None => None,
        Some(&[id]) => Some(UserId(id)),
        Some(_) => return Err(ApiError::bad_request("cursor is invalid")),
    };
    let total = start.total.unwrap_or(rows.len() as i64);
    let size = state.config.page_size;
    let page: Vec<(UserId, T)> = rows
        .into_iter()
        .filter(|(u, _)| after.is_none_or(|a| *u > a))
        .take(size as usize + 1)
        .collect();
    if page.is_empty() {
        return Err(ApiError::not_found(NO_STATS_FOUND));
    }
    let (page, records) = state
        .cursors
        .page(page, size, &start, total, |(u, _)| vec![u.0]);
    let ids: Vec<UserId> = page.iter().map(|(u, _)| *u).collect();
    let users = state
        .store
        .list_users(
            &UserFilter {
                user_ids: Some(ids.clone()),
                ..UserFilter::default()
            },
            None,
            ids.len() as u32 + 1,
        )
        .await?;
    let email = |u: UserId| {
        users
            .iter()
            .find(|x| x.id == u)
            .map(|x| x.email.clone())
            .unwrap_or_default()
    };
    Ok((
        page.into_iter().map(|(u, t)| (u, email(u), t)).collect(),
        records,
    ))
}

fn render_midnight(state: &AppState, d: NaiveDate) -> String {
    match time::local_to_utc(d.and_time(chrono::NaiveTime::MIN), state.config.timezone) {
        Ok(t) => state.render.time(t),
        Err(_) => d.to_string(),
    }
}

async fn stats_request(
    state: &AppState,
    q: Result<Query<CursorQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatsRequest, StatsRange, Option<String>)> {
    let q = query(q)?;
    let req: StatsRequest = parse_json(body, false)?;
    let range = stats_range(state, &req).await?;
    let cursor = req.cursor.clone().or(q.cursor);
    Ok((req, range, cursor))
}

async fn stats_interaction(
    State(state): State<AppState>,
    q: Result<Query<CursorQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let (_, range, cursor) = stats_request(&state, q, body).await?;
    let rows = state
        .store
        .person_stats(range.from, range.to, range.users.as_deref())
        .await?;
    let mut by_user: BTreeMap<UserId, Vec<_>> = BTreeMap::new();
    for (u, s) in rows {
        by_user.entry(u).or_default().push(s);
    }
    let aggregates: BTreeMap<UserId, _> = by_user
        .into_iter()
        .filter_map(|(u, list)| Some((u, parley_analysis::interaction::aggregate(&list)?)))
        .collect();
    let (page, records) = page_of_user_rows(
        &state,
        "stats-interaction",
        &range,
        cursor.as_deref(),
        aggregates,
    )
    .await?;
    Ok(Wire(InteractionResponse {
        request_id: request_id(),
        records,
        time_zone: state.config.timezone.name().to_owned(),
        from_date_time: state.render.time(range.from),
        to_date_time: state.render.time(range.to),
        people_interaction_stats: page
            .into_iter()
            .map(|(u, email, a)| PersonInteraction {
                user_id: u.to_string(),
                user_email_address: email,
                person_interaction_stats: person_interaction_stats(&a),
            })
            .collect(),
    })
    .into_response())
}

/// Each user's calls per counter per period (`periods` are `[start, end)` dates).
type Buckets = BTreeMap<UserId, Vec<BTreeMap<Counter, BTreeSet<CallId>>>>;

async fn bucketed_activity(
    state: &AppState,
    range: &StatsRange,
    periods: &[(NaiveDate, NaiveDate)],
) -> ApiResult<Buckets> {
    let facts = state
        .store
        .activity_facts(range.from, range.to, range.users.as_deref())
        .await?;
    let tz = state.config.timezone;
    let mut out: Buckets = BTreeMap::new();
    for f in facts {
        let day = f.at.with_timezone(&tz).date_naive();
        let Some(i) = periods.iter().position(|(s, e)| *s <= day && day < *e) else {
            continue;
        };
        let user = out
            .entry(f.user)
            .or_insert_with(|| vec![BTreeMap::new(); periods.len()]);
        user[i].entry(f.counter).or_default().insert(f.call);
    }
    Ok(out)
}

/// Calendar periods covering `[from, to)`, the first and last clipped to the range.
/// Weeks start on Monday.
pub fn periods(
    from: NaiveDate,
    to: NaiveDate,
    period: &str,
) -> Option<Vec<(NaiveDate, NaiveDate)>> {
    let next = |d: NaiveDate| -> Option<NaiveDate> {
        let first_of = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1);
        let months_on = |d: NaiveDate, n: u32| {
            let m0 = d.month0() + n;
            first_of(d.year() + (m0 / 12) as i32, m0 % 12 + 1)
        };
        match period {
            "DAY" => d.succ_opt(),
            "WEEK" => {
                Some(d - Days::days(i64::from(d.weekday().num_days_from_monday())) + Days::days(7))
            }
            "MONTH" => months_on(d, 1),
            "QUARTER" => months_on(first_of(d.year(), d.month0() / 3 * 3 + 1)?, 3),
            "YEAR" => first_of(d.year() + 1, 1),
            _ => None,
        }
    };
    let mut out = Vec::new();
    let mut cur = from;
    while cur < to {
        let end = next(cur)?.min(to);
        out.push((cur, end));
        cur = end;
    }
    Some(out)
}

fn counts(m: &BTreeMap<Counter, BTreeSet<CallId>>) -> serde_json::Map<String, Value> {
    counters_object(|c| json!(m.get(&c).map_or(0, BTreeSet::len)))
}

/// One object per period: the fifteen counters (each `value` of the period's calls) and
/// the period's `fromDate` and `toDate`.
fn per_period(
    state: &AppState,
    buckets: &[BTreeMap<Counter, BTreeSet<CallId>>],
    periods: &[(NaiveDate, NaiveDate)],
    value: impl Fn(Option<&BTreeSet<CallId>>) -> Value,
) -> Vec<serde_json::Map<String, Value>> {
    buckets
        .iter()
        .zip(periods)
        .map(|(m, (from, to))| {
            let mut o = counters_object(|c| value(m.get(&c)));
            o.insert("fromDate".into(), json!(render_midnight(state, *from)));
            o.insert("toDate".into(), json!(render_midnight(state, *to)));
            o
        })
        .collect()
}

async fn stats_aggregate(
    State(state): State<AppState>,
    q: Result<Query<CursorQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let (_, range, cursor) = stats_request(&state, q, body).await?;
    let whole = [(range.from_date, range.to_date)];
    let buckets = bucketed_activity(&state, &range, &whole).await?;
    let (page, records) = page_of_user_rows(
        &state,
        "stats-aggregate",
        &range,
        cursor.as_deref(),
        buckets,
    )
    .await?;
    Ok(Wire(AggregateResponse {
        request_id: request_id(),
        records,
        time_zone: state.config.timezone.name().to_owned(),
        from_date_time: state.render.time(range.from),
        to_date_time: state.render.time(range.to),
        users_aggregate_activity_stats: page
            .into_iter()
            .map(|(u, email, b)| UserAggregateActivity {
                user_id: u.to_string(),
                user_email_address: email,
                user_aggregate_activity_stats: counts(&b[0]),
            })
            .collect(),
    })
    .into_response())
}

async fn stats_aggregate_by_period(
    State(state): State<AppState>,
    q: Result<Query<CursorQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let (req, range, cursor) = stats_request(&state, q, body).await?;
    let period = req
        .aggregation_period
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("aggregationPeriod is required"))?;
    let periods = periods(range.from_date, range.to_date, period).ok_or_else(|| {
        ApiError::bad_request(format!(
            "aggregationPeriod: {period:?} is not one of DAY, WEEK, MONTH, QUARTER, YEAR"
        ))
    })?;
    let buckets = bucketed_activity(&state, &range, &periods).await?;
    let (page, records) = page_of_user_rows(
        &state,
        "stats-aggregate-by-period",
        &range,
        cursor.as_deref(),
        buckets,
    )
    .await?;
    Ok(Wire(AggregateByPeriodResponse {
        request_id: request_id(),
        records,
        users_aggregate_activity: page
            .into_iter()
            .map(|(u, email, b)| UserActivityByPeriod {
                user_id: u.to_string(),
                user_email_address: email,
                user_aggregate_activity: per_period(&state, &b, &periods, |calls| {
                    json!(calls.map_or(0, BTreeSet::len))
                }),
            })
            .collect(),
    })
    .into_response())
}

async fn stats_day_by_day(
    State(state): State<AppState>,
    q: Result<Query<CursorQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let (_, range, cursor) = stats_request(&state, q, body).await?;
    if (range.to_date - range.from_date).num_days() > 366 {
        return Err(ApiError::bad_request(
            "day-by-day stats cover at most 366 days per request",
        ));
    }
    let days = periods(range.from_date, range.to_date, "DAY").unwrap_or_default();
    let buckets = bucketed_activity(&state, &range, &days).await?;
    let (page, records) = page_of_user_rows(
        &state,
        "stats-day-by-day",
        &range,
        cursor.as_deref(),
        buckets,
    )
    .await?;
    Ok(Wire(DayByDayResponse {
        request_id: request_id(),
        records,
        users_detailed_activities: page
            .into_iter()
            .map(|(u, email, b)| UserDailyActivity {
                user_id: u.to_string(),
                user_email_address: email,
                user_daily_activity_stats: per_period(&state, &b, &days, |calls| {
                    json!(calls
                        .map(|calls| calls.iter().map(|c| c.to_string()).collect())
                        .unwrap_or_else(Vec::<String>::new))
                }),
            })
            .collect(),
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_calendar_aligned_and_clipped() {
        assert_eq!(
            periods(d("2024-03-06"), d("2024-03-20"), "WEEK").unwrap(),
            [
                (d("2024-03-06"), d("2024-03-11")),
                (d("2024-03-11"), d("2024-03-18")),
                (d("2024-03-18"), d("2024-03-20")),
            ]
        );
        assert_eq!(
            periods(d("2024-02-15"), d("2024-08-01"), "QUARTER").unwrap(),
            [
                (d("2024-02-15"), d("2024-04-01")),
                (d("2024-04-01"), d("2024-07-01")),
                (d("2024-07-01"), d("2024-08-01")),
            ]
        );
        assert_eq!(
            periods(d("2024-12-30"), d("2025-01-02"), "DAY")
                .unwrap()
                .len(),
            3
        );
        assert_eq!(
            periods(d("2024-11-20"), d("2025-02-01"), "MONTH").unwrap(),
            [
                (d("2024-11-20"), d("2024-12-01")),
                (d("2024-12-01"), d("2025-01-01")),
                (d("2025-01-01"), d("2025-02-01")),
            ]
        );
        assert_eq!(
            periods(d("2023-06-01"), d("2025-01-01"), "YEAR")
                .unwrap()
                .len(),
            2
        );
        assert!(periods(d("2024-01-01"), d("2024-02-01"), "FORTNIGHT").is_none());
    }
}

//! `/v2/stats/*`: interaction stats and the activity counters, per user over a date
//! range in the company time zone.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use chrono::{Datelike, Duration as Days, NaiveDate};
use serde_json::{json, Value};

use gong_api_v2::stats::{
    counters_object, person_interaction_stats, AggregateByPeriodResponse, AggregateResponse,
    DayByDayResponse, InteractionResponse, PersonInteraction, StatsRequest, UserActivityByPeriod,
    UserAggregateActivity, UserDailyActivity,
};
use gong_api_v2::{messages, time, Records};
use parley_domain::{ActivityFact, CallId, Counter, Timestamp, UserId};
use parley_store::UserFilter;

use crate::cursor::FilterKey;
use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{filter_ids, parse_json, query, CursorQuery};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/stats/interaction", post(stats_interaction))
        .route("/v2/stats/activity/aggregate", post(stats_aggregate))
        .route(
            "/v2/stats/activity/aggregate-by-period",
            post(stats_aggregate_by_period),
        )
        .route("/v2/stats/activity/day-by-day", post(stats_day_by_day))
}

pub const NO_STATS_FOUND: &str = "No stats found corresponding to the provided filters";

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
    let mut created = [None, None];
    for (slot, (name, v)) in created.iter_mut().zip([
        ("createdFromDateTime", &f.created_from_date_time),
        ("createdToDateTime", &f.created_to_date_time),
    ]) {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            *slot = Some(
                time::parse_datetime(v, tz)
                    .map_err(|e| ApiError::bad_request(format!("filter.{name}: {e}")))?,
            );
        }
    }
    let [created_from, created_to] = created;
    let mut users = match &f.user_ids {
        None => None,
        Some(ids) => Some(known_users(state, ids).await?),
    };
    if created_from.is_some() || created_to.is_some() {
        users = Some(created_between(state, created_from, created_to, users).await?);
    }
    let midnight = |d: NaiveDate| {
        time::local_to_utc(d.and_time(chrono::NaiveTime::MIN), tz).map_err(ApiError::bad_request)
    };
    let digest = FilterKey::new()
        .field("fromDate", from_date.to_string())
        .field("toDate", to_date.to_string())
        .field("userIds", crate::cursor::ids_of(&users, |u| u.0))
        .field("period", req.aggregation_period.as_deref())
        .field("createdFrom", created_from.map(|t| t.timestamp_micros()))
        .field("createdTo", created_to.map(|t| t.timestamp_micros()))
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

/// Users looked up per query: one bound JSON array each, so 10,000 ids cost 20 queries,
/// not 10,000.
const USER_BATCH: usize = 500;

/// The users a filter names, sorted, each once; Gong's 404 for the first one unknown.
async fn known_users(state: &AppState, ids: &[gong_api_v2::WireId]) -> ApiResult<Vec<UserId>> {
    let numeric = filter_ids(
        state,
        "filter.userIds",
        ids.iter().filter_map(|w| w.numeric()),
    )?;
    let mut known = BTreeSet::new();
    for batch in numeric.chunks(USER_BATCH) {
        let ids: Vec<UserId> = batch.iter().copied().map(UserId).collect();
        let users = state
            .store
            .list_users(
                &UserFilter {
                    user_ids: Some(ids),
                    ..UserFilter::default()
                },
                None,
                batch.len() as u32 + 1,
            )
            .await?;
        known.extend(users.into_iter().map(|u| u.id));
    }
    // The first id of the request that names no user (a non-numeric id names none).
    if let Some(w) = ids
        .iter()
        .find(|w| w.numeric().is_none_or(|n| !known.contains(&UserId(n))))
    {
        return Err(ApiError::not_found(messages::user_not_found(&w.0)));
    }
    Ok(known.into_iter().collect())
}

/// The users created in `[from, to)` (Gong's `createdFromDateTime`/`createdToDateTime`
/// are bounds on the user's creation time, not on the activity), among `among` when the
/// request also named users. Read in pages: a company's users, each id once.
async fn created_between(
    state: &AppState,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    among: Option<Vec<UserId>>,
) -> ApiResult<Vec<UserId>> {
    let mut out = Vec::new();
    let batches: Vec<Option<Vec<UserId>>> = match among {
        None => vec![None],
        Some(ids) => ids.chunks(USER_BATCH).map(|c| Some(c.to_vec())).collect(),
    };
    for user_ids in batches {
        let filter = UserFilter {
            created_from: from,
            created_to: to,
            user_ids,
        };
        let mut after = None;
        loop {
            let page = state
                .store
                .list_users(&filter, after, USER_BATCH as u32)
                .await?;
            let Some(last) = page.last().map(|u| u.id) else {
                break;
            };
            out.extend(page.iter().map(|u| u.id));
            if page.len() < USER_BATCH {
                break;
            }
            after = Some(last);
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// One page of per-user rows (sorted by user id), with emails, or Gong's 404 when no
/// user has anything in the range.
async fn page_of_user_rows<K: RowKey, T>(
    state: &AppState,
    endpoint: &str,
    range: &StatsRange,
    cursor: Option<&str>,
    rows: BTreeMap<K, T>,
    size: u32,
) -> ApiResult<(Vec<(K, String, T)>, Records)> {
    let start = state.cursors.start(cursor, endpoint, &range.digest)?;
    let after = match start.after.as_deref() {
        None => None,
        Some(key) => {
            Some(K::from_cursor(key).ok_or_else(|| ApiError::bad_request("cursor is invalid"))?)
        }
    };
    let total = start.total.unwrap_or(rows.len() as i64);
    let page: Vec<(K, T)> = rows
        .into_iter()
        .filter(|(k, _)| after.is_none_or(|a| *k > a))
        .take(size as usize + 1)
        .collect();
    if page.is_empty() {
        return Err(ApiError::not_found(NO_STATS_FOUND));
    }
    let (page, records) = state
        .cursors
        .page(page, size, &start, total, |(k, _)| k.to_cursor());
    let mut ids: Vec<UserId> = page.iter().map(|(k, _)| k.user()).collect();
    ids.sort_unstable();
    ids.dedup();
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
        page.into_iter()
            .map(|(k, t)| (k, email(k.user()), t))
            .collect(),
        records,
    ))
}

/// The sort key of a row of a stats page, carried in the cursor: the user, or (for
/// day-by-day over a long range) the block of days and the user.
trait RowKey: Ord + Copy {
    fn user(&self) -> UserId;
    fn to_cursor(&self) -> Vec<i64>;
    fn from_cursor(key: &[i64]) -> Option<Self>;
}

impl RowKey for UserId {
    fn user(&self) -> UserId {
        *self
    }
    fn to_cursor(&self) -> Vec<i64> {
        vec![self.0]
    }
    fn from_cursor(key: &[i64]) -> Option<Self> {
        match key {
            &[id] => Some(UserId(id)),
            _ => None,
        }
    }
}

/// `(block of days, user)`: day-by-day pages go through the users of the first block of
/// days, then those of the next.
impl RowKey for (usize, UserId) {
    fn user(&self) -> UserId {
        self.1
    }
    fn to_cursor(&self) -> Vec<i64> {
        vec![self.0 as i64, self.1 .0]
    }
    fn from_cursor(key: &[i64]) -> Option<Self> {
        match key {
            &[block, id] => Some((usize::try_from(block).ok()?, UserId(id))),
            _ => None,
        }
    }
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

/// Get talk ratio, longest monologue and other interaction stats per user.
///
/// For each user with analysed calls from `filter.fromDate` to `filter.toDate` (company time zone; optionally only `filter.userIds`): talk ratio, longest monologue, longest customer story, interactivity, patience and question rate. Pages of users; follow `records.cursor`.
#[utoipa::path(
    post,
    path = "/v2/stats/interaction",
    operation_id = "get-interaction-stats",
    tag = "Stats",
    params(CursorQuery),
    request_body = StatsRequest,
    responses(
        (status = 200, description = "A page of users' stats.", body = InteractionResponse),
        (status = 404, description = "No stats match the filter.", body = gong_api_v2::ErrorBody),
    )
)]
async fn stats_interaction(
    State(state): State<AppState>,
    q: Result<Query<CursorQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let (_, range, cursor) = stats_request(&state, q, body).await?;
    let rows = parley_app::stored::person_stats(
        state.store.as_ref(),
        range.from,
        range.to,
        range.users.as_deref(),
    )
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
        state.config.page_size,
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

/// Each user's calls per counter per period (indexes into the request's `[start, end)`
/// periods). Sparse: a user gets an entry only for the periods they have activity in, so
/// a long range costs what its activity costs, not users × periods.
type Buckets = BTreeMap<UserId, BTreeMap<usize, BTreeMap<Counter, BTreeSet<CallId>>>>;

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
        // Periods are sorted and contiguous: the last one starting on or before `day`.
        let Some(i) = periods.partition_point(|(s, _)| *s <= day).checked_sub(1) else {
            continue;
        };
        if day >= periods[i].1 {
            continue;
        }
        out.entry(f.user)
            .or_default()
            .entry(i)
            .or_default()
            .entry(f.counter)
            .or_default()
            .insert(f.call);
    }
    Ok(out)
}

/// About what one period's object (fifteen counters and two dates) costs in memory while
/// a response is built.
const PERIOD_OBJECT_BYTES: usize = 2048;

/// Users per page when each carries `periods` objects: the configured page size, cut so a
/// page stays within `request_memory_bytes` (the cursor carries on from there).
fn users_per_page(state: &AppState, periods: usize) -> u32 {
    let fit =
        state.config.request_memory_bytes / periods.max(1).saturating_mul(PERIOD_OBJECT_BYTES);
    (fit.clamp(1, state.config.page_size as usize)) as u32
}

/// Calendar periods covering `[from, to)`, the first and last clipped to the range.
/// Weeks start on Monday. Stops after `max + 1` periods (the caller refuses more than
/// `max`), so a long range costs no more than a short one to refuse; `None` for an
/// unknown period.
pub fn periods(
    from: NaiveDate,
    to: NaiveDate,
    period: &str,
    max: usize,
) -> Option<Vec<(NaiveDate, NaiveDate)>> {
    let next = |d: NaiveDate| -> Option<NaiveDate> {
        let first_of = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1);
        let months_on = |d: NaiveDate, n: u32| {
            let m0 = d.month0() + n;
            first_of(d.year() + (m0 / 12) as i32, m0 % 12 + 1)
        };
        match period {
            "DAY" => d.succ_opt(),
            // Checked: near chrono's first date the subtraction overflowed (a panic).
            "WEEK" => d
                .checked_sub_signed(Days::days(i64::from(d.weekday().num_days_from_monday())))?
                .checked_add_signed(Days::days(7)),
            "MONTH" => months_on(d, 1),
            "QUARTER" => months_on(first_of(d.year(), d.month0() / 3 * 3 + 1)?, 3),
            "YEAR" => first_of(d.year() + 1, 1),
            _ => None,
        }
    };
    if !matches!(period, "DAY" | "WEEK" | "MONTH" | "QUARTER" | "YEAR") {
        return None;
    }
    let mut out = Vec::new();
    let mut cur = from;
    while cur < to && out.len() <= max {
        // A period that would end past chrono's last date ends the range.
        let end = next(cur).unwrap_or(to).min(to);
        out.push((cur, end));
        cur = end;
    }
    Some(out)
}

fn counts(m: Option<&BTreeMap<Counter, BTreeSet<CallId>>>) -> serde_json::Map<String, Value> {
    counters_object(|c| json!(m.and_then(|m| m.get(&c)).map_or(0, BTreeSet::len)))
}

/// One object per period: the fifteen counters (each `value` of the period's calls) and
/// the period's `fromDate` and `toDate`.
fn per_period(
    state: &AppState,
    buckets: &BTreeMap<usize, BTreeMap<Counter, BTreeSet<CallId>>>,
    periods: &[(NaiveDate, NaiveDate)],
    value: impl Fn(Option<&BTreeSet<CallId>>) -> Value,
) -> Vec<serde_json::Map<String, Value>> {
    periods
        .iter()
        .enumerate()
        .map(|(i, (from, to))| {
            let m = buckets.get(&i);
            let mut o = counters_object(|c| value(m.and_then(|m| m.get(&c))));
            o.insert("fromDate".into(), json!(render_midnight(state, *from)));
            o.insert("toDate".into(), json!(render_midnight(state, *to)));
            o
        })
        .collect()
}

/// Get how active each user was: calls hosted, attended, listened to, commented on, scored.
///
/// For each user, the fifteen activity counters summed from `filter.fromDate` to `filter.toDate` (company time zone; optionally only `filter.userIds`). Pages of users; follow `records.cursor`.
#[utoipa::path(
    post,
    path = "/v2/stats/activity/aggregate",
    operation_id = "get-user-activity-stats",
    tag = "Stats",
    params(CursorQuery),
    request_body = StatsRequest,
    responses(
        (status = 200, description = "A page of users' stats.", body = AggregateResponse),
        (status = 404, description = "No stats match the filter.", body = gong_api_v2::ErrorBody),
    )
)]
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
        state.config.page_size,
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
                user_aggregate_activity_stats: counts(b.get(&0)),
            })
            .collect(),
    })
    .into_response())
}

/// Get each user's activity counters per day, week, month, quarter or year.
///
/// Like the aggregate, cut into periods of `aggregationPeriod` (`DAY`, `WEEK`, `MONTH`, `QUARTER` or `YEAR`, required); one object per period with its `fromDate` and `toDate`. Pages of users; follow `records.cursor`.
#[utoipa::path(
    post,
    path = "/v2/stats/activity/aggregate-by-period",
    operation_id = "get-user-activity-stats-by-period",
    tag = "Stats",
    params(CursorQuery),
    request_body = StatsRequest,
    responses(
        (status = 200, description = "A page of users' stats.", body = AggregateByPeriodResponse),
        (status = 404, description = "No stats match the filter.", body = gong_api_v2::ErrorBody),
    )
)]
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
    let max = state.config.max_stats_periods;
    let periods = periods(range.from_date, range.to_date, period, max).ok_or_else(|| {
        ApiError::bad_request(format!(
            "aggregationPeriod: {period:?} is not one of DAY, WEEK, MONTH, QUARTER, YEAR"
        ))
    })?;
    if periods.len() > max {
        return Err(ApiError::bad_request(format!(
            "filter.fromDate to filter.toDate spans more than {max} periods of {period} \
             (max_stats_periods): ask for a shorter range or a longer aggregationPeriod"
        )));
    }
    let buckets = bucketed_activity(&state, &range, &periods).await?;
    let (page, records) = page_of_user_rows(
        &state,
        "stats-aggregate-by-period",
        &range,
        cursor.as_deref(),
        buckets,
        users_per_page(&state, periods.len()),
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

/// Get, day by day, the ids of the calls behind each user's activity counters.
///
/// For each user and day from `filter.fromDate` to `filter.toDate`, the ids of the calls each of the fifteen activity counters counts. Pages of users; follow `records.cursor`.
#[utoipa::path(
    post,
    path = "/v2/stats/activity/day-by-day",
    operation_id = "get-user-activity-day-by-day",
    tag = "Stats",
    params(CursorQuery),
    request_body = StatsRequest,
    responses(
        (status = 200, description = "A page of users' stats.", body = DayByDayResponse),
        (status = 404, description = "No stats match the filter.", body = gong_api_v2::ErrorBody),
    )
)]
async fn stats_day_by_day(
    State(state): State<AppState>,
    q: Result<Query<CursorQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let (_, range, cursor) = stats_request(&state, q, body).await?;
    let facts = state
        .store
        .activity_facts(range.from, range.to, range.users.as_deref())
        .await?;
    let tz = state.config.timezone;
    let day_of = |f: &ActivityFact| f.at.with_timezone(&tz).date_naive();
    // Choice: Gong puts no cap on the range (a multi-year window is a normal ETL request)
    // and answers one element per day. So does Parley for a range of up to
    // `max_stats_periods` days. A longer range is answered from the first day with activity
    // to the last (the days outside hold only empty lists), cut into blocks of
    // `max_stats_periods` days: a page holds the users of one block and the cursor goes on
    // to the next, so a user active in several blocks appears once per block, each element
    // with its own `fromDate`/`toDate`. A request costs what its activity costs, whatever
    // its range.
    let block = state.config.max_stats_periods.max(1);
    let in_range = |d: &NaiveDate| range.from_date <= *d && *d < range.to_date;
    let (first, end) = if (range.to_date - range.from_date).num_days() as usize <= block {
        (range.from_date, range.to_date)
    } else {
        let (Some(first), Some(last)) = (
            facts.iter().map(day_of).filter(in_range).min(),
            facts.iter().map(day_of).filter(in_range).max(),
        ) else {
            return Err(ApiError::not_found(NO_STATS_FOUND));
        };
        (first, last.succ_opt().unwrap_or(last))
    };
    let mut rows: BTreeMap<(usize, UserId), DayBuckets> = BTreeMap::new();
    for f in &facts {
        let day = day_of(f);
        if !in_range(&day) {
            continue;
        }
        let index = (day - first).num_days() as usize;
        rows.entry((index / block, f.user))
            .or_default()
            .entry(index % block)
            .or_default()
            .entry(f.counter)
            .or_default()
            .insert(f.call);
    }
    let days_of_block = |b: usize| -> Vec<(NaiveDate, NaiveDate)> {
        let start = first
            .checked_add_signed(Days::days((b * block) as i64))
            .unwrap_or(end);
        let stop = start
            .checked_add_signed(Days::days(block as i64))
            .map_or(end, |d| d.min(end));
        periods(start, stop, "DAY", block).unwrap_or_default()
    };
    let (page, records) = page_of_user_rows(
        &state,
        "stats-day-by-day",
        &range,
        cursor.as_deref(),
        rows,
        users_per_page(&state, block.min((end - first).num_days() as usize)),
    )
    .await?;
    Ok(Wire(DayByDayResponse {
        request_id: request_id(),
        records,
        users_detailed_activities: page
            .into_iter()
            .map(|((b, u), email, buckets)| UserDailyActivity {
                user_id: u.to_string(),
                user_email_address: email,
                user_daily_activity_stats: per_period(
                    &state,
                    &buckets,
                    &days_of_block(b),
                    |calls| {
                        json!(calls
                            .map(|calls| calls.iter().map(|c| c.to_string()).collect())
                            .unwrap_or_else(Vec::<String>::new))
                    },
                ),
            })
            .collect(),
    })
    .into_response())
}

/// One user's calls per counter per day of a block of days (the index in the block).
type DayBuckets = BTreeMap<usize, BTreeMap<Counter, BTreeSet<CallId>>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_calendar_aligned_and_clipped() {
        assert_eq!(
            periods(d("2024-03-06"), d("2024-03-20"), "WEEK", usize::MAX).unwrap(),
            [
                (d("2024-03-06"), d("2024-03-11")),
                (d("2024-03-11"), d("2024-03-18")),
                (d("2024-03-18"), d("2024-03-20")),
            ]
        );
        assert_eq!(
            periods(d("2024-02-15"), d("2024-08-01"), "QUARTER", usize::MAX).unwrap(),
            [
                (d("2024-02-15"), d("2024-04-01")),
                (d("2024-04-01"), d("2024-07-01")),
                (d("2024-07-01"), d("2024-08-01")),
            ]
        );
        assert_eq!(
            periods(d("2024-12-30"), d("2025-01-02"), "DAY", usize::MAX)
                .unwrap()
                .len(),
            3
        );
        assert_eq!(
            periods(d("2024-11-20"), d("2025-02-01"), "MONTH", usize::MAX).unwrap(),
            [
                (d("2024-11-20"), d("2024-12-01")),
                (d("2024-12-01"), d("2025-01-01")),
                (d("2025-01-01"), d("2025-02-01")),
            ]
        );
        assert_eq!(
            periods(d("2023-06-01"), d("2025-01-01"), "YEAR", usize::MAX)
                .unwrap()
                .len(),
            2
        );
        assert!(periods(d("2024-01-01"), d("2024-02-01"), "FORTNIGHT", 10).is_none());
        // A long range stops one past the limit instead of building every period.
        assert_eq!(
            periods(d("1970-01-01"), d("9999-12-31"), "DAY", 1000)
                .unwrap()
                .len(),
            1001
        );
        // Near chrono's first and last dates nothing overflows.
        let first = NaiveDate::MIN;
        assert_eq!(
            periods(first, first.succ_opt().unwrap(), "WEEK", 10).unwrap(),
            [(first, first.succ_opt().unwrap())]
        );
        let last = NaiveDate::MAX;
        let before = last.pred_opt().unwrap();
        assert_eq!(periods(before, last, "YEAR", 10).unwrap(), [(before, last)]);
    }
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    stats_interaction,
    stats_aggregate,
    stats_aggregate_by_period,
    stats_day_by_day
))]
pub struct Doc;

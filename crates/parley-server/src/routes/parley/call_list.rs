//! `GET /parley/v1/calls`: the calls list of the UI — searched by text (title, a
//! participant's name or address, an account's name, a phrase of the transcript), filtered
//! by rep or team, workspace, dates, direction, duration, recording, a tracker that fired
//! and a topic, newest, oldest, longest or shortest first, in keyset pages
//! (`parley_store::CallSearch`). Gong's `GET /v2/calls` stays as Gong has it.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};

use gong_api_v2::calls::{direction_str, parse_direction};
use parley_domain::search::{longest_word, phrase_words, says_phrase};
use parley_domain::{Affiliation, CallId, Principal, Reports, TrackerId, UserId, WorkspaceId};
use parley_store::{CallFilter, CallKey, CallOrder, CallSearch, SearchKey, UserFilter};

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{optional_datetime, query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/parley/v1/calls", get(list_calls))
}

/// The longest search text, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;
/// Calls per page at most, and when `limit` is not given.
const MAX_LIMIT: u32 = 100;
const DEFAULT_LIMIT: u32 = 50;
/// External participants named per call at most.
const MAX_NAMED_PARTIES: usize = 5;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct CallListQuery {
    /// Calls started at or after this time (ISO 8601).
    #[param(format = DateTime, pattern = "^(19[7-9][0-9]|[2-9][0-9]{3})-")]
    from_date_time: Option<String>,
    /// Calls started before this time (ISO 8601).
    #[param(format = DateTime, pattern = "^(19[7-9][0-9]|[2-9][0-9]{3})-")]
    to_date_time: Option<String>,
    /// Found in the title, in a participant's name or e-mail address or in the name of a
    /// CRM account linked to the call (a piece of any; letters A–Z in either case), or
    /// said in the transcript (its words in that order, the last one as the start of a
    /// word; punctuation aside); at most 200 characters.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Only calls this user hosted.
    #[param(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    primary_user_id: Option<String>,
    /// Only calls hosted by this user or by anyone who reports to them, down the manager
    /// tree (a manager's team).
    #[param(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    team_of: Option<String>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    workspace_id: Option<String>,
    /// `Inbound`, `Outbound`, `Conference` or `Unknown`.
    #[param(pattern = "^(Inbound|Outbound|Conference|Unknown)$")]
    direction: Option<String>,
    /// Seconds, at least.
    #[param(value_type = Option<i64>, minimum = 0)]
    min_duration: Option<String>,
    /// Seconds, at most.
    #[param(value_type = Option<i64>, minimum = 0)]
    max_duration: Option<String>,
    /// Only calls with (`true`) or without (`false`) a recording.
    #[param(value_type = Option<bool>)]
    has_recording: Option<String>,
    /// Only calls where this tracker fired.
    #[param(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    tracker_id: Option<String>,
    /// Only calls where this topic (by name) was discussed.
    #[param(max_length = 200)]
    topic: Option<String>,
    /// `newest` (the default), `oldest`, `longest` or `shortest` first (ties of
    /// duration newest first).
    #[param(pattern = "^(newest|oldest|longest|shortest)$")]
    sort: Option<String>,
    /// Calls per page, 1 to 100 (50 when absent).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The previous page's `nextCursor` (the same filter only).
    cursor: Option<String>,
}

/// A call as the calls list shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct CallListItem {
    id: String,
    title: String,
    started: String,
    /// Seconds.
    duration: i64,
    direction: &'static str,
    workspace_id: String,
    primary_user_id: String,
    primary_user_name: Option<String>,
    has_recording: bool,
    /// Names, else addresses, of the participants outside the company (at most five).
    external_parties: Vec<String>,
    /// Names of the CRM accounts linked to the call.
    accounts: Vec<String>,
    /// When the search text was said in the transcript: the first sentence that says it.
    transcript_match: Option<TranscriptMatch>,
}

/// Where a call's transcript says the searched words.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct TranscriptMatch {
    /// Milliseconds from the start of the call.
    start_ms: i64,
    /// The sentence.
    text: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct CallList {
    request_id: String,
    calls: Vec<CallListItem>,
    /// The next page's cursor; null on the last page.
    next_cursor: Option<String>,
}

/// A number the query gives, or the 400 that names it.
fn number<T: std::str::FromStr>(name: &str, v: &Option<String>) -> ApiResult<Option<T>> {
    v.as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|_| ApiError::bad_request(format!("{name}: {s:?} is not a whole number")))
        })
        .transpose()
}

/// An id the query gives (`None` for one that cannot be an id: nothing matches it).
fn id_of(name: &str, v: &Option<String>) -> ApiResult<Option<i64>> {
    v.as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            parley_domain::parse_id(s.trim())
                .map_err(|_| ApiError::bad_request(format!("{name}: {s:?} is not an id")))
        })
        .transpose()
}

async fn search_of(
    state: &AppState,
    principal: &Principal,
    q: &CallListQuery,
) -> ApiResult<CallSearch> {
    let from = optional_datetime(state, "fromDateTime", &q.from_date_time)?;
    let to = optional_datetime(state, "toDateTime", &q.to_date_time)?;
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            return Err(ApiError::bad_request("toDateTime is before fromDateTime"));
        }
    }
    let text =
        q.q.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
    if text
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_SEARCH_CHARS)
    {
        return Err(ApiError::bad_request(format!(
            "q: at most {MAX_SEARCH_CHARS} characters"
        )));
    }
    let topic = q
        .topic
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    if topic
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_SEARCH_CHARS)
    {
        return Err(ApiError::bad_request(format!(
            "topic: at most {MAX_SEARCH_CHARS} characters"
        )));
    }
    let direction = match q.direction.as_deref().filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(parse_direction(d).ok_or_else(|| {
            ApiError::bad_request(format!(
                "direction: {d:?} is not Inbound, Outbound, Conference or Unknown"
            ))
        })?),
    };
    let min_duration_s: Option<i64> = number("minDuration", &q.min_duration)?;
    let max_duration_s: Option<i64> = number("maxDuration", &q.max_duration)?;
    if min_duration_s.is_some_and(|m| m < 0) || max_duration_s.is_some_and(|m| m < 0) {
        return Err(ApiError::bad_request(
            "minDuration and maxDuration are seconds, 0 or more",
        ));
    }
    let has_recording = match q.has_recording.as_deref().filter(|h| !h.is_empty()) {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "hasRecording: {other:?} is not true or false"
            )))
        }
    };
    let mut hosts: Option<Vec<UserId>> =
        id_of("primaryUserId", &q.primary_user_id)?.map(|u| vec![UserId(u)]);
    if let Some(manager) = id_of("teamOf", &q.team_of)?.map(UserId) {
        let store = state.store.as_ref();
        if store.get_user(manager).await?.is_none() {
            return Err(ApiError::not_found(format!("teamOf: no user {manager}")));
        }
        let team = Reports::from_managers(store.manager_edges().await?).teams_of([manager]);
        hosts = Some(match hosts {
            None => team,
            Some(one) => one.into_iter().filter(|u| team.contains(u)).collect(),
        });
    }
    let workspace = id_of("workspaceId", &q.workspace_id)?.map(WorkspaceId);
    if let Some(w) = workspace {
        // An unknown workspace is a 404, as the other listings answer it.
        crate::routes::extract::workspace_of(state, principal, Some(&w.to_string())).await?;
    }
    Ok(CallSearch {
        filter: CallFilter {
            from,
            to,
            workspace_id: parley_app::access::confine(principal, workspace)?,
            call_ids: None,
            primary_user_ids: hosts,
            visible_to: parley_app::access::call_access(state.store.as_ref(), principal).await?,
        },
        text,
        direction,
        min_duration_s,
        max_duration_s,
        has_recording,
        tracker: id_of("trackerId", &q.tracker_id)?.map(TrackerId),
        topic,
        order: match q.sort.as_deref().filter(|s| !s.is_empty()) {
            None | Some("newest") => CallOrder::Newest,
            Some("oldest") => CallOrder::Oldest,
            Some("longest") => CallOrder::Longest,
            Some("shortest") => CallOrder::Shortest,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "sort: {other:?} is not newest, oldest, longest or shortest"
                )))
            }
        },
    })
}

/// What a page of the list is bound to: a cursor continues only the same search (the
/// listing filter's key, as `GET /v2/calls` binds its pages, plus the search's own terms).
fn search_key(s: &CallSearch) -> String {
    crate::routes::v2::calls::call_filter_key(&s.filter)
        .field("q", s.text.as_deref())
        .field("direction", s.direction.map(direction_str))
        .field("minDuration", s.min_duration_s)
        .field("maxDuration", s.max_duration_s)
        .field("hasRecording", s.has_recording)
        .field("trackerId", s.tracker.map(|t| t.0))
        .field("topic", s.topic.as_deref())
        .field("order", format!("{:?}", s.order))
        .digest()
}

/// Search and filter the calls.
///
/// The calls the caller may see that match every filter given: text in the title, in a
/// participant's name or e-mail address, in a linked account's name or said in the
/// transcript (each such call quotes the first sentence that says it); the rep who
/// hosted or the team of a manager; workspace, dates, direction, duration, whether there
/// is a recording, a tracker that fired, a topic that was discussed; newest (default),
/// oldest, longest or shortest first. Pages of up to 100: follow `nextCursor` with the
/// same filters.
#[utoipa::path(
    get,
    path = "/parley/v1/calls",
    operation_id = "search-calls",
    tag = "Calls",
    params(CallListQuery),
    responses(
        (status = 200, description = "A page of calls (an empty list when none matches).", body = CallList),
        (status = 400, description = "A malformed filter, or a cursor of another search.", body = gong_api_v2::ErrorBody),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn list_calls(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<CallListQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let limit: u32 = number("limit", &q.limit)?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit: {limit} is not from 1 to {MAX_LIMIT}"
        )));
    }
    let search = search_of(&state, &principal, &q).await?;
    let start = state
        .cursors
        .start(q.cursor.as_deref(), "parley-calls", &search_key(&search))?;
    let after = match start.after.as_deref() {
        None => None,
        Some(&[duration_s, started_us, id]) => Some(SearchKey {
            duration_s,
            key: CallKey { started_us, id },
        }),
        Some(_) => return Err(ApiError::bad_request("cursor is invalid")),
    };
    let store = state.store.as_ref();
    let found = store.search_calls(&search, after, limit + 1).await?;
    let (calls, records) = state.cursors.page(found, limit, &start, 0, |c| {
        let k = SearchKey::of(c);
        vec![k.duration_s, k.key.started_us, k.key.id]
    });
    let ids: Vec<CallId> = calls.iter().map(|c| c.id).collect();
    let mut hosts: Vec<UserId> = calls.iter().map(|c| c.primary_user_id).collect();
    hosts.sort();
    hosts.dedup();
    let names: HashMap<UserId, String> = if hosts.is_empty() {
        HashMap::new()
    } else {
        store
            .list_users(
                &UserFilter {
                    user_ids: Some(hosts.clone()),
                    ..Default::default()
                },
                None,
                hosts.len() as u32,
            )
            .await?
            .into_iter()
            .map(|u| {
                let name = u.full_name();
                (u.id, if name.is_empty() { u.email } else { name })
            })
            .collect()
    };
    let mut parties = store.parties_of(&ids).await?;
    let media = store.media_of(&ids).await?;
    let mut accounts: HashMap<CallId, Vec<String>> = HashMap::new();
    for (call, links) in store.call_context_of(&ids).await? {
        accounts.insert(
            call,
            links
                .iter()
                .filter_map(|l| l.account_name().map(str::to_owned))
                .collect(),
        );
    }
    let mut said = match &search.text {
        Some(text) => transcript_matches(store, &ids, text).await?,
        None => HashMap::new(),
    };
    let items = calls
        .iter()
        .map(|c| CallListItem {
            id: c.id.to_string(),
            title: c.title.clone(),
            started: state.render.time(c.started),
            duration: c.duration_s,
            direction: direction_str(c.direction),
            workspace_id: c.workspace_id.to_string(),
            primary_user_id: c.primary_user_id.to_string(),
            primary_user_name: names.get(&c.primary_user_id).cloned(),
            has_recording: media.contains_key(&c.id),
            external_parties: parties
                .remove(&c.id)
                .unwrap_or_default()
                .into_iter()
                .filter(|p| p.affiliation == Affiliation::External)
                .filter_map(|p| p.name.filter(|n| !n.trim().is_empty()).or(p.email))
                .take(MAX_NAMED_PARTIES)
                .collect(),
            accounts: accounts.remove(&c.id).unwrap_or_default(),
            transcript_match: said.remove(&c.id),
        })
        .collect();
    Ok(Wire(CallList {
        request_id: request_id(),
        calls: items,
        next_cursor: records.cursor,
    })
    .into_response())
}

/// Sentences read per call to find the one that says the searched words: the words'
/// longest one narrows them in the database, [`says_phrase`] decides.
const SENTENCES_PER_CALL: u32 = 50;

/// The first sentence of each call's transcript that says `text`'s words.
async fn transcript_matches(
    store: &dyn parley_store::Store,
    ids: &[CallId],
    text: &str,
) -> ApiResult<HashMap<CallId, TranscriptMatch>> {
    let words = phrase_words(text);
    let Some(longest) = longest_word(&words) else {
        return Ok(HashMap::new());
    };
    let lines = store
        .sentences_like(
            ids,
            &parley_store::like_anywhere(longest),
            SENTENCES_PER_CALL,
        )
        .await?;
    let mut out = HashMap::new();
    for (call, start_ms, text) in lines {
        if !out.contains_key(&call) && says_phrase(&text, &words) {
            out.insert(call, TranscriptMatch { start_ms, text });
        }
    }
    Ok(out)
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_calls))]
pub struct Doc;

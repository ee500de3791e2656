//! `/v2/calls`: listing, reading and creating calls, the extensive export and
//! transcripts.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Extension;
use axum::Router;

use gong_api_v2::calls::{
    CallBasicData, CallFacts, CallResponse, CallsFilter, CallsResponse, ContextLevel,
    ExtensiveRequest, ListCallsQuery, MediaUrls, NewCallRequest, NewCallResponse, RawCallsResponse,
    RawExtensiveResponse,
};
use gong_api_v2::transcript::{TranscriptJson, TranscriptRequest, TranscriptResponse};
use gong_api_v2::{messages, Records, WireId};
use parley_domain::{CallId, Principal, Scope, UserId, WorkspaceId};
use parley_store::{CallFilter, CallKey, TranscriptSize};

use crate::cursor::{ids_of, FilterKey};
use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::page_body::raw_page;
use crate::routes::extract::{filter_ids, optional_datetime, parse_json, query, CursorQuery};
use crate::{call_cache, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/calls", get(list_calls).post(create_call))
        .route("/v2/calls/extensive", post(calls_extensive))
        .route("/v2/calls/transcript", post(transcripts))
        .route("/v2/calls/{id}", get(get_call))
}

/// Turns the wire filter into a store filter, as far as the principal may see: its
/// workspace (a bound key's) and its call audience (a member's or manager's calls). Ids
/// that are not numeric cannot match a call, so they filter everything out rather than
/// fail.
async fn call_filter(
    state: &AppState,
    principal: &Principal,
    f: &CallsFilter,
) -> ApiResult<CallFilter> {
    let parse = |name: &str, v: &Option<String>| optional_datetime(state, name, v);
    let from = parse("fromDateTime", &f.from_date_time)?;
    let to = parse("toDateTime", &f.to_date_time)?;
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            return Err(ApiError::bad_request("toDateTime is before fromDateTime"));
        }
    }
    let ids = |name: &str, v: &Option<Vec<WireId>>| -> ApiResult<Option<Vec<i64>>> {
        v.as_ref()
            .map(|ids| {
                filter_ids(
                    state,
                    &format!("filter.{name}"),
                    ids.iter().filter_map(WireId::numeric),
                )
            })
            .transpose()
    };
    // An impossible id keeps "unknown workspace" a plain empty result; a key bound to a
    // workspace lists only that one.
    let workspace_id = parley_app::access::confine(
        principal,
        f.workspace_id
            .as_ref()
            .map(|w| WorkspaceId(w.numeric().unwrap_or(-1))),
    )?;
    Ok(CallFilter {
        from,
        to,
        workspace_id,
        call_ids: ids("callIds", &f.call_ids)?.map(|v| v.into_iter().map(CallId).collect()),
        primary_user_ids: ids("primaryUserIds", &f.primary_user_ids)?
            .map(|v| v.into_iter().map(UserId).collect()),
        visible_to: parley_app::access::call_access(state.store.as_ref(), principal).await?,
    })
}

/// What a page of calls is bound to (see [`FilterKey`]); the call cache's counts are
/// keyed by it too.
pub(crate) fn call_filter_key(f: &CallFilter) -> FilterKey {
    FilterKey::new()
        .field("from", f.from.map(|t| t.timestamp_micros()))
        .field("to", f.to.map(|t| t.timestamp_micros()))
        .field("workspaceId", f.workspace_id.map(|w| w.0))
        .field("callIds", ids_of(&f.call_ids, |c| c.0))
        .field("primaryUserIds", ids_of(&f.primary_user_ids, |u| u.0))
        .field("visibleTo", &f.visible_to)
}

fn render_failed(e: String) -> ApiError {
    tracing::error!(error = %e, "call rendering failed");
    ApiError::internal()
}

/// Where a page of calls starts, and how many calls the filter matches.
struct CallPageStart {
    start: crate::cursor::PageStart,
    after: Option<CallKey>,
    total: i64,
}

async fn call_page_start(
    state: &AppState,
    endpoint: &str,
    filter: &CallFilter,
    cursor: Option<&str>,
) -> ApiResult<CallPageStart> {
    let digest = call_filter_key(filter).digest();
    let start = state.cursors.start(cursor, endpoint, &digest)?;
    let after = match start.after.as_deref() {
        None => None,
        Some(&[started_us, id]) => Some(CallKey { started_us, id }),
        Some(_) => return Err(ApiError::bad_request("cursor is invalid")),
    };
    let total = match start.total {
        Some(t) => t,
        None => {
            state
                .calls
                .count(state.store.as_ref(), filter, &digest)
                .await?
        }
    };
    Ok(CallPageStart {
        start,
        after,
        total,
    })
}

/// One page of calls' places and versions plus its `records`, or Gong's 404 when nothing
/// matches.
async fn page_of_call_versions(
    state: &AppState,
    endpoint: &str,
    filter: &CallFilter,
    cursor: Option<&str>,
) -> ApiResult<(Vec<parley_store::CallVersion>, Records)> {
    let p = call_page_start(state, endpoint, filter, cursor).await?;
    let size = state.config.page_size;
    let versions = state
        .store
        .list_call_versions(filter, p.after, size + 1)
        .await?;
    if versions.is_empty() {
        return Err(ApiError::no_calls());
    }
    Ok(state.cursors.page(versions, size, &p.start, p.total, |c| {
        vec![c.key.started_us, c.key.id]
    }))
}

/// List calls that took place in a date range.
///
/// Pages of basic call data (id, title, start, duration, host, direction, URL), oldest
/// first, 100 per page; follow `records.cursor`. Without dates: every call the caller may
/// see.
#[utoipa::path(
    get,
    path = "/v2/calls",
    operation_id = "list-calls",
    tag = "Calls",
    params(ListCallsQuery),
    responses(
        (status = 200, description = "A page of calls.", body = CallsResponse),
        (status = 404, description = "No calls match the filter.", body = gong_api_v2::ErrorBody),
    )
)]
async fn list_calls(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<ListCallsQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let filter = call_filter(
        &state,
        &principal,
        &CallsFilter {
            from_date_time: q.from_date_time,
            to_date_time: q.to_date_time,
            workspace_id: q.workspace_id.map(WireId),
            call_ids: None,
            primary_user_ids: None,
        },
    )
    .await?;
    // The calls' places and versions come from an index; their JSON, when this node has
    // rendered that version before, from memory.
    let (versions, records) =
        page_of_call_versions(&state, "calls", &filter, q.cursor.as_deref()).await?;
    let lookup = state.calls.lookup(&versions, call_cache::BASIC);
    let mut rendered = Vec::with_capacity(lookup.missing.len());
    for (call, version) in state.store.calls_with_versions(&lookup.missing).await? {
        let json = CallBasicData::raw(&call, &state.render).map_err(render_failed)?;
        rendered.push((call.id, version, raw_bytes(json)));
    }
    let calls = state
        .calls
        .complete(lookup, &versions, call_cache::BASIC, rendered);
    Ok(raw_page(
        RawCallsResponse::frame(&request_id(), &records),
        calls,
    ))
}

/// Get one call's basic data by its id.
#[utoipa::path(
    get,
    path = "/v2/calls/{id}",
    operation_id = "get-call",
    tag = "Calls",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 200, description = "The call.", body = CallResponse),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn get_call(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call = match parley_domain::parse_id(&id) {
        Ok(n) => state.store.get_call(CallId(n)).await?,
        Err(_) => None,
    };
    let not_found = || ApiError::not_found(messages::call_not_found(&id));
    let call = call.ok_or_else(not_found)?;
    if !parley_app::access::may_see_call(state.store.as_ref(), &principal, &call).await? {
        return Err(not_found());
    }
    Ok(Wire(CallResponse {
        request_id: request_id(),
        call: CallBasicData::from_domain(&call, &state.render),
    })
    .into_response())
}

/// Add a new call (from a dialer, a recorder or another system).
///
/// Creates the call from its metadata and parties; upload the recording afterwards with
/// `PUT /v2/calls/{id}/media`, or give `downloadMediaUrl` and Parley fetches it. A repeated
/// `clientUniqueId` answers with the call made the first time.
#[utoipa::path(
    post,
    path = "/v2/calls",
    operation_id = "create-call",
    tag = "Calls",
    request_body = NewCallRequest,
    responses(
        (status = 200, description = "The call was created.", body = NewCallResponse),
    )
)]
async fn create_call(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: NewCallRequest = parse_json(body, false)?;
    let mut new = req
        .into_domain(state.config.timezone)
        .map_err(ApiError::bad_request_all)?;
    new.workspace_id = parley_app::access::confine(&principal, new.workspace_id)?;
    let created =
        parley_app::calls::create_call_within(state.store.as_ref(), new, &state.config.limits())
            .await?;
    Ok(Wire(NewCallResponse {
        request_id: request_id(),
        call_id: created.call_id.to_string(),
        url: state.render.call_url(created.call_id),
    })
    .into_response())
}

/// List call data by date or call ids, with the content you choose.
///
/// The extensive export: parties, CRM context, trackers, topics, highlights, interaction
/// stats, comments and media URLs, as `contentSelector` asks; 100 calls per page.
#[utoipa::path(
    post,
    path = "/v2/calls/extensive",
    operation_id = "get-calls-extensive",
    tag = "Calls",
    params(CursorQuery),
    request_body = ExtensiveRequest,
    responses(
        (status = 200, description = "A page of calls.", body = gong_api_v2::calls::ExtensiveResponse),
        (status = 404, description = "No calls match the filter.", body = gong_api_v2::ErrorBody),
    )
)]
async fn calls_extensive(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<CursorQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let req: ExtensiveRequest = parse_json(body, true)?;
    let level = req
        .content_selector
        .context_level()
        .map_err(ApiError::bad_request)?;
    let timings = req
        .content_selector
        .timings()
        .map_err(ApiError::bad_request)?;
    if req.content_selector.exposed_fields.media {
        parley_app::access::require_scope(&principal, Scope::CallsReadMediaUrl)?;
    }
    let filter = call_filter(&state, &principal, &req.filter).await?;
    let cursor = req.cursor.or(q.cursor);
    let p = call_page_start(&state, "calls-extensive", &filter, cursor.as_deref()).await?;
    let size = state.config.page_size;
    let mut versions = state
        .store
        .list_call_versions(&filter, p.after, size + 1)
        .await?;
    if versions.is_empty() {
        return Err(ApiError::no_calls());
    }

    // Calls this node rendered with the same selector at the same version come from
    // memory; the rest are read and rendered, a few at a time: a call's transcript (read
    // for speaker stats) can be megabytes, and a page of them read at once took gigabytes.
    let fields = &req.content_selector.exposed_fields;
    // Recording URLs signed now expire at one time for a while (a grid step): the
    // expiry is part of the shape, so cached renderings never hand out stale URLs.
    let media_expiry = fields
        .media
        .then(|| state.media_urls.expiry(chrono::Utc::now().timestamp()));
    let shape = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        format!("{fields:?}|{level:?}|{timings:?}|{media_expiry:?}").hash(&mut h);
        h.finish() | 1
    };
    // The page ends before the call that would take it past `request_memory_bytes` (a
    // call bigger than that is served alone); the cursor goes on from the last call
    // served. Calls served from the cache share its bytes, so they are counted but not
    // copied.
    let budget = state.config.request_memory_bytes;
    let mut calls = Vec::new();
    let mut bytes = 0usize;
    let mut taken = 0usize;
    let wanted = versions.len().min(size as usize);
    'page: for chunk in versions[..wanted].chunks(RENDER_CHUNK) {
        let lookup = state.calls.lookup(chunk, shape);
        let rendered = if lookup.missing.is_empty() {
            Vec::new()
        } else {
            render_extensive(
                state.store.as_ref(),
                &state.render,
                &lookup.missing,
                fields,
                level,
                &timings,
                media_expiry.map(|e| (state.media_urls.as_ref(), e)),
            )
            .await?
        };
        for json in state.calls.complete_aligned(lookup, chunk, shape, rendered) {
            let len = json.as_ref().map_or(0, Bytes::len);
            if taken > 0 && bytes.saturating_add(len) > budget {
                break 'page;
            }
            taken += 1;
            bytes += len;
            calls.extend(json);
        }
    }
    if taken < wanted {
        tracing::debug!(
            taken,
            wanted,
            bytes,
            budget,
            "extensive page cut by request_memory_bytes"
        );
    }
    versions.truncate(taken + 1);
    let (_, records) = state
        .cursors
        .page(versions, taken as u32, &p.start, p.total, |c| {
            vec![c.key.started_us, c.key.id]
        });
    Ok(raw_page(
        RawExtensiveResponse::frame(&request_id(), &records),
        calls,
    ))
}

/// A rendering as the bytes the call cache keeps and a page sends (no copy).
fn raw_bytes(json: Box<serde_json::value::RawValue>) -> Bytes {
    Bytes::from(Box::<str>::from(json).into_string())
}

/// Calls read and rendered together by `/v2/calls/extensive`.
const RENDER_CHUNK: usize = 10;

/// Reads and renders these calls for `/v2/calls/extensive` (and automation webhooks,
/// [`WebhookRenderer`]): `(call, version, json)`. Recording URLs are signed when `media`
/// gives the signer and expiry.
pub(crate) async fn render_extensive(
    store: &dyn parley_store::Store,
    render: &gong_api_v2::calls::RenderCtx,
    ids: &[CallId],
    fields: &gong_api_v2::calls::ExposedFields,
    level: ContextLevel,
    timings: &[&str],
    media: Option<(&crate::media_url::MediaSigner, i64)>,
) -> ApiResult<Vec<(CallId, i64, Bytes)>> {
    let calls = store.calls_with_versions(ids).await?;
    let media: HashMap<CallId, MediaUrls> = match media {
        Some((signer, expires)) => store
            .media_of(ids)
            .await?
            .into_iter()
            .map(|(id, m)| {
                let url = signer.url(id, &m.key, expires);
                let video = m.has_video.then(|| url.clone());
                (id, MediaUrls { audio: url, video })
            })
            .collect(),
        None => HashMap::new(),
    };
    let wants_talk = fields
        .interaction
        .is_some_and(|i| i.speakers || i.questions);
    let needs_parties = fields.parties || wants_talk;
    let mut parties = if needs_parties {
        store.parties_of(ids).await?
    } else {
        HashMap::new()
    };
    let mut context = if level != ContextLevel::None {
        store.call_context_of(ids).await?
    } else {
        HashMap::new()
    };
    if level == ContextLevel::Extended {
        // Generic links show what the workspace's CRM integration uploaded.
        let workspaces: HashMap<_, _> = calls.iter().map(|(c, _)| (c.id, c.workspace_id)).collect();
        parley_app::crm::resolve_context(store, &workspaces, &mut context, &mut parties).await?;
    }
    let wants_analysis = fields.content.is_some()
        || fields
            .interaction
            .is_some_and(|i| i.speakers || i.questions || i.person_interaction_stats);
    let analyses = if wants_analysis {
        parley_app::stored::analyses_of(store, ids).await?
    } else {
        HashMap::new()
    };
    // Talk time and questions of a call not analysed yet are summed by the store, a
    // monologue at a time: reading the transcripts for them held every sentence of the
    // chunk (a 5,000-sentence call is megabytes).
    let unanalysed: Vec<CallId> = if wants_talk {
        ids.iter()
            .filter(|id| !analyses.contains_key(id))
            .copied()
            .collect()
    } else {
        Vec::new()
    };
    let tallies = store.transcript_tallies(&unanalysed).await?;
    // The chunk's public comments in one read (a call holds at most
    // `max_comments_per_call` of at most `max_comment_chars` each).
    let mut comments = if fields.collaboration.is_some_and(|c| c.public_comments) {
        store.public_comments_of(ids).await?
    } else {
        HashMap::new()
    };
    calls
        .iter()
        .map(|(call, version)| {
            let call_parties = parties.remove(&call.id).unwrap_or_default();
            let call_context = context.remove(&call.id).unwrap_or_default();
            let call_comments = comments.remove(&call.id).unwrap_or_default();
            let facts = CallFacts {
                call,
                parties: &call_parties,
                context: &call_context,
                tally: tallies.get(&call.id),
                analysis: analyses.get(&call.id),
                media: media.get(&call.id),
                comments: &call_comments,
            };
            let json = fields
                .render(&facts, level, timings, render)
                .raw()
                .map_err(render_failed)?;
            Ok((call.id, *version, raw_bytes(json)))
        })
        .collect()
}

/// Sentences read at once when a transcript is written out, at most: with the rows
/// sqlx holds for them, about a megabyte of ordinary speech.
const SENTENCE_CHUNK: u32 = 2_000;
/// Bytes of sentence text read at once, about: long sentences make smaller chunks.
const SENTENCE_CHUNK_BYTES: i64 = 1 << 20;

/// About what a transcript takes in a response, from its stored size: its text plus each
/// sentence's and monologue's frame (text that JSON escapes takes more, which the
/// frames' margin covers for ordinary speech).
fn transcript_json_bytes(size: Option<&TranscriptSize>) -> usize {
    let s = size.copied().unwrap_or_default();
    let bytes = s.text_bytes + s.sentences * 48 + s.monologues * 96 + 64;
    usize::try_from(bytes).unwrap_or(usize::MAX)
}

/// Writes one call's transcript as JSON, read from the store a chunk of sentences at a
/// time: what it holds is its output and one chunk.
///
/// The chunks are separate reads, so a transcript replaced meanwhile could come out as
/// the old one's start and the new one's rest: the transcript's version is checked after
/// the read, and a moved one is read again (a few times, then the request fails with a
/// 503 rather than serve a mixture).
async fn transcript_json(
    state: &AppState,
    id: CallId,
    size: Option<&TranscriptSize>,
) -> ApiResult<Bytes> {
    let mut size = size.copied();
    for _ in 0..TRANSCRIPT_READS {
        let json = transcript_json_once(state, id, size.as_ref()).await?;
        let now = state.store.transcript_sizes(&[id]).await?.remove(&id);
        if now.map(|s| s.version) == size.map(|s| s.version) {
            return Ok(json);
        }
        tracing::debug!(call_id = %id, "transcript replaced while read; reading it again");
        size = now;
    }
    Err(ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        format!("the transcript of call {id} kept changing while it was read; try again"),
    ))
}

/// Reads of one transcript before [`transcript_json`] gives up on it.
const TRANSCRIPT_READS: usize = 3;

async fn transcript_json_once(
    state: &AppState,
    id: CallId,
    size: Option<&TranscriptSize>,
) -> ApiResult<Bytes> {
    let mut out = TranscriptJson::new(id, transcript_json_bytes(size));
    let Some(size) = size else {
        return Ok(Bytes::from(out.finish()));
    };
    // Sentences per chunk from the transcript's mean sentence length.
    let mean = (size.text_bytes / size.sentences.max(1)).max(1);
    let chunk = u32::try_from((SENTENCE_CHUNK_BYTES / mean).clamp(16, i64::from(SENTENCE_CHUNK)))
        .unwrap_or(SENTENCE_CHUNK);
    let mut after = None;
    loop {
        let sentences = state.store.transcript_sentences(id, after, chunk).await?;
        for s in &sentences {
            out.sentence_parts(
                s.key.monologue,
                s.speaker_id,
                s.topic.as_deref(),
                s.start_ms,
                s.end_ms,
                &s.text,
            )
            .map_err(render_failed)?;
        }
        if sentences.len() < chunk as usize {
            return Ok(Bytes::from(out.finish()));
        }
        after = sentences.last().map(|s| s.key);
    }
}

/// Get the transcripts of calls by date or call ids.
///
/// Each call's transcript as monologues of one speaker with timed sentences; pages of
/// calls.
#[utoipa::path(
    post,
    path = "/v2/calls/transcript",
    operation_id = "get-call-transcripts",
    tag = "Calls",
    params(CursorQuery),
    request_body = TranscriptRequest,
    responses(
        (status = 200, description = "A page of transcripts.", body = TranscriptResponse),
        (status = 404, description = "No calls match the filter.", body = gong_api_v2::ErrorBody),
    )
)]
async fn transcripts(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<CursorQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let req: TranscriptRequest = parse_json(body, true)?;
    let filter = call_filter(&state, &principal, &req.filter).await?;
    let cursor = req.cursor.or(q.cursor);
    let p = call_page_start(&state, "transcripts", &filter, cursor.as_deref()).await?;
    let size = state.config.page_size;
    let mut calls = state.store.list_calls(&filter, p.after, size + 1).await?;
    if calls.is_empty() {
        return Err(ApiError::no_calls());
    }
    // The page is planned from the transcripts' stored sizes before any is read: it
    // ends before the first call that would take it past `request_memory_bytes` (a call
    // bigger than that alone is served alone, so a cursor never stops at it), and the
    // cursor goes on from the last call served. Each transcript is then read a chunk of
    // sentences at a time and written straight to JSON.
    let budget = state.config.request_memory_bytes;
    let wanted = calls.len().min(size as usize);
    let ids: Vec<CallId> = calls[..wanted].iter().map(|c| c.id).collect();
    let sizes = state.store.transcript_sizes(&ids).await?;
    let mut planned = 0usize;
    let mut bytes = 0usize;
    for id in &ids {
        let next = transcript_json_bytes(sizes.get(id));
        if planned > 0 && bytes.saturating_add(next) > budget {
            break;
        }
        bytes = bytes.saturating_add(next);
        planned += 1;
    }
    if planned < wanted {
        tracing::debug!(
            planned,
            wanted,
            bytes,
            budget,
            "transcript page cut by request_memory_bytes"
        );
    }
    let mut call_transcripts = Vec::with_capacity(planned);
    for id in &ids[..planned] {
        call_transcripts.push(transcript_json(&state, *id, sizes.get(id)).await?);
    }
    calls.truncate(planned + 1);
    let (_, records) = state
        .cursors
        .page(calls, planned as u32, &p.start, p.total, |c| {
            let k = CallKey::of(c);
            vec![k.started_us, k.id]
        });
    Ok(raw_page(
        TranscriptResponse::frame(&request_id(), &records),
        call_transcripts,
    ))
}

/// Renders calls for automation webhooks exactly as `/v2/calls/extensive` does with
/// Extended context and every exposed field but the recording URLs.
pub struct WebhookRenderer {
    pub store: std::sync::Arc<dyn parley_store::Store>,
    pub render: std::sync::Arc<gong_api_v2::calls::RenderCtx>,
}

impl parley_app::webhooks::CallRenderer for WebhookRenderer {
    fn render(&self, call: CallId) -> parley_app::webhooks::Rendering<'_> {
        Box::pin(async move {
            // Choice: spec §18.1 recommends the whole extensive object without media URLs
            // (they are signed, expire, and would hand the recording to any receiver).
            let fields = gong_api_v2::calls::ExposedFields::all_but_media();
            let rendered = render_extensive(
                self.store.as_ref(),
                &self.render,
                &[call],
                &fields,
                ContextLevel::Extended,
                &["Now"],
                None,
            )
            .await
            .map_err(|e| format!("rendering call {call}: {}", e.errors.join("; ")))?;
            Ok(rendered
                .into_iter()
                .next()
                .map(|(_, _, json)| json.to_vec()))
        })
    }
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(
    modifiers(&EmptyBodies),
    paths(list_calls, get_call, create_call, calls_extensive, transcripts)
)]
pub struct Doc;

/// The bodies of the extensive export and the transcripts may be left out (read as `{}`).
struct EmptyBodies;

impl utoipa::Modify for EmptyBodies {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        super::optional_bodies(
            doc,
            &[
                ("post", "/v2/calls/extensive"),
                ("post", "/v2/calls/transcript"),
            ],
        );
    }
}

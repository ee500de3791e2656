//! `GET /parley/v1/calls/{id}/media`: a call's recording, where `media.audioUrl` and
//! `videoUrl` of `/v2/calls/extensive` point.
//!
//! The route is public (outside `require_key`) because a signed URL carries no
//! credentials: with `expires` and `signature` it checks them itself
//! ([`crate::media_url`]); without them it takes a Basic key, a Bearer token or a session
//! like any guarded route (operation `DownloadMedia`) and the caller's call access.
//! Single byte ranges are served (206, `Content-Range`; 416 past the end), straight from
//! the media store as a stream: a recording is never held in memory.
//!
//! Every request is rate-limited (`Limits::media_requests_per_minute`): per access key, or
//! per client address for a signed URL (checked before its signature, so guessing costs
//! the same), with a 429 in Gong's error body and `Retry-After`. Every download served is
//! in the audit log (`media-downloaded`, the call as target, the key or `MediaUrl` as
//! actor, the client address). Choice: one entry per download, not per range: a request
//! without `Range` (200) or whose range starts at byte 0 (206 `bytes 0-…`) starts a
//! download; a player's later ranges and seeks are parts of it and are not logged (a
//! stream of a one-hour call would otherwise be dozens of entries). The URL's query (its
//! signature) is never kept: it works as a credential until it expires.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use gong_api_v2::messages;
use parley_app::access::Operation;
use parley_domain::{Actor, AuditAction, AuditEntry, CallId, CallMedia, Outcome, RequestInfo};

use crate::error::{ApiError, ApiResult};
use crate::media_url::{content_type, range_of, RangeAsk, Refused};
use crate::AppState;

/// The route; public, see the module's comment.
pub fn public_routes() -> Router<AppState> {
    Router::new()
        .route(ROUTE, get(download))
        .route(SHARED_ROUTE, get(shared_media))
}

const ROUTE: &str = "/parley/v1/calls/{id}/media";
const SHARED_ROUTE: &str = "/parley/v1/shared/{token}/media";

#[derive(Debug, Default, Deserialize)]
struct Signed {
    expires: Option<String>,
    signature: Option<String>,
}

fn bad_signature() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "this media URL's signature is not valid",
    )
}

/// Download a call's recording (audio or video).
///
/// The recording's bytes, whole (200) or the one byte range asked for with `Range` (206;
/// 416 past the end). Authenticate with credentials like any route, or with nothing but
/// the `expires` and `signature` of a signed URL from `media.audioUrl`/`videoUrl` of
/// `POST /v2/calls/extensive`. Rate-limited per key or client address; every download is
/// audited.
#[utoipa::path(
    get,
    path = "/parley/v1/calls/{id}/media",
    operation_id = "download-call-media",
    tag = "Calls",
    security((), ("basicAuth" = []), ("bearerAuth" = [])),
    params(
        ("id" = String, Path, description = "The call's id."),
        ("expires" = Option<String>, Query, description = "A signed URL's expiry (Unix seconds)."),
        ("signature" = Option<String>, Query, description = "A signed URL's signature."),
        ("range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`."),
    ),
    responses(
        (status = 200, description = "The whole recording, as `audio/*` or `video/*` (its format's type).",
            content((super::Binary = "audio/*"), (super::Binary = "video/*"), (super::Binary = "application/octet-stream")),
            headers(("etag" = String), ("accept-ranges" = String), ("content-length" = String))),
        (status = 206, description = "The asked range of the recording.",
            content((super::Binary = "audio/*"), (super::Binary = "video/*"), (super::Binary = "application/octet-stream")),
            headers(("content-range" = String), ("etag" = String))),
        (status = 403, description = "The signed URL's signature is wrong or expired, or the caller may not download media.", body = gong_api_v2::ErrorBody),
        (status = 404, description = "No such call, the caller may not see it, or it has no recording.", body = gong_api_v2::ErrorBody),
        (status = 416, description = "The range starts past the end of the recording.", body = gong_api_v2::ErrorBody),
    )
)]
async fn download(State(state): State<AppState>, Path(id): Path<String>, req: Parts) -> Response {
    let ip = crate::audit::client_ip(&req.extensions, &req.headers, state.config.trust_proxy);
    let (media, actor) = match recording(&state, &id, &req, ip).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    // The path, never the query: a signed URL's signature is a credential.
    serve_audited(&state, &media, &req, actor, ip, ROUTE, req.uri.path()).await
}

/// The recording, with the audit entry of a download when the answer starts one;
/// `path` is what the entry keeps of the request.
async fn serve_audited(
    state: &AppState,
    media: &CallMedia,
    req: &Parts,
    actor: Actor,
    ip: Option<std::net::IpAddr>,
    route: &'static str,
    path: &str,
) -> Response {
    let resp = serve(state, media, &req.headers)
        .await
        .unwrap_or_else(IntoResponse::into_response);
    if starts_download(&resp) {
        state.audit.record(
            AuditEntry::new(
                chrono::Utc::now(),
                actor,
                AuditAction::MediaDownloaded,
                Outcome::Status(resp.status().as_u16()),
            )
            .from_ip(ip)
            .with_request(RequestInfo::new("GET", Some(route), path, Vec::new()))
            .on([media.call_id.to_string()]),
        );
    }
    resp
}

/// Whether an answer starts a download (see the module's comment): the whole recording,
/// or a range from byte 0.
fn starts_download(resp: &Response) -> bool {
    match resp.status() {
        StatusCode::OK => true,
        StatusCode::PARTIAL_CONTENT => resp
            .headers()
            .get(header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("bytes 0-")),
        _ => false,
    }
}

/// Takes one request from `who`'s media bucket; the 429 to send when it is empty (the
/// refusal is in the audit log's access log as throttled, like the per-key limits').
async fn take_media(
    state: &AppState,
    who: &str,
    actor: Actor,
    ip: Option<std::net::IpAddr>,
) -> Result<(), Response> {
    match state.media_limit.check(who).await {
        Ok(()) => Ok(()),
        Err(wait) => {
            state.audit.record(
                AuditEntry::new(
                    chrono::Utc::now(),
                    actor,
                    AuditAction::Throttled,
                    Outcome::Status(429),
                )
                .from_ip(ip),
            );
            Err(crate::auth::too_many(wait))
        }
    }
}

/// Takes one request from the client address's media bucket (requests that carry no
/// credentials: signed URLs, shared links).
pub(super) async fn take_by_address(
    state: &AppState,
    actor: Actor,
    ip: Option<std::net::IpAddr>,
) -> Result<(), Response> {
    let who = format!(
        "ip:{}",
        ip.map_or_else(|| "unknown".to_owned(), |a| a.to_string())
    );
    take_media(state, &who, actor, ip).await
}

/// Play the recording of a call shared outside the company.
///
/// No credentials: the link's token is one. The recording whole (200) or the one byte
/// range asked for (206; 416 past the end), as `GET /parley/v1/calls/{id}/media` serves
/// it; not counted as a view of the link (a player asks for many ranges). Rate-limited per
/// client address; every download is audited, under the route (the token is never kept).
#[utoipa::path(
    get,
    path = "/parley/v1/shared/{token}/media",
    operation_id = "download-shared-call-media",
    tag = "Calls",
    security(()),
    params(
        ("token" = String, Path, description = "The token of the link (`/shared/{token}`)."),
        ("range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`."),
    ),
    responses(
        (status = 200, description = "The whole recording, as `audio/*` or `video/*` (its format's type).",
            content((super::Binary = "audio/*"), (super::Binary = "video/*"), (super::Binary = "application/octet-stream")),
            headers(("etag" = String), ("accept-ranges" = String), ("content-length" = String))),
        (status = 206, description = "The asked range of the recording.",
            content((super::Binary = "audio/*"), (super::Binary = "video/*"), (super::Binary = "application/octet-stream")),
            headers(("content-range" = String), ("etag" = String))),
        (status = 404, description = "The link has expired, was revoked or does not exist, or the call has no recording.", body = gong_api_v2::ErrorBody),
        (status = 416, description = "The range starts past the end of the recording.", body = gong_api_v2::ErrorBody),
        (status = 429, description = "Too many requests from this address.", body = gong_api_v2::ErrorBody),
    )
)]
async fn shared_media(
    State(state): State<AppState>,
    Path(token): Path<String>,
    req: Parts,
) -> Response {
    let ip = crate::audit::client_ip(&req.extensions, &req.headers, state.config.trust_proxy);
    if let Err(answer) = take_by_address(&state, Actor::MediaUrl, ip).await {
        return answer;
    }
    let media = match shared_recording(&state, &token).await {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    // The route, never the path: the token is a credential.
    serve_audited(
        &state,
        &media,
        &req,
        Actor::MediaUrl,
        ip,
        SHARED_ROUTE,
        SHARED_ROUTE,
    )
    .await
}

/// The recording of the call an open link shares.
async fn shared_recording(state: &AppState, token: &str) -> ApiResult<CallMedia> {
    let share = parley_app::shares::open(state.store.as_ref(), token, chrono::Utc::now(), false)
        .await?
        .ok_or_else(super::shares::link_closed)?;
    state
        .store
        .call_media(share.call_id)
        .await?
        .ok_or_else(|| ApiError::not_found("the shared call has no recording"))
}

/// The error answer of an [`ApiError`] (or anything that becomes one).
fn answer(e: impl Into<ApiError>) -> Response {
    e.into().into_response()
}

/// The recording the request may fetch and who fetches it, or the answer to send instead.
async fn recording(
    state: &AppState,
    id: &str,
    req: &Parts,
    ip: Option<std::net::IpAddr>,
) -> Result<(CallMedia, Actor), Response> {
    let signed = Query::<Signed>::try_from_uri(&req.uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    let call_id = parley_domain::parse_id(id).ok().map(CallId);
    if signed.expires.is_some() || signed.signature.is_some() {
        take_by_address(state, Actor::MediaUrl, ip).await?;
        // Whether the call or its recording exists is not told to a wrong signature.
        let (Some(call_id), Some(expires), Some(signature)) = (
            call_id,
            signed
                .expires
                .as_deref()
                .and_then(|e| e.parse::<i64>().ok()),
            signed.signature.as_deref(),
        ) else {
            return Err(answer(bad_signature()));
        };
        let media = state
            .store
            .call_media(call_id)
            .await
            .map_err(answer)?
            .ok_or_else(|| answer(bad_signature()))?;
        let now = chrono::Utc::now().timestamp();
        match state
            .media_urls
            .check(call_id, &media.key, expires, signature, now)
        {
            Ok(()) => Ok((media, Actor::MediaUrl)),
            Err(Refused::BadSignature) => Err(answer(bad_signature())),
            Err(Refused::Expired) => Err(answer(ApiError::new(
                StatusCode::FORBIDDEN,
                "this media URL has expired: ask /v2/calls/extensive for a new one",
            ))),
        }
    } else {
        let (principal, access_key) = crate::auth::authorize_request(
            state,
            &req.extensions,
            &req.headers,
            &req.method,
            Operation::DownloadMedia,
        )
        .await?;
        let actor = Actor::ApiKey {
            access_key: access_key.clone(),
            user_id: principal.user,
        };
        take_media(state, &format!("key:{access_key}"), actor.clone(), ip).await?;
        let not_found = || answer(ApiError::not_found(messages::call_not_found(id)));
        let call_id = call_id.ok_or_else(not_found)?;
        let call = state
            .store
            .get_call(call_id)
            .await
            .map_err(answer)?
            .ok_or_else(not_found)?;
        if !parley_app::access::may_see_call(state.store.as_ref(), &principal, &call)
            .await
            .map_err(answer)?
        {
            return Err(not_found());
        }
        state
            .store
            .call_media(call_id)
            .await
            .map_err(answer)?
            .ok_or_else(|| answer(ApiError::not_found(format!("call {id} has no recording"))))
            .map(|media| (media, actor))
    }
}

/// The recording, whole or the one range asked for.
async fn serve(state: &AppState, media: &CallMedia, headers: &HeaderMap) -> ApiResult<Response> {
    let size = media.size_bytes;
    let etag = format!("\"{}\"", media.sha256);
    // A range against another version of the file (If-Range with another tag) gets
    // the whole file, as RFC 9110 §13.1.5 says.
    let if_range_differs = headers
        .get(header::IF_RANGE)
        .is_some_and(|v| v.as_bytes() != etag.as_bytes());
    let asked = if if_range_differs {
        RangeAsk::Whole
    } else {
        range_of(
            headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
            size,
        )
    };
    let (status, range) = match asked {
        RangeAsk::Whole => (StatusCode::OK, None),
        RangeAsk::Part(r) => (StatusCode::PARTIAL_CONTENT, Some(r)),
        RangeAsk::Unsatisfiable => {
            let mut resp = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                format!("the range asked for is not within the recording's {size} bytes"),
            )
            .into_response();
            resp.headers_mut().insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes */{size}")),
            );
            return Ok(resp);
        }
    };
    let length = range.as_ref().map_or(size, |r| r.end - r.start);
    let body = if length == 0 {
        Body::empty()
    } else {
        let stream = state
            .blobs
            .get_range_stream(&media.key, range.clone())
            .await
            .map_err(|e| {
                tracing::error!(call_id = %media.call_id, key = %media.key, error = %e, "reading a recording failed");
                match e {
                    parley_blob::BlobError::NotFound(_) => ApiError::not_found(format!(
                        "the recording of call {} is missing from the media store",
                        media.call_id
                    )),
                    _ => ApiError::internal(),
                }
            })?;
        Body::from_stream(stream)
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header_value(&content_type(
            &media.container,
            media.has_video,
            media.content_type.as_deref(),
        )),
    );
    h.insert(header::CONTENT_LENGTH, header_value(&length.to_string()));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::ETAG, header_value(&etag));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    if let Some(r) = range {
        h.insert(
            header::CONTENT_RANGE,
            header_value(&format!("bytes {}-{}/{size}", r.start, r.end - 1)),
        );
    }
    Ok(resp)
}

/// A header value from text Parley made (digits, hex, MIME types): always valid.
fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(download, shared_media))]
pub struct Doc;

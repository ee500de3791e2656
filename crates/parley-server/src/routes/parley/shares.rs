//! Sharing a call outside the company (`parley_app::shares`).
//!
//! - `/parley/v1/calls/{id}/shares`: make a link (its URL answered once) and list the
//!   call's links; `/parley/v1/calls/{id}/shares/{share}`: revoke one.
//! - `/parley/v1/shared/{token}`: what the link opens, for anyone holding it — public
//!   (outside `require_key`): the token is the credential. Unknown, expired and revoked
//!   links are one 404. Rate-limited per client address with the recordings
//!   (`media_requests_per_minute`), so guessing costs what fetching does. Its recording is
//!   served by `media::shared_media`.
//!
//! The token appears in no log: the request log prints these paths with it cut out
//! ([`loggable_path`]), and the audit log keeps the route, not the path.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::Extension;
use axum::Router;
use serde::{Deserialize, Serialize};

use parley_app::shares::{share_not_found, NewShare};
use parley_domain::share::{CallShare, ShareBounds, ShareId};
use parley_domain::{Actor, Principal};

use super::transcripts::{monologue_views, MonologueView};
use crate::error::{json_response, request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{call_named, parse_json};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/parley/v1/calls/{id}/shares",
            get(list_shares).post(create_share),
        )
        .route("/parley/v1/calls/{id}/shares/{share}", delete(revoke_share))
}

/// The routes a link's holder uses; public, see the module's comment.
pub fn public_routes() -> Router<AppState> {
    Router::new().route(SHARED_ROUTE, get(shared_call))
}

const SHARED_ROUTE: &str = "/parley/v1/shared/{token}";

/// Where the link's page is, under `public_url`.
const PAGE_PREFIX: &str = "/shared/";

/// `path` as the request log may print it: a shared link's token cut out.
pub(crate) fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in ["/parley/v1/shared/", PAGE_PREFIX] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}…{tail}").into();
        }
    }
    path.into()
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ShareBody {
    /// Days the link stays open: 1 to `max_share_days` (365 unless configured); 30 when
    /// absent.
    #[schema(minimum = 1, maximum = 365)]
    expires_in_days: Option<i64>,
    /// Who it is for (a note for the list of links, at most 254 characters); whoever
    /// holds the link opens it.
    #[schema(max_length = 254)]
    recipient: Option<String>,
}

/// A link to a call for someone outside the company.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CallShare)]
struct ShareView {
    id: String,
    call_id: String,
    recipient: Option<String>,
    /// The user who made it.
    created_by: String,
    created: String,
    expires: String,
    revoked: Option<String>,
    /// Times the shared page was opened.
    views: u32,
    last_viewed: Option<String>,
}

impl ShareView {
    fn of(state: &AppState, s: &CallShare) -> ShareView {
        ShareView {
            id: s.id.to_string(),
            call_id: s.call_id.to_string(),
            recipient: s.recipient.clone(),
            created_by: s.created_by.to_string(),
            created: state.render.time(s.created),
            expires: state.render.time(s.expires),
            revoked: s.revoked.map(|t| state.render.time(t)),
            views: s.views,
            last_viewed: s.last_viewed.map(|t| state.render.time(t)),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct CallShareCreated {
    request_id: String,
    share: ShareView,
    /// The link to give the recipient: `{public_url}/shared/{token}`. Answered only
    /// here; Parley keeps a hash of it.
    url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct CallShares {
    request_id: String,
    /// Newest first, open, expired and revoked.
    shares: Vec<ShareView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct CallShareRevoked {
    request_id: String,
    share: ShareView,
}

/// A voice of a shared call: a name (or `Speaker N`) and a side, never an address.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SharedSpeakerView {
    speaker_id: String,
    name: String,
    #[schema(pattern = "^(Internal|External|Unknown)$")]
    affiliation: &'static str,
}

/// What a shared link opens.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SharedCall {
    request_id: String,
    title: String,
    started: String,
    /// Seconds.
    duration: i64,
    /// When the link stops opening.
    expires: String,
    speakers: Vec<SharedSpeakerView>,
    /// Empty while the call has no transcript.
    transcript: Vec<MonologueView>,
    /// The recording (`/parley/v1/shared/{token}/media`), or null without one.
    media_url: Option<String>,
}

fn bounds(state: &AppState) -> ShareBounds {
    ShareBounds {
        max_days: state.config.max_share_days,
        max_per_call: state.config.max_shares_per_call,
    }
}

/// Share a call outside the company.
///
/// Makes a link whose holder reads the call's transcript and plays its recording without
/// an account, until it expires (`expiresInDays`, 30 by default) or is revoked. The URL
/// is in this answer only. Counts as the maker sharing the call externally in the
/// activity stats.
#[utoipa::path(
    post,
    path = "/parley/v1/calls/{id}/shares",
    operation_id = "share-call",
    tag = "Calls",
    params(("id" = String, Path, description = "The call's id.")),
    request_body = ShareBody,
    responses(
        (status = 201, description = "The link was made.", body = CallShareCreated),
        (status = 400, description = "A bad expiry or recipient, the call's links at their bound, or a key acting for no user.", body = gong_api_v2::ErrorBody),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn create_share(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let b: ShareBody = parse_json(body, true)?;
    let call = call_named(&state, &id).await?;
    let made = parley_app::shares::create(
        state.store.as_ref(),
        &principal,
        &call,
        NewShare {
            expires_in_days: b.expires_in_days,
            recipient: b.recipient,
        },
        bounds(&state),
        chrono::Utc::now(),
    )
    .await?;
    let url = format!(
        "{}{PAGE_PREFIX}{}",
        state.config.public_url.trim_end_matches('/'),
        made.token
    );
    Ok(json_response(
        StatusCode::CREATED,
        &CallShareCreated {
            request_id: request_id(),
            share: ShareView::of(&state, &made.share),
            url,
        },
    ))
}

/// List a call's links shared outside the company.
///
/// Every link of the call, newest first: who made it and for whom, when it expires or was
/// revoked, and how often it was opened. The links themselves are never shown again.
#[utoipa::path(
    get,
    path = "/parley/v1/calls/{id}/shares",
    operation_id = "list-call-shares",
    tag = "Calls",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 200, description = "The links.", body = CallShares),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn list_shares(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call = call_named(&state, &id).await?;
    let shares = parley_app::shares::list(state.store.as_ref(), &principal, &call).await?;
    Ok(Wire(CallShares {
        request_id: request_id(),
        shares: shares.iter().map(|s| ShareView::of(&state, s)).collect(),
    })
    .into_response())
}

/// Revoke a link to a call.
///
/// The link stops opening at once (its page and its recording); it stays in the call's
/// list as revoked. Its maker or an admin may revoke it.
#[utoipa::path(
    delete,
    path = "/parley/v1/calls/{id}/shares/{share}",
    operation_id = "revoke-call-share",
    tag = "Calls",
    params(
        ("id" = String, Path, description = "The call's id."),
        ("share" = String, Path, description = "The link's id."),
    ),
    responses(
        (status = 200, description = "The link, revoked.", body = CallShareRevoked),
        (status = 403, description = "The caller neither made the link nor is an admin.", body = gong_api_v2::ErrorBody),
        (status = 404, description = "No such call or link, or the caller may not see the call.", body = gong_api_v2::ErrorBody),
    )
)]
async fn revoke_share(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, share)): Path<(String, String)>,
) -> ApiResult<Response> {
    let call = call_named(&state, &id).await?;
    let share_id = parley_domain::parse_id(&share)
        .map(ShareId)
        .map_err(|_| ApiError::not_found(share_not_found(&share)))?;
    let revoked = parley_app::shares::revoke(
        state.store.as_ref(),
        &principal,
        &call,
        share_id,
        chrono::Utc::now(),
    )
    .await?;
    Ok(Wire(CallShareRevoked {
        request_id: request_id(),
        share: ShareView::of(&state, &revoked),
    })
    .into_response())
}

/// The one answer to a link that does not open.
pub(crate) fn link_closed() -> ApiError {
    ApiError::not_found("this link has expired, was revoked, or does not exist")
}

/// Open a call shared outside the company.
///
/// No credentials: the link's token is one. The call's title, start, duration, speakers
/// (names and sides), transcript with word timings and where its recording is. Counts a
/// view of the link. Rate-limited per client address.
#[utoipa::path(
    get,
    path = "/parley/v1/shared/{token}",
    operation_id = "open-shared-call",
    tag = "Calls",
    security(()),
    params(("token" = String, Path, description = "The token of the link (`/shared/{token}`).")),
    responses(
        (status = 200, description = "The shared call.", body = SharedCall),
        (status = 404, description = "The link has expired, was revoked, or does not exist.", body = gong_api_v2::ErrorBody),
        (status = 429, description = "Too many requests from this address.", body = gong_api_v2::ErrorBody),
    )
)]
async fn shared_call(
    State(state): State<AppState>,
    Path(token): Path<String>,
    req: Parts,
) -> Response {
    let ip = crate::audit::client_ip(&req.extensions, &req.headers, state.config.trust_proxy);
    if let Err(answer) = super::media::take_by_address(&state, Actor::MediaUrl, ip).await {
        return answer;
    }
    match open(&state, &token).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn open(state: &AppState, token: &str) -> ApiResult<Response> {
    let shared = parley_app::shares::shared_call(state.store.as_ref(), token, chrono::Utc::now())
        .await?
        .ok_or_else(link_closed)?;
    let call = &shared.call;
    Ok(Wire(SharedCall {
        request_id: request_id(),
        title: call.title.clone(),
        started: state.render.time(call.started),
        duration: call.duration_s,
        expires: state.render.time(shared.share.expires),
        speakers: shared
            .speakers
            .iter()
            .map(|s| SharedSpeakerView {
                speaker_id: s.speaker_id.to_string(),
                name: s.name.clone(),
                affiliation: gong_api_v2::calls::affiliation_str(s.affiliation),
            })
            .collect(),
        transcript: shared.transcript.map(monologue_views).unwrap_or_default(),
        media_url: shared
            .has_recording
            .then(|| format!("/parley/v1/shared/{token}/media")),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(create_share, list_shares, revoke_share, shared_call))]
pub struct Doc;

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn a_shared_token_never_reaches_the_request_log() {
        let t = "ab".repeat(32);
        assert_eq!(
            loggable_path(&format!("/parley/v1/shared/{t}/media")),
            "/parley/v1/shared/…/media"
        );
        assert_eq!(
            loggable_path(&format!("/parley/v1/shared/{t}")),
            "/parley/v1/shared/…"
        );
        assert_eq!(loggable_path(&format!("/shared/{t}")), "/shared/…");
        assert_eq!(loggable_path("/v2/calls"), "/v2/calls");
    }
}

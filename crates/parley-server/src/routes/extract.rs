//! What the route modules share: body and query extraction with Gong's 400s, the
//! call a path names, and the answer for a queued job.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use gong_api_v2::time;
use parley_domain::{CallId, Principal, Workspace};

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::routes::parley::jobs::{JobView, Jobs};
use crate::AppState;

/// Decodes a JSON body; `allow_empty` reads an empty body as `{}`.
pub fn parse_json<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    allow_empty: bool,
) -> ApiResult<T> {
    let body = body.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(e) if is_body_timeout(&e) => body_timeout(),
        BytesRejection::FailedToBufferBody(_) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body is too large or could not be read",
        ),
        other => ApiError::bad_request(format!("request body could not be read: {other}")),
    })?;
    let bytes: &[u8] = if allow_empty && body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &body
    };
    gong_api_v2::from_json(bytes).map_err(ApiError::bad_request)
}

/// Whether reading a body failed because the client stopped sending it
/// (`body_read_timeout_secs`, tower-http's body timeout).
pub(crate) fn is_body_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(e) = cur {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cur = e.source();
    }
    false
}

/// The answer to a body the client stopped sending.
pub(crate) fn body_timeout() -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "request body stalled: no bytes received for body_read_timeout_secs",
    )
}

pub(crate) fn query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(v)| v)
        .map_err(|e| ApiError::bad_request(format!("invalid query string: {}", e.body_text())))
}

/// Cursor given in the query string of a POST (Airbyte sends it there for transcripts).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CursorQuery {
    /// The `records.cursor` of the previous page (the body's `cursor` wins).
    pub cursor: Option<String>,
}

/// A job queued by a request, as the answer to it.
pub(crate) fn job_reply(status: StatusCode, job: &parley_domain::Job) -> Response {
    json_response(
        status,
        &Jobs {
            request_id: request_id(),
            jobs: vec![JobView::of(job)],
        },
    )
}

/// The workspace a request names, or the default one (a bound key's own, or the one a
/// permission profile confines the request to); an unknown id is Gong's 404, another
/// workspace than a bound key's a 403.
pub(crate) async fn workspace_of(
    state: &AppState,
    principal: &Principal,
    id: Option<&str>,
) -> ApiResult<Workspace> {
    // Naming none: the one workspace the principal is confined to, if it is.
    let w = match id {
        Some(id) => Some(id.to_owned()),
        None => parley_app::access::confine(principal, None)?.map(|w| w.to_string()),
    };
    let w =
        parley_app::workspaces::workspace_or_default(state.store.as_ref(), w.as_deref()).await?;
    parley_app::access::confine(principal, Some(w.id))?;
    Ok(w)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkspaceQuery {
    pub workspace_id: Option<String>,
}

pub(crate) fn call_id_of(id: &str) -> ApiResult<CallId> {
    parley_domain::parse_id(id)
        .map(CallId)
        .map_err(|_| ApiError::not_found(gong_api_v2::messages::call_not_found(id)))
}

/// The call a path names, or Gong's 404 when there is none (whether the caller may see it
/// is the use case's to check).
pub(crate) async fn call_named(state: &AppState, id: &str) -> ApiResult<parley_domain::Call> {
    state
        .store
        .get_call(call_id_of(id)?)
        .await?
        .ok_or_else(|| ApiError::not_found(gong_api_v2::messages::call_not_found(id)))
}

/// The call's id, or Gong's 404 when there is no such call (or it is in a workspace
/// the caller's key does not reach).
pub(crate) async fn existing_call(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> ApiResult<CallId> {
    let call_id = call_id_of(id)?;
    let not_found = || gong_api_v2::messages::call_not_found(id);
    let call = state
        .store
        .get_call(call_id)
        .await?
        .ok_or_else(|| ApiError::not_found(not_found()))?;
    if !parley_app::access::may_see_call(state.store.as_ref(), principal, &call).await? {
        return Err(ApiError::not_found(not_found()));
    }
    Ok(call_id)
}

/// Parses an optional request date-time; a bad one is a 400 naming the field.
/// An id list of a filter, sorted with duplicates dropped (so a list that names one id
/// 90,000 times costs one lookup), or a 400 when more ids remain than `max_filter_ids`.
pub(crate) fn filter_ids(
    state: &AppState,
    name: &str,
    ids: impl Iterator<Item = i64>,
) -> ApiResult<Vec<i64>> {
    let ids: std::collections::BTreeSet<i64> = ids.collect();
    let max = state.config.max_filter_ids;
    if ids.len() > max {
        return Err(ApiError::bad_request(format!(
            "{name} has {} distinct ids, more than the {max} allowed (max_filter_ids)",
            ids.len()
        )));
    }
    Ok(ids.into_iter().collect())
}

pub(crate) fn optional_datetime(
    state: &AppState,
    name: &str,
    value: &Option<String>,
) -> ApiResult<Option<parley_domain::Timestamp>> {
    value
        .as_deref()
        .map(|s| {
            time::parse_datetime(s, state.config.timezone)
                .map_err(|e| ApiError::bad_request(format!("{name}: {e}")))
        })
        .transpose()
}

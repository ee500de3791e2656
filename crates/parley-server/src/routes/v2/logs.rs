//! `GET /v2/logs`: the audit log in Gong's shape (reference §15).
//!
//! `AccessLog` is key use, refused credentials and sign-ins; `UserActivityLog` is every
//! write, through the API or the CLI. Parley keeps no log of call plays or of calls
//! shared outside the company, so `UserCallPlay`, `ExternallySharedCallAccess` and
//! `ExternallySharedCallPlay` answer like an empty log: Gong's documented 404
//! "No logs found" (Choice: clients that page until a 404 stop cleanly either way).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use gong_api_v2::logs::{LogEntryWire, LogType, LogsQuery, LogsResponse};
use gong_api_v2::messages;
use parley_store::{AuditFilter, AuditKey};

use crate::cursor::FilterKey;
use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{optional_datetime, query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v2/logs", get(list_logs))
}

/// Read the audit log: API key use, sign-ins and changes made by users.
///
/// Entries of one `logType` from `fromDateTime` (required) to `toDateTime`, oldest
/// first, in pages; follow `records.cursor`. `AccessLog` is key use, refused
/// credentials and sign-ins; `UserActivityLog` every write. Parley keeps no call-play or
/// external-sharing logs: those types, like a range with no entries, answer 404.
#[utoipa::path(
    get,
    path = "/v2/logs",
    operation_id = "list-logs",
    tag = "Logs",
    params(LogsQuery),
    responses(
        (status = 200, description = "A page of log entries.", body = LogsResponse),
        (status = 404, description = "No logs found.", body = gong_api_v2::ErrorBody),
    )
)]
async fn list_logs(
    State(state): State<AppState>,
    q: Result<Query<LogsQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let log_type = match q.log_type.as_deref().map(str::trim) {
        None | Some("") => {
            return Err(ApiError::bad_request(
                "logType is required: AccessLog, UserActivityLog, UserCallPlay, \
                 ExternallySharedCallAccess or ExternallySharedCallPlay",
            ))
        }
        Some(name) => LogType::parse(name).map_err(ApiError::bad_request)?,
    };
    let from = optional_datetime(&state, "fromDateTime", &q.from_date_time)?
        .ok_or_else(|| ApiError::bad_request("fromDateTime is required"))?;
    let to = optional_datetime(&state, "toDateTime", &q.to_date_time)?;
    if to.is_some_and(|to| to < from) {
        return Err(ApiError::bad_request("toDateTime is before fromDateTime"));
    }
    let Some(log) = log_type.log() else {
        return Err(ApiError::not_found(messages::NO_LOGS_FOUND));
    };
    let filter = AuditFilter {
        log: Some(log),
        from: Some(from),
        to,
        newest_first: false,
    };
    let digest = FilterKey::new()
        .field("logType", log_type.name())
        .field("from", from.timestamp_micros())
        .field("to", to.map(|t| t.timestamp_micros()))
        .digest();
    let start = state.cursors.start(q.cursor.as_deref(), "logs", &digest)?;
    let after = match start.after.as_deref() {
        None => None,
        Some(&[at_us, id]) => Some(AuditKey { at_us, id }),
        Some(_) => return Err(ApiError::bad_request("cursor is invalid")),
    };
    // What this node recorded and has not written yet (this client's own requests among
    // it) is written first, so a client sees what it just did.
    state.audit.flush().await;
    let total = match start.total {
        Some(t) => t,
        None => state.store.count_audit(&filter).await?,
    };
    let size = state.config.page_size;
    let page = parley_app::audit::list(state.store.as_ref(), &filter, after, size + 1).await?;
    if page.records.is_empty() {
        return Err(ApiError::not_found(messages::NO_LOGS_FOUND));
    }
    let (records, paging) = state.cursors.page(page.records, size, &start, total, |r| {
        vec![r.entry.at.timestamp_micros(), r.id]
    });
    let log_entries = records
        .iter()
        .map(|r| {
            let user = r.entry.actor.user_id().and_then(|id| page.users.get(&id));
            LogEntryWire::from_domain(r, user, &state.render)
        })
        .collect();
    Ok(Wire(LogsResponse {
        request_id: request_id(),
        records: paging,
        log_entries,
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_logs))]
pub struct Doc;

//! `/parley/v1/data-privacy/erasures`: erase reports (what was found, what was deleted,
//! when, by whom), and erasing with a dry run — the report of what an erase would do,
//! with nothing deleted.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};

use gong_api_v2::privacy::{EraseBody, ErasureView};
use parley_domain::privacy::Erasure;
use parley_domain::Principal;

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::routes::extract::{parse_json, query};
use crate::routes::v2::privacy::{email_subject, phone_subject};
use crate::AppState;

/// Most erasures one listing shows.
const MAX_LISTED: u32 = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/parley/v1/data-privacy/erasures",
            get(list_erasures).post(erase),
        )
        .route("/parley/v1/data-privacy/erasures/{id}", get(one_erasure))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Erasures {
    request_id: String,
    erasures: Vec<ErasureView>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct EraseQuery {
    /// `true`: only report what an erase would delete (as `dryRun` in the body).
    #[param(pattern = "^(true|false|1|0)$")]
    dry_run: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// How many erasures, newest first: 1 to 500 (100 when absent).
    #[param(pattern = "^([1-9][0-9]?|[1-4][0-9]{2}|500)$")]
    limit: Option<String>,
}

fn reply(status: StatusCode, e: Erasure) -> Response {
    json_response(
        status,
        &Erasures {
            request_id: request_id(),
            erasures: vec![ErasureView::of(e)],
        },
    )
}

/// Erase everything Parley holds about an email address or phone number.
///
/// GDPR/CCPA erasure: calls, transcripts, recordings, emails, engagement and CRM data of
/// the person. The body is `{"emailAddress" | "phoneNumber", "dryRun"}` (`?dryRun=true`
/// also works). With `dryRun` it deletes nothing and answers (200) the report of what it
/// would delete; otherwise it queues the erasure (202) and answers it.
#[utoipa::path(
    post,
    path = "/parley/v1/data-privacy/erasures",
    operation_id = "create-erasure",
    tag = "Data privacy",
    params(EraseQuery),
    request_body = EraseBody,
    responses(
        (status = 200, description = "The dry run's report; nothing was deleted.", body = Erasures),
        (status = 202, description = "The erasure was queued.", body = Erasures),
    )
)]
async fn erase(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<EraseQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let b: EraseBody = parse_json(body, false)?;
    let dry_run = match q.dry_run.as_deref() {
        None => b.dry_run,
        Some("true" | "1") => true,
        Some("false" | "0") => b.dry_run,
        Some(_) => return Err(ApiError::bad_request("dryRun must be true or false")),
    };
    let subject = match (&b.email_address, &b.phone_number) {
        (Some(e), None) => email_subject(Some(e))?,
        (None, Some(p)) => phone_subject(Some(p))?,
        _ => {
            return Err(ApiError::bad_request(
                "give exactly one of emailAddress and phoneNumber",
            ))
        }
    };
    let store = state.store.as_ref();
    if dry_run {
        let e = parley_app::privacy::dry_run(store, &subject, &principal).await?;
        Ok(reply(StatusCode::OK, e))
    } else {
        let e = parley_app::privacy::request_erase(store, &subject, &principal).await?;
        Ok(reply(StatusCode::ACCEPTED, e))
    }
}

/// List data-privacy erasures, newest first.
///
/// Each erasure's masked subject, state, who asked, when, and its report of what was
/// found and deleted.
#[utoipa::path(
    get,
    path = "/parley/v1/data-privacy/erasures",
    operation_id = "list-erasures",
    tag = "Data privacy",
    params(ListQuery),
    responses((status = 200, description = "The erasures.", body = Erasures))
)]
async fn list_erasures(
    State(state): State<AppState>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let limit = match q.limit.as_deref() {
        None => 100,
        Some(l) => match l.parse::<u32>() {
            Ok(n) if (1..=MAX_LISTED).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "limit must be a number from 1 to {MAX_LISTED}"
                )))
            }
        },
    };
    let list = state.store.list_erasures(limit).await?;
    Ok(json_response(
        StatusCode::OK,
        &Erasures {
            request_id: request_id(),
            erasures: list.into_iter().map(ErasureView::of).collect(),
        },
    ))
}

/// Get one data-privacy erasure and its report.
///
/// Its state and what was found and deleted (an erasure is queued, then runs).
#[utoipa::path(
    get,
    path = "/parley/v1/data-privacy/erasures/{id}",
    operation_id = "get-erasure",
    tag = "Data privacy",
    params(("id" = String, Path, description = "The erasure's id.")),
    responses(
        (status = 200, description = "The erasure (the one item of `erasures`).", body = Erasures),
        (status = 404, description = "No such erasure.", body = gong_api_v2::ErrorBody),
    )
)]
async fn one_erasure(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let missing = || ApiError::not_found(format!("erasure {id} was not found"));
    let n: i64 = id.parse().map_err(|_| missing())?;
    let e = state.store.get_erasure(n).await?.ok_or_else(missing)?;
    Ok(reply(StatusCode::OK, e))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_erasures, erase, one_erasure))]
pub struct Doc;

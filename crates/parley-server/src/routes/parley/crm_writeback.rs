//! CRM write-back: `/parley/v1/crm/connectors` (a workspace's connectors to Salesforce,
//! HubSpot or its own generic CRM objects; admins only, secrets never shown) and
//! `/parley/v1/calls/{id}/crm-writes` (a call's CRM writes, and running a CRM field
//! action against it by hand).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use serde::Serialize;

use gong_api_v2::crm_writeback::{ConnectorBody, ConnectorView, CrmActionBody, CrmWriteView};
use parley_app::crm_connectors::Shown;
use parley_domain::Principal;

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::routes::extract::{call_id_of, parse_json};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/parley/v1/crm/connectors",
            get(list_connectors).post(create_connector),
        )
        .route(
            "/parley/v1/crm/connectors/{id}",
            get(get_connector)
                .put(update_connector)
                .delete(delete_connector),
        )
        .route(
            "/parley/v1/calls/{id}/crm-writes",
            get(list_writes).post(run_action),
        )
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Connectors {
    request_id: String,
    connectors: Vec<ConnectorView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OneConnector {
    request_id: String,
    connector: ConnectorView,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Writes {
    request_id: String,
    writes: Vec<CrmWriteView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OneWrite {
    request_id: String,
    write: CrmWriteView,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Done {
    request_id: String,
}

fn view(s: &Shown) -> ConnectorView {
    ConnectorView::of(&s.connector, &s.held)
}

fn one(status: StatusCode, s: &Shown) -> Response {
    json_response(
        status,
        &OneConnector {
            request_id: request_id(),
            connector: view(s),
        },
    )
}

async fn list_connectors(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> ApiResult<Response> {
    let list = parley_app::crm_connectors::list(state.store.as_ref(), &principal).await?;
    Ok(json_response(
        StatusCode::OK,
        &Connectors {
            request_id: request_id(),
            connectors: list.iter().map(view).collect(),
        },
    ))
}

async fn create_connector(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body: ConnectorBody = parse_json(body, false)?;
    let shown =
        parley_app::crm_connectors::create(state.store.as_ref(), &principal, &body.into_domain())
            .await?;
    Ok(one(StatusCode::CREATED, &shown))
}

async fn get_connector(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let store = state.store.as_ref();
    let c = parley_app::crm_connectors::get(store, &principal, &id).await?;
    let shown = parley_app::crm_connectors::view(store, &c).await?;
    Ok(one(StatusCode::OK, &shown))
}

async fn update_connector(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body: ConnectorBody = parse_json(body, false)?;
    let shown = parley_app::crm_connectors::update(
        state.store.as_ref(),
        &principal,
        &id,
        &body.into_domain(),
    )
    .await?;
    Ok(one(StatusCode::OK, &shown))
}

async fn delete_connector(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    parley_app::crm_connectors::delete(state.store.as_ref(), &principal, &id).await?;
    Ok(json_response(
        StatusCode::OK,
        &Done {
            request_id: request_id(),
        },
    ))
}

async fn list_writes(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call = call_id_of(&id)?;
    let writes =
        parley_app::crm_writeback::writes_of_call(state.store.as_ref(), &principal, call).await?;
    Ok(json_response(
        StatusCode::OK,
        &Writes {
            request_id: request_id(),
            writes: writes.iter().map(CrmWriteView::of).collect(),
        },
    ))
}

/// Queues the action's write for the call and answers 202 with it (pending, or skipped
/// when the call's context names no object to write to); workers run it.
async fn run_action(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let call = call_id_of(&id)?;
    let body: CrmActionBody = parse_json(body, false)?;
    let action = body.into_domain().map_err(ApiError::bad_request_all)?;
    let write =
        parley_app::crm_writeback::run_by_hand(state.store.as_ref(), &principal, call, &action)
            .await?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &OneWrite {
            request_id: request_id(),
            write: CrmWriteView::of(&write),
        },
    ))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Doc;

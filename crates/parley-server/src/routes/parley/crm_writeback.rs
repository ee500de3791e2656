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

use super::Done;

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

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CrmConnectors)]
struct Connectors {
    request_id: String,
    connectors: Vec<ConnectorView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct OneConnector {
    request_id: String,
    connector: ConnectorView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CrmWrites)]
struct Writes {
    request_id: String,
    writes: Vec<CrmWriteView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OneCrmWrite)]
struct OneWrite {
    request_id: String,
    write: CrmWriteView,
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

/// List the CRM connectors Parley writes call data to.
///
/// Each connector of the caller's workspaces (Salesforce, HubSpot or generic CRM
/// objects): its kind, settings and which secrets it holds, never the secrets. Admins.
#[utoipa::path(
    get,
    path = "/parley/v1/crm/connectors",
    operation_id = "list-crm-connectors",
    tag = "CRM write-back",
    responses((status = 200, description = "The connectors.", body = Connectors))
)]
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

/// Connect a workspace to Salesforce, HubSpot or generic CRM objects.
///
/// Adds a connector that CRM field actions write through, with its credentials (kept
/// secret); answers it.
#[utoipa::path(
    post,
    path = "/parley/v1/crm/connectors",
    operation_id = "create-crm-connector",
    tag = "CRM write-back",
    request_body = ConnectorBody,
    responses(
        (status = 201, description = "The connector was created.", body = OneConnector),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// Get one CRM connector.
///
/// Its kind, settings and which secrets it holds (never the secrets).
#[utoipa::path(
    get,
    path = "/parley/v1/crm/connectors/{id}",
    operation_id = "get-crm-connector",
    tag = "CRM write-back",
    params(("id" = String, Path, description = "The connector's id.")),
    responses(
        (status = 200, description = "The connector.", body = OneConnector),
        (status = 404, description = "No such connector.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// Change a CRM connector's settings or credentials.
///
/// Replaces the connector with the body (same id); answers it.
#[utoipa::path(
    put,
    path = "/parley/v1/crm/connectors/{id}",
    operation_id = "update-crm-connector",
    tag = "CRM write-back",
    params(("id" = String, Path, description = "The connector's id.")),
    request_body = ConnectorBody,
    responses(
        (status = 200, description = "The connector as changed.", body = OneConnector),
        (status = 404, description = "No such connector.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// Delete a CRM connector.
///
/// Parley no longer writes through it; its secrets are deleted.
#[utoipa::path(
    delete,
    path = "/parley/v1/crm/connectors/{id}",
    operation_id = "delete-crm-connector",
    tag = "CRM write-back",
    params(("id" = String, Path, description = "The connector's id.")),
    responses(
        (status = 200, description = "The connector was deleted.", body = Done),
        (status = 404, description = "No such connector.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// List the CRM writes made for a call.
///
/// Each field write automation rules or people ran for the call: the connector, object,
/// fields, state and error.
#[utoipa::path(
    get,
    path = "/parley/v1/calls/{id}/crm-writes",
    operation_id = "list-call-crm-writes",
    tag = "CRM write-back",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 200, description = "The call's CRM writes.", body = Writes),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// Write a call's data to CRM fields now.
///
/// Queues a CRM field action's write for the call and answers 202 with it (pending, or
/// skipped when the call's context names no object to write to); workers run it.
#[utoipa::path(
    post,
    path = "/parley/v1/calls/{id}/crm-writes",
    operation_id = "run-call-crm-write",
    tag = "CRM write-back",
    params(("id" = String, Path, description = "The call's id.")),
    request_body = CrmActionBody,
    responses(
        (status = 202, description = "The write was queued.", body = OneWrite),
        (status = 404, description = "No such call or connector, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
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
#[openapi(paths(
    list_connectors,
    create_connector,
    get_connector,
    update_connector,
    delete_connector,
    list_writes,
    run_action
))]
pub struct Doc;

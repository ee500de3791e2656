//! `/parley/v1/flows`: making and removing Engage flows, which Gong's API only lists and
//! fills (`/v2/flows`).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get};
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};

use gong_api_v2::flows::{FlowView, NewFlowBody};
use parley_app::flows::NewFlow;
use parley_domain::{FlowId, Principal, WorkspaceId};

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::routes::extract::{parse_json, query};
use crate::AppState;

use super::Done;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/parley/v1/flows", get(list_flows).post(create_flow))
        .route("/parley/v1/flows/{id}", delete(delete_flow))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct FlowCreated {
    request_id: String,
    flow: FlowView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ParleyFlows)]
struct Flows {
    request_id: String,
    flows: Vec<FlowView>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this workspace's flows.
    workspace_id: Option<String>,
}

/// Flows listed at once here, at most (the paged listing is `GET /v2/flows`).
const MAX_LISTED: u32 = 1_000;

/// List Engage flows, all at once.
///
/// The flows the caller may see (admins: every flow), up to 1000, with their owner,
/// visibility and folder; `GET /v2/flows` is the paged listing.
#[utoipa::path(
    get,
    path = "/parley/v1/flows",
    operation_id = "list-parley-flows",
    tag = "Flows",
    params(ListQuery),
    responses((status = 200, description = "The flows.", body = Flows))
)]
async fn list_flows(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let workspace = q
        .workspace_id
        .as_deref()
        .map(|w| WorkspaceId(parley_domain::parse_id(w.trim()).unwrap_or(-1)));
    let (flows, _) = parley_app::flows::list(
        state.store.as_ref(),
        &principal,
        None,
        workspace,
        None,
        MAX_LISTED,
        false,
    )
    .await?;
    Ok(json_response(
        StatusCode::OK,
        &Flows {
            request_id: request_id(),
            flows: flows
                .iter()
                .map(|f| FlowView::of(f, state.config.timezone))
                .collect(),
        },
    ))
}

/// Create an Engage flow.
///
/// A flow (sequence) owned by a user, company-wide, personal or shared, optionally in a
/// folder and exclusive; prospects are then added with `POST /v2/flows/prospects/assign`.
#[utoipa::path(
    post,
    path = "/parley/v1/flows",
    operation_id = "create-flow",
    tag = "Flows",
    request_body = NewFlowBody,
    responses(
        (status = 201, description = "The flow was created.", body = FlowCreated),
        (status = 404, description = "No such workspace or owner.", body = gong_api_v2::ErrorBody),
    )
)]
async fn create_flow(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body: NewFlowBody = parse_json(body, false)?;
    let visibility = body.visibility().map_err(ApiError::bad_request)?;
    let workspace_id = body.workspace().map_err(ApiError::not_found)?;
    let flow = parley_app::flows::create(
        state.store.as_ref(),
        &principal,
        NewFlow {
            workspace_id,
            name: body.name,
            owner_email: body.owner_email,
            visibility,
            folder: body.folder_name,
            exclusive: body.exclusive.unwrap_or(false),
        },
        chrono::Utc::now(),
    )
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &FlowCreated {
            request_id: request_id(),
            flow: FlowView::of(&flow, state.config.timezone),
        },
    ))
}

/// Delete an Engage flow.
///
/// The flow and its prospects' assignments go.
#[utoipa::path(
    delete,
    path = "/parley/v1/flows/{id}",
    operation_id = "delete-flow",
    tag = "Flows",
    params(("id" = String, Path, description = "The flow's id.")),
    responses(
        (status = 200, description = "The flow was deleted.", body = Done),
        (status = 404, description = "No such flow.", body = gong_api_v2::ErrorBody),
    )
)]
async fn delete_flow(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parley_domain::parse_id(&id)
        .map(FlowId)
        .map_err(|_| ApiError::not_found(parley_app::flows::FLOW_NOT_FOUND))?;
    parley_app::flows::delete(state.store.as_ref(), &principal, id).await?;
    Ok(json_response(
        StatusCode::OK,
        &Done {
            request_id: request_id(),
        },
    ))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_flows, create_flow, delete_flow))]
pub struct Doc;

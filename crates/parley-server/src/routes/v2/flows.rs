//! Engage flows (reference §13): `GET /v2/flows`, `POST /v2/flows/prospects`,
//! `POST /v2/flows/prospects/assign`.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};

use gong_api_v2::flows::{
    AssignRequest, AssignResponse, AssignedFlow, FlowWire, FlowsQuery, FlowsResponse,
    NotAssignedWire, ProspectsRequest, ProspectsResponse,
};
use parley_domain::{FlowId, Principal, WorkspaceId};

use crate::cursor::FilterKey;
use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{parse_json, query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/flows", get(list_flows))
        .route("/v2/flows/prospects", post(prospects))
        .route("/v2/flows/prospects/assign", post(assign))
}

/// List Engage flows (sequences) and who owns them.
///
/// Flows of `flowOwnerEmail` (company, personal and shared ones), or without it every
/// flow the caller may see; optionally of one `workspaceId`. Pages of flows; follow
/// `records.cursor`. An empty listing is a 200 with no flows.
#[utoipa::path(
    get,
    path = "/v2/flows",
    operation_id = "list-flows",
    tag = "Flows",
    params(FlowsQuery),
    responses(
        (status = 200, description = "A page of flows.", body = FlowsResponse),
    )
)]
async fn list_flows(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<FlowsQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    // Choice: Gong marks flowOwnerEmail required; without it Parley lists, for an admin
    // or a company key, every flow the caller reaches (company, personal and shared: what
    // an admin's export wants), and for a member or manager the flows they see themselves.
    // Only admins may name another owner (403 otherwise): personal flows are their owner's.
    let owner = q
        .flow_owner_email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    // An impossible id keeps an unknown workspace a plain empty page.
    let workspace = q
        .workspace_id
        .as_deref()
        .map(|w| WorkspaceId(parley_domain::parse_id(w.trim()).unwrap_or(-1)));
    let digest = FilterKey::new()
        .field("owner", owner.map(str::to_ascii_lowercase))
        .field("workspaceId", workspace.map(|w| w.0))
        .digest();
    let start = state.cursors.start(q.cursor.as_deref(), "flows", &digest)?;
    let after = match start.after.as_deref() {
        None => None,
        Some(&[id]) => Some(FlowId(id)),
        Some(_) => return Err(ApiError::bad_request("cursor is invalid")),
    };
    let size = state.config.page_size;
    let (flows, total) = parley_app::flows::list(
        state.store.as_ref(),
        &principal,
        owner,
        workspace,
        after,
        size + 1,
        start.total.is_none(),
    )
    .await?;
    let total = start.total.or(total).unwrap_or_default();
    // Gong answers an empty listing with 200, an empty list and totalRecords 0.
    let (flows, records) = state
        .cursors
        .page(flows, size, &start, total, |f| vec![f.id.0]);
    let tz = state.config.timezone;
    Ok(Wire(FlowsResponse {
        request_id: request_id(),
        records,
        flows: flows.iter().map(|f| FlowWire::from_domain(f, tz)).collect(),
    })
    .into_response())
}

/// Find which flows CRM prospects are in.
///
/// For each CRM id of `crmProspectsIds`, the flows the prospect was assigned to, by whom
/// and when.
#[utoipa::path(
    post,
    path = "/v2/flows/prospects",
    operation_id = "get-flows-for-prospects",
    tag = "Flows",
    request_body = ProspectsRequest,
    responses(
        (status = 200, description = "The prospects' flows.", body = ProspectsResponse),
    )
)]
async fn prospects(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: ProspectsRequest = parse_json(body, false)?;
    let found =
        parley_app::flows::of_prospects(state.store.as_ref(), &principal, &req.crm_prospects_ids)
            .await?;
    let tz = state.config.timezone;
    Ok(Wire(ProspectsResponse {
        request_id: request_id(),
        prospects_assigned: found
            .iter()
            .map(|(i, f, u)| AssignedFlow::from_domain(i, f, u, tz))
            .collect(),
    })
    .into_response())
}

/// Add CRM prospects to an Engage flow.
///
/// Assigns each prospect of `crmProspectsIds` to the flow `flowId`, run by
/// `flowInstanceOwnerEmail`; the answer lists the prospects assigned and, with reasons,
/// those that were not.
#[utoipa::path(
    post,
    path = "/v2/flows/prospects/assign",
    operation_id = "assign-prospects-to-flow",
    tag = "Flows",
    request_body = AssignRequest,
    responses(
        (status = 200, description = "The prospects assigned and not assigned.", body = AssignResponse),
        (status = 404, description = "No such flow, or the owner is not a user.", body = gong_api_v2::ErrorBody),
    )
)]
async fn assign(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: AssignRequest = parse_json(body, false)?;
    let flow_id = req
        .flow_id
        .numeric()
        .map(FlowId)
        .ok_or_else(|| ApiError::not_found(parley_app::flows::FLOW_NOT_FOUND))?;
    let (assigned, refused) = parley_app::flows::assign(
        state.store.as_ref(),
        &principal,
        flow_id,
        &req.flow_instance_owner_email,
        &req.crm_prospects_ids,
        chrono::Utc::now(),
    )
    .await?;
    let tz = state.config.timezone;
    Ok(Wire(AssignResponse {
        request_id: request_id(),
        prospects_assigned: assigned
            .iter()
            .map(|(i, f, u)| AssignedFlow::from_domain(i, f, u, tz))
            .collect(),
        prospects_not_assigned: refused.iter().map(NotAssignedWire::from_domain).collect(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_flows, prospects, assign))]
pub struct Doc;

//! `/parley/v1/calls/{id}/crm-association`: associating a call with a CRM account (and
//! deal) by hand, or removing it. Gong's API only lists these
//! (`/v2/calls/manual-crm-associations`); its web app makes them.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::put;
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};

use parley_app::crm::{self, AssociationTarget};
use parley_domain::Principal;

use crate::error::{json_response, request_id, ApiResult};
use crate::routes::extract::{call_id_of, parse_json};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/parley/v1/calls/{id}/crm-association",
        put(associate).delete(dissociate),
    )
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AssociationBody {
    /// The CRM account's id (required).
    #[schema(value_type = String, min_length = 1, max_length = 64)]
    account_crm_id: Option<String>,
    /// The CRM deal (opportunity) within the account, if any.
    #[schema(min_length = 1, max_length = 64)]
    deal_crm_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AssociationView {
    request_id: String,
    call_id: String,
    account_crm_id: Option<String>,
    deal_crm_id: Option<String>,
}

/// Link a call to a CRM account and deal by hand.
///
/// Replaces the call's manual CRM association (what `GET /v2/calls/manual-crm-associations`
/// lists) with this account and optional deal.
#[utoipa::path(
    put,
    path = "/parley/v1/calls/{id}/crm-association",
    operation_id = "set-call-crm-association",
    tag = "CRM",
    params(("id" = String, Path, description = "The call's id.")),
    request_body = AssociationBody,
    responses(
        (status = 200, description = "The call is associated.", body = AssociationView),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn associate(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let call_id = call_id_of(&id)?;
    let body: AssociationBody = parse_json(body, false)?;
    let target = AssociationTarget {
        account_id: body.account_crm_id,
        deal_id: body.deal_crm_id,
    };
    crm::associate(
        state.store.as_ref(),
        &principal,
        call_id,
        Some(target.clone()),
    )
    .await?;
    Ok(json_response(
        StatusCode::OK,
        &AssociationView {
            request_id: request_id(),
            call_id: call_id.to_string(),
            account_crm_id: target.account_id,
            deal_crm_id: target.deal_id,
        },
    ))
}

/// Remove a call's manual link to a CRM account.
///
/// The call has no manual CRM association afterwards (the removal is listed by
/// `GET /v2/calls/manual-crm-associations`).
#[utoipa::path(
    delete,
    path = "/parley/v1/calls/{id}/crm-association",
    operation_id = "remove-call-crm-association",
    tag = "CRM",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 200, description = "The association is removed.", body = AssociationView),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn dissociate(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call_id = call_id_of(&id)?;
    crm::associate(state.store.as_ref(), &principal, call_id, None).await?;
    Ok(json_response(
        StatusCode::OK,
        &AssociationView {
            request_id: request_id(),
            call_id: call_id.to_string(),
            account_crm_id: None,
            deal_crm_id: None,
        },
    ))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(associate, dissociate))]
pub struct Doc;

//! `/parley/v1/automation`: automation rules (a call filter and actions, webhooks and CRM
//! field writes, fired once per call when it is ready), their delivery logs, replays, test sends, and the public
//! key webhook JWTs are signed with. Admins only (`parley_app::access`).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};

use gong_api_v2::automation::{DeliveryView, RuleBody, RuleView, TestBody};
use parley_app::automation::RuleInput;
use parley_domain::automation::{DeliveryId, RuleId};
use parley_domain::{parse_id, CallId, Principal, WorkspaceId};

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::routes::extract::{parse_json, query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/parley/v1/automation/rules",
            get(list_rules).post(create_rule),
        )
        .route(
            "/parley/v1/automation/rules/{id}",
            get(get_rule).put(update_rule).delete(delete_rule),
        )
        .route(
            "/parley/v1/automation/rules/{id}/deliveries",
            get(list_deliveries),
        )
        .route(
            "/parley/v1/automation/rules/{id}/deliveries/{deliveryId}/replay",
            post(replay),
        )
        .route("/parley/v1/automation/rules/{id}/test", post(send_test))
        .route("/parley/v1/automation/public-key", get(public_key))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OneRule {
    request_id: String,
    rule: RuleView,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rules {
    request_id: String,
    rules: Vec<RuleView>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Deliveries {
    request_id: String,
    deliveries: Vec<DeliveryView>,
    /// Pass as `before` for the next (older) page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_before: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Queued {
    request_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    call_id: Option<String>,
    delivery_ids: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Done {
    request_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    workspace_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeliveriesQuery {
    before: Option<String>,
    limit: Option<u32>,
}

fn rule_id(id: &str) -> ApiResult<RuleId> {
    parse_id(id.trim())
        .map(RuleId)
        .map_err(|_| ApiError::not_found(format!("automation rule {id} was not found")))
}

async fn input(state: &AppState, body: RuleBody) -> ApiResult<(RuleInput, bool)> {
    let workspace = parley_app::workspaces::workspace_or_default(
        state.store.as_ref(),
        body.workspace_id.as_deref(),
    )
    .await?;
    let actions = body
        .actions()
        .map_err(|p| ApiError::from(parley_app::AppError::Invalid(p)))?;
    Ok((
        RuleInput {
            workspace_id: workspace.id,
            name: body.name,
            enabled: body.enabled,
            filter: body.filter,
            actions,
        },
        body.apply_to_past_calls,
    ))
}

async fn list_rules(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let workspace = match q.workspace_id.as_deref().map(str::trim) {
        Some(w) => Some(WorkspaceId(
            parse_id(w).map_err(|_| ApiError::not_found("Workspace not found"))?,
        )),
        None => None,
    };
    let rules = parley_app::automation::list(state.store.as_ref(), &principal, workspace).await?;
    let tz = state.config.timezone;
    Ok(json_response(
        StatusCode::OK,
        &Rules {
            request_id: request_id(),
            rules: rules.iter().map(|r| RuleView::of(r, tz)).collect(),
        },
    ))
}

async fn create_rule(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body: RuleBody = parse_json(body, false)?;
    let (input, past) = input(&state, body).await?;
    let rule = parley_app::automation::create(
        state.store.as_ref(),
        &principal,
        input,
        &state.config.limits,
        past,
    )
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &OneRule {
            request_id: request_id(),
            rule: RuleView::of(&rule, state.config.timezone),
        },
    ))
}

async fn get_rule(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let rule = parley_app::automation::get(state.store.as_ref(), &principal, rule_id(&id)?).await?;
    Ok(json_response(
        StatusCode::OK,
        &OneRule {
            request_id: request_id(),
            rule: RuleView::of(&rule, state.config.timezone),
        },
    ))
}

async fn update_rule(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let id = rule_id(&id)?;
    let mut body: RuleBody = parse_json(body, false)?;
    if body.workspace_id.is_none() {
        // An edit keeps the rule's workspace unless the body names one.
        let current = parley_app::automation::get(state.store.as_ref(), &principal, id).await?;
        body.workspace_id = Some(current.workspace_id.to_string());
    }
    let (input, past) = input(&state, body).await?;
    let rule = parley_app::automation::update(
        state.store.as_ref(),
        &principal,
        id,
        input,
        &state.config.limits,
        past,
    )
    .await?;
    Ok(json_response(
        StatusCode::OK,
        &OneRule {
            request_id: request_id(),
            rule: RuleView::of(&rule, state.config.timezone),
        },
    ))
}

async fn delete_rule(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    parley_app::automation::delete(state.store.as_ref(), &principal, rule_id(&id)?).await?;
    Ok(json_response(
        StatusCode::OK,
        &Done {
            request_id: request_id(),
        },
    ))
}

async fn list_deliveries(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    q: Result<Query<DeliveriesQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let max = state.config.limits.max_deliveries_page;
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit as usize > max {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to {max} (max_deliveries_page)"
        )));
    }
    let before = match q.before.as_deref() {
        Some(b) => Some(DeliveryId(parse_id(b.trim()).map_err(|_| {
            ApiError::bad_request(format!("before {b:?} is not a delivery id"))
        })?)),
        None => None,
    };
    let log = parley_app::automation::deliveries(
        state.store.as_ref(),
        &principal,
        rule_id(&id)?,
        before,
        limit,
    )
    .await?;
    let tz = state.config.timezone;
    let next_before = (log.len() == limit as usize)
        .then(|| log.last().map(|d| d.id.to_string()))
        .flatten();
    Ok(json_response(
        StatusCode::OK,
        &Deliveries {
            request_id: request_id(),
            deliveries: log.iter().map(|d| DeliveryView::of(d, tz)).collect(),
            next_before,
        },
    ))
}

async fn replay(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, delivery)): Path<(String, String)>,
) -> ApiResult<Response> {
    let d = DeliveryId(
        parse_id(delivery.trim())
            .map_err(|_| ApiError::not_found(format!("delivery {delivery} was not found")))?,
    );
    parley_app::automation::replay(state.store.as_ref(), &principal, rule_id(&id)?, d).await?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &Queued {
            request_id: request_id(),
            call_id: None,
            delivery_ids: vec![d.to_string()],
        },
    ))
}

async fn send_test(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body: TestBody = parse_json(body, true)?;
    let call = match body.call_id.as_deref() {
        Some(c) => Some(CallId(parse_id(c.trim()).map_err(|_| {
            ApiError::not_found(gong_api_v2::messages::call_not_found(c))
        })?)),
        None => None,
    };
    let (call, ids) =
        parley_app::automation::send_test(state.store.as_ref(), &principal, rule_id(&id)?, call)
            .await?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &Queued {
            request_id: request_id(),
            call_id: Some(call.to_string()),
            delivery_ids: ids.iter().map(|d| d.to_string()).collect(),
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct KeyQuery {
    format: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublicKey {
    request_id: String,
    algorithm: &'static str,
    /// PEM (SPKI), `-----BEGIN PUBLIC KEY-----`.
    public_key: String,
}

/// The company's webhook public key, what receivers verify JWTs with: in a JSON body, or
/// with `?format=pem` as the PEM file itself (`curl … > gong-webhook.pem`).
async fn public_key(
    State(state): State<AppState>,
    q: Result<Query<KeyQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let pem = match q.format.as_deref() {
        None | Some("json") => false,
        Some("pem") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "format {other:?} is not one of json, pem"
            )))
        }
    };
    let signer = state.webhook_keys.signer().await.map_err(|e| {
        tracing::error!(error = %e, "webhook signing key unavailable");
        ApiError::internal()
    })?;
    if pem {
        return Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/x-pem-file")],
            signer.public_pem.clone(),
        )
            .into_response());
    }
    Ok(json_response(
        StatusCode::OK,
        &PublicKey {
            request_id: request_id(),
            algorithm: "RS256",
            public_key: signer.public_pem.clone(),
        },
    ))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Doc;

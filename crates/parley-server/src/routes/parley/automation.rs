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

use super::Done;

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

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct OneRule {
    request_id: String,
    rule: RuleView,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AutomationRules)]
struct Rules {
    request_id: String,
    rules: Vec<RuleView>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RuleDeliveries)]
struct Deliveries {
    request_id: String,
    deliveries: Vec<DeliveryView>,
    /// Pass as `before` for the next (older) page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_before: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = DeliveriesQueued)]
struct Queued {
    request_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    call_id: Option<String>,
    delivery_ids: Vec<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this workspace's rules.
    workspace_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct DeliveriesQuery {
    /// The `nextBefore` of the previous page: deliveries older than this one.
    #[param(pattern = "^\\s*[0-9]{1,19}\\s*$")]
    before: Option<String>,
    /// How many deliveries, newest first: 1 to `max_deliveries_page` (100 when absent).
    #[param(minimum = 1, maximum = 500)]
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

/// List automation rules.
///
/// Every rule (of one workspace, if named): its call filter, actions (webhooks, CRM field
/// writes), whether it is enabled, and its counts. Admins only.
#[utoipa::path(
    get,
    path = "/parley/v1/automation/rules",
    operation_id = "list-automation-rules",
    tag = "Automation",
    params(ListQuery),
    responses(
        (status = 200, description = "The rules.", body = Rules),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// Create an automation rule that fires a webhook or CRM write for matching calls.
///
/// A rule of a workspace: a call filter and its actions, run once for each call that is
/// ready (transcribed and analysed) and matches; optionally for past calls too. Answers
/// the rule.
#[utoipa::path(
    post,
    path = "/parley/v1/automation/rules",
    operation_id = "create-automation-rule",
    tag = "Automation",
    request_body = RuleBody,
    responses(
        (status = 201, description = "The rule was created.", body = OneRule),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// Get one automation rule.
///
/// Its filter, actions, whether it is enabled, and its counts.
#[utoipa::path(
    get,
    path = "/parley/v1/automation/rules/{id}",
    operation_id = "get-automation-rule",
    tag = "Automation",
    params(("id" = String, Path, description = "The rule's id.")),
    responses(
        (status = 200, description = "The rule.", body = OneRule),
        (status = 404, description = "No such rule.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// Change an automation rule's filter, actions or state.
///
/// Replaces the rule with the body (same id; its workspace unless the body names one);
/// answers it.
#[utoipa::path(
    put,
    path = "/parley/v1/automation/rules/{id}",
    operation_id = "update-automation-rule",
    tag = "Automation",
    params(("id" = String, Path, description = "The rule's id.")),
    request_body = RuleBody,
    responses(
        (status = 200, description = "The rule as changed.", body = OneRule),
        (status = 404, description = "No such rule or workspace.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// Delete an automation rule.
///
/// The rule stops firing; its pending deliveries are dropped.
#[utoipa::path(
    delete,
    path = "/parley/v1/automation/rules/{id}",
    operation_id = "delete-automation-rule",
    tag = "Automation",
    params(("id" = String, Path, description = "The rule's id.")),
    responses(
        (status = 200, description = "The rule was deleted.", body = Done),
        (status = 404, description = "No such rule.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// List an automation rule's webhook deliveries, newest first.
///
/// Each delivery's call, action, state, attempts, response status and error; page with
/// `before` = the previous page's `nextBefore`.
#[utoipa::path(
    get,
    path = "/parley/v1/automation/rules/{id}/deliveries",
    operation_id = "list-rule-deliveries",
    tag = "Automation",
    params(("id" = String, Path, description = "The rule's id."), DeliveriesQuery),
    responses(
        (status = 200, description = "A page of deliveries.", body = Deliveries),
        (status = 404, description = "No such rule.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// Send an automation rule's delivery again.
///
/// Queues the delivery anew (same call and action, fresh payload and signature);
/// answers its id.
#[utoipa::path(
    post,
    path = "/parley/v1/automation/rules/{id}/deliveries/{deliveryId}/replay",
    operation_id = "replay-rule-delivery",
    tag = "Automation",
    params(("id" = String, Path, description = "The rule's id."), ("deliveryId" = String, Path, description = "The delivery's id.")),
    responses(
        (status = 202, description = "The delivery was queued again.", body = Queued),
        (status = 404, description = "No such rule or delivery.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// Test an automation rule against a call.
///
/// Queues the rule's actions for a call (the given one, else a recent one it matches)
/// as test deliveries; answers the call and the deliveries' ids.
#[utoipa::path(
    post,
    path = "/parley/v1/automation/rules/{id}/test",
    operation_id = "test-automation-rule",
    tag = "Automation",
    params(("id" = String, Path, description = "The rule's id.")),
    request_body(content = Option<TestBody>, description = "The call to test with; may be empty."),
    responses(
        (status = 202, description = "The test deliveries were queued.", body = Queued),
        (status = 404, description = "No such rule or call, or no call to test with.", body = gong_api_v2::ErrorBody),
    )
)]
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

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct KeyQuery {
    /// `json` (the default) or `pem` (the PEM file itself).
    #[param(pattern = "^(json|pem)$")]
    format: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WebhookPublicKey)]
struct PublicKey {
    request_id: String,
    /// The JWT signing algorithm: `RS256`.
    #[schema(value_type = String)]
    algorithm: &'static str,
    /// PEM (SPKI), `-----BEGIN PUBLIC KEY-----`.
    public_key: String,
}

/// Get the public key that verifies Parley's webhook signatures.
///
/// The company's webhook public key, what receivers verify the JWT of each delivery
/// with: in a JSON body, or with `?format=pem` as the PEM file itself
/// (`curl … > gong-webhook.pem`).
#[utoipa::path(
    get,
    path = "/parley/v1/automation/public-key",
    operation_id = "get-webhook-public-key",
    tag = "Automation",
    params(KeyQuery),
    responses(
        (status = 200, description = "The public key.",
            content((PublicKey = "application/json"), (String = "application/x-pem-file"))),
    )
)]
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
#[openapi(paths(
    list_rules,
    create_rule,
    get_rule,
    update_rule,
    delete_rule,
    list_deliveries,
    replay,
    send_test,
    public_key
))]
pub struct Doc;

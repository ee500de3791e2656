//! Engagement events: `PUT /v2/customer-engagement/content/viewed|shared`,
//! `PUT /v2/customer-engagement/action` and `POST /v2/digital-interaction`. Each is
//! checked as the spec says (`gong_api_v2::engagement`), stored with the body as sent,
//! and read back on the timeline (`/parley/v1/engagement`).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::Extension;
use axum::Router;
use chrono::Utc;

use gong_api_v2::engagement::{
    DigitalInteractionRequest, EngagementAccepted, EngagementRequest, EventContext,
};
use parley_domain::engagement::EngagementKind;
use parley_domain::{EngagementId, Principal};

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{parse_json, workspace_of};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/customer-engagement/content/viewed", put(viewed))
        .route("/v2/customer-engagement/content/shared", put(shared))
        .route("/v2/customer-engagement/action", put(action))
        .route("/v2/digital-interaction", post(digital_interaction))
}

/// The body twice: typed, and as sent (kept with the event).
fn decode<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(T, serde_json::Value)> {
    let raw: serde_json::Value = parse_json(body, false)?;
    let bytes = serde_json::to_vec(&raw).map_err(|_| ApiError::internal())?;
    let typed: T = gong_api_v2::from_json(&bytes).map_err(ApiError::bad_request)?;
    Ok((typed, raw))
}

type Body = Result<Bytes, BytesRejection>;

/// Report that a customer viewed content you shared (a document, a page, a video).
///
/// Records the view on the customer engagement timeline, with who viewed what, when, and the CRM context given.
#[utoipa::path(
    put,
    path = "/v2/customer-engagement/content/viewed",
    operation_id = "report-content-viewed",
    tag = "Engagement",
    request_body = gong_api_v2::engagement::ContentEngagementRequest,
    responses(
        (status = 200, description = "The event was recorded.", body = EngagementAccepted),
        (status = 404, description = "The workspace named does not exist.", body = gong_api_v2::ErrorBody),
        (status = 409, description = "This event (the same `eventId`) was already reported.", body = gong_api_v2::ErrorBody),
    )
)]
async fn viewed(s: State<AppState>, p: Extension<Principal>, b: Body) -> ApiResult<Response> {
    engagement(s, p, b, EngagementKind::ContentViewed).await
}

/// Report that a user shared content with a customer.
///
/// Records the share on the customer engagement timeline, with the sharer, the recipients and the CRM context given.
#[utoipa::path(
    put,
    path = "/v2/customer-engagement/content/shared",
    operation_id = "report-content-shared",
    tag = "Engagement",
    request_body = gong_api_v2::engagement::ContentEngagementRequest,
    responses(
        (status = 200, description = "The event was recorded.", body = EngagementAccepted),
        (status = 404, description = "The workspace named does not exist.", body = gong_api_v2::ErrorBody),
        (status = 409, description = "This event (the same `eventId`) was already reported.", body = gong_api_v2::ErrorBody),
    )
)]
async fn shared(s: State<AppState>, p: Extension<Principal>, b: Body) -> ApiResult<Response> {
    engagement(s, p, b, EngagementKind::ContentShared).await
}

/// Report an action a customer took (signed a document, filled a form...).
///
/// Records the action on the customer engagement timeline, with the actor, the content and the CRM context given.
#[utoipa::path(
    put,
    path = "/v2/customer-engagement/action",
    operation_id = "report-customer-action",
    tag = "Engagement",
    request_body = EngagementRequest,
    responses(
        (status = 200, description = "The event was recorded.", body = EngagementAccepted),
        (status = 404, description = "The workspace named does not exist.", body = gong_api_v2::ErrorBody),
        (status = 409, description = "This event (the same `eventId`) was already reported.", body = gong_api_v2::ErrorBody),
    )
)]
async fn action(s: State<AppState>, p: Extension<Principal>, b: Body) -> ApiResult<Response> {
    engagement(s, p, b, EngagementKind::Action).await
}

async fn engagement(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
    kind: EngagementKind,
) -> ApiResult<Response> {
    let (req, detail): (EngagementRequest, _) = decode(body)?;
    let workspace = workspace_of(&state, &principal, req.workspace()).await?;
    let event = req
        .into_event(
            kind,
            EventContext {
                id: EngagementId::generate(),
                workspace_id: workspace.id,
                tz: state.config.timezone,
                recorded: Utc::now(),
                detail,
            },
        )
        .map_err(ApiError::bad_request_all)?;
    parley_app::engagement::record(state.store.as_ref(), &principal, &event).await?;
    Ok(Wire(EngagementAccepted {
        request_id: request_id(),
    })
    .into_response())
}

/// Report a digital interaction with a customer, such as a web visit or a chat.
///
/// Records the interaction (its content, the person and company involved) on the customer
/// engagement timeline of the default workspace (a workspace-bound key's own: the body
/// names none).
#[utoipa::path(
    post,
    path = "/v2/digital-interaction",
    operation_id = "add-digital-interaction",
    tag = "Engagement",
    request_body = DigitalInteractionRequest,
    responses(
        (status = 200, description = "The event was recorded.", body = EngagementAccepted),
        (status = 409, description = "This event (the same `eventId`) was already reported.", body = gong_api_v2::ErrorBody),
    )
)]
async fn digital_interaction(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let (req, detail): (DigitalInteractionRequest, _) = decode(body)?;
    let workspace = workspace_of(&state, &principal, None).await?;
    let event = req
        .into_event(EventContext {
            id: EngagementId::generate(),
            workspace_id: workspace.id,
            tz: state.config.timezone,
            recorded: Utc::now(),
            detail,
        })
        .map_err(ApiError::bad_request_all)?;
    parley_app::engagement::record(state.store.as_ref(), &principal, &event).await?;
    Ok(Wire(EngagementAccepted {
        request_id: request_id(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(viewed, shared, action, digital_interaction))]
pub struct Doc;

//! `/v2/meetings`: meetings scheduled by calendar integrations (Gong's beta API). Rules
//! (organisers, who may schedule for whom, linking recorded calls) are
//! `parley_app::meetings`'.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::Extension;
use axum::Router;

use gong_api_v2::meetings::{
    DeleteMeetingRequest, IntegrationStatusRequest, IntegrationStatusResponse, MeetingCreated,
    MeetingDeleted, MeetingRequest, MeetingUpdated, UserStatusWire,
};
use parley_domain::meeting::MeetingInput;
use parley_domain::Principal;

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{parse_json, workspace_of};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/meetings", post(create))
        .route("/v2/meetings/integration/status", post(integration_status))
        .route("/v2/meetings/{id}", put(update).delete(delete))
}

fn input(state: &AppState, body: Result<Bytes, BytesRejection>) -> ApiResult<MeetingInput> {
    let req: MeetingRequest = parse_json(body, false)?;
    req.into_input(state.config.timezone)
        .map_err(ApiError::bad_request_all)
}

/// Choice: a meeting goes to the default workspace (a bound key's own): Gong's body has
/// no workspace.
async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let input = input(&state, body)?;
    let workspace = workspace_of(&state, &principal, None).await?;
    let m = parley_app::meetings::create_meeting(
        state.store.as_ref(),
        &principal,
        workspace.id,
        input,
        &state.config.public_url,
    )
    .await?;
    Ok(Wire(MeetingCreated::from_domain(request_id(), &m)).into_response())
}

async fn update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let input = input(&state, body)?;
    let m =
        parley_app::meetings::update_meeting(state.store.as_ref(), &principal, &id, input).await?;
    Ok(Wire(MeetingUpdated {
        request_id: request_id(),
        meeting_id: m.id.to_string(),
    })
    .into_response())
}

async fn delete(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: DeleteMeetingRequest = parse_json(body, false)?;
    let email = req.organizer_email.trim().to_owned();
    parley_app::meetings::delete_meeting(state.store.as_ref(), &principal, &id, &email).await?;
    Ok(Wire(MeetingDeleted {
        request_id: request_id(),
        organizer_email: email,
    })
    .into_response())
}

async fn integration_status(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: IntegrationStatusRequest = parse_json(body, false)?;
    let emails: Vec<String> = req.emails.iter().map(|e| e.trim().to_owned()).collect();
    let list = parley_app::meetings::integration_status(state.store.as_ref(), &emails).await?;
    Ok(Wire(IntegrationStatusResponse {
        request_id: request_id(),
        users: list.iter().map(UserStatusWire::from_domain).collect(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Doc;

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

/// Schedule a meeting so Parley records it.
///
/// Creates a meeting from its time, organiser and invitees, as a calendar integration
/// would; the answer carries its id and join URL. The organiser must be an active user.
#[utoipa::path(
    post,
    path = "/v2/meetings",
    operation_id = "create-meeting",
    tag = "Meetings",
    request_body = MeetingRequest,
    responses(
        (status = 200, description = "The meeting was created.", body = MeetingCreated),
        (status = 404, description = "The organiser is not an active user.", body = gong_api_v2::ErrorBody),
    )
)]
// Choice: a meeting goes to the default workspace (a bound key's own): Gong's body has
// no workspace.
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

/// Change a scheduled meeting's time, title or invitees.
///
/// The body is the whole meeting, as for creating it; its organiser must be the
/// meeting's.
#[utoipa::path(
    put,
    path = "/v2/meetings/{id}",
    operation_id = "update-meeting",
    tag = "Meetings",
    params(("id" = String, Path, description = "The meeting's id.")),
    request_body = MeetingRequest,
    responses(
        (status = 200, description = "The meeting was updated.", body = MeetingUpdated),
        (status = 404, description = "No such meeting, or the organiser is not an active user.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// Cancel a scheduled meeting.
///
/// The body names the meeting's organiser; the answer echoes it.
#[utoipa::path(
    delete,
    path = "/v2/meetings/{id}",
    operation_id = "delete-meeting",
    tag = "Meetings",
    params(("id" = String, Path, description = "The meeting's id.")),
    request_body = DeleteMeetingRequest,
    responses(
        (status = 200, description = "The meeting was deleted.", body = MeetingDeleted),
        (status = 404, description = "No such meeting.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// Check whether users can have meetings scheduled for them.
///
/// For each email address: whether it is a user, whether they can organise meetings, and
/// if not, why.
#[utoipa::path(
    post,
    path = "/v2/meetings/integration/status",
    operation_id = "get-meeting-integration-status",
    tag = "Meetings",
    request_body = IntegrationStatusRequest,
    responses(
        (status = 200, description = "Each user's status.", body = IntegrationStatusResponse),
    )
)]
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
#[openapi(paths(create, update, delete, integration_status))]
pub struct Doc;

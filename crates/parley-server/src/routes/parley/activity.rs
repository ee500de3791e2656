//! `/parley/v1/activity`: listens, comments, shares, feedback and scorecards, which
//! feed the activity stats.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Extension;
use axum::Router;
use chrono::Utc;
use serde::{Deserialize, Serialize};

use gong_api_v2::{messages, time, WireId};
use parley_domain::{ActivityEvent, ActivityKind, Principal, Role, UserId};

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::routes::extract::{existing_call, parse_json};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/parley/v1/activity", post(record_activity))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ActivityBody {
    /// What the user did.
    #[schema(value_type = String, pattern = "^(listen|comment|share-internal|share-external|feedback-request|feedback-give|feedback-mark|scorecard)$")]
    kind: String,
    /// The user who did it.
    #[schema(value_type = WireId)]
    user_id: Option<WireId>,
    /// The call it was done on.
    #[schema(value_type = WireId)]
    call_id: Option<WireId>,
    /// The user it was about (whose call was reviewed, who was asked for feedback).
    subject_user_id: Option<WireId>,
    /// When (ISO 8601); now when absent.
    at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ActivityRecorded {
    request_id: String,
    event_id: String,
}

/// Record that a user listened to, commented on, shared or reviewed a call.
///
/// Adds one activity event (listen, comment, share, feedback, scorecard) that feeds the
/// activity statistics of `/v2/stats/activity/*`; answers the event's id.
#[utoipa::path(
    post,
    path = "/parley/v1/activity",
    operation_id = "record-activity",
    tag = "Activity",
    request_body = ActivityBody,
    responses(
        (status = 201, description = "The event was recorded.", body = ActivityRecorded),
        (status = 403, description = "A user who is not an admin gave another user's id.", body = gong_api_v2::ErrorBody),
        (status = 404, description = "No such user or call.", body = gong_api_v2::ErrorBody),
    )
)]
async fn record_activity(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let b: ActivityBody = parse_json(body, false)?;
    let kind = ActivityKind::from_key(&b.kind).ok_or_else(|| {
        let known: Vec<&str> = ActivityKind::ALL.iter().map(|k| k.key()).collect();
        ApiError::bad_request(format!(
            "kind: {:?} is not one of {}",
            b.kind,
            known.join(", ")
        ))
    })?;
    let user = |w: &WireId| -> ApiResult<UserId> {
        w.numeric()
            .map(UserId)
            .ok_or_else(|| ApiError::not_found(messages::user_not_found(&w.0)))
    };
    let required = |v: Option<WireId>, name: &str| {
        v.ok_or_else(|| ApiError::bad_request(format!("{name} is required")))
    };
    let actor = user(&required(b.user_id, "userId")?)?;
    // People record what they did themselves (the call page sends its listens); recording
    // for someone else is an admin's or a company key's (an integration importing history).
    if principal.role < Role::Admin && principal.user.is_some_and(|me| me != actor) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "userId must be your own: only admins record activity for other users",
        ));
    }
    let call = required(b.call_id, "callId")?;
    let subject = b.subject_user_id.as_ref().map(user).transpose()?;
    for u in std::iter::once(actor).chain(subject) {
        if state.store.get_user(u).await?.is_none() {
            return Err(ApiError::not_found(messages::user_not_found(
                &u.to_string(),
            )));
        }
    }
    let call_id = existing_call(&state, &principal, &call.0).await?;
    let at = match &b.at {
        Some(s) => time::parse_datetime(s, state.config.timezone)
            .map_err(|e| ApiError::bad_request(format!("at: {e}")))?,
        None => Utc::now(),
    };
    let id = state
        .store
        .record_activity(&ActivityEvent {
            id: 0,
            kind,
            actor,
            subject,
            call_id,
            at,
        })
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &ActivityRecorded {
            request_id: request_id(),
            event_id: id.to_string(),
        },
    ))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(record_activity))]
pub struct Doc;

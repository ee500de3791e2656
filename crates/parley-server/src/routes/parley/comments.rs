//! `/parley/v1/calls/{id}/comments`: a call's comments (its public ones and the caller's
//! own private ones), commenting, and `/parley/v1/calls/{id}/comments/{comment}`:
//! deleting one (its author, or an admin). Bodies and answers use the field names of
//! Gong's `Comment`, plus `public`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::Extension;
use axum::Router;
use serde::Serialize;

use gong_api_v2::comments::{CommentInput, CommentView};
use parley_app::comments::NewComment;
use parley_domain::comment::CommentBounds;
use parley_domain::Principal;

use crate::error::{json_response, request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{call_named, parse_json};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/parley/v1/calls/{id}/comments",
            get(list_comments).post(add_comment),
        )
        .route(
            "/parley/v1/calls/{id}/comments/{comment}",
            delete(delete_comment),
        )
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct CommentList {
    request_id: String,
    comments: Vec<CommentView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct OneComment {
    request_id: String,
    comment: CommentView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CommentsDeleted)]
struct Deleted {
    request_id: String,
    /// The comment and the replies to it.
    deleted: u64,
}

fn bounds(state: &AppState) -> CommentBounds {
    CommentBounds {
        max_comment_chars: state.config.max_comment_chars,
        max_comments_per_call: state.config.max_comments_per_call,
    }
}

/// List the comments on a call.
///
/// The call's public comments and the caller's own private ones, with their author,
/// time in the recording and replies (Gong's `Comment` fields plus `public`).
#[utoipa::path(
    get,
    path = "/parley/v1/calls/{id}/comments",
    operation_id = "list-call-comments",
    tag = "Comments",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 200, description = "The comments.", body = CommentList),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn list_comments(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call = call_named(&state, &id).await?;
    let list = parley_app::comments::list_comments(state.store.as_ref(), &principal, &call).await?;
    Ok(Wire(CommentList {
        request_id: request_id(),
        comments: list
            .iter()
            .map(|c| CommentView::from_domain(c, &state.render))
            .collect(),
    })
    .into_response())
}

/// Comment on a call, or on a moment of its recording.
///
/// Adds a comment as the calling user, on the whole call or a time range of it, public
/// (the default) or private, or as a reply to another comment; answers the comment.
#[utoipa::path(
    post,
    path = "/parley/v1/calls/{id}/comments",
    operation_id = "add-call-comment",
    tag = "Comments",
    params(("id" = String, Path, description = "The call's id.")),
    request_body = CommentInput,
    responses(
        (status = 201, description = "The comment was added.", body = OneComment),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn add_comment(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let call = call_named(&state, &id).await?;
    let input: CommentInput = parse_json(body, false)?;
    let mut problems = Vec::new();
    let range = input.range().unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    let in_reply_to = input.in_reply_to().unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    if !problems.is_empty() {
        return Err(ApiError::bad_request_all(problems));
    }
    let new = NewComment {
        text: input.comment,
        range,
        in_reply_to,
        public: input.public.unwrap_or(true),
        during_call: input.during_call,
    };
    let c = parley_app::comments::add_comment(
        state.store.as_ref(),
        &principal,
        &call,
        new,
        bounds(&state),
    )
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &OneComment {
            request_id: request_id(),
            comment: CommentView::from_domain(&c, &state.render),
        },
    ))
}

/// Delete a comment on a call, with its replies.
///
/// Its author or an admin may; answers how many comments went (the comment and the
/// replies to it).
#[utoipa::path(
    delete,
    path = "/parley/v1/calls/{id}/comments/{comment}",
    operation_id = "delete-call-comment",
    tag = "Comments",
    params(("id" = String, Path, description = "The call's id."), ("comment" = String, Path, description = "The comment's id.")),
    responses(
        (status = 200, description = "The comment and its replies were deleted.", body = Deleted),
        (status = 404, description = "No such call or comment, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn delete_comment(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, comment)): Path<(String, String)>,
) -> ApiResult<Response> {
    let call = call_named(&state, &id).await?;
    let deleted =
        parley_app::comments::delete_comment(state.store.as_ref(), &principal, &call, &comment)
            .await?;
    Ok(Wire(Deleted {
        request_id: request_id(),
        deleted,
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_comments, add_comment, delete_comment))]
pub struct Doc;

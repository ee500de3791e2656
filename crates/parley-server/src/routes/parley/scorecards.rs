//! `/parley/v1/scorecards`: defining scorecards (admins, or users whose permission profile
//! lets them manage scorecards), and `/parley/v1/calls/{id}/scorecards`: filling one for a
//! call (managers and admins) and listing a call's. Bodies and answers use the field
//! names Gong renders them with.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;
use serde::Serialize;

use gong_api_v2::messages;
use gong_api_v2::scorecards::{
    AnswerScorecardInput, AnsweredMeta, EditAnsweredInput, ParleyAnsweredWire, ScorecardInput,
    ScorecardWire,
};
use parley_app::scorecards::{find_scorecard, AnswerRequest};
use parley_domain::scorecard::Scorecard;
use parley_domain::{CallId, Principal, UserId};

use crate::error::{json_response, request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{existing_call, parse_json, query, workspace_of, WorkspaceQuery};
use crate::routes::v2::scorecards::visible_scorecards;
use crate::AppState;

use super::Done;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/parley/v1/scorecards",
            get(list_scorecards).post(create_scorecard),
        )
        .route(
            "/parley/v1/scorecards/{id}",
            get(get_scorecard)
                .put(replace_scorecard)
                .delete(delete_scorecard),
        )
        .route(
            "/parley/v1/calls/{id}/scorecards",
            get(call_scorecards).post(answer_scorecard),
        )
        .route(
            "/parley/v1/calls/{id}/scorecards/{answered}",
            get(get_answered).put(edit_answered).delete(delete_answered),
        )
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ScorecardList {
    request_id: String,
    scorecards: Vec<ScorecardWire>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct OneScorecard {
    request_id: String,
    scorecard: ScorecardWire,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AnsweredList {
    request_id: String,
    answered_scorecards: Vec<ParleyAnsweredWire>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct OneAnswered {
    request_id: String,
    answered_scorecard: ParleyAnsweredWire,
}

fn one(state: &AppState, s: &Scorecard) -> OneScorecard {
    OneScorecard {
        request_id: request_id(),
        scorecard: ScorecardWire::from_domain(s, &state.render),
    }
}

/// List scorecard definitions with their questions.
///
/// The scorecards of a workspace (the default one when none is named) with their
/// questions and answer options. Unlike Gong's listing, none is a 200 with an empty list.
#[utoipa::path(
    get,
    path = "/parley/v1/scorecards",
    operation_id = "list-scorecards",
    tag = "Scorecards",
    params(super::profiles::WorkspaceParam),
    responses(
        (status = 200, description = "The scorecards.", body = ScorecardList),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn list_scorecards(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<WorkspaceQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let list = visible_scorecards(&state, &principal, q.workspace_id.as_deref()).await?;
    Ok(Wire(ScorecardList {
        request_id: request_id(),
        scorecards: list
            .iter()
            .map(|s| ScorecardWire::from_domain(s, &state.render))
            .collect(),
    })
    .into_response())
}

/// Create a scorecard with its questions.
///
/// A scorecard of a workspace: name, review method, questions and their answer options;
/// answers it with its ids.
#[utoipa::path(
    post,
    path = "/parley/v1/scorecards",
    operation_id = "create-scorecard",
    tag = "Scorecards",
    request_body = ScorecardInput,
    responses(
        (status = 201, description = "The scorecard was created.", body = OneScorecard),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn create_scorecard(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let input: ScorecardInput = parse_json(body, false)?;
    let workspace = workspace_of(
        &state,
        &principal,
        input.workspace_id.as_ref().map(|w| w.0.as_str()),
    )
    .await?;
    let draft = input.into_draft().map_err(ApiError::bad_request_all)?;
    let s = parley_app::scorecards::save_scorecard(
        state.store.as_ref(),
        &principal,
        workspace.id,
        draft,
        None,
    )
    .await?;
    Ok(json_response(StatusCode::CREATED, &one(&state, &s)))
}

/// Get one scorecard definition.
///
/// Its questions and answer options, review method and whether it is enabled.
#[utoipa::path(
    get,
    path = "/parley/v1/scorecards/{id}",
    operation_id = "get-scorecard",
    tag = "Scorecards",
    params(("id" = String, Path, description = "The scorecard's id.")),
    responses(
        (status = 200, description = "The scorecard.", body = OneScorecard),
        (status = 404, description = "No such scorecard.", body = gong_api_v2::ErrorBody),
    )
)]
async fn get_scorecard(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let s = find_scorecard(state.store.as_ref(), &principal, &id).await?;
    Ok(Wire(one(&state, &s)).into_response())
}

/// Change a scorecard's questions or settings.
///
/// Replaces the scorecard with the body (same id); answers it.
#[utoipa::path(
    put,
    path = "/parley/v1/scorecards/{id}",
    operation_id = "update-scorecard",
    tag = "Scorecards",
    params(("id" = String, Path, description = "The scorecard's id.")),
    request_body = ScorecardInput,
    responses(
        (status = 200, description = "The scorecard as changed.", body = OneScorecard),
        (status = 404, description = "No such scorecard or workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn replace_scorecard(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let existing = find_scorecard(state.store.as_ref(), &principal, &id).await?;
    let input: ScorecardInput = parse_json(body, false)?;
    let workspace = match &input.workspace_id {
        Some(w) => workspace_of(&state, &principal, Some(&w.0)).await?.id,
        None => existing.workspace_id,
    };
    let draft = input.into_draft().map_err(ApiError::bad_request_all)?;
    let s = parley_app::scorecards::save_scorecard(
        state.store.as_ref(),
        &principal,
        workspace,
        draft,
        Some(&existing),
    )
    .await?;
    Ok(Wire(one(&state, &s)).into_response())
}

/// Delete a scorecard definition.
///
/// The scorecard can no longer be filled.
#[utoipa::path(
    delete,
    path = "/parley/v1/scorecards/{id}",
    operation_id = "delete-scorecard",
    tag = "Scorecards",
    params(("id" = String, Path, description = "The scorecard's id.")),
    responses(
        (status = 200, description = "The scorecard was deleted.", body = Done),
        (status = 404, description = "No such scorecard.", body = gong_api_v2::ErrorBody),
    )
)]
async fn delete_scorecard(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let existing = find_scorecard(state.store.as_ref(), &principal, &id).await?;
    parley_app::scorecards::delete_scorecard(state.store.as_ref(), &existing).await?;
    Ok(Wire(Done {
        request_id: request_id(),
    })
    .into_response())
}

/// A user id of the body: one that is no id names no user (404, as Gong's).
fn user_of(v: &Option<gong_api_v2::WireId>) -> ApiResult<Option<UserId>> {
    v.as_ref()
        .map(|w| {
            w.numeric()
                .map(UserId)
                .ok_or_else(|| ApiError::not_found(messages::user_not_found(&w.0)))
        })
        .transpose()
}

/// Fill in a scorecard for a call.
///
/// Reviews the call with a scorecard: the answers to its questions, who was reviewed,
/// by whom, and who may see it; answers the answered scorecard. Managers and admins.
#[utoipa::path(
    post,
    path = "/parley/v1/calls/{id}/scorecards",
    operation_id = "answer-call-scorecard",
    tag = "Scorecards",
    params(("id" = String, Path, description = "The call's id.")),
    request_body = AnswerScorecardInput,
    responses(
        (status = 201, description = "The answered scorecard.", body = OneAnswered),
        (status = 404, description = "No such call, scorecard or user, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn answer_scorecard(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let call_id = existing_call(&state, &principal, &id).await?;
    let input: AnswerScorecardInput = parse_json(body, false)?;
    let call = state
        .store
        .get_call(call_id)
        .await?
        .ok_or_else(|| ApiError::not_found(messages::call_not_found(&id)))?;
    let scorecard = find_scorecard(state.store.as_ref(), &principal, &input.scorecard_id.0).await?;
    let parts = input
        .parts(state.config.timezone, state.config.max_filter_ids)
        .map_err(ApiError::bad_request_all)?;
    let answered = parley_app::scorecards::answer_scorecard(
        state.store.as_ref(),
        &principal,
        &call,
        AnswerRequest {
            reviewed: user_of(&input.reviewed_user_id)?,
            reviewer: user_of(&input.reviewer_user_id)?,
            at: parts.at,
            visibility: parts.visibility,
            answers: parts.answers,
            scorecard: scorecard.clone(),
        },
    )
    .await?;
    let meta = AnsweredMeta {
        scorecard_name: &scorecard.name,
        review_method: scorecard.review_method,
        call_started: call.started,
        overall: scorecard
            .questions
            .iter()
            .find(|q| q.is_overall)
            .map(|q| q.id),
    };
    Ok(json_response(
        StatusCode::CREATED,
        &OneAnswered {
            request_id: request_id(),
            answered_scorecard: ParleyAnsweredWire::from_domain(&answered, &meta, &state.render),
        },
    ))
}

/// List the scorecards filled for a call.
///
/// The answered scorecards of the call the caller may read, in review order, with their
/// answers (at most a page: a call has few).
#[utoipa::path(
    get,
    path = "/parley/v1/calls/{id}/scorecards",
    operation_id = "list-call-scorecards",
    tag = "Scorecards",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 200, description = "The answered scorecards.", body = AnsweredList),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn call_scorecards(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call_id: CallId = existing_call(&state, &principal, &id).await?;
    let viewer = parley_app::scorecards::answered_viewer(state.store.as_ref(), &principal).await?;
    let list = parley_app::scorecards::answered_for_call(
        state.store.as_ref(),
        call_id,
        viewer,
        state.config.page_size,
    )
    .await?;
    let out = list
        .iter()
        .map(|(r, overall)| {
            ParleyAnsweredWire::from_domain(
                &r.answered,
                &AnsweredMeta {
                    scorecard_name: &r.scorecard_name,
                    review_method: r.review_method,
                    call_started: r.call_started,
                    overall: *overall,
                },
                &state.render,
            )
        })
        .collect();
    Ok(Wire(AnsweredList {
        request_id: request_id(),
        answered_scorecards: out,
    })
    .into_response())
}

/// The call of `id` (which the caller may see) and its answered scorecard `answered`
/// (which the caller may read).
async fn call_and_answered(
    state: &AppState,
    principal: &Principal,
    id: &str,
    answered: &str,
) -> ApiResult<(parley_domain::Call, parley_store::AnsweredRecord)> {
    let call_id = existing_call(state, principal, id).await?;
    let call = state
        .store
        .get_call(call_id)
        .await?
        .ok_or_else(|| ApiError::not_found(messages::call_not_found(id)))?;
    let found =
        parley_app::scorecards::find_answered(state.store.as_ref(), principal, &call, answered)
            .await?;
    Ok((call, found))
}

/// One answered scorecard as Parley renders it, with its scorecard's overall question.
async fn render_answered(
    state: &AppState,
    r: &parley_store::AnsweredRecord,
    answered: &parley_domain::scorecard::AnsweredScorecard,
) -> ApiResult<OneAnswered> {
    let overall = state
        .store
        .get_scorecard(r.answered.scorecard_id)
        .await?
        .and_then(|s| s.questions.iter().find(|q| q.is_overall).map(|q| q.id));
    let meta = AnsweredMeta {
        scorecard_name: &r.scorecard_name,
        review_method: r.review_method,
        call_started: r.call_started,
        overall,
    };
    Ok(OneAnswered {
        request_id: request_id(),
        answered_scorecard: ParleyAnsweredWire::from_domain(answered, &meta, &state.render),
    })
}

/// Get one filled scorecard of a call.
///
/// Its answers, reviewer, reviewed user and visibility.
#[utoipa::path(
    get,
    path = "/parley/v1/calls/{id}/scorecards/{answered}",
    operation_id = "get-answered-scorecard",
    tag = "Scorecards",
    params(("id" = String, Path, description = "The call's id."), ("answered" = String, Path, description = "The answered scorecard's id.")),
    responses(
        (status = 200, description = "The answered scorecard.", body = OneAnswered),
        (status = 404, description = "No such call or answered scorecard, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn get_answered(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, answered)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (_, found) = call_and_answered(&state, &principal, &id, &answered).await?;
    Ok(Wire(render_answered(&state, &found, &found.answered).await?).into_response())
}

/// Change the answers of a filled scorecard.
///
/// Edits it in place (its reviewer or an admin): same id, new answers or visibility.
#[utoipa::path(
    put,
    path = "/parley/v1/calls/{id}/scorecards/{answered}",
    operation_id = "update-answered-scorecard",
    tag = "Scorecards",
    params(("id" = String, Path, description = "The call's id."), ("answered" = String, Path, description = "The answered scorecard's id.")),
    request_body = EditAnsweredInput,
    responses(
        (status = 200, description = "The answered scorecard as changed.", body = OneAnswered),
        (status = 404, description = "No such call or answered scorecard, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn edit_answered(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, answered)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let (_, found) = call_and_answered(&state, &principal, &id, &answered).await?;
    let input: EditAnsweredInput = parse_json(body, false)?;
    let (visibility, answers) = input
        .parts(state.config.max_filter_ids)
        .map_err(ApiError::bad_request_all)?;
    let edited = parley_app::scorecards::edit_answered(
        state.store.as_ref(),
        &principal,
        &found,
        parley_app::scorecards::AnswerChange {
            visibility,
            answers,
        },
    )
    .await?;
    Ok(Wire(render_answered(&state, &found, &edited).await?).into_response())
}

/// Delete a filled scorecard of a call.
///
/// Its reviewer or an admin may.
#[utoipa::path(
    delete,
    path = "/parley/v1/calls/{id}/scorecards/{answered}",
    operation_id = "delete-answered-scorecard",
    tag = "Scorecards",
    params(("id" = String, Path, description = "The call's id."), ("answered" = String, Path, description = "The answered scorecard's id.")),
    responses(
        (status = 200, description = "The answered scorecard was deleted.", body = Done),
        (status = 404, description = "No such call or answered scorecard, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn delete_answered(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, answered)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (_, found) = call_and_answered(&state, &principal, &id, &answered).await?;
    parley_app::scorecards::delete_answered(state.store.as_ref(), &principal, &found).await?;
    Ok(Wire(Done {
        request_id: request_id(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_scorecards,
    create_scorecard,
    get_scorecard,
    replace_scorecard,
    delete_scorecard,
    call_scorecards,
    answer_scorecard,
    get_answered,
    edit_answered,
    delete_answered
))]
pub struct Doc;

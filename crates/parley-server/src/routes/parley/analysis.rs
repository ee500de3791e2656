//! Running analyses and reading a call's whole stored analysis.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{existing_call, job_reply, parse_json, workspace_of, WorkspaceQuery};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/parley/v1/analyze", post(analyze_everything))
        .route("/parley/v1/calls/{id}/analyze", post(analyze_one))
        .route("/parley/v1/calls/{id}/analysis", get(call_analysis))
}

async fn analyze_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let call = existing_call(&state, &id).await?;
    let job = parley_app::analysis::request_analysis(state.store.as_ref(), call).await?;
    Ok(job_reply(StatusCode::ACCEPTED, &job))
}

async fn analyze_everything(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q: WorkspaceQuery = parse_json(body, true)?;
    let workspace = match q.workspace_id.as_deref() {
        Some(w) => Some(workspace_of(&state, Some(w)).await?.id),
        None => None,
    };
    let job =
        parley_app::analysis::request_workspace_analysis(state.store.as_ref(), workspace).await?;
    Ok(job_reply(StatusCode::ACCEPTED, &job))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AnalysisView {
    request_id: String,
    call_id: String,
    analysis: parley_analysis::CallAnalysis,
}

async fn call_analysis(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call = existing_call(&state, &id).await?;
    let analysis = state
        .store
        .analyses_of(&[call])
        .await?
        .remove(&call)
        .ok_or_else(|| ApiError::not_found(format!("call {id} has not been analysed yet")))?;
    Ok(Wire(AnalysisView {
        request_id: request_id(),
        call_id: call.to_string(),
        analysis,
    })
    .into_response())
}

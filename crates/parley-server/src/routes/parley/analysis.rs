//! Running analyses and reading a call's whole stored analysis.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Extension;
use axum::Router;
use serde::Serialize;

use parley_domain::Principal;

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{existing_call, job_reply, parse_json, workspace_of, WorkspaceQuery};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/parley/v1/analyze", post(analyze_everything))
        .route("/parley/v1/calls/{id}/analyze", post(analyze_one))
        .route("/parley/v1/calls/{id}/analysis", get(call_analysis))
}

/// Re-run the analysis of a call.
///
/// Queues an analysis job (trackers, topics, highlights, interaction stats) for the call's
/// transcript and answers it; poll `GET /parley/v1/calls/{id}/jobs`.
#[utoipa::path(
    post,
    path = "/parley/v1/calls/{id}/analyze",
    operation_id = "analyze-call",
    tag = "Analysis",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 202, description = "The analysis job was queued.", body = crate::routes::parley::jobs::Jobs),
        (status = 404, description = "No such call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn analyze_one(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call = existing_call(&state, &principal, &id).await?;
    let job = parley_app::analysis::request_analysis(state.store.as_ref(), call).await?;
    Ok(job_reply(StatusCode::ACCEPTED, &job))
}

/// Re-run the analysis of every call of a workspace.
///
/// Queues one job that re-analyses every transcribed call of the workspace (every
/// workspace the caller reaches when none is named) and answers it.
#[utoipa::path(
    post,
    path = "/parley/v1/analyze",
    operation_id = "analyze-all-calls",
    tag = "Analysis",
    request_body(content = Option<AnalyzeBody>, description = "The workspace; may be empty."),
    responses(
        (status = 202, description = "The analysis job was queued.", body = crate::routes::parley::jobs::Jobs),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn analyze_everything(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q: WorkspaceQuery = parse_json(body, true)?;
    let workspace = match q.workspace_id.as_deref() {
        Some(w) => Some(workspace_of(&state, &principal, Some(w)).await?.id),
        // Every workspace, or only a bound key's own.
        None => principal.workspace,
    };
    let job =
        parley_app::analysis::request_workspace_analysis(state.store.as_ref(), workspace).await?;
    Ok(job_reply(StatusCode::ACCEPTED, &job))
}

/// The body of `POST /parley/v1/analyze` (read as [`WorkspaceQuery`]).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct AnalyzeBody {
    /// The workspace whose calls to analyse; all the caller reaches when absent.
    workspace_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AnalysisView {
    request_id: String,
    call_id: String,
    /// The stored analysis with camelCase keys: talk ratio, trackers, topics, highlights,
    /// per-monologue facts and the engine that made it.
    #[schema(value_type = Object)]
    analysis: serde_json::Value,
}

/// Parley's API speaks camelCase, like Gong's; the stored analysis serialises with its
/// Rust (snake_case) field names, so its object keys are converted on the way out. Every
/// object in it is a struct or an enum tag (no map is keyed by data), so no tracker,
/// topic or speaker name is renamed; values are never touched.
fn camel_case_keys(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (camel(&k), camel_case_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(camel_case_keys).collect()),
        other => other,
    }
}

fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Get everything Parley's analysis found in a call.
///
/// The call's whole stored analysis (trackers, topics, highlights, questions, talk
/// ratios, next steps) with camelCase keys. 404 until the call has been analysed.
#[utoipa::path(
    get,
    path = "/parley/v1/calls/{id}/analysis",
    operation_id = "get-call-analysis",
    tag = "Analysis",
    params(("id" = String, Path, description = "The call's id.")),
    responses(
        (status = 200, description = "The call's analysis.", body = AnalysisView),
        (status = 404, description = "No such call, or it has not been analysed yet.", body = gong_api_v2::ErrorBody),
    )
)]
async fn call_analysis(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call = existing_call(&state, &principal, &id).await?;
    let analysis = parley_app::stored::analyses_of(state.store.as_ref(), &[call])
        .await?
        .remove(&call)
        .ok_or_else(|| ApiError::not_found(format!("call {id} has not been analysed yet")))?;
    let analysis = serde_json::to_value(&analysis)
        .map_err(|e| ApiError::from(parley_app::AppError::internal(e.to_string())))?;
    Ok(Wire(AnalysisView {
        request_id: request_id(),
        call_id: call.to_string(),
        analysis: camel_case_keys(analysis),
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_camel_case_and_values_stay() {
        let v = serde_json::json!({
            "talk_ratio": 0.5,
            "per_monologue": [{"topic_name": "pricing_talk", "First": {"Minutes": 2}}],
            "engine": "extractive",
        });
        assert_eq!(
            camel_case_keys(v),
            serde_json::json!({
                "talkRatio": 0.5,
                "perMonologue": [{"topicName": "pricing_talk", "First": {"Minutes": 2}}],
                "engine": "extractive",
            })
        );
        assert_eq!(camel("_private"), "_private");
    }
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(analyze_everything, analyze_one, call_analysis))]
pub struct Doc;

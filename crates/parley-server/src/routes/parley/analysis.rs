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

async fn analyze_one(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let call = existing_call(&state, &principal, &id).await?;
    let job = parley_app::analysis::request_analysis(state.store.as_ref(), call).await?;
    Ok(job_reply(StatusCode::ACCEPTED, &job))
}

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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AnalysisView {
    request_id: String,
    call_id: String,
    /// The stored analysis with camelCase keys (see [`camel_case_keys`]).
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
#[openapi()]
pub struct Doc;

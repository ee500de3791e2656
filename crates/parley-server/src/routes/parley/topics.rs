//! `/parley/v1/topics`: a workspace's call topics.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;
use serde::{Deserialize, Serialize};

use parley_analysis::topics::{default_topics, TopicDef};

use parley_domain::Principal;

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{job_reply, parse_json, query, workspace_of, WorkspaceQuery};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/parley/v1/topics", get(get_topics).put(put_topics))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
struct TopicView {
    #[schema(min_length = 1, pattern = "\\S")]
    name: String,
    /// At least one keyword that is not blank.
    #[schema(min_items = 1)]
    keywords: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct TopicsView {
    request_id: String,
    workspace_id: String,
    /// True while the workspace uses Parley's default topic set.
    is_default: bool,
    topics: Vec<TopicView>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct TopicsBody {
    /// The whole topic set (at most 100, names unique); it replaces the workspace's.
    #[schema(max_items = 100)]
    topics: Vec<TopicView>,
}

/// List the topics calls are sorted into.
///
/// A workspace's call topics (the default one's when none is named) with their keywords;
/// `isDefault` while it uses Parley's default set.
#[utoipa::path(
    get,
    path = "/parley/v1/topics",
    operation_id = "list-topics",
    tag = "Topics",
    params(super::profiles::WorkspaceParam),
    responses(
        (status = 200, description = "The topics.", body = TopicsView),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn get_topics(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<WorkspaceQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let w = workspace_of(&state, &principal, q.workspace_id.as_deref()).await?;
    let custom = state.store.workspace_topics(w.id).await?;
    let is_default = custom.is_none();
    let topics = custom.unwrap_or_else(default_topics);
    Ok(Wire(TopicsView {
        request_id: request_id(),
        workspace_id: w.id.to_string(),
        is_default,
        topics: topics
            .into_iter()
            .map(|t| TopicView {
                name: t.name,
                keywords: t.keywords,
            })
            .collect(),
    })
    .into_response())
}

/// Replace a workspace's call topics.
///
/// Sets the whole topic set (names and keywords) and queues the job that re-sorts the
/// workspace's calls into them; answers that job.
#[utoipa::path(
    put,
    path = "/parley/v1/topics",
    operation_id = "replace-topics",
    tag = "Topics",
    params(super::profiles::WorkspaceParam),
    request_body = TopicsBody,
    responses(
        (status = 200, description = "The topics are set; the job that re-sorts the calls.", body = crate::routes::parley::jobs::Jobs),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn put_topics(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<WorkspaceQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let w = workspace_of(&state, &principal, q.workspace_id.as_deref()).await?;
    let body: TopicsBody = parse_json(body, false)?;
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, t) in body.topics.iter().enumerate() {
        let name = t.name.trim();
        if name.is_empty() {
            errors.push(format!("topics[{i}].name must not be empty"));
        } else if !seen.insert(name.to_lowercase()) {
            errors.push(format!("topics[{i}].name {name:?} is given twice"));
        }
        if t.keywords.iter().all(|k| k.trim().is_empty()) {
            errors.push(format!(
                "topics[{i}].keywords must hold at least one keyword"
            ));
        }
    }
    if body.topics.len() > 100 {
        errors.push("at most 100 topics are allowed".into());
    }
    if !errors.is_empty() {
        return Err(ApiError::bad_request_all(errors));
    }
    let defs: Vec<TopicDef> = body
        .topics
        .into_iter()
        .map(|t| TopicDef {
            name: t.name.trim().to_owned(),
            keywords: t
                .keywords
                .into_iter()
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .collect(),
        })
        .collect();
    let job = parley_app::analysis::set_topics(state.store.as_ref(), w.id, &defs).await?;
    Ok(job_reply(StatusCode::OK, &job))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_topics, put_topics))]
pub struct Doc;

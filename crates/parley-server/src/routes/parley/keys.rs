//! `/parley/v1/keys`: API keys, for admins: list (never secrets), create with scopes, a
//! workspace and an owner, rotate, revoke. `PUT /parley/v1/users/{id}/role` sets roles.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::Router;
use serde::{Deserialize, Serialize};

use gong_api_v2::WireId;
use parley_app::keys::{self, KeySpec};
use parley_domain::{Role, ScopeSet, UserId, WorkspaceId};
use parley_store::ApiKeyRecord;

use crate::error::{json_response, request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::parse_json;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/parley/v1/keys", get(list_keys).post(create_key))
        .route("/parley/v1/keys/{key}/rotate", post(rotate_key))
        .route("/parley/v1/keys/{key}", delete(revoke_key))
        .route("/parley/v1/users/{id}/role", put(set_role))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyView {
    access_key: String,
    name: String,
    /// Space-separated scope strings.
    scopes: String,
    /// `full` or `read-only` when the scopes are exactly a preset.
    preset: Option<&'static str>,
    workspace_id: Option<String>,
    owner_user_id: Option<String>,
    created: String,
    last_used: Option<String>,
    revoked: Option<String>,
}

impl KeyView {
    fn of(k: &ApiKeyRecord) -> KeyView {
        KeyView {
            access_key: k.access_key.clone(),
            name: k.name.clone(),
            scopes: k.scopes.to_string(),
            preset: k.scopes.preset_name(),
            workspace_id: k.workspace.map(|w| w.to_string()),
            owner_user_id: k.owner.map(|u| u.to_string()),
            created: k.created.to_rfc3339(),
            last_used: k.last_used.map(|t| t.to_rfc3339()),
            revoked: k.revoked.map(|t| t.to_rfc3339()),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct KeysResponse {
    request_id: String,
    keys: Vec<KeyView>,
}

async fn list_keys(State(state): State<AppState>) -> ApiResult<Response> {
    let list = keys::list_keys(state.store.as_ref()).await?;
    Ok(Wire(KeysResponse {
        request_id: request_id(),
        keys: list.iter().map(KeyView::of).collect(),
    })
    .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewKeyBody {
    name: String,
    /// `full`, `read-only`, or scope strings separated by spaces or commas.
    #[serde(default = "full")]
    scopes: String,
    workspace_id: Option<WireId>,
    owner_user_id: Option<WireId>,
}

fn full() -> String {
    "full".to_owned()
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SecretResponse {
    request_id: String,
    key: KeyView,
    /// Shown only in this answer; Parley keeps only its hash.
    secret: String,
}

fn numeric(name: &str, id: Option<WireId>) -> ApiResult<Option<i64>> {
    id.map(|w| {
        w.numeric()
            .ok_or_else(|| ApiError::bad_request(format!("{name} must be a numeric id")))
    })
    .transpose()
}

async fn create_key(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let b: NewKeyBody = parse_json(body, false)?;
    let scopes =
        ScopeSet::parse(&b.scopes).map_err(|e| ApiError::bad_request(format!("scopes: {e}")))?;
    let spec = KeySpec {
        name: b.name,
        scopes,
        workspace: numeric("workspaceId", b.workspace_id)?.map(WorkspaceId),
        owner: numeric("ownerUserId", b.owner_user_id)?.map(UserId),
    };
    let key = keys::create_key(state.store.as_ref(), &spec).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &SecretResponse {
            request_id: request_id(),
            key: KeyView::of(&key.record),
            secret: key.secret,
        },
    ))
}

async fn rotate_key(
    State(state): State<AppState>,
    Path(access_key): Path<String>,
) -> ApiResult<Response> {
    let secret = keys::rotate_key(state.store.as_ref(), &access_key).await?;
    let record = state
        .store
        .get_api_key(&access_key)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no active key {access_key}")))?;
    Ok(Wire(SecretResponse {
        request_id: request_id(),
        key: KeyView::of(&record),
        secret,
    })
    .into_response())
}

async fn revoke_key(
    State(state): State<AppState>,
    Path(access_key): Path<String>,
) -> ApiResult<Response> {
    keys::revoke_key(state.store.as_ref(), &access_key).await?;
    Ok(Wire(serde_json::json!({ "requestId": request_id() })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: String,
}

async fn set_role(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let b: RoleBody = parse_json(body, false)?;
    let role = Role::parse(&b.role).ok_or_else(|| {
        ApiError::bad_request(format!(
            "role: {:?} is not one of admin, manager, member",
            b.role
        ))
    })?;
    let not_found = || ApiError::not_found(gong_api_v2::messages::user_not_found(&id));
    let user = parley_domain::parse_id(&id)
        .map(UserId)
        .map_err(|_| not_found())?;
    parley_app::users::set_role(state.store.as_ref(), user, role)
        .await
        .map_err(|e| match e {
            parley_app::AppError::NotFound(_) => not_found(),
            other => other.into(),
        })?;
    Ok(Wire(serde_json::json!({
        "requestId": request_id(),
        "userId": id,
        "role": role.key(),
    }))
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Doc;

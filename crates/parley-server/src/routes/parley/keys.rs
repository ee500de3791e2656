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

/// An API key as admins see it (never its secret).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ApiKeyView)]
struct KeyView {
    access_key: String,
    name: String,
    /// Space-separated scope strings.
    scopes: String,
    /// `full` or `read-only` when the scopes are exactly a preset.
    #[schema(value_type = Option<String>)]
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ApiKeys)]
struct KeysResponse {
    request_id: String,
    keys: Vec<KeyView>,
}

/// List the company's API keys.
///
/// Every key, active or revoked, with its scopes, workspace, owner and when it was last
/// used; never a secret. Admins only.
#[utoipa::path(
    get,
    path = "/parley/v1/keys",
    operation_id = "list-api-keys",
    tag = "Keys",
    responses((status = 200, description = "The keys.", body = KeysResponse))
)]
async fn list_keys(State(state): State<AppState>) -> ApiResult<Response> {
    let list = keys::list_keys(state.store.as_ref()).await?;
    Ok(Wire(KeysResponse {
        request_id: request_id(),
        keys: list.iter().map(KeyView::of).collect(),
    })
    .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = NewApiKey)]
struct NewKeyBody {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: String,
    /// `full`, `read-only`, or scope strings separated by spaces or commas.
    #[serde(default = "full")]
    #[schema(default = "full")]
    scopes: String,
    /// Binds the key to one workspace.
    workspace_id: Option<WireId>,
    /// The user the key acts for (a company key when absent).
    owner_user_id: Option<WireId>,
}

fn full() -> String {
    "full".to_owned()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ApiKeySecret)]
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

/// Create an API key with chosen scopes.
///
/// Makes an access key and secret (scopes `full`, `read-only` or a list), optionally bound
/// to a workspace and acting for a user. The secret is in this answer only.
#[utoipa::path(
    post,
    path = "/parley/v1/keys",
    operation_id = "create-api-key",
    tag = "Keys",
    request_body = NewKeyBody,
    responses((status = 201, description = "The key and its secret.", body = SecretResponse))
)]
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

/// Give an API key a new secret.
///
/// The old secret stops working at once; the new one is in this answer only. Rotating
/// the key the request is made with locks the caller out until it uses the new secret.
#[utoipa::path(
    post,
    path = "/parley/v1/keys/{key}/rotate",
    operation_id = "rotate-api-key",
    tag = "Keys",
    params(("key" = String, Path, description = "The access key.")),
    responses(
        (status = 200, description = "The key and its new secret.", body = SecretResponse),
        (status = 404, description = "No active key with this access key.", body = gong_api_v2::ErrorBody),
    )
)]
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

/// Revoke an API key.
///
/// The key stops working at once and for good; it stays listed as revoked.
#[utoipa::path(
    delete,
    path = "/parley/v1/keys/{key}",
    operation_id = "revoke-api-key",
    tag = "Keys",
    params(("key" = String, Path, description = "The access key.")),
    responses(
        (status = 200, description = "The key is revoked.", body = super::Done),
        (status = 404, description = "No active key with this access key.", body = gong_api_v2::ErrorBody),
    )
)]
async fn revoke_key(
    State(state): State<AppState>,
    Path(access_key): Path<String>,
) -> ApiResult<Response> {
    keys::revoke_key(state.store.as_ref(), &access_key).await?;
    Ok(Wire(super::Done::now()).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    /// `admin`, `manager` or `member`.
    #[schema(pattern = "^(admin|manager|member)$")]
    role: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct RoleSet {
    request_id: String,
    user_id: String,
    /// `admin`, `manager` or `member`.
    #[schema(value_type = String)]
    role: &'static str,
}

/// Make a user an admin, manager or member.
///
/// Sets the user's company role, which decides what they may do and which calls they see
/// (unless a permission profile says otherwise).
#[utoipa::path(
    put,
    path = "/parley/v1/users/{id}/role",
    operation_id = "set-user-role",
    tag = "Users",
    params(("id" = String, Path, description = "The user's id.")),
    request_body = RoleBody,
    responses(
        (status = 200, description = "The role is set.", body = RoleSet),
        (status = 404, description = "No such user.", body = gong_api_v2::ErrorBody),
    )
)]
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
    Ok(Wire(RoleSet {
        request_id: request_id(),
        user_id: id,
        role: role.key(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_keys, create_key, rotate_key, revoke_key, set_role))]
pub struct Doc;

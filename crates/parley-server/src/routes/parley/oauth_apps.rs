//! `/parley/v1/oauth-apps`: third-party apps that may ask users for OAuth tokens, for
//! admins: list (never secrets), register (the client secret is shown once), revoke
//! (with every token the app holds).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::Router;
use serde::{Deserialize, Serialize};

use gong_api_v2::WireId;
use parley_app::oauth::{self, AppSpec};
use parley_domain::{ScopeSet, UserId};
use parley_store::OAuthAppRecord;

use crate::error::{json_response, request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::parse_json;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/parley/v1/oauth-apps", get(list_apps).post(create_app))
        .route("/parley/v1/oauth-apps/{client_id}", delete(revoke_app))
}

/// A registered OAuth app (never its secret).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OAuthAppView)]
struct AppView {
    client_id: String,
    name: String,
    redirect_uris: Vec<String>,
    /// Space-separated scope strings: the most the app may ask for.
    scopes: String,
    owner_user_id: Option<String>,
    created: String,
    revoked: Option<String>,
}

impl AppView {
    fn of(a: &OAuthAppRecord) -> AppView {
        AppView {
            client_id: a.client_id.clone(),
            name: a.name.clone(),
            redirect_uris: a.redirect_uris.clone(),
            scopes: a.scopes.to_string(),
            owner_user_id: a.owner.map(|u| u.to_string()),
            created: a.created.to_rfc3339(),
            revoked: a.revoked.map(|t| t.to_rfc3339()),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OAuthApps)]
struct AppsResponse {
    request_id: String,
    apps: Vec<AppView>,
}

/// List the OAuth apps registered with Parley.
///
/// Every third-party app that may ask users for tokens, with its redirect URIs, most
/// scopes and whether it was revoked; never a secret. Admins only.
#[utoipa::path(
    get,
    path = "/parley/v1/oauth-apps",
    operation_id = "list-oauth-apps",
    tag = "OAuth",
    responses((status = 200, description = "The apps.", body = AppsResponse))
)]
async fn list_apps(State(state): State<AppState>) -> ApiResult<Response> {
    let apps = oauth::list_apps(state.store.as_ref()).await?;
    Ok(Wire(AppsResponse {
        request_id: request_id(),
        apps: apps.iter().map(AppView::of).collect(),
    })
    .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = NewOAuthApp)]
struct NewAppBody {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: String,
    /// Where the app may be sent back to: 1 to 10 absolute URLs (https, or http on
    /// loopback).
    #[schema(min_items = 1, max_items = 10)]
    redirect_uris: Vec<String>,
    /// `full`, `read-only`, or scope strings separated by spaces or commas.
    #[serde(default = "read_only")]
    #[schema(default = "read-only")]
    scopes: String,
    owner_user_id: Option<WireId>,
}

fn read_only() -> String {
    "read-only".to_owned()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OAuthAppSecret)]
struct SecretResponse {
    request_id: String,
    app: AppView,
    /// Shown only in this answer; Parley keeps only its hash.
    client_secret: String,
}

/// Register a third-party app for OAuth.
///
/// Gives the app a client id and secret, its allowed redirect URIs and the most scopes it
/// may ask users for (`read-only` unless said). The secret is in this answer only.
#[utoipa::path(
    post,
    path = "/parley/v1/oauth-apps",
    operation_id = "create-oauth-app",
    tag = "OAuth",
    request_body = NewAppBody,
    responses((status = 201, description = "The app and its client secret.", body = SecretResponse))
)]
async fn create_app(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let b: NewAppBody = parse_json(body, false)?;
    let scopes =
        ScopeSet::parse(&b.scopes).map_err(|e| ApiError::bad_request(format!("scopes: {e}")))?;
    let owner = b
        .owner_user_id
        .map(|w| {
            w.numeric()
                .map(UserId)
                .ok_or_else(|| ApiError::bad_request("ownerUserId must be a numeric id"))
        })
        .transpose()?;
    let new = oauth::register_app(
        state.store.as_ref(),
        &AppSpec {
            name: b.name,
            redirect_uris: b.redirect_uris,
            scopes,
            owner,
        },
    )
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &SecretResponse {
            request_id: request_id(),
            app: AppView::of(&new.record),
            client_secret: new.secret,
        },
    ))
}

/// Revoke an OAuth app and every token it holds.
///
/// The app can no longer get tokens, and the access and refresh tokens users gave it stop
/// working at once.
#[utoipa::path(
    delete,
    path = "/parley/v1/oauth-apps/{client_id}",
    operation_id = "delete-oauth-app",
    tag = "OAuth",
    params(("client_id" = String, Path, description = "The app's client id.")),
    responses(
        (status = 200, description = "The app is revoked.", body = super::Done),
        (status = 404, description = "No active app with this client id.", body = gong_api_v2::ErrorBody),
    )
)]
async fn revoke_app(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
) -> ApiResult<Response> {
    oauth::revoke_app(state.store.as_ref(), &client_id).await?;
    Ok(Wire(super::Done::now()).into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_apps, create_app, revoke_app))]
pub struct Doc;

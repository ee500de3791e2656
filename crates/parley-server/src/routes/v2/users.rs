//! `/v2/users`: company users and their settings history.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use gong_api_v2::users::{
    ListUsersQuery, SettingChangeWire, SettingsHistoryResponse, UserResponse, UserWire,
    UsersExtensiveRequest, UsersResponse,
};
use gong_api_v2::{messages, WireId};
use parley_domain::UserId;
use parley_store::UserFilter;

use crate::cursor::{ids_of, FilterKey};
use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{filter_ids, optional_datetime, parse_json, query, CursorQuery};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/users", get(list_users))
        .route("/v2/users/extensive", post(users_extensive))
        .route("/v2/users/{id}", get(get_user))
        .route("/v2/users/{id}/settings-history", get(settings_history))
}

/// One page of users in id order.
async fn page_of_users(
    state: &AppState,
    endpoint: &str,
    filter: &UserFilter,
    cursor: Option<&str>,
) -> ApiResult<Response> {
    let digest = FilterKey::new()
        .field(
            "createdFrom",
            filter.created_from.map(|t| t.timestamp_micros()),
        )
        .field("createdTo", filter.created_to.map(|t| t.timestamp_micros()))
        .field("userIds", ids_of(&filter.user_ids, |u| u.0))
        .digest();
    let start = state.cursors.start(cursor, endpoint, &digest)?;
    let after = match start.after.as_deref() {
        None => None,
        Some(&[id]) => Some(UserId(id)),
        Some(_) => return Err(ApiError::bad_request("cursor is invalid")),
    };
    let total = match start.total {
        Some(t) => t,
        None => state.store.count_users(filter).await?,
    };
    let size = state.config.page_size;
    let users = state.store.list_users(filter, after, size + 1).await?;
    if users.is_empty() {
        return Err(ApiError::not_found(messages::NO_USERS_FOUND));
    }
    let (users, records) = state
        .cursors
        .page(users, size, &start, total, |u| vec![u.id.0]);
    Ok(Wire(UsersResponse {
        request_id: request_id(),
        records,
        users: users
            .iter()
            .map(|u| UserWire::from_domain(u, &state.render))
            .collect(),
    })
    .into_response())
}

/// List the company's users.
///
/// Every user with their id, name, email address, title, manager, phone and settings, in
/// id order, 100 per page; follow `records.cursor`.
#[utoipa::path(
    get,
    path = "/v2/users",
    operation_id = "list-users",
    tag = "Users",
    params(ListUsersQuery),
    responses(
        (status = 200, description = "A page of users.", body = UsersResponse),
        (status = 404, description = "No users found.", body = gong_api_v2::ErrorBody),
    )
)]
async fn list_users(
    State(state): State<AppState>,
    q: Result<Query<ListUsersQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    // `includeAvatars` is read and ignored: Parley has no synthetic "avatar" users.
    page_of_users(&state, "users", &UserFilter::default(), q.cursor.as_deref()).await
}

/// List users by id or by when they were created.
///
/// Users matching `filter` (`userIds`, `createdFromDateTime`, `createdToDateTime`), in
/// id order, 100 per page; follow `records.cursor`.
#[utoipa::path(
    post,
    path = "/v2/users/extensive",
    operation_id = "get-users-extensive",
    tag = "Users",
    params(CursorQuery),
    request_body = UsersExtensiveRequest,
    responses(
        (status = 200, description = "A page of users.", body = UsersResponse),
        (status = 404, description = "No users match the filter.", body = gong_api_v2::ErrorBody),
    )
)]
async fn users_extensive(
    State(state): State<AppState>,
    q: Result<Query<CursorQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let req: UsersExtensiveRequest = parse_json(body, true)?;
    let parse = |name: &str, v: &Option<String>| optional_datetime(&state, name, v);
    let filter = UserFilter {
        created_from: parse(
            "filter.createdFromDateTime",
            &req.filter.created_from_date_time,
        )?,
        created_to: parse("filter.createdToDateTime", &req.filter.created_to_date_time)?,
        user_ids: req
            .filter
            .user_ids
            .as_ref()
            .map(|ids| {
                filter_ids(
                    &state,
                    "filter.userIds",
                    ids.iter().filter_map(WireId::numeric),
                )
            })
            .transpose()?
            .map(|ids| ids.into_iter().map(UserId).collect()),
    };
    let cursor = req.cursor.or(q.cursor);
    page_of_users(&state, "users-extensive", &filter, cursor.as_deref()).await
}

async fn find_user(state: &AppState, id: &str) -> ApiResult<parley_domain::User> {
    let user = match parley_domain::parse_id(id) {
        Ok(n) => state.store.get_user(UserId(n)).await?,
        Err(_) => None,
    };
    user.ok_or_else(|| ApiError::not_found(messages::user_not_found(id)))
}

/// Get one user by their id.
#[utoipa::path(
    get,
    path = "/v2/users/{id}",
    operation_id = "get-user",
    tag = "Users",
    params(("id" = String, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "The user.", body = UserResponse),
        (status = 404, description = "No such user.", body = gong_api_v2::ErrorBody),
    )
)]
async fn get_user(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let user = find_user(&state, &id).await?;
    Ok(Wire(UserResponse {
        request_id: request_id(),
        user: UserWire::from_domain(&user, &state.render),
    })
    .into_response())
}

/// See how a user's settings (recording, import, telephony) changed over time.
///
/// Each change of the user's settings: which setting, its new value, and from when.
#[utoipa::path(
    get,
    path = "/v2/users/{id}/settings-history",
    operation_id = "get-user-settings-history",
    tag = "Users",
    params(("id" = String, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "The user's settings history.", body = SettingsHistoryResponse),
        (status = 404, description = "No such user.", body = gong_api_v2::ErrorBody),
    )
)]
async fn settings_history(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let user = find_user(&state, &id).await?;
    let history = state.store.settings_history(user.id).await?;
    Ok(Wire(SettingsHistoryResponse {
        request_id: request_id(),
        user_settings_history: history
            .iter()
            .map(|c| SettingChangeWire::from_domain(c, &state.render))
            .collect(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(modifiers(&EmptyBodies), paths(list_users, users_extensive, get_user, settings_history))]
pub struct Doc;

/// The bodies of `/v2/users/extensive` may be left out (read as `{}`).
struct EmptyBodies;

impl utoipa::Modify for EmptyBodies {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        super::optional_bodies(doc, &[("post", "/v2/users/extensive")]);
    }
}

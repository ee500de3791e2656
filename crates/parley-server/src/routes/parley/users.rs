//! `/parley/v1/users`: creating and changing company users.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, patch, post};
use axum::Router;
use serde::{Deserialize, Serialize};

use parley_app::users;
use parley_domain::{SpokenLanguage, UserId, UserSettings};

use crate::error::{json_response, request_id, ApiError, ApiResult};
use crate::routes::extract::{parse_json, query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/parley/v1/users", get(list_users).post(create_user))
        .route("/parley/v1/users/{id}", patch(update_user))
        .route("/parley/v1/users/{id}/reset-link", post(reset_link))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ResetLink {
    request_id: String,
    user_id: String,
    /// `{public_url}/reset-password?token=…`: whoever opens it sets the user's password,
    /// once, until `expires`. Give it to the user only; it is shown this once.
    link: String,
    expires: String,
}

/// Make a one-time link that sets a user's password.
///
/// What `parley users reset-link` prints, for an admin to give to the user (Parley sends
/// no e-mail): valid for an hour, once. The user's sessions stay until the password is set.
#[utoipa::path(
    post,
    path = "/parley/v1/users/{id}/reset-link",
    operation_id = "create-password-reset-link",
    tag = "Users",
    params(("id" = String, Path, description = "The user's id.")),
    responses(
        (status = 201, description = "The link.", body = ResetLink),
        (status = 404, description = "No such user.", body = gong_api_v2::ErrorBody),
    )
)]
async fn reset_link(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let not_found = || ApiError::not_found(gong_api_v2::messages::user_not_found(&id));
    let user = parley_domain::parse_id(&id).map_err(|_| not_found())?;
    let (token, expires) = parley_app::sessions::create_reset(state.store.as_ref(), UserId(user))
        .await
        .map_err(|e| match e {
            parley_app::AppError::NotFound(_) => not_found(),
            other => other.into(),
        })?;
    Ok(json_response(
        StatusCode::CREATED,
        &ResetLink {
            request_id: request_id(),
            user_id: user.to_string(),
            link: format!(
                "{}/reset-password?token={token}",
                state.config.public_url.trim_end_matches('/')
            ),
            expires: expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        },
    ))
}

/// Recording and import switches, all optional in requests.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UserSettingsChange)]
struct SettingsBody {
    web_conferences_recorded: Option<bool>,
    prevent_web_conference_recording: Option<bool>,
    telephony_calls_imported: Option<bool>,
    emails_imported: Option<bool>,
    prevent_email_import: Option<bool>,
    non_recorded_meetings_imported: Option<bool>,
    gong_connect_enabled: Option<bool>,
}

impl SettingsBody {
    fn apply(&self, s: &mut UserSettings) {
        let set = |field: &mut bool, v: Option<bool>| {
            if let Some(v) = v {
                *field = v;
            }
        };
        set(
            &mut s.web_conferences_recorded,
            self.web_conferences_recorded,
        );
        set(
            &mut s.prevent_web_conference_recording,
            self.prevent_web_conference_recording,
        );
        set(
            &mut s.telephony_calls_imported,
            self.telephony_calls_imported,
        );
        set(&mut s.emails_imported, self.emails_imported);
        set(&mut s.prevent_email_import, self.prevent_email_import);
        set(
            &mut s.non_recorded_meetings_imported,
            self.non_recorded_meetings_imported,
        );
        set(&mut s.gong_connect_enabled, self.gong_connect_enabled);
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NewUser)]
struct NewUserBody {
    email: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    title: Option<String>,
    phone: Option<String>,
    manager_id: Option<gong_api_v2::WireId>,
    active: Option<bool>,
    #[serde(default)]
    settings: SettingsBody,
    /// BCP-47 tags; the first is primary.
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    personal_meeting_urls: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UserSaved)]
struct UserCreated {
    request_id: String,
    user_id: String,
}

fn user_id_of(id: &gong_api_v2::WireId, field: &str) -> ApiResult<UserId> {
    id.numeric()
        .map(UserId)
        .ok_or_else(|| ApiError::bad_request(format!("{field} {:?} is not a user id", id.0)))
}

/// Add a user to the company.
///
/// Creates a user from an email address and optional name, title, phone, manager,
/// recording settings, spoken languages and meeting URLs; answers the new user's id.
#[utoipa::path(
    post,
    path = "/parley/v1/users",
    operation_id = "create-user",
    tag = "Users",
    request_body = NewUserBody,
    responses(
        (status = 201, description = "The user was created.", body = UserCreated),
        (status = 409, description = "A user with this email address exists.", body = gong_api_v2::ErrorBody),
    )
)]
async fn create_user(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body: NewUserBody = parse_json(body, false)?;
    let mut settings = UserSettings::default();
    body.settings.apply(&mut settings);
    let user = users::create_user(
        state.store.as_ref(),
        users::NewUser {
            email: body.email,
            first_name: body.first_name,
            last_name: body.last_name,
            title: body.title,
            phone: body.phone,
            manager_id: body
                .manager_id
                .as_ref()
                .map(|m| user_id_of(m, "managerId"))
                .transpose()?,
            active: body.active.unwrap_or(true),
            settings,
            spoken_languages: SpokenLanguage::in_order(&body.languages),
            personal_meeting_urls: body.personal_meeting_urls,
            created: None,
        },
    )
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &UserCreated {
            request_id: request_id(),
            user_id: user.id.to_string(),
        },
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UserChange)]
struct UserPatchBody {
    active: Option<bool>,
    title: Option<String>,
    #[serde(default)]
    settings: SettingsBody,
}

/// Deactivate or reactivate a user, or change their title or recording settings.
///
/// Changes only what the body names; answers the user's id.
#[utoipa::path(
    patch,
    path = "/parley/v1/users/{id}",
    operation_id = "update-user",
    tag = "Users",
    params(("id" = String, Path, description = "The user's id.")),
    request_body = UserPatchBody,
    responses(
        (status = 200, description = "The user was changed.", body = UserCreated),
        (status = 404, description = "No such user.", body = gong_api_v2::ErrorBody),
    )
)]
async fn update_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body: UserPatchBody = parse_json(body, false)?;
    let not_found = || ApiError::not_found(gong_api_v2::messages::user_not_found(&id));
    let user_id = parley_domain::parse_id(&id).map_err(|_| not_found())?;
    let mut user = state
        .store
        .get_user(UserId(user_id))
        .await?
        .ok_or_else(not_found)?;
    if let Some(active) = body.active {
        user.active = active;
    }
    if let Some(title) = body.title {
        user.title = Some(title);
    }
    body.settings.apply(&mut user.settings);
    state.store.update_user(&user, chrono::Utc::now()).await?;
    Ok(json_response(
        StatusCode::OK,
        &UserCreated {
            request_id: request_id(),
            user_id: user.id.to_string(),
        },
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct UsersQuery {
    /// The `records.cursor` of the previous page.
    cursor: Option<String>,
}

/// A permission profile a user has in a workspace.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct UserProfileWire {
    workspace_id: String,
    profile_id: String,
}

/// A user with their role, as the people admin sees them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct UserRoleWire {
    id: String,
    email: String,
    first_name: String,
    last_name: String,
    title: Option<String>,
    active: bool,
    manager_id: Option<String>,
    /// `admin`, `manager` or `member`.
    #[schema(value_type = String, pattern = "^(admin|manager|member)$")]
    role: &'static str,
    /// Their permission profile in each workspace where they have one (it decides there
    /// in place of the role).
    profiles: Vec<UserProfileWire>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct UserRolesPage {
    request_id: String,
    /// Set when there are more users: send it as `cursor` for the next page.
    cursor: Option<String>,
    users: Vec<UserRoleWire>,
}

/// List users with their roles and permission profiles.
///
/// Every company user in id order, 100 a page, with their role (`admin`, `manager`,
/// `member`) and their permission profile in each workspace: what an admin needs to
/// manage people. (`GET /v2/users` is Gong's directory, without roles.)
#[utoipa::path(
    get,
    path = "/parley/v1/users",
    operation_id = "list-users-with-roles",
    tag = "Users",
    params(UsersQuery),
    responses(
        (status = 200, description = "A page of users.", body = UserRolesPage),
        (status = 400, description = "The cursor is not one this route gave.", body = gong_api_v2::ErrorBody),
    )
)]
async fn list_users(
    State(state): State<AppState>,
    q: Result<Query<UsersQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let after = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(UserId(c.parse().map_err(|_| {
            ApiError::bad_request(format!("cursor {c:?} is not a cursor this route gave"))
        })?)),
    };
    let page = users::users_with_roles(state.store.as_ref(), after, users::USERS_PAGE).await?;
    let cursor = (page.len() == users::USERS_PAGE as usize)
        .then(|| page.last().map(|u| u.user.id.to_string()))
        .flatten();
    Ok(json_response(
        StatusCode::OK,
        &UserRolesPage {
            request_id: request_id(),
            cursor,
            users: page
                .into_iter()
                .map(|u| UserRoleWire {
                    id: u.user.id.to_string(),
                    email: u.user.email,
                    first_name: u.user.first_name,
                    last_name: u.user.last_name,
                    title: u.user.title,
                    active: u.user.active,
                    manager_id: u.user.manager_id.map(|m| m.to_string()),
                    role: u.role.key(),
                    profiles: u
                        .profiles
                        .into_iter()
                        .map(|(w, p)| UserProfileWire {
                            workspace_id: w.to_string(),
                            profile_id: p.to_string(),
                        })
                        .collect(),
                })
                .collect(),
        },
    ))
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_users, create_user, update_user, reset_link))]
pub struct Doc;

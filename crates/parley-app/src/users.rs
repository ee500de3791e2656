//! Company users.

use chrono::Utc;

use parley_domain::*;
use parley_store::{Store, StoreError};

use crate::error::{AppError, AppResult};

/// Input for creating a user through Parley's own API and the demo.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub manager_id: Option<UserId>,
    pub active: bool,
    pub settings: UserSettings,
    pub spoken_languages: Vec<SpokenLanguage>,
    /// The user's own meeting links (Zoom, Teams, Meet…); their hosts name the user's
    /// conferencing providers.
    pub personal_meeting_urls: Vec<String>,
    pub created: Option<Timestamp>,
}

/// Most personal meeting URLs a user has, and the longest one.
const MAX_MEETING_URLS: usize = 20;
const MAX_URL_CHARS: usize = 2_048;

pub async fn create_user(store: &dyn Store, new: NewUser) -> AppResult<User> {
    let mut problems = Vec::new();
    if !looks_like_email(&new.email) {
        problems.push(format!("email {:?} is not an email address", new.email));
    }
    if new.first_name.trim().is_empty() && new.last_name.trim().is_empty() {
        problems.push("firstName or lastName is required".to_owned());
    }
    if let Some(m) = new.manager_id {
        if store.get_user(m).await?.is_none() {
            problems.push(format!("managerId {m} is not a known user"));
        }
    }
    if new.personal_meeting_urls.len() > MAX_MEETING_URLS {
        problems.push(format!(
            "personalMeetingUrls holds {} URLs; at most {MAX_MEETING_URLS}",
            new.personal_meeting_urls.len()
        ));
    }
    for (i, url) in new.personal_meeting_urls.iter().enumerate() {
        let scheme_ok = ["https://", "http://"].iter().any(|p| {
            url.get(..p.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(p))
        });
        if !scheme_ok || url.chars().count() > MAX_URL_CHARS || url.chars().any(char::is_whitespace)
        {
            problems.push(format!(
                "personalMeetingUrls[{i}] must be an http(s) URL of at most {MAX_URL_CHARS} characters"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let user = User {
        id: UserId::generate(),
        email: new.email,
        created: new.created.unwrap_or_else(Utc::now),
        active: new.active,
        email_aliases: vec![],
        trusted_email: None,
        first_name: new.first_name,
        last_name: new.last_name,
        title: new.title,
        phone: new.phone,
        extension: None,
        personal_meeting_urls: new.personal_meeting_urls,
        settings: new.settings,
        manager_id: new.manager_id,
        meeting_consent_page_url: None,
        spoken_languages: new.spoken_languages,
    };
    store.create_user(&user).await.map_err(|e| match e {
        StoreError::Conflict(m) => AppError::Conflict(m),
        other => other.into(),
    })?;
    Ok(user)
}

/// Changes a user's role (what they may do beyond their keys' scopes).
pub async fn set_role(store: &dyn Store, user: UserId, role: Role) -> AppResult<()> {
    store.set_user_role(user, role, Utc::now()).await?;
    Ok(())
}

/// A user as the people admin sees them: with their role and their permission profile
/// in each workspace where they have one.
#[derive(Debug, Clone)]
pub struct UserWithRole {
    pub user: User,
    pub role: Role,
    pub profiles: Vec<(WorkspaceId, ProfileId)>,
}

/// Most users one page of [`users_with_roles`] holds.
pub const USERS_PAGE: u32 = 100;

/// A page of users in id order after `after`, each with role and profiles.
pub async fn users_with_roles(
    store: &dyn Store,
    after: Option<UserId>,
    limit: u32,
) -> AppResult<Vec<UserWithRole>> {
    let users = store
        .list_users(
            &parley_store::UserFilter::default(),
            after,
            limit.clamp(1, USERS_PAGE),
        )
        .await?;
    let workspaces = store.list_workspaces().await?;
    let mut out = Vec::with_capacity(users.len());
    for user in users {
        let role = store.user_role(user.id).await?;
        let mut profiles = Vec::new();
        for w in &workspaces {
            if let Some(p) = store.user_profile(user.id, w.id).await? {
                profiles.push((w.id, p));
            }
        }
        out.push(UserWithRole {
            user,
            role,
            profiles,
        });
    }
    Ok(out)
}

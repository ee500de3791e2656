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
    pub created: Option<Timestamp>,
}

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
        personal_meeting_urls: vec![],
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

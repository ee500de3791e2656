//! People who sign in: passwords (argon2id), sessions (a random token in a cookie, only
//! its SHA-256 stored, with a CSRF token for every change), signing out everywhere, and
//! one-time password-reset tokens an admin hands out (the CLI prints a link).

use std::sync::OnceLock;
use std::time::Duration;

use chrono::Utc;
use parley_domain::{Principal, ScopeSet, UserId};
use parley_store::{SessionRecord, Store};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};
use crate::keys::{hash_secret, verify_secret};
use crate::media::hex;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;
/// How long a reset token works.
pub const RESET_TTL: Duration = Duration::from_secs(3600);

/// A session just begun: the token goes into the cookie, the CSRF token to the client.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub record: SessionRecord,
}

pub(crate) fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex(&bytes)
}

/// The SHA-256 of a token, as stored (a stolen database holds no usable token).
pub fn token_sha(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn check_password(password: &str) -> AppResult<()> {
    let n = password.chars().count();
    if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        Ok(())
    } else {
        Err(AppError::invalid(format!(
            "a password needs {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        )))
    }
}

async fn hashed(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_secret(&password))
        .await
        .map_err(|e| AppError::internal(format!("hashing a password: {e}")))
}

/// Sets a user's password and ends their sessions (a changed password signs out
/// everywhere).
pub async fn set_password(store: &dyn Store, user: UserId, password: &str) -> AppResult<()> {
    check_password(password)?;
    let hash = hashed(password).await?;
    store.set_password_hash(user, &hash, Utc::now()).await?;
    store.delete_user_sessions(user).await?;
    Ok(())
}

/// A hash no password matches, verified against when the user or their password does
/// not exist, so a wrong email costs what a wrong password does.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_secret(&random_token()))
}

/// Signs a user in by email and password; `lifetime` is how long the session lasts.
/// Every failure is the same `Forbidden`, whatever was wrong.
pub async fn sign_in(
    store: &dyn Store,
    email: &str,
    password: &str,
    lifetime: Duration,
) -> AppResult<NewSession> {
    let denied = || AppError::Forbidden("wrong email or password".into());
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(denied());
    }
    let user = store
        .find_user_by_email(email.trim())
        .await?
        .filter(|u| u.active);
    let stored = match &user {
        Some(u) => store.password_hash(u.id).await?,
        None => None,
    };
    let hash = stored.clone().unwrap_or_else(|| dummy_hash().to_owned());
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify_secret(&hash, &password))
        .await
        .map_err(|e| AppError::internal(format!("checking a password: {e}")))?;
    let (Some(user), Some(_), true) = (user, stored, matches) else {
        return Err(denied());
    };
    let token = random_token();
    let now = Utc::now();
    let record = SessionRecord {
        token_sha: token_sha(&token),
        user: user.id,
        csrf: random_token(),
        created: now,
        expires: now + chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::hours(12)),
    };
    store.create_session(&record).await?;
    Ok(NewSession {
        token,
        csrf: record.csrf.clone(),
        record,
    })
}

/// The principal of a live session and its CSRF token; `None` when the token is unknown,
/// expired, or its user is inactive. A session acts with its user's role and every scope.
pub async fn session_principal(
    store: &dyn Store,
    token: &str,
) -> AppResult<Option<(Principal, String)>> {
    Ok(live_session(store, token)
        .await?
        .map(|(principal, record)| (principal, record.csrf)))
}

/// A live session: its principal and its record (user, CSRF token, expiry); `None` as
/// for [`session_principal`].
pub async fn live_session(
    store: &dyn Store,
    token: &str,
) -> AppResult<Option<(Principal, SessionRecord)>> {
    let sha = token_sha(token);
    let Some(s) = store.get_session(&sha).await? else {
        return Ok(None);
    };
    if s.expires <= Utc::now() {
        store.delete_session(&sha).await?;
        return Ok(None);
    }
    match store.get_user(s.user).await? {
        Some(u) if u.active => {}
        _ => return Ok(None),
    }
    let principal = Principal {
        key: format!("session:{}", &sha[..8]),
        user: Some(s.user),
        role: store.user_role(s.user).await?,
        scopes: ScopeSet::full(),
        workspace: None,
        profile_reach: None,
    };
    Ok(Some((principal, s)))
}

pub async fn sign_out(store: &dyn Store, token: &str) -> AppResult<()> {
    store.delete_session(&token_sha(token)).await?;
    Ok(())
}

/// Ends every session of the user; returns how many there were.
pub async fn sign_out_everywhere(store: &dyn Store, user: UserId) -> AppResult<u64> {
    Ok(store.delete_user_sessions(user).await?)
}

/// A one-time token that lets the user set a new password within [`RESET_TTL`], and when
/// it expires.
pub async fn create_reset(
    store: &dyn Store,
    user: UserId,
) -> AppResult<(String, parley_domain::Timestamp)> {
    if store.get_user(user).await?.is_none() {
        return Err(AppError::not_found(format!("user {user}")));
    }
    let token = random_token();
    let expires = Utc::now() + chrono::Duration::from_std(RESET_TTL).expect("an hour fits");
    store
        .create_password_reset(&token_sha(&token), user, expires)
        .await?;
    Ok((token, expires))
}

/// Sets a new password with a reset token (used up either way).
pub async fn redeem_reset(store: &dyn Store, token: &str, password: &str) -> AppResult<UserId> {
    check_password(password)?;
    let Some(user) = store
        .take_password_reset(&token_sha(token), Utc::now())
        .await?
    else {
        return Err(AppError::Forbidden(
            "the reset link is unknown, used or expired".into(),
        ));
    };
    set_password(store, user, password).await?;
    Ok(user)
}

//! API keys: minting, listing, rotating and revoking them, and the principal a key acts
//! as. Secrets are stored as argon2id hashes only and shown once, when minted.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::Utc;
use parley_domain::{Principal, Role, ScopeSet, UserId, WorkspaceId};
use parley_store::{ApiKeyRecord, Store};
use rand::distributions::{Alphanumeric, DistString};

use crate::error::{AppError, AppResult};

/// What a new key may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    pub name: String,
    pub scopes: ScopeSet,
    pub workspace: Option<WorkspaceId>,
    pub owner: Option<UserId>,
}

impl KeySpec {
    /// A company key with every scope (what `parley keys create --name` made before keys
    /// had scopes, and what the demo prints).
    pub fn full(name: &str) -> KeySpec {
        KeySpec {
            name: name.to_owned(),
            scopes: ScopeSet::full(),
            workspace: None,
            owner: None,
        }
    }
}

/// A newly minted key. The secret is shown once and never stored.
pub struct NewKey {
    pub access_key: String,
    pub secret: String,
    pub record: ApiKeyRecord,
}

/// Longest key name accepted.
const MAX_NAME_CHARS: usize = 200;

/// The argon2id hash of a secret, as a PHC string.
pub fn hash_secret(secret: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .expect("argon2 hashing with default parameters cannot fail")
        .to_string()
}

/// Whether `secret` matches an argon2 PHC `hash` (slow by design: run it off the async
/// workers). A hash that does not parse matches nothing.
pub fn verify_secret(hash: &str, secret: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(secret.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A 48-character secret (~285 bits).
fn new_secret() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 48)
}

/// Mints a key: a 24-character access key and a 48-character secret.
pub fn mint_key(spec: &KeySpec) -> NewKey {
    let access_key = Alphanumeric
        .sample_string(&mut rand::thread_rng(), 24)
        .to_uppercase();
    let secret = new_secret();
    NewKey {
        record: ApiKeyRecord {
            access_key: access_key.clone(),
            name: spec.name.clone(),
            secret_hash: hash_secret(&secret),
            created: Utc::now(),
            revoked: None,
            scopes: spec.scopes.clone(),
            workspace: spec.workspace,
            owner: spec.owner,
            last_used: None,
        },
        access_key,
        secret,
    }
}

/// Checks, mints and stores a key. Hashing is slow by design: call from a blocking
/// context or accept ~50 ms on the caller's thread (the CLI does).
pub async fn create_key(store: &dyn Store, spec: &KeySpec) -> AppResult<NewKey> {
    let mut problems = Vec::new();
    let name = spec.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        problems.push(format!(
            "a key needs a name of 1 to {MAX_NAME_CHARS} characters"
        ));
    }
    if spec.scopes.is_empty() {
        problems.push("a key needs at least one scope (or the preset full or read-only)".into());
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    if let Some(w) = spec.workspace {
        if store.get_workspace(w).await?.is_none() {
            return Err(AppError::invalid(format!("workspace {w} does not exist")));
        }
    }
    if let Some(u) = spec.owner {
        if store.get_user(u).await?.is_none() {
            return Err(AppError::invalid(format!("user {u} does not exist")));
        }
    }
    let spec = KeySpec {
        name: name.to_owned(),
        ..spec.clone()
    };
    let key = tokio::task::spawn_blocking(move || mint_key(&spec))
        .await
        .map_err(|e| AppError::internal(format!("minting a key: {e}")))?;
    store.create_api_key(&key.record).await?;
    Ok(key)
}

/// Every key, newest last (never their secrets).
pub async fn list_keys(store: &dyn Store) -> AppResult<Vec<ApiKeyRecord>> {
    Ok(store.list_api_keys().await?)
}

/// Gives a live key a new secret (returned once); the old one stops working on every
/// node within the key recheck interval.
pub async fn rotate_key(store: &dyn Store, access_key: &str) -> AppResult<String> {
    let secret = new_secret();
    let for_hash = secret.clone();
    let hash = tokio::task::spawn_blocking(move || hash_secret(&for_hash))
        .await
        .map_err(|e| AppError::internal(format!("hashing a secret: {e}")))?;
    if store.rotate_api_key(access_key, &hash).await? {
        Ok(secret)
    } else {
        Err(AppError::not_found(format!("no active key {access_key}")))
    }
}

pub async fn revoke_key(store: &dyn Store, access_key: &str) -> AppResult<()> {
    if store.revoke_api_key(access_key, Utc::now()).await? {
        Ok(())
    } else {
        Err(AppError::not_found(format!("no active key {access_key}")))
    }
}

/// What a verified key may do: its own scopes and workspace, and its owner's role
/// (a company key acts as an admin; a key whose owner is gone or inactive, as nobody).
pub async fn principal_of(store: &dyn Store, key: &ApiKeyRecord) -> AppResult<Principal> {
    let (role, scopes) = match key.owner {
        None => (Role::Admin, key.scopes.clone()),
        Some(owner) => match store.get_user(owner).await? {
            Some(user) if user.active => (store.user_role(owner).await?, key.scopes.clone()),
            _ => (Role::Member, ScopeSet::default()),
        },
    };
    Ok(Principal {
        key: key.access_key.clone(),
        user: key.owner,
        role,
        scopes,
        workspace: key.workspace,
        profile_reach: None,
    })
}

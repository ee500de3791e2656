//! Refreshing a token connection's access token, as Gong's OAuth does it (and Parley's,
//! on the same paths): `POST generate-customer-token` with the app's client id and
//! secret in Basic and `grant_type=refresh_token&refresh_token=…` as a form; the answer
//! holds the new access token, the *next* refresh token (each is single use: Parley
//! revokes the whole grant when one is replayed) and maybe the customer's API base URL.
//!
//! So a refresh must happen once, and its result must be saved before anything else uses
//! the connection: [`refresh_saved`] takes a lock file beside the connections file, reads
//! the file again (another process may have refreshed meanwhile, in which case its token
//! is used and nothing is sent), refreshes, and saves, all under the lock.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use parley_outbound::api::{self, ApiRequest, Auth, Body, Method};
use serde::Deserialize;

use crate::connection::{base_url, Connection, Connections, Credentials};
use crate::request::{policy, Limits};
use crate::ClientError;

/// A token this close to its expiry is refreshed before use.
const EARLY_SECS: i64 = 60;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Whether the connection's access token has expired (or is about to).
pub fn expired(c: &Connection) -> bool {
    c.refresh
        .as_ref()
        .and_then(|r| r.expires_at)
        .is_some_and(|at| at - EARLY_SECS <= now())
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
    api_base_url_for_customer: Option<String>,
}

#[derive(Deserialize)]
struct TokenError {
    error: Option<String>,
    error_description: Option<String>,
}

/// Asks the token endpoint for a new access token; the connection, updated.
pub async fn refresh(c: &Connection, limits: Limits) -> Result<Connection, ClientError> {
    let Some(r) = &c.refresh else {
        return Err(ClientError::Auth(format!(
            "connection {} has no refresh token: add it again with a new token",
            c.name
        )));
    };
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "refresh_token")
        .append_pair("refresh_token", &r.refresh_token)
        .finish();
    let answer = api::send(
        ApiRequest {
            method: Method::Post,
            url: &r.token_url,
            auth: Auth::Basic {
                user: &r.client_id,
                password: &r.client_secret,
            },
            headers: Vec::new(),
            body: Body::Bytes {
                content_type: Some("application/x-www-form-urlencoded".into()),
                bytes: form.into_bytes(),
            },
        },
        &policy(limits),
    )
    .await?;
    if !answer.is_success() {
        // RFC 6749 error JSON: its code and description say why (never a secret).
        let why = serde_json::from_slice::<TokenError>(&answer.body)
            .ok()
            .map(|e| {
                [e.error, e.error_description]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(": ")
            })
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| format!("status {}", answer.status));
        return Err(ClientError::Auth(format!(
            "refreshing the token of connection {} failed ({why}): add it again with a new token",
            c.name
        )));
    }
    let t: TokenAnswer = serde_json::from_slice(&answer.body).map_err(|_| {
        ClientError::Auth(format!(
            "the token endpoint of connection {} answered something other than a token",
            c.name
        ))
    })?;
    let mut next = c.clone();
    next.credentials = Credentials::Token {
        token: t.access_token,
    };
    if let Some(r) = next.refresh.as_mut() {
        if let Some(rt) = t.refresh_token {
            r.refresh_token = rt;
        }
        r.expires_at = t.expires_in.map(|s| now() + s);
    }
    // Gong sends each customer to its own API host.
    if let Some(base) = t.api_base_url_for_customer.and_then(|u| base_url(&u).ok()) {
        next.url = base;
    }
    Ok(next)
}

fn lock_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    file.with_file_name(name)
}

/// Refreshes `c` once across processes and saves the result in the connections `file`
/// (see the module's notes). Returns the connection to use.
pub async fn refresh_saved(
    c: &Connection,
    file: &Path,
    limits: Limits,
) -> Result<Connection, ClientError> {
    let lock = lock_path(file);
    let failed =
        |e: std::io::Error| ClientError::File(format!("could not lock {}: {e}", lock.display()));
    if let Some(dir) = lock.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let path = lock.clone();
    // Waiting for another process's refresh blocks: not on the async runtime's threads.
    let held = tokio::task::spawn_blocking(move || {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        f.lock()?;
        Ok::<_, std::io::Error>(f)
    })
    .await
    .map_err(|e| ClientError::File(format!("could not lock {}: {e}", lock.display())))?
    .map_err(failed)?;
    let mut all = Connections::load(file)?;
    // The file's copy is the latest: another process may have refreshed since this one
    // read it, spending the refresh token `c` holds.
    let latest = all.get(&c.name).cloned().unwrap_or_else(|| c.clone());
    let result = if latest.refresh != c.refresh && !expired(&latest) {
        Ok(latest)
    } else {
        match refresh(&latest, limits).await {
            Ok(next) => {
                all.put(next.clone());
                all.save().map(|_| next)
            }
            Err(e) => Err(e),
        }
    };
    drop(held);
    result
}

//! CRM connectors: how a workspace reaches the CRM its CRM field actions write to
//! (Salesforce, HubSpot, or Parley's own generic CRM objects), managed by admins.
//!
//! A connector is stored as two parts: its settings (URLs, client id, user name), which
//! are shown, and its secrets (a client secret, a JWT signing key, a private-app token),
//! which are sealed with AES-256-GCM under a key kept in the database's server secrets
//! (`crm-connector-key`) before they reach the store, are never logged, and are shown
//! only as `"<redacted>"`. The connector's id is the sealing's associated data, so a
//! sealed secret copied into another connector's row does not open.
//!
//! Choice: the sealing key lives in the database, like the cursor and media-URL keys,
//! so that every node and worker on one database can use the connectors without a file
//! to distribute. It keeps the secrets out of row dumps, logs, exports of the table and
//! API answers; it does not protect a full copy of the database (nothing that lets every
//! worker use the secret unattended could).

use base64::Engine;
use chrono::Utc;
pub use parley_domain::crm_write::{ConnectorInput, SalesforceAuth};
use parley_domain::crm_write::{ConnectorKind, CrmConnector, MAX_CONNECTOR_NAME_CHARS};
use parley_domain::{random_id, Principal, WorkspaceId};
use parley_store::Store;
use ring::aead;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

type AppResult<T> = Result<T, AppError>;

/// The server secret the connectors' secrets are sealed under.
const SEALING_KEY: &str = "crm-connector-key";
/// Salesforce's REST API version when a connector names none.
pub const DEFAULT_SALESFORCE_API_VERSION: &str = "v62.0";
pub const DEFAULT_SALESFORCE_LOGIN_URL: &str = "https://login.salesforce.com";
pub const DEFAULT_HUBSPOT_URL: &str = "https://api.hubapi.com";
/// Longest secret accepted (a 4096-bit RSA key in PEM is about 3.3 KB).
const MAX_SECRET_BYTES: usize = 16 * 1024;

/// The shown settings of a connector, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesforceSettings {
    pub login_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_url: Option<String>,
    pub api_version: String,
    pub auth: SalesforceAuth,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HubSpotSettings {
    pub base_url: String,
}

/// The sealed part of a connector.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secrets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl Secrets {
    fn is_empty(&self) -> bool {
        self.client_secret.is_none() && self.private_key.is_none() && self.token.is_none()
    }
}

fn url_setting(name: &str, value: Option<&str>, default: &str) -> Result<String, String> {
    let v = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or(default);
    let url = parley_outbound::Url::parse(v).map_err(|_| format!("{name} is not a url"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{name} must be an http or https url"));
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
        return Err(format!(
            "{name} must not hold a user name, a password or a query"
        ));
    }
    Ok(v.trim_end_matches('/').to_owned())
}

fn required(name: &str, value: &Option<String>, problems: &mut Vec<String>) -> String {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => v.to_owned(),
        _ => {
            problems.push(format!("{name} is required"));
            String::new()
        }
    }
}

/// Checks an admin's description of a connector: its kind, and the settings and
/// secrets that kind needs (all problems at once, each naming the field).
pub fn check(input: &ConnectorInput) -> AppResult<(ConnectorKind, serde_json::Value, Secrets)> {
    let mut problems = Vec::new();
    let name = input.name.trim();
    if name.is_empty() {
        problems.push("name is required".into());
    } else if name.chars().count() > MAX_CONNECTOR_NAME_CHARS {
        problems.push(format!(
            "name is longer than {MAX_CONNECTOR_NAME_CHARS} characters"
        ));
    }
    let Some(kind) = ConnectorKind::from_key(&input.kind) else {
        problems.push("kind must be one of salesforce, hubspot, parley".into());
        return Err(AppError::Invalid(problems));
    };
    for (n, v) in [
        ("clientSecret", &input.client_secret),
        ("privateKey", &input.private_key),
        ("token", &input.token),
    ] {
        if v.as_ref().is_some_and(|v| v.len() > MAX_SECRET_BYTES) {
            problems.push(format!("{n} is longer than {MAX_SECRET_BYTES} bytes"));
        }
    }
    let mut secrets = Secrets::default();
    let settings = match kind {
        ConnectorKind::Salesforce => {
            let login_url = url_setting(
                "loginUrl",
                input.login_url.as_deref(),
                DEFAULT_SALESFORCE_LOGIN_URL,
            )
            .unwrap_or_else(|p| {
                problems.push(p);
                String::new()
            });
            let instance_url = match input.instance_url.as_deref() {
                Some(u) if !u.trim().is_empty() => {
                    Some(url_setting("instanceUrl", Some(u), "").unwrap_or_else(|p| {
                        problems.push(p);
                        String::new()
                    }))
                }
                _ => None,
            };
            let api_version = input
                .api_version
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .unwrap_or(DEFAULT_SALESFORCE_API_VERSION)
                .to_owned();
            let digits = api_version.strip_prefix('v').unwrap_or("");
            if digits.is_empty()
                || !digits.chars().all(|c| c.is_ascii_digit() || c == '.')
                || !digits.contains('.')
            {
                problems.push("apiVersion must look like v62.0".into());
            }
            let client_id = required("clientId", &input.client_id, &mut problems);
            let auth = input.auth.unwrap_or(SalesforceAuth::ClientCredentials);
            let mut username = None;
            let mut audience = None;
            match auth {
                SalesforceAuth::ClientCredentials => {
                    secrets.client_secret = Some(required(
                        "clientSecret",
                        &input.client_secret,
                        &mut problems,
                    ));
                }
                SalesforceAuth::JwtBearer => {
                    username = Some(required("username", &input.username, &mut problems));
                    let key = required("privateKey", &input.private_key, &mut problems);
                    if !key.is_empty()
                        && jsonwebtoken::EncodingKey::from_rsa_pem(key.as_bytes()).is_err()
                    {
                        problems.push("privateKey is not an rsa private key in pem".into());
                    }
                    secrets.private_key = Some(key);
                    audience = input
                        .audience
                        .as_deref()
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .map(str::to_owned);
                }
            }
            serde_json::to_value(SalesforceSettings {
                login_url,
                instance_url,
                api_version,
                auth,
                client_id,
                username,
                audience,
            })
            .unwrap_or_default()
        }
        ConnectorKind::HubSpot => {
            let base_url = url_setting("baseUrl", input.base_url.as_deref(), DEFAULT_HUBSPOT_URL)
                .unwrap_or_else(|p| {
                    problems.push(p);
                    String::new()
                });
            secrets.token = Some(required("token", &input.token, &mut problems));
            serde_json::to_value(HubSpotSettings { base_url }).unwrap_or_default()
        }
        ConnectorKind::Parley => serde_json::json!({}),
    };
    if problems.is_empty() {
        Ok((kind, settings, secrets))
    } else {
        Err(AppError::Invalid(problems))
    }
}

async fn sealing_key(store: &dyn Store) -> AppResult<aead::LessSafeKey> {
    let mut fresh = vec![0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut fresh);
    let key = store.server_secret(SEALING_KEY, fresh).await?;
    let unbound = aead::UnboundKey::new(&aead::AES_256_GCM, &key)
        .map_err(|_| AppError::internal("the crm connector key is not 32 bytes"))?;
    Ok(aead::LessSafeKey::new(unbound))
}

/// Seals a connector's secrets (empty when it has none).
pub async fn seal(store: &dyn Store, connector: i64, secrets: &Secrets) -> AppResult<String> {
    if secrets.is_empty() {
        return Ok(String::new());
    }
    let key = sealing_key(store).await?;
    let mut nonce = [0u8; 12];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut nonce);
    let mut data = serde_json::to_vec(secrets).unwrap_or_default();
    key.seal_in_place_append_tag(
        aead::Nonce::assume_unique_for_key(nonce),
        aead::Aad::from(connector.to_be_bytes()),
        &mut data,
    )
    .map_err(|_| AppError::internal("sealing the connector's secrets failed"))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&data);
    Ok(base64::engine::general_purpose::STANDARD.encode(out))
}

/// Opens a connector's sealed secrets.
pub async fn unseal(store: &dyn Store, c: &CrmConnector) -> AppResult<Secrets> {
    if c.secret.is_empty() {
        return Ok(Secrets::default());
    }
    let broken = || {
        AppError::internal(format!(
            "the secrets of crm connector {} cannot be opened",
            c.id
        ))
    };
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&c.secret)
        .map_err(|_| broken())?;
    if raw.len() < 12 + 16 {
        return Err(broken());
    }
    let (nonce, sealed) = raw.split_at(12);
    let nonce = aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| broken())?;
    let key = sealing_key(store).await?;
    let mut data = sealed.to_vec();
    let plain = key
        .open_in_place(nonce, aead::Aad::from(c.id.to_be_bytes()), &mut data)
        .map_err(|_| broken())?;
    serde_json::from_slice(plain).map_err(|_| broken())
}

/// A connector with the names of the secrets it holds (what its view shows of them).
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub connector: CrmConnector,
    pub held: Vec<&'static str>,
}

/// The names of the secrets a connector holds (for its view).
pub async fn held_secrets(store: &dyn Store, c: &CrmConnector) -> AppResult<Vec<&'static str>> {
    let s = unseal(store, c).await?;
    let mut held = Vec::new();
    if s.client_secret.is_some() {
        held.push("clientSecret");
    }
    if s.private_key.is_some() {
        held.push("privateKey");
    }
    if s.token.is_some() {
        held.push("token");
    }
    Ok(held)
}

/// The workspace a connector request is about: the one named (confined to the caller's
/// reach), else the default workspace.
async fn workspace_for(
    store: &dyn Store,
    who: &Principal,
    asked: Option<&str>,
) -> AppResult<WorkspaceId> {
    let asked = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(WorkspaceId(parley_domain::parse_id(s).map_err(|_| {
            AppError::not_found(format!("Workspace ID {s} was not found"))
        })?)),
        None => None,
    };
    match crate::access::confine(who, asked)? {
        Some(w) => {
            if store.get_workspace(w).await?.is_none() {
                return Err(AppError::not_found(format!(
                    "Workspace ID {w} was not found"
                )));
            }
            Ok(w)
        }
        None => Ok(store
            .default_workspace()
            .await?
            .ok_or_else(|| AppError::not_found("there is no workspace yet"))?
            .id),
    }
}

/// Creates a connector; its view.
pub async fn create(
    store: &dyn Store,
    who: &Principal,
    input: &ConnectorInput,
) -> AppResult<Shown> {
    let (kind, settings, secrets) = check(input)?;
    let workspace_id = workspace_for(store, who, input.workspace_id.as_deref()).await?;
    let id = random_id();
    let now = Utc::now();
    let c = CrmConnector {
        id,
        workspace_id,
        name: input.name.trim().to_owned(),
        kind,
        settings,
        secret: seal(store, id, &secrets).await?,
        created: now,
        updated: now,
    };
    store.save_crm_connector(&c).await?;
    tracing::info!(
        connector_id = id,
        kind = kind.key(),
        "crm connector created"
    );
    view(store, &c).await
}

/// A connector the caller reaches, by id (a 404 otherwise).
pub async fn get(store: &dyn Store, who: &Principal, id: &str) -> AppResult<CrmConnector> {
    let missing = || AppError::not_found(format!("crm connector {id} was not found"));
    let n = parley_domain::parse_id(id.trim()).map_err(|_| missing())?;
    let c = store.crm_connector(n).await?.ok_or_else(missing)?;
    crate::access::visible(who, c.workspace_id, || {
        format!("crm connector {id} was not found")
    })?;
    Ok(c)
}

pub async fn view(store: &dyn Store, c: &CrmConnector) -> AppResult<Shown> {
    let held = held_secrets(store, c).await?;
    Ok(Shown {
        connector: c.clone(),
        held,
    })
}

/// The connectors the caller reaches, oldest first.
pub async fn list(store: &dyn Store, who: &Principal) -> AppResult<Vec<Shown>> {
    let reach: Option<Vec<WorkspaceId>> = match (who.workspace, &who.profile_reach) {
        (Some(w), _) => Some(vec![w]),
        (None, Some(list)) => Some(list.clone()),
        (None, None) => None,
    };
    let mut out = Vec::new();
    for c in store.crm_connectors(reach.as_deref()).await? {
        out.push(view(store, &c).await?);
    }
    Ok(out)
}

/// Replaces a connector's settings and, where given, its secrets (a secret left out is
/// kept, so an admin can change a URL without re-entering the token).
pub async fn update(
    store: &dyn Store,
    who: &Principal,
    id: &str,
    input: &ConnectorInput,
) -> AppResult<Shown> {
    let old = get(store, who, id).await?;
    let kept = unseal(store, &old).await?;
    let mut filled = input.clone();
    filled.client_secret = filled.client_secret.or(kept.client_secret);
    filled.private_key = filled.private_key.or(kept.private_key);
    filled.token = filled.token.or(kept.token);
    if filled.kind.trim().is_empty() {
        filled.kind = old.kind.key().to_owned();
    }
    let (kind, settings, secrets) = check(&filled)?;
    if kind != old.kind {
        return Err(AppError::invalid(
            "kind cannot change: create another connector",
        ));
    }
    let c = CrmConnector {
        name: filled.name.trim().to_owned(),
        settings,
        secret: seal(store, old.id, &secrets).await?,
        updated: Utc::now(),
        ..old
    };
    store.save_crm_connector(&c).await?;
    crate::crm_clients::forget_token(c.id);
    view(store, &c).await
}

pub async fn delete(store: &dyn Store, who: &Principal, id: &str) -> AppResult<()> {
    let c = get(store, who, id).await?;
    store.delete_crm_connector(c.id).await?;
    crate::crm_clients::forget_token(c.id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn salesforce() -> ConnectorInput {
        ConnectorInput {
            name: "Salesforce".into(),
            kind: "salesforce".into(),
            client_id: Some("3MVG9".into()),
            client_secret: Some("s3cret".into()),
            ..ConnectorInput::default()
        }
    }

    #[test]
    fn each_kind_needs_its_settings_and_secrets() {
        let (kind, settings, secrets) = check(&salesforce()).unwrap();
        assert_eq!(kind, ConnectorKind::Salesforce);
        assert_eq!(settings["loginUrl"], DEFAULT_SALESFORCE_LOGIN_URL);
        assert_eq!(settings["apiVersion"], DEFAULT_SALESFORCE_API_VERSION);
        assert!(settings.get("clientSecret").is_none());
        assert_eq!(secrets.client_secret.as_deref(), Some("s3cret"));

        let err = check(&ConnectorInput {
            auth: Some(SalesforceAuth::JwtBearer),
            private_key: Some("not a key".into()),
            api_version: Some("62".into()),
            ..salesforce()
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "apiVersion must look like v62.0; username is required; privateKey is not an rsa private key in pem"
        );
        let err = check(&ConnectorInput {
            name: "HubSpot".into(),
            kind: "hubspot".into(),
            base_url: Some("file:///etc/passwd".into()),
            ..ConnectorInput::default()
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "baseUrl must be an http or https url; token is required"
        );
        assert!(check(&ConnectorInput {
            kind: "pipedrive".into(),
            ..salesforce()
        })
        .is_err());
    }
}

//! The CRM clients CRM field actions write through: Salesforce's REST API, HubSpot's CRM
//! v3 objects API, and Parley's own generic CRM objects. Each reads one field of one
//! object and writes it; every request goes through `parley_outbound::api::send` (the
//! SSRF-safe client).
//!
//! Errors are classified for the job queue: [`CrmError::Transient`] (429, 5xx, 408,
//! network trouble, a rate limit that outlasted the retries made here) is retried with
//! the queue's backoff; [`CrmError::Permanent`] (any other 4xx: a wrong field, a missing
//! object, refused credentials) is not. Messages quote the CRM's own error (Salesforce's
//! `errorCode: message`, HubSpot's `category: message`) and never a token or secret.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use parley_domain::crm_write::{ConnectorKind, CrmConnector, WriteObjectType};
use parley_domain::{CrmObjectType, WorkspaceId};
use parley_outbound::api::{self, ApiRequest, ApiResponse, Auth, Body, Method};
use parley_outbound::FetchPolicy;
use parley_store::Store;
use serde_json::Value;

use crate::crm_connectors::{HubSpotSettings, SalesforceAuth, SalesforceSettings, Secrets};

/// Why a CRM read or write failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrmError {
    /// Trying again later may work.
    #[error("{0}")]
    Transient(String),
    /// Trying again cannot help.
    #[error("{0}")]
    Permanent(String),
}

/// Rate-limited answers retried within one attempt before the attempt is given up as
/// transient (and the job's own backoff takes over).
const RATE_LIMIT_TRIES: u32 = 3;
/// Longest `Retry-After` waited for within an attempt; a longer one ends the attempt.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(30);
/// Lifetime assumed for a Salesforce access token (its answer carries none; sessions
/// last at least 15 minutes and a 401 refreshes it anyway).
const TOKEN_TTL: Duration = Duration::from_secs(10 * 60);

/// Tokens by connector (and the connector's `updated`, so a changed connector gets a
/// new one), for this process.
fn tokens() -> &'static Mutex<HashMap<i64, CachedToken>> {
    static TOKENS: OnceLock<Mutex<HashMap<i64, CachedToken>>> = OnceLock::new();
    TOKENS.get_or_init(|| Mutex::new(HashMap::new()))
}

#[derive(Clone)]
struct CachedToken {
    version: i64,
    token: String,
    instance_url: String,
    until: Instant,
}

/// Drops the cached token of a connector (changed or deleted).
pub fn forget_token(connector: i64) {
    if let Ok(mut t) = tokens().lock() {
        t.remove(&connector);
    }
}

/// The outbound policy CRM requests run under: the operator's allow-list (the same one
/// that governs media pulls), small answers and short timeouts.
pub fn policy_from(fetch: Option<&FetchPolicy>) -> FetchPolicy {
    let base = fetch.cloned().unwrap_or_default();
    FetchPolicy {
        allow: base.allow,
        connect_timeout: Duration::from_secs(10),
        total_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(30),
        // A record with every field is tens of kilobytes.
        max_bytes: 1024 * 1024,
        max_redirects: 0,
        ..FetchPolicy::default()
    }
}

/// A client for one connector.
pub struct Client<'a> {
    pub connector: &'a CrmConnector,
    pub secrets: Secrets,
    pub policy: &'a FetchPolicy,
    pub store: &'a dyn Store,
}

impl Client<'_> {
    /// The field's current value as text (`None` when empty or null).
    pub async fn read(
        &self,
        object_type: WriteObjectType,
        object_id: &str,
        field: &str,
    ) -> Result<Option<String>, CrmError> {
        match self.connector.kind {
            ConnectorKind::Salesforce => self.salesforce_read(object_type, object_id, field).await,
            ConnectorKind::HubSpot => self.hubspot_read(object_id, field).await,
            ConnectorKind::Parley => self.parley_read(object_id, field).await,
        }
    }

    /// Sets the field to `value`.
    pub async fn write(
        &self,
        object_type: WriteObjectType,
        object_id: &str,
        field: &str,
        value: &str,
    ) -> Result<(), CrmError> {
        match self.connector.kind {
            ConnectorKind::Salesforce => {
                self.salesforce_write(object_type, object_id, field, value)
                    .await
            }
            ConnectorKind::HubSpot => self.hubspot_write(object_id, field, value).await,
            ConnectorKind::Parley => self.parley_write(object_id, field, value).await,
        }
    }
}

/// An object id is put in a URL path: only what CRMs' ids are made of.
fn check_object_id(id: &str) -> Result<(), CrmError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(CrmError::Permanent(format!(
            "the object id {id:?} cannot be written to: ids are letters, digits, '-', '_' and '.'"
        )));
    }
    Ok(())
}

fn network(system: &str, e: parley_outbound::FetchError) -> CrmError {
    let message = format!("{system}: {e}");
    if e.is_transient() {
        CrmError::Transient(message)
    } else {
        CrmError::Permanent(message)
    }
}

/// How long to wait before retrying a rate-limited answer within the attempt, or `None`
/// to give the attempt up.
fn inline_wait(r: &ApiResponse, try_no: u32) -> Option<Duration> {
    if try_no + 1 >= RATE_LIMIT_TRIES {
        return None;
    }
    let wait = r.retry_after.unwrap_or(Duration::from_secs(1u64 << try_no));
    (wait <= MAX_INLINE_WAIT).then_some(wait)
}

/// Classifies a failed answer by its status: 408, 429 and 5xx transient, other 4xx not.
fn by_status(status: u16, message: String) -> CrmError {
    if status == 408 || status == 429 || status >= 500 {
        CrmError::Transient(message)
    } else {
        CrmError::Permanent(message)
    }
}

// ---------------------------------------------------------------- Salesforce

/// Salesforce's error body: `[{"message", "errorCode", "fields"}]` (REST API), or
/// `{"error", "error_description"}` (OAuth endpoints).
fn salesforce_error(r: &ApiResponse) -> String {
    let body = r.json();
    if let Some(list) = body.as_array() {
        let parts: Vec<String> = list
            .iter()
            .map(|e| {
                let code = e["errorCode"].as_str().unwrap_or("UNKNOWN");
                let message = e["message"].as_str().unwrap_or("");
                let fields: Vec<&str> = e["fields"]
                    .as_array()
                    .map(|f| f.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if fields.is_empty() {
                    format!("{code}: {message}")
                } else {
                    format!("{code}: {message} (fields: {})", fields.join(", "))
                }
            })
            .collect();
        if !parts.is_empty() {
            return format!("salesforce answered {}: {}", r.status, parts.join("; "));
        }
    }
    if let Some(e) = body["error"].as_str() {
        let d = body["error_description"].as_str().unwrap_or("");
        return format!("salesforce answered {}: {e}: {d}", r.status);
    }
    format!("salesforce answered {}", r.status)
}

/// Whether Salesforce says an API limit was hit: 429, 503 (too many concurrent requests)
/// or `REQUEST_LIMIT_EXCEEDED` in the body (Salesforce sends the daily limit as a 403).
fn salesforce_limited(r: &ApiResponse) -> bool {
    r.status == 429
        || r.status == 503
        || r.json()
            .as_array()
            .is_some_and(|l| l.iter().any(|e| e["errorCode"] == "REQUEST_LIMIT_EXCEEDED"))
}

/// The sObject a write goes to: an Opportunity, whichever name the action uses.
fn sobject(_t: WriteObjectType) -> &'static str {
    "Opportunity"
}

impl Client<'_> {
    fn salesforce_settings(&self) -> Result<SalesforceSettings, CrmError> {
        serde_json::from_value(self.connector.settings.clone()).map_err(|_| {
            CrmError::Permanent(format!(
                "crm connector {} has unreadable settings",
                self.connector.id
            ))
        })
    }

    /// A token and the instance URL, from the cache unless `fresh`.
    async fn salesforce_token(&self, fresh: bool) -> Result<(String, String), CrmError> {
        let version = self.connector.updated.timestamp_micros();
        if !fresh {
            if let Some(t) = tokens().lock().ok().and_then(|t| {
                t.get(&self.connector.id)
                    .filter(|t| t.version == version && t.until > Instant::now())
                    .cloned()
            }) {
                return Ok((t.token, t.instance_url));
            }
        }
        let s = self.salesforce_settings()?;
        let mut form = vec![];
        match s.auth {
            SalesforceAuth::ClientCredentials => {
                form.push(("grant_type".to_owned(), "client_credentials".to_owned()));
                form.push(("client_id".to_owned(), s.client_id.clone()));
                form.push((
                    "client_secret".to_owned(),
                    self.secrets.client_secret.clone().unwrap_or_default(),
                ));
            }
            SalesforceAuth::JwtBearer => {
                let assertion = jwt_assertion(&s, self.secrets.private_key.as_deref())?;
                form.push((
                    "grant_type".to_owned(),
                    "urn:ietf:params:oauth:grant-type:jwt-bearer".to_owned(),
                ));
                form.push(("assertion".to_owned(), assertion));
            }
        }
        let url = format!("{}/services/oauth2/token", s.login_url);
        let mut try_no = 0;
        let r = loop {
            let r = api::send(
                ApiRequest {
                    method: Method::Post,
                    url: &url,
                    auth: Auth::None,
                    headers: Vec::new(),
                    body: Body::Form(form.clone()),
                },
                self.policy,
            )
            .await
            .map_err(|e| network("salesforce token endpoint", e))?;
            if salesforce_limited(&r) {
                if let Some(wait) = inline_wait(&r, try_no) {
                    try_no += 1;
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            break r;
        };
        if !r.is_success() {
            // invalid_client, invalid_grant, unsupported_grant_type: the connector's
            // settings are wrong, which waiting will not mend.
            return Err(by_status(
                r.status,
                format!("getting a token: {}", salesforce_error(&r)),
            ));
        }
        let body = r.json();
        let token = body["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                CrmError::Transient("the salesforce token answer has no access_token".into())
            })?
            .to_owned();
        let instance_url = body["instance_url"]
            .as_str()
            .map(|u| u.trim_end_matches('/').to_owned())
            .or(s.instance_url.clone())
            .ok_or_else(|| {
                CrmError::Permanent(
                    "the salesforce token answer names no instance_url and the connector has no instanceUrl"
                        .into(),
                )
            })?;
        if let Ok(mut t) = tokens().lock() {
            t.insert(
                self.connector.id,
                CachedToken {
                    version,
                    token: token.clone(),
                    instance_url: instance_url.clone(),
                    until: Instant::now() + TOKEN_TTL,
                },
            );
        }
        Ok((token, instance_url))
    }

    /// One REST request to the instance: a 401 gets a fresh token and one more try; a
    /// rate-limited answer is retried after its `Retry-After` a few times.
    async fn salesforce_request(
        &self,
        method: Method,
        path_and_query: &str,
        body: Body,
    ) -> Result<ApiResponse, CrmError> {
        let (mut token, mut instance) = self.salesforce_token(false).await?;
        let mut refreshed = false;
        let mut try_no = 0;
        loop {
            let url = format!("{instance}{path_and_query}");
            let r = api::send(
                ApiRequest {
                    method,
                    url: &url,
                    auth: Auth::Bearer(&token),
                    headers: Vec::new(),
                    body: body.clone(),
                },
                self.policy,
            )
            .await
            .map_err(|e| network("salesforce", e))?;
            if r.status == 401 && !refreshed {
                // INVALID_SESSION_ID: the session expired or was revoked.
                refreshed = true;
                (token, instance) = self.salesforce_token(true).await?;
                continue;
            }
            if salesforce_limited(&r) {
                if let Some(wait) = inline_wait(&r, try_no) {
                    try_no += 1;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(CrmError::Transient(format!(
                    "rate limited: {}",
                    salesforce_error(&r)
                )));
            }
            return Ok(r);
        }
    }

    async fn salesforce_read(
        &self,
        t: WriteObjectType,
        id: &str,
        field: &str,
    ) -> Result<Option<String>, CrmError> {
        check_object_id(id)?;
        let s = self.salesforce_settings()?;
        let mut path = parley_outbound::Url::parse("http://x/").expect("a valid url");
        path.set_path(&format!(
            "/services/data/{}/sobjects/{}/{id}",
            s.api_version,
            sobject(t)
        ));
        path.query_pairs_mut().append_pair("fields", field);
        let pq = format!("{}?{}", path.path(), path.query().unwrap_or(""));
        let r = self
            .salesforce_request(Method::Get, &pq, Body::None)
            .await?;
        if !r.is_success() {
            return Err(by_status(r.status, salesforce_error(&r)));
        }
        Ok(text_of(&r.json()[field]))
    }

    async fn salesforce_write(
        &self,
        t: WriteObjectType,
        id: &str,
        field: &str,
        value: &str,
    ) -> Result<(), CrmError> {
        check_object_id(id)?;
        let s = self.salesforce_settings()?;
        let path = format!(
            "/services/data/{}/sobjects/{}/{id}",
            s.api_version,
            sobject(t)
        );
        let mut body = serde_json::Map::new();
        body.insert(field.to_owned(), Value::from(value));
        let r = self
            .salesforce_request(Method::Patch, &path, Body::Json(Value::Object(body)))
            .await?;
        if !r.is_success() {
            return Err(by_status(r.status, salesforce_error(&r)));
        }
        Ok(())
    }
}

/// The JWT bearer flow's assertion: RS256 over `iss` (the consumer key), `sub` (the
/// user), `aud` (the login URL unless set) and a 3-minute `exp`, as Salesforce asks.
fn jwt_assertion(s: &SalesforceSettings, key: Option<&str>) -> Result<String, CrmError> {
    #[derive(serde::Serialize)]
    struct Claims<'a> {
        iss: &'a str,
        sub: &'a str,
        aud: &'a str,
        exp: i64,
    }
    let key = key.ok_or_else(|| CrmError::Permanent("the connector has no privateKey".into()))?;
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(key.as_bytes())
        .map_err(|_| CrmError::Permanent("the connector's privateKey is not an rsa key".into()))?;
    let claims = Claims {
        iss: &s.client_id,
        sub: s.username.as_deref().unwrap_or(""),
        aud: s.audience.as_deref().unwrap_or(&s.login_url),
        exp: chrono::Utc::now().timestamp() + 180,
    };
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &key,
    )
    .map_err(|e| CrmError::Permanent(format!("signing the jwt assertion failed: {e}")))
}

/// A field's value as text: strings as they are, numbers and booleans printed, a
/// multi-select's list joined.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => Some(a.iter().filter_map(text_of).collect::<Vec<_>>().join(", "))
            .filter(|s| !s.is_empty()),
        other => Some(other.to_string()),
    }
}

// ---------------------------------------------------------------- HubSpot

/// HubSpot's error body: `{"status": "error", "message", "correlationId", "category"}`
/// (`errorType` on rate limits).
fn hubspot_error(r: &ApiResponse) -> String {
    let body = r.json();
    let category = body["category"]
        .as_str()
        .or(body["errorType"].as_str())
        .unwrap_or("");
    let message = body["message"].as_str().unwrap_or("");
    match (category.is_empty(), message.is_empty()) {
        (true, true) => format!("hubspot answered {}", r.status),
        (true, false) => format!("hubspot answered {}: {message}", r.status),
        (false, _) => format!("hubspot answered {}: {category}: {message}", r.status),
    }
}

impl Client<'_> {
    async fn hubspot_request(
        &self,
        method: Method,
        url: &str,
        body: Body,
    ) -> Result<ApiResponse, CrmError> {
        let token = self
            .secrets
            .token
            .clone()
            .ok_or_else(|| CrmError::Permanent("the connector has no token".into()))?;
        let mut try_no = 0;
        loop {
            let r = api::send(
                ApiRequest {
                    method,
                    url,
                    auth: Auth::Bearer(&token),
                    headers: Vec::new(),
                    body: body.clone(),
                },
                self.policy,
            )
            .await
            .map_err(|e| network("hubspot", e))?;
            if r.status == 429 {
                if let Some(wait) = inline_wait(&r, try_no) {
                    try_no += 1;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(CrmError::Transient(format!(
                    "rate limited: {}",
                    hubspot_error(&r)
                )));
            }
            return Ok(r);
        }
    }

    fn hubspot_url(&self, id: &str) -> Result<parley_outbound::Url, CrmError> {
        check_object_id(id)?;
        let s: HubSpotSettings =
            serde_json::from_value(self.connector.settings.clone()).map_err(|_| {
                CrmError::Permanent(format!(
                    "crm connector {} has unreadable settings",
                    self.connector.id
                ))
            })?;
        parley_outbound::Url::parse(&format!("{}/crm/v3/objects/deals/{id}", s.base_url))
            .map_err(|_| CrmError::Permanent("the connector's baseUrl is not a url".into()))
    }

    async fn hubspot_read(&self, id: &str, field: &str) -> Result<Option<String>, CrmError> {
        let mut url = self.hubspot_url(id)?;
        url.query_pairs_mut().append_pair("properties", field);
        let r = self
            .hubspot_request(Method::Get, url.as_str(), Body::None)
            .await?;
        if !r.is_success() {
            return Err(by_status(r.status, hubspot_error(&r)));
        }
        Ok(text_of(&r.json()["properties"][field]))
    }

    async fn hubspot_write(&self, id: &str, field: &str, value: &str) -> Result<(), CrmError> {
        let url = self.hubspot_url(id)?;
        let body = serde_json::json!({ "properties": { field: value } });
        let r = self
            .hubspot_request(Method::Patch, url.as_str(), Body::Json(body))
            .await?;
        if !r.is_success() {
            return Err(by_status(r.status, hubspot_error(&r)));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- Parley

impl Client<'_> {
    fn workspace(&self) -> WorkspaceId {
        self.connector.workspace_id
    }

    /// A field a generic CRM deal may have written: one the integration declares for
    /// `DEAL` and has not deleted.
    async fn parley_check_field(&self, field: &str) -> Result<(), CrmError> {
        let store_err = |e: parley_store::StoreError| CrmError::Transient(e.to_string());
        let integrations = self
            .store
            .crm_integrations(Some(&[self.workspace()][..]))
            .await
            .map_err(store_err)?;
        let Some(i) = integrations.first() else {
            return Err(CrmError::Permanent(format!(
                "workspace {} has no generic crm integration",
                self.workspace()
            )));
        };
        let schema = self
            .store
            .crm_schema(i.id, Some(CrmObjectType::Deal))
            .await
            .map_err(store_err)?;
        if schema.iter().any(|(_, f)| f.name == field && !f.is_deleted) {
            Ok(())
        } else {
            Err(CrmError::Permanent(format!(
                "the field {field:?} is not declared for DEAL objects of the generic crm integration"
            )))
        }
    }

    async fn parley_read(&self, id: &str, field: &str) -> Result<Option<String>, CrmError> {
        self.parley_check_field(field).await?;
        let found = self
            .store
            .crm_entities_of_workspace(self.workspace(), &[(CrmObjectType::Deal, id.to_owned())])
            .await
            .map_err(|e| CrmError::Transient(e.to_string()))?;
        let Some(e) = found.first() else {
            return Err(CrmError::Permanent(format!(
                "the DEAL object {id} was not uploaded to the generic crm integration"
            )));
        };
        Ok(e.fields.get(field).and_then(text_of))
    }

    async fn parley_write(&self, id: &str, field: &str, value: &str) -> Result<(), CrmError> {
        self.parley_check_field(field).await?;
        let done = self
            .store
            .set_crm_entity_field(
                self.workspace(),
                CrmObjectType::Deal,
                id,
                field,
                &Value::from(value),
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| CrmError::Transient(e.to_string()))?;
        if done {
            Ok(())
        } else {
            Err(CrmError::Permanent(format!(
                "the DEAL object {id} was not uploaded to the generic crm integration"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> ApiResponse {
        ApiResponse {
            status,
            retry_after: None,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn salesforce_errors_are_quoted_and_classified() {
        let r = answer(
            400,
            r#"[{"message":"No such column 'Foo__c' on sobject of type Opportunity","errorCode":"INVALID_FIELD","fields":["Foo__c"]}]"#,
        );
        assert_eq!(
            salesforce_error(&r),
            "salesforce answered 400: INVALID_FIELD: No such column 'Foo__c' on sobject of type Opportunity (fields: Foo__c)"
        );
        assert!(!salesforce_limited(&r));
        let r = answer(
            403,
            r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#,
        );
        assert!(salesforce_limited(&r));
        let r = answer(
            400,
            r#"{"error":"invalid_grant","error_description":"authentication failure"}"#,
        );
        assert_eq!(
            salesforce_error(&r),
            "salesforce answered 400: invalid_grant: authentication failure"
        );
        assert!(matches!(
            by_status(400, String::new()),
            CrmError::Permanent(_)
        ));
        assert!(matches!(
            by_status(503, String::new()),
            CrmError::Transient(_)
        ));
        assert!(matches!(
            by_status(429, String::new()),
            CrmError::Transient(_)
        ));
    }

    #[test]
    fn hubspot_errors_are_quoted() {
        let r = answer(
            429,
            r#"{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","correlationId":"c1","policyName":"SECONDLY"}"#,
        );
        assert_eq!(
            hubspot_error(&r),
            "hubspot answered 429: RATE_LIMIT: You have reached your secondly limit."
        );
    }

    #[test]
    fn ids_that_could_change_the_path_are_refused() {
        assert!(check_object_id("0065g00000AbCdEAAV").is_ok());
        assert!(check_object_id("12345").is_ok());
        for bad in ["", "../x", "a/b", "a?b", "a b", "a%2F"] {
            assert!(check_object_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rate_limited_answers_wait_their_retry_after_a_few_times() {
        let mut r = answer(429, "{}");
        r.retry_after = Some(Duration::from_secs(2));
        assert_eq!(inline_wait(&r, 0), Some(Duration::from_secs(2)));
        assert_eq!(inline_wait(&r, RATE_LIMIT_TRIES - 1), None);
        r.retry_after = Some(Duration::from_secs(3600));
        assert_eq!(inline_wait(&r, 0), None);
        r.retry_after = None;
        assert_eq!(inline_wait(&r, 1), Some(Duration::from_secs(2)));
    }

    #[test]
    fn field_values_read_as_text() {
        assert_eq!(text_of(&Value::Null), None);
        assert_eq!(text_of(&serde_json::json!("  ")), None);
        assert_eq!(text_of(&serde_json::json!("Acme")).as_deref(), Some("Acme"));
        assert_eq!(
            text_of(&serde_json::json!(["Acme", "Globex"])).as_deref(),
            Some("Acme, Globex")
        );
        assert_eq!(text_of(&serde_json::json!(3)).as_deref(), Some("3"));
    }
}

//! Sending automation rules' webhooks: the `deliver` job's handler, the company's signing
//! key, and the body Gong's receivers expect.
//!
//! A delivery is POSTed as `{"callData": <the call as /v2/calls/extensive renders it>,
//! "isTest": false}` through `parley-outbound` (the operator's allow-list; private
//! addresses refused unless listed). Each request carries the delivery's id in
//! [`DELIVERY_ID_HEADER`] (the same on every retry, so receivers can de-duplicate), and
//! with JWT authentication an `Authorization` header holding a JWT (RS256, no `Bearer `
//! prefix, as Gong sends it) whose claims bind the URL and the SHA-256 of the exact body.
//! What happens next (delivered, retried when, given up) is
//! `parley_domain::automation::next_step`'s decision, recorded with the attempt in one
//! transaction fenced by the job's lease.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use chrono::Utc;
use parley_domain::automation::{
    next_step, Action, Answer, Delivery, DeliveryAttempt, DeliveryId, DeliveryNext, DeliveryState,
    RetryPolicy, WebhookAction, WebhookAuth,
};
use parley_domain::crm_write::CrmFieldAction;
use parley_domain::{CallId, JobLease};
use parley_store::Store;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::jobs::JobError;

/// The header naming the delivery, stable across retries and replays.
pub const DELIVERY_ID_HEADER: &str = "x-parley-delivery-id";

/// Renders a call as `/v2/calls/extensive` does with every exposed field (recording
/// URLs aside) and Extended context; `None` when the call no longer exists. The server
/// crate implements it with the route's own renderer, so a webhook's `callData` is the
/// API's to the byte.
pub trait CallRenderer: Send + Sync + 'static {
    fn render(&self, call: CallId) -> Rendering<'_>;
}

/// A call being rendered: its JSON bytes, `None` when it is gone, or why it failed.
pub type Rendering<'a> = Pin<Box<dyn Future<Output = Result<Option<Vec<u8>>, String>> + Send + 'a>>;

/// How deliveries are sent.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Where the webhooks may go, and time limits (`webhook_allow`,
    /// `webhook_timeout_secs`).
    pub policy: parley_outbound::FetchPolicy,
    pub retry: RetryPolicy,
    /// Deliveries given up in a row that switch a rule off (`webhook_disable_after`;
    /// 0: never).
    pub disable_after: u32,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            policy: parley_outbound::FetchPolicy {
                connect_timeout: std::time::Duration::from_secs(10),
                total_timeout: std::time::Duration::from_secs(30),
                max_redirects: 0,
                ..parley_outbound::FetchPolicy::default()
            },
            retry: RetryPolicy::default(),
            disable_after: 20,
        }
    }
}

/// What the `deliver` jobs need.
pub struct Webhooks {
    pub renderer: Arc<dyn CallRenderer>,
    pub keys: Arc<SigningKeys>,
    pub config: WebhookConfig,
}

/// The company's webhook signing key: an RSA-2048 key pair in a PKCS#8 PEM file with
/// mode 0600, made on first use. Every node and worker that signs or shows the public key
/// must read the same file (`webhook_key_file`).
pub struct SigningKeys {
    path: PathBuf,
    loaded: OnceLock<Result<Arc<Signer>, String>>,
}

/// A loaded key.
pub struct Signer {
    encoding: jsonwebtoken::EncodingKey,
    /// `-----BEGIN PUBLIC KEY-----` (SPKI), what receivers verify with.
    pub public_pem: String,
}

/// Never shows the key.
impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("path", &self.path)
            .finish()
    }
}

impl SigningKeys {
    pub fn new(path: impl Into<PathBuf>) -> SigningKeys {
        SigningKeys {
            path: path.into(),
            loaded: OnceLock::new(),
        }
    }

    /// The key, read (or made) once per process. Blocking: call it off the async
    /// threads ([`SigningKeys::signer`] does).
    pub fn load(&self) -> Result<Arc<Signer>, String> {
        self.loaded
            .get_or_init(|| load_or_create(&self.path).map(Arc::new))
            .clone()
    }

    pub async fn signer(self: &Arc<Self>) -> Result<Arc<Signer>, String> {
        // Loaded already (every delivery but the process's first): no thread hand-off.
        if let Some(loaded) = self.loaded.get() {
            return loaded.clone();
        }
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.load())
            .await
            .map_err(|_| "loading the webhook signing key panicked".to_owned())?
    }
}

fn load_or_create(path: &Path) -> Result<Signer, String> {
    use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
    let shown = path.display();
    let pem = match std::fs::read_to_string(path) {
        Ok(pem) => pem,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
                .map_err(|e| format!("generating the webhook signing key: {e}"))?;
            let pem = key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| format!("encoding the webhook signing key: {e}"))?;
            write_new_secret(path, pem.as_bytes())?;
            // Another process may have made one first: the file is what counts.
            std::fs::read_to_string(path).map_err(|e| format!("reading {shown}: {e}"))?
        }
        Err(e) => return Err(format!("reading the webhook signing key {shown}: {e}")),
    };
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&pem)
        .map_err(|_| format!("{shown} is not a PKCS#8 PEM RSA private key"))?;
    let public_pem = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| format!("encoding the webhook public key: {e}"))?;
    let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|_| format!("{shown} cannot sign RS256"))?;
    Ok(Signer {
        encoding,
        public_pem,
    })
}

/// Writes a secret file readable by its owner only, atomically and never over an
/// existing one: written to a temporary file with mode 0600, then hard-linked into place
/// (which fails if the name exists).
fn write_new_secret(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let shown = path.display();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("creating a file beside {shown}: {e}"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("restricting {shown}: {e}"))?;
    }
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| format!("writing {shown}: {e}"))?;
    match std::fs::hard_link(tmp.path(), path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!("saving {shown}: {e}")),
    }
}

/// The claims of a webhook's JWT (spec §18.2).
#[derive(serde::Serialize)]
struct Claims<'a> {
    webhook_url: &'a str,
    body_sha256: String,
    iat: i64,
    exp: i64,
}

impl Signer {
    /// A JWT binding `url` and the SHA-256 of `body`, valid five minutes.
    pub fn sign(&self, url: &str, body: &[u8], now: i64) -> Result<String, String> {
        let claims = Claims {
            webhook_url: url,
            body_sha256: crate::media::hex(&Sha256::digest(body)),
            iat: now,
            exp: now + 300,
        };
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &claims,
            &self.encoding,
        )
        .map_err(|e| format!("signing the webhook: {e}"))
    }
}

/// The body Gong's receivers read: the rendered call spliced in as it is (its bytes are
/// the API's), and whether this is a test.
pub fn body(call_data: &[u8], is_test: bool) -> Vec<u8> {
    let mut b = Vec::with_capacity(call_data.len() + 32);
    b.extend_from_slice(b"{\"callData\":");
    b.extend_from_slice(call_data);
    b.extend_from_slice(if is_test {
        b",\"isTest\":true}"
    } else {
        b",\"isTest\":false}"
    });
    b
}

/// Runs one attempt of a delivery (the `deliver` job).
pub async fn deliver(
    store: &dyn Store,
    hooks: &Webhooks,
    id: DeliveryId,
    lease: JobLease,
) -> Result<(), JobError> {
    let now = Utc::now();
    let Some(delivery) = store.get_delivery(id).await? else {
        // The rule or the call was deleted, and the delivery with it.
        store.finish_job(lease, now).await?;
        return Ok(());
    };
    if delivery.state != DeliveryState::Pending {
        store.finish_job(lease, now).await?;
        return Ok(());
    }
    let cancel = |reason: &'static str| store.cancel_delivery(lease, id, reason, now);
    let Some(rule) = store.get_rule(delivery.rule_id).await? else {
        cancel("the rule no longer exists").await?;
        return Ok(());
    };
    if !rule.enabled && !delivery.is_test {
        cancel("the rule is disabled").await?;
        return Ok(());
    }
    match rule.actions.get(delivery.action as usize) {
        None => cancel("the rule no longer has this action").await?,
        Some(Action::Webhook(hook)) => send(store, hooks, &delivery, hook, lease).await?,
        Some(Action::CrmField(_)) if delivery.is_test => {
            cancel("a test changes nothing in the crm").await?
        }
        Some(Action::CrmField(a)) => hand_to_crm(store, hooks, &delivery, a, lease).await?,
    }
    Ok(())
}

/// Records an attempt and the delivery's next step (fenced by the lease; a give-up may
/// switch the rule off, with the attempt's error as the reason).
async fn record(
    store: &dyn Store,
    hooks: &Webhooks,
    lease: JobLease,
    delivery: &Delivery,
    attempt: &DeliveryAttempt,
    next: DeliveryNext,
) -> Result<(), JobError> {
    let reason = format!(
        "switched off after {} deliveries in a row failed; the last: {}",
        hooks.config.disable_after,
        attempt.error.as_deref().unwrap_or("failed")
    );
    let recorded = store
        .record_delivery(
            lease,
            delivery.id,
            attempt,
            next,
            hooks.config.disable_after,
            &reason,
        )
        .await?;
    if recorded.disabled_rule {
        tracing::warn!(rule_id = %delivery.rule_id, "automation rule switched off after a run of failed deliveries");
    }
    Ok(())
}

/// A CRM field action's delivery: queues the CRM write (its own `crm-write` job, with
/// its own retries and record) and is delivered once the write is queued. Only a
/// mistake that no retry mends (the connector deleted or moved to another workspace)
/// gives the delivery up.
async fn hand_to_crm(
    store: &dyn Store,
    hooks: &Webhooks,
    delivery: &Delivery,
    action: &CrmFieldAction,
    lease: JobLease,
) -> Result<(), JobError> {
    let started = Utc::now();
    let queued =
        crate::crm_writeback::enqueue_for_delivery(store, delivery.id, delivery.call_id, action)
            .await;
    let at = Utc::now();
    let (attempt, next) = match queued {
        Ok(w) => (
            DeliveryAttempt {
                status: None,
                latency_ms: latency(started, at),
                response: Some(format!("crm write {} {}", w.id, w.state.key())),
                error: None,
                at,
            },
            DeliveryNext::Delivered,
        ),
        Err(AppError::Store(e)) => return Err(JobError::transient(e.to_string())),
        Err(e) => (
            DeliveryAttempt {
                status: None,
                latency_ms: latency(started, at),
                response: None,
                error: Some(e.to_string()),
                at,
            },
            DeliveryNext::GiveUp,
        ),
    };
    record(store, hooks, lease, delivery, &attempt, next).await?;
    match next {
        DeliveryNext::Delivered => {
            tracing::info!(delivery_id = %delivery.id, call_id = %delivery.call_id, response = ?attempt.response, "crm field action handed to its write")
        }
        _ => {
            tracing::warn!(delivery_id = %delivery.id, call_id = %delivery.call_id, error = ?attempt.error, "crm field action given up")
        }
    }
    Ok(())
}

fn latency(from: chrono::DateTime<Utc>, to: chrono::DateTime<Utc>) -> u32 {
    u32::try_from((to - from).num_milliseconds()).unwrap_or(0)
}

/// A webhook's delivery: one POST, and what it answered recorded.
async fn send(
    store: &dyn Store,
    hooks: &Webhooks,
    delivery: &Delivery,
    hook: &WebhookAction,
    lease: JobLease,
) -> Result<(), JobError> {
    let id = delivery.id;
    let now = Utc::now();
    let Some(call_data) = hooks
        .renderer
        .render(delivery.call_id)
        .await
        .map_err(JobError::transient)?
    else {
        store
            .cancel_delivery(lease, id, "the call no longer exists", now)
            .await?;
        return Ok(());
    };
    let body = body(&call_data, delivery.is_test);
    let mut headers = vec![
        (DELIVERY_ID_HEADER, id.to_string()),
        // Gong's requests carry one; receivers log it.
        ("x-traceid", parley_domain::id::random_id().to_string()),
    ];
    if hook.auth == WebhookAuth::Jwt {
        let signer = hooks.keys.signer().await.map_err(JobError::transient)?;
        let jwt = signer
            .sign(&hook.url, &body, now.timestamp())
            .map_err(JobError::transient)?;
        // Choice: no `Bearer ` prefix, as Gong sends it (spec §18.2); receivers that
        // expect one strip it.
        headers.push(("authorization", jwt));
    }
    let sent = parley_outbound::post_webhook(&hook.url, body, &headers, &hooks.config.policy).await;
    let at = Utc::now();
    let (answer, attempt) = match sent {
        Ok(a) => (
            Answer::Status {
                code: a.status,
                retry_after: a.retry_after.clone(),
            },
            DeliveryAttempt {
                status: Some(a.status),
                latency_ms: a.latency_ms,
                response: Some(a.body),
                error: (!(200..300).contains(&a.status))
                    .then(|| format!("the receiver answered {}", a.status)),
                at,
            },
        ),
        Err(e) => (
            if e.is_transient() {
                Answer::Unreachable
            } else {
                Answer::Refused
            },
            DeliveryAttempt {
                status: None,
                latency_ms: latency(now, at),
                response: None,
                error: Some(e.to_string()),
                at,
            },
        ),
    };
    // The retry window runs from when this job was queued (a replay starts a new one).
    let queued = store
        .get_job(lease.job_id)
        .await?
        .map_or(delivery.created, |j| j.created);
    let next = next_step(&answer, lease.attempt, queued, at, &hooks.config.retry);
    record(store, hooks, lease, delivery, &attempt, next).await?;
    let url = parley_outbound::Url::parse(&hook.url)
        .map(|u| parley_outbound::redact_url(&u))
        .unwrap_or_default();
    match next {
        DeliveryNext::Delivered => {
            tracing::info!(delivery_id = %id, rule_id = %delivery.rule_id, call_id = %delivery.call_id, url = %url, status = ?attempt.status, latency_ms = attempt.latency_ms, "webhook delivered")
        }
        DeliveryNext::RetryAt(when) => {
            tracing::info!(delivery_id = %id, url = %url, error = ?attempt.error, retry_at = %when, "webhook not delivered; will retry")
        }
        DeliveryNext::GiveUp => {
            tracing::warn!(delivery_id = %id, url = %url, error = ?attempt.error, "webhook given up")
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_splices_the_call_in_as_rendered() {
        let b = body(br#"{"metaData":{"id":"1"}}"#, false);
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["callData"]["metaData"]["id"], "1");
        assert_eq!(v["isTest"], false);
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&body(b"{}", true)).unwrap()["isTest"],
            true
        );
    }

    #[test]
    fn a_key_is_made_once_with_mode_0600_and_signs_rs256() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/webhook.pem");
        let keys = SigningKeys::new(&path);
        let signer = keys.load().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Another process reads the same key.
        let again = SigningKeys::new(&path).load().unwrap();
        assert_eq!(signer.public_pem, again.public_pem);
        assert!(signer.public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));

        let jwt = signer
            .sign("https://r.example/hook", b"{}", 1_700_000_000)
            .unwrap();
        let key = jsonwebtoken::DecodingKey::from_rsa_pem(signer.public_pem.as_bytes()).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        v.validate_exp = false;
        let got = jsonwebtoken::decode::<serde_json::Value>(&jwt, &key, &v).unwrap();
        assert_eq!(got.claims["webhook_url"], "https://r.example/hook");
        assert_eq!(
            got.claims["body_sha256"],
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_eq!(got.claims["exp"], 1_700_000_300);
    }
}

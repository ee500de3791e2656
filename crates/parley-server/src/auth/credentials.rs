//! Checking an access key and secret, so that the check cannot be turned against the
//! server or the rightful client.
//!
//! - Secrets are stored as argon2id hashes. Verifying argon2 on every request would cost
//!   tens of milliseconds, so a node remembers, per access key, the SHA-256 of the secret
//!   it last verified and re-reads the key row at most every `key_recheck_secs` (so
//!   revocations and rotations apply promptly on every node).
//! - Only the right secret takes the fast path. Every other attempt — a wrong secret for
//!   a known key, or any secret for an unknown key — reads the row and runs one argon2
//!   verification (against a dummy hash when there is no row), so known and unknown keys
//!   cost the same and answer in the same time.
//! - argon2 runs are throttled per (access key, source address) and per source address:
//!   wrong secrets from one place cannot lock the key out for its owner elsewhere, and
//!   one source spraying keys is slowed down. The throttles are counted where the rate
//!   limits are ([`Rates`]): in shared scope a guesser spreading tries over N nodes gets
//!   one allowance, not N. Their memory on a node is bounded.
//! - Comparisons of secrets are constant-time.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use parley_store::{ApiKeyRecord, RateQuota, Store};

use super::rate::{Bucket, Rates};
use crate::error::ApiError;

/// Longest access key or secret looked at: minted ones are 24 and 48 characters. Longer
/// credentials cannot be valid and are refused before any lookup.
pub const MAX_CREDENTIAL_CHARS: usize = 256;

struct Verified {
    record: ApiKeyRecord,
    secret_sha: [u8; 32],
    checked: Instant,
}

/// What checking a key's credentials found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Valid(Box<ApiKeyRecord>),
    Invalid,
    /// Too many secrets were tried from this source; retry after this many seconds.
    Throttled(u64),
}

/// Remembers verified secrets per access key, and throttles the slow checks.
pub struct KeyCache {
    entries: Mutex<HashMap<String, Verified>>,
    recheck: Duration,
    rates: Arc<Rates>,
    by_key_and_source: Bucket,
    by_source: Bucket,
    /// A hash of a random secret with the stored hashes' parameters: unknown keys are
    /// verified against it, at the same cost as known ones.
    dummy_hash: String,
}

impl KeyCache {
    pub fn new(recheck: Duration, rates: Arc<Rates>) -> Self {
        // A client with the right secret needs one verification per node; a person
        // retyping a secret a few. Bursts of 20 then 5 per second, per key and source…
        let per_key = RateQuota::per_second(5, 20);
        // …and 50 then 20 per second per source over all keys (many clients behind one
        // address still fit).
        let per_source = RateQuota::per_second(20, 50);
        let random: [u8; 24] = rand::random();
        KeyCache {
            entries: Mutex::new(HashMap::new()),
            recheck,
            rates,
            by_key_and_source: Bucket::new("tries-name-source", per_key),
            by_source: Bucket::new("tries-source", per_source),
            dummy_hash: parley_app::keys::hash_secret(&parley_app::media::hex(&random)),
        }
    }

    /// Whether `secret` is the live secret of `access_key`, asked from `source`.
    pub async fn verify(
        &self,
        store: &dyn Store,
        access_key: &str,
        secret: &str,
        source: IpAddr,
    ) -> Result<Verdict, ApiError> {
        if access_key.chars().count() > MAX_CREDENTIAL_CHARS
            || secret.chars().count() > MAX_CREDENTIAL_CHARS
        {
            return Ok(self
                .throttle(access_key, source)
                .await
                .unwrap_or(Verdict::Invalid));
        }
        let sha: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        if let Some(record) = self.remembered(access_key, &sha, true) {
            return Ok(if record.revoked.is_some() {
                Verdict::Invalid
            } else {
                Verdict::Valid(Box::new(record))
            });
        }
        let record = store.get_api_key(access_key).await?;
        // The row may have been re-read only because the recheck interval passed: the
        // same hash and the remembered secret need no argon2 run.
        if let Some(r) = &record {
            if let Some(known) = self.remembered(access_key, &sha, false) {
                if known.secret_hash == r.secret_hash {
                    return Ok(self.settle(r.clone(), sha));
                }
            }
        }
        if let Some(throttled) = self.throttle(access_key, source).await {
            return Ok(throttled);
        }
        let hash = record
            .as_ref()
            .map_or_else(|| self.dummy_hash.clone(), |r| r.secret_hash.clone());
        let secret = secret.to_owned();
        // argon2 is deliberately slow: keep it off the async workers.
        let matches =
            tokio::task::spawn_blocking(move || parley_app::keys::verify_secret(&hash, &secret))
                .await
                .map_err(|_| ApiError::internal())?;
        match record {
            Some(r) if matches => Ok(self.settle(r, sha)),
            _ => Ok(Verdict::Invalid),
        }
    }

    /// The remembered record when `sha` is its secret's (and, when `fresh`, checked
    /// within the recheck interval).
    fn remembered(&self, access_key: &str, sha: &[u8; 32], fresh: bool) -> Option<ApiKeyRecord> {
        let entries = self.entries.lock().expect("key cache lock");
        let v = entries.get(access_key)?;
        let same = bool::from(v.secret_sha.ct_eq(sha));
        (same && (!fresh || v.checked.elapsed() < self.recheck)).then(|| v.record.clone())
    }

    /// Remembers a verified secret; a revoked key is remembered (so the next request
    /// needs no argon2 run) but is not valid.
    fn settle(&self, record: ApiKeyRecord, sha: [u8; 32]) -> Verdict {
        let revoked = record.revoked.is_some();
        self.entries.lock().expect("key cache lock").insert(
            record.access_key.clone(),
            Verified {
                record: record.clone(),
                secret_sha: sha,
                checked: Instant::now(),
            },
        );
        if revoked {
            Verdict::Invalid
        } else {
            Verdict::Valid(Box::new(record))
        }
    }

    /// Seconds to wait when `name` (an email signing in) has been tried too often from
    /// `source`, or `source` too often in all; counts this attempt.
    pub async fn throttle_attempt(&self, name: &str, source: IpAddr) -> Option<u64> {
        match self.throttle(name, source).await {
            Some(Verdict::Throttled(wait)) => Some(wait),
            _ => None,
        }
    }

    /// `Some(Throttled)` when this source has tried too many secrets (for this key, or
    /// in all). Counts the attempt against the source first: a source over its own limit
    /// spends nothing of the key's.
    async fn throttle(&self, access_key: &str, source: IpAddr) -> Option<Verdict> {
        let source_name = source.to_string();
        let mut taken = self.by_source.take(&self.rates, &source_name).await;
        if taken.is_ok() {
            // A newline cannot be in an address, so the pair names one bucket.
            let pair = format!("{source_name}\n{access_key}");
            taken = self.by_key_and_source.take(&self.rates, &pair).await;
        }
        let wait = taken.err()?;
        Some(Verdict::Throttled(super::whole_seconds(wait)))
    }
}

/// A short, stable name for an access key in logs: never the key itself (a pasted secret
/// or 100 KB of junk must not reach the log), yet the same key always looks the same.
/// The same digits as the audit log's record of the refusal.
pub fn fingerprint(access_key: &str) -> String {
    format!("k-{}", parley_app::audit::key_fingerprint(access_key))
}

/// Logs rejected credentials without letting them flood the log: the first few in each
/// minute one by one, then one line with how many more there were.
pub struct FailureLog {
    window: Mutex<(Instant, u32)>,
}

/// Rejections logged one by one per minute.
const LOGGED_PER_MINUTE: u32 = 10;

impl Default for FailureLog {
    fn default() -> Self {
        FailureLog {
            window: Mutex::new((Instant::now(), 0)),
        }
    }
}

impl FailureLog {
    pub fn rejected(&self, access_key: &str, source: IpAddr, throttled: bool) {
        let (logged, suppressed) = {
            let mut w = self.window.lock().expect("failure log lock");
            let mut suppressed = 0;
            if w.0.elapsed() >= Duration::from_secs(60) {
                suppressed = w.1.saturating_sub(LOGGED_PER_MINUTE);
                *w = (Instant::now(), 0);
            }
            w.1 = w.1.saturating_add(1);
            (w.1 <= LOGGED_PER_MINUTE, suppressed)
        };
        if suppressed > 0 {
            tracing::warn!(suppressed, "more rejected credentials in the last minute");
        }
        if logged {
            let key = fingerprint(access_key);
            if throttled {
                tracing::warn!(key = %key, %source, "too many secrets tried; throttled");
            } else {
                tracing::info!(key = %key, %source, "rejected credentials");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_short_stable_and_hide_the_key() {
        let long = "A\u{1b}[31m\nforged line ".repeat(5000);
        let f = fingerprint(&long);
        assert_eq!(f.len(), 10);
        assert_eq!(f, fingerprint(&long));
        assert_ne!(f, fingerprint("OTHER"));
        assert!(f.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }

    #[tokio::test]
    async fn throttles_are_per_source() {
        let cache = KeyCache::new(Duration::from_secs(1), Rates::node());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let mut throttled = 0;
        for _ in 0..30 {
            throttled += u32::from(cache.throttle("KEY", a).await.is_some());
        }
        assert!(throttled >= 5, "{throttled}");
        assert_eq!(
            cache.throttle("KEY", b).await,
            None,
            "another source is not locked out"
        );
    }
}

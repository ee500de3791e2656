//! API keys: creation, Basic authentication as Gong does it, and per-key rate limits.
//!
//! Secrets are stored as argon2id hashes only. Verifying argon2 on every request would
//! cost tens of milliseconds, so a node remembers, per access key, the SHA-256 of the
//! secret it last verified against the stored hash, and re-reads the key row at most
//! every `key_recheck_secs` so that revocations apply promptly on every node.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};

use gong_api_v2::messages;
use parley_store::{ApiKeyRecord, Store};

use crate::config::RateLimit;
use crate::error::ApiError;
use crate::AppState;

/// A newly minted key. The secret is shown once and never stored.
pub struct NewKey {
    pub access_key: String,
    pub secret: String,
    pub record: ApiKeyRecord,
}

/// Mints a key: a 24-character access key and a 48-character secret (~285 bits).
pub fn mint_key(name: &str) -> NewKey {
    let mut rng = rand::thread_rng();
    let access_key = Alphanumeric.sample_string(&mut rng, 24).to_uppercase();
    let secret = Alphanumeric.sample_string(&mut rng, 48);
    let salt = SaltString::generate(&mut OsRng);
    let secret_hash = Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .expect("argon2 hashing with default parameters cannot fail")
        .to_string();
    NewKey {
        record: ApiKeyRecord {
            access_key: access_key.clone(),
            name: name.to_owned(),
            secret_hash,
            created: chrono::Utc::now(),
            revoked: None,
        },
        access_key,
        secret,
    }
}

/// Creates and stores a key.
pub async fn create_key(store: &dyn Store, name: &str) -> parley_store::Result<NewKey> {
    let key = mint_key(name);
    store.create_api_key(&key.record).await?;
    Ok(key)
}

/// The key a request was authenticated with.
#[derive(Debug, Clone)]
pub struct Caller {
    pub access_key: String,
}

struct Verified {
    secret_hash: String,
    secret_sha: [u8; 32],
    revoked: bool,
    checked: Instant,
}

/// Remembers verified secrets per access key.
pub struct KeyCache {
    entries: Mutex<HashMap<String, Verified>>,
    recheck: Duration,
    /// Bounds the argon2 verifications per access key, so wrong secrets sent with a known
    /// key cannot make the server burn CPU. A client with the right secret needs one.
    hashing: DefaultKeyedRateLimiter<String>,
}

/// What checking a key's credentials found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Valid,
    Invalid,
    /// Too many secrets were tried for this key; retry after this many seconds.
    Throttled(u64),
}

impl KeyCache {
    pub fn new(recheck: Duration) -> Self {
        let quota = Quota::per_second(NonZeroU32::new(5).expect("non-zero"))
            .allow_burst(NonZeroU32::new(20).expect("non-zero"));
        KeyCache {
            entries: Mutex::new(HashMap::new()),
            recheck,
            hashing: RateLimiter::keyed(quota),
        }
    }

    /// Whether `secret` is the live secret of `access_key`.
    async fn verify(
        &self,
        store: &dyn Store,
        access_key: &str,
        secret: &str,
    ) -> Result<Verdict, ApiError> {
        let sha: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        {
            let entries = self.entries.lock().expect("key cache lock");
            if let Some(v) = entries.get(access_key) {
                if v.checked.elapsed() < self.recheck {
                    let ok = !v.revoked && v.secret_sha == sha;
                    return Ok(if ok { Verdict::Valid } else { Verdict::Invalid });
                }
            }
        }
        let Some(record) = store.get_api_key(access_key).await? else {
            return Ok(Verdict::Invalid);
        };
        let revoked = record.revoked.is_some();
        let cached_match = {
            let entries = self.entries.lock().expect("key cache lock");
            entries
                .get(access_key)
                .is_some_and(|v| v.secret_hash == record.secret_hash && v.secret_sha == sha)
        };
        let ok = if cached_match {
            true
        } else {
            if let Err(not_until) = self.hashing.check_key(&access_key.to_owned()) {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                return Ok(Verdict::Throttled(whole_seconds(wait)));
            }
            // argon2 is deliberately slow: keep it off the async workers.
            let hash = record.secret_hash.clone();
            let secret = secret.to_owned();
            tokio::task::spawn_blocking(move || {
                PasswordHash::new(&hash)
                    .map(|parsed| {
                        Argon2::default()
                            .verify_password(secret.as_bytes(), &parsed)
                            .is_ok()
                    })
                    .unwrap_or(false)
            })
            .await
            .map_err(|_| ApiError::internal())?
        };
        if ok {
            self.entries.lock().expect("key cache lock").insert(
                access_key.to_owned(),
                Verified {
                    secret_hash: record.secret_hash,
                    secret_sha: sha,
                    revoked,
                    checked: Instant::now(),
                },
            );
        }
        Ok(if ok && !revoked {
            Verdict::Valid
        } else {
            Verdict::Invalid
        })
    }
}

/// Reads `Authorization: Basic base64(key:secret)`.
fn basic_credentials(req: &Request) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (key, secret) = text.split_once(':')?;
    Some((key.to_owned(), secret.to_owned()))
}

fn unauthorized() -> Response {
    let mut resp = ApiError::new(StatusCode::UNAUTHORIZED, messages::UNAUTHORIZED).into_response();
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Basic realm=\"parley\""),
    );
    resp
}

/// Authenticates the request and applies the caller's rate limits.
pub async fn require_key(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some((access_key, secret)) = basic_credentials(&req) else {
        return unauthorized();
    };
    let too_many = |retry_after| {
        let mut err = ApiError::new(StatusCode::TOO_MANY_REQUESTS, messages::RATE_LIMITED);
        err.retry_after = Some(retry_after);
        err.into_response()
    };
    match state
        .keys
        .verify(state.store.as_ref(), &access_key, &secret)
        .await
    {
        Ok(Verdict::Valid) => {}
        Ok(Verdict::Invalid) => {
            tracing::info!(access_key = %access_key, "rejected credentials");
            return unauthorized();
        }
        Ok(Verdict::Throttled(retry_after)) => {
            tracing::warn!(access_key = %access_key, "too many secrets tried for one key");
            return too_many(retry_after);
        }
        Err(e) => return e.into_response(),
    }
    if let Err(retry_after) = state.limits.check(&access_key) {
        return too_many(retry_after);
    }
    req.extensions_mut().insert(Caller { access_key });
    next.run(req).await
}

/// Per-key rate limits: a per-second bucket with a burst, and a per-day bucket.
pub struct Limits {
    per_second: Option<DefaultKeyedRateLimiter<String>>,
    per_day: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl Limits {
    pub fn new(cfg: RateLimit) -> Arc<Self> {
        let per_second = NonZeroU32::new(cfg.per_second).map(|rate| {
            let burst = NonZeroU32::new(cfg.burst.max(cfg.per_second)).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        // A day's allowance, refilled evenly: the whole allowance is available at once,
        // and each spent request comes back after 86400/per_day seconds.
        let per_day = NonZeroU32::new(cfg.per_day).map(|n| {
            let period = Duration::from_secs_f64(86_400.0 / f64::from(n.get()));
            RateLimiter::keyed(
                Quota::with_period(period)
                    .expect("non-zero period")
                    .allow_burst(n),
            )
        });
        Arc::new(Limits {
            per_second,
            per_day,
            clock: DefaultClock::default(),
        })
    }

    /// `Err(seconds to wait)` when the key is over a limit.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        for limiter in [&self.per_second, &self.per_day].into_iter().flatten() {
            if let Err(not_until) = limiter.check_key(&key.to_owned()) {
                return Err(whole_seconds(not_until.wait_time_from(self.clock.now())));
            }
        }
        Ok(())
    }
}

/// A wait in whole seconds, rounded up, at least 1: a client that waits exactly this long
/// must succeed.
fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_secrets_verify_only_against_their_hash() {
        let key = mint_key("etl");
        assert_eq!(key.access_key.len(), 24);
        assert!(!key.record.secret_hash.contains(&key.secret));
        let parsed = PasswordHash::new(&key.record.secret_hash).unwrap();
        assert!(Argon2::default()
            .verify_password(key.secret.as_bytes(), &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"wrong", &parsed)
            .is_err());
    }

    #[test]
    fn limits_refuse_past_the_burst_with_a_whole_second_wait() {
        let limits = Limits::new(RateLimit {
            per_second: 3,
            burst: 3,
            per_day: 0,
        });
        for _ in 0..3 {
            assert_eq!(limits.check("a"), Ok(()));
        }
        assert_eq!(limits.check("a"), Err(1));
        assert_eq!(limits.check("b"), Ok(()), "keys are limited separately");
        let daily = Limits::new(RateLimit {
            per_second: 0,
            burst: 0,
            per_day: 2,
        });
        assert!(daily.check("a").is_ok() && daily.check("a").is_ok());
        let wait = daily.check("a").unwrap_err();
        assert!((43_000..=43_200).contains(&wait), "{wait}");
        assert!(Limits::new(RateLimit::OFF).check("a").is_ok());
    }
}

//! Rate-limit buckets, counted in this process (`RateLimitScope::Node`) or in the database
//! for every node on it (`RateLimitScope::Shared`, `Store::take_rate`).
//!
//! The per-key request limits ([`super::Limits`]) and the credential throttles
//! ([`super::KeyCache`]) are each a few [`Bucket`]s taken from through one [`Rates`].
//!
//! In shared scope a bucket is stored under `<kind>:<HMAC-SHA256 of its name>` (keyed by
//! a server secret all nodes share), so the table holds no access key, e-mail address or
//! client address, and a digest cannot be reversed by guessing its name.
//!
//! **When the database cannot be asked** (an error, or no answer within
//! [`STORE_WAIT`]), the take falls back to this node's own bucket, with a warning at
//! most once a minute: the limit then holds per node, as in node scope, until the
//! database answers again. Not fail closed (503 for everyone): a limiter exists to
//! protect the service, and one that turns a slow statement, a full pool or a damaged
//! table into refusals of the whole API amplifies a database problem instead of
//! containing it; a request that needs the database and cannot have it still fails on
//! its own, with its own error. Not fail open without a limit either: the node's bucket
//! still bounds a runaway client and a password guesser, per node, so making the database
//! slow does not switch the throttles off. Nothing is lost either way: the check runs
//! before the handler, and a refused request did nothing.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use parley_store::{RateQuota, RateTake, Store, StoreError};

use crate::config::RateLimitScope;

/// How long a take waits for the database before this node's bucket decides instead:
/// far above a healthy round trip (well under a millisecond), far below a client's
/// patience.
pub const STORE_WAIT: Duration = Duration::from_secs(2);

/// How often each node deletes the buckets that are full again.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Buckets are pruned only once full for this long, so that a node whose clock runs ahead
/// never deletes a bucket another node still counts in.
const PRUNE_MARGIN: chrono::Duration = chrono::Duration::minutes(5);

/// Names kept by each node-local bucket before idle ones are dropped.
const LOCAL_ENTRIES: usize = 10_000;

/// Failed shared takes are warned about at most this often.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// Where a node's buckets are counted; shared by its [`Bucket`]s.
pub struct Rates {
    shared: Option<Shared>,
}

struct Shared {
    store: Arc<dyn Store>,
    /// The HMAC key bucket names are stored under: the same on every node.
    key: Vec<u8>,
    /// Set while takes fall back to the node's buckets.
    degraded: AtomicBool,
    fallbacks: Mutex<Fallbacks>,
    /// Stops the pruning task with the last handle on these rates.
    pruner: tokio::task::AbortHandle,
}

#[derive(Default)]
struct Fallbacks {
    last_warned: Option<Instant>,
    unreported: u64,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.pruner.abort();
    }
}

impl Rates {
    /// Buckets in this process's memory.
    pub fn node() -> Arc<Rates> {
        Arc::new(Rates { shared: None })
    }

    /// Buckets in `store`, one count for every node on it; starts this node's pruning.
    pub async fn shared(store: Arc<dyn Store>) -> Result<Arc<Rates>, StoreError> {
        let fresh: [u8; 32] = rand::random();
        let key = store
            .server_secret("rate-limit-names", fresh.to_vec())
            .await?;
        let pruning = store.clone();
        let pruner = tokio::spawn(async move {
            let mut tick = tokio::time::interval(PRUNE_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let before = chrono::Utc::now() - PRUNE_MARGIN;
                match pruning.prune_rate_limits(before).await {
                    Ok(n) => tracing::debug!(deleted = n, "pruned full rate-limit buckets"),
                    Err(e) => tracing::warn!(error = %e, "pruning rate-limit buckets failed"),
                }
            }
        })
        .abort_handle();
        Ok(Arc::new(Rates {
            shared: Some(Shared {
                store,
                key,
                degraded: AtomicBool::new(false),
                fallbacks: Mutex::new(Fallbacks::default()),
                pruner,
            }),
        }))
    }

    pub fn scope(&self) -> RateLimitScope {
        match self.shared {
            Some(_) => RateLimitScope::Shared,
            None => RateLimitScope::Node,
        }
    }
}

impl Shared {
    /// The stored name of `kind`'s bucket for `name`: 128 bits of its HMAC.
    fn bucket(&self, kind: &str, name: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("hmac takes any key length");
        mac.update(name.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("{kind}:{}", parley_app::media::hex(&digest[..16]))
    }

    /// The store's answer, or `None` (warned about) when it gave none.
    async fn take(&self, kind: &'static str, name: &str, quota: RateQuota) -> Option<RateTake> {
        let bucket = self.bucket(kind, name);
        let asked = tokio::time::timeout(
            STORE_WAIT,
            self.store.take_rate(&bucket, quota, chrono::Utc::now()),
        )
        .await;
        let error = match asked {
            Ok(Ok(taken)) => {
                if self.degraded.load(Ordering::Relaxed) {
                    self.recovered();
                }
                return Some(taken);
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {} s", STORE_WAIT.as_secs()),
        };
        self.degraded.store(true, Ordering::Relaxed);
        let mut f = self.fallbacks.lock().expect("rate fallback lock");
        f.unreported += 1;
        if f.last_warned.is_none_or(|t| t.elapsed() >= WARN_EVERY) {
            tracing::warn!(
                bucket = kind, error = %error, fallbacks = f.unreported,
                "shared rate limits unavailable: counting on this node alone"
            );
            f.last_warned = Some(Instant::now());
            f.unreported = 0;
        }
        None
    }

    fn recovered(&self) {
        let mut f = self.fallbacks.lock().expect("rate fallback lock");
        if self.degraded.swap(false, Ordering::Relaxed) {
            tracing::info!(
                unreported_fallbacks = f.unreported,
                "shared rate limits available again"
            );
            *f = Fallbacks::default();
        }
    }
}

/// One kind of bucket (the per-second requests of a key, the sign-ins from an address…):
/// its quota, and this node's copy of its buckets by name.
pub struct Bucket {
    /// Names the kind in stored bucket names.
    kind: &'static str,
    quota: RateQuota,
    local: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl Bucket {
    pub fn new(kind: &'static str, quota: RateQuota) -> Bucket {
        let period = Duration::from_micros(quota.interval_us.max(1) as u64);
        let burst = NonZeroU32::new(quota.burst).unwrap_or(NonZeroU32::MIN);
        let local = Quota::with_period(period)
            .expect("a non-zero period")
            .allow_burst(burst);
        Bucket {
            kind,
            quota,
            local: RateLimiter::keyed(local),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request from `name`'s bucket; `Err(wait)` when it is empty.
    pub async fn take(&self, rates: &Rates, name: &str) -> Result<(), Duration> {
        if let Some(shared) = &rates.shared {
            match shared.take(self.kind, name, self.quota).await {
                Some(RateTake::Admitted) => return Ok(()),
                Some(RateTake::Refused(wait)) => return Err(wait),
                None => {}
            }
        }
        self.take_here(name)
    }

    /// This node's bucket.
    fn take_here(&self, name: &str) -> Result<(), Duration> {
        if self.local.len() > LOCAL_ENTRIES {
            self.local.retain_recent();
        }
        self.local
            .check_key(&name.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

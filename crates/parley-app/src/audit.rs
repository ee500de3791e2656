//! The audit log's use cases: recording entries (from every entry point) and reading
//! them back, and its retention.
//!
//! A server records through an [`AuditLog`]: [`AuditLog::record`] never waits and never
//! fails the request that made the entry. Entries go through a bounded channel to one
//! background task that writes them in batches, one transaction each; when the channel
//! is full (the store is stalled), entries are dropped, counted and warned about rather
//! than slowing requests down. Aggregated actions (key use, refused credentials) are
//! summed in memory per actor, address, outcome and hour and flushed every
//! `flush_every`, so a busy read-only client costs a handful of row updates a minute.
//! Short-lived processes (the CLI) write directly with [`append`].

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use parley_domain::{
    Actor, AuditAction, AuditEntry, AuditRecord, Outcome, Timestamp, User, UserId,
};
use parley_store::{AuditFilter, AuditKey, Store};

use crate::AppResult;

/// How the recorder runs and how long entries are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditConfig {
    /// Entries waiting to be written at most; more are dropped (and counted).
    pub queue: usize,
    /// How often summed key use is written.
    pub flush_every: Duration,
    /// Days entries are kept; 0 keeps them forever.
    pub retention_days: u32,
    /// How often entries past retention are deleted (also once at start).
    pub prune_every: Duration,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            queue: 4096,
            flush_every: Duration::from_secs(5),
            retention_days: 90,
            prune_every: Duration::from_secs(3600),
        }
    }
}

/// Single entries written per transaction at most.
const BATCH: usize = 256;

// Entries are nearly every message; boxing them to shrink the rare `Flush` would add an
// allocation per request for nothing.
#[allow(clippy::large_enum_variant)]
enum Msg {
    Entry(AuditEntry),
    Flush(oneshot::Sender<()>),
}

/// The recorder a server shares between its requests; cheap to clone.
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<Msg>,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("dropped", &self.dropped())
            .finish()
    }
}

impl AuditLog {
    /// Starts the background writer on the current tokio runtime. It stops, after writing
    /// what it holds, once every clone of the returned log is gone.
    pub fn start(store: Arc<dyn Store>, config: AuditConfig) -> AuditLog {
        let (log, rx) = AuditLog::channel(config.queue);
        tokio::spawn(write_loop(store, config, rx, log.dropped.clone()));
        log
    }

    fn channel(queue: usize) -> (AuditLog, mpsc::Receiver<Msg>) {
        let (tx, rx) = mpsc::channel(queue.max(1));
        let log = AuditLog {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        };
        (log, rx)
    }

    /// Records an entry without waiting: it is written shortly, off the caller's path.
    pub fn record(&self, entry: AuditEntry) {
        match self.tx.try_send(Msg::Entry(entry)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                // Once, then every 1000th, so a stalled store does not also flood the log.
                if n == 1 || n.is_multiple_of(1000) {
                    tracing::warn!(dropped = n, "audit queue full: entries dropped");
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Waits until everything recorded before this call is written (summed key use
    /// included), so a reader of the log sees its own requests.
    pub async fn flush(&self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Msg::Flush(ack)).await.is_ok() {
            let _ = done.await;
        }
    }

    /// Entries dropped so far because the queue was full or a write failed.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// What aggregated entries are summed by.
type SumKey = (Timestamp, Actor, AuditAction, Option<IpAddr>, Outcome);

struct Pending {
    single: Vec<AuditEntry>,
    summed: HashMap<SumKey, AuditEntry>,
}

impl Pending {
    fn add(&mut self, e: AuditEntry) {
        if !e.action.aggregated() {
            self.single.push(e);
            return;
        }
        let key = (
            e.bucket(),
            e.actor.clone(),
            e.action,
            e.client_ip,
            e.outcome.clone(),
        );
        match self.summed.get_mut(&key) {
            Some(sum) => {
                sum.count += e.count;
                sum.at = sum.at.min(e.at);
                sum.last_at = sum.last_at.max(e.last_at);
            }
            None => {
                self.summed.insert(key, e);
            }
        }
    }

    async fn write(&mut self, store: &dyn Store, dropped: &AtomicU64) {
        let mut entries = std::mem::take(&mut self.single);
        entries.extend(self.summed.drain().map(|(_, e)| e));
        for chunk in entries.chunks(BATCH) {
            if let Err(e) = store.append_audit(chunk).await {
                dropped.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                tracing::warn!(error = %e, entries = chunk.len(), "audit entries lost: writing them failed");
            }
        }
    }
}

async fn write_loop(
    store: Arc<dyn Store>,
    config: AuditConfig,
    mut rx: mpsc::Receiver<Msg>,
    dropped: Arc<AtomicU64>,
) {
    let mut pending = Pending {
        single: Vec::new(),
        summed: HashMap::new(),
    };
    let mut flush = tokio::time::interval(config.flush_every.max(Duration::from_millis(10)));
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut prune_tick = tokio::time::interval(config.prune_every.max(Duration::from_secs(1)));
    prune_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Msg::Entry(e)) => {
                    let is_single = !e.action.aggregated();
                    pending.add(e);
                    // Writes are written as soon as a burst of them ends (or fills a batch);
                    // summed key use waits for the flush tick.
                    if pending.single.len() >= BATCH || (is_single && rx.is_empty()) {
                        let mut writes = Pending {
                            single: std::mem::take(&mut pending.single),
                            summed: HashMap::new(),
                        };
                        writes.write(store.as_ref(), &dropped).await;
                    }
                }
                Some(Msg::Flush(ack)) => {
                    pending.write(store.as_ref(), &dropped).await;
                    let _ = ack.send(());
                }
                None => {
                    pending.write(store.as_ref(), &dropped).await;
                    return;
                }
            },
            _ = flush.tick() => pending.write(store.as_ref(), &dropped).await,
            _ = prune_tick.tick() => {
                let now = chrono::Utc::now();
                if let Err(e) = prune(store.as_ref(), config.retention_days, now).await {
                    tracing::warn!(error = %e, "pruning the audit log failed");
                }
            }
        }
    }
}

/// Writes one entry now (for short-lived processes such as the CLI).
pub async fn append(store: &dyn Store, entry: AuditEntry) -> AppResult<()> {
    Ok(store.append_audit(std::slice::from_ref(&entry)).await?)
}

/// A page of entries and the users they name (those that still exist).
pub struct AuditPage {
    pub records: Vec<AuditRecord>,
    pub users: HashMap<UserId, User>,
}

/// Reads entries (after `after`, at most `limit`) with their users.
pub async fn list(
    store: &dyn Store,
    filter: &AuditFilter,
    after: Option<AuditKey>,
    limit: u32,
) -> AppResult<AuditPage> {
    let records = store.list_audit(filter, after, limit).await?;
    let ids: std::collections::BTreeSet<UserId> = records
        .iter()
        .filter_map(|r| r.entry.actor.user_id())
        .collect();
    let mut users = HashMap::new();
    for id in ids {
        if let Some(u) = store.get_user(id).await? {
            users.insert(id, u);
        }
    }
    Ok(AuditPage { records, users })
}

/// Deletes entries older than `retention_days` before `now` (none when 0); returns how
/// many.
pub async fn prune(store: &dyn Store, retention_days: u32, now: Timestamp) -> AppResult<u64> {
    if retention_days == 0 {
        return Ok(0);
    }
    let before = now - chrono::Duration::days(i64::from(retention_days));
    let n = store.prune_audit(before).await?;
    if n > 0 {
        tracing::info!(deleted = n, retention_days, "pruned the audit log");
    }
    Ok(n)
}

/// What the log keeps of an access key that was refused: the first 8 hex digits of its
/// SHA-256. Enough to tell one guesser's attempts from another's, useless to replay, and
/// safe when a client put its secret where the key goes.
pub fn key_fingerprint(access_key: &str) -> String {
    let digest = Sha256::digest(access_key.as_bytes());
    crate::media::hex(&digest[..4])
}

/// The actor for the `parley` command line: the operating-system user running it.
pub fn cli_actor(os_user: &str) -> Actor {
    Actor::Cli {
        os_user: parley_domain::audit::bounded_text(os_user, 64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: AuditAction, minute: u32, status: u16) -> AuditEntry {
        use chrono::TimeZone;
        let at = chrono::Utc
            .with_ymd_and_hms(2025, 6, 12, 10, minute, 0)
            .unwrap();
        AuditEntry::new(
            at,
            Actor::ApiKey {
                access_key: "K".into(),
                user_id: None,
            },
            action,
            Outcome::Status(status),
        )
    }

    async fn store() -> (tempfile::TempDir, Arc<dyn Store>) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("a.db").display());
        (dir, crate::storage::open(&url).await.unwrap())
    }

    #[tokio::test]
    async fn the_recorder_writes_on_flush_and_folds_key_use_into_one_row() {
        let (_dir, store) = store().await;
        // The entries are from 2025: with a retention the start-up prune would take them.
        let config = AuditConfig {
            retention_days: 0,
            ..AuditConfig::default()
        };
        let log = AuditLog::start(store.clone(), config);
        for minute in [5, 6, 7] {
            log.record(entry(AuditAction::KeyUse, minute, 200));
        }
        log.record(entry(AuditAction::ApiWrite, 8, 201));
        log.flush().await;
        let all = AuditFilter {
            log: None,
            from: None,
            to: None,
            newest_first: false,
        };
        let page = list(store.as_ref(), &all, None, 10).await.unwrap();
        let got: Vec<_> = page
            .records
            .iter()
            .map(|r| (r.entry.action, r.entry.count))
            .collect();
        assert_eq!(got, [(AuditAction::KeyUse, 3), (AuditAction::ApiWrite, 1)]);
        // The next flush adds to the same hour's row.
        log.record(entry(AuditAction::KeyUse, 30, 200));
        log.flush().await;
        let page = list(store.as_ref(), &all, None, 10).await.unwrap();
        assert_eq!(page.records[0].entry.count, 4);
        assert_eq!(log.dropped(), 0);
    }

    #[tokio::test]
    async fn retention_zero_keeps_everything() {
        let (_dir, store) = store().await;
        let old = entry(AuditAction::ApiWrite, 0, 201);
        append(store.as_ref(), old.clone()).await.unwrap();
        let later = old.at + chrono::Duration::days(400);
        assert_eq!(prune(store.as_ref(), 0, later).await.unwrap(), 0);
        assert_eq!(prune(store.as_ref(), 500, later).await.unwrap(), 0);
        assert_eq!(prune(store.as_ref(), 90, later).await.unwrap(), 1);
    }

    #[test]
    fn fingerprints_are_short_and_stable() {
        assert_eq!(key_fingerprint("abc"), "ba7816bf");
        assert_ne!(key_fingerprint("abd"), key_fingerprint("abc"));
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_waiting() {
        let (log, _rx) = AuditLog::channel(2);
        for _ in 0..5 {
            log.record(entry(AuditAction::ApiWrite, 0, 201));
        }
        assert_eq!(log.dropped(), 3);
    }

    #[test]
    fn pending_key_use_is_summed_and_writes_are_kept_apart() {
        let mut p = Pending {
            single: Vec::new(),
            summed: HashMap::new(),
        };
        p.add(entry(AuditAction::KeyUse, 9, 200));
        p.add(entry(AuditAction::KeyUse, 5, 200));
        p.add(entry(AuditAction::KeyUse, 7, 404));
        p.add(entry(AuditAction::ApiWrite, 5, 201));
        p.add(entry(AuditAction::ApiWrite, 5, 201));
        assert_eq!(p.single.len(), 2);
        assert_eq!(p.summed.len(), 2);
        let ok = p
            .summed
            .values()
            .find(|e| e.outcome == Outcome::Status(200))
            .unwrap();
        assert_eq!(ok.count, 2);
        assert_eq!(ok.at.format("%M").to_string(), "05");
        assert_eq!(ok.last_at.format("%M").to_string(), "09");
    }
}

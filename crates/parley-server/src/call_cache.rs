//! Calls rendered in Gong's shape, kept in memory by version.
//!
//! A listing reads each call's place and version from an index (cheap), serves the calls
//! this node has already rendered at that version from memory, and reads and renders only
//! the rest. Every change to anything a call renders (its row, parties, CRM links and
//! objects, transcript, analysis) bumps its version in the same transaction (triggers in
//! migration 0006), so a node never serves a stale rendering and nodes need not tell each
//! other anything. Counts of calls under a filter are kept the same way, by the store's
//! calls generation.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use parley_domain::CallId;
use parley_store::{CallFilter, CallVersion, Store};

use crate::error::ApiResult;

/// Filters whose counts are kept (a digest and two numbers each).
const COUNTED_FILTERS: usize = 10_000;

/// Which rendering of a call: `GET /v2/calls`'s, or a hash of an extensive selector.
pub type Shape = u64;
pub const BASIC: Shape = 0;

/// A call's rendering in one shape, and the version it was rendered at. `Bytes`, so a
/// page served from here shares the cache's bytes instead of copying them: a request's
/// working set is what it renders, not what it is served.
type Renderings = HashMap<(CallId, Shape), (i64, Bytes)>;

/// The renderings kept and the bytes their JSON takes.
#[derive(Default)]
struct Kept {
    renderings: Renderings,
    bytes: usize,
}

pub struct CallCache {
    entries: Mutex<Kept>,
    /// Call counts by filter digest, with the calls generation they were counted at.
    counts: Mutex<HashMap<String, (i64, i64)>>,
    /// Most renderings kept; the cache starts over when it is full (a listing refills
    /// what it needs in one query).
    capacity: usize,
    /// Most bytes of JSON kept, the same way: calls differ in size by four orders of
    /// magnitude (a long transcript, many parties), so a count alone bounds nothing.
    max_bytes: usize,
}

/// A page looked up: the renderings found, and the calls to render.
pub struct Lookup {
    found: Vec<Option<Bytes>>,
    pub missing: Vec<CallId>,
}

impl CallCache {
    pub fn new(capacity: usize, max_bytes: usize) -> CallCache {
        CallCache {
            entries: Mutex::new(Kept::default()),
            counts: Mutex::new(HashMap::new()),
            capacity,
            max_bytes,
        }
    }

    /// Forgets every rendering and count.
    pub fn clear(&self) {
        *self.entries.lock().unwrap_or_else(|e| e.into_inner()) = Kept::default();
        self.counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Clears the cache whenever an erase has finished on any node (the store's count of
    /// finished erasures moved), checking every `every`, for as long as the cache lives.
    /// Erased calls' versions moved, so no stale rendering would be served anyway; this
    /// also frees the memory that still held the person's address.
    pub fn watch_erasures(
        cache: &std::sync::Arc<CallCache>,
        store: std::sync::Arc<dyn Store>,
        every: std::time::Duration,
    ) {
        let weak = std::sync::Arc::downgrade(cache);
        tokio::spawn(async move {
            let mut seen: Option<i64> = None;
            loop {
                {
                    let Some(cache) = weak.upgrade() else { return };
                    match store.erasures_done().await {
                        Ok(n) => {
                            if seen.is_some_and(|s| s != n) {
                                cache.clear();
                                tracing::info!(erasures = n, "call cache cleared after an erase");
                            }
                            seen = Some(n);
                        }
                        Err(e) => tracing::debug!(error = %e, "erasure count unavailable"),
                    }
                }
                tokio::time::sleep(every).await;
            }
        });
    }

    /// Bytes of JSON kept now.
    pub fn bytes(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).bytes
    }

    /// How many calls match `filter` (`digest` names it): counted again only when calls
    /// were added or removed since the last count, on this node or any other.
    pub async fn count(
        &self,
        store: &dyn Store,
        filter: &CallFilter,
        digest: &str,
    ) -> ApiResult<i64> {
        let generation = store.calls_generation().await?;
        let known = self
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(digest)
            .copied();
        if let Some((g, n)) = known {
            if g == generation {
                return Ok(n);
            }
        }
        let n = store.count_calls(filter).await?;
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.len() >= COUNTED_FILTERS {
            counts.clear();
        }
        counts.insert(digest.to_owned(), (generation, n));
        Ok(n)
    }

    /// The renderings of `page` this node holds at the listed versions.
    pub fn lookup(&self, page: &[CallVersion], shape: Shape) -> Lookup {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let mut missing = Vec::new();
        let found = page
            .iter()
            .map(
                |c| match entries.renderings.get(&(CallId(c.key.id), shape)) {
                    Some((version, json)) if *version == c.version => Some(json.clone()),
                    _ => {
                        missing.push(CallId(c.key.id));
                        None
                    }
                },
            )
            .collect();
        Lookup { found, missing }
    }

    /// Completes a lookup with the calls rendered for it (`(call, version, json)`; a call
    /// that no longer exists is left out of the page) and keeps those renderings.
    pub fn complete(
        &self,
        lookup: Lookup,
        page: &[CallVersion],
        shape: Shape,
        rendered: Vec<(CallId, i64, Bytes)>,
    ) -> Vec<Bytes> {
        self.complete_aligned(lookup, page, shape, rendered)
            .into_iter()
            .flatten()
            .collect()
    }

    /// [`CallCache::complete`], one entry per call of `page` (`None` for a call that no
    /// longer exists), so a caller can cut the page after any call.
    pub fn complete_aligned(
        &self,
        lookup: Lookup,
        page: &[CallVersion],
        shape: Shape,
        rendered: Vec<(CallId, i64, Bytes)>,
    ) -> Vec<Option<Bytes>> {
        let out = lookup
            .found
            .into_iter()
            .zip(page)
            .map(|(found, c)| {
                found.or_else(|| {
                    rendered
                        .iter()
                        .find(|(id, _, _)| id.0 == c.key.id)
                        .map(|(_, _, json)| json.clone())
                })
            })
            .collect();
        // Renderings bigger than the whole budget are served, never kept.
        let rendered: Vec<_> = rendered
            .into_iter()
            .filter(|(_, _, json)| json.len() <= self.max_bytes)
            .collect();
        if self.capacity > 0 && !rendered.is_empty() {
            let new_bytes: usize = rendered.iter().map(|(_, _, j)| j.len()).sum();
            let mut kept = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if kept.renderings.len() + rendered.len() > self.capacity
                || kept.bytes + new_bytes > self.max_bytes
            {
                *kept = Kept::default();
            }
            let Kept { renderings, bytes } = &mut *kept;
            for (id, version, json) in rendered {
                let len = json.len();
                match renderings.entry((id, shape)) {
                    std::collections::hash_map::Entry::Vacant(v) => {
                        *bytes += len;
                        v.insert((version, json));
                    }
                    // A slower request must not put back an older rendering.
                    std::collections::hash_map::Entry::Occupied(mut o) if o.get().0 < version => {
                        *bytes = *bytes - o.get().1.len() + len;
                        o.insert((version, json));
                    }
                    std::collections::hash_map::Entry::Occupied(_) => {}
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_store::CallKey;

    fn version(id: i64) -> CallVersion {
        CallVersion {
            key: CallKey { started_us: 0, id },
            version: 1,
        }
    }

    fn json(len: usize) -> Bytes {
        Bytes::from(format!("\"{}\"", "x".repeat(len - 2)))
    }

    /// 30 selectors of big calls once held 336 MB: the bytes bound holds whatever the
    /// number of renderings.
    #[test]
    fn the_cache_stays_within_its_bytes() {
        let cache = CallCache::new(100_000, 10_000);
        for shape in 0..30u64 {
            let page: Vec<CallVersion> = (1..=5).map(version).collect();
            let lookup = cache.lookup(&page, shape);
            let rendered = (1..=5).map(|id| (CallId(id), 1, json(1_500))).collect();
            let out = cache.complete(lookup, &page, shape, rendered);
            assert_eq!(out.len(), 5);
            assert!(cache.bytes() <= 10_000, "{} bytes kept", cache.bytes());
        }
        // The last page is served from memory.
        let page: Vec<CallVersion> = (1..=5).map(version).collect();
        assert!(cache.lookup(&page, 29).missing.is_empty());
        // A rendering bigger than the budget is served but not kept.
        let page = [version(9)];
        let lookup = cache.lookup(&page, 0);
        let out = cache.complete(lookup, &page, 0, vec![(CallId(9), 1, json(20_000))]);
        assert_eq!(out.len(), 1);
        assert_eq!(cache.lookup(&page, 0).missing, [CallId(9)]);
        assert!(cache.bytes() <= 10_000);
    }
}

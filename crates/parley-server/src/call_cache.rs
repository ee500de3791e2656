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

use parley_domain::CallId;
use parley_store::{CallFilter, CallVersion, Store};
use serde_json::value::RawValue;

use crate::error::ApiResult;

/// Filters whose counts are kept (a digest and two numbers each).
const COUNTED_FILTERS: usize = 10_000;

/// Which rendering of a call: `GET /v2/calls`'s, or a hash of an extensive selector.
pub type Shape = u64;
pub const BASIC: Shape = 0;

/// A call's rendering in one shape, and the version it was rendered at.
type Renderings = HashMap<(CallId, Shape), (i64, Box<RawValue>)>;

pub struct CallCache {
    entries: Mutex<Renderings>,
    /// Call counts by filter digest, with the calls generation they were counted at.
    counts: Mutex<HashMap<String, (i64, i64)>>,
    /// Most renderings kept; the cache starts over when it is full (a listing refills
    /// what it needs in one query).
    capacity: usize,
}

/// A page looked up: the renderings found, and the calls to render.
pub struct Lookup {
    found: Vec<Option<Box<RawValue>>>,
    pub missing: Vec<CallId>,
}

impl CallCache {
    pub fn new(capacity: usize) -> CallCache {
        CallCache {
            entries: Mutex::new(HashMap::new()),
            counts: Mutex::new(HashMap::new()),
            capacity,
        }
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
            .map(|c| match entries.get(&(CallId(c.key.id), shape)) {
                Some((version, json)) if *version == c.version => Some(json.clone()),
                _ => {
                    missing.push(CallId(c.key.id));
                    None
                }
            })
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
        rendered: Vec<(CallId, i64, Box<RawValue>)>,
    ) -> Vec<Box<RawValue>> {
        let out = lookup
            .found
            .into_iter()
            .zip(page)
            .filter_map(|(found, c)| {
                found.or_else(|| {
                    rendered
                        .iter()
                        .find(|(id, _, _)| id.0 == c.key.id)
                        .map(|(_, _, json)| json.clone())
                })
            })
            .collect();
        if self.capacity > 0 && !rendered.is_empty() {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if entries.len() + rendered.len() > self.capacity {
                entries.clear();
            }
            for (id, version, json) in rendered {
                // A slower request must not put back an older rendering.
                let slot = entries
                    .entry((id, shape))
                    .or_insert((version, json.clone()));
                if slot.0 < version {
                    *slot = (version, json);
                }
            }
        }
        out
    }
}

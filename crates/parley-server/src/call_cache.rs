//! Calls rendered in Gong's shape, kept in memory by row version.
//!
//! A listing reads each call's place and version from an index (cheap), serves the calls
//! this node has already rendered at that version from memory, and reads and renders only
//! the rest. Every change to a call's row bumps its version in the same statement, so a
//! node never serves a stale rendering, and nodes need not tell each other anything.
//! Counts of calls under a filter are kept the same way, by the store's calls generation.

use std::collections::HashMap;
use std::sync::Mutex;

use gong_api_v2::calls::{CallBasicData, RenderCtx};
use parley_domain::CallId;
use parley_store::{CallFilter, CallVersion, Store};

/// Filters whose counts are kept (a digest and two numbers each).
const COUNTED_FILTERS: usize = 10_000;
use serde_json::value::RawValue;

use crate::error::{ApiError, ApiResult};

pub struct CallCache {
    entries: Mutex<HashMap<CallId, (i64, Box<RawValue>)>>,
    /// Call counts by filter digest, with the calls generation they were counted at.
    counts: Mutex<HashMap<String, (i64, i64)>>,
    /// Most calls kept; the cache starts over when it is full (a listing refills what it
    /// needs in one query).
    capacity: usize,
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

    /// The calls of `page`, rendered, in its order. A call that no longer exists is left
    /// out.
    pub async fn rendered(
        &self,
        store: &dyn Store,
        ctx: &RenderCtx,
        page: &[CallVersion],
    ) -> ApiResult<Vec<Box<RawValue>>> {
        let mut out: Vec<Option<Box<RawValue>>> = vec![None; page.len()];
        let mut missing = Vec::new();
        {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            for (slot, c) in out.iter_mut().zip(page) {
                match entries.get(&CallId(c.key.id)) {
                    Some((version, json)) if *version == c.version => *slot = Some(json.clone()),
                    _ => missing.push(CallId(c.key.id)),
                }
            }
        }
        if !missing.is_empty() {
            let fresh = store.calls_with_versions(&missing).await?;
            let mut rendered = Vec::with_capacity(fresh.len());
            for (call, version) in &fresh {
                let json = CallBasicData::raw(call, ctx).map_err(|e| {
                    tracing::error!(error = %e, "call rendering failed");
                    ApiError::internal()
                })?;
                rendered.push((call.id, *version, json));
            }
            for (slot, c) in out.iter_mut().zip(page) {
                if slot.is_none() {
                    *slot = rendered
                        .iter()
                        .find(|(id, _, _)| id.0 == c.key.id)
                        .map(|(_, _, json)| json.clone());
                }
            }
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if entries.len() + rendered.len() > self.capacity {
                entries.clear();
            }
            for (id, version, json) in rendered {
                // A slower request must not put back an older rendering.
                let newer = entries.get(&id).is_none_or(|(v, _)| *v < version);
                if newer && self.capacity > 0 {
                    entries.insert(id, (version, json));
                }
            }
        }
        Ok(out.into_iter().flatten().collect())
    }
}

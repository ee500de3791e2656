//! Customer engagement events' storage (SQLite 0018, PostgreSQL 0004): one row per
//! event and one per CRM object it names, for timelines per object.

use async_trait::async_trait;

use parley_domain::engagement::{EngagementEvent, EngagementFilter};
use parley_domain::EngagementId;

use crate::Result;

/// Where a timeline continues: the last `(at, id)` already returned (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngagementKey {
    pub at_us: i64,
    pub id: i64,
}

impl EngagementKey {
    pub fn of(e: &EngagementEvent) -> EngagementKey {
        EngagementKey {
            at_us: e.at.timestamp_micros(),
            id: e.id.0,
        }
    }
}

#[async_trait]
pub trait EngagementStore: Send + Sync {
    /// Stores an event with its objects; `Conflict` when an event of the same kind,
    /// source and event id was stored before; `NotFound` for an unknown workspace.
    async fn record_engagement(&self, e: &EngagementEvent) -> Result<()>;
    async fn get_engagement(&self, id: EngagementId) -> Result<Option<EngagementEvent>>;
    /// Events under `f`, newest first (then by id, descending), after `after`, at most
    /// `limit`.
    async fn engagement_events(
        &self,
        f: &EngagementFilter,
        after: Option<EngagementKey>,
        limit: u32,
    ) -> Result<Vec<EngagementEvent>>;
    async fn count_engagement(&self, f: &EngagementFilter) -> Result<i64>;
}

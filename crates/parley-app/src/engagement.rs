//! Customer engagement events (content viewed, shared, acted on; digital interactions):
//! recorded once per (kind, source, event id), and read back as the timeline of a CRM
//! object or a person.
//!
//! Gong's activity stats (`/v2/stats/activity/*`) count what users did with calls; none
//! of their fields counts engagement events, so they are a timeline of their own.

use parley_domain::engagement::{EngagementEvent, EngagementFilter};
use parley_domain::Principal;
use parley_store::{EngagementKey, Store, StoreError};

use crate::error::{AppError, AppResult};

/// Gong's 409 message for an event reported before.
pub const ALREADY_REPORTED: &str = "event was already reported";

/// Records an event in a workspace the principal reaches.
pub async fn record(store: &dyn Store, p: &Principal, e: &EngagementEvent) -> AppResult<()> {
    crate::access::confine(p, Some(e.workspace_id))?;
    match store.record_engagement(e).await {
        Ok(()) => {
            tracing::info!(
                engagement_id = %e.id,
                kind = e.kind.key(),
                workspace_id = %e.workspace_id,
                objects = e.objects.len(),
                "engagement event recorded"
            );
            Ok(())
        }
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict(ALREADY_REPORTED.into())),
        Err(other) => Err(other.into()),
    }
}

/// A page of a timeline, newest first: the events, and the total under the filter when
/// asked for.
pub async fn timeline(
    store: &dyn Store,
    p: &Principal,
    mut filter: EngagementFilter,
    after: Option<EngagementKey>,
    limit: u32,
    count: bool,
) -> AppResult<(Vec<EngagementEvent>, Option<i64>)> {
    filter.workspace_id = crate::access::confine(p, filter.workspace_id)?;
    let events = store.engagement_events(&filter, after, limit).await?;
    let total = if count {
        Some(store.count_engagement(&filter).await?)
    } else {
        None
    };
    Ok((events, total))
}

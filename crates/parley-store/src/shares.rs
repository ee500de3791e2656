//! Calls shared outside the company in storage (SQLite 0031, PostgreSQL 0017). A share's
//! activity event (kind `share-external`, the same id, its maker acting) is written with
//! it, so `callsSharedExternally` counts exactly the links made.

use async_trait::async_trait;

use parley_domain::share::{CallShare, ShareId};
use parley_domain::{CallId, Timestamp, UserId};

use crate::codec::ts;
use crate::Result;

/// What [`ShareStore::add_share`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareAdded {
    Added,
    /// The call already has the most links allowed; nothing was stored.
    Full,
}

#[async_trait]
pub trait ShareStore: Send + Sync {
    /// Stores a share under the SHA-256 of its token, and its activity event, in one
    /// transaction that also counts the call's links (concurrent adds never take a call
    /// past `max_per_call`). `NotFound` for an unknown call or maker.
    async fn add_share(
        &self,
        share: &CallShare,
        token_sha256: &str,
        max_per_call: usize,
    ) -> Result<ShareAdded>;
    /// A call's links, newest first (open, expired and revoked).
    async fn call_shares(&self, call: CallId) -> Result<Vec<CallShare>>;
    /// Revokes a link of `call` at `at` (a link revoked before keeps its first time);
    /// the link as it is afterwards, `None` when the call has no such link.
    async fn revoke_share(
        &self,
        call: CallId,
        id: ShareId,
        at: Timestamp,
    ) -> Result<Option<CallShare>>;
    /// The link whose token has this SHA-256, if it is open at `now` (`None` when unknown,
    /// revoked or expired); with `count_view`, counts one view at `now` in the same
    /// statement.
    async fn open_share(
        &self,
        token_sha256: &str,
        now: Timestamp,
        count_view: bool,
    ) -> Result<Option<CallShare>>;
}

/// The columns both backends read a share from, in this order.
pub const SHARE_COLUMNS: &str = "id, call_id, created_by_user_id, recipient, created_us, \
     expires_us, revoked_us, views, last_viewed_us";

/// A share from its stored columns (in [`SHARE_COLUMNS`] order).
#[allow(clippy::too_many_arguments)]
pub fn share_of(
    id: i64,
    call_id: i64,
    created_by: i64,
    recipient: Option<String>,
    created_us: i64,
    expires_us: i64,
    revoked_us: Option<i64>,
    views: i64,
    last_viewed_us: Option<i64>,
) -> Result<CallShare> {
    Ok(CallShare {
        id: ShareId(id),
        call_id: CallId(call_id),
        created_by: UserId(created_by),
        recipient,
        created: ts(created_us)?,
        expires: ts(expires_us)?,
        revoked: revoked_us.map(ts).transpose()?,
        views: u32::try_from(views.max(0)).unwrap_or(u32::MAX),
        last_viewed: last_viewed_us.map(ts).transpose()?,
    })
}

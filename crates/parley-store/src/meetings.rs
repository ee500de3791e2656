//! Meetings' storage (SQLite 0018, PostgreSQL 0004): scheduled meetings, their invitees,
//! and the call that recorded each.

use async_trait::async_trait;

use parley_domain::meeting::Meeting;
use parley_domain::{CallId, MeetingId, Timestamp, UserId, WorkspaceId};

use crate::Result;

#[async_trait]
pub trait MeetingStore: Send + Sync {
    /// Stores a new meeting with its invitees; `NotFound` for an unknown workspace or
    /// organiser.
    async fn create_meeting(&self, m: &Meeting) -> Result<()>;
    async fn get_meeting(&self, id: MeetingId) -> Result<Option<Meeting>>;
    /// Replaces what a client sets (times, title, external id, invitees, organiser) and
    /// `updated`; false when there is no such meeting.
    async fn update_meeting(&self, m: &Meeting) -> Result<bool>;
    async fn delete_meeting(&self, id: MeetingId) -> Result<bool>;
    /// A workspace's meetings starting in `[from, to)`, by start then id, at most `limit`.
    async fn meetings_in(
        &self,
        workspace: WorkspaceId,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        limit: u32,
    ) -> Result<Vec<Meeting>>;
    /// The meetings of a workspace not yet tied to a call that a new call could record:
    /// those whose URL is `url` (both in `meeting::normalize_url`'s form: backends store
    /// that form beside the URL), or that `organizer` organises starting at `start`. At
    /// most 100.
    async fn meeting_candidates(
        &self,
        workspace: WorkspaceId,
        url: Option<&str>,
        organizer: UserId,
        start: Option<Timestamp>,
    ) -> Result<Vec<Meeting>>;
    /// Ties a meeting to the call that recorded it, if it has none yet; true when tied.
    async fn link_meeting(&self, id: MeetingId, call: CallId) -> Result<bool>;
}

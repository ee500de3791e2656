//! Meetings' storage (SQLite 0018, PostgreSQL 0004): scheduled meetings, their invitees,
//! and the call that recorded each.

use async_trait::async_trait;

use parley_domain::meeting::Meeting;
use parley_domain::{CallId, MeetingId, Timestamp, UserId, WorkspaceId};

use crate::Result;

/// Which meetings a listing returns.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingFilter {
    pub workspace_id: WorkspaceId,
    /// Start, inclusive.
    pub from: Option<Timestamp>,
    /// Start, exclusive.
    pub to: Option<Timestamp>,
    /// `None`: every meeting of the workspace.
    pub seen_by: Option<MeetingViewer>,
}

impl MeetingFilter {
    /// Every meeting of a workspace.
    pub fn all(workspace_id: WorkspaceId) -> MeetingFilter {
        MeetingFilter {
            workspace_id,
            from: None,
            to: None,
            seen_by: None,
        }
    }
}

/// A reader who sees only some meetings: those one of `organizers` organises, and those
/// inviting `email` (compared without case).
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingViewer {
    pub organizers: Vec<UserId>,
    pub email: String,
}

/// Where a listing of meetings continues: the last `(start, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingKey {
    pub start_us: i64,
    pub id: i64,
}

impl MeetingKey {
    pub fn of(m: &Meeting) -> MeetingKey {
        MeetingKey {
            start_us: m.start.timestamp_micros(),
            id: m.id.0,
        }
    }
}

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
    /// The meetings `f` selects, by start then id, after `after`, at most `limit`.
    async fn meetings_in(
        &self,
        f: &MeetingFilter,
        after: Option<MeetingKey>,
        limit: u32,
    ) -> Result<Vec<Meeting>>;
    /// How many meetings [`meetings_in`](Self::meetings_in) walks through for `f`.
    async fn count_meetings(&self, f: &MeetingFilter) -> Result<i64>;
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

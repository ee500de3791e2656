//! Comments on calls in storage (SQLite 0024, PostgreSQL 0010). A public comment's
//! activity event (kind `comment`, the same id) is written and removed with it, so the
//! activity counters count exactly the public comments; every change to a call's
//! comments bumps the call's version (triggers), so cached renderings of it are redone.

use std::collections::HashMap;

use async_trait::async_trait;

use parley_domain::comment::{Comment, CommentId, CommentRange};
use parley_domain::{CallId, UserId};

use crate::codec::ts;
use crate::{Result, StoreError};

/// What [`CommentStore::add_comment`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentAdded {
    Added,
    /// The call already holds the most comments allowed; nothing was stored.
    Full,
}

#[async_trait]
pub trait CommentStore: Send + Sync {
    /// Stores a comment and, for a public one, its activity event (kind `comment`, the
    /// same id, the author acting; the receiving end left to the call's host) in one
    /// transaction. Counts the call's comments in that transaction: concurrent adds on
    /// any nodes never take a call past `max_per_call`. `NotFound` for an unknown call
    /// or author, or a reply to a comment that is not of the same call.
    async fn add_comment(&self, c: &Comment, max_per_call: usize) -> Result<CommentAdded>;
    async fn get_comment(&self, id: CommentId) -> Result<Option<Comment>>;
    /// Every comment of a call (public and private), by posted time, then id: callers
    /// keep what their viewer sees.
    async fn call_comments(&self, call: CallId) -> Result<Vec<Comment>>;
    /// The public comments of each call, by posted time, then id; calls without any are
    /// absent.
    async fn public_comments_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, Vec<Comment>>>;
    /// Deletes a comment with the replies to it (and theirs) and their activity events,
    /// in one transaction; returns how many comments went (0: there was no such comment).
    async fn delete_comment(&self, id: CommentId) -> Result<u64>;
}

/// The columns both backends store a comment in, in this order.
pub const COMMENT_COLUMNS: &str = "id, call_id, author_user_id, text, start_ms, end_ms, \
     in_reply_to, is_public, during_call, posted_us";

/// The ids of a comment's thread (itself, its replies, theirs…) as a recursive query
/// both backends run, with the comment's id as its one parameter (`{p}`: `?` or `$1`).
pub fn thread_sql(p: &str) -> String {
    format!(
        "WITH RECURSIVE thread (id) AS (SELECT id FROM call_comments WHERE id = {p} \
         UNION ALL SELECT c.id FROM call_comments c JOIN thread t ON c.in_reply_to = t.id) \
         SELECT id FROM thread"
    )
}

/// A comment from its stored columns (in [`COMMENT_COLUMNS`] order).
#[allow(clippy::too_many_arguments)]
pub fn comment_of(
    id: i64,
    call_id: i64,
    author: i64,
    text: String,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
    in_reply_to: Option<i64>,
    public: bool,
    during_call: bool,
    posted_us: i64,
) -> Result<Comment> {
    let range = match (start_ms, end_ms) {
        (None, None) => None,
        (Some(s), Some(e)) => Some(
            CommentRange::new(s, e)
                .map_err(|m| StoreError::Corrupt(format!("comment {id}: {m}")))?,
        ),
        _ => {
            return Err(StoreError::Corrupt(format!(
                "comment {id}: a range with one end"
            )))
        }
    };
    Ok(Comment {
        id: CommentId(id),
        call_id: CallId(call_id),
        author: UserId(author),
        text,
        range,
        in_reply_to: in_reply_to.map(CommentId),
        public,
        during_call,
        posted: ts(posted_us)?,
    })
}

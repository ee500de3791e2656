//! Comments on calls: adding one (written by the principal's user), listing what the
//! caller sees of a call's comments, deleting one (its author or an admin).
//!
//! Who sees what: whoever may see the call (`access::may_see_call`) sees its public
//! comments; a private comment only its author (an admin included: a private comment is
//! a note to oneself, not company data to review). A reply names a comment of the same
//! call its author sees; a reply to a private comment is private too, so no one sees an
//! answer to a comment hidden from them. Deleting a comment deletes the replies to it.

use std::collections::BTreeSet;

use chrono::Utc;

use parley_domain::comment::{self, Comment, CommentBounds, CommentId, CommentRange};
use parley_domain::{Call, Principal, Role, UserId};
use parley_store::{CommentAdded, Store, UserFilter};

use crate::access::may_see_call;
use crate::error::{AppError, AppResult};

/// A comment as a client writes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewComment {
    pub text: String,
    pub range: Option<CommentRange>,
    pub in_reply_to: Option<CommentId>,
    pub public: bool,
    pub during_call: bool,
}

/// The message for a comment that does not exist (or is not the caller's to see).
pub fn comment_not_found(id: &str) -> String {
    format!("Comment ID {id} was not found")
}

async fn visible_call(store: &dyn Store, p: &Principal, call: &Call) -> AppResult<()> {
    if may_see_call(store, p, call).await? {
        Ok(())
    } else {
        Err(AppError::call_not_found(call.id))
    }
}

/// Adds a comment to `call`, written by the principal's user.
pub async fn add_comment(
    store: &dyn Store,
    p: &Principal,
    call: &Call,
    new: NewComment,
    bounds: CommentBounds,
) -> AppResult<Comment> {
    add_comment_at(store, p, call, new, bounds, Utc::now()).await
}

/// The demo's comment: a manager's on their rep's call, posted at the planned time (so
/// the activity counters count it when the plan says), under the default bounds.
pub(crate) async fn seed_comment(
    store: &dyn Store,
    call: &Call,
    author: UserId,
    new: NewComment,
    posted: parley_domain::Timestamp,
) -> AppResult<Comment> {
    let manager = Principal {
        key: "demo".into(),
        user: Some(author),
        role: Role::Manager,
        scopes: parley_domain::ScopeSet::full(),
        workspace: None,
        profile_reach: None,
    };
    add_comment_at(store, &manager, call, new, CommentBounds::default(), posted).await
}

async fn add_comment_at(
    store: &dyn Store,
    p: &Principal,
    call: &Call,
    new: NewComment,
    bounds: CommentBounds,
    posted: parley_domain::Timestamp,
) -> AppResult<Comment> {
    visible_call(store, p, call).await?;
    let Some(author) = p.user else {
        return Err(AppError::invalid(
            "a comment is written by a company user, and this key acts for no user: \
             use a key or token of the user who writes it",
        ));
    };
    let mut problems = Vec::new();
    let text = bounds.text(&new.text).unwrap_or_else(|e| {
        problems.push(e);
        String::new()
    });
    if let Some(r) = new.range {
        let duration_ms = call.duration_s.saturating_mul(1000);
        if duration_ms > 0 && r.start_ms > duration_ms {
            problems.push(format!(
                "audioStartTime: {} s is after the end of the call ({} s)",
                r.start_ms as f64 / 1000.0,
                call.duration_s
            ));
        }
    }
    if let Some(parent) = new.in_reply_to {
        let found = store
            .get_comment(parent)
            .await?
            .filter(|c| c.call_id == call.id && c.visible_to(Some(author)));
        match found {
            None => problems.push(format!(
                "inReplyTo: {parent} is not a comment of call {}",
                call.id
            )),
            Some(c) if !c.public && new.public => {
                problems.push("inReplyTo: a reply to a private comment must be private too".into())
            }
            Some(_) => {}
        }
    }
    problems.extend(unknown_mentions(store, &text).await?);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let c = Comment {
        id: CommentId::generate(),
        call_id: call.id,
        author,
        text,
        range: new.range,
        in_reply_to: new.in_reply_to,
        public: new.public,
        during_call: new.during_call,
        posted,
    };
    match store.add_comment(&c, bounds.max_comments_per_call).await? {
        CommentAdded::Added => {
            tracing::info!(call_id = %call.id, comment_id = %c.id, public = c.public, "comment added");
            Ok(c)
        }
        CommentAdded::Full => Err(AppError::invalid(format!(
            "call {} already holds {} comments, the most allowed (max_comments_per_call)",
            call.id, bounds.max_comments_per_call
        ))),
    }
}

/// The mentions of users who do not exist, each a sentence for the client.
///
/// Choice: a mention (`@[name](userId)`, Gong's form) must name a user of the company,
/// so that no rendered comment points at nobody; the name between the brackets is kept
/// as written (Gong shows the name the writer saw). Text that is not a complete mention
/// is plain text.
async fn unknown_mentions(store: &dyn Store, text: &str) -> AppResult<Vec<String>> {
    let ids: BTreeSet<UserId> = comment::mentions(text).iter().map(|m| m.user).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // At most one per six characters of a bounded text: one listing reads them all.
    let wanted: Vec<UserId> = ids.iter().copied().collect();
    let known: BTreeSet<UserId> = store
        .list_users(
            &UserFilter {
                user_ids: Some(wanted.clone()),
                ..UserFilter::default()
            },
            None,
            u32::try_from(wanted.len()).unwrap_or(u32::MAX),
        )
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    Ok(wanted
        .into_iter()
        .filter(|u| !known.contains(u))
        .map(|u| format!("comment: the mention of user {u} names no user"))
        .collect())
}

/// The comments of `call` the principal sees (public ones, and their own private ones),
/// by posted time.
pub async fn list_comments(
    store: &dyn Store,
    p: &Principal,
    call: &Call,
) -> AppResult<Vec<Comment>> {
    visible_call(store, p, call).await?;
    Ok(store
        .call_comments(call.id)
        .await?
        .into_iter()
        .filter(|c| c.visible_to(p.user))
        .collect())
}

/// Deletes a comment of `call` (with the replies to it): its author's, or any public one
/// for an admin or a company key. Returns how many comments went.
pub async fn delete_comment(
    store: &dyn Store,
    p: &Principal,
    call: &Call,
    id: &str,
) -> AppResult<u64> {
    visible_call(store, p, call).await?;
    let not_found = || AppError::NotFound(comment_not_found(id));
    let found = match parley_domain::parse_id(id) {
        Ok(n) => store.get_comment(CommentId(n)).await?,
        Err(_) => None,
    };
    let c = found
        .filter(|c| c.call_id == call.id && c.visible_to(p.user))
        .ok_or_else(not_found)?;
    if p.user != Some(c.author) && p.role < Role::Admin {
        return Err(AppError::Forbidden(
            "only a comment's author or an admin deletes it".into(),
        ));
    }
    let gone = store.delete_comment(c.id).await?;
    tracing::info!(call_id = %call.id, comment_id = %c.id, deleted = gone, "comment deleted");
    Ok(gone)
}

//! Comments on calls: what a company user writes about a call, optionally about a part of
//! its recording, optionally in reply to another comment of the same call; public (every
//! one who sees the call sees it) or private (a note only its author sees).
//!
//! Mentions are written in the text as `@[name](userId)`: [`mentions`] finds them, and
//! [`mention`] writes one.

use std::fmt;
use std::str::FromStr;

use crate::id::{parse_id, random_id, ParseIdError};
use crate::{CallId, Timestamp, UserId};

crate::id::id_type!(
    /// A comment on a call.
    CommentId,
);

/// A comment on a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: CommentId,
    pub call_id: CallId,
    /// The company user who wrote it.
    pub author: UserId,
    pub text: String,
    /// The part of the recording it is about; `None`: the whole call.
    pub range: Option<CommentRange>,
    /// The comment of the same call it answers.
    pub in_reply_to: Option<CommentId>,
    /// Public comments are seen by everyone who sees the call; private ones only by their
    /// author.
    pub public: bool,
    /// Written while the call was going on (rather than while reviewing it afterwards).
    pub during_call: bool,
    pub posted: Timestamp,
}

impl Comment {
    /// Whether `viewer` (a user; `None` for a company key) sees it: public comments, and
    /// a private comment only its author.
    pub fn visible_to(&self, viewer: Option<UserId>) -> bool {
        self.public || viewer == Some(self.author)
    }
}

/// The part of a recording a comment is about, in milliseconds from the call's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentRange {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl CommentRange {
    /// A range that starts at or after the call's start, ends no earlier than it starts
    /// (a point is a range of one instant), and within a week (the longest call).
    pub fn new(start_ms: i64, end_ms: i64) -> Result<CommentRange, String> {
        if start_ms < 0 {
            return Err("a comment cannot start before the call (audioStartTime < 0)".into());
        }
        if end_ms < start_ms {
            return Err(
                "a comment cannot end before it starts (audioEndTime < audioStartTime)".into(),
            );
        }
        if end_ms as f64 > crate::MAX_DURATION_S * 1000.0 {
            return Err("a comment cannot end more than a week into a call".into());
        }
        Ok(CommentRange { start_ms, end_ms })
    }
}

/// How much comments may hold (settings of the binary; the names are the settings').
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentBounds {
    /// Characters of one comment's text.
    pub max_comment_chars: usize,
    /// Comments (public and private, replies included) one call holds.
    pub max_comments_per_call: usize,
}

impl Default for CommentBounds {
    fn default() -> Self {
        CommentBounds {
            // A long paragraph; Slack's messages stop at 40,000, but a comment is shown
            // with the call on every extensive listing.
            max_comment_chars: 4_000,
            // A busy review; with the text bound, at most 2 MB of comments per call.
            max_comments_per_call: 500,
        }
    }
}

impl CommentBounds {
    /// The text of a comment, trimmed, or why it cannot be one.
    pub fn text(&self, text: &str) -> Result<String, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("comment: a comment needs text".into());
        }
        let chars = text.chars().count();
        if chars > self.max_comment_chars {
            return Err(format!(
                "comment: {chars} characters, more than the {} allowed (max_comment_chars)",
                self.max_comment_chars
            ));
        }
        Ok(text.to_owned())
    }
}

/// A mention of a user in a comment's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// The name as written between the brackets.
    pub name: String,
    pub user: UserId,
}

/// A mention as Gong writes it in a comment: `@[name](userId)`. Brackets in the name
/// would end it early, so they are left out.
pub fn mention(name: &str, user: UserId) -> String {
    let name: String = name.chars().filter(|c| !matches!(c, '[' | ']')).collect();
    format!("@[{name}]({user})")
}

/// The mentions in a comment's text, in order: every `@[name](digits)`. Text that only
/// looks like the start of one (no closing bracket, no numeric id) is plain text.
pub fn mentions(text: &str) -> Vec<Mention> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("@[") {
        let after = &rest[at + 2..];
        let Some(close) = after.find(']') else {
            break;
        };
        let name = &after[..close];
        let tail = &after[close + 1..];
        let parsed = tail.strip_prefix('(').and_then(|t| {
            let end = t.find(')')?;
            let id = &t[..end];
            let ok = !id.is_empty() && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit());
            ok.then(|| (id.parse::<i64>().ok(), &t[end + 1..]))
        });
        match parsed {
            Some((Some(id), next)) if !name.contains("@[") => {
                found.push(Mention {
                    name: name.to_owned(),
                    user: UserId(id),
                });
                rest = next;
            }
            _ => rest = &rest[at + 2..],
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found_in_order_and_lookalikes_are_text() {
        let text = "@[Ann Lee](123) see 4:10, cc @[Bo](9). Not: @[x](abc) @[open(5) @[y](";
        assert_eq!(
            mentions(text),
            vec![
                Mention {
                    name: "Ann Lee".into(),
                    user: UserId(123)
                },
                Mention {
                    name: "Bo".into(),
                    user: UserId(9)
                },
            ]
        );
        assert!(mentions("mail a@[b].com").is_empty());
        assert_eq!(mentions(&mention("A [B]", UserId(7)))[0].name, "A B");
        assert_eq!(mention("Ann", UserId(7)), "@[Ann](7)");
        // Too many digits for an id.
        assert!(mentions("@[a](12345678901234567890)").is_empty());
    }

    #[test]
    fn ranges_and_text_are_bounded() {
        assert!(CommentRange::new(0, 0).is_ok());
        assert!(CommentRange::new(-1, 5).is_err());
        assert!(CommentRange::new(10, 5).is_err());
        assert!(CommentRange::new(0, 8 * 24 * 3600 * 1000).is_err());
        let b = CommentBounds {
            max_comment_chars: 5,
            max_comments_per_call: 1,
        };
        assert_eq!(b.text("  héllo ").unwrap(), "héllo");
        assert!(b.text("   ").is_err());
        let e = b.text("hello!").unwrap_err();
        assert!(e.contains("max_comment_chars"), "{e}");
    }

    #[test]
    fn private_comments_are_their_authors() {
        let c = Comment {
            id: CommentId(1),
            call_id: CallId(2),
            author: UserId(3),
            text: "x".into(),
            range: None,
            in_reply_to: None,
            public: false,
            during_call: false,
            posted: chrono::DateTime::UNIX_EPOCH,
        };
        assert!(c.visible_to(Some(UserId(3))));
        assert!(!c.visible_to(Some(UserId(4))));
        assert!(!c.visible_to(None));
        assert!(Comment { public: true, ..c }.visible_to(None));
    }
}

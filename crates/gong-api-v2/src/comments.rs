//! Comments on calls: Gong's `Comment` (`collaboration.publicComments[]` of
//! `/v2/calls/extensive`), and the body and answer of Parley's
//! `/parley/v1/calls/{id}/comments`, which use the same field names.

use serde::{Deserialize, Serialize};

use parley_domain::comment::{Comment as DomainComment, CommentId, CommentRange};

use crate::calls::{Comment, RenderCtx};
use crate::{null_as_default, WireId};

impl Comment {
    /// Choice: a comment on the whole call (no part of the recording) has
    /// `audioStartTime` and `audioEndTime` 0: Gong types both as numbers, never null, and
    /// a comment on the whole call is shown at its start.
    pub fn from_domain(c: &DomainComment, ctx: &RenderCtx) -> Comment {
        let (start, end) = c
            .range
            .map_or((0.0, 0.0), |r| (secs(r.start_ms), secs(r.end_ms)));
        Comment {
            id: c.id.to_string(),
            audio_start_time: start,
            audio_end_time: end,
            commenter_user_id: c.author.to_string(),
            comment: c.text.clone(),
            posted: ctx.time(c.posted),
            in_reply_to: c.in_reply_to.map(|r| r.to_string()),
            during_call: c.during_call,
        }
    }
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// A comment as Parley's API shows it: Gong's fields, and whether it is public.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentView {
    #[serde(flatten)]
    pub comment: Comment,
    pub public: bool,
}

impl CommentView {
    pub fn from_domain(c: &DomainComment, ctx: &RenderCtx) -> CommentView {
        CommentView {
            comment: Comment::from_domain(c, ctx),
            public: c.public,
        }
    }
}

/// Body of `POST /parley/v1/calls/{id}/comments`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentInput {
    pub comment: String,
    /// Seconds from the call's start; without it the comment is on the whole call.
    pub audio_start_time: Option<f64>,
    /// Seconds; without it a comment with a start is on that instant.
    pub audio_end_time: Option<f64>,
    pub in_reply_to: Option<WireId>,
    /// Whether everyone who sees the call sees it (default) or only its author.
    pub public: Option<bool>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub during_call: bool,
}

/// Seconds as whole milliseconds, or why they are not a time in a call.
fn millis(field: &str, s: f64) -> Result<i64, String> {
    // A week, the longest call, with room to spare; larger values cannot be a time in a
    // call and would not fit once multiplied.
    if !s.is_finite() || !(0.0..=1.0e9).contains(&s) {
        return Err(format!(
            "{field}: {s} is not a time in the call (seconds ≥ 0)"
        ));
    }
    Ok((s * 1000.0).round() as i64)
}

impl CommentInput {
    /// The part of the recording the comment is about.
    pub fn range(&self) -> Result<Option<CommentRange>, String> {
        let (start, end) = match (self.audio_start_time, self.audio_end_time) {
            (None, None) => return Ok(None),
            (None, Some(_)) => {
                return Err("audioEndTime: given without audioStartTime".into());
            }
            (Some(s), e) => {
                let start = millis("audioStartTime", s)?;
                let end = match e {
                    Some(e) => millis("audioEndTime", e)?,
                    None => start,
                };
                (start, end)
            }
        };
        CommentRange::new(start, end).map(Some)
    }

    /// The comment replied to; an id that is no id names no comment of the call.
    pub fn in_reply_to(&self) -> Result<Option<CommentId>, String> {
        self.in_reply_to
            .as_ref()
            .map(|w| {
                w.0.parse::<CommentId>()
                    .map_err(|_| format!("inReplyTo: {:?} is not a comment id", w.0))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: &str) -> CommentInput {
        crate::from_json(json.as_bytes()).unwrap()
    }

    #[test]
    fn ranges_are_read_in_seconds() {
        let r = input(r#"{"comment":"x","audioStartTime":1.5,"audioEndTime":2.0004}"#)
            .range()
            .unwrap()
            .unwrap();
        assert_eq!((r.start_ms, r.end_ms), (1500, 2000));
        let point = input(r#"{"comment":"x","audioStartTime":3}"#)
            .range()
            .unwrap();
        assert_eq!(point.map(|r| (r.start_ms, r.end_ms)), Some((3000, 3000)));
        assert_eq!(input(r#"{"comment":"x"}"#).range().unwrap(), None);
        for bad in [
            r#"{"comment":"x","audioEndTime":2}"#,
            r#"{"comment":"x","audioStartTime":-1}"#,
            r#"{"comment":"x","audioStartTime":5,"audioEndTime":4}"#,
            r#"{"comment":"x","audioStartTime":1e300}"#,
        ] {
            assert!(input(bad).range().is_err(), "{bad}");
        }
        assert!(input(r#"{"comment":"x","inReplyTo":"abc"}"#)
            .in_reply_to()
            .is_err());
        assert_eq!(
            input(r#"{"comment":"x","inReplyTo":12}"#)
                .in_reply_to()
                .unwrap(),
            Some(CommentId(12))
        );
    }
}

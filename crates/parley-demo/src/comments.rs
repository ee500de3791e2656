//! The demo's comments (`data/comments.toml`): what a manager writes when they comment
//! on a rep's call, and which part of the recording it is about.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

use parley_domain::ActivityKind;

use crate::{DataError, PlannedActivity};

const FILE: &str = "data/comments.toml";
const TOML: &str = include_str!("../data/comments.toml");

/// Where a comment's text mentions the call's host.
pub const HOST: &str = "{host}";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentsFile {
    comments: Vec<String>,
}

/// The comment of a planned `comment` activity.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedComment {
    /// May hold [`HOST`], a mention of the call's host.
    pub text: String,
    /// Seconds of the recording, from the call's start.
    pub start_s: i64,
    pub end_s: i64,
}

pub(crate) struct Comments {
    texts: Vec<String>,
}

impl Comments {
    /// The file, parsed and checked: at least one comment, no placeholder but [`HOST`].
    pub(crate) fn embedded() -> Result<Comments, DataError> {
        let file: CommentsFile =
            toml::from_str(TOML).map_err(|source| DataError::Parse { file: FILE, source })?;
        let invalid = |message: String| DataError::Invalid {
            file: FILE,
            message,
        };
        if file.comments.is_empty() {
            return Err(invalid("comments: at least one".into()));
        }
        for c in &file.comments {
            if c.replace(HOST, "").contains('{') || c.trim().is_empty() {
                return Err(invalid(format!("{c:?}: only {HOST} may be a placeholder")));
            }
        }
        Ok(Comments {
            texts: file.comments,
        })
    }

    /// Writes the comment of each `comment` activity of call `n` (of `duration_s`
    /// seconds), with a generator of its own (so the rest of the plan stays as it was).
    pub(crate) fn write(&self, n: usize, duration_s: i64, activity: &mut [PlannedActivity]) {
        let mut rng = StdRng::seed_from_u64(0xc0_0000 + n as u64);
        for a in activity
            .iter_mut()
            .filter(|a| a.kind == ActivityKind::Comment)
        {
            let Some(text) = self.texts.choose(&mut rng) else {
                continue;
            };
            let start_s = rng.gen_range(0..duration_s.max(1));
            let end_s = (start_s + rng.gen_range(3..20)).min(duration_s.max(start_s));
            a.comment = Some(PlannedComment {
                text: text.clone(),
                start_s,
                end_s,
            });
        }
    }
}

//! Scorecards in storage (SQLite 0017, PostgreSQL 0003): definitions with their
//! questions, and answered scorecards with one answer per question. Answering a
//! scorecard also appends its activity event (same id), so the activity counters and
//! the answers can never disagree.

use async_trait::async_trait;

use parley_domain::scorecard::{
    AnswerOption, AnswerValue, AnsweredScorecard, AnsweredScorecardId, ReviewMethod, Scorecard,
    ScorecardId,
};
use parley_domain::{Timestamp, UserId, WorkspaceId};

use crate::{CallFilter, Result, StoreError};

/// Which answered scorecards a listing returns. All members combine with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnsweredFilter {
    /// The scorecards' workspace.
    pub workspace_id: Option<WorkspaceId>,
    pub scorecard_ids: Option<Vec<ScorecardId>>,
    pub reviewed_users: Option<Vec<UserId>>,
    pub reviewers: Option<Vec<UserId>>,
    /// Review time, inclusive.
    pub review_from: Option<Timestamp>,
    /// Review time, exclusive.
    pub review_to: Option<Timestamp>,
    /// The calls reviewed (their start, ids and the caller's call access); the default
    /// filters nothing.
    pub calls: CallFilter,
    /// Who reads the listing, for the visibility of each filled scorecard; `None` (an
    /// admin, a company key, a job) reads every one.
    pub viewer: Option<AnsweredViewer>,
}

/// A reader of filled scorecards who is not an admin. They see the public ones (of calls
/// they may see; that is [`AnsweredFilter::calls`]) and, of the others, those they filled
/// and those reviewing someone of their team.
#[derive(Debug, Clone, PartialEq)]
pub struct AnsweredViewer {
    pub user: UserId,
    /// The viewer and everyone under them in the manager tree.
    pub team: Vec<UserId>,
}

impl AnsweredFilter {
    /// Whether the call part filters anything (a backend then joins the calls).
    pub fn filters_calls(&self) -> bool {
        self.calls != CallFilter::default()
    }
}

/// Where a listing of answered scorecards continues: the last `(reviewed_at, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnsweredKey {
    pub reviewed_us: i64,
    pub id: i64,
}

/// An answered scorecard as listed, with what a rendering needs of its scorecard and call.
#[derive(Debug, Clone, PartialEq)]
pub struct AnsweredRecord {
    pub answered: AnsweredScorecard,
    pub scorecard_name: String,
    pub review_method: ReviewMethod,
    pub workspace_id: WorkspaceId,
    pub call_started: Timestamp,
}

impl AnsweredRecord {
    pub fn key(&self) -> AnsweredKey {
        AnsweredKey {
            reviewed_us: self.answered.reviewed_at.timestamp_micros(),
            id: self.answered.id.0,
        }
    }
}

#[async_trait]
pub trait ScorecardStore: Send + Sync {
    /// Creates or (same id) replaces a scorecard and its questions. `Conflict` when the
    /// workspace has another scorecard of that name (or a question id belongs to
    /// another scorecard); `NotFound` for a missing workspace.
    async fn save_scorecard(&self, s: &Scorecard) -> Result<()>;
    async fn get_scorecard(&self, id: ScorecardId) -> Result<Option<Scorecard>>;
    /// Scorecards of one workspace, or of all; by name, then id.
    async fn scorecards(&self, workspace: Option<WorkspaceId>) -> Result<Vec<Scorecard>>;
    /// Deletes a scorecard nobody has filled (false when there is none); `Conflict` when
    /// it has answers (disable it instead: the answers stay meaningful).
    async fn delete_scorecard(&self, id: ScorecardId) -> Result<bool>;
    /// Stores a filled scorecard and its activity event (kind `scorecard`, the same id,
    /// the reviewer acting on the reviewed user) in one transaction. `NotFound` for an
    /// unknown scorecard, call or user.
    async fn answer_scorecard(&self, a: &AnsweredScorecard) -> Result<()>;
    /// Answered scorecards in `(reviewed_at, id)` order after `after`.
    async fn answered_scorecards(
        &self,
        f: &AnsweredFilter,
        after: Option<AnsweredKey>,
        limit: u32,
    ) -> Result<Vec<AnsweredRecord>>;
    async fn count_answered_scorecards(&self, f: &AnsweredFilter) -> Result<i64>;
    /// One answered scorecard by id, as listed (no viewer filter: the caller decides).
    async fn get_answered_scorecard(
        &self,
        id: AnsweredScorecardId,
    ) -> Result<Option<AnsweredRecord>>;
    /// Replaces a filled scorecard's answers and visibility and writes its edit
    /// (`a.edited`) in one transaction; its id, scorecard, call, users, review time and
    /// activity event stay. False when there is no such answered scorecard.
    async fn edit_answered_scorecard(&self, a: &AnsweredScorecard) -> Result<bool>;
    /// Deletes a filled scorecard, its answers and its activity event in one transaction
    /// (false when there is none), so the activity counters stop counting it.
    async fn delete_answered_scorecard(&self, id: AnsweredScorecardId) -> Result<bool>;
}

/// How an answer is stored: `(not_applicable, score, answer_text, options)`, the last
/// the chosen option ids separated by spaces. The one copy both backends use.
pub fn answer_columns(v: &AnswerValue) -> (bool, Option<i64>, Option<&str>, Option<String>) {
    match v {
        AnswerValue::NotApplicable => (true, None, None, None),
        AnswerValue::Score(s) => (false, Some(i64::from(*s)), None, None),
        AnswerValue::Text(t) => (false, None, Some(t), None),
        AnswerValue::Options(ids) => (false, None, None, Some(crate::codec::id_list(ids.clone()))),
    }
}

/// An answer from its stored columns.
pub fn answer_of(
    not_applicable: bool,
    score: Option<i64>,
    text: Option<String>,
    options: Option<String>,
) -> Result<AnswerValue> {
    Ok(match (not_applicable, score, text, options) {
        (true, ..) => AnswerValue::NotApplicable,
        (false, Some(s), None, None) => AnswerValue::Score(
            i32::try_from(s).map_err(|_| StoreError::Corrupt(format!("answer score {s}")))?,
        ),
        (false, None, Some(t), None) => AnswerValue::Text(t),
        (false, None, None, Some(o)) => {
            AnswerValue::Options(crate::codec::ids_of(&o, "answer options")?)
        }
        _ => return Err(StoreError::Corrupt("an answer without one value".into())),
    })
}

/// A question's options as stored (a JSON array of `{id, text}`).
pub fn options_json(options: &[AnswerOption]) -> String {
    crate::codec::to_json(&options)
}

pub fn options_of(json: &str) -> Result<Vec<AnswerOption>> {
    crate::codec::from_json(json, "answer options")
}

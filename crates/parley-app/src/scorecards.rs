//! Scorecards: defining them (admins, or users whose permission profile lets them manage
//! scorecards) and filling one for a call (managers and admins). The rules of what a
//! definition and an answer may hold are `parley_domain::scorecard`'s; here are who may
//! do it, what it refers to, and storing it.

use chrono::Utc;

use parley_domain::scorecard::{
    AnswerDraft, AnsweredScorecard, AnsweredScorecardId, QuestionId, Scorecard, ScorecardDraft,
    ScorecardId, Visibility,
};
use parley_domain::{Call, Principal, Reports, Role, Timestamp, UserId, WorkspaceId};
use parley_store::{AnsweredViewer, Store};

use crate::access::visible;
use crate::error::{AppError, AppResult};

/// Who `p` is as a reader of filled scorecards; `None` reads every one.
///
/// Choice: Gong shows a `PRIVATE` (and an `OPT_IN_USERS`) filled scorecard to its reviewer,
/// the reviewed user, the managers above the reviewed user, and admins. Parley keeps no
/// list of opted-in users, so `OPT_IN_USERS` is read as `PRIVATE` (the narrower reading).
/// A `PUBLIC` one is shown to whoever may see its call. Admins and company keys read all.
pub async fn answered_viewer(
    store: &dyn Store,
    p: &Principal,
) -> AppResult<Option<AnsweredViewer>> {
    let Some(me) = p.user else {
        return Ok(None);
    };
    if p.role >= Role::Admin {
        return Ok(None);
    }
    let team = Reports::from_managers(store.manager_edges().await?).teams_of([me]);
    Ok(Some(AnsweredViewer { user: me, team }))
}

pub fn scorecard_not_found(id: &str) -> String {
    format!("Scorecard ID {id} was not found")
}

/// The scorecard `id` names, as `p` sees it: one of a workspace the principal does not
/// reach does not exist for it.
pub async fn find_scorecard(store: &dyn Store, p: &Principal, id: &str) -> AppResult<Scorecard> {
    let found = match parley_domain::parse_id(id) {
        Ok(n) => store.get_scorecard(ScorecardId(n)).await?,
        Err(_) => None,
    };
    let s = found.ok_or_else(|| AppError::not_found(scorecard_not_found(id)))?;
    visible(p, s.workspace_id, || scorecard_not_found(id))?;
    Ok(s)
}

/// Creates a scorecard in `workspace` (which the caller has checked it reaches), or
/// edits `existing` (whose workspace stays: its answers are about that workspace's calls).
pub async fn save_scorecard(
    store: &dyn Store,
    p: &Principal,
    workspace: WorkspaceId,
    draft: ScorecardDraft,
    existing: Option<&Scorecard>,
) -> AppResult<Scorecard> {
    if let Some(e) = existing {
        if e.workspace_id != workspace {
            return Err(AppError::invalid(format!(
                "workspaceId: scorecard {} belongs to workspace {}; a scorecard cannot move",
                e.id, e.workspace_id
            )));
        }
    }
    let id = existing.map_or_else(ScorecardId::generate, |e| e.id);
    let scorecard = draft
        .define(id, workspace, existing, p.user, Utc::now())
        .map_err(AppError::Invalid)?;
    store.save_scorecard(&scorecard).await?;
    tracing::info!(scorecard = %scorecard.id, workspace = %workspace, "scorecard saved");
    Ok(scorecard)
}

/// Deletes a scorecard nobody filled; one with answers is a conflict (disable it).
pub async fn delete_scorecard(store: &dyn Store, s: &Scorecard) -> AppResult<()> {
    if !store.delete_scorecard(s.id).await? {
        return Err(AppError::not_found(scorecard_not_found(&s.id.to_string())));
    }
    Ok(())
}

/// A filled scorecard as a reviewer sends it.
#[derive(Debug, Clone)]
pub struct AnswerRequest {
    pub scorecard: Scorecard,
    /// Default: the call's host.
    pub reviewed: Option<UserId>,
    /// Default: the caller.
    pub reviewer: Option<UserId>,
    /// Default: now.
    pub at: Option<Timestamp>,
    pub visibility: Visibility,
    pub answers: Vec<AnswerDraft>,
}

/// How far ahead of the server's clock a review time may be (clients' clocks drift).
const CLOCK_SLACK_SECS: i64 = 300;

/// Fills `req.scorecard` for `call` (which the caller may see): the scorecard must be
/// enabled and of the call's workspace, the reviewed user one of the call's users (its
/// host by default), the reviewer the caller (only admins fill one in someone else's
/// name; a key without a user must name the reviewer), and the answers must fit the
/// questions. Stored with its activity event.
pub async fn answer_scorecard(
    store: &dyn Store,
    p: &Principal,
    call: &Call,
    req: AnswerRequest,
) -> AppResult<AnsweredScorecard> {
    let s = &req.scorecard;
    if s.workspace_id != call.workspace_id {
        return Err(AppError::invalid(format!(
            "scorecardId: scorecard {} is of another workspace than call {}",
            s.id, call.id
        )));
    }
    if !s.enabled {
        return Err(AppError::invalid(format!(
            "scorecardId: scorecard {} is disabled",
            s.id
        )));
    }
    let reviewer = match (p.user, req.reviewer) {
        (Some(me), None) => me,
        (Some(me), Some(r)) if r == me => me,
        (_, Some(r)) if p.role == Role::Admin => r,
        (_, Some(_)) => {
            return Err(AppError::Forbidden(
                "only admins fill a scorecard in someone else's name".into(),
            ))
        }
        (None, None) => {
            return Err(AppError::invalid(
                "reviewerUserId is required: this key acts for no user",
            ))
        }
    };
    let reviewed = req.reviewed.unwrap_or(call.primary_user_id);
    if reviewed != call.primary_user_id {
        let parties = store.parties_of(&[call.id]).await?;
        let attended = parties
            .get(&call.id)
            .into_iter()
            .flatten()
            .any(|party| party.user_id == Some(reviewed));
        if !attended {
            return Err(AppError::invalid(format!(
                "reviewedUserId: user {reviewed} is not a user on call {}",
                call.id
            )));
        }
    }
    for u in [reviewer, reviewed] {
        if store.get_user(u).await?.is_none() {
            return Err(AppError::not_found(gong_api_v2::messages::user_not_found(
                &u.to_string(),
            )));
        }
    }
    let now = Utc::now();
    let at = req.at.unwrap_or(now);
    if at > now + chrono::Duration::seconds(CLOCK_SLACK_SECS) {
        return Err(AppError::invalid(
            "reviewTime: a review cannot be in the future",
        ));
    }
    let answers = s.answer(req.answers).map_err(AppError::Invalid)?;
    let answered = AnsweredScorecard {
        id: AnsweredScorecardId::generate(),
        scorecard_id: s.id,
        call_id: call.id,
        reviewed_user: reviewed,
        reviewer,
        reviewed_at: at,
        visibility: req.visibility,
        answers,
        edited: None,
    };
    store.answer_scorecard(&answered).await?;
    tracing::info!(answered = %answered.id, call = %call.id, scorecard = %s.id, "scorecard answered");
    Ok(answered)
}

/// The scorecards filled for one call, in review order (at most `limit`: a call has few),
/// each with its scorecard's overall question, if it has one.
pub async fn answered_for_call(
    store: &dyn Store,
    call: parley_domain::CallId,
    viewer: Option<AnsweredViewer>,
    limit: u32,
) -> AppResult<Vec<(parley_store::AnsweredRecord, Option<QuestionId>)>> {
    let filter = parley_store::AnsweredFilter {
        calls: parley_store::CallFilter {
            call_ids: Some(vec![call]),
            ..parley_store::CallFilter::default()
        },
        viewer,
        ..parley_store::AnsweredFilter::default()
    };
    let list = store.answered_scorecards(&filter, None, limit).await?;
    let mut out = Vec::with_capacity(list.len());
    for r in list {
        let overall = store
            .get_scorecard(r.answered.scorecard_id)
            .await?
            .and_then(|s| s.questions.iter().find(|q| q.is_overall).map(|q| q.id));
        out.push((r, overall));
    }
    Ok(out)
}

/// The message for an answered scorecard that does not exist (or that the caller may
/// not read).
pub fn answered_not_found(id: &str) -> String {
    format!("Answered scorecard ID {id} was not found")
}

/// The answered scorecard `id` names on `call`, if the principal may read it: one of
/// another call, or private and not theirs to read, does not exist for them (404, so
/// ids leak nothing).
pub async fn find_answered(
    store: &dyn Store,
    p: &Principal,
    call: &Call,
    id: &str,
) -> AppResult<parley_store::AnsweredRecord> {
    let not_found = || AppError::not_found(answered_not_found(id));
    let found = match parley_domain::parse_id(id) {
        Ok(n) => store.get_answered_scorecard(AnsweredScorecardId(n)).await?,
        Err(_) => None,
    };
    let r = found.ok_or_else(not_found)?;
    if r.answered.call_id != call.id || !p.reaches(r.workspace_id) {
        return Err(not_found());
    }
    if r.answered.visibility != Visibility::Public {
        if let Some(v) = answered_viewer(store, p).await? {
            let a = &r.answered;
            if a.reviewer != v.user && !v.team.contains(&a.reviewed_user) {
                return Err(not_found());
            }
        }
    }
    Ok(r)
}

/// Whether `p` may change `a`: its reviewer, or an admin (a company key acts as one).
fn may_change(p: &Principal, a: &AnsweredScorecard) -> AppResult<()> {
    if p.role >= Role::Admin || a.editable_by(p.user) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "answered scorecard {} is changed only by its reviewer (user {}) and admins",
            a.id, a.reviewer
        )))
    }
}

/// A change to a filled scorecard: its answers (all of them, as when filling it: a
/// question left out is not applicable) and, when given, its visibility.
#[derive(Debug, Clone)]
pub struct AnswerChange {
    pub visibility: Option<Visibility>,
    pub answers: Vec<AnswerDraft>,
}

/// Edits a filled scorecard (`found` by [`find_answered`]): only its reviewer or an admin
/// may; the answers are checked against the scorecard as it is now (as when filling it:
/// mandatory questions, ranges, options), and the scorecard must still be enabled. The
/// id, reviewer, reviewed user and review time stay; the edit's author and time are
/// recorded.
pub async fn edit_answered(
    store: &dyn Store,
    p: &Principal,
    found: &parley_store::AnsweredRecord,
    change: AnswerChange,
) -> AppResult<AnsweredScorecard> {
    let a = &found.answered;
    may_change(p, a)?;
    let scorecard = store
        .get_scorecard(a.scorecard_id)
        .await?
        .ok_or_else(|| AppError::not_found(scorecard_not_found(&a.scorecard_id.to_string())))?;
    if !scorecard.enabled {
        return Err(AppError::invalid(format!(
            "scorecardId: scorecard {} is disabled; its answers can no longer change",
            scorecard.id
        )));
    }
    let answers = scorecard
        .answer(change.answers)
        .map_err(AppError::Invalid)?;
    // A company key edits in the reviewer's name: the edit needs a user to record.
    let by = p.user.unwrap_or(a.reviewer);
    let edited = AnsweredScorecard {
        visibility: change.visibility.unwrap_or(a.visibility),
        answers,
        edited: Some(parley_domain::scorecard::AnswerEdit { by, at: Utc::now() }),
        ..a.clone()
    };
    if !store.edit_answered_scorecard(&edited).await? {
        return Err(AppError::not_found(answered_not_found(&a.id.to_string())));
    }
    tracing::info!(answered = %a.id, by = %by, "answered scorecard edited");
    Ok(edited)
}

/// Deletes a filled scorecard with its activity event: only its reviewer or an admin.
pub async fn delete_answered(
    store: &dyn Store,
    p: &Principal,
    found: &parley_store::AnsweredRecord,
) -> AppResult<()> {
    let a = &found.answered;
    may_change(p, a)?;
    if !store.delete_answered_scorecard(a.id).await? {
        return Err(AppError::not_found(answered_not_found(&a.id.to_string())));
    }
    tracing::info!(answered = %a.id, "answered scorecard deleted");
    Ok(())
}

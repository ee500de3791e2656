//! Coaching (`GET /v2/coaching`): how a manager coached each direct report over a
//! period, from listening, feedback, comment and scorecard activity. The formulas are in
//! `docs/coaching.md`; [`metrics`] is the pure part.

use std::collections::{BTreeMap, BTreeSet};

use parley_domain::scorecard::AnswerValue;
use parley_domain::{
    ActivityFact, CallId, Counter, Principal, Reports, Role, Timestamp, User, UserId, WorkspaceId,
};
use parley_store::{AnsweredFilter, AnsweredViewer, CallFilter, Store, UserFilter};

use crate::error::{AppError, AppResult};

/// One report's coaching over the period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    /// Calls the report hosted that started in the period.
    pub calls_as_host: u32,
    /// Calls hosted by the report the manager listened to in the period.
    pub calls_listened_by_manager: u32,
    /// Calls on which the report received feedback, comments, in the period.
    pub calls_received_feedback: u32,
    pub calls_received_comments: u32,
    /// Scorecards reviewing the report, filled in the period (by anyone).
    pub scorecards_received: u32,
    /// The mean score of those scorecards' overall questions, on a 0..=1 scale of each
    /// question's range; `None` without an answered overall question.
    pub average_scorecard_score: Option<f64>,
    /// Calls of the report that got any of the above in the period.
    pub coached_calls: u32,
    /// `coached_calls / calls_as_host` over the calls hosted in the period; `None` without
    /// calls.
    pub coaching_coverage: Option<f64>,
}

/// What [`coaching`] found: the manager and each direct report with their metrics, the
/// reports by name.
#[derive(Debug, Clone)]
pub struct Coaching {
    pub manager: User,
    pub reports: Vec<(User, Metrics)>,
}

/// A scorecard received: its call and its overall score scaled to 0..=1, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Received {
    pub call: CallId,
    pub overall: Option<f64>,
}

/// The metrics of `report` from the facts of the period (the manager's and the
/// report's), the host of each call they name, and the scorecards the report received.
pub fn metrics(
    manager: UserId,
    report: UserId,
    facts: &[ActivityFact],
    host_of: &BTreeMap<CallId, UserId>,
    received: &[Received],
) -> Metrics {
    let calls = |user: UserId, counter: Counter| -> BTreeSet<CallId> {
        facts
            .iter()
            .filter(|f| f.user == user && f.counter == counter)
            .map(|f| f.call)
            .collect()
    };
    let hosted = calls(report, Counter::CallsAsHost);
    let hosts_report = |c: &CallId| host_of.get(c) == Some(&report);
    let listened: BTreeSet<CallId> = calls(manager, Counter::OthersCallsListenedTo)
        .into_iter()
        .filter(hosts_report)
        .collect();
    let feedback = calls(report, Counter::CallsReceivedFeedback);
    let comments = calls(report, Counter::CallsCommentsReceived);
    let scorecards: BTreeSet<CallId> = received.iter().map(|r| r.call).collect();
    let coached: BTreeSet<CallId> = listened
        .iter()
        .chain(&feedback)
        .chain(&comments)
        .chain(&scorecards)
        .copied()
        .collect();
    let overall: Vec<f64> = received.iter().filter_map(|r| r.overall).collect();
    let coached_hosted = hosted.iter().filter(|c| coached.contains(c)).count();
    Metrics {
        calls_as_host: hosted.len() as u32,
        calls_listened_by_manager: listened.len() as u32,
        calls_received_feedback: feedback.len() as u32,
        calls_received_comments: comments.len() as u32,
        scorecards_received: received.len() as u32,
        average_scorecard_score: (!overall.is_empty())
            .then(|| overall.iter().sum::<f64>() / overall.len() as f64),
        coached_calls: coached.len() as u32,
        coaching_coverage: (!hosted.is_empty())
            .then(|| coached_hosted as f64 / hosted.len() as f64),
    }
}

/// Who may see `manager`'s coaching: admins and company keys anyone's; a manager their
/// own and that of managers below them.
async fn may_see(store: &dyn Store, p: &Principal, manager: UserId) -> AppResult<bool> {
    let Some(me) = p.user else {
        return Ok(true);
    };
    if p.role == Role::Admin || me == manager {
        return Ok(true);
    }
    let reports = Reports::from_managers(store.manager_edges().await?);
    Ok(reports.teams_of([me]).contains(&manager))
}

/// Answered scorecards read per page while summing a report's.
const PAGE: u32 = 500;

/// `manager`'s coaching of their direct reports in `workspace` over `[from, to)`.
pub async fn coaching(
    store: &dyn Store,
    p: &Principal,
    workspace: WorkspaceId,
    manager: UserId,
    from: Timestamp,
    to: Timestamp,
) -> AppResult<Coaching> {
    let not_found =
        || AppError::not_found(gong_api_v2::messages::user_not_found(&manager.to_string()));
    let manager_user = store.get_user(manager).await?.ok_or_else(not_found)?;
    if !may_see(store, p, manager).await? {
        return Err(AppError::Forbidden(format!(
            "you may see the coaching of your own team only, not of user {manager}"
        )));
    }
    let direct: Vec<UserId> = store
        .manager_edges()
        .await?
        .into_iter()
        .filter(|(_, m)| *m == Some(manager))
        .map(|(u, _)| u)
        .collect();
    let mut users = if direct.is_empty() {
        Vec::new()
    } else {
        store
            .list_users(
                &UserFilter {
                    user_ids: Some(direct.clone()),
                    ..UserFilter::default()
                },
                None,
                direct.len() as u32 + 1,
            )
            .await?
    };
    users.sort_by(|a, b| {
        (&a.last_name, &a.first_name, a.id).cmp(&(&b.last_name, &b.first_name, b.id))
    });
    let people: Vec<UserId> = std::iter::once(manager)
        .chain(direct.iter().copied())
        .collect();
    let facts = store.activity_facts(from, to, Some(&people)).await?;
    // Only the workspace's calls count: the host and workspace of every call named.
    let named: Vec<CallId> = facts
        .iter()
        .map(|f| f.call)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut host_of = BTreeMap::new();
    for chunk in named.chunks(PAGE as usize) {
        let calls = store
            .list_calls(
                &CallFilter {
                    workspace_id: Some(workspace),
                    call_ids: Some(chunk.to_vec()),
                    ..CallFilter::default()
                },
                None,
                chunk.len() as u32 + 1,
            )
            .await?;
        host_of.extend(calls.into_iter().map(|c| (c.id, c.primary_user_id)));
    }
    let facts: Vec<ActivityFact> = facts
        .into_iter()
        .filter(|f| host_of.contains_key(&f.call))
        .collect();
    // The scorecards counted are those the caller may read (private ones stay private).
    let viewer = crate::scorecards::answered_viewer(store, p).await?;
    let mut reports = Vec::with_capacity(users.len());
    for u in users {
        let received = received(store, workspace, u.id, viewer.clone(), from, to).await?;
        let m = metrics(manager, u.id, &facts, &host_of, &received);
        reports.push((u, m));
    }
    Ok(Coaching {
        manager: manager_user,
        reports,
    })
}

/// The scorecards reviewing `user` filled in `[from, to)` in `workspace` that `viewer`
/// may read, each with its overall score scaled to its question's range.
async fn received(
    store: &dyn Store,
    workspace: WorkspaceId,
    user: UserId,
    viewer: Option<AnsweredViewer>,
    from: Timestamp,
    to: Timestamp,
) -> AppResult<Vec<Received>> {
    let f = AnsweredFilter {
        workspace_id: Some(workspace),
        reviewed_users: Some(vec![user]),
        review_from: Some(from),
        review_to: Some(to),
        viewer,
        ..AnsweredFilter::default()
    };
    let mut out = Vec::new();
    let mut cards = BTreeMap::new();
    let mut after = None;
    loop {
        let page = store.answered_scorecards(&f, after, PAGE).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.key());
        let full = page.len() < PAGE as usize;
        for r in page {
            let a = &r.answered;
            if let std::collections::btree_map::Entry::Vacant(e) = cards.entry(a.scorecard_id) {
                e.insert(store.get_scorecard(a.scorecard_id).await?);
            }
            let overall = cards[&a.scorecard_id].as_ref().and_then(|s| {
                let q = s.questions.iter().find(|q| q.is_overall)?;
                let (min, max) = q.range?;
                let answer = a.answers.iter().find(|x| x.question_id == q.id)?;
                match answer.value {
                    AnswerValue::Score(v) if max > min => {
                        Some(f64::from(v - min) / f64::from(max - min))
                    }
                    _ => None,
                }
            });
            out.push(Received {
                call: a.call_id,
                overall,
            });
        }
        if full {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_count_the_reports_calls_and_what_coached_them() {
        let (m, r, other) = (UserId(1), UserId(2), UserId(3));
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let f = |user, counter, call: i64| ActivityFact {
            user,
            counter,
            call: CallId(call),
            at,
        };
        let facts = vec![
            f(r, Counter::CallsAsHost, 10),
            f(r, Counter::CallsAsHost, 11),
            f(r, Counter::CallsAsHost, 12),
            f(r, Counter::CallsAsHost, 13),
            f(m, Counter::OthersCallsListenedTo, 10),
            f(m, Counter::OthersCallsListenedTo, 10),
            // The manager listened to another rep's call: not this report's coaching.
            f(m, Counter::OthersCallsListenedTo, 20),
            f(r, Counter::CallsReceivedFeedback, 11),
            f(r, Counter::CallsCommentsReceived, 10),
        ];
        let host_of = BTreeMap::from([
            (CallId(10), r),
            (CallId(11), r),
            (CallId(12), r),
            (CallId(13), r),
            (CallId(20), other),
        ]);
        let received = [
            Received {
                call: CallId(12),
                overall: Some(0.5),
            },
            Received {
                call: CallId(12),
                overall: Some(1.0),
            },
        ];
        let got = metrics(m, r, &facts, &host_of, &received);
        assert_eq!(
            got,
            Metrics {
                calls_as_host: 4,
                calls_listened_by_manager: 1,
                calls_received_feedback: 1,
                calls_received_comments: 1,
                scorecards_received: 2,
                average_scorecard_score: Some(0.75),
                coached_calls: 3,
                coaching_coverage: Some(0.75),
            }
        );
        let none = metrics(m, other, &[], &host_of, &[]);
        assert_eq!(none.coaching_coverage, None);
        assert_eq!(none.average_scorecard_score, None);
    }
}

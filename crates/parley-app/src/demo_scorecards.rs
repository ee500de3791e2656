//! The demo's scorecards: the definitions each workspace starts with, and the reviews
//! managers filled, through the use case a reviewer's request takes.

use parley_demo::{PlannedAnswer, PlannedReview};
use parley_domain::scorecard::{AnswerDraft, Scorecard, ScorecardDraft, ScorecardId, Visibility};
use parley_domain::{Call, Principal, Role, ScopeSet, Timestamp, UserId, WorkspaceId};
use parley_store::Store;

use crate::error::AppResult;
use crate::scorecards::{answer_scorecard, AnswerRequest};

/// Each workspace's demo scorecards, in the plan's order: the stored ones of a workspace
/// that has scorecards of those names, else new ones made at `created`.
pub(crate) async fn seed_definitions(
    store: &dyn Store,
    workspaces: &[WorkspaceId],
    drafts: &[ScorecardDraft],
    created: Timestamp,
) -> AppResult<Vec<Vec<Scorecard>>> {
    let mut out = Vec::with_capacity(workspaces.len());
    for w in workspaces {
        let existing = store.scorecards(Some(*w)).await?;
        let mut mine = Vec::with_capacity(drafts.len());
        for d in drafts {
            if let Some(s) = existing.iter().find(|s| s.name == d.name) {
                mine.push(s.clone());
                continue;
            }
            let s = d
                .clone()
                .define(ScorecardId::generate(), *w, None, None, created)
                .map_err(crate::AppError::Invalid)?;
            store.save_scorecard(&s).await?;
            mine.push(s);
        }
        out.push(mine);
    }
    Ok(out)
}

/// A manager's review of `call`, as they would send it.
pub(crate) async fn seed_review(
    store: &dyn Store,
    scorecards: &[Scorecard],
    call: &Call,
    reviewer: UserId,
    reviewed: Option<UserId>,
    review: &PlannedReview,
    at: Timestamp,
) -> AppResult<()> {
    let scorecard = scorecards[review.scorecard].clone();
    let answers = scorecard
        .questions
        .iter()
        .zip(&review.answers)
        .filter_map(|(q, a)| {
            let mut d = AnswerDraft {
                question_id: q.id,
                ..AnswerDraft::default()
            };
            match a.as_ref()? {
                PlannedAnswer::Score(v) => d.score = Some(*v),
                PlannedAnswer::Options(o) => d.options = Some(o.clone()),
                PlannedAnswer::Text(t) => d.text = Some(t.clone()),
            }
            Some(d)
        })
        .collect();
    let manager = Principal {
        key: "demo".into(),
        user: Some(reviewer),
        role: Role::Manager,
        scopes: ScopeSet::full(),
        workspace: None,
        profile_reach: None,
    };
    answer_scorecard(
        store,
        &manager,
        call,
        AnswerRequest {
            scorecard,
            reviewed,
            reviewer: None,
            at: Some(at),
            visibility: Visibility::Public,
            answers,
        },
    )
    .await?;
    Ok(())
}

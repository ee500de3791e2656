//! The demo's scorecards (`data/scorecards.toml`): the definitions every workspace
//! starts with, and what a manager answers when they fill one for a rep's call.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

use parley_domain::scorecard::{QuestionDraft, QuestionType, ReviewMethod, ScorecardDraft};
use parley_domain::ActivityKind;

use crate::{DataError, PlannedActivity};

const FILE: &str = "data/scorecards.toml";
const TOML: &str = include_str!("../data/scorecards.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScorecardsFile {
    comments: Vec<String>,
    scorecard: Vec<ScorecardFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScorecardFile {
    name: String,
    enabled: bool,
    question: Vec<QuestionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFile {
    text: String,
    #[serde(rename = "type")]
    kind: String,
    min: Option<i32>,
    max: Option<i32>,
    #[serde(default)]
    overall: bool,
    #[serde(default)]
    mandatory: bool,
    guide: Option<String>,
    #[serde(default)]
    options: Vec<String>,
}

/// What a manager answers to one question (by its position in the scorecard).
#[derive(Debug, Clone, PartialEq)]
pub enum PlannedAnswer {
    Score(i32),
    /// Option texts.
    Options(Vec<String>),
    Text(String),
}

/// A filled scorecard of a planned `scorecard` activity.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedReview {
    /// An index into [`crate::Plan::scorecards`].
    pub scorecard: usize,
    /// One per question, in order; `None` leaves it unanswered.
    pub answers: Vec<Option<PlannedAnswer>>,
}

pub(crate) struct Scorecards {
    comments: Vec<String>,
    drafts: Vec<ScorecardDraft>,
}

impl Scorecards {
    /// The file, parsed and checked: every question type known, every definition valid.
    pub(crate) fn embedded() -> Result<Scorecards, DataError> {
        let file: ScorecardsFile =
            toml::from_str(TOML).map_err(|source| DataError::Parse { file: FILE, source })?;
        let invalid = |message: String| DataError::Invalid {
            file: FILE,
            message,
        };
        if file.comments.is_empty() {
            return Err(invalid("comments: at least one".into()));
        }
        let mut drafts = Vec::new();
        for s in file.scorecard {
            let mut questions = Vec::new();
            for q in s.question {
                let kind = QuestionType::parse(&q.kind)
                    .ok_or_else(|| invalid(format!("{}: no question type {:?}", s.name, q.kind)))?;
                questions.push(QuestionDraft {
                    id: None,
                    text: q.text,
                    kind: Some(kind),
                    mandatory: q.mandatory,
                    is_overall: q.overall,
                    answer_guide: q.guide,
                    min: q.min,
                    max: q.max,
                    options: q.options,
                });
            }
            let draft = ScorecardDraft {
                name: s.name,
                enabled: s.enabled,
                review_method: ReviewMethod::Manual,
                questions,
            };
            // Checked as the store will check it.
            let now = chrono::DateTime::UNIX_EPOCH;
            draft
                .clone()
                .define(
                    parley_domain::scorecard::ScorecardId(1),
                    parley_domain::WorkspaceId(1),
                    None,
                    None,
                    now,
                )
                .map_err(|e| invalid(format!("{}: {}", draft.name, e.join("; "))))?;
            drafts.push(draft);
        }
        if drafts.is_empty() {
            return Err(invalid("scorecard: at least one".into()));
        }
        Ok(Scorecards {
            comments: file.comments,
            drafts,
        })
    }

    pub(crate) fn drafts(&self) -> Vec<ScorecardDraft> {
        self.drafts.clone()
    }

    /// Fills in the review of each `scorecard` activity of call `n`, with a generator
    /// of its own (so the rest of the plan stays as it was): the scorecards take turns
    /// by call, scores lean to the upper half, some optional questions stay unanswered.
    pub(crate) fn review(&self, n: usize, activity: &mut [PlannedActivity]) {
        let mut rng = StdRng::seed_from_u64(0x5c0e_0000 + n as u64);
        for a in activity
            .iter_mut()
            .filter(|a| a.kind == ActivityKind::Scorecard)
        {
            let scorecard = n % self.drafts.len();
            let answers = self.drafts[scorecard]
                .questions
                .iter()
                .map(|q| {
                    if !q.mandatory && rng.gen_bool(0.25) {
                        return None;
                    }
                    Some(match q.kind? {
                        QuestionType::Range => {
                            let (min, max) = (q.min.unwrap_or(1), q.max.unwrap_or(5));
                            let mid = min + (max - min) / 2;
                            PlannedAnswer::Score(rng.gen_range(mid..=max).max(min))
                        }
                        QuestionType::SingleSelect => {
                            PlannedAnswer::Options(vec![q.options.choose(&mut rng)?.clone()])
                        }
                        QuestionType::MultiSelect => {
                            let k = rng.gen_range(1..=q.options.len());
                            let mut chosen: Vec<String> =
                                q.options.choose_multiple(&mut rng, k).cloned().collect();
                            chosen.sort_by_key(|o| q.options.iter().position(|x| x == o));
                            PlannedAnswer::Options(chosen)
                        }
                        QuestionType::YesNo => PlannedAnswer::Options(vec![if rng.gen_bool(0.7) {
                            "Yes".to_owned()
                        } else {
                            "No".to_owned()
                        }]),
                        QuestionType::OpenEnded => {
                            PlannedAnswer::Text(self.comments.choose(&mut rng)?.clone())
                        }
                    })
                })
                .collect();
            a.review = Some(PlannedReview { scorecard, answers });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_domain::scorecard::{AnswerDraft, ScorecardId};

    #[test]
    fn every_planned_review_answers_its_scorecard_validly() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-10-15T16:30:00Z")
            .unwrap()
            .to_utc();
        let plan = crate::plan(now).unwrap();
        assert_eq!(plan.scorecards.len(), 2);
        let defined: Vec<_> = plan
            .scorecards
            .iter()
            .map(|d| {
                d.clone()
                    .define(
                        ScorecardId(1),
                        parley_domain::WorkspaceId(1),
                        None,
                        None,
                        now,
                    )
                    .unwrap()
            })
            .collect();
        let mut reviews = 0;
        for call in &plan.calls {
            for a in &call.activity {
                assert_eq!(a.review.is_some(), a.kind == ActivityKind::Scorecard);
                let Some(r) = &a.review else { continue };
                reviews += 1;
                let s = &defined[r.scorecard];
                let drafts = s
                    .questions
                    .iter()
                    .zip(&r.answers)
                    .filter_map(|(q, a)| {
                        let mut d = AnswerDraft {
                            question_id: q.id,
                            ..Default::default()
                        };
                        match a.as_ref()? {
                            PlannedAnswer::Score(v) => d.score = Some(*v),
                            PlannedAnswer::Options(o) => d.options = Some(o.clone()),
                            PlannedAnswer::Text(t) => d.text = Some(t.clone()),
                        }
                        Some(d)
                    })
                    .collect();
                s.answer(drafts).unwrap();
            }
        }
        assert!(reviews >= 3, "managers fill a few scorecards: {reviews}");
    }
}

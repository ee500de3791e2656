//! Scorecards: a workspace's questionnaires for reviewing calls, and the answers a
//! reviewer (usually the rep's manager) gives for one call and one reviewed user.
//!
//! The rules are here: what a definition may hold ([`ScorecardDraft::define`], which
//! also keeps question and option ids and revisions across edits) and what an answer
//! must be ([`Scorecard::answer`]). Filling a scorecard is also an activity event
//! ([`crate::ActivityKind::Scorecard`], with the answered scorecard's id), so the
//! activity counters count it.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::id::{parse_id, random_id, ParseIdError};
use crate::{CallId, Timestamp, UserId, WorkspaceId};

crate::id::id_type!(
    /// A scorecard definition.
    ScorecardId,
    /// A question of a scorecard (kept across edits; each change makes a new revision).
    QuestionId,
    /// One filled scorecard: a review of one user on one call.
    AnsweredScorecardId,
);

/// Bounds on what a definition and an answer hold.
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_QUESTIONS: usize = 100;
pub const MAX_QUESTION_CHARS: usize = 2000;
pub const MAX_GUIDE_CHARS: usize = 4000;
pub const MAX_OPTIONS: usize = 50;
pub const MAX_OPTION_CHARS: usize = 500;
pub const MAX_ANSWER_CHARS: usize = 10_000;
/// Range questions score from 1 to 50 at most (Gong's documented bounds).
pub const SCORE_MIN: i32 = 1;
pub const SCORE_MAX: i32 = 50;

macro_rules! keyed_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $key:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)*
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.key() == s)
            }
        }
    };
}

keyed_enum!(
    /// What kind of answer a question takes.
    QuestionType {
        Range = "range",
        SingleSelect = "single-select",
        MultiSelect = "multi-select",
        YesNo = "yes-no",
        OpenEnded = "open-ended",
    }
);

keyed_enum!(
    /// Who fills the scorecard: a person, or (Gong's AI scorecards) the system.
    ReviewMethod {
        Manual = "manual",
        Automatic = "automatic",
    }
);

keyed_enum!(
    /// Who may see a filled scorecard.
    Visibility {
        Public = "public",
        Private = "private",
        OptInUsers = "opt-in-users",
    }
);

/// A choice of a select question (yes/no questions have the two fixed ones).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AnswerOption {
    pub id: i64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: QuestionId,
    /// Changes whenever what the question asks changes (text, type, range, options,
    /// guide), so an answer names the version it answered.
    pub revision: i64,
    pub text: String,
    pub kind: QuestionType,
    pub mandatory: bool,
    /// The question whose score is the call's overall score (a range question).
    pub is_overall: bool,
    pub answer_guide: Option<String>,
    /// `(min, max)` of a range question.
    pub range: Option<(i32, i32)>,
    pub options: Vec<AnswerOption>,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub updater: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub id: ScorecardId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    /// Only enabled scorecards can be filled.
    pub enabled: bool,
    pub review_method: ReviewMethod,
    /// In the order the reviewer sees them.
    pub questions: Vec<Question>,
    pub created: Timestamp,
    pub creator: Option<UserId>,
    pub updated: Timestamp,
    pub updater: Option<UserId>,
}

/// A question as a definition states it; `id` names an existing question to keep.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QuestionDraft {
    pub id: Option<QuestionId>,
    pub text: String,
    pub kind: Option<QuestionType>,
    pub mandatory: bool,
    pub is_overall: bool,
    pub answer_guide: Option<String>,
    pub min: Option<i32>,
    pub max: Option<i32>,
    pub options: Vec<String>,
}

/// A scorecard definition as an admin states it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorecardDraft {
    pub name: String,
    pub enabled: bool,
    pub review_method: ReviewMethod,
    pub questions: Vec<QuestionDraft>,
}

impl ScorecardDraft {
    /// The scorecard this draft defines: a new one (`previous` `None`) or `previous`
    /// edited. Questions named by id keep their id, and their revision unless what they
    /// ask changed; options keep their id when their text stays. Every problem found is
    /// returned, each naming where it is (`questions[2].options`).
    pub fn define(
        self,
        id: ScorecardId,
        workspace_id: WorkspaceId,
        previous: Option<&Scorecard>,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<Scorecard, Vec<String>> {
        let mut errors = Vec::new();
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            errors.push("name is required".to_owned());
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.push(format!("name: at most {MAX_NAME_CHARS} characters"));
        }
        if self.questions.is_empty() {
            errors.push("questions: a scorecard needs at least one question".to_owned());
        } else if self.questions.len() > MAX_QUESTIONS {
            errors.push(format!("questions: at most {MAX_QUESTIONS}"));
        }
        let mut seen = BTreeSet::new();
        let mut questions = Vec::with_capacity(self.questions.len());
        let mut overall = 0;
        for (i, d) in self.questions.into_iter().enumerate() {
            let at = format!("questions[{i}]");
            let old = match d.id {
                None => None,
                Some(qid) => {
                    if !seen.insert(qid) {
                        errors.push(format!("{at}.questionId: {qid} is named twice"));
                    }
                    let found = previous.and_then(|p| p.questions.iter().find(|q| q.id == qid));
                    if found.is_none() {
                        errors.push(format!(
                            "{at}.questionId: {qid} is not a question of this scorecard"
                        ));
                    }
                    found
                }
            };
            overall += usize::from(d.is_overall);
            match question(d, old, &at, by, now) {
                Ok(q) => questions.push(q),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if overall > 1 {
            errors.push("questions: at most one question is the overall score".to_owned());
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Scorecard {
            id,
            workspace_id,
            name,
            enabled: self.enabled,
            review_method: self.review_method,
            questions,
            created: previous.map_or(now, |p| p.created),
            creator: previous.map_or(by, |p| p.creator),
            updated: now,
            updater: by,
        })
    }
}

fn question(
    d: QuestionDraft,
    old: Option<&Question>,
    at: &str,
    by: Option<UserId>,
    now: Timestamp,
) -> Result<Question, Vec<String>> {
    let mut errors = Vec::new();
    let text = d.text.trim().to_owned();
    if text.is_empty() {
        errors.push(format!("{at}.questionText is required"));
    } else if text.chars().count() > MAX_QUESTION_CHARS {
        errors.push(format!(
            "{at}.questionText: at most {MAX_QUESTION_CHARS} characters"
        ));
    }
    let guide = d
        .answer_guide
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty());
    if guide
        .as_ref()
        .is_some_and(|g| g.chars().count() > MAX_GUIDE_CHARS)
    {
        errors.push(format!(
            "{at}.answerGuide: at most {MAX_GUIDE_CHARS} characters"
        ));
    }
    let Some(kind) = d.kind else {
        errors.push(format!("{at}.questionType is required"));
        return Err(errors);
    };
    let ranged = d.min.is_some() || d.max.is_some();
    let range = match kind {
        QuestionType::Range => {
            let (min, max) = (d.min.unwrap_or(1), d.max.unwrap_or(5));
            if !(SCORE_MIN..=SCORE_MAX).contains(&min)
                || !(SCORE_MIN..=SCORE_MAX).contains(&max)
                || min >= max
            {
                errors.push(format!(
                    "{at}: minRange and maxRange must be {SCORE_MIN}..={SCORE_MAX} with minRange below maxRange"
                ));
            }
            Some((min, max))
        }
        _ if ranged => {
            errors.push(format!(
                "{at}: minRange and maxRange are for range questions only"
            ));
            None
        }
        _ => None,
    };
    if d.is_overall && kind != QuestionType::Range {
        errors.push(format!(
            "{at}: only a range question can be the overall score"
        ));
    }
    let texts: Vec<String> = match kind {
        QuestionType::SingleSelect | QuestionType::MultiSelect => {
            let texts: Vec<String> = d.options.iter().map(|o| o.trim().to_owned()).collect();
            if texts.len() < 2 || texts.len() > MAX_OPTIONS {
                errors.push(format!(
                    "{at}.answerOptions: a select question needs 2 to {MAX_OPTIONS} options"
                ));
            }
            let mut distinct = BTreeSet::new();
            for t in &texts {
                if t.is_empty() || t.chars().count() > MAX_OPTION_CHARS {
                    errors.push(format!(
                        "{at}.answerOptions: each option has 1 to {MAX_OPTION_CHARS} characters"
                    ));
                } else if !distinct.insert(t.to_lowercase()) {
                    errors.push(format!("{at}.answerOptions: {t:?} is listed twice"));
                }
            }
            texts
        }
        _ if !d.options.is_empty() => {
            errors.push(format!(
                "{at}.answerOptions: only select questions have options"
            ));
            Vec::new()
        }
        QuestionType::YesNo => vec!["Yes".to_owned(), "No".to_owned()],
        _ => Vec::new(),
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    // An option keeps its id while its text stays (a reworded option is a new one).
    let options = texts
        .into_iter()
        .map(|text| AnswerOption {
            id: old
                .and_then(|q| q.options.iter().find(|o| o.text == text))
                .map_or_else(random_id, |o| o.id),
            text,
        })
        .collect();
    let mut q = Question {
        id: old.map_or_else(QuestionId::generate, |q| q.id),
        revision: 0,
        text,
        kind,
        mandatory: d.mandatory,
        is_overall: d.is_overall,
        answer_guide: guide,
        range,
        options,
        created: old.map_or(now, |q| q.created),
        updated: now,
        updater: by,
    };
    match old {
        Some(o) if o.asks_the_same(&q) => {
            q.revision = o.revision;
            q.updated = o.updated;
            q.updater = o.updater;
        }
        _ => q.revision = random_id(),
    }
    Ok(q)
}

impl Question {
    /// Whether `other` asks what this question asks (an answer to one fits the other).
    fn asks_the_same(&self, other: &Question) -> bool {
        self.text == other.text
            && self.kind == other.kind
            && self.range == other.range
            && self.options == other.options
            && self.answer_guide == other.answer_guide
            && self.is_overall == other.is_overall
            && self.mandatory == other.mandatory
    }
}

/// What a reviewer answered to one question.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerValue {
    /// Skipped or marked "not applicable" (never for a mandatory question).
    NotApplicable,
    /// A range question's score.
    Score(i32),
    /// The ids of the chosen options (select and yes/no questions).
    Options(Vec<i64>),
    /// An open-ended question's text.
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub question_id: QuestionId,
    /// The question's revision that was answered.
    pub revision: i64,
    pub value: AnswerValue,
}

/// One filled scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct AnsweredScorecard {
    pub id: AnsweredScorecardId,
    pub scorecard_id: ScorecardId,
    pub call_id: CallId,
    pub reviewed_user: UserId,
    pub reviewer: UserId,
    pub reviewed_at: Timestamp,
    pub visibility: Visibility,
    /// One per question of the scorecard, in its order.
    pub answers: Vec<Answer>,
    /// The last edit of the answers, if they were edited after the review.
    pub edited: Option<AnswerEdit>,
}

/// Who last edited a filled scorecard's answers, and when. An edit keeps the filled
/// scorecard's id, reviewer, reviewed user and review time: it corrects the review, it is
/// not another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerEdit {
    pub by: UserId,
    pub at: Timestamp,
}

impl AnsweredScorecard {
    /// Whether `user` (not an admin) may edit or delete this filled scorecard: only its
    /// reviewer may (admins always may; the caller decides that).
    pub fn editable_by(&self, user: Option<UserId>) -> bool {
        user == Some(self.reviewer)
    }
}

/// An answer as a reviewer states it: a score, options (by id or by text, any case) or a
/// text; none of them, or `not_applicable`, for a question skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerDraft {
    pub question_id: QuestionId,
    pub not_applicable: bool,
    pub score: Option<i32>,
    pub options: Option<Vec<String>>,
    pub text: Option<String>,
}

/// No question (id 0) and no value: a start for `..Default::default()`.
impl Default for AnswerDraft {
    fn default() -> AnswerDraft {
        AnswerDraft {
            question_id: QuestionId(0),
            not_applicable: false,
            score: None,
            options: None,
            text: None,
        }
    }
}

impl Scorecard {
    /// The answers to every question of this scorecard from what a reviewer sent: each
    /// draft must name a question of it, once, and fit the question's type; a question
    /// without a draft is not applicable, which a mandatory question refuses. Every
    /// problem found is returned.
    pub fn answer(&self, drafts: Vec<AnswerDraft>) -> Result<Vec<Answer>, Vec<String>> {
        let mut errors = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, d) in drafts.iter().enumerate() {
            if !self.questions.iter().any(|q| q.id == d.question_id) {
                errors.push(format!(
                    "answers[{i}].questionId: {} is not a question of scorecard {}",
                    d.question_id, self.id
                ));
            } else if !seen.insert(d.question_id) {
                errors.push(format!(
                    "answers[{i}].questionId: {} is answered twice",
                    d.question_id
                ));
            }
        }
        let mut answers = Vec::with_capacity(self.questions.len());
        for q in &self.questions {
            let found = drafts.iter().position(|d| d.question_id == q.id);
            let at = match found {
                Some(i) => format!("answers[{i}]"),
                None => format!("question {}", q.id),
            };
            let value = match found.map(|i| &drafts[i]) {
                None => Ok(AnswerValue::NotApplicable),
                Some(d) => answer_value(q, d, &at),
            };
            match value {
                Ok(AnswerValue::NotApplicable) if q.mandatory => {
                    errors.push(format!("{at}: {:?} is mandatory", q.text));
                }
                Ok(value) => answers.push(Answer {
                    question_id: q.id,
                    revision: q.revision,
                    value,
                }),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(answers)
        } else {
            Err(errors)
        }
    }
}

fn answer_value(q: &Question, d: &AnswerDraft, at: &str) -> Result<AnswerValue, String> {
    let given = usize::from(d.score.is_some())
        + usize::from(d.options.is_some())
        + usize::from(d.text.is_some());
    if d.not_applicable || given == 0 {
        return if given == 0 {
            Ok(AnswerValue::NotApplicable)
        } else {
            Err(format!("{at}: a not-applicable answer has no value"))
        };
    }
    let wrong = |what: &str| {
        Err(format!(
            "{at}: a {} question is answered with {what}",
            q.kind.key()
        ))
    };
    match q.kind {
        QuestionType::Range => {
            let (Some(score), None, None) = (d.score, &d.options, &d.text) else {
                return wrong("score");
            };
            let (min, max) = q.range.unwrap_or((SCORE_MIN, SCORE_MAX));
            if (min..=max).contains(&score) {
                Ok(AnswerValue::Score(score))
            } else {
                Err(format!("{at}.score: {score} is not within {min}..={max}"))
            }
        }
        QuestionType::OpenEnded => {
            let (None, None, Some(text)) = (d.score, &d.options, &d.text) else {
                return wrong("answerText");
            };
            let text = text.trim();
            if text.is_empty() {
                Ok(AnswerValue::NotApplicable)
            } else if text.chars().count() > MAX_ANSWER_CHARS {
                Err(format!(
                    "{at}.answerText: at most {MAX_ANSWER_CHARS} characters"
                ))
            } else {
                Ok(AnswerValue::Text(text.to_owned()))
            }
        }
        QuestionType::SingleSelect | QuestionType::MultiSelect | QuestionType::YesNo => {
            let (None, Some(chosen), None) = (d.score, &d.options, &d.text) else {
                return wrong("selectedOptions");
            };
            let mut ids = Vec::new();
            for c in chosen {
                let c = c.trim();
                let Some(o) = q
                    .options
                    .iter()
                    .find(|o| o.id.to_string() == c || o.text.eq_ignore_ascii_case(c))
                else {
                    return Err(format!(
                        "{at}.selectedOptions: {c:?} is not an option of {:?}",
                        q.text
                    ));
                };
                if !ids.contains(&o.id) {
                    ids.push(o.id);
                }
            }
            match (q.kind, ids.len()) {
                (_, 0) => Ok(AnswerValue::NotApplicable),
                (QuestionType::MultiSelect, _) | (_, 1) => Ok(AnswerValue::Options(ids)),
                _ => Err(format!("{at}.selectedOptions: choose one option")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn q(text: &str, kind: QuestionType) -> QuestionDraft {
        QuestionDraft {
            text: text.into(),
            kind: Some(kind),
            ..Default::default()
        }
    }

    fn draft() -> ScorecardDraft {
        ScorecardDraft {
            name: " Discovery ".into(),
            enabled: true,
            review_method: ReviewMethod::Manual,
            questions: vec![
                QuestionDraft {
                    is_overall: true,
                    mandatory: true,
                    ..q("Overall?", QuestionType::Range)
                },
                QuestionDraft {
                    options: vec!["Budget".into(), "Timeline".into(), "Authority".into()],
                    ..q("Which did they cover?", QuestionType::MultiSelect)
                },
                q("Next step agreed?", QuestionType::YesNo),
                q("Notes", QuestionType::OpenEnded),
            ],
        }
    }

    fn defined() -> Scorecard {
        draft()
            .define(ScorecardId(1), WorkspaceId(2), None, Some(UserId(3)), now())
            .unwrap()
    }

    #[test]
    fn a_definition_is_checked_and_normalised() {
        let s = defined();
        assert_eq!(s.name, "Discovery");
        assert_eq!(s.questions[0].range, Some((1, 5)));
        assert_eq!(s.questions[2].options.len(), 2);
        assert_eq!(s.questions[2].options[0].text, "Yes");
        assert_eq!(s.creator, Some(UserId(3)));

        let mut bad = draft();
        bad.name = " ".into();
        bad.questions[0].min = Some(0);
        bad.questions[1].options = vec!["a".into(), "A".into()];
        bad.questions[2].is_overall = true;
        bad.questions[3].kind = None;
        let errors = bad
            .define(ScorecardId(1), WorkspaceId(2), None, None, now())
            .unwrap_err();
        assert_eq!(errors.len(), 6, "{errors:?}");
        assert!(errors.iter().any(|e| e == "name is required"));
        assert!(errors
            .iter()
            .any(|e| e.contains("questions[1].answerOptions")));
        assert!(errors
            .iter()
            .any(|e| e == "questions[3].questionType is required"));
        assert!(errors.iter().any(|e| e.contains("at most one question")));

        let mut empty = draft();
        empty.questions.clear();
        assert!(empty
            .define(ScorecardId(1), WorkspaceId(2), None, None, now())
            .is_err());
    }

    #[test]
    fn edits_keep_ids_and_revisions_of_what_did_not_change() {
        let old = defined();
        let mut d = draft();
        for (i, q) in d.questions.iter_mut().enumerate() {
            q.id = Some(old.questions[i].id);
        }
        d.questions[1].options[1] = "Timing".into();
        let later = now() + chrono::Duration::days(1);
        let new = d
            .define(old.id, old.workspace_id, Some(&old), Some(UserId(9)), later)
            .unwrap();
        assert_eq!(new.created, old.created);
        assert_eq!(new.creator, Some(UserId(3)));
        assert_eq!(new.updater, Some(UserId(9)));
        assert_eq!(new.questions[0], old.questions[0]);
        let (a, b) = (&old.questions[1], &new.questions[1]);
        assert_eq!(a.id, b.id);
        assert_ne!(a.revision, b.revision);
        assert_eq!(a.options[0], b.options[0]);
        assert_ne!(a.options[1].id, b.options[1].id);

        let mut unknown = draft();
        unknown.questions[0].id = Some(QuestionId(42));
        let e = unknown
            .define(old.id, old.workspace_id, Some(&old), None, later)
            .unwrap_err();
        assert!(e[0].contains("42 is not a question"), "{e:?}");
    }

    #[test]
    fn answers_fit_their_questions() {
        let s = defined();
        let id = |i: usize| s.questions[i].id;
        let answers = s
            .answer(vec![
                AnswerDraft {
                    question_id: id(0),
                    score: Some(4),
                    ..Default::default()
                },
                AnswerDraft {
                    question_id: id(1),
                    options: Some(vec!["budget".into(), "Authority".into()]),
                    ..Default::default()
                },
                AnswerDraft {
                    question_id: id(2),
                    options: Some(vec![s.questions[2].options[1].id.to_string()]),
                    ..Default::default()
                },
            ])
            .unwrap();
        assert_eq!(answers.len(), 4);
        assert_eq!(answers[0].value, AnswerValue::Score(4));
        assert_eq!(answers[0].revision, s.questions[0].revision);
        let o = &s.questions[1].options;
        assert_eq!(
            answers[1].value,
            AnswerValue::Options(vec![o[0].id, o[2].id])
        );
        assert_eq!(answers[3].value, AnswerValue::NotApplicable);

        // The mandatory question unanswered, a score out of range, an unknown option,
        // two options for a yes/no question, an unknown and a repeated question.
        let e = s
            .answer(vec![
                AnswerDraft {
                    question_id: id(1),
                    options: Some(vec!["Budget".into(), "Champion".into()]),
                    ..Default::default()
                },
                AnswerDraft {
                    question_id: id(2),
                    options: Some(vec!["yes".into(), "no".into()]),
                    ..Default::default()
                },
                AnswerDraft {
                    question_id: QuestionId(7),
                    ..Default::default()
                },
                AnswerDraft {
                    question_id: id(3),
                    score: Some(3),
                    ..Default::default()
                },
            ])
            .unwrap_err();
        assert_eq!(e.len(), 5, "{e:?}");
        assert!(e.iter().any(|m| m.contains("is mandatory")));
        assert!(e
            .iter()
            .any(|m| m.contains("\"Champion\" is not an option")));
        assert!(e.iter().any(|m| m.contains("choose one option")));
        assert!(e.iter().any(|m| m.contains("7 is not a question")));
        assert!(e
            .iter()
            .any(|m| m.contains("open-ended question is answered with")));
        let e = s
            .answer(vec![AnswerDraft {
                question_id: id(0),
                score: Some(6),
                ..Default::default()
            }])
            .unwrap_err();
        assert_eq!(e, ["answers[0].score: 6 is not within 1..=5"]);
        for k in QuestionType::ALL {
            assert_eq!(QuestionType::parse(k.key()), Some(*k));
        }
    }
}

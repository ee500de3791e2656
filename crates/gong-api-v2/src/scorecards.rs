//! Scorecards: their definitions (`GET /v2/settings/scorecards`), answered scorecards
//! (`POST /v2/stats/activity/scorecards`), and the bodies Parley takes to define and to
//! fill one (same field names as Gong renders).

use serde::{Deserialize, Serialize};

use parley_domain::scorecard::{
    AnswerDraft, AnswerValue, AnsweredScorecard, Question, QuestionDraft, QuestionId, QuestionType,
    ReviewMethod, Scorecard, ScorecardDraft, Visibility,
};

use crate::calls::RenderCtx;
use crate::{null_as_default, WireId};

/// Gong's 404 when a workspace has no scorecards (its documented text).
pub const SCORECARDS_NOT_FOUND: &str = "Scorecards not found";
/// Gong's 404 when no answered scorecard matches (its documented text).
pub const ANSWERED_NOT_FOUND: &str = "Answered scorecards not found";

/// Choice: Gong shows only `RANGE` (a real response); the other types are named after
/// Gong's UI labels in the same style. Read in any case, with `-` or `_`.
pub fn question_type_name(t: QuestionType) -> &'static str {
    match t {
        QuestionType::Range => "RANGE",
        QuestionType::SingleSelect => "SINGLE_SELECT",
        QuestionType::MultiSelect => "MULTI_SELECT",
        QuestionType::YesNo => "YES_NO",
        QuestionType::OpenEnded => "OPEN_ENDED",
    }
}

pub fn parse_question_type(s: &str) -> Option<QuestionType> {
    let norm = s.trim().to_ascii_uppercase().replace('-', "_");
    QuestionType::ALL
        .iter()
        .copied()
        .find(|t| question_type_name(*t) == norm)
}

/// `MANUAL` is Gong's (a real response); `AUTOMATIC` names its AI-filled scorecards.
pub fn review_method_name(m: ReviewMethod) -> &'static str {
    match m {
        ReviewMethod::Manual => "MANUAL",
        ReviewMethod::Automatic => "AUTOMATIC",
    }
}

pub fn parse_review_method(s: &str) -> Option<ReviewMethod> {
    let norm = s.trim().to_ascii_uppercase();
    ReviewMethod::ALL
        .iter()
        .copied()
        .find(|m| review_method_name(*m) == norm)
}

/// `visibilityType`: Gong's enum.
pub fn visibility_name(v: Visibility) -> &'static str {
    match v {
        Visibility::Public => "PUBLIC",
        Visibility::Private => "PRIVATE",
        Visibility::OptInUsers => "OPT_IN_USERS",
    }
}

pub fn parse_visibility(s: &str) -> Option<Visibility> {
    let norm = s.trim().to_ascii_uppercase().replace('-', "_");
    Visibility::ALL
        .iter()
        .copied()
        .find(|v| visibility_name(*v) == norm)
}

/// Query of `GET /v2/settings/scorecards`. Clients also send `cursor`, `limit`,
/// `fromDateTime`, `toDateTime`: ignored (unknown parameters always are).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ScorecardsQuery {
    /// The workspace's id; every workspace the caller reaches when left out.
    pub workspace_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AnswerOptionWire {
    pub id: String,
    pub text: String,
}

/// One element of `questions`. Choice (§2.4): every id and `minRange`/`maxRange` are
/// strings, as Gong's real response has them; the built-in actor is `"-1"`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionWire {
    pub question_id: String,
    pub question_revision_id: String,
    pub question_text: String,
    pub is_overall: bool,
    pub updater_user_id: String,
    pub question_type: &'static str,
    pub answer_guide: Option<String>,
    pub min_range: Option<String>,
    pub max_range: Option<String>,
    pub answer_options: Vec<AnswerOptionWire>,
    /// Parley's: whether a reviewer must answer it (Gong's UI has the flag; its API shows
    /// none). Clients ignore fields they do not know.
    pub is_mandatory: bool,
    pub created: String,
    pub updated: String,
}

/// One element of `scorecards`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScorecardWire {
    pub scorecard_id: String,
    pub scorecard_name: String,
    pub workspace_id: String,
    pub enabled: bool,
    pub updater_user_id: String,
    pub created: String,
    pub updated: String,
    pub review_method: &'static str,
    pub questions: Vec<QuestionWire>,
}

/// An actor id as Gong writes it: `"-1"` for the system (no user).
fn actor(u: Option<parley_domain::UserId>) -> String {
    u.map_or_else(|| "-1".to_owned(), |u| u.to_string())
}

impl QuestionWire {
    pub fn from_domain(q: &Question, ctx: &RenderCtx) -> QuestionWire {
        QuestionWire {
            question_id: q.id.to_string(),
            question_revision_id: q.revision.to_string(),
            question_text: q.text.clone(),
            is_overall: q.is_overall,
            updater_user_id: actor(q.updater),
            question_type: question_type_name(q.kind),
            answer_guide: q.answer_guide.clone(),
            min_range: q.range.map(|r| r.0.to_string()),
            max_range: q.range.map(|r| r.1.to_string()),
            answer_options: q
                .options
                .iter()
                .map(|o| AnswerOptionWire {
                    id: o.id.to_string(),
                    text: o.text.clone(),
                })
                .collect(),
            is_mandatory: q.mandatory,
            created: ctx.time(q.created),
            updated: ctx.time(q.updated),
        }
    }
}

impl ScorecardWire {
    pub fn from_domain(s: &Scorecard, ctx: &RenderCtx) -> ScorecardWire {
        ScorecardWire {
            scorecard_id: s.id.to_string(),
            scorecard_name: s.name.clone(),
            workspace_id: s.workspace_id.to_string(),
            enabled: s.enabled,
            updater_user_id: actor(s.updater),
            created: ctx.time(s.created),
            updated: ctx.time(s.updated),
            review_method: review_method_name(s.review_method),
            questions: s
                .questions
                .iter()
                .map(|q| QuestionWire::from_domain(q, ctx))
                .collect(),
        }
    }
}

/// `GET /v2/settings/scorecards`. No `records`: the list is not paged.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScorecardsResponse {
    pub request_id: String,
    pub scorecards: Vec<ScorecardWire>,
}

/// `filter` of `POST /v2/stats/activity/scorecards`. Dates are `YYYY-MM-DD` in the
/// company time zone (a date-time is read as its date); `to` bounds are exclusive.
/// Choice: AAG's extras (`reviewerUserIds`, `callIds`, `fromDateTime`, `toDateTime`, the
/// last two as the review window) are supported too.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnsweredScorecardsFilter {
    #[schema(format = Date)]
    pub call_from_date: Option<String>,
    #[schema(format = Date)]
    pub call_to_date: Option<String>,
    #[schema(format = Date)]
    pub review_from_date: Option<String>,
    #[schema(format = Date)]
    pub review_to_date: Option<String>,
    #[schema(format = DateTime)]
    pub from_date_time: Option<String>,
    #[schema(format = DateTime)]
    pub to_date_time: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub scorecard_ids: Option<Vec<WireId>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub reviewed_user_ids: Option<Vec<WireId>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub reviewer_user_ids: Option<Vec<WireId>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub call_ids: Option<Vec<WireId>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnsweredScorecardsRequest {
    pub cursor: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub filter: Option<AnsweredScorecardsFilter>,
}

/// One element of `answers`: exactly one of `score`, `answerText`, `selectedOptions` is
/// set, or none with `notApplicable`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnswerWire {
    pub question_id: String,
    pub question_revision_id: String,
    pub is_overall: bool,
    pub score: Option<i32>,
    pub answer_text: Option<String>,
    pub not_applicable: bool,
    pub selected_options: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnsweredScorecardWire {
    pub answered_scorecard_id: String,
    pub scorecard_id: String,
    pub scorecard_name: String,
    pub call_id: String,
    pub call_start_time: String,
    pub reviewed_user_id: String,
    pub reviewer_user_id: String,
    pub review_time: String,
    pub visibility_type: &'static str,
    pub review_method: &'static str,
    pub answers: Vec<AnswerWire>,
}

/// What an answered scorecard's rendering needs besides itself.
pub struct AnsweredMeta<'a> {
    pub scorecard_name: &'a str,
    pub review_method: ReviewMethod,
    pub call_started: parley_domain::Timestamp,
    /// The overall question of the scorecard, when it (still) has one.
    pub overall: Option<QuestionId>,
}

impl AnsweredScorecardWire {
    pub fn from_domain(
        a: &AnsweredScorecard,
        meta: &AnsweredMeta<'_>,
        ctx: &RenderCtx,
    ) -> AnsweredScorecardWire {
        AnsweredScorecardWire {
            answered_scorecard_id: a.id.to_string(),
            scorecard_id: a.scorecard_id.to_string(),
            scorecard_name: meta.scorecard_name.to_owned(),
            call_id: a.call_id.to_string(),
            call_start_time: ctx.time(meta.call_started),
            reviewed_user_id: a.reviewed_user.to_string(),
            reviewer_user_id: a.reviewer.to_string(),
            review_time: ctx.time(a.reviewed_at),
            visibility_type: visibility_name(a.visibility),
            review_method: review_method_name(meta.review_method),
            answers: a
                .answers
                .iter()
                .map(|x| {
                    let mut w = AnswerWire {
                        question_id: x.question_id.to_string(),
                        question_revision_id: x.revision.to_string(),
                        is_overall: meta.overall == Some(x.question_id),
                        score: None,
                        answer_text: None,
                        not_applicable: false,
                        selected_options: None,
                    };
                    match &x.value {
                        AnswerValue::NotApplicable => w.not_applicable = true,
                        AnswerValue::Score(s) => w.score = Some(*s),
                        AnswerValue::Text(t) => w.answer_text = Some(t.clone()),
                        AnswerValue::Options(ids) => {
                            w.selected_options = Some(ids.iter().map(|i| i.to_string()).collect())
                        }
                    }
                    w
                })
                .collect(),
        }
    }
}

/// `POST /v2/stats/activity/scorecards`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnsweredScorecardsResponse {
    pub request_id: String,
    pub records: crate::Records,
    pub answered_scorecards: Vec<AnsweredScorecardWire>,
}

// Parley's bodies: a definition and a filled scorecard, in the field names Gong renders.

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionInput {
    pub question_id: Option<WireId>,
    #[serde(default)]
    pub question_text: String,
    #[schema(pattern = "^(RANGE|SINGLE_SELECT|MULTI_SELECT|YES_NO|OPEN_ENDED)$")]
    pub question_type: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub is_overall: bool,
    #[serde(default, deserialize_with = "null_as_default", alias = "mandatory")]
    pub is_mandatory: bool,
    pub answer_guide: Option<String>,
    /// A number or a string of digits (Gong renders strings).
    pub min_range: Option<NumberOrText>,
    pub max_range: Option<NumberOrText>,
    /// Option texts, or `{id, text}` objects as Gong renders them (the id keeps it).
    #[serde(default, deserialize_with = "null_as_default")]
    pub answer_options: Vec<OptionInput>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum OptionInput {
    Text(String),
    Object { text: String },
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum NumberOrText {
    Number(i64),
    Text(String),
}

/// The body of `POST /parley/v1/scorecards` and `PUT /parley/v1/scorecards/{id}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScorecardInput {
    pub workspace_id: Option<WireId>,
    #[serde(default, alias = "name")]
    pub scorecard_name: String,
    /// Default true.
    pub enabled: Option<bool>,
    #[schema(pattern = "^(MANUAL|AUTOMATIC)$")]
    pub review_method: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub questions: Vec<QuestionInput>,
}

impl ScorecardInput {
    /// The draft this body states; every field that cannot be read is named.
    pub fn into_draft(self) -> Result<ScorecardDraft, Vec<String>> {
        let mut errors = Vec::new();
        let review_method = match self.review_method.as_deref() {
            None => ReviewMethod::Manual,
            Some(m) => parse_review_method(m).unwrap_or_else(|| {
                errors.push(format!("reviewMethod: {m:?} is not MANUAL or AUTOMATIC"));
                ReviewMethod::Manual
            }),
        };
        let mut questions = Vec::with_capacity(self.questions.len());
        for (i, q) in self.questions.into_iter().enumerate() {
            let kind = match q.question_type.as_deref() {
                None => None,
                Some(t) => {
                    let kind = parse_question_type(t);
                    if kind.is_none() {
                        errors.push(format!(
                            "questions[{i}].questionType: {t:?} is not one of RANGE, SINGLE_SELECT, MULTI_SELECT, YES_NO, OPEN_ENDED"
                        ));
                    }
                    kind
                }
            };
            let mut number = |name: &str, v: Option<NumberOrText>| -> Option<i32> {
                let n = match v? {
                    NumberOrText::Number(n) => i32::try_from(n).ok(),
                    NumberOrText::Text(t) => t.trim().parse().ok(),
                };
                if n.is_none() {
                    errors.push(format!("questions[{i}].{name}: not a whole number"));
                }
                n
            };
            let min = number("minRange", q.min_range);
            let max = number("maxRange", q.max_range);
            let id = match q.question_id {
                None => None,
                Some(w) => match w.numeric() {
                    Some(n) => Some(QuestionId(n)),
                    None => {
                        errors.push(format!(
                            "questions[{i}].questionId: {:?} is not a question of this scorecard",
                            w.0
                        ));
                        None
                    }
                },
            };
            questions.push(QuestionDraft {
                id,
                text: q.question_text,
                kind,
                mandatory: q.is_mandatory,
                is_overall: q.is_overall,
                answer_guide: q.answer_guide,
                min,
                max,
                options: q
                    .answer_options
                    .into_iter()
                    .map(|o| match o {
                        OptionInput::Text(t) | OptionInput::Object { text: t } => t,
                    })
                    .collect(),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ScorecardDraft {
            name: self.scorecard_name,
            enabled: self.enabled.unwrap_or(true),
            review_method,
            questions,
        })
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnswerInput {
    pub question_id: WireId,
    #[serde(default, deserialize_with = "null_as_default")]
    pub not_applicable: bool,
    pub score: Option<i32>,
    pub answer_text: Option<String>,
    /// Option ids or texts.
    pub selected_options: Option<Vec<String>>,
}

/// The body of `POST /parley/v1/calls/{id}/scorecards`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnswerScorecardInput {
    pub scorecard_id: WireId,
    /// Default: the call's host.
    pub reviewed_user_id: Option<WireId>,
    /// Default: the caller (a company key must name one).
    pub reviewer_user_id: Option<WireId>,
    /// Default: now.
    pub review_time: Option<String>,
    /// Default `PUBLIC`.
    pub visibility_type: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub answers: Vec<AnswerInput>,
}

impl AnswerInput {
    /// The draft, or the position's error for a question id that is no id.
    pub fn into_draft(self, i: usize) -> Result<AnswerDraft, String> {
        let question_id = self.question_id.numeric().map(QuestionId).ok_or_else(|| {
            format!(
                "answers[{i}].questionId: {:?} is not a question of this scorecard",
                self.question_id.0
            )
        })?;
        Ok(AnswerDraft {
            question_id,
            not_applicable: self.not_applicable,
            score: self.score,
            options: self.selected_options,
            text: self.answer_text,
        })
    }
}

/// What a filled scorecard's body says beside the scorecard and the users: checked
/// here so the API and the CLI read it alike.
#[derive(Debug, Clone)]
pub struct AnswerParts {
    pub visibility: Visibility,
    pub at: Option<parley_domain::Timestamp>,
    pub answers: Vec<AnswerDraft>,
}

impl AnswerScorecardInput {
    /// The visibility, review time (read in `tz` when it has no offset) and answers (at
    /// most `max_answers`), or every problem found.
    pub fn parts(&self, tz: chrono_tz::Tz, max_answers: usize) -> Result<AnswerParts, Vec<String>> {
        let visibility = match self.visibility_type.as_deref() {
            None => Visibility::Public,
            Some(v) => parse_visibility(v).ok_or_else(|| {
                vec![format!(
                    "visibilityType: {v:?} is not one of PUBLIC, PRIVATE, OPT_IN_USERS"
                )]
            })?,
        };
        let at = self
            .review_time
            .as_deref()
            .map(|t| {
                crate::time::parse_datetime(t, tz).map_err(|e| vec![format!("reviewTime: {e}")])
            })
            .transpose()?;
        if self.answers.len() > max_answers {
            return Err(vec![format!(
                "answers: at most {max_answers} (max_filter_ids)"
            )]);
        }
        let mut answers = Vec::with_capacity(self.answers.len());
        let mut errors = Vec::new();
        for (i, a) in self.answers.iter().cloned().enumerate() {
            match a.into_draft(i) {
                Ok(d) => answers.push(d),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AnswerParts {
            visibility,
            at,
            answers,
        })
    }
}

/// An answered scorecard on Parley's own routes (`/parley/v1/calls/{id}/scorecards`):
/// Gong's fields and the last edit.
///
/// Choice: Gong's answered scorecard (`POST /v2/stats/activity/scorecards`, spec §6.4)
/// has no field for an edit, so the Gong route renders an edited one with its new
/// answers and visibility and its original `reviewTime` (the review it corrects), and
/// only Parley's routes add `editorUserId` and `editTime` (null when never edited).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParleyAnsweredWire {
    #[serde(flatten)]
    pub answered: AnsweredScorecardWire,
    pub editor_user_id: Option<String>,
    pub edit_time: Option<String>,
}

impl ParleyAnsweredWire {
    pub fn from_domain(
        a: &AnsweredScorecard,
        meta: &AnsweredMeta<'_>,
        ctx: &RenderCtx,
    ) -> ParleyAnsweredWire {
        ParleyAnsweredWire {
            answered: AnsweredScorecardWire::from_domain(a, meta, ctx),
            editor_user_id: a.edited.map(|e| e.by.to_string()),
            edit_time: a.edited.map(|e| ctx.time(e.at)),
        }
    }
}

/// The body of `PUT /parley/v1/calls/{id}/scorecards/{answeredScorecardId}`: the answers
/// in full (as when filling it: a question left out is not applicable) and optionally a
/// new `visibilityType`. The scorecard, users and review time of a filled scorecard do
/// not change (delete it and fill another instead).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EditAnsweredInput {
    pub visibility_type: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub answers: Option<Vec<AnswerInput>>,
}

impl EditAnsweredInput {
    /// The new visibility (when given) and answers (at most `max_answers`), or every
    /// problem found.
    pub fn parts(
        &self,
        max_answers: usize,
    ) -> Result<(Option<Visibility>, Vec<AnswerDraft>), Vec<String>> {
        let mut errors = Vec::new();
        let visibility = match self.visibility_type.as_deref() {
            None => None,
            Some(v) => {
                let parsed = parse_visibility(v);
                if parsed.is_none() {
                    errors.push(format!(
                        "visibilityType: {v:?} is not one of PUBLIC, PRIVATE, OPT_IN_USERS"
                    ));
                }
                parsed
            }
        };
        let mut answers = Vec::new();
        match &self.answers {
            None => errors.push("answers is required: the answers in full".to_owned()),
            Some(list) if list.len() > max_answers => {
                errors.push(format!("answers: at most {max_answers} (max_filter_ids)"))
            }
            Some(list) => {
                for (i, a) in list.iter().cloned().enumerate() {
                    match a.into_draft(i) {
                        Ok(d) => answers.push(d),
                        Err(e) => errors.push(e),
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok((visibility, answers))
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_domain::scorecard::*;
    use parley_domain::{CallId, UserId, WorkspaceId};

    fn ctx() -> RenderCtx {
        RenderCtx {
            tz: chrono_tz::Europe::Berlin,
            call_url_prefix: String::new(),
        }
    }

    #[test]
    fn definitions_and_answers_render_in_gongs_shape() {
        let now = chrono::DateTime::parse_from_rfc3339("2023-10-17T19:21:31Z")
            .unwrap()
            .to_utc();
        let input: ScorecardInput = serde_json::from_value(serde_json::json!({
            "workspaceId": "7273476131570014205",
            "scorecardName": "Default Scorecard",
            "questions": [
                {"questionText": "How would you rate this call?", "questionType": "RANGE",
                 "isOverall": true, "minRange": "1", "maxRange": 5, "isMandatory": true},
                {"questionText": "Next step?", "questionType": "yes-no"},
                {"questionText": "Stage", "questionType": "SINGLE_SELECT",
                 "answerOptions": ["Discovery", {"id": "1", "text": "Demo"}]}
            ]
        }))
        .unwrap();
        let mut s = input
            .into_draft()
            .unwrap()
            .define(
                ScorecardId(2872937706428335733),
                WorkspaceId(7273476131570014205),
                None,
                None,
                now,
            )
            .unwrap();
        // Ids are random: fix them for the snapshot.
        for (i, q) in s.questions.iter_mut().enumerate() {
            q.id = QuestionId(3695343427809288026 + i as i64);
            q.revision = 3890503111089027283 + i as i64;
            for (j, o) in q.options.iter_mut().enumerate() {
                o.id = 100 * (i as i64 + 1) + j as i64;
            }
        }
        let answered = AnsweredScorecard {
            id: AnsweredScorecardId(563515258458745),
            scorecard_id: s.id,
            call_id: CallId(7782342274025937895),
            reviewed_user: UserId(234599484848423),
            reviewer: UserId(563515258458746),
            reviewed_at: now + chrono::Duration::days(1),
            visibility: Visibility::Public,
            edited: None,
            answers: s
                .answer(vec![
                    AnswerDraft {
                        question_id: s.questions[0].id,
                        score: Some(4),
                        ..Default::default()
                    },
                    AnswerDraft {
                        question_id: s.questions[2].id,
                        options: Some(vec!["demo".into()]),
                        ..Default::default()
                    },
                ])
                .unwrap(),
        };
        let meta = AnsweredMeta {
            scorecard_name: &s.name,
            review_method: s.review_method,
            call_started: now,
            overall: Some(s.questions[0].id),
        };
        insta::assert_json_snapshot!(serde_json::json!({
            "scorecard": ScorecardWire::from_domain(&s, &ctx()),
            "answered": AnsweredScorecardWire::from_domain(&answered, &meta, &ctx()),
        }));
    }

    #[test]
    fn unreadable_fields_are_named() {
        let input: ScorecardInput = serde_json::from_value(serde_json::json!({
            "scorecardName": "x", "reviewMethod": "ROBOT",
            "questions": [{"questionText": "q", "questionType": "SLIDER", "minRange": "low"}]
        }))
        .unwrap();
        let e = input.into_draft().unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].starts_with("reviewMethod"));
        assert!(e[1].starts_with("questions[0].questionType"));
        assert!(e[2].starts_with("questions[0].minRange"));
        assert_eq!(
            parse_visibility("opt-in-users"),
            Some(Visibility::OptInUsers)
        );
    }
}

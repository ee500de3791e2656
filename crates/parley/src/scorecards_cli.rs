//! `parley scorecards`: definitions (list, show, create, update, delete) and filling one
//! for a call, with the bodies of `/parley/v1/scorecards` and
//! `/parley/v1/calls/{id}/scorecards`.

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use clap::{Args, Subcommand};

use gong_api_v2::scorecards::{
    question_type_name, review_method_name, AnswerScorecardInput, AnsweredMeta, EditAnsweredInput,
    ParleyAnsweredWire, ScorecardInput, ScorecardWire,
};
use parley_app::scorecards::{find_scorecard, AnswerRequest};
use parley_domain::scorecard::Scorecard;
use parley_domain::{AuditAction, UserId};

use crate::manage::{body, hint, Ctx};
use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct ScorecardsArgs {
    /// Print JSON (the records the /parley/v1 route answers with) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: ScorecardsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ScorecardsCommand {
    /// List scorecard definitions.
    List {
        /// Only this workspace's.
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Show one scorecard with its questions.
    Show { id: String },
    /// Define a scorecard from a JSON file (`-` for standard input), the body of
    /// POST /parley/v1/scorecards: {"scorecardName", "workspaceId", "enabled",
    /// "reviewMethod", "questions": [...]}.
    Create {
        #[arg(long)]
        file: PathBuf,
        /// The workspace when the body names none [default: the default workspace].
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Replace a scorecard's definition (the body of PUT /parley/v1/scorecards/{id};
    /// questions keep their ids when the body names them).
    Update {
        id: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Delete a scorecard.
    Delete { id: String },
    /// Fill a scorecard for a call from a JSON file, the body of
    /// POST /parley/v1/calls/{id}/scorecards: {"scorecardId", "reviewerUserId",
    /// "reviewedUserId", "reviewTime", "visibilityType", "answers": [...]}.
    Answer {
        #[arg(long)]
        call: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// List the scorecards filled for a call.
    Answered {
        #[arg(long)]
        call: String,
    },
    /// Edit a filled scorecard in place (same id) from a JSON file, the body of
    /// PUT /parley/v1/calls/{id}/scorecards/{answeredScorecardId}: {"visibilityType",
    /// "answers": [...]} (the answers in full; a question left out is not applicable).
    EditAnswer {
        #[arg(long)]
        call: String,
        /// The answered scorecard's id (`parley scorecards answered --call ...`).
        answered: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Delete a filled scorecard (and its activity event).
    DeleteAnswer {
        #[arg(long)]
        call: String,
        answered: String,
    },
}

const LIST: &str = "parley scorecards list";

/// The write a command makes, for the audit log.
pub fn audited(args: &ScorecardsArgs) -> Option<(AuditAction, Vec<String>)> {
    let target = match &args.command {
        ScorecardsCommand::Create { file, .. } => {
            format!("new scorecard from {}", file.display())
        }
        ScorecardsCommand::Update { id, .. } => format!("scorecard {id}"),
        ScorecardsCommand::Delete { id } => format!("deleted scorecard {id}"),
        ScorecardsCommand::Answer { call, .. } => format!("scorecard of call {call}"),
        ScorecardsCommand::EditAnswer { call, answered, .. } => {
            format!("answered scorecard {answered} of call {call}")
        }
        ScorecardsCommand::DeleteAnswer { call, answered } => {
            format!("deleted answered scorecard {answered} of call {call}")
        }
        ScorecardsCommand::List { .. }
        | ScorecardsCommand::Show { .. }
        | ScorecardsCommand::Answered { .. } => return None,
    };
    Some((AuditAction::DataChanged, vec![target]))
}

fn summary(s: &Scorecard) -> String {
    format!(
        "{}  {:<32}  {}  {}  workspace {}  {} questions",
        s.id,
        s.name,
        if s.enabled { "enabled " } else { "disabled" },
        review_method_name(s.review_method),
        s.workspace_id,
        s.questions.len()
    )
}

fn print_scorecard(s: &Scorecard) {
    println!("{}", summary(s));
    for q in &s.questions {
        let mut flags = Vec::new();
        if q.mandatory {
            flags.push("mandatory".to_owned());
        }
        if q.is_overall {
            flags.push("overall".to_owned());
        }
        if let Some((min, max)) = q.range {
            flags.push(format!("{min}..{max}"));
        }
        println!(
            "  {}  {:<14} {}{}",
            q.id,
            question_type_name(q.kind),
            q.text,
            if flags.is_empty() {
                String::new()
            } else {
                format!("  ({})", flags.join(", "))
            }
        );
    }
}

async fn scorecard(ctx: &Ctx, id: &str) -> Result<Scorecard> {
    find_scorecard(ctx.store(), &ctx.who, id)
        .await
        .map_err(|e| hint(e, &format!("list them with `{LIST}`")))
}

/// A user id of a body: one that is no id names no user.
fn user_of(v: &Option<gong_api_v2::WireId>) -> Result<Option<UserId>> {
    v.as_ref()
        .map(|w| {
            w.numeric().map(UserId).ok_or_else(|| {
                anyhow!(
                    "not found: no user {:?}; `parley users list` shows their ids",
                    w.0
                )
            })
        })
        .transpose()
}

pub async fn run(settings: &Settings, args: &ScorecardsArgs) -> Result<()> {
    let ctx = Ctx::open(settings, args.json).await?;
    let store = ctx.store();
    match &args.command {
        ScorecardsCommand::List { workspace } => {
            let w = match workspace {
                Some(w) => Some(ctx.workspace(Some(w)).await?),
                None => None,
            };
            let list = store.scorecards(w).await?;
            let wire: Vec<ScorecardWire> = list
                .iter()
                .map(|s| ScorecardWire::from_domain(s, &ctx.render))
                .collect();
            ctx.show(&serde_json::json!({ "scorecards": wire }), || {
                for s in &list {
                    println!("{}", summary(s));
                }
            })
        }
        ScorecardsCommand::Show { id } => {
            let s = scorecard(&ctx, id).await?;
            ctx.show(
                &serde_json::json!({ "scorecard": ScorecardWire::from_domain(&s, &ctx.render) }),
                || print_scorecard(&s),
            )
        }
        ScorecardsCommand::Create { file, workspace } => {
            let input: ScorecardInput = body(file)?;
            let named = input.workspace_id.as_ref().map(|w| w.0.clone());
            let w = ctx
                .workspace(named.as_deref().or(workspace.as_deref()))
                .await?;
            let draft = input
                .into_draft()
                .map_err(|p| anyhow!("invalid: {}", p.join("; ")))?;
            let s = parley_app::scorecards::save_scorecard(store, &ctx.who, w, draft, None)
                .await
                .map_err(crate::app_error)?;
            saved(&ctx, &s, "created")
        }
        ScorecardsCommand::Update { id, file } => {
            let existing = scorecard(&ctx, id).await?;
            let input: ScorecardInput = body(file)?;
            let w = match &input.workspace_id {
                Some(w) => ctx.workspace(Some(&w.0)).await?,
                None => existing.workspace_id,
            };
            let draft = input
                .into_draft()
                .map_err(|p| anyhow!("invalid: {}", p.join("; ")))?;
            let s =
                parley_app::scorecards::save_scorecard(store, &ctx.who, w, draft, Some(&existing))
                    .await
                    .map_err(crate::app_error)?;
            saved(&ctx, &s, "updated")
        }
        ScorecardsCommand::Delete { id } => {
            let s = scorecard(&ctx, id).await?;
            parley_app::scorecards::delete_scorecard(store, &s)
                .await
                .map_err(crate::app_error)?;
            ctx.show(&serde_json::json!({ "deleted": s.id.to_string() }), || {
                println!("scorecard {} deleted", s.id)
            })
        }
        ScorecardsCommand::Answer { call: c, file } => {
            let call = crate::manage::call(&ctx, c).await?;
            let input: AnswerScorecardInput = body(file)?;
            let s = scorecard(&ctx, &input.scorecard_id.0).await?;
            let parts = input
                .parts(ctx.tz(), ctx.settings.max_filter_ids)
                .map_err(|p| anyhow!("invalid: {}", p.join("; ")))?;
            let answered = parley_app::scorecards::answer_scorecard(
                store,
                &ctx.who,
                &call,
                AnswerRequest {
                    reviewed: user_of(&input.reviewed_user_id)?,
                    reviewer: user_of(&input.reviewer_user_id)?,
                    at: parts.at,
                    visibility: parts.visibility,
                    answers: parts.answers,
                    scorecard: s.clone(),
                },
            )
            .await
            .map_err(crate::app_error)?;
            let meta = AnsweredMeta {
                scorecard_name: &s.name,
                review_method: s.review_method,
                call_started: call.started,
                overall: s.questions.iter().find(|q| q.is_overall).map(|q| q.id),
            };
            let wire = ParleyAnsweredWire::from_domain(&answered, &meta, &ctx.render);
            ctx.show(&serde_json::json!({ "answeredScorecard": wire }), || {
                println!(
                    "scorecard {} filled for call {} (answered scorecard {}, reviewer {}, reviewed {})",
                    s.id, call.id, answered.id, answered.reviewer, answered.reviewed_user
                )
            })
        }
        ScorecardsCommand::Answered { call: c } => {
            let call = crate::manage::call(&ctx, c).await?;
            let list = parley_app::scorecards::answered_for_call(
                store,
                call.id,
                None,
                ctx.settings.page_size,
            )
            .await
            .map_err(crate::app_error)?;
            let wire: Vec<ParleyAnsweredWire> = list
                .iter()
                .map(|(r, overall)| {
                    ParleyAnsweredWire::from_domain(
                        &r.answered,
                        &AnsweredMeta {
                            scorecard_name: &r.scorecard_name,
                            review_method: r.review_method,
                            call_started: r.call_started,
                            overall: *overall,
                        },
                        &ctx.render,
                    )
                })
                .collect();
            ctx.show(&serde_json::json!({ "answeredScorecards": wire }), || {
                for (r, _) in &list {
                    let a = &r.answered;
                    println!(
                        "{}  {:<32}  reviewed {}  by {}  at {}  {} answers{}",
                        a.id,
                        r.scorecard_name,
                        a.reviewed_user,
                        a.reviewer,
                        ctx.render.time(a.reviewed_at),
                        a.answers.len(),
                        a.edited.map_or_else(String::new, |e| format!(
                            "  edited by {} at {}",
                            e.by,
                            ctx.render.time(e.at)
                        ))
                    );
                }
            })
        }
        ScorecardsCommand::EditAnswer {
            call: c,
            answered,
            file,
        } => {
            let (_, found) = answered_of(&ctx, c, answered).await?;
            let input: EditAnsweredInput = body(file)?;
            let (visibility, answers) = input
                .parts(ctx.settings.max_filter_ids)
                .map_err(|p| anyhow!("invalid: {}", p.join("; ")))?;
            let edited = parley_app::scorecards::edit_answered(
                store,
                &ctx.who,
                &found,
                parley_app::scorecards::AnswerChange {
                    visibility,
                    answers,
                },
            )
            .await
            .map_err(crate::app_error)?;
            let overall = store
                .get_scorecard(found.answered.scorecard_id)
                .await?
                .and_then(|s| s.questions.iter().find(|q| q.is_overall).map(|q| q.id));
            let meta = AnsweredMeta {
                scorecard_name: &found.scorecard_name,
                review_method: found.review_method,
                call_started: found.call_started,
                overall,
            };
            let wire = ParleyAnsweredWire::from_domain(&edited, &meta, &ctx.render);
            ctx.show(&serde_json::json!({ "answeredScorecard": wire }), || {
                println!("answered scorecard {} edited", edited.id)
            })
        }
        ScorecardsCommand::DeleteAnswer { call: c, answered } => {
            let (_, found) = answered_of(&ctx, c, answered).await?;
            parley_app::scorecards::delete_answered(store, &ctx.who, &found)
                .await
                .map_err(crate::app_error)?;
            ctx.show(
                &serde_json::json!({ "deleted": found.answered.id.to_string() }),
                || println!("answered scorecard {} deleted", found.answered.id),
            )
        }
    }
}

/// The call `c` and its filled scorecard `answered`, as the CLI's principal sees them.
async fn answered_of(
    ctx: &Ctx,
    c: &str,
    answered: &str,
) -> Result<(parley_domain::Call, parley_store::AnsweredRecord)> {
    let call = crate::manage::call(ctx, c).await?;
    let found = parley_app::scorecards::find_answered(ctx.store(), &ctx.who, &call, answered)
        .await
        .map_err(|e| {
            hint(
                e,
                &format!("list them with `parley scorecards answered --call {c}`"),
            )
        })?;
    Ok((call, found))
}

fn saved(ctx: &Ctx, s: &Scorecard, done: &str) -> Result<()> {
    ctx.show(
        &serde_json::json!({ "scorecard": ScorecardWire::from_domain(s, &ctx.render) }),
        || {
            println!("scorecard {} {done}", s.id);
            print_scorecard(s);
        },
    )
}

//! `parley rules`: automation rules (list, show, create, update, delete), their delivery
//! logs, replays, test sends and the webhook public key, with the bodies of
//! `/parley/v1/automation/rules`. Deliveries are sent by the workers of `parley serve`
//! or `parley worker`.

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use clap::{Args, Subcommand};

use gong_api_v2::automation::{DeliveryView, RuleBody, RuleView};
use parley_app::automation::RuleInput;
use parley_domain::automation::{DeliveryId, RuleId};
use parley_domain::{AuditAction, CallId};

use crate::manage::{body, hint, Ctx};
use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print JSON (the records the /parley/v1 route answers with) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List automation rules.
    List {
        /// Only this workspace's.
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Show one rule.
    Show { id: String },
    /// Create a rule from a JSON file (`-` for standard input), the body of
    /// POST /parley/v1/automation/rules: {"name", "workspaceId", "enabled", "filter",
    /// "actions": [{"type": "Webhook", "url", "auth": "Jwt"|"SecretInUrl"}],
    /// "applyToPastCalls"}.
    Create {
        #[arg(long)]
        file: PathBuf,
    },
    /// Replace a rule's definition from a JSON file (the body of PUT …/rules/{id}).
    Update {
        id: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Delete a rule and its delivery log.
    Delete { id: String },
    /// A rule's delivery log, newest first.
    Deliveries {
        id: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Send a delivery again (same delivery id).
    Replay { id: String, delivery: String },
    /// Send a real call to the rule's webhooks with isTest: true.
    Test {
        id: String,
        /// The call (default: the workspace's latest analysed call).
        #[arg(long)]
        call: Option<String>,
    },
    /// Print the public key (PEM) webhook JWTs are signed with.
    PublicKey,
}

const LIST: &str = "list them with `parley rules list`";

pub fn audited(args: &RulesArgs) -> Option<(AuditAction, Vec<String>)> {
    let target = match &args.command {
        RulesCommand::Create { file } => format!("new automation rule from {}", file.display()),
        RulesCommand::Update { id, file } => {
            format!("automation rule {id} from {}", file.display())
        }
        RulesCommand::Delete { id } => format!("deleted automation rule {id}"),
        RulesCommand::Replay { id, delivery } => {
            format!("replayed delivery {delivery} of automation rule {id}")
        }
        RulesCommand::Test { id, .. } => format!("test of automation rule {id}"),
        RulesCommand::List { .. }
        | RulesCommand::Show { .. }
        | RulesCommand::Deliveries { .. }
        | RulesCommand::PublicKey => return None,
    };
    Some((AuditAction::DataChanged, vec![target]))
}

fn rule_id(id: &str) -> Result<RuleId> {
    parley_domain::parse_id(id.trim())
        .map(RuleId)
        .map_err(|_| anyhow!("not found: no automation rule {id:?}; {LIST}"))
}

fn line(r: &RuleView) -> String {
    format!(
        "{}  {:<32}  {}  workspace {}  {} action(s){}",
        r.id,
        r.name,
        if r.enabled { "enabled " } else { "disabled" },
        r.workspace_id,
        r.actions.len(),
        r.disabled_reason
            .as_deref()
            .map(|d| format!("  ({d})"))
            .unwrap_or_default()
    )
}

fn delivery_line(d: &DeliveryView) -> String {
    format!(
        "{}  {}  call {}  {:<9}  attempts {}  {}{}{}",
        d.created,
        d.id,
        d.call_id,
        d.state,
        d.attempts,
        d.response_code
            .map(|c| format!("status {c}"))
            .unwrap_or_else(|| "no answer".into()),
        d.latency_ms
            .map(|l| format!("  {l} ms"))
            .unwrap_or_default(),
        d.error
            .as_deref()
            .map(|e| format!("  {e}"))
            .unwrap_or_default(),
    )
}

async fn input(ctx: &Ctx, b: RuleBody) -> Result<(RuleInput, bool)> {
    let workspace_id = ctx.workspace(b.workspace_id.as_deref()).await?;
    let actions = b
        .actions()
        .map_err(|p| crate::app_error(parley_app::AppError::Invalid(p)))?;
    Ok((
        RuleInput {
            workspace_id,
            name: b.name,
            enabled: b.enabled,
            filter: b.filter,
            actions,
        },
        b.apply_to_past_calls,
    ))
}

pub async fn run(settings: &Settings, args: &RulesArgs) -> Result<()> {
    let ctx = Ctx::open(settings, args.json).await?;
    let store = ctx.store();
    let limits = settings.limits();
    let show_rule = |rule: &parley_domain::automation::Rule, verb: &str| {
        let view = RuleView::of(rule, ctx.tz());
        ctx.show(&serde_json::json!({ "rule": view }), || {
            println!("{verb}{}", line(&view));
            println!(
                "{}",
                serde_json::to_string_pretty(&view.filter).unwrap_or_default()
            );
        })
    };
    match &args.command {
        RulesCommand::List { workspace } => {
            let w = match workspace {
                Some(w) => Some(ctx.workspace(Some(w)).await?),
                None => None,
            };
            let rules = parley_app::automation::list(store, &ctx.who, w)
                .await
                .map_err(crate::app_error)?;
            let wire: Vec<RuleView> = rules.iter().map(|r| RuleView::of(r, ctx.tz())).collect();
            ctx.show(&serde_json::json!({ "rules": wire }), || {
                for r in &wire {
                    println!("{}", line(r));
                }
            })
        }
        RulesCommand::Show { id } => {
            let rule = parley_app::automation::get(store, &ctx.who, rule_id(id)?)
                .await
                .map_err(|e| hint(e, LIST))?;
            show_rule(&rule, "")
        }
        RulesCommand::Create { file } => {
            let (input, past) = input(&ctx, body(file)?).await?;
            let rule = parley_app::automation::create(store, &ctx.who, input, &limits, past)
                .await
                .map_err(crate::app_error)?;
            show_rule(&rule, "rule created: ")
        }
        RulesCommand::Update { id, file } => {
            let id = rule_id(id)?;
            let mut b: RuleBody = body(file)?;
            if b.workspace_id.is_none() {
                let current = parley_app::automation::get(store, &ctx.who, id)
                    .await
                    .map_err(|e| hint(e, LIST))?;
                b.workspace_id = Some(current.workspace_id.to_string());
            }
            let (input, past) = input(&ctx, b).await?;
            let rule = parley_app::automation::update(store, &ctx.who, id, input, &limits, past)
                .await
                .map_err(|e| hint(e, LIST))?;
            show_rule(&rule, "rule updated: ")
        }
        RulesCommand::Delete { id } => {
            parley_app::automation::delete(store, &ctx.who, rule_id(id)?)
                .await
                .map_err(|e| hint(e, LIST))?;
            ctx.show(&serde_json::json!({ "deleted": id }), || {
                println!("rule {id} deleted")
            })
        }
        RulesCommand::Deliveries { id, limit } => {
            let max = limits.max_deliveries_page as u32;
            if *limit == 0 || *limit > max {
                return Err(anyhow!(
                    "invalid: --limit must be 1 to {max} (max_deliveries_page)"
                ));
            }
            let log =
                parley_app::automation::deliveries(store, &ctx.who, rule_id(id)?, None, *limit)
                    .await
                    .map_err(|e| hint(e, LIST))?;
            let wire: Vec<DeliveryView> =
                log.iter().map(|d| DeliveryView::of(d, ctx.tz())).collect();
            ctx.show(&serde_json::json!({ "deliveries": wire }), || {
                for d in &wire {
                    println!("{}", delivery_line(d));
                }
            })
        }
        RulesCommand::Replay { id, delivery } => {
            let d = parley_domain::parse_id(delivery.trim())
                .map(DeliveryId)
                .map_err(|_| anyhow!("not found: no delivery {delivery:?}; list them with `parley rules deliveries {id}`"))?;
            parley_app::automation::replay(store, &ctx.who, rule_id(id)?, d)
                .await
                .map_err(crate::app_error)?;
            ctx.show(&serde_json::json!({ "deliveryIds": [delivery] }), || {
                println!("delivery {delivery} queued again")
            })
        }
        RulesCommand::Test { id, call } => {
            let call = match call {
                Some(c) => Some(CallId(
                    parley_domain::parse_id(c.trim())
                        .map_err(|_| anyhow!("not found: no call {c:?}"))?,
                )),
                None => None,
            };
            let (call, ids) =
                parley_app::automation::send_test(store, &ctx.who, rule_id(id)?, call)
                    .await
                    .map_err(crate::app_error)?;
            let ids: Vec<String> = ids.iter().map(|d| d.to_string()).collect();
            ctx.show(
                &serde_json::json!({ "callId": call.to_string(), "deliveryIds": ids }),
                || println!("test of call {call} queued: {}", ids.join(", ")),
            )
        }
        RulesCommand::PublicKey => {
            let keys = parley_app::webhooks::SigningKeys::new(settings.webhook_key_file());
            let signer = keys.load().map_err(|e| anyhow!("{e}"))?;
            print!("{}", signer.public_pem);
            Ok(())
        }
    }
}

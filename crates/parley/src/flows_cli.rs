//! `parley flows`: Engage flows (list, create, delete), with the body of
//! `/parley/v1/flows`.

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use clap::{Args, Subcommand};

use gong_api_v2::flows::{FlowView, NewFlowBody};
use parley_app::flows::NewFlow;
use parley_domain::{AuditAction, FlowId};

use crate::manage::{body, hint, Ctx};
use crate::settings::Settings;

/// Flows listed at once, at most (as the route).
const MAX_LISTED: u32 = 1_000;

#[derive(Debug, Args)]
pub struct FlowsArgs {
    /// Print JSON (the records the /parley/v1 route answers with) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: FlowsCommand,
}

#[derive(Debug, Subcommand)]
pub enum FlowsCommand {
    /// List flows.
    List {
        /// Only this workspace's.
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Create a flow from a JSON file (`-` for standard input), the body of
    /// POST /parley/v1/flows: {"name", "ownerEmail", "workspaceId", "visibility",
    /// "folderName", "exclusive"}.
    Create {
        #[arg(long)]
        file: PathBuf,
    },
    /// Delete a flow.
    Delete { id: String },
}

const LIST: &str = "list them with `parley flows list`";

pub fn audited(args: &FlowsArgs) -> Option<(AuditAction, Vec<String>)> {
    let target = match &args.command {
        FlowsCommand::Create { file } => format!("new flow from {}", file.display()),
        FlowsCommand::Delete { id } => format!("deleted flow {id}"),
        FlowsCommand::List { .. } => return None,
    };
    Some((AuditAction::DataChanged, vec![target]))
}

fn line(f: &FlowView) -> String {
    format!(
        "{}  {:<32}  {:<8}  owner {}  workspace {}{}{}",
        f.id,
        f.name,
        f.visibility,
        f.owner_user_id,
        f.workspace_id,
        if f.exclusive { "  exclusive" } else { "" },
        f.folder_name
            .as_deref()
            .map(|n| format!("  folder {n}"))
            .unwrap_or_default()
    )
}

pub async fn run(settings: &Settings, args: &FlowsArgs) -> Result<()> {
    let ctx = Ctx::open(settings, args.json).await?;
    let store = ctx.store();
    match &args.command {
        FlowsCommand::List { workspace } => {
            let w = match workspace {
                Some(w) => Some(ctx.workspace(Some(w)).await?),
                None => None,
            };
            let (flows, _) =
                parley_app::flows::list(store, &ctx.who, None, w, None, MAX_LISTED, false)
                    .await
                    .map_err(crate::app_error)?;
            let wire: Vec<FlowView> = flows.iter().map(|f| FlowView::of(f, ctx.tz())).collect();
            ctx.show(&serde_json::json!({ "flows": wire }), || {
                for f in &wire {
                    println!("{}", line(f));
                }
            })
        }
        FlowsCommand::Create { file } => {
            let b: NewFlowBody = body(file)?;
            let visibility = b.visibility().map_err(|m| anyhow!("invalid: {m}"))?;
            let workspace_id = b.workspace().map_err(|m| {
                anyhow!("not found: {m}; give a workspace id (GET /v2/workspaces lists them)")
            })?;
            // A fresh install's default workspace is made here, as the server makes it.
            let workspace_id = match workspace_id {
                Some(w) => Some(w),
                None => Some(ctx.workspace(None).await?),
            };
            let flow = parley_app::flows::create(
                store,
                &ctx.who,
                NewFlow {
                    workspace_id,
                    name: b.name,
                    owner_email: b.owner_email,
                    visibility,
                    folder: b.folder_name,
                    exclusive: b.exclusive.unwrap_or(false),
                },
                chrono::Utc::now(),
            )
            .await
            .map_err(crate::app_error)?;
            let view = FlowView::of(&flow, ctx.tz());
            ctx.show(&serde_json::json!({ "flow": view }), || {
                println!("flow created: {}", line(&view))
            })
        }
        FlowsCommand::Delete { id } => {
            let n = parley_domain::parse_id(id.trim())
                .map_err(|_| anyhow!("not found: no flow {id:?}; {LIST}"))?;
            parley_app::flows::delete(store, &ctx.who, FlowId(n))
                .await
                .map_err(|e| hint(e, LIST))?;
            ctx.show(&serde_json::json!({ "deleted": id }), || {
                println!("flow {id} deleted")
            })
        }
    }
}

//! `parley crm-connectors` (a workspace's CRM connectors, with the body of
//! `/parley/v1/crm/connectors`; secrets are never printed) and `parley crm-writes` (a
//! call's CRM writes, and running a CRM field action against a call here and now).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use clap::{Args, Subcommand};

use gong_api_v2::crm_writeback::{ConnectorBody, ConnectorView, CrmActionBody, CrmWriteView};
use parley_app::worker::Workers;
use parley_domain::crm_write::CrmWriteState;
use parley_domain::{AuditAction, CallId, JobKind};

use crate::manage::{body, Ctx};
use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct ConnectorsArgs {
    /// Print JSON (the records the /parley/v1 route answers with) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: ConnectorsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConnectorsCommand {
    /// List connectors (secrets shown as <redacted>).
    List,
    /// Show one connector.
    Show { id: String },
    /// Create a connector from a JSON file (`-` for standard input), the body of
    /// POST /parley/v1/crm/connectors: {"name", "kind": "salesforce"|"hubspot"|"parley",
    /// "workspaceId", and per kind "loginUrl", "auth", "clientId", "clientSecret",
    /// "username", "privateKey", "baseUrl", "token"… (docs/crm.md).
    Create {
        #[arg(long)]
        file: PathBuf,
    },
    /// Replace a connector's settings (secrets left out are kept).
    Update {
        id: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Delete a connector.
    Delete { id: String },
}

#[derive(Debug, Args)]
pub struct WritesArgs {
    /// Print JSON (the records the /parley/v1 route answers with) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: WritesCommand,
}

#[derive(Debug, Subcommand)]
pub enum WritesCommand {
    /// A call's CRM writes, oldest first.
    List {
        #[arg(long)]
        call: String,
    },
    /// Run a CRM field action against one call now and print how it went. The action is
    /// a JSON file (`-` for standard input): {"tracker": "Competitors", "objectType":
    /// "Opportunity", "field": "Main_Competitors__c", "mergeWithCurrent": true,
    /// "connectorId": "…"}.
    Run {
        #[arg(long)]
        call: String,
        #[arg(long)]
        file: PathBuf,
        /// Only queue it (a server's workers run it).
        #[arg(long)]
        no_wait: bool,
    },
}

pub fn audited_connectors(args: &ConnectorsArgs) -> Option<(AuditAction, Vec<String>)> {
    let target = match &args.command {
        ConnectorsCommand::Create { file } => {
            format!("new crm connector from {}", file.display())
        }
        ConnectorsCommand::Update { id, .. } => format!("changed crm connector {id}"),
        ConnectorsCommand::Delete { id } => format!("deleted crm connector {id}"),
        ConnectorsCommand::List | ConnectorsCommand::Show { .. } => return None,
    };
    Some((AuditAction::DataChanged, vec![target]))
}

pub fn audited_writes(args: &WritesArgs) -> Option<(AuditAction, Vec<String>)> {
    match &args.command {
        WritesCommand::Run { call, .. } => Some((
            AuditAction::DataChanged,
            vec![format!("crm field action on call {call}")],
        )),
        WritesCommand::List { .. } => None,
    }
}

fn connector_line(c: &ConnectorView) -> String {
    let secrets: Vec<&str> = c.secrets.keys().map(String::as_str).collect();
    format!(
        "{}  {:<24}  {:<10}  workspace {}  {}{}",
        c.id,
        c.name,
        c.kind,
        c.workspace_id,
        c.settings,
        if secrets.is_empty() {
            String::new()
        } else {
            format!("  secrets: {} (redacted)", secrets.join(", "))
        }
    )
}

fn write_line(w: &CrmWriteView) -> String {
    format!(
        "{}  {:<8}  {} {} field {}  attempts {}{}{}",
        w.id,
        w.state,
        w.action.object_type,
        w.object_id.as_deref().unwrap_or("-"),
        w.action.field,
        w.attempts,
        w.value
            .as_deref()
            .map(|v| format!("  value {v:?}"))
            .unwrap_or_default(),
        w.outcome
            .as_deref()
            .map(|o| format!("  ({o})"))
            .unwrap_or_default()
    )
}

pub async fn run_connectors(settings: &Settings, args: &ConnectorsArgs) -> Result<()> {
    let ctx = Ctx::open(settings, args.json).await?;
    let store = ctx.store();
    let show_one = |s: parley_app::crm_connectors::Shown| -> Result<()> {
        let v = ConnectorView::of(&s.connector, &s.held);
        ctx.show(&serde_json::json!({ "connector": v }), || {
            println!("{}", connector_line(&v))
        })
    };
    match &args.command {
        ConnectorsCommand::List => {
            let list = parley_app::crm_connectors::list(store, &ctx.who)
                .await
                .map_err(crate::app_error)?;
            let wire: Vec<ConnectorView> = list
                .iter()
                .map(|s| ConnectorView::of(&s.connector, &s.held))
                .collect();
            ctx.show(&serde_json::json!({ "connectors": wire }), || {
                for c in &wire {
                    println!("{}", connector_line(c));
                }
            })
        }
        ConnectorsCommand::Show { id } => {
            let c = parley_app::crm_connectors::get(store, &ctx.who, id)
                .await
                .map_err(crate::app_error)?;
            show_one(
                parley_app::crm_connectors::view(store, &c)
                    .await
                    .map_err(crate::app_error)?,
            )
        }
        ConnectorsCommand::Create { file } => {
            let b: ConnectorBody = body(file)?;
            let mut input = b.into_domain();
            if input.workspace_id.is_none() {
                // A fresh install's default workspace is made here, as the server makes it.
                input.workspace_id = Some(ctx.workspace(None).await?.to_string());
            }
            show_one(
                parley_app::crm_connectors::create(store, &ctx.who, &input)
                    .await
                    .map_err(crate::app_error)?,
            )
        }
        ConnectorsCommand::Update { id, file } => {
            let b: ConnectorBody = body(file)?;
            show_one(
                parley_app::crm_connectors::update(store, &ctx.who, id, &b.into_domain())
                    .await
                    .map_err(crate::app_error)?,
            )
        }
        ConnectorsCommand::Delete { id } => {
            parley_app::crm_connectors::delete(store, &ctx.who, id)
                .await
                .map_err(crate::app_error)?;
            ctx.show(&serde_json::json!({}), || {
                println!("deleted crm connector {id}")
            })
        }
    }
}

fn call_id(id: &str) -> Result<CallId> {
    parley_domain::parse_id(id.trim())
        .map(CallId)
        .map_err(|_| anyhow!("not found: call {id:?}; list calls with GET /v2/calls"))
}

pub async fn run_writes(settings: &Settings, args: &WritesArgs) -> Result<()> {
    let ctx = Ctx::open(settings, args.json).await?;
    let store = ctx.store();
    match &args.command {
        WritesCommand::List { call } => {
            let writes = parley_app::crm_writeback::writes_of_call(store, &ctx.who, call_id(call)?)
                .await
                .map_err(crate::app_error)?;
            let wire: Vec<CrmWriteView> = writes.iter().map(CrmWriteView::of).collect();
            ctx.show(&serde_json::json!({ "writes": wire }), || {
                for w in &wire {
                    println!("{}", write_line(w));
                }
            })
        }
        WritesCommand::Run {
            call,
            file,
            no_wait,
        } => {
            let b: CrmActionBody = body(file)?;
            let action = b
                .into_domain()
                .map_err(|p| anyhow!("invalid: {}", p.join("; ")))?;
            let mut write =
                parley_app::crm_writeback::run_by_hand(store, &ctx.who, call_id(call)?, &action)
                    .await
                    .map_err(crate::app_error)?;
            if !*no_wait {
                // Runs the write's job here once, with the outbound policy a server's
                // workers use; a transient failure leaves it queued for their retries.
                let workers = Workers {
                    store: ctx.store.clone(),
                    blobs: parley_blob::BlobStore::open(&ctx.settings.media_url())?,
                    transcriber: None,
                    config: ctx.settings.worker_config()?,
                    fetch: Some(std::sync::Arc::new(ctx.settings.fetch_policy()?)),
                    llm: None,
                    webhooks: None,
                };
                let name = format!("{}-cli", workers.config.name);
                while write.state == CrmWriteState::Pending {
                    if !workers.run_next(&name, &[JobKind::CrmWrite]).await? {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                    write = store
                        .crm_write(write.id)
                        .await?
                        .ok_or_else(|| anyhow!("the crm write vanished"))?;
                    if write.attempts > 0 && write.state == CrmWriteState::Pending {
                        eprintln!("the write failed for now and stays queued: a server's workers retry it");
                        break;
                    }
                }
            }
            let view = CrmWriteView::of(&write);
            ctx.show(&serde_json::json!({ "write": view }), || {
                println!("{}", write_line(&view))
            })?;
            if write.state == CrmWriteState::Failed {
                bail!(
                    "the crm write failed: {}",
                    write.outcome.as_deref().unwrap_or("no reason recorded")
                );
            }
            Ok(())
        }
    }
}

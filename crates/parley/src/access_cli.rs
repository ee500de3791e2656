//! `parley access`: calls granted to single users (show, grant, revoke), with the bodies
//! of Gong's `/v2/calls/users-access`.

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use clap::{Args, Subcommand};

use gong_api_v2::access::{CallAccessChange, CallAccessResponse};
use parley_domain::{AuditAction, CallId};

use crate::manage::{body, hint, Ctx};
use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct AccessArgs {
    /// Print JSON (the records the route answers with) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: AccessCommand,
}

#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// The users each call is granted to.
    Show {
        #[arg(required = true)]
        calls: Vec<String>,
    },
    /// Grant calls to users from a JSON file (`-` for standard input), the body of
    /// PUT /v2/calls/users-access: {"callAccessList": [{"callId", "userIds": [...]}]}.
    Grant {
        #[arg(long)]
        file: PathBuf,
    },
    /// Take grants back (the body of DELETE /v2/calls/users-access, same shape).
    Revoke {
        #[arg(long)]
        file: PathBuf,
    },
}

const WHAT_TO_DO: &str =
    "name calls that exist (GET /v2/calls) and users that exist (`parley users list`)";

pub fn audited(args: &AccessArgs) -> Option<(AuditAction, Vec<String>)> {
    let target = match &args.command {
        AccessCommand::Grant { file } => format!("call access granted from {}", file.display()),
        AccessCommand::Revoke { file } => format!("call access revoked from {}", file.display()),
        AccessCommand::Show { .. } => return None,
    };
    Some((AuditAction::DataChanged, vec![target]))
}

fn change(file: &std::path::Path) -> Result<Vec<(CallId, Vec<parley_domain::UserId>)>> {
    let req: CallAccessChange = body(file)?;
    req.into_domain()
        .map_err(|m| anyhow!("not found: {}; {WHAT_TO_DO}", m.to_lowercase()))
}

pub async fn run(settings: &Settings, args: &AccessArgs) -> Result<()> {
    let ctx = Ctx::open(settings, args.json).await?;
    let store = ctx.store();
    match &args.command {
        AccessCommand::Show { calls } => {
            let ids = calls
                .iter()
                .map(|c| {
                    parley_domain::parse_id(c.trim()).map(CallId).map_err(|_| {
                        anyhow!("not found: no call {c:?}; give the ids of existing calls")
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let grants = parley_app::grants::granted(store, &ctx.who, &ids)
                .await
                .map_err(|e| hint(e, WHAT_TO_DO))?;
            ctx.show(
                &CallAccessResponse::from_domain(String::new(), &grants),
                || {
                    for (call, users) in &grants {
                        let users: Vec<String> = users.iter().map(|u| u.to_string()).collect();
                        println!(
                            "call {call}: {}",
                            if users.is_empty() {
                                "granted to nobody".to_owned()
                            } else {
                                format!("granted to {}", users.join(", "))
                            }
                        );
                    }
                },
            )
        }
        AccessCommand::Grant { file } => {
            let list = change(file)?;
            parley_app::grants::grant(store, &ctx.who, &list, chrono::Utc::now())
                .await
                .map_err(|e| hint(e, WHAT_TO_DO))?;
            let n: usize = list.iter().map(|(_, u)| u.len()).sum();
            ctx.show(&serde_json::json!({ "granted": n }), || {
                println!("{n} grants of {} calls made", list.len())
            })
        }
        AccessCommand::Revoke { file } => {
            let list = change(file)?;
            parley_app::grants::revoke(store, &ctx.who, &list)
                .await
                .map_err(|e| hint(e, WHAT_TO_DO))?;
            let n: usize = list.iter().map(|(_, u)| u.len()).sum();
            ctx.show(&serde_json::json!({ "revoked": n }), || {
                println!("{n} grants of {} calls revoked", list.len())
            })
        }
    }
}

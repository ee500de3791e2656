//! `parley meetings`: scheduled meetings (list, create, update, delete) with the bodies of
//! Gong's `/v2/meetings` (the listing is `/parley/v1/meetings`').

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use clap::{Args, Subcommand};

use gong_api_v2::meetings::{MeetingRequest, MeetingView};
use parley_domain::meeting::{Meeting, MeetingInput};
use parley_domain::AuditAction;

use crate::manage::{body, hint, Ctx};
use crate::settings::Settings;

/// The most meetings one listing prints (narrow the window for more), as the route.
/// Meetings read from the store at once.
const PAGE: u32 = 500;

#[derive(Debug, Args)]
pub struct MeetingsArgs {
    /// Print JSON (the records the routes answer with) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: MeetingsCommand,
}

#[derive(Debug, Subcommand)]
pub enum MeetingsCommand {
    /// List a workspace's meetings, with the call that recorded each.
    List {
        /// The workspace [default: the default workspace].
        #[arg(long)]
        workspace: Option<String>,
        /// Only meetings starting at or after this date-time (company time zone unless
        /// it has an offset).
        #[arg(long)]
        from: Option<String>,
        /// Only meetings starting before this date-time.
        #[arg(long)]
        to: Option<String>,
    },
    /// Schedule a meeting from a JSON file (`-` for standard input), the body of
    /// POST /v2/meetings: {"startTime", "endTime", "invitees", "organizerEmail", "title",
    /// "externalId"}.
    Create {
        #[arg(long)]
        file: PathBuf,
        /// The workspace [default: the default workspace].
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Change a meeting (the body of PUT /v2/meetings/{id}; it names the organiser).
    Update {
        id: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Delete a meeting of this organiser.
    Delete {
        id: String,
        #[arg(long)]
        organizer_email: String,
    },
}

const LIST: &str = "list them with `parley meetings list [--workspace ID]`";

pub fn audited(args: &MeetingsArgs) -> Option<(AuditAction, Vec<String>)> {
    let target = match &args.command {
        MeetingsCommand::Create { file, .. } => format!("new meeting from {}", file.display()),
        MeetingsCommand::Update { id, .. } => format!("meeting {id}"),
        MeetingsCommand::Delete { id, .. } => format!("deleted meeting {id}"),
        MeetingsCommand::List { .. } => return None,
    };
    Some((AuditAction::DataChanged, vec![target]))
}

fn line(ctx: &Ctx, m: &Meeting) -> String {
    format!(
        "{}  {}  {}  {:<32}  organiser {}  {} invitees  {}{}",
        m.id,
        ctx.render.time(m.start),
        ctx.render.time(m.end),
        m.title.as_deref().unwrap_or("(no title)"),
        m.organizer,
        m.invitees.len(),
        m.url,
        m.call_id
            .map(|c| format!("  recorded by call {c}"))
            .unwrap_or_default()
    )
}

fn input(ctx: &Ctx, file: &std::path::Path) -> Result<MeetingInput> {
    let req: MeetingRequest = body(file)?;
    req.into_input(ctx.tz())
        .map_err(|p| anyhow!("invalid: {}", p.join("; ")))
}

fn time_arg(ctx: &Ctx, name: &str, v: &Option<String>) -> Result<Option<parley_domain::Timestamp>> {
    v.as_deref()
        .map(|t| {
            gong_api_v2::time::parse_datetime(t, ctx.tz())
                .map_err(|e| anyhow!("invalid: --{name}: {e}"))
        })
        .transpose()
}

pub async fn run(settings: &Settings, args: &MeetingsArgs) -> Result<()> {
    let ctx = Ctx::open(settings, args.json).await?;
    let store = ctx.store();
    match &args.command {
        MeetingsCommand::List {
            workspace,
            from,
            to,
        } => {
            let w = ctx.workspace(workspace.as_deref()).await?;
            let from = time_arg(&ctx, "from", from)?;
            let to = time_arg(&ctx, "to", to)?;
            if let (Some(f), Some(t)) = (from, to) {
                if t < f {
                    return Err(anyhow!("invalid: --to is before --from"));
                }
            }
            // Every meeting of the range, a page at a time.
            let filter = parley_store::MeetingFilter {
                workspace_id: w,
                from,
                to,
                seen_by: None,
            };
            let mut list = Vec::new();
            let mut after = None;
            loop {
                let page = store.meetings_in(&filter, after, PAGE).await?;
                after = page.last().map(parley_store::MeetingKey::of);
                let done = page.len() < PAGE as usize;
                list.extend(page);
                if done {
                    break;
                }
            }
            let wire: Vec<MeetingView> = list
                .iter()
                .map(|m| MeetingView::from_domain(m, &ctx.render))
                .collect();
            ctx.show(&serde_json::json!({ "meetings": wire }), || {
                for m in &list {
                    println!("{}", line(&ctx, m));
                }
            })
        }
        MeetingsCommand::Create { file, workspace } => {
            let input = input(&ctx, file)?;
            let w = ctx.workspace(workspace.as_deref()).await?;
            let m = parley_app::meetings::create_meeting(
                store,
                &ctx.who,
                w,
                input,
                &ctx.settings.public_url(),
            )
            .await
            .map_err(crate::app_error)?;
            saved(&ctx, &m, "scheduled")
        }
        MeetingsCommand::Update { id, file } => {
            let input = input(&ctx, file)?;
            let m = parley_app::meetings::update_meeting(store, &ctx.who, id, input)
                .await
                .map_err(|e| hint(e, LIST))?;
            saved(&ctx, &m, "updated")
        }
        MeetingsCommand::Delete {
            id,
            organizer_email,
        } => {
            parley_app::meetings::delete_meeting(store, &ctx.who, id, organizer_email.trim())
                .await
                .map_err(|e| hint(e, LIST))?;
            ctx.show(&serde_json::json!({ "deleted": id }), || {
                println!("meeting {id} deleted")
            })
        }
    }
}

fn saved(ctx: &Ctx, m: &Meeting, done: &str) -> Result<()> {
    ctx.show(
        &serde_json::json!({ "meeting": MeetingView::from_domain(m, &ctx.render) }),
        || println!("meeting {done}: {}", line(ctx, m)),
    )
}

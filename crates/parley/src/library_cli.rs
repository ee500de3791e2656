//! `parley library`: folders (list, show, create, update, delete) and the calls and
//! snippets in them, with the bodies of `/parley/v1/library/folders`.

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use clap::{Args, Subcommand};

use gong_api_v2::library::{AddCallBody, FolderChangeBody, FolderView, ItemView, NewFolderBody};
use parley_app::library::{NewFolder, NewItem};
use parley_domain::library::Folder;
use parley_domain::{AuditAction, FolderId};

use crate::manage::{body, hint, Ctx};
use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct LibraryArgs {
    /// Print JSON (the records the /parley/v1 route answers with) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: LibraryCommand,
}

#[derive(Debug, Subcommand)]
pub enum LibraryCommand {
    /// List a workspace's folders.
    Folders {
        /// The workspace [default: the default workspace].
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Show a folder and the calls and snippets in it.
    Show { folder: String },
    /// Create a folder from a JSON file (`-` for standard input), the body of
    /// POST /parley/v1/library/folders: {"name", "workspaceId", "parentFolderId", "public"}.
    Create {
        #[arg(long)]
        file: PathBuf,
    },
    /// Rename a folder or make it public or private (the body of
    /// PATCH /parley/v1/library/folders/{id}: {"name", "public"}).
    Update {
        folder: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Delete a folder with everything in it.
    Delete { folder: String },
    /// Add a call, or a snippet of it, to a folder (the body of
    /// POST /parley/v1/library/folders/{id}/calls: {"callId", "note", "fromSec", "toSec"}).
    Add {
        folder: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Remove a call or snippet (by its item id, which `show` prints) from a folder.
    Remove { folder: String, item: String },
}

const LIST: &str = "list them with `parley library folders [--workspace ID]`";

pub fn audited(args: &LibraryArgs) -> Option<(AuditAction, Vec<String>)> {
    let target = match &args.command {
        LibraryCommand::Create { file } => format!("new library folder from {}", file.display()),
        LibraryCommand::Update { folder, .. } => format!("library folder {folder}"),
        LibraryCommand::Delete { folder } => format!("deleted library folder {folder}"),
        LibraryCommand::Add { folder, .. } => format!("library folder {folder}: call added"),
        LibraryCommand::Remove { folder, item } => {
            format!("library folder {folder}: item {item} removed")
        }
        LibraryCommand::Folders { .. } | LibraryCommand::Show { .. } => return None,
    };
    Some((AuditAction::DataChanged, vec![target]))
}

fn line(f: &Folder) -> String {
    format!(
        "{}  {:<32}  {}  workspace {}{}",
        f.id,
        f.name,
        if f.public { "public " } else { "private" },
        f.workspace_id,
        f.parent_id.map(|p| format!("  in {p}")).unwrap_or_default()
    )
}

pub async fn run(settings: &Settings, args: &LibraryArgs) -> Result<()> {
    let ctx = Ctx::open(settings, args.json).await?;
    let store = ctx.store();
    let who = &ctx.who;
    match &args.command {
        LibraryCommand::Folders { workspace } => {
            let w = ctx.workspace(workspace.as_deref()).await?;
            let list = parley_app::library::folders(store, who, w)
                .await
                .map_err(crate::app_error)?;
            let wire: Vec<FolderView> = list
                .iter()
                .map(|f| FolderView::of(f, &ctx.render))
                .collect();
            ctx.show(&serde_json::json!({ "folders": wire }), || {
                for f in &list {
                    println!("{}", line(f));
                }
            })
        }
        LibraryCommand::Show { folder } => {
            let c = parley_app::library::folder_content(store, who, folder)
                .await
                .map_err(|e| hint(e, LIST))?;
            let items: Vec<ItemView> = c
                .items
                .iter()
                .map(|(i, _)| ItemView::of(i, &ctx.render))
                .collect();
            let value = serde_json::json!({
                "folder": FolderView::of(&c.folder, &ctx.render),
                "items": items,
            });
            ctx.show(&value, || {
                println!("{}", line(&c.folder));
                for (i, call) in &c.items {
                    let part = i
                        .snippet
                        .map(|s| format!("  {}s..{}s", s.from_s, s.to_s))
                        .unwrap_or_default();
                    println!(
                        "  {}  call {}  {}{part}{}",
                        i.id,
                        call.id,
                        call.title,
                        i.note
                            .as_deref()
                            .map(|n| format!("  note: {n}"))
                            .unwrap_or_default()
                    );
                }
            })
        }
        LibraryCommand::Create { file } => {
            let req: NewFolderBody = body(file)?;
            let parent = req
                .parent_folder_id
                .as_ref()
                .map(|p| {
                    p.numeric()
                        .map(FolderId)
                        .ok_or_else(|| anyhow!("not found: no folder {:?}; {LIST}", p.0))
                })
                .transpose()?;
            // A folder goes where its parent is, unless the body says otherwise (as the route).
            let workspace = match (&req.workspace_id, parent) {
                (Some(w), _) => ctx.workspace(Some(&w.0)).await?,
                (None, Some(p)) => {
                    parley_app::library::folder(store, who, &p.to_string())
                        .await
                        .map_err(|e| hint(e, LIST))?
                        .workspace_id
                }
                (None, None) => ctx.workspace(None).await?,
            };
            let f = parley_app::library::create_folder(
                store,
                who,
                NewFolder {
                    workspace_id: workspace,
                    parent_id: parent,
                    name: req.name,
                    public: req.public,
                },
            )
            .await
            .map_err(crate::app_error)?;
            saved(&ctx, &f, "created")
        }
        LibraryCommand::Update { folder, file } => {
            let req: FolderChangeBody = body(file)?;
            let f = parley_app::library::change_folder(
                store,
                who,
                folder,
                req.name.as_deref(),
                req.public,
            )
            .await
            .map_err(|e| hint(e, LIST))?;
            saved(&ctx, &f, "updated")
        }
        LibraryCommand::Delete { folder } => {
            parley_app::library::delete_folder(store, who, folder)
                .await
                .map_err(|e| hint(e, LIST))?;
            ctx.show(&serde_json::json!({ "deleted": folder }), || {
                println!("folder {folder} deleted")
            })
        }
        LibraryCommand::Add { folder, file } => {
            let req: AddCallBody = body(file)?;
            let snippet = req.snippet().map_err(|m| anyhow!("invalid: {m}"))?;
            let Some(wire) = &req.call_id else {
                return Err(anyhow!("invalid: callId is required"));
            };
            let call = crate::manage::call(&ctx, &wire.0).await?;
            let item = parley_app::library::add_item(
                store,
                who,
                folder,
                NewItem {
                    call_id: call.id,
                    note: req.note.clone(),
                    snippet,
                },
            )
            .await
            .map_err(|e| hint(e, LIST))?;
            ctx.show(
                &serde_json::json!({ "item": ItemView::of(&item, &ctx.render) }),
                || {
                    println!(
                        "call {} added to folder {folder} as item {}",
                        call.id, item.id
                    )
                },
            )
        }
        LibraryCommand::Remove { folder, item } => {
            parley_app::library::remove_item(store, who, folder, item)
                .await
                .map_err(|e| {
                    hint(
                        e,
                        &format!("`parley library show {folder}` lists its items"),
                    )
                })?;
            ctx.show(&serde_json::json!({ "removed": item }), || {
                println!("item {item} removed from folder {folder}")
            })
        }
    }
}

fn saved(ctx: &Ctx, f: &Folder, done: &str) -> Result<()> {
    ctx.show(
        &serde_json::json!({ "folder": FolderView::of(f, &ctx.render) }),
        || println!("folder {} {done}: {}", f.id, line(f)),
    )
}

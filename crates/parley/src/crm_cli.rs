//! `parley crm`: the generic CRM integration — integrations (list, register, delete),
//! declared fields, LDJSON uploads (waited for by default) and their request status, and
//! the stored objects — with the bodies and files of Gong's `/v2/crm/*`.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use clap::{Args, Subcommand};

use gong_api_v2::crm::{
    parse_schema, EntitiesResponse, IntegrationWire, RegisterRequest, RequestStatusResponse,
    SchemaResponse,
};
use parley_app::crm;
use parley_domain::{AuditAction, CrmObjectType, CrmRequest, CrmRequestStatus};

use crate::manage::{body, check_json, hint, read_input, Ctx, LocalWorkers, POLL};
use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct CrmArgs {
    /// Print JSON (the records Gong's routes answer with) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: CrmCommand,
}

#[derive(Debug, Subcommand)]
pub enum CrmCommand {
    /// List the generic CRM integrations (one per workspace).
    Integrations,
    /// Register a workspace's integration from a JSON file (`-` for standard input), the
    /// body of PUT /v2/crm/integrations: {"ownerEmail", "name"}.
    Register {
        #[arg(long)]
        file: PathBuf,
        /// The workspace [default: the default workspace].
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Delete an integration with its declared fields and objects.
    Delete {
        integration: String,
        /// The request id to record it under [default: a new one].
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Show the declared fields of one object type, or of every type.
    Schema {
        integration: String,
        /// ACCOUNT, CONTACT, DEAL, LEAD, BUSINESS_USER or STAGE.
        #[arg(long)]
        object_type: Option<String>,
    },
    /// Replace the declared fields of an object type from a JSON file, the body of
    /// POST /v2/crm/entity-schema (an array of fields).
    SetSchema {
        integration: String,
        #[arg(long)]
        object_type: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Upload objects from an LDJSON file (one JSON object per line, as
    /// POST /v2/crm/entities' dataFile) and wait until every line is read, printing the
    /// lines refused.
    Upload {
        integration: String,
        #[arg(long)]
        object_type: String,
        /// The LDJSON file (`-` for standard input).
        file: PathBuf,
        /// The request id to poll it by [default: a new one].
        #[arg(long)]
        request_id: Option<String>,
        /// Queue the upload and return (`parley crm status` tells how it went).
        #[arg(long)]
        no_wait: bool,
    },
    /// The state of an upload or deletion, with the lines it refused.
    Status {
        integration: String,
        request_id: String,
    },
    /// Show stored objects by their CRM ids.
    Entities {
        integration: String,
        #[arg(long)]
        object_type: String,
        #[arg(required = true)]
        ids: Vec<String>,
    },
}

const LIST: &str = "list them with `parley crm integrations`";

pub fn audited(args: &CrmArgs) -> Option<(AuditAction, Vec<String>)> {
    let target = match &args.command {
        CrmCommand::Register { file, .. } => {
            format!("new crm integration from {}", file.display())
        }
        CrmCommand::Delete { integration, .. } => format!("deleted crm integration {integration}"),
        CrmCommand::SetSchema {
            integration,
            object_type,
            ..
        } => format!("crm integration {integration}: {object_type} schema"),
        CrmCommand::Upload {
            integration,
            object_type,
            file,
            ..
        } => format!(
            "crm integration {integration}: {object_type} upload of {}",
            file.display()
        ),
        CrmCommand::Integrations
        | CrmCommand::Schema { .. }
        | CrmCommand::Status { .. }
        | CrmCommand::Entities { .. } => return None,
    };
    Some((AuditAction::DataChanged, vec![target]))
}

fn integration_id(text: &str) -> Result<i64> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| anyhow!("not found: no integration {text:?}; {LIST}"))
}

fn object_type(text: &str) -> Result<CrmObjectType> {
    let t = text.trim().to_ascii_uppercase();
    CrmObjectType::from_key(&t).ok_or_else(|| {
        anyhow!(
            "invalid: --object-type {text:?}: use one of {}",
            CrmObjectType::ALL
                .iter()
                .map(|t| t.key())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// A request id for a command that was given none.
fn new_request_id() -> String {
    format!("cli-{}", parley_domain::random_id())
}

fn print_request(r: &CrmRequest) {
    println!(
        "request {} of integration {}: {}  {} lines stored, {} refused",
        r.client_request_id,
        r.integration_id,
        r.status.key(),
        r.success_count,
        r.error_count
    );
    for (line, e) in &r.errors {
        if *line == 0 {
            println!("  {e}");
        } else {
            println!("  line {line}: {e}");
        }
    }
    if r.error_count > r.errors.len() as u64 {
        println!("  ... and {} more", r.error_count - r.errors.len() as u64);
    }
}

pub async fn run(settings: &Settings, args: &CrmArgs) -> Result<()> {
    let ctx = Ctx::open(settings, args.json).await?;
    let store = ctx.store();
    let who = &ctx.who;
    match &args.command {
        CrmCommand::Integrations => {
            let list = crm::list(store, who).await.map_err(crate::app_error)?;
            let wire: Vec<IntegrationWire> =
                list.iter().map(IntegrationWire::from_domain).collect();
            ctx.show(&serde_json::json!({ "integrations": wire }), || {
                for i in &list {
                    println!(
                        "{}  {:<24}  owner {}  workspace {}",
                        i.id, i.name, i.owner_email, i.workspace_id
                    );
                }
            })
        }
        CrmCommand::Register { file, workspace } => {
            let req: RegisterRequest = body(file)?;
            let (email, name) = req
                .required()
                .map_err(|p| anyhow!("invalid: {}", p.join("; ")))?;
            let w = ctx.workspace(workspace.as_deref()).await?;
            let i = crm::register(store, who, Some(w), &email, &name)
                .await
                .map_err(crate::app_error)?;
            ctx.show(&IntegrationWire::from_domain(&i), || {
                println!(
                    "integration {} registered for workspace {}",
                    i.id, i.workspace_id
                )
            })
        }
        CrmCommand::Delete {
            integration,
            request_id,
        } => {
            let id = integration_id(integration)?;
            let request = request_id.clone().unwrap_or_else(new_request_id);
            crm::delete(store, who, id, &request)
                .await
                .map_err(|e| hint(e, LIST))?;
            ctx.show(
                &serde_json::json!({ "integrationId": id, "clientRequestId": request }),
                || println!("integration {id} deleted (request {request})"),
            )
        }
        CrmCommand::Schema {
            integration,
            object_type: t,
        } => {
            let id = integration_id(integration)?;
            let t = t.as_deref().map(object_type).transpose()?;
            let fields = crm::schema(store, who, id, t)
                .await
                .map_err(|e| hint(e, LIST))?;
            let types: Vec<CrmObjectType> = match t {
                Some(t) => vec![t],
                None => CrmObjectType::ALL.to_vec(),
            };
            let wire = SchemaResponse::render(String::new(), &types, &fields, ctx.tz());
            ctx.show(&wire, || {
                for (t, f) in &fields {
                    println!(
                        "{:<13} {:<24} {:<10} {}{}",
                        t.key(),
                        f.name,
                        f.field_type.key(),
                        f.label,
                        if f.is_deleted { "  (deleted)" } else { "" }
                    );
                }
            })
        }
        CrmCommand::SetSchema {
            integration,
            object_type: t,
            file,
        } => {
            let id = integration_id(integration)?;
            let t = object_type(t)?;
            let bytes = read_input(file)?;
            check_json(file, &bytes)?;
            let fields =
                parse_schema(&bytes, ctx.tz()).map_err(|p| anyhow!("invalid: {}", p.join("; ")))?;
            let n = fields.len();
            crm::set_schema(store, who, id, t, fields)
                .await
                .map_err(|e| hint(e, LIST))?;
            ctx.show(
                &serde_json::json!({ "integrationId": id, "objectType": t.key(), "fields": n }),
                || println!("{n} fields declared for {} of integration {id}", t.key()),
            )
        }
        CrmCommand::Upload {
            integration,
            object_type: t,
            file,
            request_id,
            no_wait,
        } => {
            let id = integration_id(integration)?;
            let t = object_type(t)?;
            // The integration first: an unknown one is the error whatever the file holds.
            crm::integration(store, who, id)
                .await
                .map_err(|e| hint(e, LIST))?;
            let data = read_input(file)?;
            let request = request_id.clone().unwrap_or_else(new_request_id);
            let mut r = crm::upload(store, who, id, t, &request, &data, &ctx.settings.limits())
                .await
                .map_err(crate::app_error)?;
            if !*no_wait {
                let workers = LocalWorkers::start(&ctx)?;
                let waited = async {
                    loop {
                        r = crm::request_status(store, who, id, &request)
                            .await
                            .map_err(crate::app_error)?;
                        if matches!(r.status, CrmRequestStatus::Done | CrmRequestStatus::Failed) {
                            return Ok::<_, anyhow::Error>(());
                        }
                        tokio::time::sleep(POLL).await;
                    }
                }
                .await;
                workers.stop().await;
                waited?;
            }
            ctx.show(
                &RequestStatusResponse::from_domain(String::new(), &r),
                || {
                    if *no_wait {
                        println!(
                            "upload queued as request {request}: `parley crm status {id} {request}` tells how it went"
                        );
                    } else {
                        print_request(&r);
                    }
                },
            )?;
            if r.status == CrmRequestStatus::Failed || r.error_count > 0 {
                bail!(
                    "invalid: {} line(s) of {} were refused (see above); fix them and upload the file again",
                    r.error_count,
                    file.display()
                );
            }
            Ok(())
        }
        CrmCommand::Status {
            integration,
            request_id,
        } => {
            let id = integration_id(integration)?;
            let r = crm::request_status(store, who, id, request_id)
                .await
                .map_err(|e| hint(e, "give the request id an upload or deletion printed"))?;
            ctx.show(
                &RequestStatusResponse::from_domain(String::new(), &r),
                || print_request(&r),
            )
        }
        CrmCommand::Entities {
            integration,
            object_type: t,
            ids,
        } => {
            let id = integration_id(integration)?;
            let t = object_type(t)?;
            let found = crm::entities(store, who, id, t, ids)
                .await
                .map_err(|e| hint(e, LIST))?;
            ctx.show(
                &EntitiesResponse::render(String::new(), &found, ctx.tz()),
                || {
                    for (x, e) in &found {
                        match e {
                            None => println!("{x}: not found"),
                            Some(e) => {
                                println!("{x}: {}", serde_json::Value::Object(e.fields.clone()))
                            }
                        }
                    }
                },
            )
        }
    }
}

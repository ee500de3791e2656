//! What the data-management commands share (`scorecards`, `library`, `meetings`, `crm`,
//! `privacy`, `access`, `flows`): the database and the operator they act as, request
//! bodies read from a file or standard input in the JSON shape of the matching
//! `/parley/v1` (or `/v2`) route, and output as text for people or, with `--json`, as
//! the route renders its records (without the `requestId`).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

use gong_api_v2::calls::RenderCtx;
use parley_app::worker::Workers;
use parley_domain::{Principal, WorkspaceId};
use parley_store::Store;

use crate::settings::Settings;

/// One command's surroundings.
pub struct Ctx {
    pub store: Arc<dyn Store>,
    /// The CLI acts as the company itself (an admin reaching every workspace).
    pub who: Principal,
    pub render: RenderCtx,
    pub json: bool,
    pub settings: Settings,
}

impl Ctx {
    pub async fn open(settings: &Settings, json: bool) -> Result<Ctx> {
        let config = settings.server_config()?;
        let render = RenderCtx {
            tz: config.timezone,
            call_url_prefix: format!("{}/call?id=", config.public_url.trim_end_matches('/')),
        };
        Ok(Ctx {
            store: crate::open_store(settings).await?,
            who: Principal::operator(),
            render,
            json,
            settings: settings.clone(),
        })
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.render.tz
    }

    /// Prints `value` as JSON with `--json`, else runs `text`.
    pub fn show<T: Serialize>(&self, value: &T, text: impl FnOnce()) -> Result<()> {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&without_request_id(value)?)?
            );
        } else {
            text();
        }
        Ok(())
    }

    /// The workspace `id` names, or the default one (made on a fresh install, as the
    /// server does when it starts).
    pub async fn workspace(&self, id: Option<&str>) -> Result<WorkspaceId> {
        if id.is_none_or(|w| w.trim().is_empty()) {
            return Ok(
                parley_app::workspaces::ensure_default_workspace(self.store())
                    .await?
                    .id,
            );
        }
        Ok(
            parley_app::workspaces::workspace_or_default(self.store(), id)
                .await
                .map_err(|e| {
                    hint(e, "give a workspace id (GET /v2/workspaces lists them), or leave --workspace out for the default one")
                })?
                .id,
        )
    }
}

/// A wire answer without its `requestId`: the CLI made no request.
fn without_request_id<T: Serialize>(value: &T) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(value)?;
    if let Some(o) = v.as_object_mut() {
        o.remove("requestId");
    }
    Ok(v)
}

/// A use case's refusal with what to do about it: `not found: ...; list them with ...`.
pub fn hint(e: parley_app::AppError, what_to_do: &str) -> anyhow::Error {
    anyhow!("{}; {what_to_do}", crate::app_error(e))
}

/// The bytes of `--file PATH`, or of standard input for `-`.
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("reading standard input")?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| {
        anyhow!(
            "cannot read {}: {e}; give the path of an existing file, or - for standard input",
            path.display()
        )
    })
}

fn name_of(path: &Path) -> String {
    if path == Path::new("-") {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Checks that `bytes` are JSON at all, naming the line and column of the first fault.
pub fn check_json(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let msg = e.to_string();
        let msg = msg
            .rfind(" at line ")
            .map_or(msg.as_str(), |i| &msg[..i])
            .to_owned();
        return Err(anyhow!(
            "invalid: {}: bad JSON at line {}, column {}: {msg}",
            name_of(path),
            e.line(),
            e.column()
        ));
    }
    Ok(())
}

/// A request body of the route's shape from `--file`: JSON errors name the line and
/// column, field errors the field (as the API's 400s do) and where it is.
pub fn body<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = read_input(path)?;
    check_json(path, &bytes)?;
    gong_api_v2::from_json::<T>(&bytes).map_err(|msg| {
        let at = serde_json::from_slice::<T>(&bytes)
            .err()
            .filter(|e| e.line() > 0)
            .map(|e| format!(" (line {}, column {})", e.line(), e.column()))
            .unwrap_or_default();
        anyhow!("invalid: {}: {msg}{at}", name_of(path))
    })
}

/// The call `id` names.
pub async fn call(ctx: &Ctx, id: &str) -> Result<parley_domain::Call> {
    let missing = || {
        anyhow!(
            "not found: no call {id:?}; give the id of an existing call (GET /v2/calls lists them)"
        )
    };
    let n = parley_domain::parse_id(id.trim()).map_err(|_| missing())?;
    ctx.store()
        .get_call(parley_domain::CallId(n))
        .await?
        .ok_or_else(missing)
}

/// Background workers without a speech engine, in this process, while a command waits
/// for a job it queued (a CRM upload, an erase): the command finishes the work itself
/// whether or not a server is running.
pub struct LocalWorkers {
    stop: tokio::sync::watch::Sender<bool>,
    run: tokio::task::JoinHandle<()>,
}

impl LocalWorkers {
    pub fn start(ctx: &Ctx) -> Result<LocalWorkers> {
        let workers = Workers {
            store: ctx.store.clone(),
            blobs: parley_blob::BlobStore::open(&ctx.settings.media_url())?,
            transcriber: None,
            config: ctx.settings.worker_config()?,
            fetch: None,
            llm: crate::analysis_cli::llm_engine(&ctx.settings)?,
            webhooks: None,
        };
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let run = tokio::spawn(workers.run(stopped));
        Ok(LocalWorkers { stop, run })
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.run.await;
    }
}

/// How often a waiting command looks at its job.
pub const POLL: Duration = Duration::from_millis(200);

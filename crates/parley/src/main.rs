//! `parley`: one binary for the server and its administration.
//!
//! Settings come from flags, then `PARLEY_*` environment variables, then a TOML file
//! (`--config`, default `parley.toml` in the current directory when present), then
//! built-in defaults: one [`settings::Settings`] value, built once in `main`.
//! `parley config` prints it as TOML.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use parley_app::keys::KeySpec;
use parley_app::transcripts::{self, TranscriptFormat};
use parley_domain::{Role, ScopeSet};
use parley_server::AppState;
use parley_store::Store;

use crate::settings::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "parley",
    version,
    about = "Self-hosted conversation intelligence with a Gong-compatible API"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Args)]
struct Common {
    /// TOML settings file: its keys are the flags' names with _ for - (--llm-url is url in
    /// its [llm] table); `parley config` prints one [default: ./parley.toml when it exists]
    #[arg(long, global = true, env = "PARLEY_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the API server.
    Serve(ServeArgs),
    /// Fill the database with a demo company (once; does nothing when calls exist).
    Demo,
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage OAuth apps (third-party apps that ask users for access).
    #[command(subcommand)]
    OauthApps(OAuthAppsCommand),
    /// Manage company users (the people whose calls are recorded).
    #[command(subcommand)]
    Users(UsersCommand),
    /// Import recordings (files or folders) as new calls and transcribe them, or with
    /// --call, a transcript file (WebVTT, SRT or Gong JSON) into an existing call.
    Import {
        /// The call to attach a transcript file to.
        #[arg(long)]
        call: Option<String>,
        /// Transcript format: vtt, srt or json [default: guessed from the content]
        #[arg(long)]
        format: Option<String>,
        /// Owner of imported recordings (email) [default: the first user]
        #[arg(long)]
        user: Option<String>,
        /// Queue the recordings without transcribing them here.
        #[arg(long)]
        no_wait: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Transcribe a media file and print the transcript (no server or database needed).
    Transcribe {
        /// text, or json (segments with speakers and word timings)
        #[arg(long, default_value = "text")]
        format: String,
        /// Spoken language (ISO 639-1 or 639-2) [default: detected]
        #[arg(long)]
        language: Option<String>,
        /// Most speakers to separate in a mono recording [default: up to 8]
        #[arg(long)]
        max_speakers: Option<usize>,
        file: PathBuf,
    },
    /// Run background workers only (transcription, media download) against the database
    /// (`--concurrency` is `--worker-concurrency`).
    Worker {
        /// Run the queued jobs (and those they queue) one at a time until none is left,
        /// then exit: for a cron job, a script or a test, beside servers run with
        /// `--no-workers`.
        #[arg(long)]
        drain: bool,
        /// With --drain: only jobs of these kinds (comma-separated keys, as `parley jobs`
        /// shows them: transcribe, analyze, …).
        #[arg(long, value_delimiter = ',', requires = "drain")]
        kinds: Vec<String>,
    },
    /// Enroll a company user's voice from a recording of them alone, so that mono calls
    /// name them (adds to the voice profile their calls have taught).
    Enroll {
        /// The user's email.
        #[arg(long)]
        user: String,
        file: PathBuf,
    },
    /// Show the voices of a call's recording, or tie one to a party (--speaker with --party).
    Speakers {
        #[arg(long)]
        call: String,
        /// The voice (speaker id) to reassign.
        #[arg(long, requires = "party")]
        speaker: Option<String>,
        /// The party that voice belongs to.
        #[arg(long, requires = "speaker")]
        party: Option<String>,
    },
    /// Show background jobs (transcription, analysis), newest first.
    Jobs {
        /// Only jobs of this call.
        #[arg(long)]
        call: Option<String>,
        /// Only jobs in this state: queued, running, done or failed.
        #[arg(long)]
        state: Option<String>,
    },
    /// Manage keyword trackers.
    #[command(subcommand)]
    Trackers(analysis_cli::TrackersCommand),
    /// Analyse calls now (trackers, stats, topics, summary): one call, or every
    /// transcribed call.
    Analyze {
        #[arg(
            long,
            required_unless_present_any = ["all", "queued"],
            conflicts_with_all = ["all", "queued"]
        )]
        call: Option<String>,
        #[arg(long, conflicts_with = "queued")]
        all: bool,
        /// With --all: only this workspace's calls.
        #[arg(long)]
        workspace: Option<String>,
        /// Run the queued analysis jobs instead (analyses, tracker back-fills,
        /// re-analyses of a workspace) until none is left, as a server started with
        /// --no-workers leaves them.
        #[arg(long)]
        queued: bool,
    },
    /// Show the audit log's recent entries (key use, refused credentials, writes from the
    /// API and the CLI), oldest first.
    Audit {
        /// Only entries since: a duration back from now (90m, 24h, 7d) or a date-time
        #[arg(long)]
        since: Option<String>,
        /// The newest this many entries.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Manage scorecards: definitions, and filling one for a call.
    Scorecards(scorecards_cli::ScorecardsArgs),
    /// Manage the call library: folders and the calls and snippets in them.
    Library(library_cli::LibraryArgs),
    /// Manage scheduled meetings.
    Meetings(meetings_cli::MeetingsArgs),
    /// Manage the generic CRM integration: integrations, fields, uploads, objects.
    Crm(crm_cli::CrmArgs),
    /// Data privacy: find and erase what is held about an e-mail address or phone number.
    Privacy(privacy_cli::PrivacyArgs),
    /// Manage calls granted to single users.
    Access(access_cli::AccessArgs),
    /// Manage Engage flows.
    Flows(flows_cli::FlowsArgs),
    /// Manage automation rules (webhooks and CRM field writes fired when a call is ready)
    /// and their deliveries.
    Rules(rules_cli::RulesArgs),
    /// Manage the connectors CRM field actions write through (Salesforce, HubSpot, the
    /// generic CRM objects).
    CrmConnectors(crm_writeback_cli::ConnectorsArgs),
    /// A call's CRM writes, and running a CRM field action against a call.
    CrmWrites(crm_writeback_cli::WritesArgs),
    /// Copy every table (and with --media-to, every recording) into another database:
    /// SQLite to PostgreSQL or back. Run it again to resume; it ends by comparing counts
    /// and checksums. Stop the servers first.
    Migrate(migrate_cli::MigrateArgs),
    /// Write a consistent snapshot of the database (as SQLite) and a manifest of the
    /// recordings into a folder; safe while the server runs.
    Backup(migrate_cli::BackupArgs),
    /// Restore a backup folder into an empty database (SQLite or PostgreSQL) and media store.
    Restore(migrate_cli::RestoreArgs),
    /// Print the effective settings (flags, environment, file, defaults) as TOML; the
    /// output is a valid settings file.
    Config,
    /// Saved connections to Gong's API or a Parley (an access key and secret, or a
    /// token), for `parley request`.
    Connection(client_cli::ConnectionArgs),
    /// Send a request through a connection, with its base URL and credentials added:
    /// `parley request [CONNECTION] /v2/calls --query fromDateTime=…`. Exit code: 0
    /// success, 1 other client error, 2 usage, 3 auth (401/403), 4 not found, 5 rate
    /// limited (429), 6 server error, 7 no answer.
    Request(client_cli::RequestArgs),
    /// The API's operations as actions: find one by intent (`parley action list --intent
    /// "who talked most last week"`), see its schemas (`show`), run it with JSON input
    /// through a connection (`run`, following pages and waiting out rate limits). Exit
    /// codes as for `request`.
    Action(action_cli::ActionArgs),
    /// An MCP server on standard input and output for AI assistants (Claude Desktop and
    /// other MCP clients): the actions as tools, calls and transcripts as resources, run
    /// through a saved connection with its key's or token's access (docs/mcp.md).
    Mcp(mcp_cli::McpArgs),
    /// Internal: the speech engine process a worker starts and talks to over stdin/stdout
    /// (see `engine.rs`).
    #[command(hide = true)]
    EngineHost,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key and print its secret (shown only once).
    Create {
        #[arg(long)]
        name: String,
        /// What the key may do: `full`, `read-only`, or scopes separated by spaces or
        /// commas (Gong's, such as `api:calls:read:basic`, and Parley's `parley:…`).
        #[arg(long, default_value = "full")]
        scopes: String,
        /// Bind the key to one workspace (its id): it sees nothing of the others.
        #[arg(long)]
        workspace: Option<String>,
        /// The user (email) the key belongs to: it acts with their role. Without it the
        /// key is the company's and acts as an admin.
        #[arg(long)]
        user: Option<String>,
    },
    /// List keys (never their secrets).
    List,
    /// Give a key a new secret (printed once); the old secret stops working.
    Rotate { access_key: String },
    /// Revoke a key; requests using it get 401.
    Revoke { access_key: String },
}

#[derive(Debug, Subcommand)]
enum OAuthAppsCommand {
    /// Register an app and print its client id and secret (the secret shown only once).
    Create {
        #[arg(long)]
        name: String,
        /// Where users are sent back after consenting (compared exactly); repeat for
        /// several. https, or http to localhost.
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// The most the app may ask for: `full`, `read-only`, or scopes separated by
        /// spaces or commas.
        #[arg(long, default_value = "read-only")]
        scopes: String,
        /// The user (email) who owns the app; without it, the company's.
        #[arg(long)]
        user: Option<String>,
    },
    /// List apps (never their secrets).
    List,
    /// Revoke an app and every token it holds.
    Revoke { client_id: String },
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Add a company user.
    Add {
        #[arg(long)]
        email: String,
        /// Full name: the first word is the first name, the rest the last name.
        #[arg(long)]
        name: String,
        #[arg(long)]
        title: Option<String>,
        /// The manager's email.
        #[arg(long)]
        manager: Option<String>,
        /// Make the user an admin (same as `--role admin`).
        #[arg(long, conflicts_with = "role")]
        admin: bool,
        /// `admin`, `manager` or `member` (the default).
        #[arg(long)]
        role: Option<String>,
    },
    /// Set a user's password (read from the first line of standard input); ends the
    /// user's sessions.
    Password {
        /// The user's email.
        email: String,
    },
    /// Print a one-time link (valid one hour) with which the user sets a new password.
    ResetLink {
        /// The user's email.
        email: String,
    },
    /// Print the set-up code with which the web UI's first-run screen makes the first
    /// administrator (only while no active admin can sign in with a password).
    SetupCode,
    /// Change a user's role.
    Role {
        /// The user's email.
        email: String,
        /// `admin`, `manager` or `member`.
        role: String,
    },
    /// Give a user a permission profile (by id; `parley`'s API lists them): it decides
    /// their call access in the profile's workspace instead of their role.
    Profile {
        /// The user's email.
        email: String,
        /// The profile's id.
        profile: String,
    },
    /// List users.
    List,
}

/// `serve`'s own options (its settings, `--listen` and the rest, are global).
#[derive(Debug, Args)]
struct ServeArgs {
    /// Seed a demo company first (when the database has no calls) and print a demo key.
    #[arg(long)]
    demo: bool,
    /// Do not run transcription workers in this process (run `parley worker` elsewhere).
    #[arg(long)]
    no_workers: bool,
}

mod access_cli;
mod action_cli;
mod analysis_cli;
mod asr;
mod audit_cli;
mod cli;
mod client_cli;
mod crm_cli;
mod crm_writeback_cli;
mod engine;
mod flows_cli;
mod library_cli;
mod manage;
mod mcp_cli;
mod meetings_cli;
mod migrate_cli;
mod privacy_cli;
mod rules_cli;
mod scorecards_cli;
mod settings;

async fn open_store(settings: &Settings) -> Result<Arc<dyn Store>> {
    settings.data_dir()?;
    let url = settings.database_url();
    parley_app::storage::open(&url)
        .await
        .with_context(|| format!("opening database {}", parley_store::redact(&url)))
}

async fn seed_demo(store: &dyn Store, recordings: bool) -> Result<()> {
    if parley_app::demo::already_seeded(store)
        .await
        .map_err(app_error)?
    {
        println!("demo: the database already has calls; not seeding again");
        return Ok(());
    }
    let summary = parley_app::demo::seed(store, chrono::Utc::now())
        .await
        .map_err(app_error)?;
    println!(
        "demo: seeded {} workspaces, {} users, {} calls ({} with transcripts)",
        summary.workspaces, summary.users, summary.calls, summary.transcripts
    );
    if recordings {
        if let Some(note) = parley_app::demo_recordings::availability_note() {
            println!("demo: {note}");
        } else {
            let n = parley_app::demo_recordings::queue(store, &summary.new_with_transcripts)
                .await
                .map_err(app_error)?;
            println!("demo: {n} recordings queued (spoken from the calls' scripts by the workers)");
        }
    }
    Ok(())
}

/// A use case's refusal as the CLI shows it: what kind of problem, then the message.
fn parse_role(text: &str) -> Result<Role> {
    Role::parse(text)
        .with_context(|| format!("unknown role {text:?}: use admin, manager or member"))
}

async fn user_by_email(store: &dyn Store, email: &str) -> Result<parley_domain::UserId> {
    Ok(store
        .find_user_by_email(email)
        .await?
        .with_context(|| format!("no user with email {email}"))?
        .id)
}

fn app_error(e: parley_app::AppError) -> anyhow::Error {
    use parley_app::AppError as E;
    let kind = match &e {
        E::Invalid(_) | E::NotMedia(_) => "invalid",
        E::NotFound(_) => "not found",
        E::Conflict(_) => "conflict",
        E::Forbidden(_) | E::Denied(_) => "forbidden",
        E::Store(_) | E::Internal(_) => "failed",
    };
    anyhow::anyhow!("{kind}: {e}")
}

async fn serve(settings: &Settings, args: &ServeArgs) -> Result<()> {
    let store = open_store(settings).await?;
    let listen = &settings.listen;
    let config = settings.server_config()?;
    // The demo goes first so that its default workspace is the server's default.
    if args.demo {
        seed_demo(store.as_ref(), !settings.no_demo_recordings).await?;
    }
    let state = AppState::new(store.clone(), config)
        .await
        .context("preparing the server state")?;
    if args.demo {
        let key = parley_app::keys::create_key(store.as_ref(), &KeySpec::full("demo"))
            .await
            .map_err(app_error)?;
        println!(
            "demo key (shown once): access key {}  secret {}",
            key.access_key, key.secret
        );
        println!(
            "try: curl -u {}:{} http://{listen}/v2/calls",
            key.access_key, key.secret
        );
    }
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let addr = listener.local_addr()?;
    // A long-running server must not die because whoever started it stopped reading its
    // output (println! panics on a closed pipe).
    let say = |line: String| {
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), "{line}");
    };
    say(format!("parley listening on http://{addr}"));
    if !args.demo {
        say("create an API key with: parley keys create --name my-key".to_owned());
    }
    if let Some(line) = first_run(settings, store.as_ref()).await? {
        say(line);
    }
    tracing::info!(%addr, "listening");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers = if args.no_workers {
        None
    } else {
        let w = cli::workers(settings, state.store.clone(), state.blobs.clone()).await?;
        Some(tokio::spawn(w.run(stopped)))
    };
    parley_server::serve(listener, state, shutdown_signal()).await?;
    let _ = stop.send(true);
    if let Some(w) = workers {
        let _ = w.await;
    }
    Ok(())
}

/// While no administrator can sign in, writes the set-up code to `setup-code` in the data
/// folder (readable by its owner only) and answers what to tell the operator; once one
/// can, removes a file left from before. The code itself never goes to the log.
async fn first_run(settings: &Settings, store: &dyn parley_store::Store) -> Result<Option<String>> {
    let path = settings.data_dir()?.join(parley_app::setup::CODE_FILE);
    if !parley_app::setup::needs_admin(store)
        .await
        .map_err(app_error)?
    {
        match std::fs::remove_file(&path) {
            Ok(()) => {
                tracing::info!(path = %path.display(), "an administrator can sign in: set-up code file removed")
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "could not remove the set-up code file")
            }
        }
        return Ok(None);
    }
    let code = parley_app::setup::code(store).await.map_err(app_error)?;
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        // Made anew, so an old file's looser mode does not carry over.
        let _ = std::fs::remove_file(&path);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("writing the set-up code to {}", path.display()))?;
        writeln!(file, "{code}")
            .with_context(|| format!("writing the set-up code to {}", path.display()))?;
    }
    tracing::warn!(path = %path.display(), "no administrator can sign in yet: the set-up code is in this file");
    Ok(Some(format!(
        "no administrator yet: open {}/setup and enter the set-up code from {} (or `parley users setup-code`)",
        settings.public_url().trim_end_matches('/'),
        path.display()
    )))
}

async fn users(settings: &Settings, cmd: &UsersCommand) -> Result<()> {
    let store = open_store(settings).await?;
    match cmd {
        UsersCommand::Add {
            email,
            name,
            title,
            manager,
            admin,
            role,
        } => {
            let role = match (admin, role) {
                (true, _) => Role::Admin,
                (false, Some(r)) => parse_role(r)?,
                (false, None) => Role::Member,
            };
            let manager_id = match manager {
                Some(m) => Some(
                    store
                        .find_user_by_email(m)
                        .await?
                        .with_context(|| format!("no user with email {m}"))?
                        .id,
                ),
                None => None,
            };
            let name = name.trim();
            let (first, last) = name.split_once(' ').unwrap_or((name, ""));
            let user = parley_app::users::create_user(
                store.as_ref(),
                parley_app::users::NewUser {
                    email: email.clone(),
                    first_name: first.to_owned(),
                    last_name: last.trim().to_owned(),
                    title: title.clone(),
                    manager_id,
                    active: true,
                    ..Default::default()
                },
            )
            .await
            .map_err(app_error)?;
            parley_app::users::set_role(store.as_ref(), user.id, role)
                .await
                .map_err(app_error)?;
            println!("added user {}  {}  ({role})", user.id, user.email);
        }
        UsersCommand::Password { email } => {
            let id = user_by_email(store.as_ref(), email).await?;
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            let password = line.trim_end_matches(['\r', '\n']);
            parley_app::sessions::set_password(store.as_ref(), id, password)
                .await
                .map_err(app_error)?;
            println!("password set for {email}; their sessions ended");
        }
        UsersCommand::ResetLink { email } => {
            let id = user_by_email(store.as_ref(), email).await?;
            let (token, _) = parley_app::sessions::create_reset(store.as_ref(), id)
                .await
                .map_err(app_error)?;
            println!(
                "{}/reset-password?token={token}",
                settings.public_url().trim_end_matches('/')
            );
            println!("valid for one hour, once: POST /parley/v1/password-reset with the token and a new password");
        }
        UsersCommand::SetupCode => {
            if parley_app::setup::needs_admin(store.as_ref())
                .await
                .map_err(app_error)?
            {
                let code = parley_app::setup::code(store.as_ref())
                    .await
                    .map_err(app_error)?;
                println!("{code}");
            } else {
                anyhow::bail!(
                    "an administrator can already sign in: the set-up code opens nothing; \
                     add users with `parley users add` or in Settings › Users"
                );
            }
        }
        UsersCommand::Role { email, role } => {
            let id = user_by_email(store.as_ref(), email).await?;
            let role = parse_role(role)?;
            parley_app::users::set_role(store.as_ref(), id, role)
                .await
                .map_err(app_error)?;
            println!("{email} is now {role}");
        }
        UsersCommand::Profile { email, profile } => {
            let id = user_by_email(store.as_ref(), email).await?;
            let profile = parley_domain::parse_id(profile)
                .map(parley_domain::ProfileId)
                .map_err(|_| anyhow::anyhow!("{profile:?} is not a profile id"))?;
            let p = parley_app::profiles::assign(
                store.as_ref(),
                &parley_domain::Principal::operator(),
                id,
                profile,
            )
            .await
            .map_err(app_error)?;
            println!(
                "{email} now has permission profile {} ({}) in workspace {}",
                p.name, p.id, p.workspace_id
            );
        }
        UsersCommand::List => {
            let mut after = None;
            loop {
                let page = store.list_users(&Default::default(), after, 500).await?;
                for u in &page {
                    let name = format!("{} {}", u.first_name, u.last_name);
                    println!(
                        "{}  {:<32}  {:<24}  {}",
                        u.id,
                        u.email,
                        name.trim(),
                        u.title.as_deref().unwrap_or("")
                    );
                }
                match page.last() {
                    Some(u) if page.len() == 500 => after = Some(u.id),
                    _ => break,
                }
            }
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

async fn keys(settings: &Settings, cmd: &KeysCommand) -> Result<()> {
    let store = open_store(settings).await?;
    match cmd {
        KeysCommand::Create {
            name,
            scopes,
            workspace,
            user,
        } => {
            let scopes = ScopeSet::parse(scopes)?;
            let workspace = workspace
                .as_deref()
                .map(parley_domain::parse_id)
                .transpose()
                .context("--workspace takes a workspace id")?
                .map(parley_domain::WorkspaceId);
            let owner = match user {
                Some(email) => Some(user_by_email(store.as_ref(), email).await?),
                None => None,
            };
            let spec = KeySpec {
                name: name.clone(),
                scopes,
                workspace,
                owner,
            };
            let key = parley_app::keys::create_key(store.as_ref(), &spec)
                .await
                .map_err(app_error)?;
            println!("access key: {}", key.access_key);
            println!("secret:     {}", key.secret);
            println!("the secret is shown only now; Parley keeps only its hash");
        }
        KeysCommand::List => {
            for k in parley_app::keys::list_keys(store.as_ref())
                .await
                .map_err(app_error)?
            {
                let state = match k.revoked {
                    Some(t) => format!("revoked {}", t.to_rfc3339()),
                    None => "active".to_owned(),
                };
                let scopes = k
                    .scopes
                    .preset_name()
                    .map_or_else(|| k.scopes.to_string(), str::to_owned);
                let used = k.last_used.map_or_else(
                    || "never used".to_owned(),
                    |t| format!("used {}", t.to_rfc3339()),
                );
                let workspace = k
                    .workspace
                    .map_or_else(|| "all workspaces".to_owned(), |w| format!("workspace {w}"));
                let owner = k
                    .owner
                    .map_or_else(|| "company".to_owned(), |u| format!("user {u}"));
                println!(
                    "{}  {:<20}  created {}  {}  {}  {}  {}  scopes: {}",
                    k.access_key,
                    k.name,
                    k.created.to_rfc3339(),
                    state,
                    used,
                    owner,
                    workspace,
                    scopes
                );
            }
        }
        KeysCommand::Rotate { access_key } => {
            let secret = parley_app::keys::rotate_key(store.as_ref(), access_key)
                .await
                .map_err(app_error)?;
            println!("access key: {access_key}");
            println!("secret:     {secret}");
            println!("the old secret stops working; the new one is shown only now");
        }
        KeysCommand::Revoke { access_key } => {
            parley_app::keys::revoke_key(store.as_ref(), access_key)
                .await
                .map_err(app_error)?;
            println!("revoked {access_key}");
        }
    }
    Ok(())
}

async fn oauth_apps(settings: &Settings, cmd: &OAuthAppsCommand) -> Result<()> {
    let store = open_store(settings).await?;
    match cmd {
        OAuthAppsCommand::Create {
            name,
            redirect_uris,
            scopes,
            user,
        } => {
            let owner = match user {
                Some(email) => Some(user_by_email(store.as_ref(), email).await?),
                None => None,
            };
            let spec = parley_app::oauth::AppSpec {
                name: name.clone(),
                redirect_uris: redirect_uris.clone(),
                scopes: ScopeSet::parse(scopes)?,
                owner,
            };
            let app = parley_app::oauth::register_app(store.as_ref(), &spec)
                .await
                .map_err(app_error)?;
            println!("client id:     {}", app.record.client_id);
            println!("client secret: {}", app.secret);
            println!("the secret is shown only now; Parley keeps only its hash");
        }
        OAuthAppsCommand::List => {
            for a in parley_app::oauth::list_apps(store.as_ref())
                .await
                .map_err(app_error)?
            {
                let state = match a.revoked {
                    Some(t) => format!("revoked {}", t.to_rfc3339()),
                    None => "active".to_owned(),
                };
                let scopes = a
                    .scopes
                    .preset_name()
                    .map_or_else(|| a.scopes.to_string(), str::to_owned);
                let owner = a
                    .owner
                    .map_or_else(|| "company".to_owned(), |u| format!("user {u}"));
                println!(
                    "{}  {:<20}  created {}  {}  {}  redirect: {}  scopes: {}",
                    a.client_id,
                    a.name,
                    a.created.to_rfc3339(),
                    state,
                    owner,
                    a.redirect_uris.join(" "),
                    scopes
                );
            }
        }
        OAuthAppsCommand::Revoke { client_id } => {
            parley_app::oauth::revoke_app(store.as_ref(), client_id)
                .await
                .map_err(app_error)?;
            println!("revoked {client_id} and every token it held");
        }
    }
    Ok(())
}

async fn import(settings: &Settings, call: &str, format: Option<&str>, path: &Path) -> Result<()> {
    let store = open_store(settings).await?;
    let call_id =
        parley_domain::parse_id(call).with_context(|| format!("{call:?} is not a call id"))?;
    let format = format
        .map(|f| {
            TranscriptFormat::from_name(f)
                .with_context(|| format!("unknown format {f:?}: use vtt, srt or json"))
        })
        .transpose()?;
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    // The operator's bounds hold for files imported here as for the API's.
    let report = transcripts::import_transcript_within(
        store.as_ref(),
        parley_domain::CallId(call_id),
        format,
        &bytes,
        &settings.limits(),
    )
    .await
    .map_err(app_error)
    .with_context(|| format!("importing {}", path.display()))?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

async fn jobs(store: &dyn Store, call: Option<&str>, state: Option<&str>) -> Result<()> {
    let jobs = match call {
        Some(call) => {
            let id = parley_domain::parse_id(call)
                .with_context(|| format!("{call:?} is not a call id"))?;
            store.jobs_for_call(parley_domain::CallId(id)).await?
        }
        None => {
            let state = state
                .map(|s| {
                    parley_domain::JobState::from_key(s).with_context(|| {
                        format!("unknown state {s:?}: use queued, running, done or failed")
                    })
                })
                .transpose()?;
            store.list_jobs(state, 200).await?
        }
    };
    for j in jobs
        .iter()
        .filter(|j| state.is_none_or(|s| j.state.key() == s))
    {
        let progress = j
            .progress
            .map(|p| format!(" {:.0}%", p * 100.0))
            .unwrap_or_default();
        let call = j
            .call_id
            .map(|c| c.to_string())
            .unwrap_or_else(|| "-".into());
        println!(
            "{}  {:<11} call {:<19}  {}{}  attempt {}/{}  {}",
            j.id,
            j.kind.key(),
            call,
            j.state.key(),
            progress,
            j.attempts,
            j.max_attempts,
            j.error.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

/// glibc gives threads that allocate at once arenas of their own, up to eight per core,
/// and memory freed in one arena is not reused by another: each request kept within
/// `request_memory_bytes`, but the process's peak added up what every arena had once held
/// (paging through 30 calls at the limits: 152 MB peak with glibc's default, 113 MB with
/// two arenas, 95 MB with one, on 2 cores; BENCHMARKS.md). One arena per core keeps the
/// peak near the working set and threads on different cores apart. An operator's own
/// `MALLOC_ARENA_MAX`, which glibc reads itself, wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn bound_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
    // SAFETY: mallopt only sets a tunable of the allocator; it is called before any
    // thread of ours exists, and a refusal (0) leaves glibc's default in place.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn bound_malloc_arenas() {}

fn main() -> Result<()> {
    bound_malloc_arenas();
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // A bulk copy's page inserts take seconds by design; sqlx would warn of each as a
    // slow statement, printing its thousands of placeholders between the progress bars.
    let sqlx_level = match cli.command {
        Command::Migrate(_) | Command::Backup(_) | Command::Restore(_) => "error",
        _ => "warn",
    };
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_env("PARLEY_LOG")
            .unwrap_or_else(|_| format!("info,sqlx={sqlx_level}").into())
    };
    if let Command::EngineHost = cli.command {
        // Its stderr goes into the worker's log, which adds its own time and colours. No
        // tokio runtime: the host only runs the (blocking) speech engine.
        tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .without_time()
            .init();
        // Every setting it needs comes as a flag from the worker that started it: no file.
        let settings = Settings::load(cli.common.settings, &matches, None)?;
        return engine::host_main(|| cli::load_asr(&settings));
    }
    // Colours only on a terminal: a log file or collector gets plain text, so an escape
    // sequence in it can only have come from a value (and values are escaped).
    tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    // The one place settings are read.
    let file = settings::read_file(cli.common.config.as_deref())?;
    let settings = Settings::load(
        cli.common.settings.clone(),
        &matches,
        file.as_ref().map(|(p, t)| (p.as_path(), t.as_str())),
    )?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(run(&settings, cli.command))
}

/// Runs a command; a write is recorded in the audit log once it ended, however it ended.
async fn run(settings: &Settings, command: Command) -> Result<()> {
    let audited = audit_cli::audited(&command);
    let result = dispatch(settings, &command).await;
    if let Some((action, targets)) = audited {
        audit_cli::record(settings, action, targets, &result).await;
    }
    result
}

async fn dispatch(settings: &Settings, command: &Command) -> Result<()> {
    match command {
        Command::Serve(args) => serve(settings, args).await,
        Command::Demo => {
            let store = open_store(settings).await?;
            seed_demo(store.as_ref(), !settings.no_demo_recordings).await
        }
        Command::Keys(cmd) => keys(settings, cmd).await,
        Command::OauthApps(cmd) => oauth_apps(settings, cmd).await,
        Command::Users(cmd) => users(settings, cmd).await,
        Command::Import {
            call: Some(call),
            format,
            files,
            ..
        } => {
            let [path] = files.as_slice() else {
                bail!("a transcript import takes one file");
            };
            import(settings, call, format.as_deref(), path).await
        }
        Command::Import {
            call: None,
            user,
            no_wait,
            files,
            ..
        } => cli::import_media(settings, files, user.as_deref(), *no_wait).await,
        Command::Transcribe {
            format,
            language,
            max_speakers,
            file: path,
        } => cli::transcribe(settings, path, format, language.as_deref(), *max_speakers),
        Command::Enroll { user, file: path } => cli::enroll(settings, user, path).await,
        Command::Worker { drain, kinds } => cli::worker(settings, *drain, kinds).await,
        Command::Speakers {
            call,
            speaker,
            party,
        } => {
            let store = open_store(settings).await?;
            cli::speakers(store.as_ref(), call, speaker.as_deref(), party.as_deref()).await
        }
        Command::Jobs { call, state } => {
            let store = open_store(settings).await?;
            jobs(store.as_ref(), call.as_deref(), state.as_deref()).await
        }
        Command::Trackers(cmd) => {
            let store = open_store(settings).await?;
            analysis_cli::trackers(store.as_ref(), cmd).await
        }
        Command::Analyze {
            call,
            all: _,
            workspace,
            queued,
        } => {
            let store = open_store(settings).await?;
            if *queued {
                return analysis_cli::run_queued(store, settings).await;
            }
            analysis_cli::analyze(
                store.as_ref(),
                settings,
                call.as_deref(),
                workspace.as_deref(),
            )
            .await
        }
        Command::Audit { since, limit } => {
            audit_cli::print(settings, since.as_deref(), *limit).await
        }
        Command::Scorecards(args) => scorecards_cli::run(settings, args).await,
        Command::Library(args) => library_cli::run(settings, args).await,
        Command::Meetings(args) => meetings_cli::run(settings, args).await,
        Command::Crm(args) => crm_cli::run(settings, args).await,
        Command::Privacy(args) => privacy_cli::run(settings, args).await,
        Command::Access(args) => access_cli::run(settings, args).await,
        Command::Flows(args) => flows_cli::run(settings, args).await,
        Command::Rules(args) => rules_cli::run(settings, args).await,
        Command::CrmConnectors(args) => crm_writeback_cli::run_connectors(settings, args).await,
        Command::CrmWrites(args) => crm_writeback_cli::run_writes(settings, args).await,
        Command::Migrate(args) => migrate_cli::migrate(settings, args).await,
        Command::Backup(args) => migrate_cli::backup(settings, args).await,
        Command::Restore(args) => migrate_cli::restore(settings, args).await,
        Command::Connection(args) => client_cli::connection(args).await,
        Command::Request(args) => exit_with(client_cli::request(args).await?),
        Command::Action(args) => exit_with(action_cli::run(args, &settings.models).await?),
        Command::Mcp(args) => exit_with(mcp_cli::run(args).await?),
        Command::Config => {
            print!("{}", settings.to_toml()?);
            Ok(())
        }
        // Dispatched in `main`, before the runtime starts.
        Command::EngineHost => bail!("engine-host cannot run inside the async runtime"),
    }
}

/// Ends the process with a client command's exit code (0 returns normally).
fn exit_with(code: i32) -> Result<()> {
    if code != 0 {
        std::process::exit(code);
    }
    Ok(())
}

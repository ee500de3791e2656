//! `parley`: one binary for the server and its administration.
//!
//! Settings come from flags, then `PARLEY_*` environment variables, then a TOML file
//! (`--config`, default `parley.toml` in the current directory when present), then
//! built-in defaults. `parley config` prints the defaults as TOML.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use serde::{Deserialize, Serialize};

use parley_app::transcripts::{self, TranscriptFormat};
use parley_server::{AppState, RateLimit, ServerConfig};
use parley_store::Store;

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
    /// TOML settings file [default: ./parley.toml when it exists]
    #[arg(long, global = true, env = "PARLEY_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the database and media [default: ./parley-data]
    #[arg(long, global = true, env = "PARLEY_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL [default: sqlite://<data-dir>/parley.db]
    #[arg(long, global = true, env = "PARLEY_DATABASE_URL")]
    database_url: Option<String>,
    /// Where recordings are kept: file://PATH, s3://BUCKET/PREFIX [default: <data-dir>/media]
    #[arg(long, global = true, env = "PARLEY_MEDIA_URL")]
    media_url: Option<String>,
    /// Speech models folder, as scripts/fetch-models.sh fills it [default: ~/.cache/parley/models]
    #[arg(long, global = true, env = "PARLEY_MODELS")]
    models: Option<PathBuf>,
    /// Whisper model: base, tiny.en, or the path of a CTranslate2 Whisper folder [default: base]
    #[arg(long, global = true, env = "PARLEY_ASR_MODEL")]
    asr_model: Option<String>,
    /// CPU threads for speech recognition [default: all cores]
    #[arg(long, global = true, env = "PARLEY_ASR_THREADS")]
    asr_threads: Option<usize>,
    /// A transcription job that crashed the speech engine this many times ends failed [default: 3]
    #[arg(long, global = true, env = "PARLEY_ENGINE_CRASH_LIMIT")]
    engine_crash_limit: Option<u32>,
    /// Seconds a transcription may take before its engine is killed, plus
    /// --engine-timeout-factor times the recording's length [default: 60]
    #[arg(long, global = true, env = "PARLEY_ENGINE_TIMEOUT_SECS")]
    engine_timeout_secs: Option<u64>,
    /// Seconds of transcription allowed per second of audio, on top of --engine-timeout-secs [default: 4]
    #[arg(long, global = true, env = "PARLEY_ENGINE_TIMEOUT_FACTOR")]
    engine_timeout_factor: Option<f64>,
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
    /// Run background workers only (transcription, media download) against the database.
    Worker {
        /// Transcriptions to run at once (media pulls have their own slots:
        /// media_fetch_concurrency).
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
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
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        call: Option<String>,
        #[arg(long)]
        all: bool,
        /// With --all: only this workspace's calls.
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Print the default settings as TOML.
    Config,
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
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key; requests using it get 401.
    Revoke { access_key: String },
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
    },
    /// List users.
    List,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "PARLEY_LISTEN")]
    listen: Option<String>,
    /// Seed a demo company first (when the database has no calls) and print a demo key.
    #[arg(long)]
    demo: bool,
    /// Company time zone (IANA name) [default: UTC]
    #[arg(long, env = "PARLEY_TIMEZONE")]
    timezone: Option<String>,
    /// URL users reach Parley at, used in call links [default: http://<listen>]
    #[arg(long, env = "PARLEY_PUBLIC_URL")]
    public_url: Option<String>,
    /// Rate-limit preset: self-hosted (100/s, burst 200), gong (3/s, 10,000/day) or off
    #[arg(long, env = "PARLEY_RATE_LIMIT")]
    rate_limit: Option<String>,
    /// Do not run transcription workers in this process (run `parley worker` elsewhere).
    #[arg(long)]
    no_workers: bool,
}

/// The TOML file. Every key is optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    media_url: Option<String>,
    listen: Option<String>,
    timezone: Option<String>,
    public_url: Option<String>,
    rate_limit: Option<RateLimitFile>,
    page_size: Option<u32>,
    models: Option<PathBuf>,
    asr_model: Option<String>,
    asr_threads: Option<usize>,
    /// Hosts `downloadMediaUrl` may point at (see `parley_outbound`).
    media_fetch_allow: Option<Vec<String>>,
    /// `downloadMediaUrl` pulls run at once, apart from transcriptions (default 2).
    media_fetch_concurrency: Option<usize>,
    /// Bytes per second, averaged over 30 s, below which a pull is given up (0 = off).
    media_fetch_min_rate: Option<u64>,
    /// An OpenAI-compatible endpoint that writes call summaries (see `LlmFile`).
    llm: Option<LlmFile>,
    /// Calls kept rendered in memory for `GET /v2/calls` (~0.7 KB each; 0 = off).
    call_cache_entries: Option<usize>,
    /// Crashes of the speech engine after which a transcription job ends failed.
    engine_crash_limit: Option<u32>,
    /// A transcription's engine is killed after `engine_timeout_secs` plus
    /// `engine_timeout_factor` seconds per second of audio.
    engine_timeout_secs: Option<u64>,
    engine_timeout_factor: Option<f64>,
}

/// `[llm]`: summaries by a language model instead of the built-in extractive engine.
/// `PARLEY_LLM_URL` / `PARLEY_LLM_MODEL` override; the key comes only from
/// `PARLEY_LLM_API_KEY` so that it never sits in a file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LlmFile {
    /// API base, e.g. `http://localhost:11434/v1` (Ollama) or `https://api.openai.com/v1`.
    url: Option<String>,
    model: Option<String>,
    timeout_secs: Option<u64>,
    max_prompt_chars: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum RateLimitFile {
    Preset(String),
    Custom(RateLimit),
}

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_ASR_MODEL: &str = "base";
const DEFAULT_ENGINE_CRASH_LIMIT: u32 = 3;
const DEFAULT_ENGINE_TIMEOUT_SECS: u64 = 60;
const DEFAULT_ENGINE_TIMEOUT_FACTOR: f64 = 4.0;

mod analysis_cli;
mod asr;
mod cli;
mod engine;

fn load_file(common: &Common) -> Result<FileConfig> {
    let (path, explicit) = match &common.config {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from("parley.toml"), false),
    };
    if !path.exists() {
        if explicit {
            bail!("config file {} does not exist", path.display());
        }
        return Ok(FileConfig::default());
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// The data folder, created when missing.
fn data_dir(common: &Common, file: &FileConfig) -> Result<PathBuf> {
    let dir = common
        .data_dir
        .clone()
        .or_else(|| file.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from("parley-data"));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("creating data folder {}", dir.display()))?;
    Ok(dir)
}

fn database_url(common: &Common, file: &FileConfig) -> Result<String> {
    if let Some(url) = common
        .database_url
        .clone()
        .or_else(|| file.database_url.clone())
    {
        return Ok(url);
    }
    Ok(format!(
        "sqlite://{}",
        data_dir(common, file)?.join("parley.db").display()
    ))
}

async fn open_store(common: &Common, file: &FileConfig) -> Result<Arc<dyn Store>> {
    let url = database_url(common, file)?;
    parley_store::open(&url)
        .await
        .with_context(|| format!("opening database {}", parley_store::redact(&url)))
}

fn rate_limit(flag: Option<&str>, file: Option<&RateLimitFile>) -> Result<RateLimit> {
    let preset = |name: &str| {
        RateLimit::preset(name).with_context(|| {
            format!("unknown rate-limit preset {name:?}: use self-hosted, gong or off")
        })
    };
    match (flag, file) {
        (Some(name), _) => preset(name),
        (None, Some(RateLimitFile::Preset(name))) => preset(name),
        (None, Some(RateLimitFile::Custom(custom))) => Ok(*custom),
        (None, None) => Ok(RateLimit::SELF_HOSTED),
    }
}

/// Where recordings are kept: the flag or file setting, else `<data-dir>/media`.
fn media_url(common: &Common, file: &FileConfig) -> Result<String> {
    match common.media_url.clone().or_else(|| file.media_url.clone()) {
        Some(url) => Ok(url),
        None => Ok(format!(
            "file://{}",
            std::path::absolute(data_dir(common, file)?.join("media"))?.display()
        )),
    }
}

fn server_config(
    common: &Common,
    args: &ServeArgs,
    file: &FileConfig,
    listen: &str,
) -> Result<ServerConfig> {
    let data = data_dir(common, file)?;
    let media_url = media_url(common, file)?;
    let work_dir = data.join("tmp");
    std::fs::create_dir_all(&work_dir)
        .with_context(|| format!("creating {}", work_dir.display()))?;
    let tz_name = args
        .timezone
        .clone()
        .or_else(|| file.timezone.clone())
        .unwrap_or_else(|| "UTC".to_owned());
    let timezone = tz_name
        .parse()
        .map_err(|_| anyhow::anyhow!("unknown time zone {tz_name:?}"))?;
    let defaults = ServerConfig::default();
    Ok(ServerConfig {
        timezone,
        public_url: args
            .public_url
            .clone()
            .or_else(|| file.public_url.clone())
            .unwrap_or_else(|| format!("http://{listen}")),
        rate_limit: rate_limit(args.rate_limit.as_deref(), file.rate_limit.as_ref())?,
        page_size: file.page_size.unwrap_or(defaults.page_size).clamp(1, 100),
        media_url,
        work_dir,
        call_cache_entries: file
            .call_cache_entries
            .unwrap_or(defaults.call_cache_entries),
        ..defaults
    })
}

async fn seed_demo(store: &dyn Store) -> Result<()> {
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
    Ok(())
}

/// A use case's refusal as the CLI shows it: what kind of problem, then the message.
fn app_error(e: parley_app::AppError) -> anyhow::Error {
    use parley_app::AppError as E;
    let kind = match &e {
        E::Invalid(_) | E::NotMedia(_) => "invalid",
        E::NotFound(_) => "not found",
        E::Conflict(_) => "conflict",
        E::Forbidden(_) => "forbidden",
        E::Store(_) | E::Internal(_) => "failed",
    };
    anyhow::anyhow!("{kind}: {e}")
}

async fn serve(common: &Common, file: &FileConfig, args: &ServeArgs) -> Result<()> {
    let store = open_store(common, file).await?;
    let listen = args
        .listen
        .clone()
        .or_else(|| file.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let config = server_config(common, args, file, &listen)?;
    // The demo goes first so that its default workspace is the server's default.
    if args.demo {
        seed_demo(store.as_ref()).await?;
    }
    let state = AppState::new(store.clone(), config)
        .await
        .context("preparing the server state")?;
    if args.demo {
        let key = parley_server::auth::create_key(store.as_ref(), "demo").await?;
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
    tracing::info!(%addr, "listening");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers = if args.no_workers {
        None
    } else {
        let w = cli::workers(common, file, state.store.clone(), state.blobs.clone(), 1).await?;
        Some(tokio::spawn(w.run(stopped)))
    };
    parley_server::serve(listener, state, shutdown_signal()).await?;
    let _ = stop.send(true);
    if let Some(w) = workers {
        let _ = w.await;
    }
    Ok(())
}

async fn users(common: &Common, file: &FileConfig, cmd: &UsersCommand) -> Result<()> {
    let store = open_store(common, file).await?;
    match cmd {
        UsersCommand::Add {
            email,
            name,
            title,
            manager,
        } => {
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
            println!("added user {}  {}", user.id, user.email);
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

async fn keys(common: &Common, file: &FileConfig, cmd: &KeysCommand) -> Result<()> {
    let store = open_store(common, file).await?;
    match cmd {
        KeysCommand::Create { name } => {
            let key = parley_server::auth::create_key(store.as_ref(), name).await?;
            println!("access key: {}", key.access_key);
            println!("secret:     {}", key.secret);
            println!("the secret is shown only now; Parley keeps only its hash");
        }
        KeysCommand::List => {
            for k in store.list_api_keys().await? {
                let state = match k.revoked {
                    Some(t) => format!("revoked {}", t.to_rfc3339()),
                    None => "active".to_owned(),
                };
                println!(
                    "{}  {:<20}  created {}  {}",
                    k.access_key,
                    k.name,
                    k.created.to_rfc3339(),
                    state
                );
            }
        }
        KeysCommand::Revoke { access_key } => {
            if !store.revoke_api_key(access_key, chrono::Utc::now()).await? {
                bail!("no active key {access_key}");
            }
            println!("revoked {access_key}");
        }
    }
    Ok(())
}

async fn import(
    common: &Common,
    file: &FileConfig,
    call: &str,
    format: Option<&str>,
    path: &Path,
) -> Result<()> {
    let store = open_store(common, file).await?;
    let call_id =
        parley_domain::parse_id(call).with_context(|| format!("{call:?} is not a call id"))?;
    let format = format
        .map(|f| {
            TranscriptFormat::from_name(f)
                .with_context(|| format!("unknown format {f:?}: use vtt, srt or json"))
        })
        .transpose()?;
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let report = transcripts::import_transcript(
        store.as_ref(),
        parley_domain::CallId(call_id),
        format,
        &bytes,
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

fn main() -> Result<()> {
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_env("PARLEY_LOG")
            .unwrap_or_else(|_| "info,sqlx=warn".into())
    };
    let cli = Cli::parse();
    if let Command::EngineHost = cli.command {
        // Its stderr goes into the worker's log, which adds its own time and colours. No
        // tokio runtime: the host only runs the (blocking) speech engine.
        tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .without_time()
            .init();
        // Every setting it needs comes as a flag from the worker that started it.
        return engine::host_main(|| cli::load_asr(&cli.common, &FileConfig::default()));
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .init();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    let file = load_file(&cli.common)?;
    match &cli.command {
        Command::Serve(args) => serve(&cli.common, &file, args).await,
        Command::Demo => {
            let store = open_store(&cli.common, &file).await?;
            seed_demo(store.as_ref()).await
        }
        Command::Keys(cmd) => keys(&cli.common, &file, cmd).await,
        Command::Users(cmd) => users(&cli.common, &file, cmd).await,
        Command::Import {
            call: Some(call),
            format,
            files,
            ..
        } => {
            let [path] = files.as_slice() else {
                bail!("a transcript import takes one file");
            };
            import(&cli.common, &file, call, format.as_deref(), path).await
        }
        Command::Import {
            call: None,
            user,
            no_wait,
            files,
            ..
        } => cli::import_media(&cli.common, &file, files, user.as_deref(), *no_wait).await,
        Command::Transcribe {
            format,
            language,
            max_speakers,
            file: path,
        } => cli::transcribe(
            &cli.common,
            &file,
            path,
            format,
            language.as_deref(),
            *max_speakers,
        ),
        Command::Enroll { user, file: path } => cli::enroll(&cli.common, &file, user, path).await,
        Command::Worker { concurrency } => cli::worker(&cli.common, &file, *concurrency).await,
        Command::Speakers {
            call,
            speaker,
            party,
        } => {
            let store = open_store(&cli.common, &file).await?;
            cli::speakers(store.as_ref(), call, speaker.as_deref(), party.as_deref()).await
        }
        Command::Jobs { call, state } => {
            let store = open_store(&cli.common, &file).await?;
            jobs(store.as_ref(), call.as_deref(), state.as_deref()).await
        }
        Command::Trackers(cmd) => {
            let store = open_store(&cli.common, &file).await?;
            analysis_cli::trackers(store.as_ref(), cmd).await
        }
        Command::Analyze {
            call,
            all: _,
            workspace,
        } => {
            let store = open_store(&cli.common, &file).await?;
            analysis_cli::analyze(store.as_ref(), &file, call.as_deref(), workspace.as_deref())
                .await
        }
        Command::Config => {
            let defaults = FileConfig {
                data_dir: Some(PathBuf::from("parley-data")),
                database_url: None,
                media_url: None,
                listen: Some(DEFAULT_LISTEN.to_owned()),
                timezone: Some("UTC".to_owned()),
                public_url: None,
                rate_limit: Some(RateLimitFile::Custom(RateLimit::SELF_HOSTED)),
                page_size: Some(100),
                models: Some(parley_asr::ModelFiles::default_dir()),
                asr_model: Some(DEFAULT_ASR_MODEL.to_owned()),
                asr_threads: None,
                media_fetch_allow: Some(vec!["*".to_owned()]),
                media_fetch_concurrency: Some(
                    parley_app::worker::WorkerConfig::default().media_concurrency,
                ),
                media_fetch_min_rate: Some(parley_outbound::DEFAULT_MIN_BYTES_PER_SEC),
                llm: None,
                call_cache_entries: Some(ServerConfig::default().call_cache_entries),
                engine_crash_limit: Some(DEFAULT_ENGINE_CRASH_LIMIT),
                engine_timeout_secs: Some(DEFAULT_ENGINE_TIMEOUT_SECS),
                engine_timeout_factor: Some(DEFAULT_ENGINE_TIMEOUT_FACTOR),
            };
            print!("{}", toml::to_string(&defaults)?);
            Ok(())
        }
        // Dispatched in `main`, before the runtime starts.
        Command::EngineHost => bail!("engine-host cannot run inside the async runtime"),
    }
}

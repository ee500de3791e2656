//! Every setting of the binary, in one type, built once at start.
//!
//! [`Settings`] is modelled on meilisearch's `Opt`: each field is declared once, and that
//! one declaration carries everything about the setting:
//! - its TOML key is the field name (`[llm]` fields sit in the `llm` table);
//! - its flag and `PARLEY_*` variable are the clap `long` and `env` attributes;
//! - its default is the clap `default_value*` attribute (taken, where a library type owns
//!   the limit, from that type's `Default`, so the number is written once);
//! - its documentation is the doc comment, which `--help` shows.
//!
//! Precedence, strongest first: flags, `PARLEY_*` environment, the TOML file, defaults.
//! Clap resolves the first two and the defaults, and records where each value came from
//! ([`clap::parser::ValueSource`]); [`Settings::load`] then lets every key of the file
//! replace the values that came from a default (or were left unset), and deserializes the
//! result once more through serde, so that the file and the command line meet the same
//! types. Unknown keys in the file are refused by name. This keeps the one struct and needs
//! no second "optional" copy of it, no hand-written merge per field, and no writing of the
//! file into the process environment (meilisearch's trick).
//!
//! **Invariant:** settings are read once, at start, here (`main` calls [`read_file`] and
//! [`Settings::load`]); no other code of the binary reads a `PARLEY_*` variable or the file
//! for a setting, and the libraries take their settings as values. [`Settings::server_config`],
//! [`Settings::worker_config`], [`Settings::fetch_policy`] and [`Settings::llm_config`] turn
//! them into the libraries' own types.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::parser::ValueSource;
use clap::{ArgMatches, Args};
use serde::{Deserialize, Serialize};

use parley_app::analysis::LlmConfig;
use parley_app::worker::WorkerConfig;
use parley_outbound::{FetchPolicy, HostAllowList};
use parley_server::{RateLimit, RateLimitScope, ServerConfig};

fn server() -> ServerConfig {
    ServerConfig::default()
}
fn limits() -> parley_app::Limits {
    parley_app::Limits::default()
}
fn worker() -> WorkerConfig {
    WorkerConfig::default()
}
fn fetch() -> FetchPolicy {
    FetchPolicy::default()
}

/// Seconds an LLM request may take.
const DEFAULT_LLM_TIMEOUT_SECS: u64 = 120;
/// Longest transcript (characters) put into one LLM prompt.
const DEFAULT_LLM_MAX_PROMPT_CHARS: usize = 60_000;

/// Every setting (see the module documentation for how each is declared and merged).
#[derive(Debug, Clone, PartialEq, Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Folder for the database and media
    #[arg(
        long,
        global = true,
        env = "PARLEY_DATA_DIR",
        default_value = "parley-data"
    )]
    pub data_dir: PathBuf,
    /// Database URL [default: sqlite://<data-dir>/parley.db]
    #[arg(long, global = true, env = "PARLEY_DATABASE_URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// Where recordings are kept: file://PATH, s3://BUCKET/PREFIX [default: <data-dir>/media]
    #[arg(long, global = true, env = "PARLEY_MEDIA_URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,

    /// Address the server listens on
    #[arg(
        long,
        global = true,
        env = "PARLEY_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: String,
    /// Company time zone (IANA name)
    #[arg(long, global = true, env = "PARLEY_TIMEZONE", default_value = "UTC")]
    pub timezone: String,
    /// URL users reach Parley at, used in call links [default: http://<listen>]
    #[arg(long, global = true, env = "PARLEY_PUBLIC_URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Rate limit per API key: self-hosted (100/s, burst 200), gong (3/s, 10,000/day) or
    /// off; in the file also a table {per_second, burst, per_day}
    #[arg(
        long,
        global = true,
        env = "PARLEY_RATE_LIMIT",
        default_value = "self-hosted"
    )]
    pub rate_limit: RateLimitSetting,
    /// Where rate limits and the sign-in and secret throttles are counted: shared (in the
    /// database, one count for every node on it) or node (in each process's memory)
    /// [default: shared on PostgreSQL, node on SQLite]
    #[arg(long, global = true, env = "PARLEY_RATE_LIMIT_SCOPE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_scope: Option<RateLimitScope>,
    /// Records per page on every paged endpoint, 1 to 100 (Gong: 100)
    #[arg(long, global = true, env = "PARLEY_PAGE_SIZE", default_value_t = server().page_size)]
    pub page_size: u32,
    /// Largest JSON request body accepted (bytes)
    #[arg(long, global = true, env = "PARLEY_MAX_JSON_BYTES", default_value_t = server().max_json_bytes)]
    pub max_json_bytes: usize,
    /// Largest transcript file accepted (bytes)
    #[arg(long, global = true, env = "PARLEY_MAX_TRANSCRIPT_BYTES", default_value_t = server().max_transcript_bytes)]
    pub max_transcript_bytes: usize,
    /// Largest recording accepted by upload (bytes; Gong: 1.5 GB)
    #[arg(long, global = true, env = "PARLEY_MAX_MEDIA_BYTES", default_value_t = server().max_media_bytes)]
    pub max_media_bytes: u64,
    /// Seconds a verified API key is trusted before its row is read again (bounds how long a
    /// revocation made elsewhere takes to apply; 0 = every request)
    #[arg(long, global = true, env = "PARLEY_KEY_RECHECK_SECS", default_value_t = server().key_recheck_secs)]
    pub key_recheck_secs: u64,
    /// Calls kept rendered in memory for GET /v2/calls (about 0.7 KB each; 0 = off)
    #[arg(long, global = true, env = "PARLEY_CALL_CACHE_ENTRIES", default_value_t = server().call_cache_entries)]
    pub call_cache_entries: usize,
    /// Hours a sign-in session lasts
    #[arg(long, global = true, env = "PARLEY_SESSION_HOURS", default_value_t = server().session_hours)]
    pub session_hours: u32,
    /// Hours a signed recording URL (media.audioUrl / videoUrl) works (Gong: 8)
    #[arg(long, global = true, env = "PARLEY_MEDIA_URL_HOURS", default_value_t = server().media_url_hours)]
    pub media_url_hours: u32,
    /// Seconds an OAuth access token works
    #[arg(long, global = true, env = "PARLEY_OAUTH_ACCESS_TOKEN_SECS", default_value_t = server().oauth_tokens.access_secs as u64)]
    pub oauth_access_token_secs: u64,
    /// Days an unused OAuth refresh token works (each refresh starts a new one)
    #[arg(long, global = true, env = "PARLEY_OAUTH_REFRESH_TOKEN_DAYS", default_value_t = (server().oauth_tokens.refresh_secs / 86_400) as u64)]
    pub oauth_refresh_token_days: u64,
    /// Believe X-Forwarded-For (its last address) as the client's address in the audit
    /// log: turn on only behind a proxy that sets it
    #[arg(long, global = true, env = "PARLEY_TRUST_PROXY", default_value_t = server().trust_proxy)]
    pub trust_proxy: bool,
    /// Give the demo company's calls no recordings (by default each call's script is
    /// spoken by espeak-ng, when it is installed, into a recording of the call)
    #[arg(long, global = true, env = "PARLEY_NO_DEMO_RECORDINGS")]
    #[serde(default)]
    pub no_demo_recordings: bool,
    /// Days audit log entries are kept (0 = forever)
    #[arg(long, global = true, env = "PARLEY_AUDIT_RETENTION_DAYS", default_value_t = server().audit.retention_days)]
    pub audit_retention_days: u32,
    /// Bytes of rendered calls kept in memory for listings (0 = off)
    #[arg(long, global = true, env = "PARLEY_CALL_CACHE_BYTES", default_value_t = server().call_cache_bytes)]
    pub call_cache_bytes: usize,
    /// Parties per call
    #[arg(long, global = true, env = "PARLEY_MAX_CALL_PARTIES", default_value_t = limits().max_call_parties)]
    pub max_call_parties: usize,
    /// Fields per CRM object of a call or a party
    #[arg(long, global = true, env = "PARLEY_MAX_CRM_FIELDS", default_value_t = limits().max_crm_fields)]
    pub max_crm_fields: usize,
    /// Sentences per transcript
    #[arg(long, global = true, env = "PARLEY_MAX_TRANSCRIPT_SENTENCES", default_value_t = limits().max_transcript_sentences)]
    pub max_transcript_sentences: usize,
    /// Speech segments of a created call's speakersTimeline
    #[arg(long, global = true, env = "PARLEY_MAX_TIMELINE_SEGMENTS", default_value_t = limits().max_timeline_segments)]
    pub max_timeline_segments: usize,
    /// Bytes of one generic-CRM upload file (POST /v2/crm/entities)
    #[arg(long, global = true, env = "PARLEY_MAX_CRM_UPLOAD_BYTES", default_value_t = limits().max_crm_upload_bytes)]
    pub max_crm_upload_bytes: usize,
    /// Lines (objects) of one generic-CRM upload file
    #[arg(long, global = true, env = "PARLEY_MAX_CRM_UPLOAD_LINES", default_value_t = limits().max_crm_upload_lines)]
    pub max_crm_upload_lines: usize,
    /// Automation rules per workspace
    #[arg(long, global = true, env = "PARLEY_MAX_RULES_PER_WORKSPACE", default_value_t = limits().max_rules_per_workspace)]
    pub max_rules_per_workspace: usize,
    /// Actions of one automation rule
    #[arg(long, global = true, env = "PARLEY_MAX_RULE_ACTIONS", default_value_t = limits().max_rule_actions)]
    pub max_rule_actions: usize,
    /// Values in one automation rule's filter (all its lists together)
    #[arg(long, global = true, env = "PARLEY_MAX_RULE_FILTER_VALUES", default_value_t = limits().max_rule_filter_values)]
    pub max_rule_filter_values: usize,
    /// Characters of a webhook URL
    #[arg(long, global = true, env = "PARLEY_MAX_WEBHOOK_URL_CHARS", default_value_t = limits().max_webhook_url_chars)]
    pub max_webhook_url_chars: usize,
    /// Past calls a rule is applied to when saved with applyToPastCalls
    #[arg(long, global = true, env = "PARLEY_MAX_RULE_BACKFILL_CALLS", default_value_t = limits().max_rule_backfill_calls)]
    pub max_rule_backfill_calls: usize,
    /// Deliveries listed at once from a rule's delivery log
    #[arg(long, global = true, env = "PARLEY_MAX_DELIVERIES_PAGE", default_value_t = limits().max_deliveries_page)]
    pub max_deliveries_page: usize,
    /// Recording requests (media URLs, byte ranges included) per minute per access key, or
    /// per client address for signed URLs; 0 turns the limit off
    #[arg(long, global = true, env = "PARLEY_MEDIA_REQUESTS_PER_MINUTE", default_value_t = limits().media_requests_per_minute)]
    pub media_requests_per_minute: u32,
    /// Ids in one list of a request filter (callIds, primaryUserIds, userIds), duplicates dropped
    #[arg(long, global = true, env = "PARLEY_MAX_FILTER_IDS", default_value_t = server().max_filter_ids)]
    pub max_filter_ids: usize,
    /// Periods (days, weeks, ...) one aggregate-by-period stats request may span
    #[arg(long, global = true, env = "PARLEY_MAX_STATS_PERIODS", default_value_t = server().max_stats_periods)]
    pub max_stats_periods: usize,
    /// Days one coaching request may span (to - from)
    #[arg(long, global = true, env = "PARLEY_MAX_COACHING_DAYS", default_value_t = server().max_coaching_days)]
    pub max_coaching_days: u32,
    /// Characters of one comment on a call
    #[arg(long, global = true, env = "PARLEY_MAX_COMMENT_CHARS", default_value_t = server().max_comment_chars)]
    pub max_comment_chars: usize,
    /// Comments one call holds (public and private, replies included)
    #[arg(long, global = true, env = "PARLEY_MAX_COMMENTS_PER_CALL", default_value_t = server().max_comments_per_call)]
    pub max_comments_per_call: usize,
    /// Days a link to a call shared outside the company may stay open
    #[arg(long, global = true, env = "PARLEY_MAX_SHARE_DAYS", default_value_t = server().max_share_days)]
    pub max_share_days: u32,
    /// Links one call may have (open, expired and revoked)
    #[arg(long, global = true, env = "PARLEY_MAX_SHARES_PER_CALL", default_value_t = server().max_shares_per_call)]
    pub max_shares_per_call: usize,
    /// Bytes one response may hold in memory, about; a page of big calls is cut short to stay under it
    #[arg(long, global = true, env = "PARLEY_REQUEST_MEMORY_BYTES", default_value_t = server().request_memory_bytes)]
    pub request_memory_bytes: usize,
    /// Requests served at once; more are answered 503
    #[arg(long, global = true, env = "PARLEY_MAX_REQUESTS_IN_FLIGHT", default_value_t = server().max_requests_in_flight)]
    pub max_requests_in_flight: usize,
    /// Open client connections; past it the server accepts no more until one closes (the kernel queues the rest)
    #[arg(long, global = true, env = "PARLEY_MAX_CONNECTIONS", default_value_t = server().max_connections)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers
    #[arg(long, global = true, env = "PARLEY_HEADER_READ_TIMEOUT_SECS", default_value_t = server().header_read_timeout_secs)]
    pub header_read_timeout_secs: u64,
    /// Seconds a request body may go without a byte (408)
    #[arg(long, global = true, env = "PARLEY_BODY_READ_TIMEOUT_SECS", default_value_t = server().body_read_timeout_secs)]
    pub body_read_timeout_secs: u64,
    /// Seconds a whole request may take (408; recording uploads excepted)
    #[arg(long, global = true, env = "PARLEY_REQUEST_TIMEOUT_SECS", default_value_t = server().request_timeout_secs)]
    pub request_timeout_secs: u64,

    /// Speech models folder, as scripts/fetch-models.sh fills it
    #[arg(long, global = true, env = "PARLEY_MODELS", default_value_os_t = parley_asr::ModelFiles::default_dir())]
    pub models: PathBuf,
    /// Whisper model: base, tiny.en, or the path of a CTranslate2 Whisper folder
    #[arg(long, global = true, env = "PARLEY_ASR_MODEL", default_value = "base")]
    pub asr_model: String,
    /// CPU threads for speech recognition (0 = all cores)
    #[arg(long, global = true, env = "PARLEY_ASR_THREADS", default_value_t = 0)]
    pub asr_threads: usize,
    /// A transcription job that crashed the speech engine this many times ends failed
    #[arg(long, global = true, env = "PARLEY_ENGINE_CRASH_LIMIT", default_value_t = worker().engine_crash_limit)]
    pub engine_crash_limit: u32,
    /// Seconds a transcription may take before its engine is killed, plus
    /// engine_timeout_factor times the recording's length
    #[arg(
        long,
        global = true,
        env = "PARLEY_ENGINE_TIMEOUT_SECS",
        default_value_t = 60
    )]
    pub engine_timeout_secs: u64,
    /// Seconds of transcription allowed per second of audio, on top of engine_timeout_secs
    #[arg(
        long,
        global = true,
        env = "PARLEY_ENGINE_TIMEOUT_FACTOR",
        default_value_t = 4.0
    )]
    pub engine_timeout_factor: f64,

    /// Transcriptions run at once by this process's workers (`parley worker --concurrency`)
    #[arg(long, alias = "concurrency", global = true, env = "PARLEY_WORKER_CONCURRENCY", default_value_t = worker().concurrency)]
    pub worker_concurrency: usize,
    /// Seconds a job stays held without a heartbeat before another worker takes it over
    #[arg(long, global = true, env = "PARLEY_WORKER_LEASE_SECS", default_value_t = worker().lease_secs)]
    pub worker_lease_secs: u32,
    /// Milliseconds between an idle worker's looks for work
    #[arg(long, global = true, env = "PARLEY_WORKER_POLL_MS", default_value_t = worker().poll.as_millis() as u64)]
    pub worker_poll_ms: u64,

    /// Hosts downloadMediaUrl may point at (comma-separated in flag and environment);
    /// * = any host whose addresses are all public
    #[arg(
        long,
        global = true,
        env = "PARLEY_MEDIA_FETCH_ALLOW",
        value_delimiter = ',',
        default_value = "*"
    )]
    pub media_fetch_allow: Vec<String>,
    /// downloadMediaUrl pulls run at once per process, apart from transcriptions
    #[arg(long, global = true, env = "PARLEY_MEDIA_FETCH_CONCURRENCY", default_value_t = worker().media_concurrency)]
    pub media_fetch_concurrency: usize,
    /// Bytes per second, averaged over media_fetch_min_rate_window_secs, below which a pull
    /// is given up and retried later (0 = off)
    #[arg(long, global = true, env = "PARLEY_MEDIA_FETCH_MIN_RATE", default_value_t = fetch().min_bytes_per_sec)]
    pub media_fetch_min_rate: u64,
    /// Seconds the minimum pull rate is averaged over
    #[arg(long, global = true, env = "PARLEY_MEDIA_FETCH_MIN_RATE_WINDOW_SECS", default_value_t = fetch().min_rate_window.as_secs())]
    pub media_fetch_min_rate_window_secs: u64,
    /// Largest recording a pull downloads (bytes)
    #[arg(long, global = true, env = "PARLEY_MEDIA_FETCH_MAX_BYTES", default_value_t = fetch().max_bytes)]
    pub media_fetch_max_bytes: u64,
    /// Seconds for resolving and connecting to a media host, per hop
    #[arg(long, global = true, env = "PARLEY_MEDIA_FETCH_CONNECT_TIMEOUT_SECS", default_value_t = fetch().connect_timeout.as_secs())]
    pub media_fetch_connect_timeout_secs: u64,
    /// Seconds a whole pull may take, redirects included
    #[arg(long, global = true, env = "PARLEY_MEDIA_FETCH_TOTAL_TIMEOUT_SECS", default_value_t = fetch().total_timeout.as_secs())]
    pub media_fetch_total_timeout_secs: u64,
    /// Seconds without a byte after which a pull fails
    #[arg(long, global = true, env = "PARLEY_MEDIA_FETCH_IDLE_TIMEOUT_SECS", default_value_t = fetch().idle_timeout.as_secs())]
    pub media_fetch_idle_timeout_secs: u64,
    /// Redirects a pull follows at most (each hop checked against media_fetch_allow)
    #[arg(long, global = true, env = "PARLEY_MEDIA_FETCH_MAX_REDIRECTS", default_value_t = fetch().max_redirects)]
    pub media_fetch_max_redirects: usize,

    /// Hosts automation webhooks may be sent to (comma-separated in flag and environment;
    /// same patterns as media_fetch_allow); * = any host whose addresses are all public
    #[arg(
        long,
        global = true,
        env = "PARLEY_WEBHOOK_ALLOW",
        value_delimiter = ',',
        default_value = "*"
    )]
    pub webhook_allow: Vec<String>,
    /// Seconds one webhook request may take (connecting included)
    #[arg(
        long,
        global = true,
        env = "PARLEY_WEBHOOK_TIMEOUT_SECS",
        default_value_t = 30
    )]
    pub webhook_timeout_secs: u64,
    /// Hours a webhook delivery is retried for (network errors, timeouts, 408, 429, 5xx)
    #[arg(
        long,
        global = true,
        env = "PARLEY_WEBHOOK_RETRY_HOURS",
        default_value_t = 24
    )]
    pub webhook_retry_hours: u32,
    /// Deliveries given up in a row that switch an automation rule off (0 = never)
    #[arg(
        long,
        global = true,
        env = "PARLEY_WEBHOOK_DISABLE_AFTER",
        default_value_t = 20
    )]
    pub webhook_disable_after: u32,
    /// Webhook deliveries sent at once per process
    #[arg(long, global = true, env = "PARLEY_WEBHOOK_CONCURRENCY", default_value_t = worker().delivery_concurrency)]
    pub webhook_concurrency: usize,
    /// The webhook signing key (RSA, PKCS#8 PEM, mode 0600, made on first use); every node
    /// and worker must name the same file [default: <data-dir>/webhook-signing-key.pem]
    #[arg(long, global = true, env = "PARLEY_WEBHOOK_KEY_FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_key_file: Option<PathBuf>,

    /// `[llm]`: summaries by an OpenAI-compatible model instead of the built-in engine.
    #[command(flatten)]
    pub llm: LlmSettings,
}

/// The `[llm]` table. Its clap ids are `llm_<key>`, which is how [`Settings::load`] finds
/// the flag of a key of the table.
#[derive(Debug, Clone, PartialEq, Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSettings {
    /// LLM API base, e.g. http://localhost:11434/v1 (Ollama) [default: none, the built-in
    /// extractive summaries]
    #[arg(
        id = "llm_url",
        long = "llm-url",
        global = true,
        env = "PARLEY_LLM_URL"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// LLM model name (needed with an LLM url)
    #[arg(
        id = "llm_model",
        long = "llm-model",
        global = true,
        env = "PARLEY_LLM_MODEL"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// LLM API key, sent as a bearer token. Only from the environment (never a file, never
    /// printed by `parley config`).
    #[arg(
        id = "llm_api_key",
        long = "llm-api-key",
        hide = true,
        global = true,
        env = "PARLEY_LLM_API_KEY",
        hide_env_values = true
    )]
    #[serde(skip)]
    pub api_key: Option<String>,
    /// Seconds an LLM request may take
    #[arg(id = "llm_timeout_secs", long = "llm-timeout-secs", global = true, env = "PARLEY_LLM_TIMEOUT_SECS", default_value_t = DEFAULT_LLM_TIMEOUT_SECS)]
    pub timeout_secs: u64,
    /// Longest transcript (characters) put into one LLM prompt
    #[arg(id = "llm_max_prompt_chars", long = "llm-max-prompt-chars", global = true, env = "PARLEY_LLM_MAX_PROMPT_CHARS", default_value_t = DEFAULT_LLM_MAX_PROMPT_CHARS)]
    pub max_prompt_chars: usize,
}

/// `rate_limit`: a preset name (flag, environment or file) or, in the file, a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RateLimitSetting {
    Preset(String),
    Custom(RateLimit),
}

impl std::str::FromStr for RateLimitSetting {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match RateLimit::preset(s) {
            Some(_) => Ok(RateLimitSetting::Preset(s.to_owned())),
            None => Err(format!(
                "unknown rate-limit preset {s:?}: use self-hosted, gong or off"
            )),
        }
    }
}

impl RateLimitSetting {
    fn limit(&self) -> Result<RateLimit> {
        match self {
            RateLimitSetting::Preset(name) => RateLimit::preset(name).with_context(|| {
                format!("rate_limit: unknown preset {name:?}: use self-hosted, gong or off")
            }),
            RateLimitSetting::Custom(limit) => Ok(*limit),
        }
    }
}

/// The settings file: `--config` / `PARLEY_CONFIG`, else `./parley.toml` when it exists.
/// `None` when there is none.
pub fn read_file(explicit: Option<&Path>) -> Result<Option<(PathBuf, String)>> {
    let path = match explicit {
        Some(p) => p.to_owned(),
        None => {
            let p = PathBuf::from("parley.toml");
            if !p.exists() {
                return Ok(None);
            }
            p
        }
    };
    if !path.exists() {
        bail!("config file {} does not exist", path.display());
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Some((path, text)))
}

impl Settings {
    /// The OAuth token lifetimes, at most a year for access tokens and ten for refresh
    /// tokens (beyond, a token is a password that never changes).
    fn oauth_tokens(&self) -> Result<parley_app::oauth::TokenLifetimes> {
        const MAX_ACCESS_SECS: u64 = 365 * 86_400;
        const MAX_REFRESH_DAYS: u64 = 3_650;
        if self.oauth_access_token_secs > MAX_ACCESS_SECS {
            bail!(
                "oauth_access_token_secs: at most {MAX_ACCESS_SECS}, got {}",
                self.oauth_access_token_secs
            );
        }
        if self.oauth_refresh_token_days > MAX_REFRESH_DAYS {
            bail!(
                "oauth_refresh_token_days: at most {MAX_REFRESH_DAYS}, got {}",
                self.oauth_refresh_token_days
            );
        }
        // Both fit an i64 after the checks above.
        Ok(parley_app::oauth::TokenLifetimes {
            access_secs: self.oauth_access_token_secs as i64,
            refresh_secs: (self.oauth_refresh_token_days * 86_400) as i64,
        })
    }

    /// Merges the file under what clap parsed (`parsed`, from `matches`), then checks and
    /// completes the result. `file` is the file's path (for messages) and text.
    pub fn load(
        parsed: Settings,
        matches: &ArgMatches,
        file: Option<(&Path, &str)>,
    ) -> Result<Settings> {
        let settings = match file {
            None => parsed,
            Some((path, text)) => merge_file(parsed, matches, text)
                .with_context(|| format!("parsing {}", path.display()))?,
        };
        settings.validate()?;
        Ok(settings)
    }

    /// The settings whose defaults derive from others, with their values: `parley config`
    /// shows them as comments, so that a printed file does not pin them.
    fn derived(&self) -> Vec<(&'static str, String, &'static str)> {
        let mut out = Vec::new();
        if self.database_url.is_none() {
            out.push(("database_url", self.database_url(), "data_dir"));
        }
        if self.media_url.is_none() {
            out.push(("media_url", self.media_url(), "data_dir"));
        }
        if self.public_url.is_none() {
            out.push(("public_url", self.public_url(), "listen"));
        }
        if self.webhook_key_file.is_none() {
            out.push((
                "webhook_key_file",
                self.webhook_key_file().display().to_string(),
                "data_dir",
            ));
        }
        if self.rate_limit_scope.is_none() {
            out.push((
                "rate_limit_scope",
                self.rate_limit_scope().name().to_owned(),
                "database_url",
            ));
        }
        out
    }

    /// Refuses values that cannot work, naming the setting.
    fn validate(&self) -> Result<()> {
        let positive = [
            ("max_json_bytes", self.max_json_bytes as u64),
            ("max_transcript_bytes", self.max_transcript_bytes as u64),
            ("max_media_bytes", self.max_media_bytes),
            ("max_call_parties", self.max_call_parties as u64),
            ("max_crm_fields", self.max_crm_fields as u64),
            (
                "max_transcript_sentences",
                self.max_transcript_sentences as u64,
            ),
            ("max_timeline_segments", self.max_timeline_segments as u64),
            ("max_crm_upload_bytes", self.max_crm_upload_bytes as u64),
            ("max_crm_upload_lines", self.max_crm_upload_lines as u64),
            (
                "max_rules_per_workspace",
                self.max_rules_per_workspace as u64,
            ),
            ("max_rule_actions", self.max_rule_actions as u64),
            ("max_rule_filter_values", self.max_rule_filter_values as u64),
            ("max_webhook_url_chars", self.max_webhook_url_chars as u64),
            (
                "max_rule_backfill_calls",
                self.max_rule_backfill_calls as u64,
            ),
            ("max_deliveries_page", self.max_deliveries_page as u64),
            ("webhook_timeout_secs", self.webhook_timeout_secs),
            ("webhook_retry_hours", self.webhook_retry_hours.into()),
            ("webhook_concurrency", self.webhook_concurrency as u64),
            ("max_filter_ids", self.max_filter_ids as u64),
            ("max_stats_periods", self.max_stats_periods as u64),
            ("max_coaching_days", u64::from(self.max_coaching_days)),
            ("max_comment_chars", self.max_comment_chars as u64),
            ("max_comments_per_call", self.max_comments_per_call as u64),
            ("max_share_days", u64::from(self.max_share_days)),
            ("max_shares_per_call", self.max_shares_per_call as u64),
            ("request_memory_bytes", self.request_memory_bytes as u64),
            ("max_requests_in_flight", self.max_requests_in_flight as u64),
            ("max_connections", self.max_connections as u64),
            ("header_read_timeout_secs", self.header_read_timeout_secs),
            ("body_read_timeout_secs", self.body_read_timeout_secs),
            ("request_timeout_secs", self.request_timeout_secs),
            ("engine_crash_limit", self.engine_crash_limit.into()),
            ("engine_timeout_secs", self.engine_timeout_secs),
            ("worker_concurrency", self.worker_concurrency as u64),
            ("worker_lease_secs", self.worker_lease_secs.into()),
            ("worker_poll_ms", self.worker_poll_ms),
            (
                "media_fetch_concurrency",
                self.media_fetch_concurrency as u64,
            ),
            (
                "media_fetch_min_rate_window_secs",
                self.media_fetch_min_rate_window_secs,
            ),
            ("media_fetch_max_bytes", self.media_fetch_max_bytes),
            (
                "media_fetch_connect_timeout_secs",
                self.media_fetch_connect_timeout_secs,
            ),
            (
                "media_fetch_total_timeout_secs",
                self.media_fetch_total_timeout_secs,
            ),
            (
                "media_fetch_idle_timeout_secs",
                self.media_fetch_idle_timeout_secs,
            ),
            ("llm.timeout_secs", self.llm.timeout_secs),
            ("session_hours", u64::from(self.session_hours)),
            ("media_url_hours", u64::from(self.media_url_hours)),
            ("oauth_access_token_secs", self.oauth_access_token_secs),
            ("oauth_refresh_token_days", self.oauth_refresh_token_days),
            ("llm.max_prompt_chars", self.llm.max_prompt_chars as u64),
        ];
        for (name, value) in positive {
            if value == 0 {
                bail!("{name}: must be at least 1, got 0");
            }
        }
        if !(1..=100).contains(&self.page_size) {
            bail!("page_size: must be 1 to 100, got {}", self.page_size);
        }
        if !self.engine_timeout_factor.is_finite() || self.engine_timeout_factor < 0.0 {
            bail!(
                "engine_timeout_factor: must be a number of seconds, 0 or more, got {}",
                self.engine_timeout_factor
            );
        }
        self.timezone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| anyhow::anyhow!("timezone: unknown time zone {:?}", self.timezone))?;
        self.rate_limit.limit()?;
        self.allow_list()?;
        HostAllowList::parse(&self.webhook_allow)
            .map_err(|e| anyhow::anyhow!("webhook_allow: {e}"))?;
        if self
            .llm
            .url
            .as_deref()
            .is_some_and(|u| !u.trim().is_empty())
            && self.llm.model.is_none()
        {
            bail!("llm.model: an LLM url is set but no model: set PARLEY_LLM_MODEL or llm.model");
        }
        Ok(())
    }

    fn allow_list(&self) -> Result<HostAllowList> {
        HostAllowList::parse(&self.media_fetch_allow)
            .map_err(|e| anyhow::anyhow!("media_fetch_allow: {e}"))
    }

    /// The database URL: the setting, else `sqlite://<data_dir>/parley.db`.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("parley.db").display()))
    }

    /// Where recordings are kept: the setting, else `file://<data_dir>/media` (absolute).
    pub fn media_url(&self) -> String {
        self.media_url.clone().unwrap_or_else(|| {
            let media = self.data_dir.join("media");
            let media = std::path::absolute(&media).unwrap_or(media);
            format!("file://{}", media.display())
        })
    }

    /// Where rate limits are counted: the setting, else shared when the database can be
    /// shared by several nodes (PostgreSQL), and node for a SQLite file (one process owns
    /// it, and its own memory counts without a write per request).
    pub fn rate_limit_scope(&self) -> RateLimitScope {
        self.rate_limit_scope.unwrap_or_else(|| {
            RateLimitScope::default_for(parley_app::storage::shared_by_nodes(&self.database_url()))
        })
    }

    /// The URL users reach Parley at: the setting, else `http://<listen>`.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// The data folder, created when missing.
    pub fn data_dir(&self) -> Result<&Path> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating data folder {}", self.data_dir.display()))?;
        Ok(&self.data_dir)
    }

    /// The folder for uploads and pulls in flight, created when missing.
    pub fn work_dir(&self) -> Result<PathBuf> {
        let dir = self.data_dir()?.join("tmp");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(dir)
    }

    /// The HTTP server's settings.
    pub fn server_config(&self) -> Result<ServerConfig> {
        Ok(ServerConfig {
            timezone: self
                .timezone
                .parse()
                .map_err(|_| anyhow::anyhow!("unknown time zone {:?}", self.timezone))?,
            public_url: self.public_url(),
            rate_limit: self.rate_limit.limit()?,
            rate_limit_scope: self.rate_limit_scope(),
            page_size: self.page_size,
            max_json_bytes: self.max_json_bytes,
            max_transcript_bytes: self.max_transcript_bytes,
            media_url: self.media_url(),
            work_dir: self.work_dir()?,
            max_media_bytes: self.max_media_bytes,
            key_recheck_secs: self.key_recheck_secs,
            call_cache_entries: self.call_cache_entries,
            trust_proxy: self.trust_proxy,
            session_hours: self.session_hours,
            media_url_hours: self.media_url_hours,
            oauth_tokens: self.oauth_tokens()?,
            audit: parley_app::audit::AuditConfig {
                retention_days: self.audit_retention_days,
                ..Default::default()
            },
            call_cache_bytes: self.call_cache_bytes,
            limits: self.limits(),
            max_filter_ids: self.max_filter_ids,
            max_stats_periods: self.max_stats_periods,
            max_coaching_days: self.max_coaching_days,
            max_comment_chars: self.max_comment_chars,
            max_comments_per_call: self.max_comments_per_call,
            max_share_days: self.max_share_days,
            max_shares_per_call: self.max_shares_per_call,
            request_memory_bytes: self.request_memory_bytes,
            max_requests_in_flight: self.max_requests_in_flight,
            max_connections: self.max_connections,
            header_read_timeout_secs: self.header_read_timeout_secs,
            body_read_timeout_secs: self.body_read_timeout_secs,
            request_timeout_secs: self.request_timeout_secs,
            webhook_key_file: self.webhook_key_file(),
        })
    }

    /// The webhook signing key's file: the setting, else in the data folder.
    pub fn webhook_key_file(&self) -> PathBuf {
        self.webhook_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("webhook-signing-key.pem"))
    }

    /// How automation webhooks are sent.
    pub fn webhook_config(&self) -> Result<parley_app::webhooks::WebhookConfig> {
        let timeout = Duration::from_secs(self.webhook_timeout_secs);
        let defaults = parley_app::webhooks::WebhookConfig::default();
        Ok(parley_app::webhooks::WebhookConfig {
            policy: FetchPolicy {
                connect_timeout: timeout,
                total_timeout: timeout,
                allow: HostAllowList::parse(&self.webhook_allow)
                    .map_err(|e| anyhow::anyhow!("webhook_allow: {e}"))?,
                ..defaults.policy
            },
            retry: parley_domain::automation::RetryPolicy {
                window: chrono::Duration::hours(i64::from(self.webhook_retry_hours)),
                ..defaults.retry
            },
            disable_after: self.webhook_disable_after,
        })
    }

    /// The bounds on what a call and a transcript may hold, for the CLI's imports (the
    /// server gets them through [`ServerConfig::limits`]).
    pub fn limits(&self) -> parley_app::Limits {
        parley_app::Limits {
            max_call_parties: self.max_call_parties,
            max_crm_fields: self.max_crm_fields,
            max_transcript_sentences: self.max_transcript_sentences,
            max_timeline_segments: self.max_timeline_segments,
            max_crm_upload_bytes: self.max_crm_upload_bytes,
            max_crm_upload_lines: self.max_crm_upload_lines,
            max_rules_per_workspace: self.max_rules_per_workspace,
            max_rule_actions: self.max_rule_actions,
            max_rule_filter_values: self.max_rule_filter_values,
            max_webhook_url_chars: self.max_webhook_url_chars,
            max_rule_backfill_calls: self.max_rule_backfill_calls,
            max_deliveries_page: self.max_deliveries_page,
            media_requests_per_minute: self.media_requests_per_minute,
        }
    }

    /// The job workers' settings.
    pub fn worker_config(&self) -> Result<WorkerConfig> {
        Ok(WorkerConfig {
            concurrency: self.worker_concurrency,
            media_concurrency: self.media_fetch_concurrency,
            lease_secs: self.worker_lease_secs,
            poll: Duration::from_millis(self.worker_poll_ms),
            work_dir: self.work_dir()?,
            engine_crash_limit: self.engine_crash_limit,
            delivery_concurrency: self.webhook_concurrency,
            ..WorkerConfig::default()
        })
    }

    /// How `downloadMediaUrl` pulls may download.
    pub fn fetch_policy(&self) -> Result<FetchPolicy> {
        Ok(FetchPolicy {
            max_bytes: self.media_fetch_max_bytes,
            connect_timeout: Duration::from_secs(self.media_fetch_connect_timeout_secs),
            total_timeout: Duration::from_secs(self.media_fetch_total_timeout_secs),
            idle_timeout: Duration::from_secs(self.media_fetch_idle_timeout_secs),
            min_bytes_per_sec: self.media_fetch_min_rate,
            min_rate_window: Duration::from_secs(self.media_fetch_min_rate_window_secs),
            max_redirects: self.media_fetch_max_redirects,
            allow: self.allow_list()?,
        })
    }

    /// The LLM that writes summaries, when one is set.
    pub fn llm_config(&self) -> Result<Option<LlmConfig>> {
        let Some(url) = self.llm.url.clone().filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let model = self
            .llm
            .model
            .clone()
            .context("an LLM url is set but no model: set PARLEY_LLM_MODEL or llm.model")?;
        Ok(Some(LlmConfig {
            url,
            model,
            api_key: self.llm.api_key.clone(),
            timeout: Duration::from_secs(self.llm.timeout_secs),
            max_prompt_chars: self.llm.max_prompt_chars,
        }))
    }

    /// The effective settings as a settings file: what `parley config` prints. Loading it
    /// back gives the same settings; the LLM key is never in it.
    pub fn to_toml(&self) -> Result<String> {
        let mut out = String::from(
            "# The effective settings (flags > PARLEY_* environment > file > defaults).\n",
        );
        for (key, value, from) in self.derived() {
            let value = toml::Value::String(value);
            out.push_str(&format!("# {key} = {value}  (follows {from} unless set)\n"));
        }
        if self.llm.api_key.is_some() {
            out.push_str("# llm api key: set by PARLEY_LLM_API_KEY (not shown)\n");
        }
        out.push_str(&toml::to_string(self).context("writing the settings as TOML")?);
        Ok(out)
    }
}

/// The clap ids of every setting.
fn setting_ids() -> BTreeSet<String> {
    let cmd = Settings::augment_args(clap::Command::new("parley"));
    cmd.get_arguments()
        .map(|a| a.get_id().as_str().to_owned())
        .collect()
}

/// The file's keys replace what came from a default; flags and environment stay.
fn merge_file(parsed: Settings, matches: &ArgMatches, text: &str) -> Result<Settings> {
    let file: toml::Table = text.parse()?;
    let ids = setting_ids();
    let from_user = |id: &str| {
        matches!(
            matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
    };
    let mut merged = toml::Table::try_from(&parsed)?;
    for (key, value) in file {
        if key == "llm" {
            let toml::Value::Table(llm) = value else {
                bail!("llm: expected a table ([llm])");
            };
            let section = merged
                .entry("llm")
                .or_insert_with(|| toml::Value::Table(Default::default()))
                .as_table_mut()
                .context("llm is a table")?;
            for (k, v) in llm {
                let id = format!("llm_{k}");
                if k == "api_key" {
                    bail!("llm.api_key: the key is not read from a file; set PARLEY_LLM_API_KEY");
                }
                if !ids.contains(&id) {
                    bail!("unknown setting `llm.{k}` (`parley config` lists every setting)");
                }
                if !from_user(&id) {
                    check_type(
                        &format!("llm.{k}"),
                        &v,
                        |t| toml::Value::Table(t).try_into::<LlmSettings>().map(drop),
                        section,
                        &k,
                    )?;
                    section.insert(k, v);
                }
            }
            continue;
        }
        if !ids.contains(&key) || key.starts_with("llm_") {
            bail!("unknown setting `{key}` (`parley config` lists every setting)");
        }
        if !from_user(&key) {
            check_type(
                &key,
                &value,
                |t| toml::Value::Table(t).try_into::<Settings>().map(drop),
                &merged,
                &key,
            )?;
            merged.insert(key, value);
        }
    }
    let mut settings: Settings = toml::Value::Table(merged).try_into()?;
    // Not in the file by design; clap read it.
    settings.llm.api_key = parsed.llm.api_key;
    Ok(settings)
}

/// Tries `value` for `key` in a copy of `table`, so that a wrong type is reported with the
/// setting's name.
fn check_type(
    name: &str,
    value: &toml::Value,
    parse: impl Fn(toml::Table) -> Result<(), toml::de::Error>,
    table: &toml::Table,
    key: &str,
) -> Result<()> {
    let mut t = table.clone();
    t.insert(key.to_owned(), value.clone());
    parse(t).map_err(|e| anyhow::anyhow!("{name}: {}", e.message().trim()))
}

/// The clap command with only the settings (for tests of merging).
#[cfg(test)]
fn parse(args: &[&str]) -> (Settings, ArgMatches) {
    #[derive(clap::Parser)]
    struct T {
        #[command(flatten)]
        s: Settings,
    }
    let matches = <T as clap::CommandFactory>::command()
        .try_get_matches_from(std::iter::once("parley").chain(args.iter().copied()))
        .unwrap();
    let s = <Settings as clap::FromArgMatches>::from_arg_matches(&matches).unwrap();
    (s, matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(args: &[&str], file: Option<&str>) -> Result<Settings> {
        let (s, m) = parse(args);
        Settings::load(s, &m, file.map(|t| (Path::new("parley.toml"), t)))
    }

    #[test]
    fn a_flag_beats_the_file_which_beats_the_default() {
        let s = load(&[], None).unwrap();
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert_eq!(s.engine_crash_limit, 3);
        assert_eq!(s.media_fetch_concurrency, 2);
        let file = "listen = \"0.0.0.0:9000\"\nengine_crash_limit = 5\n[llm]\ntimeout_secs = 7\n";
        let s = load(&[], Some(file)).unwrap();
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.engine_crash_limit, 5);
        assert_eq!(s.llm.timeout_secs, 7);
        assert_eq!(s.public_url(), "http://0.0.0.0:9000");
        let s = load(
            &["--listen", "127.0.0.1:1", "--llm-timeout-secs", "9"],
            Some(file),
        )
        .unwrap();
        assert_eq!(s.listen, "127.0.0.1:1");
        assert_eq!(s.engine_crash_limit, 5);
        assert_eq!(s.llm.timeout_secs, 9);
    }

    /// Merging finds a key's flag by the clap id: the two must name the same settings.
    #[test]
    fn every_toml_key_is_a_flag_id() {
        let (mut s, _) = parse(&[]);
        s.database_url = Some("sqlite://x".into());
        s.media_url = Some("memory://".into());
        s.public_url = Some("http://x".into());
        s.rate_limit_scope = Some(RateLimitScope::Node);
        s.webhook_key_file = Some("webhook.pem".into());
        s.llm.url = Some("http://x".into());
        s.llm.model = Some("m".into());
        let table = toml::Table::try_from(&s).unwrap();
        let mut keys = BTreeSet::new();
        for (k, v) in table {
            match v {
                toml::Value::Table(t) if k == "llm" => {
                    keys.extend(t.keys().map(|k| format!("llm_{k}")));
                }
                _ => {
                    keys.insert(k);
                }
            }
        }
        let mut ids = setting_ids();
        assert!(
            ids.remove("llm_api_key"),
            "the key is the one setting without a TOML key"
        );
        assert_eq!(keys, ids);
    }

    #[test]
    fn the_printed_settings_load_back_the_same() {
        let file = "rate_limit = { per_second = 5, burst = 6, per_day = 7 }\nmedia_fetch_allow = [\"example.com\", \"*.example.org\"]\n[llm]\nurl = \"http://localhost:11434/v1\"\nmodel = \"m\"\n";
        let s = load(
            &["--asr-threads", "2", "--timezone", "Europe/Paris"],
            Some(file),
        )
        .unwrap();
        let printed = s.to_toml().unwrap();
        assert_eq!(load(&[], Some(&printed)).unwrap(), s, "{printed}");
        let d = load(&[], None).unwrap();
        assert_eq!(load(&[], Some(&d.to_toml().unwrap())).unwrap(), d);
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_setting() {
        let err =
            |args: &[&str], file: Option<&str>| format!("{:#}", load(args, file).unwrap_err());
        let e = err(&[], Some("lisen = \"x\"\n"));
        assert!(e.contains("unknown setting `lisen`"), "{e}");
        let e = err(&[], Some("[llm]\nmodle = \"x\"\n"));
        assert!(e.contains("unknown setting `llm.modle`"), "{e}");
        let e = err(&[], Some("[llm]\napi_key = \"x\"\n"));
        assert!(e.contains("PARLEY_LLM_API_KEY"), "{e}");
        let e = err(&[], Some("listen = 5\n"));
        assert!(e.contains("listen:") && e.contains("parley.toml"), "{e}");
        let e = err(&[], Some("worker_lease_secs = 0\n"));
        assert!(e.contains("worker_lease_secs: must be at least 1"), "{e}");
        let e = err(&["--media-fetch-concurrency", "0"], None);
        assert!(e.contains("media_fetch_concurrency"), "{e}");
        let e = err(&[], Some("max_requests_in_flight = 0\n"));
        assert!(
            e.contains("max_requests_in_flight: must be at least 1"),
            "{e}"
        );
        let e = err(&[], Some("page_size = 500\n"));
        assert!(e.contains("page_size"), "{e}");
        let e = err(&[], Some("rate_limit = \"fast\"\n"));
        assert!(e.contains("rate_limit"), "{e}");
        let e = err(&[], Some("[llm]\nurl = \"http://x\"\n"));
        assert!(e.contains("llm.model"), "{e}");
        // A key the user gave as a flag is still checked in the file.
        let e = err(&["--listen", "a:1"], Some("nope = 1\n"));
        assert!(e.contains("unknown setting `nope`"), "{e}");
    }

    #[test]
    fn the_libraries_get_the_settings() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap();
        let s = load(
            &[
                "--data-dir",
                data,
                "--media-fetch-max-redirects",
                "0",
                "--worker-poll-ms",
                "50",
                "--max-call-parties",
                "7",
            ],
            Some("max_media_bytes = 10\nmedia_fetch_allow = [\"127.0.0.1\"]\nrate_limit = \"gong\"\nrequest_timeout_secs = 9\ncall_cache_bytes = 0\n"),
        )
        .unwrap();
        assert_eq!(s.fetch_policy().unwrap().max_redirects, 0);
        let server = s.server_config().unwrap();
        assert_eq!(server.max_media_bytes, 10);
        assert_eq!(server.limits().max_call_parties, 7);
        assert_eq!(server.request_timeout_secs, 9);
        assert_eq!(server.call_cache_bytes, 0);
        assert_eq!(
            server.max_stats_periods,
            ServerConfig::default().max_stats_periods
        );
        assert_eq!(server.rate_limit, RateLimit::GONG);
        assert_eq!(server.work_dir, dir.path().join("tmp"));
        assert_eq!(s.worker_config().unwrap().poll, Duration::from_millis(50));
        assert!(s.llm_config().unwrap().is_none());
        // Webhooks: their key in the data folder, private destinations refused by default.
        assert_eq!(
            server.webhook_key_file,
            dir.path().join("webhook-signing-key.pem")
        );
        let hooks = s.webhook_config().unwrap();
        assert_eq!(hooks.policy.max_redirects, 0);
        assert_eq!(hooks.retry.window, chrono::Duration::hours(24));
        assert_eq!(hooks.policy.allow, HostAllowList::default());
        let s = load(
            &[
                "--webhook-allow",
                "127.0.0.1,*",
                "--webhook-retry-hours",
                "48",
            ],
            None,
        )
        .unwrap();
        let hooks = s.webhook_config().unwrap();
        assert_eq!(hooks.retry.window, chrono::Duration::hours(48));
        assert_eq!(
            hooks.policy.allow,
            HostAllowList::parse(&["127.0.0.1", "*"]).unwrap()
        );
    }

    /// Rate limits are shared by default only where nodes can share the database; the
    /// setting says otherwise either way, and `parley config` shows the derived value
    /// without pinning it.
    #[test]
    fn the_rate_limit_scope_follows_the_database_unless_set() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap();
        let scope = |args: &[&str], file: Option<&str>| {
            let mut all = vec!["--data-dir", data];
            all.extend_from_slice(args);
            load(&all, file)
                .unwrap()
                .server_config()
                .unwrap()
                .rate_limit_scope
        };
        let pg = "postgres://parley@db.example.com/parley";
        assert_eq!(scope(&[], None), RateLimitScope::Node, "SQLite");
        assert_eq!(scope(&["--database-url", pg], None), RateLimitScope::Shared);
        assert_eq!(
            scope(&["--database-url", pg, "--rate-limit-scope", "node"], None),
            RateLimitScope::Node
        );
        assert_eq!(
            scope(&[], Some("rate_limit_scope = \"shared\"\n")),
            RateLimitScope::Shared
        );
        let printed = load(&["--database-url", pg], None)
            .unwrap()
            .to_toml()
            .unwrap();
        assert!(
            printed.contains("# rate_limit_scope = \"shared\"  (follows database_url"),
            "{printed}"
        );
        let e = format!(
            "{:#}",
            load(&[], Some("rate_limit_scope = \"cluster\"\n")).unwrap_err()
        );
        assert!(e.contains("rate_limit_scope"), "{e}");
    }

    #[test]
    fn oauth_token_lifetimes_are_bounded_settings() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap();
        let s = load(
            &["--data-dir", data, "--oauth-access-token-secs", "120"],
            Some("oauth_refresh_token_days = 7\n"),
        )
        .unwrap();
        let tokens = s.server_config().unwrap().oauth_tokens;
        assert_eq!(tokens.access_secs, 120);
        assert_eq!(tokens.refresh_secs, 7 * 86_400);
        let s = load(
            &[
                "--data-dir",
                data,
                "--oauth-access-token-secs",
                "99999999999",
            ],
            None,
        )
        .unwrap();
        let e = s.server_config().unwrap_err().to_string();
        assert!(e.contains("oauth_access_token_secs: at most"), "{e}");
    }
}

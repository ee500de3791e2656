//! Server settings that handlers see. Loading them (flags, env, TOML) is the binary's job
//! (`crates/parley/src/settings.rs`, where each limit here is a setting whose default is
//! this type's `Default`).

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Request rate limits per API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Sustained requests per second; 0 turns the per-second limit off.
    pub per_second: u32,
    /// Requests allowed at once above the sustained rate.
    pub burst: u32,
    /// Requests per rolling day; 0 turns the daily limit off.
    pub per_day: u32,
}

impl RateLimit {
    /// Gong's published defaults: 3 calls per second, 10,000 per day.
    pub const GONG: RateLimit = RateLimit {
        per_second: 3,
        burst: 3,
        per_day: 10_000,
    };
    /// Parley's default for a self-hosted server: generous enough for bulk ETL from a
    /// few clients, still a guard against a runaway script. No daily cap.
    pub const SELF_HOSTED: RateLimit = RateLimit {
        per_second: 100,
        burst: 200,
        per_day: 0,
    };
    pub const OFF: RateLimit = RateLimit {
        per_second: 0,
        burst: 0,
        per_day: 0,
    };

    /// Reads a preset name (`gong`, `self-hosted`, `off`).
    pub fn preset(name: &str) -> Option<RateLimit> {
        match name {
            "gong" => Some(Self::GONG),
            "self-hosted" | "default" => Some(Self::SELF_HOSTED),
            "off" | "none" => Some(Self::OFF),
            _ => None,
        }
    }
}

/// Where rate limits and the credential throttles are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateLimitScope {
    /// In each process's memory: N nodes behind a load balancer allow N times the limit.
    /// Right for one process owning a SQLite file (no write per request).
    Node,
    /// In the database, one count for every node on it (`Store::take_rate`): a write per
    /// request and bucket.
    Shared,
}

impl RateLimitScope {
    /// The scope a database calls for when none is set: shared when several nodes can
    /// share it (`shared_database`), else node.
    pub fn default_for(shared_database: bool) -> RateLimitScope {
        if shared_database {
            RateLimitScope::Shared
        } else {
            RateLimitScope::Node
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RateLimitScope::Node => "node",
            RateLimitScope::Shared => "shared",
        }
    }
}

impl std::str::FromStr for RateLimitScope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "node" => Ok(RateLimitScope::Node),
            "shared" => Ok(RateLimitScope::Shared),
            _ => Err(format!(
                "unknown rate-limit scope {s:?}: use node or shared"
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The company time zone: dates in responses carry its offset, date-only filters
    /// are read in it.
    pub timezone: Tz,
    /// The URL users reach Parley at; call links are `{public_url}/call?id=...`.
    pub public_url: String,
    pub rate_limit: RateLimit,
    /// Where `rate_limit` and the credential throttles are counted. The binary's default
    /// follows the database (`RateLimitScope::default_for`); this type's is `Node`.
    pub rate_limit_scope: RateLimitScope,
    /// Records per page on every paged endpoint (Gong: 100).
    pub page_size: u32,
    /// Largest JSON request body accepted.
    pub max_json_bytes: usize,
    /// Largest transcript file accepted.
    pub max_transcript_bytes: usize,
    /// Where recordings are kept: `file://PATH`, `s3://BUCKET/PREFIX` or `memory://`.
    pub media_url: String,
    /// Folder for uploads in flight (they are streamed here, checked, then stored).
    pub work_dir: std::path::PathBuf,
    /// Largest recording accepted (Gong: 1.5 GB).
    pub max_media_bytes: u64,
    /// How long a verified key is trusted before its row is read again; bounds how long a
    /// revocation made elsewhere (another node, the CLI) takes to apply.
    pub key_recheck_secs: u64,
    /// Calls kept rendered in memory for listings (about 0.7 KB each); 0 turns it off.
    pub call_cache_entries: usize,
    /// Whether a proxy in front sets `X-Forwarded-For`: the audit log then records the
    /// address it gives instead of the proxy's. Off, the header is ignored (a client
    /// could write anything there).
    pub trust_proxy: bool,
    /// Hours a sign-in session lasts.
    pub session_hours: u32,
    /// Hours a signed recording URL of `/v2/calls/extensive` works (Gong: 8).
    pub media_url_hours: u32,
    /// How long OAuth access and refresh tokens work.
    pub oauth_tokens: parley_app::oauth::TokenLifetimes,
    /// The audit log's queue, flush interval and retention.
    pub audit: parley_app::audit::AuditConfig,
    /// Bytes of rendered calls kept in memory for listings; 0 turns the cache off.
    pub call_cache_bytes: usize,
    /// What a call, a transcript and a CRM upload may hold.
    pub limits: parley_app::Limits,
    /// Ids in one list of a filter (`callIds`, `primaryUserIds`, `userIds`), after
    /// duplicates are dropped.
    pub max_filter_ids: usize,
    /// Periods (days, weeks, ...) one `aggregate-by-period` request may span.
    pub max_stats_periods: usize,
    /// Days one `GET /v2/coaching` request may span (`to` - `from`): the request holds the
    /// manager's and their reports' activity of the whole window in memory.
    pub max_coaching_days: u32,
    /// Characters of one comment on a call.
    pub max_comment_chars: usize,
    /// Comments one call holds (public and private, replies included).
    pub max_comments_per_call: usize,
    /// Days a link to a call shared outside the company may stay open.
    pub max_share_days: u32,
    /// Links one call may have (open, expired and revoked).
    pub max_shares_per_call: usize,
    /// What one response may hold in memory (bytes, about), its working set and not only
    /// its output: a page of big calls ends before the call that would take it past this
    /// (a call bigger than this alone is served alone), and the cursor goes on from there.
    pub request_memory_bytes: usize,
    /// Requests served at once; more get a 503 with Gong's error body.
    pub max_requests_in_flight: usize,
    /// Open client connections; past it the server accepts no more until one closes
    /// (the kernel queues the rest).
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers.
    pub header_read_timeout_secs: u64,
    /// Seconds a request body may go without a byte before the request fails (408).
    pub body_read_timeout_secs: u64,
    /// Seconds a whole request may take (408); recording uploads are bounded by the body
    /// timeout and `max_media_bytes` instead.
    pub request_timeout_secs: u64,
    /// The company's webhook signing key (PKCS#8 PEM, mode 0600, made on first use); every
    /// node and worker must name the same file (`webhook_key_file`).
    pub webhook_key_file: std::path::PathBuf,
}

impl ServerConfig {
    /// The bounds the use cases enforce on what is stored.
    pub fn limits(&self) -> parley_app::Limits {
        self.limits
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            timezone: chrono_tz::UTC,
            public_url: "http://localhost:8080".to_owned(),
            rate_limit: RateLimit::SELF_HOSTED,
            rate_limit_scope: RateLimitScope::Node,
            page_size: 100,
            max_json_bytes: 2 * 1024 * 1024,
            max_transcript_bytes: 20 * 1024 * 1024,
            media_url: "memory://".to_owned(),
            work_dir: std::env::temp_dir(),
            max_media_bytes: 1536 * 1024 * 1024,
            key_recheck_secs: 1,
            // At most ~65 MB, filled only as calls are listed: every call of a 100,000-call
            // database, so an ETL job paging through all of them is served from memory on
            // its next run.
            call_cache_entries: 100_000,
            trust_proxy: false,
            session_hours: 12,
            media_url_hours: 8,
            oauth_tokens: parley_app::oauth::TokenLifetimes::default(),
            audit: parley_app::audit::AuditConfig::default(),
            // Big calls (long transcripts, many parties) take room by their size, not
            // their number: 30 selectors of big calls once held 336 MB.
            call_cache_bytes: 64 * 1024 * 1024,
            limits: parley_app::Limits::default(),
            max_filter_ids: 10_000,
            // DAY over two and a half years; WEEK over 19; MONTH over 83.
            max_stats_periods: 1_000,
            max_coaching_days: 366,
            max_comment_chars: parley_domain::comment::CommentBounds::default().max_comment_chars,
            max_comments_per_call: parley_domain::comment::CommentBounds::default()
                .max_comments_per_call,
            max_share_days: parley_domain::share::ShareBounds::default().max_days,
            max_shares_per_call: parley_domain::share::ShareBounds::default().max_per_call,
            request_memory_bytes: 64 * 1024 * 1024,
            max_requests_in_flight: 512,
            max_connections: 2_048,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 30,
            request_timeout_secs: 120,
            webhook_key_file: std::env::temp_dir().join("parley-webhook-signing-key.pem"),
        }
    }
}

//! Parley's way out to the network. Today: pulling recordings from `downloadMediaUrl`
//! (stored on the call as `media_source_url`); the same policy is for every request Parley
//! makes on a client's or an operator's behalf (LLM endpoints, webhooks).
//!
//! [`fetch_media`] downloads one URL into a temporary file, following redirects by hand and
//! refusing any destination the operator has not allowed. The URL comes from an API
//! client, so without these checks a client could make Parley fetch
//! `http://169.254.169.254/` (cloud credentials), `http://127.0.0.1:5432/` or anything
//! else on the operator's network: a server-side request forgery.
//!
//! [`json::post_json`] sends one JSON request to an endpoint under the same policy, and
//! [`webhook::post_webhook`] one webhook (raw signed bytes, any status an answer).
//!
//! # Policy
//!
//! * Only `http` and `https`; no `user:password@` in the URL; an `https` URL may not
//!   redirect to `http`.
//! * The host is resolved by Parley itself, **every** address is checked, and the
//!   connection is pinned to the checked addresses, so a second, different DNS answer
//!   (DNS rebinding) is never used. Any name the pin does not cover fails to resolve.
//! * Every redirect hop (301, 302, 303, 307, 308; at most
//!   [`FetchPolicy::max_redirects`]) goes through the same checks.
//! * Proxies from the environment are ignored, so the checks are about the real
//!   destination.
//! * An address is *public* unless it is unspecified (`0.0.0.0/8`, `::`), loopback,
//!   private (RFC 1918), shared/CGNAT (`100.64.0.0/10`), link-local (`169.254.0.0/16`,
//!   which includes cloud metadata, `fe80::/10`), unique-local (`fc00::/7`, and the old
//!   site-local `fec0::/10`), multicast, broadcast, a documentation range, or otherwise
//!   reserved (`192.0.0.0/24`, `198.18.0.0/15`, `240.0.0.0/4`, IPv6 outside `2000::/3`,
//!   …). IPv4 addresses embedded in IPv6 (`::ffff:127.0.0.1`, NAT64 `64:ff9b::/96`, 6to4
//!   `2002::/16`) are judged by the embedded IPv4 address.
//!
//! # Configuring the allow-list
//!
//! The operator sets `media_fetch_allow`, a list of patterns (environment:
//! `PARLEY_MEDIA_FETCH_ALLOW`, comma-separated, see [`HostAllowList::parse_comma_separated`]).
//! Without it, [`HostAllowList::default`] applies, which is the same as `["*"]`.
//!
//! | pattern          | allows                                                            |
//! |------------------|-------------------------------------------------------------------|
//! | `*`              | any host whose every address is public                           |
//! | `media.example`  | exactly that host, if its every address is public                 |
//! | `*.example.com`  | any subdomain of `example.com` (not `example.com` itself), public |
//! | `10.0.0.0/8`     | addresses in that range, private or not, by IP or by a name whose every address is in listed ranges |
//! | `127.0.0.1`      | that one address (same as `127.0.0.1/32`); `::1` works likewise   |
//!
//! A host name pattern never unlocks a private address by itself, since a name is only as
//! trustworthy as the DNS server answering for it: to fetch from `minio.internal` at
//! `10.1.2.3`, list both `minio.internal` and `10.1.2.3` (or `10.0.0.0/8`). Listing only
//! ranges (`10.0.0.0/8`) allows those ranges and nothing public; add `*` to keep public
//! hosts too. An empty list refuses every URL.
//!
//! # Logging
//!
//! Signed S3/GCS URLs carry credentials in their query, so nothing here logs or returns a
//! raw URL: [`redact_url`] keeps scheme, host, port and path, and replaces a query with
//! `?<redacted>`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use reqwest::StatusCode;
use tempfile::TempPath;
use tokio::io::AsyncWriteExt;

pub mod api;
pub mod json;
#[cfg(test)]
mod testing;
pub mod webhook;
pub use json::post_json;
/// URLs as this crate takes them.
pub use reqwest::Url;
pub use webhook::{post_webhook, WebhookAnswer};

/// [`FetchPolicy::min_bytes_per_sec`] unless the operator says otherwise.
pub const DEFAULT_MIN_BYTES_PER_SEC: u64 = 16 * 1024;

/// How [`fetch_media`] may download: size and time limits, redirects, allowed hosts.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Refuse bodies larger than this, by `Content-Length` up front and while streaming.
    pub max_bytes: u64,
    /// Limit for resolving the host and for the TCP (and TLS) connect, per hop.
    pub connect_timeout: Duration,
    /// Limit for the whole download, redirects included.
    pub total_timeout: Duration,
    /// Fail when no bytes arrive for this long (also: waiting for the response headers
    /// after connecting).
    pub idle_timeout: Duration,
    /// Fail when fewer than this many bytes per second arrive, averaged over each
    /// [`FetchPolicy::min_rate_window`] of the body; 0 turns the check off. A server
    /// that trickles a few bytes at a time never trips the idle timeout, and would
    /// otherwise hold a media worker for the whole total timeout.
    pub min_bytes_per_sec: u64,
    /// The stretch the minimum rate is averaged over.
    pub min_rate_window: Duration,
    /// Redirects to follow at most; each hop is checked against [`FetchPolicy::allow`].
    pub max_redirects: usize,
    /// Which destinations may be fetched.
    pub allow: HostAllowList,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            // Hours of WAV at 16 kHz stay well under this; anything bigger is a mistake or
            // an attempt to fill the disk.
            max_bytes: 2 * 1024 * 1024 * 1024,
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30 * 60),
            idle_timeout: Duration::from_secs(60),
            // 16 KiB/s is a phone call's MP3 in real time several times over; a
            // recording server slower than that for half a minute is stuck.
            min_bytes_per_sec: DEFAULT_MIN_BYTES_PER_SEC,
            min_rate_window: Duration::from_secs(30),
            max_redirects: 5,
            allow: HostAllowList::default(),
        }
    }
}

/// A downloaded recording.
#[derive(Debug)]
pub struct FetchedMedia {
    /// The temporary file made by the `new_file` given to [`fetch_media`]. Dropping it deletes
    /// the file; keep it with [`TempPath::persist`] or [`TempPath::keep`].
    pub path: TempPath,
    /// Size of the file.
    pub bytes: u64,
    /// The response's `Content-Type`, as sent.
    pub content_type: Option<String>,
    /// From `Content-Disposition`, else the last path segment of the final URL; reduced
    /// to a bare file name (no directories, no control characters).
    pub file_name: Option<String>,
    /// The URL the body came from after redirects, redacted by [`redact_url`].
    pub final_url: String,
}

/// Why a download failed. Messages are lowercase and safe to show to the API client: they
/// never contain a query string, credentials or a resolved address.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    #[error("the url is not valid: {0}")]
    InvalidUrl(String),
    #[error("the url scheme {0:?} is not supported; use http or https")]
    UnsupportedScheme(String),
    #[error("the url must not contain a user name or password")]
    Credentials,
    /// `reason` is for the operator's logs; the message leaves it out so clients cannot
    /// map the operator's internal DNS names.
    #[error("the host {host} is not allowed by this server's outbound policy")]
    HostRefused { host: String, reason: String },
    #[error("could not resolve the host {host}")]
    Resolve { host: String },
    #[error("could not connect to the host {host}")]
    Connect { host: String },
    #[error("connecting to the host {host} timed out")]
    ConnectTimeout { host: String },
    #[error("the url redirected more than {0} times")]
    TooManyRedirects(usize),
    #[error("the url redirected from https to http, which is refused")]
    InsecureRedirect,
    #[error("the url returned a redirect without a usable location")]
    BadRedirect,
    #[error("the url returned http status {status}")]
    Status { status: u16 },
    #[error("the response is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the url returned an empty body")]
    EmptyBody,
    #[error("the download stalled: no data for {0:?}")]
    IdleTimeout(Duration),
    #[error("the download did not finish within {0:?}")]
    TotalTimeout(Duration),
    #[error("the download was too slow: {rate} bytes/s over {window:?}, below the minimum of {min} bytes/s")]
    TooSlow {
        rate: u64,
        min: u64,
        window: Duration,
    },
    #[error("the connection broke during the download")]
    Network,
    #[error("could not store the download")]
    Io(#[source] std::io::Error),
    #[error("could not set up the request")]
    Internal,
    #[error("the response is not json")]
    NotJson,
    #[error("the request is not valid: {0}")]
    InvalidRequest(String),
}

impl FetchError {
    /// Whether trying the same URL again later can succeed: timeouts, broken connections,
    /// DNS failures, local disk trouble, 5xx, 408 and 429 can pass; everything about the
    /// URL itself or the policy cannot.
    pub fn is_transient(&self) -> bool {
        match self {
            // A failed lookup cannot tell NXDOMAIN from a DNS outage; retries are bounded
            // by the caller, so guessing "transient" costs little.
            Self::Resolve { .. }
            | Self::Connect { .. }
            | Self::ConnectTimeout { .. }
            | Self::IdleTimeout(_)
            | Self::TotalTimeout(_)
            | Self::TooSlow { .. }
            | Self::Network
            | Self::Io(_) => true,
            Self::Status { status } => *status >= 500 || *status == 408 || *status == 429,
            Self::InvalidUrl(_)
            | Self::UnsupportedScheme(_)
            | Self::Credentials
            | Self::HostRefused { .. }
            | Self::TooManyRedirects(_)
            | Self::InsecureRedirect
            | Self::BadRedirect
            | Self::TooLarge { .. }
            | Self::EmptyBody
            | Self::InvalidRequest(_)
            | Self::Internal => false,
            // A broken endpoint may be mended or restarted.
            Self::NotJson => true,
        }
    }
}

/// The operator's list of allowed media hosts; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAllowList {
    /// `*`: any host whose addresses are all public.
    any_public: bool,
    /// Exact host names, lowercase, punycode, without a trailing dot.
    exact: Vec<String>,
    /// `*.example.com` stored as `.example.com`.
    suffixes: Vec<String>,
    /// IP addresses and ranges; these may be private.
    nets: Vec<IpNet>,
}

impl Default for HostAllowList {
    /// Any host whose every address is public (the same as `["*"]`).
    fn default() -> Self {
        Self {
            any_public: true,
            exact: Vec::new(),
            suffixes: Vec::new(),
            nets: Vec::new(),
        }
    }
}

impl HostAllowList {
    /// Parses `media_fetch_allow` patterns. Blank entries are skipped; an empty list
    /// allows nothing. The error names the bad pattern.
    pub fn parse<S: AsRef<str>>(patterns: &[S]) -> Result<Self, String> {
        let mut list = Self {
            any_public: false,
            exact: Vec::new(),
            suffixes: Vec::new(),
            nets: Vec::new(),
        };
        for raw in patterns {
            let pattern = raw.as_ref().trim();
            if pattern.is_empty() {
                continue;
            }
            let bad = |why: &str| format!("invalid media_fetch_allow pattern {pattern:?}: {why}");
            if pattern == "*" {
                list.any_public = true;
            } else if let Some(net) = IpNet::parse(pattern) {
                list.nets.push(net.map_err(|why| bad(&why))?);
            } else if let Some(rest) = pattern.strip_prefix("*.") {
                let domain = normalize_host_pattern(rest).map_err(|why| bad(&why))?;
                list.suffixes.push(format!(".{domain}"));
            } else {
                list.exact
                    .push(normalize_host_pattern(pattern).map_err(|why| bad(&why))?);
            }
        }
        Ok(list)
    }

    /// [`HostAllowList::parse`] for the comma-separated `PARLEY_MEDIA_FETCH_ALLOW`.
    pub fn parse_comma_separated(patterns: &str) -> Result<Self, String> {
        Self::parse(&patterns.split(',').collect::<Vec<_>>())
    }

    /// Whether a host name matches `*`, an exact name or a `*.` pattern. Addresses are
    /// checked separately.
    fn name_matches(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.');
        self.any_public
            || self.exact.iter().any(|e| e == name)
            || self
                .suffixes
                .iter()
                .any(|s| name.len() > s.len() && name.ends_with(s.as_str()))
    }

    fn in_nets(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(ip))
    }

    /// An address a permitted name resolved to (or an IP literal) may be used when it is
    /// listed explicitly or public.
    fn check_addr(&self, ip: IpAddr) -> Result<(), String> {
        if self.in_nets(ip) {
            return Ok(());
        }
        match classify(ip) {
            AddrClass::Public => Ok(()),
            class => Err(format!("{ip} is {}", class.describe())),
        }
    }

    /// Checks a URL's host; for names, `addrs` must be every address it resolved to.
    fn check_host(&self, host: &UrlHost<'_>, addrs: &[IpAddr]) -> Result<(), String> {
        match host {
            UrlHost::Domain(name) => {
                let listed_addrs = !addrs.is_empty() && addrs.iter().all(|a| self.in_nets(*a));
                if !self.name_matches(name) && !listed_addrs {
                    return Err("the name is not on the allow list".into());
                }
                addrs.iter().try_for_each(|a| self.check_addr(*a))
            }
            UrlHost::Ip(ip) => self.check_ip_literal(*ip),
        }
    }

    fn check_ip_literal(&self, ip: IpAddr) -> Result<(), String> {
        if self.in_nets(ip) {
            return Ok(());
        }
        // Only `*` lets clients name public hosts by address; a list of names means "only
        // these names".
        if !self.any_public {
            return Err(format!("{ip} is not on the allow list"));
        }
        self.check_addr(ip)
    }
}

/// A URL's host. (The `url` crate's own `Host` is not re-exported by reqwest.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UrlHost<'a> {
    Domain(&'a str),
    Ip(IpAddr),
}

/// For `http(s)` URLs the `url` crate has already turned every spelling of an IPv4 address
/// (`2130706433`, `0x7f.1`) into dotted form and bracketed IPv6, so a host that parses as
/// an address here is one, and anything else is a domain name.
fn url_host(url: &Url) -> Option<UrlHost<'_>> {
    let host = url.host_str().filter(|h| !h.is_empty())?;
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse().ok().map(UrlHost::Ip);
    }
    match host.parse::<Ipv4Addr>() {
        Ok(v4) => Some(UrlHost::Ip(IpAddr::V4(v4))),
        Err(_) => Some(UrlHost::Domain(host)),
    }
}

/// Normalizes a host name pattern the way the `url` crate normalizes a URL's host
/// (lowercase, IDNA to punycode), so patterns and URLs compare equal.
fn normalize_host_pattern(pattern: &str) -> Result<String, String> {
    if pattern.chars().any(|c| {
        c.is_whitespace() || matches!(c, ':' | '/' | '\\' | '@' | '?' | '#' | '*' | '[' | ']')
    }) {
        return Err(
            "expected `*`, a host name, `*.` and a domain, an ip address or a cidr range".into(),
        );
    }
    let url = Url::parse(&format!("http://{pattern}/")).map_err(|e| e.to_string())?;
    match url_host(&url) {
        Some(UrlHost::Domain(domain)) => {
            let domain = domain.trim_end_matches('.');
            if domain.is_empty() {
                Err("empty host name".into())
            } else {
                Ok(domain.to_string())
            }
        }
        // The url crate reads shorthand like `127.1` as an address; demand the full form
        // so the operator sees what is allowed.
        _ => Err("write ip addresses in full (e.g. 127.0.0.1 or 10.0.0.0/8)".into()),
    }
}

/// An IP range (`10.0.0.0/8`) or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// `None` when `s` does not look like an address at all (so it is a host name);
    /// `Some(Err)` when it looks like one but is malformed.
    fn parse(s: &str) -> Option<Result<Self, String>> {
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr = addr.trim_start_matches('[').trim_end_matches(']');
        let ip: IpAddr = match addr.parse() {
            Ok(ip) => ip,
            // A slash only makes sense in a range, so report it as a bad range.
            Err(_) if prefix.is_some() => return Some(Err("not an ip address range".into())),
            Err(_) => return None,
        };
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(p) if p <= max => p,
                _ => return Some(Err(format!("prefix length must be 0 to {max}"))),
            },
        };
        // Addresses are compared in canonical form, so `::ffff:10.0.0.0/104` must become
        // `10.0.0.0/8` or it would never match.
        let net = match ip {
            IpAddr::V6(v6) if prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => Self {
                    addr: IpAddr::V4(v4),
                    prefix: prefix - 96,
                },
                None => Self { addr: ip, prefix },
            },
            _ => Self { addr: ip, prefix },
        };
        Some(Ok(net))
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// What kind of address an IP is, for the default refusal of everything not public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrClass {
    Public,
    Unspecified,
    Loopback,
    Private,
    SharedCgnat,
    LinkLocal,
    UniqueLocal,
    Multicast,
    Broadcast,
    Documentation,
    Reserved,
}

impl AddrClass {
    fn describe(self) -> &'static str {
        match self {
            Self::Public => "a public address",
            Self::Unspecified => "an unspecified address",
            Self::Loopback => "a loopback address",
            Self::Private => "a private address",
            Self::SharedCgnat => "a shared (cgnat) address",
            Self::LinkLocal => "a link-local address",
            Self::UniqueLocal => "a unique-local address",
            Self::Multicast => "a multicast address",
            Self::Broadcast => "the broadcast address",
            Self::Documentation => "a documentation address",
            Self::Reserved => "a reserved address",
        }
    }
}

/// Classifies an address; only [`AddrClass::Public`] is fetched from by default.
pub fn classify(ip: IpAddr) -> AddrClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn classify_v4(ip: Ipv4Addr) -> AddrClass {
    // 0.0.0.0/8 is "this network"; connecting to 0.0.0.0 reaches the local host on Linux.
    if ip.octets()[0] == 0 {
        AddrClass::Unspecified
    } else if ip.is_broadcast() {
        AddrClass::Broadcast
    } else if ip.is_loopback() {
        AddrClass::Loopback
    } else if ip.is_private() {
        AddrClass::Private
    } else if in_v4(ip, [100, 64, 0, 0], 10) {
        AddrClass::SharedCgnat
    } else if ip.is_link_local() {
        AddrClass::LinkLocal
    } else if ip.is_multicast() {
        AddrClass::Multicast
    } else if ip.is_documentation() {
        AddrClass::Documentation
    } else if in_v4(ip, [192, 0, 0, 0], 24)
        || in_v4(ip, [192, 88, 99, 0], 24)
        || in_v4(ip, [198, 18, 0, 0], 15)
        || in_v4(ip, [240, 0, 0, 0], 4)
    {
        AddrClass::Reserved
    } else {
        AddrClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddrClass {
    let seg = ip.segments();
    let o = ip.octets();
    if let Some(v4) = ip.to_ipv4_mapped() {
        classify_v4(v4)
    } else if ip.is_unspecified() {
        AddrClass::Unspecified
    } else if ip.is_loopback() {
        AddrClass::Loopback
    } else if ip.is_multicast() {
        AddrClass::Multicast
    } else if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64 translates these to the embedded IPv4 address, private or not.
        classify_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]))
    } else if seg[0] == 0x2002 {
        // 6to4 tunnels to the IPv4 address in bits 16..48.
        classify_v4(Ipv4Addr::new(o[2], o[3], o[4], o[5]))
    } else if seg[0] & 0xfe00 == 0xfc00 || seg[0] & 0xffc0 == 0xfec0 {
        AddrClass::UniqueLocal
    } else if seg[0] & 0xffc0 == 0xfe80 {
        AddrClass::LinkLocal
    } else if (seg[0] == 0x2001 && seg[1] == 0x0db8) || (seg[0] == 0x3fff && seg[1] < 0x1000) {
        AddrClass::Documentation
    } else if (seg[0] == 0x2001 && seg[1] < 0x0200) || seg[0] & 0xe000 != 0x2000 {
        // 2001::/23 holds Teredo and other special purposes; everything outside global
        // unicast 2000::/3 (IPv4-compatible, discard-only, local NAT64, …) is not a place
        // to download from.
        AddrClass::Reserved
    } else {
        AddrClass::Public
    }
}

/// `scheme://host[:port]/path`, plus `?<redacted>` when the URL has a query. Userinfo and
/// fragment are dropped. Use this whenever a URL goes into a log or an error.
pub fn redact_url(url: &Url) -> String {
    let mut out = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(url.path());
    if url.query().is_some() {
        out.push_str("?<redacted>");
    }
    out
}

/// Where a download goes: a new temporary file, made by the caller (which owns the
/// folder and its clean-up after a crash).
pub type NewFile<'a> = dyn Fn() -> std::io::Result<tempfile::NamedTempFile> + Sync + 'a;

/// Downloads `url` under `policy` into a file from `new_file`, made once the response
/// headers have passed every check.
///
/// The file is deleted again on every failure, including when the total timeout drops
/// the download half-way.
pub async fn fetch_media(
    url: &str,
    policy: &FetchPolicy,
    new_file: &NewFile<'_>,
) -> Result<FetchedMedia, FetchError> {
    let started = Instant::now();
    let url = match Url::parse(url.trim()) {
        Ok(url) => url,
        Err(e) => {
            // The raw string may hold secrets, so only the parse error is logged.
            tracing::warn!(error = %e, "media fetch failed: the url does not parse");
            return Err(FetchError::InvalidUrl(e.to_string()));
        }
    };
    let shown = redact_url(&url);
    let result = match tokio::time::timeout(
        policy.total_timeout,
        fetch_inner(url, policy, new_file),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => Err(FetchError::TotalTimeout(policy.total_timeout)),
    };
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match &result {
        Ok(media) => tracing::info!(
            url = %shown,
            final_url = %media.final_url,
            bytes = media.bytes,
            content_type = media.content_type.as_deref().unwrap_or(""),
            elapsed_ms,
            "media fetched"
        ),
        Err(error) => {
            let reason = match error {
                FetchError::HostRefused { reason, .. } => reason.as_str(),
                _ => "",
            };
            tracing::warn!(
                url = %shown,
                %error,
                reason,
                transient = error.is_transient(),
                elapsed_ms,
                "media fetch failed"
            );
        }
    }
    result
}

async fn fetch_inner(
    mut url: Url,
    policy: &FetchPolicy,
    new_file: &NewFile<'_>,
) -> Result<FetchedMedia, FetchError> {
    url.set_fragment(None);
    let mut redirects = 0usize;
    let response = loop {
        let addrs = check_destination(&url, policy).await?;
        let host = url.host_str().unwrap_or("").to_string();
        let client = pinned_client(&url, &addrs, policy)?;
        tracing::debug!(url = %redact_url(&url), ?addrs, redirects, "requesting media");
        // Headers must follow the connect promptly; reqwest's own connect timeout covers
        // the connect, the idle timeout the wait after it.
        let wait = policy.connect_timeout.saturating_add(policy.idle_timeout);
        let response = match tokio::time::timeout(wait, client.get(url.clone()).send()).await {
            Err(_) => return Err(FetchError::IdleTimeout(policy.idle_timeout)),
            Ok(Err(e)) => return Err(send_error(e, &host)),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if is_redirect(status) {
            if redirects >= policy.max_redirects {
                return Err(FetchError::TooManyRedirects(policy.max_redirects));
            }
            let next = redirect_target(&url, response.headers().get(LOCATION))?;
            tracing::debug!(
                from = %redact_url(&url),
                to = %redact_url(&next),
                status = status.as_u16(),
                "media url redirects"
            );
            redirects += 1;
            url = next;
            continue;
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
            });
        }
        break response;
    };

    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let file_name = response
        .headers()
        .get(CONTENT_DISPOSITION)
        .and_then(file_name_from_disposition)
        .or_else(|| file_name_from_url(&url));
    let (path, bytes) = stream_to_file(response, policy, new_file).await?;
    Ok(FetchedMedia {
        path,
        bytes,
        content_type,
        file_name,
        final_url: redact_url(&url),
    })
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Checks scheme, userinfo and host of one hop and returns the addresses to connect to.
async fn check_destination(url: &Url, policy: &FetchPolicy) -> Result<Vec<SocketAddr>, FetchError> {
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(FetchError::UnsupportedScheme(other.to_string())),
    }
    // `http://good.com@evil.com` parses as user `good.com` at `evil.com`; refusing userinfo
    // outright keeps such URLs from looking like something they are not.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::Credentials);
    }
    let host = url_host(url).ok_or_else(|| FetchError::InvalidUrl("the url has no host".into()))?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| FetchError::InvalidUrl("the url has no port".into()))?;
    let refused = |reason: String| FetchError::HostRefused {
        host: url.host_str().unwrap_or("").to_string(),
        reason,
    };
    let ips: Vec<IpAddr> = match host {
        UrlHost::Ip(ip) => vec![ip],
        UrlHost::Domain(name) => {
            let allow = &policy.allow;
            // Skip the lookup when nothing could allow this name anyway.
            if !allow.name_matches(name) && allow.nets.is_empty() {
                return Err(refused("the name is not on the allow list".into()));
            }
            let not_resolved = || FetchError::Resolve {
                host: name.to_string(),
            };
            let found = match tokio::time::timeout(
                policy.connect_timeout,
                tokio::net::lookup_host((name, port)),
            )
            .await
            {
                Err(_) => return Err(not_resolved()),
                Ok(Err(e)) => {
                    tracing::debug!(host = name, error = %e, "media host lookup failed");
                    return Err(not_resolved());
                }
                Ok(Ok(found)) => found,
            };
            let mut ips: Vec<IpAddr> = Vec::new();
            for addr in found {
                if !ips.contains(&addr.ip()) {
                    ips.push(addr.ip());
                }
            }
            if ips.is_empty() {
                return Err(not_resolved());
            }
            ips
        }
    };
    policy.allow.check_host(&host, &ips).map_err(refused)?;
    Ok(ips
        .into_iter()
        .map(|ip| SocketAddr::new(ip, port))
        .collect())
}

/// Fails every lookup: the client only ever connects to names pinned with
/// `resolve_to_addrs`, so an unpinned name reaching the resolver is a bug, not a reason to
/// ask DNS again.
struct RefuseResolver;

impl reqwest::dns::Resolve for RefuseResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let message = format!(
            "{} was not checked by the media fetch policy",
            name.as_str()
        );
        Box::pin(std::future::ready(Err(message.into())))
    }
}

/// The TLS settings every client shares: the roots of trust (webpki-roots and the
/// system's) read and parsed once per process. Left to reqwest, every client (one per
/// request, to pin its addresses) re-read and re-parsed the system's certificate store:
/// about 4 ms of CPU per webhook, which held deliveries to half the target rate
/// (BENCHMARKS.md, "Webhook deliveries"). `None` (logged) when no provider could be set
/// up, which cannot happen with ring's defaults.
fn tls_config() -> Option<rustls::ClientConfig> {
    static CONFIG: std::sync::OnceLock<Option<rustls::ClientConfig>> = std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = roots();
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            match rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
            {
                Ok(b) => {
                    let mut config = b.with_root_certificates(roots).with_no_client_auth();
                    // HTTP/1.1 only, as the clients speak it (one request per client).
                    config.alpn_protocols = vec![b"http/1.1".to_vec()];
                    Some(config)
                }
                Err(e) => {
                    tracing::error!(error = %e, "could not set up tls");
                    None
                }
            }
        })
        .clone()
}

/// The authorities a server's certificate may chain to: webpki-roots (Mozilla's list)
/// and the system's store.
fn roots() -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let native = rustls_native_certs::load_native_certs();
    if !native.errors.is_empty() {
        tracing::warn!(
            errors = native.errors.len(),
            "some system root certificates could not be read"
        );
    }
    let (added, ignored) = roots.add_parsable_certificates(native.certs);
    tracing::debug!(added, ignored, "system root certificates loaded");
    roots
}

/// One client per hop, connecting only to the addresses that were just checked.
fn pinned_client(
    url: &Url,
    addrs: &[SocketAddr],
    policy: &FetchPolicy,
) -> Result<reqwest::Client, FetchError> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(policy.connect_timeout)
        .dns_resolver(Arc::new(RefuseResolver))
        // Count the bytes as stored; transparent decompression would make max_bytes
        // measure something else (and is a no-op unless a feature enables it).
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .no_zstd()
        .referer(false)
        .user_agent(concat!("parley/", env!("CARGO_PKG_VERSION")))
        .use_preconfigured_tls(tls_config().ok_or(FetchError::Internal)?);
    if let Some(UrlHost::Domain(name)) = url_host(url) {
        builder = builder.resolve_to_addrs(name, addrs);
    }
    builder.build().map_err(|e| {
        tracing::error!(error = %e, "could not build the media http client");
        FetchError::Internal
    })
}

/// Maps a reqwest error without its URL (which may carry a signed query) or its
/// low-level detail (which may name internal addresses); the detail goes to the log.
fn send_error(error: reqwest::Error, host: &str) -> FetchError {
    let error = error.without_url();
    tracing::debug!(host, error = %error, source = ?std::error::Error::source(&error), "media request failed");
    let host = host.to_string();
    if error.is_timeout() {
        FetchError::ConnectTimeout { host }
    } else if error.is_connect() {
        FetchError::Connect { host }
    } else {
        FetchError::Network
    }
}

fn redirect_target(current: &Url, location: Option<&HeaderValue>) -> Result<Url, FetchError> {
    let location = location
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(FetchError::BadRedirect)?;
    // Relative locations are resolved against the current URL, as browsers do.
    let mut next = current
        .join(location)
        .map_err(|_| FetchError::BadRedirect)?;
    if current.scheme() == "https" && next.scheme() == "http" {
        return Err(FetchError::InsecureRedirect);
    }
    next.set_fragment(None);
    Ok(next)
}

async fn stream_to_file(
    mut response: reqwest::Response,
    policy: &FetchPolicy,
    new_file: &NewFile<'_>,
) -> Result<(TempPath, u64), FetchError> {
    let limit = policy.max_bytes;
    match response.content_length() {
        Some(0) => return Err(FetchError::EmptyBody),
        Some(len) if len > limit => return Err(FetchError::TooLarge { limit }),
        _ => {}
    }
    let file = new_file().map_err(FetchError::Io)?;
    // From here on an early return drops `path`, which deletes the partial file.
    let (file, path) = file.into_parts();
    let mut file = tokio::fs::File::from_std(file);
    let mut written: u64 = 0;
    let mut rate = RateCheck::new(policy);
    let mut last_data = tokio::time::Instant::now();
    loop {
        let idle_at = last_data + policy.idle_timeout;
        // Wake at the end of a rate window too, so a trickle is caught on time.
        let wake_at = rate.window_end().map_or(idle_at, |end| end.min(idle_at));
        match tokio::time::timeout_at(wake_at, response.chunk()).await {
            Err(_) if tokio::time::Instant::now() >= idle_at => {
                return Err(FetchError::IdleTimeout(policy.idle_timeout))
            }
            // The rate window ended; `chunk` is cancel safe, so waiting again loses nothing.
            Err(_) => {}
            Ok(Err(e)) => {
                tracing::debug!(error = %e.without_url(), "media body failed");
                return Err(FetchError::Network);
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => {
                last_data = tokio::time::Instant::now();
                written = written.saturating_add(chunk.len() as u64);
                if written > limit {
                    return Err(FetchError::TooLarge { limit });
                }
                rate.add(chunk.len() as u64);
                file.write_all(&chunk).await.map_err(FetchError::Io)?;
            }
        }
        rate.check()?;
    }
    if written == 0 {
        return Err(FetchError::EmptyBody);
    }
    // tokio's File writes in the background; flush so the bytes are in the file before
    // the caller opens it by path.
    file.flush().await.map_err(FetchError::Io)?;
    drop(file);
    Ok((path, written))
}

/// The minimum transfer rate, over consecutive windows of the body.
struct RateCheck {
    min: u64,
    window: Duration,
    started: tokio::time::Instant,
    bytes: u64,
}

impl RateCheck {
    fn new(policy: &FetchPolicy) -> RateCheck {
        RateCheck {
            min: policy.min_bytes_per_sec,
            window: policy.min_rate_window,
            started: tokio::time::Instant::now(),
            bytes: 0,
        }
    }

    fn on(&self) -> bool {
        self.min > 0 && !self.window.is_zero()
    }

    fn window_end(&self) -> Option<tokio::time::Instant> {
        self.on().then(|| self.started + self.window)
    }

    fn add(&mut self, bytes: u64) {
        self.bytes = self.bytes.saturating_add(bytes);
    }

    /// At the end of a window: fails when it was too slow, else starts the next one.
    fn check(&mut self) -> Result<(), FetchError> {
        if !self.on() {
            return Ok(());
        }
        let elapsed = self.started.elapsed();
        if elapsed < self.window {
            return Ok(());
        }
        let millis = u64::try_from(elapsed.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let rate = self.bytes.saturating_mul(1000) / millis;
        if rate < self.min {
            return Err(FetchError::TooSlow {
                rate,
                min: self.min,
                window: self.window,
            });
        }
        self.started = tokio::time::Instant::now();
        self.bytes = 0;
        Ok(())
    }
}

/// `filename*=` (RFC 5987, UTF-8 or ISO-8859-1) wins over `filename=`.
fn file_name_from_disposition(value: &HeaderValue) -> Option<String> {
    // Servers do send raw UTF-8 in `filename="…"`, which `to_str` would reject.
    let value = String::from_utf8_lossy(value.as_bytes());
    let mut plain = None;
    let mut extended = None;
    for param in split_params(&value).into_iter().skip(1) {
        let Some((key, val)) = param.split_once('=') else {
            continue;
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "filename*" => extended = decode_ext_value(val.trim()),
            "filename" => plain = Some(unquote(val.trim())),
            _ => {}
        }
    }
    extended
        .and_then(|n| sanitize_file_name(&n))
        .or_else(|| plain.and_then(|n| sanitize_file_name(&n)))
}

/// Splits on `;` outside double quotes.
fn split_params(value: &str) -> Vec<String> {
    let mut params = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == ';' && !quoted {
            params.push(std::mem::take(&mut current));
            continue;
        }
        current.push(c);
    }
    params.push(current);
    params
}

fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `charset'language'percent-encoded`.
fn decode_ext_value(value: &str) -> Option<String> {
    let mut parts = value.splitn(3, '\'');
    let charset = parts.next()?.to_ascii_lowercase();
    let _language = parts.next()?;
    let bytes = percent_decode(parts.next()?);
    match charset.as_str() {
        "utf-8" => String::from_utf8(bytes).ok(),
        "iso-8859-1" => Some(bytes.into_iter().map(char::from).collect()),
        _ => None,
    }
}

fn percent_decode(value: &str) -> Vec<u8> {
    let bytes = value.as_bytes();
    let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            if let (Some(h), Some(l)) = (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                // Both digits are below 16, so the value fits a byte.
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

fn file_name_from_url(url: &Url) -> Option<String> {
    let last = url.path_segments()?.next_back()?;
    let decoded = String::from_utf8_lossy(&percent_decode(last)).into_owned();
    sanitize_file_name(&decoded)
}

/// Keeps the last path component, without control characters, at most 255 bytes; the
/// caller may use it to name a file.
fn sanitize_file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return None;
    }
    let mut end = cleaned.len().min(255);
    while !cleaned.is_char_boundary(end) {
        end -= 1;
    }
    Some(cleaned[..end].to_string())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::io::AsyncReadExt;
    use tokio::net::{TcpListener, TcpStream};

    use std::path::Path;

    use super::*;

    #[test]
    fn every_client_shares_one_tls_setup_with_the_roots_of_trust() {
        // webpki-roots alone holds well over 100 authorities.
        assert!(roots().len() > 100);
        let config = tls_config().unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        let url = Url::parse("https://hooks.example.com/x").unwrap();
        let addrs = [SocketAddr::from(([93, 184, 215, 14], 443))];
        assert!(pinned_client(&url, &addrs, &FetchPolicy::default()).is_ok());
    }

    fn media_body() -> Vec<u8> {
        (0..10_000u32).map(|i| (i % 251) as u8).collect()
    }

    /// A raw HTTP/1.1 server on 127.0.0.1 that counts connections, so tests can prove a
    /// refused URL caused no traffic.
    struct Server {
        port: u16,
        connections: Arc<AtomicUsize>,
    }

    impl Server {
        async fn start() -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let port = listener.local_addr().expect("local addr").port();
            let connections = Arc::new(AtomicUsize::new(0));
            let counter = connections.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    counter.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(handle(stream, port));
                }
            });
            Self { port, connections }
        }

        fn url(&self, path: &str) -> String {
            format!("http://127.0.0.1:{}{path}", self.port)
        }

        fn connections(&self) -> usize {
            self.connections.load(Ordering::SeqCst)
        }
    }

    async fn read_path(stream: &mut TcpStream) -> Option<String> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let head = String::from_utf8_lossy(&buf);
        let target = head.split_whitespace().nth(1)?;
        Some(target.split('?').next()?.to_string())
    }

    fn head(status: &str, headers: &[(&str, String)]) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
        for (name, value) in headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        out.into_bytes()
    }

    fn full(status: &str, mut headers: Vec<(&str, String)>, body: &[u8]) -> Vec<u8> {
        headers.push(("Content-Length", body.len().to_string()));
        let mut out = head(status, &headers);
        out.extend_from_slice(body);
        out
    }

    fn redirect(status: &str, location: String) -> Vec<u8> {
        full(status, vec![("Location", location)], b"")
    }

    async fn handle(mut stream: TcpStream, port: u16) {
        let Some(path) = read_path(&mut stream).await else {
            return;
        };
        let body = media_body();
        let chunked = || head("200 OK", &[("Transfer-Encoding", "chunked".into())]);
        let response = match path.as_str() {
            "/media.mp3" => full("200 OK", vec![("Content-Type", "audio/mpeg".into())], &body),
            "/disposition" => full(
                "200 OK",
                vec![(
                    "Content-Disposition",
                    r#"attachment; filename="call; \"one\".mp3""#.into(),
                )],
                &body,
            ),
            "/disposition-ext" => full(
                "200 OK",
                vec![(
                    "Content-Disposition",
                    "attachment; filename=\"fallback.wav\"; filename*=UTF-8''r%C3%A9union.wav"
                        .into(),
                )],
                &body,
            ),
            "/signed/audio.wav" => {
                full("200 OK", vec![("Content-Type", "audio/wav".into())], &body)
            }
            "/to-signed" => redirect(
                "302 Found",
                "/signed/audio.wav?X-Amz-Signature=topsecret".into(),
            ),
            p if p.starts_with("/r/") => match p[3..].parse::<u32>().unwrap_or(0) {
                0 => full("200 OK", Vec::new(), &body),
                // Alternate absolute and relative locations and the redirect codes.
                n if n % 2 == 0 => redirect(
                    "307 Temporary Redirect",
                    format!("http://127.0.0.1:{port}/r/{}", n - 1),
                ),
                n => redirect("301 Moved Permanently", format!("/r/{}", n - 1)),
            },
            "/to-metadata" => redirect(
                "302 Found",
                "http://169.254.169.254/latest/meta-data/".into(),
            ),
            "/to-other-loopback" => redirect(
                "308 Permanent Redirect",
                format!("http://127.0.0.2:{port}/media.mp3"),
            ),
            "/to-ftp" => redirect("303 See Other", "ftp://127.0.0.1/media.mp3".into()),
            "/no-location" => full("302 Found", Vec::new(), b""),
            "/unavailable" => full("503 Service Unavailable", Vec::new(), b"try later"),
            "/busy" => full("429 Too Many Requests", Vec::new(), b"slow down"),
            "/empty" => full("200 OK", Vec::new(), b""),
            "/empty-chunked" => {
                let mut out = chunked();
                out.extend_from_slice(b"0\r\n\r\n");
                out
            }
            "/huge-length" => {
                let mut out = head("200 OK", &[("Content-Length", "1000000000000".into())]);
                out.extend_from_slice(b"0123456789");
                let _ = stream.write_all(&out).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
            "/infinite" => {
                let _ = stream.write_all(&chunked()).await;
                let mut chunk = b"4000\r\n".to_vec();
                chunk.extend(std::iter::repeat_n(b'x', 0x4000));
                chunk.extend_from_slice(b"\r\n");
                while stream.write_all(&chunk).await.is_ok() {}
                return;
            }
            "/stall" => {
                let mut out = head("200 OK", &[("Content-Length", "1000".into())]);
                out.extend_from_slice(b"0123456789");
                let _ = stream.write_all(&out).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
            "/no-headers" => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
            "/slow-enough" => {
                // 2 KB every 50 ms: 40 KB/s, for half a second.
                let _ = stream.write_all(&chunked()).await;
                for _ in 0..10 {
                    let mut chunk = b"800\r\n".to_vec();
                    chunk.extend(std::iter::repeat_n(b'y', 0x800));
                    chunk.extend_from_slice(b"\r\n");
                    if stream.write_all(&chunk).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                let _ = stream.write_all(b"0\r\n\r\n").await;
                let _ = stream.shutdown().await;
                return;
            }
            "/trickle" => {
                let _ = stream.write_all(&chunked()).await;
                while stream.write_all(b"1\r\nx\r\n").await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                return;
            }
            _ => full("404 Not Found", Vec::new(), b"not found"),
        };
        let _ = stream.write_all(&response).await;
        let _ = stream.shutdown().await;
    }

    fn local_policy() -> FetchPolicy {
        FetchPolicy {
            allow: HostAllowList::parse(&["127.0.0.1"]).expect("pattern"),
            connect_timeout: Duration::from_secs(2),
            total_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(5),
            ..FetchPolicy::default()
        }
    }

    /// No files left behind.
    fn is_empty_dir(dir: &Path) -> bool {
        std::fs::read_dir(dir)
            .map(|mut entries| entries.next().is_none())
            .unwrap_or(false)
    }

    /// Downloads into temporary files in `dir`, as the workers do in their work folder.
    async fn fetch_into(
        url: &str,
        policy: &FetchPolicy,
        dir: &Path,
    ) -> Result<FetchedMedia, FetchError> {
        fetch_media(url, policy, &|| tempfile::NamedTempFile::new_in(dir)).await
    }

    async fn fetch_err(url: &str, policy: &FetchPolicy, dir: &Path) -> FetchError {
        match fetch_into(url, policy, dir).await {
            Ok(media) => panic!("{url} was fetched: {media:?}"),
            Err(e) => e,
        }
    }

    #[tokio::test]
    async fn default_policy_refuses_local_addresses_without_traffic() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let policy = FetchPolicy::default();
        let port = server.port;
        let refused = [
            format!("http://127.0.0.1:{port}/media.mp3"),
            format!("http://localhost:{port}/media.mp3"),
            format!("http://[::1]:{port}/media.mp3"),
            format!("http://[::ffff:127.0.0.1]:{port}/media.mp3"),
            format!("http://0.0.0.0:{port}/media.mp3"),
            // The url crate reads these as 127.0.0.1 too.
            format!("http://2130706433:{port}/media.mp3"),
            format!("http://0x7f.1:{port}/media.mp3"),
            "http://169.254.169.254/latest/meta-data/".into(),
            "http://10.1.2.3/".into(),
            "http://172.16.0.1/".into(),
            "http://192.168.1.1/".into(),
            "http://100.64.0.1/".into(),
            "http://[::ffff:127.0.0.1]/".into(),
            "http://[::ffff:169.254.169.254]/".into(),
            "http://[fd00::1]/".into(),
            "http://[fe80::1]/".into(),
            "http://[64:ff9b::a01:203]/".into(),
            "http://255.255.255.255/".into(),
            "http://224.0.0.1/".into(),
        ];
        for url in &refused {
            let err = fetch_err(url, &policy, dir.path()).await;
            assert!(
                matches!(err, FetchError::HostRefused { .. }),
                "{url}: {err:?}"
            );
            assert!(!err.is_transient(), "{url}");
        }
        for url in [
            "ftp://127.0.0.1/media.mp3",
            "file:///etc/passwd",
            "gopher://x/",
        ] {
            let err = fetch_err(url, &policy, dir.path()).await;
            assert!(
                matches!(err, FetchError::UnsupportedScheme(_)),
                "{url}: {err:?}"
            );
        }
        for url in [
            format!("http://user:pw@127.0.0.1:{port}/media.mp3"),
            format!("http://good.example@127.0.0.1:{port}/media.mp3"),
            "https://user@example.com/a.mp3".into(),
        ] {
            let err = fetch_err(&url, &policy, dir.path()).await;
            assert!(matches!(err, FetchError::Credentials), "{url}: {err:?}");
        }
        for url in ["not a url", "/relative/path.mp3", "http://"] {
            let err = fetch_err(url, &policy, dir.path()).await;
            assert!(matches!(err, FetchError::InvalidUrl(_)), "{url}: {err:?}");
            assert!(!err.is_transient());
        }
        assert_eq!(server.connections(), 0, "a refused url reached the server");
        assert!(is_empty_dir(dir.path()));
    }

    #[tokio::test]
    async fn credentials_are_refused_even_for_allowed_hosts() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("http://user:pw@127.0.0.1:{}/media.mp3", server.port);
        let err = fetch_err(&url, &local_policy(), dir.path()).await;
        assert!(matches!(err, FetchError::Credentials), "{err:?}");
        assert_eq!(server.connections(), 0);
    }

    #[tokio::test]
    async fn allowed_address_downloads_exact_bytes() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let media = fetch_into(&server.url("/media.mp3"), &local_policy(), dir.path())
            .await
            .expect("fetch");
        assert_eq!(media.bytes, 10_000);
        assert_eq!(std::fs::read(&media.path).expect("read"), media_body());
        assert_eq!(media.content_type.as_deref(), Some("audio/mpeg"));
        assert_eq!(media.file_name.as_deref(), Some("media.mp3"));
        assert_eq!(media.final_url, server.url("/media.mp3"));
        assert_eq!(media.path.parent(), Some(dir.path()));
        let path = media.path.to_path_buf();
        drop(media);
        assert!(!path.exists(), "dropping the result deletes the file");
    }

    #[tokio::test]
    async fn size_limit_is_inclusive() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let exact = FetchPolicy {
            max_bytes: 10_000,
            ..local_policy()
        };
        let media = fetch_into(&server.url("/media.mp3"), &exact, dir.path()).await;
        assert_eq!(media.expect("fetch at the limit").bytes, 10_000);
        let below = FetchPolicy {
            max_bytes: 9_999,
            ..local_policy()
        };
        let err = fetch_err(&server.url("/media.mp3"), &below, dir.path()).await;
        assert!(
            matches!(err, FetchError::TooLarge { limit: 9_999 }),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn redirect_chain_within_limit_succeeds() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let media = fetch_into(&server.url("/r/5"), &local_policy(), dir.path())
            .await
            .expect("fetch");
        assert_eq!(std::fs::read(&media.path).expect("read"), media_body());
        assert_eq!(media.final_url, server.url("/r/0"));
        assert_eq!(server.connections(), 6);
    }

    #[tokio::test]
    async fn one_redirect_too_many_fails() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let err = fetch_err(&server.url("/r/6"), &local_policy(), dir.path()).await;
        assert!(matches!(err, FetchError::TooManyRedirects(5)), "{err:?}");
        assert!(!err.is_transient());
        let none = FetchPolicy {
            max_redirects: 0,
            ..local_policy()
        };
        let err = fetch_err(&server.url("/r/1"), &none, dir.path()).await;
        assert!(matches!(err, FetchError::TooManyRedirects(0)), "{err:?}");
    }

    #[tokio::test]
    async fn redirects_are_checked_like_the_first_url() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let policy = local_policy();
        for path in ["/to-metadata", "/to-other-loopback"] {
            let err = fetch_err(&server.url(path), &policy, dir.path()).await;
            assert!(
                matches!(err, FetchError::HostRefused { .. }),
                "{path}: {err:?}"
            );
        }
        let err = fetch_err(&server.url("/to-ftp"), &policy, dir.path()).await;
        assert!(matches!(err, FetchError::UnsupportedScheme(_)), "{err:?}");
        let err = fetch_err(&server.url("/no-location"), &policy, dir.path()).await;
        assert!(matches!(err, FetchError::BadRedirect), "{err:?}");
        // One connection per first hop; the refused targets were never contacted
        // (127.0.0.2 would have reached this server too).
        assert_eq!(server.connections(), 4);
        assert!(is_empty_dir(dir.path()));
    }

    #[tokio::test]
    async fn final_url_and_file_name_hide_the_signed_query() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let media = fetch_into(&server.url("/to-signed"), &local_policy(), dir.path())
            .await
            .expect("fetch");
        assert_eq!(
            media.final_url,
            server.url("/signed/audio.wav") + "?<redacted>"
        );
        assert!(!media.final_url.contains("topsecret"));
        assert_eq!(media.file_name.as_deref(), Some("audio.wav"));
        assert_eq!(media.content_type.as_deref(), Some("audio/wav"));
    }

    #[tokio::test]
    async fn file_name_comes_from_content_disposition() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let policy = local_policy();
        let media = fetch_into(&server.url("/disposition"), &policy, dir.path())
            .await
            .expect("fetch");
        assert_eq!(media.file_name.as_deref(), Some("call; \"one\".mp3"));
        let media = fetch_into(&server.url("/disposition-ext"), &policy, dir.path())
            .await
            .expect("fetch");
        assert_eq!(media.file_name.as_deref(), Some("réunion.wav"));
    }

    #[tokio::test]
    async fn too_large_by_content_length_fails_before_download() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let policy = FetchPolicy {
            max_bytes: 1_000,
            idle_timeout: Duration::from_secs(10),
            ..local_policy()
        };
        let started = Instant::now();
        let err = fetch_err(&server.url("/huge-length"), &policy, dir.path()).await;
        assert!(
            matches!(err, FetchError::TooLarge { limit: 1_000 }),
            "{err:?}"
        );
        assert!(!err.is_transient());
        // The server stalls after ten bytes; reading on would have hit the idle timeout.
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(is_empty_dir(dir.path()));
    }

    #[tokio::test]
    async fn too_large_while_streaming_fails_and_leaves_no_file() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let policy = FetchPolicy {
            max_bytes: 100_000,
            ..local_policy()
        };
        let err = fetch_err(&server.url("/infinite"), &policy, dir.path()).await;
        assert!(
            matches!(err, FetchError::TooLarge { limit: 100_000 }),
            "{err:?}"
        );
        assert!(is_empty_dir(dir.path()));
    }

    #[tokio::test]
    async fn idle_timeout_fires_and_leaves_no_file() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let policy = FetchPolicy {
            idle_timeout: Duration::from_millis(300),
            ..local_policy()
        };
        for path in ["/stall", "/no-headers"] {
            let started = Instant::now();
            let err = fetch_err(&server.url(path), &policy, dir.path()).await;
            assert!(matches!(err, FetchError::IdleTimeout(_)), "{path}: {err:?}");
            assert!(err.is_transient());
            assert!(started.elapsed() < Duration::from_secs(4), "{path}");
        }
        assert!(is_empty_dir(dir.path()));
    }

    #[tokio::test]
    async fn total_timeout_fires_and_leaves_no_file() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let policy = FetchPolicy {
            idle_timeout: Duration::from_millis(300),
            total_timeout: Duration::from_millis(800),
            ..local_policy()
        };
        let err = fetch_err(&server.url("/trickle"), &policy, dir.path()).await;
        assert!(matches!(err, FetchError::TotalTimeout(_)), "{err:?}");
        assert!(err.is_transient());
        assert!(is_empty_dir(dir.path()));
    }

    #[tokio::test]
    async fn a_trickle_below_the_minimum_rate_fails_and_leaves_no_file() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        // The trickle sends 20 bytes/s, always within the idle timeout.
        let policy = FetchPolicy {
            min_bytes_per_sec: 1_000,
            min_rate_window: Duration::from_millis(400),
            ..local_policy()
        };
        let started = Instant::now();
        let err = fetch_err(&server.url("/trickle"), &policy, dir.path()).await;
        assert!(
            matches!(err, FetchError::TooSlow { min: 1_000, rate, .. } if rate < 1_000),
            "{err:?}"
        );
        assert!(err.is_transient());
        assert!(
            err.to_string().starts_with("the download was too slow: "),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(4));
        assert!(is_empty_dir(dir.path()));

        // Off, the same trickle runs into the total timeout instead.
        let off = FetchPolicy {
            min_bytes_per_sec: 0,
            total_timeout: Duration::from_millis(900),
            ..policy
        };
        let err = fetch_err(&server.url("/trickle"), &off, dir.path()).await;
        assert!(matches!(err, FetchError::TotalTimeout(_)), "{err:?}");
    }

    #[tokio::test]
    async fn a_download_above_the_minimum_rate_completes() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let policy = FetchPolicy {
            min_bytes_per_sec: 8_000,
            min_rate_window: Duration::from_millis(150),
            ..local_policy()
        };
        let media = fetch_into(&server.url("/slow-enough"), &policy, dir.path())
            .await
            .expect("fetch");
        assert_eq!(media.bytes, 10 * 0x800);
    }

    #[tokio::test]
    async fn status_codes_say_whether_to_retry() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let policy = local_policy();
        for (path, code, transient) in [
            ("/missing", 404, false),
            ("/unavailable", 503, true),
            ("/busy", 429, true),
        ] {
            let err = fetch_err(&server.url(path), &policy, dir.path()).await;
            assert!(
                matches!(err, FetchError::Status { status } if status == code),
                "{path}: {err:?}"
            );
            assert_eq!(err.is_transient(), transient, "{path}");
            assert_eq!(
                err.to_string(),
                format!("the url returned http status {code}")
            );
        }
        assert!(is_empty_dir(dir.path()));
    }

    #[tokio::test]
    async fn empty_body_fails() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        for path in ["/empty", "/empty-chunked"] {
            let err = fetch_err(&server.url(path), &local_policy(), dir.path()).await;
            assert!(matches!(err, FetchError::EmptyBody), "{path}: {err:?}");
            assert_eq!(err.to_string(), "the url returned an empty body");
        }
        assert!(is_empty_dir(dir.path()));
    }

    #[tokio::test]
    async fn connection_refused_is_transient() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("http://127.0.0.1:{port}/media.mp3");
        let err = fetch_err(&url, &local_policy(), dir.path()).await;
        assert!(matches!(err, FetchError::Connect { .. }), "{err:?}");
        assert!(err.is_transient());
    }

    #[tokio::test]
    async fn host_names_need_listed_addresses_to_reach_private_ones() {
        let server = Server::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("http://localhost:{}/media.mp3", server.port);
        let name_only = FetchPolicy {
            allow: HostAllowList::parse(&["localhost"]).expect("pattern"),
            ..local_policy()
        };
        let err = fetch_err(&url, &name_only, dir.path()).await;
        assert!(matches!(err, FetchError::HostRefused { .. }), "{err:?}");
        assert_eq!(server.connections(), 0);

        let name_and_range = FetchPolicy {
            allow: HostAllowList::parse(&["localhost", "127.0.0.0/8", "::1"]).expect("pattern"),
            ..local_policy()
        };
        let media = fetch_into(&url, &name_and_range, dir.path())
            .await
            .expect("fetch");
        assert_eq!(media.bytes, 10_000);
    }

    #[test]
    fn classifies_addresses() {
        use AddrClass::*;
        let table: &[(&str, AddrClass)] = &[
            ("8.8.8.8", Public),
            ("1.1.1.1", Public),
            ("93.184.216.34", Public),
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Unspecified),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.1.2.3", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("172.32.0.1", Public),
            ("192.168.0.1", Private),
            ("100.64.0.1", SharedCgnat),
            ("100.127.255.255", SharedCgnat),
            ("100.128.0.1", Public),
            ("169.254.169.254", LinkLocal),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("255.255.255.255", Broadcast),
            ("192.0.2.1", Documentation),
            ("198.51.100.1", Documentation),
            ("203.0.113.1", Documentation),
            ("192.0.0.8", Reserved),
            ("198.18.0.1", Reserved),
            ("240.0.0.1", Reserved),
            ("2606:4700:4700::1111", Public),
            ("2001:4860:4860::8888", Public),
            ("::", Unspecified),
            ("::1", Loopback),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:10.0.0.1", Private),
            ("::ffff:169.254.169.254", LinkLocal),
            ("::ffff:0.0.0.0", Unspecified),
            ("::ffff:8.8.8.8", Public),
            ("::127.0.0.1", Reserved),
            ("64:ff9b::7f00:1", Loopback),
            ("64:ff9b::808:808", Public),
            ("64:ff9b:1::1", Reserved),
            ("2002:7f00:1::", Loopback),
            ("2002:a9fe:a9fe::1", LinkLocal),
            ("2002:808:808::1", Public),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("fec0::1", UniqueLocal),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("ff02::1", Multicast),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("2001::1", Reserved),
            ("100::1", Reserved),
            ("4000::1", Reserved),
        ];
        for (ip, class) in table {
            let parsed: IpAddr = ip.parse().expect("test address");
            assert_eq!(classify(parsed), *class, "{ip}");
        }
    }

    fn allowed(list: &HostAllowList, host: &str, addrs: &[&str]) -> bool {
        let url = Url::parse(&format!("http://{host}/")).expect("test url");
        let host = url_host(&url).expect("host");
        let addrs: Vec<IpAddr> = addrs.iter().map(|a| a.parse().expect("addr")).collect();
        list.check_host(&host, &addrs).is_ok()
    }

    #[test]
    fn allow_list_matches_patterns() {
        let default = HostAllowList::default();
        assert_eq!(default, HostAllowList::parse(&["*"]).expect("star"));
        assert!(allowed(&default, "media.example.com", &["93.184.216.34"]));
        assert!(allowed(&default, "8.8.8.8", &[]));
        assert!(!allowed(
            &default,
            "media.example.com",
            &["93.184.216.34", "10.0.0.1"]
        ));
        assert!(!allowed(&default, "127.0.0.1", &[]));
        assert!(!allowed(&default, "[::ffff:127.0.0.1]", &[]));

        let names = HostAllowList::parse(&["Media.Example.com.", "*.cdn.example"]).expect("names");
        assert!(allowed(&names, "media.example.com", &["93.184.216.34"]));
        assert!(allowed(&names, "MEDIA.example.com.", &["93.184.216.34"]));
        assert!(!allowed(&names, "other.example.com", &["93.184.216.34"]));
        assert!(!allowed(
            &names,
            "evilmedia.example.com",
            &["93.184.216.34"]
        ));
        assert!(allowed(&names, "a.cdn.example", &["93.184.216.34"]));
        assert!(allowed(&names, "a.b.cdn.example", &["93.184.216.34"]));
        assert!(!allowed(&names, "cdn.example", &["93.184.216.34"]));
        assert!(!allowed(&names, "evilcdn.example", &["93.184.216.34"]));
        // A name never unlocks a private address, and public literals need `*`.
        assert!(!allowed(&names, "media.example.com", &["10.0.0.1"]));
        assert!(!allowed(&names, "93.184.216.34", &[]));

        let ranges =
            HostAllowList::parse(&["10.0.0.0/8", "fd00::/8", "127.0.0.1"]).expect("ranges");
        assert!(allowed(&ranges, "10.9.8.7", &[]));
        assert!(allowed(&ranges, "[::ffff:10.9.8.7]", &[]));
        assert!(allowed(&ranges, "[fd00::5]", &[]));
        assert!(allowed(&ranges, "127.0.0.1", &[]));
        assert!(!allowed(&ranges, "127.0.0.2", &[]));
        assert!(!allowed(&ranges, "11.0.0.1", &[]));
        assert!(!allowed(&ranges, "8.8.8.8", &[]));
        assert!(allowed(&ranges, "minio.internal", &["10.1.2.3"]));
        assert!(!allowed(
            &ranges,
            "minio.internal",
            &["10.1.2.3", "192.168.0.1"]
        ));
        assert!(!allowed(&ranges, "public.example", &["93.184.216.34"]));

        let mixed = HostAllowList::parse(&["*", "10.0.0.0/8"]).expect("mixed");
        assert!(allowed(&mixed, "public.example", &["93.184.216.34"]));
        assert!(allowed(
            &mixed,
            "minio.internal",
            &["10.1.2.3", "93.184.216.34"]
        ));
        assert!(!allowed(
            &mixed,
            "sneaky.example",
            &["93.184.216.34", "127.0.0.1"]
        ));

        let mapped = HostAllowList::parse(&["::ffff:192.168.0.0/112"]).expect("mapped");
        assert!(allowed(&mapped, "192.168.3.4", &[]));
        assert!(!allowed(&mapped, "192.169.3.4", &[]));

        let nothing = HostAllowList::parse::<&str>(&[]).expect("empty");
        assert!(!allowed(&nothing, "public.example", &["93.184.216.34"]));
        assert!(!allowed(&nothing, "8.8.8.8", &[]));
    }

    #[test]
    fn allow_list_parsing() {
        let list = HostAllowList::parse_comma_separated(" *, 10.0.0.0/8 ,, media.example ,")
            .expect("list");
        assert_eq!(
            list,
            HostAllowList::parse(&["*", "10.0.0.0/8", "media.example"]).expect("list")
        );
        assert_eq!(
            HostAllowList::parse(&["[::1]"]).expect("bracketed"),
            HostAllowList::parse(&["::1/128"]).expect("cidr")
        );
        for bad in [
            "example.com:80",
            "http://example.com",
            "example.com/path",
            "user@example.com",
            "*.",
            "**",
            "a.*.example",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "127.1",
            "exa mple.com",
        ] {
            let err = HostAllowList::parse(&[bad]).expect_err(bad);
            assert!(
                err.starts_with("invalid media_fetch_allow pattern"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn redact_url_hides_query_and_userinfo() {
        let cases = [
            (
                "https://user:pw@bucket.s3.amazonaws.com/calls/a.mp3?X-Amz-Signature=abc#frag",
                "https://bucket.s3.amazonaws.com/calls/a.mp3?<redacted>",
            ),
            ("http://example.com:8080/a/b", "http://example.com:8080/a/b"),
            (
                "https://example.com:443/x?",
                "https://example.com/x?<redacted>",
            ),
            (
                "http://[::1]:9000/m.wav?t=1",
                "http://[::1]:9000/m.wav?<redacted>",
            ),
            ("https://Example.COM", "https://example.com/"),
        ];
        for (raw, want) in cases {
            let url = Url::parse(raw).expect("test url");
            assert_eq!(redact_url(&url), want, "{raw}");
        }
    }

    #[test]
    fn redirect_targets() {
        let base = Url::parse("https://a.example/dir/file?sig=1").expect("url");
        let target =
            |loc: &str| redirect_target(&base, Some(&HeaderValue::from_str(loc).expect("hv")));
        assert_eq!(
            target("other.mp3").expect("relative").as_str(),
            "https://a.example/dir/other.mp3"
        );
        assert_eq!(
            target("/root.mp3#frag").expect("absolute path").as_str(),
            "https://a.example/root.mp3"
        );
        assert_eq!(
            target("//b.example/x").expect("scheme relative").as_str(),
            "https://b.example/x"
        );
        assert!(matches!(
            target("http://a.example/x"),
            Err(FetchError::InsecureRedirect)
        ));
        assert!(matches!(target("   "), Err(FetchError::BadRedirect)));
        assert!(matches!(
            redirect_target(&base, None),
            Err(FetchError::BadRedirect)
        ));
        let plain = Url::parse("http://a.example/").expect("url");
        let up = redirect_target(
            &plain,
            Some(&HeaderValue::from_static("https://a.example/")),
        );
        assert!(up.is_ok(), "http to https is fine");
    }

    #[test]
    fn file_names_are_sanitized() {
        let disposition =
            |v: &str| file_name_from_disposition(&HeaderValue::from_str(v).expect("hv"));
        assert_eq!(
            disposition("attachment; filename=plain.wav").as_deref(),
            Some("plain.wav")
        );
        assert_eq!(
            disposition("attachment; filename=\"../../etc/passwd\"").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            disposition("attachment; FILENAME*=iso-8859-1'en'caf%E9.mp3").as_deref(),
            Some("café.mp3")
        );
        assert_eq!(disposition("attachment; filename=\"..\"").as_deref(), None);
        assert_eq!(disposition("inline").as_deref(), None);
        // A bad extended value falls back to the plain one.
        assert_eq!(
            disposition("attachment; filename*=koi8-r''x; filename=\"y.mp3\"").as_deref(),
            Some("y.mp3")
        );
        let from_url = |u: &str| file_name_from_url(&Url::parse(u).expect("url"));
        assert_eq!(
            from_url("https://a.example/x/call%20one.mp3?sig=1").as_deref(),
            Some("call one.mp3")
        );
        assert_eq!(
            from_url("https://a.example/x/..%2F..%2Fetc%2Fpasswd").as_deref(),
            Some("passwd")
        );
        assert_eq!(from_url("https://a.example/x/").as_deref(), None);
        assert_eq!(from_url("https://a.example").as_deref(), None);
        assert_eq!(percent_decode("100%25%zz%4"), b"100%%zz%4".to_vec());
        assert_eq!(
            sanitize_file_name(&"é".repeat(200)).map(|n| n.len()),
            Some(254)
        );
    }

    #[test]
    fn error_messages_are_lowercase_and_classified() {
        let permanent = [
            FetchError::InvalidUrl("x".into()),
            FetchError::UnsupportedScheme("ftp".into()),
            FetchError::Credentials,
            FetchError::HostRefused {
                host: "h".into(),
                reason: "r".into(),
            },
            FetchError::TooManyRedirects(5),
            FetchError::InsecureRedirect,
            FetchError::BadRedirect,
            FetchError::Status { status: 404 },
            FetchError::Status { status: 403 },
            FetchError::TooLarge { limit: 1 },
            FetchError::EmptyBody,
            FetchError::Internal,
        ];
        let transient = [
            FetchError::Resolve { host: "h".into() },
            FetchError::Connect { host: "h".into() },
            FetchError::ConnectTimeout { host: "h".into() },
            FetchError::Status { status: 500 },
            FetchError::Status { status: 408 },
            FetchError::IdleTimeout(Duration::from_secs(1)),
            FetchError::TotalTimeout(Duration::from_secs(1)),
            FetchError::TooSlow {
                rate: 10,
                min: 100,
                window: Duration::from_secs(30),
            },
            FetchError::Network,
            FetchError::Io(std::io::Error::other("disk full")),
        ];
        for e in &permanent {
            assert!(!e.is_transient(), "{e:?}");
        }
        for e in &transient {
            assert!(e.is_transient(), "{e:?}");
        }
        for e in permanent.iter().chain(&transient) {
            let message = e.to_string();
            assert!(message.starts_with(|c: char| c.is_lowercase()), "{message}");
        }
        let refused = FetchError::HostRefused {
            host: "intranet".into(),
            reason: "10.0.0.1 is a private address".into(),
        };
        assert!(!refused.to_string().contains("10.0.0.1"));
    }
}

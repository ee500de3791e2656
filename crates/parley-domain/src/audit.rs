//! The audit log: who did what, when, from where, and how it ended.
//!
//! Entries come from every entry point (the API, the CLI, later the UI). Request details
//! are attacker-controlled bytes, so what an entry keeps of them is bounded and escaped
//! here ([`bounded_text`]) before it is stored or shown anywhere.

use std::net::IpAddr;

use chrono::{DurationRound, TimeDelta};

use crate::{Timestamp, UserId};

/// Longest request path an entry keeps (characters, before escaping).
pub const MAX_PATH_CHARS: usize = 256;
/// Longest query parameter key or value an entry keeps.
pub const MAX_PARAM_CHARS: usize = 128;
/// Most query parameters an entry keeps.
pub const MAX_PARAMS: usize = 16;

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// An API client, by the access key it authenticated with, and its user when the
    /// key belongs to one.
    ApiKey {
        access_key: String,
        user_id: Option<UserId>,
    },
    /// Credentials the server refused: only a fingerprint of the access key presented
    /// (see `parley_app::audit::key_fingerprint`), never the key or the secret; `None`
    /// when the request carried no readable credentials.
    Rejected { fingerprint: Option<String> },
    /// The `parley` command line, run by this operating-system user.
    Cli { os_user: String },
    /// A signed-in user (the UI, once it exists).
    User { user_id: UserId },
    /// Whoever holds a signed media URL (`media.audioUrl`/`videoUrl`): it carries no
    /// credentials, so only the client address says who.
    MediaUrl,
}

impl Actor {
    /// The user behind the actor, when known.
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::ApiKey { user_id, .. } => *user_id,
            Actor::User { user_id } => Some(*user_id),
            Actor::Rejected { .. } | Actor::Cli { .. } | Actor::MediaUrl => None,
        }
    }

    /// Where the action came from: `api`, `cli` or `ui`.
    pub fn source(&self) -> &'static str {
        match self {
            Actor::ApiKey { .. } | Actor::Rejected { .. } | Actor::MediaUrl => "api",
            Actor::Cli { .. } => "cli",
            Actor::User { .. } => "ui",
        }
    }
}

/// Which of Gong's logs an action belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditLogKind {
    /// Sign-ins, key use, refused credentials.
    Access,
    /// Changes: every write through the API, the CLI or the UI.
    UserActivity,
}

impl AuditLogKind {
    pub fn key(self) -> &'static str {
        match self {
            AuditLogKind::Access => "access",
            AuditLogKind::UserActivity => "activity",
        }
    }

    pub fn from_key(key: &str) -> Option<AuditLogKind> {
        [AuditLogKind::Access, AuditLogKind::UserActivity]
            .into_iter()
            .find(|k| k.key() == key)
    }
}

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// Requests made with a key, counted per key, client address, outcome and hour.
    KeyUse,
    /// Requests whose credentials were refused, counted like [`AuditAction::KeyUse`].
    CredentialsRejected,
    /// Requests refused before their key was checked or after it passed, for making too
    /// many (rate limits, too many secrets tried), counted like [`AuditAction::KeyUse`].
    Throttled,
    /// A user signed in.
    SignIn,
    /// A write through the API: any request but GET and HEAD (the request says which).
    ApiWrite,
    KeyCreated,
    KeyRotated,
    KeyRevoked,
    UserAdded,
    /// A user's role, scopes or permissions changed.
    PermissionChanged,
    TranscriptImported,
    MediaImported,
    SpeakerAssigned,
    VoiceEnrolled,
    /// An OAuth app was registered (`targets`: its client id).
    OAuthAppCreated,
    /// An OAuth app was revoked, with every token it held.
    OAuthAppRevoked,
    /// A user answered an app's authorization request (the outcome says how).
    OAuthConsent,
    /// An app exchanged an authorization code for tokens.
    OAuthTokenIssued,
    /// An app refreshed its tokens.
    OAuthTokenRefreshed,
    /// A grant's tokens were revoked: by the app, or because a spent refresh token or a
    /// used code was presented again.
    OAuthTokenRevoked,
    /// Trackers or topics changed outside the API (the CLI).
    SettingsChanged,
    /// Calls were queued for analysis outside the API.
    AnalysisRequested,
    /// The demo company was seeded.
    DemoSeeded,
    /// Scorecards, the library, meetings, the CRM integration, call access grants or
    /// flows changed from the CLI (`targets`: what, and its id).
    DataChanged,
    /// A person's data was erased, or an erase dry-run reported, from the CLI (`targets`:
    /// the masked address, never the address).
    PersonalDataErased,
    /// A call's recording was downloaded (`targets`: the call): one entry per download,
    /// not per byte range of it (a request without `Range`, or whose range starts at byte 0).
    MediaDownloaded,
}

impl AuditAction {
    pub const ALL: [AuditAction; 26] = [
        AuditAction::KeyUse,
        AuditAction::CredentialsRejected,
        AuditAction::Throttled,
        AuditAction::SignIn,
        AuditAction::ApiWrite,
        AuditAction::KeyCreated,
        AuditAction::KeyRotated,
        AuditAction::KeyRevoked,
        AuditAction::UserAdded,
        AuditAction::PermissionChanged,
        AuditAction::TranscriptImported,
        AuditAction::MediaImported,
        AuditAction::SpeakerAssigned,
        AuditAction::VoiceEnrolled,
        AuditAction::OAuthAppCreated,
        AuditAction::OAuthAppRevoked,
        AuditAction::OAuthConsent,
        AuditAction::OAuthTokenIssued,
        AuditAction::OAuthTokenRefreshed,
        AuditAction::OAuthTokenRevoked,
        AuditAction::SettingsChanged,
        AuditAction::AnalysisRequested,
        AuditAction::DemoSeeded,
        AuditAction::DataChanged,
        AuditAction::PersonalDataErased,
        AuditAction::MediaDownloaded,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AuditAction::KeyUse => "key-use",
            AuditAction::CredentialsRejected => "credentials-rejected",
            AuditAction::Throttled => "throttled",
            AuditAction::SignIn => "sign-in",
            AuditAction::ApiWrite => "api-write",
            AuditAction::KeyCreated => "key-created",
            AuditAction::KeyRotated => "key-rotated",
            AuditAction::KeyRevoked => "key-revoked",
            AuditAction::UserAdded => "user-added",
            AuditAction::PermissionChanged => "permission-changed",
            AuditAction::TranscriptImported => "transcript-imported",
            AuditAction::MediaImported => "media-imported",
            AuditAction::SpeakerAssigned => "speaker-assigned",
            AuditAction::VoiceEnrolled => "voice-enrolled",
            AuditAction::OAuthAppCreated => "oauth-app-created",
            AuditAction::OAuthAppRevoked => "oauth-app-revoked",
            AuditAction::OAuthConsent => "oauth-consent",
            AuditAction::OAuthTokenIssued => "oauth-token-issued",
            AuditAction::OAuthTokenRefreshed => "oauth-token-refreshed",
            AuditAction::OAuthTokenRevoked => "oauth-token-revoked",
            AuditAction::SettingsChanged => "settings-changed",
            AuditAction::AnalysisRequested => "analysis-requested",
            AuditAction::DemoSeeded => "demo-seeded",
            AuditAction::DataChanged => "data-changed",
            AuditAction::PersonalDataErased => "personal-data-erased",
            AuditAction::MediaDownloaded => "media-downloaded",
        }
    }

    pub fn from_key(key: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.key() == key)
    }

    pub fn log(self) -> AuditLogKind {
        match self {
            AuditAction::KeyUse
            | AuditAction::CredentialsRejected
            | AuditAction::Throttled
            | AuditAction::SignIn
            | AuditAction::OAuthTokenIssued
            | AuditAction::OAuthTokenRefreshed => AuditLogKind::Access,
            _ => AuditLogKind::UserActivity,
        }
    }

    /// Whether entries of this action are counted into one row per actor, client
    /// address, outcome and hour instead of a row each: a row per read would make the
    /// log the busiest table, and a row per refused secret would let a guesser fill it.
    pub fn aggregated(self) -> bool {
        matches!(
            self,
            AuditAction::KeyUse | AuditAction::CredentialsRejected | AuditAction::Throttled
        )
    }
}

/// How it ended.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The HTTP status the request was answered with.
    Status(u16),
    /// A command that succeeded.
    Done,
    /// A command that failed, with the kind of failure (`invalid`, `not found`, ...).
    Failed(String),
}

impl Outcome {
    /// A stable text form: the status number, `done`, or `failed: <kind>`.
    pub fn key(&self) -> String {
        match self {
            Outcome::Status(s) => s.to_string(),
            Outcome::Done => "done".to_owned(),
            Outcome::Failed(kind) => format!("failed: {kind}"),
        }
    }

    pub fn from_key(key: &str) -> Option<Outcome> {
        if key == "done" {
            return Some(Outcome::Done);
        }
        if let Some(kind) = key.strip_prefix("failed: ") {
            return Some(Outcome::Failed(kind.to_owned()));
        }
        key.parse().ok().map(Outcome::Status)
    }

    pub fn succeeded(&self) -> bool {
        match self {
            Outcome::Status(s) => *s < 400,
            Outcome::Done => true,
            Outcome::Failed(_) => false,
        }
    }
}

/// Query parameters that name a person (Gong's data-privacy endpoints): kept in the log
/// as `[erased]`.
pub const PERSONAL_PARAMS: &[&str] = &["emailAddress", "phoneNumber"];

/// What an entry keeps of an HTTP request, all of it bounded and escaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestInfo {
    pub method: String,
    /// The route's template (`/v2/calls/{id}/media`), which the server chose, not the
    /// client; the client's path is `path`.
    pub route: Option<String>,
    pub path: String,
    pub params: Vec<(String, String)>,
}

impl RequestInfo {
    /// Keeps at most [`MAX_PATH_CHARS`] of the path and [`MAX_PARAMS`] parameters,
    /// each bounded and escaped.
    pub fn new(
        method: &str,
        route: Option<&str>,
        path: &str,
        params: impl IntoIterator<Item = (String, String)>,
    ) -> RequestInfo {
        RequestInfo {
            method: bounded_text(method, 16),
            route: route.map(|r| bounded_text(r, MAX_PATH_CHARS)),
            path: bounded_text(path, MAX_PATH_CHARS),
            params: params
                .into_iter()
                .take(MAX_PARAMS)
                .map(|(k, v)| {
                    // A data-privacy request names the person it is about; the log keeps
                    // that it was asked, never whom (an erase could not remove it later).
                    let v = if PERSONAL_PARAMS.contains(&k.as_str()) {
                        crate::privacy::ERASED.to_owned()
                    } else {
                        v
                    };
                    (
                        bounded_text(&k, MAX_PARAM_CHARS),
                        bounded_text(&v, MAX_PARAM_CHARS),
                    )
                })
                .collect(),
        }
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// When it happened; for an aggregated entry, the first time in its hour.
    pub at: Timestamp,
    pub actor: Actor,
    pub action: AuditAction,
    /// Where the request came from, when it came over the network.
    pub client_ip: Option<IpAddr>,
    pub request: Option<RequestInfo>,
    /// The ids (or names) of what was acted on.
    pub targets: Vec<String>,
    pub outcome: Outcome,
    /// How many times it happened: 1, or more for an aggregated entry.
    pub count: u64,
    /// The last time it happened (`at` for a single entry).
    pub last_at: Timestamp,
}

impl AuditEntry {
    /// One occurrence of `action` by `actor` at `at`.
    pub fn new(at: Timestamp, actor: Actor, action: AuditAction, outcome: Outcome) -> AuditEntry {
        AuditEntry {
            at,
            actor,
            action,
            client_ip: None,
            request: None,
            targets: Vec::new(),
            outcome,
            count: 1,
            last_at: at,
        }
    }

    pub fn from_ip(mut self, ip: Option<IpAddr>) -> AuditEntry {
        self.client_ip = ip;
        self
    }

    pub fn with_request(mut self, request: RequestInfo) -> AuditEntry {
        self.request = Some(request);
        self
    }

    pub fn on(mut self, targets: impl IntoIterator<Item = String>) -> AuditEntry {
        self.targets = targets
            .into_iter()
            .take(MAX_PARAMS)
            .map(|t| bounded_text(&t, MAX_PARAM_CHARS))
            .collect();
        self
    }

    /// The start of the hour an aggregated entry is counted in.
    pub fn bucket(&self) -> Timestamp {
        hour_of(self.at)
    }
}

/// A stored entry and its place in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub entry: AuditEntry,
}

/// The start of the UTC hour `t` falls in.
pub fn hour_of(t: Timestamp) -> Timestamp {
    t.duration_trunc(TimeDelta::hours(1)).unwrap_or(t)
}

/// `text` made safe to store and show: control characters (and the backslash, so the
/// escaping cannot be forged) written as `\u{..}` escapes, cut at `max` characters with
/// `…` when longer.
pub fn bounded_text(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 2));
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() || c == '\\' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// The values of a route template's parameters in a path: `/v2/calls/{id}/media` over
/// `/v2/calls/42/media` gives `["42"]`. Nothing when the path does not fit the template.
pub fn route_params(route: &str, path: &str) -> Vec<String> {
    let (route, path): (Vec<_>, Vec<_>) = (route.split('/').collect(), path.split('/').collect());
    if route.len() != path.len() {
        return Vec::new();
    }
    route
        .iter()
        .zip(&path)
        .filter(|(r, _)| r.starts_with('{') && r.ends_with('}'))
        .map(|(_, p)| (*p).to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn bounded_text_escapes_controls_and_cuts() {
        assert_eq!(bounded_text("/v2/calls", 256), "/v2/calls");
        assert_eq!(bounded_text("a\nb\u{1b}[31m", 256), "a\\u{a}b\\u{1b}[31m");
        assert_eq!(bounded_text("a\\u{a}", 256), "a\\u{5c}u{a}");
        assert_eq!(bounded_text("abcdef", 3), "abc…");
        assert_eq!(bounded_text("é€😀x", 3), "é€😀…");
        let long = "x".repeat(10_000);
        assert_eq!(bounded_text(&long, MAX_PATH_CHARS).chars().count(), 257);
    }

    #[test]
    fn route_params_read_the_template() {
        assert_eq!(
            route_params("/v2/calls/{id}/media", "/v2/calls/42/media"),
            ["42"]
        );
        assert_eq!(
            route_params(
                "/parley/v1/calls/{id}/speakers/{speaker}",
                "/parley/v1/calls/1/speakers/2"
            ),
            ["1", "2"]
        );
        assert!(route_params("/v2/calls", "/v2/calls").is_empty());
        assert!(route_params("/v2/calls/{id}", "/v2/calls/1/x").is_empty());
    }

    #[test]
    fn keys_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_key(a.key()), Some(a));
        }
        for o in [
            Outcome::Status(201),
            Outcome::Done,
            Outcome::Failed("not found".into()),
        ] {
            assert_eq!(Outcome::from_key(&o.key()), Some(o));
        }
        assert_eq!(Outcome::from_key("nonsense"), None);
        assert!(AuditAction::KeyUse.aggregated() && !AuditAction::ApiWrite.aggregated());
        assert_eq!(AuditAction::ApiWrite.log(), AuditLogKind::UserActivity);
        assert_eq!(AuditAction::SignIn.log(), AuditLogKind::Access);
    }

    #[test]
    fn entries_bucket_by_utc_hour_and_bound_targets() {
        let at = chrono::Utc
            .with_ymd_and_hms(2025, 6, 12, 19, 55, 14)
            .unwrap();
        let e = AuditEntry::new(
            at,
            Actor::Cli {
                os_user: "ops".into(),
            },
            AuditAction::UserAdded,
            Outcome::Done,
        )
        .on(["a\nb".to_owned()]);
        assert_eq!(
            e.bucket(),
            chrono::Utc.with_ymd_and_hms(2025, 6, 12, 19, 0, 0).unwrap()
        );
        assert_eq!(e.targets, ["a\\u{a}b"]);
        assert_eq!(e.actor.source(), "cli");
        assert_eq!(e.count, 1);
    }
}

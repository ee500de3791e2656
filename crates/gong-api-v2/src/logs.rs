//! `GET /v2/logs`: the audit log (reference §15).

use serde::{Deserialize, Serialize};

use parley_domain as d;

use crate::calls::RenderCtx;
use crate::Records;

/// The query string.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct LogsQuery {
    /// The log to read (required): `AccessLog`, `UserActivityLog`, `UserCallPlay`,
    /// `ExternallySharedCallAccess` or `ExternallySharedCallPlay`.
    #[param(
        required = true,
        pattern = "^(AccessLog|UserActivityLog|UserCallPlay|ExternallySharedCallAccess|ExternallySharedCallPlay)$",
        example = "AccessLog"
    )]
    pub log_type: Option<String>,
    /// Entries from this time on (required, ISO-8601).
    #[param(required = true, format = DateTime)]
    #[schema(format = DateTime)]
    pub from_date_time: Option<String>,
    /// Entries before this time (ISO-8601).
    #[param(format = DateTime)]
    #[schema(format = DateTime)]
    pub to_date_time: Option<String>,
    /// The `records.cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Gong's log types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogType {
    AccessLog,
    UserActivityLog,
    UserCallPlay,
    ExternallySharedCallAccess,
    ExternallySharedCallPlay,
}

impl LogType {
    pub const ALL: [LogType; 5] = [
        LogType::AccessLog,
        LogType::UserActivityLog,
        LogType::UserCallPlay,
        LogType::ExternallySharedCallAccess,
        LogType::ExternallySharedCallPlay,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LogType::AccessLog => "AccessLog",
            LogType::UserActivityLog => "UserActivityLog",
            LogType::UserCallPlay => "UserCallPlay",
            LogType::ExternallySharedCallAccess => "ExternallySharedCallAccess",
            LogType::ExternallySharedCallPlay => "ExternallySharedCallPlay",
        }
    }

    /// Reads `logType`. Choice: exact names only, as Gong documents them; a wrong one is
    /// a 400 that lists the valid names.
    pub fn parse(text: &str) -> Result<LogType, String> {
        LogType::ALL
            .into_iter()
            .find(|t| t.name() == text)
            .ok_or_else(|| {
                let names: Vec<_> = LogType::ALL.iter().map(|t| t.name()).collect();
                format!(
                    "logType: unknown log type {:?}, expected one of {}",
                    shown(text),
                    names.join(", ")
                )
            })
    }

    /// The Parley log behind this type. Choice: Parley records no call plays and shares
    /// no calls outside the company yet, so those types have no log, and answer like an
    /// empty one (404 "No logs found").
    pub fn log(self) -> Option<d::AuditLogKind> {
        match self {
            LogType::AccessLog => Some(d::AuditLogKind::Access),
            LogType::UserActivityLog => Some(d::AuditLogKind::UserActivity),
            _ => None,
        }
    }
}

/// A client's text, bounded, for an error message.
fn shown(text: &str) -> String {
    d::audit::bounded_text(text, 64)
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogsResponse {
    pub request_id: String,
    pub records: Records,
    pub log_entries: Vec<LogEntryWire>,
}

/// One entry. Choice: the impersonator fields are left out, as in Gong's real entries
/// (Parley has no impersonation).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogEntryWire {
    pub user_id: Option<String>,
    pub user_email_address: Option<String>,
    pub user_full_name: Option<String>,
    pub event_time: String,
    pub log_record: LogRecordWire,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LogRecordWire {
    Access(AccessRecordWire),
    UserActivity(ActivityRecordWire),
}

/// An `AccessLog` record. Gong publishes no example of one; Choice: Parley's own keys,
/// with `clientIp` spelled as in `httpRequest`. Key use and refused credentials are
/// counted per key, address, outcome and hour: `eventTime` is the first in the hour,
/// `lastEventTime` the last, `count` how many.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessRecordWire {
    pub audit_id: String,
    pub action: String,
    pub source: String,
    pub client_ip: Option<String>,
    /// The key used; `null` for refused credentials.
    pub access_key: Option<String>,
    /// The first 8 hex digits of the SHA-256 of a refused access key.
    pub access_key_fingerprint: Option<String>,
    pub http_status: Option<u16>,
    pub count: u64,
    pub last_event_time: String,
}

/// A `UserActivityLog` record, in the shape of Gong's real ones (`action`, `httpRequest`,
/// `workspaceId`, `customData`); Parley's extras (the key, the route, the targets, the
/// outcome, the CLI user) are `customData` pairs.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityRecordWire {
    pub audit_id: String,
    /// `POST /v2/calls/{id}/media` for an API write (the verb and the route's template);
    /// the action's name (`key-revoked`, `user-added`, ...) for the others.
    pub action: String,
    /// `null` when the change did not come over HTTP (the CLI).
    pub http_request: Option<HttpRequestWire>,
    /// Choice: always `null`: an entry is not tied to a workspace (the target ids say
    /// what changed).
    pub workspace_id: Option<String>,
    pub custom_data: Vec<KeyValues>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequestWire {
    pub client_ip: Option<String>,
    pub verb: String,
    /// The path as requested, bounded and with control characters escaped.
    pub endpoint_uri: String,
    pub parameters: Vec<KeyValues>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct KeyValues {
    pub key: String,
    pub values: Vec<String>,
}

impl LogEntryWire {
    /// Renders a stored entry; `user` is the entry's user, when it has one that exists.
    pub fn from_domain(r: &d::AuditRecord, user: Option<&d::User>, ctx: &RenderCtx) -> Self {
        let e = &r.entry;
        let ip = e.client_ip.map(|ip| ip.to_string());
        let status = match e.outcome {
            d::Outcome::Status(s) => Some(s),
            _ => None,
        };
        let log_record = match e.action.log() {
            d::AuditLogKind::Access => LogRecordWire::Access(AccessRecordWire {
                audit_id: r.id.to_string(),
                action: e.action.key().to_owned(),
                source: e.actor.source().to_owned(),
                client_ip: ip,
                access_key: match &e.actor {
                    d::Actor::ApiKey { access_key, .. } => Some(access_key.clone()),
                    _ => None,
                },
                access_key_fingerprint: match &e.actor {
                    d::Actor::Rejected { fingerprint } => fingerprint.clone(),
                    _ => None,
                },
                http_status: status,
                count: e.count,
                last_event_time: ctx.time(e.last_at),
            }),
            d::AuditLogKind::UserActivity => {
                let action = match (&e.action, &e.request) {
                    (d::AuditAction::ApiWrite, Some(req)) => format!(
                        "{} {}",
                        req.method,
                        req.route.as_deref().unwrap_or(&req.path)
                    ),
                    (action, _) => action.key().to_owned(),
                };
                let mut custom = vec![
                    pair("source", [e.actor.source()]),
                    pair("outcome", [e.outcome.key()]),
                ];
                match &e.actor {
                    d::Actor::ApiKey { access_key, .. } => {
                        custom.push(pair("accessKey", [access_key]))
                    }
                    d::Actor::Cli { os_user } => custom.push(pair("cliUser", [os_user])),
                    d::Actor::Rejected { .. } | d::Actor::User { .. } | d::Actor::MediaUrl => {}
                }
                if let Some(route) = e.request.as_ref().and_then(|r| r.route.as_ref()) {
                    custom.push(pair("route", [route]));
                }
                if !e.targets.is_empty() {
                    custom.push(pair("targetIds", &e.targets));
                }
                LogRecordWire::UserActivity(ActivityRecordWire {
                    audit_id: r.id.to_string(),
                    action,
                    http_request: e.request.as_ref().map(|req| HttpRequestWire {
                        client_ip: ip,
                        verb: req.method.clone(),
                        endpoint_uri: req.path.clone(),
                        parameters: req.params.iter().map(|(k, v)| pair(k, [v])).collect(),
                    }),
                    workspace_id: None,
                    custom_data: custom,
                })
            }
        };
        LogEntryWire {
            user_id: e.actor.user_id().map(|u| u.to_string()),
            user_email_address: user.map(|u| u.email.clone()),
            user_full_name: user.map(d::User::full_name),
            event_time: ctx.time(e.at),
            log_record,
        }
    }
}

fn pair<S: ToString>(key: &str, values: impl IntoIterator<Item = S>) -> KeyValues {
    KeyValues {
        key: key.to_owned(),
        values: values.into_iter().map(|v| v.to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ctx() -> RenderCtx {
        RenderCtx {
            tz: chrono_tz::UTC,
            call_url_prefix: "https://x/call?id=".into(),
        }
    }

    #[test]
    fn log_types_parse_exactly() {
        assert_eq!(LogType::parse("AccessLog"), Ok(LogType::AccessLog));
        let err = LogType::parse("accesslog\n").unwrap_err();
        assert!(err.contains("\"accesslog\\\\u{a}\""), "{err}");
        assert!(err.contains("UserActivityLog"), "{err}");
        assert_eq!(LogType::UserCallPlay.log(), None);
    }

    #[test]
    fn entries_render_in_gongs_shape() {
        let at = chrono::Utc
            .with_ymd_and_hms(2025, 6, 12, 19, 55, 14)
            .unwrap();
        let write = d::AuditRecord {
            id: 7,
            entry: d::AuditEntry::new(
                at,
                d::Actor::ApiKey {
                    access_key: "AK".into(),
                    user_id: Some(d::UserId(6060364869904287787)),
                },
                d::AuditAction::ApiWrite,
                d::Outcome::Status(201),
            )
            .from_ip("10.1.2.3".parse().ok())
            .with_request(d::RequestInfo::new(
                "PUT",
                Some("/v2/calls/{id}/media"),
                "/v2/calls/42/media",
                [("force".to_owned(), "1".to_owned())],
            ))
            .on(["42".to_owned()]),
        };
        let user = d::User {
            id: d::UserId(6060364869904287787),
            email: "admin@acme.com".into(),
            created: at,
            active: true,
            email_aliases: vec![],
            trusted_email: None,
            first_name: "Ada".into(),
            last_name: "Admin".into(),
            title: None,
            phone: None,
            extension: None,
            personal_meeting_urls: vec![],
            settings: Default::default(),
            manager_id: None,
            meeting_consent_page_url: None,
            spoken_languages: vec![],
        };
        let mut key_use = d::AuditEntry::new(
            at,
            d::Actor::Rejected {
                fingerprint: Some("ba7816bf".into()),
            },
            d::AuditAction::CredentialsRejected,
            d::Outcome::Status(401),
        );
        key_use.count = 12;
        key_use.last_at = at + chrono::Duration::minutes(3);
        let cli = d::AuditEntry::new(
            at,
            d::Actor::Cli {
                os_user: "ops".into(),
            },
            d::AuditAction::KeyRevoked,
            d::Outcome::Done,
        )
        .on(["AK".to_owned()]);
        let rendered: Vec<_> = [
            LogEntryWire::from_domain(&write, Some(&user), &ctx()),
            LogEntryWire::from_domain(
                &d::AuditRecord {
                    id: 8,
                    entry: key_use,
                },
                None,
                &ctx(),
            ),
            LogEntryWire::from_domain(&d::AuditRecord { id: 9, entry: cli }, None, &ctx()),
        ]
        .into();
        insta::assert_json_snapshot!("log_entries", rendered);
    }
}

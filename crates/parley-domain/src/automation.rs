//! Automation rules: a call filter and the actions to take, once, for every call that is
//! ready (transcribed and analysed) and matches. Pure: the filter is evaluated over
//! [`RuleFacts`] the application core gathers, and a delivery's next step after an
//! attempt is decided by [`next_step`] from what the receiver answered.
//!
//! A rule is stored with its filter and actions as JSON (these types' serde form), so a
//! new action kind is a new [`Action`] variant and nothing else in the store.

use std::fmt;
use std::str::FromStr;

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::crm_write::CrmFieldAction;
use crate::id::{id_type, parse_id, random_id, ParseIdError};
use crate::{
    Call, CallId, CallScope, CrmLink, Direction, Party, Timestamp, TrackerId, UserId, WorkspaceId,
};

id_type!(
    /// An automation rule.
    RuleId,
    /// One delivery of one rule's webhook for one call (its id is the de-duplication id
    /// receivers see, stable across retries).
    DeliveryId,
);

/// Which calls a rule fires for. Every condition given must hold; within a list, any
/// value may (a call of any of the `directions`, with any of the `trackers` fired...).
/// An empty filter matches every call.
/// Its JSON form (camelCase, unknown fields refused: a misspelt condition would make a
/// rule fire for every call) is both how it is stored and how clients write it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct CallFilter {
    pub directions: Vec<Direction>,
    pub scopes: Vec<CallScope>,
    /// The call's primary user is one of these.
    pub primary_users: Vec<UserId>,
    /// The call's primary user is one of these users or reports to one of them (directly
    /// or not): their teams.
    pub teams: Vec<UserId>,
    /// Some outside participant (an external party) took part.
    pub external_participants: Option<bool>,
    /// Some participant's e-mail address is at one of these domains (or a subdomain),
    /// compared without case.
    pub participant_domains: Vec<String>,
    #[serde(rename = "minDurationSec")]
    pub min_duration_s: Option<i64>,
    #[serde(rename = "maxDurationSec")]
    pub max_duration_s: Option<i64>,
    /// Some of these trackers fired at least their `min_count` times.
    pub trackers: Vec<TrackerCondition>,
    /// Some of these topics (by name, without case) was discussed.
    pub topics: Vec<String>,
    pub crm: Option<CrmCondition>,
    /// Some of these words is in the title (whole words, without case).
    pub title_words: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrackerCondition {
    pub tracker_id: TrackerId,
    #[serde(default = "one")]
    pub min_count: u32,
}

fn one() -> u32 {
    1
}

/// The call's CRM context: some object is linked (of `object_type`, when given; with
/// `field` equal to `value`, when given: strings compared without case).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct CrmCondition {
    pub object_type: Option<String>,
    pub field: Option<String>,
    pub value: Option<serde_json::Value>,
}

/// What a rule is evaluated on: the call as it is when it becomes ready.
#[derive(Debug, Clone, Copy)]
pub struct RuleFacts<'a> {
    pub call: &'a Call,
    pub parties: &'a [Party],
    /// The primary user's managers, nearest first (for `teams`).
    pub managers: &'a [UserId],
    /// Each tracker that fired, with its count.
    pub trackers: &'a [(TrackerId, u32)],
    /// Names of the topics discussed.
    pub topics: &'a [String],
    /// The call's CRM objects (its own and its parties').
    pub context: &'a [CrmLink],
}

impl CallFilter {
    /// Whether a call with these facts fires the rule.
    pub fn matches(&self, f: &RuleFacts<'_>) -> bool {
        let call = f.call;
        let any = |v: bool, empty: bool| empty || v;
        any(
            self.directions.contains(&call.direction),
            self.directions.is_empty(),
        ) && any(self.scopes.contains(&call.scope), self.scopes.is_empty())
            && any(
                self.primary_users.contains(&call.primary_user_id),
                self.primary_users.is_empty(),
            )
            && any(
                self.teams.contains(&call.primary_user_id)
                    || f.managers.iter().any(|m| self.teams.contains(m)),
                self.teams.is_empty(),
            )
            && self.external_participants.is_none_or(|want| {
                f.parties
                    .iter()
                    .any(|p| p.affiliation == crate::Affiliation::External)
                    == want
            })
            && any(
                f.parties.iter().any(|p| {
                    p.email
                        .as_deref()
                        .is_some_and(|e| self.participant_domains.iter().any(|d| at_domain(e, d)))
                }),
                self.participant_domains.is_empty(),
            )
            && self.min_duration_s.is_none_or(|m| call.duration_s >= m)
            && self.max_duration_s.is_none_or(|m| call.duration_s <= m)
            && any(
                self.trackers.iter().any(|c| {
                    f.trackers
                        .iter()
                        .any(|(id, n)| *id == c.tracker_id && *n >= c.min_count.max(1))
                }),
                self.trackers.is_empty(),
            )
            && any(
                self.topics
                    .iter()
                    .any(|t| f.topics.iter().any(|have| have.eq_ignore_ascii_case(t))),
                self.topics.is_empty(),
            )
            && self.crm.as_ref().is_none_or(|c| c.matches(f.context))
            && any(
                {
                    let words = title_words(&call.title);
                    self.title_words
                        .iter()
                        .any(|w| words.iter().any(|t| t == &w.to_lowercase()))
                },
                self.title_words.is_empty(),
            )
    }

    /// Every value the filter holds, for bounds.
    pub fn values(&self) -> usize {
        self.directions.len()
            + self.scopes.len()
            + self.primary_users.len()
            + self.teams.len()
            + self.participant_domains.len()
            + self.trackers.len()
            + self.topics.len()
            + self.title_words.len()
    }
}

impl CrmCondition {
    fn matches(&self, context: &[CrmLink]) -> bool {
        context.iter().any(|o| {
            self.object_type
                .as_deref()
                .is_none_or(|t| o.object_type.eq_ignore_ascii_case(t))
                && self.field.as_deref().is_none_or(|name| {
                    o.fields.iter().any(|(k, v)| {
                        k.eq_ignore_ascii_case(name)
                            && self.value.as_ref().is_none_or(|want| same_value(v, want))
                    })
                })
        })
    }
}

fn same_value(have: &serde_json::Value, want: &serde_json::Value) -> bool {
    match (have, want) {
        (serde_json::Value::String(a), serde_json::Value::String(b)) => a.eq_ignore_ascii_case(b),
        // A number sent as text matches the number (CRMs disagree on which they send).
        (serde_json::Value::Number(a), serde_json::Value::String(b))
        | (serde_json::Value::String(b), serde_json::Value::Number(a)) => a.to_string() == *b,
        _ => have == want,
    }
}

fn at_domain(email: &str, domain: &str) -> bool {
    let Some((_, host)) = email.rsplit_once('@') else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    let domain = domain.trim_start_matches('@').to_ascii_lowercase();
    host == domain || host.ends_with(&format!(".{domain}"))
}

fn title_words(title: &str) -> Vec<String> {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// What a rule does for a matching call. Stored as JSON tagged by `type` (a stored rule
/// of an older release reads unchanged: variants are only ever added).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Action {
    /// POST the call, as Gong's webhooks do, to a URL.
    Webhook(WebhookAction),
    /// Write the phrases of a tracker said in the call to a field of the opportunity the
    /// call is linked to (the seed workflow of Gong's webhook integrators, built in).
    CrmField(CrmFieldAction),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAction {
    /// The destination; with [`WebhookAuth::SecretInUrl`] it holds the secret, so it is
    /// never logged whole.
    pub url: String,
    pub auth: WebhookAuth,
}

/// How a receiver knows a webhook came from us (Gong's two options).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WebhookAuth {
    /// A secret random token is part of the URL; the receiver checks the URL.
    SecretInUrl,
    /// Each POST carries a JWT (RS256, the company's key) binding the URL and the
    /// SHA-256 of the body.
    Jwt,
}

/// A rule as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: RuleId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub enabled: bool,
    pub filter: CallFilter,
    pub actions: Vec<Action>,
    /// Why the rule was switched off automatically (a run of failed deliveries).
    pub disabled_reason: Option<String>,
    /// Deliveries that gave up in a row since the last one that got through.
    pub failures: u32,
    pub created: Timestamp,
    pub updated: Timestamp,
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryState {
    /// Queued, or waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up: a 4xx other than 408/429, or retries ran out.
    Failed,
    /// Not sent: the rule was deleted, disabled or lost the action meanwhile.
    Cancelled,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 4] = [
        DeliveryState::Pending,
        DeliveryState::Delivered,
        DeliveryState::Failed,
        DeliveryState::Cancelled,
    ];
    pub fn key(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
            DeliveryState::Cancelled => "cancelled",
        }
    }
    pub fn from_key(key: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// A delivery to be queued: one rule action for one call.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    pub id: DeliveryId,
    pub rule_id: RuleId,
    pub call_id: CallId,
    /// Index of the action in the rule's `actions`.
    pub action: u32,
    /// A "send a test": `isTest: true`, and never counted against once-per-call.
    pub is_test: bool,
}

/// A delivery and its log: the last attempt's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub rule_id: RuleId,
    pub call_id: CallId,
    pub action: u32,
    pub is_test: bool,
    pub state: DeliveryState,
    pub attempts: u32,
    /// The last attempt's HTTP status, when the receiver answered.
    pub status: Option<u16>,
    pub latency_ms: Option<u32>,
    /// The first bytes of the last answer (lossy UTF-8).
    pub response: Option<String>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    pub created: Timestamp,
    pub updated: Timestamp,
}

/// What one attempt got.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryAttempt {
    pub status: Option<u16>,
    pub latency_ms: u32,
    pub response: Option<String>,
    pub error: Option<String>,
    pub at: Timestamp,
}

/// What comes after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryNext {
    Delivered,
    /// Try again then.
    RetryAt(Timestamp),
    GiveUp,
}

/// How a receiver answered, as far as retrying goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Status {
        code: u16,
        /// The `Retry-After` header as sent.
        retry_after: Option<String>,
    },
    /// No answer: connection refused or reset, DNS, timeout. Worth retrying.
    Unreachable,
    /// The request cannot be made as configured (an address the allow-list refuses, a
    /// malformed URL): retrying cannot help.
    Refused,
}

/// How deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait after the first failed attempt; doubled after each one.
    pub first: Duration,
    /// Longest wait between attempts (and the most a `Retry-After` is honoured for).
    pub max_wait: Duration,
    /// Attempts go on until this long after the delivery was queued.
    pub window: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first: Duration::seconds(10),
            max_wait: Duration::hours(1),
            window: Duration::hours(24),
        }
    }
}

/// The next step after attempt number `attempt` (1 for the first) of a delivery queued
/// at `queued`, answered with `answer` at `now`. Retried: no answer, 408, 429 and 5xx,
/// after `Retry-After` when given (capped at `max_wait`), else with doubling waits, until
/// the window has passed. Never retried: other 4xx (and 3xx: redirects are not followed),
/// and requests that cannot be made.
pub fn next_step(
    answer: &Answer,
    attempt: u32,
    queued: Timestamp,
    now: Timestamp,
    policy: &RetryPolicy,
) -> DeliveryNext {
    let retry_after = match answer {
        Answer::Status { code, .. } if (200..300).contains(code) => return DeliveryNext::Delivered,
        Answer::Status { code, retry_after } if *code == 408 || *code == 429 || *code >= 500 => {
            retry_after
                .as_deref()
                .and_then(|h| parse_retry_after(h, now))
        }
        Answer::Unreachable => None,
        Answer::Status { .. } | Answer::Refused => return DeliveryNext::GiveUp,
    };
    if now - queued >= policy.window {
        return DeliveryNext::GiveUp;
    }
    let doubling = policy
        .first
        .checked_mul(1i32 << attempt.saturating_sub(1).min(20))
        .unwrap_or(policy.max_wait)
        .min(policy.max_wait);
    let wait = retry_after.map_or(doubling, |w| w.min(policy.max_wait).max(Duration::zero()));
    DeliveryNext::RetryAt(now + wait)
}

/// A `Retry-After` value: whole seconds, or an HTTP date.
pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u32>() {
        return Some(Duration::seconds(i64::from(secs)));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    Some((at.with_timezone(&chrono::Utc) - now).max(Duration::zero()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Affiliation, CrmSystem, MediaKind, PartyId, PartyMethod};

    fn call() -> Call {
        Call {
            id: CallId(1),
            workspace_id: WorkspaceId(2),
            title: "Pricing review with Acme-Corp".into(),
            scheduled: None,
            started: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            duration_s: 1800,
            primary_user_id: UserId(10),
            direction: Direction::Outbound,
            system: None,
            scope: CallScope::External,
            media: MediaKind::Audio,
            language: None,
            sdr_disposition: None,
            client_unique_id: None,
            custom_data: None,
            purpose: None,
            meeting_url: None,
            is_private: false,
            calendar_event_id: None,
            media_source_url: None,
            language_hint: None,
            created: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        }
    }

    fn party(email: &str, affiliation: Affiliation) -> Party {
        Party {
            id: PartyId(5),
            call_id: CallId(1),
            name: None,
            email: Some(email.into()),
            title: None,
            user_id: None,
            speaker_id: None,
            affiliation,
            phone: None,
            methods: vec![PartyMethod::Attendee],
            media_channel: None,
            context: Vec::new(),
        }
    }

    struct World {
        call: Call,
        parties: Vec<Party>,
        managers: Vec<UserId>,
        trackers: Vec<(TrackerId, u32)>,
        topics: Vec<String>,
        context: Vec<CrmLink>,
    }

    impl World {
        fn new() -> World {
            World {
                call: call(),
                parties: vec![
                    party("rep@northwind.example.com", Affiliation::Internal),
                    party("Carl@Sub.Acme.com", Affiliation::External),
                ],
                managers: vec![UserId(20), UserId(30)],
                trackers: vec![(TrackerId(7), 2)],
                topics: vec!["Pricing".into()],
                context: vec![CrmLink {
                    system: CrmSystem::Salesforce,
                    object_type: "Opportunity".into(),
                    object_id: "006".into(),
                    fields: vec![
                        ("StageName".into(), serde_json::json!("Negotiation")),
                        ("Amount".into(), serde_json::json!(5000)),
                    ],
                }],
            }
        }
        fn facts(&self) -> RuleFacts<'_> {
            RuleFacts {
                call: &self.call,
                parties: &self.parties,
                managers: &self.managers,
                trackers: &self.trackers,
                topics: &self.topics,
                context: &self.context,
            }
        }
    }

    #[test]
    fn an_empty_filter_matches_every_call() {
        let w = World::new();
        assert!(CallFilter::default().matches(&w.facts()));
    }

    #[test]
    fn each_condition_holds_or_refuses() {
        let w = World::new();
        let f = w.facts();
        let yes_no: Vec<(CallFilter, CallFilter)> = vec![
            (
                CallFilter {
                    directions: vec![Direction::Inbound, Direction::Outbound],
                    ..Default::default()
                },
                CallFilter {
                    directions: vec![Direction::Inbound],
                    ..Default::default()
                },
            ),
            (
                CallFilter {
                    scopes: vec![CallScope::External],
                    ..Default::default()
                },
                CallFilter {
                    scopes: vec![CallScope::Internal],
                    ..Default::default()
                },
            ),
            (
                CallFilter {
                    primary_users: vec![UserId(10)],
                    ..Default::default()
                },
                CallFilter {
                    primary_users: vec![UserId(11)],
                    ..Default::default()
                },
            ),
            (
                CallFilter {
                    teams: vec![UserId(30)],
                    ..Default::default()
                },
                CallFilter {
                    teams: vec![UserId(40)],
                    ..Default::default()
                },
            ),
            (
                CallFilter {
                    external_participants: Some(true),
                    ..Default::default()
                },
                CallFilter {
                    external_participants: Some(false),
                    ..Default::default()
                },
            ),
            (
                CallFilter {
                    participant_domains: vec!["acme.com".into()],
                    ..Default::default()
                },
                CallFilter {
                    participant_domains: vec!["cme.com".into()],
                    ..Default::default()
                },
            ),
            (
                CallFilter {
                    min_duration_s: Some(1800),
                    max_duration_s: Some(1800),
                    ..Default::default()
                },
                CallFilter {
                    min_duration_s: Some(1801),
                    ..Default::default()
                },
            ),
            (
                CallFilter {
                    trackers: vec![TrackerCondition {
                        tracker_id: TrackerId(7),
                        min_count: 2,
                    }],
                    ..Default::default()
                },
                CallFilter {
                    trackers: vec![TrackerCondition {
                        tracker_id: TrackerId(7),
                        min_count: 3,
                    }],
                    ..Default::default()
                },
            ),
            (
                CallFilter {
                    topics: vec!["pricing".into()],
                    ..Default::default()
                },
                CallFilter {
                    topics: vec!["Next Steps".into()],
                    ..Default::default()
                },
            ),
            (
                CallFilter {
                    crm: Some(CrmCondition {
                        object_type: Some("opportunity".into()),
                        field: Some("Amount".into()),
                        value: Some(serde_json::json!("5000")),
                    }),
                    ..Default::default()
                },
                CallFilter {
                    crm: Some(CrmCondition {
                        object_type: Some("Opportunity".into()),
                        field: Some("StageName".into()),
                        value: Some(serde_json::json!("Closed Won")),
                    }),
                    ..Default::default()
                },
            ),
            (
                CallFilter {
                    title_words: vec!["ACME".into()],
                    ..Default::default()
                },
                CallFilter {
                    title_words: vec!["pric".into()],
                    ..Default::default()
                },
            ),
        ];
        for (yes, no) in yes_no {
            assert!(yes.matches(&f), "{yes:?}");
            assert!(!no.matches(&f), "{no:?}");
        }
        // No CRM context at all refuses any CRM condition.
        let mut bare = World::new();
        bare.context.clear();
        let any_crm = CallFilter {
            crm: Some(CrmCondition::default()),
            ..Default::default()
        };
        assert!(any_crm.matches(&w.facts()));
        assert!(!any_crm.matches(&bare.facts()));
    }

    #[test]
    fn filters_and_actions_read_back_as_stored() {
        let filter = CallFilter {
            directions: vec![Direction::Inbound],
            trackers: vec![TrackerCondition {
                tracker_id: TrackerId(1234567890123456789),
                min_count: 1,
            }],
            crm: Some(CrmCondition {
                object_type: Some("Opportunity".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let json = serde_json::to_value(&filter).unwrap();
        assert_eq!(serde_json::from_value::<CallFilter>(json).unwrap(), filter);
        let action = Action::Webhook(WebhookAction {
            url: "https://x.example/h".into(),
            auth: WebhookAuth::Jwt,
        });
        let json = serde_json::to_value(&action).unwrap();
        assert_eq!(json["type"], "Webhook");
        assert_eq!(serde_json::from_value::<Action>(json).unwrap(), action);
    }

    fn t(s: i64) -> Timestamp {
        chrono::DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
    }

    fn status(code: u16) -> Answer {
        Answer::Status {
            code,
            retry_after: None,
        }
    }

    #[test]
    fn retries_transient_answers_with_doubling_waits_for_the_window() {
        let p = RetryPolicy::default();
        assert_eq!(
            next_step(&status(204), 1, t(0), t(0), &p),
            DeliveryNext::Delivered
        );
        for code in [408, 429, 500, 503] {
            assert_eq!(
                next_step(&status(code), 1, t(0), t(0), &p),
                DeliveryNext::RetryAt(t(10))
            );
        }
        assert_eq!(
            next_step(&Answer::Unreachable, 3, t(0), t(100), &p),
            DeliveryNext::RetryAt(t(140))
        );
        // Capped at an hour; over a day after queueing it gives up.
        assert_eq!(
            next_step(&Answer::Unreachable, 30, t(0), t(100), &p),
            DeliveryNext::RetryAt(t(3700))
        );
        assert_eq!(
            next_step(&Answer::Unreachable, 40, t(0), t(86_400), &p),
            DeliveryNext::GiveUp
        );
        // Enough attempts fit in the window: the waits add up past 24 hours.
        let mut at = 0;
        let mut n = 1;
        while let DeliveryNext::RetryAt(next) = next_step(&Answer::Unreachable, n, t(0), t(at), &p)
        {
            at = (next - t(0)).num_seconds();
            n += 1;
        }
        assert!(at >= 86_400 && n < 60, "{n} attempts, last at {at}");
    }

    #[test]
    fn client_errors_other_than_408_and_429_are_final() {
        let p = RetryPolicy::default();
        for code in [301, 400, 401, 403, 404, 410, 422] {
            assert_eq!(
                next_step(&status(code), 1, t(0), t(0), &p),
                DeliveryNext::GiveUp,
                "{code}"
            );
        }
        assert_eq!(
            next_step(&Answer::Refused, 1, t(0), t(0), &p),
            DeliveryNext::GiveUp
        );
    }

    #[test]
    fn retry_after_is_honoured_within_the_longest_wait() {
        let p = RetryPolicy::default();
        let after = |v: &str| Answer::Status {
            code: 429,
            retry_after: Some(v.into()),
        };
        assert_eq!(
            next_step(&after("120"), 1, t(0), t(0), &p),
            DeliveryNext::RetryAt(t(120))
        );
        assert_eq!(
            next_step(&after("999999"), 1, t(0), t(0), &p),
            DeliveryNext::RetryAt(t(3600))
        );
        let date = t(300).to_rfc2822();
        assert_eq!(
            next_step(&after(&date), 1, t(0), t(0), &p),
            DeliveryNext::RetryAt(t(300))
        );
        // Garbage is ignored: the doubling wait.
        assert_eq!(
            next_step(&after("soon"), 2, t(0), t(0), &p),
            DeliveryNext::RetryAt(t(20))
        );
    }

    #[test]
    fn delivery_states_round_trip() {
        for s in DeliveryState::ALL {
            assert_eq!(DeliveryState::from_key(s.key()), Some(s));
        }
    }
}

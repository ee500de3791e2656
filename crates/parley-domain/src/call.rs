//! Calls, their parties and the CRM objects attached to them.

use crate::{CallId, PartyId, SpeakerId, Timestamp, UserId, WorkspaceId};

/// Who started the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Direction {
    Inbound,
    Outbound,
    Conference,
    Unknown,
}

/// Whether anyone outside the company took part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CallScope {
    Internal,
    External,
    Unknown,
}

/// What kind of recording the call has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    Audio,
    Video,
}

/// Which side of the conversation a party is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Affiliation {
    /// A user of the company.
    Internal,
    /// A customer, prospect or partner.
    External,
    Unknown,
}

/// How a party came to be on the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartyMethod {
    Invitee,
    Attendee,
}

/// Stored call metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub id: CallId,
    pub workspace_id: WorkspaceId,
    pub title: String,
    pub scheduled: Option<Timestamp>,
    pub started: Timestamp,
    /// Whole seconds.
    pub duration_s: i64,
    pub primary_user_id: UserId,
    pub direction: Direction,
    /// The system the call came from (`Zoom`, `RingCentral`, ...). Unknown when uploaded
    /// without a provider code.
    pub system: Option<String>,
    pub scope: CallScope,
    pub media: MediaKind,
    /// ISO-639-2/B language of the conversation, once known.
    pub language: Option<String>,
    pub sdr_disposition: Option<String>,
    pub client_unique_id: Option<String>,
    pub custom_data: Option<String>,
    pub purpose: Option<String>,
    pub meeting_url: Option<String>,
    pub is_private: bool,
    pub calendar_event_id: Option<String>,
    /// Where to pull the recording from, when the caller gave a URL instead of uploading.
    pub media_source_url: Option<String>,
    /// The caller's requested language (BCP-47), before detection.
    pub language_hint: Option<String>,
    pub created: Timestamp,
}

/// One participant of a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    pub id: PartyId,
    pub call_id: CallId,
    pub name: Option<String>,
    pub email: Option<String>,
    pub title: Option<String>,
    pub user_id: Option<UserId>,
    pub speaker_id: Option<SpeakerId>,
    pub affiliation: Affiliation,
    pub phone: Option<String>,
    pub methods: Vec<PartyMethod>,
    /// The audio channel of this party in a multi-channel recording.
    pub media_channel: Option<i32>,
    pub context: Vec<CrmLink>,
}

/// The CRM a linked object lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrmSystem {
    Salesforce,
    HubSpot,
    MicrosoftDynamic,
    Generic,
}

/// A CRM object (account, opportunity, contact, lead, user) as seen by Parley.
#[derive(Debug, Clone, PartialEq)]
pub struct CrmLink {
    pub system: CrmSystem,
    /// `Account`, `Opportunity`, `Contact`, `Lead`, `User`.
    pub object_type: String,
    pub object_id: String,
    /// Field values in the CRM's own JSON types (numbers stay numbers).
    pub fields: Vec<(String, serde_json::Value)>,
}

impl CrmLink {
    /// The name of a linked account (its `Name` field, as the CRMs and the search index
    /// read it); `None` for another object or an account without one.
    pub fn account_name(&self) -> Option<&str> {
        if self.object_type != "Account" {
            return None;
        }
        self.fields
            .iter()
            .find(|(k, _)| k == "Name")
            .and_then(|(_, v)| v.as_str())
            .filter(|n| !n.trim().is_empty())
    }
}

/// A call as a client asks to create it, already decoded from the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCall {
    pub client_unique_id: String,
    pub actual_start: Timestamp,
    pub workspace_id: Option<WorkspaceId>,
    pub title: Option<String>,
    pub purpose: Option<String>,
    pub scheduled_start: Option<Timestamp>,
    pub scheduled_end: Option<Timestamp>,
    pub duration_s: Option<f64>,
    pub disposition: Option<String>,
    pub direction: Direction,
    pub primary_user: UserId,
    pub parties: Vec<NewParty>,
    pub context: Vec<CrmLink>,
    pub custom_data: Option<String>,
    pub meeting_url: Option<String>,
    pub call_provider_code: Option<String>,
    pub download_media_url: Option<String>,
    pub language_code: Option<String>,
    /// Who spoke when, by the recording system; parties are indexes into `parties`.
    pub speakers_timeline: Option<crate::SpeakerTimeline<usize>>,
}

/// A participant as given on call creation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewParty {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub user_id: Option<UserId>,
    pub title: Option<String>,
    pub media_channel: Option<i32>,
    pub context: Vec<CrmLink>,
}

/// Limits from Gong's published request schema.
pub const MAX_CLIENT_UNIQUE_ID_LEN: usize = 2048;
pub const MAX_PURPOSE_LEN: usize = 255;
pub const MAX_DISPOSITION_LEN: usize = 255;
/// Longest call duration accepted, in seconds (a week). Choice: a bound, not a setting:
/// durations are summed and rounded to whole seconds in `i64`, and `1e300` used to be
/// stored as `i64::MAX`.
pub const MAX_DURATION_S: f64 = 7.0 * 24.0 * 3600.0;

impl NewCall {
    /// Checks the rules that need no lookup. Returns every problem found, so that a
    /// client can fix its request in one go.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.client_unique_id.trim().is_empty() {
            problems.push("clientUniqueId must not be empty".to_owned());
        }
        if self.client_unique_id.len() > MAX_CLIENT_UNIQUE_ID_LEN {
            problems.push(format!(
                "clientUniqueId is longer than {MAX_CLIENT_UNIQUE_ID_LEN} characters"
            ));
        }
        if self
            .purpose
            .as_ref()
            .is_some_and(|p| p.chars().count() > MAX_PURPOSE_LEN)
        {
            problems.push(format!(
                "purpose is longer than {MAX_PURPOSE_LEN} characters"
            ));
        }
        if self
            .disposition
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_DISPOSITION_LEN)
        {
            problems.push(format!(
                "disposition is longer than {MAX_DISPOSITION_LEN} characters"
            ));
        }
        if self.parties.is_empty() {
            problems.push("parties must contain at least one party".to_owned());
        }
        if !self
            .parties
            .iter()
            .any(|p| p.user_id == Some(self.primary_user))
        {
            problems.push(format!(
                "parties must include the primary user {}",
                self.primary_user
            ));
        }
        for (i, party) in self.parties.iter().enumerate() {
            if party.name.is_none()
                && party.email.is_none()
                && party.phone.is_none()
                && party.user_id.is_none()
            {
                problems.push(format!(
                    "parties[{i}] needs at least one of name, emailAddress, phoneNumber or userId"
                ));
            }
            if let Some(email) = &party.email {
                if !looks_like_email(email) {
                    problems.push(format!("parties[{i}].emailAddress is not an email address"));
                }
            }
            if party.media_channel.is_some_and(|c| !(0..=31).contains(&c)) {
                problems.push(format!(
                    "parties[{i}].mediaChannelId must be between 0 and 31"
                ));
            }
        }
        if let Some(t) = &self.speakers_timeline {
            if t.segments
                .iter()
                .any(|s| s.parties.iter().any(|&i| i >= self.parties.len()))
            {
                problems.push("speakersTimeline names a party the call does not have".to_owned());
            }
        }
        if let Some(d) = self.duration_s {
            if !d.is_finite() || d < 0.0 {
                problems.push("duration must be a non-negative number of seconds".to_owned());
            } else if d > MAX_DURATION_S {
                problems.push(format!(
                    "duration must be at most {MAX_DURATION_S} seconds (a week), got {d}"
                ));
            }
        }
        if let (Some(s), Some(e)) = (self.scheduled_start, self.scheduled_end) {
            if e < s {
                problems.push("scheduledEnd is before scheduledStart".to_owned());
            }
        }
        if let Some(url) = &self.download_media_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                problems.push("downloadMediaUrl must be an http or https URL".to_owned());
            }
        }
        problems
    }
}

/// A deliberately loose check: one `@`, something on both sides, a dot in the domain.
pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// The call's scope follows from its parties: any outsider makes it external.
pub fn scope_of(affiliations: impl IntoIterator<Item = Affiliation>) -> CallScope {
    let mut seen_internal = false;
    for a in affiliations {
        match a {
            Affiliation::External => return CallScope::External,
            Affiliation::Internal => seen_internal = true,
            Affiliation::Unknown => {}
        }
    }
    if seen_internal {
        CallScope::Internal
    } else {
        CallScope::Unknown
    }
}

/// Maps a Gong call-provider code (`zoom`, `ringcentral`, ...) to the display name Gong
/// shows in `system`. Unknown codes are kept as given.
pub fn system_for_provider(code: &str) -> String {
    match code.to_ascii_lowercase().as_str() {
        "zoom" => "Zoom".into(),
        "webex" => "WebEx".into(),
        "gotomeeting" => "GoToMeeting".into(),
        "ringcentral" => "RingCentral".into(),
        "outreach" => "Outreach".into(),
        "insidesales" => "InsideSales".into(),
        "clearslide" => "ClearSlide".into(),
        "teams" | "microsoftteams" | "microsoft-teams" => "Microsoft Teams".into(),
        "meet" | "googlemeet" | "google-meet" => "Google Meet".into(),
        _ => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> NewCall {
        NewCall {
            client_unique_id: "rec-1".into(),
            actual_start: chrono::Utc::now(),
            workspace_id: None,
            title: None,
            purpose: None,
            scheduled_start: None,
            scheduled_end: None,
            duration_s: None,
            disposition: None,
            direction: Direction::Outbound,
            primary_user: UserId(7),
            parties: vec![NewParty {
                user_id: Some(UserId(7)),
                ..Default::default()
            }],
            context: vec![],
            custom_data: None,
            meeting_url: None,
            call_provider_code: None,
            download_media_url: None,
            language_code: None,
            speakers_timeline: None,
        }
    }

    #[test]
    fn a_minimal_call_is_valid() {
        assert_eq!(call().validate(), Vec::<String>::new());
    }

    #[test]
    fn each_rule_reports_its_own_problem() {
        type Case = (fn(&mut NewCall), &'static str);
        let cases: Vec<Case> = vec![
            (
                |c| c.client_unique_id = " ".into(),
                "clientUniqueId must not be empty",
            ),
            (
                |c| c.parties.clear(),
                "parties must contain at least one party",
            ),
            (
                |c| c.primary_user = UserId(8),
                "parties must include the primary user 8",
            ),
            (
                |c| c.parties.push(NewParty::default()),
                "parties[1] needs at least one",
            ),
            (
                |c| {
                    c.parties.push(NewParty {
                        email: Some("nope".into()),
                        ..Default::default()
                    })
                },
                "parties[1].emailAddress is not an email address",
            ),
            (
                |c| c.duration_s = Some(-1.0),
                "duration must be a non-negative",
            ),
            (
                |c| c.duration_s = Some(1e300),
                "duration must be at most 604800 seconds",
            ),
            (
                |c| c.purpose = Some("x".repeat(256)),
                "purpose is longer than 255",
            ),
            (
                |c| c.download_media_url = Some("file:///etc/passwd".into()),
                "downloadMediaUrl must be an http or https URL",
            ),
        ];
        for (mutate, expected) in cases {
            let mut c = call();
            mutate(&mut c);
            let problems = c.validate();
            assert!(
                problems.iter().any(|p| p.starts_with(expected)),
                "expected {expected:?} in {problems:?}"
            );
        }
    }

    #[test]
    fn scope_follows_parties() {
        use Affiliation::*;
        assert_eq!(scope_of([Internal, External]), CallScope::External);
        assert_eq!(scope_of([Internal, Internal]), CallScope::Internal);
        assert_eq!(scope_of([Unknown]), CallScope::Unknown);
        assert_eq!(scope_of([]), CallScope::Unknown);
    }

    #[test]
    fn email_check_is_loose_but_not_empty() {
        assert!(looks_like_email("a.b@acme.co.uk"));
        for bad in [
            "",
            "a@",
            "@b.com",
            "a b@c.com",
            "a@b",
            "a@@b.com",
            "a@b.com.",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}

/// The recording of a call, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CallMedia {
    pub call_id: CallId,
    /// Object key in the media store.
    pub key: String,
    pub size_bytes: u64,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    /// What probing found: container and codec names, channels, rate, declared duration.
    pub container: String,
    pub codec: String,
    pub channels: Option<u32>,
    pub sample_rate: Option<u32>,
    pub duration_ms: Option<u64>,
    pub has_video: bool,
    pub uploaded: Timestamp,
}

impl CallMedia {
    /// The declared duration in whole seconds (rounded); 0 when the probe found none.
    pub fn duration_s(&self) -> i64 {
        self.duration_ms.map_or(0, |ms| {
            i64::try_from(ms.saturating_add(500) / 1000).unwrap_or(i64::MAX)
        })
    }
}

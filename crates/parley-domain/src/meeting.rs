//! Scheduled meetings, and how a recorded call is tied to the meeting it records.
//!
//! A meeting is created before it happens (by a calendar integration through the API);
//! when the call that records it is created, [`recorded_by`] picks the meeting the call
//! records, and the meeting keeps the call's id.
//!
//! The rule: a call records the unlinked meeting of its workspace whose meeting URL is
//! the call's `meetingUrl` (compared without surrounding spaces, a trailing `/` and the
//! case of scheme and host); failing that, the unlinked meeting its primary user
//! organises that was scheduled to start exactly when the call was (`scheduledStart`).
//! Several candidates: the one starting first, then the lowest id.

use crate::{Call, CallId, MeetingId, Timestamp, UserId, WorkspaceId};

/// The most invitees one meeting has.
pub const MAX_INVITEES: usize = 500;
/// The longest title, external id, name or email of a meeting.
pub const MAX_MEETING_TEXT: usize = 1024;
/// The longest meeting: a week, as the longest call.
pub const MAX_MEETING_SECONDS: i64 = 7 * 24 * 3600;
/// The most emails one integration-status request asks about.
pub const MAX_STATUS_EMAILS: usize = 100;

/// Someone invited to a meeting (the organiser excluded).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Invitee {
    pub email: String,
    pub display_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// A meeting as a client gives it (create and update alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingInput {
    pub start: Timestamp,
    pub end: Timestamp,
    pub invitees: Vec<Invitee>,
    pub organizer_email: String,
    pub title: Option<String>,
    pub external_id: Option<String>,
}

/// A stored meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    pub id: MeetingId,
    pub workspace_id: WorkspaceId,
    pub organizer: UserId,
    pub title: Option<String>,
    pub start: Timestamp,
    pub end: Timestamp,
    pub invitees: Vec<Invitee>,
    pub external_id: Option<String>,
    /// Where participants join; a recorded call naming it is this meeting's call.
    pub url: String,
    /// The call that recorded it, once there is one.
    pub call_id: Option<CallId>,
    pub created: Timestamp,
    pub updated: Timestamp,
}

/// Whether meetings can be scheduled for a user (an organiser's integration status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizerStatus {
    pub email: String,
    /// A user of the company has this email.
    pub exists: bool,
    /// Meetings can be scheduled for them (an active user).
    pub valid: bool,
    /// Why not, for the user to read.
    pub problem: Option<String>,
}

fn text_ok(what: &str, s: &str, problems: &mut Vec<String>) {
    if s.chars().count() > MAX_MEETING_TEXT {
        problems.push(format!(
            "{what} has more than {MAX_MEETING_TEXT} characters"
        ));
    }
}

/// Whether `s` looks like an email address (one `@` with text on both sides, no spaces).
pub fn plausible_email(s: &str) -> bool {
    let mut parts = s.split('@');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None)
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
                && !domain.ends_with('.') && !s.chars().any(char::is_whitespace)
    )
}

impl MeetingInput {
    /// Every problem with the meeting, each a sentence naming the field.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.end <= self.start {
            problems.push("endTime must be after startTime".into());
        } else if (self.end - self.start).num_seconds() > MAX_MEETING_SECONDS {
            problems.push("a meeting lasts at most a week (endTime - startTime)".into());
        }
        if !plausible_email(&self.organizer_email) {
            problems.push(format!(
                "organizerEmail {:?} is not an email address",
                self.organizer_email
            ));
        }
        text_ok("organizerEmail", &self.organizer_email, &mut problems);
        if let Some(t) = &self.title {
            text_ok("title", t, &mut problems);
        }
        if let Some(t) = &self.external_id {
            text_ok("externalId", t, &mut problems);
        }
        if self.invitees.len() > MAX_INVITEES {
            problems.push(format!("invitees has more than {MAX_INVITEES} entries"));
            return problems;
        }
        for (i, inv) in self.invitees.iter().enumerate() {
            if !plausible_email(&inv.email) {
                problems.push(format!(
                    "invitees[{i}].email {:?} is not an email address",
                    inv.email
                ));
            }
            for (name, v) in [
                ("email", Some(&inv.email)),
                ("displayName", inv.display_name.as_ref()),
                ("firstName", inv.first_name.as_ref()),
                ("lastName", inv.last_name.as_ref()),
            ] {
                if let Some(v) = v {
                    text_ok(&format!("invitees[{i}].{name}"), v, &mut problems);
                }
            }
        }
        problems
    }
}

/// A meeting URL in the form compared: trimmed, without a trailing `/`, scheme and host
/// in lower case (paths keep their case: meeting codes may be case-sensitive).
pub fn normalize_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            let host_end = rest.find('/').unwrap_or(rest.len());
            format!(
                "{}://{}{}",
                url[..i].to_ascii_lowercase(),
                rest[..host_end].to_ascii_lowercase(),
                &rest[host_end..]
            )
        }
        None => url.to_owned(),
    }
}

/// The meeting `call` records among `candidates` (see the module's rule), if any.
pub fn recorded_by<'a>(call: &Call, candidates: &'a [Meeting]) -> Option<&'a Meeting> {
    let open = candidates
        .iter()
        .filter(|m| m.call_id.is_none() && m.workspace_id == call.workspace_id);
    let first = |it: &mut dyn Iterator<Item = &'a Meeting>| it.min_by_key(|m| (m.start, m.id));
    if let Some(url) = call.meeting_url.as_deref().map(normalize_url) {
        if !url.is_empty() {
            let mut by_url = open.clone().filter(|m| normalize_url(&m.url) == url);
            if let Some(m) = first(&mut by_url) {
                return Some(m);
            }
        }
    }
    let scheduled = call.scheduled?;
    let mut by_time = open.filter(|m| m.organizer == call.primary_user_id && m.start == scheduled);
    first(&mut by_time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn t(h: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 2, 1, h, 0, 0).unwrap()
    }

    fn meeting(id: i64, url: &str, organizer: i64, start: Timestamp) -> Meeting {
        Meeting {
            id: MeetingId(id),
            workspace_id: WorkspaceId(1),
            organizer: UserId(organizer),
            title: None,
            start,
            end: start + Duration::hours(1),
            invitees: vec![],
            external_id: None,
            url: url.into(),
            call_id: None,
            created: start,
            updated: start,
        }
    }

    fn call(url: Option<&str>, scheduled: Option<Timestamp>) -> Call {
        Call {
            id: CallId(1),
            workspace_id: WorkspaceId(1),
            title: String::new(),
            scheduled,
            started: t(10),
            duration_s: 0,
            primary_user_id: UserId(7),
            direction: crate::Direction::Conference,
            system: None,
            scope: crate::CallScope::Unknown,
            media: crate::MediaKind::Audio,
            language: None,
            sdr_disposition: None,
            client_unique_id: None,
            custom_data: None,
            purpose: None,
            meeting_url: url.map(Into::into),
            is_private: false,
            calendar_event_id: None,
            media_source_url: None,
            language_hint: None,
            created: t(10),
        }
    }

    #[test]
    fn a_call_records_the_meeting_of_its_url_then_of_its_organiser_and_schedule() {
        let ms = [
            meeting(1, "https://meet.example.com/abc", 9, t(9)),
            meeting(2, "https://meet.example.com/xyz", 7, t(10)),
        ];
        let by_url = recorded_by(&call(Some("HTTPS://Meet.Example.com/abc/ "), None), &ms);
        assert_eq!(by_url.map(|m| m.id.0), Some(1));
        // Codes keep their case.
        assert!(recorded_by(&call(Some("https://meet.example.com/ABC"), None), &ms).is_none());
        let by_time = recorded_by(&call(Some("https://other.example.com/"), Some(t(10))), &ms);
        assert_eq!(by_time.map(|m| m.id.0), Some(2));
        assert!(
            recorded_by(&call(None, Some(t(9))), &ms).is_none(),
            "not their meeting"
        );
        let mut linked = ms.clone();
        linked[0].call_id = Some(CallId(5));
        assert!(recorded_by(&call(Some("https://meet.example.com/abc"), None), &linked).is_none());
    }

    #[test]
    fn meetings_are_validated() {
        let ok = MeetingInput {
            start: t(9),
            end: t(10),
            invitees: vec![Invitee {
                email: "a@b.example.com".into(),
                ..Invitee::default()
            }],
            organizer_email: "o@northwind.example.com".into(),
            title: Some("Demo".into()),
            external_id: None,
        };
        assert!(ok.validate().is_empty());
        let mut bad = ok.clone();
        bad.end = bad.start;
        bad.organizer_email = "nobody".into();
        bad.invitees[0].email = "x y@z".into();
        assert_eq!(bad.validate().len(), 3, "{:?}", bad.validate());
        assert!(plausible_email("a.b@c.example.com"));
        assert!(!plausible_email("a@@b.com") && !plausible_email("@b.com"));
    }
}

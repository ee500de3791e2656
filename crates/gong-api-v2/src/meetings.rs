//! Meetings (beta): `POST /v2/meetings`, `PUT` and `DELETE /v2/meetings/{meetingId}`,
//! `POST /v2/meetings/integration/status`.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use parley_domain::meeting::{Invitee, Meeting, MeetingInput, OrganizerStatus};

use crate::calls::RenderCtx;
use crate::time;

/// `MeetingInvitee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteeWire {
    #[schema(format = Email)]
    pub email: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

/// The body of `POST /v2/meetings` and `PUT /v2/meetings/{id}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeetingRequest {
    /// When the meeting starts (ISO-8601; without an offset, in the company time zone).
    #[schema(format = DateTime)]
    pub start_time: String,
    /// When the meeting ends (ISO-8601), after `startTime`.
    #[schema(format = DateTime)]
    pub end_time: String,
    pub invitees: Vec<InviteeWire>,
    /// The organiser: an active user's email address.
    #[schema(format = Email)]
    pub organizer_email: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
}

fn blank_to_none(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl MeetingRequest {
    /// The meeting in domain terms; dates read in the company time zone when they carry
    /// no offset. Every bad date is named.
    pub fn into_input(self, tz: Tz) -> Result<MeetingInput, Vec<String>> {
        let start =
            time::parse_datetime(&self.start_time, tz).map_err(|e| format!("startTime: {e}"));
        let end = time::parse_datetime(&self.end_time, tz).map_err(|e| format!("endTime: {e}"));
        let (start, end) = match (start, end) {
            (Ok(s), Ok(e)) => (s, e),
            (s, e) => return Err(s.err().into_iter().chain(e.err()).collect()),
        };
        Ok(MeetingInput {
            start,
            end,
            invitees: self
                .invitees
                .into_iter()
                .map(|i| Invitee {
                    email: i.email.trim().to_owned(),
                    display_name: blank_to_none(i.display_name),
                    first_name: blank_to_none(i.first_name),
                    last_name: blank_to_none(i.last_name),
                })
                .collect(),
            organizer_email: self.organizer_email.trim().to_owned(),
            title: blank_to_none(self.title),
            external_id: blank_to_none(self.external_id),
        })
    }
}

/// The answer to `POST /v2/meetings`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeetingCreated {
    pub request_id: String,
    pub meeting_id: String,
    pub meeting_url: String,
    /// Choice: empty. Gong asks callers to invite its recording assistant here; Parley has
    /// no assistant that joins meetings (a recording arrives with `POST /v2/calls`), so
    /// there is nobody to add.
    pub additional_invitees: Vec<InviteeWire>,
}

impl MeetingCreated {
    pub fn from_domain(request_id: String, m: &Meeting) -> Self {
        MeetingCreated {
            request_id,
            meeting_id: m.id.to_string(),
            meeting_url: m.url.clone(),
            additional_invitees: Vec::new(),
        }
    }
}

/// The answer to `PUT /v2/meetings/{id}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeetingUpdated {
    pub request_id: String,
    pub meeting_id: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteMeetingRequest {
    /// The meeting's organiser.
    #[schema(format = Email)]
    pub organizer_email: String,
}

/// The answer to `DELETE /v2/meetings/{id}`: Gong's spec echoes the organiser.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeetingDeleted {
    pub request_id: String,
    pub organizer_email: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationStatusRequest {
    pub emails: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserStatusWire {
    pub email: String,
    pub exists: bool,
    pub valid: bool,
    /// Choice: `null` for a user who can have meetings (Gong's recording shows the fields
    /// only with a problem; `null` keeps the shape the same for every user).
    pub user_facing_error: Option<String>,
    pub fix_url: Option<String>,
    pub help_url: Option<String>,
}

impl UserStatusWire {
    pub fn from_domain(s: &OrganizerStatus) -> Self {
        UserStatusWire {
            email: s.email.clone(),
            exists: s.exists,
            valid: s.valid,
            user_facing_error: s.problem.clone(),
            fix_url: None,
            help_url: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationStatusResponse {
    pub request_id: String,
    pub users: Vec<UserStatusWire>,
}

/// A meeting in Parley's own listing (`/parley/v1/meetings`), in the same names.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeetingView {
    pub meeting_id: String,
    pub workspace_id: String,
    pub organizer_user_id: String,
    pub title: Option<String>,
    pub start_time: String,
    pub end_time: String,
    pub invitees: Vec<InviteeWire>,
    pub external_id: Option<String>,
    pub meeting_url: String,
    /// The call that recorded it.
    pub call_id: Option<String>,
    pub created: String,
    pub updated: String,
}

impl MeetingView {
    pub fn from_domain(m: &Meeting, ctx: &RenderCtx) -> Self {
        MeetingView {
            meeting_id: m.id.to_string(),
            workspace_id: m.workspace_id.to_string(),
            organizer_user_id: m.organizer.to_string(),
            title: m.title.clone(),
            start_time: ctx.time(m.start),
            end_time: ctx.time(m.end),
            invitees: m
                .invitees
                .iter()
                .map(|i| InviteeWire {
                    email: i.email.clone(),
                    display_name: i.display_name.clone(),
                    first_name: i.first_name.clone(),
                    last_name: i.last_name.clone(),
                })
                .collect(),
            external_id: m.external_id.clone(),
            meeting_url: m.url.clone(),
            call_id: m.call_id.map(|c| c.to_string()),
            created: ctx.time(m.created),
            updated: ctx.time(m.updated),
        }
    }
}

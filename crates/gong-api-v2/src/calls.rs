//! Calls: metadata, the extensive call data, and call creation.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use parley_domain as d;

use crate::{null_as_default, time, WireId};

/// What the renderer needs to know about the deployment.
#[derive(Debug, Clone)]
pub struct RenderCtx {
    /// The company time zone; every date-time is emitted in it.
    pub tz: Tz,
    /// Prefix of call links, e.g. `https://parley.acme.com/call?id=`.
    pub call_url_prefix: String,
}

impl RenderCtx {
    pub fn time(&self, t: d::Timestamp) -> String {
        time::format(t, self.tz)
    }

    pub fn call_url(&self, id: d::CallId) -> String {
        format!("{}{id}", self.call_url_prefix)
    }
}

/// Gong's name of a call's direction.
pub fn direction_str(v: d::Direction) -> &'static str {
    match v {
        d::Direction::Inbound => "Inbound",
        d::Direction::Outbound => "Outbound",
        d::Direction::Conference => "Conference",
        d::Direction::Unknown => "Unknown",
    }
}

/// A call's direction from Gong's name of it.
pub fn parse_direction(s: &str) -> Option<d::Direction> {
    Some(match s {
        "Inbound" => d::Direction::Inbound,
        "Outbound" => d::Direction::Outbound,
        "Conference" => d::Direction::Conference,
        "Unknown" => d::Direction::Unknown,
        _ => return None,
    })
}

fn scope_str(v: d::CallScope) -> &'static str {
    match v {
        d::CallScope::Internal => "Internal",
        d::CallScope::External => "External",
        d::CallScope::Unknown => "Unknown",
    }
}

/// Gong's name of a party's side.
pub fn affiliation_str(v: d::Affiliation) -> &'static str {
    match v {
        d::Affiliation::Internal => "Internal",
        d::Affiliation::External => "External",
        d::Affiliation::Unknown => "Unknown",
    }
}

pub(crate) fn crm_system_str(v: d::CrmSystem) -> &'static str {
    match v {
        d::CrmSystem::Salesforce => "Salesforce",
        d::CrmSystem::HubSpot => "HubSpot",
        d::CrmSystem::MicrosoftDynamic => "MicrosoftDynamic",
        d::CrmSystem::Generic => "Generic",
    }
}

fn parse_crm_system(s: &str) -> Option<d::CrmSystem> {
    Some(match s {
        "Salesforce" => d::CrmSystem::Salesforce,
        "HubSpot" => d::CrmSystem::HubSpot,
        "MicrosoftDynamic" => d::CrmSystem::MicrosoftDynamic,
        "Generic" => d::CrmSystem::Generic,
        _ => return None,
    })
}

/// `CallBasicData`: the metadata of one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallBasicData {
    pub id: String,
    pub url: String,
    pub title: String,
    pub scheduled: String,
    pub started: String,
    pub duration: i64,
    pub primary_user_id: String,
    pub direction: String,
    pub system: Option<String>,
    pub scope: String,
    pub media: String,
    pub language: String,
    pub workspace_id: String,
    pub sdr_disposition: Option<String>,
    pub client_unique_id: Option<String>,
    pub custom_data: Option<String>,
    pub purpose: Option<String>,
    pub meeting_url: Option<String>,
    pub is_private: bool,
    pub calendar_event_id: Option<String>,
}

impl CallBasicData {
    pub fn from_domain(c: &d::Call, ctx: &RenderCtx) -> Self {
        CallBasicData {
            id: c.id.to_string(),
            url: ctx.call_url(c.id),
            title: c.title.clone(),
            // Choice: gongy requires `scheduled`; a call with no calendar slot (a dialer
            // call, an upload without scheduledStart) reports its actual start.
            scheduled: ctx.time(c.scheduled.unwrap_or(c.started)),
            started: ctx.time(c.started),
            duration: c.duration_s,
            primary_user_id: c.primary_user_id.to_string(),
            direction: direction_str(c.direction).to_owned(),
            system: c.system.clone(),
            scope: scope_str(c.scope).to_owned(),
            media: match c.media {
                d::MediaKind::Audio => "Audio",
                d::MediaKind::Video => "Video",
            }
            .to_owned(),
            // Choice: `und` (undetermined, ISO-639-2) until the language is known.
            language: c.language.clone().unwrap_or_else(|| "und".to_owned()),
            workspace_id: c.workspace_id.to_string(),
            sdr_disposition: c.sdr_disposition.clone(),
            client_unique_id: c.client_unique_id.clone(),
            custom_data: c.custom_data.clone(),
            purpose: c.purpose.clone(),
            meeting_url: c.meeting_url.clone(),
            is_private: c.is_private,
            calendar_event_id: c.calendar_event_id.clone(),
        }
    }
}

/// `GET /v2/calls` response.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallsResponse {
    pub request_id: String,
    pub records: crate::Records,
    pub calls: Vec<CallBasicData>,
}

/// `GET /v2/calls` response built from calls rendered earlier (see [`CallBasicData::raw`]):
/// the same bytes as [`CallsResponse`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RawCallsResponse {
    pub request_id: String,
    pub records: crate::Records,
    pub calls: Vec<Box<serde_json::value::RawValue>>,
}

impl RawCallsResponse {
    /// This page's bytes around its calls (see [`crate::PageFrame`]).
    pub fn frame(request_id: &str, records: &crate::Records) -> crate::PageFrame {
        crate::PageFrame::new(request_id, records, "calls")
    }
}

impl CallBasicData {
    /// The call rendered as JSON once, to be served again while the call is unchanged.
    pub fn raw(c: &d::Call, ctx: &RenderCtx) -> Result<Box<serde_json::value::RawValue>, String> {
        serde_json::value::to_raw_value(&CallBasicData::from_domain(c, ctx))
            .map_err(|e| format!("rendering call {}: {e}", c.id))
    }
}

/// `GET /v2/calls/{id}` response.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallResponse {
    pub request_id: String,
    pub call: CallBasicData,
}

/// Query of `GET /v2/calls`. Unknown parameters are ignored.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ListCallsQuery {
    /// Calls that started at or after this time (ISO-8601).
    #[param(format = DateTime)]
    #[schema(format = DateTime)]
    pub from_date_time: Option<String>,
    /// Calls that started before this time (ISO-8601).
    #[param(format = DateTime)]
    #[schema(format = DateTime)]
    pub to_date_time: Option<String>,
    /// Only this workspace's calls.
    pub workspace_id: Option<String>,
    /// The `records.cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Body of `POST /v2/calls/extensive`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExtensiveRequest {
    pub cursor: Option<String>,
    /// Choice: the reference marks `filter` required, but `{}` and a missing filter mean
    /// the same to every client read; both are accepted.
    #[serde(default, deserialize_with = "null_as_default")]
    pub filter: CallsFilter,
    #[serde(default, deserialize_with = "null_as_default")]
    pub content_selector: ContentSelector,
}

/// The `filter` of the call list endpoints.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallsFilter {
    pub from_date_time: Option<String>,
    pub to_date_time: Option<String>,
    pub workspace_id: Option<WireId>,
    pub call_ids: Option<Vec<WireId>>,
    pub primary_user_ids: Option<Vec<WireId>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContentSelector {
    pub context: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub context_timing: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub exposed_fields: ExposedFields,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExposedFields {
    #[serde(default, deserialize_with = "null_as_default")]
    pub parties: bool,
    pub content: Option<ContentFields>,
    pub interaction: Option<InteractionFields>,
    pub collaboration: Option<CollaborationFields>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub media: bool,
}

impl ExposedFields {
    /// Every block a client can ask for except `media` (signed recording URLs): what an
    /// automation webhook's `callData` holds.
    pub fn all_but_media() -> ExposedFields {
        ExposedFields {
            parties: true,
            content: Some(ContentFields {
                structure: true,
                topics: true,
                trackers: true,
                tracker_occurrences: true,
                points_of_interest: true,
                brief: true,
                outline: true,
                highlights: true,
                call_outcome: true,
                key_points: true,
            }),
            interaction: Some(InteractionFields {
                speakers: true,
                video: true,
                person_interaction_stats: true,
                questions: true,
            }),
            collaboration: Some(CollaborationFields {
                public_comments: true,
            }),
            media: false,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ContentFields {
    #[serde(deserialize_with = "null_as_default")]
    pub structure: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub topics: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub trackers: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub tracker_occurrences: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub points_of_interest: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub brief: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub outline: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub highlights: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub call_outcome: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub key_points: bool,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct InteractionFields {
    #[serde(deserialize_with = "null_as_default")]
    pub speakers: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub video: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub person_interaction_stats: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub questions: bool,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct CollaborationFields {
    #[serde(deserialize_with = "null_as_default")]
    pub public_comments: bool,
}

/// How much CRM context a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextLevel {
    None,
    Basic,
    Extended,
}

impl ContentSelector {
    pub fn context_level(&self) -> Result<ContextLevel, String> {
        match self.context.as_deref() {
            None | Some("None") => Ok(ContextLevel::None),
            Some("Basic") => Ok(ContextLevel::Basic),
            Some("Extended") => Ok(ContextLevel::Extended),
            Some(other) => Err(format!(
                "invalid field contentSelector.context: {other:?} is not one of None, Basic, Extended"
            )),
        }
    }

    /// The timings to report CRM values for. Parley keeps the current values only, so
    /// `TimeOfCall` is answered with the values as they are now, labelled `TimeOfCall`.
    pub fn timings(&self) -> Result<Vec<&'static str>, String> {
        if self.context_timing.is_empty() {
            return Ok(vec!["Now"]);
        }
        let mut out = Vec::new();
        for t in &self.context_timing {
            let t = match t.as_str() {
                "Now" => "Now",
                "TimeOfCall" => "TimeOfCall",
                other => {
                    return Err(format!(
                        "invalid field contentSelector.contextTiming: {other:?} is not one of Now, TimeOfCall"
                    ))
                }
            };
            if !out.contains(&t) {
                out.push(t);
            }
        }
        Ok(out)
    }
}

/// `{name, value}` of a CRM field; values keep their JSON types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CrmField {
    pub name: String,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContextObject {
    pub object_type: String,
    pub object_id: String,
    pub fields: Vec<CrmField>,
    pub timing: String,
}

/// One `context[]` entry.
///
/// Choice: the OpenAPI puts `timing` on each object, gongy requires it on the entry.
/// We emit one entry per (system, timing) pair and put `timing` in both places; each
/// reader ignores the key it does not expect.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CallContext {
    pub system: String,
    pub objects: Vec<ContextObject>,
    pub timing: String,
}

/// Groups CRM links by (system, timing), in first-seen order. `Basic` context carries
/// the links with no field values.
pub fn render_context(
    links: &[d::CrmLink],
    level: ContextLevel,
    timings: &[&str],
) -> Vec<CallContext> {
    let mut out: Vec<CallContext> = Vec::new();
    if level == ContextLevel::None {
        return out;
    }
    for timing in timings {
        for link in links {
            let system = crm_system_str(link.system);
            let idx = match out
                .iter()
                .position(|c| c.system == system && c.timing == *timing)
            {
                Some(i) => i,
                None => {
                    out.push(CallContext {
                        system: system.to_owned(),
                        objects: vec![],
                        timing: (*timing).to_owned(),
                    });
                    out.len() - 1
                }
            };
            let fields = if level == ContextLevel::Extended {
                link.fields
                    .iter()
                    .map(|(name, value)| CrmField {
                        name: name.clone(),
                        value: value.clone(),
                    })
                    .collect()
            } else {
                vec![]
            };
            out[idx].objects.push(ContextObject {
                object_type: link.object_type.clone(),
                object_id: link.object_id.clone(),
                fields,
                timing: (*timing).to_owned(),
            });
        }
    }
    out
}

/// A participant of a call.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartyWire {
    pub id: String,
    pub email_address: Option<String>,
    pub name: Option<String>,
    pub title: Option<String>,
    pub user_id: Option<String>,
    pub speaker_id: Option<String>,
    pub context: Vec<CallContext>,
    pub affiliation: String,
    pub phone_number: Option<String>,
    pub methods: Vec<String>,
}

impl PartyWire {
    pub fn from_domain(p: &d::Party, level: ContextLevel, timings: &[&str]) -> Self {
        PartyWire {
            id: p.id.to_string(),
            email_address: p.email.clone(),
            name: p.name.clone(),
            title: p.title.clone(),
            user_id: p.user_id.map(|u| u.to_string()),
            speaker_id: p.speaker_id.map(|s| s.to_string()),
            context: render_context(&p.context, level, timings),
            affiliation: affiliation_str(p.affiliation).to_owned(),
            phone_number: p.phone.clone(),
            methods: p
                .methods
                .iter()
                .map(|m| match m {
                    d::PartyMethod::Invitee => "Invitee",
                    d::PartyMethod::Attendee => "Attendee",
                })
                .map(str::to_owned)
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NameDuration {
    pub name: String,
    pub duration: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackerOccurrence {
    pub start_time: f64,
    pub speaker_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackerPhrase {
    pub count: i64,
    pub phrase: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrences: Option<Vec<TrackerOccurrence>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tracker {
    pub id: String,
    pub name: String,
    pub count: i64,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrences: Option<Vec<TrackerOccurrence>>,
    pub phrases: Vec<TrackerPhrase>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionItem {
    pub snippet_start_time: f64,
    pub snippet_end_time: f64,
    #[serde(rename = "speakerID")]
    pub speaker_id: String,
    pub snippet: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PointsOfInterest {
    pub action_items: Vec<ActionItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutlineItem {
    pub text: String,
    pub start_time: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutlineSection {
    pub section: String,
    pub start_time: f64,
    pub duration: f64,
    pub items: Vec<OutlineItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HighlightItem {
    pub text: String,
    pub start_times: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Highlight {
    pub title: String,
    pub items: Vec<HighlightItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CallOutcome {
    pub id: String,
    pub category: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct KeyPoint {
    pub text: String,
}

/// The `content` block. Each member is present only when requested.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structure: Option<Vec<NameDuration>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topics: Option<Vec<NameDuration>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trackers: Option<Vec<Tracker>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_of_interest: Option<PointsOfInterest>,
    /// Requested but not computed yet: explicit `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brief: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outline: Option<Vec<OutlineSection>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlights: Option<Vec<Highlight>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_outcome: Option<Option<CallOutcome>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_points: Option<Vec<KeyPoint>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpeakerTalkTime {
    pub id: String,
    pub user_id: Option<String>,
    pub talk_time: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NamedValue {
    pub name: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Questions {
    pub company_count: i64,
    pub non_company_count: i64,
}

/// The `interaction` block. Each member is present only when requested.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Interaction {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speakers: Option<Vec<SpeakerTalkTime>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interaction_stats: Option<Vec<NamedValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video: Option<Vec<NamedValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questions: Option<Questions>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: String,
    pub audio_start_time: f64,
    pub audio_end_time: f64,
    pub commenter_user_id: String,
    pub comment: String,
    pub posted: String,
    pub in_reply_to: Option<String>,
    pub during_call: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Collaboration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_comments: Option<Vec<Comment>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Media {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
}

/// `CallData`: one element of `/v2/calls/extensive` and the webhook's `callData`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallData {
    pub meta_data: CallBasicData,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<CallContext>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parties: Option<Vec<PartyWire>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interaction: Option<Interaction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collaboration: Option<Collaboration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExtensiveResponse {
    pub request_id: String,
    pub records: crate::Records,
    pub calls: Vec<CallData>,
}

/// `/v2/calls/extensive` response built from calls rendered earlier: the same bytes as
/// [`ExtensiveResponse`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RawExtensiveResponse {
    pub request_id: String,
    pub records: crate::Records,
    pub calls: Vec<Box<serde_json::value::RawValue>>,
}

impl RawExtensiveResponse {
    /// This page's bytes around its calls (see [`crate::PageFrame`]).
    pub fn frame(request_id: &str, records: &crate::Records) -> crate::PageFrame {
        crate::PageFrame::new(request_id, records, "calls")
    }
}

impl CallData {
    /// The rendering as JSON, to be served again while the call is unchanged.
    pub fn raw(&self) -> Result<Box<serde_json::value::RawValue>, String> {
        serde_json::value::to_raw_value(self)
            .map_err(|e| format!("rendering call {}: {e}", self.meta_data.id))
    }
}

/// What is known about one call when rendering its extensive data.
pub struct CallFacts<'a> {
    pub call: &'a d::Call,
    pub parties: &'a [d::Party],
    pub context: &'a [d::CrmLink],
    /// The stored transcript's talk time and questions, when there is one (summed where
    /// it is stored: a listing never holds a transcript for them).
    pub tally: Option<&'a d::TranscriptTally>,
    /// The stored analysis, once the call has been analysed.
    pub analysis: Option<&'a parley_analysis::CallAnalysis>,
    /// Where the call's recording can be fetched, when it has one and they were asked for.
    pub media: Option<&'a MediaUrls>,
    /// The call's public comments, by posted time (read only when they were asked for).
    pub comments: &'a [d::comment::Comment],
}

/// The signed URLs of a call's recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaUrls {
    pub audio: String,
    /// Only for a recording with a video track.
    pub video: Option<String>,
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Whole seconds, rounded, as Gong's integer durations.
fn whole_secs(ms: i64) -> i64 {
    (ms + 500).div_euclid(1000)
}

fn occurrences(list: &[parley_analysis::trackers::Occurrence]) -> Vec<TrackerOccurrence> {
    list.iter()
        .map(|o| TrackerOccurrence {
            start_time: secs(o.start_ms),
            speaker_id: o.speaker_id.to_string(),
        })
        .collect()
}

/// The `content` block of an analysed call.
fn analysed_content(c: &ContentFields, a: &parley_analysis::CallAnalysis) -> Content {
    let s = &a.summary;
    let named = |list: Vec<(String, i64)>| {
        list.into_iter()
            .map(|(name, ms)| NameDuration {
                name,
                duration: whole_secs(ms),
            })
            .collect::<Vec<_>>()
    };
    Content {
        structure: c.structure.then(|| {
            named(
                a.topics
                    .spans
                    .iter()
                    .map(|sp| (sp.name.clone(), sp.end_ms - sp.start_ms))
                    .collect(),
            )
        }),
        topics: c.topics.then(|| named(a.topics.totals.clone())),
        trackers: c.trackers.then(|| {
            a.trackers
                .iter()
                .map(|t| Tracker {
                    id: t.tracker_id.to_string(),
                    name: t.name.clone(),
                    count: i64::from(t.count),
                    kind: "KEYWORD".into(),
                    occurrences: c.tracker_occurrences.then(|| occurrences(&t.occurrences)),
                    phrases: t
                        .phrases
                        .iter()
                        .map(|p| TrackerPhrase {
                            count: i64::from(p.count),
                            phrase: p.phrase.clone(),
                            occurrences: c.tracker_occurrences.then(|| occurrences(&p.occurrences)),
                        })
                        .collect(),
                })
                .collect()
        }),
        points_of_interest: c.points_of_interest.then(|| PointsOfInterest {
            action_items: s
                .next_steps
                .iter()
                .map(|m| ActionItem {
                    snippet_start_time: secs(m.start_ms),
                    snippet_end_time: secs(m.end_ms),
                    speaker_id: m.speaker_id.map(|s| s.to_string()).unwrap_or_default(),
                    snippet: m.text.clone(),
                })
                .collect(),
        }),
        brief: c.brief.then(|| s.brief.clone()),
        outline: c.outline.then(|| {
            s.outline
                .iter()
                .map(|o| OutlineSection {
                    section: o.section.clone(),
                    start_time: secs(o.start_ms),
                    duration: secs(o.duration_ms),
                    items: o
                        .items
                        .iter()
                        .map(|m| OutlineItem {
                            text: m.text.clone(),
                            start_time: secs(m.start_ms),
                        })
                        .collect(),
                })
                .collect()
        }),
        highlights: c.highlights.then(|| {
            s.highlights
                .iter()
                .map(|h| Highlight {
                    title: h.title.clone(),
                    items: h
                        .items
                        .iter()
                        .map(|m| HighlightItem {
                            text: m.text.clone(),
                            start_times: vec![secs(m.start_ms)],
                        })
                        .collect(),
                })
                .collect()
        }),
        call_outcome: c.call_outcome.then(|| {
            s.outcome.as_ref().map(|o| CallOutcome {
                id: o.id.clone(),
                category: o.category.clone(),
                name: o.name.clone(),
            })
        }),
        key_points: c.key_points.then(|| {
            s.key_points
                .iter()
                .map(|m| KeyPoint {
                    text: m.text.clone(),
                })
                .collect()
        }),
    }
}

/// The host's stats of an analysed call, as Gong names them for a call.
fn host_stats(a: &parley_analysis::CallAnalysis, host: d::UserId) -> Vec<NamedValue> {
    let Some(p) = a
        .interaction
        .persons
        .iter()
        .find(|p| p.user_id == Some(host))
    else {
        return Vec::new();
    };
    [
        ("Talk Ratio", p.talk_ratio),
        ("Longest Monologue", secs(p.longest_monologue_ms)),
        ("Longest Customer Story", secs(p.longest_customer_story_ms)),
        ("Interactivity", p.interactivity),
        ("Patience", p.patience_s),
    ]
    .into_iter()
    .map(|(name, value)| NamedValue {
        name: name.into(),
        value,
    })
    .collect()
}

impl ExposedFields {
    /// Renders one call with exactly the sections the selector asked for. Sections whose
    /// analysis has not run yet are present with empty lists or `null`, so that their keys
    /// and types are already those of the reference.
    pub fn render(
        &self,
        facts: &CallFacts<'_>,
        level: ContextLevel,
        timings: &[&str],
        ctx: &RenderCtx,
    ) -> CallData {
        let content = self.content.map(|c| match facts.analysis {
            Some(a) => analysed_content(&c, a),
            None => Content {
                structure: c.structure.then(Vec::new),
                topics: c.topics.then(Vec::new),
                trackers: c.trackers.then(Vec::new),
                points_of_interest: c.points_of_interest.then(|| PointsOfInterest {
                    action_items: vec![],
                }),
                brief: c.brief.then_some(None),
                outline: c.outline.then(Vec::new),
                highlights: c.highlights.then(Vec::new),
                call_outcome: c.call_outcome.then_some(None),
                key_points: c.key_points.then(Vec::new),
            },
        });
        let interaction = self.interaction.map(|i| Interaction {
            speakers: i.speakers.then(|| {
                // The analysed talk time (overlaps within a voice counted once) when there
                // is one; else the plain sum of sentence spans.
                let talk = match facts.analysis {
                    Some(a) => a
                        .interaction
                        .speakers
                        .iter()
                        .map(|s| (s.speaker_id, secs(s.talk_ms)))
                        .collect(),
                    None => facts.tally.map(|t| t.talk.clone()).unwrap_or_default(),
                };
                talk.iter()
                    .filter_map(|(speaker, secs)| {
                        let party = facts
                            .parties
                            .iter()
                            .find(|p| p.speaker_id == Some(*speaker))?;
                        Some(SpeakerTalkTime {
                            id: party.id.to_string(),
                            user_id: party.user_id.map(|u| u.to_string()),
                            talk_time: *secs,
                        })
                    })
                    .collect()
            }),
            interaction_stats: i.person_interaction_stats.then(|| {
                facts
                    .analysis
                    .map(|a| host_stats(a, facts.call.primary_user_id))
                    .unwrap_or_default()
            }),
            // Choice: Gong's `video` is time in each video segment (presentation, webcam of
            // the host, of the customer) measured from the frames. Parley reads no frames,
            // so asked for it the list is empty, never made up: a client summing durations
            // gets 0, and one iterating it finds nothing (docs/analysis-metrics.md).
            video: i.video.then(Vec::new),
            questions: i.questions.then(|| {
                let (company, non_company) = match facts.analysis {
                    Some(a) => (
                        i64::from(a.interaction.company_questions),
                        i64::from(a.interaction.non_company_questions),
                    ),
                    None => facts
                        .tally
                        .map_or((0, 0), |t| t.question_counts(facts.parties)),
                };
                Questions {
                    company_count: company,
                    non_company_count: non_company,
                }
            }),
        });
        CallData {
            meta_data: CallBasicData::from_domain(facts.call, ctx),
            context: (level != ContextLevel::None)
                .then(|| render_context(facts.context, level, timings)),
            parties: self.parties.then(|| {
                facts
                    .parties
                    .iter()
                    .map(|p| PartyWire::from_domain(p, level, timings))
                    .collect()
            }),
            content,
            interaction,
            // Only public comments reach a rendering: renderings are shared by every
            // caller through the call cache, and a private comment is its author's.
            collaboration: self.collaboration.map(|c| Collaboration {
                public_comments: c.public_comments.then(|| {
                    facts
                        .comments
                        .iter()
                        .filter(|c| c.public)
                        .map(|c| Comment::from_domain(c, ctx))
                        .collect()
                }),
            }),
            // Choice: Parley keeps one file per recording, so `audioUrl` and `videoUrl`
            // (present only when the recording has a video track) serve the same file;
            // a call without a recording has `media: {}`.
            media: self.media.then(|| {
                facts.media.map_or_else(Media::default, |m| Media {
                    audio_url: Some(m.audio.clone()),
                    video_url: m.video.clone(),
                })
            }),
        }
    }
}

/// A CRM object reference in a create-call request.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadContextObject {
    pub object_type: String,
    pub object_id: WireId,
    /// Choice: Gong documents `fields` on upload objects without a shape; we accept both
    /// `[{"name","value"}]` and a plain `{"name": value}` map.
    #[serde(default)]
    pub fields: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct UploadContext {
    pub system: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub objects: Vec<UploadContextObject>,
}

/// `CallParticipant` of a create-call request.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewParticipant {
    pub phone_number: Option<String>,
    pub email_address: Option<String>,
    pub name: Option<String>,
    pub user_id: Option<WireId>,
    pub title: Option<String>,
    pub party_id: Option<String>,
    pub media_channel_id: Option<i32>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub context: Vec<UploadContext>,
}

/// `speakersTimeline` of a create-call request: who spoke when, by the system that
/// recorded the call.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpeakersTimeline {
    #[serde(default, deserialize_with = "null_as_default")]
    pub precise: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub speech_segments: Vec<SpeechSegment>,
}

/// One `speechSegments` entry: milliseconds from the recording's start.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpeechSegment {
    pub from_time: Option<i64>,
    pub to_time: Option<i64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub party_ids: Vec<String>,
}

/// Most problems of a timeline listed in one answer (the rest are cut).
const MAX_TIMELINE_PROBLEMS: usize = 10;

impl SpeakersTimeline {
    /// The domain timeline, its party ids resolved against the parties' `partyId`s
    /// (`party_ids[i]` is party `i`'s); every problem is added to `problems`.
    fn into_domain(
        self,
        party_ids: &[Option<String>],
        problems: &mut Vec<String>,
    ) -> d::SpeakerTimeline<usize> {
        let mut found = 0;
        let mut problem = |p: String, problems: &mut Vec<String>| {
            if found < MAX_TIMELINE_PROBLEMS {
                problems.push(p);
            }
            found += 1;
        };
        // A map, not a scan per id: a body can hold tens of thousands of both.
        let index: std::collections::HashMap<&str, usize> = party_ids
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(k, id)| Some((id.as_deref()?, k)))
            .collect();
        let mut segments = Vec::with_capacity(self.speech_segments.len());
        for (i, s) in self.speech_segments.into_iter().enumerate() {
            let at = format!("speakersTimeline.speechSegments[{i}]");
            let (Some(from), Some(to)) = (s.from_time, s.to_time) else {
                problem(format!("{at} needs fromTime and toTime"), problems);
                continue;
            };
            if from < 0 || to < 0 {
                problem(
                    format!("{at}: fromTime and toTime must not be negative"),
                    problems,
                );
            } else if to < from {
                problem(format!("{at}: toTime is before fromTime"), problems);
            }
            if s.party_ids.is_empty() {
                problem(
                    format!("{at}.partyIds must name at least one party"),
                    problems,
                );
            }
            let mut parties = Vec::with_capacity(s.party_ids.len());
            for id in &s.party_ids {
                match index.get(id.as_str()).copied() {
                    Some(k) if !parties.contains(&k) => parties.push(k),
                    Some(_) => {}
                    None => problem(
                        format!("{at}.partyIds names {id:?}, which no party's partyId is"),
                        problems,
                    ),
                }
            }
            segments.push(d::TimelineSegment {
                from_ms: from,
                to_ms: to,
                parties,
            });
        }
        if found > MAX_TIMELINE_PROBLEMS {
            problems.push(format!(
                "speakersTimeline has {} more problems",
                found - MAX_TIMELINE_PROBLEMS
            ));
        }
        d::SpeakerTimeline {
            precise: self.precise,
            segments,
        }
    }
}

/// Body of `POST /v2/calls`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewCallRequest {
    /// The call's id in the recording system; a repeated one answers with the call made the
    /// first time.
    #[schema(required = true, nullable = false, min_length = 1)]
    pub client_unique_id: Option<String>,
    /// When the call started (ISO-8601).
    #[schema(required = true, nullable = false, format = DateTime)]
    pub actual_start: Option<String>,
    /// The call's participants; one of them is the primary user.
    #[schema(required = true, nullable = false)]
    pub parties: Option<Vec<NewParticipant>>,
    /// `Inbound`, `Outbound`, `Conference` or `Unknown`.
    #[schema(required = true, nullable = false, example = "Outbound")]
    pub direction: Option<String>,
    /// The id of the user who hosted the call.
    #[schema(required = true, nullable = false)]
    pub primary_user: Option<WireId>,
    pub title: Option<String>,
    pub purpose: Option<String>,
    pub scheduled_start: Option<String>,
    pub scheduled_end: Option<String>,
    pub duration: Option<f64>,
    pub disposition: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub context: Vec<UploadContext>,
    pub custom_data: Option<String>,
    pub speakers_timeline: Option<SpeakersTimeline>,
    pub meeting_url: Option<String>,
    pub call_provider_code: Option<String>,
    pub download_media_url: Option<String>,
    pub workspace_id: Option<WireId>,
    pub language_code: Option<String>,
}

/// Object types a call's own context may hold (Gong renders only these on a call).
const CALL_OBJECT_TYPES: &[&str] = &["Opportunity", "Account"];
/// Object types a party's context may hold (Gong renders only these on a party).
const PARTY_OBJECT_TYPES: &[&str] = &["Contact", "Lead", "User"];
/// Object types a party's context may be sent with: Gong's create schema lists accounts
/// and opportunities on parties too.
const PARTY_UPLOAD_TYPES: &[&str] = &["Contact", "Lead", "User", "Account", "Opportunity"];

/// The object types an upload's `objectType` names, in Gong's spelling, or `None` when one
/// of them is not allowed here.
///
/// Choice: Gong's create-call schema offers combined values (`"Opportunity,Account"` on
/// a call, `"Lead,Contact"` on a party) but renders one type per object, so a combined
/// value becomes one object per type, all with the given id (or, when the id lists as
/// many comma-separated ids, each its own). Types outside what Gong renders there are
/// refused with a 400: stored, they would make strict clients reject whole pages.
/// Types are matched ignoring ASCII case and stored in Gong's spelling.
fn split_object_types(value: &str, allowed: &[&'static str]) -> Option<Vec<&'static str>> {
    value
        .split(',')
        .map(|t| {
            allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(t.trim()))
                .copied()
        })
        .collect()
}

fn convert_context(
    ctx: &[UploadContext],
    path: &str,
    allowed: &[&'static str],
    problems: &mut Vec<String>,
) -> Vec<d::CrmLink> {
    let mut out = Vec::new();
    for (i, c) in ctx.iter().enumerate() {
        let Some(system) = parse_crm_system(&c.system) else {
            problems.push(format!(
                "{path}[{i}].system must be one of Salesforce, HubSpot, MicrosoftDynamic, Generic"
            ));
            continue;
        };
        for (j, o) in c.objects.iter().enumerate() {
            let fields = match &o.fields {
                None | Some(Value::Null) => vec![],
                Some(Value::Object(map)) => {
                    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
                }
                Some(Value::Array(items)) => {
                    let mut fields = vec![];
                    for item in items {
                        match (item.get("name").and_then(Value::as_str), item.get("value")) {
                            (Some(n), Some(v)) => fields.push((n.to_owned(), v.clone())),
                            _ => problems.push(format!(
                                "{path}[{i}].objects[{j}].fields items need name and value"
                            )),
                        }
                    }
                    fields
                }
                Some(_) => {
                    problems.push(format!(
                        "{path}[{i}].objects[{j}].fields must be a list or an object"
                    ));
                    vec![]
                }
            };
            if o.object_id.0.is_empty() || o.object_id.0.len() > 64 {
                problems.push(format!(
                    "{path}[{i}].objects[{j}].objectId must be 1 to 64 characters"
                ));
            }
            let Some(types) = split_object_types(&o.object_type, allowed) else {
                problems.push(format!(
                    "{path}[{i}].objects[{j}].objectType must be one of {} (or several of them separated by commas)",
                    allowed.join(", ")
                ));
                continue;
            };
            let ids: Vec<&str> = o.object_id.0.split(',').map(str::trim).collect();
            let paired = types.len() > 1 && ids.len() == types.len();
            for (k, object_type) in types.iter().enumerate() {
                let object_id = if paired {
                    ids[k]
                } else {
                    o.object_id.0.as_str()
                };
                if out.iter().any(|l: &d::CrmLink| {
                    l.system == system && l.object_type == *object_type && l.object_id == object_id
                }) {
                    continue;
                }
                out.push(d::CrmLink {
                    system,
                    object_type: (*object_type).to_owned(),
                    object_id: object_id.to_owned(),
                    fields: fields.clone(),
                });
            }
        }
    }
    out
}

impl NewCallRequest {
    /// Converts to the domain request, collecting every problem (missing required fields,
    /// bad enums, bad dates) into one list.
    pub fn into_domain(self, tz: Tz) -> Result<d::NewCall, Vec<String>> {
        let mut problems = Vec::new();
        let mut required = |name: &str, present: bool| {
            if !present {
                problems.push(format!("{name} is required"));
            }
        };
        required("clientUniqueId", self.client_unique_id.is_some());
        required("actualStart", self.actual_start.is_some());
        required("parties", self.parties.is_some());
        required("direction", self.direction.is_some());
        required("primaryUser", self.primary_user.is_some());

        let date = |name: &str, v: &Option<String>, problems: &mut Vec<String>| {
            v.as_deref()
                .and_then(|s| match time::parse_datetime(s, tz) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        problems.push(format!("{name}: {e}"));
                        None
                    }
                })
        };
        let actual_start = date("actualStart", &self.actual_start, &mut problems);
        let scheduled_start = date("scheduledStart", &self.scheduled_start, &mut problems);
        let scheduled_end = date("scheduledEnd", &self.scheduled_end, &mut problems);

        let direction = self.direction.as_deref().and_then(|s| {
            let d = parse_direction(s);
            if d.is_none() {
                problems.push(format!(
                    "direction {s:?} is not one of Inbound, Outbound, Conference, Unknown"
                ));
            }
            d
        });
        let primary_user = self.primary_user.as_ref().and_then(|id| {
            let n = id.numeric();
            if n.is_none() {
                problems.push(format!("primaryUser {:?} is not a user id", id.0));
            }
            n.map(d::UserId)
        });
        let workspace_id = self.workspace_id.as_ref().and_then(|id| {
            let n = id.numeric();
            if n.is_none() {
                problems.push(format!("workspaceId {:?} is not a workspace id", id.0));
            }
            n.map(d::WorkspaceId)
        });
        let mut call_context =
            convert_context(&self.context, "context", CALL_OBJECT_TYPES, &mut problems);
        let mut parties = Vec::new();
        let mut party_ids: Vec<Option<String>> = Vec::new();
        let mut seen_party_ids: std::collections::HashMap<String, usize> = Default::default();
        for (i, p) in self.parties.into_iter().flatten().enumerate() {
            let party_id = p.party_id.filter(|id| !id.trim().is_empty());
            if let Some(id) = &party_id {
                if let Some(j) = seen_party_ids.insert(id.clone(), i) {
                    problems.push(format!(
                        "parties[{i}].partyId {id:?} is also parties[{j}].partyId"
                    ));
                }
            }
            party_ids.push(party_id);
            let user_id = p.user_id.as_ref().and_then(|id| {
                let n = id.numeric();
                if n.is_none() {
                    problems.push(format!("parties[{i}].userId {:?} is not a user id", id.0));
                }
                n.map(d::UserId)
            });
            // Choice: an account or opportunity sent on a party is the call's (Gong
            // renders those types only at call level; stored on the party they would make
            // strict clients reject the page), added to the call's context once.
            let (context, call_level): (Vec<d::CrmLink>, Vec<d::CrmLink>) = convert_context(
                &p.context,
                &format!("parties[{i}].context"),
                PARTY_UPLOAD_TYPES,
                &mut problems,
            )
            .into_iter()
            .partition(|l| PARTY_OBJECT_TYPES.contains(&l.object_type.as_str()));
            for link in call_level {
                let same = |l: &d::CrmLink| {
                    l.system == link.system
                        && l.object_type == link.object_type
                        && l.object_id == link.object_id
                };
                if !call_context.iter().any(same) {
                    call_context.push(link);
                }
            }
            let blank_to_none = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
            parties.push(d::NewParty {
                name: blank_to_none(p.name),
                email: blank_to_none(p.email_address),
                phone: blank_to_none(p.phone_number),
                user_id,
                title: blank_to_none(p.title),
                media_channel: p.media_channel_id,
                context,
            });
        }
        // Choice: a timeline is kept even when parties also give media channels (Gong: the
        // timeline wins); it is used when the recording is transcribed.
        let speakers_timeline = self
            .speakers_timeline
            .map(|t| t.into_domain(&party_ids, &mut problems));
        if !problems.is_empty() {
            return Err(problems);
        }
        let (Some(actual_start), Some(direction), Some(primary_user), Some(client_unique_id)) =
            (actual_start, direction, primary_user, self.client_unique_id)
        else {
            return Err(vec!["request is incomplete".to_owned()]);
        };
        Ok(d::NewCall {
            client_unique_id,
            actual_start,
            workspace_id,
            title: self.title,
            purpose: self.purpose,
            scheduled_start,
            scheduled_end,
            duration_s: self.duration,
            disposition: self.disposition,
            direction,
            primary_user,
            parties,
            context: call_context,
            custom_data: self.custom_data,
            meeting_url: self.meeting_url,
            call_provider_code: self.call_provider_code,
            download_media_url: self.download_media_url,
            language_code: self.language_code,
            speakers_timeline,
        })
    }
}

/// `PUT /v2/calls/{id}/media` response: the call the recording was added to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MediaUploaded {
    pub request_id: String,
    pub call_id: String,
    /// The call's page in Parley.
    pub url: String,
}

/// `POST /v2/calls` response.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewCallResponse {
    pub request_id: String,
    pub call_id: String,
    pub url: String,
}

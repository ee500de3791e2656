//! Engagement events (`PUT /v2/customer-engagement/content/viewed|shared`,
//! `PUT /v2/customer-engagement/action`) and digital interactions
//! (`POST /v2/digital-interaction`): decoding with every check the spec names, and
//! Parley's timeline view of stored events.
//!
//! Every field is read as optional and the required ones checked afterwards, so one 400
//! names every missing or malformed field at once.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use parley_domain::engagement::{
    CrmRef, EngagementEvent, EngagementKind, MAX_ENGAGEMENT_LIST, MAX_ENGAGEMENT_OBJECTS,
    MAX_ENGAGEMENT_TEXT,
};
use parley_domain::{EngagementId, Timestamp, WorkspaceId};

use crate::calls::RenderCtx;
use crate::{time, WireId};

/// `Actor` (and the recipients and participants of the same shape).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub email: Option<String>,
    pub name: Option<String>,
    pub title: Option<String>,
    pub context: Option<Vec<Context>>,
}

/// `Sharer`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Sharer {
    pub id: Option<WireId>,
    pub email: Option<String>,
    pub name: Option<String>,
}

/// `CallUploadContext` / `PartyUploadContext`: a CRM and objects in it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    pub system: Option<String>,
    pub objects: Option<Vec<ContextObject>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = EngagementContextObject)]
#[serde(rename_all = "camelCase")]
pub struct ContextObject {
    pub object_type: Option<String>,
    pub object_id: Option<WireId>,
}

/// A generic property: `{name, value, dataType}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Property {
    pub name: Option<String>,
    pub value: Option<Value>,
    pub data_type: Option<String>,
}

/// The body of the three customer-engagement endpoints (the union of their fields).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EngagementRequest {
    /// The system reporting the event (required).
    #[schema(value_type = String, min_length = 1)]
    pub reporting_system: Option<String>,
    /// When the event happened (required, ISO-8601).
    #[schema(value_type = String, format = DateTime)]
    pub event_timestamp: Option<String>,
    pub event_id: Option<String>,
    pub content_id: Option<String>,
    #[schema(pattern = "^https?://")]
    pub content_url: Option<String>,
    pub content_title: Option<String>,
    pub view_action_title: Option<String>,
    pub share_id: Option<String>,
    pub view_info_url: Option<String>,
    pub share_info_url: Option<String>,
    pub event_info_url: Option<String>,
    pub more_info_url: Option<String>,
    pub action_name: Option<String>,
    pub viewer: Option<Actor>,
    pub actor: Option<Actor>,
    pub sharer: Option<Sharer>,
    pub recipients: Option<Vec<Actor>>,
    pub non_company_participants: Option<Vec<Actor>>,
    pub crm_context: Option<Vec<Context>>,
    pub content_properties: Option<Vec<Property>>,
    pub event_properties: Option<Vec<Property>>,
    pub user_agent: Option<String>,
    pub mobile_app_id: Option<String>,
    #[schema(value_type = Option<String>, pattern = "^(Windows|Linux|MacOS|iOS|Android)$")]
    pub agent_platform: Option<String>,
    pub workspace_id: Option<WireId>,
    pub sharing_message_subject: Option<String>,
    pub sharing_message_body: Option<String>,
}

/// The body of `PUT /v2/customer-engagement/content/viewed` and `.../shared`: an
/// [`EngagementRequest`] whose `contentId`, `contentUrl` and `contentTitle` are required.
/// Schema only.
pub struct ContentEngagementRequest;

impl utoipa::PartialSchema for ContentEngagementRequest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::Schema;
        use utoipa::openapi::RefOr;
        let mut schema = <EngagementRequest as utoipa::PartialSchema>::schema();
        if let RefOr::T(Schema::Object(o)) = &mut schema {
            for name in ["contentId", "contentUrl", "contentTitle"] {
                if let Some(RefOr::T(Schema::Object(p))) = o.properties.get_mut(name) {
                    p.schema_type = utoipa::openapi::schema::SchemaType::Type(
                        utoipa::openapi::schema::Type::String,
                    );
                    p.min_length = Some(1);
                }
                o.required.push(name.to_owned());
            }
            o.description = Some(
                "A content view or share: the content's id, URL and title are required.".to_owned(),
            );
        }
        schema
    }
}

impl utoipa::ToSchema for ContentEngagementRequest {
    fn schemas(
        out: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <EngagementRequest as utoipa::ToSchema>::schemas(out);
    }
}

const AGENT_PLATFORMS: &[&str] = &["Windows", "Linux", "MacOS", "iOS", "Android"];

/// What a decoded event needs from the server besides the body.
pub struct EventContext {
    pub id: EngagementId,
    pub workspace_id: WorkspaceId,
    pub tz: Tz,
    pub recorded: Timestamp,
    /// The body as sent, kept with the event.
    pub detail: Value,
}

/// Collects the problems of one request.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn required<'a>(&mut self, name: &str, v: &'a Option<String>) -> Option<&'a str> {
        match v.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => {
                self.text(name, s);
                Some(s)
            }
            _ => {
                self.0.push(format!("{name} is required"));
                None
            }
        }
    }

    fn text(&mut self, name: &str, s: &str) {
        if s.chars().count() > MAX_ENGAGEMENT_TEXT {
            self.0.push(format!(
                "{name} has more than {MAX_ENGAGEMENT_TEXT} characters"
            ));
        }
    }

    fn optional<'a>(&mut self, name: &str, v: &'a Option<String>) -> Option<&'a str> {
        let s = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
        self.text(name, s);
        Some(s)
    }

    fn url(&mut self, name: &str, v: Option<&str>) {
        if let Some(u) = v {
            if !is_url(u) {
                self.0.push(format!("{name} {u:?} is not an http(s) URL"));
            }
        }
    }

    fn date(&mut self, name: &str, v: Option<&str>, tz: Tz) -> Option<Timestamp> {
        match time::parse_datetime(v?, tz) {
            Ok(t) => Some(t),
            Err(e) => {
                self.0.push(format!("{name}: {e}"));
                None
            }
        }
    }

    fn list<T>(&mut self, name: &str, v: &Option<Vec<T>>) {
        if v.as_ref().is_some_and(|l| l.len() > MAX_ENGAGEMENT_LIST) {
            self.0.push(format!(
                "{name} has more than {MAX_ENGAGEMENT_LIST} entries"
            ));
        }
    }
}

/// Whether `s` is an absolute http(s) URL with a host.
pub fn is_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// Whether a property's or custom field's value text parses as its data type
/// (names in any case: the engagement spec writes `number`, digital interactions
/// `NUMBER`).
fn value_fits(data_type: &str, v: &Value, tz: Tz) -> Result<(), String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return Err("must be a string".into()),
    };
    let ok = match data_type.to_ascii_lowercase().as_str() {
        "string" => true,
        "number" | "duration" => text.trim().parse::<f64>().is_ok_and(f64::is_finite),
        "date" => time::parse_datetime(&text, tz).is_ok(),
        "url" => is_url(text.trim()),
        "boolean" => matches!(text.trim().to_ascii_lowercase().as_str(), "true" | "false"),
        other => return Err(format!("has an unknown dataType {other:?}")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{text:?} is not a {data_type}"))
    }
}

fn check_properties(
    p: &mut Problems,
    name: &str,
    list: &Option<Vec<Property>>,
    types: &[&str],
    default_type: Option<&str>,
    tz: Tz,
) {
    p.list(name, list);
    for (i, prop) in list.iter().flatten().enumerate() {
        let at = format!("{name}[{i}]");
        if prop.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
            p.0.push(format!("{at}.name is required"));
        }
        let Some(value) = prop.value.as_ref().filter(|v| !v.is_null()) else {
            p.0.push(format!("{at}.value is required"));
            continue;
        };
        let Some(ty) = prop.data_type.as_deref().or(default_type) else {
            p.0.push(format!("{at}.dataType is required"));
            continue;
        };
        if !types.contains(&ty) {
            p.0.push(format!(
                "{at}.dataType {ty:?} is not one of {}",
                types.join(", ")
            ));
            continue;
        }
        if let Err(e) = value_fits(ty, value, tz) {
            p.0.push(format!("{at}.value {e}"));
        }
    }
}

/// The CRM objects of a list of contexts.
fn objects_of(p: &mut Problems, name: &str, ctx: &Option<Vec<Context>>, out: &mut Vec<CrmRef>) {
    p.list(name, ctx);
    for (i, c) in ctx.iter().flatten().enumerate() {
        p.list(&format!("{name}[{i}].objects"), &c.objects);
        for (j, o) in c.objects.iter().flatten().enumerate() {
            let at = format!("{name}[{i}].objects[{j}]");
            let ty = o
                .object_type
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty());
            let id = o
                .object_id
                .as_ref()
                .map(|i| i.0.trim())
                .filter(|i| !i.is_empty());
            match (ty, id) {
                (Some(ty), Some(id)) => {
                    p.text(&format!("{at}.objectId"), id);
                    p.text(&format!("{at}.objectType"), ty);
                    out.push(CrmRef {
                        system: c.system.clone().filter(|s| !s.trim().is_empty()),
                        object_type: ty.to_owned(),
                        object_id: id.to_owned(),
                    });
                }
                (None, _) => p.0.push(format!("{at}.objectType is required")),
                (_, None) => p.0.push(format!("{at}.objectId is required")),
            }
        }
    }
}

fn finish_objects(p: &mut Problems, mut objects: Vec<CrmRef>) -> Vec<CrmRef> {
    // One object named twice (on the event and on its actor) is one timeline entry.
    let mut seen = std::collections::HashSet::new();
    objects.retain(|o| seen.insert((o.object_type.to_ascii_lowercase(), o.object_id.clone())));
    if objects.len() > MAX_ENGAGEMENT_OBJECTS {
        p.0.push(format!(
            "the event names more than {MAX_ENGAGEMENT_OBJECTS} CRM objects"
        ));
    }
    objects
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

impl EngagementRequest {
    /// The workspace the body names, if any.
    pub fn workspace(&self) -> Option<&str> {
        self.workspace_id.as_ref().map(|w| w.0.as_str())
    }

    /// The event of `kind` (one of the three customer-engagement kinds), or every
    /// problem with the body.
    pub fn into_event(
        self,
        kind: EngagementKind,
        cx: EventContext,
    ) -> Result<EngagementEvent, Vec<String>> {
        let mut p = Problems::default();
        let source = p.required("reportingSystem", &self.reporting_system);
        let when = p.required("eventTimestamp", &self.event_timestamp);
        let at = p.date("eventTimestamp", when, cx.tz);
        let content_required = kind != EngagementKind::Action;
        let (content_id, content_url, title) = if content_required {
            (
                p.required("contentId", &self.content_id),
                p.required("contentUrl", &self.content_url),
                p.required("contentTitle", &self.content_title),
            )
        } else {
            (
                p.optional("contentId", &self.content_id),
                p.optional("contentUrl", &self.content_url),
                p.optional("contentTitle", &self.content_title),
            )
        };
        let _ = content_id;
        p.url("contentUrl", content_url);
        for (name, v) in [
            ("viewInfoUrl", &self.view_info_url),
            ("shareInfoUrl", &self.share_info_url),
            ("eventInfoUrl", &self.event_info_url),
            ("moreInfoUrl", &self.more_info_url),
        ] {
            let v = p.optional(name, v);
            p.url(name, v);
        }
        let event_id = p.optional("eventId", &self.event_id);
        let action = p.optional("actionName", &self.action_name);
        if let Some(platform) = self.agent_platform.as_deref() {
            if !AGENT_PLATFORMS.contains(&platform) {
                p.0.push(format!(
                    "agentPlatform {platform:?} is not one of {}",
                    AGENT_PLATFORMS.join(", ")
                ));
            }
        }
        if kind == EngagementKind::ContentShared {
            p.list("recipients", &self.recipients);
            for (i, r) in self.recipients.iter().flatten().enumerate() {
                if r.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
                    p.0.push(format!("recipients[{i}].email is required"));
                }
            }
        }
        p.list("nonCompanyParticipants", &self.non_company_participants);
        const PROPERTY_TYPES: &[&str] = &["number", "string", "url", "date"];
        check_properties(
            &mut p,
            "contentProperties",
            &self.content_properties,
            PROPERTY_TYPES,
            None,
            cx.tz,
        );
        check_properties(
            &mut p,
            "eventProperties",
            &self.event_properties,
            PROPERTY_TYPES,
            None,
            cx.tz,
        );

        // The person: who viewed or acted (the sharer shares: the recipients are the
        // people outside the company).
        let person = match kind {
            EngagementKind::ContentViewed => self.viewer.as_ref().and_then(|a| a.email.clone()),
            EngagementKind::Action => self.actor.as_ref().and_then(|a| a.email.clone()),
            _ => self
                .recipients
                .iter()
                .flatten()
                .find_map(|a| a.email.clone()),
        }
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty());
        if let Some(e) = &person {
            p.text("email", e);
        }

        let mut objects = Vec::new();
        objects_of(&mut p, "crmContext", &self.crm_context, &mut objects);
        for (name, actor) in [("viewer", &self.viewer), ("actor", &self.actor)] {
            if let Some(a) = actor {
                objects_of(&mut p, &format!("{name}.context"), &a.context, &mut objects);
            }
        }
        for (name, list) in [
            ("recipients", &self.recipients),
            ("nonCompanyParticipants", &self.non_company_participants),
        ] {
            for (i, a) in list.iter().flatten().enumerate() {
                objects_of(
                    &mut p,
                    &format!("{name}[{i}].context"),
                    &a.context,
                    &mut objects,
                );
            }
        }
        let objects = finish_objects(&mut p, objects);

        match (p.0.is_empty(), source, at) {
            (true, Some(source), Some(at)) => Ok(EngagementEvent {
                id: cx.id,
                kind,
                workspace_id: cx.workspace_id,
                source: source.to_owned(),
                event_id: owned(event_id),
                at,
                title: owned(title),
                url: owned(content_url),
                action: owned(action.or(self.view_action_title.as_deref())),
                person_email: person,
                objects,
                detail: cx.detail,
                recorded: cx.recorded,
            }),
            _ => Err(p.0),
        }
    }
}

/// `POST /v2/digital-interaction`'s body.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DigitalInteractionRequest {
    /// The event's id in the reporting system (required).
    #[schema(value_type = String, min_length = 1)]
    pub event_id: Option<String>,
    /// When it happened (required, ISO-8601).
    #[schema(value_type = String, format = DateTime)]
    pub timestamp: Option<String>,
    /// What happened, e.g. `page-view` (required).
    #[schema(value_type = String, min_length = 1)]
    pub event_type: Option<String>,
    /// What the person interacted with (required).
    #[schema(value_type = DiContent)]
    pub content: Option<DiContent>,
    /// Who interacted (required).
    #[schema(value_type = DiPerson)]
    pub person: Option<DiPerson>,
    pub source_system_name: Option<String>,
    pub session_id: Option<String>,
    #[schema(value_type = Option<String>, pattern = "^(MOBILE|PC)$")]
    pub device: Option<String>,
    pub custom_fields: Option<Vec<Property>>,
    /// UMG sends it; kept in the event's detail.
    pub tracking_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiContent {
    /// The content's title (required).
    #[schema(value_type = String, min_length = 1)]
    pub content_title: Option<String>,
    pub content_id: Option<String>,
    pub content_label: Option<Vec<String>>,
    pub content_url: Option<String>,
    pub content_additional_info_url: Option<String>,
    pub numeric_content_details: Option<Numeric>,
    pub step_content_details: Option<Steps>,
    pub search_object_details: Option<SearchObject>,
    pub content_custom_fields: Option<Vec<Property>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Numeric {
    pub value: Option<f64>,
    pub range_from: Option<f64>,
    pub range_to: Option<f64>,
    pub numeric_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Steps {
    pub value: Option<String>,
    pub available_steps: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchObject {
    pub name: Option<String>,
    pub object_type: Option<String>,
    pub domain: Option<String>,
    pub object_id: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiPerson {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub person_id: Option<String>,
    pub person_business_context: Option<BusinessContext>,
    pub location: Option<Value>,
    pub company: Option<DiCompany>,
    pub person_custom_fields: Option<Vec<Property>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BusinessContext {
    pub object_type: Option<String>,
    pub object_id: Option<WireId>,
    pub system_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiCompany {
    pub company_id: Option<String>,
    pub name: Option<String>,
    pub domain: Option<String>,
    pub company_business_contexts: Option<Vec<BusinessContext>>,
}

const CUSTOM_TYPES: &[&str] = &["STRING", "NUMBER", "DATE", "URL", "BOOLEAN", "DURATION"];

fn one_of(p: &mut Problems, name: &str, v: Option<&str>, allowed: &[&str]) {
    if let Some(v) = v {
        if !allowed.contains(&v) {
            p.0.push(format!("{name} {v:?} is not one of {}", allowed.join(", ")));
        }
    }
}

/// A business context's CRM object: `objectType` from `allowed`, `objectId` required.
fn business_object(
    p: &mut Problems,
    name: &str,
    c: &BusinessContext,
    allowed: &[&str],
) -> Option<CrmRef> {
    let ty = c
        .object_type
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let id = c
        .object_id
        .as_ref()
        .map(|i| i.0.trim())
        .filter(|i| !i.is_empty());
    if ty.is_none() {
        p.0.push(format!("{name}.objectType is required"));
    }
    if id.is_none() {
        p.0.push(format!("{name}.objectId is required"));
    }
    one_of(p, &format!("{name}.objectType"), ty, allowed);
    let (ty, id) = (ty?, id?);
    p.text(&format!("{name}.objectId"), id);
    Some(CrmRef {
        system: c.system_name.clone().filter(|s| !s.trim().is_empty()),
        object_type: ty.to_owned(),
        object_id: id.to_owned(),
    })
}

impl DigitalInteractionRequest {
    /// The interaction as an event, or every problem with the body.
    ///
    /// Choice: `person` must name someone (an `email`, `phoneNumber` or `personId`): an
    /// interaction of nobody cannot be on anyone's timeline. Gong's minimal accepted body
    /// carries an email.
    pub fn into_event(self, cx: EventContext) -> Result<EngagementEvent, Vec<String>> {
        let mut p = Problems::default();
        let event_id = p.required("eventId", &self.event_id);
        let when = p.required("timestamp", &self.timestamp);
        let at = p.date("timestamp", when, cx.tz);
        let event_type = p.required("eventType", &self.event_type);
        let source = p.optional("sourceSystemName", &self.source_system_name);
        p.optional("sessionId", &self.session_id);
        one_of(&mut p, "device", self.device.as_deref(), &["MOBILE", "PC"]);
        check_properties(
            &mut p,
            "customFields",
            &self.custom_fields,
            CUSTOM_TYPES,
            Some("STRING"),
            cx.tz,
        );

        let mut title = None;
        let mut url = None;
        match &self.content {
            None => p.0.push("content is required".into()),
            Some(c) => {
                title = p.required("content.contentTitle", &c.content_title);
                p.optional("content.contentId", &c.content_id);
                url = p.optional("content.contentUrl", &c.content_url);
                p.url("content.contentUrl", url);
                let more = p.optional(
                    "content.contentAdditionalInfoUrl",
                    &c.content_additional_info_url,
                );
                p.url("content.contentAdditionalInfoUrl", more);
                p.list("content.contentLabel", &c.content_label);
                if let Some(n) = &c.numeric_content_details {
                    if n.range_from.is_none() {
                        p.0.push("content.numericContentDetails.rangeFrom is required".into());
                    }
                    if n.range_to.is_none() {
                        p.0.push("content.numericContentDetails.rangeTo is required".into());
                    }
                    one_of(
                        &mut p,
                        "content.numericContentDetails.numericType",
                        n.numeric_type.as_deref(),
                        &["PERCENTAGE", "NPS", "RATING", "OTHER"],
                    );
                }
                if let Some(s) = &c.step_content_details {
                    p.required("content.stepContentDetails.value", &s.value);
                    if s.available_steps.is_none() {
                        p.0.push("content.stepContentDetails.availableSteps is required".into());
                    }
                    p.list(
                        "content.stepContentDetails.availableSteps",
                        &s.available_steps,
                    );
                }
                if let Some(s) = &c.search_object_details {
                    p.required("content.searchObjectDetails.name", &s.name);
                    let ty = p.required("content.searchObjectDetails.objectType", &s.object_type);
                    one_of(
                        &mut p,
                        "content.searchObjectDetails.objectType",
                        ty,
                        &["VENDOR", "PRODUCT", "CATEGORY"],
                    );
                    p.required("content.searchObjectDetails.domain", &s.domain);
                }
                check_properties(
                    &mut p,
                    "content.contentCustomFields",
                    &c.content_custom_fields,
                    CUSTOM_TYPES,
                    Some("STRING"),
                    cx.tz,
                );
            }
        }

        let mut objects = Vec::new();
        let mut person_email = None;
        match &self.person {
            None => p.0.push("person is required".into()),
            Some(person) => {
                person_email = p.optional("person.email", &person.email).map(str::to_owned);
                let phone = p.optional("person.phoneNumber", &person.phone_number);
                let id = p.optional("person.personId", &person.person_id);
                p.optional("person.name", &person.name);
                if person_email.is_none() && phone.is_none() && id.is_none() {
                    p.0.push("person needs an email, phoneNumber or personId".into());
                }
                if let Some(c) = &person.person_business_context {
                    objects.extend(business_object(
                        &mut p,
                        "person.personBusinessContext",
                        c,
                        &["CONTACT", "LEAD"],
                    ));
                }
                if let Some(company) = &person.company {
                    p.list(
                        "person.company.companyBusinessContexts",
                        &company.company_business_contexts,
                    );
                    for (i, c) in company
                        .company_business_contexts
                        .iter()
                        .flatten()
                        .enumerate()
                    {
                        objects.extend(business_object(
                            &mut p,
                            &format!("person.company.companyBusinessContexts[{i}]"),
                            c,
                            &["ACCOUNT", "OPPORTUNITY"],
                        ));
                    }
                }
                check_properties(
                    &mut p,
                    "person.personCustomFields",
                    &person.person_custom_fields,
                    CUSTOM_TYPES,
                    Some("STRING"),
                    cx.tz,
                );
            }
        }
        let objects = finish_objects(&mut p, objects);

        match (p.0.is_empty(), at) {
            (true, Some(at)) => Ok(EngagementEvent {
                id: cx.id,
                kind: EngagementKind::DigitalInteraction,
                workspace_id: cx.workspace_id,
                // Choice: an interaction without `sourceSystemName` is from the source
                // "" (its `eventId` still de-duplicates among such events).
                source: source.unwrap_or_default().to_owned(),
                event_id: owned(event_id),
                at,
                title: owned(title),
                url: owned(url),
                action: owned(event_type),
                person_email,
                objects,
                detail: cx.detail,
                recorded: cx.recorded,
            }),
            _ => Err(p.0),
        }
    }
}

/// The answer to every engagement write: `{"requestId": ...}`.
///
/// Choice: only `requestId`. The 2024 spec names a CRM-registration schema here
/// (`requestId` + `integrationId`), a copy error; the 2023 spec and real answers of
/// digital interactions carry only the request id.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EngagementAccepted {
    pub request_id: String,
}

/// A CRM object in Parley's timeline view.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectView {
    pub system: Option<String>,
    pub object_type: String,
    pub object_id: String,
}

/// One event of `/parley/v1/engagement` (Parley's own view, Gong's field names where
/// they exist).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EngagementView {
    pub id: String,
    /// `content-viewed`, `content-shared`, `action`, `digital-interaction`.
    pub kind: &'static str,
    pub workspace_id: String,
    pub reporting_system: String,
    pub event_id: Option<String>,
    pub event_timestamp: String,
    pub content_title: Option<String>,
    pub content_url: Option<String>,
    pub action_name: Option<String>,
    pub email: Option<String>,
    pub objects: Vec<ObjectView>,
    pub detail: Value,
    pub recorded: String,
}

impl EngagementView {
    pub fn from_domain(e: &EngagementEvent, ctx: &RenderCtx) -> Self {
        EngagementView {
            id: e.id.to_string(),
            kind: e.kind.key(),
            workspace_id: e.workspace_id.to_string(),
            reporting_system: e.source.clone(),
            event_id: e.event_id.clone(),
            event_timestamp: ctx.time(e.at),
            content_title: e.title.clone(),
            content_url: e.url.clone(),
            action_name: e.action.clone(),
            email: e.person_email.clone(),
            objects: e
                .objects
                .iter()
                .map(|o| ObjectView {
                    system: o.system.clone(),
                    object_type: o.object_type.clone(),
                    object_id: o.object_id.clone(),
                })
                .collect(),
            detail: e.detail.clone(),
            recorded: ctx.time(e.recorded),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use serde_json::json;

    fn cx() -> EventContext {
        EventContext {
            id: EngagementId(1),
            workspace_id: WorkspaceId(2),
            tz: chrono_tz::UTC,
            recorded: Utc::now(),
            detail: json!({}),
        }
    }

    fn viewed(body: Value) -> Result<EngagementEvent, Vec<String>> {
        let r: EngagementRequest = crate::from_json(body.to_string().as_bytes()).unwrap();
        r.into_event(EngagementKind::ContentViewed, cx())
    }

    #[test]
    fn a_viewed_event_needs_its_fields_and_valid_properties() {
        let errors = viewed(json!({})).unwrap_err();
        for field in [
            "reportingSystem",
            "eventTimestamp",
            "contentId",
            "contentUrl",
            "contentTitle",
        ] {
            assert!(
                errors.iter().any(|e| e == &format!("{field} is required")),
                "{errors:?}"
            );
        }
        let ok = viewed(json!({
            "reportingSystem": "docsend", "eventTimestamp": "2026-01-02T10:00:00Z",
            "contentId": "d1", "contentUrl": "https://docs.example.com/d1", "contentTitle": "Deck",
            "viewer": {"email": "Buyer@Customer.example.com", "context": [{"system": "Salesforce",
                "objects": [{"objectType": "Contact", "objectId": "003X"}]}]},
            "crmContext": [{"system": "Salesforce", "objects": [{"objectType": "Account", "objectId": 1234}]}],
            "contentProperties": [{"name": "pages", "value": "12", "dataType": "number"}]
        }))
        .unwrap();
        assert_eq!(ok.objects.len(), 2);
        assert_eq!(ok.objects[0].object_id, "1234");
        assert_eq!(
            ok.person_email.as_deref(),
            Some("Buyer@Customer.example.com")
        );
        let bad = viewed(json!({
            "reportingSystem": "docsend", "eventTimestamp": "yesterday",
            "contentId": "d1", "contentUrl": "docs/d1", "contentTitle": "Deck",
            "agentPlatform": "BeOS",
            "contentProperties": [{"name": "pages", "value": "twelve", "dataType": "number"},
                                  {"name": "x", "value": "1", "dataType": "money"}]
        }))
        .unwrap_err();
        assert_eq!(bad.len(), 5, "{bad:?}");
    }

    #[test]
    fn a_digital_interaction_needs_its_fields() {
        let di = |body: Value| {
            let r: DigitalInteractionRequest =
                crate::from_json(body.to_string().as_bytes()).unwrap();
            r.into_event(cx())
        };
        let errors = di(json!({})).unwrap_err();
        assert_eq!(errors.len(), 5, "{errors:?}");
        let ok = di(json!({"eventId": "e", "timestamp": "2026-01-02T10:00:00Z", "eventType": "page viewed",
            "content": {"contentTitle": "Pricing"}, "person": {"email": "a@b.example.com",
            "company": {"companyBusinessContexts": [{"objectType": "ACCOUNT", "objectId": "001"}]}}}))
        .unwrap();
        assert_eq!(ok.objects[0].object_type, "ACCOUNT");
        let bad = di(json!({"eventId": "e", "timestamp": "2026-01-02T10:00:00Z", "eventType": "x",
            "device": "TV", "content": {"contentTitle": "P", "numericContentDetails": {"value": 3}},
            "person": {"name": "Anon", "personBusinessContext": {"objectType": "ACCOUNT", "objectId": "1"}},
            "customFields": [{"name": "ok", "value": "yes", "dataType": "BOOLEAN"}]}))
        .unwrap_err();
        assert_eq!(bad.len(), 6, "{bad:?}");
    }

    #[test]
    fn urls_are_absolute_http() {
        assert!(is_url("https://a.example.com/x?y"));
        assert!(!is_url("https:///x") && !is_url("ftp://a") && !is_url("https://a b"));
    }
}

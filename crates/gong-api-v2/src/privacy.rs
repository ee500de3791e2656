//! Data privacy (reference §11): what Parley holds about an e-mail address or phone number,
//! and the erase requests' answer.

use serde::{Deserialize, Serialize};

/// `?emailAddress=` (GET and the erase POST); the erase POST also reads it from a JSON body.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmailQuery {
    /// The email address (required).
    #[param(required = true, min_length = 1)]
    #[serde(rename = "emailAddress")]
    pub email_address: Option<String>,
}

/// `?phoneNumber=` (GET and the erase POST); the erase POST also reads it from a JSON body.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PhoneQuery {
    /// The phone number, in any formatting (required).
    #[param(required = true, min_length = 1)]
    #[serde(rename = "phoneNumber")]
    pub phone_number: Option<String>,
}

/// A call that references the person.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrivacyCall {
    pub id: String,
    /// Choice: Gong's value set is undocumented; every call Parley stores is a held
    /// conversation, so `COMPLETED`, the value Gong's own example shows.
    pub status: &'static str,
    /// Choice: Gong lists the CRM activity records (`Task`, `Conversation`) it wrote for
    /// the call; Parley writes none to a CRM, so this is always empty.
    pub external_systems: Vec<serde_json::Value>,
}

/// A CRM object whose fields hold the address or number.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerObject {
    pub id: String,
    pub object_type: String,
    pub external_id: String,
    pub mirror_id: String,
    pub fields: Vec<NameValue>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct NameValue {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CustomerData {
    pub system: String,
    pub objects: Vec<CustomerObject>,
}

/// A company user with that address or number.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PrivacyUser {
    pub id: String,
}

/// A meeting that references the person.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PrivacyMeeting {
    pub id: String,
}

pub fn meetings(ids: impl IntoIterator<Item = i64>) -> Vec<PrivacyMeeting> {
    ids.into_iter()
        .map(|id| PrivacyMeeting { id: id.to_string() })
        .collect()
}

/// An engagement event by or about the person (`customerEngagement[]`).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrivacyEngagement {
    /// `contentViewed`, `contentShared`, `customEvent` (an action) or `digitalInteraction`.
    pub event_type: &'static str,
    pub timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_url: Option<String>,
    /// Absent when the sender named none (a digital interaction may not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporting_system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_event_id: Option<String>,
}

impl PrivacyEngagement {
    pub fn of(e: &parley_domain::engagement::EngagementEvent, tz: chrono_tz::Tz) -> Self {
        use parley_domain::engagement::EngagementKind as K;
        let text = |key: &str| match e.detail.get(key)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        };
        PrivacyEngagement {
            event_type: match e.kind {
                K::ContentViewed => "contentViewed",
                K::ContentShared => "contentShared",
                K::Action => "customEvent",
                K::DigitalInteraction => "digitalInteraction",
            },
            timestamp: crate::time::format(e.at, tz),
            content_id: text("contentId"),
            content_url: e.url.clone(),
            reporting_system: Some(e.source.clone()).filter(|s| !s.trim().is_empty()),
            // Choice: an action's name; else the content's title or the interaction type.
            event_name: e.action.clone().or_else(|| e.title.clone()),
            source_event_id: e.event_id.clone(),
        }
    }
}

/// A CRM object found, as the use case reports it.
#[derive(Debug, Clone)]
pub struct FoundObject<'a> {
    pub pk: i64,
    pub system: parley_domain::CrmSystem,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub fields: &'a [(String, String)],
}

/// Groups objects by system. Choice: only `Contact` and `Lead` objects are listed, the
/// two types Gong's schema allows here (a strict client would reject a page with an
/// `Account`); the erase report (`/parley/v1/data-privacy/erasures`) counts them all.
pub fn customer_data(objects: &[FoundObject<'_>]) -> Vec<CustomerData> {
    let mut out: Vec<CustomerData> = Vec::new();
    for o in objects {
        let object_type = if o.object_type.eq_ignore_ascii_case("contact") {
            "Contact"
        } else if o.object_type.eq_ignore_ascii_case("lead") {
            "Lead"
        } else {
            continue;
        };
        let object = CustomerObject {
            id: o.pk.to_string(),
            object_type: object_type.to_owned(),
            external_id: o.object_id.to_owned(),
            // Choice: Parley keeps no mirror of its own; the CRM's id stands in.
            mirror_id: o.object_id.to_owned(),
            fields: o
                .fields
                .iter()
                .map(|(name, value)| NameValue {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect(),
        };
        let system = crate::calls::crm_system_str(o.system);
        match out.iter_mut().find(|d| d.system == system) {
            Some(d) => d.objects.push(object),
            None => out.push(CustomerData {
                system: system.to_owned(),
                objects: vec![object],
            }),
        }
    }
    out
}

pub fn calls(ids: impl IntoIterator<Item = i64>) -> Vec<PrivacyCall> {
    ids.into_iter()
        .map(|id| PrivacyCall {
            id: id.to_string(),
            status: "COMPLETED",
            external_systems: Vec::new(),
        })
        .collect()
}

/// `GET /v2/data-privacy/data-for-email-address`.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataForEmail {
    pub request_id: String,
    /// Choice: Parley imports no e-mail messages, so always empty.
    pub emails: Vec<serde_json::Value>,
    /// Calls where the person is a party, and calls whose transcript or fields mention
    /// the address.
    pub calls: Vec<PrivacyCall>,
    /// Meetings the person is invited to, or whose title or URL holds the address.
    pub meetings: Vec<PrivacyMeeting>,
    pub customer_data: Vec<CustomerData>,
    /// Engagement events by the person or holding the address.
    pub customer_engagement: Vec<PrivacyEngagement>,
    /// Choice: not in Gong's answer (Gong's users are not data subjects there); Parley
    /// adds the company users with this address so an admin sees every reference.
    /// Clients ignore fields they do not know (reference §2.3).
    pub users: Vec<PrivacyUser>,
}

/// `GET /v2/data-privacy/data-for-phone-number`.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataForPhone {
    pub request_id: String,
    pub emails: Vec<serde_json::Value>,
    pub calls: Vec<PrivacyCall>,
    pub meetings: Vec<PrivacyMeeting>,
    pub customer_data: Vec<CustomerData>,
    /// As the client sent it.
    pub supplied_phone_number: String,
    /// The numbers as stored (each spelling once) that are this number.
    pub matching_phone_numbers: Vec<String>,
    /// E-mail addresses stored with a matching number (a party's, a user's).
    pub email_addresses: Vec<String>,
    /// Choice: as in [`DataForEmail::users`].
    pub users: Vec<PrivacyUser>,
}

/// The answer to an erase request. Gong answers `{requestId}` at once and erases within
/// hours.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EraseAccepted {
    pub request_id: String,
    /// Choice: not in Gong's answer; the erasure whose report
    /// `/parley/v1/data-privacy/erasures/{id}` shows once its job has run.
    pub erasure_id: String,
}

/// The body of `POST /parley/v1/data-privacy/erasures` (and `parley privacy erase
/// --file`): exactly one of the address and the number.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EraseBody {
    pub email_address: Option<String>,
    pub phone_number: Option<String>,
    #[serde(default)]
    pub dry_run: bool,
}

/// An erasure as Parley shows it (`/parley/v1/data-privacy/erasures`). The address itself
/// is never shown: only its masked form.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErasureView {
    pub id: String,
    /// `email` or `phone`.
    pub kind: &'static str,
    /// `c***@example.com`, `+1•••••••111`.
    pub subject: String,
    pub dry_run: bool,
    /// `queued`, `done`, `failed`.
    pub state: &'static str,
    pub requested_by: String,
    pub requested: String,
    pub finished: Option<String>,
    pub job_id: Option<String>,
    /// What the erase found and did (or, in a dry run, would do); ids and counts only.
    #[schema(value_type = Option<ErasureReportSchema>)]
    pub report: Option<parley_domain::privacy::ErasureReport>,
    pub error: Option<String>,
}

/// `parley_domain::privacy::ErasureReport`'s JSON form, for the OpenAPI document.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ErasureReport)]
#[allow(dead_code)]
struct ErasureReportSchema {
    found: ErasureFound,
    done: ErasureDone,
}

/// What references the person.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct ErasureFound {
    /// Calls where the person is a party.
    calls_as_party: Vec<String>,
    /// Calls whose transcript mentions the address or number.
    calls_mentioning: Vec<String>,
    /// Calls whose own fields (title, purpose, custom data…) hold it.
    calls_with_fields: Vec<String>,
    parties: u64,
    transcript_sentences: u64,
    users: Vec<String>,
    /// CRM objects whose fields hold it.
    crm_objects: u64,
    audit_entries: u64,
    /// Rows of other tables, by table.
    other: std::collections::BTreeMap<String, u64>,
}

/// What was (or, in a dry run, would be) done.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct ErasureDone {
    /// Calls deleted with everything they hold: the person was their only outside party.
    calls_deleted: Vec<String>,
    /// Recordings deleted from calls that were kept.
    recordings_deleted: Vec<String>,
    parties_removed: u64,
    /// Sentences the person spoke, removed.
    sentences_removed: u64,
    /// Sentences that mention the address or number, kept with it replaced by `[erased]`.
    sentences_redacted: u64,
    /// Voice embeddings of the person's speakers.
    voices_removed: u64,
    /// Calls whose analysis was deleted and queued again.
    calls_reanalysed: Vec<String>,
    /// Company users whose address or number was replaced.
    users_anonymised: Vec<String>,
    /// Rows whose text was redacted, by table.
    rows_redacted: std::collections::BTreeMap<String, u64>,
    /// Rows that were the person's own and were deleted, by table (absent when none).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    rows_deleted: std::collections::BTreeMap<String, u64>,
}

impl ErasureView {
    pub fn of(e: parley_domain::privacy::Erasure) -> ErasureView {
        let t =
            |t: parley_domain::Timestamp| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        ErasureView {
            id: e.id.to_string(),
            kind: e.kind.key(),
            subject: e.masked,
            dry_run: e.dry_run,
            state: e.state.key(),
            requested_by: e.requested_by,
            requested: t(e.requested),
            finished: e.finished.map(t),
            job_id: e.job_id.map(|j| j.to_string()),
            report: e.report,
            error: e.error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_for_an_address_in_gongs_shape() {
        let fields = vec![("Email".to_owned(), "carl@customer.example.com".to_owned())];
        let objects = [
            FoundObject {
                pk: 7,
                system: parley_domain::CrmSystem::Salesforce,
                object_type: "contact",
                object_id: "003A",
                fields: &fields,
            },
            FoundObject {
                pk: 8,
                system: parley_domain::CrmSystem::Salesforce,
                object_type: "Account",
                object_id: "001A",
                fields: &fields,
            },
        ];
        let viewed = parley_domain::engagement::EngagementEvent {
            id: parley_domain::EngagementId(5),
            kind: parley_domain::engagement::EngagementKind::ContentViewed,
            workspace_id: parley_domain::WorkspaceId(1),
            source: "Highspot".into(),
            event_id: Some("ev-77".into()),
            at: chrono::DateTime::parse_from_rfc3339("2026-03-04T15:00:00Z")
                .unwrap()
                .into(),
            title: Some("Pricing deck".into()),
            url: Some("https://content.example.com/deck".into()),
            action: None,
            person_email: Some("carl@customer.example.com".into()),
            objects: vec![],
            detail: serde_json::json!({"contentId": 991, "contentTitle": "Pricing deck"}),
            recorded: chrono::DateTime::parse_from_rfc3339("2026-03-04T15:00:01Z")
                .unwrap()
                .into(),
        };
        let email = DataForEmail {
            request_id: "4al018gzaztcr8nbukw".into(),
            emails: vec![],
            calls: calls([7782342274025937895]),
            meetings: meetings([3141592653589793238]),
            customer_data: customer_data(&objects),
            customer_engagement: vec![PrivacyEngagement::of(&viewed, chrono_tz::America::New_York)],
            users: vec![PrivacyUser {
                id: "1234567890123456789".into(),
            }],
        };
        insta::assert_json_snapshot!("data_for_email", email);
        let phone = DataForPhone {
            request_id: "4al018gzaztcr8nbukw".into(),
            emails: vec![],
            calls: vec![],
            meetings: vec![],
            customer_data: vec![],
            supplied_phone_number: "+1 (555) 000-1111".into(),
            matching_phone_numbers: vec!["+15550001111".into()],
            email_addresses: vec!["carl@customer.example.com".into()],
            users: vec![],
        };
        insta::assert_json_snapshot!("data_for_phone", phone);
        let accepted = EraseAccepted {
            request_id: "glg28nz2xrc8xl9eqo1".into(),
            erasure_id: "42".into(),
        };
        insta::assert_json_snapshot!("erase_accepted", accepted);
    }
}

#[cfg(test)]
mod report_schema_tests {
    use super::*;
    use utoipa::PartialSchema;

    fn properties<S: PartialSchema>() -> Vec<String> {
        let v = serde_json::to_value(S::schema()).unwrap();
        let mut keys: Vec<String> = v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    fn keys(v: &serde_json::Value) -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    }

    /// The schema mirrors the domain's report: a field added there must be added here.
    #[test]
    fn the_erasure_report_schema_has_the_reports_fields() {
        let mut report = parley_domain::privacy::ErasureReport::default();
        report.done.rows_deleted.insert("t".into(), 1);
        let v = serde_json::to_value(&report).unwrap();
        assert_eq!(keys(&v), properties::<ErasureReportSchema>());
        assert_eq!(keys(&v["found"]), properties::<ErasureFound>());
        assert_eq!(keys(&v["done"]), properties::<ErasureDone>());
    }
}

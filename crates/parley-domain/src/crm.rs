//! The generic CRM integration: a workspace's integration, the fields it declares per
//! object type, the objects it uploads (accounts, contacts, deals, leads, users, stages),
//! the state of each upload, and manual call associations. Pure rules: reading one line
//! of an upload against the declared fields, and which uploaded values a call's CRM
//! context shows.

use serde_json::{Map, Value};

use crate::{CallId, CrmLink, CrmSystem, Timestamp, UserId, WorkspaceId};

/// The object types an integration uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CrmObjectType {
    Account,
    Contact,
    Deal,
    Lead,
    BusinessUser,
    Stage,
}

impl CrmObjectType {
    pub const ALL: [CrmObjectType; 6] = [
        CrmObjectType::Account,
        CrmObjectType::Contact,
        CrmObjectType::Deal,
        CrmObjectType::Lead,
        CrmObjectType::BusinessUser,
        CrmObjectType::Stage,
    ];

    /// The stored key; also the integration's own spelling of the type.
    pub fn key(self) -> &'static str {
        match self {
            CrmObjectType::Account => "ACCOUNT",
            CrmObjectType::Contact => "CONTACT",
            CrmObjectType::Deal => "DEAL",
            CrmObjectType::Lead => "LEAD",
            CrmObjectType::BusinessUser => "BUSINESS_USER",
            CrmObjectType::Stage => "STAGE",
        }
    }

    /// Case-sensitive, as the integration API is.
    pub fn from_key(key: &str) -> Option<CrmObjectType> {
        CrmObjectType::ALL.into_iter().find(|t| t.key() == key)
    }

    /// The object type a call's context calls objects of this type, if calls link to it.
    pub fn context_type(self) -> Option<&'static str> {
        match self {
            CrmObjectType::Account => Some("Account"),
            CrmObjectType::Deal => Some("Opportunity"),
            CrmObjectType::Contact => Some("Contact"),
            CrmObjectType::Lead => Some("Lead"),
            CrmObjectType::BusinessUser => Some("User"),
            CrmObjectType::Stage => None,
        }
    }

    /// The reverse of [`context_type`](Self::context_type).
    pub fn of_context_type(t: &str) -> Option<CrmObjectType> {
        CrmObjectType::ALL
            .into_iter()
            .find(|o| o.context_type() == Some(t))
    }

    /// The built-in fields of a line of this type, with their types; `objectId`,
    /// `modifiedDate`, `isDeleted` and `url` are common to all.
    fn builtin(self) -> &'static [(&'static str, Builtin)] {
        use Builtin::*;
        match self {
            CrmObjectType::BusinessUser => &[("emailAddress", RequiredText)],
            CrmObjectType::Account => &[("name", Text), ("domains", TextList)],
            CrmObjectType::Contact => &[
                ("accountId", Text),
                ("emailAddress", Text),
                ("firstName", Text),
                ("lastName", Text),
                ("title", Text),
                ("phoneNumber", Text),
            ],
            CrmObjectType::Deal => &[
                ("accountId", Text),
                ("ownerId", Text),
                ("name", Text),
                ("createdDate", Date),
                ("closeDate", Date),
                ("status", DealStatus),
                ("stage", Text),
                ("amount", Number),
            ],
            CrmObjectType::Lead => &[
                ("emailAddress", Text),
                ("firstName", Text),
                ("lastName", Text),
                ("title", Text),
                ("phoneNumber", Text),
                ("convertedToDealId", Text),
                ("convertedToContactId", Text),
                ("convertedToAccountId", Text),
            ],
            CrmObjectType::Stage => &[
                ("name", RequiredText),
                ("isActive", Bool),
                ("sortOrder", Number),
            ],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Builtin {
    Text,
    RequiredText,
    TextList,
    Date,
    Number,
    Bool,
    DealStatus,
}

/// The type of a declared field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrmFieldType {
    Date,
    DateTime,
    Number,
    Percent,
    Currency,
    Id,
    Url,
    String,
    Boolean,
    PhoneNumber,
    EmailAddress,
    Picklist,
    Reference,
    StringArray,
}

impl CrmFieldType {
    pub const ALL: [CrmFieldType; 14] = [
        CrmFieldType::Date,
        CrmFieldType::DateTime,
        CrmFieldType::Number,
        CrmFieldType::Percent,
        CrmFieldType::Currency,
        CrmFieldType::Id,
        CrmFieldType::Url,
        CrmFieldType::String,
        CrmFieldType::Boolean,
        CrmFieldType::PhoneNumber,
        CrmFieldType::EmailAddress,
        CrmFieldType::Picklist,
        CrmFieldType::Reference,
        CrmFieldType::StringArray,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CrmFieldType::Date => "DATE",
            CrmFieldType::DateTime => "DATETIME",
            CrmFieldType::Number => "NUMBER",
            CrmFieldType::Percent => "PERCENT",
            CrmFieldType::Currency => "CURRENCY",
            CrmFieldType::Id => "ID",
            CrmFieldType::Url => "URL",
            CrmFieldType::String => "STRING",
            CrmFieldType::Boolean => "BOOLEAN",
            CrmFieldType::PhoneNumber => "PHONENUMBER",
            CrmFieldType::EmailAddress => "EMAILADDRESS",
            CrmFieldType::Picklist => "PICKLIST",
            CrmFieldType::Reference => "REFERENCE",
            CrmFieldType::StringArray => "STRINGARRAY",
        }
    }

    pub fn from_key(key: &str) -> Option<CrmFieldType> {
        CrmFieldType::ALL.into_iter().find(|t| t.key() == key)
    }
}

/// A field an integration declared for one object type.
#[derive(Debug, Clone, PartialEq)]
pub struct CrmSchemaField {
    pub name: String,
    pub label: String,
    pub field_type: CrmFieldType,
    pub last_modified: Option<Timestamp>,
    pub is_deleted: bool,
    /// For `REFERENCE` fields: `ACCOUNT`, `CONTACT`, `DEAL`, `LEAD` or `USER`.
    pub reference_to: Option<String>,
    /// For `PICKLIST` fields: the allowed values in order.
    pub ordered_values: Option<Vec<String>>,
}

/// Most fields one object type may declare.
pub const MAX_SCHEMA_FIELDS: usize = 500;
/// Longest field name, label or picklist value.
pub const MAX_SCHEMA_TEXT: usize = 255;
/// Most values of a picklist.
pub const MAX_PICKLIST_VALUES: usize = 1_000;
/// Longest `objectId`.
pub const MAX_OBJECT_ID_LEN: usize = 64;
/// Errors kept per request (Gong reports at most 20).
pub const MAX_REPORTED_ERRORS: usize = 20;

/// Checks a schema upload: every problem found, each naming the field's position.
pub fn validate_schema(fields: &[CrmSchemaField]) -> Vec<String> {
    let mut problems = Vec::new();
    if fields.len() > MAX_SCHEMA_FIELDS {
        problems.push(format!(
            "at most {MAX_SCHEMA_FIELDS} fields may be declared per object type"
        ));
        return problems;
    }
    for (i, f) in fields.iter().enumerate() {
        if f.name.trim().is_empty() || f.name.chars().count() > MAX_SCHEMA_TEXT {
            problems.push(format!(
                "[{i}].uniqueName must be 1 to {MAX_SCHEMA_TEXT} characters"
            ));
        }
        if f.label.chars().count() > MAX_SCHEMA_TEXT {
            problems.push(format!(
                "[{i}].label is longer than {MAX_SCHEMA_TEXT} characters"
            ));
        }
        if fields[..i].iter().any(|g| g.name == f.name) {
            problems.push(format!("[{i}].uniqueName {:?} is declared twice", f.name));
        }
        if f.field_type == CrmFieldType::Reference {
            match f.reference_to.as_deref() {
                Some("ACCOUNT" | "CONTACT" | "DEAL" | "LEAD" | "USER") => {}
                _ => problems.push(format!(
                    "[{i}].referenceTo must be one of ACCOUNT, CONTACT, DEAL, LEAD, USER for a REFERENCE field"
                )),
            }
        }
        if f.field_type == CrmFieldType::Picklist {
            match &f.ordered_values {
                Some(v) if !v.is_empty() && v.len() <= MAX_PICKLIST_VALUES => {
                    if v.iter().any(|s| s.chars().count() > MAX_SCHEMA_TEXT) {
                        problems.push(format!(
                            "[{i}].orderedValueList values must be at most {MAX_SCHEMA_TEXT} characters"
                        ));
                    }
                }
                _ => problems.push(format!(
                    "[{i}].orderedValueList must hold 1 to {MAX_PICKLIST_VALUES} values for a PICKLIST field"
                )),
            }
        }
        if builtin_name(&f.name) {
            problems.push(format!("[{i}].uniqueName {:?} is a built-in field", f.name));
        }
    }
    problems
}

fn builtin_name(name: &str) -> bool {
    matches!(name, "objectId" | "modifiedDate" | "isDeleted" | "url")
}

/// An object an integration uploaded, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CrmEntity {
    pub object_type: CrmObjectType,
    pub object_id: String,
    pub modified: Timestamp,
    pub is_deleted: bool,
    /// Every other field of its line, in the line's order, with its JSON value.
    pub fields: Map<String, Value>,
}

/// Reads one line of an upload of `object_type` against the type's declared fields. The
/// error is a sentence for the request status (Gong's style: the field in brackets).
pub fn parse_entity_line(
    object_type: CrmObjectType,
    schema: &[CrmSchemaField],
    line: &str,
    parse_time: impl Fn(&str) -> Option<Timestamp>,
) -> Result<CrmEntity, String> {
    let value: Value =
        serde_json::from_str(line).map_err(|e| format!("Line is not valid JSON: {e}"))?;
    let Value::Object(mut map) = value else {
        return Err("Line is not a JSON object".into());
    };
    let object_id = match map.shift_remove("objectId") {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("Mandatory field [objectId] is missing or empty".into()),
    };
    if object_id.chars().count() > MAX_OBJECT_ID_LEN
        || !object_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+'))
    {
        return Err(format!(
            "Field [objectId] must be at most {MAX_OBJECT_ID_LEN} letters, digits, '-' or an email address"
        ));
    }
    let modified = match map.shift_remove("modifiedDate") {
        Some(Value::String(s)) if !s.trim().is_empty() => parse_time(&s)
            .ok_or_else(|| format!("Field [modifiedDate] is not a date-time: {s:?}"))?,
        _ => return Err("Mandatory field [modifiedDate] is missing or empty".into()),
    };
    let is_deleted = match map.shift_remove("isDeleted") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(_) => return Err("Field [isDeleted] must be a boolean".into()),
    };
    if let Some(url) = map.get("url") {
        if !(url.is_null() || url.is_string()) {
            return Err("Field [url] must be a string".into());
        }
    }
    let builtin = object_type.builtin();
    for (name, kind) in builtin {
        let v = map.get(*name).filter(|v| !v.is_null());
        let ok = match (kind, v) {
            (Builtin::RequiredText, Some(Value::String(s))) => !s.trim().is_empty(),
            (Builtin::RequiredText, _) => {
                return Err(format!("Mandatory field [{name}] is missing or empty"))
            }
            (_, None) => true,
            (Builtin::Text, Some(v)) => v.is_string() || v.is_number(),
            (Builtin::TextList, Some(Value::Array(a))) => a.iter().all(Value::is_string),
            (Builtin::TextList, Some(_)) => false,
            (Builtin::Date, Some(Value::String(s))) => parse_time(s).is_some(),
            (Builtin::Date, Some(_)) => false,
            (Builtin::Number, Some(v)) => v.is_number(),
            (Builtin::Bool, Some(v)) => v.is_boolean(),
            (Builtin::DealStatus, Some(Value::String(s))) => {
                matches!(s.as_str(), "WON" | "LOST" | "OPEN")
            }
            (Builtin::DealStatus, Some(_)) => false,
        };
        if !ok {
            return Err(format!(
                "Field [{name}] has a value of the wrong type: {}",
                short(v.unwrap_or(&Value::Null))
            ));
        }
    }
    for (name, v) in &map {
        if name == "url" || builtin.iter().any(|(b, _)| b == name) {
            continue;
        }
        let Some(field) = schema.iter().find(|f| &f.name == name && !f.is_deleted) else {
            return Err(format!(
                "Field [{name}] is not declared in the {} schema",
                object_type.key()
            ));
        };
        if v.is_null() {
            continue;
        }
        let ok = match field.field_type {
            CrmFieldType::Number | CrmFieldType::Percent | CrmFieldType::Currency => v.is_number(),
            CrmFieldType::Boolean => v.is_boolean(),
            CrmFieldType::StringArray => {
                v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
            }
            CrmFieldType::Picklist => v.as_str().is_some_and(|s| {
                field
                    .ordered_values
                    .as_ref()
                    .is_some_and(|list| list.iter().any(|x| x == s))
            }),
            CrmFieldType::Date | CrmFieldType::DateTime => {
                v.as_str().is_some_and(|s| parse_time(s).is_some())
            }
            CrmFieldType::Id | CrmFieldType::Reference => v.is_string() || v.is_number(),
            CrmFieldType::Url
            | CrmFieldType::String
            | CrmFieldType::PhoneNumber
            | CrmFieldType::EmailAddress => v.is_string(),
        };
        if !ok {
            return Err(format!(
                "Field [{name}] is not a valid {} value: {}",
                field.field_type.key(),
                short(v)
            ));
        }
    }
    Ok(CrmEntity {
        object_type,
        object_id,
        modified,
        is_deleted,
        fields: map,
    })
}

/// A value shown in an error, cut short.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

/// The fields a call's context shows for an uploaded object, under the names Gong's
/// calls show for Salesforce-like objects: accounts `Name`, `Website` (the first
/// domain); opportunities `Name`, `StageName`, `Amount`, `CloseDate`, `Status`;
/// contacts and leads `FirstName`, `LastName`, `Email`, `Title`, `Phone`; users
/// `Email`. Declared custom fields follow under their own names, in the line's order.
pub fn context_fields(e: &CrmEntity) -> Vec<(String, Value)> {
    let renames: &[(&str, &str)] = match e.object_type {
        CrmObjectType::Account => &[("name", "Name")],
        CrmObjectType::Deal => &[
            ("name", "Name"),
            ("stage", "StageName"),
            ("amount", "Amount"),
            ("closeDate", "CloseDate"),
            ("status", "Status"),
        ],
        CrmObjectType::Contact | CrmObjectType::Lead => &[
            ("firstName", "FirstName"),
            ("lastName", "LastName"),
            ("emailAddress", "Email"),
            ("title", "Title"),
            ("phoneNumber", "Phone"),
        ],
        CrmObjectType::BusinessUser => &[("emailAddress", "Email")],
        CrmObjectType::Stage => &[("name", "Name")],
    };
    let mut out = Vec::new();
    for (from, to) in renames {
        if let Some(v) = e.fields.get(*from).filter(|v| !v.is_null()) {
            out.push(((*to).to_owned(), v.clone()));
        }
    }
    if e.object_type == CrmObjectType::Account {
        if let Some(first) = e
            .fields
            .get("domains")
            .and_then(Value::as_array)
            .and_then(|d| d.first())
        {
            out.push(("Website".into(), first.clone()));
        }
    }
    let builtin = e.object_type.builtin();
    for (name, v) in &e.fields {
        if name == "url" || v.is_null() || builtin.iter().any(|(b, _)| b == name) {
            continue;
        }
        out.push((name.clone(), v.clone()));
    }
    out
}

/// Shows uploaded objects in a call's context: each `Generic` link whose type and id
/// match a live uploaded object of the call's workspace's integration gets that object's
/// current fields (see [`context_fields`]); other links are left as stored.
pub fn resolve_links(links: &mut [CrmLink], uploaded: &[CrmEntity]) {
    for link in links.iter_mut() {
        if link.system != CrmSystem::Generic {
            continue;
        }
        let Some(t) = CrmObjectType::of_context_type(&link.object_type) else {
            continue;
        };
        if let Some(e) = uploaded
            .iter()
            .find(|e| e.object_type == t && e.object_id == link.object_id && !e.is_deleted)
        {
            link.fields = context_fields(e);
        }
    }
}

/// A workspace's generic CRM integration.
#[derive(Debug, Clone, PartialEq)]
pub struct CrmIntegration {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub owner_email: String,
    pub name: String,
    pub created: Timestamp,
}

/// Where an upload or a deletion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrmRequestStatus {
    Pending,
    InProgress,
    Done,
    Failed,
}

impl CrmRequestStatus {
    pub fn key(self) -> &'static str {
        match self {
            CrmRequestStatus::Pending => "PENDING",
            CrmRequestStatus::InProgress => "IN_PROGRESS",
            CrmRequestStatus::Done => "DONE",
            CrmRequestStatus::Failed => "FAILED",
        }
    }

    pub fn from_key(key: &str) -> Option<CrmRequestStatus> {
        [
            CrmRequestStatus::Pending,
            CrmRequestStatus::InProgress,
            CrmRequestStatus::Done,
            CrmRequestStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }
}

/// An asynchronous request of an integration (an upload, or the integration's deletion),
/// known by the client's `clientRequestId`.
#[derive(Debug, Clone, PartialEq)]
pub struct CrmRequest {
    pub integration_id: i64,
    pub client_request_id: String,
    pub workspace_id: WorkspaceId,
    /// `None` for the deletion of the integration.
    pub object_type: Option<CrmObjectType>,
    pub status: CrmRequestStatus,
    /// `(line, description)`, at most [`MAX_REPORTED_ERRORS`]; line 0 is a general error.
    pub errors: Vec<(u64, String)>,
    pub error_count: u64,
    pub success_count: u64,
    pub created: Timestamp,
    pub updated: Timestamp,
}

/// The outcome of processing an upload's lines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CrmUploadResult {
    pub entities: Vec<CrmEntity>,
    pub errors: Vec<(u64, String)>,
    pub error_count: u64,
}

impl CrmUploadResult {
    /// `FAILED` when no line was stored and some failed, else `DONE`.
    pub fn status(&self) -> CrmRequestStatus {
        if self.entities.is_empty() && self.error_count > 0 {
            CrmRequestStatus::Failed
        } else {
            CrmRequestStatus::Done
        }
    }
}

/// Reads every line of an upload; blank lines are skipped, lines are numbered from 1.
pub fn parse_upload(
    object_type: CrmObjectType,
    schema: &[CrmSchemaField],
    body: &str,
    parse_time: impl Fn(&str) -> Option<Timestamp>,
) -> CrmUploadResult {
    let mut out = CrmUploadResult::default();
    for (i, line) in body.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_entity_line(object_type, schema, line, &parse_time) {
            Ok(e) => {
                // A later line for the same object wins, as a later upload would.
                out.entities.retain(|x| x.object_id != e.object_id);
                out.entities.push(e);
            }
            Err(msg) => {
                out.error_count += 1;
                if out.errors.len() < MAX_REPORTED_ERRORS {
                    out.errors.push((i as u64 + 1, msg));
                }
            }
        }
    }
    out
}

/// One manual (re)association of a call with CRM objects, or its removal (no objects).
#[derive(Debug, Clone, PartialEq)]
pub struct ManualAssociation {
    pub id: i64,
    pub call_id: CallId,
    pub workspace_id: WorkspaceId,
    /// Who made it, when a user did.
    pub user_id: Option<UserId>,
    pub created: Timestamp,
    pub account_id: Option<String>,
    pub deal_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<Timestamp> {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc))
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc())
            })
    }

    fn tier() -> Vec<CrmSchemaField> {
        vec![CrmSchemaField {
            name: "tier".into(),
            label: "Tier".into(),
            field_type: CrmFieldType::Picklist,
            last_modified: None,
            is_deleted: false,
            reference_to: None,
            ordered_values: Some(vec!["Gold".into(), "Silver".into()]),
        }]
    }

    #[test]
    fn lines_are_checked_against_builtin_and_declared_fields() {
        let s = tier();
        let ok = r#"{"objectId":"A1","modifiedDate":"2024-01-02T03:04:05Z","name":"Acme","domains":["acme.com"],"tier":"Gold"}"#;
        let e = parse_entity_line(CrmObjectType::Account, &s, ok, t).unwrap();
        assert_eq!(e.object_id, "A1");
        assert_eq!(
            context_fields(&e),
            vec![
                ("Name".to_owned(), Value::from("Acme")),
                ("Website".to_owned(), Value::from("acme.com")),
                ("tier".to_owned(), Value::from("Gold")),
            ]
        );
        let cases = [
            ("not json", "Line is not valid JSON"),
            ("[1]", "Line is not a JSON object"),
            (
                r#"{"modifiedDate":"2024-01-02T03:04:05Z"}"#,
                "Mandatory field [objectId]",
            ),
            (r#"{"objectId":"A1"}"#, "Mandatory field [modifiedDate]"),
            (
                r#"{"objectId":"A 1","modifiedDate":"2024-01-02T03:04:05Z"}"#,
                "Field [objectId]",
            ),
            (
                r#"{"objectId":"A1","modifiedDate":"2024-01-02T03:04:05Z","tier":"Bronze"}"#,
                "Field [tier] is not a valid PICKLIST",
            ),
            (
                r#"{"objectId":"A1","modifiedDate":"2024-01-02T03:04:05Z","size":3}"#,
                "Field [size] is not declared",
            ),
            (
                r#"{"objectId":"A1","modifiedDate":"2024-01-02T03:04:05Z","domains":"x"}"#,
                "Field [domains] has a value of the wrong type",
            ),
        ];
        for (line, want) in cases {
            let err = parse_entity_line(CrmObjectType::Account, &s, line, t).unwrap_err();
            assert!(err.starts_with(want), "{line}: {err}");
        }
        let err = parse_entity_line(
            CrmObjectType::BusinessUser,
            &[],
            r#"{"objectId":"U1","modifiedDate":"2024-01-02T03:04:05Z"}"#,
            t,
        )
        .unwrap_err();
        assert_eq!(err, "Mandatory field [emailAddress] is missing or empty");
        let err = parse_entity_line(
            CrmObjectType::Deal,
            &[],
            r#"{"objectId":"D1","modifiedDate":"2024-01-02T03:04:05Z","status":"MAYBE"}"#,
            t,
        )
        .unwrap_err();
        assert!(err.starts_with("Field [status]"), "{err}");
    }

    #[test]
    fn an_upload_counts_errors_by_line_and_keeps_the_last_line_per_object() {
        let body = "{\"objectId\":\"D1\",\"modifiedDate\":\"2024-01-02\",\"amount\":1}\n\n\
                    {\"objectId\":\"D1\",\"modifiedDate\":\"2024-01-03\",\"amount\":2}\nbroken\n";
        let r = parse_upload(CrmObjectType::Deal, &[], body, t);
        assert_eq!(r.entities.len(), 1);
        assert_eq!(r.entities[0].fields["amount"], Value::from(2));
        assert_eq!(r.error_count, 1);
        assert_eq!(r.errors[0].0, 4);
        assert_eq!(r.status(), CrmRequestStatus::Done);
        let r = parse_upload(CrmObjectType::Deal, &[], "x\ny", t);
        assert_eq!(r.status(), CrmRequestStatus::Failed);
    }

    #[test]
    fn generic_links_show_uploaded_fields() {
        let e = CrmEntity {
            object_type: CrmObjectType::Deal,
            object_id: "D1".into(),
            modified: t("2024-01-02").unwrap(),
            is_deleted: false,
            fields: serde_json::from_str(r#"{"name":"Big","amount":5,"stage":"Won"}"#).unwrap(),
        };
        let link = |system| CrmLink {
            system,
            object_type: "Opportunity".into(),
            object_id: "D1".into(),
            fields: vec![],
        };
        let mut links = vec![link(CrmSystem::Generic), link(CrmSystem::Salesforce)];
        resolve_links(&mut links, &[e]);
        assert_eq!(
            links[0].fields,
            vec![
                ("Name".to_owned(), Value::from("Big")),
                ("StageName".to_owned(), Value::from("Won")),
                ("Amount".to_owned(), Value::from(5)),
            ]
        );
        assert!(links[1].fields.is_empty());
    }

    #[test]
    fn schemas_need_references_and_picklist_values() {
        let mut f = tier();
        f[0].ordered_values = None;
        f.push(CrmSchemaField {
            field_type: CrmFieldType::Reference,
            name: "owner".into(),
            ..tier()[0].clone()
        });
        f.push(f[1].clone());
        let p = validate_schema(&f);
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(validate_schema(&tier()).is_empty());
    }
}

//! The generic CRM integration (`/v2/crm/*`) and manual CRM associations of calls
//! (`/v2/calls/manual-crm-associations`).

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use parley_domain as d;

use crate::{time, Records};

/// One integration of `GET /v2/crm/integrations`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationWire {
    /// Choice: a JSON number, as Gong's recorded answer has it (unlike every other id).
    pub integration_id: i64,
    pub owner_email: String,
    pub name: String,
}

impl IntegrationWire {
    pub fn from_domain(i: &d::CrmIntegration) -> IntegrationWire {
        IntegrationWire {
            integration_id: i.id,
            owner_email: i.owner_email.clone(),
            name: i.name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationsResponse {
    pub request_id: String,
    pub integrations: Vec<IntegrationWire>,
}

/// Body of `PUT /v2/crm/integrations`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    /// The email address of the user who owns the integration (required).
    #[schema(value_type = String, format = Email, max_length = 255)]
    pub owner_email: Option<String>,
    /// The integration's name (required).
    #[schema(value_type = String, min_length = 1)]
    pub name: Option<String>,
}

impl RegisterRequest {
    /// `(ownerEmail, name)`, or the required fields that are missing.
    pub fn required(self) -> Result<(String, String), Vec<String>> {
        match (self.owner_email, self.name) {
            (Some(e), Some(n)) => Ok((e, n)),
            (e, n) => Err([("ownerEmail", e.is_none()), ("name", n.is_none())]
                .into_iter()
                .filter(|(_, missing)| *missing)
                .map(|(f, _)| format!("{f} is required"))
                .collect()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterResponse {
    pub request_id: String,
    pub integration_id: i64,
}

/// The answer of an asynchronous request (an upload, a deletion).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientRequestResponse {
    pub request_id: String,
    pub client_request_id: String,
}

/// A CRM object type as the integration API spells it (case-sensitive). Schema only.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CrmObjectTypeName {
    Account,
    Contact,
    Deal,
    Lead,
    BusinessUser,
    Stage,
}

/// The multipart body of `POST /v2/crm/entities`. Schema only.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrmEntitiesUpload {
    /// The objects as LDJSON: one JSON object per line, with `objectId`, `modifiedDate`,
    /// `isDeleted`, `url` and the fields the entity schema declares.
    #[schema(value_type = String, format = Binary)]
    pub data_file: Vec<u8>,
}

/// The answer to `POST /v2/crm/entity-schema`: the request id alone.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchemaUploaded {
    pub request_id: String,
}

/// A declared field as `POST /v2/crm/entity-schema` sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchemaFieldInput {
    pub unique_name: Option<String>,
    pub label: Option<String>,
    #[serde(rename = "type")]
    #[schema(
        value_type = Option<String>,
        pattern = "^(DATE|DATETIME|NUMBER|PERCENT|CURRENCY|ID|URL|STRING|BOOLEAN|PHONENUMBER|EMAILADDRESS|PICKLIST|REFERENCE|STRINGARRAY)$"
    )]
    pub field_type: Option<String>,
    #[schema(format = DateTime)]
    pub last_modified: Option<String>,
    #[serde(default)]
    pub is_deleted: Option<bool>,
    pub reference_to: Option<String>,
    pub ordered_value_list: Option<Vec<String>>,
}

/// Reads the body of `POST /v2/crm/entity-schema`: a JSON array of field definitions.
/// Choice: a single object is read as a one-field list; `label` defaults to the name.
pub fn parse_schema(bytes: &[u8], tz: Tz) -> Result<Vec<d::CrmSchemaField>, Vec<String>> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| vec![format!("invalid JSON body: {e}")])?;
    let items = match value {
        Value::Array(items) => items,
        obj @ Value::Object(_) => vec![obj],
        _ => return Err(vec!["invalid JSON body: expected an array of fields".into()]),
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let f: SchemaFieldInput = match serde_path_to_error::deserialize(item) {
            Ok(f) => f,
            Err(e) => {
                problems.push(format!("invalid field [{i}].{}: {}", e.path(), e.inner()));
                continue;
            }
        };
        let Some(name) = f.unique_name else {
            problems.push(format!("[{i}].uniqueName is required"));
            continue;
        };
        let field_type = match f.field_type.as_deref().map(d::CrmFieldType::from_key) {
            Some(Some(t)) => t,
            Some(None) => {
                problems.push(format!(
                    "[{i}].type must be one of {}",
                    d::CrmFieldType::ALL
                        .iter()
                        .map(|t| t.key())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                continue;
            }
            None => {
                problems.push(format!("[{i}].type is required"));
                continue;
            }
        };
        let last_modified = match f.last_modified.as_deref() {
            None => None,
            Some(s) => match time::parse_datetime(s, tz) {
                Ok(t) => Some(t),
                Err(e) => {
                    problems.push(format!("[{i}].lastModified: {e}"));
                    continue;
                }
            },
        };
        out.push(d::CrmSchemaField {
            label: f.label.unwrap_or_else(|| name.clone()),
            name,
            field_type,
            last_modified,
            is_deleted: f.is_deleted.unwrap_or(false),
            reference_to: f.reference_to,
            ordered_values: f.ordered_value_list,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// A declared field as `GET /v2/crm/entity-schema` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchemaFieldWire {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: &'static str,
    pub last_modified: Option<String>,
    pub is_deleted: bool,
    pub reference_to: Option<String>,
    pub ordered_value_list: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchemaResponse {
    pub request_id: String,
    /// Types in the order asked (every type, when none was), each with its fields.
    pub object_type_to_selected_fields: Map<String, Value>,
}

impl SchemaResponse {
    pub fn render(
        request_id: String,
        types: &[d::CrmObjectType],
        fields: &[(d::CrmObjectType, d::CrmSchemaField)],
        tz: Tz,
    ) -> SchemaResponse {
        let mut map = Map::new();
        for t in types {
            let list: Vec<SchemaFieldWire> = fields
                .iter()
                .filter(|(ft, _)| ft == t)
                .map(|(_, f)| SchemaFieldWire {
                    name: f.name.clone(),
                    label: f.label.clone(),
                    field_type: f.field_type.key(),
                    last_modified: f.last_modified.map(|t| time::format(t, tz)),
                    is_deleted: f.is_deleted,
                    reference_to: f.reference_to.clone(),
                    ordered_value_list: f.ordered_values.clone(),
                })
                .collect();
            map.insert(
                t.key().to_owned(),
                serde_json::to_value(list).unwrap_or(Value::Null),
            );
        }
        SchemaResponse {
            request_id,
            object_type_to_selected_fields: map,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LineError {
    pub line: u64,
    pub description: String,
}

/// `GET /v2/crm/request-status`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestStatusResponse {
    pub request_id: String,
    pub status: &'static str,
    pub errors: Vec<LineError>,
    pub total_error_count: u64,
    pub total_success_count: u64,
}

impl RequestStatusResponse {
    pub fn from_domain(request_id: String, r: &d::CrmRequest) -> RequestStatusResponse {
        RequestStatusResponse {
            request_id,
            status: r.status.key(),
            errors: r
                .errors
                .iter()
                .map(|(line, description)| LineError {
                    line: *line,
                    description: description.clone(),
                })
                .collect(),
            total_error_count: r.error_count,
            total_success_count: r.success_count,
        }
    }
}

/// `GET /v2/crm/entities`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EntitiesResponse {
    pub request_id: String,
    pub crm_objects_map: Map<String, Value>,
}

impl EntitiesResponse {
    /// Choice: an object is its uploaded line (as Gong's example shows, its fields),
    /// preceded by `objectId` and `modifiedDate` so a client can tell versions apart;
    /// an unknown or deleted id maps to `null`.
    pub fn render(
        request_id: String,
        found: &[(String, Option<d::CrmEntity>)],
        tz: Tz,
    ) -> EntitiesResponse {
        let mut map = Map::new();
        for (id, e) in found {
            let v = match e {
                None => Value::Null,
                Some(e) => {
                    let mut o = Map::new();
                    o.insert("objectId".into(), Value::from(e.object_id.clone()));
                    o.insert(
                        "modifiedDate".into(),
                        Value::from(time::format(e.modified, tz)),
                    );
                    for (k, v) in &e.fields {
                        o.insert(k.clone(), v.clone());
                    }
                    Value::Object(o)
                }
            };
            map.insert(id.clone(), v);
        }
        EntitiesResponse {
            request_id,
            crm_objects_map: map,
        }
    }
}

/// Reads the ids of `GET /v2/crm/entities` from its body: a JSON array of ids (strings
/// or numbers). Choice: `{"objectsCrmIds": [...]}` is read too.
pub fn parse_entity_ids(bytes: &[u8]) -> Result<Vec<String>, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON body: {e}"))?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut o) => match o.remove("objectsCrmIds") {
            Some(Value::Array(items)) => items,
            _ => return Err("invalid JSON body: expected an array of CRM ids".into()),
        },
        _ => return Err("invalid JSON body: expected an array of CRM ids".into()),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(format!("invalid field [{i}]: a CRM id must be a string")),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssociatedObjects {
    pub account_crm_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal_crm_id: Option<String>,
}

/// One (re)association of `GET /v2/calls/manual-crm-associations`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssociationWire {
    pub call_id: String,
    pub user_id: Option<String>,
    pub created: String,
    /// Choice: a removed association is an event with no objects (Gong: "a
    /// re-association yields two events"); `dealCrmId` is present only with a deal.
    pub associated_crm_objects: Vec<AssociatedObjects>,
}

impl AssociationWire {
    pub fn from_domain(a: &d::ManualAssociation, tz: Tz) -> AssociationWire {
        AssociationWire {
            call_id: a.call_id.to_string(),
            user_id: a.user_id.map(|u| u.to_string()),
            created: time::format(a.created, tz),
            associated_crm_objects: a
                .account_id
                .as_ref()
                .map(|account| AssociatedObjects {
                    account_crm_id: account.clone(),
                    deal_crm_id: a.deal_id.clone(),
                })
                .into_iter()
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssociationsResponse {
    pub request_id: String,
    pub records: Records,
    pub associations: Vec<AssociationWire>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_bodies_name_the_broken_field() {
        let tz = chrono_tz::UTC;
        let ok = br#"[{"uniqueName":"tier","label":"Tier","type":"PICKLIST","orderedValueList":["A"],"lastModified":"2020-12-17T13:45:01Z"}]"#;
        let f = parse_schema(ok, tz).unwrap();
        assert_eq!(f[0].field_type, d::CrmFieldType::Picklist);
        let bad = br#"[{"uniqueName":"x","type":"TEXT"},{"type":"STRING"},{"uniqueName":"y","type":"STRING","isDeleted":"no"}]"#;
        let p = parse_schema(bad, tz).unwrap_err();
        assert!(p[0].starts_with("[0].type must be one of DATE"), "{p:?}");
        assert_eq!(p[1], "[1].uniqueName is required");
        assert!(p[2].starts_with("invalid field [2].isDeleted"), "{p:?}");
        assert!(parse_schema(b"7", tz).is_err());
    }

    #[test]
    fn entity_ids_come_as_a_list_or_under_objects_crm_ids() {
        assert_eq!(parse_entity_ids(br#"["a", 7]"#).unwrap(), ["a", "7"]);
        assert_eq!(
            parse_entity_ids(br#"{"objectsCrmIds": ["b"]}"#).unwrap(),
            ["b"]
        );
        assert!(parse_entity_ids(br#"[{}]"#).is_err());
        assert!(parse_entity_ids(b"").is_err());
    }
}

//! Parley's own bodies for CRM write-back (`/parley/v1/crm/connectors`,
//! `/parley/v1/calls/{id}/crm-writes`, and the `parley crm-connectors` / `crm-writes`
//! commands, which take and print the same). Gong has no such API; names are Parley's,
//! camelCase like the rest of `/parley/v1`.

use parley_domain::crm_write::{
    ConnectorInput, CrmConnector, CrmFieldAction, CrmWrite, SalesforceAuth, TrackerRef,
    WriteObjectType,
};
use parley_domain::TrackerId;
use serde::{Deserialize, Serialize};

/// How a Salesforce connector gets its access token (`parley_domain`'s
/// `SalesforceAuth`): the client credentials flow, or the JWT bearer flow with the
/// connected app's key.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum SalesforceAuthKind {
    ClientCredentials,
    JwtBearer,
}

/// What a secret is shown as.
pub const REDACTED: &str = "<redacted>";

/// Body of `POST /parley/v1/crm/connectors` and `PUT /parley/v1/crm/connectors/{id}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectorBody {
    pub workspace_id: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, pattern = "\\S")]
    pub name: String,
    /// `salesforce`, `hubspot` or `parley`.
    #[serde(default)]
    #[schema(pattern = "^(salesforce|hubspot|parley)$")]
    pub kind: String,
    pub login_url: Option<String>,
    pub instance_url: Option<String>,
    pub api_version: Option<String>,
    /// `client_credentials` (the default) or `jwt_bearer`.
    #[schema(value_type = Option<SalesforceAuthKind>)]
    pub auth: Option<SalesforceAuth>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub username: Option<String>,
    pub private_key: Option<String>,
    pub audience: Option<String>,
    pub base_url: Option<String>,
    pub token: Option<String>,
}

impl ConnectorBody {
    pub fn into_domain(self) -> ConnectorInput {
        ConnectorInput {
            workspace_id: self.workspace_id,
            name: self.name,
            kind: self.kind,
            login_url: self.login_url,
            instance_url: self.instance_url,
            api_version: self.api_version,
            auth: self.auth,
            client_id: self.client_id,
            client_secret: self.client_secret,
            username: self.username,
            private_key: self.private_key,
            audience: self.audience,
            base_url: self.base_url,
            token: self.token,
        }
    }
}

/// A connector as shown: its settings, and the secrets it holds as [`REDACTED`].
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorView {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub kind: String,
    pub settings: serde_json::Value,
    pub secrets: serde_json::Map<String, serde_json::Value>,
    pub created: String,
    pub updated: String,
}

impl ConnectorView {
    /// `held`: the names of the secrets the connector holds.
    pub fn of(c: &CrmConnector, held: &[&str]) -> ConnectorView {
        ConnectorView {
            id: c.id.to_string(),
            workspace_id: c.workspace_id.to_string(),
            name: c.name.clone(),
            kind: c.kind.key().to_owned(),
            settings: c.settings.clone(),
            secrets: held
                .iter()
                .map(|n| ((*n).to_owned(), serde_json::Value::from(REDACTED)))
                .collect(),
            created: crate::time::format(c.created, chrono_tz::UTC),
            updated: crate::time::format(c.updated, chrono_tz::UTC),
        }
    }
}

/// The tracker of an action: a name, or `{"id": "…"}`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum TrackerBody {
    Name(String),
    Id { id: String },
}

/// A CRM field action (the body of `POST /parley/v1/calls/{id}/crm-writes`, and the
/// action of a rule).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CrmActionBody {
    pub tracker: TrackerBody,
    /// `Opportunity` (the default) or `Deal`.
    #[schema(pattern = "^(Opportunity|Deal)$")]
    pub object_type: Option<String>,
    #[schema(min_length = 1, pattern = "\\S")]
    pub field: String,
    #[serde(default)]
    pub merge_with_current: bool,
    #[schema(pattern = "^\\s*[0-9]{1,19}\\s*$")]
    pub connector_id: String,
}

impl CrmActionBody {
    /// The action, or every problem, each naming its field.
    pub fn into_domain(self) -> Result<CrmFieldAction, Vec<String>> {
        let mut problems = Vec::new();
        let tracker = match self.tracker {
            TrackerBody::Name(n) => TrackerRef::Name(n.trim().to_owned()),
            TrackerBody::Id { id } => match parley_domain::parse_id(id.trim()) {
                Ok(n) => TrackerRef::Id(TrackerId(n)),
                Err(_) => {
                    problems.push("tracker.id must be a tracker id".to_owned());
                    TrackerRef::Name(String::new())
                }
            },
        };
        let object_type = match self.object_type.as_deref() {
            None => WriteObjectType::Opportunity,
            Some(t) => WriteObjectType::from_key(t).unwrap_or_else(|| {
                problems.push("objectType must be one of Opportunity, Deal".to_owned());
                WriteObjectType::Opportunity
            }),
        };
        let connector = parley_domain::parse_id(self.connector_id.trim()).unwrap_or_else(|_| {
            problems.push("connectorId must be a connector id".to_owned());
            0
        });
        let action = CrmFieldAction {
            tracker,
            object_type,
            field: self.field.trim().to_owned(),
            merge_with_current: self.merge_with_current,
            connector,
        };
        if let Err(p) = action.validate() {
            problems.push(p);
        }
        if problems.is_empty() {
            Ok(action)
        } else {
            Err(problems)
        }
    }
}

/// An action as shown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrmActionView {
    pub tracker: serde_json::Value,
    pub object_type: String,
    pub field: String,
    pub merge_with_current: bool,
    pub connector_id: String,
}

impl CrmActionView {
    pub fn of(a: &CrmFieldAction) -> CrmActionView {
        CrmActionView {
            tracker: match &a.tracker {
                TrackerRef::Name(n) => serde_json::Value::from(n.clone()),
                TrackerRef::Id(id) => serde_json::json!({ "id": id.to_string() }),
            },
            object_type: a.object_type.key().to_owned(),
            field: a.field.clone(),
            merge_with_current: a.merge_with_current,
            connector_id: a.connector.to_string(),
        }
    }
}

/// A CRM write as shown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrmWriteView {
    pub id: String,
    pub call_id: String,
    pub workspace_id: String,
    pub action: CrmActionView,
    pub object_id: Option<String>,
    /// `pending`, `written`, `skipped` or `failed`.
    pub state: String,
    pub attempts: u32,
    pub value: Option<String>,
    pub previous: Option<String>,
    pub outcome: Option<String>,
    pub created: String,
    pub updated: String,
}

impl CrmWriteView {
    pub fn of(w: &CrmWrite) -> CrmWriteView {
        CrmWriteView {
            id: w.id.to_string(),
            call_id: w.call_id.to_string(),
            workspace_id: w.workspace_id.to_string(),
            action: CrmActionView::of(&w.action),
            object_id: w.object_id.clone(),
            state: w.state.key().to_owned(),
            attempts: w.attempts,
            value: w.value.clone(),
            previous: w.previous.clone(),
            outcome: w.outcome.clone(),
            created: crate::time::format(w.created, chrono_tz::UTC),
            updated: crate::time::format(w.updated, chrono_tz::UTC),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_body_reads_into_the_domain_naming_each_problem() {
        let body: CrmActionBody = serde_json::from_value(serde_json::json!({
            "tracker": "Competitors",
            "field": "Main_Competitors__c",
            "mergeWithCurrent": true,
            "connectorId": "1234567890123456789",
        }))
        .unwrap();
        let a = body.into_domain().unwrap();
        assert_eq!(a.tracker, TrackerRef::Name("Competitors".into()));
        assert_eq!(a.object_type, WriteObjectType::Opportunity);
        assert_eq!(a.connector, 1234567890123456789);
        let view = serde_json::to_value(CrmActionView::of(&a)).unwrap();
        assert_eq!(view["connectorId"], "1234567890123456789");

        let body: CrmActionBody = serde_json::from_value(serde_json::json!({
            "tracker": {"id": "x"},
            "objectType": "Lead",
            "field": "",
            "connectorId": "y",
        }))
        .unwrap();
        assert_eq!(
            body.into_domain().unwrap_err(),
            vec![
                "tracker.id must be a tracker id",
                "objectType must be one of Opportunity, Deal",
                "connectorId must be a connector id",
                "field must not be empty",
            ]
        );
    }
}

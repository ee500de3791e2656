//! Bodies of Parley's automation routes (`/parley/v1/automation/rules`), which Gong
//! configures only in its web app. A rule's `filter` and webhook actions are the domain's
//! JSON form (`parley_domain::automation`), the filter read with unknown fields refused;
//! a CRM field action has the shape `/parley/v1/calls/{id}/crm-writes` takes
//! ([`CrmActionBody`]), tagged `"type": "CrmField"`.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use parley_domain::automation::{Action, CallFilter, Delivery, Rule, WebhookAction};

use crate::crm_writeback::{CrmActionBody, CrmActionView};

/// A rule as `POST /parley/v1/automation/rules` and `PUT …/{id}` take it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleBody {
    /// Default: the company's default workspace.
    pub workspace_id: Option<String>,
    #[schema(min_length = 1, pattern = "\\S")]
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    #[schema(value_type = RuleCallFilter)]
    pub filter: CallFilter,
    /// At least one.
    #[schema(value_type = Vec<RuleActionInput>, min_items = 1)]
    pub actions: Vec<ActionBody>,
    /// Fire the rule now for the workspace's calls analysed already (each once).
    #[serde(default)]
    pub apply_to_past_calls: bool,
}

fn yes() -> bool {
    true
}

impl RuleBody {
    /// The actions, or every problem, each naming the action (`actions[1].field …`).
    pub fn actions(&self) -> Result<Vec<Action>, Vec<String>> {
        let mut problems = Vec::new();
        let mut actions = Vec::with_capacity(self.actions.len());
        for (i, a) in self.actions.iter().enumerate() {
            match a.clone().into_domain() {
                Ok(a) => actions.push(a),
                Err(p) => problems.extend(p.into_iter().map(|p| format!("actions[{i}].{p}"))),
            }
        }
        if problems.is_empty() {
            Ok(actions)
        } else {
            Err(problems)
        }
    }
}

// ---- the schemas of the domain's JSON forms, for the OpenAPI document ----
// (`parley_domain` has no OpenAPI; these mirror its serde forms field for field.)

/// Which calls fire a rule: every condition given must hold, and within one a call
/// matches when any listed value does. An empty filter matches every call. Unknown
/// fields are refused.
#[derive(Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct RuleCallFilter {
    directions: Vec<RuleDirection>,
    scopes: Vec<RuleCallScope>,
    /// The call's primary user is one of these user ids.
    primary_users: Vec<DomainId>,
    /// The call's primary user is one of these users or reports to one of them.
    teams: Vec<DomainId>,
    /// Some outside participant took part (or none did).
    external_participants: Option<bool>,
    /// Some participant's e-mail address is at one of these domains (or a subdomain).
    participant_domains: Vec<String>,
    min_duration_sec: Option<i64>,
    max_duration_sec: Option<i64>,
    /// Some of these trackers fired at least `minCount` times.
    trackers: Vec<RuleTrackerCondition>,
    /// Some of these topics (by name, without case) was discussed.
    topics: Vec<String>,
    crm: Option<RuleCrmCondition>,
    /// Some of these words is in the title (whole words, without case).
    title_words: Vec<String>,
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
enum RuleDirection {
    Inbound,
    Outbound,
    Conference,
    Unknown,
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
enum RuleCallScope {
    Internal,
    External,
    Unknown,
}

/// An id of the domain: a string of digits.
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[schema(value_type = String, pattern = "^[0-9]{1,19}$")]
#[allow(dead_code)]
struct DomainId(String);

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct RuleTrackerCondition {
    tracker_id: DomainId,
    /// 1 when absent.
    #[serde(default)]
    min_count: u32,
}

/// The call's CRM context: some object is linked (of `objectType`, when given; with
/// `field` equal to `value`, when given: strings compared without case).
#[derive(Deserialize, Serialize, utoipa::ToSchema, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct RuleCrmCondition {
    object_type: Option<String>,
    field: Option<String>,
    value: Option<serde_json::Value>,
}

/// A webhook: Parley POSTs the call's JSON to `url` when the rule fires.
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct RuleWebhook {
    /// The destination (https); with `SecretInUrl` it holds the secret.
    url: String,
    auth: RuleWebhookAuth,
}

/// How a receiver knows a webhook came from Parley: a secret in the URL, or a JWT
/// (RS256, verify with `GET /parley/v1/automation/public-key`).
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
enum RuleWebhookAuth {
    SecretInUrl,
    Jwt,
}

/// An action of a rule as a body gives it, by `type`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(tag = "type")]
#[allow(dead_code)]
enum RuleActionInput {
    Webhook(RuleWebhook),
    CrmField(CrmActionBody),
}

/// An action of a rule as it is shown, by `type`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(tag = "type")]
#[allow(dead_code)]
enum RuleActionView {
    Webhook(RuleWebhook),
    CrmField(CrmActionView),
}

/// An action as a rule's body gives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum ActionBody {
    Webhook(WebhookAction),
    CrmField(CrmActionBody),
}

impl ActionBody {
    pub fn into_domain(self) -> Result<Action, Vec<String>> {
        match self {
            ActionBody::Webhook(w) => Ok(Action::Webhook(w)),
            ActionBody::CrmField(a) => a.into_domain().map(Action::CrmField),
        }
    }
}

/// An action as a rule is shown: the same shape a body gives.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type")]
pub enum ActionView {
    Webhook(WebhookAction),
    CrmField(CrmActionView),
}

impl ActionView {
    pub fn of(a: &Action) -> ActionView {
        match a {
            Action::Webhook(w) => ActionView::Webhook(w.clone()),
            Action::CrmField(a) => ActionView::CrmField(CrmActionView::of(a)),
        }
    }
}

/// A rule as the routes and `parley rules --json` show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleView {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub enabled: bool,
    #[schema(value_type = RuleCallFilter)]
    pub filter: CallFilter,
    #[schema(value_type = Vec<RuleActionView>)]
    pub actions: Vec<ActionView>,
    /// Why the rule was switched off automatically.
    pub disabled_reason: Option<String>,
    /// Deliveries given up in a row.
    pub consecutive_failures: u32,
    pub created: String,
    pub updated: String,
}

impl RuleView {
    pub fn of(r: &Rule, tz: Tz) -> RuleView {
        RuleView {
            id: r.id.to_string(),
            workspace_id: r.workspace_id.to_string(),
            name: r.name.clone(),
            enabled: r.enabled,
            filter: r.filter.clone(),
            actions: r.actions.iter().map(ActionView::of).collect(),
            disabled_reason: r.disabled_reason.clone(),
            consecutive_failures: r.failures,
            created: crate::time::format(r.created, tz),
            updated: crate::time::format(r.updated, tz),
        }
    }
}

/// One entry of a rule's delivery log.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// Also the `x-parley-delivery-id` header receivers de-duplicate on.
    pub id: String,
    pub rule_id: String,
    pub call_id: String,
    pub action: u32,
    pub is_test: bool,
    /// `pending`, `delivered`, `failed` or `cancelled`.
    pub state: &'static str,
    pub attempts: u32,
    /// The last attempt's HTTP status.
    pub response_code: Option<u16>,
    pub latency_ms: Option<u32>,
    /// The first bytes of the last answer.
    pub response: Option<String>,
    pub error: Option<String>,
    pub created: String,
    pub updated: String,
}

impl DeliveryView {
    pub fn of(d: &Delivery, tz: Tz) -> DeliveryView {
        DeliveryView {
            id: d.id.to_string(),
            rule_id: d.rule_id.to_string(),
            call_id: d.call_id.to_string(),
            action: d.action,
            is_test: d.is_test,
            state: d.state.key(),
            attempts: d.attempts,
            response_code: d.status,
            latency_ms: d.latency_ms,
            response: d.response.clone(),
            error: d.error.clone(),
            created: crate::time::format(d.created, tz),
            updated: crate::time::format(d.updated, tz),
        }
    }
}

/// `POST …/rules/{id}/test`: the call to send (default: the workspace's latest analysed).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestBody {
    pub call_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_domain::automation::WebhookAuth;
    use parley_domain::crm_write::{TrackerRef, WriteObjectType};
    use serde_json::json;

    fn body(actions: serde_json::Value) -> Result<RuleBody, serde_json::Error> {
        serde_json::from_value(json!({"name": "r", "actions": actions}))
    }

    #[test]
    fn a_rule_takes_webhook_and_crm_field_actions_and_shows_them_as_given() {
        let given = json!([
            {"type": "Webhook", "url": "https://h.example.com/x", "auth": "Jwt"},
            {"type": "CrmField", "tracker": "Competitors", "field": "Main_Competitors__c",
             "connectorId": "1234567890123456789"}
        ]);
        let actions = body(given.clone()).unwrap().actions().unwrap();
        assert_eq!(
            actions[0],
            Action::Webhook(WebhookAction {
                url: "https://h.example.com/x".into(),
                auth: WebhookAuth::Jwt
            })
        );
        let Action::CrmField(a) = &actions[1] else {
            panic!("{actions:?}")
        };
        assert_eq!(a.tracker, TrackerRef::Name("Competitors".into()));
        assert_eq!(a.object_type, WriteObjectType::Opportunity);
        assert_eq!(a.connector, 1234567890123456789);
        let shown: Vec<_> = actions.iter().map(ActionView::of).collect();
        let shown = serde_json::to_value(shown).unwrap();
        assert_eq!(shown[0], given[0]);
        assert_eq!(
            shown[1],
            json!({"type": "CrmField", "tracker": "Competitors", "objectType": "Opportunity",
                   "field": "Main_Competitors__c", "mergeWithCurrent": false,
                   "connectorId": "1234567890123456789"})
        );
        // What is shown is a body again.
        assert_eq!(body(shown).unwrap().actions().unwrap(), actions);
    }

    #[test]
    fn crm_field_mistakes_name_the_action_and_unknown_fields_are_refused() {
        let problems = body(json!([
            {"type": "Webhook", "url": "https://h.example.com/x", "auth": "Jwt"},
            {"type": "CrmField", "tracker": " ", "field": "", "objectType": "Lead",
             "connectorId": "x"}
        ]))
        .unwrap()
        .actions()
        .unwrap_err();
        assert_eq!(
            problems,
            [
                "actions[1].objectType must be one of Opportunity, Deal",
                "actions[1].connectorId must be a connector id",
                "actions[1].field must not be empty",
            ]
        );
        let e = body(json!([{"type": "CrmField", "tracker": "T", "field": "F",
                             "connectorId": "1", "connector": "2"}]))
        .unwrap_err();
        assert!(e.to_string().contains("unknown field `connector`"), "{e}");
        let e = body(json!([{"type": "Email", "to": "a@b.example"}])).unwrap_err();
        assert!(e.to_string().contains("unknown variant `Email`"), "{e}");
    }
}

#[cfg(test)]
mod filter_schema_tests {
    use super::*;
    use utoipa::PartialSchema;

    /// The schema mirrors the domain's filter: a condition added there must be added here.
    #[test]
    fn the_call_filter_schema_has_the_filters_fields() {
        let v = serde_json::to_value(CallFilter::default()).unwrap();
        let mut fields: Vec<&String> = v.as_object().unwrap().keys().collect();
        fields.sort();
        let s = serde_json::to_value(RuleCallFilter::schema()).unwrap();
        let mut props: Vec<&String> = s["properties"].as_object().unwrap().keys().collect();
        props.sort();
        assert_eq!(fields, props);
    }
}

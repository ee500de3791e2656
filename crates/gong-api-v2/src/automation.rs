//! Bodies of Parley's automation routes (`/parley/v1/automation/rules`), which Gong
//! configures only in its web app. A rule's `filter` and `actions` are the domain's JSON
//! form (`parley_domain::automation`), read with unknown fields refused.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use parley_domain::automation::{Action, CallFilter, Delivery, Rule};

/// A rule as `POST /parley/v1/automation/rules` and `PUT …/{id}` take it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleBody {
    /// Default: the company's default workspace.
    pub workspace_id: Option<String>,
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub filter: CallFilter,
    pub actions: Vec<Action>,
    /// Fire the rule now for the workspace's calls analysed already (each once).
    #[serde(default)]
    pub apply_to_past_calls: bool,
}

fn yes() -> bool {
    true
}

/// A rule as the routes and `parley rules --json` show it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleView {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub enabled: bool,
    pub filter: CallFilter,
    pub actions: Vec<Action>,
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
            actions: r.actions.clone(),
            disabled_reason: r.disabled_reason.clone(),
            consecutive_failures: r.failures,
            created: crate::time::format(r.created, tz),
            updated: crate::time::format(r.updated, tz),
        }
    }
}

/// One entry of a rule's delivery log.
#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestBody {
    pub call_id: Option<String>,
}

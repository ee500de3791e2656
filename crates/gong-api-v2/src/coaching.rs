//! `GET /v2/coaching`: a manager's coaching of their direct reports.
//!
//! Choice: the spec's nested shape (`manager`, `directReportsMetrics[].report`,
//! `metrics`), not AAG's flat rows; `metrics` is free-form in Gong's spec, and Parley's
//! are listed (and defined) in `docs/coaching.md`.

use serde::{Deserialize, Serialize};

use parley_domain::User;

/// The query, with Gong's hyphenated names.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoachingQuery {
    /// The workspace's id (required).
    #[param(required = true, min_length = 1)]
    #[serde(rename = "workspace-id")]
    pub workspace_id: Option<String>,
    /// The manager's user id (required).
    #[param(required = true, min_length = 1)]
    #[serde(rename = "manager-id")]
    pub manager_id: Option<String>,
    /// The period's start (required, ISO-8601).
    #[param(required = true, format = DateTime)]
    #[schema(format = DateTime)]
    pub from: Option<String>,
    /// The period's end (required, ISO-8601), after `from`.
    #[param(required = true, format = DateTime)]
    #[schema(format = DateTime)]
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoachingUser {
    pub id: String,
    pub email_address: String,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
}

impl CoachingUser {
    pub fn from_domain(u: &User) -> CoachingUser {
        CoachingUser {
            id: u.id.to_string(),
            email_address: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            title: u.title.clone(),
        }
    }
}

/// Parley's coaching metrics of one report over the period (`docs/coaching.md`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoachingMetrics {
    pub calls_as_host: u32,
    pub calls_listened_by_manager: u32,
    pub calls_received_feedback: u32,
    pub calls_received_comments: u32,
    pub scorecards_received: u32,
    pub average_scorecard_score: Option<f64>,
    pub coached_calls: u32,
    pub coaching_coverage: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportMetrics {
    pub report: CoachingUser,
    pub metrics: CoachingMetrics,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoachingData {
    pub manager: CoachingUser,
    pub direct_reports_metrics: Vec<ReportMetrics>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoachingResponse {
    pub request_id: String,
    pub coaching_data: Vec<CoachingData>,
}

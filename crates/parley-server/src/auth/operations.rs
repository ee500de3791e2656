//! Which operation each route is: the HTTP side of the core's authorisation table
//! ([`parley_app::access::Operation::need`]). A route missing here is refused to
//! everyone (fail closed), so a new route cannot ship unguarded: its tests fail first.

use axum::http::Method;
use parley_app::access::Operation::{self, *};

/// `(method, route template, operation)`; HEAD is treated as GET.
pub const ROUTES: &[(&str, &str, Operation)] = &[
    ("GET", "/v2/calls", ListCalls),
    ("GET", "/openapi.json", ReadApiDescription),
    ("GET", "/docs/api", ReadApiDescription),
    ("POST", "/mcp", UseMcp),
    ("POST", "/v2/calls", CreateCall),
    ("POST", "/v2/calls/extensive", CallsExtensive),
    ("POST", "/v2/calls/transcript", Transcripts),
    ("GET", "/v2/calls/{id}", GetCall),
    (
        "GET",
        "/v2/calls/manual-crm-associations",
        ReadManualCrmAssociations,
    ),
    ("GET", "/v2/crm/integrations", ReadCrmIntegrations),
    ("PUT", "/v2/crm/integrations", RegisterCrmIntegration),
    ("DELETE", "/v2/crm/integrations", DeleteCrmIntegration),
    ("GET", "/v2/crm/entity-schema", ReadCrmSchema),
    ("POST", "/v2/crm/entity-schema", WriteCrmSchema),
    ("POST", "/v2/crm/entities", UploadCrmObjects),
    ("GET", "/v2/crm/entities", ReadCrmObjects),
    ("GET", "/v2/crm/request-status", ReadCrmRequestStatus),
    ("PUT", "/parley/v1/calls/{id}/crm-association", WriteCall),
    ("DELETE", "/parley/v1/calls/{id}/crm-association", WriteCall),
    ("PUT", "/v2/calls/{id}/media", UploadMedia),
    ("GET", "/v2/users", ListUsers),
    ("POST", "/v2/users/extensive", ListUsers),
    ("GET", "/v2/users/{id}", ListUsers),
    ("GET", "/v2/users/{id}/settings-history", ListUsers),
    ("GET", "/v2/workspaces", ListWorkspaces),
    ("GET", "/v2/settings/trackers", ReadTrackerSettings),
    ("POST", "/v2/stats/interaction", StatsInteraction),
    (
        "GET",
        "/parley/v1/stats/interaction/averages",
        StatsInteraction,
    ),
    ("POST", "/v2/stats/activity/aggregate", StatsActivity),
    (
        "POST",
        "/v2/stats/activity/aggregate-by-period",
        StatsActivity,
    ),
    (
        "POST",
        "/v2/stats/activity/day-by-day",
        StatsActivityDetailed,
    ),
    ("GET", "/v2/logs", ReadLogs),
    ("GET", "/v2/settings/scorecards", ReadScorecardSettings),
    ("POST", "/v2/stats/activity/scorecards", StatsScorecards),
    ("GET", "/v2/coaching", ReadCoaching),
    ("GET", "/parley/v1/scorecards", ReadSettings),
    ("POST", "/parley/v1/scorecards", WriteScorecards),
    ("GET", "/parley/v1/scorecards/{id}", ReadSettings),
    ("PUT", "/parley/v1/scorecards/{id}", WriteScorecards),
    ("DELETE", "/parley/v1/scorecards/{id}", WriteScorecards),
    ("GET", "/parley/v1/calls/{id}/scorecards", ReadCallDetails),
    ("POST", "/parley/v1/calls/{id}/scorecards", AnswerScorecard),
    (
        "GET",
        "/parley/v1/calls/{id}/scorecards/{answered}",
        ReadCallDetails,
    ),
    (
        "PUT",
        "/parley/v1/calls/{id}/scorecards/{answered}",
        ChangeAnsweredScorecard,
    ),
    (
        "DELETE",
        "/parley/v1/calls/{id}/scorecards/{answered}",
        ChangeAnsweredScorecard,
    ),
    (
        "GET",
        "/v2/data-privacy/data-for-email-address",
        ReadPersonalData,
    ),
    (
        "GET",
        "/v2/data-privacy/data-for-phone-number",
        ReadPersonalData,
    ),
    (
        "POST",
        "/v2/data-privacy/erase-data-for-email-address",
        ErasePersonalData,
    ),
    (
        "POST",
        "/v2/data-privacy/erase-data-for-phone-number",
        ErasePersonalData,
    ),
    ("GET", "/parley/v1/data-privacy/erasures", ReadPersonalData),
    (
        "POST",
        "/parley/v1/data-privacy/erasures",
        ErasePersonalData,
    ),
    (
        "GET",
        "/parley/v1/data-privacy/erasures/{id}",
        ReadPersonalData,
    ),
    ("GET", "/parley/v1/calls/{id}/speakers", ReadCallDetails),
    ("GET", "/parley/v1/calls/{id}/waveform", ReadCallDetails),
    ("PUT", "/parley/v1/calls/{id}/speakers/{speaker}", WriteCall),
    ("POST", "/parley/v1/calls/{id}/transcribe", WriteCall),
    ("GET", "/parley/v1/calls/{id}/transcript", ReadCallDetails),
    ("PUT", "/parley/v1/calls/{id}/transcript", WriteCall),
    ("POST", "/parley/v1/calls/{id}/transcript", WriteCall),
    ("GET", "/parley/v1/calls/{id}/jobs", ReadCallDetails),
    ("GET", "/parley/v1/jobs", ListJobs),
    ("GET", "/parley/v1/workers", ListJobs),
    ("POST", "/parley/v1/jobs/{id}/cancel", ManageJobs),
    ("POST", "/parley/v1/jobs/{id}/retry", ManageJobs),
    ("DELETE", "/parley/v1/calls/{id}", DeleteCall),
    ("POST", "/parley/v1/analyze", AnalyzeAll),
    ("POST", "/parley/v1/calls/{id}/analyze", WriteCall),
    ("GET", "/parley/v1/calls/{id}/analysis", ReadCallDetails),
    ("GET", "/parley/v1/users", ManageUsers),
    ("POST", "/parley/v1/users", ManageUsers),
    ("PATCH", "/parley/v1/users/{id}", ManageUsers),
    ("POST", "/parley/v1/users/{id}/reset-link", ManageUsers),
    ("PUT", "/parley/v1/users/{id}/role", ManageUsers),
    ("POST", "/parley/v1/activity", RecordActivity),
    ("GET", "/parley/v1/calls", ListCalls),
    ("GET", "/parley/v1/calls/{id}/shares", ReadCallDetails),
    ("POST", "/parley/v1/calls/{id}/shares", ShareCall),
    ("DELETE", "/parley/v1/calls/{id}/shares/{share}", ShareCall),
    ("GET", "/parley/v1/calls/{id}/comments", ReadComments),
    ("POST", "/parley/v1/calls/{id}/comments", WriteComments),
    (
        "DELETE",
        "/parley/v1/calls/{id}/comments/{comment}",
        WriteComments,
    ),
    ("GET", "/parley/v1/trackers", ReadSettings),
    ("POST", "/parley/v1/trackers", WriteSettings),
    ("PUT", "/parley/v1/trackers/{id}", WriteSettings),
    ("DELETE", "/parley/v1/trackers/{id}", WriteSettings),
    ("POST", "/parley/v1/trackers/preview", WriteSettings),
    ("GET", "/parley/v1/trackers/backfills/{job}", WriteSettings),
    ("GET", "/parley/v1/topics", ReadSettings),
    ("PUT", "/parley/v1/topics", WriteSettings),
    ("POST", "/parley/v1/workspaces", ManageWorkspaces),
    ("GET", "/parley/v1/keys", ListKeys),
    ("POST", "/parley/v1/keys", ManageKeys),
    ("POST", "/parley/v1/keys/{key}/rotate", ManageKeys),
    ("DELETE", "/parley/v1/keys/{key}", ManageKeys),
    ("GET", "/v2/all-permission-profiles", ReadProfiles),
    ("GET", "/v2/permission-profile", ReadProfiles),
    ("POST", "/v2/permission-profile", WriteProfiles),
    ("PUT", "/v2/permission-profile", WriteProfiles),
    ("GET", "/v2/permission-profile/users", ReadProfileUsers),
    (
        "PUT",
        "/parley/v1/users/{id}/permission-profile",
        WriteProfiles,
    ),
    (
        "DELETE",
        "/parley/v1/users/{id}/permission-profile",
        WriteProfiles,
    ),
    ("GET", "/parley/v1/oauth-apps", ListOAuthApps),
    ("POST", "/parley/v1/oauth-apps", ManageOAuthApps),
    (
        "DELETE",
        "/parley/v1/oauth-apps/{client_id}",
        ManageOAuthApps,
    ),
    ("GET", "/parley/v1/calls/{id}/media", DownloadMedia),
    ("PUT", "/v2/calls/users-access", WriteCallUserAccess),
    ("POST", "/v2/calls/users-access", ReadCallUserAccess),
    ("DELETE", "/v2/calls/users-access", WriteCallUserAccess),
    ("POST", "/v2/integration-settings", WriteIntegrationSettings),
    ("GET", "/v2/integration-settings", WriteIntegrationSettings),
    ("GET", "/v2/flows", ReadFlows),
    ("POST", "/v2/flows/prospects", ReadFlows),
    ("POST", "/v2/flows/prospects/assign", AssignFlows),
    ("GET", "/parley/v1/flows", ReadFlows),
    ("POST", "/parley/v1/flows", ManageFlows),
    ("DELETE", "/parley/v1/flows/{id}", ManageFlows),
    ("GET", "/parley/v1/automation/rules", ReadAutomation),
    ("POST", "/parley/v1/automation/rules", ManageAutomation),
    ("GET", "/parley/v1/automation/rules/{id}", ReadAutomation),
    ("PUT", "/parley/v1/automation/rules/{id}", ManageAutomation),
    (
        "DELETE",
        "/parley/v1/automation/rules/{id}",
        ManageAutomation,
    ),
    (
        "GET",
        "/parley/v1/automation/rules/{id}/deliveries",
        ReadAutomation,
    ),
    (
        "POST",
        "/parley/v1/automation/rules/{id}/deliveries/{deliveryId}/replay",
        ManageAutomation,
    ),
    (
        "POST",
        "/parley/v1/automation/rules/{id}/test",
        ManageAutomation,
    ),
    ("GET", "/parley/v1/automation/public-key", ReadAutomation),
    ("GET", "/parley/v1/crm/connectors", ReadCrmConnectors),
    ("POST", "/parley/v1/crm/connectors", ManageCrmConnectors),
    ("GET", "/parley/v1/crm/connectors/{id}", ReadCrmConnectors),
    ("PUT", "/parley/v1/crm/connectors/{id}", ManageCrmConnectors),
    (
        "DELETE",
        "/parley/v1/crm/connectors/{id}",
        ManageCrmConnectors,
    ),
    ("GET", "/parley/v1/calls/{id}/crm-writes", ReadCrmWrites),
    ("POST", "/parley/v1/calls/{id}/crm-writes", RunCrmAction),
    ("GET", "/parley/v1/session", OwnSessions),
    ("DELETE", "/parley/v1/session", OwnSessions),
    (
        "POST",
        "/parley/v1/session/sign-out-everywhere",
        OwnSessions,
    ),
    // The library, meetings and engagement events.
    ("GET", "/v2/library/folders", ReadLibrary),
    ("GET", "/v2/library/folder-content", ReadLibrary),
    ("GET", "/parley/v1/library/folders", ReadLibrary),
    ("POST", "/parley/v1/library/folders", ManageLibrary),
    ("PATCH", "/parley/v1/library/folders/{id}", ManageLibrary),
    ("DELETE", "/parley/v1/library/folders/{id}", ManageLibrary),
    (
        "POST",
        "/parley/v1/library/folders/{id}/calls",
        ManageLibrary,
    ),
    (
        "DELETE",
        "/parley/v1/library/folders/{id}/calls/{item}",
        ManageLibrary,
    ),
    ("POST", "/v2/meetings", CreateMeeting),
    ("PUT", "/v2/meetings/{id}", UpdateMeeting),
    ("DELETE", "/v2/meetings/{id}", DeleteMeeting),
    (
        "POST",
        "/v2/meetings/integration/status",
        MeetingIntegrationStatus,
    ),
    ("GET", "/parley/v1/meetings", ReadMeetings),
    (
        "PUT",
        "/v2/customer-engagement/content/viewed",
        WriteEngagement,
    ),
    (
        "PUT",
        "/v2/customer-engagement/content/shared",
        WriteEngagement,
    ),
    ("PUT", "/v2/customer-engagement/action", WriteEngagement),
    ("POST", "/v2/digital-interaction", WriteDigitalInteraction),
    ("GET", "/parley/v1/engagement", ReadEngagement),
];

/// The operation of a matched route.
pub fn operation(method: &Method, route: &str) -> Option<Operation> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    ROUTES
        .iter()
        .find(|(m, r, _)| *m == method && *r == route)
        .map(|(_, _, op)| *op)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_is_listed_once_and_head_is_get() {
        for (i, (m, r, _)) in ROUTES.iter().enumerate() {
            assert!(
                !ROUTES[..i].iter().any(|(m2, r2, _)| m2 == m && r2 == r),
                "{m} {r} twice"
            );
        }
        assert_eq!(operation(&Method::HEAD, "/v2/calls"), Some(ListCalls));
        assert_eq!(operation(&Method::DELETE, "/v2/calls"), None);
    }
}

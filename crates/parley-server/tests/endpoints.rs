//! Every endpoint of Gong's API v2 (the table of the wire contract, §1, kept in
//! `tests/data/gong-v2-endpoints.tsv`) is routed: a real server answers each with
//! something other than "no such endpoint", a 405 or "no permission defined". The
//! endpoints not served yet are listed in `PENDING`; the test fails when one of them starts
//! answering, so the list only shrinks.

mod common;

use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::json;

const ENDPOINTS: &str = include_str!("data/gong-v2-endpoints.tsv");

/// Spec §1 endpoints that answer "no such endpoint" today.
const PENDING: &[(&str, &str)] = &[
    ("GET", "/v2/calls/manual-crm-associations"),
    ("PUT", "/v2/calls/users-access"),
    ("POST", "/v2/calls/users-access"),
    ("DELETE", "/v2/calls/users-access"),
    ("POST", "/v2/stats/activity/scorecards"),
    ("GET", "/v2/settings/scorecards"),
    ("GET", "/v2/library/folders"),
    ("GET", "/v2/library/folder-content"),
    ("POST", "/v2/meetings"),
    ("PUT", "/v2/meetings/{meetingId}"),
    ("DELETE", "/v2/meetings/{meetingId}"),
    ("POST", "/v2/meetings/integration/status"),
    ("PUT", "/v2/customer-engagement/content/viewed"),
    ("PUT", "/v2/customer-engagement/content/shared"),
    ("PUT", "/v2/customer-engagement/action"),
    ("POST", "/v2/digital-interaction"),
    ("GET", "/v2/data-privacy/data-for-email-address"),
    ("GET", "/v2/data-privacy/data-for-phone-number"),
    ("POST", "/v2/data-privacy/erase-data-for-email-address"),
    ("POST", "/v2/data-privacy/erase-data-for-phone-number"),
    ("GET", "/v2/crm/integrations"),
    ("PUT", "/v2/crm/integrations"),
    ("DELETE", "/v2/crm/integrations"),
    ("GET", "/v2/crm/entity-schema"),
    ("POST", "/v2/crm/entity-schema"),
    ("GET", "/v2/crm/entities"),
    ("POST", "/v2/crm/entities"),
    ("GET", "/v2/crm/request-status"),
    ("GET", "/v2/flows"),
    ("POST", "/v2/flows/prospects"),
    ("POST", "/v2/flows/prospects/assign"),
    ("GET", "/v2/coaching"),
    ("POST", "/v2/integration-settings"),
];

fn endpoints() -> Vec<(Method, String)> {
    ENDPOINTS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (m, p) = l.split_once('\t').expect("method<TAB>path");
            (m.parse().expect("an HTTP method"), p.to_owned())
        })
        .collect()
}

/// A template with its parameter names blanked: `/v2/meetings/{meetingId}` and
/// `/v2/meetings/{id}` are one route.
fn normalise(template: &str) -> String {
    template
        .split('/')
        .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn the_list_is_the_spec_table() {
    let all = endpoints();
    assert_eq!(all.len(), 55, "spec §1 lists 55 endpoints");
    for (m, p) in PENDING {
        assert!(
            all.iter().any(|(m2, p2)| m2.as_str() == *m && p2 == p),
            "{m} {p} is pending but not in the spec table"
        );
    }
}

#[tokio::test]
async fn every_endpoint_of_the_spec_is_routed() {
    let s = TestServer::start().await;
    let mut unrouted = Vec::new();
    let mut newly_routed = Vec::new();
    for (method, template) in endpoints() {
        // A well-formed id that names nothing: the route must match and answer for itself.
        let path = template
            .replace("{id}", "1234567890123456789")
            .replace("{meetingId}", "1234567890123456789");
        let body = (method != Method::GET).then(|| json!({}));
        let r = s.send(method.clone(), &path, body).await;
        let message = r.body.to_string();
        // Both: the template has an operation (so a sibling like `/v2/calls/{id}` answering
        // for it does not count), and the server answers it as a route.
        let listed = parley_server::auth::operations::ROUTES
            .iter()
            .any(|(m, t, _)| *m == method.as_str() && normalise(t) == normalise(&template));
        let routed = listed
            && !(r.status == StatusCode::METHOD_NOT_ALLOWED
                || message.contains("no such endpoint")
                || message.contains("has no permission defined"));
        assert!(
            r.status != StatusCode::INTERNAL_SERVER_ERROR,
            "{method} {path}: {message}"
        );
        let pending = PENDING
            .iter()
            .any(|(m, p)| *m == method.as_str() && *p == template);
        match (routed, pending) {
            (false, false) => unrouted.push(format!("{method} {template}: {} {message}", r.status)),
            (true, true) => newly_routed.push(format!("{method} {template}")),
            _ => {}
        }
    }
    assert!(unrouted.is_empty(), "not routed: {unrouted:#?}");
    assert!(
        newly_routed.is_empty(),
        "routed now, take them off PENDING: {newly_routed:#?}"
    );
}

//! Every endpoint of Gong's API v2 (the table of the wire contract, §1, kept in
//! `tests/data/gong-v2-endpoints.tsv`) is routed: a real server answers each with
//! something other than "no such endpoint", a 405 or "no permission defined", and never a
//! 500 for an empty body.

mod common;

use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::json;

const ENDPOINTS: &str = include_str!("data/gong-v2-endpoints.tsv");

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
}

#[tokio::test]
async fn every_endpoint_of_the_spec_is_routed() {
    let s = TestServer::start().await;
    let mut unrouted = Vec::new();
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
        if !routed {
            unrouted.push(format!("{method} {template}: {} {message}", r.status));
        }
    }
    assert!(unrouted.is_empty(), "not routed: {unrouted:#?}");
}

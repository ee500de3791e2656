//! `parley crm-connectors` and `parley crm-writes` on a real data folder: a connector made
//! with the body of `/parley/v1/crm/connectors`, shown with its secret redacted, changed
//! and deleted; an action run against a call with no CRM context is skipped; mistakes.

mod data_cli;

use data_cli::Data;
use serde_json::json;

#[test]
fn connectors_are_created_shown_redacted_and_deleted() {
    let d = Data::new();
    let file = d.file(
        "connector.json",
        &json!({"name": "HubSpot", "kind": "hubspot",
                "token": "pat-na1-11111111-2222-3333-4444-555555555555"})
        .to_string(),
    );
    let c = d
        .run(&["crm-connectors", "create", "--file", &file, "--json"])
        .json();
    let id = c["connector"]["id"].as_str().unwrap().to_owned();
    assert_eq!(c["connector"]["secrets"], json!({"token": "<redacted>"}));
    assert_eq!(
        c["connector"]["settings"],
        json!({"baseUrl": "https://api.hubapi.com"})
    );
    let list = d.run(&["crm-connectors", "list"]);
    assert!(list.ok, "{}", list.err);
    assert!(
        list.out.contains(&id) && list.out.contains("token (redacted)"),
        "{}",
        list.out
    );
    assert!(!list.out.contains("pat-na1"), "{}", list.out);
    let changed = d.file(
        "changed.json",
        &json!({"name": "HubSpot EU", "baseUrl": "https://api-eu1.hubapi.com"}).to_string(),
    );
    let c = d
        .run(&[
            "crm-connectors",
            "update",
            &id,
            "--file",
            &changed,
            "--json",
        ])
        .json();
    assert_eq!(c["connector"]["name"], "HubSpot EU");
    assert_eq!(c["connector"]["secrets"], json!({"token": "<redacted>"}));
    let del = d.run(&["crm-connectors", "delete", &id]);
    assert!(del.ok, "{}", del.err);
    d.run(&["crm-connectors", "show", &id])
        .fails_with(&["not found"]);
    let audit = d.audit();
    assert!(
        audit.contains("new crm connector from")
            && audit.contains(&format!("deleted crm connector {id}")),
        "{audit}"
    );
}

#[test]
fn connector_and_action_mistakes_are_named_and_fail() {
    let d = Data::new();
    let file = d.file(
        "bad.json",
        &json!({"name": "SF", "kind": "salesforce", "auth": "jwt_bearer", "clientId": "x"})
            .to_string(),
    );
    d.run(&["crm-connectors", "create", "--file", &file])
        .fails_with(&["username is required", "privateKey is required"]);
    let action = d.file(
        "action.json",
        &json!({"tracker": "Competitors", "field": "F", "connectorId": "1"}).to_string(),
    );
    d.run(&["crm-writes", "run", "--call", "42", "--file", &action])
        .fails_with(&["not found"]);
}

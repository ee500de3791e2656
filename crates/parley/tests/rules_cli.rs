//! `parley rules` on a real data folder: a rule created, listed, shown, updated and
//! deleted with the body of `/parley/v1/automation/rules`; the public key; and the
//! mistakes people meet (CRM field actions' included).

mod data_cli;

use data_cli::Data;
use serde_json::json;

#[test]
fn rules_are_created_listed_changed_and_deleted() {
    let d = Data::new();
    let body = json!({"name": "Competitors mentioned",
                      "filter": {"directions": ["Outbound"], "titleWords": ["pricing"]},
                      "actions": [{"type": "Webhook", "url": "https://hooks.example.com/gong",
                                   "auth": "Jwt"}]});
    let file = d.file("rule.json", &body.to_string());
    let r = d
        .run(&["rules", "create", "--file", &file, "--json"])
        .json();
    let id = r["rule"]["id"].as_str().unwrap().to_owned();
    assert_eq!(r["rule"]["enabled"], true);
    assert_eq!(r["rule"]["filter"]["titleWords"], json!(["pricing"]));

    let list = d.run(&["rules", "list"]);
    assert!(
        list.ok && list.out.contains(&id) && list.out.contains("Competitors mentioned"),
        "{}",
        list.out
    );
    let off = d.file(
        "off.json",
        &json!({"name": "Renamed", "enabled": false,
                "actions": [{"type": "Webhook", "url": "https://h.example.com/x?key=s", "auth": "SecretInUrl"}]})
        .to_string(),
    );
    let r = d
        .run(&["rules", "update", &id, "--file", &off, "--json"])
        .json();
    assert_eq!(
        (r["rule"]["name"].clone(), r["rule"]["enabled"].clone()),
        (json!("Renamed"), json!(false))
    );
    let log = d.run(&["rules", "deliveries", &id, "--json"]).json();
    assert_eq!(log["deliveries"], json!([]));

    let key = d.run(&["rules", "public-key"]);
    assert!(
        key.ok && key.out.starts_with("-----BEGIN PUBLIC KEY-----"),
        "{}",
        key.err
    );

    let del = d.run(&["rules", "delete", &id]);
    assert!(del.ok, "{}", del.err);
    d.run(&["rules", "show", &id])
        .fails_with(&["not found", "parley rules list"]);
    let audit = d.audit();
    assert!(
        audit.contains("new automation rule from")
            && audit.contains(&format!("deleted automation rule {id}")),
        "{audit}"
    );
}

#[test]
fn rule_mistakes_are_named_and_fail() {
    let d = Data::new();
    let f = |body: serde_json::Value| d.file("rule.json", &body.to_string());
    d.run(&[
        "rules",
        "create",
        "--file",
        &f(json!({"name": "x", "actions": [{"type": "Webhook", "url": "file:///etc/passwd", "auth": "Jwt"}]})),
    ])
    .fails_with(&["invalid", "actions[0].url must be http or https"]);
    d.run(&[
        "rules",
        "create",
        "--file",
        &f(json!({"name": "x", "actions": []})),
    ])
    .fails_with(&["invalid", "at least one action"]);
    d.run(&[
        "rules",
        "create",
        "--file",
        &f(
            json!({"name": "x", "actions": [{"type": "CrmField", "tracker": "Competitors",
                  "field": "Main_Competitors__c", "connectorId": "not-an-id"}]}),
        ),
    ])
    .fails_with(&["invalid", "actions[0].connectorId must be a connector id"]);
    d.run(&[
        "rules",
        "create",
        "--file",
        &f(
            json!({"name": "x", "actions": [{"type": "CrmField", "tracker": "Competitors",
                  "field": "Main_Competitors__c", "connectorId": "1234567890123456789"}]}),
        ),
    ])
    .fails_with(&[
        "invalid",
        "crm connector 1234567890123456789 is not a connector",
    ]);
    d.run(&["rules", "deliveries", "123", "--limit", "0"])
        .fails_with(&["max_deliveries_page"]);
    d.run(&["rules", "test", "123"])
        .fails_with(&["not found", "automation rule 123"]);
}

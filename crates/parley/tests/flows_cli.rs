//! `parley flows` on a real data folder: flows made, listed and deleted with the body of
//! `/parley/v1/flows`; and the errors people meet.

mod data_cli;

use data_cli::Data;
use serde_json::json;

#[test]
fn flows_are_created_listed_and_deleted() {
    let d = Data::new();
    let r = d.run(&[
        "users",
        "add",
        "--email",
        "ada@acme.test",
        "--name",
        "Ada Lovelace",
    ]);
    assert!(r.ok, "{}", r.err);
    let file = d.file(
        "flow.json",
        &json!({"name": "Inbound follow-up", "ownerEmail": "ada@acme.test",
                "visibility": "Shared", "folderName": "Q3", "exclusive": true})
        .to_string(),
    );
    let f = d
        .run(&["flows", "create", "--file", &file, "--json"])
        .json();
    let id = f["flow"]["id"].as_str().unwrap().to_owned();
    assert_eq!(f["flow"]["visibility"], "shared");
    assert_eq!(f["flow"]["exclusive"], true);
    let list = d.run(&["flows", "list"]);
    assert!(
        list.ok && list.out.contains(&id) && list.out.contains("Inbound follow-up"),
        "{}",
        list.out
    );
    let del = d.run(&["flows", "delete", &id]);
    assert!(del.ok, "{}", del.err);
    let list = d.run(&["flows", "list", "--json"]).json();
    assert_eq!(list["flows"], json!([]));
    d.run(&["flows", "delete", &id])
        .fails_with(&["not found", "parley flows list"]);
    let audit = d.audit();
    assert!(
        audit.contains("new flow from") && audit.contains(&format!("deleted flow {id}")),
        "{audit}"
    );
}

#[test]
fn flow_mistakes_are_named_and_fail() {
    let d = Data::new();
    let r = d.run(&[
        "users",
        "add",
        "--email",
        "ada@acme.test",
        "--name",
        "Ada Lovelace",
    ]);
    assert!(r.ok, "{}", r.err);
    let f = |body: serde_json::Value| d.file("flow.json", &body.to_string());
    d.run(&[
        "flows",
        "create",
        "--file",
        &f(json!({"name": "x", "ownerEmail": "ada@acme.test", "visibility": "secret"})),
    ])
    .fails_with(&["invalid: visibility must be company, personal or shared"]);
    d.run(&["flows", "create", "--file", &f(json!({"name": "x"}))])
        .fails_with(&["invalid", "ownerEmail"]);
    d.run(&[
        "flows",
        "create",
        "--file",
        &f(json!({"name": "x", "ownerEmail": "ada@acme.test", "workspaceId": "abc"})),
    ])
    .fails_with(&["not found: workspace abc was not found"]);
    d.run(&["flows", "delete", "nope"])
        .fails_with(&["not found: no flow \"nope\""]);
}

//! `parley library` on a real data folder: folders made, changed and deleted, calls and
//! snippets added and removed, with the bodies of `/parley/v1/library/folders`; and the
//! errors people meet.

mod data_cli;

use data_cli::Data;
use serde_json::json;

#[test]
fn folders_hold_calls_and_snippets() {
    let d = Data::demo();
    let call = d.sql("SELECT id FROM calls ORDER BY id LIMIT 1")[0].clone();
    let ws = d.sql(&format!("SELECT workspace_id FROM calls WHERE id = {call}"))[0].clone();

    let file = d.file(
        "folder.json",
        &json!({"name": "CLI picks", "workspaceId": ws, "public": true}).to_string(),
    );
    let f = d
        .run(&["library", "create", "--file", &file, "--json"])
        .json();
    let folder = f["folder"]["id"].as_str().unwrap().to_owned();
    assert_eq!(f["folder"]["public"], true);
    let list = d
        .run(&["library", "folders", "--workspace", &ws, "--json"])
        .json();
    assert!(
        list["folders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == folder.as_str()),
        "{list}"
    );

    // A subfolder goes where its parent is.
    let sub = d.file(
        "sub.json",
        &json!({"name": "Openers", "parentFolderId": folder}).to_string(),
    );
    let s = d
        .run(&["library", "create", "--file", &sub, "--json"])
        .json();
    assert_eq!(s["folder"]["workspaceId"], ws.as_str());
    assert_eq!(s["folder"]["parentFolderId"], folder.as_str());

    let add = d.file(
        "add.json",
        &json!({"callId": call, "note": "great opener", "fromSec": 10, "toSec": 40}).to_string(),
    );
    let item = d
        .run(&["library", "add", &folder, "--file", &add, "--json"])
        .json();
    let item_id = item["item"]["id"].as_str().unwrap().to_owned();
    assert_eq!(item["item"]["fromSec"], 10);
    let shown = d.run(&["library", "show", &folder, "--json"]).json();
    assert_eq!(shown["items"][0]["callId"], call.as_str(), "{shown}");
    let text = d.run(&["library", "show", &folder]);
    assert!(
        text.out.contains("great opener") && text.out.contains("10s..40s"),
        "{}",
        text.out
    );

    let change = d.file("change.json", r#"{"name": "CLI best", "public": false}"#);
    let up = d
        .run(&["library", "update", &folder, "--file", &change, "--json"])
        .json();
    assert_eq!(up["folder"]["name"], "CLI best");
    assert_eq!(up["folder"]["public"], false);

    let rm = d.run(&["library", "remove", &folder, &item_id]);
    assert!(rm.ok, "{}", rm.err);
    let shown = d.run(&["library", "show", &folder, "--json"]).json();
    assert_eq!(shown["items"], json!([]));
    let del = d.run(&["library", "delete", &folder]);
    assert!(del.ok, "{}", del.err);
    d.run(&["library", "show", &folder])
        .fails_with(&["not found", "parley library folders"]);

    let audit = d.audit();
    for t in [
        "new library folder from",
        &format!("library folder {folder}: call added"),
        &format!("library folder {folder}: item {item_id} removed"),
        &format!("deleted library folder {folder}"),
    ] {
        assert!(audit.contains(t), "{t:?} not in {audit}");
    }
}

#[test]
fn library_mistakes_are_named_and_fail() {
    let d = Data::demo();
    let call = d.sql("SELECT id FROM calls ORDER BY id LIMIT 1")[0].clone();
    let ws = d.sql(&format!("SELECT workspace_id FROM calls WHERE id = {call}"))[0].clone();
    let file = d.file(
        "folder.json",
        &json!({"name": "Mine", "workspaceId": ws}).to_string(),
    );
    let folder = d
        .run(&["library", "create", "--file", &file, "--json"])
        .json()["folder"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let half = d.file(
        "half.json",
        &json!({"callId": call, "fromSec": 10}).to_string(),
    );
    d.run(&["library", "add", &folder, "--file", &half])
        .fails_with(&["invalid: a snippet needs both fromSec and toSec"]);
    let nocall = d.file("nocall.json", r#"{"note": "x"}"#);
    d.run(&["library", "add", &folder, "--file", &nocall])
        .fails_with(&["invalid: callId is required"]);
    let unknown = d.file("unknown.json", r#"{"callId": "999"}"#);
    d.run(&["library", "add", &folder, "--file", &unknown])
        .fails_with(&["not found: no call \"999\""]);
    d.run(&["library", "delete", "123"])
        .fails_with(&["not found", "parley library folders"]);
    d.run(&["library", "remove", &folder, "123"])
        .fails_with(&["not found", &format!("parley library show {folder}")]);
    let nameless = d.file("nameless.json", r#"{"public": true}"#);
    d.run(&["library", "create", "--file", &nameless])
        .fails_with(&["invalid", "name"]);
    d.run(&["library", "folders", "--workspace", "42"])
        .fails_with(&["not found", "leave --workspace out"]);
}

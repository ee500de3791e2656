//! `parley crm` on a real data folder: an integration registered, its fields declared,
//! LDJSON uploads read (waited for, with their refused lines, or queued), objects read
//! back, the integration deleted; and the errors people meet.

mod data_cli;

use data_cli::Data;
use serde_json::json;

const ACCOUNTS: &str = r#"{"objectId":"A1","modifiedDate":"2024-03-01T10:00:00Z","name":"Acme","tier":"Gold"}
{"objectId":"A2","name":"No date"}
{"objectId":"A3","modifiedDate":"2024-03-01T10:00:00Z","name":"Beta","tier":"Bronze"}
not json
{"objectId":"A4","modifiedDate":"2024-03-01T10:00:00Z","name":"Gamma"}
"#;

#[test]
fn an_integration_is_registered_filled_read_and_deleted() {
    let d = Data::new();
    let reg = d.file(
        "register.json",
        &json!({"ownerEmail": "ops@acme.test", "name": "Acme CRM"}).to_string(),
    );
    let i = d.run(&["crm", "register", "--file", &reg, "--json"]).json();
    let id = i["integrationId"].as_i64().unwrap().to_string();
    assert_eq!(i["name"], "Acme CRM");
    let list = d.run(&["crm", "integrations"]);
    assert!(list.ok && list.out.contains(&id) && list.out.contains("ops@acme.test"));

    let schema = d.file(
        "schema.json",
        &json!([{"uniqueName": "tier", "label": "Tier", "type": "PICKLIST",
                 "orderedValueList": ["Gold", "Silver"]}])
        .to_string(),
    );
    let set = d.run(&[
        "crm",
        "set-schema",
        &id,
        "--object-type",
        "account",
        "--file",
        &schema,
    ]);
    assert!(
        set.ok && set.out.contains("1 fields declared"),
        "{}",
        set.err
    );
    let shown = d
        .run(&["crm", "schema", &id, "--object-type", "ACCOUNT", "--json"])
        .json();
    assert!(shown.to_string().contains("\"tier\""), "{shown}");

    // An upload is waited for; its refused lines are printed and the exit says so.
    let data = d.file("accounts.ldjson", ACCOUNTS);
    let up = d.run(&[
        "crm",
        "upload",
        &id,
        "--object-type",
        "ACCOUNT",
        &data,
        "--request-id",
        "r-1",
    ]);
    assert!(!up.ok, "{}", up.out);
    assert!(
        up.out.contains("2 lines stored, 3 refused")
            && up.out.contains("line 2: ")
            && up.out.contains("line 3: ")
            && up.out.contains("line 4: "),
        "{}",
        up.out
    );
    assert!(
        up.err.contains("3 line(s)") && up.err.contains("upload the file again"),
        "{}",
        up.err
    );
    let status = d.run(&["crm", "status", &id, "r-1", "--json"]).json();
    assert_eq!(status["status"], "DONE", "{status}");
    let found = d
        .run(&[
            "crm",
            "entities",
            &id,
            "--object-type",
            "ACCOUNT",
            "A1",
            "A2",
            "--json",
        ])
        .json();
    let text = found.to_string();
    assert!(text.contains("Acme") && !text.contains("No date"), "{text}");

    // A clean file succeeds; from standard input too.
    let ok = d.run_with_input(
        &["crm", "upload", &id, "--object-type", "ACCOUNT", "-"],
        "{\"objectId\":\"A5\",\"modifiedDate\":\"2024-03-02T10:00:00Z\",\"name\":\"Delta\"}\n",
    );
    assert!(
        ok.ok && ok.out.contains("1 lines stored, 0 refused"),
        "{} {}",
        ok.out,
        ok.err
    );

    // --no-wait only queues: with no worker running, the request stays pending.
    let queued = d.run(&[
        "crm",
        "upload",
        &id,
        "--object-type",
        "ACCOUNT",
        &data,
        "--request-id",
        "r-2",
        "--no-wait",
    ]);
    assert!(
        queued.ok && queued.out.contains("crm status"),
        "{}",
        queued.err
    );
    let status = d.run(&["crm", "status", &id, "r-2"]);
    assert!(
        status.ok && status.out.contains("PENDING"),
        "{}",
        status.out
    );
    // A request id is used once.
    d.run(&[
        "crm",
        "upload",
        &id,
        "--object-type",
        "ACCOUNT",
        &data,
        "--request-id",
        "r-2",
    ])
    .fails_with(&["conflict"]);

    let del = d.run(&["crm", "delete", &id]);
    assert!(del.ok, "{}", del.err);
    let list = d.run(&["crm", "integrations", "--json"]).json();
    assert_eq!(list["integrations"], json!([]));

    let audit = d.audit();
    for t in [
        "new crm integration from",
        &format!("crm integration {id}: ACCOUNT upload of"),
        &format!("crm integration {id}: account schema"),
        &format!("deleted crm integration {id}"),
    ] {
        assert!(audit.contains(t), "{t:?} not in {audit}");
    }
}

#[test]
fn crm_mistakes_are_named_and_fail() {
    let d = Data::new();
    d.run(&["crm", "status", "123", "x"])
        .fails_with(&["not found", "request x of integration 123"]);
    d.run(&["crm", "schema", "123"]).fails_with(&[
        "not found",
        "integration 123 was not found",
        "parley crm integrations",
    ]);
    d.run(&["crm", "schema", "abc"])
        .fails_with(&["not found: no integration \"abc\""]);
    let reg = d.file("register.json", r#"{"name": "No owner"}"#);
    d.run(&["crm", "register", "--file", &reg])
        .fails_with(&["invalid: ownerEmail is required"]);
    let reg = d.file(
        "register.json",
        r#"{"ownerEmail": "a@b.test", "name": "X"}"#,
    );
    let id = d.run(&["crm", "register", "--file", &reg, "--json"]).json()["integrationId"]
        .as_i64()
        .unwrap()
        .to_string();
    d.run(&["crm", "upload", &id, "--object-type", "PLANET", "x.ldjson"])
        .fails_with(&["invalid: --object-type \"PLANET\"", "ACCOUNT"]);
    d.run(&[
        "crm",
        "upload",
        &id,
        "--object-type",
        "ACCOUNT",
        "missing.ldjson",
    ])
    .fails_with(&["cannot read missing.ldjson"]);
    let empty = d.file("empty.ldjson", "\n");
    d.run(&["crm", "upload", &id, "--object-type", "ACCOUNT", &empty])
        .fails_with(&["invalid: dataFile is empty"]);
    let bad = d.file("bad.json", "[{\"uniqueName\": }]");
    d.run(&[
        "crm",
        "set-schema",
        &id,
        "--object-type",
        "ACCOUNT",
        "--file",
        &bad,
    ])
    .fails_with(&["bad JSON at line 1, column 17"]);
}

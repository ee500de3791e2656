//! `parley access` on a real data folder: calls granted to users and taken back with the
//! bodies of `/v2/calls/users-access`; and the errors people meet.

mod data_cli;

use data_cli::Data;
use serde_json::json;

#[test]
fn calls_are_granted_shown_and_revoked() {
    let d = Data::demo();
    // A call the demo granted to nobody (it grants some calls to some users): the test
    // reads the grant list back whole.
    let call = d.sql(
        "SELECT id FROM calls WHERE id NOT IN (SELECT call_id FROM call_user_access) \
         ORDER BY id LIMIT 1",
    )[0]
    .clone();
    let user = d.sql("SELECT id FROM users ORDER BY id DESC LIMIT 1")[0].clone();
    let body = json!({"callAccessList": [{"callId": call, "userIds": [user]}]}).to_string();
    let file = d.file("grant.json", &body);
    let g = d.run(&["access", "grant", "--file", &file]);
    assert!(g.ok && g.out.contains("1 grants of 1 calls"), "{}", g.err);
    let shown = d.run(&["access", "show", &call, "--json"]).json();
    assert_eq!(
        shown["callAccessList"][0]["callId"],
        call.as_str(),
        "{shown}"
    );
    assert_eq!(
        shown["callAccessList"][0]["users"][0]["userId"],
        user.as_str(),
        "{shown}"
    );
    let text = d.run(&["access", "show", &call]);
    assert!(
        text.out.contains(&format!("granted to {user}")),
        "{}",
        text.out
    );

    let r = d.run_with_input(&["access", "revoke", "--file", "-"], &body);
    assert!(r.ok, "{}", r.err);
    let text = d.run(&["access", "show", &call]);
    assert!(text.out.contains("granted to nobody"), "{}", text.out);

    let audit = d.audit();
    assert!(
        audit.contains("call access granted from") && audit.contains("call access revoked from"),
        "{audit}"
    );
}

#[test]
fn grant_mistakes_are_named_and_fail() {
    let d = Data::demo();
    // A call the demo granted to nobody (it grants some calls to some users): the test
    // reads the grant list back whole.
    let call = d.sql(
        "SELECT id FROM calls WHERE id NOT IN (SELECT call_id FROM call_user_access) \
         ORDER BY id LIMIT 1",
    )[0]
    .clone();
    let f = |b: serde_json::Value| d.file("grant.json", &b.to_string());
    d.run(&[
        "access",
        "grant",
        "--file",
        &f(json!({"callAccessList": [{"callId": "1", "userIds": []}]})),
    ])
    .fails_with(&["calls not found", "GET /v2/calls"]);
    d.run(&[
        "access",
        "grant",
        "--file",
        &f(json!({"callAccessList": [{"callId": call, "userIds": ["x"]}]})),
    ])
    .fails_with(&["not found: some users not found", "parley users list"]);
    d.run(&["access", "grant", "--file", &f(json!({"calls": []}))])
        .fails_with(&["invalid", "callAccessList"]);
    d.run(&["access", "show", "nope"])
        .fails_with(&["not found: no call \"nope\""]);
}

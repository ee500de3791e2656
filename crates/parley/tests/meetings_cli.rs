//! `parley meetings` on a real data folder: a meeting scheduled, listed, changed and
//! deleted with Gong's body; and the errors people meet.

mod data_cli;

use data_cli::Data;
use serde_json::json;

fn with_organiser() -> Data {
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
    d
}

fn meeting(title: &str) -> String {
    json!({
        "startTime": "2031-03-04T10:00:00Z",
        "endTime": "2031-03-04T10:30:00Z",
        "organizerEmail": "ada@acme.test",
        "title": title,
        "invitees": [{"email": "buyer@customer.test", "displayName": "Bo Buyer"}]
    })
    .to_string()
}

#[test]
fn meetings_are_scheduled_listed_changed_and_deleted() {
    let d = with_organiser();
    let file = d.file("meeting.json", &meeting("Discovery"));
    let m = d
        .run(&["meetings", "create", "--file", &file, "--json"])
        .json();
    let id = m["meeting"]["meetingId"].as_str().unwrap().to_owned();
    assert_eq!(m["meeting"]["title"], "Discovery");
    assert!(
        m["meeting"]["meetingUrl"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/meetings/{id}")),
        "{m}"
    );

    let list = d
        .run(&["meetings", "list", "--from", "2031-03-01", "--json"])
        .json();
    assert_eq!(list["meetings"][0]["meetingId"], id.as_str(), "{list}");
    let none = d
        .run(&["meetings", "list", "--to", "2031-03-01", "--json"])
        .json();
    assert_eq!(none["meetings"], json!([]));
    let text = d.run(&["meetings", "list"]);
    assert!(
        text.ok && text.out.contains("Discovery") && text.out.contains(&id),
        "{}",
        text.out
    );

    let file = d.file("meeting2.json", &meeting("Demo"));
    let up = d.run(&["meetings", "update", &id, "--file", &file]);
    assert!(up.ok && up.out.contains("Demo"), "{}", up.err);

    // Another organiser's meeting is not found.
    d.run(&[
        "meetings",
        "delete",
        &id,
        "--organizer-email",
        "nobody@acme.test",
    ])
    .fails_with(&["not found", "parley meetings list"]);
    let del = d.run(&[
        "meetings",
        "delete",
        &id,
        "--organizer-email",
        "ada@acme.test",
    ]);
    assert!(del.ok, "{}", del.err);
    let list = d.run(&["meetings", "list", "--json"]).json();
    assert_eq!(list["meetings"], json!([]));

    let audit = d.audit();
    for t in [
        "new meeting from",
        &format!("meeting {id}"),
        &format!("deleted meeting {id}"),
    ] {
        assert!(audit.contains(t), "{t:?} not in {audit}");
    }
}

#[test]
fn meeting_mistakes_are_named_and_fail() {
    let d = with_organiser();
    let bad = d.file(
        "bad.json",
        &meeting("x").replace("2031-03-04T10:00:00Z", "someday"),
    );
    d.run(&["meetings", "create", "--file", &bad])
        .fails_with(&["invalid: ", "startTime"]);
    let missing = d.file("missing.json", r#"{"startTime": "2031-03-04T10:00:00Z"}"#);
    d.run(&["meetings", "create", "--file", &missing])
        .fails_with(&["invalid", "endTime"]);
    let stranger = d.file(
        "stranger.json",
        &meeting("x").replace("ada@acme.test", "eve@elsewhere.test"),
    );
    d.run(&["meetings", "create", "--file", &stranger])
        .fails_with(&["not found", "eve@elsewhere.test"]);
    d.run(&[
        "meetings",
        "update",
        "123",
        "--file",
        &d.file("ok.json", &meeting("y")),
    ])
    .fails_with(&["not found", "parley meetings list"]);
    d.run(&[
        "meetings",
        "list",
        "--from",
        "2031-03-02",
        "--to",
        "2031-03-01",
    ])
    .fails_with(&["invalid: --to is before --from"]);
    d.run(&["meetings", "list", "--from", "soon"])
        .fails_with(&["invalid: --from"]);
}

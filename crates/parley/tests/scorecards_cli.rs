//! `parley scorecards` on a real data folder: definitions made, shown, changed and
//! deleted, a call's scorecard filled, and the errors people meet.

mod data_cli;

use data_cli::Data;
use serde_json::json;

#[test]
fn scorecards_are_defined_filled_listed_and_deleted() {
    let d = Data::demo();
    let call = d.sql("SELECT id FROM calls ORDER BY id LIMIT 1")[0].clone();
    let ws = d.sql(&format!("SELECT workspace_id FROM calls WHERE id = {call}"))[0].clone();
    let host = d.sql(&format!(
        "SELECT primary_user_id FROM calls WHERE id = {call}"
    ))[0]
        .clone();

    let def = json!({
        "scorecardName": "CLI review",
        "workspaceId": ws,
        "questions": [
            {"questionText": "How was the call?", "questionType": "RANGE", "isOverall": true,
             "minRange": 1, "maxRange": 5, "isMandatory": true},
            {"questionText": "Was a next step set?", "questionType": "yes-no"}
        ]
    });
    let file = d.file("scorecard.json", &def.to_string());
    let created = d
        .run(&["scorecards", "create", "--file", &file, "--json"])
        .json();
    let s = &created["scorecard"];
    let id = s["scorecardId"].as_str().unwrap().to_owned();
    assert_eq!(s["scorecardName"], "CLI review");
    assert_eq!(s["workspaceId"], ws.as_str());
    assert_eq!(s["questions"].as_array().unwrap().len(), 2);
    assert!(created.get("requestId").is_none(), "{created}");

    // Listed (with the demo's own) and shown, as text and JSON.
    let list = d
        .run(&["scorecards", "list", "--workspace", &ws, "--json"])
        .json();
    assert!(
        list["scorecards"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["scorecardId"] == id.as_str()),
        "{list}"
    );
    let shown = d.run(&["scorecards", "show", &id]);
    assert!(shown.ok, "{}", shown.err);
    assert!(
        shown.out.contains("CLI review") && shown.out.contains("How was the call?"),
        "{}",
        shown.out
    );

    // Updated from standard input: the questions keep their ids when named.
    let q0 = s["questions"][0]["questionId"].as_str().unwrap().to_owned();
    let changed = json!({
        "scorecardName": "CLI review v2",
        "questions": [
            {"questionId": q0, "questionText": "How was the call?", "questionType": "RANGE",
             "isOverall": true, "minRange": 1, "maxRange": 5}
        ]
    });
    let up = d.run_with_input(
        &["scorecards", "update", &id, "--file", "-", "--json"],
        &changed.to_string(),
    );
    let up = up.json();
    assert_eq!(up["scorecard"]["scorecardName"], "CLI review v2");
    assert_eq!(up["scorecard"]["questions"][0]["questionId"], q0.as_str());

    // Filled for a call: the CLI acts for no user, so the body names the reviewer.
    let answer = json!({
        "scorecardId": id,
        "reviewerUserId": host,
        "answers": [{"questionId": q0, "score": 4}]
    });
    let file = d.file("answer.json", &answer.to_string());
    let a = d
        .run(&[
            "scorecards",
            "answer",
            "--call",
            &call,
            "--file",
            &file,
            "--json",
        ])
        .json();
    assert_eq!(a["answeredScorecard"]["callId"], call.as_str());
    assert_eq!(a["answeredScorecard"]["answers"][0]["score"], 4);
    let answered = d
        .run(&["scorecards", "answered", "--call", &call, "--json"])
        .json();
    assert!(
        answered["answeredScorecards"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["scorecardId"] == id.as_str()),
        "{answered}"
    );

    // A filled scorecard is kept (its answers count); one never filled is deleted.
    d.run(&["scorecards", "delete", &id])
        .fails_with(&["conflict: ", "disable it instead"]);
    let spare = json!({"scorecardName": "Spare", "workspaceId": ws,
                       "questions": [{"questionText": "Notes", "questionType": "OPEN_ENDED"}]});
    let file = d.file("spare.json", &spare.to_string());
    let spare = d
        .run(&["scorecards", "create", "--file", &file, "--json"])
        .json();
    let spare = spare["scorecard"]["scorecardId"]
        .as_str()
        .unwrap()
        .to_owned();
    let gone = d.run(&["scorecards", "delete", &spare]);
    assert!(gone.ok && gone.out.contains("deleted"), "{}", gone.err);
    d.run(&["scorecards", "show", &spare])
        .fails_with(&["not found", "parley scorecards list"]);

    // Every write is in the audit log, as the CLI's.
    let audit = d.audit();
    for t in [
        "new scorecard from",
        &format!("scorecard {id}"),
        &format!("scorecard of call {call}"),
        &format!("deleted scorecard {spare}"),
    ] {
        assert!(audit.contains(t), "{t:?} not in {audit}");
    }
    assert!(
        audit.contains("cli tester") && audit.contains("data-changed"),
        "{audit}"
    );
}

#[test]
fn scorecard_mistakes_are_named_and_fail() {
    let d = Data::demo();
    // Missing file, bad JSON (with its line and column), a wrong field type.
    d.run(&["scorecards", "create", "--file", "nope.json"])
        .fails_with(&["cannot read nope.json", "- for standard input"]);
    let bad = d.file(
        "bad.json",
        "{\n  \"scorecardName\": \"x\",\n  \"questions\": [\n}",
    );
    d.run(&["scorecards", "create", "--file", &bad])
        .fails_with(&["invalid: ", "bad JSON at line 4, column 1"]);
    let wrong = d.file("wrong.json", r#"{"scorecardName": "x", "enabled": "yes"}"#);
    d.run(&["scorecards", "create", "--file", &wrong])
        .fails_with(&["invalid field enabled", "line 1"]);
    // A definition the rules refuse is a failed write, audited as such.
    let empty = d.file("empty.json", r#"{"scorecardName": ""}"#);
    d.run(&["scorecards", "create", "--file", &empty])
        .fails_with(&["invalid: "]);
    // Unknown ids.
    d.run(&["scorecards", "show", "123"])
        .fails_with(&["not found", "parley scorecards list"]);
    d.run(&["scorecards", "delete", "abc"])
        .fails_with(&["not found"]);
    d.run(&["scorecards", "answered", "--call", "42"])
        .fails_with(&["not found: no call \"42\""]);
    let audit = d.audit();
    assert!(audit.contains("failed: invalid"), "{audit}");
    assert!(audit.contains("failed: not found"), "{audit}");
}

#[test]
fn a_filled_scorecard_is_edited_in_place_and_deleted() {
    let d = Data::demo();
    let call = d.sql("SELECT id FROM calls ORDER BY id LIMIT 1")[0].clone();
    let ws = d.sql(&format!("SELECT workspace_id FROM calls WHERE id = {call}"))[0].clone();
    let host = d.sql(&format!(
        "SELECT primary_user_id FROM calls WHERE id = {call}"
    ))[0]
        .clone();
    let def = json!({
        "scorecardName": "CLI edits",
        "workspaceId": ws,
        "questions": [
            {"questionText": "How was the call?", "questionType": "RANGE", "isOverall": true,
             "minRange": 1, "maxRange": 5, "isMandatory": true}
        ]
    });
    let file = d.file("edits.json", &def.to_string());
    let s = d
        .run(&["scorecards", "create", "--file", &file, "--json"])
        .json();
    let id = s["scorecard"]["scorecardId"].as_str().unwrap().to_owned();
    let q0 = s["scorecard"]["questions"][0]["questionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = json!({"scorecardId": id, "reviewerUserId": host,
                        "answers": [{"questionId": q0, "score": 2}]});
    let file = d.file("answer.json", &answer.to_string());
    let a = d
        .run(&[
            "scorecards",
            "answer",
            "--call",
            &call,
            "--file",
            &file,
            "--json",
        ])
        .json();
    let answered = a["answeredScorecard"]["answeredScorecardId"]
        .as_str()
        .unwrap()
        .to_owned();

    let edit = json!({"answers": [{"questionId": q0, "score": 5}]});
    let file = d.file("edit.json", &edit.to_string());
    let e = d
        .run(&[
            "scorecards",
            "edit-answer",
            "--call",
            &call,
            &answered,
            "--file",
            &file,
            "--json",
        ])
        .json();
    let e = &e["answeredScorecard"];
    assert_eq!(e["answeredScorecardId"], answered.as_str());
    assert_eq!(e["answers"][0]["score"], 5);
    assert_eq!(e["editorUserId"], host.as_str(), "in the reviewer's name");
    // Out of range: named, nothing changed.
    let bad = d.file(
        "bad.json",
        &json!({"answers": [{"questionId": q0, "score": 7}]}).to_string(),
    );
    d.run(&[
        "scorecards",
        "edit-answer",
        "--call",
        &call,
        &answered,
        "--file",
        &bad,
    ])
    .fails_with(&["invalid: ", "not within 1..=5"]);
    d.run(&["scorecards", "delete-answer", "--call", &call, "123"])
        .fails_with(&["not found", "parley scorecards answered --call"]);

    let gone = d.run(&["scorecards", "delete-answer", "--call", &call, &answered]);
    assert!(gone.ok && gone.out.contains("deleted"), "{}", gone.err);
    // With its only answer gone, the scorecard itself can be deleted.
    let del = d.run(&["scorecards", "delete", &id]);
    assert!(del.ok, "{}", del.err);
    let audit = d.audit();
    for t in [
        format!("answered scorecard {answered} of call {call}"),
        format!("deleted answered scorecard {answered} of call {call}"),
    ] {
        assert!(audit.contains(&t), "{t:?} not in {audit}");
    }
}

//! `parley privacy` on a real data folder: what is held about an address found, an erase
//! refused without --yes, reported by a dry run, then run (the job done by the command
//! itself) with its report; erase reports listed; and the errors people meet.

mod data_cli;

use data_cli::Data;

#[test]
fn a_person_is_found_dry_run_erased_and_reported() {
    let d = Data::demo();
    let email = d.sql(
        "SELECT email FROM parties WHERE affiliation = 'external' AND email IS NOT NULL \
         ORDER BY id LIMIT 1",
    )[0]
    .clone();
    let calls_before = d.sql(&format!(
        "SELECT call_id FROM parties WHERE email = '{email}'"
    ));
    assert!(!calls_before.is_empty());

    let found = d
        .run(&["privacy", "find", "--email", &email, "--json"])
        .json();
    let listed: Vec<&str> = found["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for c in &calls_before {
        assert!(listed.contains(&c.as_str()), "{c} not in {found}");
    }
    let text = d.run(&["privacy", "find", "--email", &email]);
    assert!(
        text.ok && text.out.contains("calls as a party:"),
        "{}",
        text.out
    );
    assert!(
        !text.out.contains(&email),
        "the address is shown masked: {}",
        text.out
    );

    // No --yes, no erase.
    d.run(&["privacy", "erase", "--email", &email])
        .fails_with(&["cannot be undone", "--dry-run", "--yes"]);
    let dry = d
        .run(&["privacy", "erase", "--email", &email, "--dry-run", "--json"])
        .json();
    assert_eq!(dry["erasure"]["dryRun"], true);
    assert_eq!(dry["erasure"]["state"], "done");
    assert!(
        dry["erasure"]["report"]["found"]["parties"]
            .as_u64()
            .unwrap()
            >= 1,
        "{dry}"
    );
    assert_eq!(
        d.sql(&format!(
            "SELECT count(*) FROM parties WHERE email = '{email}'"
        )),
        [calls_before.len().to_string()],
        "a dry run deletes nothing"
    );

    let erased = d.run(&["privacy", "erase", "--email", &email, "--yes"]);
    assert!(erased.ok, "{}", erased.err);
    assert!(
        erased.out.contains("done") && erased.out.contains("calls were deleted"),
        "{}",
        erased.out
    );
    assert_eq!(
        d.sql(&format!(
            "SELECT count(*) FROM parties WHERE email = '{email}' COLLATE NOCASE"
        )),
        ["0"]
    );
    let id = erased.out.split_whitespace().nth(1).unwrap().to_owned();
    let one = d.run(&["privacy", "erasure", &id, "--json"]).json();
    assert_eq!(one["erasure"]["state"], "done");
    assert_eq!(one["erasure"]["dryRun"], false);
    let list = d.run(&["privacy", "erasures"]);
    assert!(
        list.ok && list.out.contains(&id) && list.out.contains("(dry run)"),
        "{}",
        list.out
    );

    // The audit log names the erase by the masked address only.
    let audit = d.audit();
    assert!(audit.contains("personal-data-erased"), "{audit}");
    assert!(!audit.contains(&email), "{audit}");
}

#[test]
fn privacy_mistakes_are_named_and_fail() {
    let d = Data::new();
    d.run(&["privacy", "find", "--email", "not-an-address"])
        .fails_with(&["invalid: "]);
    d.run(&["privacy", "erasure", "123"])
        .fails_with(&["not found: no erasure \"123\"", "parley privacy erasures"]);
    d.run(&["privacy", "erasures", "--limit", "0"])
        .fails_with(&["invalid: --limit"]);
    let both = d.file(
        "both.json",
        r#"{"emailAddress": "a@b.test", "phoneNumber": "+15550100"}"#,
    );
    d.run(&["privacy", "erase", "--file", &both, "--dry-run"])
        .fails_with(&["invalid: give exactly one"]);
    let bad = d.file("bad.json", "{\"emailAddress\": \"a@b.test\",}");
    d.run(&["privacy", "erase", "--file", &bad, "--yes"])
        .fails_with(&["bad JSON at line 1"]);
    // A dry run from a body: nothing held, an empty report.
    let body = d.file(
        "dry.json",
        r#"{"phoneNumber": "+1 555 0100", "dryRun": true}"#,
    );
    let r = d.run(&["privacy", "erase", "--file", &body]);
    assert!(
        r.ok && r.out.contains("(dry run)") && r.out.contains("0 calls would be deleted"),
        "{} {}",
        r.out,
        r.err
    );
}

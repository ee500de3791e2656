use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::*;
use crate::calls::salesforce_id;
use crate::data::{Kind, ACCOUNTS_TOML, COMPANY_TOML, SCRIPTS_TOML};

fn fixed_now() -> Timestamp {
    DateTime::parse_from_rfc3339("2026-10-15T16:30:00Z")
        .unwrap()
        .to_utc()
}

#[test]
fn the_data_files_parse_and_every_reference_resolves() {
    // `embedded` resolves every user key, manager, kind, exchange list and placeholder,
    // and refuses exchange lists no kind uses.
    let demo = Demo::embedded().unwrap();
    assert_eq!(demo.workspaces.len(), 3);
    assert_eq!(demo.users.len(), 12);
    assert_eq!(demo.accounts.len(), 11);
    for (i, u) in demo.users.iter().enumerate() {
        assert!(
            u.manager.is_none_or(|m| m < i),
            "{} before their manager",
            u.first
        );
    }
    // Every kind of call is held with some account, so no script is dead.
    let used: HashSet<Kind> = demo
        .accounts
        .iter()
        .flat_map(|a| a.meetings.iter().copied())
        .collect();
    for kind in Kind::ALL {
        assert!(used.contains(&kind), "no account has a {kind:?} meeting");
    }
    // Account roles name users of the fitting role.
    for a in &demo.accounts {
        assert_eq!(demo.users[a.ae].role, Role::AccountExecutive, "{}", a.name);
        assert!(a
            .sdr
            .is_none_or(|u| demo.users[u].role == Role::SalesDevelopment));
        assert!(a
            .csm
            .is_none_or(|u| demo.users[u].role == Role::CustomerSuccess));
        assert!(a.contacts.len() >= 2, "{}", a.name);
    }
}

#[test]
fn broken_data_is_refused_with_the_file_and_the_name() {
    let unknown_manager = COMPANY_TOML.replace("manager = \"dana\"", "manager = \"nobody\"");
    let e = Demo::parse(&unknown_manager, ACCOUNTS_TOML, SCRIPTS_TOML)
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .starts_with("data/company.toml: manager \"nobody\""),
        "{e}"
    );

    let unknown_user = ACCOUNTS_TOML.replace(
        "account_executive = \"priya\"",
        "account_executive = \"pria\"",
    );
    let e = Demo::parse(COMPANY_TOML, &unknown_user, SCRIPTS_TOML)
        .err()
        .unwrap();
    assert!(e.to_string().contains("\"pria\""), "{e}");

    let unknown_kind = ACCOUNTS_TOML.replacen("\"won\"", "\"signed\"", 1);
    let e = Demo::parse(COMPANY_TOML, &unknown_kind, SCRIPTS_TOML)
        .err()
        .unwrap();
    assert!(e.to_string().starts_with("data/accounts.toml: "), "{e}");

    let placeholder = SCRIPTS_TOML.replace("something like {comp}", "something like {competitor}");
    let e = Demo::parse(COMPANY_TOML, ACCOUNTS_TOML, &placeholder)
        .err()
        .unwrap();
    assert!(e.to_string().contains("{competitor}"), "{e}");

    let missing = SCRIPTS_TOML.replace("exchanges = \"won\"", "exchanges = \"wonn\"");
    let e = Demo::parse(COMPANY_TOML, ACCOUNTS_TOML, &missing)
        .err()
        .unwrap();
    assert!(e.to_string().contains("\"wonn\""), "{e}");

    let unused = SCRIPTS_TOML.replace("exchanges = \"won\"", "exchanges = \"lost\"");
    let e = Demo::parse(COMPANY_TOML, ACCOUNTS_TOML, &unused)
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "data/scripts.toml: no kind uses the exchanges \"won\""
    );
}

#[test]
fn content_is_deterministic() {
    let now = Utc::now();
    assert_eq!(
        plan_with_seed(7, now).unwrap(),
        plan_with_seed(7, now).unwrap()
    );
    assert_ne!(
        plan_with_seed(7, now).unwrap().calls,
        plan_with_seed(8, now).unwrap().calls
    );
}

#[test]
fn the_plan_is_a_consistent_company() {
    let now = fixed_now();
    let plan = plan(now).unwrap();
    assert_eq!(plan.workspaces.iter().filter(|w| w.default).count(), 1);
    assert_eq!(plan.trackers.len(), 3);
    assert!((45..=55).contains(&plan.calls.len()));
    let with_transcript = plan.calls.iter().filter(|c| c.transcript.is_some()).count();
    let share = with_transcript as f64 / plan.calls.len() as f64;
    assert!((0.7..=0.9).contains(&share), "{share}");
    let mut ids = HashSet::new();
    for (i, call) in plan.calls.iter().enumerate() {
        assert!(ids.insert(&call.client_unique_id));
        assert!(i == 0 || plan.calls[i - 1].start <= call.start);
        assert!(call.start > now - Duration::days(60));
        assert!(call.start + Duration::seconds(call.duration_s) <= now);
        let new_call = call.new_call(
            &[WorkspaceId(1), WorkspaceId(2), WorkspaceId(3)],
            &(0..12).map(|i| UserId(100 + i)).collect::<Vec<_>>(),
        );
        assert_eq!(new_call.primary_user, UserId(100 + call.primary as i64));
        assert_eq!(new_call.parties[0].user_id, Some(new_call.primary_user));
        assert_eq!(new_call.validate(), Vec::<String>::new(), "{}", call.title);
        if let Some(vtt) = &call.transcript {
            assert!(vtt.starts_with("WEBVTT\n\n1\n"));
            // No placeholder left unfilled.
            assert!(!vtt.contains('{'), "{}", call.title);
            let host = &plan.users[call.primary];
            assert!(vtt.contains(&format!("<v {} {}>", host.first_name, host.last_name)));
        }
        for a in &call.activity {
            assert!(a.at > call.start);
            // Every comment activity is a real comment, on a part of the recording.
            assert_eq!(a.comment.is_some(), a.kind == ActivityKind::Comment);
            if let Some(c) = &a.comment {
                assert!(0 <= c.start_s && c.start_s <= c.end_s && c.end_s <= call.duration_s);
                assert!(!c.text.replace(crate::comments::HOST, "").contains('{'));
            }
        }
    }
}

#[test]
fn salesforce_ids_carry_the_case_suffix() {
    let id = salesforce_id(&mut StdRng::seed_from_u64(1), "001");
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("0015e0000"));
    // The documented example: 001A0000006Vm9r -> 001A0000006Vm9rIAC.
    let s = "001A0000006Vm9r";
    let suffix: String = s
        .as_bytes()
        .chunks(5)
        .map(|c| {
            let bits = c
                .iter()
                .enumerate()
                .filter(|(_, b)| b.is_ascii_uppercase())
                .fold(0, |a, (i, _)| a | (1 << i));
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits] as char
        })
        .collect();
    assert_eq!(suffix, "IAC");
}

#[test]
fn no_reserved_test_domains() {
    let demo = Demo::embedded().unwrap();
    for a in &demo.accounts {
        assert!(a.domain.ends_with(".example.com"), "{}", a.domain);
    }
    for u in &plan(fixed_now()).unwrap().users {
        assert!(u.email.ends_with("@northwind.example.com"), "{}", u.email);
    }
}

#[test]
fn the_permissions_file_resolves_against_the_plan() {
    use std::collections::BTreeSet;
    let plan = plan(fixed_now()).unwrap();
    let p = crate::permissions::permissions_plan(&plan).unwrap();
    // Every workspace has profiles, and every user has one somewhere.
    for w in 0..plan.workspaces.len() {
        assert!(
            p.profiles.iter().filter(|x| x.workspace == w).count() >= 2,
            "{}",
            plan.workspaces[w].name
        );
    }
    let with_profile: BTreeSet<usize> = p.profiles.iter().flat_map(|x| x.users.clone()).collect();
    assert_eq!(with_profile.len(), plan.users.len());
    let names: BTreeSet<_> = p
        .profiles
        .iter()
        .filter_map(|x| x.patch.name.clone())
        .collect();
    for n in ["Sales rep", "Sales manager", "RevOps admin"] {
        assert!(names.contains(n), "{n}");
    }
    assert!(p.grants.len() >= 2);
    for g in &p.grants {
        assert!(!g.users.is_empty() && !g.users.contains(&plan.calls[g.call].primary));
    }
}

#[test]
fn the_flows_file_resolves_against_the_plan() {
    use parley_domain::FlowVisibility;
    let now = fixed_now();
    let plan = plan(now).unwrap();
    let flows = crate::flows::flows_plan(&plan, now).unwrap();
    for w in 0..plan.workspaces.len() {
        assert!(flows.iter().any(|f| f.workspace == w
            && f.visibility == FlowVisibility::Company
            && !f.assigned.is_empty()));
    }
    assert!(flows
        .iter()
        .any(|f| f.visibility == FlowVisibility::Personal));
    for f in &flows {
        assert!(f.created < now);
        for a in &f.assigned {
            assert!(a.at > f.created && a.at < now);
            for p in &a.prospects {
                // A contact of the demo's CRM (the ids its calls link contacts with).
                assert!(p.starts_with("003") && p.len() == 18, "{p}");
            }
        }
    }
}

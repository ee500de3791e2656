//! The intent search against the evaluation set (`bench/intents/intents.toml`): everyday
//! requests, each with the action that does it. The targets of issue 16 hold on both the
//! tuning set and the held-out set; `cargo run -p parley-client --example intents` prints
//! the figures (BENCHMARKS.md).

use parley_client::intent;

#[path = "../examples/support/intents_eval.rs"]
mod intents_eval;

#[test]
fn intents_find_their_action_first_or_in_the_top_three() {
    let sets = intents_eval::load();
    for (name, cases) in &sets {
        let score = intents_eval::score(intent::builtin(), cases);
        assert!(cases.len() >= 30, "{name}: {} intents", cases.len());
        assert!(
            score.top3 >= 0.90 && score.top1 >= 0.75,
            "{name}: top-1 {:.1}%, top-3 {:.1}% (targets 75% / 90%); misses:\n{}",
            score.top1 * 100.0,
            score.top3 * 100.0,
            score.misses.join("\n")
        );
    }
}

#[test]
fn the_issue_examples_come_first() {
    for (query, key) in [
        (
            "who talked most on last week's calls",
            "get-interaction-stats",
        ),
        ("competitors mentioned by customers", "get-calls-extensive"),
        ("add a call from our dialer", "create-call"),
        (
            "delete everything we hold about jane@example.com",
            "erase-data-for-email-address",
        ),
    ] {
        let hits = intent::builtin().search(query, 3);
        assert_eq!(
            hits.first().map(|h| h.action.key.as_str()),
            Some(key),
            "{query}: {:?}",
            hits.iter().map(|h| &h.action.key).collect::<Vec<_>>()
        );
    }
}

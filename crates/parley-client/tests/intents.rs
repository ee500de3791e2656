//! The intent search against the evaluation set (`bench/intents/intents.toml`): everyday
//! requests, each with the action that does it. `cargo run -p parley-client --example
//! intents` prints the figures (BENCHMARKS.md); this test holds them a little under what was
//! measured, so a change that makes the search worse fails here. Issue 16's targets (top-1
//! 75%, top-3 90%) are not all met yet: see BENCHMARKS.md.

use parley_client::intent;

#[path = "../examples/support/intents_eval.rs"]
mod intents_eval;

#[test]
fn intents_find_their_action_first_or_in_the_top_three() {
    // (set, least top-1, least top-3): measured 83.2% / 92.6% and 70.2% / 93.0%.
    let floors = [("dev", 0.80, 0.90), ("heldout", 0.67, 0.90)];
    let sets = intents_eval::load();
    for ((name, cases), (set, top1, top3)) in sets.iter().zip(floors) {
        assert_eq!(*name, set);
        let score = intents_eval::score(intent::builtin(), cases);
        assert!(cases.len() >= 50, "{name}: {} intents", cases.len());
        assert!(
            score.top3 >= top3 && score.top1 >= top1,
            "{name}: top-1 {:.1}%, top-3 {:.1}% (at least {top1} / {top3}); misses:\n{}",
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

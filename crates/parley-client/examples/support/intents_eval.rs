//! Scoring the intent search on `bench/intents/intents.toml` (shared by the example
//! `intents` and the test of the same name).

use parley_client::intent::Index;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Case {
    pub intent: String,
    pub expect: String,
    #[serde(default)]
    pub also: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Sets {
    dev: Vec<Case>,
    heldout: Vec<Case>,
}

pub struct Score {
    pub top1: f64,
    pub top3: f64,
    /// One line per intent not found first: the intent, what was expected, what came.
    pub misses: Vec<String>,
}

/// The two sets: ("dev", tuned on) and ("heldout", only measured).
pub fn load() -> Vec<(&'static str, Vec<Case>)> {
    let text = include_str!("../../../../bench/intents/intents.toml");
    let sets: Sets = toml::from_str(text).expect("bench/intents/intents.toml parses");
    vec![("dev", sets.dev), ("heldout", sets.heldout)]
}

pub fn score(index: &Index<'_>, cases: &[Case]) -> Score {
    let (mut first, mut three) = (0, 0);
    let mut misses = Vec::new();
    for c in cases {
        let hits = index.search(&c.intent, 3);
        let keys: Vec<&str> = hits.iter().map(|h| h.action.key.as_str()).collect();
        let right = |k: &&str| *k == c.expect || c.also.iter().any(|a| a == k);
        if keys.first().is_some_and(right) {
            first += 1;
        } else {
            misses.push(format!(
                "  {:?}: want {}, got {:?}",
                c.intent, c.expect, keys
            ));
        }
        if keys.iter().any(right) {
            three += 1;
        }
    }
    let n = cases.len().max(1) as f64;
    Score {
        top1: first as f64 / n,
        top3: three as f64 / n,
        misses,
    }
}

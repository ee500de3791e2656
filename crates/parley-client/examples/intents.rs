//! `cargo run -p parley-client --example intents [--misses]`: the intent search's accuracy
//! on the evaluation set (top-1, top-3 per set) and its time per query.

use std::time::Instant;

use parley_client::intent;

#[path = "support/intents_eval.rs"]
mod intents_eval;

fn main() {
    let show_misses = std::env::args().any(|a| a == "--misses");
    let started = Instant::now();
    let index = intent::builtin();
    println!(
        "index built in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    for (name, cases) in intents_eval::load() {
        let started = Instant::now();
        let score = intents_eval::score(index, &cases);
        let per_query = started.elapsed().as_secs_f64() * 1e3 / cases.len().max(1) as f64;
        println!(
            "{name}: {} intents, top-1 {:.1}%, top-3 {:.1}%, {:.2} ms a query",
            cases.len(),
            score.top1 * 100.0,
            score.top3 * 100.0,
            per_query
        );
        if show_misses {
            for m in &score.misses {
                println!("{m}");
            }
        }
    }
}

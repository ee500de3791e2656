//! `cargo run -p parley-client --example intents [--misses] [--sweep]`: the intent
//! search's accuracy on the evaluation set (top-1, top-3 per set) and its time per query;
//! `--sweep` scores other weights on the tuning set (`dev`) only.

use std::time::Instant;

use parley_client::catalogue::Catalogue;
use parley_client::intent::{self, Index, Params};

#[path = "support/intents_eval.rs"]
mod intents_eval;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--sweep") {
        return sweep();
    }
    let show_misses = args.iter().any(|a| a == "--misses");
    let started = Instant::now();
    let index = intent::builtin();
    println!(
        "index built in {:.1} ms ({})",
        started.elapsed().as_secs_f64() * 1e3,
        if index.has_meaning() {
            "words and meaning"
        } else {
            "words only: no sentence encoder in the models folder"
        }
    );
    // The words alone, in the same run: the reference for the figures and the time.
    let words = Index::new(Catalogue::builtin());
    for (label, index, misses) in [("", index, show_misses), ("words only, ", &words, false)] {
        for (name, cases) in intents_eval::load() {
            let started = Instant::now();
            let score = intents_eval::score(index, &cases);
            let per_query = started.elapsed().as_secs_f64() * 1e3 / cases.len().max(1) as f64;
            println!(
                "{label}{name}: {} intents, top-1 {:.1}%, top-3 {:.1}%, {:.2} ms a query",
                cases.len(),
                score.top1 * 100.0,
                score.top3 * 100.0,
                per_query
            );
            if misses {
                for m in &score.misses {
                    println!("{m}");
                }
            }
        }
    }
}

/// One weight at a time around the defaults, on the tuning set.
fn sweep() {
    let sets = intents_eval::load();
    let dev = &sets[0].1;
    let base = Params::default();
    let models = intent::models_dir();
    let score = |p: Params| {
        let s = intents_eval::score(&intent::open(Catalogue::builtin(), &models, p), dev);
        (s.top1 * 100.0, s.top3 * 100.0)
    };
    println!("defaults: {:?}", score(base));
    type Set = fn(&mut Params, f32);
    let knobs: [(&str, Set, &[f32]); 12] = [
        (
            "meaning",
            |p, v| p.meaning = v,
            &[0.0, 0.25, 0.5, 0.75, 1.5, 2.0, 3.0],
        ),
        (
            "sharpness",
            |p, v| p.sharpness = v,
            &[5.0, 7.5, 15.0, 20.0, 50.0],
        ),
        ("min_cosine", |p, v| p.min_cosine = v, &[0.2, 0.3, 0.4, 0.5]),
        ("key", |p, v| p.key = v, &[1.0, 2.0, 4.0, 6.0]),
        ("name", |p, v| p.name = v, &[1.0, 3.0, 4.0]),
        ("phrase", |p, v| p.phrase = v, &[1.0, 3.0, 4.0]),
        ("text", |p, v| p.text = v, &[0.2, 0.4, 1.0]),
        ("concept", |p, v| p.concept = v, &[0.3, 0.5, 0.9]),
        ("k1", |p, v| p.k1 = v, &[0.6, 0.9, 1.6, 2.0]),
        ("b", |p, v| p.b = v, &[0.2, 0.35, 0.75, 0.9]),
        ("same_kind", |p, v| p.same_kind = v, &[1.0, 1.5, 2.0]),
        ("other_kind", |p, v| p.other_kind = v, &[0.5, 0.6, 0.9, 1.0]),
    ];
    for (name, set, values) in knobs {
        for &v in values {
            let mut p = base;
            set(&mut p, v);
            let (t1, t3) = score(p);
            println!("{name} = {v}: top-1 {t1:.1}%, top-3 {t3:.1}%");
        }
    }
}

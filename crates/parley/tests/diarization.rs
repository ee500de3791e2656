//! Who spoke when, on real human voices: `parley transcribe --format json` of the spliced
//! fixtures in `tests/fixtures/diarization` (council members' recordings, exact reference
//! turns; see its README), scored as `bench/diarization/score.py` scores attribution: the
//! share of single-speaker reference speech, on 10 ms frames, that the hypothesis gives to
//! the right person under the best one-to-one mapping of its speakers to the reference's.
//!
//! The floors sit a few points under what the pipeline measures today (BENCHMARKS.md), far
//! above what a diarizer that hears one voice gets (~50-60%), so a regression to "one
//! voice" or a broken speaker track fails here. The targets of the product are higher and
//! are measured by the bench, not asserted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const FRAME_MS: i64 = 10;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/diarization")
        .join(name)
}

/// A speaker label per frame; `None` where nobody (or, in the reference, more than one
/// person) speaks.
type Track = Vec<Option<usize>>;

fn track(spans: &[(String, i64, i64)], frames: usize) -> (Track, usize) {
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for (n, _, _) in spans {
        let next = names.len();
        names.entry(n.as_str()).or_insert(next);
    }
    let mut count = vec![0u8; frames];
    let mut label: Track = vec![None; frames];
    for (n, start, end) in spans {
        let id = names[n.as_str()];
        let (a, b) = (
            (start / FRAME_MS) as usize,
            ((end / FRAME_MS) as usize).min(frames),
        );
        for f in a..b {
            if label[f] != Some(id) {
                count[f] += 1;
                label[f] = Some(id);
            }
        }
    }
    for f in 0..frames {
        if count[f] > 1 {
            label[f] = None;
        }
    }
    (label, names.len())
}

fn permutations(n: usize, k: usize) -> Vec<Vec<usize>> {
    // Injective maps from k hypothesis speakers into n reference speakers (plus "none").
    fn go(n: usize, k: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for r in 0..=n {
            if r == n || !cur.contains(&r) {
                cur.push(r);
                go(n, k, cur, out);
                cur.pop();
            }
        }
    }
    let mut out = Vec::new();
    go(n, k, &mut Vec::new(), &mut out);
    out
}

/// (attribution, speakers found)
fn score(reference: &Path, hypothesis: &Value) -> (f64, usize) {
    let r: Value = serde_json::from_str(&std::fs::read_to_string(reference).unwrap()).unwrap();
    let ms = |v: &Value| (v.as_f64().unwrap() * 1000.0).round() as i64;
    let ref_spans: Vec<(String, i64, i64)> = r["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["speaker"].as_str().unwrap().to_owned(),
                ms(&s["start"]),
                ms(&s["end"]),
            )
        })
        .collect();
    let hyp_spans: Vec<(String, i64, i64)> = hypothesis["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["speaker"].as_str().unwrap().to_owned(),
                s["start_ms"].as_i64().unwrap(),
                s["end_ms"].as_i64().unwrap(),
            )
        })
        .collect();
    let frames = (ms(&r["duration"]) / FRAME_MS) as usize + 1;
    let (reft, nref) = track(&ref_spans, frames);
    let (hypt, nhyp) = track(&hyp_spans, frames);
    let speech = reft.iter().filter(|l| l.is_some()).count().max(1);
    let best = permutations(nref, nhyp)
        .into_iter()
        .map(|map| {
            reft.iter()
                .zip(&hypt)
                .filter(|(r, h)| matches!((r, h), (Some(r), Some(h)) if map[*h] == *r))
                .count()
        })
        .max()
        .unwrap_or(0);
    (best as f64 / speech as f64, nhyp)
}

fn transcribe(audio: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_parley"))
        .args(["transcribe", "--asr-model", "tiny.en", "--language", "en"])
        .args(["--format", "json"])
        .arg(audio)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn two_real_voices_on_a_phone_line_are_told_apart() {
    let hyp = transcribe(&fixture("two-speakers-phone.wav"));
    let (attribution, found) = score(&fixture("two-speakers-phone.json"), &hyp);
    assert_eq!(found, 2, "speakers found: {hyp}");
    // 0.836 measured (tiny.en; 0.825 before the 0.5 s resegmentation windows, 0.809 before
    // its centring); see BENCHMARKS.md for the bench.
    assert!(attribution >= 0.78, "attribution {attribution:.3}");
}

#[test]
fn three_real_voices_with_short_turns_are_separated() {
    let hyp = transcribe(&fixture("three-speakers.flac"));
    let (attribution, found) = score(&fixture("three-speakers.json"), &hyp);
    assert!((2..=3).contains(&found), "speakers found: {found}");
    // 0.828 measured (tiny.en; 0.792 before the resegmentation's centring).
    assert!(attribution >= 0.76, "attribution {attribution:.3}");
}

#[test]
fn one_real_voice_stays_one_voice() {
    // 17 s of one council member through a telephone line: few embedding windows, where
    // the eigengap once read four speakers and the merging left two.
    let hyp = transcribe(&fixture("one-voice-phone.wav"));
    let (attribution, found) = score(&fixture("one-voice-phone.json"), &hyp);
    assert_eq!(found, 1, "speakers found: {hyp}");
    // 0.944 measured; 0.897 before pauses under 0.5 s became part of their turn.
    assert!(attribution >= 0.92, "attribution {attribution:.3}");
}

#[test]
fn the_scorer_matches_the_bench_rules() {
    let reference = fixture("two-speakers-phone.json");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&reference).unwrap()).unwrap();
    // The reference itself scores 100%; everything given to one speaker scores the share
    // of the larger speaker; the labels swapped still score 100% (best mapping).
    let as_hyp = |rename: &dyn Fn(&str) -> String| {
        let segments: Vec<Value> = r["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                serde_json::json!({
                    "speaker": rename(s["speaker"].as_str().unwrap()),
                    "start_ms": (s["start"].as_f64().unwrap() * 1000.0).round() as i64,
                    "end_ms": (s["end"].as_f64().unwrap() * 1000.0).round() as i64,
                })
            })
            .collect();
        serde_json::json!({ "segments": segments })
    };
    let (same, n) = score(&reference, &as_hyp(&|s| s.to_owned()));
    assert_eq!(n, 2);
    assert!(same > 0.999, "{same}");
    let (swapped, _) = score(&reference, &as_hyp(&|s| format!("x-{s}")));
    assert!(swapped > 0.999, "{swapped}");
    let (one, n) = score(&reference, &as_hyp(&|_| "speaker-1".to_owned()));
    assert_eq!(n, 1);
    assert!(one > 0.3 && one < 0.75, "{one}");
}

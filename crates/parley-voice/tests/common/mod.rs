//! Shared helpers for the integration tests: locating the GE2E weights and synthesising
//! speech with espeak-ng + sox.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use parley_voice::SpeakerEncoder;

/// The GE2E weights, from `$PARLEY_MODELS` or `~/.cache/parley/models`. Panics (fails the
/// test) with instructions when absent: these tests must not silently pass without a model.
pub fn weights_path() -> PathBuf {
    let dir = std::env::var_os("PARLEY_MODELS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/parley/models")))
        .expect("neither PARLEY_MODELS nor HOME is set");
    let path = dir.join("ge2e_pretrained.pt");
    assert!(
        path.is_file(),
        "GE2E weights not found at {}: run scripts/fetch-models.sh (or set PARLEY_MODELS)",
        path.display()
    );
    path
}

pub fn encoder() -> Arc<SpeakerEncoder> {
    static ENC: OnceLock<Arc<SpeakerEncoder>> = OnceLock::new();
    ENC.get_or_init(|| Arc::new(SpeakerEncoder::load(&weights_path()).expect("load GE2E weights")))
        .clone()
}

/// Two clearly different espeak-ng voices. (`en-gb+f3 -p 70` was tried first: GE2E puts it
/// 0.84-0.93 from voice A, as close as A is to itself, so it is not a usable second voice.)
pub const VOICE_A: &[&str] = &["-v", "en-us", "-p", "40", "-s", "160"];
pub const VOICE_B: &[&str] = &["-v", "en-us+f4", "-p", "80", "-s", "150"];

/// Synthesises `text` with espeak-ng and converts it to 16 kHz mono f32 with sox.
pub fn speak(dir: &Path, voice: &[&str], text: &str) -> Vec<f32> {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let id = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let wav = dir.join(format!("tts{id}.wav"));
    let raw = dir.join(format!("tts{id}.s16"));
    let status = Command::new("espeak-ng")
        .args(voice)
        .arg("-w")
        .arg(&wav)
        .arg(text)
        .status()
        .expect("espeak-ng is required for these tests: apt-get install -y espeak-ng sox");
    assert!(status.success(), "espeak-ng failed");
    // -D: no dither, so the same text always gives the same samples.
    let status = Command::new("sox")
        .arg("-D")
        .arg(&wav)
        .args([
            "-r", "16000", "-c", "1", "-b", "16", "-e", "signed", "-L", "-t", "raw",
        ])
        .arg(&raw)
        .status()
        .expect("sox is required for these tests: apt-get install -y espeak-ng sox");
    assert!(status.success(), "sox failed");
    s16_to_f32(&std::fs::read(&raw).expect("read sox output"))
}

pub fn s16_to_f32(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect()
}

pub fn f32_le(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Sentences for the synthetic conversations; each takes 3-5 s to speak.
pub const LINES: &[&str] = &[
    "Thanks for joining the call today, I wanted to walk through the renewal terms.",
    "Sure, we looked at the proposal and have a few questions about pricing.",
    "Of course. The annual plan includes onboarding and priority support.",
    "That sounds good, but our budget for this quarter is already committed.",
    "We could split the payment across two quarters if that helps your team.",
    "That might work. Let me check with finance and get back to you on Friday.",
    "Great. I will send a summary with the numbers right after this meeting.",
    "Perfect, and please include the security review documents as well.",
];

/// A synthetic recording: utterances separated by `gap` samples of silence, unless the
/// utterance is marked `joined`, in which case it follows the previous one directly and
/// shares its speech region (as a VAD would report back-to-back speakers).
pub struct Conversation {
    pub samples: Vec<f32>,
    pub speech: Vec<std::ops::Range<usize>>,
    /// Ground truth: (range, speaker index into the voices given).
    pub truth: Vec<(std::ops::Range<usize>, usize)>,
}

pub fn conversation(dir: &Path, parts: &[(usize, &str, bool)], voices: &[&[&str]]) -> Conversation {
    let gap = 8_000; // 0.5 s
    let mut c = Conversation {
        samples: vec![0.0; gap],
        speech: Vec::new(),
        truth: Vec::new(),
    };
    for &(speaker, text, joined) in parts {
        let audio = trim(speak(dir, voices[speaker], text));
        if !joined && !c.speech.is_empty() {
            c.samples.extend(std::iter::repeat_n(0.0, gap));
        }
        let start = c.samples.len();
        c.samples.extend_from_slice(&audio);
        let end = c.samples.len();
        match c.speech.last_mut() {
            Some(r) if joined => r.end = end,
            _ => c.speech.push(start..end),
        }
        c.truth.push((start..end, speaker));
    }
    c.samples.extend(std::iter::repeat_n(0.0, gap));
    c
}

/// Drops espeak's leading and trailing silence, as a VAD would.
fn trim(a: Vec<f32>) -> Vec<f32> {
    let loud = |x: &f32| x.abs() > 1e-3;
    let s = a.iter().position(loud).unwrap_or(0);
    let e = a.iter().rposition(loud).map_or(0, |e| e + 1);
    a[s..e.max(s)].to_vec()
}

/// Fraction of true speech time attributed to the right speaker under the best one-to-one
/// mapping of predicted speakers to true ones (brute force over permutations).
pub fn attribution(truth: &[(std::ops::Range<usize>, usize)], turns: &[parley_voice::Turn]) -> f64 {
    let n_true = truth.iter().map(|t| t.1 + 1).max().unwrap_or(0);
    let n_pred = turns.iter().map(|t| t.speaker + 1).max().unwrap_or(0);
    let mut overlap = vec![vec![0usize; n_pred.max(1)]; n_true];
    for (r, s) in truth {
        for t in turns {
            let o = r.end.min(t.end).saturating_sub(r.start.max(t.start));
            overlap[*s][t.speaker] += o;
        }
    }
    let total: usize = truth.iter().map(|(r, _)| r.end - r.start).sum();
    let best = best_mapping(&overlap, 0, &mut vec![false; n_pred.max(1)]);
    best as f64 / total.max(1) as f64
}

fn best_mapping(overlap: &[Vec<usize>], row: usize, used: &mut Vec<bool>) -> usize {
    if row == overlap.len() {
        return 0;
    }
    let mut best = best_mapping(overlap, row + 1, used); // true speaker left unmapped
    for j in 0..used.len() {
        if !used[j] {
            used[j] = true;
            best = best.max(overlap[row][j] + best_mapping(overlap, row + 1, used));
            used[j] = false;
        }
    }
    best
}

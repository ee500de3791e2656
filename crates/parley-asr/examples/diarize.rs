//! Diarizes recordings (no transcription) and writes one RTTM per file, for scoring against
//! reference turns: `cargo run --release -p parley-asr --example diarize -- OUT_DIR FILE...`
//! (`MAX=N` bounds the speaker count). Tuning knobs as environment variables, all optional:
//! `STEP_S` (chunk hop), `WINDOW_S`, `SHIFT_S`, `VOTE`, `THRESHOLD` (threshold clustering
//! instead of spectral), `KEEP_SHARE` (spectral pruning), `FEW_T` (few windows' threshold; 1 makes them one speaker),
//! `MERGE_T` (voices merged at this cosine; 1 never), `HEARD_SHARE` / `HEARD_SOLO` (the
//! segmentation's count as a lower bound; share 0 off), `R_CENTRING`, `R_SHORT=0` (short
//! pieces keep their clustering label), `R_*` (resegmentation).
use std::io::Write;
use std::path::{Path, PathBuf};

/// CPU seconds this process has used (user + system), from /proc: wall time means little
/// on a shared machine.
fn cpu_s() -> f32 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f32> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    f.iter().sum::<f32>() / 100.0
}

fn env_f32(name: &str) -> Option<f32> {
    std::env::var(name).ok()?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, files) = args.split_first().ok_or("usage: diarize OUT_DIR FILE...")?;
    let models = parley_asr::ModelFiles::new(parley_asr::ModelFiles::default_dir());
    let seg = parley_asr::Segmenter::load(&models.onnxruntime(), &models.segmentation())?;
    let enc = parley_voice::CamPlusPlus::load(&models.speaker_embedder())?;
    let mut s = parley_asr::DiarizationSettings::default();
    let samples = |secs: f32| (secs * 16_000.0) as usize;
    if let Some(v) = env_f32("STEP_S") {
        // Whole frames keep every chunk on one frame grid.
        s.chunk_step = samples(v) / 270 * 270;
    }
    if let Some(v) = env_f32("WINDOW_S") {
        s.params.window = samples(v);
    }
    if let Some(v) = env_f32("SHIFT_S") {
        s.params.shift = samples(v);
    }
    if let Some(v) = env_f32("THRESHOLD") {
        s.params.clustering =
            parley_voice::Clustering::Threshold(parley_voice::cluster::ClusterParams {
                threshold: v,
                ..Default::default()
            });
    }
    if let Some(v) = env_f32("KEEP_SHARE") {
        s.params.clustering =
            parley_voice::Clustering::Spectral(parley_voice::spectral::SpectralParams {
                keep_share: v,
                ..Default::default()
            });
    }
    if let Some(v) = env_f32("FEW_T") {
        if let parley_voice::Clustering::Spectral(sp) = &mut s.params.clustering {
            sp.few_threshold = (v < 1.0).then_some(v);
        }
    }
    if let Some(v) = env_f32("MIN_ITEMS") {
        if let parley_voice::Clustering::Spectral(sp) = &mut s.params.clustering {
            sp.min_items = v as usize;
        }
    }
    if let Some(v) = env_f32("VOTE") {
        s.params.pieces.change_vote = v;
    }
    if let Some(v) = env_f32("MERGE_T") {
        s.params.merge_voices = (v < 1.0).then_some(v);
    }
    if let Some(v) = env_f32("HEARD_SHARE") {
        s.params.heard = (v > 0.0).then(|| parley_voice::HeardParams {
            min_solo: env_f32("HEARD_SOLO").map_or(30, |f| f as usize),
            share: v,
        });
    }
    if let Some(v) = env_f32("BRIDGE_S") {
        s.params.bridge = samples(v);
    }
    if std::env::var("RESEG").is_ok_and(|v| v == "0") {
        s.params.reseg = None;
    } else {
        let mut r = parley_voice::reseg::ResegParams::default();
        if let Some(v) = env_f32("R_WINDOW_S") {
            r.window = samples(v);
        }
        if let Some(v) = env_f32("R_HOP_S") {
            r.hop = samples(v);
        }
        if let Some(v) = env_f32("R_MIN_S") {
            r.min_piece = samples(v);
        }
        if let Some(v) = env_f32("R_SHARP") {
            r.sharpness = v;
        }
        if let Some(v) = env_f32("R_SWITCH") {
            r.switch = v;
        }
        if let Some(v) = env_f32("R_DISCOUNT") {
            r.change_discount = v;
        }
        if std::env::var("R_SHORT").is_ok_and(|v| v == "0") {
            r.short_pieces = false;
        }
        if let Some(v) = env_f32("R_CENTRING") {
            r.centring = v;
        }
        s.params.reseg = Some(r);
        if let Some(v) = env_f32("R_STRETCH_S") {
            s.pool_stretch = samples(v);
        }
    }
    let bounds = match env_f32("MAX") {
        Some(m) => parley_voice::SpeakerBounds::at_most(m as usize),
        None => parley_voice::SpeakerBounds::default(),
    };
    std::fs::create_dir_all(out)?;
    let (mut audio_s, mut took_s) = (0f32, 0f32);
    for file in files {
        let audio = parley_media::decode_file(Path::new(file), &Default::default())?;
        let mono = audio.channels.first().ok_or("no audio")?;
        let cpu0 = cpu_s();
        let track = parley_asr::diarize_mono(&seg, &enc, mono, bounds, &s)?;
        let took = cpu_s() - cpu0;
        audio_s += mono.len() as f32 / 16_000.0;
        took_s += took;
        let stem = Path::new(file)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("x")
            .trim_end_matches(".wav");
        let mut f = std::fs::File::create(PathBuf::from(out).join(format!("{stem}.rttm")))?;
        for turn in &track.turns {
            let start = turn.start as f32 / 16_000.0;
            let dur = (turn.end - turn.start) as f32 / 16_000.0;
            writeln!(
                f,
                "SPEAKER {stem} 1 {start:.3} {dur:.3} <NA> <NA> spk{} <NA> <NA>",
                turn.speaker
            )?;
        }
        let vs: Vec<&Vec<f32>> = track.voices.iter().flatten().collect();
        for i in 0..vs.len() {
            for j in i + 1..vs.len() {
                let c = parley_voice::cluster::dot(vs[i], vs[j]);
                eprintln!("{stem}: voices {i} {j} cosine {c:.3}");
            }
        }
        eprintln!(
            "{stem}: {} speakers, {} turns, {:.1} s audio in {took:.2} CPU s",
            track.speech.len(),
            track.turns.len(),
            mono.len() as f32 / 16_000.0
        );
    }
    eprintln!("total: {audio_s:.0} s audio in {took_s:.1} CPU s");
    Ok(())
}

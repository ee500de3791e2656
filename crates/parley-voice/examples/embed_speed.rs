//! Embedding throughput: seconds of audio embedded per second of CPU, on one thread. CPU
//! time is the thread's own (Linux `/proc/thread-self/schedstat`), so the figure holds on a
//! busy machine; elsewhere it falls back to wall-clock time.
//!
//!   cargo run --release -p parley-voice --example embed_speed [WEIGHTS.pt] [SECONDS]
//!
//! WEIGHTS defaults to $PARLEY_MODELS/ge2e_pretrained.pt or ~/.cache/parley/models/...
//! The audio is synthetic (a chirp plus noise): speed does not depend on content.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use parley_voice::SpeakerEncoder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("PARLEY_MODELS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                    .join(".cache/parley/models")
            })
            .join("ge2e_pretrained.pt")
    });
    let seconds: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(60);

    let t = Clock::start();
    let enc = SpeakerEncoder::load(&path)?;
    println!("loaded {} in {:.3} s", path.display(), t.secs());

    let n = seconds * 16_000;
    let mut seed = 0x9e37_79b9u32;
    let audio: Vec<f32> = (0..n)
        .map(|i| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let t = i as f32 / 16_000.0;
            0.1 * (2.0 * std::f32::consts::PI * (200.0 + 50.0 * t) * t).sin()
                + 0.01 * (seed as f32 / u32::MAX as f32 - 0.5)
        })
        .collect();

    // One long utterance: partials batched 32 at a time.
    let t = Clock::start();
    let e = enc.embed(&audio);
    let long = t.secs();
    assert!(e.is_some());
    println!(
        "one {seconds} s utterance: {long:.3} s, {:.0} s of audio per CPU second",
        seconds as f64 / long
    );

    // Diarization-style: 1.6 s windows every 0.8 s, embedded as one batch.
    let windows: Vec<&[f32]> = (0..)
        .map(|i| i * 12_800)
        .take_while(|s| s + 25_600 <= n)
        .map(|s| &audio[s..s + 25_600])
        .collect();
    let t = Clock::start();
    let out = enc.embed_batch(&windows);
    let win = t.secs();
    assert!(out.iter().all(Option::is_some));
    println!(
        "{} windows of 1.6 s (step 0.8 s) over {seconds} s: {win:.3} s, {:.0} s of audio per CPU second",
        windows.len(),
        seconds as f64 / win
    );

    // Short clips one by one (no batching), the worst case.
    let t = Clock::start();
    for w in windows.iter().take(10) {
        enc.embed(w);
    }
    let single = t.secs() / 10.0;
    println!("single 1.6 s clip, unbatched: {:.1} ms", single * 1e3);
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

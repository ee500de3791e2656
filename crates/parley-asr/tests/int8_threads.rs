//! The multi-threaded int8 path that crashed on Intel Xeons (AVX-512 / AMX): two models
//! decoding mono audio at once, and one model with two intra-op threads.
//!
//! On Intel CPUs CTranslate2 runs int8 GEMMs on MKL with the weights packed at load time.
//! Parley used to get its second decoder by asking for replicas on `device_indices
//! [0, 0]`, which CTranslate2 makes by copying the first model's packed weights; MKL then
//! computed on buffers it had not packed: SIGFPE on Xeons, and on AMD (with MKL forced) an
//! empty transcript or a decode that never ends. MKL is not CTranslate2's default on AMD,
//! so this test forces it (`CT2_USE_MKL=1`) to run the Intel path on every CI machine; it
//! is alone in its test binary because CTranslate2 reads the variable once per process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use parley_asr::{ModelFiles, SpeechModel, WhisperConfig, WhisperModel};

/// Times the pair of decoders is loaded.
const LOADS: usize = 6;

const TEXT: &str = "Thank you for calling, how can I help you today? We would like to \
                    schedule a demo of the product for next Tuesday.";

fn speak(dir: &Path) -> Vec<f32> {
    let raw = dir.join("raw.wav");
    let out = dir.join("mono.raw");
    let ok = Command::new("espeak-ng")
        .arg("-w")
        .arg(&raw)
        .arg(TEXT)
        .status()
        .expect("espeak-ng runs (scripts/setup.sh installs it)")
        .success();
    assert!(ok, "espeak-ng failed");
    let ok = Command::new("sox")
        .arg(&raw)
        .args(["-r", "16000", "-c", "1", "-e", "floating-point", "-b", "32"])
        .arg(&out)
        .status()
        .expect("sox runs (scripts/setup.sh installs it)")
        .success();
    assert!(ok, "sox failed");
    std::fs::read(&out)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn tiny() -> PathBuf {
    let dir = ModelFiles::new(ModelFiles::default_dir()).whisper("tiny.en");
    assert!(
        dir.join("model.bin").is_file(),
        "no Whisper tiny.en in {}: run scripts/setup.sh",
        dir.display()
    );
    dir
}

fn text_of(model: &WhisperModel, audio: &[f32]) -> String {
    let segments = model.transcribe(audio, Some("en"), &|_| {}).unwrap();
    segments
        .iter()
        .map(|s| s.text.trim())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Runs `work` on its own thread and fails instead of hanging: the broken path could
/// decode forever.
fn within<T: Send + 'static>(what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    rx.recv_timeout(Duration::from_secs(300))
        .unwrap_or_else(|_| panic!("{what} did not finish in 5 minutes"))
}

#[test]
fn int8_decoders_side_by_side_and_multithreaded_agree() {
    // Set before any CTranslate2 call, while this test's thread is the only one.
    std::env::set_var("CT2_USE_MKL", "1");
    let dir = tempfile::tempdir().unwrap();
    let audio = std::sync::Arc::new(speak(dir.path()));

    // Two decoders, one thread each, both busy at once (two threads each hold one).
    // Whether a copied packed buffer broke depended on where the copy landed, so this
    // loads the pair several times over.
    let mut texts = Vec::new();
    for round in 0..LOADS {
        let pair = std::sync::Arc::new(
            WhisperModel::load(&WhisperConfig {
                model_dir: tiny(),
                threads: 1,
                replicas: 2,
                beam_size: 5,
            })
            .unwrap(),
        );
        let (model, clip) = (pair.clone(), audio.clone());
        let got = within(
            &format!("two concurrent decodes (load {round})"),
            move || {
                std::thread::scope(|s| {
                    let runs: Vec<_> = (0..2).map(|_| s.spawn(|| text_of(&model, &clip))).collect();
                    runs.into_iter()
                        .map(|r| r.join().unwrap())
                        .collect::<Vec<_>>()
                })
            },
        );
        texts.extend(got.into_iter().map(|t| (round, t)));
    }
    let wrong: Vec<_> = texts
        .iter()
        .filter(|(_, t)| !(t.contains("help you today") && t.contains("next tuesday")))
        .collect();
    assert!(wrong.is_empty(), "decoders gave {wrong:?}");
    assert!(
        texts.iter().all(|(_, t)| t == &texts[0].1),
        "the decoders disagree: {texts:?}"
    );

    // One decoder with two intra-op threads, on the same audio.
    let threaded = WhisperModel::load(&WhisperConfig {
        model_dir: tiny(),
        threads: 2,
        replicas: 1,
        beam_size: 5,
    })
    .unwrap();
    let text = within("a two-thread decode", move || text_of(&threaded, &audio));
    // Another thread count sums in another order, so the words may differ a little.
    assert!(
        text.contains("help you today") && text.contains("next tuesday"),
        "the two-thread decoder gave {text:?}"
    );
}

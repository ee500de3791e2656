//! The multi-threaded int8 path that crashed on Intel Xeons (AVX-512 / AMX), through the
//! real binary: `parley transcribe` of mono audio at two threads.
//!
//! On Intel CPUs CTranslate2 runs int8 GEMMs on MKL with the weights packed at load time.
//! Parley used to get its second decoder by asking for replicas on `device_indices
//! [0, 0]`, which CTranslate2 makes by copying the first model's packed weights byte for
//! byte; MKL then computed on buffers it had not packed: SIGFPE on Xeons, and here (AMD,
//! MKL forced) a decode that never ended or an empty transcript, in every run of the
//! binary. MKL is not CTranslate2's choice on AMD, so the test forces it (`CT2_USE_MKL=1`)
//! to run the Intel path on every CI machine.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TEXT: &str = "Thank you for calling, how can I help you today? We would like to \
                    schedule a demo of the product for next Tuesday.";

/// Separate processes: where a bad copy lands differs from run to run.
const RUNS: usize = 2;

fn make_audio(dir: &Path) -> std::path::PathBuf {
    let raw = dir.join("raw.wav");
    let out = dir.join("mono.wav");
    let ok = Command::new("espeak-ng")
        .arg("-w")
        .arg(&raw)
        .arg(TEXT)
        .status()
        .expect("espeak-ng runs (scripts/setup.sh installs it)")
        .success();
    assert!(ok, "espeak-ng failed");
    let ok = Command::new("sox")
        .arg("-D")
        .arg(&raw)
        .args(["-r", "16000", "-c", "1"])
        .arg(&out)
        .status()
        .expect("sox runs (scripts/setup.sh installs it)")
        .success();
    assert!(ok, "sox failed");
    out
}

#[test]
fn mono_at_two_threads_on_the_mkl_int8_path() {
    let dir = tempfile::tempdir().unwrap();
    let audio = make_audio(dir.path());
    for run in 0..RUNS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_parley"))
            .current_dir(dir.path())
            .env("CT2_USE_MKL", "1")
            .args(["transcribe", "--asr-model", "tiny.en", "--asr-threads", "2"])
            .arg(&audio)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The broken path could decode forever: give it what a healthy run needs many
        // times over, then fail.
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(300) {
                let _ = child.kill();
                panic!("run {run}: `parley transcribe` did not finish in 5 minutes");
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        let (mut out, mut err) = (String::new(), String::new());
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(status.success(), "run {run}: {status}: {err}");
        let text = out.to_lowercase();
        assert!(
            text.contains("help you today") && text.contains("next tuesday"),
            "run {run} transcribed {out:?}"
        );
    }
}

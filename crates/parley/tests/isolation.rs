//! The speech engine runs in supervised child processes (`parley engine-host`): a crash in
//! it ends one job attempt with its reason, never the API server. Real `parley serve`
//! processes on port 0 over real SQLite files; the engine host dies on purpose through its
//! test-only switch (`PARLEY_TEST_ENGINE_CRASH`) or by a real `kill -9`. Uses Whisper
//! tiny.en (scripts/fetch-models.sh) and audio made with espeak-ng and sox.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{engine_pids, parley, run, Api, Server};
use serde_json::{json, Value};

const SENTENCE: &str =
    "Sure. Right now we use a competitor, and the renewal price went up a lot this year.";

/// The sentence spoken `times` times in a row, 16 kHz mono.
fn recording(dir: &Path, times: usize) -> PathBuf {
    let raw = dir.join("raw.wav");
    run(Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "160", "-w"])
        .arg(&raw)
        .arg(SENTENCE));
    let one = dir.join("one.wav");
    run(Command::new("sox")
        .arg("-D")
        .arg(&raw)
        .args(["-r", "16000"])
        .arg(&one)
        .args(["pad", "0", "0.8"]));
    let out = dir.join(format!("call-{times}.wav"));
    let mut sox = Command::new("sox");
    sox.arg("-D");
    for _ in 0..times {
        sox.arg(&one);
    }
    run(sox.arg(&out));
    out
}

/// `serve` with a 3 s worker lease: the worker then writes the job's progress every
/// second, which the tests watch.
fn serve(data: &Path, env: &[(&str, &str)]) -> Server {
    common::serve(data, &[&[("PARLEY_WORKER_LEASE_SECS", "3")], env].concat())
}

/// An API client whose every JSON request must be answered within 10 s: these tests check
/// that the API keeps answering while engines crash.
fn api(data: &Path, addr: &str) -> Api {
    Api {
        timeout: Some(Duration::from_secs(10)),
        ..Api::new(data, addr)
    }
}

/// Whether a process has this shared library mapped (ONNX Runtime is loaded on first use).
fn maps_contain(pid: u32, lib: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .unwrap()
        .contains(lib)
}

impl Api {
    /// A user and a call of theirs with one outside party, its recording uploaded.
    async fn call_with(&self, unique: &str, file: &Path) -> String {
        let (call, _) = self.call(unique, json!({})).await;
        let (status, body) = self.upload(&call, file).await;
        assert_eq!(status, 201, "{body}");
        call
    }

    /// Polls the call's transcription job until `done(job)`, checking on every round that
    /// the API still answers. Returns the job.
    async fn wait_for(
        &self,
        call: &str,
        timeout: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let start = Instant::now();
        loop {
            let jobs = self.get(&format!("/parley/v1/calls/{call}/jobs")).await;
            let job = jobs["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .find(|j| j["kind"] == "transcribe")
                .cloned()
                .unwrap_or(Value::Null);
            if done(&job) {
                return job;
            }
            assert!(start.elapsed() < timeout, "still waiting: {jobs}");
            self.answers().await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn error_of(job: &Value) -> &str {
    job["error"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_crashing_engine_fails_the_attempt_not_the_server_and_the_job_ends_failed() {
    let dir = tempfile::tempdir().unwrap();
    let audio = recording(dir.path(), 1);
    let mut server = serve(
        dir.path(),
        &[
            ("PARLEY_TEST_ENGINE_CRASH", "fpe"),
            ("PARLEY_ENGINE_CRASH_LIMIT", "2"),
        ],
    );
    let api = api(dir.path(), &server.addr);
    let first_engine = engine_pids(server.child.id());
    assert_eq!(
        first_engine.len(),
        1,
        "one engine host per slot, started with the worker"
    );
    let call = api.call_with("fpe", &audio).await;

    // The first attempt dies of SIGFPE in the engine; the job records it and waits.
    let job = api
        .wait_for(&call, Duration::from_secs(120), |j| !error_of(j).is_empty())
        .await;
    assert_eq!(job["state"], "queued", "retried: {job}");
    assert!(
        error_of(&job).starts_with("signal 8 (SIGFPE) in transcribe"),
        "{job}"
    );
    assert_eq!(job["crashes"], 1, "{job}");
    assert!(
        !engine_pids(server.child.id()).contains(&first_engine[0]),
        "the crashed engine is gone"
    );

    // The retry (after the backoff) crashes a fresh engine; the second crash of two ends it.
    let job = api
        .wait_for(&call, Duration::from_secs(120), |j| j["state"] == "failed")
        .await;
    assert!(
        error_of(&job).starts_with("signal 8 (SIGFPE) in transcribe"),
        "{job}"
    );
    assert!(error_of(&job).contains("2 times"), "{job}");
    assert_eq!(
        (job["attempts"].clone(), job["crashes"].clone()),
        (json!(2), json!(2)),
        "{job}"
    );

    // The server lived through both and still answers.
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server is running"
    );
    api.answers().await;
    // And it never loaded a native speech runtime itself.
    assert!(!maps_contain(server.child.id(), "libonnxruntime"));
}

#[tokio::test]
async fn a_hung_engine_is_killed_at_its_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let audio = recording(dir.path(), 1);
    let server = serve(
        dir.path(),
        &[
            ("PARLEY_TEST_ENGINE_CRASH", "hang"),
            ("PARLEY_ENGINE_TIMEOUT_SECS", "3"),
            ("PARLEY_ENGINE_TIMEOUT_FACTOR", "0"),
            ("PARLEY_ENGINE_CRASH_LIMIT", "1"),
        ],
    );
    let api = api(dir.path(), &server.addr);
    let call = api.call_with("hang", &audio).await;
    let started = Instant::now();
    let job = api
        .wait_for(&call, Duration::from_secs(120), |j| j["state"] == "failed")
        .await;
    assert!(
        error_of(&job).starts_with("timed out after 3 s in transcribe"),
        "{job}"
    );
    assert!(error_of(&job).contains("not retried"), "{job}");
    assert_eq!(job["crashes"], 1, "{job}");
    // Killed at the deadline, not left to hang until some other limit.
    assert!(started.elapsed() < Duration::from_secs(60));
    api.answers().await;
}

#[tokio::test]
async fn kill_9_of_the_engine_mid_job_retries_it_and_keeps_one_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let times = 6;
    let audio = recording(dir.path(), times);
    // `pause` holds every request for 5 s after its first progress report, and a 3 s
    // lease makes the worker write progress every second: a short recording on a fast
    // machine was otherwise done before the test saw it running.
    let server = serve(
        dir.path(),
        &[
            ("PARLEY_TEST_ENGINE_CRASH", "pause"),
            ("PARLEY_WORKER_LEASE_SECS", "3"),
        ],
    );
    let api = api(dir.path(), &server.addr);
    let call = api.call_with("kill", &audio).await;

    // Mid-job: the engine has reported progress. Freeze it so that it cannot finish
    // between this look and the kill, check the job is still running, then kill it.
    api.wait_for(&call, Duration::from_secs(180), |j| {
        j["state"] == "running" && j["progress"].as_f64().is_some_and(|p| p > 0.0)
    })
    .await;
    let engines = engine_pids(server.child.id());
    assert_eq!(engines.len(), 1, "{engines:?}");
    let engine = engines[0].to_string();
    run(Command::new("kill").args(["-STOP", &engine]));
    let job = api.wait_for(&call, Duration::from_secs(10), |_| true).await;
    assert_eq!(job["state"], "running", "still in the engine: {job}");
    assert!(
        maps_contain(engines[0], "libonnxruntime"),
        "the engine runs VAD"
    );
    run(Command::new("kill").args(["-9", &engine]));

    let job = api
        .wait_for(&call, Duration::from_secs(60), |j| !error_of(j).is_empty())
        .await;
    assert!(
        error_of(&job).starts_with("killed (signal 9, SIGKILL: out of memory?) in transcribe"),
        "{job}"
    );
    let job = api
        .wait_for(&call, Duration::from_secs(300), |j| {
            j["state"] == "done" || j["state"] == "failed"
        })
        .await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(
        (job["attempts"].clone(), job["crashes"].clone()),
        (json!(2), json!(1)),
        "{job}"
    );
    let new_engines = engine_pids(server.child.id());
    assert_eq!(new_engines.len(), 1, "restarted: {new_engines:?}");
    assert_ne!(new_engines[0], engines[0]);

    // Exactly one transcript: the sentence as many times as it was said, not twice that.
    let text: String = api
        .transcript(&call)
        .await
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["sentences"].as_array().unwrap().iter())
        .map(|s| s["text"].as_str().unwrap().to_lowercase() + " ")
        .collect();
    assert_eq!(text.matches("renewal price").count(), times, "{text}");
    // The server process itself never ran the engine.
    assert!(!maps_contain(server.child.id(), "libonnxruntime"));
}

#[test]
fn a_crash_while_enrolling_is_an_error_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let audio = recording(dir.path(), 2);
    run(parley(dir.path()).args([
        "users",
        "add",
        "--email",
        "rita@northwind.example.com",
        "--name",
        "Rita Rep",
    ]));
    let out = parley(dir.path())
        .env("PARLEY_TEST_ENGINE_CRASH", "abort")
        .args(["enroll", "--user", "rita@northwind.example.com"])
        .arg(&audio)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "an error, not a crash: {stderr}"
    );
    assert!(
        stderr.contains("signal 6 (SIGABRT) in voiceprint"),
        "{stderr}"
    );

    // Native code printing to the engine's stdout does not break the protocol: it goes to
    // the log, and the voiceprint is made.
    let out = parley(dir.path())
        .env("PARLEY_TEST_ENGINE_CRASH", "stdout")
        .args(["enroll", "--user", "rita@northwind.example.com"])
        .arg(&audio)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 samples"),
        "{stderr}"
    );
    assert!(
        stderr.contains("native library chatter on stdout"),
        "{stderr}"
    );
}

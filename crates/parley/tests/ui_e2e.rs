//! The web UI end to end, in a real browser against the real binary: `parley serve --demo`
//! on port 0 serves the UI it was built with (`web/dist`), a user with a password signs
//! in, sees the calls list, opens a call with a transcript, a recording and its analysis,
//! and plays it: clicks on sentences, the timeline, its markers and the summary's moments
//! seek, keys and `?t=` links work; then the Team, Library and Scorecards pages show the
//! demo's reps, folders and scorecards, and the Upload page sends a generated WAV (the call
//! is created with its parties, its media stored, its transcription queued: `--no-workers`
//! leaves it there, until `parley worker --drain` transcribes it near the end of the run)
//! (`web/e2e/real.mjs`, playwright-core and Chromium).
//!
//! Needs Node, `web/node_modules` and `web/dist` (`cd web && npm ci && npm run build`) and
//! `/usr/bin/chromium` (or `CHROMIUM`). Without them the test says so loudly and passes,
//! unless `PARLEY_REQUIRE_BROWSER=1` (CI), which makes it fail.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const WEB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web");
const EMAIL: &str = "una.tester@northwind.example.com";
const PASSWORD: &str = "a long enough test password";

/// What the browser test needs and is missing, if anything.
fn missing() -> Vec<String> {
    let web = Path::new(WEB);
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut missing = Vec::new();
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node (Node 20.19 or later)".to_owned());
    }
    if !web.join("node_modules/playwright-core").is_dir() {
        missing.push("web/node_modules (cd web && npm ci)".to_owned());
    }
    if !web.join("dist/index.html").is_file() {
        missing.push("web/dist (cd web && npm run build)".to_owned());
    }
    if !Path::new(&chromium).is_file() {
        missing.push(format!("{chromium} (apt-get install chromium)"));
    }
    missing
}

/// `seconds` of a 440 Hz tone, 8 kHz mono 16-bit PCM WAV.
fn wav(seconds: u32) -> Vec<u8> {
    let rate = 8000u32;
    let samples = rate * seconds;
    let data_len = samples * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..samples {
        let t = f64::from(i) / f64::from(rate);
        let v = (t * 440.0 * std::f64::consts::TAU).sin() * 8000.0;
        out.extend_from_slice(&(v as i16).to_le_bytes());
    }
    out
}

/// The largest `end` (ms) in a transcript answer.
fn last_end(v: &Value) -> u64 {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| match (k.as_str(), v.as_u64()) {
                ("end", Some(n)) => n,
                _ => last_end(v),
            })
            .max()
            .unwrap_or(0),
        Value::Array(a) => a.iter().map(last_end).max().unwrap_or(0),
        _ => 0,
    }
}

#[tokio::test]
async fn a_user_signs_in_opens_a_call_and_plays_it_in_a_browser() {
    let missing = missing();
    if !missing.is_empty() {
        assert!(
            std::env::var("PARLEY_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "PARLEY_REQUIRE_BROWSER=1 but the browser test cannot run; missing: {missing:?}"
        );
        eprintln!(
            "\n*** SKIPPED: the web UI's browser test (missing: {}); \
             PARLEY_REQUIRE_BROWSER=1 makes this fail ***\n",
            missing.join(", ")
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let mut cmd = common::parley(data);
    cmd.args(["serve", "--demo", "--no-workers", "--listen", "127.0.0.1:0"])
        .env("PARLEY_NO_DEMO_RECORDINGS", "true")
        .stderr(Stdio::null());
    let server = common::serve_cmd(cmd);
    let base = server.addr.clone();

    // A user who can sign in: an admin, who sees every call.
    common::run(common::parley(data).args([
        "users",
        "add",
        "--email",
        EMAIL,
        "--name",
        "Una Tester",
        "--admin",
    ]));
    let mut set = common::parley(data)
        .args(["users", "password", EMAIL])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(set.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(set.wait().unwrap().success());

    // A call of the list's first page (oldest first, as the UI asks) with a transcript, in
    // a workspace with library folders (real.mjs files it in one; which demo call is oldest
    // moves with the date, and not every demo workspace has folders), given a recording as
    // long as its transcript.
    let api = common::Api::new(data, &base);
    let calls = api.get("/v2/calls").await;
    let mut chosen = None;
    for call in calls["calls"].as_array().unwrap() {
        let id = call["id"].as_str().unwrap().to_owned();
        let workspace = call["workspaceId"].as_str().unwrap_or_default();
        let path = format!("/v2/library/folders?workspaceId={workspace}");
        let (status, folders) = api.send(reqwest::Method::GET, &path, None).await;
        if status != 200 || folders["folders"].as_array().is_none_or(Vec::is_empty) {
            continue;
        }
        let (status, transcript) = api
            .send(
                reqwest::Method::GET,
                &format!("/parley/v1/calls/{id}/transcript"),
                None,
            )
            .await;
        let end = last_end(&transcript);
        if status == 200 && end > 5_000 {
            chosen = Some((id, end));
            break;
        }
    }
    let (call, end_ms) = chosen.expect("a demo call with a transcript on the first page");
    let seconds = u32::try_from(end_ms / 1000 + 2).unwrap().min(1200);
    let file = data.join("tone.wav");
    std::fs::write(&file, wav(seconds)).unwrap();
    let (status, body) = api.upload(&call, &file).await;
    assert!(status == 200 || status == 201, "upload: {status} {body}");
    // A tone is no speech: its transcription (which real.mjs's `worker --drain` would run)
    // would replace the demo transcript the page is checked against. Cancelled, as an
    // admin can.
    let jobs = api.jobs(&call).await;
    let transcribe = jobs.iter().find(|j| j["kind"] == "transcribe").unwrap();
    let (status, body) = api
        .send(
            reqwest::Method::POST,
            &format!(
                "/parley/v1/jobs/{}/cancel",
                transcribe["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(status, 200, "cancel: {body}");
    // The analysis (trackers, topics, summary, stats) of every transcribed call, which
    // `--no-workers` leaves undone: the call page needs markers, topic spans and linked
    // moments to click, and the Team page needs each rep's interaction stats.
    common::run(common::parley(data).args(["analyze", "--all"]));

    let out = Command::new("node")
        .arg(PathBuf::from(WEB).join("e2e/real.mjs"))
        .arg(&base)
        .current_dir(WEB)
        .env("PARLEY_E2E_EMAIL", EMAIL)
        .env("PARLEY_E2E_PASSWORD", PASSWORD)
        .env("PARLEY_E2E_CALL", &call)
        // How real.mjs runs the back-fill a tracker saved in the browser queued, which
        // `--no-workers` leaves to it: `parley analyze --queued` on the server's data.
        .env(
            "PARLEY_E2E_ANALYZE_QUEUED",
            serde_json::json!([
                env!("CARGO_BIN_EXE_parley"),
                "--data-dir",
                data,
                "analyze",
                "--queued"
            ])
            .to_string(),
        )
        // The upload: real people talking (a council recording through a telephone
        // channel, the diarization fixture), transcribed by `parley worker --drain`, run
        // with the speech models this checkout was set up with.
        .env(
            "PARLEY_E2E_SPEECH",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/diarization/two-speakers-phone.wav"),
        )
        .env(
            "PARLEY_E2E_TRANSCRIBE_QUEUED",
            serde_json::json!([
                env!("CARGO_BIN_EXE_parley"),
                "--data-dir",
                data,
                "--asr-model",
                "tiny.en",
                "--asr-threads",
                "2",
                "worker",
                "--drain",
                "--kinds",
                "transcribe,analyze"
            ])
            .to_string(),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "web/e2e/real.mjs failed:\n{stdout}\n{stderr}"
    );
    drop(server);
}

//! Recording to transcript through the real binary: upload, pull by URL, the worker, the
//! speaker mapping and its correction, re-transcription, corrupt media, and `kill -9` in
//! the middle of a transcription. Uses Whisper tiny.en (fetched by scripts/fetch-models.sh)
//! and audio made at test time with espeak-ng and sox.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{parley, run, serve, serve_cmd, Api};
use serde_json::{json, Value};

const REP: &str =
    "Hi Dana, thanks for taking the time today. I wanted to walk you through our pricing.";
const CUSTOMER: &str =
    "Sure. Right now we use a competitor, and the renewal price went up a lot this year.";
const REP2: &str = "That makes sense. Could we schedule a demo for next Tuesday?";

/// `-D` on every sox call: sox dithers by default with a random seed, so the same call
/// was made of slightly different audio on every run, and a test that passes once could
/// fail the next time (seen: the espeak rep split into two voices by a few LSBs of noise).
fn speak(dir: &Path, name: &str, voice: &[&str], text: &str) -> PathBuf {
    let raw = dir.join(format!("{name}-raw.wav"));
    run(Command::new("espeak-ng")
        .args(voice)
        .arg("-w")
        .arg(&raw)
        .arg(text));
    let out = dir.join(format!("{name}.wav"));
    run(Command::new("sox")
        .arg("-D")
        .arg(&raw)
        .args(["-r", "16000"])
        .arg(&out));
    out
}

fn assert_ran(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn seconds(path: &Path) -> f64 {
    let out = Command::new("soxi").arg("-D").arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// A two-party call: the rep (left channel) speaks, the customer (right) answers, the rep
/// closes. Returns (stereo, mono mix).
fn make_call(dir: &Path) -> (PathBuf, PathBuf) {
    let rep_voice = ["-v", "en-us", "-p", "40", "-s", "165"];
    let cust_voice = ["-v", "en-us+f4", "-p", "80", "-s", "150"];
    let a = speak(dir, "rep1", &rep_voice, REP);
    let b = speak(dir, "cust", &cust_voice, CUSTOMER);
    let c = speak(dir, "rep2", &rep_voice, REP2);
    let (la, lb, lc) = (seconds(&a), seconds(&b), seconds(&c));
    let gap = 0.6;
    let left = dir.join("left.wav");
    let mid = dir.join("left-a.wav");
    run(Command::new("sox").arg("-D").arg(&a).arg(&mid).args([
        "pad",
        "0",
        &format!("{:.3}", lb + 2.0 * gap),
    ]));
    run(Command::new("sox").arg("-D").arg(&mid).arg(&c).arg(&left));
    let right = dir.join("right.wav");
    run(Command::new("sox").arg("-D").arg(&b).arg(&right).args([
        "pad",
        &format!("{:.3}", la + gap),
        &format!("{:.3}", gap + lc),
    ]));
    let stereo = dir.join("call-stereo.wav");
    run(Command::new("sox")
        .arg("-D")
        .arg("-M")
        .arg(&left)
        .arg(&right)
        .arg(&stereo));
    let mono = dir.join("call-mono.wav");
    run(Command::new("sox")
        .arg("-D")
        .arg("-m")
        .arg(&left)
        .arg(&right)
        .arg(&mono));
    (stereo, mono)
}

impl Api {
    /// Waits until the call's jobs are all finished; returns them.
    async fn settle(&self, call: &str, timeout: Duration) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let jobs = self.jobs(call).await;
            let busy = jobs
                .iter()
                .any(|j| j["state"] == "queued" || j["state"] == "running");
            if !jobs.is_empty() && !busy {
                return jobs;
            }
            assert!(start.elapsed() < timeout, "jobs did not finish: {jobs:?}");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}

fn words_of(monologue: &Value) -> String {
    monologue["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap().to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The party (name) each speaker id belongs to.
async fn party_names(api: &Api, call: &str) -> Vec<(String, String)> {
    let c = api
        .send(
            reqwest::Method::POST,
            "/v2/calls/extensive",
            Some(json!({"filter": {"callIds": [call]}, "contentSelector": {"exposedFields": {"parties": true}}})),
        )
        .await
        .1;
    c["calls"][0]["parties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["speakerId"].is_null())
        .map(|p| {
            (
                p["speakerId"].as_str().unwrap().to_owned(),
                p["name"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn stereo_upload_is_transcribed_mapped_corrected_and_retranscribed() {
    let dir = tempfile::tempdir().unwrap();
    let (stereo, _) = make_call(dir.path());
    let server = serve(dir.path(), &[]);
    let api = Api::new(dir.path(), &server.addr);
    let (call, _) = api.call("stereo-1", json!({})).await;

    let (s, body) = api.upload(&call, &stereo).await;
    assert_eq!(s, 201, "{body}");
    let jobs = api.settle(&call, Duration::from_secs(300)).await;
    assert_eq!(jobs.last().unwrap()["state"], "done", "{jobs:?}");

    let t = api.transcript(&call).await;
    let monologues = t.as_array().unwrap();
    assert!(monologues.len() >= 3, "rep, customer, rep: {t}");
    let names = party_names(&api, &call).await;
    let name_of = |speaker: &Value| {
        names
            .iter()
            .find(|(id, _)| speaker.as_str() == Some(id))
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    // Stereo: the rep's channel is the primary user, the other the outside party.
    assert_eq!(name_of(&monologues[0]["speakerId"]), "Rita Rep", "{t}");
    assert!(words_of(&monologues[0]).contains("pricing"), "{t}");
    assert_eq!(name_of(&monologues[1]["speakerId"]), "Dana Customer", "{t}");
    assert!(words_of(&monologues[1]).contains("renewal price"), "{t}");
    assert!(words_of(&monologues[2]).contains("demo"), "{t}");

    // The transcript was analysed by the in-process workers: two voices, one of them the
    // company's rep.
    let a = api.get(&format!("/parley/v1/calls/{call}/analysis")).await;
    let interaction = &a["analysis"]["interaction"];
    assert_eq!(interaction["speakers"].as_array().unwrap().len(), 2, "{a}");
    assert_eq!(interaction["persons"].as_array().unwrap().len(), 1, "{a}");
    assert!(
        interaction["persons"][0]["talkRatio"].as_f64().unwrap() > 0.2,
        "{a}"
    );

    // The waveform the call page draws: as long as the recording, with speech in it.
    let w = api.get(&format!("/parley/v1/calls/{call}/waveform")).await;
    let peaks: Vec<u8> = serde_json::from_value(w["peaks"].clone()).unwrap();
    let length_ms = (seconds(&stereo) * 1000.0) as u64;
    assert!(
        w["durationMs"].as_u64().unwrap().abs_diff(length_ms) <= 50,
        "{length_ms} ms: {w}"
    );
    assert_eq!(w["bucketMs"], 50);
    assert_eq!(
        peaks.len() as u64,
        w["durationMs"].as_u64().unwrap().div_ceil(50)
    );
    assert!(
        peaks.iter().filter(|&&p| p > 25).count() > 40,
        "speech: {peaks:?}"
    );

    // Language, duration, word timings.
    let c = api.get(&format!("/v2/calls/{call}")).await;
    assert_eq!(c["call"]["language"], "eng");
    assert!(c["call"]["duration"].as_i64().unwrap() >= 10, "{c}");
    let detail = api
        .get(&format!("/parley/v1/calls/{call}/transcript"))
        .await;
    assert_eq!(detail["source"], "asr:whisper-tiny.en");
    let words = detail["transcript"][0]["sentences"][0]["words"]
        .as_array()
        .unwrap();
    assert!(words.len() >= 2, "{detail}");
    assert!(words[0]["end"].as_i64() >= words[0]["start"].as_i64());

    // A correction: the voices are shown with how they were mapped; say the customer's
    // voice is the rep's and back, and the change is visible.
    let sp = api.get(&format!("/parley/v1/calls/{call}/speakers")).await;
    let speakers = sp["speakers"].as_array().unwrap();
    assert_eq!(speakers.len(), 2, "{sp}");
    assert!(
        speakers
            .iter()
            .all(|s| s["assignedBy"] == "channel" && s["hasVoiceprint"] == true),
        "{sp}"
    );
    let customer = speakers.iter().find(|s| s["channel"] == 1).unwrap();
    let rep = speakers.iter().find(|s| s["channel"] == 0).unwrap();
    let (s, body) = api
        .send(
            reqwest::Method::PUT,
            &format!(
                "/parley/v1/calls/{call}/speakers/{}",
                customer["speakerId"].as_str().unwrap()
            ),
            Some(json!({"partyId": rep["partyId"]})),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let moved = body["speakers"].as_array().unwrap();
    let c2 = moved.iter().find(|s| s["channel"] == 1).unwrap();
    assert_eq!(c2["partyName"], "Rita Rep");
    assert_eq!(c2["assignedBy"], "manual");
    // Unknown speakers and parties are 404s; a bad body is a 400.
    let (s, _) = api
        .send(
            reqwest::Method::PUT,
            &format!("/parley/v1/calls/{call}/speakers/123"),
            Some(json!({"partyId": rep["partyId"]})),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = api
        .send(
            reqwest::Method::PUT,
            &format!(
                "/parley/v1/calls/{call}/speakers/{}",
                rep["speakerId"].as_str().unwrap()
            ),
            Some(json!({"partyId": 5})),
        )
        .await;
    assert_eq!(s, 400);

    // Re-transcription replaces the transcript and keeps the correction (the voice that
    // was said to be the rep's is mapped to the rep again).
    let (s, body) = api
        .send(
            reqwest::Method::POST,
            &format!("/parley/v1/calls/{call}/transcribe"),
            None,
        )
        .await;
    assert_eq!(s, 202, "{body}");
    let jobs = api.settle(&call, Duration::from_secs(300)).await;
    assert!(jobs.iter().all(|j| j["state"] == "done"), "{jobs:?}");
    // Two transcriptions, each followed by the analysis of its transcript; the correction
    // queued one of its own between them (merged into the second transcript's when it was
    // still queued as that was written).
    let kinds: Vec<&str> = jobs.iter().map(|j| j["kind"].as_str().unwrap()).collect();
    assert!(
        kinds == ["transcribe", "analyze", "analyze", "transcribe", "analyze"]
            || kinds == ["transcribe", "analyze", "transcribe", "analyze"],
        "{kinds:?}"
    );
    let sp = api.get(&format!("/parley/v1/calls/{call}/speakers")).await;
    let again = sp["speakers"].as_array().unwrap();
    let ch1 = again.iter().find(|s| s["channel"] == 1).unwrap();
    assert_eq!(ch1["partyName"], "Rita Rep", "{sp}");
    assert_eq!(ch1["assignedBy"], "manual", "{sp}");
    assert_ne!(
        ch1["speakerId"], customer["speakerId"],
        "new transcription, new speaker ids"
    );
    let t2 = api.transcript(&call).await;
    assert_eq!(
        t2.as_array().unwrap().len(),
        monologues.len(),
        "replaced, not appended: {t2}"
    );
}

/// A server run without workers queues an upload's transcription; `parley worker
/// --drain` runs it and the analysis it queues, then exits. An unknown kind is named.
#[tokio::test]
async fn worker_drain_runs_what_a_server_without_workers_queued() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mono) = make_call(dir.path());
    let mut cmd = parley(dir.path());
    cmd.args(["serve", "--no-workers", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::null());
    let server = serve_cmd(cmd);
    let api = Api::new(dir.path(), &server.addr);
    let (call, _) = api.call("drain-1", json!({})).await;
    let (s, body) = api.upload(&call, &mono).await;
    assert_eq!(s, 201, "{body}");
    let states = |jobs: &[Value]| -> Vec<(String, String)> {
        jobs.iter()
            .map(|j| (j["kind"].to_string(), j["state"].to_string()))
            .collect()
    };
    let queued = api.jobs(&call).await;
    assert_eq!(
        states(&queued),
        [(r#""transcribe""#.into(), r#""queued""#.into())]
    );

    let out = parley(dir.path())
        .args(["worker", "--drain", "--kinds", "transcribe,nope"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("no job kind \"nope\""),
        "{err}"
    );
    assert_eq!(
        states(&api.jobs(&call).await),
        states(&queued),
        "nothing ran"
    );

    let out = parley(dir.path())
        .args(["worker", "--drain", "--kinds", "transcribe,analyze"])
        .output()
        .unwrap();
    assert_ran(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 queued jobs run"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let jobs = api.jobs(&call).await;
    let done: Vec<(String, String)> = ["transcribe", "analyze"]
        .iter()
        .map(|k| (format!("{k:?}"), r#""done""#.to_owned()))
        .collect();
    assert_eq!(states(&jobs), done, "{jobs:?}");
    let t = api.transcript(&call).await;
    let all: String = t.as_array().unwrap().iter().map(words_of).collect();
    assert!(all.contains("pricing"), "{t}");
}

#[tokio::test]
async fn mono_call_is_diarized_into_two_speakers() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mono) = make_call(dir.path());
    let out = parley(dir.path())
        .args(["transcribe", "--format", "json"])
        .arg(&mono)
        .output()
        .unwrap();
    assert_ran(&out);
    let t: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(t["language"], "eng");
    let segs = t["segments"].as_array().unwrap();
    let speaker_of = |needle: &str| {
        segs.iter()
            .find(|s| s["text"].as_str().unwrap().to_lowercase().contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} in {t}"))["speaker"]
            .clone()
    };
    let rep = speaker_of("pricing");
    let customer = speaker_of("renewal");
    assert_ne!(rep, customer, "two voices: {t}");
    assert_eq!(speaker_of("tuesday"), rep, "{t}");
}

#[tokio::test]
async fn bad_media_fails_the_job_with_a_reason_and_keeps_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    let api = Api::new(dir.path(), &server.addr);
    let (call, _) = api.call("silent-1", json!({})).await;
    // Not media at all: refused at the upload.
    let junk = dir.path().join("junk.wav");
    std::fs::write(&junk, b"this is not a recording").unwrap();
    let (s, body) = api.upload(&call, &junk).await;
    assert_eq!(s, 400, "{body}");
    // Valid WAV, nothing audible: accepted, and the job fails with the reason.
    let silent = dir.path().join("silent.wav");
    run(Command::new("sox")
        .arg("-D")
        .args(["-n", "-r", "16000", "-c", "1"])
        .arg(&silent)
        .args(["trim", "0", "3"]));
    let (s, body) = api.upload(&call, &silent).await;
    assert_eq!(s, 201, "{body}");
    let jobs = api.settle(&call, Duration::from_secs(120)).await;
    let last = jobs.last().unwrap();
    assert_eq!(last["state"], "failed", "{jobs:?}");
    assert!(last["error"].as_str().unwrap().contains("silent"), "{last}");
    assert_eq!(last["attempts"], 1, "permanent failures are not retried");
    // The call is intact.
    let c = api.get(&format!("/v2/calls/{call}")).await;
    assert_eq!(c["call"]["title"], "Call silent-1");
}

#[tokio::test]
async fn download_media_url_is_pulled_only_from_allowed_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let (stereo, _) = make_call(dir.path());
    let bytes = std::fs::read(&stereo).unwrap();
    // A media host on loopback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let media_addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/rec.wav",
        axum::routing::get(move || {
            let b = bytes.clone();
            async move { b }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let url = format!("http://{media_addr}/rec.wav?X-Signature=secret");

    // By default loopback is refused: the fetch job fails without retrying.
    {
        let server = serve(dir.path(), &[]);
        let api = Api::new(dir.path(), &server.addr);
        let (call, _) = api
            .call("url-refused", json!({"downloadMediaUrl": url}))
            .await;
        let jobs = api.settle(&call, Duration::from_secs(60)).await;
        assert_eq!(jobs.len(), 1, "{jobs:?}");
        assert_eq!(jobs[0]["kind"], "fetch-media");
        assert_eq!(jobs[0]["state"], "failed");
        let err = jobs[0]["error"].as_str().unwrap();
        assert!(
            err.contains("not allowed") || err.contains("refused"),
            "{err}"
        );
        assert!(!err.contains("secret"), "no credentials in errors: {err}");
    }
    // Allowed explicitly: pulled, stored and transcribed.
    let server = serve(dir.path(), &[("PARLEY_MEDIA_FETCH_ALLOW", "127.0.0.1")]);
    let api = Api::new(dir.path(), &server.addr);
    let (call, _) = api
        .call("url-allowed", json!({"downloadMediaUrl": url}))
        .await;
    let jobs = api.settle(&call, Duration::from_secs(300)).await;
    let kinds: Vec<(&str, &str)> = jobs
        .iter()
        .map(|j| (j["kind"].as_str().unwrap(), j["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("fetch-media", "done"),
            ("transcribe", "done"),
            ("analyze", "done")
        ]
    );
    let t = api.transcript(&call).await;
    assert!(t.as_array().unwrap().len() >= 3, "{t}");
}

#[tokio::test]
async fn kill_9_mid_transcription_then_restart_keeps_exactly_one_result() {
    let dir = tempfile::tempdir().unwrap();
    let (stereo, _) = make_call(dir.path());
    // Long enough that the kill lands mid-transcription: the call four times over.
    let long = dir.path().join("long.wav");
    run(Command::new("sox")
        .arg("-D")
        .arg(&stereo)
        .arg(&stereo)
        .arg(&stereo)
        .arg(&stereo)
        .arg(&long));
    let server = serve(dir.path(), &[]);
    let api = Api::new(dir.path(), &server.addr);
    let (call, _) = api.call("kill-1", json!({})).await;
    let (s, body) = api.upload(&call, &long).await;
    assert_eq!(s, 201, "{body}");
    // Wait for the job to run, then kill the process without any chance to clean up.
    let start = Instant::now();
    loop {
        let jobs = api.get(&format!("/parley/v1/calls/{call}/jobs")).await;
        if jobs["jobs"][0]["state"] == "running" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never ran: {jobs}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut server = server;
    let pid = server.child.id();
    run(Command::new("kill").args(["-9", &pid.to_string()]));
    let _ = server.child.wait();
    drop(server);

    // Restart: the lease (4 s here) runs out, the job is taken over and rerun.
    let server = serve(dir.path(), &[]);
    let api = Api {
        base: server.addr.clone(),
        ..api
    };
    let jobs = api.settle(&call, Duration::from_secs(600)).await;
    // One transcription (rerun after the kill) and the one analysis of its result.
    let kinds: Vec<&str> = jobs.iter().map(|j| j["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["transcribe", "analyze"], "{jobs:?}");
    assert_eq!(jobs[0]["state"], "done", "{jobs:?}");
    assert_eq!(
        jobs[0]["attempts"], 2,
        "rerun once after the kill: {jobs:?}"
    );
    let t = api.transcript(&call).await;
    let text: String = t
        .as_array()
        .unwrap()
        .iter()
        .map(words_of)
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(
        text.matches("renewal price").count(),
        4,
        "exactly one result: {text}"
    );
}

#[test]
fn import_cli_turns_recordings_into_transcribed_calls() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("recordings");
    std::fs::create_dir(&rec).unwrap();
    let (stereo, _) = make_call(dir.path());
    std::fs::copy(&stereo, rec.join("acme-discovery.wav")).unwrap();
    std::fs::write(rec.join("notes.txt"), "not a recording").unwrap();

    // No users yet: a clear error, nothing half-done.
    let out = parley(dir.path()).arg("import").arg(&rec).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no users"));

    assert!(parley(dir.path())
        .arg("demo")
        .output()
        .unwrap()
        .status
        .success());
    let out = parley(dir.path()).arg("import").arg(&rec).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The folder's one recording (the .txt is skipped) became a call.
    let call = stdout
        .lines()
        .find_map(|l| l.split(": call ").nth(1))
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("{stdout}"))
        .to_owned();
    let jobs = parley(dir.path())
        .args(["jobs", "--call", &call])
        .output()
        .unwrap();
    let jobs = String::from_utf8_lossy(&jobs.stdout).into_owned();
    assert!(
        jobs.contains("transcribe") && jobs.contains("done"),
        "{jobs}"
    );

    // Importing the same file again finds the call instead of making a second one.
    let out = parley(dir.path())
        .arg("import")
        .arg(rec.join("acme-discovery.wav"))
        .output()
        .unwrap();
    let again = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        again.contains(&format!("already imported as call {call}")),
        "{again}"
    );
}

#[tokio::test]
async fn enrolled_voice_names_the_user_in_a_mono_call() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mono) = make_call(dir.path());
    let sample = speak(
        dir.path(),
        "enroll",
        &["-v", "en-us", "-p", "40", "-s", "165"],
        "This is my enrollment sample. I manage the northwest accounts and I run most of our discovery calls.",
    );
    let server = serve(dir.path(), &[]);
    let api = Api::new(dir.path(), &server.addr);
    let (call, _) = api.call("enroll-1", json!({})).await;

    // Unknown users and silence are refused clearly.
    let out = parley(dir.path())
        .args(["enroll", "--user", "nobody@example.com"])
        .arg(&sample)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user"));
    let out = parley(dir.path())
        .args(["enroll", "--user", "rita.enroll-1@northwind.example.com"])
        .arg(&sample)
        .output()
        .unwrap();
    assert_ran(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 samples"));

    let (s, body) = api.upload(&call, &mono).await;
    assert_eq!(s, 201, "{body}");
    let jobs = api.settle(&call, Duration::from_secs(300)).await;
    assert_eq!(jobs.last().unwrap()["state"], "done", "{jobs:?}");
    let sp = api.get(&format!("/parley/v1/calls/{call}/speakers")).await;
    let speakers = sp["speakers"].as_array().unwrap();
    assert_eq!(speakers.len(), 2, "{sp}");
    let rita = speakers
        .iter()
        .find(|s| s["partyName"] == "Rita Rep")
        .unwrap();
    assert_eq!(rita["assignedBy"], "profile", "{sp}");
    let dana = speakers
        .iter()
        .find(|s| s["partyName"] == "Dana Customer")
        .unwrap();
    assert_eq!(dana["assignedBy"], "elimination", "{sp}");
    // The rep's words are the rep's.
    let t = api.transcript(&call).await;
    let rep_says: String = t
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["speakerId"] == rita["speakerId"])
        .map(words_of)
        .collect();
    assert!(
        rep_says.contains("pricing") && !rep_says.contains("renewal"),
        "{t}"
    );
}

/// A dialer's precise speakers timeline names the transcript's speakers even where the
/// voices cannot: one espeak voice reads both sides, so diarization alone finds one
/// speaker, and the timeline splits it into the rep and the customer.
#[tokio::test]
async fn a_precise_timeline_splits_one_voice_into_its_parties() {
    let dir = tempfile::tempdir().unwrap();
    let voice = ["-v", "en-us", "-p", "40", "-s", "165"];
    let a = speak(dir.path(), "side-a", &voice, REP);
    let b = speak(dir.path(), "side-b", &voice, CUSTOMER);
    let (la, lb) = (seconds(&a), seconds(&b));
    let gap = 0.8;
    let padded = dir.path().join("side-a-pad.wav");
    run(Command::new("sox").arg("-D").arg(&a).arg(&padded).args([
        "pad",
        "0",
        &format!("{gap:.3}"),
    ]));
    let mono = dir.path().join("one-voice.wav");
    run(Command::new("sox")
        .arg("-D")
        .arg(&padded)
        .arg(&b)
        .arg(&mono));

    let server = serve(dir.path(), &[]);
    let api = Api::new(dir.path(), &server.addr);
    let (s, u) = api
        .send(
            reqwest::Method::POST,
            "/parley/v1/users",
            Some(json!({"email": "rita.tl@northwind.example.com", "firstName": "Rita", "lastName": "Rep"})),
        )
        .await;
    assert!(s == 200 || s == 201, "{u}");
    let user = u["userId"]
        .as_str()
        .or(u["id"].as_str())
        .unwrap()
        .to_owned();
    let ms = |s: f64| (s * 1000.0).round() as i64;
    let (s, c) = api
        .send(
            reqwest::Method::POST,
            "/v2/calls",
            Some(json!({
                "clientUniqueId": "timeline-1",
                "actualStart": "2026-11-20T10:00:00Z",
                "direction": "Outbound",
                "primaryUser": user,
                "parties": [
                    {"userId": user, "partyId": "p-rep"},
                    {"name": "Dana Customer", "emailAddress": "dana@acme.example.com", "partyId": "p-dana"}
                ],
                "speakersTimeline": {"precise": true, "speechSegments": [
                    {"fromTime": 0, "toTime": ms(la + gap / 2.0), "partyIds": ["p-rep"]},
                    {"fromTime": ms(la + gap / 2.0), "toTime": ms(la + gap + lb + 1.0), "partyIds": ["p-dana"]}
                ]}
            })),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    let call = c["callId"].as_str().unwrap().to_owned();

    let (s, body) = api.upload(&call, &mono).await;
    assert_eq!(s, 201, "{body}");
    let jobs = api.settle(&call, Duration::from_secs(300)).await;
    assert_eq!(jobs.last().unwrap()["state"], "done", "{jobs:?}");
    let sp = api.get(&format!("/parley/v1/calls/{call}/speakers")).await;
    let speakers = sp["speakers"].as_array().unwrap();
    let by_name = |name: &str| {
        speakers
            .iter()
            .find(|s| s["partyName"] == name)
            .unwrap_or_else(|| panic!("{name} in {sp}"))
    };
    let (rita, dana) = (by_name("Rita Rep"), by_name("Dana Customer"));
    assert_eq!(rita["assignedBy"], "timeline", "{sp}");
    assert_eq!(dana["assignedBy"], "timeline", "{sp}");
    let t = api.transcript(&call).await;
    let said_by = |speaker: &Value| -> String {
        t.as_array()
            .unwrap()
            .iter()
            .filter(|m| m["speakerId"] == *speaker)
            .map(words_of)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (rep_says, dana_says) = (said_by(&rita["speakerId"]), said_by(&dana["speakerId"]));
    assert!(
        rep_says.contains("pricing") && !rep_says.contains("renewal"),
        "{t}"
    );
    assert!(
        dana_says.contains("renewal") && !dana_says.contains("pricing"),
        "{t}"
    );
}

/// The models folder this checkout was set up with (`scripts/fetch-models.sh`).
fn models_dir() -> PathBuf {
    match std::env::var_os("PARLEY_MODELS").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.parley/models"),
    }
}

/// A stand-in for the Hugging Face hub on port 0: serves `root`'s files at
/// `/Org/faster-whisper-tiny.en/resolve/REV/FILE` and announces model.bin's SHA-256 as the hub does
/// (`X-Linked-Etag`), a wrong one when `lie` is set.
struct FakeHub {
    child: Child,
    url: String,
}

impl FakeHub {
    /// The one repository it has.
    const REPO: &str = "Org/faster-whisper-tiny.en";

    fn start(root: &Path, lie: bool) -> FakeHub {
        const SERVER: &str = r#"
import hashlib, http.server, os, sys
root, lie, repo = sys.argv[1], sys.argv[2] == "lie", sys.argv[3]
class Hub(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        parts = self.path.split("/")
        path = os.path.join(root, parts[-1])
        known = len(parts) == 6 and "/".join(parts[1:3]) == repo and parts[3] == "resolve"
        if not known or not os.path.isfile(path):
            self.send_response(404); self.end_headers(); return
        data = open(path, "rb").read()
        self.send_response(200)
        if parts[-1] == "model.bin":
            sha = "0" * 64 if lie else hashlib.sha256(data).hexdigest()
            self.send_header("X-Linked-Etag", '"%s"' % sha)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;
        let mut child = Command::new("python3")
            .args(["-c", SERVER])
            .arg(root)
            .arg(if lie { "lie" } else { "honest" })
            .arg(FakeHub::REPO)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        FakeHub {
            child,
            url: format!("http://127.0.0.1:{}", line.trim()),
        }
    }
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_model_from_the_hub_is_fetched_checked_and_used() {
    let dir = tempfile::tempdir().unwrap();
    let real = models_dir();
    // The hub's copy of tiny.en, as newer conversions ship it: vocabulary.json, no
    // tokenizer.json.
    let hub_root = dir.path().join("hub");
    std::fs::create_dir(&hub_root).unwrap();
    let tiny = real.join("whisper-tiny.en");
    for f in ["model.bin", "config.json"] {
        std::fs::copy(tiny.join(f), hub_root.join(f)).unwrap();
    }
    let vocabulary = std::fs::read_to_string(tiny.join("vocabulary.txt")).unwrap();
    let tokens: Vec<&str> = vocabulary.lines().collect();
    std::fs::write(
        hub_root.join("vocabulary.json"),
        serde_json::to_string(&tokens).unwrap(),
    )
    .unwrap();
    // A models folder of its own, with the runtimes and the other models of the real one.
    let models = dir.path().join("models");
    std::fs::create_dir(&models).unwrap();
    for f in [
        "ct2lib",
        "onnxruntime",
        "silero_vad.onnx",
        "campplus_cn_en_common.pt",
        "segmentation-3.0.onnx",
    ] {
        std::os::unix::fs::symlink(real.join(f).canonicalize().unwrap(), models.join(f)).unwrap();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/fetch-hub-model.sh");
    let fetch = |hub: &FakeHub, repo: &str| {
        Command::new("bash")
            .arg(&script)
            .arg(repo)
            .arg("hubtiny")
            .env("PARLEY_MODELS", &models)
            .env("HF_ENDPOINT", &hub.url)
            .output()
            .unwrap()
    };

    let hub = FakeHub::start(&hub_root, false);
    let out = fetch(&hub, FakeHub::REPO);
    assert_ran(&out);
    let fetched = models.join("whisper-hubtiny");
    let text = std::fs::read_to_string(fetched.join("vocabulary.txt")).unwrap();
    assert_eq!(text.lines().collect::<Vec<_>>(), tokens);
    // The fetched model transcribes.
    let clip = speak(dir.path(), "clip", &["-v", "en-us"], REP);
    let out = Command::new(env!("CARGO_BIN_EXE_parley"))
        .arg("--models")
        .arg(&models)
        .args(["--asr-model", "hubtiny", "transcribe"])
        .arg(&clip)
        .output()
        .unwrap();
    assert_ran(&out);
    let said = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(said.contains("pricing"), "{said}");
    drop(hub);

    // A model.bin that does not match what the hub announced is refused, and the model
    // fetched before stays as it was; nothing half-written is left behind.
    let hub = FakeHub::start(&hub_root, true);
    let out = fetch(&hub, FakeHub::REPO);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not match the SHA-256"), "{err}");
    assert!(fetched.join("model.bin").is_file());
    // An unknown repository is a clear error.
    let out = fetch(&hub, "Org/nothing-here");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("answered HTTP 404"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let leftovers: Vec<_> = std::fs::read_dir(&models)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

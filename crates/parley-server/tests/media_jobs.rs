//! Media jobs on a real server over a real SQLite file and a real media folder: a
//! recording replaced during its transcription, slow pulls beside transcriptions, and
//! work files left by a crashed process.
//!
//! The speech engine is the one part stood in for: `Rates` "recognises" the sample rate
//! of the recording it was handed, so a transcript says which recording it came from, and
//! it can hold a transcription until the test lets it go.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use common::{call_body, TestServer};
use parley_app::worker::{Hints, Recognised, TranscribeError, Transcriber, WorkerConfig, Workers};
use parley_domain::{CallId, FoundVoice, Job, JobKind, JobState, VoiceUtterance};
use parley_media::DecodedAudio;
use parley_outbound::{FetchPolicy, HostAllowList};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::AsyncWriteExt;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../parley-media/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A speech engine whose transcript is the recording's source sample rate. With a gate,
/// each transcription reports that it started and waits until released.
struct Rates {
    gate: Option<Mutex<(mpsc::Sender<u32>, mpsc::Receiver<()>)>>,
}

impl Transcriber for Rates {
    fn model(&self) -> String {
        "rates".into()
    }

    fn transcribe(
        &self,
        audio: &DecodedAudio,
        hints: &Hints,
        _progress: &(dyn Fn(f32) + Sync),
    ) -> Result<Recognised, TranscribeError> {
        if let Some(gate) = &self.gate {
            let gate = gate.lock().unwrap();
            gate.0.send(audio.source_rate).unwrap();
            gate.1
                .recv_timeout(Duration::from_secs(30))
                .map_err(|_| TranscribeError::Engine("the test never released".into()))?;
        }
        let text = match &hints.language {
            None => format!("rate {}.", audio.source_rate),
            Some(language) => format!("rate {} in {language}.", audio.source_rate),
        };
        Ok(Recognised {
            model: "rates".into(),
            language: "eng".into(),
            voices: vec![FoundVoice {
                channel: None,
                speech_ms: 1_000,
                voice: None,
            }],
            utterances: vec![VoiceUtterance {
                voice: 0,
                start_ms: 0,
                end_ms: 1_000,
                text,
                words: Vec::new(),
            }],
        })
    }
}

struct Setup {
    server: TestServer,
    _dir: tempfile::TempDir,
    media_dir: PathBuf,
    work_dir: PathBuf,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let media_dir = dir.path().join("media");
    let work_dir = dir.path().join("tmp");
    let (m, w) = (media_dir.clone(), work_dir.clone());
    let server = TestServer::start_with(move |c| {
        c.media_url = format!("file://{}", m.display());
        c.work_dir = w;
    })
    .await;
    Setup {
        server,
        _dir: dir,
        media_dir,
        work_dir,
    }
}

impl Setup {
    /// Workers whose speech engine says when each transcription starts (its recording's
    /// rate) and holds it until released.
    fn gated_workers(&self) -> (Workers, mpsc::Receiver<u32>, mpsc::Sender<()>) {
        let (started_tx, started) = mpsc::channel();
        let (release, release_rx) = mpsc::channel();
        let gate = Some(Mutex::new((started_tx, release_rx)));
        (self.workers(Some(Rates { gate }), None), started, release)
    }

    fn workers(&self, transcriber: Option<Rates>, fetch: Option<FetchPolicy>) -> Workers {
        Workers {
            store: self.server.store.clone(),
            blobs: parley_blob::BlobStore::open(&format!("file://{}", self.media_dir.display()))
                .unwrap(),
            transcriber: transcriber.map(|t| Arc::new(t) as Arc<dyn Transcriber>),
            config: WorkerConfig {
                work_dir: self.work_dir.clone(),
                poll: Duration::from_millis(50),
                concurrency: 1,
                media_concurrency: 1,
                ..WorkerConfig::default()
            },
            fetch: fetch.map(Arc::new),
            llm: None,
            webhooks: None,
        }
    }

    async fn call(&self, unique: &str, extra: serde_json::Value) -> CallId {
        let user = self
            .server
            .user(&format!("{unique}@northwind.example.com"), "Rita", unique)
            .await;
        let mut body = call_body(unique, &user, "2024-03-05T10:00:00Z");
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        CallId(self.server.call(body).await.parse().unwrap())
    }

    async fn upload(&self, call: CallId, file: &str) {
        let form = Form::new().part(
            "mediaFile",
            Part::bytes(fixture(file)).file_name(file.to_owned()),
        );
        let r = self
            .server
            .raw(
                self.server
                    .client
                    .put(format!("{}/v2/calls/{call}/media", self.server.base))
                    .basic_auth(&self.server.key, Some(&self.server.secret))
                    .multipart(form),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }

    async fn key(&self, call: CallId) -> String {
        self.server
            .store
            .call_media(call)
            .await
            .unwrap()
            .unwrap()
            .key
    }

    async fn transcript_text(&self, call: CallId) -> Option<String> {
        let t = self.server.store.transcripts_of(&[call]).await.unwrap();
        t.get(&call).map(|t| t[0].sentences[0].text.clone())
    }

    async fn jobs(&self, call: CallId, kind: JobKind) -> Vec<Job> {
        let jobs = self.server.store.jobs_for_call(call).await.unwrap();
        jobs.into_iter().filter(|j| j.kind == kind).collect()
    }
}

fn stored(media_dir: &Path, key: &str) -> bool {
    media_dir.join(key).is_file()
}

/// The language a call was created with (`languageCode`, BCP-47) reaches the speech
/// engine as Whisper's code; without one the engine detects it.
#[tokio::test]
async fn the_calls_language_code_reaches_the_speech_engine() {
    let s = setup().await;
    let w = s.workers(Some(Rates { gate: None }), None);
    for (unique, extra, text) in [
        (
            "german",
            json!({"languageCode": "de-DE"}),
            "rate 8000 in de.",
        ),
        ("unknown", json!({"languageCode": "tlh"}), "rate 8000."),
        ("none", json!({}), "rate 8000."),
    ] {
        let call = s.call(unique, extra).await;
        s.upload(call, "telephony_8k_ulaw.wav").await;
        assert!(w.run_next("test", &[JobKind::Transcribe]).await.unwrap());
        assert_eq!(
            s.transcript_text(call).await.as_deref(),
            Some(text),
            "{unique}"
        );
    }
}

#[tokio::test]
async fn a_recording_replaced_during_transcription_is_the_one_transcribed() {
    let s = setup().await;
    let call = s.call("replaced", json!({})).await;
    s.upload(call, "speech.mp3").await;
    let old_key = s.key(call).await;
    assert!(stored(&s.media_dir, &old_key));

    let (w, started, release) = s.gated_workers();
    let first = {
        let w = w.clone();
        tokio::spawn(async move { w.run_next("test", &[JobKind::Transcribe]).await })
    };
    let old_rate = tokio::task::spawn_blocking(move || {
        let rate = started.recv_timeout(Duration::from_secs(30)).unwrap();
        (rate, started)
    })
    .await
    .unwrap();
    let (old_rate, started) = old_rate;
    assert_ne!(old_rate, 8_000);

    // Replaced while the old recording is being transcribed.
    s.upload(call, "telephony_8k_ulaw.wav").await;
    let new_key = s.key(call).await;
    assert_ne!(new_key, old_key);
    let queued = s.jobs(call, JobKind::Transcribe).await;
    assert_eq!(
        queued.iter().map(|j| j.state).collect::<Vec<_>>(),
        [JobState::Running, JobState::Queued],
        "the replacement queued a transcription of its own"
    );

    release.send(()).unwrap();
    assert!(first.await.unwrap().unwrap());
    assert_eq!(
        s.transcript_text(call).await,
        None,
        "the old recording's transcript is not kept"
    );
    let jobs = s.jobs(call, JobKind::Transcribe).await;
    assert_eq!(jobs[0].state, JobState::Done);
    assert_eq!(jobs[1].state, JobState::Queued);

    // The new recording's job runs and its transcript is kept.
    let second = {
        let w = w.clone();
        tokio::spawn(async move { w.run_next("test", &[JobKind::Transcribe]).await })
    };
    let new_rate =
        tokio::task::spawn_blocking(move || started.recv_timeout(Duration::from_secs(30)).unwrap())
            .await
            .unwrap();
    assert_eq!(new_rate, 8_000);
    release.send(()).unwrap();
    assert!(second.await.unwrap().unwrap());
    assert_eq!(s.transcript_text(call).await.as_deref(), Some("rate 8000."));

    // The old file goes, the new one stays.
    assert!(stored(&s.media_dir, &old_key), "deleted only by its job");
    assert!(w.run_next("test", &[JobKind::DeleteMedia]).await.unwrap());
    assert!(
        !stored(&s.media_dir, &old_key),
        "the replaced file is deleted"
    );
    assert!(stored(&s.media_dir, &new_key));
    let deleted = s
        .server
        .store
        .list_jobs(None, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.kind == JobKind::DeleteMedia)
        .unwrap();
    assert_eq!(deleted.state, JobState::Done);
    assert_eq!(deleted.payload["key"], old_key.as_str());
}

/// The waveform of a fixture as the transcription job draws it (decoded the same way).
fn waveform_of(file: &str) -> parley_domain::Waveform {
    let path = format!(
        "{}/../parley-media/tests/fixtures/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let audio =
        parley_media::decode_file(Path::new(&path), &parley_media::DecodeOptions::default())
            .unwrap();
    parley_domain::Waveform::of_channels(&audio.channels, audio.sample_rate, audio.duration_ms)
}

/// The recording's waveform is drawn as soon as the transcription has decoded it (before
/// the transcript), is served as the route says, and is only ever the current
/// recording's: a replacement takes it away until its own transcription draws it.
#[tokio::test]
async fn the_waveform_is_the_current_recordings_from_the_moment_it_is_decoded() {
    let s = setup().await;
    let call = s.call("waveform", json!({})).await;
    let path = format!("/parley/v1/calls/{call}/waveform");
    let not_yet =
        "this call has no waveform: it has no recording, or the recording is not decoded yet";
    common::assert_error(&s.server.get(&path).await, StatusCode::NOT_FOUND, not_yet);
    s.upload(call, "speech.mp3").await;
    common::assert_error(&s.server.get(&path).await, StatusCode::NOT_FOUND, not_yet);

    let (w, started, release) = s.gated_workers();
    let first = {
        let w = w.clone();
        tokio::spawn(async move { w.run_next("test", &[JobKind::Transcribe]).await })
    };
    let started = tokio::task::spawn_blocking(move || {
        started.recv_timeout(Duration::from_secs(30)).unwrap();
        started
    })
    .await
    .unwrap();

    // Transcribing: the waveform is there, the transcript not yet.
    let expected = waveform_of("speech.mp3");
    let r = s.server.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["bucketMs"], 50);
    assert_eq!(r.body["durationMs"], expected.duration_ms);
    let peaks: Vec<u8> = serde_json::from_value(r.body["peaks"].clone()).unwrap();
    assert_eq!(peaks, expected.peaks);
    assert_eq!(
        peaks.len() as u64,
        expected.duration_ms.div_ceil(50),
        "one peak per 50 ms"
    );
    assert!(peaks.iter().any(|&p| p > 25), "speech is drawn: {peaks:?}");
    assert_eq!(s.transcript_text(call).await, None);

    // Replaced while transcribing: the old recording's waveform is gone at once.
    s.upload(call, "telephony_8k_ulaw.wav").await;
    common::assert_error(&s.server.get(&path).await, StatusCode::NOT_FOUND, not_yet);
    release.send(()).unwrap();
    assert!(first.await.unwrap().unwrap());
    common::assert_error(&s.server.get(&path).await, StatusCode::NOT_FOUND, not_yet);

    // The new recording's transcription draws its own.
    let second = {
        let w = w.clone();
        tokio::spawn(async move { w.run_next("test", &[JobKind::Transcribe]).await })
    };
    tokio::task::spawn_blocking(move || started.recv_timeout(Duration::from_secs(30)).unwrap())
        .await
        .unwrap();
    release.send(()).unwrap();
    assert!(second.await.unwrap().unwrap());
    let r = s.server.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let expected = waveform_of("telephony_8k_ulaw.wav");
    assert_eq!(r.body["durationMs"], expected.duration_ms);
    let peaks: Vec<u8> = serde_json::from_value(r.body["peaks"].clone()).unwrap();
    assert_eq!(peaks, expected.peaks);

    // Nobody else's: an unknown call is the same 404 as any call route's.
    common::assert_error(
        &s.server.get("/parley/v1/calls/123456789/waveform").await,
        StatusCode::NOT_FOUND,
        "123456789",
    );
}

/// An admin cancels a queued job (no worker takes it) and runs a failed one again (a new
/// job, or the live one doing that work); anything else is a 409 saying why, and only
/// admins may.
#[tokio::test]
async fn an_admin_cancels_a_queued_job_and_runs_a_failed_one_again() {
    let s = setup().await;
    let call = s.call("cancel", json!({})).await;
    s.upload(call, "telephony_8k_ulaw.wav").await;
    let queued = s.jobs(call, JobKind::Transcribe).await.remove(0);
    let cancel = |id: i64| format!("/parley/v1/jobs/{id}/cancel");
    let retry = |id: i64| format!("/parley/v1/jobs/{id}/retry");

    // A member may see their call but not manage the queue.
    let member = s
        .server
        .user("member@northwind.example.com", "Mo", "Member")
        .await;
    let k = common::key(&s.server, Some(&member), None).await;
    let r = common::send_as(
        &s.server,
        &k,
        reqwest::Method::POST,
        &cancel(queued.id),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    let listed = s.server.get(&format!("/parley/v1/calls/{call}/jobs")).await;
    assert_eq!(
        listed.body["jobs"][0]["actions"],
        json!(["cancel"]),
        "{}",
        listed.body
    );
    let r = s.server.post(&cancel(queued.id), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["job"]["id"], queued.id.to_string());
    assert_eq!(r.body["job"]["state"], "failed");
    assert_eq!(r.body["job"]["actions"], json!(["retry"]));
    assert_eq!(r.body["job"]["error"], "cancelled by the operator");
    let w = s.workers(Some(Rates { gate: None }), None);
    assert!(
        !w.run_next("test", &[JobKind::Transcribe]).await.unwrap(),
        "no worker takes a cancelled job"
    );
    common::assert_error(
        &s.server.post(&cancel(queued.id), json!({})).await,
        StatusCode::CONFLICT,
        "is failed: only a queued job can be cancelled",
    );

    // Run again: a new job; asking twice answers the same live one.
    let r = s.server.post(&retry(queued.id), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["job"]["state"], "queued");
    assert_eq!(r.body["job"]["kind"], "transcribe");
    assert_eq!(r.body["job"]["callId"], call.to_string());
    let again = r.body["job"]["id"].clone();
    assert_ne!(again, queued.id.to_string());
    let r = s.server.post(&retry(queued.id), json!({})).await;
    assert_eq!(r.body["job"]["id"], again, "the live job already does it");
    assert!(w.run_next("test", &[JobKind::Transcribe]).await.unwrap());
    assert_eq!(s.transcript_text(call).await.as_deref(), Some("rate 8000."));
    let done: i64 = again.as_str().unwrap().parse().unwrap();
    common::assert_error(
        &s.server.post(&retry(done), json!({})).await,
        StatusCode::CONFLICT,
        "is done: only a failed job can be run again",
    );
    common::assert_error(
        &s.server.post(&cancel(done), json!({})).await,
        StatusCode::CONFLICT,
        "is done: only a queued job can be cancelled",
    );

    // Jobs whose outcome another record keeps are left to their own routes.
    let erase = s
        .server
        .store
        .enqueue_job(
            &parley_domain::JobSpec::Erase { erasure: 7 }.into(),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let listed = s.server.get("/parley/v1/jobs?state=queued").await;
    let erase_id = erase.id.to_string();
    let e = listed.body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == erase_id.as_str())
        .unwrap();
    assert_eq!(e["actions"], json!([]), "{e}");
    common::assert_error(
        &s.server.post(&cancel(erase.id), json!({})).await,
        StatusCode::CONFLICT,
        "erase jobs cannot be cancelled here",
    );
    for path in [
        cancel(424242),
        retry(424242),
        "/parley/v1/jobs/nope/cancel".into(),
    ] {
        let r = s.server.post(&path, json!({})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
    }
}

/// An HTTP server on port 0 that sends one byte every 50 ms, forever.
async fn trickle_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let _ = tokio::io::AsyncReadExt::read(&mut stream, &mut buf).await;
                let head = "HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nTransfer-Encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                while stream.write_all(b"1\r\nx\r\n").await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
        }
    });
    format!("http://{addr}/call.mp3")
}

fn local_fetch() -> FetchPolicy {
    FetchPolicy {
        allow: HostAllowList::parse(&["127.0.0.1"]).unwrap(),
        ..FetchPolicy::default()
    }
}

#[tokio::test]
async fn a_slow_pull_does_not_hold_up_transcription() {
    let s = setup().await;
    let url = trickle_server().await;
    // Pulled first (queued first), and never finishing while the test runs.
    let pulled = s.call("pulled", json!({"downloadMediaUrl": url})).await;
    let uploaded = s.call("uploaded", json!({})).await;
    s.upload(uploaded, "telephony_8k_ulaw.wav").await;

    let policy = FetchPolicy {
        min_bytes_per_sec: 0,
        ..local_fetch()
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let run = tokio::spawn(
        s.workers(Some(Rates { gate: None }), Some(policy))
            .run(stopped),
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while s.transcript_text(uploaded).await.is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the upload was not transcribed while the pull ran"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        s.transcript_text(uploaded).await.as_deref(),
        Some("rate 8000.")
    );
    let pull = s.jobs(pulled, JobKind::FetchMedia).await;
    assert_eq!(pull[0].state, JobState::Running, "the pull is still going");
    let _ = stop.send(true);
    run.abort();
}

#[tokio::test]
async fn a_trickling_pull_fails_with_the_reason_on_the_job() {
    let s = setup().await;
    let url = trickle_server().await;
    let call = s.call("trickle", json!({"downloadMediaUrl": url})).await;
    let policy = FetchPolicy {
        min_bytes_per_sec: 1_000,
        min_rate_window: Duration::from_millis(300),
        ..local_fetch()
    };
    let w = s.workers(None, Some(policy));
    assert!(w.run_next("test", &[JobKind::FetchMedia]).await.unwrap());
    let job = &s.jobs(call, JobKind::FetchMedia).await[0];
    assert_eq!(job.state, JobState::Queued, "tried again later");
    let error = job.error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("downloading the media: the download was too slow: ")
            && error.ends_with("below the minimum of 1000 bytes/s"),
        "{error}"
    );
    assert!(s.server.store.call_media(call).await.unwrap().is_none());
    let left: Vec<_> = std::fs::read_dir(&s.work_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.ends_with(".lock"))
        .collect();
    assert!(left.is_empty(), "the partial pull is gone: {left:?}");
}

#[tokio::test]
async fn work_files_of_a_crashed_process_are_removed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("tmp");
    std::fs::create_dir_all(&work).unwrap();
    // A process that crashed: its lock file is there, nobody holds it.
    let dead = "0000000000000001";
    std::fs::write(work.join(format!(".parley-{dead}.lock")), b"").unwrap();
    let leftovers = [
        format!(".parley-{dead}-upload-a1"),
        format!(".parley-{dead}-fetch-b2"),
        format!(".parley-{dead}-media-c3"),
    ];
    for f in &leftovers {
        std::fs::write(work.join(f), vec![0u8; 4096]).unwrap();
    }
    // A process still running (its lock held here) and a file that is not Parley's.
    let live = "0000000000000002";
    let held = std::fs::File::create(work.join(format!(".parley-{live}.lock"))).unwrap();
    held.try_lock().unwrap();
    let in_flight = format!(".parley-{live}-upload-d4");
    std::fs::write(work.join(&in_flight), b"x").unwrap();
    std::fs::write(work.join("notes.txt"), b"x").unwrap();

    let w = work.clone();
    let _server = TestServer::start_with(move |c| c.work_dir = w).await;
    for f in &leftovers {
        assert!(!work.join(f).exists(), "{f} was left");
    }
    assert!(!work.join(format!(".parley-{dead}.lock")).exists());
    assert!(
        work.join(&in_flight).exists(),
        "a live process's file was removed"
    );
    assert!(work.join("notes.txt").exists());
    assert!(work
        .join(format!(".parley-{}.lock", parley_app::workdir::owner()))
        .exists());
}

/// `GET /parley/v1/workers` until `done` says the answer is the one awaited.
async fn workers_until(s: &Setup, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let r = s.server.get("/parley/v1/workers").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        if done(&r.body) {
            return r.body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the workers never showed as awaited: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn workers_report_their_health_and_say_when_they_stop() {
    let s = setup().await;
    let mut workers = s.workers(Some(Rates { gate: None }), None);
    workers.config.name = "test-host:4242".into();
    workers.config.report_every = Duration::from_millis(100);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let run = tokio::spawn(workers.run(stopped));

    let call = s.call("reported", json!({})).await;
    s.upload(call, "telephony_8k_ulaw.wav").await;
    let body = workers_until(&s, |b| b["workers"][0]["done"].as_u64() >= Some(1)).await;
    let w = &body["workers"][0];
    assert_eq!(body["workers"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["reportEverySeconds"], 15);
    assert_eq!(w["name"], "test-host:4242");
    assert_eq!(w["state"], "alive");
    assert_eq!(w["speechModel"], "rates");
    assert_eq!(w["transcriptionSlots"], 1);
    assert_eq!(w["failed"], 0);
    let kinds: Vec<&str> = w["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"transcribe") && kinds.contains(&"analyze"),
        "{kinds:?}"
    );
    assert!(w["started"].as_str().unwrap() <= w["lastSeen"].as_str().unwrap());

    let _ = stop.send(true);
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the workers stop")
        .unwrap();
    let body = workers_until(&s, |b| b["workers"][0]["state"] == "stopped").await;
    assert_eq!(body["workers"][0]["running"], 0);

    // One that died says nothing: after three report intervals of silence it is `silent`.
    let long_ago = chrono::Utc::now() - chrono::Duration::minutes(2);
    s.server
        .store
        .record_worker(
            &parley_domain::WorkerBeat {
                name: "gone:1".into(),
                version: "0.0.0".into(),
                kinds: vec!["transcribe".into()],
                speech_model: None,
                transcription_slots: 1,
                started: long_ago,
                last_seen: long_ago,
                stopped: false,
                running: 1,
                done: 0,
                failed: 0,
            },
            long_ago - chrono::Duration::days(1),
        )
        .await
        .unwrap();
    let body = s.server.get("/parley/v1/workers").await.body;
    let gone = body["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "gone:1")
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(gone["state"], "silent");
}

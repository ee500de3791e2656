//! The demo company's calls have recordings: each call's script spoken by espeak-ng into a
//! FLAC file the length of the call, stored without a transcription, and played through
//! the signed `media.audioUrl` like any upload.

mod common;
mod media_urls;

use common::TestServer;
use media_urls::{fetch, local, media_of};
use parley_app::worker::{WorkerConfig, Workers};
use parley_domain::{CallId, JobKind};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn demo_calls_are_spoken_into_playable_recordings() {
    if !parley_app::demo_recordings::synthesiser_available() {
        assert!(
            std::env::var_os("PARLEY_REQUIRE_ESPEAK").is_none(),
            "espeak-ng is required (PARLEY_REQUIRE_ESPEAK) but cannot be run"
        );
        eprintln!("skipped: espeak-ng is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let media = format!("file://{}", dir.path().join("media").display());
    let media_url = media.clone();
    let s = TestServer::start_with(move |c| c.media_url = media_url).await;
    let summary = parley_app::demo::seed(s.store.as_ref(), chrono::Utc::now())
        .await
        .unwrap();
    assert!(summary.new_with_transcripts.len() >= 30, "{summary:?}");

    // Two calls are enough to show it; the demo queues every one.
    let calls = &summary.new_with_transcripts[..2];
    let before: Vec<_> = {
        let t = s.store.transcripts_of(calls).await.unwrap();
        calls.iter().map(|c| t[c].clone()).collect()
    };
    assert_eq!(
        parley_app::demo_recordings::queue(s.store.as_ref(), calls)
            .await
            .unwrap(),
        2
    );
    let workers = Workers {
        store: s.store.clone(),
        blobs: parley_blob::BlobStore::open(&media).unwrap(),
        transcriber: None,
        config: WorkerConfig {
            work_dir: dir.path().join("work"),
            ..WorkerConfig::default()
        },
        fetch: None,
        llm: None,
        webhooks: None,
    };
    let mut ran = 0;
    while workers
        .run_next("test", &[JobKind::DemoRecording])
        .await
        .unwrap()
    {
        ran += 1;
    }
    assert_eq!(ran, 2);

    let call: CallId = calls[0];
    let stored = s.store.get_call(call).await.unwrap().unwrap();
    let media = media_of(&s, &call.to_string()).await;
    let url = local(&s, media["audioUrl"].as_str().expect("an audioUrl"));
    let whole = fetch(&s, &url, None).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.header("content-type"), "audio/flac");
    let first = fetch(&s, &url, Some("bytes=0-99")).await;
    assert_eq!(first.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(first.bytes, whole.bytes[..100]);

    // The recording is the call's length, with speech where the transcript's first
    // line is and silence before it.
    let audio = parley_media::decode(
        std::io::Cursor::new(whole.bytes),
        Some("flac"),
        &parley_media::DecodeOptions::default(),
    )
    .unwrap();
    assert_eq!(audio.duration_ms as i64, stored.duration_s * 1000);
    let first_line = &before[0][0].sentences[0];
    let at = |ms: i64| (ms as usize) * 16;
    let ch = &audio.channels[0];
    assert!(ch[..at(first_line.start_ms - 10)]
        .iter()
        .all(|s| s.abs() < 0.01));
    assert!(ch[at(first_line.start_ms)..at(first_line.start_ms + 2_000)]
        .iter()
        .any(|s| s.abs() > 0.05));

    // The scripted transcript stays: no transcription was queued, nothing changed.
    let after = s.store.transcripts_of(calls).await.unwrap();
    for (c, t) in calls.iter().zip(&before) {
        assert_eq!(&after[c], t);
        assert!(s
            .store
            .jobs_for_call(*c)
            .await
            .unwrap()
            .iter()
            .all(|j| j.kind != JobKind::Transcribe));
    }
    let r = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [call.to_string()]}}),
        )
        .await;
    assert_eq!(r.body["calls"][0]["metaData"]["media"], "Audio");

    // A second run finds the recording there and leaves it.
    let key = s.store.call_media(call).await.unwrap().unwrap().key;
    parley_app::demo_recordings::queue(s.store.as_ref(), &[call])
        .await
        .unwrap();
    assert!(workers
        .run_next("test", &[JobKind::DemoRecording])
        .await
        .unwrap());
    assert_eq!(s.store.call_media(call).await.unwrap().unwrap().key, key);
}

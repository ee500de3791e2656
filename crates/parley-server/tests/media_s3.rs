//! Recordings in a real S3-compatible bucket: a real server on port 0 whose `media_url` is
//! `s3://…` (Garage, started by `scripts/s3-server.sh`; `PARLEY_TEST_S3_URL` names it).
//! Skipped with a note on a machine without one; CI always has one and fails without it.

mod common;
mod media_urls;

use std::time::Duration;

use common::{assert_error, call_body, TestServer};
use parley_app::worker::{WorkerConfig, Workers};
use parley_blob::BlobStore;
use parley_domain::{CallId, JobKind, JobState};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../parley-media/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn upload(s: &TestServer, call: CallId, file: &str) -> common::Reply {
    let form = Form::new().part(
        "mediaFile",
        Part::bytes(fixture(file)).file_name(file.to_owned()),
    );
    s.raw(
        s.client
            .put(format!("{}/v2/calls/{call}/media", s.base))
            .basic_auth(&s.key, Some(&s.secret))
            .multipart(form),
    )
    .await
}

async fn a_call(s: &TestServer) -> CallId {
    let user = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let id = s
        .call(call_body("rec-1", &user, "2024-03-05T10:00:00Z"))
        .await;
    CallId(id.parse().unwrap())
}

async fn server_on(media_url: &str, work: &tempfile::TempDir) -> TestServer {
    let (url, dir) = (media_url.to_owned(), work.path().to_owned());
    TestServer::start_with(move |c| {
        c.media_url = url;
        c.work_dir = dir;
    })
    .await
}

#[tokio::test]
async fn an_upload_lands_in_the_bucket_and_a_replaced_one_is_deleted_from_it() {
    let Some(url) = parley_blob::testing::s3_url("server-media") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let s = server_on(&url, &work).await;
    // The test's own view of the bucket, as a worker on another machine would open it.
    let bucket = BlobStore::open(&url).unwrap();
    let call = a_call(&s).await;

    let r = upload(&s, call, "speech.mp3").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let first = s.store.call_media(call).await.unwrap().unwrap();
    assert_eq!(first.container, "mp3");
    assert_eq!(
        bucket.get_bytes(&first.key).await.unwrap(),
        fixture("speech.mp3"),
        "the bucket holds the uploaded bytes under the recorded key"
    );
    // What a transcription worker does first: copy the recording to its work folder.
    let copy = work.path().join("copy.mp3");
    assert_eq!(
        bucket.get_to_file(&first.key, &copy).await.unwrap(),
        first.size_bytes
    );
    assert_eq!(std::fs::read(&copy).unwrap(), fixture("speech.mp3"));

    // A replacement is a new object; the old one stays until its delete job runs.
    let r = upload(&s, call, "video.mp4").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let second = s.store.call_media(call).await.unwrap().unwrap();
    assert_ne!(second.key, first.key);
    assert_eq!(
        bucket.size(&second.key).await.unwrap(),
        Some(fixture("video.mp4").len() as u64)
    );
    assert!(bucket.size(&first.key).await.unwrap().is_some());

    let workers = Workers {
        store: s.store.clone(),
        blobs: BlobStore::open(&url).unwrap(),
        transcriber: None,
        config: WorkerConfig {
            work_dir: work.path().to_owned(),
            poll: Duration::from_millis(50),
            ..WorkerConfig::default()
        },
        fetch: None,
        llm: None,
        webhooks: None,
    };
    assert!(workers
        .run_next("test", &[JobKind::DeleteMedia])
        .await
        .unwrap());
    let deleted = s
        .store
        .list_jobs(None, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.kind == JobKind::DeleteMedia)
        .unwrap();
    assert_eq!(deleted.state, JobState::Done, "{deleted:?}");
    assert_eq!(
        bucket.size(&first.key).await.unwrap(),
        None,
        "the replaced recording is gone from the bucket"
    );
    assert_eq!(
        bucket.get_bytes(&second.key).await.unwrap(),
        fixture("video.mp4"),
        "the current recording is untouched"
    );

    bucket.delete(&second.key).await.unwrap();
}

/// A bucket the key cannot write to: the upload fails as a server error, and the call is
/// left without media or a queued transcription, as when a disk is full.
#[tokio::test]
async fn an_upload_the_bucket_refuses_leaves_the_call_as_it_was() {
    let Some(url) = parley_blob::testing::s3_url("server-media-refused") else {
        return;
    };
    // Same server and key, a bucket that does not exist.
    let rest = url.strip_prefix("s3://").unwrap();
    let missing = format!(
        "s3://parley-no-such-bucket/{}",
        rest.split_once('/').unwrap().1
    );
    let work = tempfile::tempdir().unwrap();
    let s = server_on(&missing, &work).await;
    let call = a_call(&s).await;

    assert_error(
        &upload(&s, call, "speech.mp3").await,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal server error occurred",
    );
    assert!(s.store.call_media(call).await.unwrap().is_none());
    assert!(s.store.jobs_for_call(call).await.unwrap().is_empty());
}

/// A recording's signed URL serves it, whole and by ranges, straight from the bucket.
#[tokio::test]
async fn media_urls_serve_ranges_from_the_bucket() {
    let Some(url) = parley_blob::testing::s3_url("server-media-ranges") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let s = server_on(&url, &work).await;
    let call = media_urls::recorded_call(&s, "rita@northwind.example.com", "speech.ogg").await;
    media_urls::ranges_are_served(&s, &call, "speech.ogg", "audio/ogg").await;
    let id = CallId(call.parse().unwrap());
    let key = s.store.call_media(id).await.unwrap().unwrap().key;
    BlobStore::open(&url).unwrap().delete(&key).await.unwrap();
}

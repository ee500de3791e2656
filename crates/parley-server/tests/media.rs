//! `PUT /v2/calls/{id}/media`: Gong's upload, with every way an upload can go wrong.

mod common;

use common::{assert_error, call_body, TestServer};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::json;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../parley-media/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn upload(
    s: &TestServer,
    call: &str,
    part_name: &str,
    file: &str,
    bytes: Vec<u8>,
) -> common::Reply {
    let form = Form::new().part(
        part_name.to_owned(),
        Part::bytes(bytes).file_name(file.to_owned()),
    );
    let req = s
        .client
        .put(format!("{}/v2/calls/{call}/media", s.base))
        .basic_auth(&s.key, Some(&s.secret))
        .multipart(form);
    s.raw(req).await
}

async fn a_call(s: &TestServer) -> String {
    let user = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    s.call(call_body("rec-1", &user, "2024-03-05T10:00:00Z"))
        .await
}

#[tokio::test]
async fn an_upload_is_stored_probed_and_queued_for_transcription() {
    let s = TestServer::start().await;
    let call = a_call(&s).await;
    let r = upload(&s, &call, "mediaFile", "call.mp4", fixture("video.mp4")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["callId"], call.as_str());
    assert!(r.body["url"].as_str().unwrap().ends_with(&call));

    let id = parley_domain::CallId(call.parse().unwrap());
    let media = s.store.call_media(id).await.unwrap().unwrap();
    assert_eq!(media.container, "mp4");
    assert!(media.has_video);
    assert_eq!(media.size_bytes, fixture("video.mp4").len() as u64);
    assert_eq!(media.file_name.as_deref(), Some("call.mp4"));
    let listed = s.get(&format!("/v2/calls/{call}")).await;
    assert_eq!(listed.body["call"]["media"], "Video");

    let jobs = s.store.jobs_for_call(id).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].kind, jobs[0].state),
        (
            parley_domain::JobKind::Transcribe,
            parley_domain::JobState::Queued
        )
    );

    let visible = s.get(&format!("/parley/v1/calls/{call}/jobs")).await;
    assert_eq!(visible.status, StatusCode::OK, "{}", visible.body);
    let job = &visible.body["jobs"][0];
    assert_eq!(
        (&job["kind"], &job["state"], &job["attempts"]),
        (&json!("transcribe"), &json!("queued"), &json!(0))
    );
    let queued = s.get("/parley/v1/jobs?state=queued").await;
    assert_eq!(queued.body["jobs"].as_array().unwrap().len(), 1);
    assert_error(
        &s.get("/parley/v1/jobs?state=stuck").await,
        StatusCode::BAD_REQUEST,
        "state \"stuck\" is not one of",
    );
    // A malformed query is refused, not read as "every job" (its OpenAPI says so).
    assert_error(
        &s.get("/parley/v1/jobs?state=queued&state=done").await,
        StatusCode::BAD_REQUEST,
        "invalid query string",
    );
    assert_error(
        &s.get("/parley/v1/calls/77/jobs").await,
        StatusCode::NOT_FOUND,
        "Call ID 77 was not found",
    );

    // Uploading again replaces the recording and does not queue a second transcription.
    let again = upload(&s, &call, "mediaFile", "call.mp3", fixture("speech.mp3")).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(
        s.store.call_media(id).await.unwrap().unwrap().container,
        "mp3"
    );
    assert_eq!(s.store.jobs_for_call(id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn bad_uploads_are_refused_and_the_call_keeps_its_data() {
    let s = TestServer::start_with(|c| c.max_media_bytes = 100_000).await;
    let call = a_call(&s).await;
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "mediaFile",
            "notes.txt",
            fixture("notes.txt"),
            StatusCode::BAD_REQUEST,
            "mediaFile: file is not a recording",
        ),
        (
            "mediaFile",
            "empty.wav",
            vec![],
            StatusCode::BAD_REQUEST,
            "mediaFile is empty",
        ),
        (
            "mediaFile",
            "screen.mp4",
            fixture("video_only.mp4"),
            StatusCode::BAD_REQUEST,
            "has no audio track",
        ),
        (
            "mediaFile",
            "big.wav",
            fixture("stereo_44k.wav"),
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than the 100000 byte limit",
        ),
        (
            "recording",
            "call.mp3",
            fixture("speech.mp3"),
            StatusCode::BAD_REQUEST,
            "mediaFile part is missing",
        ),
    ];
    for (part, file, bytes, status, message) in cases {
        assert_error(&upload(&s, &call, part, file, bytes).await, status, message);
    }
    let not_multipart = s
        .client
        .put(format!("{}/v2/calls/{call}/media", s.base))
        .basic_auth(&s.key, Some(&s.secret))
        .json(&json!({"mediaFile": "x"}));
    assert_error(
        &s.raw(not_multipart).await,
        StatusCode::BAD_REQUEST,
        "multipart/form-data",
    );
    assert_error(
        &upload(&s, "9999", "mediaFile", "call.mp3", fixture("speech.mp3")).await,
        StatusCode::NOT_FOUND,
        "Call ID 9999 was not found",
    );

    let id = parley_domain::CallId(call.parse().unwrap());
    assert!(s.store.call_media(id).await.unwrap().is_none());
    assert!(s.store.jobs_for_call(id).await.unwrap().is_empty());
    assert_eq!(
        s.get(&format!("/v2/calls/{call}")).await.status,
        StatusCode::OK,
        "the call is intact"
    );
}

#[tokio::test]
async fn a_call_is_deleted_with_its_recording_by_whoever_may() {
    use reqwest::Method;
    let s = TestServer::start().await;
    let call = a_call(&s).await;
    let r = upload(&s, &call, "mediaFile", "call.mp4", fixture("video.mp4")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let path = format!("/parley/v1/calls/{call}");

    // A member may not; a member whose profile has `deleteCalls` in the call's
    // workspace may.
    let member = s.user("mo@northwind.example.com", "Mo", "Member").await;
    let k = common::key(&s, Some(&member), None).await;
    let r = common::send_as(&s, &k, Method::DELETE, &path, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let workspace = s.get("/v2/workspaces").await.body["workspaces"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let profile = s
        .post(
            &format!("/v2/permission-profile?workspaceId={workspace}"),
            json!({"name": "Cleaners", "callsAccess": {"permissionLevel": "all"},
                   "deleteCalls": true}),
        )
        .await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    let r = s
        .send(
            Method::PUT,
            &format!("/parley/v1/users/{member}/permission-profile"),
            Some(json!({"profileId": profile.body["profile"]["id"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = common::send_as(&s, &k, Method::DELETE, &path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["callId"], call.as_str());
    assert_eq!(r.body["recordingDeleted"], true);
    assert!(r.body["requestId"].is_string());

    let gone = s.get(&format!("/v2/calls/{call}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.body);
    let queued = s.get("/parley/v1/jobs?state=queued").await;
    let kinds: Vec<&str> = queued.body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["delete-media"],
        "the recording's deletion, and nothing of the call"
    );

    let again = s.send(Method::DELETE, &path, None).await;
    assert_error(
        &again,
        StatusCode::NOT_FOUND,
        &gong_api_v2::messages::call_not_found(&call),
    );
    let bad = s.send(Method::DELETE, "/parley/v1/calls/abc", None).await;
    assert_error(
        &bad,
        StatusCode::NOT_FOUND,
        &gong_api_v2::messages::call_not_found("abc"),
    );

    // A call whose upload never came (cancelled in the UI): nothing to delete but the call.
    let bare = s
        .call(call_body("rec-2", &member, "2024-03-06T10:00:00Z"))
        .await;
    let r = s
        .send(Method::DELETE, &format!("/parley/v1/calls/{bare}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["recordingDeleted"], false);
}

//! Recording URLs: `media.audioUrl` / `videoUrl` of `/v2/calls/extensive` (absolute,
//! signed, expiring) and the route they point at (ranges, signatures, credentials).

mod common;
mod media_urls;

use common::{assert_error, TestServer};
use media_urls::{
    assert_gong_error, fetch, fixture, local, media_of, ranges_are_served, recorded_call,
};
use parley_app::keys::{create_key, KeySpec};
use parley_domain::{CallId, Role, Scope, ScopeSet, UserId};
use parley_server::media_url::MediaSigner;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn media_urls_are_absolute_signed_and_expire_in_eight_hours() {
    let s = TestServer::start().await;
    let audio = recorded_call(&s, "rita@northwind.example.com", "speech.ogg").await;
    let video = recorded_call(&s, "vic@northwind.example.com", "video.mp4").await;

    let before = chrono::Utc::now().timestamp();
    let media = media_of(&s, &audio).await;
    let url = media["audioUrl"].as_str().unwrap();
    let prefix =
        format!("https://parley.test-host.example.com/parley/v1/calls/{audio}/media?expires=");
    assert!(url.starts_with(&prefix), "{url}");
    assert!(!url.contains(&s.key), "no credential in the URL");
    let expires: i64 = url[prefix.len()..]
        .split('&')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let eight_hours = 8 * 3600;
    assert!(
        (before + eight_hours..=before + eight_hours + 601).contains(&expires),
        "{expires}"
    );
    assert!(media.get("videoUrl").is_none(), "audio only: {media}");

    let v = media_of(&s, &video).await;
    assert_eq!(v["videoUrl"], v["audioUrl"], "one file serves both");
    let got = fetch(&s, &local(&s, v["videoUrl"].as_str().unwrap()), None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("content-type"), "video/mp4");
    assert_eq!(got.bytes, fixture("video.mp4"));

    // The wire shape, with the signature and expiry made stable.
    let mut body = json!({"media": media});
    let stable = url
        .replace(&audio, "CALL_ID")
        .split("?expires=")
        .next()
        .unwrap()
        .to_owned()
        + "?expires=EXPIRES&signature=SIGNATURE";
    body["media"]["audioUrl"] = json!(stable);
    insta::assert_json_snapshot!("media_urls", body);

    // A call without a recording has an empty media block.
    let user = s.user("nora@northwind.example.com", "Nora", "None").await;
    let bare = s
        .call(common::call_body("bare", &user, "2024-03-06T10:00:00Z"))
        .await;
    assert_eq!(media_of(&s, &bare).await, json!({}));
}

#[tokio::test]
async fn ranges_from_the_memory_store() {
    let s = TestServer::start().await;
    let call = recorded_call(&s, "rita@northwind.example.com", "speech.ogg").await;
    ranges_are_served(&s, &call, "speech.ogg", "audio/ogg").await;
}

#[tokio::test]
async fn ranges_from_a_media_folder() {
    let dir = tempfile::tempdir().unwrap();
    let media = format!("file://{}", dir.path().join("media").display());
    let s = TestServer::start_with(move |c| c.media_url = media).await;
    let call = recorded_call(&s, "rita@northwind.example.com", "speech.mp3").await;
    ranges_are_served(&s, &call, "speech.mp3", "audio/mpeg").await;
}

/// The server's own signing key, as the test's signer.
async fn signer(s: &TestServer) -> MediaSigner {
    let key = s
        .store
        .server_secret("media-url-hmac", vec![0; 32])
        .await
        .unwrap();
    MediaSigner::new(key, 8, "https://parley.test-host.example.com")
}

#[tokio::test]
async fn expired_foreign_and_malformed_signatures_are_refused() {
    let s = TestServer::start().await;
    let call = recorded_call(&s, "rita@northwind.example.com", "speech.ogg").await;
    let other = recorded_call(&s, "otto@northwind.example.com", "speech.mp3").await;
    let id = CallId(call.parse().unwrap());
    let key = s.store.call_media(id).await.unwrap().unwrap().key;
    let signer = signer(&s).await;

    // Signed right, but its time is up.
    let past = chrono::Utc::now().timestamp() - 1;
    let expired = local(&s, &signer.url(id, &key, past));
    assert_gong_error(
        &fetch(&s, &expired, None).await,
        StatusCode::FORBIDDEN,
        "has expired",
    );
    // The same signature with a later expiry written in.
    let (head, _) = expired.split_once("?expires=").unwrap();
    let sig = expired.rsplit_once("signature=").unwrap().1;
    let later = format!("{head}?expires={}&signature={sig}", past + 3600);
    assert_gong_error(
        &fetch(&s, &later, None).await,
        StatusCode::FORBIDDEN,
        "signature is not valid",
    );

    // Another call's URL, with this call's id put in (the other call lives in another
    // workspace to make the point: a signature names one call and one recording).
    let ws = parley_domain::Workspace {
        id: parley_domain::WorkspaceId::generate(),
        name: "East".into(),
        description: None,
        created: chrono::Utc::now(),
    };
    s.store.create_workspace(&ws, false).await.unwrap();
    let east_user = s.user("erin@northwind.example.com", "Erin", "East").await;
    let east_call = s
        .call(json!({
            "clientUniqueId": "east-1", "actualStart": "2024-03-05T10:00:00Z",
            "direction": "Outbound", "primaryUser": east_user, "workspaceId": ws.id.to_string(),
            "parties": [{"userId": east_user}]
        }))
        .await;
    let good = media_of(&s, &other).await["audioUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    for target in [&call, &east_call] {
        let swapped = local(&s, &good.replace(&other, target));
        assert_gong_error(
            &fetch(&s, &swapped, None).await,
            StatusCode::FORBIDDEN,
            "signature is not valid",
        );
    }

    for broken in [
        format!("/parley/v1/calls/{call}/media?expires=soon&signature=x"),
        format!("/parley/v1/calls/{call}/media?signature=x"),
        format!("/parley/v1/calls/{call}/media?expires=99999999999"),
        "/parley/v1/calls/12345/media?expires=99999999999&signature=x".to_owned(),
        "/parley/v1/calls/nope/media?expires=99999999999&signature=x".to_owned(),
    ] {
        assert_gong_error(
            &fetch(&s, &format!("{}{broken}", s.base), None).await,
            StatusCode::FORBIDDEN,
            "signature is not valid",
        );
    }
}

#[tokio::test]
async fn credentials_work_instead_of_a_signature_with_call_access() {
    let s = TestServer::start().await;
    let call = recorded_call(&s, "rita@northwind.example.com", "speech.ogg").await;
    let path = format!("{}/parley/v1/calls/{call}/media", s.base);

    let r = s
        .client
        .get(&path)
        .basic_auth(&s.key, Some(&s.secret))
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        r.bytes().await.unwrap().to_vec(),
        fixture("speech.ogg")[..10]
    );

    // No credentials and no signature.
    let none = s.raw(s.client.get(&path)).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{}", none.body);
    // A wrong secret.
    let wrong = s
        .raw(s.client.get(&path).basic_auth(&s.key, Some("nope")))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);

    // A key without the media-url scope.
    let scopes: ScopeSet = [Scope::CallsReadExtensive].into_iter().collect();
    let k = create_key(
        s.store.as_ref(),
        &KeySpec {
            name: "no media".into(),
            scopes,
            workspace: None,
            owner: None,
        },
    )
    .await
    .unwrap();
    let r = s
        .raw(
            s.client
                .get(&path)
                .basic_auth(&k.access_key, Some(&k.secret)),
        )
        .await;
    assert_error(
        &r,
        StatusCode::UNAUTHORIZED,
        "You don't have permission to use 'api:calls:read:media-url' in your app.",
    );

    // A member who neither hosted nor attended the call does not see it.
    let member = s.user("mo@northwind.example.com", "Mo", "Member").await;
    let member = UserId(member.parse().unwrap());
    s.store
        .set_user_role(member, Role::Member, chrono::Utc::now())
        .await
        .unwrap();
    let k = create_key(
        s.store.as_ref(),
        &KeySpec {
            name: "member".into(),
            scopes: ScopeSet::full(),
            workspace: None,
            owner: Some(member),
        },
    )
    .await
    .unwrap();
    let as_member = || {
        s.client
            .get(&path)
            .basic_auth(&k.access_key, Some(&k.secret))
    };
    assert_error(
        &s.raw(as_member()).await,
        StatusCode::NOT_FOUND,
        &format!("Call ID {call} was not found"),
    );
    // Granted the call, they do.
    let r = s
        .send(
            reqwest::Method::PUT,
            "/v2/calls/users-access",
            Some(json!({"callAccessList": [{"callId": call, "userIds": [member.to_string()]}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = as_member().send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // A call without a recording.
    let user = s.user("nora@northwind.example.com", "Nora", "None").await;
    let bare = s
        .call(common::call_body("bare", &user, "2024-03-06T10:00:00Z"))
        .await;
    let r = s
        .raw(
            s.client
                .get(format!("{}/parley/v1/calls/{bare}/media", s.base))
                .basic_auth(&s.key, Some(&s.secret)),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "has no recording");
}

#[tokio::test]
async fn media_urls_need_their_scope_in_extensive() {
    let s = TestServer::start().await;
    let scopes: ScopeSet = [Scope::CallsReadExtensive].into_iter().collect();
    let k = create_key(
        s.store.as_ref(),
        &KeySpec {
            name: "no media".into(),
            scopes,
            workspace: None,
            owner: None,
        },
    )
    .await
    .unwrap();
    let r = s
        .raw(
            s.client
                .post(format!("{}/v2/calls/extensive", s.base))
                .basic_auth(&k.access_key, Some(&k.secret))
                .json(
                    &json!({"filter": {}, "contentSelector": {"exposedFields": {"media": true}}}),
                ),
        )
        .await;
    assert_error(
        &r,
        StatusCode::UNAUTHORIZED,
        "You don't have permission to use 'api:calls:read:media-url' in your app.",
    );
}

/// A replaced recording's old URL stops working.
#[tokio::test]
async fn a_replaced_recordings_url_stops_working() {
    let s = TestServer::start().await;
    let call = recorded_call(&s, "rita@northwind.example.com", "speech.ogg").await;
    let old = local(&s, media_of(&s, &call).await["audioUrl"].as_str().unwrap());
    let form = reqwest::multipart::Form::new().part(
        "mediaFile",
        reqwest::multipart::Part::bytes(fixture("speech.mp3")).file_name("b.mp3"),
    );
    let r = s
        .raw(
            s.client
                .put(format!("{}/v2/calls/{call}/media", s.base))
                .basic_auth(&s.key, Some(&s.secret))
                .multipart(form),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_gong_error(
        &fetch(&s, &old, None).await,
        StatusCode::FORBIDDEN,
        "signature is not valid",
    );
    let new = local(&s, media_of(&s, &call).await["audioUrl"].as_str().unwrap());
    assert_eq!(fetch(&s, &new, None).await.bytes, fixture("speech.mp3"));
}

/// The `media-downloaded` entries of the user-activity log.
async fn downloads(s: &TestServer) -> Vec<serde_json::Value> {
    let since = (chrono::Utc::now() - chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let r = s
        .get(&format!(
            "/v2/logs?logType=UserActivityLog&fromDateTime={since}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["logEntries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["logRecord"]["action"] == "media-downloaded")
        .cloned()
        .collect()
}

fn custom(entry: &serde_json::Value, key: &str) -> serde_json::Value {
    entry["logRecord"]["customData"]
        .as_array()
        .unwrap()
        .iter()
        .find(|kv| kv["key"] == key)
        .map(|kv| kv["values"].clone())
        .unwrap_or_default()
}

/// A download is one audit entry however many ranges it takes: a request without Range,
/// or whose range starts at byte 0, starts one; later ranges, refusals and bad signatures
/// are not downloads. The entry names the call, the client address and the key (none for
/// a signed URL), and never the signature.
#[tokio::test]
async fn each_download_is_audited_once_not_each_range() {
    let s = TestServer::start().await;
    let call = recorded_call(&s, "rita@northwind.example.com", "speech.ogg").await;
    let url = local(&s, media_of(&s, &call).await["audioUrl"].as_str().unwrap());
    assert_eq!(fetch(&s, &url, None).await.status, StatusCode::OK);
    for range in ["bytes=0-99", "bytes=100-199", "bytes=200-", "bytes=-10"] {
        let got = fetch(&s, &url, Some(range)).await;
        assert_eq!(got.status, StatusCode::PARTIAL_CONTENT, "{range}");
    }
    let past = fetch(&s, &url, Some("bytes=99999999-")).await;
    assert_eq!(past.status, StatusCode::RANGE_NOT_SATISFIABLE);
    let tampered = fetch(&s, &format!("{url}x"), None).await;
    assert_eq!(tampered.status, StatusCode::FORBIDDEN);
    let with_key = s
        .client
        .get(format!("{}/parley/v1/calls/{call}/media", s.base))
        .basic_auth(&s.key, Some(&s.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(with_key.status(), StatusCode::OK);
    // `GET /v2/logs` flushes the audit queue before it reads.

    let got = downloads(&s).await;
    assert_eq!(got.len(), 3, "whole, from byte 0, with a key: {got:?}");
    for e in &got {
        assert_eq!(custom(e, "targetIds"), json!([call]));
        assert_eq!(
            e["logRecord"]["httpRequest"]["clientIp"], "127.0.0.1",
            "{e}"
        );
        assert!(!e.to_string().contains("signature"), "{e}");
    }
    assert_eq!(custom(&got[0], "outcome"), json!(["200"]));
    assert_eq!(custom(&got[0], "accessKey"), serde_json::Value::Null);
    assert_eq!(custom(&got[1], "outcome"), json!(["206"]));
    assert_eq!(custom(&got[2], "accessKey"), json!([s.key]));
}

/// Recording requests are limited per client address for signed URLs and per key with
/// credentials (`media_requests_per_minute`), ranges included: past it, a 429 in Gong's
/// error body with `Retry-After`; another key has its own allowance.
#[tokio::test]
async fn recording_requests_are_rate_limited_per_address_and_per_key() {
    let s = TestServer::start_with(|c| c.limits.media_requests_per_minute = 2).await;
    let call = recorded_call(&s, "rita@northwind.example.com", "speech.ogg").await;
    let url = local(&s, media_of(&s, &call).await["audioUrl"].as_str().unwrap());
    assert_eq!(fetch(&s, &url, None).await.status, StatusCode::OK);
    assert_eq!(
        fetch(&s, &url, Some("bytes=10-19")).await.status,
        StatusCode::PARTIAL_CONTENT
    );
    let refused = fetch(&s, &url, Some("bytes=20-29")).await;
    assert_gong_error(
        &refused,
        StatusCode::TOO_MANY_REQUESTS,
        "API request limit exceeded",
    );
    let wait: u64 = refused.header("retry-after").parse().unwrap();
    assert!((1..=30).contains(&wait), "retry after {wait}");
    // A bad signature from the same address is refused by the limit too.
    let guessed = fetch(&s, &format!("{url}x"), None).await;
    assert_eq!(guessed.status, StatusCode::TOO_MANY_REQUESTS);

    // The key's own bucket.
    let path = format!("{}/parley/v1/calls/{call}/media", s.base);
    let with_key = || async {
        s.client
            .get(&path)
            .basic_auth(&s.key, Some(&s.secret))
            .header("range", "bytes=0-9")
            .send()
            .await
            .unwrap()
    };
    assert_eq!(with_key().await.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(with_key().await.status(), StatusCode::PARTIAL_CONTENT);
    let r = with_key().await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errors"], json!(["API request limit exceeded"]));
}

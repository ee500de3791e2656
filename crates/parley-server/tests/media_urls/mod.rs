#![allow(dead_code)]
//! What the media-URL tests share (`tests/media_url.rs` on memory and file stores,
//! `tests/media_s3.rs` on S3): an uploaded recording, its signed URL from
//! `/v2/calls/extensive`, and every range a player asks for.

use reqwest::header::HeaderMap;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{call_body, TestServer};

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../parley-media/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A new call of a new user, with `file` uploaded as its recording; returns the call id.
pub async fn recorded_call(s: &TestServer, email: &str, file: &str) -> String {
    let user = s.user(email, "Rita", "Rep").await;
    let call = s
        .call(call_body(email, &user, "2024-03-05T10:00:00Z"))
        .await;
    let form = Form::new().part(
        "mediaFile",
        Part::bytes(fixture(file)).file_name(file.to_owned()),
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
    call
}

/// The `media` block of a call in `/v2/calls/extensive`.
pub async fn media_of(s: &TestServer, call: &str) -> Value {
    let r = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [call]}, "contentSelector": {"exposedFields": {"media": true}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["calls"][0]["media"].clone()
}

/// An absolute URL of the test server's public host, on the test server itself.
pub fn local(s: &TestServer, url: &str) -> String {
    let path = url
        .strip_prefix("https://parley.test-host.example.com")
        .unwrap_or_else(|| panic!("{url} is not on the public URL"));
    format!("{}{path}", s.base)
}

pub struct Fetched {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Fetched {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|_| {
            panic!(
                "non-JSON body ({}): {}",
                self.status,
                String::from_utf8_lossy(&self.bytes)
            )
        })
    }
}

/// GETs `url` (no credentials) with an optional `Range` header.
pub async fn fetch(s: &TestServer, url: &str, range: Option<&str>) -> Fetched {
    let mut req = s.client.get(url);
    if let Some(r) = range {
        req = req.header("range", r);
    }
    let resp = req.send().await.unwrap();
    Fetched {
        status: resp.status(),
        headers: resp.headers().clone(),
        bytes: resp.bytes().await.unwrap().to_vec(),
    }
}

/// A Gong error body with this status and message, and the request id in `x-traceid`.
pub fn assert_gong_error(f: &Fetched, status: StatusCode, message: &str) {
    assert_eq!(f.status, status, "{}", String::from_utf8_lossy(&f.bytes));
    let body = f.json();
    let errors = body["errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e.as_str().unwrap().contains(message)),
        "expected {message:?} in {body}"
    );
    assert_eq!(f.header("x-traceid"), body["requestId"].as_str().unwrap());
}

/// The whole recording, its first bytes, a suffix, an open range, a range past the end
/// (416), and a tampered signature, through a signed URL of `call` holding `file`.
pub async fn ranges_are_served(s: &TestServer, call: &str, file: &str, content_type: &str) {
    let bytes = fixture(file);
    let size = bytes.len();
    let media = media_of(s, call).await;
    let url = local(s, media["audioUrl"].as_str().expect("an audioUrl"));

    let whole = fetch(s, &url, None).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.bytes, bytes);
    assert_eq!(whole.header("content-type"), content_type);
    assert_eq!(whole.header("accept-ranges"), "bytes");
    assert_eq!(whole.header("content-length"), size.to_string());

    let first = fetch(s, &url, Some("bytes=0-99")).await;
    assert_eq!(first.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(first.bytes, bytes[..100]);
    assert_eq!(first.header("content-range"), format!("bytes 0-99/{size}"));
    assert_eq!(first.header("content-length"), "100");

    let suffix = fetch(s, &url, Some("bytes=-100")).await;
    assert_eq!(suffix.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(suffix.bytes, bytes[size - 100..]);
    assert_eq!(
        suffix.header("content-range"),
        format!("bytes {}-{}/{size}", size - 100, size - 1)
    );

    let open = fetch(s, &url, Some("bytes=1000-")).await;
    assert_eq!(open.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(open.bytes, bytes[1000..]);
    assert_eq!(
        open.header("content-range"),
        format!("bytes 1000-{}/{size}", size - 1)
    );

    let past = fetch(s, &url, Some(&format!("bytes={size}-"))).await;
    assert_gong_error(
        &past,
        StatusCode::RANGE_NOT_SATISFIABLE,
        "not within the recording",
    );
    assert_eq!(past.header("content-range"), format!("bytes */{size}"));

    let (head, sig) = url.rsplit_once("signature=").unwrap();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}signature={flipped}{}", &sig[1..]);
    assert_gong_error(
        &fetch(s, &tampered, Some("bytes=0-99")).await,
        StatusCode::FORBIDDEN,
        "signature is not valid",
    );
}

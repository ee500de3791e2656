//! One webhook POST: raw body bytes (the exact bytes a signature covers), extra headers,
//! and the receiver's answer whatever its status — the caller decides what to retry.
//! Same policy as every request here: addresses checked and pinned, no proxy, no
//! redirects followed (a redirected POST would send the body elsewhere), time limits,
//! and at most [`MAX_ANSWER_BYTES`] of the answer read.

use std::time::Instant;

use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use reqwest::Url;

use crate::{check_destination, pinned_client, send_error, FetchError, FetchPolicy};

/// Bytes of a receiver's answer read at most: the delivery log keeps its first bytes.
pub const MAX_ANSWER_BYTES: usize = 4096;

/// What the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAnswer {
    pub status: u16,
    pub retry_after: Option<String>,
    /// The first bytes of the body (lossy UTF-8).
    pub body: String,
    pub latency_ms: u32,
}

/// Posts `body` (JSON) to `url` with `headers`. An error means no answer came (or the
/// policy refused the destination: see [`FetchError::is_transient`]); any status is an
/// answer.
pub async fn post_webhook(
    url: &str,
    body: Vec<u8>,
    headers: &[(&str, String)],
    policy: &FetchPolicy,
) -> Result<WebhookAnswer, FetchError> {
    let url = Url::parse(url.trim()).map_err(|e| FetchError::InvalidUrl(e.to_string()))?;
    let started = Instant::now();
    match tokio::time::timeout(policy.total_timeout, exchange(&url, body, headers, policy)).await {
        Ok(Ok(mut answer)) => {
            answer.latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
            Ok(answer)
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(FetchError::TotalTimeout(policy.total_timeout)),
    }
}

async fn exchange(
    url: &Url,
    body: Vec<u8>,
    headers: &[(&str, String)],
    policy: &FetchPolicy,
) -> Result<WebhookAnswer, FetchError> {
    let addrs = check_destination(url, policy).await?;
    let host = url.host_str().unwrap_or("").to_string();
    let client = pinned_client(url, &addrs, policy)?;
    let mut request = client
        .post(url.clone())
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(body);
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| FetchError::Internal)?;
        let value = HeaderValue::from_str(value).map_err(|_| FetchError::Internal)?;
        request = request.header(name, value);
    }
    let mut response = request.send().await.map_err(|e| send_error(e, &host))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut bytes = Vec::new();
    // The rest of a long answer is not read: the log keeps its start.
    while bytes.len() < MAX_ANSWER_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) => break,
            // The status arrived: the answer counts even if its body broke off.
            Err(_) => break,
        }
    }
    bytes.truncate(MAX_ANSWER_BYTES);
    Ok(WebhookAnswer {
        status,
        retry_after,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        latency_ms: 0,
    })
}

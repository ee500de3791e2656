//! One JSON request to an API endpoint (an LLM's chat completions today, webhooks next)
//! under the same policy as downloads: every resolved address checked and the connection
//! pinned to them, no proxy from the environment, limits on time and on the size of the
//! answer. Redirects are not followed: an API endpoint that redirects a POST is
//! misconfigured, and following it would send the body (and the bearer token) elsewhere.

use reqwest::Url;

use crate::{check_destination, pinned_client, send_error, FetchError, FetchPolicy};

/// Posts `body` to `url` and returns the JSON answer. `bearer` goes in the
/// `Authorization` header; it is never logged, and neither is the URL's query.
/// [`FetchPolicy::max_bytes`] bounds the answer, [`FetchPolicy::total_timeout`] the
/// whole exchange.
pub async fn post_json(
    url: &str,
    body: &serde_json::Value,
    bearer: Option<&str>,
    policy: &FetchPolicy,
) -> Result<serde_json::Value, FetchError> {
    let url = Url::parse(url.trim()).map_err(|e| FetchError::InvalidUrl(e.to_string()))?;
    match tokio::time::timeout(policy.total_timeout, exchange(&url, body, bearer, policy)).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::TotalTimeout(policy.total_timeout)),
    }
}

async fn exchange(
    url: &Url,
    body: &serde_json::Value,
    bearer: Option<&str>,
    policy: &FetchPolicy,
) -> Result<serde_json::Value, FetchError> {
    let addrs = check_destination(url, policy).await?;
    let host = url.host_str().unwrap_or("").to_string();
    let client = pinned_client(url, &addrs, policy)?;
    let mut request = client.post(url.clone()).json(body);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let mut response = request.send().await.map_err(|e| send_error(e, &host))?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Status {
            status: status.as_u16(),
        });
    }
    let limit = policy.max_bytes;
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(FetchError::TooLarge { limit });
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| FetchError::Network)? {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(FetchError::TooLarge { limit });
        }
        bytes.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&bytes).map_err(|_| FetchError::NotJson)
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::testing::loopback;
    use crate::HostAllowList;

    async fn serve_once(reply: String) -> (String, tokio::task::JoinHandle<String>) {
        crate::testing::serve_once("/v1/chat/completions", reply).await
    }

    fn ok(body: &str) -> String {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    }

    #[tokio::test]
    async fn posts_json_with_the_token_and_reads_the_answer() {
        let (url, seen) = serve_once(ok(r#"{"answer":42}"#)).await;
        let got = post_json(&url, &serde_json::json!({"q": 1}), Some("tok"), &loopback())
            .await
            .unwrap();
        assert_eq!(got["answer"], 42);
        let request = seen.await.unwrap();
        assert!(
            request.starts_with("POST /v1/chat/completions"),
            "{request}"
        );
        assert!(request.contains("authorization: Bearer tok"), "{request}");
        assert!(request.ends_with(r#"{"q":1}"#), "{request}");
    }

    #[tokio::test]
    async fn refuses_what_the_policy_does_not_allow_before_connecting() {
        let (url, _seen) = serve_once(ok("{}")).await;
        let policy = FetchPolicy {
            allow: HostAllowList::default(),
            ..loopback()
        };
        let err = post_json(&url, &serde_json::json!({}), None, &policy)
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::HostRefused { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn an_answer_over_the_limit_a_redirect_and_not_json_are_errors() {
        let big = format!("{{\"x\":\"{}\"}}", "a".repeat(2000));
        let (url, _s) = serve_once(ok(&big)).await;
        let err = post_json(&url, &serde_json::json!({}), None, &loopback()).await;
        assert!(
            matches!(err, Err(FetchError::TooLarge { limit: 1024 })),
            "{err:?}"
        );

        let (url, _s) = serve_once(
            "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://169.254.169.254/\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into(),
        )
        .await;
        let err = post_json(&url, &serde_json::json!({}), None, &loopback()).await;
        assert!(
            matches!(err, Err(FetchError::Status { status: 307 })),
            "{err:?}"
        );

        let (url, _s) = serve_once(ok("<html>")).await;
        let err = post_json(&url, &serde_json::json!({}), None, &loopback()).await;
        assert!(matches!(err, Err(FetchError::NotJson)), "{err:?}");
    }
}

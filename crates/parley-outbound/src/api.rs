//! One request to a third-party REST API (a CRM's token endpoint, its objects) under the
//! same policy as downloads: every resolved address checked and the connection pinned to
//! them, no proxy from the environment, limits on time and on the size of the answer, no
//! redirect followed (an API that redirects a PATCH is misconfigured, and following it
//! would send the body and the token elsewhere).
//!
//! Unlike [`crate::post_json`], an answer of any status is returned, with its body and
//! `Retry-After`: API clients read the error bodies (Salesforce's `errorCode`, HubSpot's
//! `category`) to decide what to do.

use std::time::Duration;

use reqwest::header::RETRY_AFTER;
use reqwest::Url;

use crate::{check_destination, pinned_client, send_error, FetchError, FetchPolicy};

/// HTTP methods an API request may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Patch,
    Put,
    Delete,
}

impl Method {
    /// Case-insensitive: `GET`, `head`, ….
    pub fn from_name(name: &str) -> Option<Method> {
        [
            Method::Get,
            Method::Head,
            Method::Post,
            Method::Patch,
            Method::Put,
            Method::Delete,
        ]
        .into_iter()
        .find(|m| m.name().eq_ignore_ascii_case(name.trim()))
    }

    pub fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// What a request carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded` (OAuth token requests).
    Form(Vec<(String, String)>),
    /// Bytes as they are, with a content type when one is given.
    Bytes {
        content_type: Option<String>,
        bytes: Vec<u8>,
    },
}

/// The credentials a request carries in its `Authorization` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    /// HTTP Basic, as Gong's access key and secret are sent.
    Basic {
        user: &'a str,
        password: &'a str,
    },
}

/// One request. Neither its credentials, nor its headers, nor the body, nor the URL's
/// query is ever logged.
#[derive(Debug, Clone)]
pub struct ApiRequest<'a> {
    pub method: Method,
    pub url: &'a str,
    pub auth: Auth<'a>,
    /// More headers, after the defaults (`Accept: application/json`), which they replace.
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

/// An answer, whatever its status.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub status: u16,
    /// `Retry-After` in seconds (the HTTP-date form is read as "unknown").
    pub retry_after: Option<Duration>,
    /// The answer's headers, in order (values that are not text are left out).
    pub headers: Vec<(String, String)>,
    /// At most [`FetchPolicy::max_bytes`].
    pub body: Vec<u8>,
}

impl ApiResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON (`Null` when empty or not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Sends `request` under `policy` and returns the answer of any status. Errors are only
/// for what kept an answer from arriving (the policy, the network, the limits).
/// [`FetchPolicy::max_bytes`] bounds the answer, [`FetchPolicy::total_timeout`] the
/// whole exchange.
pub async fn send(
    request: ApiRequest<'_>,
    policy: &FetchPolicy,
) -> Result<ApiResponse, FetchError> {
    let url = Url::parse(request.url.trim()).map_err(|e| FetchError::InvalidUrl(e.to_string()))?;
    match tokio::time::timeout(policy.total_timeout, exchange(&url, &request, policy)).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::TotalTimeout(policy.total_timeout)),
    }
}

async fn exchange(
    url: &Url,
    request: &ApiRequest<'_>,
    policy: &FetchPolicy,
) -> Result<ApiResponse, FetchError> {
    let addrs = check_destination(url, policy).await?;
    let host = url.host_str().unwrap_or("").to_string();
    let client = pinned_client(url, &addrs, policy)?;
    let method = match request.method {
        Method::Get => reqwest::Method::GET,
        Method::Head => reqwest::Method::HEAD,
        Method::Post => reqwest::Method::POST,
        Method::Patch => reqwest::Method::PATCH,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    };
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    for (name, value) in &request.headers {
        let name = reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| FetchError::InvalidRequest(format!("{name:?} is not a header name")))?;
        let value = reqwest::header::HeaderValue::from_str(value.trim()).map_err(|_| {
            FetchError::InvalidRequest(format!("the {name} header's value is not valid"))
        })?;
        headers.insert(name, value);
    }
    let mut builder = client.request(method, url.clone());
    builder = match request.auth {
        Auth::None => builder,
        Auth::Bearer(token) => builder.bearer_auth(token),
        Auth::Basic { user, password } => builder.basic_auth(user, Some(password)),
    };
    builder = match &request.body {
        Body::None => builder,
        Body::Json(v) => builder.json(v),
        Body::Form(pairs) => builder.form(pairs),
        Body::Bytes {
            content_type,
            bytes,
        } => {
            let b = builder.body(bytes.clone());
            match content_type {
                Some(t) => b.header(reqwest::header::CONTENT_TYPE, t.as_str()),
                None => b,
            }
        }
    };
    // Set last: a caller's header replaces a default (its own `Accept`, or the body's
    // content type).
    builder = builder.headers(headers);
    let mut response = builder.send().await.map_err(|e| send_error(e, &host))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let answer_headers = response
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let limit = policy.max_bytes;
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(FetchError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| FetchError::Network)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(FetchError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(ApiResponse {
        status,
        retry_after,
        headers: answer_headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::loopback;
    use crate::HostAllowList;

    async fn serve_once(reply: &'static str) -> (String, tokio::task::JoinHandle<String>) {
        crate::testing::serve_once("/services/oauth2/token", reply.to_owned()).await
    }

    #[tokio::test]
    async fn a_form_post_and_an_error_answer_with_retry_after() {
        let (url, seen) = serve_once(
            "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 3\r\ncontent-length: 18\r\nconnection: close\r\n\r\n{\"status\":\"error\"}",
        )
        .await;
        let got = send(
            ApiRequest {
                method: Method::Post,
                url: &url,
                auth: Auth::None,
                headers: Vec::new(),
                body: Body::Form(vec![
                    ("grant_type".into(), "client_credentials".into()),
                    ("client_secret".into(), "a b&c".into()),
                ]),
            },
            &loopback(),
        )
        .await
        .unwrap();
        assert_eq!(got.status, 429);
        assert_eq!(got.retry_after, Some(Duration::from_secs(3)));
        assert_eq!(got.json()["status"], "error");
        let request = seen.await.unwrap();
        assert!(
            request.starts_with("POST /services/oauth2/token"),
            "{request}"
        );
        assert!(
            request.contains("content-type: application/x-www-form-urlencoded"),
            "{request}"
        );
        assert!(
            request.ends_with("grant_type=client_credentials&client_secret=a+b%26c"),
            "{request}"
        );
    }

    #[tokio::test]
    async fn basic_auth_raw_bytes_extra_headers_and_the_answers_headers() {
        let (url, seen) = serve_once(
            "HTTP/1.1 200 OK\r\nx-rate-limit-remaining: 9\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
        )
        .await;
        let got = send(
            ApiRequest {
                method: Method::Put,
                url: &url,
                auth: Auth::Basic {
                    user: "AK",
                    password: "S",
                },
                headers: vec![
                    ("content-type".into(), "text/csv".into()),
                    ("x-extra".into(), "1".into()),
                ],
                body: Body::Bytes {
                    content_type: Some("application/octet-stream".into()),
                    bytes: b"a,b\n".to_vec(),
                },
            },
            &loopback(),
        )
        .await
        .unwrap();
        assert!(got
            .headers
            .contains(&("x-rate-limit-remaining".into(), "9".into())));
        let request = seen.await.unwrap();
        assert!(request.starts_with("PUT "), "{request}");
        // base64("AK:S")
        assert!(
            request.contains("authorization: Basic QUs6Uw=="),
            "{request}"
        );
        assert!(request.contains("x-extra: 1"), "{request}");
        // The caller's header replaces the body's content type.
        assert!(request.contains("content-type: text/csv"), "{request}");
        assert!(!request.contains("octet-stream"), "{request}");
        assert!(request.ends_with("a,b\n"), "{request}");

        let bad = send(
            ApiRequest {
                method: Method::Get,
                url: &url,
                auth: Auth::None,
                headers: vec![("bad header".into(), "x".into())],
                body: Body::None,
            },
            &loopback(),
        )
        .await
        .unwrap_err();
        assert!(bad.to_string().contains("is not a header name"), "{bad}");
    }

    #[tokio::test]
    async fn a_patch_with_a_token_and_the_policy_first() {
        let (url, seen) = serve_once("HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n").await;
        let got = send(
            ApiRequest {
                method: Method::Patch,
                url: &url,
                auth: Auth::Bearer("tok"),
                headers: Vec::new(),
                body: Body::Json(serde_json::json!({"A__c": "x"})),
            },
            &loopback(),
        )
        .await
        .unwrap();
        assert!(got.is_success());
        assert_eq!(got.json(), serde_json::Value::Null);
        let request = seen.await.unwrap();
        assert!(request.starts_with("PATCH "), "{request}");
        assert!(request.contains("authorization: Bearer tok"), "{request}");

        let refused = FetchPolicy {
            allow: HostAllowList::default(),
            ..loopback()
        };
        let err = send(
            ApiRequest {
                method: Method::Get,
                url: "http://127.0.0.1:9/x",
                auth: Auth::None,
                headers: Vec::new(),
                body: Body::None,
            },
            &refused,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, FetchError::HostRefused { .. }), "{err:?}");
    }
}

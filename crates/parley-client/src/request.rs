//! A raw request through a connection, for when no action fits: a path of the API
//! (`/v2/calls/{id}` with `--pathParam id=…`), query pairs, headers and a body, with the
//! connection's base URL and credentials added.

use std::time::Duration;

use parley_outbound::api::{self, ApiRequest, ApiResponse, Auth, Body, Method};
use parley_outbound::{FetchPolicy, HostAllowList};

use crate::connection::{Connection, Credentials};
use crate::ClientError;

/// What a raw request sends.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum RequestBody {
    #[default]
    None,
    /// JSON, checked, sent as `application/json`.
    Json(serde_json::Value),
    /// Bytes as given, as `application/x-www-form-urlencoded` (curl's `-d`) unless a
    /// header says otherwise.
    Data(Vec<u8>),
    /// Bytes as given, with no content type unless a header gives one.
    Raw(Vec<u8>),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRequest {
    /// `None`: GET, or POST when there is a body (as curl does).
    pub method: Option<Method>,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub path_params: Vec<(String, String)>,
    pub body: RequestBody,
}

/// Bounds of one raw request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    pub max_answer_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(120),
            max_answer_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Splits `k=v` (the value may hold `=`); the message names the flag.
pub fn pair(text: &str, flag: &str) -> Result<(String, String), ClientError> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(ClientError::Usage(format!(
            "{flag} takes key=value, not {text:?}"
        ))),
    }
}

/// Splits `Name: value` (curl's `-H`).
pub fn header(text: &str) -> Result<(String, String), ClientError> {
    match text.split_once(':') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.trim().to_owned())),
        _ => Err(ClientError::Usage(format!(
            "-H takes \"Name: value\", not {text:?}"
        ))),
    }
}

impl RawRequest {
    pub fn method(&self) -> Method {
        self.method.unwrap_or(match self.body {
            RequestBody::None => Method::Get,
            _ => Method::Post,
        })
    }

    /// The full URL: the connection's base, the path with its `{name}` parameters
    /// filled (percent-encoded), and the query. Only a path is taken: a full URL would
    /// send the connection's credentials to another host.
    pub fn url(&self, base: &str) -> Result<String, ClientError> {
        let path = self.path.trim();
        if !path.starts_with('/') {
            return Err(ClientError::Usage(format!(
                "the path must start with / (a path of the connection's API, such as /v2/calls), not {path:?}"
            )));
        }
        let mut filled = String::with_capacity(path.len());
        let mut rest = path;
        let mut used = vec![false; self.path_params.len()];
        while let Some(open) = rest.find('{') {
            filled.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                return Err(ClientError::Usage(format!(
                    "the path has a {{ without its }}: {path:?}"
                )));
            };
            let name = &rest[open + 1..open + close];
            let Some(i) = self.path_params.iter().position(|(k, _)| k == name) else {
                return Err(ClientError::Usage(format!(
                    "the path names {{{name}}}: give it with --pathParam {name}=VALUE"
                )));
            };
            used[i] = true;
            filled.push_str(&encode_segment(&self.path_params[i].1));
            rest = &rest[open + close + 1..];
        }
        filled.push_str(rest);
        if let Some(i) = used.iter().position(|u| !u) {
            return Err(ClientError::Usage(format!(
                "--pathParam {} names no {{{}}} in the path",
                self.path_params[i].0, self.path_params[i].0
            )));
        }
        let mut url = url::Url::parse(&format!("{base}{filled}"))
            .map_err(|_| ClientError::Usage(format!("{base}{filled} is not a valid url")))?;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        Ok(url.into())
    }

    /// Sends it through `connection` and returns the answer, whatever its status.
    pub async fn send(
        &self,
        connection: &Connection,
        limits: Limits,
    ) -> Result<ApiResponse, ClientError> {
        let url = self.url(&connection.url)?;
        let auth = match &connection.credentials {
            Credentials::Key { access_key, secret } => Auth::Basic {
                user: access_key,
                password: secret,
            },
            Credentials::Token { token } => Auth::Bearer(token),
        };
        let body = match &self.body {
            RequestBody::None => Body::None,
            RequestBody::Json(v) => Body::Json(v.clone()),
            RequestBody::Data(b) => Body::Bytes {
                content_type: Some("application/x-www-form-urlencoded".into()),
                bytes: b.clone(),
            },
            RequestBody::Raw(b) => Body::Bytes {
                content_type: None,
                bytes: b.clone(),
            },
        };
        let request = ApiRequest {
            method: self.method(),
            url: &url,
            auth,
            headers: self.headers.clone(),
            body,
        };
        Ok(api::send(request, &policy(limits)).await?)
    }
}

/// The policy of the user's own requests: any public host, and the private and loopback
/// ranges too (a self-hosted Parley is often on one); never link-local addresses, where
/// cloud metadata lives. No redirect is followed, so the credentials go to the
/// connection's host only.
pub(crate) fn policy(limits: Limits) -> FetchPolicy {
    let allow = HostAllowList::parse(&[
        "*",
        "127.0.0.0/8",
        "::1",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fc00::/7",
    ])
    .expect("the client's allow-list parses");
    FetchPolicy {
        max_bytes: limits.max_answer_bytes,
        total_timeout: limits.timeout,
        idle_timeout: limits.timeout,
        min_bytes_per_sec: 0,
        max_redirects: 0,
        allow,
        ..FetchPolicy::default()
    }
}

/// Percent-encodes one path segment's value (`/` included: a parameter never adds a
/// segment).
fn encode_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(path: &str) -> RawRequest {
        RawRequest {
            method: None,
            path: path.into(),
            headers: Vec::new(),
            query: Vec::new(),
            path_params: Vec::new(),
            body: RequestBody::None,
        }
    }

    #[test]
    fn the_url_fills_path_parameters_and_adds_the_query() {
        let mut r = req("/v2/calls/{id}/media");
        r.path_params = vec![("id".into(), "12 3/4".into())];
        r.query = vec![
            ("cursor".into(), "a+b=".into()),
            ("fromDateTime".into(), "2024-01-01T00:00:00Z".into()),
        ];
        assert_eq!(
            r.url("https://parley.example.com/base").unwrap(),
            "https://parley.example.com/base/v2/calls/12%203%2F4/media?cursor=a%2Bb%3D&fromDateTime=2024-01-01T00%3A00%3A00Z"
        );
        assert_eq!(r.method(), Method::Get);
        r.body = RequestBody::Json(serde_json::json!({}));
        assert_eq!(r.method(), Method::Post);
    }

    #[test]
    fn path_mistakes_are_named() {
        let e = |r: RawRequest| r.url("https://x.example").unwrap_err().to_string();
        assert!(e(req("https://evil.example/v2/calls")).contains("must start with /"));
        assert!(e(req("/v2/calls/{id}")).contains("--pathParam id=VALUE"));
        assert!(e(req("/v2/calls/{id")).contains("without its }"));
        let mut r = req("/v2/calls");
        r.path_params = vec![("id".into(), "1".into())];
        assert!(e(r).contains("names no {id}"));
        assert!(pair("novalue", "--query")
            .unwrap_err()
            .to_string()
            .contains("--query takes key=value"));
        assert_eq!(
            pair("a=b=c", "--query").unwrap(),
            ("a".into(), "b=c".into())
        );
        assert_eq!(header("X-A:  b c ").unwrap(), ("X-A".into(), "b c".into()));
        assert!(header("nocolon").is_err());
    }
}

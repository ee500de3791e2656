//! `POST /mcp`: the Model Context Protocol over streamable HTTP (`parley_client::mcp`
//! speaks the protocol). Each POST carries one JSON-RPC message and gets one JSON answer
//! (a notification or a client's response gets 202 and no body); there is no SSE stream,
//! so GET is refused (405), and no session: the server keeps no state between messages,
//! which the transport allows, so it issues no `Mcp-Session-Id`.
//!
//! The route is guarded like every other (`UseMcp`: any signed-in caller). Its tools do
//! not call the use cases directly: each is a request to this server's own routes, in
//! process, carrying the caller's own credentials (`Authorization`, or the session cookie
//! with its CSRF token), so authentication, scopes, role, workspace, rate limits and the
//! audit log apply to a tool exactly as to the same request over HTTP.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

use parley_client::mcp::{self, Failure, Server};
use parley_client::request::{RawRequest, RequestBody};
use parley_client::run::Transport;
use parley_client::ClientError;
use parley_outbound::api::ApiResponse;

use crate::AppState;

/// The largest answer a tool reads from a route (a page of calls with every detail is a
/// few MiB; a recording is not JSON and has no business in a tool's result).
const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;

/// The caller's headers a tool's request carries: the credentials, and what the audit
/// log and the rate limits read of the client (its address behind a trusted proxy, its
/// user agent).
const FORWARDED: &[&str] = &[
    "authorization",
    "cookie",
    crate::auth::CSRF_HEADER,
    "x-forwarded-for",
    "user-agent",
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/mcp", post(endpoint))
}

/// This server's routes, called in process with the caller's credentials.
struct InProcess {
    state: AppState,
    /// The whole application, built on the first request a message sends (initialize,
    /// ping and tools/list send none).
    app: std::sync::OnceLock<Router>,
    headers: HeaderMap,
    peer: Option<ConnectInfo<SocketAddr>>,
}

impl Transport for InProcess {
    async fn send(&self, req: &RawRequest) -> Result<ApiResponse, ClientError> {
        // The path with its parameters filled and its query, by the same code that builds
        // a connection's URLs (the base is dropped again).
        const BASE: &str = "http://in-process";
        let url = req.url(BASE)?;
        let target = url.strip_prefix(BASE).unwrap_or(&url).to_owned();
        let method = Method::from_bytes(req.method().name().as_bytes())
            .map_err(|_| ClientError::Usage("not an http method".into()))?;
        let mut builder = axum::http::Request::builder().method(method).uri(target);
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let body = match &req.body {
            RequestBody::None => Body::empty(),
            RequestBody::Json(v) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(serde_json::to_vec(v).unwrap_or_default())
            }
            RequestBody::Data(b) => {
                builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(b.clone())
            }
            RequestBody::Raw(b) => Body::from(b.clone()),
        };
        let mut request = builder
            .body(body)
            .map_err(|e| ClientError::Usage(format!("the request is not valid: {e}")))?;
        for name in FORWARDED {
            for v in self.headers.get_all(*name) {
                request
                    .headers_mut()
                    .append(HeaderName::from_static(name), v.clone());
            }
        }
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(peer);
        }
        let app = self
            .app
            .get_or_init(|| crate::app(self.state.clone()))
            .clone();
        let answer = match app.oneshot(request).await {
            Ok(a) => a,
            Err(never) => match never {},
        };
        let status = answer.status().as_u16();
        let headers: Vec<(String, String)> = answer
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let retry_after = answer
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
            .map(std::time::Duration::from_secs);
        let body = axum::body::to_bytes(answer.into_body(), MAX_ANSWER_BYTES)
            .await
            .map_err(|_| {
                ClientError::Transport(parley_outbound::FetchError::TooLarge {
                    limit: MAX_ANSWER_BYTES as u64,
                })
            })?;
        Ok(ApiResponse {
            status,
            retry_after,
            headers,
            body: body.to_vec(),
        })
    }
}

fn rpc_answer(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn rpc_error(status: StatusCode, code: i64, message: impl Into<String>) -> Response {
    rpc_answer(
        status,
        &mcp::error_response(
            Value::Null,
            &Failure {
                code,
                message: message.into(),
            },
        ),
    )
}

/// Is a header's media type (parameters aside) one of `types`?
fn media_type_is(value: Option<&HeaderValue>, types: &[&str]) -> bool {
    value
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|t| types.contains(&t.as_str()))
}

/// Does `Accept` allow a JSON answer? Absent means anything. (Clients send
/// `application/json, text/event-stream`; one that sends less is still served.)
fn accepts_json(headers: &HeaderMap) -> bool {
    let all: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    all.is_empty()
        || all.iter().flat_map(|v| v.split(',')).any(|t| {
            let t = t
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            matches!(t.as_str(), "application/json" | "application/*" | "*/*")
        })
}

/// One MCP message: its JSON answer, or 202 for a notification or a client's response.
#[utoipa::path(
    post,
    path = "/mcp",
    operation_id = "mcp-endpoint",
    tag = "MCP",
    summary = "The MCP endpoint (streamable HTTP)",
    description = "The Model Context Protocol (revision 2025-06-18) over streamable HTTP: \
                   one JSON-RPC message per POST, answered with one JSON message (202 and no \
                   body for a notification). Tools are the API's operations, run with the \
                   caller's own credentials; resources are the caller's calls and their \
                   transcripts. Stateless: no `Mcp-Session-Id`, no SSE stream.",
    request_body(content = Object, content_type = "application/json", description = "One JSON-RPC 2.0 message."),
    responses(
        (status = 200, description = "The JSON-RPC answer.", content_type = "application/json", body = Object),
        (status = 202, description = "A notification or response was accepted; no body."),
        // The transport's own refusals answer in JSON-RPC, not Gong's error body: an MCP
        // client reads them as protocol errors.
        (status = 400, description = "Not a JSON-RPC message: a JSON-RPC error answer.", content_type = "application/json", body = Object),
        (status = 406, description = "`Accept` excludes JSON: a JSON-RPC error answer.", content_type = "application/json", body = Object),
        (status = 413, description = "The message is over 4 MiB: a JSON-RPC error answer.", content_type = "application/json", body = Object),
        (status = 415, description = "Not sent as JSON: a JSON-RPC error answer.", content_type = "application/json", body = Object),
    )
)]
async fn endpoint(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    // Lenient: a missing Content-Type is taken as JSON, and so is text/json.
    if headers.contains_key(header::CONTENT_TYPE)
        && !media_type_is(
            headers.get(header::CONTENT_TYPE),
            &["application/json", "text/json"],
        )
    {
        return rpc_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            mcp::INVALID_REQUEST,
            "send the message as application/json",
        );
    }
    if !accepts_json(&headers) {
        return rpc_error(
            StatusCode::NOT_ACCEPTABLE,
            mcp::INVALID_REQUEST,
            "this endpoint answers application/json only",
        );
    }
    // MCP-Protocol-Version is not checked: every message is answered on its own (a
    // stateless server), and a newer client probing with a version of its own (such as
    // `server/discover`) must get JSON-RPC's "method not found" to fall back to
    // `initialize`, not an HTTP error it cannot tie to its request.
    let bytes = match axum::body::to_bytes(body, mcp::MAX_MESSAGE_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return rpc_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                mcp::INVALID_REQUEST,
                format!(
                    "the message is larger than {} bytes (or was not received whole)",
                    mcp::MAX_MESSAGE_BYTES
                ),
            )
        }
    };
    let message: Value = match serde_json::from_slice(&bytes) {
        Ok(m) => m,
        Err(e) => {
            return rpc_error(
                StatusCode::BAD_REQUEST,
                mcp::PARSE_ERROR,
                format!("the message is not JSON: {e}"),
            )
        }
    };
    if mcp::is_one_way(&message) {
        return StatusCode::ACCEPTED.into_response();
    }
    let transport = InProcess {
        state,
        app: std::sync::OnceLock::new(),
        headers,
        peer: parts.extensions.get::<ConnectInfo<SocketAddr>>().copied(),
    };
    let server = Server::builtin();
    match mcp::handle(&server, message, &transport).await {
        Some(answer) => rpc_answer(StatusCode::OK, &answer),
        None => StatusCode::ACCEPTED.into_response(),
    }
}

/// This module's operation in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(endpoint))]
pub struct Doc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_and_content_type_are_read_leniently() {
        let mut h = HeaderMap::new();
        assert!(accepts_json(&h));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
        assert!(accepts_json(&h));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/event-stream"),
        );
        assert!(!accepts_json(&h));
        h.insert(header::ACCEPT, HeaderValue::from_static("*/*;q=0.1"));
        assert!(accepts_json(&h));
        assert!(media_type_is(
            Some(&HeaderValue::from_static("Application/JSON; charset=utf-8")),
            &["application/json"]
        ));
        assert!(!media_type_is(
            Some(&HeaderValue::from_static("text/plain")),
            &["application/json"]
        ));
    }
}

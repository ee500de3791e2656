//! The Model Context Protocol (revision 2025-06-18), independent of how messages travel:
//! [`handle`] takes one JSON-RPC 2.0 message and gives its answer (none for a
//! notification). `parley mcp` carries the messages over standard input and output
//! through a saved connection; `parley serve` over HTTP (`POST /mcp`), running the tools
//! against its own routes with the caller's credentials. Either way every tool is one
//! request the API authorises as it would any other, so the caller's scopes, role and
//! workspace apply unchanged: this module decides nothing about access.
//!
//! What it serves:
//! - tools: the catalogue's actions (name = key, title = name, the input schema), minus
//!   [`exposed`]'s exclusions; `tools/call` runs one page through [`run::run`].
//! - resources: the calls the caller can see (`parley://calls/{id}`, the first page of
//!   `list-calls`, then its cursor) and their transcripts
//!   (`parley://calls/{id}/transcript`), read through `get-call` and
//!   `get-call-transcripts`.
//!
//! Input mistakes and error answers are tool results with `isError` (the model can read
//! them and try again), not protocol errors; an unknown tool, method or resource is.

use serde_json::{json, Map, Value};

use crate::catalogue::{Action, Catalogue};
use crate::run::{self, Pages, Transport};
use crate::ClientError;

/// The revision this server speaks, and answers with when a client asks for one it does
/// not know (the client then decides whether to go on).
pub const PROTOCOL_VERSION: &str = "2025-06-18";
/// Every revision whose messages this server's are compatible with: a client asking for
/// one of these gets it back.
pub const SUPPORTED_VERSIONS: &[&str] = &["2025-06-18", "2025-03-26", "2024-11-05"];
/// The largest message read: a tool's input is small JSON, and a client sending more is
/// refused rather than buffered.
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
/// MCP's code for a resource that does not exist (or that the caller may not see: the
/// two are not told apart, as the API's 404 does not tell them apart either).
pub const RESOURCE_NOT_FOUND: i64 = -32002;

const CALL_PREFIX: &str = "parley://calls/";
/// Longest call id taken from a resource URI (Gong's are 19 digits; this leaves room and
/// keeps a hostile URI from becoming a long request path).
const MAX_ID_LEN: usize = 128;

/// Routes never offered as tools, by method and path template:
/// - `POST /mcp`: the MCP endpoint itself (a tool calling it would recurse).
/// - `DELETE /parley/v1/session` and `POST /parley/v1/session/sign-out-everywhere`: they
///   end the caller's own session or revoke the caller's own credentials, cutting the
///   agent off mid-conversation; a person does that, not a tool.
///
/// Public operations (signing in, password resets, OAuth, health) are left out by their
/// `public` flag: they take no credentials, so under MCP they would either fail or hand
/// out new ones, neither of which an agent acting for a signed-in caller should do.
const HIDDEN: &[(&str, &str)] = &[
    ("POST", "/mcp"),
    ("DELETE", "/parley/v1/session"),
    ("POST", "/parley/v1/session/sign-out-everywhere"),
];

/// Whether an action is offered as a tool (see [`HIDDEN`]).
pub fn exposed(action: &Action) -> bool {
    !action.public
        && !HIDDEN
            .iter()
            .any(|(m, p)| action.method.eq_ignore_ascii_case(m) && action.path == *p)
}

/// What the server says about itself.
#[derive(Debug, Clone)]
pub struct Server<'a> {
    pub catalogue: &'a Catalogue,
    /// Shown as `serverInfo.version`.
    pub version: String,
}

impl Server<'static> {
    /// The built-in catalogue, this build's version.
    pub fn builtin() -> Server<'static> {
        Server {
            catalogue: Catalogue::builtin(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

impl Server<'_> {
    fn tool(&self, name: &str) -> Option<&Action> {
        self.catalogue
            .all()
            .iter()
            .find(|a| a.key == name && exposed(a))
    }

    fn action(&self, key: &str) -> Result<&Action, Failure> {
        self.catalogue
            .all()
            .iter()
            .find(|a| a.key == key)
            .ok_or_else(|| Failure::internal(format!("this build has no {key} action")))
    }
}

/// A JSON-RPC error answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub code: i64,
    pub message: String,
}

impl Failure {
    fn new(code: i64, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    fn internal(message: impl Into<String>) -> Failure {
        Failure::new(INTERNAL_ERROR, message)
    }

    fn params(message: impl Into<String>) -> Failure {
        Failure::new(INVALID_PARAMS, message)
    }

    fn not_found(uri: &str) -> Failure {
        Failure::new(RESOURCE_NOT_FOUND, format!("resource not found: {uri}"))
    }
}

/// The error answer to a message with `id` (`null` when it could not be read).
pub fn error_response(id: Value, failure: &Failure) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": failure.code, "message": failure.message},
    })
}

/// Handles one message as it arrived (bytes): its answer, or `None` for a notification
/// or a client's response. A message over [`MAX_MESSAGE_BYTES`] is refused unread.
pub async fn handle_bytes(
    server: &Server<'_>,
    message: &[u8],
    transport: &impl Transport,
) -> Option<Value> {
    if message.len() > MAX_MESSAGE_BYTES {
        return Some(error_response(
            Value::Null,
            &Failure::new(
                INVALID_REQUEST,
                format!("the message is larger than {MAX_MESSAGE_BYTES} bytes"),
            ),
        ));
    }
    match serde_json::from_slice::<Value>(message) {
        Ok(v) => handle(server, v, transport).await,
        Err(e) => Some(error_response(
            Value::Null,
            &Failure::new(PARSE_ERROR, format!("the message is not JSON: {e}")),
        )),
    }
}

/// Is this message one that gets no answer (a notification, or a client's response to
/// a request of the server's)? Transports use it to answer HTTP 202.
pub fn is_one_way(message: &Value) -> bool {
    message.as_object().is_some_and(|o| {
        let id = o.get("id");
        let method = o.get("method").and_then(Value::as_str);
        (method.is_some() && id.is_none())
            || (method.is_none()
                && id.is_some()
                && (o.contains_key("result") || o.contains_key("error")))
    })
}

/// Handles one parsed message: its answer, or `None` for a notification or a client's
/// response (the server sends no requests, so those are dropped).
pub async fn handle(
    server: &Server<'_>,
    message: Value,
    transport: &impl Transport,
) -> Option<Value> {
    if is_one_way(&message) {
        if let Some(method) = message.get("method").and_then(Value::as_str) {
            tracing::debug!(method, "mcp notification");
        }
        return None;
    }
    let Value::Object(mut message) = message else {
        // Batches were removed from the protocol in 2025-06-18.
        return Some(error_response(
            Value::Null,
            &Failure::new(INVALID_REQUEST, "a message is one JSON-RPC object"),
        ));
    };
    let id = match message.remove("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id,
        _ => {
            return Some(error_response(
                Value::Null,
                &Failure::new(INVALID_REQUEST, "a request needs a string or number id"),
            ))
        }
    };
    if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Some(error_response(
            id,
            &Failure::new(INVALID_REQUEST, "jsonrpc must be \"2.0\""),
        ));
    }
    let Some(Value::String(method)) = message.remove("method") else {
        return Some(error_response(
            id,
            &Failure::new(INVALID_REQUEST, "a request needs a method"),
        ));
    };
    let params = match message.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p,
        Some(_) => {
            return Some(error_response(
                id,
                &Failure::params("params must be an object"),
            ))
        }
    };
    let answer = match method.as_str() {
        "initialize" => Ok(initialize(server, &params)),
        "ping" => Ok(json!({})),
        "tools/list" => Ok(tools_list(server)),
        "tools/call" => tools_call(server, &params, transport).await,
        "resources/list" => resources_list(server, &params, transport).await,
        "resources/templates/list" => Ok(templates_list()),
        "resources/read" => resources_read(server, &params, transport).await,
        other => Err(Failure::new(
            METHOD_NOT_FOUND,
            format!("method not found: {other}"),
        )),
    };
    Some(match answer {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(f) => error_response(id, &f),
    })
}

fn initialize(server: &Server<'_>, params: &Map<String, Value>) -> Value {
    let asked = params.get("protocolVersion").and_then(Value::as_str);
    let version = asked
        .filter(|v| SUPPORTED_VERSIONS.contains(v))
        .unwrap_or(PROTOCOL_VERSION);
    json!({
        "protocolVersion": version,
        "capabilities": {
            "tools": {"listChanged": false},
            "resources": {"subscribe": false, "listChanged": false},
        },
        "serverInfo": {"name": "parley", "title": "Parley", "version": server.version},
        "instructions": "Tools are the operations of Gong's API v2 and Parley's own API, \
                         run with the caller's credentials: a tool the credentials do not \
                         allow answers with isError and the API's error. Listings return one \
                         page; pass its nextCursor back as `cursor` for the next. Resources \
                         are the calls the caller can see (parley://calls/{id}) and their \
                         transcripts (parley://calls/{id}/transcript).",
    })
}

fn tools_list(server: &Server<'_>) -> Value {
    let tools: Vec<Value> = server
        .catalogue
        .all()
        .iter()
        .filter(|a| exposed(a))
        .map(|a| {
            let read_only = matches!(a.method.as_str(), "GET" | "HEAD");
            let description = if a.description.is_empty() {
                &a.name
            } else {
                &a.description
            };
            // No outputSchema: a listing's result is {items, pages, nextCursor}, not the
            // answer's schema, and clients check structured results against it.
            json!({
                "name": a.key,
                "title": a.name,
                "description": description,
                "inputSchema": a.input_schema,
                "annotations": {
                    "title": a.name,
                    "readOnlyHint": read_only,
                    "idempotentHint": read_only || matches!(a.method.as_str(), "PUT" | "DELETE"),
                    "destructiveHint": a.method == "DELETE",
                    "openWorldHint": false,
                },
            })
        })
        .collect();
    json!({ "tools": tools })
}

/// A tool's result: its JSON as text for any client, and as structured content.
fn tool_result(structured: Value, is_error: bool) -> Value {
    let structured = match structured {
        Value::Object(_) => structured,
        // structuredContent is an object; other answers are wrapped.
        other => json!({ "value": other }),
    };
    json!({
        "content": [{"type": "text", "text": structured.to_string()}],
        "structuredContent": structured,
        "isError": is_error,
    })
}

async fn tools_call(
    server: &Server<'_>,
    params: &Map<String, Value>,
    transport: &impl Transport,
) -> Result<Value, Failure> {
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::params("tools/call needs the tool's name"))?;
    let action = server
        .tool(name)
        .ok_or_else(|| Failure::params(format!("unknown tool: {name}")))?;
    let input = match params.get("arguments") {
        None | Some(Value::Null) => json!({}),
        Some(v) => v.clone(),
    };
    match run::run(action, &input, transport, Pages::One).await {
        Ok(outcome) if outcome.ok() => Ok(tool_result(outcome.to_json(), false)),
        Ok(outcome) => Ok(tool_result(
            json!({"status": outcome.status, "body": outcome.body}),
            true,
        )),
        Err(ClientError::Usage(problems)) => Ok(tool_result(
            json!({
                "error": "invalid input",
                "problems": problems.lines().collect::<Vec<_>>(),
            }),
            true,
        )),
        Err(e) => Ok(tool_result(json!({ "error": e.to_string() }), true)),
    }
}

async fn resources_list(
    server: &Server<'_>,
    params: &Map<String, Value>,
    transport: &impl Transport,
) -> Result<Value, Failure> {
    let list = server.action("list-calls")?;
    let mut input = json!({});
    match params.get("cursor") {
        None | Some(Value::Null) => {}
        Some(Value::String(c)) => input["cursor"] = Value::String(c.clone()),
        Some(_) => return Err(Failure::params("cursor must be a string")),
    }
    let outcome = run::run(list, &input, transport, Pages::One)
        .await
        .map_err(|e| Failure::internal(format!("listing calls: {e}")))?;
    match outcome.status {
        200..=299 => {}
        // Gong answers 404 for a listing with no calls; 401 and 403: the caller can see
        // none. Either way there is nothing to list.
        401 | 403 | 404 => return Ok(json!({ "resources": [] })),
        status => {
            return Err(Failure::internal(format!(
                "listing calls: the api answered {status}"
            )))
        }
    }
    let resources: Vec<Value> = outcome
        .items
        .unwrap_or_default()
        .iter()
        .filter_map(|call| {
            let call = call.get("metaData").unwrap_or(call);
            let id = match call.get("id")? {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            let title = call
                .get("title")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map_or_else(|| format!("call {id}"), str::to_owned);
            let mut r = json!({
                "uri": format!("{CALL_PREFIX}{id}"),
                "name": title,
                "title": title,
                "mimeType": "application/json",
            });
            if let Some(when) = call.get("started").and_then(Value::as_str) {
                r["description"] = Value::String(format!("call started {when}"));
            }
            Some(r)
        })
        .collect();
    let mut result = json!({ "resources": resources });
    if let Some(next) = outcome.next_cursor {
        result["nextCursor"] = Value::String(next);
    }
    Ok(result)
}

fn templates_list() -> Value {
    json!({
        "resourceTemplates": [
            {
                "uriTemplate": "parley://calls/{id}",
                "name": "call",
                "title": "A call",
                "description": "A call's data as GET /v2/calls/{id} gives it.",
                "mimeType": "application/json",
            },
            {
                "uriTemplate": "parley://calls/{id}/transcript",
                "name": "call-transcript",
                "title": "A call's transcript",
                "description": "A call's transcript as POST /v2/calls/transcript gives it.",
                "mimeType": "application/json",
            },
        ]
    })
}

/// What a resource URI names.
#[derive(Debug, PartialEq, Eq)]
enum Resource<'a> {
    Call(&'a str),
    Transcript(&'a str),
}

fn parse_uri(uri: &str) -> Option<Resource<'_>> {
    let rest = uri.strip_prefix(CALL_PREFIX)?;
    let (id, transcript) = match rest.strip_suffix("/transcript") {
        Some(id) => (id, true),
        None => (rest, false),
    };
    let plain = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !plain {
        return None;
    }
    Some(if transcript {
        Resource::Transcript(id)
    } else {
        Resource::Call(id)
    })
}

async fn resources_read(
    server: &Server<'_>,
    params: &Map<String, Value>,
    transport: &impl Transport,
) -> Result<Value, Failure> {
    let uri = params
        .get("uri")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::params("resources/read needs a uri"))?;
    let resource = parse_uri(uri).ok_or_else(|| Failure::not_found(uri))?;
    let (action, input) = match resource {
        Resource::Call(id) => (server.action("get-call")?, json!({ "id": id })),
        Resource::Transcript(id) => (
            server.action("get-call-transcripts")?,
            json!({"filter": {"callIds": [id]}}),
        ),
    };
    let outcome = match run::run(action, &input, transport, Pages::One).await {
        Ok(o) => o,
        // The id passed the URI's check but not the action's schema: no such call.
        Err(ClientError::Usage(_)) => return Err(Failure::not_found(uri)),
        Err(e) => return Err(Failure::internal(format!("reading {uri}: {e}"))),
    };
    match outcome.status {
        200..=299 => {}
        // Not there, or not the caller's to see: the same answer, so that a resource's
        // existence is not told to a caller who may not read it.
        400 | 401 | 403 | 404 => return Err(Failure::not_found(uri)),
        status => {
            return Err(Failure::internal(format!(
                "reading {uri}: the api answered {status}"
            )))
        }
    }
    let body = match resource {
        Resource::Call(_) => outcome.body,
        Resource::Transcript(id) => outcome
            .body
            .get("callTranscripts")
            .and_then(Value::as_array)
            .and_then(|all| {
                all.iter()
                    .find(|t| t.get("callId").and_then(Value::as_str) == Some(id))
            })
            .cloned()
            .ok_or_else(|| Failure::not_found(uri))?,
    };
    Ok(json!({
        "contents": [{
            "uri": uri,
            "mimeType": "application/json",
            "text": body.to_string(),
        }]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{RawRequest, RequestBody};
    use parley_outbound::api::ApiResponse;
    use std::sync::Mutex;

    /// A transport answering from a function of the request, recording what was sent.
    struct Fake<F> {
        answer: F,
        sent: Mutex<Vec<RawRequest>>,
    }

    impl<F: Fn(&RawRequest) -> (u16, Value) + Sync> Fake<F> {
        fn new(answer: F) -> Self {
            Fake {
                answer,
                sent: Mutex::new(Vec::new()),
            }
        }
    }

    impl<F: Fn(&RawRequest) -> (u16, Value) + Sync> Transport for Fake<F> {
        async fn send(&self, req: &RawRequest) -> Result<ApiResponse, ClientError> {
            self.sent.lock().unwrap().push(req.clone());
            let (status, body) = (self.answer)(req);
            Ok(ApiResponse {
                status,
                retry_after: None,
                headers: Vec::new(),
                body: serde_json::to_vec(&body).unwrap(),
            })
        }
    }

    fn calls_api(req: &RawRequest) -> (u16, Value) {
        let id = req
            .path_params
            .iter()
            .find(|(k, _)| k == "id")
            .map(|(_, v)| v.as_str());
        match (req.path.as_str(), id) {
            ("/v2/calls", _) => (
                200,
                json!({
                    "requestId": "r",
                    "records": {"totalRecords": 1, "currentPageSize": 1, "currentPageNumber": 0},
                    "calls": [{"id": "7782342274025937895", "title": "Acme demo", "started": "2026-11-20T10:00:00Z"}],
                }),
            ),
            ("/v2/calls/{id}", Some("7782342274025937895")) => (
                200,
                json!({"requestId": "r", "call": {"id": "7782342274025937895", "title": "Acme demo"}}),
            ),
            ("/v2/calls/{id}", _) => (404, json!({"requestId": "r", "errors": ["call not found"]})),
            ("/v2/calls/transcript", _) => {
                let RequestBody::Json(body) = &req.body else {
                    return (400, json!({"errors": ["no body"]}));
                };
                let asked = body.pointer("/filter/callIds/0").cloned();
                if asked == Some(json!("7782342274025937895")) {
                    (
                        200,
                        json!({"requestId": "r", "callTranscripts": [{"callId": "7782342274025937895", "transcript": [{"speakerId": "1", "sentences": [{"start": 0, "end": 1, "text": "hello"}]}]}]}),
                    )
                } else {
                    (404, json!({"requestId": "r", "errors": ["no transcripts"]}))
                }
            }
            _ => (404, json!({"errors": ["no such endpoint"]})),
        }
    }

    /// The catalogue of the checked-in document alone: these tests are about the
    /// protocol, not about the extras file's names and phrasings.
    fn catalogue() -> &'static Catalogue {
        static C: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
        C.get_or_init(|| Catalogue::from_parts(include_str!("../data/openapi.json"), "").unwrap())
    }

    fn server() -> Server<'static> {
        Server {
            catalogue: catalogue(),
            version: "0.0.0-test".into(),
        }
    }

    async fn ask(t: &impl Transport, method: &str, params: Value) -> Value {
        let server = server();
        handle(
            &server,
            json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}),
            t,
        )
        .await
        .expect("a request is answered")
    }

    #[tokio::test]
    async fn initialize_answers_a_supported_version() {
        let t = Fake::new(calls_api);
        let r = ask(
            &t,
            "initialize",
            json!({"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
        )
        .await;
        assert_eq!(r["id"], 1);
        assert_eq!(r["result"]["protocolVersion"], "2025-03-26");
        assert_eq!(r["result"]["serverInfo"]["name"], "parley");
        assert!(r["result"]["capabilities"]["tools"].is_object());
        assert!(r["result"]["capabilities"]["resources"].is_object());
        // A version it does not know: it answers with its own.
        let r = ask(&t, "initialize", json!({"protocolVersion": "1999-01-01"})).await;
        assert_eq!(r["result"]["protocolVersion"], PROTOCOL_VERSION);
        assert_eq!(ask(&t, "ping", json!({})).await["result"], json!({}));
        assert!(t.sent.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn notifications_and_responses_get_no_answer() {
        let t = Fake::new(calls_api);
        let server = server();
        for m in [
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}}),
            json!({"jsonrpc": "2.0", "id": 9, "result": {}}),
        ] {
            assert!(is_one_way(&m));
            assert_eq!(handle(&server, m, &t).await, None);
        }
    }

    #[tokio::test]
    async fn tools_list_holds_the_catalogue_with_input_schemas() {
        let t = Fake::new(calls_api);
        let r = ask(&t, "tools/list", json!({})).await;
        let tools = r["result"]["tools"].as_array().unwrap();
        let list = tools.iter().find(|t| t["name"] == "list-calls").unwrap();
        let action = catalogue().find("list-calls").unwrap();
        assert_eq!(list["inputSchema"], action.input_schema);
        assert_eq!(list["inputSchema"]["type"], "object");
        assert_eq!(list["title"], action.name.as_str());
        assert_eq!(list["annotations"]["readOnlyHint"], true);
        assert!(list["description"].as_str().is_some_and(|d| !d.is_empty()));
        for key in ["get-call", "get-call-transcripts", "get-calls-extensive"] {
            assert!(tools.iter().any(|t| t["name"] == key), "{key}");
        }
        let shown = catalogue().all().iter().filter(|a| exposed(a)).count();
        assert_eq!(tools.len(), shown);
    }

    #[test]
    fn public_and_self_destroying_actions_are_not_tools() {
        let mut a = catalogue().find("list-calls").unwrap().clone();
        assert!(exposed(&a));
        a.public = true;
        assert!(!exposed(&a));
        a.public = false;
        a.method = "POST".into();
        a.path = "/parley/v1/session/sign-out-everywhere".into();
        assert!(!exposed(&a));
        a.method = "DELETE".into();
        a.path = "/parley/v1/session".into();
        assert!(!exposed(&a));
        a.method = "POST".into();
        a.path = "/mcp".into();
        assert!(!exposed(&a));
    }

    #[tokio::test]
    async fn tools_call_runs_the_action() {
        let t = Fake::new(calls_api);
        let r = ask(
            &t,
            "tools/call",
            json!({"name": "list-calls", "arguments": {"fromDateTime": "2026-11-01T00:00:00Z"}}),
        )
        .await;
        let result = &r["result"];
        assert_eq!(result["isError"], false, "{r}");
        let items = &result["structuredContent"]["items"];
        assert_eq!(items[0]["id"], "7782342274025937895");
        let text = result["content"][0]["text"].as_str().unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(text).unwrap(),
            result["structuredContent"]
        );
        let sent = t.sent.lock().unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].path, "/v2/calls");
        assert_eq!(
            sent[0].query,
            vec![("fromDateTime".to_owned(), "2026-11-01T00:00:00Z".to_owned())]
        );
    }

    #[tokio::test]
    async fn error_answers_and_bad_input_are_tool_errors() {
        let t = Fake::new(calls_api);
        let r = ask(
            &t,
            "tools/call",
            json!({"name": "get-call", "arguments": {"id": "1"}}),
        )
        .await;
        assert_eq!(r["result"]["isError"], true, "{r}");
        assert_eq!(r["result"]["structuredContent"]["status"], 404);
        assert_eq!(
            r["result"]["structuredContent"]["body"]["errors"][0],
            "call not found"
        );
        // Invalid input: nothing sent, the mistake named.
        let before = t.sent.lock().unwrap().len();
        let r = ask(
            &t,
            "tools/call",
            json!({"name": "get-call", "arguments": {"nope": 1}}),
        )
        .await;
        assert_eq!(r["result"]["isError"], true, "{r}");
        assert_eq!(r["result"]["structuredContent"]["error"], "invalid input");
        assert!(r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("id"));
        assert_eq!(t.sent.lock().unwrap().len(), before);
        // An unknown tool is a protocol error.
        let r = ask(&t, "tools/call", json!({"name": "brew-coffee"})).await;
        assert_eq!(r["error"]["code"], INVALID_PARAMS);
        assert!(r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown tool"));
    }

    #[tokio::test]
    async fn resources_are_calls_and_transcripts() {
        let t = Fake::new(calls_api);
        let r = ask(&t, "resources/list", json!({})).await;
        let res = &r["result"]["resources"][0];
        assert_eq!(res["uri"], "parley://calls/7782342274025937895");
        assert_eq!(res["name"], "Acme demo");
        let r = ask(&t, "resources/templates/list", json!({})).await;
        assert_eq!(
            r["result"]["resourceTemplates"].as_array().unwrap().len(),
            2
        );

        let r = ask(
            &t,
            "resources/read",
            json!({"uri": "parley://calls/7782342274025937895"}),
        )
        .await;
        let c = &r["result"]["contents"][0];
        assert_eq!(c["mimeType"], "application/json");
        let call: Value = serde_json::from_str(c["text"].as_str().unwrap()).unwrap();
        assert_eq!(call["call"]["title"], "Acme demo");

        let r = ask(
            &t,
            "resources/read",
            json!({"uri": "parley://calls/7782342274025937895/transcript"}),
        )
        .await;
        let text = r["result"]["contents"][0]["text"].as_str().unwrap();
        let tr: Value = serde_json::from_str(text).unwrap();
        assert_eq!(tr["transcript"][0]["sentences"][0]["text"], "hello");

        for uri in [
            "parley://calls/1",
            "parley://calls/1/transcript",
            "parley://calls/../users",
            "parley://calls/",
            "https://example.com/",
        ] {
            let r = ask(&t, "resources/read", json!({ "uri": uri })).await;
            assert_eq!(r["error"]["code"], RESOURCE_NOT_FOUND, "{uri}: {r}");
        }
    }

    #[tokio::test]
    async fn a_caller_who_sees_no_calls_lists_no_resources() {
        let t = Fake::new(|_: &RawRequest| (401, json!({"errors": ["missing scope"]})));
        let r = ask(&t, "resources/list", json!({})).await;
        assert_eq!(r["result"]["resources"], json!([]));
    }

    #[tokio::test]
    async fn protocol_mistakes_are_json_rpc_errors() {
        let t = Fake::new(calls_api);
        let server = server();
        let r = ask(&t, "sampling/brew", json!({})).await;
        assert_eq!(r["error"]["code"], METHOD_NOT_FOUND);
        let code = |v: Option<Value>| v.unwrap()["error"]["code"].as_i64().unwrap();
        assert_eq!(
            code(handle_bytes(&server, b"{not json", &t).await),
            PARSE_ERROR
        );
        assert_eq!(
            code(handle_bytes(&server, b"[]", &t).await),
            INVALID_REQUEST
        );
        assert_eq!(
            code(
                handle(
                    &server,
                    json!({"jsonrpc": "2.0", "id": null, "method": "ping"}),
                    &t
                )
                .await
            ),
            INVALID_REQUEST
        );
        assert_eq!(
            code(
                handle(
                    &server,
                    json!({"jsonrpc": "1.0", "id": 1, "method": "ping"}),
                    &t
                )
                .await
            ),
            INVALID_REQUEST
        );
        assert_eq!(
            code(
                handle(
                    &server,
                    json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": [1]}),
                    &t
                )
                .await
            ),
            INVALID_PARAMS
        );
        let big = vec![b' '; MAX_MESSAGE_BYTES + 1];
        assert_eq!(code(handle_bytes(&server, &big, &t).await), INVALID_REQUEST);
    }
}

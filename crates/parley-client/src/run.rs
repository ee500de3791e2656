//! Running an action: the input checked against its schema, mapped to one HTTP request,
//! sent through a connection, and followed page by page.
//!
//! - Input mistakes are found before anything is sent, each naming its field
//!   (`filter.fromDateTime: "yesterday" is not a "date-time"`).
//! - Listings follow Gong's cursors (`records.cursor`, sent back where the action takes
//!   it: the query of a GET, the body of a POST) for as many pages as asked.
//! - A 429 is waited out (`Retry-After`, at most [`MAX_WAIT`] a time, [`MAX_RETRIES`]
//!   times in a row), and against Gong itself requests are paced under its published
//!   limit of 3 a second.

use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::catalogue::{Action, Place};
use crate::connection::Connection;
use crate::request::{Limits, RawRequest, RequestBody};
use crate::ClientError;
use parley_outbound::api::{ApiResponse, Method};

/// Longest wait for one 429.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// 429s in a row before giving up.
pub const MAX_RETRIES: u32 = 5;
/// Gong allows 3 calls a second per company: one every 334 ms keeps under it.
const GONG_INTERVAL: Duration = Duration::from_millis(340);

/// How many pages of a listing to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pages {
    One,
    AtMost(u32),
    All,
}

impl Pages {
    fn allows(self, n: u32) -> bool {
        match self {
            Pages::One => n < 1,
            Pages::AtMost(max) => n < max,
            Pages::All => true,
        }
    }
}

/// What running an action gave.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The last answer's status.
    pub status: u16,
    /// A listing's items, over every page read; `None` for other actions.
    pub items: Option<Vec<Value>>,
    /// The cursor of the next page when pages were left unread.
    pub next_cursor: Option<String>,
    pub pages: u32,
    /// The last answer's body (JSON, or the text as a JSON string).
    pub body: Value,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The stable JSON form for scripts: a listing as its items and the next cursor,
    /// anything else as the answer's body.
    pub fn to_json(&self) -> Value {
        match &self.items {
            Some(items) if self.ok() => serde_json::json!({
                "items": items,
                "pages": self.pages,
                "nextCursor": self.next_cursor,
            }),
            _ => self.body.clone(),
        }
    }
}

/// Checks `input` against the action's schema; every mistake, each naming its field.
pub fn validate(action: &Action, input: &Value) -> Result<(), Vec<String>> {
    let validator = match jsonschema::validator_for(&action.input_schema) {
        Ok(v) => v,
        // The schemas come from the build's own document; one that does not compile is
        // not the user's mistake, so nothing is refused for it.
        Err(_) => return Ok(()),
    };
    let mut problems: Vec<String> = validator
        .iter_errors(input)
        .map(|e| {
            let at = e.instance_path().to_string();
            let field = at.trim_start_matches('/').replace('/', ".");
            if field.is_empty() {
                e.to_string()
            } else {
                format!("{field}: {e}")
            }
        })
        .collect();
    problems.sort();
    problems.dedup();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// A query or path value as text.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The request for `input` (already validated).
pub fn request(action: &Action, input: &Value, cursor: Option<&str>) -> RawRequest {
    let empty = Map::new();
    let input = input.as_object().unwrap_or(&empty);
    let mut req = RawRequest {
        method: Method::from_name(&action.method),
        path: action.path.clone(),
        ..RawRequest::default()
    };
    let mut body = Map::new();
    let mut whole = None;
    for f in &action.fields {
        let Some(v) = input.get(&f.name) else {
            continue;
        };
        match f.place {
            Place::Path => req.path_params.push((f.name.clone(), scalar(v))),
            Place::Query => match v {
                Value::Array(items) => req
                    .query
                    .extend(items.iter().map(|i| (f.name.clone(), scalar(i)))),
                Value::Null => {}
                v => req.query.push((f.name.clone(), scalar(v))),
            },
            Place::Body => {
                body.insert(f.name.clone(), v.clone());
            }
            Place::WholeBody => whole = Some(v.clone()),
        }
    }
    if let (Some(cursor), Some(paging)) = (cursor, &action.paging) {
        match paging.cursor_place {
            Place::Query => {
                req.query.retain(|(k, _)| k != "cursor");
                req.query.push(("cursor".into(), cursor.into()));
            }
            _ => {
                body.insert("cursor".into(), Value::String(cursor.into()));
            }
        }
    }
    let has_body = action
        .fields
        .iter()
        .any(|f| matches!(f.place, Place::Body | Place::WholeBody));
    req.body = match whole {
        Some(v) => RequestBody::Json(v),
        None if has_body => RequestBody::Json(Value::Object(body)),
        None => RequestBody::None,
    };
    req
}

/// Where an action's requests go: a connection over the network, or (in the server's
/// MCP endpoint) the server's own routes in process, with the caller's credentials.
pub trait Transport: Sync {
    fn send(
        &self,
        req: &RawRequest,
    ) -> impl std::future::Future<Output = Result<ApiResponse, ClientError>> + Send;

    /// Is this Gong's own API, whose published rate limit is kept?
    fn is_gong(&self) -> bool {
        false
    }
}

/// A connection over the network, with the bounds of each request. A token connection
/// that can be refreshed is refreshed when its token has expired, and once more when an
/// answer is 401; the new tokens are saved in `file` (none for the environment's
/// connection, which is refreshed for this process only).
pub struct Remote {
    connection: std::sync::Mutex<Connection>,
    file: Option<std::path::PathBuf>,
    limits: Limits,
}

impl Remote {
    pub fn new(connection: Connection, file: Option<std::path::PathBuf>, limits: Limits) -> Remote {
        Remote {
            connection: std::sync::Mutex::new(connection),
            file,
            limits,
        }
    }

    /// The connection as it is now (after any refresh).
    pub fn connection(&self) -> Connection {
        self.connection
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    async fn refreshed(&self, c: &Connection) -> Result<Connection, ClientError> {
        let next = match &self.file {
            Some(file) => crate::oauth::refresh_saved(c, file, self.limits).await?,
            None => crate::oauth::refresh(c, self.limits).await?,
        };
        *self.connection.lock().unwrap_or_else(|p| p.into_inner()) = next.clone();
        Ok(next)
    }
}

impl Transport for Remote {
    async fn send(&self, req: &RawRequest) -> Result<ApiResponse, ClientError> {
        let mut c = self.connection();
        let mut fresh = false;
        if crate::oauth::expired(&c) {
            c = self.refreshed(&c).await?;
            fresh = true;
        }
        let answer = req.send(&c, self.limits).await?;
        if answer.status == 401 && c.refresh.is_some() && !fresh {
            let c = self.refreshed(&c).await?;
            return req.send(&c, self.limits).await;
        }
        Ok(answer)
    }

    fn is_gong(&self) -> bool {
        crate::connection::is_gong(&self.connection().url)
    }
}

/// Runs `action` with `input` through `transport`. Input mistakes are
/// [`ClientError::Usage`] (nothing sent); an error answer is an [`Outcome`] with its
/// status.
pub async fn run(
    action: &Action,
    input: &Value,
    transport: &impl Transport,
    pages: Pages,
) -> Result<Outcome, ClientError> {
    validate(action, input).map_err(|p| ClientError::Usage(p.join("\n")))?;
    let pace = transport.is_gong().then_some(GONG_INTERVAL);
    let mut last_sent: Option<Instant> = None;
    let mut items: Option<Vec<Value>> = action.paging.as_ref().map(|_| Vec::new());
    let mut cursor: Option<String> = None;
    let mut read = 0u32;
    loop {
        let req = request(action, input, cursor.as_deref());
        let answer = send_patiently(&req, transport, pace, &mut last_sent).await?;
        read += 1;
        let body = parse_body(&answer.body);
        let ok = (200..300).contains(&answer.status);
        if !ok {
            return Ok(Outcome {
                status: answer.status,
                items: None,
                next_cursor: None,
                pages: read,
                body,
            });
        }
        let Some(paging) = &action.paging else {
            return Ok(Outcome {
                status: answer.status,
                items: None,
                next_cursor: None,
                pages: read,
                body,
            });
        };
        if let (Some(all), Some(page)) = (
            items.as_mut(),
            body.get(&paging.items).and_then(Value::as_array),
        ) {
            all.extend(page.iter().cloned());
        }
        let next = body
            .pointer("/records/cursor")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        match next {
            Some(c) if pages.allows(read) && Some(&c) != cursor.as_ref() => cursor = Some(c),
            next => {
                return Ok(Outcome {
                    status: answer.status,
                    items,
                    next_cursor: next,
                    pages: read,
                    body,
                })
            }
        }
    }
}

fn parse_body(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// Sends one request, waiting out 429s and keeping Gong's pace.
async fn send_patiently(
    req: &RawRequest,
    transport: &impl Transport,
    pace: Option<Duration>,
    last_sent: &mut Option<Instant>,
) -> Result<ApiResponse, ClientError> {
    let mut waited = 0;
    loop {
        if let (Some(pace), Some(last)) = (pace, *last_sent) {
            let due = last + pace;
            let now = Instant::now();
            if due > now {
                tokio::time::sleep(due - now).await;
            }
        }
        *last_sent = Some(Instant::now());
        let answer = transport.send(req).await?;
        if answer.status != 429 || waited >= MAX_RETRIES {
            return Ok(answer);
        }
        waited += 1;
        let wait = answer
            .retry_after
            .unwrap_or(Duration::from_secs(1))
            .min(MAX_WAIT);
        tracing::info!(
            seconds = wait.as_secs_f64(),
            "rate limited; waiting as asked"
        );
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use serde_json::json;

    /// A document of two operations in the server's shapes.
    fn catalogue() -> Catalogue {
        let doc = json!({
            "openapi": "3.1.0",
            "paths": {
                "/v2/users/{id}": {"get": {
                    "operationId": "get-user", "summary": "Get a user",
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}
                    ],
                    "responses": {"200": {"description": "ok"}}
                }},
                "/v2/calls/extensive": {"post": {
                    "operationId": "get-calls-extensive", "summary": "Calls",
                    "parameters": [{"name": "cursor", "in": "query", "schema": {"type": "string"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}}
                }}
            },
            "components": {"schemas": {
                "Req": {"type": "object", "required": ["filter"], "properties": {
                    "cursor": {"type": ["string", "null"]},
                    "filter": {"$ref": "#/components/schemas/Filter"}
                }},
                "Filter": {"type": "object", "properties": {
                    "fromDateTime": {"type": ["string", "null"], "format": "date-time"},
                    "callIds": {"type": ["array", "null"], "items": {"type": "string"}}
                }},
                "Page": {"type": "object", "properties": {
                    "records": {"type": "object"},
                    "calls": {"type": "array", "items": {"type": "object"}}
                }}
            }}
        });
        Catalogue::from_parts(&doc.to_string(), "").unwrap()
    }

    #[test]
    fn input_goes_to_the_path_the_query_and_the_body() {
        let c = catalogue();
        let user = c.find("get-user").unwrap();
        let req = request(user, &json!({"id": "42", "tags": ["a", "b"]}), None);
        assert_eq!(req.path_params, [("id".to_owned(), "42".to_owned())]);
        assert_eq!(
            req.query,
            [("tags".into(), "a".into()), ("tags".into(), "b".into())]
        );
        assert_eq!(req.body, RequestBody::None);

        let calls = c.find("get-calls-extensive").unwrap();
        let paging = calls.paging.as_ref().unwrap();
        assert_eq!(paging.items, "calls");
        // The body's cursor wins over the query parameter of the same name.
        assert_eq!(paging.cursor_place, Place::Body);
        let req = request(calls, &json!({"filter": {"callIds": ["1"]}}), Some("next"));
        assert_eq!(
            req.body,
            RequestBody::Json(json!({"filter": {"callIds": ["1"]}, "cursor": "next"}))
        );
        assert!(req.query.is_empty());
    }

    #[test]
    fn mistakes_name_their_field() {
        let c = catalogue();
        let calls = c.find("get-calls-extensive").unwrap();
        assert!(validate(calls, &json!({"filter": {}})).is_ok());
        let problems =
            validate(calls, &json!({"filter": {"callIds": "1"}, "bogus": 1})).unwrap_err();
        assert!(
            problems.iter().any(|p| p.starts_with("filter.callIds:")),
            "{problems:?}"
        );
        assert!(problems.iter().any(|p| p.contains("bogus")), "{problems:?}");
        let missing = validate(calls, &json!({})).unwrap_err();
        assert!(missing[0].contains("\"filter\""), "{missing:?}");
        let user = c.find("get-user").unwrap();
        assert!(validate(user, &json!({"id": 42})).unwrap_err()[0].starts_with("id:"));
    }

    #[test]
    fn the_outcome_of_a_listing_is_its_items_and_cursor() {
        let o = Outcome {
            status: 200,
            items: Some(vec![json!({"id": "1"})]),
            next_cursor: Some("c".into()),
            pages: 1,
            body: json!({}),
        };
        assert_eq!(
            o.to_json(),
            json!({"items": [{"id": "1"}], "pages": 1, "nextCursor": "c"})
        );
        assert!(Pages::AtMost(2).allows(1) && !Pages::AtMost(2).allows(2) && !Pages::One.allows(1));
    }
}

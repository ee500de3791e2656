//! Gong's public REST API v2, as it appears on the wire.
//!
//! Architecture Invariant: this is the only crate that spells Gong's field names
//! (`metaData`, `primaryUserId`, `callTranscripts`, ...). Handlers decode requests into
//! the types here, convert them to `parley_domain` types, and convert domain types back
//! with the `From`-style functions in each module. Nothing here does IO.
//!
//! Compatibility choices (where the reference leaves room) are recorded next to the code
//! that makes them, each with a `Choice:` comment.

#![forbid(unsafe_code)]

pub mod access;
pub mod automation;
pub mod calls;
pub mod coaching;
pub mod comments;
pub mod crm;
pub mod crm_writeback;
pub mod engagement;
pub mod flows;
pub mod library;
pub mod logs;
pub mod meetings;
pub mod privacy;
pub mod profiles;
pub mod scorecards;
pub mod settings;
pub mod stats;
pub mod time;
pub mod transcript;
pub mod users;

use serde::{Deserialize, Deserializer, Serialize};

/// The body of every non-2xx response: `{"requestId": "...", "errors": ["..."]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub request_id: String,
    pub errors: Vec<String>,
}

/// Exact messages that clients match on. Reproduce byte-for-byte.
pub mod messages {
    pub const NO_CALLS_FOUND: &str = "No calls found corresponding to the provided filters";
    pub const INTERNAL: &str = "Internal server error occurred";
    pub const RATE_LIMITED: &str = "API request limit exceeded";
    pub const METHOD_NOT_ALLOWED: &str = "Method Not Allowed";
    pub const UNAUTHORIZED: &str =
        "Unauthorized: the access key or secret is wrong, or the key was revoked";
    pub const NO_USERS_FOUND: &str = "No users found corresponding to the provided filters";
    /// Gong documents the 404 of `/v2/logs` as "No logs found".
    pub const NO_LOGS_FOUND: &str = "No logs found";

    pub fn call_not_found(id: &str) -> String {
        format!("Call ID {id} was not found")
    }

    pub fn user_not_found(id: &str) -> String {
        format!("User ID {id} was not found")
    }

    /// Gong's 401 for a key or token without the endpoint's scope.
    pub fn missing_scope(scope: &str) -> String {
        format!("You don't have permission to use '{scope}' in your app.")
    }
}

/// Paging information on list responses. `cursor` is absent (not null) on the last page:
/// Airbyte and gongy stop on its absence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Records {
    pub total_records: i64,
    pub current_page_size: i64,
    pub current_page_number: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A page response whose list items are JSON rendered beforehand: the bytes before the
/// first item and after the last, so that `head`, the items joined by `,`, and `tail` are
/// the bytes serialising the typed response gives. A server sends the items as they are,
/// not copied into one buffer (a page of big calls would be held twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFrame {
    pub head: Vec<u8>,
    pub tail: &'static [u8],
}

impl PageFrame {
    /// `{"requestId":…,"records":{…},"<list>":[` and `]}`.
    pub(crate) fn new(request_id: &str, records: &Records, list: &str) -> PageFrame {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Head<'a> {
            request_id: &'a str,
            records: &'a Records,
        }
        let head = Head {
            request_id,
            records,
        };
        // Strings and integers only: serialising them cannot fail.
        let mut head = serde_json::to_vec(&head).unwrap_or_default();
        head.pop();
        head.extend_from_slice(b",\"");
        head.extend_from_slice(list.as_bytes());
        head.extend_from_slice(b"\":[");
        PageFrame { head, tail: b"]}" }
    }

    /// The whole body in one buffer (for tests and small pages).
    pub fn join<T: AsRef<[u8]>>(&self, items: &[T]) -> Vec<u8> {
        let mut out = self.head.clone();
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(item.as_ref());
        }
        out.extend_from_slice(self.tail);
        out
    }
}

/// Decodes a JSON object body into `T`, naming the offending field on failure
/// (`filter.callIds[0]: invalid type: ...`), so a 400 tells the client what to fix.
/// Every request body of the API is an object; serde would otherwise read an array as a
/// struct's fields in order.
pub fn from_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, String> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        let what = match first {
            None => "an empty body",
            Some(b'[') => "an array",
            _ => "something else",
        };
        return Err(format!(
            "invalid JSON body: expected a JSON object, got {what}"
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if matches!(
                inner.classify(),
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof
            ) {
                return Err(format!("invalid JSON body: {inner}"));
            }
            let msg = strip_position(&inner.to_string());
            if path == "." || path.is_empty() {
                Err(format!("invalid JSON body: {msg}"))
            } else {
                Err(format!("invalid field {path}: {msg}"))
            }
        }
    }
}

fn strip_position(msg: &str) -> String {
    // serde_json appends " at line L column C"; for a field error the path says more.
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(" column ") => msg[..i].to_owned(),
        _ => msg.to_owned(),
    }
}

/// An id as clients send it. Gong ids are strings of digits; some generated SDKs send
/// them as JSON numbers. Choice: accept both, keep the text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WireId(pub String);

impl<'de> Deserialize<'de> for WireId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            N(u64),
        }
        match Raw::deserialize(d) {
            Ok(Raw::S(s)) => Ok(WireId(s)),
            Ok(Raw::N(n)) => Ok(WireId(n.to_string())),
            Err(_) => Err(serde::de::Error::custom(
                "expected an id (a string of digits)",
            )),
        }
    }
}

/// A string of digits; a number is accepted too.
impl utoipa::PartialSchema for WireId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^[0-9]{1,19}$")),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0)),
            )
            .description(Some(
                "An id: a string of digits (a JSON number is accepted too).",
            ))
            .into()
    }
}

impl utoipa::ToSchema for WireId {}

impl WireId {
    /// The numeric value, or `None` when the text is not a valid id. Unknown or malformed
    /// ids are "not found", not "bad request": Gong matches path ids as opaque strings.
    pub fn numeric(&self) -> Option<i64> {
        parley_domain::parse_id(&self.0).ok()
    }
}

/// Deserializes `null` as the default value. Clients send `"callIds": null` for "no
/// filter"; treating it as absent is what they mean.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

//! The action catalogue: every operation of the API as an action a person or an agent can
//! find by intent and run with JSON input.
//!
//! It is read from the server's OpenAPI document (`data/openapi.json`, a checked-in copy
//! of what `/openapi.json` serves; the server's tests fail when the two differ), so the
//! routes, their description and the actions cannot disagree: an action's key is its
//! operation's `operationId`, its name the summary, its input schema the operation's path
//! and query parameters and its JSON body's fields in one object, its output schema the
//! 200 answer's. `data/actions.toml` adds what the document does not hold: the names
//! other tools give the operations (so `"List email references"` finds
//! `get-data-for-email-address`) and everyday phrasings for the intent search.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::ClientError;

const OPENAPI: &str = include_str!("../data/openapi.json");
const EXTRAS: &str = include_str!("../data/actions.toml");

/// Where an input field goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Path,
    Query,
    /// A field of the JSON body.
    Body,
    /// The whole JSON body (when its schema is not an object of named fields).
    WholeBody,
}

/// One input field of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub place: Place,
    pub required: bool,
}

/// How a listing pages: Gong's `records.cursor`, sent back as `cursor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    /// The answer's array of items (`calls`, `users`…).
    pub items: String,
    /// Where the cursor goes on the next request.
    pub cursor_place: Place,
}

#[derive(Debug, Clone)]
pub struct Action {
    /// The operation's `operationId`, such as `list-calls`.
    pub key: String,
    /// One line: what it does.
    pub name: String,
    pub description: String,
    /// `GET`, `POST`…
    pub method: String,
    /// The path template, such as `/v2/calls/{id}`.
    pub path: String,
    pub tag: String,
    /// Names other tools give this operation.
    pub aliases: Vec<String>,
    /// Everyday phrasings of what it is for (for the intent search).
    pub phrases: Vec<String>,
    /// JSON Schema (2020-12) of the input: one object.
    pub input_schema: Value,
    /// JSON Schema of the 200 answer (`null` when the document gives none).
    pub output_schema: Value,
    pub fields: Vec<Field>,
    pub paging: Option<Paging>,
    /// Needs no credentials (signing in, OAuth, health).
    pub public: bool,
}

impl Action {
    /// The action as `action list --json` and the MCP server show it.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.key,
            "name": self.name,
            "description": self.description,
            "method": self.method,
            "path": self.path,
            "tag": self.tag,
            "aliases": self.aliases,
            "paged": self.paging.is_some(),
            "inputSchema": self.input_schema,
            "outputSchema": self.output_schema,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Extra {
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    say: Vec<String>,
}

/// Every action of the API.
#[derive(Debug)]
pub struct Catalogue {
    actions: Vec<Action>,
}

impl Catalogue {
    /// The catalogue of this build's API (parsed once).
    pub fn builtin() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| {
            // Both files are part of the build and checked by its tests.
            Catalogue::from_parts(OPENAPI, EXTRAS).expect("the built-in catalogue parses")
        })
    }

    /// The catalogue of an OpenAPI document and the extras file.
    pub fn from_parts(openapi: &str, extras: &str) -> Result<Catalogue, ClientError> {
        let doc: Value = serde_json::from_str(openapi)
            .map_err(|e| ClientError::Usage(format!("the openapi document: {e}")))?;
        let mut extras: BTreeMap<String, Extra> = toml::from_str(extras)
            .map_err(|e| ClientError::Usage(format!("the actions file: {e}")))?;
        let mut actions = Vec::new();
        let paths = doc.get("paths").and_then(Value::as_object);
        for (path, item) in paths.into_iter().flatten() {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                if !matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch") {
                    continue;
                }
                let Some(key) = op.get("operationId").and_then(Value::as_str) else {
                    continue;
                };
                let extra = extras.remove(key).unwrap_or_default();
                actions.push(action(&doc, path, method, op, key, extra));
            }
        }
        if let Some(key) = extras.keys().next() {
            return Err(ClientError::Usage(format!(
                "the actions file names {key}, which is no operation"
            )));
        }
        actions.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Catalogue { actions })
    }

    pub fn all(&self) -> &[Action] {
        &self.actions
    }

    /// The action of a key, or of a name or alias (any case).
    pub fn find(&self, id: &str) -> Option<&Action> {
        let id = id.trim();
        self.actions.iter().find(|a| a.key == id).or_else(|| {
            self.actions.iter().find(|a| {
                a.name.eq_ignore_ascii_case(id)
                    || a.aliases.iter().any(|n| n.eq_ignore_ascii_case(id))
            })
        })
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn action(doc: &Value, path: &str, method: &str, op: &Value, key: &str, extra: Extra) -> Action {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut fields = Vec::new();
    let mut defs = BTreeSet::new();
    let mut add = |name: &str, place: Place, schema: Value, req: bool, description: String| {
        let mut schema = schema;
        if !description.is_empty() {
            if let Some(o) = schema.as_object_mut() {
                o.entry("description").or_insert(Value::String(description));
            }
        }
        properties.insert(name.to_owned(), schema);
        if req {
            required.push(Value::String(name.to_owned()));
        }
        fields.retain(|f: &Field| f.name != name);
        fields.push(Field {
            name: name.to_owned(),
            place,
            required: req,
        });
    };
    for p in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let place = match p.get("in").and_then(Value::as_str) {
            Some("path") => Place::Path,
            Some("query") => Place::Query,
            _ => continue,
        };
        let schema = p.get("schema").cloned().unwrap_or(json!({}));
        refs_of(&schema, &mut defs);
        let req = place == Place::Path || p.get("required").and_then(Value::as_bool) == Some(true);
        add(&text(p, "name"), place, schema, req, text(p, "description"));
    }
    let body = op.pointer("/requestBody/content/application~1json/schema");
    let body_required = op.pointer("/requestBody/required").and_then(Value::as_bool) == Some(true);
    if let Some(schema) = body {
        refs_of(schema, &mut defs);
        let resolved = resolve(doc, schema);
        match resolved.get("properties").and_then(Value::as_object) {
            Some(props) if !props.is_empty() => {
                let req: Vec<&str> = resolved
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                for (name, s) in props {
                    refs_of(s, &mut defs);
                    // A body field wins over a query parameter of the same name (the
                    // cursor of Gong's POST listings goes in the body).
                    add(
                        name,
                        Place::Body,
                        s.clone(),
                        body_required && req.contains(&name.as_str()),
                        String::new(),
                    );
                }
            }
            _ => add(
                "body",
                Place::WholeBody,
                schema.clone(),
                body_required,
                "The request body.".into(),
            ),
        }
    }
    let mut input = json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        input["required"] = Value::Array(required);
    }
    attach_defs(doc, &mut input, defs);

    let answer = op
        .pointer("/responses/200/content/application~1json/schema")
        .or_else(|| op.pointer("/responses/201/content/application~1json/schema"));
    let mut output = answer.cloned().unwrap_or(Value::Null);
    let paging = answer.and_then(|a| paging_of(doc, a, &fields));
    if !output.is_null() {
        let mut defs = BTreeSet::new();
        refs_of(&output, &mut defs);
        attach_defs(doc, &mut output, defs);
    }
    let public = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(Map::is_empty)));
    let summary = text(op, "summary");
    Action {
        key: key.to_owned(),
        name: if summary.is_empty() {
            key.replace('-', " ")
        } else {
            summary
        },
        description: text(op, "description"),
        method: method.to_uppercase(),
        path: path.to_owned(),
        tag: op
            .pointer("/tags/0")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        aliases: extra.aliases,
        phrases: extra.say,
        input_schema: input,
        output_schema: output,
        fields,
        paging,
        public,
    }
}

/// A listing pages when its answer has Gong's `records` and an array of items, and its
/// input takes a `cursor`.
fn paging_of(doc: &Value, answer: &Value, fields: &[Field]) -> Option<Paging> {
    let cursor = fields.iter().find(|f| f.name == "cursor")?;
    let answer = resolve(doc, answer);
    let props = answer.get("properties")?.as_object()?;
    props.get("records")?;
    let items = props.iter().find_map(|(name, s)| {
        let s = resolve(doc, s);
        let is_array = match s.get("type") {
            Some(Value::String(t)) => t == "array",
            Some(Value::Array(ts)) => ts.iter().any(|t| t == "array"),
            _ => false,
        };
        is_array.then(|| name.clone())
    })?;
    Some(Paging {
        items,
        cursor_place: cursor.place,
    })
}

/// A schema with its top `$ref` followed (once is enough for the document's shapes).
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let mut s = schema;
    for _ in 0..8 {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                Some(target) => s = target,
                None => return s,
            },
            None => return s,
        }
    }
    s
}

/// The component schemas a schema refers to, directly.
fn refs_of(schema: &Value, out: &mut BTreeSet<String>) {
    match schema {
        Value::Object(o) => {
            if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                if let Some(name) = r.strip_prefix("#/components/schemas/") {
                    out.insert(name.to_owned());
                }
            }
            for v in o.values() {
                refs_of(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs_of(v, out)),
        _ => {}
    }
}

/// Makes `schema` stand alone: the component schemas it uses, and the ones they use, go
/// into its `$defs`, and every reference points there.
fn attach_defs(doc: &Value, schema: &mut Value, mut todo: BTreeSet<String>) {
    let mut defs = Map::new();
    while let Some(name) = todo.pop_first() {
        if defs.contains_key(&name) {
            continue;
        }
        let Some(s) = doc.pointer(&format!("/components/schemas/{name}")) else {
            continue;
        };
        let mut found = BTreeSet::new();
        refs_of(s, &mut found);
        todo.extend(found.into_iter().filter(|n| !defs.contains_key(n)));
        defs.insert(name, s.clone());
    }
    if defs.is_empty() {
        return;
    }
    rewrite_refs(schema);
    let mut defs = Value::Object(defs);
    rewrite_refs(&mut defs);
    if let Some(o) = schema.as_object_mut() {
        o.insert("$defs".into(), defs);
    }
}

fn rewrite_refs(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get_mut("$ref") {
                if let Some(name) = r.strip_prefix("#/components/schemas/") {
                    *r = format!("#/$defs/{name}");
                }
            }
            o.values_mut().for_each(rewrite_refs);
        }
        Value::Array(a) => a.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

//! `/docs/api`: the OpenAPI document as one readable HTML page, rendered on the server
//! from the document itself (no script, nothing fetched from elsewhere: it works on a
//! closed network and says exactly what `/openapi.json` says).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;
use utoipa::openapi::OpenApi;

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1d2330}\
code,pre{font:13px ui-monospace,monospace}h2{border-bottom:1px solid #ddd;margin-top:2.5rem}\
.op{margin:1rem 0 1.5rem;padding:.5rem 1rem;border-left:4px solid #5b6ee1;background:#f7f8fc}\
.m{display:inline-block;min-width:4.5rem;font-weight:700}table{border-collapse:collapse;margin:.3rem 0}\
td,th{border:1px solid #ddd;padding:.15rem .5rem;text-align:left;vertical-align:top}\
nav a{margin-right:.8rem}.key{color:#666}";

/// HTML-escapes text for element content and attribute values (the OAuth consent page
/// uses it too).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A schema in a word or two: its component's name, or its type.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", escape(name));
    }
    if let Some(all) = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .or_else(|| schema.get("allOf"))
        .and_then(Value::as_array)
    {
        return all.iter().map(type_of).collect::<Vec<_>>().join(" | ");
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "any".to_owned(),
    };
    let ty = if ty.starts_with("array") {
        let items = schema.get("items").map(type_of).unwrap_or_default();
        ty.replacen("array", &format!("array of {items}"), 1)
    } else {
        escape(&ty)
    };
    let mut extra = Vec::new();
    if let Some(f) = schema.get("format").and_then(Value::as_str) {
        extra.push(escape(f));
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = e.iter().map(|v| escape(&v.to_string())).collect();
        extra.push(format!("one of {}", values.join(", ")));
    }
    if extra.is_empty() {
        ty
    } else {
        format!("{ty} ({})", extra.join("; "))
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .map(escape)
        .unwrap_or_default()
}

fn operation(out: &mut String, method: &str, path: &str, op: &Value) {
    let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
    let _ = write!(
        out,
        "<div class=\"op\" id=\"op-{}\"><div><span class=\"m\">{}</span><code>{}</code> \
         <span class=\"key\">action <code>{}</code></span></div>",
        escape(id),
        method.to_uppercase(),
        escape(path),
        escape(id)
    );
    let summary = text(op, "summary");
    let description = text(op, "description");
    if !summary.is_empty() {
        let _ = write!(out, "<p><b>{summary}</b></p>");
    }
    if !description.is_empty() && description != summary {
        let _ = write!(out, "<p>{}</p>", description.replace("\n\n", "</p><p>"));
    }
    if let Some(params) = op.get("parameters").and_then(Value::as_array) {
        out.push_str(
            "<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>",
        );
        for p in params {
            let required = p.get("required").and_then(Value::as_bool) == Some(true);
            let _ = write!(
                out,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                text(p, "name"),
                if required { " (required)" } else { "" },
                text(p, "in"),
                p.get("schema").map(type_of).unwrap_or_default(),
                text(p, "description"),
            );
        }
        out.push_str("</table>");
    }
    if let Some(content) = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
    {
        for (media, body) in content {
            let _ = write!(
                out,
                "<p>Body ({}): {}</p>",
                escape(media),
                body.get("schema").map(type_of).unwrap_or_default()
            );
        }
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        out.push_str("<table><tr><th>status</th><th>answer</th></tr>");
        for (status, r) in responses {
            let schema = r
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.values().next())
                .and_then(|c| c.get("schema"))
                .map(type_of)
                .unwrap_or_default();
            let what = if r.get("$ref").is_some() {
                "Gong's error body".to_owned()
            } else {
                text(r, "description")
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{what} {schema}</td></tr>",
                escape(status)
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</div>");
}

/// The page for `doc`.
pub fn render(doc: &OpenApi) -> String {
    let doc = serde_json::to_value(doc).unwrap_or(Value::Null);
    let mut by_tag: BTreeMap<String, Vec<(String, String, Value)>> = BTreeMap::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let tag = op
                    .pointer("/tags/0")
                    .and_then(Value::as_str)
                    .unwrap_or("Other")
                    .to_owned();
                by_tag
                    .entry(tag)
                    .or_default()
                    .push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("API");
    let mut out = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0} reference</title>\
         <style>{STYLE}</style></head><body><h1>{0} reference</h1><p>{1}</p>\
         <p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI {2}).</p><nav>",
        escape(title),
        doc.pointer("/info/description").and_then(Value::as_str).map(escape).unwrap_or_default(),
        doc.get("openapi").and_then(Value::as_str).map(escape).unwrap_or_default(),
    );
    for tag in by_tag.keys() {
        let _ = write!(out, "<a href=\"#tag-{0}\">{0}</a>", escape(tag));
    }
    out.push_str("<a href=\"#schemas\">Schemas</a></nav>");
    for (tag, ops) in &by_tag {
        let _ = write!(out, "<h2 id=\"tag-{0}\">{0}</h2>", escape(tag));
        for (method, path, op) in ops {
            operation(&mut out, method, path, op);
        }
    }
    out.push_str("<h2 id=\"schemas\">Schemas</h2>");
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            let _ = write!(
                out,
                "<h3 id=\"schema-{0}\">{0}</h3><p>{1}</p>",
                escape(name),
                text(schema, "description")
            );
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            match schema.get("properties").and_then(Value::as_object) {
                Some(props) => {
                    out.push_str("<table><tr><th>field</th><th>type</th><th>description</th></tr>");
                    for (field, p) in props {
                        let _ = write!(
                            out,
                            "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                            escape(field),
                            if required.contains(&field.as_str()) {
                                " (always)"
                            } else {
                                ""
                            },
                            type_of(p),
                            text(p, "description"),
                        );
                    }
                    out.push_str("</table>");
                }
                None => {
                    let _ = write!(out, "<p>{}</p>", type_of(schema));
                }
            }
        }
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_the_document_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn the_page_lists_every_operation_and_schema() {
        let doc = crate::openapi::document();
        let page = render(doc);
        let value = serde_json::to_value(doc).unwrap();
        for (path, item) in value["paths"].as_object().unwrap() {
            for op in item.as_object().unwrap().values() {
                let id = op["operationId"].as_str().unwrap();
                assert!(
                    page.contains(&format!("id=\"op-{id}\"")),
                    "{path}: {id} missing"
                );
            }
        }
        for name in value["components"]["schemas"].as_object().unwrap().keys() {
            assert!(
                page.contains(&format!("id=\"schema-{name}\"")),
                "{name} missing"
            );
        }
    }
}

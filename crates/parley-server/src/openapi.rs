//! The OpenAPI 3.1 description of every route, generated from the code: each handler
//! carries its operation (`#[utoipa::path]`: method, path, parameters, bodies, the action
//! key as `operationId`), each wire type its schema (`utoipa::ToSchema`, in
//! `gong_api_v2`), and this module gathers them, adds what every operation shares (the
//! security schemes, Gong's error body for every error status) and serves the result at
//! `/openapi.json`, with a readable page at `/docs/api`.
//!
//! The action catalogue of `parley-client` is read from the same document (a copy
//! checked in as `crates/parley-client/data/openapi.json`; a test fails when the copy and
//! this module's output differ), so the API, its description and the actions cannot
//! disagree.
//!
//! Architecture Invariant: every route of `auth::operations::ROUTES` and every public
//! route has exactly one operation here, and nothing else does (tested).

use std::sync::OnceLock;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response as ApiResponse, ResponseBuilder};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, Required};
use utoipa::OpenApi;

use crate::routes;
use crate::AppState;

/// The error answers every operation may give, by their component names: (status, name,
/// what it means). An operation that declares a status itself keeps its own wording.
const ERRORS: &[(&str, &str, &str)] = &[
    (
        "400",
        "BadRequest",
        "The request is malformed; `errors` names the field.",
    ),
    (
        "401",
        "Unauthorized",
        "No valid credentials, or the key or token lacks the operation's scope.",
    ),
    (
        "403",
        "Forbidden",
        "The caller's role, permission profile or workspace does not allow this.",
    ),
    (
        "429",
        "TooManyRequests",
        "Too many requests; wait for `Retry-After` seconds.",
    ),
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parley API",
        description = "Gong's public REST API v2 (`/v2`) as Parley serves it, and Parley's own \
                       API (`/parley/v1`). Authenticate with an access key and secret (HTTP \
                       Basic) or a bearer token (OAuth, or a session's).",
        license(name = "AGPL-3.0-or-later"),
    ),
    components(schemas(gong_api_v2::ErrorBody)),
    security(("basicAuth" = []), ("bearerAuth" = []))
)]
struct ApiDoc;

/// The document, built once.
pub fn document() -> &'static Document {
    static DOC: OnceLock<Document> = OnceLock::new();
    DOC.get_or_init(build)
}

/// The document as served: pretty JSON with a final newline (the checked-in copy is
/// byte-for-byte this).
pub fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        // A document of strings, maps and numbers: serialising it cannot fail.
        let mut s = serde_json::to_string_pretty(document()).unwrap_or_default();
        s.push('\n');
        s
    })
}

/// Every module's part of the document.
fn parts() -> Vec<Document> {
    let mut parts = routes::v2::openapi_parts();
    parts.extend(routes::parley::openapi_parts());
    parts.extend([
        routes::oauth::Doc::openapi(),
        routes::mcp::Doc::openapi(),
        Doc::openapi(),
        crate::HealthDoc::openapi(),
    ]);
    parts
}

/// The component schemas two parts name alike but describe differently: merging keeps
/// one, so the other's operations would point at the wrong shape (two wire types of one
/// name in different modules; `#[schema(as = …)]` tells them apart). Empty, or a test fails.
pub fn clashing_schemas() -> Vec<String> {
    let mut seen: std::collections::BTreeMap<String, serde_json::Value> = Default::default();
    let mut clashes = Vec::new();
    for part in parts() {
        for (name, schema) in part.components.iter().flat_map(|c| &c.schemas) {
            let schema = serde_json::to_value(schema).unwrap_or_default();
            match seen.get(name) {
                Some(other) if *other != schema => clashes.push(name.clone()),
                Some(_) => {}
                None => {
                    seen.insert(name.clone(), schema);
                }
            }
        }
    }
    clashes.sort();
    clashes.dedup();
    clashes
}

fn build() -> Document {
    let mut doc = ApiDoc::openapi();
    for part in parts() {
        doc.merge(part);
    }
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "basicAuth",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Basic)
                .description(Some(
                    "An access key as the user name, its secret as the password.",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        "bearerAuth",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "An OAuth access token (or a signed-in session's token).",
                ))
                .build(),
        ),
    );
    components.responses.insert(
        "Error".to_owned(),
        RefOr::T(error_response("Gong's error body.")),
    );
    for (_, name, why) in ERRORS {
        components
            .responses
            .insert((*name).to_owned(), RefOr::T(error_response(why)));
    }
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            optional_body(op);
            add_errors(op);
        }
    }
    doc
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
        item.head.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// A body declared `Option<T>` may be left out, not sent as `null` (handlers read an
/// empty body as `{}` and refuse `null`): its schema is `T`'s, and it is not required.
fn optional_body(op: &mut Operation) {
    let Some(body) = op.request_body.as_mut() else {
        return;
    };
    let is_null = |s: &RefOr<Schema>| {
        serde_json::to_value(s).is_ok_and(|v| v == serde_json::json!({"type": "null"}))
    };
    let mut optional = false;
    for content in body.content.values_mut() {
        if let Some(RefOr::T(Schema::OneOf(one))) = &content.schema {
            if one.items.len() == 2 && one.items.iter().any(is_null) {
                content.schema = one.items.iter().find(|s| !is_null(s)).cloned();
                optional = true;
            }
        }
    }
    if optional {
        body.required = Some(Required::False);
    }
}

fn error_response(description: &str) -> ApiResponse {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

/// Every operation answers errors with Gong's body; the ones that need credentials can
/// also be refused for them. An operation that names its own error keeps its wording.
fn add_errors(op: &mut Operation) {
    // `security: []` or `[{}]` on an operation: it takes no credentials.
    let public = op.security.as_ref().is_some_and(|s| {
        serde_json::to_value(s).is_ok_and(|v| {
            v.as_array().is_some_and(|a| {
                a.iter()
                    .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
            })
        })
    });
    for (status, name, _) in ERRORS {
        if public && matches!(*status, "401" | "403") {
            continue;
        }
        op.responses
            .responses
            .entry((*status).to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
    }
    op.responses
        .responses
        .entry("default".to_owned())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name("Error")));
}

/// `/openapi.json` and `/docs/api`: any signed-in caller may read them.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/docs/api", get(docs_page))
}

/// The OpenAPI document of this server's API.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "get-openapi-document",
    tag = "API description",
    responses((status = 200, description = "The OpenAPI 3.1 document.", content_type = "application/json", body = Object))
)]
async fn openapi_json() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        json(),
    )
        .into_response()
}

/// The API's reference as a web page.
#[utoipa::path(
    get,
    path = "/docs/api",
    operation_id = "get-api-docs-page",
    tag = "API description",
    responses((status = 200, description = "The reference page.", content_type = "text/html", body = String))
)]
async fn docs_page() -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    let page = PAGE.get_or_init(|| crate::openapi_page::render(document()));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page.as_str(),
    )
        .into_response()
}

/// This module's operations in the document.
#[derive(OpenApi)]
#[openapi(paths(openapi_json, docs_page))]
pub struct Doc;

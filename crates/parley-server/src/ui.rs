//! The web UI: the single-page app that `web/` builds into `web/dist/` (see `docs/ui.md`),
//! served at `/` from the server's own binary.
//!
//! A release build embeds `web/dist/` (rust-embed); a debug build reads it from disk when
//! asked, so `npm run build` shows up without recompiling. When it was never built, the
//! server still builds and runs: `/` answers a short page that says how to build the UI.
//!
//! What is answered how:
//! - a GET (or HEAD) of a path under [`API_PREFIXES`] never reaches this module: those are
//!   the API's, and an unknown one stays Gong's JSON 404 ([`crate::app`]'s fallback);
//! - `/_app/immutable/…`: the hashed build output, cached for a year as `immutable`; a
//!   missing one is a 404, never the app's shell (a stale tab must see the failure);
//! - another file of `dist/` (`favicon.svg`, `_app/version.json`): `no-cache`;
//! - any other path: `index.html`, `no-store`, and the SPA's router takes it from there
//!   (`/calls/12`, `/call?id=12`, `/sign-in`).
//!
//! Architecture Invariant: the UI is static files and nothing else. Its pages talk to the
//! server only through the JSON API (`/v2`, `/parley/v1`) with the same authentication
//! and authorisation as any client; no route here reads the store or knows a user. That
//! is also why these routes are public and are not operations of the OpenAPI document
//! (`tests/openapi.rs` checks that every documented path is under [`API_PREFIXES`]).

use std::borrow::Cow;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// `web/dist/`, built by `npm run build` in `web/`.
#[derive(rust_embed::Embed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Dist;

/// The paths that belong to the API (and their subpaths): never the UI's, so an unknown
/// one is a JSON 404 rather than the app's shell.
pub const API_PREFIXES: &[&str] = &[
    "/v2",
    "/parley",
    "/oauth2",
    "/mcp",
    "/openapi.json",
    "/docs",
    "/health",
];

/// Whether `path` is one of the API's (a prefix of [`API_PREFIXES`], whole segments only).
pub fn is_api_path(path: &str) -> bool {
    API_PREFIXES.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// What the server adds to the page's own policy (`index.html` carries the script and
/// style policy in a meta tag, with the hash of the build's inline bootstrap; a meta tag
/// cannot carry `frame-ancestors`).
pub const CSP: &str =
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

/// Where the hashed build output lives (`Cache-Control: immutable`).
const IMMUTABLE: &str = "/_app/immutable/";

/// Whether the UI was built into (or, in a debug build, is present for) this server.
pub fn built() -> bool {
    Dist::get("index.html").is_some()
}

/// Answers a GET or HEAD of a non-API path; anything else is `None` (the caller's 404).
pub fn answer(req: &Request) -> Option<Response> {
    if !matches!(*req.method(), Method::GET | Method::HEAD) || is_api_path(req.uri().path()) {
        return None;
    }
    let path = req.uri().path();
    let name = path.trim_start_matches('/');
    let safe = !name
        .split('/')
        .any(|s| s == ".." || s == "." || s.contains('\\'));
    if safe && !name.is_empty() {
        if let Some(file) = Dist::get(name) {
            let cache = if path.starts_with(IMMUTABLE) {
                "public, max-age=31536000, immutable"
            } else if name == "index.html" {
                "no-store"
            } else {
                "no-cache"
            };
            return Some(file_response(name, file.data, cache));
        }
    }
    if path.starts_with("/_app/") {
        return Some(ApiError::not_found(format!("no such file: {path}")).into_response());
    }
    Some(match Dist::get("index.html") {
        Some(file) => file_response("index.html", file.data, "no-store"),
        None => not_built(),
    })
}

fn file_response(name: &str, data: Cow<'static, [u8]>, cache: &'static str) -> Response {
    let body = match data {
        Cow::Borrowed(b) => Body::from(Bytes::from_static(b)),
        Cow::Owned(v) => Body::from(v),
    };
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(name)),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    secure(resp)
}

/// The headers every answer of the UI carries.
fn secure(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}

/// The media type of a file of `dist/`, by its extension.
pub fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// The answer at `/` when `web/dist` was not built: a short page saying how to build it.
fn not_built() -> Response {
    let text = "Parley's web UI was not built into this server.\n\n\
        Build it (Node 20.19 or later), then rebuild and restart the server:\n\n    \
        cd web && npm ci && npm run build\n    cargo build --release -p parley\n\n\
        scripts/setup.sh does this when Node and npm are installed.\n\
        The API works without it: /v2 and /parley/v1 (reference at /docs/api).\n";
    let mut resp = (StatusCode::SERVICE_UNAVAILABLE, text).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    secure(resp)
}

/// The names of the files of `dist/` (the tests fetch each).
pub fn files() -> Vec<String> {
    Dist::iter().map(|f| f.into_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_are_whole_segments() {
        for p in [
            "/v2",
            "/v2/calls",
            "/parley/v1/session",
            "/oauth2/authorize",
            "/mcp",
            "/openapi.json",
            "/docs/api",
            "/health",
        ] {
            assert!(is_api_path(p), "{p}");
        }
        for p in [
            "/",
            "/calls",
            "/calls/12",
            "/call",
            "/v2x",
            "/parleyx",
            "/healthz",
            "/_app/x.js",
        ] {
            assert!(!is_api_path(p), "{p}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("_app/immutable/a.B1.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("x.CSS"), "text/css; charset=utf-8");
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}

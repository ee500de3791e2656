//! The HTTP routes: one module per API (`v2`: Gong's; `parley`: Parley's own under
//! `/parley/v1`) and resource, and what they share (`extract`).
//!
//! Architecture Invariant: a route module extracts and checks what the request says,
//! authorises it, calls `parley_app` (or reads the `Store` to render), and renders the
//! answer with `gong_api_v2` (or Parley's own camelCase views). Rules live in
//! `parley_app`; a route that needs one that is not there adds it there.

use axum::Router;

use crate::AppState;

pub mod extract;
pub mod mcp;
pub mod oauth;
pub mod parley;
pub mod v2;

/// The routes that need no credentials (signing in, redeeming a password reset, the
/// OAuth endpoints): they are how one gets some. A recording's URL is here too: it
/// carries a signature instead, and checks credentials itself when it has none.
pub fn public_routes() -> Router<AppState> {
    parley::session::public_routes()
        .merge(parley::setup::public_routes())
        .merge(oauth::routes())
        .merge(parley::media::public_routes())
        .merge(parley::shares::public_routes())
}

/// Every authenticated route.
pub fn routes(state: &AppState) -> Router<AppState> {
    v2::routes(state)
        .merge(parley::routes(state))
        .merge(crate::openapi::routes())
        .merge(mcp::routes())
}

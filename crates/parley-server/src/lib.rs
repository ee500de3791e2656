//! Parley's HTTP server.
//!
//! [`app`] builds the axum router over an [`AppState`]; [`serve`] runs it on a listener
//! until a shutdown future completes, so tests bind port 0 and stop it at will.
//!
//! Architecture Invariant: handlers never build SQL and never spell Gong field names;
//! they decode with `gong_api_v2`, call `parley_app` or the `Store`, and encode with
//! `gong_api_v2`. Every response body of the API, error or not, carries the request id
//! that the `x-traceid` header also carries. The web UI's static files ([`ui`]) are the
//! only other answers, for GETs outside the API's paths.

#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
mod bounds;
mod call_cache;
pub mod config;
pub mod cursor;
pub mod error;
pub mod media_url;
pub mod openapi;
mod openapi_page;
mod page_body;
mod routes;
pub mod ui;

pub use routes::v2::calls::WebhookRenderer;
pub use routes::v2::privacy::{email_answer, phone_answer};

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;

use gong_api_v2::calls::RenderCtx;
use parley_store::Store;

use crate::auth::{FailureLog, KeyCache, Limits, MediaLimit, Rates, Usage};
pub use crate::config::{RateLimit, RateLimitScope, ServerConfig};
use crate::cursor::CursorCodec;
use crate::error::{new_request_id, with_request_id, ApiError};

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<ServerConfig>,
    pub render: Arc<RenderCtx>,
    pub cursors: CursorCodec,
    pub keys: Arc<KeyCache>,
    pub limits: Arc<Limits>,
    /// Recording requests per key or client address (`Limits::media_requests_per_minute`).
    pub media_limit: Arc<MediaLimit>,
    /// Rejected credentials, logged without flooding.
    pub failures: Arc<FailureLog>,
    /// When each key was last recorded as used.
    pub usage: Arc<Usage>,
    pub blobs: parley_blob::BlobStore,
    /// Calls already rendered for `GET /v2/calls`, by row version.
    pub calls: Arc<call_cache::CallCache>,
    /// The audit log's recorder (`audit::record` feeds it).
    pub audit: parley_app::audit::AuditLog,
    /// Signs and checks recording URLs.
    pub media_urls: Arc<media_url::MediaSigner>,
    /// The webhook signing key, for its public half (`/parley/v1/automation/public-key`).
    pub webhook_keys: Arc<parley_app::webhooks::SigningKeys>,
}

impl AppState {
    /// Prepares the state: the default workspace and the shared cursor key.
    pub async fn new(store: Arc<dyn Store>, config: ServerConfig) -> Result<AppState, StartError> {
        parley_app::workspaces::ensure_default_workspace(store.as_ref()).await?;
        let fresh: [u8; 32] = rand::random();
        let cursor_key = store.server_secret("cursor-hmac", fresh.to_vec()).await?;
        let fresh: [u8; 32] = rand::random();
        let media_key = store
            .server_secret("media-url-hmac", fresh.to_vec())
            .await?;
        let media_urls = Arc::new(media_url::MediaSigner::new(
            media_key,
            config.media_url_hours,
            &config.public_url,
        ));
        let render = RenderCtx {
            tz: config.timezone,
            call_url_prefix: format!("{}/call?id=", config.public_url.trim_end_matches('/')),
        };
        let blobs = parley_blob::BlobStore::open(&config.media_url)?;
        // Uploads left half-received by a crashed process go before this one adds its own.
        let work_dir = config.work_dir.clone();
        tokio::task::spawn_blocking(move || parley_app::workdir::prepare(&work_dir))
            .await
            .map_err(|e| StartError::WorkDir(std::io::Error::other(e)))?
            .map_err(StartError::WorkDir)?;
        let audit = parley_app::audit::AuditLog::start(store.clone(), config.audit.clone());
        let rates = match config.rate_limit_scope {
            RateLimitScope::Node => Rates::node(),
            RateLimitScope::Shared => Rates::shared(store.clone()).await?,
        };
        tracing::info!(
            scope = rates.scope().name(),
            "rate limits and throttles counted"
        );
        let calls = Arc::new(call_cache::CallCache::new(
            config.call_cache_entries,
            config.call_cache_bytes,
        ));
        call_cache::CallCache::watch_erasures(&calls, store.clone(), Duration::from_secs(5));
        Ok(AppState {
            blobs,
            store,
            keys: Arc::new(KeyCache::new(
                Duration::from_secs(config.key_recheck_secs),
                rates.clone(),
            )),
            media_limit: MediaLimit::new(config.limits.media_requests_per_minute, rates.clone()),
            limits: Limits::new(config.rate_limit, rates),
            failures: Arc::new(FailureLog::default()),
            usage: Arc::new(Usage::default()),
            render: Arc::new(render),
            cursors: CursorCodec::new(cursor_key),
            calls,
            audit,
            media_urls,
            webhook_keys: Arc::new(parley_app::webhooks::SigningKeys::new(
                config.webhook_key_file.clone(),
            )),
            config: Arc::new(config),
        })
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] parley_store::StoreError),
    #[error(transparent)]
    Media(#[from] parley_blob::BlobError),
    #[error("preparing the work folder: {0}")]
    WorkDir(#[source] std::io::Error),
}

/// Gives every request an id, served in `x-traceid` and in the body.
async fn request_id_layer(req: Request, next: Next) -> Response {
    let id = new_request_id();
    let method = req.method().clone();
    // A shared link's token is a credential: cut out of the path before it is logged.
    let path = routes::parley::shares::loggable_path(req.uri().path()).into_owned();
    let started = std::time::Instant::now();
    let mut resp = with_request_id(id.clone(), next.run(req)).await;
    tracing::debug!(
        request_id = %id, %method, path = %path, status = resp.status().as_u16(),
        micros = started.elapsed().as_micros() as u64, "request"
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-traceid", v);
    }
    resp
}

/// The answer of `GET /health`.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Health {
    /// `ok`.
    #[schema(value_type = String, pattern = "^ok$")]
    status: &'static str,
}

/// Check that the server is up.
///
/// Answers `{"status": "ok"}` while the server runs; needs no credentials (for load
/// balancers and probes).
#[utoipa::path(
    get,
    path = "/health",
    operation_id = "get-health",
    tag = "Health",
    security(()),
    responses((status = 200, description = "The server is up.", body = Health))
)]
async fn health() -> Response {
    error::json_response(StatusCode::OK, &Health { status: "ok" })
}

/// `GET /health` in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(health))]
pub(crate) struct HealthDoc;

/// What no route answers: a page of the web UI (`ui`, for a GET outside the API's
/// paths), else Gong's JSON 404.
async fn not_found(req: Request) -> Response {
    if let Some(page) = ui::answer(&req) {
        return page;
    }
    ApiError::not_found(format!(
        "no such endpoint: {} {}",
        req.method(),
        req.uri().path()
    ))
    .into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        gong_api_v2::messages::METHOD_NOT_ALLOWED,
    )
    .into_response()
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    ApiError::internal().into_response()
}

/// The authenticated routes' stack. Layers run outermost last-added: `audit::record`
/// wraps `require_key`, which wraps `audit::pass_caller` (see `audit` for why there are
/// two), which wraps a panic catcher of its own: a handler that panics is answered 500
/// there, inside the audit layers, so a write that panicked is still recorded (the outer
/// catcher in [`app`] covers the middleware).
fn guarded(routes: Router<AppState>, state: &AppState) -> Router<AppState> {
    routes
        .route_layer(CatchPanicLayer::custom(panic_response))
        .route_layer(middleware::from_fn(audit::pass_caller))
        .layer(DefaultBodyLimit::max(state.config.max_json_bytes))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_key,
        ))
        .route_layer(middleware::from_fn_with_state(state.clone(), audit::record))
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let authed = guarded(routes::routes(&state), &state);
    Router::new()
        .route("/health", get(health))
        .merge(routes::public_routes())
        .merge(authed)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(
            Duration::from_secs(config.request_timeout_secs),
            bounds::request_timeout,
        ))
        .layer(middleware::from_fn_with_state(
            Duration::from_secs(config.body_read_timeout_secs),
            bounds::body_timeout,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::new(tokio::sync::Semaphore::new(config.max_requests_in_flight)),
            bounds::in_flight_cap,
        ))
        .layer(middleware::from_fn(request_id_layer))
}

/// Serves `app` on `listener` until `shutdown` completes, then waits for the requests
/// in progress.
///
/// Not `axum::serve`: it sets no header-read timeout (hyper has one, but only with a
/// timer) and takes every connection offered. Here a client has
/// `header_read_timeout_secs` to send its headers, and at most `max_connections` are
/// open: past that the server stops accepting until one closes (the kernel's backlog
/// holds the rest), so half-open connections cannot pile up.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;

    let connections = Arc::new(tokio::sync::Semaphore::new(state.config.max_connections));
    let header_timeout = Duration::from_secs(state.config.header_read_timeout_secs);
    let audit = state.audit.clone();
    let app = app(state);
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = connections.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    // Out of descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // The peer's address: credential throttles are per source, and the audit log
        // records it as the client's.
        let service = TowerToHyperService::new(
            tower::ServiceBuilder::new()
                .map_request(move |mut req: axum::http::Request<_>| {
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    req
                })
                .service(app.clone()),
        );
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    // Key use is summed in memory between flushes: write it before the process ends.
    audit.flush().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use base64::Engine;
    use parley_domain::AuditAction;
    use parley_store::AuditFilter;
    use tower::ServiceExt;

    use super::*;

    /// A write whose handler panics is answered with Gong's 500 and still recorded in the
    /// audit log with its caller and status (no route panics today, so one is made here).
    #[tokio::test]
    async fn a_write_that_panics_is_answered_500_and_audited() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let store = parley_app::storage::open(&url).await.unwrap();
        let config = ServerConfig {
            rate_limit: RateLimit::OFF,
            ..ServerConfig::default()
        };
        let state = AppState::new(store.clone(), config).await.unwrap();
        let key =
            parley_app::keys::create_key(store.as_ref(), &parley_app::keys::KeySpec::full("tests"))
                .await
                .unwrap();
        let boom: Router<AppState> = Router::new().route(
            "/parley/v1/users",
            axum::routing::post(|| async {
                if true {
                    panic!("boom");
                }
            }),
        );
        let app = guarded(boom, &state).with_state(state.clone());
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", key.access_key, key.secret));
        let resp = app
            .oneshot(
                Request::post("/parley/v1/users")
                    .header(header::AUTHORIZATION, format!("Basic {basic}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        state.audit.flush().await;
        let entries = store
            .list_audit(
                &AuditFilter {
                    log: None,
                    from: None,
                    to: None,
                    newest_first: false,
                },
                None,
                10,
            )
            .await
            .unwrap();
        let write = entries
            .iter()
            .find(|e| e.entry.action == AuditAction::ApiWrite)
            .unwrap_or_else(|| panic!("no write recorded: {entries:?}"));
        assert_eq!(write.entry.outcome, parley_domain::Outcome::Status(500));
    }
}

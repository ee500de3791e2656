//! Bounds on requests as the server receives them: how many run at once, how long one
//! may take, and how long its body may stall. (Bounds on what a request asks for live
//! with the use cases, `parley_app::Limits`; on connections, in `serve`.)

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::timeout::TimeoutBody;

use crate::error::ApiError;

/// Refuses a request at once when `max_requests_in_flight` are being served: queueing it
/// would hold its memory for no one. (Not tower's `ConcurrencyLimit`: it queues, and its
/// service is not `Sync`, which axum 0.8's `Router::layer` needs.)
pub(crate) async fn in_flight_cap(
    State(slots): State<Arc<tokio::sync::Semaphore>>,
    req: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = slots.try_acquire_owned() else {
        tracing::warn!("request refused: max_requests_in_flight reached");
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is serving as many requests as it may (max_requests_in_flight): retry shortly",
        );
        e.retry_after = Some(1);
        return e.into_response();
    };
    next.run(req).await
}

/// Bounds a whole request, so a handler stuck on a client (or on the database) cannot
/// hold its slot forever. Recording uploads are exempt: they are long by nature, and
/// bounded by the body timeout and `max_media_bytes` instead.
pub(crate) async fn request_timeout(
    State(limit): State<Duration>,
    req: Request,
    next: Next,
) -> Response {
    let upload = req.method() == axum::http::Method::PUT && req.uri().path().ends_with("/media");
    if upload {
        return next.run(req).await;
    }
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            tracing::warn!(secs = limit.as_secs(), "request timed out");
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request took longer than {} s (request_timeout_secs)",
                    limit.as_secs()
                ),
            )
            .into_response()
        }
    }
}

/// Fails a body read that waits longer than `limit` for its next bytes (tower-http's
/// body timeout; the body extractors turn its error into a 408).
pub(crate) async fn body_timeout(
    State(limit): State<Duration>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(TimeoutBody::new(limit, body));
    next.run(Request::from_parts(parts, body)).await
}

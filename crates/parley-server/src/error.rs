//! Gong-shaped errors and the request id every response carries.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gong_api_v2::{messages, ErrorBody};
use parley_store::StoreError;
use rand::Rng;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// A fresh request id: 19 lowercase base-36 characters, like Gong's.
pub fn new_request_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::thread_rng();
    (0..19)
        .map(|_| ALPHABET[rng.gen_range(0..36)] as char)
        .collect()
}

/// The id of the request being served. Outside a request (tests, the CLI) a fresh one.
pub fn request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| new_request_id())
}

/// Runs `fut` with `id` as the current request id.
pub async fn with_request_id<F: std::future::Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// A client-visible failure: a status and Gong's `{requestId, errors}` body.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub errors: Vec<String>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            errors: vec![message.into()],
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn bad_request_all(errors: Vec<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            errors,
            retry_after: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn no_calls() -> Self {
        Self::not_found(messages::NO_CALLS_FOUND)
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, messages::INTERNAL)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            StoreError::NotFound(m) => ApiError::not_found(format!("{m} was not found")),
            other => {
                // Internals are logged, never shown to the client.
                tracing::error!(error = %other, "storage failure");
                ApiError::internal()
            }
        }
    }
}

/// The one place a use case's failure becomes Gong's error body: the caller's mistakes
/// keep their message and get their status; the server's own are logged and shown as
/// Gong's internal error, never with their detail.
impl From<parley_app::AppError> for ApiError {
    fn from(e: parley_app::AppError) -> Self {
        use parley_app::AppError as E;
        match e {
            E::Invalid(errors) => ApiError::bad_request_all(errors),
            E::NotFound(m) => ApiError::not_found(m),
            E::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            E::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, m),
            E::Denied(d) => d.into(),
            E::NotMedia(m) => ApiError::bad_request(m),
            E::Store(e) => e.into(),
            E::Internal(m) => {
                tracing::error!(error = %m, "internal failure");
                ApiError::internal()
            }
        }
    }
}

/// A missing scope is Gong's 401 naming the scope; a role or workspace the caller lacks
/// is a 403 that says which.
impl From<parley_app::access::Denied> for ApiError {
    fn from(d: parley_app::access::Denied) -> Self {
        use parley_app::access::Denied;
        match d {
            Denied::Scope(s) => ApiError::new(
                StatusCode::UNAUTHORIZED,
                gong_api_v2::messages::missing_scope(s.as_str()),
            ),
            other => ApiError::new(StatusCode::FORBIDDEN, other.to_string()),
        }
    }
}

/// Serialises a body as JSON with Gong's content type.
pub fn json_response<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut resp = (status, bytes).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json;charset=UTF-8"),
            );
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "response serialisation failed");
            ApiError::internal().into_response()
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            request_id: request_id(),
            errors: self.errors,
        };
        let mut resp = json_response(self.status, &body);
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// A successful JSON answer.
pub struct Wire<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Wire<T> {
    fn into_response(self) -> Response {
        json_response(StatusCode::OK, &self.0)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

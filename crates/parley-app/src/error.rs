//! The application error: what went wrong in a use case, in terms of the use case. The
//! HTTP crate turns it into Gong's error body in one place; the CLI prints it; a job
//! decides from it whether to retry.

use parley_store::StoreError;

/// Why a use case did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input breaks a rule; every problem found, each a sentence for the client.
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
    /// Something the request names does not exist (the message says what).
    #[error("{0}")]
    NotFound(String),
    /// The request clashes with what is stored (a taken email, a concurrent change).
    #[error("{0}")]
    Conflict(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The caller's credentials do not allow this operation (a scope, a role, a
    /// workspace).
    #[error(transparent)]
    Denied(#[from] crate::access::Denied),
    /// A file given as a recording is not media Parley can read (the message says why).
    #[error("{0}")]
    NotMedia(String),
    /// Storage failed; not the caller's fault. Shown to clients as an internal error.
    #[error(transparent)]
    Store(StoreError),
    /// Something else on the server failed (the media store, a worker thread); the
    /// message is for the operator's log, not for clients.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// One rule broken.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::Invalid(vec![message.into()])
    }

    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::NotFound(message.into())
    }

    pub fn internal(message: impl Into<String>) -> AppError {
        AppError::Internal(message.into())
    }

    /// The call named by a request does not exist, in Gong's words.
    pub fn call_not_found(call: impl std::fmt::Display) -> AppError {
        AppError::NotFound(gong_api_v2::messages::call_not_found(&call.to_string()))
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::NotFound(m) => AppError::NotFound(format!("{m} was not found")),
            other => AppError::Store(other),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_conflicts_and_misses_are_the_callers_and_the_rest_is_ours() {
        assert!(matches!(
            AppError::from(StoreError::Conflict("email taken".into())),
            AppError::Conflict(m) if m == "email taken"
        ));
        assert!(matches!(
            AppError::from(StoreError::NotFound("call 7".into())),
            AppError::NotFound(m) if m == "call 7 was not found"
        ));
        assert!(matches!(
            AppError::from(StoreError::LeaseLost(1)),
            AppError::Store(StoreError::LeaseLost(1))
        ));
        assert_eq!(
            AppError::Invalid(vec!["a".into(), "b".into()]).to_string(),
            "a; b"
        );
    }
}

//! The client side of Gong's public API v2 (and of any Parley, which speaks it): saved
//! connections ([`connection`]), the action catalogue read from the OpenAPI document
//! ([`catalogue`]), finding actions by intent ([`intent`]), running them with paging and
//! rate-limit waits ([`run`]), and raw requests ([`request`]). The `parley` binary's
//! `connection`, `action`, `request` and `mcp` commands are thin shells over this crate.
//!
//! Requests leave through `parley-outbound` like every other request Parley makes: pinned
//! addresses, no proxy from the environment, no redirect followed (a redirect would carry
//! the credentials elsewhere), bounded time and answer size.

pub mod catalogue;
pub mod connection;
pub mod intent;
pub mod mcp;
pub mod oauth;
pub mod request;
pub mod run;

pub use connection::{Connection, Connections, Credentials};
pub use request::{RawRequest, RequestBody};

/// What went wrong on the client side; messages are lowercase and never hold a secret.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The user's input: a flag, a name, a body.
    #[error("{0}")]
    Usage(String),
    /// The connections file could not be read or written.
    #[error("{0}")]
    File(String),
    /// No answer arrived (the network, the limits, a refused destination).
    #[error("{0}")]
    Transport(#[from] parley_outbound::FetchError),
    /// The connection's credentials could not be made usable (a failed token refresh).
    #[error("{0}")]
    Auth(String),
}

/// The process exit code for an answer's HTTP status, so that scripts can tell failures
/// apart: 0 success (2xx, 3xx), 3 authentication or permission (401, 403), 4 not found
/// (404), 5 rate limited (429), 6 server error (5xx), 1 any other client error. Usage
/// mistakes exit 2 and transport failures 7 ([`EXIT_USAGE`], [`EXIT_TRANSPORT`]).
pub fn exit_code(status: u16) -> i32 {
    match status {
        200..=399 => 0,
        401 | 403 => 3,
        404 => 4,
        429 => 5,
        500..=599 => 6,
        _ => 1,
    }
}

pub const EXIT_USAGE: i32 = 2;
pub const EXIT_AUTH: i32 = 3;
pub const EXIT_TRANSPORT: i32 = 7;

impl ClientError {
    /// The exit code of a command that failed before any answer.
    pub fn exit_code(&self) -> i32 {
        match self {
            ClientError::Usage(_) | ClientError::File(_) => EXIT_USAGE,
            ClientError::Auth(_) => EXIT_AUTH,
            ClientError::Transport(_) => EXIT_TRANSPORT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_tell_failures_apart() {
        assert_eq!(
            [200, 204, 302, 400, 401, 403, 404, 429, 500, 503].map(exit_code),
            [0, 0, 0, 1, 3, 3, 4, 5, 6, 6]
        );
    }
}

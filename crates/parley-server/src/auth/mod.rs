//! Every request but the public routes (`/health`, signing in, redeeming a password
//! reset, the OAuth endpoints) is authenticated here — a Basic key, an OAuth Bearer
//! token, or a session cookie with its CSRF token for changes — rate-limited, and authorised: the route's operation ([`operations`]) against
//! what the caller may do ([`parley_app::access::authorize`]). Handlers receive the
//! `parley_domain::Principal` to confine workspace data with.

pub mod credentials;
pub mod operations;
pub mod rate;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use gong_api_v2::messages;
use parley_domain::Principal;
use parley_store::RateQuota;
use subtle::ConstantTimeEq;

use crate::config::RateLimit;
use crate::error::ApiError;
use crate::AppState;

pub use credentials::{FailureLog, KeyCache, Verdict};
pub use rate::{Bucket, Rates};

/// The key a request was authenticated with, and the user it belongs to.
#[derive(Debug, Clone)]
pub struct Caller {
    pub access_key: String,
    pub user: Option<parley_domain::UserId>,
}

/// Reads `Authorization: Basic base64(key:secret)`.
pub(crate) fn basic_credentials(headers: &axum::http::HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (key, secret) = text.split_once(':')?;
    Some((key.to_owned(), secret.to_owned()))
}

/// Reads `Authorization: Bearer <token>`.
fn bearer_token(headers: &axum::http::HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// The answer to a Bearer token that is unknown, expired or revoked (RFC 6750 §3).
fn invalid_bearer() -> Response {
    let mut resp = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "Unauthorized: the access token is invalid, expired or revoked",
    )
    .into_response();
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer realm=\"parley\", error=\"invalid_token\""),
    );
    resp
}

/// The address the request came from, as the audit log records it (the peer, or behind
/// a trusted proxy the address it forwards: otherwise every client behind the proxy
/// would share one throttle); unspecified without connection info.
pub(crate) fn source_of(
    extensions: &axum::http::Extensions,
    headers: &axum::http::HeaderMap,
    trust_proxy: bool,
) -> IpAddr {
    crate::audit::client_ip(extensions, headers, trust_proxy)
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The 401 to a request without valid credentials. An API client is told to use Basic
/// (`WWW-Authenticate`); a browser page is not, since browsers answer that header with
/// their own login box, even for a script's `fetch`: a request that carries a session
/// cookie, or says it comes from a browser (`Sec-Fetch-Mode`), and sent no Basic key.
fn unauthorized(headers: &axum::http::HeaderMap) -> Response {
    let mut resp = ApiError::new(StatusCode::UNAUTHORIZED, messages::UNAUTHORIZED).into_response();
    let from_browser = headers.get(header::AUTHORIZATION).is_none()
        && (session_token(headers).is_some() || headers.contains_key("sec-fetch-mode"));
    if !from_browser {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Basic realm=\"parley\""),
        );
    }
    resp
}

pub(crate) fn too_many(retry_after: u64) -> Response {
    let mut err = ApiError::new(StatusCode::TOO_MANY_REQUESTS, messages::RATE_LIMITED);
    err.retry_after = Some(retry_after);
    err.into_response()
}

/// The cookie a signed-in user's session token travels in.
pub const SESSION_COOKIE: &str = "parley_session";
/// The header a session's CSRF token must come back in on every change.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session token of the request's cookie, if any.
pub fn session_token(req_headers: &axum::http::HeaderMap) -> Option<String> {
    req_headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_owned())
        })
}

/// Who a request is: its Basic key or Bearer token, else its session cookie (with the
/// CSRF check for changes). `Err` is the answer to send instead.
async fn authenticate(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    method: &Method,
    source: IpAddr,
) -> Result<(Principal, String), Response> {
    if let Some((access_key, secret)) = basic_credentials(headers) {
        let record = match state
            .keys
            .verify(state.store.as_ref(), &access_key, &secret, source)
            .await
        {
            Ok(Verdict::Valid(record)) => record,
            Ok(Verdict::Invalid) => {
                state.failures.rejected(&access_key, source, false);
                return Err(unauthorized(headers));
            }
            Ok(Verdict::Throttled(retry_after)) => {
                state.failures.rejected(&access_key, source, true);
                return Err(too_many(retry_after));
            }
            Err(e) => return Err(e.into_response()),
        };
        let principal = parley_app::keys::principal_of(state.store.as_ref(), &record)
            .await
            .map_err(|e| ApiError::from(e).into_response())?;
        state.usage.touch(state, &access_key);
        return Ok((principal, access_key));
    }
    if let Some(token) = bearer_token(headers) {
        // Tokens are 256-bit random: one indexed lookup of their SHA-256, nothing to
        // guess, so no throttle; the token itself never reaches a log.
        let Some(principal) = parley_app::oauth::principal_of_bearer(state.store.as_ref(), &token)
            .await
            .map_err(|e| ApiError::from(e).into_response())?
        else {
            state.failures.rejected("bearer", source, false);
            return Err(invalid_bearer());
        };
        state.usage.touch(state, &principal.key);
        let name = principal.key.clone();
        return Ok((principal, name));
    }
    let Some(token) = session_token(headers) else {
        return Err(unauthorized(headers));
    };
    let Some((principal, csrf)) =
        parley_app::sessions::session_principal(state.store.as_ref(), &token)
            .await
            .map_err(|e| ApiError::from(e).into_response())?
    else {
        return Err(unauthorized(headers));
    };
    let safe = matches!(*method, Method::GET | Method::HEAD);
    let sent = headers.get(CSRF_HEADER).map(|v| v.as_bytes());
    if !safe && !sent.is_some_and(|s| bool::from(s.ct_eq(csrf.as_bytes()))) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("a change made with a session needs its CSRF token in {CSRF_HEADER}"),
        )
        .into_response());
    }
    let name = principal.key.clone();
    Ok((principal, name))
}

/// Authenticates a request, applies the caller's rate limits and authorises `op`: what
/// [`require_key`] does for every guarded route, and what a public route that also takes
/// credentials (a recording's URL without its signature) does itself. `Err` is the
/// answer to send instead.
pub(crate) async fn authorize_request(
    state: &AppState,
    extensions: &axum::http::Extensions,
    headers: &axum::http::HeaderMap,
    method: &Method,
    op: parley_app::access::Operation,
) -> Result<(Principal, String), Response> {
    let source = source_of(extensions, headers, state.config.trust_proxy);
    let (mut principal, access_key) = authenticate(state, headers, method, source).await?;
    if let Err(retry_after) = state.limits.check(&access_key).await {
        return Err(too_many(retry_after));
    }
    if let Err(e) =
        parley_app::access::authorize_with_profiles(state.store.as_ref(), &mut principal, op).await
    {
        return Err(ApiError::from(e).into_response());
    }
    Ok((principal, access_key))
}

/// Authenticates the request, applies the caller's rate limits and authorises the route.
pub async fn require_key(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let op = operations::operation(req.method(), &route);
    // Credentials are checked before the route's operation, so that an unknown caller
    // learns nothing about which routes are guarded how.
    let Some(op) = op else {
        let source = source_of(req.extensions(), req.headers(), state.config.trust_proxy);
        match authenticate(&state, req.headers(), req.method(), source).await {
            Err(answer) => return answer,
            Ok((_, access_key)) => {
                if let Err(retry_after) = state.limits.check(&access_key).await {
                    return too_many(retry_after);
                }
            }
        }
        tracing::error!(method = %req.method(), route = %route, "route without an operation; refused");
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "this route has no permission defined",
        )
        .into_response();
    };
    let (principal, access_key) =
        match authorize_request(&state, req.extensions(), req.headers(), req.method(), op).await {
            Ok(found) => found,
            Err(answer) => return answer,
        };
    req.extensions_mut().insert(Caller {
        access_key,
        user: principal.user,
    });
    req.extensions_mut().insert(principal);
    next.run(req).await
}

/// Records when keys were last used, writing at most once a minute per key and node
/// (off the request path), so a busy key costs no write per request.
#[derive(Default)]
pub struct Usage {
    written: Mutex<HashMap<String, Instant>>,
}

const USAGE_WRITE_EVERY: Duration = Duration::from_secs(60);

impl Usage {
    fn touch(&self, state: &AppState, access_key: &str) {
        {
            let mut written = self.written.lock().expect("usage lock");
            if written
                .get(access_key)
                .is_some_and(|t| t.elapsed() < USAGE_WRITE_EVERY)
            {
                return;
            }
            written.insert(access_key.to_owned(), Instant::now());
        }
        let store = state.store.clone();
        let key = access_key.to_owned();
        tokio::spawn(async move {
            let now = chrono::Utc::now();
            let done = match parley_app::oauth::grant_of_key(&key) {
                Some(grant) => store.touch_oauth_grant(grant, now).await,
                None => store.touch_api_key(&key, now).await,
            };
            if let Err(e) = done {
                tracing::warn!(key = %credentials::fingerprint(&key), error = %e, "recording key use failed");
            }
        });
    }
}

/// Per-key rate limits: a per-second bucket with a burst, and a per-day bucket, counted
/// where [`Rates`] says (this node, or every node on the database).
pub struct Limits {
    rates: Arc<Rates>,
    per_second: Option<Bucket>,
    per_day: Option<Bucket>,
}

impl Limits {
    pub fn new(cfg: RateLimit, rates: Arc<Rates>) -> Arc<Self> {
        let per_second = (cfg.per_second > 0).then(|| {
            Bucket::new(
                "key-second",
                RateQuota::per_second(cfg.per_second, cfg.burst.max(cfg.per_second)),
            )
        });
        // A day's allowance, refilled evenly: the whole allowance is available at once,
        // and each spent request comes back after 86400/per_day seconds.
        let per_day = (cfg.per_day > 0).then(|| {
            Bucket::new(
                "key-day",
                RateQuota {
                    interval_us: (86_400_000_000 / i64::from(cfg.per_day)).max(1),
                    burst: cfg.per_day,
                },
            )
        });
        Arc::new(Limits {
            rates,
            per_second,
            per_day,
        })
    }

    /// `Err(seconds to wait)` when the key is over a limit.
    pub async fn check(&self, key: &str) -> Result<(), u64> {
        for bucket in [&self.per_second, &self.per_day].into_iter().flatten() {
            bucket.take(&self.rates, key).await.map_err(whole_seconds)?;
        }
        Ok(())
    }
}

/// The limit on recording requests (`parley_app::Limits::media_requests_per_minute`):
/// one bucket per access key, or per client address for signed URLs, counted where
/// [`Rates`] says.
pub struct MediaLimit {
    rates: Arc<Rates>,
    per_minute: Option<Bucket>,
}

impl MediaLimit {
    pub fn new(per_minute: u32, rates: Arc<Rates>) -> Arc<Self> {
        let per_minute = (per_minute > 0).then(|| {
            Bucket::new(
                "media-minute",
                RateQuota {
                    interval_us: (60_000_000 / i64::from(per_minute)).max(1),
                    burst: per_minute,
                },
            )
        });
        Arc::new(MediaLimit { rates, per_minute })
    }

    /// `Err(seconds to wait)` when `who` (`key:<access key>` or `ip:<address>`) is over
    /// the limit.
    pub async fn check(&self, who: &str) -> Result<(), u64> {
        match &self.per_minute {
            Some(bucket) => bucket.take(&self.rates, who).await.map_err(whole_seconds),
            None => Ok(()),
        }
    }
}

/// A wait in whole seconds, rounded up, at least 1: a client that waits exactly this long
/// must succeed.
pub(crate) fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limits_refuse_past_the_burst_with_a_whole_second_wait() {
        let limits = Limits::new(
            RateLimit {
                per_second: 3,
                burst: 3,
                per_day: 0,
            },
            Rates::node(),
        );
        for _ in 0..3 {
            assert_eq!(limits.check("a").await, Ok(()));
        }
        assert_eq!(limits.check("a").await, Err(1));
        assert_eq!(
            limits.check("b").await,
            Ok(()),
            "keys are limited separately"
        );
        let daily = Limits::new(
            RateLimit {
                per_second: 0,
                burst: 0,
                per_day: 2,
            },
            Rates::node(),
        );
        assert!(daily.check("a").await.is_ok() && daily.check("a").await.is_ok());
        let wait = daily.check("a").await.unwrap_err();
        assert!((43_000..=43_200).contains(&wait), "{wait}");
        assert!(Limits::new(RateLimit::OFF, Rates::node())
            .check("a")
            .await
            .is_ok());
    }

    /// Two nodes' limits on one database share its buckets (shared scope), in a real
    /// SQLite file; on their own (node scope) each allows the whole burst.
    #[tokio::test]
    async fn shared_limits_count_once_for_every_node() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let store = parley_app::storage::open(&url).await.unwrap();
        // A daily allowance of 4 (one back every 6 hours): no test time refills it.
        let cfg = RateLimit {
            per_second: 0,
            burst: 0,
            per_day: 4,
        };
        let six_hours = 21_000..=21_600;
        let nodes = [
            Limits::new(cfg, Rates::shared(store.clone()).await.unwrap()),
            Limits::new(cfg, Rates::shared(store.clone()).await.unwrap()),
        ];
        for i in 0..4 {
            assert_eq!(nodes[i % 2].check("k").await, Ok(()), "take {i}");
        }
        for node in &nodes {
            let wait = node.check("k").await.unwrap_err();
            assert!(six_hours.contains(&wait), "{wait}");
        }
        assert_eq!(nodes[1].check("other").await, Ok(()));
        let alone = [
            Limits::new(cfg, Rates::node()),
            Limits::new(cfg, Rates::node()),
        ];
        for i in 0..8 {
            assert_eq!(alone[i % 2].check("k").await, Ok(()), "take {i}");
        }
        let wait = alone[0].check("k").await.unwrap_err();
        assert!(six_hours.contains(&wait), "{wait}");
    }
}

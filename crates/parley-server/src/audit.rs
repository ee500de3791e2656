//! Recording API requests in the audit log: the one place every write, every key use
//! and every refused credential is recorded (`parley_app::audit` writes them).
//!
//! Two layers sit around `auth::require_key`. [`record`] is outside it: it sees every
//! request to an authenticated route, whether the key passed or not, and records it once
//! the response is ready. [`pass_caller`] is inside it: only there is the
//! [`auth::Caller`] a request extension, so it hands the caller on to [`record`] in the
//! response's extensions. A response without a caller never got past `require_key`.
//!
//! What is kept of a request is bounded and escaped (`parley_domain::audit`): the
//! route's template, which the server chose, says what was done; the client's path and
//! query are kept only as evidence. Of refused credentials only a fingerprint of the
//! access key is kept, never the key or the secret.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, MatchedPath, Query, Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use parley_app::audit::key_fingerprint;
use parley_domain::audit::route_params;
use parley_domain::{Actor, AuditAction, AuditEntry, Outcome, RequestInfo};

use crate::auth::Caller;
use crate::AppState;

/// The authenticated caller, carried from inside `require_key` out to [`record`].
#[derive(Clone)]
struct Authenticated(Caller);

/// Inside `require_key`: passes the request's caller on with the response.
pub async fn pass_caller(req: Request, next: Next) -> Response {
    let caller = req.extensions().get::<Caller>().cloned();
    let mut resp = next.run(req).await;
    if let Some(caller) = caller {
        resp.extensions_mut().insert(Authenticated(caller));
    }
    resp
}

/// Around `require_key`: records key use, writes and refused credentials.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let uri = req.uri().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let ip = client_ip(req.extensions(), req.headers(), state.config.trust_proxy);
    let authorization = req.headers().get(header::AUTHORIZATION).cloned();
    let resp = next.run(req).await;

    let at = chrono::Utc::now();
    let status = resp.status().as_u16();
    let outcome = Outcome::Status(status);
    match resp.extensions().get::<Authenticated>() {
        Some(Authenticated(caller)) => {
            let actor = Actor::ApiKey {
                access_key: caller.access_key.clone(),
                user_id: caller.user,
            };
            state.audit.record(
                AuditEntry::new(at, actor.clone(), AuditAction::KeyUse, outcome.clone())
                    .from_ip(ip),
            );
            if method != Method::GET && method != Method::HEAD {
                let params = Query::<Vec<(String, String)>>::try_from_uri(&uri)
                    .map(|Query(p)| p)
                    .unwrap_or_default();
                let targets = route
                    .as_deref()
                    .map(|r| route_params(r, uri.path()))
                    .unwrap_or_default();
                state.audit.record(
                    AuditEntry::new(at, actor, AuditAction::ApiWrite, outcome)
                        .from_ip(ip)
                        .with_request(RequestInfo::new(
                            method.as_str(),
                            route.as_deref(),
                            uri.path(),
                            params,
                        ))
                        .on(targets),
                );
            }
        }
        None => {
            let action = match status {
                401 => AuditAction::CredentialsRejected,
                429 => AuditAction::Throttled,
                // Anything else (a failing key store) decided nothing about the caller.
                _ => return resp,
            };
            let fingerprint = authorization
                .as_ref()
                .and_then(presented_access_key)
                .map(|k| key_fingerprint(&k));
            tracing::debug!(
                fingerprint = fingerprint.as_deref().unwrap_or("-"),
                status,
                "refused request recorded"
            );
            state.audit.record(
                AuditEntry::new(at, Actor::Rejected { fingerprint }, action, outcome).from_ip(ip),
            );
        }
    }
    resp
}

/// The access key of `Authorization: Basic base64(key:secret)`; `None` when the header
/// is anything else (then nothing of it is kept: it may be a secret).
fn presented_access_key(value: &header::HeaderValue) -> Option<String> {
    let (scheme, encoded) = value.to_str().ok()?.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (key, _secret) = decoded.split_once(':')?;
    Some(key.to_owned())
}

/// Where the request came from: the peer's address, or with `trust_proxy` the address
/// the proxy in front saw, from `X-Forwarded-For`.
/// The client's address: the peer's, or with `trust_proxy` the last `X-Forwarded-For`
/// entry. The credential throttles use the same (`auth::source_of`).
pub(crate) fn client_ip(
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
    trust_proxy: bool,
) -> Option<IpAddr> {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_canonical());
    if trust_proxy {
        if let Some(ip) = forwarded_for(headers) {
            return Some(ip);
        }
    }
    peer
}

/// The last address of `X-Forwarded-For`: the one the (single, trusted) proxy appended.
/// Earlier ones are whatever the client sent, so they are never believed; an entry that
/// is not an address falls back to the peer.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|s| !s.is_empty())?;
    last.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_the_access_key_of_basic_credentials_is_read() {
        let basic =
            |s: &str| HeaderValue::from_str(&format!("Basic {}", STANDARD.encode(s))).unwrap();
        assert_eq!(
            presented_access_key(&basic("AK:secret")).as_deref(),
            Some("AK")
        );
        assert_eq!(
            presented_access_key(&basic("no-colon-maybe-a-secret")),
            None
        );
        assert_eq!(
            presented_access_key(&HeaderValue::from_static("Bearer abc")),
            None
        );
        assert_eq!(
            presented_access_key(&HeaderValue::from_static("Basic !!!")),
            None
        );
    }

    #[test]
    fn forwarded_for_believes_only_the_last_hop() {
        let mut h = HeaderMap::new();
        assert_eq!(forwarded_for(&h), None);
        h.append(
            "x-forwarded-for",
            HeaderValue::from_static("1.1.1.1, 10.0.0.9"),
        );
        assert_eq!(forwarded_for(&h), "10.0.0.9".parse().ok());
        h.append(
            "x-forwarded-for",
            HeaderValue::from_static("::ffff:192.0.2.4"),
        );
        assert_eq!(forwarded_for(&h), "192.0.2.4".parse().ok());
        h.append(
            "x-forwarded-for",
            HeaderValue::from_static("not-an-address"),
        );
        assert_eq!(forwarded_for(&h), None);
    }
}

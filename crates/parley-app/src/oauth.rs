//! OAuth 2.0 authorization-code flow (RFC 6749 §4.1, PKCE RFC 7636, revocation RFC 7009)
//! for third-party apps, as Gong offers it (`/oauth2/authorize`,
//! `/oauth2/generate-customer-token`).
//!
//! - Apps are registered by admins: a client id, a secret (argon2id, shown once), exact
//!   redirect URIs and the most scopes the app may ask for.
//! - A signed-in user consents: the code carries the scopes asked for, within the app's,
//!   and only those the user's role can use ([`crate::access::role_may_use`]).
//! - Codes, access and refresh tokens are 256-bit random strings; only their SHA-256 is
//!   stored. Codes are single use and live [`CODE_TTL`]; a second exchange of a code
//!   revokes what the first gave. Refresh tokens are single use and rotate; presenting a
//!   spent one again (a sign it was stolen) revokes the whole grant.
//! - A Bearer token acts as its user (their role, now), with the token's scopes.

use std::sync::OnceLock;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{SubsecRound, Utc};
use parley_domain::{Principal, Role, ScopeSet, Timestamp, UserId};
use parley_store::{OAuthAppRecord, OAuthCodeRecord, OAuthTokenRecord, Store, StoreError};
use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::access::role_may_use;
use crate::error::{AppError, AppResult};
use crate::keys::{hash_secret, verify_secret};
use crate::media::hex;
use crate::sessions::token_sha;

/// How long an authorization code can be exchanged.
pub const CODE_TTL: Duration = Duration::from_secs(600);
/// How long tokens work (the operator's `oauth_access_token_secs` and
/// `oauth_refresh_token_days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLifetimes {
    /// An access token (Gong's value is not published; a day by default, as Gong's
    /// clients assume).
    pub access_secs: i64,
    /// An unused refresh token; each refresh starts a new one.
    pub refresh_secs: i64,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        TokenLifetimes {
            access_secs: 86_400,
            refresh_secs: 60 * 86_400,
        }
    }
}
/// Longest app name.
pub const MAX_NAME_CHARS: usize = 200;
/// Most redirect URIs per app.
pub const MAX_REDIRECT_URIS: usize = 10;
/// Longest redirect URI.
pub const MAX_REDIRECT_URI_CHARS: usize = 2048;
/// Longest `state` a client may send (echoed back in the redirect).
pub const MAX_STATE_CHARS: usize = 1024;
/// Longest client id, code, token or secret looked at: longer ones cannot be valid and
/// are refused before any lookup.
pub const MAX_CREDENTIAL_CHARS: usize = 256;

/// The error codes of RFC 6749 §4.1.2.1 and §5.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType,
    InvalidScope,
    AccessDenied,
    UnsupportedResponseType,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an OAuth request was refused.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// An RFC 6749 error for the client.
    #[error("{code}: {description}")]
    Protocol {
        code: ErrorCode,
        description: String,
    },
    /// A used code or a spent refresh token came back: the grant it belongs to has been
    /// revoked (answered as `invalid_grant`).
    #[error("invalid_grant: {what} was already used; every token of its grant is revoked")]
    Replayed { what: &'static str, grant: String },
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        OAuthError::App(e.into())
    }
}

impl OAuthError {
    fn protocol(code: ErrorCode, description: impl Into<String>) -> OAuthError {
        OAuthError::Protocol {
            code,
            description: description.into(),
        }
    }

    /// The RFC 6749 error code, for the errors a client gets as one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            OAuthError::Protocol { code, .. } => Some(*code),
            OAuthError::Replayed { .. } => Some(ErrorCode::InvalidGrant),
            OAuthError::App(_) => None,
        }
    }
}

type OAuthResult<T> = Result<T, OAuthError>;

fn random_hex() -> String {
    let bytes: [u8; 32] = rand::random();
    hex(&bytes)
}

fn short_id() -> String {
    let bytes: [u8; 12] = rand::random();
    hex(&bytes)
}

/// What a new app may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSpec {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub scopes: ScopeSet,
    pub owner: Option<UserId>,
}

/// A newly registered app; the secret is shown once and never stored.
pub struct NewApp {
    pub record: OAuthAppRecord,
    pub secret: String,
}

/// Why a redirect URI cannot be registered; `None` when it can. HTTPS, or plain HTTP to
/// the loopback address only (native apps, RFC 8252 §7.3); no fragment (RFC 6749 §3.1.2).
fn redirect_uri_problem(uri: &str) -> Option<String> {
    if uri.chars().count() > MAX_REDIRECT_URI_CHARS {
        return Some(format!(
            "a redirect uri has at most {MAX_REDIRECT_URI_CHARS} characters"
        ));
    }
    let parsed = match url::Url::parse(uri) {
        Ok(u) => u,
        Err(e) => return Some(format!("redirect uri {uri:?} is not an absolute url: {e}")),
    };
    let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if !(parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback)) {
        return Some(format!(
            "redirect uri {uri:?} must be https (or http to localhost)"
        ));
    }
    if parsed.fragment().is_some() {
        return Some(format!("redirect uri {uri:?} must not have a fragment"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some(format!("redirect uri {uri:?} must not carry credentials"));
    }
    None
}

/// Checks, mints and stores an app: a 24-character client id and a 48-character secret.
pub async fn register_app(store: &dyn Store, spec: &AppSpec) -> AppResult<NewApp> {
    let mut problems = Vec::new();
    let name = spec.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        problems.push(format!(
            "an app needs a name of 1 to {MAX_NAME_CHARS} characters"
        ));
    }
    let mut uris: Vec<String> = Vec::new();
    for u in &spec.redirect_uris {
        if !uris.contains(u) {
            uris.push(u.clone());
        }
    }
    if uris.is_empty() || uris.len() > MAX_REDIRECT_URIS {
        problems.push(format!(
            "an app needs 1 to {MAX_REDIRECT_URIS} redirect uris"
        ));
    }
    problems.extend(uris.iter().filter_map(|u| redirect_uri_problem(u)));
    if spec.scopes.is_empty() {
        problems.push("an app needs at least one scope (or the preset full or read-only)".into());
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    if let Some(u) = spec.owner {
        if store.get_user(u).await?.is_none() {
            return Err(AppError::invalid(format!("user {u} does not exist")));
        }
    }
    let secret = Alphanumeric.sample_string(&mut rand::thread_rng(), 48);
    let for_hash = secret.clone();
    let secret_hash = tokio::task::spawn_blocking(move || hash_secret(&for_hash))
        .await
        .map_err(|e| AppError::internal(format!("hashing a client secret: {e}")))?;
    let record = OAuthAppRecord {
        // Stored to the microsecond: the record returned is the record stored.
        created: Utc::now().trunc_subsecs(6),
        client_id: Alphanumeric
            .sample_string(&mut rand::thread_rng(), 24)
            .to_lowercase(),
        name: name.to_owned(),
        secret_hash,
        redirect_uris: uris,
        scopes: spec.scopes.clone(),
        owner: spec.owner,
        revoked: None,
    };
    store.create_oauth_app(&record).await?;
    Ok(NewApp { record, secret })
}

/// Every app, oldest first (never their secrets).
pub async fn list_apps(store: &dyn Store) -> AppResult<Vec<OAuthAppRecord>> {
    Ok(store.list_oauth_apps().await?)
}

/// Revokes an app and every token it holds.
pub async fn revoke_app(store: &dyn Store, client_id: &str) -> AppResult<()> {
    if store.revoke_oauth_app(client_id, Utc::now()).await? {
        Ok(())
    } else {
        Err(AppError::not_found(format!(
            "no active oauth app {client_id}"
        )))
    }
}

/// The query of `GET /oauth2/authorize`, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

/// An authorization request that passed every check: what the consent page shows and
/// what approving it grants.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizeRequest {
    pub app: OAuthAppRecord,
    /// One of the app's registered redirect URIs.
    pub redirect_uri: String,
    pub state: Option<String>,
    /// What the app asked for (within what it may ask for).
    pub scopes: ScopeSet,
    pub code_challenge: Option<String>,
}

/// Whether `s` is a PKCE verifier or S256 challenge: 43 to 128 unreserved characters.
fn pkce_shaped(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Why an authorization request is refused, and so how the refusal is delivered.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    /// The client or its redirect URI cannot be trusted: tell the user, never redirect
    /// (an unchecked redirect would make Parley an open redirector).
    #[error("{0}")]
    Untrusted(String),
    /// An RFC 6749 error to send back to the app at `redirect_uri` (one of its own).
    #[error("{code}: {description}")]
    Refused {
        redirect_uri: String,
        state: Option<String>,
        code: ErrorCode,
        description: String,
    },
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for AuthorizeError {
    fn from(e: StoreError) -> Self {
        AuthorizeError::App(e.into())
    }
}

/// Checks an authorization request. The client and its redirect URI are checked first:
/// failing those is [`AuthorizeError::Untrusted`]; every later failure is
/// [`AuthorizeError::Refused`], to be sent to the app's redirect URI.
pub async fn check_authorize(
    store: &dyn Store,
    p: &AuthorizeParams,
) -> Result<AuthorizeRequest, AuthorizeError> {
    let client_id = p.client_id.as_deref().unwrap_or_default();
    if client_id.is_empty() {
        return Err(AuthorizeError::Untrusted(
            "the request names no client_id".into(),
        ));
    }
    let app = if client_id.len() <= MAX_CREDENTIAL_CHARS {
        store.get_oauth_app(client_id).await?
    } else {
        None
    };
    let Some(app) = app.filter(|a| a.revoked.is_none()) else {
        return Err(AuthorizeError::Untrusted(
            "the app asking for access is unknown or was revoked".into(),
        ));
    };
    let redirect_uri = match p.redirect_uri.as_deref() {
        Some(u) if app.redirect_uris.iter().any(|r| r == u) => u.to_owned(),
        Some(_) => {
            return Err(AuthorizeError::Untrusted(
                "the redirect_uri is not one registered for this app".into(),
            ))
        }
        None if app.redirect_uris.len() == 1 => app.redirect_uris[0].clone(),
        None => {
            return Err(AuthorizeError::Untrusted(
                "the request needs a redirect_uri: this app has several".into(),
            ))
        }
    };
    if p.state
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_STATE_CHARS)
    {
        return Err(AuthorizeError::Untrusted(format!(
            "state has more than {MAX_STATE_CHARS} characters"
        )));
    }
    let refuse = |code: ErrorCode, description: String| AuthorizeError::Refused {
        redirect_uri: redirect_uri.clone(),
        state: p.state.clone(),
        code,
        description,
    };
    match p.response_type.as_deref() {
        Some("code") => {}
        None => {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                "response_type is missing".into(),
            ))
        }
        Some(_) => {
            return Err(refuse(
                ErrorCode::UnsupportedResponseType,
                "only response_type=code is supported".into(),
            ))
        }
    }
    let scopes = match p.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => app.scopes.clone(),
        Some(text) => {
            ScopeSet::parse(text).map_err(|e| refuse(ErrorCode::InvalidScope, e.to_string()))?
        }
    };
    if let Some(extra) = scopes.iter().find(|s| !app.scopes.contains(*s)) {
        return Err(refuse(
            ErrorCode::InvalidScope,
            format!("this app may not ask for {extra}"),
        ));
    }
    let code_challenge = match (
        p.code_challenge.as_deref(),
        p.code_challenge_method.as_deref(),
    ) {
        (None, None) => None,
        (Some(c), Some("S256")) if pkce_shaped(c) => Some(c.to_owned()),
        (Some(_), Some("S256")) => {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                "code_challenge must be 43 to 128 base64url characters".into(),
            ))
        }
        _ => return Err(refuse(
            ErrorCode::InvalidRequest,
            "PKCE needs code_challenge with code_challenge_method=S256 (plain is not supported)"
                .into(),
        )),
    };
    Ok(AuthorizeRequest {
        app,
        redirect_uri: redirect_uri.clone(),
        state: p.state.clone(),
        scopes,
        code_challenge,
    })
}

/// Splits asked-for scopes into those someone of `role` can be granted and those their
/// role cannot use.
pub fn grantable(asked: &ScopeSet, role: Role) -> (ScopeSet, ScopeSet) {
    let granted = asked.iter().filter(|s| role_may_use(role, *s)).collect();
    let withheld = asked.iter().filter(|s| !role_may_use(role, *s)).collect();
    (granted, withheld)
}

/// The user approves the request: a one-time code for what they may grant.
pub async fn approve(
    store: &dyn Store,
    req: &AuthorizeRequest,
    user: UserId,
) -> OAuthResult<String> {
    match store.get_user(user).await? {
        Some(u) if u.active => {}
        _ => return Err(AppError::Forbidden("the signed-in user is not active".into()).into()),
    }
    let role = store.user_role(user).await?;
    let (granted, _) = grantable(&req.scopes, role);
    if granted.is_empty() {
        return Err(OAuthError::protocol(
            ErrorCode::InvalidScope,
            "the user's role allows none of the requested scopes",
        ));
    }
    let code = random_hex();
    let now = Utc::now();
    store
        .create_oauth_code(&OAuthCodeRecord {
            code_sha: token_sha(&code),
            client_id: req.app.client_id.clone(),
            user,
            scopes: granted,
            redirect_uri: req.redirect_uri.clone(),
            code_challenge: req.code_challenge.clone(),
            grant: short_id(),
            created: now,
            expires: now + chrono::Duration::from_std(CODE_TTL).expect("minutes fit"),
            used: None,
        })
        .await?;
    Ok(code)
}

/// A hash no secret matches, verified against for unknown clients, so an unknown client
/// id costs what a wrong secret does.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_secret(&random_hex()))
}

/// The live app whose id and secret these are; `invalid_client` otherwise, whatever was
/// wrong. Runs argon2 (off the async workers): callers throttle it.
pub async fn authenticate_client(
    store: &dyn Store,
    client_id: &str,
    secret: &str,
) -> OAuthResult<OAuthAppRecord> {
    let refused = || OAuthError::protocol(ErrorCode::InvalidClient, "client authentication failed");
    if client_id.len() > MAX_CREDENTIAL_CHARS || secret.len() > MAX_CREDENTIAL_CHARS {
        return Err(refused());
    }
    let app = store.get_oauth_app(client_id).await?;
    let hash = app
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |a| a.secret_hash.clone());
    let secret = secret.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify_secret(&hash, &secret))
        .await
        .map_err(|e| AppError::internal(format!("checking a client secret: {e}")))?;
    match app {
        Some(a) if matches && a.revoked.is_none() => Ok(a),
        _ => Err(refused()),
    }
}

/// Tokens just issued; the access and refresh tokens are shown once and never stored.
#[derive(Debug)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds the access token works.
    pub expires_in: i64,
    pub scopes: ScopeSet,
    pub record: OAuthTokenRecord,
}

async fn issue(
    store: &dyn Store,
    ttl: TokenLifetimes,
    client_id: &str,
    user: UserId,
    scopes: ScopeSet,
    grant: String,
    now: Timestamp,
) -> OAuthResult<Issued> {
    let access_token = random_hex();
    let refresh_token = random_hex();
    let record = OAuthTokenRecord {
        id: short_id(),
        grant,
        access_sha: token_sha(&access_token),
        refresh_sha: token_sha(&refresh_token),
        client_id: client_id.to_owned(),
        user,
        scopes: scopes.clone(),
        workspace: None,
        created: now,
        access_expires: now + chrono::Duration::seconds(ttl.access_secs),
        refresh_expires: now + chrono::Duration::seconds(ttl.refresh_secs),
        refresh_used: None,
        revoked: None,
        last_used: None,
    };
    store.create_oauth_token(&record).await?;
    Ok(Issued {
        access_token,
        refresh_token,
        expires_in: ttl.access_secs,
        scopes,
        record,
    })
}

async fn user_is_active(store: &dyn Store, user: UserId) -> OAuthResult<bool> {
    Ok(store.get_user(user).await?.is_some_and(|u| u.active))
}

fn invalid_grant(description: &str) -> OAuthError {
    OAuthError::protocol(ErrorCode::InvalidGrant, description)
}

/// `grant_type=authorization_code`: the code's tokens, for the app it was issued to.
pub async fn exchange_code(
    store: &dyn Store,
    ttl: TokenLifetimes,
    app: &OAuthAppRecord,
    code: &str,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
) -> OAuthResult<Issued> {
    if code.is_empty() || code.len() > MAX_CREDENTIAL_CHARS {
        return Err(invalid_grant("the code is unknown"));
    }
    let now = Utc::now();
    let Some(c) = store.take_oauth_code(&token_sha(code), now).await? else {
        return Err(invalid_grant("the code is unknown"));
    };
    if c.client_id != app.client_id {
        return Err(invalid_grant("the code was issued to another client"));
    }
    if c.used.is_some() {
        store.revoke_oauth_grant(&c.grant, now).await?;
        return Err(OAuthError::Replayed {
            what: "the code",
            grant: c.grant,
        });
    }
    if c.expires <= now {
        return Err(invalid_grant("the code has expired"));
    }
    match redirect_uri {
        Some(u) if u == c.redirect_uri => {}
        Some(_) => {
            return Err(invalid_grant(
                "redirect_uri differs from the authorization request's",
            ))
        }
        // RFC 6749 §4.1.3: required when the authorization request had one; an app with
        // one registered URI may leave it out of both.
        None if app.redirect_uris.len() == 1 => {}
        None => return Err(invalid_grant("redirect_uri is missing")),
    }
    match (c.code_challenge.as_deref(), code_verifier) {
        (None, None) => {}
        (None, Some(_)) => {
            return Err(invalid_grant(
                "code_verifier given, but the authorization request had no code_challenge",
            ))
        }
        (Some(_), None) => return Err(invalid_grant("code_verifier is missing")),
        (Some(challenge), Some(verifier)) => {
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if !pkce_shaped(verifier)
                || !bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
            {
                return Err(invalid_grant(
                    "code_verifier does not match the code_challenge",
                ));
            }
        }
    }
    if !user_is_active(store, c.user).await? {
        return Err(invalid_grant("the user who consented is no longer active"));
    }
    issue(store, ttl, &app.client_id, c.user, c.scopes, c.grant, now).await
}

/// `grant_type=refresh_token`: spends the refresh token and issues new tokens of the same
/// grant, with the same scopes or (`scope`) fewer.
pub async fn refresh(
    store: &dyn Store,
    ttl: TokenLifetimes,
    app: &OAuthAppRecord,
    refresh_token: &str,
    scope: Option<&str>,
) -> OAuthResult<Issued> {
    if refresh_token.is_empty() || refresh_token.len() > MAX_CREDENTIAL_CHARS {
        return Err(invalid_grant("the refresh token is unknown"));
    }
    let asked = match scope.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(
            ScopeSet::parse(text)
                .map_err(|e| OAuthError::protocol(ErrorCode::InvalidScope, e.to_string()))?,
        ),
    };
    let sha = token_sha(refresh_token);
    let now = Utc::now();
    // A request for more than was granted is refused before the token is spent, so the
    // client can retry with the token it holds.
    if let Some(asked) = &asked {
        if let Some(t) = store.oauth_token_by_refresh(&sha).await? {
            if let Some(extra) = asked.iter().find(|s| !t.scopes.contains(*s)) {
                return Err(OAuthError::protocol(
                    ErrorCode::InvalidScope,
                    format!("{extra} was not granted"),
                ));
            }
        }
    }
    let Some(old) = store.spend_oauth_refresh(&sha, &app.client_id, now).await? else {
        // Not live: a spent one presented again by its own app means two parties hold
        // it; which one is the thief cannot be told, so the grant ends for both.
        if let Some(t) = store.oauth_token_by_refresh(&sha).await? {
            if t.client_id == app.client_id && t.refresh_used.is_some() {
                store.revoke_oauth_grant(&t.grant, now).await?;
                return Err(OAuthError::Replayed {
                    what: "the refresh token",
                    grant: t.grant,
                });
            }
        }
        return Err(invalid_grant(
            "the refresh token is unknown, expired or revoked",
        ));
    };
    // A token's scopes never change, so `asked` (checked above) is still within them.
    let scopes = asked.unwrap_or_else(|| old.scopes.clone());
    if !user_is_active(store, old.user).await? {
        store.revoke_oauth_grant(&old.grant, now).await?;
        return Err(invalid_grant("the user who consented is no longer active"));
    }
    issue(store, ttl, &app.client_id, old.user, scopes, old.grant, now).await
}

/// RFC 7009: revokes the grant of an access or refresh token of `app`. Returns the grant
/// revoked; `None` when the token is unknown or another app's (the caller answers the
/// same either way, so a token's existence is not revealed).
pub async fn revoke_token(
    store: &dyn Store,
    app: &OAuthAppRecord,
    token: &str,
) -> AppResult<Option<String>> {
    if token.is_empty() || token.len() > MAX_CREDENTIAL_CHARS {
        return Ok(None);
    }
    let sha = token_sha(token);
    let found = match store.oauth_token_by_access(&sha).await? {
        Some(t) => Some(t),
        None => store.oauth_token_by_refresh(&sha).await?,
    };
    match found {
        Some(t) if t.client_id == app.client_id => {
            store.revoke_oauth_grant(&t.grant, Utc::now()).await?;
            Ok(Some(t.grant))
        }
        _ => Ok(None),
    }
}

/// The name a grant's requests go by in the audit log and the rate limits: not secret.
pub fn grant_key(grant: &str) -> String {
    format!("oauth:{grant}")
}

/// The grant of a [`grant_key`].
pub fn grant_of_key(key: &str) -> Option<&str> {
    key.strip_prefix("oauth:")
}

/// What a Bearer token may do: its scopes, its user's role (now) and its workspace.
/// `None` when the token is unknown, expired or revoked, its app revoked, or its user
/// inactive.
pub async fn principal_of_bearer(store: &dyn Store, token: &str) -> AppResult<Option<Principal>> {
    if token.is_empty() || token.len() > MAX_CREDENTIAL_CHARS {
        return Ok(None);
    }
    let Some(t) = store.oauth_token_by_access(&token_sha(token)).await? else {
        return Ok(None);
    };
    if t.revoked.is_some() || t.access_expires <= Utc::now() {
        return Ok(None);
    }
    let app = store.get_oauth_app(&t.client_id).await?;
    if app.is_none_or(|a| a.revoked.is_some()) {
        return Ok(None);
    }
    if !store.get_user(t.user).await?.is_some_and(|u| u.active) {
        return Ok(None);
    }
    Ok(Some(Principal {
        key: grant_key(&t.grant),
        user: Some(t.user),
        role: store.user_role(t.user).await?,
        scopes: t.scopes,
        workspace: t.workspace,
        profile_reach: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::{create_user, NewUser};
    use parley_domain::Scope;
    use std::sync::Arc;

    async fn store() -> (tempfile::TempDir, Arc<dyn Store>) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("a.db").display());
        (dir, crate::storage::open(&url).await.unwrap())
    }

    async fn user(store: &dyn Store, email: &str, role: Role) -> UserId {
        let u = create_user(
            store,
            NewUser {
                email: email.into(),
                first_name: "Ada".into(),
                active: true,
                ..NewUser::default()
            },
        )
        .await
        .unwrap();
        crate::users::set_role(store, u.id, role).await.unwrap();
        u.id
    }

    const REDIRECT: &str = "https://app.example.com/callback";

    async fn app(store: &dyn Store, scopes: &str) -> NewApp {
        register_app(
            store,
            &AppSpec {
                name: "Example".into(),
                redirect_uris: vec![REDIRECT.into()],
                scopes: ScopeSet::parse(scopes).unwrap(),
                owner: None,
            },
        )
        .await
        .unwrap()
    }

    fn params(client_id: &str, scope: &str) -> AuthorizeParams {
        AuthorizeParams {
            response_type: Some("code".into()),
            client_id: Some(client_id.into()),
            redirect_uri: Some(REDIRECT.into()),
            scope: Some(scope.into()),
            state: Some("xyz".into()),
            ..AuthorizeParams::default()
        }
    }

    fn refused_code(r: Result<AuthorizeRequest, AuthorizeError>) -> ErrorCode {
        match r {
            Err(AuthorizeError::Refused {
                code, redirect_uri, ..
            }) => {
                assert_eq!(redirect_uri, REDIRECT);
                code
            }
            other => panic!("not refused: {other:?}"),
        }
    }

    fn protocol_code(r: OAuthResult<impl std::fmt::Debug>) -> ErrorCode {
        match r {
            Err(e) => e
                .code()
                .unwrap_or_else(|| panic!("not a protocol error: {e:?}")),
            Ok(v) => panic!("accepted: {v:?}"),
        }
    }

    #[tokio::test]
    async fn registration_checks_redirect_uris_names_and_scopes() {
        let (_d, store) = store().await;
        let bad = register_app(
            store.as_ref(),
            &AppSpec {
                name: " ".into(),
                redirect_uris: vec![
                    "http://evil.example.com/cb".into(),
                    "https://a.example.com/cb#frag".into(),
                    "not a url".into(),
                ],
                scopes: ScopeSet::default(),
                owner: None,
            },
        )
        .await;
        let Err(AppError::Invalid(problems)) = bad else {
            panic!("accepted")
        };
        assert_eq!(problems.len(), 5, "{problems:?}");
        let ok = app(store.as_ref(), "read-only").await;
        assert_eq!(ok.record.client_id.len(), 24);
        assert_eq!(ok.secret.len(), 48);
        let stored = store.get_oauth_app(&ok.record.client_id).await.unwrap();
        assert_eq!(stored.as_ref(), Some(&ok.record));
        assert!(!ok.record.secret_hash.contains(&ok.secret));
        assert!(redirect_uri_problem("http://127.0.0.1:8765/cb").is_none());
    }

    #[tokio::test]
    async fn authorize_refuses_unknown_clients_and_foreign_redirects_without_redirecting() {
        let (_d, store) = store().await;
        let a = app(store.as_ref(), "read-only").await;
        let id = a.record.client_id.clone();
        let mut p = params(&id, "api:calls:read:basic");
        p.redirect_uri = Some("https://evil.example.com/callback".into());
        assert!(matches!(
            check_authorize(store.as_ref(), &p).await,
            Err(AuthorizeError::Untrusted(_))
        ));
        p = params("nope", "api:calls:read:basic");
        assert!(matches!(
            check_authorize(store.as_ref(), &p).await,
            Err(AuthorizeError::Untrusted(_))
        ));
        // Later mistakes go back to the app.
        p = params(&id, "api:calls:create");
        assert_eq!(
            refused_code(check_authorize(store.as_ref(), &p).await),
            ErrorCode::InvalidScope
        );
        p = params(&id, "api:calls:read:basic");
        p.response_type = Some("token".into());
        assert_eq!(
            refused_code(check_authorize(store.as_ref(), &p).await),
            ErrorCode::UnsupportedResponseType
        );
        p = params(&id, "api:calls:read:basic");
        p.code_challenge = Some("x".repeat(43));
        p.code_challenge_method = Some("plain".into());
        assert_eq!(
            refused_code(check_authorize(store.as_ref(), &p).await),
            ErrorCode::InvalidRequest
        );
        // No scope: everything the app may ask for; no redirect_uri: its only one.
        p = params(&id, "");
        p.redirect_uri = None;
        let req = check_authorize(store.as_ref(), &p).await.unwrap();
        assert_eq!(req.scopes, ScopeSet::read_only());
        assert_eq!(req.redirect_uri, REDIRECT);
    }

    #[tokio::test]
    async fn consent_grants_only_what_the_role_may_use() {
        let (_d, store) = store().await;
        let member = user(store.as_ref(), "m@example.com", Role::Member).await;
        let a = app(store.as_ref(), "full").await;
        let p = params(&a.record.client_id, "api:calls:read:basic api:logs:read");
        let req = check_authorize(store.as_ref(), &p).await.unwrap();
        let (granted, withheld) = grantable(&req.scopes, Role::Member);
        assert_eq!(granted.to_string(), "api:calls:read:basic");
        assert_eq!(withheld.to_string(), "api:logs:read");
        let code = approve(store.as_ref(), &req, member).await.unwrap();
        let issued = exchange_code(
            store.as_ref(),
            TokenLifetimes::default(),
            &a.record,
            &code,
            Some(REDIRECT),
            None,
        )
        .await
        .unwrap();
        assert_eq!(issued.scopes.to_string(), "api:calls:read:basic");
        let p = principal_of_bearer(store.as_ref(), &issued.access_token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.user, Some(member));
        assert_eq!(p.role, Role::Member);
        assert!(p.scopes.contains(Scope::CallsReadBasic));
        assert!(!p.scopes.contains(Scope::LogsRead));
        assert_eq!(p.key, grant_key(&issued.record.grant));
        // A role that can use nothing asked for gets an error, not an empty token.
        let p = params(&a.record.client_id, "api:logs:read");
        let req = check_authorize(store.as_ref(), &p).await.unwrap();
        assert_eq!(
            protocol_code(approve(store.as_ref(), &req, member).await),
            ErrorCode::InvalidScope
        );
    }

    #[tokio::test]
    async fn codes_are_single_use_and_a_replay_revokes_their_tokens() {
        let (_d, store) = store().await;
        let admin = user(store.as_ref(), "a@example.com", Role::Admin).await;
        let a = app(store.as_ref(), "read-only").await;
        let other = app(store.as_ref(), "read-only").await;
        let req = check_authorize(store.as_ref(), &params(&a.record.client_id, ""))
            .await
            .unwrap();
        let code = approve(store.as_ref(), &req, admin).await.unwrap();
        // Another client cannot use it (and burns it).
        let code2 = approve(store.as_ref(), &req, admin).await.unwrap();
        assert_eq!(
            protocol_code(
                exchange_code(
                    store.as_ref(),
                    TokenLifetimes::default(),
                    &other.record,
                    &code2,
                    None,
                    None
                )
                .await
            ),
            ErrorCode::InvalidGrant
        );
        let issued = exchange_code(
            store.as_ref(),
            TokenLifetimes::default(),
            &a.record,
            &code,
            None,
            None,
        )
        .await
        .unwrap();
        assert!(principal_of_bearer(store.as_ref(), &issued.access_token)
            .await
            .unwrap()
            .is_some());
        let again = exchange_code(
            store.as_ref(),
            TokenLifetimes::default(),
            &a.record,
            &code,
            None,
            None,
        )
        .await;
        assert!(
            matches!(again, Err(OAuthError::Replayed { .. })),
            "{again:?}"
        );
        assert!(principal_of_bearer(store.as_ref(), &issued.access_token)
            .await
            .unwrap()
            .is_none());
        assert_eq!(
            protocol_code(
                exchange_code(
                    store.as_ref(),
                    TokenLifetimes::default(),
                    &a.record,
                    "f00",
                    None,
                    None
                )
                .await
            ),
            ErrorCode::InvalidGrant
        );
    }

    #[tokio::test]
    async fn expired_codes_are_refused() {
        let (_d, store) = store().await;
        let admin = user(store.as_ref(), "a@example.com", Role::Admin).await;
        let a = app(store.as_ref(), "read-only").await;
        let code = random_hex();
        let then = Utc::now() - chrono::Duration::minutes(11);
        store
            .create_oauth_code(&OAuthCodeRecord {
                code_sha: token_sha(&code),
                client_id: a.record.client_id.clone(),
                user: admin,
                scopes: ScopeSet::read_only(),
                redirect_uri: REDIRECT.into(),
                code_challenge: None,
                grant: short_id(),
                created: then,
                expires: then + chrono::Duration::from_std(CODE_TTL).unwrap(),
                used: None,
            })
            .await
            .unwrap();
        let r = exchange_code(
            store.as_ref(),
            TokenLifetimes::default(),
            &a.record,
            &code,
            Some(REDIRECT),
            None,
        )
        .await;
        assert!(
            matches!(&r, Err(OAuthError::Protocol { code: ErrorCode::InvalidGrant, description }) if description.contains("expired")),
            "{r:?}"
        );
    }

    #[tokio::test]
    async fn pkce_verifiers_must_match() {
        let (_d, store) = store().await;
        let admin = user(store.as_ref(), "a@example.com", Role::Admin).await;
        let a = app(store.as_ref(), "read-only").await;
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        // RFC 7636 appendix B's example pair.
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        let mut p = params(&a.record.client_id, "");
        p.code_challenge = Some(challenge.into());
        p.code_challenge_method = Some("S256".into());
        let req = check_authorize(store.as_ref(), &p).await.unwrap();
        let code = approve(store.as_ref(), &req, admin).await.unwrap();
        let wrong = "x".repeat(43);
        assert_eq!(
            protocol_code(
                exchange_code(
                    store.as_ref(),
                    TokenLifetimes::default(),
                    &a.record,
                    &code,
                    None,
                    Some(&wrong)
                )
                .await
            ),
            ErrorCode::InvalidGrant
        );
        let code = approve(store.as_ref(), &req, admin).await.unwrap();
        assert_eq!(
            protocol_code(
                exchange_code(
                    store.as_ref(),
                    TokenLifetimes::default(),
                    &a.record,
                    &code,
                    None,
                    None
                )
                .await
            ),
            ErrorCode::InvalidGrant
        );
        let code = approve(store.as_ref(), &req, admin).await.unwrap();
        exchange_code(
            store.as_ref(),
            TokenLifetimes::default(),
            &a.record,
            &code,
            None,
            Some(verifier),
        )
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn refresh_rotates_and_a_spent_refresh_token_revokes_the_grant() {
        let (_d, store) = store().await;
        let admin = user(store.as_ref(), "a@example.com", Role::Admin).await;
        let a = app(store.as_ref(), "read-only").await;
        let req = check_authorize(store.as_ref(), &params(&a.record.client_id, ""))
            .await
            .unwrap();
        let code = approve(store.as_ref(), &req, admin).await.unwrap();
        let first = exchange_code(
            store.as_ref(),
            TokenLifetimes::default(),
            &a.record,
            &code,
            None,
            None,
        )
        .await
        .unwrap();
        // Narrowing is allowed, widening is not.
        assert_eq!(
            protocol_code(
                refresh(
                    store.as_ref(),
                    TokenLifetimes::default(),
                    &a.record,
                    &first.refresh_token,
                    Some("api:calls:create")
                )
                .await
            ),
            ErrorCode::InvalidScope
        );
        let second = refresh(
            store.as_ref(),
            TokenLifetimes::default(),
            &a.record,
            &first.refresh_token,
            Some("api:calls:read:basic"),
        )
        .await
        .unwrap();
        assert_eq!(second.scopes.to_string(), "api:calls:read:basic");
        assert_eq!(second.record.grant, first.record.grant);
        assert_ne!(second.refresh_token, first.refresh_token);
        assert!(principal_of_bearer(store.as_ref(), &second.access_token)
            .await
            .unwrap()
            .is_some());
        let replay = refresh(
            store.as_ref(),
            TokenLifetimes::default(),
            &a.record,
            &first.refresh_token,
            None,
        )
        .await;
        assert!(
            matches!(replay, Err(OAuthError::Replayed { .. })),
            "{replay:?}"
        );
        for t in [&first.access_token, &second.access_token] {
            assert!(principal_of_bearer(store.as_ref(), t)
                .await
                .unwrap()
                .is_none());
        }
        assert_eq!(
            protocol_code(
                refresh(
                    store.as_ref(),
                    TokenLifetimes::default(),
                    &a.record,
                    &second.refresh_token,
                    None
                )
                .await
            ),
            ErrorCode::InvalidGrant
        );
    }

    #[tokio::test]
    async fn revocation_ends_the_grant_and_revoked_apps_lose_their_tokens() {
        let (_d, store) = store().await;
        let admin = user(store.as_ref(), "a@example.com", Role::Admin).await;
        let a = app(store.as_ref(), "read-only").await;
        let other = app(store.as_ref(), "read-only").await;
        let req = check_authorize(store.as_ref(), &params(&a.record.client_id, ""))
            .await
            .unwrap();
        let issue_one = || async {
            let code = approve(store.as_ref(), &req, admin).await.unwrap();
            exchange_code(
                store.as_ref(),
                TokenLifetimes::default(),
                &a.record,
                &code,
                None,
                None,
            )
            .await
            .unwrap()
        };
        let t = issue_one().await;
        // Another app cannot revoke it.
        assert_eq!(
            revoke_token(store.as_ref(), &other.record, &t.access_token)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            revoke_token(store.as_ref(), &a.record, &t.refresh_token)
                .await
                .unwrap(),
            Some(t.record.grant.clone())
        );
        assert!(principal_of_bearer(store.as_ref(), &t.access_token)
            .await
            .unwrap()
            .is_none());
        let t = issue_one().await;
        revoke_app(store.as_ref(), &a.record.client_id)
            .await
            .unwrap();
        assert!(principal_of_bearer(store.as_ref(), &t.access_token)
            .await
            .unwrap()
            .is_none());
        assert!(matches!(
            authenticate_client(store.as_ref(), &a.record.client_id, &a.secret).await,
            Err(OAuthError::Protocol {
                code: ErrorCode::InvalidClient,
                ..
            })
        ));
        assert!(matches!(
            revoke_app(store.as_ref(), &a.record.client_id).await,
            Err(AppError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn clients_authenticate_with_their_secret_only() {
        let (_d, store) = store().await;
        let a = app(store.as_ref(), "read-only").await;
        let id = &a.record.client_id;
        assert!(authenticate_client(store.as_ref(), id, &a.secret)
            .await
            .is_ok());
        for (id, secret) in [(id.as_str(), "wrong"), ("unknown", a.secret.as_str())] {
            assert_eq!(
                protocol_code(authenticate_client(store.as_ref(), id, secret).await),
                ErrorCode::InvalidClient
            );
        }
    }
}

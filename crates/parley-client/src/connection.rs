//! Saved connections: a name, an API's base URL (Gong's public API by default, or any
//! Parley) and its credentials: an access key and secret (HTTP Basic, as Gong's keys are
//! used) or a bearer token (an OAuth access token).
//!
//! They live in one TOML file, `$PARLEY_CONNECTIONS`, else
//! `$XDG_CONFIG_HOME/parley/connections.toml`, else `~/.config/parley/connections.toml`,
//! written with mode 0600 (its folder 0700) through a temporary file and a rename, so a
//! crash never leaves half a file. Secrets are never printed: [`Connection::shown`] and
//! `Debug` redact them.
//!
//! For CI and scripts, a connection can come from the environment instead
//! ([`Connection::from_env`]): `PARLEY_API_URL` (default [`GONG_API`]) with
//! `PARLEY_ACCESS_KEY` and `PARLEY_ACCESS_KEY_SECRET`, or `PARLEY_API_TOKEN`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ClientError;

/// Gong's public API, the default base URL.
pub const GONG_API: &str = "https://api.gong.io";
/// The name the environment's connection goes by.
pub const ENV_NAME: &str = "env";
const REDACTED: &str = "<redacted>";
const MAX_NAME_CHARS: usize = 64;

/// How requests authenticate.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// An access key and its secret, sent as HTTP Basic.
    Key { access_key: String, secret: String },
    /// A bearer token (an OAuth access token).
    Token { token: String },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Key { access_key, .. } => f
                .debug_struct("Key")
                .field("access_key", access_key)
                .field("secret", &REDACTED)
                .finish(),
            Credentials::Token { .. } => f.debug_struct("Token").field("token", &REDACTED).finish(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub name: String,
    /// The API's base URL, without a trailing slash (`https://api.gong.io`,
    /// `https://parley.example.com`); request paths (`/v2/calls`) are added to it.
    pub url: String,
    pub credentials: Credentials,
    /// How a token connection gets a new access token when its own expires
    /// ([`crate::oauth`]); `None` for keys and for tokens given without one.
    pub refresh: Option<Refresh>,
}

/// An OAuth app's credentials and the refresh token of a token connection. Refresh
/// tokens are single use: each refresh returns the next, which is saved at once.
#[derive(Clone, PartialEq, Eq)]
pub struct Refresh {
    /// Where tokens are refreshed: Gong's `https://app.gong.io/oauth2/generate-customer-token`,
    /// a Parley's `{url}/oauth2/generate-customer-token`.
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    /// When the access token expires (Unix seconds), when known.
    pub expires_at: Option<i64>,
}

impl fmt::Debug for Refresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refresh")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &REDACTED)
            .field("refresh_token", &REDACTED)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Gong's token endpoint (its OAuth lives on the app's host, not the API's).
pub const GONG_TOKEN_URL: &str = "https://app.gong.io/oauth2/generate-customer-token";

/// Whether a base URL is Gong's own (`api.gong.io`, a customer's `*.api.gong.io`).
pub fn is_gong(base: &str) -> bool {
    url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .is_some_and(|h| h == "gong.io" || h.ends_with(".gong.io"))
}

/// The token endpoint for a connection's base URL: Gong's for Gong, else the server's own.
pub fn default_token_url(base: &str) -> String {
    if is_gong(base) {
        GONG_TOKEN_URL.to_owned()
    } else {
        format!(
            "{}/oauth2/generate-customer-token",
            base.trim_end_matches('/')
        )
    }
}

/// A connection as shown: no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shown {
    pub name: String,
    pub url: String,
    /// `key`, `token` or `oauth` (a token refreshed with a refresh token).
    pub auth: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
    /// Always [`REDACTED`].
    pub secret: &'static str,
}

impl Connection {
    /// A connection checked: a usable name, an http(s) base URL without query or
    /// credentials, non-empty credentials.
    pub fn new(
        name: &str,
        url: Option<&str>,
        credentials: Credentials,
    ) -> Result<Connection, ClientError> {
        let name = check_name(name)?;
        let url = base_url(url.unwrap_or(GONG_API))?;
        let empty = match &credentials {
            Credentials::Key { access_key, secret } => {
                access_key.trim().is_empty() || secret.trim().is_empty()
            }
            Credentials::Token { token } => token.trim().is_empty(),
        };
        if empty {
            return Err(ClientError::Usage(
                "the credentials are empty: give an access key and its secret, or a token".into(),
            ));
        }
        Ok(Connection {
            name,
            url,
            credentials,
            refresh: None,
        })
    }

    /// The connection with the means to refresh its token (a token connection only).
    pub fn with_refresh(mut self, refresh: Refresh) -> Result<Connection, ClientError> {
        if !matches!(self.credentials, Credentials::Token { .. }) {
            return Err(ClientError::Usage(
                "only a token connection can be refreshed".into(),
            ));
        }
        let empty = [
            &refresh.client_id,
            &refresh.client_secret,
            &refresh.refresh_token,
        ]
        .iter()
        .any(|v| v.trim().is_empty());
        if empty {
            return Err(ClientError::Usage(
                "refreshing needs the OAuth app's client id and secret and a refresh token".into(),
            ));
        }
        base_url(&refresh.token_url)?;
        self.refresh = Some(refresh);
        Ok(self)
    }

    /// The environment's connection, when it names credentials.
    pub fn from_env() -> Result<Option<Connection>, ClientError> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let url = var("PARLEY_API_URL");
        let credentials = match (
            var("PARLEY_ACCESS_KEY"),
            var("PARLEY_ACCESS_KEY_SECRET"),
            var("PARLEY_API_TOKEN"),
        ) {
            (Some(access_key), Some(secret), _) => Credentials::Key {
                access_key: access_key.trim().to_owned(),
                secret: secret.trim().to_owned(),
            },
            (Some(_), None, _) => {
                return Err(ClientError::Usage(
                    "PARLEY_ACCESS_KEY is set without PARLEY_ACCESS_KEY_SECRET".into(),
                ))
            }
            (None, _, Some(token)) => Credentials::Token {
                token: token.trim().to_owned(),
            },
            (None, _, None) => return Ok(None),
        };
        Connection::new(ENV_NAME, url.as_deref(), credentials).map(Some)
    }

    /// Whether requests would carry the credentials unencrypted over a network: plain
    /// http to anything but this machine.
    pub fn plain_http_beyond_loopback(&self) -> bool {
        url::Url::parse(&self.url).is_ok_and(|u| {
            u.scheme() == "http"
                && !matches!(u.host(), Some(url::Host::Domain("localhost")))
                && !match u.host() {
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    _ => false,
                }
        })
    }

    pub fn shown(&self) -> Shown {
        let (auth, access_key) = match &self.credentials {
            Credentials::Key { access_key, .. } => ("key", Some(access_key.clone())),
            Credentials::Token { .. } if self.refresh.is_some() => ("oauth", None),
            Credentials::Token { .. } => ("token", None),
        };
        Shown {
            name: self.name.clone(),
            url: self.url.clone(),
            auth,
            access_key,
            secret: REDACTED,
        }
    }
}

fn check_name(name: &str) -> Result<String, ClientError> {
    let name = name.trim();
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(name.to_owned())
    } else {
        Err(ClientError::Usage(format!(
            "a connection name is 1 to {MAX_NAME_CHARS} letters, digits, '-', '_' or '.'"
        )))
    }
}

/// The base URL as kept: http(s), no user or password, no query or fragment, no trailing
/// slash (a path prefix such as `/gong` stays).
pub fn base_url(url: &str) -> Result<String, ClientError> {
    let bad = |why: &str| ClientError::Usage(format!("the url {why}"));
    let parsed = url::Url::parse(url.trim()).map_err(|_| bad("is not an absolute url"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("must be http or https"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("must not hold a user name or password"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("must not hold a query or fragment"));
    }
    if parsed.host_str().is_none() {
        return Err(bad("has no host"));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// The file's form.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    connections: BTreeMap<String, Stored>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    /// Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
}

/// The saved connections, read from and written to one file.
#[derive(Debug)]
pub struct Connections {
    path: PathBuf,
    list: BTreeMap<String, Connection>,
}

/// Where connections are kept when nothing says otherwise.
pub fn default_path() -> Result<PathBuf, ClientError> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(p) = var("PARLEY_CONNECTIONS") {
        return Ok(PathBuf::from(p));
    }
    let config = match (var("XDG_CONFIG_HOME"), var("HOME")) {
        (Some(x), _) => PathBuf::from(x),
        (None, Some(h)) => PathBuf::from(h).join(".config"),
        (None, None) => {
            return Err(ClientError::File(
                "no place for the connections file: set PARLEY_CONNECTIONS or HOME".into(),
            ))
        }
    };
    Ok(config.join("parley").join("connections.toml"))
}

impl Connections {
    /// Reads the file (none yet: no connections).
    pub fn load(path: &Path) -> Result<Connections, ClientError> {
        let shown = path.display();
        let file: File = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                ClientError::File(format!("the connections file {shown} is not valid: {e}"))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => File::default(),
            Err(e) => {
                return Err(ClientError::File(format!(
                    "could not read the connections file {shown}: {e}"
                )))
            }
        };
        let mut list = BTreeMap::new();
        for (name, s) in file.connections {
            let credentials = match (s.access_key, s.secret, s.token) {
                (Some(access_key), Some(secret), None) => Credentials::Key { access_key, secret },
                (None, None, Some(token)) => Credentials::Token { token },
                _ => {
                    return Err(ClientError::File(format!(
                        "connection {name:?} in {shown} needs access_key and secret, or token"
                    )))
                }
            };
            let in_file =
                |e: ClientError| ClientError::File(format!("connection {name:?} in {shown}: {e}"));
            let mut c = Connection::new(&name, Some(&s.url), credentials).map_err(in_file)?;
            match (s.client_id, s.client_secret, s.refresh_token) {
                (Some(client_id), Some(client_secret), Some(refresh_token)) => {
                    let token_url = s.token_url.unwrap_or_else(|| default_token_url(&c.url));
                    c = c
                        .with_refresh(Refresh {
                            token_url,
                            client_id,
                            client_secret,
                            refresh_token,
                            expires_at: s.expires_at,
                        })
                        .map_err(in_file)?;
                }
                (None, None, None) => {}
                _ => {
                    return Err(in_file(ClientError::Usage(
                        "refreshing needs client_id, client_secret and refresh_token".into(),
                    )))
                }
            }
            list.insert(c.name.clone(), c);
        }
        Ok(Connections {
            path: path.to_owned(),
            list,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, name: &str) -> Option<&Connection> {
        self.list.get(name.trim())
    }

    pub fn all(&self) -> impl Iterator<Item = &Connection> {
        self.list.values()
    }

    /// Adds a connection, or replaces the one of that name.
    pub fn put(&mut self, c: Connection) {
        self.list.insert(c.name.clone(), c);
    }

    /// False when there was none of that name.
    pub fn remove(&mut self, name: &str) -> bool {
        self.list.remove(name.trim()).is_some()
    }

    /// The connection a command uses: the one named; else the environment's; else the
    /// only one saved.
    pub fn choose(&self, name: Option<&str>) -> Result<Connection, ClientError> {
        if let Some(name) = name {
            if name.trim() == ENV_NAME {
                if let Some(c) = Connection::from_env()? {
                    return Ok(c);
                }
            }
            return self.get(name).cloned().ok_or_else(|| {
                ClientError::Usage(format!(
                    "no connection named {name:?}; `parley connection list` shows them"
                ))
            });
        }
        if let Some(c) = Connection::from_env()? {
            return Ok(c);
        }
        let mut all = self.list.values();
        match (all.next(), all.next()) {
            (Some(only), None) => Ok(only.clone()),
            (None, _) => Err(ClientError::Usage(
                "no connection: add one with `parley connection add NAME --url URL --access-key KEY`, or set PARLEY_ACCESS_KEY and PARLEY_ACCESS_KEY_SECRET".into(),
            )),
            (Some(_), Some(_)) => Err(ClientError::Usage(format!(
                "more than one connection is saved; name one of: {}",
                self.list.keys().cloned().collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// Writes the file: mode 0600 in a folder of mode 0700, through a temporary file
    /// renamed over the old one.
    pub fn save(&self) -> Result<(), ClientError> {
        let shown = self.path.display();
        let failed = |e: std::io::Error| ClientError::File(format!("could not write {shown}: {e}"));
        let file = File {
            connections: self
                .list
                .values()
                .map(|c| {
                    let (access_key, secret, token) = match &c.credentials {
                        Credentials::Key { access_key, secret } => {
                            (Some(access_key.clone()), Some(secret.clone()), None)
                        }
                        Credentials::Token { token } => (None, None, Some(token.clone())),
                    };
                    let r = c.refresh.as_ref();
                    (
                        c.name.clone(),
                        Stored {
                            url: c.url.clone(),
                            access_key,
                            secret,
                            token,
                            token_url: r.map(|r| r.token_url.clone()),
                            client_id: r.map(|r| r.client_id.clone()),
                            client_secret: r.map(|r| r.client_secret.clone()),
                            refresh_token: r.map(|r| r.refresh_token.clone()),
                            expires_at: r.and_then(|r| r.expires_at),
                        },
                    )
                })
                .collect(),
        };
        let text = toml::to_string(&file)
            .map_err(|e| ClientError::File(format!("could not write {shown}: {e}")))?;
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.exists() {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(dir).map_err(failed)?;
        }
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            self.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let mut f = o.open(&tmp).map_err(failed)?;
        let written = f
            .write_all(b"# parley connections: holds secrets; keep it private (mode 0600).\n")
            .and_then(|_| f.write_all(text.as_bytes()))
            .and_then(|_| f.sync_all());
        if let Err(e) = written.and_then(|_| std::fs::rename(&tmp, &self.path)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(failed(e));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str, s: &str) -> Credentials {
        Credentials::Key {
            access_key: k.into(),
            secret: s.into(),
        }
    }

    #[test]
    fn connections_are_saved_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf/parley/connections.toml");
        let mut all = Connections::load(&path).unwrap();
        assert_eq!(all.all().count(), 0);
        all.put(Connection::new("gong", None, key("AK", "S3CRET")).unwrap());
        all.put(
            Connection::new(
                "local",
                Some("http://127.0.0.1:8080/"),
                Credentials::Token {
                    token: "tok".into(),
                },
            )
            .unwrap(),
        );
        all.save().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        let again = Connections::load(&path).unwrap();
        assert_eq!(again.get("gong").unwrap().url, GONG_API);
        assert_eq!(again.get("local").unwrap().url, "http://127.0.0.1:8080");
        assert_eq!(again.get("gong").unwrap().credentials, key("AK", "S3CRET"));
        // No temporary file is left beside it.
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );

        let mut again = again;
        assert!(again.remove("local"));
        assert!(!again.remove("local"));
        again.save().unwrap();
        assert!(Connections::load(&path).unwrap().get("local").is_none());
    }

    #[test]
    fn secrets_are_never_shown() {
        let c = Connection::new("gong", None, key("AK", "S3CRET")).unwrap();
        let shown = serde_json::to_string(&c.shown()).unwrap();
        let debug = format!("{c:?}");
        for text in [shown, debug] {
            assert!(!text.contains("S3CRET"), "{text}");
            assert!(text.contains("AK"), "{text}");
        }
        let t = Connection::new(
            "t",
            None,
            Credentials::Token {
                token: "tok-123".into(),
            },
        )
        .unwrap();
        assert!(
            !format!("{t:?}{}", serde_json::to_string(&t.shown()).unwrap()).contains("tok-123")
        );
    }

    #[test]
    fn mistakes_are_named() {
        let e = |r: Result<Connection, ClientError>| r.unwrap_err().to_string();
        assert!(e(Connection::new("a b", None, key("k", "s"))).contains("connection name"));
        assert!(e(Connection::new("a", Some("ftp://x"), key("k", "s"))).contains("http or https"));
        assert!(e(Connection::new(
            "a",
            Some("https://u:p@x.example"),
            key("k", "s")
        ))
        .contains("user name or password"));
        assert!(e(Connection::new(
            "a",
            Some("https://x.example/?k=1"),
            key("k", "s")
        ))
        .contains("query"));
        assert!(e(Connection::new("a", None, key("k", " "))).contains("credentials are empty"));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "[connections.x]\nurl = \"https://x.example\"\ntoken = \"t\"\nsecret = \"s\"\n",
        )
        .unwrap();
        let err = Connections::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("needs access_key and secret, or token"),
            "{err}"
        );
        std::fs::write(&path, "connections = 3").unwrap();
        assert!(Connections::load(&path)
            .unwrap_err()
            .to_string()
            .contains("not valid"));
    }

    #[test]
    fn the_connection_is_the_one_named_else_the_only_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut all = Connections::load(&dir.path().join("c.toml")).unwrap();
        // The environment of the test process names no credentials (cargo sets none).
        if Connection::from_env().unwrap().is_some() {
            return;
        }
        assert!(all
            .choose(None)
            .unwrap_err()
            .to_string()
            .contains("no connection"));
        all.put(Connection::new("a", None, key("k", "s")).unwrap());
        assert_eq!(all.choose(None).unwrap().name, "a");
        all.put(Connection::new("b", None, key("k", "s")).unwrap());
        let e = all.choose(None).unwrap_err().to_string();
        assert!(e.contains("name one of: a, b"), "{e}");
        assert_eq!(all.choose(Some("b")).unwrap().name, "b");
        assert!(all
            .choose(Some("c"))
            .unwrap_err()
            .to_string()
            .contains("parley connection list"));
    }
}

//! `parley connection` and `parley request`: the client side, against Gong's public API
//! or any Parley. No database: connections are a file of the user's
//! (`parley_client::connection`), and a request goes out through the chosen connection.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::time::Duration;

use anyhow::{anyhow, Result};
use clap::{Args, Subcommand};

use parley_client::connection::{self, Connection, Connections, Credentials};
use parley_client::request::{self, Limits, RawRequest, RequestBody};
use parley_client::run::{Remote, Transport};
use parley_client::ClientError;
use parley_outbound::api::Method;

#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// The connections file [default: $PARLEY_CONNECTIONS, else
    /// $XDG_CONFIG_HOME/parley/connections.toml, else ~/.config/parley/connections.toml]
    #[arg(long, global = true)]
    file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: ConnectionCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConnectionCommand {
    /// Save a connection (or replace the one of that name). The secret or token is read
    /// from standard input (never from the command line, where other users of the
    /// machine can see it), or from PARLEY_ACCESS_KEY_SECRET / PARLEY_API_TOKEN.
    Add {
        name: String,
        /// The API's base URL [default: https://api.gong.io]
        #[arg(long)]
        url: Option<String>,
        /// An access key; its secret comes from standard input or PARLEY_ACCESS_KEY_SECRET.
        #[arg(long, conflicts_with = "token")]
        access_key: Option<String>,
        /// Authenticate with a bearer token (an OAuth access token) read from standard
        /// input or PARLEY_API_TOKEN.
        #[arg(long)]
        token: bool,
        /// Refresh the token when it expires, as this OAuth app: its client secret and the
        /// refresh token are read from the next lines of standard input, or from
        /// PARLEY_OAUTH_CLIENT_SECRET and PARLEY_OAUTH_REFRESH_TOKEN
        #[arg(long, requires = "token")]
        oauth_client_id: Option<String>,
        /// The OAuth token endpoint [default: Gong's for Gong, else URL/oauth2/generate-customer-token]
        #[arg(long, requires = "oauth_client_id")]
        token_url: Option<String>,
        /// Seconds until the token given expires (unknown: it is refreshed on its first 401)
        #[arg(long, requires = "oauth_client_id")]
        expires_in: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// List the saved connections (never their secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one connection (never its secret).
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Forget a connection.
    Remove { name: String },
}

#[derive(Debug, Args)]
pub struct RequestArgs {
    /// [CONNECTION] PATH: the connection's name (default: the environment's, else the
    /// only one saved) and the API path, such as /v2/calls or /v2/calls/{id}
    #[arg(num_args = 1..=2, required = true, value_names = ["CONNECTION", "PATH"])]
    target: Vec<String>,
    /// The HTTP method [default: GET, or POST with a body]
    #[arg(short = 'X', long)]
    method: Option<String>,
    /// A header, "Name: value" (repeatable)
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
    /// A body sent as it is, as a form unless -H gives a content type; @FILE reads a
    /// file, @- standard input
    #[arg(short = 'd', long, conflicts_with_all = ["json", "raw_data"])]
    data: Option<String>,
    /// A JSON body (checked), sent as application/json; @FILE reads a file, @- standard
    /// input
    #[arg(long, conflicts_with = "raw_data")]
    json: Option<String>,
    /// A body sent byte for byte (no @FILE), with no content type unless -H gives one
    #[arg(long = "rawData")]
    raw_data: Option<String>,
    /// A query parameter, key=value (repeatable)
    #[arg(long)]
    query: Vec<String>,
    /// A path parameter, key=value, filling {key} in the path (repeatable)
    #[arg(long = "pathParam")]
    path_param: Vec<String>,
    /// Print the status line and the response headers before the body
    #[arg(short = 'i', long)]
    include: bool,
    /// Give up after this many seconds
    #[arg(long, default_value_t = 120)]
    max_time: u64,
    /// The connections file (as for `parley connection`)
    #[arg(long)]
    file: Option<std::path::PathBuf>,
}

fn usage(e: ClientError) -> anyhow::Error {
    anyhow!("{e}")
}

fn load(file: Option<&std::path::Path>) -> Result<Connections> {
    let path = match file {
        Some(p) => p.to_owned(),
        None => connection::default_path().map_err(usage)?,
    };
    Connections::load(&path).map_err(usage)
}

/// A secret from the environment variable, else the first line of standard input (typed
/// without echo on a terminal); never from the command line.
fn secret(var: &str, what: &str) -> Result<String> {
    if let Some(v) = std::env::var(var).ok().filter(|v| !v.trim().is_empty()) {
        return Ok(v.trim().to_owned());
    }
    let stdin = std::io::stdin();
    let line = if stdin.is_terminal() {
        eprint!("{what}: ");
        let _ = std::io::stderr().flush();
        let line = without_echo(|| first_line(stdin.lock()));
        eprintln!();
        line?
    } else {
        first_line(stdin.lock())?
    };
    if line.is_empty() {
        return Err(anyhow!("no {what}: give it on standard input or in {var}"));
    }
    Ok(line)
}

/// The first line of `r` (at most 64 KiB of it: a secret is short, and a file piped in by
/// mistake must not be read whole), trimmed.
fn first_line(r: impl BufRead) -> Result<String> {
    let mut line = String::new();
    r.take(64 * 1024)
        .read_line(&mut line)
        .map_err(|e| anyhow!("could not read the secret: {e}"))?;
    Ok(line.trim().to_owned())
}

/// Runs `f` with the terminal on standard input not echoing what is typed.
fn without_echo<T>(f: impl FnOnce() -> T) -> T {
    use std::os::fd::AsRawFd;
    let fd = std::io::stdin().as_raw_fd();
    // SAFETY: termios is plain data; tcgetattr fills it or fails (then nothing changes).
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(fd, &mut t) } != 0 {
        return f();
    }
    let old = t;
    t.c_lflag &= !libc::ECHO;
    // SAFETY: a valid fd and a termios read from it.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &t) };
    let r = f();
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &old) };
    r
}

pub async fn connection(args: &ConnectionArgs) -> Result<()> {
    let mut all = load(args.file.as_deref())?;
    let print = |json: bool, value: serde_json::Value, text: &dyn Fn()| {
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        } else {
            text();
        }
    };
    let line = |c: &Connection| {
        let s = c.shown();
        format!(
            "{:<16}  {:<40}  {}{}",
            s.name,
            s.url,
            s.auth,
            s.access_key.map(|k| format!(" {k}")).unwrap_or_default()
        )
    };
    match &args.command {
        ConnectionCommand::Add {
            name,
            url,
            access_key,
            token,
            oauth_client_id,
            token_url,
            expires_in,
            json,
        } => {
            let credentials = match (access_key, token) {
                (Some(k), false) => Credentials::Key {
                    access_key: k.trim().to_owned(),
                    secret: secret("PARLEY_ACCESS_KEY_SECRET", "access key secret")?,
                },
                (None, true) => Credentials::Token {
                    token: secret("PARLEY_API_TOKEN", "token")?,
                },
                _ => return Err(anyhow!("give --access-key KEY or --token")),
            };
            let mut c = Connection::new(name, url.as_deref(), credentials).map_err(usage)?;
            if let Some(client_id) = oauth_client_id {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0);
                let refresh = connection::Refresh {
                    token_url: token_url
                        .clone()
                        .unwrap_or_else(|| connection::default_token_url(&c.url)),
                    client_id: client_id.trim().to_owned(),
                    client_secret: secret("PARLEY_OAUTH_CLIENT_SECRET", "oauth client secret")?,
                    refresh_token: secret("PARLEY_OAUTH_REFRESH_TOKEN", "refresh token")?,
                    expires_at: expires_in.map(|s| now + s),
                };
                c = c.with_refresh(refresh).map_err(usage)?;
            }
            all.put(c.clone());
            all.save().map_err(usage)?;
            print(
                *json,
                serde_json::json!({ "connection": c.shown() }),
                &|| {
                    println!("connection saved: {}", line(&c));
                    println!("in {}", all.path().display());
                },
            );
        }
        ConnectionCommand::List { json } => {
            let shown: Vec<_> = all.all().map(Connection::shown).collect();
            print(*json, serde_json::json!({ "connections": shown }), &|| {
                if shown.is_empty() {
                    println!("no connections; add one with `parley connection add NAME --url URL --access-key KEY`");
                }
                for c in all.all() {
                    println!("{}", line(c));
                }
            });
        }
        ConnectionCommand::Show { name, json } => {
            let c = all.get(name).ok_or_else(|| {
                anyhow!(
                    "not found: no connection named {name:?}; `parley connection list` shows them"
                )
            })?;
            print(
                *json,
                serde_json::json!({ "connection": c.shown() }),
                &|| println!("{}", line(c)),
            );
        }
        ConnectionCommand::Remove { name } => {
            if !all.remove(name) {
                return Err(anyhow!(
                    "not found: no connection named {name:?}; `parley connection list` shows them"
                ));
            }
            all.save().map_err(usage)?;
            println!("connection {name} removed");
        }
    }
    Ok(())
}

/// A body argument: `@FILE`, `@-` (standard input), or the text itself; at most
/// `MAX_BODY` bytes.
pub(crate) fn body_bytes(arg: &str) -> Result<Vec<u8>> {
    const MAX_BODY: u64 = 64 * 1024 * 1024;
    let read = |r: &mut dyn Read| -> Result<Vec<u8>> {
        let mut b = Vec::new();
        r.take(MAX_BODY + 1).read_to_end(&mut b)?;
        if b.len() as u64 > MAX_BODY {
            return Err(anyhow!("the body is larger than {MAX_BODY} bytes"));
        }
        Ok(b)
    };
    match arg.strip_prefix('@') {
        Some("-") => read(&mut std::io::stdin().lock()),
        Some(path) => {
            let mut f = std::fs::File::open(path)
                .map_err(|e| anyhow!("could not read the body file {path}: {e}"))?;
            read(&mut f)
        }
        None => Ok(arg.as_bytes().to_vec()),
    }
}

fn raw_request(args: &RequestArgs) -> Result<(Option<String>, RawRequest)> {
    let (name, path) = match args.target.as_slice() {
        [path] => (None, path.clone()),
        [name, path] => (Some(name.clone()), path.clone()),
        _ => return Err(anyhow!("give [CONNECTION] PATH")),
    };
    let method =
        match &args.method {
            Some(m) => Some(Method::from_name(m).ok_or_else(|| {
                anyhow!("-X takes GET, HEAD, POST, PUT, PATCH or DELETE, not {m:?}")
            })?),
            None => None,
        };
    let body = match (&args.data, &args.json, &args.raw_data) {
        (Some(d), _, _) => RequestBody::Data(body_bytes(d)?),
        (_, Some(j), _) => {
            let bytes = body_bytes(j)?;
            RequestBody::Json(
                serde_json::from_slice(&bytes)
                    .map_err(|e| anyhow!("--json is not valid JSON: {e}"))?,
            )
        }
        (_, _, Some(r)) => RequestBody::Raw(r.as_bytes().to_vec()),
        _ => RequestBody::None,
    };
    let pairs = |list: &[String], flag: &str| -> Result<Vec<(String, String)>> {
        list.iter()
            .map(|t| request::pair(t, flag).map_err(usage))
            .collect()
    };
    Ok((
        name,
        RawRequest {
            method,
            path,
            headers: args
                .headers
                .iter()
                .map(|h| request::header(h).map_err(usage))
                .collect::<Result<_>>()?,
            query: pairs(&args.query, "--query")?,
            path_params: pairs(&args.path_param, "--pathParam")?,
            body,
        },
    ))
}

/// Runs the request and prints the answer's body (with `-i`, its status and headers
/// first); the exit code says how it went (`parley_client::exit_code`).
pub async fn request(args: &RequestArgs) -> Result<i32> {
    let (name, req) = match raw_request(args) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(parley_client::EXIT_USAGE);
        }
    };
    let limits = Limits {
        timeout: Duration::from_secs(args.max_time.max(1)),
        ..Limits::default()
    };
    let remote = match remote(args.file.as_deref(), name.as_deref(), limits) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(parley_client::EXIT_USAGE);
        }
    };
    let answer = match remote.send(&req).await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(e.exit_code());
        }
    };
    let mut out = std::io::stdout().lock();
    if args.include {
        writeln!(out, "HTTP {}", answer.status)?;
        for (k, v) in &answer.headers {
            writeln!(out, "{k}: {v}")?;
        }
        writeln!(out)?;
    }
    out.write_all(&answer.body)?;
    if !answer.body.ends_with(b"\n") && !answer.body.is_empty() && out_is_terminal() {
        writeln!(out)?;
    }
    out.flush()?;
    Ok(parley_client::exit_code(answer.status))
}

/// The base URL of a saved connection (or the environment's), to know what it serves.
pub(crate) fn connection_url(file: Option<&std::path::Path>, name: &str) -> Result<String> {
    let all = load(file)?;
    Ok(all.choose(Some(name)).map_err(usage)?.url.clone())
}

/// The connection to use (see [`Connections::choose`]) as a transport that refreshes
/// its token and saves it, with a warning when its credentials would cross the network
/// unencrypted.
pub(crate) fn remote(
    file: Option<&std::path::Path>,
    name: Option<&str>,
    limits: Limits,
) -> Result<Remote> {
    let all = load(file)?;
    let conn = all.choose(name).map_err(usage)?;
    if conn.plain_http_beyond_loopback() {
        eprintln!(
            "warning: connection {} is plain http: its credentials cross the network unencrypted",
            conn.name
        );
    }
    // The environment's connection is not in the file: its refreshed tokens live as long
    // as the process.
    let saved = (conn.name != connection::ENV_NAME).then(|| all.path().to_owned());
    Ok(Remote::new(conn, saved, limits))
}

fn out_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

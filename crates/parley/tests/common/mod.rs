//! What the tests that drive a real `parley serve` share: running the binary on a data
//! folder, starting a server on port 0, the engine hosts it started, and an API client
//! with a fresh key.
#![allow(dead_code)] // each test binary uses its own part

pub mod client;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// Runs a helper program (espeak-ng, sox, kill, parley) to success.
pub fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{cmd:?} did not start ({e}): install espeak-ng and sox (apt-get install espeak-ng sox)")
    });
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `parley` on the data folder `data`, with Whisper tiny.en on two threads, no config file,
/// no engine crash switch, and a 4 s worker lease (so a killed worker's job is taken over
/// within seconds; `serve`'s `env` can set another).
pub fn parley(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_parley"));
    cmd.arg("--data-dir")
        .arg(data)
        .args(["--asr-model", "tiny.en", "--asr-threads", "2"])
        .env_remove("PARLEY_CONFIG")
        .env_remove("PARLEY_TEST_ENGINE_CRASH")
        .env("PARLEY_WORKER_LEASE_SECS", "4")
        .current_dir(data);
    cmd
}

/// A running `parley serve`; killed, with its engine hosts, when dropped.
pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        for pid in engine_pids(self.child.id()) {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `parley serve` on port 0 with `env` set, and waits until it listens.
pub fn serve(data: &Path, env: &[(&str, &str)]) -> Server {
    let mut cmd = parley(data);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("parley listening on ").map(str::to_owned))
        .expect("the server did not start");
    // Keep reading: a closed pipe would make the server's next line fail.
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, addr }
}

/// The engine hosts a process started (its children running `engine-host`).
pub fn engine_pids(parent: u32) -> Vec<u32> {
    let mut pids = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{parent}/task")) else {
        return pids;
    };
    for t in tasks.flatten() {
        let children = std::fs::read_to_string(t.path().join("children")).unwrap_or_default();
        for pid in children.split_whitespace().filter_map(|p| p.parse().ok()) {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains("engine-host") {
                pids.push(pid);
            }
        }
    }
    pids
}

/// An HTTP client of one server, with a key made by `parley keys create`.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub key: (String, String),
    /// Limit on each JSON request (`send`, `get`); none unless set.
    pub timeout: Option<Duration>,
}

impl Api {
    pub fn new(data: &Path, addr: &str) -> Api {
        let out = parley(data)
            .args(["keys", "create", "--name", "test"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let field = |label: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(label))
                .unwrap_or_else(|| panic!("{label} in {text}"))
                .trim()
                .to_owned()
        };
        Api {
            http: fresh_connections(),
            base: addr.to_owned(),
            key: (field("access key:"), field("secret:")),
            timeout: None,
        }
    }

    /// One request, as a well-behaved client makes it: a 429 is waited out for the
    /// `Retry-After` it names (a few times at most), since the key's rate limit is shared
    /// by every node on one database and a test polling hard may reach it.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        for _ in 0..5 {
            let mut req = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .basic_auth(&self.key.0, Some(&self.key.1));
            if let Some(t) = self.timeout {
                req = req.timeout(t);
            }
            if let Some(b) = &body {
                req = req.json(b);
            }
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            if status == 429 {
                let wait = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                    .unwrap_or(1)
                    .min(10);
                tokio::time::sleep(Duration::from_secs(wait)).await;
                continue;
            }
            return (status, r.json().await.unwrap_or(Value::Null));
        }
        panic!("{method} {path}: still 429 after waiting out Retry-After five times")
    }

    /// The API answers: health, and a listing that reads the database (the calls
    /// there are, returned).
    pub async fn answers(&self) -> Value {
        let health = self
            .http
            .get(format!("{}/health", self.base))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status().as_u16(), 200);
        let calls = self.get("/v2/calls").await;
        assert!(!calls["calls"].as_array().unwrap().is_empty(), "{calls}");
        calls
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// `PUT /v2/calls/{call}/media` with `file` as `mediaFile`.
    pub async fn upload(&self, call: &str, file: &Path) -> (u16, Value) {
        let bytes = std::fs::read(file).unwrap();
        let part = reqwest::multipart::Part::bytes(bytes).file_name("call.wav");
        let form = reqwest::multipart::Form::new().part("mediaFile", part);
        let r = self
            .http
            .put(format!("{}/v2/calls/{call}/media", self.base))
            .basic_auth(&self.key.0, Some(&self.key.1))
            .multipart(form)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// Creates a user and a call (the user and one outside party, with `extra` merged into
    /// the call's body); returns (call, user).
    pub async fn call(&self, unique: &str, extra: Value) -> (String, String) {
        let email = format!("rita.{unique}@northwind.example.com");
        let (s, u) = self
            .send(
                reqwest::Method::POST,
                "/parley/v1/users",
                Some(json!({"email": email, "firstName": "Rita", "lastName": "Rep"})),
            )
            .await;
        assert!(s == 200 || s == 201, "{u}");
        let user = u["userId"]
            .as_str()
            .or(u["id"].as_str())
            .unwrap()
            .to_owned();
        let mut body = json!({
            "clientUniqueId": unique,
            "actualStart": "2026-11-20T10:00:00Z",
            "direction": "Outbound",
            "primaryUser": user,
            "title": format!("Call {unique}"),
            "parties": [
                {"userId": user},
                {"name": "Dana Customer", "emailAddress": "dana@acme.example.com"}
            ]
        });
        for (k, v) in extra.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        let (s, c) = self
            .send(reqwest::Method::POST, "/v2/calls", Some(body))
            .await;
        assert!(s == 200 || s == 201, "{c}");
        (c["callId"].as_str().unwrap().to_owned(), user)
    }

    /// Imports a WebVTT transcript as the call's (`PUT /parley/v1/calls/{call}/transcript`).
    pub async fn import_vtt(&self, call: &str, vtt: &str) {
        let r = self
            .http
            .put(format!(
                "{}/parley/v1/calls/{call}/transcript?format=vtt",
                self.base
            ))
            .basic_auth(&self.key.0, Some(&self.key.1))
            .body(vtt.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }

    /// The call's transcript (its monologues) from `POST /v2/calls/transcript`.
    pub async fn transcript(&self, call: &str) -> Value {
        let (s, t) = self
            .send(
                reqwest::Method::POST,
                "/v2/calls/transcript",
                Some(json!({"filter": {"callIds": [call]}})),
            )
            .await;
        assert_eq!(s, 200, "{t}");
        t["callTranscripts"][0]["transcript"].clone()
    }

    /// The call's jobs (`/parley/v1/calls/{call}/jobs`).
    pub async fn jobs(&self, call: &str) -> Vec<Value> {
        let jobs = self.get(&format!("/parley/v1/calls/{call}/jobs")).await;
        jobs["jobs"].as_array().cloned().unwrap_or_default()
    }
}

/// Starts `cmd`, a `parley serve --listen 127.0.0.1:0` its caller set up (database, media,
/// where its log goes), and waits until it listens.
pub fn serve_cmd(mut cmd: Command) -> Server {
    cmd.stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("parley listening on ").map(str::to_owned))
        .unwrap_or_else(|| panic!("the server did not start: {cmd:?}"));
    // Keep reading: a closed pipe would make the server's next line fail.
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, addr }
}

/// A key made by `cmd`, a `parley keys create ...` on the database the servers use:
/// (access key, secret).
pub fn create_key(cmd: &mut Command) -> (String, String) {
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{cmd:?}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |label: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(label))
            .unwrap_or_else(|| panic!("{label} in {text}"))
            .trim()
            .to_owned()
    };
    (field("access key:"), field("secret:"))
}

/// A client that opens a connection per request. These tests wait minutes between
/// requests (a worker process transcribing); the server closes a connection idle that
/// long, and a pooled one reused just as it closes fails the request
/// (`IncompleteMessage`, seen once in CI on `worker_drain_runs_what_a_server_without_workers_queued`).
fn fresh_connections() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("an HTTP client")
}

impl Api {
    /// A client of the server at `addr` with a key made beforehand (one key, many nodes).
    pub fn with_key(addr: &str, key: (String, String)) -> Api {
        Api {
            http: fresh_connections(),
            base: addr.to_owned(),
            key,
            timeout: None,
        }
    }
}

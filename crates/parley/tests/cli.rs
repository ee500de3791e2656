//! Drives the real `parley` binary: keys, demo, import, serve.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// `parley` on `data`, free of the caller's `PARLEY_*` settings (see [`parley_env`]).
fn parley(data: &Path, args: &[&str]) -> (bool, String, String) {
    parley_env(data, &[], args)
}

fn field<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label:?} in {text}"))
        .trim()
}

#[test]
fn keys_are_created_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = parley(dir.path(), &["keys", "create", "--name", "etl"]);
    assert!(ok, "{err}");
    let key = field(&out, "access key:").to_owned();
    let secret = field(&out, "secret:").to_owned();
    assert_eq!(key.len(), 24);
    let db = std::fs::read(dir.path().join("parley.db")).unwrap();
    assert!(
        !db.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the secret must not be stored"
    );
    let (_, list, _) = parley(dir.path(), &["keys", "list"]);
    assert!(
        list.contains(&key) && list.contains("etl") && list.contains("active"),
        "{list}"
    );
    assert!(!list.contains(&secret));
    let (ok, _, _) = parley(dir.path(), &["keys", "revoke", &key]);
    assert!(ok);
    let (_, list, _) = parley(dir.path(), &["keys", "list"]);
    assert!(list.contains("revoked"), "{list}");
    let (ok, _, err) = parley(dir.path(), &["keys", "revoke", &key]);
    assert!(!ok && err.contains("no active key"), "{err}");
}

#[test]
fn users_are_added_and_listed_and_import_names_the_way_to_add_one() {
    let dir = tempfile::tempdir().unwrap();
    // A fresh install has nobody to own imported recordings: the error says what to run.
    let rec = dir.path().join("call.wav");
    std::fs::write(&rec, b"not yet").unwrap();
    let (ok, _, err) = parley(dir.path(), &["import", rec.to_str().unwrap()]);
    assert!(!ok && err.contains("parley users add"), "{err}");

    let (ok, out, err) = parley(
        dir.path(),
        &[
            "users",
            "add",
            "--email",
            "ada@acme.test",
            "--name",
            "Ada King Lovelace",
            "--title",
            "AE",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.starts_with("added user ") && out.contains("ada@acme.test"),
        "{out}"
    );
    let (ok, _, err) = parley(
        dir.path(),
        &[
            "users",
            "add",
            "--email",
            "bo@acme.test",
            "--name",
            "Bo",
            "--manager",
            "ada@acme.test",
        ],
    );
    assert!(ok, "{err}");
    let (_, list, _) = parley(dir.path(), &["users", "list"]);
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(
        list.contains("Ada King Lovelace") && list.contains("AE"),
        "{list}"
    );
    assert!(list.contains("bo@acme.test"), "{list}");

    // Mistakes are refused with the reason.
    let (ok, _, err) = parley(
        dir.path(),
        &[
            "users",
            "add",
            "--email",
            "ada@acme.test",
            "--name",
            "Ada Again",
        ],
    );
    assert!(!ok && err.contains("conflict"), "{err}");
    let (ok, _, err) = parley(
        dir.path(),
        &["users", "add", "--email", "nope", "--name", "X"],
    );
    assert!(!ok && err.contains("not an email address"), "{err}");
    let (ok, _, err) = parley(
        dir.path(),
        &[
            "users",
            "add",
            "--email",
            "c@acme.test",
            "--name",
            "C",
            "--manager",
            "zz@acme.test",
        ],
    );
    assert!(
        !ok && err.contains("no user with email zz@acme.test"),
        "{err}"
    );
    let (_, list, _) = parley(dir.path(), &["users", "list"]);
    assert_eq!(list.lines().count(), 2, "{list}");
}

/// `parley` on `data` with `env` set (and no other `PARLEY_*` setting of the caller's
/// besides the models folder).
fn parley_env(data: &Path, env: &[(&str, &str)], args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_parley"));
    for (k, _) in std::env::vars() {
        if k.starts_with("PARLEY_") && k != "PARLEY_MODELS" {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(data)
        .output()
        .expect("parley runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn config_prints_defaults_and_bad_settings_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, _) = parley_env(dir.path(), &[], &["config"]);
    assert!(ok && out.contains("listen = \"127.0.0.1:8080\""), "{out}");
    assert!(out.contains("max_media_bytes = 1610612736"), "{out}");
    assert!(out.contains("worker_lease_secs = 60"), "{out}");
    std::fs::write(dir.path().join("parley.toml"), "listen = 5\n").unwrap();
    let (ok, _, err) = parley(dir.path(), &["keys", "list"]);
    assert!(
        !ok && err.contains("parley.toml") && err.contains("listen"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("parley.toml"),
        "timezone = \"Mars/Olympus\"\n",
    )
    .unwrap();
    let (ok, _, err) = parley(dir.path(), &["serve", "--listen", "127.0.0.1:0"]);
    assert!(!ok && err.contains("unknown time zone"), "{err}");
    // An unknown key is refused by name, in the file and in its [llm] table.
    std::fs::write(dir.path().join("parley.toml"), "listen_addr = \"x\"\n").unwrap();
    let (ok, _, err) = parley(dir.path(), &["keys", "list"]);
    assert!(
        !ok && err.contains("unknown setting `listen_addr`"),
        "{err}"
    );
    std::fs::write(dir.path().join("parley.toml"), "[llm]\ntimeout = 5\n").unwrap();
    let (ok, _, err) = parley(dir.path(), &["config"]);
    assert!(
        !ok && err.contains("unknown setting `llm.timeout`"),
        "{err}"
    );
    // A value that cannot work is refused by name, wherever it comes from.
    std::fs::write(
        dir.path().join("parley.toml"),
        "media_fetch_max_bytes = 0\n",
    )
    .unwrap();
    let (ok, _, err) = parley(dir.path(), &["config"]);
    assert!(
        !ok && err.contains("media_fetch_max_bytes: must be at least 1"),
        "{err}"
    );
    std::fs::remove_file(dir.path().join("parley.toml")).unwrap();
    let (ok, _, err) = parley_env(
        dir.path(),
        &[("PARLEY_WORKER_LEASE_SECS", "0")],
        &["config"],
    );
    assert!(!ok && err.contains("worker_lease_secs"), "{err}");
    let (ok, _, err) = parley_env(
        dir.path(),
        &[("PARLEY_ENGINE_CRASH_LIMIT", "many")],
        &["config"],
    );
    assert!(!ok && err.contains("engine-crash-limit"), "{err}");
    // `parley worker --concurrency` is the worker_concurrency setting.
    let (ok, _, err) = parley_env(dir.path(), &[], &["worker", "--concurrency", "0"]);
    assert!(
        !ok && err.contains("worker_concurrency: must be at least 1"),
        "{err}"
    );
}

#[test]
fn settings_take_flags_over_environment_over_file_over_defaults() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parley.toml"),
        "listen = \"0.0.0.0:9001\"\nengine_crash_limit = 5\nworker_lease_secs = 30\n\
         media_fetch_allow = [\"files.example.com\"]\n[llm]\nmodel = \"from-file\"\n",
    )
    .unwrap();
    let env = [
        ("PARLEY_LISTEN", "127.0.0.1:9002"),
        ("PARLEY_ENGINE_CRASH_LIMIT", "6"),
        ("PARLEY_MEDIA_FETCH_ALLOW", "a.example.com,b.example.com"),
        ("PARLEY_LLM_URL", "http://localhost:11434/v1"),
    ];
    let (ok, out, err) = parley_env(dir.path(), &env, &["config"]);
    assert!(ok, "{err}");
    let (ok, flagged, err) =
        parley_env(dir.path(), &env, &["config", "--listen", "127.0.0.1:9003"]);
    assert!(ok, "{err}");
    // The flag beats the environment, which beats the file, which beats the default.
    assert!(flagged.contains("listen = \"127.0.0.1:9003\""), "{flagged}");
    assert!(out.contains("listen = \"127.0.0.1:9002\""), "{out}");
    assert!(out.contains("engine_crash_limit = 6"), "{out}");
    assert!(
        out.contains("media_fetch_allow = [\"a.example.com\", \"b.example.com\"]"),
        "{out}"
    );
    assert!(out.contains("worker_lease_secs = 30"), "{out}");
    assert!(out.contains("model = \"from-file\""), "{out}");
    assert!(out.contains("url = \"http://localhost:11434/v1\""), "{out}");
    assert!(out.contains("page_size = 100"), "{out}");
    // Without the environment, the file.
    let (ok, out, err) = parley_env(dir.path(), &[], &["config"]);
    assert!(ok, "{err}");
    assert!(out.contains("listen = \"0.0.0.0:9001\""), "{out}");
    assert!(out.contains("engine_crash_limit = 5"), "{out}");
}

#[test]
fn printed_settings_load_back_as_the_same_settings_without_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parley.toml"),
        "rate_limit = { per_second = 5, burst = 10, per_day = 1000 }\n\
         timezone = \"Europe/Paris\"\n[llm]\nurl = \"http://localhost:11434/v1\"\n\
         model = \"llama3\"\nmax_prompt_chars = 1234\n",
    )
    .unwrap();
    let env = [
        ("PARLEY_LLM_API_KEY", "sk-very-secret"),
        ("PARLEY_MEDIA_FETCH_MIN_RATE", "0"),
    ];
    let (ok, printed, err) = parley_env(dir.path(), &env, &["config", "--page-size", "50"]);
    assert!(ok, "{err}");
    assert!(!printed.contains("sk-very-secret"), "{printed}");
    assert!(
        printed.contains("PARLEY_LLM_API_KEY (not shown)"),
        "{printed}"
    );
    assert!(printed.contains("max_prompt_chars = 1234"), "{printed}");
    // The printed file, and nothing else, gives the same settings.
    let other = tempfile::tempdir().unwrap();
    let file = other.path().join("printed.toml");
    std::fs::write(&file, &printed).unwrap();
    let (ok, again, err) = parley_env(
        dir.path(),
        &[("PARLEY_CONFIG", file.to_str().unwrap())],
        &["config"],
    );
    assert!(ok, "{err}");
    let without_key = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("PARLEY_LLM_API_KEY"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_key(&again), without_key(&printed));
    assert!(again.contains("page_size = 50") && again.contains("media_fetch_min_rate = 0"));
}

/// POSTs JSON with the key and returns the JSON answer.
async fn post_json(
    client: &reqwest::Client,
    addr: &str,
    (key, secret): (&str, &str),
    path: &str,
    body: &serde_json::Value,
) -> serde_json::Value {
    client
        .post(format!("{addr}{path}"))
        .basic_auth(key, Some(secret))
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn demo_server_answers_gong_calls_and_import_cli_replaces_a_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_parley"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let (mut key, mut secret, mut addr) = (String::new(), String::new(), String::new());
    let mut seeded = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("demo key (shown once): access key ") {
            let (k, s) = rest.split_once("  secret ").unwrap();
            (key, secret) = (k.to_owned(), s.to_owned());
        } else if line.starts_with("demo: seeded") {
            seeded = line.clone();
        } else if let Some(a) = line.strip_prefix("parley listening on ") {
            addr = a.to_owned();
            break;
        }
    }
    assert!(seeded.contains("12 users"), "{seeded}");
    let client = reqwest::Client::new();
    let auth = (key.as_str(), secret.as_str());
    let get = |path: &str| {
        client
            .get(format!("{addr}{path}"))
            .basic_auth(&key, Some(&secret))
            .send()
    };
    let calls: serde_json::Value = get("/v2/calls").await.unwrap().json().await.unwrap();
    assert!(
        calls["records"]["totalRecords"].as_i64().unwrap() >= 40,
        "{calls}"
    );
    let users: serde_json::Value = get("/v2/users").await.unwrap().json().await.unwrap();
    assert_eq!(users["users"].as_array().unwrap().len(), 12);
    let workspaces: serde_json::Value = get("/v2/workspaces").await.unwrap().json().await.unwrap();
    assert!(workspaces["workspaces"].as_array().unwrap().len() >= 3);

    // The import CLI works on the same database while the server runs.
    let call_id = calls["calls"][0]["id"].as_str().unwrap().to_owned();
    let vtt = dir.path().join("t.vtt");
    std::fs::write(
        &vtt,
        "WEBVTT\n\n00:00.000 --> 00:02.000\n<v Someone New>Hello from the CLI?\n",
    )
    .unwrap();
    let (ok, out, err) = parley(
        dir.path(),
        &["import", "--call", &call_id, vtt.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    assert!(out.contains("\"sentences\": 1"), "{out}");
    let t: serde_json::Value = post_json(
        &client,
        &addr,
        auth,
        "/v2/calls/transcript",
        &serde_json::json!({"filter": {"callIds": [call_id]}}),
    )
    .await;
    assert_eq!(
        t["callTranscripts"][0]["transcript"][0]["sentences"][0]["text"],
        "Hello from the CLI?"
    );

    let (ok, _, err) = parley(
        dir.path(),
        &["import", "--call", "123", vtt.to_str().unwrap()],
    );
    assert!(!ok && err.contains("Call ID 123 was not found"), "{err}");
    let bad = dir.path().join("bad.srt");
    std::fs::write(&bad, "1\n00:00:01,000 --> garbage\nhi\n").unwrap();
    let (ok, _, err) = parley(
        dir.path(),
        &["import", "--call", &call_id, bad.to_str().unwrap()],
    );
    assert!(!ok && err.contains("line 2"), "{err}");

    // The in-process workers analyse the demo's transcripts: its trackers find the
    // competitors its scripts name, and the stats endpoints answer for its reps.
    let mut found = serde_json::Value::Null;
    for _ in 0..120 {
        let selector = serde_json::json!({"filter": {},
            "contentSelector": {"exposedFields": {"content": {"trackers": true, "brief": true}}}});
        let r = post_json(&client, &addr, auth, "/v2/calls/extensive", &selector).await;
        let hit = r["calls"].as_array().unwrap().iter().find(|c| {
            c["content"]["trackers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == "Competitors")
        });
        if let Some(c) = hit {
            found = c.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(
        found["content"]["brief"].is_string(),
        "no analysed call: {found}"
    );
    let stats: serde_json::Value = post_json(
        &client,
        &addr,
        auth,
        "/v2/stats/activity/aggregate",
        &serde_json::json!({"filter": {"fromDate": "2000-01-01", "toDate": "2100-01-01"}}),
    )
    .await;
    let hosted: i64 = stats["usersAggregateActivityStats"]
        .as_array()
        .unwrap_or_else(|| panic!("{stats}"))
        .iter()
        .map(|u| {
            u["userAggregateActivityStats"]["callsAsHost"]
                .as_i64()
                .unwrap()
        })
        .sum();
    assert_eq!(hosted, calls["records"]["totalRecords"].as_i64().unwrap());

    // Trackers from the CLI, on the same database.
    let (ok, out, err) = parley(
        dir.path(),
        &[
            "trackers",
            "add",
            "--name",
            "Hello",
            "--phrase",
            "hello",
            "--related-forms",
            "--workspace",
            calls["calls"][0]["workspaceId"].as_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let tracker_id = out.split_whitespace().nth(1).unwrap().to_owned();
    let (ok, out, _) = parley(dir.path(), &["trackers", "list"]);
    assert!(
        ok && out.contains("Hello") && out.contains("~hello (eng)"),
        "{out}"
    );
    let (ok, _, err) = parley(dir.path(), &["analyze", "--call", &call_id]);
    assert!(ok, "{err}");
    let r: serde_json::Value = post_json(
        &client,
        &addr,
        auth,
        "/v2/calls/extensive",
        &serde_json::json!({"filter": {"callIds": [call_id]},
            "contentSelector": {"exposedFields": {"content": {"trackers": true}}}}),
    )
    .await;
    let hello = r["calls"][0]["content"]["trackers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Hello")
        .cloned();
    assert_eq!(hello.unwrap_or_else(|| panic!("{r}"))["count"], 1);
    let (ok, _, err) = parley(
        dir.path(),
        &["trackers", "add", "--name", "Bad", "--phrase", "?!"],
    );
    assert!(!ok && err.contains("no words"), "{err}");
    let (ok, _, err) = parley(
        dir.path(),
        &[
            "trackers",
            "add",
            "--name",
            "Wrap-up",
            "--phrase",
            "next steps",
            "--last",
            "10%",
        ],
    );
    assert!(ok, "{err}");
    let (_, out, _) = parley(dir.path(), &["trackers", "list"]);
    assert!(out.contains("Wrap-up") && out.contains("last 10%"), "{out}");
    for (when, wrong) in [
        ("soon", "use minutes (5m) or a share of the call (10%)"),
        ("0m", "the stretch must be longer than 0"),
        ("200%", "more than the whole call"),
    ] {
        let (ok, _, err) = parley(
            dir.path(),
            &[
                "trackers", "add", "--name", "W", "--phrase", "x", "--first", when,
            ],
        );
        assert!(!ok && err.contains(wrong), "{when}: {err}");
    }
    let (ok, _, err) = parley(dir.path(), &["trackers", "remove", &tracker_id]);
    assert!(ok, "{err}");
    let (ok, _, err) = parley(dir.path(), &["analyze", "--call", "42"]);
    assert!(!ok && err.contains("42"), "{err}");
    drop(server);
}

/// Hostile credentials cannot be turned against the operator's log: a rejected key
/// appears only as a short fingerprint (never raw, never the secret pasted with it), so
/// newlines and terminal escapes in it forge nothing, and a burst of rejections is
/// sampled instead of written line by line.
#[tokio::test]
async fn rejected_credentials_reach_the_log_only_as_sampled_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = parley(dir.path(), &["keys", "create", "--name", "etl"]);
    assert!(ok, "{err}");
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_parley"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--no-workers", "--listen", "127.0.0.1:0"])
        .env("PARLEY_LOG", "info")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let addr = BufReader::new(stdout)
        .lines()
        .find_map(|l| {
            l.unwrap()
                .strip_prefix("parley listening on ")
                .map(str::to_owned)
        })
        .expect("the server says where it listens");
    let client = reqwest::Client::new();
    let evil_key = format!("EVIL\nINFO forged line\u{1b}[31m{}", "A".repeat(30_000));
    for i in 0..40 {
        let key = if i == 0 {
            evil_key.as_str()
        } else {
            "NOSUCHKEY"
        };
        let status = client
            .get(format!("{addr}/v2/calls"))
            .basic_auth(key, Some("pasted-secret-123"))
            .send()
            .await
            .unwrap()
            .status();
        assert!(status == 401 || status == 429, "{status}");
    }
    drop(server);
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(!text.contains("forged line"), "{text}");
    assert!(!text.contains('\u{1b}'), "an escape reached the log");
    assert!(
        !text.contains("pasted-secret") && !text.contains("NOSUCHKEY"),
        "{text}"
    );
    assert!(text.len() < 20_000, "{} bytes of log", text.len());
    let rejected = text.matches("rejected credentials").count()
        + text.matches("too many secrets tried").count();
    assert!((1..=10).contains(&rejected), "{rejected} lines:\n{text}");
    assert!(text.contains("key=k-"), "{text}");
}

#[test]
fn cli_writes_are_audited_with_the_os_user_and_parley_audit_prints_them() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("USER", "ops-alice")];
    let (ok, out, err) = parley_env(dir.path(), &env, &["keys", "create", "--name", "etl"]);
    assert!(ok, "{err}");
    let key = field(&out, "access key:").to_owned();
    let secret = field(&out, "secret:").to_owned();
    let (ok, _, _) = parley_env(dir.path(), &env, &["keys", "revoke", &key]);
    assert!(ok);
    // A failed write is recorded too, with how it failed.
    let (ok, _, _) = parley_env(dir.path(), &env, &["keys", "revoke", "NO-SUCH-KEY"]);
    assert!(!ok);
    // Reads are not.
    let (ok, _, _) = parley_env(dir.path(), &env, &["keys", "list"]);
    assert!(ok);

    let (ok, out, err) = parley(dir.path(), &["audit"]);
    assert!(ok, "{err}");
    let lines: Vec<_> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].contains("cli ops-alice")
            && lines[0].contains("key-created")
            && lines[0].contains("on etl"),
        "{out}"
    );
    assert!(
        lines[1].contains("key-revoked") && lines[1].contains(&key) && lines[1].ends_with("done"),
        "{out}"
    );
    assert!(lines[2].ends_with("failed: not found"), "{out}");
    assert!(!out.contains(&secret));

    let (ok, out, _) = parley(dir.path(), &["audit", "--limit", "1", "--since", "1h"]);
    assert!(ok);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("NO-SUCH-KEY"), "{out}");
    let (ok, _, err) = parley(dir.path(), &["audit", "--since", "last tuesday"]);
    assert!(!ok && err.contains("--since"), "{err}");

    // Settings and analysis runs from the CLI are writes too.
    parley(
        dir.path(),
        &["trackers", "add", "--name", "Pricing", "--phrase", "price"],
    );
    parley(dir.path(), &["analyze", "--call", "1234567890123456789"]);
    let (_, out, _) = parley(dir.path(), &["audit", "--limit", "2"]);
    let lines: Vec<_> = out.lines().collect();
    assert!(
        lines[0].contains("settings-changed") && lines[0].contains("tracker Pricing"),
        "{out}"
    );
    assert!(
        lines[1].contains("analysis-requested") && lines[1].contains("1234567890123456789"),
        "{out}"
    );
}

/// Keys with scopes, a workspace and an owner; roles; passwords from standard input and
/// one-time reset links, all from the command line.
#[test]
fn keys_carry_scopes_and_users_get_roles_passwords_and_reset_links() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ok, _, err) = parley(
        d,
        &[
            "users",
            "add",
            "--email",
            "ada@northwind.example.com",
            "--name",
            "Ada Admin",
            "--admin",
        ],
    );
    assert!(ok, "{err}");
    let (ok, out, err) = parley(
        d,
        &[
            "keys",
            "create",
            "--name",
            "etl",
            "--scopes",
            "read-only",
            "--user",
            "ada@northwind.example.com",
        ],
    );
    assert!(ok, "{err}");
    let key = field(&out, "access key:").to_owned();
    let (_, list, _) = parley(d, &["keys", "list"]);
    let line = list.lines().find(|l| l.contains(&key)).unwrap();
    assert!(
        line.contains("scopes: read-only") && line.contains("user ") && line.contains("never used"),
        "{line}"
    );
    let (ok, _, err) = parley(
        d,
        &["keys", "create", "--name", "x", "--scopes", "api:nope"],
    );
    assert!(!ok && err.contains("unknown scope \"api:nope\""), "{err}");
    let (ok, _, err) = parley(d, &["keys", "create", "--name", "x", "--workspace", "42"]);
    assert!(!ok && err.contains("workspace 42 does not exist"), "{err}");
    let (ok, out, err) = parley(d, &["keys", "rotate", &key]);
    assert!(ok && out.contains("secret:"), "{err}");

    let (ok, out, err) = parley(
        d,
        &["users", "role", "ada@northwind.example.com", "manager"],
    );
    assert!(ok && out.contains("is now manager"), "{err}");
    let (ok, _, err) = parley(
        d,
        &["users", "role", "ada@northwind.example.com", "emperor"],
    );
    assert!(!ok && err.contains("unknown role"), "{err}");
    // Profiles are made over the API (`POST /v2/permission-profile`); an unknown one is named.
    let (ok, _, err) = parley(
        d,
        &[
            "users",
            "profile",
            "ada@northwind.example.com",
            "1234567890123456789",
        ],
    );
    assert!(
        !ok && err.contains("permission profile 1234567890123456789 was not found"),
        "{err}"
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_parley"))
        .arg("--data-dir")
        .arg(d)
        .args(["users", "password", "ada@northwind.example.com"])
        .current_dir(d)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (ok, out, err) = parley(d, &["users", "reset-link", "ada@northwind.example.com"]);
    assert!(ok, "{err}");
    assert!(out.contains("/reset-password?token="), "{out}");
    let token = out.split("token=").nth(1).unwrap().lines().next().unwrap();
    assert_eq!(token.len(), 64);
    // The database and its write-ahead log, where recent writes may still be.
    let mut db = std::fs::read(d.join("parley.db")).unwrap();
    db.extend(std::fs::read(d.join("parley.db-wal")).unwrap_or_default());
    for secret in [token.as_bytes(), b"correct horse battery".as_slice()] {
        assert!(
            !db.windows(secret.len()).any(|w| w == secret),
            "a secret is stored in clear"
        );
    }
}

/// Starts `parley serve --no-workers` on `data` and answers its address and stdout lines
/// after the one that gives it.
fn serve_no_workers(
    data: &Path,
) -> (
    Server,
    String,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_parley"))
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--no-workers", "--listen", "127.0.0.1:0"])
        .current_dir(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let server = Server(child);
    let addr = lines
        .by_ref()
        .find_map(|l| {
            l.unwrap()
                .strip_prefix("parley listening on ")
                .map(str::to_owned)
        })
        .expect("the server says where it listens");
    (server, addr, lines)
}

#[tokio::test]
async fn a_fresh_server_writes_its_setup_code_and_the_first_admin_is_made_with_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ok, out, err) = parley(d, &["users", "setup-code"]);
    assert!(ok, "{err}");
    let code = out.trim().to_owned();
    let groups: Vec<&str> = code.split('-').collect();
    assert!(
        groups.len() == 4
            && groups
                .iter()
                .all(|g| g.len() == 8 && g.chars().all(|c| c.is_ascii_hexdigit())),
        "{code:?}"
    );

    let (server, addr, mut lines) = serve_no_workers(d);
    let said = lines
        .by_ref()
        .map(Result::unwrap)
        .find(|l| l.starts_with("no administrator yet"))
        .expect("the server says how to make the first admin");
    let file = d.join("setup-code");
    assert!(
        said.contains("/setup") && said.contains(&file.display().to_string()),
        "{said}"
    );
    assert!(
        !said.contains(&code),
        "the code itself is not printed: {said}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), code);
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600,
        "only its owner reads the code"
    );
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{addr}/parley/v1/setup"))
        .json(
            &serde_json::json!({"setupCode": code, "email": "ada@northwind.example.com",
               "firstName": "Ada", "lastName": "Admin", "password": "correct horse battery"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    drop(server);

    // Once an admin can sign in, the next start removes the file and the code is refused.
    let (_server, addr, _lines) = serve_no_workers(d);
    let health = client.get(format!("{addr}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(!file.exists(), "the set-up code file is removed");
    let (ok, _, err) = parley(d, &["users", "setup-code"]);
    assert!(
        !ok && err.contains("an administrator can already sign in"),
        "{err}"
    );
}

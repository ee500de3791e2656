//! `parley connection` and `parley request` against a real `parley serve` (which speaks
//! Gong's API): a connection saved with its secret read from standard input and never
//! shown, raw requests with path parameters, queries, JSON bodies and `-i`, the exit
//! codes scripts rely on, and a connection from the environment.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::client::parley;
use serde_json::{json, Value};

fn file_of(dir: &Path) -> PathBuf {
    dir.join("config/parley/connections.toml")
}

#[tokio::test]
async fn a_saved_connection_sends_raw_requests_and_exit_codes_tell_failures_apart() {
    let data = tempfile::tempdir().unwrap();
    let server = common::serve(data.path(), &[]);
    let api = common::Api::new(data.path(), &server.addr);
    let (call, _) = api.call("req-1", json!({})).await;
    let (access_key, secret) = api.key.clone();
    let conns = tempfile::tempdir().unwrap();
    let file = file_of(conns.path());
    let file_arg = file.to_str().unwrap();
    // Every command of this test on its own connections file.
    let run = |args: &[&str], input: &str| {
        let mut all = args.to_vec();
        all.extend(["--file", file_arg]);
        parley(&all, &[], input)
    };

    // Saved with the secret on standard input; nothing shows it.
    let add = run(
        &[
            "connection",
            "add",
            "local",
            "--url",
            &server.addr,
            "--access-key",
            &access_key,
        ],
        &format!("{secret}\n"),
    );
    assert_eq!(add.code, 0, "{}", add.err);
    assert!(!add.out.contains(&secret) && !add.err.contains(&secret));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let list = run(&["connection", "list", "--json"], "");
    assert_eq!(list.code, 0, "{}", list.err);
    let shown = &list.json()["connections"][0];
    assert_eq!(shown["name"], "local");
    assert_eq!(shown["accessKey"], access_key.as_str());
    assert_eq!(shown["secret"], "<redacted>");
    assert!(!list.out.contains(&secret));

    // GET with a path parameter.
    let get = run(
        &[
            "request",
            "local",
            "/v2/calls/{id}",
            "--pathParam",
            &format!("id={call}"),
        ],
        "",
    );
    assert_eq!(get.code, 0, "{}", get.err);
    assert_eq!(get.json()["call"]["id"], call.as_str());

    // POST with a JSON body (the only connection is chosen without its name), and -i.
    let body = json!({"filter": {"callIds": [call]}}).to_string();
    let post = run(
        &["request", "/v2/calls/extensive", "--json", &body, "-i"],
        "",
    );
    assert_eq!(post.code, 0, "{}", post.err);
    let (head, rest) = post.out.split_once("\n\n").unwrap();
    assert!(head.starts_with("HTTP 200"), "{head}");
    assert!(
        head.to_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let v: Value = serde_json::from_str(rest).unwrap();
    assert_eq!(v["calls"][0]["metaData"]["id"], call.as_str());

    // A query: a window with no calls.
    let none = run(
        &[
            "request",
            "local",
            "/v2/calls",
            "--query",
            "fromDateTime=2020-01-01T00:00:00Z",
            "--query",
            "toDateTime=2020-01-02T00:00:00Z",
        ],
        "",
    );
    assert_eq!(none.code, 4, "{}{}", none.out, none.err);
    assert!(none.json()["errors"].is_array(), "{}", none.out);

    // Not found: exit 4 with Gong's error body printed.
    let missing = run(
        &[
            "request",
            "local",
            "/v2/calls/{id}",
            "--pathParam",
            "id=1234",
        ],
        "",
    );
    assert_eq!(missing.code, 4, "{}{}", missing.out, missing.err);
    assert!(missing.json()["requestId"].is_string());

    // Usage mistakes exit 2 and say what to do.
    let bad = run(&["request", "local", "/v2/calls/{id}"], "");
    assert_eq!(bad.code, 2);
    assert!(bad.err.contains("--pathParam id=VALUE"), "{}", bad.err);
    let bad = run(&["request", "local", "/v2/calls", "-X", "BREW"], "");
    assert_eq!(bad.code, 2);
    assert!(bad.err.contains("-X takes GET"), "{}", bad.err);
    let bad = run(&["request", "nope", "/v2/calls"], "");
    assert_eq!(bad.code, 2);
    assert!(
        bad.err.contains("no connection named \"nope\""),
        "{}",
        bad.err
    );

    // A wrong secret: exit 3, the server's 401 printed.
    let wrong = run(
        &[
            "connection",
            "add",
            "wrong",
            "--url",
            &server.addr,
            "--access-key",
            &access_key,
        ],
        "not-the-secret\n",
    );
    assert_eq!(wrong.code, 0, "{}", wrong.err);
    let denied = run(&["request", "wrong", "/v2/users"], "");
    assert_eq!(denied.code, 3, "{}{}", denied.out, denied.err);
    // Two connections now: one must be named.
    let which = run(&["request", "/v2/users"], "");
    assert_eq!(which.code, 2);
    assert!(
        which.err.contains("name one of: local, wrong"),
        "{}",
        which.err
    );

    // Removed, it is gone.
    let rm = run(&["connection", "remove", "wrong"], "");
    assert_eq!(rm.code, 0, "{}", rm.err);
    let again = run(&["connection", "show", "wrong"], "");
    assert_ne!(again.code, 0);
    assert!(again.err.contains("no connection named"), "{}", again.err);

    // Nothing reachable: exit 7.
    let down = parley(
        &["request", "/v2/users"],
        &[
            ("PARLEY_API_URL", "http://127.0.0.1:9"),
            ("PARLEY_ACCESS_KEY", &access_key),
            ("PARLEY_ACCESS_KEY_SECRET", &secret),
        ],
        "",
    );
    assert_eq!(down.code, 7, "{}{}", down.out, down.err);
}

#[tokio::test]
async fn the_environment_names_a_connection_for_ci() {
    let data = tempfile::tempdir().unwrap();
    let server = common::serve(data.path(), &[]);
    let api = common::Api::new(data.path(), &server.addr);
    api.call("env-1", json!({})).await;
    let (access_key, secret) = api.key.clone();
    let empty = tempfile::tempdir().unwrap();
    let users = parley(
        &["request", "/v2/users"],
        &[
            (
                "PARLEY_CONNECTIONS",
                file_of(empty.path()).to_str().unwrap(),
            ),
            ("PARLEY_API_URL", &server.addr),
            ("PARLEY_ACCESS_KEY", &access_key),
            ("PARLEY_ACCESS_KEY_SECRET", &secret),
        ],
        "",
    );
    assert_eq!(users.code, 0, "{}", users.err);
    assert!(users.json()["users"].is_array(), "{}", users.out);
    // A key without its secret is a usage mistake, said plainly.
    let half = parley(
        &["request", "/v2/users"],
        &[
            (
                "PARLEY_CONNECTIONS",
                file_of(empty.path()).to_str().unwrap(),
            ),
            ("PARLEY_API_URL", &server.addr),
            ("PARLEY_ACCESS_KEY", &access_key),
        ],
        "",
    );
    assert_eq!(half.code, 2);
    assert!(
        half.err
            .contains("PARLEY_ACCESS_KEY is set without PARLEY_ACCESS_KEY_SECRET"),
        "{}",
        half.err
    );
}

/// `openssl` with `args` in `dir`, to success.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs (apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// HTTPS through the one outbound client (its TLS set up once per process): a server
/// whose certificate chains to no trusted authority is refused; trusted through the
/// system's store (`SSL_CERT_FILE`), the same server answers.
#[test]
fn https_is_verified_against_the_roots_of_trust() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=Parley Test CA",
            "-days",
            "1",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(
        d.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
        ],
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            &port.to_string(),
            "-cert",
            "leaf.pem",
            "-key",
            "leaf.key",
            "-www",
        ])
        .current_dir(d)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let url = format!("https://127.0.0.1:{port}");
    let ca = d.join("ca.pem");
    let env = |trust: bool| {
        let mut e = vec![
            ("PARLEY_API_URL", url.clone()),
            ("PARLEY_ACCESS_KEY", "a".to_owned()),
            ("PARLEY_ACCESS_KEY_SECRET", "b".to_owned()),
        ];
        if trust {
            e.push(("SSL_CERT_FILE", ca.to_str().unwrap().to_owned()));
        }
        e
    };
    let run = |trust: bool| {
        let e = env(trust);
        let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
        parley(&["request", "/", "-i"], &e, "")
    };
    let refused = run(false);
    assert_eq!(refused.code, 7, "{}{}", refused.out, refused.err);
    let trusted = run(true);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(trusted.code, 0, "{}{}", trusted.out, trusted.err);
    assert!(trusted.out.starts_with("HTTP 200"), "{}", trusted.out);
}

//! A webhook delivery survives `kill -9` of the real `parley serve` in the middle of its
//! request: the delivery (and its `deliver` job) is in the database before the request
//! goes out, so a server restarted on the same data folder takes the job over once its
//! lease runs out and sends it again with the same `x-parley-delivery-id`; once the
//! receiver has acknowledged it, it is recorded delivered and never sent again.
//!
//! The receiver is the test's own (axum on 127.0.0.1, allowed by `webhook_allow`): it
//! holds the first request unanswered, so the kill lands while that request is in flight,
//! and answers 200 to what comes after the restart.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use common::{engine_pids, run, Api, Server};
use reqwest::Method;
use serde_json::{json, Value};

/// Seconds a job is leased for: a killed server's delivery is taken over this long after
/// its last heartbeat.
const LEASE_SECS: u64 = 3;

const VTT: &str = "WEBVTT

00:00:00.000 --> 00:00:04.000
<v Rita Rep>Hi Dana, thanks for joining. Who else are you looking at?

00:00:04.500 --> 00:00:09.000
<v Dana Customer>We are looking at Acme and Globex right now.
";

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Seen {
    delivery_id: String,
    query: String,
    body: Value,
}

#[derive(Default)]
struct Receiver {
    seen: Mutex<Vec<Seen>>,
    /// Set by the test once the server that sent the first request is dead: from then on
    /// requests are answered 200 (before, any request but the held first one gets 503).
    answering: AtomicBool,
    /// Requests answered 200.
    acknowledged: AtomicUsize,
}

impl Receiver {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn hook(
    State(r): State<Arc<Receiver>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let first = {
        let mut seen = r.seen.lock().unwrap();
        seen.push(Seen {
            delivery_id: headers
                .get("x-parley-delivery-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned(),
            query: uri.query().unwrap_or("").to_owned(),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        });
        seen.len() == 1
    };
    if first {
        // Held, unanswered, until the sender dies (its connection goes with it).
        std::future::pending::<()>().await;
    }
    if !r.answering.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    r.acknowledged.fetch_add(1, Ordering::SeqCst);
    StatusCode::OK
}

/// Starts the receiver on a free port of 127.0.0.1; returns it and its port.
async fn receiver() -> (Arc<Receiver>, u16) {
    let r = Arc::new(Receiver::default());
    let app = axum::Router::new()
        .route("/hooks/crm", axum::routing::post(hook))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (r, port)
}

/// `parley serve` on port 0 with a short lease, webhooks allowed to loopback.
fn serve(data: &Path) -> Server {
    let lease = LEASE_SECS.to_string();
    common::serve(
        data,
        &[
            ("PARLEY_WORKER_LEASE_SECS", lease.as_str()),
            ("PARLEY_WEBHOOK_ALLOW", "127.0.0.1"),
        ],
    )
}

/// An API client that must be answered within 10 s on every request.
fn client(addr: &str, key: (String, String)) -> Api {
    Api {
        timeout: Some(Duration::from_secs(10)),
        ..Api::with_key(addr, key)
    }
}

impl Api {
    async fn post(&self, path: &str, body: Value) -> Value {
        let (status, b) = self.send(Method::POST, path, Some(body)).await;
        assert_eq!(status, 201, "POST {path}: {b}");
        b
    }

    async fn deliveries(&self, rule: &str) -> Vec<Value> {
        self.get(&format!("/parley/v1/automation/rules/{rule}/deliveries"))
            .await["deliveries"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The API answers (`common::Api::answers`), the call is listed and the rule read.
    async fn answers_with(&self, call: &str, rule: &str) {
        let calls = self.answers().await;
        assert_eq!(calls["calls"][0]["id"], call, "{calls}");
        let r = self
            .get(&format!("/parley/v1/automation/rules/{rule}"))
            .await;
        assert_eq!(r["rule"]["enabled"], true, "{r}");
    }
}

/// Polls `done` every 100 ms until it holds; fails naming `what` after `limit`.
async fn until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "still waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_delivery_sends_it_again_with_its_id_and_once_acknowledged_never_again() {
    let dir = tempfile::tempdir().unwrap();
    let (receiver, port) = receiver().await;
    let mut server = serve(dir.path());
    let key = Api::new(dir.path(), &server.addr).key;
    let api = client(&server.addr, key.clone());

    // A tracker, a rule firing on it, and a call that says it, made ready by importing
    // its transcript: the server's own workers analyse it and send the webhook.
    let t = api
        .post(
            "/parley/v1/trackers",
            json!({"trackerName": "Competitors",
                   "languageKeywords": [{"language": "eng", "keywords": ["Acme", "Globex"]}]}),
        )
        .await;
    let tracker = t["tracker"]["trackerId"].as_str().unwrap().to_owned();
    let r = api
        .post(
            "/parley/v1/automation/rules",
            json!({"name": "Competitors mentioned",
                   "filter": {"trackers": [{"trackerId": tracker, "minCount": 1}]},
                   "actions": [{"type": "Webhook", "auth": "SecretInUrl",
                                "url": format!("http://127.0.0.1:{port}/hooks/crm?key=s3cret")}]}),
        )
        .await;
    let rule = r["rule"]["id"].as_str().unwrap().to_owned();
    let (call, _) = api.call("crash-1", json!({})).await;
    api.import_vtt(&call, VTT).await;

    // The first request arrives and is held: the delivery is pending in the log.
    until("the first delivery", Duration::from_secs(120), || {
        !receiver.seen().is_empty()
    })
    .await;
    let first = receiver.seen()[0].clone();
    assert_eq!(first.body["callData"]["metaData"]["id"], call.as_str());
    assert_eq!(first.body["isTest"], false);
    assert_eq!(first.query, "key=s3cret");
    let log = api.deliveries(&rule).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["id"], first.delivery_id.as_str());
    assert_eq!(
        (log[0]["state"].clone(), log[0]["attempts"].clone()),
        (json!("pending"), json!(0)),
        "in flight, nothing recorded yet: {}",
        log[0]
    );

    // kill -9 while the request is in flight (its engine hosts go too, as a crashed
    // machine's would).
    let engines = engine_pids(server.child.id());
    run(Command::new("kill").args(["-9", &server.child.id().to_string()]));
    let status = server.child.wait().unwrap();
    assert!(!status.success(), "killed: {status:?}");
    for pid in engines {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    assert_eq!(receiver.seen().len(), 1, "nothing else was sent");
    receiver.answering.store(true, Ordering::SeqCst);

    // Restarted on the same data folder: the API answers, and once the dead server's
    // lease runs out the delivery is sent again, with its id.
    let server = serve(dir.path());
    let api = client(&server.addr, key);
    api.answers_with(&call, &rule).await;
    until(
        "the delivery after the restart",
        Duration::from_secs(120),
        || receiver.seen().len() >= 2,
    )
    .await;
    let again = receiver.seen()[1].clone();
    assert_eq!(again.delivery_id, first.delivery_id, "the same delivery id");
    assert_eq!(again.body["callData"]["metaData"]["id"], call.as_str());
    assert_eq!(again.query, "key=s3cret");

    // Recorded delivered: one attempt recorded (the killed one recorded nothing).
    let start = Instant::now();
    let log = loop {
        let log = api.deliveries(&rule).await;
        if log[0]["state"] != "pending" {
            break log;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{log:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["id"], first.delivery_id.as_str());
    assert_eq!(log[0]["state"], "delivered", "{}", log[0]);
    assert_eq!(log[0]["responseCode"], 200, "{}", log[0]);
    assert_eq!(log[0]["attempts"], 1, "{}", log[0]);

    // Acknowledged once, and not sent again: wait out several leases (what a job whose
    // result was not recorded would take to be run again) and look.
    tokio::time::sleep(Duration::from_secs(LEASE_SECS * 4)).await;
    assert_eq!(receiver.acknowledged.load(Ordering::SeqCst), 1);
    let seen = receiver.seen();
    assert_eq!(seen.len(), 2, "nothing after the acknowledgement: {seen:?}");
    let jobs = api.get("/parley/v1/jobs").await;
    let deliver: Vec<&Value> = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["kind"] == "deliver")
        .collect();
    assert_eq!(deliver.len(), 1, "{jobs}");
    assert_eq!(
        (deliver[0]["state"].clone(), deliver[0]["attempts"].clone()),
        (json!("done"), json!(2)),
        "taken over from the killed server: {}",
        deliver[0]
    );
    let log = api.deliveries(&rule).await;
    assert_eq!(
        (log.len(), log[0]["state"].clone()),
        (1, json!("delivered"))
    );
    api.answers_with(&call, &rule).await;
}

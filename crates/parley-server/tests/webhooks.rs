//! Automation rules and their webhooks over HTTP, delivered by real workers to a real
//! receiver: a small Python server (`tests/webhook_receiver.py`) that verifies the JWT
//! and the body hash the way Gong's receivers do (PyJWT, RS256, `webhook_url` and
//! `body_sha256` claims). Also: a receiver down then up (retried, same delivery id), a
//! 4xx not retried and a rule switched off, once per call, test sends, and the API's
//! refusals.
//!
//! The receiver needs `python3` with PyJWT and cryptography (`pip install pyjwt
//! cryptography`; `PARLEY_TEST_PYTHON` names another interpreter). Without them the test
//! says so and checks the signature in Rust instead, unless `PARLEY_REQUIRE_PYJWT` is set
//! (CI), where it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{assert_error, TestServer};
use parley_app::worker::Workers;
use parley_domain::JobKind;
use reqwest::StatusCode;
use serde_json::{json, Value};

const VTT: &str = "WEBVTT

00:00:00.000 --> 00:00:04.000
<v Rita Rep>Hi Carl, thanks for joining. Who else are you looking at?

00:00:04.500 --> 00:00:09.000
<v Carl Customer>We are looking at Acme and Globex right now.
";

const RECEIVER: &str = include_str!("webhook_receiver.py");

/// The Python interpreter with PyJWT, or why there is none.
fn python() -> Result<String, String> {
    let python = std::env::var("PARLEY_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import jwt, cryptography"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(python)
    } else {
        Err(format!(
            "{python} lacks PyJWT/cryptography (pip install pyjwt cryptography, or set PARLEY_TEST_PYTHON)"
        ))
    }
}

/// A receiver process on `port`, logging each request as a JSON line to `log`.
struct Receiver {
    child: Child,
    log: PathBuf,
}

impl Receiver {
    fn start(dir: &Path, port: u16, public_key: &Path, python: &str) -> Receiver {
        let script = dir.join("receiver.py");
        std::fs::write(&script, RECEIVER).unwrap();
        let log = dir.join(format!("log-{port}.jsonl"));
        let mut child = Command::new(python)
            .arg(&script)
            .arg(port.to_string())
            .arg(public_key)
            .arg(&log)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        // Ready once it accepts connections.
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Receiver { child, log };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the receiver did not start on port {port}");
    }

    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Fixture {
    s: TestServer,
    dir: tempfile::TempDir,
    key_file: PathBuf,
    call: String,
    tracker: String,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("keys/webhook.pem");
    let kf = key_file.clone();
    let s = TestServer::start_with(move |c| c.webhook_key_file = kf).await;
    let rep = s.user("rita@acme.example.com", "Rita", "Rep").await;
    let call = s
        .call(json!({
            "clientUniqueId": "hook-1",
            "actualStart": "2024-03-05T10:00:00Z",
            "direction": "Outbound",
            "primaryUser": rep,
            "title": "Discovery with Carl",
            "parties": [
                {"userId": rep, "name": "Rita Rep", "emailAddress": "rita@acme.example.com"},
                {"name": "Carl Customer", "emailAddress": "carl@customer.example.com"}
            ]
        }))
        .await;
    let r = s
        .post(
            "/parley/v1/trackers",
            json!({"trackerName": "Competitors",
                   "languageKeywords": [{"language": "eng", "keywords": ["Acme", "Globex"]}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let tracker = r.body["tracker"]["trackerId"].as_str().unwrap().to_owned();
    Fixture {
        s,
        dir,
        key_file,
        call,
        tracker,
    }
}

impl Fixture {
    fn workers(&self, disable_after: u32) -> Workers {
        self.s
            .outbound_workers(self.key_file.clone(), disable_after)
    }

    /// Runs deliveries due now until `done` holds (or 20 s pass).
    async fn deliver_until(&self, w: &Workers, mut done: impl FnMut() -> bool) {
        for _ in 0..400 {
            while w.run_next("test", &[JobKind::Deliver]).await.unwrap() {}
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("deliveries did not finish in time");
    }

    async fn public_key(&self) -> PathBuf {
        let r = self
            .s
            .client
            .get(format!(
                "{}/parley/v1/automation/public-key?format=pem",
                self.s.base
            ))
            .basic_auth(&self.s.key, Some(&self.s.secret))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let pem = r.text().await.unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
        let path = self.dir.path().join("public.pem");
        std::fs::write(&path, pem).unwrap();
        path
    }

    async fn rule(&self, url: &str, auth: &str) -> String {
        let r = self
            .s
            .post(
                "/parley/v1/automation/rules",
                json!({
                    "name": "Competitors mentioned",
                    "filter": {
                        "directions": ["Outbound"],
                        "trackers": [{"trackerId": self.tracker, "minCount": 2}]
                    },
                    "actions": [{"type": "Webhook", "url": url, "auth": auth}]
                }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["rule"]["id"].as_str().unwrap().to_owned()
    }

    async fn ready(&self) {
        let r = self.s.put_transcript(&self.call, "vtt", VTT).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        self.s.run_analysis_jobs(None).await;
    }

    async fn deliveries(&self, rule: &str) -> Vec<Value> {
        let r = self
            .s
            .get(&format!("/parley/v1/automation/rules/{rule}/deliveries"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["deliveries"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn a_ready_call_fires_a_signed_webhook_once_and_a_test_on_request() {
    let f = fixture().await;
    let python = match python() {
        Ok(p) => p,
        Err(why) if std::env::var_os("PARLEY_REQUIRE_PYJWT").is_some() => panic!("{why}"),
        Err(why) => {
            eprintln!("SKIPPED the Python JWT receiver: {why}");
            return;
        }
    };
    let key = f.public_key().await;
    // The private key is made on first use, readable by its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&f.key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let port = free_port();
    let receiver = Receiver::start(f.dir.path(), port, &key, &python);
    let url = format!("http://127.0.0.1:{port}/hooks/ok");
    let rule = f.rule(&url, "Jwt").await;
    f.ready().await;

    let w = f.workers(20);
    f.deliver_until(&w, || receiver.requests().len() == 1).await;
    let got = &receiver.requests()[0];
    assert_eq!(got["verified"], true, "{got}");
    assert_eq!(got["isTest"], false);
    assert_eq!(got["callId"], f.call.as_str());
    assert_eq!(got["trackers"], json!({"Competitors": 2}), "{got}");
    let log = f.deliveries(&rule).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["state"], "delivered");
    assert_eq!(log[0]["responseCode"], 200);
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(got["deliveryId"], log[0]["id"]);
    assert!(log[0]["response"].as_str().unwrap().contains("verified"));

    // callData is the call exactly as /v2/calls/extensive renders it.
    let r =
        f.s.post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [f.call]},
                   "contentSelector": {"context": "Extended", "exposedFields": {
                       "parties": true,
                       "content": {"structure": true, "topics": true, "trackers": true,
                                   "trackerOccurrences": true, "pointsOfInterest": true,
                                   "brief": true, "outline": true, "highlights": true,
                                   "callOutcome": true, "keyPoints": true},
                       "interaction": {"speakers": true, "video": true,
                                       "personInteractionStats": true, "questions": true},
                       "collaboration": {"publicComments": true}}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(got["callData"], r.body["calls"][0]);

    // Analysed again: the rule has fired for this call already.
    let r =
        f.s.post(&format!("/parley/v1/calls/{}/analyze", f.call), json!({}))
            .await;
    assert!(r.status.is_success(), "{}", r.body);
    f.s.run_analysis_jobs(None).await;
    while w.run_next("test", &[JobKind::Deliver]).await.unwrap() {}
    assert_eq!(receiver.requests().len(), 1);
    assert_eq!(f.deliveries(&rule).await.len(), 1);

    // "Send a test": the same call, isTest true.
    let r =
        f.s.post(
            &format!("/parley/v1/automation/rules/{rule}/test"),
            json!({"callId": f.call}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    f.deliver_until(&w, || receiver.requests().len() == 2).await;
    let test = &receiver.requests()[1];
    assert_eq!(
        (test["isTest"].clone(), test["verified"].clone()),
        (json!(true), json!(true))
    );
}

#[tokio::test]
async fn a_receiver_down_then_up_gets_the_delivery_with_one_id() {
    let f = fixture().await;
    let Ok(python) = python() else {
        eprintln!("SKIPPED: no Python receiver (see the module docs)");
        return;
    };
    let key = f.public_key().await;
    let port = free_port();
    // Answers 503 with Retry-After once, then 200.
    let url = format!("http://127.0.0.1:{port}/hooks/flaky");
    let rule = f.rule(&url, "Jwt").await;
    f.ready().await;
    let w = f.workers(20);

    // Down: the attempt fails and the delivery waits for its retry.
    assert!(w.run_next("test", &[JobKind::Deliver]).await.unwrap());
    let log = f.deliveries(&rule).await;
    assert_eq!(
        (log[0]["state"].clone(), log[0]["attempts"].clone()),
        (json!("pending"), json!(1))
    );
    assert!(
        log[0]["error"].as_str().unwrap().contains("connect"),
        "{}",
        log[0]
    );

    // Up: 503 (retried after its Retry-After), then delivered.
    let receiver = Receiver::start(f.dir.path(), port, &key, &python);
    f.deliver_until(&w, || receiver.requests().len() == 2).await;
    let seen = receiver.requests();
    assert_eq!(seen[0]["status"], 503);
    assert_eq!(seen[1]["status"], 200);
    assert_eq!(
        seen[0]["deliveryId"], seen[1]["deliveryId"],
        "the same id on every try"
    );
    assert!(seen.iter().all(|r| r["verified"] == true));
    let log = f.deliveries(&rule).await;
    assert_eq!(log[0]["id"], seen[0]["deliveryId"]);
    assert_eq!(
        (log[0]["state"].clone(), log[0]["attempts"].clone()),
        (json!("delivered"), json!(3))
    );
}

#[tokio::test]
async fn a_4xx_is_not_retried_and_a_run_of_failures_switches_the_rule_off() {
    let f = fixture().await;
    let Ok(python) = python() else {
        eprintln!("SKIPPED: no Python receiver (see the module docs)");
        return;
    };
    let key = f.public_key().await;
    let port = free_port();
    let receiver = Receiver::start(f.dir.path(), port, &key, &python);
    // The secret is the URL's; no JWT is sent.
    let url = format!("http://127.0.0.1:{port}/hooks/gone?key=s3cret");
    let rule = f.rule(&url, "SecretInUrl").await;
    f.ready().await;
    let w = f.workers(1);
    f.deliver_until(&w, || receiver.requests().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    while w.run_next("test", &[JobKind::Deliver]).await.unwrap() {}
    let seen = receiver.requests();
    assert_eq!(seen.len(), 1, "a 410 is not retried");
    assert_eq!(seen[0]["authorization"], Value::Null);
    assert_eq!(seen[0]["query"], "key=s3cret");
    let log = f.deliveries(&rule).await;
    assert_eq!(
        (log[0]["state"].clone(), log[0]["responseCode"].clone()),
        (json!("failed"), json!(410))
    );

    let r =
        f.s.get(&format!("/parley/v1/automation/rules/{rule}"))
            .await;
    insta::assert_json_snapshot!("automation_rule_switched_off", r.body, {
        ".requestId" => "[id]",
        ".rule.id" => "[id]",
        ".rule.workspaceId" => "[id]",
        ".rule.filter.trackers[].trackerId" => "[id]",
        ".rule.actions[].url" => "[url]",
        ".rule.created" => "[time]",
        ".rule.updated" => "[time]",
    });
    let d =
        f.s.get(&format!("/parley/v1/automation/rules/{rule}/deliveries"))
            .await;
    insta::assert_json_snapshot!("automation_delivery_log", d.body, {
        ".requestId" => "[id]",
        ".deliveries[].id" => "[id]",
        ".deliveries[].ruleId" => "[id]",
        ".deliveries[].callId" => "[id]",
        ".deliveries[].latencyMs" => "[ms]",
        ".deliveries[].created" => "[time]",
        ".deliveries[].updated" => "[time]",
    });
    assert_eq!(r.body["rule"]["enabled"], false);
    assert!(
        r.body["rule"]["disabledReason"]
            .as_str()
            .unwrap()
            .contains("410"),
        "{}",
        r.body
    );
    // A replay sends it again (the rule stays off for new calls).
    let id = log[0]["id"].as_str().unwrap();
    let r =
        f.s.post(
            &format!("/parley/v1/automation/rules/{rule}/deliveries/{id}/replay"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
}

#[tokio::test]
async fn rules_are_checked_and_private_destinations_refused() {
    let f = fixture().await;
    let s = &f.s;
    for (body, message) in [
        (
            json!({"name": "x", "actions": [{"type": "Webhook", "url": "ftp://x.example/h", "auth": "Jwt"}]}),
            "actions[0].url must be http or https",
        ),
        (
            json!({"name": "", "actions": [{"type": "Webhook", "url": "https://x.example/h", "auth": "Jwt"}]}),
            "name must not be empty",
        ),
        (json!({"name": "x", "actions": []}), "at least one action"),
        (
            json!({"name": "x", "filter": {"direction": ["Inbound"]},
                   "actions": [{"type": "Webhook", "url": "https://x.example/h", "auth": "Jwt"}]}),
            "direction",
        ),
        (
            json!({"name": "x", "actions": [{"type": "Webhook", "url": "https://x.example/h", "auth": "Basic"}]}),
            "Basic",
        ),
    ] {
        let r = s.post("/parley/v1/automation/rules", body).await;
        assert_error(&r, StatusCode::BAD_REQUEST, message);
    }
    let r = s.get("/parley/v1/automation/rules/123").await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        "automation rule 123 was not found",
    );

    // A member may not see or change rules.
    let member = s.user("m@acme.example.com", "Mem", "Ber").await;
    let k = common::key(s, Some(&member), None).await;
    let r = common::send_as(
        s,
        &k,
        reqwest::Method::GET,
        "/parley/v1/automation/rules",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // Cloud metadata is refused by the default policy, and never retried.
    let rule = f.rule("http://169.254.169.254/latest", "Jwt").await;
    f.ready().await;
    let mut w = f.workers(20);
    let hooks = Arc::get_mut(w.webhooks.as_mut().unwrap()).unwrap();
    hooks.config.policy.allow = parley_outbound::HostAllowList::default();
    f.deliver_until(&w, || true).await;
    let log = f.deliveries(&rule).await;
    assert_eq!(log[0]["state"], "failed", "{}", log[0]);
    assert_eq!(log[0]["attempts"], 1);
    assert!(
        log[0]["error"].as_str().unwrap().contains("not allowed"),
        "{}",
        log[0]
    );

    let r = s.get("/parley/v1/automation/rules").await;
    assert_eq!(r.body["rules"].as_array().unwrap().len(), 1);
    let r = s
        .send(
            reqwest::Method::DELETE,
            &format!("/parley/v1/automation/rules/{rule}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(f.deliveries_gone(&rule).await);
}

impl Fixture {
    async fn deliveries_gone(&self, rule: &str) -> bool {
        self.s
            .get(&format!("/parley/v1/automation/rules/{rule}/deliveries"))
            .await
            .status
            == StatusCode::NOT_FOUND
    }
}

impl Fixture {
    /// Creates a rule firing on the Competitors tracker for outbound calls, with `extra`
    /// merged into the body; returns its id.
    async fn rule_with(&self, name: &str, extra: Value) -> String {
        let r = self
            .s
            .post("/parley/v1/automation/rules", self.rule_body(name, extra))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["rule"]["id"].as_str().unwrap().to_owned()
    }

    fn rule_body(&self, name: &str, extra: Value) -> Value {
        let mut body = json!({
            "name": name,
            "filter": {
                "directions": ["Outbound"],
                "trackers": [{"trackerId": self.tracker, "minCount": 1}]
            },
            "actions": [{"type": "Webhook", "url": "https://hooks.example.com/gong", "auth": "Jwt"}]
        });
        for (k, v) in extra.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        body
    }

    /// Replaces a rule with the body `rule_with` makes.
    async fn put_rule(&self, rule: &str, name: &str, extra: Value) {
        let r = self
            .s
            .send(
                reqwest::Method::PUT,
                &format!("/parley/v1/automation/rules/{rule}"),
                Some(self.rule_body(name, extra)),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    /// The `deliver` jobs queued, in any state.
    async fn deliver_jobs(&self) -> usize {
        let r = self.s.get("/parley/v1/jobs").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|j| j["kind"] == "deliver")
            .count()
    }
}

#[tokio::test]
async fn apply_to_past_calls_fires_once_per_matching_call_and_only_when_asked() {
    let f = fixture().await;
    // Analysed before any rule exists: the fixture's outbound call saying Acme and Globex,
    // and an inbound call saying the same, which the rules' filter leaves out.
    f.ready().await;
    let rep = f.s.user("ivan@acme.example.com", "Ivan", "Inbound").await;
    let inbound =
        f.s.call(json!({
            "clientUniqueId": "hook-2",
            "actualStart": "2024-03-06T10:00:00Z",
            "direction": "Inbound",
            "primaryUser": rep,
            "title": "Carl calls back",
            "parties": [
                {"userId": rep},
                {"name": "Carl Customer", "emailAddress": "carl@customer.example.com"}
            ]
        }))
        .await;
    let r = f.s.put_transcript(&inbound, "vtt", VTT).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    f.s.run_analysis_jobs(None).await;
    assert_eq!(f.deliver_jobs().await, 0, "no rule, nothing fired");

    // Without the flag, past calls are left alone.
    let plain = f.rule_with("Plain", json!({})).await;
    assert_eq!(f.deliveries(&plain).await, Vec::<Value>::new());
    // Disabled, the flag queues nothing.
    let off = f
        .rule_with("Off", json!({"enabled": false, "applyToPastCalls": true}))
        .await;
    assert_eq!(f.deliveries(&off).await, Vec::<Value>::new());
    assert_eq!(f.deliver_jobs().await, 0);

    // With it: one delivery, for the matching call only, queued to be sent.
    let past = f.rule_with("Past", json!({"applyToPastCalls": true})).await;
    let log = f.deliveries(&past).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["callId"], f.call.as_str());
    assert_eq!(
        (log[0]["state"].clone(), log[0]["isTest"].clone()),
        (json!("pending"), json!(false))
    );
    assert_eq!(f.deliver_jobs().await, 1);

    // Updated with the flag again: the rule fired for that call already.
    f.put_rule(&past, "Past, renamed", json!({"applyToPastCalls": true}))
        .await;
    let again = f.deliveries(&past).await;
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(again[0]["id"], log[0]["id"]);

    // The flag on an update fires the rule without it too, once.
    f.put_rule(&plain, "Plain", json!({"applyToPastCalls": true}))
        .await;
    f.put_rule(&plain, "Plain", json!({"applyToPastCalls": true}))
        .await;
    let log = f.deliveries(&plain).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["callId"], f.call.as_str());
    // And an update without it does nothing for the disabled one being enabled.
    f.put_rule(&off, "Off", json!({})).await;
    assert_eq!(f.deliveries(&off).await, Vec::<Value>::new());
    assert_eq!(f.deliver_jobs().await, 2);
}

/// Applied to past calls, a rule sees what firing sees: the parties' CRM objects too.
#[tokio::test]
async fn apply_to_past_calls_sees_the_parties_crm_context_as_firing_does() {
    let f = fixture().await;
    let rep = f.s.user("ivan@acme.example.com", "Ivan", "Inbound").await;
    let body = |unique: &str, start: &str| {
        json!({
            "clientUniqueId": unique, "actualStart": start,
            "direction": "Outbound", "primaryUser": rep, "title": unique,
            "parties": [{"userId": rep},
                {"name": "Carl Customer", "emailAddress": "carl@customer.example.com",
                 "context": [{"system": "Salesforce", "objects": [
                     {"objectType": "Contact", "objectId": "0031Q00002abcdEQAQ"}]}]}]
        })
    };
    let past = f.s.call(body("past", "2024-03-06T10:00:00Z")).await;
    assert_eq!(
        f.s.put_transcript(&past, "vtt", VTT).await.status,
        StatusCode::OK
    );
    f.s.run_analysis_jobs(None).await;
    let rule = f
        .rule_with(
            "Contact",
            json!({"filter": {"crm": {"objectType": "Contact"}}, "applyToPastCalls": true}),
        )
        .await;
    assert_eq!(f.deliveries(&rule).await.len(), 1, "the past call matches");
    let now = f.s.call(body("now", "2024-03-07T10:00:00Z")).await;
    assert_eq!(
        f.s.put_transcript(&now, "vtt", VTT).await.status,
        StatusCode::OK
    );
    f.s.run_analysis_jobs(None).await;
    assert_eq!(
        f.deliveries(&rule).await.len(),
        2,
        "and so does the new one"
    );
}

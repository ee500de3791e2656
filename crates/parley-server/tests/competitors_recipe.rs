//! The seed workflow of issue 15 as one recipe (docs/automation.md, "Recipe: competitors
//! to the opportunity"), every step over HTTP as a user does it: the tracker
//! "Competitors", a Salesforce connector, one rule with a signed webhook and a CRM field
//! action, and a call linked to an opportunity in which the customer names two
//! competitors. The webhook arrives once, signed (RS256 JWT binding the URL and the
//! body's SHA-256, checked against the public key the API hands out), and the
//! opportunity's field reads "Acme, Globex" (through a local stand-in speaking
//! Salesforce's REST API). Also: a rule's CRM field action is checked when the rule is
//! written, and a test send leaves the CRM alone.

mod common;
#[path = "common/crm_stand_in.rs"]
mod crm_stand_in;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use common::{assert_error, call_body, TestServer};
use crm_stand_in::{field, opportunity, salesforce, salesforce_context, stand_in, VTT};
use parley_app::worker::Workers;
use parley_domain::JobKind;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const OPPORTUNITY: &str = "0065g00000AbCdEAAV";

/// What the webhook receiver was sent: headers and raw body of each POST.
type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A receiver on 127.0.0.1 that answers 200 and keeps what it got; its URL.
async fn receiver() -> (String, Received) {
    let got: Received = Arc::default();
    let keep = got.clone();
    let app = Router::new().route(
        "/gong-hook",
        post(move |h: HeaderMap, body: Bytes| async move {
            keep.lock().unwrap().push((h, body));
            "ok"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/gong-hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

struct Recipe {
    s: TestServer,
    _dir: tempfile::TempDir,
    workers: Workers,
    tracker: String,
    connector: String,
}

/// Steps 1 and 2: the tracker and the connector.
async fn recipe() -> (Recipe, crm_stand_in::Shared) {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("webhook-signing-key.pem");
    let kf = key_file.clone();
    let s = TestServer::start_with(move |c| c.webhook_key_file = kf).await;
    let workers = s.outbound_workers(key_file, 20);
    let r = s
        .post(
            "/parley/v1/trackers",
            json!({"trackerName": "Competitors",
                   "languageKeywords": [{"language": "eng",
                                         "keywords": ["Acme", "Globex", "Initech"]}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let tracker = r.body["tracker"]["trackerId"].as_str().unwrap().to_owned();
    let crm = stand_in().await;
    opportunity(&crm, OPPORTUNITY, Value::Null);
    let r = s.post("/parley/v1/crm/connectors", salesforce(&crm)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let connector = r.body["connector"]["id"].as_str().unwrap().to_owned();
    (
        Recipe {
            s,
            _dir: dir,
            workers,
            tracker,
            connector,
        },
        crm,
    )
}

impl Recipe {
    fn crm_action(&self) -> Value {
        json!({"type": "CrmField", "tracker": "Competitors", "objectType": "Opportunity",
               "field": "Main_Competitors__c", "mergeWithCurrent": false,
               "connectorId": self.connector})
    }

    /// Runs deliveries and the CRM writes they queue until neither has work due.
    async fn run_outbound(&self) {
        for _ in 0..100 {
            let mut ran = false;
            while self
                .workers
                .run_next("test", &[JobKind::Deliver, JobKind::CrmWrite])
                .await
                .unwrap()
            {
                ran = true;
            }
            if !ran {
                return;
            }
        }
        panic!("outbound jobs kept coming");
    }
}

#[tokio::test]
async fn competitors_named_on_a_call_reach_a_signed_webhook_and_the_opportunity() {
    let (r, crm) = recipe().await;
    let s = &r.s;
    let (url, got) = receiver().await;

    // Step 3: the rule. Outbound calls linked to an opportunity on which a competitor
    // was named; a signed webhook, and the names written to the opportunity.
    let rule = s
        .post(
            "/parley/v1/automation/rules",
            json!({
                "name": "Competitors to the opportunity",
                "filter": {"directions": ["Outbound"],
                           "trackers": [{"trackerId": r.tracker, "minCount": 1}],
                           "crm": {"objectType": "Opportunity"}},
                "actions": [{"type": "Webhook", "url": url, "auth": "Jwt"}, r.crm_action()]
            }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::CREATED, "{}", rule.body);
    assert_eq!(rule.body["rule"]["actions"][1], r.crm_action());
    let rule = rule.body["rule"]["id"].as_str().unwrap().to_owned();

    // Step 4: the call, linked to the opportunity, with its transcript.
    let rep = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let mut body = call_body("recipe-1", &rep, "2024-03-05T10:00:00Z");
    body["direction"] = json!("Outbound");
    body["parties"] = json!([
        {"userId": rep, "name": "Rita Rep"},
        {"name": "Carl Customer", "emailAddress": "carl@customer.example.com"}
    ]);
    body["context"] = salesforce_context(OPPORTUNITY);
    let call = s.call(body).await;
    let t = s.put_transcript(&call, "vtt", VTT).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    assert!(s.run_analysis_jobs(None).await > 0);
    r.run_outbound().await;

    // Step 5a: the webhook arrived once, signed.
    let pem = s.get("/parley/v1/automation/public-key").await;
    assert_eq!(pem.status, StatusCode::OK, "{}", pem.body);
    let key =
        jsonwebtoken::DecodingKey::from_rsa_pem(pem.body["publicKey"].as_str().unwrap().as_bytes())
            .unwrap();
    {
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 1, "one call, one webhook");
        let (headers, raw) = &got[0];
        let jwt = headers["authorization"].to_str().unwrap();
        let claims = jsonwebtoken::decode::<Value>(
            jwt,
            &key,
            &jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256),
        )
        .expect("the JWT verifies with the public key")
        .claims;
        assert_eq!(claims["webhook_url"], url);
        assert_eq!(
            claims["body_sha256"],
            Sha256::digest(raw)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let sent: Value = serde_json::from_slice(raw).unwrap();
        assert_eq!(sent["isTest"], false);
        assert_eq!(sent["callData"]["metaData"]["id"], call.as_str());
        let phrases: Vec<&str> = sent["callData"]["content"]["trackers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "Competitors")
            .unwrap()["phrases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["phrase"].as_str().unwrap())
            .collect();
        assert!(
            phrases.contains(&"Acme") && phrases.contains(&"Globex"),
            "{phrases:?}"
        );
    }

    // Step 5b: the opportunity's field names both competitors, in the order said.
    assert_eq!(field(&crm, OPPORTUNITY), json!("Acme, Globex"));
    let writes = s.get(&format!("/parley/v1/calls/{call}/crm-writes")).await;
    let writes = writes.body["writes"].as_array().unwrap().clone();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0]["state"], "written");
    assert_eq!(writes[0]["objectId"], OPPORTUNITY);
    assert_eq!(writes[0]["value"], "Acme, Globex");
    let log = s
        .get(&format!("/parley/v1/automation/rules/{rule}/deliveries"))
        .await;
    let log = log.body["deliveries"].as_array().unwrap().clone();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log.iter().all(|d| d["state"] == "delivered"), "{log:?}");
    let handed = log.iter().find(|d| d["action"] == 1).unwrap();
    assert_eq!(
        handed["response"],
        format!("crm write {} pending", writes[0]["id"].as_str().unwrap())
    );

    // The rule fires once per call: the call analysed again sends and writes nothing.
    let t = s.put_transcript(&call, "vtt", VTT).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    s.run_analysis_jobs(None).await;
    r.run_outbound().await;
    assert_eq!(got.lock().unwrap().len(), 1);
    let seen = crm.lock().unwrap().seen.len();
    assert_eq!(seen, 1, "{:?}", crm.lock().unwrap().seen);

    // A test send posts the webhook (isTest) and leaves the CRM alone.
    let test = s
        .post(
            &format!("/parley/v1/automation/rules/{rule}/test"),
            json!({"callId": call}),
        )
        .await;
    assert_eq!(test.status, StatusCode::ACCEPTED, "{}", test.body);
    assert_eq!(test.body["deliveryIds"].as_array().unwrap().len(), 1);
    r.run_outbound().await;
    let got = got.lock().unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(
        serde_json::from_slice::<Value>(&got[1].1).unwrap()["isTest"],
        true
    );
    assert_eq!(crm.lock().unwrap().seen.len(), 1);
}

#[tokio::test]
async fn a_rules_crm_field_action_is_checked_and_a_deleted_connector_gives_it_up() {
    let (r, crm) = recipe().await;
    let s = &r.s;
    let rule = |actions: Value| json!({"name": "Competitors", "actions": actions});

    let mut bad = r.crm_action();
    bad["field"] = json!(" ");
    bad["objectType"] = json!("Lead");
    let reply = s
        .post("/parley/v1/automation/rules", rule(json!([bad])))
        .await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        "actions[0].objectType must be one of Opportunity, Deal",
    );
    assert!(
        reply.body["errors"]
            .as_array()
            .unwrap()
            .contains(&json!("actions[0].field must not be empty")),
        "{}",
        reply.body
    );
    let mut elsewhere = r.crm_action();
    elsewhere["connectorId"] = json!("1234567890123456789");
    let reply = s
        .post("/parley/v1/automation/rules", rule(json!([elsewhere])))
        .await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        "crm connector 1234567890123456789 is not a connector of workspace",
    );
    // A rule of CRM field actions only has nothing to send as a test.
    let ok = s
        .post("/parley/v1/automation/rules", rule(json!([r.crm_action()])))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    let id = ok.body["rule"]["id"].as_str().unwrap();

    // The connector deleted after the rule was written: the delivery gives up and says
    // why; nothing reaches the CRM.
    let rep = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let mut body = call_body("recipe-2", &rep, "2024-03-05T10:00:00Z");
    body["context"] = salesforce_context(OPPORTUNITY);
    let call = s.call(body).await;
    let reply = s
        .post(
            &format!("/parley/v1/automation/rules/{id}/test"),
            json!({"callId": call}),
        )
        .await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        "the rule has no webhook action to send a test of",
    );
    let d = s
        .send(
            reqwest::Method::DELETE,
            &format!("/parley/v1/crm/connectors/{}", r.connector),
            None,
        )
        .await;
    assert!(d.status.is_success(), "{}", d.body);
    s.put_transcript(&call, "vtt", VTT).await;
    s.run_analysis_jobs(None).await;
    r.run_outbound().await;
    let log = s
        .get(&format!("/parley/v1/automation/rules/{id}/deliveries"))
        .await;
    let d = &log.body["deliveries"][0];
    assert_eq!(d["state"], "failed", "{d}");
    assert!(
        d["error"].as_str().unwrap().contains("is not a connector"),
        "{d}"
    );
    assert!(crm.lock().unwrap().seen.is_empty());
    // Retried deliveries would have waited; a given-up one is not retried.
    tokio::time::sleep(Duration::from_millis(300)).await;
    r.run_outbound().await;
    assert!(crm.lock().unwrap().seen.is_empty());
}

#[tokio::test]
async fn a_delivery_run_again_finds_its_crm_write_instead_of_queuing_another() {
    let (r, _crm) = recipe().await;
    let s = &r.s;
    let rep = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let mut body = call_body("recipe-3", &rep, "2024-03-05T10:00:00Z");
    body["context"] = salesforce_context(OPPORTUNITY);
    let call = parley_domain::CallId(s.call(body).await.parse().unwrap());
    let mut action = r.crm_action();
    action.as_object_mut().unwrap().remove("type");
    let action = serde_json::from_value::<gong_api_v2::crm_writeback::CrmActionBody>(action)
        .unwrap()
        .into_domain()
        .unwrap();
    // As an attempt that died after queuing the write, then its retry.
    let delivery = parley_domain::automation::DeliveryId::generate();
    let store = s.store.as_ref();
    let first = parley_app::crm_writeback::enqueue_for_delivery(store, delivery, call, &action)
        .await
        .unwrap();
    let again = parley_app::crm_writeback::enqueue_for_delivery(store, delivery, call, &action)
        .await
        .unwrap();
    assert_eq!(first.id, again.id);
    let writes = s.get(&format!("/parley/v1/calls/{call}/crm-writes")).await;
    assert_eq!(
        writes.body["writes"].as_array().unwrap().len(),
        1,
        "{}",
        writes.body
    );
    // Another delivery is another write.
    let other = parley_domain::automation::DeliveryId::generate();
    let third = parley_app::crm_writeback::enqueue_for_delivery(store, other, call, &action)
        .await
        .unwrap();
    assert_ne!(third.id, first.id);
}

//! CRM write-back end to end: connectors over `/parley/v1/crm/connectors` (admins only,
//! secrets redacted), a CRM field action run against a call over
//! `/parley/v1/calls/{id}/crm-writes`, and the `crm-write` job writing through local
//! stand-ins of Salesforce and HubSpot (`common/crm_stand_in.rs`) and into the
//! workspace's own generic CRM objects.

mod common;
#[path = "common/crm_stand_in.rs"]
mod crm_stand_in;

use std::sync::Arc;

use common::{assert_error, call_body, key, send_as, TestServer};
use crm_stand_in::{field, opportunity, salesforce, salesforce_context, stand_in, VTT};
use parley_app::worker::{WorkerConfig, Workers};
use parley_domain::JobKind;
use parley_outbound::{FetchPolicy, HostAllowList};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PRIVATE_KEY: &str = include_str!("data/salesforce-jwt-test-key.pem");

/// Workers that run CRM writes, allowed to reach the stand-in on loopback.
fn workers(s: &TestServer) -> Workers {
    Workers {
        store: s.store.clone(),
        blobs: parley_blob::BlobStore::open("memory://").unwrap(),
        transcriber: None,
        config: WorkerConfig::default(),
        fetch: Some(Arc::new(FetchPolicy {
            allow: HostAllowList::parse(&["127.0.0.1"]).unwrap(),
            ..FetchPolicy::default()
        })),
        llm: None,
        webhooks: None,
    }
}

/// Runs the queued CRM writes whose time has come; how many ran.
async fn run_writes(s: &TestServer) -> usize {
    let w = workers(s);
    let mut n = 0;
    while w.run_next("test", &[JobKind::CrmWrite]).await.unwrap() {
        n += 1;
    }
    n
}

/// The Competitors tracker, and a call of a rep with a customer whose context links it
/// to `context`; the call is transcribed (by import) and analysed. Once per test.
async fn analysed_call(s: &TestServer, unique: &str, context: Value) -> String {
    let r = s
        .post(
            "/parley/v1/trackers",
            json!({"trackerName": "Competitors",
                   "languageKeywords": [{"language": "eng", "keywords": ["Acme", "Globex", "Initech"]}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rep = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let mut body = call_body(unique, &rep, "2024-03-05T10:00:00Z");
    body["parties"] = json!([
        {"userId": rep, "name": "Rita Rep"},
        {"name": "Carl Customer", "emailAddress": "carl@customer.example.com"}
    ]);
    body["context"] = context;
    let call = s.call(body).await;
    let r = s.put_transcript(&call, "vtt", VTT).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    s.run_analysis_jobs(None).await;
    call
}

async fn connector(s: &TestServer, body: Value) -> String {
    let r = s.post("/parley/v1/crm/connectors", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["connector"]["id"].as_str().unwrap().to_owned()
}

async fn run(s: &TestServer, call: &str, action: Value) -> Value {
    let r = s
        .post(&format!("/parley/v1/calls/{call}/crm-writes"), action)
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    r.body["write"].clone()
}

async fn writes(s: &TestServer, call: &str) -> Vec<Value> {
    let r = s.get(&format!("/parley/v1/calls/{call}/crm-writes")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["writes"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_competitors_said_are_written_to_the_opportunity_in_salesforce() {
    let s = TestServer::start().await;
    let crm = stand_in().await;
    opportunity(&crm, "0065g00000AbCdEAAV", Value::Null);
    let call = analysed_call(&s, "sf-1", salesforce_context("0065g00000AbCdEAAV")).await;
    let id = connector(&s, salesforce(&crm)).await;

    let action = json!({"tracker": "Competitors", "objectType": "Opportunity",
                        "field": "Main_Competitors__c", "connectorId": id});
    let w = run(&s, &call, action.clone()).await;
    assert_eq!(w["state"], "pending");
    assert_eq!(w["objectId"], "0065g00000AbCdEAAV");
    assert_eq!(run_writes(&s).await, 1);
    assert_eq!(field(&crm, "0065g00000AbCdEAAV"), json!("Acme, Globex"));
    let w = &writes(&s, &call).await[0];
    assert_eq!(w["state"], "written", "{w}");
    assert_eq!(w["value"], "Acme, Globex");
    assert_eq!(w["attempts"], 1);
    {
        let c = crm.lock().unwrap();
        assert_eq!(c.grants, vec!["client_credentials"]);
        assert_eq!(c.seen, vec!["PATCH v62.0 Opportunity/0065g00000AbCdEAAV"]);
    }

    // Merge mode keeps what the field holds first and adds what it lacks, once.
    opportunity(&crm, "0065g00000AbCdEAAV", json!("Initech; acme"));
    let mut merge = action.clone();
    merge["mergeWithCurrent"] = json!(true);
    run(&s, &call, merge.clone()).await;
    assert_eq!(run_writes(&s).await, 1);
    assert_eq!(
        field(&crm, "0065g00000AbCdEAAV"),
        json!("Initech, acme, Globex")
    );
    let w = &writes(&s, &call).await[1];
    assert_eq!(w["previous"], "Initech; acme");
    // Nothing new to add: nothing is written.
    run(&s, &call, merge).await;
    assert_eq!(run_writes(&s).await, 1);
    let w = &writes(&s, &call).await[2];
    assert_eq!(w["state"], "skipped", "{w}");
    assert_eq!(w["outcome"], "the field already holds every phrase");
    // The token was reused throughout.
    assert_eq!(crm.lock().unwrap().tokens.len(), 1);
}

#[tokio::test]
async fn rate_limits_are_waited_out_expired_sessions_refreshed_and_client_errors_not_retried() {
    let s = TestServer::start().await;
    let crm = stand_in().await;
    opportunity(&crm, "006A", json!("Initech"));
    let call = analysed_call(&s, "sf-2", salesforce_context("006A")).await;
    let id = connector(&s, salesforce(&crm)).await;
    let action = json!({"tracker": "Competitors", "field": "Main_Competitors__c",
                        "mergeWithCurrent": true, "connectorId": id});

    // 429 with Retry-After, then Salesforce's REQUEST_LIMIT_EXCEEDED: both waited out
    // within the attempt.
    crm.lock().unwrap().forced.extend([
        (429, Some(1), json!([{"message": "Too many requests", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]).to_string()),
        (403, None, json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]).to_string()),
    ]);
    run(&s, &call, action.clone()).await;
    assert_eq!(run_writes(&s).await, 1);
    assert_eq!(field(&crm, "006A"), json!("Initech, Acme, Globex"));
    assert_eq!(writes(&s, &call).await[0]["state"], "written");
    assert_eq!(
        crm.lock().unwrap().seen,
        vec!["GET v62.0 Opportunity/006A"; 3]
            .into_iter()
            .chain(["PATCH v62.0 Opportunity/006A"])
            .collect::<Vec<_>>()
    );

    // An expired session gets one new token.
    opportunity(&crm, "006A", Value::Null);
    crm.lock().unwrap().tokens.push("revoked-elsewhere".into());
    let before = crm.lock().unwrap().grants.len();
    run(&s, &call, action.clone()).await;
    assert_eq!(run_writes(&s).await, 1);
    assert_eq!(field(&crm, "006A"), json!("Acme, Globex"));
    assert_eq!(crm.lock().unwrap().grants.len(), before + 1);

    // A 400 is not retried: the write fails at once with Salesforce's words.
    let mut bad = action.clone();
    bad["field"] = json!("Main_Competitor__c");
    bad["mergeWithCurrent"] = json!(false);
    run(&s, &call, bad).await;
    assert_eq!(run_writes(&s).await, 1);
    let w = writes(&s, &call).await.pop().unwrap();
    assert_eq!(w["state"], "failed", "{w}");
    assert_eq!(
        w["outcome"],
        "salesforce answered 400: INVALID_FIELD: No such column 'Main_Competitor__c' on sobject of type Opportunity"
    );
    let jobs = s
        .store
        .jobs_for_call(parley_domain::CallId(call.parse().unwrap()))
        .await
        .unwrap();
    let last = jobs
        .iter()
        .rev()
        .find(|j| j.kind == JobKind::CrmWrite)
        .unwrap();
    assert_eq!(last.state, parley_domain::JobState::Failed);
    assert_eq!(last.attempts, 1);

    // A 5xx that outlasts the attempt leaves the write pending and its job queued for
    // a retry after the backoff.
    crm.lock().unwrap().forced.extend([(
        500,
        None,
        json!([{"message": "An unexpected error occurred", "errorCode": "UNKNOWN_EXCEPTION"}])
            .to_string(),
    )]);
    run(&s, &call, action.clone()).await;
    assert_eq!(run_writes(&s).await, 1);
    let w = writes(&s, &call).await.pop().unwrap();
    assert_eq!(w["state"], "pending", "{w}");
    assert_eq!(
        w["outcome"],
        "salesforce answered 500: UNKNOWN_EXCEPTION: An unexpected error occurred"
    );
    let jobs = s
        .store
        .jobs_for_call(parley_domain::CallId(call.parse().unwrap()))
        .await
        .unwrap();
    let last = jobs
        .iter()
        .rev()
        .find(|j| j.kind == JobKind::CrmWrite)
        .unwrap();
    assert_eq!(last.state, parley_domain::JobState::Queued);
    assert!(last.run_after > chrono::Utc::now());
}

#[tokio::test]
async fn the_jwt_bearer_flow_signs_an_rs256_assertion() {
    let s = TestServer::start().await;
    let crm = stand_in().await;
    opportunity(&crm, "006B", Value::Null);
    let call = analysed_call(&s, "sf-3", salesforce_context("006B")).await;
    let base = crm.lock().unwrap().base.clone();
    let id = connector(
        &s,
        json!({"name": "Salesforce JWT", "kind": "salesforce", "loginUrl": base,
               "auth": "jwt_bearer", "clientId": "3MVG9-consumer",
               "username": "integration@northwind.example.com",
               "audience": "https://login.salesforce.com", "privateKey": PRIVATE_KEY}),
    )
    .await;
    run(
        &s,
        &call,
        json!({"tracker": "Competitors", "field": "Main_Competitors__c", "connectorId": id}),
    )
    .await;
    assert_eq!(run_writes(&s).await, 1);
    assert_eq!(
        crm.lock().unwrap().grants,
        vec!["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    );
    assert_eq!(field(&crm, "006B"), json!("Acme, Globex"));
}

#[tokio::test]
async fn hubspot_deals_are_written_through_properties_after_a_429() {
    let s = TestServer::start().await;
    let crm = stand_in().await;
    let mut props = serde_json::Map::new();
    props.insert("dealname".into(), json!("Northwind renewal"));
    props.insert("main_competitors".into(), json!("Hooli"));
    crm.lock().unwrap().deals.insert("18293847".into(), props);
    let call = analysed_call(
        &s,
        "hs-1",
        json!([{"system": "HubSpot", "objects": [{"objectType": "Opportunity", "objectId": "18293847"}]}]),
    )
    .await;
    let base = crm.lock().unwrap().base.clone();
    let id = connector(
        &s,
        json!({"name": "HubSpot", "kind": "hubspot", "baseUrl": base,
               "token": "pat-na1-11111111-2222-3333-4444-555555555555"}),
    )
    .await;
    crm.lock().unwrap().forced.push_back((
        429,
        Some(1),
        json!({"status": "error", "message": "You have reached your secondly limit.",
               "errorType": "RATE_LIMIT", "correlationId": "c0ffee", "policyName": "SECONDLY",
               "groupName": "publicapi:private-app:burst"})
        .to_string(),
    ));
    run(
        &s,
        &call,
        json!({"tracker": "Competitors", "objectType": "Deal", "field": "main_competitors",
               "mergeWithCurrent": true, "connectorId": id}),
    )
    .await;
    assert_eq!(run_writes(&s).await, 1);
    let w = writes(&s, &call).await.pop().unwrap();
    assert_eq!(w["state"], "written", "{w}");
    assert_eq!(
        crm.lock().unwrap().deals["18293847"]["main_competitors"],
        json!("Hooli, Acme, Globex")
    );
    assert_eq!(
        crm.lock().unwrap().seen,
        vec![
            "GET deals/18293847",
            "GET deals/18293847",
            "PATCH deals/18293847"
        ]
    );

    // A property HubSpot does not have is its 400, not retried.
    run(
        &s,
        &call,
        json!({"tracker": "Competitors", "objectType": "Deal", "field": "competitors",
               "connectorId": id}),
    )
    .await;
    assert_eq!(run_writes(&s).await, 1);
    let w = writes(&s, &call).await.pop().unwrap();
    assert_eq!(w["state"], "failed", "{w}");
    assert!(
        w["outcome"]
            .as_str()
            .unwrap()
            .starts_with("hubspot answered 400: VALIDATION_ERROR: Property values were not valid"),
        "{w}"
    );
}

#[tokio::test]
async fn the_workspaces_own_generic_crm_deals_are_written() {
    let s = TestServer::start().await;
    let r = s
        .send(
            Method::PUT,
            "/v2/crm/integrations",
            Some(json!({"ownerEmail": "crm@northwind.example.com", "name": "Generic"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let integration = r.body["integrationId"].as_i64().unwrap();
    let r = s
        .post(
            &format!("/v2/crm/entity-schema?integrationId={integration}&objectType=DEAL"),
            json!([{"uniqueName": "main_competitors", "label": "Main Competitors", "type": "STRING",
                    "lastModified": "2024-01-01T00:00:00Z"}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let form = reqwest::multipart::Form::new().part(
        "dataFile",
        reqwest::multipart::Part::bytes(
            br#"{"objectId":"D1","modifiedDate":"2024-03-01T10:00:00Z","name":"Northwind renewal","main_competitors":"Initech"}
"#
            .to_vec(),
        )
        .file_name("deals.ldjson"),
    );
    let r = s
        .raw(
            s.client
                .post(format!(
                    "{}/v2/crm/entities?integrationId={integration}&objectType=DEAL&clientRequestId=deals-1",
                    s.base
                ))
                .basic_auth(&s.key, Some(&s.secret))
                .multipart(form),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let call = analysed_call(
        &s,
        "own-1",
        json!([{"system": "Generic", "objects": [{"objectType": "Opportunity", "objectId": "D1"}]}]),
    )
    .await;
    let id = connector(&s, json!({"name": "Own CRM", "kind": "parley"})).await;
    run(
        &s,
        &call,
        json!({"tracker": "Competitors", "field": "main_competitors", "mergeWithCurrent": true,
               "connectorId": id}),
    )
    .await;
    assert_eq!(run_writes(&s).await, 1);
    let w = writes(&s, &call).await.pop().unwrap();
    assert_eq!(w["state"], "written", "{w}");
    let r = s
        .send(
            Method::GET,
            &format!("/v2/crm/entities?integrationId={integration}&objectType=DEAL"),
            Some(json!(["D1"])),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.to_string().contains("Initech, Acme, Globex"),
        "{}",
        r.body
    );
    // The call's context shows the new value too.
    let c = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [call]}, "contentSelector": {"context": "Extended"}}),
        )
        .await;
    assert!(
        c.body["calls"][0]["context"]
            .to_string()
            .contains("Initech, Acme, Globex"),
        "{}",
        c.body
    );

    // A field the integration does not declare is refused, not retried.
    run(
        &s,
        &call,
        json!({"tracker": "Competitors", "field": "competitors", "connectorId": id}),
    )
    .await;
    assert_eq!(run_writes(&s).await, 1);
    let w = writes(&s, &call).await.pop().unwrap();
    assert_eq!(w["state"], "failed", "{w}");
}

#[tokio::test]
async fn connectors_are_for_admins_and_never_show_their_secrets() {
    let s = TestServer::start().await;
    let crm = stand_in().await;
    let id = connector(&s, salesforce(&crm)).await;
    let r = s.get(&format!("/parley/v1/crm/connectors/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let c = &r.body["connector"];
    assert_eq!(c["kind"], "salesforce");
    assert_eq!(c["settings"]["clientId"], "3MVG9-consumer");
    assert_eq!(c["secrets"], json!({"clientSecret": "<redacted>"}));
    assert!(!r.body.to_string().contains("consumer-secret"));
    let listed = s.get("/parley/v1/crm/connectors").await;
    assert!(!listed.body.to_string().contains("consumer-secret"));
    assert_eq!(listed.body["connectors"].as_array().unwrap().len(), 1);
    // Nor does the database hold it in the clear.
    let stored = s
        .store
        .crm_connector(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.secret.contains("consumer-secret"));
    assert!(!stored.settings.to_string().contains("consumer-secret"));

    // A change that leaves the secret out keeps it; the connector still works.
    let r = s
        .send(
            Method::PUT,
            &format!("/parley/v1/crm/connectors/{id}"),
            Some(
                json!({"name": "Salesforce prod", "loginUrl": crm.lock().unwrap().base,
                        "clientId": "3MVG9-consumer"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["connector"]["name"], "Salesforce prod");
    assert_eq!(
        r.body["connector"]["secrets"],
        json!({"clientSecret": "<redacted>"})
    );
    opportunity(&crm, "006C", Value::Null);
    let call = analysed_call(&s, "sf-4", salesforce_context("006C")).await;
    run(
        &s,
        &call,
        json!({"tracker": "Competitors", "field": "Main_Competitors__c", "connectorId": id}),
    )
    .await;
    assert_eq!(run_writes(&s).await, 1);
    assert_eq!(field(&crm, "006C"), json!("Acme, Globex"));

    // Mistakes are 400s naming the field; a member may not list or change connectors.
    let r = s
        .post(
            "/parley/v1/crm/connectors",
            json!({"name": "x", "kind": "salesforce", "loginUrl": "ftp://example.com"}),
        )
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "loginUrl must be an http or https url",
    );
    let r = s
        .post(
            &format!("/parley/v1/calls/{call}/crm-writes"),
            json!({"tracker": "Competitors", "field": "F", "objectType": "Lead", "connectorId": id}),
        )
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "objectType must be one of Opportunity, Deal",
    );
    let member = s.user("mia@northwind.example.com", "Mia", "Member").await;
    let k = key(&s, Some(&member), None).await;
    let r = send_as(&s, &k, Method::GET, "/parley/v1/crm/connectors", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = send_as(
        &s,
        &k,
        Method::POST,
        &format!("/parley/v1/calls/{call}/crm-writes"),
        Some(json!({"tracker": "Competitors", "field": "F", "connectorId": id})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    let r = s
        .send(
            Method::DELETE,
            &format!("/parley/v1/crm/connectors/{id}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = s.get(&format!("/parley/v1/crm/connectors/{id}")).await;
    assert_error(&r, StatusCode::NOT_FOUND, "was not found");
}

/// A connector as `GET /parley/v1/crm/connectors/{id}` answers it, checked to show no
/// secret.
async fn shown(s: &TestServer, id: &str) -> Value {
    let r = s.get(&format!("/parley/v1/crm/connectors/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = r.body.to_string();
    assert!(
        !text.contains("consumer-secret") && !text.contains("pat-na1"),
        "{text}"
    );
    r.body
}

#[tokio::test]
async fn wire_snapshots_of_connectors_and_writes() {
    let s = TestServer::start().await;
    // Connectors as GET /parley/v1/crm/connectors/{id} shows them: settings, and the
    // secrets held as "<redacted>".
    let sf = connector(
        &s,
        json!({"name": "Salesforce Northwind", "kind": "salesforce",
               "loginUrl": "https://northwind.my.salesforce.com/",
               "instanceUrl": "https://northwind.my.salesforce.com",
               "clientId": "3MVG9-consumer", "clientSecret": "consumer-secret"}),
    )
    .await;
    let hs = connector(
        &s,
        json!({"name": "HubSpot", "kind": "hubspot",
               "token": "pat-na1-11111111-2222-3333-4444-555555555555"}),
    )
    .await;
    insta::assert_json_snapshot!("salesforce_connector", shown(&s, &sf).await, {
        ".requestId" => "[id]",
        ".connector.id" => "[id]",
        ".connector.workspaceId" => "[id]",
        ".connector.created" => "[time]",
        ".connector.updated" => "[time]",
    });
    insta::assert_json_snapshot!("hubspot_connector", shown(&s, &hs).await, {
        ".requestId" => "[id]",
        ".connector.id" => "[id]",
        ".connector.workspaceId" => "[id]",
        ".connector.created" => "[time]",
        ".connector.updated" => "[time]",
    });

    // A call's writes as GET /parley/v1/calls/{id}/crm-writes lists them: one written,
    // and one skipped (merging adds nothing the field lacks).
    let crm = stand_in().await;
    opportunity(&crm, "0065g00000AbCdEAAV", Value::Null);
    let call = analysed_call(&s, "wire-1", salesforce_context("0065g00000AbCdEAAV")).await;
    let id = connector(&s, salesforce(&crm)).await;
    let action = json!({"tracker": "Competitors", "objectType": "Opportunity",
                        "field": "Main_Competitors__c", "connectorId": id});
    run(&s, &call, action.clone()).await;
    assert_eq!(run_writes(&s).await, 1);
    let mut merge = action;
    merge["mergeWithCurrent"] = json!(true);
    run(&s, &call, merge).await;
    assert_eq!(run_writes(&s).await, 1);
    let r = s.get(&format!("/parley/v1/calls/{call}/crm-writes")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["writes"][0]["callId"], call.as_str());
    assert_eq!(r.body["writes"][0]["action"]["connectorId"], id.as_str());
    insta::assert_json_snapshot!("crm_writes", r.body, {
        ".requestId" => "[id]",
        ".writes[].id" => "[id]",
        ".writes[].callId" => "[id]",
        ".writes[].workspaceId" => "[id]",
        ".writes[].action.connectorId" => "[id]",
        ".writes[].created" => "[time]",
        ".writes[].updated" => "[time]",
    });
}

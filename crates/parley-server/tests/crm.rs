//! The generic CRM integration over HTTP on a real server: registering an integration,
//! declaring fields, uploading LDJSON read by the worker, the request status with
//! per-line errors, objects by id, what calls show of uploaded objects, manual
//! associations, the call-context fidelity rules, and every error path.

mod common;

use common::{assert_error, call_body, key, send_as, Reply, TestServer};
use parley_app::keys::{create_key, KeySpec};
use parley_domain::{CrmRequestStatus, JobKind, JobState, Role, ScopeSet, UserId, WorkspaceId};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Replaces ids and times that change between runs.
fn stable(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(o) => {
                for (k, x) in o.iter_mut() {
                    match k.as_str() {
                        "requestId" => *x = json!("[request]"),
                        "integrationId" => *x = json!("[integration]"),
                        "callId" => *x = json!("[call]"),
                        "userId" if !x.is_null() => *x = json!("[user]"),
                        "created" | "modifiedDate" if x.is_string() => *x = json!("[time]"),
                        "cursor" => *x = json!("[cursor]"),
                        _ => walk(x),
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

async fn register(s: &TestServer) -> i64 {
    let r = s
        .send(
            Method::PUT,
            "/v2/crm/integrations",
            Some(json!({"ownerEmail": "crm@northwind.example.com", "name": "Test Integration"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["integrationId"]
        .as_i64()
        .expect("integrationId is a JSON number")
}

async fn upload_as(
    s: &TestServer,
    key: &str,
    secret: &str,
    query: &str,
    part_name: &str,
    data: Vec<u8>,
) -> Reply {
    let form = Form::new().part(
        part_name.to_owned(),
        Part::bytes(data).file_name("objects.ldjson"),
    );
    s.raw(
        s.client
            .post(format!("{}/v2/crm/entities?{query}", s.base))
            .basic_auth(key, Some(secret))
            .multipart(form),
    )
    .await
}

async fn upload(s: &TestServer, query: &str, data: &str) -> Reply {
    upload_as(
        s,
        &s.key,
        &s.secret,
        query,
        "dataFile",
        data.as_bytes().to_vec(),
    )
    .await
}

const ACCOUNTS: &str = r#"{"objectId":"A1","modifiedDate":"2024-03-01T10:00:00Z","name":"Acme","domains":["acme.example.com"],"tier":"Gold"}
{"objectId":"A2","name":"No date"}
{"objectId":"A3","modifiedDate":"2024-03-01T10:00:00Z","name":"Beta","tier":"Bronze"}
not json
{"objectId":"A4","modifiedDate":"2024-03-01T10:00:00Z","name":"Gamma"}
"#;

async fn with_schema(s: &TestServer) -> i64 {
    let id = register(s).await;
    let r = s
        .post(
            &format!("/v2/crm/entity-schema?integrationId={id}&objectType=ACCOUNT"),
            json!([{"uniqueName": "tier", "label": "Tier", "type": "PICKLIST",
                    "orderedValueList": ["Gold", "Silver"], "lastModified": "2020-12-17T13:45:01Z"}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    id
}

#[tokio::test]
async fn an_integration_is_registered_listed_and_deleted_in_gongs_shape() {
    let s = TestServer::start().await;
    let r = s.get("/v2/crm/integrations").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["integrations"], json!([]));

    let id = register(&s).await;
    let again = s
        .send(
            Method::PUT,
            "/v2/crm/integrations",
            Some(json!({"ownerEmail": "x@northwind.example.com", "name": "Second"})),
        )
        .await;
    assert_error(
        &again,
        StatusCode::CONFLICT,
        "Your organization already has an active GENERIC CRM integration",
    );
    let r = s.get("/v2/crm/integrations").await;
    assert_eq!(r.body["integrations"][0]["integrationId"], json!(id));
    insta::assert_json_snapshot!("crm_integrations", stable(r.body));

    let r = s
        .send(
            Method::DELETE,
            &format!("/v2/crm/integrations?integrationId={id}&clientRequestId=del-1"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["clientRequestId"], "del-1");
    let status = s
        .get(&format!(
            "/v2/crm/request-status?integrationId={id}&clientRequestId=del-1"
        ))
        .await;
    assert_eq!(status.body["status"], "DONE", "{}", status.body);
    assert_eq!(
        s.get("/v2/crm/integrations").await.body["integrations"],
        json!([])
    );
    let gone = s
        .send(
            Method::DELETE,
            &format!("/v2/crm/integrations?integrationId={id}&clientRequestId=del-2"),
            None,
        )
        .await;
    assert_error(
        &gone,
        StatusCode::NOT_FOUND,
        &format!("integration {id} was not found"),
    );
}

#[tokio::test]
async fn registering_needs_an_owner_and_a_name() {
    let s = TestServer::start().await;
    let r = s
        .send(
            Method::PUT,
            "/v2/crm/integrations",
            Some(json!({"name": "X"})),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "ownerEmail is required");
    let r = s
        .send(
            Method::PUT,
            "/v2/crm/integrations",
            Some(json!({"ownerEmail": "nobody", "name": "X"})),
        )
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "ownerEmail must be an e-mail address",
    );
}

#[tokio::test]
async fn the_schema_is_declared_and_read_per_object_type() {
    let s = TestServer::start().await;
    let id = with_schema(&s).await;
    let r = s
        .get(&format!(
            "/v2/crm/entity-schema?integrationId={id}&objectType=ACCOUNT"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    insta::assert_json_snapshot!("crm_entity_schema", stable(r.body));
    let all = s
        .get(&format!("/v2/crm/entity-schema?integrationId={id}"))
        .await;
    let types: Vec<&String> = all.body["objectTypeToSelectedFields"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        types,
        [
            "ACCOUNT",
            "CONTACT",
            "DEAL",
            "LEAD",
            "BUSINESS_USER",
            "STAGE"
        ]
    );
}

#[tokio::test]
async fn schema_errors_name_the_field() {
    let s = TestServer::start().await;
    let id = register(&s).await;
    let path = format!("/v2/crm/entity-schema?integrationId={id}&objectType=DEAL");
    let r = s
        .post(&path, json!([{"uniqueName": "owner", "type": "REFERENCE"}]))
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "[0].referenceTo must be one of",
    );
    let r = s
        .post(&path, json!([{"uniqueName": "x", "type": "TEXT"}]))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "[0].type must be one of DATE");
    let r = s
        .post(
            &format!("/v2/crm/entity-schema?integrationId={id}&objectType=deal"),
            json!([]),
        )
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "objectType: \"deal\" is not one of ACCOUNT",
    );
    let r = s
        .get("/v2/crm/entity-schema?integrationId=12345&objectType=DEAL")
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "integration 12345 was not found");
    let r = s.get("/v2/crm/entity-schema?objectType=DEAL").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "integrationId is required");
    let r = s
        .get("/v2/crm/entity-schema?integrationId=abc&objectType=DEAL")
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "integrationId: \"abc\" is not an int64",
    );
}

#[tokio::test]
async fn an_upload_is_read_by_the_worker_with_errors_by_line_and_shows_in_entities_and_calls() {
    let s = TestServer::start().await;
    let id = with_schema(&s).await;
    let q = format!("integrationId={id}&objectType=ACCOUNT&clientRequestId=up-1");
    let r = upload(&s, &q, ACCOUNTS).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    insta::assert_json_snapshot!("crm_upload_accepted", stable(r.body));
    let status_path = format!("/v2/crm/request-status?integrationId={id}&clientRequestId=up-1");
    assert_eq!(s.get(&status_path).await.body["status"], "PENDING");

    // A call linked to A1 before the worker ran shows what the call was created with.
    let user = s.user("rep@northwind.example.com", "Rita", "Rep").await;
    let mut body = call_body("crm-1", &user, "2024-03-05T10:00:00Z");
    body["context"] = json!([{"system": "Generic", "objects": [
        {"objectType": "Account", "objectId": "A1"}]}]);
    let call = s.call(body).await;
    let extensive = json!({"filter": {"callIds": [call]},
        "contentSelector": {"context": "Extended"}});
    let before = s.post("/v2/calls/extensive", extensive.clone()).await;
    assert_eq!(
        before.body["calls"][0]["context"][0]["objects"][0]["fields"],
        json!([])
    );

    assert_eq!(s.run_analysis_jobs(None).await, 1, "the upload's job ran");
    let status = s.get(&status_path).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    insta::assert_json_snapshot!("crm_request_status", stable(status.body));

    let r = s
        .send(
            Method::GET,
            &format!("/v2/crm/entities?integrationId={id}&objectType=ACCOUNT"),
            Some(json!(["A1", "A4", "A2", "unknown"])),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    insta::assert_json_snapshot!("crm_entities", stable(r.body));
    let by_query = s
        .get(&format!(
            "/v2/crm/entities?integrationId={id}&objectType=ACCOUNT&objectsCrmIds=A4"
        ))
        .await;
    assert_eq!(by_query.body["crmObjectsMap"]["A4"]["name"], "Gamma");

    let after = s.post("/v2/calls/extensive", extensive).await;
    assert_eq!(
        after.body["calls"][0]["context"][0]["objects"][0]["fields"],
        json!([{"name": "Name", "value": "Acme"},
               {"name": "Website", "value": "acme.example.com"},
               {"name": "tier", "value": "Gold"}]),
        "a generic link shows the uploaded object's fields: {}",
        after.body
    );
}

#[tokio::test]
async fn a_malformed_file_fails_the_request_with_its_lines() {
    let s = TestServer::start().await;
    let id = register(&s).await;
    let q = format!("integrationId={id}&objectType=BUSINESS_USER&clientRequestId=users-1");
    let r = upload(
        &s,
        &q,
        "{\"objectId\":\"U1\",\"modifiedDate\":\"2024-01-01T00:00:00Z\"}\n[]\n",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    s.run_analysis_jobs(None).await;
    let status = s
        .get(&format!(
            "/v2/crm/request-status?integrationId={id}&clientRequestId=users-1"
        ))
        .await;
    assert_eq!(
        status.body,
        json!({"requestId": status.body["requestId"], "status": "FAILED",
               "errors": [{"line": 1, "description": "Mandatory field [emailAddress] is missing or empty"},
                          {"line": 2, "description": "Line is not a JSON object"}],
               "totalErrorCount": 2, "totalSuccessCount": 0})
    );
}

#[tokio::test]
async fn upload_errors_are_clear() {
    // Small bounds, so that the settings are seen to be the ones applied.
    let s = TestServer::start_with(|c| {
        c.limits.max_crm_upload_lines = 5;
        c.limits.max_crm_upload_bytes = 4096;
    })
    .await;
    let id = register(&s).await;
    let q = |rest: &str| format!("integrationId={id}&{rest}");

    let r = upload(&s, &q("objectType=ACCOUNT&clientRequestId=u1"), "").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "dataFile is empty");
    let r = upload_as(
        &s,
        &s.key,
        &s.secret,
        &q("objectType=ACCOUNT&clientRequestId=u1"),
        "file",
        b"{}".to_vec(),
    )
    .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "dataFile part is missing");
    let r = upload(&s, &q("objectType=OPPORTUNITY&clientRequestId=u1"), "{}").await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "objectType: \"OPPORTUNITY\" is not one of",
    );
    let r = upload(&s, &q("objectType=ACCOUNT"), "{}").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "clientRequestId is required");
    let r = upload(&s, &q("objectType=ACCOUNT&clientRequestId=a%20b"), "{}").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "clientRequestId must be");
    let r = upload(
        &s,
        "integrationId=777&objectType=ACCOUNT&clientRequestId=u1",
        "{}",
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND, "integration 777 was not found");
    let r = upload(
        &s,
        &q("objectType=ACCOUNT&clientRequestId=u1"),
        &"{}\n".repeat(6),
    )
    .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "dataFile has 6 lines, more than the 5 allowed (max_crm_upload_lines)",
    );
    let big = vec![b' '; 4097];
    let r = upload_as(
        &s,
        &s.key,
        &s.secret,
        &q("objectType=ACCOUNT&clientRequestId=u1"),
        "dataFile",
        big,
    )
    .await;
    assert_error(
        &r,
        StatusCode::PAYLOAD_TOO_LARGE,
        "dataFile is larger than the 4096 byte limit (max_crm_upload_bytes)",
    );

    let ok = upload(&s, &q("objectType=ACCOUNT&clientRequestId=u1"), "{}").await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    let again = upload(&s, &q("objectType=ACCOUNT&clientRequestId=u1"), "{}").await;
    assert_error(
        &again,
        StatusCode::CONFLICT,
        "clientRequestId was already used",
    );

    let r = s
        .get(&format!(
            "/v2/crm/request-status?integrationId={id}&clientRequestId=nope"
        ))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "request nope of integration");
    let r = s
        .get(&format!(
            "/v2/crm/entities?integrationId={id}&objectType=ACCOUNT"
        ))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "name the CRM ids to read");
    let r = s
        .send(
            Method::GET,
            &format!("/v2/crm/entities?integrationId={id}&objectType=ACCOUNT"),
            Some(json!({"ids": 1})),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "expected an array of CRM ids");
}

#[tokio::test]
async fn another_workspaces_integration_does_not_exist_for_a_bound_key() {
    let s = TestServer::start().await;
    let id = with_schema(&s).await;
    let r = s
        .post("/parley/v1/workspaces", json!({"name": "East"}))
        .await;
    let east: i64 = r.body["workspaceId"].as_str().unwrap().parse().unwrap();
    let bound = create_key(
        s.store.as_ref(),
        &KeySpec {
            name: "east".into(),
            scopes: ScopeSet::full(),
            workspace: Some(WorkspaceId(east)),
            owner: None,
        },
    )
    .await
    .unwrap();
    let as_bound = |method: Method, path: String, body: Option<Value>| {
        let mut req = s
            .client
            .request(method, format!("{}{path}", s.base))
            .basic_auth(&bound.access_key, Some(&bound.secret));
        if let Some(b) = body {
            req = req.json(&b);
        }
        s.raw(req)
    };
    let r = as_bound(Method::GET, "/v2/crm/integrations".into(), None).await;
    assert_eq!(r.body["integrations"], json!([]), "{}", r.body);
    let r = as_bound(
        Method::GET,
        format!("/v2/crm/entity-schema?integrationId={id}&objectType=ACCOUNT"),
        None,
    )
    .await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        &format!("integration {id} was not found"),
    );
    let r = upload_as(
        &s,
        &bound.access_key,
        &bound.secret,
        &format!("integrationId={id}&objectType=ACCOUNT&clientRequestId=x"),
        "dataFile",
        b"{}".to_vec(),
    )
    .await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        &format!("integration {id} was not found"),
    );
    let r = as_bound(
        Method::DELETE,
        format!("/v2/crm/integrations?integrationId={id}&clientRequestId=x"),
        None,
    )
    .await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        &format!("integration {id} was not found"),
    );
    // Its own workspace may have an integration of its own.
    let r = as_bound(
        Method::PUT,
        "/v2/crm/integrations".into(),
        Some(json!({"ownerEmail": "east@northwind.example.com", "name": "East CRM"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        s.get("/v2/crm/integrations").await.body["integrations"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn manual_associations_are_listed_as_gong_describes() {
    let s = TestServer::start_with(|c| c.page_size = 2).await;
    let user = s.user("rep@northwind.example.com", "Rita", "Rep").await;
    let mut body = call_body("assoc-1", &user, "2024-03-05T10:00:00Z");
    body["context"] = json!([{"system": "Generic", "objects": [
        {"objectType": "Account", "objectId": "A0"}]}]);
    let call = s.call(body).await;
    let path = format!("/parley/v1/calls/{call}/crm-association");

    // Not shadowed by /v2/calls/{id}, and empty at first.
    let r = s.get("/v2/calls/manual-crm-associations").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["associations"], json!([]));

    let r = s
        .send(
            Method::PUT,
            &path,
            Some(json!({"accountCrmId": "A1", "dealCrmId": "D1"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = s
        .send(Method::PUT, &path, Some(json!({"accountCrmId": "A2"})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ctx = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [call]}, "contentSelector": {"context": "Basic"}}),
        )
        .await;
    assert_eq!(
        ctx.body["calls"][0]["context"][0]["objects"],
        json!([{"objectType": "Account", "objectId": "A2", "fields": [], "timing": "Now"}]),
        "the association replaces the call's generic links: {}",
        ctx.body
    );
    let r = s.send(Method::DELETE, &path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let first = s.get("/v2/calls/manual-crm-associations").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["records"]["totalRecords"], 4);
    let cursor = first.body["records"]["cursor"].as_str().unwrap().to_owned();
    let second = s
        .get(&format!(
            "/v2/calls/manual-crm-associations?cursor={cursor}"
        ))
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    insta::assert_json_snapshot!(
        "manual_crm_associations",
        stable(json!([first.body, second.body]))
    );

    let later = s
        .get("/v2/calls/manual-crm-associations?fromDateTime=2999-01-01T00:00:00Z")
        .await;
    assert_eq!(later.body["associations"], json!([]));
    let r = s
        .get("/v2/calls/manual-crm-associations?fromDateTime=yesterday")
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "fromDateTime");
    let r = s
        .send(Method::PUT, &path, Some(json!({"dealCrmId": "D1"})))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "accountCrmId is required");
    let r = s
        .send(
            Method::PUT,
            "/parley/v1/calls/123/crm-association",
            Some(json!({"accountCrmId": "A1"})),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "Call ID 123 was not found");
}

#[tokio::test]
async fn call_context_accepts_only_gongs_object_types() {
    let s = TestServer::start().await;
    let user = s.user("rep@northwind.example.com", "Rita", "Rep").await;
    let mut body = call_body("ctx-1", &user, "2024-03-05T10:00:00Z");
    body["context"] = json!([{"system": "Salesforce", "objects": [
        {"objectType": "Opportunity,Account", "objectId": "006X,001Y"}]}]);
    // The party's account is the call's: added to its context once (001Y is there
    // already), the new one after it.
    body["parties"][1]["context"] = json!([{"system": "Salesforce", "objects": [
        {"objectType": "lead,contact", "objectId": "00QZ"},
        {"objectType": "Account", "objectId": "001Y"},
        {"objectType": "account", "objectId": "001P"}]}]);
    let call = s.call(body).await;
    let r = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [call]},
                   "contentSelector": {"context": "Basic", "exposedFields": {"parties": true}}}),
        )
        .await;
    let objects: Vec<(String, String)> = r.body["calls"][0]["context"][0]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["objectType"].as_str().unwrap().to_owned(),
                o["objectId"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        objects,
        [
            ("Opportunity".to_owned(), "006X".to_owned()),
            ("Account".to_owned(), "001Y".to_owned()),
            ("Account".to_owned(), "001P".to_owned())
        ]
    );
    let party = r.body["calls"][0]["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["emailAddress"] == "carl@customer.example.com")
        .unwrap()
        .clone();
    let types: Vec<&str> = party["context"][0]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["objectType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["Lead", "Contact"]);

    let mut bad = call_body("ctx-2", &user, "2024-03-05T10:00:00Z");
    bad["context"] = json!([{"system": "Salesforce", "objects": [
        {"objectType": "Lead", "objectId": "00Q1"}]}]);
    let r = s.post("/v2/calls", bad).await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "context[0].objects[0].objectType must be one of Opportunity, Account",
    );
    let mut bad = call_body("ctx-3", &user, "2024-03-05T10:00:00Z");
    bad["parties"][1]["context"] = json!([{"system": "Salesforce", "objects": [
        {"objectType": "Deal", "objectId": "1"}]}]);
    let r = s.post("/v2/calls", bad).await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "parties[1].context[0].objects[0].objectType must be one of Contact, Lead, User, Account, Opportunity",
    );
}

/// The listing is the caller's: a member sees the associations of their own calls only,
/// in the total too, and in full pages (visibility is part of the query, not a filter
/// after paging that would leave pages short while a cursor continues).
#[tokio::test]
async fn manual_associations_are_the_callers_calls_counted_and_paged_so() {
    let s = TestServer::start_with(|c| c.page_size = 2).await;
    let rita = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let otto = s.user("otto@northwind.example.com", "Otto", "Other").await;
    for u in [&rita, &otto] {
        s.store
            .set_user_role(UserId(u.parse().unwrap()), Role::Member, chrono::Utc::now())
            .await
            .unwrap();
    }
    // Otto's calls associated between Rita's, so that a filter after paging would
    // leave Rita's pages short.
    let mut ritas = Vec::new();
    for n in 0..3 {
        let start = format!("2024-03-0{}T10:00:00Z", n + 1);
        let mine = s.call(call_body(&format!("rita-{n}"), &rita, &start)).await;
        let theirs = s.call(call_body(&format!("otto-{n}"), &otto, &start)).await;
        for call in [&mine, &theirs] {
            let r = s
                .send(
                    Method::PUT,
                    &format!("/parley/v1/calls/{call}/crm-association"),
                    Some(json!({"accountCrmId": format!("A{n}")})),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        ritas.push(mine);
    }
    let rita_key = key(&s, Some(&rita), None).await;
    let path = "/v2/calls/manual-crm-associations";
    let first = send_as(&s, &rita_key, Method::GET, path, None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["records"]["totalRecords"], 3, "{}", first.body);
    assert_eq!(
        first.body["records"]["currentPageSize"], 2,
        "{}",
        first.body
    );
    let calls = |r: &Reply| -> Vec<String> {
        r.body["associations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["callId"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(calls(&first), ritas[..2], "a full page of Rita's calls");
    let cursor = first.body["records"]["cursor"].as_str().unwrap().to_owned();
    let second = send_as(
        &s,
        &rita_key,
        Method::GET,
        &format!("{path}?cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(calls(&second), ritas[2..]);
    assert_eq!(second.body["records"]["totalRecords"], 3);
    assert!(
        second.body["records"]
            .get("cursor")
            .is_none_or(Value::is_null),
        "the last page: {}",
        second.body
    );

    // The company's key sees every call.
    let all = s.get(path).await;
    assert_eq!(all.body["records"]["totalRecords"], 6, "{}", all.body);
}

/// Runs one statement on the test's database, as a failure would.
async fn exec(url: &str, sql: &str) {
    if parley_app::storage::shared_by_nodes(url) {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

/// Workers that die holding the upload's job (leases of no time, never finished) until
/// it has `left` attempts; the request says IN_PROGRESS, as the worker's first step sets.
async fn dead_workers(s: &TestServer, integration: i64, request: &str, left: u32) {
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let (job, _) = s
            .store
            .claim_job(&[JobKind::CrmUpload], "dead", 0, chrono::Utc::now())
            .await
            .unwrap()
            .expect("the upload's job");
        s.store
            .set_crm_request_status(
                integration,
                request,
                CrmRequestStatus::InProgress,
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        if job.attempts + left >= job.max_attempts {
            break;
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
}

async fn request_status(s: &TestServer, integration: i64, request: &str) -> Value {
    let r = s
        .get(&format!(
            "/v2/crm/request-status?integrationId={integration}&clientRequestId={request}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["status"].clone()
}

/// An upload whose job will not run again answers FAILED, not IN_PROGRESS for ever:
/// when the worker's last attempt fails (the failure it records fails the request with
/// the job), and when every worker died on it (the next claim fails the job and the
/// request; no worker hears of it).
#[tokio::test]
async fn an_upload_whose_job_fails_for_good_answers_failed() {
    let s = TestServer::start().await;
    let id = with_schema(&s).await;

    // The worker's own last attempt fails (its request lost its object type, which
    // retrying would not bring back, but the failure is the server's: transient).
    let q = format!("integrationId={id}&objectType=ACCOUNT&clientRequestId=last-try");
    let r = upload(&s, &q, ACCOUNTS).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    dead_workers(&s, id, "last-try", 1).await;
    exec(
        &s.database_url,
        "UPDATE crm_requests SET object_type = NULL WHERE client_request_id = 'last-try'",
    )
    .await;
    assert_eq!(s.run_analysis_jobs(None).await, 1, "the last attempt ran");
    assert_eq!(request_status(&s, id, "last-try").await, "FAILED");

    // Every worker died on it: the claim that finds it out of attempts fails it.
    let q = format!("integrationId={id}&objectType=ACCOUNT&clientRequestId=all-died");
    let r = upload(&s, &q, ACCOUNTS).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    dead_workers(&s, id, "all-died", 0).await;
    assert_eq!(request_status(&s, id, "all-died").await, "IN_PROGRESS");
    assert_eq!(s.run_analysis_jobs(None).await, 0, "nothing left to run");
    assert_eq!(request_status(&s, id, "all-died").await, "FAILED");
    let failed = s.store.list_jobs(Some(JobState::Failed), 10).await.unwrap();
    assert_eq!(failed.len(), 2, "{failed:?}");
}

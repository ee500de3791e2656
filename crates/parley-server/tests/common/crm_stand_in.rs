//! A local stand-in for the CRMs Parley writes to: Salesforce's REST API (OAuth 2.0
//! client credentials and JWT bearer token endpoints, sObject GET and PATCH, its
//! `[{"message","errorCode","fields"}]` errors, `REQUEST_LIMIT_EXCEEDED`, expired
//! sessions) and HubSpot's CRM v3 objects API (private-app bearer tokens, `properties`,
//! its JSON error bodies and 429 with `Retry-After`). Shared by the tests that write to a
//! CRM (`#[path]`-included: not every test binary needs it).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode as AxStatus};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

/// A call in which the customer names two competitors (Acme, globex, Acme again):
/// what the tests that write to a CRM transcribe.
pub const VTT: &str = "WEBVTT

00:00:00.000 --> 00:00:04.000
<v Rita Rep>Thanks for joining. Who else are you looking at?

00:00:04.500 --> 00:00:09.000
<v Carl Customer>Mostly Acme, and we had a call with globex last week.

00:00:09.500 --> 00:00:12.000
<v Carl Customer>Acme is cheaper, honestly.
";

const PUBLIC_KEY: &str = include_str!("../data/salesforce-jwt-test-key.pub.pem");

/// What the stand-in CRM holds and has seen.
#[derive(Default)]
pub struct Crm {
    pub base: String,
    /// Salesforce: Opportunity id → fields.
    pub opportunities: HashMap<String, serde_json::Map<String, Value>>,
    /// HubSpot: deal id → properties.
    pub deals: HashMap<String, serde_json::Map<String, Value>>,
    /// Tokens issued (the last one is the valid one).
    pub tokens: Vec<String>,
    /// Answers forced on the next API (non-token) requests: status, Retry-After, body.
    pub forced: VecDeque<(u16, Option<u64>, String)>,
    /// Every request: "METHOD path".
    pub seen: Vec<String>,
    /// The grant types token requests used.
    pub grants: Vec<String>,
}

pub type Shared = Arc<Mutex<Crm>>;

fn json_reply(status: u16, retry_after: Option<u64>, body: String) -> Response {
    let mut r = (
        AxStatus::from_u16(status).unwrap(),
        [("content-type", "application/json;charset=UTF-8")],
        body,
    )
        .into_response();
    if let Some(s) = retry_after {
        r.headers_mut()
            .insert("retry-after", s.to_string().parse().unwrap());
    }
    r
}

fn bearer(h: &HeaderMap) -> String {
    h.get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_owned()
}

async fn sf_token(State(crm): State<Shared>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url_decode(&body);
    let mut c = crm.lock().unwrap();
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    c.grants.push(grant.clone());
    let ok = match grant.as_str() {
        "client_credentials" => {
            form.get("client_id").map(String::as_str) == Some("3MVG9-consumer")
                && form.get("client_secret").map(String::as_str) == Some("consumer-secret")
        }
        "urn:ietf:params:oauth:grant-type:jwt-bearer" => {
            let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
            v.set_audience(&["https://login.salesforce.com"]);
            v.set_issuer(&["3MVG9-consumer"]);
            let key = jsonwebtoken::DecodingKey::from_rsa_pem(PUBLIC_KEY.as_bytes()).unwrap();
            jsonwebtoken::decode::<Value>(
                form.get("assertion").map(String::as_str).unwrap_or(""),
                &key,
                &v,
            )
            .is_ok_and(|t| t.claims["sub"] == "integration@northwind.example.com")
        }
        _ => {
            return json_reply(
                400,
                None,
                json!({"error": "unsupported_grant_type", "error_description": "grant type not supported"}).to_string(),
            )
        }
    };
    if !ok {
        return json_reply(
            400,
            None,
            json!({"error": "invalid_client", "error_description": "invalid client credentials"})
                .to_string(),
        );
    }
    let token = format!("00Dxx0000001gPL!tok{}", c.tokens.len() + 1);
    c.tokens.push(token.clone());
    json_reply(
        200,
        None,
        json!({
            "access_token": token,
            "instance_url": c.base,
            "id": format!("{}/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS", c.base),
            "token_type": "Bearer",
            "issued_at": "1733472000000",
            "signature": "c2lnbmF0dXJl"
        })
        .to_string(),
    )
}

fn url_decode(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn sf_error(status: u16, code: &str, message: &str, fields: &[&str]) -> Response {
    json_reply(
        status,
        None,
        json!([{"message": message, "errorCode": code, "fields": fields}]).to_string(),
    )
}

/// The checks every Salesforce API request passes first: a forced answer, the token.
fn sf_gate(c: &mut Crm, h: &HeaderMap, what: String) -> Option<Response> {
    c.seen.push(what);
    if let Some((status, retry, body)) = c.forced.pop_front() {
        return Some(json_reply(status, retry, body));
    }
    if c.tokens.last().map(String::as_str) != Some(bearer(h).as_str()) {
        return Some(sf_error(
            401,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
            &[],
        ));
    }
    None
}

async fn sf_get(
    State(crm): State<Shared>,
    Path((version, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
) -> Response {
    let mut c = crm.lock().unwrap();
    if let Some(r) = sf_gate(&mut c, &h, format!("GET {version} Opportunity/{id}")) {
        return r;
    }
    let Some(o) = c.opportunities.get(&id) else {
        return sf_error(
            404,
            "NOT_FOUND",
            "The requested resource does not exist",
            &[],
        );
    };
    let mut out = serde_json::Map::new();
    out.insert(
        "attributes".into(),
        json!({"type": "Opportunity", "url": format!("/services/data/{version}/sobjects/Opportunity/{id}")}),
    );
    for f in q.get("fields").map(|f| f.split(',')).into_iter().flatten() {
        match o.get(f) {
            Some(v) => {
                out.insert(f.to_owned(), v.clone());
            }
            None => {
                return sf_error(
                    400,
                    "INVALID_FIELD",
                    &format!("No such column '{f}' on entity 'Opportunity'."),
                    &[],
                )
            }
        }
    }
    out.insert("Id".into(), json!(id));
    json_reply(200, None, Value::Object(out).to_string())
}

async fn sf_patch(
    State(crm): State<Shared>,
    Path((version, id)): Path<(String, String)>,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let mut c = crm.lock().unwrap();
    if let Some(r) = sf_gate(&mut c, &h, format!("PATCH {version} Opportunity/{id}")) {
        return r;
    }
    let Ok(Value::Object(changes)) = serde_json::from_slice::<Value>(&body) else {
        return sf_error(400, "JSON_PARSER_ERROR", "Unexpected character", &[]);
    };
    let Some(o) = c.opportunities.get_mut(&id) else {
        return sf_error(
            404,
            "NOT_FOUND",
            "The requested resource does not exist",
            &[],
        );
    };
    for (k, v) in changes {
        if !o.contains_key(&k) {
            return sf_error(
                400,
                "INVALID_FIELD",
                &format!("No such column '{k}' on sobject of type Opportunity"),
                &[],
            );
        }
        o.insert(k, v);
    }
    AxStatus::NO_CONTENT.into_response()
}

fn hs_error(status: u16, category: &str, message: &str) -> Response {
    json_reply(
        status,
        None,
        json!({"status": "error", "message": message,
               "correlationId": "aeb5e1f4-2f3f-4c2b-9d9e-0d7b9a1f3c11", "category": category})
        .to_string(),
    )
}

fn hs_gate(c: &mut Crm, h: &HeaderMap, what: String) -> Option<Response> {
    c.seen.push(what);
    if let Some((status, retry, body)) = c.forced.pop_front() {
        return Some(json_reply(status, retry, body));
    }
    if bearer(h) != "pat-na1-11111111-2222-3333-4444-555555555555" {
        return Some(hs_error(
            401,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        ));
    }
    None
}

fn hs_deal(id: &str, props: &serde_json::Map<String, Value>) -> String {
    json!({"id": id, "properties": props, "createdAt": "2024-03-01T10:00:00.000Z",
           "updatedAt": "2024-03-05T10:00:00.000Z", "archived": false})
    .to_string()
}

async fn hs_get(
    State(crm): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
) -> Response {
    let mut c = crm.lock().unwrap();
    if let Some(r) = hs_gate(&mut c, &h, format!("GET deals/{id}")) {
        return r;
    }
    let Some(d) = c.deals.get(&id) else {
        return hs_error(
            404,
            "OBJECT_NOT_FOUND",
            "Object not found.  objectId are usually numeric.",
        );
    };
    // HubSpot answers only the properties asked for (unknown ones are left out).
    let mut props = serde_json::Map::new();
    props.insert("hs_object_id".into(), json!(id));
    for p in q
        .get("properties")
        .map(|p| p.split(','))
        .into_iter()
        .flatten()
    {
        if let Some(v) = d.get(p) {
            props.insert(p.to_owned(), v.clone());
        }
    }
    json_reply(200, None, hs_deal(&id, &props))
}

async fn hs_patch(
    State(crm): State<Shared>,
    Path(id): Path<String>,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let mut c = crm.lock().unwrap();
    if let Some(r) = hs_gate(&mut c, &h, format!("PATCH deals/{id}")) {
        return r;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(Value::Object(changes)) = body.get("properties").cloned() else {
        return hs_error(400, "VALIDATION_ERROR", "Invalid input JSON on line 1");
    };
    let Some(d) = c.deals.get_mut(&id) else {
        return hs_error(
            404,
            "OBJECT_NOT_FOUND",
            "Object not found.  objectId are usually numeric.",
        );
    };
    for (k, v) in changes {
        if !d.contains_key(&k) {
            return hs_error(
                400,
                "VALIDATION_ERROR",
                &format!("Property values were not valid: [{{\"isValid\":false,\"message\":\"Property \\\"{k}\\\" does not exist\",\"error\":\"PROPERTY_DOESNT_EXIST\",\"name\":\"{k}\"}}]"),
            );
        }
        d.insert(k, v);
    }
    let props = d.clone();
    json_reply(200, None, hs_deal(&id, &props))
}

/// Starts the stand-in CRM on a free port of 127.0.0.1.
pub async fn stand_in() -> Shared {
    let crm: Shared = Arc::default();
    let app = Router::new()
        .route("/services/oauth2/token", post(sf_token))
        .route(
            "/services/data/{version}/sobjects/Opportunity/{id}",
            get(sf_get).patch(sf_patch),
        )
        .route("/crm/v3/objects/deals/{id}", get(hs_get).patch(hs_patch))
        .with_state(crm.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    crm.lock().unwrap().base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    crm
}

pub fn opportunity(crm: &Shared, id: &str, current: Value) {
    let mut fields = serde_json::Map::new();
    fields.insert("Name".into(), json!("Northwind renewal"));
    fields.insert("Main_Competitors__c".into(), current);
    crm.lock().unwrap().opportunities.insert(id.into(), fields);
}

pub fn salesforce_context(id: &str) -> Value {
    json!([{"system": "Salesforce", "objects": [
        {"objectType": "Account", "objectId": "001xx000003DGb2AAG"},
        {"objectType": "Opportunity", "objectId": id}]}])
}

pub fn salesforce(crm: &Shared) -> Value {
    json!({"name": "Salesforce", "kind": "salesforce",
           "loginUrl": crm.lock().unwrap().base, "clientId": "3MVG9-consumer",
           "clientSecret": "consumer-secret", "apiVersion": "v62.0"})
}

pub fn field(crm: &Shared, id: &str) -> Value {
    crm.lock().unwrap().opportunities[id]["Main_Competitors__c"].clone()
}

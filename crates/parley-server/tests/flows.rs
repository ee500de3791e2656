//! Engage flows (`/v2/flows`, `/v2/flows/prospects`, `/v2/flows/prospects/assign`, made
//! through `/parley/v1/flows`) and `/v2/integration-settings`.

mod common;

use common::{assert_error, key, send_as, Reply, TestServer};
use parley_domain::{Role, UserId};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn set_role(s: &TestServer, user: &str, role: Role) {
    s.store
        .set_user_role(UserId(user.parse().unwrap()), role, chrono::Utc::now())
        .await
        .unwrap();
}

/// Replaces each id of `names` with its label, and the request id with a constant.
fn stable(body: &Value, names: &[(&str, &str)]) -> Value {
    let mut v = body.clone();
    v["requestId"] = json!("REQUEST_ID");
    let mut text = serde_json::to_string(&v).unwrap();
    for (from, to) in names {
        text = text.replace(from, to);
    }
    serde_json::from_str(&text).unwrap()
}

async fn create_flow(s: &TestServer, body: Value) -> Reply {
    s.post("/parley/v1/flows", body).await
}

#[tokio::test]
async fn flows_are_made_listed_and_filled_with_prospects() {
    let s = TestServer::start().await;
    let owner = s.user("olga@northwind.example.com", "Olga", "Owner").await;
    let other = s.user("pete@northwind.example.com", "Pete", "Peer").await;
    let r = create_flow(
        &s,
        json!({"name": "Inbound follow-up", "ownerEmail": "olga@northwind.example.com",
               "folderName": "Inbound", "exclusive": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let company = r.body["flow"]["id"].as_str().unwrap().to_owned();
    let ws = r.body["flow"]["workspaceId"].as_str().unwrap().to_owned();
    let r = create_flow(
        &s,
        json!({"name": "Olga's own", "ownerEmail": "olga@northwind.example.com",
               "visibility": "personal"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let personal = r.body["flow"]["id"].as_str().unwrap().to_owned();

    // Olga sees both; Pete the company's only.
    let r = s
        .get("/v2/flows?flowOwnerEmail=olga@northwind.example.com")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["records"]["totalRecords"], 2);
    let r = s
        .get("/v2/flows?flowOwnerEmail=pete@northwind.example.com")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let names = [
        (company.as_str(), "COMPANY_FLOW"),
        (personal.as_str(), "PERSONAL_FLOW"),
        (ws.as_str(), "WORKSPACE_ID"),
        (owner.as_str(), "OWNER_ID"),
    ];
    let mut listed = stable(&r.body, &names);
    listed["flows"][0]["creationDate"] = json!("CREATED");
    insta::assert_json_snapshot!("flows_list", listed);

    let r = s
        .post(
            "/v2/flows/prospects/assign",
            json!({"crmProspectsIds": ["003A", "003B", "003A", ""], "flowId": company,
                   "flowInstanceOwnerEmail": "pete@northwind.example.com"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["prospectsAssigned"].as_array().unwrap().len(), 2);
    let mut names = names.to_vec();
    let instances: Vec<String> = r.body["prospectsAssigned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["flowInstanceId"].as_str().unwrap().to_owned())
        .collect();
    let labels = ["INSTANCE_A", "INSTANCE_B"];
    for (i, id) in instances.iter().enumerate() {
        names.push((id.as_str(), labels[i]));
    }
    names.push((other.as_str(), "PETE_ID"));
    let mut assigned = stable(&r.body, &names);
    for p in assigned["prospectsAssigned"].as_array_mut().unwrap() {
        p["flowInstanceCreateDate"] = json!("CREATED");
    }
    insta::assert_json_snapshot!("flows_assign", assigned);

    // Again: already in it.
    let r = s
        .post(
            "/v2/flows/prospects/assign",
            json!({"crmProspectsIds": ["003A"], "flowId": company,
                   "flowInstanceOwnerEmail": "pete@northwind.example.com"}),
        )
        .await;
    assert_eq!(r.body["prospectsAssigned"], json!([]));
    assert_eq!(
        r.body["prospectsNotAssigned"][0]["errorCode"],
        "InvalidState"
    );

    let r = s
        .post(
            "/v2/flows/prospects",
            json!({"crmProspectsIds": ["003A", "003Z"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let found = r.body["prospectsAssigned"].as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["crmProspectId"], "003A");
    assert_eq!(found[0]["flowName"], "Inbound follow-up");
    assert_eq!(
        found[0]["flowInstanceOwnerEmail"],
        "pete@northwind.example.com"
    );
    assert_eq!(found[0]["flowInstanceOwnerFullName"], "Pete Peer");
    assert_eq!(found[0]["flowInstanceStatus"], "Running");

    // Deleting the flow takes its prospects' instances with it.
    let r = s
        .send(Method::DELETE, &format!("/parley/v1/flows/{company}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = s
        .post("/v2/flows/prospects", json!({"crmProspectsIds": ["003A"]}))
        .await;
    assert_eq!(r.body["prospectsAssigned"], json!([]));
    let r = s.get("/parley/v1/flows").await;
    assert_eq!(r.body["flows"].as_array().unwrap().len(), 1, "{}", r.body);
}

#[tokio::test]
async fn flow_errors() {
    let s = TestServer::start().await;
    s.user("olga@northwind.example.com", "Olga", "Owner").await;
    // An empty listing is a 200 with no flows.
    let r = s.get("/v2/flows").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["flows"], json!([]));
    assert_eq!(r.body["records"]["totalRecords"], 0);
    assert!(r.body["records"].get("cursor").is_none());

    assert_error(
        &s.get("/v2/flows?flowOwnerEmail=nobody@example.com").await,
        StatusCode::BAD_REQUEST,
        "flowOwnerEmail: no active user",
    );
    assert_error(
        &s.get("/v2/flows?cursor=garbage").await,
        StatusCode::BAD_REQUEST,
        "cursor",
    );
    let assign = |flow: &str, owner: &str, ids: Value| json!({"crmProspectsIds": ids, "flowId": flow, "flowInstanceOwnerEmail": owner});
    assert_error(
        &s.post(
            "/v2/flows/prospects/assign",
            assign(
                "1234567890123456789",
                "olga@northwind.example.com",
                json!(["1"]),
            ),
        )
        .await,
        StatusCode::NOT_FOUND,
        "Flow not found",
    );
    assert_error(
        &s.post(
            "/v2/flows/prospects/assign",
            assign("nope", "olga@northwind.example.com", json!(["1"])),
        )
        .await,
        StatusCode::NOT_FOUND,
        "Flow not found",
    );
    let r = create_flow(
        &s,
        json!({"name": "F", "ownerEmail": "olga@northwind.example.com"}),
    )
    .await;
    let flow = r.body["flow"]["id"].as_str().unwrap().to_owned();
    assert_error(
        &s.post(
            "/v2/flows/prospects/assign",
            assign(&flow, "nobody@example.com", json!(["1"])),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "flowInstanceOwnerEmail",
    );
    let many: Vec<String> = (0..201).map(|i| i.to_string()).collect();
    assert_error(
        &s.post(
            "/v2/flows/prospects/assign",
            assign(&flow, "olga@northwind.example.com", json!(many)),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "1 to 200 prospects",
    );
    assert_error(
        &s.post("/v2/flows/prospects", json!({"crmProspectsIds": []}))
            .await,
        StatusCode::BAD_REQUEST,
        "1 to 200 prospects",
    );
    assert_error(
        &s.post("/v2/flows/prospects", json!({})).await,
        StatusCode::BAD_REQUEST,
        "crmProspectsIds",
    );
    assert_error(
        &s.post("/v2/flows/prospects/assign", json!({"flowId": flow}))
            .await,
        StatusCode::BAD_REQUEST,
        "crmProspectsIds",
    );

    // Making flows: names unique per workspace, owners that exist, known visibilities.
    assert_error(
        &create_flow(
            &s,
            json!({"name": "F", "ownerEmail": "olga@northwind.example.com"}),
        )
        .await,
        StatusCode::CONFLICT,
        "a flow of that name exists",
    );
    assert_error(
        &create_flow(
            &s,
            json!({"name": " ", "ownerEmail": "olga@northwind.example.com"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "name must be 1 to 200 characters",
    );
    assert_error(
        &create_flow(&s, json!({"name": "G", "ownerEmail": "x@example.com"})).await,
        StatusCode::BAD_REQUEST,
        "ownerEmail",
    );
    assert_error(
        &create_flow(
            &s,
            json!({"name": "G", "ownerEmail": "olga@northwind.example.com", "visibility": "secret"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "visibility must be",
    );
    assert_error(
        &create_flow(
            &s,
            json!({"name": "G", "ownerEmail": "olga@northwind.example.com", "workspaceId": "1234567890123456789"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "workspace 1234567890123456789 was not found",
    );
    assert_error(
        &s.send(Method::DELETE, "/parley/v1/flows/1234567890123456789", None)
            .await,
        StatusCode::NOT_FOUND,
        "Flow not found",
    );
}

#[tokio::test]
async fn integration_settings_are_set_and_read() {
    let s = TestServer::start().await;
    let r = s.get("/v2/integration-settings").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let empty_id = r.body["integrationSettings"]["id"].clone();
    let r = s
        .post(
            "/v2/integration-settings",
            json!({"integrationTypeSettings": [
                {"integrationType": "EMAIL_COMPOSER", "allowedOrigin": "https://acme.partner.com"},
                {"integrationType": "dialer", "allowedOrigin": "https://dialer.example.com:8443/"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body.as_object().unwrap().len(), 1, "{}", r.body);
    let r = s.get("/v2/integration-settings").await;
    assert_ne!(r.body["integrationSettings"]["id"], empty_id);
    insta::assert_json_snapshot!("integration_settings", stable(&r.body, &[]));

    for (body, message) in [
        (json!({}), "integrationTypeSettings"),
        (json!({"integrationTypeSettings": []}), "1 to 16 settings"),
        (
            json!({"integrationTypeSettings": [{"integrationType": "FAX", "allowedOrigin": "https://a.com"}]}),
            "integrationTypeSettings[0].integrationType must be",
        ),
        (
            json!({"integrationTypeSettings": [{"integrationType": "DIALER", "allowedOrigin": "https://a.com/path"}]}),
            "integrationTypeSettings[0].allowedOrigin must be an origin",
        ),
        (
            json!({"integrationTypeSettings": [{"integrationType": "DIALER"}]}),
            "allowedOrigin",
        ),
    ] {
        assert_error(
            &s.post("/v2/integration-settings", body).await,
            StatusCode::BAD_REQUEST,
            message,
        );
    }
}

async fn exclusive_flow(s: &TestServer, name: &str, workspace: Option<&str>) -> String {
    let mut body = json!({"name": name, "ownerEmail": "olga@northwind.example.com",
                          "exclusive": true});
    if let Some(w) = workspace {
        body["workspaceId"] = json!(w);
    }
    let r = create_flow(s, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["flow"]["id"].as_str().unwrap().to_owned()
}

fn assign_body(flow: &str, ids: Value) -> Value {
    json!({"crmProspectsIds": ids, "flowId": flow,
           "flowInstanceOwnerEmail": "olga@northwind.example.com"})
}

/// Exclusivity is checked on the ids as stored (a padded id is the same prospect) and
/// within the flow's workspace only (another workspace's flows neither block nor show).
#[tokio::test]
async fn exclusivity_sees_padded_ids_and_stays_in_the_workspace() {
    let s = TestServer::start().await;
    s.user("olga@northwind.example.com", "Olga", "Owner").await;
    let first = exclusive_flow(&s, "First", None).await;
    let second = exclusive_flow(&s, "Second", None).await;
    let r = s
        .post(
            "/v2/flows/prospects/assign",
            assign_body(&first, json!(["abc"])),
        )
        .await;
    assert_eq!(r.body["prospectsAssigned"].as_array().unwrap().len(), 1);

    // " abc" is "abc": it is in another exclusive flow already.
    let r = s
        .post(
            "/v2/flows/prospects/assign",
            assign_body(&second, json!([" abc", "abc "])),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["prospectsAssigned"], json!([]), "{}", r.body);
    let refused = r.body["prospectsNotAssigned"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "the ids are one prospect: {}", r.body);
    assert_eq!(refused[0]["errorCode"], "InvalidState");
    assert!(
        refused[0]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("another exclusive flow"),
        "{}",
        r.body
    );

    // Another workspace's exclusive flow takes it, and its key sees only that one.
    let r = s
        .post("/parley/v1/workspaces", json!({"name": "EMEA"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let emea = r.body["workspace"]["id"]
        .as_str()
        .or_else(|| r.body["id"].as_str())
        .or_else(|| r.body["workspaceId"].as_str())
        .unwrap_or_else(|| panic!("no workspace id in {}", r.body))
        .to_owned();
    let there = exclusive_flow(&s, "There", Some(&emea)).await;
    let bound = key(&s, None, Some(&emea)).await;
    let r = send_as(
        &s,
        &bound,
        Method::POST,
        "/v2/flows/prospects/assign",
        Some(assign_body(&there, json!(["abc"]))),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["prospectsAssigned"].as_array().unwrap().len(),
        1,
        "{}",
        r.body
    );
    let r = send_as(
        &s,
        &bound,
        Method::POST,
        "/v2/flows/prospects",
        Some(json!({"crmProspectsIds": ["abc"]})),
    )
    .await;
    let found = r.body["prospectsAssigned"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", r.body);
    assert_eq!(found[0]["flowId"], json!(there));
}

/// Members and managers list the company's flows and their own personal ones; naming
/// another owner is a 403. Admins and company keys list (and name) anyone.
#[tokio::test]
async fn members_list_only_their_own_personal_flows() {
    let s = TestServer::start().await;
    let olga = s.user("olga@northwind.example.com", "Olga", "Owner").await;
    let pete = s.user("pete@northwind.example.com", "Pete", "Peer").await;
    set_role(&s, &pete, Role::Member).await;
    set_role(&s, &olga, Role::Admin).await;
    for (name, owner, visibility) in [
        ("Company", "olga@northwind.example.com", "company"),
        ("Olga's own", "olga@northwind.example.com", "personal"),
        ("Pete's own", "pete@northwind.example.com", "personal"),
    ] {
        let r = create_flow(
            &s,
            json!({"name": name, "ownerEmail": owner, "visibility": visibility}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let names = |r: &Reply| -> Vec<String> {
        let mut n: Vec<String> = r.body["flows"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.body))
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect();
        n.sort();
        n
    };
    let member = key(&s, Some(&pete), None).await;
    for path in [
        "/v2/flows",
        "/v2/flows?flowOwnerEmail=pete@northwind.example.com",
        "/parley/v1/flows",
    ] {
        let r = send_as(&s, &member, Method::GET, path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(names(&r), ["Company", "Pete's own"], "{path}");
    }
    let r = send_as(&s, &member, Method::GET, "/v2/flows", None).await;
    assert_eq!(r.body["records"]["totalRecords"], 2);
    assert_error(
        &send_as(
            &s,
            &member,
            Method::GET,
            "/v2/flows?flowOwnerEmail=olga@northwind.example.com",
            None,
        )
        .await,
        StatusCode::FORBIDDEN,
        "only admins list the flows of another user",
    );

    // An admin's key and the company key: everything, or what a named owner sees.
    let admin = key(&s, Some(&olga), None).await;
    let company = common::Key {
        key: s.key.clone(),
        secret: s.secret.clone(),
    };
    for k in [&admin, &company] {
        let r = send_as(&s, k, Method::GET, "/v2/flows", None).await;
        assert_eq!(names(&r), ["Company", "Olga's own", "Pete's own"]);
        let r = send_as(
            &s,
            k,
            Method::GET,
            "/v2/flows?flowOwnerEmail=pete@northwind.example.com",
            None,
        )
        .await;
        assert_eq!(names(&r), ["Company", "Pete's own"]);
    }
}

/// The demo company has flows with its CRM's contacts in them, permission profiles in
/// every workspace and calls granted to single users, so a new user sees data on every
/// one of these routes.
#[tokio::test]
async fn the_demo_has_flows_profiles_and_call_grants() {
    let s = TestServer::start().await;
    parley_app::demo::seed(s.store.as_ref(), chrono::Utc::now())
        .await
        .unwrap();

    let r = s.get("/v2/workspaces").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut with_profiles = 0;
    for w in r.body["workspaces"].as_array().unwrap() {
        let id = w["id"].as_str().unwrap();
        let r = s
            .get(&format!("/v2/all-permission-profiles?workspaceId={id}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let profiles = r.body["profiles"].as_array().unwrap();
        // The test server's own workspace is not the demo's.
        if profiles.is_empty() {
            continue;
        }
        with_profiles += 1;
        assert!(profiles.len() >= 2, "{}: {}", w["name"], r.body);
        let first = profiles[0]["id"].as_str().unwrap();
        let r = s
            .get(&format!("/v2/permission-profile/users?profileId={first}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            !r.body["users"].as_array().unwrap().is_empty(),
            "{}",
            r.body
        );
    }
    assert_eq!(with_profiles, 3, "every demo workspace has profiles");

    let r = s.get("/v2/flows").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["flows"].as_array().unwrap().len() >= 4, "{}", r.body);

    let r = s.get("/v2/calls").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let calls: Vec<Value> = r.body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    let ids: Vec<parley_domain::CallId> = calls
        .iter()
        .map(|c| parley_domain::CallId(c.as_str().unwrap().parse().unwrap()))
        .collect();
    // The prospects are contacts the demo's calls link.
    let contacts: std::collections::BTreeSet<String> = s
        .store
        .parties_of(&ids)
        .await
        .unwrap()
        .values()
        .flatten()
        .flat_map(|p| p.context.iter().map(|l| l.object_id.clone()))
        .collect();
    let r = s
        .post(
            "/v2/flows/prospects",
            json!({"crmProspectsIds": contacts.into_iter().take(200).collect::<Vec<_>>()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let found = r.body["prospectsAssigned"].as_array().unwrap();
    assert!(found.len() >= 8, "{}", r.body);

    let r = s
        .post(
            "/v2/calls/users-access",
            json!({"filter": {"callIds": calls}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let granted = r.body["callAccessList"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["users"].as_array().unwrap().is_empty())
        .count();
    assert!(granted >= 2, "{}", r.body);
}

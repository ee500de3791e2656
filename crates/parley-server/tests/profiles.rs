//! Gong's permission profiles over HTTP on a real server: created, changed, read and
//! listed in Gong's shape, refused when malformed, and deciding a user's call access in
//! their workspace.

mod common;

use common::{assert_error, call_body, Reply, TestServer};
use parley_app::keys::{create_key, KeySpec};
use parley_domain::{ScopeSet, UserId, WorkspaceId};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn default_workspace(s: &TestServer) -> String {
    let r = s.get("/v2/workspaces").await;
    r.body["workspaces"][0]["id"].as_str().unwrap().to_owned()
}

async fn create(s: &TestServer, workspace: &str, body: Value) -> Reply {
    s.post(
        &format!("/v2/permission-profile?workspaceId={workspace}"),
        body,
    )
    .await
}

async fn created(s: &TestServer, workspace: &str, body: Value) -> String {
    let r = create(s, workspace, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["profile"]["id"].as_str().unwrap().to_owned()
}

/// A key with every scope, owned by `user` (so acting with their role and profiles).
async fn users_key(s: &TestServer, user: &str) -> parley_app::keys::NewKey {
    create_key(
        s.store.as_ref(),
        &KeySpec {
            name: "user".into(),
            scopes: ScopeSet::full(),
            workspace: None,
            owner: Some(UserId(user.parse().unwrap())),
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn profiles_are_created_changed_read_and_listed_in_gongs_shape() {
    let s = TestServer::start().await;
    let w = default_workspace(&s).await;
    // Partial, with a client id that is ignored, as Gong does.
    let r = create(
        &s,
        &w,
        json!({"id": "123", "name": "Reps", "callsAccess": {"permissionLevel": "own"},
               "scoreCalls": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = r.body["profile"]["id"].as_str().unwrap().to_owned();
    assert_ne!(id, "123");
    insta::assert_json_snapshot!("created_profile", r.body, {
        ".requestId" => "[requestId]",
        ".profile.id" => "[id]",
    });

    let r = s
        .send(
            Method::PUT,
            &format!("/v2/permission-profile?profileId={id}"),
            Some(json!({"name": "Field reps", "deleteCalls": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let p = &r.body["profile"];
    assert_eq!(p["name"], "Field reps");
    assert_eq!(p["callsAccess"]["permissionLevel"], "own", "unchanged");
    assert_eq!(p["scoreCalls"], true, "unchanged");
    assert_eq!(p["deleteCalls"], true);

    let r = s
        .get(&format!("/v2/permission-profile?profileId={id}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["profile"]["name"], "Field reps");

    created(&s, &w, json!({"name": "Admins"})).await;
    let r = s
        .get(&format!("/v2/all-permission-profiles?workspaceId={w}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let names: Vec<&str> = r.body["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Admins", "Field reps"], "sorted by name");

    // Another workspace's list is its own.
    let r = s
        .post("/parley/v1/workspaces", json!({"name": "East"}))
        .await;
    let east = r.body["workspaceId"].as_str().unwrap().to_owned();
    let r = s
        .get(&format!("/v2/all-permission-profiles?workspaceId={east}"))
        .await;
    assert_eq!(r.body["profiles"], json!([]));
}

#[tokio::test]
async fn malformed_profiles_and_unknown_ids_get_clear_4xx() {
    let s = TestServer::start().await;
    let w = default_workspace(&s).await;
    let r = s.get("/v2/all-permission-profiles").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "workspaceId is required");
    let r = s.post("/v2/permission-profile", json!({"name": "X"})).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "workspaceId is required");
    let r = create(
        &s,
        &w,
        json!({"name": "X", "callsAccess": {"permissionLevel": "everything"}}),
    )
    .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "callsAccess.permissionLevel must be one of",
    );
    let r = create(&s, &w, json!({"callsAccess": {"permissionLevel": "all"}})).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "needs a name");
    let r = create(
        &s,
        &w,
        json!({"name": "Team", "callsAccess": {"permissionLevel": "managers-team",
               "teamLeadIds": ["1234567890123456789"]}}),
    )
    .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "user 1234567890123456789 named as a team lead was not found",
    );
    let r = create(
        &s,
        &w,
        json!({"name": "Lib", "libraryFolderAccess": {"permissionLevel": "none", "manageStreams": true}}),
    )
    .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "library permissions need");
    let many = vec!["1"; 1001];
    let r = create(
        &s,
        &w,
        json!({"name": "Huge", "callsAccess": {"permissionLevel": "managers-team", "teamLeadIds": many}}),
    )
    .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "at most 1000 ids");

    created(&s, &w, json!({"name": "Reps"})).await;
    let r = create(&s, &w, json!({"name": "Reps"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    let r = create(&s, "1234567890123456789", json!({"name": "Reps"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = s
        .get("/v2/permission-profile?profileId=1234567890123456789")
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "permission profile");
    let r = s
        .get("/v2/permission-profile/users?profileId=1234567890123456789")
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "Bad request");
    let r = s.get("/v2/permission-profile?profileId=abc").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "profileId");
}

fn listed(r: &Reply) -> Vec<String> {
    if r.status == StatusCode::NOT_FOUND {
        return Vec::new();
    }
    let mut v: Vec<String> = r.body["calls"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.body))
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| (*s).clone()).collect();
    v.sort();
    v
}

/// A member sees their own calls; a profile in a workspace replaces that there (all,
/// the teams of named leads, none) and nowhere else; taken away, the role decides again.
#[tokio::test]
async fn a_profile_decides_call_access_in_its_workspace() {
    let s = TestServer::start().await;
    let w = default_workspace(&s).await;
    let r = s
        .post("/parley/v1/workspaces", json!({"name": "East"}))
        .await;
    let east = r.body["workspaceId"].as_str().unwrap().to_owned();
    let rep = s.user("rep@northwind.example.com", "Rita", "Rep").await;
    let lead = s.user("lead@northwind.example.com", "Lee", "Lead").await;
    let r = s
        .post(
            "/parley/v1/users",
            json!({"email": "sam@northwind.example.com", "firstName": "Sam", "lastName": "Seller",
                   "managerId": lead}),
        )
        .await;
    let sam = r.body["userId"].as_str().unwrap().to_owned();
    let other = s.user("oz@northwind.example.com", "Oz", "Other").await;

    let c_rep = s.call(call_body("rep", &rep, "2026-03-01T10:00:00Z")).await;
    let c_sam = s.call(call_body("sam", &sam, "2026-03-01T11:00:00Z")).await;
    let c_other = s
        .call(call_body("other", &other, "2026-03-01T12:00:00Z"))
        .await;
    let mut body = call_body("east", &other, "2026-03-01T13:00:00Z");
    body["workspaceId"] = json!(east);
    let c_east = s.call(body).await;

    let k = users_key(&s, &rep).await;
    let as_rep = |method: Method, path: String| {
        let req = s
            .client
            .request(method, format!("{}{path}", s.base))
            .basic_auth(&k.access_key, Some(&k.secret));
        s.raw(req)
    };
    let calls = || as_rep(Method::GET, "/v2/calls".into());
    assert_eq!(listed(&calls().await), sorted(&[&c_rep]));
    // Profiles are for admins, whatever scopes a member's key has.
    let r = as_rep(
        Method::GET,
        format!("/v2/all-permission-profiles?workspaceId={w}"),
    )
    .await;
    assert_error(&r, StatusCode::FORBIDDEN, "this needs the admin role");

    let path = format!("/parley/v1/users/{rep}/permission-profile");
    let assign = |profile: String| s.send(Method::PUT, &path, Some(json!({"profileId": profile})));
    let all = created(
        &s,
        &w,
        json!({"name": "All", "callsAccess": {"permissionLevel": "all"}}),
    )
    .await;
    let r = assign(all.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["workspaceId"], json!(w));
    assert_eq!(
        listed(&calls().await),
        sorted(&[&c_rep, &c_sam, &c_other]),
        "every call of its workspace, none of East"
    );
    let r = as_rep(Method::GET, format!("/v2/calls/{c_other}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = as_rep(Method::GET, format!("/v2/calls/{c_east}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    let team = created(
        &s,
        &w,
        json!({"name": "Lee's team", "callsAccess": {"permissionLevel": "managers-team",
               "teamLeadIds": [lead]}}),
    )
    .await;
    assign(team.clone()).await;
    assert_eq!(listed(&calls().await), sorted(&[&c_rep, &c_sam]));

    let none = created(
        &s,
        &w,
        json!({"name": "None", "callsAccess": {"permissionLevel": "none"}}),
    )
    .await;
    assign(none).await;
    assert_eq!(listed(&calls().await), Vec::<String>::new());
    let r = as_rep(Method::GET, format!("/v2/calls/{c_rep}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // The profile's users, in Gong's shape.
    let r = s
        .get(&format!("/v2/permission-profile/users?profileId={team}"))
        .await;
    assert_eq!(r.body["users"], json!([]), "rep moved on to None");
    assign(team.clone()).await;
    let r = s
        .get(&format!("/v2/permission-profile/users?profileId={team}"))
        .await;
    assert_eq!(
        r.body["users"],
        json!([{"id": rep, "fullName": "Rita Rep", "emailAddress": "rep@northwind.example.com"}])
    );

    // A profile of another workspace cannot be given by a key bound elsewhere.
    let bound = create_key(
        s.store.as_ref(),
        &KeySpec {
            name: "east".into(),
            scopes: ScopeSet::full(),
            workspace: Some(WorkspaceId(east.parse().unwrap())),
            owner: None,
        },
    )
    .await
    .unwrap();
    let req = s
        .client
        .put(format!(
            "{}/parley/v1/users/{rep}/permission-profile",
            s.base
        ))
        .basic_auth(&bound.access_key, Some(&bound.secret))
        .json(&json!({"profileId": all}));
    let r = s.raw(req).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    let r = s
        .send(
            Method::DELETE,
            &format!("/parley/v1/users/{rep}/permission-profile?workspaceId={w}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(listed(&calls().await), sorted(&[&c_rep]), "own again");
}

/// Gong's profiles also decide who changes settings: a member whose profile lets them
/// manage business settings changes trackers and topics in that profile's workspace, and
/// nowhere else; it gives them nothing else an admin has.
#[tokio::test]
async fn a_profile_lets_a_member_change_settings_in_its_workspace_only() {
    let s = TestServer::start().await;
    let w = default_workspace(&s).await;
    let r = s
        .post("/parley/v1/workspaces", json!({"name": "East"}))
        .await;
    let east = r.body["workspaceId"].as_str().unwrap().to_owned();
    let rep = s.user("rep@northwind.example.com", "Rita", "Rep").await;
    let k = users_key(&s, &rep).await;
    let as_rep = |method: Method, path: String, body: Value| {
        let req = s
            .client
            .request(method, format!("{}{path}", s.base))
            .basic_auth(&k.access_key, Some(&k.secret))
            .json(&body);
        s.raw(req)
    };
    let tracker = |workspace: Option<&str>| {
        let mut b = json!({"trackerName": format!("Pricing {workspace:?}"),
                           "languageKeywords": [{"language": "eng", "keywords": ["price"]}]});
        if let Some(w) = workspace {
            b["workspaceId"] = json!(w);
        }
        as_rep(Method::POST, "/parley/v1/trackers".into(), b)
    };
    let r = tracker(None).await;
    assert_error(&r, StatusCode::FORBIDDEN, "this needs the admin role");

    let settings = created(
        &s,
        &w,
        json!({"name": "Ops", "callsAccess": {"permissionLevel": "own"},
               "manageGeneralBusinessSettings": true}),
    )
    .await;
    let r = s
        .send(
            Method::PUT,
            &format!("/parley/v1/users/{rep}/permission-profile"),
            Some(json!({"profileId": settings})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = tracker(None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["tracker"]["workspaceId"], json!(w));
    let r = tracker(Some(&w)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = s.get(&format!("/parley/v1/trackers?workspaceId={w}")).await;
    assert_eq!(r.body["keywordTrackers"].as_array().unwrap().len(), 2);
    let r = tracker(Some(&east)).await;
    assert_error(
        &r,
        StatusCode::FORBIDDEN,
        &format!("your permission profile does not allow this in workspace {east}"),
    );
    let r = as_rep(
        Method::PUT,
        format!("/parley/v1/topics?workspaceId={east}"),
        json!({"topics": []}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = as_rep(Method::GET, "/parley/v1/keys".into(), json!({})).await;
    assert_error(&r, StatusCode::FORBIDDEN, "this needs the admin role");

    // Granted in two workspaces, a request must say which.
    let east_ops = created(
        &s,
        &east,
        json!({"name": "Ops", "manageGeneralBusinessSettings": true}),
    )
    .await;
    let r = s
        .send(
            Method::PUT,
            &format!("/parley/v1/users/{rep}/permission-profile"),
            Some(json!({"profileId": east_ops})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = tracker(None).await;
    assert_error(&r, StatusCode::FORBIDDEN, "name one");
    let r = tracker(Some(&east)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

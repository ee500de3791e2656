//! The call library, meetings and engagement events over HTTP: Gong's wire shapes
//! (snapshots), who sees which folder and call, and one test per error path.

mod common;

use common::{assert_error, call_body, key, send_as, Key, Reply, TestServer};
use parley_domain::{Role, UserId};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A user with a role; returns their id.
async fn user_with_role(s: &TestServer, email: &str, role: Role) -> String {
    let id = s.user(email, "U", "Ser").await;
    s.store
        .set_user_role(UserId(id.parse().unwrap()), role, chrono::Utc::now())
        .await
        .unwrap();
    id
}

async fn default_workspace(s: &TestServer) -> String {
    let r = s.get("/v2/workspaces").await;
    r.body["workspaces"][0]["id"].as_str().unwrap().to_owned()
}

async fn other_workspace(s: &TestServer) -> String {
    let r = s
        .post("/parley/v1/workspaces", json!({"name": "EMEA"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["workspace"]["id"]
        .as_str()
        .or_else(|| r.body["id"].as_str())
        .or_else(|| r.body["workspaceId"].as_str())
        .unwrap_or_else(|| panic!("no workspace id in {}", r.body))
        .to_owned()
}

async fn folder(s: &TestServer, body: Value) -> String {
    let r = s.post("/parley/v1/library/folders", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["folder"]["id"].as_str().unwrap().to_owned()
}

async fn add(s: &TestServer, folder: &str, body: Value) -> Reply {
    s.post(&format!("/parley/v1/library/folders/{folder}/calls"), body)
        .await
}

/// Replaces ids and times with stable names so snapshots compare.
fn stable(mut v: Value, names: &[(&str, &str)]) -> Value {
    fn walk(v: &mut Value, names: &[(&str, &str)]) {
        match v {
            Value::String(s) => {
                for (from, to) in names {
                    if s.contains(from) {
                        *s = s.replace(from, to);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, names)),
            Value::Object(o) => {
                for (k, x) in o.iter_mut() {
                    if matches!(k.as_str(), "updated" | "created") && x.is_string() {
                        *x = json!("TIME");
                    } else if k == "itemId" && x.is_string() {
                        *x = json!("ITEM_ID");
                    } else {
                        walk(x, names);
                    }
                }
            }
            _ => {}
        }
    }
    walk(&mut v, names);
    v["requestId"] = json!("REQUEST_ID");
    v
}

#[tokio::test]
async fn folders_and_their_content_have_gongs_shapes() {
    let s = TestServer::start().await;
    let manager = user_with_role(&s, "mia@northwind.example.com", Role::Manager).await;
    let call = s
        .call(call_body("lib-1", &manager, "2026-03-02T15:00:00Z"))
        .await;
    let mut long = call_body("lib-2", &manager, "2026-03-03T15:00:00Z");
    long["duration"] = json!(600);
    let clip_call = s.call(long).await;
    let m = key(&s, Some(&manager), None).await;
    let top = send_as(
        &s,
        &m,
        Method::POST,
        "/parley/v1/library/folders",
        Some(json!({"name": "Win/Loss", "public": true})),
    )
    .await;
    assert_eq!(top.status, StatusCode::CREATED, "{}", top.body);
    let top = top.body["folder"]["id"].as_str().unwrap().to_owned();
    let inner = folder(
        &s,
        json!({"name": " Great demos ", "parentFolderId": top, "public": true}),
    )
    .await;
    let r = add(
        &s,
        &inner,
        json!({"callId": call, "note": "pricing handled well"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = add(
        &s,
        &inner,
        json!({"callId": clip_call, "fromSec": 30, "toSec": 95}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let ws = default_workspace(&s).await;
    let r = s
        .get(&format!("/v2/library/folders?workspaceId={ws}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let names = [
        (top.as_str(), "TOP_FOLDER"),
        (inner.as_str(), "INNER_FOLDER"),
        (manager.as_str(), "USER_ID"),
        (call.as_str(), "CALL_ID"),
        (clip_call.as_str(), "CLIP_CALL_ID"),
    ];
    insta::assert_json_snapshot!("library_folders", stable(r.body.clone(), &names));
    // Without workspaceId: every workspace the caller reaches.
    let all = s.get("/v2/library/folders").await;
    assert_eq!(all.body["folders"], r.body["folders"]);

    let r = s
        .get(&format!(
            "/v2/library/folder-content?folderId={inner}&cursor=ignored"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body["calls"][0].get("snippet").is_none(),
        "a whole call has no snippet"
    );
    insta::assert_json_snapshot!("library_folder_content", stable(r.body, &names));

    // Parley's own listing has the same folders, with what the caller may do (an admin's
    // company key: everything).
    let r = s.get("/parley/v1/library/folders").await;
    let listed = r.body["folders"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed
        .iter()
        .all(|f| f["mayManage"] == true && f["mayFileCalls"] == true && f["public"].is_boolean()));

    // Renaming, removing a call, deleting with what it holds.
    let r = s
        .send(
            Method::PATCH,
            &format!("/parley/v1/library/folders/{inner}"),
            Some(json!({"name": "Best demos"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["folder"]["name"], "Best demos");
    let content = s
        .get(&format!("/v2/library/folder-content?folderId={inner}"))
        .await;
    assert_eq!(content.body["name"], "Best demos");
    let item = add(&s, &inner, json!({"callId": call})).await.body["item"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The folder's content names each saved item, for removing it.
    let content = s
        .get(&format!("/v2/library/folder-content?folderId={inner}"))
        .await;
    assert!(
        content.body["calls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["itemId"] == item.as_str()),
        "{}",
        content.body
    );
    let r = s
        .send(
            Method::DELETE,
            &format!("/parley/v1/library/folders/{inner}/calls/{item}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = s
        .send(
            Method::DELETE,
            &format!("/parley/v1/library/folders/{top}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = s
        .get(&format!("/v2/library/folder-content?folderId={inner}"))
        .await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        &format!("Folder ID {inner} was not found"),
    );
}

#[tokio::test]
async fn folder_content_needs_a_folder_id() {
    let s = TestServer::start().await;
    let r = s.get("/v2/library/folder-content").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "folderId is required");
}

#[tokio::test]
async fn unknown_folders_are_not_found() {
    let s = TestServer::start().await;
    for id in ["1234567890123456789", "abc"] {
        let r = s
            .get(&format!("/v2/library/folder-content?folderId={id}"))
            .await;
        assert_error(
            &r,
            StatusCode::NOT_FOUND,
            &format!("Folder ID {id} was not found"),
        );
    }
    let r = s
        .send(
            Method::DELETE,
            "/parley/v1/library/folders/1234567890123456789",
            None,
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "was not found");
}

#[tokio::test]
async fn no_folders_is_gongs_404() {
    let s = TestServer::start().await;
    let ws = default_workspace(&s).await;
    let r = s
        .get(&format!("/v2/library/folders?workspaceId={ws}"))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "No folders found");
}

#[tokio::test]
async fn folders_of_another_workspace_are_invisible_to_a_bound_key() {
    let s = TestServer::start().await;
    let ws = default_workspace(&s).await;
    let emea = other_workspace(&s).await;
    let theirs = folder(
        &s,
        json!({"name": "EMEA wins", "workspaceId": emea, "public": true}),
    )
    .await;
    let ours = folder(&s, json!({"name": "NA wins", "public": true})).await;
    let bound = key(&s, None, Some(&ws)).await;
    let r = send_as(
        &s,
        &bound,
        Method::GET,
        &format!("/v2/library/folder-content?folderId={theirs}"),
        None,
    )
    .await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        &format!("Folder ID {theirs} was not found"),
    );
    let r = send_as(&s, &bound, Method::GET, "/v2/library/folders", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ids: Vec<_> = r.body["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!(ours)]);
    let r = send_as(
        &s,
        &bound,
        Method::GET,
        &format!("/v2/library/folders?workspaceId={emea}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = send_as(
        &s,
        &bound,
        Method::DELETE,
        &format!("/parley/v1/library/folders/{theirs}"),
        None,
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND, "was not found");
}

#[tokio::test]
async fn private_folders_are_their_creators() {
    let s = TestServer::start().await;
    let ana = user_with_role(&s, "ana@northwind.example.com", Role::Member).await;
    let ben = user_with_role(&s, "ben@northwind.example.com", Role::Member).await;
    let (a, b) = (
        key(&s, Some(&ana), None).await,
        key(&s, Some(&ben), None).await,
    );
    let r = send_as(
        &s,
        &a,
        Method::POST,
        "/parley/v1/library/folders",
        Some(json!({"name": "Mine"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["folder"]["public"], false);
    let mine = r.body["folder"]["id"].as_str().unwrap().to_owned();
    // A public folder inside it stays hidden with it.
    let inner = folder(
        &s,
        json!({"name": "Inner", "parentFolderId": mine, "public": true}),
    )
    .await;

    let r = send_as(
        &s,
        &b,
        Method::GET,
        &format!("/v2/library/folder-content?folderId={mine}"),
        None,
    )
    .await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        &format!("Folder ID {mine} was not found"),
    );
    let r = send_as(
        &s,
        &b,
        Method::GET,
        &format!("/v2/library/folder-content?folderId={inner}"),
        None,
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND, "was not found");
    let r = send_as(&s, &b, Method::GET, "/v2/library/folders", None).await;
    assert_error(&r, StatusCode::NOT_FOUND, "No folders found");
    let r = send_as(
        &s,
        &b,
        Method::PATCH,
        &format!("/parley/v1/library/folders/{mine}"),
        Some(json!({"name": "x"})),
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND, "was not found");

    // Its creator and the company key see it.
    let r = send_as(&s, &a, Method::GET, "/v2/library/folders", None).await;
    assert_eq!(r.body["folders"].as_array().unwrap().len(), 2, "{}", r.body);
    assert_eq!(
        s.get("/v2/library/folders").await.body["folders"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn members_make_only_private_folders_and_change_only_their_own() {
    let s = TestServer::start().await;
    let ana = user_with_role(&s, "ana@northwind.example.com", Role::Member).await;
    let a = key(&s, Some(&ana), None).await;
    let r = send_as(
        &s,
        &a,
        Method::POST,
        "/parley/v1/library/folders",
        Some(json!({"name": "Team", "public": true})),
    )
    .await;
    assert_error(
        &r,
        StatusCode::FORBIDDEN,
        "only managers and admins make public folders",
    );
    let public = folder(&s, json!({"name": "Company", "public": true})).await;
    let r = send_as(
        &s,
        &a,
        Method::DELETE,
        &format!("/parley/v1/library/folders/{public}"),
        None,
    )
    .await;
    assert_error(&r, StatusCode::FORBIDDEN, "is changed only by its creator");

    // The listing says so before she tries: the company's folder is not hers to change,
    // her own private one is.
    let r = send_as(
        &s,
        &a,
        Method::POST,
        "/parley/v1/library/folders",
        Some(json!({"name": "Mine"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = send_as(&s, &a, Method::GET, "/parley/v1/library/folders", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rights: Vec<(String, bool, bool)> = r.body["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["mayManage"].as_bool().unwrap(),
                f["mayFileCalls"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rights,
        [
            ("Company".to_owned(), false, false),
            ("Mine".to_owned(), true, true)
        ]
    );
}

/// A manager may delete a public folder only when they may delete everything inside it:
/// another user's private sub-folder makes it a 409 (nothing deleted); an admin may.
#[tokio::test]
async fn a_public_folder_holding_someone_elses_private_folder_is_not_deleted() {
    async fn make(s: &TestServer, k: &Key, body: Value) -> String {
        let r = send_as(s, k, Method::POST, "/parley/v1/library/folders", Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["folder"]["id"].as_str().unwrap().to_owned()
    }
    async fn delete(s: &TestServer, k: &Key, id: &str) -> Reply {
        let path = format!("/parley/v1/library/folders/{id}");
        send_as(s, k, Method::DELETE, &path, None).await
    }
    let s = TestServer::start().await;
    let ann = user_with_role(&s, "ann@northwind.example.com", Role::Manager).await;
    let bob = user_with_role(&s, "bob@northwind.example.com", Role::Manager).await;
    let a = key(&s, Some(&ann), None).await;
    let b = key(&s, Some(&bob), None).await;
    let top = make(&s, &a, json!({"name": "Wins", "public": true})).await;
    let inner = make(&s, &b, json!({"name": "Bob's", "parentFolderId": top})).await;
    assert_error(
        &delete(&s, &a, &top).await,
        StatusCode::CONFLICT,
        &format!("folder {top} holds folders you cannot delete"),
    );
    let r = send_as(
        &s,
        &b,
        Method::GET,
        &format!("/v2/library/folder-content?folderId={inner}"),
        None,
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the private folder stays: {}",
        r.body
    );
    // A public sub-folder Ann may manage does not stop her once Bob's is gone.
    let r = delete(&s, &b, &inner).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    make(
        &s,
        &b,
        json!({"name": "Public", "parentFolderId": top, "public": true}),
    )
    .await;
    let r = delete(&s, &a, &top).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // An admin (here the company key) deletes a folder whatever it holds.
    let top = make(&s, &a, json!({"name": "Losses", "public": true})).await;
    make(&s, &b, json!({"name": "Bob's", "parentFolderId": top})).await;
    let r = s
        .send(
            Method::DELETE,
            &format!("/parley/v1/library/folders/{top}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_folder_shows_only_calls_the_caller_may_see() {
    let s = TestServer::start().await;
    let ana = user_with_role(&s, "ana@northwind.example.com", Role::Member).await;
    let ben = user_with_role(&s, "ben@northwind.example.com", Role::Member).await;
    let hers = s
        .call(call_body("vis-1", &ana, "2026-03-02T15:00:00Z"))
        .await;
    let his = s
        .call(call_body("vis-2", &ben, "2026-03-02T16:00:00Z"))
        .await;
    let shared = folder(&s, json!({"name": "Shared", "public": true})).await;
    for c in [&hers, &his] {
        assert_eq!(
            add(&s, &shared, json!({"callId": c})).await.status,
            StatusCode::CREATED
        );
    }
    let a = key(&s, Some(&ana), None).await;
    let r = send_as(
        &s,
        &a,
        Method::GET,
        &format!("/v2/library/folder-content?folderId={shared}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ids: Vec<_> = r.body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!(hers)]);
    assert_eq!(r.body["records"]["totalRecords"], 1);
    // Nor may she put his call in her folder.
    let mine = send_as(
        &s,
        &a,
        Method::POST,
        "/parley/v1/library/folders",
        Some(json!({"name": "Mine"})),
    )
    .await;
    let mine = mine.body["folder"]["id"].as_str().unwrap().to_owned();
    let r = send_as(
        &s,
        &a,
        Method::POST,
        &format!("/parley/v1/library/folders/{mine}/calls"),
        Some(json!({"callId": his})),
    )
    .await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        &format!("Call ID {his} was not found"),
    );
}

#[tokio::test]
async fn folder_and_item_mistakes_are_400s_and_404s() {
    let s = TestServer::start().await;
    let user = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let mut body = call_body("err-1", &user, "2026-03-02T15:00:00Z");
    body["duration"] = json!(100);
    let call = s.call(body).await;
    let f = folder(&s, json!({"name": "F"})).await;

    let r = s
        .post("/parley/v1/library/folders", json!({"name": "  "}))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "a folder needs a name");
    let r = s
        .post("/parley/v1/library/folders", json!({"public": true}))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "name");
    let r = s
        .post(
            "/parley/v1/library/folders",
            json!({"name": "x", "parentFolderId": "1234567890123456789"}),
        )
        .await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        "Folder ID 1234567890123456789 was not found",
    );
    let r = add(&s, &f, json!({"callId": call, "fromSec": 10})).await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "a snippet needs both fromSec and toSec",
    );
    let r = add(&s, &f, json!({"callId": call, "fromSec": 20, "toSec": 10})).await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "a snippet must end after it starts",
    );
    let r = add(&s, &f, json!({"callId": call, "fromSec": 20, "toSec": 500})).await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "the snippet ends after the call",
    );
    let r = add(&s, &f, json!({"callId": "1234567890123456789"})).await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        "Call ID 1234567890123456789 was not found",
    );
    let r = add(&s, &f, json!({"note": "no call"})).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "callId");
    let r = s
        .send(
            Method::DELETE,
            &format!("/parley/v1/library/folders/{f}/calls/1234567890123456789"),
            None,
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "is not in folder");
    let emea = other_workspace(&s).await;
    let theirs = folder(&s, json!({"name": "E", "workspaceId": emea})).await;
    let r = add(&s, &theirs, json!({"callId": call})).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "is in another workspace");
}

fn meeting_body(organizer: &str) -> Value {
    json!({
        "startTime": "2026-04-01T16:00:00Z",
        "endTime": "2026-04-01T16:30:00+00:00",
        "organizerEmail": organizer,
        "title": "Contoso discovery",
        "externalId": "cal-42",
        "invitees": [
            {"email": "megan@contoso.example.com", "displayName": "Megan Foster"},
            {"email": "kevin@contoso.example.com"}
        ]
    })
}

#[tokio::test]
async fn meetings_have_gongs_shapes_and_a_recorded_call_is_linked() {
    let s = TestServer::start().await;
    let rita = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let r = s
        .post("/v2/meetings", meeting_body("rita@northwind.example.com"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = r.body["meetingId"].as_str().unwrap().to_owned();
    let url = r.body["meetingUrl"].as_str().unwrap().to_owned();
    assert_eq!(
        url,
        format!("https://parley.test-host.example.com/meetings/{id}")
    );
    insta::assert_json_snapshot!(
        "meeting_created",
        stable(r.body, &[(id.as_str(), "MEETING_ID")])
    );

    let mut changed = meeting_body("rita@northwind.example.com");
    changed["startTime"] = json!("2026-04-01T17:00:00Z");
    changed["endTime"] = json!("2026-04-01T18:00:00Z");
    let r = s
        .send(Method::PUT, &format!("/v2/meetings/{id}"), Some(changed))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    insta::assert_json_snapshot!(
        "meeting_updated",
        stable(r.body, &[(id.as_str(), "MEETING_ID")])
    );

    // The call that records it (its meeting URL, in another spelling) is linked.
    let mut call = call_body("rec-1", &rita, "2026-04-01T17:02:00Z");
    call["meetingUrl"] =
        json!(url.replace("https://parley.test-host", "HTTPS://Parley.Test-Host") + "/");
    let call = s.call(call).await;
    let r = s.get("/parley/v1/meetings").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let m = &r.body["meetings"][0];
    assert_eq!(m["callId"], json!(call));
    assert_eq!(m["startTime"], "2026-04-01T17:00:00+00:00");
    assert_eq!(m["invitees"].as_array().unwrap().len(), 2);

    // By organiser and scheduled start, when the call names no URL.
    let mut other = meeting_body("rita@northwind.example.com");
    other["startTime"] = json!("2026-04-02T09:00:00Z");
    other["endTime"] = json!("2026-04-02T09:30:00Z");
    let second = s.post("/v2/meetings", other).await.body["meetingId"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut call2 = call_body("rec-2", &rita, "2026-04-02T09:01:00Z");
    call2["scheduledStart"] = json!("2026-04-02T09:00:00Z");
    let call2 = s.call(call2).await;
    let r = s
        .get("/parley/v1/meetings?fromDateTime=2026-04-02T00:00:00Z")
        .await;
    assert_eq!(r.body["meetings"][0]["meetingId"], json!(second));
    assert_eq!(r.body["meetings"][0]["callId"], json!(call2));

    let r = s
        .post(
            "/v2/meetings/integration/status",
            json!({"emails": ["rita@northwind.example.com", "nobody@northwind.example.com"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    insta::assert_json_snapshot!("meeting_integration_status", stable(r.body, &[]));

    let r = s
        .send(
            Method::DELETE,
            &format!("/v2/meetings/{id}"),
            Some(json!({"organizerEmail": "rita@northwind.example.com"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    insta::assert_json_snapshot!("meeting_deleted", stable(r.body, &[]));
    let r = s
        .send(
            Method::DELETE,
            &format!("/v2/meetings/{id}"),
            Some(json!({"organizerEmail": "rita@northwind.example.com"})),
        )
        .await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        "The given meeting ID was not found.",
    );
}

#[tokio::test]
async fn a_meeting_needs_its_fields() {
    let s = TestServer::start().await;
    s.user("rita@northwind.example.com", "Rita", "Rep").await;
    for field in ["startTime", "endTime", "invitees", "organizerEmail"] {
        let mut body = meeting_body("rita@northwind.example.com");
        body.as_object_mut().unwrap().remove(field);
        let r = s.post("/v2/meetings", body).await;
        assert_error(
            &r,
            StatusCode::BAD_REQUEST,
            &format!("missing field `{field}`"),
        );
    }
}

#[tokio::test]
async fn a_meeting_with_bad_values_is_a_400() {
    let s = TestServer::start().await;
    s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let mut body = meeting_body("rita@northwind.example.com");
    body["startTime"] = json!("next tuesday");
    let r = s.post("/v2/meetings", body).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "startTime");
    let mut body = meeting_body("rita@northwind.example.com");
    body["endTime"] = json!("2026-04-01T15:00:00Z");
    let r = s.post("/v2/meetings", body).await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "endTime must be after startTime",
    );
    let mut body = meeting_body("rita@northwind.example.com");
    body["invitees"][0]["email"] = json!("megan");
    let r = s.post("/v2/meetings", body).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "invitees[0].email");
    let emails: Vec<String> = (0..101).map(|i| format!("u{i}@x.example.com")).collect();
    let r = s
        .post("/v2/meetings/integration/status", json!({"emails": emails}))
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "emails has more than 100 entries",
    );
}

#[tokio::test]
async fn an_unknown_organizer_is_a_404() {
    let s = TestServer::start().await;
    let r = s
        .post("/v2/meetings", meeting_body("ghost@northwind.example.com"))
        .await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        "organizerEmail ghost@northwind.example.com is not an active user",
    );
}

#[tokio::test]
async fn unknown_meetings_and_other_organizers_are_not_found() {
    let s = TestServer::start().await;
    s.user("rita@northwind.example.com", "Rita", "Rep").await;
    s.user("sam@northwind.example.com", "Sam", "Rep").await;
    let id = s
        .post("/v2/meetings", meeting_body("rita@northwind.example.com"))
        .await
        .body["meetingId"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in ["/v2/meetings/1234567890123456789", "/v2/meetings/abc"] {
        let r = s
            .send(
                Method::PUT,
                path,
                Some(meeting_body("rita@northwind.example.com")),
            )
            .await;
        assert_error(
            &r,
            StatusCode::NOT_FOUND,
            "The given meeting ID was not found.",
        );
    }
    let r = s
        .send(
            Method::DELETE,
            &format!("/v2/meetings/{id}"),
            Some(json!({"organizerEmail": "sam@northwind.example.com"})),
        )
        .await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        "The given meeting ID was not found.",
    );
    let r = s
        .send(Method::DELETE, &format!("/v2/meetings/{id}"), None)
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "invalid JSON body");
}

#[tokio::test]
async fn members_schedule_only_their_own_meetings() {
    let s = TestServer::start().await;
    let ana = user_with_role(&s, "ana@northwind.example.com", Role::Member).await;
    s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let a = key(&s, Some(&ana), None).await;
    let r = send_as(
        &s,
        &a,
        Method::POST,
        "/v2/meetings",
        Some(meeting_body("rita@northwind.example.com")),
    )
    .await;
    assert_error(
        &r,
        StatusCode::FORBIDDEN,
        "members schedule only meetings they organise",
    );
    let r = send_as(
        &s,
        &a,
        Method::POST,
        "/v2/meetings",
        Some(meeting_body("ana@northwind.example.com")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

fn viewed_body() -> Value {
    json!({
        "reportingSystem": "docsend",
        "eventId": "ev-1",
        "eventTimestamp": "2026-03-04T10:00:00Z",
        "contentId": "deck-7",
        "contentUrl": "https://docs.example.com/deck-7",
        "contentTitle": "Pricing deck",
        "viewer": {"email": "Megan@Contoso.example.com", "name": "Megan Foster"},
        "crmContext": [{"system": "Salesforce", "objects": [{"objectType": "Account", "objectId": "001A"}]}],
        "contentProperties": [{"name": "pages", "value": "12", "dataType": "number"}],
        "agentPlatform": "MacOS"
    })
}

#[tokio::test]
async fn engagement_events_are_accepted_once_and_shown_on_the_timeline() {
    let s = TestServer::start().await;
    let r = s
        .send(
            Method::PUT,
            "/v2/customer-engagement/content/viewed",
            Some(viewed_body()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    insta::assert_json_snapshot!("engagement_accepted", stable(r.body, &[]));
    let again = s
        .send(
            Method::PUT,
            "/v2/customer-engagement/content/viewed",
            Some(viewed_body()),
        )
        .await;
    assert_error(&again, StatusCode::CONFLICT, "event was already reported");

    let mut shared = viewed_body();
    shared["recipients"] = json!([{"email": "kevin@contoso.example.com",
        "context": [{"system": "Salesforce", "objects": [{"objectType": "Contact", "objectId": "003K"}]}]}]);
    shared["eventTimestamp"] = json!("2026-03-03T10:00:00Z");
    let r = s
        .send(
            Method::PUT,
            "/v2/customer-engagement/content/shared",
            Some(shared),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let action = json!({"reportingSystem": "docusign", "eventTimestamp": "2026-03-05T10:00:00Z",
        "actionName": "Contract signed", "trackingId": "ignored",
        "crmContext": [{"system": "Salesforce", "objects": [{"objectType": "account", "objectId": "001A"}]}]});
    let r = s
        .send(Method::PUT, "/v2/customer-engagement/action", Some(action))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let di = json!({"eventId": "di-1", "timestamp": "2026-03-06T10:00:00Z", "eventType": "page viewed",
        "content": {"contentTitle": "Pricing"}, "person": {"email": "megan@contoso.example.com",
        "company": {"companyBusinessContexts": [{"objectType": "ACCOUNT", "objectId": "001A"}]}}});
    let r = s.post("/v2/digital-interaction", di.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = s.post("/v2/digital-interaction", di).await;
    assert_error(&r, StatusCode::CONFLICT, "event was already reported");

    let r = s
        .get("/parley/v1/engagement?objectType=Account&objectId=001A")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let kinds: Vec<_> = r.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].clone())
        .collect();
    assert_eq!(
        kinds,
        [
            json!("digital-interaction"),
            json!("action"),
            json!("content-viewed"),
            json!("content-shared")
        ]
    );
    let ws = r.body["events"][0]["workspaceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let ids: Vec<String> = r.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let mut names: Vec<(&str, &str)> = vec![(ws.as_str(), "WORKSPACE_ID")];
    let labels = ["EVENT_1", "EVENT_2", "EVENT_3", "EVENT_4"];
    names.extend(ids.iter().map(String::as_str).zip(labels));
    let mut body = r.body.clone();
    for e in body["events"].as_array_mut().unwrap() {
        e["recorded"] = json!("TIME");
    }
    insta::assert_json_snapshot!("engagement_timeline", stable(body, &names));

    // By person, and paged.
    let r = s
        .get("/parley/v1/engagement?email=MEGAN@contoso.example.com")
        .await;
    assert_eq!(r.body["records"]["totalRecords"], 2, "{}", r.body);
    let r = s
        .get("/parley/v1/engagement?objectType=Contact&objectId=003K")
        .await;
    assert_eq!(r.body["events"][0]["kind"], "content-shared");
    let r = s.get("/parley/v1/engagement?objectType=Account").await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "objectType and objectId are given together",
    );
}

#[tokio::test]
async fn engagement_needs_its_required_fields() {
    let s = TestServer::start().await;
    for (path, fields) in [
        (
            "/v2/customer-engagement/content/viewed",
            &[
                "reportingSystem",
                "eventTimestamp",
                "contentId",
                "contentUrl",
                "contentTitle",
            ][..],
        ),
        (
            "/v2/customer-engagement/content/shared",
            &[
                "reportingSystem",
                "eventTimestamp",
                "contentId",
                "contentUrl",
                "contentTitle",
            ][..],
        ),
        (
            "/v2/customer-engagement/action",
            &["reportingSystem", "eventTimestamp"][..],
        ),
    ] {
        let r = s.send(Method::PUT, path, Some(json!({}))).await;
        for f in fields {
            assert_error(&r, StatusCode::BAD_REQUEST, &format!("{f} is required"));
        }
        assert_eq!(
            r.body["errors"].as_array().unwrap().len(),
            fields.len(),
            "{path}: {}",
            r.body
        );
    }
    let r = s.post("/v2/digital-interaction", json!({})).await;
    for f in [
        "eventId is required",
        "timestamp is required",
        "eventType is required",
        "content is required",
        "person is required",
    ] {
        assert_error(&r, StatusCode::BAD_REQUEST, f);
    }
}

#[tokio::test]
async fn engagement_values_are_checked() {
    let s = TestServer::start().await;
    let mut bad = viewed_body();
    bad["eventTimestamp"] = json!("yesterday");
    bad["contentUrl"] = json!("deck-7");
    bad["agentPlatform"] = json!("BeOS");
    bad["contentProperties"] = json!([{"name": "pages", "value": "twelve", "dataType": "number"}]);
    let r = s
        .send(
            Method::PUT,
            "/v2/customer-engagement/content/viewed",
            Some(bad),
        )
        .await;
    for m in [
        "eventTimestamp",
        "contentUrl \"deck-7\" is not an http(s) URL",
        "agentPlatform \"BeOS\"",
        "contentProperties[0].value",
    ] {
        assert_error(&r, StatusCode::BAD_REQUEST, m);
    }
    let mut shared = viewed_body();
    shared["recipients"] = json!([{"name": "no email"}]);
    let r = s
        .send(
            Method::PUT,
            "/v2/customer-engagement/content/shared",
            Some(shared),
        )
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "recipients[0].email is required",
    );
    let r = s
        .post(
            "/v2/digital-interaction",
            json!({"eventId": "e", "timestamp": "2026-03-06T10:00:00Z", "eventType": "x",
            "device": "TV", "content": {"contentTitle": "P"}, "person": {"name": "Anon"}}),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "device \"TV\"");
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "person needs an email, phoneNumber or personId",
    );
    let r = s
        .send(
            Method::PUT,
            "/v2/customer-engagement/action",
            Some(json!([1])),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "expected a JSON object");
}

#[tokio::test]
async fn engagement_stays_in_a_bound_keys_workspace() {
    let s = TestServer::start().await;
    let ws = default_workspace(&s).await;
    let emea = other_workspace(&s).await;
    let bound = key(&s, None, Some(&ws)).await;
    let mut body = viewed_body();
    body["workspaceId"] = json!(emea);
    let r = send_as(
        &s,
        &bound,
        Method::PUT,
        "/v2/customer-engagement/content/viewed",
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // The company key writes there; the bound key's timeline does not show it.
    let r = s
        .send(
            Method::PUT,
            "/v2/customer-engagement/content/viewed",
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send_as(
        &s,
        &bound,
        Method::GET,
        "/parley/v1/engagement?objectType=Account&objectId=001A",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["records"]["totalRecords"], 0, "{}", r.body);
    let r = s
        .get("/parley/v1/engagement?objectType=Account&objectId=001A")
        .await;
    assert_eq!(r.body["records"]["totalRecords"], 1, "{}", r.body);
}

/// `GET /parley/v1/meetings` shows a member the meetings they (or those whose calls they
/// may see) organise and those they are invited to; the call of a meeting they may not
/// see is left out; and it pages with a cursor.
#[tokio::test]
async fn members_list_only_their_meetings_a_page_at_a_time() {
    let s = TestServer::start_with(|c| c.page_size = 2).await;
    let rita = user_with_role(&s, "rita@northwind.example.com", Role::Member).await;
    let cathy = user_with_role(&s, "cathy@northwind.example.com", Role::Member).await;
    let meeting = |organizer: &str, start: &str, invitee: &str| {
        let mut b = meeting_body(organizer);
        b["startTime"] = json!(start);
        b["endTime"] = json!(start.replace(":00:00Z", ":30:00Z"));
        b["externalId"] = json!(start);
        b["invitees"] = json!([{"email": invitee}]);
        b
    };
    let mut ids = Vec::new();
    for (organizer, start, invitee) in [
        // Cathy's one-to-one with someone else: not Rita's to see.
        (
            "cathy@northwind.example.com",
            "2026-04-01T09:00:00Z",
            "board@northwind.example.com",
        ),
        // Rita's own.
        (
            "rita@northwind.example.com",
            "2026-04-01T10:00:00Z",
            "megan@contoso.example.com",
        ),
        // Cathy's, inviting Rita (in another case), recorded by a call Rita was not on.
        (
            "cathy@northwind.example.com",
            "2026-04-01T11:00:00Z",
            "Rita@Northwind.example.com",
        ),
    ] {
        let r = s
            .post("/v2/meetings", meeting(organizer, start, invitee))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        ids.push(r.body["meetingId"].as_str().unwrap().to_owned());
    }
    let mut call = call_body("cathy-1", &cathy, "2026-04-01T11:01:00Z");
    call["scheduledStart"] = json!("2026-04-01T11:00:00Z");
    let call = s.call(call).await;

    let listed = |r: &Reply| -> Vec<(Value, Value)> {
        r.body["meetings"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.body))
            .iter()
            .map(|m| (m["meetingId"].clone(), m["callId"].clone()))
            .collect()
    };
    let k = key(&s, Some(&rita), None).await;
    let r = send_as(&s, &k, Method::GET, "/parley/v1/meetings", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        listed(&r),
        [(json!(ids[1]), Value::Null), (json!(ids[2]), Value::Null)],
        "her own and the one she is invited to, without a call she may not see"
    );
    assert_eq!(r.body["records"]["totalRecords"], 2);
    assert!(r.body["records"].get("cursor").is_none());

    // The company key sees all three, two to a page, and the recorded call.
    let r = s.get("/parley/v1/meetings").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        listed(&r),
        [(json!(ids[0]), Value::Null), (json!(ids[1]), Value::Null)]
    );
    assert_eq!(r.body["records"]["totalRecords"], 3);
    let cursor = r.body["records"]["cursor"].as_str().unwrap().to_owned();
    let r = s.get(&format!("/parley/v1/meetings?cursor={cursor}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(listed(&r), [(json!(ids[2]), json!(call))]);
    assert!(r.body["records"].get("cursor").is_none());
    // A cursor is the caller's and its filter's.
    let r = send_as(
        &s,
        &k,
        Method::GET,
        &format!("/parley/v1/meetings?cursor={cursor}"),
        None,
    )
    .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "cursor");
}

/// A workspace's library for the permission-profile tests: public folders `a` (with a
/// public `sub` inside) and `b`, a rep with a call, and a manager; both with keys.
struct Profiled {
    s: TestServer,
    w: String,
    a: String,
    sub: String,
    b: String,
    rep: String,
    rep_key: Key,
    call: String,
    manager: String,
    manager_key: Key,
}

impl Profiled {
    async fn new() -> Profiled {
        let s = TestServer::start().await;
        let w = default_workspace(&s).await;
        let manager = user_with_role(&s, "max@northwind.example.com", Role::Manager).await;
        // The rep reports to the manager, whose role lets them see the rep's calls.
        let r = s
            .post(
                "/parley/v1/users",
                json!({"email": "rita@northwind.example.com", "firstName": "Rita",
                       "lastName": "Rep", "managerId": manager}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let rep = r.body["userId"].as_str().unwrap().to_owned();
        let call = s.call(call_body("p1", &rep, "2026-03-02T15:00:00Z")).await;
        let a = folder(&s, json!({"name": "Wins", "public": true})).await;
        let sub = folder(
            &s,
            json!({"name": "Wins 2026", "public": true, "parentFolderId": a}),
        )
        .await;
        let b = folder(&s, json!({"name": "Losses", "public": true})).await;
        let rep_key = key(&s, Some(&rep), None).await;
        let manager_key = key(&s, Some(&manager), None).await;
        Profiled {
            s,
            w,
            a,
            sub,
            b,
            rep,
            rep_key,
            call,
            manager,
            manager_key,
        }
    }

    /// Gives `user` a new profile of this workspace with this library access.
    async fn give(&self, user: &str, name: &str, library: Value) {
        let r = self
            .s
            .post(
                &format!("/v2/permission-profile?workspaceId={}", self.w),
                json!({"name": name, "callsAccess": {"permissionLevel": "all"},
                       "libraryFolderAccess": library}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let profile = r.body["profile"]["id"].as_str().unwrap().to_owned();
        let r = self
            .s
            .send(
                Method::PUT,
                &format!("/parley/v1/users/{user}/permission-profile"),
                Some(json!({"profileId": profile})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    /// The folder ids `k` sees in the workspace (none: Gong's 404).
    async fn seen(&self, k: &Key) -> Vec<String> {
        let r = send_as(
            &self.s,
            k,
            Method::GET,
            &format!("/v2/library/folders?workspaceId={}", self.w),
            None,
        )
        .await;
        if r.status == StatusCode::NOT_FOUND {
            assert_error(&r, StatusCode::NOT_FOUND, "No folders found");
            return Vec::new();
        }
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let mut ids: Vec<String> = r.body["folders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    }

    fn sorted(&self, ids: &[&String]) -> Vec<String> {
        let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    async fn file_call(&self, k: &Key, folder: &str) -> Reply {
        send_as(
            &self.s,
            k,
            Method::POST,
            &format!("/parley/v1/library/folders/{folder}/calls"),
            Some(json!({"callId": self.call})),
        )
        .await
    }

    async fn rename(&self, k: &Key, folder: &str, body: Value) -> Reply {
        send_as(
            &self.s,
            k,
            Method::PATCH,
            &format!("/parley/v1/library/folders/{folder}"),
            Some(body),
        )
        .await
    }

    async fn create(&self, k: &Key, body: Value) -> Reply {
        send_as(
            &self.s,
            k,
            Method::POST,
            "/parley/v1/library/folders",
            Some(body),
        )
        .await
    }
}

/// Library access `none`: no public folder is seen (Gong's 404 for an empty listing, 404
/// for a folder's content) and no folder may be made.
#[tokio::test]
async fn a_profile_without_library_access_sees_no_public_folder_and_makes_none() {
    let p = Profiled::new().await;
    assert_eq!(
        p.seen(&p.rep_key).await.len(),
        3,
        "by role: every public folder"
    );
    p.give(&p.rep, "No library", json!({"permissionLevel": "none"}))
        .await;
    assert!(p.seen(&p.rep_key).await.is_empty());
    let r = send_as(
        &p.s,
        &p.rep_key,
        Method::GET,
        &format!("/v2/library/folder-content?folderId={}", p.a),
        None,
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND, "was not found");
    let r = p.create(&p.rep_key, json!({"name": "Mine"})).await;
    assert_error(&r, StatusCode::FORBIDDEN, "no library access");
    let r = p.file_call(&p.rep_key, &p.a).await;
    assert_error(&r, StatusCode::NOT_FOUND, "was not found");
}

/// Library access to specific folders: those folders and what is inside them; with
/// `manageFolderCalls` calls may be filed there, but folders are not managed without
/// `managePublicFolder`; private folders of one's own may be made.
#[tokio::test]
async fn specific_folders_open_what_is_inside_them_and_folder_calls_may_be_filed() {
    let p = Profiled::new().await;
    p.give(
        &p.rep,
        "Wins only",
        json!({"permissionLevel": "specific-folders", "libraryFolderIds": [p.a],
               "manageFolderCalls": true}),
    )
    .await;
    assert_eq!(p.seen(&p.rep_key).await, p.sorted(&[&p.a, &p.sub]));
    let r = p.file_call(&p.rep_key, &p.sub).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = p.file_call(&p.rep_key, &p.b).await;
    assert_error(&r, StatusCode::NOT_FOUND, "was not found");
    let r = p
        .rename(&p.rep_key, &p.a, json!({"name": "Big wins"}))
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "is changed only by its creator");
    let r = p
        .create(&p.rep_key, json!({"name": "Public", "public": true}))
        .await;
    assert_error(
        &r,
        StatusCode::FORBIDDEN,
        "only managers and admins make public folders",
    );
    let r = p.create(&p.rep_key, json!({"name": "Mine"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mine = r.body["folder"]["id"].as_str().unwrap().to_owned();
    assert_eq!(p.seen(&p.rep_key).await, p.sorted(&[&p.a, &p.sub, &mine]));
    let r = p.rename(&p.rep_key, &mine, json!({"public": true})).await;
    assert_error(
        &r,
        StatusCode::FORBIDDEN,
        "only managers and admins make public folders",
    );
}

/// A profile replaces the role: a manager whose profile does not let them manage public
/// folders or their calls may do neither; `managePublicFolder` lets them make, rename and
/// publish public folders, still not file calls without `manageFolderCalls`.
#[tokio::test]
async fn managing_public_folders_and_their_calls_follow_the_profile_not_the_role() {
    let p = Profiled::new().await;
    // By role, a manager files calls in public folders and renames them.
    let r = p.file_call(&p.manager_key, &p.b).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = p
        .rename(&p.manager_key, &p.b, json!({"name": "Lost"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    p.give(&p.manager, "Viewer", json!({"permissionLevel": "all"}))
        .await;
    assert_eq!(p.seen(&p.manager_key).await.len(), 3);
    let r = p.file_call(&p.manager_key, &p.a).await;
    assert_error(&r, StatusCode::FORBIDDEN, "calls are filed in folder");
    let r = p
        .rename(&p.manager_key, &p.b, json!({"name": "Losses"}))
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "is changed only by its creator");
    let r = send_as(
        &p.s,
        &p.manager_key,
        Method::DELETE,
        &format!("/parley/v1/library/folders/{}", p.b),
        None,
    )
    .await;
    assert_error(&r, StatusCode::FORBIDDEN, "is changed only by its creator");

    p.give(
        &p.manager,
        "Curator",
        json!({"permissionLevel": "all", "managePublicFolder": true}),
    )
    .await;
    let r = p
        .create(&p.manager_key, json!({"name": "Demos", "public": true}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = p
        .rename(&p.manager_key, &p.b, json!({"name": "Losses"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = p.file_call(&p.manager_key, &p.a).await;
    assert_error(&r, StatusCode::FORBIDDEN, "calls are filed in folder");
}

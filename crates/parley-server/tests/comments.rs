//! Comments on calls over HTTP on a real server: written, listed and deleted through
//! `/parley/v1/calls/{id}/comments`, public and private, in threads; who may do what;
//! the bounds; rendered as Gong's `collaboration.publicComments`; counted by the
//! activity stats.

mod common;

use common::{assert_error, call_body, key, send_as, Key, Reply, TestServer};
use parley_app::keys::{create_key, KeySpec};
use parley_domain::{Role, ScopeSet, UserId};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A manager, their rep, a member on nobody's team, and a call the rep hosted.
struct World {
    s: TestServer,
    manager: String,
    rep: String,
    call: String,
    manager_key: Key,
    rep_key: Key,
    other_key: Key,
}

impl World {
    async fn new() -> World {
        Self::with(|_| {}).await
    }

    async fn with(tweak: impl FnOnce(&mut parley_server::ServerConfig)) -> World {
        let s = TestServer::start_with(tweak).await;
        let manager = s
            .user("mona@northwind.example.com", "Mona", "Manager")
            .await;
        let r = s
            .post(
                "/parley/v1/users",
                json!({"email": "rex@northwind.example.com", "firstName": "Rex",
                       "lastName": "Rep", "managerId": manager}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let rep = r.body["userId"].as_str().unwrap().to_owned();
        let other = s.user("olga@northwind.example.com", "Olga", "Other").await;
        s.store
            .set_user_role(
                UserId(manager.parse().unwrap()),
                Role::Manager,
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        let call = s.call(call_body("c1", &rep, "2026-03-02T15:00:00Z")).await;
        let manager_key = key(&s, Some(&manager), None).await;
        let rep_key = key(&s, Some(&rep), None).await;
        let other_key = key(&s, Some(&other), None).await;
        World {
            s,
            manager,
            rep,
            call,
            manager_key,
            rep_key,
            other_key,
        }
    }

    fn path(&self) -> String {
        format!("/parley/v1/calls/{}/comments", self.call)
    }

    async fn add(&self, k: &Key, body: Value) -> Reply {
        send_as(&self.s, k, Method::POST, &self.path(), Some(body)).await
    }

    async fn added(&self, k: &Key, body: Value) -> Value {
        let r = self.add(k, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["comment"].clone()
    }

    async fn list(&self, k: &Key) -> Vec<Value> {
        let r = send_as(&self.s, k, Method::GET, &self.path(), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["comments"].as_array().unwrap().clone()
    }

    async fn delete(&self, k: &Key, id: &Value) -> Reply {
        let path = format!("{}/{}", self.path(), id.as_str().unwrap());
        send_as(&self.s, k, Method::DELETE, &path, None).await
    }
}

fn texts(list: &[Value]) -> Vec<&str> {
    list.iter()
        .map(|c| c["comment"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn comments_are_added_listed_replied_to_and_deleted_with_their_privacy() {
    let w = World::new().await;
    let mention = format!("@[Mona Manager]({}) listen to this", w.manager);
    let first = w
        .added(
            &w.rep_key,
            json!({"comment": format!("  {mention} "), "audioStartTime": 12.5,
                   "audioEndTime": 20, "duringCall": true}),
        )
        .await;
    assert_eq!(first["comment"], mention.as_str(), "trimmed, mention kept");
    assert_eq!(first["commenterUserId"], w.rep.as_str());
    assert_eq!(
        (&first["audioStartTime"], &first["audioEndTime"]),
        (&json!(12.5), &json!(20.0))
    );
    assert_eq!(first["public"], true);
    assert_eq!(first["inReplyTo"], Value::Null);
    assert_eq!(first["duringCall"], true);

    let reply = w
        .added(
            &w.manager_key,
            json!({"comment": "good catch", "inReplyTo": first["id"]}),
        )
        .await;
    assert_eq!(reply["inReplyTo"], first["id"]);
    assert_eq!(
        (&reply["audioStartTime"], &reply["audioEndTime"]),
        (&json!(0.0), &json!(0.0)),
        "a comment on the whole call"
    );
    let private = w
        .added(
            &w.rep_key,
            json!({"comment": "note to self", "public": false, "audioStartTime": 3}),
        )
        .await;
    assert_eq!(private["public"], false);
    assert_eq!(private["audioEndTime"], 3.0, "a point in the recording");

    // The author sees their private comment; the manager and a company key do not.
    assert_eq!(
        texts(&w.list(&w.rep_key).await),
        [mention.as_str(), "good catch", "note to self"]
    );
    assert_eq!(
        texts(&w.list(&w.manager_key).await),
        [mention.as_str(), "good catch"]
    );
    let r = w.s.get(&w.path()).await;
    assert_eq!(texts(r.body["comments"].as_array().unwrap()).len(), 2);

    // Replies: to a comment the writer sees, of the same call; private under private.
    let r = w
        .add(
            &w.manager_key,
            json!({"comment": "x", "inReplyTo": private["id"]}),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "is not a comment of call");
    let r = w
        .add(
            &w.rep_key,
            json!({"comment": "x", "inReplyTo": private["id"]}),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "must be private too");
    w.added(
        &w.rep_key,
        json!({"comment": "still to self", "inReplyTo": private["id"], "public": false}),
    )
    .await;
    let other_call =
        w.s.call(call_body("c2", &w.rep, "2026-03-03T15:00:00Z"))
            .await;
    let r = send_as(
        &w.s,
        &w.rep_key,
        Method::POST,
        &format!("/parley/v1/calls/{other_call}/comments"),
        Some(json!({"comment": "x", "inReplyTo": first["id"]})),
    )
    .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "is not a comment of call");
    let r = w
        .add(&w.rep_key, json!({"comment": "x", "inReplyTo": "nope"}))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "inReplyTo");

    // Mentions name users of the company.
    let r = w
        .add(
            &w.rep_key,
            json!({"comment": "ask @[Nobody](1234567890123456789)"}),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "names no user");

    // Bad times and bodies: 400 naming the field.
    for (body, field) in [
        (json!({"comment": "x", "audioEndTime": 3}), "audioEndTime"),
        (
            json!({"comment": "x", "audioStartTime": -1}),
            "audioStartTime",
        ),
        (
            json!({"comment": "x", "audioStartTime": 5, "audioEndTime": 4}),
            "audioEndTime",
        ),
        (json!({"comment": "   "}), "comment"),
        (json!({"text": "x"}), "comment"),
        (json!({"comment": 5}), "comment"),
    ] {
        let r = w.add(&w.rep_key, body.clone()).await;
        assert_error(&r, StatusCode::BAD_REQUEST, field);
    }

    // Deleting: the author's or an admin's; the replies go with it.
    let r = w.delete(&w.manager_key, &first["id"]).await;
    assert_error(&r, StatusCode::FORBIDDEN, "author or an admin");
    let r = w.delete(&w.manager_key, &private["id"]).await;
    assert_error(&r, StatusCode::NOT_FOUND, "Comment ID");
    let r = w.delete(&w.rep_key, &first["id"]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["deleted"], 2, "the comment and its reply");
    assert_eq!(
        texts(&w.list(&w.rep_key).await),
        ["note to self", "still to self"]
    );
    let r = w.delete(&w.rep_key, &first["id"]).await;
    assert_error(&r, StatusCode::NOT_FOUND, "Comment ID");
    let r = w.delete(&w.rep_key, &json!("not-an-id")).await;
    assert_error(&r, StatusCode::NOT_FOUND, "Comment ID");
    // A company key acts as an admin: it deletes public comments.
    let public = w.added(&w.rep_key, json!({"comment": "public"})).await;
    let r =
        w.s.send(
            Method::DELETE,
            &format!("{}/{}", w.path(), public["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn only_those_who_see_the_call_comment_and_a_company_key_cannot_write() {
    let w = World::new().await;
    let unknown = "/parley/v1/calls/1234567890123456789/comments";
    // A member on nobody's team does not see the rep's call: it does not exist for them.
    for (method, path) in [(Method::GET, w.path()), (Method::POST, w.path())] {
        let r = send_as(
            &w.s,
            &w.other_key,
            method,
            &path,
            Some(json!({"comment": "hi"})),
        )
        .await;
        assert_error(&r, StatusCode::NOT_FOUND, &format!("Call ID {}", w.call));
    }
    let c = w.added(&w.rep_key, json!({"comment": "mine"})).await;
    let r = w.delete(&w.other_key, &c["id"]).await;
    assert_error(&r, StatusCode::NOT_FOUND, "Call ID");
    // A key bound to another workspace: the same.
    let r =
        w.s.post("/parley/v1/workspaces", json!({"name": "EMEA"}))
            .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let emea = key(&w.s, None, Some(r.body["workspaceId"].as_str().unwrap())).await;
    let r = send_as(&w.s, &emea, Method::GET, &w.path(), None).await;
    assert_error(&r, StatusCode::NOT_FOUND, "Call ID");
    let r = w.delete(&emea, &c["id"]).await;
    assert_error(&r, StatusCode::NOT_FOUND, "Call ID");
    // A company key reads public comments but writes none: a comment has an author.
    let r =
        w.s.post(&w.path(), json!({"comment": "from a script"}))
            .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "acts for no user");
    // Unknown calls.
    let r = w.s.get(unknown).await;
    assert_error(&r, StatusCode::NOT_FOUND, "Call ID 1234567890123456789");
    let r = w.s.get("/parley/v1/calls/abc/comments").await;
    assert_error(&r, StatusCode::NOT_FOUND, "Call ID abc");
    // A read-only key reads, and cannot write.
    let ro = create_key(
        w.s.store.as_ref(),
        &KeySpec {
            name: "ro".into(),
            scopes: ScopeSet::read_only(),
            workspace: None,
            owner: Some(UserId(w.rep.parse().unwrap())),
        },
    )
    .await
    .unwrap();
    let ro = Key {
        key: ro.access_key,
        secret: ro.secret,
    };
    assert_eq!(w.list(&ro).await.len(), 1);
    let r = w.add(&ro, json!({"comment": "x"})).await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "parley:calls:write");
}

#[tokio::test]
async fn comments_are_bounded_by_their_settings() {
    let w = World::with(|c| {
        c.max_comment_chars = 10;
        c.max_comments_per_call = 2;
    })
    .await;
    let r = w.add(&w.rep_key, json!({"comment": "eleven char"})).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "max_comment_chars");
    w.added(&w.rep_key, json!({"comment": "ten chars!"})).await;
    w.added(
        &w.manager_key,
        json!({"comment": "private", "public": false}),
    )
    .await;
    let r = w.add(&w.rep_key, json!({"comment": "third"})).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "max_comments_per_call");
}

#[tokio::test]
async fn public_comments_render_in_gongs_shape_and_count_as_activity() {
    let w = World::new().await;
    let s = &w.s;
    let extensive = || async {
        let r = s
            .post(
                "/v2/calls/extensive",
                json!({"filter": {"callIds": [w.call]},
                       "contentSelector": {"exposedFields": {"collaboration": {"publicComments": true}}}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body
    };
    // Rendered (and cached) before any comment: empty.
    let before = extensive().await;
    assert_eq!(
        before["calls"][0]["collaboration"]["publicComments"],
        json!([])
    );
    let first = w
        .added(
            &w.manager_key,
            json!({"comment": format!("@[Rex Rep]({}) nice pause here", w.rep),
                   "audioStartTime": 61.25, "audioEndTime": 64}),
        )
        .await;
    w.added(
        &w.rep_key,
        json!({"comment": "thanks!", "inReplyTo": first["id"], "duringCall": false}),
    )
    .await;
    w.added(&w.rep_key, json!({"comment": "hidden", "public": false}))
        .await;
    // The cached rendering is redone: the comments moved the call's version.
    let body = extensive().await;
    let comments = body["calls"][0]["collaboration"]["publicComments"]
        .as_array()
        .unwrap();
    assert_eq!(comments.len(), 2, "private comments are not rendered");
    assert_eq!(comments[1]["inReplyTo"], first["id"]);
    assert_eq!(comments[0]["commenterUserId"], w.manager.as_str());
    insta::assert_json_snapshot!("extensive_public_comments", body["calls"][0]["collaboration"], {
        ".publicComments[].id" => "[id]",
        // A reply's parent id is random; a comment that answers none keeps its null.
        ".publicComments[].inReplyTo" => insta::dynamic_redaction(|v, _| {
            if v.as_str().is_some() {
                insta::internals::Content::from("[id]")
            } else {
                v
            }
        }),
        ".publicComments[].posted" => "[time]",
        ".publicComments[].commenterUserId" => "[user]",
        ".publicComments[].comment" => insta::dynamic_redaction(|v, _| {
            let text: String = v
                .as_str()
                .unwrap_or_default()
                .replace(|c: char| c.is_ascii_digit(), "9");
            text
        }),
    });
    // Without the selector, no collaboration block.
    let r = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [w.call]}, "contentSelector": {}}),
        )
        .await;
    assert!(r.body["calls"][0].get("collaboration").is_none());

    // Given by their authors; received by the host from someone else (a reply on one's
    // own call is given, not received); the private one counts nowhere.
    let today = chrono::Utc::now().date_naive();
    let r = s
        .post(
            "/v2/stats/activity/aggregate",
            json!({"filter": {
                "fromDate": (today - chrono::Duration::days(400)).to_string(),
                "toDate": (today + chrono::Duration::days(2)).to_string()}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let stats = |u: &str| {
        r.body["usersAggregateActivityStats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["userId"] == u)
            .unwrap()["userAggregateActivityStats"]
            .clone()
    };
    assert_eq!(stats(&w.manager)["callsCommentsGiven"], 1);
    assert_eq!(stats(&w.manager)["callsCommentsReceived"], 0);
    assert_eq!(stats(&w.rep)["callsCommentsGiven"], 1);
    assert_eq!(stats(&w.rep)["callsCommentsReceived"], 1);

    // Deleting the thread takes its activity with it.
    let r = w.delete(&w.manager_key, &first["id"]).await;
    assert_eq!(r.body["deleted"], 2, "{}", r.body);
    let r = s
        .post(
            "/v2/stats/activity/aggregate",
            json!({"filter": {
                "fromDate": (today - chrono::Duration::days(400)).to_string(),
                "toDate": (today + chrono::Duration::days(2)).to_string()}}),
        )
        .await;
    for u in r.body["usersAggregateActivityStats"].as_array().unwrap() {
        let a = &u["userAggregateActivityStats"];
        assert_eq!(a["callsCommentsGiven"], 0, "{u}");
        assert_eq!(a["callsCommentsReceived"], 0, "{u}");
    }
    let body = extensive().await;
    assert_eq!(
        body["calls"][0]["collaboration"]["publicComments"],
        json!([])
    );
}

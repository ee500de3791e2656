//! Correcting who spoke, over HTTP: `PUT /parley/v1/calls/{id}/speakers/{speaker}` with a
//! party of the call, or with a company user (who becomes a party of the call when not on
//! it); the parties `/v2/calls/extensive` renders follow.

mod common;

use common::{assert_error, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn parties(s: &TestServer, call: &str) -> Vec<Value> {
    let r = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [call]},
                   "contentSelector": {"exposedFields": {"parties": true}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["calls"][0]["parties"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_voice_is_given_to_a_party_or_to_a_company_user_not_on_the_call() {
    let s = TestServer::start().await;
    let rep = s.user("rita@acme.example.com", "Rita", "Rep").await;
    let coach = s.user("cora@acme.example.com", "Cora", "Coach").await;
    let call = s
        .call(json!({
            "clientUniqueId": "speakers-1",
            "actualStart": "2024-03-05T10:00:00Z",
            "direction": "Outbound",
            "primaryUser": rep,
            "parties": [
                {"userId": rep, "name": "Rita Rep", "emailAddress": "rita@acme.example.com"},
                {"name": "Carl Customer", "emailAddress": "carl@customer.example.com"}
            ]
        }))
        .await;
    let r = s
        .put_transcript(
            &call,
            "vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Rita Rep>Hello Carl.\n\n\
             00:00:05.000 --> 00:00:08.000\n<v Carl Customer>Hi Rita.\n",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // An imported transcript ties its voices to parties (no voice embeddings: the call's
    // speakers list is empty, the parties carry the speaker ids).
    let before = parties(&s, &call).await;
    let carl_voice = before
        .iter()
        .find(|p| p["name"] == "Carl Customer")
        .and_then(|p| p["speakerId"].as_str())
        .unwrap_or_else(|| panic!("{before:?}"))
        .to_owned();
    let path = format!("/parley/v1/calls/{call}/speakers/{carl_voice}");
    let persons = |a: &serde_json::Value| -> Vec<String> {
        let mut ids: Vec<String> = a["analysis"]["interaction"]["persons"]
            .as_array()
            .unwrap_or_else(|| panic!("{a}"))
            .iter()
            .map(|p| p["userId"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    s.run_analysis_jobs(None).await;
    let analysis = format!("/parley/v1/calls/{call}/analysis");
    assert_eq!(persons(&s.get(&analysis).await.body), vec![rep.clone()]);

    // The coach was not on the call: saying the voice is hers adds her, company side.
    let r = s
        .send(Method::PUT, &path, Some(json!({"userId": coach})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The call is analysed again: the company people's stats now include hers.
    assert!(
        s.run_analysis_jobs(None).await >= 1,
        "an analysis was queued"
    );
    let mut both = vec![rep.clone(), coach.clone()];
    both.sort();
    assert_eq!(persons(&s.get(&analysis).await.body), both);
    let after = parties(&s, &call).await;
    assert_eq!(after.len(), 3, "{after:?}");
    let cora = after
        .iter()
        .find(|p| p["userId"] == coach.as_str())
        .unwrap();
    assert_eq!(cora["name"], "Cora Coach");
    assert_eq!(cora["emailAddress"], "cora@acme.example.com");
    assert_eq!(cora["affiliation"], "Internal");
    assert_eq!(cora["speakerId"], carl_voice.as_str());
    let carl = after.iter().find(|p| p["name"] == "Carl Customer").unwrap();
    assert!(carl["speakerId"].is_null(), "{carl}");

    // Again with the same user: her party is reused, nobody is added.
    let r = s
        .send(Method::PUT, &path, Some(json!({"userId": coach})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(parties(&s, &call).await.len(), 3);

    // A user on the call is their party; a party id still works.
    let r = s
        .send(Method::PUT, &path, Some(json!({"partyId": carl["id"]})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let back = parties(&s, &call).await;
    let carl = back.iter().find(|p| p["name"] == "Carl Customer").unwrap();
    assert_eq!(carl["speakerId"], carl_voice.as_str());

    // Mistakes: no such user (nothing added), both or neither given, a bad id.
    let r = s
        .send(Method::PUT, &path, Some(json!({"userId": "123456"})))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "user 123456 not found");
    assert_eq!(parties(&s, &call).await.len(), 3);
    let r = s
        .send(
            Method::PUT,
            &path,
            Some(json!({"userId": coach, "partyId": carl["id"]})),
        )
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "give one of partyId and userId",
    );
    let r = s.send(Method::PUT, &path, Some(json!({}))).await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "give one of partyId and userId",
    );
    let r = s
        .send(Method::PUT, &path, Some(json!({"userId": "cora"})))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "userId must be a numeric id");
    // A voice the call does not have adds nobody either.
    let dan = s.user("dan@acme.example.com", "Dan", "Dev").await;
    let r = s
        .send(
            Method::PUT,
            &format!("/parley/v1/calls/{call}/speakers/999"),
            Some(json!({"userId": dan})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(parties(&s, &call).await.len(), 3);
}

//! `speakersTimeline` and `parties[].partyId` of `POST /v2/calls`: kept with the call (its
//! party ids resolved to the call's parties) and refused with a 400 naming the segment when
//! they cannot be used. The worker's use of a stored timeline is tested through the real
//! speech engine in `crates/parley/tests/asr.rs`.

mod common;

use common::{assert_error, call_body, TestServer};
use parley_domain::{CallId, PartyId};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn with_timeline(unique: &str, user: &str, timeline: Value) -> Value {
    let mut body = call_body(unique, user, "2024-03-05T10:00:00Z");
    body["parties"] = json!([
        {"userId": user, "partyId": "rep"},
        {"name": "Carl Customer", "emailAddress": "carl@customer.example.com", "partyId": "carl"}
    ]);
    body["speakersTimeline"] = timeline;
    body
}

#[tokio::test]
async fn a_timeline_is_kept_with_the_calls_parties() {
    let s = TestServer::start().await;
    let user = s.user("rep@acme.example.com", "Rita", "Rep").await;
    let body = with_timeline(
        "dialer-1",
        &user,
        json!({"precise": true, "speechSegments": [
            {"fromTime": 0, "toTime": 2500, "partyIds": ["rep"]},
            {"fromTime": 2400, "toTime": 5000, "partyIds": ["carl", "rep", "carl"]},
            {"fromTime": 5000, "toTime": 5000, "partyIds": ["carl"]}
        ]}),
    );
    let id: i64 = s.call(body).await.parse().unwrap();
    let parties = s
        .store
        .parties_of(&[CallId(id)])
        .await
        .unwrap()
        .remove(&CallId(id))
        .unwrap();
    let party = |name: &str| -> PartyId {
        parties
            .iter()
            .find(|p| p.name.as_deref() == Some(name))
            .unwrap()
            .id
    };
    let (rep, carl) = (party("Rita Rep"), party("Carl Customer"));
    let t = s.store.speaker_timeline(CallId(id)).await.unwrap().unwrap();
    assert!(t.precise);
    let segments: Vec<(i64, i64, Vec<PartyId>)> = t
        .segments
        .into_iter()
        .map(|s| (s.from_ms, s.to_ms, s.parties))
        .collect();
    assert_eq!(
        segments,
        vec![
            (0, 2500, vec![rep]),
            // Each party once, in the order named.
            (2400, 5000, vec![carl, rep]),
            (5000, 5000, vec![carl]),
        ]
    );

    // `precise` is optional (false), and a call without a timeline has none.
    let body = with_timeline(
        "bot-1",
        &user,
        json!({"speechSegments": [{"fromTime": 0, "toTime": 10, "partyIds": ["carl"]}]}),
    );
    let id: i64 = s.call(body).await.parse().unwrap();
    let t = s.store.speaker_timeline(CallId(id)).await.unwrap().unwrap();
    assert!(!t.precise);
    let plain: i64 = s
        .call(call_body("plain", &user, "2024-03-05T10:00:00Z"))
        .await
        .parse()
        .unwrap();
    assert_eq!(s.store.speaker_timeline(CallId(plain)).await.unwrap(), None);
}

#[tokio::test]
async fn a_timeline_that_cannot_be_used_is_refused_naming_the_segment() {
    let s = TestServer::start().await;
    let user = s.user("rep@acme.example.com", "Rita", "Rep").await;
    let cases = [
        (
            json!({"speechSegments": [{"fromTime": 0, "toTime": 10, "partyIds": ["dana"]}]}),
            "speakersTimeline.speechSegments[0].partyIds names \"dana\", which no party's partyId is",
        ),
        (
            json!({"speechSegments": [
                {"fromTime": 0, "toTime": 10, "partyIds": ["rep"]},
                {"fromTime": 20, "toTime": 10, "partyIds": ["rep"]}
            ]}),
            "speakersTimeline.speechSegments[1]: toTime is before fromTime",
        ),
        (
            json!({"speechSegments": [{"fromTime": -5, "toTime": 10, "partyIds": ["rep"]}]}),
            "fromTime and toTime must not be negative",
        ),
        (
            json!({"speechSegments": [{"fromTime": 0, "toTime": 10, "partyIds": []}]}),
            "speakersTimeline.speechSegments[0].partyIds must name at least one party",
        ),
        (
            json!({"speechSegments": [{"fromTime": 0, "partyIds": ["rep"]}]}),
            "speakersTimeline.speechSegments[0] needs fromTime and toTime",
        ),
    ];
    for (i, (timeline, message)) in cases.into_iter().enumerate() {
        let r = s
            .post(
                "/v2/calls",
                with_timeline(&format!("bad-{i}"), &user, timeline),
            )
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST, message);
    }

    // Two parties with one partyId: the timeline could not say which.
    let mut body = with_timeline("twins", &user, json!({"speechSegments": []}));
    body["parties"][1]["partyId"] = json!("rep");
    let r = s.post("/v2/calls", body).await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "parties[1].partyId \"rep\" is also parties[0].partyId",
    );

    // A hostile timeline gets a bounded answer: ten problems and a count of the rest.
    let segments: Vec<Value> = (0..5_000)
        .map(|i| json!({"fromTime": i, "toTime": i + 1, "partyIds": [format!("ghost-{i}")]}))
        .collect();
    let r = s
        .post(
            "/v2/calls",
            with_timeline("ghosts", &user, json!({"speechSegments": segments})),
        )
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "speakersTimeline has 4990 more problems",
    );
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 11, "{}", r.body);
    // Nothing was stored by the refusals.
    assert_eq!(
        s.store
            .count_calls(&parley_store::CallFilter::default())
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_timeline_over_max_timeline_segments_is_refused() {
    let s = TestServer::start_with(|c| c.limits.max_timeline_segments = 3).await;
    let user = s.user("rep@acme.example.com", "Rita", "Rep").await;
    let segment = json!({"fromTime": 0, "toTime": 10, "partyIds": ["rep"]});
    let r = s
        .post(
            "/v2/calls",
            with_timeline(
                "long",
                &user,
                json!({"speechSegments": vec![segment.clone(); 4]}),
            ),
        )
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "speakersTimeline has 4 speech segments, more than the 3 allowed (max_timeline_segments)",
    );
    s.call(with_timeline(
        "short",
        &user,
        json!({"speechSegments": vec![segment; 3]}),
    ))
    .await;
}

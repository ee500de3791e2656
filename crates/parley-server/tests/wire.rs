//! Wire snapshots of the Gong responses, and transcript import end to end.

mod common;

use common::{assert_error, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

const VTT: &str = "WEBVTT

1
00:00:01.000 --> 00:00:04.500
<v Rita Rep>Hi Carl, thanks for making the time today.</v>

2
00:00:05.000 --> 00:00:07.250
<v Carl Customer>Happy to. We are looking at Gong and Chorus too.</v>

3
00:00:07.500 --> 00:00:09.000
<v Carl Customer>What does pricing look like?</v>

4
00:00:10.000 --> 00:00:12.000
<v Unknown Caller>Sorry, who joined?</v>
";

/// A call with CRM context on the call and on the customer, by a known user.
async fn rich_call(s: &TestServer) -> (String, String) {
    let user = s.user("rita@northwind.example.com", "Rita", "Rep").await;
    let call = s
        .call(json!({
            "clientUniqueId": "zoom-8812",
            "actualStart": "2024-03-05T10:01:12.448211-08:00",
            "scheduledStart": "2024-03-05T10:00:00-08:00",
            "direction": "Conference",
            "primaryUser": user,
            "title": "Contoso / Northwind discovery",
            "purpose": "Discovery",
            "duration": 1843.4,
            "callProviderCode": "zoom",
            "meetingUrl": "https://zoom.us/j/123",
            "languageCode": "en-US",
            "customData": "campaign=spring",
            "context": [{"system": "Salesforce", "objects": [
                {"objectType": "Account", "objectId": "0011630000vmLBaEEN",
                 "fields": [{"name": "Name", "value": "Contoso"}, {"name": "AnnualRevenue", "value": 28000000}]},
                {"objectType": "Opportunity", "objectId": "0061Q00000mkU1fQAE",
                 "fields": {"StageName": "Discovery", "Amount": 50000, "IsClosed": "false"}}
            ]}],
            "parties": [
                {"userId": user},
                {"name": "Carl Customer", "emailAddress": "carl@contoso.example.com", "title": "VP Ops",
                 "phoneNumber": "+15550001111",
                 "context": [{"system": "Salesforce", "objects": [
                     {"objectType": "Contact", "objectId": "0031Q00002abcdEQAQ", "fields": [{"name": "Email", "value": "carl@contoso.example.com"}]}
                 ]}]}
            ]
        }))
        .await;
    (user, call)
}

fn everything() -> Value {
    json!({
        "context": "Extended",
        "contextTiming": ["Now", "TimeOfCall"],
        "exposedFields": {
            "parties": true,
            "content": {"structure": true, "topics": true, "trackers": true, "trackerOccurrences": true,
                        "pointsOfInterest": true, "brief": true, "outline": true, "highlights": true,
                        "callOutcome": true, "keyPoints": true},
            "interaction": {"speakers": true, "video": true, "personInteractionStats": true, "questions": true},
            "collaboration": {"publicComments": true},
            "media": true
        }
    })
}

/// Replaces random ids with stable names so snapshots compare.
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
            Value::Object(o) => o.values_mut().for_each(|x| walk(x, names)),
            _ => {}
        }
    }
    walk(&mut v, names);
    v
}

#[tokio::test]
async fn extensive_call_data_with_every_section() {
    let s = TestServer::start().await;
    let (user, call) = rich_call(&s).await;
    let imported = s
        .client
        .put(format!("{}/parley/v1/calls/{call}/transcript", s.base))
        .basic_auth(&s.key, Some(&s.secret))
        .header("content-type", "text/vtt")
        .body(VTT);
    let imported = s.raw(imported).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);

    let r = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [call]}, "contentSelector": everything()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let data = &r.body["calls"][0];
    let parties = data["parties"].as_array().unwrap();
    let mut names = vec![(call.as_str(), "CALL_ID"), (user.as_str(), "USER_ID")];
    let ws = data["metaData"]["workspaceId"].as_str().unwrap().to_owned();
    names.push((&ws, "WORKSPACE_ID"));
    let ids: Vec<(String, String)> = parties
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            let mut v = vec![(p["id"].as_str().unwrap().to_owned(), format!("PARTY_{i}"))];
            if let Some(sp) = p["speakerId"].as_str() {
                v.push((sp.to_owned(), format!("SPEAKER_{i}")));
            }
            v
        })
        .collect();
    names.extend(ids.iter().map(|(a, b)| (a.as_str(), b.as_str())));
    let mut body = r.body.clone();
    body["requestId"] = json!("REQUEST_ID");
    insta::assert_json_snapshot!("extensive_everything", stable(body, &names));

    let t = s
        .post(
            "/v2/calls/transcript",
            json!({"filter": {"callIds": [call]}}),
        )
        .await;
    let mut tbody = t.body.clone();
    tbody["requestId"] = json!("REQUEST_ID");
    insta::assert_json_snapshot!("transcript", stable(tbody, &names));

    let listed = s.get("/v2/calls").await;
    let mut lbody = listed.body.clone();
    lbody["requestId"] = json!("REQUEST_ID");
    insta::assert_json_snapshot!("calls_list", stable(lbody, &names));
}

#[tokio::test]
async fn sections_not_asked_for_are_absent_and_basic_context_has_no_values() {
    let s = TestServer::start().await;
    let (_, call) = rich_call(&s).await;
    let r = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [call]}}),
        )
        .await;
    let keys: Vec<_> = r.body["calls"][0]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, vec!["metaData"]);

    let r = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {}, "contentSelector": {"context": "Basic", "exposedFields": {"parties": true}}}),
        )
        .await;
    let context = &r.body["calls"][0]["context"];
    assert_eq!(context[0]["system"], "Salesforce");
    assert_eq!(context[0]["timing"], "Now");
    assert_eq!(context[0]["objects"][0]["fields"], json!([]));
    assert_eq!(
        r.body["calls"][0]["parties"][1]["context"][0]["objects"][0]["objectType"],
        "Contact"
    );
}

#[tokio::test]
async fn transcript_import_maps_voices_to_parties_and_replaces_atomically() {
    let s = TestServer::start().await;
    let (_, call) = rich_call(&s).await;
    let put = |body: &str, format: &str| {
        s.client
            .put(format!(
                "{}/parley/v1/calls/{call}/transcript?format={format}",
                s.base
            ))
            .basic_auth(&s.key, Some(&s.secret))
            .body(body.to_owned())
    };
    let r = s.raw(put(VTT, "vtt")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["monologues"], 3);
    assert_eq!(r.body["sentences"], 4);
    let speakers = r.body["speakers"].as_array().unwrap();
    let matched: Vec<_> = speakers
        .iter()
        .map(|s| (s["name"].clone(), s["matchedExistingParty"].clone()))
        .collect();
    assert_eq!(
        matched,
        vec![
            (json!("Rita Rep"), json!(true)),
            (json!("Carl Customer"), json!(true)),
            (json!("Unknown Caller"), json!(false))
        ]
    );

    // SRT without names replaces the whole transcript, and old voices stop speaking.
    let srt = "1\n00:00:01,000 --> 00:00:02,000\nJust one line.\n";
    let r = s.raw(put(srt, "srt")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let t = s
        .post(
            "/v2/calls/transcript",
            json!({"filter": {"callIds": [call]}}),
        )
        .await;
    let mono = t.body["callTranscripts"][0]["transcript"]
        .as_array()
        .unwrap();
    assert_eq!(mono.len(), 1);
    assert_eq!(
        mono[0]["sentences"],
        json!([{"start": 1000, "end": 2000, "text": "Just one line."}])
    );
    let parties = s
        .post("/v2/calls/extensive", json!({"filter": {"callIds": [call]}, "contentSelector": {"exposedFields": {"parties": true}}}))
        .await;
    let speaking: Vec<_> = parties.body["calls"][0]["parties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["speakerId"].is_null())
        .collect();
    assert_eq!(speaking.len(), 1);
    assert_eq!(speaking[0]["speakerId"], mono[0]["speakerId"]);

    // Gong's own JSON round-trips.
    let exported = serde_json::to_string(&t.body).unwrap();
    let r = s.raw(put(&exported, "json")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["speakers"][0]["matchedExistingParty"], true);

    // Bad files are refused with the line or field, and the stored transcript is kept.
    for (body, format, message) in [
        (
            "WEBVTT\n\n00:00:05.000 --> 00:00:01.000\n<v A>x\n",
            "vtt",
            "webvtt line 3: cue ends before it starts",
        ),
        ("not a subtitle", "vtt", "webvtt line 1"),
        ("1\n00:00:01,000 -> 00:00:02,000\nhi\n", "srt", "srt line 2"),
        ("[{\"speakerId\": 5}]", "json", "not Gong transcript JSON"),
        ("", "vtt", "transcript file is empty"),
        ("WEBVTT", "pdf", "format \"pdf\" is not one of"),
    ] {
        assert_error(
            &s.raw(put(body, format)).await,
            StatusCode::BAD_REQUEST,
            message,
        );
    }
    let still = s
        .post(
            "/v2/calls/transcript",
            json!({"filter": {"callIds": [call]}}),
        )
        .await;
    assert_eq!(still.body["callTranscripts"], t.body["callTranscripts"]);

    let bytes = s
        .client
        .put(format!("{}/parley/v1/calls/{call}/transcript", s.base))
        .basic_auth(&s.key, Some(&s.secret))
        .body(vec![0xff, 0xfe, 0x00]);
    assert_error(&s.raw(bytes).await, StatusCode::BAD_REQUEST, "not UTF-8");
    let missing = s
        .client
        .put(format!("{}/parley/v1/calls/12345/transcript", s.base))
        .basic_auth(&s.key, Some(&s.secret))
        .body(VTT);
    assert_error(
        &s.raw(missing).await,
        StatusCode::NOT_FOUND,
        "Call ID 12345 was not found",
    );
}

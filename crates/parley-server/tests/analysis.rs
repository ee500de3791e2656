//! Conversation analysis over HTTP: trackers managed through Parley's API and listed in
//! Gong's shape, analysis jobs after a transcript import, the analysed blocks of
//! `/v2/calls/extensive`, the stats endpoints, and the optional LLM engine (against a
//! stand-in OpenAI-compatible server on port 0).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{assert_error, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const VTT: &str = "WEBVTT

00:00:00.000 --> 00:00:04.000
<v Rita Rep>Hi Carl, thanks for joining today. How are you?

00:00:04.500 --> 00:00:07.000
<v Carl Customer>Doing well, thanks. We are looking at Acme and Globex right now.

00:00:07.500 --> 00:00:12.000
<v Rita Rep>Great. What is your budget for this project, and how does our pricing compare?

00:00:12.500 --> 00:00:20.000
<v Carl Customer>Our budget is around fifty thousand. The price from ACME was lower, but their support is weak.

00:00:20.500 --> 00:00:26.000
<v Rita Rep>Understood. I will send you a proposal by Friday and schedule a demo with your team next week.

00:00:26.500 --> 00:00:29.000
<v Carl Customer>Sounds good, let's do that.
";

struct Fixture {
    rep: String,
    manager: String,
    call: String,
}

/// A rep (with a manager) and one call with a rep and a customer party, transcribed by
/// import.
async fn fixture(s: &TestServer) -> Fixture {
    let manager = s.user("mona@acme.example.com", "Mona", "Manager").await;
    let rep = s.user("rita@acme.example.com", "Rita", "Rep").await;
    let call = s
        .call(json!({
            "clientUniqueId": "analysis-1",
            "actualStart": "2024-03-05T10:00:00Z",
            "direction": "Outbound",
            "primaryUser": rep,
            "title": "Discovery with Carl",
            "parties": [
                {"userId": rep, "name": "Rita Rep", "emailAddress": "rita@acme.example.com"},
                {"name": "Carl Customer", "emailAddress": "carl@customer.example.com"}
            ]
        }))
        .await;
    Fixture { rep, manager, call }
}

async fn import(s: &TestServer, call: &str, vtt: &str) {
    let r = s.put_transcript(call, "vtt", vtt).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn add_tracker(s: &TestServer, body: Value) -> String {
    let r = s.post("/parley/v1/trackers", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["tracker"]["trackerId"].as_str().unwrap().to_owned()
}

async fn standard_trackers(s: &TestServer) -> (String, String, String) {
    let competitors = add_tracker(
        s,
        json!({"trackerName": "Competitors",
               "languageKeywords": [{"language": "eng", "keywords": ["Acme", "Globex", "Initech"]}]}),
    )
    .await;
    let pricing = add_tracker(
        s,
        json!({"trackerName": "Pricing",
               "languageKeywords": [{"language": "eng", "keywords": ["price"], "includeRelatedForms": true}]}),
    )
    .await;
    let budget = add_tracker(
        s,
        json!({"trackerName": "Budget questions", "affiliation": "Company", "partOfQuestion": true,
               "languageKeywords": [{"language": "eng", "keywords": ["budget"]}]}),
    )
    .await;
    (competitors, pricing, budget)
}

async fn extensive(s: &TestServer, call: &str) -> Value {
    let r = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [call]},
                   "contentSelector": {"exposedFields": {
                       "parties": true,
                       "content": {"structure": true, "topics": true, "trackers": true,
                                   "trackerOccurrences": true, "pointsOfInterest": true,
                                   "brief": true, "outline": true, "highlights": true,
                                   "callOutcome": true, "keyPoints": true},
                       "interaction": {"speakers": true, "personInteractionStats": true,
                                       "questions": true}}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["calls"][0].clone()
}

fn tracker<'a>(call: &'a Value, name: &str) -> Option<&'a Value> {
    call["content"]["trackers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
}

fn stat(list: &Value, name: &str) -> f64 {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))["value"]
        .as_f64()
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-3
}

#[tokio::test]
async fn an_imported_transcript_is_analysed_and_extensive_shows_every_block() {
    let s = TestServer::start().await;
    let (competitors, _, _) = standard_trackers(&s).await;
    let f = fixture(&s).await;
    import(&s, &f.call, VTT).await;

    // The import queued the analysis; it shows among the call's jobs.
    let jobs = s.get(&format!("/parley/v1/calls/{}/jobs", f.call)).await;
    assert!(
        jobs.body["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["kind"] == "analyze" && j["state"] == "queued"),
        "{}",
        jobs.body
    );
    assert!(s.run_analysis_jobs(None).await >= 1);
    let jobs = s.get(&format!("/parley/v1/calls/{}/jobs", f.call)).await;
    assert!(
        jobs.body["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["state"] == "done"),
        "{}",
        jobs.body
    );

    let c = extensive(&s, &f.call).await;
    let parties = c["parties"].as_array().unwrap();
    let speaker_of = |name: &str| {
        parties.iter().find(|p| p["name"] == name).unwrap()["speakerId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (rita, carl) = (speaker_of("Rita Rep"), speaker_of("Carl Customer"));

    // Trackers: case-insensitive, word forms only where asked, said-by and question
    // filters respected.
    let comp = tracker(&c, "Competitors").unwrap();
    assert_eq!(comp["id"], json!(competitors));
    assert_eq!(comp["type"], "KEYWORD");
    assert_eq!(comp["count"], 3, "{comp}");
    let phrases = comp["phrases"].as_array().unwrap();
    assert_eq!(phrases[0]["phrase"], "Acme");
    assert_eq!(phrases[0]["count"], 2);
    assert_eq!(phrases[1]["phrase"], "Globex");
    assert_eq!(phrases[1]["count"], 1);
    let first = &phrases[0]["occurrences"][0];
    assert_eq!(first["speakerId"], json!(carl));
    let t = first["startTime"].as_f64().unwrap();
    assert!(
        (4.5..7.0).contains(&t),
        "Acme is said between 4.5 s and 7 s, got {t}"
    );
    assert_eq!(comp["occurrences"].as_array().unwrap().len(), 3);
    assert_eq!(
        tracker(&c, "Pricing").unwrap()["count"],
        2,
        "pricing + price"
    );
    let budget = tracker(&c, "Budget questions").unwrap();
    assert_eq!(budget["count"], 1, "only the rep's question: {budget}");
    assert_eq!(budget["occurrences"][0]["speakerId"], json!(rita));

    // Interaction, by the published formulas (docs/analysis-metrics.md).
    let i = &c["interaction"];
    let talk = |speaker: &str| {
        let party = parties.iter().find(|p| p["speakerId"] == speaker).unwrap();
        i["speakers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == party["id"])
            .unwrap()["talkTime"]
            .as_f64()
            .unwrap()
    };
    assert!(close(talk(&rita), 14.0) && close(talk(&carl), 12.5), "{i}");
    assert_eq!(
        i["questions"],
        json!({"companyCount": 2, "nonCompanyCount": 0})
    );
    let host = &i["interactionStats"];
    assert!(close(stat(host, "Talk Ratio"), 14.0 / 26.5), "{host}");
    assert!(close(stat(host, "Longest Monologue"), 5.5), "{host}");
    assert!(close(stat(host, "Longest Customer Story"), 7.5), "{host}");
    assert!(close(stat(host, "Interactivity"), 10.0), "{host}");
    assert!(close(stat(host, "Patience"), 0.5), "{host}");

    // Summary blocks: each present, and pointing at moments of this call.
    let content = &c["content"];
    assert!(
        content["brief"].as_str().is_some_and(|b| !b.is_empty()),
        "{content}"
    );
    let actions = content["pointsOfInterest"]["actionItems"]
        .as_array()
        .unwrap();
    assert!(
        actions.iter().any(|a| a["snippet"]
            .as_str()
            .unwrap()
            .contains("send you a proposal")
            && a["speakerID"] == json!(rita)),
        "{content}"
    );
    assert!(!content["keyPoints"].as_array().unwrap().is_empty());
    assert!(!content["topics"].as_array().unwrap().is_empty());
    assert!(!content["outline"].as_array().unwrap().is_empty());
    assert!(content["callOutcome"]["id"].is_string(), "{content}");

    // The transcript carries the topic of each monologue.
    let tr = s
        .post(
            "/v2/calls/transcript",
            json!({"filter": {"callIds": [f.call]}}),
        )
        .await;
    let monologues = tr.body["callTranscripts"][0]["transcript"]
        .as_array()
        .unwrap();
    assert!(
        monologues.iter().any(|m| m["topic"].is_string()),
        "{}",
        tr.body
    );

    // Parley's own view keeps the whole result and the engine that made it.
    let a = s
        .get(&format!("/parley/v1/calls/{}/analysis", f.call))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["analysis"]["engine"]["engine"], "extractive");

    // Wire shape of the analysed blocks (ids made stable).
    let mut names: Vec<(String, String)> = vec![
        (f.call.clone(), "CALL".into()),
        (f.rep.clone(), "USER_RITA".into()),
        (competitors.clone(), "TRACKER_COMPETITORS".into()),
        (rita.clone(), "SPEAKER_RITA".into()),
        (carl.clone(), "SPEAKER_CARL".into()),
    ];
    for p in parties {
        names.push((
            p["id"].as_str().unwrap().to_owned(),
            format!(
                "PARTY_{}",
                p["name"].as_str().unwrap().replace(' ', "_").to_uppercase()
            ),
        ));
    }
    for t in c["content"]["trackers"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        if id != competitors {
            names.push((
                id.to_owned(),
                format!(
                    "TRACKER_{}",
                    t["name"].as_str().unwrap().replace(' ', "_").to_uppercase()
                ),
            ));
        }
    }
    let mut blocks = json!({"content": c["content"], "interaction": c["interaction"]});
    stable(&mut blocks, &names);
    insta::assert_json_snapshot!("analysed_blocks", blocks);
}

/// A stats response made stable for a snapshot: request id fixed, users in email order,
/// ids named.
fn stats_snapshot(body: &Value, list: &str, names: &[(String, String)]) -> Value {
    let mut snap = body.clone();
    snap["requestId"] = json!("REQUEST_ID");
    let mut users = snap[list].as_array().unwrap().clone();
    users.sort_by_key(|u| u["userEmailAddress"].as_str().unwrap().to_owned());
    snap[list] = json!(users);
    stable(&mut snap, names);
    snap
}

fn stable(v: &mut Value, names: &[(String, String)]) {
    match v {
        Value::String(s) => {
            for (from, to) in names {
                if s.contains(from.as_str()) {
                    *s = s.replace(from.as_str(), to);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| stable(x, names)),
        Value::Object(o) => o.values_mut().for_each(|x| stable(x, names)),
        _ => {}
    }
}

#[tokio::test]
async fn tracker_changes_back_fill_existing_calls() {
    let s = TestServer::start().await;
    let f = fixture(&s).await;
    import(&s, &f.call, VTT).await;
    s.run_analysis_jobs(None).await;
    let c = extensive(&s, &f.call).await;
    assert!(c["content"]["trackers"].as_array().unwrap().is_empty());

    // A tracker made after the call was analysed: the back-fill job finds the hits.
    let id = add_tracker(
        &s,
        json!({"trackerName": "Support", "languageKeywords": [{"language": "eng", "keywords": ["support"]}]}),
    )
    .await;
    let jobs = s.get("/parley/v1/jobs?state=queued").await;
    assert!(jobs.body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|j| j["kind"] == "backfill-trackers"));
    s.run_analysis_jobs(None).await;
    let c = extensive(&s, &f.call).await;
    assert_eq!(tracker(&c, "Support").unwrap()["count"], 1);

    // Editing it changes the hits ...
    let r = s
        .send(
            Method::PUT,
            &format!("/parley/v1/trackers/{id}"),
            Some(json!({"trackerName": "Support and demos",
                        "languageKeywords": [{"language": "eng", "keywords": ["support", "demo", "team"]}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    s.run_analysis_jobs(None).await;
    let c = extensive(&s, &f.call).await;
    let t = tracker(&c, "Support and demos").unwrap();
    assert_eq!(t["count"], 3, "{t}");
    assert!(tracker(&c, "Support").is_none());

    // ... and deleting it removes them.
    let r = s
        .send(Method::DELETE, &format!("/parley/v1/trackers/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    s.run_analysis_jobs(None).await;
    let c = extensive(&s, &f.call).await;
    assert!(c["content"]["trackers"].as_array().unwrap().is_empty());
    let r = s
        .send(Method::DELETE, &format!("/parley/v1/trackers/{id}"), None)
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "was not found");
}

#[tokio::test]
async fn said_at_windows_limit_hits_and_round_trip() {
    let s = TestServer::start().await;
    let f = fixture(&s).await;
    import(&s, &f.call, VTT).await;
    let phrases = json!([{"language": "eng", "keywords": ["Acme", "Globex"]}]);
    // The call has no recording length, so the transcript's 29 s stand in: the last half
    // starts at 14.5 s, after "Acme" and "Globex" (~6 s) and before "ACME" (~16 s).
    // The interval as a string and a lower-case unit are taken, as some clients send them.
    add_tracker(
        &s,
        json!({"trackerName": "Late", "saidAt": "Last", "saidAtInterval": "50",
               "saidAtUnit": "percent", "languageKeywords": phrases}),
    )
    .await;
    add_tracker(
        &s,
        json!({"trackerName": "Early", "saidAt": "First", "saidAtInterval": 1,
               "saidAtUnit": "Minutes", "languageKeywords": phrases}),
    )
    .await;
    // A tracker read from Gong says Anytime with a leftover interval: ignored.
    add_tracker(
        &s,
        json!({"trackerName": "Any", "saidAt": "Anytime", "saidAtInterval": 3,
               "saidAtUnit": null, "languageKeywords": phrases}),
    )
    .await;
    s.run_analysis_jobs(None).await;
    let c = extensive(&s, &f.call).await;
    let late = tracker(&c, "Late").unwrap();
    assert_eq!(late["count"], 1, "{late}");
    assert!(
        late["occurrences"][0]["startTime"].as_f64().unwrap() > 14.5,
        "{late}"
    );
    assert_eq!(tracker(&c, "Early").unwrap()["count"], 3);
    assert_eq!(tracker(&c, "Any").unwrap()["count"], 3);

    let r = s.get("/v2/settings/trackers").await;
    let listed = |name: &str| {
        r.body["keywordTrackers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["trackerName"] == name)
            .unwrap()
            .clone()
    };
    let late = listed("Late");
    assert_eq!(
        (
            &late["saidAt"],
            &late["saidAtInterval"],
            &late["saidAtUnit"]
        ),
        (&json!("Last"), &json!(50), &json!("Percent"))
    );
    let early = listed("Early");
    assert_eq!(
        (
            &early["saidAt"],
            &early["saidAtInterval"],
            &early["saidAtUnit"]
        ),
        (&json!("First"), &json!(1), &json!("Minutes"))
    );
    let any = listed("Any");
    assert_eq!(
        (&any["saidAt"], &any["saidAtInterval"], &any["saidAtUnit"]),
        (&json!("Anytime"), &Value::Null, &Value::Null)
    );
}

#[tokio::test]
async fn a_new_transcript_replaces_the_analysis() {
    let s = TestServer::start().await;
    standard_trackers(&s).await;
    let f = fixture(&s).await;
    import(&s, &f.call, VTT).await;
    s.run_analysis_jobs(None).await;
    assert_eq!(
        tracker(&extensive(&s, &f.call).await, "Competitors").unwrap()["count"],
        3
    );

    import(
        &s,
        &f.call,
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Carl Customer>We only looked at Initech.\n",
    )
    .await;
    s.run_analysis_jobs(None).await;
    let c = extensive(&s, &f.call).await;
    let comp = tracker(&c, "Competitors").unwrap();
    assert_eq!(comp["count"], 1);
    assert_eq!(comp["phrases"][0]["phrase"], "Initech");
    assert!(tracker(&c, "Pricing").is_none());
}

#[tokio::test]
async fn trackers_are_listed_in_gongs_shape_and_bad_ones_refused() {
    let s = TestServer::start().await;
    let (competitors, _, budget) = standard_trackers(&s).await;
    let r = s.get("/v2/settings/trackers").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = r.body["keywordTrackers"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    let b = list
        .iter()
        .find(|t| t["trackerId"] == json!(budget))
        .unwrap();
    let mut b = b.clone();
    for k in ["created", "updated", "workspaceId"] {
        assert!(b[k].is_string(), "{k} in {b}");
        b[k] = json!(k.to_uppercase());
    }
    b["trackerId"] = json!("TRACKER");
    insta::assert_json_snapshot!("keyword_tracker", b);

    let ws = list[0]["workspaceId"].as_str().unwrap();
    let r = s
        .get(&format!("/v2/settings/trackers?workspaceId={ws}"))
        .await;
    assert_eq!(r.body["keywordTrackers"].as_array().unwrap().len(), 3);
    let r = s.get("/v2/settings/trackers?workspaceId=123").await;
    assert_error(&r, StatusCode::NOT_FOUND, "Workspace not found");

    for (body, message) in [
        (
            json!({"trackerName": " ", "languageKeywords": [{"language": "eng", "keywords": ["x"]}]}),
            "trackerName",
        ),
        (
            json!({"trackerName": "Empty", "languageKeywords": []}),
            "phrase",
        ),
        (
            json!({"trackerName": "Punct", "languageKeywords": [{"language": "eng", "keywords": ["?!"]}]}),
            "no words",
        ),
        (
            json!({"trackerName": "Who", "affiliation": "Everybody", "languageKeywords": [{"language": "eng", "keywords": ["x"]}]}),
            "affiliation",
        ),
        (
            json!({"trackerName": "When", "saidAt": "First", "languageKeywords": [{"language": "eng", "keywords": ["x"]}]}),
            "saidAtInterval is required when saidAt is First or Last",
        ),
        (
            json!({"trackerName": "When", "saidAt": "Middle", "languageKeywords": [{"language": "eng", "keywords": ["x"]}]}),
            "saidAt: \"Middle\" is not one of Anytime, First, Last",
        ),
        (
            json!({"trackerName": "When", "saidAt": "Last", "saidAtInterval": 5, "saidAtUnit": "Hours", "languageKeywords": [{"language": "eng", "keywords": ["x"]}]}),
            "saidAtUnit: \"Hours\" is not one of Minutes, Percent",
        ),
        (
            json!({"trackerName": "When", "saidAt": "Last", "saidAtInterval": 5, "languageKeywords": [{"language": "eng", "keywords": ["x"]}]}),
            "saidAtUnit is required",
        ),
        (
            json!({"trackerName": "When", "saidAt": "Last", "saidAtInterval": "soon", "saidAtUnit": "Minutes", "languageKeywords": [{"language": "eng", "keywords": ["x"]}]}),
            "saidAtInterval must be a whole number",
        ),
        (
            json!({"trackerName": "When", "saidAt": "Last", "saidAtInterval": -2, "saidAtUnit": "Minutes", "languageKeywords": [{"language": "eng", "keywords": ["x"]}]}),
            "saidAtInterval must be a whole number",
        ),
        (
            json!({"trackerName": "When", "saidAt": "First", "saidAtInterval": 0, "saidAtUnit": "Percent", "languageKeywords": [{"language": "eng", "keywords": ["x"]}]}),
            "saidAtInterval: the stretch must be longer than 0",
        ),
        (
            json!({"trackerName": "When", "saidAt": "First", "saidAtInterval": 150, "saidAtUnit": "Percent", "languageKeywords": [{"language": "eng", "keywords": ["x"]}]}),
            "saidAtInterval: 150 percent is more than the whole call",
        ),
        (json!({"trackerName": 5}), "trackerName"),
        (
            json!({"trackerName": "Competitors", "languageKeywords": [{"language": "eng", "keywords": ["x"]}]}),
            "already exists",
        ),
    ] {
        let r = s.post("/parley/v1/trackers", body.clone()).await;
        let status = if message == "already exists" {
            StatusCode::CONFLICT
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_error(&r, status, message);
    }
    let r = s
        .send(
            Method::PUT,
            "/parley/v1/trackers/42",
            Some(json!({"trackerName": "x", "languageKeywords": [{"language": "eng", "keywords": ["x"]}]})),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "Tracker ID 42 was not found");
    assert!(!competitors.is_empty());
}

#[tokio::test]
async fn topics_can_be_replaced_per_workspace() {
    let s = TestServer::start().await;
    let r = s.get("/parley/v1/topics").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["isDefault"], true);
    let names: Vec<&str> = r.body["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Pricing") && names.contains(&"Next Steps"),
        "{names:?}"
    );

    let f = fixture(&s).await;
    import(&s, &f.call, VTT).await;
    let r = s
        .send(
            Method::PUT,
            "/parley/v1/topics",
            Some(
                json!({"topics": [{"name": "Money", "keywords": ["budget", "price", "thousand"]}]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    s.run_analysis_jobs(None).await;
    let c = extensive(&s, &f.call).await;
    let topics = c["content"]["topics"].as_array().unwrap();
    assert!(topics.iter().all(|t| t["name"] == "Money"), "{topics:?}");
    assert!(!topics.is_empty());

    for body in [
        json!({"topics": [{"name": "", "keywords": ["x"]}]}),
        json!({"topics": [{"name": "A", "keywords": []}]}),
        json!({"topics": [{"name": "A", "keywords": ["x"]}, {"name": "a", "keywords": ["y"]}]}),
        json!({"topics": "none"}),
    ] {
        let r = s.send(Method::PUT, "/parley/v1/topics", Some(body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    }
}

fn stats_filter(from: &str, to: &str) -> Value {
    json!({"filter": {"fromDate": from, "toDate": to}})
}

#[tokio::test]
async fn interaction_stats_per_user_over_a_date_range() {
    let s = TestServer::start().await;
    let f = fixture(&s).await;
    import(&s, &f.call, VTT).await;
    s.run_analysis_jobs(None).await;

    let r = s
        .post(
            "/v2/stats/interaction",
            stats_filter("2024-03-01", "2024-04-01"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["timeZone"], "UTC");
    assert_eq!(r.body["fromDateTime"], "2024-03-01T00:00:00+00:00");
    assert_eq!(r.body["toDateTime"], "2024-04-01T00:00:00+00:00");
    let people = r.body["peopleInteractionStats"].as_array().unwrap();
    assert_eq!(people.len(), 1, "only the rep spoke for the company");
    assert_eq!(people[0]["userId"], json!(f.rep));
    assert_eq!(people[0]["userEmailAddress"], "rita@acme.example.com");
    let st = &people[0]["personInteractionStats"];
    assert!(close(stat(st, "Talk Ratio"), 14.0 / 26.5), "{st}");
    assert!(
        close(stat(st, "Question Rate"), 2.0 / (29.0 / 3600.0)),
        "{st}"
    );
    let names: Vec<&str> = st
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Talk Ratio",
            "Longest Monologue",
            "Longest Customer Story",
            "Interactivity",
            "Patience",
            "Question Rate"
        ]
    );
    insta::assert_json_snapshot!(
        "stats_interaction",
        stats_snapshot(
            &r.body,
            "peopleInteractionStats",
            &[(f.rep.clone(), "USER_RITA".into())]
        )
    );

    // The call is outside this range: Gong's "no stats" 404.
    let r = s
        .post(
            "/v2/stats/interaction",
            stats_filter("2024-04-01", "2024-05-01"),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "No stats found");
    // Another user's stats only.
    let mut body = stats_filter("2024-03-01", "2024-04-01");
    body["filter"]["userIds"] = json!([f.manager]);
    let r = s.post("/v2/stats/interaction", body).await;
    assert_error(&r, StatusCode::NOT_FOUND, "No stats found");
}

/// `GET /parley/v1/stats/interaction/averages`: each rep's stats over the period, then
/// their mean; with one rep that is the rep's own, named as a call's stats are.
#[tokio::test]
async fn team_averages_over_a_period() {
    let s = TestServer::start().await;
    let f = fixture(&s).await;
    import(&s, &f.call, VTT).await;
    s.run_analysis_jobs(None).await;

    let path = "/parley/v1/stats/interaction/averages";
    let r = s
        .get(&format!("{path}?fromDate=2024-03-01&toDate=2024-04-01"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["users"].clone(), r.body["calls"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(r.body["fromDateTime"], "2024-03-01T00:00:00+00:00");
    let person = s
        .post(
            "/v2/stats/interaction",
            stats_filter("2024-03-01", "2024-04-01"),
        )
        .await;
    assert_eq!(
        r.body["interactionStats"],
        person.body["peopleInteractionStats"][0]["personInteractionStats"]
    );
    assert!(close(
        stat(&r.body["interactionStats"], "Talk Ratio"),
        14.0 / 26.5
    ));

    // Nobody's calls in the period: an empty average, not an error.
    let r = s
        .get(&format!("{path}?fromDate=2024-04-01&toDate=2024-05-01"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["users"], 0);
    assert_eq!(r.body["interactionStats"], json!([]));

    for (query, message) in [
        ("", "fromDate is required"),
        ("?fromDate=2024-03-01", "toDate is required"),
        (
            "?fromDate=2024-03-01&toDate=2024-03-01",
            "toDate must be after fromDate",
        ),
        ("?fromDate=2024-13-01&toDate=2024-03-02", "fromDate:"),
        (
            "?fromDate=2023-01-01&toDate=2024-03-01",
            "the period is 425 days; at most 366 are averaged at once",
        ),
    ] {
        let r = s.get(&format!("{path}{query}")).await;
        assert_error(&r, StatusCode::BAD_REQUEST, message);
    }
}

#[tokio::test]
async fn stats_filters_are_validated() {
    let s = TestServer::start().await;
    fixture(&s).await;
    for path in [
        "/v2/stats/interaction",
        "/v2/stats/activity/aggregate",
        "/v2/stats/activity/aggregate-by-period",
        "/v2/stats/activity/day-by-day",
    ] {
        let cases = [
            (json!({}), "filter is required"),
            (
                json!({"filter": {"toDate": "2024-03-01"}}),
                "filter.fromDate is required",
            ),
            (
                json!({"filter": {"fromDate": "2024-03-01"}}),
                "filter.toDate is required",
            ),
            (stats_filter("2024-13-01", "2024-03-02"), "filter.fromDate"),
            (stats_filter("2024-03-05", "2024-03-01"), "must be after"),
            (stats_filter("2024-03-05", "2024-03-05"), "must be after"),
            (
                json!({"filter": {"fromDate": 20240301, "toDate": "2024-03-02"}}),
                "fromDate",
            ),
            (
                json!({"filter": {"fromDate": "2024-03-01", "toDate": "2024-03-02", "createdFromDateTime": "yesterday"}}),
                "createdFromDateTime",
            ),
        ];
        for (body, message) in cases {
            let mut body = body;
            body["aggregationPeriod"] = json!("WEEK");
            let r = s.post(path, body.clone()).await;
            assert_error(&r, StatusCode::BAD_REQUEST, message);
        }
        let mut body = stats_filter("2024-03-01", "2024-04-01");
        body["aggregationPeriod"] = json!("WEEK");
        body["filter"]["userIds"] = json!(["1234567890123456789"]);
        let r = s.post(path, body).await;
        assert_error(
            &r,
            StatusCode::NOT_FOUND,
            "User ID 1234567890123456789 was not found",
        );
        let r = s
            .raw(
                s.client
                    .post(format!("{}{path}", s.base))
                    .basic_auth(&s.key, Some(&s.secret))
                    .body("{not json"),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
    }
    let mut body = stats_filter("2024-03-01", "2024-04-01");
    body["aggregationPeriod"] = json!("FORTNIGHT");
    let r = s.post("/v2/stats/activity/aggregate-by-period", body).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "aggregationPeriod");
    let r = s
        .post(
            "/v2/stats/activity/aggregate-by-period",
            stats_filter("2024-03-01", "2024-04-01"),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "aggregationPeriod is required");
}

async fn record(s: &TestServer, body: Value) -> Value {
    let r = s.post("/parley/v1/activity", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

#[tokio::test]
async fn activity_stats_count_calls_from_call_data_and_the_event_log() {
    let s = TestServer::start().await;
    let f = fixture(&s).await;
    let at = "2024-03-06T09:00:00Z";
    record(
        &s,
        json!({"kind": "listen", "userId": f.rep, "callId": f.call, "at": at}),
    )
    .await;
    record(
        &s,
        json!({"kind": "listen", "userId": f.manager, "callId": f.call, "at": at}),
    )
    .await;
    // Listening twice to one call counts one call.
    record(&s, json!({"kind": "listen", "userId": f.manager, "callId": f.call, "at": "2024-03-07T09:00:00Z"})).await;
    record(
        &s,
        json!({"kind": "comment", "userId": f.manager, "callId": f.call, "at": at}),
    )
    .await;
    record(&s, json!({"kind": "scorecard", "userId": f.manager, "callId": f.call, "subjectUserId": f.rep, "at": at})).await;
    record(
        &s,
        json!({"kind": "share-external", "userId": f.rep, "callId": f.call, "at": at}),
    )
    .await;

    for (body, message, status) in [
        (
            json!({"kind": "wave", "userId": f.rep, "callId": f.call}),
            "kind",
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"kind": "listen", "userId": "42", "callId": f.call}),
            "User ID 42 was not found",
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"kind": "listen", "userId": f.rep, "callId": "42"}),
            "Call ID 42 was not found",
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"kind": "listen", "userId": f.rep, "callId": f.call, "at": "soon"}),
            "at",
            StatusCode::BAD_REQUEST,
        ),
        (json!({"kind": "listen"}), "userId", StatusCode::BAD_REQUEST),
    ] {
        let r = s.post("/parley/v1/activity", body).await;
        assert_error(&r, status, message);
    }
    // A member records their own listens, not someone else's (the company key above may).
    let rita = common::key(&s, Some(&f.rep), None).await;
    let as_rita =
        |user: &str| json!({"kind": "listen", "userId": user, "callId": f.call, "at": at});
    let r = common::send_as(
        &s,
        &rita,
        Method::POST,
        "/parley/v1/activity",
        Some(as_rita(&f.manager)),
    )
    .await;
    assert_error(
        &r,
        StatusCode::FORBIDDEN,
        "userId must be your own: only admins record activity for other users",
    );
    let r = common::send_as(
        &s,
        &rita,
        Method::POST,
        "/parley/v1/activity",
        Some(as_rita(&f.rep)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let r = s
        .post(
            "/v2/stats/activity/aggregate",
            stats_filter("2024-03-01", "2024-04-01"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let users = r.body["usersAggregateActivityStats"].as_array().unwrap();
    let of = |id: &str| {
        users.iter().find(|u| u["userId"] == id).unwrap()["userAggregateActivityStats"].clone()
    };
    let rep = of(&f.rep);
    assert_eq!(rep["callsAsHost"], 1);
    assert_eq!(rep["ownCallsListenedTo"], 1);
    assert_eq!(rep["callsCommentsReceived"], 1);
    assert_eq!(rep["callsScorecardsReceived"], 1);
    assert_eq!(rep["callsSharedExternally"], 1);
    assert_eq!(rep["othersCallsListenedTo"], 0);
    assert_eq!(rep.as_object().unwrap().len(), 15);
    let mona = of(&f.manager);
    assert_eq!(mona["othersCallsListenedTo"], 1);
    assert_eq!(mona["callsCommentsGiven"], 1);
    assert_eq!(mona["callsScorecardsFilled"], 1);
    assert_eq!(mona["callsAsHost"], 0);
    let names = [
        (f.rep.clone(), "USER_RITA".to_owned()),
        (f.manager.clone(), "USER_MONA".to_owned()),
        (f.call.clone(), "CALL".to_owned()),
    ];
    insta::assert_json_snapshot!(
        "activity_aggregate",
        stats_snapshot(&r.body, "usersAggregateActivityStats", &names)
    );

    // By week (Monday starts), clipped to the range.
    let mut body = stats_filter("2024-03-01", "2024-03-15");
    body["aggregationPeriod"] = json!("WEEK");
    let r = s.post("/v2/stats/activity/aggregate-by-period", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    insta::assert_json_snapshot!(
        "activity_by_week",
        stats_snapshot(&r.body, "usersAggregateActivity", &names)
    );
    let rep = r.body["usersAggregateActivity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userId"] == json!(f.rep))
        .unwrap()["userAggregateActivity"]
        .clone();
    let weeks = rep.as_array().unwrap();
    assert_eq!(weeks.len(), 3);
    assert_eq!(weeks[0]["fromDate"], "2024-03-01T00:00:00+00:00");
    assert_eq!(weeks[0]["toDate"], "2024-03-04T00:00:00+00:00");
    assert_eq!(weeks[1]["callsAsHost"], 1);
    assert_eq!(weeks[0]["callsAsHost"], 0);
    assert_eq!(weeks[2]["toDate"], "2024-03-15T00:00:00+00:00");

    // Day by day: call ids per day.
    let r = s
        .post(
            "/v2/stats/activity/day-by-day",
            stats_filter("2024-03-04", "2024-03-08"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    insta::assert_json_snapshot!(
        "activity_day_by_day",
        stats_snapshot(&r.body, "usersDetailedActivities", &names)
    );
    let mona = r.body["usersDetailedActivities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userId"] == json!(f.manager))
        .unwrap()["userDailyActivityStats"]
        .clone();
    let days = mona.as_array().unwrap();
    assert_eq!(days.len(), 4);
    assert_eq!(days[2]["othersCallsListenedTo"], json!([f.call]));
    assert_eq!(days[3]["othersCallsListenedTo"], json!([f.call]));
    assert_eq!(days[0]["othersCallsListenedTo"], json!([]));
}

/// Gong puts no cap on a day-by-day range: a multi-year window is answered from the first
/// day with activity to the last, in blocks of `max_stats_periods` days, the cursor going
/// from one block to the next.
#[tokio::test]
async fn day_by_day_answers_a_multi_year_range_in_blocks() {
    let s = TestServer::start_with(|c| {
        c.max_stats_periods = 10;
        c.page_size = 1;
    })
    .await;
    let u = s.user("old@acme.example.com", "Old", "Timer").await;
    let early = s
        .call(common::call_body("y2021", &u, "2021-03-05T10:00:00Z"))
        .await;
    let late = s
        .call(common::call_body("y2024", &u, "2024-03-05T10:00:00Z"))
        .await;
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut body = stats_filter("2019-01-01", "2025-01-01");
        if let Some(c) = &cursor {
            body["cursor"] = json!(c);
        }
        let r = s.post("/v2/stats/activity/day-by-day", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["records"]["totalRecords"], 2, "{}", r.body);
        let rows = r.body["usersDetailedActivities"].as_array().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["userId"], json!(u));
        pages.push(rows[0]["userDailyActivityStats"].clone());
        match r.body["records"]["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(pages.len() < 3, "more pages than blocks with activity");
    }
    assert_eq!(pages.len(), 2);
    // The first block starts on the first day with activity and is ten days long.
    let first = pages[0].as_array().unwrap();
    assert_eq!(first.len(), 10);
    assert_eq!(first[0]["fromDate"], "2021-03-05T00:00:00+00:00");
    assert_eq!(first[0]["callsAsHost"], json!([early]));
    assert_eq!(first[1]["callsAsHost"], json!([]));
    assert_eq!(first[9]["toDate"], "2021-03-15T00:00:00+00:00");
    // The last block (1,096 days on: block 109 starts on day 1,090) ends after the last
    // day with activity.
    let last = pages[1].as_array().unwrap();
    assert_eq!(last.len(), 7);
    assert_eq!(last[0]["fromDate"], "2024-02-28T00:00:00+00:00");
    assert_eq!(last[6]["callsAsHost"], json!([late]));
    assert_eq!(last[6]["toDate"], "2024-03-06T00:00:00+00:00");

    // A short range is still one element per day of the range, activity or not.
    let r = s
        .post(
            "/v2/stats/activity/day-by-day",
            stats_filter("2024-03-01", "2024-03-08"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let days = r.body["usersDetailedActivities"][0]["userDailyActivityStats"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(days.len(), 7);
    assert_eq!(days[4]["callsAsHost"], json!([late]));
    // A long range with no activity at all: Gong's 404.
    let r = s
        .post(
            "/v2/stats/activity/day-by-day",
            stats_filter("2010-01-01", "2020-01-01"),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "No stats found");
}

/// `createdFromDateTime`/`createdToDateTime` bound the users' creation time.
#[tokio::test]
async fn stats_created_window_selects_users_by_creation_time() {
    let s = TestServer::start().await;
    let f = fixture(&s).await;
    for path in [
        "/v2/stats/activity/aggregate",
        "/v2/stats/activity/aggregate-by-period",
        "/v2/stats/activity/day-by-day",
    ] {
        let send = |created: Value| {
            let mut body = stats_filter("2024-03-01", "2024-04-01");
            body["aggregationPeriod"] = json!("MONTH");
            for (k, v) in created.as_object().unwrap() {
                body["filter"][k] = v.clone();
            }
            s.post(path, body)
        };
        // Everyone here was created now: a window in the past holds no one.
        let r = send(json!({"createdToDateTime": "2020-01-01T00:00:00Z"})).await;
        assert_error(&r, StatusCode::NOT_FOUND, "No stats found");
        let r = send(json!({"createdFromDateTime": "2999-01-01T00:00:00Z"})).await;
        assert_error(&r, StatusCode::NOT_FOUND, "No stats found");
        // A window around now holds the host, and the userIds filter still applies.
        let r = send(json!({"createdFromDateTime": "2020-01-01T00:00:00Z"})).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let text = r.body.to_string();
        assert!(text.contains(&f.rep), "{path}: {text}");
        let r =
            send(json!({"createdFromDateTime": "2020-01-01T00:00:00Z", "userIds": [f.manager]}))
                .await;
        assert_error(&r, StatusCode::NOT_FOUND, "No stats found");
    }
}

#[tokio::test]
async fn stats_pages_by_user_with_a_cursor() {
    let s = TestServer::start_with(|c| c.page_size = 2).await;
    let mut users = Vec::new();
    for i in 0..5 {
        let u = s
            .user(&format!("u{i}@acme.example.com"), "U", &format!("{i}"))
            .await;
        let call = s
            .call(common::call_body(
                &format!("p{i}"),
                &u,
                "2024-03-05T10:00:00Z",
            ))
            .await;
        record(
            &s,
            json!({"kind": "listen", "userId": u, "callId": call, "at": "2024-03-06T10:00:00Z"}),
        )
        .await;
        users.push(u);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0..3 {
        let mut body = stats_filter("2024-03-01", "2024-04-01");
        if let Some(c) = &cursor {
            body["cursor"] = json!(c);
        }
        let r = s.post("/v2/stats/activity/aggregate", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["records"]["totalRecords"], 5);
        assert_eq!(r.body["records"]["currentPageNumber"], page);
        for u in r.body["usersAggregateActivityStats"].as_array().unwrap() {
            seen.push(u["userId"].as_str().unwrap().to_owned());
        }
        cursor = r.body["records"]["cursor"].as_str().map(str::to_owned);
    }
    assert!(cursor.is_none());
    users.sort();
    assert_eq!(seen, users);
    // A cursor of another filter is refused.
    let r = s
        .post(
            "/v2/stats/activity/aggregate",
            stats_filter("2024-03-01", "2024-04-01"),
        )
        .await;
    let c = r.body["records"]["cursor"].as_str().unwrap().to_owned();
    let mut body = stats_filter("2024-03-02", "2024-04-01");
    body["cursor"] = json!(c);
    let r = s.post("/v2/stats/activity/aggregate", body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

#[tokio::test]
async fn analysis_can_be_requested_for_one_call_or_all() {
    let s = TestServer::start().await;
    let f = fixture(&s).await;
    let r = s
        .post(&format!("/parley/v1/calls/{}/analyze", f.call), json!({}))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "no transcript");
    let r = s.post("/parley/v1/calls/42/analyze", json!({})).await;
    assert_error(&r, StatusCode::NOT_FOUND, "Call ID 42 was not found");
    let r = s
        .get(&format!("/parley/v1/calls/{}/analysis", f.call))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "has not been analysed");

    import(&s, &f.call, VTT).await;
    s.run_analysis_jobs(None).await;
    let r = s
        .post(&format!("/parley/v1/calls/{}/analyze", f.call), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(s.run_analysis_jobs(None).await, 1);
    let r = s.post("/parley/v1/analyze", json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    // The "all" job queues one job per transcribed call, which then run.
    assert_eq!(s.run_analysis_jobs(None).await, 2);
    let r = s
        .post("/parley/v1/analyze", json!({"workspaceId": "77"}))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "Workspace not found");
}

/// A stand-in for an OpenAI-compatible endpoint: answers every chat completion with
/// `reply` (or fails with 503 when `reply` is None) and counts requests.
async fn fake_llm(
    reply: Option<String>,
) -> (String, Arc<AtomicUsize>, Arc<std::sync::Mutex<Vec<Value>>>) {
    use axum::routing::post;
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (h, sn) = (hits.clone(), seen.clone());
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(move |axum::Json(body): axum::Json<Value>| {
            let (h, sn, reply) = (h.clone(), sn.clone(), reply.clone());
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                sn.lock().unwrap().push(body);
                match reply {
                    Some(r) => (
                        axum::http::StatusCode::OK,
                        axum::Json(
                            json!({"choices": [{"message": {"role": "assistant", "content": r}}]}),
                        ),
                    ),
                    None => (
                        axum::http::StatusCode::SERVICE_UNAVAILABLE,
                        axum::Json(json!({"error": "overloaded"})),
                    ),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/v1"), hits, seen)
}

fn llm(url: &str) -> Arc<parley_app::analysis::LlmEngine> {
    Arc::new(
        parley_app::analysis::LlmEngine::new(parley_app::analysis::LlmConfig {
            url: url.to_owned(),
            model: "tiny-test-model".into(),
            api_key: Some("sk-test-secret".into()),
            timeout: Duration::from_secs(10),
            max_prompt_chars: 20_000,
        })
        .unwrap(),
    )
}

#[tokio::test]
async fn an_llm_engine_writes_the_summary_once_and_is_recorded() {
    let s = TestServer::start().await;
    let f = fixture(&s).await;
    let reply = r#"{"brief": "Carl compares Acme and Globex; Rita will send a proposal.",
        "key_points": [{"text": "Budget is about fifty thousand", "line": 3}],
        "next_steps": [{"text": "Send a proposal by Friday", "line": 4}],
        "outcome": "follow-up-agreed"}"#;
    let (url, hits, seen) = fake_llm(Some(reply.to_owned())).await;
    let engine = llm(&url);
    import(&s, &f.call, VTT).await;
    s.run_analysis_jobs(Some(engine.clone())).await;
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    let sent = seen.lock().unwrap()[0].clone();
    assert_eq!(sent["model"], "tiny-test-model");
    assert_eq!(sent["temperature"], 0);
    assert!(sent["messages"][1]["content"]
        .as_str()
        .unwrap()
        .contains("[3] 00:12 Customer"));

    let c = extensive(&s, &f.call).await;
    let content = &c["content"];
    assert_eq!(
        content["brief"],
        "Carl compares Acme and Globex; Rita will send a proposal."
    );
    assert_eq!(
        content["keyPoints"],
        json!([{"text": "Budget is about fifty thousand"}])
    );
    let action = &content["pointsOfInterest"]["actionItems"][0];
    assert_eq!(action["snippet"], "Send a proposal by Friday");
    assert_eq!(action["snippetStartTime"], 20.5);
    assert_eq!(content["callOutcome"]["name"], "Follow-up Agreed");
    let a = s
        .get(&format!("/parley/v1/calls/{}/analysis", f.call))
        .await;
    let engine_rec = &a.body["analysis"]["engine"];
    assert_eq!(engine_rec["engine"], "llm");
    assert_eq!(engine_rec["model"], "tiny-test-model");
    assert!(engine_rec["prompt"]
        .as_str()
        .unwrap()
        .contains("Sounds good"));
    assert!(!a.body.to_string().contains("sk-test-secret"));

    // Analysed again with the same engine: the same result, without asking the model.
    s.post(&format!("/parley/v1/calls/{}/analyze", f.call), json!({}))
        .await;
    s.run_analysis_jobs(Some(engine)).await;
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!(extensive(&s, &f.call).await["content"], c["content"]);
}

#[tokio::test]
async fn an_unreachable_llm_fails_the_job_with_its_reason_and_retries() {
    let s = TestServer::start().await;
    let f = fixture(&s).await;
    let (url, hits, _) = fake_llm(None).await;
    import(&s, &f.call, VTT).await;
    s.run_analysis_jobs(Some(llm(&url))).await;
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    let jobs = s.get(&format!("/parley/v1/calls/{}/jobs", f.call)).await;
    let job = jobs.body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["kind"] == "analyze")
        .unwrap()
        .clone();
    assert_eq!(job["state"], "queued", "retried later: {job}");
    assert!(job["error"].as_str().unwrap().contains("503"), "{job}");
}

#[tokio::test]
async fn every_analysis_route_needs_a_key() {
    let s = TestServer::start().await;
    for (method, path) in [
        (Method::GET, "/v2/settings/trackers"),
        (Method::POST, "/v2/stats/interaction"),
        (Method::POST, "/v2/stats/activity/aggregate"),
        (Method::POST, "/v2/stats/activity/aggregate-by-period"),
        (Method::POST, "/v2/stats/activity/day-by-day"),
        (Method::GET, "/parley/v1/trackers"),
        (Method::POST, "/parley/v1/trackers"),
        (Method::PUT, "/parley/v1/trackers/1"),
        (Method::DELETE, "/parley/v1/trackers/1"),
        (Method::GET, "/parley/v1/topics"),
        (Method::PUT, "/parley/v1/topics"),
        (Method::POST, "/parley/v1/analyze"),
        (Method::POST, "/parley/v1/calls/1/analyze"),
        (Method::GET, "/parley/v1/calls/1/analysis"),
        (Method::POST, "/parley/v1/activity"),
    ] {
        let r = s
            .raw(
                s.client
                    .request(method.clone(), format!("{}{path}", s.base))
                    .basic_auth(&s.key, Some("wrong-secret")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        let r = s
            .raw(
                s.client
                    .request(method.clone(), format!("{}{path}", s.base)),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
}

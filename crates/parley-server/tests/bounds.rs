//! Bounded work whatever is sent (issue 12): every limit answers a clear 4xx (or 503) in
//! Gong's error body, naming the setting to raise.

mod common;

use std::time::Duration;

use common::{assert_error, call_body, TestServer};
use gong_api_v2::transcript::CallTranscript;
use parley_domain::{talk_time, CallId};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn by_period(from: &str, to: &str, period: &str) -> Value {
    json!({"filter": {"fromDate": from, "toDate": to}, "aggregationPeriod": period})
}

/// The `Authorization` header reqwest would send for the test key.
fn basic_auth(s: &TestServer) -> String {
    let req = s
        .client
        .get(&s.base)
        .basic_auth(&s.key, Some(&s.secret))
        .build()
        .unwrap();
    req.headers()["authorization"].to_str().unwrap().to_owned()
}

async fn connect(s: &TestServer) -> TcpStream {
    TcpStream::connect(s.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads what the server sends until it closes the connection or a whole JSON body has
/// arrived; `None` if nothing ends within 20 s (a guard, not a measurement).
async fn read_answer(conn: &mut TcpStream) -> Option<String> {
    let mut out = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match conn.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
            let text = String::from_utf8_lossy(&out);
            if text.contains("\r\n\r\n") && text.trim_end().ends_with('}') {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .ok()?;
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[tokio::test]
async fn stats_dates_outside_the_calendar_are_400s_not_500s() {
    let s = TestServer::start().await;
    let path = "/v2/stats/activity/aggregate-by-period";
    for (from, to) in [
        ("-262000-01-01", "2024-01-01"),
        ("2024-01-01", "+262000-01-01"),
        // Near chrono's first date a WEEK period's Monday overflowed: a panic, a 500.
        ("-262143-01-03", "-262143-01-20"),
        ("1969-12-31", "2024-01-01"),
    ] {
        let r = s.post(path, by_period(from, to, "WEEK")).await;
        assert_error(
            &r,
            StatusCode::BAD_REQUEST,
            "outside the years 1970 to 9999",
        );
    }
    let r = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"fromDateTime": "0001-01-01T00:00:00Z"}}),
        )
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "outside the years 1970 to 9999",
    );
}

#[tokio::test]
async fn aggregate_by_period_spans_at_most_max_stats_periods() {
    let s = TestServer::start().await;
    let path = "/v2/stats/activity/aggregate-by-period";
    // 100 years of days: 200 MB and +1.7 GB before the limit.
    let r = s
        .post(path, by_period("2000-01-01", "2100-01-01", "DAY"))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "max_stats_periods");
    assert_error(&r, StatusCode::BAD_REQUEST, "1000 periods of DAY");
    // The same range in years is fine (no activity: Gong's 404).
    let r = s
        .post(path, by_period("2000-01-01", "2100-01-01", "YEAR"))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "No stats found");
}

#[tokio::test]
async fn a_page_of_periods_is_cut_to_request_memory_bytes() {
    // Twelve months of two users: a budget of one user's months gives one user a page.
    let s = TestServer::start_with(|c| c.request_memory_bytes = 12 * 2048).await;
    let a = s.user("a@acme.example.com", "Ann", "A").await;
    let b = s.user("b@acme.example.com", "Bob", "B").await;
    s.call(call_body("a1", &a, "2024-03-05T10:00:00Z")).await;
    s.call(call_body("b1", &b, "2024-04-05T10:00:00Z")).await;
    let path = "/v2/stats/activity/aggregate-by-period";
    let r = s
        .post(path, by_period("2024-01-01", "2025-01-01", "MONTH"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["records"]["currentPageSize"], 1, "{}", r.body);
    assert_eq!(r.body["records"]["totalRecords"], 2);
    let rows = r.body["usersAggregateActivity"].as_array().unwrap();
    assert_eq!(
        rows[0]["userAggregateActivity"].as_array().unwrap().len(),
        12
    );
    let cursor = r.body["records"]["cursor"].as_str().unwrap().to_owned();
    let mut next = by_period("2024-01-01", "2025-01-01", "MONTH");
    next["cursor"] = json!(cursor);
    let r = s.post(path, next).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ids: Vec<&str> = [&rows[0], &r.body["usersAggregateActivity"][0]]
        .iter()
        .map(|u| u["userId"].as_str().unwrap())
        .collect();
    let mut expected = vec![a.as_str(), b.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    assert!(r.body["records"].get("cursor").is_none());
}

#[tokio::test]
async fn filters_name_at_most_max_filter_ids_distinct_ids() {
    let s = TestServer::start_with(|c| {
        c.max_filter_ids = 10;
        c.max_json_bytes = 8 * 1024 * 1024;
    })
    .await;
    let user = s.user("rep@acme.example.com", "Rita", "Rep").await;
    s.call(call_body("c1", &user, "2024-03-05T10:00:00Z")).await;
    let many: Vec<String> = (0..11)
        .map(|i| format!("{}", 1_000_000_000_000_000_000i64 + i))
        .collect();
    let r = s
        .post(
            "/v2/stats/activity/aggregate",
            json!({"filter": {"fromDate": "2024-03-01", "toDate": "2024-04-01", "userIds": many}}),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "max_filter_ids");
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "filter.userIds has 11 distinct ids",
    );
    for field in ["callIds", "primaryUserIds"] {
        let r = s
            .post("/v2/calls/extensive", json!({"filter": {field: many}}))
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST, "max_filter_ids");
    }
    let r = s
        .post("/v2/users/extensive", json!({"filter": {"userIds": many}}))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "max_filter_ids");
    // 90,000 copies of one id are one id: looked up once, counted once.
    let same = vec![user.clone(); 90_000];
    let r = s
        .post(
            "/v2/stats/activity/aggregate",
            json!({"filter": {"fromDate": "2024-03-01", "toDate": "2024-04-01", "userIds": same}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["records"]["totalRecords"], 1);
    // An unknown id among known ones is still Gong's 404, naming it.
    let r = s
        .post(
            "/v2/stats/activity/aggregate",
            json!({"filter": {"fromDate": "2024-03-01", "toDate": "2024-04-01", "userIds": [user, "42"]}}),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "User ID 42 was not found");
}

#[tokio::test]
async fn calls_over_the_size_limits_are_refused() {
    let s = TestServer::start().await;
    let user = s.user("rep@acme.example.com", "Rita", "Rep").await;

    let mut body = call_body("many-parties", &user, "2024-03-05T10:00:00Z");
    let parties = body["parties"].as_array_mut().unwrap();
    for i in 0..1_000 {
        parties.push(json!({"name": format!("Guest {i}")}));
    }
    let r = s.post("/v2/calls", body).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "max_call_parties");
    assert_error(&r, StatusCode::BAD_REQUEST, "parties has 1002 entries");

    let mut body = call_body("many-fields", &user, "2024-03-05T10:00:00Z");
    let fields: Vec<Value> = (0..1_001)
        .map(|i| json!({"name": format!("f{i}"), "value": i}))
        .collect();
    body["context"] = json!([{"system": "Salesforce", "objects": [
        {"objectType": "Account", "objectId": "A1", "fields": fields}
    ]}]);
    let r = s.post("/v2/calls", body).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "max_crm_fields");

    let mut body = call_body("huge-duration", &user, "2024-03-05T10:00:00Z");
    body["duration"] = json!(1e300);
    let r = s.post("/v2/calls", body).await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "duration must be at most 604800 seconds",
    );

    // At the limits, the call is made.
    let mut body = call_body("at-limits", &user, "2024-03-05T10:00:00Z");
    body["duration"] = json!(604_800);
    s.call(body).await;
}

#[tokio::test]
async fn transcripts_over_max_transcript_sentences_are_refused() {
    let s = TestServer::start().await;
    let user = s.user("rep@acme.example.com", "Rita", "Rep").await;
    let call = s.call(call_body("t1", &user, "2024-03-05T10:00:00Z")).await;
    let mut vtt = String::from("WEBVTT\n\n");
    for i in 0..50_001u64 {
        let (a, b) = (i * 100, i * 100 + 90);
        vtt.push_str(&format!(
            "{:02}:{:02}:{:02}.{:03} --> {:02}:{:02}:{:02}.{:03}\n<v Rita Rep>Hi.\n\n",
            a / 3_600_000,
            a / 60_000 % 60,
            a / 1000 % 60,
            a % 1000,
            b / 3_600_000,
            b / 60_000 % 60,
            b / 1000 % 60,
            b % 1000
        ));
    }
    let r = s.put_transcript(&call, "vtt", &vtt).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "max_transcript_sentences");
    assert_error(&r, StatusCode::BAD_REQUEST, "50001 sentences");
}

#[tokio::test]
async fn extensive_pages_are_cut_to_request_memory_bytes() {
    let s = TestServer::start_with(|c| c.request_memory_bytes = 1).await;
    let user = s.user("rep@acme.example.com", "Rita", "Rep").await;
    let mut made = Vec::new();
    for i in 0..3 {
        let start = format!("2024-03-0{}T10:00:00Z", i + 1);
        made.push(s.call(call_body(&format!("c{i}"), &user, &start)).await);
    }
    let selector = json!({"exposedFields": {"parties": true}});
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 1..=3 {
        let mut body = json!({"filter": {}, "contentSelector": selector});
        if let Some(c) = &cursor {
            body["cursor"] = json!(c);
        }
        let r = s.post("/v2/calls/extensive", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let records = &r.body["records"];
        assert_eq!(records["currentPageSize"], 1, "{}", r.body);
        assert_eq!(records["currentPageNumber"], page - 1);
        assert_eq!(records["totalRecords"], 3);
        for c in r.body["calls"].as_array().unwrap() {
            seen.push(c["metaData"]["id"].as_str().unwrap().to_owned());
        }
        cursor = records["cursor"].as_str().map(str::to_owned);
        assert_eq!(cursor.is_some(), page < 3, "{}", r.body);
    }
    seen.sort();
    made.sort();
    assert_eq!(seen, made);
    // Transcripts are paged the same way.
    let r = s.post("/v2/calls/transcript", json!({"filter": {}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["records"]["currentPageSize"], 1, "{}", r.body);
    assert_eq!(r.body["callTranscripts"].as_array().unwrap().len(), 1);
    assert!(r.body["records"]["cursor"].is_string());
}

#[tokio::test]
async fn requests_over_max_requests_in_flight_get_503() {
    let s = TestServer::start_with(|c| c.max_requests_in_flight = 1).await;
    // A request whose body never finishes holds the one slot.
    let mut held = connect(&s).await;
    let head = format!(
        "POST /v2/calls HTTP/1.1\r\nhost: x\r\nauthorization: {}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{",
        basic_auth(&s)
    );
    held.write_all(head.as_bytes()).await.unwrap();
    // Until the server has read it, another request may still get in.
    let mut refused = None;
    for _ in 0..200 {
        let r = s.get("/v2/workspaces").await;
        if r.status == StatusCode::SERVICE_UNAVAILABLE {
            refused = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let r = refused.expect("a second request in flight was served");
    assert_error(
        &r,
        StatusCode::SERVICE_UNAVAILABLE,
        "max_requests_in_flight",
    );
    assert_eq!(r.headers["retry-after"], "1");
    drop(held);
    // The slot frees when the held request ends.
    let mut ok = false;
    for _ in 0..200 {
        if s.get("/v2/workspaces").await.status == StatusCode::OK {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(ok, "the slot was never freed");
}

#[tokio::test]
async fn half_sent_headers_are_dropped_after_header_read_timeout() {
    let s = TestServer::start_with(|c| c.header_read_timeout_secs = 1).await;
    let mut conn = connect(&s).await;
    conn.write_all(b"GET /v2/calls HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    // The server closes the connection (hyper may say 408 first); before the limit it
    // waited forever.
    let answer = read_answer(&mut conn).await;
    assert!(answer.is_some(), "the half-sent request was kept open");
}

#[tokio::test]
async fn a_stalled_body_gets_408_naming_body_read_timeout_secs() {
    let s = TestServer::start_with(|c| c.body_read_timeout_secs = 1).await;
    let mut conn = connect(&s).await;
    let head = format!(
        "POST /v2/calls/extensive HTTP/1.1\r\nhost: x\r\nauthorization: {}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{",
        basic_auth(&s)
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let answer = read_answer(&mut conn).await.expect("no answer");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_read_timeout_secs"), "{answer}");
    assert!(answer.contains("\"requestId\""), "{answer}");
}

#[tokio::test]
async fn a_request_over_request_timeout_secs_gets_408() {
    let s = TestServer::start_with(|c| c.request_timeout_secs = 1).await;
    let mut conn = connect(&s).await;
    // The body stalls, but under the body timeout (30 s by default): the whole-request
    // timeout ends it first.
    let head = format!(
        "POST /v2/calls/extensive HTTP/1.1\r\nhost: x\r\nauthorization: {}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{",
        basic_auth(&s)
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let answer = read_answer(&mut conn).await.expect("no answer");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout_secs"), "{answer}");
}

#[tokio::test]
async fn connections_over_max_connections_wait_for_a_free_one() {
    let s = TestServer::start_with(|c| c.max_connections = 1).await;
    let idle = connect(&s).await;
    let client = reqwest::Client::new();
    let url = format!("{}/health", s.base);
    let second = tokio::spawn(async move { client.get(url).send().await.map(|r| r.status()) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !second.is_finished(),
        "a second connection was served while the first held the only slot"
    );
    drop(idle);
    let status = tokio::time::timeout(Duration::from_secs(20), second)
        .await
        .expect("the second connection was never served")
        .unwrap()
        .unwrap();
    assert_eq!(status, StatusCode::OK);
}

/// A WebVTT transcript of `n` sentences by Rita Rep and Carl Customer, the speaker
/// changing every seven sentences, every third a question.
fn long_vtt(n: u64) -> String {
    let mut vtt = String::from("WEBVTT\n\n");
    let ts = |ms: u64| {
        format!(
            "{:02}:{:02}:{:02}.{:03}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )
    };
    for i in 0..n {
        let who = if i / 7 % 2 == 0 {
            "Rita Rep"
        } else {
            "Carl Customer"
        };
        let end = if i % 3 == 0 { "?" } else { "." };
        vtt.push_str(&format!(
            "{} --> {}\n<v {who}>We talked about pricing and onboarding, sentence {i}{end}\n\n",
            ts(i * 2000),
            ts(i * 2000 + 1337)
        ));
    }
    vtt
}

/// A page of transcripts ends before the call that would take it past
/// `request_memory_bytes`; a call bigger than the budget is served alone, whole (read a
/// chunk of sentences at a time); the cursor goes on with no gap and no repeat. The
/// JSON is the stored transcript's, and the talk time of an unanalysed call (summed by
/// the store) is the whole transcript's.
#[tokio::test]
async fn transcript_pages_end_before_request_memory_bytes_and_go_on() {
    // Small calls take about 1.5 KB each; the big one about 400 KB.
    let s = TestServer::start_with(|c| c.request_memory_bytes = 100_000).await;
    let user = s.user("rep@acme.example.com", "Rita", "Rep").await;
    let mut made = Vec::new();
    for (i, sentences) in [10, 10, 3_500, 10, 10].into_iter().enumerate() {
        let start = format!("2024-03-0{}T10:00:00Z", i + 1);
        let call = s.call(call_body(&format!("c{i}"), &user, &start)).await;
        let r = s.put_transcript(&call, "vtt", &long_vtt(sentences)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        made.push(call);
    }

    let mut pages = Vec::new();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut body = json!({"filter": {}});
        if let Some(c) = &cursor {
            body["cursor"] = json!(c);
        }
        let r = s.post("/v2/calls/transcript", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["records"]["totalRecords"], 5);
        assert_eq!(r.body["records"]["currentPageNumber"], pages.len());
        let list = r.body["callTranscripts"].as_array().unwrap();
        assert_eq!(r.body["records"]["currentPageSize"], list.len());
        pages.push(list.len());
        for t in list {
            let id = t["callId"].as_str().unwrap().to_owned();
            let call = CallId(id.parse().unwrap());
            let stored = s.store.transcripts_of(&[call]).await.unwrap();
            let typed = CallTranscript::from_domain(call, &stored[&call]);
            assert_eq!(t, &serde_json::to_value(&typed).unwrap());
            seen.push(id);
        }
        cursor = r.body["records"]["cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(pages, [2, 1, 2], "the big call alone on its page");
    assert_eq!(seen, made, "every call once, in order");

    let selector = json!({"exposedFields": {"interaction": {"speakers": true, "questions": true}}});
    let r = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [made[2]]}, "contentSelector": selector}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let interaction = &r.body["calls"][0]["interaction"];
    let call = CallId(made[2].parse().unwrap());
    let t = &s.store.transcripts_of(&[call]).await.unwrap()[&call];
    let talk: Vec<f64> = talk_time(t).into_iter().map(|(_, secs)| secs).collect();
    let served: Vec<f64> = interaction["speakers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|sp| sp["talkTime"].as_f64().unwrap())
        .collect();
    assert_eq!(served, talk);
    let asked = interaction["questions"]["companyCount"].as_i64().unwrap()
        + interaction["questions"]["nonCompanyCount"]
            .as_i64()
            .unwrap();
    assert_eq!(asked, 1_167, "every third of 3,500 sentences");
}

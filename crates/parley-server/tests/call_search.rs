//! `GET /parley/v1/calls` over HTTP on a real server: the calls list's search (title,
//! participants, accounts, transcripts), filters, teams, orders and keyset pages; what a
//! member sees; every bad parameter a clear 400. (The tracker and topic filters' SQL is checked on both backends by the
//! store's conformance suite.)

mod common;

use common::{assert_error, key, send_as, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn user(s: &TestServer, email: &str, first: &str) -> String {
    s.user(email, first, "Rep").await
}

/// A call hosted by `user` with one customer, `minutes` after 9:00 on 2026-03-02.
async fn call(
    s: &TestServer,
    user: &str,
    title: &str,
    customer: &str,
    direction: &str,
    duration: i64,
    minutes: i64,
) -> String {
    let start = chrono::DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").unwrap()
        + chrono::Duration::minutes(minutes);
    s.call(json!({
        "clientUniqueId": format!("{title}-{minutes}"),
        "actualStart": start.to_rfc3339(),
        "duration": duration,
        "direction": direction,
        "primaryUser": user,
        "title": title,
        "parties": [
            {"userId": user},
            {"name": customer, "emailAddress": format!("{}@customer.example.com", customer.to_lowercase().replace(' ', "."))}
        ]
    }))
    .await
}

/// `GET /parley/v1/calls{q}`, which must answer 200.
async fn get(s: &TestServer, q: &str) -> Value {
    let r = s.get(&format!("/parley/v1/calls{q}")).await;
    assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
    r.body
}

fn ids(r: &Value) -> Vec<String> {
    r["calls"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn calls_are_searched_filtered_ordered_and_paged() {
    let s = TestServer::start().await;
    let rita = user(&s, "rita@northwind.example.com", "Rita").await;
    let sam = user(&s, "sam@northwind.example.com", "Sam").await;
    let pricing = call(
        &s,
        &rita,
        "Pricing with Acme",
        "Dana Buyer",
        "Outbound",
        600,
        0,
    )
    .await;
    let renewal = call(&s, &sam, "Renewal", "Eli Globex", "Inbound", 1800, 10).await;
    let intro = call(&s, &rita, "Intro", "Fay Stone", "Outbound", 120, 20).await;
    // Newest first by default, each with its host, customers and whether it has a recording.
    let all = get(&s, "").await;
    assert_eq!(
        ids(&all),
        [intro.as_str(), renewal.as_str(), pricing.as_str()]
    );
    assert_eq!(all["nextCursor"], Value::Null);
    let first = &all["calls"][2];
    assert_eq!(first["title"], "Pricing with Acme");
    assert_eq!(first["direction"], "Outbound");
    assert_eq!(first["duration"], 600);
    assert_eq!(first["primaryUserId"], rita.as_str());
    assert_eq!(first["primaryUserName"], "Rita Rep");
    assert_eq!(first["externalParties"], json!(["Dana Buyer"]));
    assert_eq!(first["hasRecording"], false);
    assert_eq!(
        ids(&get(&s, "?sort=oldest").await),
        [pricing.as_str(), renewal.as_str(), intro.as_str()]
    );

    // Title, a participant's name or address, in either case.
    assert_eq!(ids(&get(&s, "?q=ACME").await), [pricing.as_str()]);
    assert_eq!(ids(&get(&s, "?q=eli%20glo").await), [renewal.as_str()]);
    assert_eq!(
        ids(&get(&s, "?q=fay.stone%40customer").await),
        [intro.as_str()]
    );
    assert_eq!(
        ids(&get(&s, "?q=%25").await),
        Vec::<String>::new(),
        "% is a character"
    );
    // Facts of the call.
    assert_eq!(
        ids(&get(&s, "?direction=Inbound").await),
        [renewal.as_str()]
    );
    assert_eq!(
        ids(&get(&s, "?minDuration=300&maxDuration=600").await),
        [pricing.as_str()]
    );
    assert_eq!(
        ids(&get(&s, &format!("?primaryUserId={rita}")).await),
        [intro.as_str(), pricing.as_str()]
    );
    assert_eq!(
        ids(&get(&s, "?hasRecording=true").await),
        Vec::<String>::new()
    );
    assert_eq!(ids(&get(&s, "?hasRecording=false").await).len(), 3);
    assert_eq!(
        ids(&get(
            &s,
            "?fromDateTime=2026-03-02T09:05:00Z&toDateTime=2026-03-02T09:15:00Z"
        )
        .await),
        [renewal.as_str()]
    );

    // Keyset pages: one call a page, the cursor continues only the same search.
    let page = get(&s, "?limit=1&sort=oldest").await;
    assert_eq!(ids(&page), [pricing.as_str()]);
    let cursor = page["nextCursor"].as_str().unwrap().to_owned();
    let next = s
        .get(&format!(
            "/parley/v1/calls?limit=1&sort=oldest&cursor={cursor}"
        ))
        .await;
    assert_eq!(ids(&next.body), [renewal.as_str()]);
    let other = s
        .get(&format!(
            "/parley/v1/calls?limit=1&sort=newest&cursor={cursor}"
        ))
        .await;
    assert_error(
        &other,
        StatusCode::BAD_REQUEST,
        "cursor belongs to a request with other filters",
    );

    // A member sees their own calls only.
    let k = key(&s, Some(&sam), None).await;
    let r = send_as(&s, &k, Method::GET, "/parley/v1/calls", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(ids(&r.body), [renewal.as_str()]);
}

#[tokio::test]
async fn bad_parameters_are_400s_and_an_unknown_workspace_a_404() {
    let s = TestServer::start().await;
    for (q, message) in [
        (
            "minDuration=ten",
            "minDuration: \"ten\" is not a whole number",
        ),
        ("maxDuration=-5", "0 or more"),
        (
            "direction=Sideways",
            "direction: \"Sideways\" is not Inbound",
        ),
        (
            "hasRecording=maybe",
            "hasRecording: \"maybe\" is not true or false",
        ),
        (
            "sort=random",
            "sort: \"random\" is not newest, oldest, longest or shortest",
        ),
        ("teamOf=me", "teamOf: \"me\" is not an id"),
        ("limit=0", "limit: 0 is not from 1 to 100"),
        ("limit=101", "limit: 101 is not from 1 to 100"),
        ("trackerId=abc", "trackerId: \"abc\" is not an id"),
        ("fromDateTime=yesterday", "fromDateTime:"),
        (
            "fromDateTime=2026-03-02T00:00:00Z&toDateTime=2026-03-01T00:00:00Z",
            "toDateTime is before fromDateTime",
        ),
        ("cursor=garbage", "cursor is invalid"),
    ] {
        let r = s.get(&format!("/parley/v1/calls?{q}")).await;
        assert_error(&r, StatusCode::BAD_REQUEST, message);
    }
    let long = "x".repeat(201);
    let r = s.get(&format!("/parley/v1/calls?q={long}")).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "q: at most 200 characters");
    let r = s
        .get("/parley/v1/calls?workspaceId=1234567890123456789")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = s.get("/parley/v1/calls?teamOf=1234567890123456789").await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        "teamOf: no user 1234567890123456789",
    );
}

#[tokio::test]
async fn accounts_transcripts_teams_and_durations() {
    let s = TestServer::start().await;
    let lead = s
        .post(
            "/parley/v1/users",
            json!({"email": "lead@northwind.example.com", "firstName": "Lee", "lastName": "Lead"}),
        )
        .await
        .body["userId"]
        .as_str()
        .unwrap()
        .to_owned();
    let rep = s
        .post(
            "/parley/v1/users",
            json!({"email": "rep@northwind.example.com", "firstName": "Ray", "lastName": "Rep",
                   "managerId": lead}),
        )
        .await
        .body["userId"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = user(&s, "other@northwind.example.com", "Olga").await;
    let mut body = common::call_body("acct", &rep, "2026-03-02T09:00:00Z");
    body["duration"] = json!(900);
    body["context"] = json!([{"system": "Salesforce", "objects": [
        {"objectType": "Account", "objectId": "001INI", "fields": [{"name": "Name", "value": "Initech Ltd"}]}
    ]}]);
    let with_account = s.call(body).await;
    let said = call(&s, &other, "Weekly sync", "Hal Byer", "Inbound", 300, 30).await;
    let r = s
        .put_transcript(
            &said,
            "vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Hal Byer>Hello.\n\n             00:01:05.000 --> 00:01:09.000\n<v Hal Byer>Can we open the Pricing Page, please?\n",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let by_lead = call(&s, &lead, "Forecast", "Ivy Ives", "Outbound", 2400, 60).await;

    // An account's name, shown on the call.
    let r = get(&s, "?q=initech").await;
    assert_eq!(ids(&r), [with_account.as_str()]);
    assert_eq!(r["calls"][0]["accounts"], json!(["Initech Ltd"]));
    assert_eq!(r["calls"][0]["transcriptMatch"], Value::Null);
    // A phrase said in the transcript, quoted with its moment.
    let r = get(&s, "?q=pricing%20pag").await;
    assert_eq!(ids(&r), [said.as_str()]);
    assert_eq!(
        r["calls"][0]["transcriptMatch"],
        json!({"startMs": 65000, "text": "Can we open the Pricing Page, please?"})
    );
    assert_eq!(r["calls"][0]["accounts"], json!([]));
    assert_eq!(
        ids(&get(&s, "?q=page%20pricing").await),
        Vec::<String>::new()
    );
    // A manager's team: the manager and everyone under them.
    assert_eq!(
        ids(&get(&s, &format!("?teamOf={lead}")).await),
        [by_lead.as_str(), with_account.as_str()]
    );
    assert_eq!(
        ids(&get(&s, &format!("?teamOf={rep}")).await),
        [with_account.as_str()]
    );
    assert_eq!(
        ids(&get(&s, &format!("?teamOf={lead}&primaryUserId={other}")).await),
        Vec::<String>::new()
    );
    // By duration, in pages.
    assert_eq!(
        ids(&get(&s, "?sort=longest").await),
        [by_lead.as_str(), with_account.as_str(), said.as_str()]
    );
    let page = get(&s, "?sort=shortest&limit=2").await;
    assert_eq!(ids(&page), [said.as_str(), with_account.as_str()]);
    let next = get(
        &s,
        &format!(
            "?sort=shortest&limit=2&cursor={}",
            page["nextCursor"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(ids(&next), [by_lead.as_str()]);
}

//! What the web UI's Settings page needs, over HTTP: a draft tracker previewed over the
//! most recent transcribed calls (nothing stored; the caller's call access applies), a
//! back-fill's progress after a save, users with their roles and profiles, and what the
//! signed-in user may manage (`GET /parley/v1/session`'s `can`).

mod common;

use common::{assert_error, key, send_as, TestServer};
use parley_domain::{Role, UserId};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const VTT: &str = "WEBVTT

00:00:00.000 --> 00:00:04.000
<v Rita Rep>Hi Carl, thanks for joining today.

00:00:04.500 --> 00:00:07.000
<v Carl Customer>We are looking at Acme and Globex right now.

00:00:12.500 --> 00:00:20.000
<v Carl Customer>The price from ACME was lower, but their support is weak.
";

const OTHER_VTT: &str = "WEBVTT

00:00:00.000 --> 00:00:04.000
<v Rita Rep>Shall we talk about the roadmap?

00:00:04.500 --> 00:00:07.000
<v Carl Customer>Yes, and about the budget.
";

/// A rep with two transcribed calls (the newer one mentions Acme twice) and a call
/// without a transcript; answers the rep's id and the calls' ids, oldest first.
async fn fixture(s: &TestServer) -> (String, Vec<String>) {
    let rep = s.user("rita@acme.example.com", "Rita", "Rep").await;
    let mut calls = Vec::new();
    for (n, start) in [
        "2024-03-01T10:00:00Z",
        "2024-03-05T10:00:00Z",
        "2024-03-09T10:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let call = s
            .call(json!({
                "clientUniqueId": format!("preview-{n}"),
                "actualStart": start,
                "direction": "Outbound",
                "primaryUser": rep,
                "title": format!("Call {n}"),
                "parties": [
                    {"userId": rep, "name": "Rita Rep", "emailAddress": "rita@acme.example.com"},
                    {"name": "Carl Customer", "emailAddress": "carl@customer.example.com"}
                ]
            }))
            .await;
        calls.push(call);
    }
    for (call, vtt) in [(&calls[0], OTHER_VTT), (&calls[1], VTT)] {
        let r = s.put_transcript(call, "vtt", vtt).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    (rep, calls)
}

fn draft(keywords: &[&str]) -> Value {
    json!({"trackerName": "Competitors",
           "languageKeywords": [{"language": "eng", "keywords": keywords}]})
}

#[tokio::test]
async fn a_draft_tracker_is_previewed_over_recent_calls_and_nothing_is_stored() {
    let s = TestServer::start().await;
    let (_, calls) = fixture(&s).await;
    // The imports' own analyses, so that what is queued after the previews is theirs.
    s.run_analysis_jobs(None).await;

    let r = s
        .post("/parley/v1/trackers/preview", draft(&["Acme", "Initech"]))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Two transcribed calls read (the third has no transcript), one matched.
    assert_eq!(r.body["callsScanned"], 2, "{}", r.body);
    assert_eq!(r.body["hits"], 2);
    let matched = r.body["calls"].as_array().unwrap();
    assert_eq!(matched.len(), 1);
    assert_eq!(matched[0]["id"], calls[1].as_str());
    assert_eq!(matched[0]["title"], "Call 1");
    assert_eq!(matched[0]["started"], "2024-03-05T10:00:00Z");
    assert_eq!(matched[0]["hits"], 2);
    let snippets = matched[0]["snippets"].as_array().unwrap();
    assert_eq!(snippets.len(), 2);
    // Imported sentences have no word timings: a hit's time is placed inside its sentence.
    let at = |i: usize| snippets[i]["startMs"].as_i64().unwrap();
    assert!((4500..7000).contains(&at(0)), "{}", r.body);
    assert_eq!(snippets[0]["phrase"], "Acme");
    assert_eq!(snippets[0]["speakerName"], "Carl Customer");
    assert_eq!(snippets[0]["affiliation"], "NonCompany");
    assert_eq!(
        snippets[0]["text"],
        "We are looking at Acme and Globex right now."
    );
    assert!((12500..20000).contains(&at(1)), "{}", r.body);
    assert_eq!(
        snippets[1]["text"],
        "The price from ACME was lower, but their support is weak."
    );

    // The filters apply as in the analysis: the company side never said it.
    let mut by_company = draft(&["Acme"]);
    by_company["affiliation"] = json!("Company");
    let r = s.post("/parley/v1/trackers/preview", by_company).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["hits"], 0);
    assert!(r.body["calls"].as_array().unwrap().is_empty());

    // Only the most recent call: the older one's budget is not read.
    let r = s
        .post("/parley/v1/trackers/preview?calls=1", draft(&["budget"]))
        .await;
    assert_eq!(r.body["callsScanned"], 1, "{}", r.body);
    assert!(r.body["calls"].as_array().unwrap().is_empty());
    let r = s
        .post("/parley/v1/trackers/preview?calls=2", draft(&["budget"]))
        .await;
    assert_eq!(r.body["calls"][0]["id"], calls[0].as_str(), "{}", r.body);

    // Nothing was stored, nothing queued.
    let r = s.get("/parley/v1/trackers").await;
    assert!(r.body["keywordTrackers"].as_array().unwrap().is_empty());
    assert_eq!(s.run_analysis_jobs(None).await, 0);
}

#[tokio::test]
async fn a_bad_draft_or_a_caller_without_the_permission_gets_a_4xx() {
    let s = TestServer::start().await;
    let (rep, _) = fixture(&s).await;

    let r = s
        .post("/parley/v1/trackers/preview", json!({"trackerName": " "}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let mut bad = draft(&["Acme"]);
    bad["affiliation"] = json!("Everyone");
    let r = s.post("/parley/v1/trackers/preview", bad).await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "affiliation: \"Everyone\" is not one of Anyone, Company, NonCompany",
    );
    for q in ["calls=0", "calls=51", "calls=many"] {
        let r = s
            .post(
                &format!("/parley/v1/trackers/preview?{q}"),
                draft(&["Acme"]),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.body);
    }
    let r = s
        .send(
            Method::POST,
            "/parley/v1/trackers/preview",
            Some(json!("not an object")),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let mut elsewhere = draft(&["Acme"]);
    elsewhere["workspaceId"] = json!("123");
    let r = s.post("/parley/v1/trackers/preview", elsewhere).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // A member (the rep's own key) may not change trackers: no preview, no back-fill.
    let member = key(&s, Some(&rep), None).await;
    let r = send_as(
        &s,
        &member,
        Method::POST,
        "/parley/v1/trackers/preview",
        Some(draft(&["Acme"])),
    )
    .await;
    assert_error(&r, StatusCode::FORBIDDEN, "this needs the admin role");
    let saved = s.post("/parley/v1/trackers", draft(&["Acme"])).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let job = saved.body["job"]["id"].as_str().unwrap();
    let r = send_as(
        &s,
        &member,
        Method::GET,
        &format!("/parley/v1/trackers/backfills/{job}"),
        None,
    )
    .await;
    assert_error(&r, StatusCode::FORBIDDEN, "this needs the admin role");
}

#[tokio::test]
async fn a_saved_trackers_back_fill_is_followed_to_its_end() {
    let s = TestServer::start().await;
    let (_, calls) = fixture(&s).await;
    // The calls' own analyses first: a back-fill only redoes the trackers.
    s.run_analysis_jobs(None).await;

    let saved = s.post("/parley/v1/trackers", draft(&["Acme"])).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    assert_eq!(saved.body["job"]["kind"], "backfill-trackers");
    let job = saved.body["job"]["id"].as_str().unwrap().to_owned();
    let path = format!("/parley/v1/trackers/backfills/{job}");
    let r = s.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["job"]["id"], job.as_str());
    assert_eq!(r.body["job"]["state"], "queued");

    assert!(s.run_analysis_jobs(None).await >= 1);
    let r = s.get(&path).await;
    assert_eq!(r.body["job"]["state"], "done", "{}", r.body);
    assert!(r.body["job"]["finished"].is_string());
    // The hits are on the call.
    let r = s
        .post(
            "/v2/calls/extensive",
            json!({"filter": {"callIds": [calls[1]]},
                   "contentSelector": {"exposedFields": {"content": {"trackers": true}}}}),
        )
        .await;
    let trackers = &r.body["calls"][0]["content"]["trackers"];
    assert_eq!(trackers[0]["name"], "Competitors", "{}", r.body);
    assert_eq!(trackers[0]["count"], 2);

    // Only back-fills are found here: another job's id, an unknown one, a word.
    let jobs = s.get(&format!("/parley/v1/calls/{}/jobs", calls[1])).await;
    let other = jobs.body["jobs"][0]["id"].as_str().unwrap().to_owned();
    for id in [other.as_str(), "99999999", "abc"] {
        let r = s.get(&format!("/parley/v1/trackers/backfills/{id}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}: {}", r.body);
    }
    // A key bound to another workspace does not find it.
    let w = s
        .post("/parley/v1/workspaces", json!({"name": "Elsewhere"}))
        .await;
    assert_eq!(w.status, StatusCode::CREATED, "{}", w.body);
    let bound = key(&s, None, Some(w.body["workspaceId"].as_str().unwrap())).await;
    let r = send_as(&s, &bound, Method::GET, &path, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

const PASSWORD: &str = "correct horse battery";

/// Signs `email` in; answers `GET /parley/v1/session` read with its cookie.
async fn session_of(s: &TestServer, email: &str) -> Value {
    let resp = s
        .client
        .post(format!("{}/parley/v1/session", s.base))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let r = s
        .raw(
            s.client
                .get(format!("{}/parley/v1/session", s.base))
                .header("cookie", cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

async fn user_with_password(s: &TestServer, email: &str, role: Role) -> UserId {
    let id: i64 = s.user(email, "Some", "One").await.parse().unwrap();
    let user = UserId(id);
    parley_app::sessions::set_password(s.store.as_ref(), user, PASSWORD)
        .await
        .unwrap();
    s.store
        .set_user_role(user, role, chrono::Utc::now())
        .await
        .unwrap();
    user
}

#[tokio::test]
async fn the_session_says_what_its_user_may_manage() {
    let s = TestServer::start().await;
    user_with_password(&s, "ada@northwind.example.com", Role::Admin).await;
    let member = user_with_password(&s, "mo@northwind.example.com", Role::Member).await;

    let admin = session_of(&s, "ada@northwind.example.com").await;
    assert_eq!(admin["role"], "admin");
    for what in [
        "manageTrackers",
        "manageUsers",
        "manageProfiles",
        "manageKeys",
        "manageAutomation",
        "manageWorkspaces",
        "readJobs",
        "deleteCalls",
        "manageScorecards",
    ] {
        assert_eq!(admin["can"][what], true, "{what}: {admin}");
    }
    let mo = session_of(&s, "mo@northwind.example.com").await;
    assert_eq!(mo["role"], "member");
    for (what, v) in mo["can"].as_object().unwrap() {
        assert_eq!(*v, false, "{what}: {mo}");
    }

    // A permission profile that lets the member manage business settings opens the
    // trackers (and what the server then lets them do) and nothing else.
    let workspaces = s.get("/v2/workspaces").await;
    let ws = workspaces.body["workspaces"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let profile = s
        .post(
            &format!("/v2/permission-profile?workspaceId={ws}"),
            json!({"name": "Ops", "manageGeneralBusinessSettings": true}),
        )
        .await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    let profile_id = profile.body["profile"]["id"].as_str().unwrap().to_owned();
    let r = s
        .send(
            Method::PUT,
            &format!("/parley/v1/users/{member}/permission-profile"),
            Some(json!({"profileId": profile_id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mo = session_of(&s, "mo@northwind.example.com").await;
    assert_eq!(mo["can"]["manageTrackers"], true, "{mo}");
    assert_eq!(mo["can"]["manageKeys"], false, "{mo}");
    assert_eq!(mo["can"]["manageUsers"], false, "{mo}");
}

#[tokio::test]
async fn admins_list_users_with_roles_and_profiles_page_by_page() {
    let s = TestServer::start().await;
    let boss = user_with_password(&s, "ada@northwind.example.com", Role::Admin).await;
    let mut ids = vec![boss.to_string()];
    for n in 0..101 {
        ids.push(
            s.user(
                &format!("u{n:03}@northwind.example.com"),
                "User",
                &format!("{n:03}"),
            )
            .await,
        );
    }
    let r = s
        .send(
            Method::PUT,
            &format!("/parley/v1/users/{}/role", ids[1]),
            Some(json!({"role": "manager"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ws = s.get("/v2/workspaces").await.body["workspaces"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let profile = s
        .post(
            &format!("/v2/permission-profile?workspaceId={ws}"),
            json!({"name": "Ops", "manageGeneralBusinessSettings": true}),
        )
        .await;
    let profile_id = profile.body["profile"]["id"].as_str().unwrap().to_owned();
    let r = s
        .send(
            Method::PUT,
            &format!("/parley/v1/users/{}/permission-profile", ids[2]),
            Some(json!({"profileId": profile_id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let first = s.get("/parley/v1/users").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["users"].as_array().unwrap().len(), 100);
    let cursor = first.body["cursor"].as_str().unwrap().to_owned();
    let rest = s.get(&format!("/parley/v1/users?cursor={cursor}")).await;
    assert_eq!(
        rest.body["users"].as_array().unwrap().len(),
        2,
        "{}",
        rest.body
    );
    assert!(rest.body["cursor"].is_null());
    let users: Vec<Value> = first.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest.body["users"].as_array().unwrap())
        .cloned()
        .collect();
    let by_id = |id: &str| users.iter().find(|u| u["id"] == id).cloned().unwrap();
    assert_eq!(by_id(&ids[0])["role"], "admin");
    assert_eq!(by_id(&ids[0])["email"], "ada@northwind.example.com");
    assert_eq!(by_id(&ids[1])["role"], "manager");
    let member = by_id(&ids[2]);
    assert_eq!(member["role"], "member");
    assert_eq!(member["active"], true);
    assert_eq!(
        member["profiles"],
        json!([{"workspaceId": ws, "profileId": profile_id}])
    );
    let mut seen: Vec<String> = users
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    seen.sort();
    // A sorted copy: `ids[2]` (the member) is used below, and sorting `ids` itself made
    // it whoever's id sorts third, the admin one time in three.
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(seen, sorted);

    let r = s.get("/parley/v1/users?cursor=abc").await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "cursor \"abc\" is not a cursor this route gave",
    );
    let member_key = key(&s, Some(&ids[2]), None).await;
    let r = send_as(&s, &member_key, Method::GET, "/parley/v1/users", None).await;
    assert_error(&r, StatusCode::FORBIDDEN, "this needs the admin role");
}

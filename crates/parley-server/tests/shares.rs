//! Sharing a call outside the company over HTTP on a real server: a link made through
//! `/parley/v1/calls/{id}/shares` opens the call's transcript and recording without
//! credentials at `/parley/v1/shared/{token}` until it is revoked or expires; who may
//! make, list and revoke links; the bounds; what the holder sees (no addresses); the
//! activity it counts; and where the token never goes (the audit log).

mod common;
mod media_urls;

use common::{assert_error, call_body, key, send_as, Key, Reply, TestServer};
use media_urls::{assert_gong_error, fetch, fixture};
use parley_domain::{Counter, Role, UserId};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const VTT: &str =
    "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Rita Rep>Hello Carl, thanks for joining.\n\n\
00:00:03.500 --> 00:00:05.000\n<v Carl Customer>Happy to be here.\n";

/// A recorded call of Rita's with a transcript, her key, a manager's and an outsider's.
struct World {
    s: TestServer,
    call: String,
    rita: Key,
    manager: Key,
    other: Key,
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
        s.store
            .set_user_role(
                UserId(manager.parse().unwrap()),
                Role::Manager,
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        let r = s
            .post(
                "/parley/v1/users",
                json!({"email": "rita@northwind.example.com", "firstName": "Rita",
                       "lastName": "Rep", "managerId": manager}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let rita = r.body["userId"].as_str().unwrap().to_owned();
        let call = s.call(call_body("c1", &rita, "2026-03-02T15:00:00Z")).await;
        let form = Form::new().part(
            "mediaFile",
            Part::bytes(fixture("speech.ogg")).file_name("speech.ogg"),
        );
        let r = s
            .raw(
                s.client
                    .put(format!("{}/v2/calls/{call}/media", s.base))
                    .basic_auth(&s.key, Some(&s.secret))
                    .multipart(form),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = s.put_transcript(&call, "vtt", VTT).await;
        assert!(r.status.is_success(), "{}", r.body);
        let other = s.user("olga@northwind.example.com", "Olga", "Other").await;
        World {
            rita: key(&s, Some(&rita), None).await,
            manager: key(&s, Some(&manager), None).await,
            other: key(&s, Some(&other), None).await,
            s,
            call,
        }
    }

    fn path(&self) -> String {
        format!("/parley/v1/calls/{}/shares", self.call)
    }

    async fn share(&self, k: &Key, body: Value) -> Reply {
        send_as(&self.s, k, Method::POST, &self.path(), Some(body)).await
    }

    /// Makes a link as Rita; its answer and its token.
    async fn shared(&self, body: Value) -> (Value, String) {
        let r = self.share(&self.rita, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let url = r.body["url"].as_str().unwrap();
        let token = url
            .strip_prefix("https://parley.test-host.example.com/shared/")
            .unwrap_or_else(|| panic!("{url} is not a page of the public URL"))
            .to_owned();
        (r.body.clone(), token)
    }

    async fn list(&self, k: &Key) -> Reply {
        send_as(&self.s, k, Method::GET, &self.path(), None).await
    }

    fn open_url(&self, token: &str) -> String {
        format!("{}/parley/v1/shared/{token}", self.s.base)
    }
}

#[tokio::test]
async fn a_link_opens_the_transcript_and_recording_until_revoked() {
    let w = World::new().await;
    let (made, token) = w
        .shared(json!({"expiresInDays": 7, "recipient": " carl@customer.example.com "}))
        .await;
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let share = &made["share"];
    assert_eq!(share["callId"], w.call.as_str());
    assert_eq!(share["recipient"], "carl@customer.example.com");
    assert_eq!(
        (share["views"].clone(), share["revoked"].clone()),
        (json!(0), Value::Null)
    );
    let created = chrono::DateTime::parse_from_rfc3339(share["created"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(share["expires"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, chrono::Duration::days(7));

    // Anyone holding the link, with no credentials.
    let opened = fetch(&w.s, &w.open_url(&token), None).await;
    assert_eq!(opened.status, StatusCode::OK);
    let body = opened.json();
    assert_eq!(body["title"], "Call c1");
    assert_eq!(body["expires"], share["expires"]);
    let media_url = body["mediaUrl"].as_str().unwrap();
    assert_eq!(media_url, format!("/parley/v1/shared/{token}/media"));
    let lines: Vec<&str> = body["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["sentences"].as_array().unwrap())
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        lines.join(" "),
        "Hello Carl, thanks for joining. Happy to be here."
    );
    let speakers = body["speakers"].as_array().unwrap();
    assert_eq!(speakers.len(), 2, "{body}");
    assert!(
        speakers
            .iter()
            .any(|s| s["name"] == "Carl Customer" && s["affiliation"] == "External"),
        "{body}"
    );
    // The holder sees names, never the parties' addresses or numbers.
    let text = body.to_string();
    assert!(!text.contains("carl@customer.example.com"), "{text}");
    assert!(!text.contains("5550001111"), "{text}");

    // The recording, whole and by range; ranges are not views.
    let whole = fetch(&w.s, &format!("{}{media_url}", w.s.base), None).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.bytes, fixture("speech.ogg"));
    let part = fetch(
        &w.s,
        &format!("{}{media_url}", w.s.base),
        Some("bytes=10-19"),
    )
    .await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes, fixture("speech.ogg")[10..20].to_vec());
    let listed = w.list(&w.rita).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body["shares"][0]["views"], 1);
    assert!(listed.body["shares"][0]["lastViewed"].is_string());
    assert!(listed.body.get("url").is_none() && !listed.body.to_string().contains(&token));

    // The audit log has the download, under the route: never the token.
    let since = (chrono::Utc::now() - chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let logs =
        w.s.get(&format!(
            "/v2/logs?logType=UserActivityLog&fromDateTime={since}"
        ))
        .await;
    assert_eq!(logs.status, StatusCode::OK, "{}", logs.body);
    let logged = logs.body.to_string();
    assert!(
        logged.contains("/parley/v1/shared/{token}/media"),
        "{logged}"
    );
    assert!(!logged.contains(&token));

    // Each link is the maker sharing the call outside the company.
    let day = chrono::Utc::now();
    let facts =
        w.s.store
            .activity_facts(
                day - chrono::Duration::days(1),
                day + chrono::Duration::days(1),
                None,
            )
            .await
            .unwrap();
    assert_eq!(
        facts
            .iter()
            .filter(|f| f.counter == Counter::CallsSharedExternally)
            .count(),
        1
    );

    // Only its maker or an admin revokes it; then neither page nor recording opens.
    let id = share["id"].as_str().unwrap();
    let by_manager = send_as(
        &w.s,
        &w.manager,
        Method::DELETE,
        &format!("{}/{id}", w.path()),
        None,
    )
    .await;
    assert_error(
        &by_manager,
        StatusCode::FORBIDDEN,
        "revoked by the user who made it",
    );
    let revoked = send_as(
        &w.s,
        &w.rita,
        Method::DELETE,
        &format!("{}/{id}", w.path()),
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert!(revoked.body["share"]["revoked"].is_string());
    assert_gong_error(
        &fetch(&w.s, &w.open_url(&token), None).await,
        StatusCode::NOT_FOUND,
        "this link has expired, was revoked, or does not exist",
    );
    assert_gong_error(
        &fetch(&w.s, &format!("{}{media_url}", w.s.base), None).await,
        StatusCode::NOT_FOUND,
        "this link has expired, was revoked, or does not exist",
    );
    // Listed still, as revoked; the admin's key may revoke too (again: unchanged).
    let listed = w.list(&w.manager).await;
    assert_eq!(
        listed.body["shares"][0]["revoked"],
        revoked.body["share"]["revoked"]
    );
    let again =
        w.s.send(Method::DELETE, &format!("{}/{id}", w.path()), None)
            .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(
        again.body["share"]["revoked"],
        revoked.body["share"]["revoked"]
    );
}

#[tokio::test]
async fn links_are_refused_where_the_call_is_not_seen_or_the_input_is_bad() {
    let w = World::with(|c| {
        c.max_share_days = 90;
        c.max_shares_per_call = 2;
    })
    .await;
    // Someone who may not see the call learns nothing of it.
    assert_error(
        &w.share(&w.other, json!({})).await,
        StatusCode::NOT_FOUND,
        "was not found",
    );
    assert_error(
        &w.list(&w.other).await,
        StatusCode::NOT_FOUND,
        "was not found",
    );
    // A key acting for no user makes no link (someone must be its maker).
    assert_error(
        &w.s.post(&w.path(), json!({})).await,
        StatusCode::BAD_REQUEST,
        "acts for no user",
    );
    for (body, message) in [
        (
            json!({"expiresInDays": 0}),
            "expiresInDays: 0 is not from 1 to 90 (max_share_days)",
        ),
        (
            json!({"expiresInDays": 91}),
            "expiresInDays: 91 is not from 1 to 90",
        ),
        (
            json!({"recipient": "x".repeat(255)}),
            "recipient: at most 254 characters",
        ),
        (
            json!({"recipient": "a\u{0}b"}),
            "recipient: control characters",
        ),
        (json!({"expiresInDays": "soon"}), "expiresInDays"),
        (json!({"color": "red"}), "unknown field"),
    ] {
        assert_error(
            &w.share(&w.rita, body).await,
            StatusCode::BAD_REQUEST,
            message,
        );
    }
    let missing = send_as(
        &w.s,
        &w.rita,
        Method::POST,
        "/parley/v1/calls/1234567890123456789/shares",
        Some(json!({})),
    )
    .await;
    assert_error(&missing, StatusCode::NOT_FOUND, "was not found");
    let bad_id = send_as(
        &w.s,
        &w.rita,
        Method::DELETE,
        &format!("{}/x", w.path()),
        None,
    )
    .await;
    assert_error(&bad_id, StatusCode::NOT_FOUND, "Share ID x was not found");

    // An empty body is the defaults: 30 days, no recipient.
    let (made, _) = w.shared(json!({})).await;
    assert_eq!(made["share"]["recipient"], Value::Null);
    let created =
        chrono::DateTime::parse_from_rfc3339(made["share"]["created"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(made["share"]["expires"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, chrono::Duration::days(30));
    w.shared(json!({"expiresInDays": 1})).await;
    assert_error(
        &w.share(&w.rita, json!({})).await,
        StatusCode::BAD_REQUEST,
        "already has 2 links, the most allowed (max_shares_per_call)",
    );

    // Tokens that are no link: malformed, or well-formed and unknown; both one 404.
    for token in ["nope", &"0".repeat(64), &"g".repeat(64), &"a".repeat(5000)] {
        assert_gong_error(
            &fetch(&w.s, &w.open_url(token), None).await,
            StatusCode::NOT_FOUND,
            "this link has expired, was revoked, or does not exist",
        );
    }
}

/// An expired link opens nothing; openings are limited per address with the recordings.
#[tokio::test]
async fn an_expired_link_is_closed_and_openings_are_rate_limited() {
    let w = World::with(|c| c.limits.media_requests_per_minute = 3).await;
    // A link that expired a minute ago, made through the store with a known token.
    let token = "ab".repeat(32);
    let now = chrono::Utc::now();
    let call_id = parley_domain::CallId(w.call.parse().unwrap());
    let call = w.s.store.get_call(call_id).await.unwrap().unwrap();
    let expired = parley_domain::share::CallShare {
        id: parley_domain::share::ShareId::generate(),
        call_id,
        created_by: call.primary_user_id,
        recipient: None,
        created: now - chrono::Duration::days(2),
        expires: now - chrono::Duration::minutes(1),
        revoked: None,
        views: 0,
        last_viewed: None,
    };
    let hash = parley_app::sessions::token_sha(&token);
    w.s.store.add_share(&expired, &hash, 10).await.unwrap();
    assert_gong_error(
        &fetch(&w.s, &w.open_url(&token), None).await,
        StatusCode::NOT_FOUND,
        "this link has expired, was revoked, or does not exist",
    );
    let (_, open) = w.shared(json!({"expiresInDays": 1})).await;
    assert_eq!(
        fetch(&w.s, &w.open_url(&open), None).await.status,
        StatusCode::OK
    );
    let url = format!("{}/parley/v1/shared/{open}/media", w.s.base);
    assert_eq!(
        fetch(&w.s, &url, Some("bytes=0-9")).await.status,
        StatusCode::PARTIAL_CONTENT
    );
    // The fourth request from this address within the minute.
    let refused = fetch(&w.s, &w.open_url(&open), None).await;
    assert_gong_error(
        &refused,
        StatusCode::TOO_MANY_REQUESTS,
        "API request limit exceeded",
    );
}

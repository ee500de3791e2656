//! Data privacy over HTTP on a real server: Gong's data-for and erase endpoints, the erase
//! job, dry runs, erase reports, and the proof that after an erase no byte of the address
//! or number is left in the database (file, WAL and shared memory on SQLite; every row on
//! PostgreSQL) or in the media folder.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_error, key_with, send_as, TestServer};
use parley_app::keys::KeySpec;
use parley_app::worker::{WorkerConfig, Workers};
use parley_domain::{CallId, JobKind, JobState, Role, ScopeSet, UserId, WorkspaceId};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const EMAIL: &str = "carl@customer.example.com";
const PHONE: &str = "+15550001111";

struct Setup {
    server: TestServer,
    _dir: tempfile::TempDir,
    media_dir: PathBuf,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let media_dir = dir.path().join("media");
    let work_dir = dir.path().join("tmp");
    let m = media_dir.clone();
    let server = TestServer::start_with(move |c| {
        c.media_url = format!("file://{}", m.display());
        c.work_dir = work_dir;
    })
    .await;
    Setup {
        server,
        _dir: dir,
        media_dir,
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../parley-media/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

impl Setup {
    fn workers(&self) -> Workers {
        Workers {
            store: self.server.store.clone(),
            blobs: parley_blob::BlobStore::open(&format!("file://{}", self.media_dir.display()))
                .unwrap(),
            transcriber: None,
            config: WorkerConfig {
                work_dir: self.media_dir.parent().unwrap().join("tmp"),
                ..WorkerConfig::default()
            },
            fetch: None,
            llm: None,
            webhooks: None,
        }
    }

    /// Runs queued erase jobs; how many ran.
    async fn run_erasures(&self) -> usize {
        self.run(JobKind::Erase).await
    }

    /// Runs queued jobs of one kind; how many ran.
    async fn run(&self, kind: JobKind) -> usize {
        let w = self.workers();
        let mut n = 0;
        while w.run_next("test", &[kind]).await.unwrap() {
            n += 1;
        }
        n
    }

    /// The keys of the queued delete-media jobs, and the calls of the queued analyses.
    async fn queued(&self) -> (Vec<String>, Vec<CallId>) {
        let jobs = self
            .server
            .store
            .list_jobs(Some(JobState::Queued), 1000)
            .await
            .unwrap();
        let mut keys: Vec<String> = jobs
            .iter()
            .filter(|j| j.kind == JobKind::DeleteMedia)
            .map(|j| j.payload["key"].as_str().unwrap().to_owned())
            .collect();
        keys.sort();
        let mut calls: Vec<CallId> = jobs
            .iter()
            .filter(|j| j.kind == JobKind::Analyze)
            .filter_map(|j| j.call_id)
            .collect();
        calls.sort();
        (keys, calls)
    }

    async fn upload(&self, call: &str, file: &str) {
        let form = reqwest::multipart::Form::new().part(
            "mediaFile",
            reqwest::multipart::Part::bytes(fixture(file)).file_name(file.to_owned()),
        );
        let s = &self.server;
        let r = s
            .raw(
                s.client
                    .put(format!("{}/v2/calls/{call}/media", s.base))
                    .basic_auth(&s.key, Some(&s.secret))
                    .multipart(form),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }

    async fn media_key(&self, call: &str) -> Option<String> {
        let id = CallId(call.parse().unwrap());
        self.server
            .store
            .call_media(id)
            .await
            .unwrap()
            .map(|m| m.key)
    }
}

fn carl() -> Value {
    json!({"name": "Carl Customer", "emailAddress": EMAIL, "phoneNumber": "+1 (555) 000-1111"})
}

fn body(unique: &str, user: &str, parties: Vec<Value>) -> Value {
    let mut all = vec![json!({"userId": user})];
    all.extend(parties);
    json!({
        "clientUniqueId": unique,
        "actualStart": "2024-03-05T10:00:00Z",
        "direction": "Outbound",
        "primaryUser": user,
        "title": format!("Call {unique}"),
        "parties": all,
    })
}

/// Two calls: `alone` where Carl is the only outside party (with a CRM contact holding
/// his address), `shared` with Dana too, where Carl speaks and Dana says his address.
/// Both have recordings and transcripts; an audit entry holds the address.
struct Seeded {
    alone: String,
    shared: String,
    other: String,
}

async fn seed(s: &Setup) -> Seeded {
    let srv = &s.server;
    let rita = srv.user("rita@northwind.example.com", "Rita", "Rep").await;
    let mut b = body("alone", &rita, vec![carl()]);
    b["context"] = json!([{"system": "Salesforce", "objects": [
        {"objectType": "Account", "objectId": "003CARL", "fields": [
            {"name": "Email", "value": EMAIL}, {"name": "Name", "value": "Carl Customer"}]}
    ]}]);
    let alone = srv.call(b).await;
    let shared = srv
        .call(body(
            "shared",
            &rita,
            vec![
                carl(),
                json!({"name": "Dana Buyer", "emailAddress": "dana@other.example.com"}),
            ],
        ))
        .await;
    let other = srv
        .call(body(
            "other",
            &rita,
            vec![json!({"name": "Dana Buyer", "emailAddress": "dana@other.example.com"})],
        ))
        .await;
    let vtt_alone = format!(
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Rita Rep>Hello Carl.\n\n\
         00:00:02.000 --> 00:00:05.000\n<v Carl Customer>Mail {} or call +1 555 000 1111.\n",
        EMAIL.to_uppercase()
    );
    let r = srv.put_transcript(&alone, "vtt", &vtt_alone).await;
    assert!(r.status.is_success(), "{}", r.body);
    let vtt_shared = format!(
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Rita Rep>Hello both.\n\n\
         00:00:02.000 --> 00:00:05.000\n<v Carl Customer>I am Carl, the one with the questions.\n\n\
         00:00:05.000 --> 00:00:08.000\n<v Dana Buyer>Copy {EMAIL} on the proposal, and call 555-000-1111.\n"
    );
    let r = srv.put_transcript(&shared, "vtt", &vtt_shared).await;
    assert!(r.status.is_success(), "{}", r.body);
    s.upload(&alone, "speech.mp3").await;
    s.upload(&shared, "speech.ogg").await;
    s.upload(&other, "speech.flac").await;
    // Tables of the other features: a meeting he is invited to, an engagement event
    // naming him, and a CRM contact uploaded for the generic integration.
    let r = srv
        .post(
            "/v2/meetings",
            json!({"startTime": "2026-04-01T16:00:00Z", "endTime": "2026-04-01T16:30:00Z",
                "organizerEmail": "rita@northwind.example.com", "title": "Customer discovery",
                "invitees": [{"email": EMAIL.to_uppercase(), "displayName": "Carl Customer"},
                    {"email": "dana@other.example.com"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = srv
        .post(
            "/v2/digital-interaction",
            json!({"eventId": "di-carl", "timestamp": "2026-03-06T10:00:00Z",
                "eventType": "page viewed", "content": {"contentTitle": "Pricing"},
                "person": {"email": EMAIL}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = srv
        .send(
            Method::PUT,
            "/v2/crm/integrations",
            Some(json!({"ownerEmail": "crm@northwind.example.com", "name": "Generic"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let integration = r.body["integrationId"].as_i64().unwrap();
    let r = srv
        .post(
            &format!("/v2/crm/entity-schema?integrationId={integration}&objectType=CONTACT"),
            json!([{"uniqueName": "name", "label": "Name", "type": "STRING"},
                {"uniqueName": "email", "label": "E-mail", "type": "EMAILADDRESS"}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let contact = format!(
        "{{\"objectId\":\"C1\",\"modifiedDate\":\"2024-03-01T10:00:00Z\",\"name\":\"Carl Customer\",\"email\":\"{EMAIL}\"}}\n"
    );
    let form = reqwest::multipart::Form::new().part(
        "dataFile",
        reqwest::multipart::Part::bytes(contact.into_bytes()).file_name("contacts.ldjson"),
    );
    let r = srv
        .raw(
            srv.client
                .post(format!(
                    "{}/v2/crm/entities?integrationId={integration}&objectType=CONTACT&clientRequestId=up-carl",
                    srv.base
                ))
                .basic_auth(&srv.key, Some(&srv.secret))
                .multipart(form),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Copies of a CRM id that is his address: an object a content view names, a call's
    // manual CRM association (on a call he is not on) and a flow prospect.
    let r = srv
        .send(
            Method::PUT,
            "/v2/customer-engagement/content/viewed",
            Some(json!({"reportingSystem": "docsend", "eventId": "ev-carl",
                "eventTimestamp": "2026-03-04T10:00:00Z", "contentId": "deck-7",
                "contentUrl": "https://docs.example.com/deck-7", "contentTitle": "Pricing deck",
                "viewer": {"email": "megan@contoso.example.com", "name": "Megan Foster"},
                "crmContext": [{"system": "Salesforce",
                    "objects": [{"objectType": "Contact", "objectId": EMAIL}]}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = srv
        .send(
            Method::PUT,
            &format!("/parley/v1/calls/{other}/crm-association"),
            Some(json!({"accountCrmId": EMAIL})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = srv
        .post(
            "/parley/v1/flows",
            json!({"name": "Inbound follow-up", "ownerEmail": "rita@northwind.example.com"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let flow = r.body["flow"]["id"].as_str().unwrap().to_owned();
    let r = srv
        .post(
            "/v2/flows/prospects/assign",
            json!({"crmProspectsIds": [EMAIL], "flowId": flow,
                "flowInstanceOwnerEmail": "rita@northwind.example.com"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A write whose (ignored) query parameter holds the address: the audit log keeps it.
    let r = srv
        .post(
            &format!("/parley/v1/calls/{shared}/analyze?note={EMAIL}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    srv.run_analysis_jobs(None).await;
    let r = srv
        .get(&format!(
            "/v2/crm/entities?integrationId={integration}&objectType=CONTACT&objectsCrmIds=C1"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let status = srv
        .get(&format!(
            "/v2/crm/request-status?integrationId={integration}&clientRequestId=up-carl"
        ))
        .await;
    assert!(
        r.body.to_string().contains(EMAIL),
        "the contact is stored: {} {}",
        r.body,
        status.body
    );
    // What this node recorded goes to the database now.
    let r = srv
        .get("/v2/logs?logType=UserActivityLog&fromDateTime=2000-01-01T00:00:00Z")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    Seeded {
        alone,
        shared,
        other,
    }
}

fn ids(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

fn call_ids(body: &Value) -> Vec<String> {
    let mut out: Vec<String> = body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The forms the address or number could be stored in.
fn needles() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = vec![
        EMAIL.into(),
        EMAIL.to_uppercase().into(),
        EMAIL.replace('@', "\\u0040").into(),
        serde_json::to_string(EMAIL).unwrap().into(),
        PHONE.into(),
        PHONE.trim_start_matches('+').into(),
        "555-000-1111".into(),
        "555 000 1111".into(),
        "(555) 000-1111".into(),
    ];
    out.dedup();
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let folded = hay.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    folded.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// Every file of `dir` (recursively) holding one of the needles.
fn files_holding(dir: &Path, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let path = e.unwrap().path();
        if path.is_dir() {
            files_holding(&path, found);
        } else if let Ok(bytes) = std::fs::read(&path) {
            for n in needles() {
                if contains(&bytes, &n) {
                    found.push(format!(
                        "{} holds {:?}",
                        path.display(),
                        String::from_utf8_lossy(&n)
                    ));
                }
            }
        }
    }
}

/// Where the address or number is left: database files (SQLite) or rows (PostgreSQL),
/// and the media folder.
async fn remnants(s: &Setup) -> Vec<String> {
    let mut found = Vec::new();
    let url = &s.server.database_url;
    if let Some(path) = url.strip_prefix("sqlite://") {
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{path}{suffix}");
            if let Ok(bytes) = std::fs::read(&file) {
                for n in needles() {
                    if contains(&bytes, &n) {
                        found.push(format!("{file} holds {:?}", String::from_utf8_lossy(&n)));
                    }
                }
            }
        }
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        for t in tables {
            for n in needles() {
                let n = String::from_utf8(n).unwrap().to_lowercase();
                let hits: i64 = sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM \"{t}\" AS r WHERE strpos(lower(r::text), $1) > 0"
                ))
                .bind(&n)
                .fetch_one(&pool)
                .await
                .unwrap();
                if hits > 0 {
                    found.push(format!("{hits} rows of {t} hold {n:?}"));
                }
            }
        }
        pool.close().await;
    }
    files_holding(&s.media_dir, &mut found);
    found
}

fn key_file(s: &Setup, key: &str) -> PathBuf {
    s.media_dir.join(key)
}

#[tokio::test]
async fn an_erase_leaves_no_byte_of_the_address_or_number() {
    let s = setup().await;
    let seeded = seed(&s).await;
    let srv = &s.server;

    // What Parley holds about him.
    let r = srv
        .get(&format!(
            "/v2/data-privacy/data-for-email-address?emailAddress={}",
            "Carl%40Customer.example.com"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        call_ids(&r.body),
        sorted(vec![seeded.alone.clone(), seeded.shared.clone()])
    );
    assert_eq!(
        r.body["customerData"][0]["objects"][0]["externalId"], "C1",
        "the uploaded contact (the call's Account is not a customerData type): {}",
        r.body
    );
    let r = srv
        .get("/v2/data-privacy/data-for-phone-number?phoneNumber=%2B1%20555%20000-1111")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        call_ids(&r.body),
        sorted(vec![seeded.alone.clone(), seeded.shared.clone()])
    );
    assert_eq!(ids(&r.body["emailAddresses"]), [EMAIL]);
    assert_eq!(r.body["suppliedPhoneNumber"], "+1 555 000-1111");

    let before = remnants(&s).await;
    assert!(!before.is_empty(), "the seed holds the address");
    let keys = [
        s.media_key(&seeded.alone).await.unwrap(),
        s.media_key(&seeded.shared).await.unwrap(),
        s.media_key(&seeded.other).await.unwrap(),
    ];

    // A dry run: the report, nothing deleted.
    let r = srv
        .post(
            "/parley/v1/data-privacy/erasures",
            json!({"emailAddress": EMAIL, "dryRun": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let dry = &r.body["erasures"][0];
    assert_eq!(dry["state"], "done");
    assert_eq!(dry["dryRun"], true);
    assert_eq!(dry["subject"], "c***@customer.example.com");
    assert_eq!(
        ids(&dry["report"]["done"]["callsDeleted"]),
        std::slice::from_ref(&seeded.alone)
    );
    assert_eq!(
        ids(&dry["report"]["done"]["recordingsDeleted"]),
        std::slice::from_ref(&seeded.shared)
    );
    assert_eq!(dry["report"]["done"]["partiesRemoved"], 1);
    assert_eq!(dry["report"]["done"]["sentencesRemoved"], 1);
    assert_eq!(dry["report"]["done"]["sentencesRedacted"], 1);
    // The call's Account and the uploaded contact.
    assert_eq!(dry["report"]["found"]["crmObjects"], 2);
    assert_eq!(dry["report"]["found"]["auditEntries"], 1);
    assert_eq!(
        dry["report"]["done"]["rowsDeleted"],
        json!({"meeting_invitees": 1, "engagement_objects": 1,
            "crm_manual_associations": 1, "flow_instances": 1}),
        "{}",
        dry["report"]
    );
    // The digital interaction naming him, and the content view whose request names the
    // CRM object.
    assert_eq!(
        dry["report"]["done"]["rowsRedacted"]["engagement_events"],
        2
    );
    assert_eq!(dry["report"]["done"]["rowsRedacted"]["crm_entities"], 1);
    // The call's Account (a field), and the object the manual association linked to the
    // other call (its id).
    assert_eq!(dry["report"]["done"]["rowsRedacted"]["crm_objects"], 2);
    assert_eq!(s.run_erasures().await, 0, "a dry run queues nothing");
    for k in &keys {
        assert!(key_file(&s, k).exists(), "{k} kept by the dry run");
    }
    let r = srv.get(&format!("/v2/calls/{}", seeded.alone)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(remnants(&s).await, before, "the dry run changed nothing");

    // The erase: Gong's answer at once, the work in a job.
    let r = srv
        .send(
            Method::POST,
            &format!("/v2/data-privacy/erase-data-for-email-address?emailAddress={EMAIL}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let erasure = r.body["erasureId"].as_str().unwrap().to_owned();
    let r = srv
        .get(&format!("/parley/v1/data-privacy/erasures/{erasure}"))
        .await;
    assert_eq!(r.body["erasures"][0]["state"], "queued", "{}", r.body);
    assert_eq!(s.queued().await, (vec![], vec![]));
    assert_eq!(s.run_erasures().await, 1);
    // The erase's transaction queued the recordings' deletion and the shared call's
    // analysis with the report: the job itself deletes no file, so dying after its
    // commit loses neither.
    let mut erased_keys = vec![keys[0].clone(), keys[1].clone()];
    erased_keys.sort();
    assert_eq!(
        s.queued().await,
        (erased_keys, vec![CallId(seeded.shared.parse().unwrap())])
    );
    assert!(key_file(&s, &keys[0]).exists(), "deleted by its own job");
    let r = srv
        .get(&format!("/parley/v1/data-privacy/erasures/{erasure}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let e = &r.body["erasures"][0];
    assert_eq!(e["state"], "done", "{}", r.body);
    assert_eq!(e["dryRun"], false);
    assert!(e["requestedBy"].as_str().unwrap().starts_with("key:"));
    assert!(e["finished"].is_string());
    assert_eq!(
        e["report"], dry["report"],
        "the dry run said what the erase did"
    );

    // The phone number too (the transcript and user rows that still hold it).
    let r = srv
        .send(
            Method::POST,
            "/v2/data-privacy/erase-data-for-phone-number",
            Some(json!({"phoneNumber": PHONE})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(s.run_erasures().await, 1);
    assert_eq!(s.run(JobKind::DeleteMedia).await, 2);

    // The call he alone attended is gone; the shared one is kept without him or the
    // recording, its analysis queued again.
    let r = srv.get(&format!("/v2/calls/{}", seeded.alone)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(!key_file(&s, &keys[0]).exists());
    assert!(!key_file(&s, &keys[1]).exists());
    assert!(key_file(&s, &keys[2]).exists(), "other calls keep theirs");
    let parties = srv
        .store
        .parties_of(&[CallId(seeded.shared.parse().unwrap())])
        .await
        .unwrap();
    let names: Vec<_> = parties
        .values()
        .flatten()
        .filter_map(|p| p.name.clone())
        .collect();
    assert!(!names.iter().any(|n| n.contains("Carl")), "{names:?}");
    let t = srv
        .store
        .transcripts_of(&[CallId(seeded.shared.parse().unwrap())])
        .await
        .unwrap();
    let texts: Vec<String> = t
        .values()
        .flatten()
        .flat_map(|m| m.sentences.iter().map(|s| s.text.clone()))
        .collect();
    assert_eq!(
        texts,
        [
            "Hello both.",
            "Copy [erased] on the proposal, and call [erased]."
        ]
    );
    let r = srv
        .get(&format!(
            "/v2/data-privacy/data-for-email-address?emailAddress={EMAIL}"
        ))
        .await;
    assert_eq!(call_ids(&r.body), Vec::<String>::new());

    let left = remnants(&s).await;
    assert!(left.is_empty(), "left behind: {left:#?}");
    let r = srv.get("/parley/v1/data-privacy/erasures").await;
    assert_eq!(r.body["erasures"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn data_for_an_address_and_a_number_in_gongs_shape() {
    let s = setup().await;
    let seeded = seed(&s).await;
    let srv = &s.server;
    let r = srv
        .get(&format!(
            "/v2/data-privacy/data-for-email-address?emailAddress={EMAIL}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut b = r.body.clone();
    b["requestId"] = json!("[request id]");
    let stable = |b: &mut Value, from: &str, to: &str| {
        let text = b.to_string().replace(from, to);
        *b = serde_json::from_str(&text).unwrap();
    };
    stable(&mut b, &seeded.alone, "[call alone]");
    stable(&mut b, &seeded.shared, "[call shared]");
    let pk = b["customerData"][0]["objects"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    stable(&mut b, &format!("\"{pk}\""), "\"[crm object]\"");
    let mut calls: Vec<Value> = b["calls"].as_array().unwrap().clone();
    calls.sort_by_key(|c| c["id"].to_string());
    b["calls"] = json!(calls);
    // The meeting he is invited to (its id differs per run) and the page he viewed.
    assert_eq!(b["meetings"].as_array().unwrap().len(), 1, "{b}");
    assert!(b["meetings"][0]["id"].is_string(), "{b}");
    b["meetings"][0]["id"] = json!("[meeting]");
    insta::assert_json_snapshot!("data_for_email_address", b);

    let r = srv
        .get("/v2/data-privacy/data-for-phone-number?phoneNumber=%2B1(555)%20000-1111")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut b = r.body.clone();
    b["requestId"] = json!("[request id]");
    stable(&mut b, &seeded.alone, "[call alone]");
    stable(&mut b, &seeded.shared, "[call shared]");
    let mut calls: Vec<Value> = b["calls"].as_array().unwrap().clone();
    calls.sort_by_key(|c| c["id"].to_string());
    b["calls"] = json!(calls);
    insta::assert_json_snapshot!("data_for_phone_number", b);

    // Nothing found: 200 with empty lists.
    let r = srv
        .get("/v2/data-privacy/data-for-email-address?emailAddress=nobody@nowhere.example.com")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["calls"], json!([]));
    assert_eq!(r.body["customerData"], json!([]));

    // The erase answer.
    let r = srv
        .send(
            Method::POST,
            "/v2/data-privacy/erase-data-for-email-address?emailAddress=nobody@nowhere.example.com",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut b = r.body.clone();
    b["requestId"] = json!("[request id]");
    b["erasureId"] = json!("[erasure id]");
    insta::assert_json_snapshot!("erase_accepted", b);
}

/// The audit log keeps that a data-privacy request was made, never whom it was about.
#[tokio::test]
async fn the_audit_log_never_keeps_the_address_asked_about() {
    let s = setup().await;
    let srv = &s.server;
    let r = srv
        .send(
            Method::POST,
            &format!("/v2/data-privacy/erase-data-for-email-address?emailAddress={EMAIL}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = srv
        .get("/v2/logs?logType=UserActivityLog&fromDateTime=2000-01-01T00:00:00Z")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = r.body.to_string();
    assert!(text.contains("erase-data-for-email-address"), "{text}");
    assert!(!text.contains(EMAIL), "{text}");
    assert!(text.contains("[erased]"), "{text}");
}

#[tokio::test]
async fn bad_addresses_and_numbers_are_400s() {
    let s = setup().await;
    let srv = &s.server;
    let cases = [
        (
            Method::GET,
            "/v2/data-privacy/data-for-email-address",
            "emailAddress is required",
        ),
        (
            Method::GET,
            "/v2/data-privacy/data-for-email-address?emailAddress=carl",
            "emailAddress is not an e-mail address",
        ),
        (
            Method::GET,
            "/v2/data-privacy/data-for-phone-number",
            "phoneNumber is required",
        ),
        (
            Method::GET,
            "/v2/data-privacy/data-for-phone-number?phoneNumber=5550001111",
            "phoneNumber must start with + and the country code",
        ),
        (
            Method::GET,
            "/v2/data-privacy/data-for-phone-number?phoneNumber=%2B1555abc",
            "phoneNumber may hold only digits",
        ),
        (
            Method::GET,
            "/v2/data-privacy/data-for-phone-number?phoneNumber=%2B123",
            "phoneNumber must have 8 to 15 digits",
        ),
        (
            Method::POST,
            "/v2/data-privacy/erase-data-for-email-address",
            "emailAddress is required",
        ),
        (
            Method::POST,
            "/v2/data-privacy/erase-data-for-email-address?emailAddress=a%40b",
            "emailAddress is not an e-mail address",
        ),
        (
            Method::POST,
            "/v2/data-privacy/erase-data-for-phone-number",
            "phoneNumber is required",
        ),
        (
            Method::POST,
            "/v2/data-privacy/erase-data-for-phone-number?phoneNumber=555",
            "phoneNumber must start with +",
        ),
    ];
    for (method, path, message) in cases {
        let r = srv.send(method, path, None).await;
        assert_error(&r, StatusCode::BAD_REQUEST, message);
    }
    // A JSON body of the wrong type names the field.
    let r = srv
        .send(
            Method::POST,
            "/v2/data-privacy/erase-data-for-email-address",
            Some(json!({"emailAddress": 5})),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "emailAddress");
    // Parley's erasures.
    let r = srv
        .post("/parley/v1/data-privacy/erasures", json!({"dryRun": true}))
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "give exactly one of emailAddress and phoneNumber",
    );
    let r = srv
        .post(
            "/parley/v1/data-privacy/erasures",
            json!({"emailAddress": EMAIL, "phoneNumber": PHONE}),
        )
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "give exactly one of emailAddress and phoneNumber",
    );
    let r = srv
        .post(
            "/parley/v1/data-privacy/erasures?dryRun=maybe",
            json!({"emailAddress": EMAIL}),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "dryRun must be true or false");
    let r = srv.get("/parley/v1/data-privacy/erasures?limit=0").await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "limit must be a number from 1 to 500",
    );
    let r = srv.get("/parley/v1/data-privacy/erasures/123").await;
    assert_error(&r, StatusCode::NOT_FOUND, "erasure 123 was not found");
    let r = srv.get("/parley/v1/data-privacy/erasures/abc").await;
    assert_error(&r, StatusCode::NOT_FOUND, "erasure abc was not found");
}

/// Only admins look up or erase a person, and only with a company-wide key: a person is
/// not in one workspace, and an erase reaches every workspace.
#[tokio::test]
async fn only_company_wide_admins_look_up_or_erase() {
    let s = setup().await;
    let srv = &s.server;
    let user: i64 = srv
        .user("mia@northwind.example.com", "Mia", "Manager")
        .await
        .parse()
        .unwrap();
    srv.store
        .set_user_role(UserId(user), Role::Manager, chrono::Utc::now())
        .await
        .unwrap();
    let manager = key_with(
        srv,
        KeySpec {
            name: "m".into(),
            scopes: ScopeSet::full(),
            workspace: None,
            owner: Some(UserId(user)),
        },
    )
    .await;
    let workspaces = srv.get("/v2/workspaces").await;
    let ws: i64 = workspaces.body["workspaces"][0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let bound = key_with(
        srv,
        KeySpec {
            name: "b".into(),
            scopes: ScopeSet::full(),
            workspace: Some(WorkspaceId(ws)),
            owner: None,
        },
    )
    .await;
    let read_only = key_with(
        srv,
        KeySpec {
            name: "r".into(),
            scopes: ScopeSet::read_only(),
            workspace: None,
            owner: None,
        },
    )
    .await;
    let look = format!("/v2/data-privacy/data-for-email-address?emailAddress={EMAIL}");
    let erase = format!("/v2/data-privacy/erase-data-for-email-address?emailAddress={EMAIL}");
    for (method, path) in [
        (Method::GET, look.as_str()),
        (Method::POST, erase.as_str()),
        (Method::GET, "/parley/v1/data-privacy/erasures"),
    ] {
        let r = send_as(srv, &manager, method.clone(), path, None).await;
        assert_error(&r, StatusCode::FORBIDDEN, "this needs the admin role");
        let r = send_as(srv, &bound, method.clone(), path, None).await;
        assert_error(
            &r,
            StatusCode::FORBIDDEN,
            &format!("this key is bound to workspace {ws}"),
        );
    }
    // Reading is a read scope; erasing is not.
    let r = send_as(srv, &read_only, Method::GET, &look, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send_as(srv, &read_only, Method::POST, &erase, None).await;
    assert_error(
        &r,
        StatusCode::UNAUTHORIZED,
        "You don't have permission to use 'api:data-privacy:delete' in your app.",
    );
    // Nothing was queued by the refused requests.
    assert!(srv.store.list_erasures(10).await.unwrap().is_empty());
}

/// Runs one statement on the test server's database (SQLite or PostgreSQL).
async fn exec_sql(srv: &TestServer, sqlite: &str, postgres: &str) {
    let url = &srv.database_url;
    if url.starts_with("sqlite://") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(sqlite).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(postgres).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

/// A phone look-up searches the stored text for the number's last four digits; more than
/// `MAX_ROWS` sentences holding them inside other numbers (ticket numbers here, with word
/// timings full of them) neither refuse the look-up nor the erase, and the one sentence
/// that does say the number, last in key order, is still found.
#[tokio::test]
async fn a_phone_look_up_counts_only_rows_that_hold_the_number() {
    let s = setup().await;
    let srv = &s.server;
    let rita = srv.user("rita@northwind.example.com", "Rita", "Rep").await;
    let call = srv
        .call(body(
            "busy",
            &rita,
            vec![json!({"name": "Dana Buyer", "emailAddress": "dana@other.example.com"})],
        ))
        .await;
    let vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Rita Rep>Hello Dana.\n";
    let r = srv.put_transcript(&call, "vtt", vtt).await;
    assert!(r.status.is_success(), "{}", r.body);
    let n = parley_app::privacy::MAX_ROWS + 1;
    let text = "ticket 41111 is open";
    let words = "[[51111,51480,\"ticket\"],[61111,61400,\"41111\"]]";
    exec_sql(
        srv,
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
             INSERT INTO transcript_sentences \
             (call_id, monologue, seq, speaker_id, start_ms, end_ms, text, words) \
             SELECT {call}, 1 + i / 1000, i % 1000, 1, i, i + 1, '{text}', '{words}' FROM n"
        ),
        &format!(
            "INSERT INTO transcript_sentences \
             (call_id, monologue, seq, speaker_id, start_ms, end_ms, text, words) \
             SELECT {call}, 1 + i / 1000, i % 1000, 1, i, i + 1, '{text}', '{words}' \
             FROM generate_series(1, {n}) AS i"
        ),
    )
    .await;
    exec_sql(
        srv,
        &format!(
            "INSERT INTO transcript_sentences \
             (call_id, monologue, seq, speaker_id, start_ms, end_ms, text, words) \
             VALUES ({call}, 1000000, 0, 1, 5, 6, 'call me on 555 000 1111', '{words}')"
        ),
        &format!(
            "INSERT INTO transcript_sentences \
             (call_id, monologue, seq, speaker_id, start_ms, end_ms, text, words) \
             VALUES ({call}, 1000000, 0, 1, 5, 6, 'call me on 555 000 1111', '{words}')"
        ),
    )
    .await;

    let r = srv
        .get("/v2/data-privacy/data-for-phone-number?phoneNumber=%2B15550001111")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(call_ids(&r.body), std::slice::from_ref(&call));

    let r = srv
        .send(
            Method::POST,
            "/v2/data-privacy/erase-data-for-phone-number",
            Some(json!({"phoneNumber": PHONE})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let erasure = r.body["erasureId"].as_str().unwrap().to_owned();
    assert_eq!(s.run_erasures().await, 1);
    let r = srv
        .get(&format!("/parley/v1/data-privacy/erasures/{erasure}"))
        .await;
    let e = &r.body["erasures"][0];
    assert_eq!(e["state"], "done", "{}", r.body);
    assert_eq!(e["report"]["done"]["sentencesRedacted"], 1, "{}", r.body);
    let r = srv
        .get("/v2/data-privacy/data-for-phone-number?phoneNumber=%2B15550001111")
        .await;
    assert_eq!(call_ids(&r.body), Vec::<String>::new());
}

/// An erase job that ran out of attempts: the worker's "finally failed" hook calls
/// `erase_gave_up`, and the erasure says failed, why, and no longer holds the address.
#[tokio::test]
async fn an_erase_that_gave_up_is_failed_and_forgets_the_address() {
    let s = setup().await;
    let srv = &s.server;
    let r = srv
        .send(
            Method::POST,
            &format!("/v2/data-privacy/erase-data-for-email-address?emailAddress={EMAIL}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id: i64 = r.body["erasureId"].as_str().unwrap().parse().unwrap();
    let stored = srv.store.get_erasure(id).await.unwrap().unwrap();
    assert_eq!(stored.subject.as_deref(), Some(EMAIL), "held while queued");

    parley_app::privacy::erase_gave_up(srv.store.as_ref(), id, "statement timeout")
        .await
        .unwrap();
    let r = srv
        .get(&format!("/parley/v1/data-privacy/erasures/{id}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let e = &r.body["erasures"][0];
    assert_eq!(e["state"], "failed", "{}", r.body);
    assert!(e["finished"].is_string(), "{}", r.body);
    assert!(
        e["error"].as_str().unwrap().contains("statement timeout"),
        "{}",
        r.body
    );
    let stored = srv.store.get_erasure(id).await.unwrap().unwrap();
    assert_eq!(stored.subject, None, "the address is forgotten");
    let left = remnants(&s).await;
    assert!(left.is_empty(), "left behind: {left:#?}");
}

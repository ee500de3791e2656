//! `parley-bench`: throughput and latency percentiles of Parley's HTTP API.
//!
//! One process, two tokio runtimes:
//! - the server runtime (multi-thread, `--server-workers`, default 2) owns the SQLite
//!   store, seeds it and runs the real `parley_server::serve` on 127.0.0.1:0;
//! - the load generator runs on a current-thread runtime on the main thread and drives
//!   `--connections` keep-alive HTTP/1.1 connections (hyper client) in closed loop.
//!
//! Every scenario runs a warm-up (not recorded) and then a fixed measured window; every
//! latency goes into an HDR histogram in microseconds. Any non-200 response or transport
//! error is counted and reported loudly, and makes the process exit non-zero.
//!
//! `GET /health` (static JSON, no auth) is measured in the same run, the same way, as
//! the reference: on a 2-core machine generator and server share the CPU, so absolute
//! numbers mean little without it.
//!
//! `--webhook-deliveries` / `--webhook-ready-calls` add a phase after the scenarios: the
//! real workers sending automation webhooks to a receiver in this process (throughput, and
//! the delay from a call becoming ready to its webhook arriving); see `webhooks.rs`.

mod claims;
mod webhooks;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use clap::Parser;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use gong_api_v2::calls::{
    CallBasicData, CallFacts, CallsResponse, ExtensiveRequest, ExtensiveResponse,
};
use gong_api_v2::Records;
use parley_app::worker::WorkerConfig;
use parley_domain::{
    Affiliation, Call, CallId, CallScope, CrmLink, CrmSystem, Direction, MediaKind, Party, PartyId,
    PartyMethod, User, UserId, UserSettings, WorkspaceId,
};
use parley_server::{AppState, RateLimit, RateLimitScope, ServerConfig};
use parley_store::{CallFilter, CallKey, Store};

const ALL_SCENARIOS: [&str; 13] = [
    "health",
    "workspaces",
    "calls-first",
    "calls-deep",
    "extensive-first",
    "extensive-deep",
    "payload-calls",
    "payload-extensive",
    "calls-page1",
    "calls-last",
    "search-newest",
    "search-title",
    "search-rare",
];

/// The fixed 30-day window of the first-page scenarios (calls are spread over 2025).
const WINDOW_FROM: &str = "2025-06-01T00:00:00Z";
const WINDOW_TO: &str = "2025-07-01T00:00:00Z";

/// Target being checked for the call endpoints.
const TARGET_RPS: f64 = 5_000.0;
const TARGET_P99_MS: f64 = 5.0;

#[derive(Parser, Debug)]
#[command(
    name = "parley-bench",
    about = "Throughput and latency percentiles of Parley's HTTP API over a seeded SQLite store"
)]
struct Args {
    /// Calls seeded into SQLite before measuring.
    #[arg(long, default_value_t = 100_000)]
    calls: usize,
    /// Users seeded (each call has one of them as its internal party).
    #[arg(long, default_value_t = 20)]
    users: usize,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 10)]
    duration_secs: u64,
    /// Warm-up seconds per scenario (not recorded).
    #[arg(long, default_value_t = 2)]
    warmup_secs: u64,
    /// Concurrent keep-alive HTTP/1.1 connections.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Scenarios to run, comma separated, by name or letter: a=health, b=workspaces,
    /// c=calls-first, d=calls-deep, e=extensive-first, f=extensive-deep, and two extra
    /// references: g=payload-calls, h=payload-extensive (a bare axum handler in this
    /// process serving the bytes of a c / e response from memory: the cost of HTTP and of
    /// moving that many bytes, without the database or rendering); i=calls-page1 (the
    /// first page of the whole table, no filter) and j=calls-last (its last page: page
    /// 10,000 of 1M calls; the walk there is not measured); the UI's calls list
    /// (`GET /parley/v1/calls`): k=search-newest, l=search-title (a word of a quarter of
    /// the titles), m=search-rare (one account's calls: few matches). `all` = a-m. The
    /// default is a-f, to keep a default run within about four minutes.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "health,workspaces,calls-first,calls-deep,extensive-first,extensive-deep"
    )]
    scenarios: Vec<String>,
    /// Worker threads of the server's tokio runtime.
    #[arg(long, default_value_t = 2)]
    server_workers: usize,
    /// Concurrent seeding tasks (each inserts calls one transaction at a time). SQLite
    /// serialises writers anyway, and with more than one the WAL is never reset during the
    /// seeding (a writer waiting for the lock always holds a read snapshot), so it grows
    /// without bound and inserts slow down: keep 1 unless experimenting.
    #[arg(long, default_value_t = 1)]
    seed_tasks: usize,
    /// Keep the database at this path instead of a temporary directory, and reuse it when
    /// it already holds exactly `--calls` calls (seeding is the slow part of a run).
    #[arg(long)]
    db: Option<std::path::PathBuf>,
    /// Measure on this database instead of a SQLite file (`postgres://…`: the same
    /// scenarios on PostgreSQL; reused when it holds exactly `--calls` calls, as `--db`).
    #[arg(long, conflicts_with = "db")]
    database_url: Option<String>,
    /// Rate limits: `off` (the default), or a per-key limit no run reaches (a million a
    /// second) counted on every authenticated request in this scope: `node` (in memory)
    /// or `shared` (in the database, `Store::take_rate`): what the check costs.
    #[arg(long, default_value = "off")]
    rate_limit_scope: String,
    /// Skip the store/render timing breakdown printed after the HTTP scenarios.
    #[arg(long)]
    no_breakdown: bool,
    /// Keep the server running after the scenarios for this many seconds (e.g. to attach
    /// `perf`); prints the address and credentials.
    #[arg(long, default_value_t = 0)]
    linger_secs: u64,
    /// After the scenarios: queue this many jobs and time `--claimers` tasks taking and
    /// finishing them all (job-claim throughput of the store; 0 = skip).
    #[arg(long, default_value_t = 0)]
    claim_jobs: usize,
    /// Concurrent claimers for `--claim-jobs` (each a worker on its own connection).
    #[arg(long, default_value_t = 8)]
    claimers: usize,
    /// Webhook throughput (issue 15), after the scenarios: queue this many deliveries of
    /// one rule over as many analysed calls and time the real workers sending them to a
    /// receiver in this process, once per `--webhook-concurrency` value (0 = skip).
    /// Needs that many calls without a transcript (plus 2 × `--webhook-ready-calls`): use
    /// a fresh database, not a `--db` kept for the HTTP scenarios.
    #[arg(long, default_value_t = 0)]
    webhook_deliveries: usize,
    /// `webhook_concurrency` values (deliver loops) for `--webhook-deliveries`, comma
    /// separated; the first also runs `--webhook-ready-calls`.
    #[arg(long, value_delimiter = ',', default_values_t = [WorkerConfig::default().delivery_concurrency])]
    webhook_concurrency: Vec<usize>,
    /// Webhook latency (issue 15): calls made ready one at a time on an otherwise idle
    /// server, for each way of becoming ready (the analysis loop's poll, and at once);
    /// from ready to arrival at the receiver (0 = skip).
    #[arg(long, default_value_t = 0)]
    webhook_ready_calls: usize,
    /// How deliveries are authenticated: `jwt` (an RS256 JWT per request) or
    /// `secret-in-url`.
    #[arg(long, default_value = "jwt")]
    webhook_auth: String,
    /// The workers' `worker_poll_ms` (how often an idle loop looks for work).
    #[arg(long, default_value_t = WorkerConfig::default().poll.as_millis() as u64)]
    worker_poll_ms: u64,
}

fn scenario_name(s: &str) -> Result<&'static str> {
    let s = s.trim();
    let by_letter = match s {
        "a" => Some(0),
        "b" => Some(1),
        "c" => Some(2),
        "d" => Some(3),
        "e" => Some(4),
        "f" => Some(5),
        "g" => Some(6),
        "h" => Some(7),
        "i" => Some(8),
        "j" => Some(9),
        "k" => Some(10),
        "l" => Some(11),
        "m" => Some(12),
        _ => None,
    };
    if let Some(i) = by_letter {
        return Ok(ALL_SCENARIOS[i]);
    }
    if s == "all" {
        return Ok("all");
    }
    ALL_SCENARIOS
        .iter()
        .find(|n| **n == s)
        .copied()
        .ok_or_else(|| {
            anyhow!("unknown scenario {s:?}; expected one of {ALL_SCENARIOS:?}, a-m or all")
        })
}

fn letter(name: &str) -> char {
    let i = ALL_SCENARIOS.iter().position(|n| *n == name).unwrap_or(0);
    (b'a' + i as u8) as char
}

// ---------------------------------------------------------------------------------------
// Seeding
// ---------------------------------------------------------------------------------------

const FIRST_NAMES: [&str; 10] = [
    "Ava", "Ben", "Chloe", "Dan", "Eve", "Finn", "Gia", "Hugo", "Ivy", "Jon",
];
const LAST_NAMES: [&str; 10] = [
    "Adams", "Brooks", "Chen", "Diaz", "Evans", "Fox", "Garcia", "Hale", "Ito", "Jones",
];
const ACCOUNTS: u32 = 2_000;
const OPPORTUNITIES: u32 = 5_000;

fn bench_user(i: usize) -> User {
    User {
        id: UserId::generate(),
        email: format!("rep{i}@acme-bench.example.com"),
        created: Utc
            .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
            .single()
            .expect("valid date"),
        active: true,
        email_aliases: vec![],
        trusted_email: None,
        first_name: FIRST_NAMES[i % 10].to_owned(),
        last_name: format!(
            "{}{}",
            LAST_NAMES[(i / 10) % 10],
            if i >= 100 {
                i.to_string()
            } else {
                String::new()
            }
        ),
        title: Some(
            if i.is_multiple_of(4) {
                "Sales Manager"
            } else {
                "Account Executive"
            }
            .to_owned(),
        ),
        phone: Some(format!("+1555010{:04}", i)),
        extension: None,
        personal_meeting_urls: vec![format!("https://zoom.us/my/rep{i}")],
        settings: UserSettings {
            web_conferences_recorded: true,
            telephony_calls_imported: true,
            ..UserSettings::default()
        },
        manager_id: None,
        meeting_consent_page_url: None,
        spoken_languages: vec![],
    }
}

fn account_link(n: u32) -> CrmLink {
    CrmLink {
        system: CrmSystem::Salesforce,
        object_type: "Account".to_owned(),
        object_id: format!("001BENCH{n:07}"),
        fields: vec![
            ("Name".to_owned(), json!(format!("Customer {n} Inc."))),
            (
                "Industry".to_owned(),
                json!(["Software", "Retail", "Finance", "Health"][n as usize % 4]),
            ),
            (
                "AnnualRevenue".to_owned(),
                json!(1_000_000 + u64::from(n) * 1_000),
            ),
            (
                "Website".to_owned(),
                json!(format!("https://customer{n}.example.com")),
            ),
        ],
    }
}

fn opportunity_link(n: u32) -> CrmLink {
    CrmLink {
        system: CrmSystem::Salesforce,
        object_type: "Opportunity".to_owned(),
        object_id: format!("006BENCH{n:07}"),
        fields: vec![
            (
                "Name".to_owned(),
                json!(format!("Customer {} - Renewal", n % ACCOUNTS)),
            ),
            (
                "StageName".to_owned(),
                json!(["Discovery", "Proposal", "Negotiation", "Closed Won"][n as usize % 4]),
            ),
            (
                "Amount".to_owned(),
                json!(5_000.0 + f64::from(n % 100) * 750.0),
            ),
            ("CloseDate".to_owned(), json!("2025-12-31")),
            ("Probability".to_owned(), json!((n % 10) * 10)),
        ],
    }
}

fn bench_call(
    i: usize,
    rng: &mut StdRng,
    users: &[User],
    ws: WorkspaceId,
) -> (Call, Vec<Party>, Vec<CrmLink>) {
    let year_start = Utc
        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .expect("valid date");
    let started =
        year_start + chrono::Duration::microseconds(rng.gen_range(0..365 * 86_400 * 1_000_000i64));
    let duration_s = rng.gen_range(300..3_600i64);
    let user = &users[rng.gen_range(0..users.len())];
    let account = rng.gen_range(0..ACCOUNTS);
    let call_id = CallId::generate();
    let internal = Party {
        id: PartyId::generate(),
        call_id,
        name: Some(user.full_name()),
        email: Some(user.email.clone()),
        title: user.title.clone(),
        user_id: Some(user.id),
        speaker_id: None,
        affiliation: Affiliation::Internal,
        phone: None,
        methods: vec![PartyMethod::Invitee, PartyMethod::Attendee],
        media_channel: None,
        context: vec![],
    };
    let mut parties = vec![internal];
    for k in 0..2 {
        let first = FIRST_NAMES[rng.gen_range(0..10)];
        let last = LAST_NAMES[rng.gen_range(0..10)];
        parties.push(Party {
            id: PartyId::generate(),
            call_id,
            name: Some(format!("{first} {last}")),
            email: Some(format!(
                "{}.{}@customer{account}.example.com",
                first.to_lowercase(),
                last.to_lowercase()
            )),
            title: Some(
                ["VP Sales", "CTO", "Head of Ops", "Buyer"][rng.gen_range(0..4)].to_owned(),
            ),
            user_id: None,
            speaker_id: None,
            affiliation: Affiliation::External,
            phone: (k == 0).then(|| format!("+1555{:07}", rng.gen_range(0..10_000_000))),
            methods: if k == 0 {
                vec![PartyMethod::Invitee, PartyMethod::Attendee]
            } else {
                vec![PartyMethod::Attendee]
            },
            media_channel: None,
            context: vec![],
        });
    }
    let context = if rng.gen_bool(0.5) {
        let opp = account + ACCOUNTS * rng.gen_range(0..(OPPORTUNITIES / ACCOUNTS).max(1));
        vec![account_link(account), opportunity_link(opp % OPPORTUNITIES)]
    } else {
        vec![]
    };
    let call = Call {
        id: call_id,
        workspace_id: ws,
        title: format!(
            "{} call with Customer {account} Inc.",
            ["Discovery", "Demo", "Pricing", "Renewal"][i % 4]
        ),
        scheduled: Some(started - chrono::Duration::minutes(2)),
        started,
        duration_s,
        primary_user_id: user.id,
        direction: [
            Direction::Outbound,
            Direction::Inbound,
            Direction::Conference,
        ][i % 3],
        system: Some("Zoom".to_owned()),
        scope: CallScope::External,
        media: if i.is_multiple_of(3) {
            MediaKind::Audio
        } else {
            MediaKind::Video
        },
        language: Some("eng".to_owned()),
        sdr_disposition: None,
        client_unique_id: Some(format!("bench-{i}")),
        custom_data: None,
        purpose: Some("Sales".to_owned()),
        meeting_url: Some(format!(
            "https://zoom.us/j/{}",
            80_000_000_000u64 + i as u64
        )),
        is_private: false,
        calendar_event_id: Some(format!("evt-{i}")),
        media_source_url: None,
        language_hint: None,
        created: started + chrono::Duration::seconds(duration_s + 60),
    };
    (call, parties, context)
}

async fn seed(store: Arc<dyn Store>, args: &Args, ws: WorkspaceId) -> Result<()> {
    let users: Vec<User> = (0..args.users.max(1)).map(bench_user).collect();
    for u in &users {
        store.create_user(u).await.context("create_user")?;
    }
    let users = Arc::new(users);
    let total = args.calls;
    let tasks = args.seed_tasks.max(1);
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let store = store.clone();
        let users = users.clone();
        let done = done.clone();
        handles.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(0x9a71e7 + t as u64);
            let mut i = t;
            while i < total {
                let (call, parties, context) = bench_call(i, &mut rng, &users, ws);
                store
                    .insert_call(&call, &parties, &context, &[])
                    .await
                    .with_context(|| format!("insert_call #{i}"))?;
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_multiple_of((total / 10).max(1)) {
                    eprintln!(
                        "  seeded {n}/{total} calls ({:.1} s)",
                        started.elapsed().as_secs_f64()
                    );
                }
                i += tasks;
            }
            anyhow::Ok(())
        }));
    }
    for h in handles {
        h.await??;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// HTTP client
// ---------------------------------------------------------------------------------------

#[derive(Clone)]
struct Req {
    method: Method,
    path: String,
    body: Bytes,
    authed: bool,
}

impl Req {
    fn get(path: impl Into<String>, authed: bool) -> Req {
        Req {
            method: Method::GET,
            path: path.into(),
            body: Bytes::new(),
            authed,
        }
    }

    fn post(path: impl Into<String>, body: &Value) -> Req {
        Req {
            method: Method::POST,
            path: path.into(),
            body: Bytes::from(body.to_string()),
            authed: true,
        }
    }
}

struct Target {
    addr: SocketAddr,
    host: HeaderValue,
    auth: HeaderValue,
}

impl Target {
    fn request(&self, r: &Req) -> Result<Request<Full<Bytes>>> {
        let mut b = Request::builder()
            .method(r.method.clone())
            .uri(r.path.as_str())
            .header(HOST, self.host.clone());
        if r.authed {
            b = b.header(AUTHORIZATION, self.auth.clone());
        }
        if !r.body.is_empty() {
            b = b.header(CONTENT_TYPE, "application/json");
        }
        Ok(b.body(Full::new(r.body.clone()))?)
    }
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    req: Request<Full<Bytes>>,
) -> Result<(StatusCode, Bytes)> {
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// A single keep-alive connection for setup requests (pre-walks, sanity checks).
struct OneClient {
    target: Arc<Target>,
    sender: SendRequest<Full<Bytes>>,
}

impl OneClient {
    async fn new(target: Arc<Target>) -> Result<OneClient> {
        let sender = connect(target.addr).await?;
        Ok(OneClient { target, sender })
    }

    async fn raw(&mut self, r: &Req) -> Result<Bytes> {
        // The server closes a keep-alive connection left idle past its header-read timeout
        // (a scenario's run is longer): reconnect when it has.
        if self.sender.is_closed() || self.sender.ready().await.is_err() {
            self.sender = connect(self.target.addr).await?;
        }
        let req = self.target.request(r)?;
        let (status, body) = send(&mut self.sender, req).await?;
        if status != StatusCode::OK {
            bail!(
                "{} {} -> {status}: {}",
                r.method,
                r.path,
                String::from_utf8_lossy(&body)
            );
        }
        Ok(body)
    }

    async fn json(&mut self, r: &Req) -> Result<(Value, usize)> {
        let body = self.raw(r).await?;
        Ok((
            serde_json::from_slice(&body).context("response is not JSON")?,
            body.len(),
        ))
    }
}

// ---------------------------------------------------------------------------------------
// Payload reference: bytes served from memory by a bare axum handler
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct Payloads {
    calls: std::sync::RwLock<Bytes>,
    extensive: std::sync::RwLock<Bytes>,
}

fn payload_response(body: Bytes) -> axum::response::Response {
    use axum::response::IntoResponse;
    ([(CONTENT_TYPE, "application/json;charset=UTF-8")], body).into_response()
}

fn payload_app(payloads: Arc<Payloads>) -> axum::Router {
    use axum::extract::State;
    use axum::routing::get;
    axum::Router::new()
        .route(
            "/payload/calls",
            get(|State(p): State<Arc<Payloads>>| async move {
                payload_response(p.calls.read().expect("payload lock").clone())
            }),
        )
        .route(
            "/payload/extensive",
            get(|State(p): State<Arc<Payloads>>| async move {
                payload_response(p.extensive.read().expect("payload lock").clone())
            }),
        )
        .with_state(payloads)
}

fn cursor_of(v: &Value) -> Option<String> {
    v["records"]["cursor"].as_str().map(str::to_owned)
}

/// Walks a whole listing and returns every cursor it handed out, in order.
async fn walk_cursors(
    client: &mut OneClient,
    first: Req,
    next: impl Fn(&str) -> Req,
) -> Result<Vec<String>> {
    let mut cursors = Vec::new();
    let (mut page, _) = client.json(&first).await?;
    while let Some(c) = cursor_of(&page) {
        cursors.push(c.clone());
        page = client.json(&next(&c)).await?.0;
    }
    Ok(cursors)
}

// ---------------------------------------------------------------------------------------
// Load generation
// ---------------------------------------------------------------------------------------

struct Plan {
    reqs: Vec<Req>,
    next: AtomicUsize,
}

impl Plan {
    fn new(reqs: Vec<Req>) -> Arc<Plan> {
        Arc::new(Plan {
            reqs,
            next: AtomicUsize::new(0),
        })
    }

    fn pick(&self) -> &Req {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        &self.reqs[i % self.reqs.len()]
    }
}

struct ConnStats {
    hist: Histogram<u64>,
    ok: u64,
    bytes: u64,
    errors: u64,
    warmup_errors: u64,
    first_errors: Vec<String>,
    last_done: Option<Instant>,
}

fn new_hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

async fn connection_loop(
    target: Arc<Target>,
    plan: Arc<Plan>,
    measure_from: Instant,
    end: Instant,
) -> ConnStats {
    let mut st = ConnStats {
        hist: new_hist(),
        ok: 0,
        bytes: 0,
        errors: 0,
        warmup_errors: 0,
        first_errors: Vec::new(),
        last_done: None,
    };
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    let note = |st: &mut ConnStats, measured: bool, msg: String| {
        if measured {
            st.errors += 1;
        } else {
            st.warmup_errors += 1;
        }
        if st.first_errors.len() < 3 {
            st.first_errors.push(msg);
        }
    };
    while Instant::now() < end {
        if sender.is_none() {
            match connect(target.addr).await {
                Ok(s) => sender = Some(s),
                Err(e) => {
                    let measured = Instant::now() >= measure_from;
                    note(&mut st, measured, format!("connect: {e:#}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let s = sender.as_mut().expect("connected above");
        let r = plan.pick();
        let req = match target.request(r) {
            Ok(req) => req,
            Err(e) => {
                note(&mut st, true, format!("building request: {e:#}"));
                continue;
            }
        };
        let t0 = Instant::now();
        let measured = t0 >= measure_from;
        let result = send(s, req).await;
        let done = Instant::now();
        match result {
            Ok((StatusCode::OK, body)) => {
                if measured {
                    let us = (done - t0).as_micros().min(u128::from(u64::MAX)) as u64;
                    st.hist.saturating_record(us.max(1));
                    st.ok += 1;
                    st.bytes += body.len() as u64;
                    st.last_done = Some(done);
                }
            }
            Ok((status, body)) => {
                let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
                note(
                    &mut st,
                    measured,
                    format!("{} {} -> {status}: {text}", r.method, r.path),
                );
            }
            Err(e) => {
                note(
                    &mut st,
                    measured,
                    format!("{} {} -> transport error: {e:#}", r.method, r.path),
                );
                sender = None;
            }
        }
    }
    st
}

/// CPU time consumed by this process's threads, by role, in clock ticks.
#[derive(Debug, Default, Clone, Copy)]
struct CpuSnap {
    /// Threads of the server runtime (`parley-server`): HTTP, routing, rendering, JSON.
    server: u64,
    /// sqlx's per-connection SQLite threads: SQL execution and row copying.
    sqlite: u64,
    /// The load generator (main thread).
    generator: u64,
    /// The webhook receiver's thread (`bench-receiver`): what another machine would do.
    receiver: u64,
    other: u64,
}

impl CpuSnap {
    fn now() -> CpuSnap {
        let mut snap = CpuSnap::default();
        let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
            return snap;
        };
        for entry in dir.flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let comm = &stat[open + 1..close];
            // After the comm: state is field 3; utime and stime are fields 14 and 15.
            let rest: Vec<&str> = stat[close + 1..].split_whitespace().collect();
            let ticks = |i: usize| rest.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            let t = ticks(11) + ticks(12);
            if comm.starts_with("parley-server") {
                snap.server += t;
            } else if comm.starts_with("sqlx-sqlite") {
                snap.sqlite += t;
            } else if comm.starts_with("parley-bench") {
                snap.generator += t;
            } else if comm.starts_with("bench-receiver") {
                snap.receiver += t;
            } else {
                snap.other += t;
            }
        }
        snap
    }

    fn minus(self, o: CpuSnap) -> CpuSnap {
        CpuSnap {
            server: self.server.saturating_sub(o.server),
            sqlite: self.sqlite.saturating_sub(o.sqlite),
            generator: self.generator.saturating_sub(o.generator),
            receiver: self.receiver.saturating_sub(o.receiver),
            other: self.other.saturating_sub(o.other),
        }
    }

    fn total(self) -> u64 {
        self.server + self.sqlite + self.generator + self.receiver + self.other
    }
}

/// Clock ticks per second of /proc times.
fn clk_tck() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<f64>()
                .ok()
        })
        .filter(|v| *v > 0.0)
        .unwrap_or(100.0)
}

fn process_cpu_secs() -> f64 {
    let s = CpuSnap::now();
    s.total() as f64 / clk_tck()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

struct Outcome {
    name: &'static str,
    request: String,
    rps: f64,
    requests: u64,
    errors: u64,
    warmup_errors: u64,
    p50: f64,
    p90: f64,
    p99: f64,
    p999: f64,
    max: f64,
    mean: f64,
    bytes_per_resp: f64,
    first_errors: Vec<String>,
    /// CPU µs per request: server runtime threads, SQLite threads, generator.
    cpu_server_us: f64,
    cpu_sqlite_us: f64,
    cpu_generator_us: f64,
    /// CPU cores this process actually got during the window.
    cores_used: f64,
    load_before: String,
}

impl Outcome {
    /// What the box would serve if this process's CPU cost per request were the only
    /// limit and it had every core to itself (generator included, as here).
    fn cpu_ceiling_rps(&self) -> f64 {
        let per_req = self.cpu_server_us + self.cpu_sqlite_us + self.cpu_generator_us;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        if per_req > 0.0 {
            cores * 1e6 / per_req
        } else {
            0.0
        }
    }
}

async fn run_scenario(
    args: &Args,
    target: &Arc<Target>,
    name: &'static str,
    request: String,
    plan: Arc<Plan>,
) -> Outcome {
    let load_before = loadavg();
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(args.warmup_secs);
    let end = measure_from + Duration::from_secs(args.duration_secs);
    let cpu = tokio::spawn(async move {
        tokio::time::sleep_until(measure_from.into()).await;
        let (a, t0) = (CpuSnap::now(), Instant::now());
        tokio::time::sleep_until(end.into()).await;
        (CpuSnap::now().minus(a), t0.elapsed().as_secs_f64())
    });
    let handles: Vec<_> = (0..args.connections.max(1))
        .map(|_| {
            tokio::spawn(connection_loop(
                target.clone(),
                plan.clone(),
                measure_from,
                end,
            ))
        })
        .collect();
    let mut hist = new_hist();
    let (mut ok, mut bytes, mut errors, mut warmup_errors) = (0u64, 0u64, 0u64, 0u64);
    let mut first_errors = Vec::new();
    let mut last_done = measure_from;
    for h in handles {
        match h.await {
            Ok(st) => {
                hist.add(&st.hist).expect("same histogram bounds");
                ok += st.ok;
                bytes += st.bytes;
                errors += st.errors;
                warmup_errors += st.warmup_errors;
                if first_errors.len() < 5 {
                    first_errors.extend(st.first_errors);
                }
                if let Some(d) = st.last_done {
                    last_done = last_done.max(d);
                }
            }
            Err(e) => {
                errors += 1;
                first_errors.push(format!("connection task failed: {e}"));
            }
        }
    }
    let (cpu, cpu_wall) = cpu.await.unwrap_or((CpuSnap::default(), 1.0));
    let secs = (last_done - measure_from).as_secs_f64().max(1e-9);
    let tck = clk_tck();
    // Requests completed during the CPU window, estimated from the measured rate.
    let reqs_in_cpu_window = (ok as f64 / secs * cpu_wall).max(1.0);
    let per_req = |ticks: u64| ticks as f64 / tck * 1e6 / reqs_in_cpu_window;
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    Outcome {
        name,
        request,
        rps: ok as f64 / secs,
        requests: ok,
        errors,
        warmup_errors,
        p50: ms(0.50),
        p90: ms(0.90),
        p99: ms(0.99),
        p999: ms(0.999),
        max: hist.max() as f64 / 1000.0,
        mean: hist.mean() / 1000.0,
        bytes_per_resp: if ok > 0 {
            bytes as f64 / ok as f64
        } else {
            0.0
        },
        first_errors,
        cpu_server_us: per_req(cpu.server + cpu.other),
        cpu_sqlite_us: per_req(cpu.sqlite),
        cpu_generator_us: per_req(cpu.generator),
        cores_used: cpu.total() as f64 / tck / cpu_wall.max(1e-9),
        load_before,
    }
}

fn print_outcome(o: &Outcome) {
    println!(
        "[{}] {:<17} {:>8.0} req/s  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  p99.9 {:>6.2} ms  max {:>7.2} ms  mean {:>6.2} ms  {:>7.0} B/resp  ({} ok, {} errors)",
        letter(o.name),
        o.name,
        o.rps,
        o.p50,
        o.p90,
        o.p99,
        o.p999,
        o.max,
        o.mean,
        o.bytes_per_resp,
        o.requests,
        o.errors + o.warmup_errors
    );
    println!(
        "    CPU per request: server runtime {:.0} µs + SQLite threads {:.0} µs + generator {:.0} µs; process got {:.2} cores; load average before: {}",
        o.cpu_server_us, o.cpu_sqlite_us, o.cpu_generator_us, o.cores_used, o.load_before
    );
    if o.errors + o.warmup_errors > 0 {
        println!(
            "!!!!!!!! ERRORS in scenario {}: {} during measurement, {} during warm-up !!!!!!!!",
            o.name, o.errors, o.warmup_errors
        );
        for e in &o.first_errors {
            println!("!!!!!!!!   {e}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Store / render breakdown (timing instrumentation outside HTTP)
// ---------------------------------------------------------------------------------------

struct Timing {
    what: String,
    iters: usize,
    mean_us: f64,
    p99_us: f64,
    /// Process CPU per operation (all threads: caller and SQLite thread).
    cpu_us: f64,
}

/// Runs `f` repeatedly for about 0.3 s (at least 20 times) after a short warm-up.
async fn time_op<F, Fut>(what: &str, mut f: F) -> Result<Timing>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    for i in 0..10 {
        f(i).await?;
    }
    let mut hist = new_hist();
    let cpu0 = process_cpu_secs();
    let start = Instant::now();
    let mut iters = 0;
    while iters < 20 || start.elapsed() < Duration::from_millis(300) {
        let t0 = Instant::now();
        f(iters).await?;
        hist.saturating_record((t0.elapsed().as_micros() as u64).max(1));
        iters += 1;
    }
    let wall = start.elapsed().as_secs_f64() * 1e6;
    let cpu = (process_cpu_secs() - cpu0) * 1e6;
    Ok(Timing {
        what: what.to_owned(),
        iters,
        mean_us: wall / iters as f64,
        p99_us: hist.value_at_quantile(0.99) as f64,
        cpu_us: cpu / iters as f64,
    })
}

fn parse_time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("constant RFC 3339 time")
        .with_timezone(&Utc)
}

async fn breakdown(state: &AppState, access_key: &str) -> Result<Vec<Timing>> {
    let store = state.store.clone();
    let window = CallFilter {
        from: Some(parse_time(WINDOW_FROM)),
        to: Some(parse_time(WINDOW_TO)),
        ..Default::default()
    };
    let all = CallFilter::default();
    // Deep keys: the last key of every page of the full listing.
    let mut keys = Vec::new();
    let mut after = None;
    loop {
        let page = store.list_calls(&all, after, 100).await?;
        let Some(last) = page.last() else { break };
        after = Some(CallKey::of(last));
        keys.push(after.expect("set above"));
        if page.len() < 100 {
            break;
        }
    }
    keys.pop();
    if keys.is_empty() {
        keys.push(CallKey {
            started_us: 0,
            id: 0,
        });
    }
    let first_page = store.list_calls(&window, None, 100).await?;
    let ids: Vec<CallId> = first_page.iter().map(|c| c.id).collect();
    let mut out = Vec::new();
    out.push(
        time_op(
            "store.get_api_key (auth re-check, once per key per second)",
            |_| async {
                store.get_api_key(access_key).await?;
                Ok(())
            },
        )
        .await?,
    );
    out.push(
        time_op(
            "store.count_calls(30-day window) — every first page",
            |_| async {
                store.count_calls(&window).await?;
                Ok(())
            },
        )
        .await?,
    );
    out.push(
        time_op(
            "store.count_calls(all) — first page without filter",
            |_| async {
                store.count_calls(&all).await?;
                Ok(())
            },
        )
        .await?,
    );
    out.push(
        time_op("store.list_calls(30-day window, first, 101)", |_| async {
            store.list_calls(&window, None, 101).await?;
            Ok(())
        })
        .await?,
    );
    out.push(
        time_op("store.list_calls(all, deep keyset, 101)", |i| {
            let key = keys[(i * 7919) % keys.len()];
            let store = store.clone();
            async move {
                store
                    .list_calls(&CallFilter::default(), Some(key), 101)
                    .await?;
                Ok(())
            }
        })
        .await?,
    );
    out.push(
        time_op(
            "store.parties_of(100 calls) (incl. party CRM links query)",
            |_| async {
                store.parties_of(&ids).await?;
                Ok(())
            },
        )
        .await?,
    );
    out.push(
        time_op("store.call_context_of(100 calls)", |_| async {
            store.call_context_of(&ids).await?;
            Ok(())
        })
        .await?,
    );
    let parties = store.parties_of(&ids).await?;
    let context = store.call_context_of(&ids).await?;
    let render = state.render.clone();
    let records = Records {
        total_records: 8_000,
        current_page_size: 100,
        current_page_number: 0,
        cursor: Some("x".repeat(120)),
    };
    out.push(
        time_op(
            "render + serde_json of a GET /v2/calls page (100 calls)",
            |_| {
                let body = CallsResponse {
                    request_id: "0123456789abcdefghi".to_owned(),
                    records: records.clone(),
                    calls: first_page
                        .iter()
                        .map(|c| CallBasicData::from_domain(c, &render))
                        .collect(),
                };
                let bytes = serde_json::to_vec(&body);
                async move {
                    std::hint::black_box(bytes?);
                    Ok(())
                }
            },
        )
        .await?,
    );
    let req: ExtensiveRequest =
        gong_api_v2::from_json(extensive_body(None, true).to_string().as_bytes())
            .map_err(|e| anyhow!("extensive request: {e}"))?;
    let level = req
        .content_selector
        .context_level()
        .map_err(|e| anyhow!(e))?;
    let timings = req.content_selector.timings().map_err(|e| anyhow!(e))?;
    out.push(
        time_op(
            "render + serde_json of an extensive page (100 calls, parties, Extended)",
            |_| {
                let calls = first_page
                    .iter()
                    .map(|call| {
                        let p = parties.get(&call.id).map(Vec::as_slice).unwrap_or_default();
                        let c = context.get(&call.id).map(Vec::as_slice).unwrap_or_default();
                        let facts = CallFacts {
                            call,
                            parties: p,
                            context: c,
                            tally: None,
                            analysis: None,
                            media: None,
                            comments: &[],
                        };
                        req.content_selector
                            .exposed_fields
                            .render(&facts, level, &timings, &render)
                    })
                    .collect();
                let body = ExtensiveResponse {
                    request_id: "0123456789abcdefghi".to_owned(),
                    records: records.clone(),
                    calls,
                };
                let bytes = serde_json::to_vec(&body);
                async move {
                    std::hint::black_box(bytes?);
                    Ok(())
                }
            },
        )
        .await?,
    );
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------

fn git_commit() -> String {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match run(&["rev-parse", "--short", "HEAD"]) {
        Some(c) => {
            let dirty = run(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{c} (working tree modified)")
            } else {
                c
            }
        }
        None => "unknown (git not available)".to_owned(),
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn mem_total() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal"))
                .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn extensive_body(cursor: Option<&str>, windowed: bool) -> Value {
    let filter = if windowed {
        json!({"fromDateTime": WINDOW_FROM, "toDateTime": WINDOW_TO})
    } else {
        json!({})
    };
    let mut body = json!({
        "filter": filter,
        "contentSelector": {"context": "Extended", "exposedFields": {"parties": true}}
    });
    if let Some(c) = cursor {
        body["cursor"] = json!(c);
    }
    body
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.rate_limit_scope != "off" {
        // Refused before seeding, not after.
        args.rate_limit_scope
            .parse::<RateLimitScope>()
            .map_err(|e| anyhow!("--rate-limit-scope: {e}, or off"))?;
    }
    let webhook_opts = webhooks::Options {
        deliveries: args.webhook_deliveries,
        concurrency: args.webhook_concurrency.clone(),
        ready_calls: args.webhook_ready_calls,
        auth: webhooks::parse_auth(&args.webhook_auth)?,
        poll: Duration::from_millis(args.worker_poll_ms),
    };
    if webhook_opts.calls_needed() > args.calls {
        bail!(
            "the webhook phase needs {} calls without a transcript; --calls is {}",
            webhook_opts.calls_needed(),
            args.calls
        );
    }
    if webhook_opts.concurrency.is_empty() || webhook_opts.concurrency.contains(&0) {
        bail!("--webhook-concurrency: give one or more values above 0");
    }
    let mut wanted: Vec<&'static str> = Vec::new();
    for s in &args.scenarios {
        match scenario_name(s)? {
            "all" => wanted.extend(ALL_SCENARIOS),
            n => wanted.push(n),
        }
    }
    let wanted: Vec<&'static str> = ALL_SCENARIOS
        .into_iter()
        .filter(|n| wanted.contains(n))
        .collect();
    let command_line = std::env::args().collect::<Vec<_>>().join(" ");
    let run_start = Instant::now();
    // Read before the run: other people may commit while it lasts.
    let commit = git_commit();
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());

    // ---- server runtime: store, seeding, server --------------------------------------
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.server_workers.max(1))
        .thread_name("parley-server")
        .enable_all()
        .build()?;
    let tmp = tempfile::tempdir()?;
    let db_path = match &args.db {
        Some(p) => p.clone(),
        None => tmp.path().join("bench.db"),
    };
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", db_path.display()),
    };
    let shown = parley_store::redact(&url);
    println!("# parley-bench");
    println!("database: {shown}");
    println!("load average at start: {}", loadavg());
    let payloads = Arc::new(Payloads::default());
    let started = server_rt.block_on(async {
        let store = parley_app::storage::open(&url).await.context("opening the store")?;
        let ws = parley_app::workspaces::ensure_default_workspace(store.as_ref()).await?;
        let existing = store.count_calls(&CallFilter::default()).await?;
        let seed_secs = if existing == 0 {
            println!(
                "seeding {} users and {} calls ({} insert task(s))...",
                args.users, args.calls, args.seed_tasks
            );
            let t0 = Instant::now();
            seed(store.clone(), &args, ws.id).await?;
            let seed_secs = t0.elapsed().as_secs_f64();
            println!(
                "seeded {} calls in {:.1} s ({:.0} calls/s; store.insert_call, one transaction per call)",
                args.calls,
                seed_secs,
                args.calls as f64 / seed_secs.max(1e-9)
            );
            Some(seed_secs)
        } else if existing == args.calls as i64 {
            println!("reusing {existing} calls already in {shown}");
            None
        } else {
            bail!("{shown} holds {existing} calls, not --calls {}: remove it or pass the matching --calls", args.calls);
        };
        let config = match args.rate_limit_scope.as_str() {
            "off" => ServerConfig { rate_limit: RateLimit::OFF, ..Default::default() },
            scope => ServerConfig {
                rate_limit: RateLimit { per_second: 1_000_000, burst: 1_000_000, per_day: 0 },
                rate_limit_scope: scope.parse::<RateLimitScope>().map_err(|e| anyhow!(e))?,
                ..Default::default()
            },
        };
        let state = AppState::new(store.clone(), config).await?;
        let key = parley_app::keys::create_key(store.as_ref(), &parley_app::keys::KeySpec::full("bench"))
            .await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(parley_server::serve(listener, state.clone(), async {
            let _ = rx.await;
        }));
        let payload_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let payload_addr = payload_listener.local_addr()?;
        let app = payload_app(payloads.clone());
        tokio::spawn(async move {
            let _ = axum::serve(payload_listener, app).await;
        });
        anyhow::Ok((state, store, key, addr, payload_addr, tx, task, seed_secs, ws.id))
    })?;
    let (state, store, key, addr, payload_addr, shutdown, server_task, seed_secs, ws) = started;
    let db_bytes: u64 = ["", "-wal", "-shm"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", db_path.display())).ok())
        .map(|m| m.len())
        .sum();

    let target = Arc::new(Target {
        addr,
        host: HeaderValue::from_str(&addr.to_string())?,
        auth: HeaderValue::from_str(&format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", key.access_key, key.secret))
        ))?,
    });
    let payload_target = Arc::new(Target {
        addr: payload_addr,
        host: HeaderValue::from_str(&payload_addr.to_string())?,
        auth: HeaderValue::from_static(""),
    });
    let topology = format!(
        "one process: the server (parley_server::serve) on a tokio multi-thread runtime with {} worker(s), \
         plus sqlx's own thread per SQLite connection (pool max 8); the load generator on a tokio \
         current-thread runtime on the main thread; {} keep-alive HTTP/1.1 connections (hyper client) \
         over loopback, closed loop (each connection sends its next request when the previous answer is read)",
        args.server_workers, args.connections
    );
    println!("server listening on http://{addr}");
    println!("{topology}");

    // ---- load generator runtime ------------------------------------------------------
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcomes = client_rt.block_on(async {
        let mut client = OneClient::new(target.clone()).await?;
        let window_q = format!("fromDateTime={WINDOW_FROM}&toDateTime={WINDOW_TO}");
        let calls_first = Req::get(format!("/v2/calls?{window_q}"), true);
        let extensive_first = Req::post("/v2/calls/extensive", &extensive_body(None, true));
        let mut outcomes = Vec::new();
        for name in &wanted {
            let mut on = &target;
            let (request, plan) = match *name {
                "health" => ("GET /health".to_owned(), Plan::new(vec![Req::get("/health", false)])),
                "workspaces" => ("GET /v2/workspaces".to_owned(), Plan::new(vec![Req::get("/v2/workspaces", true)])),
                "calls-first" => (
                    format!("GET /v2/calls?{window_q} (first page, 30-day window)"),
                    Plan::new(vec![calls_first.clone()]),
                ),
                // The calls list of the UI (`GET /parley/v1/calls`), newest first.
                "search-newest" => (
                    "GET /parley/v1/calls?limit=100 (the UI's list: newest 100 of the whole table)".to_owned(),
                    Plan::new(vec![Req::get("/parley/v1/calls?limit=100", true)]),
                ),
                // A quarter of the titles say "Pricing": a page fills after ~400 calls.
                "search-title" => (
                    "GET /parley/v1/calls?limit=100&q=pricing (a word of a quarter of the titles)".to_owned(),
                    Plan::new(vec![Req::get("/parley/v1/calls?limit=100&q=pricing", true)]),
                ),
                // One account's participants (~50 calls of the table): the page never fills,
                // which made a scan read every call (before the search index).
                "search-rare" => (
                    "GET /parley/v1/calls?limit=100&q=customer7.example (one account's ~50 calls: the page never fills)".to_owned(),
                    Plan::new(vec![Req::get("/parley/v1/calls?limit=100&q=customer7.example", true)]),
                ),
                "calls-deep" => {
                    let t0 = Instant::now();
                    let cursors = walk_cursors(&mut client, Req::get("/v2/calls", true), |c| {
                        Req::get(format!("/v2/calls?cursor={c}"), true)
                    })
                    .await?;
                    println!(
                        "pre-walked GET /v2/calls (no filter): {} cursors in {:.1} s",
                        cursors.len(),
                        t0.elapsed().as_secs_f64()
                    );
                    if cursors.is_empty() {
                        bail!("the full listing has a single page: seed more calls for calls-deep");
                    }
                    let n = cursors.len();
                    (
                        format!("GET /v2/calls?cursor=… (no filter: whole table, cycling through {n} deep pages)"),
                        Plan::new(cursors.iter().map(|c| Req::get(format!("/v2/calls?cursor={c}"), true)).collect()),
                    )
                }
                "calls-page1" => (
                    "GET /v2/calls (first page of the whole table, no filter)".to_owned(),
                    Plan::new(vec![Req::get("/v2/calls", true)]),
                ),
                "calls-last" => {
                    let t0 = Instant::now();
                    let cursors = walk_cursors(&mut client, Req::get("/v2/calls", true), |c| {
                        Req::get(format!("/v2/calls?cursor={c}"), true)
                    })
                    .await?;
                    let Some(last) = cursors.last() else {
                        bail!("the full listing has a single page: seed more calls for calls-last");
                    };
                    println!(
                        "pre-walked GET /v2/calls (no filter): {} pages in {:.1} s",
                        cursors.len() + 1,
                        t0.elapsed().as_secs_f64()
                    );
                    (
                        format!("GET /v2/calls?cursor=… (page {} of the whole table, no filter)", cursors.len() + 1),
                        Plan::new(vec![Req::get(format!("/v2/calls?cursor={last}"), true)]),
                    )
                }
                "extensive-first" => (
                    "POST /v2/calls/extensive (first page, 30-day window, context Extended, parties)".to_owned(),
                    Plan::new(vec![extensive_first.clone()]),
                ),
                "extensive-deep" => {
                    // Cursors are bound to endpoint + filter only, so a cheap walk (no exposed
                    // fields) yields the same cursors the full content selector accepts.
                    let t0 = Instant::now();
                    let cursors = walk_cursors(
                        &mut client,
                        Req::post("/v2/calls/extensive", &json!({"filter": {}})),
                        |c| Req::post("/v2/calls/extensive", &json!({"filter": {}, "cursor": c})),
                    )
                    .await?;
                    println!(
                        "pre-walked POST /v2/calls/extensive (filter {{}}): {} cursors in {:.1} s",
                        cursors.len(),
                        t0.elapsed().as_secs_f64()
                    );
                    if cursors.is_empty() {
                        bail!("the full listing has a single page: seed more calls for extensive-deep");
                    }
                    let n = cursors.len();
                    (
                        format!("POST /v2/calls/extensive cursor=… (filter {{}}: whole table, cycling through {n} deep pages)"),
                        Plan::new(
                            cursors
                                .iter()
                                .map(|c| Req::post("/v2/calls/extensive", &extensive_body(Some(c), false)))
                                .collect(),
                        ),
                    )
                }
                "payload-calls" => {
                    *payloads.calls.write().expect("payload lock") = client.raw(&calls_first).await?;
                    on = &payload_target;
                    (
                        "GET /payload/calls (bare axum handler, bytes of a (c) response from memory)".to_owned(),
                        Plan::new(vec![Req::get("/payload/calls", false)]),
                    )
                }
                "payload-extensive" => {
                    *payloads.extensive.write().expect("payload lock") = client.raw(&extensive_first).await?;
                    on = &payload_target;
                    (
                        "GET /payload/extensive (bare axum handler, bytes of an (e) response from memory)".to_owned(),
                        Plan::new(vec![Req::get("/payload/extensive", false)]),
                    )
                }
                other => bail!("unknown scenario {other}"),
            };
            // Sanity check: one request, JSON, and a full page for the call scenarios.
            let (body, len) = if on.addr == target.addr {
                client.json(&plan.reqs[0]).await
            } else {
                OneClient::new(on.clone()).await?.json(&plan.reqs[0]).await
            }
            .with_context(|| format!("sanity check of {name}"))?;
            if !matches!(*name, "health" | "workspaces") {
                let n = body["calls"].as_array().map_or(0, Vec::len);
                // The last page of the table may be short.
                if n != 100 && !(matches!(*name, "calls-last" | "search-rare") && n > 0) {
                    bail!("{name}: expected a page of 100 calls, got {n}");
                }
                if name.contains("extensive") {
                    let parties = body["calls"][0]["parties"].as_array().map_or(0, Vec::len);
                    if parties != 3 {
                        bail!("{name}: expected 3 parties on the first call, got {parties}");
                    }
                }
            }
            println!("-- scenario {} ({name}): {request}; sample response {len} bytes", letter(name));
            let o = run_scenario(&args, on, name, request, plan).await;
            print_outcome(&o);
            outcomes.push(o);
        }
        anyhow::Ok(outcomes)
    })?;

    // ---- job claims --------------------------------------------------------------------
    let claims = if args.claim_jobs > 0 {
        println!(
            "claiming {} jobs with {} concurrent claimers...",
            args.claim_jobs, args.claimers
        );
        Some(server_rt.block_on(claims::run(store.clone(), args.claim_jobs, args.claimers))?)
    } else {
        None
    };

    // ---- webhook deliveries ------------------------------------------------------------
    let hooks = if webhook_opts.calls_needed() > 0 {
        println!("webhook deliveries (issue 15)...");
        Some(server_rt.block_on(webhooks::run(&state, ws, webhook_opts.clone()))?)
    } else {
        None
    };

    // ---- store / render breakdown ----------------------------------------------------
    let timings = if args.no_breakdown {
        Vec::new()
    } else {
        println!("measuring the server-side breakdown...");
        server_rt.block_on(breakdown(&state, &key.access_key))?
    };

    // ---- report ----------------------------------------------------------------------
    let reference = outcomes.iter().find(|o| o.name == "health").map(|o| o.rps);
    println!();
    println!("## Parley HTTP benchmark");
    println!();
    println!("- command: `{command_line}`");
    println!("- commit: {commit} (read when the run started; the binary is whatever cargo built from the tree)");
    println!(
        "- machine: nproc {nproc}, {}, {} RAM",
        cpu_model(),
        mem_total()
    );
    println!(
        "- load average (1/5/15 min) at the end: {} — other processes on the box compete for the same cores; \
         the per-scenario line shows the cores this process actually got",
        loadavg()
    );
    println!(
        "- data: {} calls (3 parties each: 1 internal user + 2 external; ~half with call-level Salesforce Account + \
         Opportunity context, 4-5 fields each), {} users, spread over 2025; {}; {}",
        args.calls,
        args.users,
        match &args.database_url {
            Some(_) => format!("database {shown}"),
            None => format!("SQLite file {:.1} MiB", db_bytes as f64 / (1024.0 * 1024.0)),
        },
        match seed_secs {
            Some(s) => format!("seeded in {s:.1} s (not part of any timing)"),
            None => "reused from an earlier run".to_owned(),
        }
    );
    println!("- setup: {topology}");
    println!(
        "- run time: {:.0} s in all (seeding included)",
        run_start.elapsed().as_secs_f64()
    );
    println!(
        "- per scenario: {} s warm-up (not recorded) + {} s measured; every latency recorded (HdrHistogram, µs); \
         rate limits {}; page size 100; 30-day window {WINDOW_FROM} .. {WINDOW_TO} (~{} calls)",
        args.warmup_secs,
        args.duration_secs,
        match args.rate_limit_scope.as_str() {
            "off" => "off".to_owned(),
            scope => format!("1,000,000/s per key counted on every request, {scope} scope"),
        },
        args.calls * 30 / 365
    );
    println!("- target for c–f: ≥ {TARGET_RPS:.0} req/s and p99 < {TARGET_P99_MS} ms");
    println!(
        "- CPU/req: CPU time of the server runtime threads + sqlx's SQLite threads per request (from /proc/self/task); \
         ceiling = {nproc} cores ÷ (server + SQLite + generator CPU per request), i.e. the req/s this process could \
         reach if it had the whole machine"
    );
    println!();
    println!(
        "| | scenario | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | bytes/resp | req/s vs (a) | server CPU µs/req (of which SQLite thread) | ceiling req/s | errors | target |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for o in &outcomes {
        let ratio = reference.map_or("n/a".to_owned(), |r| format!("{:.3}", o.rps / r));
        let target = if o.name.starts_with("calls") || o.name.starts_with("extensive") {
            if o.rps >= TARGET_RPS && o.p99 < TARGET_P99_MS && o.errors + o.warmup_errors == 0 {
                "met"
            } else {
                "**missed**"
            }
        } else {
            "reference"
        };
        println!(
            "| {} | `{}` | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {} | {:.0} ({:.0}) | {:.0} | {} | {} |",
            letter(o.name),
            o.request,
            o.rps,
            o.p50,
            o.p90,
            o.p99,
            o.p999,
            o.max,
            o.bytes_per_resp,
            ratio,
            o.cpu_server_us + o.cpu_sqlite_us,
            o.cpu_sqlite_us,
            o.cpu_ceiling_rps(),
            o.errors + o.warmup_errors,
            target
        );
    }
    if !timings.is_empty() {
        println!();
        println!(
            "Server-side cost breakdown, measured in-process without HTTP, one operation at a time \
             (no load; wall time includes the hop to sqlx's SQLite thread and back; CPU is all threads \
             of the process per operation, 1/CLK_TCK resolution):"
        );
        println!();
        println!("| operation | runs | wall mean µs | wall p99 µs | CPU µs/op |");
        println!("|---|---:|---:|---:|---:|");
        for t in &timings {
            println!(
                "| {} | {} | {:.0} | {:.0} | {:.0} |",
                t.what, t.iters, t.mean_us, t.p99_us, t.cpu_us
            );
        }
    }

    if let Some(c) = &claims {
        println!();
        println!(
            "Job claims: {} jobs queued in {:.1} s; {} concurrent claimers took and finished them \
             all in {:.2} s = **{:.0} jobs/s** (claim_job + finish_job each); claimed twice: {}",
            c.jobs,
            c.enqueue_secs,
            c.claimers,
            c.drain_secs,
            c.jobs_per_sec(),
            c.duplicates
        );
    }

    if let Some(h) = &hooks {
        let health = outcomes.iter().find(|o| o.name == "health");
        webhooks::print_report(h, &webhook_opts, health.map(|o| (o.rps, o.p99)));
    }

    if args.linger_secs > 0 {
        println!();
        println!(
            "lingering {} s: server at http://{addr}, key {}:{} (pid {})",
            args.linger_secs,
            key.access_key,
            key.secret,
            std::process::id()
        );
        std::thread::sleep(Duration::from_secs(args.linger_secs));
    }

    let _ = shutdown.send(());
    server_rt.block_on(async {
        let _ = tokio::time::timeout(Duration::from_secs(5), server_task).await;
    });
    drop(state);
    drop(store);
    server_rt.shutdown_timeout(Duration::from_secs(2));

    if claims.as_ref().is_some_and(|c| c.duplicates > 0) {
        eprintln!("!!!!!!!! a job was claimed twice: the store is broken !!!!!!!!");
        std::process::exit(1);
    }
    let total_errors: u64 = outcomes.iter().map(|o| o.errors + o.warmup_errors).sum();
    if total_errors > 0 {
        eprintln!(
            "!!!!!!!! {total_errors} request(s) failed: the numbers above are NOT valid !!!!!!!!"
        );
        std::process::exit(1);
    }
    Ok(())
}

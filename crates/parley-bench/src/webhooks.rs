//! Webhook deliveries (issue 15): how many deliveries a second the real workers send, and
//! how long a call that became ready waits for its webhook.
//!
//! Everything is the product's own: the SQLite store the HTTP scenarios ran on, transcripts
//! imported by `parley_app::transcripts`, analyses run by the workers' `analyze` jobs (whose
//! firing writes the deliveries and their `deliver` jobs in the analysis's transaction),
//! `parley_app::worker::Workers` configured as `parley serve` configures them
//! (`webhook_concurrency` deliver loops, `worker_poll_ms`), the server's call renderer and
//! `parley-outbound`. Only the receiver is the bench's: an axum server on 127.0.0.1:0 on a
//! thread of its own (`bench-receiver`, standing for another machine), answering 200 and
//! noting when each delivery arrived and its `x-parley-delivery-id`.
//!
//! (a) Throughput: `deliveries` deliveries of one rule over as many analysed calls are
//! queued (`Store::queue_deliveries`, the path "apply to past calls" takes), then the
//! workers start and drain them; rate = deliveries ÷ time from the start to the last
//! arrival. Next to it, in the same run, the same number of POSTs of one delivery's exact
//! body and headers through `parley_outbound::post_webhook` alone, at the same
//! concurrency: what the HTTP client and the receiver cost without the queue, the store,
//! the rendering or the signing.
//!
//! (b) Latency, one call at a time on an otherwise idle server: a transcript is imported
//! into a call without one, the call is analysed (that is when it becomes ready), and the
//! time from "ready" (the delivery's `created`, the analysis's own write time) to the
//! receiver's arrival is recorded. Two ways a call becomes ready are measured:
//! - `import`: the workers' analysis loop finds the `analyze` job on its next poll (a
//!   transcript imported over the API);
//! - `direct`: the bench claims the `analyze` job itself at once (`Workers::run_next`), as
//!   a transcription loop does right after it stored a transcript: the call becomes ready
//!   at a moment unrelated to the worker loops' polls.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use hdrhistogram::Histogram;
use hyper::body::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::watch;

use parley_app::automation::RuleInput;
use parley_app::transcripts::TranscriptFormat;
use parley_app::webhooks::{SigningKeys, WebhookConfig, Webhooks};
use parley_app::worker::{WorkerConfig, Workers, ANALYSIS_KINDS};
use parley_domain::automation::{
    Action, CallFilter as RuleFilter, Delivery, DeliveryId, DeliveryState, NewDelivery, Rule,
    WebhookAction, WebhookAuth,
};
use parley_domain::{CallId, Principal, WorkspaceId};
use parley_server::AppState;
use parley_store::{CallFilter, Store};

use super::{clk_tck, loadavg, new_hist, CpuSnap};

/// What the webhook phase runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// (a): deliveries queued per `webhook_concurrency` value (0: skip (a)).
    pub deliveries: usize,
    /// (a): the `webhook_concurrency` values; the first also runs (b).
    pub concurrency: Vec<usize>,
    /// (b): calls made ready one at a time, per way of becoming ready (0: skip (b)).
    pub ready_calls: usize,
    pub auth: WebhookAuth,
    /// `worker_poll_ms`.
    pub poll: Duration,
}

impl Options {
    /// Calls without a transcript the phase needs.
    pub fn calls_needed(&self) -> usize {
        self.deliveries + 2 * self.ready_calls
    }
}

pub fn parse_auth(s: &str) -> Result<WebhookAuth> {
    match s {
        "jwt" => Ok(WebhookAuth::Jwt),
        "secret-in-url" => Ok(WebhookAuth::SecretInUrl),
        other => bail!("--webhook-auth {other:?}: expected jwt or secret-in-url"),
    }
}

// ---------------------------------------------------------------------------------------
// The receiver
// ---------------------------------------------------------------------------------------

struct Arrival {
    /// The receiver's path (one per round).
    path: String,
    delivery_id: String,
    at: Instant,
    utc: DateTime<Utc>,
    /// Why the request does not look like a delivery, if it does not.
    problem: Option<String>,
    body: Option<Bytes>,
}

struct Received {
    arrivals: Mutex<Vec<Arrival>>,
    count: watch::Sender<usize>,
    /// Keep each body (for the latency rounds, checked afterwards); off during throughput
    /// rounds, where only cheap checks run.
    keep_bodies: AtomicBool,
    expect_jwt: bool,
}

impl Received {
    fn len(&self) -> usize {
        self.arrivals.lock().expect("arrivals lock").len()
    }

    /// Waits until `n` requests have arrived in all.
    async fn wait_for(&self, n: usize, timeout: Duration) -> Result<()> {
        let mut rx = self.count.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|c| *c >= n))
            .await
            .map_err(|_| {
                anyhow!(
                    "the receiver got {} requests of the {n} expected within {} s",
                    self.len(),
                    timeout.as_secs()
                )
            })?
            .map_err(|_| anyhow!("the receiver stopped"))?;
        Ok(())
    }
}

async fn hook(
    State(r): State<Arc<Received>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> &'static str {
    let (at, utc) = (Instant::now(), Utc::now());
    let delivery_id = headers
        .get(parley_app::webhooks::DELIVERY_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let jwt_parts = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map_or(0, |v| v.split('.').count());
    let problem = if delivery_id.is_empty() {
        Some("no delivery id header".to_owned())
    } else if !body.starts_with(br#"{"callData":{"#) || !body.ends_with(br#","isTest":false}"#) {
        Some(format!(
            "the body is not a delivery: {}",
            String::from_utf8_lossy(&body[..body.len().min(80)])
        ))
    } else if r.expect_jwt && jwt_parts != 3 {
        Some("no JWT in the authorization header".to_owned())
    } else {
        None
    };
    let keep = r.keep_bodies.load(Ordering::Relaxed);
    let mut arrivals = r.arrivals.lock().expect("arrivals lock");
    arrivals.push(Arrival {
        path: uri.path().to_owned(),
        delivery_id,
        at,
        utc,
        problem,
        body: keep.then_some(body),
    });
    let n = arrivals.len();
    drop(arrivals);
    r.count.send_replace(n);
    "ok"
}

/// The receiver on its own thread and runtime; stops when dropped.
struct Receiver {
    received: Arc<Received>,
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    fn start(expect_jwt: bool) -> Result<Receiver> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let received = Arc::new(Received {
            arrivals: Mutex::new(Vec::new()),
            count: watch::Sender::new(0),
            keep_bodies: AtomicBool::new(false),
            expect_jwt,
        });
        let app = axum::Router::new()
            .route("/hooks/{round}", axum::routing::post(hook))
            .with_state(received.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("bench-receiver".to_owned())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("receiver runtime");
                rt.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("receiver listener");
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await;
                });
            })?;
        Ok(Receiver {
            received,
            base: format!("http://{addr}/hooks"),
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------------------
// Calls, rules, workers
// ---------------------------------------------------------------------------------------

const LINES: [&str; 12] = [
    "Thanks for making the time today, I know the quarter is busy.",
    "Could you walk me through how the team handles renewals right now?",
    "We are looking at two other vendors, mostly on price.",
    "What would a pilot with twenty seats cost us for three months?",
    "Security review is the long pole, legal usually takes six weeks.",
    "Our current tool does not integrate with the CRM at all.",
    "How do you handle call recordings for customers in Europe?",
    "I can send over the pricing sheet and a security questionnaire.",
    "Who else needs to sign off before we can start a pilot?",
    "The main pain is that managers cannot find the calls that matter.",
    "Let us put thirty minutes on the calendar next Tuesday.",
    "Does that timeline work for your procurement team?",
];

/// A 40-cue WebVTT transcript (about three minutes) spoken by the call's parties, by
/// name, so that every voice is tied to an existing party as an import would be.
fn transcript_for(names: &[String], seed: usize) -> String {
    let mut vtt = String::from("WEBVTT\n");
    for k in 0..40usize {
        let start_ms = k * 4_500;
        let end_ms = start_ms + 4_000;
        let ts = |ms: usize| {
            format!(
                "{:02}:{:02}:{:02}.{:03}",
                ms / 3_600_000,
                ms / 60_000 % 60,
                ms / 1_000 % 60,
                ms % 1_000
            )
        };
        let who = &names[k % names.len()];
        let line = LINES[(seed + k) % LINES.len()];
        vtt.push_str(&format!(
            "\n{} --> {}\n<v {who}>{line}\n",
            ts(start_ms),
            ts(end_ms)
        ));
    }
    vtt
}

async fn import_transcript(store: &dyn Store, call: CallId, seed: usize) -> Result<()> {
    let parties = store
        .parties_of(&[call])
        .await?
        .remove(&call)
        .unwrap_or_default();
    let mut names: Vec<String> = parties.into_iter().filter_map(|p| p.name).collect();
    if names.is_empty() {
        names.push("Speaker One".to_owned());
    }
    let vtt = transcript_for(&names, seed);
    parley_app::transcripts::import_transcript(
        store,
        call,
        Some(TranscriptFormat::WebVtt),
        vtt.as_bytes(),
    )
    .await
    .map_err(|e| anyhow!("importing a transcript into call {call}: {e}"))?;
    Ok(())
}

/// Calls with no transcript yet, oldest first.
async fn untranscribed_calls(store: &dyn Store, n: usize) -> Result<Vec<CallId>> {
    let mut out = Vec::with_capacity(n);
    let mut after = None;
    while out.len() < n {
        let page = store.list_calls(&CallFilter::default(), after, 500).await?;
        let Some(last) = page.last() else { break };
        after = Some(parley_store::CallKey::of(last));
        let ids: Vec<CallId> = page.iter().map(|c| c.id).collect();
        let tallies = store.transcript_tallies(&ids).await?;
        out.extend(ids.into_iter().filter(|id| !tallies.contains_key(id)));
        if page.len() < 500 {
            break;
        }
    }
    if out.len() < n {
        bail!(
            "the store has {} calls without a transcript, the webhook phase needs {n}: seed more (--calls)",
            out.len()
        );
    }
    out.truncate(n);
    Ok(out)
}

/// Runs every queued `analyze` job now (no rule exists yet, so nothing fires).
async fn drain_analyses(workers: &Workers) -> Result<usize> {
    let mut n = 0;
    while workers.run_next("bench-prepare", &ANALYSIS_KINDS).await? {
        n += 1;
    }
    Ok(n)
}

async fn create_rule(
    store: &dyn Store,
    ws: WorkspaceId,
    name: &str,
    url: String,
    auth: WebhookAuth,
) -> Result<Rule> {
    parley_app::automation::create(
        store,
        &Principal::operator(),
        RuleInput {
            workspace_id: ws,
            name: name.to_owned(),
            enabled: true,
            // Every call matches.
            filter: RuleFilter::default(),
            actions: vec![Action::Webhook(WebhookAction { url, auth })],
        },
        &parley_app::Limits::default(),
        false,
    )
    .await
    .map_err(|e| anyhow!("creating rule {name}: {e}"))
}

/// Switches a rule off once its round is over, so later rounds' calls fire only theirs.
async fn switch_off(store: &dyn Store, rule: &Rule) -> Result<()> {
    let mut off = rule.clone();
    off.enabled = false;
    off.updated = Utc::now();
    store.update_rule(&off).await?;
    Ok(())
}

/// Every delivery of a rule.
async fn all_deliveries(store: &dyn Store, rule: &Rule) -> Result<Vec<Delivery>> {
    let mut out = Vec::new();
    let mut before: Option<DeliveryId> = None;
    loop {
        let page = store.deliveries(rule.id, before, 500).await?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        let short = page.len() < 500;
        out.extend(page);
        if short {
            break;
        }
    }
    Ok(out)
}

/// Waits until none of the rule's deliveries is pending; returns them.
async fn settled(store: &dyn Store, rule: &Rule, timeout: Duration) -> Result<Vec<Delivery>> {
    let until = Instant::now() + timeout;
    loop {
        let all = all_deliveries(store, rule).await?;
        if all.iter().all(|d| d.state != DeliveryState::Pending) {
            return Ok(all);
        }
        if Instant::now() > until {
            let pending = all
                .iter()
                .filter(|d| d.state == DeliveryState::Pending)
                .count();
            bail!(
                "{pending} deliveries of rule {} still pending after {} s",
                rule.name,
                timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

struct Ctx {
    store: Arc<dyn Store>,
    webhooks: Arc<Webhooks>,
    work_dir: std::path::PathBuf,
    opts: Options,
}

impl Ctx {
    /// The workers as `parley serve` runs them (in-process, on the server's runtime).
    fn workers(&self, delivery_concurrency: usize) -> Workers {
        Workers {
            store: self.store.clone(),
            blobs: parley_blob::BlobStore::open("memory://").expect("memory blob store"),
            transcriber: None,
            config: WorkerConfig {
                name: "parley-bench".to_owned(),
                poll: self.opts.poll,
                work_dir: self.work_dir.clone(),
                delivery_concurrency,
                ..WorkerConfig::default()
            },
            fetch: Some(Arc::new(parley_outbound::FetchPolicy::default())),
            llm: None,
            webhooks: Some(self.webhooks.clone()),
        }
    }
}

struct Running {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

fn start(workers: Workers) -> Running {
    let (stop, stopped) = watch::channel(false);
    Running {
        stop,
        task: tokio::spawn(workers.run(stopped)),
    }
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(30), self.task).await;
    }
}

// ---------------------------------------------------------------------------------------
// (a) Throughput
// ---------------------------------------------------------------------------------------

pub struct Round {
    pub concurrency: usize,
    pub deliveries: usize,
    pub queue_secs: f64,
    /// From the workers' start to the last arrival.
    pub secs: f64,
    /// From the workers' start to the last delivery recorded as delivered.
    pub recorded_secs: f64,
    pub retried: usize,
    pub duplicates: usize,
    /// CPU of the process but the receiver's thread and the bench's main thread, per
    /// delivery, µs.
    pub cpu_us: f64,
    /// Of which sqlx's SQLite threads (the statements themselves).
    pub sqlite_us: f64,
    pub cores: f64,
    pub load: String,
    /// The client alone: the same POSTs through `post_webhook`, same concurrency.
    pub client_secs: f64,
    pub client_cpu_us: f64,
    pub body_bytes: usize,
}

impl Round {
    pub fn rate(&self) -> f64 {
        self.deliveries as f64 / self.secs.max(1e-9)
    }
    pub fn recorded_rate(&self) -> f64 {
        self.deliveries as f64 / self.recorded_secs.max(1e-9)
    }
    pub fn client_rate(&self) -> f64 {
        self.deliveries as f64 / self.client_secs.max(1e-9)
    }
}

fn server_ticks(s: CpuSnap) -> u64 {
    s.server + s.sqlite + s.other
}

async fn throughput(
    ctx: &Ctx,
    rx: &Receiver,
    ws: WorkspaceId,
    calls: &[CallId],
    c: usize,
) -> Result<Round> {
    let store = ctx.store.as_ref();
    let round = format!("a-c{c}");
    let rule = create_rule(
        store,
        ws,
        &format!("bench {round}"),
        format!("{}/{round}", rx.base),
        ctx.opts.auth,
    )
    .await?;
    let t0 = Instant::now();
    let mut queued = 0;
    for chunk in calls.chunks(500) {
        let batch: Vec<NewDelivery> = chunk
            .iter()
            .map(|call| NewDelivery {
                id: DeliveryId::generate(),
                rule_id: rule.id,
                call_id: *call,
                action: 0,
                is_test: false,
            })
            .collect();
        queued += store.queue_deliveries(&batch, Utc::now()).await?.len();
    }
    let queue_secs = t0.elapsed().as_secs_f64();
    if queued != calls.len() {
        bail!("{queued} of {} deliveries were queued", calls.len());
    }
    let base = rx.received.len();
    let load = loadavg();
    let cpu0 = CpuSnap::now();
    let t0 = Instant::now();
    let running = start(ctx.workers(c));
    let timeout = Duration::from_secs(60 + calls.len() as u64 / 20);
    rx.received.wait_for(base + calls.len(), timeout).await?;
    let last = rx.received.arrivals.lock().expect("arrivals lock")[base..]
        .iter()
        .map(|a| a.at)
        .max()
        .unwrap_or(t0);
    let log = settled(store, &rule, Duration::from_secs(60)).await?;
    let recorded_secs = t0.elapsed().as_secs_f64();
    let cpu = CpuSnap::now().minus(cpu0);
    running.stop().await;
    switch_off(store, &rule).await?;

    let not_delivered = log
        .iter()
        .filter(|d| d.state != DeliveryState::Delivered)
        .count();
    if not_delivered > 0 {
        let first = log.iter().find(|d| d.state != DeliveryState::Delivered);
        bail!(
            "{not_delivered} deliveries of {round} were not delivered; the first: {:?}",
            first.map(|d| (&d.state, &d.error))
        );
    }
    let (duplicates, problems) = {
        let arrivals = rx.received.arrivals.lock().expect("arrivals lock");
        let mine = &arrivals[base..];
        let mut ids: Vec<&str> = mine.iter().map(|a| a.delivery_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let problems: Vec<String> = mine.iter().filter_map(|a| a.problem.clone()).collect();
        if let Some(a) = mine.iter().find(|a| a.path != format!("/hooks/{round}")) {
            bail!("a request of round {round} arrived at {}", a.path);
        }
        (mine.len() - ids.len(), problems)
    };
    if let Some(p) = problems.first() {
        bail!(
            "{} requests of {round} were not deliveries: {p}",
            problems.len()
        );
    }
    let tck = clk_tck();
    let cpu_us = server_ticks(cpu) as f64 / tck * 1e6 / calls.len() as f64;
    let cores = cpu.total() as f64 / tck / recorded_secs.max(1e-9);
    let secs = (last - t0).as_secs_f64();
    println!(
        "  (a) webhook_concurrency {c}: {} deliveries in {secs:.2} s to the last arrival = {:.0}/s \
         ({recorded_secs:.2} s until all recorded); server CPU {cpu_us:.0} µs/delivery; process got {cores:.2} cores",
        calls.len(),
        calls.len() as f64 / secs.max(1e-9)
    );

    // The client alone, on the same runtime, with one delivery's exact body and headers.
    let call_data = ctx
        .webhooks
        .renderer
        .render(calls[0])
        .await
        .map_err(|e| anyhow!(e))?
        .ok_or_else(|| anyhow!("call {} vanished", calls[0]))?;
    let body = parley_app::webhooks::body(&call_data, false);
    let body_bytes = body.len();
    let url = format!("{}/client-c{c}", rx.base);
    let mut headers = vec![(
        parley_app::webhooks::DELIVERY_ID_HEADER,
        DeliveryId::generate().to_string(),
    )];
    if ctx.opts.auth == WebhookAuth::Jwt {
        let signer = ctx.webhooks.keys.signer().await.map_err(|e| anyhow!(e))?;
        headers.push((
            "authorization",
            signer
                .sign(&url, &body, Utc::now().timestamp())
                .map_err(|e| anyhow!(e))?,
        ));
    }
    let headers = Arc::new(headers);
    let policy = Arc::new(ctx.webhooks.config.policy.clone());
    let next = Arc::new(AtomicUsize::new(0));
    let n = calls.len();
    let base = rx.received.len();
    let cpu0 = CpuSnap::now();
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..c.max(1) {
        let (url, body, headers, policy, next) = (
            url.clone(),
            body.clone(),
            headers.clone(),
            policy.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let answer =
                    parley_outbound::post_webhook(&url, body.clone(), &headers, &policy).await?;
                if answer.status != 200 {
                    bail!("the receiver answered {}", answer.status);
                }
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let client_secs = t0.elapsed().as_secs_f64();
    let client_cpu = CpuSnap::now().minus(cpu0);
    rx.received
        .wait_for(base + n, Duration::from_secs(10))
        .await?;
    let client_cpu_us = server_ticks(client_cpu) as f64 / tck * 1e6 / n as f64;
    println!(
        "      the client alone (post_webhook of one delivery's {body_bytes}-byte body, same concurrency): \
         {n} in {client_secs:.2} s = {:.0}/s; CPU {client_cpu_us:.0} µs/request",
        n as f64 / client_secs.max(1e-9)
    );
    Ok(Round {
        concurrency: c,
        deliveries: n,
        queue_secs,
        secs,
        recorded_secs,
        retried: log.iter().filter(|d| d.attempts > 1).count(),
        duplicates,
        cpu_us,
        sqlite_us: cpu.sqlite as f64 / tck * 1e6 / calls.len() as f64,
        cores,
        load,
        client_secs,
        client_cpu_us,
        body_bytes,
    })
}

// ---------------------------------------------------------------------------------------
// (b) Latency
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReadyBy {
    /// The analysis loop's next poll runs the `analyze` job.
    Import,
    /// The bench runs it at once.
    Direct,
}

impl ReadyBy {
    pub fn describe(self) -> &'static str {
        match self {
            ReadyBy::Import => "transcript imported; the workers' analysis loop runs the analysis on its next poll",
            ReadyBy::Direct => "transcript imported and the analysis run at once (as a transcription loop does after storing a transcript)",
        }
    }
}

pub struct Latency {
    pub ready_by: ReadyBy,
    pub concurrency: usize,
    pub calls: usize,
    /// Ready (the delivery's `created`) to arrival, µs.
    pub hist: Histogram<u64>,
    /// Transcript stored to ready, µs.
    pub to_ready: Histogram<u64>,
    /// The HTTP exchange as the delivery log has it (`latency_ms`), ms.
    pub exchange_ms: Histogram<u64>,
    /// `direct` only: analyses the workers' own loops claimed before the bench did.
    pub taken_by_loops: usize,
    pub load: String,
}

fn micros_between(a: DateTime<Utc>, b: DateTime<Utc>) -> u64 {
    (b - a).num_microseconds().unwrap_or(0).max(1) as u64
}

async fn latency(
    ctx: &Ctx,
    rx: &Receiver,
    ws: WorkspaceId,
    calls: &[CallId],
    ready_by: ReadyBy,
    seed: u64,
) -> Result<Latency> {
    let store = ctx.store.as_ref();
    let c = ctx.opts.concurrency.first().copied().unwrap_or(4);
    let round = match ready_by {
        ReadyBy::Import => "b-import",
        ReadyBy::Direct => "b-direct",
    };
    let rule = create_rule(
        store,
        ws,
        &format!("bench {round}"),
        format!("{}/{round}", rx.base),
        ctx.opts.auth,
    )
    .await?;
    let workers = ctx.workers(c);
    let running = start(workers.clone());
    rx.received.keep_bodies.store(true, Ordering::Relaxed);
    let load = loadavg();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut hist = new_hist();
    let mut to_ready = new_hist();
    let mut exchange_ms = new_hist();
    let mut taken_by_loops = 0;
    // Let the loops settle into their idle polling first.
    tokio::time::sleep(ctx.opts.poll * 2).await;
    for (i, call) in calls.iter().enumerate() {
        // A random pause: calls become ready at moments unrelated to the loops' polls.
        let pause = rng.gen_range(0..(ctx.opts.poll.as_micros() as u64 * 2).max(1));
        tokio::time::sleep(Duration::from_micros(pause)).await;
        let base = rx.received.len();
        let stored = Utc::now();
        import_transcript(store, *call, 100_000 + i).await?;
        if ready_by == ReadyBy::Direct && !workers.run_next("bench-ready", &ANALYSIS_KINDS).await? {
            taken_by_loops += 1;
        }
        rx.received
            .wait_for(base + 1, Duration::from_secs(60))
            .await?;
        let log = settled(store, &rule, Duration::from_secs(30)).await?;
        let d = log
            .iter()
            .find(|d| d.call_id == *call)
            .ok_or_else(|| anyhow!("no delivery for call {call}"))?;
        if d.state != DeliveryState::Delivered || log.len() != i + 1 {
            bail!(
                "{round}: call {call}'s delivery is {:?} ({} deliveries for {} calls)",
                d.state,
                log.len(),
                i + 1
            );
        }
        let arrivals = rx.received.arrivals.lock().expect("arrivals lock");
        if arrivals.len() != base + 1 {
            bail!(
                "{round}: {} requests arrived for one call",
                arrivals.len() - base
            );
        }
        let a = &arrivals[base];
        if a.delivery_id != d.id.to_string() {
            bail!("{round}: the delivery that arrived is not call {call}'s");
        }
        if let Some(p) = &a.problem {
            bail!("{round}: {p}");
        }
        let body: serde_json::Value = serde_json::from_slice(a.body.as_deref().unwrap_or_default())
            .context("the delivery's body is not JSON")?;
        if body["callData"]["metaData"]["id"] != call.to_string() {
            bail!(
                "{round}: the body is not call {call}'s: {}",
                body["callData"]["metaData"]["id"]
            );
        }
        hist.saturating_record(micros_between(d.created, a.utc));
        to_ready.saturating_record(micros_between(stored, d.created));
        exchange_ms.saturating_record(u64::from(d.latency_ms.unwrap_or(0)).max(1));
    }
    rx.received.keep_bodies.store(false, Ordering::Relaxed);
    running.stop().await;
    switch_off(store, &rule).await?;
    let l = Latency {
        ready_by,
        concurrency: c,
        calls: calls.len(),
        hist,
        to_ready,
        exchange_ms,
        taken_by_loops,
        load,
    };
    println!(
        "  (b) {round}: {} calls; ready -> arrival p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         stored -> ready p50 {:.1} ms",
        l.calls,
        l.ms(0.5),
        l.ms(0.9),
        l.ms(0.99),
        l.hist.max() as f64 / 1000.0,
        l.to_ready.value_at_quantile(0.5) as f64 / 1000.0
    );
    Ok(l)
}

impl Latency {
    pub fn ms(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }
}

// ---------------------------------------------------------------------------------------
// The phase
// ---------------------------------------------------------------------------------------

pub struct Report {
    pub prepared_calls: usize,
    pub prepare_secs: f64,
    pub rounds: Vec<Round>,
    pub latencies: Vec<Latency>,
}

pub async fn run(state: &AppState, ws: WorkspaceId, opts: Options) -> Result<Report> {
    let store = state.store.clone();
    let work = tempfile::tempdir()?;
    let keys = Arc::new(SigningKeys::new(
        work.path().join("webhook-signing-key.pem"),
    ));
    // Made (RSA-2048) before anything is timed.
    keys.signer().await.map_err(|e| anyhow!(e))?;
    let webhooks = Arc::new(Webhooks {
        renderer: Arc::new(parley_server::WebhookRenderer {
            store: store.clone(),
            render: state.render.clone(),
        }),
        keys,
        config: WebhookConfig {
            policy: parley_outbound::FetchPolicy {
                // The receiver is on loopback, which the default policy refuses.
                allow: parley_outbound::HostAllowList::parse(&["127.0.0.1"])
                    .map_err(|e| anyhow!(e))?,
                ..WebhookConfig::default().policy
            },
            ..WebhookConfig::default()
        },
    });
    let ctx = Ctx {
        store: store.clone(),
        webhooks,
        work_dir: work.path().to_owned(),
        opts: opts.clone(),
    };
    let rx = Receiver::start(opts.auth == WebhookAuth::Jwt)?;
    let calls = untranscribed_calls(store.as_ref(), opts.calls_needed()).await?;
    let (for_a, for_b) = calls.split_at(opts.deliveries);

    let t0 = Instant::now();
    if !for_a.is_empty() {
        println!(
            "webhooks: importing transcripts into {} calls and analysing them...",
            for_a.len()
        );
    }
    for (i, call) in for_a.iter().enumerate() {
        import_transcript(store.as_ref(), *call, i).await?;
    }
    let analysed = drain_analyses(&ctx.workers(1)).await?;
    if analysed < for_a.len() {
        bail!("{analysed} of {} calls were analysed", for_a.len());
    }
    let prepare_secs = t0.elapsed().as_secs_f64();

    let mut rounds = Vec::new();
    if !for_a.is_empty() {
        for &c in &opts.concurrency {
            rounds.push(throughput(&ctx, &rx, ws, for_a, c).await?);
        }
    }
    let mut latencies = Vec::new();
    if opts.ready_calls > 0 {
        let (import, direct) = for_b.split_at(opts.ready_calls);
        latencies.push(latency(&ctx, &rx, ws, import, ReadyBy::Import, 0x15a).await?);
        latencies.push(latency(&ctx, &rx, ws, direct, ReadyBy::Direct, 0x15b).await?);
    }
    drop(rx);
    Ok(Report {
        prepared_calls: for_a.len(),
        prepare_secs,
        rounds,
        latencies,
    })
}

/// Target of issue 15 for (a).
const TARGET_PER_SEC: f64 = 200.0;
/// Target of issue 15 for (b), ms.
const TARGET_P99_MS: f64 = 2_000.0;

/// Prints the phase's tables; `health` is `GET /health`'s req/s and p99 ms of this run.
pub fn print_report(r: &Report, opts: &Options, health: Option<(f64, f64)>) {
    let auth = match opts.auth {
        WebhookAuth::Jwt => "JWT (RS256, signed per request)",
        WebhookAuth::SecretInUrl => "secret in the URL (no signature)",
    };
    let body = r
        .rounds
        .first()
        .map_or("?".to_owned(), |x| x.body_bytes.to_string());
    println!();
    println!("## Webhook deliveries (issue 15)");
    println!();
    println!(
        "- rule: one Webhook action, auth {auth}, a filter every call matches; body: the call as \
         `/v2/calls/extensive` renders it (Extended context, every field but media), {body} bytes"
    );
    println!(
        "- workers: `parley_app::worker::Workers` as `parley serve` runs them, in-process on the server's \
         runtime: `webhook_concurrency` deliver loops, one analysis loop, one transcription loop (analysis \
         kinds only: no speech engine), two media loops; `worker_poll_ms` {}; real `parley-outbound` client \
         (loopback allowed); no tracing subscriber (logging off)",
        opts.poll.as_millis()
    );
    println!(
        "- receiver: axum on 127.0.0.1:0 in this process, on its own thread and current-thread runtime \
         (its CPU is not counted as the server's), answering 200 `ok`; every request checked for a \
         delivery id, a delivery body{}",
        if opts.auth == WebhookAuth::Jwt {
            " and a JWT"
        } else {
            ""
        }
    );
    let (health_rps, health_p99) = match health {
        Some((rps, p99)) => (Some(rps), Some(p99)),
        None => (None, None),
    };
    match health_rps {
        Some(rps) => println!(
            "- reference: `GET /health` in this run, {rps:.0} req/s, p99 {:.2} ms",
            health_p99.unwrap_or(0.0)
        ),
        None => println!("- reference: none (run with `--scenarios health`)"),
    }
    if !r.rounds.is_empty() {
        println!(
            "- (a): {} calls given a 40-sentence WebVTT transcript (imported) and analysed (`analyze` jobs) \
             in {:.1} s, not timed; per round a new rule and one delivery per call queued \
             (`Store::queue_deliveries`, 500 per transaction) before the workers start; rate = deliveries ÷ \
             time from the workers' start to the last arrival. \"Client alone\": the same number of POSTs of \
             one delivery's exact body and headers through `parley_outbound::post_webhook`, same concurrency, \
             same runtime",
            r.prepared_calls, r.prepare_secs
        );
        println!();
        println!(
            "| webhook_concurrency | deliveries | deliveries/s | vs /health req/s | all recorded: deliveries/s | \
             server CPU µs/delivery (of which SQLite threads) | cores used | client alone req/s | client alone CPU µs/req | vs client alone | retried | duplicates | queued in s | load before | target ≥ {TARGET_PER_SEC:.0}/s |"
        );
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        for x in &r.rounds {
            println!(
                "| {} | {} | {:.0} | {} | {:.0} | {:.0} ({:.0}) | {:.2} | {:.0} | {:.0} | {:.2} | {} | {} | {:.2} | {} | {} |",
                x.concurrency,
                x.deliveries,
                x.rate(),
                health_rps.map_or("n/a".to_owned(), |h| format!("{:.4}", x.rate() / h)),
                x.recorded_rate(),
                x.cpu_us,
                x.sqlite_us,
                x.cores,
                x.client_rate(),
                x.client_cpu_us,
                x.rate() / x.client_rate().max(1e-9),
                x.retried,
                x.duplicates,
                x.queue_secs,
                x.load,
                if x.rate() >= TARGET_PER_SEC && x.duplicates == 0 {
                    "met"
                } else {
                    "**missed**"
                }
            );
        }
    }
    if !r.latencies.is_empty() {
        println!();
        println!(
            "- (b): one call at a time: a random pause (0 to 2 × `worker_poll_ms`), a transcript imported into \
             a call without one, the call analysed (ready), the delivery waited for until recorded; \
             ready = the delivery's `created` (the analysis's write time, same clock as the receiver's)"
        );
        for l in &r.latencies {
            println!("  - `{:?}`: {}", l.ready_by, l.ready_by.describe());
        }
        println!();
        println!(
            "| ready by | webhook_concurrency | calls | ready → arrival p50 ms | p90 ms | p99 ms | max ms | p99 vs /health p99 | \
             transcript stored → ready p50 / p99 ms | HTTP exchange p50 / max ms | load before | target p99 < {TARGET_P99_MS:.0} ms |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        for l in &r.latencies {
            let mut by = format!("{:?}", l.ready_by).to_lowercase();
            if l.ready_by == ReadyBy::Direct && l.taken_by_loops > 0 {
                by.push_str(&format!(" ({} taken by the loops)", l.taken_by_loops));
            }
            println!(
                "| {by} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {:.1} / {:.1} | {} / {} | {} | {} |",
                l.concurrency,
                l.calls,
                l.ms(0.5),
                l.ms(0.9),
                l.ms(0.99),
                l.hist.max() as f64 / 1000.0,
                health_p99.map_or("n/a".to_owned(), |h| format!("{:.0}×", l.ms(0.99) / h.max(1e-9))),
                l.to_ready.value_at_quantile(0.5) as f64 / 1000.0,
                l.to_ready.value_at_quantile(0.99) as f64 / 1000.0,
                l.exchange_ms.value_at_quantile(0.5),
                l.exchange_ms.max(),
                l.load,
                if l.ms(0.99) < TARGET_P99_MS { "met" } else { "**missed**" }
            );
        }
    }
}

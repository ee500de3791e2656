//! Fault tolerance on one machine, as a deployment of several nodes runs: two API nodes
//! (`parley serve --no-workers`) and two workers (`parley worker`) on one PostgreSQL
//! database and one media store (S3 when `PARLEY_TEST_S3_URL` is set, as in CI; else a
//! shared `file://` folder). The database is on a PostgreSQL server of the test's own
//! (`parley_store_postgres::testing::PgServer`), which it may crash: the machine's shared
//! server cannot be restarted under the other tests.
//!
//! Recordings are uploaded to both API nodes in turn; midway one worker (holding a
//! transcription) and one API node are `kill -9`ed, every connection of the database is
//! cut twice (`pg_terminate_backend`), a worker and an API node are started again, the
//! PostgreSQL server crashes (an immediate shutdown: no checkpoint, every backend killed)
//! and recovers from its WAL while recordings are being uploaded and transcribed, and a
//! worker's connection is cut in the middle of writing a result. Clients see errors only
//! while the server is down, and every request after it is back succeeds. In the end
//! every recording has been transcribed exactly once and analysed, and no job is left
//! behind.
//!
//! Without PostgreSQL's server binaries the test runs on the shared server
//! (`PARLEY_TEST_POSTGRES_URL`) and skips the crash, after a note; it fails instead when
//! `PARLEY_REQUIRE_POSTGRES_SERVER` or `CI` is set, as in `.ci/run`.
//!
//! `PARLEY_SCALE_RECORDINGS` sets the number of recordings (default 24; the issue's full
//! run is 100). Uses Whisper tiny.en and audio made with espeak-ng and sox, as asr.rs.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{create_key, engine_pids, run, serve_cmd, Api, Server};
use parley_store_postgres::testing::{PgServer, TestDb};
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

/// What the recordings say, each with a word tiny.en gets right and that only it has.
const SAYINGS: [(&str, &str); 4] = [
    (
        "Hi Dana, thanks for taking the time today. I wanted to walk you through our pricing.",
        "pricing",
    ),
    (
        "Sure. Right now we use a competitor, and the renewal price went up a lot this year.",
        "renewal",
    ),
    (
        "That makes sense. Could we schedule a demo for next Tuesday?",
        "demo",
    ),
    (
        "Our security team has to review the contract before we sign anything.",
        "contract",
    ),
];

/// 35-55 s here (2 cores, by load; the database crash and recovery take 1-7 s of it); 100
/// take about two minutes.
const DEFAULT_RECORDINGS: usize = 24;

/// One saying, 16 kHz mono (`-D`: no random dither, the same audio on every run).
fn recording(dir: &Path, n: usize) -> PathBuf {
    let raw = dir.join(format!("saying-{n}-raw.wav"));
    run(Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "160", "-w"])
        .arg(&raw)
        .arg(SAYINGS[n].0));
    let out = dir.join(format!("saying-{n}.wav"));
    run(Command::new("sox")
        .arg("-D")
        .arg(&raw)
        .args(["-r", "16000"])
        .arg(&out)
        .args(["pad", "0.3", "0.5"]));
    out
}

/// The nodes' shared settings and a folder of their own for each (its data dir and log).
struct Cluster {
    dir: PathBuf,
    db_url: String,
    media_url: String,
    /// The test's own PostgreSQL server, when it has one.
    pg: Option<Arc<PgServer>>,
}

impl Cluster {
    /// `parley` as node `name`: its own data dir, the shared database and media store,
    /// tiny.en on one thread, a 4 s lease (a dead worker's job is taken over within
    /// seconds); its log appended to `<name>.log`.
    fn parley(&self, name: &str) -> Command {
        let data = self.dir.join(name);
        std::fs::create_dir_all(&data).unwrap();
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{name}.log")))
            .unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_parley"));
        cmd.arg("--data-dir")
            .arg(&data)
            .args(["--asr-model", "tiny.en", "--asr-threads", "1"])
            .env_remove("PARLEY_CONFIG")
            .env_remove("PARLEY_TEST_ENGINE_CRASH")
            .env("PARLEY_DATABASE_URL", &self.db_url)
            .env("PARLEY_MEDIA_URL", &self.media_url)
            .env("PARLEY_WORKER_LEASE_SECS", "4")
            .env("NO_COLOR", "1")
            .current_dir(&data)
            .stdin(Stdio::null())
            .stderr(log);
        cmd
    }

    fn api_node(&self, name: &str) -> Server {
        let mut cmd = self.parley(name);
        cmd.args(["serve", "--no-workers", "--listen", "127.0.0.1:0"]);
        serve_cmd(cmd)
    }

    fn worker(&self, name: &str) -> Server {
        let mut cmd = self.parley(name);
        cmd.arg("worker").stdout(Stdio::null());
        Server {
            child: cmd.spawn().unwrap(),
            addr: String::new(),
        }
    }

    async fn sql(&self) -> PgConnection {
        PgConnection::connect(&self.db_url)
            .await
            .expect("the test's own connection to its database")
    }

    /// Every job: (call, kind, state, attempts, lease owner, error).
    async fn jobs(&self) -> Vec<JobRow> {
        sqlx::query_as(
            "SELECT id, call_id, kind, state, attempts, lease_owner, error FROM jobs \
             ORDER BY call_id, created_us, id",
        )
        .fetch_all(&mut self.sql().await)
        .await
        .unwrap()
    }

    /// Cuts every connection to the test's database but this one's; how many it cut.
    async fn cut_connections(&self) -> usize {
        let cut: Vec<(bool,)> = sqlx::query_as(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_all(&mut self.sql().await)
        .await
        .unwrap();
        cut.iter().filter(|(ok,)| *ok).count()
    }

    /// Cuts a worker's connection in the middle of writing a result (a transcript or an
    /// analysis: a transaction between two of its statements), as a crash of the database
    /// would: watches for one for up to `within`, while jobs are live. The statement it
    /// had run last, when it found one.
    async fn cut_a_transaction(&self, within: Duration) -> Option<String> {
        let mut conn = self.sql().await;
        let start = Instant::now();
        let mut round = 0u32;
        while start.elapsed() < within {
            let cut: Option<(String,)> = sqlx::query_as(
                // MATERIALIZED: the planner may not test the kill before the filters. A
                // transaction id: it has written (a read-only snapshot of a transcript, cut
                // as it commits, loses nothing, and no attempt would be made again).
                "WITH t AS MATERIALIZED (SELECT pid, query FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() \
                 AND state = 'idle in transaction' AND backend_xid IS NOT NULL \
                 AND query ~ '(transcript|call_speakers|call_analysis|call_person_stats)' \
                 LIMIT 1) \
                 SELECT query FROM t WHERE pg_terminate_backend(pid)",
            )
            .fetch_optional(&mut conn)
            .await
            .unwrap();
            if cut.is_some() {
                return cut.map(|(q,)| q);
            }
            round += 1;
            if round.is_multiple_of(200) {
                let live: (i64,) = sqlx::query_as(
                    "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')",
                )
                .fetch_one(&mut conn)
                .await
                .unwrap();
                if live.0 == 0 {
                    return None;
                }
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        None
    }

    /// What a failure shows: every job, and the end of every node's log.
    async fn report(&self) -> String {
        let mut out = String::from("jobs (id, call, kind, state, attempts, lease, error):\n");
        for j in self.jobs().await {
            out.push_str(&format!("  {j:?}\n"));
        }
        let mut logs: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "log"))
            .collect();
        logs.sort();
        let mut texts: Vec<(String, String)> = logs
            .iter()
            .map(|log| {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                (log.display().to_string(), text)
            })
            .collect();
        if let Some(pg) = &self.pg {
            texts.push(("the PostgreSQL server's log".to_owned(), pg.log()));
        }
        for (name, text) in texts {
            let lines: Vec<&str> = text.lines().collect();
            out.push_str(&format!("--- {name} (last 25 lines)\n"));
            for l in &lines[lines.len().saturating_sub(25)..] {
                out.push_str(l);
                out.push('\n');
            }
        }
        out
    }
}

type JobRow = (
    i64,
    Option<i64>,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
);

/// `kill -9` of a process and the engine hosts it started.
fn kill_9(node: &mut Server) {
    let engines = engine_pids(node.child.id());
    let _ = node.child.kill();
    let _ = node.child.wait();
    for pid in engines {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
}

/// Whether `pid` is stopped (`T` in /proc/PID/stat).
fn stopped(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(") ")
        .is_some_and(|(_, rest)| rest.starts_with('T'))
}

/// Kills `worker` while it holds a transcription: waits until it has one running, stops it
/// (so that it cannot finish the job between the look and the kill), checks it still
/// holds that attempt, then `kill -9`s it. Returns the job and the attempt it lost.
async fn kill_mid_job(cluster: &Cluster, worker: &mut Server) -> (i64, i64) {
    let pid = worker.child.id();
    let owner = format!(":{pid}#");
    let holding = |jobs: &[JobRow]| {
        jobs.iter()
            .find(|j| {
                j.2 == "transcribe"
                    && j.3 == "running"
                    && j.5.as_deref().is_some_and(|o| o.contains(&owner))
            })
            .map(|j| (j.0, j.4))
    };
    let start = Instant::now();
    loop {
        if let Some(held) = holding(&cluster.jobs().await) {
            run(Command::new("kill").args(["-STOP", &pid.to_string()]));
            let stopping = Instant::now();
            while !stopped(pid) {
                if stopping.elapsed() > Duration::from_secs(30) {
                    panic!(
                        "worker {pid} did not stop (did it die?)\n{}",
                        cluster.report().await
                    );
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            // A statement the worker sent just before it stopped (its result's commit)
            // still reaches the server: let it land before looking again.
            tokio::time::sleep(Duration::from_millis(500)).await;
            if holding(&cluster.jobs().await) == Some(held) {
                kill_9(worker);
                return held;
            }
            run(Command::new("kill").args(["-CONT", &pid.to_string()]));
        }
        if start.elapsed() > Duration::from_secs(300) {
            panic!(
                "worker {pid} never held a transcription for 5 minutes\n{}",
                cluster.report().await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A user and a call of theirs, its recording uploaded through `api`.
async fn upload(api: &Api, n: usize, file: &Path) -> String {
    let (call, _) = api.call(&format!("scale-{n}"), json!({})).await;
    let (status, body) = api.upload(&call, file).await;
    assert_eq!(status, 201, "upload {n} to {}: {body}", api.base);
    call
}

/// Whether a call has a transcription job: its recording's upload landed. `None` when the
/// node does not answer that.
async fn has_transcription(api: &Api, call: &str) -> Option<bool> {
    let r = api
        .http
        .get(format!("{}/parley/v1/calls/{call}/jobs", api.base))
        .basic_auth(&api.key.0, Some(&api.key.1))
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .ok()?;
    if r.status() != 200 {
        return None;
    }
    let jobs: Value = r.json().await.ok()?;
    Some(
        jobs["jobs"]
            .as_array()?
            .iter()
            .any(|j| j["kind"] == "transcribe"),
    )
}

/// Uploads `file` as `call`'s recording while the database crashes and recovers, as a
/// careful client does: an attempt that fails (a 5xx, or no answer) is retried, after
/// checking that it did not land anyway (a commit can succeed while its answer is lost;
/// a second upload would queue a second transcription). Every attempt begun once the
/// server is `back` must succeed. Returns how many attempts failed.
async fn upload_through_outage(
    api: Api,
    call: String,
    file: PathBuf,
    back: Arc<AtomicBool>,
) -> usize {
    let bytes = std::fs::read(&file).unwrap();
    let mut failed = 0;
    loop {
        let after_restart = back.load(Ordering::SeqCst);
        let form = reqwest::multipart::Form::new().part(
            "mediaFile",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name("call.wav"),
        );
        let sent = api
            .http
            .put(format!("{}/v2/calls/{call}/media", api.base))
            .basic_auth(&api.key.0, Some(&api.key.1))
            .multipart(form)
            .timeout(Duration::from_secs(60))
            .send()
            .await;
        let outcome = match sent {
            Ok(r) if r.status() == 201 => return failed,
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r.text().await.unwrap_or_default();
                assert!(
                    status >= 500,
                    "upload of {call} to {}: {status} {body}",
                    api.base
                );
                format!("{status} {body}")
            }
            Err(e) => e.to_string(),
        };
        assert!(
            !after_restart,
            "an upload of {call} to {} begun after the database was back failed: {outcome}",
            api.base
        );
        failed += 1;
        eprintln!("upload of {call} during the outage failed: {outcome}");
        loop {
            let after_restart = back.load(Ordering::SeqCst);
            match has_transcription(&api, &call).await {
                Some(true) => return failed,
                Some(false) => break,
                None if after_restart => panic!(
                    "{} did not list call {call}'s jobs, asked after the database was back",
                    api.base
                ),
                None => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
}

/// A client of the same node with the same key, for another task.
fn clone_api(api: &Api) -> Api {
    Api {
        http: api.http.clone(),
        base: api.base.clone(),
        key: api.key.clone(),
        timeout: api.timeout,
    }
}

/// Waits until a worker is running a transcription: the crash must hit work in flight.
async fn until_transcribing(cluster: &Cluster) {
    let start = Instant::now();
    while !cluster
        .jobs()
        .await
        .iter()
        .any(|j| j.2 == "transcribe" && j.3 == "running")
    {
        if start.elapsed() > Duration::from_secs(300) {
            panic!(
                "no transcription running for 5 minutes\n{}",
                cluster.report().await
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn text_of(transcript: &Value) -> String {
    transcript
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|m| m["sentences"].as_array().into_iter().flatten())
        .map(|s| s["text"].as_str().unwrap_or("").to_lowercase() + " ")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_workers_and_connections_die_and_every_recording_is_transcribed_once() {
    let started = Instant::now();
    let n: usize = match std::env::var("PARLEY_SCALE_RECORDINGS") {
        Ok(v) => v
            .trim()
            .parse()
            .expect("PARLEY_SCALE_RECORDINGS is a number"),
        Err(_) => DEFAULT_RECORDINGS,
    };
    assert!(
        n >= 8,
        "PARLEY_SCALE_RECORDINGS: at least 8, to fill every phase"
    );
    // Declared before the database, so dropped after it.
    let pg = PgServer::start("scale").map(Arc::new);
    let db = match &pg {
        Some(pg) => TestDb::on(&pg.admin_url()).await,
        None => TestDb::new().await,
    };
    let dir = tempfile::tempdir().unwrap();
    let media_url = match parley_blob::testing::s3_url("scale") {
        Some(url) => url,
        None => {
            eprintln!(
                "note: scale runs its nodes on a shared file:// media folder instead of S3 \
                 (PARLEY_TEST_S3_URL is not set)"
            );
            format!("file://{}", dir.path().join("media").display())
        }
    };
    let recordings: Vec<PathBuf> = (0..SAYINGS.len())
        .map(|i| recording(dir.path(), i))
        .collect();
    let cluster = Cluster {
        dir: dir.path().to_owned(),
        db_url: db.url.clone(),
        media_url,
        pg: pg.clone(),
    };
    // The CLI creates the schema and the key every node accepts.
    let key = create_key(
        cluster
            .parley("cli")
            .args(["keys", "create", "--name", "scale"]),
    );
    let api_node = |server: &Server| Api {
        timeout: Some(Duration::from_secs(60)),
        ..Api::with_key(&server.addr, key.clone())
    };
    let a = cluster.api_node("api-a");
    let mut b = cluster.api_node("api-b");
    let mut w1 = cluster.worker("worker-1");
    let _w2 = cluster.worker("worker-2");
    let (api_a, api_b) = (api_node(&a), api_node(&b));

    // (call, what it says) for each recording.
    let mut calls: Vec<(String, usize)> = Vec::new();
    let half = n / 2;
    for i in 0..half {
        let api = if i % 2 == 0 { &api_a } else { &api_b };
        let say = i % SAYINGS.len();
        calls.push((upload(api, i, &recordings[say]).await, say));
    }

    // A worker dies holding a transcription, and an API node dies.
    let (lost_job, lost_attempt) = kill_mid_job(&cluster, &mut w1).await;
    eprintln!(
        "{:.0} s: killed worker 1 in attempt {lost_attempt} of job {lost_job}",
        started.elapsed().as_secs_f64()
    );
    kill_9(&mut b);
    let refused = api_b
        .http
        .get(format!("{}/health", api_b.base))
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    assert!(refused.is_err(), "the killed node answered: {refused:?}");

    // The survivors carry on.
    let three_quarters = n * 3 / 4;
    for i in half..three_quarters {
        let say = i % SAYINGS.len();
        calls.push((upload(&api_a, i, &recordings[say]).await, say));
    }

    // Every connection is cut: the pools reconnect, the next request is answered.
    let cut = cluster.cut_connections().await;
    eprintln!("cut {cut} connections");
    assert!(cut >= 2, "the nodes held connections: {cut}");
    api_a.get("/v2/calls").await;

    // A worker and an API node come back (on the dead ones' folders, whose leftovers they
    // clear), and take their share.
    let _w3 = cluster.worker("worker-1");
    let b2 = cluster.api_node("api-b");
    let api_b2 = api_node(&b2);
    let node = |i: usize| if i.is_multiple_of(2) { &api_a } else { &api_b2 };
    // The last of them go up while the database crashes.
    let crash_from = n - (n - three_quarters) / 2;
    let middle = (three_quarters + crash_from) / 2;
    for i in three_quarters..crash_from {
        if i == middle {
            // Again while both workers are busy.
            let cut = cluster.cut_connections().await;
            eprintln!("cut {cut} connections");
        }
        let say = i % SAYINGS.len();
        calls.push((upload(node(i), i, &recordings[say]).await, say));
    }

    // The database server crashes and recovers from its WAL while transcriptions run and
    // recordings are uploaded (their calls made beforehand: a retried call creation is
    // another test). Nodes and workers wait or fail while it is down and carry on when it
    // is back; the first request to each node afterwards is answered.
    if let Some(pg) = &pg {
        let mut batch = Vec::new();
        for i in crash_from..n {
            let say = i % SAYINGS.len();
            let (call, _) = node(i).call(&format!("scale-{i}"), json!({})).await;
            batch.push((i, call, say));
        }
        until_transcribing(&cluster).await;
        let back = Arc::new(AtomicBool::new(false));
        let crash = {
            let (pg, back) = (pg.clone(), back.clone());
            tokio::task::spawn_blocking(move || {
                let start = Instant::now();
                pg.stop_immediately();
                let down = Instant::now();
                pg.start_again();
                back.store(true, Ordering::SeqCst);
                (down - start, down.elapsed())
            })
        };
        let mut uploads = tokio::task::JoinSet::new();
        for (i, call, say) in &batch {
            uploads.spawn(upload_through_outage(
                clone_api(node(*i)),
                call.clone(),
                recordings[*say].clone(),
                back.clone(),
            ));
        }
        let (stopping, down) = crash.await.expect("the crash and recovery");
        let mut failed = 0;
        while let Some(upload) = uploads.join_next().await {
            match upload {
                Ok(n) => failed += n,
                Err(e) => panic!("an upload: {e}\n{}", cluster.report().await),
            }
        }
        eprintln!(
            "{:.0} s: the database crashed ({} ms to stop) and was down {} ms; {failed} of {} \
             uploads during it failed and were retried",
            started.elapsed().as_secs_f64(),
            stopping.as_millis(),
            down.as_millis(),
            batch.len()
        );
        assert!(
            pg.log().contains("automatic recovery in progress"),
            "the restart was not a crash recovered from the WAL:\n{}",
            pg.log()
        );
        api_a.get("/v2/calls").await;
        api_b2.get("/v2/calls").await;
        calls.extend(batch.into_iter().map(|(_, call, say)| (call, say)));
    } else {
        for i in crash_from..n {
            let say = i % SAYINGS.len();
            calls.push((upload(node(i), i, &recordings[say]).await, say));
        }
    }

    // A worker's result write loses its connection halfway: it rolls back, and the job
    // is retried (the attempt fails, or its lease runs out).
    let cut_write = cluster.cut_a_transaction(Duration::from_secs(60)).await;
    match &cut_write {
        Some(query) => eprintln!(
            "{:.0} s: cut a connection in a transaction after: {query}",
            started.elapsed().as_secs_f64()
        ),
        None => eprintln!("note: no result write was open long enough to be cut"),
    }

    // Everything finishes: no job left queued or running.
    let deadline = Duration::from_secs(300 + 30 * n as u64);
    loop {
        let jobs = cluster.jobs().await;
        let live = jobs
            .iter()
            .filter(|j| j.3 == "queued" || j.3 == "running")
            .count();
        let transcribed = jobs
            .iter()
            .filter(|j| j.2 == "transcribe" && j.3 != "queued" && j.3 != "running")
            .count();
        if live == 0 && transcribed >= n {
            break;
        }
        if started.elapsed() > deadline {
            panic!(
                "not finished after {} s: {live} jobs queued or running, {transcribed} of {n} \
                 transcriptions ended\n{}",
                deadline.as_secs(),
                cluster.report().await
            );
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    // Every call: one transcription, done; one analysis of its one transcript, done; the
    // words of its own recording, once. Read through both live API nodes.
    let mut failures = Vec::new();
    for (i, (call, say)) in calls.iter().enumerate() {
        let api = if i % 2 == 0 { &api_a } else { &api_b2 };
        let jobs = api.jobs(call).await;
        let of =
            |kind: &str| -> Vec<&Value> { jobs.iter().filter(|j| j["kind"] == kind).collect() };
        let (transcribe, analyze) = (of("transcribe"), of("analyze"));
        if transcribe.len() != 1 || transcribe[0]["state"] != "done" {
            failures.push(format!("call {call}: transcription jobs {transcribe:?}"));
        }
        if analyze.len() != 1 || analyze[0]["state"] != "done" {
            failures.push(format!("call {call}: analysis jobs {analyze:?}"));
        }
        if jobs.len() != 2 {
            failures.push(format!("call {call}: jobs {jobs:?}"));
        }
        let t = api
            .get(&format!("/parley/v1/calls/{call}/transcript"))
            .await;
        let text = text_of(&t["transcript"]);
        let word = SAYINGS[*say].1;
        if t["source"] != "asr:whisper-tiny.en" || text.matches(word).count() != 1 {
            failures.push(format!(
                "call {call}: {word:?} once in its transcript, from tiny.en: {t}"
            ));
        }
        let a = api.get(&format!("/parley/v1/calls/{call}/analysis")).await;
        if a["analysis"].is_null() {
            failures.push(format!("call {call}: no analysis: {a}"));
        }
    }
    for state in ["queued", "running"] {
        let left = api_a.get(&format!("/parley/v1/jobs?state={state}")).await;
        if left["jobs"].as_array().is_some_and(|j| !j.is_empty()) {
            failures.push(format!("{state} jobs left: {left}"));
        }
    }
    // The job the killed worker held was run again, and finished.
    let jobs = cluster.jobs().await;
    match jobs.iter().find(|j| j.0 == lost_job) {
        Some(j) if j.3 == "done" && j.4 > lost_attempt => {}
        other => failures.push(format!(
            "job {lost_job}, killed in attempt {lost_attempt}, is {other:?}"
        )),
    }
    // In the store: one transcript per call, and the one analysis is of that transcript
    // (a second write of a transcript would have replaced the first after its analysis).
    let (transcripts, analysed): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM transcripts), \
                (SELECT count(*) FROM transcripts t JOIN call_analysis a \
                   ON a.call_id = t.call_id AND a.transcript_us = t.created_us)",
    )
    .fetch_one(&mut cluster.sql().await)
    .await
    .unwrap();
    if (transcripts, analysed) != (n as i64, n as i64) {
        failures.push(format!(
            "{transcripts} transcripts, {analysed} analysed as they are, for {n} calls"
        ));
    }
    // Each lost attempt (the killed worker's, the cut write's) was made again: the
    // attempts beyond each job's first count them.
    let again: i64 = jobs.iter().map(|j| j.4 - 1).sum();
    let lost = 1 + i64::from(cut_write.is_some());
    if again < lost {
        failures.push(format!(
            "{lost} attempts were lost, {again} made again beyond each job's first"
        ));
    }
    assert!(
        failures.is_empty(),
        "{}\n{}",
        failures.join("\n"),
        cluster.report().await
    );
    eprintln!(
        "{n} recordings through 2+2 nodes in {:.0} s; {again} attempts beyond each job's first",
        started.elapsed().as_secs_f64()
    );
    if cluster.media_url.starts_with("s3://") {
        parley_blob::testing::clear(&cluster.media_url)
            .await
            .unwrap();
    }
}

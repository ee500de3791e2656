//! Job-claim throughput: `claimers` tasks take jobs off the store's queue and finish them
//! (`claim_job` + `finish_job`, the two statements every job costs a worker), as many
//! `parley worker` processes on one database would, until `jobs` queued jobs are done.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use parley_domain::JobKind;
use parley_store::{NewJob, Store};

pub struct ClaimRun {
    pub jobs: usize,
    pub claimers: usize,
    pub enqueue_secs: f64,
    pub drain_secs: f64,
    /// Jobs claimed more than once (must be 0).
    pub duplicates: usize,
}

impl ClaimRun {
    pub fn jobs_per_sec(&self) -> f64 {
        self.jobs as f64 / self.drain_secs.max(1e-9)
    }
}

pub async fn run(store: Arc<dyn Store>, jobs: usize, claimers: usize) -> Result<ClaimRun> {
    let t0 = Instant::now();
    for i in 0..jobs {
        let job = NewJob {
            kind: JobKind::AnalyzeWorkspace,
            call_id: None,
            payload: serde_json::json!({ "bench": i }),
            max_attempts: 3,
            dedupe: false,
        };
        store
            .enqueue_job(&job, chrono::Utc::now())
            .await
            .context("enqueue_job")?;
    }
    let enqueue_secs = t0.elapsed().as_secs_f64();
    let claimed = Arc::new(std::sync::Mutex::new(Vec::with_capacity(jobs)));
    let done = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..claimers.max(1) {
        let (store, claimed, done) = (store.clone(), claimed.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let worker = format!("bench-{w}");
            loop {
                let now = chrono::Utc::now();
                let Some((job, lease)) = store
                    .claim_job(&[JobKind::AnalyzeWorkspace], &worker, 60, now)
                    .await?
                else {
                    return anyhow::Ok(());
                };
                store.finish_job(lease, chrono::Utc::now()).await?;
                claimed.lock().expect("claimed lock").push(job.id);
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let drain_secs = t0.elapsed().as_secs_f64();
    let mut ids = std::mem::take(&mut *claimed.lock().expect("claimed lock"));
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    if n < jobs {
        bail!("only {n} of {jobs} jobs were claimed");
    }
    Ok(ClaimRun {
        jobs,
        claimers,
        enqueue_secs,
        drain_secs,
        duplicates: n - ids.len(),
    })
}

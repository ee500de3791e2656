//! Races: the store raced against itself through two handles (two nodes) at once. Each
//! check states the guarantee from the [`Store`](crate::Store) docs it holds the backend
//! to.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Duration;
use parley_domain::*;
use serde_json::json;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use super::jobs::job;
use super::{a_call, bare_call, import, one_sentence, t0, Harness};
use crate::{Failure, NewJob, RateQuota, RateTake, Store, StoreError};

/// How many tasks race in each check.
const RACERS: usize = 8;

/// The fixture's store and a second handle onto its database, alternately.
async fn handles(f: &super::Fixture) -> [Arc<dyn Store>; 2] {
    [f.store.clone(), f.reopen().await]
}

/// Runs `race(i, handle)` in [`RACERS`] tasks that start together, alternating between
/// the two handles; returns their results in task order.
async fn race<T, F, Fut>(handles: &[Arc<dyn Store>; 2], race: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize, Arc<dyn Store>) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let start = Arc::new(Barrier::new(RACERS));
    let mut tasks = JoinSet::new();
    for i in 0..RACERS {
        let run = race(i, handles[i % 2].clone());
        let start = start.clone();
        tasks.spawn(async move {
            start.wait().await;
            (i, run.await)
        });
    }
    let mut out: Vec<(usize, T)> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(result) => out.push(result),
            // The task's own assertion message, not the join error's.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("a racing task did not finish: {e}"),
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, t)| t).collect()
}

fn unique_job(kind: JobKind) -> NewJob {
    NewJob {
        dedupe: false,
        ..job(kind, None)
    }
}

/// Six workers on one handle drain 30 jobs: each is run once.
pub async fn concurrent_workers_never_share_a_job(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = f.store.clone();
    for _ in 0..30 {
        s.enqueue_job(&unique_job(JobKind::Analyze), t0())
            .await
            .unwrap();
    }
    let mut workers = Vec::new();
    for w in 0..6 {
        let s = s.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some((j, lease)) = s
                .claim_job(&[JobKind::Analyze], &format!("w{w}"), 60, t0())
                .await
                .unwrap()
            {
                s.finish_job(lease, t0()).await.unwrap();
                mine.push(j.id);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!((all.len(), unique.len()), (30, 30));
    assert_eq!(
        s.list_jobs(Some(JobState::Done), 100).await.unwrap().len(),
        30
    );
}

/// Eight workers on two nodes drain 120 jobs (and skip another kind): every job is
/// claimed exactly once, none is lost, and every claim's lease finishes its job.
pub async fn parallel_claimers_take_every_job_exactly_once(h: &dyn Harness) {
    const JOBS: usize = 120;
    let f = h.fresh().await;
    let handles = handles(&f).await;
    let mut queued = HashSet::new();
    for i in 0..JOBS {
        let j = handles[i % 2]
            .enqueue_job(&unique_job(JobKind::Transcribe), t0())
            .await
            .unwrap();
        queued.insert(j.id);
    }
    let other = handles[0]
        .enqueue_job(&unique_job(JobKind::Analyze), t0())
        .await
        .unwrap();
    let claimed = race(&handles, |w, s| async move {
        let mut mine = Vec::new();
        while let Some((j, lease)) = s
            .claim_job(&[JobKind::Transcribe], &format!("w{w}"), 60, t0())
            .await
            .expect("claim")
        {
            assert_eq!(
                (j.state, j.attempts, lease.job_id, lease.attempt),
                (JobState::Running, 1, j.id, 1),
                "a first claim"
            );
            assert!(s
                .heartbeat_job(lease, Some(0.5), 60, t0())
                .await
                .expect("heartbeat"));
            s.finish_job(lease, t0()).await.expect("finish");
            mine.push(j.id);
        }
        mine
    })
    .await;
    let all: Vec<i64> = claimed.into_iter().flatten().collect();
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), JOBS, "no job claimed twice");
    assert_eq!(unique, queued, "no job lost");
    let done = handles[1]
        .list_jobs(Some(JobState::Done), 1000)
        .await
        .unwrap();
    assert_eq!(done.len(), JOBS);
    assert_eq!(
        handles[1].get_job(other.id).await.unwrap().unwrap().state,
        JobState::Queued,
        "another kind is left alone"
    );
}

/// Eight enqueues of one de-duplicated job on two nodes at once make one job; so do
/// eight transcript writes (each queues the call's analysis).
pub async fn parallel_enqueues_of_one_job_make_one_job(h: &dyn Harness) {
    let f = h.fresh().await;
    let handles = handles(&f).await;
    let call = a_call(&*handles[0]).await.id;
    let ids = race(&handles, |_, s| async move {
        s.enqueue_job(&job(JobKind::Transcribe, Some(call)), t0())
            .await
            .expect("enqueue")
            .id
    })
    .await;
    assert!(ids.iter().all(|id| *id == ids[0]), "one job: {ids:?}");
    // Not de-duplicated against another payload or another call.
    let other = handles[0]
        .enqueue_job(
            &NewJob {
                payload: serde_json::json!({"model": "base.en"}),
                ..job(JobKind::Transcribe, Some(call))
            },
            t0(),
        )
        .await
        .unwrap();
    assert_ne!(other.id, ids[0]);
    let calls_jobs = handles[1].jobs_for_call(call).await.unwrap();
    assert_eq!(calls_jobs.len(), 2);

    let analysed = a_call(&*handles[1]).await.id;
    let takes: Vec<Transcript> = (0..RACERS).map(take).collect();
    let before = handles[0].calls_with_versions(&[analysed]).await.unwrap()[0].1;
    let written = race(&handles, |i, s| async move {
        s.replace_transcript(import(
            analysed,
            &take(i),
            t0() + Duration::milliseconds(i as i64),
        ))
        .await
        .expect("write a transcript")
    })
    .await;
    assert!(written.iter().all(|w| *w));
    let jobs = handles[0].jobs_for_call(analysed).await.unwrap();
    assert_eq!(
        jobs.iter().map(|j| (j.kind, j.state)).collect::<Vec<_>>(),
        [(JobKind::Analyze, JobState::Queued)],
        "one queued analysis"
    );
    let stored = handles[0]
        .transcript_detail(analysed)
        .await
        .unwrap()
        .expect("a transcript")
        .1;
    assert!(
        takes.contains(&stored),
        "one whole transcript, not a mixture: {stored:?}"
    );
    let size = handles[1].transcript_sizes(&[analysed]).await.unwrap()[&analysed];
    assert_eq!((size.monologues, size.sentences), (2, 3));
    let after = handles[1].calls_with_versions(&[analysed]).await.unwrap()[0].1;
    assert!(after > before, "the writes moved the version");
}

/// Transcript `i` of a race: three sentences in two monologues, each naming `i`.
fn take(i: usize) -> Transcript {
    let sentence = |n: i64| Sentence {
        start_ms: n * 1000,
        end_ms: n * 1000 + 500,
        text: format!("take {i}, sentence {n}"),
        words: vec![],
    };
    vec![
        Monologue {
            speaker_id: SpeakerId(1),
            topic: None,
            sentences: vec![sentence(0), sentence(1)],
        },
        Monologue {
            speaker_id: SpeakerId(2),
            topic: None,
            sentences: vec![sentence(2)],
        },
    ]
}

/// Nodes starting together agree on each server secret: the first write wins.
pub async fn parallel_server_secrets_agree(h: &dyn Harness) {
    let f = h.fresh().await;
    let handles = handles(&f).await;
    let secrets = race(&handles, |i, s| async move {
        s.server_secret("cookie", vec![i as u8; 32])
            .await
            .expect("secret")
    })
    .await;
    assert!(
        secrets.iter().all(|x| *x == secrets[0]),
        "every node reads one secret: {secrets:?}"
    );
    assert_eq!(
        handles[0].server_secret("cookie", vec![]).await.unwrap(),
        secrets[0]
    );
}

/// Forty takes from one bucket by eight tasks on two nodes at once admit exactly the
/// bucket's burst of 20, and every refusal waits one interval: no take is lost to a race
/// and none counted twice. The bucket is left exactly spent.
pub async fn parallel_rate_takes_admit_exactly_the_burst(h: &dyn Harness) {
    const TAKES: usize = 5;
    let f = h.fresh().await;
    let handles = handles(&f).await;
    let quota = RateQuota {
        interval_us: 1_000_000,
        burst: 20,
    };
    let outcomes = race(&handles, |_, s| async move {
        let mut mine = Vec::new();
        for _ in 0..TAKES {
            mine.push(s.take_rate("hot", quota, t0()).await.expect("take"));
        }
        mine
    })
    .await;
    let all: Vec<RateTake> = outcomes.into_iter().flatten().collect();
    assert_eq!(all.len(), RACERS * TAKES);
    let admitted = all.iter().filter(|t| **t == RateTake::Admitted).count();
    assert_eq!(admitted, 20, "exactly the burst is admitted: {all:?}");
    assert!(
        all.iter().all(|t| *t == RateTake::Admitted
            || *t == RateTake::Refused(std::time::Duration::from_secs(1))),
        "every refusal waits one interval: {all:?}"
    );
    let one_later = t0() + Duration::seconds(1);
    assert_eq!(
        handles[1].take_rate("hot", quota, one_later).await.unwrap(),
        RateTake::Admitted,
        "one comes back after an interval"
    );
    assert_eq!(
        handles[0].take_rate("hot", quota, one_later).await.unwrap(),
        RateTake::Refused(std::time::Duration::from_secs(1)),
        "and only one"
    );
}

/// A worker that stalls past its lease loses the job to another node, and everything
/// its stale lease does afterwards is refused with nothing written; of workers racing
/// for one expired job, one wins.
pub async fn an_expired_lease_is_taken_over_and_the_old_one_fenced(h: &dyn Harness) {
    let f = h.fresh().await;
    let [a, b] = handles(&f).await;
    let call = a_call(&*a).await.id;
    let queued = a
        .enqueue_job(&job(JobKind::Transcribe, Some(call)), t0())
        .await
        .unwrap();
    let (_, stale) = a
        .claim_job(&[JobKind::Transcribe], "w1", 60, t0())
        .await
        .unwrap()
        .unwrap();
    assert!(
        b.claim_job(
            &[JobKind::Transcribe],
            "w2",
            60,
            t0() + Duration::seconds(59)
        )
        .await
        .unwrap()
        .is_none(),
        "a live lease is respected by every node"
    );
    let later = t0() + Duration::seconds(61);
    let winners = race(&[a.clone(), b.clone()], |w, s| async move {
        s.claim_job(&[JobKind::Transcribe], &format!("w{w}"), 60, later)
            .await
            .expect("claim")
    })
    .await;
    let winners: Vec<_> = winners.into_iter().flatten().collect();
    assert_eq!(winners.len(), 1, "one worker takes the expired job over");
    let (retaken, fresh) = winners[0].clone();
    assert_eq!((retaken.id, retaken.attempts), (queued.id, 2));
    assert_ne!(fresh, stale);

    assert!(!a.heartbeat_job(stale, Some(0.9), 60, later).await.unwrap());
    let lost =
        |r: Result<(), StoreError>| matches!(r, Err(StoreError::LeaseLost(id)) if id == queued.id);
    assert!(lost(a.finish_job(stale, later).await));
    let failed = a
        .fail_job(stale, "late", Failure::Permanent, later)
        .await
        .map(|_| ());
    assert!(lost(failed));
    let t = one_sentence(1, "stale");
    let mut w = import(call, &t, later);
    w.lease = Some(stale);
    assert!(lost(a.replace_transcript(w).await.map(|_| ())));
    assert!(b.transcripts_of(&[call]).await.unwrap().is_empty());
    assert!(
        b.jobs_for_call(call)
            .await
            .unwrap()
            .iter()
            .all(|j| j.kind != JobKind::Analyze),
        "the refused write queued nothing"
    );
    let now = b.get_job(queued.id).await.unwrap().unwrap();
    assert_eq!(
        (now.state, now.attempts, now.progress, now.error),
        (JobState::Running, 2, None, None),
        "the stale lease changed nothing"
    );

    assert!(b.heartbeat_job(fresh, Some(0.25), 60, later).await.unwrap());
    assert_eq!(
        b.fail_job(fresh, "reset", Failure::Transient, later)
            .await
            .unwrap(),
        JobState::Queued
    );
    assert!(
        !b.heartbeat_job(fresh, None, 60, later).await.unwrap(),
        "a failed run's lease is spent too"
    );
}

/// Calls inserted on two nodes at once (all linking one CRM object) each move the
/// generation as every node reads it.
pub async fn parallel_inserts_each_bump_the_generation(h: &dyn Harness) {
    let f = h.fresh().await;
    let handles = handles(&f).await;
    let first = a_call(&*handles[0]).await;
    let before = handles[1].calls_generation().await.unwrap();
    let (ws, user) = (first.workspace_id, first.primary_user_id);
    let readers = handles.clone();
    race(&handles, |i, s| {
        let reader = readers[(i + 1) % 2].clone();
        async move {
            for n in 0..3 {
                let g0 = reader.calls_generation().await.expect("generation");
                let call = bare_call(CallId::generate(), ws, user, t0() + Duration::seconds(n));
                // Every call links one CRM object, upserted by all at once.
                let account = CrmLink {
                    system: CrmSystem::Salesforce,
                    object_type: "Account".into(),
                    object_id: "001".into(),
                    fields: vec![("Name".into(), json!(format!("Acme {i}")))],
                };
                s.insert_call(&call, &[], &[account], &[])
                    .await
                    .expect("insert");
                let g1 = reader.calls_generation().await.expect("generation");
                assert!(g1 > g0, "an insert moves the generation ({g0} -> {g1})");
            }
        }
    })
    .await;
    let after = handles[0].calls_generation().await.unwrap();
    assert!(after > before);
    assert_eq!(
        handles[0]
            .count_calls(&crate::CallFilter::default())
            .await
            .unwrap(),
        1 + 3 * RACERS as i64
    );
}

/// Of eight exchanges of one code at once, one finds it unused.
pub async fn parallel_takes_of_a_code_have_one_winner(h: &dyn Harness) {
    let f = h.fresh().await;
    let handles = handles(&f).await;
    let user = super::oauth::user_and_app(&*handles[0], "c1").await;
    handles[0]
        .create_oauth_code(&super::oauth::code("k", "c1", user, t0()))
        .await
        .unwrap();
    let taken = race(&handles, |i, s| async move {
        s.take_oauth_code(&super::oauth::sha("k"), t0() + Duration::seconds(i as i64))
            .await
            .expect("take")
            .expect("the code exists")
    })
    .await;
    let winners: Vec<usize> = (0..RACERS).filter(|i| taken[*i].used.is_none()).collect();
    assert_eq!(winners.len(), 1, "one exchange wins: {taken:?}");
    let used = handles[1]
        .take_oauth_code(&super::oauth::sha("k"), t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        used.used,
        Some(t0() + Duration::seconds(winners[0] as i64)),
        "the winner's use is the one recorded"
    );
}

/// Of eight uses of one password reset token at once, one gets the user.
pub async fn parallel_password_reset_takes_have_one_winner(h: &dyn Harness) {
    let f = h.fresh().await;
    let handles = handles(&f).await;
    let user = a_call(&*handles[0]).await.primary_user_id;
    handles[0]
        .create_password_reset("r", user, t0() + Duration::hours(1))
        .await
        .unwrap();
    let taken = race(&handles, |_, s| async move {
        s.take_password_reset("r", t0()).await.expect("take")
    })
    .await;
    assert_eq!(
        taken.iter().flatten().collect::<Vec<_>>(),
        [&user],
        "one use wins: {taken:?}"
    );
}

/// Of eight refreshes with one refresh token at once, one spends it.
pub async fn parallel_refreshes_have_one_winner(h: &dyn Harness) {
    let f = h.fresh().await;
    let handles = handles(&f).await;
    let user = super::oauth::user_and_app(&*handles[0], "c1").await;
    handles[0]
        .create_oauth_token(&super::oauth::token("t", "g", "c1", user, t0()))
        .await
        .unwrap();
    let spent = race(&handles, |i, s| async move {
        s.spend_oauth_refresh(
            &super::oauth::sha("refresh-t"),
            "c1",
            t0() + Duration::seconds(1 + i as i64),
        )
        .await
        .expect("spend")
    })
    .await;
    let winners: Vec<_> = spent.iter().flatten().collect();
    assert_eq!(winners.len(), 1, "one refresh wins");
    let stored = handles[1]
        .oauth_token_by_refresh(&super::oauth::sha("refresh-t"))
        .await
        .unwrap()
        .unwrap();
    assert!(stored.refresh_used.is_some());
}

/// Users changed on two nodes at once: the settings history stays the row's history
/// (every entry a change from the one before, the last one the row's value), because
/// each update reads the row it diffs against under its write.
pub async fn parallel_user_updates_keep_every_settings_change(h: &dyn Harness) {
    let f = h.fresh().await;
    let handles = handles(&f).await;
    let (_, user) = super::workspace_and_user(&*handles[0], UserId::generate(), t0()).await;
    let base = user.clone();
    race(&handles, |i, s| {
        let base = base.clone();
        async move {
            for round in 0..4 {
                let on = (i + round) % 2 == 0;
                let u = User {
                    active: !on,
                    settings: UserSettings {
                        emails_imported: on,
                        gong_connect_enabled: !on,
                        ..base.settings
                    },
                    first_name: format!("racer {i}"),
                    ..base.clone()
                };
                s.update_user(&u, t0() + Duration::seconds(round as i64))
                    .await
                    .expect("update");
            }
        }
    })
    .await;
    let row = handles[0].get_user(user.id).await.unwrap().unwrap();
    let history = handles[1].settings_history(user.id).await.unwrap();
    let mut last: HashMap<Setting, bool> = HashMap::new();
    for change in &history {
        if let Some(before) = last.insert(change.setting, change.value) {
            assert_ne!(
                before, change.value,
                "{:?} recorded as a change to the value it had",
                change.setting
            );
        }
    }
    for setting in Setting::ALL {
        assert_eq!(
            last.get(&setting).copied(),
            Some(setting.value_in(&row.settings, row.active)),
            "the history of {setting:?} ends at the row's value"
        );
    }
}

/// One recording stored on two nodes at once queues one transcription.
pub async fn parallel_media_stores_queue_one_transcription(h: &dyn Harness) {
    let f = h.fresh().await;
    let handles = handles(&f).await;
    let call = a_call(&*handles[0]).await.id;
    let stored = race(&handles, |_, s| async move {
        s.store_call_media(
            &super::media::media(call, "same", "calls/c/1.wav"),
            Some(&super::media::transcribe(call)),
            t0(),
        )
        .await
        .expect("store the recording")
    })
    .await;
    assert!(stored
        .iter()
        .all(|m| m.job.as_ref().unwrap().id == stored[0].job.as_ref().unwrap().id));
    assert!(stored.iter().all(|m| m.replaced.is_none()));
    let jobs = handles[1].jobs_for_call(call).await.unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(
        handles[1].call_media(call).await.unwrap().unwrap().key,
        "calls/c/1.wav"
    );
}

/// Stale workers report failures while other nodes take their expired jobs over: a
/// failure lands either before the takeover (the job is requeued, then claimed) or is
/// refused after it, never undoing it. Each job ends claimed once more, running under a
/// lease its new worker still holds.
pub async fn stale_failures_racing_takeovers_never_undo_them(h: &dyn Harness) {
    const JOBS: usize = 40;
    let f = h.fresh().await;
    let handles = handles(&f).await;
    let mut stale = Vec::new();
    for _ in 0..JOBS {
        handles[0]
            .enqueue_job(&unique_job(JobKind::FetchMedia), t0())
            .await
            .unwrap();
        let (_, lease) = handles[0]
            .claim_job(&[JobKind::FetchMedia], "old", 60, t0())
            .await
            .unwrap()
            .expect("a queued job");
        stale.push(lease);
    }
    // The stale workers report just after their leases expired; the takeovers happen
    // past any backoff those reports set.
    let reported = t0() + Duration::seconds(61);
    let later = t0() + Duration::days(1);
    let stale = Arc::new(stale);
    let results = race(&handles, |i, s| {
        let stale = stale.clone();
        async move {
            let mut claimed = Vec::new();
            if i % 2 == 0 {
                // Half the racers are the stale workers, each failing its share.
                for lease in stale.iter().skip(i / 2).step_by(RACERS / 2) {
                    match s
                        .fail_job(*lease, "late", Failure::Transient, reported)
                        .await
                    {
                        Ok(state) => assert_eq!(state, JobState::Queued),
                        Err(StoreError::LeaseLost(_)) => {}
                        Err(e) => panic!("fail_job: {e}"),
                    }
                }
            }
            // Then everyone takes jobs over until none is left.
            while let Some((_, lease)) = s
                .claim_job(&[JobKind::FetchMedia], &format!("w{i}"), 3600, later)
                .await
                .expect("claim")
            {
                claimed.push(lease);
            }
            claimed
        }
    })
    .await;
    let leases: Vec<_> = results.into_iter().flatten().collect();
    let jobs: HashSet<i64> = leases.iter().map(|l| l.job_id).collect();
    assert_eq!(leases.len(), JOBS, "each job taken over once: {leases:?}");
    assert_eq!(jobs.len(), JOBS);
    for lease in leases {
        assert_eq!(lease.attempt, 2, "one takeover per job");
        assert!(
            handles[1]
                .heartbeat_job(lease, None, 3600, later)
                .await
                .unwrap(),
            "the new worker still holds job {}",
            lease.job_id
        );
    }
}

/// Eight assigns of one prospect at once, each into an exclusive flow of its own in one
/// workspace: the prospect ends up in exactly one of them.
pub async fn parallel_assigns_to_exclusive_flows_place_a_prospect_once(h: &dyn Harness) {
    let f = h.fresh().await;
    let handles = handles(&f).await;
    let call = a_call(&*handles[0]).await;
    let mut flows = Vec::new();
    for i in 0..RACERS {
        let flow = Flow {
            id: FlowId::generate(),
            workspace_id: call.workspace_id,
            name: format!("flow {i}"),
            owner_id: call.primary_user_id,
            visibility: FlowVisibility::Company,
            folder: None,
            exclusive: true,
            created: t0(),
        };
        handles[0].create_flow(&flow).await.unwrap();
        flows.push(flow.id);
    }
    let owner = call.primary_user_id;
    let placed = race(&handles, |i, s| {
        let flow = flows[i];
        async move {
            let instance = FlowInstance {
                id: FlowInstanceId::generate(),
                flow_id: flow,
                crm_prospect_id: "003X".into(),
                owner_id: owner,
                status: FlowInstanceStatus::Running,
                created: t0(),
            };
            s.assign_flow(&[instance]).await.expect("assign")[0]
        }
    })
    .await;
    let made = placed
        .iter()
        .filter(|p| **p == crate::Placement::Made)
        .count();
    assert_eq!(made, 1, "one exclusive flow holds the prospect: {placed:?}");
    assert_eq!(
        handles[1]
            .prospect_flows(Some(call.workspace_id), &["003X".into()])
            .await
            .unwrap()
            .len(),
        1
    );
}

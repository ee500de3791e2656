//! Rate-limit buckets (`Store::take_rate`): bursts, waits, refills, separate buckets and
//! pruning, at explicit instants (no check sleeps). The race of many takes on one bucket
//! through two handles is in `concurrency`.

use std::time::Duration as StdDuration;

use chrono::Duration;

use super::{t0, Harness};
use crate::{RateQuota, RateTake, Store};

/// Three at once, one back every second.
const THREE_A_SECOND: RateQuota = RateQuota {
    interval_us: 1_000_000,
    burst: 3,
};

fn ms(n: i64) -> Duration {
    Duration::milliseconds(n)
}

fn refused_for(wait_ms: u64) -> RateTake {
    RateTake::Refused(StdDuration::from_millis(wait_ms))
}

/// Takes `n` times from `bucket` at `at`; returns the outcomes.
async fn take_n(
    s: &dyn Store,
    bucket: &str,
    quota: RateQuota,
    at: parley_domain::Timestamp,
    n: usize,
) -> Vec<RateTake> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(s.take_rate(bucket, quota, at).await.expect("take"));
    }
    out
}

/// A full bucket admits its burst at once, then refuses with the time until one request
/// comes back, measured from the instant asked at; a refusal takes nothing.
pub async fn a_burst_is_admitted_then_refused_with_the_wait(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = f.store.as_ref();
    let q = THREE_A_SECOND;
    assert_eq!(
        take_n(s, "k", q, t0(), 3).await,
        vec![RateTake::Admitted; 3],
        "a full bucket admits its burst"
    );
    assert_eq!(
        take_n(s, "k", q, t0(), 2).await,
        vec![refused_for(1000); 2],
        "past the burst: refused until one request comes back; refusals take nothing"
    );
    assert_eq!(
        s.take_rate("k", q, t0() + ms(250)).await.unwrap(),
        refused_for(750),
        "the wait counts from the instant asked at"
    );
    assert_eq!(
        s.take_rate("k", q, t0() + ms(1000)).await.unwrap(),
        RateTake::Admitted,
        "after exactly the wait, one is admitted"
    );
    assert_eq!(
        s.take_rate("k", q, t0() + ms(1000)).await.unwrap(),
        refused_for(1000)
    );
    // A day's allowance of 2: the third waits half a day.
    let daily = RateQuota {
        interval_us: 43_200_000_000,
        burst: 2,
    };
    assert_eq!(
        take_n(s, "d", daily, t0(), 3).await,
        vec![
            RateTake::Admitted,
            RateTake::Admitted,
            RateTake::Refused(StdDuration::from_secs(43_200))
        ]
    );
}

/// Spending one bucket leaves every other bucket full.
pub async fn buckets_are_separate(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = f.store.as_ref();
    let q = THREE_A_SECOND;
    take_n(s, "a", q, t0(), 3).await;
    assert_eq!(s.take_rate("a", q, t0()).await.unwrap(), refused_for(1000));
    assert_eq!(
        take_n(s, "b", q, t0(), 3).await,
        vec![RateTake::Admitted; 3],
        "another bucket is full"
    );
    assert_eq!(
        take_n(s, "a:b", q, t0(), 1).await,
        vec![RateTake::Admitted],
        "names are compared whole"
    );
}

/// Requests come back one per interval, up to the burst and no further; a node whose
/// clock lags finds the bucket as the others left it.
pub async fn buckets_refill_one_interval_at_a_time(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = f.store.as_ref();
    let q = THREE_A_SECOND;
    take_n(s, "k", q, t0(), 3).await;
    assert_eq!(
        take_n(s, "k", q, t0() + ms(2000), 3).await,
        vec![RateTake::Admitted, RateTake::Admitted, refused_for(1000)],
        "two seconds bring two back"
    );
    assert_eq!(
        s.take_rate("k", q, t0() - ms(5000)).await.unwrap(),
        refused_for(8000),
        "a lagging clock is not a fuller bucket"
    );
    assert_eq!(
        take_n(s, "k", q, t0() + ms(60_000), 4).await,
        vec![
            RateTake::Admitted,
            RateTake::Admitted,
            RateTake::Admitted,
            refused_for(1000)
        ],
        "a long rest refills no more than the burst"
    );
    // Sub-millisecond intervals (a high per-second rate) keep their precision.
    let fast = RateQuota::per_second(400_000, 2);
    assert_eq!(fast.interval_us, 2);
    assert_eq!(
        take_n(s, "fast", fast, t0(), 3).await,
        vec![
            RateTake::Admitted,
            RateTake::Admitted,
            RateTake::Refused(StdDuration::from_micros(2))
        ]
    );
}

/// Pruning removes only buckets that are full by `before` (their row says nothing a
/// missing row does not), so a spent bucket stays spent.
pub async fn pruning_removes_only_full_buckets(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = f.store.as_ref();
    let q = THREE_A_SECOND;
    take_n(s, "short", q, t0(), 3).await;
    let daily = RateQuota {
        interval_us: 86_400_000_000,
        burst: 1,
    };
    take_n(s, "long", daily, t0(), 1).await;
    assert_eq!(
        s.prune_rate_limits(t0()).await.unwrap(),
        0,
        "nothing is full yet"
    );
    assert_eq!(
        s.take_rate("short", q, t0() + ms(500)).await.unwrap(),
        refused_for(500),
        "the spent bucket is still spent"
    );
    assert_eq!(
        s.prune_rate_limits(t0() + Duration::hours(1))
            .await
            .unwrap(),
        1,
        "the per-second bucket is full an hour later; the daily one is not"
    );
    assert_eq!(
        s.take_rate("long", daily, t0() + Duration::hours(1))
            .await
            .unwrap(),
        RateTake::Refused(StdDuration::from_secs(23 * 3600)),
        "the daily bucket kept its state"
    );
    assert_eq!(
        take_n(s, "short", q, t0() + Duration::hours(1), 4).await,
        vec![
            RateTake::Admitted,
            RateTake::Admitted,
            RateTake::Admitted,
            refused_for(1000)
        ],
        "a pruned bucket is a full one"
    );
    assert_eq!(
        s.prune_rate_limits(t0() + Duration::days(2)).await.unwrap(),
        2
    );
    assert_eq!(
        s.prune_rate_limits(t0() + Duration::days(2)).await.unwrap(),
        0
    );
}

//! Rate limits across nodes: two real servers on one database (PostgreSQL with
//! `PARLEY_TEST_DATABASE=postgres`, else one SQLite file both open), each on port 0 with
//! its own store pool and memory, as two `parley serve --no-workers` behind a load
//! balancer. With the shared scope a key gets one allowance however its requests are
//! spread; with the node scope, one per node.
//!
//! The limits here are daily allowances (one request back every few hours), so that no
//! test's duration refills a bucket: the counts are exact. The per-second bucket is the
//! same code with another quota (its arithmetic is in the store's conformance suite).

mod common;

use common::{assert_error, TestServer};
use parley_server::{RateLimit, RateLimitScope, ServerConfig};
use reqwest::StatusCode;

/// Six requests a day per key: one back every four hours.
const SIX_A_DAY: RateLimit = RateLimit {
    per_second: 0,
    burst: 0,
    per_day: 6,
};
const FOUR_HOURS: std::ops::RangeInclusive<u64> = 14_000..=14_400;

fn limited(scope: RateLimitScope) -> impl Fn(&mut ServerConfig) + Copy {
    move |c: &mut ServerConfig| {
        c.rate_limit = SIX_A_DAY;
        c.rate_limit_scope = scope;
    }
}

async fn two_nodes(scope: RateLimitScope) -> [TestServer; 2] {
    let a = TestServer::start_with(limited(scope)).await;
    let b = a.another_node(limited(scope)).await;
    [a, b]
}

/// Asserts Gong's 429 with a `Retry-After` of about four hours.
fn assert_limited(r: &common::Reply) {
    assert_error(
        r,
        StatusCode::TOO_MANY_REQUESTS,
        "API request limit exceeded",
    );
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(FOUR_HOURS.contains(&retry), "retry after {retry}");
}

#[tokio::test]
async fn a_key_spread_over_two_nodes_gets_one_shared_allowance() {
    let nodes = two_nodes(RateLimitScope::Shared).await;
    for i in 0..6 {
        let r = nodes[i % 2].get("/v2/workspaces").await;
        assert_eq!(r.status, StatusCode::OK, "request {i}: {}", r.body);
    }
    // Spent, whichever node is asked.
    assert_limited(&nodes[0].get("/v2/workspaces").await);
    assert_limited(&nodes[1].get("/v2/workspaces").await);
    // Another key has its own allowance, on either node.
    let other = parley_app::keys::create_key(
        nodes[0].store.as_ref(),
        &parley_app::keys::KeySpec::full("other"),
    )
    .await
    .unwrap();
    let r = nodes[1]
        .raw(
            nodes[1]
                .client
                .get(format!("{}/v2/workspaces", nodes[1].base))
                .basic_auth(&other.access_key, Some(&other.secret)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn on_the_node_scope_each_node_gives_the_whole_allowance() {
    let nodes = two_nodes(RateLimitScope::Node).await;
    for i in 0..12 {
        let r = nodes[i % 2].get("/v2/workspaces").await;
        assert_eq!(r.status, StatusCode::OK, "request {i}: {}", r.body);
    }
    assert_limited(&nodes[0].get("/v2/workspaces").await);
    assert_limited(&nodes[1].get("/v2/workspaces").await);
}

/// When the shared buckets cannot be read (here: their table is gone), requests are not
/// refused for it: each node counts alone, as on the node scope, and still answers 429
/// past its own allowance.
#[tokio::test]
async fn without_the_shared_buckets_each_node_counts_alone() {
    let nodes = two_nodes(RateLimitScope::Shared).await;
    for node in &nodes {
        assert_eq!(node.get("/v2/workspaces").await.status, StatusCode::OK);
    }
    exec(&nodes[0].database_url, "DROP TABLE rate_limits").await;
    for i in 0..12 {
        let r = nodes[i % 2].get("/v2/workspaces").await;
        assert_eq!(r.status, StatusCode::OK, "request {i}: {}", r.body);
    }
    assert_limited(&nodes[0].get("/v2/workspaces").await);
    assert_limited(&nodes[1].get("/v2/workspaces").await);
}

/// Wrong secrets sent at once to two nodes, 20 to each: the throttle of a key and source
/// (a burst of 20) is spent once for both nodes on the shared scope, and once per node on
/// the node scope.
#[tokio::test]
async fn wrong_secrets_are_throttled_across_nodes_on_the_shared_scope() {
    let keep = |c: &mut ServerConfig| c.rate_limit = RateLimit::OFF;
    let throttled = |scope: RateLimitScope| async move {
        let a = TestServer::start_with(|c| {
            keep(c);
            c.rate_limit_scope = scope;
        })
        .await;
        let b = a
            .another_node(|c| {
                keep(c);
                c.rate_limit_scope = scope;
            })
            .await;
        let mut set = tokio::task::JoinSet::new();
        for i in 0..40 {
            let node = if i % 2 == 0 { &a } else { &b };
            let req = node
                .client
                .get(format!("{}/v2/workspaces", node.base))
                .basic_auth(&node.key, Some("not-the-secret"));
            set.spawn(async move { req.send().await.unwrap() });
        }
        let mut throttled = 0;
        while let Some(resp) = set.join_next().await {
            let resp = resp.unwrap();
            let status = resp.status();
            match status {
                StatusCode::UNAUTHORIZED => {}
                StatusCode::TOO_MANY_REQUESTS => {
                    assert!(resp.headers().contains_key("retry-after"));
                    throttled += 1;
                }
                other => panic!("{other}"),
            }
        }
        throttled
    };
    assert_eq!(
        throttled(RateLimitScope::Node).await,
        0,
        "each node allows its own burst of 20"
    );
    assert!(
        throttled(RateLimitScope::Shared).await > 0,
        "40 tries against one shared burst of 20"
    );
}

/// Runs one statement on the database behind `url`, as an operator (or a failure) would.
async fn exec(url: &str, sql: &str) {
    if parley_app::storage::shared_by_nodes(url) {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

//! Fixtures of the pg2_* tests: a fresh database per test (on pg1's `common` helper), and
//! rows written with plain SQL, so that these tests depend only on the methods they test.
//! A test file declares `mod common;` before `mod pg2_common;`.

#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use parley_domain::*;
use parley_store_postgres::PgStore;
use sqlx::PgPool;

/// A migrated store on a database of its own (pg1's [`crate::common::TestDb`], dropped
/// with it), and a plain pool on it for rows the test writes or reads itself.
pub struct TestDb {
    pub store: PgStore,
    pub raw: PgPool,
    // Last: the database is dropped after the pools are.
    _db: crate::common::TestDb,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let db = crate::common::TestDb::new().await;
        let store = db.open().await;
        let raw = PgPool::connect(&db.url).await.unwrap();
        TestDb {
            store,
            raw,
            _db: db,
        }
    }

    /// Another node on the same database: a store with its own pool.
    pub async fn node(&self) -> PgStore {
        self._db.open().await
    }
}

pub fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

pub fn us(t: Timestamp) -> i64 {
    t.timestamp_micros()
}

pub async fn workspace(db: &TestDb, id: WorkspaceId) {
    sqlx::query(
        "INSERT INTO workspaces (id, name, created_us, is_default) VALUES ($1, 'w', $2, FALSE)",
    )
    .bind(id.0)
    .bind(us(t0()))
    .execute(&db.raw)
    .await
    .unwrap();
}

pub async fn user(db: &TestDb, id: UserId) {
    sqlx::query(
        "INSERT INTO users (id, email, created_us, active, first_name, last_name) \
         VALUES ($1, $2, $3, TRUE, 'U', 'Ser')",
    )
    .bind(id.0)
    .bind(format!("u{}@northwind.example.com", id.0))
    .bind(us(t0()))
    .execute(&db.raw)
    .await
    .unwrap();
}

pub async fn call(
    db: &TestDb,
    id: CallId,
    workspace: WorkspaceId,
    host: UserId,
    started: Timestamp,
) {
    sqlx::query(
        "INSERT INTO calls (id, workspace_id, title, started_us, duration_s, primary_user_id, \
         direction, scope, media, created_us) \
         VALUES ($1, $2, '', $3, 0, $4, 'unknown', 'unknown', 'audio', $3)",
    )
    .bind(id.0)
    .bind(workspace.0)
    .bind(us(started))
    .bind(host.0)
    .execute(&db.raw)
    .await
    .unwrap();
}

/// An attending party of a call.
pub async fn party(db: &TestDb, call: CallId, ord: i64, user: UserId) {
    sqlx::query(
        "INSERT INTO parties (id, call_id, ord, user_id, affiliation) VALUES ($1, $2, $3, $4, 'internal')",
    )
    .bind(random_id())
    .bind(call.0)
    .bind(ord)
    .bind(user.0)
    .execute(&db.raw)
    .await
    .unwrap();
}

/// Stores (replacing any) a transcript of version `version`: monologue `m` has one
/// sentence per text, the first sentence with one word.
pub async fn transcript(db: &TestDb, call: CallId, version: i64, monologues: &[&[&str]]) {
    let mut tx = db.raw.begin().await.unwrap();
    sqlx::query("DELETE FROM transcripts WHERE call_id = $1")
        .bind(call.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO transcripts (call_id, source, created_us) VALUES ($1, 'import:webvtt', $2)",
    )
    .bind(call.0)
    .bind(version)
    .execute(&mut *tx)
    .await
    .unwrap();
    for (m, sentences) in monologues.iter().enumerate() {
        for (n, text) in sentences.iter().enumerate() {
            let words =
                (n == 0).then(|| format!("[[0,500,{:?}]]", text.split(' ').next().unwrap()));
            sqlx::query(
                "INSERT INTO transcript_sentences (call_id, monologue, seq, speaker_id, start_ms, end_ms, text, words) \
                 VALUES ($1, $2, $3, 7, $4, $5, $6, $7)",
            )
            .bind(call.0)
            .bind(m as i64)
            .bind(n as i64)
            .bind((m * 10_000 + n * 1000) as i64)
            .bind((m * 10_000 + n * 1000 + 900) as i64)
            .bind(*text)
            .bind(words)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
}

/// A running job of the call held under attempt `attempt`; returns its lease.
pub async fn running_job(db: &TestDb, call: CallId, attempt: u32) -> JobLease {
    let id = random_id();
    sqlx::query(
        "INSERT INTO jobs (id, kind, call_id, payload, state, attempts, max_attempts, run_after_us, \
         lease_owner, lease_until_us, created_us, updated_us) \
         VALUES ($1, 'analyze', $2, '{}', 'running', $3, 3, $4, 'w1', $5, $4, $4)",
    )
    .bind(id)
    .bind(call.0)
    .bind(i64::from(attempt))
    .bind(us(t0()))
    .bind(us(t0()) + 60_000_000)
    .execute(&db.raw)
    .await
    .unwrap();
    JobLease {
        job_id: id,
        attempt,
    }
}

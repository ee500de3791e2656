//! SQLite's own history: databases migrated from older schemas. (Everything a backend
//! must do is in the conformance suite, `tests/conformance.rs`.)

use chrono::{TimeZone, Utc};
use parley_domain::*;
use parley_store::Store;
use parley_store_sqlite::SqliteStore;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

/// Databases from before typed jobs hold tracker back-fills and workspace analyses as
/// `analyze` jobs with a `scope`; opening them moves those to their own kinds, with the
/// payload the new code writes (so a new back-fill still de-duplicates against them).
#[tokio::test]
async fn jobs_queued_before_typed_jobs_are_carried_over() {
    use sqlx::sqlite::SqlitePoolOptions;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let pool = SqlitePoolOptions::new().connect(&url).await.unwrap();
    let mut before = sqlx::migrate!("./migrations");
    before.migrations = before
        .migrations
        .iter()
        .filter(|m| m.version < 8)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&pool).await.unwrap();
    let ws = "1234567890123456789";
    for (id, payload) in [
        (1, format!(r#"{{"scope":"trackers","workspaceId":"{ws}"}}"#)),
        (2, r#"{"scope":"all","workspaceId":null}"#.to_owned()),
        (3, "{}".to_owned()),
    ] {
        sqlx::query(
            "INSERT INTO jobs (id, kind, call_id, payload, state, attempts, max_attempts, \
             run_after_us, created_us, updated_us) VALUES (?, 'analyze', NULL, ?, 'queued', 0, 5, 0, 0, 0)",
        )
        .bind(id)
        .bind(payload)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;

    let s = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    let job = |id| s.get_job(id);
    let workspace = Some(WorkspaceId(ws.parse().unwrap()));
    assert_eq!(
        JobSpec::of(&job(1).await.unwrap().unwrap()),
        Ok(JobSpec::BackfillTrackers { workspace })
    );
    assert_eq!(
        JobSpec::of(&job(2).await.unwrap().unwrap()),
        Ok(JobSpec::AnalyzeWorkspace { workspace: None })
    );
    // An `analyze` job without a call was never valid; it stays what it was.
    assert_eq!(job(3).await.unwrap().unwrap().kind, JobKind::Analyze);
    let again = s
        .enqueue_job(&JobSpec::BackfillTrackers { workspace }.into(), t0())
        .await
        .unwrap();
    assert_eq!(again.id, 1, "the carried-over job is the live one");
}

/// Every table of the migrated schema is copied by `parley migrate` with exactly its
/// columns, or listed as not copied (a new migration must say which).
#[tokio::test]
async fn the_portable_schema_covers_every_table_and_column() {
    use parley_store::portable::{schema_gaps, Portable};
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("p.db").to_str().unwrap())
        .await
        .unwrap();
    let schema = store.schema().await.unwrap();
    assert!(schema.iter().any(|(t, _)| t == "calls"), "{schema:?}");
    let gaps = schema_gaps(&schema);
    assert!(gaps.is_empty(), "{gaps:#?}");
}

//! The conformance suite against SQLite: a database file in a temporary folder per
//! check; another `SqliteStore::open` of the same file is another node.

use std::sync::Arc;

use parley_store::conformance::{Fixture, Harness};
use parley_store::Store;
use parley_store_sqlite::SqliteStore;

struct SqliteHarness;

#[async_trait::async_trait]
impl Harness for SqliteHarness {
    async fn fresh(&self) -> Fixture {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("parley.db").display().to_string();
        let store = SqliteStore::open(&path).await.expect("open the store");
        let (reopen_path, exec_path, schema_path) = (path.clone(), path.clone(), path);
        Fixture {
            store: Arc::new(store),
            reopen: Box::new(move || {
                let path = reopen_path.clone();
                Box::pin(async move {
                    let store = SqliteStore::open(&path).await.expect("reopen the store");
                    Arc::new(store) as Arc<dyn Store>
                })
            }),
            exec: Some(Box::new(move |sql| {
                let url = format!("sqlite://{exec_path}");
                Box::pin(async move {
                    let pool = sqlx::SqlitePool::connect(&url).await?;
                    sqlx::query(&sql).execute(&pool).await?;
                    pool.close().await;
                    Ok(())
                })
            })),
            text_columns: Some(Box::new(move || {
                let url = format!("sqlite://{schema_path}");
                Box::pin(async move {
                    let pool = sqlx::SqlitePool::connect(&url).await?;
                    let rows: Vec<(String, String)> = sqlx::query_as(
                        "SELECT m.name, p.name FROM sqlite_schema AS m \
                         JOIN pragma_table_info(m.name) AS p \
                         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                         AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND upper(p.type) LIKE '%TEXT%'",
                    )
                    .fetch_all(&pool)
                    .await?;
                    pool.close().await;
                    Ok(rows)
                })
            })),
            guard: Box::new(dir),
        }
    }
}

parley_store::conformance_suite!(SqliteHarness);

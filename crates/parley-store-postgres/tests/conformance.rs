//! The conformance suite against PostgreSQL: a fresh database per check; another
//! `PgStore::open` of it is another node.

mod common;

use std::sync::Arc;

use parley_store::conformance::{Fixture, Harness};
use parley_store::Store;
use parley_store_postgres::PgStore;

struct PgHarness;

#[async_trait::async_trait]
impl Harness for PgHarness {
    async fn fresh(&self) -> Fixture {
        let db = common::TestDb::new().await;
        let store = db.open().await;
        let (reopen_url, exec_url, schema_url) = (db.url.clone(), db.url.clone(), db.url.clone());
        Fixture {
            store: Arc::new(store),
            reopen: Box::new(move || {
                let url = reopen_url.clone();
                Box::pin(async move {
                    let store = PgStore::open(&url).await.expect("reopen the store");
                    Arc::new(store) as Arc<dyn Store>
                })
            }),
            exec: Some(Box::new(move |sql| {
                let url = exec_url.clone();
                Box::pin(async move {
                    let pool = sqlx::PgPool::connect(&url).await?;
                    sqlx::query(&sql).execute(&pool).await?;
                    pool.close().await;
                    Ok(())
                })
            })),
            text_columns: Some(Box::new(move || {
                let url = schema_url.clone();
                Box::pin(async move {
                    let pool = sqlx::PgPool::connect(&url).await?;
                    let rows: Vec<(String, String)> = sqlx::query_as(
                        "SELECT table_name::text, column_name::text FROM information_schema.columns \
                         WHERE table_schema = current_schema() \
                         AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb') \
                         AND table_name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
                    )
                    .fetch_all(&pool)
                    .await?;
                    pool.close().await;
                    Ok(rows)
                })
            })),
            guard: Box::new(db),
        }
    }
}

parley_store::conformance_suite!(PgHarness);

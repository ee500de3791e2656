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
        let (reopen_url, exec_url) = (db.url.clone(), db.url.clone());
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
            guard: Box::new(db),
        }
    }
}

parley_store::conformance_suite!(PgHarness);

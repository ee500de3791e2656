//! This crate's tests use the crate's own test databases ([`parley_store_postgres::testing`]).

#![allow(dead_code)]

pub use parley_store_postgres::testing::TestDb;
use parley_store_postgres::PgStore;

/// A fresh database and one store on it.
pub async fn fresh() -> (TestDb, PgStore) {
    let db = TestDb::new().await;
    let store = db.open().await;
    (db, store)
}

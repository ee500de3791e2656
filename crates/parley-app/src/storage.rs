//! Which storage backend a database URL names.
//!
//! The one place that knows every backend crate: everything else holds an
//! `Arc<dyn Store>` and cannot tell them apart.

use std::sync::Arc;

use parley_store::portable::Portable;
use parley_store::{redact, Store, StoreError};
use parley_store_postgres::PgStore;
use parley_store_sqlite::SqliteStore;

/// Opens (and migrates) the store named by `url`: `sqlite://PATH` (or `sqlite:PATH`), or
/// `postgres://USER@HOST:PORT/DATABASE` (or `postgresql://`, with libpq's query options).
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    open_as(
        url,
        |s| Arc::new(s) as Arc<dyn Store>,
        |s| Arc::new(s) as Arc<dyn Store>,
    )
    .await
}

/// Opens (and migrates) the store named by `url` for a copy between databases
/// (`parley_app::migrate`).
pub async fn open_portable(url: &str) -> Result<Arc<dyn Portable>, StoreError> {
    open_as(
        url,
        |s| Arc::new(s) as Arc<dyn Portable>,
        |s| Arc::new(s) as Arc<dyn Portable>,
    )
    .await
}

async fn open_as<T>(
    url: &str,
    pg: impl FnOnce(PgStore) -> T,
    sqlite: impl FnOnce(SqliteStore) -> T,
) -> Result<T, StoreError> {
    if shared_by_nodes(url) {
        return Ok(pg(PgStore::open(url).await?));
    }
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        return Ok(sqlite(SqliteStore::open(path).await?));
    }
    Err(StoreError::UnsupportedUrl(redact(url)))
}

/// Whether the database `url` names is one that processes on several machines can share
/// (PostgreSQL), rather than a file one machine owns (SQLite).
pub fn shared_by_nodes(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

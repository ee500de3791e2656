//! The schema applies and a store opens: once, again, and by nodes starting together.

mod common;

use parley_store::Store;

#[tokio::test]
async fn opens_and_migrates_twice() {
    let (db, store) = common::fresh().await;
    let second = db.open().await;
    assert_eq!(store.calls_generation().await.unwrap(), 1);
    assert_eq!(second.calls_generation().await.unwrap(), 1);
}

/// Nodes starting together on an empty database: sqlx's migration lock lets one apply
/// the schema and the others find it applied.
#[tokio::test]
async fn nodes_starting_together_migrate_once() {
    let db = common::TestDb::new().await;
    let (a, b, c) = tokio::join!(db.open(), db.open(), db.open());
    for s in [a, b, c] {
        assert_eq!(s.calls_generation().await.unwrap(), 1);
    }
}

/// Every table of the schema is copied by `parley migrate` with exactly its columns, or
/// listed as not copied (a new migration must say which).
#[tokio::test]
async fn the_portable_schema_covers_every_table_and_column() {
    use parley_store::portable::{schema_gaps, Portable};
    let (_db, store) = common::fresh().await;
    let schema = store.schema().await.unwrap();
    assert!(schema.iter().any(|(t, _)| t == "calls"), "{schema:?}");
    let gaps = schema_gaps(&schema);
    assert!(gaps.is_empty(), "{gaps:#?}");
}

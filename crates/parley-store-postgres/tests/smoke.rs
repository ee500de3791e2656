//! The schema applies and a store opens (twice: a second node on the same database).

mod common;

use parley_store::Store;

#[tokio::test]
async fn opens_and_migrates_twice() {
    let (db, store) = common::fresh().await;
    let second = db.open().await;
    assert_eq!(store.calls_generation().await.unwrap(), 1);
    assert_eq!(second.calls_generation().await.unwrap(), 1);
}

//! Call recordings.

#![allow(unused_variables)]

use super::*;

pub(crate) async fn store_call_media(
    db: &PgStore,
    media: &CallMedia,
    transcribe: &NewJob,
    now: Timestamp,
) -> Result<MediaStored> {
    todo!("postgres: store_call_media")
}

pub(crate) async fn media_key_in_use(db: &PgStore, key: &str) -> Result<bool> {
    todo!("postgres: media_key_in_use")
}

pub(crate) async fn call_media(db: &PgStore, call_id: CallId) -> Result<Option<CallMedia>> {
    todo!("postgres: call_media")
}

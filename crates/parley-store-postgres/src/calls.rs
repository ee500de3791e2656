//! Calls, their versions and the call-set generation, parties and CRM context.

#![allow(unused_variables)]

use super::*;

pub(crate) async fn insert_call(
    db: &PgStore,
    call: &Call,
    parties: &[Party],
    context: &[CrmLink],
    jobs: &[NewJob],
) -> Result<()> {
    todo!("postgres: insert_call")
}

pub(crate) async fn call_by_client_unique_id(
    db: &PgStore,
    client_unique_id: &str,
) -> Result<Option<CallId>> {
    todo!("postgres: call_by_client_unique_id")
}

pub(crate) async fn get_call(db: &PgStore, id: CallId) -> Result<Option<Call>> {
    todo!("postgres: get_call")
}

pub(crate) async fn list_calls(
    db: &PgStore,
    f: &CallFilter,
    after: Option<CallKey>,
    limit: u32,
) -> Result<Vec<Call>> {
    todo!("postgres: list_calls")
}

pub(crate) async fn list_call_versions(
    db: &PgStore,
    f: &CallFilter,
    after: Option<CallKey>,
    limit: u32,
) -> Result<Vec<CallVersion>> {
    todo!("postgres: list_call_versions")
}

pub(crate) async fn calls_with_versions(db: &PgStore, ids: &[CallId]) -> Result<Vec<(Call, i64)>> {
    todo!("postgres: calls_with_versions")
}

pub(crate) async fn count_calls(db: &PgStore, f: &CallFilter) -> Result<i64> {
    todo!("postgres: count_calls")
}

pub(crate) async fn calls_generation(db: &PgStore) -> Result<i64> {
    // The sum of the slot rows (see the schema): BIGINT's SUM is NUMERIC, hence the cast.
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT SUM(value)::BIGINT FROM generations WHERE name = 'calls'",
    )
    .fetch_one(&db.pool)
    .await?)
}

pub(crate) async fn parties_of(
    db: &PgStore,
    ids: &[CallId],
) -> Result<HashMap<CallId, Vec<Party>>> {
    todo!("postgres: parties_of")
}

pub(crate) async fn call_context_of(
    db: &PgStore,
    ids: &[CallId],
) -> Result<HashMap<CallId, Vec<CrmLink>>> {
    todo!("postgres: call_context_of")
}

//! The audit log.

#![allow(unused_variables)]

use super::*;

pub(crate) async fn append_audit(db: &PgStore, entries: &[AuditEntry]) -> Result<()> {
    todo!("postgres: append_audit")
}

pub(crate) async fn list_audit(
    db: &PgStore,
    f: &AuditFilter,
    after: Option<AuditKey>,
    limit: u32,
) -> Result<Vec<AuditRecord>> {
    todo!("postgres: list_audit")
}

pub(crate) async fn count_audit(db: &PgStore, f: &AuditFilter) -> Result<i64> {
    todo!("postgres: count_audit")
}

pub(crate) async fn prune_audit(db: &PgStore, before: Timestamp) -> Result<u64> {
    todo!("postgres: prune_audit")
}

//! Calls shared outside the company on SQLite (migration 0031). The add runs in a
//! `BEGIN IMMEDIATE` transaction, so the count that bounds a call's links and the insert
//! that follows cannot interleave with another writer's.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use parley_domain::share::{CallShare, ShareId};
use parley_domain::{ActivityKind, CallId, Timestamp};
use parley_store::codec::us;
use parley_store::shares::{share_of, SHARE_COLUMNS};
use parley_store::{Result, ShareAdded, ShareStore, StoreError};

use crate::SqliteStore;

fn row_share(r: &SqliteRow) -> Result<CallShare> {
    share_of(
        r.try_get("id")?,
        r.try_get("call_id")?,
        r.try_get("created_by_user_id")?,
        r.try_get("recipient")?,
        r.try_get("created_us")?,
        r.try_get("expires_us")?,
        r.try_get("revoked_us")?,
        r.try_get("views")?,
        r.try_get("last_viewed_us")?,
    )
}

fn missing(s: &CallShare) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            StoreError::NotFound(format!("the call or maker of share {}", s.id))
        }
        _ => StoreError::Backend(e),
    }
}

#[async_trait]
impl ShareStore for SqliteStore {
    async fn add_share(
        &self,
        s: &CallShare,
        token_sha256: &str,
        max_per_call: usize,
    ) -> Result<ShareAdded> {
        let mut tx = self.write_tx().await?;
        let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM call_shares WHERE call_id = ?")
            .bind(s.call_id.0)
            .fetch_one(&mut *tx)
            .await?;
        if usize::try_from(held).unwrap_or(usize::MAX) >= max_per_call {
            return Ok(ShareAdded::Full);
        }
        sqlx::query(
            "INSERT INTO call_shares (id, call_id, created_by_user_id, token_sha256, recipient, \
             created_us, expires_us) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(s.id.0)
        .bind(s.call_id.0)
        .bind(s.created_by.0)
        .bind(token_sha256)
        .bind(&s.recipient)
        .bind(us(s.created))
        .bind(us(s.expires))
        .execute(&mut *tx)
        .await
        .map_err(missing(s))?;
        sqlx::query(
            "INSERT INTO activity_events (id, kind, actor_user_id, subject_user_id, call_id, \
             at_us) VALUES (?, ?, ?, NULL, ?, ?)",
        )
        .bind(s.id.0)
        .bind(ActivityKind::ShareExternal.key())
        .bind(s.created_by.0)
        .bind(s.call_id.0)
        .bind(us(s.created))
        .execute(&mut *tx)
        .await
        .map_err(missing(s))?;
        tx.commit().await?;
        Ok(ShareAdded::Added)
    }

    async fn call_shares(&self, call: CallId) -> Result<Vec<CallShare>> {
        sqlx::query(&format!(
            "SELECT {SHARE_COLUMNS} FROM call_shares WHERE call_id = ? \
             ORDER BY created_us DESC, id DESC"
        ))
        .bind(call.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(row_share)
        .collect()
    }

    async fn revoke_share(
        &self,
        call: CallId,
        id: ShareId,
        at: Timestamp,
    ) -> Result<Option<CallShare>> {
        sqlx::query(&format!(
            "UPDATE call_shares SET revoked_us = COALESCE(revoked_us, ?) \
             WHERE id = ? AND call_id = ? RETURNING {SHARE_COLUMNS}"
        ))
        .bind(us(at))
        .bind(id.0)
        .bind(call.0)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(row_share)
        .transpose()
    }

    async fn open_share(
        &self,
        token_sha256: &str,
        now: Timestamp,
        count_view: bool,
    ) -> Result<Option<CallShare>> {
        let open = "token_sha256 = ? AND revoked_us IS NULL AND expires_us > ?";
        let q = if count_view {
            format!(
                "UPDATE call_shares SET views = views + 1, last_viewed_us = ? WHERE {open} \
                 RETURNING {SHARE_COLUMNS}"
            )
        } else {
            format!("SELECT {SHARE_COLUMNS} FROM call_shares WHERE {open}")
        };
        let mut q = sqlx::query(&q);
        if count_view {
            q = q.bind(us(now));
        }
        q.bind(token_sha256)
            .bind(us(now))
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(row_share)
            .transpose()
    }
}

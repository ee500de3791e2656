//! Calls shared outside the company on PostgreSQL (migration 0017). An add locks the
//! call's row first (`FOR NO KEY UPDATE`, the order every writer of a call follows), so
//! the count that bounds the call's links holds until the insert commits, whichever node
//! adds.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::Row;

use parley_domain::share::{CallShare, ShareId};
use parley_domain::{ActivityKind, CallId, Timestamp};
use parley_store::codec::us;
use parley_store::shares::{share_of, SHARE_COLUMNS};
use parley_store::{Result, ShareAdded, ShareStore, StoreError};

use crate::transcripts::lock_call;
use crate::PgStore;

fn row_share(r: &PgRow) -> Result<CallShare> {
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

fn missing_text(s: &CallShare) -> String {
    format!("the call or maker of share {}", s.id)
}

fn missing(s: &CallShare) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            StoreError::NotFound(missing_text(s))
        }
        _ => StoreError::Backend(e),
    }
}

#[async_trait]
impl ShareStore for PgStore {
    async fn add_share(
        &self,
        s: &CallShare,
        token_sha256: &str,
        max_per_call: usize,
    ) -> Result<ShareAdded> {
        let mut tx = self.begin().await?;
        lock_call(&mut tx, s.call_id).await.map_err(|e| match e {
            StoreError::NotFound(_) => StoreError::NotFound(missing_text(s)),
            other => other,
        })?;
        let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM call_shares WHERE call_id = $1")
            .bind(s.call_id.0)
            .fetch_one(&mut *tx)
            .await?;
        if usize::try_from(held).unwrap_or(usize::MAX) >= max_per_call {
            return Ok(ShareAdded::Full);
        }
        sqlx::query(
            "INSERT INTO call_shares (id, call_id, created_by_user_id, token_sha256, recipient, \
             created_us, expires_us) VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
             at_us) VALUES ($1, $2, $3, NULL, $4, $5)",
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
            "SELECT {SHARE_COLUMNS} FROM call_shares WHERE call_id = $1 \
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
            "UPDATE call_shares SET revoked_us = COALESCE(revoked_us, $1) \
             WHERE id = $2 AND call_id = $3 RETURNING {SHARE_COLUMNS}"
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
        let open = "token_sha256 = $1 AND revoked_us IS NULL AND expires_us > $2";
        let row = if count_view {
            sqlx::query(&format!(
                "UPDATE call_shares SET views = views + 1, last_viewed_us = $2 WHERE {open} \
                 RETURNING {SHARE_COLUMNS}"
            ))
            .bind(token_sha256)
            .bind(us(now))
            .fetch_optional(&self.pool)
            .await?
        } else {
            sqlx::query(&format!(
                "SELECT {SHARE_COLUMNS} FROM call_shares WHERE {open}"
            ))
            .bind(token_sha256)
            .bind(us(now))
            .fetch_optional(&self.pool)
            .await?
        };
        row.as_ref().map(row_share).transpose()
    }
}

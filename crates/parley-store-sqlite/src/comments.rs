//! Comments on calls on SQLite (migration 0024). Writes run in `BEGIN IMMEDIATE`
//! transactions, so the count that bounds a call's comments and the insert that follows
//! cannot interleave with another writer's.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row};

use parley_domain::comment::{Comment, CommentId};
use parley_domain::{ActivityKind, CallId};
use parley_store::codec::us;
use parley_store::comments::{comment_of, thread_sql, COMMENT_COLUMNS};
use parley_store::{CommentAdded, CommentStore, Result, StoreError};

use crate::{push_ids, SqliteStore};

fn row_comment(r: &SqliteRow) -> Result<Comment> {
    comment_of(
        r.try_get("id")?,
        r.try_get("call_id")?,
        r.try_get("author_user_id")?,
        r.try_get("text")?,
        r.try_get("start_ms")?,
        r.try_get("end_ms")?,
        r.try_get("in_reply_to")?,
        r.try_get("is_public")?,
        r.try_get("during_call")?,
        r.try_get("posted_us")?,
    )
}

fn missing(c: &Comment) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound(format!(
            "the call, author or replied-to comment of comment {}",
            c.id
        )),
        _ => StoreError::Backend(e),
    }
}

#[async_trait]
impl CommentStore for SqliteStore {
    async fn add_comment(&self, c: &Comment, max_per_call: usize) -> Result<CommentAdded> {
        let mut tx = self.write_tx().await?;
        let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM call_comments WHERE call_id = ?")
            .bind(c.call_id.0)
            .fetch_one(&mut *tx)
            .await?;
        if usize::try_from(held).unwrap_or(usize::MAX) >= max_per_call {
            return Ok(CommentAdded::Full);
        }
        sqlx::query(&format!(
            "INSERT INTO call_comments ({COMMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(c.id.0)
        .bind(c.call_id.0)
        .bind(c.author.0)
        .bind(&c.text)
        .bind(c.range.map(|r| r.start_ms))
        .bind(c.range.map(|r| r.end_ms))
        .bind(c.in_reply_to.map(|r| r.0))
        .bind(c.public)
        .bind(c.during_call)
        .bind(us(c.posted))
        .execute(&mut *tx)
        .await
        .map_err(missing(c))?;
        if c.public {
            sqlx::query(
                "INSERT INTO activity_events (id, kind, actor_user_id, subject_user_id, call_id, \
                 at_us) VALUES (?, ?, ?, NULL, ?, ?)",
            )
            .bind(c.id.0)
            .bind(ActivityKind::Comment.key())
            .bind(c.author.0)
            .bind(c.call_id.0)
            .bind(us(c.posted))
            .execute(&mut *tx)
            .await
            .map_err(missing(c))?;
        }
        tx.commit().await?;
        Ok(CommentAdded::Added)
    }

    async fn get_comment(&self, id: CommentId) -> Result<Option<Comment>> {
        sqlx::query(&format!(
            "SELECT {COMMENT_COLUMNS} FROM call_comments WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(row_comment)
        .transpose()
    }

    async fn call_comments(&self, call: CallId) -> Result<Vec<Comment>> {
        sqlx::query(&format!(
            "SELECT {COMMENT_COLUMNS} FROM call_comments WHERE call_id = ? ORDER BY posted_us, id"
        ))
        .bind(call.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(row_comment)
        .collect()
    }

    async fn public_comments_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, Vec<Comment>>> {
        let mut out: HashMap<CallId, Vec<Comment>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut q = QueryBuilder::new(format!(
            "SELECT {COMMENT_COLUMNS} FROM call_comments WHERE is_public AND call_id IN "
        ));
        push_ids(&mut q, ids.iter().map(|i| i.0));
        q.push(" ORDER BY call_id, posted_us, id");
        for r in q.build().fetch_all(&self.pool).await? {
            let c = row_comment(&r)?;
            out.entry(c.call_id).or_default().push(c);
        }
        Ok(out)
    }

    async fn delete_comment(&self, id: CommentId) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let thread: Vec<i64> = sqlx::query_scalar(&thread_sql("?"))
            .bind(id.0)
            .fetch_all(&mut *tx)
            .await?;
        if thread.is_empty() {
            return Ok(0);
        }
        let mut q = QueryBuilder::new("DELETE FROM activity_events WHERE id IN ");
        push_ids(&mut q, thread.iter().copied());
        q.build().execute(&mut *tx).await?;
        // The replies go by the foreign key's cascade.
        sqlx::query("DELETE FROM call_comments WHERE id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(thread.len() as u64)
    }
}

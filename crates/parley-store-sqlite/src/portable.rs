//! [`Portable`] for SQLite: the rows of a copy between databases (`parley migrate`,
//! `backup`, `restore`). The SQL text comes from `parley_store::portable`; this file binds
//! and decodes values in SQLite's storage classes.

use async_trait::async_trait;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, Row, Sqlite, TypeInfo, ValueRef};

use parley_store::portable::{self, Portable, Snapshot, Table, Type, Value};
use parley_store::{Result, StoreError};

use crate::SqliteStore;

fn param(_: usize, _: Type) -> String {
    "?".to_owned()
}

fn bind(args: &mut SqliteArguments<'_>, value: &Value) -> Result<()> {
    let added = match value {
        Value::Null => args.add(None::<i64>),
        Value::Int(i) => args.add(*i),
        // SQLite keeps flags as 0 and 1.
        Value::Bool(b) => args.add(i64::from(*b)),
        Value::Real(f) => args.add(*f),
        Value::Text(s) => args.add(s.clone()),
        Value::Bytes(b) => args.add(b.clone()),
    };
    added.map_err(|e| StoreError::Corrupt(format!("binding a copied value: {e}")))
}

/// A value by the storage class SQLite actually holds, checked against the column's
/// portable type (an INTEGER in a REAL column is a whole number SQLite stored compactly).
fn decode(row: &SqliteRow, i: usize, table: &str, column: &str, ty: Type) -> Result<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let class = raw.type_info().name().to_owned();
    let value = match (ty, class.as_str()) {
        (Type::Int, "INTEGER") => Value::Int(row.try_get_unchecked(i)?),
        (Type::Bool, "INTEGER") => Value::Bool(row.try_get_unchecked::<i64, _>(i)? != 0),
        (Type::Real, "REAL") => Value::Real(row.try_get_unchecked(i)?),
        (Type::Real, "INTEGER") => Value::Real(row.try_get_unchecked::<i64, _>(i)? as f64),
        (Type::Text, "TEXT") => Value::Text(row.try_get_unchecked(i)?),
        (Type::Bytes, "BLOB") => Value::Bytes(row.try_get_unchecked(i)?),
        _ => {
            return Err(StoreError::Corrupt(format!(
                "{table}.{column} holds {class} where {ty:?} belongs"
            )))
        }
    };
    Ok(value)
}

fn decode_row(row: &SqliteRow, table: &Table) -> Result<portable::Row> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| decode(row, i, table.name, c.name, c.ty))
        .collect()
}

fn key_args(key: &portable::Row, args: &mut SqliteArguments<'_>) -> Result<()> {
    key.iter().try_for_each(|v| bind(args, v))
}

/// One read transaction: in WAL mode its first read fixes the snapshot every later read
/// sees, whatever other connections commit meanwhile.
struct SqliteSnapshot {
    tx: sqlx::Transaction<'static, Sqlite>,
}

#[async_trait]
impl Snapshot for SqliteSnapshot {
    async fn count(&mut self, table: &Table) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(&portable::count_sql(table))
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n as u64)
    }

    async fn read(
        &mut self,
        table: &Table,
        after: Option<&portable::Row>,
        limit: usize,
    ) -> Result<Vec<portable::Row>> {
        let sql = portable::read_sql(table, after.is_some(), param);
        let mut args = SqliteArguments::default();
        if let Some(key) = after {
            key_args(key, &mut args)?;
            if !table.unique {
                key_args(key, &mut args)?;
            }
        }
        bind(&mut args, &Value::Int(limit as i64))?;
        let rows = sqlx::query_with(&sql, args)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(|r| decode_row(r, table)).collect()
    }
}

#[async_trait]
impl Portable for SqliteStore {
    fn describe(&self) -> String {
        format!("sqlite://{}", self.path())
    }

    async fn snapshot(&self) -> Result<Box<dyn Snapshot>> {
        let tx = self.pool.begin().await?;
        Ok(Box::new(SqliteSnapshot { tx }))
    }

    async fn last_key(&self, table: &Table) -> Result<Option<portable::Row>> {
        let row = sqlx::query(&portable::last_key_sql(table))
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let key = portable::key_types(table)
            .into_iter()
            .zip(table.key)
            .enumerate()
            .map(|(i, (ty, name))| decode(&row, i, table.name, name, ty))
            .collect::<Result<_>>()?;
        Ok(Some(key))
    }

    async fn insert(&self, table: &Table, rows: &[portable::Row]) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for chunk in rows.chunks(portable::rows_per_insert(table)) {
            let sql = portable::insert_sql(table, chunk.len(), param);
            let mut args = SqliteArguments::default();
            for v in chunk.iter().flatten() {
                bind(&mut args, v)?;
            }
            sqlx::query_with(&sql, args).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn rewrite(&self, table: &Table, rows: &[portable::Row]) -> Result<()> {
        let sql = portable::rewrite_sql(table, param);
        let mut tx = self.write_tx().await?;
        for row in rows {
            let mut args = SqliteArguments::default();
            for (v, _) in portable::rewrite_values(table, row) {
                bind(&mut args, v)?;
            }
            sqlx::query_with(&sql, args).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Fresh planner statistics, and the write-ahead log folded into the database file, so
    /// that the file alone is the whole database (a backup's `parley.sqlite` is copied
    /// around on its own).
    async fn finish(&self) -> Result<()> {
        // The calls search's words: inserted sentences write none (migration 0032); the
        // facts were written by the triggers as calls, parties and links were copied.
        sqlx::query("INSERT INTO call_words (call_words) VALUES ('delete-all')")
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO call_words (rowid, words) SELECT call_id, words FROM call_words_source",
        )
        .execute(&self.pool)
        .await?;
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn schema(&self) -> Result<Vec<(String, Vec<String>)>> {
        // `pragma_table_list`, not `sqlite_master`: it tells a full-text table ("virtual")
        // from the tables FTS5 keeps its index in ("shadow"), which are not the schema's.
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT m.name, p.name FROM pragma_table_list AS m, pragma_table_info(m.name) AS p \
             WHERE m.schema = 'main' AND m.type IN ('table', 'virtual') AND m.name <> 'sqlite_schema' \
             ORDER BY m.name, p.cid",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(portable::group_columns(rows))
    }
}

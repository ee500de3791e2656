//! [`Portable`] for PostgreSQL: the rows of a copy between databases (`parley migrate`,
//! `backup`, `restore`). The SQL text comes from `parley_store::portable`; this file binds
//! every parameter with an explicit type (so a NULL has one) and decodes by column type.

use async_trait::async_trait;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Arguments, Row, TypeInfo, ValueRef};

use parley_store::portable::{self, Portable, Snapshot, Table, Type, Value};
use parley_store::{Result, StoreError};

use crate::{PgStore, Tx};

fn param(n: usize, ty: Type) -> String {
    let cast = match ty {
        Type::Int => "BIGINT",
        Type::Bool => "BOOLEAN",
        Type::Real => "DOUBLE PRECISION",
        Type::Text => "TEXT",
        Type::Bytes => "BYTEA",
    };
    format!("${n}::{cast}")
}

fn bind(args: &mut PgArguments, value: &Value, ty: Type) -> Result<()> {
    let added = match (value, ty) {
        (Value::Null, Type::Int) => args.add(None::<i64>),
        (Value::Null, Type::Bool) => args.add(None::<bool>),
        (Value::Null, Type::Real) => args.add(None::<f64>),
        (Value::Null, Type::Text) => args.add(None::<String>),
        (Value::Null, Type::Bytes) => args.add(None::<Vec<u8>>),
        (Value::Int(i), _) => args.add(*i),
        (Value::Bool(b), _) => args.add(*b),
        (Value::Real(f), _) => args.add(*f),
        (Value::Text(s), _) => args.add(s.clone()),
        (Value::Bytes(b), _) => args.add(b.clone()),
    };
    added.map_err(|e| StoreError::Corrupt(format!("binding a copied value: {e}")))
}

fn decode(row: &PgRow, i: usize, table: &str, column: &str, ty: Type) -> Result<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let pg_type = raw.type_info().name().to_owned();
    let value = match (ty, pg_type.as_str()) {
        (Type::Int, "INT8") => Value::Int(row.try_get(i)?),
        (Type::Int, "INT4") => Value::Int(row.try_get::<i32, _>(i)?.into()),
        (Type::Int, "INT2") => Value::Int(row.try_get::<i16, _>(i)?.into()),
        (Type::Bool, "BOOL") => Value::Bool(row.try_get(i)?),
        (Type::Real, "FLOAT8") => Value::Real(row.try_get(i)?),
        (Type::Text, "TEXT") => Value::Text(row.try_get(i)?),
        (Type::Bytes, "BYTEA") => Value::Bytes(row.try_get(i)?),
        _ => {
            return Err(StoreError::Corrupt(format!(
                "{table}.{column} is {pg_type} where {ty:?} belongs"
            )))
        }
    };
    Ok(value)
}

fn decode_row(row: &PgRow, table: &Table) -> Result<portable::Row> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| decode(row, i, table.name, c.name, c.ty))
        .collect()
}

fn key_args(table: &Table, key: &portable::Row, args: &mut PgArguments) -> Result<()> {
    key.iter()
        .zip(portable::key_types(table))
        .try_for_each(|(v, ty)| bind(args, v, ty))
}

/// One REPEATABLE READ, READ ONLY transaction: every read sees the database as it was at
/// the first, whatever other nodes commit meanwhile.
struct PgSnapshot {
    tx: Tx,
}

#[async_trait]
impl Snapshot for PgSnapshot {
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
        let mut args = PgArguments::default();
        if let Some(key) = after {
            key_args(table, key, &mut args)?;
            if !table.unique {
                key_args(table, key, &mut args)?;
            }
        }
        bind(&mut args, &Value::Int(limit as i64), Type::Int)?;
        let rows = sqlx::query_with(&sql, args)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(|r| decode_row(r, table)).collect()
    }
}

#[async_trait]
impl Portable for PgStore {
    fn describe(&self) -> String {
        self.url.clone()
    }

    async fn snapshot(&self) -> Result<Box<dyn Snapshot>> {
        let tx = PgStore::snapshot(self).await?;
        Ok(Box::new(PgSnapshot { tx }))
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
        let mut tx = self.begin().await?;
        for chunk in rows.chunks(portable::rows_per_insert(table)) {
            let sql = portable::insert_sql(table, chunk.len(), param);
            let mut args = PgArguments::default();
            for row in chunk {
                for (v, c) in row.iter().zip(table.columns) {
                    bind(&mut args, v, c.ty)?;
                }
            }
            sqlx::query_with(&sql, args).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn rewrite(&self, table: &Table, rows: &[portable::Row]) -> Result<()> {
        let sql = portable::rewrite_sql(table, param);
        let mut tx = self.begin().await?;
        for row in rows {
            let mut args = PgArguments::default();
            for (v, ty) in portable::rewrite_values(table, row) {
                bind(&mut args, v, ty)?;
            }
            sqlx::query_with(&sql, args).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Identity columns hand out ids from sequences that the copy's explicit ids did not
    /// move: each is set past the largest id copied, or the next insert would collide.
    /// Then ANALYZE: a database with fresh statistics plans a listing of 20,000 calls
    /// ten times faster than one just filled (BENCHMARKS.md).
    async fn finish(&self) -> Result<()> {
        let identities: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
             WHERE table_schema = current_schema() AND is_identity = 'YES'",
        )
        .fetch_all(&self.pool)
        .await?;
        for (table, column) in identities {
            // Names from the catalogue, quoted: not user input.
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), \
                 COALESCE((SELECT max(\"{column}\") FROM \"{table}\"), 0) + 1, false)"
            );
            sqlx::query(&sql).execute(&self.pool).await?;
        }
        // The calls search's words: inserted sentences write none (migration 0018); the
        // facts were written by the triggers as calls, parties and links were copied.
        sqlx::query("SELECT call_words_refresh(call_id) FROM transcripts")
            .execute(&self.pool)
            .await?;
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }

    async fn schema(&self) -> Result<Vec<(String, Vec<String>)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
             WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(portable::group_columns(rows))
    }
}

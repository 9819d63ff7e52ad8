//! # ansinh-store-postgres
//!
//! The registry on PostgreSQL (15 or later), for national scale. Migrations in `migrations/` are embedded
//! and run on [`PgStore::open`] (sqlx takes an advisory lock, so several servers starting together
//! migrate once). The statements are the SQLite crate's `shared.rs`, included here, so both backends run
//! the same SQL; this crate supplies the schema, the connection and the error mapping.

use std::str::FromStr;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool, SqlSafeStr};

type Db = sqlx::Postgres;
type DbConn = sqlx::PgConnection;
type Backend = PgStore;

/// The migrations of this backend, in order: `(version, description, SQL)`. Every file of
/// `migrations/` is listed here (the conformance suite checks it, and that SQLite has the same versions).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "registry",
        include_str!("../migrations/0001_registry.sql"),
    ),
    (2, "review", include_str!("../migrations/0002_review.sql")),
    (
        3,
        "accounts",
        include_str!("../migrations/0003_accounts.sql"),
    ),
    (
        4,
        "partner_agency",
        include_str!("../migrations/0004_partner_agency.sql"),
    ),
    (
        5,
        "search_order",
        include_str!("../migrations/0005_search_order.sql"),
    ),
];

/// The embedded migrator (no macros crate needed).
pub fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|&(v, d, sql)| {
                Migration::new(
                    v,
                    d.into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// The registry in a PostgreSQL database (or in one schema of it).
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

/// Whether `s` can be used as a schema name without quoting: lowercase ASCII letters, digits and `_`,
/// starting with a letter, at most 63 bytes.
fn plain_identifier(s: &str) -> bool {
    s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl PgStore {
    /// Connects (`postgres://user:password@host/db`) and brings the schema up to date.
    pub async fn open(url: &str) -> Result<PgStore> {
        let options = PgConnectOptions::from_str(url).map_err(StoreError::backend)?;
        PgStore::open_with(options).await
    }

    /// Like [`PgStore::open`], inside its own schema (created if missing), which every pooled connection
    /// uses as its search path. Tests use one schema each; a deployment may keep several registries
    /// apart this way.
    pub async fn open_in_schema(url: &str, schema: &str) -> Result<PgStore> {
        if !plain_identifier(schema) {
            return Err(StoreError::backend(format!(
                "unusable schema name `{schema}`"
            )));
        }
        let options = PgConnectOptions::from_str(url).map_err(StoreError::backend)?;
        let mut c = sqlx::PgConnection::connect_with(&options)
            .await
            .map_err(StoreError::backend)?;
        // The name was checked above: lowercase letters, digits and `_` only.
        let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(create))
            .execute(&mut c)
            .await
            .map_err(StoreError::backend)?;
        c.close().await.map_err(StoreError::backend)?;
        PgStore::open_with(options.options([("search_path", schema)])).await
    }

    /// Drops a schema made by [`PgStore::open_in_schema`] with everything in it (for tests).
    pub async fn drop_schema(url: &str, schema: &str) -> Result<()> {
        if !plain_identifier(schema) {
            return Err(StoreError::backend(format!(
                "unusable schema name `{schema}`"
            )));
        }
        let options = PgConnectOptions::from_str(url).map_err(StoreError::backend)?;
        let mut c = sqlx::PgConnection::connect_with(&options)
            .await
            .map_err(StoreError::backend)?;
        let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
        sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
            .execute(&mut c)
            .await
            .map_err(StoreError::backend)?;
        c.close().await.map_err(StoreError::backend)
    }

    async fn open_with(options: PgConnectOptions) -> Result<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options.application_name("ansinh"))
            .await
            .map_err(StoreError::backend)?;
        migrator().run(&pool).await.map_err(StoreError::backend)?;
        Ok(PgStore { pool })
    }

    /// The pool, for tests and tools that need raw SQL (the application goes through [`ansinh_store::Store`]).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction (READ COMMITTED; version checks and unique indexes settle races).
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Db>> {
        self.pool.begin().await.map_err(StoreError::backend)
    }
}

/// The unique constraint a failed write broke, by the names the migration gives them.
fn constraint_of(e: &sqlx::Error) -> Option<Constraint> {
    let d = e.as_database_error()?;
    if d.kind() != sqlx::error::ErrorKind::UniqueViolation {
        return None;
    }
    match d.constraint()? {
        "members_live_citizen_id" => Some(Constraint::LiveCitizenId),
        "households_code" => Some(Constraint::HouseholdCode),
        "units_code_valid_from" => Some(Constraint::UnitCodeFrom),
        _ => None,
    }
}

/// Inserts rows with `COPY … FROM STDIN` (text format), inside the caller's transaction. Identity
/// columns take the values given (COPY behaves as `OVERRIDING SYSTEM VALUE`).
async fn bulk_insert(
    c: &mut DbConn,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<Val>>,
) -> std::result::Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let stmt = format!("COPY {table} ({}) FROM STDIN", cols.join(", "));
    let mut copy = c.copy_in_raw(&stmt).await?;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    for row in rows {
        for (j, v) in row.into_iter().enumerate() {
            if j > 0 {
                buf.push(b'\t');
            }
            copy_value(&mut buf, v);
        }
        buf.push(b'\n');
        if buf.len() >= 1 << 20 {
            copy.send(std::mem::take(&mut buf)).await?;
        }
    }
    if !buf.is_empty() {
        copy.send(buf).await?;
    }
    copy.finish().await?;
    Ok(())
}

/// One value in COPY's text format: `\N` for NULL, backslash escapes for tab, newline, CR and
/// backslash, `\\x…` hex for bytea.
fn copy_value(buf: &mut Vec<u8>, v: Val) {
    use std::io::Write;
    const NULL: &[u8] = b"\\N";
    match v {
        Val::I64(Some(x)) => buf.extend_from_slice(x.to_string().as_bytes()),
        Val::F64(Some(x)) if x.is_finite() => buf.extend_from_slice(x.to_string().as_bytes()),
        Val::Text(Some(s)) => {
            for b in s.bytes() {
                match b {
                    b'\\' => buf.extend_from_slice(b"\\\\"),
                    b'\t' => buf.extend_from_slice(b"\\t"),
                    b'\n' => buf.extend_from_slice(b"\\n"),
                    b'\r' => buf.extend_from_slice(b"\\r"),
                    _ => buf.push(b),
                }
            }
        }
        Val::Blob(bytes) => {
            buf.extend_from_slice(b"\\\\x");
            for b in bytes {
                let _ = write!(buf, "{b:02x}");
            }
        }
        Val::Bool(Some(b)) => buf.push(if b { b't' } else { b'f' }),
        Val::Date(Some(d)) => buf.extend_from_slice(d.format("%Y-%m-%d").to_string().as_bytes()),
        Val::Time(t) => buf.extend_from_slice(t.to_rfc3339().as_bytes()),
        _ => buf.extend_from_slice(NULL),
    }
}

/// `n` fresh ids from a table's identity sequence.
async fn reserve_ids(
    c: &mut DbConn,
    table: &str,
    n: usize,
) -> std::result::Result<Vec<i64>, sqlx::Error> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(n as i64)
        .fetch_all(&mut *c)
        .await
}

include!("../../ansinh-store-sqlite/src/shared.rs");

#[path = "../../ansinh-store-sqlite/src/accounts.rs"]
mod accounts;

#[path = "../../ansinh-store-sqlite/src/review.rs"]
mod review;

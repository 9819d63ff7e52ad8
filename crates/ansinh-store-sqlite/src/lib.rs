//! # ansinh-store-sqlite
//!
//! The registry on embedded SQLite, the default backend: one file, WAL journal, foreign keys on, one
//! writer at a time (`BEGIN IMMEDIATE`, so two writers queue on the busy timeout instead of failing).
//! Migrations in `migrations/` are embedded and run on [`SqliteStore::open`].
//!
//! The statements themselves live in `shared.rs`, which `ansinh-store-postgres` includes too, so both
//! backends run the same SQL; only the schema, the connection and the error mapping differ.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqlSafeStr, SqlitePool};

type Db = sqlx::Sqlite;
type DbConn = sqlx::SqliteConnection;
type Backend = SqliteStore;

/// The migrations of this backend, in order: `(version, description, SQL)`. Every file of
/// `migrations/` is listed here (the conformance suite checks it, and that PostgreSQL has the same
/// versions).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "registry",
    include_str!("../migrations/0001_registry.sql"),
)];

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

/// The registry in one SQLite file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteStore> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        SqliteStore::open_with(options).await
    }

    /// Opens a database given as a URL (`sqlite:registry.db`, `sqlite::memory:` is not supported: every
    /// pooled connection would see its own empty database).
    pub async fn open_url(url: &str) -> Result<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::backend)?
            .create_if_missing(true);
        SqliteStore::open_with(options).await
    }

    async fn open_with(options: SqliteConnectOptions) -> Result<SqliteStore> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(StoreError::backend)?;
        migrator().run(&pool).await.map_err(StoreError::backend)?;
        Ok(SqliteStore { pool })
    }

    /// The pool, for tests and tools that need raw SQL (the application goes through [`ansinh_store::Store`]).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction that takes the write lock at once: SQLite has one writer, and a deferred
    /// transaction that reads first could fail to upgrade.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Db>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::backend)
    }
}

/// The unique constraint a failed write broke. SQLite names the columns in its message
/// (`UNIQUE constraint failed: members.citizen_id`).
fn constraint_of(e: &sqlx::Error) -> Option<Constraint> {
    let d = e.as_database_error()?;
    if d.kind() != sqlx::error::ErrorKind::UniqueViolation {
        return None;
    }
    let m = d.message();
    if m.contains("members.citizen_id") {
        Some(Constraint::LiveCitizenId)
    } else if m.contains("households.code") {
        Some(Constraint::HouseholdCode)
    } else if m.contains("units.code") {
        Some(Constraint::UnitCodeFrom)
    } else {
        None
    }
}

include!("shared.rs");

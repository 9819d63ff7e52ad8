//! Backends under test: a fresh SQLite file or a fresh PostgreSQL schema per test.

use std::path::PathBuf;

use ansinh_store::Store;
use ansinh_store_postgres::PgStore;
use ansinh_store_sqlite::SqliteStore;

/// What the suite needs beyond the [`Store`] trait: raw SQL, to check what the database itself enforces.
pub trait TestDb: Store {
    /// Runs one statement; `Err` carries the database's message.
    fn raw(&self, sql: &str) -> impl Future<Output = Result<u64, String>> + Send;
    /// The first column of the first row of a query, as text.
    fn raw_text(&self, sql: &str) -> impl Future<Output = Result<String, String>> + Send;
    /// Names of the indexes on a table.
    fn indexes(&self, table: &str) -> impl Future<Output = Vec<String>> + Send;
}

impl TestDb for SqliteStore {
    async fn raw(&self, sql: &str) -> Result<u64, String> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(self.pool())
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| e.to_string())
    }
    async fn raw_text(&self, sql: &str) -> Result<String, String> {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(self.pool())
            .await
            .map_err(|e| e.to_string())
    }
    async fn indexes(&self, table: &str) -> Vec<String> {
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $1")
            .bind(table)
            .fetch_all(self.pool())
            .await
            .expect("list indexes")
    }
}

impl TestDb for PgStore {
    async fn raw(&self, sql: &str) -> Result<u64, String> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(self.pool())
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| e.to_string())
    }
    async fn raw_text(&self, sql: &str) -> Result<String, String> {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(self.pool())
            .await
            .map_err(|e| e.to_string())
    }
    async fn indexes(&self, table: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1",
        )
        .bind(table)
        .fetch_all(self.pool())
        .await
        .expect("list indexes")
    }
}

/// `AnyStore` hands each statement to the backend it holds.
impl TestDb for ansinh_store_any::AnyStore {
    async fn raw(&self, sql: &str) -> Result<u64, String> {
        match self {
            Self::Sqlite(s) => s.raw(sql).await,
            Self::Postgres(s) => s.raw(sql).await,
        }
    }
    async fn raw_text(&self, sql: &str) -> Result<String, String> {
        match self {
            Self::Sqlite(s) => s.raw_text(sql).await,
            Self::Postgres(s) => s.raw_text(sql).await,
        }
    }
    async fn indexes(&self, table: &str) -> Vec<String> {
        match self {
            Self::Sqlite(s) => s.indexes(table).await,
            Self::Postgres(s) => s.indexes(table).await,
        }
    }
}

pub struct SqliteHarness {
    pub store: SqliteStore,
    path: PathBuf,
}

fn remove_db_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// A fresh SQLite file for one test.
pub async fn sqlite(test: &str) -> SqliteHarness {
    let path = std::env::temp_dir().join(format!(
        "ansinh-conformance-{test}-{}.db",
        std::process::id()
    ));
    remove_db_files(&path);
    let store = SqliteStore::open(&path).await.expect("open SQLite store");
    SqliteHarness { store, path }
}

impl SqliteHarness {
    /// Opens the same file again (to check that migrations run once).
    pub async fn reopen(&self) -> SqliteStore {
        SqliteStore::open(&self.path)
            .await
            .expect("reopen SQLite store")
    }
    pub async fn finish(self) {
        self.store.close().await;
        remove_db_files(&self.path);
    }
}

pub struct PgHarness {
    pub store: PgStore,
    url: String,
    schema: String,
}

/// The PostgreSQL URL, or `None` to skip; under CI a missing URL is a failure, never a silent skip.
fn pg_url() -> Option<String> {
    match std::env::var("ANSINH_TEST_PG") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!(
                    "ANSINH_TEST_PG is not set but CI=true: the PostgreSQL conformance run must not be skipped \
                     (set it with `export ANSINH_TEST_PG=\"$(bash scripts/pg-test-setup.sh)\"`)"
                );
            }
            eprintln!("ANSINH_TEST_PG is not set: skipping the PostgreSQL run of this test");
            None
        }
    }
}

/// A fresh schema for one test, or `None` when PostgreSQL is not configured (outside CI).
pub async fn postgres(test: &str) -> Option<PgHarness> {
    let url = pg_url()?;
    let schema = format!("t_{test}_{}", std::process::id()).to_lowercase();
    PgStore::drop_schema(&url, &schema)
        .await
        .expect("drop old test schema");
    let store = PgStore::open_in_schema(&url, &schema)
        .await
        .unwrap_or_else(|e| panic!("open PostgreSQL store at ANSINH_TEST_PG: {e}"));
    Some(PgHarness { store, url, schema })
}

impl PgHarness {
    pub async fn reopen(&self) -> PgStore {
        PgStore::open_in_schema(&self.url, &self.schema)
            .await
            .expect("reopen PostgreSQL store")
    }
    pub async fn finish(self) {
        self.store.close().await;
        PgStore::drop_schema(&self.url, &self.schema)
            .await
            .expect("drop test schema");
    }
}

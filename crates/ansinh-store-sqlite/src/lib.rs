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
            // FULL: a commit (an approval, an import, a password change) is on the disk when it returns,
            // as PostgreSQL's `synchronous_commit = on` promises; NORMAL could lose it in a power cut.
            .synchronous(SqliteSynchronous::Full)
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

/// What a backup holds, as checked by [`SqliteStore::verify_backup`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupCheck {
    pub households: i64,
    pub members: i64,
    pub audit_entries: i64,
    /// The latest migration the backup's schema had.
    pub schema_version: i64,
}

impl SqliteStore {
    /// Writes a consistent copy of the database to `dest` while it stays in use: `VACUUM INTO` reads
    /// one snapshot (writers carry on in the WAL), into a file beside `dest` that is synced, checked and
    /// then renamed (the folder synced after), so `dest` appears complete or not at all, and stays
    /// after a power cut. `dest` must not exist.
    pub async fn backup_to(&self, dest: &Path) -> Result<BackupCheck> {
        if dest.exists() {
            return Err(StoreError::Duplicate {
                what: Entity::Event,
                key: dest.display().to_string(),
            });
        }
        let mut tmp = dest.as_os_str().to_owned();
        tmp.push(".partial");
        let tmp = std::path::PathBuf::from(tmp);
        let _ = std::fs::remove_file(&tmp);
        sqlx::query("VACUUM INTO $1")
            .bind(tmp.display().to_string())
            .execute(&self.pool)
            .await
            .map_err(StoreError::backend)?;
        let check = match SqliteStore::verify_backup(&tmp).await {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        durable::rename_durably(&tmp, dest).map_err(StoreError::backend)?;
        Ok(check)
    }

    /// Checks a backup file without changing it: SQLite's integrity and foreign-key checks, and a
    /// schema this program knows (every migration it applied is one of ours, with the same checksum).
    pub async fn verify_backup(path: &Path) -> Result<BackupCheck> {
        if !path.is_file() {
            return Err(StoreError::NotFound {
                what: Entity::Event,
                key: path.display().to_string(),
            });
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .immutable(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(StoreError::backend)?;
        let result = verify_open(&pool).await;
        pool.close().await;
        result
    }

    /// Replaces the whole registry with a verified backup, in one transaction: a reader sees the old
    /// state or the new one, never a mix, and a restore killed part-way leaves the old state. The
    /// backup is first copied and brought to the current schema, so a backup from an older version
    /// restores too. The append-only guards are lifted only inside that transaction.
    ///
    /// The restore records itself: inside the transaction, before anything is replaced, the audit
    /// entries newer than the backup's last one are written (and synced) to
    /// [`durable::discarded_audit_path`] beside the backup; after the copy, one audit entry by `ctx`
    /// says "restored from backup X at T, N entries discarded (kept in file F)". Nothing is updated:
    /// the trail only gains an entry.
    pub async fn restore_from(&self, backup: &Path, ctx: &ChangeContext) -> Result<Restored> {
        let check = SqliteStore::verify_backup(backup).await?;
        let staging = std::env::temp_dir().join(format!(
            "ansinh-restore-{}-{}.db",
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or(0)
        ));
        std::fs::copy(backup, &staging).map_err(StoreError::backend)?;
        let result = self.restore_staged(&staging, backup, ctx).await;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = staging.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(std::path::PathBuf::from(p));
        }
        result.map(|(discarded, discarded_file, audit_id)| Restored {
            check,
            discarded,
            discarded_file,
            audit_id,
        })
    }

    async fn restore_staged(
        &self,
        staging: &Path,
        backup: &Path,
        ctx: &ChangeContext,
    ) -> Result<(i64, Option<std::path::PathBuf>, i64)> {
        // Bring the copy to the current schema (and close it) before reading from it.
        let staged = SqliteStore::open(staging).await?;
        staged.close().await;
        let mut c = self.pool.acquire().await.map_err(StoreError::backend)?;
        sqlx::query("ATTACH DATABASE $1 AS restored")
            .bind(staging.display().to_string())
            .execute(&mut *c)
            .await
            .map_err(StoreError::backend)?;
        let result = copy_restored(&mut c, backup, ctx).await;
        if result.is_err() {
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *c).await;
        }
        let detached = sqlx::raw_sql("DETACH DATABASE restored")
            .execute(&mut *c)
            .await
            .map_err(StoreError::backend);
        let r = result?;
        detached?;
        Ok(r)
    }
}

/// What [`SqliteStore::restore_from`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restored {
    /// What the backup held.
    pub check: BackupCheck,
    /// Audit entries written after the backup was taken, which the restore replaced.
    pub discarded: i64,
    /// The file they were kept in, when there were any.
    pub discarded_file: Option<std::path::PathBuf>,
    /// The restore's own audit entry.
    pub audit_id: i64,
}

async fn verify_open(pool: &SqlitePool) -> Result<BackupCheck> {
    let bad = |reason: String| StoreError::Invalid(Invalid::Backup { reason });
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(pool)
        .await
        .map_err(|e| bad(format!("not a readable database: {e}")))?;
    if integrity != ["ok"] {
        return Err(bad(format!(
            "integrity check failed: {}",
            integrity.join("; ")
        )));
    }
    let fk = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(pool)
        .await
        .map_err(StoreError::backend)?;
    if !fk.is_empty() {
        return Err(bad(format!("{} row(s) refer to missing records", fk.len())));
    }
    let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version",
    )
    .fetch_all(pool)
    .await
    .map_err(|_| bad("not an ansinh registry backup (no schema history)".into()))?;
    let ours = migrator();
    for (v, sum) in &applied {
        let known = ours
            .iter()
            .find(|m| m.version == *v)
            .is_some_and(|m| m.checksum.as_ref() == sum.as_slice());
        if !known {
            return Err(bad(format!(
                "the backup's schema version {v} is not one this program knows"
            )));
        }
    }
    let count = |table: &str| format!("SELECT COUNT(*) FROM {table}");
    let n = |sql: String| async move {
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .map_err(StoreError::backend)
    };
    Ok(BackupCheck {
        households: n(count("households")).await?,
        members: n(count("members")).await?,
        audit_entries: n(count("audit_log")).await?,
        schema_version: applied.last().map_or(0, |(v, _)| *v),
    })
}

/// The audit entries of the live database newer than the attached backup's last one, written to a new
/// file beside `backup` (synced with its folder) when there are any: `(count, file)`. Inside the
/// restore's write transaction, so no entry can come in between.
async fn keep_discarded_audit(
    c: &mut sqlx::SqliteConnection,
    backup: &Path,
    at: chrono::DateTime<Utc>,
) -> Result<(i64, Option<std::path::PathBuf>)> {
    let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM restored.audit_log")
        .fetch_one(&mut *c)
        .await
        .map_err(StoreError::backend)?;
    let (mut after, mut n, mut out) = (last, 0i64, None);
    let path = durable::discarded_audit_path(backup, at);
    loop {
        let rows: Vec<durable::AuditRow> = sqlx::query_as(
            "SELECT id, at, actor, origin, action, entity, entity_id, old_value, new_value, reason \
             FROM main.audit_log WHERE id > $1 ORDER BY id LIMIT 10000",
        )
        .bind(after)
        .fetch_all(&mut *c)
        .await
        .map_err(StoreError::backend)?;
        let Some(end) = rows.last().map(|r| r.0) else {
            break;
        };
        if out.is_none() {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(StoreError::backend)?;
            out = Some(std::io::BufWriter::new(f));
        }
        if let Some(w) = out.as_mut() {
            durable::write_audit_lines(w, &rows).map_err(StoreError::backend)?;
        }
        n += rows.len() as i64;
        after = end;
    }
    match out {
        None => Ok((0, None)),
        Some(w) => {
            let f = w.into_inner().map_err(|e| StoreError::backend(e.error()))?;
            f.sync_all().map_err(StoreError::backend)?;
            durable::sync_dir_of(&path).map_err(StoreError::backend)?;
            Ok((n, Some(path)))
        }
    }
}

/// Inside one write transaction: keeps the audit entries the backup does not have in a file, lifts the
/// append-only triggers, replaces every table's rows with the attached backup's, puts the triggers
/// back, records the restore in the audit trail and commits (foreign keys checked at commit).
async fn copy_restored(
    c: &mut sqlx::SqliteConnection,
    backup: &Path,
    ctx: &ChangeContext,
) -> Result<(i64, Option<std::path::PathBuf>, i64)> {
    sqlx::raw_sql("BEGIN IMMEDIATE; PRAGMA defer_foreign_keys = ON;")
        .execute(&mut *c)
        .await
        .map_err(StoreError::backend)?;
    let at = Utc::now();
    let (discarded, file) = keep_discarded_audit(&mut *c, backup, at).await?;
    let triggers: Vec<(String, String)> =
        sqlx::query_as("SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger'")
            .fetch_all(&mut *c)
            .await
            .map_err(StoreError::backend)?;
    for (name, _) in &triggers {
        let sql = format!("DROP TRIGGER main.\"{}\"", name.replace('"', "\"\""));
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *c)
            .await
            .map_err(StoreError::backend)?;
    }
    // Every table of the schema (registry, accounts, whatever later migrations add) but the schema
    // history itself: foreign keys are checked at commit, so the order does not matter.
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut *c)
    .await
    .map_err(StoreError::backend)?;
    for table in &tables {
        let sql = format!("DELETE FROM main.\"{table}\"");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *c)
            .await
            .map_err(StoreError::backend)?;
    }
    for table in &tables {
        let sql = format!("SELECT name FROM pragma_table_info('{table}', 'main') ORDER BY cid");
        let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *c)
            .await
            .map_err(StoreError::backend)?;
        let cols = cols.join(", ");
        let sql = format!(
            "INSERT INTO main.\"{table}\" ({cols}) SELECT {cols} FROM restored.\"{table}\""
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *c)
            .await
            .map_err(StoreError::backend)?;
    }
    for (_, sql) in triggers {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *c)
            .await
            .map_err(StoreError::backend)?;
    }
    let kept = file
        .as_ref()
        .map_or_else(|| "none".to_string(), |f| f.display().to_string());
    let reason = format!(
        "restored from backup {} at {}, {discarded} entries discarded (kept in file {kept})",
        backup.display(),
        at.to_rfc3339()
    );
    let detail = serde_json::json!({
        "restored_from": backup.display().to_string(),
        "at": at.to_rfc3339(),
        "discarded_entries": discarded,
        "discarded_file": file.as_ref().map(|f| f.display().to_string()),
    });
    let audit_id = audit(
        &mut *c,
        &ctx.because(&reason),
        AuditAction::Event,
        Entity::Event,
        None,
        None,
        Some(detail.to_string()),
    )
    .await?;
    sqlx::raw_sql("COMMIT")
        .execute(&mut *c)
        .await
        .map_err(StoreError::backend)?;
    Ok((discarded, file, audit_id))
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

/// Inserts rows with multi-row `INSERT … VALUES (…), (…)` statements (SQLite allows 32,766 parameters
/// per statement), inside the caller's transaction.
async fn bulk_insert(
    c: &mut DbConn,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<Val>>,
) -> std::result::Result<(), sqlx::Error> {
    let per = (30_000 / cols.len().max(1)).clamp(1, 1_000);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Val>> = rows.by_ref().take(per).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
        // Positional `?` parameters: SQLite looks numbered ones up by name, one by one.
        let row = format!("({})", vec!["?"; cols.len()].join(", "));
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&row);
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            for v in row {
                q = bind_val(q, v);
            }
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// `n` fresh ids for a table: the write transaction holds SQLite's only write lock, so the ids after
/// the largest one are free until it commits.
async fn reserve_ids(
    c: &mut DbConn,
    table: &str,
    n: usize,
) -> std::result::Result<Vec<i64>, sqlx::Error> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
    let max: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *c)
        .await?;
    Ok((1..=n as i64).map(|i| max + i).collect())
}

include!("shared.rs");

pub mod durable;

mod accounts;

mod review;

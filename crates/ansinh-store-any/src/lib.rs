//! # ansinh-store-any
//!
//! One store value for the binaries: [`AnyStore`] is the registry on SQLite or on PostgreSQL, chosen at
//! run time by what the user gave (`--database ansinh.db` or `--database postgres://…`), and implements
//! [`Store`], [`AccountStore`] and [`ReviewStore`] by delegating to the backend it holds (a `match`, no
//! dynamic dispatch). The CLI and the web open the registry here, once, instead of each command
//! choosing a backend by hand; the application code above stays generic over the traits.
//!
//! What it must not know: SQL (the backends hold it), HTTP, files other than the SQLite path.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;

use ansinh_store::accounts::AccountStore;
use ansinh_store::review::ReviewStore;
use ansinh_store::{Result, Store, StoreError};
use ansinh_store_postgres::PgStore;
use ansinh_store_sqlite::SqliteStore;

mod accounts;
mod review;
mod store;

/// Where the registry is: parsed from the `--database` text.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (created if missing), given as a path or a `sqlite:` URL.
    Sqlite(PathBuf),
    /// A PostgreSQL server, given as a `postgres://` or `postgresql://` URL.
    Postgres(String),
}

impl Location {
    /// Reads a `--database` value: a `postgres://`/`postgresql://` URL, a `sqlite:` URL, or a file path.
    pub fn parse(s: &str) -> Location {
        let s = s.trim();
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Location::Postgres(s.to_string())
        } else if let Some(rest) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            Location::Sqlite(PathBuf::from(rest))
        } else {
            Location::Sqlite(PathBuf::from(s))
        }
    }

    /// "sqlite" or "postgres" (for logs and messages).
    pub fn backend(&self) -> &'static str {
        match self {
            Location::Sqlite(_) => "sqlite",
            Location::Postgres(_) => "postgres",
        }
    }
}

/// Shows the file, or the server without its password: safe to print and log.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(url) => write!(f, "{}", redact(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({}: {self})", self.backend())
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rfind('@') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{host}"),
        None => url.to_string(),
    }
}

/// The registry on one of the two backends.
#[derive(Clone, Debug)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Runs one expression on whichever backend `$store` holds.
macro_rules! both {
    ($store:expr, $s:ident => $e:expr) => {
        match $store {
            $crate::AnyStore::Sqlite($s) => $e,
            $crate::AnyStore::Postgres($s) => $e,
        }
    };
}
pub(crate) use both;

impl AnyStore {
    /// Opens the registry a `--database` value names and brings its schema up to date.
    pub async fn open(database: &str) -> Result<AnyStore> {
        AnyStore::open_at(&Location::parse(database)).await
    }

    /// Opens the registry at `location`.
    pub async fn open_at(location: &Location) -> Result<AnyStore> {
        Ok(match location {
            Location::Sqlite(path) => AnyStore::Sqlite(SqliteStore::open(path).await?),
            Location::Postgres(url) => AnyStore::Postgres(PgStore::open(url).await?),
        })
    }

    /// "sqlite" or "postgres".
    pub fn backend(&self) -> &'static str {
        match self {
            AnyStore::Sqlite(_) => "sqlite",
            AnyStore::Postgres(_) => "postgres",
        }
    }

    /// The SQLite store, for what only a file can do (backup and restore).
    pub fn as_sqlite(&self) -> Option<&SqliteStore> {
        match self {
            AnyStore::Sqlite(s) => Some(s),
            AnyStore::Postgres(_) => None,
        }
    }

    /// Closes every connection (on SQLite this checkpoints the WAL).
    pub async fn close(&self) {
        both!(self, s => s.close().await)
    }
}

/// Opens the registry, runs `f` on it and closes it, also when `f` fails.
pub async fn with_store<T, E, F, Fut>(database: &str, f: F) -> std::result::Result<T, E>
where
    E: From<StoreError>,
    F: FnOnce(AnyStore) -> Fut,
    Fut: Future<Output = std::result::Result<T, E>>,
{
    let store = AnyStore::open(database).await?;
    let keep = store.clone();
    let out = f(store).await;
    keep.close().await;
    out
}

// The three traits are implemented in `store.rs`, `accounts.rs` and `review.rs`, one delegating method
// per trait method; a method added to a trait fails to compile here until it is delegated too.
const _: fn() = || {
    fn backend<T: Store + AccountStore + ReviewStore + Clone + Send + Sync + 'static>() {}
    backend::<AnyStore>();
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_value_names_its_backend() {
        assert_eq!(
            Location::parse("postgres://a:b@h/db"),
            Location::Postgres("postgres://a:b@h/db".into())
        );
        assert_eq!(Location::parse("postgresql://h/db").backend(), "postgres");
        assert_eq!(
            Location::parse("ansinh.db"),
            Location::Sqlite(PathBuf::from("ansinh.db"))
        );
        assert_eq!(
            Location::parse("sqlite:data/x.db"),
            Location::Sqlite(PathBuf::from("data/x.db"))
        );
        // A file whose name merely contains "postgres" is a file.
        assert_eq!(Location::parse("old-postgres.db").backend(), "sqlite");
    }

    #[test]
    fn a_password_is_never_shown() {
        let l = Location::parse("postgres://ansinh:s3cret@db.local:5432/reg");
        assert_eq!(l.to_string(), "postgres://ansinh:***@db.local:5432/reg");
        assert!(!format!("{l:?}").contains("s3cret"));
        assert_eq!(
            Location::parse("postgres://db.local/reg").to_string(),
            "postgres://db.local/reg"
        );
    }
}

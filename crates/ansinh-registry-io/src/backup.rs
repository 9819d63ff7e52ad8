//! Backup and restore of the embedded (SQLite) registry. A backup is a consistent online copy (the
//! application may keep working), with a SHA-256 checksum file beside it; a restore verifies the
//! checksum and the database itself before replacing the registry in one transaction, so it never
//! mixes two states. PostgreSQL: see `docs/backup.md` (`pg_dump` / `pg_restore --single-transaction`).

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use ansinh_store::ChangeContext;
use ansinh_store_sqlite::durable::{rename_durably, sync_dir_of};
use ansinh_store_sqlite::{BackupCheck, SqliteStore};

use crate::error::{IoError, Result};

/// The checksum file of a backup: `<backup>.sha256`, in `sha256sum` format.
pub fn checksum_path(backup: &Path) -> PathBuf {
    let mut p = backup.as_os_str().to_owned();
    p.push(".sha256");
    PathBuf::from(p)
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| IoError::file(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| IoError::file(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupInfo {
    pub check: BackupCheck,
    pub sha256: String,
    /// Whether a checksum file was there to verify against (restore only).
    pub checksum_verified: bool,
    /// Restore only: the audit entries newer than the backup that it replaced, and the file beside the
    /// backup that keeps them (`<backup>.discarded-audit-<time>.jsonl`).
    pub discarded: i64,
    pub discarded_file: Option<PathBuf>,
}

/// Copies the registry to `dest` (which must not exist) and writes its checksum file. Both are written
/// under a temporary name, synced, renamed and their folder synced: after a power cut each is there
/// whole or not at all.
pub async fn backup(store: &SqliteStore, dest: &Path) -> Result<BackupInfo> {
    let check = store.backup_to(dest).await?;
    let sha256 = sha256_file(dest)?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sum = checksum_path(dest);
    let tmp = crate::raw::partial_path(&sum);
    std::fs::write(&tmp, format!("{sha256}  {name}\n")).map_err(|e| IoError::file(&sum, e))?;
    rename_durably(&tmp, &sum).map_err(|e| IoError::file(&sum, e))?;
    sync_dir_of(dest).map_err(|e| IoError::file(dest, e))?;
    Ok(BackupInfo {
        check,
        sha256,
        checksum_verified: true,
        discarded: 0,
        discarded_file: None,
    })
}

/// Verifies `src` (its checksum file when there is one, then the database) and replaces the registry
/// with it in one transaction, recorded in the audit trail by `ctx`; the audit entries written since
/// the backup are kept in a file beside it (`SqliteStore::restore_from`).
pub async fn restore(store: &SqliteStore, src: &Path, ctx: &ChangeContext) -> Result<BackupInfo> {
    let sha256 = sha256_file(src)?;
    let sum = checksum_path(src);
    let checksum_verified = match std::fs::read_to_string(&sum) {
        Ok(text) => {
            let want = text
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if want != sha256 {
                return Err(IoError::Checksum {
                    file: src.to_path_buf(),
                });
            }
            true
        }
        Err(_) => false,
    };
    let r = store.restore_from(src, ctx).await?;
    Ok(BackupInfo {
        check: r.check,
        sha256,
        checksum_verified,
        discarded: r.discarded,
        discarded_file: r.discarded_file,
    })
}

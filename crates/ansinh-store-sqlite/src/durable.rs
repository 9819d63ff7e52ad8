//! Files that must survive a power cut: fsync of a file and of the folder that names it (a rename is
//! durable only once its folder is synced), and the discarded audit tail a restore keeps beside the
//! backup.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// Flushes a file's data and metadata to the disk.
pub fn sync_file(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(path)?.sync_all()
}

/// Flushes a folder's entries (a file created, renamed or removed in it) to the disk. The folder of a
/// bare file name is the current one.
pub fn sync_dir_of(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        // Windows cannot open a folder for syncing; NTFS journals the rename itself.
        let _ = dir;
        Ok(())
    }
}

/// Renames `from` to `to` durably: `from` synced first, the folder after.
pub fn rename_durably(from: &Path, to: &Path) -> std::io::Result<()> {
    sync_file(from)?;
    std::fs::rename(from, to)?;
    sync_dir_of(to)
}

/// The file a restore of `backup` at `at` keeps the audit entries it discards in:
/// `<backup>.discarded-audit-<UTC time>.jsonl`, beside the backup.
pub fn discarded_audit_path(backup: &Path, at: DateTime<Utc>) -> PathBuf {
    let mut p = backup.as_os_str().to_owned();
    p.push(format!(
        ".discarded-audit-{}.jsonl",
        at.format("%Y%m%dT%H%M%S%.fZ")
    ));
    PathBuf::from(p)
}

/// One audit row as the restore reads it from the live database.
pub(crate) type AuditRow = (
    i64,
    DateTime<Utc>,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Appends audit rows as JSON lines (one object per entry, every column).
pub(crate) fn write_audit_lines(w: &mut impl Write, rows: &[AuditRow]) -> std::io::Result<()> {
    for (id, at, actor, origin, action, entity, entity_id, old, new, reason) in rows {
        let line = serde_json::json!({
            "id": id,
            "at": at.to_rfc3339(),
            "actor": actor,
            "origin": origin,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "old_value": old,
            "new_value": new,
            "reason": reason,
        });
        writeln!(w, "{line}")?;
    }
    Ok(())
}

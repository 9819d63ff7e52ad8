//! Durability of the embedded registry on real SQLite: commits synced (`synchronous = FULL`), backups
//! and their checksum files renamed into place whole, and a restore that records itself and keeps the
//! audit entries it discards in a file beside the backup.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use ansinh_registry_io::backup;
use ansinh_store::{AuditAction, AuditEvent, ChangeContext, Entity, Store};
use ansinh_store_sqlite::SqliteStore;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ansinh-durable-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

async fn event(s: &SqliteStore, what: &str) -> i64 {
    let ctx = ChangeContext::new("can_bo", "test");
    s.append_audit(
        &ctx,
        &AuditEvent {
            entity: Entity::Event,
            entity_id: None,
            detail: format!("{{\"what\":\"{what}\"}}"),
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn every_connection_commits_with_synchronous_full() {
    let dir = tmp("sync");
    let s = SqliteStore::open(&dir.join("r.db")).await.unwrap();
    // Hold several pooled connections at once, so that more than one is asked.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut c = s.pool().acquire().await.unwrap();
        let v: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert_eq!(v, 2, "synchronous = FULL");
        held.push(c);
    }
    drop(held);
    s.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_backup_and_its_checksum_appear_whole_with_nothing_left_beside_them() {
    let dir = tmp("backup");
    let s = SqliteStore::open(&dir.join("r.db")).await.unwrap();
    event(&s, "before").await;
    let b = dir.join("b.db");
    let info = backup::backup(&s, &b).await.unwrap();
    let listed = files(&dir);
    assert!(listed.contains(&"b.db".to_string()) && listed.contains(&"b.db.sha256".to_string()));
    assert!(
        !listed.iter().any(|f| f.ends_with(".partial")),
        "{listed:?}"
    );
    let sum = std::fs::read_to_string(backup::checksum_path(&b)).unwrap();
    assert_eq!(sum, format!("{}  b.db\n", backup::sha256_file(&b).unwrap()));
    assert_eq!(info.sha256, backup::sha256_file(&b).unwrap());
    assert_eq!(info.check.audit_entries, 1);
    s.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_restore_keeps_the_discarded_audit_tail_beside_the_backup_and_records_itself() {
    let dir = tmp("restore");
    let s = SqliteStore::open(&dir.join("r.db")).await.unwrap();
    let kept = event(&s, "in the backup").await;
    let b = dir.join("b.db");
    backup::backup(&s, &b).await.unwrap();
    let mut later = Vec::new();
    for what in ["after 1", "after 2", "after 3"] {
        later.push(event(&s, what).await);
    }
    let who = ChangeContext::new("quan_tri", "cli");
    let r = backup::restore(&s, &b, &who).await.unwrap();
    assert_eq!(r.discarded, 3);
    let f = r.discarded_file.clone().unwrap();
    assert_eq!(f.parent(), b.parent(), "beside the backup");
    let name = f.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("b.db.discarded-audit-") && name.ends_with(".jsonl"),
        "{name}"
    );
    // The file holds exactly the discarded entries, every column, oldest first.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&f)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<i64> = lines.iter().map(|l| l["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, later);
    assert_eq!(lines[2]["new_value"], "{\"what\":\"after 3\"}");
    assert_eq!(lines[0]["actor"], "can_bo");
    assert_eq!(lines[0]["action"], "event");
    // The trail: the backup's entry, then the restore's own (appended, nothing updated).
    let trail = s.audit_trail(Entity::Event, None).await.unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[0].id, kept);
    let own = &trail[1];
    assert_eq!(own.action, AuditAction::Event);
    assert_eq!(
        (own.actor.as_str(), own.origin.as_str()),
        ("quan_tri", "cli")
    );
    let reason = own.reason.clone().unwrap();
    assert!(
        reason.starts_with(&format!("restored from backup {} at ", b.display()))
            && reason.contains("3 entries discarded")
            && reason.contains(&format!("(kept in file {})", f.display())),
        "{reason}"
    );
    // A second restore of the same backup discards the first one's entry into a file of its own and
    // leaves the first file alone.
    let r2 = backup::restore(&s, &b, &who).await.unwrap();
    assert_eq!(r2.discarded, 1);
    let f2 = r2.discarded_file.unwrap();
    assert_ne!(f2, f);
    assert_eq!(std::fs::read_to_string(&f).unwrap().lines().count(), 3);
    let line: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&f2).unwrap().trim()).unwrap();
    assert_eq!(line["id"].as_i64(), Some(own.id));
    // Nothing newer than the backup: no file, and the entry says so.
    let fresh = dir.join("fresh.db");
    let s2 = SqliteStore::open(&fresh).await.unwrap();
    let r3 = backup::restore(&s2, &b, &who).await.unwrap();
    assert_eq!((r3.discarded, r3.discarded_file), (0, None));
    let trail = s2.audit_trail(Entity::Event, None).await.unwrap();
    assert!(
        trail
            .last()
            .unwrap()
            .reason
            .as_deref()
            .unwrap()
            .contains("0 entries discarded (kept in file none)")
    );
    s.close().await;
    s2.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

//! Files in and out on both backends (SQLite always, PostgreSQL when `ANSINH_TEST_PG` is set): the demo
//! import and its idempotence, row errors with file/row/column, XLSX exports split into sheets and
//! imported back unchanged, quality checks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use ansinh_registry_io::export::{self, ExportFormat, ExportOptions};
use ansinh_registry_io::import::{self, ImportOptions, OnError};
use ansinh_registry_io::quality::{self, QualityOptions};
use ansinh_store::Store;
use ansinh_store_postgres::PgStore;
use ansinh_store_sqlite::SqliteStore;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn demo() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/registry");
    ["don-vi.csv", "ho-gia-dinh.csv", "thanh-vien.csv"]
        .iter()
        .map(|f| dir.join(f))
        .collect()
}

fn opts(on_error: OnError) -> ImportOptions {
    ImportOptions {
        on_error,
        as_of: d(2025, 1, 15),
        encoding: None,
        dry_run: false,
        within: None,
    }
}

fn tmp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("ansinh-io-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

async fn count<S: Store>(s: &S) -> (usize, usize) {
    let mut after = None;
    let (mut h, mut m) = (0, 0);
    loop {
        let page = s.households_page(after, None, 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        h += page.len();
        m += page.iter().map(|x| x.members.len()).sum::<usize>();
    }
    (h, m)
}

async fn files_in_and_out<S: Store>(s: &S, dir: &Path) {
    let ctx = import::import_context("can_bo", &demo());
    let r = import::import_files(s, &ctx, &demo(), &opts(OnError::RejectFile))
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let sum = r.summary.unwrap();
    assert_eq!(
        (
            sum.households_inserted,
            sum.members_inserted,
            sum.units_inserted
        ),
        (8, 26, 3)
    );
    let again = import::import_files(s, &ctx, &demo(), &opts(OnError::RejectFile))
        .await
        .unwrap();
    assert!(!again.summary.unwrap().changed());

    // XLSX with 4 rows per sheet: the members need 9 sheets, and the workbook imports back unchanged.
    let out = dir.join("reg.xlsx");
    let mut eo = ExportOptions::new(ExportFormat::Xlsx);
    eo.max_rows_per_sheet = 4;
    let e = export::export(s, &out, &eo).await.unwrap();
    assert_eq!((e.households, e.members), (8, 26));
    assert_eq!(e.sheets["Thành viên"], 9);
    assert_eq!(e.sheets["Hộ gia đình"], 3);
    let r = import::import_files(
        s,
        &ctx,
        std::slice::from_ref(&out),
        &opts(OnError::RejectFile),
    )
    .await
    .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.households_valid, 8);
    assert!(!r.summary.unwrap().changed());

    // Only the ward's households.
    let mut eo = ExportOptions::new(ExportFormat::Csv);
    eo.units = vec![ansinh_domain::registry::UnitCode::parse("1102").unwrap()];
    let e = export::export(s, &dir.join("ward"), &eo).await.unwrap();
    assert_eq!(e.households, 4);

    // Quality: the duplicate across households, the missing income.
    let issues = quality::check(s, None, &QualityOptions::new(d(2025, 1, 15)))
        .await
        .unwrap();
    let codes: Vec<&str> = issues.iter().map(|i| i.code).collect();
    assert!(codes.contains(&"QUAL_SAME_PERSON"), "{codes:?}");
    assert!(codes.contains(&"QUAL_INCOME_MISSING"), "{codes:?}");
}

async fn errors_name_row_and_column<S: Store>(s: &S, dir: &Path) {
    let h = dir.join("h.csv");
    let m = dir.join("m.csv");
    // A legacy-encoded file (windows-1258), a bad unit, a head too … and a second household with no error.
    // windows-1258 writes most Vietnamese letters as a base letter and a combining tone mark (NFD).
    use unicode_normalization::UnicodeNormalization;
    let text: String = "Mã hộ;Mã đơn vị hành chính;Họ và tên chủ hộ;Thu nhập bình quân tháng của hộ\nA1;99999;Lê Văn Nam;1.000.000\nA2;1101;Trần Thị Lan;abc\nA3;1101;Phạm Văn Tư;2.000.000\n"
    .to_string();
    // Keep â, ê, ô, ă, ơ, ư whole and write tone marks after them, as windows-1258 does.
    let mut cp = String::new();
    let mut tones = String::new();
    let mut base = String::new();
    for c in text.nfd() {
        if matches!(c, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}') {
            tones.push(c);
        } else if unicode_normalization::char::is_combining_mark(c) {
            base.push(c);
        } else {
            cp.extend(base.nfc());
            cp.push_str(&tones);
            base.clear();
            tones.clear();
            base.push(c);
        }
    }
    cp.extend(base.nfc());
    cp.push_str(&tones);
    let text = cp;
    let (hs, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&text);
    assert!(!unmappable);
    std::fs::write(&h, hs).unwrap();
    std::fs::write(
        &m,
        "household_code,full_name,relation,date_of_birth,citizen_id\nA1,Lê Văn Nam,head,1970-01-01,\nA3,Phạm Văn Tư,head,1960-01-01,00106000000\nA3,Phạm Thị Hoa,spouse,1962-01-01,\n",
    )
    .unwrap();
    let units = demo()[0].clone();
    let files = vec![units, h.clone(), m.clone()];
    let ctx = import::import_context("can_bo", &files);
    let r = import::import_files(s, &ctx, &files, &opts(OnError::TakeValid))
        .await
        .unwrap();
    let t = |e: &import::RowError| r.tables[e.table].source.clone();
    let found: Vec<(String, u64, &str, &str)> = r
        .errors
        .iter()
        .map(|e| (t(e), e.row, e.column.as_str(), e.code))
        .collect();
    assert!(
        found.contains(&(
            "h.csv".into(),
            2,
            "Mã đơn vị hành chính",
            "IMP_UNKNOWN_UNIT"
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "h.csv".into(),
            3,
            "Thu nhập bình quân tháng của hộ",
            "IMP_VALUE"
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&("m.csv".into(), 3, "citizen_id", "REG_CITIZEN_ID"))
            || found.contains(&("m.csv".into(), 3, "citizen_id", "IMP_VALUE")),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "m.csv".into(),
            4,
            "household_code",
            "IMP_HOUSEHOLD_REJECTED"
        )),
        "{found:?}"
    );
    for e in &r.errors {
        assert!(!e.vi.is_empty() && !e.en.is_empty());
    }
    // Every household had an error: nothing written, even when taking the valid rows.
    assert!(r.summary.is_none_or(|s| s.households_inserted == 0));
    let n = ansinh_registry_io::report::write_rejected(&r, &dir.join("loi.xlsx")).unwrap();
    assert_eq!(n, r.rejected_rows());
}

/// An officer's import touches only its own units; its export holds only them.
async fn import_and_export_within_units<S: Store>(s: &S, dir: &Path) {
    let ctx = import::import_context("can_bo", &demo());
    import::import_files(s, &ctx, &demo(), &opts(OnError::RejectFile))
        .await
        .unwrap();
    let code = |c: &str| ansinh_domain::registry::UnitCode::parse(c).unwrap();
    let yen_nghia = s
        .unit_at(&code("1101"), d(2025, 1, 15))
        .await
        .unwrap()
        .unwrap();
    let u = dir.join("u.csv");
    let h = dir.join("h.csv");
    std::fs::write(
        &u,
        "unit_code,unit_name,unit_kind,parent_code,valid_from\n1101-01,Thôn Mới,village,1101,01/01/2025\n1102-01,Tổ Mới,village,1102,01/01/2025\n",
    )
    .unwrap();
    std::fs::write(
        &h,
        "household_code,unit_code,head_name\nYN-9,1101-01,Lò Văn Mới\nDN-9,1102,Hà Thị Khác\nHN-1004,1101,Phạm Thị Dung\nDN-8,1102-01,Vi Văn Lạ\n",
    )
    .unwrap();
    let mut o = opts(OnError::TakeValid);
    o.within = Some([yen_nghia.id].into_iter().collect());
    let files = vec![u, h];
    let r = import::import_files(s, &ctx, &files, &o).await.unwrap();
    let outside: Vec<(String, u64, &str)> = r
        .errors
        .iter()
        .filter(|e| e.code == "IMP_OUTSIDE_SCOPE")
        .map(|e| (r.tables[e.table].source.clone(), e.row, e.column.as_str()))
        .collect();
    assert_eq!(
        outside,
        [
            ("u.csv".to_string(), 3, "unit_code"),
            ("h.csv".to_string(), 3, "unit_code"),
            ("h.csv".to_string(), 4, "household_code"),
            ("h.csv".to_string(), 5, "unit_code"),
        ],
        "{:?}",
        r.errors
    );
    let sum = r.summary.unwrap();
    assert_eq!(
        (
            sum.units_inserted,
            sum.households_inserted,
            sum.households_updated
        ),
        (1, 1, 0)
    );
    let kept = s
        .household_by_code(&ansinh_domain::registry::HouseholdCode::parse("HN-1004").unwrap())
        .await
        .unwrap();
    assert_ne!(
        kept.household.unit, yen_nghia.id,
        "another unit's household stays where it was"
    );

    // The export of the commune and its new village: their units and households only.
    let village = s
        .unit_at(&code("1101-01"), d(2025, 1, 15))
        .await
        .unwrap()
        .unwrap();
    let mut eo = ExportOptions::new(ExportFormat::Csv);
    eo.only_units = Some(vec![yen_nghia.id, village.id]);
    let e = export::export(s, &dir.join("mine"), &eo).await.unwrap();
    assert_eq!((e.units, e.households), (2, 5));
    let text = std::fs::read_to_string(dir.join("mine/households.csv")).unwrap();
    assert!(text.contains("YN-9") && !text.contains("HN-1004"), "{text}");
}

/// The registry read as one batch for simulation: every household with its commune and province keys, or
/// only those under a unit; the same batch under two standards, Hà Nội's lines against the national ones.
async fn registry_as_a_simulation_batch<S: Store>(s: &S, _dir: &Path) {
    use ansinh_domain::simulate::{MatrixExt, simulate};
    use ansinh_registry_io::simulate::registry_batch;
    let ctx = import::import_context("can_bo", &demo());
    import::import_files(s, &ctx, &demo(), &opts(OnError::RejectFile))
        .await
        .unwrap();
    let rb = registry_batch(s, None, d(2025, 1, 15)).await.unwrap();
    assert_eq!(rb.batch.households(), 8);
    assert_eq!(rb.household_ids.len(), 8);
    let mut communes = rb.commune.clone();
    communes.sort();
    communes.dedup();
    assert_eq!(communes, [1101, 1102]);
    assert!(rb.province.iter().all(|&p| p == 1));
    assert_eq!(rb.units[&1102].0, "1102");
    let ward = ansinh_domain::registry::UnitCode::parse("1102").unwrap();
    let only = registry_batch(s, Some(&ward), d(2025, 1, 15))
        .await
        .unwrap();
    assert_eq!(only.batch.households(), 4);
    assert!(only.commune.iter().all(|&c| c == 1102));
    let unknown = ansinh_domain::registry::UnitCode::parse("9999").unwrap();
    let e = registry_batch(s, Some(&unknown), d(2025, 1, 15))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "UNIT_UNKNOWN");

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../standards");
    let files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    let reg = ansinh_domain::StandardSet::load(&files).unwrap();
    let (base, hanoi) = (
        reg.get("vn-2022-2025").unwrap(),
        reg.get("hanoi-2022-2025").unwrap(),
    );
    let same = simulate(base, base, &rb.batch, Some(&rb.commune), Some(&rb.province));
    assert_eq!(same.households, 8);
    assert_eq!(same.matrix.changed().households, 0);
    assert_eq!(same.communes.len(), 2);
    assert_eq!(same.provinces[0].matrix, same.matrix);
    // Hà Nội's higher lines never make a household less poor.
    let h = simulate(
        base,
        hanoi,
        &rb.batch,
        Some(&rb.commune),
        Some(&rb.province),
    );
    assert!(h.matrix.alt(0).households >= h.matrix.base(0).households);
    let total: i64 = h
        .communes
        .iter()
        .map(|c| c.matrix.changed().households)
        .sum();
    assert_eq!(total, h.matrix.changed().households);
}

macro_rules! both {
    ($name:ident, $case:ident) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let dir = tmp(concat!(stringify!($name), "-sqlite"));
                let s = SqliteStore::open(&dir.join("r.db")).await.unwrap();
                $case(&s, &dir).await;
                s.close().await;
                std::fs::remove_dir_all(&dir).unwrap();
            }
            #[tokio::test]
            async fn postgres() {
                let Ok(url) = std::env::var("ANSINH_TEST_PG") else {
                    eprintln!("ANSINH_TEST_PG is not set: skipping PostgreSQL");
                    return;
                };
                let schema = format!("io_{}_{}", stringify!($name), std::process::id());
                PgStore::drop_schema(&url, &schema).await.unwrap();
                let s = PgStore::open_in_schema(&url, &schema).await.unwrap();
                let dir = tmp(concat!(stringify!($name), "-pg"));
                $case(&s, &dir).await;
                s.close().await;
                PgStore::drop_schema(&url, &schema).await.unwrap();
                std::fs::remove_dir_all(&dir).unwrap();
            }
        }
    };
}

both!(demo_files, files_in_and_out);
both!(row_errors, errors_name_row_and_column);
both!(within_units, import_and_export_within_units);
both!(simulation_batch, registry_as_a_simulation_batch);

#[tokio::test]
async fn backup_and_restore_round_trip() {
    let dir = tmp("backup");
    let s = SqliteStore::open(&dir.join("r.db")).await.unwrap();
    let ctx = import::import_context("can_bo", &demo());
    import::import_files(&s, &ctx, &demo(), &opts(OnError::RejectFile))
        .await
        .unwrap();
    let b = dir.join("b.db");
    let info = ansinh_registry_io::backup::backup(&s, &b).await.unwrap();
    assert_eq!((info.check.households, info.check.members), (8, 26));
    assert!(
        ansinh_registry_io::backup::backup(&s, &b).await.is_err(),
        "never overwrites"
    );
    let other = dir.join("other.db");
    let s2 = SqliteStore::open(&other).await.unwrap();
    let who = ansinh_store::ChangeContext::new("quan_tri", "cli");
    let r = ansinh_registry_io::backup::restore(&s2, &b, &who)
        .await
        .unwrap();
    assert!(r.checksum_verified);
    assert_eq!(count(&s2).await, (8, 26));
    // The restored audit trail is still append-only.
    assert!(
        sqlx::query("DELETE FROM audit_log")
            .execute(s2.pool())
            .await
            .is_err()
    );
    s.close().await;
    s2.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

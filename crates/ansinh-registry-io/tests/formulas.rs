//! Text that a spreadsheet program would run as a formula (`= + - @`, tab, CR at the start) reaches
//! Excel as text: prefixed with `'` in CSV files (and imported back without it), a string cell in XLSX.
//! The files are read back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use calamine::{Data, Reader};
use chrono::NaiveDate;

use ansinh_registry_io::entitlements::{Cell, write_sheets};
use ansinh_registry_io::export::{self, ExportFormat, ExportOptions};
use ansinh_registry_io::import::{self, ImportOptions, OnError};
use ansinh_store_sqlite::SqliteStore;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ansinh-formulas-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn opts() -> ImportOptions {
    ImportOptions {
        on_error: OnError::RejectFile,
        as_of: NaiveDate::from_ymd_opt(2025, 1, 15).unwrap(),
        encoding: None,
        dry_run: false,
        within: None,
    }
}

#[tokio::test]
async fn registry_exports_write_formula_like_text_as_text_and_import_back_unchanged() {
    let dir = tmp("export");
    let u = dir.join("units.csv");
    std::fs::write(
        &u,
        "unit_code,unit_name,unit_kind,parent_code,valid_from\n01,Hà Nội,central_city,,2008-01-01\n1101,Yên Nghĩa,commune,01,2008-01-01\n",
    )
    .unwrap();
    let h = dir.join("households.csv");
    std::fs::write(
        &h,
        "household_code,unit_code,head_name,address\nK1,1101,=1+2,\"-Thôn 3,HYPERLINK(\"\"http://x\"\")\"\n",
    )
    .unwrap();
    let m = dir.join("members.csv");
    std::fs::write(
        &m,
        "household_code,full_name,relation,date_of_birth,citizen_id\nK1,Nguyễn Văn A,head,1980-01-01,002080000001\n",
    )
    .unwrap();
    let s = SqliteStore::open(&dir.join("r.db")).await.unwrap();
    let files = vec![u, h, m];
    let ctx = import::import_context("can_bo", &files);
    let r = import::import_files(&s, &ctx, &files, &opts())
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);

    // CSV: the guard is in the file, and the file imports back to the same values (nothing changes).
    let out = dir.join("csv");
    export::export(&s, &out, &ExportOptions::new(ExportFormat::Csv))
        .await
        .unwrap();
    let text = std::fs::read_to_string(out.join("households.csv")).unwrap();
    assert!(text.contains(",'=1+2,"), "{text}");
    assert!(
        text.contains("\"'-Thôn 3,HYPERLINK(\"\"http://x\"\")\""),
        "{text}"
    );
    let back: Vec<PathBuf> = ["units.csv", "households.csv", "members.csv"]
        .iter()
        .map(|f| out.join(f))
        .collect();
    let again = import::import_files(&s, &ctx, &back, &opts())
        .await
        .unwrap();
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    assert!(!again.summary.unwrap().changed(), "imported back unchanged");

    // XLSX: a string cell, never a formula.
    let x = dir.join("reg.xlsx");
    export::export(&s, &x, &ExportOptions::new(ExportFormat::Xlsx))
        .await
        .unwrap();
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&x).unwrap();
    let sheet = "Hộ gia đình".to_string();
    let range = wb.worksheet_range(&sheet).unwrap();
    assert!(
        range
            .used_cells()
            .any(|(_, _, c)| *c == Data::String("=1+2".into())),
        "the text is a string cell"
    );
    let formulas = wb.worksheet_formula(&sheet).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula"
    );
    s.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn entitlement_and_partner_lists_write_formula_like_text_as_text() {
    let dir = tmp("lists");
    let rows = vec![
        vec![Cell::Text("Họ và tên".into()), Cell::Text("Ghi chú".into())],
        vec![Cell::Text("@SUM(A1)".into()), Cell::Text("+84 912".into())],
        vec![Cell::Text("Nguyễn Văn A".into()), Cell::Int(-5)],
    ];
    let csv = dir.join("list.csv");
    write_sheets(&[("Danh sách", rows.clone())], &csv).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains("'@SUM(A1),'+84 912\n"), "{text}");
    // Numbers are numbers: no guard.
    assert!(text.contains("Nguyễn Văn A,-5\n"), "{text}");
    let x = dir.join("list.xlsx");
    write_sheets(&[("Danh sách", rows)], &x).unwrap();
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&x).unwrap();
    let range = wb.worksheet_range("Danh sách").unwrap();
    assert_eq!(
        range.get_value((1, 0)),
        Some(&Data::String("@SUM(A1)".into()))
    );
    assert_eq!(
        range.get_value((1, 1)),
        Some(&Data::String("+84 912".into()))
    );
    let formulas = wb.worksheet_formula("Danh sách").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
    std::fs::remove_dir_all(&dir).unwrap();
}

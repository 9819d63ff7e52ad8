//! Bad input gets a clear error naming the file, the row and the column; nothing is produced.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::path::PathBuf;

use ansinh_domain::schema::{FieldId, field};
use ansinh_tabular::{TabularError, read_input};

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "ansinh-malformed-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn fields() -> Vec<FieldId> {
    [
        "area",
        "monthly_income_vnd",
        "age",
        "sex",
        "has_health_insurance",
        "floor_area_m2",
    ]
    .iter()
    .map(|f| field(f).unwrap())
    .collect()
}

const HH: &str = "household_id,commune_code,area,monthly_income_vnd,floor_area_m2\n1,101,rural,3000000,40\n2,101,urban,9000000,55.5\n";
const MEM: &str = "household_id,age,sex,has_health_insurance\n1,40,male,true\n1,12,female,true\n2,30,female,false\n";

fn run(hh: &str, mem: &str) -> Result<ansinh_tabular::Input, TabularError> {
    let d = dir();
    std::fs::write(d.join("h.csv"), hh).unwrap();
    std::fs::write(d.join("m.csv"), mem).unwrap();
    read_input(&d.join("h.csv"), &d.join("m.csv"), &fields(), false)
}

#[test]
fn a_good_file_reads() {
    let input = run(HH, MEM).unwrap();
    assert_eq!(input.household_ids, vec![1, 2]);
    assert_eq!(input.batch.offsets, vec![0, 2, 3]);
}

#[test]
fn a_word_in_a_number_column_names_file_row_and_column() {
    let bad = MEM.replace("1,12,female", "1,twelve,female");
    let e = run(HH, &bad).unwrap_err();
    match &e {
        TabularError::Cell {
            file,
            row,
            column,
            reason,
        } => {
            assert!(file.ends_with("m.csv"));
            assert_eq!(*row, 3, "header is row 1, so the second member is row 3");
            assert_eq!(column, "age");
            assert!(reason.contains("twelve"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), "IN_CELL");
    assert!(e.message_vi().contains("dòng 3"));
}

#[test]
fn an_unknown_code_lists_the_allowed_values() {
    let bad = HH.replace("2,101,urban", "2,101,city");
    let e = run(&bad, MEM).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("row 3") && msg.contains("`area`") && msg.contains("rural, urban"),
        "{msg}"
    );
}

#[test]
fn vietnamese_labels_and_grouped_numbers_are_understood() {
    let hh = "household_id,area,monthly_income_vnd\n1,Nông thôn,3.000.000\n";
    let mem = "household_id,age,sex\n1,40,Nam\n";
    let input = run(hh, mem).unwrap();
    let inc = input
        .batch
        .column(field("monthly_income_vnd").unwrap())
        .unwrap();
    assert_eq!(
        inc,
        &ansinh_domain::Column::Int {
            values: vec![3_000_000],
            valid: None
        }
    );
}

#[test]
fn a_member_of_an_unknown_household_is_refused() {
    let bad = format!("{MEM}7,30,male,true\n");
    let e = run(HH, &bad).unwrap_err();
    assert!(e.to_string().contains("household 7 is not in"), "{e}");
}

#[test]
fn a_household_without_members_is_refused() {
    let bad = format!("{HH}3,101,rural,100,10\n");
    let e = run(&bad, MEM).unwrap_err();
    assert!(e.to_string().contains("household 3 has no members"), "{e}");
}

#[test]
fn empty_files_and_missing_id_columns_are_refused() {
    assert!(matches!(
        run("household_id,area\n", MEM),
        Err(TabularError::Empty { .. })
    ));
    assert!(matches!(
        run("", MEM),
        Err(TabularError::Empty { .. }) | Err(TabularError::Cell { .. })
    ));
    let e = run(HH, "hid,age\n1,3\n").unwrap_err();
    assert!(
        matches!(e, TabularError::MissingColumn { ref column, .. } if column == "household_id"),
        "{e}"
    );
}

#[test]
fn ragged_csv_is_refused() {
    let bad = MEM.replace("1,12,female,true", "1,12,female,true,extra");
    assert!(run(HH, &bad).is_err());
}

#[test]
fn legacy_windows_1258_text_is_decoded() {
    // "Nông thôn" in windows-1258: N, ô (0xF4), n, g, space, t, h, ô, n
    let d = dir();
    let mut hh = b"household_id,area\n1,N\xf4ng th\xf4n\n".to_vec();
    hh.extend_from_slice(b"");
    std::fs::write(d.join("h.csv"), hh).unwrap();
    std::fs::write(d.join("m.csv"), "household_id,age\n1,3\n").unwrap();
    let input = read_input(&d.join("h.csv"), &d.join("m.csv"), &fields(), false).unwrap();
    assert_eq!(
        input.batch.column(field("area").unwrap()),
        Some(&ansinh_domain::Column::Enum(vec![0]))
    );
}

#[test]
fn xlsx_with_vietnamese_headers_reads_and_its_errors_name_the_sheet_row() {
    use rust_xlsxwriter::Workbook;
    let d = dir();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Mã hộ", "Khu vực", "Thu nhập bình quân tháng của hộ"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 1.0).unwrap();
    ws.write_string(1, 1, "thành thị").unwrap();
    ws.write_number(1, 2, 4_000_000.0).unwrap();
    wb.save(d.join("h.xlsx")).unwrap();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Mã hộ", "Tuổi", "Giới tính"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 1.0).unwrap();
    ws.write_number(1, 1, 40.0).unwrap();
    ws.write_string(1, 2, "Nữ").unwrap();
    ws.write_number(2, 0, 1.0).unwrap();
    ws.write_number(2, 1, 7.5).unwrap();
    ws.write_string(2, 2, "Nam").unwrap();
    wb.save(d.join("m.xlsx")).unwrap();
    let e = read_input(&d.join("h.xlsx"), &d.join("m.xlsx"), &fields(), false).unwrap_err();
    assert!(
        e.to_string()
            .contains("row 3, column `age`: `7.5` is not a whole number"),
        "{e}"
    );

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Mã hộ", "Tuổi", "Giới tính"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 1.0).unwrap();
    ws.write_number(1, 1, 40.0).unwrap();
    ws.write_string(1, 2, "Nữ").unwrap();
    wb.save(d.join("m.xlsx")).unwrap();
    let input = read_input(&d.join("h.xlsx"), &d.join("m.xlsx"), &fields(), false).unwrap();
    assert_eq!(
        input.batch.column(field("area").unwrap()),
        Some(&ansinh_domain::Column::Enum(vec![1]))
    );
    assert_eq!(
        input.batch.column(field("sex").unwrap()),
        Some(&ansinh_domain::Column::Enum(vec![1]))
    );
    assert_eq!(
        input.batch.column(field("monthly_income_vnd").unwrap()),
        Some(&ansinh_domain::Column::Int {
            values: vec![4_000_000],
            valid: None
        })
    );
}

#[test]
fn members_in_any_order_are_grouped_under_their_household_keeping_their_order() {
    let mem = "household_id,age,sex,has_health_insurance\n2,30,female,false\n1,40,male,true\n2,5,male,true\n1,12,female,true\n";
    let hh = "household_id,commune_code,area,monthly_income_vnd,floor_area_m2\n2,101,urban,9000000,55.5\n1,101,rural,3000000,40\n";
    let input = run(hh, mem).unwrap();
    assert_eq!(input.household_ids, vec![1, 2]);
    assert_eq!(input.batch.offsets, vec![0, 2, 4]);
    assert_eq!(
        input.batch.column(field("age").unwrap()),
        Some(&ansinh_domain::Column::Int {
            values: vec![40, 12, 30, 5],
            valid: None
        })
    );
    assert_eq!(
        input.batch.column(field("area").unwrap()),
        Some(&ansinh_domain::Column::Enum(vec![0, 1]))
    );
    let bad = format!("{mem}9,1,male,true\n");
    let e = run(hh, &bad).unwrap_err();
    assert!(
        e.to_string().contains("row 6") && e.to_string().contains("household 9 is not in"),
        "{e}"
    );
}

#[test]
fn a_tiny_workbook_declaring_a_huge_sheet_is_refused_before_its_cells() {
    use rust_xlsxwriter::Workbook;
    let d = dir();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "household_id").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    wb.save(d.join("h.xlsx")).unwrap();
    std::fs::write(d.join("m.csv"), "household_id,age\n1,40\n").unwrap();
    let e = read_input(&d.join("h.xlsx"), &d.join("m.csv"), &fields(), false).unwrap_err();
    assert_eq!(e.code(), "FILE_SHEET_TOO_LARGE");
    assert!(
        matches!(
            &e,
            TabularError::Limit(ansinh_tabular::LimitError::SheetTooLarge {
                rows: 1_048_576,
                columns: 16_384,
                ..
            })
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("h.xlsx [Sheet1]"), "{e}");
    assert!(
        e.message_vi().contains("h.xlsx [Sheet1]"),
        "{}",
        e.message_vi()
    );
    // A members file as wide as that is refused from its header.
    let wide: Vec<String> = (0..5_000).map(|i| format!("c{i}")).collect();
    std::fs::write(d.join("w.csv"), wide.join(",")).unwrap();
    std::fs::write(d.join("h.csv"), HH).unwrap();
    let e = read_input(&d.join("h.csv"), &d.join("w.csv"), &fields(), false).unwrap_err();
    assert_eq!(e.code(), "FILE_TOO_MANY_COLUMNS");
}

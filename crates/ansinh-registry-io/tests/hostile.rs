//! Hostile files are refused before their cells are parsed (`ansinh_tabular::limits`): a tiny workbook
//! declaring cells at A1 and XFD1048576 (with and without its `<dimension>`), a zip bomb, a workbook
//! past the uncompressed bound, a Parquet file past its row bound, and, from an upload, any format but
//! XLSX and CSV. A legitimate large-ish workbook still reads whole. Fixtures are made in the test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ansinh_registry_io::IoError;
use ansinh_registry_io::import::{self, Origin};
use ansinh_registry_io::raw::{self, read_file, read_file_with};
use ansinh_tabular::LimitError;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ansinh-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn limit(e: IoError) -> LimitError {
    match e {
        IoError::Limit(l) => l,
        other => panic!("expected a limit error, got {} {other}", other.code()),
    }
}

/// A household sheet with a header at A1 and one more cell at XFD1048576.
fn far_cells(path: &Path) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Hộ gia đình").unwrap();
    ws.write_string(0, 0, "Họ và tên chủ hộ").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    wb.save(path).unwrap();
}

/// A copy of zip `src` at `dst`, each entry's bytes passed through `edit(name, bytes)`, and `extra`
/// entries added (deflated).
fn rezip(
    src: &Path,
    dst: &Path,
    edit: impl Fn(&str, Vec<u8>) -> Vec<u8>,
    extra: &[(&str, Vec<u8>)],
) {
    let mut z = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut w = zip::ZipWriter::new(std::fs::File::create(dst).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(&edit(&name, bytes)).unwrap();
    }
    for (name, bytes) in extra {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn a_sheet_declaring_a1_to_xfd1048576_is_refused_from_its_dimension() {
    let d = tmp("far");
    let f = d.join("ho.xlsx");
    far_cells(&f);
    assert!(std::fs::metadata(&f).unwrap().len() < 10_000, "a tiny file");
    let e = limit(read_file(&f, None).unwrap_err());
    assert_eq!(e.code(), "FILE_SHEET_TOO_LARGE");
    // Refused from the declared dimension, before the first cell: the whole declared range is named.
    assert!(
        matches!(
            &e,
            LimitError::SheetTooLarge { rows: 1_048_576, columns: 16_384, sheet: Some(s), .. } if s == "Hộ gia đình"
        ),
        "{e:?}"
    );
    let (en, vi) = (e.message_en(), e.message_vi());
    assert!(
        en.contains("ho.xlsx [Hộ gia đình]") && en.contains("nothing was read"),
        "{en}"
    );
    assert!(
        vi.contains("ho.xlsx [Hộ gia đình]") && vi.contains("chưa đọc gì"),
        "{vi}"
    );
    // The import's own entry point refuses it the same way, naming the code.
    let e = import::read_tables(&[f], None).unwrap_err();
    assert_eq!(e.code(), "FILE_SHEET_TOO_LARGE");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn without_its_dimension_the_far_cell_is_refused_where_it_stands() {
    let d = tmp("nodim");
    let src = d.join("src.xlsx");
    far_cells(&src);
    let f = d.join("ho.xlsx");
    rezip(
        &src,
        &f,
        |name, bytes| {
            if name.ends_with("sheet1.xml") {
                let xml = String::from_utf8(bytes).unwrap();
                let start = xml.find("<dimension").unwrap();
                let end = start + xml[start..].find("/>").unwrap() + 2;
                format!("{}{}", &xml[..start], &xml[end..]).into_bytes()
            } else {
                bytes
            }
        },
        &[],
    );
    let e = limit(read_file(&f, None).unwrap_err());
    assert_eq!(e.code(), "FILE_SHEET_TOO_LARGE");
    assert!(
        matches!(
            e,
            LimitError::SheetTooLarge {
                rows: 1_048_576,
                columns: 16_384,
                ..
            }
        ),
        "{e:?}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

fn small_workbook(path: &Path) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Họ và tên chủ hộ").unwrap();
    ws.write_string(1, 0, "Nguyễn Văn A").unwrap();
    wb.save(path).unwrap();
}

#[test]
fn a_zip_bomb_and_an_oversized_workbook_are_refused_from_the_zip_directory() {
    let d = tmp("bomb");
    let src = d.join("src.xlsx");
    small_workbook(&src);
    // 4 MiB of zeros deflate about a thousand to one.
    let bomb = d.join("bomb.xlsx");
    rezip(
        &src,
        &bomb,
        |_, b| b,
        &[("xl/media/pad.bin", vec![0u8; 4 << 20])],
    );
    let e = limit(read_file(&bomb, None).unwrap_err());
    assert_eq!(e.code(), "FILE_ZIP_RATIO");
    assert!(
        matches!(&e, LimitError::Ratio { entry, ratio, .. } if entry == "xl/media/pad.bin" && *ratio > 100),
        "{e:?}"
    );
    assert!(e.message_vi().contains("bomb.xlsx"));
    // Past the uncompressed bound (set low here), whatever the ratio.
    let mut lim = raw::limits();
    lim.max_uncompressed = 1_000;
    let e = limit(read_file_with(&src, None, &lim).unwrap_err());
    assert_eq!(e.code(), "FILE_UNCOMPRESSED_SIZE");
    assert!(e.message_en().contains("src.xlsx"), "{}", e.message_en());
    // The same file under the default limits reads.
    assert_eq!(read_file(&src, None).unwrap()[0].len(), 1);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn an_upload_is_xlsx_or_csv_and_nothing_else_is_opened() {
    let d = tmp("upload");
    // The files do not exist: the type is refused before anything is opened.
    for name in ["a.xls", "a.ods", "a.parquet", "a.xlsm", "a.tsv"] {
        let e = import::read_tables_from(&[d.join(name)], None, Origin::Upload).unwrap_err();
        assert_eq!(e.code(), "FILE_UPLOAD_TYPE", "{name}");
        assert!(e.message_vi().contains(name) && e.message_en().contains(name));
    }
    let csv = d.join("ho.csv");
    std::fs::write(&csv, "head_name\nNguyễn Văn A\n=1+1\n").unwrap();
    let x = d.join("ho.xlsx");
    small_workbook(&x);
    let (tables, _) = import::read_tables_from(&[csv, x], None, Origin::Upload).unwrap();
    assert_eq!(tables.len(), 2);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn parquet_and_csv_rows_are_bounded_from_the_footer_and_as_read() {
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    let d = tmp("rows");
    let f = d.join("ho.parquet");
    let names: Vec<String> = (0..11).map(|i| format!("Hộ {i}")).collect();
    let col: ArrayRef = Arc::new(StringArray::from(names.clone()));
    let batch = RecordBatch::try_from_iter([("head_name", col)]).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&f).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let mut lim = raw::limits();
    lim.max_rows = 10;
    let e = limit(read_file_with(&f, None, &lim).unwrap_err());
    assert_eq!(e.code(), "FILE_TOO_MANY_ROWS");
    let csv = d.join("ho.csv");
    std::fs::write(&csv, format!("head_name\n{}\n", names.join("\n"))).unwrap();
    let e = limit(read_file_with(&csv, None, &lim).unwrap_err());
    assert_eq!(e.code(), "FILE_TOO_MANY_ROWS");
    // Ten rows are fine.
    lim.max_rows = 11;
    assert_eq!(read_file_with(&f, None, &lim).unwrap()[0].len(), 11);
    assert_eq!(read_file_with(&csv, None, &lim).unwrap()[0].len(), 11);
    // A header wider than the known columns and their spare ones.
    let wide = d.join("wide.csv");
    std::fs::write(
        &wide,
        (0..lim.max_columns + 1)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(","),
    )
    .unwrap();
    assert_eq!(
        limit(read_file(&wide, None).unwrap_err()).code(),
        "FILE_TOO_MANY_COLUMNS"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_legitimate_large_workbook_reads_whole_cell_by_cell() {
    let d = tmp("large");
    let f = d.join("tv.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Thành viên").unwrap();
    let heads = [
        "household_code",
        "full_name",
        "citizen_id",
        "date_of_birth",
        "note",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let n = 40_000u32;
    for r in 1..=n {
        ws.write_string(r, 0, format!("H{r:06}")).unwrap();
        ws.write_string(r, 1, format!("Nguyễn Văn {r}")).unwrap();
        // A citizen ID typed as a number lost its leading zero: the reader gives it back.
        ws.write_number(r, 2, f64::from(r) + 1_000_000_000.0)
            .unwrap();
        if r % 7 == 0 {
            ws.write_string(r, 4, "ghi chú").unwrap();
        }
    }
    wb.save(&f).unwrap();
    let t = &read_file(&f, None).unwrap()[0];
    assert_eq!(t.source, "tv.xlsx [Thành viên]");
    assert_eq!(t.headers, heads);
    assert_eq!(t.len(), n as usize);
    assert_eq!(
        t.row(0),
        ["H000001", "Nguyễn Văn 1", "001000000001", "", ""]
    );
    assert_eq!(t.row_number(0), 2);
    assert_eq!(t.row(6)[4], "ghi chú");
    assert_eq!(t.row_number(n as usize - 1), u64::from(n) + 1);
    std::fs::remove_dir_all(&d).unwrap();
}

//! Tables as text, exactly as the file has them: every sheet of a workbook, a CSV file (UTF-8, UTF-16
//! with BOM, or a legacy code page: windows-1258 by default), or a Parquet file. Cells are kept in one
//! string per table (no allocation per cell), so a national file fits in memory.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use chrono::NaiveDate;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use ansinh_tabular::limits::{Limits, Place, SheetFail};

use crate::columns::Table;
use crate::error::{IoError, Result};

/// A table read from a file or a sheet.
#[derive(Clone, Debug)]
pub struct RawTable {
    /// The file, and the sheet for a workbook: what a person needs to find the row.
    pub source: String,
    /// The file it was read from.
    pub path: PathBuf,
    pub table: Option<Table>,
    pub headers: Vec<String>,
    cells: String,
    /// End offset in `cells` of every cell, row after row (`headers.len()` per row).
    ends: Vec<usize>,
    /// The row number a person sees (spreadsheet row, header = 1; Parquet: data row from 1).
    row_numbers: Vec<u64>,
}

impl RawTable {
    fn new(path: &Path, source: String, headers: Vec<String>) -> RawTable {
        let headers: Vec<String> = headers
            .into_iter()
            .map(|h| ansinh_domain::text::NfcText::new(&h).as_str().to_string())
            .collect();
        RawTable {
            source,
            path: path.to_path_buf(),
            table: Table::of_headers(&headers),
            headers,
            cells: String::new(),
            ends: Vec::new(),
            row_numbers: Vec::new(),
        }
    }
    fn push_row<'a>(&mut self, row_number: u64, cells: impl IntoIterator<Item = &'a str>) {
        let n = self.headers.len();
        let mut k = 0;
        for c in cells.into_iter().take(n) {
            self.cells.push_str(c.trim());
            self.ends.push(self.cells.len());
            k += 1;
        }
        for _ in k..n {
            self.ends.push(self.cells.len());
        }
        self.row_numbers.push(row_number);
    }
    pub fn len(&self) -> usize {
        self.row_numbers.len()
    }
    pub fn is_empty(&self) -> bool {
        self.row_numbers.is_empty()
    }
    pub fn row_number(&self, r: usize) -> u64 {
        self.row_numbers[r]
    }
    /// The text of a cell (trimmed; empty when not recorded).
    pub fn cell(&self, r: usize, c: usize) -> &str {
        let i = r * self.headers.len() + c;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.cells[start..self.ends[i]]
    }
    pub fn row(&self, r: usize) -> Vec<&str> {
        (0..self.headers.len()).map(|c| self.cell(r, c)).collect()
    }
}

/// Builds a table from text rows (tests and tools).
pub fn table_from_rows(source: &str, headers: &[&str], rows: &[Vec<&str>]) -> RawTable {
    let mut t = RawTable::new(
        Path::new(source),
        source.to_string(),
        headers.iter().map(|s| s.to_string()).collect(),
    );
    for (i, r) in rows.iter().enumerate() {
        t.push_row(i as u64 + 2, r.iter().copied());
    }
    t
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Xlsx,
    Csv,
    Parquet,
}

impl FileKind {
    pub fn of(path: &Path) -> Result<FileKind> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("xlsx" | "xlsm" | "xls" | "ods") => Ok(FileKind::Xlsx),
            Some("csv" | "txt" | "tsv") => Ok(FileKind::Csv),
            Some("parquet" | "pq") => Ok(FileKind::Parquet),
            _ => Err(IoError::FileType {
                file: path.to_path_buf(),
            }),
        }
    }
}

fn name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The import's default limits (`ansinh_tabular::limits`): the columns of its widest table.
pub fn limits() -> Limits {
    let known = Table::ALL
        .iter()
        .map(|t| t.columns().len())
        .max()
        .unwrap_or(0);
    Limits::for_columns(known)
}

/// Every table of a file: each sheet of a workbook, or the one table of a CSV or Parquet file.
/// `encoding` names a CSV's legacy code page (any WHATWG label: `windows-1258`, `utf-16le`, …); without
/// it, a CSV that is not UTF-8 is read as windows-1258. A file named on this machine, under the default
/// [`limits`].
pub fn read_file(path: &Path, encoding: Option<&str>) -> Result<Vec<RawTable>> {
    read_file_with(path, encoding, &limits())
}

/// [`read_file`] under `limits`: the file type (an upload is `.xlsx` or `.csv`), then a workbook's zip
/// directory, a sheet's dimension and every cell's position, a Parquet footer's counts, and a table's
/// rows and columns are checked before the cells they bound are read.
pub fn read_file_with(
    path: &Path,
    encoding: Option<&str>,
    limits: &Limits,
) -> Result<Vec<RawTable>> {
    limits.check_type(path)?;
    match FileKind::of(path)? {
        FileKind::Xlsx if is_ooxml(path) => read_xlsx(path, limits),
        FileKind::Xlsx => read_legacy_workbook(path, limits),
        FileKind::Csv => Ok(vec![read_csv(path, encoding, limits)?]),
        FileKind::Parquet => Ok(vec![read_parquet(path, limits)?]),
    }
}

fn is_ooxml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx") || e.eq_ignore_ascii_case("xlsm"))
}

/// Text of a file: a BOM decides (UTF-8, UTF-16), then the encoding asked for, then UTF-8, then
/// windows-1258 (the Vietnamese Windows code page).
pub fn decode(path: &Path, bytes: &[u8], encoding: Option<&str>) -> Result<String> {
    use unicode_normalization::UnicodeNormalization;
    // Legacy code pages write tone marks as separate characters: everything leaves here NFC.
    let nfc = |s: &str| -> String { s.nfc().collect() };
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom..]);
        return Ok(nfc(&text));
    }
    if let Some(label) = encoding {
        let enc = encoding_rs::Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
            IoError::Encoding {
                file: path.to_path_buf(),
                label: label.to_string(),
            }
        })?;
        let (text, _) = enc.decode_without_bom_handling(bytes);
        return Ok(nfc(&text));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(nfc(s)),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1258.decode_without_bom_handling(bytes);
            Ok(nfc(&text))
        }
    }
}

fn read_csv(path: &Path, encoding: Option<&str>, limits: &Limits) -> Result<RawTable> {
    let place = Place {
        file: path,
        sheet: None,
    };
    limits.check_file_size(path)?;
    let bytes = std::fs::read(path).map_err(|e| IoError::file(path, e))?;
    let text = decode(path, &bytes, encoding)?;
    drop(bytes);
    let first = text.lines().next().unwrap_or("");
    let delim = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.matches(char::from(*d)).count())
        .unwrap_or(b',');
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let bad = |e: csv::Error| IoError::Format {
        file: path.to_path_buf(),
        format: "CSV",
        reason: e.to_string(),
    };
    let mut rec = csv::StringRecord::new();
    if !rdr.read_record(&mut rec).map_err(bad)? {
        return Ok(RawTable::new(path, name(path), Vec::new()));
    }
    limits.check_columns(place, rec.len())?;
    let mut t = RawTable::new(path, name(path), rec.iter().map(str::to_string).collect());
    let mut line = 1u64;
    while rdr.read_record(&mut rec).map_err(bad)? {
        line += 1;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let row = rec.position().map_or(line, |p| p.line());
        t.push_row(row, rec.iter().map(crate::neutral::strip_csv_guard));
        limits.check_rows(place, t.len() as u64)?;
    }
    Ok(t)
}

/// Days since 1899-12-30 (the spreadsheet epoch) as a date.
fn serial_date(v: f64) -> Option<NaiveDate> {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    epoch.checked_add_signed(chrono::Duration::days(v.floor() as i64))
}

/// A number as a person would type it: no `.0` on whole numbers.
fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The text of a workbook cell; a citizen ID typed as a number gets its leading zeros back.
fn cell_text(c: &calamine::Data, is_id: bool) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(v) if is_id => format!("{v:012}"),
        Data::Float(v) if is_id && v.fract() == 0.0 && *v >= 0.0 => format!("{:012}", *v as i64),
        Data::Int(v) => v.to_string(),
        Data::Float(v) => number_text(*v),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => serial_date(d.as_f64())
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| number_text(d.as_f64())),
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        other => other.to_string(),
    }
}

fn id_column(headers: &[String]) -> Option<usize> {
    headers.iter().position(|h| {
        crate::columns::MEMBER_COLS
            .iter()
            .any(|c| c.name == "citizen_id" && c.matches(h))
    })
}

/// An XLSX workbook, every sheet streamed cell by cell (never as a dense range) under `limits`.
fn read_xlsx(path: &Path, limits: &Limits) -> Result<Vec<RawTable>> {
    use calamine::Reader;
    let fail = |e: SheetFail<IoError>| match e {
        SheetFail::Limit(e) => IoError::Limit(e),
        SheetFail::Format(reason) => IoError::Format {
            file: path.to_path_buf(),
            format: "XLSX",
            reason,
        },
        SheetFail::Row(e) => e,
    };
    let mut wb = ansinh_tabular::limits::open_xlsx(path, limits).map_err(fail)?;
    let mut out = Vec::new();
    let mut rows_before = 0u64;
    for sheet in wb.sheet_names().to_vec() {
        let source = format!("{} [{sheet}]", name(path));
        let mut table: Option<(RawTable, Option<usize>)> = None;
        let mut buf: Vec<String> = Vec::new();
        let on_row = |r: u32, cells: &[calamine::Data]| -> Result<()> {
            let Some((t, id_col)) = table.as_mut() else {
                let place = Place {
                    file: path,
                    sheet: Some(&sheet),
                };
                limits.check_columns(place, cells.len())?;
                let headers = cells.iter().map(|c| c.to_string()).collect();
                let t = RawTable::new(path, source.clone(), headers);
                let id = id_column(&t.headers);
                table = Some((t, id));
                return Ok(());
            };
            buf.clear();
            buf.extend(
                cells
                    .iter()
                    .enumerate()
                    .map(|(j, c)| cell_text(c, Some(j) == *id_col)),
            );
            t.push_row(u64::from(r) + 1, buf.iter().map(String::as_str));
            Ok(())
        };
        rows_before += ansinh_tabular::limits::stream_sheet(
            &mut wb,
            path,
            &sheet,
            limits,
            rows_before,
            on_row,
        )
        .map_err(fail)?;
        if let Some((t, _)) = table {
            out.push(t);
        }
    }
    Ok(out)
}

/// An `.xls` or `.ods` workbook (accepted only from this machine, [`Limits::check_type`]): calamine
/// reads these whole, so only the zip directory (`.ods`) and the size of each sheet read are checked.
fn read_legacy_workbook(path: &Path, limits: &Limits) -> Result<Vec<RawTable>> {
    use calamine::{Data, Reader, open_workbook_auto};
    let bad = |e: &dyn std::fmt::Display| IoError::Format {
        file: path.to_path_buf(),
        format: "XLSX",
        reason: e.to_string(),
    };
    let ods = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("ods"));
    if ods {
        limits.check_zip(path)?;
    }
    let mut wb = open_workbook_auto(path).map_err(|e| bad(&e))?;
    let mut out = Vec::new();
    for sheet in wb.sheet_names().to_vec() {
        let range = wb.worksheet_range(&sheet).map_err(|e| bad(&e))?;
        let place = Place {
            file: path,
            sheet: Some(&sheet),
        };
        let (h, w) = range.get_size();
        limits.check_span(place, h as u64, w as u64)?;
        limits.check_columns(place, w)?;
        let (row0, _) = range.start().unwrap_or((0, 0));
        let mut rows = range.rows();
        let Some(head) = rows.next() else { continue };
        let headers: Vec<String> = head.iter().map(|c| c.to_string()).collect();
        let mut t = RawTable::new(path, format!("{} [{sheet}]", name(path)), headers);
        let id_col = id_column(&t.headers);
        let mut buf: Vec<String> = Vec::new();
        for (i, r) in rows.enumerate() {
            if r.iter().all(|c| matches!(c, Data::Empty)) {
                continue;
            }
            buf.clear();
            buf.extend(
                r.iter()
                    .enumerate()
                    .map(|(j, c)| cell_text(c, Some(j) == id_col)),
            );
            t.push_row(row0 as u64 + i as u64 + 2, buf.iter().map(String::as_str));
        }
        out.push(t);
    }
    Ok(out)
}

/// The text of one Arrow value.
fn arrow_text(a: &ArrayRef, i: usize) -> Result<String, String> {
    if a.is_null(i) {
        return Ok(String::new());
    }
    macro_rules! prim {
        ($t:ty) => {
            a.as_primitive::<$t>().value(i).to_string()
        };
    }
    Ok(match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().value(i).to_string(),
        DataType::LargeUtf8 => a.as_string::<i64>().value(i).to_string(),
        DataType::Utf8View => a.as_string_view().value(i).to_string(),
        DataType::Boolean => a.as_boolean().value(i).to_string(),
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Float32 => number_text(f64::from(a.as_primitive::<Float32Type>().value(i))),
        DataType::Float64 => number_text(a.as_primitive::<Float64Type>().value(i)),
        DataType::Date32 => {
            let days = a.as_primitive::<Date32Type>().value(i);
            NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|e| e.checked_add_signed(chrono::Duration::days(i64::from(days))))
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        }
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            let k = d.normalized_keys()[i];
            return arrow_text(d.values(), k);
        }
        other => return Err(format!("unsupported column type {other}")),
    })
}

fn read_parquet(path: &Path, limits: &Limits) -> Result<RawTable> {
    let bad = |e: &dyn std::fmt::Display| IoError::Format {
        file: path.to_path_buf(),
        format: "Parquet",
        reason: e.to_string(),
    };
    let f = File::open(path).map_err(|e| IoError::file(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| bad(&e))?;
    limits.check_parquet(path, builder.metadata())?;
    let headers: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let reader = builder
        .with_batch_size(64 * 1024)
        .build()
        .map_err(|e| bad(&e))?;
    let mut t = RawTable::new(path, name(path), headers);
    let mut row = 0u64;
    let mut buf: Vec<String> = Vec::new();
    for b in reader {
        let b = b.map_err(|e| bad(&e))?;
        let cols = b.columns();
        for i in 0..b.num_rows() {
            row += 1;
            buf.clear();
            for c in cols {
                buf.push(arrow_text(c, i).map_err(|e| bad(&e))?);
            }
            t.push_row(row, buf.iter().map(String::as_str));
        }
    }
    Ok(t)
}

/// A path beside `path` for writing before an atomic rename.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".partial");
    PathBuf::from(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_and_bom_encodings_decode() {
        let p = Path::new("x.csv");
        let (cp1258, _, _) = encoding_rs::WINDOWS_1258.encode("Nguyê\u{303}n Văn Đư\u{301}c");
        let text = decode(p, &cp1258, None).unwrap();
        assert_eq!(
            ansinh_domain::text::NfcText::new(&text).as_str(),
            "Nguyễn Văn Đức"
        );
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "Mã hộ".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(p, &utf16, None).unwrap(), "Mã hộ");
        assert_eq!(decode(p, "Hà".as_bytes(), None).unwrap(), "Hà");
        assert!(decode(p, b"x", Some("klingon")).is_err());
    }

    #[test]
    fn cells_are_found_row_by_row() {
        let t = table_from_rows("t", &["a", "b", "c"], &[vec!["1", " 2 ", ""], vec!["x"]]);
        assert_eq!(t.len(), 2);
        assert_eq!(t.row(0), ["1", "2", ""]);
        assert_eq!(t.row(1), ["x", "", ""]);
        assert_eq!(t.row_number(1), 3);
        assert_eq!(serial_date(45292.0), NaiveDate::from_ymd_opt(2024, 1, 1));
    }
}

//! The rejected-rows workbook: for every table with rejected rows, a sheet with the original columns
//! (as text, exactly as read) and the problems after them, so the officer can fix the rows and import
//! the workbook again. The extra columns are not table columns, so a re-import ignores them.

use std::collections::BTreeMap;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};

use crate::error::{IoError, Result};
use crate::import::ImportReport;
use crate::raw::partial_path;

/// Headers of the columns added after the original ones.
pub const ERROR_HEADERS: [&str; 4] = [
    "Lỗi / Error: dòng gốc / source row",
    "Lỗi / Error: cột / column",
    "Lỗi (tiếng Việt)",
    "Error (English)",
];

/// Writes the rejected rows; returns how many. Writes nothing (and returns 0) when no row was rejected.
pub fn write_rejected(report: &ImportReport, path: &Path) -> Result<usize> {
    let mut by_row: BTreeMap<(usize, usize), Vec<&crate::import::RowError>> = BTreeMap::new();
    for e in &report.errors {
        by_row.entry((e.table, e.index)).or_default().push(e);
    }
    if by_row.is_empty() {
        return Ok(0);
    }
    let xl = |e: rust_xlsxwriter::XlsxError| IoError::file(path, e);
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let red = Format::new()
        .set_bold()
        .set_font_color(rust_xlsxwriter::Color::Red);
    let mut sheets: BTreeMap<usize, u32> = BTreeMap::new();
    let mut used_names: Vec<String> = Vec::new();
    for (&(ti, r), errs) in &by_row {
        let t = &report.tables[ti];
        let row_no = match sheets.get_mut(&ti) {
            Some(n) => {
                *n += 1;
                *n
            }
            None => {
                let base = t.table.map_or("Bảng", |k| k.sheet()).to_string();
                let mut name = base.clone();
                let mut k = 2;
                while used_names.contains(&name) {
                    name = format!("{base} ({k})");
                    k += 1;
                }
                used_names.push(name.clone());
                let ws = wb.add_worksheet();
                ws.set_name(&name).map_err(xl)?;
                for (c, h) in t.headers.iter().enumerate() {
                    ws.write_string_with_format(0, c as u16, h, &bold)
                        .map_err(xl)?;
                }
                for (k, h) in ERROR_HEADERS.iter().enumerate() {
                    ws.write_string_with_format(0, (t.headers.len() + k) as u16, *h, &red)
                        .map_err(xl)?;
                }
                ws.set_freeze_panes(1, 0).map_err(xl)?;
                sheets.insert(ti, 1);
                1
            }
        };
        let name = &used_names[sheets.keys().position(|&k| k == ti).unwrap_or(0)];
        let ws = wb.worksheet_from_name(name).map_err(xl)?;
        for (c, v) in t.row(r).into_iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(row_no, c as u16, v).map_err(xl)?;
            }
        }
        let n = t.headers.len() as u16;
        let cols: Vec<&str> = errs
            .iter()
            .map(|e| e.column.as_str())
            .filter(|c| !c.is_empty())
            .collect();
        let vi: Vec<&str> = errs.iter().map(|e| e.vi.as_str()).collect();
        let en: Vec<String> = errs
            .iter()
            .map(|e| format!("[{}] {}", e.code, e.en))
            .collect();
        ws.write_number(row_no, n, t.row_number(r) as f64)
            .map_err(xl)?;
        ws.write_string(row_no, n + 1, cols.join("; "))
            .map_err(xl)?;
        ws.write_string(row_no, n + 2, vi.join("; ")).map_err(xl)?;
        ws.write_string(row_no, n + 3, en.join("; ")).map_err(xl)?;
    }
    let tmp = partial_path(path);
    wb.save(&tmp).map_err(xl)?;
    std::fs::rename(&tmp, path).map_err(|e| IoError::file(path, e))?;
    Ok(by_row.len())
}

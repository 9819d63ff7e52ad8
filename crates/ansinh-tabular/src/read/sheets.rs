//! The text and workbook readers of classification: CSV (UTF-8 or windows-1258, `;` or `,`) and XLSX
//! (streamed cell by cell under the reader's limits).

use super::*;

/// Decodes a text file: UTF-8 (with or without BOM), else the legacy Vietnamese code page windows-1258.
fn decode_text(bytes: Vec<u8>) -> String {
    let bytes = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes[3..].to_vec()
    } else {
        bytes
    };
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let (text, _, _) = encoding_rs::WINDOWS_1258.decode(e.as_bytes());
            text.into_owned()
        }
    }
}

/// The column whose header is the field's name, or its Vietnamese label (case and diacritics ignored),
/// as in the import template.
fn header_index(headers: &[String], name: &str) -> Option<usize> {
    if let Some(i) = headers
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case(name))
    {
        return Some(i);
    }
    let label = match name {
        "household_id" => "mã hộ",
        "province_code" => "mã tỉnh",
        "commune_code" => "mã xã",
        "name" => "họ và tên",
        _ => schema::field(name)?.def().vi,
    };
    let key = ansinh_domain::text::search_key(label);
    headers
        .iter()
        .position(|h| ansinh_domain::text::search_key(h) == key)
}

pub(super) fn read_csv(path: &Path, specs: &[Spec]) -> Result<(Cols, usize), TabularError> {
    let limits = limits();
    let place = crate::limits::Place {
        file: path,
        sheet: None,
    };
    limits.check_file_size(path)?;
    let bytes = std::fs::read(path).map_err(|e| TabularError::Io {
        file: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let text = decode_text(bytes);
    let first = text.lines().next().unwrap_or("");
    let delim = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(false)
        .from_reader(text.as_bytes());
    let csv_err = |e: csv::Error| {
        let row = e.position().map(|p| p.line()).unwrap_or(0);
        TabularError::Cell {
            file: path.to_path_buf(),
            row,
            column: "*".into(),
            reason: e.to_string(),
        }
    };
    let headers: Vec<String> = rdr
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(|s| s.to_string())
        .collect();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(TabularError::Empty {
            file: path.to_path_buf(),
        });
    }
    limits.check_columns(place, headers.len())?;
    let idx: Vec<Option<usize>> = specs
        .iter()
        .map(|s| header_index(&headers, s.name))
        .collect();
    let mut cols: Cols = specs
        .iter()
        .zip(&idx)
        .map(|(s, i)| i.map(|_| ColBuilder::new(s.kind)))
        .collect();
    let mut rows = 0usize;
    let mut rec = csv::StringRecord::new();
    while rdr.read_record(&mut rec).map_err(csv_err)? {
        for ((s, i), c) in specs.iter().zip(&idx).zip(cols.iter_mut()) {
            let (Some(i), Some(c)) = (i, c) else { continue };
            c.push_text(rec.get(*i).unwrap_or(""))
                .map_err(|reason| TabularError::Cell {
                    file: path.to_path_buf(),
                    row: rows as u64 + 2,
                    column: s.name.into(),
                    reason,
                })?;
        }
        rows += 1;
        limits.check_rows(place, rows as u64)?;
    }
    Ok((cols, rows))
}

/// The limits of classification's readers: the catalogue's fields, ids and unit codes, and the name.
pub(crate) fn limits() -> crate::limits::Limits {
    crate::limits::Limits::for_columns(schema::FIELDS.len() + 4)
}

pub(super) fn read_xlsx(path: &Path, specs: &[Spec]) -> Result<(Cols, usize), TabularError> {
    use crate::limits::{SheetFail, open_xlsx, stream_sheet};
    use calamine::{Data, Reader};
    let limits = limits();
    let fail = |e: SheetFail<TabularError>| match e {
        SheetFail::Limit(e) => TabularError::Limit(e),
        SheetFail::Format(reason) => TabularError::Format {
            file: path.to_path_buf(),
            format: "XLSX",
            reason,
        },
        SheetFail::Row(e) => e,
    };
    let mut wb = open_xlsx(path, &limits).map_err(fail)?;
    let Some(sheet) = wb.sheet_names().first().cloned() else {
        return Err(TabularError::Empty {
            file: path.to_path_buf(),
        });
    };
    let mut idx: Vec<Option<usize>> = Vec::new();
    let mut cols: Option<Cols> = None;
    let mut rows = 0usize;
    let on_row = |_: u32, r: &[Data]| -> Result<(), TabularError> {
        let Some(cols) = cols.as_mut() else {
            // The first non-empty row holds the headers.
            limits.check_columns(
                crate::limits::Place {
                    file: path,
                    sheet: Some(&sheet),
                },
                r.len(),
            )?;
            let headers: Vec<String> = r.iter().map(|c| c.to_string()).collect();
            idx = specs
                .iter()
                .map(|s| header_index(&headers, s.name))
                .collect();
            cols = Some(
                specs
                    .iter()
                    .zip(&idx)
                    .map(|(s, i)| i.map(|_| ColBuilder::new(s.kind)))
                    .collect(),
            );
            return Ok(());
        };
        for ((s, i), c) in specs.iter().zip(&idx).zip(cols.iter_mut()) {
            let (Some(i), Some(c)) = (i, c) else { continue };
            let cell = r.get(*i).unwrap_or(&Data::Empty);
            let res = match cell {
                Data::Empty => c.push_text(""),
                Data::Int(v) => c.push_number(*v as f64),
                Data::Float(v) => c.push_number(*v),
                Data::Bool(b) => c.push_bool(*b),
                Data::String(s) => c.push_text(s),
                other => c.push_text(&other.to_string()),
            };
            res.map_err(|reason| TabularError::Cell {
                file: path.to_path_buf(),
                row: rows as u64 + 2,
                column: s.name.into(),
                reason,
            })?;
        }
        rows += 1;
        Ok(())
    };
    stream_sheet(&mut wb, path, &sheet, &limits, 0, on_row).map_err(fail)?;
    let Some(cols) = cols else {
        return Err(TabularError::Empty {
            file: path.to_path_buf(),
        });
    };
    Ok((cols, rows))
}

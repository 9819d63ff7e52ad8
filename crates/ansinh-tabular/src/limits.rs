//! Bounds on the work a file can ask of the readers, checked before the cells are parsed.
//!
//! A workbook is a zip of XML: a few kilobytes can declare a sheet of 1,048,576 × 16,384 cells or unzip
//! to gigabytes. Both readers (the import's `ansinh_registry_io::raw` and classification's
//! [`crate::read`]) check, in this order and before reading any cell:
//!
//! - the file type, when the file comes from an untrusted upload ([`Origin::Upload`]: `.xlsx` and
//!   `.csv` only; `FILE_UPLOAD_TYPE`);
//! - a workbook's zip central directory: the declared uncompressed size of all entries together
//!   (`FILE_UNCOMPRESSED_SIZE`) and the compression ratio of every entry over 1 MiB (`FILE_ZIP_RATIO`);
//!   the zip reader then refuses to inflate an entry past its declared size;
//! - a sheet's declared dimension (`FILE_SHEET_TOO_LARGE`), then, while the cells stream in one by
//!   one (never as a dense range), the range they really span and the rows (`FILE_TOO_MANY_ROWS`);
//! - a Parquet footer's row and column counts, before any page is decoded;
//! - the columns of the header row (`FILE_TOO_MANY_COLUMNS`).

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use calamine::{Data, DataType, Xlsx};

/// Rows of an XLSX sheet (the format's own bound).
pub const XLSX_MAX_ROWS: u64 = 1_048_576;
/// Columns of an XLSX sheet (`XFD`).
pub const XLSX_MAX_COLUMNS: u64 = 16_384;
/// Default bound on the data rows of one file ([`Limits::max_rows`]); `ANSINH_MAX_ROWS` changes it.
pub const DEFAULT_MAX_ROWS: u64 = 2_000_000;
/// Columns allowed beyond the ones a reader knows (notes, helper columns).
pub const SPARE_COLUMNS: u64 = 64;
/// Default bound on the uncompressed size of a workbook's entries together: 4 GiB.
pub const DEFAULT_MAX_UNCOMPRESSED: u64 = 4 << 30;
/// Default bound on an entry's uncompressed : compressed ratio (ordinary sheets stay under 30).
pub const DEFAULT_MAX_RATIO: u64 = 100;
/// Entries smaller than this are not ratio-checked.
const RATIO_FLOOR: u64 = 1 << 20;

/// Where a file comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Origin {
    /// A file the operator named on this machine: every supported format.
    #[default]
    Local,
    /// A file uploaded by a user of the web application: `.xlsx` and `.csv` only.
    Upload,
}

/// `ANSINH_MAX_ROWS`, when set to a positive number.
fn env_max_rows() -> Option<u64> {
    std::env::var("ANSINH_MAX_ROWS")
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse::<u64>().ok())
        .filter(|&n| n > 0)
}

/// What a file may ask of a reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Data rows of one file, every sheet together (uploads 2,000,000; `ANSINH_MAX_ROWS` when set).
    pub max_rows: u64,
    /// Columns of one table: the columns the reader knows plus [`SPARE_COLUMNS`].
    pub max_columns: u64,
    /// Uncompressed bytes of a workbook's zip entries together.
    pub max_uncompressed: u64,
    /// Uncompressed : compressed ratio of any zip entry over 1 MiB.
    pub max_ratio: u64,
    pub origin: Origin,
}

impl Limits {
    /// The default limits of a reader that knows `known_columns` columns.
    ///
    /// Rows: `ANSINH_MAX_ROWS` when set; otherwise a file the operator named on this machine has no row
    /// cap (the nation's batch files and province imports are tens of millions of rows, read in bounded
    /// memory or row by row), and an upload ([`Limits::with_origin`]) is capped at [`DEFAULT_MAX_ROWS`].
    /// A workbook's declared range, its zip and its columns are bounded either way.
    pub fn for_columns(known_columns: usize) -> Limits {
        let max_rows = env_max_rows().unwrap_or(u64::MAX);
        Limits {
            max_rows,
            max_columns: known_columns as u64 + SPARE_COLUMNS,
            max_uncompressed: DEFAULT_MAX_UNCOMPRESSED,
            max_ratio: DEFAULT_MAX_RATIO,
            origin: Origin::Local,
        }
    }

    pub fn with_origin(mut self, origin: Origin) -> Limits {
        self.origin = origin;
        if origin == Origin::Upload {
            self.max_rows = self
                .max_rows
                .min(env_max_rows().unwrap_or(DEFAULT_MAX_ROWS));
        }
        self
    }

    /// Cells one sheet may span: `max_rows × max_columns`, with rows never above a sheet's own limit
    /// (so a reader without a row cap still bounds a workbook's declared range).
    pub fn max_cells(&self) -> u64 {
        self.max_rows
            .min(XLSX_MAX_ROWS)
            .saturating_mul(self.max_columns)
    }

    /// Refuses a file type an upload may not have.
    pub fn check_type(&self, path: &Path) -> Result<(), LimitError> {
        if self.origin == Origin::Upload {
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            if !matches!(ext.as_deref(), Some("xlsx" | "csv")) {
                return Err(LimitError::UploadType {
                    file: path.to_path_buf(),
                });
            }
        }
        Ok(())
    }

    /// Checks a zip file's central directory (no entry is inflated).
    pub fn check_zip(&self, path: &Path) -> Result<(), LimitError> {
        let f = File::open(path).map_err(|e| LimitError::unreadable(path, e))?;
        let mut zip =
            zip::ZipArchive::new(BufReader::new(f)).map_err(|e| LimitError::unreadable(path, e))?;
        let mut total = 0u64;
        for i in 0..zip.len() {
            let e = zip
                .by_index_raw(i)
                .map_err(|e| LimitError::unreadable(path, e))?;
            let (size, packed) = (e.size(), e.compressed_size());
            total = total.saturating_add(size);
            if total > self.max_uncompressed {
                return Err(LimitError::Uncompressed {
                    file: path.to_path_buf(),
                    size: total,
                    limit: self.max_uncompressed,
                });
            }
            if size >= RATIO_FLOOR && size / packed.max(1) > self.max_ratio {
                return Err(LimitError::Ratio {
                    file: path.to_path_buf(),
                    entry: e.name().map(|n| n.into_owned()).unwrap_or_default(),
                    ratio: size / packed.max(1),
                    limit: self.max_ratio,
                });
            }
        }
        Ok(())
    }

    /// Checks the size of a text file (read whole), against the uncompressed bound.
    pub fn check_file_size(&self, path: &Path) -> Result<(), LimitError> {
        let size = std::fs::metadata(path)
            .map_err(|e| LimitError::unreadable(path, e))?
            .len();
        if size > self.max_uncompressed {
            return Err(LimitError::FileTooLarge {
                file: path.to_path_buf(),
                size,
                limit: self.max_uncompressed,
            });
        }
        Ok(())
    }

    /// Checks the header row's width.
    pub fn check_columns(&self, place: Place<'_>, columns: usize) -> Result<(), LimitError> {
        if columns as u64 > self.max_columns {
            return Err(LimitError::TooManyColumns {
                file: place.file.to_path_buf(),
                sheet: place.sheet.map(str::to_string),
                columns: columns as u64,
                limit: self.max_columns,
            });
        }
        Ok(())
    }

    /// Checks a table's row count (data rows so far).
    pub fn check_rows(&self, place: Place<'_>, rows: u64) -> Result<(), LimitError> {
        if rows > self.max_rows {
            return Err(LimitError::TooManyRows {
                file: place.file.to_path_buf(),
                sheet: place.sheet.map(str::to_string),
                limit: self.max_rows,
            });
        }
        Ok(())
    }

    /// Checks a range of `rows × columns` cells (declared or spanned).
    pub fn check_span(&self, place: Place<'_>, rows: u64, columns: u64) -> Result<(), LimitError> {
        let cells = rows.saturating_mul(columns);
        if cells > self.max_cells() || rows > XLSX_MAX_ROWS || columns > XLSX_MAX_COLUMNS {
            return Err(LimitError::SheetTooLarge {
                file: place.file.to_path_buf(),
                sheet: place.sheet.map(str::to_string),
                rows,
                columns,
                limit: self.max_cells(),
            });
        }
        Ok(())
    }

    /// Checks a Parquet footer: rows and columns, before any page is decoded.
    pub fn check_parquet(
        &self,
        file: &Path,
        md: &parquet::file::metadata::ParquetMetaData,
    ) -> Result<(), LimitError> {
        let place = Place { file, sheet: None };
        let declared = md.file_metadata().num_rows().max(0) as u64;
        let groups: u64 = md
            .row_groups()
            .iter()
            .map(|g| g.num_rows().max(0) as u64)
            .fold(0, u64::saturating_add);
        self.check_columns(place, md.file_metadata().schema_descr().num_columns())?;
        self.check_rows(place, declared.max(groups))
    }
}

/// A file, and the sheet of a workbook.
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    pub file: &'a Path,
    pub sheet: Option<&'a str>,
}

/// Why a reader refused a file before reading it. `code()` is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error(
        "{}: only .xlsx and .csv files are accepted for upload (.xls, .ods and Parquet files are imported with the `ansinh import` command)",
        .file.display()
    )]
    UploadType { file: PathBuf },
    #[error(
        "{}: the workbook unzips to more than {} MB ({} MB declared); nothing was read",
        .file.display(), .limit >> 20, .size >> 20
    )]
    Uncompressed {
        file: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error(
        "{}: the file has {} MB, more than the {} MB allowed; nothing was read",
        .file.display(), .size >> 20, .limit >> 20
    )]
    FileTooLarge {
        file: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error(
        "{}: entry `{entry}` is compressed {ratio} to 1 (at most {limit} to 1 is accepted): a zip bomb; nothing was read",
        .file.display()
    )]
    Ratio {
        file: PathBuf,
        entry: String,
        ratio: u64,
        limit: u64,
    },
    #[error(
        "{}: the sheet spans {rows} rows × {columns} columns, more than the {limit} cells allowed; nothing was read",
        place(.file, .sheet)
    )]
    SheetTooLarge {
        file: PathBuf,
        sheet: Option<String>,
        rows: u64,
        columns: u64,
        limit: u64,
    },
    #[error("{}: more than {limit} data rows; split the file", place(.file, .sheet))]
    TooManyRows {
        file: PathBuf,
        sheet: Option<String>,
        limit: u64,
    },
    #[error(
        "{}: {columns} columns, more than the {limit} allowed",
        place(.file, .sheet)
    )]
    TooManyColumns {
        file: PathBuf,
        sheet: Option<String>,
        columns: u64,
        limit: u64,
    },
    #[error("{}: cannot read the file: {reason}", .file.display())]
    Unreadable { file: PathBuf, reason: String },
}

fn place(file: &Path, sheet: &Option<String>) -> String {
    match sheet {
        Some(s) => format!("{} [{s}]", file.display()),
        None => file.display().to_string(),
    }
}

impl LimitError {
    fn unreadable(file: &Path, e: impl std::fmt::Display) -> LimitError {
        LimitError::Unreadable {
            file: file.to_path_buf(),
            reason: e.to_string(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            LimitError::UploadType { .. } => "FILE_UPLOAD_TYPE",
            LimitError::Uncompressed { .. } => "FILE_UNCOMPRESSED_SIZE",
            LimitError::FileTooLarge { .. } => "FILE_TOO_LARGE",
            LimitError::Ratio { .. } => "FILE_ZIP_RATIO",
            LimitError::SheetTooLarge { .. } => "FILE_SHEET_TOO_LARGE",
            LimitError::TooManyRows { .. } => "FILE_TOO_MANY_ROWS",
            LimitError::TooManyColumns { .. } => "FILE_TOO_MANY_COLUMNS",
            LimitError::Unreadable { .. } => "FILE_UNREADABLE",
        }
    }

    pub fn message_en(&self) -> String {
        self.to_string()
    }

    pub fn message_vi(&self) -> String {
        match self {
            LimitError::UploadType { file } => format!(
                "{}: chỉ nhận tệp .xlsx và .csv tải lên (tệp .xls, .ods và Parquet nhập bằng lệnh `ansinh import`)",
                file.display()
            ),
            LimitError::Uncompressed { file, size, limit } => format!(
                "{}: sổ tính giải nén ra hơn {} MB (khai báo {} MB); chưa đọc gì",
                file.display(),
                limit >> 20,
                size >> 20
            ),
            LimitError::FileTooLarge { file, size, limit } => format!(
                "{}: tệp có {} MB, quá {} MB cho phép; chưa đọc gì",
                file.display(),
                size >> 20,
                limit >> 20
            ),
            LimitError::Ratio {
                file,
                entry,
                ratio,
                limit,
            } => format!(
                "{}: phần `{entry}` nén {ratio} lần (chỉ nhận tối đa {limit} lần): tệp nén độc hại; chưa đọc gì",
                file.display()
            ),
            LimitError::SheetTooLarge {
                file,
                sheet,
                rows,
                columns,
                limit,
            } => format!(
                "{}: trang tính trải trên {rows} dòng × {columns} cột, quá {limit} ô cho phép; chưa đọc gì",
                place(file, sheet)
            ),
            LimitError::TooManyRows { file, sheet, limit } => format!(
                "{}: hơn {limit} dòng dữ liệu; hãy chia nhỏ tệp",
                place(file, sheet)
            ),
            LimitError::TooManyColumns {
                file,
                sheet,
                columns,
                limit,
            } => format!(
                "{}: {columns} cột, quá {limit} cột cho phép",
                place(file, sheet)
            ),
            LimitError::Unreadable { file, reason } => {
                format!("{}: không đọc được tệp: {reason}", file.display())
            }
        }
    }
}

/// Why reading a sheet stopped.
#[derive(Debug)]
pub enum SheetFail<E> {
    Limit(LimitError),
    /// The workbook is not readable (calamine's reason).
    Format(String),
    /// The row handler refused a row.
    Row(E),
}

impl<E> From<LimitError> for SheetFail<E> {
    fn from(e: LimitError) -> Self {
        SheetFail::Limit(e)
    }
}

/// Opens an XLSX workbook after checking its zip directory.
pub fn open_xlsx<E>(path: &Path, limits: &Limits) -> Result<Xlsx<BufReader<File>>, SheetFail<E>> {
    limits.check_zip(path)?;
    calamine::open_workbook(path).map_err(|e: calamine::XlsxError| SheetFail::Format(e.to_string()))
}

/// Streams the non-empty rows of one sheet, in order, as `(0-based sheet row, cells from column A)`,
/// without ever building the sheet's dense range. The declared dimension is checked before any cell
/// is read; every cell's position is checked as it arrives. `rows_before` counts the rows of earlier
/// sheets of the file toward [`Limits::max_rows`]; the rows of this sheet are returned.
pub fn stream_sheet<R: Read + Seek, E>(
    wb: &mut Xlsx<R>,
    file: &Path,
    sheet: &str,
    limits: &Limits,
    rows_before: u64,
    mut on_row: impl FnMut(u32, &[Data]) -> Result<(), E>,
) -> Result<u64, SheetFail<E>> {
    let place = Place {
        file,
        sheet: Some(sheet),
    };
    let fmt = |e: calamine::XlsxError| SheetFail::Format(e.to_string());
    let mut cells = wb.worksheet_cells_reader(sheet).map_err(fmt)?;
    let d = cells.dimensions();
    if d.end >= d.start {
        let rows = u64::from(d.end.0) - u64::from(d.start.0) + 1;
        let columns = u64::from(d.end.1.saturating_sub(d.start.1)) + 1;
        limits.check_span(place, rows, columns)?;
    }
    let mut row: Vec<Data> = Vec::new();
    let mut current: Option<u32> = None;
    let (mut first_row, mut last_col, mut rows) = (None::<u32>, 0u32, 0u64);
    while let Some(cell) = cells.next_cell().map_err(fmt)? {
        if cell.get_value().is_empty() {
            continue;
        }
        let (r, c) = cell.get_position();
        let first = *first_row.get_or_insert(r);
        last_col = last_col.max(c);
        limits.check_span(
            place,
            u64::from(r.saturating_sub(first)) + 1,
            u64::from(last_col) + 1,
        )?;
        match current {
            Some(cr) if cr == r => {}
            Some(cr) if r < cr => {
                return Err(SheetFail::Format(format!(
                    "row {} comes after row {} in the sheet's XML",
                    r + 1,
                    cr + 1
                )));
            }
            _ => {
                if let Some(cr) = current {
                    on_row(cr, &row).map_err(SheetFail::Row)?;
                    rows += 1;
                    // The header row is not a data row.
                    limits.check_rows(place, (rows + rows_before).saturating_sub(1))?;
                }
                row.clear();
                current = Some(r);
            }
        }
        let c = c as usize;
        if c >= row.len() {
            row.resize(c + 1, Data::Empty);
        }
        row[c] = cell.get_value().clone().into();
    }
    if let Some(cr) = current {
        on_row(cr, &row).map_err(SheetFail::Row)?;
        rows += 1;
        limits.check_rows(place, (rows + rows_before).saturating_sub(1))?;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A national batch file (99M member rows) is not refused for its length; an upload is; a
    /// workbook's declared range stays bounded by the sheet's own row limit either way.
    #[test]
    fn local_files_have_no_row_cap_uploads_do_and_sheets_stay_bounded() {
        if std::env::var_os("ANSINH_MAX_ROWS").is_some() {
            return; // the operator's own cap applies to both
        }
        let place = Place {
            file: Path::new("members.parquet"),
            sheet: None,
        };
        let local = Limits::for_columns(40);
        assert!(local.check_rows(place, 99_111_309).is_ok());
        let upload = Limits::for_columns(40).with_origin(Origin::Upload);
        assert_eq!(upload.max_rows, DEFAULT_MAX_ROWS);
        assert!(upload.check_rows(place, DEFAULT_MAX_ROWS).is_ok());
        assert!(upload.check_rows(place, DEFAULT_MAX_ROWS + 1).is_err());
        // A1:XFD1048576 is refused by the uncapped reader too.
        assert!(
            local
                .check_span(place, XLSX_MAX_ROWS, XLSX_MAX_COLUMNS)
                .is_err()
        );
        assert!(local.check_span(place, XLSX_MAX_ROWS, 40).is_ok());
    }
}

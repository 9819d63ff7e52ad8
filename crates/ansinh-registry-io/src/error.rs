//! Errors of getting data in and out: typed, with a stable `code()` and messages in Vietnamese and
//! English. Row-level problems of an import are not errors but [`crate::import::RowError`]s in the report.

use std::path::PathBuf;

use ansinh_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("{file}: cannot read or write the file: {reason}")]
    File { file: PathBuf, reason: String },
    #[error("{file}: not a readable {format} file: {reason}")]
    Format {
        file: PathBuf,
        format: &'static str,
        reason: String,
    },
    #[error("{file}: unsupported file type (use .xlsx, .csv or .parquet)")]
    FileType { file: PathBuf },
    #[error("{file}: unknown text encoding `{label}`")]
    Encoding { file: PathBuf, label: String },
    #[error("{source_name}: required column `{column}` ({vi}) is missing")]
    MissingColumn {
        source_name: String,
        column: &'static str,
        vi: &'static str,
    },
    #[error(
        "no household table found in the files (a sheet or file whose headers include `head_name` / `Họ và tên chủ hộ`)"
    )]
    NoHouseholds,
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error(
        "{file}: the checksum does not match the backup (damaged or altered); nothing was restored"
    )]
    Checksum { file: PathBuf },
    #[error(
        "{what} is only available for the embedded (SQLite) database; for PostgreSQL see docs/backup.md"
    )]
    SqliteOnly { what: &'static str },
    #[error("unknown standard `{0}`")]
    Standard(String),
    #[error("no administrative unit with code `{0}`")]
    UnknownUnit(String),
    /// The file asks more than the readers allow (`ansinh_tabular::limits`); refused before reading cells.
    #[error("{0}")]
    Limit(#[from] ansinh_tabular::LimitError),
}

impl IoError {
    pub fn file(file: &std::path::Path, e: impl std::fmt::Display) -> IoError {
        IoError::File {
            file: file.to_path_buf(),
            reason: e.to_string(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            IoError::File { .. } => "IO_FILE",
            IoError::Format { .. } => "IO_FORMAT",
            IoError::FileType { .. } => "IO_FILE_TYPE",
            IoError::Encoding { .. } => "IO_ENCODING",
            IoError::MissingColumn { .. } => "IMP_MISSING_COLUMN",
            IoError::NoHouseholds => "IMP_NO_HOUSEHOLDS",
            IoError::Store(e) => e.code(),
            IoError::Checksum { .. } => "BACKUP_CHECKSUM",
            IoError::SqliteOnly { .. } => "BACKUP_SQLITE_ONLY",
            IoError::Standard(_) => "STD_UNKNOWN",
            IoError::UnknownUnit(_) => "UNIT_UNKNOWN",
            IoError::Limit(e) => e.code(),
        }
    }

    pub fn message_en(&self) -> String {
        self.to_string()
    }

    pub fn message_vi(&self) -> String {
        match self {
            IoError::File { file, reason } => {
                format!("{}: không đọc/ghi được tệp: {reason}", file.display())
            }
            IoError::Format {
                file,
                format,
                reason,
            } => format!("{}: không phải tệp {format} đọc được: {reason}", file.display()),
            IoError::FileType { file } => format!(
                "{}: loại tệp không hỗ trợ (dùng .xlsx, .csv hoặc .parquet)",
                file.display()
            ),
            IoError::Encoding { file, label } => {
                format!("{}: không biết bảng mã `{label}`", file.display())
            }
            IoError::MissingColumn {
                source_name, vi, ..
            } => format!("{source_name}: thiếu cột bắt buộc «{vi}»"),
            IoError::NoHouseholds => "không tìm thấy bảng hộ gia đình trong các tệp (trang hoặc tệp có cột «Họ và tên chủ hộ»)".into(),
            IoError::Store(e) => e.message_vi(),
            IoError::Checksum { file } => format!(
                "{}: mã kiểm tra không khớp với bản sao lưu (hỏng hoặc bị sửa); chưa khôi phục gì",
                file.display()
            ),
            IoError::SqliteOnly { .. } => "chức năng này chỉ dùng cho cơ sở dữ liệu nhúng (SQLite); với PostgreSQL xem docs/backup.md".into(),
            IoError::Standard(id) => format!("không có chuẩn `{id}`"),
            IoError::UnknownUnit(c) => format!("không có đơn vị hành chính mã `{c}`"),
            IoError::Limit(e) => e.message_vi(),
        }
    }
}

pub type Result<T, E = IoError> = std::result::Result<T, E>;

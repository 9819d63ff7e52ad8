use std::path::PathBuf;

/// An input or output problem. `code()` is stable; `message_vi()` is what a Vietnamese officer reads.
#[derive(Debug, thiserror::Error)]
pub enum TabularError {
    #[error("{file}: cannot read the file: {reason}")]
    Io { file: PathBuf, reason: String },
    #[error("{file}: not a readable {format} file: {reason}")]
    Format {
        file: PathBuf,
        format: &'static str,
        reason: String,
    },
    #[error("{file}: the file has no data rows")]
    Empty { file: PathBuf },
    #[error("{file}: required column `{column}` is missing")]
    MissingColumn { file: PathBuf, column: String },
    #[error("{file}, row {row}, column `{column}`: {reason}")]
    Cell {
        file: PathBuf,
        row: u64,
        column: String,
        reason: String,
    },
    #[error("{file}: unsupported file type (use .csv, .parquet or .xlsx)")]
    UnknownType { file: PathBuf },
    #[error("{file}: cannot write: {reason}")]
    Write { file: PathBuf, reason: String },
    /// The file asks more than the readers allow ([`crate::limits`]); refused before reading cells.
    #[error("{0}")]
    Limit(#[from] crate::limits::LimitError),
}

impl TabularError {
    pub fn code(&self) -> &'static str {
        match self {
            TabularError::Io { .. } => "IN_IO",
            TabularError::Format { .. } => "IN_FORMAT",
            TabularError::Empty { .. } => "IN_EMPTY",
            TabularError::MissingColumn { .. } => "IN_MISSING_COLUMN",
            TabularError::Cell { .. } => "IN_CELL",
            TabularError::UnknownType { .. } => "IN_FILE_TYPE",
            TabularError::Write { .. } => "OUT_WRITE",
            TabularError::Limit(e) => e.code(),
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            TabularError::Io { file, reason } => {
                format!("{}: không đọc được tệp: {reason}", file.display())
            }
            TabularError::Format {
                file,
                format,
                reason,
            } => {
                format!(
                    "{}: không phải tệp {format} hợp lệ: {reason}",
                    file.display()
                )
            }
            TabularError::Empty { file } => {
                format!("{}: tệp không có dòng dữ liệu nào", file.display())
            }
            TabularError::MissingColumn { file, column } => {
                format!("{}: thiếu cột bắt buộc `{column}`", file.display())
            }
            TabularError::Cell {
                file,
                row,
                column,
                reason,
            } => {
                format!("{}, dòng {row}, cột `{column}`: {reason}", file.display())
            }
            TabularError::UnknownType { file } => {
                format!(
                    "{}: loại tệp không hỗ trợ (dùng .csv, .parquet hoặc .xlsx)",
                    file.display()
                )
            }
            TabularError::Write { file, reason } => {
                format!("{}: không ghi được: {reason}", file.display())
            }
            TabularError::Limit(e) => e.message_vi(),
        }
    }
}

impl ansinh_domain::Coded for TabularError {
    fn code(&self) -> &'static str {
        TabularError::code(self)
    }
    fn vi(&self) -> String {
        self.message_vi()
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

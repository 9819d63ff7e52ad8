//! The printable outputs of the review (rà soát): the commune's decision lists, the certificates of poor
//! and near-poor status, the village meeting minutes, the posted list (PDF), and the summary tables for
//! the upper level (XLSX and PDF).
//!
//! - [`model`]: the typed input of every output. Rendering is pure: from these structs to bytes.
//! - [`markup`]: each PDF as a list of blocks ([`pdf::Doc`]; tests read its text).
//! - [`pdf`]: the layout and the PDF writer (`pdf-writer`), with DejaVu Serif Condensed embedded in
//!   the binary (it covers Vietnamese: ậ, ữ, đ, Đ). typst was tried first and dropped: see [`pdf`].
//! - [`xlsx`]: the summary workbook (`rust_xlsxwriter`).
//! - [`assemble`]: the one place the CLI and the web build the input structs from the stores
//!   ([`ansinh_store::Store`] + [`ansinh_store::review::ReviewStore`]).
//!
//! Choices where the issue is silent (also in the README):
//! - Names and villages are read from the registry when printed; the class and the transition always
//!   come from the approved snapshot (the snapshot keeps no names).
//! - The registry has no "cause of poverty" field: the summary's cause table counts the *main
//!   deprivations* instead: for each dimension of the standard, the poor and near-poor households
//!   deprived in at least one of its indicators, plus those lacking income only (every poor or near-poor
//!   household lacks income by the standard's definition).
//! - Groups: ethnic minority = a live member whose recorded ethnicity is not Kinh; protected persons = a
//!   live member receiving a social allowance; no working capacity = no live member employed or
//!   unemployed (all outside the labour force) with at least one status recorded; people with merit
//!   are not recorded in the registry, so that row says so instead of a count. Group membership is read
//!   from the registry at print time.
//! - Decision lists, certificates and summaries need an approved (or reported) round; the minutes and
//!   the posted list can be printed at any step.

pub mod assemble;
pub mod markup;
pub mod model;
pub mod pdf;
pub mod xlsx;

use ansinh_domain::review::Stage;
use ansinh_store::StoreError;
use ansinh_store::review::{ReviewStoreError, RoundId};

pub use pdf::Pdf;

/// An output that could not be produced. `code()` is stable; messages exist in Vietnamese and English
/// (`Display` is the English one).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Review(#[from] ReviewStoreError),
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The output prints approved results and the round is not approved.
    #[error("review round {round} is at step \"{}\": this output needs an approved round", .stage.en())]
    NotApproved { round: RoundId, stage: Stage },
    #[error("review round {round} has no village meeting{}", .meeting.map(|m| format!(" {m}")).unwrap_or_default())]
    NoMeeting {
        round: RoundId,
        meeting: Option<i64>,
    },
    #[error("commune {commune} has no approved periodic review round for {year}")]
    NoRound { commune: String, year: i32 },
    #[error("the PDF could not be typeset: {0}")]
    Typeset(String),
    #[error("the workbook could not be written: {0}")]
    Xlsx(String),
}

impl ReportError {
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::Review(e) => e.code(),
            ReportError::Store(e) => e.code(),
            ReportError::NotApproved { .. } => "REPORT_NOT_APPROVED",
            ReportError::NoMeeting { .. } => "REPORT_NO_MEETING",
            ReportError::NoRound { .. } => "REPORT_NO_ROUND",
            ReportError::Typeset(_) => "REPORT_TYPESET",
            ReportError::Xlsx(_) => "REPORT_XLSX",
        }
    }
    pub fn message_en(&self) -> String {
        self.to_string()
    }
    pub fn message_vi(&self) -> String {
        match self {
            ReportError::Review(e) => e.message_vi(),
            ReportError::Store(e) => e.message_vi(),
            ReportError::NotApproved { round, stage } => format!(
                "đợt rà soát {round} đang ở bước \"{}\": chỉ in được khi kết quả đã được phê duyệt",
                stage.vi()
            ),
            ReportError::NoMeeting { round, meeting } => format!(
                "đợt rà soát {round} không có cuộc họp dân{}",
                meeting.map(|m| format!(" số {m}")).unwrap_or_default()
            ),
            ReportError::NoRound { commune, year } => {
                format!("xã {commune} chưa có đợt rà soát định kỳ năm {year} được phê duyệt")
            }
            ReportError::Typeset(e) => format!("không dàn trang được tệp PDF: {e}"),
            ReportError::Xlsx(e) => format!("không ghi được tệp Excel: {e}"),
        }
    }
}

pub type Result<T> = std::result::Result<T, ReportError>;

/// dd/mm/yyyy.
pub fn dmy(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The decision lists as a PDF.
pub fn decision_pdf(d: &model::DecisionList) -> Result<Pdf> {
    pdf::render(&markup::decision(d))
}

/// The certificates as a PDF, one page per household.
pub fn certificates_pdf(c: &model::Certificates) -> Result<Pdf> {
    pdf::render(&markup::certificates(c))
}

/// The meeting minutes as a PDF.
pub fn minutes_pdf(m: &model::Minutes) -> Result<Pdf> {
    pdf::render(&markup::minutes(m))
}

/// The posted list as a PDF.
pub fn posted_pdf(p: &model::PostedList) -> Result<Pdf> {
    pdf::render(&markup::posted(p))
}

/// The summary tables as a PDF (A4 landscape).
pub fn summary_pdf(s: &model::Summary) -> Result<Pdf> {
    pdf::render(&markup::summary(s))
}

/// The summary tables as an XLSX workbook.
pub fn summary_xlsx(s: &model::Summary) -> Result<Vec<u8>> {
    xlsx::summary(s)
}

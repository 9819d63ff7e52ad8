//! The annual and in-year review of poor and near-poor households (rà soát hộ nghèo, hộ cận nghèo):
//! Decision 24/2021/QĐ-TTg (steps and timing) with Circular 07/2021/TT-BLĐTBXH (forms and scoring).
//!
//! - [`workflow`]: the procedure as data (`review/*.toml`): the steps of each kind of round, the periodic
//!   window, the days counts of every deadline (unconfirmed ones marked and carried as caveats).
//! - [`round`]: the round state machine (periodic: one per year and commune; regular: one household's
//!   in-year request), every refusal typed; complaints and their deadlines.
//! - [`scoring`]: the review forms (quick screen, score A by point tables, score B by deprived
//!   indicators) with point tables as data (`scoring/*.toml`, loadable per province) and classification
//!   by scores (standards.md §8.4).
//! - [`meeting`]: the village meeting: participants, votes per household (≥ 50% agreement), minutes.
//! - [`transition`]: the year's status of a household against its history (newly poor, re-poor, escaped,
//!   newly escaped for a configurable window; standards.md §8.6).
//! - [`movement`]: the movement table per unit (start + increases − decreases = end; standards.md §1.4b).
//!
//! Everything here is pure: no I/O, dates are given by the caller. The built-in workflow and scoring
//! files are the rulebook's (`ansinh-rulebook`); this module parses the text it is handed.

pub mod meeting;
pub mod movement;
pub mod round;
pub mod scoring;
pub mod transition;
pub mod workflow;

use std::fmt;

use chrono::NaiveDate;

pub use meeting::{Meeting, Participant, Role, Tally};
pub use movement::{Flow, HouseholdMove, MovementRow, movement_table};
pub use round::{Action, Complaint, ComplaintOutcome, Edit, Round, RoundKind, Stage};
pub use scoring::{
    DeprivationForm, IncomeForm, QuickScreen, ScoreResult, ScoringSet, ScoringTables,
};
pub use transition::{Transition, YearStatus};
pub use workflow::{DayCount, Workflow, WorkflowSet};

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A refusal of the review: nothing changes. `code()` is stable; messages exist in Vietnamese and English
/// (`Display` is the English one).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// The action does not belong to the round's current step (out of order, or skipping a step).
    #[error("cannot {} now: the round is at step \"{}\"{}", .action_en, .stage.en(), expected_en(.expected))]
    OutOfOrder {
        action: &'static str,
        action_en: &'static str,
        action_vi: &'static str,
        stage: Stage,
        /// The step the action belongs to.
        expected: Option<Stage>,
    },
    /// The round is approved (or reported): its data is frozen until it is reopened.
    #[error("the round is {} and locked; reopen it (with a reason) to change anything", .stage.en())]
    Locked { stage: Stage },
    /// The data cannot be edited at this step.
    #[error("{} cannot be changed at step \"{}\"", .edit.en(), .stage.en())]
    NotEditable { edit: Edit, stage: Stage },
    /// An action dated before the round's previous action.
    #[error("the date {} is before the round's previous action on {}", dmy(*.on), dmy(*.previous))]
    DateOrder { on: NaiveDate, previous: NaiveDate },
    /// A periodic round opened outside the review window.
    #[error("a periodic review runs from {} to {}; {} is outside it", dmy(*.start), dmy(*.end), dmy(*.on))]
    OutsideWindow {
        on: NaiveDate,
        start: NaiveDate,
        end: NaiveDate,
    },
    #[error("the list of households to review is empty")]
    EmptyList,
    #[error("{} listed household(s) have no scored review form: {}", .households.len(), .households.join(", "))]
    Unscored { households: Vec<String> },
    #[error("the meeting result is not consistent: {detail}")]
    BadTally { detail: String },
    #[error("the meeting minutes need a {}", .role.en())]
    MissingRole { role: Role },
    #[error("the results have not been posted yet")]
    NotPosted,
    #[error("the results are posted until {}; the posting period has not ended", dmy(*.until))]
    PostingNotEnded { until: NaiveDate },
    #[error("complaints are received only while the results are posted")]
    ComplaintClosed,
    #[error("{count} complaint(s) are not resolved yet")]
    OpenComplaints { count: usize },
    #[error("the complaint is already resolved")]
    ComplaintResolved,
    #[error("a complaint's resolution needs a note saying what was found")]
    NoteRequired,
    #[error("a reason is required to reopen a round")]
    ReasonRequired,
    #[error("a round at step \"{}\" can only be reopened to an earlier step, not \"{}\"", .from.en(), .to.en())]
    ReopenTarget { from: Stage, to: Stage },
    #[error("household {household} is already on the list")]
    AlreadyListed { household: String },
    #[error("household {household} is not on the list of this round")]
    NotListed { household: String },
    // --- scoring
    #[error("no scoring tables for standard {standard}")]
    NoTables { standard: String },
    #[error("unknown region `{region}` in the scoring tables")]
    UnknownRegion { region: String },
    #[error("the form has an unknown {what} `{id}`")]
    UnknownAnswer { what: &'static str, id: String },
    #[error("the form has no answer for: {}", .missing.join(", "))]
    MissingAnswer { missing: Vec<String> },
    /// A workflow or scoring file that failed to load.
    #[error("{0}")]
    Load(FileError),
}

fn expected_en(e: &Option<Stage>) -> String {
    e.map(|s| format!(" (this belongs to step \"{}\")", s.en()))
        .unwrap_or_default()
}

fn expected_vi(e: &Option<Stage>) -> String {
    e.map(|s| format!(" (việc này thuộc bước \"{}\")", s.vi()))
        .unwrap_or_default()
}

impl ReviewError {
    /// Stable code, the key the UI translates.
    pub fn code(&self) -> &'static str {
        match self {
            ReviewError::OutOfOrder { .. } => "REVIEW_OUT_OF_ORDER",
            ReviewError::Locked { .. } => "REVIEW_LOCKED",
            ReviewError::NotEditable { .. } => "REVIEW_NOT_EDITABLE",
            ReviewError::DateOrder { .. } => "REVIEW_DATE_ORDER",
            ReviewError::OutsideWindow { .. } => "REVIEW_OUTSIDE_WINDOW",
            ReviewError::EmptyList => "REVIEW_EMPTY_LIST",
            ReviewError::Unscored { .. } => "REVIEW_UNSCORED",
            ReviewError::BadTally { .. } => "REVIEW_BAD_TALLY",
            ReviewError::MissingRole { .. } => "REVIEW_MEETING_ROLE",
            ReviewError::NotPosted => "REVIEW_NOT_POSTED",
            ReviewError::PostingNotEnded { .. } => "REVIEW_POSTING_NOT_ENDED",
            ReviewError::ComplaintClosed => "REVIEW_COMPLAINT_CLOSED",
            ReviewError::OpenComplaints { .. } => "REVIEW_OPEN_COMPLAINTS",
            ReviewError::ComplaintResolved => "REVIEW_COMPLAINT_RESOLVED",
            ReviewError::NoteRequired => "REVIEW_NOTE_REQUIRED",
            ReviewError::ReasonRequired => "REVIEW_REASON_REQUIRED",
            ReviewError::ReopenTarget { .. } => "REVIEW_REOPEN_TARGET",
            ReviewError::AlreadyListed { .. } => "REVIEW_ALREADY_LISTED",
            ReviewError::NotListed { .. } => "REVIEW_NOT_LISTED",
            ReviewError::NoTables { .. } => "SCORE_NO_TABLES",
            ReviewError::UnknownRegion { .. } => "SCORE_UNKNOWN_REGION",
            ReviewError::UnknownAnswer { .. } => "SCORE_UNKNOWN_ANSWER",
            ReviewError::MissingAnswer { .. } => "SCORE_MISSING_ANSWER",
            ReviewError::Load(e) => e.code,
        }
    }

    pub fn message_en(&self) -> String {
        self.to_string()
    }

    pub fn message_vi(&self) -> String {
        match self {
            ReviewError::OutOfOrder {
                action_vi,
                stage,
                expected,
                ..
            } => format!(
                "chưa thể {action_vi}: đợt rà soát đang ở bước \"{}\"{}",
                stage.vi(),
                expected_vi(expected)
            ),
            ReviewError::Locked { stage } => format!(
                "đợt rà soát {} và đã khoá; cần mở lại (có lý do) để sửa",
                stage.vi()
            ),
            ReviewError::NotEditable { edit, stage } => {
                format!("không thể sửa {} ở bước \"{}\"", edit.vi(), stage.vi())
            }
            ReviewError::DateOrder { on, previous } => format!(
                "ngày {} trước ngày thực hiện bước trước của đợt rà soát ({})",
                dmy(*on),
                dmy(*previous)
            ),
            ReviewError::OutsideWindow { on, start, end } => format!(
                "rà soát định kỳ thực hiện từ {} đến {}; ngày {} nằm ngoài thời gian này",
                dmy(*start),
                dmy(*end),
                dmy(*on)
            ),
            ReviewError::EmptyList => "danh sách hộ cần rà soát đang trống".into(),
            ReviewError::Unscored { households } => format!(
                "{} hộ trong danh sách chưa có phiếu rà soát được chấm điểm: {}",
                households.len(),
                households.join(", ")
            ),
            ReviewError::BadTally { detail } => {
                format!("kết quả biểu quyết không hợp lệ: {detail}")
            }
            ReviewError::MissingRole { role } => {
                format!("biên bản họp cần có {}", role.vi())
            }
            ReviewError::NotPosted => "kết quả chưa được niêm yết công khai".into(),
            ReviewError::PostingNotEnded { until } => format!(
                "kết quả niêm yết đến hết ngày {}; thời gian niêm yết chưa kết thúc",
                dmy(*until)
            ),
            ReviewError::ComplaintClosed => {
                "chỉ nhận khiếu nại trong thời gian niêm yết công khai".into()
            }
            ReviewError::OpenComplaints { count } => {
                format!("còn {count} khiếu nại chưa được giải quyết")
            }
            ReviewError::ComplaintResolved => "khiếu nại này đã được giải quyết".into(),
            ReviewError::NoteRequired => {
                "kết quả giải quyết khiếu nại cần ghi rõ nội dung đã xác minh".into()
            }
            ReviewError::ReasonRequired => "cần nêu lý do khi mở lại đợt rà soát".into(),
            ReviewError::ReopenTarget { from, to } => format!(
                "đợt rà soát ở bước \"{}\" chỉ có thể mở lại về một bước trước đó, không phải \"{}\"",
                from.vi(),
                to.vi()
            ),
            ReviewError::AlreadyListed { household } => {
                format!("hộ {household} đã có trong danh sách")
            }
            ReviewError::NotListed { household } => {
                format!("hộ {household} không có trong danh sách của đợt rà soát này")
            }
            ReviewError::NoTables { standard } => {
                format!("không có bảng điểm cho chuẩn nghèo {standard}")
            }
            ReviewError::UnknownRegion { region } => {
                format!("vùng `{region}` không có trong bảng điểm")
            }
            ReviewError::UnknownAnswer { what, id } => {
                let what = match *what {
                    "characteristic" => "chỉ tiêu",
                    "option" => "phương án trả lời",
                    "indicator" => "chỉ số thiếu hụt",
                    "criterion" => "tiêu chí",
                    other => other,
                };
                format!("phiếu có {what} không hợp lệ `{id}`")
            }
            ReviewError::MissingAnswer { missing } => {
                format!("phiếu chưa trả lời: {}", missing.join(", "))
            }
            ReviewError::Load(e) => e.to_string_vi(),
        }
    }
}

/// A workflow (`REVIEW_CONFIG`) or scoring (`SCORE_TABLE`) file that failed to load: the one
/// [`FileError`] of every data file.
pub use crate::file_error::FileError;

/// A value of the review data no retrieved source confirms; every result computed from it says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caveat {
    /// What it is about, e.g. `workflow:posting.days` or `scoring:vn-2022-2025-placeholder`.
    pub subject: String,
    pub note: String,
}

impl fmt::Display for Caveat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.note)
    }
}

//! One error for every data file that fails to load (standards, policies, reference values, plans,
//! planning inputs, targets, partner exports, review workflows, scoring tables): the file, the 1-based
//! line and column when known, a stable code (`STD_SYNTAX`, `POL_EXPR`, `SCORE_TABLE`, …) and the reason
//! in Vietnamese and English. `Display` is the English line `file:line:column: [CODE] reason`.
//!
//! Each code has one Vietnamese sentence ([`reason_vi`]); a loader that has no Vietnamese text of its
//! own for a reason gives that sentence followed by the detail as the parser wrote it.

use std::fmt;

use crate::expr::ExprError;

/// A data file that failed to load. Nothing of a failing set of files is loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct FileError {
    pub file: String,
    /// 1-based line and column, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Stable code, e.g. `STD_SYNTAX`, `STD_EXPR`, `STD_REF`, `POL_VALUE`, `REVIEW_CONFIG`.
    pub code: &'static str,
    /// The reason in Vietnamese.
    pub vi: String,
    /// The reason in English.
    pub en: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: [{}] {}", self.place(), self.code, self.en)
    }
}

impl FileError {
    /// An error of a whole file (no position), the Vietnamese reason being the code's sentence with
    /// the English detail.
    pub fn new(file: impl Into<String>, code: &'static str, en: impl Into<String>) -> FileError {
        let en = en.into();
        FileError {
            file: file.into(),
            line: None,
            column: None,
            code,
            vi: with_reason(code, &en),
            en,
        }
    }

    /// `file:line:column` (or `file` when the position is unknown).
    pub fn place(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", self.file),
            _ => self.file.clone(),
        }
    }

    /// The Vietnamese line `file:line:column: [CODE] lý do`.
    pub fn to_string_vi(&self) -> String {
        format!("{}: [{}] {}", self.place(), self.code, self.vi)
    }
}

/// The Vietnamese sentence of a file-load code (a general one for a code this table does not know).
pub fn reason_vi(code: &str) -> &'static str {
    match code {
        "STD_SYNTAX" => "Tệp chuẩn nghèo sai cú pháp hoặc có trường không hợp lệ",
        "STD_EXPR" => "Biểu thức trong tệp chuẩn nghèo không hợp lệ",
        "STD_REF" => "Tệp chuẩn nghèo nhắc đến một tên không tồn tại",
        "STD_RULES" => "Quy tắc phân loại của chuẩn nghèo chưa đầy đủ",
        "STD_DUPLICATE" => "Tên trong tệp chuẩn nghèo bị khai báo trùng",
        "STD_MISSING" => "Tệp chuẩn nghèo thiếu mục bắt buộc",
        "STD_DATES" => "Thời gian hiệu lực của chuẩn nghèo không hợp lệ",
        "STD_TYPE" => "Giá trị trong tệp chuẩn nghèo sai kiểu",
        "STD_VALUE" => "Giá trị trong tệp chuẩn nghèo không hợp lệ",
        "POL_SYNTAX" => "Tệp chính sách sai cú pháp hoặc có trường không hợp lệ",
        "POL_EXPR" => "Biểu thức trong tệp chính sách không hợp lệ",
        "POL_REF" => "Tệp chính sách nhắc đến một tên không tồn tại",
        "POL_VALUE" => "Giá trị trong tệp chính sách không hợp lệ",
        "POL_DATES" => "Ngày hoặc khoảng thời gian trong tệp chính sách không hợp lệ",
        "POL_DUPLICATE" => "Chính sách bị khai báo trùng",
        "POL_MISSING" => "Tệp chính sách thiếu mục bắt buộc",
        "PLAN_SYNTAX" => "Tệp kế hoạch sai cú pháp hoặc có trường không hợp lệ",
        "PLAN_EXPR" => "Công thức trong tệp kế hoạch không hợp lệ",
        "PLAN_REF" => "Tệp kế hoạch nhắc đến một tên không tồn tại",
        "PLAN_VALUE" => "Giá trị trong tệp kế hoạch không hợp lệ",
        "PLAN_MISSING" => "Tệp kế hoạch thiếu mục bắt buộc",
        "TGT_SYNTAX" => "Tệp chỉ tiêu giảm nghèo sai cú pháp hoặc có trường không hợp lệ",
        "TGT_REF" => "Tệp chỉ tiêu giảm nghèo nhắc đến một tên không tồn tại",
        "TGT_VALUE" => "Giá trị trong tệp chỉ tiêu giảm nghèo không hợp lệ",
        "TGT_DUPLICATE" => "Đơn vị hoặc năm trong tệp chỉ tiêu bị khai báo trùng",
        "TGT_MISSING" => "Tệp chỉ tiêu giảm nghèo thiếu mục bắt buộc",
        "PARTNER_SYNTAX" => "Tệp danh sách gửi đối tác sai cú pháp hoặc có trường không hợp lệ",
        "PARTNER_REF" => "Tệp danh sách gửi đối tác nhắc đến một chính sách không tồn tại",
        "PARTNER_VALUE" => "Giá trị trong tệp danh sách gửi đối tác không hợp lệ",
        "REVIEW_CONFIG" => "Tệp quy trình rà soát không hợp lệ",
        "SCORE_TABLE" => "Tệp bảng điểm rà soát không hợp lệ",
        "RULES_READ" => "Không đọc được tệp hoặc thư mục quy tắc",
        "RULES_MISSING" => "Thư mục quy tắc thiếu tệp bắt buộc",
        _ => "Tệp dữ liệu không hợp lệ",
    }
}

/// Every code a file loader of the domain gives (with the rulebook's `RULES_*`), for tests and the
/// catalogue.
pub const CODES: &[&str] = &[
    "STD_SYNTAX",
    "STD_EXPR",
    "STD_REF",
    "STD_RULES",
    "STD_DUPLICATE",
    "STD_MISSING",
    "STD_DATES",
    "STD_TYPE",
    "STD_VALUE",
    "POL_SYNTAX",
    "POL_EXPR",
    "POL_REF",
    "POL_VALUE",
    "POL_DATES",
    "POL_DUPLICATE",
    "POL_MISSING",
    "PLAN_SYNTAX",
    "PLAN_EXPR",
    "PLAN_REF",
    "PLAN_VALUE",
    "PLAN_MISSING",
    "TGT_SYNTAX",
    "TGT_REF",
    "TGT_VALUE",
    "TGT_DUPLICATE",
    "TGT_MISSING",
    "PARTNER_SYNTAX",
    "PARTNER_REF",
    "PARTNER_VALUE",
    "REVIEW_CONFIG",
    "SCORE_TABLE",
    "RULES_READ",
    "RULES_MISSING",
];

fn with_reason(code: &str, detail: &str) -> String {
    format!("{}: {detail}", reason_vi(code))
}

/// A file's name and text, to turn byte offsets into line and column.
#[derive(Clone, Copy)]
pub(crate) struct Origin<'a> {
    pub file: &'a str,
    pub src: &'a str,
}

impl Origin<'_> {
    /// 1-based line and column (in characters) of byte `offset`; an offset past the end or inside a
    /// character counts as the end of the text.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let before = self.src.get(..offset).unwrap_or(self.src);
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    /// An error at `offset` (or of the whole file) with its English reason; the Vietnamese reason is
    /// the code's sentence with the English detail.
    pub fn err(
        &self,
        offset: Option<usize>,
        code: &'static str,
        en: impl Into<String>,
    ) -> FileError {
        let en = en.into();
        let vi = with_reason(code, &en);
        self.err_vi(offset, code, vi, en)
    }

    /// An error at `offset` with its reason written in both languages.
    pub fn err_vi(
        &self,
        offset: Option<usize>,
        code: &'static str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> FileError {
        let (line, column) = match offset.map(|o| self.line_col(o)) {
            Some((l, c)) => (Some(l), Some(c)),
            None => (None, None),
        };
        FileError {
            file: self.file.to_string(),
            line,
            column,
            code,
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// Byte offset in the file of byte `k` of the string value whose TOML literal spans `span`.
    pub fn inner_offset(&self, span: std::ops::Range<usize>, k: usize) -> usize {
        let lit = self.src.get(span.start.min(self.src.len())..).unwrap_or("");
        let quote = if lit.starts_with("\"\"\"") || lit.starts_with("'''") {
            match lit.get(3..) {
                Some(r) if r.starts_with('\n') => 4,
                Some(r) if r.starts_with("\r\n") => 5,
                _ => 3,
            }
        } else {
            1
        };
        span.start + quote + k
    }

    /// The error of an expression found inside the string value at `span`.
    pub fn expr_err(
        &self,
        span: std::ops::Range<usize>,
        code: &'static str,
        what: &str,
        e: &ExprError,
    ) -> FileError {
        self.err(
            Some(self.inner_offset(span, e.span.start)),
            code,
            format!("{what}: {}", e.message),
        )
    }

    /// A TOML syntax or shape error (unknown field, wrong type), at the parser's position.
    pub fn syntax(&self, code: &'static str, e: &toml::de::Error) -> FileError {
        self.err(e.span().map(|s| s.start), code, e.message().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_lines_and_characters_and_never_panic() {
        let o = Origin {
            file: "f.toml",
            src: "a = 1\nb = \"ấp\"\n",
        };
        assert_eq!(o.line_col(0), (1, 1));
        assert_eq!(o.line_col(6), (2, 1));
        // Inside the multi-byte `ấ` (bytes 11..14): the whole text counts, no panic.
        let (l, _) = o.line_col(12);
        assert!(l >= 1);
        assert_eq!(o.line_col(10_000), (3, 1));
        let e = o.err(Some(6), "STD_VALUE", "bad b");
        assert_eq!(e.to_string(), "f.toml:2:1: [STD_VALUE] bad b");
        assert!(
            e.to_string_vi()
                .starts_with("f.toml:2:1: [STD_VALUE] Giá trị")
        );
    }

    #[test]
    fn every_code_has_its_own_vietnamese_sentence() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CODES {
            assert!(seen.insert(*c), "{c} twice");
            assert_ne!(reason_vi(c), reason_vi("NO_SUCH_CODE"), "{c}");
        }
    }
}

//! Cells that a spreadsheet program would run as a formula, written so that it shows them as text
//! (OWASP "CSV injection"). A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
//! gets a leading `'` in CSV files; XLSX files write every text as a string cell (`write_string`), which
//! Excel never evaluates, so they keep the text as it is. The import takes the `'` off again, so an
//! exported CSV file imports to the same values.

use std::borrow::Cow;

/// Whether a spreadsheet program would read `s` as a formula.
pub fn is_formula_like(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// The text of a CSV cell: a formula-like text prefixed with `'`.
pub fn csv_text(s: &str) -> Cow<'_, str> {
    if is_formula_like(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// [`csv_text`] of an owned string.
pub fn csv_string(s: String) -> String {
    if is_formula_like(&s) {
        format!("'{s}")
    } else {
        s
    }
}

/// The value of a CSV cell written by [`csv_text`]: the guarding `'` taken off.
pub fn strip_csv_guard(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if is_formula_like(rest) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_guarded_and_unguarded() {
        for s in ["=1+1", "+84 912", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_text(s), format!("'{s}"));
            assert_eq!(strip_csv_guard(&csv_text(s)), s);
        }
        for s in ["Nguyễn Văn A", "012345678901", "", "'quoted", "a=b"] {
            assert_eq!(csv_text(s), s);
            assert_eq!(strip_csv_guard(s), s);
        }
    }
}

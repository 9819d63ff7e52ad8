//! Vietnamese text: NFC at the boundary, and the one search key used by every backend.

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Text normalised to Unicode NFC, trimmed, with inner whitespace collapsed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NfcText(String);

impl NfcText {
    pub fn new(s: &str) -> NfcText {
        let nfc: String = s.nfc().collect();
        NfcText(nfc.split_whitespace().collect::<Vec<_>>().join(" "))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The search key of this text.
    pub fn search_key(&self) -> String {
        search_key(&self.0)
    }
}

impl fmt::Display for NfcText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Folds case, diacritics and đ/Đ: `Nguyễn Văn Đức` → `nguyen van duc`.
pub fn search_key(s: &str) -> String {
    let lower: String = s.nfc().collect::<String>().to_lowercase();
    let folded: String = lower
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_vietnamese_including_d_with_stroke() {
        assert_eq!(search_key("Nguyễn Văn Đức"), "nguyen van duc");
        assert_eq!(search_key("ĐẶNG  Thị Ứng"), "dang thi ung");
        // decomposed input gives the same key as precomposed
        assert_eq!(search_key("Nguye\u{302}\u{303}n"), "nguyen");
        assert_eq!(NfcText::new("  Hà   Đông ").as_str(), "Hà Đông");
    }

    proptest! {
        #[test]
        fn search_key_is_idempotent(s in "\\PC{0,40}") {
            let k = search_key(&s);
            prop_assert_eq!(search_key(&k), k.clone());
            prop_assert!(!k.contains('đ'));
        }
    }
}

//! Vietnamese order: a byte sort key computed in Rust, so every backend (and every in-memory list) sorts
//! the same way by comparing bytes.
//!
//! The order follows the Vietnamese alphabet (a ă â b c d đ e ê … o ô ơ … u ư …), then tones in dictionary
//! order (ngang, huyền, hỏi, ngã, sắc, nặng), then case (lower before upper): three levels, as in the CLDR
//! `vi` collation. Stored keys must be recomputed by a migration if this function ever changes.

use std::cmp::Ordering;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The Vietnamese alphabet with the Latin letters Vietnamese does not use (f j w z) at their Latin place.
const ALPHABET: [char; 33] = [
    'a', 'ă', 'â', 'b', 'c', 'd', 'đ', 'e', 'ê', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    'ô', 'ơ', 'p', 'q', 'r', 's', 't', 'u', 'ư', 'v', 'w', 'x', 'y', 'z',
];

/// Primary weights: whitespace < ASCII punctuation < digits < letters < everything else (by code point).
/// Every weight is ≥ 0x01_0000 so that its first byte is never 0, the level separator.
fn primary(base: char) -> u32 {
    let w = if base.is_whitespace() {
        1
    } else if let Some(d) = base.to_digit(10).filter(|_| base.is_ascii_digit()) {
        0x100 + d
    } else if let Some(i) = ALPHABET.iter().position(|&c| c == base) {
        0x200 + i as u32
    } else if base.is_ascii() {
        0x10 + base as u32
    } else {
        0x1000 + base as u32
    };
    0x01_0000 + w
}

/// Secondary weight of a combining mark: the five tones in dictionary order, then any other mark.
fn tone(mark: char) -> Option<u8> {
    match mark {
        '\u{300}' => Some(2), // huyền
        '\u{309}' => Some(3), // hỏi
        '\u{303}' => Some(4), // ngã
        '\u{301}' => Some(5), // sắc
        '\u{323}' => Some(6), // nặng
        _ => None,
    }
}

/// Applies a letter-forming mark (breve, circumflex, horn) to a lowercase base letter.
fn modified(base: char, mark: char) -> Option<char> {
    match (base, mark) {
        ('a', '\u{306}') => Some('ă'),
        ('a', '\u{302}') => Some('â'),
        ('e', '\u{302}') => Some('ê'),
        ('o', '\u{302}') => Some('ô'),
        ('o', '\u{31b}') => Some('ơ'),
        ('u', '\u{31b}') => Some('ư'),
        _ => None,
    }
}

struct Unit {
    letter: char,
    secondary: u8,
    upper: bool,
}

/// The Vietnamese sort key of `s`: comparing keys bytewise gives the Vietnamese order of the texts.
pub fn vi_sort_key(s: &str) -> Vec<u8> {
    let mut units: Vec<Unit> = Vec::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) {
            if let Some(u) = units.last_mut() {
                if let Some(m) = modified(u.letter, c) {
                    u.letter = m;
                } else if let Some(t) = tone(c) {
                    u.secondary = t;
                } else {
                    u.secondary = 7;
                }
            }
            continue;
        }
        let upper = c.is_uppercase();
        let letter = c.to_lowercase().next().unwrap_or(c);
        units.push(Unit {
            letter,
            secondary: 1,
            upper,
        });
    }
    let mut key = Vec::with_capacity(units.len() * 5 + 2);
    for u in &units {
        key.extend_from_slice(&primary(u.letter).to_be_bytes()[1..]);
    }
    key.push(0);
    key.extend(units.iter().map(|u| u.secondary));
    key.push(0);
    key.extend(units.iter().map(|u| if u.upper { 2 } else { 1 }));
    key
}

/// Compares two texts in Vietnamese order.
pub fn vi_cmp(a: &str, b: &str) -> Ordering {
    vi_sort_key(a).cmp(&vi_sort_key(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn alphabet_then_tones_then_case() {
        // The order PostgreSQL 15's ICU `vi` collation gives (engineering notes §3.1).
        let want = [
            "Anh", "Ăn", "Ân", "Bình", "Dũng", "Duy", "Đào", "Đức", "Em", "Ếch", "Ông", "Ơn",
            "Uyên", "Ưng",
        ];
        let mut got = want.to_vec();
        got.reverse();
        got.sort_by(|a, b| vi_cmp(a, b));
        assert_eq!(got, want);
        // Tones: ngang < huyền < hỏi < ngã < sắc < nặng.
        let tones = ["ma", "mà", "mả", "mã", "má", "mạ"];
        let mut t = tones.to_vec();
        t.reverse();
        t.sort_by(|a, b| vi_cmp(a, b));
        assert_eq!(t, tones);
        assert_eq!(vi_cmp("an", "An"), Ordering::Less);
        assert_eq!(vi_cmp("An", "Anh"), Ordering::Less);
        assert_eq!(vi_cmp("Lê Văn", "Lê Văn An"), Ordering::Less);
        // A later base letter wins over any tone earlier in the word.
        assert_eq!(vi_cmp("Ạb", "Ac"), Ordering::Less);
    }

    #[test]
    fn agrees_with_postgresql_icu_vi() {
        // `ORDER BY n COLLATE "vi-x-icu"` on PostgreSQL 15.18 (Debian), checked by hand.
        let want = [
            "Ấp Mới",
            "Âu",
            "Ầu",
            "Ẩu",
            "Ẫu",
            "Ấu",
            "Ậu",
            "Biên Giang",
            "Dương Nội",
            "Đặng Thị Uyên",
            "Đặng Thị Ưng",
            "Đặng Thị Ứng",
            "Đồng Mai",
            "Lê Anh",
            "Lê Ành",
            "Lê Ảnh",
            "Lê Ãnh",
            "Lê Ánh",
            "Lê Ạnh",
            "Nguyễn văn An",
            "Nguyễn Văn Ăn",
            "Nguyễn Văn Ân",
            "Nguyễn Văn Dũng",
            "Nguyễn Văn Đức",
            "ôn",
            "ổn",
            "ơn",
            "Ơn",
            "Trần Đức anh",
            "Trần Đức Anh",
            "Yên Nghĩa",
        ];
        let mut got = want.to_vec();
        got.reverse();
        got.sort_by(|a, b| vi_cmp(a, b));
        assert_eq!(got, want);
    }

    proptest! {
        #[test]
        fn key_ignores_normalisation_form(s in "\\PC{0,30}") {
            let nfc: String = s.nfc().collect();
            let nfd: String = s.nfd().collect();
            prop_assert_eq!(vi_sort_key(&nfc), vi_sort_key(&nfd));
        }
    }
}

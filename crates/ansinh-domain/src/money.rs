//! Money: whole Vietnamese đồng in an `i64`, shown the Vietnamese way (`1.500.000 đ`).

use std::fmt;

/// An amount in VND (no minor unit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Vnd(pub i64);

impl Vnd {
    pub fn checked_add(self, o: Vnd) -> Option<Vnd> {
        self.0.checked_add(o.0).map(Vnd)
    }
    pub fn checked_mul(self, k: i64) -> Option<Vnd> {
        self.0.checked_mul(k).map(Vnd)
    }
}

impl fmt::Display for Vnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} đ", group_thousands(self.0))
    }
}

/// `1500000` → `1.500.000` (Vietnamese digit grouping).
pub fn group_thousands(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

/// English grouping: `1500000` → `1,500,000`.
pub fn group_thousands_en(v: i64) -> String {
    group_thousands(v).replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_grouping() {
        assert_eq!(Vnd(1_500_000).to_string(), "1.500.000 đ");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(-1000), "-1.000");
        assert_eq!(group_thousands_en(2_250_000), "2,250,000");
    }
}

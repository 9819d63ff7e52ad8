//! Exact numbers for money rules and plan arithmetic: rationals on `i128`, parsed from decimal text
//! (`"4.5%"`, `"0.045"`, `"1_490_000"`, the Vietnamese `"8.277,48"`), rounded only by a named rule.
//!
//! A plan spreadsheet keeps full precision and rounds for display; so does this type. Nothing here is a
//! float: `0.045 × 1_490_000` is exactly `67_050`.

use std::cmp::Ordering;
use std::fmt;

/// An exact rational number `num / den` (`den > 0`, reduced).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Exact {
    num: i128,
    den: i128,
}

/// A named rounding rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// Half away from zero (Excel's ROUND; "làm tròn" in the plans): 2.5 → 3, −2.5 → −3.
    HalfUp,
    /// Half to even (banker's rounding): 2.5 → 2, 3.5 → 4.
    HalfEven,
    /// Towards +∞: 722.4 → 723 (the Hanoi plan's poor-household reductions).
    Ceil,
    /// Towards −∞.
    Floor,
    /// Towards zero.
    Trunc,
}

impl Rounding {
    pub const ALL: [Rounding; 5] = [
        Rounding::HalfUp,
        Rounding::HalfEven,
        Rounding::Ceil,
        Rounding::Floor,
        Rounding::Trunc,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Rounding::HalfUp => "half_up",
            Rounding::HalfEven => "half_even",
            Rounding::Ceil => "ceil",
            Rounding::Floor => "floor",
            Rounding::Trunc => "trunc",
        }
    }
    pub fn parse(s: &str) -> Option<Rounding> {
        Rounding::ALL.into_iter().find(|r| r.code() == s)
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Exact {
    pub const ZERO: Exact = Exact { num: 0, den: 1 };
    pub const ONE: Exact = Exact { num: 1, den: 1 };

    /// `num / den`, reduced; `None` when `den` is zero.
    pub fn ratio(num: i128, den: i128) -> Option<Exact> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den).max(1);
        let (mut n, mut d) = (num / g, den / g);
        if d < 0 {
            n = n.checked_neg()?;
            d = d.checked_neg()?;
        }
        Some(Exact { num: n, den: d })
    }

    pub fn int(v: i64) -> Exact {
        Exact {
            num: i128::from(v),
            den: 1,
        }
    }

    pub fn numer(self) -> i128 {
        self.num
    }
    pub fn denom(self) -> i128 {
        self.den
    }
    pub fn is_integer(self) -> bool {
        self.den == 1
    }
    pub fn is_zero(self) -> bool {
        self.num == 0
    }
    pub fn is_negative(self) -> bool {
        self.num < 0
    }

    pub fn checked_add(self, o: Exact) -> Option<Exact> {
        let g = gcd(self.den, o.den).max(1);
        let l = self.den / g;
        let num = self
            .num
            .checked_mul(o.den / g)?
            .checked_add(o.num.checked_mul(l)?)?;
        Exact::ratio(num, l.checked_mul(o.den)?)
    }
    pub fn checked_sub(self, o: Exact) -> Option<Exact> {
        self.checked_add(Exact {
            num: o.num.checked_neg()?,
            den: o.den,
        })
    }
    pub fn checked_mul(self, o: Exact) -> Option<Exact> {
        // Cross-reduce first to keep the numbers small.
        let g1 = gcd(self.num, o.den).max(1);
        let g2 = gcd(o.num, self.den).max(1);
        let num = (self.num / g1).checked_mul(o.num / g2)?;
        let den = (self.den / g2).checked_mul(o.den / g1)?;
        Exact::ratio(num, den)
    }
    pub fn checked_div(self, o: Exact) -> Option<Exact> {
        if o.num == 0 {
            return None;
        }
        self.checked_mul(Exact {
            num: o.den,
            den: o.num,
        })
    }
    pub fn checked_neg(self) -> Option<Exact> {
        Some(Exact {
            num: self.num.checked_neg()?,
            den: self.den,
        })
    }

    /// Largest integer `<=` self.
    pub fn floor_int(self) -> i128 {
        self.num.div_euclid(self.den)
    }
    /// Smallest integer `>=` self.
    pub fn ceil_int(self) -> i128 {
        -((-self.num).div_euclid(self.den))
    }

    /// Rounds to a whole number by `rule`.
    pub fn round_int(self, rule: Rounding) -> i128 {
        let fl = self.floor_int();
        if self.den == 1 {
            return fl;
        }
        // fractional part as rem / den, 0 < rem < den
        let rem = self.num - fl * self.den;
        let twice = rem * 2;
        match rule {
            Rounding::Floor => fl,
            Rounding::Ceil => fl + 1,
            Rounding::Trunc => {
                if self.num < 0 {
                    fl + 1
                } else {
                    fl
                }
            }
            Rounding::HalfUp => match twice.cmp(&self.den) {
                Ordering::Less => fl,
                Ordering::Greater => fl + 1,
                // exactly .5: away from zero
                Ordering::Equal => {
                    if self.num < 0 {
                        fl
                    } else {
                        fl + 1
                    }
                }
            },
            Rounding::HalfEven => match twice.cmp(&self.den) {
                Ordering::Less => fl,
                Ordering::Greater => fl + 1,
                Ordering::Equal => {
                    if fl.rem_euclid(2) == 0 {
                        fl
                    } else {
                        fl + 1
                    }
                }
            },
        }
    }

    /// Rounds to `decimals` digits after the point by `rule`.
    pub fn round(self, decimals: u32, rule: Rounding) -> Option<Exact> {
        let scale = 10i128.checked_pow(decimals)?;
        let scaled = self.checked_mul(Exact { num: scale, den: 1 })?;
        Exact::ratio(scaled.round_int(rule), scale)
    }

    /// The whole-number value, if it is one and fits an `i64`.
    pub fn to_i64(self) -> Option<i64> {
        if self.den == 1 {
            i64::try_from(self.num).ok()
        } else {
            None
        }
    }

    /// An approximation for display of ratios only (never used for decisions).
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// Parses decimal text: `1490000`, `1_490_000`, `-2`, `0.045`, `4.5%`, `1/3`.
    pub fn parse(text: &str) -> Option<Exact> {
        let t = text.trim();
        if let Some((a, b)) = t.split_once('/') {
            return Exact::parse(a)?.checked_div(Exact::parse(b)?);
        }
        if let Some(p) = t.strip_suffix('%') {
            return Exact::parse(p)?.checked_div(Exact::int(100));
        }
        let (neg, body) = match t.strip_prefix('-') {
            Some(r) => (true, r.trim_start()),
            None => (false, t),
        };
        let body: String = body.chars().filter(|&c| c != '_').collect();
        let (int, frac) = body.split_once('.').unwrap_or((&body, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let digits = format!("{int}{frac}");
        let num: i128 = digits.parse().ok()?;
        let den = 10i128.checked_pow(u32::try_from(frac.len()).ok()?)?;
        let v = Exact::ratio(num, den)?;
        if neg { v.checked_neg() } else { Some(v) }
    }

    /// Parses a number printed the Vietnamese way (`3.612`, `0,16`, `1.587.166`, `1826`, `- 12`) and
    /// returns it with the number of decimals printed. `.` groups thousands, `,` is the decimal comma.
    pub fn parse_vn(text: &str) -> Option<(Exact, u32)> {
        let t = text.trim();
        let (neg, body) = match t.strip_prefix('-').or_else(|| t.strip_prefix('−')) {
            Some(r) => (true, r.trim_start()),
            None => (false, t),
        };
        let body = body.trim_end_matches('%').trim();
        let (int, frac) = body.split_once(',').unwrap_or((body, ""));
        let groups: Vec<&str> = int.split('.').collect();
        if groups.is_empty()
            || groups[0].is_empty()
            || groups[1..].iter().any(|g| g.len() != 3)
            || !int.chars().all(|c| c.is_ascii_digit() || c == '.')
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let int: String = groups.concat();
        let decimals = u32::try_from(frac.len()).ok()?;
        let num: i128 = format!("{int}{frac}").parse().ok()?;
        let v = Exact::ratio(num, 10i128.checked_pow(decimals)?)?;
        Some((if neg { v.checked_neg()? } else { v }, decimals))
    }

    /// Decimal text with exactly `decimals` digits after the point, rounded half-up: `8277.48`.
    pub fn to_decimal(self, decimals: u32) -> String {
        let r = self.round(decimals, Rounding::HalfUp).unwrap_or(self);
        let scale = 10i128.pow(decimals.min(30));
        let scaled = r.num * (scale / r.den.max(1)).max(1);
        let neg = scaled < 0;
        let digits = scaled.unsigned_abs().to_string();
        let d = decimals as usize;
        let (int, frac) = if digits.len() > d {
            digits.split_at(digits.len() - d)
        } else {
            ("0", digits.as_str())
        };
        let frac = format!("{frac:0>d$}");
        let sign = if neg { "-" } else { "" };
        if d == 0 {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        }
    }

    /// Vietnamese display with `decimals` digits: `8.277,48`, `1.416`.
    pub fn to_vn(self, decimals: u32) -> String {
        let s = self.to_decimal(decimals);
        let (sign, s) = match s.strip_prefix('-') {
            Some(r) => ("-", r),
            None => ("", s.as_str()),
        };
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let mut out = String::from(sign);
        for (i, ch) in int.chars().enumerate() {
            if i > 0 && (int.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(ch);
        }
        if !frac.is_empty() {
            out.push(',');
            out.push_str(frac);
        }
        out
    }

    /// Shortest exact decimal text when the value has a finite decimal expansion of at most 12 digits,
    /// else 6 decimals followed by `…`.
    pub fn to_plain(self) -> String {
        for d in 0..=12 {
            if let Some(r) = self.round(d, Rounding::Trunc)
                && r == self
            {
                return self.to_decimal(d);
            }
        }
        format!("{}…", self.to_decimal(6))
    }

    /// Shortest exact Vietnamese display (up to 12 decimals), else 4 decimals and `…`.
    pub fn to_vn_plain(self) -> String {
        for d in 0..=12 {
            if let Some(r) = self.round(d, Rounding::Trunc)
                && r == self
            {
                return self.to_vn(d);
            }
        }
        format!("{}…", self.to_vn(4))
    }
}

impl PartialOrd for Exact {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Exact {
    fn cmp(&self, other: &Self) -> Ordering {
        match (
            self.num.checked_mul(other.den),
            other.num.checked_mul(self.den),
        ) {
            (Some(a), Some(b)) => a.cmp(&b),
            // Too large to cross-multiply: compare the integer parts, then the fractions.
            _ => {
                let (fa, fb) = (self.floor_int(), other.floor_int());
                if fa != fb {
                    return fa.cmp(&fb);
                }
                let ra = self.num - fa * self.den;
                let rb = other.num - fb * other.den;
                (ra as f64 / self.den as f64)
                    .partial_cmp(&(rb as f64 / other.den as f64))
                    .unwrap_or(Ordering::Equal)
            }
        }
    }
}

impl fmt::Display for Exact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_plain())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x(s: &str) -> Exact {
        Exact::parse(s).unwrap()
    }

    #[test]
    fn decimal_text_is_exact() {
        assert_eq!(
            x("4.5%").checked_mul(x("1_490_000")).unwrap(),
            Exact::int(67_050)
        );
        assert_eq!(x("0.1").checked_add(x("0.2")).unwrap(), x("0.3"));
        assert_eq!(x("1/3").to_plain(), "0.333333…");
        assert_eq!(x("-2.50").to_plain(), "-2.5");
        assert!(Exact::parse("1e3").is_none());
        assert!(Exact::parse("").is_none());
    }

    #[test]
    fn vietnamese_printed_numbers() {
        assert_eq!(Exact::parse_vn("3.612"), Some((Exact::int(3612), 0)));
        assert_eq!(Exact::parse_vn("0,16"), Some((x("0.16"), 2)));
        assert_eq!(
            Exact::parse_vn("1.587.166"),
            Some((Exact::int(1_587_166), 0))
        );
        assert_eq!(Exact::parse_vn("1826"), Some((Exact::int(1826), 0)));
        assert!(Exact::parse_vn("1.58").is_none());
        assert!(Exact::parse_vn("abc").is_none());
        assert_eq!(x("8277.4806").to_vn(2), "8.277,48");
        assert_eq!(Exact::int(-1000).to_vn(0), "-1.000");
        assert_eq!(x("0.05").to_vn(2), "0,05");
    }

    #[test]
    fn rounding_rules() {
        let h = x("722.4");
        assert_eq!(h.round_int(Rounding::Ceil), 723);
        assert_eq!(h.round_int(Rounding::HalfUp), 722);
        assert_eq!(x("2.5").round_int(Rounding::HalfUp), 3);
        assert_eq!(x("-2.5").round_int(Rounding::HalfUp), -3);
        assert_eq!(x("2.5").round_int(Rounding::HalfEven), 2);
        assert_eq!(x("3.5").round_int(Rounding::HalfEven), 4);
        assert_eq!(x("-2.7").round_int(Rounding::Trunc), -2);
        assert_eq!(x("-2.2").round_int(Rounding::Floor), -3);
        assert_eq!(x("223.5").round(0, Rounding::HalfUp), Some(x("224")));
        assert_eq!(x("0.165").round(2, Rounding::HalfUp), Some(x("0.17")));
    }
}

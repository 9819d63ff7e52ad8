//! The vectorised evaluator: runs compiled [`Ir`] over a chunk of households (and their members) at once,
//! in three-valued (Kleene) logic. Numbers are carried as intervals `[lo, hi]` so that "not recorded"
//! (the whole range) and partly known counts ("at least 2, at most 4 deficits") decide a comparison
//! exactly when the missing data cannot change its outcome, and leave it unknown otherwise.
//!
//! This is the only evaluator: the batch run and the explained single-household classification both use it.

use crate::columnar::{Batch, Column, FALSE, NULL_CODE, TRUE, UNKNOWN};
use crate::compile::{Arith, Cmp, Ir};
use crate::schema::Level;

/// Integer values as intervals; `hi == None` means exact (`hi == lo`).
pub(crate) struct IV {
    pub lo: Vec<i64>,
    pub hi: Option<Vec<i64>>,
}

impl IV {
    fn exact(lo: Vec<i64>) -> IV {
        IV { lo, hi: None }
    }
    pub fn hi(&self) -> &[i64] {
        self.hi.as_deref().unwrap_or(&self.lo)
    }
}

/// Float values as intervals.
struct FV {
    lo: Vec<f64>,
    hi: Option<Vec<f64>>,
}

impl FV {
    fn hi(&self) -> &[f64] {
        self.hi.as_deref().unwrap_or(&self.lo)
    }
}

/// Per-area values of the standard's income lines: `lines[t] = (rural, urban)`.
#[derive(Clone, Debug, Default)]
pub struct Lines(pub Vec<(i64, i64)>);

/// One chunk of households `h0..h1` and their members.
pub(crate) struct Chunk<'a> {
    pub batch: &'a Batch,
    pub h0: usize,
    pub h1: usize,
    pub m0: usize,
    pub m1: usize,
    /// Household sizes.
    pub n: Vec<i64>,
    /// Deficit interval, once indicators are evaluated.
    pub deficits: Option<IV>,
    pub lines: &'a Lines,
    /// Area code per household (0 rural, 1 urban, NULL_CODE unknown).
    pub area: Option<&'a [u8]>,
}

impl<'a> Chunk<'a> {
    pub fn new(
        batch: &'a Batch,
        h0: usize,
        h1: usize,
        lines: &'a Lines,
        area: Option<&'a [u8]>,
    ) -> Chunk<'a> {
        let off = &batch.offsets[h0..=h1];
        let n = off.windows(2).map(|w| (w[1] - w[0]) as i64).collect();
        Chunk {
            batch,
            h0,
            h1,
            m0: off[0] as usize,
            m1: off[h1 - h0] as usize,
            n,
            deficits: None,
            lines,
            area,
        }
    }

    fn len(&self, level: Level) -> usize {
        match level {
            Level::Household => self.h1 - self.h0,
            Level::Member => self.m1 - self.m0,
        }
    }

    fn offsets(&self) -> &[u32] {
        &self.batch.offsets[self.h0..=self.h1]
    }

    /// Repeats one value per household for each of its members.
    fn broadcast<T: Copy>(&self, v: &[T]) -> Vec<T> {
        let mut out = Vec::with_capacity(self.m1 - self.m0);
        for (j, w) in self.offsets().windows(2).enumerate() {
            out.extend(std::iter::repeat_n(v[j], (w[1] - w[0]) as usize));
        }
        out
    }

    fn at<T: Copy>(
        &self,
        level: Level,
        field_level: Level,
        hh: impl FnOnce() -> Vec<T>,
        mem: impl FnOnce() -> Vec<T>,
    ) -> Vec<T> {
        match (field_level, level) {
            (Level::Member, _) => mem(),
            (Level::Household, Level::Household) => hh(),
            (Level::Household, Level::Member) => self.broadcast(&hh()),
        }
    }

    fn range(&self, fl: Level) -> (usize, usize) {
        match fl {
            Level::Household => (self.h0, self.h1),
            Level::Member => (self.m0, self.m1),
        }
    }

    pub fn eval_b(&self, ir: &Ir, level: Level) -> Vec<u8> {
        let len = self.len(level);
        match ir {
            Ir::BConst(b) => vec![if *b { TRUE } else { FALSE }; len],
            Ir::BField(f) => {
                let fl = f.def().level;
                let (a, b) = self.range(fl);
                let get = || match self.batch.column(*f) {
                    Some(Column::Bool(v)) => v[a..b].to_vec(),
                    _ => vec![UNKNOWN; b - a],
                };
                match (fl, level) {
                    (Level::Household, Level::Member) => self.broadcast(&get()),
                    _ => get(),
                }
            }
            Ir::Not(a) => {
                let mut v = self.eval_b(a, level);
                v.iter_mut().for_each(|x| *x = TRUE - *x);
                v
            }
            Ir::And(a, b) => {
                let mut x = self.eval_b(a, level);
                let y = self.eval_b(b, level);
                x.iter_mut().zip(&y).for_each(|(x, y)| *x = (*x).min(*y));
                x
            }
            Ir::Or(a, b) => {
                let mut x = self.eval_b(a, level);
                let y = self.eval_b(b, level);
                x.iter_mut().zip(&y).for_each(|(x, y)| *x = (*x).max(*y));
                x
            }
            Ir::CmpI(c, a, b) => {
                // Fast path: a recorded field against a constant, read straight from the column.
                if let (Some(x), Ir::IConst(k)) = (self.exact_slice(a, level), b.as_ref()) {
                    return cmp_const(*c, x, *k);
                }
                if let (Ir::IConst(k), Some(y)) = (a.as_ref(), self.exact_slice(b, level)) {
                    return cmp_const(c.flipped(), y, *k);
                }
                let (x, y) = (self.eval_i(a, level), self.eval_i(b, level));
                if x.hi.is_none() && y.hi.is_none() {
                    cmp_exact(*c, &x.lo, &y.lo)
                } else {
                    cmp_interval(*c, &x.lo, x.hi(), &y.lo, y.hi())
                }
            }
            Ir::CmpF(c, a, b) => {
                let (x, y) = (self.eval_f(a, level), self.eval_f(b, level));
                if x.hi.is_none() && y.hi.is_none() && x.lo.iter().chain(&y.lo).all(|v| !v.is_nan())
                {
                    cmp_exact(*c, &x.lo, &y.lo)
                } else {
                    cmp_interval(*c, &x.lo, x.hi(), &y.lo, y.hi())
                }
            }
            Ir::EnumIn(f, mask, neg) => {
                let fl = f.def().level;
                let (a, b) = self.range(fl);
                let (mask, neg) = (*mask, *neg as u8);
                let get = || match self.batch.column(*f) {
                    Some(Column::Enum(v)) => v[a..b]
                        .iter()
                        .map(|&c| {
                            if c == NULL_CODE {
                                UNKNOWN
                            } else {
                                (((mask >> c) & 1) as u8 ^ neg) << 1
                            }
                        })
                        .collect(),
                    _ => vec![UNKNOWN; b - a],
                };
                self.at(level, fl, get, get)
            }
            Ir::Any(p) | Ir::All(p) => {
                let inner = self.eval_b(p, Level::Member);
                let (m0, any) = (self.m0, matches!(ir, Ir::Any(_)));
                self.offsets()
                    .windows(2)
                    .map(|w| {
                        let s = &inner[w[0] as usize - m0..w[1] as usize - m0];
                        let (mut t, mut u) = (false, false);
                        for &x in s {
                            t |= x == (if any { TRUE } else { FALSE });
                            u |= x == UNKNOWN;
                        }
                        match (any, t, u) {
                            (true, true, _) => TRUE,
                            (false, true, _) => FALSE,
                            (_, false, true) => UNKNOWN,
                            (true, false, false) => FALSE,
                            (false, false, false) => TRUE,
                        }
                    })
                    .collect()
            }
            Ir::IfB(c, a, b) => {
                let (c, a, b) = (
                    self.eval_b(c, level),
                    self.eval_b(a, level),
                    self.eval_b(b, level),
                );
                c.iter()
                    .zip(a.iter().zip(&b))
                    .map(|(c, (a, b))| match *c {
                        TRUE => *a,
                        FALSE => *b,
                        _ if a == b => *a,
                        _ => UNKNOWN,
                    })
                    .collect()
            }
            _ => vec![UNKNOWN; len],
        }
    }

    /// The column slice of an integer field with no null, when it is read at its own level.
    fn exact_slice(&self, ir: &Ir, level: Level) -> Option<&'a [i64]> {
        let Ir::IField(f) = ir else { return None };
        if f.def().level != level {
            return None;
        }
        let (a, b) = self.range(level);
        match self.batch.column(*f) {
            Some(Column::Int {
                values,
                valid: None,
            }) => Some(&values[a..b]),
            _ => None,
        }
    }

    pub fn eval_i(&self, ir: &Ir, level: Level) -> IV {
        let len = self.len(level);
        match ir {
            Ir::IConst(v) => IV::exact(vec![*v; len]),
            Ir::IField(f) => {
                let fl = f.def().level;
                let (a, b) = self.range(fl);
                match self.batch.column(*f) {
                    Some(Column::Int {
                        values,
                        valid: None,
                    }) => IV::exact(self.at(
                        level,
                        fl,
                        || values[a..b].to_vec(),
                        || values[a..b].to_vec(),
                    )),
                    Some(Column::Int {
                        values,
                        valid: Some(valid),
                    }) => {
                        let lo: Vec<i64> = values[a..b]
                            .iter()
                            .zip(&valid[a..b])
                            .map(|(v, ok)| if *ok { *v } else { i64::MIN })
                            .collect();
                        let hi: Vec<i64> = values[a..b]
                            .iter()
                            .zip(&valid[a..b])
                            .map(|(v, ok)| if *ok { *v } else { i64::MAX })
                            .collect();
                        match (fl, level) {
                            (Level::Household, Level::Member) => IV {
                                lo: self.broadcast(&lo),
                                hi: Some(self.broadcast(&hi)),
                            },
                            _ => IV { lo, hi: Some(hi) },
                        }
                    }
                    _ => IV {
                        lo: vec![i64::MIN; len],
                        hi: Some(vec![i64::MAX; len]),
                    },
                }
            }
            Ir::N => IV::exact(self.at(level, Level::Household, || self.n.clone(), Vec::new)),
            // One value per household: repeated for each member inside a member aggregate.
            Ir::Deficits => match (&self.deficits, level) {
                (Some(d), Level::Household) => IV {
                    lo: d.lo.clone(),
                    hi: d.hi.clone(),
                },
                (Some(d), Level::Member) => IV {
                    lo: self.broadcast(&d.lo),
                    hi: d.hi.as_ref().map(|h| self.broadcast(h)),
                },
                (None, _) => IV {
                    lo: vec![0; len],
                    hi: Some(vec![i64::MAX; len]),
                },
            },
            Ir::Threshold(t) => {
                let (rural, urban) = self.lines.0[*t as usize];
                let (lo, hi): (Vec<i64>, Vec<i64>) = match self.area {
                    Some(area) => area[self.h0..self.h1]
                        .iter()
                        .map(|a| match *a {
                            0 => (rural, rural),
                            1 => (urban, urban),
                            _ => (rural.min(urban), rural.max(urban)),
                        })
                        .unzip(),
                    None => (
                        vec![rural.min(urban); self.h1 - self.h0],
                        vec![rural.max(urban); self.h1 - self.h0],
                    ),
                };
                let exact = lo == hi;
                let (lo, hi) = match level {
                    Level::Household => (lo, hi),
                    Level::Member => (self.broadcast(&lo), self.broadcast(&hi)),
                };
                IV {
                    lo,
                    hi: if exact { None } else { Some(hi) },
                }
            }
            Ir::ArI(op, a, b) => {
                let (x, y) = (self.eval_i(a, level), self.eval_i(b, level));
                arith_i(*op, x, y)
            }
            Ir::Count(p) => {
                let inner = self.eval_b(p, Level::Member);
                let m0 = self.m0;
                let mut lo = Vec::with_capacity(len);
                let mut hi = Vec::with_capacity(len);
                let mut exact = true;
                for w in self.offsets().windows(2) {
                    let (mut t, mut u) = (0i64, 0i64);
                    for &x in &inner[w[0] as usize - m0..w[1] as usize - m0] {
                        t += (x == TRUE) as i64;
                        u += (x == UNKNOWN) as i64;
                    }
                    exact &= u == 0;
                    lo.push(t);
                    hi.push(t + u);
                }
                IV {
                    lo,
                    hi: if exact { None } else { Some(hi) },
                }
            }
            Ir::SumI(e) => {
                let inner = self.eval_i(e, Level::Member);
                let m0 = self.m0;
                let sum = |v: &[i64]| -> Vec<i64> {
                    self.offsets()
                        .windows(2)
                        .map(|w| {
                            v[w[0] as usize - m0..w[1] as usize - m0]
                                .iter()
                                .fold(0i64, |s, x| s.saturating_add(*x))
                        })
                        .collect()
                };
                let lo = sum(&inner.lo);
                let hi = inner.hi.as_ref().map(|h| sum(h));
                IV { lo, hi }
            }
            Ir::IfI(c, a, b) => {
                let (c, a, b) = (
                    self.eval_b(c, level),
                    self.eval_i(a, level),
                    self.eval_i(b, level),
                );
                let mut lo = Vec::with_capacity(len);
                let mut hi = Vec::with_capacity(len);
                let (ah, bh) = (a.hi(), b.hi());
                for i in 0..len {
                    let (l, h) = match c[i] {
                        TRUE => (a.lo[i], ah[i]),
                        FALSE => (b.lo[i], bh[i]),
                        _ => (a.lo[i].min(b.lo[i]), ah[i].max(bh[i])),
                    };
                    lo.push(l);
                    hi.push(h);
                }
                if lo == hi {
                    IV::exact(lo)
                } else {
                    IV { lo, hi: Some(hi) }
                }
            }
            _ => IV {
                lo: vec![i64::MIN; len],
                hi: Some(vec![i64::MAX; len]),
            },
        }
    }

    fn eval_f(&self, ir: &Ir, level: Level) -> FV {
        let len = self.len(level);
        match ir {
            Ir::FConst(v) => FV {
                lo: vec![*v; len],
                hi: None,
            },
            Ir::FField(f) => {
                let fl = f.def().level;
                let (a, b) = self.range(fl);
                match self.batch.column(*f) {
                    Some(Column::Float(v)) => {
                        let vals = self.at(level, fl, || v[a..b].to_vec(), || v[a..b].to_vec());
                        if vals.iter().any(|x| x.is_nan()) {
                            let lo = vals
                                .iter()
                                .map(|x| if x.is_nan() { f64::NEG_INFINITY } else { *x })
                                .collect();
                            let hi = vals
                                .iter()
                                .map(|x| if x.is_nan() { f64::INFINITY } else { *x })
                                .collect();
                            FV { lo, hi: Some(hi) }
                        } else {
                            FV { lo: vals, hi: None }
                        }
                    }
                    _ => FV {
                        lo: vec![f64::NEG_INFINITY; len],
                        hi: Some(vec![f64::INFINITY; len]),
                    },
                }
            }
            Ir::ToF(a) => {
                let x = self.eval_i(a, level);
                let conv = |v: &[i64]| -> Vec<f64> {
                    v.iter()
                        .map(|&v| match v {
                            i64::MIN => f64::NEG_INFINITY,
                            i64::MAX => f64::INFINITY,
                            v => v as f64,
                        })
                        .collect()
                };
                FV {
                    lo: conv(&x.lo),
                    hi: x.hi.as_ref().map(|h| conv(h)),
                }
            }
            Ir::ArF(op, a, b) => {
                let (x, y) = (self.eval_f(a, level), self.eval_f(b, level));
                arith_f(*op, x, y)
            }
            Ir::IfF(c, a, b) => {
                let (c, a, b) = (
                    self.eval_b(c, level),
                    self.eval_f(a, level),
                    self.eval_f(b, level),
                );
                let (ah, bh) = (a.hi(), b.hi());
                let mut lo = Vec::with_capacity(len);
                let mut hi = Vec::with_capacity(len);
                for i in 0..len {
                    let (l, h) = match c[i] {
                        TRUE => (a.lo[i], ah[i]),
                        FALSE => (b.lo[i], bh[i]),
                        _ => (a.lo[i].min(b.lo[i]), ah[i].max(bh[i])),
                    };
                    lo.push(l);
                    hi.push(h);
                }
                FV { lo, hi: Some(hi) }
            }
            _ => FV {
                lo: vec![f64::NEG_INFINITY; len],
                hi: Some(vec![f64::INFINITY; len]),
            },
        }
    }
}

fn cmp_const(c: Cmp, x: &[i64], k: i64) -> Vec<u8> {
    let it = x.iter();
    match c {
        Cmp::Lt => it.map(|a| ((*a < k) as u8) << 1).collect(),
        Cmp::Le => it.map(|a| ((*a <= k) as u8) << 1).collect(),
        Cmp::Gt => it.map(|a| ((*a > k) as u8) << 1).collect(),
        Cmp::Ge => it.map(|a| ((*a >= k) as u8) << 1).collect(),
        Cmp::Eq => it.map(|a| ((*a == k) as u8) << 1).collect(),
        Cmp::Ne => it.map(|a| ((*a != k) as u8) << 1).collect(),
    }
}

fn cmp_exact<T: PartialOrd + Copy>(c: Cmp, x: &[T], y: &[T]) -> Vec<u8> {
    let z = x.iter().zip(y);
    match c {
        Cmp::Lt => z.map(|(a, b)| ((a < b) as u8) << 1).collect(),
        Cmp::Le => z.map(|(a, b)| ((a <= b) as u8) << 1).collect(),
        Cmp::Gt => z.map(|(a, b)| ((a > b) as u8) << 1).collect(),
        Cmp::Ge => z.map(|(a, b)| ((a >= b) as u8) << 1).collect(),
        Cmp::Eq => z.map(|(a, b)| ((a == b) as u8) << 1).collect(),
        Cmp::Ne => z.map(|(a, b)| ((a != b) as u8) << 1).collect(),
    }
}

/// Comparison of intervals: true when it holds for every pair of values, false when for none.
fn cmp_interval<T: PartialOrd + Copy>(
    c: Cmp,
    alo: &[T],
    ahi: &[T],
    blo: &[T],
    bhi: &[T],
) -> Vec<u8> {
    (0..alo.len())
        .map(|i| {
            let (al, ah, bl, bh) = (alo[i], ahi[i], blo[i], bhi[i]);
            let le = |always: bool, never: bool| {
                if always {
                    TRUE
                } else if never {
                    FALSE
                } else {
                    UNKNOWN
                }
            };
            match c {
                Cmp::Lt => le(ah < bl, al >= bh),
                Cmp::Le => le(ah <= bl, al > bh),
                Cmp::Gt => le(al > bh, ah <= bl),
                Cmp::Ge => le(al >= bh, ah < bl),
                Cmp::Eq => le(al == ah && bl == bh && al == bl, ah < bl || al > bh),
                Cmp::Ne => le(ah < bl || al > bh, al == ah && bl == bh && al == bl),
            }
        })
        .collect()
}

fn arith_i(op: Arith, x: IV, y: IV) -> IV {
    let exact = x.hi.is_none() && y.hi.is_none();
    if exact {
        let lo =
            x.lo.iter()
                .zip(&y.lo)
                .map(|(a, b)| match op {
                    Arith::Add => a.saturating_add(*b),
                    Arith::Sub => a.saturating_sub(*b),
                    Arith::Mul => a.saturating_mul(*b),
                    Arith::Div => a.checked_div(*b).unwrap_or(0),
                })
                .collect();
        return IV::exact(lo);
    }
    let (xh, yh) = (x.hi(), y.hi());
    let mut lo = Vec::with_capacity(x.lo.len());
    let mut hi = Vec::with_capacity(x.lo.len());
    for i in 0..x.lo.len() {
        let (a, b, c, d) = (x.lo[i], xh[i], y.lo[i], yh[i]);
        let (l, h) = match op {
            Arith::Add => (a.saturating_add(c), b.saturating_add(d)),
            Arith::Sub => (a.saturating_sub(d), b.saturating_sub(c)),
            _ => {
                let p = [
                    a.saturating_mul(c),
                    a.saturating_mul(d),
                    b.saturating_mul(c),
                    b.saturating_mul(d),
                ];
                (
                    p.iter().copied().min().unwrap_or(i64::MIN),
                    p.iter().copied().max().unwrap_or(i64::MAX),
                )
            }
        };
        lo.push(l);
        hi.push(h);
    }
    IV { lo, hi: Some(hi) }
}

fn arith_f(op: Arith, x: FV, y: FV) -> FV {
    let n = x.lo.len();
    if x.hi.is_none() && y.hi.is_none() {
        let lo =
            x.lo.iter()
                .zip(&y.lo)
                .map(|(a, b)| match op {
                    Arith::Add => a + b,
                    Arith::Sub => a - b,
                    Arith::Mul => a * b,
                    Arith::Div => a / b,
                })
                .collect::<Vec<f64>>();
        if lo.iter().all(|v| v.is_finite()) {
            return FV { lo, hi: None };
        }
        let hi = lo
            .iter()
            .map(|v| if v.is_finite() { *v } else { f64::INFINITY })
            .collect();
        let lo = lo
            .iter()
            .map(|v| if v.is_finite() { *v } else { f64::NEG_INFINITY })
            .collect();
        return FV { lo, hi: Some(hi) };
    }
    let (xh, yh) = (x.hi(), y.hi());
    let mut lo = Vec::with_capacity(n);
    let mut hi = Vec::with_capacity(n);
    for i in 0..n {
        let (a, b, c, d) = (x.lo[i], xh[i], y.lo[i], yh[i]);
        let (l, h) = match op {
            Arith::Add => (a + c, b + d),
            Arith::Sub => (a - d, b - c),
            Arith::Div if c <= 0.0 && d >= 0.0 => (f64::NEG_INFINITY, f64::INFINITY),
            _ => {
                let f = |p: f64, q: f64| if op == Arith::Mul { p * q } else { p / q };
                let p = [f(a, c), f(a, d), f(b, c), f(b, d)];
                (
                    p.iter().copied().fold(f64::INFINITY, f64::min),
                    p.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                )
            }
        };
        if l.is_nan() || h.is_nan() {
            lo.push(f64::NEG_INFINITY);
            hi.push(f64::INFINITY);
        } else {
            lo.push(l);
            hi.push(h);
        }
    }
    FV { lo, hi: Some(hi) }
}

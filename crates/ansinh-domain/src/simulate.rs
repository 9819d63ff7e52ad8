//! What-if simulation: classify one batch under a base standard and an alternative at once (one pass over
//! the data, chunk by chunk, in parallel) and compare: the from→to class matrix of households and persons,
//! the same per unit (commune, province), each indicator's households newly deprived or no longer counted,
//! and the budget impact per policy priced with a [`PolicySet`].
//!
//! Choices written down:
//! - A household the engine cannot classify (missing data) is its own state, *incomplete*, on both sides
//!   of the matrix: it is never counted as not poor.
//! - An indicator that one standard does not have (dropped, or not in that standard's set) counts as not
//!   deprived under that standard, so dropping an indicator shows its households as "no longer counted".
//! - Budget impact is priced by each policy's planning count (`counts` in the policy file) when that count
//!   is a class count this module can compute (`poor_households`, `near_poor_persons`,
//!   `poor_and_near_poor_persons`, …); other policies are listed as not priced, with the reason. Conditions
//!   of a policy beyond the class (e.g. living in a poor commune) are not applied: the caveat says so.

// The from→to matrix reads best indexed by state on both axes.
#![allow(clippy::needless_range_loop)]

use rayon::prelude::*;

use crate::classify::{INCOMPLETE, classify_chunk};
use crate::columnar::Batch;
use crate::policy::{Caveat, PolicySet, push_caveat};
use crate::standard::{Class, Standard};

/// Number of states a household can be in: the four classes and incomplete.
pub const STATES: usize = 5;
/// Index of the incomplete state in the matrix.
pub const INCOMPLETE_STATE: usize = 4;

/// Households per chunk (as in classification).
const CHUNK: usize = 1024;

/// Matrix index of a class code of [`crate::classify::Results::class`].
pub fn state_of(code: u8) -> usize {
    if code == INCOMPLETE || code as usize >= Class::ALL.len() {
        INCOMPLETE_STATE
    } else {
        code as usize
    }
}

/// Stable code of a state: a class code or `incomplete`.
pub fn state_code(s: usize) -> &'static str {
    Class::ALL.get(s).map_or("incomplete", |c| c.code())
}

/// Vietnamese name of a state.
pub fn state_vi(s: usize) -> &'static str {
    Class::ALL.get(s).map_or("chưa đủ dữ liệu", |c| c.vi())
}

/// English name of a state.
pub fn state_en(s: usize) -> &'static str {
    Class::ALL
        .get(s)
        .map_or("incomplete (data missing)", |c| c.en())
}

/// Households and persons.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    pub households: i64,
    pub persons: i64,
}

impl Count {
    fn add(&mut self, n: i64) {
        self.households += 1;
        self.persons += n;
    }
    fn merge(&mut self, o: Count) {
        self.households += o.households;
        self.persons += o.persons;
    }
}

/// `matrix[from][to]`: households (and their persons) in state `from` under the base standard and `to`
/// under the alternative.
pub type Matrix = [[Count; STATES]; STATES];

/// Sums of a matrix.
pub trait MatrixExt {
    /// Households/persons in `state` under the base standard.
    fn base(&self, state: usize) -> Count;
    /// Households/persons in `state` under the alternative.
    fn alt(&self, state: usize) -> Count;
    /// Households/persons whose state changes.
    fn changed(&self) -> Count;
    /// Households/persons entering the set of states `set` (outside it under the base, inside under the
    /// alternative), and leaving it.
    fn entering_leaving(&self, set: &[usize]) -> (Count, Count);
}

impl MatrixExt for Matrix {
    fn base(&self, state: usize) -> Count {
        let mut c = Count::default();
        for to in 0..STATES {
            c.merge(self[state][to]);
        }
        c
    }
    fn alt(&self, state: usize) -> Count {
        let mut c = Count::default();
        for from in 0..STATES {
            c.merge(self[from][state]);
        }
        c
    }
    fn changed(&self) -> Count {
        let mut c = Count::default();
        for from in 0..STATES {
            for to in 0..STATES {
                if from != to {
                    c.merge(self[from][to]);
                }
            }
        }
        c
    }
    fn entering_leaving(&self, set: &[usize]) -> (Count, Count) {
        let (mut e, mut l) = (Count::default(), Count::default());
        for from in 0..STATES {
            for to in 0..STATES {
                match (set.contains(&from), set.contains(&to)) {
                    (false, true) => e.merge(self[from][to]),
                    (true, false) => l.merge(self[from][to]),
                    _ => {}
                }
            }
        }
        (e, l)
    }
}

fn merge_matrix(a: &mut Matrix, b: &Matrix) {
    for from in 0..STATES {
        for to in 0..STATES {
            a[from][to].merge(b[from][to]);
        }
    }
}

/// One indicator compared across the two standards.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndicatorChange {
    pub id: String,
    pub vi: String,
    pub en: String,
    /// Whether each standard has the indicator.
    pub in_base: bool,
    pub in_alt: bool,
    /// Households deprived on it under each standard.
    pub base_deprived: i64,
    pub alt_deprived: i64,
    /// Deprived under the alternative, not under the base.
    pub newly_deprived: i64,
    /// Deprived under the base, not (or no longer counted) under the alternative.
    pub no_longer_counted: i64,
    /// Households whose value on it cannot be decided (data missing), under each standard.
    pub base_unknown: i64,
    pub alt_unknown: i64,
}

/// One unit (commune or province) compared across the two standards.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnitChange {
    pub code: i64,
    /// The province of a commune (from its first household).
    pub parent: Option<i64>,
    pub matrix: Matrix,
}

/// The whole comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    pub base_id: String,
    pub alt_id: String,
    pub households: i64,
    pub persons: i64,
    pub matrix: Matrix,
    /// Union of both standards' indicators: the base's in order, then the alternative's new ones.
    pub indicators: Vec<IndicatorChange>,
    /// Households whose number of known deprivations differs between the standards.
    pub deficit_count_changed: i64,
    /// Sum over households of the known deprivations, under each standard.
    pub base_deficit_sum: i64,
    pub alt_deficit_sum: i64,
    /// By commune and by province, sorted by code (empty when the batch has no such codes).
    pub communes: Vec<UnitChange>,
    pub provinces: Vec<UnitChange>,
    /// Unconfirmed points of either standard (subject prefixed with the standard id).
    pub caveats: Vec<Caveat>,
}

/// An indicator of either standard: id, names, and its bit under the base and under the alternative.
type IndicatorBits = (String, String, String, Option<u32>, Option<u32>);

struct ChunkOut {
    base: Vec<u8>,
    alt: Vec<u8>,
    matrix: Matrix,
    ind: Vec<[i64; 6]>,
    deficit_changed: i64,
    base_sum: i64,
    alt_sum: i64,
}

/// Compares `base` and `alt` on every household of `batch`. `commune` and `province` give each
/// household's unit codes (batch order), when known.
pub fn simulate(
    base: &Standard,
    alt: &Standard,
    batch: &Batch,
    commune: Option<&[i64]>,
    province: Option<&[i64]>,
) -> Simulation {
    // Union of indicators, with the bit each standard gives them.
    let mut ids: Vec<IndicatorBits> = base
        .indicators
        .iter()
        .enumerate()
        .map(|(b, i)| {
            (
                i.id.clone(),
                i.vi.clone(),
                i.en.clone(),
                Some(b as u32),
                None,
            )
        })
        .collect();
    for (b, i) in alt.indicators.iter().enumerate() {
        match ids.iter_mut().find(|x| x.0 == i.id) {
            Some(x) => x.4 = Some(b as u32),
            None => ids.push((
                i.id.clone(),
                i.vi.clone(),
                i.en.clone(),
                None,
                Some(b as u32),
            )),
        }
    }
    let bits: Vec<(Option<u32>, Option<u32>)> = ids.iter().map(|x| (x.3, x.4)).collect();
    let h = batch.households();
    let starts: Vec<usize> = (0..h).step_by(CHUNK).collect();
    let parts: Vec<ChunkOut> = starts
        .par_iter()
        .map(|&h0| {
            let h1 = (h0 + CHUNK).min(h);
            let (rb, _) = classify_chunk(base, batch, h0, h1);
            let (ra, _) = classify_chunk(alt, batch, h0, h1);
            let mut out = ChunkOut {
                base: Vec::new(),
                alt: Vec::new(),
                matrix: Matrix::default(),
                ind: vec![[0; 6]; bits.len()],
                deficit_changed: 0,
                base_sum: 0,
                alt_sum: 0,
            };
            for j in 0..rb.len() {
                let n = rb.n[j] as i64;
                out.matrix[state_of(rb.class[j])][state_of(ra.class[j])].add(n);
                out.deficit_changed += (rb.deficit_count[j] != ra.deficit_count[j]) as i64;
                out.base_sum += rb.deficit_count[j] as i64;
                out.alt_sum += ra.deficit_count[j] as i64;
                let (bm, am) = (rb.deficit_mask[j], ra.deficit_mask[j]);
                let (bu, au) = (rb.unknown_mask[j], ra.unknown_mask[j]);
                for (k, &(bb, ab)) in bits.iter().enumerate() {
                    let bd = bb.is_some_and(|b| bm >> b & 1 == 1);
                    let ad = ab.is_some_and(|b| am >> b & 1 == 1);
                    let c = &mut out.ind[k];
                    c[0] += bd as i64;
                    c[1] += ad as i64;
                    c[2] += (ad && !bd) as i64;
                    c[3] += (bd && !ad) as i64;
                    c[4] += bb.is_some_and(|b| bu >> b & 1 == 1) as i64;
                    c[5] += ab.is_some_and(|b| au >> b & 1 == 1) as i64;
                }
            }
            out.base = rb.class;
            out.alt = ra.class;
            out
        })
        .collect();

    let mut matrix = Matrix::default();
    let mut ind = vec![[0i64; 6]; bits.len()];
    let (mut deficit_count_changed, mut base_deficit_sum, mut alt_deficit_sum) = (0, 0, 0);
    let mut base_class = Vec::with_capacity(h);
    let mut alt_class = Vec::with_capacity(h);
    for p in parts {
        merge_matrix(&mut matrix, &p.matrix);
        for (a, b) in ind.iter_mut().zip(&p.ind) {
            for k in 0..6 {
                a[k] += b[k];
            }
        }
        deficit_count_changed += p.deficit_changed;
        base_deficit_sum += p.base_sum;
        alt_deficit_sum += p.alt_sum;
        base_class.extend_from_slice(&p.base);
        alt_class.extend_from_slice(&p.alt);
    }
    let sizes: Vec<i64> = batch
        .offsets
        .windows(2)
        .map(|w| i64::from(w[1] - w[0]))
        .collect();
    let by_unit = |keys: &[i64], parents: Option<&[i64]>| {
        units(keys, parents, &sizes, &base_class, &alt_class)
    };
    let communes = match commune {
        Some(c) if c.len() == h => by_unit(c, province.filter(|p| p.len() == h)),
        _ => Vec::new(),
    };
    let provinces = match province {
        Some(p) if p.len() == h => by_unit(p, None),
        _ => Vec::new(),
    };
    let indicators = ids
        .into_iter()
        .zip(ind)
        .map(|((id, vi, en, b, a), c)| IndicatorChange {
            id,
            vi,
            en,
            in_base: b.is_some(),
            in_alt: a.is_some(),
            base_deprived: c[0],
            alt_deprived: c[1],
            newly_deprived: c[2],
            no_longer_counted: c[3],
            base_unknown: c[4],
            alt_unknown: c[5],
        })
        .collect();
    let mut caveats = Vec::new();
    for s in [base, alt] {
        for c in &s.caveats {
            push_caveat(
                &mut caveats,
                Caveat {
                    subject: format!("{}/{}", s.id, c.subject),
                    note: c.note.clone(),
                },
            );
        }
    }
    Simulation {
        base_id: base.id.clone(),
        alt_id: alt.id.clone(),
        households: h as i64,
        persons: sizes.iter().sum(),
        matrix,
        indicators,
        deficit_count_changed,
        base_deficit_sum,
        alt_deficit_sum,
        communes,
        provinces,
        caveats,
    }
}

fn units(
    keys: &[i64],
    parents: Option<&[i64]>,
    sizes: &[i64],
    base: &[u8],
    alt: &[u8],
) -> Vec<UnitChange> {
    let mut map: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    let mut rows: Vec<UnitChange> = Vec::new();
    let mut last: Option<(i64, usize)> = None;
    for i in 0..keys.len() {
        let k = keys[i];
        let idx = match last {
            Some((lk, li)) if lk == k => li,
            _ => *map.entry(k).or_insert_with(|| {
                rows.push(UnitChange {
                    code: k,
                    parent: parents.map(|p| p[i]),
                    matrix: Matrix::default(),
                });
                rows.len() - 1
            }),
        };
        last = Some((k, idx));
        rows[idx].matrix[state_of(base[i])][state_of(alt[i])].add(sizes[i]);
    }
    rows.sort_by_key(|r| r.code);
    rows
}

// ------------------------------------------------------------------ budget impact

/// The class counts a policy's planning count (`counts`) can name, with the states and whether it counts
/// persons (else households).
pub fn class_count(key: &str) -> Option<(&'static [usize], bool)> {
    const P: &[usize] = &[0];
    const N: &[usize] = &[1];
    const PN: &[usize] = &[0, 1];
    const A: &[usize] = &[2];
    Some(match key {
        "poor_households" => (P, false),
        "poor_persons" => (P, true),
        "near_poor_households" => (N, false),
        "near_poor_persons" => (N, true),
        "poor_and_near_poor_households" => (PN, false),
        "poor_and_near_poor_persons" => (PN, true),
        "average_households" => (A, false),
        "average_persons" => (A, true),
        _ => return None,
    })
}

/// One policy's budget impact for one year.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetLine {
    pub policy: String,
    pub name_vi: String,
    pub name_en: String,
    /// The class count the policy is priced by.
    pub counts: String,
    pub year: i32,
    /// Amount per unit for the year (whole đồng).
    pub per_unit: i64,
    pub base_units: i64,
    pub alt_units: i64,
    /// Units entering eligibility (outside the classes under the base, inside under the alternative).
    pub entering: i64,
    pub leaving: i64,
    pub base_amount: i64,
    pub alt_amount: i64,
    /// `alt_amount − base_amount` (= (entering − leaving) × per_unit).
    pub delta_amount: i64,
    pub caveats: Vec<Caveat>,
}

/// Budget impact of a simulation for `year`, per policy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Budget {
    pub year: i32,
    pub lines: Vec<BudgetLine>,
    /// `(policy, reason)` for policies not priced.
    pub skipped: Vec<(String, String)>,
}

impl Budget {
    pub fn delta_total(&self) -> i64 {
        self.lines.iter().map(|l| l.delta_amount).sum()
    }
}

/// Prices the class changes of `sim` with every policy of `set` in force in `year` whose planning count
/// is a class count ([`class_count`]). With `jurisdiction`, a province's own policies apply only there.
pub fn budget_impact(
    sim: &Simulation,
    set: &PolicySet,
    year: i32,
    jurisdiction: Option<&str>,
) -> Result<Budget, String> {
    let mut out = Budget {
        year,
        ..Default::default()
    };
    let none = std::collections::BTreeMap::new();
    for p in set.all() {
        if let Some(pj) = &p.jurisdiction
            && jurisdiction != Some(pj.as_str())
        {
            out.skipped
                .push((p.id.clone(), format!("belongs to jurisdiction {pj}")));
            continue;
        }
        let Some(key) = &p.counts else {
            out.skipped.push((p.id.clone(), "no planning count".into()));
            continue;
        };
        let Some((states, persons)) = class_count(key) else {
            out.skipped
                .push((p.id.clone(), format!("count `{key}` is not a class count")));
            continue;
        };
        let ya = p.amount_in_year(&set.refs, year, &none)?;
        if ya.vnd == 0 && ya.months.is_empty() {
            out.skipped
                .push((p.id.clone(), format!("not in force in {year}")));
            continue;
        }
        let pick = |c: Count| if persons { c.persons } else { c.households };
        let sum = |f: &dyn Fn(usize) -> Count| states.iter().map(|&s| pick(f(s))).sum::<i64>();
        let base_units = sum(&|s| sim.matrix.base(s));
        let alt_units = sum(&|s| sim.matrix.alt(s));
        let (e, l) = sim.matrix.entering_leaving(states);
        let money = |units: i64| {
            units
                .checked_mul(ya.vnd)
                .ok_or_else(|| format!("policy `{}`: {units} × {} overflows", p.id, ya.vnd))
        };
        let base_amount = money(base_units)?;
        let alt_amount = money(alt_units)?;
        let mut caveats = ya.caveats.clone();
        push_caveat(
            &mut caveats,
            Caveat {
                subject: format!("policy:{}", p.id),
                note: format!(
                    "priced by the class count `{key}`; eligibility conditions beyond the class are not applied"
                ),
            },
        );
        out.lines.push(BudgetLine {
            policy: p.id.clone(),
            name_vi: p.name_vi.clone(),
            name_en: p.name_en.clone(),
            counts: key.clone(),
            year,
            per_unit: ya.vnd,
            base_units,
            alt_units,
            entering: pick(e),
            leaving: pick(l),
            base_amount,
            alt_amount,
            delta_amount: alt_amount - base_amount,
            caveats,
        });
    }
    Ok(out)
}

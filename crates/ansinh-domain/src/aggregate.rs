//! Unit aggregates (commune, province, …) of classification results, as defined in the benchmark rule.

use std::collections::HashMap;

use crate::classify::Results;
use crate::standard::Class;

/// Counts for one unit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnitRow {
    pub code: i64,
    /// The enclosing unit (the province of a commune), when aggregated with one.
    pub parent: Option<i64>,
    pub households: i64,
    pub persons: i64,
    pub poor_households: i64,
    pub near_poor_households: i64,
    pub poor_persons: i64,
    pub near_poor_persons: i64,
    pub average_households: i64,
    pub incomplete_households: i64,
    /// Σ deficit_count over all households.
    pub deficit_sum: i64,
}

impl UnitRow {
    pub fn poor_household_rate(&self) -> f64 {
        self.poor_households as f64 / self.households as f64
    }
    pub fn near_poor_household_rate(&self) -> f64 {
        self.near_poor_households as f64 / self.households as f64
    }
    pub fn poor_person_rate(&self) -> f64 {
        self.poor_persons as f64 / self.persons as f64
    }
    pub fn near_poor_person_rate(&self) -> f64 {
        self.near_poor_persons as f64 / self.persons as f64
    }
    pub fn mean_deficits(&self) -> f64 {
        self.deficit_sum as f64 / self.households as f64
    }
    fn add(&mut self, n: i64, class: u8, deficits: u8) {
        self.households += 1;
        self.persons += n;
        self.deficit_sum += deficits as i64;
        match Class::ALL.get(class as usize) {
            Some(Class::Poor) => {
                self.poor_households += 1;
                self.poor_persons += n;
            }
            Some(Class::NearPoor) => {
                self.near_poor_households += 1;
                self.near_poor_persons += n;
            }
            Some(Class::Average) => self.average_households += 1,
            Some(Class::NotPoor) => {}
            None => self.incomplete_households += 1,
        }
    }
}

/// Largest key range counted in a dense table; wider key sets are counted in a hash map.
const DENSE_RANGE: i128 = 1 << 22;

/// Unit aggregates built up part by part (a batch read in pieces adds each piece in turn); the rows
/// equal those of [`aggregate`] over the whole.
#[derive(Debug, Default)]
pub struct Aggregator {
    /// Dense counts: `dense[k - base]` for key `k`.
    base: i64,
    dense: Vec<UnitRow>,
    sparse: HashMap<i64, UnitRow>,
}

impl Aggregator {
    pub fn new() -> Aggregator {
        Aggregator::default()
    }

    /// Adds households `keys[i]` (with `parents[i]`) whose results are `r[i]`.
    pub fn add(&mut self, keys: &[i64], parents: Option<&[i64]>, r: &Results) {
        let Some((min, max)) = keys.iter().fold(None, |m: Option<(i64, i64)>, &k| match m {
            None => Some((k, k)),
            Some((a, b)) => Some((a.min(k), b.max(k))),
        }) else {
            return;
        };
        if self.sparse.is_empty() && self.fit_dense(min, max) {
            for i in 0..keys.len() {
                let row = &mut self.dense[(keys[i] - self.base) as usize];
                if row.households == 0 {
                    row.code = keys[i];
                    row.parent = parents.map(|p| p[i]);
                }
                row.add(r.n[i] as i64, r.class[i], r.deficit_count[i]);
            }
        } else {
            for i in 0..keys.len() {
                let row = self.sparse.entry(keys[i]).or_insert_with(|| UnitRow {
                    code: keys[i],
                    parent: parents.map(|p| p[i]),
                    ..Default::default()
                });
                row.add(r.n[i] as i64, r.class[i], r.deficit_count[i]);
            }
        }
    }

    /// Grows the dense table to hold `min..=max`; when the range would be too wide, moves what is
    /// counted so far into the hash map and returns false.
    fn fit_dense(&mut self, min: i64, max: i64) -> bool {
        let (lo, hi) = if self.dense.is_empty() {
            (min, max)
        } else {
            (
                min.min(self.base),
                max.max(self.base + self.dense.len() as i64 - 1),
            )
        };
        if (hi as i128 - lo as i128) >= DENSE_RANGE {
            for row in self.dense.drain(..) {
                if row.households > 0 {
                    self.sparse.insert(row.code, row);
                }
            }
            return false;
        }
        let len = (hi - lo + 1) as usize;
        if self.dense.is_empty() {
            self.base = lo;
            self.dense = vec![UnitRow::default(); len];
        } else if lo < self.base || len > self.dense.len() {
            let mut grown = vec![UnitRow::default(); len];
            let at = (self.base - lo) as usize;
            grown[at..at + self.dense.len()].clone_from_slice(&self.dense);
            self.base = lo;
            self.dense = grown;
        }
        true
    }

    /// The rows, sorted by key.
    pub fn finish(self) -> Vec<UnitRow> {
        if self.sparse.is_empty() {
            return self
                .dense
                .into_iter()
                .filter(|r| r.households > 0)
                .collect();
        }
        let mut rows: Vec<UnitRow> = self.sparse.into_values().collect();
        rows.sort_by_key(|r| r.code);
        rows
    }
}

/// Aggregates results by `keys[i]` (one key per household), sorted by key. With `parents`, each row also
/// carries the parent key of its first household (a commune lies in exactly one province).
pub fn aggregate(keys: &[i64], parents: Option<&[i64]>, r: &Results) -> Vec<UnitRow> {
    let mut acc = Aggregator::new();
    acc.add(keys, parents, r);
    acc.finish()
}

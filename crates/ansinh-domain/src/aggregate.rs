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

/// Aggregates results by `keys[i]` (one key per household), sorted by key. With `parents`, each row also
/// carries the parent key of its first household (a commune lies in exactly one province).
pub fn aggregate(keys: &[i64], parents: Option<&[i64]>, r: &Results) -> Vec<UnitRow> {
    let (min, max) = keys
        .iter()
        .fold((i64::MAX, i64::MIN), |(a, b), &k| (a.min(k), b.max(k)));
    let mut rows: Vec<UnitRow> = Vec::new();
    if keys.is_empty() {
        return rows;
    }
    let dense = (max as i128 - min as i128) < (1 << 22);
    if dense {
        let mut acc: Vec<UnitRow> = vec![UnitRow::default(); (max - min + 1) as usize];
        for i in 0..keys.len() {
            let row = &mut acc[(keys[i] - min) as usize];
            if row.households == 0 {
                row.code = keys[i];
                row.parent = parents.map(|p| p[i]);
            }
            row.add(r.n[i] as i64, r.class[i], r.deficit_count[i]);
        }
        rows = acc.into_iter().filter(|r| r.households > 0).collect();
    } else {
        let mut acc: HashMap<i64, UnitRow> = HashMap::new();
        for i in 0..keys.len() {
            let row = acc.entry(keys[i]).or_insert_with(|| UnitRow {
                code: keys[i],
                parent: parents.map(|p| p[i]),
                ..Default::default()
            });
            row.add(r.n[i] as i64, r.class[i], r.deficit_count[i]);
        }
        rows.extend(acc.into_values());
        rows.sort_by_key(|r| r.code);
    }
    rows
}

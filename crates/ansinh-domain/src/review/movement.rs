//! The movement table of a review per unit (standards.md §1.4b): poor (and near-poor) households at the
//! start of the period, the decreases (became near-poor or poor, rose above the line, other), the
//! increases (from the other list, re-poor, newly arising, other) and the count at the end, with
//! start + increases − decreases = end for every unit.

use std::collections::BTreeMap;

use super::ReviewError;
use super::transition::Transition;
use crate::standard::Class;

/// One household between two approved lists. `None`: not on the registry at that time (moved in or
/// out, new or dissolved household).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HouseholdMove {
    pub unit: String,
    pub prev: Option<Class>,
    pub new: Option<Class>,
    /// The transition computed for the new status (decides re-poor vs newly arising).
    pub transition: Option<Transition>,
}

/// The movement of one list (poor, or near-poor) in one unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flow {
    pub start: u64,
    /// Poor list: became near-poor. Near-poor list: became poor.
    pub dec_to_other_list: u64,
    /// Rose above the near-poor line (escaped).
    pub dec_escaped: u64,
    /// Moved away, dissolved, died out.
    pub dec_other: u64,
    /// Poor list: from near-poor. Near-poor list: from poor.
    pub inc_from_other_list: u64,
    /// Re-poor (tái nghèo) / re-near-poor.
    pub inc_re: u64,
    /// Newly arising (phát sinh mới).
    pub inc_new: u64,
    /// Moved in, new household.
    pub inc_other: u64,
    pub end: u64,
}

impl Flow {
    pub fn increases(&self) -> u64 {
        self.inc_from_other_list + self.inc_re + self.inc_new + self.inc_other
    }
    pub fn decreases(&self) -> u64 {
        self.dec_to_other_list + self.dec_escaped + self.dec_other
    }
    /// start + increases − decreases = end.
    pub fn balances(&self) -> bool {
        self.start + self.increases() == self.end + self.decreases()
    }
    fn add(&mut self, o: &Flow) {
        self.start += o.start;
        self.dec_to_other_list += o.dec_to_other_list;
        self.dec_escaped += o.dec_escaped;
        self.dec_other += o.dec_other;
        self.inc_from_other_list += o.inc_from_other_list;
        self.inc_re += o.inc_re;
        self.inc_new += o.inc_new;
        self.inc_other += o.inc_other;
        self.end += o.end;
    }
}

/// One unit's row of the movement table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MovementRow {
    pub unit: String,
    pub poor: Flow,
    pub near_poor: Flow,
}

impl MovementRow {
    /// Checks the balance of both lists; the refusal names the unit.
    pub fn check(&self) -> Result<(), ReviewError> {
        for (list, f) in [("poor", &self.poor), ("near_poor", &self.near_poor)] {
            if !f.balances() {
                return Err(ReviewError::BadTally {
                    detail: format!(
                        "unit {} ({list}): {} + {} − {} ≠ {} / đơn vị {} ({list}): số đầu kỳ + tăng − giảm ≠ số cuối kỳ",
                        self.unit,
                        f.start,
                        f.increases(),
                        f.decreases(),
                        f.end,
                        self.unit
                    ),
                });
            }
        }
        Ok(())
    }
}

fn flow_of(list: Class, other: Class, m: &HouseholdMove, f: &mut Flow) {
    let was = m.prev == Some(list);
    let is = m.new == Some(list);
    if was {
        f.start += 1;
    }
    if is {
        f.end += 1;
    }
    if was && !is {
        match m.new {
            None => f.dec_other += 1,
            Some(c) if c == other => f.dec_to_other_list += 1,
            Some(_) => f.dec_escaped += 1,
        }
    }
    if is && !was {
        match m.prev {
            None => f.inc_other += 1,
            Some(c) if c == other => f.inc_from_other_list += 1,
            Some(_) => {
                if matches!(
                    m.transition,
                    Some(Transition::RePoor | Transition::ReNearPoor)
                ) {
                    f.inc_re += 1
                } else {
                    f.inc_new += 1
                }
            }
        }
    }
}

/// The movement table by unit (in unit order) and the total row (unit `""`), balanced by construction.
pub fn movement_table(moves: &[HouseholdMove]) -> (Vec<MovementRow>, MovementRow) {
    let mut by: BTreeMap<&str, MovementRow> = BTreeMap::new();
    for m in moves {
        let row = by.entry(m.unit.as_str()).or_insert_with(|| MovementRow {
            unit: m.unit.clone(),
            ..MovementRow::default()
        });
        flow_of(Class::Poor, Class::NearPoor, m, &mut row.poor);
        flow_of(Class::NearPoor, Class::Poor, m, &mut row.near_poor);
    }
    let rows: Vec<MovementRow> = by.into_values().collect();
    let mut total = MovementRow::default();
    for r in &rows {
        total.poor.add(&r.poor);
        total.near_poor.add(&r.near_poor);
    }
    (rows, total)
}

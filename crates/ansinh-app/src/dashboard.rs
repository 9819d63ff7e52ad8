//! The dashboard and the lists as a read model, computed from an actor's scope: the current
//! classification of the live households (same engine as the CLI), the trend from the classification
//! history, and the latest recorded (reviewed) class of each household. The whole subtree is classified
//! on each call (kept as it was; a stored read model is for later).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};

use ansinh_domain::classify::INCOMPLETE;
use ansinh_domain::registry::{HouseholdId, UnitId};
use ansinh_domain::{Class, classify};
use ansinh_store::accounts::ClassificationFact;
use ansinh_store::{StoredHousehold, StoredUnit, batch_of};

use ansinh_domain::Standard;
use ansinh_store::Store;
use ansinh_store::accounts::AccountStore;

use crate::actor::Scoped;
use crate::error::AppResult;

/// Counts of one group of households.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub households: i64,
    pub persons: i64,
    pub poor: i64,
    pub near_poor: i64,
    pub incomplete: i64,
}

impl Counts {
    fn add(&mut self, class: Option<Class>, persons: i64) {
        self.households += 1;
        self.persons += persons;
        match class {
            Some(Class::Poor) => self.poor += 1,
            Some(Class::NearPoor) => self.near_poor += 1,
            None => self.incomplete += 1,
            _ => {}
        }
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct UnitRow {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub counts: Counts,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct YearRow {
    pub year: i32,
    pub counts: Counts,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct IndicatorRow {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    pub deprived: i64,
}

/// The dashboard of a unit.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Overview {
    pub unit_name: Option<String>,
    pub standard_id: String,
    pub standard_name_vi: String,
    pub standard_name_en: String,
    pub unconfirmed: bool,
    /// ISO date the current counts are taken as of.
    pub as_of: String,
    pub counts: Counts,
    pub by_indicator: Vec<IndicatorRow>,
    pub by_unit: Vec<UnitRow>,
    pub trend: Vec<YearRow>,
}

/// The unit directly below `root` that contains `unit` (itself when it is a child of the root).
fn child_of_root(
    parents: &HashMap<UnitId, Option<UnitId>>,
    root: Option<UnitId>,
    unit: UnitId,
) -> Option<UnitId> {
    let mut u = unit;
    for _ in 0..16 {
        let p = parents.get(&u).copied().flatten();
        if p == root {
            return Some(u);
        }
        u = p?;
    }
    None
}

/// The latest recorded classification of each household.
pub fn latest_facts(facts: &[ClassificationFact]) -> HashMap<HouseholdId, &ClassificationFact> {
    let mut out: HashMap<HouseholdId, &ClassificationFact> = HashMap::new();
    for f in facts {
        // facts come oldest first: a later one replaces an earlier one.
        out.insert(f.household, f);
    }
    out
}

/// The dashboard of the actor's subtree under the standard `std`, as of `today`.
pub async fn overview<S: Store + AccountStore>(
    scoped: &Scoped<'_, S>,
    std: &Standard,
    today: NaiveDate,
) -> AppResult<Overview> {
    let root = scoped.root_unit().await?;
    let units = scoped.units().await?;
    let households = scoped.households(&units).await?;
    let (_, batch) = batch_of(scoped.checked_store(), &households, today).await?;
    let res = classify(std, &batch);

    let parents: HashMap<UnitId, Option<UnitId>> =
        units.iter().map(|u| (u.id, u.unit.parent)).collect();
    let by_id: HashMap<UnitId, &StoredUnit> = units.iter().map(|u| (u.id, u)).collect();
    let mut counts = Counts::default();
    let mut per_unit: BTreeMap<UnitId, Counts> = BTreeMap::new();
    let mut by_ind = vec![0i64; std.indicators.len()];
    for (i, h) in households.iter().enumerate() {
        let class = if res.class[i] == INCOMPLETE {
            None
        } else {
            res.class_of(i)
        };
        let n = i64::from(res.n[i]);
        counts.add(class, n);
        if let Some(u) = child_of_root(&parents, scoped.root(), h.household.unit) {
            per_unit.entry(u).or_default().add(class, n);
        }
        for (b, c) in by_ind.iter_mut().enumerate() {
            if res.deficit_mask[i] & (1 << b) != 0 {
                *c += 1;
            }
        }
    }
    let mut by_unit: Vec<UnitRow> = per_unit
        .into_iter()
        .filter_map(|(id, c)| {
            by_id.get(&id).map(|u| UnitRow {
                unit_id: id.0,
                code: u.unit.code.to_string(),
                name: u.unit.name.to_string(),
                counts: c,
            })
        })
        .collect();
    by_unit.sort_by(|a, b| a.code.cmp(&b.code));

    let facts = scoped.classifications().await?;
    let sizes: HashMap<HouseholdId, i64> = households
        .iter()
        .enumerate()
        .map(|(i, h)| (h.id, i64::from(res.n[i])))
        .collect();
    let mut per_year: BTreeMap<i32, HashMap<HouseholdId, &ClassificationFact>> = BTreeMap::new();
    for f in &facts {
        per_year
            .entry(f.as_of.year())
            .or_default()
            .insert(f.household, f);
    }
    let trend = per_year
        .into_iter()
        .map(|(year, m)| {
            let mut c = Counts::default();
            for f in m.values() {
                let class = if f.class == "incomplete" {
                    None
                } else {
                    Class::parse(&f.class)
                };
                c.add(class, sizes.get(&f.household).copied().unwrap_or(0));
            }
            YearRow { year, counts: c }
        })
        .collect();

    Ok(Overview {
        unit_name: root.map(|u| u.unit.name.to_string()),
        standard_id: std.id.clone(),
        standard_name_vi: std.name_vi.clone(),
        standard_name_en: std.name_en.clone(),
        unconfirmed: std.is_unconfirmed(),
        as_of: today.to_string(),
        counts,
        by_indicator: std
            .indicators
            .iter()
            .zip(by_ind)
            .map(|(ind, n)| IndicatorRow {
                id: ind.id.clone(),
                name_vi: ind.vi.clone(),
                name_en: ind.en.clone(),
                deprived: n,
            })
            .collect(),
        by_unit,
        trend,
    })
}

/// One line of a list of poor and near-poor households: only what is posted publicly.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ListEntry {
    pub head_name: String,
    pub village: String,
    /// `poor` or `near_poor`.
    pub class: String,
    /// ISO date of the review the class comes from.
    pub as_of: String,
}

/// The poor and near-poor households of the approved results in force (see
/// `Scoped::approved_results`), live households only, by village then name: the lists the commune
/// approved and posts. A household approved but since dissolved or moved away is no longer listed.
pub fn approved_lists(
    households: &[StoredHousehold],
    units: &[StoredUnit],
    approved: &HashMap<HouseholdId, (NaiveDate, Class)>,
) -> Vec<ListEntry> {
    let facts: Vec<ClassificationFact> = approved
        .iter()
        .map(|(&household, &(as_of, class))| ClassificationFact {
            household,
            as_of,
            class: class.code().to_string(),
            deprived: Vec::new(),
        })
        .collect();
    poor_lists(households, units, &facts)
}

/// The latest reviewed class of each live household of the units, poor and near-poor only, by village
/// then name. Households without a recorded review are left out.
pub fn poor_lists(
    households: &[StoredHousehold],
    units: &[StoredUnit],
    facts: &[ClassificationFact],
) -> Vec<ListEntry> {
    let latest = latest_facts(facts);
    let names: HashMap<UnitId, &str> = units.iter().map(|u| (u.id, u.unit.name.as_str())).collect();
    let mut out: Vec<(Vec<u8>, ListEntry)> = households
        .iter()
        .filter_map(|h| {
            let f = latest.get(&h.id)?;
            if f.class != "poor" && f.class != "near_poor" {
                return None;
            }
            let village = names.get(&h.household.unit).copied().unwrap_or("");
            let mut key = ansinh_domain::collation::vi_sort_key(village);
            key.push(0);
            key.extend(ansinh_domain::collation::vi_sort_key(
                h.household.head_name.as_str(),
            ));
            Some((
                key,
                ListEntry {
                    head_name: h.household.head_name.to_string(),
                    village: village.to_string(),
                    class: f.class.clone(),
                    as_of: f.as_of.to_string(),
                },
            ))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, e)| e).collect()
}

//! The units a round reads: a commune's subtree and households, the province of a unit (for its own
//! scoring tables), the village shown for a household.

use std::collections::{BTreeSet, HashMap};

use ansinh_domain::registry::{UnitId, UnitKind};
use ansinh_store::{Store, StoredHousehold, StoredUnit};

use crate::error::AppResult;

/// The units below (and including) `root` among `all`.
pub fn subtree(all: &[StoredUnit], root: UnitId) -> Vec<UnitId> {
    let mut children: HashMap<UnitId, Vec<UnitId>> = HashMap::new();
    for u in all {
        if let Some(p) = u.unit.parent {
            children.entry(p).or_default().push(u.id);
        }
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut todo = vec![root];
    while let Some(u) = todo.pop() {
        if seen.insert(u) {
            out.push(u);
            todo.extend(children.get(&u).into_iter().flatten().copied());
        }
    }
    out
}

/// The live households recorded under a commune or one of its villages, by code.
pub async fn commune_households<S: Store>(
    store: &S,
    commune: UnitId,
) -> AppResult<Vec<StoredHousehold>> {
    let all = store.all_units().await?;
    let ids = subtree(&all, commune);
    Ok(store.households_in_units(&ids).await?)
}

/// Every unit, by id.
pub async fn unit_names<S: Store>(store: &S) -> AppResult<HashMap<UnitId, StoredUnit>> {
    Ok(store
        .all_units()
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

/// The ancestor (or the unit itself) at an administrative level.
async fn ancestor_at<S: Store>(
    store: &S,
    unit: UnitId,
    level: u8,
) -> AppResult<Option<StoredUnit>> {
    let mut next = Some(unit);
    for _ in 0..16 {
        let Some(u) = next else { break };
        let su = store.unit(u).await?;
        if su.unit.kind.level() == level {
            return Ok(Some(su));
        }
        next = su.unit.parent;
    }
    Ok(None)
}

/// The code of the province a unit lies in (for a province's own scoring tables).
pub async fn province_of<S: Store>(store: &S, unit: UnitId) -> AppResult<Option<String>> {
    Ok(ancestor_at(store, unit, 1)
        .await?
        .map(|u| u.unit.code.to_string()))
}

/// The commune-level unit a household's unit lies in.
pub async fn commune_of<S: Store>(store: &S, unit: UnitId) -> AppResult<Option<UnitId>> {
    Ok(ancestor_at(store, unit, 3).await?.map(|u| u.id))
}

/// The village shown for a household: the village it is recorded under, else its address.
pub fn village_of(h: &StoredHousehold, units: &HashMap<UnitId, StoredUnit>) -> String {
    match units.get(&h.household.unit) {
        Some(u) if u.unit.kind == UnitKind::Village => u.unit.name.to_string(),
        _ => h.household.address.to_string(),
    }
}

//! The registry as one classification batch for what-if simulation: every live household (or those
//! under one unit) with its commune and province keys, read through the [`Store`] page by page.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use ansinh_domain::columnar::Batch;
use ansinh_domain::registry::{self, HouseholdId, Member, UnitCode, UnitId};
use ansinh_store::{Store, StoredHousehold, StoredUnit};

use crate::{IoError, Result};

/// Households of the registry ready for [`ansinh_domain::simulate::simulate`].
#[derive(Debug)]
pub struct RegistryBatch {
    pub household_ids: Vec<HouseholdId>,
    pub batch: Batch,
    /// Per household (batch order): the commune-level unit and the province, as numeric keys (the unit
    /// code read as a number; codes that are not numbers get `-unit_id`).
    pub commune: Vec<i64>,
    pub province: Vec<i64>,
    /// Key → (unit code, unit name) of every commune and province met.
    pub units: BTreeMap<i64, (String, String)>,
}

fn key_of(u: &StoredUnit) -> i64 {
    u.unit.code.as_str().parse().unwrap_or(-u.id.0)
}

/// Reads every live household (under `within` when given: the unit and all units below it) as of
/// `as_of`.
pub async fn registry_batch<S: Store>(
    store: &S,
    within: Option<&UnitCode>,
    as_of: NaiveDate,
) -> Result<RegistryBatch> {
    let all = store.all_units().await?;
    let by_id: HashMap<UnitId, &StoredUnit> = all.iter().map(|u| (u.id, u)).collect();
    let filter: Option<Vec<UnitId>> = match within {
        None => None,
        Some(code) => {
            let mut ids: Vec<UnitId> = all
                .iter()
                .filter(|u| u.unit.code == *code)
                .map(|u| u.id)
                .collect();
            if ids.is_empty() {
                return Err(IoError::UnknownUnit(code.as_str().to_string()));
            }
            let mut k = 0;
            while k < ids.len() {
                let p = ids[k];
                ids.extend(
                    all.iter()
                        .filter(|u| u.unit.parent == Some(p))
                        .map(|u| u.id),
                );
                k += 1;
            }
            Some(ids)
        }
    };
    let mut households: Vec<StoredHousehold> = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .households_page(after, filter.as_deref(), 5_000)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        households.extend(page.into_iter().filter(|h| !h.deleted));
    }
    // The commune-level (level 3) and province (level 1) ancestors of a unit; a unit above level 3 is its
    // own commune key.
    let mut units = BTreeMap::new();
    let mut ancestors = |id: UnitId| -> (i64, i64) {
        let mut cur = by_id.get(&id).copied();
        let (mut commune, mut province) = (None, None);
        let mut steps = 0;
        while let Some(u) = cur {
            let level = u.unit.kind.level();
            if level <= 3 && commune.is_none() {
                commune = Some(u);
            }
            if level == 1 {
                province = Some(u);
            }
            cur = u.unit.parent.and_then(|p| by_id.get(&p).copied());
            steps += 1;
            if steps > 16 {
                break;
            }
        }
        let mut k = |u: Option<&StoredUnit>| match u {
            Some(u) => {
                let k = key_of(u);
                units
                    .entry(k)
                    .or_insert_with(|| (u.unit.code.as_str().to_string(), u.unit.name.to_string()));
                k
            }
            None => 0,
        };
        (k(commune), k(province))
    };
    let mut memo: HashMap<UnitId, (i64, i64)> = HashMap::new();
    let mut commune = Vec::with_capacity(households.len());
    let mut province = Vec::with_capacity(households.len());
    for h in &households {
        let (c, p) = *memo
            .entry(h.household.unit)
            .or_insert_with(|| ancestors(h.household.unit));
        commune.push(c);
        province.push(p);
    }
    let members: Vec<Vec<Member>> = households.iter().map(|h| h.member_records()).collect();
    let items: Vec<(&registry::Household, &[Member])> = households
        .iter()
        .zip(&members)
        .map(|(h, m)| (&h.household, m.as_slice()))
        .collect();
    let batch =
        registry::households_to_batch(&items, as_of, |u| by_id.get(&u).and_then(|s| s.unit.area))
            .map_err(|e| IoError::Store(e.into()))?;
    Ok(RegistryBatch {
        household_ids: households.iter().map(|h| h.id).collect(),
        batch,
        commune,
        province,
        units,
    })
}

//! What the approved periodic rounds show per unit and year: the observations that progress against
//! reduction targets ([`ansinh_domain::policy::targets::progress`]) is measured with.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use ansinh_domain::policy::targets::Observed;
use ansinh_domain::registry::{UnitCode, UnitId};
use ansinh_domain::review::RoundKind;
use ansinh_domain::standard::Class;

use crate::review::{ReviewResult, ReviewStore};
use crate::{Store, StoredUnit};

/// For every unit code (valid on `on`) and year: the poor and near-poor households of the latest
/// approved snapshot of each commune's periodic round of that year, summed over the communes of the
/// unit's subtree, with how many of its communes have one. A code unknown on `on`, or a year without
/// any approved round, has no entry.
pub async fn observed<S: Store + ReviewStore>(
    store: &S,
    codes: &[String],
    years: &[i32],
    on: NaiveDate,
) -> ReviewResult<BTreeMap<(String, i32), Observed>> {
    let all = store.all_units().await?;
    let mut children: HashMap<UnitId, Vec<&StoredUnit>> = HashMap::new();
    for u in &all {
        if let Some(p) = u.unit.parent {
            children.entry(p).or_default().push(u);
        }
    }
    // Per commune, per year: (poor, near-poor, households) of its latest approved periodic round.
    let mut per_commune: HashMap<UnitId, BTreeMap<i32, (i64, i64, i64)>> = HashMap::new();
    let mut out = BTreeMap::new();
    for code in codes {
        let Ok(c) = UnitCode::parse(code) else {
            continue;
        };
        let Some(root) = store.unit_at(&c, on).await? else {
            continue;
        };
        let mut communes = Vec::new();
        let mut todo = vec![&root];
        while let Some(u) = todo.pop() {
            if u.unit.kind.level() == 3 {
                if u.unit.is_valid_on(on) {
                    communes.push(u.id);
                }
                continue;
            }
            todo.extend(children.get(&u.id).into_iter().flatten().copied());
        }
        for commune in &communes {
            if per_commune.contains_key(commune) {
                continue;
            }
            let mut years_of = BTreeMap::new();
            for r in store.review_rounds(*commune).await? {
                if r.round.kind != RoundKind::Periodic
                    || !r.round.stage.is_locked()
                    || !years.contains(&r.round.year) && !years.contains(&(r.round.year + 1))
                {
                    continue;
                }
                if let Some(s) = store.snapshots(r.id).await?.pop() {
                    let n = |k: Class| {
                        i64::try_from(s.entries.iter().filter(|e| e.class == k).count())
                            .unwrap_or(i64::MAX)
                    };
                    let total = i64::try_from(s.entries.len()).unwrap_or(i64::MAX);
                    years_of.insert(r.round.year, (n(Class::Poor), n(Class::NearPoor), total));
                }
            }
            per_commune.insert(*commune, years_of);
        }
        for year in years.iter().copied().flat_map(|y| [y - 1, y]) {
            let mut o = Observed {
                communes: communes.len(),
                ..Observed::default()
            };
            for commune in &communes {
                if let Some((poor, near, total)) =
                    per_commune.get(commune).and_then(|m| m.get(&year))
                {
                    o.poor += poor;
                    o.near_poor += near;
                    o.households += total;
                    o.approved += 1;
                }
            }
            if o.approved > 0 {
                out.insert((code.clone(), year), o);
            }
        }
    }
    Ok(out)
}

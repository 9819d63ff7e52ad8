//! Read models of the review: the posted list, the movement between approved rounds, the approved
//! counts of a round.

use std::collections::{BTreeSet, HashMap};

use ansinh_domain::Class;
use ansinh_domain::collation::vi_sort_key;
use ansinh_domain::registry::{HouseholdId, UnitId};
use ansinh_domain::review::{HouseholdMove, MovementRow, Transition, movement_table};
use ansinh_store::review::{ReviewStore, StoredRound};
use ansinh_store::{Store, StoredHousehold};

use super::{commune_households, unit_names, village_of};
use crate::error::AppResult;

/// One line of the posted list: what the village is meant to see, nothing more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostedRow {
    pub head_name: String,
    pub village: String,
    /// `None`: not scored yet.
    pub class: Option<Class>,
}

/// The posted list of a round: the listed households with the head's name, the village and the class
/// (the approved snapshot's once locked, else the latest form's). No citizen ID, no date of birth.
pub async fn posted_list<S: Store + ReviewStore>(
    store: &S,
    r: &StoredRound,
) -> AppResult<Vec<PostedRow>> {
    let mut classes: HashMap<HouseholdId, Class> = store
        .review_forms(r.id)
        .await?
        .into_iter()
        .map(|f| (f.form.household, f.form.class))
        .collect();
    if r.round.stage.is_locked()
        && let Some(s) = store.snapshots(r.id).await?.last()
    {
        for e in &s.entries {
            classes.insert(e.household, e.class);
        }
    }
    let units = unit_names(store).await?;
    let households: HashMap<HouseholdId, StoredHousehold> = commune_households(store, r.unit)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let mut rows = Vec::new();
    for (id, _) in store.review_list(r.id).await? {
        let h = match households.get(&id) {
            Some(h) => h.clone(),
            None => store.household(id).await?,
        };
        rows.push(PostedRow {
            head_name: h.household.head_name.to_string(),
            village: village_of(&h, &units),
            class: classes.get(&id).copied(),
        });
    }
    rows.sort_by(|a, b| {
        a.village
            .cmp(&b.village)
            .then_with(|| vi_sort_key(&a.head_name).cmp(&vi_sort_key(&b.head_name)))
    });
    Ok(rows)
}

/// The movement between two sets of approved rounds (households of one side only count as moved in or
/// out); `label` names the row a household's unit counts under.
pub async fn movement<S: ReviewStore>(
    store: &S,
    from: &[StoredRound],
    to: &[StoredRound],
    label: &(dyn Fn(UnitId) -> String + Sync),
) -> AppResult<(Vec<MovementRow>, MovementRow)> {
    let mut before: HashMap<HouseholdId, Class> = HashMap::new();
    let mut before_unit: HashMap<HouseholdId, UnitId> = HashMap::new();
    for r in from {
        if let Some(s) = store.snapshots(r.id).await?.pop() {
            for e in s.entries {
                before.insert(e.household, e.class);
                before_unit.insert(e.household, e.unit);
            }
        }
    }
    let mut moves = Vec::new();
    let mut seen = BTreeSet::new();
    for r in to {
        if let Some(s) = store.snapshots(r.id).await?.pop() {
            for e in s.entries {
                seen.insert(e.household);
                moves.push(HouseholdMove {
                    unit: label(e.unit),
                    prev: before.get(&e.household).copied(),
                    new: Some(e.class),
                    transition: Transition::parse(&e.transition),
                });
            }
        }
    }
    for (h, c) in &before {
        if !seen.contains(h) {
            moves.push(HouseholdMove {
                unit: label(before_unit.get(h).copied().unwrap_or(UnitId(0))),
                prev: Some(*c),
                new: None,
                transition: None,
            });
        }
    }
    Ok(movement_table(&moves))
}

/// The latest snapshot's counts of a round: (poor, near-poor, households).
pub async fn approved_counts<S: ReviewStore>(
    store: &S,
    r: &StoredRound,
) -> AppResult<Option<(usize, usize, usize)>> {
    Ok(store.snapshots(r.id).await?.pop().map(|s| {
        let n = |c: Class| s.entries.iter().filter(|e| e.class == c).count();
        (n(Class::Poor), n(Class::NearPoor), s.entries.len())
    }))
}

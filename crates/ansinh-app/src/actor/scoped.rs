//! The store seen through an actor's scope: the one place where "may this actor see that" is decided,
//! for reads and for writes. A record outside the subtree is [`AppError::NotFound`], like a missing one.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use ansinh_domain::Class;
use ansinh_domain::registry::{HouseholdId, UnitId};
use ansinh_store::accounts::{AccountStore, ClassificationFact, Role};
use ansinh_store::review::ReviewStore;
use ansinh_store::{HouseholdHit, Store, StoreError, StoredHousehold, StoredUnit};

use super::{Action, Scope};
use crate::error::{AppError, AppResult};

/// The store seen through a scope.
pub struct Scoped<'a, S> {
    pub(crate) store: &'a S,
    pub(crate) scope: Scope,
}

impl<'a, S> Scoped<'a, S> {
    pub fn new(store: &'a S, scope: Scope) -> Scoped<'a, S> {
        Scoped { store, scope }
    }

    /// What anyone may read about a commune without logging in: its published lists, through the
    /// same scoped reads as a partner agency of that commune.
    pub fn public(store: &'a S, unit: UnitId) -> Scoped<'a, S> {
        Scoped::new(
            store,
            Scope {
                role: Role::Partner,
                root: Some(unit),
            },
        )
    }

    pub fn scope(&self) -> Scope {
        self.scope
    }

    pub fn root(&self) -> Option<UnitId> {
        self.scope.root
    }

    pub(crate) fn require(&self, a: Action) -> AppResult<()> {
        if self.scope.allows(a) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The store, for reads about a record already checked through this scope.
    pub fn checked_store(&self) -> &'a S {
        self.store
    }
}

impl<S: Store> Scoped<'_, S> {
    /// Whether a unit lies in the subtree (walking up its parents).
    pub async fn covers(&self, unit: UnitId) -> AppResult<bool> {
        let Some(root) = self.scope.root else {
            return Ok(true);
        };
        let mut next = Some(unit);
        let mut steps = 0;
        while let Some(u) = next {
            if u == root {
                return Ok(true);
            }
            steps += 1;
            if steps > 16 {
                break;
            }
            next = match self.store.unit(u).await {
                Ok(su) => su.unit.parent,
                Err(StoreError::NotFound { .. }) => None,
                Err(e) => return Err(e.into()),
            };
        }
        Ok(false)
    }

    /// A unit of the subtree.
    pub async fn unit(&self, id: UnitId) -> AppResult<StoredUnit> {
        self.require(Action::Dashboard)?;
        if !self.covers(id).await? {
            return Err(AppError::NotFound);
        }
        self.store.unit(id).await.map_err(|_| AppError::NotFound)
    }

    /// The root unit, if any.
    pub async fn root_unit(&self) -> AppResult<Option<StoredUnit>> {
        match self.scope.root {
            Some(r) => Ok(Some(self.unit(r).await?)),
            None => Ok(None),
        }
    }

    /// A unit whose settings the actor may change.
    pub async fn unit_to_manage(&self, id: UnitId) -> AppResult<StoredUnit> {
        self.require(Action::ManageUnit)?;
        self.unit(id).await
    }

    /// Every unit of the subtree (current and past), with the root first.
    pub async fn units(&self) -> AppResult<Vec<StoredUnit>> {
        let all = self.store.all_units().await?;
        let Some(root) = self.scope.root else {
            return Ok(all);
        };
        let mut children: BTreeMap<UnitId, Vec<usize>> = BTreeMap::new();
        for (i, u) in all.iter().enumerate() {
            if let Some(p) = u.unit.parent {
                children.entry(p).or_default().push(i);
            }
        }
        let mut keep = BTreeSet::new();
        let mut todo = vec![root];
        while let Some(u) = todo.pop() {
            if keep.insert(u) {
                for &i in children.get(&u).into_iter().flatten() {
                    todo.push(all[i].id);
                }
            }
        }
        let mut out: Vec<StoredUnit> = all.into_iter().filter(|u| keep.contains(&u.id)).collect();
        out.sort_by_key(|u| u.id != root);
        Ok(out)
    }

    /// Live households of the subtree with their members, by code.
    pub async fn households(&self, units: &[StoredUnit]) -> AppResult<Vec<StoredHousehold>> {
        self.require(Action::ReadLists)?;
        let ids: Vec<UnitId> = units.iter().map(|u| u.id).collect();
        Ok(self.store.households_in_units(&ids).await?)
    }

    /// One household of the subtree.
    pub async fn household(&self, id: HouseholdId) -> AppResult<StoredHousehold> {
        self.require(Action::ReadHouseholds)?;
        let h = match self.store.household(id).await {
            Ok(h) => h,
            Err(StoreError::NotFound { .. }) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        if !self.covers(h.household.unit).await? {
            return Err(AppError::NotFound);
        }
        Ok(h)
    }

    /// A household of the subtree the actor may change (not found outside it, as for reads).
    pub async fn household_to_edit(&self, id: HouseholdId) -> AppResult<StoredHousehold> {
        self.require(Action::EditRegistry)?;
        self.household(id).await
    }

    /// A unit of the subtree a household may be recorded under on `on`: a commune-level unit or a
    /// village, valid that day.
    pub async fn unit_to_record(&self, id: UnitId, on: NaiveDate) -> AppResult<StoredUnit> {
        self.require(Action::EditRegistry)?;
        let u = self.unit(id).await?;
        if u.unit.kind.level() < 3 || !u.unit.is_valid_on(on) {
            return Err(AppError::NotFound);
        }
        Ok(u)
    }

    /// The units a household may be recorded under on `on`, the root's first, in the order of
    /// [`Scoped::units`].
    pub async fn units_to_record(&self, on: NaiveDate) -> AppResult<Vec<StoredUnit>> {
        self.require(Action::EditRegistry)?;
        Ok(self
            .units()
            .await?
            .into_iter()
            .filter(|u| u.unit.kind.level() >= 3 && u.unit.is_valid_on(on))
            .collect())
    }

    /// The units an import may write to: every unit of the subtree (`None`: the whole registry).
    pub async fn import_scope(&self) -> AppResult<Option<BTreeSet<UnitId>>> {
        self.require(Action::EditRegistry)?;
        if self.scope.root.is_none() {
            return Ok(None);
        }
        Ok(Some(
            self.units().await?.into_iter().map(|u| u.id).collect(),
        ))
    }

    /// The units of an export: `unit` (of the subtree) and every unit below it, or the whole
    /// subtree; `None` only for an administrator exporting the whole registry.
    pub async fn units_to_export(
        &self,
        unit: Option<UnitId>,
    ) -> AppResult<Option<Vec<StoredUnit>>> {
        self.require(Action::ExportRegistry)?;
        let all = self.units().await?;
        let Some(root) = unit.or(self.scope.root) else {
            return Ok(None);
        };
        if !all.iter().any(|u| u.id == root) {
            return Err(AppError::NotFound);
        }
        let mut keep = BTreeSet::from([root]);
        let mut grew = true;
        while grew {
            grew = false;
            for u in &all {
                if u.unit.parent.is_some_and(|p| keep.contains(&p)) && keep.insert(u.id) {
                    grew = true;
                }
            }
        }
        Ok(Some(
            all.into_iter().filter(|u| keep.contains(&u.id)).collect(),
        ))
    }
}

impl<S: Store + AccountStore> Scoped<'_, S> {
    /// Households of the subtree matching a search (diacritics optional).
    pub async fn search(&self, query: &str, limit: u32) -> AppResult<Vec<HouseholdHit>> {
        self.require(Action::ReadHouseholds)?;
        Ok(self
            .store
            .search_households_under(self.scope.root, query, limit)
            .await?)
    }

    /// The classification history of the subtree's households.
    pub async fn classifications(&self) -> AppResult<Vec<ClassificationFact>> {
        self.require(Action::ReadLists)?;
        Ok(self.store.classifications_under(self.scope.root).await?)
    }

    /// The classification history of some households found through this scope (search results).
    pub async fn classifications_of(
        &self,
        found: &[HouseholdId],
    ) -> AppResult<Vec<ClassificationFact>> {
        self.require(Action::ReadLists)?;
        Ok(self.store.classifications_of(found).await?)
    }
}

impl<S: Store + ReviewStore> Scoped<'_, S> {
    /// The approved results in force for the communes among `units` (units already read through
    /// this scope): for each household, the class of the latest approved snapshot of any round of its
    /// commune (the periodic round or a later in-year decision), with its approval date. What the
    /// commune decided, not what the engine computes today: the lists posted and published.
    pub async fn approved_results(
        &self,
        units: &[StoredUnit],
    ) -> AppResult<HashMap<HouseholdId, (NaiveDate, Class)>> {
        self.require(Action::ReadLists)?;
        let mut out: HashMap<HouseholdId, (NaiveDate, i64, Class)> = HashMap::new();
        for u in units.iter().filter(|u| u.unit.kind.level() == 3) {
            for r in self.store.review_rounds(u.id).await? {
                let Some(snap) = self.store.snapshots(r.id).await?.pop() else {
                    continue;
                };
                for e in snap.entries {
                    let key = (snap.approved_on, snap.id);
                    let newer = out
                        .get(&e.household)
                        .is_none_or(|&(d, id, _)| key > (d, id));
                    if newer {
                        out.insert(e.household, (snap.approved_on, snap.id, e.class));
                    }
                }
            }
        }
        Ok(out.into_iter().map(|(h, (d, _, c))| (h, (d, c))).collect())
    }
}

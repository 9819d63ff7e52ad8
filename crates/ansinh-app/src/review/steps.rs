//! Opening a round (periodic, or a household's in-year request), completing a step, and the list.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};

use ansinh_domain::registry::{HouseholdId, UnitId};
use ansinh_domain::review::{Edit, RoundKind};
use ansinh_store::review::{
    NewRound, Request, RequestForm, ReviewStore, RoundId, Step, StoredRound,
};
use ansinh_store::{Store, StoredHousehold};

use super::{Env, access_of, commune_households, commune_of, province_of};
use crate::actor::{Actor, ReviewAccess};
use crate::error::{AppError, AppResult};

fn no_standard() -> AppError {
    AppError::bad_input(
        "standard",
        "Không có chuẩn nghèo áp dụng vào ngày này.",
        "No poverty standard is in force on that day.",
    )
}

/// Opens the periodic round of a commune; with `list_all`, every live household of the commune is put
/// on its list. `standard`: the poverty standard's id, else the one in force in the province on `on`.
pub async fn open_periodic<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    unit: UnitId,
    year: i32,
    on: NaiveDate,
    standard: Option<&str>,
    list_all: bool,
) -> AppResult<StoredRound> {
    let scoped = actor.scoped(env.store);
    let commune = scoped.review_commune(unit, ReviewAccess::Commune).await?;
    let store = env.store;
    let wf = env.rules.workflow_on(on)?;
    let province = province_of(store, commune.id).await?;
    let standard = match standard.filter(|s| !s.trim().is_empty()) {
        Some(s) => env.standards.get(s.trim()).ok_or_else(|| {
            AppError::bad_input(
                "standard",
                "Không có chuẩn nghèo này.",
                "No such poverty standard.",
            )
        })?,
        None => env
            .standards
            .in_force(on, province.as_deref())
            .ok_or_else(no_standard)?,
    };
    env.rules.tables(&standard.id, province.as_deref())?;
    let ctx = actor.ctx();
    let r = store
        .create_round(
            &ctx,
            &NewRound {
                kind: RoundKind::Periodic,
                unit: commune.id,
                year,
                standard_id: standard.id.clone(),
                on,
                request: None,
            },
            wf,
        )
        .await?;
    if list_all {
        for h in commune_households(store, commune.id).await? {
            store.add_to_list(&ctx, r.id, h.id, on).await?;
        }
    }
    Ok(r)
}

/// Records a household's in-year request (Form 01 or 04): a regular round whose list is the household.
/// `channel`: `in_person`, `post` or `online` (anything else counts as in person).
pub async fn open_request<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    unit: UnitId,
    household: HouseholdId,
    form: RequestForm,
    channel: &str,
    received: NaiveDate,
) -> AppResult<StoredRound> {
    let scoped = actor.scoped(env.store);
    let commune = scoped.review_commune(unit, ReviewAccess::Commune).await?;
    let h = scoped.household(household).await?;
    let store = env.store;
    if h.deleted || commune_of(store, h.household.unit).await? != Some(commune.id) {
        return Err(AppError::NotFound);
    }
    let wf = env.rules.workflow_on(received)?;
    let province = province_of(store, commune.id).await?;
    let start = wf.regular_start(received);
    let standard = env
        .standards
        .in_force(start, province.as_deref())
        .ok_or_else(no_standard)?;
    env.rules.tables(&standard.id, province.as_deref())?;
    let channel = match channel {
        "in_person" | "post" | "online" => channel,
        _ => "in_person",
    };
    Ok(store
        .create_round(
            &actor.ctx(),
            &NewRound {
                kind: RoundKind::Regular,
                unit: commune.id,
                year: received.year(),
                standard_id: standard.id.clone(),
                on: received,
                request: Some(Request {
                    household: h.id,
                    form,
                    channel: channel.to_string(),
                }),
            },
            wf,
        )
        .await?)
}

/// Completes a step of the round with the facts the store holds; `reason`, when given, is recorded
/// in the round's event log.
pub async fn advance<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    round: RoundId,
    step: Step,
    on: NaiveDate,
    reason: Option<&str>,
) -> AppResult<StoredRound> {
    let r = actor
        .scoped(env.store)
        .round(round, access_of(step))
        .await?;
    let wf = env.rules.workflow(&r)?;
    let ctx = match reason.filter(|r| !r.trim().is_empty()) {
        Some(why) => actor.ctx().because(why),
        None => actor.ctx(),
    };
    Ok(env.store.advance(&ctx, r.id, step, on, wf).await?)
}

/// Adds households of the round's commune to its list (listing step): `households`, or with `all`
/// every live household of the commune not listed yet. Returns how many were added.
pub async fn add_to_list<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    round: RoundId,
    households: &[HouseholdId],
    all: bool,
    on: NaiveDate,
) -> AppResult<usize> {
    let store = env.store;
    let r = actor
        .scoped(store)
        .round(round, ReviewAccess::Commune)
        .await?;
    r.round.check_edit(Edit::List)?;
    let of_commune: BTreeMap<HouseholdId, StoredHousehold> = commune_households(store, r.unit)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let listed: BTreeSet<HouseholdId> = store
        .review_list(r.id)
        .await?
        .into_iter()
        .map(|x| x.0)
        .collect();
    let wanted: Vec<HouseholdId> = if all {
        of_commune
            .keys()
            .copied()
            .filter(|h| !listed.contains(h))
            .collect()
    } else {
        households.to_vec()
    };
    // Only households of the round's own commune: another commune's id is answered "not found".
    if wanted.iter().any(|h| !of_commune.contains_key(h)) {
        return Err(AppError::NotFound);
    }
    let ctx = actor.ctx();
    let mut n = 0;
    for h in wanted {
        store.add_to_list(&ctx, r.id, h, on).await?;
        n += 1;
    }
    Ok(n)
}

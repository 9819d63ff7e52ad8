//! Complaints about the posted results: filed while the results are posted, settled before the
//! complaints step closes.

use chrono::NaiveDate;

use ansinh_domain::registry::HouseholdId;
use ansinh_domain::review::ComplaintOutcome;
use ansinh_store::Store;
use ansinh_store::review::{ReviewStore, RoundId, StoredComplaint};

use super::{Env, listed_household};
use crate::actor::{Actor, ReviewAccess};
use crate::error::{AppError, AppResult};

/// Files a complaint about the posted results (about a listed household, or the list as a whole);
/// returns its id.
pub async fn file_complaint<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    round: RoundId,
    household: Option<HouseholdId>,
    on: NaiveDate,
    text: &str,
) -> AppResult<i64> {
    let r = actor
        .scoped(env.store)
        .round(round, ReviewAccess::Commune)
        .await?;
    if let Some(h) = household {
        listed_household(env.store, actor, &r, h).await?;
    }
    if text.trim().is_empty() {
        return Err(AppError::bad_input(
            "text",
            "Cần ghi nội dung khiếu nại.",
            "The complaint needs its text.",
        ));
    }
    let wf = env.rules.workflow(&r)?;
    Ok(env
        .store
        .file_complaint(&actor.ctx(), r.id, household, on, text, wf)
        .await?)
}

/// Settles a complaint of the round.
pub async fn resolve_complaint<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    round: RoundId,
    complaint: i64,
    on: NaiveDate,
    outcome: ComplaintOutcome,
    note: &str,
) -> AppResult<()> {
    let store = env.store;
    let r = actor
        .scoped(store)
        .round(round, ReviewAccess::Commune)
        .await?;
    let ours = store.complaints(r.id).await?;
    if !ours.iter().any(|c| c.id == complaint) {
        return Err(AppError::NotFound);
    }
    let wf = env.rules.workflow(&r)?;
    Ok(store
        .resolve_complaint(&actor.ctx(), complaint, on, outcome, note, wf)
        .await?)
}

/// Whether a complaint is past its deadline without a resolution.
pub fn complaint_overdue(c: &StoredComplaint, today: NaiveDate) -> bool {
    c.resolved.is_none() && today > c.due
}

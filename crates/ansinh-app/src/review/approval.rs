//! The commune's decision: the approval with its immutable snapshot, and reopening a round.

use chrono::NaiveDate;

use ansinh_domain::review::{Action, Stage, Workflow, YearStatus};
use ansinh_store::Store;
use ansinh_store::review::{ReviewStore, RoundId, SnapshotEntry, StoredRound};

use super::Env;
use crate::actor::{Actor, ReviewAccess};
use crate::error::AppResult;

/// The snapshot entries of a round approved on `on`: each listed household's latest form, labelled
/// against its approved statuses of the other rounds (its transition: newly poor, escaped, re-poor,
/// …), with the caveats of unconfirmed rules and placeholder scoring tables.
pub async fn snapshot_entries<S: Store + ReviewStore>(
    store: &S,
    r: &StoredRound,
    on: NaiveDate,
    wf: &Workflow,
) -> AppResult<Vec<SnapshotEntry>> {
    let mut out = Vec::new();
    for f in store.review_forms(r.id).await? {
        let history = store.approved_history(f.form.household, Some(r.id)).await?;
        let status = YearStatus::of(&history, f.form.class, on, wf);
        let unit = match store.household(f.form.household).await {
            Ok(h) => h.household.unit,
            Err(_) => r.unit,
        };
        let mut caveats: Vec<String> = status.caveats.iter().map(|c| c.to_string()).collect();
        if f.form.placeholder {
            caveats.push(format!(
                "scoring:{}: placeholder point tables, not the official ones",
                f.form.tables_id
            ));
        }
        out.push(SnapshotEntry {
            household: f.form.household,
            household_code: f.household_code.clone(),
            unit,
            class: f.form.class,
            transition: status.transition.code().to_string(),
            newly_escaped_until: status.newly_escaped_until,
            score_a: Some(f.form.score_a),
            score_b: Some(f.form.score_b),
            deprived: f
                .form
                .deprivation
                .deprived
                .iter()
                .filter(|(_, v)| **v)
                .map(|(k, _)| k.clone())
                .collect(),
            explanation_vi: f.form.explanation_vi.clone(),
            explanation_en: f.form.explanation_en.clone(),
            caveats,
        });
    }
    Ok(out)
}

/// The commune's decision: approves the round and stores its immutable snapshot; returns its id.
pub async fn approve<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    round: RoundId,
    on: NaiveDate,
) -> AppResult<i64> {
    let store = env.store;
    let r = actor
        .scoped(store)
        .round(round, ReviewAccess::Commune)
        .await?;
    let wf = env.rules.workflow(&r)?;
    // The state machine answers first, so an approval out of order says why, not what is missing.
    r.round.apply(&Action::Approve { on }, wf)?;
    let entries = snapshot_entries(store, &r, on, wf).await?;
    Ok(store.approve(&actor.ctx(), r.id, on, &entries, wf).await?)
}

/// Reopens the round at an earlier step; the reason is required.
pub async fn reopen<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    round: RoundId,
    to: Stage,
    on: NaiveDate,
    reason: &str,
) -> AppResult<StoredRound> {
    let r = actor
        .scoped(env.store)
        .round(round, ReviewAccess::Commune)
        .await?;
    let wf = env.rules.workflow(&r)?;
    Ok(env
        .store
        .reopen(&actor.ctx().because(reason), r.id, to, on, wf)
        .await?)
}

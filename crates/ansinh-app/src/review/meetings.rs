//! The village meeting (họp dân, Decision 24/2021 Art. 4 step 3): at least the workflow's share of the
//! attendees must agree with each household's result, else the round goes back to scoring and meets
//! again. The minutes name each household by its head and proposed class, never by an ID number.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use ansinh_domain::Class;
use ansinh_domain::registry::{HouseholdCode, HouseholdId};
use ansinh_domain::review::{Meeting, Participant, Stage, Tally, Workflow};
use ansinh_store::review::{ReviewStore, RoundId, StoredRound};
use ansinh_store::{ChangeContext, Store};

use super::{Env, commune_households};
use crate::actor::{Actor, ReviewAccess};
use crate::error::{AppError, AppResult};

/// A village meeting as typed: votes `(household, agree, disagree)` by household id.
#[derive(Clone, Debug, Default)]
pub struct MeetingDraft {
    pub village: String,
    pub held_on: Option<NaiveDate>,
    pub attendees: u32,
    pub participants: Vec<Participant>,
    pub votes: Vec<(HouseholdId, u32, u32)>,
}

/// Records the village meeting: the round goes on to posting when every result was agreed, back to
/// scoring ("score again and meet again") otherwise. Every listed household still without an agreed
/// result needs its vote.
pub async fn record_meeting<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    round: RoundId,
    m: &MeetingDraft,
) -> AppResult<StoredRound> {
    let store = env.store;
    let r = actor
        .scoped(store)
        .round(round, ReviewAccess::Commune)
        .await?;
    let wf = env.rules.workflow(&r)?;
    let held_on = m.held_on.ok_or_else(|| {
        AppError::bad_input(
            "held_on",
            "Ngày họp: cần một ngày dạng dd/mm/yyyy",
            "Meeting date: a date like dd/mm/yyyy is needed",
        )
    })?;
    let listed: BTreeMap<HouseholdId, HouseholdCode> =
        store.review_list(r.id).await?.into_iter().collect();
    let pending = pending_votes(store, &r, wf).await?;
    let voted: BTreeSet<HouseholdId> = m.votes.iter().map(|v| v.0).collect();
    if r.round.stage == Stage::Meeting {
        let missing: Vec<String> = pending
            .iter()
            .filter(|h| !voted.contains(h))
            .filter_map(|h| listed.get(h).map(|c| c.to_string()))
            .collect();
        if !missing.is_empty() {
            return Err(AppError::BadInput {
                field: "votes",
                code: "REVIEW_VOTES_MISSING",
                vi: format!(
                    "cần nhập kết quả biểu quyết cho các hộ chưa được thống nhất: {}",
                    missing.join(", ")
                ),
                en: format!(
                    "the votes of the households not agreed yet are needed: {}",
                    missing.join(", ")
                ),
            });
        }
    }
    let mut votes = Vec::new();
    for (h, agree, disagree) in &m.votes {
        let Some(code) = listed.get(h) else {
            return Err(AppError::NotFound);
        };
        votes.push(Tally {
            household: code.to_string(),
            agree: *agree,
            disagree: *disagree,
        });
    }
    let meeting = Meeting {
        village: m.village.trim().to_string(),
        held_on,
        attendees: m.attendees,
        participants: m
            .participants
            .iter()
            .filter(|p| !p.name.trim().is_empty())
            .map(|p| Participant {
                name: p.name.trim().to_string(),
                role: p.role,
            })
            .collect(),
        votes,
    };
    store_meeting(store, &actor.ctx(), &r, &meeting, wf).await
}

/// Records a meeting with its minutes (each household named by its head and proposed class, never by
/// an ID number).
pub async fn store_meeting<S: Store + ReviewStore>(
    store: &S,
    ctx: &ChangeContext,
    r: &StoredRound,
    meeting: &Meeting,
    wf: &Workflow,
) -> AppResult<StoredRound> {
    let forms: HashMap<String, Class> = store
        .review_forms(r.id)
        .await?
        .into_iter()
        .map(|f| (f.household_code.to_string(), f.form.class))
        .collect();
    let heads: HashMap<String, String> = commune_households(store, r.unit)
        .await?
        .into_iter()
        .map(|h| {
            (
                h.household.code.to_string(),
                h.household.head_name.to_string(),
            )
        })
        .collect();
    let label = |code: &str| {
        format!(
            "{} ({code}) — đề xuất: {}",
            heads.get(code).map_or("", String::as_str),
            forms.get(code).map_or("chưa chấm điểm", |c| c.vi())
        )
    };
    let minutes = meeting.minutes_vi(wf, &label);
    Ok(store
        .record_meeting(ctx, r.id, meeting, &minutes, wf)
        .await?)
}

/// Listed households whose result has not been agreed by a meeting yet (never voted on, or the latest
/// vote fell short).
pub async fn pending_votes<S: ReviewStore>(
    store: &S,
    r: &StoredRound,
    wf: &Workflow,
) -> AppResult<BTreeSet<HouseholdId>> {
    let mut latest: HashMap<HouseholdId, bool> = HashMap::new();
    for m in store.review_meetings(r.id).await? {
        for (h, t) in m.households.iter().zip(&m.meeting.votes) {
            latest.insert(*h, wf.passes(t.agree, m.meeting.attendees));
        }
    }
    Ok(store
        .review_list(r.id)
        .await?
        .into_iter()
        .map(|x| x.0)
        .filter(|h| latest.get(h) != Some(&true))
        .collect())
}

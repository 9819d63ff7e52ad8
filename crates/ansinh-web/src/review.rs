//! The review (rà soát) in the web application: a thin adapter over the use cases of
//! [`ansinh_app::review`]. It turns the [`App`] and the request's [`Authorized`] user into the app's
//! [`Env`] and [`ansinh_app::Actor`], and the app's errors into [`WebError`] (a refusal of the state
//! machine: 409 with its code and messages; bad input: 422). The pages ([`crate::review_pages`]) and
//! the JSON API ([`crate::review_api`]) call the functions below by the names they always had; the
//! decisions (who may, what comes next, what a form scores, what the snapshot holds) are the app's.

use chrono::NaiveDate;

use ansinh_domain::Standard;
use ansinh_domain::registry::{HouseholdId, UnitId};
use ansinh_domain::review::{ComplaintOutcome, ReviewError, ScoringTables, Stage};
use ansinh_store::StoredHousehold;
use ansinh_store::review::{RequestForm, ReviewStoreError, RoundId, Step, StoredRound};

pub use ansinh_app::review::{
    Env, FormDraft, MeetingDraft, Next, PostedRow, Rules, Scored, approved_counts,
    commune_households, commune_of, complaint_overdue, dmy, explain_household, form_input,
    movement, next_actions, parse_date, pending_votes, posted_list, province_of, reopen_targets,
    score, snapshot_entries, step_of, store_meeting, subtree, suggest, unit_names, village_of,
};
use ansinh_app::{AppError, review as app};

use crate::auth::{Authorized, today};
use crate::error::WebError;
use crate::{App, Backend};

/// What the use cases need from the application state.
pub fn env<S: Backend>(app: &App<S>) -> Result<Env<'_, S>, WebError> {
    Ok(Env {
        store: app.store(),
        rules: app.review_rules(),
        standards: app.standards(),
    })
}

/// A refusal with its messages (422: the input cannot be used).
pub(crate) fn refused_text(code: &'static str, vi: String, en: String) -> WebError {
    AppError::BadInput {
        field: "",
        code,
        vi,
        en,
    }
    .into()
}

/// A refusal of the review domain: 422 for a form that does not score, 409 for a step refused.
pub fn refused(e: &ReviewError) -> WebError {
    AppError::review(e).into()
}

/// The web error of a review store error.
pub fn refusal(e: ReviewStoreError) -> WebError {
    AppError::from(e).into()
}

/// Whether an error is one to show beside the form that caused it (a refusal, a conflict, bad input),
/// rather than an error page.
pub fn is_refusal(e: &WebError) -> bool {
    use ansinh_store::StoreError as E;
    matches!(
        e,
        WebError::Refused { .. }
            | WebError::BadRequest(_)
            | WebError::Store(
                E::Invalid(_) | E::Duplicate { .. } | E::Conflict { .. } | E::StaleVersion { .. },
            )
    )
}

/// A required date field of a form or a JSON body.
pub fn date_field(s: Option<&str>, field_vi: &str, field_en: &str) -> Result<NaiveDate, WebError> {
    s.and_then(parse_date).ok_or_else(|| {
        refused_text(
            "WEB_BAD_DATE",
            format!("{field_vi}: cần một ngày dạng dd/mm/yyyy"),
            format!("{field_en}: a date like dd/mm/yyyy is needed"),
        )
    })
}

/// See [`app::open_periodic`].
pub async fn open_periodic<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    unit: UnitId,
    year: i32,
    on: NaiveDate,
    standard: Option<&str>,
    list_all: bool,
) -> Result<StoredRound, WebError> {
    let actor = &auth.actor;
    Ok(app::open_periodic(&env(app)?, actor, unit, year, on, standard, list_all).await?)
}

/// See [`app::open_request`].
pub async fn open_request<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    unit: UnitId,
    household: HouseholdId,
    form: RequestForm,
    channel: &str,
    received: NaiveDate,
) -> Result<StoredRound, WebError> {
    let env = env(app)?;
    Ok(app::open_request(&env, &auth.actor, unit, household, form, channel, received).await?)
}

/// See [`app::advance`].
pub async fn advance<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    step: Step,
    on: NaiveDate,
) -> Result<StoredRound, WebError> {
    Ok(app::advance(&env(app)?, &auth.actor, round, step, on, None).await?)
}

/// See [`app::add_to_list`].
pub async fn add_to_list<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    households: &[HouseholdId],
    all: bool,
    on: NaiveDate,
) -> Result<usize, WebError> {
    Ok(app::add_to_list(&env(app)?, &auth.actor, round, households, all, on).await?)
}

/// The standard and scoring tables of a round.
pub async fn round_tables<'a, S: Backend>(
    app: &'a App<S>,
    r: &StoredRound,
) -> Result<(&'a Standard, &'a ScoringTables), WebError> {
    Ok(app::round_tables(&env(app)?, r).await?)
}

/// A household on the round's list (else "not found", whatever the reason).
pub async fn listed_household<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    r: &StoredRound,
    household: HouseholdId,
) -> Result<StoredHousehold, WebError> {
    Ok(app::listed_household(app.store(), &auth.actor, r, household).await?)
}

/// See [`app::save_form`] (the survey date defaults to the application's today).
pub async fn save_form<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    household: HouseholdId,
    draft: &FormDraft,
) -> Result<i64, WebError> {
    let env = env(app)?;
    Ok(app::save_form(&env, &auth.actor, round, household, draft, today(app)).await?)
}

/// See [`app::record_meeting`].
pub async fn record_meeting<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    m: &MeetingDraft,
) -> Result<StoredRound, WebError> {
    Ok(app::record_meeting(&env(app)?, &auth.actor, round, m).await?)
}

/// See [`app::file_complaint`].
pub async fn file_complaint<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    household: Option<HouseholdId>,
    on: NaiveDate,
    text: &str,
) -> Result<i64, WebError> {
    Ok(app::file_complaint(&env(app)?, &auth.actor, round, household, on, text).await?)
}

/// See [`app::resolve_complaint`].
pub async fn resolve_complaint<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    complaint: i64,
    on: NaiveDate,
    outcome: ComplaintOutcome,
    note: &str,
) -> Result<(), WebError> {
    let env = env(app)?;
    Ok(app::resolve_complaint(&env, &auth.actor, round, complaint, on, outcome, note).await?)
}

/// See [`app::approve`]: approves the round and stores its snapshot; returns its id.
pub async fn approve<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    on: NaiveDate,
) -> Result<i64, WebError> {
    Ok(app::approve(&env(app)?, &auth.actor, round, on).await?)
}

/// See [`app::reopen`].
pub async fn reopen<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    to: Stage,
    on: NaiveDate,
    reason: &str,
) -> Result<StoredRound, WebError> {
    Ok(app::reopen(&env(app)?, &auth.actor, round, to, on, reason).await?)
}

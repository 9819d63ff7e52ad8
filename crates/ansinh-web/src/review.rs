//! The review (rà soát) in the web application: the operations the pages ([`crate::review_pages`]) and
//! the JSON API ([`crate::review_api`]) share, and the demo loader uses. Every operation checks the
//! caller through [`crate::auth::Scoped`] (role and unit subtree) and then goes through the
//! [`ReviewStore`], whose state machine refuses what is out of order and then writes nothing; a refusal
//! comes back as [`WebError::Refused`] with its stable code and Vietnamese and English messages.
//!
//! What a household's form scores and the class it gives are computed here with the round's scoring
//! tables (placeholder tables say so in every result); the snapshot taken at approval copies each
//! household's latest form with its year status against its earlier approved statuses.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::http::StatusCode;
use chrono::NaiveDate;

use ansinh_domain::registry::{Area, Education, HouseholdCode, HouseholdId, Labour, UnitId};
use ansinh_domain::review::scoring::QuickResult;
use ansinh_domain::review::{
    ComplaintOutcome, DeprivationForm, HouseholdMove, IncomeForm, Meeting, MovementRow,
    Participant, QuickScreen, ReviewError, Round, RoundKind, ScoreResult, ScoringSet,
    ScoringTables, Stage, Tally, Transition, Workflow, WorkflowSet, YearStatus, movement_table,
};
use ansinh_domain::{Class, Explanation, Outcome, Standard, explain};
use ansinh_store::review::{
    FormInput, NewRound, Request, RequestForm, ReviewStore, ReviewStoreError, RoundId,
    SnapshotEntry, Step, StoredRound,
};
use ansinh_store::{Store, StoredHousehold, StoredUnit, batch_of};

use crate::auth::{Authorized, ReviewAccess, today};
use crate::error::WebError;
use crate::{App, Backend};

/// The review procedures and scoring tables the application uses.
#[derive(Clone, Debug)]
pub struct Rules {
    pub workflows: WorkflowSet,
    pub scoring: ScoringSet,
}

impl Rules {
    /// The workflow a round follows.
    pub fn workflow(&self, r: &StoredRound) -> Result<&Workflow, WebError> {
        self.workflows
            .get(&r.workflow_id, None)
            .ok_or_else(|| WebError::Internal(format!("unknown workflow {}", r.workflow_id)))
    }

    /// The workflow in force on a date.
    pub fn workflow_on(&self, on: NaiveDate) -> Result<&Workflow, WebError> {
        self.workflows.in_force(on, None).ok_or_else(|| {
            refused_text(
                "REVIEW_NO_WORKFLOW",
                format!("không có quy trình rà soát áp dụng ngày {}", dmy(on)),
                format!("no review procedure is in force on {}", dmy(on)),
            )
        })
    }

    /// The scoring tables of a standard: the province's own when loaded, else the national ones.
    pub fn tables(
        &self,
        standard: &str,
        province: Option<&str>,
    ) -> Result<&ScoringTables, WebError> {
        self.scoring
            .for_standard(standard, province)
            .map_err(|e| refused(&e))
    }
}

pub(crate) fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A date typed as `dd/mm/yyyy` or given as `yyyy-mm-dd` (the date input of browsers, the API).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// A refusal with its messages.
pub(crate) fn refused_text(code: &'static str, vi: String, en: String) -> WebError {
    WebError::Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code,
        vi,
        en,
    }
}

/// A refusal of the review domain: 422 for a form that does not score, 409 for a step refused.
pub fn refused(e: &ReviewError) -> WebError {
    let status = if e.code().starts_with("SCORE_") {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::CONFLICT
    };
    WebError::Refused {
        status,
        code: e.code(),
        vi: e.message_vi(),
        en: e.message_en(),
    }
}

/// The web error of a review store error.
pub fn refusal(e: ReviewStoreError) -> WebError {
    match e {
        ReviewStoreError::Store(e) => WebError::Store(e),
        ReviewStoreError::Review(r) => refused(&r),
        e @ ReviewStoreError::Stale { .. } => WebError::Refused {
            status: StatusCode::CONFLICT,
            code: e.code(),
            vi: e.message_vi(),
            en: e.message_en(),
        },
    }
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

fn bad_input(vi: &str, en: &str) -> WebError {
    refused_text("WEB_BAD_INPUT", vi.to_string(), en.to_string())
}

/// A required date field.
pub fn date_field(s: Option<&str>, field_vi: &str, field_en: &str) -> Result<NaiveDate, WebError> {
    s.and_then(parse_date).ok_or_else(|| {
        refused_text(
            "WEB_BAD_DATE",
            format!("{field_vi}: cần một ngày dạng dd/mm/yyyy"),
            format!("{field_en}: a date like dd/mm/yyyy is needed"),
        )
    })
}

// ------------------------------------------------------------------------------------------ units

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
) -> Result<Vec<StoredHousehold>, WebError> {
    let all = store.all_units().await?;
    let ids = subtree(&all, commune);
    Ok(store.households_in_units(&ids).await?)
}

/// The names of every unit.
pub async fn unit_names<S: Store>(store: &S) -> Result<HashMap<UnitId, StoredUnit>, WebError> {
    Ok(store
        .all_units()
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

/// The code of the province a unit lies in (for a province's own scoring tables).
pub async fn province_of<S: Store>(store: &S, unit: UnitId) -> Result<Option<String>, WebError> {
    let mut next = Some(unit);
    for _ in 0..16 {
        let Some(u) = next else { break };
        let su = store.unit(u).await?;
        if su.unit.kind.level() == 1 {
            return Ok(Some(su.unit.code.to_string()));
        }
        next = su.unit.parent;
    }
    Ok(None)
}

/// The commune-level unit a household's unit lies in.
pub async fn commune_of<S: Store>(store: &S, unit: UnitId) -> Result<Option<UnitId>, WebError> {
    let mut next = Some(unit);
    for _ in 0..16 {
        let Some(u) = next else { break };
        let su = store.unit(u).await?;
        if su.unit.kind.level() == 3 {
            return Ok(Some(su.id));
        }
        next = su.unit.parent;
    }
    Ok(None)
}

/// The village shown for a household: the village it is recorded under, else its address.
pub fn village_of(h: &StoredHousehold, units: &HashMap<UnitId, StoredUnit>) -> String {
    match units.get(&h.household.unit) {
        Some(u) if u.unit.kind == ansinh_domain::registry::UnitKind::Village => {
            u.unit.name.to_string()
        }
        _ => h.household.address.to_string(),
    }
}

// ---------------------------------------------------------------------------------- review forms

/// A household's review form as typed: the survey date, the quick screen, the region and the answers of
/// score A, deprived or not per indicator for score B. Field names in HTML forms: `surveyed_on`,
/// `region`, `a.<characteristic>`, `b.<indicator>` (`1` deprived, `0` not), `q.<criterion>` (met).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormDraft {
    pub surveyed_on: Option<NaiveDate>,
    pub region: String,
    pub answers: BTreeMap<String, String>,
    pub deprived: BTreeMap<String, bool>,
    pub quick: Vec<String>,
}

impl FormDraft {
    pub fn from_pairs(pairs: &[(String, String)]) -> FormDraft {
        let mut d = FormDraft::default();
        for (k, v) in pairs {
            let v = v.trim();
            if k == "surveyed_on" {
                d.surveyed_on = parse_date(v);
            } else if k == "region" {
                d.region = v.to_string();
            } else if let Some(c) = k.strip_prefix("a.") {
                if !v.is_empty() {
                    d.answers.insert(c.to_string(), v.to_string());
                }
            } else if let Some(i) = k.strip_prefix("b.") {
                match v {
                    "1" => {
                        d.deprived.insert(i.to_string(), true);
                    }
                    "0" => {
                        d.deprived.insert(i.to_string(), false);
                    }
                    _ => {}
                }
            } else if let Some(q) = k.strip_prefix("q.")
                && !v.is_empty()
                && v != "0"
                && !d.quick.iter().any(|x| x == q)
            {
                d.quick.push(q.to_string());
            }
        }
        d
    }

    pub fn from_form(f: &FormInput) -> FormDraft {
        FormDraft {
            surveyed_on: Some(f.surveyed_on),
            region: f.income.region.clone(),
            answers: f.income.answers.clone(),
            deprived: f.deprivation.deprived.clone(),
            quick: f
                .quick_screen
                .as_ref()
                .map(|q| q.met.clone())
                .unwrap_or_default(),
        }
    }

    fn income(&self) -> IncomeForm {
        IncomeForm {
            region: self.region.clone(),
            answers: self.answers.clone(),
        }
    }

    fn deprivation(&self) -> DeprivationForm {
        DeprivationForm {
            deprived: self.deprived.clone(),
        }
    }
}

/// The scores of a draft (or why it does not score yet) and the quick screen's result.
#[derive(Clone, Debug)]
pub struct Scored {
    pub result: Result<ScoreResult, ReviewError>,
    pub quick: Option<Result<QuickResult, ReviewError>>,
}

pub fn score(tables: &ScoringTables, std: &Standard, d: &FormDraft) -> Scored {
    let quick = tables.quick_screen.as_ref().map(|_| {
        tables.quick_screen(&QuickScreen {
            met: d.quick.clone(),
        })
    });
    Scored {
        result: tables.score(std, &d.income(), &d.deprivation()),
        quick,
    }
}

/// The form to store for a draft, scored; refused when it does not score.
pub fn form_input(
    tables: &ScoringTables,
    std: &Standard,
    household: HouseholdId,
    d: &FormDraft,
    on: NaiveDate,
) -> Result<FormInput, WebError> {
    let s = score(tables, std, d);
    let r = s.result.map_err(|e| refused(&e))?;
    if let Some(Err(e)) = s.quick {
        return Err(refused(&e));
    }
    Ok(FormInput {
        household,
        surveyed_on: d.surveyed_on.unwrap_or(on),
        tables_id: tables.id.clone(),
        placeholder: tables.placeholder,
        income: d.income(),
        deprivation: d.deprivation(),
        quick_screen: tables.quick_screen.as_ref().map(|_| QuickScreen {
            met: d.quick.clone(),
        }),
        score_a: r.score_a,
        score_b: r.score_b,
        class: r.class,
        explanation_vi: r.text_vi,
        explanation_en: r.text_en,
    })
}

/// What the registry already says, as a starting draft for the officer to check: the region of the
/// commune's area, household size, highest education, non-farm work, dwelling and floor area per person,
/// and every indicator the engine decided. Characteristics the registry does not hold (pension,
/// electricity, assets) stay unanswered.
pub fn suggest(
    h: &StoredHousehold,
    area: Option<Area>,
    tables: &ScoringTables,
    e: &Explanation,
    on: NaiveDate,
) -> FormDraft {
    let mut d = FormDraft {
        surveyed_on: Some(on),
        ..FormDraft::default()
    };
    d.region = tables
        .regions
        .iter()
        .find(|r| Some(r.area) == area)
        .or_else(|| tables.regions.first())
        .map(|r| r.id.clone())
        .unwrap_or_default();
    let live: Vec<_> = h
        .members
        .iter()
        .map(|m| &m.member)
        .filter(|m| m.is_member_on(on))
        .collect();
    let n = live.len();
    let mut set = |c: &str, o: &str| {
        let known = tables
            .characteristics
            .iter()
            .any(|x| x.id == c && x.options.iter().any(|op| op.id == o));
        if known {
            d.answers.insert(c.to_string(), o.to_string());
        }
    };
    if n > 0 {
        let size = if n >= 6 {
            "6+".to_string()
        } else {
            n.to_string()
        };
        set("household_size", &size);
    }
    if let Some(top) = live
        .iter()
        .filter_map(|m| m.education_level)
        .max_by_key(|e| e.index())
    {
        let o = match top {
            Education::NoSchooling => "none",
            Education::Primary => "primary",
            Education::LowerSecondary => "lower_secondary",
            Education::UpperSecondary => "upper_secondary",
            Education::Vocational | Education::Tertiary => "higher",
        };
        set("highest_education", o);
    }
    if live
        .iter()
        .any(|m| m.labour_status == Some(Labour::EmployedFormal))
    {
        set("non_farm_work", "yes");
    } else if !live.is_empty() && live.iter().all(|m| m.labour_status.is_some()) {
        set("non_farm_work", "no");
    }
    if let Some(q) = h.household.housing_quality {
        set("housing", q.code());
    }
    if let (Some(a), true) = (h.household.floor_area_m2, n > 0) {
        let per = a / n as f64;
        set(
            "floor_area_per_person",
            if per < 8.0 {
                "lt8"
            } else if per < 20.0 {
                "8to20"
            } else {
                "ge20"
            },
        );
    }
    for i in &e.indicators {
        match i.outcome {
            Outcome::Deprived => {
                d.deprived.insert(i.id.clone(), true);
            }
            Outcome::NotDeprived => {
                d.deprived.insert(i.id.clone(), false);
            }
            Outcome::Unknown { .. } => {}
        }
    }
    d
}

/// The engine's explained classification of a household under a standard, as of a date.
pub async fn explain_household<S: Store>(
    store: &S,
    std: &Standard,
    h: &StoredHousehold,
    on: NaiveDate,
) -> Result<Explanation, WebError> {
    let (_, batch) = batch_of(store, std::slice::from_ref(h), on).await?;
    Ok(explain(std, &batch, 0))
}

// -------------------------------------------------------------------------------- next actions

/// Something the round allows next, and who does it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Next {
    /// `add_to_list`, `close_list`, `save_form`, `finish_scoring`, `record_meeting`, `post`,
    /// `file_complaint`, `end_posting`, `resolve_complaint`, `close_complaints`,
    /// `record_consultation`, `approve`, `report`, `reopen`.
    pub code: &'static str,
    /// The store step it completes, when it is one.
    pub step: Option<Step>,
    /// Who may: the commune, or the upper level.
    pub access: ReviewAccess,
}

/// The actions the round's step allows, in the order an officer does them.
pub fn next_actions(r: &Round, wf: &Workflow) -> Vec<Next> {
    let c = |code, step| Next {
        code,
        step,
        access: ReviewAccess::Commune,
    };
    let mut v = match r.stage {
        Stage::Listing => vec![
            c("add_to_list", None),
            c("close_list", Some(Step::CloseList)),
        ],
        Stage::Scoring => vec![
            c("save_form", None),
            c("finish_scoring", Some(Step::FinishScoring)),
        ],
        Stage::Meeting => vec![c("record_meeting", None)],
        Stage::Posting if r.posted_on.is_none() => vec![c("post", Some(Step::Post))],
        Stage::Posting => vec![
            c("file_complaint", None),
            c("resolve_complaint", None),
            c("end_posting", Some(Step::EndPosting)),
        ],
        Stage::Complaints => vec![
            c("save_form", None),
            c("resolve_complaint", None),
            c("close_complaints", Some(Step::CloseComplaints)),
        ],
        Stage::Consultation => vec![Next {
            code: "record_consultation",
            step: Some(Step::RecordConsultation),
            access: ReviewAccess::Upper,
        }],
        Stage::Decision => vec![c("approve", None)],
        Stage::Approved => vec![c("report", Some(Step::Report))],
        Stage::Reported => vec![],
    };
    if reopen_targets(r, wf).next().is_some() {
        v.push(c("reopen", None));
    }
    v
}

/// The steps a round may be reopened to (earlier steps of its kind).
pub fn reopen_targets<'a>(r: &'a Round, wf: &'a Workflow) -> impl Iterator<Item = Stage> + 'a {
    wf.steps(r.kind).iter().copied().filter(|s| *s < r.stage)
}

/// The step a code of [`Step`] names (forms and API).
pub fn step_of(code: &str) -> Option<Step> {
    Some(match code {
        "close_list" => Step::CloseList,
        "finish_scoring" => Step::FinishScoring,
        "post" => Step::Post,
        "end_posting" => Step::EndPosting,
        "close_complaints" => Step::CloseComplaints,
        "record_consultation" => Step::RecordConsultation,
        "report" => Step::Report,
        _ => return None,
    })
}

fn access_of(step: Step) -> ReviewAccess {
    match step {
        Step::RecordConsultation => ReviewAccess::Upper,
        _ => ReviewAccess::Commune,
    }
}

// ---------------------------------------------------------------------------------- operations

/// Opens the periodic round of a commune; with `list_all`, every live household of the commune is put
/// on its list.
pub async fn open_periodic<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    unit: UnitId,
    year: i32,
    on: NaiveDate,
    standard: Option<&str>,
    list_all: bool,
) -> Result<StoredRound, WebError> {
    let scoped = auth.scoped(app);
    let commune = scoped.review_commune(unit, ReviewAccess::Commune).await?;
    let store = scoped.checked_store();
    let rules = app.review_rules();
    let wf = rules.workflow_on(on)?;
    let province = province_of(store, commune.id).await?;
    let standard = match standard.filter(|s| !s.trim().is_empty()) {
        Some(s) => app
            .registry()
            .get(s.trim())
            .ok_or_else(|| bad_input("Không có chuẩn nghèo này.", "No such poverty standard."))?,
        None => app
            .registry()
            .in_force(on, province.as_deref())
            .ok_or_else(|| {
                bad_input(
                    "Không có chuẩn nghèo áp dụng vào ngày này.",
                    "No poverty standard is in force on that day.",
                )
            })?,
    };
    rules.tables(&standard.id, province.as_deref())?;
    let ctx = auth.ctx();
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
        .await
        .map_err(refusal)?;
    if list_all {
        for h in commune_households(store, commune.id).await? {
            store
                .add_to_list(&ctx, r.id, h.id, on)
                .await
                .map_err(refusal)?;
        }
    }
    Ok(r)
}

/// Records a household's in-year request (Form 01 or 04): a regular round whose list is the household.
pub async fn open_request<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    unit: UnitId,
    household: HouseholdId,
    form: RequestForm,
    channel: &str,
    received: NaiveDate,
) -> Result<StoredRound, WebError> {
    let scoped = auth.scoped(app);
    let commune = scoped.review_commune(unit, ReviewAccess::Commune).await?;
    let h = scoped.household(household).await?;
    let store = scoped.checked_store();
    if h.deleted || commune_of(store, h.household.unit).await? != Some(commune.id) {
        return Err(WebError::NotFound { api: false });
    }
    let rules = app.review_rules();
    let wf = rules.workflow_on(received)?;
    let province = province_of(store, commune.id).await?;
    let start = wf.regular_start(received);
    let standard = app
        .registry()
        .in_force(start, province.as_deref())
        .ok_or_else(|| {
            bad_input(
                "Không có chuẩn nghèo áp dụng vào ngày này.",
                "No poverty standard is in force on that day.",
            )
        })?;
    rules.tables(&standard.id, province.as_deref())?;
    let channel = match channel {
        "in_person" | "post" | "online" => channel,
        _ => "in_person",
    };
    store
        .create_round(
            &auth.ctx(),
            &NewRound {
                kind: RoundKind::Regular,
                unit: commune.id,
                year: chrono::Datelike::year(&received),
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
        .await
        .map_err(refusal)
}

/// Completes a step of the round with the facts the store holds.
pub async fn advance<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    step: Step,
    on: NaiveDate,
) -> Result<StoredRound, WebError> {
    let scoped = auth.scoped(app);
    let r = scoped.round(round, access_of(step)).await?;
    let wf = app.review_rules().workflow(&r)?;
    scoped
        .checked_store()
        .advance(&auth.ctx(), r.id, step, on, wf)
        .await
        .map_err(refusal)
}

/// Adds households of the round's commune to its list (listing step).
pub async fn add_to_list<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    households: &[HouseholdId],
    all: bool,
    on: NaiveDate,
) -> Result<usize, WebError> {
    let scoped = auth.scoped(app);
    let r = scoped.round(round, ReviewAccess::Commune).await?;
    let store = scoped.checked_store();
    r.round
        .check_edit(ansinh_domain::review::Edit::List)
        .map_err(|e| refused(&e))?;
    let of_commune: BTreeMap<HouseholdId, StoredHousehold> = commune_households(store, r.unit)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let listed: BTreeSet<HouseholdId> = store
        .review_list(r.id)
        .await
        .map_err(refusal)?
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
        return Err(WebError::NotFound { api: false });
    }
    let ctx = auth.ctx();
    let mut n = 0;
    for h in wanted {
        store
            .add_to_list(&ctx, r.id, h, on)
            .await
            .map_err(refusal)?;
        n += 1;
    }
    Ok(n)
}

/// The standard and scoring tables of a round.
pub async fn round_tables<'a, S: Backend>(
    app: &'a App<S>,
    r: &StoredRound,
) -> Result<(&'a Standard, &'a ScoringTables), WebError> {
    let std = app
        .registry()
        .get(&r.standard_id)
        .ok_or_else(|| WebError::Internal(format!("unknown standard {}", r.standard_id)))?;
    let province = province_of(app.store(), r.unit).await?;
    let tables = app
        .review_rules()
        .tables(&r.standard_id, province.as_deref())?;
    Ok((std, tables))
}

/// A household on the round's list (else "not found", whatever the reason).
pub async fn listed_household<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    r: &StoredRound,
    household: HouseholdId,
) -> Result<StoredHousehold, WebError> {
    let scoped = auth.scoped(app);
    let listed = scoped
        .checked_store()
        .review_list(r.id)
        .await
        .map_err(refusal)?;
    if !listed.iter().any(|(h, _)| *h == household) {
        return Err(WebError::NotFound { api: false });
    }
    scoped.household(household).await
}

/// Saves a new revision of a listed household's form, scored with the round's tables.
pub async fn save_form<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    household: HouseholdId,
    draft: &FormDraft,
) -> Result<i64, WebError> {
    let r = auth.scoped(app).round(round, ReviewAccess::Commune).await?;
    let h = listed_household(app, auth, &r, household).await?;
    r.round
        .check_edit(ansinh_domain::review::Edit::Form)
        .map_err(|e| refused(&e))?;
    let (std, tables) = round_tables(app, &r).await?;
    let form = form_input(tables, std, h.id, draft, today(app))?;
    app.store()
        .save_form(&auth.ctx(), r.id, &form)
        .await
        .map_err(refusal)
}

/// A village meeting as typed: votes by household id.
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
pub async fn record_meeting<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    m: &MeetingDraft,
) -> Result<StoredRound, WebError> {
    let scoped = auth.scoped(app);
    let r = scoped.round(round, ReviewAccess::Commune).await?;
    let store = scoped.checked_store();
    let wf = app.review_rules().workflow(&r)?;
    let held_on = m.held_on.ok_or_else(|| {
        bad_input(
            "Ngày họp: cần một ngày dạng dd/mm/yyyy",
            "Meeting date: a date like dd/mm/yyyy is needed",
        )
    })?;
    let listed: BTreeMap<HouseholdId, HouseholdCode> = store
        .review_list(r.id)
        .await
        .map_err(refusal)?
        .into_iter()
        .collect();
    let pending = pending_votes(store, &r, wf).await?;
    let voted: BTreeSet<HouseholdId> = m.votes.iter().map(|v| v.0).collect();
    if r.round.stage == Stage::Meeting {
        let missing: Vec<String> = pending
            .iter()
            .filter(|h| !voted.contains(h))
            .filter_map(|h| listed.get(h).map(|c| c.to_string()))
            .collect();
        if !missing.is_empty() {
            return Err(refused_text(
                "REVIEW_VOTES_MISSING",
                format!(
                    "cần nhập kết quả biểu quyết cho các hộ chưa được thống nhất: {}",
                    missing.join(", ")
                ),
                format!(
                    "the votes of the households not agreed yet are needed: {}",
                    missing.join(", ")
                ),
            ));
        }
    }
    let mut votes = Vec::new();
    for (h, agree, disagree) in &m.votes {
        let Some(code) = listed.get(h) else {
            return Err(WebError::NotFound { api: false });
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
    store_meeting(store, &auth.ctx(), &r, &meeting, wf).await
}

/// Records a meeting with its minutes (each household named by its head and proposed class, never by
/// an ID number).
pub async fn store_meeting<S: Store + ReviewStore>(
    store: &S,
    ctx: &ansinh_store::ChangeContext,
    r: &StoredRound,
    meeting: &Meeting,
    wf: &Workflow,
) -> Result<StoredRound, WebError> {
    let forms: HashMap<String, Class> = store
        .review_forms(r.id)
        .await
        .map_err(refusal)?
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
    store
        .record_meeting(ctx, r.id, meeting, &minutes, wf)
        .await
        .map_err(refusal)
}

/// Listed households whose result has not been agreed by a meeting yet (never voted on, or the latest
/// vote fell short).
pub async fn pending_votes<S: Backend>(
    store: &S,
    r: &StoredRound,
    wf: &Workflow,
) -> Result<BTreeSet<HouseholdId>, WebError> {
    let mut latest: HashMap<HouseholdId, bool> = HashMap::new();
    for m in store.review_meetings(r.id).await.map_err(refusal)? {
        for (h, t) in m.households.iter().zip(&m.meeting.votes) {
            latest.insert(*h, wf.passes(t.agree, m.meeting.attendees));
        }
    }
    Ok(store
        .review_list(r.id)
        .await
        .map_err(refusal)?
        .into_iter()
        .map(|x| x.0)
        .filter(|h| latest.get(h) != Some(&true))
        .collect())
}

/// Files a complaint about the posted results.
pub async fn file_complaint<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    household: Option<HouseholdId>,
    on: NaiveDate,
    text: &str,
) -> Result<i64, WebError> {
    let r = auth.scoped(app).round(round, ReviewAccess::Commune).await?;
    if let Some(h) = household {
        listed_household(app, auth, &r, h).await?;
    }
    if text.trim().is_empty() {
        return Err(bad_input(
            "Cần ghi nội dung khiếu nại.",
            "The complaint needs its text.",
        ));
    }
    let wf = app.review_rules().workflow(&r)?;
    app.store()
        .file_complaint(&auth.ctx(), r.id, household, on, text, wf)
        .await
        .map_err(refusal)
}

/// Settles a complaint of the round.
pub async fn resolve_complaint<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    complaint: i64,
    on: NaiveDate,
    outcome: ComplaintOutcome,
    note: &str,
) -> Result<(), WebError> {
    let r = auth.scoped(app).round(round, ReviewAccess::Commune).await?;
    let store = app.store();
    let ours = store.complaints(r.id).await.map_err(refusal)?;
    if !ours.iter().any(|c| c.id == complaint) {
        return Err(WebError::NotFound { api: false });
    }
    let wf = app.review_rules().workflow(&r)?;
    store
        .resolve_complaint(&auth.ctx(), complaint, on, outcome, note, wf)
        .await
        .map_err(refusal)
}

/// The snapshot entries of a round approved on `on`: each listed household's latest form, labelled
/// against its approved statuses of the other rounds.
pub async fn snapshot_entries<S: Store + ReviewStore>(
    store: &S,
    r: &StoredRound,
    on: NaiveDate,
    wf: &Workflow,
) -> Result<Vec<SnapshotEntry>, WebError> {
    let mut out = Vec::new();
    for f in store.review_forms(r.id).await.map_err(refusal)? {
        let history = store
            .approved_history(f.form.household, Some(r.id))
            .await
            .map_err(refusal)?;
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
pub async fn approve<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    on: NaiveDate,
) -> Result<i64, WebError> {
    let r = auth.scoped(app).round(round, ReviewAccess::Commune).await?;
    let wf = app.review_rules().workflow(&r)?;
    let store = app.store();
    // The state machine answers first, so an approval out of order says why, not what is missing.
    r.round
        .apply(&ansinh_domain::review::Action::Approve { on }, wf)
        .map_err(|e| refused(&e))?;
    let entries = snapshot_entries(store, &r, on, wf).await?;
    store
        .approve(&auth.ctx(), r.id, on, &entries, wf)
        .await
        .map_err(refusal)
}

/// Reopens the round at an earlier step; the reason is required.
pub async fn reopen<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    round: RoundId,
    to: Stage,
    on: NaiveDate,
    reason: &str,
) -> Result<StoredRound, WebError> {
    let r = auth.scoped(app).round(round, ReviewAccess::Commune).await?;
    let wf = app.review_rules().workflow(&r)?;
    app.store()
        .reopen(&auth.ctx().because(reason), r.id, to, on, wf)
        .await
        .map_err(refusal)
}

// ----------------------------------------------------------------------------------- read models

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
pub async fn posted_list<S: Backend>(
    store: &S,
    r: &StoredRound,
) -> Result<Vec<PostedRow>, WebError> {
    let mut classes: HashMap<HouseholdId, Class> = store
        .review_forms(r.id)
        .await
        .map_err(refusal)?
        .into_iter()
        .map(|f| (f.form.household, f.form.class))
        .collect();
    if r.round.stage.is_locked()
        && let Some(s) = store.snapshots(r.id).await.map_err(refusal)?.last()
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
    for (id, _) in store.review_list(r.id).await.map_err(refusal)? {
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
        a.village.cmp(&b.village).then_with(|| {
            ansinh_domain::collation::vi_sort_key(&a.head_name)
                .cmp(&ansinh_domain::collation::vi_sort_key(&b.head_name))
        })
    });
    Ok(rows)
}

/// The movement between two sets of approved rounds (households of one side only count as moved in or
/// out); `label` names the row a household's unit counts under.
pub async fn movement<S: Backend>(
    store: &S,
    from: &[StoredRound],
    to: &[StoredRound],
    label: &(dyn Fn(UnitId) -> String + Sync),
) -> Result<(Vec<MovementRow>, MovementRow), WebError> {
    let mut before: HashMap<HouseholdId, Class> = HashMap::new();
    let mut before_unit: HashMap<HouseholdId, UnitId> = HashMap::new();
    for r in from {
        if let Some(s) = store.snapshots(r.id).await.map_err(refusal)?.pop() {
            for e in s.entries {
                before.insert(e.household, e.class);
                before_unit.insert(e.household, e.unit);
            }
        }
    }
    let mut moves = Vec::new();
    let mut seen = BTreeSet::new();
    for r in to {
        if let Some(s) = store.snapshots(r.id).await.map_err(refusal)?.pop() {
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
pub async fn approved_counts<S: Backend>(
    store: &S,
    r: &StoredRound,
) -> Result<Option<(usize, usize, usize)>, WebError> {
    Ok(store
        .snapshots(r.id)
        .await
        .map_err(refusal)?
        .pop()
        .map(|s| {
            let n = |c: Class| s.entries.iter().filter(|e| e.class == c).count();
            (n(Class::Poor), n(Class::NearPoor), s.entries.len())
        }))
}

/// Whether a complaint is past its deadline without a resolution.
pub fn complaint_overdue(c: &ansinh_store::review::StoredComplaint, today: NaiveDate) -> bool {
    c.resolved.is_none() && today > c.due
}

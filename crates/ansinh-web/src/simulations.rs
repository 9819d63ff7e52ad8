//! What-if simulation in the browser: `/simulations` applies another standard (a scenario of
//! `simulations/*.toml`, or another standard such as 2027-2030) to the live households of a unit the user
//! reaches, beside the standard in force, and shows the class changes (from → to, households and
//! persons), the communes and indicators they come from, and the budget impact per policy for a year.
//! `/simulations/result.xlsx` and `/simulations/result.pdf` give the same with the same query.
//!
//! Same engine and reading of the registry as `ansinh simulate --database` ([`registry_batch`],
//! [`simulate`], [`budget_impact`]). Planning information ([`Action::ReadPlans`]); the unit must lie in the
//! user's subtree (an administrator may run the whole registry). Only counts are shown, never a
//! household.

use crate::routing::Router;
use crate::routing::get;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Datelike;
use serde::Deserialize;

use ansinh_domain::registry::UnitCode;
use ansinh_domain::simulate::{
    Budget, MatrixExt, STATES, Simulation, budget_impact, simulate, state_en, state_vi,
};
use ansinh_domain::standard::Standard;
use ansinh_registry_io::simulate::{RegistryBatch, registry_batch};
use ansinh_reports::pdf::{Block, Doc};

use crate::auth::{Action, Authorized, today};
use crate::error::WebError;
use crate::i18n::Lang;
use crate::pages::{Frame, download, html, xl};
use crate::{App, Backend};

mod outputs;
pub use outputs::{document, workbook};

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route("/simulations", get(page::<S>))
        .route("/simulations/result.xlsx", get(result_xlsx::<S>))
        .route("/simulations/result.pdf", get(result_pdf::<S>))
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct SimQuery {
    pub base: Option<String>,
    #[serde(rename = "with")]
    pub with: Option<String>,
    pub unit: Option<String>,
    pub year: Option<String>,
}

fn name(s: &Standard, l: Lang) -> String {
    l.pick(&s.name_vi, &s.name_en).to_string()
}

fn state(l: Lang, s: usize) -> &'static str {
    match l {
        Lang::Vi => state_vi(s),
        Lang::En => state_en(s),
    }
}

/// The units a user may simulate: communes and above in their subtree, valid today, by code; `""` is the
/// whole registry (administrators without a unit).
async fn unit_choices<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
) -> Result<Vec<(String, String)>, WebError> {
    let scoped = auth.scoped(app);
    let on = today(app);
    let mut out: Vec<(String, String)> = scoped
        .units()
        .await?
        .into_iter()
        .filter(|u| u.unit.kind.level() <= 3 && u.unit.is_valid_on(on))
        .map(|u| (u.unit.code.to_string(), u.unit.name.to_string()))
        .collect();
    out.sort();
    if scoped.root().is_none() {
        out.insert(
            0,
            (
                String::new(),
                auth.lang
                    .pick("Toàn bộ cơ sở dữ liệu", "The whole registry")
                    .into(),
            ),
        );
    }
    Ok(out)
}

/// A run: the comparison, its budget impact, and the commune names.
pub struct Run {
    pub sim: Simulation,
    pub budget: Budget,
    pub batch: RegistryBatch,
    pub base: Standard,
    pub alt: Standard,
    pub unit: String,
    pub year: i32,
}

/// Runs the simulation of the query, when it names an alternative.
pub async fn run<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    q: &SimQuery,
) -> Result<Option<Run>, WebError> {
    auth.require(Action::ReadPlans)?;
    let Some(with) = q.with.as_deref().filter(|w| !w.is_empty()) else {
        return Ok(None);
    };
    let reg = app.scenarios();
    let on = today(app);
    let base_id = match q.base.as_deref().filter(|b| !b.is_empty()) {
        Some(b) => b.to_string(),
        None => app.standard(on)?.id.clone(),
    };
    let base = reg
        .get(&base_id)
        .ok_or_else(|| WebError::BadRequest("base: unknown standard".into()))?
        .clone();
    let alt = reg
        .get(with)
        .ok_or_else(|| WebError::BadRequest("with: unknown standard or scenario".into()))?
        .clone();
    let choices = unit_choices(app, auth).await?;
    let unit = match q.unit.as_deref() {
        Some(u) => u.to_string(),
        None => choices.first().map(|c| c.0.clone()).unwrap_or_default(),
    };
    // Only a unit offered to this user: anything else is not found (as for a guessed id).
    if !choices.iter().any(|(c, _)| *c == unit) {
        return Err(WebError::NotFound { api: false });
    }
    let year = match q.year.as_deref().filter(|y| !y.is_empty()) {
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| WebError::BadRequest("year: a year such as 2025".into()))?,
        None => on.year(),
    };
    let code = if unit.is_empty() {
        None
    } else {
        Some(UnitCode::parse(&unit).map_err(|_| WebError::NotFound { api: false })?)
    };
    let batch = registry_batch(app.store(), code.as_ref(), on)
        .await
        .map_err(|e| WebError::Internal(format!("simulation: {e}")))?;
    let sim = simulate(
        &base,
        &alt,
        &batch.batch,
        Some(&batch.commune),
        Some(&batch.province),
    );
    let set = app.policies();
    let jurisdiction = base
        .jurisdiction
        .clone()
        .or_else(|| alt.jurisdiction.clone());
    let budget =
        budget_impact(&sim, set, year, jurisdiction.as_deref()).map_err(WebError::Internal)?;
    Ok(Some(Run {
        sim,
        budget,
        batch,
        base,
        alt,
        unit,
        year,
    }))
}

// ------------------------------------------------------------------------------ views

pub struct ClassRow {
    pub name: &'static str,
    pub base: String,
    pub alt: String,
    pub delta: String,
}

pub struct MoveRow {
    pub from: &'static str,
    pub to: &'static str,
    pub households: String,
    pub persons: String,
}

pub struct CommuneRow {
    pub code: String,
    pub name: String,
    pub households: String,
    pub changed: String,
    pub poor_base: String,
    pub poor_alt: String,
    pub near_base: String,
    pub near_alt: String,
}

pub struct IndicatorRow {
    pub name: String,
    pub note: &'static str,
    pub base: String,
    pub alt: String,
    pub newly: String,
    pub no_longer: String,
}

pub struct BudgetRow {
    pub policy: String,
    pub counts: String,
    pub per_unit: String,
    pub base_units: String,
    pub alt_units: String,
    pub delta: String,
    pub unconfirmed: bool,
}

/// Everything the page, the workbook and the document show, formatted.
pub struct View {
    pub title: String,
    pub households: String,
    pub persons: String,
    pub classes: Vec<ClassRow>,
    pub changed: String,
    pub moves: Vec<MoveRow>,
    pub communes: Vec<CommuneRow>,
    pub indicators: Vec<IndicatorRow>,
    pub budget: Vec<BudgetRow>,
    pub budget_total: String,
    pub skipped: Vec<(String, String)>,
    pub caveats: Vec<String>,
}

fn signed(l: Lang, v: i64) -> String {
    if v > 0 {
        format!("+{}", l.int(v))
    } else {
        l.int(v)
    }
}

fn signed_vnd(l: Lang, v: i64) -> String {
    if v > 0 {
        format!("+{}", l.vnd(v))
    } else {
        l.vnd(v)
    }
}

impl View {
    /// Class, base, scenario, change: one row per class present on either side.
    pub fn class_rows(&self) -> Vec<Vec<String>> {
        self.classes
            .iter()
            .map(|c| {
                vec![
                    c.name.to_string(),
                    c.base.clone(),
                    c.alt.clone(),
                    c.delta.clone(),
                ]
            })
            .collect()
    }
    /// From, to, households, persons: one row per change of class.
    pub fn move_rows(&self) -> Vec<Vec<String>> {
        self.moves
            .iter()
            .map(|m| {
                vec![
                    m.from.to_string(),
                    m.to.to_string(),
                    m.households.clone(),
                    m.persons.clone(),
                ]
            })
            .collect()
    }
}

pub fn view(l: Lang, r: &Run) -> View {
    let sim = &r.sim;
    let classes = (0..STATES)
        .filter(|s| sim.matrix.base(*s).households > 0 || sim.matrix.alt(*s).households > 0)
        .map(|s| {
            let (b, a) = (sim.matrix.base(s).households, sim.matrix.alt(s).households);
            ClassRow {
                name: state(l, s),
                base: l.int(b),
                alt: l.int(a),
                delta: signed(l, a - b),
            }
        })
        .collect();
    let mut moves = Vec::new();
    for from in 0..STATES {
        for to in 0..STATES {
            let c = sim.matrix[from][to];
            if from != to && c.households > 0 {
                moves.push(MoveRow {
                    from: state(l, from),
                    to: state(l, to),
                    households: l.int(c.households),
                    persons: l.int(c.persons),
                });
            }
        }
    }
    let communes = sim
        .communes
        .iter()
        .map(|u| {
            let (code, cname) = r
                .batch
                .units
                .get(&u.code)
                .cloned()
                .unwrap_or_else(|| (u.code.to_string(), String::new()));
            let hh: i64 = (0..STATES).map(|s| u.matrix.base(s).households).sum();
            CommuneRow {
                code,
                name: cname,
                households: l.int(hh),
                changed: l.int(u.matrix.changed().households),
                poor_base: l.int(u.matrix.base(0).households),
                poor_alt: l.int(u.matrix.alt(0).households),
                near_base: l.int(u.matrix.base(1).households),
                near_alt: l.int(u.matrix.alt(1).households),
            }
        })
        .collect();
    let indicators = sim
        .indicators
        .iter()
        .map(|i| IndicatorRow {
            name: l.pick(&i.vi, &i.en).to_string(),
            note: match (i.in_base, i.in_alt) {
                (true, false) => l.pick("bỏ chỉ số", "dropped"),
                (false, true) => l.pick("chỉ số mới", "new"),
                _ => "",
            },
            base: l.int(i.base_deprived),
            alt: l.int(i.alt_deprived),
            newly: l.int(i.newly_deprived),
            no_longer: l.int(i.no_longer_counted),
        })
        .collect();
    let budget = r
        .budget
        .lines
        .iter()
        .map(|b| BudgetRow {
            policy: l.pick(&b.name_vi, &b.name_en).to_string(),
            counts: b.counts.clone(),
            per_unit: l.vnd(b.per_unit),
            base_units: l.int(b.base_units),
            alt_units: l.int(b.alt_units),
            delta: signed_vnd(l, b.delta_amount),
            unconfirmed: !b.caveats.is_empty(),
        })
        .collect();
    let ch = sim.matrix.changed();
    View {
        title: format!("{} → {}", name(&r.base, l), name(&r.alt, l)),
        households: l.int(sim.households),
        persons: l.int(sim.persons),
        classes,
        changed: format!(
            "{} {} · {} {}",
            l.int(ch.households),
            l.pick("hộ", "households"),
            l.int(ch.persons),
            l.pick("nhân khẩu", "persons")
        ),
        moves,
        communes,
        indicators,
        budget,
        budget_total: signed_vnd(l, r.budget.delta_total()),
        skipped: r.budget.skipped.clone(),
        caveats: sim
            .caveats
            .iter()
            .map(|c| format!("{}: {}", c.subject, c.note))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "simulations.html")]
struct Page {
    f: Frame,
    standards: Vec<(String, String, bool)>,
    alternatives: Vec<(String, String, bool)>,
    units: Vec<(String, String, bool)>,
    year: String,
    query: String,
    result: Option<View>,
}

/// The query that runs `r` again (for its downloads); an empty unit (the whole registry) is the default.
fn query_string(r: &Run) -> String {
    crate::pages::query_string(&[
        ("base", &r.base.id),
        ("with", &r.alt.id),
        ("unit", &r.unit),
        ("year", &r.year.to_string()),
    ])
}

async fn page<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Query(q): Query<SimQuery>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPlans)?;
    let l = auth.lang;
    let reg = app.scenarios();
    let on = today(&app);
    let result = run(&app, &auth, &q).await?;
    let in_force = app.standard(on)?.id.clone();
    let base_sel = result
        .as_ref()
        .map_or(in_force.clone(), |r| r.base.id.clone());
    let alt_sel = result
        .as_ref()
        .map(|r| r.alt.id.clone())
        .unwrap_or_default();
    let scenario_ids: Vec<String> = app.rules().scenario_ids().to_vec();
    let standards: Vec<(String, String, bool)> = reg
        .all()
        .iter()
        .filter(|s| !scenario_ids.contains(&s.id))
        .map(|s| (s.id.clone(), name(s, l), s.id == base_sel))
        .collect();
    let mut alternatives: Vec<(String, String, bool)> = reg
        .all()
        .iter()
        .filter(|s| scenario_ids.contains(&s.id))
        .map(|s| (s.id.clone(), name(s, l), s.id == alt_sel))
        .collect();
    alternatives.extend(
        reg.all()
            .iter()
            .filter(|s| !scenario_ids.contains(&s.id) && s.id != base_sel)
            .map(|s| (s.id.clone(), name(s, l), s.id == alt_sel)),
    );
    let unit_sel = result.as_ref().map(|r| r.unit.clone());
    let units = unit_choices(&app, &auth)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, (c, n))| {
            let sel = unit_sel.as_ref().map_or(i == 0, |u| *u == c);
            let label = if c.is_empty() {
                n
            } else {
                format!("{c} · {n}")
            };
            (c, label, sel)
        })
        .collect();
    Ok(html(&Page {
        f: Frame::of(&auth),
        standards,
        alternatives,
        units,
        year: result.as_ref().map_or(on.year(), |r| r.year).to_string(),
        query: result.as_ref().map(query_string).unwrap_or_default(),
        result: result.as_ref().map(|r| view(l, r)),
    }))
}

async fn result_xlsx<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Query(q): Query<SimQuery>,
) -> Result<Response, WebError> {
    let r = run(&app, &auth, &q)
        .await?
        .ok_or_else(|| WebError::BadRequest("with: the standard or scenario to simulate".into()))?;
    let bytes = workbook(&view(auth.lang, &r))?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "mo-phong.xlsx",
    ))
}

async fn result_pdf<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Query(q): Query<SimQuery>,
) -> Result<Response, WebError> {
    let r = run(&app, &auth, &q)
        .await?
        .ok_or_else(|| WebError::BadRequest("with: the standard or scenario to simulate".into()))?;
    let pdf = ansinh_reports::pdf::render(&document(auth.lang, &view(auth.lang, &r), r.year))
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(download(pdf.bytes, "application/pdf", "mo-phong.pdf"))
}

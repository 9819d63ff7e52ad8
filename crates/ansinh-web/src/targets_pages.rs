//! Reduction targets in the browser: `/targets` (the target files), `/targets/{id}` (per unit and
//! measure: the plan's projection — start of year, reduction, end of year, rates — beside what the
//! approved periodic rounds show, with a verdict per year), and its downloads
//! `/targets/{id}/progress.xlsx` and `/targets/{id}/progress.pdf`.
//!
//! The targets are planning information, read like the plan tables ([`Action::ReadPlans`]); the
//! observed side comes from the registry and is scoped: a user sees progress only for the plan's units
//! that lie inside their own subtree (a parent unit only when all its parts do). Only counts leave the
//! registry here, never a household.

use std::collections::BTreeSet;

use crate::routing::Router;
use crate::routing::get;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use ansinh_domain::policy::Exact;
use ansinh_domain::policy::targets::{
    StartFrom, Status, TargetPlan, UnitProgress, progress, project_plan,
};
use ansinh_reports::pdf::{Block, Doc};

use crate::auth::{Action, Authorized, today};
use crate::error::WebError;
use crate::i18n::Lang;
use crate::pages::{Frame, download, html, xl};
use crate::review::refusal;
use crate::{App, Backend};

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route("/targets", get(list_page::<S>))
        .route("/targets/{id}", get(target_page::<S>))
        .route("/targets/{id}/progress.xlsx", get(progress_xlsx::<S>))
        .route("/targets/{id}/progress.pdf", get(progress_pdf::<S>))
}

/// The rulebook's target file `id`; `api` decides how "not found" is answered.
pub fn plan_of<S>(app: &App<S>, id: &str, api: bool) -> Result<TargetPlan, WebError> {
    app.rules()
        .target_plan(id)
        .cloned()
        .ok_or(WebError::NotFound { api })
}

/// A plan's progress (each year with its planned figures; the observed side computed for the units in
/// the user's reach only), and the set of plan units the user may see the observed side of.
pub async fn evaluate<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    plan: &TargetPlan,
) -> Result<(Vec<UnitProgress>, BTreeSet<String>), WebError> {
    let proj = project_plan(plan).map_err(WebError::Internal)?;
    let scoped = auth.scoped(app);
    let on = today(app);
    let mine: BTreeSet<String> = scoped
        .units()
        .await?
        .into_iter()
        .filter(|u| u.unit.is_valid_on(on))
        .map(|u| u.unit.code.to_string())
        .collect();
    // A unit is in reach when its own code is, or (a sum of parts) when all its leaves are.
    let leaves_in_reach = |code: &str| -> bool {
        let mut todo = vec![code.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(c) = todo.pop() {
            if !seen.insert(c.clone()) {
                continue;
            }
            match plan.unit(&c) {
                Some(u) if !u.parts.is_empty() => todo.extend(u.parts.iter().cloned()),
                _ => {
                    if !mine.contains(&c) {
                        return false;
                    }
                }
            }
        }
        true
    };
    let reach: BTreeSet<String> = plan
        .units
        .iter()
        .filter(|u| mine.contains(&u.code) || (!u.parts.is_empty() && leaves_in_reach(&u.code)))
        .map(|u| u.code.clone())
        .collect();
    let codes: Vec<String> = plan
        .leaf_codes()
        .into_iter()
        .filter(|c| reach.contains(c))
        .collect();
    let seen = ansinh_store::progress::observed(scoped.checked_store(), &codes, &plan.years, on)
        .await
        .map_err(refusal)?;
    let g = progress(plan, &proj, &seen);
    Ok((g, reach))
}

// ------------------------------------------------------------------------------ views

struct PlanRow {
    id: String,
    title: String,
    source: String,
    years: String,
    units: usize,
    jurisdiction: String,
    unconfirmed: bool,
}

#[derive(Template)]
#[template(path = "targets.html")]
struct ListPage {
    f: Frame,
    plans: Vec<PlanRow>,
}

fn years_text(p: &TargetPlan) -> String {
    match (p.years.first(), p.years.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    }
}

async fn list_page<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPlans)?;
    let l = auth.lang;
    let plans = app
        .rules()
        .targets()
        .to_vec()
        .into_iter()
        .map(|p| PlanRow {
            title: l.pick(&p.title_vi, &p.title_en).to_string(),
            years: years_text(&p),
            units: p.units.len(),
            unconfirmed: !p.caveats.is_empty(),
            source: p.source.clone(),
            jurisdiction: p.jurisdiction.clone(),
            id: p.id,
        })
        .collect();
    Ok(html(&ListPage {
        f: Frame::of(&auth),
        plans,
    }))
}

/// One year of one measure, formatted.
pub struct YearView {
    pub year: i32,
    pub p_start: String,
    pub p_start_rate: String,
    pub p_reduced: String,
    pub p_reduced_rate: String,
    pub p_end: String,
    pub p_end_rate: String,
    pub a_start: String,
    pub a_target: String,
    pub a_reduced: String,
    pub a_end: String,
    pub a_end_rate: String,
    pub status: String,
    pub status_class: &'static str,
}

pub struct TrackView {
    pub measure: String,
    pub base: String,
    pub years: Vec<YearView>,
}

pub struct UnitView {
    pub code: String,
    pub label: String,
    pub parts: String,
    pub in_reach: bool,
    pub tracks: Vec<TrackView>,
}

fn n(l: Lang, v: Option<i64>) -> String {
    v.map_or("—".into(), |x| l.int(x))
}

fn rate(l: Lang, v: Option<Exact>) -> String {
    v.map_or(String::new(), |r| match l {
        Lang::Vi => format!("{}%", r.to_vn(2)),
        Lang::En => format!("{}%", r.to_decimal(2)),
    })
}

fn status_text(l: Lang, s: Status) -> String {
    match l {
        Lang::Vi => s.vi(),
        Lang::En => s.en(),
    }
}

pub fn status_class(s: Status) -> &'static str {
    match s {
        Status::Achieved => "cell-ok",
        Status::Behind { .. } => "cell-bad",
        Status::Partial { .. } | Status::NoData => "muted",
    }
}

/// The views of every unit: the plan's side always, the observed side where the user reaches.
pub fn views(l: Lang, prog: &[UnitProgress], reach: &BTreeSet<String>) -> Vec<UnitView> {
    prog.iter()
        .map(|u| {
            let in_reach = reach.contains(&u.code);
            UnitView {
                code: u.code.clone(),
                label: u.label.clone(),
                parts: u.parts.join(" + "),
                in_reach,
                tracks: u
                    .tracks
                    .iter()
                    .map(|t| TrackView {
                        measure: l.pick(t.measure.vi(), t.measure.en()).to_string(),
                        base: n(l, t.base),
                        years: t
                            .years
                            .iter()
                            .map(|a| {
                                let y = &a.planned;
                                let a = Some(a).filter(|_| in_reach);
                                YearView {
                                    year: y.year,
                                    p_start: n(l, y.start),
                                    p_start_rate: rate(l, y.start_rate),
                                    p_reduced: l.int(y.reduced),
                                    p_reduced_rate: rate(l, y.reduced_rate),
                                    p_end: n(l, y.end),
                                    p_end_rate: rate(l, y.end_rate),
                                    a_start: a.map_or(String::new(), |a| {
                                        let mark = if a.start_from == StartFrom::Plan {
                                            " *"
                                        } else {
                                            ""
                                        };
                                        format!("{}{mark}", n(l, a.start))
                                    }),
                                    a_target: a.map_or(String::new(), |a| n(l, a.target_reduced)),
                                    a_reduced: a.map_or(String::new(), |a| n(l, a.reduced)),
                                    a_end: a.map_or(String::new(), |a| n(l, a.end)),
                                    a_end_rate: a.map_or(String::new(), |a| rate(l, a.end_rate)),
                                    status: a.map_or(String::new(), |a| status_text(l, a.status)),
                                    status_class: a.map_or("muted", |a| status_class(a.status)),
                                }
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "target.html")]
struct TargetPage {
    f: Frame,
    id: String,
    title: String,
    source: String,
    years: String,
    caveats: Vec<String>,
    units: Vec<UnitView>,
    outside: usize,
}

async fn target_page<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPlans)?;
    let l = auth.lang;
    let plan = plan_of(&app, &id, false)?;
    let (prog, reach) = evaluate(&app, &auth, &plan).await?;
    let units = views(l, &prog, &reach);
    let outside = units.iter().filter(|u| !u.in_reach).count();
    Ok(html(&TargetPage {
        f: Frame::of(&auth),
        title: l.pick(&plan.title_vi, &plan.title_en).to_string(),
        source: plan.source.clone(),
        years: years_text(&plan),
        caveats: plan.caveats.iter().map(|c| c.note.clone()).collect(),
        units,
        outside,
        id,
    }))
}

// ------------------------------------------------------------------------------ downloads

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const HEAD: [&str; 16] = [
    "Mã đơn vị / Unit code",
    "Đơn vị / Unit",
    "Chỉ tiêu / Measure",
    "Năm / Year",
    "KH đầu năm / Plan: start",
    "Tỷ lệ / Rate",
    "KH giảm / Plan: reduction",
    "Tỷ lệ / Rate",
    "KH cuối năm / Plan: end",
    "Tỷ lệ / Rate",
    "TH đầu năm / Observed: start",
    "Mục tiêu giảm / Target reduction",
    "TH đã giảm / Observed: reduced",
    "TH cuối năm / Observed: end",
    "Tỷ lệ / Rate",
    "Kết quả / Status",
];

fn cells(u: &UnitView, t: &TrackView, y: &YearView) -> [String; 16] {
    [
        u.code.clone(),
        u.label.clone(),
        t.measure.clone(),
        y.year.to_string(),
        y.p_start.clone(),
        y.p_start_rate.clone(),
        y.p_reduced.clone(),
        y.p_reduced_rate.clone(),
        y.p_end.clone(),
        y.p_end_rate.clone(),
        y.a_start.clone(),
        y.a_target.clone(),
        y.a_reduced.clone(),
        y.a_end.clone(),
        y.a_end_rate.clone(),
        y.status.clone(),
    ]
}

/// The plan beside its progress as a workbook: one line per unit, measure and year.
pub fn progress_workbook(plan: &TargetPlan, units: &[UnitView]) -> Result<Vec<u8>, WebError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("Tien do").map_err(xl)?;
    ws.write_string_with_format(0, 0, format!("{} — {}", plan.id, plan.title_vi), &bold)
        .map_err(xl)?;
    ws.write_string(1, 0, format!("Nguồn / source: {}", plan.source))
        .map_err(xl)?;
    let mut r = 2u32;
    for c in &plan.caveats {
        ws.write_string(r, 0, format!("Chưa xác minh / unconfirmed: {}", c.note))
            .map_err(xl)?;
        r += 1;
    }
    r += 1;
    for (c, h) in HEAD.iter().enumerate() {
        ws.write_string_with_format(r, c as u16, *h, &bold)
            .map_err(xl)?;
    }
    for u in units {
        for t in &u.tracks {
            for y in &t.years {
                r += 1;
                for (c, v) in cells(u, t, y).iter().enumerate() {
                    if c == 3 {
                        ws.write_number(r, c as u16, f64::from(y.year))
                            .map_err(xl)?;
                    } else {
                        ws.write_string(r, c as u16, v).map_err(xl)?;
                    }
                }
            }
        }
    }
    ws.set_column_width(1, 28).map_err(xl)?;
    ws.set_column_width(2, 22).map_err(xl)?;
    ws.set_column_width(15, 30).map_err(xl)?;
    wb.save_to_buffer().map_err(xl)
}

/// The plan beside its progress as a printable document (A4 landscape).
pub fn progress_doc(l: Lang, plan: &TargetPlan, units: &[UnitView]) -> Doc {
    let mut d = Doc::landscape(
        l.pick(
            "TIẾN ĐỘ THỰC HIỆN CHỈ TIÊU GIẢM NGHÈO",
            "PROGRESS AGAINST POVERTY-REDUCTION TARGETS",
        ),
        l.pick(&plan.title_vi, &plan.title_en).to_string(),
    );
    d.para(format!("{}: {}", l.pick("Nguồn", "Source"), plan.source));
    for c in &plan.caveats {
        d.para(format!(
            "{}: {}",
            l.pick("Chưa xác minh", "Unconfirmed"),
            c.note
        ));
    }
    d.push(Block::Space(6.0));
    let header: Vec<String> = [
        l.pick("Đơn vị", "Unit"),
        l.pick("Chỉ tiêu", "Measure"),
        l.pick("Năm", "Year"),
        l.pick("KH đầu năm", "Plan start"),
        l.pick("KH giảm", "Plan reduction"),
        l.pick("KH cuối năm", "Plan end"),
        l.pick("TH đầu năm", "Obs. start"),
        l.pick("Mục tiêu giảm", "Target"),
        l.pick("Đã giảm", "Reduced"),
        l.pick("TH cuối năm", "Obs. end"),
        l.pick("Kết quả", "Status"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let with_rate = |v: &str, r: &str| {
        if r.is_empty() {
            v.to_string()
        } else {
            format!("{v} ({r})")
        }
    };
    let mut rows = Vec::new();
    for u in units {
        for t in &u.tracks {
            for y in &t.years {
                rows.push(vec![
                    format!("{} {}", u.code, u.label),
                    t.measure.clone(),
                    y.year.to_string(),
                    with_rate(&y.p_start, &y.p_start_rate),
                    with_rate(&y.p_reduced, &y.p_reduced_rate),
                    with_rate(&y.p_end, &y.p_end_rate),
                    y.a_start.clone(),
                    y.a_target.clone(),
                    y.a_reduced.clone(),
                    with_rate(&y.a_end, &y.a_end_rate),
                    if u.in_reach {
                        y.status.clone()
                    } else {
                        l.pick("Ngoài phạm vi", "Outside your units").to_string()
                    },
                ]);
            }
        }
    }
    d.push(Block::Table {
        widths: vec![3.2, 2.2, 0.8, 1.6, 1.6, 1.6, 1.2, 1.2, 1.1, 1.6, 2.4],
        header,
        rows,
        total: false,
    });
    d.push(Block::Space(4.0));
    d.para(l.pick(
        "KH: theo kế hoạch; TH: theo các đợt rà soát định kỳ đã phê duyệt. * Số đầu năm lấy từ kế hoạch (chưa có đợt rà soát năm trước được phê duyệt).",
        "Plan: as planned; Obs.: from the approved periodic rounds. * Start of year taken from the plan (no approved round of the year before).",
    ));
    d
}

async fn progress_xlsx<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPlans)?;
    let plan = plan_of(&app, &id, false)?;
    let (prog, reach) = evaluate(&app, &auth, &plan).await?;
    let units = views(auth.lang, &prog, &reach);
    let bytes = progress_workbook(&plan, &units)?;
    Ok(download(bytes, XLSX, &format!("tien-do-{}.xlsx", plan.id)))
}

async fn progress_pdf<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPlans)?;
    let plan = plan_of(&app, &id, false)?;
    let (prog, reach) = evaluate(&app, &auth, &plan).await?;
    let units = views(auth.lang, &prog, &reach);
    let pdf = ansinh_reports::pdf::render(&progress_doc(auth.lang, &plan, &units))
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(download(
        pdf.bytes,
        "application/pdf",
        &format!("tien-do-{}.pdf", plan.id),
    ))
}

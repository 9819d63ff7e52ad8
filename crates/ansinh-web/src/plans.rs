//! Support policies, plan checks and budget forecasts in the browser: `/policies` (the policies in force,
//! filtered by date and status), `/policies/{id}` (legal basis, validity, who is eligible, the amount rule
//! and the amount in each period of the dated reference values, the funding split, unconfirmed points),
//! `/policies/reference-values`, `/plans` (the seed plan tables), `/plans/{id}/check` (every cell
//! recomputed, findings highlighted with formula and inputs, XLSX) and `/plans/{id}/forecast` (budget per
//! policy, year and funding source, XLSX).
//!
//! Everything is read from the rulebook loaded at start ([`crate::App::rules`], the same one
//! `ansinh policies` and `ansinh plan` read). Policies are public-sector planning information:
//! every logged-in role reads them ([`Action::ReadPolicies`]); plan checks and forecasts are for
//! administrators and officers ([`Action::ReadPlans`]). Nothing here writes.

use std::collections::{BTreeMap, BTreeSet};

use crate::routing::Router;
use crate::routing::get;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use ansinh_domain::policy::forecast::{self, Forecast, Inputs};
use ansinh_domain::policy::plan::{self, CellCheck, Plan, Report, Status};
use ansinh_domain::policy::{Caveat, Exact, Per, Policy, PolicySet, month_start, push_caveat};

use ansinh_rulebook::Rulebook;

use crate::auth::{Action, Authorized, today};
use crate::error::WebError;
use crate::i18n::{Lang, date};
use crate::pages::{Frame, html, xl};
use crate::{App, Backend};

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route("/policies", get(policies_page::<S>))
        .route(
            "/policies/reference-values",
            get(reference_values_page::<S>),
        )
        .route("/policies/{id}", get(policy_page::<S>))
        .route("/plans", get(plans_page::<S>))
        .route("/plans/{id}/check", get(check_page::<S>))
        .route("/plans/{id}/check.xlsx", get(check_xlsx::<S>))
        .route("/plans/{id}/forecast", get(forecast_page::<S>))
        .route("/plans/{id}/forecast.xlsx", get(forecast_xlsx::<S>))
}

// ------------------------------------------------------------------------------ shared with the API

/// Which policies a list shows, relative to a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// In force on the day (the default).
    InForce,
    /// Not yet in force on the day.
    Upcoming,
    /// No longer in force on the day.
    Ended,
    All,
}

impl Validity {
    pub fn parse(s: Option<&str>) -> Result<Validity, WebError> {
        match s.unwrap_or("") {
            "" | "in_force" => Ok(Validity::InForce),
            "upcoming" => Ok(Validity::Upcoming),
            "ended" => Ok(Validity::Ended),
            "all" => Ok(Validity::All),
            _ => Err(WebError::BadRequest(
                "status: in_force | upcoming | ended | all".into(),
            )),
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Validity::InForce => "in_force",
            Validity::Upcoming => "upcoming",
            Validity::Ended => "ended",
            Validity::All => "all",
        }
    }
    /// A policy's standing on `on`.
    pub fn of(p: &Policy, on: NaiveDate) -> Validity {
        if p.valid_from > on {
            Validity::Upcoming
        } else if p.valid_to.is_some_and(|t| t < on) {
            Validity::Ended
        } else {
            Validity::InForce
        }
    }
    fn label(self, l: Lang) -> &'static str {
        match self {
            Validity::InForce => l.pick("Đang hiệu lực", "In force"),
            Validity::Upcoming => l.pick("Chưa có hiệu lực", "Not yet in force"),
            Validity::Ended => l.pick("Hết hiệu lực", "No longer in force"),
            Validity::All => l.pick("Tất cả", "All"),
        }
    }
}

/// A day from a query: `yyyy-mm-dd` (what a date field sends) or `dd/mm/yyyy`.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// The policies a list shows: `status` relative to `on`, in id order.
pub fn select(set: &PolicySet, on: NaiveDate, status: Validity) -> Vec<&Policy> {
    set.all()
        .iter()
        .filter(|p| status == Validity::All || Validity::of(p, on) == status)
        .collect()
}

/// A stretch of months over which a policy's amount per unit does not change.
#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    pub from: NaiveDate,
    /// Last day; `None`: still so at the end of the years shown.
    pub to: Option<NaiveDate>,
    pub vnd: i64,
    pub caveats: Vec<Caveat>,
}

/// The years over which amounts by period are shown.
pub const PERIOD_YEARS: std::ops::RangeInclusive<i32> = 2022..=2026;

fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    month_start(y, m).and_then(|d| d.pred_opt())
}

/// The amount per unit (per month, year or case, as the policy says), month by month from January 2022
/// to December 2026, each month priced with the reference values in force on its first day, grouped
/// into the periods over which it does not change. Months out of force are left out; so is a month the
/// rule cannot price (its error is returned beside).
pub fn periods(p: &Policy, set: &PolicySet) -> (Vec<Period>, Option<String>) {
    let none = BTreeMap::new();
    let mut out: Vec<Period> = Vec::new();
    let mut error = None;
    let last_year = *PERIOD_YEARS.end();
    for y in PERIOD_YEARS {
        for m in 1..=12 {
            let (Some(d), Some(end)) = (month_start(y, m), month_end(y, m)) else {
                continue;
            };
            // A policy that starts mid-month counts from its first day.
            let first = if p.valid_from > d && p.valid_from <= end {
                p.valid_from
            } else {
                d
            };
            if !p.in_force_on(first) {
                continue;
            }
            let priced = match p.amount_on(&set.refs, first, &none) {
                Ok(v) => v,
                Err(e) => {
                    error.get_or_insert(e);
                    continue;
                }
            };
            let last_day = p.valid_to.filter(|t| *t < end).unwrap_or(end);
            match out.last_mut() {
                Some(prev)
                    if prev.vnd == priced.vnd
                        && prev.to.and_then(|t| t.succ_opt()) == Some(first) =>
                {
                    prev.to = Some(last_day);
                    for c in priced.caveats {
                        push_caveat(&mut prev.caveats, c);
                    }
                }
                _ => out.push(Period {
                    from: first,
                    to: Some(last_day),
                    vnd: priced.vnd,
                    caveats: priced.caveats,
                }),
            }
        }
    }
    // Still in force past the years shown: open-ended.
    if let Some(last) = out.last_mut()
        && last
            .to
            .is_some_and(|t| t.year() == last_year && t.month() == 12 && t.day() == 31)
        && p.valid_to.is_none_or(|t| t.year() > last_year)
    {
        last.to = None;
    }
    (out, error)
}

/// The amount per unit over each year shown.
pub fn amounts_by_year(p: &Policy, set: &PolicySet) -> Vec<(i32, Result<i64, String>)> {
    let none = BTreeMap::new();
    PERIOD_YEARS
        .map(|y| (y, p.amount_in_year(&set.refs, y, &none).map(|a| a.vnd)))
        .collect()
}

/// Every unconfirmed point of a policy: its own and those of the reference values it was priced with.
pub fn all_caveats(p: &Policy, periods: &[Period]) -> Vec<Caveat> {
    let mut out = p.caveats.clone();
    for per in periods {
        for c in &per.caveats {
            push_caveat(&mut out, c.clone());
        }
    }
    out
}

/// A share as a percentage: `70%`, `4,5%` (vi) / `4.5%` (en).
pub fn percent(x: Exact, l: Lang) -> String {
    let v = x.checked_mul(Exact::int(100)).unwrap_or(x);
    let s = v.to_plain();
    match l {
        Lang::Vi => format!("{}%", s.replace('.', ",")),
        Lang::En => format!("{s}%"),
    }
}

/// A built-in plan table and its check.
pub fn checked_plan<S>(app: &App<S>, id: &str, api: bool) -> Result<(Plan, Report), WebError> {
    let set = app.policies();
    let plan = app
        .rules()
        .plan(id)
        .cloned()
        .ok_or(WebError::NotFound { api })?;
    let report = plan::check(&plan, set);
    Ok((plan, report))
}

/// The planning inputs of `id` (a planning-inputs id, or a plan table that has them) and the forecast.
pub fn forecast_of<S>(app: &App<S>, id: &str, api: bool) -> Result<(Inputs, Forecast), WebError> {
    let set = app.policies();
    let inputs = app
        .rules()
        .inputs(id)
        .cloned()
        .ok_or(WebError::NotFound { api })?;
    let f = forecast::forecast(set, &inputs)
        .map_err(|e| WebError::Internal(format!("forecast {id}: {e}")))?;
    Ok((inputs, f))
}

/// Whether a plan table (or planning-inputs file) has a forecast.
pub fn has_forecast(rules: &Rulebook, id: &str) -> bool {
    rules.has_forecast(id)
}

pub fn status_label(s: Status, l: Lang) -> &'static str {
    match s {
        Status::Consistent => l.pick("Khớp", "Consistent"),
        Status::Given => l.pick("Số liệu đầu vào", "Given"),
        Status::Rounding => l.pick("Lệch do làm tròn", "Rounding"),
        Status::Inconsistent => l.pick("Không khớp", "Inconsistent"),
        Status::Repriced => l.pick("Định giá lại", "Repriced"),
        Status::Error => l.pick("Lỗi", "Error"),
    }
}

// ------------------------------------------------------------------------------------ readable words

/// A funding source code in words.
pub fn source_label(code: &str, l: Lang) -> String {
    let (vi, en) = match code {
        "central_budget" => ("Ngân sách trung ương", "Central budget"),
        "state_budget" => ("Ngân sách nhà nước", "State budget"),
        "city_budget" => ("Ngân sách thành phố", "City budget"),
        "district_budget" => ("Ngân sách quận, huyện", "District budget"),
        "local_budget" => ("Ngân sách địa phương", "Local budget"),
        "social_assistance_budget" => ("Kinh phí trợ giúp xã hội", "Social-assistance budget"),
        "fund_for_the_poor" => ("Quỹ Vì người nghèo", "Fund for the Poor"),
        "district_fund_for_the_poor" => (
            "Quỹ Vì người nghèo quận, huyện",
            "District Fund for the Poor",
        ),
        "district_fund_for_the_poor_and_social" => (
            "Quỹ Vì người nghèo và an sinh xã hội quận, huyện",
            "District Fund for the Poor and social security",
        ),
        "social_mobilisation" => ("Xã hội hoá", "Social mobilisation"),
        "red_cross" => ("Hội Chữ thập đỏ", "Red Cross"),
        "unions" => ("Các đoàn thể", "Mass organisations"),
        _ => return code.replace('_', " "),
    };
    l.pick(vi, en).to_string()
}

/// What one unit of a policy is, in words.
pub fn unit_label(code: &str, l: Lang) -> String {
    let (vi, en) = match code {
        "person" => ("người", "person"),
        "household" => ("hộ", "household"),
        "pupil" => ("học sinh", "pupil"),
        "child" => ("trẻ em", "child"),
        "house" => ("căn nhà", "house"),
        "case" => ("trường hợp", "case"),
        "item" => ("suất", "item"),
        "book" => ("sổ tiết kiệm", "savings book"),
        "bicycle" => ("xe đạp", "bicycle"),
        "share" => ("suất", "share"),
        "work" => ("công trình", "work"),
        _ => return code.replace('_', " "),
    };
    l.pick(vi, en).to_string()
}

pub fn per_label(per: Per, l: Lang) -> &'static str {
    match per {
        Per::Month => l.pick("tháng", "month"),
        Per::Year => l.pick("năm", "year"),
        Per::Case => l.pick("lần", "case"),
    }
}

/// An eligibility expression in words (the expression itself is shown beside it): each known name and
/// operator replaced by its meaning, the rest kept as written.
pub fn readable_condition(expr: &str, l: Lang) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |w: &mut String, out: &mut String| {
        if !w.is_empty() {
            out.push_str(&word_label(w, l));
            w.clear();
        }
    };
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out);
        let two: Option<&str> = match (c, chars.peek()) {
            ('=', Some('=')) => Some(l.pick("là", "is")),
            ('!', Some('=')) => Some(l.pick("không là", "is not")),
            ('>', Some('=')) => Some("≥"),
            ('<', Some('=')) => Some("≤"),
            _ => None,
        };
        if let Some(t) = two {
            chars.next();
            out.push_str(t);
        } else {
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn word_label(w: &str, l: Lang) -> String {
    let (vi, en) = match w {
        "and" => ("và", "and"),
        "or" => ("hoặc", "or"),
        "not" => ("không", "not"),
        "in" => ("thuộc", "in"),
        "true" => ("mọi trường hợp", "always"),
        "false" => ("không trường hợp nào", "never"),
        "any" => ("có ít nhất một", "any"),
        "status" => ("tình trạng của hộ", "the household's status"),
        "status_national" => (
            "tình trạng của hộ theo chuẩn quốc gia",
            "the household's status by the national standard",
        ),
        "poor" => ("hộ nghèo", "poor"),
        "near_poor" => ("hộ cận nghèo", "near-poor"),
        "average" => ("hộ có mức sống trung bình", "average living standard"),
        "poor_commune" => ("ở xã nghèo, huyện nghèo", "in a poor commune or district"),
        "farm_household" => (
            "hộ làm nông, lâm, ngư, diêm nghiệp",
            "a farm, forestry, fishery or salt household",
        ),
        "months_since_poverty_exit" => (
            "số tháng kể từ khi thoát nghèo",
            "months since leaving poverty",
        ),
        "months_since_near_poverty_exit" => (
            "số tháng kể từ khi thoát cận nghèo",
            "months since leaving near-poverty",
        ),
        "age" => ("tuổi", "age"),
        "attending_school" => ("đang đi học", "attending school"),
        "school_level" => ("cấp học", "school level"),
        "preschool" => ("mầm non", "preschool"),
        "primary" => ("tiểu học", "primary"),
        "lower_secondary" => ("trung học cơ sở", "lower secondary"),
        "upper_secondary" => ("trung học phổ thông", "upper secondary"),
        "continuing" => ("giáo dục thường xuyên", "continuing education"),
        "public_school" => ("trường công lập", "a public school"),
        "resident" => ("cư trú tại địa phương", "resident"),
        "serious_illness" => ("mắc bệnh hiểm nghèo", "a serious illness"),
        "has_supporter" => ("có người phụng dưỡng", "has someone to support them"),
        "receives_social_allowance" => ("đang hưởng trợ cấp xã hội", "receives a social allowance"),
        "lives_alone" => ("sống một mình", "lives alone"),
        "is_protected_person" => ("là đối tượng bảo trợ xã hội", "a protected person"),
        "has_pension" => ("có lương hưu", "has a pension"),
        "has_info_device" => (
            "có thiết bị tiếp cận thông tin",
            "has an information device",
        ),
        "disability_severity" => ("mức độ khuyết tật", "disability severity"),
        "extremely_severe" => ("đặc biệt nặng", "extremely severe"),
        "especially_difficult" => ("đặc biệt khó khăn", "especially difficult"),
        "can_self_care" => ("tự phục vụ được", "can care for themselves"),
        "member" => ("thành viên", "member"),
        _ => return w.replace('_', " "),
    };
    l.pick(vi, en).to_string()
}

// ---------------------------------------------------------------------------------------- pages

fn caveat_texts(c: &[Caveat]) -> Vec<String> {
    c.iter()
        .map(|c| format!("{}: {}", c.subject, c.note))
        .collect()
}

pub(crate) fn valid_text(p: &Policy, l: Lang) -> String {
    format!(
        "{} – {}",
        date(p.valid_from),
        p.valid_to
            .map_or_else(|| l.pick("nay", "now").to_string(), date)
    )
}

pub(crate) fn funding_text(p: &Policy, l: Lang) -> String {
    p.funding
        .iter()
        .map(|f| format!("{} {}", source_label(&f.source, l), percent(f.share, l)))
        .collect::<Vec<_>>()
        .join("; ")
}

pub(crate) fn name(p: &Policy, l: Lang) -> &str {
    l.pick(&p.name_vi, &p.name_en)
}

struct PolicyRow {
    id: String,
    name: String,
    valid: String,
    status: &'static str,
    status_code: &'static str,
    scope: String,
    amount: String,
    funding: String,
    unconfirmed: bool,
}

#[derive(Template)]
#[template(path = "policies.html")]
struct PoliciesPage {
    f: Frame,
    on: String,
    on_shown: String,
    statuses: Vec<(&'static str, &'static str, bool)>,
    status_code: &'static str,
    rows: Vec<PolicyRow>,
}

#[derive(Deserialize)]
pub struct PoliciesQuery {
    /// The day the status is judged on (`yyyy-mm-dd` or `dd/mm/yyyy`); default today.
    pub on: Option<String>,
    /// `in_force` (default), `upcoming`, `ended`, `all`.
    pub status: Option<String>,
}

impl PoliciesQuery {
    pub fn resolve<S>(&self, app: &App<S>) -> Result<(NaiveDate, Validity), WebError> {
        let on = match self.on.as_deref().filter(|s| !s.is_empty()) {
            None => today(app),
            Some(s) => parse_day(s).ok_or_else(|| {
                WebError::BadRequest(format!("on: {s} is not a date (dd/mm/yyyy)"))
            })?,
        };
        Ok((on, Validity::parse(self.status.as_deref())?))
    }
}

pub(crate) fn scope_text(p: &Policy, l: Lang) -> String {
    match p.jurisdiction.as_deref() {
        None => l.pick("Toàn quốc", "National").to_string(),
        Some("01") => l.pick("Hà Nội", "Hanoi").to_string(),
        Some(j) => j.to_string(),
    }
}

/// `4,5% × lương cơ sở … / người / tháng`.
pub(crate) fn amount_text(p: &Policy, l: Lang) -> String {
    format!(
        "({}) × {} / {} / {}",
        p.amount.formula,
        percent(p.amount.share, l),
        unit_label(&p.unit, l),
        per_label(p.amount.per, l)
    )
}

async fn policies_page<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Query(q): Query<PoliciesQuery>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPolicies)?;
    let l = auth.lang;
    let (on, status) = q.resolve(&app)?;
    let set = app.policies();
    let rows = select(set, on, status)
        .into_iter()
        .map(|p| {
            let v = Validity::of(p, on);
            PolicyRow {
                id: p.id.clone(),
                name: name(p, l).to_string(),
                valid: valid_text(p, l),
                status: v.label(l),
                status_code: v.code(),
                scope: scope_text(p, l),
                amount: amount_text(p, l),
                funding: funding_text(p, l),
                unconfirmed: !p.caveats.is_empty(),
            }
        })
        .collect();
    let statuses = [
        Validity::InForce,
        Validity::Upcoming,
        Validity::Ended,
        Validity::All,
    ]
    .into_iter()
    .map(|v| (v.code(), v.label(l), v == status))
    .collect();
    Ok(html(&PoliciesPage {
        f: Frame::of(&auth),
        on: on.format("%Y-%m-%d").to_string(),
        on_shown: date(on),
        statuses,
        status_code: status.code(),
        rows,
    }))
}

struct PeriodRow {
    from: String,
    to: String,
    amount: String,
    unconfirmed: bool,
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    f: Frame,
    id: String,
    name: String,
    other_name: String,
    legal_basis: String,
    valid: String,
    status: &'static str,
    scope: String,
    agency: String,
    eligible: String,
    eligible_expr: String,
    member_eligible: Option<(String, String)>,
    unit: String,
    per: &'static str,
    formula: String,
    share: String,
    max_months: Option<u32>,
    months: String,
    rounding: &'static str,
    parameters: Vec<(String, String, String, bool)>,
    funding: Vec<(String, String)>,
    counts: Option<String>,
    periods: Vec<PeriodRow>,
    period_error: Option<String>,
    years: Vec<(i32, String)>,
    caveats: Vec<String>,
    seeds: String,
    file: String,
}

async fn policy_page<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPolicies)?;
    let l = auth.lang;
    let set = app.policies();
    let p = set.get(&id).ok_or(WebError::NotFound { api: false })?;
    let (periods, period_error) = periods(p, set);
    let caveats = caveat_texts(&all_caveats(p, &periods));
    let per = per_label(p.amount.per, l);
    let unit = unit_label(&p.unit, l);
    let page = PolicyPage {
        f: Frame::of(&auth),
        id: p.id.clone(),
        name: name(p, l).to_string(),
        other_name: l.pick(&p.name_en, &p.name_vi).to_string(),
        legal_basis: p.legal_basis.clone(),
        valid: valid_text(p, l),
        status: Validity::of(p, today(&app)).label(l),
        scope: scope_text(p, l),
        agency: p.agency.clone(),
        eligible: readable_condition(&p.eligible.text, l),
        eligible_expr: p.eligible.text.clone(),
        member_eligible: p
            .member_eligible
            .as_ref()
            .map(|m| (readable_condition(&m.text, l), m.text.clone())),
        unit: unit.clone(),
        per,
        formula: p.amount.formula.clone(),
        share: percent(p.amount.share, l),
        max_months: p.amount.max_months,
        months: if p.amount.per == Per::Month && p.amount.months.len() < 12 {
            p.amount
                .months
                .iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            String::new()
        },
        rounding: p.amount.rounding.code(),
        parameters: p
            .parameters
            .iter()
            .map(|x| {
                (
                    x.name.clone(),
                    x.value.to_vn_plain(),
                    x.note.clone().unwrap_or_default(),
                    x.unconfirmed.is_some(),
                )
            })
            .collect(),
        funding: p
            .funding
            .iter()
            .map(|f| (source_label(&f.source, l), percent(f.share, l)))
            .collect(),
        counts: p.counts.clone(),
        periods: periods
            .iter()
            .map(|x| PeriodRow {
                from: date(x.from),
                to: x.to.map_or_else(|| l.pick("nay", "now").to_string(), date),
                amount: format!("{} / {unit} / {per}", l.vnd(x.vnd)),
                unconfirmed: !x.caveats.is_empty(),
            })
            .collect(),
        period_error,
        years: amounts_by_year(p, set)
            .into_iter()
            .map(|(y, a)| (y, a.map_or_else(|e| format!("— ({e})"), |v| l.vnd(v))))
            .collect(),
        caveats,
        seeds: p.seeds.join("; "),
        file: p.file.clone(),
    };
    Ok(html(&page))
}

struct RefRow {
    id: String,
    name: String,
    unit: String,
    periods: Vec<(String, String, String, String, Option<String>)>,
}

#[derive(Template)]
#[template(path = "reference_values.html")]
struct RefPage {
    f: Frame,
    file: String,
    values: Vec<RefRow>,
}

fn ref_value_text(v: Exact, unit: &str, l: Lang) -> String {
    match (unit, v.to_i64()) {
        ("vnd" | "đ" | "vnd_per_month", Some(i)) if v.is_integer() => l.vnd(i),
        _ => match l {
            Lang::Vi => v.to_vn_plain(),
            Lang::En => v.to_plain(),
        },
    }
}

async fn reference_values_page<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPolicies)?;
    let l = auth.lang;
    let set = app.policies();
    let values = set
        .refs
        .values
        .values()
        .map(|r| RefRow {
            id: r.id.clone(),
            name: l.pick(&r.vi, &r.en).to_string(),
            unit: r.unit.clone(),
            periods: r
                .periods
                .iter()
                .map(|p| {
                    (
                        date(p.from),
                        p.to.map_or_else(|| l.pick("nay", "now").to_string(), date),
                        ref_value_text(p.value, &r.unit, l),
                        p.legal_basis.clone(),
                        p.unconfirmed.clone(),
                    )
                })
                .collect(),
        })
        .collect();
    Ok(html(&RefPage {
        f: Frame::of(&auth),
        file: set.refs.file.clone(),
        values,
    }))
}

struct PlanRow {
    id: String,
    title: String,
    source: String,
    issued: String,
    unit: String,
    cells: usize,
    findings: usize,
    inconsistent: usize,
    forecast: bool,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    f: Frame,
    plans: Vec<PlanRow>,
    inputs: Vec<String>,
}

async fn plans_page<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPlans)?;
    let l = auth.lang;
    let mut plans = Vec::new();
    for loaded in app.rules().plans() {
        let id = loaded.id.as_str();
        let (p, r) = checked_plan(&app, id, false)?;
        plans.push(PlanRow {
            id: id.to_string(),
            title: l.pick(&p.title_vi, &p.title_en).to_string(),
            source: p.source.clone(),
            issued: date(p.issued),
            unit: p.unit.clone(),
            cells: r.cells.len(),
            findings: r.findings().count(),
            inconsistent: r.count(Status::Inconsistent) + r.count(Status::Error),
            forecast: has_forecast(app.rules(), id),
        });
    }
    // Planning inputs that belong to no plan table get their own forecast link.
    let inputs = app
        .rules()
        .standalone_inputs()
        .map(str::to_string)
        .collect();
    Ok(html(&PlansPage {
        f: Frame::of(&auth),
        plans,
        inputs,
    }))
}

struct GridCell {
    text: String,
    class: &'static str,
    title: String,
    anchor: Option<String>,
}

struct GridRow {
    tt: String,
    label: String,
    unit: String,
    cells: Vec<GridCell>,
}

struct FindingView {
    anchor: String,
    at: String,
    label: String,
    status: &'static str,
    class: &'static str,
    printed: String,
    recomputed: String,
    formula: String,
    inputs: Vec<String>,
    reason: String,
    explained: Option<String>,
    known: Option<String>,
    caveats: Vec<String>,
}

#[derive(Template)]
#[template(path = "plan_check.html")]
struct CheckPage {
    f: Frame,
    id: String,
    title: String,
    source: String,
    unit: String,
    rounding: &'static str,
    prices: String,
    columns: Vec<String>,
    grid: Vec<GridRow>,
    totals: Vec<(&'static str, &'static str, usize)>,
    findings: Vec<FindingView>,
    checks: Vec<FindingView>,
    assumptions: Vec<(String, String, String, bool)>,
    forecast: bool,
}

pub fn status_class(s: Status) -> &'static str {
    match s {
        Status::Consistent => "cell-ok",
        Status::Given => "cell-given",
        Status::Rounding => "cell-rounding",
        Status::Inconsistent => "cell-bad",
        Status::Repriced => "cell-repriced",
        Status::Error => "cell-bad",
    }
}

fn anchor_of(c: &CellCheck) -> String {
    let raw = match &c.check {
        Some(k) => format!("check-{k}"),
        None => format!("cell-{}-{}", c.row, c.column),
    };
    raw.chars()
        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' })
        .collect()
}

fn finding_view(c: &CellCheck, l: Lang) -> FindingView {
    FindingView {
        anchor: anchor_of(c),
        at: match &c.check {
            Some(k) => format!("{}[{}] ({k})", c.row, c.column),
            None => format!("{}[{}]", c.row, c.column),
        },
        label: c.label.clone(),
        status: status_label(c.status, l),
        class: status_class(c.status),
        printed: c.printed.clone().unwrap_or_else(|| "—".into()),
        recomputed: c.recomputed.clone().unwrap_or_else(|| "—".into()),
        formula: c.formula.clone(),
        inputs: c.inputs.clone(),
        reason: c.reason.clone(),
        explained: c.explained.as_ref().map(|e| {
            format!(
                "{} = {} ({})",
                e.formula,
                e.value.to_vn_plain(),
                if e.reproduces {
                    l.pick("ra đúng số in trên bảng", "reproduces the printed value")
                } else {
                    l.pick("cũng không ra số in", "does not reproduce it either")
                }
            )
        }),
        known: c.known.clone(),
        caveats: caveat_texts(&c.caveats),
    }
}

async fn check_page<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPlans)?;
    let l = auth.lang;
    let (plan, report) = checked_plan(&app, &id, false)?;
    let by_cell: BTreeMap<(&str, &str), &CellCheck> = report
        .cells
        .iter()
        .filter(|c| c.check.is_none())
        .map(|c| ((c.row.as_str(), c.column.as_str()), c))
        .collect();
    let grid = plan
        .rows
        .iter()
        .map(|r| GridRow {
            tt: r.tt.clone().unwrap_or_default(),
            label: r.label.clone(),
            unit: r.unit.clone().unwrap_or_default(),
            cells: plan
                .columns
                .iter()
                .map(|col| match by_cell.get(&(r.id.as_str(), col.id.as_str())) {
                    Some(c) => GridCell {
                        text: c
                            .printed
                            .clone()
                            .or_else(|| c.recomputed.clone())
                            .unwrap_or_default(),
                        class: status_class(c.status),
                        title: format!(
                            "{}{}{}",
                            status_label(c.status, l),
                            if c.formula.is_empty() { "" } else { ": " },
                            c.formula
                        ),
                        anchor: c.status.is_finding().then(|| anchor_of(c)),
                    },
                    None => GridCell {
                        text: r
                            .printed
                            .get(&col.id)
                            .map(|p| p.text.clone())
                            .unwrap_or_default(),
                        class: "",
                        title: String::new(),
                        anchor: None,
                    },
                })
                .collect(),
        })
        .collect();
    let totals = [
        Status::Consistent,
        Status::Given,
        Status::Rounding,
        Status::Inconsistent,
        Status::Repriced,
        Status::Error,
    ]
    .into_iter()
    .map(|s| (status_label(s, l), status_class(s), report.count(s)))
    .collect();
    let page = CheckPage {
        f: Frame::of(&auth),
        id: plan.id.clone(),
        title: l.pick(&plan.title_vi, &plan.title_en).to_string(),
        source: plan.source.clone(),
        unit: plan.unit.clone(),
        rounding: plan.rounding.code(),
        prices: match plan.prices {
            plan::Prices::AsOf(d) => format!(
                "{} {}",
                l.pick(
                    "mọi năm theo giá trị tại ngày",
                    "every year at the values of"
                ),
                date(d)
            ),
            plan::Prices::InForce => l
                .pick(
                    "từng tháng theo giá trị đang hiệu lực",
                    "month by month at the values in force",
                )
                .to_string(),
        },
        columns: plan.columns.iter().map(|c| c.label.clone()).collect(),
        grid,
        totals,
        findings: report
            .findings()
            .filter(|c| c.check.is_none())
            .map(|c| finding_view(c, l))
            .collect(),
        checks: report
            .cells
            .iter()
            .filter(|c| c.check.is_some())
            .map(|c| finding_view(c, l))
            .collect(),
        assumptions: plan
            .assumptions
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    a.value.to_vn_plain(),
                    a.note.clone().unwrap_or_default(),
                    a.inferred || a.unconfirmed.is_some(),
                )
            })
            .collect(),
        forecast: has_forecast(app.rules(), &plan.id),
    };
    Ok(html(&page))
}

struct LineView {
    policy: String,
    policy_name: String,
    year: i32,
    source: String,
    units: String,
    per_unit: String,
    amount: String,
}

/// `(year, start, start rate, reduced)` of one projected count, formatted.
type ProjectedYears = Vec<(i32, String, String, String)>;

#[derive(Template)]
#[template(path = "plan_forecast.html")]
struct ForecastPage {
    f: Frame,
    id: String,
    years: Vec<i32>,
    projections: Vec<(String, ProjectedYears, String)>,
    pivot: Vec<(String, String, Vec<String>, String)>,
    by_year: Vec<String>,
    by_source: Vec<(String, String)>,
    total: String,
    lines: Vec<LineView>,
    skipped: Vec<(String, String)>,
    caveats: Vec<(String, Vec<String>)>,
}

/// Whole đồng for display, saturating (a forecast total fits an `i64` by far).
fn vnd128(l: Lang, v: i128) -> String {
    l.vnd(i64::try_from(v).unwrap_or(i64::MAX))
}

async fn forecast_page<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPlans)?;
    let l = auth.lang;
    let (inputs, f) = forecast_of(&app, &id, false)?;
    let set = app.policies();
    let pname = |p: &str| set.get(p).map_or(p.to_string(), |x| name(x, l).to_string());
    let per_policy = f.by_policy_year();
    let by_year = f.by_year();
    let page = ForecastPage {
        f: Frame::of(&auth),
        id: id.clone(),
        years: inputs.years.clone(),
        projections: inputs
            .projections
            .iter()
            .map(|(k, ys)| {
                (
                    k.clone(),
                    ys.iter()
                        .map(|y| {
                            (
                                y.year,
                                l.int(y.start),
                                y.start_rate
                                    .map_or(String::new(), |r| format!("{}%", r.to_vn(2))),
                                l.int(y.reduced),
                            )
                        })
                        .collect(),
                    ys.last().map_or(String::new(), |y| l.int(y.end)),
                )
            })
            .collect(),
        pivot: per_policy
            .iter()
            .map(|(p, ys)| {
                (
                    p.to_string(),
                    pname(p),
                    inputs
                        .years
                        .iter()
                        .map(|y| ys.get(y).map_or("—".into(), |v| vnd128(l, *v)))
                        .collect(),
                    vnd128(l, ys.values().sum()),
                )
            })
            .collect(),
        by_year: inputs
            .years
            .iter()
            .map(|y| vnd128(l, by_year.get(y).copied().unwrap_or(0)))
            .collect(),
        by_source: f
            .by_source()
            .into_iter()
            .map(|(s, v)| (source_label(&s, l), vnd128(l, v)))
            .collect(),
        total: vnd128(l, f.total()),
        lines: f
            .lines
            .iter()
            .map(|ln| LineView {
                policy: ln.policy.clone(),
                policy_name: pname(&ln.policy),
                year: ln.year,
                source: source_label(&ln.source, l),
                units: l.int(ln.units),
                per_unit: l.vnd(ln.per_unit),
                amount: l.vnd(ln.amount),
            })
            .collect(),
        skipped: f.skipped.clone(),
        caveats: f
            .caveats
            .iter()
            .map(|(k, v)| (k.clone(), caveat_texts(v)))
            .collect(),
    };
    Ok(html(&page))
}

// ------------------------------------------------------------------------------------- downloads

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn xlsx_response(file: &str, bytes: Vec<u8>) -> Response {
    let safe: String = file
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The check of a plan table as a workbook: one line per recomputed cell, findings filled in colour.
pub fn check_workbook(plan: &Plan, report: &Report) -> Result<Vec<u8>, WebError> {
    use rust_xlsxwriter::{Color, Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let bad = Format::new().set_background_color(Color::RGB(0xF8D7DA));
    let rounding = Format::new().set_background_color(Color::RGB(0xFFF3CD));
    let ws = wb.add_worksheet();
    ws.set_name("Kiem tra").map_err(xl)?;
    ws.write_string_with_format(0, 0, format!("{} — {}", plan.id, plan.title_vi), &bold)
        .map_err(xl)?;
    ws.write_string(1, 0, format!("Nguồn / source: {}", plan.source))
        .map_err(xl)?;
    ws.write_string(
        2,
        0,
        format!(
            "Đơn vị / unit: {}; làm tròn / rounding: {}",
            plan.unit,
            plan.rounding.code()
        ),
    )
    .map_err(xl)?;
    let head = [
        "Dòng / Row",
        "Cột / Column",
        "Kiểm tra / Check",
        "Nội dung / Label",
        "Kết quả / Status",
        "Mã / Code",
        "Số in trên bảng / Printed",
        "Tính lại / Recomputed",
        "Chưa làm tròn / Unrounded",
        "Công thức / Formula",
        "Đầu vào / Inputs",
        "Lý do / Reason",
        "Giải thích / Explained by",
        "Đã biết / Known",
        "Chưa xác nhận / Unconfirmed",
    ];
    let top = 4u32;
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(top, c as u16, *h, &bold)
            .map_err(xl)?;
    }
    for (i, c) in report.cells.iter().enumerate() {
        let r = top + 1 + i as u32;
        let vals = [
            c.row.clone(),
            c.column.clone(),
            c.check.clone().unwrap_or_default(),
            c.label.clone(),
            status_label(c.status, Lang::Vi).to_string(),
            c.status.code().to_string(),
            c.printed.clone().unwrap_or_default(),
            c.recomputed.clone().unwrap_or_default(),
            c.unrounded.map(|u| u.to_vn_plain()).unwrap_or_default(),
            c.formula.clone(),
            c.inputs.join("; "),
            c.reason.clone(),
            c.explained
                .as_ref()
                .map(|e| format!("{} = {}", e.formula, e.value.to_vn_plain()))
                .unwrap_or_default(),
            c.known.clone().unwrap_or_default(),
            caveat_texts(&c.caveats).join("; "),
        ];
        let fmt = match c.status {
            Status::Inconsistent | Status::Error => Some(&bad),
            Status::Rounding => Some(&rounding),
            _ => None,
        };
        for (k, v) in vals.iter().enumerate() {
            match fmt {
                Some(f) => ws.write_string_with_format(r, k as u16, v, f),
                None => ws.write_string(r, k as u16, v),
            }
            .map_err(xl)?;
        }
    }
    for (c, w) in [
        (0u16, 16.0),
        (1, 10.0),
        (3, 40.0),
        (4, 16.0),
        (9, 40.0),
        (10, 40.0),
        (11, 50.0),
    ] {
        ws.set_column_width(c, w).map_err(xl)?;
    }
    ws.set_freeze_panes(top + 1, 0).map_err(xl)?;
    wb.save_to_buffer().map_err(xl)
}

/// A forecast as a workbook: the lines (policy, year, source, units, amounts), then the sums by policy
/// and year, by funding source and in total. Amounts are numbers (whole đồng) formatted `#,##0`.
pub fn forecast_workbook(
    set: &PolicySet,
    inputs: &Inputs,
    f: &Forecast,
) -> Result<Vec<u8>, WebError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0");
    let ws = wb.add_worksheet();
    ws.set_name("Du bao").map_err(xl)?;
    let head = [
        "Chính sách / Policy",
        "Tên / Name",
        "Năm / Year",
        "Nguồn kinh phí / Funding source",
        "Số đối tượng / Units",
        "Mức / đối tượng / năm (đ) / Per unit per year (VND)",
        "Kinh phí (đ) / Amount (VND)",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xl)?;
    }
    for (i, ln) in f.lines.iter().enumerate() {
        let r = 1 + i as u32;
        ws.write_string(r, 0, &ln.policy).map_err(xl)?;
        ws.write_string(r, 1, set.get(&ln.policy).map_or("", |p| p.name_vi.as_str()))
            .map_err(xl)?;
        ws.write_number(r, 2, f64::from(ln.year)).map_err(xl)?;
        ws.write_string(r, 3, source_label(&ln.source, Lang::Vi))
            .map_err(xl)?;
        ws.write_number_with_format(r, 4, ln.units as f64, &money)
            .map_err(xl)?;
        ws.write_number_with_format(r, 5, ln.per_unit as f64, &money)
            .map_err(xl)?;
        ws.write_number_with_format(r, 6, ln.amount as f64, &money)
            .map_err(xl)?;
    }
    ws.set_column_width(1, 50.0).map_err(xl)?;
    ws.set_column_width(3, 30.0).map_err(xl)?;
    for c in 4..=6 {
        ws.set_column_width(c, 20.0).map_err(xl)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xl)?;

    let sum = wb.add_worksheet();
    sum.set_name("Tong hop").map_err(xl)?;
    sum.write_string_with_format(0, 0, "Chính sách / Policy", &bold)
        .map_err(xl)?;
    for (k, y) in inputs.years.iter().enumerate() {
        sum.write_number_with_format(0, 1 + k as u16, f64::from(*y), &bold)
            .map_err(xl)?;
    }
    let total_col = 1 + inputs.years.len() as u16;
    sum.write_string_with_format(0, total_col, "Cộng / Total", &bold)
        .map_err(xl)?;
    let per_policy = f.by_policy_year();
    let mut r = 1u32;
    for (p, ys) in &per_policy {
        sum.write_string(r, 0, p.as_str()).map_err(xl)?;
        for (k, y) in inputs.years.iter().enumerate() {
            sum.write_number_with_format(
                r,
                1 + k as u16,
                ys.get(y).copied().unwrap_or(0) as f64,
                &money,
            )
            .map_err(xl)?;
        }
        sum.write_number_with_format(r, total_col, ys.values().sum::<i128>() as f64, &money)
            .map_err(xl)?;
        r += 1;
    }
    let by_year = f.by_year();
    sum.write_string_with_format(r, 0, "Cộng / Total", &bold)
        .map_err(xl)?;
    for (k, y) in inputs.years.iter().enumerate() {
        sum.write_number_with_format(
            r,
            1 + k as u16,
            by_year.get(y).copied().unwrap_or(0) as f64,
            &money,
        )
        .map_err(xl)?;
    }
    sum.write_number_with_format(r, total_col, f.total() as f64, &money)
        .map_err(xl)?;
    r += 2;
    sum.write_string_with_format(r, 0, "Nguồn kinh phí / Funding source", &bold)
        .map_err(xl)?;
    r += 1;
    for (s, v) in f.by_source() {
        sum.write_string(r, 0, source_label(&s, Lang::Vi))
            .map_err(xl)?;
        sum.write_number_with_format(r, 1, v as f64, &money)
            .map_err(xl)?;
        r += 1;
    }
    let mut notes: BTreeSet<String> = BTreeSet::new();
    for (p, cs) in &f.caveats {
        for c in caveat_texts(cs) {
            notes.insert(format!("{p}: {c}"));
        }
    }
    if !notes.is_empty() {
        r += 1;
        sum.write_string_with_format(r, 0, "Chưa xác nhận / Unconfirmed", &bold)
            .map_err(xl)?;
        for n in notes {
            r += 1;
            sum.write_string(r, 0, n).map_err(xl)?;
        }
    }
    sum.set_column_width(0, 34.0).map_err(xl)?;
    for c in 1..=total_col {
        sum.set_column_width(c, 20.0).map_err(xl)?;
    }
    wb.save_to_buffer().map_err(xl)
}

async fn check_xlsx<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPlans)?;
    let (plan, report) = checked_plan(&app, &id, false)?;
    let bytes = check_workbook(&plan, &report)?;
    Ok(xlsx_response(&format!("kiem-tra-{}.xlsx", plan.id), bytes))
}

async fn forecast_xlsx<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPlans)?;
    let (inputs, f) = forecast_of(&app, &id, false)?;
    let bytes = forecast_workbook(app.policies(), &inputs, &f)?;
    Ok(xlsx_response(&format!("du-bao-kinh-phi-{id}.xlsx"), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> PolicySet {
        ansinh_rulebook::Rulebook::builtin()
            .unwrap()
            .policies()
            .clone()
    }

    #[test]
    fn health_insurance_is_priced_by_the_base_salary_of_each_period() {
        // 4.5% × base salary, state pays 100%: 67.050 đ → 81.000 đ from 01/07/2023 → 105.300 đ from
        // 01/07/2024 per person and month.
        let s = set();
        let p = s.get("vn-bhyt-poor").unwrap();
        let (ps, err) = periods(p, &s);
        assert_eq!(err, None);
        let got: Vec<(String, Option<String>, i64)> = ps
            .iter()
            .map(|x| (date(x.from), x.to.map(date), x.vnd))
            .collect();
        assert_eq!(
            got[..3],
            [
                ("01/01/2022".into(), Some("30/06/2023".into()), 67_050),
                ("01/07/2023".into(), Some("30/06/2024".into()), 81_000),
                ("01/07/2024".into(), got[2].1.clone(), 105_300),
            ]
        );
    }

    #[test]
    fn validity_is_judged_on_the_day_asked() {
        let s = set();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let hn = s
            .all()
            .iter()
            .find(|p| p.valid_to.is_some())
            .expect("a policy with an end date");
        let end = hn.valid_to.unwrap();
        assert_eq!(Validity::of(hn, end), Validity::InForce);
        assert_eq!(Validity::of(hn, end.succ_opt().unwrap()), Validity::Ended);
        assert_eq!(
            Validity::of(hn, hn.valid_from.pred_opt().unwrap()),
            Validity::Upcoming
        );
        let all = select(&s, d(2024, 1, 1), Validity::All).len();
        let split = [Validity::InForce, Validity::Upcoming, Validity::Ended]
            .iter()
            .map(|v| select(&s, d(2024, 1, 1), *v).len())
            .sum::<usize>();
        assert_eq!(all, split);
        assert_eq!(all, s.all().len());
    }

    #[test]
    fn conditions_read_as_words() {
        assert_eq!(
            readable_condition(
                "status_national == near_poor and not poor_commune",
                Lang::Vi
            ),
            "tình trạng của hộ theo chuẩn quốc gia là hộ cận nghèo và không ở xã nghèo, huyện nghèo"
        );
        assert_eq!(
            readable_condition("age >= 60 and months_since_poverty_exit < 36", Lang::En),
            "age ≥ 60 and months since leaving poverty < 36"
        );
    }

    #[test]
    fn shares_in_both_languages() {
        let x = Exact::parse("4.5%").unwrap();
        assert_eq!(percent(x, Lang::Vi), "4,5%");
        assert_eq!(percent(x, Lang::En), "4.5%");
    }
}

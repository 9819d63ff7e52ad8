//! Support policies as data: the TOML policy files (`policies/*.toml`), the dated table of reference values
//! (`policies/reference-values.toml`: base salary, social-assistance base, electricity amount…), exact
//! monthly amounts across date ranges, eligibility in the rule language, funding splits, budget forecasts
//! from planning inputs, reduction-target projections, and plan tables checked cell by cell ([`plan`]).
//!
//! ```toml
//! [[policy]]
//! id = "vn-bhyt-poor"
//! name.vi = "Hỗ trợ 100% mức đóng BHYT cho người thuộc hộ nghèo"; name.en = "…"
//! legal_basis = "Luật Bảo hiểm y tế; Nghị định 146/2018/NĐ-CP"
//! valid_from = 2018-12-01
//! agency = "Bảo hiểm xã hội Việt Nam"
//! eligible = "status_national == poor"          # household condition (rule language)
//! member_eligible = "true"                       # which members count (per-person policies)
//! unit = "person"; counts = "poor_persons"       # what one unit is; the planning count it uses
//! amount = { formula = "0.045 * base_salary", per = "month", share = "100%" }
//! funding = [{ source = "central_budget", share = "100%" }]
//! ```
//!
//! Rates and shares are exact decimals written as strings (`"4.5%"`, `"0.7"`); money is whole đồng
//! (`i64`), rounded only by a named rule. Every value marked `unconfirmed = true` (a policy, a parameter, a
//! reference-value period) travels as a [`Caveat`] into every amount, forecast and plan cell that uses it.

pub mod eligibility;
pub mod entitle;
pub mod exact;
pub mod forecast;
pub mod formula;
pub mod partner;
pub mod plan;
pub mod targets;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use toml::Spanned;

use crate::expr::{self, ExprError, Node, Span};
pub use crate::standard::Caveat;

pub use eligibility::{Eligibility, Fact, Facts, Tri};
pub use exact::{Exact, Rounding};
use formula::{Scope, Val};

// ------------------------------------------------------------------ errors and positions

/// A policy, reference-value, plan, planning-input, target or partner file that failed to load (codes
/// `POL_*`, `PLAN_*`, `TGT_*`, `PARTNER_*`): the one [`FileError`] of every data file.
pub use crate::file_error::FileError;
pub(crate) use crate::file_error::Origin;

pub(crate) fn date_of(
    origin: Origin,
    d: &Spanned<toml::value::Datetime>,
    code: &'static str,
) -> Result<NaiveDate, FileError> {
    let bad = || {
        origin.err(
            Some(d.span().start),
            code,
            "expected a date such as 2022-01-01",
        )
    };
    let date = d.get_ref().date.ok_or_else(bad)?;
    NaiveDate::from_ymd_opt(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )
    .ok_or_else(bad)
}

/// An exact number from a TOML integer or string (`1_490_000`, `"4.5%"`); floats are refused so that
/// no rate is ever rounded by the file format.
pub(crate) fn exact_of(
    origin: Origin,
    v: &Spanned<toml::Value>,
    code: &'static str,
) -> Result<Exact, FileError> {
    let at = Some(v.span().start);
    match v.get_ref() {
        toml::Value::Integer(i) => Ok(Exact::int(*i)),
        toml::Value::String(s) => Exact::parse(s).ok_or_else(|| {
            origin.err(
                at,
                code,
                format!("`{s}` is not a number (write 1490000, \"0.045\" or \"4.5%\")"),
            )
        }),
        toml::Value::Float(f) => Err(origin.err(
            at,
            code,
            format!("write the decimal {f} as a string (\"{f}\") so it stays exact"),
        )),
        other => Err(origin.err(
            at,
            code,
            format!("expected a number, found {}", other.type_str()),
        )),
    }
}

fn caveat(subject: String, note: &Option<String>) -> Caveat {
    Caveat {
        subject,
        note: note.clone().unwrap_or_else(|| "unconfirmed".into()),
    }
}

/// Adds `c` to `out` unless an identical caveat is already there.
pub fn push_caveat(out: &mut Vec<Caveat>, c: Caveat) {
    if !out.contains(&c) {
        out.push(c);
    }
}

/// The first day of a month.
pub fn month_start(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

// ------------------------------------------------------------------ reference values

/// One period of a dated reference value.
#[derive(Clone, Debug, PartialEq)]
pub struct RefPeriod {
    pub from: NaiveDate,
    /// Last day in force; `None` while in force (the next period's `from` ends it).
    pub to: Option<NaiveDate>,
    pub value: Exact,
    pub legal_basis: String,
    pub source: Option<String>,
    pub unconfirmed: Option<String>,
}

/// A value that changes by date (base salary, social-assistance base, electricity support…).
#[derive(Clone, Debug, PartialEq)]
pub struct RefValue {
    pub id: String,
    pub vi: String,
    pub en: String,
    /// e.g. `vnd_per_month`, `vnd_per_household_month`, `share`.
    pub unit: String,
    /// Sorted by `from`; each runs until the next one starts.
    pub periods: Vec<RefPeriod>,
}

impl RefValue {
    /// The period in force on `date`.
    pub fn at(&self, date: NaiveDate) -> Option<&RefPeriod> {
        let i = self.periods.partition_point(|p| p.from <= date);
        let p = self.periods.get(i.checked_sub(1)?)?;
        p.to.is_none_or(|to| date <= to).then_some(p)
    }
}

/// The dated reference values, from `policies/reference-values.toml`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RefTable {
    pub values: BTreeMap<String, RefValue>,
    pub file: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefFile {
    values: BTreeMap<String, Spanned<RefValueFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefValueFile {
    vi: String,
    en: String,
    unit: String,
    periods: Vec<RefPeriodFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefPeriodFile {
    from: Spanned<toml::value::Datetime>,
    to: Option<Spanned<toml::value::Datetime>>,
    value: Spanned<toml::Value>,
    legal_basis: String,
    source: Option<String>,
    #[serde(default)]
    unconfirmed: bool,
    note: Option<String>,
}

impl RefTable {
    /// Loads the reference-value table. Every problem is returned; nothing loads half-way.
    pub fn load(file: &str, src: &str) -> Result<RefTable, Vec<FileError>> {
        let o = Origin { file, src };
        let parsed: RefFile = toml::from_str(src).map_err(|e| vec![o.syntax("POL_SYNTAX", &e)])?;
        let mut errors = Vec::new();
        let mut values = BTreeMap::new();
        for (id, v) in parsed.values {
            let at = v.span().start;
            let v = v.into_inner();
            if !is_ident(&id) {
                errors.push(o.err(
                    Some(at),
                    "POL_VALUE",
                    format!("reference value `{id}`: names are lower_snake_case"),
                ));
            }
            let mut periods: Vec<RefPeriod> = Vec::new();
            for p in &v.periods {
                let from = match date_of(o, &p.from, "POL_DATES") {
                    Ok(d) => d,
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                };
                let to = match p
                    .to
                    .as_ref()
                    .map(|d| date_of(o, d, "POL_DATES"))
                    .transpose()
                {
                    Ok(d) => d,
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                };
                let value = match exact_of(o, &p.value, "POL_VALUE") {
                    Ok(x) => x,
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                };
                if let Some(prev) = periods.last()
                    && prev.from >= from
                {
                    errors.push(o.err(
                        Some(p.from.span().start),
                        "POL_DATES",
                        format!("`{id}`: periods must be in date order, each starting after the one before"),
                    ));
                }
                if to.is_some_and(|t| t < from) {
                    errors.push(o.err(
                        p.to.as_ref().map(|t| t.span().start),
                        "POL_DATES",
                        format!("`{id}`: `to` is before `from`"),
                    ));
                }
                periods.push(RefPeriod {
                    from,
                    to,
                    value,
                    legal_basis: p.legal_basis.clone(),
                    source: p.source.clone(),
                    unconfirmed: p
                        .unconfirmed
                        .then(|| p.note.clone().unwrap_or_else(|| "unconfirmed".into())),
                });
            }
            if v.periods.is_empty() {
                errors.push(o.err(
                    Some(at),
                    "POL_MISSING",
                    format!("reference value `{id}` has no period"),
                ));
            }
            values.insert(
                id.clone(),
                RefValue {
                    id,
                    vi: v.vi,
                    en: v.en,
                    unit: v.unit,
                    periods,
                },
            );
        }
        if errors.is_empty() {
            Ok(RefTable {
                values,
                file: file.to_string(),
            })
        } else {
            Err(errors)
        }
    }

    pub fn get(&self, id: &str) -> Option<&RefValue> {
        self.values.get(id)
    }

    /// The value of `id` in force on `date`, with its caveat when unconfirmed.
    pub fn at(&self, id: &str, date: NaiveDate) -> Option<(Exact, Option<Caveat>)> {
        let p = self.values.get(id)?.at(date)?;
        Some((
            p.value,
            p.unconfirmed.as_ref().map(|n| Caveat {
                subject: format!("reference:{id}@{}", p.from.format("%d/%m/%Y")),
                note: n.clone(),
            }),
        ))
    }
}

pub(crate) fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_lowercase() || f == '_')
        && c.all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == '_')
}

// ------------------------------------------------------------------ policies

/// How often the amount is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Per {
    /// Per unit and month (summed over the paid months of a year).
    Month,
    /// Per unit and year.
    Year,
    /// Once per case (a house, a savings book, a death).
    Case,
}

impl Per {
    pub fn code(self) -> &'static str {
        match self {
            Per::Month => "month",
            Per::Year => "year",
            Per::Case => "case",
        }
    }
}

/// A named constant of a policy (a coefficient, a fee, an assumption); it can be overridden by the caller.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub value: Exact,
    pub note: Option<String>,
    pub unconfirmed: Option<String>,
}

/// A funding source and its share of each amount.
#[derive(Clone, Debug, PartialEq)]
pub struct Funding {
    /// e.g. `central_budget`, `city_budget`, `district_budget`, `fund_for_the_poor`, `social_mobilisation`.
    pub source: String,
    pub share: Exact,
}

/// The amount rule of a policy: `formula × share` per unit and [`Per`], rounded to whole đồng.
#[derive(Clone, Debug)]
pub struct AmountRule {
    pub formula: String,
    node: Node,
    pub per: Per,
    /// Support share (100%, 70%, 30%…).
    pub share: Exact,
    /// Calendar months paid in a year (`per = month`); all 12 unless given.
    pub months: Vec<u32>,
    /// Longest duration in months, when the law limits it (informative).
    pub max_months: Option<u32>,
    pub rounding: Rounding,
}

/// A loaded, validated policy.
#[derive(Clone, Debug)]
pub struct Policy {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    pub legal_basis: String,
    pub jurisdiction: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub agency: String,
    pub seeds: Vec<String>,
    pub eligible: Eligibility,
    pub member_eligible: Option<Eligibility>,
    /// What one unit is: `person`, `household`, `pupil`, `case`, `house`, `item`…
    pub unit: String,
    /// The planning count ([`forecast::Inputs`]) a forecast multiplies the amount by.
    pub counts: Option<String>,
    pub amount: AmountRule,
    pub parameters: Vec<Parameter>,
    pub funding: Vec<Funding>,
    /// Caveats of the policy itself and its parameters (reference values add theirs per month).
    pub caveats: Vec<Caveat>,
    pub file: String,
}

/// An amount with the unconfirmed points it depends on.
#[derive(Clone, Debug, PartialEq)]
pub struct Priced {
    /// Whole đồng per unit (per month, year or case as the policy says).
    pub vnd: i64,
    /// The exact value before rounding to whole đồng.
    pub exact: Exact,
    pub caveats: Vec<Caveat>,
}

/// The amount of one unit over a calendar year, month by month.
#[derive(Clone, Debug, PartialEq)]
pub struct YearAmount {
    pub year: i32,
    /// Total per unit for the year (whole đồng).
    pub vnd: i64,
    /// `(month, amount)` for every paid month (policies paid per month), else empty.
    pub months: Vec<(u32, i64)>,
    pub caveats: Vec<Caveat>,
}

impl Policy {
    pub fn in_force_on(&self, d: NaiveDate) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|t| d <= t)
    }

    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// The amount per unit on `date` (per month, year or case), with the reference values in force that
    /// day. `overrides` replace parameters (e.g. `urban_share` for one household's area).
    pub fn amount_on(
        &self,
        refs: &RefTable,
        date: NaiveDate,
        overrides: &BTreeMap<String, Exact>,
    ) -> Result<Priced, String> {
        let mut scope = AmountScope {
            policy: self,
            refs,
            date,
            overrides,
            caveats: self.caveats.clone(),
        };
        let v = formula::eval(&self.amount.node, &self.amount.formula, &mut scope)
            .and_then(|v| v.num(self.amount.node.span))
            .map_err(|e| format!("policy `{}`: {}", self.id, e.message))?;
        let exact = v
            .checked_mul(self.amount.share)
            .ok_or_else(|| format!("policy `{}`: amount too large", self.id))?;
        let vnd = i64::try_from(exact.round_int(self.amount.rounding))
            .map_err(|_| format!("policy `{}`: amount too large", self.id))?;
        Ok(Priced {
            vnd,
            exact,
            caveats: scope.caveats,
        })
    }

    /// Per-unit amount over a calendar year: the sum of the paid months, each priced with the values in
    /// force on its first day (a policy paid per year or per case: its amount on 1 January, or on the
    /// first day in force that year).
    pub fn amount_in_year(
        &self,
        refs: &RefTable,
        year: i32,
        overrides: &BTreeMap<String, Exact>,
    ) -> Result<YearAmount, String> {
        let mut out = YearAmount {
            year,
            vnd: 0,
            months: Vec::new(),
            caveats: Vec::new(),
        };
        match self.amount.per {
            Per::Month => {
                for &m in &self.amount.months {
                    let Some(d) = month_start(year, m) else {
                        continue;
                    };
                    if !self.in_force_on(d) {
                        continue;
                    }
                    let p = self.amount_on(refs, d, overrides)?;
                    out.vnd = out
                        .vnd
                        .checked_add(p.vnd)
                        .ok_or_else(|| format!("policy `{}`: amount too large", self.id))?;
                    out.months.push((m, p.vnd));
                    for c in p.caveats {
                        push_caveat(&mut out.caveats, c);
                    }
                }
            }
            Per::Year | Per::Case => {
                let first = (1..=12)
                    .filter_map(|m| month_start(year, m))
                    .find(|d| self.in_force_on(*d));
                if let Some(d) = first {
                    let p = self.amount_on(refs, d, overrides)?;
                    out.vnd = p.vnd;
                    out.caveats = p.caveats;
                }
            }
        }
        Ok(out)
    }

    /// Splits an amount across the funding sources by their shares. The parts add up to `total` exactly:
    /// each share is rounded down and the last source takes the remainder.
    pub fn split(&self, total: i64) -> Vec<(String, i64)> {
        split_by_shares(&self.funding, total)
    }
}

/// Splits `total` by `funding` shares; parts always sum to `total`.
pub fn split_by_shares(funding: &[Funding], total: i64) -> Vec<(String, i64)> {
    let mut out = Vec::with_capacity(funding.len());
    let mut rest = total;
    for (i, f) in funding.iter().enumerate() {
        let part = if i + 1 == funding.len() {
            rest
        } else {
            Exact::int(total)
                .checked_mul(f.share)
                .map(|x| x.floor_int())
                .and_then(|x| i64::try_from(x).ok())
                .unwrap_or(0)
        };
        rest -= part;
        out.push((f.source.clone(), part));
    }
    out
}

struct AmountScope<'a> {
    policy: &'a Policy,
    refs: &'a RefTable,
    date: NaiveDate,
    overrides: &'a BTreeMap<String, Exact>,
    caveats: Vec<Caveat>,
}

impl Scope for AmountScope<'_> {
    fn name(&mut self, name: &str, span: Span) -> Result<Val, ExprError> {
        if let Some(v) = self.overrides.get(name) {
            return Ok(Val::Num(*v));
        }
        if let Some(p) = self.policy.parameter(name) {
            return Ok(Val::Num(p.value));
        }
        if self.refs.get(name).is_some() {
            let (v, c) = self.refs.at(name, self.date).ok_or_else(|| {
                ExprError::new(
                    span,
                    format!(
                        "reference value `{name}` has no value on {}",
                        self.date.format("%d/%m/%Y")
                    ),
                )
            })?;
            if let Some(c) = c {
                push_caveat(&mut self.caveats, c);
            }
            return Ok(Val::Num(v));
        }
        Err(ExprError::new(
            span,
            format!("unknown name `{name}` (not a parameter of the policy nor a reference value)"),
        ))
    }
}

// ------------------------------------------------------------------ policy file format

/// A name in Vietnamese and English, as every policy, plan and target file writes it (`name.vi`, `name.en`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Names {
    pub vi: String,
    pub en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AmountFile {
    formula: Spanned<String>,
    per: Spanned<String>,
    share: Option<Spanned<toml::Value>>,
    months: Option<Spanned<Vec<u32>>>,
    max_months: Option<u32>,
    rounding: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParameterFile {
    value: Spanned<toml::Value>,
    note: Option<String>,
    #[serde(default)]
    unconfirmed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FundingFile {
    source: Spanned<String>,
    share: Spanned<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    id: Spanned<String>,
    name: Names,
    legal_basis: String,
    jurisdiction: Option<String>,
    valid_from: Spanned<toml::value::Datetime>,
    valid_to: Option<Spanned<toml::value::Datetime>>,
    agency: String,
    #[serde(default)]
    seeds: Vec<String>,
    #[serde(default)]
    unconfirmed: bool,
    note: Option<String>,
    eligible: Spanned<String>,
    member_eligible: Option<Spanned<String>>,
    unit: String,
    counts: Option<Spanned<String>>,
    amount: AmountFile,
    #[serde(default)]
    parameters: BTreeMap<String, ParameterFile>,
    funding: Spanned<Vec<FundingFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PoliciesFile {
    policy: Vec<Spanned<PolicyFile>>,
}

/// All loaded policies and the reference-value table they are priced with.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    pub refs: RefTable,
    policies: Vec<Policy>,
}

impl PolicySet {
    /// Loads the reference values and the policy files `(file name, contents)`. Either everything loads,
    /// or nothing does and every problem found is returned with its file, line and column.
    pub fn load(
        refs: (&str, &str),
        files: &[(String, String)],
    ) -> Result<PolicySet, Vec<FileError>> {
        let refs = RefTable::load(refs.0, refs.1)?;
        let mut errors = Vec::new();
        let mut policies: Vec<Policy> = Vec::new();
        for (name, src) in files {
            let o = Origin { file: name, src };
            let parsed: PoliciesFile = match toml::from_str(src) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(o.syntax("POL_SYNTAX", &e));
                    continue;
                }
            };
            for p in parsed.policy {
                match build_policy(o, &refs, p.into_inner()) {
                    Ok(p) => {
                        if let Some(prev) = policies.iter().find(|x| x.id == p.id) {
                            errors.push(o.err(
                                None,
                                "POL_DUPLICATE",
                                format!("policy `{}` is also defined in {}", p.id, prev.file),
                            ));
                        }
                        policies.push(p);
                    }
                    Err(mut e) => errors.append(&mut e),
                }
            }
        }
        if errors.is_empty() {
            policies.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(PolicySet { refs, policies })
        } else {
            Err(errors)
        }
    }

    pub fn all(&self) -> &[Policy] {
        &self.policies
    }

    pub fn get(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.id == id)
    }

    /// The funding sources used by any policy, sorted.
    pub fn sources(&self) -> BTreeSet<&str> {
        self.policies
            .iter()
            .flat_map(|p| p.funding.iter().map(|f| f.source.as_str()))
            .collect()
    }
}

fn build_policy(o: Origin, refs: &RefTable, p: PolicyFile) -> Result<Policy, Vec<FileError>> {
    let mut errors = Vec::new();
    let id = p.id.get_ref().clone();
    let id_at = Some(p.id.span().start);
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        errors.push(o.err(
            id_at,
            "POL_VALUE",
            format!("policy id `{id}`: use lowercase letters, digits and `-`"),
        ));
    }
    let valid_from = date_of(o, &p.valid_from, "POL_DATES");
    let valid_to = p
        .valid_to
        .as_ref()
        .map(|d| date_of(o, d, "POL_DATES"))
        .transpose();
    let (valid_from, valid_to) = match (valid_from, valid_to) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return Err(vec![e]),
    };
    if valid_to.is_some_and(|t| t < valid_from) {
        errors.push(o.err(
            p.valid_to.as_ref().map(|d| d.span().start),
            "POL_DATES",
            "`valid_to` is before `valid_from`",
        ));
    }
    let mut caveats = Vec::new();
    if p.unconfirmed {
        caveats.push(caveat(format!("policy:{id}"), &p.note));
    }

    let eligible = Eligibility::compile(p.eligible.get_ref(), crate::schema::Level::Household)
        .map_err(|e| o.expr_err(p.eligible.span(), "POL_EXPR", "eligible", &e));
    let member_eligible = p
        .member_eligible
        .as_ref()
        .map(|m| {
            Eligibility::compile(m.get_ref(), crate::schema::Level::Member)
                .map_err(|e| o.expr_err(m.span(), "POL_EXPR", "member_eligible", &e))
        })
        .transpose();
    let (eligible, member_eligible) = match (eligible, member_eligible) {
        (Ok(a), Ok(b)) => (Some(a), b),
        (a, b) => {
            if let Err(e) = a {
                errors.push(e);
            }
            if let Err(e) = b {
                errors.push(e);
            }
            (None, None)
        }
    };

    let mut parameters = Vec::new();
    for (name, pf) in &p.parameters {
        if !is_ident(name) || refs.get(name).is_some() {
            errors.push(o.err(
                Some(pf.value.span().start),
                "POL_VALUE",
                format!(
                    "parameter `{name}`: use a lower_snake_case name that is not a reference value"
                ),
            ));
        }
        match exact_of(o, &pf.value, "POL_VALUE") {
            Ok(value) => {
                let unconfirmed = pf
                    .unconfirmed
                    .then(|| pf.note.clone().unwrap_or_else(|| "unconfirmed".into()));
                if let Some(n) = &unconfirmed {
                    caveats.push(Caveat {
                        subject: format!("policy:{id}/parameter:{name}"),
                        note: n.clone(),
                    });
                }
                parameters.push(Parameter {
                    name: name.clone(),
                    value,
                    note: pf.note.clone(),
                    unconfirmed,
                });
            }
            Err(e) => errors.push(e),
        }
    }

    // Amount rule.
    let a = &p.amount;
    let per = match a.per.get_ref().as_str() {
        "month" => Some(Per::Month),
        "year" => Some(Per::Year),
        "case" => Some(Per::Case),
        other => {
            errors.push(o.err(
                Some(a.per.span().start),
                "POL_VALUE",
                format!("`per = \"{other}\"`: use month, year or case"),
            ));
            None
        }
    };
    let share = match &a.share {
        None => Some(Exact::ONE),
        Some(s) => match exact_of(o, s, "POL_VALUE") {
            Ok(x) if !x.is_negative() && x <= Exact::ONE => Some(x),
            Ok(_) => {
                errors.push(o.err(
                    Some(s.span().start),
                    "POL_VALUE",
                    "a share is between 0% and 100%",
                ));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    let months = match &a.months {
        None => (1..=12).collect(),
        Some(m) => {
            let v = m.get_ref().clone();
            let mut seen = BTreeSet::new();
            if v.is_empty() || v.iter().any(|x| !(1..=12).contains(x) || !seen.insert(*x)) {
                errors.push(o.err(
                    Some(m.span().start),
                    "POL_VALUE",
                    "`months` lists distinct calendar months 1 to 12",
                ));
            }
            v
        }
    };
    let rounding = match &a.rounding {
        None => Some(Rounding::HalfUp),
        Some(r) => {
            let x = Rounding::parse(r.get_ref());
            if x.is_none() {
                errors.push(o.err(
                    Some(r.span().start),
                    "POL_VALUE",
                    format!(
                        "unknown rounding `{}` (known: half_up, half_even, ceil, floor, trunc)",
                        r.get_ref()
                    ),
                ));
            }
            x
        }
    };
    let node = match expr::parse(a.formula.get_ref()) {
        Ok(n) => {
            // Every name must be a parameter or a reference value.
            let mut ns = Vec::new();
            formula::names(&n, &mut ns);
            for (name, span) in ns {
                if refs.get(&name).is_none() && !parameters.iter().any(|x| x.name == name) {
                    errors.push(o.err(
                        Some(o.inner_offset(a.formula.span(), span.start)),
                        "POL_REF",
                        format!("amount formula: unknown name `{name}` (not a parameter of the policy nor a reference value)"),
                    ));
                }
            }
            Some(n)
        }
        Err(e) => {
            errors.push(o.expr_err(a.formula.span(), "POL_EXPR", "amount formula", &e));
            None
        }
    };

    let mut funding = Vec::new();
    let mut total = Exact::ZERO;
    for f in p.funding.get_ref() {
        if !is_ident(f.source.get_ref()) {
            errors.push(o.err(
                Some(f.source.span().start),
                "POL_VALUE",
                format!(
                    "funding source `{}`: use a lower_snake_case id",
                    f.source.get_ref()
                ),
            ));
        }
        match exact_of(o, &f.share, "POL_VALUE") {
            Ok(s) => {
                total = total.checked_add(s).unwrap_or(total);
                funding.push(Funding {
                    source: f.source.get_ref().clone(),
                    share: s,
                });
            }
            Err(e) => errors.push(e),
        }
    }
    if funding.is_empty() || (errors.is_empty() && total != Exact::ONE) {
        errors.push(o.err(
            Some(p.funding.span().start),
            "POL_VALUE",
            format!(
                "policy `{id}`: funding shares must add up to 100% (they add up to {}%)",
                total.checked_mul(Exact::int(100)).unwrap_or(total).to_plain()
            ),
        ));
    }
    let counts = p.counts.as_ref().map(|c| c.get_ref().clone());
    if let Some(c) = &p.counts
        && !is_ident(c.get_ref())
    {
        errors.push(o.err(
            Some(c.span().start),
            "POL_VALUE",
            "`counts` names a planning count in lower_snake_case",
        ));
    }

    let (Some(eligible), Some(per), Some(share), Some(rounding), Some(node)) =
        (eligible, per, share, rounding, node)
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let policy = Policy {
        id,
        name_vi: p.name.vi,
        name_en: p.name.en,
        legal_basis: p.legal_basis,
        jurisdiction: p.jurisdiction,
        valid_from,
        valid_to,
        agency: p.agency,
        seeds: p.seeds,
        eligible,
        member_eligible,
        unit: p.unit,
        counts,
        amount: AmountRule {
            formula: a.formula.get_ref().clone(),
            node,
            per,
            share,
            months,
            max_months: a.max_months,
            rounding,
        },
        parameters,
        funding,
        caveats,
        file: o.file.to_string(),
    };
    // The formula must price on its first day in force (catches a reference value with no period yet).
    if let Err(e) = policy.amount_on(refs, policy.valid_from, &BTreeMap::new()) {
        return Err(vec![o.err(
            Some(o.inner_offset(a.formula.span(), 0)),
            "POL_REF",
            e,
        )]);
    }
    Ok(policy)
}

/// Months between two dates' month starts (`to` − `from`, whole months; negative when `to` is earlier).
pub fn months_between(from: NaiveDate, to: NaiveDate) -> i64 {
    i64::from(to.year() - from.year()) * 12 + i64::from(to.month()) - i64::from(from.month())
}

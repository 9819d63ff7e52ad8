//! Reduction targets per unit and year (`targets/*.toml`), their projections, and progress against them
//! from the approved review rounds.
//!
//! A target file names the units of a plan (a district, a commune, a whole province) and, per unit and
//! measure (poor households, near-poor households, persons in poor households), the count at the start
//! of the first year and one reduction target per year: a share of the count at the start of the year
//! (`"20%"`), a number (`309`), percentage points of the unit's total (`"0.8pt"`) or a rate to reach
//! (`"to 1.39%"`). A unit with `parts` is the sum of its parts (a city and its districts), so its
//! figures can never disagree with theirs.
//!
//! ```toml
//! id = "da-nang-2023"
//! title.vi = "…"; title.en = "…"
//! source = "Kế hoạch 66/KH-UBND ngày 17/03/2023"
//! jurisdiction = "48"
//! years = [2023]
//! rounding = "half_up"              # how a reduction is rounded to whole households (per track too)
//! unconfirmed = "…"                 # optional: what in this file is not printed in the source
//!
//! [[unit]]
//! code = "48"; label = "Toàn thành phố"
//! parts = ["490", "491", "492"]
//!
//! [[unit]]
//! code = "492"; label = "Quận Hải Châu"
//! households = 54_300               # total households: the base of every rate (optional)
//! poor = { start = 673, reductions = [309] }
//! near_poor = { reductions = [90] } # no start: only the reduction is targeted
//! ```
//!
//! Progress ([`progress`]) compares each year's target with what the approved periodic rounds of the
//! unit's communes show: the count at the end of the year before (or the file's start), the count at
//! the end of the year, the reduction, the rate, and whether the target was met. A share target is
//! applied to the observed start of the year, as an officer would; a year whose communes are not all
//! approved yet gets no verdict.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use toml::Spanned;

use super::exact::{Exact, Rounding};
use super::forecast::{ProjectedYear, Target, project};
use super::{Caveat, FileError, Names, Origin};

/// What a target counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    /// Poor households (hộ nghèo).
    Poor,
    /// Near-poor households (hộ cận nghèo).
    NearPoor,
    /// Persons in poor households (nhân khẩu hộ nghèo); rates are shares of the population.
    PoorPersons,
}

impl Measure {
    pub const ALL: [Measure; 3] = [Measure::Poor, Measure::NearPoor, Measure::PoorPersons];
    pub fn code(self) -> &'static str {
        match self {
            Measure::Poor => "poor",
            Measure::NearPoor => "near_poor",
            Measure::PoorPersons => "poor_persons",
        }
    }
    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.code() == s)
    }
    pub fn vi(self) -> &'static str {
        match self {
            Measure::Poor => "Hộ nghèo",
            Measure::NearPoor => "Hộ cận nghèo",
            Measure::PoorPersons => "Nhân khẩu hộ nghèo",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Measure::Poor => "Poor households",
            Measure::NearPoor => "Near-poor households",
            Measure::PoorPersons => "Persons in poor households",
        }
    }
    /// Whether the count is of households (else of persons).
    pub fn of_households(self) -> bool {
        self != Measure::PoorPersons
    }
}

/// One measure's targets in one unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Track {
    pub measure: Measure,
    /// The count at the start of the first year; `None`: only the reductions are targeted.
    pub start: Option<i64>,
    /// One target per year of the file.
    pub targets: Vec<Target>,
    pub rounding: Rounding,
}

/// The targets of one unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitTargets {
    /// The unit's administrative code (as in the registry).
    pub code: String,
    pub label: String,
    /// Total households: the base of household rates.
    pub households: Option<i64>,
    /// Total population: the base of person rates.
    pub persons: Option<i64>,
    /// The units it is the sum of (empty: it has its own targets).
    pub parts: Vec<String>,
    pub tracks: Vec<Track>,
}

impl UnitTargets {
    fn base(&self, m: Measure) -> Option<i64> {
        if m.of_households() {
            self.households
        } else {
            self.persons
        }
    }
}

/// A loaded, checked target file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetPlan {
    pub id: String,
    pub title_vi: String,
    pub title_en: String,
    pub source: String,
    /// The province (or nation, `"VN"`) whose officers use it.
    pub jurisdiction: String,
    pub years: Vec<i32>,
    /// What the file holds that the source does not print (flagged on every result).
    pub caveats: Vec<Caveat>,
    /// Units in file order (parents before or after their parts: both work).
    pub units: Vec<UnitTargets>,
}

impl TargetPlan {
    pub fn unit(&self, code: &str) -> Option<&UnitTargets> {
        self.units.iter().find(|u| u.code == code)
    }
    /// The codes of the units whose own targets are given (no parts): those observed in the registry.
    pub fn leaf_codes(&self) -> Vec<String> {
        self.units
            .iter()
            .filter(|u| u.parts.is_empty())
            .map(|u| u.code.clone())
            .collect()
    }
}

// ------------------------------------------------------------------ the file

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    id: Spanned<String>,
    title: Names,
    source: String,
    jurisdiction: String,
    years: Spanned<Vec<i32>>,
    rounding: Option<Spanned<String>>,
    unconfirmed: Option<String>,
    #[serde(default)]
    unit: Vec<Spanned<UnitFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitFile {
    code: Spanned<String>,
    label: String,
    households: Option<Spanned<i64>>,
    persons: Option<Spanned<i64>>,
    #[serde(default)]
    parts: Vec<Spanned<String>>,
    poor: Option<Spanned<TrackFile>>,
    near_poor: Option<Spanned<TrackFile>>,
    poor_persons: Option<Spanned<TrackFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackFile {
    start: Option<Spanned<i64>>,
    reductions: Vec<Spanned<toml::Value>>,
    rounding: Option<Spanned<String>>,
}

fn rounding_of(
    o: Origin,
    r: &Option<Spanned<String>>,
    default: Rounding,
) -> Result<Rounding, FileError> {
    match r {
        None => Ok(default),
        Some(r) => Rounding::parse(r.get_ref()).ok_or_else(|| {
            o.err(
                Some(r.span().start),
                "TGT_VALUE",
                "rounding is half_up, half_even, ceil, floor or trunc",
            )
        }),
    }
}

impl TargetPlan {
    /// Reads and checks a target file: every error names the line and column; nothing of a failing
    /// file is returned.
    pub fn load(file: &str, src: &str) -> Result<TargetPlan, Vec<FileError>> {
        let o = Origin { file, src };
        let f: TargetFile = toml::from_str(src).map_err(|e| vec![o.syntax("TGT_SYNTAX", &e)])?;
        let mut errors = Vec::new();
        if !is_file_id(f.id.get_ref()) {
            errors.push(o.err(
                Some(f.id.span().start),
                "TGT_VALUE",
                "`id` is lower-case letters, digits and dashes",
            ));
        }
        let years = f.years.get_ref().clone();
        if years.is_empty() || years.windows(2).any(|w| w[1] != w[0] + 1) {
            errors.push(o.err(
                Some(f.years.span().start),
                "TGT_VALUE",
                "`years` lists consecutive years",
            ));
        }
        let default_rounding = match rounding_of(o, &f.rounding, Rounding::HalfUp) {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                Rounding::HalfUp
            }
        };
        let mut units = Vec::new();
        let mut seen = BTreeSet::new();
        for u in &f.unit {
            let at = u.span().start;
            let u = u.get_ref();
            let code = u.code.get_ref().trim().to_string();
            if code.is_empty() || !seen.insert(code.clone()) {
                errors.push(o.err(
                    Some(u.code.span().start),
                    "TGT_DUPLICATE",
                    format!("unit `{code}` is empty or listed twice"),
                ));
            }
            let positive = |v: &Option<Spanned<i64>>, what: &str, errors: &mut Vec<FileError>| {
                v.as_ref().and_then(|v| {
                    if *v.get_ref() > 0 {
                        Some(*v.get_ref())
                    } else {
                        errors.push(o.err(
                            Some(v.span().start),
                            "TGT_VALUE",
                            format!("`{what}` is a positive whole number"),
                        ));
                        None
                    }
                })
            };
            let households = positive(&u.households, "households", &mut errors);
            let persons = positive(&u.persons, "persons", &mut errors);
            let mut tracks = Vec::new();
            for (m, t) in [
                (Measure::Poor, &u.poor),
                (Measure::NearPoor, &u.near_poor),
                (Measure::PoorPersons, &u.poor_persons),
            ] {
                let Some(t) = t else { continue };
                let tat = t.span().start;
                let t = t.get_ref();
                let mut targets = Vec::new();
                for r in &t.reductions {
                    let parsed = match r.get_ref() {
                        toml::Value::Integer(i) if *i >= 0 => Some(Target::Count(*i)),
                        toml::Value::String(s) => Target::parse(s),
                        _ => None,
                    };
                    match parsed {
                        Some(p) => targets.push(p),
                        None => errors.push(o.err(
                            Some(r.span().start),
                            "TGT_VALUE",
                            "a reduction is \"20%\", a whole number, \"0.8pt\" or \"to 1.39%\"",
                        )),
                    }
                }
                if t.reductions.len() != years.len() {
                    errors.push(o.err(
                        Some(tat),
                        "TGT_VALUE",
                        format!(
                            "unit `{code}`, {}: give one reduction per year ({})",
                            m.code(),
                            years.len()
                        ),
                    ));
                }
                let start = match &t.start {
                    Some(s) if *s.get_ref() < 0 => {
                        errors.push(o.err(
                            Some(s.span().start),
                            "TGT_VALUE",
                            "`start` is a whole number, 0 or more",
                        ));
                        None
                    }
                    s => s.as_ref().map(|s| *s.get_ref()),
                };
                let needs_base = targets
                    .iter()
                    .any(|t| matches!(t, Target::RatePoints(_) | Target::RateTo(_)));
                let base = if m.of_households() {
                    households
                } else {
                    persons
                };
                if needs_base && base.is_none() {
                    errors.push(o.err(
                        Some(tat),
                        "TGT_VALUE",
                        format!(
                            "unit `{code}`, {}: a rate target needs the unit's `{}`",
                            m.code(),
                            if m.of_households() {
                                "households"
                            } else {
                                "persons"
                            }
                        ),
                    ));
                }
                if start.is_none()
                    && targets
                        .iter()
                        .any(|t| matches!(t, Target::ShareOfStart(_) | Target::RateTo(_)))
                {
                    errors.push(o.err(
                        Some(tat),
                        "TGT_VALUE",
                        format!(
                            "unit `{code}`, {}: a share or a rate to reach needs `start`",
                            m.code()
                        ),
                    ));
                }
                let rounding = match rounding_of(o, &t.rounding, default_rounding) {
                    Ok(r) => r,
                    Err(e) => {
                        errors.push(e);
                        default_rounding
                    }
                };
                tracks.push(Track {
                    measure: m,
                    start,
                    targets,
                    rounding,
                });
            }
            let parts: Vec<String> = u
                .parts
                .iter()
                .map(|p| p.get_ref().trim().to_string())
                .collect();
            if !parts.is_empty() && !tracks.is_empty() {
                errors.push(o.err(
                    Some(at),
                    "TGT_VALUE",
                    format!("unit `{code}` has parts: its figures are their sums, it has no targets of its own"),
                ));
            }
            if parts.is_empty() && tracks.is_empty() {
                errors.push(o.err(
                    Some(at),
                    "TGT_MISSING",
                    format!("unit `{code}` has neither targets (poor, near_poor, poor_persons) nor parts"),
                ));
            }
            units.push((
                at,
                UnitTargets {
                    code,
                    label: u.label.trim().to_string(),
                    households,
                    persons,
                    parts,
                    tracks,
                },
            ));
        }
        if units.is_empty() {
            errors.push(o.err(None, "TGT_MISSING", "the file names no `[[unit]]`"));
        }
        // Parts name units of the file, and no unit is (through its parts) part of itself.
        let by_code: BTreeMap<&str, &UnitTargets> =
            units.iter().map(|(_, u)| (u.code.as_str(), u)).collect();
        for (at, u) in &units {
            for p in &u.parts {
                if !by_code.contains_key(p.as_str()) {
                    errors.push(o.err(
                        Some(*at),
                        "TGT_REF",
                        format!("unit `{}`: part `{p}` is not a unit of this file", u.code),
                    ));
                }
            }
            if leaves_of(&by_code, &u.code, 0).is_none() {
                errors.push(o.err(
                    Some(*at),
                    "TGT_REF",
                    format!("unit `{}` is part of itself", u.code),
                ));
            }
        }
        let mut caveats = Vec::new();
        if let Some(note) = f.unconfirmed {
            caveats.push(Caveat {
                subject: format!("targets:{}", f.id.get_ref()),
                note,
            });
        }
        let plan = TargetPlan {
            id: f.id.into_inner(),
            title_vi: f.title.vi,
            title_en: f.title.en,
            source: f.source,
            jurisdiction: f.jurisdiction,
            years,
            caveats,
            units: units.into_iter().map(|(_, u)| u).collect(),
        };
        if errors.is_empty() {
            // Every projection must be computable (no overflow, a base where a rate is targeted).
            if let Err(e) = project_plan(&plan) {
                return Err(vec![o.err(None, "TGT_VALUE", e)]);
            }
            Ok(plan)
        } else {
            Err(errors)
        }
    }
}

/// A file id: lower-case ASCII letters, digits and dashes (`da-nang-2023`).
fn is_file_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The leaf units (own targets) under `code`; `None` on a cycle.
fn leaves_of<'a>(
    by_code: &BTreeMap<&'a str, &'a UnitTargets>,
    code: &'a str,
    depth: usize,
) -> Option<Vec<&'a UnitTargets>> {
    if depth > by_code.len() {
        return None;
    }
    let Some(u) = by_code.get(code) else {
        return Some(Vec::new());
    };
    if u.parts.is_empty() {
        return Some(vec![u]);
    }
    let mut out = Vec::new();
    for p in &u.parts {
        out.extend(leaves_of(by_code, p, depth + 1)?);
    }
    Some(out)
}

// ------------------------------------------------------------------ projections

/// One year of a projected track. `start`/`end` are `None` when the track targets only reductions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedYear {
    pub year: i32,
    pub start: Option<i64>,
    pub reduced: i64,
    pub end: Option<i64>,
    /// Rates in % of the base, rounded half-up to 2 decimals, when the base is known.
    pub start_rate: Option<Exact>,
    pub reduced_rate: Option<Exact>,
    pub end_rate: Option<Exact>,
}

/// A measure's projection in one unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackProjection {
    pub measure: Measure,
    pub base: Option<i64>,
    /// The targets as written (`None` for a sum of parts).
    pub targets: Option<Vec<Target>>,
    pub years: Vec<PlannedYear>,
}

/// A unit's projections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitProjection {
    pub code: String,
    pub label: String,
    pub parts: Vec<String>,
    pub tracks: Vec<TrackProjection>,
}

/// `count / base × 100`, rounded half-up to 2 decimals.
pub fn rate(count: i64, base: Option<i64>) -> Option<Exact> {
    let b = base.filter(|b| *b > 0)?;
    Exact::int(count)
        .checked_mul(Exact::int(100))?
        .checked_div(Exact::int(b))?
        .round(2, Rounding::HalfUp)
}

fn reduction_only(first: i32, base: Option<i64>, t: &Track) -> Result<Vec<PlannedYear>, String> {
    let mut out = Vec::new();
    for (i, target) in t.targets.iter().enumerate() {
        let year = first + i32::try_from(i).map_err(|_| "too many years")?;
        let reduced = match *target {
            Target::Count(n) => n,
            Target::RatePoints(p) => {
                let b = base.ok_or("a rate target needs the unit's total")?;
                let r = Exact::int(b)
                    .checked_mul(p)
                    .and_then(|x| x.checked_div(Exact::int(100)))
                    .ok_or("overflow")?
                    .round_int(t.rounding);
                i64::try_from(r.max(0)).map_err(|_| "overflow")?
            }
            Target::ShareOfStart(_) | Target::RateTo(_) => {
                return Err("a share or a rate to reach needs `start`".into());
            }
        };
        out.push(PlannedYear {
            year,
            start: None,
            reduced,
            end: None,
            start_rate: None,
            reduced_rate: rate(reduced, base),
            end_rate: None,
        });
    }
    Ok(out)
}

fn planned(p: ProjectedYear, base: Option<i64>) -> PlannedYear {
    PlannedYear {
        year: p.year,
        start: Some(p.start),
        reduced: p.reduced,
        end: Some(p.end),
        start_rate: p.start_rate,
        reduced_rate: rate(p.reduced, base),
        end_rate: p.end_rate,
    }
}

/// Projects every unit of the plan, in file order. A unit with parts sums its parts' projections, per
/// measure present in all of them (its base is the sum of theirs when all are known).
pub fn project_plan(plan: &TargetPlan) -> Result<Vec<UnitProjection>, String> {
    let first = plan.years.first().copied().unwrap_or(0);
    let mut own: BTreeMap<&str, Vec<TrackProjection>> = BTreeMap::new();
    for u in plan.units.iter().filter(|u| u.parts.is_empty()) {
        let mut tracks = Vec::new();
        for t in &u.tracks {
            let base = u.base(t.measure);
            let years = match t.start {
                Some(s) => project(first, s, base, &t.targets, t.rounding)
                    .map_err(|e| format!("unit `{}`, {}: {e}", u.code, t.measure.code()))?
                    .into_iter()
                    .map(|p| planned(p, base))
                    .collect(),
                None => reduction_only(first, base, t)
                    .map_err(|e| format!("unit `{}`, {}: {e}", u.code, t.measure.code()))?,
            };
            tracks.push(TrackProjection {
                measure: t.measure,
                base,
                targets: Some(t.targets.clone()),
                years,
            });
        }
        own.insert(u.code.as_str(), tracks);
    }
    let by_code: BTreeMap<&str, &UnitTargets> =
        plan.units.iter().map(|u| (u.code.as_str(), u)).collect();
    let mut out = Vec::new();
    for u in &plan.units {
        if u.parts.is_empty() {
            out.push(UnitProjection {
                code: u.code.clone(),
                label: u.label.clone(),
                parts: Vec::new(),
                tracks: own.get(u.code.as_str()).cloned().unwrap_or_default(),
            });
            continue;
        }
        let leaves = leaves_of(&by_code, &u.code, 0)
            .ok_or_else(|| format!("unit `{}` is part of itself", u.code))?;
        let mut tracks = Vec::new();
        for m in Measure::ALL {
            let parts: Vec<&TrackProjection> = leaves
                .iter()
                .filter_map(|l| own.get(l.code.as_str())?.iter().find(|t| t.measure == m))
                .collect();
            if parts.is_empty() || parts.len() != leaves.len() {
                continue;
            }
            let base = leaves
                .iter()
                .map(|l| l.base(m))
                .try_fold(0i64, |acc, b| acc.checked_add(b?));
            let sum = |f: &dyn Fn(&PlannedYear) -> Option<i64>, i: usize| -> Option<i64> {
                parts
                    .iter()
                    .map(|t| t.years.get(i).and_then(f))
                    .try_fold(0i64, |acc, v| acc.checked_add(v?))
            };
            let mut years = Vec::new();
            for (i, year) in plan.years.iter().enumerate() {
                let start = sum(&|y| y.start, i);
                let reduced = sum(&|y| Some(y.reduced), i).ok_or("overflow")?;
                let end = sum(&|y| y.end, i);
                years.push(PlannedYear {
                    year: *year,
                    start,
                    reduced,
                    end,
                    start_rate: start.and_then(|s| rate(s, base)),
                    reduced_rate: rate(reduced, base),
                    end_rate: end.and_then(|e| rate(e, base)),
                });
            }
            tracks.push(TrackProjection {
                measure: m,
                base,
                targets: None,
                years,
            });
        }
        out.push(UnitProjection {
            code: u.code.clone(),
            label: u.label.clone(),
            parts: u.parts.clone(),
            tracks,
        });
    }
    Ok(out)
}

// ------------------------------------------------------------------ progress

/// What the approved periodic rounds of a unit's communes show at the end of one year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    pub poor: i64,
    pub near_poor: i64,
    /// Members of poor households, when the sizes are known.
    pub poor_persons: Option<i64>,
    /// Households in the approved lists.
    pub households: i64,
    /// Communes of the unit with an approved periodic round that year, and communes in all.
    pub approved: usize,
    pub communes: usize,
}

impl Observed {
    pub fn complete(&self) -> bool {
        self.communes > 0 && self.approved == self.communes
    }
    fn count(&self, m: Measure) -> Option<i64> {
        match m {
            Measure::Poor => Some(self.poor),
            Measure::NearPoor => Some(self.near_poor),
            Measure::PoorPersons => self.poor_persons,
        }
    }
    fn add(&mut self, o: &Observed) {
        self.poor += o.poor;
        self.near_poor += o.near_poor;
        self.poor_persons = match (self.poor_persons, o.poor_persons) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
        self.households += o.households;
        self.approved += o.approved;
        self.communes += o.communes;
    }
}

/// Where the observed start of a year comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartFrom {
    /// The approved rounds of the year before.
    Rounds,
    /// The target file's start (no approved rounds the year before).
    Plan,
    Unknown,
}

impl StartFrom {
    /// `rounds`, `plan` or `unknown`.
    pub fn code(self) -> &'static str {
        match self {
            StartFrom::Rounds => "rounds",
            StartFrom::Plan => "plan",
            StartFrom::Unknown => "unknown",
        }
    }
}

/// The verdict on one year's target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The target reduction (or rate) was reached.
    Achieved,
    /// Short of the target by this many (households or persons).
    Behind { short: i64 },
    /// Not every commune's round of the year is approved yet.
    Partial { approved: usize, of: usize },
    /// No approved round of the year (or no observed start).
    NoData,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Achieved => "achieved",
            Status::Behind { .. } => "behind",
            Status::Partial { .. } => "partial",
            Status::NoData => "no_data",
        }
    }
    pub fn vi(self) -> String {
        match self {
            Status::Achieved => "Đạt".into(),
            Status::Behind { short } => format!("Chưa đạt (thiếu {short})"),
            Status::Partial { approved, of } => {
                format!("Chưa đủ số liệu ({approved}/{of} xã đã phê duyệt)")
            }
            Status::NoData => "Chưa có số liệu".into(),
        }
    }
    pub fn en(self) -> String {
        match self {
            Status::Achieved => "Achieved".into(),
            Status::Behind { short } => format!("Behind ({short} short)"),
            Status::Partial { approved, of } => {
                format!("Incomplete ({approved} of {of} communes approved)")
            }
            Status::NoData => "No data yet".into(),
        }
    }
}

/// One year of a measure's progress in one unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressYear {
    pub planned: PlannedYear,
    pub start: Option<i64>,
    pub start_from: StartFrom,
    pub end: Option<i64>,
    pub reduced: Option<i64>,
    pub end_rate: Option<Exact>,
    /// The reduction the target asks of the observed start (a share applies to the observed start).
    pub target_reduced: Option<i64>,
    pub status: Status,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackProgress {
    pub measure: Measure,
    /// The base of the rates (as in the projection).
    pub base: Option<i64>,
    pub years: Vec<ProgressYear>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitProgress {
    pub code: String,
    pub label: String,
    /// The units it is the sum of (empty: its own targets).
    pub parts: Vec<String>,
    pub tracks: Vec<TrackProgress>,
}

/// Progress of every unit against its targets. `observed` holds, per leaf unit code and year, what the
/// approved rounds show at the end of that year (a missing key: no approved round).
pub fn progress(
    plan: &TargetPlan,
    projections: &[UnitProjection],
    observed: &BTreeMap<(String, i32), Observed>,
) -> Vec<UnitProgress> {
    let by_code: BTreeMap<&str, &UnitTargets> =
        plan.units.iter().map(|u| (u.code.as_str(), u)).collect();
    let first = plan.years.first().copied().unwrap_or(0);
    // A unit's observation: its own, or the sum over its leaves (all must be observed).
    let seen = |code: &str, year: i32| -> Option<Observed> {
        let leaves = leaves_of(&by_code, by_code.get(code).map(|u| u.code.as_str())?, 0)?;
        let mut sum = Observed {
            poor_persons: Some(0),
            ..Observed::default()
        };
        let mut any = false;
        for l in &leaves {
            match observed.get(&(l.code.clone(), year)) {
                Some(o) => {
                    any = true;
                    sum.add(o);
                }
                None => return None,
            }
        }
        any.then_some(sum)
    };
    // Leaves first, so that a sum of parts can add up its parts' targets as applied to their starts.
    let mut order: Vec<&UnitProjection> =
        projections.iter().filter(|p| p.parts.is_empty()).collect();
    order.extend(projections.iter().filter(|p| !p.parts.is_empty()));
    let mut applied: BTreeMap<(String, Measure, usize), Option<i64>> = BTreeMap::new();
    let mut starts: BTreeMap<(String, Measure, usize), (Option<i64>, StartFrom)> = BTreeMap::new();
    let mut done: BTreeMap<String, UnitProgress> = BTreeMap::new();
    for p in order {
        let mut tracks = Vec::new();
        for t in &p.tracks {
            let own = by_code
                .get(p.code.as_str())
                .and_then(|u| u.tracks.iter().find(|x| x.measure == t.measure));
            let mut years = Vec::new();
            for (i, py) in t.years.iter().enumerate() {
                let year = py.year;
                let (start, start_from) = if p.parts.is_empty() {
                    let before = seen(&p.code, year - 1).filter(|o| o.complete());
                    match before.and_then(|o| o.count(t.measure)) {
                        Some(s) => (Some(s), StartFrom::Rounds),
                        None if year == first && py.start.is_some() => (py.start, StartFrom::Plan),
                        None => (None, StartFrom::Unknown),
                    }
                } else {
                    // The sum of the parts' starts, each from its rounds or its plan.
                    let mut sum = Some(0i64);
                    let mut from = StartFrom::Rounds;
                    for l in leaves_of(&by_code, &p.code, 0).unwrap_or_default() {
                        match starts.get(&(l.code.clone(), t.measure, i)) {
                            Some((Some(v), f)) => {
                                sum = sum.and_then(|x| x.checked_add(*v));
                                if *f == StartFrom::Plan {
                                    from = StartFrom::Plan;
                                }
                            }
                            _ => sum = None,
                        }
                    }
                    match sum {
                        Some(v) => (Some(v), from),
                        None => (None, StartFrom::Unknown),
                    }
                };
                if p.parts.is_empty() {
                    starts.insert((p.code.clone(), t.measure, i), (start, start_from));
                }
                let now = seen(&p.code, year);
                let end = now
                    .filter(|o| o.complete())
                    .and_then(|o| o.count(t.measure));
                let reduced = start.zip(end).map(|(s, e)| s - e);
                // The target applied to the observed start: a share of it, a rate to reach, or the
                // planned number; a sum of parts keeps the planned sum.
                let target = own.and_then(|tr| tr.targets.get(i).copied());
                let target_reduced = if p.parts.is_empty() {
                    match (target, start) {
                        (Some(tg @ (Target::ShareOfStart(_) | Target::RateTo(_))), Some(s)) => {
                            project(
                                year,
                                s,
                                t.base,
                                &[tg],
                                own.map_or(Rounding::HalfUp, |x| x.rounding),
                            )
                            .ok()
                            .and_then(|v| v.first().map(|y| y.reduced))
                        }
                        _ => Some(py.reduced),
                    }
                } else {
                    // The sum of the parts' targets, each applied to its own observed start.
                    leaves_of(&by_code, &p.code, 0).and_then(|ls| {
                        ls.iter().try_fold(0i64, |acc, l| {
                            let v = applied
                                .get(&(l.code.clone(), t.measure, i))
                                .copied()
                                .flatten()?;
                            acc.checked_add(v)
                        })
                    })
                };
                if p.parts.is_empty() {
                    applied.insert((p.code.clone(), t.measure, i), target_reduced);
                }
                let status = match now {
                    None => Status::NoData,
                    Some(o) if !o.complete() => Status::Partial {
                        approved: o.approved,
                        of: o.communes,
                    },
                    Some(_) => match (reduced, target_reduced) {
                        (Some(r), Some(tr)) if r >= tr => Status::Achieved,
                        (Some(r), Some(tr)) => Status::Behind { short: tr - r },
                        _ => Status::NoData,
                    },
                };
                let base = t.base.or(now
                    .map(|o| o.households)
                    .filter(|_| t.measure.of_households()));
                years.push(ProgressYear {
                    planned: py.clone(),
                    start,
                    start_from,
                    end,
                    reduced,
                    end_rate: end.and_then(|e| rate(e, base)),
                    target_reduced,
                    status,
                });
            }
            tracks.push(TrackProgress {
                measure: t.measure,
                base: t.base,
                years,
            });
        }
        done.insert(
            p.code.clone(),
            UnitProgress {
                code: p.code.clone(),
                label: p.label.clone(),
                parts: p.parts.clone(),
                tracks,
            },
        );
    }
    // In file order.
    projections
        .iter()
        .filter_map(|p| done.remove(&p.code))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(src: &str) -> TargetPlan {
        match TargetPlan::load("t.toml", src) {
            Ok(p) => p,
            Err(e) => panic!("{e:?}"),
        }
    }

    const TWO_COMMUNES: &str = r#"
id = "t"
title.vi = "Mục tiêu"
title.en = "Targets"
source = "test"
jurisdiction = "01"
years = [2025, 2026]
[[unit]]
code = "D"
label = "Huyện"
parts = ["A", "B"]
[[unit]]
code = "A"
label = "Xã A"
households = 1000
poor = { start = 100, reductions = ["20%", "20%"] }
[[unit]]
code = "B"
label = "Xã B"
households = 1000
poor = { start = 50, reductions = [10, "1pt"] }
"#;

    #[test]
    fn a_parent_is_the_sum_of_its_parts() {
        let p = plan(TWO_COMMUNES);
        let pr = project_plan(&p).unwrap();
        let d = &pr[0].tracks[0];
        assert_eq!(d.base, Some(2000));
        // A: 100 → −20 → 80 → −16 → 64; B: 50 → −10 → 40 → −10 (1 point of 1000) → 30.
        assert_eq!(d.years[0].start, Some(150));
        assert_eq!(d.years[0].reduced, 30);
        assert_eq!(d.years[1].end, Some(94));
        assert_eq!(d.years[1].end_rate, Exact::parse("4.7"));
    }

    #[test]
    fn progress_applies_a_share_to_the_observed_start_and_waits_for_every_commune() {
        let p = plan(TWO_COMMUNES);
        let pr = project_plan(&p).unwrap();
        let obs = |poor, approved| Observed {
            poor,
            near_poor: 0,
            poor_persons: None,
            households: 1000,
            approved,
            communes: 1,
        };
        let mut o = BTreeMap::new();
        o.insert(("A".to_string(), 2024), obs(90, 1));
        o.insert(("A".to_string(), 2025), obs(73, 1));
        o.insert(("B".to_string(), 2025), obs(41, 1));
        o.insert(("A".to_string(), 2026), obs(60, 1));
        o.insert(("B".to_string(), 2026), obs(35, 0));
        let g = progress(&p, &pr, &o);
        let a = &g[1].tracks[0].years;
        // 2025: observed start 90 (the 2024 round), 20% of it is 18; 90 − 73 = 17: one short.
        assert_eq!(a[0].start, Some(90));
        assert_eq!(a[0].start_from, StartFrom::Rounds);
        assert_eq!(a[0].target_reduced, Some(18));
        assert_eq!(a[0].status, Status::Behind { short: 1 });
        // 2026: start 73, target 15 (14.6 half-up), reduced 13.
        assert_eq!(a[1].status, Status::Behind { short: 2 });
        let b = &g[2].tracks[0].years;
        // B 2025: no 2024 round, the plan's start 50; 50 − 41 = 9 < 10.
        assert_eq!(b[0].start_from, StartFrom::Plan);
        assert_eq!(b[0].status, Status::Behind { short: 1 });
        assert_eq!(b[1].status, Status::Partial { approved: 0, of: 1 });
        // The district's start is the sum of its parts' (A from its 2024 round, B from the plan); its
        // end waits for both communes.
        let d = &g[0].tracks[0].years;
        assert_eq!((d[0].start, d[0].start_from), (Some(140), StartFrom::Plan));
        assert_eq!((d[0].end, d[0].reduced), (Some(114), Some(26)));
        assert_eq!(d[0].target_reduced, Some(28));
        assert_eq!(d[0].status, Status::Behind { short: 2 });
        assert_eq!(d[1].start, Some(114));
        assert_eq!(d[1].status, Status::Partial { approved: 1, of: 2 });
        // Its target is the sum of its parts' targets, each applied to the part's own start: A's 15
        // (20% of 73, half up) + B's 10 (1 point of 1,000).
        assert_eq!(d[1].target_reduced, Some(25));
    }

    #[test]
    fn a_target_met_exactly_is_achieved() {
        let p = plan(TWO_COMMUNES);
        let pr = project_plan(&p).unwrap();
        let mut o = BTreeMap::new();
        let obs = Observed {
            poor: 40,
            households: 1000,
            approved: 1,
            communes: 1,
            ..Observed::default()
        };
        o.insert(("B".to_string(), 2025), obs);
        let g = progress(&p, &pr, &o);
        assert_eq!(g[2].tracks[0].years[0].status, Status::Achieved);
        assert_eq!(g[2].tracks[0].years[0].end_rate, Exact::parse("4"));
    }

    #[test]
    fn broken_files_are_refused_with_their_position() {
        let bad = TWO_COMMUNES.replace("parts = [\"A\", \"B\"]", "parts = [\"A\", \"C\"]");
        let e = TargetPlan::load("t.toml", &bad).unwrap_err();
        assert_eq!(e[0].code, "TGT_REF");
        assert!(e[0].en.contains("`C`"), "{e:?}");
        let bad = TWO_COMMUNES.replace("[10, \"1pt\"]", "[10]");
        let e = TargetPlan::load("t.toml", &bad).unwrap_err();
        assert_eq!(e[0].code, "TGT_VALUE");
        assert_eq!(e[0].line, Some(21));
        let bad = TWO_COMMUNES.replace(
            "households = 1000\npoor = { start = 50",
            "poor = { start = 50",
        );
        let e = TargetPlan::load("t.toml", &bad).unwrap_err();
        assert!(e[0].en.contains("needs the unit's `households`"), "{e:?}");
        let bad = TWO_COMMUNES.replace("label = \"Xã A\"", "label = \"Xã A\"\ncolour = 1");
        assert_eq!(
            TargetPlan::load("t.toml", &bad).unwrap_err()[0].code,
            "TGT_SYNTAX"
        );
        let cyc = TWO_COMMUNES.replace("parts = [\"A\", \"B\"]", "parts = [\"A\", \"D\"]");
        assert!(TargetPlan::load("t.toml", &cyc).is_err());
    }
}

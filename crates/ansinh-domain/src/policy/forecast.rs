//! Reduction-target projections and budget forecasts per policy, year and funding source.
//!
//! A planning file gives, for each planning count (poor households, poor persons, pupils…), the count at
//! the start of the first year and a reduction target per year — a share of the count at the start of
//! the year (`"25%"`), a number (`607`), percentage points of a base (`"0.5pt"`) or a rate to reach
//! (`"to 1.39%"`) — or the counts themselves (`values`). The projection gives the count at the start of
//! every year; the forecast multiplies it by each policy's amount for that year, priced month by month
//! with the reference values in force, and splits it across the funding sources.
//!
//! ```toml
//! years = [2022, 2023, 2024, 2025]
//! [counts.poor_households]
//! start = 3612
//! base = 2_250_000                    # optional: total households, to show and target rates
//! reductions = ["20%", "30%", "30%", "25%"]
//! rounding = "ceil"                   # how a reduction is rounded to whole households
//! [counts.sanitation_works]
//! values = [0, 500, 407, 0]
//! [parameters]                       # override policy parameters, e.g. the urban share
//! urban_share = "10%"
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::exact::{Exact, Rounding};
use super::{Caveat, FileError, Origin, PolicySet, exact_of, is_ident, push_caveat};

/// A reduction target for one year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Reduce by this share of the count at the start of the year.
    ShareOfStart(Exact),
    /// Reduce by this many.
    Count(i64),
    /// Lower the rate (count / base × 100) by this many percentage points.
    RatePoints(Exact),
    /// Reach this rate (% of base) at the end of the year.
    RateTo(Exact),
}

impl Target {
    /// `"25%"`, `"0.5pt"`, `"to 1.39%"`, or a whole number.
    pub fn parse(text: &str) -> Option<Target> {
        let t = text.trim();
        if let Some(r) = t.strip_prefix("to ") {
            return Exact::parse(r.trim().trim_end_matches('%')).map(Target::RateTo);
        }
        if let Some(p) = t.strip_suffix("pt") {
            return Exact::parse(p).map(Target::RatePoints);
        }
        if t.ends_with('%') {
            return Exact::parse(t).map(Target::ShareOfStart);
        }
        t.replace('_', "").parse().ok().map(Target::Count)
    }
}

/// One projected year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectedYear {
    pub year: i32,
    pub start: i64,
    pub reduced: i64,
    pub end: i64,
    /// `start / base × 100`, rounded half-up to 2 decimals, when a base is known.
    pub start_rate: Option<Exact>,
    pub end_rate: Option<Exact>,
}

fn rate(count: i64, base: Option<i64>) -> Option<Exact> {
    let b = base.filter(|b| *b > 0)?;
    Exact::int(count)
        .checked_mul(Exact::int(100))?
        .checked_div(Exact::int(b))?
        .round(2, Rounding::HalfUp)
}

/// Projects a count under yearly reduction targets. Reductions are rounded to whole units by `rounding`
/// and never exceed the count; the end of each year is the start of the next.
pub fn project(
    first_year: i32,
    start: i64,
    base: Option<i64>,
    targets: &[Target],
    rounding: Rounding,
) -> Result<Vec<ProjectedYear>, String> {
    let mut out = Vec::new();
    let mut cur = start;
    for (i, t) in targets.iter().enumerate() {
        let year = first_year + i32::try_from(i).map_err(|_| "too many years")?;
        let need_base = || {
            base.filter(|b| *b > 0)
                .ok_or("a rate target needs `base` (total households)")
        };
        let reduced: i128 = match *t {
            Target::Count(n) => i128::from(n),
            Target::ShareOfStart(s) => Exact::int(cur)
                .checked_mul(s)
                .ok_or("overflow")?
                .round_int(rounding),
            Target::RatePoints(p) => Exact::int(need_base()?)
                .checked_mul(p)
                .and_then(|x| x.checked_div(Exact::int(100)))
                .ok_or("overflow")?
                .round_int(rounding),
            Target::RateTo(r) => {
                let end = Exact::int(need_base()?)
                    .checked_mul(r)
                    .and_then(|x| x.checked_div(Exact::int(100)))
                    .ok_or("overflow")?
                    .round_int(rounding);
                i128::from(cur) - end
            }
        };
        let reduced = i64::try_from(reduced.clamp(0, i128::from(cur))).map_err(|_| "overflow")?;
        let end = cur - reduced;
        out.push(ProjectedYear {
            year,
            start: cur,
            reduced,
            end,
            start_rate: rate(cur, base),
            end_rate: rate(end, base),
        });
        cur = end;
    }
    Ok(out)
}

/// Planning inputs: counts per key and year, and parameter overrides.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inputs {
    pub years: Vec<i32>,
    /// key → year → count of units in that year (the count at the start of the year).
    pub counts: BTreeMap<String, BTreeMap<i32, i64>>,
    /// Projections behind the counts (for display).
    pub projections: BTreeMap<String, Vec<ProjectedYear>>,
    pub overrides: BTreeMap<String, Exact>,
    /// Only these policies (all policies with a planning count otherwise).
    pub policies: Option<Vec<String>>,
    /// Only policies of this jurisdiction and national ones.
    pub jurisdiction: Option<String>,
}

/// One line of a forecast.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub policy: String,
    pub year: i32,
    pub source: String,
    pub units: i64,
    /// Amount per unit for the year (whole đồng).
    pub per_unit: i64,
    /// This source's part of `units × per_unit`.
    pub amount: i64,
}

/// A budget forecast: lines per policy, year and funding source, and the unconfirmed points behind them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Forecast {
    pub lines: Vec<Line>,
    /// Per policy: the caveats its amounts depend on.
    pub caveats: BTreeMap<String, Vec<Caveat>>,
    /// Policies left out, with the reason (no planning count, not in force…).
    pub skipped: Vec<(String, String)>,
}

impl Forecast {
    pub fn total(&self) -> i128 {
        self.lines.iter().map(|l| i128::from(l.amount)).sum()
    }
    fn group<K: Ord>(&self, key: impl Fn(&Line) -> K) -> BTreeMap<K, i128> {
        let mut m = BTreeMap::new();
        for l in &self.lines {
            *m.entry(key(l)).or_insert(0) += i128::from(l.amount);
        }
        m
    }
    pub fn by_year(&self) -> BTreeMap<i32, i128> {
        self.group(|l| l.year)
    }
    pub fn by_source(&self) -> BTreeMap<String, i128> {
        self.group(|l| l.source.clone())
    }
    pub fn by_policy(&self) -> BTreeMap<String, i128> {
        self.group(|l| l.policy.clone())
    }
    pub fn by_year_source(&self) -> BTreeMap<(i32, String), i128> {
        self.group(|l| (l.year, l.source.clone()))
    }
    /// Per policy, per year: the pivot a forecast is printed as.
    pub fn by_policy_year(&self) -> BTreeMap<String, BTreeMap<i32, i128>> {
        let mut m: BTreeMap<String, BTreeMap<i32, i128>> = BTreeMap::new();
        for ((policy, year), amount) in self.group(|l| (l.policy.clone(), l.year)) {
            m.entry(policy).or_default().insert(year, amount);
        }
        m
    }
}

/// Forecasts every selected policy that has a planning count, per year and funding source.
pub fn forecast(set: &PolicySet, inputs: &Inputs) -> Result<Forecast, String> {
    let mut out = Forecast::default();
    for p in set.all() {
        if let Some(only) = &inputs.policies
            && !only.contains(&p.id)
        {
            continue;
        }
        if let (Some(j), Some(pj)) = (&inputs.jurisdiction, &p.jurisdiction)
            && j != pj
        {
            out.skipped
                .push((p.id.clone(), format!("belongs to jurisdiction {pj}")));
            continue;
        }
        let Some(key) = &p.counts else {
            out.skipped.push((p.id.clone(), "no planning count".into()));
            continue;
        };
        let Some(counts) = inputs.counts.get(key) else {
            out.skipped
                .push((p.id.clone(), format!("no input count `{key}`")));
            continue;
        };
        let mut cav = Vec::new();
        let mut any = false;
        for &y in &inputs.years {
            let units = counts.get(&y).copied().unwrap_or(0);
            let ya = p.amount_in_year(&set.refs, y, &inputs.overrides)?;
            if ya.vnd == 0 && ya.months.is_empty() {
                continue; // not in force that year
            }
            any = true;
            for c in ya.caveats {
                push_caveat(&mut cav, c);
            }
            let total = i64::try_from(i128::from(units) * i128::from(ya.vnd)).map_err(|_| {
                format!(
                    "policy `{}`, {y}: {units} × {} does not fit in 64 bits",
                    p.id, ya.vnd
                )
            })?;
            for (source, amount) in p.split(total) {
                out.lines.push(Line {
                    policy: p.id.clone(),
                    year: y,
                    source,
                    units,
                    per_unit: ya.vnd,
                    amount,
                });
            }
        }
        if !any {
            out.skipped
                .push((p.id.clone(), "not in force in these years".into()));
        }
        if !cav.is_empty() {
            out.caveats.insert(p.id.clone(), cav);
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------ planning file

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InputsFile {
    years: Spanned<Vec<i32>>,
    jurisdiction: Option<String>,
    #[serde(default)]
    counts: BTreeMap<String, Spanned<CountFile>>,
    #[serde(default)]
    parameters: BTreeMap<String, Spanned<toml::Value>>,
    policies: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountFile {
    start: Option<i64>,
    base: Option<i64>,
    reductions: Option<Vec<Spanned<toml::Value>>>,
    rounding: Option<Spanned<String>>,
    values: Option<Vec<i64>>,
}

/// Reads a planning-inputs file (see the module documentation).
pub fn load_inputs(file: &str, src: &str) -> Result<Inputs, Vec<FileError>> {
    let o = Origin { file, src };
    let f: InputsFile = toml::from_str(src).map_err(|e| vec![o.syntax("POL_SYNTAX", &e)])?;
    let mut errors = Vec::new();
    let years = f.years.get_ref().clone();
    if years.is_empty() || years.windows(2).any(|w| w[1] != w[0] + 1) {
        errors.push(o.err(
            Some(f.years.span().start),
            "POL_VALUE",
            "`years` lists consecutive years",
        ));
    }
    let first = years.first().copied().unwrap_or(0);
    let mut inputs = Inputs {
        years: years.clone(),
        jurisdiction: f.jurisdiction,
        policies: f.policies,
        ..Inputs::default()
    };
    for (k, v) in &f.parameters {
        match exact_of(o, v, "POL_VALUE") {
            Ok(x) => {
                inputs.overrides.insert(k.clone(), x);
            }
            Err(e) => errors.push(e),
        }
    }
    for (key, c) in &f.counts {
        let at = Some(c.span().start);
        let c = c.get_ref();
        if !is_ident(key) {
            errors.push(o.err(
                at,
                "POL_VALUE",
                format!("count `{key}`: use lower_snake_case"),
            ));
        }
        let per_year: BTreeMap<i32, i64> = match (&c.values, c.start, &c.reductions) {
            (Some(v), None, None) => {
                if v.len() != years.len() {
                    errors.push(o.err(
                        at,
                        "POL_VALUE",
                        format!("count `{key}`: give one value per year ({})", years.len()),
                    ));
                    continue;
                }
                years.iter().copied().zip(v.iter().copied()).collect()
            }
            (None, Some(start), Some(red)) => {
                let mut targets = Vec::new();
                for r in red {
                    let t = match r.get_ref() {
                        toml::Value::Integer(i) => Some(Target::Count(*i)),
                        toml::Value::String(s) => Target::parse(s),
                        _ => None,
                    };
                    match t {
                        Some(t) => targets.push(t),
                        None => errors.push(o.err(
                            Some(r.span().start),
                            "POL_VALUE",
                            "a reduction is \"25%\", a whole number, \"0.5pt\" or \"to 1.39%\"",
                        )),
                    }
                }
                if red.len() != years.len() {
                    errors.push(o.err(
                        at,
                        "POL_VALUE",
                        format!(
                            "count `{key}`: give one reduction per year ({})",
                            years.len()
                        ),
                    ));
                    continue;
                }
                let rounding = match &c.rounding {
                    None => Rounding::HalfUp,
                    Some(r) => match Rounding::parse(r.get_ref()) {
                        Some(x) => x,
                        None => {
                            errors.push(o.err(
                                Some(r.span().start),
                                "POL_VALUE",
                                "rounding is half_up, half_even, ceil, floor or trunc",
                            ));
                            continue;
                        }
                    },
                };
                match project(first, start, c.base, &targets, rounding) {
                    Ok(p) => {
                        let m = p.iter().map(|y| (y.year, y.start)).collect();
                        inputs.projections.insert(key.clone(), p);
                        m
                    }
                    Err(e) => {
                        errors.push(o.err(at, "POL_VALUE", format!("count `{key}`: {e}")));
                        continue;
                    }
                }
            }
            _ => {
                errors.push(o.err(
                    at,
                    "POL_VALUE",
                    format!("count `{key}`: give either `values`, or `start` and `reductions`"),
                ));
                continue;
            }
        };
        inputs.counts.insert(key.clone(), per_year);
    }
    if errors.is_empty() {
        Ok(inputs)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hanoi_poor_households_under_ceiling_reductions() {
        let t: Vec<Target> = ["20%", "30%", "30%", "25%"]
            .iter()
            .map(|s| Target::parse(s).unwrap())
            .collect();
        let p = project(2022, 3612, None, &t, Rounding::Ceil).unwrap();
        let red: Vec<i64> = p.iter().map(|y| y.reduced).collect();
        assert_eq!(red, vec![723, 867, 607, 354]);
        assert_eq!(p[3].end, 1061);
    }

    #[test]
    fn rate_targets_need_a_base() {
        let p = project(
            2023,
            6271,
            Some(300_500),
            &[Target::parse("to 1.39%").unwrap()],
            Rounding::HalfUp,
        )
        .unwrap();
        assert_eq!(p[0].end, 4177);
        assert_eq!(p[0].end_rate, Exact::parse("1.39"));
        assert!(
            project(
                2023,
                10,
                None,
                &[Target::RatePoints(Exact::ONE)],
                Rounding::HalfUp
            )
            .is_err()
        );
    }
}

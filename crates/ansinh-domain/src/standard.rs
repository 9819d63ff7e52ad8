//! Poverty standards as data: the TOML file format, layering (a province on a national standard),
//! full validation with file/line/column errors, and the set of standards that picks the one in force.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use crate::compile::{self, Env, Ir};
use crate::eval::Lines;
use crate::expr;
use crate::file_error::{FileError, Origin};
use crate::schema::Level;

/// The household classes a rule can assign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Poor,
    NearPoor,
    /// Household with an average living standard (hộ có mức sống trung bình).
    Average,
    NotPoor,
}

impl Class {
    pub const ALL: [Class; 4] = [Class::Poor, Class::NearPoor, Class::Average, Class::NotPoor];
    pub fn code(self) -> &'static str {
        match self {
            Class::Poor => "poor",
            Class::NearPoor => "near_poor",
            Class::Average => "average",
            Class::NotPoor => "not_poor",
        }
    }
    pub fn vi(self) -> &'static str {
        match self {
            Class::Poor => "hộ nghèo",
            Class::NearPoor => "hộ cận nghèo",
            Class::Average => "hộ có mức sống trung bình",
            Class::NotPoor => "hộ không nghèo",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Class::Poor => "poor household",
            Class::NearPoor => "near-poor household",
            Class::Average => "household with an average living standard",
            Class::NotPoor => "not poor",
        }
    }
    pub fn parse(s: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.code() == s)
    }
}

/// An income line, per area, in VND per person per month.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    pub name: String,
    pub rural: i64,
    pub urban: i64,
    pub vi: String,
    pub en: String,
    pub unconfirmed: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Dimension {
    pub id: String,
    pub vi: String,
    pub en: String,
}

/// A deprivation indicator: the household is deprived when `ir` is true.
#[derive(Clone, Debug, PartialEq)]
pub struct Indicator {
    pub id: String,
    pub dimension: String,
    pub vi: String,
    pub en: String,
    /// Alkire-Foster weight in points (default 1: equal weights).
    pub weight: u32,
    pub deprived_when: String,
    pub ir: Ir,
    pub unconfirmed: Option<String>,
}

/// A classification rule; rules are tried in order and the first that holds decides the class.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub id: String,
    pub class: Class,
    pub when: String,
    pub ir: Ir,
    pub vi: String,
    pub en: String,
    pub unconfirmed: Option<String>,
}

/// A point of the standard not confirmed against the official text; every result that depends on it says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caveat {
    /// What it is about: `standard`, `threshold:NAME`, `indicator:ID` or `rule:ID`.
    pub subject: String,
    pub note: String,
}

/// A loaded, validated standard.
#[derive(Clone, Debug)]
pub struct Standard {
    pub id: String,
    pub extends: Option<String>,
    pub name_vi: String,
    pub name_en: String,
    pub legal_basis: String,
    /// `None` for a national standard, else the province code it belongs to.
    pub jurisdiction: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub thresholds: Vec<Threshold>,
    pub dimensions: Vec<Dimension>,
    pub indicators: Vec<Indicator>,
    pub rules: Vec<Rule>,
    pub caveats: Vec<Caveat>,
    /// The deprivation count the rules compare with (`deficit_cutoff` in the file), when declared.
    pub deficit_cutoff: Option<i64>,
    /// Indicators removed by a layer (`drop_indicators`), in the order given.
    pub dropped_indicators: Vec<String>,
    /// The file the standard was loaded from.
    pub file: String,
}

impl Standard {
    /// The income lines in the evaluator's form.
    pub fn lines(&self) -> Lines {
        Lines(self.thresholds.iter().map(|t| (t.rural, t.urban)).collect())
    }
    /// Caveats that apply to every result of this standard (the standard itself, its lines and rules).
    pub fn is_unconfirmed(&self) -> bool {
        !self.caveats.is_empty()
    }
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date <= to)
    }
    /// Every catalogue field a classification under this standard reads: the indicators' and rules' fields,
    /// the area when an income line is used, and the income (reported per capita).
    pub fn input_fields(&self) -> Vec<crate::schema::FieldId> {
        let mut f = Vec::new();
        for i in &self.indicators {
            i.ir.fields(&mut f);
        }
        let mut extra = Vec::new();
        for r in &self.rules {
            r.ir.fields(&mut f);
            if r.ir.uses_area() {
                extra.push("area");
            }
        }
        extra.push("monthly_income_vnd");
        for name in extra {
            if let Some(id) = crate::schema::field(name)
                && !f.contains(&id)
            {
                f.push(id);
            }
        }
        f
    }

    pub fn threshold(&self, name: &str) -> Option<&Threshold> {
        self.thresholds.iter().find(|t| t.name == name)
    }
}

// ------------------------------------------------------------------ file format

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Names {
    vi: String,
    en: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdFile {
    rural: i64,
    urban: i64,
    vi: String,
    en: String,
    #[serde(default)]
    unconfirmed: bool,
    note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DimensionFile {
    id: String,
    vi: String,
    en: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorFile {
    id: Spanned<String>,
    dimension: Spanned<String>,
    vi: String,
    en: String,
    weight: Option<u32>,
    deprived_when: Spanned<String>,
    #[serde(default)]
    unconfirmed: bool,
    note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    class: Spanned<String>,
    when: Spanned<String>,
    vi: String,
    en: String,
    #[serde(default)]
    unconfirmed: bool,
    note: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Definitions {
    #[serde(default)]
    household: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    member: BTreeMap<String, Spanned<String>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StandardFile {
    id: String,
    extends: Option<Spanned<String>>,
    name: Option<Names>,
    legal_basis: Option<String>,
    jurisdiction: Option<String>,
    valid_from: Option<Spanned<toml::value::Datetime>>,
    valid_to: Option<Spanned<toml::value::Datetime>>,
    #[serde(default)]
    unconfirmed: bool,
    note: Option<String>,
    #[serde(default)]
    thresholds: BTreeMap<String, ThresholdFile>,
    definitions: Option<Definitions>,
    dimensions: Option<Vec<DimensionFile>>,
    indicators: Option<Vec<IndicatorFile>>,
    rules: Option<Vec<RuleFile>>,
    /// Number of deprivations the rules call `deficit_cutoff` (inherited; a layer may change it).
    deficit_cutoff: Option<Spanned<i64>>,
    /// Indicators of the inherited set this layer removes (what-if scenarios).
    #[serde(default)]
    drop_indicators: Vec<Spanned<String>>,
}

fn date_of(origin: Origin, d: &Spanned<toml::value::Datetime>) -> Result<NaiveDate, FileError> {
    let bad = || {
        origin.err_vi(
            Some(d.span().start),
            "STD_TYPE",
            "cần một ngày, ví dụ 2022-01-01",
            "expected a date such as 2022-01-01",
        )
    };
    let date = d.get_ref().date.ok_or_else(bad)?;
    NaiveDate::from_ymd_opt(date.year as i32, date.month as u32, date.day as u32).ok_or_else(bad)
}

// ------------------------------------------------------------------ the set of standards

/// The set of loaded standards ("registry" means the households only).
#[derive(Clone, Debug, Default)]
pub struct StandardSet {
    standards: Vec<Standard>,
}

struct Parsed<'a> {
    origin: Origin<'a>,
    file: StandardFile,
}

impl StandardSet {
    /// Loads and validates a set of standard files `(file name, contents)`. Either every file loads, or
    /// nothing does and every problem found is returned.
    pub fn load(files: &[(String, String)]) -> Result<StandardSet, Vec<FileError>> {
        let mut errors = Vec::new();
        let mut parsed: Vec<Parsed> = Vec::new();
        for (name, src) in files {
            let origin = Origin { file: name, src };
            match toml::from_str::<StandardFile>(src) {
                Ok(file) => parsed.push(Parsed { origin, file }),
                Err(e) => errors.push(origin.err(
                    e.span().map(|s| s.start),
                    "STD_SYNTAX",
                    e.message().to_string(),
                )),
            }
        }
        let mut by_id: HashMap<&str, usize> = HashMap::new();
        for (i, p) in parsed.iter().enumerate() {
            if let Some(prev) = by_id.insert(p.file.id.as_str(), i) {
                errors.push(p.origin.err_vi(
                    None,
                    "STD_DUPLICATE",
                    format!(
                        "chuẩn nghèo `{}` đã được khai báo trong {}",
                        p.file.id, parsed[prev].origin.file
                    ),
                    format!(
                        "standard `{}` is also defined in {}",
                        p.file.id, parsed[prev].origin.file
                    ),
                ));
            }
        }
        let mut standards = Vec::new();
        for p in &parsed {
            // The chain from this file up to its root national standard.
            let mut chain = vec![p];
            let mut cur = p;
            let mut ok = true;
            while let Some(parent) = &cur.file.extends {
                match by_id.get(parent.get_ref().as_str()) {
                    Some(&j) if chain.iter().all(|c| c.file.id != parsed[j].file.id) => {
                        cur = &parsed[j];
                        chain.push(cur);
                    }
                    Some(_) => {
                        errors.push(cur.origin.err_vi(
                            Some(parent.span().start),
                            "STD_REF",
                            "các chuẩn nghèo kế thừa lẫn nhau thành vòng",
                            "standards extend each other in a cycle",
                        ));
                        ok = false;
                        break;
                    }
                    None => {
                        errors.push(cur.origin.err_vi(
                            Some(parent.span().start),
                            "STD_REF",
                            format!("kế thừa chuẩn nghèo không có `{}`", parent.get_ref()),
                            format!("extends unknown standard `{}`", parent.get_ref()),
                        ));
                        ok = false;
                        break;
                    }
                }
            }
            if !ok {
                continue;
            }
            match build(&chain) {
                Ok(s) => standards.push(s),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            standards.sort_by(|a, b| a.valid_from.cmp(&b.valid_from).then(a.id.cmp(&b.id)));
            Ok(StandardSet { standards })
        } else {
            Err(errors)
        }
    }

    pub fn all(&self) -> &[Standard] {
        &self.standards
    }

    pub fn get(&self, id: &str) -> Option<&Standard> {
        self.standards.iter().find(|s| s.id == id)
    }

    /// The standard in force on `date`: the province's own when `province` has one, else the national one.
    /// Benchmark-only standards (id starting with `bench`) are never chosen by date.
    pub fn in_force(&self, date: NaiveDate, province: Option<&str>) -> Option<&Standard> {
        let candidates = || {
            self.standards
                .iter()
                .filter(|s| s.in_force_on(date) && !s.id.starts_with("bench"))
        };
        if let Some(p) = province
            && let Some(s) = candidates().find(|s| s.jurisdiction.as_deref() == Some(p))
        {
            return Some(s);
        }
        candidates().find(|s| s.jurisdiction.is_none())
    }
}

/// Merges a layered chain (child first) and compiles it.
fn build(chain: &[&Parsed]) -> Result<Standard, Vec<FileError>> {
    let top = chain[0];
    let o = top.origin;
    let mut errors = Vec::new();
    // First value found walking from the child to the root.
    macro_rules! inherit {
        ($field:ident) => {
            chain
                .iter()
                .find_map(|p| p.file.$field.as_ref().map(|v| (p.origin, v)))
        };
    }
    let name = inherit!(name);
    let legal_basis = inherit!(legal_basis);
    let (Some((_, name)), Some((_, legal_basis))) = (name, legal_basis) else {
        return Err(vec![o.err_vi(
            None,
            "STD_MISSING",
            "chuẩn nghèo cần có `name.vi`, `name.en` và `legal_basis`",
            "a standard needs `name.vi`, `name.en` and `legal_basis`",
        )]);
    };
    let valid_from = match top
        .file
        .valid_from
        .as_ref()
        .or(inherit!(valid_from).map(|x| x.1))
    {
        Some(d) => date_of(o, d).map_err(|e| vec![e])?,
        None => {
            return Err(vec![o.err_vi(
                None,
                "STD_MISSING",
                "chuẩn nghèo cần có `valid_from` (ngày bắt đầu hiệu lực)",
                "a standard needs `valid_from`",
            )]);
        }
    };
    let valid_to = match top.file.valid_to.as_ref() {
        Some(d) => Some(date_of(o, d).map_err(|e| vec![e])?),
        None if top.file.valid_from.is_none() => match inherit!(valid_to) {
            Some((po, d)) => Some(date_of(po, d).map_err(|e| vec![e])?),
            None => None,
        },
        None => None,
    };
    if valid_to.is_some_and(|to| to < valid_from) {
        errors.push(o.err_vi(
            None,
            "STD_DATES",
            "`valid_to` (ngày hết hiệu lực) trước `valid_from` (ngày bắt đầu)",
            "`valid_to` is before `valid_from`",
        ));
    }

    let mut caveats = Vec::new();
    for p in chain {
        if p.file.unconfirmed {
            caveats.push(Caveat {
                subject: format!("standard:{}", p.file.id),
                note: p.file.note.clone().unwrap_or_else(|| "unconfirmed".into()),
            });
        }
    }

    // Thresholds: the root's, overridden name by name by each layer.
    let mut thr: BTreeMap<String, ThresholdFile> = BTreeMap::new();
    for p in chain.iter().rev() {
        for (k, v) in &p.file.thresholds {
            thr.insert(k.clone(), v.clone());
        }
    }
    let mut thresholds = Vec::new();
    for (name, t) in thr {
        if t.rural <= 0 || t.urban <= 0 {
            errors.push(o.err_vi(
                None,
                "STD_VALUE",
                format!("chuẩn thu nhập `{name}` phải là số dương"),
                format!("income line `{name}` must be positive"),
            ));
        }
        let unconfirmed = t
            .unconfirmed
            .then(|| t.note.clone().unwrap_or_else(|| "unconfirmed".into()));
        if let Some(n) = &unconfirmed {
            caveats.push(Caveat {
                subject: format!("threshold:{name}"),
                note: n.clone(),
            });
        }
        thresholds.push(Threshold {
            name,
            rural: t.rural,
            urban: t.urban,
            vi: t.vi,
            en: t.en,
            unconfirmed,
        });
    }

    // Sections replaced wholesale by the nearest layer that has them.
    let dims = inherit!(dimensions);
    let inds = inherit!(indicators);
    let rules = inherit!(rules);
    let (Some((_, dims)), Some((io, inds)), Some((ro, rules))) = (dims, inds, rules) else {
        return Err(vec![o.err_vi(
            None,
            "STD_MISSING",
            "chuẩn nghèo cần có `dimensions`, `indicators` và `rules` (hoặc `extends`)",
            "a standard needs `dimensions`, `indicators` and `rules` (or `extends`)",
        )]);
    };

    // Definitions: merged by name, child over parent; each keeps the file it came from.
    let mut defs_src: BTreeMap<String, (Level, Origin, &Spanned<String>)> = BTreeMap::new();
    for p in chain.iter().rev() {
        if let Some(d) = &p.file.definitions {
            for (k, v) in &d.household {
                defs_src.insert(k.clone(), (Level::Household, p.origin, v));
            }
            for (k, v) in &d.member {
                defs_src.insert(k.clone(), (Level::Member, p.origin, v));
            }
        }
    }
    let mut def_nodes = Vec::new();
    for (name, (level, origin, text)) in &defs_src {
        match expr::parse(text.get_ref()) {
            Ok(node) => def_nodes.push((name.clone(), *level, node)),
            Err(e) => errors.push(origin.err(
                Some(origin.inner_offset(text.span(), e.span.start)),
                "STD_EXPR",
                format!("definition `{name}`: {}", e.message),
            )),
        }
    }
    let deficit_cutoff = match inherit!(deficit_cutoff) {
        Some((po, v)) => {
            let k = *v.get_ref();
            if !(0..=32).contains(&k) {
                errors.push(po.err_vi(
                    Some(v.span().start),
                    "STD_VALUE",
                    "`deficit_cutoff` là số chỉ số thiếu hụt, từ 0 đến 32",
                    "`deficit_cutoff` is a number of indicators, from 0 to 32",
                ));
            }
            Some(k)
        }
        None => None,
    };
    let mut env = Env {
        deficit_cutoff,
        thresholds: thresholds.iter().map(|t| t.name.clone()).collect(),
        definitions: def_nodes
            .iter()
            .map(|(n, l, node)| (n.clone(), (*l, node)))
            .collect(),
        allow_deficits: false,
    };
    let compile_at = |env: &Env, origin: Origin, text: &Spanned<String>| -> Result<Ir, FileError> {
        expr::parse(text.get_ref())
            .and_then(|node| compile::compile_bool(&node, env))
            .map_err(|e| {
                origin.err(
                    Some(origin.inner_offset(text.span(), e.span.start)),
                    "STD_EXPR",
                    e.message,
                )
            })
    };

    let dimensions: Vec<Dimension> = dims
        .iter()
        .map(|d| Dimension {
            id: d.id.clone(),
            vi: d.vi.clone(),
            en: d.en.clone(),
        })
        .collect();
    // Indicators dropped by a layer: every name must be an indicator of the set it inherits.
    let mut dropped: Vec<String> = Vec::new();
    for p in chain.iter().rev() {
        for d in &p.file.drop_indicators {
            let id = d.get_ref();
            if !inds.iter().any(|i| i.id.get_ref() == id) {
                let known: Vec<&str> = inds.iter().map(|i| i.id.get_ref().as_str()).collect();
                errors.push(p.origin.err_vi(
                    Some(d.span().start),
                    "STD_REF",
                    format!(
                        "`drop_indicators` nêu chỉ số không có `{id}` (các chỉ số: {})",
                        known.join(", ")
                    ),
                    format!(
                        "`drop_indicators` names unknown indicator `{id}` (known: {})",
                        known.join(", ")
                    ),
                ));
            } else if !dropped.contains(id) {
                dropped.push(id.clone());
            }
        }
    }
    let mut indicators = Vec::new();
    for i in inds {
        if dropped.contains(i.id.get_ref()) {
            continue;
        }
        if !dimensions.iter().any(|d| d.id == *i.dimension.get_ref()) {
            errors.push(io.err_vi(
                Some(i.dimension.span().start),
                "STD_REF",
                format!(
                    "chỉ số `{}` thuộc chiều không có `{}`",
                    i.id.get_ref(),
                    i.dimension.get_ref()
                ),
                format!(
                    "indicator `{}` names unknown dimension `{}`",
                    i.id.get_ref(),
                    i.dimension.get_ref()
                ),
            ));
        }
        if indicators
            .iter()
            .any(|x: &Indicator| x.id == *i.id.get_ref())
        {
            errors.push(io.err_vi(
                Some(i.id.span().start),
                "STD_DUPLICATE",
                format!("chỉ số `{}` được khai báo hai lần", i.id.get_ref()),
                format!("indicator `{}` is declared twice", i.id.get_ref()),
            ));
        }
        if i.weight == Some(0) {
            errors.push(io.err_vi(
                Some(i.id.span().start),
                "STD_VALUE",
                "trọng số của chỉ số phải từ 1 trở lên",
                "an indicator weight must be at least 1",
            ));
        }
        let unconfirmed = i
            .unconfirmed
            .then(|| i.note.clone().unwrap_or_else(|| "unconfirmed".into()));
        if let Some(n) = &unconfirmed {
            caveats.push(Caveat {
                subject: format!("indicator:{}", i.id.get_ref()),
                note: n.clone(),
            });
        }
        match compile_at(&env, io, &i.deprived_when) {
            Ok(ir) => indicators.push(Indicator {
                id: i.id.get_ref().clone(),
                dimension: i.dimension.get_ref().clone(),
                vi: i.vi.clone(),
                en: i.en.clone(),
                weight: i.weight.unwrap_or(1),
                deprived_when: i.deprived_when.get_ref().clone(),
                ir,
                unconfirmed,
            }),
            Err(e) => errors.push(e),
        }
    }
    if inds.len() == dropped.len() || inds.len() > 32 {
        errors.push(io.err_vi(
            None,
            "STD_VALUE",
            "chuẩn nghèo có từ 1 đến 32 chỉ số",
            "a standard has between 1 and 32 indicators",
        ));
    }

    env.allow_deficits = true;
    let mut out_rules = Vec::new();
    for r in rules {
        let Some(class) = Class::parse(r.class.get_ref()) else {
            errors.push(ro.err_vi(
                Some(r.class.span().start),
                "STD_REF",
                format!(
                    "loại hộ không có `{}` (các loại: poor, near_poor, average, not_poor)",
                    r.class.get_ref()
                ),
                format!(
                    "unknown class `{}` (known: poor, near_poor, average, not_poor)",
                    r.class.get_ref()
                ),
            ));
            continue;
        };
        let unconfirmed = r
            .unconfirmed
            .then(|| r.note.clone().unwrap_or_else(|| "unconfirmed".into()));
        if let Some(n) = &unconfirmed {
            caveats.push(Caveat {
                subject: format!("rule:{}", r.id),
                note: n.clone(),
            });
        }
        match compile_at(&env, ro, &r.when) {
            Ok(ir) => out_rules.push(Rule {
                id: r.id.clone(),
                class,
                when: r.when.get_ref().clone(),
                ir,
                vi: r.vi.clone(),
                en: r.en.clone(),
                unconfirmed,
            }),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() && out_rules.last().is_none_or(|r| r.ir != Ir::BConst(true)) {
        // Point at the `when` of the last rule (no position when there are no rules at all).
        let at = rules.last().map(|r| r.when.span().start);
        errors.push(ro.err_vi(
            at,
            "STD_RULES",
            "quy tắc phân loại cuối cùng phải là `when = \"true\"` để hộ nào cũng được xếp loại",
            "the last classification rule must be `when = \"true\"` so every household gets a class",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Standard {
        id: top.file.id.clone(),
        extends: top.file.extends.as_ref().map(|e| e.get_ref().clone()),
        name_vi: name.vi.clone(),
        name_en: name.en.clone(),
        legal_basis: legal_basis.clone(),
        jurisdiction: top.file.jurisdiction.clone(),
        valid_from,
        valid_to,
        thresholds,
        dimensions,
        indicators,
        rules: out_rules,
        caveats,
        deficit_cutoff,
        dropped_indicators: dropped,
        file: o.file.to_string(),
    })
}

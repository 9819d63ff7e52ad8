//! The review forms and their scoring (Circular 07/2021/TT-BLĐTBXH): the quick screening form (Phiếu A),
//! score A (income proxy: a constant per region plus points per answer, by region) and score B
//! (deprivation: points per deprived indicator), and the classification by scores (standards.md §8.4).
//!
//! Point tables are data (`scoring/*.toml`). The official tables are not confirmed, so ansinh ships a
//! placeholder marked `placeholder = true`, and every score computed from it says so; a province loads
//! its own tables (same shape, `jurisdiction = "NN"`), which replace the national ones for its communes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use toml::Spanned;

use super::{Caveat, ReviewError};
use crate::file_error::{FileError, Origin};
use crate::registry::Area;
use crate::standard::{Class, Standard};

const CODE: &str = "SCORE_TABLE";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub id: String,
    pub area: Area,
    pub vi: String,
    pub en: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerOption {
    pub id: String,
    pub vi: String,
    pub en: String,
    /// Points by region id (every region has a value).
    pub points: BTreeMap<String, i32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Characteristic {
    pub id: String,
    pub vi: String,
    pub en: String,
    pub options: Vec<AnswerOption>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Criterion {
    pub id: String,
    pub vi: String,
    pub en: String,
}

/// The quick screening form: a household meeting at least `exclude_at` criteria is not reviewed further.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuickScreenDef {
    pub exclude_at: u32,
    pub criteria: Vec<Criterion>,
}

/// A score cut-off per area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerArea {
    pub rural: i32,
    pub urban: i32,
}

impl PerArea {
    pub fn of(self, area: Area) -> i32 {
        match area {
            Area::Rural => self.rural,
            Area::Urban => self.urban,
        }
    }
}

/// The scoring tables of one standard (national, or one province's).
#[derive(Clone, Debug, PartialEq)]
pub struct ScoringTables {
    pub id: String,
    pub standard: String,
    pub name_vi: String,
    pub name_en: String,
    pub legal_basis: String,
    pub jurisdiction: Option<String>,
    /// The point values are not the official ones.
    pub placeholder: bool,
    /// Poor when A is at most this line (and B at least `deprivation_min`), near-poor when B is lower.
    pub income_line: PerArea,
    /// 2016-2020 only: poor by income alone when A is at most this.
    pub income_only_line: Option<PerArea>,
    pub deprivation_min: i32,
    pub points_per_indicator: i32,
    pub regions: Vec<Region>,
    pub base: BTreeMap<String, i32>,
    pub characteristics: Vec<Characteristic>,
    pub quick_screen: Option<QuickScreenDef>,
    pub caveats: Vec<Caveat>,
    pub file: String,
}

/// Answers of the income part of the review form: the region, and one option per characteristic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IncomeForm {
    pub region: String,
    pub answers: BTreeMap<String, String>,
}

/// The deprivation part: deprived or not, per indicator of the standard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeprivationForm {
    pub deprived: BTreeMap<String, bool>,
}

/// The criteria of the quick screening form the household meets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuickScreen {
    pub met: Vec<String>,
}

/// One line of score A.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreLine {
    pub characteristic: String,
    pub option: String,
    pub vi: String,
    pub en: String,
    pub points: i32,
}

/// A household's scores and the class they give, with the reasoning.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreResult {
    pub tables: String,
    pub standard: String,
    pub region: String,
    pub area: Area,
    pub base: i32,
    pub lines: Vec<ScoreLine>,
    pub score_a: i32,
    pub deprived: Vec<String>,
    pub score_b: i32,
    pub class: Class,
    /// `poor`, `poor_income`, `poor_deprivation`, `near_poor` or `above_line`.
    pub path: &'static str,
    pub text_vi: String,
    pub text_en: String,
    pub caveats: Vec<Caveat>,
}

/// The result of the quick screening form.
#[derive(Clone, Debug, PartialEq)]
pub struct QuickResult {
    pub met: usize,
    pub exclude_at: u32,
    /// Not reviewed further: the household meets enough criteria.
    pub excluded: bool,
    pub caveats: Vec<Caveat>,
}

impl ScoringTables {
    /// The class from the scores (standards.md §8.4): `(class, path)`.
    pub fn classify(&self, area: Area, a: i32, b: i32) -> (Class, &'static str) {
        if let Some(only) = self.income_only_line
            && a <= only.of(area)
        {
            return (Class::Poor, "poor_income");
        }
        if a <= self.income_line.of(area) {
            if b >= self.deprivation_min {
                let path = if self.income_only_line.is_some() {
                    "poor_deprivation"
                } else {
                    "poor"
                };
                (Class::Poor, path)
            } else {
                (Class::NearPoor, "near_poor")
            }
        } else {
            (Class::NotPoor, "above_line")
        }
    }

    pub fn region(&self, id: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.id == id)
    }

    /// Score A of the income form.
    pub fn score_a(&self, form: &IncomeForm) -> Result<(i32, i32, Vec<ScoreLine>), ReviewError> {
        let Some(region) = self.region(&form.region) else {
            return Err(ReviewError::UnknownRegion {
                region: form.region.clone(),
            });
        };
        for k in form.answers.keys() {
            if !self.characteristics.iter().any(|c| &c.id == k) {
                return Err(ReviewError::UnknownAnswer {
                    what: "characteristic",
                    id: k.clone(),
                });
            }
        }
        let missing: Vec<String> = self
            .characteristics
            .iter()
            .filter(|c| !form.answers.contains_key(&c.id))
            .map(|c| c.id.clone())
            .collect();
        if !missing.is_empty() {
            return Err(ReviewError::MissingAnswer { missing });
        }
        let base = self.base.get(&region.id).copied().unwrap_or(0);
        let mut total = base;
        let mut lines = Vec::new();
        for c in &self.characteristics {
            let answer = form.answers.get(&c.id).map(String::as_str).unwrap_or("");
            let Some(o) = c.options.iter().find(|o| o.id == answer) else {
                return Err(ReviewError::UnknownAnswer {
                    what: "option",
                    id: format!("{}={answer}", c.id),
                });
            };
            let points = o.points.get(&region.id).copied().unwrap_or(0);
            total += points;
            lines.push(ScoreLine {
                characteristic: c.id.clone(),
                option: o.id.clone(),
                vi: format!("{}: {}", c.vi, o.vi),
                en: format!("{}: {}", c.en, o.en),
                points,
            });
        }
        Ok((base, total, lines))
    }

    /// Score B of the deprivation form, checked against the standard's indicators.
    pub fn score_b(
        &self,
        std: &Standard,
        form: &DeprivationForm,
    ) -> Result<(i32, Vec<String>), ReviewError> {
        for k in form.deprived.keys() {
            if !std.indicators.iter().any(|i| &i.id == k) {
                return Err(ReviewError::UnknownAnswer {
                    what: "indicator",
                    id: k.clone(),
                });
            }
        }
        let missing: Vec<String> = std
            .indicators
            .iter()
            .filter(|i| !form.deprived.contains_key(&i.id))
            .map(|i| i.id.clone())
            .collect();
        if !missing.is_empty() {
            return Err(ReviewError::MissingAnswer { missing });
        }
        let deprived: Vec<String> = std
            .indicators
            .iter()
            .filter(|i| form.deprived.get(&i.id) == Some(&true))
            .map(|i| i.id.clone())
            .collect();
        let b = self.points_per_indicator * deprived.len() as i32;
        Ok((b, deprived))
    }

    /// Scores a household's review form and classifies it, with the reasoning in both languages.
    pub fn score(
        &self,
        std: &Standard,
        income: &IncomeForm,
        deprivation: &DeprivationForm,
    ) -> Result<ScoreResult, ReviewError> {
        if std.id != self.standard {
            return Err(ReviewError::NoTables {
                standard: std.id.clone(),
            });
        }
        let (base, a, lines) = self.score_a(income)?;
        let (b, deprived) = self.score_b(std, deprivation)?;
        let region =
            self.region(&income.region)
                .cloned()
                .ok_or_else(|| ReviewError::UnknownRegion {
                    region: income.region.clone(),
                })?;
        let (class, path) = self.classify(region.area, a, b);
        let line = self.income_line.of(region.area);
        let (area_vi, area_en) = (region.area.vi(), region.area.en());
        let min = self.deprivation_min;
        let (why_vi, why_en) = match path {
            "poor_income" => {
                let only = self.income_only_line.map_or(0, |o| o.of(region.area));
                (
                    format!("điểm A = {a} ≤ {only} ({area_vi})"),
                    format!("score A = {a} ≤ {only} ({area_en})"),
                )
            }
            "above_line" => (
                format!("điểm A = {a} > {line} ({area_vi})"),
                format!("score A = {a} > {line} ({area_en})"),
            ),
            "near_poor" => (
                format!("điểm A = {a} ≤ {line} ({area_vi}) và điểm B = {b} < {min}"),
                format!("score A = {a} ≤ {line} ({area_en}) and score B = {b} < {min}"),
            ),
            _ => (
                format!("điểm A = {a} ≤ {line} ({area_vi}) và điểm B = {b} ≥ {min}"),
                format!("score A = {a} ≤ {line} ({area_en}) and score B = {b} ≥ {min}"),
            ),
        };
        let mark_vi = if self.placeholder {
            " [BẢNG ĐIỂM TẠM, CHƯA CHÍNH THỨC]"
        } else {
            ""
        };
        let mark_en = if self.placeholder {
            " [PLACEHOLDER POINT TABLES, NOT OFFICIAL]"
        } else {
            ""
        };
        Ok(ScoreResult {
            tables: self.id.clone(),
            standard: self.standard.clone(),
            region: region.id.clone(),
            area: region.area,
            base,
            lines,
            score_a: a,
            score_b: b,
            deprived,
            class,
            path,
            text_vi: format!("{why_vi}: {}.{mark_vi}", class.vi()),
            text_en: format!("{why_en}: {}.{mark_en}", class.en()),
            caveats: self.caveats.clone(),
        })
    }

    /// The quick screening form's result.
    pub fn quick_screen(&self, form: &QuickScreen) -> Result<QuickResult, ReviewError> {
        let Some(q) = &self.quick_screen else {
            return Err(ReviewError::NoTables {
                standard: format!("{} (quick screen)", self.standard),
            });
        };
        let mut seen = BTreeSet::new();
        for m in &form.met {
            if !q.criteria.iter().any(|c| &c.id == m) {
                return Err(ReviewError::UnknownAnswer {
                    what: "criterion",
                    id: m.clone(),
                });
            }
            seen.insert(m.as_str());
        }
        Ok(QuickResult {
            met: seen.len(),
            exclude_at: q.exclude_at,
            excluded: seen.len() as u32 >= q.exclude_at,
            caveats: self.caveats.clone(),
        })
    }
}

// ------------------------------------------------------------------ file format

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Names {
    vi: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PerAreaFile {
    rural: i32,
    urban: i32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassificationFile {
    income_line: PerAreaFile,
    income_only_line: Option<PerAreaFile>,
    deprivation_min: i32,
    points_per_indicator: i32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionFile {
    id: Spanned<String>,
    area: Spanned<String>,
    vi: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PointsFile {
    All(i32),
    ByRegion(BTreeMap<String, i32>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionFile {
    id: String,
    vi: String,
    en: String,
    points: Spanned<PointsFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CharacteristicFile {
    id: Spanned<String>,
    vi: String,
    en: String,
    options: Vec<OptionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CriterionFile {
    id: String,
    vi: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuickScreenFile {
    exclude_at: u32,
    criteria: Vec<CriterionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TablesFile {
    id: String,
    standard: String,
    name: Names,
    legal_basis: String,
    jurisdiction: Option<String>,
    #[serde(default)]
    placeholder: bool,
    note: Option<String>,
    classification: ClassificationFile,
    regions: Vec<RegionFile>,
    base: Spanned<BTreeMap<String, i32>>,
    characteristics: Vec<CharacteristicFile>,
    quick_screen: Option<QuickScreenFile>,
}

fn build(file: &str, src: &str) -> Result<ScoringTables, Vec<FileError>> {
    let o = Origin { file, src };
    let f: TablesFile = toml::from_str(src).map_err(|e| vec![o.syntax(CODE, &e)])?;
    let err = |offset: Option<usize>, msg: String| o.err(offset, CODE, msg);
    let mut errors = Vec::new();
    let mut regions: Vec<Region> = Vec::new();
    for r in &f.regions {
        let area = match r.area.get_ref().as_str() {
            "rural" => Area::Rural,
            "urban" => Area::Urban,
            other => {
                errors.push(err(
                    Some(r.area.span().start),
                    format!("area `{other}` is not `rural` or `urban`"),
                ));
                Area::Rural
            }
        };
        if regions.iter().any(|x| x.id == *r.id.get_ref()) {
            errors.push(err(
                Some(r.id.span().start),
                format!("region `{}` is declared twice", r.id.get_ref()),
            ));
        }
        regions.push(Region {
            id: r.id.get_ref().clone(),
            area,
            vi: r.vi.clone(),
            en: r.en.clone(),
        });
    }
    if regions.is_empty() {
        errors.push(err(None, "the tables need at least one region".into()));
    }
    let ids: BTreeSet<&str> = regions.iter().map(|r| r.id.as_str()).collect();
    let cover = |m: &BTreeMap<String, i32>| -> Option<String> {
        let keys: BTreeSet<&str> = m.keys().map(String::as_str).collect();
        if keys == ids {
            None
        } else {
            let missing: Vec<&str> = ids.difference(&keys).copied().collect();
            let extra: Vec<&str> = keys.difference(&ids).copied().collect();
            Some(format!(
                "points must be given for every region (missing: [{}], unknown: [{}])",
                missing.join(", "),
                extra.join(", ")
            ))
        }
    };
    if let Some(m) = cover(f.base.get_ref()) {
        errors.push(err(Some(f.base.span().start), format!("base: {m}")));
    }
    let mut characteristics: Vec<Characteristic> = Vec::new();
    for c in f.characteristics {
        if characteristics.iter().any(|x| x.id == *c.id.get_ref()) {
            errors.push(err(
                Some(c.id.span().start),
                format!("characteristic `{}` is declared twice", c.id.get_ref()),
            ));
        }
        if c.options.is_empty() {
            errors.push(err(
                Some(c.id.span().start),
                format!("characteristic `{}` has no options", c.id.get_ref()),
            ));
        }
        let mut options: Vec<AnswerOption> = Vec::new();
        for o in c.options {
            let span = o.points.span().start;
            let points = match o.points.into_inner() {
                PointsFile::All(p) => ids.iter().map(|r| (r.to_string(), p)).collect(),
                PointsFile::ByRegion(m) => {
                    if let Some(msg) = cover(&m) {
                        errors.push(err(
                            Some(span),
                            format!("{}={}: {msg}", c.id.get_ref(), o.id),
                        ));
                    }
                    m
                }
            };
            if options.iter().any(|x| x.id == o.id) {
                errors.push(err(
                    Some(span),
                    format!(
                        "option `{}` of `{}` is declared twice",
                        o.id,
                        c.id.get_ref()
                    ),
                ));
            }
            options.push(AnswerOption {
                id: o.id,
                vi: o.vi,
                en: o.en,
                points,
            });
        }
        characteristics.push(Characteristic {
            id: c.id.into_inner(),
            vi: c.vi,
            en: c.en,
            options,
        });
    }
    let cl = &f.classification;
    if cl.points_per_indicator <= 0 {
        errors.push(err(None, "points_per_indicator must be positive".into()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut caveats = Vec::new();
    if f.placeholder {
        caveats.push(Caveat {
            subject: format!("scoring:{}", f.id),
            note: f
                .note
                .clone()
                .unwrap_or_else(|| "placeholder point tables, not the official ones".into()),
        });
    }
    Ok(ScoringTables {
        id: f.id,
        standard: f.standard,
        name_vi: f.name.vi,
        name_en: f.name.en,
        legal_basis: f.legal_basis,
        jurisdiction: f.jurisdiction,
        placeholder: f.placeholder,
        income_line: PerArea {
            rural: cl.income_line.rural,
            urban: cl.income_line.urban,
        },
        income_only_line: cl.income_only_line.as_ref().map(|p| PerArea {
            rural: p.rural,
            urban: p.urban,
        }),
        deprivation_min: cl.deprivation_min,
        points_per_indicator: cl.points_per_indicator,
        regions,
        base: f.base.into_inner(),
        characteristics,
        quick_screen: f.quick_screen.map(|q| QuickScreenDef {
            exclude_at: q.exclude_at,
            criteria: q
                .criteria
                .into_iter()
                .map(|c| Criterion {
                    id: c.id,
                    vi: c.vi,
                    en: c.en,
                })
                .collect(),
        }),
        caveats,
        file: file.to_string(),
    })
}

/// Every loaded set of scoring tables.
#[derive(Clone, Debug, Default)]
pub struct ScoringSet {
    tables: Vec<ScoringTables>,
}

impl ScoringSet {
    /// Loads `(file name, contents)`: every file loads, or nothing does and every problem is returned.
    pub fn load(files: &[(String, String)]) -> Result<ScoringSet, Vec<FileError>> {
        let mut errors = Vec::new();
        let mut tables: Vec<ScoringTables> = Vec::new();
        for (name, src) in files {
            match build(name, src) {
                Ok(t) => {
                    if tables.iter().any(|x| {
                        x.id == t.id
                            || (x.standard == t.standard && x.jurisdiction == t.jurisdiction)
                    }) {
                        errors.push(FileError::new(
                            name.as_str(),
                            CODE,
                            format!(
                                "tables `{}` repeat an id, or a standard and jurisdiction already loaded",
                                t.id
                            ),
                        ));
                    }
                    tables.push(t);
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(ScoringSet { tables })
        } else {
            Err(errors)
        }
    }

    /// Adds a province's own tables (replacing any it had for the same standard); the set is unchanged
    /// when the file fails to load.
    pub fn with_file(&self, name: &str, src: &str) -> Result<ScoringSet, Vec<FileError>> {
        let t = build(name, src)?;
        let mut out = self.clone();
        out.tables
            .retain(|x| !(x.standard == t.standard && x.jurisdiction == t.jurisdiction));
        out.tables.push(t);
        Ok(out)
    }

    pub fn all(&self) -> &[ScoringTables] {
        &self.tables
    }

    /// The tables for a standard: the province's own when it has them, else the national ones.
    pub fn for_standard(
        &self,
        standard: &str,
        province: Option<&str>,
    ) -> Result<&ScoringTables, ReviewError> {
        let of = |t: &&ScoringTables| t.standard == standard;
        province
            .and_then(|p| {
                self.tables
                    .iter()
                    .filter(of)
                    .find(|t| t.jurisdiction.as_deref() == Some(p))
            })
            .or_else(|| {
                self.tables
                    .iter()
                    .filter(of)
                    .find(|t| t.jurisdiction.is_none())
            })
            .ok_or_else(|| ReviewError::NoTables {
                standard: standard.to_string(),
            })
    }
}

//! Classification: all households of a batch at once (vectorised, in parallel chunks), and one household
//! with its full explanation. Both run the same evaluator over the same compiled standard.

use rayon::prelude::*;

use crate::columnar::{Batch, Column, TRUE, UNKNOWN};
use crate::compile::Ir;
use crate::eval::{Chunk, IV};
use crate::schema::{self, FieldId, Level};
use crate::standard::{Class, Standard};

/// Class code of a household whose class cannot be decided because data is missing.
pub const INCOMPLETE: u8 = u8::MAX;

/// Households per evaluation chunk (fits the intermediate columns in cache).
const CHUNK: usize = 1024;

/// Per-household results, one entry per household of the batch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    pub n: Vec<u32>,
    /// Household income divided by size; NaN when the income is not recorded.
    pub income_per_capita: Vec<f64>,
    /// Bit `i` set: deprived on indicator `i`.
    pub deficit_mask: Vec<u32>,
    /// Bit `i` set: indicator `i` cannot be decided (data missing).
    pub unknown_mask: Vec<u32>,
    /// Number of indicators known to be deprived.
    pub deficit_count: Vec<u8>,
    /// Index into [`Class::ALL`], or [`INCOMPLETE`].
    pub class: Vec<u8>,
}

impl Results {
    pub fn len(&self) -> usize {
        self.class.len()
    }
    pub fn is_empty(&self) -> bool {
        self.class.is_empty()
    }
    pub fn class_of(&self, i: usize) -> Option<Class> {
        Class::ALL.get(self.class[i] as usize).copied()
    }
    fn append(&mut self, mut o: Results) {
        self.n.append(&mut o.n);
        self.income_per_capita.append(&mut o.income_per_capita);
        self.deficit_mask.append(&mut o.deficit_mask);
        self.unknown_mask.append(&mut o.unknown_mask);
        self.deficit_count.append(&mut o.deficit_count);
        self.class.append(&mut o.class);
    }
}

fn area_codes(batch: &Batch) -> Option<&[u8]> {
    match schema::field("area").and_then(|f| batch.column(f)) {
        Some(Column::Enum(v)) => Some(v),
        _ => None,
    }
}

fn income_column(batch: &Batch) -> Option<&Column> {
    schema::field("monthly_income_vnd").and_then(|f| batch.column(f))
}

/// Classifies every household of the batch.
pub fn classify(std: &Standard, batch: &Batch) -> Results {
    let h = batch.households();
    let starts: Vec<usize> = (0..h).step_by(CHUNK).collect();
    let parts: Vec<Results> = starts
        .par_iter()
        .map(|&h0| classify_chunk(std, batch, h0, (h0 + CHUNK).min(h)).0)
        .collect();
    let mut out = Results::default();
    for p in parts {
        out.append(p);
    }
    out
}

/// Indicator values (three-valued) of a chunk, then rules; returns results and the per-indicator values.
pub(crate) fn classify_chunk(
    std: &Standard,
    batch: &Batch,
    h0: usize,
    h1: usize,
) -> (Results, Vec<Vec<u8>>) {
    let lines = std.lines();
    let mut chunk = Chunk::new(batch, h0, h1, &lines, area_codes(batch));
    let len = h1 - h0;
    let mut mask = vec![0u32; len];
    let mut unknown = vec![0u32; len];
    let mut values = Vec::with_capacity(std.indicators.len());
    for (bit, ind) in std.indicators.iter().enumerate() {
        let v = chunk.eval_b(&ind.ir, Level::Household);
        for j in 0..len {
            mask[j] |= ((v[j] == TRUE) as u32) << bit;
            unknown[j] |= ((v[j] == UNKNOWN) as u32) << bit;
        }
        values.push(v);
    }
    let count: Vec<u8> = mask.iter().map(|m| m.count_ones() as u8).collect();
    let lo: Vec<i64> = count.iter().map(|&c| c as i64).collect();
    let hi = if unknown.iter().any(|&u| u != 0) {
        Some(
            lo.iter()
                .zip(&unknown)
                .map(|(l, u)| l + u.count_ones() as i64)
                .collect(),
        )
    } else {
        None
    };
    chunk.deficits = Some(IV { lo, hi });
    let mut class = vec![INCOMPLETE; len];
    let mut open = vec![true; len];
    for rule in &std.rules {
        let code = Class::ALL
            .iter()
            .position(|c| *c == rule.class)
            .unwrap_or(0) as u8;
        let v = chunk.eval_b(&rule.ir, Level::Household);
        for j in 0..len {
            if open[j] {
                match v[j] {
                    TRUE => {
                        class[j] = code;
                        open[j] = false;
                    }
                    UNKNOWN => open[j] = false, // undecided: stays INCOMPLETE
                    _ => {}
                }
            }
        }
    }
    let n: Vec<u32> = chunk.n.iter().map(|&x| x as u32).collect();
    let income_per_capita = match income_column(batch) {
        Some(Column::Int { values: inc, valid }) => (h0..h1)
            .map(|i| {
                let ok = valid.as_ref().is_none_or(|v| v[i]);
                let size = n[i - h0];
                if ok && size > 0 {
                    inc[i] as f64 / size as f64
                } else {
                    f64::NAN
                }
            })
            .collect(),
        _ => vec![f64::NAN; len],
    };
    (
        Results {
            n,
            income_per_capita,
            deficit_mask: mask,
            unknown_mask: unknown,
            deficit_count: count,
            class,
        },
        values,
    )
}

// ------------------------------------------------------------------ explanation

/// The outcome of one indicator for one household.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Deprived,
    NotDeprived,
    /// Cannot be decided: these fields are not recorded.
    Unknown {
        missing: Vec<&'static str>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorResult {
    pub id: String,
    pub vi: String,
    pub en: String,
    pub outcome: Outcome,
    /// Members (indices within the household) whose data made the indicator what it is.
    pub members: Vec<usize>,
    pub unconfirmed: Option<String>,
}

/// A household's classification with everything an officer needs to explain it to the family.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    pub standard_id: String,
    pub size: usize,
    pub area: Option<&'static str>,
    pub income: Option<i64>,
    pub income_per_capita: Option<f64>,
    pub indicators: Vec<IndicatorResult>,
    pub deficit_count: u32,
    pub unknown_count: u32,
    /// `None` when the data does not decide the class (see `missing`).
    pub class: Option<Class>,
    /// The rule that matched, or the first rule that could not be decided.
    pub rule: Option<String>,
    /// Every field whose absence leaves something undecided.
    pub missing: Vec<&'static str>,
    /// Unconfirmed points of the standard this result depends on.
    pub caveats: Vec<String>,
    pub text_vi: String,
    pub text_en: String,
}

/// Explains household `i` of the batch under the standard.
pub fn explain(std: &Standard, batch: &Batch, i: usize) -> Explanation {
    let (res, values) = classify_chunk(std, batch, i, i + 1);
    let lines = std.lines();
    let chunk = Chunk::new(batch, i, i + 1, &lines, area_codes(batch));
    let m0 = batch.offsets[i] as usize;
    let size = res.n[0] as usize;
    let area = area_codes(batch)
        .and_then(|a| schema::AREA.get(a[i] as usize))
        .map(|v| v.code);
    let income = match income_column(batch) {
        Some(Column::Int { values, valid }) if valid.as_ref().is_none_or(|v| v[i]) => {
            Some(values[i])
        }
        _ => None,
    };
    let mut missing_all: Vec<&'static str> = Vec::new();
    let mut indicators = Vec::new();
    for (ind, v) in std.indicators.iter().zip(&values) {
        let mut aggs = Vec::new();
        collect_aggregates(&ind.ir, &mut aggs);
        let mut members = Vec::new();
        let mut missing = Vec::new();
        let state = v[0];
        for inner in aggs {
            let mv = chunk.eval_b(inner, Level::Member);
            let want = if state == UNKNOWN { UNKNOWN } else { TRUE };
            for (k, x) in mv.iter().enumerate() {
                if *x == want && !members.contains(&k) {
                    members.push(k);
                    if state == UNKNOWN {
                        null_fields(inner, batch, m0 + k, Level::Member, &mut missing);
                    }
                }
            }
        }
        if state == UNKNOWN {
            null_fields(&ind.ir, batch, i, Level::Household, &mut missing);
            if missing.is_empty() {
                let mut all = Vec::new();
                ind.ir.fields(&mut all);
                missing.extend(all.iter().map(|f| f.def().name));
            }
        }
        members.sort_unstable();
        for f in &missing {
            if !missing_all.contains(f) {
                missing_all.push(f);
            }
        }
        let outcome = match state {
            TRUE => Outcome::Deprived,
            UNKNOWN => Outcome::Unknown { missing },
            _ => Outcome::NotDeprived,
        };
        if outcome == Outcome::NotDeprived {
            members.clear();
        }
        indicators.push(IndicatorResult {
            id: ind.id.clone(),
            vi: ind.vi.clone(),
            en: ind.en.clone(),
            outcome,
            members,
            unconfirmed: ind.unconfirmed.clone(),
        });
    }
    let class = res.class_of(0);
    // The deciding rule: the one that matched, or the first undecided one.
    let mut rule = None;
    let mut chunk = chunk;
    chunk.deficits = Some(IV {
        lo: vec![res.deficit_count[0] as i64],
        hi: Some(vec![
            (res.deficit_count[0] as u32 + res.unknown_mask[0].count_ones()) as i64,
        ]),
    });
    for r in &std.rules {
        let v = chunk.eval_b(&r.ir, Level::Household)[0];
        if v != 0 {
            rule = Some(r);
            if v == UNKNOWN {
                null_fields(&r.ir, batch, i, Level::Household, &mut missing_all);
                if r.ir.uses_area() && area.is_none() && !missing_all.contains(&"area") {
                    missing_all.push("area");
                }
            }
            break;
        }
    }
    let mut caveats: Vec<String> = std
        .caveats
        .iter()
        .filter(|c| !c.subject.starts_with("indicator:"))
        .map(|c| format!("{}: {}", c.subject, c.note))
        .collect();
    for ind in &indicators {
        if let Some(n) = &ind.unconfirmed {
            caveats.push(format!("indicator:{}: {n}", ind.id));
        }
    }
    let mut e = Explanation {
        standard_id: std.id.clone(),
        size,
        area,
        income,
        income_per_capita: income.filter(|_| size > 0).map(|v| v as f64 / size as f64),
        deficit_count: res.deficit_count[0] as u32,
        unknown_count: res.unknown_mask[0].count_ones(),
        indicators,
        class,
        rule: rule.map(|r| r.id.clone()),
        missing: missing_all,
        caveats,
        text_vi: String::new(),
        text_en: String::new(),
    };
    let labels = member_labels(batch, m0, size);
    e.text_vi = crate::explain_text::render(std, &e, &labels, rule, true);
    e.text_en = crate::explain_text::render(std, &e, &labels, rule, false);
    e
}

/// "Name, 34" labels of the household's members, for explanations.
fn member_labels(batch: &Batch, m0: usize, size: usize) -> Vec<(Option<String>, Option<i64>)> {
    let age = schema::field("age").and_then(|f| batch.column(f));
    (m0..m0 + size)
        .map(|k| {
            let name = batch
                .member_labels
                .as_ref()
                .and_then(|l| l.get(k))
                .filter(|s| !s.is_empty())
                .cloned();
            let a = match age {
                Some(Column::Int { values, valid }) if valid.as_ref().is_none_or(|v| v[k]) => {
                    Some(values[k])
                }
                _ => None,
            };
            (name, a)
        })
        .collect()
}

fn collect_aggregates<'a>(ir: &'a Ir, out: &mut Vec<&'a Ir>) {
    match ir {
        Ir::Any(p) | Ir::All(p) | Ir::Count(p) | Ir::SumI(p) => out.push(p),
        Ir::Not(a) | Ir::ToF(a) => collect_aggregates(a, out),
        Ir::And(a, b)
        | Ir::Or(a, b)
        | Ir::CmpI(_, a, b)
        | Ir::CmpF(_, a, b)
        | Ir::ArI(_, a, b)
        | Ir::ArF(_, a, b) => {
            collect_aggregates(a, out);
            collect_aggregates(b, out);
        }
        Ir::IfB(c, a, b) | Ir::IfI(c, a, b) | Ir::IfF(c, a, b) => {
            collect_aggregates(c, out);
            collect_aggregates(a, out);
            collect_aggregates(b, out);
        }
        _ => {}
    }
}

/// Fields read by `ir` (outside member aggregates when at household level) that are null at `row`.
fn null_fields(ir: &Ir, batch: &Batch, row: usize, level: Level, out: &mut Vec<&'static str>) {
    let mut fields: Vec<FieldId> = Vec::new();
    direct_fields(ir, &mut fields);
    for f in fields {
        let def = f.def();
        if def.level != level {
            continue;
        }
        let null = batch.column(f).is_none_or(|c| c.is_null(row));
        if null && !out.contains(&def.name) {
            out.push(def.name);
        }
    }
}

fn direct_fields(ir: &Ir, out: &mut Vec<FieldId>) {
    match ir {
        Ir::Any(_) | Ir::All(_) | Ir::Count(_) | Ir::SumI(_) => {}
        Ir::BField(f) | Ir::IField(f) | Ir::FField(f) | Ir::EnumIn(f, _, _) => out.push(*f),
        Ir::Threshold(_) => {
            if let Some(f) = schema::field("area") {
                out.push(f)
            }
        }
        Ir::Not(a) | Ir::ToF(a) => direct_fields(a, out),
        Ir::And(a, b)
        | Ir::Or(a, b)
        | Ir::CmpI(_, a, b)
        | Ir::CmpF(_, a, b)
        | Ir::ArI(_, a, b)
        | Ir::ArF(_, a, b) => {
            direct_fields(a, out);
            direct_fields(b, out);
        }
        Ir::IfB(c, a, b) | Ir::IfI(c, a, b) | Ir::IfF(c, a, b) => {
            direct_fields(c, out);
            direct_fields(a, out);
            direct_fields(b, out);
        }
        _ => {}
    }
}

//! Plan tables as data, and `plan check`: every printed cell recomputed from its inputs and the policy
//! rules, and every cell that does not follow reported with the formula used.
//!
//! A plan file (`plans/*.toml`) holds the printed cells verbatim (`"3.612"`, `"0,16"`) with their row and
//! column labels, and the formulas that should produce them:
//!
//! ```toml
//! columns = [{ id = "y2022", label = "2022", year = 2022 }, { id = "y2023", label = "2023", year = 2023 }]
//! [[rows]]
//! id = "poor_hh"; label = "Hộ nghèo"; unit = "Hộ"
//! printed = { y2022 = "3.612", y2023 = "2.889" }
//! given = ["y2022"]                                   # inputs of the plan
//! formula = "prev(poor_hh) - prev(poor_reduced)"      # for the other cells of the row
//! ```
//!
//! In a formula a row id means that row's cell in the current column, a column id that column's cell in
//! the current row; `prev(row)` is the row's cell in the previous column, `cell(row, column)` any cell,
//! `amount(alias)` a policy's amount per unit for the column's year (whole đồng), `share(alias)` its
//! support share, `percent_of_base(x, T)` the percentage of an unprinted base `T` (total households),
//! plus the plan's named assumptions and `year`. Which formula applies: a cell's own (`cells`), else its
//! column's (`column_formulas`), else its row's (`formula`); a printed cell with none is an input.
//!
//! **How a cell is checked.** The plan was built in a spreadsheet that keeps full precision and displays
//! rounded numbers. So a formula reads the *unrounded* values of the cells it refers to (their own
//! formulas' results), and the result, rounded by the plan's rule to the printed number of decimals,
//! must equal the printed number. A cell that fails is `inconsistent`; downstream cells then continue
//! from what the sheet evidently held (the hypothesis in `explain` when it reproduces the printed value,
//! else the printed value), so one error is reported once, where it arises. A cell that follows from
//! the unrounded values but not from the printed ones (a reader multiplying the printed numbers gets
//! something else) is reported as `rounding`. A cell priced at the plan's date whose value changes when
//! each year is priced with the values in force that year is reported as `repriced`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use crate::expr::{self, ExprError, Node, NodeKind, Span};

use super::exact::{Exact, Rounding};
use super::formula::{self, Scope, Val};
use super::{Caveat, FileError, Names, Origin, Per, PolicySet, date_of, exact_of, push_caveat};

/// A printed number, verbatim, with its value and printed precision.
#[derive(Clone, Debug, PartialEq)]
pub struct Printed {
    pub text: String,
    pub value: Exact,
    pub decimals: u32,
}

#[derive(Clone, Debug)]
struct Formula {
    text: String,
    node: Node,
}

#[derive(Clone, Debug)]
pub struct Column {
    pub id: String,
    pub label: String,
    pub year: Option<i32>,
}

#[derive(Clone, Debug)]
pub struct Row {
    pub id: String,
    pub tt: Option<String>,
    pub label: String,
    pub unit: Option<String>,
    /// Funding source column of the printed table, when it has one.
    pub source: Option<String>,
    pub printed: BTreeMap<String, Printed>,
    given: BTreeSet<String>,
    formula: Option<Formula>,
    cells: BTreeMap<String, Formula>,
    explain: BTreeMap<String, Formula>,
    /// Notes on known deviations, per column (`*` for the whole row).
    pub known: BTreeMap<String, String>,
    pub note: Option<String>,
}

/// A named value the plan assumes (stated in it, or inferred from its numbers).
#[derive(Clone, Debug, PartialEq)]
pub struct Assumption {
    pub name: String,
    pub value: Exact,
    pub note: Option<String>,
    /// Inferred from the plan's numbers: no text states it.
    pub inferred: bool,
    pub unconfirmed: Option<String>,
}

/// An unprinted base (total households) that percentage cells are shares of.
#[derive(Clone, Debug)]
pub struct Base {
    pub id: String,
    pub label: String,
    /// One base per row (each unit has its own total) or one for the table.
    pub per_row: bool,
    /// Columns whose cells fix the base; the others are checked against it.
    pub defined_by: Vec<String>,
}

/// An extra assertion: a formula that must give a printed value (a text target, another way to total).
#[derive(Clone, Debug)]
struct CheckDef {
    id: String,
    label: String,
    source: Option<String>,
    rows: Vec<String>,
    columns: Vec<String>,
    printed: Option<Printed>,
    formula: Formula,
    known: Option<String>,
}

/// How the plan prices amounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prices {
    /// Every year at the values in force on this date (the plan's own basis).
    AsOf(NaiveDate),
    /// Each year month by month with the values in force.
    InForce,
}

/// A loaded plan table.
#[derive(Clone, Debug)]
pub struct Plan {
    pub id: String,
    pub title_vi: String,
    pub title_en: String,
    pub source: String,
    pub jurisdiction: Option<String>,
    pub issued: NaiveDate,
    pub prices: Prices,
    pub unit: String,
    pub rounding: Rounding,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    column_formulas: BTreeMap<String, Formula>,
    pub assumptions: Vec<Assumption>,
    /// alias → policy id.
    pub policies: BTreeMap<String, String>,
    pub bases: Vec<Base>,
    checks: Vec<CheckDef>,
    pub file: String,
}

// ------------------------------------------------------------------ file format

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnFile {
    id: Spanned<String>,
    label: String,
    year: Option<i32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowFile {
    id: Spanned<String>,
    tt: Option<String>,
    label: String,
    unit: Option<String>,
    source: Option<String>,
    #[serde(default)]
    printed: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    given: Vec<Spanned<String>>,
    formula: Option<Spanned<String>>,
    #[serde(default)]
    cells: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    explain: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    known: BTreeMap<String, String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssumptionFile {
    value: Spanned<toml::Value>,
    note: Option<String>,
    #[serde(default)]
    inferred: bool,
    #[serde(default)]
    unconfirmed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaseFile {
    id: Spanned<String>,
    label: String,
    #[serde(default)]
    per_row: bool,
    defined_by: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    id: String,
    label: String,
    source: Option<String>,
    row: Option<Spanned<String>>,
    rows: Option<Vec<Spanned<String>>>,
    columns: Vec<Spanned<String>>,
    printed: Option<Spanned<String>>,
    formula: Spanned<String>,
    known: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    id: String,
    title: Names,
    source: String,
    jurisdiction: Option<String>,
    issued: Spanned<toml::value::Datetime>,
    prices: Spanned<String>,
    unit: String,
    rounding: Option<Spanned<String>>,
    columns: Vec<ColumnFile>,
    #[serde(default)]
    column_formulas: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    policies: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    assumptions: BTreeMap<String, AssumptionFile>,
    #[serde(default)]
    bases: Vec<BaseFile>,
    rows: Vec<RowFile>,
    #[serde(default)]
    checks: Vec<CheckFile>,
}

const FUNCTIONS: [&str; 13] = [
    "prev",
    "cell",
    "amount",
    "share",
    "percent_of_base",
    "if",
    "min",
    "max",
    "round",
    "round_even",
    "ceil",
    "floor",
    "trunc",
];

impl Plan {
    /// Loads and validates a plan file against the policies it names. Every problem is returned.
    pub fn load(file: &str, src: &str, set: &PolicySet) -> Result<Plan, Vec<FileError>> {
        let o = Origin { file, src };
        let f: PlanFile = toml::from_str(src).map_err(|e| vec![o.syntax("PLAN_SYNTAX", &e)])?;
        let mut errors = Vec::new();
        let issued = date_of(o, &f.issued, "PLAN_VALUE").map_err(|e| vec![e])?;
        let prices = match f.prices.get_ref().as_str() {
            "as_of_issue" => Prices::AsOf(issued),
            "in_force" => Prices::InForce,
            other => {
                return Err(vec![o.err(
                    Some(f.prices.span().start),
                    "PLAN_VALUE",
                    format!("`prices = \"{other}\"`: use as_of_issue or in_force"),
                )]);
            }
        };
        let rounding = match &f.rounding {
            None => Rounding::HalfUp,
            Some(r) => Rounding::parse(r.get_ref()).ok_or_else(|| {
                vec![o.err(
                    Some(r.span().start),
                    "PLAN_VALUE",
                    format!("unknown rounding `{}`", r.get_ref()),
                )]
            })?,
        };
        let mut columns: Vec<Column> = Vec::new();
        for c in &f.columns {
            if columns.iter().any(|x| x.id == *c.id.get_ref()) {
                errors.push(o.err(
                    Some(c.id.span().start),
                    "PLAN_VALUE",
                    format!("column `{}` is declared twice", c.id.get_ref()),
                ));
            }
            columns.push(Column {
                id: c.id.get_ref().clone(),
                label: c.label.clone(),
                year: c.year,
            });
        }
        let col_ids: BTreeSet<&str> = columns.iter().map(|c| c.id.as_str()).collect();
        let row_ids: BTreeSet<&str> = f.rows.iter().map(|r| r.id.get_ref().as_str()).collect();
        for r in &f.rows {
            if col_ids.contains(r.id.get_ref().as_str()) {
                errors.push(o.err(
                    Some(r.id.span().start),
                    "PLAN_VALUE",
                    format!("row `{}` has the id of a column", r.id.get_ref()),
                ));
            }
            if f.rows
                .iter()
                .filter(|x| x.id.get_ref() == r.id.get_ref())
                .count()
                > 1
            {
                errors.push(o.err(
                    Some(r.id.span().start),
                    "PLAN_VALUE",
                    format!("row `{}` is declared twice", r.id.get_ref()),
                ));
            }
        }
        let mut assumptions = Vec::new();
        for (name, a) in &f.assumptions {
            match exact_of(o, &a.value, "PLAN_VALUE") {
                Ok(value) => assumptions.push(Assumption {
                    name: name.clone(),
                    value,
                    note: a.note.clone(),
                    inferred: a.inferred,
                    unconfirmed: (a.unconfirmed || a.inferred).then(|| {
                        a.note
                            .clone()
                            .unwrap_or_else(|| "inferred from the plan's numbers".into())
                    }),
                }),
                Err(e) => errors.push(e),
            }
        }
        let mut policies = BTreeMap::new();
        for (alias, id) in &f.policies {
            if set.get(id.get_ref()).is_none() {
                errors.push(o.err(
                    Some(id.span().start),
                    "PLAN_REF",
                    format!("unknown policy `{}`", id.get_ref()),
                ));
            }
            policies.insert(alias.clone(), id.get_ref().clone());
        }
        let mut bases = Vec::new();
        for b in &f.bases {
            let mut defined_by = Vec::new();
            for c in &b.defined_by {
                if !col_ids.contains(c.get_ref().as_str()) {
                    errors.push(o.err(
                        Some(c.span().start),
                        "PLAN_REF",
                        format!("unknown column `{}`", c.get_ref()),
                    ));
                }
                defined_by.push(c.get_ref().clone());
            }
            bases.push(Base {
                id: b.id.get_ref().clone(),
                label: b.label.clone(),
                per_row: b.per_row,
                defined_by,
            });
        }
        let names = Names2 {
            rows: &row_ids,
            cols: &col_ids,
            assumptions: &assumptions,
            policies: &policies,
            bases: &bases,
        };
        let compile =
            |text: &Spanned<String>, what: &str, errors: &mut Vec<FileError>| match expr::parse(
                text.get_ref(),
            )
            .and_then(|n| names.check(&n).map(|_| n))
            {
                Ok(node) => Some(Formula {
                    text: text.get_ref().clone(),
                    node,
                }),
                Err(e) => {
                    errors.push(o.expr_err(text.span(), "PLAN_EXPR", what, &e));
                    None
                }
            };
        let mut column_formulas = BTreeMap::new();
        for (c, t) in &f.column_formulas {
            if !col_ids.contains(c.as_str()) {
                errors.push(o.err(
                    Some(t.span().start),
                    "PLAN_REF",
                    format!("column formula for unknown column `{c}`"),
                ));
            }
            if let Some(fm) = compile(t, &format!("column `{c}`"), &mut errors) {
                column_formulas.insert(c.clone(), fm);
            }
        }
        let mut rows = Vec::new();
        for r in &f.rows {
            let rid = r.id.get_ref().clone();
            let mut printed = BTreeMap::new();
            for (c, t) in &r.printed {
                if !col_ids.contains(c.as_str()) {
                    errors.push(o.err(
                        Some(t.span().start),
                        "PLAN_REF",
                        format!("row `{rid}`: unknown column `{c}`"),
                    ));
                    continue;
                }
                match Exact::parse_vn(t.get_ref()) {
                    Some((value, decimals)) => {
                        printed.insert(
                            c.clone(),
                            Printed {
                                text: t.get_ref().clone(),
                                value,
                                decimals,
                            },
                        );
                    }
                    None => errors.push(o.err(
                        Some(t.span().start),
                        "PLAN_VALUE",
                        format!(
                            "row `{rid}`, column `{c}`: `{}` is not a number as printed (write it as in the plan: 3.612 or 0,16)",
                            t.get_ref()
                        ),
                    )),
                }
            }
            let mut given = BTreeSet::new();
            for g in &r.given {
                if !printed.contains_key(g.get_ref()) {
                    errors.push(o.err(
                        Some(g.span().start),
                        "PLAN_REF",
                        format!(
                            "row `{rid}`: `given` names `{}`, which has no printed value",
                            g.get_ref()
                        ),
                    ));
                }
                given.insert(g.get_ref().clone());
            }
            let formula = r
                .formula
                .as_ref()
                .and_then(|t| compile(t, &format!("row `{rid}`"), &mut errors));
            let per_cell = |m: &BTreeMap<String, Spanned<String>>,
                            what: &str,
                            errors: &mut Vec<FileError>| {
                let mut out = BTreeMap::new();
                for (c, t) in m {
                    if !col_ids.contains(c.as_str()) {
                        errors.push(o.err(
                            Some(t.span().start),
                            "PLAN_REF",
                            format!("row `{rid}`: unknown column `{c}`"),
                        ));
                        continue;
                    }
                    if let Some(fm) = compile(t, &format!("row `{rid}`, {what} `{c}`"), errors) {
                        out.insert(c.clone(), fm);
                    }
                }
                out
            };
            let cells = per_cell(&r.cells, "cell", &mut errors);
            let explain = per_cell(&r.explain, "explanation", &mut errors);
            rows.push(Row {
                id: rid,
                tt: r.tt.clone(),
                label: r.label.clone(),
                unit: r.unit.clone(),
                source: r.source.clone(),
                printed,
                given,
                formula,
                cells,
                explain,
                known: r.known.clone(),
                note: r.note.clone(),
            });
        }
        let mut checks = Vec::new();
        for c in &f.checks {
            let mut rows_of = Vec::new();
            for r in c.row.iter().chain(c.rows.iter().flatten()) {
                if !row_ids.contains(r.get_ref().as_str()) {
                    errors.push(o.err(
                        Some(r.span().start),
                        "PLAN_REF",
                        format!("check `{}`: unknown row `{}`", c.id, r.get_ref()),
                    ));
                }
                rows_of.push(r.get_ref().clone());
            }
            let mut cols = Vec::new();
            for k in &c.columns {
                if !col_ids.contains(k.get_ref().as_str()) {
                    errors.push(o.err(
                        Some(k.span().start),
                        "PLAN_REF",
                        format!("check `{}`: unknown column `{}`", c.id, k.get_ref()),
                    ));
                }
                cols.push(k.get_ref().clone());
            }
            let printed = match &c.printed {
                None => None,
                Some(t) => match Exact::parse_vn(t.get_ref()) {
                    Some((value, decimals)) => Some(Printed {
                        text: t.get_ref().clone(),
                        value,
                        decimals,
                    }),
                    None => {
                        errors.push(o.err(
                            Some(t.span().start),
                            "PLAN_VALUE",
                            format!("check `{}`: `{}` is not a number", c.id, t.get_ref()),
                        ));
                        None
                    }
                },
            };
            if rows_of.is_empty() {
                errors.push(o.err(
                    None,
                    "PLAN_MISSING",
                    format!("check `{}` needs `row` or `rows`", c.id),
                ));
            }
            if let Some(formula) = compile(&c.formula, &format!("check `{}`", c.id), &mut errors) {
                checks.push(CheckDef {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    source: c.source.clone(),
                    rows: rows_of,
                    columns: cols,
                    printed,
                    formula,
                    known: c.known.clone(),
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Plan {
            id: f.id,
            title_vi: f.title.vi,
            title_en: f.title.en,
            source: f.source,
            jurisdiction: f.jurisdiction,
            issued,
            prices,
            unit: f.unit,
            rounding,
            columns,
            rows,
            column_formulas,
            assumptions,
            policies,
            bases,
            checks,
            file: file.to_string(),
        })
    }

    pub fn row(&self, id: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.id == id)
    }
}

/// The names a plan's formulas may use, for load-time checking.
struct Names2<'a> {
    rows: &'a BTreeSet<&'a str>,
    cols: &'a BTreeSet<&'a str>,
    assumptions: &'a [Assumption],
    policies: &'a BTreeMap<String, String>,
    bases: &'a [Base],
}

impl Names2<'_> {
    fn check(&self, n: &Node) -> Result<(), ExprError> {
        match &n.kind {
            NodeKind::Name(x) => {
                if self.rows.contains(x.as_str())
                    || self.cols.contains(x.as_str())
                    || self.assumptions.iter().any(|a| a.name == *x)
                    || x == "year"
                {
                    Ok(())
                } else {
                    Err(ExprError::new(
                        n.span,
                        format!("unknown name `{x}` (not a row, a column nor an assumption)"),
                    ))
                }
            }
            NodeKind::Call(f, args) => {
                let arg_name = |i: usize| match args.get(i).map(|a| &a.kind) {
                    Some(NodeKind::Name(s)) => Some(s.as_str()),
                    _ => None,
                };
                let bad = |what: &str| Err(ExprError::new(n.span, format!("`{f}`: {what}")));
                match f.as_str() {
                    "prev" => match (args.len(), arg_name(0)) {
                        (1, Some(r)) if self.rows.contains(r) => Ok(()),
                        _ => bad("write prev(ROW)"),
                    },
                    "cell" => match (args.len(), arg_name(0), arg_name(1)) {
                        (2, Some(r), Some(c)) if self.rows.contains(r) && self.cols.contains(c) => {
                            Ok(())
                        }
                        _ => bad("write cell(ROW, COLUMN)"),
                    },
                    "amount" | "share" => match (args.len(), arg_name(0)) {
                        (1, Some(a)) if self.policies.contains_key(a) => Ok(()),
                        _ => bad("write amount(ALIAS) with an alias of [policies]"),
                    },
                    "percent_of_base" => match (args.len(), arg_name(1)) {
                        (2, Some(b)) if self.bases.iter().any(|x| x.id == b) => {
                            self.check(&args[0])
                        }
                        _ => bad("write percent_of_base(COUNT, BASE) with a base of [[bases]]"),
                    },
                    _ if FUNCTIONS.contains(&f.as_str()) => {
                        args.iter().try_for_each(|a| self.check(a))
                    }
                    _ => bad(&format!(
                        "unknown function (known: {})",
                        FUNCTIONS.join(", ")
                    )),
                }
            }
            NodeKind::Not(a) | NodeKind::Neg(a) => self.check(a),
            NodeKind::Binary(_, a, b) => {
                self.check(a)?;
                self.check(b)
            }
            NodeKind::In(..) => Err(ExprError::new(
                n.span,
                "`in` is not available in plan formulas",
            )),
            _ => Ok(()),
        }
    }
}

// ------------------------------------------------------------------ checking

/// What the check found for one cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// The printed value follows from its formula.
    Consistent,
    /// An input of the plan: nothing to recompute.
    Given,
    /// Follows from the plan's unrounded values, not from the printed inputs.
    Rounding,
    /// Does not follow from its formula.
    Inconsistent,
    /// Priced at the plan's date; with the values in force in its year it would differ.
    Repriced,
    /// The formula could not be evaluated.
    Error,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Consistent => "consistent",
            Status::Given => "given",
            Status::Rounding => "rounding",
            Status::Inconsistent => "inconsistent",
            Status::Repriced => "repriced",
            Status::Error => "error",
        }
    }
    /// A finding worth reporting.
    pub fn is_finding(self) -> bool {
        matches!(
            self,
            Status::Rounding | Status::Inconsistent | Status::Repriced | Status::Error
        )
    }
}

/// A hypothesis that would explain a printed value, and whether it does.
#[derive(Clone, Debug, PartialEq)]
pub struct Explained {
    pub formula: String,
    pub value: Exact,
    pub reproduces: bool,
}

/// The check of one cell (or of one extra assertion in one cell's context).
#[derive(Clone, Debug, PartialEq)]
pub struct CellCheck {
    pub row: String,
    pub column: String,
    /// The `[[checks]]` id when this is an extra assertion.
    pub check: Option<String>,
    /// `TT row label — column label`.
    pub label: String,
    pub printed: Option<String>,
    pub status: Status,
    /// The recomputed value as printed (same decimals, plan rounding, Vietnamese digits).
    pub recomputed: Option<String>,
    pub unrounded: Option<Exact>,
    pub formula: String,
    /// The values the formula read: `poor_hh[y2024] = 2.022`.
    pub inputs: Vec<String>,
    pub reason: String,
    pub explained: Option<Explained>,
    pub known: Option<String>,
    pub caveats: Vec<Caveat>,
}

/// The result of checking a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub plan: String,
    pub cells: Vec<CellCheck>,
}

impl Report {
    pub fn findings(&self) -> impl Iterator<Item = &CellCheck> {
        self.cells.iter().filter(|c| c.status.is_finding())
    }
    pub fn count(&self, s: Status) -> usize {
        self.cells.iter().filter(|c| c.status == s).count()
    }
    /// The check of a printed cell (not an extra assertion), by row and column.
    pub fn cell(&self, row: &str, column: &str) -> Option<&CellCheck> {
        self.cells.iter().find(|c| {
            c.row == row && c.column == column && c.check.is_none() && c.status != Status::Repriced
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Model,
    Printed,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pricing {
    Plan,
    InForce,
}

struct Checker<'a> {
    plan: &'a Plan,
    set: &'a PolicySet,
    /// Model value and caveats of each cell.
    memo: HashMap<(usize, usize), (Exact, Vec<Caveat>)>,
    stack: Vec<(usize, usize)>,
}

struct Ctx<'c, 'a> {
    ck: &'c mut Checker<'a>,
    row: usize,
    col: usize,
    mode: Mode,
    pricing: Pricing,
    inputs: Vec<String>,
    caveats: Vec<Caveat>,
    uses_amount: bool,
}

impl Checker<'_> {
    fn row_ix(&self, id: &str) -> Option<usize> {
        self.plan.rows.iter().position(|r| r.id == id)
    }
    fn col_ix(&self, id: &str) -> Option<usize> {
        self.plan.columns.iter().position(|c| c.id == id)
    }

    /// The formula of a cell, by precedence: the cell's own, its column's, its row's.
    fn formula(&self, r: usize, c: usize) -> Option<&Formula> {
        let row = &self.plan.rows[r];
        let cid = &self.plan.columns[c].id;
        if row.given.contains(cid) {
            return None;
        }
        row.cells
            .get(cid)
            .or_else(|| self.plan.column_formulas.get(cid))
            .or(row.formula.as_ref())
    }

    fn eval(
        &mut self,
        f: &Formula,
        r: usize,
        c: usize,
        mode: Mode,
        pricing: Pricing,
    ) -> Result<(Val, Vec<String>, Vec<Caveat>, bool), ExprError> {
        let mut ctx = Ctx {
            ck: self,
            row: r,
            col: c,
            mode,
            pricing,
            inputs: Vec::new(),
            caveats: Vec::new(),
            uses_amount: false,
        };
        let v = formula::eval(&f.node, &f.text, &mut ctx)?;
        Ok((v, ctx.inputs, ctx.caveats, ctx.uses_amount))
    }

    fn matches(&self, v: Exact, p: &Printed) -> bool {
        v.round(p.decimals, self.plan.rounding) == Some(p.value)
    }

    /// The value the sheet evidently held for a cell (see the module documentation).
    fn model(&mut self, r: usize, c: usize, span: Span) -> Result<(Exact, Vec<Caveat>), ExprError> {
        if let Some(v) = self.memo.get(&(r, c)) {
            return Ok(v.clone());
        }
        if self.stack.contains(&(r, c)) {
            return Err(ExprError::new(
                span,
                format!(
                    "cell {}[{}] depends on itself",
                    self.plan.rows[r].id, self.plan.columns[c].id
                ),
            ));
        }
        let printed = self.plan.rows[r]
            .printed
            .get(&self.plan.columns[c].id)
            .cloned();
        let f = self.formula(r, c).cloned();
        let out = match (f, printed) {
            (None, Some(p)) => (p.value, Vec::new()),
            (None, None) => (Exact::ZERO, Vec::new()),
            (Some(f), printed) if is_base_formula(&f) => {
                (printed.map_or(Exact::ZERO, |p| p.value), Vec::new())
            }
            (Some(f), printed) => {
                self.stack.push((r, c));
                let res = self.eval(&f, r, c, Mode::Model, Pricing::Plan);
                let res = match res {
                    Ok((v, _, cav, _)) => v.num(f.node.span).map(|v| (v, cav)),
                    Err(e) => Err(e),
                };
                let res = match (res, printed) {
                    (Ok((v, cav)), Some(p)) if !self.matches(v, &p) => {
                        let cid = self.plan.columns[c].id.clone();
                        let ex = self.plan.rows[r].explain.get(&cid).cloned();
                        let explained = match ex {
                            Some(ex) => match self.eval(&ex, r, c, Mode::Model, Pricing::Plan) {
                                Ok((Val::Num(e), _, ecav, _)) if self.matches(e, &p) => {
                                    Some((e, ecav))
                                }
                                _ => None,
                            },
                            None => None,
                        };
                        Ok(explained.unwrap_or((p.value, cav)))
                    }
                    (Ok(x), _) => Ok(x),
                    // A cell whose formula fails: continue from its printed value.
                    (Err(_), Some(p)) => Ok((p.value, Vec::new())),
                    (Err(e), None) => Err(e),
                };
                self.stack.pop();
                res?
            }
        };
        self.memo.insert((r, c), out.clone());
        Ok(out)
    }
}

fn is_base_formula(f: &Formula) -> bool {
    matches!(&f.node.kind, NodeKind::Call(n, _) if n == "percent_of_base")
}

impl Ctx<'_, '_> {
    fn cell_value(&mut self, r: usize, c: usize, span: Span) -> Result<Val, ExprError> {
        let plan = self.ck.plan;
        let printed = plan.rows[r].printed.get(&plan.columns[c].id).cloned();
        let (v, cav) = match (self.mode, printed) {
            (Mode::Printed, Some(p)) => (p.value, Vec::new()),
            _ => self.ck.model(r, c, span)?,
        };
        for x in cav {
            push_caveat(&mut self.caveats, x);
        }
        let shown = if v.is_integer() || self.mode == Mode::Printed {
            v.to_vn_plain()
        } else {
            format!("{} (≈{})", v.to_vn(2), v.to_vn(0))
        };
        let name = format!("{}[{}]", plan.rows[r].id, plan.columns[c].id);
        let s = format!("{name} = {shown}");
        if !self.inputs.contains(&s) {
            self.inputs.push(s);
        }
        Ok(Val::Num(v))
    }

    fn arg_name(args: &[Node], i: usize) -> Result<&str, ExprError> {
        match args.get(i).map(|a| &a.kind) {
            Some(NodeKind::Name(s)) => Ok(s),
            _ => Err(ExprError::new(
                args.get(i).map_or(Span { start: 0, end: 0 }, |a| a.span),
                "expected a name",
            )),
        }
    }

    fn amount(&mut self, alias: &str, span: Span) -> Result<Exact, ExprError> {
        let plan = self.ck.plan;
        let err = |m: String| ExprError::new(span, m);
        let id = plan
            .policies
            .get(alias)
            .ok_or_else(|| err(format!("unknown policy alias `{alias}`")))?;
        let p = self
            .ck
            .set
            .get(id)
            .ok_or_else(|| err(format!("unknown policy `{id}`")))?;
        self.uses_amount = true;
        let year = plan.columns[self.col].year;
        let none = BTreeMap::new();
        let (vnd, cav) = match (self.pricing, plan.prices, year) {
            (Pricing::InForce, _, Some(y)) | (Pricing::Plan, Prices::InForce, Some(y)) => {
                let ya = p.amount_in_year(&self.ck.set.refs, y, &none).map_err(err)?;
                (ya.vnd, ya.caveats)
            }
            (_, Prices::AsOf(d), _) => {
                let pr = p.amount_on(&self.ck.set.refs, d, &none).map_err(err)?;
                let k = match p.amount.per {
                    Per::Month => i64::try_from(p.amount.months.len()).unwrap_or(12),
                    Per::Year | Per::Case => 1,
                };
                (pr.vnd.saturating_mul(k), pr.caveats)
            }
            (_, Prices::InForce, None) => {
                return Err(err(
                    "amount() in a column without a year needs `prices = \"as_of_issue\"`".into(),
                ));
            }
        };
        for c in cav {
            push_caveat(&mut self.caveats, c);
        }
        let s = format!(
            "{alias} = {} đ/{}{}",
            crate::money::group_thousands(vnd),
            p.unit,
            if p.amount.per == Per::Case {
                ""
            } else {
                "/năm"
            }
        );
        if !self.inputs.contains(&s) {
            self.inputs.push(s);
        }
        Ok(Exact::int(vnd))
    }
}

impl Scope for Ctx<'_, '_> {
    fn name(&mut self, name: &str, span: Span) -> Result<Val, ExprError> {
        let plan = self.ck.plan;
        if name == "year" {
            return plan.columns[self.col]
                .year
                .map(|y| Val::Num(Exact::int(i64::from(y))))
                .ok_or_else(|| ExprError::new(span, "this column has no year"));
        }
        if let Some(r) = self.ck.row_ix(name) {
            return self.cell_value(r, self.col, span);
        }
        if let Some(c) = self.ck.col_ix(name) {
            return self.cell_value(self.row, c, span);
        }
        if let Some(a) = plan.assumptions.iter().find(|a| a.name == name) {
            if let Some(n) = &a.unconfirmed {
                push_caveat(
                    &mut self.caveats,
                    Caveat {
                        subject: format!("assumption:{}", a.name),
                        note: n.clone(),
                    },
                );
            }
            return Ok(Val::Num(a.value));
        }
        Err(ExprError::new(span, format!("unknown name `{name}`")))
    }

    fn call(
        &mut self,
        name: &str,
        args: &[Node],
        span: Span,
        _src: &str,
    ) -> Option<Result<Val, ExprError>> {
        let r = match name {
            "prev" => (|| {
                let r = self
                    .ck
                    .row_ix(Self::arg_name(args, 0)?)
                    .ok_or_else(|| ExprError::new(span, "unknown row"))?;
                let c = self.col.checked_sub(1).ok_or_else(|| {
                    ExprError::new(span, "the first column has no previous column")
                })?;
                self.cell_value(r, c, span)
            })(),
            "cell" => (|| {
                let r = self
                    .ck
                    .row_ix(Self::arg_name(args, 0)?)
                    .ok_or_else(|| ExprError::new(span, "unknown row"))?;
                let c = self
                    .ck
                    .col_ix(Self::arg_name(args, 1)?)
                    .ok_or_else(|| ExprError::new(span, "unknown column"))?;
                self.cell_value(r, c, span)
            })(),
            "amount" => (|| {
                let a = Self::arg_name(args, 0)?;
                self.amount(a, span).map(Val::Num)
            })(),
            "share" => (|| {
                let a = Self::arg_name(args, 0)?;
                let id = self.ck.plan.policies.get(a).cloned().unwrap_or_default();
                let p = self
                    .ck
                    .set
                    .get(&id)
                    .ok_or_else(|| ExprError::new(span, "unknown policy"))?;
                Ok(Val::Num(p.amount.share))
            })(),
            "percent_of_base" => Err(ExprError::new(
                span,
                "percent_of_base(…) can only be a whole cell formula",
            )),
            _ => return None,
        };
        Some(r)
    }
}

/// An integer interval `[lo, hi]` of base values (`hi = None`: unbounded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Interval {
    lo: i128,
    hi: Option<i128>,
}

impl Interval {
    fn meet(self, o: Interval) -> Option<Interval> {
        let lo = self.lo.max(o.lo);
        let hi = match (self.hi, o.hi) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if hi.is_some_and(|h| h < lo) {
            None
        } else {
            Some(Interval { lo, hi })
        }
    }
    fn show(self) -> String {
        let g = |v: i128| crate::money::group_thousands(i64::try_from(v).unwrap_or(i64::MAX));
        match self.hi {
            Some(h) => format!("[{}; {}]", g(self.lo), g(h)),
            None => format!("[{}; …)", g(self.lo)),
        }
    }
}

/// Bases `T` for which `count / T × 100`, rounded half-up to the printed decimals, is the printed value.
fn base_interval(count: Exact, p: &Printed) -> Option<Interval> {
    let h = Exact::ratio(5, 10i128.checked_pow(p.decimals + 1)?)?;
    let hundred_c = count.checked_mul(Exact::int(100))?;
    // v = 100c/T ∈ [p − h, p + h)  ⇔  T ∈ (100c/(p+h), 100c/(p−h)]
    let lo = hundred_c.checked_div(p.value.checked_add(h)?)?.floor_int() + 1;
    let low_rate = p.value.checked_sub(h)?;
    let hi = if low_rate > Exact::ZERO {
        Some(hundred_c.checked_div(low_rate)?.floor_int())
    } else {
        None
    };
    Some(Interval { lo: lo.max(1), hi })
}

/// A percentage-of-base cell: (base instance key, index in the report, column, count, printed).
type BaseCell = (String, usize, usize, Exact, Printed, Vec<String>);

fn label(plan: &Plan, r: usize, c: usize) -> String {
    let row = &plan.rows[r];
    let tt = row
        .tt
        .as_deref()
        .map(|t| format!("{t} "))
        .unwrap_or_default();
    format!("{tt}{} — {}", row.label, plan.columns[c].label)
}

/// Checks every printed cell of a plan and its extra assertions.
pub fn check(plan: &Plan, set: &PolicySet) -> Report {
    let mut ck = Checker {
        plan,
        set,
        memo: HashMap::new(),
        stack: Vec::new(),
    };
    let mut cells = Vec::new();
    // base instance key → (defining intervals, other cells)
    let mut base_cells: Vec<BaseCell> = Vec::new();
    for r in 0..plan.rows.len() {
        for c in 0..plan.columns.len() {
            let cid = &plan.columns[c].id;
            let Some(p) = plan.rows[r].printed.get(cid).cloned() else {
                continue;
            };
            let known = plan.rows[r]
                .known
                .get(cid)
                .or_else(|| plan.rows[r].known.get("*"))
                .cloned();
            let mut cc = CellCheck {
                row: plan.rows[r].id.clone(),
                column: cid.clone(),
                check: None,
                label: label(plan, r, c),
                printed: Some(p.text.clone()),
                status: Status::Given,
                recomputed: None,
                unrounded: None,
                formula: String::new(),
                inputs: Vec::new(),
                reason: "input of the plan".into(),
                explained: None,
                known,
                caveats: Vec::new(),
            };
            let Some(f) = ck.formula(r, c).cloned() else {
                cells.push(cc);
                continue;
            };
            cc.formula = f.text.clone();
            if let NodeKind::Call(_, args) = &f.node.kind
                && is_base_formula(&f)
            {
                let base = match args.get(1).map(|a| &a.kind) {
                    Some(NodeKind::Name(b)) => b.clone(),
                    _ => String::new(),
                };
                let count = ck
                    .eval(
                        &Formula {
                            text: f.text.clone(),
                            node: args[0].clone(),
                        },
                        r,
                        c,
                        Mode::Model,
                        Pricing::Plan,
                    )
                    .and_then(|(v, inputs, cav, _)| {
                        cc.inputs = inputs;
                        cc.caveats = cav;
                        v.num(args[0].span)
                    });
                match count {
                    Ok(v) => {
                        let key = match plan.bases.iter().find(|b| b.id == base) {
                            Some(b) if b.per_row => format!("{base}@{}", plan.rows[r].id),
                            _ => base.clone(),
                        };
                        base_cells.push((key, cells.len(), c, v, p, Vec::new()));
                    }
                    Err(e) => {
                        cc.status = Status::Error;
                        cc.reason = e.message;
                    }
                }
                cells.push(cc);
                continue;
            }
            match ck.eval(&f, r, c, Mode::Model, Pricing::Plan) {
                Err(e) => {
                    cc.status = Status::Error;
                    cc.reason = e.message;
                }
                Ok((Val::Bool(_), ..)) => {
                    cc.status = Status::Error;
                    cc.reason = "a cell formula must give a number".into();
                }
                Ok((Val::Num(v), inputs, cav, uses_amount)) => {
                    cc.inputs = inputs;
                    cc.caveats = cav;
                    cc.unrounded = Some(v);
                    let shown = v.round(p.decimals, plan.rounding).unwrap_or(v);
                    cc.recomputed = Some(shown.to_vn(p.decimals));
                    if shown == p.value {
                        cc.status = Status::Consistent;
                        cc.reason = format!(
                            "{} → {} ({})",
                            v.to_vn_plain(),
                            shown.to_vn(p.decimals),
                            plan.rounding.code()
                        );
                        // As a reader would: from the printed inputs.
                        if let Ok((Val::Num(pv), pin, _, _)) =
                            ck.eval(&f, r, c, Mode::Printed, Pricing::Plan)
                        {
                            let ps = pv.round(p.decimals, plan.rounding).unwrap_or(pv);
                            if ps != p.value {
                                cc.status = Status::Rounding;
                                cc.reason = format!(
                                    "follows from the unrounded values ({} → {}); from the printed inputs ({}) it gives {} → {}",
                                    v.to_vn_plain(),
                                    p.text,
                                    pin.join(", "),
                                    pv.to_vn_plain(),
                                    ps.to_vn(p.decimals)
                                );
                            }
                        }
                    } else {
                        cc.status = Status::Inconsistent;
                        cc.reason = format!(
                            "printed {}, the formula gives {} → {}",
                            p.text,
                            v.to_vn_plain(),
                            shown.to_vn(p.decimals)
                        );
                        if let Ok((Val::Num(pv), _, _, _)) =
                            ck.eval(&f, r, c, Mode::Printed, Pricing::Plan)
                        {
                            let ps = pv.round(p.decimals, plan.rounding).unwrap_or(pv);
                            if ps != shown {
                                cc.reason.push_str(&format!(
                                    " (from the printed inputs: {})",
                                    ps.to_vn(p.decimals)
                                ));
                            }
                        }
                        if let Some(ex) = plan.rows[r].explain.get(cid).cloned() {
                            cc.explained = ck
                                .eval(&ex, r, c, Mode::Model, Pricing::Plan)
                                .ok()
                                .and_then(|(e, ..)| match e {
                                    Val::Num(e) => Some(Explained {
                                        formula: ex.text.clone(),
                                        value: e,
                                        reproduces: ck.matches(e, &p),
                                    }),
                                    Val::Bool(_) => None,
                                });
                        }
                    }
                    // Re-priced with the values in force in the column's year.
                    if uses_amount
                        && matches!(plan.prices, Prices::AsOf(_))
                        && let Some(y) = plan.columns[c].year
                        && let Ok((Val::Num(rv), rin, rcav, _)) =
                            ck.eval(&f, r, c, Mode::Model, Pricing::InForce)
                    {
                        let rs = rv.round(p.decimals, plan.rounding).unwrap_or(rv);
                        if rs != shown {
                            let mut rp = cc.clone();
                            rp.status = Status::Repriced;
                            rp.recomputed = Some(rs.to_vn(p.decimals));
                            rp.unrounded = Some(rv);
                            rp.inputs = rin;
                            rp.caveats = rcav;
                            rp.explained = None;
                            rp.known = None;
                            rp.reason = format!(
                                "priced at the values in force on {}: {}; at the values in force month by month in {y} it would be {}",
                                match plan.prices {
                                    Prices::AsOf(d) => d.format("%d/%m/%Y").to_string(),
                                    Prices::InForce => String::new(),
                                },
                                shown.to_vn(p.decimals),
                                rs.to_vn(p.decimals)
                            );
                            cells.push(cc);
                            cells.push(rp);
                            continue;
                        }
                    }
                }
            }
            cells.push(cc);
        }
    }

    // Percentages of an unprinted base: the defining cells fix an interval, the others must meet it.
    let keys: BTreeSet<String> = base_cells.iter().map(|b| b.0.clone()).collect();
    for key in keys {
        let base_id = key.split('@').next().unwrap_or("").to_string();
        let Some(base) = plan.bases.iter().find(|b| b.id == base_id) else {
            continue;
        };
        let members: Vec<&BaseCell> = base_cells.iter().filter(|b| b.0 == key).collect();
        let interval = |b: &BaseCell| base_interval(b.3, &b.4);
        let defining: Vec<_> = members
            .iter()
            .filter(|b| base.defined_by.contains(&plan.columns[b.2].id))
            .collect();
        let mut fixed: Option<Interval> = Some(Interval { lo: 1, hi: None });
        for b in &defining {
            fixed = fixed.and_then(|f| interval(b).and_then(|i| f.meet(i)));
        }
        let defining_labels: Vec<String> = defining
            .iter()
            .map(|b| plan.columns[b.2].label.clone())
            .collect();
        for b in &members {
            let own = interval(b);
            let is_def = base.defined_by.contains(&plan.columns[b.2].id);
            let cc = &mut cells[b.1];
            let own_s = own.map_or("none".into(), |i| i.show());
            match (is_def, fixed, own) {
                (true, Some(f), _) => {
                    cc.status = Status::Consistent;
                    cc.reason = format!(
                        "{} = {}: a base {} ∈ {} fits every rate that fixes it",
                        base.label,
                        base.id,
                        base.id,
                        f.show()
                    );
                }
                (true, None, _) => {
                    cc.status = Status::Inconsistent;
                    cc.reason = format!(
                        "no single {} ({}) fits the rates {}: this one needs {} ∈ {own_s}",
                        base.id,
                        base.label,
                        defining_labels.join(", "),
                        base.id
                    );
                }
                (false, Some(f), Some(o)) if f.meet(o).is_some() => {
                    cc.status = Status::Consistent;
                    cc.reason = format!("fits the same {} ∈ {}", base.id, f.show());
                }
                (false, f, _) => {
                    cc.status = Status::Inconsistent;
                    let at = |t: Option<i128>| {
                        t.and_then(|t| {
                            b.3.checked_mul(Exact::int(100))?
                                .checked_div(Exact::ratio(t, 1)?)?
                                .round(b.4.decimals, plan.rounding)
                        })
                    };
                    if let Some(f) = f {
                        let (a, z) = (at(f.hi), at(Some(f.lo)));
                        cc.recomputed = match (a, z) {
                            (Some(a), Some(z)) if a == z => Some(a.to_vn(b.4.decimals)),
                            (Some(a), Some(z)) => Some(format!(
                                "{}–{}",
                                a.to_vn(b.4.decimals),
                                z.to_vn(b.4.decimals)
                            )),
                            _ => None,
                        };
                        cc.unrounded = f.hi.and_then(|t| {
                            b.3.checked_mul(Exact::int(100))?
                                .checked_div(Exact::ratio(t, 1)?)
                        });
                    }
                    cc.reason = format!(
                        "needs {} ∈ {own_s}, but the rates {} fix {} ∈ {}",
                        base.id,
                        defining_labels.join(", "),
                        base.id,
                        f.map_or("(none)".into(), |f| f.show())
                    );
                }
            }
        }
    }

    // Extra assertions.
    for chk in &plan.checks {
        for rid in &chk.rows {
            let Some(r) = ck.row_ix(rid) else { continue };
            for cid in &chk.columns {
                let Some(c) = ck.col_ix(cid) else { continue };
                let printed = chk
                    .printed
                    .clone()
                    .or_else(|| plan.rows[r].printed.get(cid).cloned());
                let mut cc = CellCheck {
                    row: rid.clone(),
                    column: cid.clone(),
                    check: Some(chk.id.clone()),
                    label: format!(
                        "{} — {} / {}",
                        chk.label, plan.rows[r].label, plan.columns[c].label
                    ),
                    printed: printed.as_ref().map(|p| p.text.clone()),
                    status: Status::Consistent,
                    recomputed: None,
                    unrounded: None,
                    formula: chk.formula.text.clone(),
                    inputs: Vec::new(),
                    reason: chk.source.clone().unwrap_or_default(),
                    explained: None,
                    known: chk.known.clone(),
                    caveats: Vec::new(),
                };
                match (
                    ck.eval(&chk.formula, r, c, Mode::Model, Pricing::Plan),
                    printed,
                ) {
                    (Err(e), _) => {
                        cc.status = Status::Error;
                        cc.reason = e.message;
                    }
                    (Ok((Val::Bool(b), inputs, cav, _)), _) => {
                        cc.inputs = inputs;
                        cc.caveats = cav;
                        cc.recomputed = Some(if b { "đúng / holds" } else { "sai / fails" }.into());
                        if !b {
                            cc.status = Status::Inconsistent;
                            cc.reason = "the condition does not hold".into();
                        }
                    }
                    (Ok((Val::Num(v), inputs, cav, _)), Some(p)) => {
                        cc.inputs = inputs;
                        cc.caveats = cav;
                        cc.unrounded = Some(v);
                        let shown = v.round(p.decimals, plan.rounding).unwrap_or(v);
                        cc.recomputed = Some(shown.to_vn(p.decimals));
                        if shown != p.value {
                            cc.status = Status::Inconsistent;
                            cc.reason = format!(
                                "printed {}, the formula gives {} → {}",
                                p.text,
                                v.to_vn_plain(),
                                shown.to_vn(p.decimals)
                            );
                        } else if let Ok((Val::Num(pv), pin, _, _)) =
                            ck.eval(&chk.formula, r, c, Mode::Printed, Pricing::Plan)
                        {
                            let ps = pv.round(p.decimals, plan.rounding).unwrap_or(pv);
                            if ps != p.value {
                                cc.status = Status::Rounding;
                                cc.reason = format!(
                                    "follows from the unrounded values ({}); from the printed inputs ({}) it gives {}",
                                    v.to_vn_plain(),
                                    pin.join(", "),
                                    ps.to_vn(p.decimals)
                                );
                            }
                        }
                    }
                    (Ok((Val::Num(_), ..)), None) => {
                        cc.status = Status::Error;
                        cc.reason = "nothing printed to compare with".into();
                    }
                }
                cells.push(cc);
            }
        }
    }
    Report {
        plan: plan.id.clone(),
        cells,
    }
}

//! The import: every row of every table is parsed into typed records first, and every problem is
//! collected with its file, row, column and a reason in Vietnamese and English. Then, depending on the
//! officer's choice, nothing is written (any error rejects the file) or the valid households are, in
//! one store transaction ([`Store::import`]): a re-import of the same file changes nothing, and an
//! import killed part-way leaves the registry as it was.
//!
//! A household is taken or rejected whole: when one of its member rows has an error, its household row
//! and its other member rows are rejected too, so the rejected-rows workbook can be fixed and imported
//! again on its own.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use ansinh_domain::money::Vnd;
use ansinh_domain::registry::{
    Area, CitizenId, Education, Household, HouseholdCode, Housing, Labour, Member, RegistryError,
    Relation, Sex, Toilet, Unit, UnitCode, UnitId, UnitKind, Water,
};
use ansinh_domain::text::{NfcText, search_key};
use ansinh_store::{
    ChangeContext, ImportBatch, ImportHousehold, ImportIncome, ImportSummary, ImportUnit, Store,
};

use crate::columns::{Col, Table, Ty, locate};
use crate::error::{IoError, Result};
use crate::raw::{RawTable, read_file_with};
pub use ansinh_tabular::Origin;

/// What to do when some rows have errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// Write nothing (the default).
    RejectFile,
    /// Write the households whose rows are all valid.
    TakeValid,
}

#[derive(Clone, Debug)]
pub struct ImportOptions {
    pub on_error: OnError,
    /// Unit codes are looked up on this date; undated incomes are recorded on it; no one is born after it.
    pub as_of: NaiveDate,
    /// Legacy code page of CSV files (default: UTF-8, else windows-1258).
    pub encoding: Option<String>,
    /// Validate and report only; write nothing.
    pub dry_run: bool,
    /// The units the importing officer may change (every unit of its subtree), or `None` for the whole
    /// registry. Rows for a unit outside them, and rows whose household code is already recorded under
    /// a unit outside them, are rejected (`IMP_OUTSIDE_SCOPE`).
    pub within: Option<BTreeSet<UnitId>>,
}

/// One problem with one row: where, and why (stable code, Vietnamese, English).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// Index of the table in [`ImportReport::tables`].
    pub table: usize,
    /// Row index within the table.
    pub index: usize,
    /// The row number a person sees.
    pub row: u64,
    /// The column's header as the file has it (empty for a problem with the whole row).
    pub column: String,
    pub code: &'static str,
    pub vi: String,
    pub en: String,
}

/// The outcome of an import.
#[derive(Debug)]
pub struct ImportReport {
    /// Every table read, with its source; the rejected-rows workbook copies rows from here.
    pub tables: Vec<RawTable>,
    /// Tables (sheets, files) that were not recognised and were skipped.
    pub skipped: Vec<String>,
    pub rows_read: usize,
    pub households_valid: usize,
    pub members_valid: usize,
    pub units_valid: usize,
    /// Every problem, in table and row order.
    pub errors: Vec<RowError>,
    /// What was written (`None`: nothing, because of errors, a dry run, or nothing to write).
    pub summary: Option<ImportSummary>,
}

impl ImportReport {
    /// Rows not imported (a row may have several errors).
    pub fn rejected_rows(&self) -> usize {
        let mut rows: Vec<(usize, usize)> =
            self.errors.iter().map(|e| (e.table, e.index)).collect();
        rows.sort_unstable();
        rows.dedup();
        rows.len()
    }
}

struct Problem {
    col: Option<usize>,
    code: &'static str,
    vi: String,
    en: String,
}

fn problem(col: Option<usize>, code: &'static str, vi: String, en: String) -> Problem {
    Problem { col, code, vi, en }
}

/// A cell's text, and the parsing of it by column type.
struct Cells<'a> {
    t: &'a RawTable,
    idx: &'a [Option<usize>],
    cols: &'static [Col],
    r: usize,
    errs: Vec<Problem>,
    as_of: NaiveDate,
}

/// A date as officers type it: `dd/mm/yyyy` (also `-` or `.` between), or ISO `yyyy-mm-dd`, a
/// spreadsheet's date-time text included. The one date parser of imports and forms.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let head: String = s.chars().take(10).collect();
    for f in ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Some(d);
        }
        if let Ok(d) = NaiveDate::parse_from_str(&head, f) {
            return Some(d);
        }
    }
    None
}

/// Whole VND: `1500000`, `1.500.000`, `1,500,000`, `1 500 000`, with or without `đ` / `VND`.
pub fn parse_money(s: &str) -> Option<i64> {
    let mut t = search_key(s);
    for suffix in ["vnd", "dong", "d"] {
        if let Some(x) = t.strip_suffix(suffix) {
            t = x.trim().to_string();
            break;
        }
    }
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    let groups: Vec<&str> = t.split(['.', ',']).collect();
    if groups.len() > 1
        && !groups[0].is_empty()
        && groups[0].len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
    {
        return groups.concat().parse().ok();
    }
    t.parse::<f64>()
        .ok()
        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
        .map(|f| f as i64)
}

/// Yes or no in either language (`Có`, `không`, `yes`, `1`, `x`, …).
pub fn parse_bool(s: &str) -> Option<bool> {
    match search_key(s).as_str() {
        "true" | "1" | "yes" | "y" | "co" | "x" | "dung" => Some(true),
        "false" | "0" | "no" | "n" | "khong" | "sai" => Some(false),
        _ => None,
    }
}

impl<'a> Cells<'a> {
    fn pos(&self, name: &str) -> usize {
        self.cols.iter().position(|c| c.name == name).unwrap_or(0)
    }
    /// Text of the column `name`, `None` when empty or absent.
    fn raw(&self, name: &str) -> Option<(&'a str, usize)> {
        let k = self.pos(name);
        let c = self.idx.get(k).copied().flatten()?;
        let s = self.t.cell(self.r, c);
        (!s.is_empty()).then_some((s, c))
    }
    fn label(&self, name: &str) -> (&'static str, &'static str) {
        let c = &self.cols[self.pos(name)];
        (c.vi, c.en)
    }
    fn bad(&mut self, name: &str, col: usize, value: &str, vi_what: &str, en_what: &str) {
        let (vi, en) = self.label(name);
        self.errs.push(problem(
            Some(col),
            "IMP_VALUE",
            format!("«{value}» không phải {vi_what} hợp lệ cho cột «{vi}»"),
            format!("`{value}` is not a valid {en_what} for `{en}`"),
        ));
    }
    fn required(&mut self, name: &str) -> Option<&'a str> {
        let r = self.raw(name).map(|(s, _)| s);
        if r.is_none() {
            let (vi, en) = self.label(name);
            let col = self.idx.get(self.pos(name)).copied().flatten();
            self.errs.push(problem(
                col,
                "IMP_REQUIRED",
                format!("thiếu «{vi}» (bắt buộc)"),
                format!("`{en}` is required"),
            ));
        }
        r
    }
    fn text(&mut self, name: &str) -> Option<NfcText> {
        self.raw(name).map(|(s, _)| NfcText::new(s))
    }
    fn registry<T>(
        &mut self,
        name: &str,
        s: &str,
        col: usize,
        parse: impl Fn(&str) -> std::result::Result<T, RegistryError>,
    ) -> Option<T> {
        match parse(s) {
            Ok(v) => Some(v),
            Err(e) => {
                let (vi, en) = self.label(name);
                self.errs.push(problem(
                    Some(col),
                    "IMP_VALUE",
                    format!("cột «{vi}»: {}", e.message_vi()),
                    format!("`{en}`: {e}"),
                ));
                None
            }
        }
    }
    fn choice<T>(
        &mut self,
        name: &str,
        parse: impl Fn(&str) -> std::result::Result<T, RegistryError>,
    ) -> Option<T> {
        let (s, col) = self.raw(name)?;
        match parse(s) {
            Ok(v) => Some(v),
            Err(_) => {
                let k = self.pos(name);
                let (vi, en) = self.label(name);
                let allowed = match self.cols[k].ty {
                    Ty::Choice(vs) => vs,
                    _ => &[],
                };
                let vis: Vec<&str> = allowed.iter().map(|v| v.vi).collect();
                let ens: Vec<&str> = allowed.iter().map(|v| v.code).collect();
                self.errs.push(problem(
                    Some(col),
                    "IMP_CHOICE",
                    format!(
                        "«{s}» không phải giá trị của «{vi}»; chọn một trong: {}",
                        vis.join("; ")
                    ),
                    format!(
                        "`{s}` is not a value of `{en}`; use one of: {}",
                        ens.join(", ")
                    ),
                ));
                None
            }
        }
    }
    fn code<T>(
        &mut self,
        name: &str,
        parse: impl Fn(&str) -> std::result::Result<T, RegistryError>,
    ) -> Option<T> {
        let (s, col) = self.raw(name)?;
        self.registry(name, s, col, parse)
    }
    fn date(&mut self, name: &str) -> Option<NaiveDate> {
        let (s, col) = self.raw(name)?;
        let d = parse_date(s);
        if d.is_none() {
            self.bad(name, col, s, "ngày (dd/mm/yyyy)", "date (dd/mm/yyyy)");
        }
        d
    }
    fn money(&mut self, name: &str) -> Option<Vnd> {
        let (s, col) = self.raw(name)?;
        match parse_money(s) {
            Some(v) if v >= 0 => Some(Vnd(v)),
            _ => {
                self.bad(
                    name,
                    col,
                    s,
                    "số tiền (đồng, số nguyên không âm)",
                    "amount (whole VND, not negative)",
                );
                None
            }
        }
    }
    fn float(&mut self, name: &str) -> Option<f64> {
        let (s, col) = self.raw(name)?;
        match s
            .parse::<f64>()
            .or_else(|_| s.replace(',', ".").parse::<f64>())
        {
            Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
            _ => {
                self.bad(name, col, s, "số", "number");
                None
            }
        }
    }
    fn flag(&mut self, name: &str) -> Option<bool> {
        let (s, col) = self.raw(name)?;
        let b = parse_bool(s);
        if b.is_none() {
            self.bad(name, col, s, "giá trị có/không", "yes/no value");
        }
        b
    }
}

struct Parsed<T> {
    table: usize,
    index: usize,
    value: Option<T>,
}

fn cells<'a>(
    t: &'a RawTable,
    idx: &'a [Option<usize>],
    table: Table,
    r: usize,
    as_of: NaiveDate,
) -> Cells<'a> {
    Cells {
        t,
        idx,
        cols: table.columns(),
        r,
        errs: Vec::new(),
        as_of,
    }
}

fn parse_unit(c: &mut Cells) -> Option<ImportUnit> {
    let code = c.required("unit_code");
    let name = c.required("unit_name");
    c.required("unit_kind");
    let from = c.required("valid_from");
    let code = code.and_then(|s| {
        let col = c.raw("unit_code").map_or(0, |x| x.1);
        c.registry("unit_code", s, col, UnitCode::parse)
    });
    let kind = c.choice("unit_kind", UnitKind::parse);
    let area = c.choice("area", Area::parse);
    let parent = c.code("parent_code", UnitCode::parse);
    let valid_from = from.and(c.date("valid_from"));
    let valid_to = c.date("valid_to");
    if let (Some(f), Some(t)) = (valid_from, valid_to)
        && t <= f
    {
        let col = c.raw("valid_to").map(|x| x.1);
        c.errs.push(problem(
            col,
            "IMP_DATE_RANGE",
            "ngày hết hiệu lực phải sau ngày có hiệu lực".into(),
            "the end date must be after the start date".into(),
        ));
    }
    if !c.errs.is_empty() {
        return None;
    }
    Some(ImportUnit {
        unit: Unit {
            code: code?,
            name: NfcText::new(name?),
            kind: kind?,
            area: area.or_else(|| kind.and_then(UnitKind::usual_area)),
            parent: None,
            valid_from: valid_from?,
            valid_to,
        },
        parent_code: parent,
    })
}

fn parse_household(c: &mut Cells) -> Option<ImportHousehold> {
    let code_s = c.required("household_code");
    let unit_s = c.required("unit_code");
    let head = c.required("head_name");
    let code = code_s.and_then(|s| {
        let col = c.raw("household_code").map_or(0, |x| x.1);
        c.registry("household_code", s, col, HouseholdCode::parse)
    });
    let unit = unit_s.and_then(|s| {
        let col = c.raw("unit_code").map_or(0, |x| x.1);
        c.registry("unit_code", s, col, UnitCode::parse)
    });
    let address = c.text("address");
    let area = c.choice("area", Area::parse);
    let income = c.money("monthly_income_vnd");
    let income_on = c.date("income_recorded_on");
    let housing = c.choice("housing_quality", Housing::parse);
    let floor = c.float("floor_area_m2");
    let water = c.choice("water_source", Water::parse);
    let toilet = c.choice("toilet", Toilet::parse);
    let flags: Vec<Option<bool>> = [
        "uses_telecom",
        "has_info_device",
        "hears_loudspeaker",
        "uses_internet",
        "uses_digital_services",
        "waste_treated",
    ]
    .iter()
    .map(|n| c.flag(n))
    .collect();
    if let Some(d) = income_on
        && d > c.as_of
    {
        let col = c.raw("income_recorded_on").map(|x| x.1);
        c.errs.push(problem(
            col,
            "IMP_DATE_FUTURE",
            format!(
                "ngày ghi nhận thu nhập sau ngày nhập {}",
                c.as_of.format("%d/%m/%Y")
            ),
            format!("the income date is after the import date {}", c.as_of),
        ));
    }
    if !c.errs.is_empty() {
        return None;
    }
    let mut h = Household::new(
        code?,
        UnitId(0),
        head?,
        address.as_ref().map_or("", NfcText::as_str),
    );
    h.area = area;
    h.housing_quality = housing;
    h.floor_area_m2 = floor;
    h.water_source = water;
    h.toilet = toilet;
    h.uses_telecom = flags[0];
    h.has_info_device = flags[1];
    h.hears_loudspeaker = flags[2];
    h.uses_internet = flags[3];
    h.uses_digital_services = flags[4];
    h.waste_treated = flags[5];
    Some(ImportHousehold {
        household: h,
        unit_code: unit?,
        income: income.map(|v| ImportIncome {
            monthly_income_vnd: v,
            recorded_on: income_on,
        }),
        members: Vec::new(),
    })
}

fn parse_member(c: &mut Cells) -> Option<(HouseholdCode, Member)> {
    let code_s = c.required("household_code");
    let name = c.required("full_name");
    c.required("relation");
    let code = code_s.and_then(|s| {
        let col = c.raw("household_code").map_or(0, |x| x.1);
        c.registry("household_code", s, col, HouseholdCode::parse)
    });
    let relation = c.choice("relation", Relation::parse);
    let dob = c.date("date_of_birth");
    let sex = c.choice("sex", Sex::parse);
    let cid = c.code("citizen_id", CitizenId::parse);
    let ethnicity = c.text("ethnicity");
    let labour = c.choice("labour_status", Labour::parse);
    let education = c.choice("education_level", Education::parse);
    let flags: Vec<Option<bool>> = [
        "has_health_insurance",
        "attending_school",
        "in_training",
        "stunted_or_underweight",
        "is_disabled",
        "receives_social_allowance",
        "sick_untreated",
    ]
    .iter()
    .map(|n| c.flag(n))
    .collect();
    let start = c.date("start_date");
    let end = c.date("end_date");
    if let Some(d) = dob
        && d > c.as_of
    {
        let col = c.raw("date_of_birth").map(|x| x.1);
        c.errs.push(problem(
            col,
            "IMP_DATE_FUTURE",
            format!("ngày sinh sau ngày nhập {}", c.as_of.format("%d/%m/%Y")),
            format!("the date of birth is after the import date {}", c.as_of),
        ));
    }
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        let col = c.raw("end_date").map(|x| x.1);
        c.errs.push(problem(
            col,
            "IMP_DATE_RANGE",
            "ngày thôi là thành viên phải sau ngày bắt đầu".into(),
            "the membership must end after it starts".into(),
        ));
    }
    if !c.errs.is_empty() {
        return None;
    }
    let mut m = Member::new(name?, relation?);
    m.date_of_birth = dob;
    m.sex = sex;
    m.citizen_id = cid;
    m.ethnicity = ethnicity;
    m.labour_status = labour;
    m.education_level = education;
    m.has_health_insurance = flags[0];
    m.attending_school = flags[1];
    m.in_training = flags[2];
    m.stunted_or_underweight = flags[3];
    m.is_disabled = flags[4];
    m.receives_social_allowance = flags[5];
    m.sick_untreated = flags[6];
    m.start_date = start;
    m.end_date = end;
    Some((code?, m))
}

/// A problem with one field of a record typed in a form: the field's name (empty for the record as a
/// whole) and why, with the import's own codes and messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub vi: String,
    pub en: String,
}

/// Parses one record given as `(field name, text)` pairs with the import's rules (the same parsers,
/// checks and messages as a row of a file).
fn parse_fields<T>(
    kind: Table,
    values: &[(&str, &str)],
    as_of: NaiveDate,
    parse: impl FnOnce(&mut Cells) -> Option<T>,
) -> std::result::Result<T, Vec<FieldError>> {
    let headers: Vec<&str> = values.iter().map(|(k, _)| *k).collect();
    let row: Vec<&str> = values.iter().map(|(_, v)| *v).collect();
    let t = crate::raw::table_from_rows("form", &headers, &[row]);
    let idx = locate(kind, &t.headers);
    let mut c = cells(&t, &idx, kind, 0, as_of);
    let v = parse(&mut c);
    match v {
        Some(v) if c.errs.is_empty() => Ok(v),
        _ => Err(c
            .errs
            .into_iter()
            .map(|p| FieldError {
                field: p
                    .col
                    .and_then(|i| kind.columns().iter().find(|c| c.matches(&t.headers[i])))
                    .map(|c| c.name.to_string())
                    .unwrap_or_default(),
                code: p.code,
                vi: p.vi,
                en: p.en,
            })
            .collect()),
    }
}

/// Parses a household typed in a form: `(field name, text)` pairs named as the household table's
/// columns (`household_code`, `unit_code`, `head_name`, …), checked as an import row is.
pub fn parse_household_fields(
    values: &[(&str, &str)],
    as_of: NaiveDate,
) -> std::result::Result<ImportHousehold, Vec<FieldError>> {
    parse_fields(Table::Households, values, as_of, parse_household)
}

/// Parses a member typed in a form (fields named as the member table's columns, `household_code`
/// included), checked as an import row is.
pub fn parse_member_fields(
    values: &[(&str, &str)],
    as_of: NaiveDate,
) -> std::result::Result<Member, Vec<FieldError>> {
    parse_fields(Table::Members, values, as_of, parse_member).map(|(_, m)| m)
}

/// Reads the files (every sheet of a workbook; each table recognised by its headers), named on this
/// machine: every format, under the default limits (`crate::raw::limits`).
pub fn read_tables(
    files: &[PathBuf],
    encoding: Option<&str>,
) -> Result<(Vec<RawTable>, Vec<String>)> {
    read_tables_from(files, encoding, Origin::Local)
}

/// [`read_tables`] for files from `origin`: an [`Origin::Upload`] (the web's import) must be `.xlsx` or
/// `.csv` (`FILE_UPLOAD_TYPE`). Both are bounded before parsing (`ansinh_tabular::limits`).
pub fn read_tables_from(
    files: &[PathBuf],
    encoding: Option<&str>,
    origin: Origin,
) -> Result<(Vec<RawTable>, Vec<String>)> {
    let limits = crate::raw::limits().with_origin(origin);
    let mut tables = Vec::new();
    let mut skipped = Vec::new();
    for f in files {
        for t in read_file_with(f, encoding, &limits)? {
            if t.table.is_some() {
                tables.push(t);
            } else if !t.headers.is_empty() {
                skipped.push(t.source.clone());
            }
        }
    }
    Ok((tables, skipped))
}

/// Validates the tables against each other and the registry, and writes what may be written.
pub async fn import_tables<S: Store>(
    store: &S,
    ctx: &ChangeContext,
    tables: Vec<RawTable>,
    skipped: Vec<String>,
    opts: &ImportOptions,
) -> Result<ImportReport> {
    // Columns no table of the kind has: the stored values of those fields are kept on re-import.
    let absent = |kind: Table| -> Vec<String> {
        let found: Vec<Vec<Option<usize>>> = tables
            .iter()
            .filter(|t| t.table == Some(kind))
            .map(|t| locate(kind, &t.headers))
            .collect();
        kind.columns()
            .iter()
            .enumerate()
            .filter(|(i, _)| found.iter().all(|f| f[*i].is_none()))
            .map(|(_, c)| c.name.to_string())
            .collect()
    };
    let absent_household_fields = absent(Table::Households);
    let absent_member_fields = absent(Table::Members);
    // A file of units alone is a unit list (e.g. data/units/tinh-thanh-2025.csv).
    if !tables
        .iter()
        .any(|t| matches!(t.table, Some(Table::Households | Table::Units)))
    {
        return Err(IoError::NoHouseholds);
    }
    let mut errors: Vec<RowError> = Vec::new();
    let push = |errors: &mut Vec<RowError>, t: &RawTable, ti: usize, r: usize, p: Problem| {
        errors.push(RowError {
            table: ti,
            index: r,
            row: t.row_number(r),
            column: p.col.map(|c| t.headers[c].clone()).unwrap_or_default(),
            code: p.code,
            vi: p.vi,
            en: p.en,
        });
    };
    let mut units: Vec<Parsed<ImportUnit>> = Vec::new();
    let mut households: Vec<Parsed<ImportHousehold>> = Vec::new();
    let mut members: Vec<Parsed<(HouseholdCode, Member)>> = Vec::new();
    for (ti, t) in tables.iter().enumerate() {
        let Some(kind) = t.table else { continue };
        let idx = locate(kind, &t.headers);
        for (c, i) in kind.columns().iter().zip(&idx) {
            if c.required && i.is_none() {
                return Err(IoError::MissingColumn {
                    source_name: t.source.clone(),
                    column: c.name,
                    vi: c.vi,
                });
            }
        }
        for r in 0..t.len() {
            let mut c = cells(t, &idx, kind, r, opts.as_of);
            match kind {
                Table::Units => {
                    let value = parse_unit(&mut c);
                    units.push(Parsed {
                        table: ti,
                        index: r,
                        value,
                    });
                }
                Table::Households => {
                    let value = parse_household(&mut c);
                    households.push(Parsed {
                        table: ti,
                        index: r,
                        value,
                    });
                }
                Table::Members => {
                    let value = parse_member(&mut c);
                    members.push(Parsed {
                        table: ti,
                        index: r,
                        value,
                    });
                }
            }
            for p in c.errs {
                push(&mut errors, t, ti, r, p);
            }
        }
    }
    let row_error = |errors: &mut Vec<RowError>,
                     ti: usize,
                     r: usize,
                     col: &str,
                     code,
                     vi: String,
                     en: String| {
        let t = &tables[ti];
        let kind = t.table.unwrap_or(Table::Households);
        let c = locate(kind, &t.headers)[kind
            .columns()
            .iter()
            .position(|c| c.name == col)
            .unwrap_or(0)];
        push(errors, t, ti, r, problem(c, code, vi, en));
    };

    // Units: those of the file (valid, and valid on the import date) and those recorded.
    let mut file_units: BTreeMap<UnitCode, usize> = BTreeMap::new();
    for (k, u) in units.iter().enumerate() {
        if let Some(v) = &u.value {
            if let Some(&prev) = file_units.get(&v.unit.code)
                && units[prev]
                    .value
                    .as_ref()
                    .is_some_and(|p| p.unit.valid_from == v.unit.valid_from)
            {
                row_error(
                    &mut errors,
                    u.table,
                    u.index,
                    "unit_code",
                    "IMP_DUPLICATE",
                    format!("đơn vị {} xuất hiện hai lần", v.unit.code),
                    format!("unit {} appears twice", v.unit.code),
                );
                continue;
            }
            file_units.insert(v.unit.code.clone(), k);
        }
    }
    let mut known_units: HashMap<UnitCode, bool> = HashMap::new();
    for u in units.iter().filter_map(|u| u.value.as_ref()) {
        if let Some(p) = &u.parent_code
            && !file_units.contains_key(p)
        {
            known_unit(store, &mut known_units, p, u.unit.valid_from).await?;
        }
    }
    for u in &mut units {
        let Some(v) = &u.value else { continue };
        if let Some(p) = &v.parent_code
            && !file_units.contains_key(p)
            && !known_units.get(p).copied().unwrap_or(false)
        {
            row_error(
                &mut errors,
                u.table,
                u.index,
                "parent_code",
                "IMP_UNKNOWN_UNIT",
                format!("không có đơn vị cấp trên mã {p}"),
                format!("no parent unit with code {p}"),
            );
            u.value = None;
        }
    }
    // Units outside the officer's units: a unit of the file must be one of them already, or be new
    // under one of them (or under a unit of the file that is).
    let mut in_scope: HashMap<UnitCode, bool> = HashMap::new();
    if let Some(within) = &opts.within {
        for u in &mut units {
            let Some(v) = &u.value else { continue };
            let inside = match store.unit_at(&v.unit.code, v.unit.valid_from).await? {
                Some(recorded) => within.contains(&recorded.id),
                None => match &v.parent_code {
                    None => false,
                    Some(p) => match in_scope.get(p) {
                        Some(&ok) => ok,
                        None => store
                            .unit_at(p, v.unit.valid_from)
                            .await?
                            .is_some_and(|r| within.contains(&r.id)),
                    },
                },
            };
            let code = v.unit.code.clone();
            in_scope.insert(code.clone(), inside);
            if !inside {
                let (vi, en) = outside_scope(&code);
                row_error(
                    &mut errors,
                    u.table,
                    u.index,
                    "unit_code",
                    "IMP_OUTSIDE_SCOPE",
                    vi,
                    en,
                );
                u.value = None;
            }
        }
        for h in households.iter().filter_map(|h| h.value.as_ref()) {
            if !in_scope.contains_key(&h.unit_code) {
                let inside = store
                    .unit_at(&h.unit_code, opts.as_of)
                    .await?
                    .is_some_and(|r| within.contains(&r.id));
                in_scope.insert(h.unit_code.clone(), inside);
            }
        }
    }
    let mut unit_ok: HashMap<UnitCode, bool> = HashMap::new();
    for h in households.iter().filter_map(|h| h.value.as_ref()) {
        if unit_ok.contains_key(&h.unit_code) {
            continue;
        }
        let in_file = file_units
            .get(&h.unit_code)
            .and_then(|&k| units[k].value.as_ref())
            .is_some_and(|u| u.unit.is_valid_on(opts.as_of));
        let ok = in_file || store.unit_at(&h.unit_code, opts.as_of).await?.is_some();
        unit_ok.insert(h.unit_code.clone(), ok);
    }

    // Households: one row per code; members under a household of the file.
    let mut by_code: HashMap<HouseholdCode, usize> = HashMap::new();
    for (k, h) in households.iter_mut().enumerate() {
        let Some(v) = &h.value else { continue };
        let code = v.household.code.clone();
        if in_scope.get(&v.unit_code) == Some(&false) {
            let (vi, en) = outside_scope(&v.unit_code);
            row_error(
                &mut errors,
                h.table,
                h.index,
                "unit_code",
                "IMP_OUTSIDE_SCOPE",
                vi,
                en,
            );
            h.value = None;
        } else if !unit_ok.get(&v.unit_code).copied().unwrap_or(false) {
            let u = v.unit_code.clone();
            row_error(
                &mut errors,
                h.table,
                h.index,
                "unit_code",
                "IMP_UNKNOWN_UNIT",
                format!(
                    "không có đơn vị hành chính mã {u} có hiệu lực ngày {}",
                    opts.as_of.format("%d/%m/%Y")
                ),
                format!(
                    "no administrative unit with code {u} is valid on {}",
                    opts.as_of
                ),
            );
            h.value = None;
        }
        if let Some(within) = &opts.within
            && h.value.is_some()
        {
            let elsewhere = match store.household_by_code(&code).await {
                Ok(recorded) => !within.contains(&recorded.household.unit),
                Err(ansinh_store::StoreError::NotFound { .. }) => false,
                Err(e) => return Err(e.into()),
            };
            if elsewhere {
                row_error(
                    &mut errors,
                    h.table,
                    h.index,
                    "household_code",
                    "IMP_OUTSIDE_SCOPE",
                    format!("mã hộ {code} đã được dùng cho một hộ ngoài phạm vi bạn quản lý"),
                    format!(
                        "household code {code} is already used by a household outside your units"
                    ),
                );
                h.value = None;
            }
        }
        if by_code.contains_key(&code) {
            row_error(
                &mut errors,
                h.table,
                h.index,
                "household_code",
                "IMP_DUPLICATE",
                format!("mã hộ {code} xuất hiện hai lần"),
                format!("household code {code} appears twice"),
            );
            h.value = None;
            continue;
        }
        by_code.insert(code, k);
    }
    let mut household_bad = vec![false; households.len()];
    for (k, h) in households.iter().enumerate() {
        household_bad[k] = h.value.is_none();
    }
    // Citizen IDs: one live membership per person, in the file and against the registry.
    let mut seen: HashMap<CitizenId, usize> = HashMap::new();
    let mut member_bad = vec![false; members.len()];
    for (k, m) in members.iter().enumerate() {
        let Some((code, mem)) = &m.value else {
            member_bad[k] = true;
            continue;
        };
        if !by_code.contains_key(code) {
            row_error(
                &mut errors,
                m.table,
                m.index,
                "household_code",
                "IMP_UNKNOWN_HOUSEHOLD",
                format!("hộ {code} không có trong bảng hộ gia đình của tệp"),
                format!("household {code} is not in the file's household table"),
            );
            member_bad[k] = true;
            continue;
        }
        if mem.end_date.is_none()
            && let Some(cid) = &mem.citizen_id
        {
            if let Some(&other) = seen.get(cid) {
                let oc = members[other]
                    .value
                    .as_ref()
                    .map(|(c, _)| c.to_string())
                    .unwrap_or_default();
                row_error(
                    &mut errors,
                    m.table,
                    m.index,
                    "citizen_id",
                    "IMP_CITIZEN_ID_TWICE",
                    format!(
                        "số định danh {cid} đã có ở dòng {} (hộ {oc})",
                        tables[members[other].table].row_number(members[other].index)
                    ),
                    format!(
                        "citizen ID {cid} is already on row {} (household {oc})",
                        tables[members[other].table].row_number(members[other].index)
                    ),
                );
                member_bad[k] = true;
            } else {
                seen.insert(cid.clone(), k);
            }
        }
    }
    let ids: Vec<CitizenId> = seen.keys().cloned().collect();
    for chunk in ids.chunks(10_000) {
        for (cid, holder) in store.live_memberships(chunk).await? {
            let Some(&k) = seen.get(&cid) else { continue };
            let m = &members[k];
            let Some((code, _)) = &m.value else { continue };
            if *code != holder {
                let e = ansinh_store::StoreError::Conflict {
                    citizen_id: cid.clone(),
                    household_a: holder.clone(),
                    household_b: code.clone(),
                };
                row_error(
                    &mut errors,
                    m.table,
                    m.index,
                    "citizen_id",
                    e.code(),
                    e.message_vi(),
                    e.message_en(),
                );
                member_bad[k] = true;
            }
        }
    }
    // A household is taken whole or not at all.
    let mut household_members: Vec<Vec<usize>> = vec![Vec::new(); households.len()];
    for (k, m) in members.iter().enumerate() {
        // A row that failed still names its household (when that cell is readable).
        let code = match &m.value {
            Some((code, _)) => Some(code.clone()),
            None => {
                let t = &tables[m.table];
                let idx = locate(Table::Members, &t.headers);
                idx[0].and_then(|c| HouseholdCode::parse(t.cell(m.index, c)).ok())
            }
        };
        if let Some(code) = code
            && let Some(&h) = by_code.get(&code)
        {
            household_members[h].push(k);
        }
    }
    for (h, ms) in household_members.iter().enumerate() {
        if ms.iter().any(|&k| member_bad[k]) && !household_bad[h] {
            household_bad[h] = true;
            let p = &households[h];
            row_error(
                &mut errors,
                p.table,
                p.index,
                "household_code",
                "IMP_HOUSEHOLD_REJECTED",
                "một dòng thành viên của hộ có lỗi: cả hộ chưa được nhập".into(),
                "a member row of this household has an error: the whole household was not imported"
                    .into(),
            );
        }
        if household_bad[h] {
            for &k in ms {
                if !member_bad[k] {
                    member_bad[k] = true;
                    let m = &members[k];
                    row_error(&mut errors, m.table, m.index, "household_code", "IMP_HOUSEHOLD_REJECTED",
                        "dòng hộ hoặc một thành viên khác của hộ có lỗi: cả hộ chưa được nhập".into(),
                        "the household row or another member row has an error: the whole household was not imported".into());
                }
            }
        }
    }
    errors.sort_by_key(|e| (e.table, e.index));

    let households_valid = household_bad.iter().filter(|b| !**b).count();
    let members_valid = member_bad.iter().filter(|b| !**b).count();
    let units_valid = units.iter().filter(|u| u.value.is_some()).count();
    let mut report = ImportReport {
        rows_read: tables.iter().map(RawTable::len).sum(),
        skipped,
        households_valid,
        members_valid,
        units_valid,
        errors,
        summary: None,
        tables: Vec::new(),
    };
    let write = !opts.dry_run && (report.errors.is_empty() || opts.on_error == OnError::TakeValid);
    if write {
        let mut batch = ImportBatch {
            units: units.into_iter().filter_map(|u| u.value).collect(),
            households: Vec::with_capacity(households_valid),
            as_of: opts.as_of,
            absent_household_fields,
            absent_member_fields,
        };
        let mut mvals: Vec<Option<(HouseholdCode, Member)>> =
            members.into_iter().map(|m| m.value).collect();
        for (k, h) in households.into_iter().enumerate() {
            if household_bad[k] {
                continue;
            }
            let Some(mut v) = h.value else { continue };
            for &m in &household_members[k] {
                if let Some((_, mem)) = mvals[m].take() {
                    v.members.push(mem);
                }
            }
            batch.households.push(v);
        }
        if !batch.households.is_empty() || !batch.units.is_empty() {
            report.summary = Some(store.import(ctx, &batch).await?);
        }
    }
    report.tables = tables;
    Ok(report)
}

fn outside_scope(code: &UnitCode) -> (String, String) {
    (
        format!("đơn vị {code} nằm ngoài phạm vi bạn được quản lý: không nhập dòng này"),
        format!("unit {code} is outside the units you manage: this row was not imported"),
    )
}

async fn known_unit<S: Store>(
    store: &S,
    cache: &mut HashMap<UnitCode, bool>,
    code: &UnitCode,
    on: NaiveDate,
) -> Result<bool> {
    if let Some(&k) = cache.get(code) {
        return Ok(k);
    }
    let k = store.unit_at(code, on).await?.is_some();
    cache.insert(code.clone(), k);
    Ok(k)
}

/// Reads the files and imports them.
pub async fn import_files<S: Store>(
    store: &S,
    ctx: &ChangeContext,
    files: &[PathBuf],
    opts: &ImportOptions,
) -> Result<ImportReport> {
    let (tables, skipped) = read_tables(files, opts.encoding.as_deref())?;
    import_tables(store, ctx, tables, skipped, opts).await
}

/// The change context of an import: the officer, `import:<file names>`, and the reason every change
/// of a recorded household carries.
pub fn import_context(actor: &str, files: &[PathBuf]) -> ChangeContext {
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            f.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    let names = names.join(", ");
    ChangeContext::new(actor, &format!("import:{names}"))
        .because(&format!("nhập từ tệp / imported from {names}"))
}

/// The default path of the rejected-rows workbook: `<file>-loi.xlsx` in the current folder, after the
/// file of the first rejected row.
pub fn rejected_path(report: &ImportReport) -> PathBuf {
    let first = report
        .errors
        .first()
        .and_then(|e| report.tables.get(e.table))
        .map(|t| t.path.as_path());
    let stem = first
        .and_then(Path::file_stem)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "nhap".into());
    PathBuf::from(format!("{stem}-loi.xlsx"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_the_way_officers_type_them() {
        assert_eq!(parse_money("1.500.000"), Some(1_500_000));
        assert_eq!(parse_money("1,500,000 đ"), Some(1_500_000));
        assert_eq!(parse_money("2 000 000 VND"), Some(2_000_000));
        assert_eq!(parse_money("1.5"), None);
        assert_eq!(
            parse_date("05/03/1980"),
            NaiveDate::from_ymd_opt(1980, 3, 5)
        );
        assert_eq!(
            parse_date("1980-03-05"),
            NaiveDate::from_ymd_opt(1980, 3, 5)
        );
        assert_eq!(
            parse_date("1980-03-05 00:00:00"),
            NaiveDate::from_ymd_opt(1980, 3, 5)
        );
        assert_eq!(parse_date("31/02/1980"), None);
        assert_eq!(parse_bool("Có"), Some(true));
        assert_eq!(parse_bool("KHÔNG"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn a_form_record_is_checked_field_by_field_like_a_row() {
        let as_of = NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
        let h = parse_household_fields(
            &[
                ("household_code", "hd-1"),
                ("unit_code", "1101"),
                ("head_name", "Lê Văn A"),
                ("water_source", "Nước máy"),
                ("uses_internet", "Có"),
            ],
            as_of,
        )
        .unwrap();
        assert_eq!(h.household.code.as_str(), "HD-1");
        assert_eq!(h.household.water_source, Some(Water::Piped));
        assert_eq!(h.household.uses_internet, Some(true));
        let errs = parse_household_fields(
            &[
                ("household_code", "HD 1"),
                ("unit_code", "1101"),
                ("head_name", ""),
                ("floor_area_m2", "rộng"),
            ],
            as_of,
        )
        .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["head_name", "household_code", "floor_area_m2"]);
        let errs = parse_member_fields(
            &[
                ("household_code", "HD-1"),
                ("full_name", "Lê Thị B"),
                ("relation", "Con"),
                ("citizen_id", "12345"),
                ("date_of_birth", "01/01/2030"),
            ],
            as_of,
        )
        .unwrap_err();
        let fields: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [
                ("citizen_id", "IMP_VALUE"),
                ("date_of_birth", "IMP_DATE_FUTURE")
            ]
        );
        assert!(errs[0].vi.contains("12 chữ số"), "{}", errs[0].vi);
    }
}

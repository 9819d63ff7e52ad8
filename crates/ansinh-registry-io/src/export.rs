//! Export of the registry (or the part under some units) as XLSX, CSV or Parquet, in the import's own
//! format: an export imports back unchanged. XLSX has Vietnamese headers and labels and starts a new
//! sheet (`Thành viên (2)`, …) before a sheet's 1,048,576-row limit, so nothing is ever cut off; CSV
//! and Parquet use the field names and codes, one file per table. Also the empty import template.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use rust_xlsxwriter::{Format, Workbook, Worksheet};

use ansinh_domain::registry::{Relation, UnitCode, UnitId};
use ansinh_domain::schema::EnumValue;
use ansinh_store::{Store, StoredHousehold, StoredUnit};

use crate::columns::{Col, Table, Ty};
use crate::error::{IoError, Result};
use crate::raw::partial_path;

/// Rows in one worksheet: 1,048,576, the header included.
pub const XLSX_MAX_ROWS: u32 = 1_048_576;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv,
    Parquet,
}

#[derive(Clone, Debug)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// Only households recorded under these units or any unit below them (all when empty).
    pub units: Vec<UnitCode>,
    /// Rows per worksheet, header included (XLSX only; [`XLSX_MAX_ROWS`] unless testing).
    pub max_rows_per_sheet: u32,
    /// Only these units (by id: an officer's subtree) in the units table, and only households recorded
    /// under one of them; replaces `units` when set.
    pub only_units: Option<Vec<UnitId>>,
}

impl ExportOptions {
    pub fn new(format: ExportFormat) -> ExportOptions {
        ExportOptions {
            format,
            units: Vec::new(),
            max_rows_per_sheet: XLSX_MAX_ROWS,
            only_units: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub units: u64,
    pub households: u64,
    pub members: u64,
    /// Worksheets per table (XLSX).
    pub sheets: BTreeMap<&'static str, u32>,
    pub files: Vec<PathBuf>,
}

/// One cell of an exported row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// How values are written: Vietnamese labels and dd/mm/yyyy (XLSX) or codes and ISO dates (CSV, Parquet).
#[derive(Clone, Copy, PartialEq)]
enum Style {
    Labels,
    Codes,
}

fn choice(values: &[EnumValue], code: Option<&str>, style: Style) -> Cell {
    match code {
        None => Cell::Empty,
        Some(c) => match style {
            Style::Codes => Cell::Text(c.to_string()),
            Style::Labels => Cell::Text(
                values
                    .iter()
                    .find(|v| v.code == c)
                    .map_or(c, |v| v.vi)
                    .to_string(),
            ),
        },
    }
}

fn date(d: Option<NaiveDate>, style: Style) -> Cell {
    match d {
        None => Cell::Empty,
        Some(d) => Cell::Text(match style {
            Style::Labels => d.format("%d/%m/%Y").to_string(),
            Style::Codes => d.format("%Y-%m-%d").to_string(),
        }),
    }
}

fn text(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_string())
    }
}

fn flag(b: Option<bool>, style: Style) -> Cell {
    match (b, style) {
        (None, _) => Cell::Empty,
        (Some(b), Style::Codes) => Cell::Bool(b),
        (Some(true), Style::Labels) => Cell::Text("Có".into()),
        (Some(false), Style::Labels) => Cell::Text("Không".into()),
    }
}

fn col_choice(table: Table, name: &str) -> &'static [EnumValue] {
    match table
        .columns()
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.ty)
    {
        Some(Ty::Choice(v)) => v,
        _ => &[],
    }
}

fn unit_row(u: &StoredUnit, codes: &BTreeMap<UnitId, UnitCode>, style: Style) -> Vec<Cell> {
    let t = Table::Units;
    vec![
        text(u.unit.code.as_str()),
        text(u.unit.name.as_str()),
        choice(col_choice(t, "unit_kind"), Some(u.unit.kind.code()), style),
        choice(col_choice(t, "area"), u.unit.area.map(|a| a.code()), style),
        u.unit
            .parent
            .and_then(|p| codes.get(&p))
            .map_or(Cell::Empty, |c| text(c.as_str())),
        date(Some(u.unit.valid_from), style),
        date(u.unit.valid_to, style),
    ]
}

fn household_row(h: &StoredHousehold, unit: &UnitCode, style: Style) -> Vec<Cell> {
    let t = Table::Households;
    let x = &h.household;
    let latest = x.incomes.iter().max_by_key(|r| r.recorded_on);
    let c = |name: &str, code: Option<&str>| choice(col_choice(t, name), code, style);
    vec![
        text(x.code.as_str()),
        text(unit.as_str()),
        text(x.head_name.as_str()),
        text(x.address.as_str()),
        c("area", x.area.map(|v| v.code())),
        latest.map_or(Cell::Empty, |r| Cell::Int(r.monthly_income_vnd.0)),
        date(latest.map(|r| r.recorded_on), style),
        c("housing_quality", x.housing_quality.map(|v| v.code())),
        x.floor_area_m2.map_or(Cell::Empty, Cell::Float),
        c("water_source", x.water_source.map(|v| v.code())),
        c("toilet", x.toilet.map(|v| v.code())),
        flag(x.uses_telecom, style),
        flag(x.has_info_device, style),
        flag(x.hears_loudspeaker, style),
        flag(x.uses_internet, style),
        flag(x.uses_digital_services, style),
        flag(x.waste_treated, style),
    ]
}

fn member_rows(h: &StoredHousehold, style: Style) -> Vec<Vec<Cell>> {
    let t = Table::Members;
    let c = |name: &str, code: Option<&str>| choice(col_choice(t, name), code, style);
    h.members
        .iter()
        .map(|s| {
            let m = &s.member;
            vec![
                text(h.household.code.as_str()),
                text(m.full_name.as_str()),
                c("relation", Some(m.relation.code())),
                date(m.date_of_birth, style),
                c("sex", m.sex.map(|v| v.code())),
                m.citizen_id
                    .as_ref()
                    .map_or(Cell::Empty, |v| text(v.as_str())),
                m.ethnicity
                    .as_ref()
                    .map_or(Cell::Empty, |v| text(v.as_str())),
                c("labour_status", m.labour_status.map(|v| v.code())),
                flag(m.has_health_insurance, style),
                c("education_level", m.education_level.map(|v| v.code())),
                flag(m.attending_school, style),
                flag(m.in_training, style),
                flag(m.stunted_or_underweight, style),
                flag(m.is_disabled, style),
                flag(m.receives_social_allowance, style),
                flag(m.sick_untreated, style),
                date(m.start_date, style),
                date(m.end_date, style),
            ]
        })
        .collect()
}

/// A household's cells as text in the import's format (codes, ISO dates, `true`/`false`), by column
/// name: what a form shows to be changed and parsed again by [`crate::import::parse_household_fields`].
pub fn household_texts(h: &StoredHousehold, unit: &UnitCode) -> Vec<(&'static str, String)> {
    Table::Households
        .columns()
        .iter()
        .map(|c| c.name)
        .zip(
            household_row(h, unit, Style::Codes)
                .into_iter()
                .map(cell_text),
        )
        .collect()
}

/// Each membership's cells as text in the import's format, by column name, in the household's order.
pub fn member_texts(h: &StoredHousehold) -> Vec<Vec<(&'static str, String)>> {
    member_rows(h, Style::Codes)
        .into_iter()
        .map(|r| {
            Table::Members
                .columns()
                .iter()
                .map(|c| c.name)
                .zip(r.into_iter().map(cell_text))
                .collect()
        })
        .collect()
}

/// Where exported rows go.
trait Sink {
    fn row(&mut self, table: Table, cells: Vec<Cell>) -> Result<()>;
    fn finish(self: Box<Self>, summary: &mut ExportSummary) -> Result<()>;
}

// --- XLSX ------------------------------------------------------------------------------------------------

struct XlsxSink {
    path: PathBuf,
    wb: Workbook,
    max_data_rows: u32,
    /// Per table: current sheet name, rows written in it, sheets so far.
    sheets: BTreeMap<Table, (String, u32, u32)>,
}

fn header_row(ws: &mut Worksheet, cols: &[Col], path: &Path) -> Result<()> {
    let bold = Format::new().set_bold();
    for (c, col) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, col.header(), &bold)
            .map_err(|e| IoError::file(path, e))?;
        ws.set_column_width(c as u16, (col.vi.chars().count() as f64 + 4.0).max(12.0))
            .map_err(|e| IoError::file(path, e))?;
    }
    Ok(())
}

impl XlsxSink {
    fn new(path: &Path, max_rows: u32) -> XlsxSink {
        XlsxSink {
            path: path.to_path_buf(),
            wb: Workbook::new(),
            max_data_rows: max_rows.saturating_sub(1).max(1),
            sheets: BTreeMap::new(),
        }
    }
    fn new_sheet(&mut self, table: Table, n: u32) -> Result<String> {
        let name = if n == 1 {
            table.sheet().to_string()
        } else {
            format!("{} ({n})", table.sheet())
        };
        let path = self.path.clone();
        let ws = self
            .wb
            .add_worksheet_with_constant_memory()
            .map_err(|e| IoError::file(&path, e))?;
        ws.set_name(&name).map_err(|e| IoError::file(&path, e))?;
        header_row(ws, table.columns(), &path)?;
        ws.set_freeze_panes(1, 0)
            .map_err(|e| IoError::file(&path, e))?;
        Ok(name)
    }
}

impl Sink for XlsxSink {
    fn row(&mut self, table: Table, cells: Vec<Cell>) -> Result<()> {
        let (name, rows, n) = match self.sheets.get(&table).cloned() {
            Some((name, rows, n)) if rows < self.max_data_rows => (name, rows, n),
            Some((_, _, n)) => (self.new_sheet(table, n + 1)?, 0, n + 1),
            None => (self.new_sheet(table, 1)?, 0, 1),
        };
        let path = self.path.clone();
        let xl = |e: rust_xlsxwriter::XlsxError| IoError::file(&path, e);
        let ws = self.wb.worksheet_from_name(&name).map_err(xl)?;
        let r = rows + 1;
        for (c, v) in cells.into_iter().enumerate() {
            let c = c as u16;
            match v {
                Cell::Empty => {}
                Cell::Text(s) => {
                    ws.write_string(r, c, s).map_err(xl)?;
                }
                Cell::Int(i) => {
                    ws.write_number(r, c, i as f64).map_err(xl)?;
                }
                Cell::Float(f) => {
                    ws.write_number(r, c, f).map_err(xl)?;
                }
                Cell::Bool(b) => {
                    ws.write_boolean(r, c, b).map_err(xl)?;
                }
            }
        }
        self.sheets.insert(table, (name, rows + 1, n));
        Ok(())
    }
    fn finish(mut self: Box<Self>, summary: &mut ExportSummary) -> Result<()> {
        for t in Table::ALL {
            if !self.sheets.contains_key(&t) {
                self.new_sheet(t, 1)?;
                self.sheets.insert(t, (t.sheet().to_string(), 0, 1));
            }
        }
        for (t, (_, _, n)) in &self.sheets {
            summary.sheets.insert(t.sheet(), *n);
        }
        let tmp = partial_path(&self.path);
        self.wb
            .save(&tmp)
            .map_err(|e| IoError::file(&self.path, e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| IoError::file(&self.path, e))?;
        summary.files.push(self.path.clone());
        Ok(())
    }
}

// --- CSV -------------------------------------------------------------------------------------------------

struct CsvSink {
    dir: PathBuf,
    writers: BTreeMap<Table, (PathBuf, csv::Writer<std::io::BufWriter<File>>)>,
}

impl CsvSink {
    fn writer(&mut self, table: Table) -> Result<&mut csv::Writer<std::io::BufWriter<File>>> {
        if !self.writers.contains_key(&table) {
            let path = self.dir.join(format!("{}.csv", table.file_stem()));
            let tmp = partial_path(&path);
            let f = File::create(&tmp).map_err(|e| IoError::file(&tmp, e))?;
            let mut w = csv::Writer::from_writer(std::io::BufWriter::new(f));
            let names: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
            w.write_record(&names)
                .map_err(|e| IoError::file(&path, e))?;
            self.writers.insert(table, (path, w));
        }
        match self.writers.get_mut(&table) {
            Some((_, w)) => Ok(w),
            None => Err(IoError::file(&self.dir, "writer")),
        }
    }
}

fn cell_text(c: Cell) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(s) => crate::neutral::csv_string(s),
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) => f.to_string(),
        Cell::Bool(b) => b.to_string(),
    }
}

impl Sink for CsvSink {
    fn row(&mut self, table: Table, cells: Vec<Cell>) -> Result<()> {
        let dir = self.dir.clone();
        let w = self.writer(table)?;
        w.write_record(cells.into_iter().map(cell_text))
            .map_err(|e| IoError::file(&dir, e))
    }
    fn finish(mut self: Box<Self>, summary: &mut ExportSummary) -> Result<()> {
        for t in Table::ALL {
            self.writer(t)?;
        }
        for (_, (path, mut w)) in std::mem::take(&mut self.writers) {
            w.flush().map_err(|e| IoError::file(&path, e))?;
            drop(w);
            std::fs::rename(partial_path(&path), &path).map_err(|e| IoError::file(&path, e))?;
            summary.files.push(path);
        }
        Ok(())
    }
}

// --- Parquet ---------------------------------------------------------------------------------------------

struct ParquetTable {
    path: PathBuf,
    writer: ArrowWriter<File>,
    schema: Arc<Schema>,
    rows: Vec<Vec<Cell>>,
}

struct ParquetSink {
    dir: PathBuf,
    tables: BTreeMap<Table, ParquetTable>,
}

fn arrow_type(ty: Ty) -> DataType {
    match ty {
        Ty::Money => DataType::Int64,
        Ty::Float => DataType::Float64,
        Ty::Bool => DataType::Boolean,
        _ => DataType::Utf8,
    }
}

impl ParquetTable {
    fn flush(&mut self) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for (k, f) in self.schema.fields().iter().enumerate() {
            let cells = rows
                .iter()
                .map(|r| r.get(k).cloned().unwrap_or(Cell::Empty));
            let a: ArrayRef = match f.data_type() {
                DataType::Int64 => Arc::new(Int64Array::from(
                    cells
                        .map(|c| match c {
                            Cell::Int(i) => Some(i),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                )),
                DataType::Float64 => Arc::new(Float64Array::from(
                    cells
                        .map(|c| match c {
                            Cell::Float(x) => Some(x),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                )),
                DataType::Boolean => Arc::new(BooleanArray::from(
                    cells
                        .map(|c| match c {
                            Cell::Bool(b) => Some(b),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                )),
                _ => Arc::new(StringArray::from(
                    cells
                        .map(|c| match c {
                            Cell::Empty => None,
                            c => Some(cell_text(c)),
                        })
                        .collect::<Vec<_>>(),
                )),
            };
            arrays.push(a);
        }
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| IoError::file(&self.path, e))?;
        self.writer
            .write(&batch)
            .map_err(|e| IoError::file(&self.path, e))
    }
}

impl ParquetSink {
    fn table(&mut self, table: Table) -> Result<&mut ParquetTable> {
        if !self.tables.contains_key(&table) {
            let path = self.dir.join(format!("{}.parquet", table.file_stem()));
            let schema = Arc::new(Schema::new(
                table
                    .columns()
                    .iter()
                    .map(|c| Field::new(c.name, arrow_type(c.ty), !c.required))
                    .collect::<Vec<_>>(),
            ));
            let tmp = partial_path(&path);
            let f = File::create(&tmp).map_err(|e| IoError::file(&tmp, e))?;
            let writer = ArrowWriter::try_new(f, schema.clone(), None)
                .map_err(|e| IoError::file(&path, e))?;
            self.tables.insert(
                table,
                ParquetTable {
                    path,
                    writer,
                    schema,
                    rows: Vec::new(),
                },
            );
        }
        self.tables
            .get_mut(&table)
            .ok_or_else(|| IoError::file(&self.dir, "writer"))
    }
}

impl Sink for ParquetSink {
    fn row(&mut self, table: Table, cells: Vec<Cell>) -> Result<()> {
        let t = self.table(table)?;
        t.rows.push(cells);
        if t.rows.len() >= 65_536 {
            t.flush()?;
        }
        Ok(())
    }
    fn finish(mut self: Box<Self>, summary: &mut ExportSummary) -> Result<()> {
        for t in Table::ALL {
            self.table(t)?;
        }
        for (_, mut t) in std::mem::take(&mut self.tables) {
            t.flush()?;
            t.writer.close().map_err(|e| IoError::file(&t.path, e))?;
            std::fs::rename(partial_path(&t.path), &t.path)
                .map_err(|e| IoError::file(&t.path, e))?;
            summary.files.push(t.path);
        }
        Ok(())
    }
}

/// The format of an output path: `.xlsx`, `.csv`, `.parquet`, or a folder (CSV unless `format` says).
pub fn format_of(out: &Path, format: Option<ExportFormat>) -> ExportFormat {
    if let Some(f) = format {
        return f;
    }
    match out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("xlsx") => ExportFormat::Xlsx,
        Some("parquet") => ExportFormat::Parquet,
        _ => ExportFormat::Csv,
    }
}

/// The units at or below any of `codes` (any validity), or `None` for no filter.
fn unit_filter(all: &[StoredUnit], codes: &[UnitCode]) -> Option<Vec<UnitId>> {
    if codes.is_empty() {
        return None;
    }
    let mut children: BTreeMap<UnitId, Vec<UnitId>> = BTreeMap::new();
    for u in all {
        if let Some(p) = u.unit.parent {
            children.entry(p).or_default().push(u.id);
        }
    }
    let mut out = BTreeSet::new();
    let mut todo: Vec<UnitId> = all
        .iter()
        .filter(|u| codes.contains(&u.unit.code))
        .map(|u| u.id)
        .collect();
    while let Some(u) = todo.pop() {
        if out.insert(u) {
            todo.extend(children.get(&u).into_iter().flatten().copied());
        }
    }
    Some(out.into_iter().collect())
}

/// Writes the registry (or the households under `opts.units`) to `out`: a workbook for XLSX, a folder
/// of `units`, `households`, `members` files for CSV and Parquet. Files appear whole or not at all.
pub async fn export<S: Store>(
    store: &S,
    out: &Path,
    opts: &ExportOptions,
) -> Result<ExportSummary> {
    let (mut sink, style): (Box<dyn Sink + Send>, Style) = match opts.format {
        ExportFormat::Xlsx => (
            Box::new(XlsxSink::new(out, opts.max_rows_per_sheet)),
            Style::Labels,
        ),
        ExportFormat::Csv | ExportFormat::Parquet => {
            std::fs::create_dir_all(out).map_err(|e| IoError::file(out, e))?;
            let dir = out.to_path_buf();
            if opts.format == ExportFormat::Csv {
                (
                    Box::new(CsvSink {
                        dir,
                        writers: BTreeMap::new(),
                    }),
                    Style::Codes,
                )
            } else {
                (
                    Box::new(ParquetSink {
                        dir,
                        tables: BTreeMap::new(),
                    }),
                    Style::Codes,
                )
            }
        }
    };
    let mut summary = ExportSummary::default();
    let units = store.all_units().await?;
    let codes: BTreeMap<UnitId, UnitCode> =
        units.iter().map(|u| (u.id, u.unit.code.clone())).collect();
    // Every unit (parents are recorded before their children, so id order imports back).
    let only: Option<BTreeSet<UnitId>> = opts
        .only_units
        .as_ref()
        .map(|v| v.iter().copied().collect());
    for u in &units {
        if only.as_ref().is_some_and(|o| !o.contains(&u.id)) {
            continue;
        }
        sink.row(Table::Units, unit_row(u, &codes, style))?;
        summary.units += 1;
    }
    let filter = match &opts.only_units {
        Some(ids) => Some(ids.clone()),
        None => unit_filter(&units, &opts.units),
    };
    let mut after = None;
    loop {
        let page = store
            .households_page(after, filter.as_deref(), 2_000)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for h in &page {
            let unit = codes.get(&h.household.unit).cloned().ok_or_else(|| {
                IoError::Store(ansinh_store::StoreError::backend("unit of a household"))
            })?;
            sink.row(Table::Households, household_row(h, &unit, style))?;
            summary.households += 1;
        }
        for h in &page {
            for r in member_rows(h, style) {
                sink.row(Table::Members, r)?;
                summary.members += 1;
            }
        }
    }
    sink.finish(&mut summary)?;
    Ok(summary)
}

/// Writes the empty import template: one sheet per table with the Vietnamese headers, and a guide
/// sheet naming every column, whether it is required, and its allowed values.
pub fn write_template(path: &Path) -> Result<()> {
    let xl = |e: rust_xlsxwriter::XlsxError| IoError::file(path, e);
    let mut wb = Workbook::new();
    for t in [Table::Households, Table::Members, Table::Units] {
        let ws = wb.add_worksheet();
        ws.set_name(t.sheet()).map_err(xl)?;
        header_row(ws, t.columns(), path)?;
        ws.set_freeze_panes(1, 0).map_err(xl)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("Hướng dẫn").map_err(xl)?;
    let bold = Format::new().set_bold();
    let heads = [
        "Trang / Sheet",
        "Tiêu đề cột / Header",
        "Tên trường / Field",
        "Bắt buộc / Required",
        "Giá trị / Values",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xl)?;
    }
    ws.set_column_width(0, 20).map_err(xl)?;
    ws.set_column_width(1, 40).map_err(xl)?;
    ws.set_column_width(2, 28).map_err(xl)?;
    ws.set_column_width(4, 100).map_err(xl)?;
    let mut r = 1u32;
    for t in [Table::Households, Table::Members, Table::Units] {
        for c in t.columns() {
            let values = match c.ty {
                Ty::Choice(vs) => vs.iter().map(|v| v.vi).collect::<Vec<_>>().join("; "),
                Ty::Date => "ngày dd/mm/yyyy (ví dụ 05/03/1980) / date".into(),
                Ty::Money => "số đồng, ví dụ 1.500.000 / whole VND".into(),
                Ty::Float => "số, ví dụ 35,5 / number".into(),
                Ty::Bool => "Có / Không (yes / no)".into(),
                Ty::CitizenId => "12 chữ số, nhập dạng văn bản / 12 digits, as text".into(),
                Ty::Code => "mã: chữ, số, - _ . / code".into(),
                Ty::Text => String::new(),
            };
            ws.write_string(r, 0, t.sheet()).map_err(xl)?;
            ws.write_string(r, 1, c.header()).map_err(xl)?;
            ws.write_string(r, 2, format!("{} ({})", c.name, c.en))
                .map_err(xl)?;
            ws.write_string(r, 3, if c.required { "Có / Yes" } else { "" })
                .map_err(xl)?;
            ws.write_string(r, 4, values).map_err(xl)?;
            r += 1;
        }
    }
    let note = format!(
        "Mỗi thành viên một dòng, cùng «Mã hộ» với hộ. Quan hệ với chủ hộ: {}. Nhập lại cùng tệp không thay đổi gì.",
        Relation::ALL
            .iter()
            .map(|r| r.vi())
            .collect::<Vec<_>>()
            .join("; ")
    );
    ws.write_string(r + 1, 0, note).map_err(xl)?;
    ws.write_string(
        r + 2,
        0,
        "One row per member, with the household's code. Importing the same file again changes nothing.",
    )
    .map_err(xl)?;
    let tmp = partial_path(path);
    wb.save(&tmp).map_err(xl)?;
    std::fs::rename(&tmp, path).map_err(|e| IoError::file(path, e))
}

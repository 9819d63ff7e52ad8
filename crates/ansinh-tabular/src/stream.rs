//! Classifying whole files: households and members tables in, the `households`, `commune`, `province`
//! (and `incomplete`) tables out.
//!
//! Parquet files whose rows come in household order (as a registry export or `gen.py` writes them) are
//! streamed: a part of a few hundred thousand households and their members is decoded, classified,
//! counted into the unit aggregates and written as one row group while the next part is decoded. Memory
//! stays bounded by two parts whatever the size of the files, and buffers are reused from part to part
//! instead of asking the kernel for fresh pages. Any other input (CSV, XLSX, Parquet in another order)
//! is read whole, then classified; the outputs are the same either way.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use ansinh_domain::Batch;
use ansinh_domain::aggregate::{Aggregator, UnitRow};
use ansinh_domain::classify::{INCOMPLETE, Results, classify};
use ansinh_domain::columnar::Column;
use ansinh_domain::schema;
use ansinh_domain::standard::{Class, Standard};

use crate::builder::{ColBuilder, Kind};
use crate::error::TabularError;
use crate::read::{
    ColumnStream, FileType, Spec, file_type, offsets_from_runs, open_parquet, read_input, specs,
    unknown_household,
};
use crate::write::{
    Format, Incomplete, PartWriter, Staged, Table, households_table, incomplete_table, units_table,
    write_table,
};

/// Households per streamed part.
pub const PART_HOUSEHOLDS: usize = 256 * 1024;

/// What a classification run did.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub households: usize,
    pub members: usize,
    /// Households per class, in the order of [`Class::ALL`].
    pub by_class: [usize; 4],
    pub incomplete: usize,
    /// Fields the standard reads that neither file has (every value of them counts as not recorded).
    pub absent_fields: Vec<&'static str>,
    /// The files written, in the output folder.
    pub written: Vec<PathBuf>,
    /// Parts streamed; 0 when the files were read whole.
    pub parts: usize,
}

impl Summary {
    pub fn count(&self, c: Class) -> usize {
        Class::ALL
            .iter()
            .position(|x| *x == c)
            .map_or(0, |i| self.by_class[i])
    }
}

/// How [`classify_files`] proceeds.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Households per streamed part.
    pub part_households: usize,
    /// Stream Parquet inputs in household order (otherwise always read whole).
    pub stream: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            part_households: PART_HOUSEHOLDS,
            stream: true,
        }
    }
}

/// Classifies every household of `households` (with its members in `members`) under `std` and writes
/// the output tables into `out`: all files appear together, or none.
pub fn classify_files(
    std: &Standard,
    households: &Path,
    members: &Path,
    out: &Path,
    format: Format,
    opts: Options,
) -> Result<Summary, TabularError> {
    let parquet = |p: &Path| file_type(p).is_ok_and(|t| t == FileType::Parquet);
    if opts.stream && parquet(households) && parquet(members) {
        match stream(
            std,
            households,
            members,
            out,
            format,
            opts.part_households.max(1),
        )? {
            Streamed::Done(s) => return Ok(s),
            Streamed::OutOfOrder => {} // read whole below: it sorts
        }
    }
    whole(std, households, members, out, format)
}

/// Column names of the standard's indicators, for the `incomplete` table.
fn indicator_ids(std: &Standard) -> Vec<String> {
    std.indicators.iter().map(|i| i.id.clone()).collect()
}

fn with_average(std: &Standard) -> bool {
    std.rules.iter().any(|r| r.class == Class::Average)
}

fn commune_table(rows: &[UnitRow], with_province: bool, avg: bool) -> Table {
    units_table(
        "commune",
        "commune_code",
        with_province.then_some("province_code"),
        rows,
        avg,
    )
}

fn province_table(rows: &[UnitRow], avg: bool) -> Table {
    units_table("province", "province_code", None, rows, avg)
}

/// Counts of a part's results, added to the summary.
fn count_classes(s: &mut Summary, r: &Results) {
    for &c in &r.class {
        match s.by_class.get_mut(c as usize) {
            Some(n) => *n += 1,
            None if c == INCOMPLETE => s.incomplete += 1,
            None => {}
        }
    }
}

fn empty_summary() -> Summary {
    Summary {
        households: 0,
        members: 0,
        by_class: [0; 4],
        incomplete: 0,
        absent_fields: Vec::new(),
        written: Vec::new(),
        parts: 0,
    }
}

/// Reads both files whole, classifies, aggregates and writes.
fn whole(
    std: &Standard,
    households: &Path,
    members: &Path,
    out: &Path,
    format: Format,
) -> Result<Summary, TabularError> {
    let input = read_input(households, members, &std.input_fields(), false)?;
    let res = classify(std, &input.batch);
    let avg = with_average(std);
    let mut tables = vec![households_table(
        &input.household_ids,
        &res,
        std.indicators.len(),
    )];
    if let Some(c) = &input.commune {
        let rows = ansinh_domain::aggregate::aggregate(c, input.province.as_deref(), &res);
        tables.push(commune_table(&rows, input.province.is_some(), avg));
    }
    if let Some(p) = &input.province {
        let rows = ansinh_domain::aggregate::aggregate(p, None, &res);
        tables.push(province_table(&rows, avg));
    }
    tables.extend(incomplete_table(
        &input.household_ids,
        &res,
        &indicator_ids(std),
    ));
    let written = crate::write::write_outputs(out, format, &tables)?;
    let mut s = empty_summary();
    s.households = res.len();
    s.members = input.batch.members();
    count_classes(&mut s, &res);
    s.absent_fields = input.absent_fields;
    s.written = written;
    Ok(s)
}

enum Streamed {
    Done(Summary),
    /// The rows are not in household order: nothing was written.
    OutOfOrder,
}

/// The members' household ids as runs `(household id, rows)`, handed out up to a household id.
struct RunStream {
    ids: ColumnStream,
    pending: VecDeque<(i64, u32)>,
    /// Member rows handed out so far.
    row: usize,
    last: Option<i64>,
    /// The file has no more rows.
    ended: bool,
}

enum Runs {
    Taken(Vec<(i64, u32)>),
    OutOfOrder,
}

impl RunStream {
    /// Reads more runs into `pending`; false at the end of the file.
    fn fill(&mut self, path: &Path) -> Result<bool, TabularError> {
        let mut b = ColBuilder::new(Kind::RunKey);
        let n = self.ids.take(path, 64 * 1024, &mut b)?;
        for (v, k) in b.runs {
            match self.pending.back_mut() {
                Some((last, m)) if *last == v && m.checked_add(k).is_some() => *m += k,
                _ => self.pending.push_back((v, k)),
            }
        }
        Ok(n > 0)
    }

    /// The runs of households up to `limit`, in order; every run with a smaller id is included.
    fn upto(&mut self, path: &Path, limit: i64) -> Result<Runs, TabularError> {
        let mut out = Vec::new();
        loop {
            // The last run read may go on in the next rows: take it only once another follows.
            if self.pending.len() < 2 && !self.ended {
                self.ended = !self.fill(path)?;
                continue;
            }
            let Some(&(v, k)) = self.pending.front() else {
                return Ok(Runs::Taken(out));
            };
            if v > limit {
                return Ok(Runs::Taken(out));
            }
            if self.last.is_some_and(|l| v <= l) {
                return Ok(Runs::OutOfOrder);
            }
            self.last = Some(v);
            self.row += k as usize;
            out.push((v, k));
            self.pending.pop_front();
        }
    }

    /// The first member row left over, if any: `(household id, row)`.
    fn left_over(&mut self, path: &Path) -> Result<Option<(i64, usize)>, TabularError> {
        if self.pending.is_empty() && (self.ended || !self.fill(path)?) {
            return Ok(None);
        }
        Ok(self.pending.front().map(|&(v, _)| (v, self.row)))
    }
}

/// A part: households with their members, ready to classify.
struct Part {
    ids: Vec<i64>,
    province: Option<Vec<i64>>,
    commune: Option<Vec<i64>>,
    batch: Batch,
}

/// Both files, read part by part.
struct Reader<'a> {
    households: &'a Path,
    members: &'a Path,
    hspecs: Vec<Spec>,
    mspecs: Vec<Spec>,
    hids: ColumnStream,
    mruns: RunStream,
    /// The other columns of each file.
    hcols: Vec<ColumnStream>,
    mcols: Vec<ColumnStream>,
    part: usize,
    /// Rows handed out so far.
    hrow: usize,
    last_id: Option<i64>,
    /// Buffers of an earlier part, reused.
    spare: Spare,
}

/// Column buffers of classified parts, cleared, waiting to be filled again.
#[derive(Default)]
struct Spare {
    ints: Vec<Vec<i64>>,
    floats: Vec<Vec<f64>>,
    bytes: Vec<Vec<u8>>,
}

enum Next {
    Part(Part),
    End,
    OutOfOrder,
}

impl<'a> Reader<'a> {
    fn open(
        std: &Standard,
        households: &'a Path,
        members: &'a Path,
        part: usize,
    ) -> Result<(Reader<'a>, Vec<&'static str>), TabularError> {
        let (hspecs, mspecs) = specs(&std.input_fields(), false);
        let (hmeta, hidx) = open_parquet(households, &hspecs)?;
        let (mmeta, midx) = open_parquet(members, &mspecs)?;
        for (path, meta) in [(households, &hmeta), (members, &mmeta)] {
            if meta.metadata().file_metadata().num_rows() == 0 {
                return Err(TabularError::Empty {
                    file: path.to_path_buf(),
                });
            }
        }
        let mut absent = Vec::new();
        let mut streams = |path: &Path,
                           specs: &[Spec],
                           meta,
                           idx: &[Option<usize>]|
         -> Result<Vec<ColumnStream>, TabularError> {
            let mut out = Vec::new();
            for (k, (s, i)) in specs.iter().zip(idx).enumerate() {
                match i {
                    Some(i) => out.push(ColumnStream::open(path, meta, *i, k, s)?),
                    None if s.required => {
                        return Err(TabularError::MissingColumn {
                            file: path.to_path_buf(),
                            column: s.name.into(),
                        });
                    }
                    None => {
                        if schema::field(s.name).is_some() {
                            absent.push(s.name);
                        }
                    }
                }
            }
            Ok(out)
        };
        let mut hcols = streams(households, &hspecs, &hmeta, &hidx)?;
        let mut mcols = streams(members, &mspecs, &mmeta, &midx)?;
        // The id columns are the first spec of each file and required, so present.
        let hids = hcols.remove(0);
        let mids = mcols.remove(0);
        Ok((
            Reader {
                households,
                members,
                hspecs,
                mspecs,
                hids,
                mruns: RunStream {
                    ids: mids,
                    pending: VecDeque::new(),
                    row: 0,
                    last: None,
                    ended: false,
                },
                hcols,
                mcols,
                part,
                hrow: 0,
                last_id: None,
                spare: Spare::default(),
            },
            absent,
        ))
    }

    /// A builder for `n` values, on buffers of an earlier part where there are some.
    fn builder(&mut self, kind: Kind, n: usize) -> ColBuilder {
        let mut b = ColBuilder::new(kind);
        let p = &mut self.spare;
        match kind {
            Kind::Key | Kind::Int => b.ints = p.ints.pop().unwrap_or_default(),
            Kind::Float => b.floats = p.floats.pop().unwrap_or_default(),
            Kind::Bool | Kind::Enum(_) => b.bytes = p.bytes.pop().unwrap_or_default(),
            Kind::RunKey | Kind::Label => {}
        }
        b.reserve(n);
        b
    }

    /// Gives back the buffers of a classified part.
    fn recycle(&mut self, part: Part) {
        let p = &mut self.spare;
        let mut ints = |mut v: Vec<i64>| {
            v.clear();
            p.ints.push(v);
        };
        ints(part.ids);
        part.province.map(&mut ints);
        part.commune.map(&mut ints);
        for c in part.batch.columns.into_iter().flatten() {
            match c {
                Column::Int { mut values, .. } => {
                    values.clear();
                    p.ints.push(values);
                }
                Column::Float(mut v) => {
                    v.clear();
                    p.floats.push(v);
                }
                Column::Bool(mut v) | Column::Enum(mut v) => {
                    v.clear();
                    p.bytes.push(v);
                }
            }
        }
    }

    fn next(&mut self) -> Result<Next, TabularError> {
        let (households, members) = (self.households, self.members);
        let mut hid = self.builder(Kind::Key, self.part);
        let h = self.hids.take(households, self.part, &mut hid)?;
        if h == 0 {
            if let Some((id, row)) = self.mruns.left_over(members)? {
                return Err(unknown_household(households, members, id, row));
            }
            return Ok(Next::End);
        }
        let ids = hid.ints;
        let ascending =
            ids.windows(2).all(|w| w[0] < w[1]) && self.last_id.is_none_or(|l| l < ids[0]);
        if !ascending {
            return Ok(Next::OutOfOrder);
        }
        let last = ids[h - 1];
        self.last_id = Some(last);
        let runs = match self.mruns.upto(members, last)? {
            Runs::Taken(r) => r,
            Runs::OutOfOrder => return Ok(Next::OutOfOrder),
        };
        let m_base = self.mruns.row - runs.iter().map(|r| r.1 as usize).sum::<usize>();
        let offsets =
            offsets_from_runs(&ids, &runs, None, (self.hrow, m_base), households, members)?;
        self.hrow += h;
        let m = offsets.last().copied().unwrap_or(0) as usize;
        let mut hb: Vec<ColBuilder> = Vec::with_capacity(self.hcols.len());
        for k in 0..self.hcols.len() {
            let kind = self.hcols[k].kind;
            hb.push(self.builder(kind, h));
        }
        let mut mb: Vec<ColBuilder> = Vec::with_capacity(self.mcols.len());
        for k in 0..self.mcols.len() {
            let kind = self.mcols[k].kind;
            mb.push(self.builder(kind, m));
        }
        let jobs = self
            .hcols
            .iter_mut()
            .zip(hb.iter_mut())
            .map(|(s, b)| (s, b, households, h))
            .chain(
                self.mcols
                    .iter_mut()
                    .zip(mb.iter_mut())
                    .map(|(s, b)| (s, b, members, m)),
            )
            .collect::<Vec<_>>();
        jobs.into_par_iter()
            .map(|(s, b, path, n)| {
                let got = s.take(path, n, b)?;
                if got < n {
                    return Err(TabularError::Format {
                        file: path.to_path_buf(),
                        format: "Parquet",
                        reason: format!("column `{}` has fewer rows than the file", s.name),
                    });
                }
                Ok(())
            })
            .collect::<Result<(), TabularError>>()?;
        let mut batch = Batch::with_offsets(offsets);
        let mut province = None;
        let mut commune = None;
        let hspecs = &self.hspecs;
        for (s, b) in self.hcols.iter().zip(hb) {
            match hspecs[s.spec].name {
                "province_code" => province = Some(b.ints),
                "commune_code" => commune = Some(b.ints),
                name => {
                    if let Some(f) = schema::field(name) {
                        // lengths match: every column gave `h` rows
                        let _ = batch.set(f, b.into_column());
                    }
                }
            }
        }
        let mspecs = &self.mspecs;
        for (s, b) in self.mcols.iter().zip(mb) {
            if let Some(f) = schema::field(mspecs[s.spec].name) {
                let _ = batch.set(f, b.into_column());
            }
        }
        Ok(Next::Part(Part {
            ids,
            province,
            commune,
            batch,
        }))
    }
}

/// What the parts add up to, and the households file being written.
struct Sink {
    households: PartWriter,
    communes: Aggregator,
    provinces: Aggregator,
    has_commune: bool,
    has_province: bool,
    incomplete: Incomplete,
    summary: Summary,
}

impl Sink {
    fn take(&mut self, std: &Standard, part: &Part) -> Result<(), TabularError> {
        let res = classify(std, &part.batch);
        if let Some(c) = &part.commune {
            self.communes.add(c, part.province.as_deref(), &res);
            self.has_commune = true;
        }
        if let Some(p) = &part.province {
            self.provinces.add(p, None, &res);
            self.has_province = true;
        }
        self.incomplete.add(&part.ids, &res);
        count_classes(&mut self.summary, &res);
        self.summary.households += res.len();
        self.summary.members += part.batch.members();
        self.summary.parts += 1;
        self.households
            .append(&households_table(&part.ids, &res, std.indicators.len()))
    }
}

fn stream(
    std: &Standard,
    households: &Path,
    members: &Path,
    out: &Path,
    format: Format,
    part: usize,
) -> Result<Streamed, TabularError> {
    let (mut reader, absent) = Reader::open(std, households, members, part)?;
    let mut current = match reader.next()? {
        Next::Part(p) => p,
        Next::End => {
            return Err(TabularError::Empty {
                file: households.to_path_buf(),
            });
        }
        Next::OutOfOrder => return Ok(Streamed::OutOfOrder),
    };
    let staged = Staged::new(out)?;
    let hpath = staged.path("households", format);
    let like = households_table(&[], &Results::default(), std.indicators.len());
    let mut sink = Sink {
        households: PartWriter::create(&hpath, format, &like)?,
        communes: Aggregator::new(),
        provinces: Aggregator::new(),
        has_commune: false,
        has_province: false,
        incomplete: Incomplete::default(),
        summary: empty_summary(),
    };
    loop {
        // Decode the next part while this one is classified and written.
        let (next, done) = rayon::join(|| reader.next(), || sink.take(std, &current));
        done?;
        reader.recycle(current);
        current = match next? {
            Next::Part(p) => p,
            Next::End => break,
            Next::OutOfOrder => return Ok(Streamed::OutOfOrder),
        };
    }
    let Sink {
        households: hw,
        communes,
        provinces,
        has_commune,
        has_province,
        incomplete,
        mut summary,
    } = sink;
    let mut written = vec![hw.finish()?];
    let avg = with_average(std);
    let mut tables = Vec::new();
    if has_commune {
        tables.push(commune_table(&communes.finish(), has_province, avg));
    }
    if has_province {
        tables.push(province_table(&provinces.finish(), avg));
    }
    tables.extend(incomplete.table(&indicator_ids(std)));
    for t in &tables {
        let p = staged.path(&t.name, format);
        write_table(&p, format, t)?;
        written.push(p);
    }
    summary.written = staged.commit(written)?;
    summary.absent_fields = absent;
    Ok(Streamed::Done(summary))
}

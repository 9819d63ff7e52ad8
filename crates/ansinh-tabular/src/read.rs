//! Reading household and member tables.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use rayon::prelude::*;

use ansinh_domain::Batch;
use ansinh_domain::schema::{self, FieldId, Level};

use crate::builder::{ColBuilder, Kind, permute};
use crate::error::TabularError;

mod sheets;
pub(crate) use sheets::limits;
use sheets::{read_csv, read_xlsx};

/// Households with their members, ready to classify.
#[derive(Debug)]
pub struct Input {
    /// Household ids, in batch order (ascending).
    pub household_ids: Vec<i64>,
    pub province: Option<Vec<i64>>,
    pub commune: Option<Vec<i64>>,
    pub batch: Batch,
    /// Fields the caller asked for that neither file has (every value of them is "not recorded").
    pub absent_fields: Vec<&'static str>,
}

pub(crate) struct Spec {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

pub(crate) type Cols = Vec<Option<ColBuilder>>;

/// The columns to read: households (id, unit codes, household fields) and members (household id,
/// with `labels` the name, member fields).
pub(crate) fn specs(fields: &[FieldId], labels: bool) -> (Vec<Spec>, Vec<Spec>) {
    let mut hspecs = vec![
        Spec {
            name: "household_id",
            kind: Kind::Key,
            required: true,
        },
        Spec {
            name: "province_code",
            kind: Kind::Key,
            required: false,
        },
        Spec {
            name: "commune_code",
            kind: Kind::Key,
            required: false,
        },
    ];
    let mut mspecs = vec![Spec {
        name: "household_id",
        kind: Kind::RunKey,
        required: true,
    }];
    if labels {
        mspecs.push(Spec {
            name: "name",
            kind: Kind::Label,
            required: false,
        });
    }
    for f in fields {
        let d = f.def();
        let spec = Spec {
            name: d.name,
            kind: Kind::of(d.ty),
            required: false,
        };
        match d.level {
            Level::Household => hspecs.push(spec),
            Level::Member => mspecs.push(spec),
        }
    }
    (hspecs, mspecs)
}

/// Reads both tables, keeping only the columns needed for `fields` (plus ids, unit codes and, with
/// `labels`, member names). Members are grouped under their household; every problem names file, row
/// and column.
pub fn read_input(
    households: &Path,
    members: &Path,
    fields: &[FieldId],
    labels: bool,
) -> Result<Input, TabularError> {
    let (hspecs, mspecs) = specs(fields, labels);
    let (hres, mres) = rayon::join(
        || read_table(households, &hspecs),
        || read_table(members, &mspecs),
    );
    let (mut hcols, hrows) = hres?;
    let (mut mcols, mrows) = mres?;
    let take_keys = |c: &mut Cols, i: usize| c[i].take().map(|b| b.ints);
    let hid = take_keys(&mut hcols, 0).unwrap_or_default();
    let province = take_keys(&mut hcols, 1);
    let commune = take_keys(&mut hcols, 2);
    let mruns = mcols[0].take().map(|b| b.runs).unwrap_or_default();
    let member_labels = if labels {
        mcols[1].take().map(|b| b.labels)
    } else {
        None
    };

    // Households in ascending id order.
    let hperm = if hid.windows(2).all(|w| w[0] < w[1]) {
        None
    } else {
        let mut p: Vec<usize> = (0..hrows).collect();
        p.sort_by_key(|&i| hid[i]);
        if let Some(w) = p.windows(2).find(|w| hid[w[0]] == hid[w[1]]) {
            return Err(TabularError::Cell {
                file: households.to_path_buf(),
                row: row_no(households, w[1]),
                column: "household_id".into(),
                reason: format!("household {} appears twice", hid[w[1]]),
            });
        }
        Some(p)
    };
    let hid_sorted: Vec<i64> = match &hperm {
        Some(p) => p.iter().map(|&i| hid[i]).collect(),
        None => hid,
    };
    // Members grouped by household, stable within a household. Members files normally come grouped
    // and in household order: then the runs of equal ids give the offsets directly.
    let (offsets, mperm) = if mruns.windows(2).all(|w| w[0].0 < w[1].0) {
        let offsets = offsets_from_runs(
            &hid_sorted,
            &mruns,
            hperm.as_deref(),
            (0, 0),
            households,
            members,
        )?;
        (offsets, None)
    } else {
        let mid: Vec<i64> = mruns
            .iter()
            .flat_map(|&(v, n)| std::iter::repeat_n(v, n as usize))
            .collect();
        offsets_from_ids(&hid_sorted, &mid, hperm.as_deref(), households, members)?
    };
    let _ = mrows;
    let mut batch = Batch::with_offsets(offsets);
    let mut absent = Vec::new();
    let fill = |batch: &mut Batch,
                specs: &[Spec],
                cols: Cols,
                perm: &Option<Vec<usize>>,
                absent: &mut Vec<&'static str>| {
        for (spec, col) in specs.iter().zip(cols) {
            let Some(f) = schema::field(spec.name) else {
                continue;
            };
            match col {
                Some(b) => {
                    let c = b.into_column();
                    let c = match perm {
                        Some(p) => permute(c, p),
                        None => c,
                    };
                    // lengths always match: both come from the same table
                    let _ = batch.set(f, c);
                }
                None => absent.push(spec.name),
            }
        }
    };
    fill(&mut batch, &hspecs, hcols, &hperm, &mut absent);
    fill(&mut batch, &mspecs, mcols, &mperm, &mut absent);
    batch.member_labels = member_labels.map(|l| match &mperm {
        Some(p) => p.iter().map(|&i| l[i].clone()).collect(),
        None => l,
    });
    let reorder = |v: Option<Vec<i64>>| match (&hperm, v) {
        (Some(p), Some(v)) => Some(p.iter().map(|&i| v[i]).collect()),
        (_, v) => v,
    };
    Ok(Input {
        household_ids: hid_sorted,
        province: reorder(province),
        commune: reorder(commune),
        batch,
        absent_fields: absent,
    })
}

fn no_members(households: &Path, members: &Path, h: i64, row: usize) -> TabularError {
    TabularError::Cell {
        file: households.to_path_buf(),
        row: row_no(households, row),
        column: "household_id".into(),
        reason: format!("household {h} has no members in {}", members.display()),
    }
}

pub(crate) fn unknown_household(
    households: &Path,
    members: &Path,
    id: i64,
    row: usize,
) -> TabularError {
    TabularError::Cell {
        file: members.to_path_buf(),
        row: row_no(members, row),
        column: "household_id".into(),
        reason: format!("household {id} is not in {}", households.display()),
    }
}

/// Offsets of members given as ascending runs `(household id, rows)`.
/// `h_base` and `m_base` are the file rows of the first household and the first member given (for
/// messages).
pub(crate) fn offsets_from_runs(
    hid: &[i64],
    runs: &[(i64, u32)],
    hperm: Option<&[usize]>,
    (h_base, m_base): (usize, usize),
    households: &Path,
    members: &Path,
) -> Result<Vec<u32>, TabularError> {
    let mut offsets = Vec::with_capacity(hid.len() + 1);
    offsets.push(0u32);
    let (mut r, mut row, mut total) = (0usize, m_base, 0u32);
    for (j, &h) in hid.iter().enumerate() {
        if r < runs.len() && runs[r].0 < h {
            return Err(unknown_household(households, members, runs[r].0, row));
        }
        if r < runs.len() && runs[r].0 == h {
            total += runs[r].1;
            row += runs[r].1 as usize;
            r += 1;
        } else {
            return Err(no_members(
                households,
                members,
                h,
                h_base + hperm.map_or(j, |p| p[j]),
            ));
        }
        offsets.push(total);
    }
    if r < runs.len() {
        return Err(unknown_household(households, members, runs[r].0, row));
    }
    Ok(offsets)
}

/// Offsets of members in any order, with the permutation that groups them (stable within a household).
fn offsets_from_ids(
    hid: &[i64],
    mid: &[i64],
    hperm: Option<&[usize]>,
    households: &Path,
    members: &Path,
) -> Result<(Vec<u32>, Option<Vec<usize>>), TabularError> {
    let mperm = if mid.windows(2).all(|w| w[0] <= w[1]) {
        None
    } else {
        let mut p: Vec<usize> = (0..mid.len()).collect();
        p.sort_by_key(|&i| mid[i]);
        Some(p)
    };
    let at = |k: usize| mperm.as_ref().map_or(k, |p| p[k]);
    let mut offsets = Vec::with_capacity(hid.len() + 1);
    offsets.push(0u32);
    let mut k = 0usize;
    for (j, &h) in hid.iter().enumerate() {
        if k < mid.len() && mid[at(k)] < h {
            return Err(unknown_household(households, members, mid[at(k)], at(k)));
        }
        let start = k;
        while k < mid.len() && mid[at(k)] == h {
            k += 1;
        }
        if k == start {
            return Err(no_members(
                households,
                members,
                h,
                hperm.map_or(j, |p| p[j]),
            ));
        }
        offsets.push(k as u32);
    }
    if k < mid.len() {
        return Err(unknown_household(households, members, mid[at(k)], at(k)));
    }
    Ok((offsets, mperm))
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum FileType {
    Csv,
    Parquet,
    Xlsx,
}

pub(crate) fn file_type(path: &Path) -> Result<FileType, TabularError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("csv") | Some("txt") => Ok(FileType::Csv),
        Some("parquet") | Some("pq") => Ok(FileType::Parquet),
        Some("xlsx") | Some("xlsm") | Some("xls") | Some("ods") => Ok(FileType::Xlsx),
        _ => Err(TabularError::UnknownType {
            file: path.to_path_buf(),
        }),
    }
}

/// The row number a person sees for data row `i` (0-based): spreadsheet row (header is row 1) for CSV
/// and XLSX, 1-based data row for Parquet.
fn row_no(path: &Path, i: usize) -> u64 {
    match file_type(path) {
        Ok(FileType::Parquet) => i as u64 + 1,
        _ => i as u64 + 2,
    }
}

fn read_table(path: &Path, specs: &[Spec]) -> Result<(Cols, usize), TabularError> {
    let (cols, rows) = match file_type(path)? {
        FileType::Parquet => read_parquet(path, specs)?,
        FileType::Csv => read_csv(path, specs)?,
        FileType::Xlsx => read_xlsx(path, specs)?,
    };
    if rows == 0 {
        return Err(TabularError::Empty {
            file: path.to_path_buf(),
        });
    }
    for (s, c) in specs.iter().zip(&cols) {
        if s.required && c.is_none() {
            return Err(TabularError::MissingColumn {
                file: path.to_path_buf(),
                column: s.name.into(),
            });
        }
    }
    Ok((cols, rows))
}

pub(crate) fn pq_err(path: &Path, e: impl std::fmt::Display) -> TabularError {
    TabularError::Format {
        file: path.to_path_buf(),
        format: "Parquet",
        reason: e.to_string(),
    }
}

/// Opens a Parquet file for the columns of `specs`: its metadata (text columns of coded fields read as
/// dictionaries, so that each distinct value is parsed once) and each spec's column, when present.
pub(crate) fn open_parquet(
    path: &Path,
    specs: &[Spec],
) -> Result<(ArrowReaderMetadata, Vec<Option<usize>>), TabularError> {
    let file = File::open(path).map_err(|e| io_err(path, e))?;
    let meta =
        ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| pq_err(path, e))?;
    limits().check_parquet(path, meta.metadata())?;
    let schema = meta.schema().clone();
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            let coded = specs
                .iter()
                .any(|s| s.name == f.name() && matches!(s.kind, Kind::Enum(_) | Kind::Bool));
            if coded && matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8) {
                Field::new(
                    f.name(),
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                    true,
                )
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    let opts = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(fields)));
    let meta =
        ArrowReaderMetadata::try_new(meta.metadata().clone(), opts).map_err(|e| pq_err(path, e))?;
    let idx = specs.iter().map(|s| schema.index_of(s.name).ok()).collect();
    Ok((meta, idx))
}

pub(crate) fn io_err(path: &Path, e: std::io::Error) -> TabularError {
    TabularError::Io {
        file: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// A reader of one column of a Parquet file, through every row group, in batches of 64 Ki rows.
fn column_reader(
    path: &Path,
    meta: &ArrowReaderMetadata,
    column: usize,
) -> Result<ParquetRecordBatchReader, TabularError> {
    // A file handle per reader: cloned handles share one seek position and would race.
    let f = File::open(path).map_err(|e| io_err(path, e))?;
    ParquetRecordBatchReaderBuilder::new_with_metadata(f, meta.clone())
        .with_projection(ProjectionMask::roots(meta.parquet_schema(), [column]))
        .with_batch_size(64 * 1024)
        .build()
        .map_err(|e| pq_err(path, e))
}

/// One column of a Parquet file, handed out a number of rows at a time.
pub(crate) struct ColumnStream {
    /// Index of the column's spec.
    pub spec: usize,
    pub kind: Kind,
    pub name: &'static str,
    reader: ParquetRecordBatchReader,
    /// Rows of the last batch not yet handed out.
    carry: Option<ArrayRef>,
    /// Rows handed out so far.
    row: usize,
}

impl ColumnStream {
    /// Column `column` of the file, read for spec `spec` (`s`).
    pub(crate) fn open(
        path: &Path,
        meta: &ArrowReaderMetadata,
        column: usize,
        spec: usize,
        s: &Spec,
    ) -> Result<ColumnStream, TabularError> {
        Ok(ColumnStream {
            spec,
            kind: s.kind,
            name: s.name,
            reader: column_reader(path, meta, column)?,
            carry: None,
            row: 0,
        })
    }

    /// The next rows, at most `max`; `None` at the end of the file.
    fn piece(&mut self, path: &Path, max: usize) -> Result<Option<ArrayRef>, TabularError> {
        let a = match self.carry.take() {
            Some(a) => a,
            None => match self.reader.next() {
                None => return Ok(None),
                Some(b) => b.map_err(|e| pq_err(path, e))?.column(0).clone(),
            },
        };
        if a.len() > max {
            self.carry = Some(a.slice(max, a.len() - max));
            Ok(Some(a.slice(0, max)))
        } else {
            Ok(Some(a))
        }
    }

    /// Pushes up to `n` rows into `into`; returns how many there were.
    pub(crate) fn take(
        &mut self,
        path: &Path,
        n: usize,
        into: &mut ColBuilder,
    ) -> Result<usize, TabularError> {
        let mut got = 0;
        while got < n {
            let Some(a) = self.piece(path, n - got)? else {
                break;
            };
            into.push_arrow(a.as_ref())
                .map_err(|(i, reason)| TabularError::Cell {
                    file: path.to_path_buf(),
                    row: (self.row + i) as u64 + 1,
                    column: self.name.into(),
                    reason,
                })?;
            self.row += a.len();
            got += a.len();
        }
        Ok(got)
    }
}

fn read_parquet(path: &Path, specs: &[Spec]) -> Result<(Cols, usize), TabularError> {
    let (meta, idx) = open_parquet(path, specs)?;
    let md = meta.metadata().clone();
    let total: usize = (0..md.num_row_groups())
        .map(|i| md.row_group(i).num_rows() as usize)
        .sum();
    // One task per column, each reading that column through every row group into one buffer reserved
    // for the whole table: no part buffers to join afterwards, and the columns spread over the threads.
    let cols: Vec<Result<Option<ColBuilder>, TabularError>> = specs
        .par_iter()
        .zip(&idx)
        .enumerate()
        .map(|(k, (s, i))| {
            let Some(i) = *i else { return Ok(None) };
            let mut c = ColBuilder::new(s.kind);
            c.reserve(total);
            ColumnStream::open(path, &meta, i, k, s)?.take(path, total, &mut c)?;
            Ok(Some(c))
        })
        .collect();
    let cols = cols.into_iter().collect::<Result<Cols, TabularError>>()?;
    Ok((cols, total))
}

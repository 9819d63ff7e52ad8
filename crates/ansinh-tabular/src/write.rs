//! Writing classification outputs: the `households`, `commune` and `province` tables (and `incomplete`
//! when some households cannot be classified), as CSV or Parquet. Files are written into a temporary
//! folder inside the output folder and moved into place only when all are complete.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, DictionaryArray, Float64Array, Int8Array, Int16Array, Int32Array, Int64Array,
    RecordBatch, StringArray, types::Int8Type,
};
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use ansinh_domain::aggregate::UnitRow;
use ansinh_domain::classify::{INCOMPLETE, Results};
use ansinh_domain::standard::Class;

use crate::error::TabularError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

impl Format {
    pub fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }
}

/// A named output table.
pub struct Table {
    pub name: String,
    pub columns: Vec<(String, ArrayRef)>,
}

fn class_code(c: u8) -> &'static str {
    Class::ALL
        .get(c as usize)
        .map_or("incomplete", |c| c.code())
}

/// The per-household table of the benchmark rule.
pub fn households_table(ids: &[i64], r: &Results, n_indicators: usize) -> Table {
    let n_col: ArrayRef = Arc::new(Int16Array::from_iter_values(
        r.n.iter().map(|&x| x.min(i16::MAX as u32) as i16),
    ));
    let mask: ArrayRef = if n_indicators <= 15 {
        Arc::new(Int16Array::from_iter_values(
            r.deficit_mask.iter().map(|&m| m as i16),
        ))
    } else {
        Arc::new(Int32Array::from_iter_values(
            r.deficit_mask.iter().map(|&m| m as i32),
        ))
    };
    let names: Vec<&str> = Class::ALL
        .iter()
        .map(|c| c.code())
        .chain(["incomplete"])
        .collect();
    let keys = Int8Array::from_iter_values(
        r.class
            .iter()
            .map(|&c| if c == INCOMPLETE { 4 } else { c as i8 }),
    );
    let class: ArrayRef =
        match DictionaryArray::<Int8Type>::try_new(keys, Arc::new(StringArray::from(names))) {
            Ok(d) => Arc::new(d),
            Err(_) => Arc::new(StringArray::from_iter_values(
                r.class.iter().map(|&c| class_code(c)),
            )),
        };
    Table {
        name: "households".into(),
        columns: vec![
            (
                "household_id".into(),
                Arc::new(Int64Array::from(ids.to_vec())) as ArrayRef,
            ),
            ("n_members".into(), n_col),
            (
                "income_per_capita".into(),
                Arc::new(Float64Array::from(r.income_per_capita.clone())),
            ),
            ("deficit_mask".into(), mask),
            (
                "deficit_count".into(),
                Arc::new(Int8Array::from_iter_values(
                    r.deficit_count.iter().map(|&c| c as i8),
                )),
            ),
            ("class".into(), class),
        ],
    }
}

/// A unit aggregate table with the benchmark rule's columns (plus average and incomplete counts).
pub fn units_table(
    name: &str,
    key: &str,
    parent: Option<&str>,
    rows: &[UnitRow],
    with_average: bool,
) -> Table {
    let ints = |f: fn(&UnitRow) -> i64| -> ArrayRef {
        Arc::new(Int64Array::from_iter_values(rows.iter().map(f)))
    };
    let floats = |f: fn(&UnitRow) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter_values(rows.iter().map(f)))
    };
    let mut columns: Vec<(String, ArrayRef)> = vec![(key.into(), ints(|r| r.code))];
    if let Some(p) = parent {
        columns.push((p.into(), ints(|r| r.parent.unwrap_or(0))));
    }
    columns.extend([
        ("households".into(), ints(|r| r.households)),
        ("persons".into(), ints(|r| r.persons)),
        ("poor_households".into(), ints(|r| r.poor_households)),
        (
            "near_poor_households".into(),
            ints(|r| r.near_poor_households),
        ),
        ("poor_persons".into(), ints(|r| r.poor_persons)),
        ("near_poor_persons".into(), ints(|r| r.near_poor_persons)),
        (
            "poor_household_rate".into(),
            floats(UnitRow::poor_household_rate),
        ),
        (
            "near_poor_household_rate".into(),
            floats(UnitRow::near_poor_household_rate),
        ),
        ("poor_person_rate".into(), floats(UnitRow::poor_person_rate)),
        (
            "near_poor_person_rate".into(),
            floats(UnitRow::near_poor_person_rate),
        ),
        ("mean_deficits".into(), floats(UnitRow::mean_deficits)),
    ]);
    if with_average {
        columns.push(("average_households".into(), ints(|r| r.average_households)));
    }
    columns.push((
        "incomplete_households".into(),
        ints(|r| r.incomplete_households),
    ));
    Table {
        name: name.into(),
        columns,
    }
}

/// Households whose class the data does not decide, with the undecided indicators.
pub fn incomplete_table(ids: &[i64], r: &Results, indicator_ids: &[String]) -> Option<Table> {
    let mut rows = Incomplete::default();
    rows.add(ids, r);
    rows.table(indicator_ids)
}

/// The undecided households of a batch read in parts, gathered part by part.
#[derive(Debug, Default)]
pub struct Incomplete {
    ids: Vec<i64>,
    known: Vec<u8>,
    unknown_mask: Vec<u32>,
}

impl Incomplete {
    pub fn add(&mut self, ids: &[i64], r: &Results) {
        for i in (0..r.len()).filter(|&i| r.class[i] == INCOMPLETE) {
            self.ids.push(ids[i]);
            self.known.push(r.deficit_count[i]);
            self.unknown_mask.push(r.unknown_mask[i]);
        }
    }

    /// The `incomplete` table, or nothing when every household was decided.
    pub fn table(&self, indicator_ids: &[String]) -> Option<Table> {
        if self.ids.is_empty() {
            return None;
        }
        let undecided = self.unknown_mask.iter().map(|&m| {
            indicator_ids
                .iter()
                .enumerate()
                .filter(|(b, _)| m >> b & 1 == 1)
                .map(|(_, id)| id.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        });
        Some(Table {
            name: "incomplete".into(),
            columns: vec![
                (
                    "household_id".into(),
                    Arc::new(Int64Array::from(self.ids.clone())) as ArrayRef,
                ),
                (
                    "known_deficits".into(),
                    Arc::new(Int8Array::from_iter_values(
                        self.known.iter().map(|&c| c as i8),
                    )),
                ),
                (
                    "undecided_indicators".into(),
                    Arc::new(StringArray::from_iter_values(undecided)),
                ),
            ],
        })
    }
}

fn werr(file: &Path, e: impl std::fmt::Display) -> TabularError {
    TabularError::Write {
        file: file.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Rows per Parquet row group of an output table.
const ROW_GROUP: usize = 1 << 20;

fn record_batch(path: &Path, t: &Table) -> Result<RecordBatch, TabularError> {
    // Columns are declared non-nullable when they hold no null: the writer then skips definition levels.
    RecordBatch::try_from_iter_with_nullable(
        t.columns
            .iter()
            .map(|(n, a)| (n.as_str(), a.clone(), a.null_count() > 0)),
    )
    .map_err(|e| werr(path, e))
}

/// A table written into one file part by part: the columns of each part (one Parquet row group per
/// part, at most [`ROW_GROUP`] rows) are encoded in parallel, then appended in order.
pub struct PartWriter {
    path: PathBuf,
    inner: Inner,
}

// One writer per output file, made once and never copied: its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Inner {
    Parquet {
        writer: parquet::file::writer::SerializedFileWriter<BufWriter<File>>,
        factory: parquet::arrow::arrow_writer::ArrowRowGroupWriterFactory,
        schema: arrow_schema::SchemaRef,
        row_groups: usize,
    },
    Csv(BufWriter<File>),
}

impl PartWriter {
    /// Creates `path`; the table's columns (names and types; nullability may differ) give the file's
    /// schema, and every part must have the same columns. The table's rows are not written.
    pub fn create(path: &Path, format: Format, like: &Table) -> Result<PartWriter, TabularError> {
        use parquet::arrow::ArrowSchemaConverter;
        use parquet::arrow::arrow_writer::ArrowRowGroupWriterFactory;
        use parquet::file::writer::SerializedFileWriter;
        let file =
            BufWriter::with_capacity(1 << 20, File::create(path).map_err(|e| werr(path, e))?);
        let inner = match format {
            Format::Csv => {
                let mut w = file;
                let names: Vec<&str> = like.columns.iter().map(|(n, _)| n.as_str()).collect();
                writeln!(w, "{}", names.join(",")).map_err(|e| werr(path, e))?;
                Inner::Csv(w)
            }
            Format::Parquet => {
                let schema = record_batch(path, like)?.schema();
                let mut props = WriterProperties::builder()
                    .set_compression(Compression::UNCOMPRESSED)
                    .set_dictionary_enabled(false)
                    .set_column_dictionary_enabled("class".into(), true)
                    .build();
                parquet::arrow::add_encoded_arrow_schema_to_metadata(&schema, &mut props);
                let props = Arc::new(props);
                let parquet_schema = ArrowSchemaConverter::new()
                    .with_coerce_types(props.coerce_types())
                    .convert(&schema)
                    .map_err(|e| werr(path, e))?;
                let writer =
                    SerializedFileWriter::new(file, parquet_schema.root_schema_ptr(), props)
                        .map_err(|e| werr(path, e))?;
                let factory = ArrowRowGroupWriterFactory::new(&writer, schema.clone());
                Inner::Parquet {
                    writer,
                    factory,
                    schema,
                    row_groups: 0,
                }
            }
        };
        Ok(PartWriter {
            path: path.to_path_buf(),
            inner,
        })
    }

    /// Appends the rows of `t`.
    pub fn append(&mut self, t: &Table) -> Result<(), TabularError> {
        use parquet::arrow::arrow_writer::compute_leaves;
        use rayon::prelude::*;
        let path = &self.path;
        match &mut self.inner {
            Inner::Csv(w) => write_csv_rows(path, w, t),
            Inner::Parquet {
                writer,
                factory,
                schema,
                row_groups,
            } => {
                let batch = record_batch(path, t)?;
                let mut start = 0;
                while start < batch.num_rows() {
                    let len = ROW_GROUP.min(batch.num_rows() - start);
                    let part = batch.slice(start, len);
                    let writers = factory
                        .create_column_writers(*row_groups)
                        .map_err(|e| werr(path, e))?;
                    let mut leaves = Vec::new();
                    for (arr, field) in part.columns().iter().zip(schema.fields()) {
                        leaves.extend(compute_leaves(field, arr).map_err(|e| werr(path, e))?);
                    }
                    let chunks: Vec<_> = writers
                        .into_par_iter()
                        .zip(leaves.into_par_iter())
                        .map(|(mut w, leaf)| {
                            w.write(&leaf)?;
                            w.close()
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| werr(path, e))?;
                    let mut rgw = writer.next_row_group().map_err(|e| werr(path, e))?;
                    for c in chunks {
                        c.append_to_row_group(&mut rgw).map_err(|e| werr(path, e))?;
                    }
                    rgw.close().map_err(|e| werr(path, e))?;
                    start += len;
                    *row_groups += 1;
                }
                Ok(())
            }
        }
    }

    /// Completes the file.
    pub fn finish(self) -> Result<PathBuf, TabularError> {
        let path = self.path;
        match self.inner {
            Inner::Csv(mut w) => w.flush().map_err(|e| werr(&path, e))?,
            Inner::Parquet { writer, .. } => {
                writer.close().map_err(|e| werr(&path, e))?;
            }
        }
        Ok(path)
    }
}

pub(crate) fn write_table(path: &Path, format: Format, t: &Table) -> Result<(), TabularError> {
    let mut w = PartWriter::create(path, format, t)?;
    w.append(t)?;
    w.finish()?;
    Ok(())
}

fn write_csv_rows(path: &Path, w: &mut BufWriter<File>, t: &Table) -> Result<(), TabularError> {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int16Type as I16, Int32Type, Int64Type};
    let len = t.columns.first().map_or(0, |(_, a)| a.len());
    let mut line = String::with_capacity(256);
    for i in 0..len {
        line.clear();
        for (k, (_, a)) in t.columns.iter().enumerate() {
            if k > 0 {
                line.push(',');
            }
            use std::fmt::Write as _;
            let _ = match a.data_type() {
                arrow_schema::DataType::Int8 => {
                    write!(line, "{}", a.as_primitive::<Int8Type>().value(i))
                }
                arrow_schema::DataType::Int16 => {
                    write!(line, "{}", a.as_primitive::<I16>().value(i))
                }
                arrow_schema::DataType::Int32 => {
                    write!(line, "{}", a.as_primitive::<Int32Type>().value(i))
                }
                arrow_schema::DataType::Int64 => {
                    write!(line, "{}", a.as_primitive::<Int64Type>().value(i))
                }
                arrow_schema::DataType::Float64 => {
                    let v = a.as_primitive::<Float64Type>().value(i);
                    if v.is_nan() {
                        Ok(())
                    } else {
                        write!(line, "{v:?}")
                    }
                }
                arrow_schema::DataType::Utf8 => {
                    write!(line, "{}", csv_escape(a.as_string::<i32>().value(i)))
                }
                arrow_schema::DataType::Dictionary(_, _) => {
                    let d = a.as_dictionary::<Int8Type>();
                    let key = d.keys().value(i) as usize;
                    write!(
                        line,
                        "{}",
                        csv_escape(d.values().as_string::<i32>().value(key))
                    )
                }
                _ => Ok(()),
            };
        }
        line.push('\n');
        w.write_all(line.as_bytes()).map_err(|e| werr(path, e))?;
    }
    Ok(())
}

fn csv_escape(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Output files written into a temporary folder inside the output folder and moved into place together
/// by [`Staged::commit`]; dropped without committing, the folder and what it holds are removed.
pub struct Staged {
    dir: PathBuf,
    tmp: PathBuf,
    /// The output folder did not exist before: removed too when nothing is committed.
    made_dir: bool,
    committed: bool,
}

impl Staged {
    pub fn new(dir: &Path) -> Result<Staged, TabularError> {
        let made_dir = !dir.exists();
        fs::create_dir_all(dir).map_err(|e| werr(dir, e))?;
        let tmp = dir.join(format!(".ansinh-tmp-{}", std::process::id()));
        fs::create_dir_all(&tmp).map_err(|e| werr(&tmp, e))?;
        Ok(Staged {
            dir: dir.to_path_buf(),
            tmp,
            made_dir,
            committed: false,
        })
    }

    /// Where table `name` is written until the commit.
    pub fn path(&self, name: &str, format: Format) -> PathBuf {
        self.tmp.join(format!("{name}.{}", format.ext()))
    }

    /// Moves the written files into the output folder.
    pub fn commit(mut self, written: Vec<PathBuf>) -> Result<Vec<PathBuf>, TabularError> {
        self.committed = true;
        let mut out = Vec::new();
        for from in written {
            let to = from
                .file_name()
                .map(|n| self.dir.join(n))
                .ok_or_else(|| werr(&from, "bad file name"))?;
            fs::rename(&from, &to).map_err(|e| werr(&to, e))?;
            out.push(to);
        }
        Ok(out)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.tmp);
        if self.made_dir && !self.committed {
            // Only if still empty: nothing but what this run made is removed.
            let _ = fs::remove_dir(&self.dir);
        }
    }
}

/// Writes the tables into `dir` as `NAME.csv` or `NAME.parquet`. All files appear together or none:
/// they are written into a temporary folder in `dir` and then moved into place.
pub fn write_outputs(
    dir: &Path,
    format: Format,
    tables: &[Table],
) -> Result<Vec<PathBuf>, TabularError> {
    let staged = Staged::new(dir)?;
    let written: Vec<Result<PathBuf, TabularError>> = std::thread::scope(|s| {
        let handles: Vec<_> = tables
            .iter()
            .map(|t| {
                let path = staged.path(&t.name, format);
                s.spawn(move || {
                    write_table(&path, format, t)?;
                    Ok(path)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(werr(dir, "writer thread failed")))
            })
            .collect()
    });
    let written = written.into_iter().collect::<Result<Vec<_>, _>>()?;
    staged.commit(written)
}

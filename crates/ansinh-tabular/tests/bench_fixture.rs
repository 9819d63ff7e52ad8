//! The benchmark rule, run by the engine from `standards/bench-2022.toml`, must agree exactly with the
//! reference implementation on the 100k-household fixture (`../shared/bench/fixtures/h100k/ref`), through
//! the whole pipeline: read Parquet, classify, aggregate, write Parquet and CSV.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int8Type, Int16Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use ansinh_domain::af::alkire_foster;
use ansinh_domain::aggregate::aggregate;
use ansinh_domain::schema::FieldId;
use ansinh_domain::{Standard, StandardSet, classify};
use ansinh_tabular::write::{households_table, units_table};
use ansinh_tabular::{Format, read_input, write_outputs};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture() -> PathBuf {
    root().join("../shared/bench/fixtures/h100k")
}

fn bench_standard() -> Standard {
    let dir = root().join("standards");
    let files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    StandardSet::load(&files)
        .unwrap()
        .get("bench-2022")
        .unwrap()
        .clone()
}

fn needed(std: &Standard) -> Vec<FieldId> {
    std.input_fields()
}

/// A column as i64 or f64 or text, whatever its Arrow type.
#[derive(Debug)]
enum Col {
    I(Vec<i64>),
    F(Vec<f64>),
    S(Vec<String>),
}

fn col(a: &ArrayRef) -> Col {
    match a.data_type() {
        DataType::Int8 => Col::I(
            a.as_primitive::<Int8Type>()
                .values()
                .iter()
                .map(|v| *v as i64)
                .collect(),
        ),
        DataType::Int16 => Col::I(
            a.as_primitive::<Int16Type>()
                .values()
                .iter()
                .map(|v| *v as i64)
                .collect(),
        ),
        DataType::Int32 => Col::I(
            a.as_primitive::<Int32Type>()
                .values()
                .iter()
                .map(|v| *v as i64)
                .collect(),
        ),
        DataType::Int64 => Col::I(a.as_primitive::<Int64Type>().values().to_vec()),
        DataType::Float64 => Col::F(a.as_primitive::<Float64Type>().values().to_vec()),
        DataType::Utf8 => Col::S(
            a.as_string::<i32>()
                .iter()
                .map(|s| s.unwrap_or("").to_string())
                .collect(),
        ),
        DataType::Dictionary(_, _) => {
            let d = a.as_dictionary::<Int8Type>();
            let vals = d.values().as_string::<i32>();
            Col::S(
                d.keys()
                    .values()
                    .iter()
                    .map(|k| vals.value(*k as usize).to_string())
                    .collect(),
            )
        }
        t => panic!("unexpected type {t}"),
    }
}

fn read_parquet(path: &Path) -> HashMap<String, Col> {
    let r = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut out: HashMap<String, Col> = HashMap::new();
    for b in r {
        let b = b.unwrap();
        for (i, f) in b.schema().fields().iter().enumerate() {
            let c = col(b.column(i));
            match (out.get_mut(f.name()), c) {
                (Some(Col::I(a)), Col::I(b)) => a.extend(b),
                (Some(Col::F(a)), Col::F(b)) => a.extend(b),
                (Some(Col::S(a)), Col::S(b)) => a.extend(b),
                (None, c) => {
                    out.insert(f.name().clone(), c);
                }
                _ => panic!("mixed types"),
            }
        }
    }
    out
}

fn read_csv(path: &Path, ints: &[&str], floats: &[&str]) -> HashMap<String, Col> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    for rec in r.records() {
        for (i, v) in rec.unwrap().iter().enumerate() {
            cols[i].push(v.to_string());
        }
    }
    headers
        .into_iter()
        .zip(cols)
        .map(|(h, v)| {
            let c = if ints.contains(&h.as_str()) {
                Col::I(v.iter().map(|s| s.parse().unwrap()).collect())
            } else if floats.contains(&h.as_str()) {
                Col::F(v.iter().map(|s| s.parse().unwrap()).collect())
            } else {
                Col::S(v)
            };
            (h, c)
        })
        .collect()
}

/// Compares every column of the reference table with ours, by key, as check.py does.
fn assert_same(
    table: &str,
    key: &str,
    reference: &HashMap<String, Col>,
    ours: &HashMap<String, Col>,
) {
    let Col::I(rk) = &reference[key] else {
        panic!()
    };
    let Col::I(ok) = &ours[key] else { panic!() };
    assert_eq!(rk.len(), ok.len(), "{table}: row count");
    let pos: HashMap<i64, usize> = ok.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    for (name, rc) in reference {
        let oc = ours
            .get(name)
            .unwrap_or_else(|| panic!("{table}: missing column {name}"));
        for (i, k) in rk.iter().enumerate() {
            let j = *pos
                .get(k)
                .unwrap_or_else(|| panic!("{table}: {key} {k} missing"));
            match (rc, oc) {
                (Col::I(a), Col::I(b)) => {
                    assert_eq!(a[i], b[j], "{table}.{name} differs at {key}={k}")
                }
                (Col::F(a), Col::F(b)) => {
                    assert!(
                        (a[i] - b[j]).abs() <= 1e-9 * a[i].abs().max(1.0),
                        "{table}.{name} at {key}={k}: {} vs {}",
                        a[i],
                        b[j]
                    )
                }
                (Col::S(a), Col::S(b)) => {
                    assert_eq!(a[i], b[j], "{table}.{name} differs at {key}={k}")
                }
                (Col::I(a), Col::F(b)) => {
                    assert_eq!(a[i] as f64, b[j], "{table}.{name} at {key}={k}")
                }
                _ => panic!("{table}.{name}: type mismatch"),
            }
        }
    }
}

#[test]
fn bench_2022_agrees_with_the_reference_on_100k_households_in_parquet_and_csv() {
    let std = bench_standard();
    let f = fixture();
    let input = read_input(
        &f.join("households.parquet"),
        &f.join("members.parquet"),
        &needed(&std),
        false,
    )
    .unwrap();
    assert_eq!(input.household_ids.len(), 100_000);
    let res = classify(&std, &input.batch);
    let commune = aggregate(
        input.commune.as_ref().unwrap(),
        input.province.as_deref(),
        &res,
    );
    let province = aggregate(input.province.as_ref().unwrap(), None, &res);
    let tables = vec![
        households_table(&input.household_ids, &res, std.indicators.len()),
        units_table(
            "commune",
            "commune_code",
            Some("province_code"),
            &commune,
            false,
        ),
        units_table("province", "province_code", None, &province, false),
    ];
    let tmp = std::env::temp_dir().join(format!("ansinh-h100k-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    write_outputs(&tmp.join("pq"), Format::Parquet, &tables).unwrap();
    write_outputs(&tmp.join("csv"), Format::Csv, &tables).unwrap();
    let ints = [
        "household_id",
        "n_members",
        "deficit_mask",
        "deficit_count",
        "commune_code",
        "province_code",
        "households",
        "persons",
        "poor_households",
        "near_poor_households",
        "poor_persons",
        "near_poor_persons",
        "incomplete_households",
    ];
    let floats = [
        "income_per_capita",
        "poor_household_rate",
        "near_poor_household_rate",
        "poor_person_rate",
        "near_poor_person_rate",
        "mean_deficits",
    ];
    for (name, key) in [
        ("households", "household_id"),
        ("commune", "commune_code"),
        ("province", "province_code"),
    ] {
        let reference = read_parquet(&f.join("ref").join(format!("{name}.parquet")));
        let ours = read_parquet(&tmp.join("pq").join(format!("{name}.parquet")));
        assert_same(name, key, &reference, &ours);
        let ours = read_csv(&tmp.join("csv").join(format!("{name}.csv")), &ints, &floats);
        assert_same(name, key, &reference, &ours);
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn alkire_foster_agrees_with_the_reference_on_100k_households() {
    let std = bench_standard();
    let f = fixture();
    let input = read_input(
        &f.join("households.parquet"),
        &f.join("members.parquet"),
        &needed(&std),
        false,
    )
    .unwrap();
    let res = classify(&std, &input.batch);
    let af: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.join("ref/af.json")).unwrap()).unwrap();
    let weights: Vec<u32> = std.indicators.iter().map(|i| i.weight).collect();
    assert_eq!(af["k"], 3);
    let ones = vec![1u32; res.len()];
    for (unit, w) in [("households", &ones), ("persons", &res.n)] {
        let r = alkire_foster(&res.deficit_mask, &res.unknown_mask, w, &weights, 3, None);
        let want = &af[unit];
        let close = |a: f64, b: &serde_json::Value| {
            let b = b.as_f64().unwrap();
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1e-300),
                "{unit}: {a} vs {b}"
            );
        };
        close(r.total.h, &want["H"]);
        close(r.total.a, &want["A"]);
        close(r.total.m0, &want["M0"]);
        for (j, ind) in std.indicators.iter().enumerate() {
            close(r.total.censored[j], &want["censored_headcount"][&ind.id]);
            close(
                r.total.uncensored[j],
                &want["uncensored_headcount"][&ind.id],
            );
        }
        let contrib: f64 = r.total.contribution.iter().sum();
        assert!(
            (contrib - 1.0).abs() < 1e-12,
            "contributions sum to 1, got {contrib}"
        );
    }
}

/// Rewrites a Parquet file with many small row groups (read in parallel by the reader).
fn rewrite_with_small_row_groups(from: &Path, to: &Path) {
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;
    let r = ParquetRecordBatchReaderBuilder::try_new(File::open(from).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(7_000))
        .build();
    let mut w: Option<ArrowWriter<File>> = None;
    for b in r {
        let b = b.unwrap();
        let w = w.get_or_insert_with(|| {
            ArrowWriter::try_new(File::create(to).unwrap(), b.schema(), Some(props.clone()))
                .unwrap()
        });
        w.write(&b).unwrap();
    }
    w.unwrap().close().unwrap();
}

#[test]
fn files_with_many_row_groups_read_the_same_as_one() {
    let std = bench_standard();
    let f = fixture();
    let tmp = std::env::temp_dir().join(format!("ansinh-rg-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    rewrite_with_small_row_groups(
        &f.join("households.parquet"),
        &tmp.join("households.parquet"),
    );
    rewrite_with_small_row_groups(&f.join("members.parquet"), &tmp.join("members.parquet"));
    let a = read_input(
        &f.join("households.parquet"),
        &f.join("members.parquet"),
        &needed(&std),
        false,
    )
    .unwrap();
    let b = read_input(
        &tmp.join("households.parquet"),
        &tmp.join("members.parquet"),
        &needed(&std),
        false,
    )
    .unwrap();
    assert_eq!(a.household_ids, b.household_ids);
    assert_eq!(a.batch.offsets, b.batch.offsets);
    assert_eq!(a.batch.columns, b.batch.columns);
    let _ = std::fs::remove_dir_all(&tmp);
}

/// An empty scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let tmp = std::env::temp_dir().join(format!("ansinh-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    tmp
}

/// Rewrites a Parquet file keeping its batches (of 1,024 rows) for which `keep(i)` holds, in the
/// order read (or reversed).
fn rewrite_batches(from: &Path, to: &Path, keep: impl Fn(usize) -> bool, reverse: bool) {
    use parquet::arrow::ArrowWriter;
    let r = ParquetRecordBatchReaderBuilder::try_new(File::open(from).unwrap())
        .unwrap()
        .with_batch_size(1024)
        .build()
        .unwrap();
    let mut batches: Vec<_> = r
        .map(|b| b.unwrap())
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(_, b)| b)
        .collect();
    if reverse {
        batches.reverse();
    }
    let mut w = ArrowWriter::try_new(File::create(to).unwrap(), batches[0].schema(), None).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
}

fn bench_outputs_equal_the_reference(out: &Path) {
    let f = fixture();
    for (name, key) in [
        ("households", "household_id"),
        ("commune", "commune_code"),
        ("province", "province_code"),
    ] {
        let reference = read_parquet(&f.join("ref").join(format!("{name}.parquet")));
        let ours = read_parquet(&out.join(format!("{name}.parquet")));
        assert_same(name, key, &reference, &ours);
    }
}

#[test]
fn streaming_in_parts_gives_the_reference_outputs_and_so_does_reading_whole() {
    use ansinh_domain::Class;
    use ansinh_tabular::{Options, classify_files};
    let std = bench_standard();
    let f = fixture();
    let tmp = scratch("stream");
    let (h, m) = (f.join("households.parquet"), f.join("members.parquet"));
    // An odd part size, so that parts end in the middle of batches and row groups.
    let streamed = Options {
        part_households: 7_777,
        stream: true,
    };
    let s = classify_files(&std, &h, &m, &tmp.join("s"), Format::Parquet, streamed).unwrap();
    assert_eq!(s.parts, 100_000usize.div_ceil(7_777));
    assert_eq!(s.households, 100_000);
    bench_outputs_equal_the_reference(&tmp.join("s"));
    let whole = Options {
        stream: false,
        ..streamed
    };
    let w = classify_files(&std, &h, &m, &tmp.join("w"), Format::Parquet, whole).unwrap();
    assert_eq!(w.parts, 0);
    bench_outputs_equal_the_reference(&tmp.join("w"));
    assert_eq!(
        (s.members, s.by_class, s.incomplete),
        (w.members, w.by_class, w.incomplete)
    );
    assert!(s.count(Class::Poor) > 0 && s.count(Class::NearPoor) > 0);
    // The same in CSV, streamed: one header, every household once.
    let c = classify_files(&std, &h, &m, &tmp.join("c"), Format::Csv, streamed).unwrap();
    let text = std::fs::read_to_string(tmp.join("c/households.csv")).unwrap();
    assert_eq!(text.lines().count(), 100_001);
    assert_eq!(text.matches("household_id").count(), 1);
    assert_eq!(c.by_class, s.by_class);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn files_out_of_household_order_are_read_whole_with_the_same_outputs() {
    use ansinh_tabular::{Options, classify_files};
    let std = bench_standard();
    let f = fixture();
    let tmp = scratch("order");
    let h = tmp.join("households.parquet");
    rewrite_batches(&f.join("households.parquet"), &h, |_| true, true);
    let opts = Options {
        part_households: 10_000,
        stream: true,
    };
    let s = classify_files(
        &std,
        &h,
        &f.join("members.parquet"),
        &tmp.join("out"),
        Format::Parquet,
        opts,
    )
    .unwrap();
    assert_eq!(s.parts, 0, "fell back to reading whole");
    bench_outputs_equal_the_reference(&tmp.join("out"));
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn broken_files_give_the_same_error_streamed_or_whole_and_write_nothing() {
    use ansinh_tabular::{Options, classify_files};
    let std = bench_standard();
    let f = fixture();
    let tmp = scratch("broken");
    let (h, m) = (f.join("households.parquet"), f.join("members.parquet"));
    // Households of batch 40 (rows 40,961-41,984, in the sixth part) gone: their members belong to no
    // household. The first parts are written before the error is found.
    let h_gap = tmp.join("households-gap.parquet");
    rewrite_batches(&h, &h_gap, |i| i != 40, false);
    // Members of batch 200 (about household 55,000, the eighth part) gone: some households have nobody.
    let m_gap = tmp.join("members-gap.parquet");
    rewrite_batches(&m, &m_gap, |i| i != 200, false);
    for (hh, mm, what) in [
        (&h_gap, &m, "a member of an unknown household"),
        (&h, &m_gap, "a household without members"),
    ] {
        let mut errors = Vec::new();
        for stream in [true, false] {
            let out = tmp.join(format!("out-{stream}"));
            let opts = Options {
                part_households: 7_777,
                stream,
            };
            let e = classify_files(&std, hh, mm, &out, Format::Parquet, opts)
                .expect_err(what)
                .to_string();
            assert!(!out.exists(), "{what}: nothing written");
            errors.push(e);
        }
        assert_eq!(errors[0], errors[1], "{what}");
        assert!(errors[0].contains("row"), "{what}: {}", errors[0]);
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

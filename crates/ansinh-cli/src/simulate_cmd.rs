//! `ansinh simulate`: a what-if comparison of two standards over batch files or the registry. The summary
//! is counts only (no personal data); with `--out` the tables are written as CSV or one XLSX workbook.

// The from→to matrix reads best indexed by state on both axes.
#![allow(clippy::needless_range_loop)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, ValueEnum};

use ansinh_domain::registry::UnitCode;
use ansinh_domain::simulate::{
    Budget, Matrix, MatrixExt, STATES, Simulation, UnitChange, budget_impact, simulate, state_code,
    state_en, state_vi,
};
use ansinh_domain::{Standard, StandardSet};
use ansinh_registry_io::simulate::registry_batch;
use ansinh_rulebook::Rulebook;
use ansinh_store_any::AnyStore;

use crate::Lang;
use crate::registry_cmd::{err, runtime, store_err};

#[derive(Clone, Copy, ValueEnum)]
pub enum TableFormat {
    Csv,
    Xlsx,
}

#[derive(Args)]
pub struct SimulateArgs {
    /// The standard in use.
    #[arg(long, default_value = "vn-2022-2025")]
    base: String,
    /// The alternative: a scenario file (a standard layered on the base, see simulations/) or a standard id.
    #[arg(long = "with")]
    with: String,
    #[arg(long, requires = "members", conflicts_with = "database")]
    households: Option<PathBuf>,
    #[arg(long, requires = "households")]
    members: Option<PathBuf>,
    /// Simulate on the registry (SQLite file or postgres://… URL) instead of files.
    #[arg(long)]
    database: Option<String>,
    /// With --database: only the households under this unit code.
    #[arg(long, requires = "database")]
    unit: Option<String>,
    /// With --database: the date ages and incomes are taken on (dd/mm/yyyy; default today).
    #[arg(long)]
    as_of: Option<String>,
    /// Year the budget impact is priced for (default: the current year).
    #[arg(long)]
    year: Option<i32>,
    /// Province code whose own policies also apply (e.g. 01 for Hà Nội).
    #[arg(long)]
    jurisdiction: Option<String>,
    /// Write the tables (matrix, communes, provinces, indicators, budget) into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    format: TableFormat,
    /// Print the whole comparison as JSON on standard output instead of the summary.
    #[arg(long)]
    json: bool,
    #[arg(long, value_enum, default_value_t = Lang::Vi)]
    lang: Lang,
}

/// The rulebook's standards and scenarios, plus the scenario file (when `with` is a path) loaded
/// together with the standards so the scenario is validated like any standard and may extend any of them.
fn load(rules: &Rulebook, with: &str) -> Result<(StandardSet, String)> {
    let path = Path::new(with);
    if path.extension().is_some_and(|x| x == "toml") || path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the scenario", path.display()))?;
        let id = crate::toml_id(&text)
            .ok_or_else(|| anyhow!("{}: the scenario has no `id`", path.display()))?;
        let mut files = rules.files().standards.clone();
        files.push((path.display().to_string(), text));
        Ok((crate::load_standards(&files)?, id))
    } else {
        Ok((rules.scenarios().clone(), with.to_string()))
    }
}

pub fn run(a: SimulateArgs, rules: &Rulebook) -> Result<ExitCode> {
    let (reg, alt_id) = load(rules, &a.with)?;
    let base = crate::pick(&reg, &a.base)?;
    let alt = crate::pick(&reg, &alt_id)?;
    let t0 = Instant::now();
    let (sim, names, n_read) = match (&a.households, &a.members, &a.database) {
        (Some(h), Some(m), None) => {
            let mut fields = base.input_fields();
            for f in alt.input_fields() {
                if !fields.contains(&f) {
                    fields.push(f);
                }
            }
            let pb = crate::spinner("đọc dữ liệu / reading");
            let input = ansinh_tabular::read_input(h, m, &fields, false)?;
            pb.finish_and_clear();
            let t = t0.elapsed();
            let sim = simulate(
                base,
                alt,
                &input.batch,
                input.commune.as_deref(),
                input.province.as_deref(),
            );
            (sim, Default::default(), t)
        }
        (None, None, Some(db)) => {
            let as_of = match &a.as_of {
                Some(s) => crate::parse_date(s)?,
                None => chrono::Local::now().date_naive(),
            };
            let unit = a
                .unit
                .as_deref()
                .map(|u| UnitCode::parse(u).map_err(|e| anyhow!("{}\n{e}", e.message_vi())))
                .transpose()?;
            let rb = runtime()?.block_on(async {
                let s = AnyStore::open(db).await.map_err(store_err)?;
                let r = registry_batch(&s, unit.as_ref(), as_of).await.map_err(err);
                s.close().await;
                r
            })?;
            let t = t0.elapsed();
            let sim = simulate(base, alt, &rb.batch, Some(&rb.commune), Some(&rb.province));
            (sim, rb.units, t)
        }
        _ => bail!("give --households and --members, or --database"),
    };
    let t_sim = t0.elapsed() - n_read;
    let year = a
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&chrono::Local::now().date_naive()));
    let set = rules.policies();
    let budget =
        budget_impact(&sim, set, year, a.jurisdiction.as_deref()).map_err(|e| anyhow!(e))?;
    let tables = tables(&sim, &budget, &names);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&json(&sim, &budget))?);
    } else {
        summary(&sim, &budget, base, alt, a.lang);
    }
    if let Some(out) = &a.out {
        let written = write(out, a.format, &tables)?;
        for w in written {
            eprintln!("đã ghi / wrote {}", w.display());
        }
    }
    eprintln!(
        "thời gian / time: read {:.2}s, simulate {:.2}s",
        n_read.as_secs_f64(),
        t_sim.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn group(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{}", group(n))
    } else {
        group(n)
    }
}

fn summary(sim: &Simulation, b: &Budget, base: &Standard, alt: &Standard, lang: Lang) {
    let vi = lang == Lang::Vi;
    let name = |s: usize| if vi { state_vi(s) } else { state_en(s) };
    if vi {
        println!(
            "Mô phỏng: áp dụng «{}» thay cho «{}» trên {} hộ, {} nhân khẩu",
            alt.name_vi,
            base.name_vi,
            group(sim.households),
            group(sim.persons)
        );
    } else {
        println!(
            "Simulation: «{}» instead of «{}» on {} households, {} persons",
            alt.name_en,
            base.name_en,
            group(sim.households),
            group(sim.persons)
        );
    }
    println!();
    println!(
        "{:<44} {:>12} {:>12} {:>10}",
        if vi {
            "Phân loại (hộ)"
        } else {
            "Class (households)"
        },
        base.id,
        alt.id,
        if vi { "chênh lệch" } else { "change" }
    );
    for s in 0..STATES {
        let (bc, ac) = (sim.matrix.base(s), sim.matrix.alt(s));
        if bc.households == 0 && ac.households == 0 {
            continue;
        }
        println!(
            "{:<44} {:>12} {:>12} {:>10}",
            name(s),
            group(bc.households),
            group(ac.households),
            signed(ac.households - bc.households)
        );
    }
    let ch = sim.matrix.changed();
    println!();
    println!(
        "{}",
        if vi {
            format!(
                "Đổi phân loại: {} hộ, {} nhân khẩu",
                group(ch.households),
                group(ch.persons)
            )
        } else {
            format!(
                "Changing class: {} households, {} persons",
                group(ch.households),
                group(ch.persons)
            )
        }
    );
    for from in 0..STATES {
        for to in 0..STATES {
            let c = sim.matrix[from][to];
            if from != to && c.households > 0 {
                println!(
                    "  {} → {}: {} {} ({} {})",
                    name(from),
                    name(to),
                    group(c.households),
                    if vi { "hộ" } else { "households" },
                    group(c.persons),
                    if vi { "người" } else { "persons" }
                );
            }
        }
    }
    println!();
    println!(
        "{}",
        if vi {
            "Theo chỉ số (hộ thiếu hụt): chuẩn gốc / mô phỏng / mới thiếu hụt / không còn tính"
        } else {
            "By indicator (deprived households): base / scenario / newly deprived / no longer counted"
        }
    );
    for i in &sim.indicators {
        if i.newly_deprived == 0 && i.no_longer_counted == 0 && i.in_base && i.in_alt {
            continue;
        }
        let note = match (i.in_base, i.in_alt) {
            (true, false) => {
                if vi {
                    " (bỏ chỉ số)"
                } else {
                    " (dropped)"
                }
            }
            (false, true) => {
                if vi {
                    " (chỉ số mới)"
                } else {
                    " (new)"
                }
            }
            _ => "",
        };
        println!(
            "  {:<40} {:>10} {:>10} {:>10} {:>10}{note}",
            if vi { &i.vi } else { &i.en },
            group(i.base_deprived),
            group(i.alt_deprived),
            signed(i.newly_deprived),
            signed(-i.no_longer_counted)
        );
    }
    println!(
        "  {}: {}",
        if vi {
            "hộ đổi số chỉ số thiếu hụt"
        } else {
            "households whose deprivation count changes"
        },
        group(sim.deficit_count_changed)
    );
    let moved: Vec<&UnitChange> = sim
        .provinces
        .iter()
        .filter(|u| u.matrix.changed().households > 0)
        .collect();
    if !moved.is_empty() {
        println!();
        println!(
            "{}",
            if vi {
                "Theo tỉnh (hộ nghèo: gốc → mô phỏng)"
            } else {
                "By province (poor households: base → scenario)"
            }
        );
        for u in moved.iter().take(20) {
            println!(
                "  {:>6}: {} → {} ({})",
                u.code,
                group(u.matrix.base(0).households),
                group(u.matrix.alt(0).households),
                signed(u.matrix.alt(0).households - u.matrix.base(0).households)
            );
        }
    }
    println!();
    println!(
        "{} {}",
        if vi {
            "Tác động ngân sách năm"
        } else {
            "Budget impact, year"
        },
        b.year
    );
    for l in &b.lines {
        if l.entering == 0 && l.leaving == 0 {
            continue;
        }
        println!(
            "  {}: {} / {} ({}) × {} đ = {} đ",
            l.policy,
            signed(l.entering),
            signed(-l.leaving),
            l.counts,
            group(l.per_unit),
            signed(l.delta_amount)
        );
    }
    println!(
        "  {}: {} đ",
        if vi {
            "Tổng chênh lệch"
        } else {
            "Total change"
        },
        signed(b.delta_total())
    );
    if !sim.caveats.is_empty() {
        println!();
        println!(
            "{}",
            if vi {
                format!(
                    "Lưu ý: kết quả phụ thuộc {} điểm CHƯA XÁC NHẬN của chuẩn; giá chính sách theo số đếm lớp hộ, chưa xét điều kiện khác của chính sách.",
                    sim.caveats.len()
                )
            } else {
                format!(
                    "Note: results depend on {} UNCONFIRMED point(s) of the standards; policies are priced by class counts, without their other conditions.",
                    sim.caveats.len()
                )
            }
        );
    }
}

/// A table cell.
enum Cell {
    T(String),
    I(i64),
}

struct Tab {
    name: &'static str,
    header: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

fn matrix_rows(m: &Matrix, prefix: &[Cell], rows: &mut Vec<Vec<Cell>>) {
    for from in 0..STATES {
        for to in 0..STATES {
            let c = m[from][to];
            if c.households == 0 {
                continue;
            }
            let mut r: Vec<Cell> = prefix
                .iter()
                .map(|c| match c {
                    Cell::T(s) => Cell::T(s.clone()),
                    Cell::I(i) => Cell::I(*i),
                })
                .collect();
            r.extend([
                Cell::T(state_code(from).into()),
                Cell::T(state_code(to).into()),
                Cell::I(c.households),
                Cell::I(c.persons),
            ]);
            rows.push(r);
        }
    }
}

fn unit_rows(
    units: &[UnitChange],
    names: &std::collections::BTreeMap<i64, (String, String)>,
) -> Vec<Vec<Cell>> {
    units
        .iter()
        .map(|u| {
            let m = &u.matrix;
            let total = (0..STATES).fold(0, |a, s| a + m.base(s).households);
            vec![
                Cell::I(u.code),
                Cell::T(names.get(&u.code).map(|n| n.1.clone()).unwrap_or_default()),
                Cell::T(u.parent.map(|p| p.to_string()).unwrap_or_default()),
                Cell::I(total),
                Cell::I(m.base(0).households),
                Cell::I(m.alt(0).households),
                Cell::I(m.base(1).households),
                Cell::I(m.alt(1).households),
                Cell::I(m.base(0).persons),
                Cell::I(m.alt(0).persons),
                Cell::I(m.base(1).persons),
                Cell::I(m.alt(1).persons),
                Cell::I(m.base(4).households),
                Cell::I(m.alt(4).households),
                Cell::I(m.changed().households),
                Cell::I(m.changed().persons),
            ]
        })
        .collect()
}

const UNIT_HEADER: [&str; 16] = [
    "code",
    "name",
    "parent_code",
    "households",
    "base_poor_households",
    "alt_poor_households",
    "base_near_poor_households",
    "alt_near_poor_households",
    "base_poor_persons",
    "alt_poor_persons",
    "base_near_poor_persons",
    "alt_near_poor_persons",
    "base_incomplete_households",
    "alt_incomplete_households",
    "changed_households",
    "changed_persons",
];

fn tables(
    sim: &Simulation,
    b: &Budget,
    names: &std::collections::BTreeMap<i64, (String, String)>,
) -> Vec<Tab> {
    let mut m = Vec::new();
    matrix_rows(&sim.matrix, &[], &mut m);
    let ind = sim
        .indicators
        .iter()
        .map(|i| {
            vec![
                Cell::T(i.id.clone()),
                Cell::T(i.vi.clone()),
                Cell::T(i.en.clone()),
                Cell::T(if i.in_base { "yes" } else { "no" }.into()),
                Cell::T(if i.in_alt { "yes" } else { "no" }.into()),
                Cell::I(i.base_deprived),
                Cell::I(i.alt_deprived),
                Cell::I(i.newly_deprived),
                Cell::I(i.no_longer_counted),
                Cell::I(i.base_unknown),
                Cell::I(i.alt_unknown),
            ]
        })
        .collect();
    let budget = b
        .lines
        .iter()
        .map(|l| {
            vec![
                Cell::T(l.policy.clone()),
                Cell::T(l.name_vi.clone()),
                Cell::T(l.counts.clone()),
                Cell::I(i64::from(l.year)),
                Cell::I(l.per_unit),
                Cell::I(l.base_units),
                Cell::I(l.alt_units),
                Cell::I(l.entering),
                Cell::I(l.leaving),
                Cell::I(l.base_amount),
                Cell::I(l.alt_amount),
                Cell::I(l.delta_amount),
                Cell::T(
                    l.caveats
                        .iter()
                        .map(|c| format!("{}: {}", c.subject, c.note))
                        .collect::<Vec<_>>()
                        .join(" | "),
                ),
            ]
        })
        .collect();
    vec![
        Tab {
            name: "matrix",
            header: vec!["base_class", "alt_class", "households", "persons"],
            rows: m,
        },
        Tab {
            name: "communes",
            header: UNIT_HEADER.to_vec(),
            rows: unit_rows(&sim.communes, names),
        },
        Tab {
            name: "provinces",
            header: UNIT_HEADER.to_vec(),
            rows: unit_rows(&sim.provinces, names),
        },
        Tab {
            name: "indicators",
            header: vec![
                "indicator",
                "vi",
                "en",
                "in_base",
                "in_alt",
                "base_deprived",
                "alt_deprived",
                "newly_deprived",
                "no_longer_counted",
                "base_unknown",
                "alt_unknown",
            ],
            rows: ind,
        },
        Tab {
            name: "budget",
            header: vec![
                "policy",
                "name_vi",
                "counts",
                "year",
                "per_unit_vnd",
                "base_units",
                "alt_units",
                "entering",
                "leaving",
                "base_amount_vnd",
                "alt_amount_vnd",
                "delta_amount_vnd",
                "caveats",
            ],
            rows: budget,
        },
    ]
}

fn write(dir: &Path, format: TableFormat, tabs: &[Tab]) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    match format {
        TableFormat::Csv => {
            let mut out = Vec::new();
            for t in tabs {
                let p = dir.join(format!("{}.csv", t.name));
                let mut w = csv::Writer::from_path(&p).with_context(|| p.display().to_string())?;
                w.write_record(&t.header)?;
                for r in &t.rows {
                    w.write_record(r.iter().map(|c| match c {
                        Cell::T(s) => s.clone(),
                        Cell::I(i) => i.to_string(),
                    }))?;
                }
                w.flush()?;
                out.push(p);
            }
            Ok(out)
        }
        TableFormat::Xlsx => {
            let p = dir.join("simulation.xlsx");
            let mut wb = rust_xlsxwriter::Workbook::new();
            for t in tabs {
                let ws = wb.add_worksheet();
                ws.set_name(t.name)?;
                for (c, h) in t.header.iter().enumerate() {
                    ws.write_string(0, c as u16, *h)?;
                }
                for (r, row) in t.rows.iter().enumerate() {
                    let r = (r + 1) as u32;
                    for (c, v) in row.iter().enumerate() {
                        match v {
                            Cell::T(s) => ws.write_string(r, c as u16, s)?,
                            Cell::I(i) => ws.write_number(r, c as u16, *i as f64)?,
                        };
                    }
                }
            }
            wb.save(&p).with_context(|| p.display().to_string())?;
            Ok(vec![p])
        }
    }
}

fn json(sim: &Simulation, b: &Budget) -> serde_json::Value {
    use serde_json::json;
    let matrix = |m: &Matrix| {
        let mut v = Vec::new();
        for from in 0..STATES {
            for to in 0..STATES {
                let c = m[from][to];
                if c.households > 0 {
                    v.push(json!({"from": state_code(from), "to": state_code(to), "households": c.households, "persons": c.persons}));
                }
            }
        }
        v
    };
    let units = |us: &[UnitChange]| -> Vec<serde_json::Value> {
        us.iter()
            .map(|u| json!({"code": u.code, "parent": u.parent, "matrix": matrix(&u.matrix)}))
            .collect()
    };
    json!({
        "base": sim.base_id,
        "alt": sim.alt_id,
        "households": sim.households,
        "persons": sim.persons,
        "matrix": matrix(&sim.matrix),
        "indicators": sim.indicators.iter().map(|i| json!({
            "id": i.id, "in_base": i.in_base, "in_alt": i.in_alt,
            "base_deprived": i.base_deprived, "alt_deprived": i.alt_deprived,
            "newly_deprived": i.newly_deprived, "no_longer_counted": i.no_longer_counted,
        })).collect::<Vec<_>>(),
        "deficit_count_changed": sim.deficit_count_changed,
        "communes": units(&sim.communes),
        "provinces": units(&sim.provinces),
        "budget": {
            "year": b.year,
            "delta_total_vnd": b.delta_total(),
            "lines": b.lines.iter().map(|l| json!({
                "policy": l.policy, "counts": l.counts, "per_unit_vnd": l.per_unit,
                "base_units": l.base_units, "alt_units": l.alt_units,
                "entering": l.entering, "leaving": l.leaving, "delta_amount_vnd": l.delta_amount,
                "caveats": l.caveats.iter().map(|c| format!("{}: {}", c.subject, c.note)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "skipped": b.skipped,
        },
        "caveats": sim.caveats.iter().map(|c| format!("{}: {}", c.subject, c.note)).collect::<Vec<_>>(),
    })
}

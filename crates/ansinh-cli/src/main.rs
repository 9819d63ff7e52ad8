//! `ansinh`: the command-line program. Errors are reported here (anyhow), with the stable code and the
//! Vietnamese and English message of the layer that raised them.

mod builtin;
mod entitle_cmd;
mod log;
mod plan;
mod registry_cmd;
mod review_cmd;
mod rules;
mod serve_cmd;
mod simulate_cmd;
mod targets_cmd;
mod users_cmd;

/// mimalloc keeps freed memory for reuse: batch runs allocate and free large column buffers, and the
/// system allocator hands them back to the kernel only to fault them in again.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use ansinh_domain::af::{AfMeasures, alkire_foster};
use ansinh_domain::classify::Outcome;
use ansinh_domain::schema::FieldId;
use ansinh_domain::{Class, Standard, StandardSet, classify, explain};
use ansinh_rulebook::Rulebook;
use ansinh_tabular::{
    Format, Input, Options as ClassifyOptions, TabularError, classify_files, read_input,
};
use rules::{file_errors, load_rules, load_standards};

#[derive(Parser)]
#[command(
    name = "ansinh",
    version,
    about = "ansinh — quản lý giảm nghèo / poverty-reduction management"
)]
struct Cli {
    /// Rules folder laid out like the repository (standards/, policies/, policies/exports/, plans/,
    /// targets/, review/, scoring/, simulations/): each subfolder present replaces the built-in files of
    /// that kind, an absent one keeps them. Loaded once at start; a bad file stops the start.
    #[arg(long, global = true, env = "ANSINH_RULES_DIR")]
    rules_dir: Option<PathBuf>,
    /// Folder of standard files (*.toml): replaces just the standards (of the built-ins or of
    /// --rules-dir).
    #[arg(long, global = true, env = "ANSINH_STANDARDS")]
    standards_dir: Option<PathBuf>,
    /// Folder with reference-values.toml and policy files: replaces just the policies and reference
    /// values (of the built-ins or of --rules-dir).
    #[arg(long, global = true, env = "ANSINH_POLICIES")]
    policies_dir: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// List, show or check poverty standards.
    Standards {
        #[command(subcommand)]
        cmd: StandardsCmd,
    },
    /// Classify every household of a table and write households, commune and province tables.
    Classify {
        #[arg(long)]
        standard: String,
        #[arg(long)]
        households: PathBuf,
        #[arg(long)]
        members: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = OutFormat::Parquet)]
        format: OutFormat,
    },
    /// Explain one household's classification, in Vietnamese (default) or English.
    Explain {
        #[arg(long)]
        standard: String,
        #[arg(long)]
        households: PathBuf,
        #[arg(long)]
        members: PathBuf,
        /// The household id to explain.
        #[arg(long)]
        household: i64,
        #[arg(long, value_enum, default_value_t = Lang::Vi)]
        lang: Lang,
    },
    /// Alkire-Foster measures (H, A, M0, headcounts, contributions) of a standard's indicators.
    Mpi {
        #[arg(long)]
        standard: String,
        #[arg(long)]
        households: PathBuf,
        #[arg(long)]
        members: PathBuf,
        /// Poverty cutoff in weight points (with equal weights: the number of deprived indicators).
        #[arg(long, default_value_t = 3)]
        k: u32,
        /// Subgroups to break the measures down by.
        #[arg(long, value_enum)]
        by: Option<Group>,
        /// Write the JSON here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List, show or check support policies (amounts priced with the dated reference values).
    Policies {
        #[command(subcommand)]
        cmd: plan::PoliciesCmd,
    },
    /// Check a plan table cell by cell, or forecast a budget from planning inputs.
    Plan {
        #[command(subcommand)]
        cmd: plan::PlanCmd,
    },
    /// Reduction targets per unit and year: list, projection, validation, progress from approved rounds.
    Targets {
        #[command(subcommand)]
        cmd: targets_cmd::TargetsCmd,
    },
    /// Import households and members (XLSX with Vietnamese headers, CSV, Parquet) into the registry.
    Import(registry_cmd::ImportArgs),
    /// Export the registry, or the part under some units, as XLSX, CSV or Parquet.
    Export(registry_cmd::ExportArgs),
    /// Write the empty import template (XLSX, Vietnamese headers, a guide sheet).
    Template(registry_cmd::TemplateArgs),
    /// Back up the embedded registry while it is in use (with a checksum file).
    Backup(registry_cmd::BackupArgs),
    /// Restore the embedded registry from a verified backup, all or nothing.
    Restore(registry_cmd::RestoreArgs),
    /// List likely problems: duplicate persons, impossible ages and relations, missing head or income.
    Quality(registry_cmd::QualityArgs),
    /// Review rounds (rà soát): every step from opening to approval and reopening, and the printouts.
    Review(review_cmd::ReviewArgs),
    /// What if another standard applied: class changes (from→to), by unit and indicator, budget impact.
    Simulate(Box<simulate_cmd::SimulateArgs>),
    /// Beneficiaries of an approved round: per policy, who gets what in a year, why, and who cannot be
    /// decided for a missing fact (to .xlsx/.csv with --out).
    Entitlements(entitle_cmd::EntitlementsArgs),
    /// A partner agency's list from an approved round (bhxh, school, electricity, vbsp) as XLSX.
    PartnerList(entitle_cmd::PartnerArgs),
    /// Run the web application (add --demo for the synthetic demo province).
    Serve(serve_cmd::ServeArgs),
    /// The web application's accounts: list, add, set, passwd, disable, enable.
    Users(users_cmd::UsersArgs),
    /// Classify the built-in demo commune under the standard in force and explain every household.
    Demo {
        #[arg(long, default_value = "vn-2022-2025")]
        standard: String,
        #[arg(long, value_enum, default_value_t = Lang::Vi)]
        lang: Lang,
    },
}

#[derive(Subcommand)]
enum StandardsCmd {
    /// List the standards with their period and income lines.
    List,
    /// Print one standard: lines, indicators, rules and unconfirmed points.
    Show { id: String },
    /// Validate standard files (default: all of them); exit 1 on any error.
    Check { files: Vec<PathBuf> },
    /// The standard in force on a date (dd/mm/yyyy or yyyy-mm-dd), optionally for a province code.
    InForce {
        date: String,
        #[arg(long)]
        province: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OutFormat {
    Csv,
    Parquet,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Lang {
    Vi,
    En,
}

#[derive(Clone, Copy, ValueEnum)]
enum Group {
    Province,
    Commune,
    Area,
}

fn main() -> ExitCode {
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli = <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap_or_else(|e| {
        e.format(&mut <Cli as clap::CommandFactory>::command())
            .exit()
    });
    let name = matches.subcommand_name().unwrap_or("ansinh");
    log::init(name);
    // The rules are loaded once, before any command runs (and before `serve` opens the database).
    let rules = match load_rules(
        cli.rules_dir.as_deref(),
        cli.standards_dir.as_deref(),
        cli.policies_dir.as_deref(),
    ) {
        Ok(r) => r,
        Err(errs) => {
            eprintln!(
                "lỗi: không nạp được quy tắc ({} lỗi), ansinh không chạy / error: the rules failed to load ({} error(s)), ansinh does not start:",
                errs.len(),
                errs.len()
            );
            eprint!("{}", ansinh_rulebook::report(&errs));
            return ExitCode::FAILURE;
        }
    };
    match log::command(name, || run(cli, &rules)) {
        Ok(code) => code,
        Err(e) => {
            if let Some(t) = e.downcast_ref::<TabularError>() {
                eprintln!("lỗi [{}]: {}", t.code(), t.message_vi());
                eprintln!("error [{}]: {t}", t.code());
            } else {
                eprintln!("lỗi / error: {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}

fn pick<'a>(reg: &'a StandardSet, id: &str) -> Result<&'a Standard> {
    reg.get(id).ok_or_else(|| {
        let ids: Vec<&str> = reg.all().iter().map(|s| s.id.as_str()).collect();
        anyhow!("unknown standard `{id}` (known: {})", ids.join(", "))
    })
}

fn needed_fields(std: &Standard) -> Vec<FieldId> {
    std.input_fields()
}

fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

fn read(std: &Standard, households: &Path, members: &Path, labels: bool) -> Result<Input> {
    let pb = spinner("đọc dữ liệu / reading");
    let input = read_input(households, members, &needed_fields(std), labels)?;
    pb.finish_and_clear();
    absent_warning(&input.absent_fields);
    Ok(input)
}

fn absent_warning(fields: &[&str]) {
    if !fields.is_empty() {
        eprintln!(
            "cảnh báo / warning: the input has no column for {}: these values count as not recorded",
            fields.join(", ")
        );
    }
}

fn caveat_banner(std: &Standard) {
    if std.is_unconfirmed() {
        eprintln!(
            "lưu ý / note: `{}` has {} point(s) marked UNCONFIRMED; results depend on them (see `ansinh standards show {}`)",
            std.id,
            std.caveats.len(),
            std.id
        );
    }
}

fn parse_date(s: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .with_context(|| format!("`{s}` is not a date (dd/mm/yyyy)"))
}

fn run(cli: Cli, rules: &Rulebook) -> Result<ExitCode> {
    match cli.cmd {
        Cmd::Standards { cmd } => standards(rules, cmd),
        Cmd::Policies { cmd } => plan::policies(rules, cmd),
        Cmd::Plan { cmd } => plan::plan(rules, cmd),
        Cmd::Targets { cmd } => targets_cmd::run(rules, cmd),
        Cmd::Classify {
            standard,
            households,
            members,
            out,
            format,
        } => {
            let reg = rules.standards();
            let std = pick(reg, &standard)?;
            let fmt = match format {
                OutFormat::Csv => Format::Csv,
                OutFormat::Parquet => Format::Parquet,
            };
            let t0 = Instant::now();
            let pb = spinner("phân loại / classifying");
            let s = classify_files(
                std,
                &households,
                &members,
                &out,
                fmt,
                ClassifyOptions::default(),
            )?;
            pb.finish_and_clear();
            absent_warning(&s.absent_fields);
            eprintln!(
                "{} hộ / households, {} nhân khẩu / persons: {} nghèo / poor, {} cận nghèo / near-poor, {} chưa đủ dữ liệu / incomplete",
                s.households,
                s.members,
                s.count(Class::Poor),
                s.count(Class::NearPoor),
                s.incomplete
            );
            let how = if s.parts > 0 {
                format!("streamed in {} part(s)", s.parts)
            } else {
                "read whole".to_string()
            };
            eprintln!(
                "{:.3}s ({how}); wrote {}",
                t0.elapsed().as_secs_f64(),
                s.written
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            caveat_banner(std);
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Explain {
            standard,
            households,
            members,
            household,
            lang,
        } => {
            let reg = rules.standards();
            let std = pick(reg, &standard)?;
            let input = read(std, &households, &members, true)?;
            let Ok(i) = input.household_ids.binary_search(&household) else {
                bail!("household {household} is not in {}", households.display());
            };
            let e = explain(std, &input.batch, i);
            println!(
                "{}",
                if lang == Lang::Vi {
                    &e.text_vi
                } else {
                    &e.text_en
                }
            );
            print_indicators(&e, lang);
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Mpi {
            standard,
            households,
            members,
            k,
            by,
            out,
        } => {
            let reg = rules.standards();
            let std = pick(reg, &standard)?;
            let input = read(std, &households, &members, false)?;
            let res = classify(std, &input.batch);
            let weights: Vec<u32> = std.indicators.iter().map(|i| i.weight).collect();
            let groups: Option<Vec<i64>> = match by {
                None => None,
                Some(Group::Province) => Some(
                    input
                        .province
                        .clone()
                        .context("the households file has no province_code")?,
                ),
                Some(Group::Commune) => Some(
                    input
                        .commune
                        .clone()
                        .context("the households file has no commune_code")?,
                ),
                Some(Group::Area) => {
                    let f = ansinh_domain::schema::field("area").context("no area field")?;
                    match input.batch.column(f) {
                        Some(ansinh_domain::Column::Enum(v)) => {
                            Some(v.iter().map(|&c| c as i64).collect())
                        }
                        _ => bail!("the households file has no area column"),
                    }
                }
            };
            let ones = vec![1u32; res.len()];
            let hh = alkire_foster(
                &res.deficit_mask,
                &res.unknown_mask,
                &ones,
                &weights,
                k,
                groups.as_deref(),
            );
            let pp = alkire_foster(
                &res.deficit_mask,
                &res.unknown_mask,
                &res.n,
                &weights,
                k,
                groups.as_deref(),
            );
            let ids: Vec<&str> = std.indicators.iter().map(|i| i.id.as_str()).collect();
            let json = serde_json::json!({
                "standard": std.id,
                "k": k,
                "weights": std.indicators.iter().map(|i| (i.id.clone(), i.weight)).collect::<std::collections::BTreeMap<_, _>>(),
                "excluded_incomplete_households": hh.excluded,
                "households": measures_json(&hh.total, &ids),
                "persons": measures_json(&pp.total, &ids),
                "groups": by.map(|_| hh.groups.iter().zip(&pp.groups).map(|((key, m, share), (_, pm, pshare))| {
                    serde_json::json!({
                        "group": key,
                        "households": measures_json(m, &ids),
                        "households_share_of_m0": share,
                        "persons": measures_json(pm, &ids),
                        "persons_share_of_m0": pshare,
                    })
                }).collect::<Vec<_>>()),
                "unconfirmed": std.caveats.iter().map(|c| format!("{}: {}", c.subject, c.note)).collect::<Vec<_>>(),
            });
            let text = serde_json::to_string_pretty(&json)?;
            match out {
                Some(p) => std::fs::write(&p, text)
                    .with_context(|| format!("{}: cannot write", p.display()))?,
                None => println!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Serve(a) => serve_cmd::serve(a, rules),
        Cmd::Users(a) => users_cmd::users(a, rules),
        Cmd::Review(a) => review_cmd::review(a, rules),
        Cmd::Entitlements(a) => entitle_cmd::entitlements_cmd(a, rules),
        Cmd::PartnerList(a) => entitle_cmd::partner_cmd(a, rules),
        Cmd::Import(a) => registry_cmd::import(a),
        Cmd::Export(a) => registry_cmd::export(a),
        Cmd::Template(a) => registry_cmd::template(a),
        Cmd::Backup(a) => registry_cmd::backup(a),
        Cmd::Restore(a) => registry_cmd::restore(a),
        Cmd::Simulate(a) => simulate_cmd::run(*a, rules),
        Cmd::Quality(a) => registry_cmd::quality(a, rules),
        Cmd::Demo { standard, lang } => {
            let reg = rules.standards();
            let std = pick(reg, &standard)?;
            let dir = std::env::temp_dir().join(format!("ansinh-demo-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let (h, m) = (dir.join("households.csv"), dir.join("members.csv"));
            std::fs::write(&h, builtin::DEMO_HOUSEHOLDS)?;
            std::fs::write(&m, builtin::DEMO_MEMBERS)?;
            let input = read(std, &h, &m, true);
            let _ = std::fs::remove_dir_all(&dir);
            let input = input?;
            println!("{} — {}\n", std.name_vi, std.legal_basis);
            for (i, id) in input.household_ids.iter().enumerate() {
                let e = explain(std, &input.batch, i);
                let text = if lang == Lang::Vi {
                    &e.text_vi
                } else {
                    &e.text_en
                };
                println!("Hộ / household {id}: {text}\n");
            }
            caveat_banner(std);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn measures_json(m: &AfMeasures, ids: &[&str]) -> serde_json::Value {
    let per = |v: &[f64]| {
        ids.iter()
            .zip(v)
            .map(|(k, x)| (k.to_string(), *x))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    serde_json::json!({
        "H": m.h, "A": m.a, "M0": m.m0,
        "population": m.population, "poor": m.poor,
        "censored_headcount": per(&m.censored),
        "uncensored_headcount": per(&m.uncensored),
        "contribution": per(&m.contribution),
    })
}

fn print_indicators(e: &ansinh_domain::Explanation, lang: Lang) {
    for i in &e.indicators {
        let (name, state) = match (&i.outcome, lang) {
            (Outcome::Deprived, Lang::Vi) => (&i.vi, "thiếu hụt".to_string()),
            (Outcome::Deprived, Lang::En) => (&i.en, "deprived".to_string()),
            (Outcome::NotDeprived, Lang::Vi) => (&i.vi, "không thiếu hụt".to_string()),
            (Outcome::NotDeprived, Lang::En) => (&i.en, "not deprived".to_string()),
            (Outcome::Unknown { missing }, Lang::Vi) => (
                &i.vi,
                format!("chưa xác định (thiếu {})", missing.join(", ")),
            ),
            (Outcome::Unknown { missing }, Lang::En) => {
                (&i.en, format!("unknown (missing {})", missing.join(", ")))
            }
        };
        let flag = if i.unconfirmed.is_some() {
            " [UNCONFIRMED]"
        } else {
            ""
        };
        println!("  - {name}: {state}{flag}");
    }
}

fn standards(rules: &Rulebook, cmd: StandardsCmd) -> Result<ExitCode> {
    match cmd {
        StandardsCmd::Check { files } => {
            let loaded = if files.is_empty() {
                // The rulebook loaded at start, so every standard file loads.
                Ok(rules.standards().all().len())
            } else {
                let mut v = Vec::new();
                for p in &files {
                    v.push((
                        p.display().to_string(),
                        std::fs::read_to_string(p)
                            .with_context(|| format!("{}: cannot read", p.display()))?,
                    ));
                }
                // Files that extend a built-in standard are checked together with the built-ins.
                let ids: Vec<String> = v.iter().filter_map(|(_, t)| toml_id(t)).collect();
                for (n, t) in &rules.files().standards {
                    if !toml_id(t).is_some_and(|id| ids.contains(&id)) {
                        v.push((n.clone(), t.clone()));
                    }
                }
                StandardSet::load(&v)
                    .map(|r| r.all().len())
                    .map_err(|errs| file_errors(&errs))
            };
            match loaded {
                Ok(n) => {
                    println!("OK: {n} standard(s) load without error");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        StandardsCmd::List => {
            let reg = rules.standards();
            println!(
                "{:<18} {:<24} {:<10} {:>22}  name",
                "id", "valid", "scope", "poverty line r/u"
            );
            for s in reg.all() {
                let to = s
                    .valid_to
                    .map_or("…".to_string(), |d| d.format("%d/%m/%Y").to_string());
                let line = s.threshold("poverty_line").map_or(String::new(), |t| {
                    format!(
                        "{} / {}",
                        ansinh_domain::money::group_thousands(t.rural),
                        ansinh_domain::money::group_thousands(t.urban)
                    )
                });
                let flag = if s.is_unconfirmed() {
                    " [UNCONFIRMED]"
                } else {
                    ""
                };
                println!(
                    "{:<18} {:<24} {:<10} {:>22}  {}{flag}",
                    s.id,
                    format!("{}–{to}", s.valid_from.format("%d/%m/%Y")),
                    s.jurisdiction.as_deref().unwrap_or("national"),
                    line,
                    s.name_vi
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        StandardsCmd::Show { id } => {
            let reg = rules.standards();
            let s = pick(reg, &id)?;
            println!("{} — {} / {}", s.id, s.name_vi, s.name_en);
            println!("legal basis: {}", s.legal_basis);
            if let Some(p) = &s.extends {
                println!("extends: {p}");
            }
            println!(
                "valid: {} – {}",
                s.valid_from.format("%d/%m/%Y"),
                s.valid_to
                    .map_or("…".into(), |d| d.format("%d/%m/%Y").to_string())
            );
            println!("income lines (VND/person/month):");
            for t in &s.thresholds {
                println!(
                    "  {:<16} rural {:>10}  urban {:>10}  {}",
                    t.name,
                    ansinh_domain::money::group_thousands(t.rural),
                    ansinh_domain::money::group_thousands(t.urban),
                    t.vi
                );
            }
            println!("indicators:");
            for (b, i) in s.indicators.iter().enumerate() {
                let flag = if i.unconfirmed.is_some() {
                    " [UNCONFIRMED]"
                } else {
                    ""
                };
                println!(
                    "  {b:>2} {:<18} [{}] deprived when {}{flag}",
                    i.id, i.dimension, i.deprived_when
                );
            }
            println!("rules (first that holds):");
            for r in &s.rules {
                println!("  {:<10} → {:<10} when {}", r.id, r.class.code(), r.when);
            }
            if !s.caveats.is_empty() {
                println!("UNCONFIRMED:");
                for c in &s.caveats {
                    println!("  {}: {}", c.subject, c.note);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        StandardsCmd::InForce { date, province } => {
            let reg = rules.standards();
            let d = parse_date(&date)?;
            match reg.in_force(d, province.as_deref()) {
                Some(s) => {
                    println!("{}", s.id);
                    Ok(ExitCode::SUCCESS)
                }
                None => bail!("no standard is in force on {}", d.format("%d/%m/%Y")),
            }
        }
    }
}

fn toml_id(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("id").map(|r| r.trim_start()))
        .and_then(|r| r.strip_prefix('='))
        .map(|r| r.trim().trim_matches('"').to_string())
}

//! `ansinh policies list|show|check` and `ansinh plan check|forecast`: support policies as data, plan
//! tables recomputed cell by cell, budget forecasts per policy, year and funding source.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;

use ansinh_domain::FileError;
use ansinh_domain::money::group_thousands;
use ansinh_domain::policy::forecast::{self, Inputs};
use ansinh_domain::policy::plan::{self, Plan, Report, Status};
use ansinh_domain::policy::{Caveat, Exact, PolicySet};
use ansinh_rulebook::Rulebook;

#[derive(Subcommand)]
pub enum PoliciesCmd {
    /// List the support policies: validity, unit, amount rule, share, funding.
    List,
    /// One policy: legal basis, eligibility, amount rule, and its amount per unit each year.
    Show {
        id: String,
        /// Also print the amount month by month in this year.
        #[arg(long)]
        year: Option<i32>,
    },
    /// Validate policy files (default: the rulebook's) with the rulebook's reference values; exit 1 on error.
    Check { files: Vec<PathBuf> },
}

#[derive(Subcommand)]
pub enum PlanCmd {
    /// Recompute every cell of a plan table and report each one that does not follow (exit 1 if any).
    Check {
        /// A plan file, or the id of a built-in plan (hanoi-2022-2025-appendix-1, da-nang-2023-plan-66, …).
        file: String,
        /// Print every cell, not only the findings.
        #[arg(long)]
        all: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Forecast the budget per policy, year and funding source from planning inputs (counts and targets).
    Forecast {
        /// A planning-inputs file, or the id of a built-in one (hanoi-2022-2025-forecast).
        file: String,
        #[arg(long)]
        json: bool,
    },
    /// Budget per policy, year and funding source from the actual beneficiaries of an approved round.
    Budget(crate::entitle_cmd::BudgetArgs),
}

/// Every error of a failed load, one per line.
pub(crate) fn errors(errs: &[FileError]) -> anyhow::Error {
    crate::file_errors(errs)
}

fn caveats_text(c: &[Caveat]) -> Vec<String> {
    c.iter()
        .map(|c| format!("{}: {}", c.subject, c.note))
        .collect()
}

pub fn policies(rules: &Rulebook, cmd: PoliciesCmd) -> Result<ExitCode> {
    match cmd {
        PoliciesCmd::List => {
            let set = rules.policies();
            println!(
                "{:<30} {:<24} {:<6} {:<8} {:<6} {:>5}  amount",
                "id", "valid", "scope", "unit", "per", "share"
            );
            for p in set.all() {
                let to = p
                    .valid_to
                    .map_or("…".to_string(), |d| d.format("%d/%m/%Y").to_string());
                let flag = if p.caveats.is_empty() {
                    ""
                } else {
                    " [UNCONFIRMED]"
                };
                println!(
                    "{:<30} {:<24} {:<6} {:<8} {:<6} {:>5}  {}{flag}",
                    p.id,
                    format!("{}–{to}", p.valid_from.format("%d/%m/%Y")),
                    p.jurisdiction.as_deref().unwrap_or("VN"),
                    p.unit,
                    p.amount.per.code(),
                    percent(p.amount.share),
                    p.amount.formula
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        PoliciesCmd::Show { id, year } => {
            let set = rules.policies();
            let p = set.get(&id).ok_or_else(|| {
                let ids: Vec<&str> = set.all().iter().map(|p| p.id.as_str()).collect();
                anyhow!("unknown policy `{id}` (known: {})", ids.join(", "))
            })?;
            println!("{} — {} / {}", p.id, p.name_vi, p.name_en);
            println!("legal basis: {}", p.legal_basis);
            println!(
                "valid: {} – {}",
                p.valid_from.format("%d/%m/%Y"),
                p.valid_to
                    .map_or("…".into(), |d| d.format("%d/%m/%Y").to_string())
            );
            println!("agency: {}", p.agency);
            println!("eligible when: {}", p.eligible.text);
            if let Some(m) = &p.member_eligible {
                println!("members counted: {}", m.text);
            }
            println!(
                "amount: ({}) × {} per {} per {}{}",
                p.amount.formula,
                percent(p.amount.share),
                p.unit,
                p.amount.per.code(),
                p.amount
                    .max_months
                    .map_or(String::new(), |m| format!(", at most {m} months"))
            );
            for par in &p.parameters {
                println!(
                    "  {} = {}{}",
                    par.name,
                    par.value,
                    par.note
                        .as_ref()
                        .map_or(String::new(), |n| format!("  ({n})"))
                );
            }
            let funding: Vec<String> = p
                .funding
                .iter()
                .map(|f| format!("{} {}", f.source, percent(f.share)))
                .collect();
            println!("funding: {}", funding.join(", "));
            if let Some(c) = &p.counts {
                println!("planning count: {c}");
            }
            println!(
                "amount per {} by year (values in force each month):",
                p.unit
            );
            let none = BTreeMap::new();
            let mut cav: Vec<Caveat> = p.caveats.clone();
            for y in 2022..=2026 {
                let a = p
                    .amount_in_year(&set.refs, y, &none)
                    .map_err(|e| anyhow!(e))?;
                println!("  {y}: {} đ", group_thousands(a.vnd));
                for c in a.caveats {
                    ansinh_domain::policy::push_caveat(&mut cav, c);
                }
            }
            if let Some(y) = year {
                let a = p
                    .amount_in_year(&set.refs, y, &none)
                    .map_err(|e| anyhow!(e))?;
                for (m, v) in &a.months {
                    println!("  {m:02}/{y}: {} đ", group_thousands(*v));
                }
            }
            if !cav.is_empty() {
                println!("UNCONFIRMED:");
                for c in caveats_text(&cav) {
                    println!("  {c}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        PoliciesCmd::Check { files } => {
            let loaded = if files.is_empty() {
                // The rulebook loaded at start, so every policy file loads.
                Ok(rules.policies().all().len())
            } else {
                let mut v = Vec::new();
                for p in &files {
                    v.push((
                        p.display().to_string(),
                        std::fs::read_to_string(p)
                            .with_context(|| format!("{}: cannot read", p.display()))?,
                    ));
                }
                let (rn, rt) = &rules.files().reference_values;
                PolicySet::load((rn, rt), &v)
                    .map(|s| s.all().len())
                    .map_err(|e| errors(&e))
            };
            match loaded {
                Ok(n) => {
                    println!("OK: {n} policies load without error");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

fn percent(x: Exact) -> String {
    format!(
        "{}%",
        x.checked_mul(Exact::int(100)).unwrap_or(x).to_plain()
    )
}

/// A file's `(name, text)`: a path, or a built-in by id.
fn source(arg: &str, builtins: &[(String, String)]) -> Result<(String, String)> {
    let p = Path::new(arg);
    if p.exists() {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))?;
        return Ok((p.display().to_string(), text));
    }
    builtins
        .iter()
        .find(|(n, _)| {
            n == arg
                || Path::new(n)
                    .file_stem()
                    .is_some_and(|s| s.to_string_lossy() == arg)
        })
        .cloned()
        .ok_or_else(|| {
            let ids: Vec<String> = builtins
                .iter()
                .filter_map(|(n, _)| {
                    Path::new(n)
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                })
                .collect();
            anyhow!(
                "`{arg}` is neither a file nor a built-in (known: {})",
                ids.join(", ")
            )
        })
}

fn status_vi(s: Status) -> &'static str {
    match s {
        Status::Consistent => "khớp",
        Status::Given => "số liệu đầu vào",
        Status::Rounding => "lệch do làm tròn",
        Status::Inconsistent => "KHÔNG KHỚP",
        Status::Repriced => "định giá lại",
        Status::Error => "LỖI",
    }
}

fn print_report(plan: &Plan, r: &Report, all: bool) {
    println!("{} — {}", plan.id, plan.title_vi);
    println!("nguồn / source: {}", plan.source);
    println!(
        "đơn vị / unit: {}; làm tròn / rounding: {}",
        plan.unit,
        plan.rounding.code()
    );
    println!();
    for c in &r.cells {
        if !all && !c.status.is_finding() {
            continue;
        }
        let at = match &c.check {
            Some(k) => format!("{}[{}] ({k})", c.row, c.column),
            None => format!("{}[{}]", c.row, c.column),
        };
        println!(
            "{} / {}: {at} — {}",
            status_vi(c.status),
            c.status.code(),
            c.label
        );
        if let Some(p) = &c.printed {
            println!(
                "    printed {p}; recomputed {}",
                c.recomputed.as_deref().unwrap_or("—")
            );
        }
        if !c.formula.is_empty() {
            println!("    formula: {}", c.formula);
        }
        if !c.inputs.is_empty() {
            println!("    inputs: {}", c.inputs.join(", "));
        }
        println!("    reason: {}", c.reason);
        if let Some(e) = &c.explained {
            println!(
                "    explained by {} = {} ({})",
                e.formula,
                e.value.to_vn_plain(),
                if e.reproduces {
                    "reproduces the printed value"
                } else {
                    "does not reproduce it either"
                }
            );
        }
        if let Some(k) = &c.known {
            println!("    known: {k}");
        }
        if !c.caveats.is_empty() {
            println!("    UNCONFIRMED: {}", caveats_text(&c.caveats).join("; "));
        }
    }
    println!();
    println!(
        "{} ô khớp / consistent, {} đầu vào / given, {} lệch do làm tròn / rounding, {} không khớp / inconsistent, {} định giá lại / repriced, {} lỗi / errors",
        r.count(Status::Consistent),
        r.count(Status::Given),
        r.count(Status::Rounding),
        r.count(Status::Inconsistent),
        r.count(Status::Repriced),
        r.count(Status::Error)
    );
}

fn report_json(r: &Report) -> serde_json::Value {
    serde_json::json!({
        "plan": r.plan,
        "cells": r.cells.iter().map(|c| serde_json::json!({
            "row": c.row,
            "column": c.column,
            "check": c.check,
            "label": c.label,
            "status": c.status.code(),
            "printed": c.printed,
            "recomputed": c.recomputed,
            "unrounded": c.unrounded.map(|u| u.to_plain()),
            "formula": c.formula,
            "inputs": c.inputs,
            "reason": c.reason,
            "explained": c.explained.as_ref().map(|e| serde_json::json!({
                "formula": e.formula, "value": e.value.to_plain(), "reproduces": e.reproduces,
            })),
            "known": c.known,
            "unconfirmed": caveats_text(&c.caveats),
        })).collect::<Vec<_>>(),
    })
}

pub fn plan(rules: &Rulebook, cmd: PlanCmd) -> Result<ExitCode> {
    match cmd {
        PlanCmd::Budget(a) => crate::entitle_cmd::budget_cmd(a, rules),
        PlanCmd::Check { file, all, json } => {
            let set = rules.policies();
            let (name, text) = source(&file, &rules.files().plans)?;
            let p = Plan::load(&name, &text, set).map_err(|e| errors(&e))?;
            let r = plan::check(&p, set);
            if json {
                println!("{}", serde_json::to_string_pretty(&report_json(&r))?);
            } else {
                print_report(&p, &r, all);
            }
            let bad = r.count(Status::Inconsistent) + r.count(Status::Error);
            Ok(if bad > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        PlanCmd::Forecast { file, json } => {
            let set = rules.policies();
            let (name, text) = source(&file, &rules.files().plan_inputs)?;
            let inputs = forecast::load_inputs(&name, &text).map_err(|e| errors(&e))?;
            let f = forecast::forecast(set, &inputs).map_err(|e| anyhow!(e))?;
            if json {
                print_forecast_json(&inputs, &f)?;
            } else {
                print_forecast(&inputs, &f);
            }
            if f.lines.is_empty() {
                bail!("no policy could be forecast from these inputs");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_forecast(inputs: &Inputs, f: &forecast::Forecast) {
    if !inputs.projections.is_empty() {
        println!("Dự báo số lượng / projected counts (start of year → reduced → end):");
        for (k, ys) in &inputs.projections {
            let parts: Vec<String> = ys
                .iter()
                .map(|y| {
                    let rate = y
                        .start_rate
                        .map_or(String::new(), |r| format!(" ({}%)", r.to_vn(2)));
                    format!(
                        "{}: {}{rate} −{}",
                        y.year,
                        group_thousands(y.start),
                        group_thousands(y.reduced)
                    )
                })
                .collect();
            let end = ys.last().map_or(0, |y| y.end);
            println!("  {k}: {}; end {}", parts.join("; "), group_thousands(end));
        }
        println!();
    }
    println!(
        "{:<26} {:>5} {:<30} {:>9} {:>13} {:>18}",
        "policy", "year", "source", "units", "đ/unit/year", "amount (đ)"
    );
    for l in &f.lines {
        println!(
            "{:<26} {:>5} {:<30} {:>9} {:>13} {:>18}",
            l.policy,
            l.year,
            l.source,
            group_thousands(l.units),
            group_thousands(l.per_unit),
            group_thousands(l.amount)
        );
    }
    let g = |v: i128| group_thousands(i64::try_from(v).unwrap_or(i64::MAX));
    println!();
    println!("by year:");
    for (y, v) in f.by_year() {
        println!("  {y}: {} đ", g(v));
    }
    println!("by funding source:");
    for (s, v) in f.by_source() {
        println!("  {s}: {} đ", g(v));
    }
    println!("total: {} đ", g(f.total()));
    for (p, why) in &f.skipped {
        println!("skipped {p}: {why}");
    }
    if !f.caveats.is_empty() {
        println!("UNCONFIRMED:");
        for (p, cs) in &f.caveats {
            for c in caveats_text(cs) {
                println!("  {p}: {c}");
            }
        }
    }
}

fn print_forecast_json(inputs: &Inputs, f: &forecast::Forecast) -> Result<()> {
    let s = |v: i128| v.to_string();
    let json = serde_json::json!({
        "years": inputs.years,
        "counts": inputs.counts.iter().map(|(k, v)| (k.clone(), v.iter().map(|(y, c)| (y.to_string(), *c)).collect::<BTreeMap<_, _>>())).collect::<BTreeMap<_, _>>(),
        "lines": f.lines.iter().map(|l| serde_json::json!({
            "policy": l.policy, "year": l.year, "source": l.source,
            "units": l.units, "per_unit_vnd": l.per_unit, "amount_vnd": l.amount,
        })).collect::<Vec<_>>(),
        "by_year": f.by_year().into_iter().map(|(y, v)| (y.to_string(), s(v))).collect::<BTreeMap<_, _>>(),
        "by_source": f.by_source().into_iter().map(|(k, v)| (k, s(v))).collect::<BTreeMap<_, _>>(),
        "total_vnd": s(f.total()),
        "skipped": f.skipped,
        "unconfirmed": f.caveats.iter().map(|(k, v)| (k.clone(), caveats_text(v))).collect::<BTreeMap<_, _>>(),
    });
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}

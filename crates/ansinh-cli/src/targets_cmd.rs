//! `ansinh targets list|show|check|progress`: reduction targets per unit and year (`targets/*.toml`), their
//! projection (start of year, reduction, end of year, rates), and progress against them from the
//! approved periodic rounds of the registry (`--database`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use clap::Subcommand;

use ansinh_domain::money::group_thousands;
use ansinh_domain::policy::Exact;
use ansinh_domain::policy::targets::{
    PlannedYear, StartFrom, TargetPlan, UnitProgress, UnitProjection, progress, project_plan,
};
use ansinh_store::Store;
use ansinh_store::review::ReviewStore;

use crate::entitle_cmd::{AsyncStoreFn, block_on};
use crate::plan::errors;
use ansinh_rulebook::Rulebook;

#[derive(Subcommand)]
pub enum TargetsCmd {
    /// List the target files: id, years, units, jurisdiction.
    List,
    /// A target file's projection per unit and measure: start of year, reduction, end of year, rates.
    Show {
        /// A target file, or the id of a built-in one (da-nang-2023, hanoi-2022-2025, …).
        file: String,
        #[arg(long)]
        json: bool,
    },
    /// Validate target files (default: the built-in ones); exit 1 on error.
    Check { files: Vec<PathBuf> },
    /// Progress against the targets from the approved periodic rounds of the registry.
    Progress {
        file: String,
        /// The registry: a SQLite file, or a postgres://… URL.
        #[arg(long, env = "ANSINH_DATABASE", default_value = "ansinh.db")]
        database: String,
        /// The day the units are taken as of (dd/mm/yyyy or yyyy-mm-dd; default today).
        #[arg(long)]
        on: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// A target file by path, or one of the rulebook's by id.
pub fn load(rules: &Rulebook, file: &str) -> Result<TargetPlan> {
    let p = Path::new(file);
    if p.exists() {
        let text = std::fs::read_to_string(p).with_context(|| format!("{file}: cannot read"))?;
        return TargetPlan::load(file, &text).map_err(|e| errors(&e));
    }
    match rules.target_plan(file) {
        Some(p) => Ok(p.clone()),
        None => {
            let ids: Vec<&str> = rules.target_ids().collect();
            Err(anyhow!(
                "{file}: no such file and no built-in target file of that id (known: {})",
                ids.join(", ")
            ))
        }
    }
}

fn num(v: Option<i64>) -> String {
    v.map_or("—".into(), group_thousands)
}

fn pct(v: Option<Exact>) -> String {
    v.map_or("—".into(), |r| format!("{}%", r.to_vn(2)))
}

fn header(plan: &TargetPlan) {
    println!("{} — {}", plan.id, plan.title_vi);
    println!("{}", plan.title_en);
    println!("nguồn / source: {}", plan.source);
    for c in &plan.caveats {
        println!("[CHƯA XÁC MINH / UNCONFIRMED] {}", c.note);
    }
}

fn print_projection(plan: &TargetPlan, proj: &[UnitProjection]) {
    header(plan);
    for u in proj {
        println!();
        let parts = if u.parts.is_empty() {
            String::new()
        } else {
            format!(" = Σ {}", u.parts.join(" + "))
        };
        println!("{} {}{parts}", u.code, u.label);
        for t in &u.tracks {
            println!(
                "  {} / {} (tổng / base: {})",
                t.measure.vi(),
                t.measure.en(),
                num(t.base)
            );
            println!(
                "    {:<6} {:>10} {:>8} {:>10} {:>8} {:>10} {:>8}",
                "năm", "đầu năm", "tỷ lệ", "giảm", "tỷ lệ", "cuối năm", "tỷ lệ"
            );
            for y in &t.years {
                print_year(y);
            }
        }
    }
}

fn print_year(y: &PlannedYear) {
    println!(
        "    {:<6} {:>10} {:>8} {:>10} {:>8} {:>10} {:>8}",
        y.year,
        num(y.start),
        pct(y.start_rate),
        group_thousands(y.reduced),
        pct(y.reduced_rate),
        num(y.end),
        pct(y.end_rate)
    );
}

fn projection_json(plan: &TargetPlan, proj: &[UnitProjection]) -> serde_json::Value {
    let r = |v: Option<Exact>| v.map(|x| x.to_plain());
    serde_json::json!({
        "id": plan.id,
        "title_vi": plan.title_vi,
        "title_en": plan.title_en,
        "source": plan.source,
        "unconfirmed": plan.caveats.iter().map(|c| c.note.clone()).collect::<Vec<_>>(),
        "units": proj.iter().map(|u| serde_json::json!({
            "code": u.code,
            "label": u.label,
            "parts": u.parts,
            "tracks": u.tracks.iter().map(|t| serde_json::json!({
                "measure": t.measure.code(),
                "base": t.base,
                "years": t.years.iter().map(|y| serde_json::json!({
                    "year": y.year, "start": y.start, "reduced": y.reduced, "end": y.end,
                    "start_rate": r(y.start_rate), "reduced_rate": r(y.reduced_rate),
                    "end_rate": r(y.end_rate),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn progress_json(plan: &TargetPlan, g: &[UnitProgress]) -> serde_json::Value {
    let r = |v: Option<Exact>| v.map(|x| x.to_plain());
    serde_json::json!({
        "id": plan.id,
        "unconfirmed": plan.caveats.iter().map(|c| c.note.clone()).collect::<Vec<_>>(),
        "units": g.iter().map(|u| serde_json::json!({
            "code": u.code,
            "label": u.label,
            "tracks": u.tracks.iter().map(|t| serde_json::json!({
                "measure": t.measure.code(),
                "years": t.years.iter().map(|y| serde_json::json!({
                    "year": y.planned.year,
                    "planned_start": y.planned.start, "planned_reduced": y.planned.reduced,
                    "planned_end": y.planned.end, "planned_end_rate": r(y.planned.end_rate),
                    "start": y.start, "start_from": y.start_from.code(),
                    "end": y.end, "reduced": y.reduced, "end_rate": r(y.end_rate),
                    "target_reduced": y.target_reduced, "status": y.status.code(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

struct Prog<'a> {
    plan: &'a TargetPlan,
    proj: Vec<UnitProjection>,
    on: NaiveDate,
    json: bool,
}

impl AsyncStoreFn for Prog<'_> {
    async fn run<S: Store + ReviewStore>(&self, s: &S) -> Result<ExitCode> {
        let codes: Vec<String> = self.plan.leaf_codes();
        let seen = ansinh_store::progress::observed(s, &codes, &self.plan.years, self.on)
            .await
            .map_err(|e| anyhow!("[{}] {}\n{}", e.code(), e.message_vi(), e))?;
        let g = progress(self.plan, &self.proj, &seen);
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&progress_json(self.plan, &g))?
            );
            return Ok(ExitCode::SUCCESS);
        }
        header(self.plan);
        for u in &g {
            println!();
            println!("{} {}", u.code, u.label);
            for t in &u.tracks {
                println!("  {} / {}", t.measure.vi(), t.measure.en());
                println!(
                    "    {:<6} {:>12} {:>12} {:>10} {:>10} {:>8}  kết quả / status",
                    "năm", "đầu năm", "mục tiêu giảm", "đã giảm", "cuối năm", "tỷ lệ"
                );
                for y in &t.years {
                    let from = match y.start_from {
                        StartFrom::Plan => "*",
                        _ => "",
                    };
                    println!(
                        "    {:<6} {:>12} {:>12} {:>10} {:>10} {:>8}  {} / {}",
                        y.planned.year,
                        format!("{}{from}", num(y.start)),
                        num(y.target_reduced),
                        num(y.reduced),
                        num(y.end),
                        pct(y.end_rate),
                        y.status.vi(),
                        y.status.en()
                    );
                }
            }
        }
        println!();
        println!(
            "* số đầu năm lấy từ kế hoạch (chưa có đợt rà soát năm trước được phê duyệt) / start taken from the plan"
        );
        Ok(ExitCode::SUCCESS)
    }
}

pub fn run(rules: &Rulebook, cmd: TargetsCmd) -> Result<ExitCode> {
    match cmd {
        TargetsCmd::List => {
            let plans = rules.targets();
            println!(
                "{:<20} {:<11} {:>5} {:<6}  title",
                "id", "years", "units", "scope"
            );
            for p in plans {
                let years = match (p.years.first(), p.years.last()) {
                    (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
                    (Some(a), _) => a.to_string(),
                    _ => String::new(),
                };
                let flag = if p.caveats.is_empty() {
                    ""
                } else {
                    " [UNCONFIRMED]"
                };
                println!(
                    "{:<20} {:<11} {:>5} {:<6}  {}{flag}",
                    p.id,
                    years,
                    p.units.len(),
                    p.jurisdiction,
                    p.title_vi
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TargetsCmd::Show { file, json } => {
            let plan = load(rules, &file)?;
            let proj = project_plan(&plan).map_err(|e| anyhow!("{file}: {e}"))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&projection_json(&plan, &proj))?
                );
            } else {
                print_projection(&plan, &proj);
            }
            Ok(ExitCode::SUCCESS)
        }
        TargetsCmd::Check { files } => {
            let mut failed = false;
            let sources: Vec<(String, String)> = if files.is_empty() {
                rules.files().targets.clone()
            } else {
                let mut v = Vec::new();
                for f in &files {
                    let t = std::fs::read_to_string(f)
                        .with_context(|| format!("{}: cannot read", f.display()))?;
                    v.push((f.display().to_string(), t));
                }
                v
            };
            for (n, t) in &sources {
                match TargetPlan::load(n, t) {
                    Ok(p) => {
                        let tracks: usize = p.units.iter().map(|u| u.tracks.len()).sum();
                        println!("{n}: ok ({} units, {tracks} targets)", p.units.len());
                    }
                    Err(e) => {
                        failed = true;
                        eprintln!("{}", errors(&e));
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        TargetsCmd::Progress {
            file,
            database,
            on,
            json,
        } => {
            let plan = load(rules, &file)?;
            let proj = project_plan(&plan).map_err(|e| anyhow!("{file}: {e}"))?;
            let on = match on.as_deref() {
                Some(s) => crate::parse_date(s)?,
                None => chrono::Local::now().date_naive(),
            };
            block_on(
                &database,
                Prog {
                    plan: &plan,
                    proj,
                    on,
                    json,
                },
            )
        }
    }
}

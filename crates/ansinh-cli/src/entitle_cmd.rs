//! `ansinh entitlements ROUND`, `ansinh partner-list ROUND --partner …` and `ansinh plan budget ROUND`:
//! who gets what from an approved review round, the lists partner agencies need, and the budget from
//! the actual beneficiaries. The database is `--database` or `ANSINH_DATABASE`, as for the registry
//! commands. Standard output carries counts and totals only; names, birth dates and citizen IDs go only
//! into the file asked for with `--out`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use clap::{Args, ValueEnum};

use ansinh_domain::money::group_thousands;
use ansinh_domain::policy::{Exact, Fact, PolicySet, partner};
use ansinh_registry_io::entitlements::{self, BeneficiaryList, EntitleError, EntitleOptions};
use ansinh_store::Store;
use ansinh_store::review::{ReviewStore, RoundId};
use ansinh_store_any::AnyStore;

use ansinh_rulebook::Rulebook;

/// Options shared by the three commands.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// The registry: a SQLite file, or a postgres://… URL.
    #[arg(long, env = "ANSINH_DATABASE", default_value = "ansinh.db")]
    pub database: String,
    /// Only these policies (repeat); default every policy of the round's jurisdiction.
    #[arg(long = "policy")]
    pub policies: Vec<String>,
    /// Assume a value for a fact the registry does not record, e.g. `poor_commune=false` (repeat).
    #[arg(long)]
    pub assume: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct EntitlementsArgs {
    /// The approved review round (its id, as `ansinh review status` shows).
    pub round: i64,
    /// Calendar year; default the year the round sets the status for (periodic round of Y: Y + 1).
    #[arg(long)]
    pub year: Option<i32>,
    /// Write the list (.xlsx: list and undecided sheets; .csv: the list).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PartnerArg {
    /// Social insurance: members entitled to health-insurance support.
    Bhxh,
    /// Schools: pupils entitled to education support.
    School,
    /// Electricity support: households.
    Electricity,
    /// Social Policy Bank: eligible borrowers.
    Vbsp,
}

impl PartnerArg {
    fn id(self) -> &'static str {
        match self {
            PartnerArg::Bhxh => "bhxh",
            PartnerArg::School => "school",
            PartnerArg::Electricity => "electricity",
            PartnerArg::Vbsp => "vbsp",
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct PartnerArgs {
    pub round: i64,
    #[arg(long, value_enum)]
    pub partner: PartnerArg,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long)]
    pub year: Option<i32>,
    /// Partner definitions instead of the built-in policies/exports/partners.toml.
    #[arg(long)]
    pub partners: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug, Clone)]
pub struct BudgetArgs {
    pub round: i64,
    #[arg(long)]
    pub from: i32,
    #[arg(long)]
    pub to: i32,
    /// Yearly reduction of the amounts after the first year (e.g. `5%`); default: the list held constant.
    #[arg(long)]
    pub reduction: Option<String>,
    /// Write the budget (.xlsx or .csv).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

fn ent_err(e: EntitleError) -> anyhow::Error {
    anyhow!("[{}] {}\n{}", e.code(), e.message_vi(), e.message_en())
}

/// `name=value`: true/false, a whole number, or a code.
fn assumed(items: &[String]) -> Result<BTreeMap<String, Fact>> {
    let mut out = BTreeMap::new();
    for it in items {
        let Some((k, v)) = it.split_once('=') else {
            bail!("--assume `{it}`: write name=value, e.g. poor_commune=false");
        };
        let v = v.trim();
        let fact = match v {
            "true" | "yes" | "có" => Fact::Bool(true),
            "false" | "no" | "không" => Fact::Bool(false),
            _ => match v.parse::<i64>() {
                Ok(i) => Fact::Int(i),
                Err(_) => Fact::Code(v.to_string()),
            },
        };
        out.insert(k.trim().to_string(), fact);
    }
    Ok(out)
}

pub(crate) fn block_on<F>(db: &str, f: F) -> Result<ExitCode>
where
    F: AsyncStoreFn,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let se = |e: ansinh_store::StoreError| anyhow!("[{}] {}\n{}", e.code(), e.message_vi(), e);
        let s = AnyStore::open(db).await.map_err(se)?;
        let out = f.run(&s).await;
        s.close().await;
        out
    })
}

/// A command body generic over the store.
pub trait AsyncStoreFn {
    fn run<S: Store + ReviewStore>(
        &self,
        s: &S,
    ) -> impl std::future::Future<Output = Result<ExitCode>>;
}

fn print_summary(l: &BeneficiaryList, set: &PolicySet) {
    println!(
        "Đợt rà soát {} (phê duyệt {}, chuẩn {}), năm {} / round {}, approved {}, standard {}, year {}",
        l.round,
        l.approved_on.format("%d/%m/%Y"),
        l.standard_id,
        l.year,
        l.round,
        l.approved_on.format("%d/%m/%Y"),
        l.standard_id,
        l.year
    );
    let totals = l.totals();
    let mut und: BTreeMap<&str, (usize, Vec<&str>)> = BTreeMap::new();
    for u in &l.undecided {
        let e = und.entry(u.policy_id.as_str()).or_default();
        e.0 += 1;
        for m in &u.missing {
            if !e.1.contains(&m.as_str()) {
                e.1.push(m);
            }
        }
    }
    println!(
        "{:<30} {:>8} {:>18} {:>10}  thiếu dữ kiện / missing facts",
        "chính sách / policy", "đối tượng", "đồng/năm (VND)", "chưa q.định"
    );
    for id in &l.policies {
        let (n, v) = totals.get(id.as_str()).copied().unwrap_or((0, 0));
        let (k, missing) = und.get(id.as_str()).cloned().unwrap_or_default();
        if n == 0 && k == 0 {
            continue;
        }
        let unit = set.get(id).map_or("", |p| p.unit.as_str());
        println!(
            "{:<30} {:>8} {:>18} {:>10}  {}",
            id,
            format!("{n} {unit}"),
            group_thousands(v),
            k,
            missing.join(", ")
        );
    }
    let none: Vec<&str> = l
        .policies
        .iter()
        .filter(|p| !totals.contains_key(p.as_str()) && !und.contains_key(p.as_str()))
        .map(|s| s.as_str())
        .collect();
    if !none.is_empty() {
        println!("Không có đối tượng / no beneficiaries: {}", none.join(", "));
    }
    if !l.undecided.is_empty() {
        println!(
            "{} trường hợp chưa quyết định được vì thiếu dữ kiện (xem tệp, trang «Chưa quyết định»; có thể dùng --assume) / {} cases cannot be decided for missing facts (see the file; --assume can supply them)",
            l.undecided.len(),
            l.undecided.len()
        );
    }
}

struct Ent<'a>(&'a EntitlementsArgs, PolicySet);

impl AsyncStoreFn for Ent<'_> {
    async fn run<S: Store + ReviewStore>(&self, s: &S) -> Result<ExitCode> {
        let a = self.0;
        let opts = EntitleOptions {
            year: a.year,
            policies: a.common.policies.clone(),
            assume: assumed(&a.common.assume)?,
        };
        let l = entitlements::beneficiaries(s, &self.1, RoundId(a.round), &opts)
            .await
            .map_err(ent_err)?;
        print_summary(&l, &self.1);
        if let Some(out) = &a.out {
            entitlements::write_list(&l, out).map_err(ent_err)?;
            println!(
                "Đã ghi / written: {} ({} dòng / rows)",
                out.display(),
                l.lines.len()
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}

pub fn entitlements_cmd(a: EntitlementsArgs, rules: &Rulebook) -> Result<ExitCode> {
    let set = rules.policies().clone();
    let db = a.common.database.clone();
    block_on(&db, Ent(&a, set))
}

struct Part<'a>(&'a PartnerArgs, PolicySet, partner::Partner);

impl AsyncStoreFn for Part<'_> {
    async fn run<S: Store + ReviewStore>(&self, s: &S) -> Result<ExitCode> {
        let a = self.0;
        let p = &self.2;
        let policies = if a.common.policies.is_empty() {
            p.policies.clone()
        } else {
            a.common.policies.clone()
        };
        let opts = EntitleOptions {
            year: a.year,
            policies,
            assume: assumed(&a.common.assume)?,
        };
        let l = entitlements::beneficiaries(s, &self.1, RoundId(a.round), &opts)
            .await
            .map_err(ent_err)?;
        print_summary(&l, &self.1);
        entitlements::write_partner(&l, p, &a.out).map_err(ent_err)?;
        let n = l
            .lines
            .iter()
            .filter(|b| p.policies.contains(&b.policy_id))
            .count();
        println!(
            "{} / {}: {} dòng / rows → {}",
            p.name_vi,
            p.name_en,
            n,
            a.out.display()
        );
        Ok(ExitCode::SUCCESS)
    }
}

pub fn partner_cmd(a: PartnerArgs, rules: &Rulebook) -> Result<ExitCode> {
    let set = rules.policies().clone();
    let (name, partners) = match &a.partners {
        Some(p) => {
            let name = p.display().to_string();
            let text = std::fs::read_to_string(p)?;
            let partners = partner::load(&name, &text, &set).map_err(|e| crate::file_errors(&e))?;
            (name, partners)
        }
        None => ("policies/exports".to_string(), rules.partners().to_vec()),
    };
    let Some(p) = partners.into_iter().find(|p| p.id == a.partner.id()) else {
        bail!("{name}: no partner `{}`", a.partner.id());
    };
    let db = a.common.database.clone();
    block_on(&db, Part(&a, set, p))
}

struct Bud<'a>(&'a BudgetArgs, PolicySet, Option<Exact>);

impl AsyncStoreFn for Bud<'_> {
    async fn run<S: Store + ReviewStore>(&self, s: &S) -> Result<ExitCode> {
        let a = self.0;
        let opts = EntitleOptions {
            year: None,
            policies: a.common.policies.clone(),
            assume: assumed(&a.common.assume)?,
        };
        let b = entitlements::budget(s, &self.1, RoundId(a.round), a.from, a.to, self.2, &opts)
            .await
            .map_err(ent_err)?;
        println!(
            "Dự toán từ danh sách đối tượng thực tế của đợt rà soát {} / budget from the actual beneficiaries of round {}{}",
            a.round,
            a.round,
            match self.2 {
                Some(r) => format!(
                    ", giảm / reduced {} mỗi năm / a year",
                    entitlements::percent(r)
                ),
                None => ", giữ nguyên danh sách / list held constant".into(),
            }
        );
        println!(
            "{:<30} {:>6} {:<36} {:>18} {:>9} {:>9}",
            "chính sách / policy", "năm", "nguồn / source", "đồng (VND)", "đối tượng", "chưa q.đ"
        );
        for l in &b.lines {
            println!(
                "{:<30} {:>6} {:<36} {:>18} {:>9} {:>9}",
                l.policy_id,
                l.year,
                l.source,
                group_thousands(l.vnd),
                l.beneficiaries,
                l.undecided
            );
        }
        for (y, v) in b.year_totals() {
            println!("Tổng / total {y}: {} đồng", group_thousands(v));
        }
        if let Some(out) = &a.out {
            entitlements::write_budget(&b, out).map_err(ent_err)?;
            println!("Đã ghi / written: {}", out.display());
        }
        Ok(ExitCode::SUCCESS)
    }
}

pub fn budget_cmd(a: BudgetArgs, rules: &Rulebook) -> Result<ExitCode> {
    if a.to < a.from {
        bail!("--to {} is before --from {}", a.to, a.from);
    }
    let set = rules.policies().clone();
    let reduction = match &a.reduction {
        None => None,
        Some(r) => {
            let x = Exact::parse(r)
                .ok_or_else(|| anyhow!("--reduction `{r}`: write a rate such as 5% or 0.05"))?;
            if x.is_negative() || x > Exact::ONE {
                bail!("--reduction `{r}`: a rate between 0% and 100%");
            }
            Some(x)
        }
    };
    let db = a.common.database.clone();
    block_on(&db, Bud(&a, set, reduction))
}

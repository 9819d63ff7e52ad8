//! `ansinh review`: the review rounds (rà soát) of a commune from the command line, every step the web
//! offers, through the same use cases (`ansinh-app`) and with the same next actions: open a periodic
//! round, show its state, add households to the list, fill in a household's form, record the village
//! meeting, complete a step, file and settle complaints, approve (with the snapshot) and reopen; write
//! the list to post at the village house, and print the outputs (decision lists, certificates,
//! minutes, posted list as PDF; the summary as XLSX or PDF, through `ansinh-reports`). The database is
//! `--database` or `ANSINH_DATABASE` (a SQLite file, default `ansinh.db`, or a `postgres://…` URL), as
//! for the registry commands. The CLI acts as an administrator named by `--actor` (else `$USER`),
//! recorded in the audit trail. Every step goes through the review store, so the round's state machine
//! refuses what is out of order and nothing is written then; a refusal is printed with its code in
//! Vietnamese and English.
//!
//! The posted list carries only what the village is meant to see: the head of household's name, the
//! village and the class. No citizen ID and no date of birth is ever written to it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use ansinh_app::Actor;
use ansinh_app::review::{self as app, Env, Rules, dmy};
use ansinh_domain::registry::UnitCode;
use ansinh_domain::review::{RoundKind, Stage, Workflow, WorkflowSet};
use ansinh_store::review::{ReviewStore, ReviewStoreError, RoundId, Step, StoredRound};
use ansinh_store::{Store, StoreError};

mod files;
mod status;
mod steps;
use ansinh_rulebook::Rulebook;
use ansinh_store_any::AnyStore;
use files::{ext, need_pdf, report_err, write_csv, write_file, write_xlsx};
use steps::app_err;

#[derive(Args, Debug, Clone)]
pub struct ReviewArgs {
    /// The registry: a SQLite file, or a postgres://… URL.
    #[arg(
        long,
        global = true,
        env = "ANSINH_DATABASE",
        default_value = "ansinh.db"
    )]
    database: String,
    /// Who is acting (recorded in the round's event log and the audit trail).
    #[arg(long, global = true, env = "ANSINH_ACTOR")]
    actor: Option<String>,
    #[command(subcommand)]
    cmd: ReviewCmd,
}

#[derive(Subcommand, Debug, Clone)]
enum ReviewCmd {
    /// Open the periodic review round of a commune for a year (inside the review window).
    Open {
        /// The commune's unit code.
        #[arg(long)]
        commune: String,
        #[arg(long)]
        year: i32,
        /// The standard the households are classified under.
        #[arg(long, default_value = "vn-2022-2025")]
        standard: String,
        /// Opening date (dd/mm/yyyy); default today.
        #[arg(long)]
        date: Option<String>,
        /// Put every live household of the commune (and of its villages) on the list.
        #[arg(long)]
        list_all: bool,
    },
    /// The round's step, households, deadlines, open complaints and the actions allowed next.
    Status { round: i64 },
    /// Add households of the commune to the round's list (listing step).
    List {
        round: i64,
        /// A household's code (repeat for several).
        #[arg(long = "household")]
        households: Vec<String>,
        /// Every live household of the commune not listed yet.
        #[arg(long)]
        all: bool,
        /// Date (dd/mm/yyyy).
        #[arg(long)]
        date: String,
    },
    /// Print a household's review form as a TOML file to edit: its latest saved form, else filled in
    /// from the registry, every characteristic with its options in a comment.
    FormTemplate {
        round: i64,
        #[arg(long)]
        household: String,
        /// The survey date of a new form (dd/mm/yyyy); default today.
        #[arg(long)]
        date: Option<String>,
    },
    /// Save a household's review form, scored with the round's tables.
    ///
    /// Simplest: `ansinh review form-template R --household CODE > phieu.toml`, correct the file, then
    /// `ansinh review form R --household CODE --file phieu.toml`. The form starts from the latest saved
    /// form (or the registry's suggestion), then the file, then each `--set` is applied. Keys, as in the
    /// web form: `surveyed_on` (dd/mm/yyyy), `region`, `a.<characteristic>=<option>`,
    /// `b.<indicator>=1|0` (deprived or not), `q.<criterion>=1|0` (quick screen). In the file, write
    /// `[a]`, `[b]`, `[q]` tables.
    Form {
        round: i64,
        #[arg(long)]
        household: String,
        /// A TOML file as written by `form-template`.
        #[arg(long)]
        file: Option<PathBuf>,
        /// KEY=VALUE, e.g. `--set a.household_size=4 --set b.health_insurance=1`.
        #[arg(long = "set")]
        sets: Vec<String>,
        /// The survey date when the form has none (dd/mm/yyyy); default today.
        #[arg(long)]
        date: Option<String>,
    },
    /// Record the village meeting (at least the workflow's share of attendees must agree with each
    /// household's result, else the round goes back to scoring and meets again).
    Meeting {
        round: i64,
        /// The village (thôn, tổ dân phố).
        #[arg(long)]
        village: String,
        /// Meeting date (dd/mm/yyyy).
        #[arg(long)]
        date: String,
        /// People present.
        #[arg(long)]
        attendees: u32,
        /// ROLE=Name: chair, secretary, steering_committee, commune_officer, party_secretary,
        /// mass_organisation, reviewer, fatherland_front, household_representative.
        #[arg(long = "participant")]
        participants: Vec<String>,
        /// CODE=AGREE:DISAGREE, one per household still to agree, e.g. `--vote 110100001=25:3`.
        #[arg(long = "vote")]
        votes: Vec<String>,
    },
    /// File a complaint about the posted results (while they are posted).
    Complaint {
        round: i64,
        /// The household it is about (default: the list as a whole).
        #[arg(long)]
        household: Option<String>,
        /// Received on (dd/mm/yyyy).
        #[arg(long)]
        date: String,
        #[arg(long)]
        text: String,
    },
    /// Settle a complaint (its id: see `status`).
    Resolve {
        round: i64,
        #[arg(long)]
        complaint: i64,
        /// upheld (founded: re-surveyed and corrected) or rejected (the result stands).
        #[arg(long)]
        outcome: String,
        /// Resolved on (dd/mm/yyyy).
        #[arg(long)]
        date: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The commune's decision: approve the round and store its immutable snapshot.
    Approve {
        round: i64,
        /// Approval date (dd/mm/yyyy).
        #[arg(long)]
        date: String,
    },
    /// Reopen the round at an earlier step (a new approval makes a new snapshot; the old one is kept).
    Reopen {
        round: i64,
        /// The step: listing, scoring, meeting, posting, complaints, consultation, decision.
        #[arg(long)]
        to: String,
        #[arg(long)]
        date: String,
        /// Why (required; recorded in the round's event log and the audit trail).
        #[arg(long)]
        reason: String,
    },
    /// Complete the round's current step.
    Advance {
        round: i64,
        #[arg(long, value_enum)]
        to: StepArg,
        /// Date of the step (dd/mm/yyyy).
        #[arg(long)]
        date: String,
        /// Why (recorded in the round's event log).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Write the list to post at the village house: head's name, village, class (no personal IDs).
    PostedList {
        round: i64,
        /// A .csv, .xlsx or .pdf file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the decision lists of an approved round (poor, near-poor, escaped, …) as a PDF.
    Decision {
        round: i64,
        /// A .pdf file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the certificates of an approved round, one page per poor or near-poor household (PDF).
    Certificates {
        round: i64,
        /// A .pdf file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the minutes of a village meeting of the round as a PDF (default: the latest meeting).
    Minutes {
        round: i64,
        /// The meeting's id (see `ansinh review status`).
        #[arg(long)]
        meeting: Option<i64>,
        /// A .pdf file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the summary tables for the upper level of a commune's approved periodic round.
    Summary {
        /// The commune's unit code.
        #[arg(long)]
        commune: String,
        #[arg(long)]
        year: i32,
        /// A .xlsx or .pdf file.
        #[arg(long)]
        out: PathBuf,
    },
}

/// The steps the store completes by itself (the meeting and the approval need their records).
#[derive(Clone, Copy, Debug, ValueEnum)]
enum StepArg {
    CloseList,
    FinishScoring,
    Post,
    EndPosting,
    CloseComplaints,
    RecordConsultation,
    Report,
}

impl StepArg {
    fn step(self) -> Step {
        match self {
            StepArg::CloseList => Step::CloseList,
            StepArg::FinishScoring => Step::FinishScoring,
            StepArg::Post => Step::Post,
            StepArg::EndPosting => Step::EndPosting,
            StepArg::CloseComplaints => Step::CloseComplaints,
            StepArg::RecordConsultation => Step::RecordConsultation,
            StepArg::Report => Step::Report,
        }
    }
}

fn review_err(e: ReviewStoreError) -> anyhow::Error {
    anyhow!("[{}] {}\n{}", e.code(), e.message_vi(), e.message_en())
}

fn store_err(e: StoreError) -> anyhow::Error {
    anyhow!("[{}] {}\n{}", e.code(), e.message_vi(), e)
}

pub fn review(a: ReviewArgs, book: &Rulebook) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let s = AnyStore::open(&a.database).await.map_err(store_err)?;
        let out = run(&s, &a, book).await;
        s.close().await;
        out
    })
}

/// The CLI's actor: an administrator named by `--actor` (else `$USER`), channel `cli`.
fn actor(a: &ReviewArgs) -> Actor {
    let name = a
        .actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "cli".into());
    Actor::admin(&name, "cli")
}

/// The review's rules out of the rulebook loaded at start (built in or `--rules-dir`).
fn rules(book: &Rulebook) -> Rules {
    Rules {
        workflows: book.workflows().clone(),
        scoring: book.scoring().clone(),
    }
}

fn workflow_of<'a>(set: &'a WorkflowSet, r: &StoredRound) -> Result<&'a Workflow> {
    set.get(&r.workflow_id, None)
        .ok_or_else(|| anyhow!("unknown review workflow `{}`", r.workflow_id))
}

fn date_or_today(d: Option<&str>) -> Result<NaiveDate> {
    match d {
        Some(d) => crate::parse_date(d),
        None => Ok(chrono::Local::now().date_naive()),
    }
}

async fn run<S: Store + ReviewStore>(s: &S, a: &ReviewArgs, book: &Rulebook) -> Result<ExitCode> {
    match &a.cmd {
        ReviewCmd::Open {
            commune,
            year,
            standard,
            date,
            list_all,
        } => {
            let on = date_or_today(date.as_deref())?;
            let reg = book.standards().clone();
            crate::pick(&reg, standard)?;
            let code = UnitCode::parse(commune).map_err(|e| anyhow!("`{commune}`: {e}"))?;
            let unit = s
                .unit_at(&code, on)
                .await
                .map_err(store_err)?
                .ok_or_else(|| {
                    anyhow!(
                        "không có đơn vị mã {commune} vào ngày {} / no unit with code {commune} on {}",
                        dmy(on),
                        dmy(on)
                    )
                })?;
            if unit.unit.kind.level() != 3 {
                bail!(
                    "đơn vị {commune} không phải cấp xã / unit {commune} is not a commune-level unit"
                );
            }
            let rules = rules(book);
            let env = Env {
                store: s,
                rules: &rules,
                standards: &reg,
            };
            let r = app::open_periodic(
                &env,
                &actor(a),
                unit.id,
                *year,
                on,
                Some(standard),
                *list_all,
            )
            .await
            .map_err(app_err)?;
            let listed = s.review_list(r.id).await.map_err(review_err)?.len();
            eprintln!(
                "đã mở đợt rà soát định kỳ {} năm {year} của {} ({listed} hộ trong danh sách) / opened periodic review round {} of {year} for {} ({listed} households listed)",
                r.id,
                unit.unit.name.as_str(),
                r.id,
                unit.unit.name.as_str()
            );
            println!("{}", r.id);
            Ok(ExitCode::SUCCESS)
        }
        ReviewCmd::Status { round } => {
            status::status(s, book.workflows(), *round).await?;
            Ok(ExitCode::SUCCESS)
        }
        ReviewCmd::Advance {
            round,
            to,
            date,
            reason,
        } => {
            let on = crate::parse_date(date)?;
            let r = s.review_round(RoundId(*round)).await.map_err(review_err)?;
            let (rules, reg) = (rules(book), book.standards().clone());
            let env = Env {
                store: s,
                rules: &rules,
                standards: &reg,
            };
            let after = app::advance(&env, &actor(a), r.id, to.step(), on, reason.as_deref())
                .await
                .map_err(app_err)?;
            println!(
                "Đợt rà soát / round {}: {} / {} → {} / {}",
                after.id,
                r.round.stage.vi(),
                r.round.stage.en(),
                after.round.stage.vi(),
                after.round.stage.en()
            );
            Ok(ExitCode::SUCCESS)
        }
        ReviewCmd::List { .. }
        | ReviewCmd::FormTemplate { .. }
        | ReviewCmd::Form { .. }
        | ReviewCmd::Meeting { .. }
        | ReviewCmd::Complaint { .. }
        | ReviewCmd::Resolve { .. }
        | ReviewCmd::Approve { .. }
        | ReviewCmd::Reopen { .. } => {
            let (rules, reg) = (rules(book), book.standards().clone());
            let env = Env {
                store: s,
                rules: &rules,
                standards: &reg,
            };
            steps::run(&env, &actor(a), &a.cmd).await?;
            Ok(ExitCode::SUCCESS)
        }
        ReviewCmd::PostedList { round, out } => {
            let r = s.review_round(RoundId(*round)).await.map_err(review_err)?;
            let set = book.workflows();
            let wf = workflow_of(set, &r)?;
            let today = chrono::Local::now().date_naive();
            let list = ansinh_reports::assemble::posted_list(s, r.id, wf, today)
                .await
                .map_err(report_err)?;
            if r.round.stage < Stage::Posting {
                eprintln!(
                    "lưu ý: đợt rà soát ở bước «{}», kết quả chưa được họp dân thống nhất / note: the round is at step \"{}\"; the results are not agreed by the village meeting yet",
                    r.round.stage.vi(),
                    r.round.stage.en()
                );
            }
            match ext(out).as_str() {
                "xlsx" => write_xlsx(out, &list.rows)?,
                "csv" => write_csv(out, &list.rows)?,
                "pdf" => {
                    let pdf = ansinh_reports::posted_pdf(&list).map_err(report_err)?;
                    write_file(out, &pdf.bytes)?;
                }
                _ => bail!(
                    "{}: chỉ ghi được .csv, .xlsx hoặc .pdf / only .csv, .xlsx or .pdf can be written",
                    out.display()
                ),
            }
            eprintln!(
                "đã ghi {} hộ vào / wrote {} households to {}",
                list.rows.len(),
                list.rows.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ReviewCmd::Decision { round, out } => {
            need_pdf(out)?;
            let d = ansinh_reports::assemble::decision(s, RoundId(*round))
                .await
                .map_err(report_err)?;
            let pdf = ansinh_reports::decision_pdf(&d).map_err(report_err)?;
            write_file(out, &pdf.bytes)?;
            let n: usize = d.sections.iter().map(|x| x.rows.len()).sum();
            eprintln!(
                "đã ghi danh sách ({n} dòng, {} trang) vào / wrote the decision lists ({n} lines, {} pages) to {}",
                pdf.pages,
                pdf.pages,
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ReviewCmd::Certificates { round, out } => {
            need_pdf(out)?;
            let c = ansinh_reports::assemble::certificates(s, RoundId(*round))
                .await
                .map_err(report_err)?;
            let pdf = ansinh_reports::certificates_pdf(&c).map_err(report_err)?;
            write_file(out, &pdf.bytes)?;
            eprintln!(
                "đã ghi {} giấy chứng nhận vào / wrote {} certificates to {}",
                c.households.len(),
                c.households.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ReviewCmd::Minutes {
            round,
            meeting,
            out,
        } => {
            need_pdf(out)?;
            let r = s.review_round(RoundId(*round)).await.map_err(review_err)?;
            let set = book.workflows();
            let wf = workflow_of(set, &r)?;
            let m = ansinh_reports::assemble::minutes(s, r.id, *meeting, wf)
                .await
                .map_err(report_err)?;
            let pdf = ansinh_reports::minutes_pdf(&m).map_err(report_err)?;
            write_file(out, &pdf.bytes)?;
            eprintln!(
                "đã ghi biên bản cuộc họp {} vào / wrote the minutes of meeting {} to {}",
                m.meeting,
                m.meeting,
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ReviewCmd::Summary { commune, year, out } => {
            let today = chrono::Local::now().date_naive();
            let code = UnitCode::parse(commune).map_err(|e| anyhow!("`{commune}`: {e}"))?;
            let unit = s
                .unit_at(&code, today)
                .await
                .map_err(store_err)?
                .ok_or_else(|| {
                    anyhow!("không có đơn vị mã {commune} / no unit with code {commune}")
                })?;
            let reg = book.standards().clone();
            // The standard of the round names the indicators; the round is found by the assembly.
            let rounds = s.review_rounds(unit.id).await.map_err(review_err)?;
            let std_id = rounds
                .iter()
                .find(|r| r.round.kind == RoundKind::Periodic && r.round.year == *year)
                .map(|r| r.standard_id.clone());
            let standard = std_id.as_deref().and_then(|id| reg.get(id));
            let sum = ansinh_reports::assemble::summary(s, unit.id, *year, standard, today)
                .await
                .map_err(report_err)?;
            match ext(out).as_str() {
                "xlsx" => write_file(
                    out,
                    &ansinh_reports::summary_xlsx(&sum).map_err(report_err)?,
                )?,
                "pdf" => write_file(
                    out,
                    &ansinh_reports::summary_pdf(&sum).map_err(report_err)?.bytes,
                )?,
                _ => bail!(
                    "{}: chỉ ghi được .xlsx hoặc .pdf / only .xlsx or .pdf can be written",
                    out.display()
                ),
            }
            eprintln!(
                "đã ghi biểu tổng hợp năm {year} ({} hộ) vào / wrote the {year} summary ({} households) to {}",
                sum.total.reviewed,
                sum.total.reviewed,
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

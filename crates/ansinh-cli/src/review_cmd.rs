//! `ansinh review`: the review rounds (rà soát) of a commune from the command line: open a periodic
//! round, show its state, complete a step, write the list to post at the village house, and print the
//! outputs (decision lists, certificates, minutes, posted list as PDF; the summary as XLSX or PDF,
//! through `ansinh-reports`). The
//! database is `--database` or `ANSINH_DATABASE` (a SQLite file, default `ansinh.db`, or a
//! `postgres://…` URL), as for the registry commands. Every step goes through the review store, so the
//! round's state machine refuses what is out of order and nothing is written then.
//!
//! The posted list carries only what the village is meant to see: the head of household's name, the
//! village and the class. No citizen ID and no date of birth is ever written to it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use ansinh_domain::registry::{UnitCode, UnitKind};
use ansinh_domain::review::{RoundKind, Stage, Workflow, WorkflowSet};
use ansinh_rulebook::Rulebook;
use ansinh_store::review::{NewRound, ReviewStore, ReviewStoreError, RoundId, Step, StoredRound};
use ansinh_store::{ChangeContext, Store, StoreError};
use ansinh_store_postgres::PgStore;
use ansinh_store_sqlite::SqliteStore;

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
    /// The round's step, households, deadlines and the actions allowed next.
    Status { round: i64 },
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

fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

pub fn review(a: ReviewArgs, rules: &Rulebook) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        if is_postgres(&a.database) {
            let s = PgStore::open(&a.database).await.map_err(store_err)?;
            let out = run(&s, &a, rules).await;
            s.close().await;
            out
        } else {
            let s = SqliteStore::open(Path::new(&a.database))
                .await
                .map_err(store_err)?;
            let out = run(&s, &a, rules).await;
            s.close().await;
            out
        }
    })
}

fn ctx(a: &ReviewArgs, reason: Option<&str>) -> ChangeContext {
    let actor = a
        .actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "cli".into());
    let c = ChangeContext::new(&actor, "cli");
    match reason {
        Some(r) => c.because(r),
        None => c,
    }
}

fn workflow_of<'a>(set: &'a WorkflowSet, r: &StoredRound) -> Result<&'a Workflow> {
    set.get(&r.workflow_id, None)
        .ok_or_else(|| anyhow!("unknown review workflow `{}`", r.workflow_id))
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

async fn run<S: Store + ReviewStore>(s: &S, a: &ReviewArgs, rules: &Rulebook) -> Result<ExitCode> {
    match &a.cmd {
        ReviewCmd::Open {
            commune,
            year,
            standard,
            date,
            list_all,
        } => {
            let on = match date {
                Some(d) => crate::parse_date(d)?,
                None => chrono::Local::now().date_naive(),
            };
            let reg = rules.standards();
            crate::pick(reg, standard)?;
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
            let set = rules.workflows();
            let wf = set.in_force(on, None).ok_or_else(|| {
                anyhow!(
                    "không có quy trình rà soát áp dụng ngày {} / no review workflow in force on {}",
                    dmy(on),
                    dmy(on)
                )
            })?;
            let c = ctx(a, None);
            let new = NewRound {
                kind: RoundKind::Periodic,
                unit: unit.id,
                year: *year,
                standard_id: standard.clone(),
                on,
                request: None,
            };
            let r = s.create_round(&c, &new, wf).await.map_err(review_err)?;
            let mut listed = 0usize;
            if *list_all {
                let mut units = vec![unit.id];
                for v in s.units_on(on, Some(unit.id)).await.map_err(store_err)? {
                    if v.unit.kind == UnitKind::Village {
                        units.push(v.id);
                    }
                }
                for h in s.households_in_units(&units).await.map_err(store_err)? {
                    s.add_to_list(&c, r.id, h.id, on)
                        .await
                        .map_err(review_err)?;
                    listed += 1;
                }
            }
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
            let r = s.review_round(RoundId(*round)).await.map_err(review_err)?;
            let set = rules.workflows();
            let wf = workflow_of(set, &r)?;
            let unit = s.unit(r.unit).await.map_err(store_err)?;
            let listed = s.review_list(r.id).await.map_err(review_err)?.len();
            let scored = s.review_forms(r.id).await.map_err(review_err)?.len();
            let open_complaints = s
                .complaints(r.id)
                .await
                .map_err(review_err)?
                .iter()
                .filter(|c| c.resolved.is_none())
                .count();
            let today = chrono::Local::now().date_naive();
            println!(
                "Đợt rà soát / round {}: {} / {} {}, {} ({})",
                r.id,
                r.round.kind.vi(),
                r.round.kind.en(),
                r.round.year,
                unit.unit.name.as_str(),
                unit.unit.code
            );
            println!(
                "Chuẩn / standard: {}; quy trình / workflow: {}",
                r.standard_id, r.workflow_id
            );
            println!(
                "Bước / step: {} / {} (từ / since {})",
                r.round.stage.vi(),
                r.round.stage.en(),
                dmy(r.round.stage_since)
            );
            println!(
                "Hộ / households: {listed} trong danh sách / listed, {scored} đã chấm điểm / scored, {open_complaints} khiếu nại chưa giải quyết / open complaints"
            );
            println!(
                "Lần họp / meetings: {}, lần phê duyệt / approvals: {}, lần mở lại / reopenings: {}",
                r.round.meetings, r.round.approvals, r.round.reopenings
            );
            let deadlines = r.round.deadlines(wf);
            if deadlines.is_empty() {
                println!("Hạn / deadlines: không có / none");
            }
            for d in &deadlines {
                let overdue = if d.overdue(today) {
                    " — QUÁ HẠN / OVERDUE"
                } else {
                    ""
                };
                let unconfirmed = if d.unconfirmed.is_some() {
                    " (số ngày chưa xác nhận / days count UNCONFIRMED)"
                } else {
                    ""
                };
                println!(
                    "Hạn / deadline: {} / {}: {}{overdue}{unconfirmed}",
                    d.vi,
                    d.en,
                    dmy(d.due)
                );
            }
            for (cmd, vi, en) in next_actions(&r, wf) {
                println!("Tiếp theo / next: {vi} / {en}{cmd}");
            }
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
            let set = rules.workflows();
            let wf = workflow_of(set, &r)?;
            let c = ctx(a, reason.as_deref());
            let after = s
                .advance(&c, r.id, to.step(), on, wf)
                .await
                .map_err(review_err)?;
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
        ReviewCmd::PostedList { round, out } => {
            let r = s.review_round(RoundId(*round)).await.map_err(review_err)?;
            let set = rules.workflows();
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
            let set = rules.workflows();
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
            let reg = rules.standards();
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

fn report_err(e: ansinh_reports::ReportError) -> anyhow::Error {
    anyhow!("[{}] {}\n{}", e.code(), e.message_vi(), e.message_en())
}

fn ext(out: &Path) -> String {
    out.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default()
}

fn need_pdf(out: &Path) -> Result<()> {
    if ext(out) != "pdf" {
        bail!(
            "{}: chỉ ghi được tệp .pdf / only a .pdf file can be written",
            out.display()
        );
    }
    Ok(())
}

fn write_file(out: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(out, bytes).with_context(|| out.display().to_string())
}

/// The actions allowed at the round's step: `(command hint, Vietnamese, English)`.
fn next_actions(r: &StoredRound, wf: &Workflow) -> Vec<(String, &'static str, &'static str)> {
    let cli = |step: &str| format!(" (ansinh review advance {} --to {step} --date …)", r.id);
    let outside = String::from(" (chưa có trong CLI / not in the CLI yet)");
    let reopen = (
        outside.clone(),
        "mở lại đợt rà soát (cần lý do)",
        "reopen the round (needs a reason)",
    );
    match r.round.stage {
        Stage::Listing => vec![
            (
                outside,
                "thêm hộ vào danh sách",
                "add households to the list",
            ),
            (
                cli("close-list"),
                "chốt danh sách hộ cần rà soát",
                "close the list",
            ),
        ],
        Stage::Scoring => vec![
            (
                outside,
                "nhập phiếu rà soát, chấm điểm",
                "enter the review forms and score",
            ),
            (
                cli("finish-scoring"),
                "kết thúc chấm điểm",
                "finish the scoring",
            ),
        ],
        Stage::Meeting => vec![(outside, "ghi kết quả họp dân", "record the village meeting")],
        Stage::Posting => match r.round.posting_until(wf) {
            None => vec![(cli("post"), "niêm yết kết quả", "post the results")],
            Some(until) => vec![
                (outside, "nhận khiếu nại", "receive complaints"),
                (
                    format!("{} — sau ngày / after {}", cli("end-posting"), dmy(until)),
                    "kết thúc niêm yết",
                    "end the posting",
                ),
            ],
        },
        Stage::Complaints => vec![
            (outside, "giải quyết khiếu nại", "resolve the complaints"),
            (
                cli("close-complaints"),
                "kết thúc giải quyết khiếu nại",
                "close the complaints",
            ),
        ],
        Stage::Consultation => vec![(
            cli("record-consultation"),
            "ghi ý kiến cấp trên",
            "record the upper level's opinion",
        )],
        Stage::Decision => vec![(
            outside,
            "phê duyệt, công nhận kết quả",
            "approve the results",
        )],
        Stage::Approved => vec![
            (
                cli("report"),
                "báo cáo cấp trên",
                "report to the upper level",
            ),
            reopen,
        ],
        Stage::Reported => vec![reopen],
    }
}

const HEADERS: [&str; 5] = [
    "STT",
    "Họ và tên chủ hộ",
    "Thôn, tổ dân phố",
    "Phân loại",
    "Class (en)",
];

fn write_csv(out: &Path, rows: &[ansinh_reports::model::PostedRow]) -> Result<()> {
    let mut w = csv::Writer::from_path(out).with_context(|| out.display().to_string())?;
    w.write_record(HEADERS)?;
    for (i, r) in rows.iter().enumerate() {
        w.write_record([
            (i + 1).to_string(),
            r.head_name.clone(),
            r.village.clone(),
            r.class_vi.clone(),
            r.class_en.clone(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn write_xlsx(out: &Path, rows: &[ansinh_reports::model::PostedRow]) -> Result<()> {
    let xl = |e: rust_xlsxwriter::XlsxError| anyhow!("{}: {e}", out.display());
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("Danh sách niêm yết").map_err(xl)?;
    for (c, h) in HEADERS.iter().enumerate() {
        let col = u16::try_from(c).map_err(|e| anyhow!("{e}"))?;
        ws.write_string_with_format(0, col, *h, &bold).map_err(xl)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|e| anyhow!("{e}"))?;
        ws.write_number(row, 0, (i + 1) as f64).map_err(xl)?;
        ws.write_string(row, 1, &r.head_name).map_err(xl)?;
        ws.write_string(row, 2, &r.village).map_err(xl)?;
        ws.write_string(row, 3, &r.class_vi).map_err(xl)?;
        ws.write_string(row, 4, &r.class_en).map_err(xl)?;
    }
    wb.save(out).map_err(xl)?;
    Ok(())
}

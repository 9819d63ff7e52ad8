//! Registry commands: `import`, `export`, `template`, `backup`, `restore`, `quality`. The database is
//! `--database` or `ANSINH_DATABASE`: a SQLite file (default `ansinh.db` in the current folder), or a
//! `postgres://…` URL. Counts and file names are printed; personal data only where the officer asked
//! for it (the quality list).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, anyhow};
use clap::{Args, ValueEnum};

use ansinh_domain::registry::UnitCode;
use ansinh_registry_io::IoError;
use ansinh_registry_io::export::{self, ExportFormat, ExportOptions};
use ansinh_registry_io::import::{self, ImportOptions, OnError};
use ansinh_registry_io::quality::{self, QualityOptions};
use ansinh_store::{Store, StoreError};
use ansinh_store_any::{AnyStore, Location};
use ansinh_store_sqlite::SqliteStore;

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// The registry: a SQLite file, or a postgres://… URL.
    #[arg(long, env = "ANSINH_DATABASE", default_value = "ansinh.db")]
    database: String,
    /// Who is making the change (recorded in the audit trail).
    #[arg(long, env = "ANSINH_ACTOR")]
    actor: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OnErrorArg {
    /// Write nothing when any row has an error.
    RejectFile,
    /// Write the households whose rows are all valid.
    TakeValid,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// XLSX workbooks (every sheet is read) or CSV / Parquet files; each table is recognised by its headers.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
    #[arg(long, value_enum, default_value_t = OnErrorArg::RejectFile)]
    on_error: OnErrorArg,
    /// Where to write the rejected rows (default: <file>-loi.xlsx in the current folder).
    #[arg(long)]
    rejected: Option<PathBuf>,
    /// Import date (dd/mm/yyyy): units are looked up on it, undated incomes recorded on it. Default: today.
    #[arg(long)]
    as_of: Option<String>,
    /// Code page of CSV files that are not UTF-8 (default windows-1258).
    #[arg(long)]
    encoding: Option<String>,
    /// Check every row and report, without writing anything.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ExportFormatArg {
    Xlsx,
    Csv,
    Parquet,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A .xlsx file, or a folder for CSV / Parquet (units, households, members).
    #[arg(long)]
    out: PathBuf,
    /// Default: from the extension of --out (a folder: CSV).
    #[arg(long, value_enum)]
    format: Option<ExportFormatArg>,
    /// Only households under this unit (and the units below it); repeatable.
    #[arg(long = "unit")]
    units: Vec<String>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args, Debug)]
pub struct TemplateArgs {
    #[arg(long, default_value = "mau-nhap-ho-gia-dinh.xlsx")]
    out: PathBuf,
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The backup file to write (must not exist); a `.sha256` checksum file is written beside it.
    dest: PathBuf,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup file (checked against its `.sha256` file when present, then verified).
    src: PathBuf,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args, Debug)]
pub struct QualityArgs {
    /// Also list fields this standard needs that are empty.
    #[arg(long)]
    standard: Option<String>,
    /// Ages and memberships as of this date (dd/mm/yyyy; default today).
    #[arg(long)]
    as_of: Option<String>,
    /// Only households under this unit; repeatable.
    #[arg(long = "unit")]
    units: Vec<String>,
    /// Also write the list as CSV here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print in English.
    #[arg(long)]
    en: bool,
    #[command(flatten)]
    db: DbArgs,
}

/// An error with its stable code, in Vietnamese and English.
pub(crate) fn err(e: IoError) -> anyhow::Error {
    anyhow!("[{}] {}\n{}", e.code(), e.message_vi(), e.message_en())
}

pub(crate) fn store_err(e: StoreError) -> anyhow::Error {
    err(IoError::Store(e))
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn date_or_today(s: &Option<String>) -> Result<chrono::NaiveDate> {
    s.as_deref().map_or(Ok(today()), crate::parse_date)
}

fn actor(db: &DbArgs) -> String {
    db.actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "cli".into())
}

/// Whether a `--database` value names a PostgreSQL server (backup and restore are SQLite's only).
pub(crate) fn is_postgres(db: &str) -> bool {
    matches!(Location::parse(db), Location::Postgres(_))
}

/// Runs `$body` with `$s` bound to the opened store, whichever backend.
macro_rules! with_store {
    ($db:expr, |$s:ident| $body:expr) => {{
        let $s = AnyStore::open(&$db.database).await.map_err(store_err)?;
        let out = $body;
        $s.close().await;
        out
    }};
}

pub fn import(a: ImportArgs) -> Result<ExitCode> {
    let opts = ImportOptions {
        on_error: match a.on_error {
            OnErrorArg::RejectFile => OnError::RejectFile,
            OnErrorArg::TakeValid => OnError::TakeValid,
        },
        as_of: date_or_today(&a.as_of)?,
        encoding: a.encoding.clone(),
        dry_run: a.dry_run,
        within: None,
    };
    let ctx = import::import_context(&actor(&a.db), &a.files);
    let t0 = Instant::now();
    let (tables, skipped) = import::read_tables(&a.files, opts.encoding.as_deref()).map_err(err)?;
    let t1 = Instant::now();
    let report = runtime()?.block_on(async {
        with_store!(a.db, |s| import::import_tables(
            &s, &ctx, tables, skipped, &opts
        )
        .await
        .map_err(err))
    })?;
    let t2 = Instant::now();
    for s in &report.skipped {
        eprintln!("bỏ qua / skipped: {s} (không nhận ra bảng / no known table)");
    }
    eprintln!(
        "đọc / read {} dòng / rows: hợp lệ / valid {} hộ / households, {} thành viên / members, {} đơn vị / units; {} dòng lỗi / rejected rows",
        report.rows_read,
        report.households_valid,
        report.members_valid,
        report.units_valid,
        report.rejected_rows()
    );
    const SHOWN: usize = 50;
    for e in report.errors.iter().take(SHOWN) {
        let t = &report.tables[e.table];
        let col = if e.column.is_empty() {
            String::new()
        } else {
            format!(", cột / column «{}»", e.column)
        };
        println!(
            "{}, dòng / row {}{col}: [{}] {}",
            t.source, e.row, e.code, e.vi
        );
        println!("    {}", e.en);
    }
    if report.errors.len() > SHOWN {
        println!(
            "… {} lỗi nữa / more errors: xem tệp các dòng lỗi / see the rejected-rows workbook",
            report.errors.len() - SHOWN
        );
    }
    if !report.errors.is_empty() {
        let path = a
            .rejected
            .clone()
            .unwrap_or_else(|| import::rejected_path(&report));
        let n = ansinh_registry_io::report::write_rejected(&report, &path).map_err(err)?;
        eprintln!(
            "{n} dòng lỗi đã ghi vào / rejected rows written to {} (sửa rồi nhập lại / fix and import again)",
            path.display()
        );
    }
    match &report.summary {
        Some(s) => {
            eprintln!(
                "đã ghi / written: {} hộ mới / new households, {} hộ cập nhật / updated, {} hộ không đổi / unchanged; {} thành viên mới / new members, {} cập nhật / updated; {} đơn vị mới / new units",
                s.households_inserted,
                s.households_updated,
                s.households_unchanged,
                s.members_inserted,
                s.members_updated,
                s.units_inserted
            );
            if !s.changed() {
                eprintln!("không có gì thay đổi / nothing changed");
            }
        }
        None if a.dry_run => eprintln!("chạy thử: chưa ghi gì / dry run: nothing written"),
        None if !report.errors.is_empty() => eprintln!(
            "có lỗi nên chưa ghi gì (dùng --on-error take-valid để nhập các hộ hợp lệ) / nothing written because of errors (use --on-error take-valid to import the valid households)"
        ),
        None => eprintln!("không có gì để ghi / nothing to write"),
    }
    eprintln!(
        "read {:.2}s, validate+write {:.2}s",
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64()
    );
    Ok(if report.summary.is_none() && !report.errors.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub fn export(a: ExportArgs) -> Result<ExitCode> {
    let format = export::format_of(
        &a.out,
        a.format.map(|f| match f {
            ExportFormatArg::Xlsx => ExportFormat::Xlsx,
            ExportFormatArg::Csv => ExportFormat::Csv,
            ExportFormatArg::Parquet => ExportFormat::Parquet,
        }),
    );
    let mut opts = ExportOptions::new(format);
    for u in &a.units {
        opts.units
            .push(UnitCode::parse(u).map_err(|e| anyhow!("{}\n{e}", e.message_vi()))?);
    }
    let t0 = Instant::now();
    let summary = runtime()?.block_on(async {
        with_store!(a.db, |s| {
            let r = export::export(&s, &a.out, &opts).await.map_err(err);
            if r.is_ok() {
                let ctx = ansinh_store::ChangeContext::new(&actor(&a.db), "cli");
                let detail = format!(
                    "{{\"export\":\"{}\",\"units\":{:?}}}",
                    a.out.display().to_string().replace('"', "'"),
                    a.units
                );
                s.append_audit(
                    &ctx,
                    &ansinh_store::AuditEvent {
                        entity: ansinh_store::Entity::Event,
                        entity_id: None,
                        detail,
                    },
                )
                .await
                .map_err(store_err)?;
            }
            r
        })
    })?;
    let sheets: Vec<String> = summary
        .sheets
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    eprintln!(
        "đã xuất / exported {} hộ / households, {} thành viên / members, {} đơn vị / units in {:.2}s{}: {}",
        summary.households,
        summary.members,
        summary.units,
        t0.elapsed().as_secs_f64(),
        if sheets.is_empty() {
            String::new()
        } else {
            format!(" (sheets {})", sheets.join(", "))
        },
        summary
            .files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

pub fn template(a: TemplateArgs) -> Result<ExitCode> {
    export::write_template(&a.out).map_err(err)?;
    eprintln!(
        "đã ghi mẫu nhập / wrote the import template: {}",
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn backup(a: BackupArgs) -> Result<ExitCode> {
    if is_postgres(&a.db.database) {
        return Err(err(IoError::SqliteOnly { what: "backup" }));
    }
    let info = runtime()?.block_on(async {
        let s = SqliteStore::open(Path::new(&a.db.database))
            .await
            .map_err(store_err)?;
        let r = ansinh_registry_io::backup::backup(&s, &a.dest)
            .await
            .map_err(err);
        s.close().await;
        r
    })?;
    eprintln!(
        "đã sao lưu / backed up {} hộ / households, {} thành viên / members, {} mục nhật ký / audit entries → {} (sha256 {})",
        info.check.households,
        info.check.members,
        info.check.audit_entries,
        a.dest.display(),
        info.sha256
    );
    Ok(ExitCode::SUCCESS)
}

pub fn restore(a: RestoreArgs) -> Result<ExitCode> {
    if is_postgres(&a.db.database) {
        return Err(err(IoError::SqliteOnly { what: "restore" }));
    }
    let info = runtime()?.block_on(async {
        let s = SqliteStore::open(Path::new(&a.db.database))
            .await
            .map_err(store_err)?;
        let ctx = ansinh_store::ChangeContext::new(&actor(&a.db), "cli");
        let r = ansinh_registry_io::backup::restore(&s, &a.src, &ctx)
            .await
            .map_err(err);
        s.close().await;
        r
    })?;
    if !info.checksum_verified {
        eprintln!(
            "cảnh báo / warning: no {} checksum file; the database itself was verified",
            ansinh_registry_io::backup::checksum_path(&a.src).display()
        );
    }
    eprintln!(
        "đã khôi phục / restored {} hộ / households, {} thành viên / members from {}",
        info.check.households,
        info.check.members,
        a.src.display()
    );
    if let Some(f) = &info.discarded_file {
        eprintln!(
            "{} mục nhật ký sau bản sao lưu được giữ trong / audit entries newer than the backup kept in {}",
            info.discarded,
            f.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn quality(a: QualityArgs, rules: &ansinh_rulebook::Rulebook) -> Result<ExitCode> {
    let mut opts = QualityOptions::new(date_or_today(&a.as_of)?);
    if let Some(id) = &a.standard {
        let std = crate::pick(rules.standards(), id)?;
        opts.fields = quality::standard_fields(std);
    }
    let codes: Vec<UnitCode> = a
        .units
        .iter()
        .map(|u| UnitCode::parse(u).map_err(|e| anyhow!("{}\n{e}", e.message_vi())))
        .collect::<Result<_>>()?;
    let issues = runtime()?.block_on(async {
        with_store!(a.db, |s| {
            let filter = if codes.is_empty() {
                None
            } else {
                let all = s.all_units().await.map_err(store_err)?;
                let mut ids: Vec<_> = all
                    .iter()
                    .filter(|u| codes.contains(&u.unit.code))
                    .map(|u| u.id)
                    .collect();
                let mut k = 0;
                while k < ids.len() {
                    let p = ids[k];
                    ids.extend(
                        all.iter()
                            .filter(|u| u.unit.parent == Some(p))
                            .map(|u| u.id),
                    );
                    k += 1;
                }
                Some(ids)
            };
            quality::check(&s, filter.as_deref(), &opts)
                .await
                .map_err(err)
        })
    })?;
    for i in &issues {
        println!("[{}] {}", i.code, if a.en { &i.en } else { &i.vi });
    }
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for i in &issues {
        *counts.entry(i.code).or_default() += 1;
    }
    eprintln!(
        "{} vấn đề có thể có / likely problems: {}",
        issues.len(),
        counts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(out) = &a.out {
        let mut w = csv::Writer::from_path(out).map_err(|e| anyhow!("{}: {e}", out.display()))?;
        w.write_record([
            "code",
            "household",
            "member",
            "other_household",
            "other_member",
            "vi",
            "en",
        ])?;
        for i in &issues {
            let (oh, om) = i
                .other
                .as_ref()
                .map_or((String::new(), String::new()), |(h, m)| {
                    (h.to_string(), m.clone())
                });
            w.write_record([
                i.code.to_string(),
                i.household.to_string(),
                i.member.clone().unwrap_or_default(),
                oh,
                om,
                i.vi.clone(),
                i.en.clone(),
            ])?;
        }
        w.flush()?;
        eprintln!("đã ghi / wrote {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

//! Registry files in the browser: import an XLSX/CSV upload (reject the whole file on any error, or take
//! the valid rows; optionally a dry run), with the rejected rows shown in the user's language and offered
//! as a workbook to fix and import again; the import template; exports of the user's units as XLSX or
//! CSV. Everything goes through `ansinh-registry-io` (the CLI's own import, report and export): this
//! module only moves bytes between HTTP and temporary files.
//!
//! A commune officer imports into its own units only: the import is given the units of its subtree
//! ([`crate::auth::Scoped::import_scope`]) and rejects rows for any other unit. Partner agencies neither
//! import nor export (they have `/lists`).

use std::path::{Path as FsPath, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::routing::Router;
use crate::routing::{get, post};
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use ansinh_domain::registry::UnitId;
use ansinh_registry_io::IoError;
use ansinh_registry_io::export::{self, ExportFormat, ExportOptions};
use ansinh_registry_io::import::{self, ImportOptions, ImportReport, OnError};
use ansinh_store::accounts::UserId;
use ansinh_store::{AuditEvent, Entity};

use crate::auth::{Action, Authorized, today};
use crate::error::WebError;
use crate::i18n::{Labels, Lang};
use crate::pages::{Frame, html};
use crate::{App, Backend};

/// The largest upload accepted (the whole multipart body).
pub const IMPORT_MAX_BYTES: usize = 20 * 1024 * 1024;

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route("/registry", get(page::<S>))
        .route(
            "/registry/import",
            post(import_page::<S>).layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES)),
        )
        .route("/registry/import/{token}/rejected.xlsx", get(rejected::<S>))
        .route("/registry/template.xlsx", get(template::<S>))
        .route("/registry/export", get(export_file::<S>))
}

// ---------------------------------------------------------------------------------------- downloads

/// Files made for one user to download once the page is shown (the rejected rows of an import): kept
/// in memory for an hour, at most a few at a time, and only ever given to the user they were made for.
pub struct Downloads {
    entries: Mutex<Vec<Download>>,
}

struct Download {
    token: String,
    user: UserId,
    made: Instant,
    name: String,
    bytes: Vec<u8>,
}

const DOWNLOAD_LIFETIME: Duration = Duration::from_secs(3600);
const DOWNLOADS_KEPT: usize = 32;

impl Default for Downloads {
    fn default() -> Self {
        Downloads {
            entries: Mutex::new(Vec::new()),
        }
    }
}

impl Downloads {
    fn put(&self, user: UserId, name: String, bytes: Vec<u8>) -> Result<String, WebError> {
        let token = crate::auth::random_token()?;
        let mut e = self
            .entries
            .lock()
            .map_err(|_| WebError::Internal("downloads lock".into()))?;
        e.retain(|d| d.made.elapsed() < DOWNLOAD_LIFETIME);
        if e.len() >= DOWNLOADS_KEPT {
            e.remove(0);
        }
        e.push(Download {
            token: token.clone(),
            user,
            made: Instant::now(),
            name,
            bytes,
        });
        Ok(token)
    }
    fn get(&self, token: &str, user: UserId) -> Option<(String, Vec<u8>)> {
        let e = self.entries.lock().ok()?;
        e.iter()
            .find(|d| {
                d.user == user
                    && d.made.elapsed() < DOWNLOAD_LIFETIME
                    && crate::auth::same_secret(&d.token, token)
            })
            .map(|d| (d.name.clone(), d.bytes.clone()))
    }
}

fn attachment(ty: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, ty.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn internal(e: impl std::fmt::Display) -> WebError {
    WebError::Internal(e.to_string())
}

// ------------------------------------------------------------------------------------------ import

/// A file a user sent.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The form fields and the file of a multipart import request.
pub struct ImportForm {
    pub on_error: OnError,
    pub dry_run: bool,
    pub file: Option<Upload>,
}

/// Why an upload could not be read.
pub enum UploadError {
    TooLarge,
    Malformed(String),
}

/// Reads the import form (its first part, `csrf`, was checked by [`crate::guard`]): `on_error` (`reject_file` | `take_valid`), `dry_run` (any value: on),
/// `file`.
pub async fn read_form(mut mp: Multipart) -> Result<ImportForm, UploadError> {
    let fail = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            UploadError::TooLarge
        } else {
            UploadError::Malformed(e.body_text())
        }
    };
    let mut form = ImportForm {
        on_error: OnError::RejectFile,
        dry_run: false,
        file: None,
    };
    while let Some(field) = mp.next_field().await.map_err(fail)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(fail)?;
                if !bytes.is_empty() {
                    form.file = Some(Upload {
                        name: file_name,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            _ => {
                let v = field.text().await.map_err(fail)?;
                match name.as_str() {
                    "on_error" if v == "take_valid" => form.on_error = OnError::TakeValid,
                    "dry_run" if !v.is_empty() && v != "false" && v != "0" => form.dry_run = true,
                    _ => {}
                }
            }
        }
    }
    Ok(form)
}

/// The file name of an upload, without folders, safe to write in a temporary folder.
fn upload_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')'))
        .take(120)
        .collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() {
        "tep-tai-len".into()
    } else {
        clean
    }
}

/// What an import did, for the page and the API.
pub struct ImportOutcome {
    pub file: String,
    pub report: ImportReport,
    /// Where the rejected-rows workbook can be downloaded (when rows were rejected).
    pub rejected_href: Option<String>,
    pub dry_run: bool,
    pub on_error: OnError,
}

/// A file that could not be imported at all (unreadable, unknown type, a required column missing).
pub struct ImportFailure {
    pub code: &'static str,
    pub vi: String,
    pub en: String,
}

/// Imports an upload into the user's units; the rejected rows are kept to download.
pub async fn run_import<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    file: Upload,
    on_error: OnError,
    dry_run: bool,
) -> Result<Result<ImportOutcome, ImportFailure>, WebError> {
    auth.require(Action::EditRegistry)?;
    let within = auth.scoped(app).import_scope().await?;
    let name = upload_name(&file.name);
    let dir = tempfile::tempdir().map_err(internal)?;
    let path = dir.path().join(&name);
    std::fs::write(&path, &file.bytes).map_err(internal)?;
    let failure = |e: IoError| ImportFailure {
        code: e.code(),
        vi: e.message_vi(),
        en: e.message_en(),
    };
    let read = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            import::read_tables_from(&[path], None, import::Origin::Upload)
        })
        .await
        .map_err(internal)?
    };
    let (tables, skipped) = match read {
        Ok(t) => t,
        Err(e) => return Ok(Err(failure(e))),
    };
    let mut ctx = import::import_context(&auth.user.username, std::slice::from_ref(&path));
    ctx.origin = format!("web:{} {}", auth.client, ctx.origin);
    let opts = ImportOptions {
        on_error,
        as_of: today(app),
        encoding: None,
        dry_run,
        within,
    };
    let report = match import::import_tables(app.store(), &ctx, tables, skipped, &opts).await {
        Ok(r) => r,
        Err(IoError::Store(e)) => return Err(e.into()),
        Err(e) => return Ok(Err(failure(e))),
    };
    let mut rejected_href = None;
    let report = if report.errors.is_empty() {
        report
    } else {
        let out = dir.path().join("loi.xlsx");
        let (report, written) = tokio::task::spawn_blocking(move || {
            let w = ansinh_registry_io::report::write_rejected(&report, &out)
                .and_then(|_| std::fs::read(&out).map_err(|e| IoError::file(&out, e)));
            (report, w)
        })
        .await
        .map_err(internal)?;
        let bytes = written.map_err(|e| WebError::Internal(e.message_en()))?;
        let download = import::rejected_path(&report)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "loi.xlsx".into());
        let token = app.downloads().put(auth.user.id, download, bytes)?;
        rejected_href = Some(format!("/registry/import/{token}/rejected.xlsx"));
        report
    };
    Ok(Ok(ImportOutcome {
        file: name,
        report,
        rejected_href,
        dry_run,
        on_error,
    }))
}

// ------------------------------------------------------------------------------------ JSON report

/// One rejected row's problem.
#[derive(Serialize, ToSchema)]
pub struct RowErrorDto {
    /// The file, and the sheet of a workbook.
    pub source: String,
    /// The row number as the spreadsheet shows it.
    pub row: u64,
    /// The column's header as the file has it (empty: the row as a whole).
    pub column: String,
    pub code: String,
    pub message_vi: String,
    pub message_en: String,
}

/// What an import wrote.
#[derive(Serialize, ToSchema)]
pub struct ImportSummaryDto {
    pub units_inserted: u64,
    pub households_inserted: u64,
    pub households_updated: u64,
    pub households_unchanged: u64,
    pub members_inserted: u64,
    pub members_updated: u64,
    pub members_unchanged: u64,
}

/// The report of an import.
#[derive(Serialize, ToSchema)]
pub struct ImportReportDto {
    pub file: String,
    pub dry_run: bool,
    /// `reject_file` or `take_valid`.
    pub on_error: String,
    pub rows_read: usize,
    pub households_valid: usize,
    pub members_valid: usize,
    pub units_valid: usize,
    pub rows_rejected: usize,
    /// What was written; `null` when nothing was (errors with `reject_file`, a dry run, nothing valid).
    pub written: Option<ImportSummaryDto>,
    pub errors: Vec<RowErrorDto>,
    /// Sheets or files that were not a known table.
    pub skipped: Vec<String>,
    /// The rejected rows as a workbook (same session), when rows were rejected.
    pub rejected_workbook: Option<String>,
}

impl ImportOutcome {
    pub fn dto(&self) -> ImportReportDto {
        let r = &self.report;
        ImportReportDto {
            file: self.file.clone(),
            dry_run: self.dry_run,
            on_error: match self.on_error {
                OnError::RejectFile => "reject_file",
                OnError::TakeValid => "take_valid",
            }
            .into(),
            rows_read: r.rows_read,
            households_valid: r.households_valid,
            members_valid: r.members_valid,
            units_valid: r.units_valid,
            rows_rejected: r.rejected_rows(),
            written: r.summary.map(|s| ImportSummaryDto {
                units_inserted: s.units_inserted,
                households_inserted: s.households_inserted,
                households_updated: s.households_updated,
                households_unchanged: s.households_unchanged,
                members_inserted: s.members_inserted,
                members_updated: s.members_updated,
                members_unchanged: s.members_unchanged,
            }),
            errors: r
                .errors
                .iter()
                .map(|e| RowErrorDto {
                    source: r
                        .tables
                        .get(e.table)
                        .map(|t| t.source.clone())
                        .unwrap_or_default(),
                    row: e.row,
                    column: e.column.clone(),
                    code: e.code.to_string(),
                    message_vi: e.vi.clone(),
                    message_en: e.en.clone(),
                })
                .collect(),
            skipped: r.skipped.clone(),
            rejected_workbook: self.rejected_href.clone(),
        }
    }
}

// -------------------------------------------------------------------------------------------- page

struct ErrorRow {
    source: String,
    row: String,
    column: String,
    message: String,
}

struct ResultView {
    file: String,
    counts: Vec<(&'static str, String)>,
    rejected: usize,
    written: Vec<(&'static str, String)>,
    nothing: Option<&'static str>,
    errors: Vec<ErrorRow>,
    cut: bool,
    rejected_href: Option<String>,
    skipped: Vec<String>,
}

/// Rows of the rejected-rows table shown on the page (the workbook has them all).
const ERRORS_SHOWN: usize = 500;

fn result_view(o: &ImportOutcome, l: Lang) -> ResultView {
    let t: &Labels = l.t();
    let r = &o.report;
    let n = |v: usize| l.int(v as i64);
    let m = |v: u64| l.int(v as i64);
    let written = r.summary.map_or_else(Vec::new, |s| {
        vec![
            (
                t.nav_households,
                format!(
                    "{} {}, {} {}, {} {}",
                    t.inserted,
                    m(s.households_inserted),
                    t.updated,
                    m(s.households_updated),
                    t.unchanged,
                    m(s.households_unchanged)
                ),
            ),
            (
                t.members,
                format!(
                    "{} {}, {} {}, {} {}",
                    t.inserted,
                    m(s.members_inserted),
                    t.updated,
                    m(s.members_updated),
                    t.unchanged,
                    m(s.members_unchanged)
                ),
            ),
            (t.unit, format!("{} {}", t.inserted, m(s.units_inserted))),
        ]
    });
    let nothing = match r.summary {
        Some(_) => None,
        None if o.dry_run => Some(t.nothing_written_dry),
        None if !r.errors.is_empty() && o.on_error == OnError::RejectFile => {
            Some(t.nothing_written_errors)
        }
        None => Some(t.nothing_to_write),
    };
    ResultView {
        file: o.file.clone(),
        counts: vec![
            (t.rows_read, n(r.rows_read)),
            (t.households_valid, n(r.households_valid)),
            (t.members_valid, n(r.members_valid)),
            (t.units_valid, n(r.units_valid)),
        ],
        rejected: r.rejected_rows(),
        written,
        nothing,
        errors: r
            .errors
            .iter()
            .take(ERRORS_SHOWN)
            .map(|e| ErrorRow {
                source: r
                    .tables
                    .get(e.table)
                    .map(|t| t.source.clone())
                    .unwrap_or_default(),
                row: e.row.to_string(),
                column: e.column.clone(),
                message: l.pick(&e.vi, &e.en).to_string(),
            })
            .collect(),
        cut: r.errors.len() > ERRORS_SHOWN,
        rejected_href: o.rejected_href.clone(),
        skipped: r.skipped.clone(),
    }
}

#[derive(Template)]
#[template(path = "registry.html")]
struct RegistryPage {
    f: Frame,
    can_import: bool,
    units: Vec<(String, String)>,
    error: Option<String>,
    result: Option<ResultView>,
    take_valid: bool,
    dry_run: bool,
}

async fn registry_page<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    error: Option<String>,
    result: Option<ResultView>,
    form: Option<(OnError, bool)>,
) -> Result<RegistryPage, WebError> {
    auth.require(Action::ExportRegistry)?;
    let day = today(app);
    let units: Vec<_> = auth
        .scoped(app)
        .units()
        .await?
        .into_iter()
        .filter(|u| u.unit.is_valid_on(day))
        .collect();
    let many = units.len() > 300;
    let (take_valid, dry_run) = form.map_or((false, false), |(o, d)| (o == OnError::TakeValid, d));
    Ok(RegistryPage {
        f: Frame::of(auth),
        can_import: auth.scope.allows(Action::EditRegistry),
        units: units
            .into_iter()
            .filter(|u| !many || u.unit.kind.level() <= 3)
            .map(|u| {
                (
                    u.id.0.to_string(),
                    format!("{} ({})", u.unit.name, u.unit.code),
                )
            })
            .collect(),
        error,
        result,
        take_valid,
        dry_run,
    })
}

/// Import and export of the user's units.
pub async fn page<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
) -> Result<Response, WebError> {
    Ok(html(&registry_page(&app, &auth, None, None, None).await?))
}

pub async fn import_page<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    mp: Multipart,
) -> Result<Response, WebError> {
    auth.require(Action::EditRegistry)?;
    let l = auth.lang;
    let t = l.t();
    let form = match read_form(mp).await {
        Ok(f) => f,
        Err(UploadError::TooLarge) => {
            let page =
                registry_page(&app, &auth, Some(t.file_too_large.into()), None, None).await?;
            return Ok((StatusCode::PAYLOAD_TOO_LARGE, html(&page)).into_response());
        }
        Err(UploadError::Malformed(m)) => return Err(WebError::BadRequest(m)),
    };
    let choice = Some((form.on_error, form.dry_run));
    let Some(file) = form.file else {
        let page = registry_page(&app, &auth, Some(t.file_missing.into()), None, choice).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
    };
    match run_import(&app, &auth, file, form.on_error, form.dry_run).await? {
        Ok(outcome) => {
            let view = result_view(&outcome, l);
            Ok(html(
                &registry_page(&app, &auth, None, Some(view), choice).await?,
            ))
        }
        Err(f) => {
            let msg = format!("{}: {} [{}]", t.import_failed, l.pick(&f.vi, &f.en), f.code);
            let page = registry_page(&app, &auth, Some(msg), None, choice).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
        }
    }
}

/// The rejected rows of the user's own import, as a workbook.
pub async fn rejected<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let (name, bytes) = app
        .downloads()
        .get(&token, auth.user.id)
        .ok_or(WebError::NotFound { api: false })?;
    Ok(attachment(XLSX, &name, bytes))
}

/// The empty import workbook.
pub async fn template<S: Backend>(_auth: Authorized) -> Result<Response, WebError> {
    let bytes = tokio::task::spawn_blocking(|| -> Result<Vec<u8>, WebError> {
        let dir = tempfile::tempdir().map_err(internal)?;
        let p = dir.path().join("mau.xlsx");
        export::write_template(&p).map_err(|e| WebError::Internal(e.message_en()))?;
        std::fs::read(&p).map_err(internal)
    })
    .await
    .map_err(internal)??;
    Ok(attachment(XLSX, "mau-nhap-ho-gia-dinh.xlsx", bytes))
}

// ------------------------------------------------------------------------------------------ export

#[derive(Deserialize)]
pub struct ExportQuery {
    /// A unit of the user's subtree (default: the user's own unit).
    unit: Option<i64>,
    /// `xlsx` (default), `csv`, or `households.csv` / `members.csv` / `units.csv`.
    format: Option<String>,
    /// For CSV: `households` (default), `members` or `units`.
    table: Option<String>,
}

/// The registry of a unit of the user's subtree (and every unit below it), in the import's format.
pub async fn export_file<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Query(q): Query<ExportQuery>,
) -> Result<Response, WebError> {
    auth.require(Action::ExportRegistry)?;
    let scoped = auth.scoped(&app);
    let units = scoped.units_to_export(q.unit.map(UnitId)).await?;
    // `format=members.csv` is `format=csv&table=members` (one button of the page each).
    let (format, table) = match q.format.as_deref().and_then(|f| f.split_once('.')) {
        Some((t, "csv")) => (Some("csv"), Some(t)),
        _ => (q.format.as_deref(), q.table.as_deref()),
    };
    let format = match format {
        None | Some("xlsx") => ExportFormat::Xlsx,
        Some("csv") => ExportFormat::Csv,
        Some(_) => return Err(WebError::BadRequest("format: xlsx | csv".into())),
    };
    let table = match table {
        None | Some("households") => "households",
        Some("members") => "members",
        Some("units") => "units",
        Some(_) => {
            return Err(WebError::BadRequest(
                "table: households | members | units".into(),
            ));
        }
    };
    let label = units
        .as_ref()
        .and_then(|u| u.first())
        .map_or_else(|| "toan-quoc".to_string(), |u| u.unit.code.to_string());
    let mut opts = ExportOptions::new(format);
    opts.only_units = units.map(|u| u.iter().map(|u| u.id).collect());
    let dir = tempfile::tempdir().map_err(internal)?;
    let out: PathBuf = match format {
        ExportFormat::Xlsx => dir.path().join("xuat.xlsx"),
        _ => dir.path().join("csv"),
    };
    let summary = export::export(app.store(), &out, &opts)
        .await
        .map_err(|e| match e {
            IoError::Store(s) => WebError::Store(s),
            e => WebError::Internal(e.message_en()),
        })?;
    let file: &FsPath = &match format {
        ExportFormat::Xlsx => out.clone(),
        _ => out.join(format!("{table}.csv")),
    };
    let bytes = std::fs::read(file).map_err(internal)?;
    let detail = serde_json::json!({
        "export": "registry",
        "format": if format == ExportFormat::Xlsx { "xlsx" } else { "csv" },
        "table": table,
        "unit": q.unit,
        "root": scoped.root().map(|u| u.0),
        "households": summary.households,
        "members": summary.members,
    });
    app.store()
        .append_audit(
            &auth.ctx(),
            &AuditEvent {
                entity: Entity::Event,
                entity_id: None,
                detail: detail.to_string(),
            },
        )
        .await?;
    Ok(match format {
        ExportFormat::Xlsx => attachment(XLSX, &format!("ho-gia-dinh-{label}.xlsx"), bytes),
        _ => attachment(
            "text/csv; charset=utf-8",
            &format!("{table}-{label}.csv"),
            bytes,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_lose_their_folders() {
        assert_eq!(upload_name("C:\\Users\\cb\\Hộ xã.xlsx"), "Hộ xã.xlsx");
        assert_eq!(upload_name("../../etc/passwd"), "passwd");
        assert_eq!(upload_name(".."), "tep-tai-len");
        assert_eq!(upload_name(""), "tep-tai-len");
    }

    #[test]
    fn a_download_is_given_only_to_its_user() {
        let d = Downloads::default();
        let t = d.put(UserId(1), "a.xlsx".into(), vec![1, 2]).unwrap();
        assert_eq!(d.get(&t, UserId(1)), Some(("a.xlsx".into(), vec![1, 2])));
        assert_eq!(d.get(&t, UserId(2)), None);
        assert_eq!(d.get("guess", UserId(1)), None);
        for i in 0..DOWNLOADS_KEPT {
            d.put(UserId(1), format!("{i}"), Vec::new()).unwrap();
        }
        assert_eq!(d.get(&t, UserId(1)), None, "the oldest goes first");
    }
}

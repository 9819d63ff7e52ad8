//! Downloads of the review's printable outputs (`ansinh-reports`): the decision lists, certificates,
//! meeting minutes and posted list of a round (PDF), and the summary tables of a commune's approved
//! periodic round (XLSX or PDF). Same authorisation as the round pages: a round or unit outside the
//! user's subtree is 404. Outputs of approved results refuse a round that is not approved (409).

use crate::routing::Router;
use crate::routing::get;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use ansinh_domain::registry::UnitId;
use ansinh_domain::review::RoundKind;
use ansinh_reports::{ReportError, assemble};
use ansinh_store::review::{RoundId, StoredRound};

use crate::auth::{Authorized, ReviewAccess, today};
use crate::error::WebError;
use crate::pages::download;
use crate::review::refusal;
use crate::{App, Backend};

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route("/review/rounds/{id}/decision.pdf", get(decision::<S>))
        .route(
            "/review/rounds/{id}/certificates.pdf",
            get(certificates::<S>),
        )
        .route(
            "/review/rounds/{id}/meetings/{mid}/minutes.pdf",
            get(minutes::<S>),
        )
        .route("/review/rounds/{id}/posted.pdf", get(posted::<S>))
        .route("/review/units/{unit}/summary.xlsx", get(summary_xlsx::<S>))
        .route("/review/units/{unit}/summary.pdf", get(summary_pdf::<S>))
}

fn report_err(e: ReportError) -> WebError {
    let status = match &e {
        ReportError::Review(_) | ReportError::Store(_) => None,
        ReportError::NotApproved { .. } => Some(StatusCode::CONFLICT),
        ReportError::NoMeeting { .. } | ReportError::NoRound { .. } => Some(StatusCode::NOT_FOUND),
        ReportError::Typeset(_) | ReportError::Xlsx(_) => None,
    };
    match (e, status) {
        (ReportError::Review(e), _) => refusal(e),
        (ReportError::Store(e), _) => WebError::Store(e),
        (ReportError::Typeset(m) | ReportError::Xlsx(m), _) => WebError::Internal(m),
        (e, status) => WebError::Refused {
            status: status.unwrap_or(StatusCode::CONFLICT),
            code: e.code(),
            vi: e.message_vi(),
            en: e.message_en(),
        },
    }
}

const PDF: &str = "application/pdf";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn round_of<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    id: i64,
) -> Result<StoredRound, WebError> {
    Ok(auth
        .scoped(app)
        .round(RoundId(id), ReviewAccess::Read)
        .await?)
}

pub async fn decision<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let r = round_of(&app, &auth, id).await?;
    let d = assemble::decision(app.store(), r.id)
        .await
        .map_err(report_err)?;
    let pdf = ansinh_reports::decision_pdf(&d).map_err(report_err)?;
    Ok(download(
        pdf.bytes,
        PDF,
        &format!("danh-sach-{}-{}.pdf", r.round.year, r.id),
    ))
}

pub async fn certificates<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let r = round_of(&app, &auth, id).await?;
    let c = assemble::certificates(app.store(), r.id)
        .await
        .map_err(report_err)?;
    let pdf = ansinh_reports::certificates_pdf(&c).map_err(report_err)?;
    Ok(download(
        pdf.bytes,
        PDF,
        &format!("giay-chung-nhan-{}-{}.pdf", r.round.year, r.id),
    ))
}

pub async fn minutes<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, mid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let r = round_of(&app, &auth, id).await?;
    let wf = app.review_rules().workflow(&r)?.clone();
    let m = assemble::minutes(app.store(), r.id, Some(mid), &wf)
        .await
        .map_err(report_err)?;
    let pdf = ansinh_reports::minutes_pdf(&m).map_err(report_err)?;
    Ok(download(
        pdf.bytes,
        PDF,
        &format!("bien-ban-{}-{mid}.pdf", r.id),
    ))
}

pub async fn posted<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let r = round_of(&app, &auth, id).await?;
    let wf = app.review_rules().workflow(&r)?.clone();
    let p = assemble::posted_list(app.store(), r.id, &wf, today(&app))
        .await
        .map_err(report_err)?;
    let pdf = ansinh_reports::posted_pdf(&p).map_err(report_err)?;
    Ok(download(
        pdf.bytes,
        PDF,
        &format!("niem-yet-{}-{}.pdf", r.round.year, r.id),
    ))
}

#[derive(Deserialize)]
pub struct YearQuery {
    /// Default: the latest year with an approved periodic round.
    year: Option<i32>,
}

async fn summary_of<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    unit: i64,
    q: &YearQuery,
) -> Result<(ansinh_reports::model::Summary, String), WebError> {
    let c = auth
        .scoped(app)
        .review_commune(UnitId(unit), ReviewAccess::Read)
        .await?;
    let store = app.store();
    let rounds = store.review_rounds(c.id).await.map_err(refusal)?;
    let periodic = || {
        rounds
            .iter()
            .filter(|r| r.round.kind == RoundKind::Periodic)
    };
    let year = q
        .year
        .or_else(|| {
            periodic()
                .filter(|r| r.round.stage.is_locked())
                .map(|r| r.round.year)
                .max()
        })
        .unwrap_or_else(|| chrono::Datelike::year(&today(app)));
    let standard = periodic()
        .find(|r| r.round.year == year)
        .and_then(|r| app.standards().get(&r.standard_id));
    let s = assemble::summary(store, c.id, year, standard, today(app))
        .await
        .map_err(report_err)?;
    Ok((s, format!("tong-hop-{}-{year}", c.unit.code)))
}

pub async fn summary_xlsx<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(unit): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let (s, name) = summary_of(&app, &auth, unit, &q).await?;
    let bytes = ansinh_reports::summary_xlsx(&s).map_err(report_err)?;
    Ok(download(bytes, XLSX, &format!("{name}.xlsx")))
}

pub async fn summary_pdf<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(unit): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let (s, name) = summary_of(&app, &auth, unit, &q).await?;
    let pdf = ansinh_reports::summary_pdf(&s).map_err(report_err)?;
    Ok(download(pdf.bytes, PDF, &format!("{name}.pdf")))
}

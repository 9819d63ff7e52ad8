//! The support an approved review round entitles its households to (`ansinh_registry_io::entitlements`):
//! `/review/rounds/{id}/entitlements[?year=Y]` — per policy the beneficiaries, the amount for the year,
//! the cases that cannot be decided for a missing fact and which facts; the whole list as a workbook
//! (`entitlements.xlsx`) and each partner agency's list (`partners/{partner}.xlsx`: health-insurance
//! cards for social insurance, pupils for schools, electricity support, Social Policy Bank borrowers).
//!
//! The lists carry names, birth dates and citizen IDs (what the partner needs), so they are read under
//! the round's own rule (`ReviewAccess::Read`: commune officers of the commune, district/province
//! officers of the subtree, administrators; a round outside it is 404) and every download is written to
//! the audit trail. A partner agency account names its agency (`users.agency`): it reaches only its
//! own agency's list, for the approved rounds of its subtree (`Scoped::partner_round`), through
//! `/partner-lists`, the page that lists every approved round of the subtree with the lists the user
//! may download; the whole beneficiary list and the per-policy page stay with the review's readers.

use crate::routing::Router;
use crate::routing::get;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use ansinh_domain::policy::partner;
use ansinh_registry_io::entitlements::{self, BeneficiaryList, EntitleError, EntitleOptions};
use ansinh_store::review::RoundId;
use ansinh_store::{AuditEvent, Entity};

use crate::auth::{Authorized, ReviewAccess};
use crate::error::WebError;
use crate::pages::{Frame, html};
use crate::{App, Backend};

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route("/review/rounds/{id}/entitlements", get(page::<S>))
        .route("/review/rounds/{id}/entitlements.xlsx", get(list_xlsx::<S>))
        .route(
            "/review/rounds/{id}/partners/{partner}",
            get(partner_xlsx::<S>),
        )
        .route("/partner-lists", get(partner_lists::<S>))
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

fn ent_err(e: EntitleError) -> WebError {
    match e {
        EntitleError::Review(e) => crate::review::refusal(e),
        EntitleError::NotApproved(_) => WebError::Refused {
            status: StatusCode::CONFLICT,
            code: e.code(),
            vi: e.message_vi(),
            en: e.message_en(),
        },
        EntitleError::Io(ansinh_registry_io::IoError::Store(e)) => WebError::Store(e),
        other => WebError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: other.code(),
            vi: other.message_vi(),
            en: other.message_en(),
        },
    }
}

/// The rulebook's partner exports.
pub(crate) fn partners<S>(app: &App<S>) -> Result<Vec<partner::Partner>, WebError> {
    Ok(app.rules().partners().to_vec())
}

async fn list_of<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    id: i64,
    year: Option<i32>,
) -> Result<BeneficiaryList, WebError> {
    let r = auth
        .scoped(app)
        .round(RoundId(id), ReviewAccess::Read)
        .await?;
    let opts = EntitleOptions {
        year,
        ..EntitleOptions::default()
    };
    entitlements::beneficiaries(app.store(), app.policies(), r.id, &opts)
        .await
        .map_err(ent_err)
}

pub struct PolicyRow {
    pub id: String,
    pub name: String,
    pub count: usize,
    pub unit: &'static str,
    pub total: String,
    pub undecided: usize,
    pub missing: String,
}

#[derive(Template)]
#[template(path = "review/entitlements.html")]
struct EntitlementsPage {
    f: Frame,
    round: i64,
    year: i32,
    approved_on: String,
    standard: String,
    rows: Vec<PolicyRow>,
    total: String,
    partners: Vec<(String, String)>,
}

pub async fn page<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let l = list_of(&app, &auth, id, q.year).await?;
    let lang = auth.lang;
    let set = app.policies();
    let mut rows = Vec::new();
    let mut total = 0i64;
    for pid in &l.policies {
        let lines: Vec<_> = l.lines.iter().filter(|b| &b.policy_id == pid).collect();
        let undecided: Vec<_> = l.undecided.iter().filter(|u| &u.policy_id == pid).collect();
        let sum: i64 = lines.iter().map(|b| b.year_total).sum();
        total += sum;
        let mut missing: Vec<&str> = undecided
            .iter()
            .flat_map(|u| u.missing.iter().map(String::as_str))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        let (name, unit) = match set.get(pid) {
            Some(p) => (
                lang.pick(&p.name_vi, &p.name_en).to_string(),
                match p.unit.as_str() {
                    "person" => lang.pick("người", "persons"),
                    "household" => lang.pick("hộ", "households"),
                    "pupil" => lang.pick("học sinh", "pupils"),
                    _ => "",
                },
            ),
            None => (pid.clone(), ""),
        };
        rows.push(PolicyRow {
            id: pid.clone(),
            name,
            count: lines.len(),
            unit,
            total: lang.vnd(sum),
            undecided: undecided.len(),
            missing: missing.join(", "),
        });
    }
    let partners = partners(&app)?
        .into_iter()
        .map(|p| {
            let name = lang.pick(&p.name_vi, &p.name_en).to_string();
            (p.id, name)
        })
        .collect();
    Ok(html(&EntitlementsPage {
        f: Frame::of(&auth),
        round: id,
        year: l.year,
        approved_on: crate::i18n::date(l.approved_on),
        standard: l.standard_id.clone(),
        rows,
        total: lang.vnd(total),
        partners,
    }))
}

/// Writes the workbook through a temporary file (the writers are the CLI's) and answers it.
fn workbook(
    write: impl FnOnce(&std::path::Path) -> Result<(), EntitleError>,
    name: String,
) -> Result<Response, WebError> {
    let dir = tempfile::tempdir().map_err(|e| WebError::Internal(e.to_string()))?;
    let path = dir.path().join("list.xlsx");
    write(&path).map_err(ent_err)?;
    let bytes = std::fs::read(&path).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

async fn audit_export<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    what: &str,
    l: &BeneficiaryList,
) -> Result<(), WebError> {
    let detail = serde_json::json!({
        "export": what, "round": l.round.0, "year": l.year, "rows": l.lines.len(),
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
    Ok(())
}

pub async fn list_xlsx<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let l = list_of(&app, &auth, id, q.year).await?;
    audit_export(&app, &auth, "entitlements", &l).await?;
    let name = format!("doi-tuong-chinh-sach-{}-{}.xlsx", l.year, id);
    workbook(|p| entitlements::write_list(&l, p), name)
}

pub async fn partner_xlsx<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, file)): Path<(i64, String)>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let pid = file
        .strip_suffix(".xlsx")
        .ok_or(WebError::NotFound { api: false })?;
    let p = partners(&app)?
        .into_iter()
        .find(|p| p.id == pid)
        .ok_or(WebError::NotFound { api: false })?;
    let r = auth
        .scoped(&app)
        .partner_round(RoundId(id), auth.user.agency.as_deref(), &p.id)
        .await?;
    let opts = EntitleOptions {
        year: q.year,
        ..EntitleOptions::default()
    };
    let l = entitlements::beneficiaries(app.store(), app.policies(), r.id, &opts)
        .await
        .map_err(ent_err)?;
    audit_export(&app, &auth, &format!("partner:{}", p.id), &l).await?;
    let name = format!("danh-sach-{}-{}-{}.xlsx", p.id, l.year, id);
    workbook(|path| entitlements::write_partner(&l, &p, path), name)
}

pub struct PartnerRoundRow {
    pub commune: String,
    pub round: i64,
    pub label: String,
    /// The status year of the lists (the year after a periodic round's review year).
    pub year: i32,
    /// `(partner id, name)` of the lists this user may download.
    pub lists: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "partner_lists.html")]
struct PartnerListsPage {
    f: Frame,
    agency: Option<String>,
    rows: Vec<PartnerRoundRow>,
    /// A partner agency account without an agency: it receives nothing until one is set.
    no_agency: bool,
}

/// `/partner-lists`: every approved round of the subtree, newest first, with the partner lists the
/// user may download (a partner agency: its own agency's only).
pub async fn partner_lists<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
) -> Result<Response, WebError> {
    use ansinh_store::accounts::Role;
    let lang = auth.lang;
    let agency = auth.user.agency.as_deref();
    let visible: Vec<(String, String)> = partners(&app)?
        .into_iter()
        .filter(|p| crate::auth::may_receive(auth.user.role, agency, &p.id))
        .map(|p| {
            let name = lang.pick(&p.name_vi, &p.name_en).to_string();
            (p.id, name)
        })
        .collect();
    let agency_name = agency.map(|a| {
        visible
            .iter()
            .find(|(id, _)| id == a)
            .map_or_else(|| a.to_string(), |(_, n)| n.clone())
    });
    let mut rows = Vec::new();
    if !visible.is_empty() {
        for c in auth.scoped(&app).partner_communes().await? {
            let rounds = app
                .store()
                .review_rounds(c.id)
                .await
                .map_err(crate::review::refusal)?;
            for r in rounds.iter().rev().filter(|r| r.round.approvals > 0) {
                let kind = crate::review_pages::capitalised(&crate::review_pages::kind_label(
                    r.round.kind,
                    lang,
                ));
                rows.push(PartnerRoundRow {
                    commune: c.unit.name.to_string(),
                    round: r.id.0,
                    label: format!("{kind} {}", r.round.year),
                    year: entitlements::status_year(r),
                    lists: visible.clone(),
                });
            }
        }
    }
    rows.sort_by(|a, b| b.year.cmp(&a.year).then(a.commune.cmp(&b.commune)));
    Ok(html(&PartnerListsPage {
        f: Frame::of(&auth),
        agency: agency_name,
        no_agency: auth.user.role == Role::Partner && visible.is_empty(),
        rows,
    }))
}

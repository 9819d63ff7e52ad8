//! The JSON API of policies, plan checks and forecasts: `/api/policies`, `/api/policies/{id}`,
//! `/api/plans/{id}/check`, `/api/plans/{id}/forecast`. The same reads and the same role checks as the
//! pages ([`crate::plans`]); money is whole đồng (`i64`, totals as decimal strings), dates ISO
//! `yyyy-mm-dd`, rates exact decimals as strings.

use std::collections::BTreeMap;

use crate::routing::Router;
use crate::routing::get;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Serialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use ansinh_domain::policy::Policy;

use crate::auth::{Action, Authorized};
use crate::error::ApiError;
use crate::plans::{self, PoliciesQuery, Validity};
use crate::{App, Backend};

/// Every route of this part of the API, as the OpenAPI document must list it.
pub const PATHS: &[&str] = &[
    "/api/policies",
    "/api/policies/{id}",
    "/api/plans/{id}/check",
    "/api/plans/{id}/forecast",
];

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route(PATHS[0], get(policies::<S>))
        .route(PATHS[1], get(policy::<S>))
        .route(PATHS[2], get(check::<S>))
        .route(PATHS[3], get(forecast::<S>))
}

#[derive(OpenApi)]
#[openapi(
    paths(policies, policy, check, forecast),
    components(schemas(
        PolicySummary,
        PolicyDetail,
        FundingDto,
        ParameterDto,
        PeriodDto,
        YearAmountDto,
        CaveatDto,
        CheckReport,
        CellDto,
        ExplainedDto,
        ForecastReport,
        ForecastLineDto
    ))
)]
pub struct PlansApiDoc;

/// An unconfirmed point a value depends on.
#[derive(Serialize, ToSchema)]
pub struct CaveatDto {
    pub subject: String,
    pub note: String,
}

fn caveats(c: &[ansinh_domain::policy::Caveat]) -> Vec<CaveatDto> {
    c.iter()
        .map(|c| CaveatDto {
            subject: c.subject.clone(),
            note: c.note.clone(),
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct FundingDto {
    pub source: String,
    /// Exact share, e.g. `0.7`.
    pub share: String,
}

#[derive(Serialize, ToSchema)]
pub struct PolicySummary {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    /// `in_force`, `upcoming` or `ended` on the day asked.
    pub status: String,
    /// Province code, or none for a national policy.
    pub jurisdiction: Option<String>,
    pub unit: String,
    /// `month`, `year` or `case`.
    pub per: String,
    pub formula: String,
    pub share: String,
    pub funding: Vec<FundingDto>,
    /// Whether anything of the policy itself is unconfirmed.
    pub unconfirmed: bool,
}

fn summary(p: &Policy, on: chrono::NaiveDate) -> PolicySummary {
    PolicySummary {
        id: p.id.clone(),
        name_vi: p.name_vi.clone(),
        name_en: p.name_en.clone(),
        valid_from: p.valid_from.to_string(),
        valid_to: p.valid_to.map(|d| d.to_string()),
        status: Validity::of(p, on).code().into(),
        jurisdiction: p.jurisdiction.clone(),
        unit: p.unit.clone(),
        per: p.amount.per.code().into(),
        formula: p.amount.formula.clone(),
        share: p.amount.share.to_plain(),
        funding: p
            .funding
            .iter()
            .map(|f| FundingDto {
                source: f.source.clone(),
                share: f.share.to_plain(),
            })
            .collect(),
        unconfirmed: !p.caveats.is_empty(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ParameterDto {
    pub name: String,
    pub value: String,
    pub note: Option<String>,
    pub unconfirmed: Option<String>,
}

/// The amount per unit over a stretch of months in which it does not change.
#[derive(Serialize, ToSchema)]
pub struct PeriodDto {
    pub from: String,
    /// Last day; none: still so at the end of 2026.
    pub to: Option<String>,
    pub amount_vnd: i64,
    pub unconfirmed: Vec<CaveatDto>,
}

#[derive(Serialize, ToSchema)]
pub struct YearAmountDto {
    pub year: i32,
    pub amount_vnd: Option<i64>,
    pub error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PolicyDetail {
    #[serde(flatten)]
    pub summary: PolicySummary,
    pub legal_basis: String,
    pub agency: String,
    /// The eligibility expression over the household's status and its members.
    pub eligible: String,
    pub member_eligible: Option<String>,
    pub max_months: Option<u32>,
    pub counts: Option<String>,
    pub parameters: Vec<ParameterDto>,
    /// January 2022 – December 2026, priced with the reference values of each month.
    pub periods: Vec<PeriodDto>,
    pub by_year: Vec<YearAmountDto>,
    /// The policy's unconfirmed points and those of the reference values it is priced with.
    pub unconfirmed: Vec<CaveatDto>,
}

#[derive(serde::Deserialize, IntoParams)]
pub struct PoliciesParams {
    /// The day the status is judged on (`yyyy-mm-dd`); default today.
    pub on: Option<String>,
    /// `in_force` (default), `upcoming`, `ended` or `all`.
    pub status: Option<String>,
}

/// The support policies, by validity on a day.
#[utoipa::path(
    get,
    path = "/api/policies",
    params(PoliciesParams),
    responses(
        (status = 200, description = "Policies in id order", body = [PolicySummary]),
        (status = 400, description = "A date or status that cannot be read", body = crate::api::ErrorDto),
        (status = 401, description = "Not logged in", body = crate::api::ErrorDto)
    )
)]
pub async fn policies<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Query(p): Query<PoliciesParams>,
) -> Result<Json<Vec<PolicySummary>>, ApiError> {
    auth.require(Action::ReadPolicies)?;
    let q = PoliciesQuery {
        on: p.on,
        status: p.status,
    };
    let (on, status) = q.resolve(&app)?;
    let set = app.policies();
    Ok(Json(
        plans::select(set, on, status)
            .into_iter()
            .map(|p| summary(p, on))
            .collect(),
    ))
}

/// One policy: legal basis, eligibility, amount rule, and its amount by period and by year.
#[utoipa::path(
    get,
    path = "/api/policies/{id}",
    params(("id" = String, Path, description = "Policy id, e.g. vn-bhyt-poor")),
    responses(
        (status = 200, description = "The policy", body = PolicyDetail),
        (status = 401, description = "Not logged in", body = crate::api::ErrorDto),
        (status = 404, description = "No such policy", body = crate::api::ErrorDto)
    )
)]
pub async fn policy<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Json<PolicyDetail>, ApiError> {
    auth.require(Action::ReadPolicies)?;
    let set = app.policies();
    let p = set
        .get(&id)
        .ok_or(crate::WebError::NotFound { api: true })?;
    let (periods, _) = plans::periods(p, set);
    let all = plans::all_caveats(p, &periods);
    Ok(Json(PolicyDetail {
        summary: summary(p, crate::auth::today(&app)),
        legal_basis: p.legal_basis.clone(),
        agency: p.agency.clone(),
        eligible: p.eligible.text.clone(),
        member_eligible: p.member_eligible.as_ref().map(|m| m.text.clone()),
        max_months: p.amount.max_months,
        counts: p.counts.clone(),
        parameters: p
            .parameters
            .iter()
            .map(|x| ParameterDto {
                name: x.name.clone(),
                value: x.value.to_plain(),
                note: x.note.clone(),
                unconfirmed: x.unconfirmed.clone(),
            })
            .collect(),
        periods: periods
            .iter()
            .map(|x| PeriodDto {
                from: x.from.to_string(),
                to: x.to.map(|d| d.to_string()),
                amount_vnd: x.vnd,
                unconfirmed: caveats(&x.caveats),
            })
            .collect(),
        by_year: plans::amounts_by_year(p, set)
            .into_iter()
            .map(|(year, a)| YearAmountDto {
                year,
                amount_vnd: a.as_ref().ok().copied(),
                error: a.err(),
            })
            .collect(),
        unconfirmed: caveats(&all),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ExplainedDto {
    pub formula: String,
    pub value: String,
    /// Whether this other formula gives the printed value.
    pub reproduces: bool,
}

/// One recomputed cell (or a check across cells).
#[derive(Serialize, ToSchema)]
pub struct CellDto {
    pub row: String,
    pub column: String,
    pub check: Option<String>,
    pub label: String,
    /// `consistent`, `given`, `rounding`, `inconsistent`, `repriced` or `error`.
    pub status: String,
    pub finding: bool,
    pub printed: Option<String>,
    pub recomputed: Option<String>,
    pub unrounded: Option<String>,
    pub formula: String,
    pub inputs: Vec<String>,
    pub reason: String,
    pub explained: Option<ExplainedDto>,
    pub known: Option<String>,
    pub unconfirmed: Vec<CaveatDto>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckReport {
    pub plan: String,
    pub title_vi: String,
    pub title_en: String,
    pub source: String,
    pub unit: String,
    pub rounding: String,
    /// Cells per status.
    pub counts: BTreeMap<String, usize>,
    pub cells: Vec<CellDto>,
}

/// A seed plan table with every cell recomputed from its inputs and the policy rules.
#[utoipa::path(
    get,
    path = "/api/plans/{id}/check",
    params(("id" = String, Path, description = "Plan id, e.g. hanoi-2022-2025-appendix-1")),
    responses(
        (status = 200, description = "Every cell and check, with formula and inputs", body = CheckReport),
        (status = 401, description = "Not logged in", body = crate::api::ErrorDto),
        (status = 403, description = "The role may not read plans (partner agencies)", body = crate::api::ErrorDto),
        (status = 404, description = "No such plan", body = crate::api::ErrorDto)
    )
)]
pub async fn check<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Json<CheckReport>, ApiError> {
    auth.require(Action::ReadPlans)?;
    let (plan, r) = plans::checked_plan(&app, &id, true)?;
    let mut counts = BTreeMap::new();
    for c in &r.cells {
        *counts.entry(c.status.code().to_string()).or_insert(0) += 1;
    }
    Ok(Json(CheckReport {
        plan: plan.id.clone(),
        title_vi: plan.title_vi.clone(),
        title_en: plan.title_en.clone(),
        source: plan.source.clone(),
        unit: plan.unit.clone(),
        rounding: plan.rounding.code().into(),
        counts,
        cells: r
            .cells
            .iter()
            .map(|c| CellDto {
                row: c.row.clone(),
                column: c.column.clone(),
                check: c.check.clone(),
                label: c.label.clone(),
                status: c.status.code().into(),
                finding: c.status.is_finding(),
                printed: c.printed.clone(),
                recomputed: c.recomputed.clone(),
                unrounded: c.unrounded.map(|u| u.to_plain()),
                formula: c.formula.clone(),
                inputs: c.inputs.clone(),
                reason: c.reason.clone(),
                explained: c.explained.as_ref().map(|e| ExplainedDto {
                    formula: e.formula.clone(),
                    value: e.value.to_plain(),
                    reproduces: e.reproduces,
                }),
                known: c.known.clone(),
                unconfirmed: caveats(&c.caveats),
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ForecastLineDto {
    pub policy: String,
    pub year: i32,
    pub source: String,
    pub units: i64,
    pub per_unit_vnd: i64,
    pub amount_vnd: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ForecastReport {
    pub id: String,
    pub years: Vec<i32>,
    pub lines: Vec<ForecastLineDto>,
    /// Whole đồng as decimal strings.
    pub by_year: BTreeMap<String, String>,
    pub by_source: BTreeMap<String, String>,
    pub by_policy: BTreeMap<String, String>,
    pub total_vnd: String,
    /// `(policy, why)` for each policy that could not be forecast.
    pub skipped: Vec<(String, String)>,
    pub unconfirmed: BTreeMap<String, Vec<CaveatDto>>,
}

/// The budget per policy, year and funding source from a plan's planning inputs.
#[utoipa::path(
    get,
    path = "/api/plans/{id}/forecast",
    params(("id" = String, Path, description = "Plan id with planning inputs (hanoi-2022-2025-appendix-1) or the inputs' id (hanoi-2022-2025-forecast)")),
    responses(
        (status = 200, description = "The forecast", body = ForecastReport),
        (status = 401, description = "Not logged in", body = crate::api::ErrorDto),
        (status = 403, description = "The role may not read plans (partner agencies)", body = crate::api::ErrorDto),
        (status = 404, description = "No such plan, or it has no planning inputs", body = crate::api::ErrorDto)
    )
)]
pub async fn forecast<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Json<ForecastReport>, ApiError> {
    auth.require(Action::ReadPlans)?;
    let (inputs, f) = plans::forecast_of(&app, &id, true)?;
    let s = |v: i128| v.to_string();
    Ok(Json(ForecastReport {
        id,
        years: inputs.years.clone(),
        lines: f
            .lines
            .iter()
            .map(|l| ForecastLineDto {
                policy: l.policy.clone(),
                year: l.year,
                source: l.source.clone(),
                units: l.units,
                per_unit_vnd: l.per_unit,
                amount_vnd: l.amount,
            })
            .collect(),
        by_year: f
            .by_year()
            .into_iter()
            .map(|(y, v)| (y.to_string(), s(v)))
            .collect(),
        by_source: f.by_source().into_iter().map(|(k, v)| (k, s(v))).collect(),
        by_policy: f.by_policy().into_iter().map(|(k, v)| (k, s(v))).collect(),
        total_vnd: s(f.total()),
        skipped: f.skipped.clone(),
        unconfirmed: f
            .caveats
            .iter()
            .map(|(k, v)| (k.clone(), caveats(v)))
            .collect(),
    }))
}

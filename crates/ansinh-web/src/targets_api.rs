//! The JSON API of reduction targets: `/api/targets` (the target files) and `/api/targets/{id}` (per unit
//! and measure, the plan's projection and, for the units in the user's reach, the progress observed in
//! the approved periodic rounds). Same reads and role checks as the pages ([`crate::targets_pages`]);
//! rates are exact decimals as strings (percent, 2 decimals).

use crate::routing::Router;
use crate::routing::get;
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use ansinh_domain::policy::Exact;

use crate::auth::{Action, Authorized};
use crate::error::ApiError;
use crate::targets_pages::{evaluate, plan_of};
use crate::{App, Backend};

/// Every route of this part of the API, as the OpenAPI document must list it.
pub const PATHS: &[&str] = &["/api/targets", "/api/targets/{id}"];

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route(PATHS[0], get(list::<S>))
        .route(PATHS[1], get(detail::<S>))
}

#[derive(OpenApi)]
#[openapi(
    paths(list, detail),
    components(schemas(
        TargetSummary,
        TargetReport,
        TargetUnitDto,
        TargetTrackDto,
        TargetYearDto
    ))
)]
pub struct TargetsApiDoc;

#[derive(Serialize, ToSchema)]
pub struct TargetSummary {
    pub id: String,
    pub title_vi: String,
    pub title_en: String,
    pub jurisdiction: String,
    pub years: Vec<i32>,
    pub units: usize,
    /// What the file holds that its source does not print.
    pub unconfirmed: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TargetYearDto {
    pub year: i32,
    pub planned_start: Option<i64>,
    pub planned_reduced: i64,
    pub planned_end: Option<i64>,
    pub planned_start_rate: Option<String>,
    pub planned_reduced_rate: Option<String>,
    pub planned_end_rate: Option<String>,
    /// The observed side: absent for a unit outside the user's reach.
    pub observed_start: Option<i64>,
    /// `rounds` (the approved rounds of the year before), `plan` (the file's start) or `unknown`.
    pub start_from: Option<String>,
    pub observed_end: Option<i64>,
    pub observed_reduced: Option<i64>,
    pub observed_end_rate: Option<String>,
    /// The target applied to the observed start.
    pub target_reduced: Option<i64>,
    /// `achieved`, `behind`, `partial` or `no_data`.
    pub status: Option<String>,
    /// The verdict in words (vi / en).
    pub status_vi: Option<String>,
    pub status_en: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TargetTrackDto {
    /// `poor`, `near_poor` or `poor_persons`.
    pub measure: String,
    pub base: Option<i64>,
    pub years: Vec<TargetYearDto>,
}

#[derive(Serialize, ToSchema)]
pub struct TargetUnitDto {
    pub code: String,
    pub label: String,
    /// The units it is the sum of.
    pub parts: Vec<String>,
    /// Whether the observed side is given (the unit lies in the user's units).
    pub in_reach: bool,
    pub tracks: Vec<TargetTrackDto>,
}

#[derive(Serialize, ToSchema)]
pub struct TargetReport {
    pub id: String,
    pub title_vi: String,
    pub title_en: String,
    pub source: String,
    pub unconfirmed: Vec<String>,
    pub units: Vec<TargetUnitDto>,
}

fn r(v: Option<Exact>) -> Option<String> {
    v.map(|x| x.to_decimal(2))
}

/// The reduction-target files.
#[utoipa::path(
    get,
    path = "/api/targets",
    responses(
        (status = 200, description = "The target files", body = [TargetSummary]),
        (status = 401, description = "Not logged in", body = crate::api::ErrorDto),
        (status = 403, description = "The role may not read plans (partner agencies)", body = crate::api::ErrorDto)
    )
)]
pub async fn list<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
) -> Result<Json<Vec<TargetSummary>>, ApiError> {
    auth.require(Action::ReadPlans)?;
    let plans = app.rules().targets().to_vec();
    Ok(Json(
        plans
            .into_iter()
            .map(|p| TargetSummary {
                units: p.units.len(),
                unconfirmed: p.caveats.iter().map(|c| c.note.clone()).collect(),
                id: p.id,
                title_vi: p.title_vi,
                title_en: p.title_en,
                jurisdiction: p.jurisdiction,
                years: p.years,
            })
            .collect(),
    ))
}

/// A target file's projection and progress.
#[utoipa::path(
    get,
    path = "/api/targets/{id}",
    params(("id" = String, Path, description = "Target file id, e.g. da-nang-2023")),
    responses(
        (status = 200, description = "Per unit and measure: the plan and what the approved rounds show", body = TargetReport),
        (status = 401, description = "Not logged in", body = crate::api::ErrorDto),
        (status = 403, description = "The role may not read plans (partner agencies)", body = crate::api::ErrorDto),
        (status = 404, description = "No such target file", body = crate::api::ErrorDto)
    )
)]
pub async fn detail<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Json<TargetReport>, ApiError> {
    auth.require(Action::ReadPlans)?;
    let plan = plan_of(&app, &id, true)?;
    let (prog, reach) = evaluate(&app, &auth, &plan).await?;
    let units = prog
        .iter()
        .map(|u| {
            let in_reach = reach.contains(&u.code);
            TargetUnitDto {
                code: u.code.clone(),
                label: u.label.clone(),
                parts: u.parts.clone(),
                in_reach,
                tracks: u
                    .tracks
                    .iter()
                    .map(|t| TargetTrackDto {
                        measure: t.measure.code().into(),
                        base: t.base,
                        years: t
                            .years
                            .iter()
                            .map(|a| {
                                let y = &a.planned;
                                let a = Some(a).filter(|_| in_reach);
                                TargetYearDto {
                                    year: y.year,
                                    planned_start: y.start,
                                    planned_reduced: y.reduced,
                                    planned_end: y.end,
                                    planned_start_rate: r(y.start_rate),
                                    planned_reduced_rate: r(y.reduced_rate),
                                    planned_end_rate: r(y.end_rate),
                                    observed_start: a.and_then(|a| a.start),
                                    start_from: a.map(|a| a.start_from.code().to_string()),
                                    observed_end: a.and_then(|a| a.end),
                                    observed_reduced: a.and_then(|a| a.reduced),
                                    observed_end_rate: a.and_then(|a| r(a.end_rate)),
                                    target_reduced: a.and_then(|a| a.target_reduced),
                                    status: a.map(|a| a.status.code().to_string()),
                                    status_vi: a.map(|a| a.status.vi()),
                                    status_en: a.map(|a| a.status.en()),
                                }
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Json(TargetReport {
        id: plan.id.clone(),
        title_vi: plan.title_vi.clone(),
        title_en: plan.title_en.clone(),
        source: plan.source.clone(),
        unconfirmed: plan.caveats.iter().map(|c| c.note.clone()).collect(),
        units,
    }))
}

//! The JSON API under `/api`: the same reads as the pages, through the same [`crate::auth::Scoped`]
//! checks, described by an OpenAPI document at `/api/openapi.json`. Authentication is the session
//! cookie for now. Citizen IDs leave the server masked.

use crate::routing::Router;
use crate::routing::get;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use ansinh_domain::registry::HouseholdId;
use ansinh_domain::{Outcome, explain};
use ansinh_store::batch_of;

use crate::analysis::{self, Overview};
use crate::auth::{Action, Authorized, today};
use crate::error::ApiError;
use crate::{App, Backend};

/// Every route of the API, as the OpenAPI document must list it (the tests check both ways).
pub const PATHS: &[&str] = &["/api/households", "/api/households/{id}", "/api/dashboard"];

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route(PATHS[0], get(search::<S>))
        .route(PATHS[1], get(household::<S>))
        .route(PATHS[2], get(dashboard::<S>))
        .route("/api/openapi.json", get(openapi))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ansinh API",
        description = "Registry of households for poverty reduction. Every answer is limited to the \
                       caller's administrative unit and what the caller's role may see."
    ),
    paths(search, household, dashboard),
    components(schemas(
        HouseholdSummary,
        HouseholdDetail,
        MemberDto,
        ClassificationDto,
        IndicatorDto,
        ErrorDto,
        Overview
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let json = ApiDoc::openapi()
        .merge_from(crate::api_edit::ApiEditDoc::openapi())
        .merge_from(crate::review_api::ReviewApiDoc::openapi())
        .merge_from(crate::plans_api::PlansApiDoc::openapi())
        .merge_from(crate::targets_api::TargetsApiDoc::openapi())
        .to_json()
        .map_err(|e| crate::WebError::Internal(format!("openapi: {e}")))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json,
    )
        .into_response())
}

/// An error: a stable code and a message in Vietnamese and English.
#[derive(Serialize, ToSchema)]
pub struct ErrorDto {
    pub code: String,
    pub message_vi: String,
    pub message_en: String,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdSummary {
    pub id: i64,
    pub code: String,
    pub unit_id: i64,
    pub head_name: String,
    pub address: String,
}

#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// Words of the head's name or the address; case and diacritics are ignored.
    pub q: String,
    /// At most this many results (1–500, default 50).
    pub limit: Option<u32>,
}

/// Households of the caller's units matching a search.
#[utoipa::path(
    get,
    path = "/api/households",
    params(SearchParams),
    responses(
        (status = 200, description = "Matching households, in Vietnamese order of the head's name", body = [HouseholdSummary]),
        (status = 401, description = "Not logged in", body = ErrorDto),
        (status = 403, description = "The role may not read households", body = ErrorDto)
    )
)]
pub async fn search<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Query(p): Query<SearchParams>,
) -> Result<Json<Vec<HouseholdSummary>>, ApiError> {
    auth.require(Action::ReadHouseholds)?;
    let limit = p.limit.unwrap_or(50).clamp(1, 500);
    let hits = auth.scoped(&app).search(&p.q, limit).await?;
    Ok(Json(
        hits.into_iter()
            .map(|h| HouseholdSummary {
                id: h.id.0,
                code: h.code.to_string(),
                unit_id: h.unit.0,
                head_name: h.head_name.to_string(),
                address: h.address.to_string(),
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct MemberDto {
    pub full_name: String,
    /// Relation code (`head`, `spouse`, `child`, …).
    pub relation: String,
    /// ISO date, when recorded.
    pub date_of_birth: Option<String>,
    pub sex: Option<String>,
    /// The citizen ID with all but its last three digits hidden.
    pub citizen_id_masked: Option<String>,
    /// Whether the membership is live (not ended).
    pub live: bool,
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorDto {
    pub id: String,
    /// `deprived`, `not_deprived` or `unknown`.
    pub outcome: String,
    /// Fields still needed when the outcome is unknown.
    pub missing: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ClassificationDto {
    pub standard_id: String,
    /// ISO date the data was taken as of.
    pub as_of: String,
    /// Class code, or `incomplete` when missing data could change it.
    pub class: String,
    pub deficit_count: u32,
    pub income_per_capita_vnd: Option<i64>,
    pub indicators: Vec<IndicatorDto>,
    pub explanation_vi: String,
    pub explanation_en: String,
    pub unconfirmed_points: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdDetail {
    pub id: i64,
    pub code: String,
    pub version: i64,
    pub deleted: bool,
    pub unit_id: i64,
    pub head_name: String,
    pub address: String,
    pub members: Vec<MemberDto>,
    /// The household classified now with the standard in force.
    pub classification: ClassificationDto,
}

/// One household of the caller's units, with its members and explained classification.
#[utoipa::path(
    get,
    path = "/api/households/{id}",
    params(("id" = i64, Path, description = "Household id")),
    responses(
        (status = 200, description = "The household", body = HouseholdDetail),
        (status = 401, description = "Not logged in", body = ErrorDto),
        (status = 403, description = "The role may not read households", body = ErrorDto),
        (status = 404, description = "No such household among the caller's units", body = ErrorDto)
    )
)]
pub async fn household<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Json<HouseholdDetail>, ApiError> {
    let scoped = auth.scoped(&app);
    let h = scoped.household(HouseholdId(id)).await?;
    let day = today(&app);
    let std = app.standard(day)?;
    let (_, batch) = batch_of(scoped.checked_store(), std::slice::from_ref(&h), day).await?;
    let e = explain(std, &batch, 0);
    let hh = &h.household;
    Ok(Json(HouseholdDetail {
        id: h.id.0,
        code: hh.code.to_string(),
        version: h.version,
        deleted: h.deleted,
        unit_id: hh.unit.0,
        head_name: hh.head_name.to_string(),
        address: hh.address.to_string(),
        members: h
            .members
            .iter()
            .map(|m| MemberDto {
                full_name: m.member.full_name.to_string(),
                relation: m.member.relation.code().to_string(),
                date_of_birth: m.member.date_of_birth.map(|d| d.to_string()),
                sex: m.member.sex.map(|s| s.code().to_string()),
                citizen_id_masked: m.member.citizen_id.as_ref().map(|c| c.masked()),
                live: m.member.end_date.is_none(),
            })
            .collect(),
        classification: ClassificationDto {
            standard_id: e.standard_id.clone(),
            as_of: day.to_string(),
            class: ansinh_store::class_code(e.class).to_string(),
            deficit_count: e.deficit_count,
            income_per_capita_vnd: e.income_per_capita.map(|v| v.round() as i64),
            indicators: e
                .indicators
                .iter()
                .map(|i| IndicatorDto {
                    id: i.id.clone(),
                    outcome: match &i.outcome {
                        Outcome::Deprived => "deprived",
                        Outcome::NotDeprived => "not_deprived",
                        Outcome::Unknown { .. } => "unknown",
                    }
                    .to_string(),
                    missing: match &i.outcome {
                        Outcome::Unknown { missing } => {
                            missing.iter().map(|s| s.to_string()).collect()
                        }
                        _ => Vec::new(),
                    },
                })
                .collect(),
            explanation_vi: e.text_vi.clone(),
            explanation_en: e.text_en.clone(),
            unconfirmed_points: e.caveats.clone(),
        },
    }))
}

/// Counts and rates of the caller's unit: now, by year of review, by indicator and by unit below.
#[utoipa::path(
    get,
    path = "/api/dashboard",
    responses(
        (status = 200, description = "The dashboard of the caller's unit", body = Overview),
        (status = 401, description = "Not logged in", body = ErrorDto)
    )
)]
pub async fn dashboard<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
) -> Result<Json<Overview>, ApiError> {
    auth.require(Action::Dashboard)?;
    let scoped = auth.scoped(&app);
    Ok(Json(analysis::overview(&app, &scoped, today(&app)).await?))
}

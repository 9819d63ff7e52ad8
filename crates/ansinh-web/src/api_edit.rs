//! The JSON API for changing the registry: the same operations as the edit pages and the import page,
//! through the same functions ([`crate::edit`], [`crate::transfer`]) and so the same checks. A write
//! carries the session's anti-forgery token in the `X-CSRF-Token` header (`GET /api/session` gives
//! it), checked by the write guard ([`crate::guard`]). Field values are given as the import file
//! would hold them (codes or labels, `dd/mm/yyyy` or ISO dates, numbers, booleans); a field left out
//! is "not recorded".

use std::collections::BTreeMap;

use crate::routing::Router;
use crate::routing::{get, post, put};
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use ansinh_domain::registry::{HouseholdId, MemberId};

use crate::auth::{Action, Authorized};
use crate::edit::{self, FieldIssue, Input, SaveError};
use crate::error::{ApiError, WebError};
use crate::transfer::{self, ImportReportDto, ImportSummaryDto, RowErrorDto, UploadError};
use crate::{App, Backend};

/// The API's writing routes (the document lists them; `crate::api::PATHS` has the reading ones).
pub const PATHS: &[&str] = &[
    "/api/session",
    "/api/households",
    "/api/households/{id}",
    "/api/households/{id}/members",
    "/api/households/{id}/members/{member_id}",
    "/api/households/{id}/members/{member_id}/end",
    "/api/import",
];

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route(PATHS[0], get(session))
        .route(PATHS[1], post(create_household::<S>))
        .route(PATHS[2], put(update_household::<S>))
        .route(PATHS[3], post(add_member::<S>))
        .route(PATHS[4], put(update_member::<S>))
        .route(PATHS[5], post(end_member::<S>))
        .route(
            PATHS[6],
            post(import::<S>).layer(axum::extract::DefaultBodyLimit::max(
                transfer::IMPORT_MAX_BYTES,
            )),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        session,
        create_household,
        update_household,
        add_member,
        update_member,
        end_member,
        import
    ),
    components(schemas(
        SessionDto,
        HouseholdWrite,
        NewHousehold,
        IncomeDto,
        MemberWrite,
        EndMembership,
        Saved,
        FieldsRefused,
        FieldIssue,
        StaleRefused,
        ImportReportDto,
        ImportSummaryDto,
        RowErrorDto,
        crate::api::ErrorDto
    ))
)]
pub struct ApiEditDoc;

// -------------------------------------------------------------------------------------------- DTOs

/// Who is logged in, and the token every write must carry in `X-CSRF-Token`.
#[derive(Serialize, ToSchema)]
pub struct SessionDto {
    pub username: String,
    /// `commune_officer`, `supervisor`, `partner` or `admin`.
    pub role: String,
    pub unit_id: Option<i64>,
    pub csrf_token: String,
    /// Whether the role may change households and import.
    pub can_edit: bool,
}

/// A recorded income.
#[derive(Deserialize, ToSchema)]
pub struct IncomeDto {
    /// `yyyy-mm-dd` or `dd/mm/yyyy`.
    pub recorded_on: String,
    pub monthly_income_vnd: i64,
    pub note: Option<String>,
}

/// A household's own data, replacing what is recorded.
#[derive(Deserialize, ToSchema)]
pub struct HouseholdWrite {
    /// The version read (`GET /api/households/{id}`); a save over a newer one is refused.
    pub version: i64,
    /// Why (required: it goes into the audit trail).
    pub reason: String,
    /// `household_code`, `unit_id`, `head_name`, `address`, `area`, `housing_quality`, `floor_area_m2`,
    /// `water_source`, `toilet`, `uses_telecom`, `has_info_device`, `hears_loudspeaker`,
    /// `uses_internet`, `uses_digital_services`, `waste_treated`.
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// Every income of the household; left out: the recorded incomes are kept.
    pub incomes: Option<Vec<IncomeDto>>,
}

/// A new household and its head.
#[derive(Deserialize, ToSchema)]
pub struct NewHousehold {
    /// As for [`HouseholdWrite`].
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// The head's `date_of_birth`, `sex`, `citizen_id` (the name is `head_name`).
    #[schema(value_type = Object)]
    #[serde(default)]
    pub head: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub incomes: Vec<IncomeDto>,
    /// A note for the audit trail.
    pub note: Option<String>,
}

/// A member's data, replacing what is recorded.
#[derive(Deserialize, ToSchema)]
pub struct MemberWrite {
    pub version: i64,
    /// Required to correct a member; optional to add one.
    pub reason: Option<String>,
    /// `full_name`, `relation`, `date_of_birth`, `sex`, `citizen_id`, `ethnicity`, `labour_status`,
    /// `has_health_insurance`, `education_level`, `attending_school`, `in_training`,
    /// `stunted_or_underweight`, `is_disabled`, `receives_social_allowance`, `sick_untreated`,
    /// `start_date`, `end_date`.
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// The end of a membership.
#[derive(Deserialize, ToSchema)]
pub struct EndMembership {
    pub version: i64,
    /// The first day the person is no longer a member.
    pub end_date: String,
    /// `died`, `moved_away`, `married_out`, `split_off` or `other`.
    pub end_kind: String,
    /// Required for `other`.
    pub note: Option<String>,
}

/// What was saved.
#[derive(Serialize, ToSchema)]
pub struct Saved {
    /// The household's (or the new member's) id.
    pub id: i64,
    /// The household's version now.
    pub version: i64,
}

/// Nothing was saved: problems with fields.
#[derive(Serialize, ToSchema)]
pub struct FieldsRefused {
    /// `WEB_INVALID_FIELDS`, or `REG_CITIZEN_ID_CONFLICT` when a person is a live member elsewhere.
    pub code: String,
    pub message_vi: String,
    pub message_en: String,
    pub fields: Vec<FieldIssue>,
}

/// Nothing was saved: someone else saved the household first.
#[derive(Serialize, ToSchema)]
pub struct StaleRefused {
    /// `REG_STALE_VERSION`.
    pub code: String,
    pub message_vi: String,
    pub message_en: String,
    pub current_version: i64,
    pub changed_by: Option<String>,
    /// RFC 3339.
    pub changed_at: Option<String>,
}

// ------------------------------------------------------------------------------------------ helpers

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn input_of(fields: &BTreeMap<String, serde_json::Value>, prefix: &str) -> Input {
    Input(
        fields
            .iter()
            .map(|(k, v)| {
                let k = if k == "unit_id" { "unit" } else { k.as_str() };
                (format!("{prefix}{k}"), text(v))
            })
            .collect(),
    )
}

fn add_incomes(input: &mut Input, incomes: &[IncomeDto]) {
    for (i, r) in incomes.iter().enumerate() {
        input.set(&format!("income_date_{i}"), r.recorded_on.clone());
        input.set(
            &format!("income_amount_{i}"),
            r.monthly_income_vnd.to_string(),
        );
        input.set(
            &format!("income_note_{i}"),
            r.note.clone().unwrap_or_default(),
        );
    }
}

/// A refused save as JSON: 422 for fields, 409 for a citizen-ID conflict or a stale version.
fn refused(e: SaveError) -> Response {
    match e {
        SaveError::Web(e) => ApiError(e).into_response(),
        SaveError::Fields(fields) => {
            let conflict = fields.iter().find(|f| f.code == "REG_CITIZEN_ID_CONFLICT");
            let (status, code, vi, en) = match conflict {
                Some(c) => (
                    StatusCode::CONFLICT,
                    c.code.clone(),
                    c.message_vi.clone(),
                    c.message_en.clone(),
                ),
                None => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "WEB_INVALID_FIELDS".into(),
                    crate::i18n::VI.not_saved_errors.into(),
                    crate::i18n::EN.not_saved_errors.into(),
                ),
            };
            let body = FieldsRefused {
                code,
                message_vi: vi,
                message_en: en,
                fields,
            };
            (status, Json(body)).into_response()
        }
        SaveError::Stale(st) => {
            let body = StaleRefused {
                code: st.error.code().into(),
                message_vi: st.error.message_vi(),
                message_en: st.error.message_en(),
                current_version: st.household.version,
                changed_by: st.by.clone(),
                changed_at: st.at.map(|a| a.to_rfc3339()),
            };
            (StatusCode::CONFLICT, Json(body)).into_response()
        }
    }
}

fn saved(status: StatusCode, id: i64, version: i64) -> Response {
    (status, Json(Saved { id, version })).into_response()
}

// ------------------------------------------------------------------------------------------ routes

/// The logged-in user and the anti-forgery token for writes.
#[utoipa::path(
    get,
    path = "/api/session",
    responses(
        (status = 200, description = "The session", body = SessionDto),
        (status = 401, description = "Not logged in", body = crate::api::ErrorDto)
    )
)]
pub async fn session(auth: Authorized) -> Json<SessionDto> {
    Json(SessionDto {
        username: auth.user.username.clone(),
        role: auth.user.role.code().into(),
        unit_id: auth.user.unit.map(|u| u.0),
        csrf_token: auth.csrf.clone(),
        can_edit: auth.scope.allows(Action::EditRegistry),
    })
}

/// Records a new household with its head, in a unit of the caller's.
#[utoipa::path(
    post,
    path = "/api/households",
    request_body = NewHousehold,
    params(("X-CSRF-Token" = String, Header, description = "The session's token")),
    responses(
        (status = 201, description = "Recorded (version 1)", body = Saved),
        (status = 403, description = "The role may not edit, or no token", body = crate::api::ErrorDto),
        (status = 409, description = "The head's citizen ID is a live member of another household", body = FieldsRefused),
        (status = 422, description = "Problems with fields; nothing recorded", body = FieldsRefused)
    )
)]
pub async fn create_household<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Json(body): Json<NewHousehold>,
) -> Result<Response, ApiError> {
    let mut input = input_of(&body.fields, "");
    input.0.extend(input_of(&body.head, "head_").0);
    add_incomes(&mut input, &body.incomes);
    if let Some(n) = &body.note {
        input.set("reason", n.clone());
    }
    Ok(match edit::create_household(&app, &auth, &input).await {
        Ok(h) => saved(StatusCode::CREATED, h.id.0, h.version),
        Err(e) => refused(e),
    })
}

/// Saves a household's own data over the version read.
#[utoipa::path(
    put,
    path = "/api/households/{id}",
    request_body = HouseholdWrite,
    params(
        ("id" = i64, Path, description = "Household id"),
        ("X-CSRF-Token" = String, Header, description = "The session's token")
    ),
    responses(
        (status = 200, description = "Saved", body = Saved),
        (status = 403, description = "The role may not edit, or no token", body = crate::api::ErrorDto),
        (status = 404, description = "No such household among the caller's units", body = crate::api::ErrorDto),
        (status = 409, description = "Someone saved first; nothing was saved", body = StaleRefused),
        (status = 422, description = "Problems with fields; nothing was saved", body = FieldsRefused)
    )
)]
pub async fn update_household<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Json(body): Json<HouseholdWrite>,
) -> Result<Response, ApiError> {
    let mut input = input_of(&body.fields, "");
    input.set("version", body.version.to_string());
    input.set("reason", body.reason.clone());
    if let Some(incomes) = &body.incomes {
        add_incomes(&mut input, incomes);
    }
    let keep = body.incomes.is_none();
    Ok(
        match edit::save_household(&app, &auth, HouseholdId(id), &input, keep).await {
            Ok(v) => saved(StatusCode::OK, id, v),
            Err(e) => refused(e),
        },
    )
}

/// Adds a member to a household over the version read.
#[utoipa::path(
    post,
    path = "/api/households/{id}/members",
    request_body = MemberWrite,
    params(
        ("id" = i64, Path, description = "Household id"),
        ("X-CSRF-Token" = String, Header, description = "The session's token")
    ),
    responses(
        (status = 201, description = "Added: the member's id and the household's version", body = Saved),
        (status = 404, description = "No such household among the caller's units", body = crate::api::ErrorDto),
        (status = 409, description = "Someone saved first, or the citizen ID is a live member elsewhere", body = FieldsRefused),
        (status = 422, description = "Problems with fields", body = FieldsRefused)
    )
)]
pub async fn add_member<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Json(body): Json<MemberWrite>,
) -> Result<Response, ApiError> {
    let mut input = input_of(&body.fields, "");
    input.set("version", body.version.to_string());
    input.set("reason", body.reason.clone().unwrap_or_default());
    Ok(
        match edit::add_member(&app, &auth, HouseholdId(id), &input).await {
            Ok((m, v)) => saved(StatusCode::CREATED, m.0, v),
            Err(e) => refused(e),
        },
    )
}

/// Saves a corrected member over the household's version read (a reason is required).
#[utoipa::path(
    put,
    path = "/api/households/{id}/members/{member_id}",
    request_body = MemberWrite,
    params(
        ("id" = i64, Path, description = "Household id"),
        ("member_id" = i64, Path, description = "Membership id"),
        ("X-CSRF-Token" = String, Header, description = "The session's token")
    ),
    responses(
        (status = 200, description = "Saved", body = Saved),
        (status = 404, description = "No such member among the caller's households", body = crate::api::ErrorDto),
        (status = 409, description = "Someone saved first, or the citizen ID is a live member elsewhere", body = StaleRefused),
        (status = 422, description = "Problems with fields", body = FieldsRefused)
    )
)]
pub async fn update_member<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, member)): Path<(i64, i64)>,
    Json(body): Json<MemberWrite>,
) -> Result<Response, ApiError> {
    let mut input = input_of(&body.fields, "");
    input.set("version", body.version.to_string());
    input.set("reason", body.reason.clone().unwrap_or_default());
    Ok(
        match edit::update_member(&app, &auth, HouseholdId(id), MemberId(member), &input).await {
            Ok(v) => saved(StatusCode::OK, member, v),
            Err(e) => refused(e),
        },
    )
}

/// Ends a membership (died, moved away, married out, …) over the household's version read.
#[utoipa::path(
    post,
    path = "/api/households/{id}/members/{member_id}/end",
    request_body = EndMembership,
    params(
        ("id" = i64, Path, description = "Household id"),
        ("member_id" = i64, Path, description = "Membership id"),
        ("X-CSRF-Token" = String, Header, description = "The session's token")
    ),
    responses(
        (status = 200, description = "Ended", body = Saved),
        (status = 404, description = "No such member among the caller's households", body = crate::api::ErrorDto),
        (status = 409, description = "Someone saved first", body = StaleRefused),
        (status = 422, description = "Problems with fields", body = FieldsRefused)
    )
)]
pub async fn end_member<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, member)): Path<(i64, i64)>,
    Json(body): Json<EndMembership>,
) -> Result<Response, ApiError> {
    let mut input = Input::default();
    input.set("version", body.version.to_string());
    input.set("end_date", body.end_date.clone());
    input.set("end_kind", body.end_kind.clone());
    input.set("reason", body.note.clone().unwrap_or_default());
    Ok(
        match edit::end_member(&app, &auth, HouseholdId(id), MemberId(member), &input).await {
            Ok(v) => saved(StatusCode::OK, member, v),
            Err(e) => refused(e),
        },
    )
}

/// Imports an XLSX or CSV file into the caller's units (multipart: `file`; `on_error` =
/// `reject_file` (default) or `take_valid`; `dry_run`). Rows for other units are rejected.
#[utoipa::path(
    post,
    path = "/api/import",
    request_body(content = String, content_type = "multipart/form-data", description = "Fields `file`, `on_error`, `dry_run`"),
    params(("X-CSRF-Token" = String, Header, description = "The session's token")),
    responses(
        (status = 200, description = "The report: counts, every rejected row, what was written", body = ImportReportDto),
        (status = 403, description = "The role may not import, or no token", body = crate::api::ErrorDto),
        (status = 413, description = "The file is too large", body = crate::api::ErrorDto),
        (status = 422, description = "The file could not be read as a registry table", body = crate::api::ErrorDto)
    )
)]
pub async fn import<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    mp: Multipart,
) -> Result<Response, ApiError> {
    auth.require(Action::EditRegistry)?;
    let t = (&crate::i18n::VI, &crate::i18n::EN);
    let error = |status: StatusCode, code: &str, vi: &str, en: &str| {
        let body = serde_json::json!({ "code": code, "message_vi": vi, "message_en": en });
        (status, Json(body)).into_response()
    };
    let form = match transfer::read_form(mp).await {
        Ok(f) => f,
        Err(UploadError::TooLarge) => {
            return Ok(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "WEB_TOO_LARGE",
                t.0.file_too_large,
                t.1.file_too_large,
            ));
        }
        Err(UploadError::Malformed(m)) => return Err(ApiError(WebError::BadRequest(m))),
    };
    let Some(file) = form.file else {
        return Ok(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "WEB_NO_FILE",
            t.0.file_missing,
            t.1.file_missing,
        ));
    };
    Ok(
        match transfer::run_import(&app, &auth, file, form.on_error, form.dry_run).await? {
            Ok(o) => Json(o.dto()).into_response(),
            Err(f) => error(StatusCode::UNPROCESSABLE_ENTITY, f.code, &f.vi, &f.en),
        },
    )
}

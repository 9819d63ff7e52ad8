//! The review (rà soát) in the JSON API: rounds, the list, forms (with scoring without saving), village
//! meetings, the posted list, complaints, approval, reopening, results and movement, through the same
//! operations and checks as the pages ([`crate::review`]). Writes take JSON bodies only (a form posted
//! from another site cannot send one, and the session cookie is SameSite=Strict). A refusal of the
//! review answers its stable code with the Vietnamese and English messages (409, or 422 for a form that
//! does not score); a round outside the caller's units is answered 404.

use std::collections::{BTreeMap, HashMap};

use crate::routing::Router;
use crate::routing::{get, post};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use ansinh_domain::registry::{HouseholdId, UnitId};
use ansinh_domain::review::{ComplaintOutcome, Participant, Role as MeetingRole, Stage};
use ansinh_store::StoredHousehold;
use ansinh_store::review::{
    RequestForm, RoundId, Snapshot, StoredComplaint, StoredForm, StoredRound,
};

use crate::api::ErrorDto;
use crate::auth::{Authorized, ReviewAccess, today};
use crate::error::{ApiError, WebError};
use crate::i18n::{EN, VI};
use crate::review::{self, FormDraft, MeetingDraft, refusal};
use crate::review_pages::{action_label, communes_under, periodic_by_year};
use crate::{App, Backend};

/// Every route of the review API, as the OpenAPI document lists it.
pub const PATHS: &[&str] = &[
    "/api/review/units/{unit}/rounds",
    "/api/review/units/{unit}/requests",
    "/api/review/units/{unit}/movement",
    "/api/review/rounds/{id}",
    "/api/review/rounds/{id}/events",
    "/api/review/rounds/{id}/advance",
    "/api/review/rounds/{id}/households",
    "/api/review/rounds/{id}/forms/{household}",
    "/api/review/rounds/{id}/forms/{household}/score",
    "/api/review/rounds/{id}/meetings",
    "/api/review/rounds/{id}/posting",
    "/api/review/rounds/{id}/complaints",
    "/api/review/rounds/{id}/complaints/{complaint}/resolve",
    "/api/review/rounds/{id}/approve",
    "/api/review/rounds/{id}/reopen",
    "/api/review/rounds/{id}/results",
];

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route(PATHS[0], get(rounds::<S>).post(open_round::<S>))
        .route(PATHS[1], post(open_request::<S>))
        .route(PATHS[2], get(movement::<S>))
        .route(PATHS[3], get(round::<S>))
        .route(PATHS[4], get(events::<S>))
        .route(PATHS[5], post(advance::<S>))
        .route(PATHS[6], get(households::<S>).post(add_households::<S>))
        .route(PATHS[7], get(form::<S>).put(save_form::<S>))
        .route(PATHS[8], post(score::<S>))
        .route(PATHS[9], get(meetings::<S>).post(record_meeting::<S>))
        .route(PATHS[10], get(posting::<S>))
        .route(PATHS[11], get(complaints::<S>).post(file_complaint::<S>))
        .route(PATHS[12], post(resolve_complaint::<S>))
        .route(PATHS[13], post(approve::<S>))
        .route(PATHS[14], post(reopen::<S>))
        .route(PATHS[15], get(results::<S>))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        rounds,
        open_round,
        open_request,
        movement,
        round,
        events,
        advance,
        households,
        add_households,
        form,
        save_form,
        score,
        meetings,
        record_meeting,
        posting,
        complaints,
        file_complaint,
        resolve_complaint,
        approve,
        reopen,
        results
    ),
    components(schemas(
        RoundDto,
        RequestDto,
        DeadlineDto,
        NextActionDto,
        OpenRoundBody,
        RequestBody,
        StepBody,
        ListBody,
        ListedDto,
        FormBody,
        ScoreDto,
        ScoreLineDto,
        QuickDto,
        FormDto,
        FormRevisionDto,
        MeetingBody,
        ParticipantDto,
        VoteDto,
        MeetingDto,
        VoteResultDto,
        PostingDto,
        PostedDto,
        ComplaintDto,
        ComplaintBody,
        ResolveBody,
        DateBody,
        ApprovedDto,
        ReopenBody,
        SnapshotDto,
        EntryDto,
        MovementDto,
        MovementRowDto,
        FlowDto,
        EventDto,
        CountDto,
        SavedDto
    ))
)]
pub struct ReviewApiDoc;

fn bad(vi: &str, en: &str) -> ApiError {
    ApiError(review::refused_text(
        "WEB_BAD_INPUT",
        vi.to_string(),
        en.to_string(),
    ))
}

fn day(s: &str, vi: &str, en: &str) -> Result<chrono::NaiveDate, ApiError> {
    Ok(review::date_field(Some(s), vi, en)?)
}

// ------------------------------------------------------------------------------------ rounds

#[derive(Serialize, ToSchema)]
pub struct RequestDto {
    pub household_id: i64,
    /// `form01` (to be recognised as poor or near-poor) or `form04` (out of poverty).
    pub form: String,
    /// `in_person`, `post` or `online`.
    pub channel: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineDto {
    /// `decision`, `posting_end`, `consultation_reply`.
    pub what: String,
    pub label_vi: String,
    pub label_en: String,
    /// ISO date.
    pub due: String,
    pub overdue: bool,
    /// Why the days count behind it is not confirmed, when it is not.
    pub unconfirmed: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NextActionDto {
    /// `add_to_list`, `close_list`, `save_form`, `finish_scoring`, `record_meeting`, `post`,
    /// `file_complaint`, `end_posting`, `resolve_complaint`, `close_complaints`,
    /// `record_consultation`, `approve`, `report`, `reopen`.
    pub code: String,
    pub label_vi: String,
    pub label_en: String,
    /// `commune` or `upper` (the district or province level).
    pub by: String,
    /// Whether the caller's role may do it.
    pub allowed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RoundDto {
    pub id: i64,
    pub unit_id: i64,
    /// `periodic` or `regular` (in-year).
    pub kind: String,
    pub year: i32,
    /// `listing`, `scoring`, `meeting`, `posting`, `complaints`, `consultation`, `decision`,
    /// `approved`, `reported`.
    pub stage: String,
    pub stage_vi: String,
    pub stage_en: String,
    pub locked: bool,
    pub standard_id: String,
    pub workflow_id: String,
    pub opened_on: String,
    pub review_start: String,
    pub posted_on: Option<String>,
    pub posting_until: Option<String>,
    pub meetings: u32,
    pub approvals: u32,
    pub reopenings: u32,
    pub version: i64,
    pub request: Option<RequestDto>,
    pub deadlines: Vec<DeadlineDto>,
    pub next_actions: Vec<NextActionDto>,
}

fn round_dto<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    r: &StoredRound,
) -> Result<RoundDto, ApiError> {
    let wf = app.review_rules().workflow(r)?;
    let scoped = auth.scoped(app);
    let on = today(app);
    Ok(RoundDto {
        id: r.id.0,
        unit_id: r.unit.0,
        kind: r.round.kind.code().into(),
        year: r.round.year,
        stage: r.round.stage.code().into(),
        stage_vi: r.round.stage.vi().into(),
        stage_en: r.round.stage.en().into(),
        locked: r.round.stage.is_locked(),
        standard_id: r.standard_id.clone(),
        workflow_id: r.workflow_id.clone(),
        opened_on: r.round.opened_on.to_string(),
        review_start: r.round.review_start.to_string(),
        posted_on: r.round.posted_on.map(|d| d.to_string()),
        posting_until: r.round.posting_until(wf).map(|d| d.to_string()),
        meetings: r.round.meetings,
        approvals: r.round.approvals,
        reopenings: r.round.reopenings,
        version: r.version,
        request: r.request.as_ref().map(|q| RequestDto {
            household_id: q.household.0,
            form: q.form.code().into(),
            channel: q.channel.clone(),
        }),
        deadlines: r
            .round
            .deadlines(wf)
            .iter()
            .map(|d| DeadlineDto {
                what: d.what.into(),
                label_vi: d.vi.into(),
                label_en: d.en.into(),
                due: d.due.to_string(),
                overdue: d.overdue(on),
                unconfirmed: d.unconfirmed.as_ref().map(|c| c.note.clone()),
            })
            .collect(),
        next_actions: review::next_actions(&r.round, wf)
            .into_iter()
            .map(|n| NextActionDto {
                code: n.code.into(),
                label_vi: action_label(&VI, n.code).into(),
                label_en: action_label(&EN, n.code).into(),
                by: match n.access {
                    ReviewAccess::Upper => "upper",
                    _ => "commune",
                }
                .into(),
                allowed: scoped.may_review(n.access)
                    && !(n.access == ReviewAccess::Upper && scoped.root() == Some(r.unit)),
            })
            .collect(),
    })
}

/// The review rounds of a commune, newest first.
#[utoipa::path(
    get,
    path = "/api/review/units/{unit}/rounds",
    params(("unit" = i64, Path, description = "Commune-level unit id")),
    responses(
        (status = 200, description = "The rounds", body = [RoundDto]),
        (status = 401, description = "Not logged in", body = ErrorDto),
        (status = 403, description = "The role may not see the review", body = ErrorDto),
        (status = 404, description = "No such commune among the caller's units", body = ErrorDto)
    )
)]
pub async fn rounds<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(unit): Path<i64>,
) -> Result<Json<Vec<RoundDto>>, ApiError> {
    let c = auth
        .scoped(&app)
        .review_commune(UnitId(unit), ReviewAccess::Read)
        .await?;
    let rs = app.store().review_rounds(c.id).await.map_err(refusal)?;
    let mut out = Vec::new();
    for r in rs.iter().rev() {
        out.push(round_dto(&app, &auth, r)?);
    }
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
pub struct OpenRoundBody {
    /// The review year (default: the year of `on`).
    pub year: Option<i32>,
    /// Opening date (ISO or dd/mm/yyyy), inside the periodic window.
    pub on: String,
    /// The standard (default: the one in force).
    pub standard_id: Option<String>,
    /// Put every live household of the commune on the list.
    pub list_all: Option<bool>,
}

/// Opens the periodic review round of a commune.
#[utoipa::path(
    post,
    path = "/api/review/units/{unit}/rounds",
    params(("unit" = i64, Path, description = "Commune-level unit id")),
    request_body = OpenRoundBody,
    responses(
        (status = 200, description = "The new round", body = RoundDto),
        (status = 403, description = "The role may not open rounds", body = ErrorDto),
        (status = 404, description = "No such commune among the caller's units", body = ErrorDto),
        (status = 409, description = "Refused (outside the window, …); nothing was written", body = ErrorDto),
        (status = 422, description = "A periodic round of that year exists, or bad input", body = ErrorDto)
    )
)]
pub async fn open_round<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(unit): Path<i64>,
    Json(b): Json<OpenRoundBody>,
) -> Result<Json<RoundDto>, ApiError> {
    let on = day(&b.on, "Ngày mở", "Opening date")?;
    let year = b.year.unwrap_or_else(|| chrono::Datelike::year(&on));
    let r = review::open_periodic(
        &app,
        &auth,
        UnitId(unit),
        year,
        on,
        b.standard_id.as_deref(),
        b.list_all.unwrap_or(false),
    )
    .await?;
    Ok(Json(round_dto(&app, &auth, &r)?))
}

#[derive(Deserialize, ToSchema)]
pub struct RequestBody {
    pub household_id: i64,
    /// `form01` or `form04`.
    pub form: String,
    /// `in_person` (default), `post`, `online`.
    pub channel: Option<String>,
    /// The day the request was received.
    pub received_on: String,
}

/// Records a household's in-year request: a regular round, its decision due within the workflow's
/// days from the review start.
#[utoipa::path(
    post,
    path = "/api/review/units/{unit}/requests",
    params(("unit" = i64, Path, description = "Commune-level unit id")),
    request_body = RequestBody,
    responses(
        (status = 200, description = "The new regular round", body = RoundDto),
        (status = 403, description = "The role may not record requests", body = ErrorDto),
        (status = 404, description = "No such commune or household among the caller's units", body = ErrorDto),
        (status = 422, description = "Bad input", body = ErrorDto)
    )
)]
pub async fn open_request<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(unit): Path<i64>,
    Json(b): Json<RequestBody>,
) -> Result<Json<RoundDto>, ApiError> {
    let on = day(&b.received_on, "Ngày nhận đơn", "Received on")?;
    let form = RequestForm::parse(&b.form).ok_or_else(|| {
        bad(
            "Mẫu đơn là form01 hoặc form04.",
            "The form is form01 or form04.",
        )
    })?;
    let r = review::open_request(
        &app,
        &auth,
        UnitId(unit),
        HouseholdId(b.household_id),
        form,
        b.channel.as_deref().unwrap_or("in_person"),
        on,
    )
    .await?;
    Ok(Json(round_dto(&app, &auth, &r)?))
}

/// One review round: its step, deadlines and the actions allowed next.
#[utoipa::path(
    get,
    path = "/api/review/rounds/{id}",
    params(("id" = i64, Path, description = "Round id")),
    responses(
        (status = 200, description = "The round", body = RoundDto),
        (status = 404, description = "No such round among the caller's units", body = ErrorDto)
    )
)]
pub async fn round<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Json<RoundDto>, ApiError> {
    let r = auth
        .scoped(&app)
        .round(RoundId(id), ReviewAccess::Read)
        .await?;
    Ok(Json(round_dto(&app, &auth, &r)?))
}

#[derive(Serialize, ToSchema)]
pub struct EventDto {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub on: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

/// The round's event log, oldest first (append-only).
#[utoipa::path(
    get,
    path = "/api/review/rounds/{id}/events",
    params(("id" = i64, Path, description = "Round id")),
    responses(
        (status = 200, description = "The events", body = [EventDto]),
        (status = 404, description = "No such round among the caller's units", body = ErrorDto)
    )
)]
pub async fn events<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Json<Vec<EventDto>>, ApiError> {
    let r = auth
        .scoped(&app)
        .round(RoundId(id), ReviewAccess::Read)
        .await?;
    Ok(Json(
        app.store()
            .round_events(r.id)
            .await
            .map_err(refusal)?
            .into_iter()
            .map(|e| EventDto {
                id: e.id,
                at: e.at.to_rfc3339(),
                actor: e.actor,
                action: e.action,
                from: e.from.map(|s| s.code().to_string()),
                to: e.to.map(|s| s.code().to_string()),
                on: e.on.to_string(),
                reason: e.reason,
                detail: e.detail,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct StepBody {
    /// `close_list`, `finish_scoring`, `post`, `end_posting`, `close_complaints`,
    /// `record_consultation` (upper level), `report`.
    pub step: String,
    pub on: String,
}

/// Completes the round's current step.
#[utoipa::path(
    post,
    path = "/api/review/rounds/{id}/advance",
    params(("id" = i64, Path, description = "Round id")),
    request_body = StepBody,
    responses(
        (status = 200, description = "The round after the step", body = RoundDto),
        (status = 403, description = "The role may not do this step", body = ErrorDto),
        (status = 404, description = "No such round among the caller's units", body = ErrorDto),
        (status = 409, description = "Refused (out of order, locked, posting not ended, …); nothing was written", body = ErrorDto)
    )
)]
pub async fn advance<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Json(b): Json<StepBody>,
) -> Result<Json<RoundDto>, ApiError> {
    let step =
        review::step_of(&b.step).ok_or_else(|| bad("Bước không hợp lệ.", "Unknown step."))?;
    let on = day(&b.on, "Ngày", "Date")?;
    let r = review::advance(&app, &auth, RoundId(id), step, on).await?;
    Ok(Json(round_dto(&app, &auth, &r)?))
}

// ---------------------------------------------------------------------------------- the list

#[derive(Serialize, ToSchema)]
pub struct ListedDto {
    pub household_id: i64,
    pub code: String,
    pub head_name: String,
    pub village: String,
    /// The latest form's revision, score and class, once scored.
    pub revision: Option<i64>,
    pub score_a: Option<i32>,
    pub score_b: Option<i32>,
    pub class: Option<String>,
}

/// The households on the round's list, by code, with their latest form.
#[utoipa::path(
    get,
    path = "/api/review/rounds/{id}/households",
    params(("id" = i64, Path, description = "Round id")),
    responses(
        (status = 200, description = "The list", body = [ListedDto]),
        (status = 404, description = "No such round among the caller's units", body = ErrorDto)
    )
)]
pub async fn households<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ListedDto>>, ApiError> {
    let r = auth
        .scoped(&app)
        .round(RoundId(id), ReviewAccess::Read)
        .await?;
    let store = app.store();
    let units = review::unit_names(store).await?;
    let all: HashMap<HouseholdId, StoredHousehold> = review::commune_households(store, r.unit)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let forms: HashMap<HouseholdId, StoredForm> = store
        .review_forms(r.id)
        .await
        .map_err(refusal)?
        .into_iter()
        .map(|f| (f.form.household, f))
        .collect();
    let mut out = Vec::new();
    for (h, code) in store.review_list(r.id).await.map_err(refusal)? {
        let hh = match all.get(&h) {
            Some(x) => x.clone(),
            None => store.household(h).await.map_err(WebError::from)?,
        };
        let f = forms.get(&h);
        out.push(ListedDto {
            household_id: h.0,
            code: code.to_string(),
            head_name: hh.household.head_name.to_string(),
            village: review::village_of(&hh, &units),
            revision: f.map(|f| f.revision),
            score_a: f.map(|f| f.form.score_a),
            score_b: f.map(|f| f.form.score_b),
            class: f.map(|f| f.form.class.code().to_string()),
        });
    }
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
pub struct ListBody {
    /// Households of the round's commune to add.
    pub household_ids: Option<Vec<i64>>,
    /// Add every live household of the commune not yet listed.
    pub all: Option<bool>,
    pub on: String,
}

#[derive(Serialize, ToSchema)]
pub struct CountDto {
    pub count: usize,
}

/// Adds households to the list (listing step only).
#[utoipa::path(
    post,
    path = "/api/review/rounds/{id}/households",
    params(("id" = i64, Path, description = "Round id")),
    request_body = ListBody,
    responses(
        (status = 200, description = "How many were added", body = CountDto),
        (status = 404, description = "No such round, or a household not of its commune", body = ErrorDto),
        (status = 409, description = "Refused (not the listing step, already listed); nothing was written", body = ErrorDto)
    )
)]
pub async fn add_households<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Json(b): Json<ListBody>,
) -> Result<Json<CountDto>, ApiError> {
    let on = day(&b.on, "Ngày", "Date")?;
    let ids: Vec<HouseholdId> = b
        .household_ids
        .unwrap_or_default()
        .into_iter()
        .map(HouseholdId)
        .collect();
    let count =
        review::add_to_list(&app, &auth, RoundId(id), &ids, b.all.unwrap_or(false), on).await?;
    Ok(Json(CountDto { count }))
}

// ------------------------------------------------------------------------------------- forms

#[derive(Deserialize, ToSchema)]
pub struct FormBody {
    pub surveyed_on: String,
    /// A region id of the scoring tables (e.g. `nt1`, `urban`).
    pub region: String,
    /// Characteristic id → option id (score A).
    pub answers: BTreeMap<String, String>,
    /// Indicator id of the standard → deprived (score B).
    pub deprived: BTreeMap<String, bool>,
    /// The quick screening form's criteria the household meets.
    pub quick_screen: Option<Vec<String>>,
}

impl FormBody {
    fn draft(&self) -> FormDraft {
        FormDraft {
            surveyed_on: review::parse_date(&self.surveyed_on),
            region: self.region.clone(),
            answers: self.answers.clone(),
            deprived: self.deprived.clone(),
            quick: self.quick_screen.clone().unwrap_or_default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ScoreLineDto {
    pub characteristic: String,
    pub option: String,
    pub points: i32,
}

#[derive(Serialize, ToSchema)]
pub struct QuickDto {
    pub met: usize,
    pub exclude_at: u32,
    /// Enough criteria met: not reviewed further.
    pub excluded: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ScoreDto {
    pub tables_id: String,
    /// The point tables are placeholders, not the official ones.
    pub placeholder: bool,
    pub base: i32,
    pub lines: Vec<ScoreLineDto>,
    pub score_a: i32,
    pub score_b: i32,
    pub deprived: Vec<String>,
    pub class: String,
    /// `poor`, `poor_income`, `poor_deprivation`, `near_poor`, `above_line`.
    pub path: String,
    pub explanation_vi: String,
    pub explanation_en: String,
    pub quick_screen: Option<QuickDto>,
    pub caveats: Vec<String>,
}

/// Scores a form as typed, without saving it.
#[utoipa::path(
    post,
    path = "/api/review/rounds/{id}/forms/{household}/score",
    params(("id" = i64, Path, description = "Round id"), ("household" = i64, Path, description = "Household id")),
    request_body = FormBody,
    responses(
        (status = 200, description = "The scores and the class they give", body = ScoreDto),
        (status = 404, description = "No such round, or the household is not on its list", body = ErrorDto),
        (status = 422, description = "The form does not score yet (an answer missing, …)", body = ErrorDto)
    )
)]
pub async fn score<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, household)): Path<(i64, i64)>,
    Json(b): Json<FormBody>,
) -> Result<Json<ScoreDto>, ApiError> {
    let r = auth
        .scoped(&app)
        .round(RoundId(id), ReviewAccess::Read)
        .await?;
    review::listed_household(&app, &auth, &r, HouseholdId(household)).await?;
    let (std, tables) = review::round_tables(&app, &r).await?;
    let s = review::score(tables, std, &b.draft());
    let res = s.result.map_err(|e| ApiError(review::refused(&e)))?;
    let quick = match s.quick {
        Some(Ok(q)) => Some(QuickDto {
            met: q.met,
            exclude_at: q.exclude_at,
            excluded: q.excluded,
        }),
        Some(Err(e)) => return Err(ApiError(review::refused(&e))),
        None => None,
    };
    Ok(Json(ScoreDto {
        tables_id: tables.id.clone(),
        placeholder: tables.placeholder,
        base: res.base,
        lines: res
            .lines
            .iter()
            .map(|l| ScoreLineDto {
                characteristic: l.characteristic.clone(),
                option: l.option.clone(),
                points: l.points,
            })
            .collect(),
        score_a: res.score_a,
        score_b: res.score_b,
        deprived: res.deprived.clone(),
        class: res.class.code().into(),
        path: res.path.into(),
        explanation_vi: res.text_vi.clone(),
        explanation_en: res.text_en.clone(),
        quick_screen: quick,
        caveats: res.caveats.iter().map(|c| c.to_string()).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct FormRevisionDto {
    pub revision: i64,
    pub surveyed_on: String,
    pub tables_id: String,
    pub placeholder: bool,
    pub region: String,
    pub answers: BTreeMap<String, String>,
    pub deprived: BTreeMap<String, bool>,
    pub quick_screen: Option<Vec<String>>,
    pub score_a: i32,
    pub score_b: i32,
    pub class: String,
    pub explanation_vi: String,
    pub explanation_en: String,
    pub actor: String,
}

#[derive(Serialize, ToSchema)]
pub struct FormDto {
    pub household_id: i64,
    pub code: String,
    /// Every revision, oldest first.
    pub revisions: Vec<FormRevisionDto>,
    /// The engine's class from the registry data (`incomplete` when data is missing), explained.
    pub engine_class: String,
    pub engine_explanation_vi: String,
    pub engine_explanation_en: String,
}

/// A listed household's form revisions and the engine's explained classification beside them.
#[utoipa::path(
    get,
    path = "/api/review/rounds/{id}/forms/{household}",
    params(("id" = i64, Path, description = "Round id"), ("household" = i64, Path, description = "Household id")),
    responses(
        (status = 200, description = "The form", body = FormDto),
        (status = 404, description = "No such round, or the household is not on its list", body = ErrorDto)
    )
)]
pub async fn form<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, household)): Path<(i64, i64)>,
) -> Result<Json<FormDto>, ApiError> {
    let r = auth
        .scoped(&app)
        .round(RoundId(id), ReviewAccess::Read)
        .await?;
    let h = review::listed_household(&app, &auth, &r, HouseholdId(household)).await?;
    let store = app.store();
    let revisions = store.form_revisions(r.id, h.id).await.map_err(refusal)?;
    let (std, _) = review::round_tables(&app, &r).await?;
    let as_of = revisions
        .last()
        .map_or_else(|| today(&app), |f| f.form.surveyed_on);
    let e = review::explain_household(store, std, &h, as_of).await?;
    Ok(Json(FormDto {
        household_id: h.id.0,
        code: h.household.code.to_string(),
        revisions: revisions
            .into_iter()
            .map(|f| FormRevisionDto {
                revision: f.revision,
                surveyed_on: f.form.surveyed_on.to_string(),
                tables_id: f.form.tables_id,
                placeholder: f.form.placeholder,
                region: f.form.income.region,
                answers: f.form.income.answers,
                deprived: f.form.deprivation.deprived,
                quick_screen: f.form.quick_screen.map(|q| q.met),
                score_a: f.form.score_a,
                score_b: f.form.score_b,
                class: f.form.class.code().into(),
                explanation_vi: f.form.explanation_vi,
                explanation_en: f.form.explanation_en,
                actor: f.actor,
            })
            .collect(),
        engine_class: e.class.map_or("incomplete", |c| c.code()).into(),
        engine_explanation_vi: e.text_vi,
        engine_explanation_en: e.text_en,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SavedDto {
    pub revision: i64,
}

/// Saves a new revision of a listed household's form (scoring step, or a re-survey during complaints).
#[utoipa::path(
    put,
    path = "/api/review/rounds/{id}/forms/{household}",
    params(("id" = i64, Path, description = "Round id"), ("household" = i64, Path, description = "Household id")),
    request_body = FormBody,
    responses(
        (status = 200, description = "The revision saved", body = SavedDto),
        (status = 403, description = "The role may not enter forms", body = ErrorDto),
        (status = 404, description = "No such round, or the household is not on its list", body = ErrorDto),
        (status = 409, description = "Refused (not editable at this step, locked); nothing was written", body = ErrorDto),
        (status = 422, description = "The form does not score (an answer missing, …)", body = ErrorDto)
    )
)]
pub async fn save_form<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, household)): Path<(i64, i64)>,
    Json(b): Json<FormBody>,
) -> Result<Json<SavedDto>, ApiError> {
    if review::parse_date(&b.surveyed_on).is_none() {
        return Err(bad(
            "Ngày rà soát: cần một ngày dạng dd/mm/yyyy",
            "Surveyed on: a date like dd/mm/yyyy is needed",
        ));
    }
    let rev =
        review::save_form(&app, &auth, RoundId(id), HouseholdId(household), &b.draft()).await?;
    Ok(Json(SavedDto { revision: rev }))
}

// ---------------------------------------------------------------------------------- meetings

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ParticipantDto {
    pub name: String,
    /// `chair`, `secretary`, `steering_committee`, `commune_officer`, `party_secretary`,
    /// `mass_organisation`, `reviewer`, `fatherland_front`, `household_representative`.
    pub role: String,
}

#[derive(Deserialize, ToSchema)]
pub struct VoteDto {
    pub household_id: i64,
    pub agree: u32,
    pub disagree: u32,
}

#[derive(Deserialize, ToSchema)]
pub struct MeetingBody {
    pub village: String,
    pub held_on: String,
    pub attendees: u32,
    pub participants: Vec<ParticipantDto>,
    /// A vote for every listed household not agreed yet.
    pub votes: Vec<VoteDto>,
}

#[derive(Serialize, ToSchema)]
pub struct VoteResultDto {
    pub household_id: i64,
    pub code: String,
    pub agree: u32,
    pub disagree: u32,
    /// At least the workflow's share of the attendees agreed.
    pub passed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MeetingDto {
    pub id: i64,
    pub village: String,
    pub held_on: String,
    pub attendees: u32,
    pub agreed: bool,
    pub participants: Vec<ParticipantDto>,
    pub votes: Vec<VoteResultDto>,
    pub minutes: String,
}

/// The round's village meetings, oldest first.
#[utoipa::path(
    get,
    path = "/api/review/rounds/{id}/meetings",
    params(("id" = i64, Path, description = "Round id")),
    responses(
        (status = 200, description = "The meetings", body = [MeetingDto]),
        (status = 404, description = "No such round among the caller's units", body = ErrorDto)
    )
)]
pub async fn meetings<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Json<Vec<MeetingDto>>, ApiError> {
    let r = auth
        .scoped(&app)
        .round(RoundId(id), ReviewAccess::Read)
        .await?;
    let wf = app.review_rules().workflow(&r)?;
    Ok(Json(
        app.store()
            .review_meetings(r.id)
            .await
            .map_err(refusal)?
            .into_iter()
            .map(|m| MeetingDto {
                id: m.id,
                village: m.meeting.village.clone(),
                held_on: m.meeting.held_on.to_string(),
                attendees: m.meeting.attendees,
                agreed: m.agreed,
                participants: m
                    .meeting
                    .participants
                    .iter()
                    .map(|p| ParticipantDto {
                        name: p.name.clone(),
                        role: p.role.code().into(),
                    })
                    .collect(),
                votes: m
                    .households
                    .iter()
                    .zip(&m.meeting.votes)
                    .map(|(h, v)| VoteResultDto {
                        household_id: h.0,
                        code: v.household.clone(),
                        agree: v.agree,
                        disagree: v.disagree,
                        passed: wf.passes(v.agree, m.meeting.attendees),
                    })
                    .collect(),
                minutes: m.minutes,
            })
            .collect(),
    ))
}

/// Records the village meeting: on to posting when every result was agreed, back to scoring otherwise.
#[utoipa::path(
    post,
    path = "/api/review/rounds/{id}/meetings",
    params(("id" = i64, Path, description = "Round id")),
    request_body = MeetingBody,
    responses(
        (status = 200, description = "The round after the meeting", body = RoundDto),
        (status = 404, description = "No such round, or a vote for a household not on its list", body = ErrorDto),
        (status = 409, description = "Refused (not the meeting step, no chair, votes missing, …); nothing was written", body = ErrorDto)
    )
)]
pub async fn record_meeting<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Json(b): Json<MeetingBody>,
) -> Result<Json<RoundDto>, ApiError> {
    let mut participants = Vec::new();
    for p in &b.participants {
        let role = MeetingRole::parse(&p.role).ok_or_else(|| {
            bad(
                "Vai trò người dự họp không hợp lệ.",
                "Unknown participant role.",
            )
        })?;
        participants.push(Participant {
            name: p.name.clone(),
            role,
        });
    }
    let draft = MeetingDraft {
        village: b.village.clone(),
        held_on: review::parse_date(&b.held_on),
        attendees: b.attendees,
        participants,
        votes: b
            .votes
            .iter()
            .map(|v| (HouseholdId(v.household_id), v.agree, v.disagree))
            .collect(),
    };
    let r = review::record_meeting(&app, &auth, RoundId(id), &draft).await?;
    Ok(Json(round_dto(&app, &auth, &r)?))
}

// ----------------------------------------------------------------------------------- posting

#[derive(Serialize, ToSchema)]
pub struct PostedDto {
    pub head_name: String,
    pub village: String,
    /// Class code; `None` when not scored yet.
    pub class: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PostingDto {
    pub posted_on: Option<String>,
    /// The last day of the posting period.
    pub until: Option<String>,
    /// Why the posting period's days count is not confirmed, when it is not.
    pub unconfirmed: Option<String>,
    /// The list to post: the head's name, the village and the class; nothing else.
    pub entries: Vec<PostedDto>,
}

/// The posting dates and the list to post (personal data minimised: no citizen ID, no date of birth).
#[utoipa::path(
    get,
    path = "/api/review/rounds/{id}/posting",
    params(("id" = i64, Path, description = "Round id")),
    responses(
        (status = 200, description = "The posting", body = PostingDto),
        (status = 404, description = "No such round among the caller's units", body = ErrorDto)
    )
)]
pub async fn posting<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Json<PostingDto>, ApiError> {
    let r = auth
        .scoped(&app)
        .round(RoundId(id), ReviewAccess::Read)
        .await?;
    let wf = app.review_rules().workflow(&r)?;
    Ok(Json(PostingDto {
        posted_on: r.round.posted_on.map(|d| d.to_string()),
        until: r.round.posting_until(wf).map(|d| d.to_string()),
        unconfirmed: wf.posting.unconfirmed.clone(),
        entries: review::posted_list(app.store(), &r)
            .await?
            .into_iter()
            .map(|p| PostedDto {
                head_name: p.head_name,
                village: p.village,
                class: p.class.map(|c| c.code().to_string()),
            })
            .collect(),
    }))
}

// -------------------------------------------------------------------------------- complaints

#[derive(Serialize, ToSchema)]
pub struct ComplaintDto {
    pub id: i64,
    pub household_id: Option<i64>,
    pub filed_on: String,
    pub text: String,
    pub due: String,
    pub overdue: bool,
    pub resolved_on: Option<String>,
    /// `upheld` or `rejected`.
    pub outcome: Option<String>,
    pub resolution: Option<String>,
}

fn complaint_dto(c: StoredComplaint, on: chrono::NaiveDate) -> ComplaintDto {
    ComplaintDto {
        id: c.id,
        household_id: c.household.map(|h| h.0),
        overdue: review::complaint_overdue(&c, on),
        filed_on: c.filed_on.to_string(),
        due: c.due.to_string(),
        resolved_on: c.resolved.as_ref().map(|r| r.0.to_string()),
        outcome: c.resolved.as_ref().map(|r| r.1.code().to_string()),
        resolution: c.resolved.map(|r| r.2),
        text: c.text,
    }
}

/// The round's complaints with their deadlines.
#[utoipa::path(
    get,
    path = "/api/review/rounds/{id}/complaints",
    params(("id" = i64, Path, description = "Round id")),
    responses(
        (status = 200, description = "The complaints", body = [ComplaintDto]),
        (status = 404, description = "No such round among the caller's units", body = ErrorDto)
    )
)]
pub async fn complaints<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ComplaintDto>>, ApiError> {
    let r = auth
        .scoped(&app)
        .round(RoundId(id), ReviewAccess::Read)
        .await?;
    let on = today(&app);
    Ok(Json(
        app.store()
            .complaints(r.id)
            .await
            .map_err(refusal)?
            .into_iter()
            .map(|c| complaint_dto(c, on))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ComplaintBody {
    /// The listed household it is about, if one.
    pub household_id: Option<i64>,
    pub filed_on: String,
    pub text: String,
}

/// Files a complaint (only while the results are posted).
#[utoipa::path(
    post,
    path = "/api/review/rounds/{id}/complaints",
    params(("id" = i64, Path, description = "Round id")),
    request_body = ComplaintBody,
    responses(
        (status = 200, description = "The complaints after filing", body = [ComplaintDto]),
        (status = 404, description = "No such round, or the household is not on its list", body = ErrorDto),
        (status = 409, description = "Refused (not posted, posting over, …); nothing was written", body = ErrorDto)
    )
)]
pub async fn file_complaint<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Json(b): Json<ComplaintBody>,
) -> Result<Json<Vec<ComplaintDto>>, ApiError> {
    let on = day(&b.filed_on, "Ngày nhận", "Filed on")?;
    review::file_complaint(
        &app,
        &auth,
        RoundId(id),
        b.household_id.map(HouseholdId),
        on,
        &b.text,
    )
    .await?;
    let t = today(&app);
    Ok(Json(
        app.store()
            .complaints(RoundId(id))
            .await
            .map_err(refusal)?
            .into_iter()
            .map(|c| complaint_dto(c, t))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ResolveBody {
    pub on: String,
    /// `upheld` or `rejected`.
    pub outcome: String,
    /// What was found (required).
    pub note: String,
}

/// Settles a complaint of the round.
#[utoipa::path(
    post,
    path = "/api/review/rounds/{id}/complaints/{complaint}/resolve",
    params(("id" = i64, Path, description = "Round id"), ("complaint" = i64, Path, description = "Complaint id")),
    request_body = ResolveBody,
    responses(
        (status = 200, description = "The complaints after the resolution", body = [ComplaintDto]),
        (status = 404, description = "No such round or complaint among the caller's units", body = ErrorDto),
        (status = 409, description = "Refused (resolved already, note missing, …); nothing was written", body = ErrorDto)
    )
)]
pub async fn resolve_complaint<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, complaint)): Path<(i64, i64)>,
    Json(b): Json<ResolveBody>,
) -> Result<Json<Vec<ComplaintDto>>, ApiError> {
    let on = day(&b.on, "Ngày giải quyết", "Resolved on")?;
    let outcome = ComplaintOutcome::parse(&b.outcome).ok_or_else(|| {
        bad(
            "Kết quả là upheld hoặc rejected.",
            "The outcome is upheld or rejected.",
        )
    })?;
    review::resolve_complaint(&app, &auth, RoundId(id), complaint, on, outcome, &b.note).await?;
    let t = today(&app);
    Ok(Json(
        app.store()
            .complaints(RoundId(id))
            .await
            .map_err(refusal)?
            .into_iter()
            .map(|c| complaint_dto(c, t))
            .collect(),
    ))
}

// ---------------------------------------------------------------------- approval and reopening

#[derive(Deserialize, ToSchema)]
pub struct DateBody {
    pub on: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApprovedDto {
    pub snapshot_id: i64,
    pub round: RoundDto,
}

/// The commune's decision: approves the results and stores the immutable snapshot.
#[utoipa::path(
    post,
    path = "/api/review/rounds/{id}/approve",
    params(("id" = i64, Path, description = "Round id")),
    request_body = DateBody,
    responses(
        (status = 200, description = "The snapshot taken", body = ApprovedDto),
        (status = 403, description = "The role may not approve", body = ErrorDto),
        (status = 404, description = "No such round among the caller's units", body = ErrorDto),
        (status = 409, description = "Refused (out of order: e.g. before the posting ended); nothing was written", body = ErrorDto)
    )
)]
pub async fn approve<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Json(b): Json<DateBody>,
) -> Result<Json<ApprovedDto>, ApiError> {
    let on = day(&b.on, "Ngày phê duyệt", "Approval date")?;
    let snapshot_id = review::approve(&app, &auth, RoundId(id), on).await?;
    let r = auth
        .scoped(&app)
        .round(RoundId(id), ReviewAccess::Read)
        .await?;
    Ok(Json(ApprovedDto {
        snapshot_id,
        round: round_dto(&app, &auth, &r)?,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ReopenBody {
    /// An earlier step of the round's workflow.
    pub to: String,
    pub on: String,
    /// Why (required; recorded in the event log and the audit trail).
    pub reason: Option<String>,
}

/// Reopens the round at an earlier step; earlier snapshots are kept.
#[utoipa::path(
    post,
    path = "/api/review/rounds/{id}/reopen",
    params(("id" = i64, Path, description = "Round id")),
    request_body = ReopenBody,
    responses(
        (status = 200, description = "The round reopened", body = RoundDto),
        (status = 404, description = "No such round among the caller's units", body = ErrorDto),
        (status = 409, description = "Refused (no reason, not an earlier step); nothing was written", body = ErrorDto)
    )
)]
pub async fn reopen<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Json(b): Json<ReopenBody>,
) -> Result<Json<RoundDto>, ApiError> {
    let to = Stage::parse(&b.to).ok_or_else(|| bad("Bước không hợp lệ.", "Unknown step."))?;
    let on = day(&b.on, "Ngày", "Date")?;
    let r = review::reopen(
        &app,
        &auth,
        RoundId(id),
        to,
        on,
        b.reason.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(round_dto(&app, &auth, &r)?))
}

// ----------------------------------------------------------------------------------- results

#[derive(Serialize, ToSchema)]
pub struct EntryDto {
    pub household_id: i64,
    pub code: String,
    pub unit_id: i64,
    pub class: String,
    /// `newly_poor`, `re_poor`, `escaped_poverty`, `remains_poor`, … .
    pub transition: String,
    pub transition_vi: String,
    pub transition_en: String,
    pub newly_escaped_until: Option<String>,
    pub score_a: Option<i32>,
    pub score_b: Option<i32>,
    pub deprived: Vec<String>,
    pub explanation_vi: String,
    pub explanation_en: String,
    pub caveats: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SnapshotDto {
    pub id: i64,
    pub seq: i64,
    pub approved_on: String,
    pub standard_id: String,
    pub actor: String,
    pub entries: Vec<EntryDto>,
}

fn snapshot_dto(s: Snapshot) -> SnapshotDto {
    SnapshotDto {
        id: s.id,
        seq: s.seq,
        approved_on: s.approved_on.to_string(),
        standard_id: s.standard_id,
        actor: s.actor,
        entries: s
            .entries
            .into_iter()
            .map(|e| {
                let t = ansinh_domain::review::Transition::parse(&e.transition);
                EntryDto {
                    household_id: e.household.0,
                    code: e.household_code.to_string(),
                    unit_id: e.unit.0,
                    class: e.class.code().into(),
                    transition_vi: t.map_or("", |t| t.vi()).into(),
                    transition_en: t.map_or("", |t| t.en()).into(),
                    transition: e.transition,
                    newly_escaped_until: e.newly_escaped_until.map(|d| d.to_string()),
                    score_a: e.score_a,
                    score_b: e.score_b,
                    deprived: e.deprived,
                    explanation_vi: e.explanation_vi,
                    explanation_en: e.explanation_en,
                    caveats: e.caveats,
                }
            })
            .collect(),
    }
}

/// The round's approved snapshots, oldest first (immutable).
#[utoipa::path(
    get,
    path = "/api/review/rounds/{id}/results",
    params(("id" = i64, Path, description = "Round id")),
    responses(
        (status = 200, description = "The snapshots", body = [SnapshotDto]),
        (status = 404, description = "No such round among the caller's units", body = ErrorDto)
    )
)]
pub async fn results<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Json<Vec<SnapshotDto>>, ApiError> {
    let r = auth
        .scoped(&app)
        .round(RoundId(id), ReviewAccess::Read)
        .await?;
    Ok(Json(
        app.store()
            .snapshots(r.id)
            .await
            .map_err(refusal)?
            .into_iter()
            .map(snapshot_dto)
            .collect(),
    ))
}

// ---------------------------------------------------------------------------------- movement

#[derive(Serialize, ToSchema)]
pub struct FlowDto {
    pub start: u64,
    pub dec_to_other_list: u64,
    pub dec_escaped: u64,
    pub dec_other: u64,
    pub inc_from_other_list: u64,
    pub inc_re: u64,
    pub inc_new: u64,
    pub inc_other: u64,
    pub end: u64,
}

impl From<&ansinh_domain::review::Flow> for FlowDto {
    fn from(f: &ansinh_domain::review::Flow) -> FlowDto {
        FlowDto {
            start: f.start,
            dec_to_other_list: f.dec_to_other_list,
            dec_escaped: f.dec_escaped,
            dec_other: f.dec_other,
            inc_from_other_list: f.inc_from_other_list,
            inc_re: f.inc_re,
            inc_new: f.inc_new,
            inc_other: f.inc_other,
            end: f.end,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MovementRowDto {
    /// The village (for a commune) or the commune (for a higher unit); empty for the total.
    pub unit: String,
    pub poor: FlowDto,
    pub near_poor: FlowDto,
}

#[derive(Serialize, ToSchema)]
pub struct MovementDto {
    pub from: i32,
    pub to: i32,
    pub rows: Vec<MovementRowDto>,
    pub total: MovementRowDto,
}

#[derive(Deserialize, IntoParams)]
pub struct MovementParams {
    /// The earlier year (default: the year before `to` with approved rounds).
    pub from: Option<i32>,
    /// The later year (default: the latest with approved rounds).
    pub to: Option<i32>,
}

/// The year-on-year movement of poor and near-poor households between the approved periodic rounds of
/// two years, for a commune (by village) or a higher unit (by commune): start + increases − decreases =
/// end in every row.
#[utoipa::path(
    get,
    path = "/api/review/units/{unit}/movement",
    params(("unit" = i64, Path, description = "Unit id"), MovementParams),
    responses(
        (status = 200, description = "The movement table", body = MovementDto),
        (status = 404, description = "No such unit among the caller's units", body = ErrorDto),
        (status = 422, description = "No approved rounds for those years", body = ErrorDto)
    )
)]
pub async fn movement<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(unit): Path<i64>,
    Query(q): Query<MovementParams>,
) -> Result<Json<MovementDto>, ApiError> {
    let (u, communes) = communes_under(&app, &auth, UnitId(unit)).await?;
    let store = app.store();
    let by = periodic_by_year(store, &communes).await?;
    let years: Vec<i32> = by.keys().copied().collect();
    let to = q.to.or_else(|| years.last().copied()).unwrap_or(0);
    let from = q
        .from
        .or_else(|| years.iter().rev().find(|y| **y < to).copied())
        .unwrap_or(0);
    let (Some(a), Some(b)) = (by.get(&from), by.get(&to)) else {
        return Err(bad(
            "Cần hai đợt rà soát định kỳ đã phê duyệt để so sánh.",
            "Two approved periodic rounds are needed to compare.",
        ));
    };
    let units = review::unit_names(store).await?;
    let all: Vec<_> = units.values().cloned().collect();
    let mut commune_of: HashMap<UnitId, String> = HashMap::new();
    for c in &communes {
        for id in review::subtree(&all, c.id) {
            commune_of.insert(id, c.unit.name.to_string());
        }
    }
    let is_commune = u.unit.kind.level() == 3;
    let label = |id: UnitId| -> String {
        if is_commune {
            units
                .get(&id)
                .map(|x| x.unit.name.to_string())
                .unwrap_or_default()
        } else {
            commune_of.get(&id).cloned().unwrap_or_default()
        }
    };
    let (rows, total) = review::movement(store, a, b, &label).await?;
    let dto = |r: &ansinh_domain::review::MovementRow| MovementRowDto {
        unit: r.unit.clone(),
        poor: (&r.poor).into(),
        near_poor: (&r.near_poor).into(),
    };
    Ok(Json(MovementDto {
        from,
        to,
        rows: rows.iter().map(dto).collect(),
        total: dto(&total),
    }))
}

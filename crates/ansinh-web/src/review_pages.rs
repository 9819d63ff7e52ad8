//! The review (rà soát) in the browser: the rounds of a unit, opening a periodic round or recording an
//! in-year request, the round page (step, deadlines, next actions, event log), its households and their
//! review forms (scores computed as the officer types, the engine's explanation beside them), the
//! village meeting and its printable minutes, the posted list, complaints, approval, reopening, the
//! approved results and the year-on-year movement. Every operation goes through [`crate::review`];
//! a refusal is shown on the page that asked, in the user's language, with its code.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::routing::Router;
use crate::routing::{get, post};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use ansinh_domain::registry::{HouseholdCode, HouseholdId, UnitId};
use ansinh_domain::review::round::Deadline;
use ansinh_domain::review::{
    ComplaintOutcome, Participant, Role as MeetingRole, RoundKind, Stage, Transition, Workflow,
};
use ansinh_domain::{Class, Outcome};
use ansinh_store::review::{RequestForm, RoundEvent, RoundId, StoredComplaint, StoredRound};
use ansinh_store::{StoredHousehold, StoredUnit};

use crate::auth::{Authorized, ReviewAccess, today};
use crate::error::WebError;
use crate::i18n::{Labels, Lang, date};
use crate::pages::{Frame, html};
use crate::review::{self, FormDraft, MeetingDraft, Scored, refusal};
use crate::{App, Backend};

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route("/review", get(index::<S>))
        .route("/review/units/{unit}", get(unit_rounds::<S>))
        .route("/review/units/{unit}/rounds", post(open_periodic::<S>))
        .route("/review/units/{unit}/requests", post(open_request::<S>))
        .route("/review/units/{unit}/movement", get(movement::<S>))
        .route("/review/rounds/{id}", get(round::<S>))
        .route("/review/rounds/{id}/advance", post(advance::<S>))
        .route("/review/rounds/{id}/approve", post(approve::<S>))
        .route("/review/rounds/{id}/reopen", post(reopen::<S>))
        .route(
            "/review/rounds/{id}/households",
            get(households::<S>).post(add_households::<S>),
        )
        .route(
            "/review/rounds/{id}/households/{hid}",
            get(form::<S>).post(save_form::<S>),
        )
        .route(
            "/review/rounds/{id}/households/{hid}/score",
            post(score::<S>),
        )
        .route(
            "/review/rounds/{id}/meeting",
            get(meeting::<S>).post(record_meeting::<S>),
        )
        .route(
            "/review/rounds/{id}/meetings/{mid}/minutes",
            get(minutes::<S>),
        )
        .route("/review/rounds/{id}/posting", get(posting::<S>))
        .route(
            "/review/rounds/{id}/complaints",
            get(complaints::<S>).post(file_complaint::<S>),
        )
        .route(
            "/review/rounds/{id}/complaints/{cid}/resolve",
            post(resolve_complaint::<S>),
        )
        .route("/review/rounds/{id}/results", get(results::<S>))
}

// ------------------------------------------------------------------------------------ helpers

/// A message at the top of a page: what was done, or why it was refused.
pub struct Flash {
    pub css: &'static str,
    pub text: String,
    pub code: &'static str,
}

fn refused_flash(e: &WebError, l: Lang) -> Flash {
    let (vi, en) = e.messages();
    Flash {
        css: "err",
        text: l.pick(&vi, &en).to_string(),
        code: e.code(),
    }
}

fn done_flash(ok: &Option<String>, l: Lang) -> Option<Flash> {
    ok.as_ref().map(|_| Flash {
        css: "ok",
        text: l.t().done.to_string(),
        code: "",
    })
}

#[derive(Deserialize, Default)]
pub struct OkQuery {
    ok: Option<String>,
}

fn done(path: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{sep}ok=1")).into_response()
}

fn with_status(status: StatusCode, r: Response) -> Response {
    (status, r).into_response()
}

/// A date as a date field shows it: dd/mm/yyyy (the fields also take yyyy-mm-dd).
fn iso(d: NaiveDate) -> String {
    date(d)
}

fn class_label(c: Option<Class>, l: Lang) -> String {
    match c {
        Some(c) => l.pick(c.vi(), c.en()).to_string(),
        None => l.t().not_scored.to_string(),
    }
}

fn class_code(c: Option<Class>) -> &'static str {
    c.map_or("", Class::code)
}

fn stage_label(s: Stage, l: Lang) -> String {
    l.pick(s.vi(), s.en()).to_string()
}

/// The text with its first letter in upper case.
pub(crate) fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// An event's detail for people: `key: value` pairs.
fn detail_text(d: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(d) {
        Ok(serde_json::Value::Object(m)) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => d.to_string(),
    }
}

pub(crate) fn kind_label(k: RoundKind, l: Lang) -> String {
    l.pick(k.vi(), k.en()).to_string()
}

/// The label of a next action or an event code.
pub fn action_label(t: &'static Labels, code: &str) -> &'static str {
    match code {
        "add_to_list" => t.ac_add_to_list,
        "close_list" => t.ac_close_list,
        "save_form" => t.ac_save_form,
        "finish_scoring" => t.ac_finish_scoring,
        "record_meeting" => t.ac_record_meeting,
        "post" => t.ac_post,
        "file_complaint" => t.ac_file_complaint,
        "end_posting" => t.ac_end_posting,
        "resolve_complaint" => t.ac_resolve_complaint,
        "close_complaints" => t.ac_close_complaints,
        "record_consultation" => t.ac_record_consultation,
        "approve" => t.ac_approve,
        "report" => t.ac_report,
        "reopen" => t.ac_reopen,
        "open" => t.ev_open,
        "list_add" => t.ev_list_add,
        "form" => t.ev_form,
        "complaint" => t.ev_complaint,
        _ => "",
    }
}

fn transition_label(code: &str, l: Lang) -> String {
    Transition::parse(code).map_or_else(|| code.to_string(), |t| l.pick(t.vi(), t.en()).to_string())
}

fn form_label(f: RequestForm, t: &Labels) -> &'static str {
    match f {
        RequestForm::Form01 => t.form01,
        RequestForm::Form04 => t.form04,
    }
}

fn channel_label(c: &str, t: &Labels) -> &'static str {
    match c {
        "post" => t.ch_post,
        "online" => t.ch_online,
        _ => t.ch_in_person,
    }
}

pub struct DeadlineView {
    label: String,
    due: String,
    overdue: bool,
    unconfirmed: bool,
}

fn deadline_views(ds: &[Deadline], l: Lang, today: NaiveDate) -> Vec<DeadlineView> {
    ds.iter()
        .map(|d| DeadlineView {
            label: l.pick(d.vi, d.en).to_string(),
            due: date(d.due),
            overdue: d.overdue(today),
            unconfirmed: d.unconfirmed.is_some(),
        })
        .collect()
}

/// The title line and links every round page shows.
pub struct RoundHead {
    id: i64,
    title: String,
    unit_name: String,
    unit_href: String,
    stage: String,
    stage_code: &'static str,
    locked: bool,
    has_results: bool,
}

async fn head<S: Backend>(app: &App<S>, r: &StoredRound, l: Lang) -> Result<RoundHead, WebError> {
    let unit = app.store().unit(r.unit).await?;
    let approvals = r.round.approvals;
    Ok(RoundHead {
        id: r.id.0,
        title: format!(
            "{} {} — {}",
            capitalised(&kind_label(r.round.kind, l)),
            r.round.year,
            unit.unit.name
        ),
        unit_name: unit.unit.name.to_string(),
        unit_href: format!("/review/units/{}", r.unit.0),
        stage: stage_label(r.round.stage, l),
        stage_code: r.round.stage.code(),
        locked: r.round.stage.is_locked(),
        has_results: approvals > 0,
    })
}

async fn load_round<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    id: i64,
) -> Result<(StoredRound, Workflow), WebError> {
    let r = auth
        .scoped(app)
        .round(RoundId(id), ReviewAccess::Read)
        .await?;
    let wf = app.review_rules().workflow(&r)?.clone();
    Ok((r, wf))
}

// -------------------------------------------------------------------------------------- index

struct CommuneRow {
    name: String,
    href: String,
    rounds: Vec<RoundRow>,
    latest: String,
    awaiting_upper: bool,
    overdue: bool,
}

pub struct RoundRow {
    href: String,
    kind: String,
    year: i32,
    stage: String,
    stage_code: &'static str,
    opened: String,
    subject: String,
    deadlines: Vec<DeadlineView>,
}

async fn round_rows<S: Backend>(
    app: &App<S>,
    rounds: &[StoredRound],
    l: Lang,
) -> Result<Vec<RoundRow>, WebError> {
    let rules = app.review_rules();
    let day = today(app);
    let mut out = Vec::new();
    for r in rounds.iter().rev() {
        let wf = rules.workflow(r)?;
        let subject = match &r.request {
            Some(q) => match app.store().household(q.household).await {
                Ok(h) => format!(
                    "{} ({}) — {}",
                    h.household.head_name,
                    h.household.code,
                    form_label(q.form, l.t())
                ),
                Err(_) => String::new(),
            },
            None => String::new(),
        };
        out.push(RoundRow {
            href: format!("/review/rounds/{}", r.id.0),
            kind: capitalised(&kind_label(r.round.kind, l)),
            year: r.round.year,
            stage: stage_label(r.round.stage, l),
            stage_code: r.round.stage.code(),
            opened: date(r.round.opened_on),
            subject,
            deadlines: deadline_views(&r.round.deadlines(wf), l, day),
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "review/index.html")]
struct IndexPage {
    f: Frame,
    communes: Vec<CommuneRow>,
    movement_href: Option<String>,
}

pub async fn index<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let scoped = auth.scoped(&app);
    let mut communes = Vec::new();
    for c in scoped.review_communes().await? {
        let rounds = app.store().review_rounds(c.id).await.map_err(refusal)?;
        let rows = round_rows(&app, &rounds, l).await?;
        let mut latest = String::new();
        for r in rounds.iter().rev() {
            if r.round.kind == RoundKind::Periodic
                && let Some((poor, near, n)) = review::approved_counts(app.store(), r).await?
            {
                latest = format!(
                    "{}: {} {}, {} {} ({} {})",
                    r.round.year,
                    l.int(poor as i64),
                    l.t().poor.to_lowercase(),
                    l.int(near as i64),
                    l.t().near_poor.to_lowercase(),
                    l.int(n as i64),
                    l.t().reviewed_households
                );
                break;
            }
        }
        communes.push(CommuneRow {
            name: c.unit.name.to_string(),
            href: format!("/review/units/{}", c.id.0),
            awaiting_upper: rounds.iter().any(|r| r.round.stage == Stage::Consultation),
            overdue: rows.iter().any(|r| r.deadlines.iter().any(|d| d.overdue)),
            rounds: rows,
            latest,
        });
    }
    let movement_href = scoped
        .root()
        .map(|r| format!("/review/units/{}/movement", r.0));
    Ok(html(&IndexPage {
        f: Frame::of(&auth),
        communes,
        movement_href,
    }))
}

// --------------------------------------------------------------------------------- unit rounds

#[derive(Template)]
#[template(path = "review/unit.html")]
struct UnitPage {
    f: Frame,
    flash: Option<Flash>,
    unit_id: i64,
    unit_name: String,
    rounds: Vec<RoundRow>,
    can_open: bool,
    window: String,
    decision_days: String,
    start_day: u32,
    today: String,
    year: i32,
}

async fn unit_page<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    unit: i64,
    flash: Option<Flash>,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let scoped = auth.scoped(app);
    let c = scoped
        .review_commune(UnitId(unit), ReviewAccess::Read)
        .await?;
    let rounds = app.store().review_rounds(c.id).await.map_err(refusal)?;
    let day = today(app);
    let wf = app.review_rules().workflow_on(day)?;
    let (ws, we) = wf.window(chrono::Datelike::year(&day));
    Ok(html(&UnitPage {
        flash,
        unit_id: c.id.0,
        unit_name: c.unit.name.to_string(),
        rounds: round_rows(app, &rounds, l).await?,
        can_open: scoped.may_review(ReviewAccess::Commune),
        window: format!("{} – {}", ws.format("%d/%m"), we.format("%d/%m")),
        decision_days: l
            .pick(
                &wf.decision_days.describe_vi(),
                &wf.decision_days.describe_en(),
            )
            .to_string(),
        start_day: wf.regular_start_day,
        today: iso(day),
        year: chrono::Datelike::year(&day),
        f: Frame::of(auth),
    }))
}

pub async fn unit_rounds<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(unit): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    unit_page(&app, &auth, unit, done_flash(&q.ok, auth.lang)).await
}

#[derive(Deserialize)]
pub struct OpenForm {
    year: Option<String>,
    on: Option<String>,
    standard: Option<String>,
    list_all: Option<String>,
}

pub async fn open_periodic<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(unit): Path<i64>,
    Form(f): Form<OpenForm>,
) -> Result<Response, WebError> {
    let res = async {
        let on = review::date_field(f.on.as_deref(), "Ngày mở", "Opening date")?;
        let year = match f.year.as_deref().map(str::trim) {
            Some(y) if !y.is_empty() => y.parse::<i32>().map_err(|_| {
                review::refused_text(
                    "WEB_BAD_INPUT",
                    "Năm: cần một số như 2026".into(),
                    "Year: a number such as 2026 is needed".into(),
                )
            })?,
            _ => chrono::Datelike::year(&on),
        };
        review::open_periodic(
            &app,
            &auth,
            UnitId(unit),
            year,
            on,
            f.standard.as_deref(),
            f.list_all.is_some(),
        )
        .await
    }
    .await;
    match res {
        Ok(r) => Ok(done(&format!("/review/rounds/{}", r.id.0))),
        Err(e) if review::is_refusal(&e) => Ok(with_status(
            e.status(),
            unit_page(&app, &auth, unit, Some(refused_flash(&e, auth.lang))).await?,
        )),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct RequestFormFields {
    household_code: String,
    form: String,
    channel: Option<String>,
    received_on: Option<String>,
}

pub async fn open_request<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(unit): Path<i64>,
    Form(f): Form<RequestFormFields>,
) -> Result<Response, WebError> {
    let res = async {
        let on = review::date_field(f.received_on.as_deref(), "Ngày nhận đơn", "Received on")?;
        let form = RequestForm::parse(&f.form).unwrap_or(RequestForm::Form01);
        let not_found = || {
            review::refused_text(
                "WEB_HOUSEHOLD_NOT_FOUND",
                crate::i18n::VI.household_not_found.into(),
                crate::i18n::EN.household_not_found.into(),
            )
        };
        let code = HouseholdCode::parse(f.household_code.trim()).map_err(|_| not_found())?;
        let h = app
            .store()
            .household_by_code(&code)
            .await
            .map_err(|_| not_found())?;
        match review::open_request(
            &app,
            &auth,
            UnitId(unit),
            h.id,
            form,
            f.channel.as_deref().unwrap_or("in_person"),
            on,
        )
        .await
        {
            // A household of another commune is not told apart from one that does not exist.
            Err(WebError::NotFound { .. }) => {
                auth.scoped(&app)
                    .review_commune(UnitId(unit), ReviewAccess::Commune)
                    .await?;
                Err(not_found())
            }
            other => other,
        }
    }
    .await;
    match res {
        Ok(r) => Ok(done(&format!("/review/rounds/{}", r.id.0))),
        Err(e) if review::is_refusal(&e) => Ok(with_status(
            e.status(),
            unit_page(&app, &auth, unit, Some(refused_flash(&e, auth.lang))).await?,
        )),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------- round page

pub struct StepView {
    label: String,
    css: &'static str,
}

pub struct ActionView {
    code: &'static str,
    label: &'static str,
    /// `step` (a button), `link`, `approve`, `reopen`.
    kind: &'static str,
    href: String,
    allowed: bool,
    upper: bool,
}

pub struct EventView {
    on: String,
    at: String,
    actor: String,
    action: String,
    change: String,
    reason: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "review/round.html")]
struct RoundPage {
    f: Frame,
    flash: Option<Flash>,
    h: RoundHead,
    standard: String,
    workflow: String,
    steps: Vec<StepView>,
    deadlines: Vec<DeadlineView>,
    request: Option<Vec<(String, String)>>,
    counts: Vec<(String, String)>,
    actions: Vec<ActionView>,
    reopen_targets: Vec<(&'static str, String)>,
    events: Vec<EventView>,
    today: String,
    posting_until: Option<String>,
}

fn event_view(e: &RoundEvent, l: Lang) -> EventView {
    let t = l.t();
    let change = match (e.from, e.to) {
        (Some(a), Some(b)) if a != b => format!("{} → {}", stage_label(a, l), stage_label(b, l)),
        (None, Some(b)) => format!("→ {}", stage_label(b, l)),
        _ => String::new(),
    };
    let label = action_label(t, &e.action);
    EventView {
        on: date(e.on),
        at: e.at.format("%d/%m/%Y %H:%M").to_string(),
        actor: e.actor.clone(),
        action: if label.is_empty() {
            e.action.clone()
        } else {
            label.to_string()
        },
        change,
        reason: e.reason.clone().unwrap_or_default(),
        detail: e.detail.as_deref().map(detail_text).unwrap_or_default(),
    }
}

async fn round_page<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    id: i64,
    flash: Option<Flash>,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let t = l.t();
    let (r, wf) = load_round(app, auth, id).await?;
    let scoped = auth.scoped(app);
    let store = app.store();
    let day = today(app);
    let h = head(app, &r, l).await?;
    let mut all_steps: Vec<Stage> = wf.steps(r.round.kind).to_vec();
    all_steps.push(Stage::Approved);
    all_steps.push(Stage::Reported);
    let steps = all_steps
        .into_iter()
        .map(|s| StepView {
            label: stage_label(s, l),
            css: if s == r.round.stage {
                "current"
            } else if s < r.round.stage {
                "done"
            } else {
                ""
            },
        })
        .collect();
    let request = match &r.request {
        Some(q) => {
            let who = match store.household(q.household).await {
                Ok(h) => format!("{} ({})", h.household.head_name, h.household.code),
                Err(_) => String::new(),
            };
            Some(vec![
                (t.head_name.to_string(), who),
                (
                    t.request_form.to_string(),
                    form_label(q.form, t).to_string(),
                ),
                (
                    t.channel.to_string(),
                    channel_label(&q.channel, t).to_string(),
                ),
                (t.received_on.to_string(), date(r.round.opened_on)),
                (t.review_start.to_string(), date(r.round.review_start)),
            ])
        }
        None => None,
    };
    let listed = store.review_list(r.id).await.map_err(refusal)?.len();
    let scored = store.review_forms(r.id).await.map_err(refusal)?.len();
    let open_complaints = store
        .complaints(r.id)
        .await
        .map_err(refusal)?
        .iter()
        .filter(|c| c.resolved.is_none())
        .count();
    let counts = vec![
        (t.listed.to_string(), l.int(listed as i64)),
        (t.scored.to_string(), l.int(scored as i64)),
        (t.meetings.to_string(), l.int(i64::from(r.round.meetings))),
        (t.open_complaints.to_string(), l.int(open_complaints as i64)),
        (t.approvals.to_string(), l.int(i64::from(r.round.approvals))),
        (
            t.reopenings.to_string(),
            l.int(i64::from(r.round.reopenings)),
        ),
    ];
    let base = format!("/review/rounds/{}", r.id.0);
    let actions = review::next_actions(&r.round, &wf)
        .into_iter()
        .map(|n| {
            let (kind, href) = match n.code {
                "add_to_list" | "save_form" => ("link", format!("{base}/households")),
                "record_meeting" => ("link", format!("{base}/meeting")),
                "file_complaint" | "resolve_complaint" => ("link", format!("{base}/complaints")),
                "approve" => ("approve", format!("{base}/approve")),
                "reopen" => ("reopen", format!("{base}/reopen")),
                _ => ("step", format!("{base}/advance")),
            };
            ActionView {
                code: n.code,
                label: action_label(t, n.code),
                kind,
                href,
                allowed: scoped.may_review(n.access)
                    && !(n.access == ReviewAccess::Upper && scoped.root() == Some(r.unit)),
                upper: n.access == ReviewAccess::Upper,
            }
        })
        .collect();
    let reopen_targets = review::reopen_targets(&r.round, &wf)
        .map(|s| (s.code(), stage_label(s, l)))
        .collect();
    let mut events: Vec<EventView> = store
        .round_events(r.id)
        .await
        .map_err(refusal)?
        .iter()
        .map(|e| event_view(e, l))
        .collect();
    events.reverse();
    let std_name = app
        .standards()
        .get(&r.standard_id)
        .map(|s| format!("{} ({})", l.pick(&s.name_vi, &s.name_en), s.id))
        .unwrap_or_else(|| r.standard_id.clone());
    Ok(html(&RoundPage {
        flash,
        standard: std_name,
        workflow: l.pick(&wf.name_vi, &wf.name_en).to_string(),
        steps,
        deadlines: deadline_views(&r.round.deadlines(&wf), l, day),
        request,
        counts,
        actions,
        reopen_targets,
        events,
        today: iso(day),
        posting_until: r.round.posting_until(&wf).map(date),
        h,
        f: Frame::of(auth),
    }))
}

pub async fn round<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    round_page(&app, &auth, id, done_flash(&q.ok, auth.lang)).await
}

/// Answers a POST on a round: back to `page` when done, else the round page with the refusal.
async fn after<S: Backend, T>(
    app: &App<S>,
    auth: &Authorized,
    id: i64,
    page: &str,
    res: Result<T, WebError>,
) -> Result<Response, WebError> {
    match res {
        Ok(_) => Ok(done(page)),
        Err(e) if review::is_refusal(&e) => Ok(with_status(
            e.status(),
            round_page(app, auth, id, Some(refused_flash(&e, auth.lang))).await?,
        )),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct StepForm {
    step: String,
    on: Option<String>,
}

pub async fn advance<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let res = async {
        let step = review::step_of(&f.step).ok_or_else(|| {
            review::refused_text(
                "WEB_BAD_INPUT",
                format!("bước không hợp lệ `{}`", f.step),
                format!("unknown step `{}`", f.step),
            )
        })?;
        let on = review::date_field(f.on.as_deref(), "Ngày", "Date")?;
        review::advance(&app, &auth, RoundId(id), step, on).await
    }
    .await;
    after(&app, &auth, id, &format!("/review/rounds/{id}"), res).await
}

#[derive(Deserialize)]
pub struct DateForm {
    on: Option<String>,
}

pub async fn approve<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Form(f): Form<DateForm>,
) -> Result<Response, WebError> {
    let res = async {
        let on = review::date_field(f.on.as_deref(), "Ngày phê duyệt", "Approval date")?;
        review::approve(&app, &auth, RoundId(id), on).await
    }
    .await;
    after(
        &app,
        &auth,
        id,
        &format!("/review/rounds/{id}/results"),
        res,
    )
    .await
}

#[derive(Deserialize)]
pub struct ReopenForm {
    to: String,
    on: Option<String>,
    reason: Option<String>,
}

pub async fn reopen<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Form(f): Form<ReopenForm>,
) -> Result<Response, WebError> {
    let res = async {
        let to = Stage::parse(&f.to).ok_or_else(|| {
            review::refused_text(
                "WEB_BAD_INPUT",
                format!("bước không hợp lệ `{}`", f.to),
                format!("unknown step `{}`", f.to),
            )
        })?;
        let on = review::date_field(f.on.as_deref(), "Ngày", "Date")?;
        review::reopen(
            &app,
            &auth,
            RoundId(id),
            to,
            on,
            f.reason.as_deref().unwrap_or(""),
        )
        .await
    }
    .await;
    after(&app, &auth, id, &format!("/review/rounds/{id}"), res).await
}

// ------------------------------------------------------------------------------ households list

pub struct ListRow {
    href: String,
    code: String,
    head: String,
    village: String,
    revision: String,
    surveyed: String,
    a: String,
    b: String,
    class: String,
    class_code: &'static str,
    vote: String,
}

#[derive(Template)]
#[template(path = "review/households.html")]
struct HouseholdsPage {
    f: Frame,
    flash: Option<Flash>,
    h: RoundHead,
    rows: Vec<ListRow>,
    candidates: Vec<(i64, String, String, String)>,
    can_list: bool,
    today: String,
}

async fn households_page<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    id: i64,
    flash: Option<Flash>,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let t = l.t();
    let (r, wf) = load_round(app, auth, id).await?;
    let store = app.store();
    let units = review::unit_names(store).await?;
    let all: HashMap<HouseholdId, StoredHousehold> = review::commune_households(store, r.unit)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let forms: HashMap<HouseholdId, ansinh_store::review::StoredForm> = store
        .review_forms(r.id)
        .await
        .map_err(refusal)?
        .into_iter()
        .map(|f| (f.form.household, f))
        .collect();
    let mut votes: HashMap<HouseholdId, bool> = HashMap::new();
    for m in store.review_meetings(r.id).await.map_err(refusal)? {
        for (h, v) in m.households.iter().zip(&m.meeting.votes) {
            votes.insert(*h, wf.passes(v.agree, m.meeting.attendees));
        }
    }
    let listed = store.review_list(r.id).await.map_err(refusal)?;
    let listed_ids: BTreeSet<HouseholdId> = listed.iter().map(|x| x.0).collect();
    let mut rows = Vec::new();
    for (hid, code) in &listed {
        let hh = match all.get(hid) {
            Some(h) => h.clone(),
            None => store.household(*hid).await?,
        };
        let f = forms.get(hid);
        rows.push(ListRow {
            href: format!("/review/rounds/{}/households/{}", r.id.0, hid.0),
            code: code.to_string(),
            head: hh.household.head_name.to_string(),
            village: review::village_of(&hh, &units),
            revision: f.map(|f| f.revision.to_string()).unwrap_or_default(),
            surveyed: f.map(|f| date(f.form.surveyed_on)).unwrap_or_default(),
            a: f.map(|f| f.form.score_a.to_string()).unwrap_or_default(),
            b: f.map(|f| f.form.score_b.to_string()).unwrap_or_default(),
            class: class_label(f.map(|f| f.form.class), l),
            class_code: class_code(f.map(|f| f.form.class)),
            vote: match votes.get(hid) {
                Some(true) => t.agreed.to_string(),
                Some(false) => t.not_agreed.to_string(),
                None => t.not_voted.to_string(),
            },
        });
    }
    let scoped = auth.scoped(app);
    let can_list = r.round.stage == Stage::Listing && scoped.may_review(ReviewAccess::Commune);
    let mut candidates: Vec<(i64, String, String, String)> = if can_list {
        all.values()
            .filter(|h| !listed_ids.contains(&h.id))
            .map(|h| {
                (
                    h.id.0,
                    h.household.code.to_string(),
                    h.household.head_name.to_string(),
                    review::village_of(h, &units),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    candidates.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(html(&HouseholdsPage {
        flash,
        h: head(app, &r, l).await?,
        rows,
        candidates,
        can_list,
        today: iso(today(app)),
        f: Frame::of(auth),
    }))
}

pub async fn households<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    households_page(&app, &auth, id, done_flash(&q.ok, auth.lang)).await
}

pub async fn add_households<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let field = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let ids: Vec<HouseholdId> = pairs
        .iter()
        .filter(|(k, _)| k == "household")
        .filter_map(|(_, v)| v.parse().ok().map(HouseholdId))
        .collect();
    let res = async {
        let on = review::date_field(field("on"), "Ngày", "Date")?;
        review::add_to_list(&app, &auth, RoundId(id), &ids, field("all").is_some(), on).await
    }
    .await;
    match res {
        Ok(_) => Ok(done(&format!("/review/rounds/{id}/households"))),
        Err(e) if review::is_refusal(&e) => Ok(with_status(
            e.status(),
            households_page(&app, &auth, id, Some(refused_flash(&e, auth.lang))).await?,
        )),
        Err(e) => Err(e),
    }
}

// ----------------------------------------------------------------------------------- the form

pub struct ScoreLineView {
    label: String,
    points: String,
}

/// The scores box (also the htmx fragment).
pub struct ScoresView {
    placeholder: bool,
    tables: String,
    error: Option<String>,
    base: String,
    lines: Vec<ScoreLineView>,
    a: String,
    b: String,
    class: String,
    class_code: &'static str,
    text: String,
    quick: Option<String>,
    quick_excluded: bool,
    caveats: Vec<String>,
}

fn scores_view(s: &Scored, tables: &ansinh_domain::review::ScoringTables, l: Lang) -> ScoresView {
    let t = l.t();
    let mut v = ScoresView {
        placeholder: tables.placeholder,
        tables: format!(
            "{} ({})",
            l.pick(&tables.name_vi, &tables.name_en),
            tables.id
        ),
        error: None,
        base: String::new(),
        lines: Vec::new(),
        a: String::new(),
        b: String::new(),
        class: String::new(),
        class_code: "",
        text: String::new(),
        quick: None,
        quick_excluded: false,
        caveats: tables.caveats.iter().map(|c| c.note.clone()).collect(),
    };
    match &s.result {
        Ok(r) => {
            v.base = r.base.to_string();
            v.lines = r
                .lines
                .iter()
                .map(|x| ScoreLineView {
                    label: l.pick(&x.vi, &x.en).to_string(),
                    points: x.points.to_string(),
                })
                .collect();
            v.a = r.score_a.to_string();
            v.b = r.score_b.to_string();
            v.class = class_label(Some(r.class), l);
            v.class_code = r.class.code();
            v.text = l.pick(&r.text_vi, &r.text_en).to_string();
        }
        Err(e) => v.error = Some(l.pick(&e.message_vi(), &e.message_en()).to_string()),
    }
    if let Some(Ok(q)) = &s.quick {
        v.quick = Some(format!(
            "{}: {}/{} — {}",
            t.quick_met,
            q.met,
            q.exclude_at,
            if q.excluded {
                t.quick_excluded
            } else {
                t.quick_included
            }
        ));
        v.quick_excluded = q.excluded;
    }
    v
}

pub struct OptionView {
    id: String,
    label: String,
    selected: bool,
}

pub struct CharView {
    id: String,
    label: String,
    options: Vec<OptionView>,
}

pub struct IndicatorView {
    id: String,
    label: String,
    state: &'static str,
    engine: String,
    engine_css: &'static str,
}

pub struct RevisionView {
    revision: i64,
    surveyed: String,
    actor: String,
    a: i32,
    b: i32,
    class: String,
}

#[derive(Template)]
#[template(path = "review/form.html")]
struct FormPage {
    f: Frame,
    flash: Option<Flash>,
    h: RoundHead,
    hid: i64,
    code: String,
    head_name: String,
    village: String,
    editable: bool,
    suggested: bool,
    surveyed_on: String,
    quick: Vec<OptionView>,
    regions: Vec<OptionView>,
    chars: Vec<CharView>,
    indicators: Vec<IndicatorView>,
    points_per_indicator: i32,
    s: ScoresView,
    engine_class: String,
    engine_class_code: &'static str,
    engine_text: String,
    engine_caveats: Vec<String>,
    revisions: Vec<RevisionView>,
}

#[derive(Template)]
#[template(path = "review/scores.html")]
struct ScoresFragment {
    f: Frame,
    s: ScoresView,
}

async fn form_page<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    id: i64,
    hid: i64,
    draft: Option<FormDraft>,
    flash: Option<Flash>,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let t = l.t();
    let (r, _) = load_round(app, auth, id).await?;
    let hh = review::listed_household(app, auth, &r, HouseholdId(hid)).await?;
    let store = app.store();
    let (std, tables) = review::round_tables(app, &r).await?;
    let revisions = store.form_revisions(r.id, hh.id).await.map_err(refusal)?;
    let day = today(app);
    let as_of = revisions.last().map_or(day, |f| f.form.surveyed_on);
    let e = review::explain_household(store, std, &hh, as_of).await?;
    let unit = store.unit(hh.household.unit).await?;
    let area = hh.household.area.or(unit.unit.area);
    let suggested = draft.is_none() && revisions.is_empty();
    let d = match (draft, revisions.last()) {
        (Some(d), _) => d,
        (None, Some(f)) => FormDraft::from_form(&f.form),
        (None, None) => review::suggest(&hh, area, tables, &e, day),
    };
    let scored = review::score(tables, std, &d);
    let units = review::unit_names(store).await?;
    let scoped = auth.scoped(app);
    let editable = scoped.may_review(ReviewAccess::Commune)
        && r.round
            .check_edit(ansinh_domain::review::Edit::Form)
            .is_ok();
    let quick = tables
        .quick_screen
        .as_ref()
        .map(|q| {
            q.criteria
                .iter()
                .map(|c| OptionView {
                    id: c.id.clone(),
                    label: l.pick(&c.vi, &c.en).to_string(),
                    selected: d.quick.contains(&c.id),
                })
                .collect()
        })
        .unwrap_or_default();
    let region_of = tables.region(&d.region).map(|x| x.id.clone());
    let regions = tables
        .regions
        .iter()
        .map(|x| OptionView {
            id: x.id.clone(),
            label: l.pick(&x.vi, &x.en).to_string(),
            selected: x.id == d.region,
        })
        .collect();
    let chars = tables
        .characteristics
        .iter()
        .map(|c| CharView {
            id: c.id.clone(),
            label: l.pick(&c.vi, &c.en).to_string(),
            options: c
                .options
                .iter()
                .map(|o| {
                    let pts = region_of
                        .as_ref()
                        .and_then(|r| o.points.get(r))
                        .map(|p| format!(" ({p} {})", t.points.to_lowercase()))
                        .unwrap_or_default();
                    OptionView {
                        id: o.id.clone(),
                        label: format!("{}{pts}", l.pick(&o.vi, &o.en)),
                        selected: d.answers.get(&c.id) == Some(&o.id),
                    }
                })
                .collect(),
        })
        .collect();
    let engine: HashMap<&str, &Outcome> = e
        .indicators
        .iter()
        .map(|i| (i.id.as_str(), &i.outcome))
        .collect();
    let indicators = std
        .indicators
        .iter()
        .map(|i| {
            let (engine_label, css) = match engine.get(i.id.as_str()) {
                Some(Outcome::Deprived) => (t.deprived, "deprived"),
                Some(Outcome::NotDeprived) => (t.not_deprived, ""),
                _ => (t.undecided, "class-incomplete"),
            };
            IndicatorView {
                id: i.id.clone(),
                label: l.pick(&i.vi, &i.en).to_string(),
                state: match d.deprived.get(&i.id) {
                    Some(true) => "1",
                    Some(false) => "0",
                    None => "",
                },
                engine: engine_label.to_string(),
                engine_css: css,
            }
        })
        .collect();
    let revisions = revisions
        .iter()
        .rev()
        .map(|f| RevisionView {
            revision: f.revision,
            surveyed: date(f.form.surveyed_on),
            actor: f.actor.clone(),
            a: f.form.score_a,
            b: f.form.score_b,
            class: class_label(Some(f.form.class), l),
        })
        .collect();
    let engine_class = match e.class {
        Some(c) => l.pick(c.vi(), c.en()).to_string(),
        None => t.incomplete.to_string(),
    };
    Ok(html(&FormPage {
        flash,
        h: head(app, &r, l).await?,
        hid,
        code: hh.household.code.to_string(),
        head_name: hh.household.head_name.to_string(),
        village: review::village_of(&hh, &units),
        editable,
        suggested,
        surveyed_on: iso(d.surveyed_on.unwrap_or(day)),
        quick,
        regions,
        chars,
        indicators,
        points_per_indicator: tables.points_per_indicator,
        s: scores_view(&scored, tables, l),
        engine_class,
        engine_class_code: e.class.map_or("incomplete", Class::code),
        engine_text: l.pick(&e.text_vi, &e.text_en).to_string(),
        engine_caveats: e.caveats.clone(),
        revisions,
        f: Frame::of(auth),
    }))
}

pub async fn form<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, hid)): Path<(i64, i64)>,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    form_page(&app, &auth, id, hid, None, done_flash(&q.ok, auth.lang)).await
}

pub async fn save_form<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, hid)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let draft = FormDraft::from_pairs(&pairs);
    match review::save_form(&app, &auth, RoundId(id), HouseholdId(hid), &draft).await {
        Ok(_) => Ok(done(&format!("/review/rounds/{id}/households/{hid}"))),
        Err(e) if review::is_refusal(&e) => Ok(with_status(
            e.status(),
            form_page(
                &app,
                &auth,
                id,
                hid,
                Some(draft),
                Some(refused_flash(&e, auth.lang)),
            )
            .await?,
        )),
        Err(e) => Err(e),
    }
}

/// The scores of the form as typed, without saving: the scores box for htmx, the whole form otherwise.
pub async fn score<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    headers: HeaderMap,
    Path((id, hid)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let draft = FormDraft::from_pairs(&pairs);
    if headers.get("hx-request").is_some() {
        let (r, _) = load_round(&app, &auth, id).await?;
        review::listed_household(&app, &auth, &r, HouseholdId(hid)).await?;
        let (std, tables) = review::round_tables(&app, &r).await?;
        let s = review::score(tables, std, &draft);
        return Ok(html(&ScoresFragment {
            s: scores_view(&s, tables, auth.lang),
            f: Frame::of(&auth),
        }));
    }
    form_page(&app, &auth, id, hid, Some(draft), None).await
}

// -------------------------------------------------------------------------------- the meeting

pub struct MeetingView {
    held_on: String,
    village: String,
    attendees: u32,
    agreed: bool,
    votes: usize,
    failed: String,
    minutes_href: String,
}

pub struct ParticipantRow {
    n: usize,
    name: String,
    roles: Vec<OptionView>,
}

pub struct VoteRow {
    hid: i64,
    code: String,
    head: String,
    proposed: String,
    pending: bool,
    agree: String,
    disagree: String,
}

#[derive(Template)]
#[template(path = "review/meeting.html")]
struct MeetingPage {
    f: Frame,
    flash: Option<Flash>,
    h: RoundHead,
    meetings: Vec<MeetingView>,
    can_record: bool,
    pass_percent: u32,
    village: String,
    held_on: String,
    attendees: String,
    participants: Vec<ParticipantRow>,
    votes: Vec<VoteRow>,
}

fn role_options(selected: MeetingRole, l: Lang) -> Vec<OptionView> {
    MeetingRole::ALL
        .iter()
        .map(|r| OptionView {
            id: r.code().to_string(),
            label: l.pick(r.vi(), r.en()).to_string(),
            selected: *r == selected,
        })
        .collect()
}

/// What the meeting form held when it was sent (kept when it is refused).
#[derive(Default)]
struct MeetingInput {
    village: String,
    held_on: String,
    attendees: String,
    participants: Vec<(String, MeetingRole)>,
    votes: HashMap<i64, (String, String)>,
}

fn meeting_input(pairs: &[(String, String)]) -> MeetingInput {
    let field = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut m = MeetingInput {
        village: field("village"),
        held_on: field("held_on"),
        attendees: field("attendees"),
        ..MeetingInput::default()
    };
    let mut names: BTreeMap<usize, (String, MeetingRole)> = BTreeMap::new();
    for (k, v) in pairs {
        if let Some(n) = k.strip_prefix("p.name.").and_then(|n| n.parse().ok()) {
            names
                .entry(n)
                .or_insert((String::new(), MeetingRole::HouseholdRepresentative))
                .0 = v.trim().to_string();
        } else if let Some(n) = k.strip_prefix("p.role.").and_then(|n| n.parse().ok())
            && let Some(role) = MeetingRole::parse(v)
        {
            names.entry(n).or_insert((String::new(), role)).1 = role;
        } else if let Some(h) = k.strip_prefix("v.agree.").and_then(|n| n.parse().ok()) {
            m.votes.entry(h).or_default().0 = v.trim().to_string();
        } else if let Some(h) = k.strip_prefix("v.disagree.").and_then(|n| n.parse().ok()) {
            m.votes.entry(h).or_default().1 = v.trim().to_string();
        }
    }
    m.participants = names.into_values().collect();
    m
}

async fn meeting_page<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    id: i64,
    input: Option<MeetingInput>,
    flash: Option<Flash>,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let (r, wf) = load_round(app, auth, id).await?;
    let store = app.store();
    let base = format!("/review/rounds/{}", r.id.0);
    let meetings = store
        .review_meetings(r.id)
        .await
        .map_err(refusal)?
        .iter()
        .map(|m| MeetingView {
            held_on: date(m.meeting.held_on),
            village: m.meeting.village.clone(),
            attendees: m.meeting.attendees,
            agreed: m.agreed,
            votes: m.meeting.votes.len(),
            failed: m
                .meeting
                .votes
                .iter()
                .filter(|v| !wf.passes(v.agree, m.meeting.attendees))
                .map(|v| v.household.clone())
                .collect::<Vec<_>>()
                .join(", "),
            minutes_href: format!("{base}/meetings/{}/minutes", m.id),
        })
        .collect();
    let can_record =
        r.round.stage == Stage::Meeting && auth.scoped(app).may_review(ReviewAccess::Commune);
    let pending = review::pending_votes(store, &r, &wf).await?;
    let forms: HashMap<HouseholdId, Class> = store
        .review_forms(r.id)
        .await
        .map_err(refusal)?
        .into_iter()
        .map(|f| (f.form.household, f.form.class))
        .collect();
    let heads: HashMap<HouseholdId, String> = review::commune_households(store, r.unit)
        .await?
        .into_iter()
        .map(|h| (h.id, h.household.head_name.to_string()))
        .collect();
    let input = input.unwrap_or_default();
    let votes = store
        .review_list(r.id)
        .await
        .map_err(refusal)?
        .into_iter()
        .map(|(h, code)| {
            let typed = input.votes.get(&h.0).cloned().unwrap_or_default();
            VoteRow {
                hid: h.0,
                code: code.to_string(),
                head: heads.get(&h).cloned().unwrap_or_default(),
                proposed: class_label(forms.get(&h).copied(), l),
                pending: pending.contains(&h),
                agree: typed.0,
                disagree: typed.1,
            }
        })
        .collect();
    let default_roles = [
        MeetingRole::Chair,
        MeetingRole::Secretary,
        MeetingRole::CommuneOfficer,
        MeetingRole::FatherlandFront,
        MeetingRole::HouseholdRepresentative,
        MeetingRole::HouseholdRepresentative,
    ];
    let mut participants: Vec<ParticipantRow> = input
        .participants
        .iter()
        .enumerate()
        .map(|(n, (name, role))| ParticipantRow {
            n,
            name: name.clone(),
            roles: role_options(*role, l),
        })
        .collect();
    for (n, role) in default_roles.iter().enumerate().skip(participants.len()) {
        participants.push(ParticipantRow {
            n,
            name: String::new(),
            roles: role_options(*role, l),
        });
    }
    let h = head(app, &r, l).await?;
    Ok(html(&MeetingPage {
        flash,
        meetings,
        can_record,
        pass_percent: wf.pass_percent,
        village: if input.village.is_empty() {
            h.unit_name.clone()
        } else {
            input.village
        },
        held_on: if input.held_on.is_empty() {
            iso(today(app))
        } else {
            input.held_on
        },
        attendees: input.attendees,
        participants,
        votes,
        h,
        f: Frame::of(auth),
    }))
}

pub async fn meeting<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    meeting_page(&app, &auth, id, None, done_flash(&q.ok, auth.lang)).await
}

pub async fn record_meeting<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let input = meeting_input(&pairs);
    let res = async {
        let number = |s: &str, vi: &str, en: &str| -> Result<u32, WebError> {
            s.trim().parse::<u32>().map_err(|_| {
                review::refused_text(
                    "WEB_BAD_INPUT",
                    format!("{vi}: cần một số nguyên không âm"),
                    format!("{en}: a whole number is needed"),
                )
            })
        };
        let mut votes = Vec::new();
        for (h, (a, d)) in &input.votes {
            if a.is_empty() && d.is_empty() {
                continue;
            }
            votes.push((
                HouseholdId(*h),
                number(a, "Số đồng ý", "Agree")?,
                number(d, "Số không đồng ý", "Disagree")?,
            ));
        }
        votes.sort();
        let draft = MeetingDraft {
            village: input.village.clone(),
            held_on: review::parse_date(&input.held_on),
            attendees: number(&input.attendees, "Số người dự họp", "Attendees")?,
            participants: input
                .participants
                .iter()
                .map(|(name, role)| Participant {
                    name: name.clone(),
                    role: *role,
                })
                .collect(),
            votes,
        };
        review::record_meeting(&app, &auth, RoundId(id), &draft).await
    }
    .await;
    match res {
        Ok(_) => Ok(done(&format!("/review/rounds/{id}"))),
        Err(e) if review::is_refusal(&e) => Ok(with_status(
            e.status(),
            meeting_page(
                &app,
                &auth,
                id,
                Some(input),
                Some(refused_flash(&e, auth.lang)),
            )
            .await?,
        )),
        Err(e) => Err(e),
    }
}

pub struct MinutesVote {
    n: usize,
    who: String,
    proposed: String,
    agree: u32,
    percent: String,
    disagree: u32,
    passed: bool,
}

#[derive(Template)]
#[template(path = "review/minutes.html")]
struct MinutesPage {
    f: Frame,
    h: RoundHead,
    village: String,
    held_on: String,
    attendees: u32,
    participants: Vec<(String, String)>,
    pass_percent: u32,
    votes: Vec<MinutesVote>,
    mid: i64,
}

pub async fn minutes<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, mid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let (r, wf) = load_round(&app, &auth, id).await?;
    let store = app.store();
    let m = store
        .review_meetings(r.id)
        .await
        .map_err(refusal)?
        .into_iter()
        .find(|m| m.id == mid)
        .ok_or(WebError::NotFound { api: false })?;
    let heads: HashMap<HouseholdId, String> = review::commune_households(store, r.unit)
        .await?
        .into_iter()
        .map(|h| (h.id, h.household.head_name.to_string()))
        .collect();
    // The class proposed to the meeting: the form revision saved before it.
    let mut proposed: HashMap<HouseholdId, Class> = HashMap::new();
    for h in &m.households {
        let revs = store.form_revisions(r.id, *h).await.map_err(refusal)?;
        if let Some(f) = revs
            .iter()
            .rev()
            .find(|f| f.form.surveyed_on <= m.meeting.held_on)
            .or_else(|| revs.last())
        {
            proposed.insert(*h, f.form.class);
        }
    }
    let mut ps: Vec<&Participant> = m.meeting.participants.iter().collect();
    ps.sort_by_key(|p| p.role);
    let attendees = m.meeting.attendees;
    let votes = m
        .households
        .iter()
        .zip(&m.meeting.votes)
        .enumerate()
        .map(|(i, (h, v))| MinutesVote {
            n: i + 1,
            who: format!(
                "{} ({})",
                heads.get(h).cloned().unwrap_or_default(),
                v.household
            ),
            proposed: class_label(proposed.get(h).copied(), l),
            agree: v.agree,
            percent: l.percent(i64::from(v.agree), i64::from(attendees)),
            disagree: v.disagree,
            passed: wf.passes(v.agree, attendees),
        })
        .collect();
    Ok(html(&MinutesPage {
        h: head(&app, &r, l).await?,
        village: m.meeting.village.clone(),
        held_on: date(m.meeting.held_on),
        attendees,
        participants: ps
            .iter()
            .map(|p| (p.name.clone(), l.pick(p.role.vi(), p.role.en()).to_string()))
            .collect(),
        pass_percent: wf.pass_percent,
        votes,
        mid: m.id,
        f: Frame::of(&auth),
    }))
}

// ---------------------------------------------------------------------------------- posting

#[derive(Template)]
#[template(path = "review/posting.html")]
struct PostingPage {
    f: Frame,
    h: RoundHead,
    posted_on: Option<String>,
    until: Option<String>,
    unconfirmed: Option<String>,
    rows: Vec<(usize, String, String, String, &'static str)>,
}

pub async fn posting<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let (r, wf) = load_round(&app, &auth, id).await?;
    let rows = review::posted_list(app.store(), &r)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            (
                i + 1,
                p.head_name,
                p.village,
                class_label(p.class, l),
                class_code(p.class),
            )
        })
        .collect();
    Ok(html(&PostingPage {
        h: head(&app, &r, l).await?,
        posted_on: r.round.posted_on.map(date),
        until: r.round.posting_until(&wf).map(date),
        unconfirmed: wf.posting.unconfirmed.clone(),
        rows,
        f: Frame::of(&auth),
    }))
}

// ------------------------------------------------------------------------------- complaints

pub struct ComplaintView {
    id: i64,
    filed_on: String,
    who: String,
    resurvey_href: Option<String>,
    text: String,
    due: String,
    overdue: bool,
    resolved: Option<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "review/complaints.html")]
struct ComplaintsPage {
    f: Frame,
    flash: Option<Flash>,
    h: RoundHead,
    complaints: Vec<ComplaintView>,
    can_file: bool,
    can_resolve: bool,
    households: Vec<(i64, String)>,
    outcomes: Vec<(&'static str, String)>,
    today: String,
    resolve_days: String,
}

async fn complaints_page<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    id: i64,
    flash: Option<Flash>,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let t = l.t();
    let (r, wf) = load_round(app, auth, id).await?;
    let store = app.store();
    let day = today(app);
    let heads: HashMap<HouseholdId, String> = review::commune_households(store, r.unit)
        .await?
        .into_iter()
        .map(|h| {
            (
                h.id,
                format!("{} ({})", h.household.head_name, h.household.code),
            )
        })
        .collect();
    let may = auth.scoped(app).may_review(ReviewAccess::Commune);
    let stage = r.round.stage;
    let cs: Vec<StoredComplaint> = store.complaints(r.id).await.map_err(refusal)?;
    let complaints = cs
        .iter()
        .map(|c| ComplaintView {
            id: c.id,
            filed_on: date(c.filed_on),
            who: c
                .household
                .and_then(|h| heads.get(&h).cloned())
                .unwrap_or_else(|| t.no_household.to_string()),
            resurvey_href: c
                .household
                .filter(|_| stage == Stage::Complaints && may)
                .map(|h| format!("/review/rounds/{}/households/{}", r.id.0, h.0)),
            text: c.text.clone(),
            due: date(c.due),
            overdue: review::complaint_overdue(c, day),
            resolved: c
                .resolved
                .as_ref()
                .map(|(d, o, n)| (date(*d), l.pick(o.vi(), o.en()).to_string(), n.clone())),
        })
        .collect();
    let households = store
        .review_list(r.id)
        .await
        .map_err(refusal)?
        .into_iter()
        .map(|(h, code)| {
            (
                h.0,
                heads.get(&h).cloned().unwrap_or_else(|| code.to_string()),
            )
        })
        .collect();
    Ok(html(&ComplaintsPage {
        flash,
        h: head(app, &r, l).await?,
        complaints,
        can_file: may && stage == Stage::Posting && r.round.posted_on.is_some(),
        can_resolve: may && matches!(stage, Stage::Posting | Stage::Complaints),
        households,
        outcomes: [ComplaintOutcome::Upheld, ComplaintOutcome::Rejected]
            .into_iter()
            .map(|o| (o.code(), l.pick(o.vi(), o.en()).to_string()))
            .collect(),
        today: iso(day),
        resolve_days: l
            .pick(
                &wf.complaint_resolve.describe_vi(),
                &wf.complaint_resolve.describe_en(),
            )
            .to_string(),
        f: Frame::of(auth),
    }))
}

pub async fn complaints<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    complaints_page(&app, &auth, id, done_flash(&q.ok, auth.lang)).await
}

#[derive(Deserialize)]
pub struct ComplaintForm {
    household: Option<String>,
    on: Option<String>,
    text: Option<String>,
}

pub async fn file_complaint<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Form(f): Form<ComplaintForm>,
) -> Result<Response, WebError> {
    let res = async {
        let on = review::date_field(f.on.as_deref(), "Ngày nhận", "Filed on")?;
        let household = f
            .household
            .as_deref()
            .and_then(|h| h.parse().ok())
            .map(HouseholdId);
        review::file_complaint(
            &app,
            &auth,
            RoundId(id),
            household,
            on,
            f.text.as_deref().unwrap_or(""),
        )
        .await
    }
    .await;
    match res {
        Ok(_) => Ok(done(&format!("/review/rounds/{id}/complaints"))),
        Err(e) if review::is_refusal(&e) => Ok(with_status(
            e.status(),
            complaints_page(&app, &auth, id, Some(refused_flash(&e, auth.lang))).await?,
        )),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ResolveForm {
    on: Option<String>,
    outcome: String,
    note: Option<String>,
}

pub async fn resolve_complaint<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, cid)): Path<(i64, i64)>,
    Form(f): Form<ResolveForm>,
) -> Result<Response, WebError> {
    let res = async {
        let on = review::date_field(f.on.as_deref(), "Ngày giải quyết", "Resolved on")?;
        let outcome = ComplaintOutcome::parse(&f.outcome).ok_or_else(|| {
            review::refused_text(
                "WEB_BAD_INPUT",
                "Cần chọn kết quả giải quyết.".into(),
                "Choose the outcome.".into(),
            )
        })?;
        review::resolve_complaint(
            &app,
            &auth,
            RoundId(id),
            cid,
            on,
            outcome,
            f.note.as_deref().unwrap_or(""),
        )
        .await
    }
    .await;
    match res {
        Ok(_) => Ok(done(&format!("/review/rounds/{id}/complaints"))),
        Err(e) if review::is_refusal(&e) => Ok(with_status(
            e.status(),
            complaints_page(&app, &auth, id, Some(refused_flash(&e, auth.lang))).await?,
        )),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------- results

pub struct ResultRow {
    code: String,
    head: String,
    village: String,
    class: String,
    class_code: &'static str,
    transition: String,
    newly_escaped_until: String,
    a: String,
    b: String,
    deprived: String,
    explanation: String,
}

#[derive(Template)]
#[template(path = "review/results.html")]
struct ResultsPage {
    f: Frame,
    flash: Option<Flash>,
    h: RoundHead,
    snapshots: Vec<(i64, String, bool)>,
    approved_on: String,
    actor: String,
    standard: String,
    by_class: Vec<(String, String)>,
    by_transition: Vec<(String, String)>,
    rows: Vec<ResultRow>,
    caveats: Vec<String>,
    empty: bool,
}

#[derive(Deserialize)]
pub struct ResultsQuery {
    seq: Option<i64>,
    ok: Option<String>,
}

pub async fn results<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let (r, _) = load_round(&app, &auth, id).await?;
    let store = app.store();
    let snaps = store.snapshots(r.id).await.map_err(refusal)?;
    let chosen = q
        .seq
        .and_then(|s| snaps.iter().find(|x| x.seq == s))
        .or_else(|| snaps.last());
    let units = review::unit_names(store).await?;
    let heads: HashMap<HouseholdId, String> = review::commune_households(store, r.unit)
        .await?
        .into_iter()
        .map(|h| (h.id, h.household.head_name.to_string()))
        .collect();
    let std = app.standards().get(&r.standard_id);
    let indicator = |id: &str| {
        std.and_then(|s| s.indicators.iter().find(|i| i.id == id))
            .map_or_else(|| id.to_string(), |i| l.pick(&i.vi, &i.en).to_string())
    };
    let mut by_class: BTreeMap<usize, (String, usize)> = BTreeMap::new();
    let mut by_transition: BTreeMap<String, usize> = BTreeMap::new();
    let mut caveats = BTreeSet::new();
    let mut rows = Vec::new();
    if let Some(s) = chosen {
        for e in &s.entries {
            let k = Class::ALL.iter().position(|c| *c == e.class).unwrap_or(0);
            by_class
                .entry(k)
                .or_insert((class_label(Some(e.class), l), 0))
                .1 += 1;
            *by_transition
                .entry(transition_label(&e.transition, l))
                .or_default() += 1;
            caveats.extend(e.caveats.iter().cloned());
            rows.push(ResultRow {
                code: e.household_code.to_string(),
                head: heads.get(&e.household).cloned().unwrap_or_default(),
                village: units
                    .get(&e.unit)
                    .map(|u| u.unit.name.to_string())
                    .unwrap_or_default(),
                class: class_label(Some(e.class), l),
                class_code: e.class.code(),
                transition: transition_label(&e.transition, l),
                newly_escaped_until: e.newly_escaped_until.map(date).unwrap_or_default(),
                a: e.score_a.map(|v| v.to_string()).unwrap_or_default(),
                b: e.score_b.map(|v| v.to_string()).unwrap_or_default(),
                deprived: e
                    .deprived
                    .iter()
                    .map(|d| indicator(d))
                    .collect::<Vec<_>>()
                    .join(", "),
                explanation: l.pick(&e.explanation_vi, &e.explanation_en).to_string(),
            });
        }
    }
    Ok(html(&ResultsPage {
        flash: done_flash(&q.ok, l),
        h: head(&app, &r, l).await?,
        snapshots: snaps
            .iter()
            .map(|s| {
                (
                    s.seq,
                    date(s.approved_on),
                    chosen.is_some_and(|c| c.seq == s.seq),
                )
            })
            .collect(),
        approved_on: chosen.map(|s| date(s.approved_on)).unwrap_or_default(),
        actor: chosen.map(|s| s.actor.clone()).unwrap_or_default(),
        standard: chosen.map(|s| s.standard_id.clone()).unwrap_or_default(),
        by_class: by_class
            .into_values()
            .map(|(k, n)| (k, l.int(n as i64)))
            .collect(),
        by_transition: by_transition
            .into_iter()
            .map(|(k, n)| (k, l.int(n as i64)))
            .collect(),
        empty: chosen.is_none(),
        rows,
        caveats: caveats.into_iter().collect(),
        f: Frame::of(&auth),
    }))
}

// ---------------------------------------------------------------------------------- movement

pub struct FlowView {
    unit: String,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "review/movement.html")]
struct MovementPage {
    f: Frame,
    unit_name: String,
    unit_id: i64,
    years: Vec<i32>,
    from: i32,
    to: i32,
    poor: Vec<FlowView>,
    near_poor: Vec<FlowView>,
    empty: bool,
}

#[derive(Deserialize)]
pub struct MovementQuery {
    from: Option<i32>,
    to: Option<i32>,
}

fn flow_cells(f: &ansinh_domain::review::Flow, l: Lang) -> Vec<String> {
    [
        f.start,
        f.dec_to_other_list,
        f.dec_escaped,
        f.dec_other,
        f.inc_from_other_list,
        f.inc_re,
        f.inc_new,
        f.inc_other,
        f.end,
    ]
    .iter()
    .map(|v| l.int(*v as i64))
    .collect()
}

/// The approved periodic rounds of the communes of a unit, by year.
pub async fn periodic_by_year<S: Backend>(
    store: &S,
    communes: &[StoredUnit],
) -> Result<BTreeMap<i32, Vec<StoredRound>>, WebError> {
    let mut by: BTreeMap<i32, Vec<StoredRound>> = BTreeMap::new();
    for c in communes {
        for r in store.review_rounds(c.id).await.map_err(refusal)? {
            if r.round.kind == RoundKind::Periodic && r.round.approvals > 0 {
                by.entry(r.round.year).or_default().push(r);
            }
        }
    }
    Ok(by)
}

/// The communes of a unit of the subtree (itself when it is one).
pub async fn communes_under<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    unit: UnitId,
) -> Result<(StoredUnit, Vec<StoredUnit>), WebError> {
    let scoped = auth.scoped(app);
    let u = scoped.review_unit(unit, ReviewAccess::Read).await?;
    let all = app.store().all_units().await?;
    let below: BTreeSet<UnitId> = review::subtree(&all, u.id).into_iter().collect();
    let communes = scoped
        .review_communes()
        .await?
        .into_iter()
        .filter(|c| below.contains(&c.id))
        .collect();
    Ok((u, communes))
}

pub async fn movement<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(unit): Path<i64>,
    Query(q): Query<MovementQuery>,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let (u, communes) = communes_under(&app, &auth, UnitId(unit)).await?;
    let store = app.store();
    let by = periodic_by_year(store, &communes).await?;
    let years: Vec<i32> = by.keys().copied().collect();
    let to = q.to.or_else(|| years.last().copied()).unwrap_or(0);
    let from = q
        .from
        .or_else(|| years.iter().rev().find(|y| **y < to).copied())
        .unwrap_or(0);
    let units = review::unit_names(store).await?;
    let is_commune = u.unit.kind.level() == 3;
    let commune_of: HashMap<UnitId, String> = {
        let all: Vec<StoredUnit> = units.values().cloned().collect();
        let mut m = HashMap::new();
        for c in &communes {
            for id in review::subtree(&all, c.id) {
                m.insert(id, c.unit.name.to_string());
            }
        }
        m
    };
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
    let empty_rounds = Vec::new();
    let (a, b) = (
        by.get(&from).unwrap_or(&empty_rounds),
        by.get(&to).unwrap_or(&empty_rounds),
    );
    let empty = a.is_empty() || b.is_empty() || from >= to;
    let (mut poor, mut near_poor) = (Vec::new(), Vec::new());
    if !empty {
        let (rows, total) = review::movement(store, a, b, &label).await?;
        for r in rows.iter().chain(std::iter::once(&total)) {
            let name = if r.unit.is_empty() {
                l.t().total.to_string()
            } else {
                r.unit.clone()
            };
            poor.push(FlowView {
                unit: name.clone(),
                cells: flow_cells(&r.poor, l),
            });
            near_poor.push(FlowView {
                unit: name,
                cells: flow_cells(&r.near_poor, l),
            });
        }
    }
    Ok(html(&MovementPage {
        unit_name: u.unit.name.to_string(),
        unit_id: u.id.0,
        years,
        from,
        to,
        poor,
        near_poor,
        empty,
        f: Frame::of(&auth),
    }))
}

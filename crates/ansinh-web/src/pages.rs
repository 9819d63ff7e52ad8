//! The server-rendered pages. Handlers build small view models of display strings (numbers and dates
//! already formatted for the language) and render askama templates from `templates/`.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use ansinh_domain::registry::{HouseholdId, UnitId};
use ansinh_domain::{Class, Outcome, explain};
use ansinh_store::accounts::Role;
use ansinh_store::{AuditEvent, Entity, batch_of};

use crate::analysis::{self, Counts, ListEntry, latest_facts};
use crate::auth::{
    self, Action, Authorized, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie, lang_of,
    set_cookie, today,
};
use crate::error::WebError;
use crate::i18n::{Labels, Lang, date};
use crate::{App, Backend};

/// Renders a template, or a plain 500 when rendering fails.
pub fn html<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(s) => Html(s).into_response(),
        Err(e) => WebError::Internal(format!("template: {e}")).into_response(),
    }
}

/// A file to download: its type, its name, never cached (lists carry personal data).
pub(crate) fn download(bytes: Vec<u8>, mime: &str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// A workbook that could not be written.
pub(crate) fn xl(e: rust_xlsxwriter::XlsxError) -> WebError {
    WebError::Internal(format!("xlsx: {e}"))
}

/// The page frame: who is logged in, the menu, the language switch.
pub struct Frame {
    pub t: &'static Labels,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub user: Option<(String, String)>,
    pub csrf: String,
    pub can_read_households: bool,
    /// May create and change households, and import (commune officers, administrators).
    pub can_edit: bool,
    /// May export the registry of its units (not partner agencies).
    pub can_export: bool,
    /// May manage accounts (administrators).
    pub can_manage_accounts: bool,
    /// May read plan checks and forecasts (not partner agencies).
    pub can_read_plans: bool,
}

impl Frame {
    pub(crate) fn of(auth: &Authorized) -> Frame {
        Frame {
            t: auth.lang.t(),
            lang: auth.lang.code(),
            other_lang: auth.lang.other().code(),
            user: Some((
                auth.user.display_name.clone(),
                auth.lang
                    .pick(auth.user.role.vi(), auth.user.role.en())
                    .to_string(),
            )),
            csrf: auth.csrf.clone(),
            can_read_households: auth.scope.allows(Action::ReadHouseholds),
            can_edit: auth.scope.allows(Action::EditRegistry),
            can_export: auth.scope.allows(Action::ExportRegistry),
            can_manage_accounts: auth.scope.allows(Action::ManageAccounts),
            can_read_plans: auth.scope.allows(Action::ReadPlans),
        }
    }
    fn anonymous(lang: Lang) -> Frame {
        Frame {
            t: lang.t(),
            lang: lang.code(),
            other_lang: lang.other().code(),
            user: None,
            csrf: String::new(),
            can_read_households: false,
            can_edit: false,
            can_export: false,
            can_manage_accounts: false,
            can_read_plans: false,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub code: &'a str,
    pub status: u16,
    pub vi: &'a str,
    pub en: &'a str,
}

// ------------------------------------------------------------------------------------------ login

pub async fn home<S: Backend>(headers: HeaderMap) -> Redirect {
    if cookie(&headers, SESSION_COOKIE).is_some() {
        Redirect::to("/dashboard")
    } else {
        Redirect::to("/login")
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    f: Frame,
    csrf: String,
    error: Option<&'static str>,
    username: String,
}

pub async fn login_form<S: Backend>(
    State(app): State<App<S>>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let lang = lang_of(&headers);
    login_page(&app, lang, None, String::new(), StatusCode::OK)
}

fn login_page<S>(
    app: &App<S>,
    lang: Lang,
    error: Option<&'static str>,
    username: String,
    status: StatusCode,
) -> Result<Response, WebError> {
    let csrf = auth::random_token()?;
    let page = LoginPage {
        f: Frame::anonymous(lang),
        csrf: csrf.clone(),
        error,
        username,
    };
    let c = set_cookie(
        LOGIN_CSRF_COOKIE,
        &csrf,
        Some(3600),
        app.config().secure_cookies,
    );
    Ok((status, [(header::SET_COOKIE, c)], html(&page)).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn login<S: Backend>(
    State(app): State<App<S>>,
    headers: HeaderMap,
    client: auth::ClientAddr,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    // The form's token was checked against the login cookie by the write guard (`crate::guard`).
    let lang = lang_of(&headers);
    let username = form.username.trim().to_lowercase();
    let client = client.0;
    if !app.limiter().allowed(&username, &client) {
        tracing::warn!(code = "WEB_TOO_MANY_ATTEMPTS", "login refused");
        return login_page(
            &app,
            lang,
            Some(lang.t().login_limited),
            username,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let user = app.store().user_by_username(&username).await?;
    let ok = match &user {
        Some(u) if u.active => {
            auth::verify_password(form.password.clone(), u.password_hash.clone()).await?
        }
        _ => {
            // Spend the same effort for an unknown name, so timing does not tell names apart.
            let _ = auth::hash_password(form.password.clone(), app.config().password_cost).await;
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        app.limiter().failed(&username, &client);
        tracing::warn!(code = crate::http_log::LOGIN_FAILED, "login failed");
        return login_page(
            &app,
            lang,
            Some(lang.t().login_failed),
            username,
            StatusCode::UNAUTHORIZED,
        );
    };
    app.limiter().succeeded(&username);
    let token = auth::open_session(&app, user.id).await?;
    tracing::info!(
        code = crate::http_log::LOGIN_OK,
        role = user.role.code(),
        "login"
    );
    let secure = app.config().secure_cookies;
    let max_age = app.config().session_hours * 3600;
    let mut res = Redirect::to("/dashboard").into_response();
    let h = res.headers_mut();
    for c in [
        set_cookie(SESSION_COOKIE, &token, Some(max_age), secure),
        set_cookie(LOGIN_CSRF_COOKIE, "", Some(0), secure),
    ] {
        if let Ok(v) = c.parse() {
            h.append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

pub async fn logout<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
) -> Result<Response, WebError> {
    app.store().delete_session(&auth.session_hash).await?;
    tracing::info!(
        code = crate::http_log::LOGOUT,
        role = auth.user.role.code(),
        "logout"
    );
    let c = set_cookie(SESSION_COOKIE, "", Some(0), app.config().secure_cookies);
    Ok(([(header::SET_COOKIE, c)], Redirect::to("/login")).into_response())
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Switches the language (a cookie) and goes back to a local page.
pub async fn set_lang(Path(lang): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let lang = Lang::parse(&lang).unwrap_or_default();
    let next = q
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".into());
    let c = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Strict; Max-Age=31536000",
        lang.code()
    );
    ([(header::SET_COOKIE, c)], Redirect::to(&next)).into_response()
}

// -------------------------------------------------------------------------------------- dashboard

struct CountsView {
    households: String,
    persons: String,
    poor: String,
    poor_rate: String,
    near_poor: String,
    near_poor_rate: String,
    incomplete: String,
}

impl CountsView {
    fn of(c: &Counts, l: Lang) -> CountsView {
        CountsView {
            households: l.int(c.households),
            persons: l.int(c.persons),
            poor: l.int(c.poor),
            poor_rate: l.percent(c.poor, c.households),
            near_poor: l.int(c.near_poor),
            near_poor_rate: l.percent(c.near_poor, c.households),
            incomplete: l.int(c.incomplete),
        }
    }
}

struct BarRow {
    label: String,
    value: String,
    width: String,
}

struct UnitView {
    name: String,
    c: CountsView,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    f: Frame,
    unit_name: String,
    standard: String,
    unconfirmed: bool,
    as_of: String,
    c: CountsView,
    trend: Vec<(String, CountsView)>,
    indicators: Vec<BarRow>,
    units: Vec<UnitView>,
    manage_unit: Option<(i64, bool)>,
}

pub async fn dashboard<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
) -> Result<Response, WebError> {
    auth.require(Action::Dashboard)?;
    let l = auth.lang;
    let scoped = auth.scoped(&app);
    let o = analysis::overview(&app, &scoped, today(&app)).await?;
    let max = o.by_indicator.iter().map(|r| r.deprived).max().unwrap_or(0);
    let manage_unit = match scoped.root() {
        Some(r) if auth.scope.allows(Action::ManageUnit) => {
            Some((r.0, app.store().public_lists(r).await?))
        }
        _ => None,
    };
    let page = DashboardPage {
        unit_name: o
            .unit_name
            .clone()
            .unwrap_or_else(|| l.t().whole_country.into()),
        standard: format!(
            "{} ({})",
            l.pick(&o.standard_name_vi, &o.standard_name_en),
            o.standard_id
        ),
        unconfirmed: o.unconfirmed,
        as_of: chrono::NaiveDate::parse_from_str(&o.as_of, "%Y-%m-%d")
            .map(date)
            .unwrap_or_default(),
        c: CountsView::of(&o.counts, l),
        trend: o
            .trend
            .iter()
            .map(|y| (y.year.to_string(), CountsView::of(&y.counts, l)))
            .collect(),
        indicators: o
            .by_indicator
            .iter()
            .map(|r| BarRow {
                label: l.pick(&r.name_vi, &r.name_en).to_string(),
                value: l.int(r.deprived),
                width: format!("w{}", if max > 0 { r.deprived * 10 / max } else { 0 }),
            })
            .collect(),
        units: o
            .by_unit
            .iter()
            .map(|u| UnitView {
                name: u.name.clone(),
                c: CountsView::of(&u.counts, l),
            })
            .collect(),
        manage_unit,
        f: Frame::of(&auth),
    };
    Ok(html(&page))
}

// ------------------------------------------------------------------------------------- households

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    class: Option<String>,
    page: Option<usize>,
}

struct HouseholdRow {
    href: String,
    code: String,
    head: String,
    address: String,
    village: String,
    class_code: String,
    class: String,
}

#[derive(Template)]
#[template(path = "households.html")]
struct HouseholdsPage {
    f: Frame,
    q: String,
    classes: Vec<(&'static str, String, bool)>,
    rows: Vec<HouseholdRow>,
    total: String,
    more: bool,
    prev_href: Option<String>,
    next_href: Option<String>,
    page: usize,
}

const PAGE: usize = 50;
/// The most results a search lists (type more to narrow it).
const SEARCH_CAP: usize = 1000;

pub(crate) fn class_label(code: &str, l: Lang) -> String {
    if code == "incomplete" {
        return l.t().incomplete.into();
    }
    Class::parse(code)
        .map(|c| l.pick(c.vi(), c.en()).to_string())
        .unwrap_or_else(|| l.t().no_classification.into())
}

/// `k=v&…` with the values percent-encoded; empty values left out.
pub(crate) fn query_string(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn households<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadHouseholds)?;
    let l = auth.lang;
    let scoped = auth.scoped(&app);
    let text = q.q.unwrap_or_default().trim().to_string();
    let class = q.class.unwrap_or_default();
    let page = q.page.unwrap_or(1).max(1);
    let units = scoped.units().await?;
    let names: HashMap<UnitId, String> = units
        .iter()
        .map(|u| (u.id, u.unit.name.to_string()))
        .collect();
    // A search reads only what the page shows, plus one to know that another page follows (up to 1,000
    // results); filtering by class needs the whole 1,000 first.
    let cap = if class.is_empty() {
        (page * PAGE + 1).min(SEARCH_CAP)
    } else {
        SEARCH_CAP
    };
    // (id, code, head, address, unit)
    let mut found: Vec<(HouseholdId, String, String, String, UnitId)> = if text.is_empty() {
        scoped
            .households(&units)
            .await?
            .into_iter()
            .map(|h| {
                (
                    h.id,
                    h.household.code.to_string(),
                    h.household.head_name.to_string(),
                    h.household.address.to_string(),
                    h.household.unit,
                )
            })
            .collect()
    } else {
        scoped
            .search(&text, cap as u32)
            .await?
            .into_iter()
            .map(|h| {
                (
                    h.id,
                    h.code.to_string(),
                    h.head_name.to_string(),
                    h.address.to_string(),
                    h.unit,
                )
            })
            .collect()
    };
    // The classes: of the households found only, for a search (not the whole subtree's history).
    let facts = if text.is_empty() {
        scoped.classifications().await?
    } else {
        let ids: Vec<HouseholdId> = found.iter().map(|h| h.0).collect();
        scoped.classifications_of(&ids).await?
    };
    let latest = latest_facts(&facts);
    let truncated = !text.is_empty() && found.len() >= cap;
    let more = truncated && cap >= SEARCH_CAP;
    if !class.is_empty() {
        found.retain(|h| latest.get(&h.0).map(|f| f.class.as_str()) == Some(class.as_str()));
    }
    let total = found.len();
    let rows = found
        .into_iter()
        .skip((page - 1) * PAGE)
        .take(PAGE)
        .map(|(id, code, head, address, unit)| {
            let cc = latest.get(&id).map(|f| f.class.clone()).unwrap_or_default();
            HouseholdRow {
                href: format!("/households/{}", id.0),
                code,
                head,
                address,
                village: names.get(&unit).cloned().unwrap_or_default(),
                class: class_label(&cc, l),
                class_code: cc,
            }
        })
        .collect();
    let link = |p: usize| {
        format!(
            "/households?{}",
            query_string(&[("q", &text), ("class", &class), ("page", &p.to_string())])
        )
    };
    let page_view = HouseholdsPage {
        f: Frame::of(&auth),
        classes: ["poor", "near_poor", "not_poor", "incomplete"]
            .into_iter()
            .map(|c| (c, class_label(c, l), c == class))
            .collect(),
        q: text.clone(),
        rows,
        total: if truncated && class.is_empty() {
            format!("{}+", l.int((cap - 1) as i64))
        } else {
            l.int(total as i64)
        },
        more,
        prev_href: (page > 1).then(|| link(page - 1)),
        next_href: (page * PAGE < total).then(|| link(page + 1)),
        page,
    };
    Ok(html(&page_view))
}

struct MemberView {
    id: i64,
    name: String,
    born: String,
    sex: String,
    relation: String,
    citizen_id: String,
    live: bool,
}

struct IndicatorView {
    name: String,
    outcome: String,
    css: &'static str,
    detail: String,
}

struct HistoryView {
    as_of: String,
    standard: String,
    class: String,
    class_code: String,
    actor: String,
}

struct AuditView {
    at: String,
    actor: String,
    action: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    f: Frame,
    id: i64,
    saved: bool,
    code: String,
    head: String,
    address: String,
    village: String,
    deleted: bool,
    members: Vec<MemberView>,
    facts: Vec<(String, String)>,
    class: String,
    class_code: String,
    explanation: String,
    indicators: Vec<IndicatorView>,
    history: Vec<HistoryView>,
    audit: Vec<AuditView>,
}

fn yes_no(b: Option<bool>, l: Lang) -> String {
    match b {
        Some(true) => l.t().yes.into(),
        Some(false) => l.t().no.into(),
        None => l.t().not_recorded.into(),
    }
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn household<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let t = l.t();
    let scoped = auth.scoped(&app);
    let h = scoped.household(HouseholdId(id)).await?;
    let store = scoped.checked_store();
    let day = today(&app);
    let std = app.standard(day)?;
    let (_, batch) = batch_of(store, std::slice::from_ref(&h), day).await?;
    let e = explain(std, &batch, 0);
    let village = store
        .unit(h.household.unit)
        .await
        .map(|u| u.unit.name.to_string())
        .unwrap_or_default();
    let hh = &h.household;
    let opt =
        |v: Option<&'static str>| v.map_or_else(|| t.not_recorded.to_string(), str::to_string);
    let facts = vec![
        (
            t.housing.to_string(),
            opt(hh.housing_quality.map(|v| l.pick(v.vi(), v.en()))),
        ),
        (
            t.floor_area.to_string(),
            hh.floor_area_m2
                .map_or_else(|| t.not_recorded.to_string(), |a| format!("{a:.0}")),
        ),
        (
            t.water.to_string(),
            opt(hh.water_source.map(|v| l.pick(v.vi(), v.en()))),
        ),
        (
            t.toilet.to_string(),
            opt(hh.toilet.map(|v| l.pick(v.vi(), v.en()))),
        ),
        (
            l.pick("Dùng dịch vụ viễn thông", "Uses telecom")
                .to_string(),
            yes_no(hh.uses_telecom, l),
        ),
        (
            l.pick(
                "Có thiết bị tiếp cận thông tin",
                "Has an information device",
            )
            .to_string(),
            yes_no(hh.has_info_device, l),
        ),
        (
            t.income.to_string(),
            e.income
                .map_or_else(|| t.not_recorded.to_string(), |v| l.vnd(v)),
        ),
        (
            t.income_per_capita.to_string(),
            e.income_per_capita
                .map_or_else(|| t.not_recorded.to_string(), |v| l.vnd(v.round() as i64)),
        ),
    ];
    let members = h
        .members
        .iter()
        .map(|m| {
            let mm = &m.member;
            MemberView {
                id: m.id.0,
                name: mm.full_name.to_string(),
                born: mm.date_of_birth.map(date).unwrap_or_default(),
                sex: mm
                    .sex
                    .map(|s| l.pick(s.vi(), s.en()).to_string())
                    .unwrap_or_default(),
                relation: l.pick(mm.relation.vi(), mm.relation.en()).to_string(),
                citizen_id: mm
                    .citizen_id
                    .as_ref()
                    .map(|c| c.masked())
                    .unwrap_or_default(),
                live: mm.end_date.is_none(),
            }
        })
        .collect();
    let indicators = e
        .indicators
        .iter()
        .map(|i| {
            let (outcome, css, detail) = match &i.outcome {
                Outcome::Deprived => (t.deprived, "deprived", String::new()),
                Outcome::NotDeprived => (t.not_deprived, "", String::new()),
                Outcome::Unknown { missing } => (
                    t.undecided,
                    "class-incomplete",
                    format!("{}: {}", t.missing_fields, missing.join(", ")),
                ),
            };
            IndicatorView {
                name: l.pick(&i.vi, &i.en).to_string(),
                outcome: outcome.to_string(),
                css,
                detail,
            }
        })
        .collect();
    let history = store
        .classification_history(h.id)
        .await?
        .into_iter()
        .rev()
        .map(|c| {
            let code = ansinh_store::class_code(c.record.class).to_string();
            HistoryView {
                as_of: date(c.record.as_of),
                standard: c.record.standard_id,
                class: class_label(&code, l),
                class_code: code,
                actor: c.actor,
            }
        })
        .collect();
    // The household's own entries and those of its memberships, newest first.
    let mut entries: Vec<(ansinh_store::AuditEntry, Option<String>)> = store
        .audit_trail(Entity::Household, Some(h.id.0))
        .await?
        .into_iter()
        .map(|a| (a, None))
        .collect();
    for m in &h.members {
        for a in store.audit_trail(Entity::Member, Some(m.id.0)).await? {
            entries.push((a, Some(m.member.full_name.to_string())));
        }
    }
    entries.sort_by_key(|(a, _)| std::cmp::Reverse((a.at, a.id)));
    let audit = entries
        .into_iter()
        .map(|(a, member)| AuditView {
            at: a.at.format("%d/%m/%Y %H:%M").to_string(),
            actor: a.actor,
            action: match member {
                Some(name) => format!("{} · {}: {name}", a.action.code(), t.members),
                None => a.action.code().to_string(),
            },
            reason: a.reason.unwrap_or_default(),
        })
        .collect();
    let class_code = ansinh_store::class_code(e.class).to_string();
    let page = HouseholdPage {
        f: Frame::of(&auth),
        id: h.id.0,
        saved: q.saved.is_some(),
        code: hh.code.to_string(),
        head: hh.head_name.to_string(),
        address: hh.address.to_string(),
        village,
        deleted: h.deleted,
        members,
        facts,
        class: class_label(&class_code, l),
        class_code,
        explanation: l.pick(&e.text_vi, &e.text_en).to_string(),
        indicators,
        history,
        audit,
    };
    Ok(html(&page))
}

// ------------------------------------------------------------------------------------------ lists

#[derive(Deserialize)]
pub struct ListsQuery {
    format: Option<String>,
}

struct EntryView {
    head: String,
    village: String,
    class: String,
    class_code: String,
    as_of: String,
}

fn entry_views(entries: &[ListEntry], l: Lang) -> Vec<EntryView> {
    entries
        .iter()
        .map(|e| EntryView {
            head: e.head_name.clone(),
            village: e.village.clone(),
            class: class_label(&e.class, l),
            class_code: e.class.clone(),
            as_of: chrono::NaiveDate::parse_from_str(&e.as_of, "%Y-%m-%d")
                .map(date)
                .unwrap_or_default(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "lists.html")]
struct ListsPage {
    f: Frame,
    title: String,
    entries: Vec<EntryView>,
}

pub async fn lists<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Query(q): Query<ListsQuery>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadLists)?;
    let l = auth.lang;
    let scoped = auth.scoped(&app);
    let units = scoped.units().await?;
    let households = scoped.households(&units).await?;
    let approved = scoped.approved_results(&units).await?;
    let entries = analysis::approved_lists(&households, &units, &approved);
    if q.format.as_deref() == Some("csv") {
        let detail = serde_json::json!({ "export": "poor_lists", "rows": entries.len(), "root": scoped.root().map(|u| u.0) });
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
        let mut csv = String::from("\u{feff}head_name,village,class,as_of\n");
        let field = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        for e in &entries {
            csv.push_str(&format!(
                "{},{},{},{}\n",
                field(&e.head_name),
                field(&e.village),
                e.class,
                e.as_of
            ));
        }
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"danh-sach-ho-ngheo-can-ngheo.csv\"",
                ),
            ],
            csv,
        )
            .into_response());
    }
    let page = ListsPage {
        title: l.t().nav_lists.to_string(),
        entries: entry_views(&entries, l),
        f: Frame::of(&auth),
    };
    Ok(html(&page))
}

// --------------------------------------------------------------------------------------- password

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    f: Frame,
    error: Option<&'static str>,
    done: bool,
}

pub async fn password_form<S: Backend>(auth: Authorized) -> Response {
    html(&PasswordPage {
        f: Frame::of(&auth),
        error: None,
        done: false,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

pub async fn password<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let t = auth.lang.t();
    // Guessing the current password from an open session counts as failed logins of the name.
    let name = &auth.user.username;
    if !app.limiter().allowed(name, &auth.client) {
        let page = PasswordPage {
            f: Frame::of(&auth),
            error: Some(t.login_limited),
            done: false,
        };
        return Ok((StatusCode::TOO_MANY_REQUESTS, html(&page)).into_response());
    }
    let error = if !auth::verify_password(form.current, auth.user.password_hash.clone()).await? {
        app.limiter().failed(name, &auth.client);
        Some(t.password_wrong)
    } else if form.new.chars().count() < 10 {
        Some(t.password_short)
    } else if form.new != form.repeat {
        Some(t.password_mismatch)
    } else {
        None
    };
    if let Some(error) = error {
        let page = PasswordPage {
            f: Frame::of(&auth),
            error: Some(error),
            done: false,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
    }
    let hash = auth::hash_password(form.new, app.config().password_cost).await?;
    app.store()
        .set_password_hash(&auth.ctx(), auth.user.id, &hash, Some(&auth.session_hash))
        .await?;
    Ok(html(&PasswordPage {
        f: Frame::of(&auth),
        error: None,
        done: true,
    }))
}

// ---------------------------------------------------------------------------------- unit settings

#[derive(Deserialize)]
pub struct PublicListsForm {
    on: String,
}

pub async fn set_public_lists<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Form(form): Form<PublicListsForm>,
) -> Result<Response, WebError> {
    let unit = auth.scoped(&app).unit_to_manage(UnitId(id)).await?;
    if auth.user.role == Role::CommuneOfficer && auth.user.unit != Some(unit.id) {
        // A commune officer decides for its own commune, not for one village of it.
        return Err(WebError::Forbidden { api: false });
    }
    app.store()
        .set_public_lists(
            &auth.ctx().because("public lists setting"),
            unit.id,
            form.on == "1",
        )
        .await?;
    Ok(Redirect::to("/dashboard").into_response())
}

// ----------------------------------------------------------------------------------- public pages

#[derive(Template)]
#[template(path = "public_index.html")]
struct PublicIndexPage {
    f: Frame,
    units: Vec<(String, String)>,
}

/// Communes and wards that publish their lists (no login).
pub async fn public_index<S: Backend>(
    State(app): State<App<S>>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let lang = lang_of(&headers);
    let day = today(&app);
    let mut units = Vec::new();
    for u in app.store().all_units().await? {
        if u.unit.kind.level() == 3
            && u.unit.is_valid_on(day)
            && app.store().public_lists(u.id).await?
        {
            units.push((format!("/public/{}", u.id.0), u.unit.name.to_string()));
        }
    }
    Ok(html(&PublicIndexPage {
        f: Frame::anonymous(lang),
        units,
    }))
}

#[derive(Template)]
#[template(path = "public_list.html")]
struct PublicListPage {
    f: Frame,
    unit_name: String,
    published: bool,
    entries: Vec<EntryView>,
}

/// The posted list of one commune or ward: head's name, village, class. Nothing else.
pub async fn public_list<S: Backend>(
    State(app): State<App<S>>,
    headers: HeaderMap,
    Path(unit): Path<i64>,
) -> Result<Response, WebError> {
    let lang = lang_of(&headers);
    let scoped = auth::public_scope(&app, UnitId(unit));
    let root = scoped.unit(UnitId(unit)).await?;
    if root.unit.kind.level() != 3 {
        return Err(WebError::NotFound { api: false });
    }
    let published = app.store().public_lists(root.id).await?;
    let entries = if published {
        let units = scoped.units().await?;
        let households = scoped.households(&units).await?;
        let approved = scoped.approved_results(&units).await?;
        entry_views(
            &analysis::approved_lists(&households, &units, &approved),
            lang,
        )
    } else {
        Vec::new()
    };
    Ok(html(&PublicListPage {
        f: Frame::anonymous(lang),
        unit_name: root.unit.name.to_string(),
        published,
        entries,
    }))
}

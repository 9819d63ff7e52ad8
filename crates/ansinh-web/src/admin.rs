//! The administrator's page of accounts (`/admin/users`): every account with its role, unit and state;
//! create one, change its name, role, unit and (for a partner agency) the agency whose list it
//! receives, set a new password (shown once), disable and enable.
//! The rules are the store's ([`AccountStore::update_user`], [`AccountStore::set_user_active`]): a
//! role other than administrator needs a unit, the registry keeps an active administrator, and a
//! disabled or moved account loses its open sessions. Only administrators reach these routes.

use crate::routing::Router;
use crate::routing::{get, post};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use ansinh_domain::registry::UnitId;
use ansinh_store::StoreError;
use ansinh_store::accounts::{NewUser, Role, UserChange, UserId, valid_username};

use crate::auth::{self, Action, Authorized};
use crate::error::WebError;
use crate::pages::{Frame, html};
use crate::{App, Backend};

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route("/admin/users", get(list::<S>).post(create::<S>))
        .route("/admin/users/{id}", post(change::<S>))
        .route("/admin/users/{id}/password", post(reset::<S>))
        .route("/admin/users/{id}/active", post(set_active::<S>))
}

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub role_label: &'static str,
    /// The unit id, -1 for none.
    pub unit: i64,
    pub unit_label: String,
    /// The partner list of a partner agency account ("" for none).
    pub agency: String,
    pub active: bool,
}

pub struct UnitOption {
    pub id: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    f: Frame,
    users: Vec<UserRow>,
    units: Vec<UnitOption>,
    roles: Vec<(&'static str, &'static str)>,
    /// `(id, name)` of the partner lists a partner agency account may receive.
    agencies: Vec<(String, String)>,
    /// A refusal to show (stable code and message).
    error: Option<(String, String)>,
    /// What was just done (with a new password shown once).
    done: Option<String>,
    new_password: Option<(String, String)>,
}

const ROLES: [Role; 4] = [
    Role::CommuneOfficer,
    Role::Supervisor,
    Role::Partner,
    Role::Admin,
];

async fn page<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    error: Option<(String, String)>,
    done: Option<String>,
    new_password: Option<(String, String)>,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let all_units = app.store().all_units().await?;
    let today = chrono::Local::now().date_naive();
    let label = |id: Option<UnitId>| match id.and_then(|id| all_units.iter().find(|u| u.id == id)) {
        Some(u) => format!("{} — {}", u.unit.code, u.unit.name),
        None => "—".to_string(),
    };
    let users = app
        .store()
        .users()
        .await?
        .into_iter()
        .map(|u| UserRow {
            id: u.id.0,
            username: u.username,
            display_name: u.display_name,
            role: u.role.code(),
            role_label: l.pick(u.role.vi(), u.role.en()),
            unit: u.unit.map_or(-1, |x| x.0),
            unit_label: label(u.unit),
            agency: u.agency.unwrap_or_default(),
            active: u.active,
        })
        .collect();
    let mut units: Vec<(u8, Vec<u8>, UnitOption)> = all_units
        .iter()
        .filter(|u| u.unit.is_valid_on(today) && u.unit.kind.level() <= 3)
        .map(|u| {
            (
                u.unit.kind.level(),
                ansinh_domain::collation::vi_sort_key(u.unit.name.as_str()),
                UnitOption {
                    id: u.id.0,
                    label: format!("{} — {}", u.unit.code, u.unit.name),
                },
            )
        })
        .collect();
    units.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let p = UsersPage {
        f: Frame::of(auth),
        users,
        units: units.into_iter().map(|(.., u)| u).collect(),
        roles: ROLES
            .iter()
            .map(|r| (r.code(), l.pick(r.vi(), r.en())))
            .collect(),
        agencies: agencies(app, auth)?,
        error,
        done,
        new_password,
    };
    Ok((status, html(&p)).into_response())
}

/// The partner lists an account may be given, in the file's order.
fn agencies<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
) -> Result<Vec<(String, String)>, WebError> {
    Ok(crate::entitlements_pages::partners(app)?
        .into_iter()
        .map(|p| {
            let name = format!("{} — {}", p.agency, auth.lang.pick(&p.name_vi, &p.name_en));
            (p.id, name)
        })
        .collect())
}

/// The agency of the form for a partner agency account (none for the other roles), refused when it
/// names no partner list; a missing one is left to the store (`ACC_AGENCY_REQUIRED`).
fn parse_agency<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    role: Role,
    text: &str,
) -> Result<Result<Option<String>, (String, String)>, WebError> {
    let a = text.trim();
    if role != Role::Partner || a.is_empty() {
        return Ok(Ok(None));
    }
    if agencies(app, auth)?.iter().any(|(id, _)| id == a) {
        Ok(Ok(Some(a.to_string())))
    } else {
        Ok(Err((
            "ACC_AGENCY_UNKNOWN".to_string(),
            format!("{}: {a}", auth.lang.t().acc_agency_unknown),
        )))
    }
}

/// A store refusal the administrator can act on is shown on the page; anything else is an error.
fn refusal(auth: &Authorized, e: StoreError) -> Result<(String, String), WebError> {
    match e {
        StoreError::Invalid(_) | StoreError::Duplicate { .. } | StoreError::NotFound { .. } => {
            Ok((
                e.code().to_string(),
                auth.lang.pick(&e.message_vi(), &e.message_en()).to_string(),
            ))
        }
        other => Err(WebError::Store(other)),
    }
}

pub async fn list<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
) -> Result<Response, WebError> {
    auth.require(Action::ManageAccounts)?;
    page(&app, &auth, None, None, None).await
}

#[derive(Deserialize)]
pub struct CreateForm {
    username: String,
    display_name: String,
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    agency: String,
}

fn parse_unit(s: &str) -> Option<UnitId> {
    s.trim().parse::<i64>().ok().map(UnitId)
}

fn parse_role(s: &str) -> Result<Role, WebError> {
    Role::from_code(s).ok_or_else(|| WebError::BadRequest(format!("role `{s}`")))
}

/// A fresh password of 16 hexadecimal characters, shown once to the administrator.
fn new_password() -> Result<String, WebError> {
    Ok(auth::random_token()?.chars().take(16).collect())
}

pub async fn create<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Form(form): Form<CreateForm>,
) -> Result<Response, WebError> {
    auth.require(Action::ManageAccounts)?;
    let t = auth.lang.t();
    let username = form.username.trim().to_lowercase();
    let role = parse_role(&form.role)?;
    let unit = if role == Role::Admin {
        None
    } else {
        parse_unit(&form.unit)
    };
    if !valid_username(&username) {
        let e = ("ACC_USERNAME".to_string(), t.acc_username_rule.to_string());
        return page(&app, &auth, Some(e), None, None).await;
    }
    if form.display_name.trim().is_empty() {
        let e = (
            "ACC_NAME_REQUIRED".to_string(),
            t.acc_name_required.to_string(),
        );
        return page(&app, &auth, Some(e), None, None).await;
    }
    if role != Role::Admin && unit.is_none() {
        let e = refusal(
            &auth,
            StoreError::Invalid(ansinh_store::Invalid::Account(
                ansinh_store::AccountProblem::UnitRequired,
            )),
        )?;
        return page(&app, &auth, Some(e), None, None).await;
    }
    let agency = match parse_agency(&app, &auth, role, &form.agency)? {
        Ok(a) => a,
        Err(e) => return page(&app, &auth, Some(e), None, None).await,
    };
    if let Some(u) = unit {
        // The unit must exist (a guessed id is refused like a missing one).
        if app.store().unit(u).await.is_err() {
            return Err(WebError::BadRequest(format!("unit {}", u.0)));
        }
    }
    let pw = new_password()?;
    let hash = auth::hash_password(pw.clone(), app.config().password_cost).await?;
    let made = app
        .store()
        .create_user(
            &auth.ctx(),
            &NewUser {
                username: username.clone(),
                display_name: form.display_name.trim().to_string(),
                password_hash: hash,
                role,
                unit,
                agency,
            },
        )
        .await;
    match made {
        Ok(_) => {
            page(
                &app,
                &auth,
                None,
                Some(format!("{} {username}", t.acc_created)),
                Some((username, pw)),
            )
            .await
        }
        Err(e) => {
            let e = refusal(&auth, e)?;
            page(&app, &auth, Some(e), None, None).await
        }
    }
}

#[derive(Deserialize)]
pub struct ChangeForm {
    display_name: String,
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    reason: String,
}

pub async fn change<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, WebError> {
    auth.require(Action::ManageAccounts)?;
    let role = parse_role(&form.role)?;
    let agency = match parse_agency(&app, &auth, role, &form.agency)? {
        Ok(a) => a,
        Err(e) => return page(&app, &auth, Some(e), None, None).await,
    };
    let change = UserChange {
        display_name: form.display_name.trim().to_string(),
        role,
        unit: if role == Role::Admin {
            None
        } else {
            parse_unit(&form.unit)
        },
        agency,
    };
    let reason = form.reason.trim();
    let ctx = if reason.is_empty() {
        auth.ctx()
    } else {
        auth.ctx().because(reason)
    };
    match app.store().update_user(&ctx, UserId(id), &change).await {
        Ok(u) => {
            let done = format!("{} {}", auth.lang.t().acc_changed, u.username);
            page(&app, &auth, None, Some(done), None).await
        }
        Err(e) => {
            let e = refusal(&auth, e)?;
            page(&app, &auth, Some(e), None, None).await
        }
    }
}

pub async fn reset<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    auth.require(Action::ManageAccounts)?;
    let user = match app.store().user(UserId(id)).await {
        Ok(u) => u,
        Err(StoreError::NotFound { .. }) => return Err(WebError::NotFound { api: false }),
        Err(e) => return Err(e.into()),
    };
    let pw = new_password()?;
    let hash = auth::hash_password(pw.clone(), app.config().password_cost).await?;
    // Every session of the account ends, the administrator's own included when it resets itself,
    // except the session making the change.
    app.store()
        .set_password_hash(&auth.ctx(), user.id, &hash, Some(&auth.session_hash))
        .await?;
    let done = format!("{} {}", auth.lang.t().acc_password_set, user.username);
    page(&app, &auth, None, Some(done), Some((user.username, pw))).await
}

#[derive(Deserialize)]
pub struct ActiveForm {
    on: String,
}

pub async fn set_active<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, WebError> {
    auth.require(Action::ManageAccounts)?;
    let on = form.on == "1";
    match app
        .store()
        .set_user_active(&auth.ctx(), UserId(id), on)
        .await
    {
        Ok(u) => {
            let t = auth.lang.t();
            let what = if on { t.acc_enabled } else { t.acc_disabled };
            page(
                &app,
                &auth,
                None,
                Some(format!("{what} {}", u.username)),
                None,
            )
            .await
        }
        Err(e) => {
            let e = refusal(&auth, e)?;
            page(&app, &auth, Some(e), None, None).await
        }
    }
}

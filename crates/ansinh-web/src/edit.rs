//! Editing the registry: a household's own data (address, unit, dwelling, water, toilet, services,
//! incomes), a new household with its head, members added, corrected and ended. The pages and the JSON
//! API ([`crate::api_edit`]) share the functions here.
//!
//! Every field is parsed by the import's own parsers (`ansinh_registry_io::import::parse_*_fields`), so a
//! value a form accepts is exactly a value a file may hold, with the same messages. Nothing is stored
//! unless every field is valid; a problem is shown beside its field with what the user typed kept.
//! Saves carry the household's version: when another officer saved first, the store writes nothing,
//! and the user is shown who saved, when, and the current values. Corrections need a reason (the audit
//! trail keeps it).

use std::collections::BTreeSet;

use crate::routing::Router;
use crate::routing::get;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};

use ansinh_domain::money::Vnd;
use ansinh_domain::registry::{
    Household, HouseholdCode, HouseholdId, IncomeRecord, Member, MemberId, UnitId,
};
use ansinh_domain::text::NfcText;
use ansinh_registry_io::columns::{Col, HOUSEHOLD_COLS, MEMBER_COLS, Ty};
use ansinh_registry_io::export::{household_texts, member_texts};
use ansinh_registry_io::import::{
    FieldError, parse_bool, parse_date, parse_household_fields, parse_member_fields, parse_money,
};
use ansinh_store::{Entity, Invalid, Store, StoreError, StoredHousehold, StoredUnit};

use crate::auth::{Action, Authorized, Scoped, today};
use crate::error::WebError;
use crate::i18n::{Labels, Lang, date};
use crate::pages::{Frame, html};
use crate::{App, Backend};

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route(
            "/households/new",
            get(new_household_form::<S>).post(new_household::<S>),
        )
        .route(
            "/households/{id}/edit",
            get(edit_household_form::<S>).post(edit_household::<S>),
        )
        .route(
            "/households/{id}/members/new",
            get(new_member_form::<S>).post(new_member::<S>),
        )
        .route(
            "/households/{id}/members/{member}/edit",
            get(edit_member_form::<S>).post(edit_member::<S>),
        )
        .route(
            "/households/{id}/members/{member}/end",
            get(end_member_form::<S>).post(end_member_page::<S>),
        )
}

// ------------------------------------------------------------------------------------ input, issues

/// What a person typed: field name → text, as a form (or the API, translated) sends it. Field names are
/// the registry tables' column names (`head_name`, `water_source`, `citizen_id`, …), plus `unit` (a
/// unit id), `income_date_N` / `income_amount_N` / `income_note_N`, `version` and `reason`.
#[derive(Clone, Debug, Default)]
pub struct Input(pub Vec<(String, String)>);

impl Input {
    /// The trimmed text of a field (empty when absent).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }
    pub fn set(&mut self, name: &str, value: String) {
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some(kv) => kv.1 = value,
            None => self.0.push((name.to_string(), value)),
        }
    }
    /// The numbers N of the income rows typed.
    fn income_rows(&self) -> Vec<usize> {
        let mut rows: BTreeSet<usize> = BTreeSet::new();
        for (k, _) in &self.0 {
            for p in ["income_date_", "income_amount_", "income_note_"] {
                if let Some(n) = k.strip_prefix(p).and_then(|n| n.parse().ok()) {
                    rows.insert(n);
                }
            }
        }
        rows.into_iter().collect()
    }
}

/// A problem with one field (an empty field: the record as a whole), in both languages.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldIssue {
    pub field: String,
    pub code: String,
    pub message_vi: String,
    pub message_en: String,
}

impl FieldIssue {
    fn new(field: &str, code: &str, vi: &str, en: &str) -> FieldIssue {
        FieldIssue {
            field: field.to_string(),
            code: code.to_string(),
            message_vi: vi.to_string(),
            message_en: en.to_string(),
        }
    }
    /// An issue from the label table (`pick` takes the message from a language's labels).
    fn label(field: &str, code: &str, pick: LabelOf) -> FieldIssue {
        FieldIssue::new(field, code, pick(&crate::i18n::VI), pick(&crate::i18n::EN))
    }
    fn of_store(field: &str, e: &StoreError) -> FieldIssue {
        FieldIssue::new(field, e.code(), &e.message_vi(), &e.message_en())
    }
    fn of_parse(e: FieldError, rename: impl Fn(&str) -> String) -> FieldIssue {
        FieldIssue {
            field: rename(&e.field),
            code: e.code.to_string(),
            message_vi: e.vi,
            message_en: e.en,
        }
    }
    pub fn message(&self, l: Lang) -> &str {
        l.pick(&self.message_vi, &self.message_en)
    }
}

/// Another officer saved the household first: nothing was written.
#[derive(Debug)]
pub struct Stale {
    /// The household as it is now.
    pub household: StoredHousehold,
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub error: StoreError,
}

/// Why a save wrote nothing.
#[derive(Debug)]
pub enum SaveError {
    /// Problems with fields (a citizen-ID conflict and a duplicate household code included).
    Fields(Vec<FieldIssue>),
    Stale(Box<Stale>),
    Web(WebError),
}

impl<E: Into<WebError>> From<E> for SaveError {
    fn from(e: E) -> SaveError {
        SaveError::Web(e.into())
    }
}

impl SaveError {
    /// Whether the problem is a person already living in another household.
    pub fn is_conflict(&self) -> bool {
        matches!(self, SaveError::Fields(v) if v.iter().any(|i| i.code == "REG_CITIZEN_ID_CONFLICT"))
    }
}

/// A store refusal that belongs beside a field (or to the record), or a failure.
fn store_refusal(e: StoreError, citizen_id_field: &str) -> SaveError {
    let field = match &e {
        StoreError::Conflict { .. } => citizen_id_field,
        StoreError::Duplicate {
            what: Entity::Household,
            ..
        } => "household_code",
        StoreError::Invalid(Invalid::ReasonRequired) => "reason",
        StoreError::Invalid(Invalid::DateRange { .. }) => "end_date",
        StoreError::Invalid(Invalid::HouseholdDeleted { .. } | Invalid::Value(_)) => "",
        _ => return SaveError::Web(e.into()),
    };
    SaveError::Fields(vec![FieldIssue::of_store(field, &e)])
}

fn fields_or<T>(issues: Vec<FieldIssue>, v: Option<T>) -> Result<T, SaveError> {
    match v {
        Some(v) if issues.is_empty() => Ok(v),
        _ => Err(SaveError::Fields(issues)),
    }
}

fn version_of(input: &Input) -> Result<i64, SaveError> {
    input
        .get("version")
        .parse()
        .map_err(|_| SaveError::Web(WebError::BadRequest("version".into())))
}

/// The latest audit entry about a household or one of its members: who saved, and when.
pub async fn last_change<S: Store>(
    store: &S,
    h: &StoredHousehold,
) -> Result<Option<(String, DateTime<Utc>)>, WebError> {
    let mut entries = store.audit_trail(Entity::Household, Some(h.id.0)).await?;
    for m in &h.members {
        entries.extend(store.audit_trail(Entity::Member, Some(m.id.0)).await?);
    }
    Ok(entries
        .into_iter()
        .max_by_key(|a| (a.at, a.id))
        .map(|a| (a.actor, a.at)))
}

async fn stale<S: Backend>(
    scoped: &Scoped<'_, S>,
    id: HouseholdId,
    error: StoreError,
) -> SaveError {
    let household = match scoped.household(id).await {
        Ok(h) => h,
        Err(e) => return SaveError::Web(e.into()),
    };
    match last_change(scoped.checked_store(), &household).await {
        Ok(last) => SaveError::Stale(Box::new(Stale {
            by: last.as_ref().map(|l| l.0.clone()),
            at: last.map(|l| l.1),
            household,
            error,
        })),
        Err(e) => SaveError::Web(e),
    }
}

/// The column of a table by name.
fn col(cols: &'static [Col], name: &str) -> &'static Col {
    cols.iter().find(|c| c.name == name).unwrap_or(&cols[0])
}

// ------------------------------------------------------------------------------------------ parsing

/// The household fields a form edits directly (incomes and the unit have their own inputs).
const HOUSEHOLD_FIELDS: [&[&str]; 3] = [
    &["household_code", "unit", "head_name", "address", "area"],
    &["housing_quality", "floor_area_m2", "water_source", "toilet"],
    &[
        "uses_telecom",
        "has_info_device",
        "hears_loudspeaker",
        "uses_internet",
        "uses_digital_services",
        "waste_treated",
    ],
];

/// The member fields of a form: the person, work/education/health, the membership.
const MEMBER_FIELDS: [&[&str]; 3] = [
    &[
        "full_name",
        "relation",
        "date_of_birth",
        "sex",
        "citizen_id",
        "ethnicity",
    ],
    &[
        "labour_status",
        "has_health_insurance",
        "education_level",
        "attending_school",
        "in_training",
        "stunted_or_underweight",
        "is_disabled",
        "receives_social_allowance",
        "sick_untreated",
    ],
    &["start_date", "end_date"],
];

/// The head's fields on the form of a new household (`head_` + the member column).
const HEAD_FIELDS: [&str; 3] = ["date_of_birth", "sex", "citizen_id"];

/// Parses the household typed in `input`; `on` is today (no income recorded after it).
async fn parse_household<S: Backend>(
    scoped: &Scoped<'_, S>,
    input: &Input,
    on: NaiveDate,
) -> Result<(Household, Vec<FieldIssue>), SaveError> {
    let mut issues = Vec::new();
    let unit = match input.get("unit").parse::<i64>() {
        Ok(id) => match scoped.unit_to_record(UnitId(id), on).await {
            Ok(u) => Some(u),
            Err(ansinh_app::AppError::NotFound) => None,
            Err(e) => return Err(SaveError::Web(e.into())),
        },
        Err(_) => None,
    };
    if unit.is_none() {
        issues.push(FieldIssue::label("unit", "WEB_UNIT", |t| t.unit_invalid));
    }
    // A placeholder code when no unit was chosen, so the unit is reported once.
    let unit_code = unit
        .as_ref()
        .map_or_else(|| "X".to_string(), |u| u.unit.code.to_string());
    let pairs: Vec<(&str, &str)> = HOUSEHOLD_COLS
        .iter()
        .filter(|c| !matches!(c.name, "monthly_income_vnd" | "income_recorded_on"))
        .map(|c| {
            let v = if c.name == "unit_code" {
                unit_code.as_str()
            } else {
                input.get(c.name)
            };
            (c.name, v)
        })
        .collect();
    let parsed = match parse_household_fields(&pairs, on) {
        Ok(h) => Some(h),
        Err(errs) => {
            issues.extend(errs.into_iter().map(|e| {
                FieldIssue::of_parse(e, |f| if f == "unit_code" { "unit" } else { f }.to_string())
            }));
            None
        }
    };
    let incomes = parse_incomes(input, on, &mut issues);
    let mut h = match (parsed, unit) {
        (Some(p), Some(u)) => {
            let mut h = p.household;
            h.unit = u.id;
            h
        }
        _ => Household::new(
            HouseholdCode::parse("X").map_err(|e| WebError::Internal(e.to_string()))?,
            UnitId(0),
            "",
            "",
        ),
    };
    h.incomes = incomes;
    Ok((h, issues))
}

/// The incomes typed as rows `income_date_N`, `income_amount_N`, `income_note_N`, by date.
fn parse_incomes(input: &Input, on: NaiveDate, issues: &mut Vec<FieldIssue>) -> Vec<IncomeRecord> {
    let mut out: Vec<IncomeRecord> = Vec::new();
    for n in input.income_rows() {
        let (df, af) = (format!("income_date_{n}"), format!("income_amount_{n}"));
        let (d, a) = (input.get(&df), input.get(&af));
        if d.is_empty() && a.is_empty() {
            continue;
        }
        if d.is_empty() || a.is_empty() {
            let f = if d.is_empty() { &df } else { &af };
            issues.push(FieldIssue::label(f, "WEB_INCOME", |t| t.income_incomplete));
            continue;
        }
        let before = issues.len();
        let day = parse_date(d);
        let amount = parse_money(a).filter(|v| *v >= 0);
        match day {
            None => issues.push(FieldIssue::label(&df, "IMP_VALUE", |t| t.bad_date)),
            Some(x) if x > on => issues.push(FieldIssue::label(&df, "IMP_DATE_FUTURE", |t| {
                t.income_future
            })),
            Some(x) if out.iter().any(|r| r.recorded_on == x) => {
                issues.push(FieldIssue::label(&df, "IMP_DUPLICATE", |t| t.income_twice))
            }
            _ => {}
        }
        if amount.is_none() {
            issues.push(FieldIssue::label(&af, "IMP_VALUE", |t| t.bad_amount));
        }
        if let (Some(day), Some(amount), true) = (day, amount, issues.len() == before) {
            let note = input.get(&format!("income_note_{n}"));
            out.push(IncomeRecord {
                recorded_on: day,
                monthly_income_vnd: Vnd(amount),
                note: (!note.is_empty()).then(|| NfcText::new(note)),
            });
        }
    }
    out.sort_by_key(|r| r.recorded_on);
    out
}

/// Parses the member typed in `input` (fields named as the member table's, after `prefix`).
fn parse_member(
    input: &Input,
    household: &HouseholdCode,
    on: NaiveDate,
    prefix: &str,
) -> Result<Member, Vec<FieldIssue>> {
    let keys: Vec<String> = MEMBER_COLS
        .iter()
        .map(|c| format!("{prefix}{}", c.name))
        .collect();
    let pairs: Vec<(&str, &str)> = MEMBER_COLS
        .iter()
        .zip(&keys)
        .map(|(c, k)| {
            let v = if c.name == "household_code" {
                household.as_str()
            } else {
                input.get(k)
            };
            (c.name, v)
        })
        .collect();
    parse_member_fields(&pairs, on).map_err(|errs| {
        errs.into_iter()
            .map(|e| FieldIssue::of_parse(e, |f| format!("{prefix}{f}")))
            .collect()
    })
}

fn reason_of(input: &Input, issues: &mut Vec<FieldIssue>) -> String {
    let r = input.get("reason").to_string();
    if r.is_empty() {
        issues.push(FieldIssue::label("reason", "REG_REASON_REQUIRED", |t| {
            t.reason_required
        }));
    }
    r
}

// --------------------------------------------------------------------------------------------- saves

/// Saves a household's own data (incomes included, unless `keep_incomes`) under the version typed;
/// returns the new version.
pub async fn save_household<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    id: HouseholdId,
    input: &Input,
    keep_incomes: bool,
) -> Result<i64, SaveError> {
    let scoped = auth.scoped(app);
    let current = scoped.household_to_edit(id).await?;
    let version = version_of(input)?;
    let (mut h, mut issues) = parse_household(&scoped, input, today(app)).await?;
    let reason = reason_of(input, &mut issues);
    if !issues.is_empty() {
        return Err(SaveError::Fields(issues));
    }
    if keep_incomes {
        h.incomes = current.household.incomes.clone();
    }
    let ctx = auth.ctx().because(&reason);
    match app.store().update_household(&ctx, id, version, &h).await {
        Ok(v) => Ok(v),
        Err(e @ StoreError::StaleVersion { .. }) => Err(stale(&scoped, id, e).await),
        Err(e) => Err(store_refusal(e, "")),
    }
}

/// Records a new household with its head (the head's date of birth, sex and citizen ID are the
/// `head_*` fields).
pub async fn create_household<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    input: &Input,
) -> Result<StoredHousehold, SaveError> {
    auth.require(Action::EditRegistry)?;
    let scoped = auth.scoped(app);
    let on = today(app);
    let (h, mut issues) = parse_household(&scoped, input, on).await?;
    let mut head_input = input.clone();
    head_input.set("head_full_name", input.get("head_name").to_string());
    head_input.set("head_relation", "head".into());
    let head = match parse_member(&head_input, &h.code, on, "head_") {
        Ok(m) => Some(m),
        Err(errs) => {
            // The name is the household's head_name, reported there already.
            issues.extend(errs.into_iter().filter(|e| e.field != "head_full_name"));
            None
        }
    };
    let head = fields_or(issues, head)?;
    let note = input.get("reason");
    let ctx = if note.is_empty() {
        auth.ctx()
    } else {
        auth.ctx().because(note)
    };
    app.store()
        .create_household(&ctx, &h, std::slice::from_ref(&head))
        .await
        .map_err(|e| store_refusal(e, "head_citizen_id"))
}

/// Adds a member under the version typed; returns the member's id and the new version.
pub async fn add_member<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    household: HouseholdId,
    input: &Input,
) -> Result<(MemberId, i64), SaveError> {
    let scoped = auth.scoped(app);
    let current = scoped.household_to_edit(household).await?;
    let version = version_of(input)?;
    let m =
        parse_member(input, &current.household.code, today(app), "").map_err(SaveError::Fields)?;
    let note = input.get("reason");
    let ctx = if note.is_empty() {
        auth.ctx()
    } else {
        auth.ctx().because(note)
    };
    match app.store().add_member(&ctx, household, version, &m).await {
        Ok(v) => Ok(v),
        Err(e @ StoreError::StaleVersion { .. }) => Err(stale(&scoped, household, e).await),
        Err(e) => Err(store_refusal(e, "citizen_id")),
    }
}

/// The household (of the user's units) and one of its memberships.
async fn membership<S: Backend>(
    scoped: &Scoped<'_, S>,
    household: HouseholdId,
    member: MemberId,
) -> Result<(StoredHousehold, Member), WebError> {
    let h = scoped.household_to_edit(household).await?;
    let m = h
        .members
        .iter()
        .find(|m| m.id == member)
        .map(|m| m.member.clone())
        .ok_or(WebError::NotFound { api: false })?;
    Ok((h, m))
}

/// Saves a corrected member (a reason is required); returns the new version.
pub async fn update_member<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    household: HouseholdId,
    member: MemberId,
    input: &Input,
) -> Result<i64, SaveError> {
    let scoped = auth.scoped(app);
    let (current, _) = membership(&scoped, household, member).await?;
    let version = version_of(input)?;
    let parsed = parse_member(input, &current.household.code, today(app), "");
    let mut issues = parsed.as_ref().err().cloned().unwrap_or_default();
    let reason = reason_of(input, &mut issues);
    let m = fields_or(issues, parsed.ok())?;
    let ctx = auth.ctx().because(&reason);
    match app.store().update_member(&ctx, member, version, &m).await {
        Ok(v) => Ok(v),
        Err(e @ StoreError::StaleVersion { .. }) => Err(stale(&scoped, household, e).await),
        Err(e) => Err(store_refusal(e, "citizen_id")),
    }
}

/// A text of the label table, for either language.
pub type LabelOf = fn(&Labels) -> &'static str;

/// Why a membership ends: stable code and label.
pub const END_KINDS: [(&str, LabelOf); 5] = [
    ("died", |t| t.end_died),
    ("moved_away", |t| t.end_moved),
    ("married_out", |t| t.end_married),
    ("split_off", |t| t.end_split),
    ("other", |t| t.end_other),
];

/// Ends a membership on `end_date` for `end_kind` (and `note`: required for `other`); the audit trail
/// keeps the reason. Returns the new version.
pub async fn end_member<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    household: HouseholdId,
    member: MemberId,
    input: &Input,
) -> Result<i64, SaveError> {
    let scoped = auth.scoped(app);
    let (_, mut m) = membership(&scoped, household, member).await?;
    let version = version_of(input)?;
    let mut issues = Vec::new();
    let end = match input.get("end_date") {
        "" => {
            issues.push(FieldIssue::label("end_date", "IMP_REQUIRED", |t| {
                t.end_date_required
            }));
            None
        }
        s => {
            let d = parse_date(s);
            match d {
                None => issues.push(FieldIssue::label("end_date", "IMP_VALUE", |t| t.bad_date)),
                Some(d) if m.start_date.is_some_and(|s| d <= s) => {
                    issues.push(FieldIssue::label("end_date", "IMP_DATE_RANGE", |t| {
                        t.end_before_start
                    }))
                }
                _ => {}
            }
            d
        }
    };
    let kind = END_KINDS.iter().find(|(c, _)| *c == input.get("end_kind"));
    if kind.is_none() {
        issues.push(FieldIssue::label("end_kind", "IMP_CHOICE", |t| {
            t.end_kind_required
        }));
    }
    let note = input.get("reason");
    if note.is_empty() && kind.is_some_and(|(c, _)| *c == "other") {
        issues.push(FieldIssue::label("reason", "REG_REASON_REQUIRED", |t| {
            t.end_note_required
        }));
    }
    let (Some(end), Some((_, label)), true) = (end, kind, issues.is_empty()) else {
        return Err(SaveError::Fields(issues));
    };
    let mut reason = format!("{} / {}", label(&crate::i18n::VI), label(&crate::i18n::EN));
    if !note.is_empty() {
        reason.push_str(": ");
        reason.push_str(note);
    }
    m.end_date = Some(end);
    let ctx = auth.ctx().because(&reason);
    match app.store().update_member(&ctx, member, version, &m).await {
        Ok(v) => Ok(v),
        Err(e @ StoreError::StaleVersion { .. }) => Err(stale(&scoped, household, e).await),
        Err(e) => Err(store_refusal(e, "citizen_id")),
    }
}

// ------------------------------------------------------------------------------------- form values

/// The stored household as form input (incomes as rows, two empty rows to add).
async fn household_input<S: Backend>(
    store: &S,
    h: &StoredHousehold,
    l: Lang,
) -> Result<Input, WebError> {
    let unit = store.unit(h.household.unit).await?;
    let mut input = Input(
        household_texts(h, &unit.unit.code)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    );
    input.set("unit", h.household.unit.0.to_string());
    input.set("version", h.version.to_string());
    let n = h.household.incomes.len();
    for (i, r) in h.household.incomes.iter().enumerate() {
        input.set(&format!("income_date_{i}"), date(r.recorded_on));
        input.set(&format!("income_amount_{i}"), l.int(r.monthly_income_vnd.0));
        input.set(
            &format!("income_note_{i}"),
            r.note.as_ref().map(|n| n.to_string()).unwrap_or_default(),
        );
    }
    for i in n..n + 2 {
        input.set(&format!("income_date_{i}"), String::new());
    }
    Ok(input)
}

/// A stored member as form input.
fn member_input(h: &StoredHousehold, member: MemberId) -> Option<Input> {
    let k = h.members.iter().position(|m| m.id == member)?;
    let row = member_texts(h).into_iter().nth(k)?;
    let mut input = Input(row.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
    input.set("version", h.version.to_string());
    Some(input)
}

// ------------------------------------------------------------------------------------------- views

pub(crate) struct FieldView {
    pub name: String,
    pub label: String,
    /// `text` or `select`.
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<(String, String, bool)>,
    pub error: Option<String>,
    pub required: bool,
    pub hint: &'static str,
    pub mode: &'static str,
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn error_of(name: &str, issues: &[FieldIssue], l: Lang) -> Option<String> {
    let msgs: Vec<&str> = issues
        .iter()
        .filter(|i| i.field == name)
        .map(|i| i.message(l))
        .collect();
    (!msgs.is_empty()).then(|| msgs.join(" "))
}

impl FieldView {
    fn text(name: &str, label: String, value: &str, issues: &[FieldIssue], l: Lang) -> FieldView {
        FieldView {
            name: name.to_string(),
            label,
            kind: "text",
            value: value.to_string(),
            options: Vec::new(),
            error: error_of(name, issues, l),
            required: false,
            hint: "",
            mode: "text",
        }
    }
    /// The input of a registry column, named `name` on the form.
    fn column(name: &str, c: &Col, input: &Input, issues: &[FieldIssue], l: Lang) -> FieldView {
        let t = l.t();
        let label = l.pick(&c.header(), &cap(c.en)).to_string();
        let value = input.get(name);
        let mut v = FieldView::text(name, label, value, issues, l);
        v.required = c.required;
        match c.ty {
            Ty::Choice(values) => {
                v.kind = "select";
                v.options
                    .push((String::new(), t.not_recorded_choice.into(), false));
                let chosen = values.iter().position(|x| {
                    x.code == value
                        || ansinh_domain::text::search_key(x.vi)
                            == ansinh_domain::text::search_key(value)
                });
                for (i, x) in values.iter().enumerate() {
                    v.options.push((
                        x.code.to_string(),
                        cap(l.pick(x.vi, x.en)),
                        chosen == Some(i),
                    ));
                }
                v.options[0].2 = chosen.is_none();
            }
            Ty::Bool => {
                v.kind = "select";
                let b = parse_bool(value);
                v.options = vec![
                    (String::new(), t.not_recorded_choice.into(), b.is_none()),
                    ("true".into(), cap(t.yes), b == Some(true)),
                    ("false".into(), cap(t.no), b == Some(false)),
                ];
            }
            Ty::Date => {
                v.hint = t.date_hint;
                // Stored dates come as ISO; show them the Vietnamese way.
                if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
                    v.value = date(d);
                }
            }
            Ty::Money | Ty::Float => v.mode = "decimal",
            Ty::CitizenId => v.mode = "numeric",
            Ty::Text | Ty::Code => {}
        }
        v
    }
    fn select(
        name: &str,
        label: &str,
        options: Vec<(String, String)>,
        input: &Input,
        issues: &[FieldIssue],
        l: Lang,
    ) -> FieldView {
        let value = input.get(name);
        let mut v = FieldView::text(name, label.to_string(), value, issues, l);
        v.kind = "select";
        v.required = true;
        v.options = options
            .into_iter()
            .map(|(k, s)| {
                let on = k == value;
                (k, s, on)
            })
            .collect();
        v
    }
    /// The value as a person reads it (the label of a chosen option).
    fn shown(&self) -> String {
        if self.kind == "select" {
            return self
                .options
                .iter()
                .find(|o| o.2 && !o.0.is_empty())
                .map(|o| o.1.clone())
                .unwrap_or_default();
        }
        self.value.clone()
    }
}

pub(crate) struct Section {
    pub legend: &'static str,
    pub fields: Vec<FieldView>,
}

pub(crate) struct IncomeRow {
    pub n: usize,
    pub date: String,
    pub amount: String,
    pub note: String,
    pub date_error: Option<String>,
    pub amount_error: Option<String>,
}

pub(crate) struct StaleView {
    pub by: String,
    pub at: String,
    pub message: String,
    /// What the user typed that differs from the current values: (label, typed).
    pub typed: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "edit_form.html")]
pub(crate) struct FormPage {
    pub f: Frame,
    pub title: String,
    pub subtitle: String,
    pub action: String,
    pub back: String,
    pub version: Option<i64>,
    /// Problems of the record as a whole, or summaries (a conflict names both households).
    pub summary: Vec<String>,
    pub stale: Option<StaleView>,
    pub sections: Vec<Section>,
    pub incomes: Option<Vec<IncomeRow>>,
    pub reason: Option<FieldView>,
    pub submit: String,
}

/// Page-level messages: the count of field problems, and those that belong to no field or that the user
/// must see at once (a citizen ID already in another household).
fn summary_of(issues: &[FieldIssue], l: Lang) -> Vec<String> {
    if issues.is_empty() {
        return Vec::new();
    }
    let mut out = vec![l.t().not_saved_errors.to_string()];
    for i in issues {
        if i.field.is_empty() || i.code == "REG_CITIZEN_ID_CONFLICT" {
            out.push(i.message(l).to_string());
        }
    }
    out
}

fn income_rows(input: &Input, issues: &[FieldIssue], l: Lang) -> Vec<IncomeRow> {
    input
        .income_rows()
        .into_iter()
        .map(|n| {
            let (d, a) = (format!("income_date_{n}"), format!("income_amount_{n}"));
            IncomeRow {
                n,
                date: input.get(&d).to_string(),
                amount: input.get(&a).to_string(),
                note: input.get(&format!("income_note_{n}")).to_string(),
                date_error: error_of(&d, issues, l),
                amount_error: error_of(&a, issues, l),
            }
        })
        .collect()
}

fn unit_options(units: &[StoredUnit]) -> Vec<(String, String)> {
    units
        .iter()
        .map(|u| {
            (
                u.id.0.to_string(),
                format!("{} ({})", u.unit.name, u.unit.code),
            )
        })
        .collect()
}

fn household_sections(
    units: &[StoredUnit],
    input: &Input,
    issues: &[FieldIssue],
    l: Lang,
    with_head: bool,
) -> Vec<Section> {
    let t = l.t();
    let legends = [t.section_general, t.section_living, t.section_services];
    let mut out: Vec<Section> = HOUSEHOLD_FIELDS
        .iter()
        .zip(legends)
        .map(|(names, legend)| Section {
            legend,
            fields: names
                .iter()
                .map(|&n| {
                    if n == "unit" {
                        FieldView::select(n, t.unit_choice, unit_options(units), input, issues, l)
                    } else {
                        FieldView::column(n, col(HOUSEHOLD_COLS, n), input, issues, l)
                    }
                })
                .collect(),
        })
        .collect();
    if with_head {
        out.insert(
            1,
            Section {
                legend: t.section_head,
                fields: HEAD_FIELDS
                    .iter()
                    .map(|n| {
                        let name = format!("head_{n}");
                        FieldView::column(&name, col(MEMBER_COLS, n), input, issues, l)
                    })
                    .collect(),
            },
        );
    }
    out
}

fn member_sections(input: &Input, issues: &[FieldIssue], l: Lang, with_end: bool) -> Vec<Section> {
    let t = l.t();
    let legends = [t.section_person, t.section_work, t.section_membership];
    MEMBER_FIELDS
        .iter()
        .zip(legends)
        .map(|(names, legend)| Section {
            legend,
            fields: names
                .iter()
                .filter(|n| with_end || **n != "end_date")
                .map(|n| FieldView::column(n, col(MEMBER_COLS, n), input, issues, l))
                .collect(),
        })
        .collect()
}

fn reason_field(input: &Input, issues: &[FieldIssue], l: Lang, required: bool) -> FieldView {
    let t = l.t();
    let label = if required {
        t.reason_change
    } else {
        t.reason_optional
    };
    let mut v = FieldView::text("reason", label.to_string(), input.get("reason"), issues, l);
    v.required = required;
    v
}

/// Who saved first and what the user typed that is not in the current values.
fn stale_view(st: &Stale, typed: &[Section], current: &[Section], l: Lang) -> StaleView {
    let mut diff = Vec::new();
    for (a, b) in typed.iter().zip(current) {
        for (x, y) in a.fields.iter().zip(&b.fields) {
            if x.shown() != y.shown() {
                diff.push((x.label.clone(), x.shown()));
            }
        }
    }
    StaleView {
        by: st.by.clone().unwrap_or_default(),
        at: st
            .at
            .map(|a| a.format("%d/%m/%Y %H:%M").to_string())
            .unwrap_or_default(),
        message: l
            .pick(&st.error.message_vi(), &st.error.message_en())
            .to_string(),
        typed: diff,
    }
}

fn respond(status: StatusCode, page: &FormPage) -> Response {
    (status, html(page)).into_response()
}

fn status_of(e: &SaveError) -> StatusCode {
    if e.is_conflict() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

// -------------------------------------------------------------------------------------- household

struct HouseholdForm<'a> {
    title: String,
    subtitle: String,
    action: String,
    back: String,
    create: bool,
    units: &'a [StoredUnit],
}

fn household_page(
    auth: &Authorized,
    form: &HouseholdForm,
    input: &Input,
    issues: &[FieldIssue],
    stale: Option<StaleView>,
) -> FormPage {
    let l = auth.lang;
    let t = l.t();
    FormPage {
        f: Frame::of(auth),
        title: form.title.clone(),
        subtitle: form.subtitle.clone(),
        action: form.action.clone(),
        back: form.back.clone(),
        version: (!form.create).then(|| input.get("version").parse().unwrap_or(0)),
        summary: summary_of(issues, l),
        stale,
        sections: household_sections(form.units, input, issues, l, form.create),
        incomes: Some(income_rows(input, issues, l)),
        reason: Some(reason_field(input, issues, l, !form.create)),
        submit: if form.create { t.create } else { t.save }.to_string(),
    }
}

pub async fn edit_household_form<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let scoped = auth.scoped(&app);
    let h = scoped.household_to_edit(HouseholdId(id)).await?;
    let units = scoped.units_to_record(today(&app)).await?;
    let input = household_input(app.store(), &h, auth.lang).await?;
    let form = edit_form(&auth, &h, &units);
    Ok(html(&household_page(&auth, &form, &input, &[], None)))
}

fn edit_form<'a>(
    auth: &Authorized,
    h: &StoredHousehold,
    units: &'a [StoredUnit],
) -> HouseholdForm<'a> {
    HouseholdForm {
        title: auth.lang.t().edit_household.to_string(),
        subtitle: format!("{} · {}", h.household.code, h.household.head_name),
        action: format!("/households/{}/edit", h.id.0),
        back: format!("/households/{}", h.id.0),
        create: false,
        units,
    }
}

pub async fn edit_household<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let input = Input(pairs);
    let id = HouseholdId(id);
    let err = match save_household(&app, &auth, id, &input, false).await {
        Ok(_) => return Ok(Redirect::to(&format!("/households/{}?saved=1", id.0)).into_response()),
        Err(e) => e,
    };
    let scoped = auth.scoped(&app);
    let units = scoped.units_to_record(today(&app)).await?;
    match err {
        SaveError::Web(e) => Err(e),
        SaveError::Fields(issues) => {
            let h = scoped.household_to_edit(id).await?;
            let form = edit_form(&auth, &h, &units);
            let status = status_of(&SaveError::Fields(issues.clone()));
            Ok(respond(
                status,
                &household_page(&auth, &form, &input, &issues, None),
            ))
        }
        SaveError::Stale(st) => {
            let l = auth.lang;
            let current = household_input(app.store(), &st.household, l).await?;
            let typed = household_sections(&units, &input, &[], l, false);
            let now = household_sections(&units, &current, &[], l, false);
            let view = stale_view(&st, &typed, &now, l);
            let form = edit_form(&auth, &st.household, &units);
            let mut current = current;
            current.set("reason", input.get("reason").to_string());
            Ok(respond(
                StatusCode::CONFLICT,
                &household_page(&auth, &form, &current, &[], Some(view)),
            ))
        }
    }
}

fn new_form<'a>(auth: &Authorized, units: &'a [StoredUnit]) -> HouseholdForm<'a> {
    HouseholdForm {
        title: auth.lang.t().new_household.to_string(),
        subtitle: String::new(),
        action: "/households/new".into(),
        back: "/households".into(),
        create: true,
        units,
    }
}

pub async fn new_household_form<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
) -> Result<Response, WebError> {
    let units = auth.scoped(&app).units_to_record(today(&app)).await?;
    let mut input = Input::default();
    // A commune officer records under a village of its commune; offer the first village.
    if let Some(u) = units
        .iter()
        .find(|u| u.unit.kind.level() == 4)
        .or(units.first())
    {
        input.set("unit", u.id.0.to_string());
    }
    for i in 0..2 {
        input.set(&format!("income_date_{i}"), String::new());
    }
    Ok(html(&household_page(
        &auth,
        &new_form(&auth, &units),
        &input,
        &[],
        None,
    )))
}

pub async fn new_household<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let input = Input(pairs);
    match create_household(&app, &auth, &input).await {
        Ok(h) => Ok(Redirect::to(&format!("/households/{}?saved=1", h.id.0)).into_response()),
        Err(SaveError::Fields(issues)) => {
            let units = auth.scoped(&app).units_to_record(today(&app)).await?;
            let status = status_of(&SaveError::Fields(issues.clone()));
            let page = household_page(&auth, &new_form(&auth, &units), &input, &issues, None);
            Ok(respond(status, &page))
        }
        Err(SaveError::Stale(_)) => Err(WebError::Internal("stale version on create".into())),
        Err(SaveError::Web(e)) => Err(e),
    }
}

// ----------------------------------------------------------------------------------------- members

struct MemberForm {
    title: String,
    subtitle: String,
    action: String,
    back: String,
    /// A correction (reason required, the end date editable) rather than a new member.
    correction: bool,
}

fn member_page(
    auth: &Authorized,
    form: &MemberForm,
    input: &Input,
    issues: &[FieldIssue],
    stale: Option<StaleView>,
) -> FormPage {
    let l = auth.lang;
    FormPage {
        f: Frame::of(auth),
        title: form.title.clone(),
        subtitle: form.subtitle.clone(),
        action: form.action.clone(),
        back: form.back.clone(),
        version: Some(input.get("version").parse().unwrap_or(0)),
        summary: summary_of(issues, l),
        stale,
        sections: member_sections(input, issues, l, form.correction),
        incomes: None,
        reason: Some(reason_field(input, issues, l, form.correction)),
        submit: l.t().save.to_string(),
    }
}

fn new_member_form_of(auth: &Authorized, h: &StoredHousehold) -> MemberForm {
    MemberForm {
        title: auth.lang.t().add_member.to_string(),
        subtitle: format!("{} · {}", h.household.code, h.household.head_name),
        action: format!("/households/{}/members/new", h.id.0),
        back: format!("/households/{}", h.id.0),
        correction: false,
    }
}

pub async fn new_member_form<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let h = auth.scoped(&app).household_to_edit(HouseholdId(id)).await?;
    let mut input = Input::default();
    input.set("version", h.version.to_string());
    Ok(html(&member_page(
        &auth,
        &new_member_form_of(&auth, &h),
        &input,
        &[],
        None,
    )))
}

pub async fn new_member<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let input = Input(pairs);
    let hid = HouseholdId(id);
    let err = match add_member(&app, &auth, hid, &input).await {
        Ok(_) => return Ok(Redirect::to(&format!("/households/{id}?saved=1")).into_response()),
        Err(e) => e,
    };
    member_refused(&app, &auth, hid, None, input, err).await
}

/// The member form again after a refused save: the typed values with the problems beside them, or,
/// when someone saved first, the current values and what the user typed.
async fn member_refused<S: Backend>(
    app: &App<S>,
    auth: &Authorized,
    household: HouseholdId,
    member: Option<MemberId>,
    input: Input,
    err: SaveError,
) -> Result<Response, WebError> {
    let scoped = auth.scoped(app);
    let l = auth.lang;
    let form_of = |h: &StoredHousehold| match member {
        Some(m) => edit_member_form_of(auth, h, m),
        None => new_member_form_of(auth, h),
    };
    match err {
        SaveError::Web(e) => Err(e),
        SaveError::Fields(issues) => {
            let h = scoped.household_to_edit(household).await?;
            let status = status_of(&SaveError::Fields(issues.clone()));
            Ok(respond(
                status,
                &member_page(auth, &form_of(&h), &input, &issues, None),
            ))
        }
        SaveError::Stale(st) => {
            let h = &st.household;
            let mut current = match member.and_then(|m| member_input(h, m)) {
                Some(c) => c,
                None => {
                    let mut c = input.clone();
                    c.set("version", h.version.to_string());
                    c
                }
            };
            let correction = member.is_some();
            let typed = member_sections(&input, &[], l, correction);
            let now = member_sections(&current, &[], l, correction);
            let view = stale_view(&st, &typed, &now, l);
            current.set("reason", input.get("reason").to_string());
            Ok(respond(
                StatusCode::CONFLICT,
                &member_page(auth, &form_of(h), &current, &[], Some(view)),
            ))
        }
    }
}

fn edit_member_form_of(auth: &Authorized, h: &StoredHousehold, member: MemberId) -> MemberForm {
    let name = h
        .members
        .iter()
        .find(|m| m.id == member)
        .map(|m| m.member.full_name.to_string())
        .unwrap_or_default();
    MemberForm {
        title: auth.lang.t().edit_member.to_string(),
        subtitle: format!("{name} · {} · {}", h.household.code, h.household.head_name),
        action: format!("/households/{}/members/{}/edit", h.id.0, member.0),
        back: format!("/households/{}", h.id.0),
        correction: true,
    }
}

pub async fn edit_member_form<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, member)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let scoped = auth.scoped(&app);
    let (h, _) = membership(&scoped, HouseholdId(id), MemberId(member)).await?;
    let input = member_input(&h, MemberId(member)).ok_or(WebError::NotFound { api: false })?;
    let form = edit_member_form_of(&auth, &h, MemberId(member));
    Ok(html(&member_page(&auth, &form, &input, &[], None)))
}

pub async fn edit_member<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, member)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let input = Input(pairs);
    let (hid, mid) = (HouseholdId(id), MemberId(member));
    let err = match update_member(&app, &auth, hid, mid, &input).await {
        Ok(_) => return Ok(Redirect::to(&format!("/households/{id}?saved=1")).into_response()),
        Err(e) => e,
    };
    member_refused(&app, &auth, hid, Some(mid), input, err).await
}

fn end_page(
    auth: &Authorized,
    h: &StoredHousehold,
    member: MemberId,
    input: &Input,
    issues: &[FieldIssue],
    stale: Option<StaleView>,
) -> FormPage {
    let l = auth.lang;
    let t = l.t();
    let name = h
        .members
        .iter()
        .find(|m| m.id == member)
        .map(|m| m.member.full_name.to_string())
        .unwrap_or_default();
    let mut end = FieldView::column("end_date", col(MEMBER_COLS, "end_date"), input, issues, l);
    end.required = true;
    let kinds = END_KINDS
        .iter()
        .map(|(c, label)| (c.to_string(), label(t).to_string()))
        .collect();
    FormPage {
        f: Frame::of(auth),
        title: t.end_title.to_string(),
        subtitle: format!("{name} · {} · {}", h.household.code, h.household.head_name),
        action: format!("/households/{}/members/{}/end", h.id.0, member.0),
        back: format!("/households/{}", h.id.0),
        version: Some(input.get("version").parse().unwrap_or(0)),
        summary: summary_of(issues, l),
        stale,
        sections: vec![Section {
            legend: t.section_membership,
            fields: vec![
                end,
                FieldView::select("end_kind", t.end_kind, kinds, input, issues, l),
            ],
        }],
        incomes: None,
        reason: Some(FieldView::text(
            "reason",
            t.end_note.to_string(),
            input.get("reason"),
            issues,
            l,
        )),
        submit: t.end_membership.to_string(),
    }
}

pub async fn end_member_form<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, member)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let scoped = auth.scoped(&app);
    let (h, _) = membership(&scoped, HouseholdId(id), MemberId(member)).await?;
    let mut input = Input::default();
    input.set("version", h.version.to_string());
    input.set("end_date", date(today(&app)));
    Ok(html(&end_page(
        &auth,
        &h,
        MemberId(member),
        &input,
        &[],
        None,
    )))
}

pub async fn end_member_page<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path((id, member)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let input = Input(pairs);
    let (hid, mid) = (HouseholdId(id), MemberId(member));
    let err = match end_member(&app, &auth, hid, mid, &input).await {
        Ok(_) => return Ok(Redirect::to(&format!("/households/{id}?saved=1")).into_response()),
        Err(e) => e,
    };
    let scoped = auth.scoped(&app);
    match err {
        SaveError::Web(e) => Err(e),
        SaveError::Fields(issues) => {
            let (h, _) = membership(&scoped, hid, mid).await?;
            let status = status_of(&SaveError::Fields(issues.clone()));
            Ok(respond(
                status,
                &end_page(&auth, &h, mid, &input, &issues, None),
            ))
        }
        SaveError::Stale(st) => {
            let l = auth.lang;
            let view = stale_view(&st, &[], &[], l);
            let mut current = input.clone();
            current.set("version", st.household.version.to_string());
            Ok(respond(
                StatusCode::CONFLICT,
                &end_page(&auth, &st.household, mid, &current, &[], Some(view)),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn income_rows_are_parsed_checked_and_ordered() {
        let on = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let input = Input(
            [
                ("income_date_0", "01/10/2025"),
                ("income_amount_0", "2.500.000"),
                ("income_date_1", "01/10/2024"),
                ("income_amount_1", "1500000"),
                ("income_note_1", "  rà soát  "),
                ("income_date_2", ""),
                ("income_amount_2", ""),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .to_vec(),
        );
        let mut issues = Vec::new();
        let r = parse_incomes(&input, on, &mut issues);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(
            r.iter().map(|r| r.monthly_income_vnd.0).collect::<Vec<_>>(),
            [1_500_000, 2_500_000]
        );
        assert_eq!(r[0].note.as_ref().unwrap().as_str(), "rà soát");
        let bad = Input(
            [
                ("income_date_0", "31/02/2025"),
                ("income_amount_0", "-5"),
                ("income_date_1", "01/01/2030"),
                ("income_amount_1", "1"),
                ("income_date_2", ""),
                ("income_amount_2", "7"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .to_vec(),
        );
        let mut issues = Vec::new();
        assert!(parse_incomes(&bad, on, &mut issues).is_empty());
        let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "income_date_0",
                "income_amount_0",
                "income_date_1",
                "income_date_2"
            ]
        );
    }
}

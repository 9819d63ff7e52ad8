//! Beneficiary lists, partner exports and budgets from an approved review round, on top of the
//! [`ansinh_store::Store`] and [`ansinh_store::review::ReviewStore`] traits (both backends), for the CLI
//! and the web alike.
//!
//! ```ignore
//! let list = entitlements::beneficiaries(&store, &policies, round, &EntitleOptions { year: Some(2025), ..Default::default() }).await?;
//! for b in &list.lines { /* b.policy_id, b.household_code, b.member, b.year_total, b.reason_vi … */ }
//! for u in &list.undecided { /* "cannot decide: field poor_commune missing" */ }
//! entitlements::write_list(&list, Path::new("danh-sach.xlsx"))?;
//! entitlements::write_partner(&list, &partner, Path::new("bhxh.xlsx"))?;
//! let b = entitlements::budget(&store, &policies, round, 2025, 2027, None, &opts).await?;
//! ```
//!
//! The pure part is [`ansinh_domain::policy::entitle`]; this module turns the round's latest snapshot
//! and the registry into its facts:
//!
//! - `status` is the approved class; `status_national` is the same class when the round used a national
//!   standard (`vn-…`) and unknown otherwise (a policy that reads it is then "cannot decide").
//! - Exits from poverty and near-poverty come from the household's approved history (earlier rounds
//!   and this one), so the 36-month windows start on the approval date of the exit.
//! - Members and their facts are the registry's as they are now (the snapshot records classes, not
//!   members); `age` is computed on the first day of each month from the date of birth.
//! - Policy facts the registry does not record (`poor_commune`, `resident`, `has_supporter`, …) are unknown
//!   unless the caller assumes a value for them ([`EntitleOptions::assume`]).
//! - Policies considered: the ones asked for, or every policy whose jurisdiction is the round's unit or
//!   one of its parents (by unit code), and the national ones.
//! - The year: the one asked for, or the year the round sets the status for (a periodic round of year
//!   Y: Y + 1; a regular, in-year review: its own year).
//!
//! Personal data goes only into the files and lists returned, never into logs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook};

use ansinh_domain::Class;
use ansinh_domain::policy::entitle::{self, Subject, SubjectMember};
use ansinh_domain::policy::partner::Partner;
use ansinh_domain::policy::{Exact, Fact, Per, PolicySet, eligibility};
use ansinh_domain::registry::{HouseholdId, UnitId};
use ansinh_domain::registry::{Relation, Sex};
use ansinh_domain::review::RoundKind;
use ansinh_domain::schema::Level;
use ansinh_store::review::{ReviewStore, RoundId};
use ansinh_store::{Store, StoredHousehold};

use crate::raw::partial_path;

/// Errors of the entitlement lists (stable codes, vi/en messages).
#[derive(Debug, thiserror::Error)]
pub enum EntitleError {
    #[error("review round {0} has no approved snapshot yet")]
    NotApproved(RoundId),
    #[error("unknown policy `{0}`")]
    UnknownPolicy(String),
    #[error("unknown fact `{0}` (see `ansinh policies show` for the names eligibility reads)")]
    UnknownFact(String),
    #[error("{0}")]
    Price(String),
    #[error("{0}")]
    Review(#[from] ansinh_store::review::ReviewStoreError),
    #[error(transparent)]
    Io(#[from] crate::IoError),
}

impl EntitleError {
    pub fn code(&self) -> &'static str {
        match self {
            EntitleError::NotApproved(_) => "ENT_NOT_APPROVED",
            EntitleError::UnknownPolicy(_) => "ENT_UNKNOWN_POLICY",
            EntitleError::UnknownFact(_) => "ENT_UNKNOWN_FACT",
            EntitleError::Price(_) => "ENT_PRICE",
            EntitleError::Review(e) => e.code(),
            EntitleError::Io(e) => e.code(),
        }
    }
    pub fn message_en(&self) -> String {
        self.to_string()
    }
    pub fn message_vi(&self) -> String {
        match self {
            EntitleError::NotApproved(r) => format!("đợt rà soát {r} chưa được phê duyệt"),
            EntitleError::UnknownPolicy(p) => format!("không có chính sách `{p}`"),
            EntitleError::UnknownFact(f) => format!("không có dữ kiện `{f}`"),
            EntitleError::Price(m) => format!("không tính được số tiền: {m}"),
            EntitleError::Review(e) => e.message_vi(),
            EntitleError::Io(e) => e.message_vi(),
        }
    }
}

impl From<ansinh_store::StoreError> for EntitleError {
    fn from(e: ansinh_store::StoreError) -> Self {
        EntitleError::Io(crate::IoError::Store(e))
    }
}

pub type Result<T, E = EntitleError> = std::result::Result<T, E>;

/// What to compute.
#[derive(Clone, Debug, Default)]
pub struct EntitleOptions {
    /// The calendar year; `None`: the year the round sets the status for.
    pub year: Option<i32>,
    /// Policy ids; empty: every policy of the round's jurisdiction.
    pub policies: Vec<String>,
    /// Values assumed for facts the registry does not record (`poor_commune = false`), applied to every
    /// household (household facts) or member (member facts) that has none.
    pub assume: BTreeMap<String, Fact>,
}

/// The person of a line: the entitled member, or the head for household policies.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub full_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: Option<Sex>,
    pub citizen_id: Option<String>,
}

/// One beneficiary of one policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Beneficiary {
    pub policy_id: String,
    pub policy_vi: String,
    pub policy_en: String,
    pub household: HouseholdId,
    pub household_code: String,
    pub head_name: String,
    pub address: String,
    /// The name of the unit the household was recorded under at approval.
    pub village: String,
    pub class: Class,
    /// The entitled member (per-person policies); `None` for household policies.
    pub member: Option<Person>,
    /// The head of household as recorded (for lists that want the head's details).
    pub head: Option<Person>,
    pub share: Exact,
    pub per: Per,
    /// Per month (first entitled month), per year or per case.
    pub per_unit: i64,
    /// Entitled months and their amounts (policies paid per month).
    pub months: Vec<(u32, i64)>,
    pub year_total: i64,
    pub split: Vec<(String, i64)>,
    pub reason_vi: String,
    pub reason_en: String,
    pub caveats: Vec<String>,
}

/// A household or member a policy cannot decide.
#[derive(Clone, Debug, PartialEq)]
pub struct UndecidedLine {
    pub policy_id: String,
    pub household_code: String,
    pub head_name: String,
    pub village: String,
    pub member_name: Option<String>,
    pub months: Vec<u32>,
    pub missing: Vec<String>,
    pub message_vi: String,
    pub message_en: String,
}

/// The beneficiaries of a round's policies for one year.
#[derive(Clone, Debug, PartialEq)]
pub struct BeneficiaryList {
    pub round: RoundId,
    pub unit: UnitId,
    /// The snapshot used (the latest approval of the round).
    pub snapshot_seq: i64,
    pub approved_on: NaiveDate,
    pub standard_id: String,
    pub year: i32,
    /// Policy ids considered, sorted.
    pub policies: Vec<String>,
    /// Sorted by policy, household code, member.
    pub lines: Vec<Beneficiary>,
    pub undecided: Vec<UndecidedLine>,
}

impl BeneficiaryList {
    /// Total per policy for the year.
    pub fn totals(&self) -> BTreeMap<&str, (usize, i64)> {
        let mut out: BTreeMap<&str, (usize, i64)> = BTreeMap::new();
        for l in &self.lines {
            let e = out.entry(l.policy_id.as_str()).or_default();
            e.0 += 1;
            e.1 += l.year_total;
        }
        out
    }
}

struct Loaded {
    household: StoredHousehold,
    village: String,
    class: Class,
    subject: Subject,
    /// Member index in `subject.members` → member index in `household.members`.
    members: Vec<usize>,
}

/// A round's approved households with their facts, loaded once (for several years or policies).
pub struct RoundFacts {
    round: RoundId,
    unit: UnitId,
    seq: i64,
    approved_on: NaiveDate,
    standard_id: String,
    default_year: i32,
    jurisdiction: BTreeSet<String>,
    households: Vec<Loaded>,
}

impl RoundFacts {
    /// The year the round sets the status for.
    pub fn default_year(&self) -> i32 {
        self.default_year
    }
    pub fn households(&self) -> usize {
        self.households.len()
    }
}

fn bool_fact(out: &mut BTreeMap<String, Fact>, name: &str, v: Option<bool>) {
    if let Some(b) = v {
        out.insert(name.into(), Fact::Bool(b));
    }
}

fn code_fact(out: &mut BTreeMap<String, Fact>, name: &str, v: Option<&'static str>) {
    if let Some(c) = v {
        out.insert(name.into(), Fact::Code(c.into()));
    }
}

/// Loads the round's latest snapshot and its households from the store.
pub async fn load_round<S: Store + ReviewStore>(
    store: &S,
    round: RoundId,
    assume: &BTreeMap<String, Fact>,
) -> Result<RoundFacts> {
    for name in assume.keys() {
        if eligibility::fact_level(name).is_none() {
            return Err(EntitleError::UnknownFact(name.clone()));
        }
    }
    let r = store.review_round(round).await?;
    let snaps = store.snapshots(round).await?;
    let snap = snaps.last().ok_or(EntitleError::NotApproved(round))?;
    let national = snap.standard_id.starts_with("vn-");
    let default_year = status_year(&r);
    // The round's unit and its parents: the jurisdictions whose policies apply.
    let mut jurisdiction = BTreeSet::new();
    let mut next = Some(r.unit);
    let mut guard = 0;
    while let Some(u) = next {
        let su = store.unit(u).await?;
        jurisdiction.insert(su.unit.code.as_str().to_string());
        next = su.unit.parent;
        guard += 1;
        if guard > 16 {
            break;
        }
    }
    let mut names: BTreeMap<UnitId, String> = BTreeMap::new();
    let mut households = Vec::with_capacity(snap.entries.len());
    for e in &snap.entries {
        let h = store.household(e.household).await?;
        let village = match names.get(&e.unit) {
            Some(n) => n.clone(),
            None => {
                let n = store.unit(e.unit).await?.unit.name.as_str().to_string();
                names.insert(e.unit, n.clone());
                n
            }
        };
        let mut timeline = store.approved_history(e.household, Some(round)).await?;
        timeline.push((snap.approved_on, e.class));
        let (poverty_exit, near_poverty_exit) = entitle::exits(&timeline);
        let hh = &h.household;
        let mut hf = BTreeMap::new();
        for (n, v) in [
            ("uses_telecom", hh.uses_telecom),
            ("has_info_device", hh.has_info_device),
            ("hears_loudspeaker", hh.hears_loudspeaker),
            ("uses_internet", hh.uses_internet),
            ("uses_digital_services", hh.uses_digital_services),
            ("waste_treated", hh.waste_treated),
        ] {
            bool_fact(&mut hf, n, v);
        }
        code_fact(&mut hf, "area", hh.area.map(|a| a.code()));
        let mut members = Vec::new();
        let mut index = Vec::new();
        for (i, sm) in h.members.iter().enumerate() {
            let m = &sm.member;
            let mut f = BTreeMap::new();
            code_fact(&mut f, "sex", m.sex.map(|x| x.code()));
            code_fact(&mut f, "labour_status", m.labour_status.map(|x| x.code()));
            code_fact(
                &mut f,
                "education_level",
                m.education_level.map(|x| x.code()),
            );
            for (n, v) in [
                ("has_health_insurance", m.has_health_insurance),
                ("attending_school", m.attending_school),
                ("in_training", m.in_training),
                ("stunted_or_underweight", m.stunted_or_underweight),
                ("is_disabled", m.is_disabled),
                ("receives_social_allowance", m.receives_social_allowance),
                ("sick_untreated", m.sick_untreated),
            ] {
                bool_fact(&mut f, n, v);
            }
            for (n, v) in assume {
                if eligibility::fact_level(n) == Some(Level::Member) {
                    f.entry(n.clone()).or_insert_with(|| v.clone());
                }
            }
            members.push(SubjectMember {
                date_of_birth: m.date_of_birth,
                from: m.start_date,
                until: m.end_date,
                facts: f,
            });
            index.push(i);
        }
        for (n, v) in assume {
            if eligibility::fact_level(n) == Some(Level::Household) {
                hf.entry(n.clone()).or_insert_with(|| v.clone());
            }
        }
        households.push(Loaded {
            subject: Subject {
                status: e.class,
                status_national: national.then_some(e.class),
                poverty_exit,
                near_poverty_exit,
                household: hf,
                members,
            },
            household: h,
            village,
            class: e.class,
            members: index,
        });
    }
    households.sort_by(|a, b| {
        a.household
            .household
            .code
            .as_str()
            .cmp(b.household.household.code.as_str())
    });
    Ok(RoundFacts {
        round,
        unit: r.unit,
        seq: snap.seq,
        approved_on: snap.approved_on,
        standard_id: snap.standard_id.clone(),
        default_year,
        jurisdiction,
        households,
    })
}

fn person(m: &ansinh_domain::registry::Member) -> Person {
    Person {
        full_name: m.full_name.as_str().to_string(),
        date_of_birth: m.date_of_birth,
        sex: m.sex,
        citizen_id: m.citizen_id.as_ref().map(|c| c.as_str().to_string()),
    }
}

/// The policy ids a list considers: `wanted`, or every policy of the round's jurisdiction.
fn chosen(facts: &RoundFacts, set: &PolicySet, wanted: &[String]) -> Result<Vec<String>> {
    if wanted.is_empty() {
        return Ok(set
            .all()
            .iter()
            .filter(|p| {
                p.jurisdiction
                    .as_ref()
                    .is_none_or(|j| facts.jurisdiction.contains(j))
            })
            .map(|p| p.id.clone())
            .collect());
    }
    let mut out = Vec::new();
    for id in wanted {
        if set.get(id).is_none() {
            return Err(EntitleError::UnknownPolicy(id.clone()));
        }
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    out.sort();
    Ok(out)
}

/// The beneficiary list of loaded round facts for `year` and `policies` (empty: the jurisdiction's).
pub fn list(
    facts: &RoundFacts,
    set: &PolicySet,
    year: i32,
    policies: &[String],
) -> Result<BeneficiaryList> {
    let ids = chosen(facts, set, policies)?;
    let mut lines = Vec::new();
    let mut undecided = Vec::new();
    for id in &ids {
        let Some(p) = set.get(id) else {
            return Err(EntitleError::UnknownPolicy(id.clone()));
        };
        for l in &facts.households {
            let o =
                entitle::entitle(p, &set.refs, &l.subject, year).map_err(EntitleError::Price)?;
            let hh = &l.household.household;
            let stored_member = |i: usize| {
                l.members
                    .get(i)
                    .and_then(|&k| l.household.members.get(k))
                    .map(|m| &m.member)
            };
            let head = l
                .household
                .members
                .iter()
                .map(|m| &m.member)
                .find(|m| m.relation == Relation::Head)
                .map(person);
            for e in o.entitled {
                lines.push(Beneficiary {
                    policy_id: p.id.clone(),
                    policy_vi: p.name_vi.clone(),
                    policy_en: p.name_en.clone(),
                    household: l.household.id,
                    household_code: hh.code.as_str().to_string(),
                    head_name: hh.head_name.as_str().to_string(),
                    address: hh.address.as_str().to_string(),
                    village: l.village.clone(),
                    class: l.class,
                    member: e.member.and_then(stored_member).map(person),
                    head: head.clone(),
                    share: p.amount.share,
                    per: p.amount.per,
                    per_unit: e.per_unit,
                    months: e.months,
                    year_total: e.year_total,
                    split: e.split,
                    reason_vi: e.reason_vi,
                    reason_en: e.reason_en,
                    caveats: e
                        .caveats
                        .iter()
                        .map(|c| format!("{}: {}", c.subject, c.note))
                        .collect(),
                });
            }
            for u in o.undecided {
                undecided.push(UndecidedLine {
                    policy_id: p.id.clone(),
                    household_code: hh.code.as_str().to_string(),
                    head_name: hh.head_name.as_str().to_string(),
                    village: l.village.clone(),
                    member_name: u
                        .member
                        .and_then(stored_member)
                        .map(|m| m.full_name.as_str().to_string()),
                    months: u.months.clone(),
                    missing: u.missing.clone(),
                    message_vi: u.message_vi(),
                    message_en: u.message_en(),
                });
            }
        }
    }
    Ok(BeneficiaryList {
        round: facts.round,
        unit: facts.unit,
        snapshot_seq: facts.seq,
        approved_on: facts.approved_on,
        standard_id: facts.standard_id.clone(),
        year,
        policies: ids,
        lines,
        undecided,
    })
}

/// The beneficiaries of an approved round: for each policy in force, who gets what in the year, why,
/// and who cannot be decided for want of a recorded fact.
pub async fn beneficiaries<S: Store + ReviewStore>(
    store: &S,
    set: &PolicySet,
    round: RoundId,
    opts: &EntitleOptions,
) -> Result<BeneficiaryList> {
    let facts = load_round(store, round, &opts.assume).await?;
    let year = opts.year.unwrap_or(facts.default_year);
    list(&facts, set, year, &opts.policies)
}

// ------------------------------------------------------------------ budget

/// One budget line: a policy's cost in a year from one funding source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetLine {
    pub policy_id: String,
    pub year: i32,
    pub source: String,
    pub vnd: i64,
    /// Beneficiaries that year (before any reduction).
    pub beneficiaries: usize,
    /// Beneficiaries that could not be decided that year (not costed).
    pub undecided: usize,
}

/// A budget from the actual beneficiaries of an approved round.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    pub round: RoundId,
    pub from: i32,
    pub to: i32,
    pub reduction: Option<Exact>,
    pub lines: Vec<BudgetLine>,
}

impl Budget {
    /// Total per year.
    pub fn year_totals(&self) -> BTreeMap<i32, i64> {
        let mut out = BTreeMap::new();
        for l in &self.lines {
            *out.entry(l.year).or_insert(0) += l.vnd;
        }
        out
    }
}

/// The budget per policy, year and funding source, `from..=to`, from the round's beneficiaries: every
/// year re-decided with the same approved households (ages and 36-month windows move on, prices follow
/// the dated values), and with `reduction` the amounts of year `from + k` multiplied by
/// `(1 − reduction)^k` (fewer beneficiaries as households leave poverty), rounded half up.
pub async fn budget<S: Store + ReviewStore>(
    store: &S,
    set: &PolicySet,
    round: RoundId,
    from: i32,
    to: i32,
    reduction: Option<Exact>,
    opts: &EntitleOptions,
) -> Result<Budget> {
    let facts = load_round(store, round, &opts.assume).await?;
    budget_of(&facts, set, from, to, reduction, &opts.policies)
}

/// [`budget`] over loaded round facts.
pub fn budget_of(
    facts: &RoundFacts,
    set: &PolicySet,
    from: i32,
    to: i32,
    reduction: Option<Exact>,
    policies: &[String],
) -> Result<Budget> {
    let mut lines = Vec::new();
    for year in from..=to {
        let l = list(facts, set, year, policies)?;
        let k = u32::try_from(year - from).unwrap_or(0);
        for id in &l.policies {
            let mine: Vec<&Beneficiary> = l.lines.iter().filter(|b| &b.policy_id == id).collect();
            let undecided = l.undecided.iter().filter(|u| &u.policy_id == id).count();
            let mut by_source: BTreeMap<&str, i64> = BTreeMap::new();
            for b in &mine {
                for (s, v) in &b.split {
                    *by_source.entry(s.as_str()).or_insert(0) += v;
                }
            }
            if mine.is_empty() && undecided == 0 {
                continue;
            }
            if by_source.is_empty()
                && let Some(p) = set.get(id)
                && let Some(f) = p.funding.first()
            {
                by_source.insert(f.source.as_str(), 0);
            }
            for (source, v) in by_source {
                let vnd = match reduction {
                    Some(r) => entitle::reduced(v, r, k),
                    None => v,
                };
                lines.push(BudgetLine {
                    policy_id: id.clone(),
                    year,
                    source: source.to_string(),
                    vnd,
                    beneficiaries: mine.len(),
                    undecided,
                });
            }
        }
    }
    Ok(Budget {
        round: facts.round,
        from,
        to,
        reduction,
        lines,
    })
}

// ------------------------------------------------------------------ files

/// A cell of an output table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn date(d: Option<NaiveDate>) -> Cell {
    t(d.map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default())
}

/// "100%", "70%", "4,5%".
pub fn percent(x: Exact) -> String {
    let p = x.checked_mul(Exact::int(100)).unwrap_or(x).to_plain();
    format!("{}%", p.replace('.', ","))
}

fn class_vi(c: Class) -> &'static str {
    match c {
        Class::Poor => "Hộ nghèo",
        Class::NearPoor => "Hộ cận nghèo",
        Class::Average => "Hộ có mức sống trung bình",
        Class::NotPoor => "Hộ không nghèo",
    }
}

fn per_vi(p: Per) -> &'static str {
    match p {
        Per::Month => "tháng",
        Per::Year => "năm",
        Per::Case => "lần",
    }
}

fn sex_vi(s: Option<Sex>) -> String {
    match s {
        Some(Sex::Male) => "Nam".into(),
        Some(Sex::Female) => "Nữ".into(),
        None => String::new(),
    }
}

/// Headers of the beneficiary list (Vietnamese / English).
pub const LIST_HEADERS: [&str; 19] = [
    "Mã chính sách / Policy",
    "Tên chính sách",
    "Mã hộ / Household code",
    "Họ và tên chủ hộ / Head",
    "Thôn, tổ / Village",
    "Địa chỉ / Address",
    "Diện hộ / Status",
    "Người được hưởng / Member",
    "Ngày sinh / Date of birth",
    "Mức hỗ trợ (đồng) / Amount per unit",
    "Tính theo / Per",
    "Tỷ lệ hỗ trợ / Share",
    "Số tháng / Months",
    "Số tiền trong năm (đồng) / Year total",
    "Nguồn kinh phí / Funding",
    "Lý do",
    "Reason",
    "Giá trị chưa xác nhận / Unconfirmed",
    "Năm / Year",
];

/// The beneficiary list as rows (the header row first).
pub fn list_rows(l: &BeneficiaryList) -> Vec<Vec<Cell>> {
    let mut rows = vec![LIST_HEADERS.iter().map(|h| t(*h)).collect()];
    for b in &l.lines {
        let funding: Vec<String> = b.split.iter().map(|(s, v)| format!("{s}: {v}")).collect();
        rows.push(vec![
            t(&b.policy_id),
            t(&b.policy_vi),
            t(&b.household_code),
            t(&b.head_name),
            t(&b.village),
            t(&b.address),
            t(class_vi(b.class)),
            t(b.member
                .as_ref()
                .map(|m| m.full_name.clone())
                .unwrap_or_default()),
            date(b.member.as_ref().and_then(|m| m.date_of_birth)),
            Cell::Int(b.per_unit),
            t(per_vi(b.per)),
            t(percent(b.share)),
            Cell::Int(b.months.len() as i64),
            Cell::Int(b.year_total),
            t(funding.join("; ")),
            t(&b.reason_vi),
            t(&b.reason_en),
            t(b.caveats.join("; ")),
            Cell::Int(i64::from(l.year)),
        ]);
    }
    rows
}

/// Headers of the undecided sheet.
pub const UNDECIDED_HEADERS: [&str; 8] = [
    "Mã chính sách / Policy",
    "Mã hộ / Household code",
    "Họ và tên chủ hộ / Head",
    "Thôn, tổ / Village",
    "Thành viên / Member",
    "Số tháng chưa quyết định / Months",
    "Lý do",
    "Reason",
];

/// The undecided lines as rows (the header row first).
pub fn undecided_rows(l: &BeneficiaryList, only: Option<&[String]>) -> Vec<Vec<Cell>> {
    let mut rows = vec![UNDECIDED_HEADERS.iter().map(|h| t(*h)).collect()];
    for u in &l.undecided {
        if only.is_some_and(|o| !o.contains(&u.policy_id)) {
            continue;
        }
        rows.push(vec![
            t(&u.policy_id),
            t(&u.household_code),
            t(&u.head_name),
            t(&u.village),
            t(u.member_name.clone().unwrap_or_default()),
            Cell::Int(u.months.len() as i64),
            t(&u.message_vi),
            t(&u.message_en),
        ]);
    }
    rows
}

/// A partner's list as rows (its headers first): one row per beneficiary of its policies.
pub fn partner_rows(l: &BeneficiaryList, p: &Partner) -> Vec<Vec<Cell>> {
    let mut rows = vec![p.columns.iter().map(|(_, h)| t(h)).collect()];
    let mine = l.lines.iter().filter(|b| p.policies.contains(&b.policy_id));
    for (i, b) in mine.enumerate() {
        let n = i as i64 + 1;
        let who = b.member.as_ref().or(b.head.as_ref());
        let row = p
            .columns
            .iter()
            .map(|(k, _)| match k.as_str() {
                "stt" => Cell::Int(n),
                "policy_id" => t(&b.policy_id),
                "policy_name" => t(&b.policy_vi),
                "household_code" => t(&b.household_code),
                "head_name" => t(&b.head_name),
                "full_name" => t(who.map_or(b.head_name.clone(), |m| m.full_name.clone())),
                "date_of_birth" => date(who.and_then(|m| m.date_of_birth)),
                "sex" => t(sex_vi(who.and_then(|m| m.sex))),
                "citizen_id" => t(who.and_then(|m| m.citizen_id.clone()).unwrap_or_default()),
                "address" => t(&b.address),
                "village" => t(&b.village),
                "class" => t(class_vi(b.class)),
                "share" => t(percent(b.share)),
                "per_unit" => Cell::Int(b.per_unit),
                "months" => Cell::Int(b.months.len() as i64),
                "year_amount" => Cell::Int(b.year_total),
                "reason" => t(&b.reason_vi),
                "caveats" => t(b.caveats.join("; ")),
                _ => t(""),
            })
            .collect();
        rows.push(row);
    }
    rows
}

/// Headers of the budget table.
pub const BUDGET_HEADERS: [&str; 6] = [
    "Mã chính sách / Policy",
    "Năm / Year",
    "Nguồn kinh phí / Funding source",
    "Số tiền (đồng) / Amount",
    "Số đối tượng / Beneficiaries",
    "Chưa quyết định / Undecided",
];

pub fn budget_rows(b: &Budget) -> Vec<Vec<Cell>> {
    let mut rows = vec![BUDGET_HEADERS.iter().map(|h| t(*h)).collect()];
    for l in &b.lines {
        rows.push(vec![
            t(&l.policy_id),
            Cell::Int(i64::from(l.year)),
            t(&l.source),
            Cell::Int(l.vnd),
            Cell::Int(l.beneficiaries as i64),
            Cell::Int(l.undecided as i64),
        ]);
    }
    rows
}

/// Writes sheets `(name, rows)` to `.xlsx`, or the first sheet to `.csv` (UTF-8 with a byte-order mark,
/// so spreadsheet programs read the Vietnamese right). Written to a temporary name first, then renamed.
pub fn write_sheets(sheets: &[(&str, Vec<Vec<Cell>>)], path: &Path) -> Result<()> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let tmp = partial_path(path);
    let io = |e: &dyn std::fmt::Display| EntitleError::Io(crate::IoError::file(path, e));
    match ext.as_str() {
        "xlsx" => {
            let mut wb = Workbook::new();
            let bold = Format::new().set_bold().set_text_wrap();
            let money = Format::new().set_num_format("#,##0");
            for (name, rows) in sheets {
                let ws = wb.add_worksheet();
                ws.set_name(*name).map_err(|e| io(&e))?;
                for (r, row) in rows.iter().enumerate() {
                    let r = u32::try_from(r).map_err(|e| io(&e))?;
                    for (c, cell) in row.iter().enumerate() {
                        let c = u16::try_from(c).map_err(|e| io(&e))?;
                        match cell {
                            Cell::Text(s) if r == 0 => ws.write_string_with_format(r, c, s, &bold),
                            Cell::Text(s) => ws.write_string(r, c, s),
                            Cell::Int(v) => ws.write_number_with_format(r, c, *v as f64, &money),
                        }
                        .map_err(|e| io(&e))?;
                    }
                }
                ws.set_freeze_panes(1, 0).map_err(|e| io(&e))?;
            }
            wb.save(&tmp).map_err(|e| io(&e))?;
        }
        "csv" => {
            let mut w = csv::Writer::from_path(&tmp).map_err(|e| io(&e))?;
            let rows = sheets.first().map(|s| s.1.as_slice()).unwrap_or(&[]);
            for (i, row) in rows.iter().enumerate() {
                let mut cells: Vec<String> = row
                    .iter()
                    .map(|c| match c {
                        Cell::Text(s) => crate::neutral::csv_text(s).into_owned(),
                        Cell::Int(v) => v.to_string(),
                    })
                    .collect();
                if i == 0
                    && let Some(first) = cells.first_mut()
                {
                    first.insert(0, '\u{feff}');
                }
                w.write_record(&cells).map_err(|e| io(&e))?;
            }
            w.flush().map_err(|e| io(&e))?;
        }
        _ => {
            return Err(EntitleError::Io(crate::IoError::FileType {
                file: path.to_path_buf(),
            }));
        }
    }
    std::fs::rename(&tmp, path).map_err(|e| io(&e))?;
    Ok(())
}

/// The beneficiary list to `.xlsx` (sheets "Danh sách" and "Chưa quyết định") or `.csv` (the list).
pub fn write_list(l: &BeneficiaryList, path: &Path) -> Result<()> {
    write_sheets(
        &[
            ("Danh sách", list_rows(l)),
            ("Chưa quyết định", undecided_rows(l, None)),
        ],
        path,
    )
}

/// A partner's list (its columns, Vietnamese headers), with the undecided ones of its policies on a
/// second sheet (XLSX).
pub fn write_partner(l: &BeneficiaryList, p: &Partner, path: &Path) -> Result<()> {
    write_sheets(
        &[
            ("Danh sách", partner_rows(l, p)),
            ("Chưa quyết định", undecided_rows(l, Some(&p.policies))),
        ],
        path,
    )
}

/// The budget to `.xlsx` or `.csv`.
pub fn write_budget(b: &Budget, path: &Path) -> Result<()> {
    write_sheets(&[("Dự toán", budget_rows(b))], path)
}

/// The year whose status a round decides: a periodic round of year Y sets the status for Y + 1; a
/// regular, in-year review its own year.
pub fn status_year(r: &ansinh_store::review::StoredRound) -> i32 {
    match r.round.kind {
        RoundKind::Periodic => r.round.year + 1,
        _ => r.round.year,
    }
}

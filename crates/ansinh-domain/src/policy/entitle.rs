//! Who gets what: one household's approved status and recorded facts → its entitlements under a policy
//! for a calendar year, with the amount priced month by month, the funding split, the reason in
//! Vietnamese and English, and the unconfirmed points it depends on.
//!
//! Choices (where the law and the issue are silent):
//!
//! - The approved status of a round holds for the whole year asked for (a periodic review of year Y
//!   sets the status for Y + 1; the caller picks the year).
//! - Eligibility is decided on the first day of every paid month (policies paid per month), so an age
//!   threshold reached or a 36-month window ending inside the year starts or ends the support with the
//!   month; policies paid per year or per case are decided on the first day in force that year.
//! - "Months since exit" are whole months from the approved exit date to the day (an exit on 15/01/2022
//!   is 35 months old on 01/01/2025 and 36 on 01/02/2025, so `< 36` is met in January 2025, not in
//!   February). A household whose approved history has no exit has none: `months_since_… < 36` is "no",
//!   never "unknown".
//! - A fact that is not recorded is unknown: a household or member the condition cannot decide is
//!   reported as [`Undecided`] with the missing fields, never silently left out.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::eligibility::{self, Decision, Fact, Facts, Tri};
use super::{Caveat, Exact, Per, Policy, RefTable, month_start, push_caveat};
use crate::standard::Class;

/// "No exit in the approved history": `months_since_… < N` is false for every N.
pub const NEVER: i64 = i64::MAX;

/// One member as the policy facts need them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SubjectMember {
    pub date_of_birth: Option<NaiveDate>,
    /// First day of the membership, when recorded.
    pub from: Option<NaiveDate>,
    /// First day the person is no longer a member, when recorded.
    pub until: Option<NaiveDate>,
    /// Recorded member facts by name (catalogue fields and policy facts), without `age`.
    pub facts: BTreeMap<String, Fact>,
}

impl SubjectMember {
    fn is_member_on(&self, d: NaiveDate) -> bool {
        self.from.is_none_or(|s| s <= d) && self.until.is_none_or(|e| d < e)
    }
    fn age_on(&self, d: NaiveDate) -> Option<i64> {
        let b = self.date_of_birth?;
        let mut age = i64::from(d.year() - b.year());
        if (d.month(), d.day()) < (b.month(), b.day()) {
            age -= 1;
        }
        (age >= 0).then_some(age)
    }
}

/// One household as an approved round classified it, with what the registry records about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Subject {
    /// The approved class under the round's standard (`status`).
    pub status: Class,
    /// The class under the national standard, when the round used one (`status_national`).
    pub status_national: Option<Class>,
    /// The latest approved exit from poverty (poor → not poor), if any.
    pub poverty_exit: Option<NaiveDate>,
    /// The latest approved exit from near-poverty (poor or near-poor → neither), if any.
    pub near_poverty_exit: Option<NaiveDate>,
    /// Other recorded household facts by name.
    pub household: BTreeMap<String, Fact>,
    pub members: Vec<SubjectMember>,
}

/// The latest exits from poverty and from near-poverty in an approved timeline (oldest first, the last
/// entry the current status). An exit followed by a return (poor again; poor or near-poor again for
/// near-poverty) no longer counts.
pub fn exits(timeline: &[(NaiveDate, Class)]) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let poorish = |c: Class| matches!(c, Class::Poor | Class::NearPoor);
    let now = timeline.last().map(|t| t.1);
    let poverty = timeline
        .windows(2)
        .rev()
        .find(|w| w[0].1 == Class::Poor && w[1].1 != Class::Poor)
        .map(|w| w[1].0)
        .filter(|_| now != Some(Class::Poor));
    let near = timeline
        .windows(2)
        .rev()
        .find(|w| poorish(w[0].1) && !poorish(w[1].1))
        .map(|w| w[1].0)
        .filter(|_| !now.is_some_and(poorish));
    (poverty, near)
}

/// Whole months from `from` to `to` (0 when `to` is not later).
pub fn whole_months(from: NaiveDate, to: NaiveDate) -> i64 {
    let mut m = super::months_between(from, to);
    if to.day() < from.day() {
        m -= 1;
    }
    m.max(0)
}

impl Subject {
    /// The facts on day `d`, and for each member index of those facts the index in [`Subject::members`]
    /// (members who are not members that day are left out).
    pub fn facts_on(&self, d: NaiveDate) -> (Facts, Vec<usize>) {
        let mut household = self.household.clone();
        household.insert("status".into(), Fact::Code(self.status.code().into()));
        if let Some(n) = self.status_national {
            household.insert("status_national".into(), Fact::Code(n.code().into()));
        }
        let since = |e: Option<NaiveDate>| e.map_or(NEVER, |e| whole_months(e, d));
        household.insert(
            "months_since_poverty_exit".into(),
            Fact::Int(since(self.poverty_exit)),
        );
        household.insert(
            "months_since_near_poverty_exit".into(),
            Fact::Int(since(self.near_poverty_exit)),
        );
        let mut members = Vec::new();
        let mut index = Vec::new();
        for (i, m) in self.members.iter().enumerate() {
            if !m.is_member_on(d) {
                continue;
            }
            let mut f = m.facts.clone();
            if let Some(a) = m.age_on(d) {
                f.insert("age".into(), Fact::Int(a));
            }
            members.push(f);
            index.push(i);
        }
        (Facts { household, members }, index)
    }
}

/// A beneficiary of a policy for the year: the household, or one of its members.
#[derive(Clone, Debug, PartialEq)]
pub struct Entitlement {
    /// Index in [`Subject::members`] (per-person policies), `None` for the household.
    pub member: Option<usize>,
    /// Paid months and their amount (policies paid per month); empty otherwise.
    pub months: Vec<(u32, i64)>,
    /// Amount per unit: per month (the first entitled month's), per year or per case.
    pub per_unit: i64,
    /// Total for the year.
    pub year_total: i64,
    /// `(funding source, part)`; the parts add up to `year_total`.
    pub split: Vec<(String, i64)>,
    pub reason_vi: String,
    pub reason_en: String,
    pub caveats: Vec<Caveat>,
}

/// A household or member the condition cannot decide for some month: the missing facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undecided {
    pub member: Option<usize>,
    /// Months (or the single decision month) that could not be decided.
    pub months: Vec<u32>,
    /// Fact names that are not recorded.
    pub missing: Vec<String>,
}

impl Undecided {
    /// "chưa quyết định được: thiếu trường X (label)".
    pub fn message_vi(&self) -> String {
        let fields: Vec<String> = self
            .missing
            .iter()
            .map(|n| match eligibility::label(n) {
                Some((vi, _)) => format!("{n} ({vi})"),
                None => n.clone(),
            })
            .collect();
        format!("chưa quyết định được: thiếu trường {}", fields.join(", "))
    }
    /// "cannot decide: field X missing".
    pub fn message_en(&self) -> String {
        let fields: Vec<String> = self
            .missing
            .iter()
            .map(|n| match eligibility::label(n) {
                Some((_, en)) => format!("{n} ({en})"),
                None => n.clone(),
            })
            .collect();
        let s = if self.missing.len() == 1 { "" } else { "s" };
        format!("cannot decide: field{s} {} missing", fields.join(", "))
    }
}

/// Everything one policy gives one household in a year.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    pub entitled: Vec<Entitlement>,
    pub undecided: Vec<Undecided>,
}

/// The days a policy is decided on in `year`: `(month, first day)`.
fn decision_days(policy: &Policy, year: i32) -> Vec<(u32, NaiveDate)> {
    match policy.amount.per {
        Per::Month => policy
            .amount
            .months
            .iter()
            .filter_map(|&m| month_start(year, m).map(|d| (m, d)))
            .filter(|(_, d)| policy.in_force_on(*d))
            .collect(),
        Per::Year | Per::Case => (1..=12)
            .filter_map(|m| month_start(year, m).map(|d| (m, d)))
            .find(|(_, d)| policy.in_force_on(*d))
            .into_iter()
            .collect(),
    }
}

fn combine(hh: &Decision, m: &Decision) -> (Tri, Vec<String>) {
    let t = match (hh.eligible, m.eligible) {
        (Tri::No, _) | (_, Tri::No) => Tri::No,
        (Tri::Yes, Tri::Yes) => Tri::Yes,
        _ => Tri::Unknown,
    };
    let mut missing = hh.missing.clone();
    for x in &m.missing {
        if !missing.contains(x) {
            missing.push(x.clone());
        }
    }
    (t, missing)
}

/// The reason a condition is met, from the facts it reads: "điều kiện: …; diện hộ = hộ nghèo".
fn reason(policy: &Policy, facts: &Facts, m: Option<usize>, day: NaiveDate) -> (String, String) {
    let mut vi = Vec::new();
    let mut en = Vec::new();
    let mut conds = vec![&policy.eligible];
    if let (Some(me), Some(_)) = (&policy.member_eligible, m) {
        conds.push(me);
    }
    for c in &conds {
        for name in c.names() {
            let v = if c.is_member_level() {
                m.and_then(|i| facts.members.get(i))
                    .and_then(|x| x.get(&name))
            } else {
                facts.household.get(&name)
            };
            let Some(v) = v else { continue };
            let (lvi, len) = eligibility::label(&name).unwrap_or(("", ""));
            if name.starts_with("months_since_") {
                match v {
                    Fact::Int(NEVER) => {
                        vi.push(format!("{lvi}: chưa có"));
                        en.push(format!("{len}: none"));
                    }
                    Fact::Int(k) => {
                        vi.push(format!("{lvi}: {k} tháng (tại {})", day.format("%d/%m/%Y")));
                        en.push(format!("{len}: {k} months (on {})", day.format("%d/%m/%Y")));
                    }
                    _ => {}
                }
                continue;
            }
            let (wvi, wen) = eligibility::value_words(&name, v);
            vi.push(format!("{lvi}: {wvi}"));
            en.push(format!("{len}: {wen}"));
        }
    }
    let texts: Vec<&str> = conds.iter().map(|c| c.text.as_str()).collect();
    (
        format!("Đủ điều kiện `{}` ({})", texts.join("` + `"), vi.join("; ")),
        format!("Meets `{}` ({})", texts.join("` + `"), en.join("; ")),
    )
}

/// What `policy` gives the household `subject` in `year`. An amount that cannot be priced (a reference
/// value with no period) is an error naming the policy.
pub fn entitle(
    policy: &Policy,
    refs: &RefTable,
    subject: &Subject,
    year: i32,
) -> Result<Outcome, String> {
    let no_overrides = BTreeMap::new();
    // Per beneficiary key (None = household, Some(i) = member i): entitled months with their day, and
    // undecided months with the missing facts.
    struct Acc {
        yes: Vec<(u32, NaiveDate)>,
        first_reason: Option<(String, String)>,
        unknown: Vec<u32>,
        missing: Vec<String>,
    }
    let mut acc: BTreeMap<Option<usize>, Acc> = BTreeMap::new();
    let mut note = |key: Option<usize>,
                    t: Tri,
                    month: u32,
                    day: NaiveDate,
                    missing: Vec<String>,
                    r: &dyn Fn() -> (String, String)| {
        if t == Tri::No {
            return;
        }
        let a = acc.entry(key).or_insert(Acc {
            yes: Vec::new(),
            first_reason: None,
            unknown: Vec::new(),
            missing: Vec::new(),
        });
        if t == Tri::Yes {
            a.yes.push((month, day));
            if a.first_reason.is_none() {
                a.first_reason = Some(r());
            }
        } else {
            a.unknown.push(month);
            for x in missing {
                if !a.missing.contains(&x) {
                    a.missing.push(x);
                }
            }
        }
    };
    for (month, day) in decision_days(policy, year) {
        let (facts, index) = subject.facts_on(day);
        let hh = policy.eligible.household(&facts);
        if hh.eligible == Tri::No {
            continue;
        }
        match &policy.member_eligible {
            None => {
                note(None, hh.eligible, month, day, hh.missing.clone(), &|| {
                    reason(policy, &facts, None, day)
                });
            }
            Some(me) => {
                for (k, &i) in index.iter().enumerate() {
                    let md = me.member(&facts, k);
                    let (t, missing) = combine(&hh, &md);
                    note(Some(i), t, month, day, missing, &|| {
                        reason(policy, &facts, Some(k), day)
                    });
                }
            }
        }
    }
    let mut out = Outcome::default();
    for (key, a) in acc {
        if !a.unknown.is_empty() {
            out.undecided.push(Undecided {
                member: key,
                months: a.unknown.clone(),
                missing: a.missing.clone(),
            });
        }
        if a.yes.is_empty() {
            continue;
        }
        let mut caveats = Vec::new();
        let mut months = Vec::new();
        let mut total: i64 = 0;
        for (m, d) in &a.yes {
            let p = policy.amount_on(refs, *d, &no_overrides)?;
            for c in p.caveats {
                push_caveat(&mut caveats, c);
            }
            total = total
                .checked_add(p.vnd)
                .ok_or_else(|| format!("policy `{}`: amount too large", policy.id))?;
            months.push((*m, p.vnd));
        }
        let per_unit = months.first().map_or(0, |x| x.1);
        if policy.amount.per != Per::Month {
            months.clear();
        }
        let (reason_vi, reason_en) = a.first_reason.unwrap_or_default();
        out.entitled.push(Entitlement {
            member: key,
            months,
            per_unit,
            year_total: total,
            split: policy.split(total),
            reason_vi,
            reason_en,
            caveats,
        });
    }
    Ok(out)
}

/// `total × (1 − rate)^k`, rounded half up to whole đồng (a reduction applied `k` years ahead).
pub fn reduced(total: i64, rate: Exact, k: u32) -> i64 {
    let keep = Exact::ONE.checked_sub(rate).unwrap_or(Exact::ONE);
    let mut x = Exact::int(total);
    for _ in 0..k {
        x = x.checked_mul(keep).unwrap_or(x);
    }
    i64::try_from(x.round_int(super::Rounding::HalfUp)).unwrap_or(total)
}

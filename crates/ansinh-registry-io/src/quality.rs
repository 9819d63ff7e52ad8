//! Likely problems in the registry, for an officer to check: the same person in two households (fuzzy
//! name, diacritics ignored, and the same date of birth — not only equal citizen IDs), impossible ages
//! and relations, households without a head or income, and fields the chosen standard needs but that
//! are empty. Nothing here changes the registry.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use ansinh_domain::registry::{self, Area, HouseholdCode, Member, Relation, UnitId};
use ansinh_domain::schema::{FieldId, Level};
use ansinh_domain::standard::Standard;
use ansinh_domain::text::search_key;
use ansinh_store::{Store, StoredHousehold};

use crate::error::{IoError, Result};

#[derive(Clone, Debug)]
pub struct QualityOptions {
    pub as_of: NaiveDate,
    /// Fields the chosen standard needs (see [`standard_fields`]); empty: no such check.
    pub fields: Vec<FieldId>,
    /// Names at least this similar (Jaro-Winkler on the folded name, 0–1) with the same date of birth
    /// are reported as likely the same person.
    pub name_similarity: f64,
}

impl QualityOptions {
    pub fn new(as_of: NaiveDate) -> QualityOptions {
        QualityOptions {
            as_of,
            fields: Vec::new(),
            name_similarity: 0.92,
        }
    }
}

/// One likely problem.
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    /// Stable code: `QUAL_SAME_PERSON`, `QUAL_NO_HEAD`, `QUAL_TWO_HEADS`, `QUAL_HEAD_TOO_YOUNG`,
    /// `QUAL_AGE_IMPOSSIBLE`, `QUAL_RELATION_AGE`, `QUAL_INCOME_MISSING`, `QUAL_FIELD_EMPTY`.
    pub code: &'static str,
    pub household: HouseholdCode,
    /// The member concerned (for the officer's screen; never logged).
    pub member: Option<String>,
    /// The other household and member of a likely duplicate.
    pub other: Option<(HouseholdCode, String)>,
    pub vi: String,
    pub en: String,
}

/// The fields a standard reads, in catalogue order (see [`Standard::input_fields`]).
pub fn standard_fields(std: &Standard) -> Vec<FieldId> {
    let mut f = std.input_fields();
    f.sort();
    f
}

struct Person {
    household: usize,
    name: String,
    key: String,
    cid: Option<String>,
}

fn d(x: NaiveDate) -> String {
    x.format("%d/%m/%Y").to_string()
}

fn household_issues(h: &StoredHousehold, as_of: NaiveDate, out: &mut Vec<Issue>) {
    let code = &h.household.code;
    let live: Vec<&Member> = h
        .members
        .iter()
        .map(|m| &m.member)
        .filter(|m| m.is_member_on(as_of))
        .collect();
    let issue = |code_: &'static str, member: Option<&Member>, vi: String, en: String| Issue {
        code: code_,
        household: code.clone(),
        member: member.map(|m| m.full_name.as_str().to_string()),
        other: None,
        vi,
        en,
    };
    let heads: Vec<&&Member> = live
        .iter()
        .filter(|m| m.relation == Relation::Head)
        .collect();
    match heads.len() {
        0 => out.push(issue(
            "QUAL_NO_HEAD",
            None,
            format!("hộ {code} không có chủ hộ"),
            format!("household {code} has no head"),
        )),
        1 => {}
        n => out.push(issue(
            "QUAL_TWO_HEADS",
            None,
            format!("hộ {code} có {n} chủ hộ"),
            format!("household {code} has {n} heads"),
        )),
    }
    let head = heads.first().map(|m| **m);
    for m in &live {
        match (m.date_of_birth, m.age_on(as_of)) {
            (Some(b), None) => out.push(issue(
                "QUAL_AGE_IMPOSSIBLE",
                Some(m),
                format!("hộ {code}: ngày sinh {} sau ngày kiểm tra", d(b)),
                format!("household {code}: born {b}, after the check date"),
            )),
            (Some(_), Some(a)) if a > 120 => out.push(issue(
                "QUAL_AGE_IMPOSSIBLE",
                Some(m),
                format!("hộ {code}: {a} tuổi"),
                format!("household {code}: {a} years old"),
            )),
            _ => {}
        }
        if m.relation == Relation::Head
            && let Some(a) = m.age_on(as_of)
            && a < 15
        {
            out.push(issue(
                "QUAL_HEAD_TOO_YOUNG",
                Some(m),
                format!("hộ {code}: chủ hộ mới {a} tuổi (dưới 15)"),
                format!("household {code}: the head is {a} (under 15)"),
            ));
        }
        let (Some(hb), Some(mb)) = (head.and_then(|h| h.date_of_birth), m.date_of_birth) else {
            continue;
        };
        let wrong = match m.relation {
            Relation::Child | Relation::Grandchild => mb <= hb,
            Relation::Parent | Relation::Grandparent => mb >= hb,
            _ => false,
        };
        if wrong {
            let (vi, en) = match m.relation {
                Relation::Child | Relation::Grandchild => {
                    ("không nhỏ tuổi hơn", "is not younger than")
                }
                _ => ("không lớn tuổi hơn", "is not older than"),
            };
            out.push(issue(
                "QUAL_RELATION_AGE",
                Some(m),
                format!(
                    "hộ {code}: thành viên quan hệ «{}» (sinh {}) {vi} chủ hộ (sinh {})",
                    m.relation.vi(),
                    d(mb),
                    d(hb)
                ),
                format!(
                    "household {code}: a member recorded as {} (born {mb}) {en} the head (born {hb})",
                    m.relation.en()
                ),
            ));
        }
    }
    if h.household.income_on(as_of).is_none() {
        out.push(issue(
            "QUAL_INCOME_MISSING",
            None,
            format!("hộ {code} chưa có thu nhập"),
            format!("household {code} has no income recorded"),
        ));
    }
}

/// Fields the standard needs that are empty, one issue per household.
fn field_issues(
    page: &[StoredHousehold],
    areas: &HashMap<UnitId, Option<Area>>,
    opts: &QualityOptions,
    out: &mut Vec<Issue>,
) -> Result<()> {
    if opts.fields.is_empty() {
        return Ok(());
    }
    let members: Vec<Vec<Member>> = page.iter().map(|h| h.member_records()).collect();
    let items: Vec<(&registry::Household, &[Member])> = page
        .iter()
        .zip(&members)
        .map(|(h, m)| (&h.household, m.as_slice()))
        .collect();
    let batch =
        registry::households_to_batch(&items, opts.as_of, |u| areas.get(&u).copied().flatten())
            .map_err(|e| IoError::Store(e.into()))?;
    for (i, h) in page.iter().enumerate() {
        let mut vi = Vec::new();
        let mut en = Vec::new();
        for &f in &opts.fields {
            let Some(col) = batch.column(f) else { continue };
            let def = f.def();
            let (lo, hi) = match def.level {
                Level::Household => (i, i + 1),
                Level::Member => (batch.offsets[i] as usize, batch.offsets[i + 1] as usize),
            };
            let empty = (lo..hi).filter(|&k| col.is_null(k)).count();
            if empty == 0 {
                continue;
            }
            match def.level {
                Level::Household => {
                    vi.push(def.vi.to_string());
                    en.push(def.en.to_string());
                }
                Level::Member => {
                    vi.push(format!("{} ({empty} người)", def.vi));
                    en.push(format!("{} ({empty} persons)", def.en));
                }
            }
        }
        if !vi.is_empty() {
            let code = &h.household.code;
            out.push(Issue {
                code: "QUAL_FIELD_EMPTY",
                household: code.clone(),
                member: None,
                other: None,
                vi: format!("hộ {code}: chuẩn cần nhưng còn trống: {}", vi.join(", ")),
                en: format!(
                    "household {code}: needed by the standard but empty: {}",
                    en.join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// Likely problems in the registry (or in the households under `units`), households in id order, then
/// likely duplicates.
pub async fn check<S: Store>(
    store: &S,
    units: Option<&[UnitId]>,
    opts: &QualityOptions,
) -> Result<Vec<Issue>> {
    let areas: HashMap<UnitId, Option<Area>> = store
        .all_units()
        .await?
        .into_iter()
        .map(|u| (u.id, u.unit.area))
        .collect();
    let mut out = Vec::new();
    let mut codes: Vec<HouseholdCode> = Vec::new();
    let mut by_birth: BTreeMap<NaiveDate, Vec<Person>> = BTreeMap::new();
    let mut after = None;
    loop {
        let page = store.households_page(after, units, 2_000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for h in &page {
            household_issues(h, opts.as_of, &mut out);
            let k = codes.len();
            codes.push(h.household.code.clone());
            for m in h.members.iter().map(|m| &m.member) {
                let Some(b) = m.date_of_birth else { continue };
                if !m.is_member_on(opts.as_of) {
                    continue;
                }
                by_birth.entry(b).or_default().push(Person {
                    household: k,
                    name: m.full_name.as_str().to_string(),
                    key: search_key(m.full_name.as_str()),
                    cid: m.citizen_id.as_ref().map(|c| c.as_str().to_string()),
                });
            }
        }
        field_issues(&page, &areas, opts, &mut out)?;
    }
    for (born, people) in &by_birth {
        for (i, a) in people.iter().enumerate() {
            for b in &people[i + 1..] {
                if let (Some(x), Some(y)) = (&a.cid, &b.cid)
                    && x != y
                {
                    continue;
                }
                let sim = strsim::jaro_winkler(&a.key, &b.key);
                if sim < opts.name_similarity {
                    continue;
                }
                let (ha, hb) = (&codes[a.household], &codes[b.household]);
                let same = if ha == hb {
                    ("hai lần trong cùng hộ", "twice in the same household")
                } else {
                    ("ở hai hộ", "in two households")
                };
                out.push(Issue {
                    code: "QUAL_SAME_PERSON",
                    household: ha.clone(),
                    member: Some(a.name.clone()),
                    other: Some((hb.clone(), b.name.clone())),
                    vi: format!(
                        "có thể là cùng một người {}: hộ {ha} và hộ {hb}, cùng ngày sinh {}, tên giống {:.0}%",
                        same.0,
                        d(*born),
                        sim * 100.0
                    ),
                    en: format!(
                        "possibly the same person {}: households {ha} and {hb}, same date of birth {born}, names {:.0}% alike",
                        same.1,
                        sim * 100.0
                    ),
                });
            }
        }
    }
    Ok(out)
}

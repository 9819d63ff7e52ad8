//! A household's review form: the draft as typed (web form fields, a CLI file or flags, all with the
//! same keys), its scores with the round's tables, the suggestion from the registry, and saving it.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use ansinh_domain::registry::{Area, Education, HouseholdId, Labour};
use ansinh_domain::review::scoring::QuickResult;
use ansinh_domain::review::{
    DeprivationForm, Edit, IncomeForm, QuickScreen, ReviewError, ScoreResult, ScoringTables,
};
use ansinh_domain::{Explanation, Outcome, Standard, explain};
use ansinh_store::review::{FormInput, ReviewStore, RoundId, StoredRound};
use ansinh_store::{Store, StoredHousehold, batch_of};

use super::{Env, province_of};
use crate::actor::{Actor, ReviewAccess};
use crate::error::{AppError, AppResult};

/// A date typed as `dd/mm/yyyy` or given as `yyyy-mm-dd` (the date input of browsers, the API).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// A household's review form as typed: the survey date, the quick screen, the region and the answers of
/// score A, deprived or not per indicator for score B. Keys (HTML forms, CLI files and flags):
/// `surveyed_on`, `region`, `a.<characteristic>`, `b.<indicator>` (`1` deprived, `0` not),
/// `q.<criterion>` (met).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormDraft {
    pub surveyed_on: Option<NaiveDate>,
    pub region: String,
    pub answers: BTreeMap<String, String>,
    pub deprived: BTreeMap<String, bool>,
    pub quick: Vec<String>,
}

impl FormDraft {
    pub fn from_pairs(pairs: &[(String, String)]) -> FormDraft {
        let mut d = FormDraft::default();
        d.apply_pairs(pairs);
        d
    }

    /// Sets the keys given, leaving the others as they are (a later key wins). `b.<indicator>` takes
    /// `1`/`0` (also `true`/`false`, `yes`/`no`); `q.<criterion>` with `0` or empty is not met.
    pub fn apply_pairs(&mut self, pairs: &[(String, String)]) {
        let d = self;
        for (k, v) in pairs {
            let v = v.trim();
            if k == "surveyed_on" {
                d.surveyed_on = parse_date(v);
            } else if k == "region" {
                d.region = v.to_string();
            } else if let Some(c) = k.strip_prefix("a.") {
                if v.is_empty() {
                    d.answers.remove(c);
                } else {
                    d.answers.insert(c.to_string(), v.to_string());
                }
            } else if let Some(i) = k.strip_prefix("b.") {
                match v {
                    "1" | "true" | "yes" => {
                        d.deprived.insert(i.to_string(), true);
                    }
                    "0" | "false" | "no" => {
                        d.deprived.insert(i.to_string(), false);
                    }
                    _ => {}
                }
            } else if let Some(q) = k.strip_prefix("q.") {
                let met = !v.is_empty() && v != "0" && v != "false" && v != "no";
                if met && !d.quick.iter().any(|x| x == q) {
                    d.quick.push(q.to_string());
                } else if !met {
                    d.quick.retain(|x| x != q);
                }
            }
        }
    }

    /// The draft as key/value pairs, in the keys [`FormDraft::from_pairs`] reads.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut v = Vec::new();
        if let Some(d) = self.surveyed_on {
            v.push(("surveyed_on".to_string(), super::dmy(d)));
        }
        v.push(("region".to_string(), self.region.clone()));
        for (k, a) in &self.answers {
            v.push((format!("a.{k}"), a.clone()));
        }
        for (k, b) in &self.deprived {
            v.push((format!("b.{k}"), if *b { "1" } else { "0" }.to_string()));
        }
        for q in &self.quick {
            v.push((format!("q.{q}"), "1".to_string()));
        }
        v
    }

    pub fn from_form(f: &FormInput) -> FormDraft {
        FormDraft {
            surveyed_on: Some(f.surveyed_on),
            region: f.income.region.clone(),
            answers: f.income.answers.clone(),
            deprived: f.deprivation.deprived.clone(),
            quick: f
                .quick_screen
                .as_ref()
                .map(|q| q.met.clone())
                .unwrap_or_default(),
        }
    }

    fn income(&self) -> IncomeForm {
        IncomeForm {
            region: self.region.clone(),
            answers: self.answers.clone(),
        }
    }

    fn deprivation(&self) -> DeprivationForm {
        DeprivationForm {
            deprived: self.deprived.clone(),
        }
    }
}

/// The scores of a draft (or why it does not score yet) and the quick screen's result.
#[derive(Clone, Debug)]
pub struct Scored {
    pub result: Result<ScoreResult, ReviewError>,
    pub quick: Option<Result<QuickResult, ReviewError>>,
}

pub fn score(tables: &ScoringTables, std: &Standard, d: &FormDraft) -> Scored {
    let quick = tables.quick_screen.as_ref().map(|_| {
        tables.quick_screen(&QuickScreen {
            met: d.quick.clone(),
        })
    });
    Scored {
        result: tables.score(std, &d.income(), &d.deprivation()),
        quick,
    }
}

/// The form to store for a draft, scored; refused when it does not score.
pub fn form_input(
    tables: &ScoringTables,
    std: &Standard,
    household: HouseholdId,
    d: &FormDraft,
    on: NaiveDate,
) -> AppResult<FormInput> {
    let s = score(tables, std, d);
    let r = s.result?;
    if let Some(Err(e)) = s.quick {
        return Err(e.into());
    }
    Ok(FormInput {
        household,
        surveyed_on: d.surveyed_on.unwrap_or(on),
        tables_id: tables.id.clone(),
        placeholder: tables.placeholder,
        income: d.income(),
        deprivation: d.deprivation(),
        quick_screen: tables.quick_screen.as_ref().map(|_| QuickScreen {
            met: d.quick.clone(),
        }),
        score_a: r.score_a,
        score_b: r.score_b,
        class: r.class,
        explanation_vi: r.text_vi,
        explanation_en: r.text_en,
    })
}

/// What the registry already says, as a starting draft for the officer to check: the region of the
/// commune's area, household size, highest education, non-farm work, dwelling and floor area per person,
/// and every indicator the engine decided. Characteristics the registry does not hold (pension,
/// electricity, assets) stay unanswered.
pub fn suggest(
    h: &StoredHousehold,
    area: Option<Area>,
    tables: &ScoringTables,
    e: &Explanation,
    on: NaiveDate,
) -> FormDraft {
    let mut d = FormDraft {
        surveyed_on: Some(on),
        ..FormDraft::default()
    };
    d.region = tables
        .regions
        .iter()
        .find(|r| Some(r.area) == area)
        .or_else(|| tables.regions.first())
        .map(|r| r.id.clone())
        .unwrap_or_default();
    let live: Vec<_> = h
        .members
        .iter()
        .map(|m| &m.member)
        .filter(|m| m.is_member_on(on))
        .collect();
    let n = live.len();
    let mut set = |c: &str, o: &str| {
        let known = tables
            .characteristics
            .iter()
            .any(|x| x.id == c && x.options.iter().any(|op| op.id == o));
        if known {
            d.answers.insert(c.to_string(), o.to_string());
        }
    };
    if n > 0 {
        let size = if n >= 6 {
            "6+".to_string()
        } else {
            n.to_string()
        };
        set("household_size", &size);
    }
    if let Some(top) = live
        .iter()
        .filter_map(|m| m.education_level)
        .max_by_key(|e| e.index())
    {
        let o = match top {
            Education::NoSchooling => "none",
            Education::Primary => "primary",
            Education::LowerSecondary => "lower_secondary",
            Education::UpperSecondary => "upper_secondary",
            Education::Vocational | Education::Tertiary => "higher",
        };
        set("highest_education", o);
    }
    if live
        .iter()
        .any(|m| m.labour_status == Some(Labour::EmployedFormal))
    {
        set("non_farm_work", "yes");
    } else if !live.is_empty() && live.iter().all(|m| m.labour_status.is_some()) {
        set("non_farm_work", "no");
    }
    if let Some(q) = h.household.housing_quality {
        set("housing", q.code());
    }
    if let (Some(a), true) = (h.household.floor_area_m2, n > 0) {
        let per = a / n as f64;
        set(
            "floor_area_per_person",
            if per < 8.0 {
                "lt8"
            } else if per < 20.0 {
                "8to20"
            } else {
                "ge20"
            },
        );
    }
    for i in &e.indicators {
        match i.outcome {
            Outcome::Deprived => {
                d.deprived.insert(i.id.clone(), true);
            }
            Outcome::NotDeprived => {
                d.deprived.insert(i.id.clone(), false);
            }
            Outcome::Unknown { .. } => {}
        }
    }
    d
}

/// The engine's explained classification of a household under a standard, as of a date.
pub async fn explain_household<S: Store>(
    store: &S,
    std: &Standard,
    h: &StoredHousehold,
    on: NaiveDate,
) -> AppResult<Explanation> {
    let (_, batch) = batch_of(store, std::slice::from_ref(h), on).await?;
    Ok(explain(std, &batch, 0))
}

/// The standard and scoring tables of a round.
pub async fn round_tables<'a, S: Store>(
    env: &Env<'a, S>,
    r: &StoredRound,
) -> AppResult<(&'a Standard, &'a ScoringTables)> {
    let std = env
        .standards
        .get(&r.standard_id)
        .ok_or_else(|| AppError::Internal(format!("unknown standard {}", r.standard_id)))?;
    let province = province_of(env.store, r.unit).await?;
    let tables = env.rules.tables(&r.standard_id, province.as_deref())?;
    Ok((std, tables))
}

/// A household on the round's list (else "not found", whatever the reason), read through the actor's
/// scope.
pub async fn listed_household<S: Store + ReviewStore>(
    store: &S,
    actor: &Actor,
    r: &StoredRound,
    household: HouseholdId,
) -> AppResult<StoredHousehold> {
    let scoped = actor.scoped(store);
    let listed = store.review_list(r.id).await?;
    if !listed.iter().any(|(h, _)| *h == household) {
        return Err(AppError::NotFound);
    }
    scoped.household(household).await
}

/// Saves a new revision of a listed household's form, scored with the round's tables (the survey date
/// defaults to `today`); returns the revision's id.
pub async fn save_form<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    round: RoundId,
    household: HouseholdId,
    draft: &FormDraft,
    today: NaiveDate,
) -> AppResult<i64> {
    let r = actor
        .scoped(env.store)
        .round(round, ReviewAccess::Commune)
        .await?;
    let h = listed_household(env.store, actor, &r, household).await?;
    r.round.check_edit(Edit::Form)?;
    let (std, tables) = round_tables(env, &r).await?;
    let form = form_input(tables, std, h.id, draft, today)?;
    Ok(env.store.save_form(&actor.ctx(), r.id, &form).await?)
}

/// A household's form as the officer starts it: its latest saved revision, else the suggestion from
/// what the registry says ([`suggest`]), with the round's standard and tables.
pub struct FormStart<'a> {
    pub round: StoredRound,
    pub household: StoredHousehold,
    pub draft: FormDraft,
    /// No revision was saved yet: the draft is the registry's suggestion.
    pub suggested: bool,
    pub standard: &'a Standard,
    pub tables: &'a ScoringTables,
}

/// The form of a listed household to start from (read access is enough).
pub async fn form_start<'a, S: Store + ReviewStore>(
    env: &Env<'a, S>,
    actor: &Actor,
    round: RoundId,
    household: HouseholdId,
    today: NaiveDate,
) -> AppResult<FormStart<'a>> {
    let store = env.store;
    let r = actor.scoped(store).round(round, ReviewAccess::Read).await?;
    let hh = listed_household(store, actor, &r, household).await?;
    let (std, tables) = round_tables(env, &r).await?;
    let revisions = store.form_revisions(r.id, hh.id).await?;
    let (draft, suggested) = match revisions.last() {
        Some(f) => (FormDraft::from_form(&f.form), false),
        None => {
            let e = explain_household(store, std, &hh, today).await?;
            let unit = store.unit(hh.household.unit).await?;
            let area = hh.household.area.or(unit.unit.area);
            (suggest(&hh, area, tables, &e, today), true)
        }
    };
    Ok(FormStart {
        round: r,
        household: hh,
        draft,
        suggested,
        standard: std,
        tables,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_reads_back_from_its_own_pairs() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let d = FormDraft::from_pairs(&pairs(&[
            ("surveyed_on", "15/10/2025"),
            ("region", "rural"),
            ("a.household_size", "4"),
            ("b.health_insurance", "1"),
            ("b.schooling", "0"),
            ("q.car", "1"),
        ]));
        assert_eq!(FormDraft::from_pairs(&d.to_pairs()), d);
        let mut e = d.clone();
        e.apply_pairs(&pairs(&[
            ("q.car", "0"),
            ("b.schooling", "yes"),
            ("a.household_size", ""),
        ]));
        assert!(e.quick.is_empty() && e.deprived["schooling"] && e.answers.is_empty());
    }
}

//! The demo province's review rounds, run for real through the [`ReviewStore`] so that every review
//! screen has data: the 2024 and 2025 periodic rounds of every commune (list, scored forms, the village
//! meeting with its votes, posting, complaints, the upper level's opinion, approval with its snapshot),
//! a household that escapes poverty by an in-year decision in March 2025 and is poor again in the 2025
//! round (re-poor), an in-year request of October 2026 still at the meeting step, and, for the first
//! commune, the 2026 round open at the survey step. Every date is fixed, so the demo loads the same
//! everywhere.
//!
//! The forms start from what the registry says ([`crate::review::suggest`]); what the registry does not
//! hold (electricity, assets, pension) is filled in as a surveyor would have found it, consistent with
//! the household's income, so the scores mostly agree with the engine's classification.

use std::collections::HashMap;

use chrono::NaiveDate;

use ansinh_domain::registry::{Area, HouseholdId, Labour, UnitId};
use ansinh_domain::review::{
    ComplaintOutcome, Meeting, Participant, Role, RoundKind, ScoringTables, Stage, Tally, Workflow,
};
use ansinh_domain::{Class, Explanation, Standard, explain};
use ansinh_rulebook::Rulebook;
use ansinh_store::review::{
    NewRound, Request, RequestForm, ReviewStore, RoundId, Step, StoredRound,
};
use ansinh_store::{ChangeContext, Store, StoredHousehold, StoredUnit, batch_of};

use crate::Backend;
use crate::error::WebError;
use crate::review::{
    FormDraft, commune_households, form_input, refusal, snapshot_entries, store_meeting, suggest,
};

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate, WebError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| WebError::Internal("bad demo date".into()))
}

fn internal(e: impl std::fmt::Display) -> WebError {
    WebError::Internal(format!("demo review: {e}"))
}

/// How the survey came out for a household, when the demo story decides it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Story {
    /// As the registry says.
    AsRecorded,
    /// Found poor (the household that is poor, escapes, and is poor again).
    Poor,
    /// Found better off (its in-year request to leave poverty).
    BetterOff,
}

/// A complete demo form for a household.
fn draft(
    h: &StoredHousehold,
    area: Option<Area>,
    tables: &ScoringTables,
    std: &Standard,
    e: &Explanation,
    on: NaiveDate,
    story: Story,
) -> FormDraft {
    let mut d = suggest(h, area, tables, e, on);
    for i in &std.indicators {
        d.deprived.entry(i.id.clone()).or_insert(false);
    }
    let elderly = h.members.iter().any(|m| {
        m.member.is_member_on(on)
            && m.member.age_on(on).is_some_and(|a| a >= 60)
            && m.member.labour_status == Some(Labour::NotInLabourForce)
    });
    let want_low = match story {
        Story::AsRecorded => matches!(e.class, Some(Class::Poor | Class::NearPoor)),
        Story::Poor => true,
        Story::BetterOff => false,
    };
    d.answers.insert(
        "pension".into(),
        if elderly && !want_low { "yes" } else { "no" }.into(),
    );
    match story {
        Story::Poor => {
            for (c, o) in [
                ("highest_education", "primary"),
                ("non_farm_work", "no"),
                ("housing", "less_durable"),
                ("floor_area_per_person", "lt8"),
            ] {
                d.answers.insert(c.into(), o.into());
            }
            let mut n = d.deprived.values().filter(|v| **v).count();
            for i in &std.indicators {
                if n >= 3 {
                    break;
                }
                if d.deprived.insert(i.id.clone(), true) != Some(true) {
                    n += 1;
                }
            }
        }
        Story::BetterOff => {
            for (c, o) in [("non_farm_work", "yes"), ("housing", "solid")] {
                d.answers.insert(c.into(), o.into());
            }
        }
        Story::AsRecorded => {}
    }
    // Anything else unanswered: the middle option.
    for c in &tables.characteristics {
        if !d.answers.contains_key(&c.id)
            && !matches!(c.id.as_str(), "electricity" | "assets")
            && let Some(o) = c.options.get(c.options.len() / 2)
        {
            d.answers.insert(c.id.clone(), o.id.clone());
        }
    }
    // Electricity and assets as observed: on the side of the line the household's income is on.
    let line = tables
        .region(&d.region)
        .map_or(tables.income_line.rural, |r| tables.income_line.of(r.area));
    let opts = |id: &str| {
        tables
            .characteristics
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.options.iter().map(|o| o.id.clone()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let mut combos: Vec<(i32, String, String)> = Vec::new();
    for el in opts("electricity") {
        for asset in opts("assets") {
            let mut t = d.clone();
            t.answers.insert("electricity".into(), el.clone());
            t.answers.insert("assets".into(), asset.clone());
            let income = ansinh_domain::review::IncomeForm {
                region: t.region.clone(),
                answers: t.answers.clone(),
            };
            if let Ok((_, a, _)) = tables.score_a(&income) {
                combos.push((a, el.clone(), asset));
            }
        }
    }
    combos.sort();
    let pick = if want_low {
        combos
            .iter()
            .rev()
            .find(|c| c.0 <= line)
            .or_else(|| combos.first())
    } else {
        combos.iter().find(|c| c.0 > line).or_else(|| combos.last())
    };
    if let Some((_, el, asset)) = pick {
        d.answers.insert("electricity".into(), el.clone());
        d.answers.insert("assets".into(), asset.clone());
    }
    d
}

struct Commune<'a> {
    unit: &'a StoredUnit,
    officer: ChangeContext,
    households: Vec<StoredHousehold>,
    areas: HashMap<UnitId, Option<Area>>,
    names: HashMap<UnitId, String>,
}

struct Ctx<'a, S> {
    store: &'a S,
    std: &'a Standard,
    tables: &'a ScoringTables,
    wf: &'a Workflow,
    upper: ChangeContext,
}

impl<S: Store + ReviewStore> Ctx<'_, S> {
    async fn explanations(
        &self,
        households: &[StoredHousehold],
        on: NaiveDate,
    ) -> Result<HashMap<HouseholdId, Explanation>, WebError> {
        let (ids, batch) = batch_of(self.store, households, on).await?;
        Ok(ids
            .into_iter()
            .enumerate()
            .map(|(i, id)| (id, explain(self.std, &batch, i)))
            .collect())
    }

    async fn save(
        &self,
        c: &Commune<'_>,
        r: &StoredRound,
        h: &StoredHousehold,
        e: &Explanation,
        on: NaiveDate,
        story: Story,
    ) -> Result<Class, WebError> {
        let area = c.areas.get(&h.household.unit).copied().flatten();
        let d = draft(h, area, self.tables, self.std, e, on, story);
        let form = form_input(self.tables, self.std, h.id, &d, on)?;
        let class = form.class;
        self.store
            .save_form(&c.officer, r.id, &form)
            .await
            .map_err(refusal)?;
        Ok(class)
    }

    async fn step(
        &self,
        ctx: &ChangeContext,
        r: RoundId,
        step: Step,
        on: NaiveDate,
    ) -> Result<(), WebError> {
        self.store
            .advance(ctx, r, step, on, self.wf)
            .await
            .map_err(refusal)?;
        Ok(())
    }

    async fn meet(
        &self,
        c: &Commune<'_>,
        r: &StoredRound,
        village: &str,
        on: NaiveDate,
        votes: &[(String, u32)],
    ) -> Result<StoredRound, WebError> {
        let attendees = 30;
        let participants = [
            ("Nguyễn Văn Thành", Role::Chair),
            ("Trần Thị Lan", Role::Secretary),
            ("Lê Văn Hùng", Role::CommuneOfficer),
            ("Phạm Thị Hoa", Role::FatherlandFront),
            ("Hoàng Văn Nam", Role::HouseholdRepresentative),
            ("Đỗ Thị Mai", Role::HouseholdRepresentative),
        ]
        .into_iter()
        .map(|(name, role)| Participant {
            name: name.into(),
            role,
        })
        .collect();
        let m = Meeting {
            village: village.to_string(),
            held_on: on,
            attendees,
            participants,
            votes: votes
                .iter()
                .map(|(code, agree)| Tally {
                    household: code.clone(),
                    agree: *agree,
                    disagree: attendees - agree,
                })
                .collect(),
        };
        let current = self.store.review_round(r.id).await.map_err(refusal)?;
        Ok(store_meeting(self.store, &c.officer, &current, &m, self.wf).await?)
    }

    /// A periodic round walked from opening to approval (reported for 2024).
    async fn periodic(
        &self,
        c: &Commune<'_>,
        year: i32,
        first: bool,
        story: Option<HouseholdId>,
    ) -> Result<(), WebError> {
        let d = |m: u32, day: u32| date(year, m, day);
        let surveyed = d(10, 3)?;
        let es = self.explanations(&c.households, surveyed).await?;
        let r = self
            .store
            .create_round(
                &c.officer,
                &NewRound {
                    kind: RoundKind::Periodic,
                    unit: c.unit.id,
                    year,
                    standard_id: self.std.id.clone(),
                    on: d(10, 1)?,
                    request: None,
                },
                self.wf,
            )
            .await
            .map_err(refusal)?;
        for h in &c.households {
            self.store
                .add_to_list(&c.officer, r.id, h.id, d(10, 1)?)
                .await
                .map_err(refusal)?;
        }
        self.step(&c.officer, r.id, Step::CloseList, d(10, 2)?)
            .await?;
        let mut classes = Vec::new();
        for h in &c.households {
            let Some(e) = es.get(&h.id) else { continue };
            let s = if Some(h.id) == story {
                Story::Poor
            } else {
                Story::AsRecorded
            };
            classes.push((h, self.save(c, &r, h, e, surveyed, s).await?));
        }
        self.step(&c.officer, r.id, Step::FinishScoring, d(10, 4)?)
            .await?;
        let votes: Vec<(String, u32)> = c
            .households
            .iter()
            .enumerate()
            .map(|(i, h)| (h.household.code.to_string(), 19 + (i as u32 * 7) % 10))
            .collect();
        let village = c.unit.unit.name.to_string();
        if first && year == 2024 && votes.len() > 1 {
            // The meeting does not agree on one household: it is scored again and met on again.
            let mut v = votes.clone();
            v[1].1 = 12;
            let back = self.meet(c, &r, &village, d(10, 5)?, &v).await?;
            debug_assert_eq!(back.round.stage, Stage::Scoring);
            let h = &c.households[1];
            let s = if Some(h.id) == story {
                Story::Poor
            } else {
                Story::AsRecorded
            };
            if let Some(e) = es.get(&h.id) {
                self.save(c, &r, h, e, d(10, 6)?, s).await?;
            }
            self.step(&c.officer, r.id, Step::FinishScoring, d(10, 6)?)
                .await?;
            self.meet(c, &r, &village, d(10, 7)?, &[(votes[1].0.clone(), 24)])
                .await?;
        } else {
            self.meet(c, &r, &village, d(10, 5)?, &votes).await?;
        }
        self.step(&c.officer, r.id, Step::Post, d(10, 8)?).await?;
        // Complaints during the posting: one founded (re-surveyed, now poor), one not.
        let near = classes
            .iter()
            .find(|(_, cl)| *cl == Class::NearPoor)
            .or_else(|| classes.first())
            .map(|(h, _)| *h);
        let mut upheld = None;
        if first && let Some(h) = near {
            let id = self
                .store
                .file_complaint(
                    &c.officer,
                    r.id,
                    Some(h.id),
                    d(10, 9)?,
                    "Hộ đề nghị xem xét lại: gia đình có người ốm đau, khó khăn hơn kết quả chấm điểm.",
                    self.wf,
                )
                .await
                .map_err(refusal)?;
            upheld = Some((id, h));
        }
        let rejected = self
            .store
            .file_complaint(
                &c.officer,
                r.id,
                None,
                d(10, 9)?,
                "Phản ánh chung: đề nghị công khai danh sách tại nhà văn hoá thôn sớm hơn.",
                self.wf,
            )
            .await
            .map_err(refusal)?;
        self.step(&c.officer, r.id, Step::EndPosting, d(10, 14)?)
            .await?;
        if let Some((id, h)) = upheld {
            if let Some(e) = es.get(&h.id) {
                self.save(c, &r, h, e, d(10, 15)?, Story::Poor).await?;
            }
            self.store
                .resolve_complaint(
                    &c.officer,
                    id,
                    d(10, 15)?,
                    ComplaintOutcome::Upheld,
                    "Phúc tra: hộ thiếu hụt thêm chỉ số, điều chỉnh kết quả.",
                    self.wf,
                )
                .await
                .map_err(refusal)?;
        }
        self.store
            .resolve_complaint(
                &c.officer,
                rejected,
                d(10, 15)?,
                ComplaintOutcome::Rejected,
                "Đã niêm yết đúng thời hạn tại nhà văn hoá thôn và trụ sở UBND xã.",
                self.wf,
            )
            .await
            .map_err(refusal)?;
        self.step(&c.officer, r.id, Step::CloseComplaints, d(10, 16)?)
            .await?;
        self.step(&self.upper, r.id, Step::RecordConsultation, d(10, 20)?)
            .await?;
        let on = d(11, 1)?;
        let current = self.store.review_round(r.id).await.map_err(refusal)?;
        let entries = snapshot_entries(self.store, &current, on, self.wf).await?;
        self.store
            .approve(&c.officer, r.id, on, &entries, self.wf)
            .await
            .map_err(refusal)?;
        if year == 2024 {
            self.step(&c.officer, r.id, Step::Report, d(11, 5)?).await?;
        }
        Ok(())
    }

    /// An in-year request, walked through `until` the given step.
    #[allow(clippy::too_many_arguments)]
    async fn regular(
        &self,
        c: &Commune<'_>,
        h: &StoredHousehold,
        form: RequestForm,
        received: NaiveDate,
        story: Story,
        approve: bool,
    ) -> Result<(), WebError> {
        let r = self
            .store
            .create_round(
                &c.officer,
                &NewRound {
                    kind: RoundKind::Regular,
                    unit: c.unit.id,
                    year: chrono::Datelike::year(&received),
                    standard_id: self.std.id.clone(),
                    on: received,
                    request: Some(Request {
                        household: h.id,
                        form,
                        channel: "in_person".into(),
                    }),
                },
                self.wf,
            )
            .await
            .map_err(refusal)?;
        let start = r.round.review_start;
        let day = |n: u64| {
            start
                .checked_add_days(chrono::Days::new(n))
                .ok_or_else(|| internal("date"))
        };
        let es = self.explanations(std::slice::from_ref(h), day(0)?).await?;
        let e = es.get(&h.id).ok_or_else(|| internal("explanation"))?;
        self.save(c, &r, h, e, day(0)?, story).await?;
        self.step(&c.officer, r.id, Step::FinishScoring, day(1)?)
            .await?;
        if !approve {
            return Ok(());
        }
        let village = c
            .names
            .get(&h.household.unit)
            .cloned()
            .unwrap_or_else(|| c.unit.unit.name.to_string());
        self.meet(
            c,
            &r,
            &village,
            day(2)?,
            &[(h.household.code.to_string(), 22)],
        )
        .await?;
        self.step(&c.officer, r.id, Step::Post, day(3)?).await?;
        self.step(&c.officer, r.id, Step::EndPosting, day(9)?)
            .await?;
        self.step(&c.officer, r.id, Step::CloseComplaints, day(9)?)
            .await?;
        let on = day(10)?;
        let current = self.store.review_round(r.id).await.map_err(refusal)?;
        let entries = snapshot_entries(self.store, &current, on, self.wf).await?;
        self.store
            .approve(&c.officer, r.id, on, &entries, self.wf)
            .await
            .map_err(refusal)?;
        Ok(())
    }
}

/// Runs the demo rounds of the communes (in code order), each acted by its officer (`officers`).
pub(crate) async fn load<S: Backend>(
    store: &S,
    rulebook: &Rulebook,
    communes: &[StoredUnit],
    officers: &[&str],
) -> Result<(), WebError> {
    let first_day = date(2024, 10, 1)?;
    let wf = rulebook
        .workflows()
        .in_force(first_day, None)
        .ok_or_else(|| internal("no workflow"))?;
    let std = rulebook
        .standards()
        .in_force(first_day, None)
        .ok_or_else(|| internal("no standard"))?;
    let tables = rulebook
        .scoring()
        .for_standard(&std.id, Some(crate::demo::PROVINCE_CODE))
        .map_err(internal)?;
    let cx = Ctx {
        store,
        std,
        tables,
        wf,
        upper: ChangeContext::new("tinh", "demo"),
    };
    let all_units = store.all_units().await?;
    let areas: HashMap<UnitId, Option<Area>> =
        all_units.iter().map(|u| (u.id, u.unit.area)).collect();
    let names: HashMap<UnitId, String> = all_units
        .iter()
        .map(|u| (u.id, u.unit.name.to_string()))
        .collect();
    let mut list = Vec::new();
    for (i, u) in communes.iter().enumerate() {
        let officer = officers.get(i).copied().unwrap_or("demo");
        list.push(Commune {
            unit: u,
            officer: ChangeContext::new(officer, "demo"),
            households: commune_households(store, u.id).await?,
            areas: areas.clone(),
            names: names.clone(),
        });
    }
    let Some(first) = list.first() else {
        return Ok(());
    };
    // The household of the story: poor in 2024, out of poverty by an in-year decision in March 2025,
    // poor again in the 2025 round.
    let es24 = cx
        .explanations(&first.households, date(2024, 10, 3)?)
        .await?;
    let story = first
        .households
        .iter()
        .find(|h| es24.get(&h.id).and_then(|e| e.class) == Some(Class::Poor))
        .or_else(|| first.households.first())
        .map(|h| h.id);
    for (i, c) in list.iter().enumerate() {
        cx.periodic(c, 2024, i == 0, if i == 0 { story } else { None })
            .await?;
    }
    if let Some(h) = story.and_then(|id| first.households.iter().find(|h| h.id == id)) {
        cx.regular(
            first,
            h,
            RequestForm::Form04,
            date(2025, 3, 10)?,
            Story::BetterOff,
            true,
        )
        .await?;
    }
    for (i, c) in list.iter().enumerate() {
        cx.periodic(c, 2025, i == 0, if i == 0 { story } else { None })
            .await?;
    }
    // The 2026 round of the first commune, open at the survey: the list closed, a few forms in.
    let d26 = date(2026, 9, 20)?;
    let r = store
        .create_round(
            &first.officer,
            &NewRound {
                kind: RoundKind::Periodic,
                unit: first.unit.id,
                year: 2026,
                standard_id: std.id.clone(),
                on: date(2026, 9, 15)?,
                request: None,
            },
            wf,
        )
        .await
        .map_err(refusal)?;
    for h in &first.households {
        store
            .add_to_list(&first.officer, r.id, h.id, date(2026, 9, 15)?)
            .await
            .map_err(refusal)?;
    }
    cx.step(&first.officer, r.id, Step::CloseList, date(2026, 9, 16)?)
        .await?;
    let some: Vec<StoredHousehold> = first.households.iter().take(3).cloned().collect();
    let es26 = cx.explanations(&some, d26).await?;
    for h in &some {
        if let Some(e) = es26.get(&h.id) {
            cx.save(first, &r, h, e, d26, Story::AsRecorded).await?;
        }
    }
    // An in-year request to be recognised as poor, received 05/10/2026, at the meeting step.
    let c = list.get(1).unwrap_or(first);
    if let Some(h) = c.households.iter().rev().find(|h| Some(h.id) != story) {
        cx.regular(
            c,
            h,
            RequestForm::Form01,
            date(2026, 10, 5)?,
            Story::Poor,
            false,
        )
        .await?;
    }
    Ok(())
}

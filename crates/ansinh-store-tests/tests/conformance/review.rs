//! Review storage (rà soát): whole rounds walked through every step and every refusal, on both backends;
//! the approved snapshot is immutable (also against raw SQL) and later registry edits never change it.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use ansinh_domain::Standard;
use ansinh_domain::registry::{
    Household, HouseholdCode, HouseholdId, Unit, UnitCode, UnitId, UnitKind,
};
use ansinh_domain::review::{
    ComplaintOutcome, DeprivationForm, IncomeForm, Meeting, Participant, Role, ScoringTables,
    Stage, Tally, Transition, Workflow,
};
use ansinh_domain::standard::{Class, StandardSet};
use ansinh_domain::text::NfcText;
use ansinh_store::review::{
    FormInput, NewRound, Request, RequestForm, ReviewStore, ReviewStoreError, RoundId,
    SnapshotEntry, Step,
};
use ansinh_store::{ChangeContext, Store};

use crate::harness::TestDb;

/// Declares each review case once per backend.
macro_rules! review_conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let h = crate::harness::sqlite(stringify!($name)).await;
                    super::$name(&h.store).await;
                    h.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(h) = crate::harness::postgres(stringify!($name)).await else { return };
                    super::$name(&h.store).await;
                    h.finish().await;
                }
            )*
        }
    };
}

review_conformance!(
    review_periodic_round_walks_to_a_snapshot,
    review_refusals_write_nothing,
    review_the_database_guards_approved_rounds,
    review_regular_round_and_transitions,
);

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn officer() -> ChangeContext {
    ChangeContext::new("can_bo_xa_01", "10.1.2.3")
}

fn wf() -> Workflow {
    ansinh_rulebook::Rulebook::builtin()
        .map(|r| r.workflows().clone())
        .unwrap()
        .all()[0]
        .clone()
}

fn tables() -> ScoringTables {
    ansinh_rulebook::Rulebook::builtin()
        .map(|r| r.scoring().clone())
        .unwrap()
        .for_standard("vn-2022-2025", None)
        .unwrap()
        .clone()
}

fn standard() -> Standard {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../standards");
    let mut files = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            files.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    StandardSet::load(&files)
        .unwrap()
        .get("vn-2022-2025")
        .unwrap()
        .clone()
}

async fn commune<S: Store>(s: &S, code: &str) -> UnitId {
    s.create_unit(
        &officer(),
        &Unit {
            code: UnitCode::parse(code).unwrap(),
            name: NfcText::new("Xã Yên Nghĩa"),
            kind: UnitKind::Commune,
            area: UnitKind::Commune.usual_area(),
            parent: None,
            valid_from: d(2008, 8, 1),
            valid_to: None,
        },
    )
    .await
    .unwrap()
}

async fn households<S: Store>(
    s: &S,
    unit: UnitId,
    codes: &[&str],
) -> Vec<(HouseholdId, HouseholdCode)> {
    let mut out = Vec::new();
    for c in codes {
        let h = Household::new(
            HouseholdCode::parse(c).unwrap(),
            unit,
            &format!("Chủ hộ {c}"),
            "Thôn 1",
        );
        let stored = s.create_household(&officer(), &h, &[]).await.unwrap();
        out.push((stored.id, h.code));
    }
    out
}

/// A scored form: `a_points` picks the answers (poor or better off), `deprived` indicators deprived.
fn form(household: HouseholdId, on: NaiveDate, better_off: bool, deprived: usize) -> FormInput {
    let std = standard();
    let t = tables();
    let mut answers: BTreeMap<String, String> = [
        ("household_size", "5"),
        ("highest_education", "primary"),
        ("non_farm_work", "no"),
        ("pension", "no"),
        ("housing", "less_durable"),
        ("floor_area_per_person", "lt8"),
        ("electricity", "50to100"),
        ("assets", "1to2"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if better_off {
        for (k, v) in [
            ("pension", "yes"),
            ("housing", "solid"),
            ("assets", "3plus"),
            ("non_farm_work", "yes"),
        ] {
            answers.insert(k.into(), v.into());
        }
    }
    let income = IncomeForm {
        region: "nt1".into(),
        answers,
    };
    let deprivation = DeprivationForm {
        deprived: std
            .indicators
            .iter()
            .enumerate()
            .map(|(i, ind)| (ind.id.clone(), i < deprived))
            .collect(),
    };
    let r = t.score(&std, &income, &deprivation).unwrap();
    FormInput {
        household,
        surveyed_on: on,
        tables_id: t.id.clone(),
        placeholder: t.placeholder,
        income,
        deprivation,
        quick_screen: None,
        score_a: r.score_a,
        score_b: r.score_b,
        class: r.class,
        explanation_vi: r.text_vi,
        explanation_en: r.text_en,
    }
}

fn meeting(on: NaiveDate, votes: &[(&str, u32)]) -> Meeting {
    Meeting {
        village: "Thôn 1".into(),
        held_on: on,
        attendees: 10,
        participants: vec![
            Participant {
                name: "Trưởng thôn".into(),
                role: Role::Chair,
            },
            Participant {
                name: "Thư ký".into(),
                role: Role::Secretary,
            },
        ],
        votes: votes
            .iter()
            .map(|(h, agree)| Tally {
                household: h.to_string(),
                agree: *agree,
                disagree: 10 - agree,
            })
            .collect(),
    }
}

/// The snapshot entries of a round, from its latest forms and each household's approved history: the
/// application's own code (`ansinh_app::review::snapshot_entries`), every household of the commune.
async fn entries<S: Store + ReviewStore>(
    s: &S,
    round: RoundId,
    unit: UnitId,
    on: NaiveDate,
) -> Vec<SnapshotEntry> {
    let r = s.review_round(round).await.unwrap();
    let out = ansinh_app::review::snapshot_entries(s, &r, on, &wf())
        .await
        .unwrap();
    assert!(out.iter().all(|e| e.unit == unit), "{out:?}");
    out
}

fn review_code<T: std::fmt::Debug>(r: Result<T, ReviewStoreError>) -> &'static str {
    r.expect_err("expected a refusal").code()
}

/// Opens the 2024 periodic round of a commune with households H1-H3 listed and scored.
async fn scored_round<S: TestDb + ReviewStore>(
    s: &S,
) -> (UnitId, RoundId, Vec<(HouseholdId, HouseholdCode)>) {
    let w = wf();
    let u = commune(s, "09552").await;
    let hs = households(s, u, &["H1", "H2", "H3"]).await;
    let r = s
        .create_round(
            &officer(),
            &NewRound {
                kind: ansinh_domain::review::RoundKind::Periodic,
                unit: u,
                year: 2024,
                standard_id: "vn-2022-2025".into(),
                on: d(2024, 9, 15),
                request: None,
            },
            &w,
        )
        .await
        .unwrap();
    assert_eq!(r.round.stage, Stage::Listing);
    for (h, _) in &hs {
        s.add_to_list(&officer(), r.id, *h, d(2024, 9, 16))
            .await
            .unwrap();
    }
    s.advance(&officer(), r.id, Step::CloseList, d(2024, 9, 20), &w)
        .await
        .unwrap();
    (u, r.id, hs)
}

// --------------------------------------------------------------------------------------------------------

pub async fn review_periodic_round_walks_to_a_snapshot<S: TestDb + ReviewStore>(s: &S) {
    let w = wf();
    let ctx = officer();
    let (u, id, hs) = scored_round(s).await;
    // Scoring: every listed household needs a form.
    s.save_form(&ctx, id, &form(hs[0].0, d(2024, 9, 25), false, 3))
        .await
        .unwrap();
    assert_eq!(
        review_code(
            s.advance(&ctx, id, Step::FinishScoring, d(2024, 10, 1), &w)
                .await
        ),
        "REVIEW_UNSCORED"
    );
    s.save_form(&ctx, id, &form(hs[1].0, d(2024, 9, 26), false, 1))
        .await
        .unwrap();
    s.save_form(&ctx, id, &form(hs[2].0, d(2024, 9, 27), true, 0))
        .await
        .unwrap();
    let r = s
        .advance(&ctx, id, Step::FinishScoring, d(2024, 10, 1), &w)
        .await
        .unwrap();
    assert_eq!(r.round.stage, Stage::Meeting);
    // A meeting that does not agree on H2: back to scoring, a new revision, meet again.
    let m = meeting(d(2024, 10, 5), &[("H1", 8), ("H2", 4)]);
    let r = s
        .record_meeting(&ctx, id, &m, "biên bản 1", &w)
        .await
        .unwrap();
    assert_eq!((r.round.stage, r.round.meetings), (Stage::Scoring, 1));
    assert_eq!(
        s.save_form(&ctx, id, &form(hs[1].0, d(2024, 10, 6), false, 3))
            .await
            .unwrap(),
        2
    );
    assert_eq!(s.form_revisions(id, hs[1].0).await.unwrap().len(), 2);
    s.advance(&ctx, id, Step::FinishScoring, d(2024, 10, 7), &w)
        .await
        .unwrap();
    let m = meeting(d(2024, 10, 8), &[("H1", 8), ("H2", 5)]);
    let r = s
        .record_meeting(&ctx, id, &m, "biên bản 2", &w)
        .await
        .unwrap();
    assert_eq!((r.round.stage, r.round.meetings), (Stage::Posting, 2));
    // Both meetings read back with their participants, votes and minutes, oldest first.
    let ms = s.review_meetings(id).await.unwrap();
    assert_eq!(ms.len(), 2);
    assert_eq!(
        (ms[0].agreed, ms[0].minutes.as_str(), ms[1].agreed),
        (false, "biên bản 1", true)
    );
    assert_eq!(
        ms[0].meeting,
        meeting(d(2024, 10, 5), &[("H1", 8), ("H2", 4)])
    );
    assert_eq!(ms[1].meeting, m);
    assert_eq!(ms[1].households, vec![hs[0].0, hs[1].0]);
    assert_eq!(ms[0].round, id);
    assert!(
        s.review_meetings(RoundId(id.0 + 1000))
            .await
            .unwrap()
            .is_empty()
    );
    // Posting: complaints only while posted; not ended before its last day (3 working days).
    assert_eq!(
        review_code(
            s.file_complaint(&ctx, id, Some(hs[2].0), d(2024, 10, 9), "x", &w)
                .await
        ),
        "REVIEW_NOT_POSTED"
    );
    s.advance(&ctx, id, Step::Post, d(2024, 10, 11), &w)
        .await
        .unwrap(); // Friday: until Tue 15/10
    assert_eq!(
        review_code(
            s.advance(&ctx, id, Step::EndPosting, d(2024, 10, 15), &w)
                .await
        ),
        "REVIEW_POSTING_NOT_ENDED"
    );
    let c = s
        .file_complaint(
            &ctx,
            id,
            Some(hs[2].0),
            d(2024, 10, 14),
            "Hộ H3 khó khăn hơn kết quả",
            &w,
        )
        .await
        .unwrap();
    s.advance(&ctx, id, Step::EndPosting, d(2024, 10, 16), &w)
        .await
        .unwrap();
    assert_eq!(
        review_code(
            s.advance(&ctx, id, Step::CloseComplaints, d(2024, 10, 17), &w)
                .await
        ),
        "REVIEW_OPEN_COMPLAINTS"
    );
    // Re-survey (phúc tra) during complaints: a new revision of H3's form; then the resolution.
    s.save_form(&ctx, id, &form(hs[2].0, d(2024, 10, 18), false, 0))
        .await
        .unwrap();
    s.resolve_complaint(
        &ctx,
        c,
        d(2024, 10, 18),
        ComplaintOutcome::Upheld,
        "phúc tra: hộ cận nghèo",
        &w,
    )
    .await
    .unwrap();
    let cs = s.complaints(id).await.unwrap();
    assert_eq!(cs.len(), 1);
    assert_eq!(cs[0].due, d(2024, 10, 29));
    assert_eq!(cs[0].resolved.as_ref().unwrap().1, ComplaintOutcome::Upheld);
    assert_eq!(
        review_code(
            s.resolve_complaint(
                &ctx,
                c,
                d(2024, 10, 19),
                ComplaintOutcome::Rejected,
                "x",
                &w
            )
            .await
        ),
        "REVIEW_COMPLAINT_RESOLVED"
    );
    s.advance(&ctx, id, Step::CloseComplaints, d(2024, 10, 20), &w)
        .await
        .unwrap();
    // Approval is refused before the upper level's opinion.
    let es = entries(s, id, u, d(2024, 11, 1)).await;
    assert_eq!(
        review_code(s.approve(&ctx, id, d(2024, 11, 1), &es, &w).await),
        "REVIEW_OUT_OF_ORDER"
    );
    s.advance(&ctx, id, Step::RecordConsultation, d(2024, 10, 28), &w)
        .await
        .unwrap();
    // The snapshot must cover exactly the listed households.
    assert_eq!(
        review_code(s.approve(&ctx, id, d(2024, 11, 1), &es[..2], &w).await),
        "REVIEW_UNSCORED"
    );
    let snap = s.approve(&ctx, id, d(2024, 11, 1), &es, &w).await.unwrap();
    let r = s.review_round(id).await.unwrap();
    assert_eq!((r.round.stage, r.round.approvals), (Stage::Approved, 1));
    let snaps = s.snapshots(id).await.unwrap();
    assert_eq!(snaps.len(), 1);
    assert_eq!(snaps[0].id, snap);
    let classes: Vec<(String, Class, String)> = snaps[0]
        .entries
        .iter()
        .map(|e| (e.household_code.to_string(), e.class, e.transition.clone()))
        .collect();
    assert_eq!(
        classes,
        vec![
            ("H1".into(), Class::Poor, "newly_poor".into()),
            ("H2".into(), Class::Poor, "newly_poor".into()),
            ("H3".into(), Class::NearPoor, "newly_near_poor".into()),
        ]
    );
    assert!(snaps[0].entries[0].explanation_vi.contains("hộ nghèo"));
    assert!(snaps[0].entries[0].explanation_en.contains("PLACEHOLDER"));
    // Progress against reduction targets reads the approved counts per unit and year: the 2024 round
    // is the start of 2025; 2025 has no round yet; an unknown unit has nothing.
    let codes = ["09552".to_string(), "99999".to_string()];
    let seen = ansinh_store::progress::observed(s, &codes, &[2025], d(2024, 11, 2))
        .await
        .unwrap();
    let o = seen
        .get(&("09552".to_string(), 2024))
        .expect("the approved 2024 round");
    assert_eq!(
        (o.poor, o.near_poor, o.households, o.approved, o.communes),
        (2, 1, 3, 1, 1)
    );
    assert_eq!(seen.len(), 1);
    // Locked: no edit through the store.
    assert_eq!(
        review_code(
            s.save_form(&ctx, id, &form(hs[0].0, d(2024, 11, 2), true, 0))
                .await
        ),
        "REVIEW_LOCKED"
    );
    assert_eq!(
        review_code(s.add_to_list(&ctx, id, hs[0].0, d(2024, 11, 2)).await),
        "REVIEW_LOCKED"
    );
    // A later registry edit does not change what was approved.
    let stored = s.household(hs[0].0).await.unwrap();
    let mut h = stored.household.clone();
    h.head_name = NfcText::new("Tên đã sửa");
    s.update_household(&ctx.because("sửa tên"), hs[0].0, stored.version, &h)
        .await
        .unwrap();
    assert_eq!(s.snapshots(id).await.unwrap(), snaps);
    // Reported upwards; reopening needs a reason and goes back to an earlier step.
    s.advance(&ctx, id, Step::Report, d(2024, 12, 1), &w)
        .await
        .unwrap();
    assert_eq!(
        review_code(s.reopen(&ctx, id, Stage::Scoring, d(2024, 12, 2), &w).await),
        "REVIEW_REASON_REQUIRED"
    );
    assert_eq!(
        review_code(
            s.reopen(&ctx.because("sai"), id, Stage::Reported, d(2024, 12, 2), &w)
                .await
        ),
        "REVIEW_REOPEN_TARGET"
    );
    let r = s
        .reopen(
            &ctx.because("phúc tra hộ H1 theo đơn"),
            id,
            Stage::Scoring,
            d(2024, 12, 2),
            &w,
        )
        .await
        .unwrap();
    assert_eq!(
        (r.round.stage, r.round.reopenings, r.round.posted_on),
        (Stage::Scoring, 1, None)
    );
    // A reopened round no longer counts towards progress.
    let seen = ansinh_store::progress::observed(s, &codes, &[2025], d(2024, 12, 2))
        .await
        .unwrap();
    assert!(seen.is_empty());
    // Every later step again, then a second snapshot; the first is kept as it was.
    s.save_form(&ctx, id, &form(hs[0].0, d(2024, 12, 2), true, 0))
        .await
        .unwrap();
    s.advance(&ctx, id, Step::FinishScoring, d(2024, 12, 3), &w)
        .await
        .unwrap();
    s.record_meeting(
        &ctx,
        id,
        &meeting(d(2024, 12, 3), &[("H1", 9)]),
        "biên bản 3",
        &w,
    )
    .await
    .unwrap();
    s.advance(&ctx, id, Step::Post, d(2024, 12, 4), &w)
        .await
        .unwrap();
    s.advance(&ctx, id, Step::EndPosting, d(2024, 12, 9), &w)
        .await
        .unwrap();
    s.advance(&ctx, id, Step::CloseComplaints, d(2024, 12, 9), &w)
        .await
        .unwrap();
    s.advance(&ctx, id, Step::RecordConsultation, d(2024, 12, 10), &w)
        .await
        .unwrap();
    let es2 = entries(s, id, u, d(2024, 12, 11)).await;
    // The new result is labelled against the earlier rounds (none here), never against this round's
    // own first approval: H1 is not poor, not "escaped poverty".
    assert_eq!(
        (es2[0].transition.as_str(), es2[0].newly_escaped_until),
        ("not_poor", None)
    );
    assert_eq!(s.approved_history(hs[0].0, Some(id)).await.unwrap(), vec![]);
    s.approve(&ctx, id, d(2024, 12, 11), &es2, &w)
        .await
        .unwrap();
    let snaps2 = s.snapshots(id).await.unwrap();
    assert_eq!(snaps2.len(), 2);
    assert_eq!(snaps2[0], snaps[0]);
    assert_eq!(snaps2[1].seq, 2);
    assert_eq!(snaps2[1].entries[0].class, Class::NotPoor);
    // The household's history: the latest snapshot of the round counts.
    assert_eq!(
        s.approved_history(hs[0].0, None).await.unwrap(),
        vec![(d(2024, 12, 11), Class::NotPoor)]
    );
    assert_eq!(s.approved_history(hs[0].0, Some(id)).await.unwrap(), vec![]);
    // The event log: every step, with the reopening's reason.
    let events = s.round_events(id).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "open",
        "list_add",
        "close_list",
        "form",
        "finish_scoring",
        "record_meeting",
        "post",
        "complaint",
        "end_posting",
        "resolve_complaint",
        "close_complaints",
        "record_consultation",
        "approve",
        "report",
        "reopen",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let reopen = events.iter().find(|e| e.action == "reopen").unwrap();
    assert_eq!(reopen.reason.as_deref(), Some("phúc tra hộ H1 theo đơn"));
    assert_eq!(
        (reopen.from, reopen.to),
        (Some(Stage::Reported), Some(Stage::Scoring))
    );
    let audit = s
        .audit_trail(ansinh_store::Entity::Event, Some(id.0))
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.reason.as_deref() == Some("phúc tra hộ H1 theo đơn"))
    );
}

pub async fn review_refusals_write_nothing<S: TestDb + ReviewStore>(s: &S) {
    let w = wf();
    let ctx = officer();
    let u = commune(s, "09553").await;
    let hs = households(s, u, &["K1"]).await;
    let new = |on: NaiveDate| NewRound {
        kind: ansinh_domain::review::RoundKind::Periodic,
        unit: u,
        year: 2024,
        standard_id: "vn-2022-2025".into(),
        on,
        request: None,
    };
    assert_eq!(
        review_code(s.create_round(&ctx, &new(d(2024, 8, 30)), &w).await),
        "REVIEW_OUTSIDE_WINDOW"
    );
    let r = s.create_round(&ctx, &new(d(2024, 9, 2)), &w).await.unwrap();
    // One periodic round per commune and year.
    assert_eq!(
        review_code(s.create_round(&ctx, &new(d(2024, 9, 3)), &w).await),
        "REG_DUPLICATE"
    );
    let id = r.id;
    assert_eq!(
        review_code(
            s.advance(&ctx, id, Step::CloseList, d(2024, 9, 3), &w)
                .await
        ),
        "REVIEW_EMPTY_LIST"
    );
    // Steps out of order.
    for step in [
        Step::FinishScoring,
        Step::Post,
        Step::EndPosting,
        Step::CloseComplaints,
        Step::RecordConsultation,
        Step::Report,
    ] {
        assert_eq!(
            review_code(s.advance(&ctx, id, step, d(2024, 9, 3), &w).await),
            "REVIEW_OUT_OF_ORDER",
            "{step:?}"
        );
    }
    assert_eq!(
        review_code(
            s.record_meeting(&ctx, id, &meeting(d(2024, 9, 3), &[]), "", &w)
                .await
        ),
        "REVIEW_NOT_EDITABLE"
    );
    assert_eq!(
        review_code(s.approve(&ctx, id, d(2024, 9, 3), &[], &w).await),
        "REVIEW_OUT_OF_ORDER"
    );
    // Forms only for listed households, only while scoring.
    assert_eq!(
        review_code(
            s.save_form(&ctx, id, &form(hs[0].0, d(2024, 9, 3), false, 3))
                .await
        ),
        "REVIEW_NOT_EDITABLE"
    );
    s.add_to_list(&ctx, id, hs[0].0, d(2024, 9, 3))
        .await
        .unwrap();
    assert_eq!(
        review_code(s.add_to_list(&ctx, id, hs[0].0, d(2024, 9, 3)).await),
        "REVIEW_ALREADY_LISTED"
    );
    // Dated before the previous step.
    assert_eq!(
        review_code(
            s.advance(&ctx, id, Step::CloseList, d(2024, 9, 1), &w)
                .await
        ),
        "REVIEW_DATE_ORDER"
    );
    s.advance(&ctx, id, Step::CloseList, d(2024, 9, 4), &w)
        .await
        .unwrap();
    assert_eq!(
        review_code(s.add_to_list(&ctx, id, hs[0].0, d(2024, 9, 4)).await),
        "REVIEW_NOT_EDITABLE"
    );
    let other = households(s, u, &["K2"]).await;
    assert_eq!(
        review_code(
            s.save_form(&ctx, id, &form(other[0].0, d(2024, 9, 5), false, 3))
                .await
        ),
        "REVIEW_NOT_LISTED"
    );
    // Nothing of the refusals was written: the round is where the accepted steps left it.
    let r = s.review_round(id).await.unwrap();
    assert_eq!(
        (r.round.stage, r.version, r.round.last_action_on),
        (Stage::Scoring, 2, d(2024, 9, 4))
    );
    assert!(s.review_forms(id).await.unwrap().is_empty());
    let events = s.round_events(id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["open", "list_add", "close_list"]
    );
    // A meeting voting on a household not on the list writes nothing.
    s.save_form(&ctx, id, &form(hs[0].0, d(2024, 9, 5), false, 3))
        .await
        .unwrap();
    s.advance(&ctx, id, Step::FinishScoring, d(2024, 9, 6), &w)
        .await
        .unwrap();
    assert_eq!(
        review_code(
            s.record_meeting(&ctx, id, &meeting(d(2024, 9, 7), &[("K2", 9)]), "", &w)
                .await
        ),
        "REVIEW_NOT_LISTED"
    );
    let mut no_chair = meeting(d(2024, 9, 7), &[("K1", 9)]);
    no_chair.participants.remove(0);
    assert_eq!(
        review_code(s.record_meeting(&ctx, id, &no_chair, "", &w).await),
        "REVIEW_MEETING_ROLE"
    );
    assert_eq!(
        s.raw_text("SELECT CAST(COUNT(*) AS TEXT) FROM review_meetings")
            .await
            .unwrap(),
        "0"
    );
    assert_eq!(
        s.review_round(id).await.unwrap().round.stage,
        Stage::Meeting
    );
}

pub async fn review_the_database_guards_approved_rounds<S: TestDb + ReviewStore>(s: &S) {
    let w = wf();
    let ctx = officer();
    let (u, id, hs) = scored_round(s).await;
    for (h, _) in &hs {
        s.save_form(&ctx, id, &form(*h, d(2024, 9, 25), false, 3))
            .await
            .unwrap();
    }
    s.advance(&ctx, id, Step::FinishScoring, d(2024, 10, 1), &w)
        .await
        .unwrap();
    s.record_meeting(&ctx, id, &meeting(d(2024, 10, 2), &[("H1", 6)]), "bb", &w)
        .await
        .unwrap();
    s.advance(&ctx, id, Step::Post, d(2024, 10, 3), &w)
        .await
        .unwrap();
    s.file_complaint(&ctx, id, None, d(2024, 10, 3), "chung", &w)
        .await
        .unwrap();
    let c = s.complaints(id).await.unwrap()[0].id;
    s.resolve_complaint(
        &ctx,
        c,
        d(2024, 10, 4),
        ComplaintOutcome::Rejected,
        "không có cơ sở",
        &w,
    )
    .await
    .unwrap();
    s.advance(&ctx, id, Step::EndPosting, d(2024, 10, 9), &w)
        .await
        .unwrap();
    s.advance(&ctx, id, Step::CloseComplaints, d(2024, 10, 9), &w)
        .await
        .unwrap();
    s.advance(&ctx, id, Step::RecordConsultation, d(2024, 10, 10), &w)
        .await
        .unwrap();
    let es = entries(s, id, u, d(2024, 10, 11)).await;
    s.approve(&ctx, id, d(2024, 10, 11), &es, &w).await.unwrap();
    let i = id.0;
    // Snapshots, entries and the event log refuse UPDATE and DELETE, whoever asks.
    for sql in [
        format!("UPDATE review_snapshots SET approved_on = '2024-01-01' WHERE round_id = {i}"),
        format!("DELETE FROM review_snapshots WHERE round_id = {i}"),
        "UPDATE review_snapshot_entries SET class = 'not_poor'".to_string(),
        "DELETE FROM review_snapshot_entries".to_string(),
        format!("UPDATE review_events SET reason = 'x' WHERE round_id = {i}"),
        format!("DELETE FROM review_events WHERE round_id = {i}"),
        // Nothing of the approved round is written.
        format!("UPDATE review_forms SET score_a = 999 WHERE round_id = {i}"),
        format!("DELETE FROM review_forms WHERE round_id = {i}"),
        format!("DELETE FROM review_list WHERE round_id = {i}"),
        format!("UPDATE review_votes SET agree = 0 WHERE round_id = {i}"),
        format!("DELETE FROM review_meetings WHERE round_id = {i}"),
        format!("UPDATE review_complaints SET outcome = 'upheld' WHERE round_id = {i}"),
        format!("UPDATE review_postings SET until = '2030-01-01' WHERE round_id = {i}"),
        format!(
            "INSERT INTO review_complaints (round_id, filed_on, text, due, recorded_at, actor) \
             VALUES ({i}, '2024-10-12', 'x', '2024-10-20', '2024-10-12T00:00:00Z', 'x')"
        ),
        format!(
            "INSERT INTO review_snapshot_entries (snapshot_id, household_id, household_code, unit_id, \
             class, transition, deprived, explanation_vi, explanation_en, caveats) \
             SELECT id, {}, 'X', {}, 'poor', 'newly_poor', '[]', '', '', '[]' FROM review_snapshots \
             WHERE round_id = {i}",
            hs[0].0, u.0
        ),
    ] {
        let e = s.raw(&sql).await.expect_err(&sql);
        assert!(
            e.contains("immutable") || e.contains("append-only") || e.contains("locked"),
            "{sql}: {e}"
        );
    }
    assert_eq!(s.snapshots(id).await.unwrap()[0].entries.len(), 3);
    assert_eq!(s.review_forms(id).await.unwrap()[0].form.score_a, 85);
}

pub async fn review_regular_round_and_transitions<S: TestDb + ReviewStore>(s: &S) {
    let w = wf();
    let ctx = officer();
    let u = commune(s, "09554").await;
    let hs = households(s, u, &["R1"]).await;
    let h = hs[0].0;
    // A Form 01 request received on 18/03/2025: the review starts 15/04, decision due 30/04.
    let r = s
        .create_round(
            &ctx,
            &NewRound {
                kind: ansinh_domain::review::RoundKind::Regular,
                unit: u,
                year: 2025,
                standard_id: "vn-2022-2025".into(),
                on: d(2025, 3, 18),
                request: Some(Request {
                    household: h,
                    form: RequestForm::Form01,
                    channel: "online".into(),
                }),
            },
            &w,
        )
        .await
        .unwrap();
    assert_eq!(r.round.stage, Stage::Scoring);
    assert_eq!(r.round.review_start, d(2025, 4, 15));
    assert_eq!(r.request.as_ref().unwrap().form, RequestForm::Form01);
    assert_eq!(r.round.deadlines(&w)[0].due, d(2025, 4, 30));
    assert_eq!(s.review_list(r.id).await.unwrap(), hs);
    assert_eq!(
        review_code(
            s.advance(&ctx, r.id, Step::CloseList, d(2025, 4, 15), &w)
                .await
        ),
        "REVIEW_OUT_OF_ORDER"
    );
    let walk = |id: RoundId, better_off: bool, day: u32, month: u32, year: i32| {
        let w = w.clone();
        let ctx = ctx.clone();
        async move {
            s.save_form(&ctx, id, &form(h, d(year, month, day), better_off, 3))
                .await
                .unwrap();
            s.advance(&ctx, id, Step::FinishScoring, d(year, month, day), &w)
                .await
                .unwrap();
            s.record_meeting(
                &ctx,
                id,
                &meeting(d(year, month, day + 1), &[("R1", 7)]),
                "bb",
                &w,
            )
            .await
            .unwrap();
            s.advance(&ctx, id, Step::Post, d(year, month, day + 1), &w)
                .await
                .unwrap();
            s.advance(&ctx, id, Step::EndPosting, d(year, month, day + 7), &w)
                .await
                .unwrap();
            s.advance(&ctx, id, Step::CloseComplaints, d(year, month, day + 7), &w)
                .await
                .unwrap();
            let on = d(year, month, day + 8);
            let es = entries(s, id, u, on).await;
            s.approve(&ctx, id, on, &es, &w).await.unwrap();
            s.snapshots(id)
                .await
                .unwrap()
                .pop()
                .unwrap()
                .entries
                .remove(0)
        }
    };
    let first = walk(r.id, false, 15, 4, 2025).await;
    assert_eq!(
        (first.class, first.transition.as_str()),
        (Class::Poor, "newly_poor")
    );
    // The periodic review of 2025 finds it better off: escaped poverty, newly escaped for 36 months.
    let p = s
        .create_round(
            &ctx,
            &NewRound {
                kind: ansinh_domain::review::RoundKind::Periodic,
                unit: u,
                year: 2025,
                standard_id: "vn-2022-2025".into(),
                on: d(2025, 9, 10),
                request: None,
            },
            &w,
        )
        .await
        .unwrap();
    s.add_to_list(&ctx, p.id, h, d(2025, 9, 10)).await.unwrap();
    s.advance(&ctx, p.id, Step::CloseList, d(2025, 9, 11), &w)
        .await
        .unwrap();
    s.save_form(&ctx, p.id, &form(h, d(2025, 9, 12), true, 0))
        .await
        .unwrap();
    s.advance(&ctx, p.id, Step::FinishScoring, d(2025, 9, 12), &w)
        .await
        .unwrap();
    s.record_meeting(
        &ctx,
        p.id,
        &meeting(d(2025, 9, 13), &[("R1", 10)]),
        "bb",
        &w,
    )
    .await
    .unwrap();
    s.advance(&ctx, p.id, Step::Post, d(2025, 9, 15), &w)
        .await
        .unwrap();
    s.advance(&ctx, p.id, Step::EndPosting, d(2025, 9, 18), &w)
        .await
        .unwrap();
    s.advance(&ctx, p.id, Step::CloseComplaints, d(2025, 9, 18), &w)
        .await
        .unwrap();
    s.advance(&ctx, p.id, Step::RecordConsultation, d(2025, 9, 19), &w)
        .await
        .unwrap();
    let es = entries(s, p.id, u, d(2025, 10, 1)).await;
    assert_eq!(es[0].transition, Transition::EscapedPoverty.code());
    assert_eq!(es[0].newly_escaped_until, Some(d(2028, 10, 1)));
    s.approve(&ctx, p.id, d(2025, 10, 1), &es, &w)
        .await
        .unwrap();
    assert_eq!(
        s.approved_history(h, None).await.unwrap(),
        vec![
            (d(2025, 4, 23), Class::Poor),
            (d(2025, 10, 1), Class::NotPoor)
        ]
    );
    // Poor again in 2026: re-poor.
    let again = s
        .create_round(
            &ctx,
            &NewRound {
                kind: ansinh_domain::review::RoundKind::Regular,
                unit: u,
                year: 2026,
                standard_id: "vn-2022-2025".into(),
                on: d(2026, 2, 1),
                request: Some(Request {
                    household: h,
                    form: RequestForm::Form01,
                    channel: "in_person".into(),
                }),
            },
            &w,
        )
        .await
        .unwrap();
    let last = walk(again.id, false, 15, 2, 2026).await;
    assert_eq!(
        (last.class, last.transition.as_str()),
        (Class::Poor, "re_poor")
    );
    assert_eq!(s.review_rounds(u).await.unwrap().len(), 3);
}

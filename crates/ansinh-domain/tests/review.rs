//! The review (rà soát): golden tests for every step and every refusal of the round state machine, the
//! deadlines, the scoring forms and classification by scores (standards.md §8.4, §8.7 cases 7-9 and
//! 14-16), the village meeting rule, the transition labels, the movement table; and a property: no
//! sequence of actions reaches approval without passing every step of its workflow, in order.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use std::collections::BTreeMap;

use ansinh_domain::Class;
use ansinh_domain::registry::Area;
use ansinh_domain::review::meeting::MeetingResult;
use ansinh_domain::review::movement::HouseholdMove;
use ansinh_domain::review::transition::{is_newly_escaped, newly_escaped_until};
use ansinh_domain::review::{
    Action, Complaint, ComplaintOutcome, DayCount, DeprivationForm, Edit, IncomeForm, Meeting,
    Participant, QuickScreen, ReviewError, Role, Round, RoundKind, Stage, Tally, Transition,
    Workflow, WorkflowSet, YearStatus, movement_table,
};
use chrono::NaiveDate;
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn wf() -> Workflow {
    ansinh_rulebook::Rulebook::builtin()
        .map(|r| r.workflows().clone())
        .unwrap()
        .all()[0]
        .clone()
}

/// A workflow whose periodic review has no consultation step (a province's choice after 2025).
fn wf_without_consultation() -> Workflow {
    let mut w = wf();
    w.periodic_steps.retain(|s| *s != Stage::Consultation);
    w
}

fn code(r: Result<Round, ReviewError>) -> &'static str {
    r.expect_err("expected a refusal").code()
}

/// The actions of a full periodic round from 15/09/2024, one per step.
fn periodic_walk() -> Vec<(Action, Stage)> {
    vec![
        (
            Action::CloseList {
                on: d(2024, 9, 20),
                listed: 3,
            },
            Stage::Scoring,
        ),
        (
            Action::FinishScoring {
                on: d(2024, 10, 10),
                unscored: vec![],
            },
            Stage::Meeting,
        ),
        (
            Action::RecordMeeting {
                on: d(2024, 10, 15),
                failed: vec![],
            },
            Stage::Posting,
        ),
        // Friday 18/10/2024: 3 working days are 18, 21, 22 October.
        (
            Action::Post {
                on: d(2024, 10, 18),
            },
            Stage::Posting,
        ),
        (
            Action::EndPosting {
                on: d(2024, 10, 23),
            },
            Stage::Complaints,
        ),
        (
            Action::CloseComplaints {
                on: d(2024, 10, 28),
                open: 0,
            },
            Stage::Consultation,
        ),
        (
            Action::RecordConsultation { on: d(2024, 11, 5) },
            Stage::Decision,
        ),
        (
            Action::Approve {
                on: d(2024, 11, 10),
            },
            Stage::Approved,
        ),
        (Action::Report { on: d(2024, 12, 1) }, Stage::Reported),
    ]
}

// ------------------------------------------------------------------ workflow data

#[test]
fn the_builtin_workflow_loads_and_marks_what_is_unconfirmed() {
    let w = wf();
    assert_eq!(w.id, "vn-2022-2025");
    assert_eq!(w.window(2024), (d(2024, 9, 1), d(2024, 12, 14)));
    assert_eq!(
        w.periodic_steps,
        vec![
            Stage::Listing,
            Stage::Scoring,
            Stage::Meeting,
            Stage::Posting,
            Stage::Complaints,
            Stage::Consultation,
            Stage::Decision
        ]
    );
    assert_eq!(w.regular_steps[0], Stage::Scoring);
    assert!(!w.regular_steps.contains(&Stage::Listing));
    assert_eq!(w.pass_percent, 50);
    assert_eq!(w.decision_days, DayCount::calendar(15));
    let subjects: Vec<&str> = w.caveats.iter().map(|c| c.subject.as_str()).collect();
    for s in [
        "workflow:posting.days",
        "workflow:complaints.resolve",
        "workflow:consultation.reply",
        "workflow:transitions.newly_escaped_months",
        "workflow:transitions.re_poor_lookback_months",
    ] {
        assert!(
            subjects.contains(&s),
            "{s} should be a caveat: {subjects:?}"
        );
    }
    assert!(!subjects.contains(&"workflow:regular.decision_days"));
}

#[test]
fn bad_workflow_files_are_refused_with_file_line_and_column() {
    let (name, src) = ansinh_rulebook::builtin::WORKFLOWS[0];
    let bad = src.replace(
        r#"steps = ["listing", "scoring", "meeting", "posting", "complaints", "consultation", "decision"]"#,
        r#"steps = ["listing", "meeting", "scoring", "posting", "decision"]"#,
    );
    let errs = WorkflowSet::load(&[(name.to_string(), bad)]).unwrap_err();
    assert!(errs.iter().all(|e| e.code == "REVIEW_CONFIG"));
    assert!(errs[0].line.is_some() && errs[0].column.is_some());
    assert!(errs[0].to_string().contains("out of order"), "{}", errs[0]);
    let no_meeting = src.replace(
        r#"steps = ["scoring", "meeting", "posting", "complaints", "decision"]"#,
        r#"steps = ["scoring", "posting", "decision"]"#,
    );
    let errs = WorkflowSet::load(&[(name.to_string(), no_meeting)]).unwrap_err();
    assert!(errs[0].en.contains("`meeting`"), "{}", errs[0]);
    let typo = src.replace("pass_percent = 50", "pass_percent = 50\npass_pct = 1");
    let errs = WorkflowSet::load(&[(name.to_string(), typo)]).unwrap_err();
    assert_eq!(errs[0].code, "REVIEW_CONFIG");
    let zero = src.replace("pass_percent = 50", "pass_percent = 0");
    assert!(WorkflowSet::load(&[(name.to_string(), zero)]).is_err());
}

#[test]
fn a_province_workflow_replaces_the_national_one_for_its_communes() {
    let (name, src) = ansinh_rulebook::builtin::WORKFLOWS[0];
    let mine = src
        .replace(
            "valid_from = 2021-09-01",
            "valid_from = 2021-09-01\njurisdiction = \"01\"",
        )
        .replace(
            "days = { days = 3, working = true, unconfirmed = true",
            "days = { days = 7, working = false, unconfirmed = true",
        );
    let set = WorkflowSet::load(&[
        (name.to_string(), src.to_string()),
        ("review/hanoi.toml".to_string(), mine),
    ])
    .unwrap();
    assert_eq!(set.get("vn-2022-2025", Some("01")).unwrap().posting.days, 7);
    assert_eq!(set.get("vn-2022-2025", Some("79")).unwrap().posting.days, 3);
    assert_eq!(
        set.in_force(d(2024, 9, 1), Some("01"))
            .unwrap()
            .posting
            .days,
        7
    );
    assert_eq!(set.in_force(d(2024, 9, 1), None).unwrap().posting.days, 3);
}

#[test]
fn day_counts_give_the_deadlines() {
    let three_working = DayCount {
        days: 3,
        working: true,
        unconfirmed: None,
    };
    // Friday 18/10/2024: Fri, Mon, Tue.
    assert_eq!(three_working.last_day(d(2024, 10, 18)), d(2024, 10, 22));
    // Posted on a Saturday: Mon, Tue, Wed.
    assert_eq!(three_working.last_day(d(2024, 10, 19)), d(2024, 10, 23));
    // Due three working days after Friday: Mon, Tue, Wed.
    assert_eq!(three_working.due(d(2024, 10, 18)), d(2024, 10, 23));
    let fifteen = DayCount::calendar(15);
    assert_eq!(fifteen.due(d(2024, 3, 15)), d(2024, 3, 30));
    assert_eq!(fifteen.last_day(d(2024, 3, 15)), d(2024, 3, 29));
    // Regular reviews start on the 15th on or after the request.
    let w = wf();
    assert_eq!(w.regular_start(d(2024, 3, 10)), d(2024, 3, 15));
    assert_eq!(w.regular_start(d(2024, 3, 15)), d(2024, 3, 15));
    assert_eq!(w.regular_start(d(2024, 3, 16)), d(2024, 4, 15));
    assert_eq!(w.regular_start(d(2024, 12, 20)), d(2025, 1, 15));
}

// ------------------------------------------------------------------ the periodic round, step by step

#[test]
fn a_periodic_round_walks_through_every_step() {
    let w = wf();
    let mut r = Round::open_periodic(2024, d(2024, 9, 15), &w).unwrap();
    assert_eq!(r.stage, Stage::Listing);
    assert_eq!(r.kind, RoundKind::Periodic);
    for (action, stage) in periodic_walk() {
        r = r
            .apply(&action, &w)
            .unwrap_or_else(|e| panic!("{action:?}: {e}"));
        assert_eq!(r.stage, stage, "after {}", action.code());
        assert_eq!(r.last_action_on, action.on());
    }
    assert_eq!(r.approvals, 1);
    assert_eq!(r.meetings, 1);
    assert_eq!(r.posted_on, Some(d(2024, 10, 18)));
}

#[test]
fn without_a_consultation_step_complaints_lead_to_the_decision() {
    let w = wf_without_consultation();
    let mut r = Round::open_periodic(2024, d(2024, 9, 15), &w).unwrap();
    for (action, _) in periodic_walk().into_iter().take(6) {
        r = r.apply(&action, &w).unwrap();
    }
    assert_eq!(r.stage, Stage::Decision);
    let e = r
        .apply(&Action::RecordConsultation { on: d(2024, 11, 5) }, &w)
        .unwrap_err();
    assert_eq!(e.code(), "REVIEW_OUT_OF_ORDER");
}

/// Every action at every step it does not belong to is refused, and the round is unchanged.
#[test]
fn every_action_out_of_order_is_refused() {
    let w = wf();
    let walk = periodic_walk();
    // The round at each stage, reached by the real walk.
    let mut rounds = vec![Round::open_periodic(2024, d(2024, 9, 15), &w).unwrap()];
    for (a, _) in &walk {
        let next = rounds.last().unwrap().apply(a, &w).unwrap();
        rounds.push(next);
    }
    let late = d(2024, 12, 10);
    let actions = [
        Action::CloseList {
            on: late,
            listed: 3,
        },
        Action::FinishScoring {
            on: late,
            unscored: vec![],
        },
        Action::RecordMeeting {
            on: late,
            failed: vec![],
        },
        Action::Post { on: late },
        Action::EndPosting { on: late },
        Action::CloseComplaints { on: late, open: 0 },
        Action::RecordConsultation { on: late },
        Action::Approve { on: late },
        Action::Report { on: late },
    ];
    let mut refusals = 0;
    for r in &rounds {
        for a in &actions {
            let step = a.step().unwrap();
            // `Post` and `EndPosting` both belong to posting; the walk's two posting rounds differ by
            // `posted_on`.
            if step == r.stage {
                continue;
            }
            let e = r.apply(a, &w).unwrap_err();
            let expected = if r.stage.is_locked() && step != Stage::Approved {
                "REVIEW_LOCKED"
            } else {
                "REVIEW_OUT_OF_ORDER"
            };
            assert_eq!(e.code(), expected, "{} at {:?}", a.code(), r.stage);
            assert!(!e.message_vi().is_empty() && !e.message_en().is_empty());
            refusals += 1;
        }
    }
    assert!(refusals > 60, "{refusals}");
    // The message says where the round is and where the action belongs.
    let e = rounds[0]
        .apply(&Action::Approve { on: late }, &w)
        .unwrap_err();
    assert_eq!(
        e.message_en(),
        "cannot approve the results now: the round is at step \"listing the households to review\" (this belongs to step \"awaiting the decision\")"
    );
    assert_eq!(
        e.message_vi(),
        "chưa thể phê duyệt, công nhận kết quả: đợt rà soát đang ở bước \"lập danh sách hộ cần rà soát\" (việc này thuộc bước \"chờ quyết định công nhận\")"
    );
}

#[test]
fn each_step_refuses_when_its_precondition_fails() {
    let w = wf();
    let r0 = Round::open_periodic(2024, d(2024, 9, 15), &w).unwrap();
    // Opening outside the window.
    let e = Round::open_periodic(2024, d(2024, 8, 31), &w).unwrap_err();
    assert_eq!(e.code(), "REVIEW_OUTSIDE_WINDOW");
    assert!(e.message_vi().contains("01/09/2024") && e.message_vi().contains("14/12/2024"));
    assert_eq!(
        Round::open_periodic(2024, d(2024, 12, 15), &w)
            .unwrap_err()
            .code(),
        "REVIEW_OUTSIDE_WINDOW"
    );
    // An empty list.
    assert_eq!(
        code(r0.apply(
            &Action::CloseList {
                on: d(2024, 9, 20),
                listed: 0
            },
            &w
        )),
        "REVIEW_EMPTY_LIST"
    );
    // Dated before the previous action.
    let e = r0
        .apply(
            &Action::CloseList {
                on: d(2024, 9, 14),
                listed: 2,
            },
            &w,
        )
        .unwrap_err();
    assert_eq!(e.code(), "REVIEW_DATE_ORDER");
    assert!(e.message_en().contains("14/09/2024") && e.message_en().contains("15/09/2024"));
    let r1 = r0.apply(&periodic_walk()[0].0, &w).unwrap();
    // Households without a scored form.
    let e = r1
        .apply(
            &Action::FinishScoring {
                on: d(2024, 10, 10),
                unscored: vec!["H2".into(), "H3".into()],
            },
            &w,
        )
        .unwrap_err();
    assert_eq!(e.code(), "REVIEW_UNSCORED");
    assert!(e.message_vi().contains("H2, H3"));
    let r2 = r1.apply(&periodic_walk()[1].0, &w).unwrap();
    // A meeting that did not agree: back to scoring, then meet again.
    let back = r2
        .apply(
            &Action::RecordMeeting {
                on: d(2024, 10, 15),
                failed: vec!["H2".into()],
            },
            &w,
        )
        .unwrap();
    assert_eq!((back.stage, back.meetings), (Stage::Scoring, 1));
    let again = back
        .apply(
            &Action::FinishScoring {
                on: d(2024, 10, 17),
                unscored: vec![],
            },
            &w,
        )
        .unwrap()
        .apply(
            &Action::RecordMeeting {
                on: d(2024, 10, 18),
                failed: vec![],
            },
            &w,
        )
        .unwrap();
    assert_eq!((again.stage, again.meetings), (Stage::Posting, 2));
    let r3 = r2.apply(&periodic_walk()[2].0, &w).unwrap();
    // Ending a posting that never began.
    assert_eq!(
        code(r3.apply(
            &Action::EndPosting {
                on: d(2024, 10, 30)
            },
            &w
        )),
        "REVIEW_NOT_POSTED"
    );
    let r4 = r3
        .apply(
            &Action::Post {
                on: d(2024, 10, 18),
            },
            &w,
        )
        .unwrap();
    // Posting twice.
    assert_eq!(
        code(r4.apply(
            &Action::Post {
                on: d(2024, 10, 19)
            },
            &w
        )),
        "REVIEW_OUT_OF_ORDER"
    );
    // Ending the posting on its last day, or before.
    for day in [18, 21, 22] {
        let e = r4
            .apply(
                &Action::EndPosting {
                    on: d(2024, 10, day),
                },
                &w,
            )
            .unwrap_err();
        assert_eq!(
            e,
            ReviewError::PostingNotEnded {
                until: d(2024, 10, 22)
            }
        );
    }
    let r5 = r4
        .apply(
            &Action::EndPosting {
                on: d(2024, 10, 23),
            },
            &w,
        )
        .unwrap();
    // Unresolved complaints.
    let e = r5
        .apply(
            &Action::CloseComplaints {
                on: d(2024, 10, 28),
                open: 2,
            },
            &w,
        )
        .unwrap_err();
    assert_eq!(e.code(), "REVIEW_OPEN_COMPLAINTS");
    assert!(e.message_vi().contains("còn 2 khiếu nại"));
}

#[test]
fn a_locked_round_refuses_edits_until_reopened_with_a_reason() {
    let w = wf();
    let mut r = Round::open_periodic(2024, d(2024, 9, 15), &w).unwrap();
    for (a, _) in periodic_walk().into_iter().take(8) {
        r = r.apply(&a, &w).unwrap();
    }
    assert_eq!(r.stage, Stage::Approved);
    for e in [
        Edit::List,
        Edit::Form,
        Edit::Meeting,
        Edit::Complaint,
        Edit::Resolution,
    ] {
        assert_eq!(
            r.check_edit(e),
            Err(ReviewError::Locked {
                stage: Stage::Approved
            })
        );
    }
    let on = d(2024, 11, 20);
    // A reason is needed.
    assert_eq!(
        code(r.apply(
            &Action::Reopen {
                on,
                to: Stage::Scoring,
                reason: "  ".into()
            },
            &w
        )),
        "REVIEW_REASON_REQUIRED"
    );
    // Only to an earlier step of this kind of round.
    for to in [Stage::Approved, Stage::Reported] {
        assert_eq!(
            code(r.apply(
                &Action::Reopen {
                    on,
                    to,
                    reason: "sai sót".into()
                },
                &w
            )),
            "REVIEW_REOPEN_TARGET"
        );
    }
    let reg = Round::open_regular(d(2024, 3, 10), &w);
    assert_eq!(
        code(reg.apply(
            &Action::Reopen {
                on: d(2024, 3, 20),
                to: Stage::Listing,
                reason: "x".into()
            },
            &w
        )),
        "REVIEW_REOPEN_TARGET"
    );
    let reopened = r
        .apply(
            &Action::Reopen {
                on,
                to: Stage::Scoring,
                reason: "phúc tra hộ H2 có sai sót".into(),
            },
            &w,
        )
        .unwrap();
    assert_eq!(reopened.stage, Stage::Scoring);
    assert_eq!(reopened.posted_on, None);
    assert_eq!(reopened.reopenings, 1);
    assert!(reopened.check_edit(Edit::Form).is_ok());
    // Approval again needs every later step again (including a new posting period).
    assert_eq!(
        code(reopened.apply(&Action::Approve { on }, &w)),
        "REVIEW_OUT_OF_ORDER"
    );
    let mut r2 = reopened;
    for a in [
        Action::FinishScoring {
            on,
            unscored: vec![],
        },
        Action::RecordMeeting { on, failed: vec![] },
        Action::Post { on },
    ] {
        r2 = r2.apply(&a, &w).unwrap();
    }
    assert_eq!(
        code(r2.apply(&Action::EndPosting { on }, &w)),
        "REVIEW_POSTING_NOT_ENDED"
    );
    for a in [
        Action::EndPosting {
            on: d(2024, 11, 25),
        },
        Action::CloseComplaints {
            on: d(2024, 11, 25),
            open: 0,
        },
        Action::RecordConsultation {
            on: d(2024, 11, 26),
        },
        Action::Approve {
            on: d(2024, 11, 27),
        },
    ] {
        r2 = r2.apply(&a, &w).unwrap();
    }
    assert_eq!((r2.stage, r2.approvals), (Stage::Approved, 2));
}

#[test]
fn each_edit_is_allowed_only_at_its_steps() {
    let w = wf();
    let mut rounds = vec![Round::open_periodic(2024, d(2024, 9, 15), &w).unwrap()];
    for (a, _) in periodic_walk() {
        let next = rounds.last().unwrap().apply(&a, &w).unwrap();
        rounds.push(next);
    }
    // Stage (and posted) → which edits pass.
    let table: Vec<(Stage, bool, [bool; 5])> = rounds
        .iter()
        .map(|r| {
            let ok = |e| r.check_edit(e).is_ok();
            (
                r.stage,
                r.posted_on.is_some(),
                [
                    ok(Edit::List),
                    ok(Edit::Form),
                    ok(Edit::Meeting),
                    ok(Edit::Complaint),
                    ok(Edit::Resolution),
                ],
            )
        })
        .collect();
    assert_eq!(
        table,
        vec![
            (Stage::Listing, false, [true, false, false, false, false]),
            (Stage::Scoring, false, [false, true, false, false, false]),
            (Stage::Meeting, false, [false, false, true, false, false]),
            (Stage::Posting, false, [false, false, false, false, true]),
            (Stage::Posting, true, [false, false, false, true, true]),
            (Stage::Complaints, true, [false, true, false, false, true]),
            (
                Stage::Consultation,
                true,
                [false, false, false, false, false]
            ),
            (Stage::Decision, true, [false, false, false, false, false]),
            (Stage::Approved, true, [false, false, false, false, false]),
            (Stage::Reported, true, [false, false, false, false, false]),
        ]
    );
    assert_eq!(
        rounds[3].check_edit(Edit::Complaint),
        Err(ReviewError::NotPosted)
    );
    assert_eq!(
        rounds[5].check_edit(Edit::Complaint),
        Err(ReviewError::ComplaintClosed)
    );
    assert_eq!(
        rounds[0].check_edit(Edit::Form).unwrap_err().code(),
        "REVIEW_NOT_EDITABLE"
    );
}

#[test]
fn complaints_have_deadlines_and_are_resolved_once() {
    let w = wf();
    let mut r = Round::open_periodic(2024, d(2024, 9, 15), &w).unwrap();
    for (a, _) in periodic_walk().into_iter().take(4) {
        r = r.apply(&a, &w).unwrap();
    }
    // Posted 18/10; posting runs until 22/10.
    let c = Complaint::file(
        &r,
        Some("H2".into()),
        d(2024, 10, 21),
        "Hộ H2 có xe ô tô",
        &w,
    )
    .unwrap();
    assert_eq!(c.due, d(2024, 11, 5)); // 15 days (unconfirmed)
    assert!(!c.overdue(d(2024, 11, 5)) && c.overdue(d(2024, 11, 6)));
    assert_eq!(
        Complaint::file(&r, None, d(2024, 10, 23), "muộn", &w).unwrap_err(),
        ReviewError::ComplaintClosed
    );
    assert_eq!(
        c.resolve(&r, d(2024, 10, 22), ComplaintOutcome::Rejected, " ")
            .unwrap_err()
            .code(),
        "REVIEW_NOTE_REQUIRED"
    );
    assert_eq!(
        c.resolve(&r, d(2024, 10, 20), ComplaintOutcome::Rejected, "x")
            .unwrap_err()
            .code(),
        "REVIEW_DATE_ORDER"
    );
    let done = c
        .resolve(
            &r,
            d(2024, 10, 25),
            ComplaintOutcome::Upheld,
            "phúc tra: đúng",
        )
        .unwrap();
    assert!(!done.overdue(d(2025, 1, 1)));
    assert_eq!(
        done.resolve(&r, d(2024, 10, 26), ComplaintOutcome::Rejected, "x")
            .unwrap_err(),
        ReviewError::ComplaintResolved
    );
}

#[test]
fn deadlines_follow_the_step() {
    let w = wf();
    let mut r = Round::open_periodic(2024, d(2024, 9, 15), &w).unwrap();
    let whats = |r: &Round| -> Vec<(&'static str, NaiveDate, bool)> {
        r.deadlines(&w)
            .into_iter()
            .map(|x| (x.what, x.due, x.unconfirmed.is_some()))
            .collect()
    };
    assert_eq!(whats(&r), vec![("decision", d(2024, 12, 14), false)]);
    let walk = periodic_walk();
    for (a, _) in walk.iter().take(4) {
        r = r.apply(a, &w).unwrap();
    }
    assert_eq!(
        whats(&r),
        vec![
            ("decision", d(2024, 12, 14), false),
            ("posting_end", d(2024, 10, 22), true)
        ]
    );
    for (a, _) in walk.iter().skip(4).take(2) {
        r = r.apply(a, &w).unwrap();
    }
    assert_eq!(r.stage, Stage::Consultation);
    // Five working days after Monday 28/10.
    assert_eq!(
        whats(&r),
        vec![
            ("decision", d(2024, 12, 14), false),
            ("consultation_reply", d(2024, 11, 4), true)
        ]
    );
    let dl = &r.deadlines(&w)[0];
    assert!(!dl.overdue(d(2024, 12, 14)) && dl.overdue(d(2024, 12, 15)));
}

// ------------------------------------------------------------------ the regular (in-year) review

#[test]
fn a_regular_review_starts_on_the_15th_and_is_due_15_days_later() {
    let w = wf();
    let r = Round::open_regular(d(2024, 3, 18), &w);
    assert_eq!(r.kind, RoundKind::Regular);
    assert_eq!(r.stage, Stage::Scoring);
    assert_eq!(r.review_start, d(2024, 4, 15));
    let dl = r.deadlines(&w);
    assert_eq!((dl[0].what, dl[0].due), ("decision", d(2024, 4, 30)));
    // It has no listing and no consultation step.
    assert_eq!(
        code(r.apply(
            &Action::CloseList {
                on: d(2024, 4, 15),
                listed: 1
            },
            &w
        )),
        "REVIEW_OUT_OF_ORDER"
    );
    let mut r = r;
    for (a, stage) in [
        (
            Action::FinishScoring {
                on: d(2024, 4, 16),
                unscored: vec![],
            },
            Stage::Meeting,
        ),
        (
            Action::RecordMeeting {
                on: d(2024, 4, 18),
                failed: vec![],
            },
            Stage::Posting,
        ),
        (Action::Post { on: d(2024, 4, 19) }, Stage::Posting),
        (Action::EndPosting { on: d(2024, 4, 24) }, Stage::Complaints),
        (
            Action::CloseComplaints {
                on: d(2024, 4, 25),
                open: 0,
            },
            Stage::Decision,
        ),
        (Action::Approve { on: d(2024, 4, 26) }, Stage::Approved),
    ] {
        r = r.apply(&a, &w).unwrap();
        assert_eq!(r.stage, stage, "{}", a.code());
    }
    assert!(r.deadlines(&w).is_empty());
}

// ------------------------------------------------------------------ scoring

fn std2022() -> &'static ansinh_domain::Standard {
    common::standard("vn-2022-2025")
}

fn placeholder() -> ansinh_domain::review::ScoringTables {
    ansinh_rulebook::Rulebook::builtin()
        .map(|r| r.scoring().clone())
        .unwrap()
        .for_standard("vn-2022-2025", None)
        .unwrap()
        .clone()
}

fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn poor_answers() -> BTreeMap<String, String> {
    answers(&[
        ("household_size", "5"),
        ("highest_education", "primary"),
        ("non_farm_work", "no"),
        ("pension", "no"),
        ("housing", "less_durable"),
        ("floor_area_per_person", "lt8"),
        ("electricity", "50to100"),
        ("assets", "1to2"),
    ])
}

fn deprived(n: usize) -> DeprivationForm {
    DeprivationForm {
        deprived: std2022()
            .indicators
            .iter()
            .enumerate()
            .map(|(i, ind)| (ind.id.clone(), i < n))
            .collect(),
    }
}

#[test]
fn scores_classify_as_the_circular_says() {
    let t = placeholder();
    // standards.md §8.7 cases 7-9 (2022-2025).
    assert_eq!(t.classify(Area::Rural, 140, 30), (Class::Poor, "poor"));
    assert_eq!(
        t.classify(Area::Rural, 141, 50),
        (Class::NotPoor, "above_line")
    );
    assert_eq!(
        t.classify(Area::Urban, 175, 20),
        (Class::NearPoor, "near_poor")
    );
    assert_eq!(
        t.classify(Area::Urban, 176, 120),
        (Class::NotPoor, "above_line")
    );
    assert_eq!(
        t.classify(Area::Rural, 140, 29),
        (Class::NearPoor, "near_poor")
    );
    // 2016-2020 tables (B1/B2): §8.7 cases 14-16.
    let mut old = t.clone();
    old.income_line.rural = 150;
    old.income_line.urban = 175;
    old.income_only_line = Some(ansinh_domain::review::scoring::PerArea {
        rural: 120,
        urban: 140,
    });
    assert_eq!(
        old.classify(Area::Rural, 120, 0),
        (Class::Poor, "poor_income")
    );
    assert_eq!(
        old.classify(Area::Urban, 150, 30),
        (Class::Poor, "poor_deprivation")
    );
    assert_eq!(
        old.classify(Area::Rural, 150, 20),
        (Class::NearPoor, "near_poor")
    );
    assert_eq!(
        old.classify(Area::Rural, 151, 90),
        (Class::NotPoor, "above_line")
    );
}

#[test]
fn a_review_form_is_scored_and_explained_with_the_placeholder_marked() {
    let t = placeholder();
    assert!(t.placeholder);
    let income = IncomeForm {
        region: "nt1".into(),
        answers: poor_answers(),
    };
    let r = t.score(std2022(), &income, &deprived(3)).unwrap();
    // 50 + 0 + 5 + 0 + 0 + 10 + 0 + 10 + 10.
    assert_eq!((r.base, r.score_a, r.score_b), (50, 85, 30));
    assert_eq!(r.lines.len(), 8);
    assert_eq!(r.deprived.len(), 3);
    assert_eq!(
        (r.class, r.path, r.area),
        (Class::Poor, "poor", Area::Rural)
    );
    assert_eq!(
        r.text_vi,
        "điểm A = 85 ≤ 140 (nông thôn) và điểm B = 30 ≥ 30: hộ nghèo. [BẢNG ĐIỂM TẠM, CHƯA CHÍNH THỨC]"
    );
    assert!(
        r.text_en
            .contains("[PLACEHOLDER POINT TABLES, NOT OFFICIAL]"),
        "{}",
        r.text_en
    );
    assert_eq!(r.caveats[0].subject, "scoring:vn-2022-2025-placeholder");
    let near = t.score(std2022(), &income, &deprived(2)).unwrap();
    assert_eq!((near.class, near.score_b), (Class::NearPoor, 20));
    // Urban region: per-region points for non-farm work.
    let mut rich = poor_answers();
    rich.insert("non_farm_work".into(), "yes".into());
    rich.insert("housing".into(), "solid".into());
    rich.insert("assets".into(), "3plus".into());
    rich.insert("electricity".into(), "ge100".into());
    let urban = t
        .score(
            std2022(),
            &IncomeForm {
                region: "urban".into(),
                answers: rich,
            },
            &deprived(5),
        )
        .unwrap();
    // 60 + 0 + 5 + 20 + 0 + 30 + 0 + 20 + 25.
    assert_eq!((urban.score_a, urban.class), (160, Class::Poor));
}

#[test]
fn incomplete_or_unknown_answers_are_refused() {
    let t = placeholder();
    let mut missing = poor_answers();
    missing.remove("pension");
    missing.remove("assets");
    let e = t
        .score(
            std2022(),
            &IncomeForm {
                region: "nt1".into(),
                answers: missing,
            },
            &deprived(0),
        )
        .unwrap_err();
    assert_eq!(
        e,
        ReviewError::MissingAnswer {
            missing: vec!["pension".into(), "assets".into()]
        }
    );
    assert!(e.message_vi().contains("pension, assets"));
    let bad_region = IncomeForm {
        region: "nt9".into(),
        answers: poor_answers(),
    };
    assert_eq!(
        t.score(std2022(), &bad_region, &deprived(0))
            .unwrap_err()
            .code(),
        "SCORE_UNKNOWN_REGION"
    );
    let mut bad_option = poor_answers();
    bad_option.insert("housing".into(), "castle".into());
    let e = t
        .score(
            std2022(),
            &IncomeForm {
                region: "nt1".into(),
                answers: bad_option,
            },
            &deprived(0),
        )
        .unwrap_err();
    assert_eq!(e.code(), "SCORE_UNKNOWN_ANSWER");
    assert!(e.message_en().contains("housing=castle"));
    let mut dep = deprived(1);
    dep.deprived.insert("yacht".into(), true);
    let good = IncomeForm {
        region: "nt1".into(),
        answers: poor_answers(),
    };
    assert_eq!(
        t.score(std2022(), &good, &dep).unwrap_err().code(),
        "SCORE_UNKNOWN_ANSWER"
    );
    let mut partial = deprived(1);
    partial.deprived.remove("water");
    assert_eq!(
        t.score(std2022(), &good, &partial).unwrap_err().code(),
        "SCORE_MISSING_ANSWER"
    );
    // Tables of another standard.
    let e = t
        .score(common::standard("vn-2016-2020"), &good, &deprived(0))
        .unwrap_err();
    assert_eq!(e.code(), "SCORE_NO_TABLES");
}

#[test]
fn the_quick_screen_excludes_households_meeting_enough_criteria() {
    let t = placeholder();
    let q = |met: &[&str]| {
        t.quick_screen(&QuickScreen {
            met: met.iter().map(|s| s.to_string()).collect(),
        })
    };
    assert!(!q(&[]).unwrap().excluded);
    assert!(!q(&["car"]).unwrap().excluded);
    assert!(q(&["car", "business"]).unwrap().excluded);
    assert!(!q(&["car", "car"]).unwrap().excluded);
    assert_eq!(
        q(&["helicopter"]).unwrap_err().code(),
        "SCORE_UNKNOWN_ANSWER"
    );
    assert!(!q(&[]).unwrap().caveats.is_empty());
}

#[test]
fn a_province_loads_its_own_tables() {
    let set = ansinh_rulebook::Rulebook::builtin()
        .map(|r| r.scoring().clone())
        .unwrap();
    let (_, src) = ansinh_rulebook::builtin::SCORING[0];
    let mine = src
        .replace(
            "id = \"vn-2022-2025-placeholder\"",
            "id = \"ha-noi-2022-2025\"\njurisdiction = \"01\"",
        )
        .replace("placeholder = true", "placeholder = false")
        .replace("nt1 = 50", "nt1 = 70");
    let set2 = set.with_file("scoring/ha-noi.toml", &mine).unwrap();
    let hn = set2.for_standard("vn-2022-2025", Some("01")).unwrap();
    assert_eq!(hn.id, "ha-noi-2022-2025");
    assert!(!hn.placeholder && hn.caveats.is_empty());
    let r = hn
        .score(
            std2022(),
            &IncomeForm {
                region: "nt1".into(),
                answers: poor_answers(),
            },
            &deprived(3),
        )
        .unwrap();
    assert_eq!(r.score_a, 105);
    assert!(!r.text_vi.contains("TẠM"));
    // Other provinces keep the national placeholder.
    assert!(
        set2.for_standard("vn-2022-2025", Some("79"))
            .unwrap()
            .placeholder
    );
    assert_eq!(
        set2.for_standard("vn-2027-2030", None).unwrap_err().code(),
        "SCORE_NO_TABLES"
    );
    // A table missing a region's points is refused with its position.
    let broken = mine.replace("nt6 = 50\n", "");
    let errs = set.with_file("scoring/broken.toml", &broken).unwrap_err();
    assert_eq!(errs[0].code, "SCORE_TABLE");
    assert!(
        errs[0].en.contains("nt6") && errs[0].line.is_some(),
        "{}",
        errs[0]
    );
}

// ------------------------------------------------------------------ the village meeting

fn meeting(attendees: u32, votes: &[(&str, u32, u32)]) -> Meeting {
    Meeting {
        village: "Thôn 1".into(),
        held_on: d(2024, 10, 15),
        attendees,
        participants: vec![
            Participant {
                name: "Nguyễn Văn Trưởng".into(),
                role: Role::Chair,
            },
            Participant {
                name: "Lê Thị Thư".into(),
                role: Role::Secretary,
            },
            Participant {
                name: "Trần Văn Mặt Trận".into(),
                role: Role::FatherlandFront,
            },
        ],
        votes: votes
            .iter()
            .map(|(h, a, n)| Tally {
                household: h.to_string(),
                agree: *a,
                disagree: *n,
            })
            .collect(),
    }
}

#[test]
fn a_result_needs_at_least_half_of_the_attendees() {
    let w = wf();
    let m = meeting(10, &[("H1", 5, 5), ("H2", 4, 3), ("H3", 10, 0)]);
    assert_eq!(
        m.result(&w).unwrap(),
        MeetingResult {
            agreed: vec!["H1".into(), "H3".into()],
            failed: vec!["H2".into()],
        }
    );
    let odd = meeting(3, &[("H1", 1, 0), ("H2", 2, 1)]);
    assert_eq!(odd.result(&w).unwrap().failed, vec!["H1".to_string()]);
    assert_eq!(
        meeting(3, &[("H1", 3, 1)]).result(&w).unwrap_err().code(),
        "REVIEW_BAD_TALLY"
    );
    assert_eq!(
        meeting(3, &[("H1", 1, 0), ("H1", 2, 0)])
            .result(&w)
            .unwrap_err()
            .code(),
        "REVIEW_BAD_TALLY"
    );
    assert_eq!(
        meeting(0, &[]).result(&w).unwrap_err().code(),
        "REVIEW_BAD_TALLY"
    );
    let mut no_chair = meeting(5, &[]);
    no_chair.participants.retain(|p| p.role != Role::Chair);
    let e = no_chair.result(&w).unwrap_err();
    assert_eq!(e, ReviewError::MissingRole { role: Role::Chair });
    assert!(e.message_vi().contains("trưởng thôn"));
    let mut no_secretary = meeting(5, &[]);
    no_secretary
        .participants
        .retain(|p| p.role != Role::Secretary);
    assert_eq!(
        no_secretary.result(&w).unwrap_err().code(),
        "REVIEW_MEETING_ROLE"
    );
}

#[test]
fn the_minutes_are_printable_and_list_every_vote() {
    let w = wf();
    let m = meeting(10, &[("H1", 5, 5), ("H2", 4, 3)]);
    let text = m.minutes_vi(&w, &|h| format!("Hộ {h} — đề nghị: hộ nghèo"));
    assert!(text.contains("BIÊN BẢN HỌP DÂN"));
    assert!(text.contains("Ngày họp: 15/10/2024"));
    assert!(
        text.contains("Hộ H1 — đề nghị: hộ nghèo — đồng ý 5/10 (50%), không đồng ý 5: thống nhất")
    );
    assert!(
        text.contains(
            "đồng ý 4/10 (40%), không đồng ý 3: chưa thống nhất — rà soát lại và họp lại"
        )
    );
    assert!(text.contains("02 bản"));
    let chair = text.find("Nguyễn Văn Trưởng").unwrap();
    let secretary = text.find("Lê Thị Thư").unwrap();
    assert!(chair < secretary);
}

// ------------------------------------------------------------------ transitions and movement

#[test]
fn every_transition_label_follows_the_history() {
    let w = wf();
    let on = d(2024, 12, 1);
    let t = |hist: &[(NaiveDate, Class)], c: Class| YearStatus::of(hist, c, on, &w).transition;
    let y = |year: i32, c: Class| (d(year, 12, 1), c);
    use Class::*;
    assert_eq!(t(&[y(2023, Poor)], Poor), Transition::RemainsPoor);
    assert_eq!(
        t(&[y(2023, Poor)], NearPoor),
        Transition::EscapedPovertyToNearPoor
    );
    assert_eq!(t(&[y(2023, Poor)], NotPoor), Transition::EscapedPoverty);
    assert_eq!(t(&[y(2023, Poor)], Average), Transition::EscapedPoverty);
    assert_eq!(
        t(&[y(2023, NearPoor)], NotPoor),
        Transition::EscapedNearPoverty
    );
    assert_eq!(t(&[y(2023, NearPoor)], Poor), Transition::PoorFromNearPoor);
    assert_eq!(
        t(&[y(2023, NearPoor)], NearPoor),
        Transition::RemainsNearPoor
    );
    assert_eq!(t(&[], Poor), Transition::NewlyPoor);
    assert_eq!(
        t(&[y(2022, NotPoor), y(2023, NotPoor)], Poor),
        Transition::NewlyPoor
    );
    assert_eq!(
        t(&[y(2021, Poor), y(2022, NotPoor), y(2023, NotPoor)], Poor),
        Transition::RePoor
    );
    assert_eq!(t(&[], NearPoor), Transition::NewlyNearPoor);
    assert_eq!(
        t(&[y(2022, NearPoor), y(2023, NotPoor)], NearPoor),
        Transition::ReNearPoor
    );
    assert_eq!(
        t(&[y(2022, Poor), y(2023, Average)], NearPoor),
        Transition::ReNearPoor
    );
    assert_eq!(t(&[y(2023, Average)], NotPoor), Transition::NotPoor);
    // Every label has a code that round-trips and words in both languages.
    for tr in Transition::ALL {
        assert_eq!(Transition::parse(tr.code()), Some(tr));
        assert!(!tr.vi().is_empty() && !tr.en().is_empty());
    }
    // A look-back window turns an old escape into a new poverty.
    let mut w24 = w.clone();
    w24.re_poor_lookback.months = 24;
    let hist = [y(2020, Poor), y(2021, NotPoor), y(2022, NotPoor)];
    assert_eq!(
        YearStatus::of(&hist, Poor, on, &w24).transition,
        Transition::NewlyPoor
    );
    let hist = [y(2022, Poor), y(2023, NotPoor)];
    assert_eq!(
        YearStatus::of(&hist, Poor, on, &w24).transition,
        Transition::RePoor
    );
    // The unconfirmed look-back travels with the label.
    let s = YearStatus::of(&[], Poor, on, &w);
    assert_eq!(
        s.caveats[0].subject,
        "workflow:transitions.re_poor_lookback_months"
    );
}

#[test]
fn newly_escaped_households_are_kept_for_the_window() {
    let w = wf();
    let escaped = YearStatus::of(
        &[(d(2023, 12, 1), Class::Poor)],
        Class::NotPoor,
        d(2024, 12, 1),
        &w,
    );
    assert_eq!(escaped.transition, Transition::EscapedPoverty);
    assert!(escaped.transition.escapes_poverty());
    assert_eq!(escaped.newly_escaped_until, Some(d(2027, 12, 1)));
    assert!(
        escaped
            .caveats
            .iter()
            .any(|c| c.subject == "workflow:transitions.newly_escaped_months")
    );
    let timeline = [
        (d(2023, 12, 1), Class::Poor),
        (d(2024, 12, 1), Class::NearPoor),
        (d(2025, 12, 1), Class::NotPoor),
    ];
    assert_eq!(newly_escaped_until(&timeline, &w), Some(d(2027, 12, 1)));
    assert!(is_newly_escaped(&timeline, d(2026, 1, 1), &w));
    assert!(is_newly_escaped(&timeline, d(2027, 11, 30), &w));
    assert!(!is_newly_escaped(&timeline, d(2027, 12, 1), &w));
    assert!(!is_newly_escaped(&timeline, d(2024, 1, 1), &w));
    // Poor again: no longer newly escaped.
    let back = [
        (d(2023, 12, 1), Class::Poor),
        (d(2024, 12, 1), Class::NotPoor),
        (d(2025, 12, 1), Class::Poor),
    ];
    assert_eq!(newly_escaped_until(&back, &w), None);
    // The window is data.
    let mut w12 = w.clone();
    w12.newly_escaped.months = 12;
    assert!(!is_newly_escaped(&timeline, d(2026, 1, 1), &w12));
}

#[test]
fn the_movement_table_balances_per_unit() {
    use Class::*;
    let m = |unit: &str, prev: Option<Class>, new: Option<Class>, t: Option<Transition>| {
        HouseholdMove {
            unit: unit.into(),
            prev,
            new,
            transition: t,
        }
    };
    let moves = vec![
        m("T1", Some(Poor), Some(Poor), Some(Transition::RemainsPoor)),
        m(
            "T1",
            Some(Poor),
            Some(NearPoor),
            Some(Transition::EscapedPovertyToNearPoor),
        ),
        m(
            "T1",
            Some(Poor),
            Some(NotPoor),
            Some(Transition::EscapedPoverty),
        ),
        m("T1", Some(Poor), None, None),
        m(
            "T1",
            Some(NearPoor),
            Some(Poor),
            Some(Transition::PoorFromNearPoor),
        ),
        m("T1", Some(NotPoor), Some(Poor), Some(Transition::RePoor)),
        m("T1", Some(NotPoor), Some(Poor), Some(Transition::NewlyPoor)),
        m("T1", None, Some(Poor), Some(Transition::NewlyPoor)),
        m(
            "T2",
            Some(NearPoor),
            Some(NotPoor),
            Some(Transition::EscapedNearPoverty),
        ),
        m(
            "T2",
            Some(NotPoor),
            Some(NearPoor),
            Some(Transition::NewlyNearPoor),
        ),
        m(
            "T2",
            Some(NotPoor),
            Some(NotPoor),
            Some(Transition::NotPoor),
        ),
    ];
    let (rows, total) = movement_table(&moves);
    assert_eq!(rows.len(), 2);
    let p = rows[0].poor;
    assert_eq!(
        (p.start, p.dec_to_other_list, p.dec_escaped, p.dec_other),
        (4, 1, 1, 1)
    );
    assert_eq!(
        (
            p.inc_from_other_list,
            p.inc_re,
            p.inc_new,
            p.inc_other,
            p.end
        ),
        (1, 1, 1, 1, 5)
    );
    let n = rows[0].near_poor;
    assert_eq!(
        (n.start, n.dec_to_other_list, n.inc_from_other_list, n.end),
        (1, 1, 1, 1)
    );
    let n2 = rows[1].near_poor;
    assert_eq!((n2.start, n2.dec_escaped, n2.inc_new, n2.end), (1, 1, 1, 1));
    for r in rows.iter().chain([&total]) {
        r.check().unwrap();
    }
    assert_eq!(total.poor.end, 5);
    let mut bad = rows[0].clone();
    bad.poor.end += 1;
    let e = bad.check().unwrap_err();
    assert_eq!(e.code(), "REVIEW_BAD_TALLY");
    assert!(e.message_en().contains("T1"));
}

#[test]
fn every_refusal_has_a_stable_code_and_both_languages() {
    let on = d(2024, 10, 1);
    let errors = vec![
        ReviewError::Locked {
            stage: Stage::Approved,
        },
        ReviewError::NotEditable {
            edit: Edit::List,
            stage: Stage::Scoring,
        },
        ReviewError::DateOrder { on, previous: on },
        ReviewError::OutsideWindow {
            on,
            start: on,
            end: on,
        },
        ReviewError::EmptyList,
        ReviewError::Unscored {
            households: vec!["H".into()],
        },
        ReviewError::BadTally { detail: "x".into() },
        ReviewError::MissingRole {
            role: Role::Secretary,
        },
        ReviewError::NotPosted,
        ReviewError::PostingNotEnded { until: on },
        ReviewError::ComplaintClosed,
        ReviewError::OpenComplaints { count: 1 },
        ReviewError::ComplaintResolved,
        ReviewError::NoteRequired,
        ReviewError::ReasonRequired,
        ReviewError::ReopenTarget {
            from: Stage::Scoring,
            to: Stage::Decision,
        },
        ReviewError::AlreadyListed {
            household: "H".into(),
        },
        ReviewError::NotListed {
            household: "H".into(),
        },
        ReviewError::NoTables {
            standard: "s".into(),
        },
        ReviewError::UnknownRegion { region: "r".into() },
        ReviewError::UnknownAnswer {
            what: "option",
            id: "x".into(),
        },
        ReviewError::MissingAnswer {
            missing: vec!["x".into()],
        },
    ];
    let mut codes = std::collections::BTreeSet::new();
    for e in &errors {
        assert!(
            e.code().starts_with("REVIEW_") || e.code().starts_with("SCORE_"),
            "{}",
            e.code()
        );
        assert!(codes.insert(e.code()), "duplicate code {}", e.code());
        assert!(!e.message_vi().is_empty() && !e.message_en().is_empty());
        assert_ne!(e.message_vi(), e.message_en(), "{}", e.code());
    }
}

// ------------------------------------------------------------------ property: no step is skipped

/// `(action, reopen target, variant)`; actions 10 and above mean "the action of the current step", so
/// that many sequences get far.
fn any_action() -> impl Strategy<Value = (u8, u8, u8)> {
    (0u8..16, 0u8..9, 0u8..4)
}

/// The action number that belongs to a stage (posting: post first, then end it).
fn current(r: &Round) -> u8 {
    match r.stage {
        Stage::Listing => 0,
        Stage::Scoring => 1,
        Stage::Meeting => 2,
        Stage::Posting if r.posted_on.is_none() => 3,
        Stage::Posting => 4,
        Stage::Complaints => 5,
        Stage::Consultation => 6,
        Stage::Decision => 7,
        Stage::Approved | Stage::Reported => 8,
    }
}

/// Action number `k` dated `on`; `x` varies its facts (sometimes failing its precondition).
fn action(k: u8, stage: u8, x: u8, on: NaiveDate) -> Action {
    match k {
        0 => Action::CloseList {
            on,
            listed: usize::from(x),
        },
        1 => Action::FinishScoring {
            on,
            unscored: if x == 0 { vec!["H".into()] } else { vec![] },
        },
        2 => Action::RecordMeeting {
            on,
            failed: if x == 0 { vec!["H".into()] } else { vec![] },
        },
        3 => Action::Post { on },
        4 => Action::EndPosting { on },
        5 => Action::CloseComplaints {
            on,
            open: usize::from(x == 0),
        },
        6 => Action::RecordConsultation { on },
        7 => Action::Approve { on },
        8 => Action::Report { on },
        _ => Action::Reopen {
            on,
            to: Stage::ALL[usize::from(stage)],
            reason: if x == 0 {
                String::new()
            } else {
                "sửa".into()
            },
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever the officers try, in whatever order: every approval comes after every step of the
    /// workflow, in order, since the round was opened or last reopened before that step; and after a
    /// posting period that lasted its full length.
    #[test]
    fn no_sequence_of_actions_reaches_approval_without_every_step(
        kind in prop_oneof![Just(RoundKind::Periodic), Just(RoundKind::Regular)],
        no_consultation in any::<bool>(),
        steps in proptest::collection::vec((any_action(), 0u32..4), 1..60),
    ) {
        let w = if no_consultation { wf_without_consultation() } else { wf() };
        let start = d(2024, 9, 2);
        let mut r = match kind {
            RoundKind::Periodic => Round::open_periodic(2024, start, &w).unwrap(),
            RoundKind::Regular => Round::open_regular(start, &w),
        };
        let flow = w.steps(kind).to_vec();
        // The independent model: the steps completed, in order, since the last reopening.
        let mut path: Vec<Stage> = vec![];
        let mut day = start;
        for ((k, stage, x), gap) in steps {
            day = day + chrono::Days::new(u64::from(gap));
            let k = if k >= 10 { current(&r) } else { k };
            let a = action(k, stage, x, day);
            let before = r.clone();
            match before.apply(&a, &w) {
                Err(_) => {}
                Ok(next) => {
                    match &a {
                        Action::Reopen { to, .. } => {
                            let keep = path.iter().position(|s| s == to).unwrap_or(path.len());
                            path.truncate(keep);
                        }
                        Action::RecordMeeting { failed, .. } if !failed.is_empty() => {
                            // Back to scoring: scoring and meeting must be done again.
                            let keep = path.iter().position(|s| *s == Stage::Scoring).unwrap_or(path.len());
                            path.truncate(keep);
                        }
                        Action::Post { .. } => {}
                        _ => {
                            if before.stage != Stage::Approved {
                                path.push(before.stage);
                            }
                        }
                    }
                    if next.stage == Stage::Approved && before.stage != Stage::Approved {
                        prop_assert_eq!(&path, &flow, "approved without every step");
                        let posted = before.posted_on;
                        prop_assert!(posted.is_some_and(|p| next.last_action_on > w.posting.last_day(p)));
                    }
                    r = next;
                }
            }
            // Never past the steps of the workflow.
            prop_assert!(r.stage.is_locked() || flow.contains(&r.stage));
        }
    }
}

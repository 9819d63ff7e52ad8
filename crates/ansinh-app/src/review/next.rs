//! What can be done next in a round, the one answer the web pages, the JSON API and the CLI give.
//!
//! **The rule.** An action is offered exactly when the round's state machine
//! ([`ansinh_domain::review::Round`]) would accept it now, so an officer is never offered a step that
//! is then refused for being out of order (deadlines and missing facts can still refuse it, with
//! their reason):
//! - the edits allowed by [`Round::check_edit`] at the step: the list while listing; forms while
//!   scoring *and* while complaints are settled (a complaint upheld is re-scored and re-checked, phúc
//!   tra, before the round moves on: Decision 24/2021 Art. 4 step 4); the meeting at the meeting step
//!   (below 50 % agreement it sends the round back to scoring, step 3); complaints received while the
//!   results are posted; resolutions once they are posted and during the complaints step;
//! - the step that completes the current one ([`Step`]), the meeting and the approval (which need
//!   their records) included;
//! - **reopen** whenever the round's kind has an earlier step than the current one, that is from the
//!   second step of its workflow on, approved and reported rounds included: `Round::apply` accepts a
//!   reopening to any earlier step of the kind, with a reason, and the law lets the commune correct
//!   its list or its scores before its decision as well as after it (a new approval makes a new
//!   snapshot; the old one is kept).
//!
//! Who may do it is in [`Next::access`]: the commune's steps are the commune officer's, the upper
//! level's opinion (consultation) the district's or province's.

use ansinh_domain::review::{Edit, Round, Stage, Workflow};
use ansinh_store::review::Step;

use crate::actor::ReviewAccess;

/// Something the round allows next, and who does it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Next {
    /// `add_to_list`, `close_list`, `save_form`, `finish_scoring`, `record_meeting`, `post`,
    /// `file_complaint`, `end_posting`, `resolve_complaint`, `close_complaints`,
    /// `record_consultation`, `approve`, `report`, `reopen`.
    pub code: &'static str,
    /// The store step it completes, when it is one.
    pub step: Option<Step>,
    /// Who may: the commune, or the upper level.
    pub access: ReviewAccess,
}

impl Next {
    /// The edit of the round it is, when it is one (not a step).
    pub fn edit(&self) -> Option<Edit> {
        Some(match self.code {
            "add_to_list" => Edit::List,
            "save_form" => Edit::Form,
            "record_meeting" => Edit::Meeting,
            "file_complaint" => Edit::Complaint,
            "resolve_complaint" => Edit::Resolution,
            _ => return None,
        })
    }

    pub fn vi(&self) -> &'static str {
        match self.code {
            "add_to_list" => "thêm hộ vào danh sách",
            "close_list" => "chốt danh sách hộ cần rà soát",
            "save_form" => "nhập phiếu rà soát, chấm điểm",
            "finish_scoring" => "kết thúc chấm điểm",
            "record_meeting" => "ghi kết quả họp dân",
            "post" => "niêm yết kết quả",
            "file_complaint" => "nhận khiếu nại",
            "end_posting" => "kết thúc niêm yết",
            "resolve_complaint" => "giải quyết khiếu nại",
            "close_complaints" => "kết thúc giải quyết khiếu nại",
            "record_consultation" => "ghi ý kiến cấp trên",
            "approve" => "phê duyệt, công nhận kết quả",
            "report" => "báo cáo cấp trên",
            "reopen" => "mở lại đợt rà soát (cần lý do)",
            _ => "",
        }
    }

    pub fn en(&self) -> &'static str {
        match self.code {
            "add_to_list" => "add households to the list",
            "close_list" => "close the list",
            "save_form" => "enter the review forms and score",
            "finish_scoring" => "finish the scoring",
            "record_meeting" => "record the village meeting",
            "post" => "post the results",
            "file_complaint" => "receive complaints",
            "end_posting" => "end the posting",
            "resolve_complaint" => "resolve the complaints",
            "close_complaints" => "close the complaints",
            "record_consultation" => "record the upper level's opinion",
            "approve" => "approve the results",
            "report" => "report to the upper level",
            "reopen" => "reopen the round (needs a reason)",
            _ => "",
        }
    }
}

/// The actions the round's step allows, in the order an officer does them (the rule: see the module).
pub fn next_actions(r: &Round, wf: &Workflow) -> Vec<Next> {
    let c = |code, step| Next {
        code,
        step,
        access: ReviewAccess::Commune,
    };
    let mut v = match r.stage {
        Stage::Listing => vec![
            c("add_to_list", None),
            c("close_list", Some(Step::CloseList)),
        ],
        Stage::Scoring => vec![
            c("save_form", None),
            c("finish_scoring", Some(Step::FinishScoring)),
        ],
        Stage::Meeting => vec![c("record_meeting", None)],
        Stage::Posting if r.posted_on.is_none() => vec![c("post", Some(Step::Post))],
        Stage::Posting => vec![
            c("file_complaint", None),
            c("resolve_complaint", None),
            c("end_posting", Some(Step::EndPosting)),
        ],
        Stage::Complaints => vec![
            c("save_form", None),
            c("resolve_complaint", None),
            c("close_complaints", Some(Step::CloseComplaints)),
        ],
        Stage::Consultation => vec![Next {
            code: "record_consultation",
            step: Some(Step::RecordConsultation),
            access: ReviewAccess::Upper,
        }],
        Stage::Decision => vec![c("approve", None)],
        Stage::Approved => vec![c("report", Some(Step::Report))],
        Stage::Reported => vec![],
    };
    if reopen_targets(r, wf).next().is_some() {
        v.push(c("reopen", None));
    }
    v
}

/// The steps a round may be reopened to (earlier steps of its kind).
pub fn reopen_targets<'a>(r: &'a Round, wf: &'a Workflow) -> impl Iterator<Item = Stage> + 'a {
    wf.steps(r.kind).iter().copied().filter(|s| *s < r.stage)
}

const STEPS: [(&str, Step); 7] = [
    ("close_list", Step::CloseList),
    ("finish_scoring", Step::FinishScoring),
    ("post", Step::Post),
    ("end_posting", Step::EndPosting),
    ("close_complaints", Step::CloseComplaints),
    ("record_consultation", Step::RecordConsultation),
    ("report", Step::Report),
];

/// The step a code of [`Step`] names (forms, API, CLI).
pub fn step_of(code: &str) -> Option<Step> {
    STEPS.iter().find(|(c, _)| *c == code).map(|(_, s)| *s)
}

/// The code of a step, as [`step_of`] reads it.
pub fn step_code(step: Step) -> &'static str {
    STEPS
        .iter()
        .find(|(_, s)| *s == step)
        .map_or("", |(c, _)| *c)
}

/// Who completes a step.
pub fn access_of(step: Step) -> ReviewAccess {
    match step {
        Step::RecordConsultation => ReviewAccess::Upper,
        _ => ReviewAccess::Commune,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ansinh_domain::review::RoundKind;
    use chrono::NaiveDate;

    const EDITS: [Edit; 5] = [
        Edit::List,
        Edit::Form,
        Edit::Meeting,
        Edit::Complaint,
        Edit::Resolution,
    ];

    /// The rule of the module, checked against the state machine at every step of both kinds.
    #[test]
    fn exactly_what_the_state_machine_accepts_is_offered() {
        let set = ansinh_rulebook::Rulebook::builtin()
            .expect("built-in rules")
            .workflows()
            .clone();
        let on = NaiveDate::from_ymd_opt(2025, 10, 1).expect("date");
        let wf = set.in_force(on, None).expect("workflow");
        for kind in [RoundKind::Periodic, RoundKind::Regular] {
            let base = match kind {
                RoundKind::Periodic => Round::open_periodic(2025, on, wf).expect("open"),
                RoundKind::Regular => Round::open_regular(on, wf),
            };
            let mut stages: Vec<(Stage, bool)> =
                wf.steps(kind).iter().map(|s| (*s, false)).collect();
            stages.push((Stage::Posting, true));
            stages.push((Stage::Approved, false));
            stages.push((Stage::Reported, false));
            for (stage, posted) in stages {
                if !wf.steps(kind).contains(&stage) && stage < Stage::Approved {
                    continue;
                }
                let r = Round {
                    stage,
                    posted_on: posted.then_some(on),
                    ..base.clone()
                };
                let next = next_actions(&r, wf);
                for e in EDITS {
                    let offered = next.iter().any(|n| n.edit() == Some(e));
                    // Nothing to resolve before the results are posted (no complaint can be filed).
                    let vacuous = e == Edit::Resolution && stage == Stage::Posting && !posted;
                    assert_eq!(
                        offered,
                        r.check_edit(e).is_ok() && !vacuous,
                        "{kind:?} at {stage:?} (posted {posted}): {e:?}"
                    );
                }
                let first = wf.steps(kind).first().copied();
                assert_eq!(
                    next.iter().any(|n| n.code == "reopen"),
                    Some(stage) != first,
                    "{kind:?} at {stage:?}: reopen from the second step on"
                );
                for n in &next {
                    assert!(!n.vi().is_empty() && !n.en().is_empty(), "{}", n.code);
                    if let Some(s) = n.step {
                        assert_eq!(step_of(step_code(s)), Some(s));
                        assert_eq!(access_of(s), n.access);
                    }
                }
            }
        }
    }
}

//! The review round as a state machine. A round is at one step ([`Stage`]) at a time; each [`Action`]
//! completes the step it belongs to and moves the round to the next step of its kind (the steps come from
//! the [`Workflow`]), so no step can be done out of order or skipped. An approved round is locked: it can
//! only be reported upwards, or reopened to an earlier step with a reason (and approving it again makes a
//! new snapshot; the old one is kept).

use chrono::{Datelike, NaiveDate};

use super::workflow::Workflow;
use super::{Caveat, ReviewError};

/// Periodic (once a year, every listed household of a commune) or regular (one household's request,
/// any month).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RoundKind {
    Periodic,
    Regular,
}

impl RoundKind {
    pub fn code(self) -> &'static str {
        match self {
            RoundKind::Periodic => "periodic",
            RoundKind::Regular => "regular",
        }
    }
    pub fn parse(s: &str) -> Option<RoundKind> {
        [RoundKind::Periodic, RoundKind::Regular]
            .into_iter()
            .find(|k| k.code() == s)
    }
    pub fn vi(self) -> &'static str {
        match self {
            RoundKind::Periodic => "rà soát định kỳ",
            RoundKind::Regular => "rà soát thường xuyên",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            RoundKind::Periodic => "periodic review",
            RoundKind::Regular => "regular (in-year) review",
        }
    }
}

/// The step a round is at, in the order of the procedure. `Approved` and `Reported` are locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Making the list of households to review (periodic only).
    Listing,
    /// Collecting the forms and scoring the households.
    Scoring,
    /// The village meeting that agrees the results.
    Meeting,
    /// Public posting of the results.
    Posting,
    /// Resolving the complaints received during the posting.
    Complaints,
    /// Reporting to the upper level for its opinion.
    Consultation,
    /// Waiting for the commune People's Committee chair's decision.
    Decision,
    /// Recognised by decision: locked.
    Approved,
    /// Summarised to the upper level: locked.
    Reported,
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::Listing,
        Stage::Scoring,
        Stage::Meeting,
        Stage::Posting,
        Stage::Complaints,
        Stage::Consultation,
        Stage::Decision,
        Stage::Approved,
        Stage::Reported,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Stage::Listing => "listing",
            Stage::Scoring => "scoring",
            Stage::Meeting => "meeting",
            Stage::Posting => "posting",
            Stage::Complaints => "complaints",
            Stage::Consultation => "consultation",
            Stage::Decision => "decision",
            Stage::Approved => "approved",
            Stage::Reported => "reported",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn vi(self) -> &'static str {
        match self {
            Stage::Listing => "lập danh sách hộ cần rà soát",
            Stage::Scoring => "rà soát, chấm điểm",
            Stage::Meeting => "họp dân thống nhất kết quả",
            Stage::Posting => "niêm yết công khai",
            Stage::Complaints => "giải quyết khiếu nại",
            Stage::Consultation => "báo cáo, xin ý kiến cấp trên",
            Stage::Decision => "chờ quyết định công nhận",
            Stage::Approved => "đã công nhận",
            Stage::Reported => "đã báo cáo cấp trên",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Stage::Listing => "listing the households to review",
            Stage::Scoring => "survey and scoring",
            Stage::Meeting => "village meeting",
            Stage::Posting => "public posting",
            Stage::Complaints => "complaints",
            Stage::Consultation => "upper-level opinion",
            Stage::Decision => "awaiting the decision",
            Stage::Approved => "approved",
            Stage::Reported => "reported",
        }
    }
    /// A step a workflow lists (everything before the decision is taken).
    pub fn is_step(self) -> bool {
        self < Stage::Approved
    }
    pub fn is_locked(self) -> bool {
        self >= Stage::Approved
    }
}

/// What an officer does to a round. Each action belongs to one step and carries the facts its
/// preconditions need (the store supplies them from the round's records).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Closes the list of households to review (`listed` households on it).
    CloseList { on: NaiveDate, listed: usize },
    /// Ends the scoring; `unscored` names the listed households without a scored form.
    FinishScoring {
        on: NaiveDate,
        unscored: Vec<String>,
    },
    /// Records the village meeting; `failed` names the households whose result did not get the agreement
    /// needed (the round goes back to scoring).
    RecordMeeting { on: NaiveDate, failed: Vec<String> },
    /// Posts the results publicly; the posting period starts on `on`.
    Post { on: NaiveDate },
    /// Ends the posting (only after its last day).
    EndPosting { on: NaiveDate },
    /// Closes the complaints; `open` complaints are not resolved yet.
    CloseComplaints { on: NaiveDate, open: usize },
    /// Records the upper level's opinion.
    RecordConsultation { on: NaiveDate },
    /// The commune People's Committee chair recognises the results (the snapshot is taken).
    Approve { on: NaiveDate },
    /// Sends the summary to the upper level.
    Report { on: NaiveDate },
    /// Reopens a round at an earlier step.
    Reopen {
        on: NaiveDate,
        to: Stage,
        reason: String,
    },
}

impl Action {
    pub fn on(&self) -> NaiveDate {
        match self {
            Action::CloseList { on, .. }
            | Action::FinishScoring { on, .. }
            | Action::RecordMeeting { on, .. }
            | Action::Post { on }
            | Action::EndPosting { on }
            | Action::CloseComplaints { on, .. }
            | Action::RecordConsultation { on }
            | Action::Approve { on }
            | Action::Report { on }
            | Action::Reopen { on, .. } => *on,
        }
    }
    /// Stable code (stored in the round's event log).
    pub fn code(&self) -> &'static str {
        match self {
            Action::CloseList { .. } => "close_list",
            Action::FinishScoring { .. } => "finish_scoring",
            Action::RecordMeeting { .. } => "record_meeting",
            Action::Post { .. } => "post",
            Action::EndPosting { .. } => "end_posting",
            Action::CloseComplaints { .. } => "close_complaints",
            Action::RecordConsultation { .. } => "record_consultation",
            Action::Approve { .. } => "approve",
            Action::Report { .. } => "report",
            Action::Reopen { .. } => "reopen",
        }
    }
    fn vi(&self) -> &'static str {
        match self {
            Action::CloseList { .. } => "chốt danh sách hộ cần rà soát",
            Action::FinishScoring { .. } => "kết thúc chấm điểm",
            Action::RecordMeeting { .. } => "ghi kết quả họp dân",
            Action::Post { .. } => "niêm yết kết quả",
            Action::EndPosting { .. } => "kết thúc niêm yết",
            Action::CloseComplaints { .. } => "kết thúc giải quyết khiếu nại",
            Action::RecordConsultation { .. } => "ghi ý kiến cấp trên",
            Action::Approve { .. } => "phê duyệt, công nhận kết quả",
            Action::Report { .. } => "báo cáo cấp trên",
            Action::Reopen { .. } => "mở lại đợt rà soát",
        }
    }
    fn en(&self) -> &'static str {
        match self {
            Action::CloseList { .. } => "close the list",
            Action::FinishScoring { .. } => "finish the scoring",
            Action::RecordMeeting { .. } => "record the village meeting",
            Action::Post { .. } => "post the results",
            Action::EndPosting { .. } => "end the posting",
            Action::CloseComplaints { .. } => "close the complaints",
            Action::RecordConsultation { .. } => "record the upper level's opinion",
            Action::Approve { .. } => "approve the results",
            Action::Report { .. } => "report to the upper level",
            Action::Reopen { .. } => "reopen the round",
        }
    }
    /// The step the action completes (`None` for a reopening).
    pub fn step(&self) -> Option<Stage> {
        Some(match self {
            Action::CloseList { .. } => Stage::Listing,
            Action::FinishScoring { .. } => Stage::Scoring,
            Action::RecordMeeting { .. } => Stage::Meeting,
            Action::Post { .. } | Action::EndPosting { .. } => Stage::Posting,
            Action::CloseComplaints { .. } => Stage::Complaints,
            Action::RecordConsultation { .. } => Stage::Consultation,
            Action::Approve { .. } => Stage::Decision,
            Action::Report { .. } => Stage::Approved,
            Action::Reopen { .. } => return None,
        })
    }
    fn out_of_order(&self, stage: Stage) -> ReviewError {
        ReviewError::OutOfOrder {
            action: self.code(),
            action_en: self.en(),
            action_vi: self.vi(),
            stage,
            expected: self.step(),
        }
    }
}

/// Data of a round that officers change, each editable only at some steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Edit {
    /// The list of households to review.
    List,
    /// A household's review form (scoring, or a re-survey after a complaint).
    Form,
    /// The village meeting and its votes.
    Meeting,
    /// Filing a complaint.
    Complaint,
    /// Resolving a complaint.
    Resolution,
}

impl Edit {
    pub fn code(self) -> &'static str {
        match self {
            Edit::List => "list",
            Edit::Form => "form",
            Edit::Meeting => "meeting",
            Edit::Complaint => "complaint",
            Edit::Resolution => "resolution",
        }
    }
    pub fn vi(self) -> &'static str {
        match self {
            Edit::List => "danh sách hộ cần rà soát",
            Edit::Form => "phiếu rà soát",
            Edit::Meeting => "kết quả họp dân",
            Edit::Complaint => "khiếu nại",
            Edit::Resolution => "kết quả giải quyết khiếu nại",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Edit::List => "the list of households",
            Edit::Form => "a review form",
            Edit::Meeting => "the village meeting",
            Edit::Complaint => "a complaint",
            Edit::Resolution => "a complaint's resolution",
        }
    }
}

/// A deadline of the round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// `decision`, `posting_end`, `consultation_reply`.
    pub what: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    pub due: NaiveDate,
    /// The days count behind it is not confirmed.
    pub unconfirmed: Option<Caveat>,
}

impl Deadline {
    pub fn overdue(&self, today: NaiveDate) -> bool {
        today > self.due
    }
}

/// One review round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round {
    pub kind: RoundKind,
    /// The year of the review (the periodic window's year; a regular review's request year).
    pub year: i32,
    pub stage: Stage,
    /// The day the round was opened (a regular review: the day the request was received).
    pub opened_on: NaiveDate,
    /// The day the review starts (periodic: opened; regular: the next start day of a month).
    pub review_start: NaiveDate,
    /// The date of the latest action; later actions may not be dated earlier.
    pub last_action_on: NaiveDate,
    /// The day the current step began.
    pub stage_since: NaiveDate,
    /// The first day of the public posting, once posted.
    pub posted_on: Option<NaiveDate>,
    pub meetings: u32,
    pub approvals: u32,
    pub reopenings: u32,
}

impl Round {
    /// Opens the periodic round of `year` on `on`, which must fall inside the review window.
    pub fn open_periodic(year: i32, on: NaiveDate, wf: &Workflow) -> Result<Round, ReviewError> {
        let (start, end) = wf.window(year);
        if on < start || on > end {
            return Err(ReviewError::OutsideWindow { on, start, end });
        }
        Ok(Round::new(RoundKind::Periodic, year, on, on, wf))
    }

    /// Opens the regular review of one household's request received on `received`.
    pub fn open_regular(received: NaiveDate, wf: &Workflow) -> Round {
        Round::new(
            RoundKind::Regular,
            received.year(),
            received,
            wf.regular_start(received),
            wf,
        )
    }

    fn new(
        kind: RoundKind,
        year: i32,
        on: NaiveDate,
        review_start: NaiveDate,
        wf: &Workflow,
    ) -> Round {
        Round {
            kind,
            year,
            stage: wf.steps(kind).first().copied().unwrap_or(Stage::Scoring),
            opened_on: on,
            review_start,
            last_action_on: on,
            stage_since: on,
            posted_on: None,
            meetings: 0,
            approvals: 0,
            reopenings: 0,
        }
    }

    /// The step after `stage` for this kind of round.
    fn next(&self, wf: &Workflow) -> Stage {
        let steps = wf.steps(self.kind);
        steps
            .iter()
            .copied()
            .find(|s| *s > self.stage)
            .unwrap_or(Stage::Approved)
    }

    /// The last day of the posting period, once posted.
    pub fn posting_until(&self, wf: &Workflow) -> Option<NaiveDate> {
        self.posted_on.map(|d| wf.posting.last_day(d))
    }

    /// The round after `action`, or the refusal (the round is unchanged).
    pub fn apply(&self, action: &Action, wf: &Workflow) -> Result<Round, ReviewError> {
        let on = action.on();
        if on < self.last_action_on {
            return Err(ReviewError::DateOrder {
                on,
                previous: self.last_action_on,
            });
        }
        let mut r = self.clone();
        r.last_action_on = on;
        if let Action::Reopen { to, reason, .. } = action {
            if reason.trim().is_empty() {
                return Err(ReviewError::ReasonRequired);
            }
            if *to >= self.stage || !wf.steps(self.kind).contains(to) {
                return Err(ReviewError::ReopenTarget {
                    from: self.stage,
                    to: *to,
                });
            }
            r.stage = *to;
            r.stage_since = on;
            if *to <= Stage::Posting {
                r.posted_on = None;
            }
            r.reopenings += 1;
            return Ok(r);
        }
        let step = action.step();
        if self.stage.is_locked() && step != Some(Stage::Approved) {
            return Err(ReviewError::Locked { stage: self.stage });
        }
        if step != Some(self.stage) {
            return Err(action.out_of_order(self.stage));
        }
        let mut advance = true;
        match action {
            Action::CloseList { listed, .. } => {
                if *listed == 0 {
                    return Err(ReviewError::EmptyList);
                }
            }
            Action::FinishScoring { unscored, .. } => {
                if !unscored.is_empty() {
                    return Err(ReviewError::Unscored {
                        households: unscored.clone(),
                    });
                }
            }
            Action::RecordMeeting { failed, .. } => {
                r.meetings += 1;
                if !failed.is_empty() {
                    // Below the agreement needed: score those households again and meet again.
                    r.stage = Stage::Scoring;
                    r.stage_since = on;
                    return Ok(r);
                }
            }
            Action::Post { .. } => {
                if self.posted_on.is_some() {
                    return Err(action.out_of_order(self.stage));
                }
                r.posted_on = Some(on);
                advance = false;
            }
            Action::EndPosting { .. } => {
                let Some(until) = self.posting_until(wf) else {
                    return Err(ReviewError::NotPosted);
                };
                if on <= until {
                    return Err(ReviewError::PostingNotEnded { until });
                }
            }
            Action::CloseComplaints { open, .. } => {
                if *open > 0 {
                    return Err(ReviewError::OpenComplaints { count: *open });
                }
            }
            Action::Approve { .. } => r.approvals += 1,
            Action::RecordConsultation { .. } | Action::Report { .. } | Action::Reopen { .. } => {}
        }
        if advance {
            r.stage = if self.stage == Stage::Approved {
                Stage::Reported
            } else {
                self.next(wf)
            };
            r.stage_since = on;
        }
        Ok(r)
    }

    /// Whether `edit` is allowed now; the refusal otherwise.
    pub fn check_edit(&self, edit: Edit) -> Result<(), ReviewError> {
        if self.stage.is_locked() {
            return Err(ReviewError::Locked { stage: self.stage });
        }
        let ok = match edit {
            Edit::List => self.stage == Stage::Listing,
            Edit::Form => matches!(self.stage, Stage::Scoring | Stage::Complaints),
            Edit::Meeting => self.stage == Stage::Meeting,
            Edit::Complaint => {
                if self.stage == Stage::Posting && self.posted_on.is_none() {
                    return Err(ReviewError::NotPosted);
                }
                if self.stage != Stage::Posting {
                    return Err(ReviewError::ComplaintClosed);
                }
                true
            }
            Edit::Resolution => matches!(self.stage, Stage::Posting | Stage::Complaints),
        };
        if ok {
            Ok(())
        } else {
            Err(ReviewError::NotEditable {
                edit,
                stage: self.stage,
            })
        }
    }

    /// The round's deadlines at its current step.
    pub fn deadlines(&self, wf: &Workflow) -> Vec<Deadline> {
        let caveat = |name: &str, n: &Option<String>| {
            n.as_ref().map(|note| Caveat {
                subject: format!("workflow:{name}"),
                note: note.clone(),
            })
        };
        let mut out = Vec::new();
        if !self.stage.is_locked() {
            match self.kind {
                RoundKind::Periodic => out.push(Deadline {
                    what: "decision",
                    vi: "hạn kết thúc rà soát định kỳ",
                    en: "end of the periodic review window",
                    due: wf.window(self.year).1,
                    unconfirmed: None,
                }),
                RoundKind::Regular => out.push(Deadline {
                    what: "decision",
                    vi: "hạn quyết định công nhận và cấp giấy chứng nhận",
                    en: "decision and certificate due",
                    due: wf.decision_days.due(self.review_start),
                    unconfirmed: caveat("regular.decision_days", &wf.decision_days.unconfirmed),
                }),
            }
        }
        if self.stage == Stage::Posting
            && let Some(until) = self.posting_until(wf)
        {
            out.push(Deadline {
                what: "posting_end",
                vi: "ngày cuối niêm yết công khai",
                en: "last day of the public posting",
                due: until,
                unconfirmed: caveat("posting.days", &wf.posting.unconfirmed),
            });
        }
        if self.stage == Stage::Consultation {
            out.push(Deadline {
                what: "consultation_reply",
                vi: "hạn cấp trên cho ý kiến",
                en: "upper level's opinion due",
                due: wf.consultation_reply.due(self.stage_since),
                unconfirmed: caveat("consultation.reply", &wf.consultation_reply.unconfirmed),
            });
        }
        out
    }
}

/// How a complaint was settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComplaintOutcome {
    /// Founded: the household was surveyed again and its result changed.
    Upheld,
    /// Unfounded: the result stands.
    Rejected,
}

impl ComplaintOutcome {
    pub fn code(self) -> &'static str {
        match self {
            ComplaintOutcome::Upheld => "upheld",
            ComplaintOutcome::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<ComplaintOutcome> {
        [ComplaintOutcome::Upheld, ComplaintOutcome::Rejected]
            .into_iter()
            .find(|o| o.code() == s)
    }
    pub fn vi(self) -> &'static str {
        match self {
            ComplaintOutcome::Upheld => "có cơ sở, đã phúc tra và điều chỉnh",
            ComplaintOutcome::Rejected => "không có cơ sở, giữ nguyên kết quả",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            ComplaintOutcome::Upheld => "founded: re-surveyed and corrected",
            ComplaintOutcome::Rejected => "unfounded: the result stands",
        }
    }
}

/// A complaint about the posted results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Complaint {
    /// The household the complaint is about, when it names one.
    pub household: Option<String>,
    pub filed_on: NaiveDate,
    pub text: String,
    /// Resolution due (configurable days count, unconfirmed).
    pub due: NaiveDate,
    pub resolved: Option<(NaiveDate, ComplaintOutcome, String)>,
}

impl Complaint {
    /// Files a complaint on `on` (only while the results are posted).
    pub fn file(
        round: &Round,
        household: Option<String>,
        on: NaiveDate,
        text: &str,
        wf: &Workflow,
    ) -> Result<Complaint, ReviewError> {
        round.check_edit(Edit::Complaint)?;
        if on < round.last_action_on {
            return Err(ReviewError::DateOrder {
                on,
                previous: round.last_action_on,
            });
        }
        if let Some(until) = round.posting_until(wf)
            && on > until
        {
            return Err(ReviewError::ComplaintClosed);
        }
        Ok(Complaint {
            household,
            filed_on: on,
            text: text.trim().to_string(),
            due: wf.complaint_resolve.due(on),
            resolved: None,
        })
    }

    /// Settles the complaint.
    pub fn resolve(
        &self,
        round: &Round,
        on: NaiveDate,
        outcome: ComplaintOutcome,
        note: &str,
    ) -> Result<Complaint, ReviewError> {
        round.check_edit(Edit::Resolution)?;
        if self.resolved.is_some() {
            return Err(ReviewError::ComplaintResolved);
        }
        if on < self.filed_on {
            return Err(ReviewError::DateOrder {
                on,
                previous: self.filed_on,
            });
        }
        if note.trim().is_empty() {
            return Err(ReviewError::NoteRequired);
        }
        let mut c = self.clone();
        c.resolved = Some((on, outcome, note.trim().to_string()));
        Ok(c)
    }

    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.resolved.is_none() && today > self.due
    }
}

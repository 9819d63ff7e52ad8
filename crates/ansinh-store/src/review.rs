//! Storage of the review (rà soát): rounds and their steps, the list of households, the review forms
//! (every revision kept), village meetings with their votes, postings, complaints, and the approved
//! snapshots. Every step goes through the domain state machine ([`ansinh_domain::review::Round`]) inside
//! the write transaction, so a refused step writes nothing; every step writes an entry to the round's
//! event log (append-only) and to the audit trail.
//!
//! What the database itself guarantees (both backends, by triggers):
//! - snapshots and their entries, and the round event log, are never updated or deleted;
//! - the list, forms, meetings, votes, postings and complaints of an approved (or reported) round cannot
//!   be inserted, changed or deleted: reopening the round (with a reason) is the only way back;
//! - one periodic round per commune and year (a unique index).

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};

use ansinh_domain::registry::{HouseholdCode, HouseholdId, UnitId};
use ansinh_domain::review::{
    ComplaintOutcome, DeprivationForm, IncomeForm, Meeting, QuickScreen, ReviewError, Round,
    RoundKind, Stage, Workflow,
};
use ansinh_domain::standard::Class;

use crate::{ChangeContext, StoreError};

/// Store-assigned identity of a review round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoundId(pub i64);

impl std::fmt::Display for RoundId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An error of review storage: a refusal of the review itself, or a storage error.
#[derive(Debug, thiserror::Error)]
pub enum ReviewStoreError {
    #[error("{0}")]
    Review(#[from] ReviewError),
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Someone else changed the round since it was read: nothing was written.
    #[error("review round {round} was changed by someone else meanwhile; nothing was saved")]
    Stale { round: RoundId },
}

impl ReviewStoreError {
    pub fn code(&self) -> &'static str {
        match self {
            ReviewStoreError::Review(e) => e.code(),
            ReviewStoreError::Store(e) => e.code(),
            ReviewStoreError::Stale { .. } => "REVIEW_STALE",
        }
    }
    pub fn message_en(&self) -> String {
        self.to_string()
    }
    pub fn message_vi(&self) -> String {
        match self {
            ReviewStoreError::Review(e) => e.message_vi(),
            ReviewStoreError::Store(e) => e.message_vi(),
            ReviewStoreError::Stale { round } => {
                format!("đợt rà soát {round} vừa được người khác thay đổi; chưa có gì được lưu")
            }
        }
    }
    pub fn backend(e: impl std::fmt::Display) -> ReviewStoreError {
        ReviewStoreError::Store(StoreError::backend(e))
    }
}

pub type ReviewResult<T> = std::result::Result<T, ReviewStoreError>;

/// The form of an in-year request (Decision 24/2021, Art. 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestForm {
    /// Form 01: review for recognition as poor or near-poor.
    Form01,
    /// Form 04: recognition of escape from poverty or near-poverty.
    Form04,
}

impl RequestForm {
    pub fn code(self) -> &'static str {
        match self {
            RequestForm::Form01 => "form01",
            RequestForm::Form04 => "form04",
        }
    }
    pub fn parse(s: &str) -> Option<RequestForm> {
        [RequestForm::Form01, RequestForm::Form04]
            .into_iter()
            .find(|f| f.code() == s)
    }
}

/// A household's in-year request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub household: HouseholdId,
    pub form: RequestForm,
    /// `in_person`, `post`, `online`.
    pub channel: String,
}

/// A round to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRound {
    pub kind: RoundKind,
    /// The commune.
    pub unit: UnitId,
    /// The periodic round's year (a regular round takes the year of its request).
    pub year: i32,
    /// The standard the households are classified under (configurable per round: standards.md §0.1).
    pub standard_id: String,
    /// Opened on (a regular round: the day the request was received).
    pub on: NaiveDate,
    /// The request of a regular round (its only household).
    pub request: Option<Request>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRound {
    pub id: RoundId,
    pub unit: UnitId,
    pub standard_id: String,
    pub workflow_id: String,
    pub round: Round,
    pub request: Option<Request>,
    pub version: i64,
}

/// The steps the store completes with the facts it holds itself (the listed count, the unscored
/// households, the open complaints). The meeting, the approval and reopening have their own methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    CloseList,
    FinishScoring,
    Post,
    EndPosting,
    CloseComplaints,
    RecordConsultation,
    Report,
}

/// A household's review form as entered, with its scores (computed by the caller with the round's
/// scoring tables).
#[derive(Clone, Debug, PartialEq)]
pub struct FormInput {
    pub household: HouseholdId,
    pub surveyed_on: NaiveDate,
    pub tables_id: String,
    pub placeholder: bool,
    pub income: IncomeForm,
    pub deprivation: DeprivationForm,
    pub quick_screen: Option<QuickScreen>,
    pub score_a: i32,
    pub score_b: i32,
    pub class: Class,
    pub explanation_vi: String,
    pub explanation_en: String,
}

/// A saved form revision.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredForm {
    pub revision: i64,
    pub household_code: HouseholdCode,
    pub form: FormInput,
    pub actor: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredComplaint {
    pub id: i64,
    pub round: RoundId,
    pub household: Option<HouseholdId>,
    pub filed_on: NaiveDate,
    pub text: String,
    pub due: NaiveDate,
    pub resolved: Option<(NaiveDate, ComplaintOutcome, String)>,
}

/// One household in an approved snapshot: the result as decided, with its explanation, copied so that
/// later registry edits never change it.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotEntry {
    pub household: HouseholdId,
    pub household_code: HouseholdCode,
    /// The unit (village or commune) the household was recorded under at approval.
    pub unit: UnitId,
    pub class: Class,
    /// Transition code ([`ansinh_domain::review::Transition::code`]).
    pub transition: String,
    pub newly_escaped_until: Option<NaiveDate>,
    pub score_a: Option<i32>,
    pub score_b: Option<i32>,
    pub deprived: Vec<String>,
    pub explanation_vi: String,
    pub explanation_en: String,
    /// Unconfirmed points the result depends on.
    pub caveats: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub id: i64,
    pub round: RoundId,
    /// 1 for the first approval, 2 after a reopening and a new approval, …
    pub seq: i64,
    pub approved_on: NaiveDate,
    pub standard_id: String,
    pub actor: String,
    pub entries: Vec<SnapshotEntry>,
}

/// A recorded village meeting with its votes (by household code) and minutes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMeeting {
    pub id: i64,
    pub round: RoundId,
    pub meeting: Meeting,
    /// The household of each vote of `meeting.votes`, in the same order (household code order).
    pub households: Vec<HouseholdId>,
    pub minutes: String,
    /// Every result voted on was agreed.
    pub agreed: bool,
    pub actor: String,
}

/// One entry of a round's event log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub origin: String,
    /// The action code ([`ansinh_domain::review::Action::code`]), `open`, or an edit code.
    pub action: String,
    pub from: Option<Stage>,
    pub to: Option<Stage>,
    pub on: NaiveDate,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

/// Storage of review rounds. Every backend implements it and passes the same conformance suite.
pub trait ReviewStore: Send + Sync {
    /// Opens a round (periodic: inside the review window, one per commune and year; regular: for one
    /// household's request, which is its list).
    fn create_round(
        &self,
        ctx: &ChangeContext,
        new: &NewRound,
        wf: &Workflow,
    ) -> impl Future<Output = ReviewResult<StoredRound>> + Send;

    fn review_round(&self, id: RoundId) -> impl Future<Output = ReviewResult<StoredRound>> + Send;

    /// Rounds of a commune, in id order.
    fn review_rounds(
        &self,
        unit: UnitId,
    ) -> impl Future<Output = ReviewResult<Vec<StoredRound>>> + Send;

    /// Adds a household to the list (listing step only).
    fn add_to_list(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        household: HouseholdId,
        on: NaiveDate,
    ) -> impl Future<Output = ReviewResult<()>> + Send;

    /// The listed households with their codes, in code order.
    fn review_list(
        &self,
        round: RoundId,
    ) -> impl Future<Output = ReviewResult<Vec<(HouseholdId, HouseholdCode)>>> + Send;

    /// Saves a new revision of a listed household's form (scoring step, or a re-survey during
    /// complaints); returns the revision number.
    fn save_form(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        form: &FormInput,
    ) -> impl Future<Output = ReviewResult<i64>> + Send;

    /// The latest form of every listed household that has one, in household code order.
    fn review_forms(
        &self,
        round: RoundId,
    ) -> impl Future<Output = ReviewResult<Vec<StoredForm>>> + Send;

    /// Every revision of one household's form, oldest first.
    fn form_revisions(
        &self,
        round: RoundId,
        household: HouseholdId,
    ) -> impl Future<Output = ReviewResult<Vec<StoredForm>>> + Send;

    /// Records the village meeting (votes by household code) with its minutes, and completes the
    /// meeting step: on to posting when every result was agreed, back to scoring otherwise.
    fn record_meeting(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        meeting: &Meeting,
        minutes: &str,
        wf: &Workflow,
    ) -> impl Future<Output = ReviewResult<StoredRound>> + Send;

    /// The round's village meetings with their votes, oldest first.
    fn review_meetings(
        &self,
        round: RoundId,
    ) -> impl Future<Output = ReviewResult<Vec<StoredMeeting>>> + Send;

    /// Completes a step with the facts the store holds.
    fn advance(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        step: Step,
        on: NaiveDate,
        wf: &Workflow,
    ) -> impl Future<Output = ReviewResult<StoredRound>> + Send;

    fn file_complaint(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        household: Option<HouseholdId>,
        on: NaiveDate,
        text: &str,
        wf: &Workflow,
    ) -> impl Future<Output = ReviewResult<i64>> + Send;

    fn resolve_complaint(
        &self,
        ctx: &ChangeContext,
        complaint: i64,
        on: NaiveDate,
        outcome: ComplaintOutcome,
        note: &str,
        wf: &Workflow,
    ) -> impl Future<Output = ReviewResult<()>> + Send;

    fn complaints(
        &self,
        round: RoundId,
    ) -> impl Future<Output = ReviewResult<Vec<StoredComplaint>>> + Send;

    /// Approves the round and stores its immutable snapshot: `entries` must hold exactly the listed
    /// households. Returns the snapshot id.
    fn approve(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        on: NaiveDate,
        entries: &[SnapshotEntry],
        wf: &Workflow,
    ) -> impl Future<Output = ReviewResult<i64>> + Send;

    /// Reopens the round at an earlier step; needs `ctx.reason`. Earlier snapshots are kept.
    fn reopen(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        to: Stage,
        on: NaiveDate,
        wf: &Workflow,
    ) -> impl Future<Output = ReviewResult<StoredRound>> + Send;

    /// The round's snapshots, oldest first.
    fn snapshots(&self, round: RoundId)
    -> impl Future<Output = ReviewResult<Vec<Snapshot>>> + Send;

    /// The household's approved classes, oldest first: the latest snapshot of every round that has one,
    /// by approval date (for the transition labels). With `for_round`, the history that round's results
    /// are labelled against: the snapshots of that round itself are left out, so that a round reopened
    /// and approved again is compared with the earlier rounds, not with its own first approval.
    fn approved_history(
        &self,
        household: HouseholdId,
        for_round: Option<RoundId>,
    ) -> impl Future<Output = ReviewResult<Vec<(NaiveDate, Class)>>> + Send;

    /// The round's event log, oldest first.
    fn round_events(
        &self,
        round: RoundId,
    ) -> impl Future<Output = ReviewResult<Vec<RoundEvent>>> + Send;
}

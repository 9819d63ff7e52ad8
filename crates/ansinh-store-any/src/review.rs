//! [`ReviewStore`] for [`AnyStore`]: every method delegated to the backend held.

use chrono::NaiveDate;

use ansinh_domain::registry::{HouseholdCode, HouseholdId, UnitId};
use ansinh_domain::review::{ComplaintOutcome, Meeting, Stage, Workflow};
use ansinh_domain::standard::Class;
use ansinh_store::ChangeContext;
use ansinh_store::review::*;

use crate::{AnyStore, both};

impl ReviewStore for AnyStore {
    async fn create_round(
        &self,
        ctx: &ChangeContext,
        new: &NewRound,
        wf: &Workflow,
    ) -> ReviewResult<StoredRound> {
        both!(self, s => s.create_round(ctx, new, wf).await)
    }

    async fn review_round(&self, id: RoundId) -> ReviewResult<StoredRound> {
        both!(self, s => s.review_round(id).await)
    }

    async fn review_rounds(&self, unit: UnitId) -> ReviewResult<Vec<StoredRound>> {
        both!(self, s => s.review_rounds(unit).await)
    }

    async fn add_to_list(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        household: HouseholdId,
        on: NaiveDate,
    ) -> ReviewResult<()> {
        both!(self, s => s.add_to_list(ctx, round, household, on).await)
    }

    async fn review_list(&self, round: RoundId) -> ReviewResult<Vec<(HouseholdId, HouseholdCode)>> {
        both!(self, s => s.review_list(round).await)
    }

    async fn save_form(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        form: &FormInput,
    ) -> ReviewResult<i64> {
        both!(self, s => s.save_form(ctx, round, form).await)
    }

    async fn review_forms(&self, round: RoundId) -> ReviewResult<Vec<StoredForm>> {
        both!(self, s => s.review_forms(round).await)
    }

    async fn form_revisions(
        &self,
        round: RoundId,
        household: HouseholdId,
    ) -> ReviewResult<Vec<StoredForm>> {
        both!(self, s => s.form_revisions(round, household).await)
    }

    async fn record_meeting(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        meeting: &Meeting,
        minutes: &str,
        wf: &Workflow,
    ) -> ReviewResult<StoredRound> {
        both!(self, s => s.record_meeting(ctx, round, meeting, minutes, wf).await)
    }

    async fn review_meetings(&self, round: RoundId) -> ReviewResult<Vec<StoredMeeting>> {
        both!(self, s => s.review_meetings(round).await)
    }

    async fn advance(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        step: Step,
        on: NaiveDate,
        wf: &Workflow,
    ) -> ReviewResult<StoredRound> {
        both!(self, s => s.advance(ctx, round, step, on, wf).await)
    }

    async fn file_complaint(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        household: Option<HouseholdId>,
        on: NaiveDate,
        text: &str,
        wf: &Workflow,
    ) -> ReviewResult<i64> {
        both!(self, s => s.file_complaint(ctx, round, household, on, text, wf).await)
    }

    async fn resolve_complaint(
        &self,
        ctx: &ChangeContext,
        complaint: i64,
        on: NaiveDate,
        outcome: ComplaintOutcome,
        note: &str,
        wf: &Workflow,
    ) -> ReviewResult<()> {
        both!(self, s => s.resolve_complaint(ctx, complaint, on, outcome, note, wf).await)
    }

    async fn complaints(&self, round: RoundId) -> ReviewResult<Vec<StoredComplaint>> {
        both!(self, s => s.complaints(round).await)
    }

    async fn approve(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        on: NaiveDate,
        entries: &[SnapshotEntry],
        wf: &Workflow,
    ) -> ReviewResult<i64> {
        both!(self, s => s.approve(ctx, round, on, entries, wf).await)
    }

    async fn reopen(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        to: Stage,
        on: NaiveDate,
        wf: &Workflow,
    ) -> ReviewResult<StoredRound> {
        both!(self, s => s.reopen(ctx, round, to, on, wf).await)
    }

    async fn snapshots(&self, round: RoundId) -> ReviewResult<Vec<Snapshot>> {
        both!(self, s => s.snapshots(round).await)
    }

    async fn approved_history(
        &self,
        household: HouseholdId,
        for_round: Option<RoundId>,
    ) -> ReviewResult<Vec<(NaiveDate, Class)>> {
        both!(self, s => s.approved_history(household, for_round).await)
    }

    async fn round_events(&self, round: RoundId) -> ReviewResult<Vec<RoundEvent>> {
        both!(self, s => s.round_events(round).await)
    }
}

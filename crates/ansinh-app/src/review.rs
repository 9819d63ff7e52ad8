//! The review (rà soát) as use cases: opening a round, its steps, the list, forms and scoring, the
//! village meeting, complaints, the approval with its immutable snapshot, reopening, and what can be
//! done next ([`next_actions`]). Every operation checks the actor through [`crate::Scoped`] (role and
//! unit subtree) and then goes through the [`ansinh_store::review::ReviewStore`], whose state machine
//! refuses what is out of order and then writes nothing; a refusal comes back as
//! [`crate::AppError::Refused`] (or [`crate::AppError::BadInput`] for a form that does not score)
//! with its stable code and Vietnamese and English messages.
//!
//! What a household's form scores and the class it gives are computed here with the round's scoring
//! tables (placeholder tables say so in every result); the snapshot taken at approval copies each
//! household's latest form with its year status against its earlier approved statuses.

use ansinh_domain::StandardSet;

mod approval;
mod complaints;
mod forms;
mod lists;
mod meetings;
mod next;
mod rules;
mod steps;
mod units;

pub use approval::{approve, reopen, snapshot_entries};
pub use complaints::{complaint_overdue, file_complaint, resolve_complaint};
pub use forms::{
    FormDraft, FormStart, Scored, explain_household, form_input, form_start, listed_household,
    parse_date, round_tables, save_form, score, suggest,
};
pub use lists::{PostedRow, approved_counts, movement, posted_list};
pub use meetings::{MeetingDraft, pending_votes, record_meeting, store_meeting};
pub use next::{Next, access_of, next_actions, reopen_targets, step_code, step_of};
pub use rules::{Rules, dmy};
pub use steps::{add_to_list, advance, open_periodic, open_request};
pub use units::{commune_households, commune_of, province_of, subtree, unit_names, village_of};

/// What the review's use cases need besides the actor: the store, the review rules (workflows and
/// scoring tables) and the poverty standards.
pub struct Env<'a, S> {
    pub store: &'a S,
    pub rules: &'a Rules,
    pub standards: &'a StandardSet,
}

impl<S> Clone for Env<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Env<'_, S> {}

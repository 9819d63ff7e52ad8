//! A household's status for the year against its history of approved statuses (standards.md §5.6, §8.6):
//! remains poor, escaped poverty, newly poor (phát sinh) or re-poor (tái nghèo), …, and "newly escaped"
//! (hộ mới thoát nghèo), kept for a configurable number of months after the escape because policies
//! depend on it. The labels are derived (their legal definitions are unconfirmed); the windows come from
//! the workflow file and carry its caveats.

use chrono::NaiveDate;

use super::Caveat;
use super::workflow::{MonthCount, Workflow};
use crate::standard::Class;

/// How a household's status moved between its previous approved status and this one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transition {
    RemainsPoor,
    RemainsNearPoor,
    /// Poor before, near-poor now (escaped poverty, not near-poverty).
    EscapedPovertyToNearPoor,
    /// Poor before, neither poor nor near-poor now.
    EscapedPoverty,
    /// Near-poor before, neither now.
    EscapedNearPoverty,
    /// Near-poor before, poor now.
    PoorFromNearPoor,
    /// Poor, never poor before (or not within the look-back window).
    NewlyPoor,
    /// Poor again after having escaped poverty.
    RePoor,
    NewlyNearPoor,
    /// Near-poor again after having escaped poverty or near-poverty.
    ReNearPoor,
    /// Neither before nor now.
    NotPoor,
}

impl Transition {
    pub const ALL: [Transition; 11] = [
        Transition::RemainsPoor,
        Transition::RemainsNearPoor,
        Transition::EscapedPovertyToNearPoor,
        Transition::EscapedPoverty,
        Transition::EscapedNearPoverty,
        Transition::PoorFromNearPoor,
        Transition::NewlyPoor,
        Transition::RePoor,
        Transition::NewlyNearPoor,
        Transition::ReNearPoor,
        Transition::NotPoor,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Transition::RemainsPoor => "remains_poor",
            Transition::RemainsNearPoor => "remains_near_poor",
            Transition::EscapedPovertyToNearPoor => "escaped_poverty_to_near_poor",
            Transition::EscapedPoverty => "escaped_poverty",
            Transition::EscapedNearPoverty => "escaped_near_poverty",
            Transition::PoorFromNearPoor => "poor_from_near_poor",
            Transition::NewlyPoor => "newly_poor",
            Transition::RePoor => "re_poor",
            Transition::NewlyNearPoor => "newly_near_poor",
            Transition::ReNearPoor => "re_near_poor",
            Transition::NotPoor => "not_poor",
        }
    }
    pub fn parse(s: &str) -> Option<Transition> {
        Transition::ALL.into_iter().find(|t| t.code() == s)
    }
    pub fn vi(self) -> &'static str {
        match self {
            Transition::RemainsPoor => "hộ nghèo (tiếp tục)",
            Transition::RemainsNearPoor => "hộ cận nghèo (tiếp tục)",
            Transition::EscapedPovertyToNearPoor => "hộ thoát nghèo (thành hộ cận nghèo)",
            Transition::EscapedPoverty => "hộ thoát nghèo",
            Transition::EscapedNearPoverty => "hộ thoát cận nghèo",
            Transition::PoorFromNearPoor => "hộ cận nghèo trở thành hộ nghèo",
            Transition::NewlyPoor => "hộ nghèo phát sinh",
            Transition::RePoor => "hộ tái nghèo",
            Transition::NewlyNearPoor => "hộ cận nghèo phát sinh",
            Transition::ReNearPoor => "hộ tái cận nghèo",
            Transition::NotPoor => "hộ không nghèo",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Transition::RemainsPoor => "remains poor",
            Transition::RemainsNearPoor => "remains near-poor",
            Transition::EscapedPovertyToNearPoor => "escaped poverty (now near-poor)",
            Transition::EscapedPoverty => "escaped poverty",
            Transition::EscapedNearPoverty => "escaped near-poverty",
            Transition::PoorFromNearPoor => "near-poor became poor",
            Transition::NewlyPoor => "newly poor",
            Transition::RePoor => "re-poor",
            Transition::NewlyNearPoor => "newly near-poor",
            Transition::ReNearPoor => "re-near-poor",
            Transition::NotPoor => "not poor",
        }
    }
    /// The household left poverty with this transition.
    pub fn escapes_poverty(self) -> bool {
        matches!(
            self,
            Transition::EscapedPoverty | Transition::EscapedPovertyToNearPoor
        )
    }
}

fn poorish(c: Class) -> bool {
    matches!(c, Class::Poor | Class::NearPoor)
}

/// Dates on which the household left poverty (poor, then not poor at the next approval).
fn poverty_escapes(history: &[(NaiveDate, Class)]) -> impl Iterator<Item = NaiveDate> + '_ {
    history
        .windows(2)
        .filter(|w| w[0].1 == Class::Poor && w[1].1 != Class::Poor)
        .map(|w| w[1].0)
}

/// Dates on which the household left both poverty and near-poverty.
fn near_poverty_escapes(history: &[(NaiveDate, Class)]) -> impl Iterator<Item = NaiveDate> + '_ {
    history
        .windows(2)
        .filter(|w| poorish(w[0].1) && !poorish(w[1].1))
        .map(|w| w[1].0)
}

fn within(lookback: &MonthCount, escaped: NaiveDate, on: NaiveDate) -> bool {
    lookback.months == 0 || lookback.after(escaped) >= on
}

/// The status of one household for the year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearStatus {
    pub class: Class,
    pub transition: Transition,
    /// "Newly escaped" (hộ mới thoát nghèo) until this day, when it applies on the decision date.
    pub newly_escaped_until: Option<NaiveDate>,
    pub caveats: Vec<Caveat>,
}

impl YearStatus {
    /// The status of a household classified `class` by the decision of `on`, given its earlier approved
    /// statuses `history` (oldest first; the last one is the previous status).
    pub fn of(
        history: &[(NaiveDate, Class)],
        class: Class,
        on: NaiveDate,
        wf: &Workflow,
    ) -> YearStatus {
        let prev = history.last().map(|h| h.1);
        let lb = &wf.re_poor_lookback;
        let transition = match (prev, class) {
            (Some(Class::Poor), Class::Poor) => Transition::RemainsPoor,
            (Some(Class::Poor), Class::NearPoor) => Transition::EscapedPovertyToNearPoor,
            (Some(Class::Poor), _) => Transition::EscapedPoverty,
            (Some(Class::NearPoor), Class::Poor) => Transition::PoorFromNearPoor,
            (Some(Class::NearPoor), Class::NearPoor) => Transition::RemainsNearPoor,
            (Some(Class::NearPoor), _) => Transition::EscapedNearPoverty,
            (_, Class::Poor) => {
                if poverty_escapes(history).any(|d| within(lb, d, on)) {
                    Transition::RePoor
                } else {
                    Transition::NewlyPoor
                }
            }
            (_, Class::NearPoor) => {
                if near_poverty_escapes(history).any(|d| within(lb, d, on)) {
                    Transition::ReNearPoor
                } else {
                    Transition::NewlyNearPoor
                }
            }
            _ => Transition::NotPoor,
        };
        let mut timeline = history.to_vec();
        timeline.push((on, class));
        let newly_escaped_until = newly_escaped_until(&timeline, wf).filter(|until| *until > on);
        let mut caveats = Vec::new();
        let re = matches!(
            transition,
            Transition::RePoor
                | Transition::NewlyPoor
                | Transition::ReNearPoor
                | Transition::NewlyNearPoor
        );
        if re && let Some(n) = &lb.unconfirmed {
            caveats.push(Caveat {
                subject: "workflow:transitions.re_poor_lookback_months".into(),
                note: n.clone(),
            });
        }
        if newly_escaped_until.is_some()
            && let Some(n) = &wf.newly_escaped.unconfirmed
        {
            caveats.push(Caveat {
                subject: "workflow:transitions.newly_escaped_months".into(),
                note: n.clone(),
            });
        }
        YearStatus {
            class,
            transition,
            newly_escaped_until,
            caveats,
        }
    }
}

/// The end of the "newly escaped" window of a household with these approved statuses (oldest first):
/// its latest escape from poverty plus the workflow's months, when it has not been poor since.
pub fn newly_escaped_until(timeline: &[(NaiveDate, Class)], wf: &Workflow) -> Option<NaiveDate> {
    if timeline.last().is_none_or(|t| t.1 == Class::Poor) {
        return None;
    }
    poverty_escapes(timeline)
        .last()
        .map(|d| wf.newly_escaped.after(d))
}

/// Whether the household counts as newly escaped on `date`.
pub fn is_newly_escaped(timeline: &[(NaiveDate, Class)], date: NaiveDate, wf: &Workflow) -> bool {
    let upto: Vec<(NaiveDate, Class)> = timeline.iter().copied().filter(|t| t.0 <= date).collect();
    newly_escaped_until(&upto, wf).is_some_and(|until| date < until)
}

//! # ansinh-store
//!
//! The storage interface of the registry: one async trait, [`Store`], implemented by one crate per backend
//! (`ansinh-store-sqlite`, the default, and `ansinh-store-postgres`), both held to the same conformance
//! suite (`ansinh-store-tests`). This crate knows no SQL and no database driver.
//!
//! Rules every backend keeps:
//! - Text is stored NFC; every searchable name has a stored search key ([`ansinh_domain::text::search_key`])
//!   and a Vietnamese sort key ([`ansinh_domain::collation::vi_sort_key`]), computed here in Rust and
//!   indexed by the database.
//! - A citizen ID is a member of at most one live household, enforced by the database (a partial unique
//!   index over live memberships) and reported as [`StoreError::Conflict`] naming both households.
//! - A household and its members are saved under one version number: a save with an old version fails
//!   with [`StoreError::StaleVersion`] and writes nothing.
//! - Every insert, change and deletion writes an audit entry in the same transaction; changes and
//!   deletions need a reason. The audit trail and the classification history are append-only: the
//!   database itself refuses to update or delete their rows.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};

use ansinh_domain::money::Vnd;
use ansinh_domain::registry::{
    self, CitizenId, Household, HouseholdCode, HouseholdId, IncomeRecord, Member, MemberId, Unit,
    UnitCode, UnitId,
};
use ansinh_domain::standard::Class;
use ansinh_domain::text::NfcText;
use ansinh_domain::{Batch, text};

pub mod accounts;
pub mod error;
pub mod progress;
pub mod review;

pub use error::{AccountProblem, Entity, Invalid, ReorganisationProblem, Result, StoreError};

/// Who makes a change, from where, and why. Inserts need no reason; changes and deletions do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeContext {
    /// The officer's user name.
    pub actor: String,
    /// Where the change came from: an IP address, a host name, `cli`, `import:<file>`.
    pub origin: String,
    pub reason: Option<String>,
}

impl ChangeContext {
    pub fn new(actor: &str, origin: &str) -> ChangeContext {
        ChangeContext {
            actor: NfcText::new(actor).as_str().to_string(),
            origin: origin.trim().to_string(),
            reason: None,
        }
    }
    /// The same context with a reason.
    pub fn because(&self, reason: &str) -> ChangeContext {
        ChangeContext {
            reason: Some(NfcText::new(reason).as_str().to_string()),
            ..self.clone()
        }
    }
    /// The reason, required for a change or a deletion.
    pub fn required_reason(&self) -> Result<&str> {
        match self.reason.as_deref() {
            Some(r) if !r.trim().is_empty() => Ok(r),
            _ => Err(StoreError::Invalid(Invalid::ReasonRequired)),
        }
    }
}

/// A unit with its store identity.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredUnit {
    pub id: UnitId,
    pub unit: Unit,
}

/// A membership with its store identity.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredMember {
    pub id: MemberId,
    pub member: Member,
}

/// A household with its members (live and ended, oldest first) and its version.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredHousehold {
    pub id: HouseholdId,
    /// Increases by one with every saved change to the household or one of its members.
    pub version: i64,
    pub deleted: bool,
    pub household: Household,
    pub members: Vec<StoredMember>,
}

impl StoredHousehold {
    /// The member records, for [`registry::households_to_batch`].
    pub fn member_records(&self) -> Vec<Member> {
        self.members.iter().map(|m| m.member.clone()).collect()
    }
}

/// Administrative units reorganised on a date: every `from` unit ends the day before `on`, every `to` unit
/// begins on `on`, and each `from` unit gets every `to` unit as successor (merge: many → one; split:
/// one → many; rename or new parent: one → one). New units are created in the same transaction, after the
/// old ones are closed, so a new unit may take over an old unit's code.
#[derive(Clone, Debug, PartialEq)]
pub struct Reorganisation {
    pub on: NaiveDate,
    pub from: Vec<UnitId>,
    pub to: Vec<Successor>,
}

/// A unit a reorganisation leads to.
#[derive(Clone, Debug, PartialEq)]
pub enum Successor {
    /// A unit already recorded (it must begin on the reorganisation date).
    Existing(UnitId),
    /// A unit to record (its `valid_from` must be the reorganisation date).
    New(Unit),
}

/// A household found by search.
#[derive(Clone, Debug, PartialEq)]
pub struct HouseholdHit {
    pub id: HouseholdId,
    pub code: HouseholdCode,
    pub unit: UnitId,
    pub head_name: NfcText,
    pub address: NfcText,
}

/// A live member found by search.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberHit {
    pub id: MemberId,
    pub household: HouseholdId,
    pub household_code: HouseholdCode,
    pub full_name: NfcText,
    pub date_of_birth: Option<NaiveDate>,
}

/// One classification of a household, as decided by a standard on a date.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassificationRecord {
    pub household: HouseholdId,
    pub standard_id: String,
    /// The date the data was taken as of.
    pub as_of: NaiveDate,
    /// `None`: incomplete (data missing that could change the class).
    pub class: Option<Class>,
    pub deficit_count: u8,
    /// Ids of the indicators on which the household is deprived.
    pub deprived: Vec<String>,
    pub income_per_capita_vnd: Option<i64>,
    /// The standard has points not yet checked against the official text.
    pub unconfirmed: bool,
}

/// A classification kept in the history (never changed, never deleted).
#[derive(Clone, Debug, PartialEq)]
pub struct ClassificationEntry {
    pub id: i64,
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub record: ClassificationRecord,
}

/// Stable code of a class in storage (`incomplete` for `None`).
pub fn class_code(c: Option<Class>) -> &'static str {
    c.map_or("incomplete", Class::code)
}

/// The class of a stored code; `Err` for an unknown code.
pub fn class_from_code(s: &str) -> Result<Option<Class>> {
    if s == "incomplete" {
        return Ok(None);
    }
    Class::ALL
        .into_iter()
        .find(|c| c.code() == s)
        .map(Some)
        .ok_or_else(|| StoreError::backend(format!("unknown class code `{s}`")))
}

/// What an audit entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    Insert,
    Update,
    Delete,
    /// An application event that changes no record.
    Event,
}

impl AuditAction {
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Insert => "insert",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::Event => "event",
        }
    }
    pub fn from_code(s: &str) -> Option<AuditAction> {
        [
            AuditAction::Insert,
            AuditAction::Update,
            AuditAction::Delete,
            AuditAction::Event,
        ]
        .into_iter()
        .find(|a| a.code() == s)
    }
}

/// An application event for the audit trail (the store writes the entries for its own changes itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub entity: Entity,
    pub entity_id: Option<i64>,
    /// A JSON value describing the event.
    pub detail: String,
}

/// One entry of the audit trail: who, when, from where, what, old and new value (JSON), why.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub origin: String,
    pub action: AuditAction,
    pub entity: Entity,
    pub entity_id: Option<i64>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
}

/// JSON of a record for the audit trail.
pub fn audit_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(StoreError::backend)
}

/// Search and sort keys of a text, as every backend stores them.
pub fn keys(t: &NfcText) -> (String, Vec<u8>) {
    (
        text::search_key(t.as_str()),
        ansinh_domain::collation::vi_sort_key(t.as_str()),
    )
}

/// The folded search text of a query and the exclusive upper bound of its prefix range: a key `k` starts
/// with the query when `lo <= k < hi` (byte order, which both backends use for key columns).
pub fn prefix_range(query: &str) -> (String, String) {
    let lo = text::search_key(query);
    let mut hi = lo.clone();
    hi.push(char::MAX);
    (lo, hi)
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A unit an import records when no unit with its code is valid on its `valid_from` (otherwise the
/// recorded unit is kept as it is). `unit.parent` is ignored: the parent is named by code, valid on
/// `valid_from`, recorded earlier or earlier in the same import.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportUnit {
    pub unit: Unit,
    pub parent_code: Option<UnitCode>,
}

/// An income an import records. Undated incomes are taken as of [`ImportBatch::as_of`]; an income that
/// is already recorded (same date and amount, or, undated, the latest recorded amount) changes nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportIncome {
    pub monthly_income_vnd: Vnd,
    pub recorded_on: Option<NaiveDate>,
}

/// One household of an import with its members, as the file has them.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportHousehold {
    /// The household's data; `unit` and `incomes` are ignored (see `unit_code` and `income`).
    pub household: Household,
    /// The unit, by code valid on [`ImportBatch::as_of`].
    pub unit_code: UnitCode,
    pub income: Option<ImportIncome>,
    /// Members are matched to recorded ones by citizen ID, else by name (case and diacritics ignored)
    /// and date of birth. Recorded members the file does not name are kept.
    pub members: Vec<Member>,
}

/// Everything one import writes, in one transaction: all of it or nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportBatch {
    pub units: Vec<ImportUnit>,
    pub households: Vec<ImportHousehold>,
    pub as_of: NaiveDate,
    /// Household and member fields the file has no column for: recorded values of these are kept.
    pub absent_household_fields: Vec<String>,
    pub absent_member_fields: Vec<String>,
}

/// What an import changed. A re-import of the same data changes nothing and writes no audit entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub units_inserted: u64,
    pub households_inserted: u64,
    pub households_updated: u64,
    pub households_unchanged: u64,
    pub members_inserted: u64,
    pub members_updated: u64,
    pub members_unchanged: u64,
}

impl ImportSummary {
    /// Whether the import wrote anything.
    pub fn changed(&self) -> bool {
        self.units_inserted
            + self.households_inserted
            + self.households_updated
            + self.members_inserted
            + self.members_updated
            > 0
    }
}

/// Whether two member records are the same person for an import: the same citizen ID, or, when either
/// has none, the same name (case and diacritics ignored) and date of birth.
pub fn same_person(a: &Member, b: &Member) -> bool {
    match (&a.citizen_id, &b.citizen_id) {
        (Some(x), Some(y)) => x == y,
        _ => {
            a.date_of_birth == b.date_of_birth
                && text::search_key(a.full_name.as_str()) == text::search_key(b.full_name.as_str())
        }
    }
}

/// The incomes of a household after an import adds `income` (undated: as of `as_of`), or `None` when the
/// income is already recorded.
pub fn merge_income(
    recorded: &[IncomeRecord],
    income: &ImportIncome,
    as_of: NaiveDate,
) -> Option<Vec<IncomeRecord>> {
    let amount = income.monthly_income_vnd;
    match income.recorded_on {
        None => {
            let latest = recorded.iter().max_by_key(|r| r.recorded_on);
            if latest.is_some_and(|r| r.monthly_income_vnd == amount) {
                return None;
            }
            let mut out: Vec<IncomeRecord> = recorded
                .iter()
                .filter(|r| r.recorded_on != as_of)
                .cloned()
                .collect();
            out.push(IncomeRecord {
                recorded_on: as_of,
                monthly_income_vnd: amount,
                note: None,
            });
            Some(out)
        }
        Some(d) => {
            if recorded
                .iter()
                .any(|r| r.recorded_on == d && r.monthly_income_vnd == amount)
            {
                return None;
            }
            let mut out: Vec<IncomeRecord> = recorded
                .iter()
                .filter(|r| r.recorded_on != d)
                .cloned()
                .collect();
            out.push(IncomeRecord {
                recorded_on: d,
                monthly_income_vnd: amount,
                note: None,
            });
            out.sort_by_key(|r| r.recorded_on);
            Some(out)
        }
    }
}

/// The registry's storage. Every backend implements it and passes the same conformance suite.
///
/// Methods return `Send` futures so a multi-threaded web server can hold any implementation; the
/// application is generic over `S: Store` (no dynamic dispatch).
pub trait Store: Send + Sync {
    // --- administrative units -----------------------------------------------------------------------

    /// Records a unit. Fails with `Invalid::UnitOverlap` when another unit with the same code is valid
    /// during part of the period, and `NotFound` when the parent does not exist.
    fn create_unit(
        &self,
        ctx: &ChangeContext,
        unit: &Unit,
    ) -> impl Future<Output = Result<UnitId>> + Send;

    fn unit(&self, id: UnitId) -> impl Future<Output = Result<StoredUnit>> + Send;

    /// The unit with this code valid on `on`, if any.
    fn unit_at(
        &self,
        code: &UnitCode,
        on: NaiveDate,
    ) -> impl Future<Output = Result<Option<StoredUnit>>> + Send;

    /// Units valid on `on` under `parent` (top-level units for `None`), in Vietnamese order of name.
    fn units_on(
        &self,
        on: NaiveDate,
        parent: Option<UnitId>,
    ) -> impl Future<Output = Result<Vec<StoredUnit>>> + Send;

    /// Records a merge, split or rename on a date (see [`Reorganisation`]), closing the old units and
    /// creating the new ones; returns the ids of the `to` units in order. Needs a reason (the decision).
    fn reorganise(
        &self,
        ctx: &ChangeContext,
        change: &Reorganisation,
    ) -> impl Future<Output = Result<Vec<UnitId>>> + Send;

    /// The direct successors of a unit, with the date each succession took effect.
    fn successors(
        &self,
        id: UnitId,
    ) -> impl Future<Output = Result<Vec<(UnitId, NaiveDate)>>> + Send;

    /// The units valid on `on` that a unit has become (itself if still valid; its successors' successors
    /// across several reorganisations; several units when it was split), ordered by code. Reports use it
    /// to map records onto today's units; the records themselves keep their unit.
    fn current_units(
        &self,
        id: UnitId,
        on: NaiveDate,
    ) -> impl Future<Output = Result<Vec<StoredUnit>>> + Send {
        async move {
            let mut seen = BTreeSet::new();
            let mut todo = vec![id];
            let mut out = BTreeMap::new();
            while let Some(u) = todo.pop() {
                if !seen.insert(u) {
                    continue;
                }
                let su = self.unit(u).await?;
                if su.unit.is_valid_on(on) {
                    out.insert((su.unit.code.clone(), su.id), su);
                    continue;
                }
                if su.unit.valid_from > on {
                    continue;
                }
                for (next, effective) in self.successors(u).await? {
                    if effective <= on {
                        todo.push(next);
                    }
                }
            }
            Ok(out.into_values().collect())
        }
    }

    // --- households and members ---------------------------------------------------------------------

    /// Records a new household with its members (version 1). Fails with `Duplicate` for a code already
    /// used, and with `Conflict` when a member's citizen ID is a live member elsewhere.
    fn create_household(
        &self,
        ctx: &ChangeContext,
        household: &Household,
        members: &[Member],
    ) -> impl Future<Output = Result<StoredHousehold>> + Send;

    /// A household with all its memberships (also a deleted one, marked `deleted`).
    fn household(&self, id: HouseholdId) -> impl Future<Output = Result<StoredHousehold>> + Send;

    fn household_by_code(
        &self,
        code: &HouseholdCode,
    ) -> impl Future<Output = Result<StoredHousehold>> + Send;

    /// Live (not deleted) households recorded under any of these units, ordered by code.
    fn households_in_units(
        &self,
        units: &[UnitId],
    ) -> impl Future<Output = Result<Vec<StoredHousehold>>> + Send;

    /// Saves the household's own data (incomes included) if its version is still `expected_version`;
    /// returns the new version. Needs a reason.
    fn update_household(
        &self,
        ctx: &ChangeContext,
        id: HouseholdId,
        expected_version: i64,
        household: &Household,
    ) -> impl Future<Output = Result<i64>> + Send;

    /// Adds a member to the household if its version is still `expected_version`; returns the member's
    /// id and the household's new version.
    fn add_member(
        &self,
        ctx: &ChangeContext,
        household: HouseholdId,
        expected_version: i64,
        member: &Member,
    ) -> impl Future<Output = Result<(MemberId, i64)>> + Send;

    /// Saves a member (setting `end_date` ends the membership) if the household's version is still
    /// `expected_version`; returns the household's new version. Needs a reason.
    fn update_member(
        &self,
        ctx: &ChangeContext,
        member: MemberId,
        expected_version: i64,
        data: &Member,
    ) -> impl Future<Output = Result<i64>> + Send;

    /// Deletes a household (kept, marked deleted, its live memberships ended on `on`) if its version is
    /// still `expected_version`. Needs a reason. Its classification history and audit trail remain.
    fn delete_household(
        &self,
        ctx: &ChangeContext,
        id: HouseholdId,
        expected_version: i64,
        on: NaiveDate,
    ) -> impl Future<Output = Result<()>> + Send;

    // --- bulk ---------------------------------------------------------------------------------------

    /// Records an import in one transaction: missing units, then households by code (new ones inserted,
    /// changed ones updated under a new version, unchanged ones left alone) with their members. Any
    /// failure writes nothing; so does a process killed part-way. Changes need a reason.
    fn import(
        &self,
        ctx: &ChangeContext,
        batch: &ImportBatch,
    ) -> impl Future<Output = Result<ImportSummary>> + Send;

    /// The live memberships of these citizen IDs: `(id, household code)`.
    fn live_memberships(
        &self,
        citizen_ids: &[CitizenId],
    ) -> impl Future<Output = Result<Vec<(CitizenId, HouseholdCode)>>> + Send;

    /// Up to `limit` live households with ids after `after`, in id order, with members and incomes,
    /// optionally only those recorded under `units`. Exports and quality checks page through this.
    fn households_page(
        &self,
        after: Option<HouseholdId>,
        units: Option<&[UnitId]>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredHousehold>>> + Send;

    /// Every unit ever recorded, in id order.
    fn all_units(&self) -> impl Future<Output = Result<Vec<StoredUnit>>> + Send;

    // --- search ------------------------------------------------------------------------------------

    /// Live households whose head's name or address has a word starting with the query, ignoring case and
    /// diacritics (đ included), in Vietnamese order of the head's name.
    fn search_households(
        &self,
        query: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<HouseholdHit>>> + Send;

    /// Live members whose name has a word starting with the query (case and diacritics ignored), in
    /// Vietnamese order of name.
    fn search_members(
        &self,
        query: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<MemberHit>>> + Send;

    // --- classification history and audit -----------------------------------------------------------

    /// Appends a classification to the household's history (kept forever); returns its id.
    fn append_classification(
        &self,
        ctx: &ChangeContext,
        record: &ClassificationRecord,
    ) -> impl Future<Output = Result<i64>> + Send;

    /// The household's classifications, oldest first.
    fn classification_history(
        &self,
        household: HouseholdId,
    ) -> impl Future<Output = Result<Vec<ClassificationEntry>>> + Send;

    /// Appends an application event to the audit trail; returns its id.
    fn append_audit(
        &self,
        ctx: &ChangeContext,
        event: &AuditEvent,
    ) -> impl Future<Output = Result<i64>> + Send;

    /// Audit entries about one record (or about every record of the kind when `entity_id` is `None`),
    /// oldest first.
    fn audit_trail(
        &self,
        entity: Entity,
        entity_id: Option<i64>,
    ) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;
}

/// Stored households as a [`Batch`] for classification as of a date: the area of each household is its
/// own or else its unit's. Returns the household ids in batch order.
pub async fn batch_of<S: Store>(
    store: &S,
    households: &[StoredHousehold],
    as_of: NaiveDate,
) -> Result<(Vec<HouseholdId>, Batch)> {
    let mut areas = BTreeMap::new();
    for h in households {
        if let std::collections::btree_map::Entry::Vacant(e) = areas.entry(h.household.unit) {
            e.insert(store.unit(h.household.unit).await?.unit.area);
        }
    }
    let members: Vec<Vec<Member>> = households.iter().map(|h| h.member_records()).collect();
    let items: Vec<(&Household, &[Member])> = households
        .iter()
        .zip(&members)
        .map(|(h, m)| (&h.household, m.as_slice()))
        .collect();
    let batch = registry::households_to_batch(&items, as_of, |u| areas.get(&u).copied().flatten())?;
    Ok((households.iter().map(|h| h.id).collect(), batch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_range_brackets_every_key_starting_with_the_query() {
        let (lo, hi) = prefix_range("  ĐỨC ");
        assert_eq!(lo, "duc");
        for k in ["duc", "duc anh", "ducz", "duc\u{10fff}"] {
            assert!(lo.as_str() <= k && k < hi.as_str(), "{k}");
        }
        for k in ["du", "dud", "nguyen van duc"] {
            assert!(!(lo.as_str() <= k && k < hi.as_str()), "{k}");
        }
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
    }

    #[test]
    fn reasons_are_required_for_changes() {
        let ctx = ChangeContext::new("cb_xa", "127.0.0.1");
        assert!(matches!(
            ctx.required_reason(),
            Err(StoreError::Invalid(Invalid::ReasonRequired))
        ));
        assert!(ctx.because("  ").required_reason().is_err());
        assert_eq!(ctx.because("sai tên").required_reason().unwrap(), "sai tên");
        for c in [None, Some(Class::Poor), Some(Class::NotPoor)] {
            assert_eq!(class_from_code(class_code(c)).unwrap(), c);
        }
    }
}

//! [`Store`] for [`AnyStore`]: every method delegated to the backend held.

use chrono::NaiveDate;

use ansinh_domain::registry::{
    CitizenId, Household, HouseholdCode, HouseholdId, Member, MemberId, Unit, UnitCode, UnitId,
};
use ansinh_store::*;

use crate::{AnyStore, both};

impl Store for AnyStore {
    async fn create_unit(&self, ctx: &ChangeContext, unit: &Unit) -> Result<UnitId> {
        both!(self, s => s.create_unit(ctx, unit).await)
    }

    async fn unit(&self, id: UnitId) -> Result<StoredUnit> {
        both!(self, s => s.unit(id).await)
    }

    async fn unit_at(&self, code: &UnitCode, on: NaiveDate) -> Result<Option<StoredUnit>> {
        both!(self, s => s.unit_at(code, on).await)
    }

    async fn units_on(&self, on: NaiveDate, parent: Option<UnitId>) -> Result<Vec<StoredUnit>> {
        both!(self, s => s.units_on(on, parent).await)
    }

    async fn reorganise(
        &self,
        ctx: &ChangeContext,
        change: &Reorganisation,
    ) -> Result<Vec<UnitId>> {
        both!(self, s => s.reorganise(ctx, change).await)
    }

    async fn successors(&self, id: UnitId) -> Result<Vec<(UnitId, NaiveDate)>> {
        both!(self, s => s.successors(id).await)
    }

    async fn create_household(
        &self,
        ctx: &ChangeContext,
        household: &Household,
        members: &[Member],
    ) -> Result<StoredHousehold> {
        both!(self, s => s.create_household(ctx, household, members).await)
    }

    async fn household(&self, id: HouseholdId) -> Result<StoredHousehold> {
        both!(self, s => s.household(id).await)
    }

    async fn household_by_code(&self, code: &HouseholdCode) -> Result<StoredHousehold> {
        both!(self, s => s.household_by_code(code).await)
    }

    async fn households_in_units(&self, units: &[UnitId]) -> Result<Vec<StoredHousehold>> {
        both!(self, s => s.households_in_units(units).await)
    }

    async fn update_household(
        &self,
        ctx: &ChangeContext,
        id: HouseholdId,
        expected_version: i64,
        household: &Household,
    ) -> Result<i64> {
        both!(self, s => s.update_household(ctx, id, expected_version, household).await)
    }

    async fn add_member(
        &self,
        ctx: &ChangeContext,
        household: HouseholdId,
        expected_version: i64,
        member: &Member,
    ) -> Result<(MemberId, i64)> {
        both!(self, s => s.add_member(ctx, household, expected_version, member).await)
    }

    async fn update_member(
        &self,
        ctx: &ChangeContext,
        member: MemberId,
        expected_version: i64,
        data: &Member,
    ) -> Result<i64> {
        both!(self, s => s.update_member(ctx, member, expected_version, data).await)
    }

    async fn delete_household(
        &self,
        ctx: &ChangeContext,
        id: HouseholdId,
        expected_version: i64,
        on: NaiveDate,
    ) -> Result<()> {
        both!(self, s => s.delete_household(ctx, id, expected_version, on).await)
    }

    async fn import(&self, ctx: &ChangeContext, batch: &ImportBatch) -> Result<ImportSummary> {
        both!(self, s => s.import(ctx, batch).await)
    }

    async fn live_memberships(
        &self,
        citizen_ids: &[CitizenId],
    ) -> Result<Vec<(CitizenId, HouseholdCode)>> {
        both!(self, s => s.live_memberships(citizen_ids).await)
    }

    async fn households_page(
        &self,
        after: Option<HouseholdId>,
        units: Option<&[UnitId]>,
        limit: u32,
    ) -> Result<Vec<StoredHousehold>> {
        both!(self, s => s.households_page(after, units, limit).await)
    }

    async fn all_units(&self) -> Result<Vec<StoredUnit>> {
        both!(self, s => s.all_units().await)
    }

    async fn search_households(&self, query: &str, limit: u32) -> Result<Vec<HouseholdHit>> {
        both!(self, s => s.search_households(query, limit).await)
    }

    async fn search_members(&self, query: &str, limit: u32) -> Result<Vec<MemberHit>> {
        both!(self, s => s.search_members(query, limit).await)
    }

    async fn append_classification(
        &self,
        ctx: &ChangeContext,
        record: &ClassificationRecord,
    ) -> Result<i64> {
        both!(self, s => s.append_classification(ctx, record).await)
    }

    async fn classification_history(
        &self,
        household: HouseholdId,
    ) -> Result<Vec<ClassificationEntry>> {
        both!(self, s => s.classification_history(household).await)
    }

    async fn append_audit(&self, ctx: &ChangeContext, event: &AuditEvent) -> Result<i64> {
        both!(self, s => s.append_audit(ctx, event).await)
    }

    async fn audit_trail(&self, entity: Entity, entity_id: Option<i64>) -> Result<Vec<AuditEntry>> {
        both!(self, s => s.audit_trail(entity, entity_id).await)
    }
}

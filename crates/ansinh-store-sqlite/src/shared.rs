// The SQL both backends run, written once: `$N` placeholders, `RETURNING`, `LIKE … ESCAPE` and
// `ON CONFLICT DO NOTHING` mean the same on SQLite and PostgreSQL. This file is `include!`d by
// `ansinh-store-sqlite` and by `ansinh-store-postgres`; each supplies, before the include:
//
// - `type Db` (the sqlx database) and `type DbConn` (its connection type);
// - `type Backend`, a struct with a `pool: sqlx::Pool<Db>` field;
// - `impl Backend { async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Db>> }`;
// - `fn constraint_of(e: &sqlx::Error) -> Option<Constraint>` naming the unique constraint a write broke.
//
// Dialect differences (DDL, types, connection settings, write locking) stay in each crate.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use sqlx::{Row, Transaction};

use ansinh_domain::registry::{
    Area, CitizenId, Education, Household, HouseholdCode, HouseholdId, Housing, IncomeRecord,
    Labour, Member, MemberId, Relation, Sex, Toilet, Unit, UnitCode, UnitId, UnitKind, Water,
};
use ansinh_domain::text::NfcText;
use ansinh_domain::money::Vnd;
use ansinh_store::{
    AuditAction, AuditEntry, AuditEvent, ChangeContext, ClassificationEntry, ClassificationRecord,
    Entity, HouseholdHit, ImportBatch, ImportHousehold, ImportSummary, Invalid, MemberHit,
    merge_income, same_person, Reorganisation, ReorganisationProblem, Result, Successor,
    StoreError, StoredHousehold, StoredMember, StoredUnit, audit_json, class_code,
    class_from_code, keys, like_escape, prefix_range,
};

/// A unique constraint of the schema, as reported by [`constraint_of`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Constraint {
    LiveCitizenId,
    HouseholdCode,
    UnitCodeFrom,
}

type DbRow = <Db as sqlx::Database>::Row;
type Q<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>;

fn db(e: sqlx::Error) -> StoreError {
    StoreError::backend(e)
}

fn get<'r, T>(row: &'r DbRow, col: &str) -> Result<T>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    row.try_get(col).map_err(db)
}

/// Parses an optional coded column.
fn coded<T>(row: &DbRow, col: &str, parse: fn(&str) -> Result<T, ansinh_domain::registry::RegistryError>) -> Result<Option<T>> {
    let s: Option<String> = get(row, col)?;
    s.map(|s| parse(&s).map_err(|e| StoreError::backend(format!("column {col}: {e}"))))
        .transpose()
}

fn text(row: &DbRow, col: &str) -> Result<NfcText> {
    let s: String = get(row, col)?;
    Ok(NfcText::new(&s))
}

fn opt_text(row: &DbRow, col: &str) -> Result<Option<NfcText>> {
    let s: Option<String> = get(row, col)?;
    Ok(s.map(|s| NfcText::new(&s)))
}

const UNIT_COLS: &str = "id, code, name, kind, area, parent_id, valid_from, valid_to";

fn unit_from_row(row: &DbRow) -> Result<StoredUnit> {
    let code: String = get(row, "code")?;
    let kind: String = get(row, "kind")?;
    let parent: Option<i64> = get(row, "parent_id")?;
    Ok(StoredUnit {
        id: UnitId(get(row, "id")?),
        unit: Unit {
            code: UnitCode::parse(&code).map_err(StoreError::backend)?,
            name: text(row, "name")?,
            kind: UnitKind::parse(&kind).map_err(StoreError::backend)?,
            area: coded(row, "area", Area::parse)?,
            parent: parent.map(UnitId),
            valid_from: get(row, "valid_from")?,
            valid_to: get(row, "valid_to")?,
        },
    })
}

const HOUSEHOLD_COLS: &str = "id, code, unit_id, version, deleted_at, address, head_name, area, \
    housing_quality, floor_area_m2, water_source, toilet, uses_telecom, has_info_device, \
    hears_loudspeaker, uses_internet, uses_digital_services, waste_treated";

/// Household columns after `code`, `unit_id` in INSERT and UPDATE order.
const HOUSEHOLD_DATA_COLS: [&str; 17] = [
    "address",
    "address_key",
    "head_name",
    "head_key",
    "head_sort",
    "area",
    "housing_quality",
    "floor_area_m2",
    "water_source",
    "toilet",
    "uses_telecom",
    "has_info_device",
    "hears_loudspeaker",
    "uses_internet",
    "uses_digital_services",
    "waste_treated",
    "unit_id",
];

fn bind_household<'q>(q: Q<'q>, h: &Household) -> Q<'q> {
    let (address_key, _) = keys(&h.address);
    let (head_key, head_sort) = keys(&h.head_name);
    q.bind(h.address.as_str().to_string())
        .bind(address_key)
        .bind(h.head_name.as_str().to_string())
        .bind(head_key)
        .bind(head_sort)
        .bind(h.area.map(Area::code))
        .bind(h.housing_quality.map(Housing::code))
        .bind(h.floor_area_m2)
        .bind(h.water_source.map(Water::code))
        .bind(h.toilet.map(Toilet::code))
        .bind(h.uses_telecom)
        .bind(h.has_info_device)
        .bind(h.hears_loudspeaker)
        .bind(h.uses_internet)
        .bind(h.uses_digital_services)
        .bind(h.waste_treated)
        .bind(h.unit.0)
}

fn household_from_row(row: &DbRow) -> Result<(HouseholdId, i64, bool, Household)> {
    let code: String = get(row, "code")?;
    let deleted: Option<chrono::DateTime<Utc>> = get(row, "deleted_at")?;
    let h = Household {
        code: HouseholdCode::parse(&code).map_err(StoreError::backend)?,
        unit: UnitId(get(row, "unit_id")?),
        address: text(row, "address")?,
        head_name: text(row, "head_name")?,
        area: coded(row, "area", Area::parse)?,
        housing_quality: coded(row, "housing_quality", Housing::parse)?,
        floor_area_m2: get(row, "floor_area_m2")?,
        water_source: coded(row, "water_source", Water::parse)?,
        toilet: coded(row, "toilet", Toilet::parse)?,
        uses_telecom: get(row, "uses_telecom")?,
        has_info_device: get(row, "has_info_device")?,
        hears_loudspeaker: get(row, "hears_loudspeaker")?,
        uses_internet: get(row, "uses_internet")?,
        uses_digital_services: get(row, "uses_digital_services")?,
        waste_treated: get(row, "waste_treated")?,
        incomes: Vec::new(),
    };
    Ok((
        HouseholdId(get(row, "id")?),
        get(row, "version")?,
        deleted.is_some(),
        h,
    ))
}

const MEMBER_COLS: &str = "id, household_id, full_name, date_of_birth, sex, relation, citizen_id, \
    ethnicity, labour_status, has_health_insurance, education_level, attending_school, in_training, \
    stunted_or_underweight, is_disabled, receives_social_allowance, sick_untreated, start_date, end_date";

/// Member columns in INSERT and UPDATE order.
const MEMBER_DATA_COLS: [&str; 20] = [
    "full_name",
    "name_key",
    "name_sort",
    "date_of_birth",
    "sex",
    "relation",
    "citizen_id",
    "ethnicity",
    "labour_status",
    "has_health_insurance",
    "education_level",
    "attending_school",
    "in_training",
    "stunted_or_underweight",
    "is_disabled",
    "receives_social_allowance",
    "sick_untreated",
    "start_date",
    "end_date",
    "household_id",
];

fn bind_member<'q>(q: Q<'q>, household: HouseholdId, m: &Member) -> Q<'q> {
    let (name_key, name_sort) = keys(&m.full_name);
    q.bind(m.full_name.as_str().to_string())
        .bind(name_key)
        .bind(name_sort)
        .bind(m.date_of_birth)
        .bind(m.sex.map(Sex::code))
        .bind(m.relation.code())
        .bind(m.citizen_id.as_ref().map(|c| c.as_str().to_string()))
        .bind(m.ethnicity.as_ref().map(|e| e.as_str().to_string()))
        .bind(m.labour_status.map(Labour::code))
        .bind(m.has_health_insurance)
        .bind(m.education_level.map(Education::code))
        .bind(m.attending_school)
        .bind(m.in_training)
        .bind(m.stunted_or_underweight)
        .bind(m.is_disabled)
        .bind(m.receives_social_allowance)
        .bind(m.sick_untreated)
        .bind(m.start_date)
        .bind(m.end_date)
        .bind(household.0)
}

fn member_from_row(row: &DbRow) -> Result<StoredMember> {
    let relation: String = get(row, "relation")?;
    let cid: Option<String> = get(row, "citizen_id")?;
    Ok(StoredMember {
        id: MemberId(get(row, "id")?),
        member: Member {
            full_name: text(row, "full_name")?,
            date_of_birth: get(row, "date_of_birth")?,
            sex: coded(row, "sex", Sex::parse)?,
            relation: Relation::parse(&relation).map_err(StoreError::backend)?,
            citizen_id: cid
                .map(|c| CitizenId::parse(&c))
                .transpose()
                .map_err(StoreError::backend)?,
            ethnicity: opt_text(row, "ethnicity")?,
            labour_status: coded(row, "labour_status", Labour::parse)?,
            has_health_insurance: get(row, "has_health_insurance")?,
            education_level: coded(row, "education_level", Education::parse)?,
            attending_school: get(row, "attending_school")?,
            in_training: get(row, "in_training")?,
            stunted_or_underweight: get(row, "stunted_or_underweight")?,
            is_disabled: get(row, "is_disabled")?,
            receives_social_allowance: get(row, "receives_social_allowance")?,
            sick_untreated: get(row, "sick_untreated")?,
            start_date: get(row, "start_date")?,
            end_date: get(row, "end_date")?,
        },
    })
}

/// `INSERT INTO table (a, b, …) VALUES ($1, $2, …)`.
fn insert_sql(table: &str, cols: &[&str], returning: &str) -> String {
    let ps: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({}){returning}",
        cols.join(", "),
        ps.join(", ")
    )
}

/// `UPDATE table SET a = $1, b = $2, … WHERE id = $N`.
fn update_sql(table: &str, cols: &[&str]) -> String {
    let sets: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    format!(
        "UPDATE {table} SET {} WHERE id = ${}",
        sets.join(", "),
        cols.len() + 1
    )
}

/// Rejects a date range whose end is not after its start.
fn check_range(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<()> {
    match (from, to) {
        (Some(from), Some(to)) if to <= from => Err(StoreError::Invalid(Invalid::DateRange { from, to })),
        _ => Ok(()),
    }
}

async fn audit(
    c: &mut DbConn,
    ctx: &ChangeContext,
    action: AuditAction,
    entity: Entity,
    entity_id: Option<i64>,
    old: Option<String>,
    new: Option<String>,
) -> Result<i64> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, origin, action, entity, entity_id, old_value, new_value, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(Utc::now())
    .bind(ctx.actor.as_str())
    .bind(ctx.origin.as_str())
    .bind(action.code())
    .bind(entity.code())
    .bind(entity_id)
    .bind(old)
    .bind(new)
    .bind(ctx.reason.as_deref())
    .fetch_one(&mut *c)
    .await
    .map_err(db)?
    .try_get::<i64, _>(0)
    .map_err(db)
}

async fn load_unit(c: &mut DbConn, id: UnitId) -> Result<StoredUnit> {
    let sql = format!("SELECT {UNIT_COLS} FROM units WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::NotFound {
            what: Entity::Unit,
            key: id.to_string(),
        })?;
    unit_from_row(&row)
}

/// Records a unit after checking its dates, its parent and that no unit with its code overlaps it.
async fn insert_unit(c: &mut DbConn, ctx: &ChangeContext, unit: &Unit) -> Result<UnitId> {
    check_range(Some(unit.valid_from), unit.valid_to)?;
    if let Some(p) = unit.parent {
        load_unit(c, p).await?;
    }
    let overlap = |o: &Unit| {
        o.valid_to.is_none_or(|t| t > unit.valid_from) && unit.valid_to.is_none_or(|t| o.valid_from < t)
    };
    let sql = format!("SELECT {UNIT_COLS} FROM units WHERE code = $1");
    let same_code = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(unit.code.as_str())
        .fetch_all(&mut *c)
        .await
        .map_err(db)?;
    for r in &same_code {
        if overlap(&unit_from_row(r)?.unit) {
            return Err(StoreError::Invalid(Invalid::UnitOverlap {
                code: unit.code.clone(),
            }));
        }
    }
    let (name_key, name_sort) = keys(&unit.name);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO units (code, name, name_key, name_sort, kind, area, parent_id, valid_from, valid_to) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(unit.code.as_str())
    .bind(unit.name.as_str())
    .bind(name_key)
    .bind(name_sort)
    .bind(unit.kind.code())
    .bind(unit.area.map(Area::code))
    .bind(unit.parent.map(|p| p.0))
    .bind(unit.valid_from)
    .bind(unit.valid_to)
    .fetch_one(&mut *c)
    .await
    .map_err(|e| match constraint_of(&e) {
        Some(Constraint::UnitCodeFrom) => StoreError::Invalid(Invalid::UnitOverlap {
            code: unit.code.clone(),
        }),
        _ => db(e),
    })?;
    audit(c, ctx, AuditAction::Insert, Entity::Unit, Some(id), None, Some(audit_json(unit)?)).await?;
    Ok(UnitId(id))
}

async fn load_incomes(c: &mut DbConn, id: HouseholdId) -> Result<Vec<IncomeRecord>> {
    let rows = sqlx::query(
        "SELECT recorded_on, monthly_income_vnd, note FROM household_incomes \
         WHERE household_id = $1 ORDER BY recorded_on, id",
    )
    .bind(id.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(IncomeRecord {
                recorded_on: get(r, "recorded_on")?,
                monthly_income_vnd: Vnd(get(r, "monthly_income_vnd")?),
                note: opt_text(r, "note")?,
            })
        })
        .collect()
}

async fn load_members(c: &mut DbConn, id: HouseholdId) -> Result<Vec<StoredMember>> {
    let sql = format!("SELECT {MEMBER_COLS} FROM members WHERE household_id = $1 ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_all(&mut *c)
        .await
        .map_err(db)?;
    rows.iter().map(member_from_row).collect()
}

async fn complete(c: &mut DbConn, row: &DbRow) -> Result<StoredHousehold> {
    let (id, version, deleted, mut household) = household_from_row(row)?;
    household.incomes = load_incomes(c, id).await?;
    let members = load_members(c, id).await?;
    Ok(StoredHousehold {
        id,
        version,
        deleted,
        household,
        members,
    })
}

async fn load_household(c: &mut DbConn, id: HouseholdId) -> Result<StoredHousehold> {
    let sql = format!("SELECT {HOUSEHOLD_COLS} FROM households WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::NotFound {
            what: Entity::Household,
            key: id.to_string(),
        })?;
    complete(c, &row).await
}

/// Checks that the household can be changed at `expected` and takes the next version, inside the
/// transaction: the update matches only the expected version, so of two officers saving the same
/// version, the second finds nothing to update and is told.
async fn bump_version(
    c: &mut DbConn,
    current: &StoredHousehold,
    expected: i64,
) -> Result<i64> {
    if current.deleted {
        return Err(StoreError::Invalid(Invalid::HouseholdDeleted {
            household: current.household.code.clone(),
        }));
    }
    let stale = |found| StoreError::StaleVersion {
        household: current.household.code.clone(),
        expected,
        found,
    };
    if current.version != expected {
        return Err(stale(current.version));
    }
    let done = sqlx::query("UPDATE households SET version = version + 1 WHERE id = $1 AND version = $2")
        .bind(current.id.0)
        .bind(expected)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    if done.rows_affected() == 1 {
        return Ok(expected + 1);
    }
    let found: i64 = sqlx::query_scalar("SELECT version FROM households WHERE id = $1")
        .bind(current.id.0)
        .fetch_one(&mut *c)
        .await
        .map_err(db)?;
    Err(stale(found))
}

async fn write_incomes(c: &mut DbConn, id: HouseholdId, incomes: &[IncomeRecord]) -> Result<()> {
    sqlx::query("DELETE FROM household_incomes WHERE household_id = $1")
        .bind(id.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    for r in incomes {
        sqlx::query(
            "INSERT INTO household_incomes (household_id, recorded_on, monthly_income_vnd, note) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id.0)
        .bind(r.recorded_on)
        .bind(r.monthly_income_vnd.0)
        .bind(r.note.as_ref().map(|n| n.as_str().to_string()))
        .execute(&mut *c)
        .await
        .map_err(db)?;
    }
    Ok(())
}

fn member_json(m: &Member, household: &HouseholdCode) -> Result<String> {
    #[derive(serde::Serialize)]
    struct J<'a> {
        household: &'a HouseholdCode,
        #[serde(flatten)]
        member: &'a Member,
    }
    audit_json(&J { household, member: m })
}

impl Backend {
    /// After a unique violation on live citizen IDs (the transaction is rolled back), finds the household
    /// that holds the person, to name it in the conflict.
    async fn citizen_conflict(
        &self,
        members: &[&Member],
        except: Option<MemberId>,
        household_b: &HouseholdCode,
    ) -> Result<StoreError> {
        for m in members {
            let Some(cid) = &m.citizen_id else { continue };
            let holder: Option<String> = sqlx::query_scalar(
                "SELECT h.code FROM members m JOIN households h ON h.id = m.household_id \
                 WHERE m.citizen_id = $1 AND m.end_date IS NULL AND m.id <> $2",
            )
            .bind(cid.as_str())
            .bind(except.map_or(-1, |m| m.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
            let twice = members
                .iter()
                .filter(|o| o.end_date.is_none() && o.citizen_id.as_ref() == Some(cid))
                .count()
                > 1;
            if let Some(code) = holder {
                return Ok(StoreError::Conflict {
                    citizen_id: cid.clone(),
                    household_a: HouseholdCode::parse(&code).map_err(StoreError::backend)?,
                    household_b: household_b.clone(),
                });
            }
            if twice {
                return Ok(StoreError::Conflict {
                    citizen_id: cid.clone(),
                    household_a: household_b.clone(),
                    household_b: household_b.clone(),
                });
            }
        }
        Ok(StoreError::backend("unique violation on citizen IDs, holder not found"))
    }

    async fn insert_member(
        &self,
        tx: &mut Transaction<'static, Db>,
        ctx: &ChangeContext,
        household: HouseholdId,
        code: &HouseholdCode,
        m: &Member,
    ) -> Result<std::result::Result<MemberId, Constraint>> {
        check_range(m.start_date, m.end_date)?;
        let sql = insert_sql("members", &MEMBER_DATA_COLS, " RETURNING id");
        let row = bind_member(sqlx::query(sqlx::AssertSqlSafe(sql)), household, m)
            .fetch_one(&mut **tx)
            .await;
        let row = match row {
            Ok(r) => r,
            Err(e) => return constraint_of(&e).map(Err).ok_or_else(|| db(e)),
        };
        let id = MemberId(get(&row, "id")?);
        audit(
            tx,
            ctx,
            AuditAction::Insert,
            Entity::Member,
            Some(id.0),
            None,
            Some(member_json(m, code)?),
        )
        .await?;
        Ok(Ok(id))
    }

    async fn households_where(&self, filter: &str, id: i64) -> Result<Vec<StoredHousehold>> {
        let mut c = self.pool.acquire().await.map_err(db)?;
        let sql = format!("SELECT {HOUSEHOLD_COLS} FROM households WHERE {filter} ORDER BY code");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&mut *c)
            .await
            .map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(complete(&mut c, r).await?);
        }
        Ok(out)
    }
}

impl ansinh_store::Store for Backend {
    async fn create_unit(&self, ctx: &ChangeContext, unit: &Unit) -> Result<UnitId> {
        let mut tx = self.begin_write().await?;
        let id = insert_unit(&mut tx, ctx, unit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn unit(&self, id: UnitId) -> Result<StoredUnit> {
        let mut c = self.pool.acquire().await.map_err(db)?;
        load_unit(&mut c, id).await
    }

    async fn unit_at(&self, code: &UnitCode, on: NaiveDate) -> Result<Option<StoredUnit>> {
        let sql = format!(
            "SELECT {UNIT_COLS} FROM units WHERE code = $1 AND valid_from <= $2 \
             AND (valid_to IS NULL OR valid_to > $2)"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(code.as_str())
            .bind(on)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(unit_from_row).transpose()
    }

    async fn units_on(&self, on: NaiveDate, parent: Option<UnitId>) -> Result<Vec<StoredUnit>> {
        let parent_filter = if parent.is_some() {
            "parent_id = $2"
        } else {
            "parent_id IS NULL AND $2 = 0"
        };
        let sql = format!(
            "SELECT {UNIT_COLS} FROM units WHERE {parent_filter} AND valid_from <= $1 \
             AND (valid_to IS NULL OR valid_to > $1) ORDER BY name_sort, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(on)
            .bind(parent.map_or(0, |p| p.0))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(unit_from_row).collect()
    }

    async fn reorganise(&self, ctx: &ChangeContext, change: &Reorganisation) -> Result<Vec<UnitId>> {
        ctx.required_reason()?;
        let bad = |detail| StoreError::Invalid(Invalid::Reorganisation { detail });
        if change.from.is_empty() || change.to.is_empty() {
            return Err(bad(ReorganisationProblem::Empty));
        }
        let day_before = change.on.pred_opt().ok_or_else(|| bad(ReorganisationProblem::Empty))?;
        let mut tx = self.begin_write().await?;
        let mut from_codes = Vec::new();
        for &f in &change.from {
            let old = load_unit(&mut tx, f).await?;
            let closes = old.unit.valid_to.is_none_or(|t| t == change.on);
            if !old.unit.is_valid_on(day_before) || !closes {
                return Err(bad(ReorganisationProblem::NotValidBefore {
                    code: old.unit.code,
                }));
            }
            let mut new = old.unit.clone();
            new.valid_to = Some(change.on);
            if old.unit.valid_to.is_none() {
                sqlx::query("UPDATE units SET valid_to = $1 WHERE id = $2")
                    .bind(change.on)
                    .bind(f.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                audit(
                    &mut tx,
                    ctx,
                    AuditAction::Update,
                    Entity::Unit,
                    Some(f.0),
                    Some(audit_json(&old.unit)?),
                    Some(audit_json(&new)?),
                )
                .await?;
            }
            from_codes.push(old.unit.code);
        }
        let mut to_codes = Vec::new();
        let mut to_ids = Vec::new();
        for t in &change.to {
            let (id, new) = match t {
                Successor::Existing(id) => (*id, load_unit(&mut tx, *id).await?.unit),
                Successor::New(u) if u.valid_from == change.on => {
                    (insert_unit(&mut tx, ctx, u).await?, u.clone())
                }
                Successor::New(u) => {
                    return Err(bad(ReorganisationProblem::NotStartingOn {
                        code: u.code.clone(),
                    }));
                }
            };
            if new.valid_from != change.on {
                return Err(bad(ReorganisationProblem::NotStartingOn { code: new.code }));
            }
            to_codes.push(new.code);
            to_ids.push(id);
        }
        for &f in &change.from {
            for &t in &to_ids {
                sqlx::query(
                    "INSERT INTO unit_successors (from_id, to_id, effective) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(f.0)
                .bind(t.0)
                .bind(change.on)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
        }
        #[derive(serde::Serialize)]
        struct J<'a> {
            on: NaiveDate,
            from: &'a [UnitCode],
            to: &'a [UnitCode],
        }
        let json = audit_json(&J {
            on: change.on,
            from: &from_codes,
            to: &to_codes,
        })?;
        audit(&mut tx, ctx, AuditAction::Insert, Entity::Reorganisation, None, None, Some(json)).await?;
        tx.commit().await.map_err(db)?;
        Ok(to_ids)
    }

    async fn successors(&self, id: UnitId) -> Result<Vec<(UnitId, NaiveDate)>> {
        let rows = sqlx::query(
            "SELECT to_id, effective FROM unit_successors WHERE from_id = $1 ORDER BY to_id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok((UnitId(get(r, "to_id")?), get(r, "effective")?)))
            .collect()
    }

    async fn create_household(
        &self,
        ctx: &ChangeContext,
        household: &Household,
        members: &[Member],
    ) -> Result<StoredHousehold> {
        let mut tx = self.begin_write().await?;
        load_unit(&mut tx, household.unit).await?;
        let mut cols = vec!["code"];
        cols.extend(HOUSEHOLD_DATA_COLS);
        let sql = insert_sql("households", &cols, " RETURNING id");
        let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(household.code.as_str());
        let id: i64 = bind_household(q, household)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match constraint_of(&e) {
                Some(Constraint::HouseholdCode) => StoreError::Duplicate {
                    what: Entity::Household,
                    key: household.code.to_string(),
                },
                _ => db(e),
            })?
            .try_get(0)
            .map_err(db)?;
        let id = HouseholdId(id);
        write_incomes(&mut tx, id, &household.incomes).await?;
        audit(
            &mut tx,
            ctx,
            AuditAction::Insert,
            Entity::Household,
            Some(id.0),
            None,
            Some(audit_json(household)?),
        )
        .await?;
        for m in members {
            if let Err(c) = self.insert_member(&mut tx, ctx, id, &household.code, m).await? {
                tx.rollback().await.map_err(db)?;
                if c == Constraint::LiveCitizenId {
                    let all: Vec<&Member> = members.iter().collect();
                    return Err(self.citizen_conflict(&all, None, &household.code).await?);
                }
                return Err(StoreError::backend(format!("constraint {c:?} on members")));
            }
        }
        let stored = load_household(&mut tx, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn household(&self, id: HouseholdId) -> Result<StoredHousehold> {
        let mut c = self.pool.acquire().await.map_err(db)?;
        load_household(&mut c, id).await
    }

    async fn household_by_code(&self, code: &HouseholdCode) -> Result<StoredHousehold> {
        let mut c = self.pool.acquire().await.map_err(db)?;
        let sql = format!("SELECT {HOUSEHOLD_COLS} FROM households WHERE code = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(code.as_str())
            .fetch_optional(&mut *c)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::NotFound {
                what: Entity::Household,
                key: code.to_string(),
            })?;
        complete(&mut c, &row).await
    }

    async fn households_in_units(&self, units: &[UnitId]) -> Result<Vec<StoredHousehold>> {
        let mut out = BTreeMap::new();
        for u in units {
            for h in self
                .households_where("unit_id = $1 AND deleted_at IS NULL", u.0)
                .await?
            {
                out.insert(h.household.code.clone(), h);
            }
        }
        Ok(out.into_values().collect())
    }

    async fn update_household(
        &self,
        ctx: &ChangeContext,
        id: HouseholdId,
        expected_version: i64,
        household: &Household,
    ) -> Result<i64> {
        ctx.required_reason()?;
        let mut tx = self.begin_write().await?;
        let current = load_household(&mut tx, id).await?;
        let version = bump_version(&mut tx, &current, expected_version).await?;
        load_unit(&mut tx, household.unit).await?;
        let mut cols = vec!["code"];
        cols.extend(HOUSEHOLD_DATA_COLS);
        let sql = update_sql("households", &cols);
        let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(household.code.as_str());
        bind_household(q, household)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(|e| match constraint_of(&e) {
                Some(Constraint::HouseholdCode) => StoreError::Duplicate {
                    what: Entity::Household,
                    key: household.code.to_string(),
                },
                _ => db(e),
            })?;
        write_incomes(&mut tx, id, &household.incomes).await?;
        audit(
            &mut tx,
            ctx,
            AuditAction::Update,
            Entity::Household,
            Some(id.0),
            Some(audit_json(&current.household)?),
            Some(audit_json(household)?),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(version)
    }

    async fn add_member(
        &self,
        ctx: &ChangeContext,
        household: HouseholdId,
        expected_version: i64,
        member: &Member,
    ) -> Result<(MemberId, i64)> {
        let mut tx = self.begin_write().await?;
        let current = load_household(&mut tx, household).await?;
        let version = bump_version(&mut tx, &current, expected_version).await?;
        let code = current.household.code.clone();
        match self.insert_member(&mut tx, ctx, household, &code, member).await? {
            Ok(id) => {
                tx.commit().await.map_err(db)?;
                Ok((id, version))
            }
            Err(c) => {
                tx.rollback().await.map_err(db)?;
                if c == Constraint::LiveCitizenId {
                    return Err(self.citizen_conflict(&[member], None, &code).await?);
                }
                Err(StoreError::backend(format!("constraint {c:?} on members")))
            }
        }
    }

    async fn update_member(
        &self,
        ctx: &ChangeContext,
        member: MemberId,
        expected_version: i64,
        data: &Member,
    ) -> Result<i64> {
        ctx.required_reason()?;
        check_range(data.start_date, data.end_date)?;
        let mut tx = self.begin_write().await?;
        let household: Option<i64> =
            sqlx::query_scalar("SELECT household_id FROM members WHERE id = $1")
                .bind(member.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let household = household.ok_or_else(|| StoreError::NotFound {
            what: Entity::Member,
            key: member.to_string(),
        })?;
        let current = load_household(&mut tx, HouseholdId(household)).await?;
        let version = bump_version(&mut tx, &current, expected_version).await?;
        let code = current.household.code.clone();
        let old = current
            .members
            .iter()
            .find(|m| m.id == member)
            .map(|m| member_json(&m.member, &code))
            .transpose()?;
        let sql = update_sql("members", &MEMBER_DATA_COLS);
        let done = bind_member(sqlx::query(sqlx::AssertSqlSafe(sql)), current.id, data)
            .bind(member.0)
            .execute(&mut *tx)
            .await;
        if let Err(e) = done {
            let c = constraint_of(&e);
            tx.rollback().await.map_err(db)?;
            if c == Some(Constraint::LiveCitizenId) {
                return Err(self.citizen_conflict(&[data], Some(member), &code).await?);
            }
            return Err(db(e));
        }
        audit(
            &mut tx,
            ctx,
            AuditAction::Update,
            Entity::Member,
            Some(member.0),
            old,
            Some(member_json(data, &code)?),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(version)
    }

    async fn delete_household(
        &self,
        ctx: &ChangeContext,
        id: HouseholdId,
        expected_version: i64,
        on: NaiveDate,
    ) -> Result<()> {
        ctx.required_reason()?;
        let mut tx = self.begin_write().await?;
        let current = load_household(&mut tx, id).await?;
        bump_version(&mut tx, &current, expected_version).await?;
        sqlx::query("UPDATE households SET deleted_at = $1 WHERE id = $2")
            .bind(Utc::now())
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("UPDATE members SET end_date = $1 WHERE household_id = $2 AND end_date IS NULL")
            .bind(on)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        #[derive(serde::Serialize)]
        struct J<'a> {
            household: &'a Household,
            members: Vec<&'a Member>,
        }
        let old = audit_json(&J {
            household: &current.household,
            members: current.members.iter().map(|m| &m.member).collect(),
        })?;
        audit(
            &mut tx,
            ctx,
            AuditAction::Delete,
            Entity::Household,
            Some(id.0),
            Some(old),
            None,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn search_households(&self, query: &str, limit: u32) -> Result<Vec<HouseholdHit>> {
        search_walks(&self.pool, "", "AND $1 = $1", 0, query, limit).await
    }

    async fn search_members(&self, query: &str, limit: u32) -> Result<Vec<MemberHit>> {
        let (lo, hi) = prefix_range(query);
        if lo.is_empty() {
            return Ok(Vec::new());
        }
        let word = format!("% {}%", like_escape(&lo));
        let rows = sqlx::query(
            "SELECT m.id, m.household_id, h.code, m.full_name, m.date_of_birth \
             FROM members m JOIN households h ON h.id = m.household_id \
             WHERE m.end_date IS NULL AND h.deleted_at IS NULL \
             AND ((m.name_key >= $1 AND m.name_key < $2) OR m.name_key LIKE $3 ESCAPE '\\') \
             ORDER BY m.name_sort, m.id LIMIT $4",
        )
        .bind(&lo)
        .bind(&hi)
        .bind(&word)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let code: String = get(r, "code")?;
                Ok(MemberHit {
                    id: MemberId(get(r, "id")?),
                    household: HouseholdId(get(r, "household_id")?),
                    household_code: HouseholdCode::parse(&code).map_err(StoreError::backend)?,
                    full_name: text(r, "full_name")?,
                    date_of_birth: get(r, "date_of_birth")?,
                })
            })
            .collect()
    }

    async fn append_classification(
        &self,
        ctx: &ChangeContext,
        record: &ClassificationRecord,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM households WHERE id = $1")
            .bind(record.household.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if exists.is_none() {
            return Err(StoreError::NotFound {
                what: Entity::Household,
                key: record.household.to_string(),
            });
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO classifications (household_id, standard_id, as_of, class, deficit_count, \
             deprived, income_per_capita_vnd, unconfirmed, recorded_at, actor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(record.household.0)
        .bind(record.standard_id.as_str())
        .bind(record.as_of)
        .bind(class_code(record.class))
        .bind(i64::from(record.deficit_count))
        .bind(record.deprived.join(","))
        .bind(record.income_per_capita_vnd)
        .bind(record.unconfirmed)
        .bind(Utc::now())
        .bind(ctx.actor.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let json = serde_json::json!({
            "household": record.household,
            "standard_id": record.standard_id,
            "as_of": record.as_of,
            "class": class_code(record.class),
            "deficit_count": record.deficit_count,
            "deprived": record.deprived,
            "income_per_capita_vnd": record.income_per_capita_vnd,
            "unconfirmed": record.unconfirmed,
        });
        audit(
            &mut tx,
            ctx,
            AuditAction::Insert,
            Entity::Classification,
            Some(id),
            None,
            Some(json.to_string()),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn classification_history(
        &self,
        household: HouseholdId,
    ) -> Result<Vec<ClassificationEntry>> {
        let rows = sqlx::query(
            "SELECT id, household_id, standard_id, as_of, class, deficit_count, deprived, \
             income_per_capita_vnd, unconfirmed, recorded_at, actor FROM classifications \
             WHERE household_id = $1 ORDER BY as_of, id",
        )
        .bind(household.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let class: String = get(r, "class")?;
                let deprived: String = get(r, "deprived")?;
                let count: i64 = get(r, "deficit_count")?;
                Ok(ClassificationEntry {
                    id: get(r, "id")?,
                    recorded_at: get(r, "recorded_at")?,
                    actor: get(r, "actor")?,
                    record: ClassificationRecord {
                        household: HouseholdId(get(r, "household_id")?),
                        standard_id: get(r, "standard_id")?,
                        as_of: get(r, "as_of")?,
                        class: class_from_code(&class)?,
                        deficit_count: u8::try_from(count).map_err(StoreError::backend)?,
                        deprived: deprived
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect(),
                        income_per_capita_vnd: get(r, "income_per_capita_vnd")?,
                        unconfirmed: get(r, "unconfirmed")?,
                    },
                })
            })
            .collect()
    }

    async fn append_audit(&self, ctx: &ChangeContext, event: &AuditEvent) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id = audit(
            &mut tx,
            ctx,
            AuditAction::Event,
            event.entity,
            event.entity_id,
            None,
            Some(event.detail.clone()),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn audit_trail(&self, entity: Entity, entity_id: Option<i64>) -> Result<Vec<AuditEntry>> {
        let filter = if entity_id.is_some() {
            "entity_id = $2"
        } else {
            "$2 = 0"
        };
        let sql = format!(
            "SELECT id, at, actor, origin, action, entity, entity_id, old_value, new_value, reason \
             FROM audit_log WHERE entity = $1 AND {filter} ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(entity.code())
            .bind(entity_id.unwrap_or(0))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                let action: String = get(r, "action")?;
                let ent: String = get(r, "entity")?;
                Ok(AuditEntry {
                    id: get(r, "id")?,
                    at: get(r, "at")?,
                    actor: get(r, "actor")?,
                    origin: get(r, "origin")?,
                    action: AuditAction::from_code(&action)
                        .ok_or_else(|| StoreError::backend(format!("audit action `{action}`")))?,
                    entity: Entity::from_code(&ent)
                        .ok_or_else(|| StoreError::backend(format!("audit entity `{ent}`")))?,
                    entity_id: get(r, "entity_id")?,
                    old_value: get(r, "old_value")?,
                    new_value: get(r, "new_value")?,
                    reason: get(r, "reason")?,
                })
            })
            .collect()
    }

    async fn import(&self, ctx: &ChangeContext, batch: &ImportBatch) -> Result<ImportSummary> {
        let mut tx = self.begin_write().await?;
        let sum = import_in(&mut tx, ctx, batch).await?;
        if sum.changed() {
            tx.commit().await.map_err(db)?;
        } else {
            tx.rollback().await.map_err(db)?;
        }
        Ok(sum)
    }

    async fn live_memberships(
        &self,
        citizen_ids: &[CitizenId],
    ) -> Result<Vec<(CitizenId, HouseholdCode)>> {
        let mut c = self.pool.acquire().await.map_err(db)?;
        let ids: Vec<&str> = citizen_ids.iter().map(CitizenId::as_str).collect();
        live_holders(&mut c, &ids)
            .await?
            .into_iter()
            .map(|(cid, code)| {
                Ok((
                    CitizenId::parse(&cid).map_err(code_err)?,
                    HouseholdCode::parse(&code).map_err(code_err)?,
                ))
            })
            .collect()
    }

    async fn households_page(
        &self,
        after: Option<HouseholdId>,
        units: Option<&[UnitId]>,
        limit: u32,
    ) -> Result<Vec<StoredHousehold>> {
        let mut c = self.pool.acquire().await.map_err(db)?;
        let filter = match units {
            Some([]) => return Ok(Vec::new()),
            Some(u) => format!(" AND unit_id IN ({})", placeholders(3, u.len())),
            None => String::new(),
        };
        let sql = format!(
            "SELECT {HOUSEHOLD_COLS} FROM households WHERE deleted_at IS NULL AND id > $1{filter} \
             ORDER BY id LIMIT $2"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after.map_or(0, |h| h.0))
            .bind(i64::from(limit));
        for u in units.unwrap_or(&[]) {
            q = q.bind(u.0);
        }
        let rows = q.fetch_all(&mut *c).await.map_err(db)?;
        complete_many(&mut c, &rows).await
    }

    async fn all_units(&self) -> Result<Vec<StoredUnit>> {
        let sql = format!("SELECT {UNIT_COLS} FROM units ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(unit_from_row).collect()
    }
}

// ---------------------------------------------------------------------------------------------------------
// Bulk import and paging. Each backend supplies `bulk_insert` (SQLite: multi-row INSERT; PostgreSQL:
// COPY) and `reserve_ids` (ids for rows that other rows refer to), both inside the caller's transaction.

/// One value of a bulk-inserted row, typed so that NULLs keep their column type.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    I64(Option<i64>),
    F64(Option<f64>),
    Text(Option<String>),
    Blob(Vec<u8>),
    Bool(Option<bool>),
    Date(Option<NaiveDate>),
    Time(chrono::DateTime<Utc>),
}

fn t(s: &str) -> Val {
    Val::Text(Some(s.to_string()))
}

fn ot(s: Option<&str>) -> Val {
    Val::Text(s.map(str::to_string))
}

/// Binds one value (used by backends that insert with parameters).
#[allow(dead_code)]
fn bind_val<'q>(q: Q<'q>, v: Val) -> Q<'q> {
    match v {
        Val::I64(x) => q.bind(x),
        Val::F64(x) => q.bind(x),
        Val::Text(x) => q.bind(x),
        Val::Blob(x) => q.bind(x),
        Val::Bool(x) => q.bind(x),
        Val::Date(x) => q.bind(x),
        Val::Time(x) => q.bind(x),
    }
}

const HOUSEHOLD_INSERT_COLS: [&str; 19] = [
    "id",
    "code",
    "address",
    "address_key",
    "head_name",
    "head_key",
    "head_sort",
    "area",
    "housing_quality",
    "floor_area_m2",
    "water_source",
    "toilet",
    "uses_telecom",
    "has_info_device",
    "hears_loudspeaker",
    "uses_internet",
    "uses_digital_services",
    "waste_treated",
    "unit_id",
];

fn household_vals(id: i64, h: &Household, unit: UnitId) -> Vec<Val> {
    let (address_key, _) = keys(&h.address);
    let (head_key, head_sort) = keys(&h.head_name);
    vec![
        Val::I64(Some(id)),
        t(h.code.as_str()),
        t(h.address.as_str()),
        Val::Text(Some(address_key)),
        t(h.head_name.as_str()),
        Val::Text(Some(head_key)),
        Val::Blob(head_sort),
        ot(h.area.map(Area::code)),
        ot(h.housing_quality.map(Housing::code)),
        Val::F64(h.floor_area_m2),
        ot(h.water_source.map(Water::code)),
        ot(h.toilet.map(Toilet::code)),
        Val::Bool(h.uses_telecom),
        Val::Bool(h.has_info_device),
        Val::Bool(h.hears_loudspeaker),
        Val::Bool(h.uses_internet),
        Val::Bool(h.uses_digital_services),
        Val::Bool(h.waste_treated),
        Val::I64(Some(unit.0)),
    ]
}

const MEMBER_INSERT_COLS: [&str; 21] = [
    "id",
    "full_name",
    "name_key",
    "name_sort",
    "date_of_birth",
    "sex",
    "relation",
    "citizen_id",
    "ethnicity",
    "labour_status",
    "has_health_insurance",
    "education_level",
    "attending_school",
    "in_training",
    "stunted_or_underweight",
    "is_disabled",
    "receives_social_allowance",
    "sick_untreated",
    "start_date",
    "end_date",
    "household_id",
];

fn member_vals(id: i64, household: i64, m: &Member) -> Vec<Val> {
    let (name_key, name_sort) = keys(&m.full_name);
    vec![
        Val::I64(Some(id)),
        t(m.full_name.as_str()),
        Val::Text(Some(name_key)),
        Val::Blob(name_sort),
        Val::Date(m.date_of_birth),
        ot(m.sex.map(Sex::code)),
        t(m.relation.code()),
        ot(m.citizen_id.as_ref().map(CitizenId::as_str)),
        ot(m.ethnicity.as_ref().map(NfcText::as_str)),
        ot(m.labour_status.map(Labour::code)),
        Val::Bool(m.has_health_insurance),
        ot(m.education_level.map(Education::code)),
        Val::Bool(m.attending_school),
        Val::Bool(m.in_training),
        Val::Bool(m.stunted_or_underweight),
        Val::Bool(m.is_disabled),
        Val::Bool(m.receives_social_allowance),
        Val::Bool(m.sick_untreated),
        Val::Date(m.start_date),
        Val::Date(m.end_date),
        Val::I64(Some(household)),
    ]
}

const INCOME_INSERT_COLS: [&str; 4] = ["household_id", "recorded_on", "monthly_income_vnd", "note"];

const AUDIT_INSERT_COLS: [&str; 9] = [
    "at", "actor", "origin", "action", "entity", "entity_id", "old_value", "new_value", "reason",
];

fn audit_vals(
    ctx: &ChangeContext,
    at: chrono::DateTime<Utc>,
    action: AuditAction,
    entity: Entity,
    id: i64,
    new: String,
) -> Vec<Val> {
    vec![
        Val::Time(at),
        t(&ctx.actor),
        t(&ctx.origin),
        t(action.code()),
        t(entity.code()),
        Val::I64(Some(id)),
        Val::Text(None),
        Val::Text(Some(new)),
        ot(ctx.reason.as_deref()),
    ]
}

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per `IN (…)` list.
const IN_CHUNK: usize = 500;

/// Completes household rows with their incomes and members, a few queries per [`IN_CHUNK`] households.
async fn complete_many(c: &mut DbConn, rows: &[DbRow]) -> Result<Vec<StoredHousehold>> {
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(IN_CHUNK) {
        let mut hs = Vec::with_capacity(chunk.len());
        let mut index = BTreeMap::new();
        for r in chunk {
            let (id, version, deleted, household) = household_from_row(r)?;
            index.insert(id.0, hs.len());
            hs.push(StoredHousehold {
                id,
                version,
                deleted,
                household,
                members: Vec::new(),
            });
        }
        let ids: Vec<i64> = hs.iter().map(|h| h.id.0).collect();
        let list = placeholders(1, ids.len());
        let sql = format!(
            "SELECT household_id, recorded_on, monthly_income_vnd, note FROM household_incomes \
             WHERE household_id IN ({list}) ORDER BY household_id, recorded_on, id"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in &ids {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *c).await.map_err(db)? {
            let hid: i64 = get(&r, "household_id")?;
            if let Some(&i) = index.get(&hid) {
                hs[i].household.incomes.push(IncomeRecord {
                    recorded_on: get(&r, "recorded_on")?,
                    monthly_income_vnd: Vnd(get(&r, "monthly_income_vnd")?),
                    note: opt_text(&r, "note")?,
                });
            }
        }
        let sql = format!(
            "SELECT {MEMBER_COLS} FROM members WHERE household_id IN ({list}) ORDER BY household_id, id"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in &ids {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *c).await.map_err(db)? {
            let hid: i64 = get(&r, "household_id")?;
            if let Some(&i) = index.get(&hid) {
                hs[i].members.push(member_from_row(&r)?);
            }
        }
        out.extend(hs);
    }
    Ok(out)
}

/// Live memberships of citizen IDs, `(id, household code)`.
async fn live_holders(c: &mut DbConn, ids: &[&str]) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT m.citizen_id, h.code FROM members m JOIN households h ON h.id = m.household_id \
             WHERE m.end_date IS NULL AND m.citizen_id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *c).await.map_err(db)? {
            out.push((get(&r, "citizen_id")?, get(&r, "code")?));
        }
    }
    Ok(out)
}

/// The unit with this code valid on `on`.
async fn unit_id_at(c: &mut DbConn, code: &UnitCode, on: NaiveDate) -> Result<Option<UnitId>> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM units WHERE code = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2)",
    )
    .bind(code.as_str())
    .bind(on)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    Ok(id.map(UnitId))
}

fn code_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::backend(e)
}

/// Test hook for the kill tests: when `ANSINH_TEST_PAUSE_IN_WRITE` names `what` (`import`), the write
/// stops here, inside its uncommitted transaction, prints `ANSINH_TEST_PAUSED_IN_WRITE <what>` on stderr
/// and waits (up to a minute) to be killed, then goes on. Unset, it costs one environment lookup per
/// write and changes nothing; no release behaviour depends on it.
fn pause_in_write(what: &str) {
    if std::env::var_os("ANSINH_TEST_PAUSE_IN_WRITE").is_some_and(|v| v == what) {
        eprintln!("ANSINH_TEST_PAUSED_IN_WRITE {what}");
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
}

/// The whole import, inside the caller's write transaction.
async fn import_in(
    c: &mut DbConn,
    ctx: &ChangeContext,
    batch: &ImportBatch,
) -> Result<ImportSummary> {
    let mut sum = ImportSummary::default();
    let now = Utc::now();

    // Units first, in file order, so a unit may name a parent recorded just before it.
    for iu in &batch.units {
        if unit_id_at(c, &iu.unit.code, iu.unit.valid_from).await?.is_some() {
            continue;
        }
        let mut unit = iu.unit.clone();
        unit.parent = match &iu.parent_code {
            None => None,
            Some(p) => Some(unit_id_at(c, p, iu.unit.valid_from).await?.ok_or_else(|| {
                StoreError::NotFound {
                    what: Entity::Unit,
                    key: p.to_string(),
                }
            })?),
        };
        insert_unit(c, ctx, &unit).await?;
        sum.units_inserted += 1;
    }
    let mut units: BTreeMap<UnitCode, UnitId> = BTreeMap::new();
    for h in &batch.households {
        if units.contains_key(&h.unit_code) {
            continue;
        }
        let id = unit_id_at(c, &h.unit_code, batch.as_of)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: Entity::Unit,
                key: h.unit_code.to_string(),
            })?;
        units.insert(h.unit_code.clone(), id);
    }

    // One live membership per person, within the file and against the registry.
    let mut in_file: BTreeMap<&str, &HouseholdCode> = BTreeMap::new();
    for h in &batch.households {
        for m in h.members.iter().filter(|m| m.end_date.is_none()) {
            let Some(cid) = &m.citizen_id else { continue };
            if let Some(other) = in_file.insert(cid.as_str(), &h.household.code) {
                return Err(StoreError::Conflict {
                    citizen_id: cid.clone(),
                    household_a: other.clone(),
                    household_b: h.household.code.clone(),
                });
            }
        }
    }
    let cids: Vec<&str> = in_file.keys().copied().collect();
    for (cid, holder) in live_holders(c, &cids).await? {
        let Some(&target) = in_file.get(cid.as_str()) else { continue };
        if target.as_str() != holder {
            return Err(StoreError::Conflict {
                citizen_id: CitizenId::parse(&cid).map_err(code_err)?,
                household_a: HouseholdCode::parse(&holder).map_err(code_err)?,
                household_b: target.clone(),
            });
        }
    }

    // Recorded households of the file's codes.
    let mut existing: BTreeMap<String, StoredHousehold> = BTreeMap::new();
    let codes: Vec<&str> = batch.households.iter().map(|h| h.household.code.as_str()).collect();
    for chunk in codes.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT {HOUSEHOLD_COLS} FROM households WHERE code IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for code in chunk {
            q = q.bind(*code);
        }
        let rows = q.fetch_all(&mut *c).await.map_err(db)?;
        for h in complete_many(c, &rows).await? {
            existing.insert(h.household.code.as_str().to_string(), h);
        }
    }

    // New households: ids reserved, then bulk rows, a chunk of households at a time.
    let new: Vec<&ImportHousehold> = batch
        .households
        .iter()
        .filter(|h| !existing.contains_key(h.household.code.as_str()))
        .collect();
    let n_members: usize = new.iter().map(|h| h.members.len()).sum();
    let hids = reserve_ids(c, "households", new.len()).await.map_err(db)?;
    let mids = reserve_ids(c, "members", n_members).await.map_err(db)?;
    if hids.len() != new.len() || mids.len() != n_members {
        return Err(StoreError::backend("could not reserve ids for the import"));
    }
    let mut next_member = 0usize;
    const CHUNK: usize = 5_000;
    for (k, chunk) in new.chunks(CHUNK).enumerate() {
        let mut hrows = Vec::with_capacity(chunk.len());
        let mut irows = Vec::new();
        let mut mrows = Vec::new();
        let mut arows = Vec::new();
        for (j, ih) in chunk.iter().enumerate() {
            let id = hids[k * CHUNK + j];
            let unit = units[&ih.unit_code];
            let mut h = ih.household.clone();
            h.unit = unit;
            h.incomes = match &ih.income {
                Some(inc) => merge_income(&[], inc, batch.as_of).unwrap_or_default(),
                None => Vec::new(),
            };
            hrows.push(household_vals(id, &h, unit));
            for r in &h.incomes {
                irows.push(vec![
                    Val::I64(Some(id)),
                    Val::Date(Some(r.recorded_on)),
                    Val::I64(Some(r.monthly_income_vnd.0)),
                    ot(r.note.as_ref().map(NfcText::as_str)),
                ]);
            }
            arows.push(audit_vals(ctx, now, AuditAction::Insert, Entity::Household, id, audit_json(&h)?));
            for m in &ih.members {
                check_range(m.start_date, m.end_date)?;
                let mid = mids[next_member];
                next_member += 1;
                mrows.push(member_vals(mid, id, m));
                arows.push(audit_vals(
                    ctx,
                    now,
                    AuditAction::Insert,
                    Entity::Member,
                    mid,
                    member_json(m, &h.code)?,
                ));
            }
        }
        let dup = |e: sqlx::Error| match constraint_of(&e) {
            Some(Constraint::HouseholdCode) => StoreError::Duplicate {
                what: Entity::Household,
                key: "?".into(),
            },
            _ => db(e),
        };
        bulk_insert(c, "households", &HOUSEHOLD_INSERT_COLS, hrows).await.map_err(dup)?;
        pause_in_write("import");
        bulk_insert(c, "household_incomes", &INCOME_INSERT_COLS, irows).await.map_err(db)?;
        bulk_insert(c, "members", &MEMBER_INSERT_COLS, mrows).await.map_err(db)?;
        bulk_insert(c, "audit_log", &AUDIT_INSERT_COLS, arows).await.map_err(db)?;
        sum.households_inserted += chunk.len() as u64;
        sum.members_inserted += chunk.iter().map(|h| h.members.len() as u64).sum::<u64>();
    }

    // Recorded households: compare, and write only what differs.
    for ih in &batch.households {
        let Some(current) = existing.get(ih.household.code.as_str()) else { continue };
        let mut h = ih.household.clone();
        h.keep_absent(&current.household, &batch.absent_household_fields);
        h.unit = units[&ih.unit_code];
        h.incomes = current.household.incomes.clone();
        if let Some(inc) = &ih.income
            && let Some(merged) = merge_income(&current.household.incomes, inc, batch.as_of)
        {
            h.incomes = merged;
        }
        let household_changed = h != current.household;
        let mut inserts = Vec::new();
        let mut updates = Vec::new();
        let mut taken = vec![false; current.members.len()];
        for m in &ih.members {
            let found = current
                .members
                .iter()
                .enumerate()
                .filter(|(i, _)| !taken[*i])
                .find(|(_, s)| same_person(&s.member, m) && s.member.end_date.is_none())
                .or_else(|| {
                    current
                        .members
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| !taken[*i])
                        .find(|(_, s)| same_person(&s.member, m))
                });
            match found {
                Some((i, s)) => {
                    taken[i] = true;
                    let mut m = m.clone();
                    m.keep_absent(&s.member, &batch.absent_member_fields);
                    if s.member == m {
                        sum.members_unchanged += 1;
                    } else {
                        updates.push((s, m));
                    }
                }
                None => inserts.push(m),
            }
        }
        if !household_changed && inserts.is_empty() && updates.is_empty() {
            sum.households_unchanged += 1;
            continue;
        }
        bump_version(c, current, current.version).await?;
        if household_changed {
            ctx.required_reason()?;
            let mut cols = vec!["code"];
            cols.extend(HOUSEHOLD_DATA_COLS);
            let sql = update_sql("households", &cols);
            let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(h.code.as_str());
            bind_household(q, &h).bind(current.id.0).execute(&mut *c).await.map_err(db)?;
            if h.incomes != current.household.incomes {
                write_incomes(c, current.id, &h.incomes).await?;
            }
            audit(
                c,
                ctx,
                AuditAction::Update,
                Entity::Household,
                Some(current.id.0),
                Some(audit_json(&current.household)?),
                Some(audit_json(&h)?),
            )
            .await?;
            sum.households_updated += 1;
        } else {
            sum.households_updated += 1;
        }
        for (s, m) in updates {
            ctx.required_reason()?;
            check_range(m.start_date, m.end_date)?;
            let sql = update_sql("members", &MEMBER_DATA_COLS);
            bind_member(sqlx::query(sqlx::AssertSqlSafe(sql)), current.id, &m)
                .bind(s.id.0)
                .execute(&mut *c)
                .await
                .map_err(db)?;
            audit(
                c,
                ctx,
                AuditAction::Update,
                Entity::Member,
                Some(s.id.0),
                Some(member_json(&s.member, &h.code)?),
                Some(member_json(&m, &h.code)?),
            )
            .await?;
            sum.members_updated += 1;
        }
        for m in inserts {
            check_range(m.start_date, m.end_date)?;
            let sql = insert_sql("members", &MEMBER_DATA_COLS, " RETURNING id");
            let row = bind_member(sqlx::query(sqlx::AssertSqlSafe(sql)), current.id, m)
                .fetch_one(&mut *c)
                .await
                .map_err(db)?;
            let id: i64 = get(&row, "id")?;
            audit(
                c,
                ctx,
                AuditAction::Insert,
                Entity::Member,
                Some(id),
                None,
                Some(member_json(m, &h.code)?),
            )
            .await?;
            sum.members_inserted += 1;
        }
    }
    Ok(sum)
}

/// A household search as up to four index walks, each in key order and stopped at `limit` rows: the
/// head's name starting with the query, the address starting with it, then (while fewer than `limit`
/// were found) a word of the name, a word of the address. So a search reads about `limit` index entries
/// instead of every household (a province of a million: BENCHMARKS.md, "Web application under load"),
/// and when more than `limit` match, those starting with the query come first. The hits are returned in
/// Vietnamese order of the head's name. `cte` and `scope` restrict `unit_id` (with the root as `$1`).
pub(crate) async fn search_walks(
    pool: &sqlx::Pool<Db>,
    cte: &str,
    scope: &str,
    root: i64,
    query: &str,
    limit: u32,
) -> Result<Vec<HouseholdHit>> {
    let (lo, hi) = prefix_range(query);
    if lo.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let word = format!("% {}%", like_escape(&lo));
    let n = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<HouseholdHit> = Vec::new();
    let walks = [
        ("head_key", false),
        ("address_key", false),
        ("head_key", true),
        ("address_key", true),
    ];
    for (key, by_word) in walks {
        if out.len() >= n {
            break;
        }
        let (cond, lim) = if by_word {
            (format!("{key} LIKE $2 ESCAPE '\\'"), "$3")
        } else {
            (format!("{key} >= $2 AND {key} < $3"), "$4")
        };
        let sql = format!(
            "{cte}SELECT id, code, unit_id, head_name, address FROM households \
             WHERE deleted_at IS NULL {scope} AND {cond} ORDER BY {key}, id LIMIT {lim}"
        );
        let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(root);
        let q = if by_word {
            q.bind(&word)
        } else {
            q.bind(&lo).bind(&hi)
        };
        let rows = q
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
            .map_err(db)?;
        for r in &rows {
            let id = HouseholdId(get(r, "id")?);
            if out.len() >= n || !seen.insert(id) {
                continue;
            }
            let code: String = get(r, "code")?;
            out.push(HouseholdHit {
                id,
                code: HouseholdCode::parse(&code).map_err(StoreError::backend)?,
                unit: UnitId(get(r, "unit_id")?),
                head_name: text(r, "head_name")?,
                address: text(r, "address")?,
            });
        }
    }
    let mut keyed: Vec<(Vec<u8>, HouseholdHit)> = out
        .into_iter()
        .map(|h| (ansinh_domain::collation::vi_sort_key(h.head_name.as_str()), h))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.id.0.cmp(&b.1.id.0)));
    Ok(keyed.into_iter().map(|(_, h)| h).collect())
}

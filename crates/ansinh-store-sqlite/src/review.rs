//! [`ReviewStore`] for both backends: this file is a module of `ansinh-store-sqlite` and, by `#[path]`,
//! of `ansinh-store-postgres`. It uses what each crate root defines (`Backend`, `Db`, `begin_write`, the
//! `pool` field, `audit`) and SQL both databases read the same way (`$N`, `RETURNING`).
//!
//! Every write loads the round, asks the domain state machine, writes, and saves the round under its
//! version (a concurrent change makes the save fail with `Stale` and nothing is written), all in one
//! transaction; the triggers of `0002_review.sql` guard the approved data even against raw SQL.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, Utc};
use sqlx::Row;

use ansinh_domain::registry::{HouseholdCode, HouseholdId, UnitId};
use ansinh_domain::review::{
    Action, Complaint, ComplaintOutcome, DeprivationForm, Edit, IncomeForm, Meeting, Participant,
    QuickScreen, ReviewError, Role, Round, RoundKind, Stage, Tally, Workflow,
};
use ansinh_domain::standard::Class;
use ansinh_store::review::{
    FormInput, NewRound, Request, RequestForm, ReviewResult, ReviewStore, ReviewStoreError,
    RoundEvent, RoundId, Snapshot, SnapshotEntry, Step, StoredComplaint, StoredForm, StoredMeeting,
    StoredRound,
};
use ansinh_store::{AuditAction, ChangeContext, Entity, Invalid, StoreError};

use super::{Backend, Db, DbConn};

type DbRow = <Db as sqlx::Database>::Row;

fn db(e: sqlx::Error) -> ReviewStoreError {
    ReviewStoreError::backend(e)
}

fn get<'r, T>(row: &'r DbRow, col: &str) -> ReviewResult<T>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    row.try_get(col).map_err(db)
}

fn bad(what: &str, value: &str) -> ReviewStoreError {
    ReviewStoreError::backend(format!("stored {what} `{value}` is not known"))
}

fn json<T: serde::Serialize>(v: &T) -> ReviewResult<String> {
    serde_json::to_string(v).map_err(ReviewStoreError::backend)
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> ReviewResult<T> {
    serde_json::from_str(s).map_err(ReviewStoreError::backend)
}

const ROUND_COLS: &str = "id, kind, unit_id, year, standard_id, workflow_id, stage, opened_on, \
    review_start, last_action_on, stage_since, posted_on, meetings, approvals, reopenings, version, \
    household_id, request_form, request_channel";

fn round_from_row(row: &DbRow) -> ReviewResult<StoredRound> {
    let kind: String = get(row, "kind")?;
    let stage: String = get(row, "stage")?;
    let household: Option<i64> = get(row, "household_id")?;
    let form: Option<String> = get(row, "request_form")?;
    let channel: Option<String> = get(row, "request_channel")?;
    let request = match (household, form) {
        (Some(h), Some(f)) => Some(Request {
            household: HouseholdId(h),
            form: RequestForm::parse(&f).ok_or_else(|| bad("request form", &f))?,
            channel: channel.unwrap_or_default(),
        }),
        _ => None,
    };
    let year: i64 = get(row, "year")?;
    let count = |col: &str| -> ReviewResult<u32> {
        let v: i64 = get(row, col)?;
        u32::try_from(v).map_err(ReviewStoreError::backend)
    };
    Ok(StoredRound {
        id: RoundId(get(row, "id")?),
        unit: UnitId(get(row, "unit_id")?),
        standard_id: get(row, "standard_id")?,
        workflow_id: get(row, "workflow_id")?,
        round: Round {
            kind: RoundKind::parse(&kind).ok_or_else(|| bad("round kind", &kind))?,
            year: i32::try_from(year).map_err(ReviewStoreError::backend)?,
            stage: Stage::parse(&stage).ok_or_else(|| bad("stage", &stage))?,
            opened_on: get(row, "opened_on")?,
            review_start: get(row, "review_start")?,
            last_action_on: get(row, "last_action_on")?,
            stage_since: get(row, "stage_since")?,
            posted_on: get(row, "posted_on")?,
            meetings: count("meetings")?,
            approvals: count("approvals")?,
            reopenings: count("reopenings")?,
        },
        request,
        version: get(row, "version")?,
    })
}

async fn load_round(c: &mut DbConn, id: RoundId) -> ReviewResult<StoredRound> {
    let sql = format!("SELECT {ROUND_COLS} FROM review_rounds WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?;
    match row {
        Some(r) => round_from_row(&r),
        None => Err(StoreError::NotFound {
            what: Entity::Event,
            key: format!("review round {id}"),
        }
        .into()),
    }
}

/// The round's workflow must be the one it was opened under.
fn same_workflow(r: &StoredRound, wf: &Workflow) -> ReviewResult<()> {
    if r.workflow_id == wf.id {
        Ok(())
    } else {
        Err(StoreError::NotFound {
            what: Entity::Event,
            key: format!(
                "workflow {} (round {} follows {})",
                wf.id, r.id, r.workflow_id
            ),
        }
        .into())
    }
}

/// Saves the round's new state under its version.
async fn save_round(c: &mut DbConn, old: &StoredRound, new: &Round) -> ReviewResult<()> {
    let done = sqlx::query(
        "UPDATE review_rounds SET stage = $1, last_action_on = $2, stage_since = $3, posted_on = $4, \
         meetings = $5, approvals = $6, reopenings = $7, version = version + 1 \
         WHERE id = $8 AND version = $9",
    )
    .bind(new.stage.code())
    .bind(new.last_action_on)
    .bind(new.stage_since)
    .bind(new.posted_on)
    .bind(i64::from(new.meetings))
    .bind(i64::from(new.approvals))
    .bind(i64::from(new.reopenings))
    .bind(old.id.0)
    .bind(old.version)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(ReviewStoreError::Stale { round: old.id });
    }
    Ok(())
}

/// Writes the round's event log entry and an audit entry, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn event(
    c: &mut DbConn,
    ctx: &ChangeContext,
    round: RoundId,
    action: &str,
    from: Option<Stage>,
    to: Option<Stage>,
    on: NaiveDate,
    detail: serde_json::Value,
) -> ReviewResult<()> {
    let detail_text = detail.to_string();
    sqlx::query(
        "INSERT INTO review_events (round_id, at, actor, origin, action, from_stage, to_stage, \
         on_date, reason, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(round.0)
    .bind(Utc::now())
    .bind(ctx.actor.as_str())
    .bind(ctx.origin.as_str())
    .bind(action)
    .bind(from.map(Stage::code))
    .bind(to.map(Stage::code))
    .bind(on)
    .bind(ctx.reason.as_deref())
    .bind(&detail_text)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    let audit = serde_json::json!({
        "review_round": round.0,
        "action": action,
        "from": from.map(Stage::code),
        "to": to.map(Stage::code),
        "on": on,
        "detail": detail,
    });
    super::audit(
        c,
        ctx,
        AuditAction::Event,
        Entity::Event,
        Some(round.0),
        None,
        Some(audit.to_string()),
    )
    .await?;
    Ok(())
}

/// The listed households of a round: id → code.
async fn listed(c: &mut DbConn, round: RoundId) -> ReviewResult<BTreeMap<i64, HouseholdCode>> {
    let rows = sqlx::query(
        "SELECT l.household_id, h.code FROM review_list l JOIN households h ON h.id = l.household_id \
         WHERE l.round_id = $1",
    )
    .bind(round.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    let mut out = BTreeMap::new();
    for r in &rows {
        let code: String = get(r, "code")?;
        out.insert(
            get(r, "household_id")?,
            HouseholdCode::parse(&code).map_err(ReviewStoreError::backend)?,
        );
    }
    Ok(out)
}

async fn household_code(c: &mut DbConn, id: HouseholdId) -> ReviewResult<HouseholdCode> {
    let code: Option<String> = sqlx::query_scalar("SELECT code FROM households WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?;
    match code {
        Some(code) => HouseholdCode::parse(&code).map_err(ReviewStoreError::backend),
        None => Err(StoreError::NotFound {
            what: Entity::Household,
            key: id.to_string(),
        }
        .into()),
    }
}

/// The listed household's code, or `NotListed`.
async fn listed_code(
    c: &mut DbConn,
    round: RoundId,
    household: HouseholdId,
) -> ReviewResult<HouseholdCode> {
    let code = household_code(c, household).await?;
    let on: Option<i64> = sqlx::query_scalar(
        "SELECT household_id FROM review_list WHERE round_id = $1 AND household_id = $2",
    )
    .bind(round.0)
    .bind(household.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    if on.is_none() {
        return Err(ReviewError::NotListed {
            household: code.to_string(),
        }
        .into());
    }
    Ok(code)
}

const FORM_COLS: &str = "f.revision, f.household_id, h.code, f.surveyed_on, f.tables_id, \
    f.placeholder, f.region, f.answers, f.deprived, f.quick_screen, f.score_a, f.score_b, f.class, \
    f.explanation_vi, f.explanation_en, f.actor";

fn form_from_row(row: &DbRow) -> ReviewResult<StoredForm> {
    let code: String = get(row, "code")?;
    let answers: String = get(row, "answers")?;
    let deprived: String = get(row, "deprived")?;
    let quick: Option<String> = get(row, "quick_screen")?;
    let class: String = get(row, "class")?;
    let a: i64 = get(row, "score_a")?;
    let b: i64 = get(row, "score_b")?;
    Ok(StoredForm {
        revision: get(row, "revision")?,
        household_code: HouseholdCode::parse(&code).map_err(ReviewStoreError::backend)?,
        actor: get(row, "actor")?,
        form: FormInput {
            household: HouseholdId(get(row, "household_id")?),
            surveyed_on: get(row, "surveyed_on")?,
            tables_id: get(row, "tables_id")?,
            placeholder: get(row, "placeholder")?,
            income: IncomeForm {
                region: get(row, "region")?,
                answers: from_json(&answers)?,
            },
            deprivation: DeprivationForm {
                deprived: from_json(&deprived)?,
            },
            quick_screen: match quick {
                Some(q) => Some(QuickScreen {
                    met: from_json(&q)?,
                }),
                None => None,
            },
            score_a: i32::try_from(a).map_err(ReviewStoreError::backend)?,
            score_b: i32::try_from(b).map_err(ReviewStoreError::backend)?,
            class: Class::parse(&class).ok_or_else(|| bad("class", &class))?,
            explanation_vi: get(row, "explanation_vi")?,
            explanation_en: get(row, "explanation_en")?,
        },
    })
}

fn complaint_from_row(row: &DbRow) -> ReviewResult<StoredComplaint> {
    let household: Option<i64> = get(row, "household_id")?;
    let resolved_on: Option<NaiveDate> = get(row, "resolved_on")?;
    let outcome: Option<String> = get(row, "outcome")?;
    let resolution: Option<String> = get(row, "resolution")?;
    let resolved = match (resolved_on, outcome) {
        (Some(d), Some(o)) => Some((
            d,
            ComplaintOutcome::parse(&o).ok_or_else(|| bad("complaint outcome", &o))?,
            resolution.unwrap_or_default(),
        )),
        _ => None,
    };
    Ok(StoredComplaint {
        id: get(row, "id")?,
        round: RoundId(get(row, "round_id")?),
        household: household.map(HouseholdId),
        filed_on: get(row, "filed_on")?,
        text: get(row, "text")?,
        due: get(row, "due")?,
        resolved,
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

impl Backend {
    /// Applies an action to the round and saves it, with its event.
    #[allow(clippy::too_many_arguments)]
    async fn step_round(
        c: &mut DbConn,
        ctx: &ChangeContext,
        r: &StoredRound,
        action: &Action,
        wf: &Workflow,
        detail: serde_json::Value,
    ) -> ReviewResult<Round> {
        let next = r.round.apply(action, wf)?;
        save_round(c, r, &next).await?;
        event(
            c,
            ctx,
            r.id,
            action.code(),
            Some(r.round.stage),
            Some(next.stage),
            action.on(),
            detail,
        )
        .await?;
        Ok(next)
    }
}

impl ReviewStore for Backend {
    async fn create_round(
        &self,
        ctx: &ChangeContext,
        new: &NewRound,
        wf: &Workflow,
    ) -> ReviewResult<StoredRound> {
        let round = match (new.kind, &new.request) {
            (RoundKind::Periodic, None) => Round::open_periodic(new.year, new.on, wf)?,
            (RoundKind::Regular, Some(_)) => Round::open_regular(new.on, wf),
            _ => {
                return Err(ReviewStoreError::backend(
                    "a regular round needs its request, a periodic round has none",
                ));
            }
        };
        let mut tx = self.begin_write().await?;
        let unit_kind: Option<String> = sqlx::query_scalar("SELECT kind FROM units WHERE id = $1")
            .bind(new.unit.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if unit_kind.is_none() {
            return Err(StoreError::NotFound {
                what: Entity::Unit,
                key: new.unit.to_string(),
            }
            .into());
        }
        if let Some(req) = &new.request {
            household_code(&mut tx, req.household).await?;
        }
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO review_rounds (kind, unit_id, year, standard_id, workflow_id, stage, \
             opened_on, review_start, last_action_on, stage_since, household_id, request_form, \
             request_channel, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(round.kind.code())
        .bind(new.unit.0)
        .bind(i64::from(round.year))
        .bind(new.standard_id.as_str())
        .bind(wf.id.as_str())
        .bind(round.stage.code())
        .bind(round.opened_on)
        .bind(round.review_start)
        .bind(round.last_action_on)
        .bind(round.stage_since)
        .bind(new.request.as_ref().map(|r| r.household.0))
        .bind(new.request.as_ref().map(|r| r.form.code()))
        .bind(new.request.as_ref().map(|r| r.channel.as_str()))
        .bind(Utc::now())
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => RoundId(id),
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Duplicate {
                    what: Entity::Event,
                    key: format!("periodic review {} of unit {}", new.year, new.unit),
                }
                .into());
            }
            Err(e) => return Err(db(e)),
        };
        if let Some(req) = &new.request {
            sqlx::query(
                "INSERT INTO review_list (round_id, household_id, added_on) VALUES ($1, $2, $3)",
            )
            .bind(id.0)
            .bind(req.household.0)
            .bind(new.on)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        event(
            &mut tx,
            ctx,
            id,
            "open",
            None,
            Some(round.stage),
            new.on,
            serde_json::json!({
                "kind": round.kind.code(),
                "unit": new.unit.0,
                "year": round.year,
                "standard_id": new.standard_id,
                "workflow_id": wf.id,
                "request": new.request.as_ref().map(|r| serde_json::json!({
                    "household": r.household.0, "form": r.form.code(), "channel": r.channel,
                })),
            }),
        )
        .await?;
        let stored = load_round(&mut tx, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn review_round(&self, id: RoundId) -> ReviewResult<StoredRound> {
        let mut c = self.pool.acquire().await.map_err(db)?;
        load_round(&mut c, id).await
    }

    async fn review_rounds(&self, unit: UnitId) -> ReviewResult<Vec<StoredRound>> {
        let sql = format!("SELECT {ROUND_COLS} FROM review_rounds WHERE unit_id = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(unit.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(round_from_row).collect()
    }

    async fn add_to_list(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        household: HouseholdId,
        on: NaiveDate,
    ) -> ReviewResult<()> {
        let mut tx = self.begin_write().await?;
        let r = load_round(&mut tx, round).await?;
        r.round.check_edit(Edit::List)?;
        let code = household_code(&mut tx, household).await?;
        let on_list: Option<i64> = sqlx::query_scalar(
            "SELECT household_id FROM review_list WHERE round_id = $1 AND household_id = $2",
        )
        .bind(round.0)
        .bind(household.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if on_list.is_some() {
            return Err(ReviewError::AlreadyListed {
                household: code.to_string(),
            }
            .into());
        }
        sqlx::query(
            "INSERT INTO review_list (round_id, household_id, added_on) VALUES ($1, $2, $3)",
        )
        .bind(round.0)
        .bind(household.0)
        .bind(on)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        event(
            &mut tx,
            ctx,
            round,
            "list_add",
            None,
            None,
            on,
            serde_json::json!({ "household": household.0, "code": code.as_str() }),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn review_list(&self, round: RoundId) -> ReviewResult<Vec<(HouseholdId, HouseholdCode)>> {
        let mut c = self.pool.acquire().await.map_err(db)?;
        load_round(&mut c, round).await?;
        let mut v: Vec<(HouseholdId, HouseholdCode)> = listed(&mut c, round)
            .await?
            .into_iter()
            .map(|(id, code)| (HouseholdId(id), code))
            .collect();
        v.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(v)
    }

    async fn save_form(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        form: &FormInput,
    ) -> ReviewResult<i64> {
        let mut tx = self.begin_write().await?;
        let r = load_round(&mut tx, round).await?;
        r.round.check_edit(Edit::Form)?;
        let code = listed_code(&mut tx, round, form.household).await?;
        let revision: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(revision), 0) + 1 FROM review_forms \
             WHERE round_id = $1 AND household_id = $2",
        )
        .bind(round.0)
        .bind(form.household.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO review_forms (round_id, household_id, revision, surveyed_on, tables_id, \
             placeholder, region, answers, deprived, quick_screen, score_a, score_b, class, \
             explanation_vi, explanation_en, recorded_at, actor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(round.0)
        .bind(form.household.0)
        .bind(revision)
        .bind(form.surveyed_on)
        .bind(form.tables_id.as_str())
        .bind(form.placeholder)
        .bind(form.income.region.as_str())
        .bind(json(&form.income.answers)?)
        .bind(json(&form.deprivation.deprived)?)
        .bind(match &form.quick_screen {
            Some(q) => Some(json(&q.met)?),
            None => None,
        })
        .bind(i64::from(form.score_a))
        .bind(i64::from(form.score_b))
        .bind(form.class.code())
        .bind(form.explanation_vi.as_str())
        .bind(form.explanation_en.as_str())
        .bind(Utc::now())
        .bind(ctx.actor.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        event(
            &mut tx,
            ctx,
            round,
            "form",
            None,
            None,
            form.surveyed_on,
            serde_json::json!({
                "household": form.household.0, "code": code.as_str(), "revision": revision,
                "score_a": form.score_a, "score_b": form.score_b, "class": form.class.code(),
            }),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(revision)
    }

    async fn review_forms(&self, round: RoundId) -> ReviewResult<Vec<StoredForm>> {
        let sql = format!(
            "SELECT {FORM_COLS} FROM review_forms f JOIN households h ON h.id = f.household_id \
             WHERE f.round_id = $1 AND f.revision = (SELECT MAX(g.revision) FROM review_forms g \
             WHERE g.round_id = f.round_id AND g.household_id = f.household_id) ORDER BY h.code"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(round.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(form_from_row).collect()
    }

    async fn form_revisions(
        &self,
        round: RoundId,
        household: HouseholdId,
    ) -> ReviewResult<Vec<StoredForm>> {
        let sql = format!(
            "SELECT {FORM_COLS} FROM review_forms f JOIN households h ON h.id = f.household_id \
             WHERE f.round_id = $1 AND f.household_id = $2 ORDER BY f.revision"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(round.0)
            .bind(household.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(form_from_row).collect()
    }

    async fn record_meeting(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        meeting: &Meeting,
        minutes: &str,
        wf: &Workflow,
    ) -> ReviewResult<StoredRound> {
        let mut tx = self.begin_write().await?;
        let r = load_round(&mut tx, round).await?;
        same_workflow(&r, wf)?;
        r.round.check_edit(Edit::Meeting)?;
        let result = meeting.result(wf)?;
        let by_code: BTreeMap<String, i64> = listed(&mut tx, round)
            .await?
            .into_iter()
            .map(|(id, code)| (code.as_str().to_string(), id))
            .collect();
        let mut votes = Vec::new();
        for t in &meeting.votes {
            let key = t.household.trim().to_ascii_uppercase();
            let Some(&id) = by_code.get(&key) else {
                return Err(ReviewError::NotListed {
                    household: t.household.clone(),
                }
                .into());
            };
            votes.push((id, t, !result.failed.contains(&t.household)));
        }
        let action = Action::RecordMeeting {
            on: meeting.held_on,
            failed: result.failed.clone(),
        };
        // Checked before anything is written.
        r.round.apply(&action, wf)?;
        let participants: Vec<serde_json::Value> = meeting
            .participants
            .iter()
            .map(|p| serde_json::json!({ "name": p.name, "role": p.role.code() }))
            .collect();
        let meeting_id: i64 = sqlx::query_scalar(
            "INSERT INTO review_meetings (round_id, village, held_on, attendees, participants, \
             minutes, agreed, recorded_at, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(round.0)
        .bind(meeting.village.as_str())
        .bind(meeting.held_on)
        .bind(i64::from(meeting.attendees))
        .bind(json(&participants)?)
        .bind(minutes)
        .bind(result.failed.is_empty())
        .bind(Utc::now())
        .bind(ctx.actor.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        for (id, t, agreed) in votes {
            sqlx::query(
                "INSERT INTO review_votes (meeting_id, round_id, household_id, agree, disagree, agreed) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(meeting_id)
            .bind(round.0)
            .bind(id)
            .bind(i64::from(t.agree))
            .bind(i64::from(t.disagree))
            .bind(agreed)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        Backend::step_round(
            &mut tx,
            ctx,
            &r,
            &action,
            wf,
            serde_json::json!({
                "meeting": meeting_id, "attendees": meeting.attendees,
                "agreed": result.agreed, "failed": result.failed,
            }),
        )
        .await?;
        let stored = load_round(&mut tx, round).await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn review_meetings(&self, round: RoundId) -> ReviewResult<Vec<StoredMeeting>> {
        let heads = sqlx::query(
            "SELECT id, round_id, village, held_on, attendees, participants, minutes, agreed, actor \
             FROM review_meetings WHERE round_id = $1 ORDER BY id",
        )
        .bind(round.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut out = Vec::new();
        for h in &heads {
            let id: i64 = get(h, "id")?;
            let attendees: i64 = get(h, "attendees")?;
            let participants: String = get(h, "participants")?;
            let participants: Vec<serde_json::Value> = from_json(&participants)?;
            let participants = participants
                .iter()
                .map(|p| {
                    let role = p["role"].as_str().unwrap_or_default();
                    Ok(Participant {
                        name: p["name"].as_str().unwrap_or_default().to_string(),
                        role: Role::parse(role).ok_or_else(|| bad("meeting role", role))?,
                    })
                })
                .collect::<ReviewResult<Vec<Participant>>>()?;
            let rows = sqlx::query(
                "SELECT v.household_id, h.code, v.agree, v.disagree FROM review_votes v \
                 JOIN households h ON h.id = v.household_id WHERE v.meeting_id = $1 ORDER BY h.code",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
            let mut votes = Vec::new();
            let mut households = Vec::new();
            for v in &rows {
                let count = |col: &str| -> ReviewResult<u32> {
                    let n: i64 = get(v, col)?;
                    u32::try_from(n).map_err(ReviewStoreError::backend)
                };
                households.push(HouseholdId(get(v, "household_id")?));
                votes.push(Tally {
                    household: get(v, "code")?,
                    agree: count("agree")?,
                    disagree: count("disagree")?,
                });
            }
            out.push(StoredMeeting {
                id,
                round: RoundId(get(h, "round_id")?),
                meeting: Meeting {
                    village: get(h, "village")?,
                    held_on: get(h, "held_on")?,
                    attendees: u32::try_from(attendees).map_err(ReviewStoreError::backend)?,
                    participants,
                    votes,
                },
                households,
                minutes: get(h, "minutes")?,
                agreed: get(h, "agreed")?,
                actor: get(h, "actor")?,
            });
        }
        Ok(out)
    }

    async fn advance(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        step: Step,
        on: NaiveDate,
        wf: &Workflow,
    ) -> ReviewResult<StoredRound> {
        let mut tx = self.begin_write().await?;
        let r = load_round(&mut tx, round).await?;
        same_workflow(&r, wf)?;
        let mut detail = serde_json::json!({});
        let action = match step {
            Step::CloseList => {
                let n = listed(&mut tx, round).await?.len();
                detail = serde_json::json!({ "listed": n });
                Action::CloseList { on, listed: n }
            }
            Step::FinishScoring => {
                let rows = sqlx::query(
                    "SELECT h.code FROM review_list l JOIN households h ON h.id = l.household_id \
                     WHERE l.round_id = $1 AND NOT EXISTS (SELECT 1 FROM review_forms f \
                     WHERE f.round_id = l.round_id AND f.household_id = l.household_id) \
                     ORDER BY h.code",
                )
                .bind(round.0)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
                let unscored = rows
                    .iter()
                    .map(|r| get::<String>(r, "code"))
                    .collect::<ReviewResult<Vec<String>>>()?;
                Action::FinishScoring { on, unscored }
            }
            Step::Post => Action::Post { on },
            Step::EndPosting => Action::EndPosting { on },
            Step::CloseComplaints => {
                let open: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM review_complaints WHERE round_id = $1 AND resolved_on IS NULL",
                )
                .bind(round.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
                Action::CloseComplaints {
                    on,
                    open: usize::try_from(open).map_err(ReviewStoreError::backend)?,
                }
            }
            Step::RecordConsultation => Action::RecordConsultation { on },
            Step::Report => Action::Report { on },
        };
        let next = r.round.apply(&action, wf)?;
        match step {
            Step::Post => {
                let until = next.posting_until(wf).unwrap_or(on);
                detail = serde_json::json!({ "posted_on": on, "until": until });
                sqlx::query(
                    "INSERT INTO review_postings (round_id, posted_on, until) VALUES ($1, $2, $3)",
                )
                .bind(round.0)
                .bind(on)
                .bind(until)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
            Step::EndPosting => {
                sqlx::query(
                    "UPDATE review_postings SET ended_on = $1 WHERE round_id = $2 AND ended_on IS NULL",
                )
                .bind(on)
                .bind(round.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
            _ => {}
        }
        Backend::step_round(&mut tx, ctx, &r, &action, wf, detail).await?;
        let stored = load_round(&mut tx, round).await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
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
        let mut tx = self.begin_write().await?;
        let r = load_round(&mut tx, round).await?;
        same_workflow(&r, wf)?;
        let code = match household {
            Some(h) => Some(listed_code(&mut tx, round, h).await?.to_string()),
            None => None,
        };
        let c = Complaint::file(&r.round, code.clone(), on, text, wf)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO review_complaints (round_id, household_id, filed_on, text, due, \
             recorded_at, actor) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(round.0)
        .bind(household.map(|h| h.0))
        .bind(c.filed_on)
        .bind(c.text.as_str())
        .bind(c.due)
        .bind(Utc::now())
        .bind(ctx.actor.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        event(
            &mut tx,
            ctx,
            round,
            "complaint",
            None,
            None,
            on,
            serde_json::json!({ "complaint": id, "household": code, "due": c.due }),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
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
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT id, round_id, household_id, filed_on, text, due, resolved_on, outcome, resolution \
             FROM review_complaints WHERE id = $1",
        )
        .bind(complaint)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            return Err(StoreError::NotFound {
                what: Entity::Event,
                key: format!("complaint {complaint}"),
            }
            .into());
        };
        let stored = complaint_from_row(&row)?;
        let r = load_round(&mut tx, stored.round).await?;
        same_workflow(&r, wf)?;
        let c = Complaint {
            household: None,
            filed_on: stored.filed_on,
            text: stored.text.clone(),
            due: stored.due,
            resolved: stored.resolved.clone(),
        };
        let done = c.resolve(&r.round, on, outcome, note)?;
        let note = done
            .resolved
            .as_ref()
            .map(|x| x.2.clone())
            .unwrap_or_default();
        sqlx::query(
            "UPDATE review_complaints SET resolved_on = $1, outcome = $2, resolution = $3 WHERE id = $4",
        )
        .bind(on)
        .bind(outcome.code())
        .bind(note.as_str())
        .bind(complaint)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        event(
            &mut tx,
            ctx,
            stored.round,
            "resolve_complaint",
            None,
            None,
            on,
            serde_json::json!({ "complaint": complaint, "outcome": outcome.code(), "note": note }),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn complaints(&self, round: RoundId) -> ReviewResult<Vec<StoredComplaint>> {
        let rows = sqlx::query(
            "SELECT id, round_id, household_id, filed_on, text, due, resolved_on, outcome, resolution \
             FROM review_complaints WHERE round_id = $1 ORDER BY id",
        )
        .bind(round.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(complaint_from_row).collect()
    }

    async fn approve(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        on: NaiveDate,
        entries: &[SnapshotEntry],
        wf: &Workflow,
    ) -> ReviewResult<i64> {
        let mut tx = self.begin_write().await?;
        let r = load_round(&mut tx, round).await?;
        same_workflow(&r, wf)?;
        let action = Action::Approve { on };
        let next = r.round.apply(&action, wf)?;
        let list = listed(&mut tx, round).await?;
        let given: BTreeSet<i64> = entries.iter().map(|e| e.household.0).collect();
        if let Some(extra) = entries.iter().find(|e| !list.contains_key(&e.household.0)) {
            return Err(ReviewError::NotListed {
                household: extra.household_code.to_string(),
            }
            .into());
        }
        let missing: Vec<String> = list
            .iter()
            .filter(|(id, _)| !given.contains(id))
            .map(|(_, code)| code.to_string())
            .collect();
        if !missing.is_empty() || given.len() != entries.len() {
            return Err(ReviewError::Unscored {
                households: missing,
            }
            .into());
        }
        let seq = i64::from(next.approvals);
        let snapshot: i64 = sqlx::query_scalar(
            "INSERT INTO review_snapshots (round_id, seq, approved_on, standard_id, approved_at, actor) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(round.0)
        .bind(seq)
        .bind(on)
        .bind(r.standard_id.as_str())
        .bind(Utc::now())
        .bind(ctx.actor.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        for e in entries {
            sqlx::query(
                "INSERT INTO review_snapshot_entries (snapshot_id, household_id, household_code, \
                 unit_id, class, transition, newly_escaped_until, score_a, score_b, deprived, \
                 explanation_vi, explanation_en, caveats) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(snapshot)
            .bind(e.household.0)
            .bind(e.household_code.as_str())
            .bind(e.unit.0)
            .bind(e.class.code())
            .bind(e.transition.as_str())
            .bind(e.newly_escaped_until)
            .bind(e.score_a.map(i64::from))
            .bind(e.score_b.map(i64::from))
            .bind(json(&e.deprived)?)
            .bind(e.explanation_vi.as_str())
            .bind(e.explanation_en.as_str())
            .bind(json(&e.caveats)?)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        Backend::step_round(
            &mut tx,
            ctx,
            &r,
            &action,
            wf,
            serde_json::json!({ "snapshot": snapshot, "seq": seq, "households": entries.len() }),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(snapshot)
    }

    async fn reopen(
        &self,
        ctx: &ChangeContext,
        round: RoundId,
        to: Stage,
        on: NaiveDate,
        wf: &Workflow,
    ) -> ReviewResult<StoredRound> {
        let reason = match ctx.required_reason() {
            Ok(r) => r.to_string(),
            Err(StoreError::Invalid(Invalid::ReasonRequired)) => {
                return Err(ReviewError::ReasonRequired.into());
            }
            Err(e) => return Err(e.into()),
        };
        let mut tx = self.begin_write().await?;
        let r = load_round(&mut tx, round).await?;
        same_workflow(&r, wf)?;
        let action = Action::Reopen {
            on,
            to,
            reason: reason.clone(),
        };
        Backend::step_round(
            &mut tx,
            ctx,
            &r,
            &action,
            wf,
            serde_json::json!({ "reason": reason }),
        )
        .await?;
        let stored = load_round(&mut tx, round).await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn snapshots(&self, round: RoundId) -> ReviewResult<Vec<Snapshot>> {
        let heads = sqlx::query(
            "SELECT id, round_id, seq, approved_on, standard_id, actor FROM review_snapshots \
             WHERE round_id = $1 ORDER BY seq",
        )
        .bind(round.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut out = Vec::new();
        for h in &heads {
            let id: i64 = get(h, "id")?;
            let rows = sqlx::query(
                "SELECT household_id, household_code, unit_id, class, transition, newly_escaped_until, \
                 score_a, score_b, deprived, explanation_vi, explanation_en, caveats \
                 FROM review_snapshot_entries WHERE snapshot_id = $1 ORDER BY household_code",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
            let mut entries = Vec::new();
            for e in &rows {
                let code: String = get(e, "household_code")?;
                let class: String = get(e, "class")?;
                let deprived: String = get(e, "deprived")?;
                let caveats: String = get(e, "caveats")?;
                let a: Option<i64> = get(e, "score_a")?;
                let b: Option<i64> = get(e, "score_b")?;
                entries.push(SnapshotEntry {
                    household: HouseholdId(get(e, "household_id")?),
                    household_code: HouseholdCode::parse(&code)
                        .map_err(ReviewStoreError::backend)?,
                    unit: UnitId(get(e, "unit_id")?),
                    class: Class::parse(&class).ok_or_else(|| bad("class", &class))?,
                    transition: get(e, "transition")?,
                    newly_escaped_until: get(e, "newly_escaped_until")?,
                    score_a: a
                        .map(i32::try_from)
                        .transpose()
                        .map_err(ReviewStoreError::backend)?,
                    score_b: b
                        .map(i32::try_from)
                        .transpose()
                        .map_err(ReviewStoreError::backend)?,
                    deprived: from_json(&deprived)?,
                    explanation_vi: get(e, "explanation_vi")?,
                    explanation_en: get(e, "explanation_en")?,
                    caveats: from_json(&caveats)?,
                });
            }
            out.push(Snapshot {
                id,
                round: RoundId(get(h, "round_id")?),
                seq: get(h, "seq")?,
                approved_on: get(h, "approved_on")?,
                standard_id: get(h, "standard_id")?,
                actor: get(h, "actor")?,
                entries,
            });
        }
        Ok(out)
    }

    async fn approved_history(
        &self,
        household: HouseholdId,
        for_round: Option<RoundId>,
    ) -> ReviewResult<Vec<(NaiveDate, Class)>> {
        // The latest snapshot of every round, leaving out the round being labelled (`$2`).
        let rows = sqlx::query(
            "SELECT s.approved_on, e.class FROM review_snapshot_entries e \
             JOIN review_snapshots s ON s.id = e.snapshot_id \
             WHERE e.household_id = $1 AND s.seq = (SELECT MAX(t.seq) FROM review_snapshots t \
             WHERE t.round_id = s.round_id) AND ($2 IS NULL OR s.round_id <> $2) \
             ORDER BY s.approved_on, s.id",
        )
        .bind(household.0)
        .bind(for_round.map(|r| r.0))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let class: String = get(r, "class")?;
                Ok((
                    get(r, "approved_on")?,
                    Class::parse(&class).ok_or_else(|| bad("class", &class))?,
                ))
            })
            .collect()
    }

    async fn round_events(&self, round: RoundId) -> ReviewResult<Vec<RoundEvent>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, origin, action, from_stage, to_stage, on_date, reason, detail \
             FROM review_events WHERE round_id = $1 ORDER BY id",
        )
        .bind(round.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let from: Option<String> = get(r, "from_stage")?;
                let to: Option<String> = get(r, "to_stage")?;
                Ok(RoundEvent {
                    id: get(r, "id")?,
                    at: get(r, "at")?,
                    actor: get(r, "actor")?,
                    origin: get(r, "origin")?,
                    action: get(r, "action")?,
                    from: from.as_deref().and_then(Stage::parse),
                    to: to.as_deref().and_then(Stage::parse),
                    on: get(r, "on_date")?,
                    reason: get(r, "reason")?,
                    detail: get(r, "detail")?,
                })
            })
            .collect()
    }
}

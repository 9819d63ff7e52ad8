//! [`AccountStore`] for both backends: this file is a module of `ansinh-store-sqlite` and, by `#[path]`,
//! of `ansinh-store-postgres`. It uses only what each crate root defines (`Backend`, `Db` and the
//! `pool` field) and SQL both databases read the same way (`$N`, `RETURNING`, `WITH RECURSIVE`).

use chrono::{DateTime, Utc};
use sqlx::Row;

use ansinh_domain::registry::{HouseholdId, UnitId};
use ansinh_domain::text::NfcText;
use ansinh_store::accounts::{
    AccountStore, ClassificationFact, NewUser, Role, Session, User, UserChange, UserId,
    valid_agency, valid_username,
};
use ansinh_store::{
    AccountProblem, ChangeContext, Entity, HouseholdHit, Invalid, Result, StoreError,
};

use super::{Backend, Db};

type DbRow = <Db as sqlx::Database>::Row;

fn db(e: sqlx::Error) -> StoreError {
    StoreError::backend(e)
}

fn get<'r, T>(row: &'r DbRow, col: &str) -> Result<T>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    row.try_get(col).map_err(db)
}

const USER_COLS: &str =
    "id, username, display_name, password_hash, role, unit_id, agency, active, created_at";

fn user_from_row(row: &DbRow) -> Result<User> {
    let role: String = get(row, "role")?;
    let unit: Option<i64> = get(row, "unit_id")?;
    Ok(User {
        id: UserId(get(row, "id")?),
        username: get(row, "username")?,
        display_name: get(row, "display_name")?,
        password_hash: get(row, "password_hash")?,
        role: Role::from_code(&role)
            .ok_or_else(|| StoreError::backend(format!("unknown role `{role}`")))?,
        unit: unit.map(UnitId),
        agency: get(row, "agency")?,
        active: get(row, "active")?,
        created_at: get(row, "created_at")?,
    })
}

fn session_from_row(row: &DbRow) -> Result<Session> {
    Ok(Session {
        token_hash: get(row, "token_hash")?,
        user: UserId(get(row, "user_id")?),
        csrf_token: get(row, "csrf_token")?,
        created_at: get(row, "created_at")?,
        expires_at: get(row, "expires_at")?,
    })
}

/// `WITH RECURSIVE` prefix naming the subtree of `$1` as `sub(id)`.
const SUBTREE: &str = "WITH RECURSIVE sub(id) AS (SELECT id FROM units WHERE id = $1 \
     UNION SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) ";

async fn audit_event(
    c: &mut <Db as sqlx::Database>::Connection,
    ctx: &ChangeContext,
    entity_id: Option<i64>,
    detail: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, origin, action, entity, entity_id, new_value, reason) \
         VALUES ($1, $2, $3, 'event', $4, $5, $6, $7)",
    )
    .bind(Utc::now())
    .bind(ctx.actor.as_str())
    .bind(ctx.origin.as_str())
    .bind(Entity::Event.code())
    .bind(entity_id)
    .bind(detail.to_string())
    .bind(ctx.reason.as_deref())
    .execute(&mut *c)
    .await
    .map_err(db)?;
    Ok(())
}

/// The agency stored for an account: required and well formed for a partner agency, none otherwise.
fn agency_of(role: Role, agency: Option<&str>) -> Result<Option<String>> {
    if role != Role::Partner {
        return Ok(None);
    }
    match agency.map(str::trim).filter(|a| !a.is_empty()) {
        None => Err(StoreError::Invalid(Invalid::Account(
            AccountProblem::AgencyRequired,
        ))),
        Some(a) if valid_agency(a) => Ok(Some(a.to_string())),
        Some(a) => Err(StoreError::Invalid(Invalid::Value(
            ansinh_domain::registry::RegistryError::Code {
                what: "cơ quan phối hợp / partner agency",
                value: a.to_string(),
            },
        ))),
    }
}

async fn user_in(c: &mut <Db as sqlx::Database>::Connection, id: UserId) -> Result<User> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::NotFound {
            what: Entity::Event,
            key: format!("user {id}"),
        })?;
    user_from_row(&row)
}

/// Refuses a change that leaves no active administrator (checked inside the change's transaction).
async fn ensure_an_administrator(c: &mut <Db as sqlx::Database>::Connection) -> Result<()> {
    let admins: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active")
            .fetch_one(&mut *c)
            .await
            .map_err(db)?;
    if admins == 0 {
        return Err(StoreError::Invalid(Invalid::Account(
            AccountProblem::LastAdministrator,
        )));
    }
    Ok(())
}

impl AccountStore for Backend {
    async fn create_user(&self, ctx: &ChangeContext, user: &NewUser) -> Result<UserId> {
        if !valid_username(&user.username) {
            return Err(StoreError::Invalid(Invalid::Value(
                ansinh_domain::registry::RegistryError::Code {
                    what: "tên đăng nhập / user name",
                    value: user.username.clone(),
                },
            )));
        }
        if user.role != Role::Admin && user.unit.is_none() {
            return Err(StoreError::Invalid(Invalid::Account(
                AccountProblem::UnitRequired,
            )));
        }
        let agency = agency_of(user.role, user.agency.as_deref())?;
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(user.username.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if taken.is_some() {
            return Err(StoreError::Duplicate {
                what: Entity::Event,
                key: format!("user {}", user.username),
            });
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, password_hash, role, unit_id, agency, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(user.username.as_str())
        .bind(NfcText::new(&user.display_name).as_str().to_string())
        .bind(user.password_hash.as_str())
        .bind(user.role.code())
        .bind(user.unit.map(|u| u.0))
        .bind(agency.as_deref())
        .bind(true)
        .bind(Utc::now())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let detail = serde_json::json!({
            "user_created": user.username,
            "role": user.role.code(),
            "unit": user.unit.map(|u| u.0),
            "agency": agency,
        });
        audit_event(&mut tx, ctx, Some(id), detail).await?;
        tx.commit().await.map_err(db)?;
        Ok(UserId(id))
    }

    async fn user(&self, id: UserId) -> Result<User> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::NotFound {
                what: Entity::Event,
                key: format!("user {id}"),
            })?;
        user_from_row(&row)
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE username = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn count_users(&self) -> Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    async fn users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users ORDER BY username");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn update_user(
        &self,
        ctx: &ChangeContext,
        id: UserId,
        change: &UserChange,
    ) -> Result<User> {
        if change.role != Role::Admin && change.unit.is_none() {
            return Err(StoreError::Invalid(Invalid::Account(
                AccountProblem::UnitRequired,
            )));
        }
        let agency = agency_of(change.role, change.agency.as_deref())?;
        let mut tx = self.begin_write().await?;
        let before = user_in(&mut tx, id).await?;
        sqlx::query(
            "UPDATE users SET display_name = $1, role = $2, unit_id = $3, agency = $4 WHERE id = $5",
        )
        .bind(NfcText::new(&change.display_name).as_str().to_string())
        .bind(change.role.code())
        .bind(change.unit.map(|u| u.0))
        .bind(agency.as_deref())
        .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        ensure_an_administrator(&mut tx).await?;
        if before.role != change.role || before.unit != change.unit || before.agency != agency {
            // What the account may see changed: its open sessions end.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let detail = serde_json::json!({
            "user_changed": before.username,
            "old": { "role": before.role.code(), "unit": before.unit.map(|u| u.0), "agency": before.agency, "display_name": before.display_name },
            "new": { "role": change.role.code(), "unit": change.unit.map(|u| u.0), "agency": agency, "display_name": change.display_name },
        });
        audit_event(&mut tx, ctx, Some(id.0), detail).await?;
        let after = user_in(&mut tx, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn set_user_active(&self, ctx: &ChangeContext, id: UserId, active: bool) -> Result<User> {
        let mut tx = self.begin_write().await?;
        let before = user_in(&mut tx, id).await?;
        sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
            .bind(active)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        ensure_an_administrator(&mut tx).await?;
        if !active {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let detail = if active {
            serde_json::json!({ "user_enabled": before.username })
        } else {
            serde_json::json!({ "user_disabled": before.username })
        };
        audit_event(&mut tx, ctx, Some(id.0), detail).await?;
        let after = user_in(&mut tx, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn set_password_hash(
        &self,
        ctx: &ChangeContext,
        id: UserId,
        password_hash: &str,
        keep: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound {
                what: Entity::Event,
                key: format!("user {id}"),
            });
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(id.0)
            .bind(keep.unwrap_or(""))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit_event(
            &mut tx,
            ctx,
            Some(id.0),
            serde_json::json!({ "password_changed": id.0 }),
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn create_session(&self, s: &Session) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(s.token_hash.as_str())
        .bind(s.user.0)
        .bind(s.csrf_token.as_str())
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM sessions \
             WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let s = session_from_row(&row)?;
        Ok((s.expires_at > now).then_some(s))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn purge_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db)?
            .rows_affected())
    }

    async fn public_lists(&self, unit: UnitId) -> Result<bool> {
        let on: Option<bool> =
            sqlx::query_scalar("SELECT public_lists FROM unit_settings WHERE unit_id = $1")
                .bind(unit.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(on.unwrap_or(true))
    }

    async fn set_public_lists(&self, ctx: &ChangeContext, unit: UnitId, on: bool) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO unit_settings (unit_id, public_lists) VALUES ($1, $2) \
             ON CONFLICT (unit_id) DO UPDATE SET public_lists = excluded.public_lists",
        )
        .bind(unit.0)
        .bind(on)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit_event(
            &mut tx,
            ctx,
            Some(unit.0),
            serde_json::json!({ "unit": unit.0, "public_lists": on }),
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn search_households_under(
        &self,
        root: Option<UnitId>,
        query: &str,
        limit: u32,
    ) -> Result<Vec<HouseholdHit>> {
        let (cte, scope) = match root {
            Some(_) => (SUBTREE, "AND unit_id IN (SELECT id FROM sub)"),
            None => ("", "AND $1 = $1"),
        };
        super::search_walks(
            &self.pool,
            cte,
            scope,
            root.map_or(0, |u| u.0),
            query,
            limit,
        )
        .await
    }

    async fn classifications_of(
        &self,
        households: &[HouseholdId],
    ) -> Result<Vec<ClassificationFact>> {
        let mut out = Vec::new();
        // In slices, to stay far below either backend's limit on bound parameters.
        for ids in households.chunks(500) {
            let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT household_id, as_of, class, deprived FROM classifications \
                 WHERE household_id IN ({}) ORDER BY as_of, id",
                marks.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for h in ids {
                q = q.bind(h.0);
            }
            let rows = q.fetch_all(&self.pool).await.map_err(db)?;
            for r in &rows {
                out.push(fact_of(r)?);
            }
        }
        out.sort_by_key(|f| f.as_of);
        Ok(out)
    }

    async fn classifications_under(&self, root: Option<UnitId>) -> Result<Vec<ClassificationFact>> {
        let (prefix, scope) = match root {
            Some(_) => (SUBTREE, "AND h.unit_id IN (SELECT id FROM sub)"),
            None => ("", "AND $1 = $1"),
        };
        let sql = format!(
            "{prefix}SELECT c.household_id, c.as_of, c.class, c.deprived FROM classifications c \
             JOIN households h ON h.id = c.household_id \
             WHERE h.deleted_at IS NULL {scope} ORDER BY c.as_of, c.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(root.map_or(0, |u| u.0))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(fact_of).collect()
    }
}

fn fact_of(r: &DbRow) -> Result<ClassificationFact> {
    let deprived: String = get(r, "deprived")?;
    Ok(ClassificationFact {
        household: HouseholdId(get(r, "household_id")?),
        as_of: get(r, "as_of")?,
        class: get(r, "class")?,
        deprived: deprived
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

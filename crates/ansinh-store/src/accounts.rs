//! Accounts, sessions and the few scoped reads the web application needs, as a second storage trait
//! ([`AccountStore`]) beside [`crate::Store`]. Both backends implement it over the same tables
//! (`0003_accounts.sql`).
//!
//! The store keeps password *hashes* only (argon2 PHC strings, made by the web layer) and session
//! tokens only as their SHA-256 digests, so a copy of the database cannot be used to log in.

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};

use ansinh_domain::registry::{HouseholdId, UnitId};

use crate::{ChangeContext, HouseholdHit, Result};

/// Store-assigned identity of a user account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub i64);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a user may do; the unit the account is attached to bounds where.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Commune officer (cán bộ xã): reads and edits the households of its commune.
    CommuneOfficer,
    /// District or province officer: reads its whole subtree, approves summaries; edits nothing.
    Supervisor,
    /// Partner agency: reads and exports only the published lists of its subtree.
    Partner,
    /// Administrator: everything, everywhere (the unit may be empty: the whole country).
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::CommuneOfficer,
        Role::Supervisor,
        Role::Partner,
        Role::Admin,
    ];
    /// Stable code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            Role::CommuneOfficer => "commune_officer",
            Role::Supervisor => "supervisor",
            Role::Partner => "partner",
            Role::Admin => "admin",
        }
    }
    pub fn from_code(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }
    pub fn vi(self) -> &'static str {
        match self {
            Role::CommuneOfficer => "cán bộ cấp xã",
            Role::Supervisor => "cán bộ cấp huyện/tỉnh",
            Role::Partner => "cơ quan phối hợp",
            Role::Admin => "quản trị viên",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Role::CommuneOfficer => "commune officer",
            Role::Supervisor => "district/province officer",
            Role::Partner => "partner agency",
            Role::Admin => "administrator",
        }
    }
}

/// A user account to create. `unit` is `None` only for an administrator of the whole registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    /// Login name: 3–64 characters, lowercase ASCII letters, digits, `.`, `_`, `-`.
    pub username: String,
    pub display_name: String,
    /// An argon2 PHC string.
    pub password_hash: String,
    pub role: Role,
    pub unit: Option<UnitId>,
    /// For a partner agency account, which partner's lists it receives (see [`valid_agency`]);
    /// ignored (stored as none) for the other roles.
    pub agency: Option<String>,
}

/// New values for an account's name, role, unit and agency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserChange {
    pub display_name: String,
    pub role: Role,
    pub unit: Option<UnitId>,
    pub agency: Option<String>,
}

/// A stored user account.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub unit: Option<UnitId>,
    /// The partner list a partner agency account receives (`None` for the other roles).
    pub agency: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for User {
    // The hash stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("unit", &self.unit)
            .field("agency", &self.agency)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// Whether a login name is acceptable (see [`NewUser::username`]).
pub fn valid_username(s: &str) -> bool {
    (3..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// Whether a partner agency id is well formed: 1–32 lowercase ASCII letters, digits, `-`, `_` (the
/// ids of `policies/exports/partners.toml`; whether the id names a known partner is checked where the
/// partner file is loaded: the web app and the CLI).
pub fn valid_agency(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'))
}

/// A login session. `token_hash` is the SHA-256 digest (hex) of the cookie's secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub user: UserId,
    /// The anti-forgery token every form of this session carries.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// One classification of the history, reduced to what dashboards count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassificationFact {
    pub household: HouseholdId,
    pub as_of: NaiveDate,
    /// Class code (`poor`, `near_poor`, …, `incomplete`).
    pub class: String,
    pub deprived: Vec<String>,
}

/// Accounts, sessions, per-unit settings and scoped reads. Every backend implements it.
///
/// A *subtree* is a unit and every unit whose parent chain leads to it (over all recorded units,
/// current and past); `None` as a root means the whole registry.
pub trait AccountStore: Send + Sync {
    /// Creates a user. Fails with `Duplicate` for a login name already taken.
    fn create_user(
        &self,
        ctx: &ChangeContext,
        user: &NewUser,
    ) -> impl Future<Output = Result<UserId>> + Send;

    fn user(&self, id: UserId) -> impl Future<Output = Result<User>> + Send;

    fn user_by_username(&self, username: &str)
    -> impl Future<Output = Result<Option<User>>> + Send;

    fn count_users(&self) -> impl Future<Output = Result<i64>> + Send;

    /// Every account, active or not, by login name.
    fn users(&self) -> impl Future<Output = Result<Vec<User>>> + Send;

    /// Changes an account's name, role and unit (audited). Refused with
    /// [`AccountProblem::UnitRequired`](crate::AccountProblem) for a role other than administrator
    /// without a unit, and with `LastAdministrator` when it would leave no active administrator.
    fn update_user(
        &self,
        ctx: &ChangeContext,
        id: UserId,
        change: &UserChange,
    ) -> impl Future<Output = Result<User>> + Send;

    /// Disables (every session of the account ends) or enables an account (audited). Disabling the
    /// last active administrator is refused.
    fn set_user_active(
        &self,
        ctx: &ChangeContext,
        id: UserId,
        active: bool,
    ) -> impl Future<Output = Result<User>> + Send;

    /// Replaces a user's password hash and ends every session of the user except `keep` (the session
    /// that made the change).
    fn set_password_hash(
        &self,
        ctx: &ChangeContext,
        id: UserId,
        password_hash: &str,
        keep: Option<&str>,
    ) -> impl Future<Output = Result<()>> + Send;

    fn create_session(&self, session: &Session) -> impl Future<Output = Result<()>> + Send;

    /// The session with this token digest, if it exists and has not expired at `now`.
    fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Session>>> + Send;

    fn delete_session(&self, token_hash: &str) -> impl Future<Output = Result<()>> + Send;

    /// Removes sessions expired at `now`; returns how many.
    fn purge_sessions(&self, now: DateTime<Utc>) -> impl Future<Output = Result<u64>> + Send;

    /// Whether the unit publishes its lists of poor and near-poor households (default: yes).
    fn public_lists(&self, unit: UnitId) -> impl Future<Output = Result<bool>> + Send;

    fn set_public_lists(
        &self,
        ctx: &ChangeContext,
        unit: UnitId,
        on: bool,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Live households of a subtree whose head's name or address has a word starting with the query
    /// (case and diacritics ignored), in Vietnamese order of the head's name.
    fn search_households_under(
        &self,
        root: Option<UnitId>,
        query: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<HouseholdHit>>> + Send;

    /// The classification history of the live households of a subtree, oldest first.
    fn classifications_under(
        &self,
        root: Option<UnitId>,
    ) -> impl Future<Output = Result<Vec<ClassificationFact>>> + Send;

    /// The classification history of these households (a page of search results), oldest first. The
    /// caller has checked that they are in its scope.
    fn classifications_of(
        &self,
        households: &[HouseholdId],
    ) -> impl Future<Output = Result<Vec<ClassificationFact>>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_usernames_are_checked() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert!(valid_username("cb.xa-01"));
        assert!(!valid_username("ab"));
        assert!(!valid_username("Admin"));
        assert!(!valid_username("cán_bộ"));
    }
}

//! [`AccountStore`] for [`AnyStore`]: every method delegated to the backend held.

use chrono::{DateTime, Utc};

use ansinh_domain::registry::{HouseholdId, UnitId};
use ansinh_store::accounts::*;
use ansinh_store::{ChangeContext, HouseholdHit, Result};

use crate::{AnyStore, both};

impl AccountStore for AnyStore {
    async fn create_user(&self, ctx: &ChangeContext, user: &NewUser) -> Result<UserId> {
        both!(self, s => s.create_user(ctx, user).await)
    }

    async fn user(&self, id: UserId) -> Result<User> {
        both!(self, s => s.user(id).await)
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        both!(self, s => s.user_by_username(username).await)
    }

    async fn count_users(&self) -> Result<i64> {
        both!(self, s => s.count_users().await)
    }

    async fn users(&self) -> Result<Vec<User>> {
        both!(self, s => s.users().await)
    }

    async fn update_user(
        &self,
        ctx: &ChangeContext,
        id: UserId,
        change: &UserChange,
    ) -> Result<User> {
        both!(self, s => s.update_user(ctx, id, change).await)
    }

    async fn set_user_active(&self, ctx: &ChangeContext, id: UserId, active: bool) -> Result<User> {
        both!(self, s => s.set_user_active(ctx, id, active).await)
    }

    async fn set_password_hash(
        &self,
        ctx: &ChangeContext,
        id: UserId,
        password_hash: &str,
        keep: Option<&str>,
    ) -> Result<()> {
        both!(self, s => s.set_password_hash(ctx, id, password_hash, keep).await)
    }

    async fn create_session(&self, session: &Session) -> Result<()> {
        both!(self, s => s.create_session(session).await)
    }

    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        both!(self, s => s.session(token_hash, now).await)
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        both!(self, s => s.delete_session(token_hash).await)
    }

    async fn purge_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        both!(self, s => s.purge_sessions(now).await)
    }

    async fn public_lists(&self, unit: UnitId) -> Result<bool> {
        both!(self, s => s.public_lists(unit).await)
    }

    async fn set_public_lists(&self, ctx: &ChangeContext, unit: UnitId, on: bool) -> Result<()> {
        both!(self, s => s.set_public_lists(ctx, unit, on).await)
    }

    async fn search_households_under(
        &self,
        root: Option<UnitId>,
        query: &str,
        limit: u32,
    ) -> Result<Vec<HouseholdHit>> {
        both!(self, s => s.search_households_under(root, query, limit).await)
    }

    async fn classifications_under(&self, root: Option<UnitId>) -> Result<Vec<ClassificationFact>> {
        both!(self, s => s.classifications_under(root).await)
    }

    async fn classifications_of(
        &self,
        households: &[HouseholdId],
    ) -> Result<Vec<ClassificationFact>> {
        both!(self, s => s.classifications_of(households).await)
    }
}

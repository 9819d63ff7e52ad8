//! Who may do what in the review (rà soát), decided beside the registry's rules so that one module
//! still decides every access. A round belongs to its commune: it is seen by the roles that read
//! households, within their unit subtree; the commune's steps (opening, listing, forms, meeting,
//! posting, complaints, decision, report, reopening) are the commune officer's; the upper level's
//! opinion (the consultation step of the workflow) is the district or province officer's. A round
//! outside the subtree is answered "not found", like one that does not exist.

use ansinh_domain::registry::UnitId;
use ansinh_store::accounts::Role;
use ansinh_store::review::{ReviewStore, ReviewStoreError, RoundId, StoredRound};
use ansinh_store::{Store, StoreError, StoredUnit};

use super::{Scope, Scoped};
use crate::error::{AppError, AppResult};

/// What a review operation needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewAccess {
    /// Rounds, forms, meetings, postings, complaints, results and movement.
    Read,
    /// The commune's own steps.
    Commune,
    /// The upper level's step: its opinion on a commune's results.
    Upper,
}

impl ReviewAccess {
    pub fn code(self) -> &'static str {
        match self {
            ReviewAccess::Read => "read",
            ReviewAccess::Commune => "commune",
            ReviewAccess::Upper => "upper",
        }
    }
}

impl Scope {
    /// Whether the role may do this in the review (where: the subtree).
    pub fn allows_review(&self, a: ReviewAccess) -> bool {
        match (self.role, a) {
            (Role::Admin, _) => true,
            (Role::Partner, _) => false,
            (Role::CommuneOfficer, ReviewAccess::Read | ReviewAccess::Commune) => true,
            (Role::Supervisor, ReviewAccess::Read | ReviewAccess::Upper) => true,
            (Role::CommuneOfficer, ReviewAccess::Upper)
            | (Role::Supervisor, ReviewAccess::Commune) => false,
        }
    }

    /// Whether this scope may do `a` on a round of `commune`: the role allows it, and the upper
    /// level's step needs a unit above the round's commune.
    pub fn may_on_round(&self, a: ReviewAccess, commune: UnitId) -> bool {
        self.allows_review(a) && !(a == ReviewAccess::Upper && self.root == Some(commune))
    }
}

impl<S> Scoped<'_, S> {
    fn require_review(&self, a: ReviewAccess) -> AppResult<()> {
        if self.scope.allows_review(a) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether the role may do this in the review.
    pub fn may_review(&self, a: ReviewAccess) -> bool {
        self.scope.allows_review(a)
    }
}

impl<S: Store + ReviewStore> Scoped<'_, S> {
    /// A unit of the subtree, for the review's summaries.
    pub async fn review_unit(&self, id: UnitId, a: ReviewAccess) -> AppResult<StoredUnit> {
        self.require_review(a)?;
        self.unit(id).await
    }

    /// A commune-level unit of the subtree.
    pub async fn review_commune(&self, id: UnitId, a: ReviewAccess) -> AppResult<StoredUnit> {
        let u = self.review_unit(id, a).await?;
        if u.unit.kind.level() != 3 {
            return Err(AppError::NotFound);
        }
        Ok(u)
    }

    /// The commune-level units of the subtree, in code order.
    pub async fn review_communes(&self) -> AppResult<Vec<StoredUnit>> {
        self.require_review(ReviewAccess::Read)?;
        let mut v: Vec<StoredUnit> = self
            .units()
            .await?
            .into_iter()
            .filter(|u| u.unit.kind.level() == 3)
            .collect();
        v.sort_by(|a, b| a.unit.code.cmp(&b.unit.code));
        Ok(v)
    }

    /// A round of the subtree. The upper level's step needs a unit above the round's commune.
    pub async fn round(&self, id: RoundId, a: ReviewAccess) -> AppResult<StoredRound> {
        self.require_review(a)?;
        let r = self.round_in_subtree(id).await?;
        if a == ReviewAccess::Upper && self.scope.root == Some(r.unit) {
            return Err(AppError::Forbidden);
        }
        Ok(r)
    }

    /// A round whose commune lies in the subtree ("not found" otherwise), whatever the role.
    async fn round_in_subtree(&self, id: RoundId) -> AppResult<StoredRound> {
        let r = match self.store.review_round(id).await {
            Ok(r) => r,
            Err(ReviewStoreError::Store(StoreError::NotFound { .. })) => {
                return Err(AppError::NotFound);
            }
            Err(e) => return Err(e.into()),
        };
        if !self.covers(r.unit).await? {
            return Err(AppError::NotFound);
        }
        Ok(r)
    }

    /// The commune-level units of the subtree whose partner lists this actor may receive: the
    /// review's readers and partner agencies (theirs only: see [`Scoped::partner_round`]).
    pub async fn partner_communes(&self) -> AppResult<Vec<StoredUnit>> {
        if self.scope.role != Role::Partner {
            return self.review_communes().await;
        }
        let mut v: Vec<StoredUnit> = self
            .units()
            .await?
            .into_iter()
            .filter(|u| u.unit.kind.level() == 3)
            .collect();
        v.sort_by(|a, b| a.unit.code.cmp(&b.unit.code));
        Ok(v)
    }

    /// A round of the subtree whose list for the partner `partner` this actor may download: a reader
    /// of the review may download every partner's list; a partner agency account only the list of
    /// its own agency (`agency`); any other list, like a round outside the subtree, is "not found".
    pub async fn partner_round(
        &self,
        id: RoundId,
        agency: Option<&str>,
        partner: &str,
    ) -> AppResult<StoredRound> {
        if self.scope.role == Role::Partner {
            if !may_receive(self.scope.role, agency, partner) {
                return Err(AppError::NotFound);
            }
            return self.round_in_subtree(id).await;
        }
        self.round(id, ReviewAccess::Read).await
    }
}

/// Whether a role (with its account's agency) receives the list of `partner`: every reader of the
/// review does; a partner agency only its own agency's list.
pub fn may_receive(role: Role, agency: Option<&str>, partner: &str) -> bool {
    match role {
        Role::Partner => agency == Some(partner),
        Role::Admin | Role::CommuneOfficer | Role::Supervisor => true,
    }
}

//! Who acts, and the pure authorisation policy: what a role may do ([`Action`], [`ReviewAccess`]), over
//! which units ([`Scope`]: the account's unit and everything below it), and which partner list it
//! receives ([`may_receive`]). Data is read through [`Scoped`], which checks the role and that the
//! record lies in the subtree; a record outside it is answered "not found", exactly like a record that
//! does not exist, so guessing ids reveals nothing.
//!
//! Sessions, cookies and anti-forgery tokens are the web's; an [`Actor`] is what is left once the web
//! (or the CLI) knows who is asking.

use ansinh_domain::registry::UnitId;
use ansinh_store::ChangeContext;
use ansinh_store::accounts::{Role, User};

mod review;
mod scoped;

pub use review::{ReviewAccess, may_receive};
pub use scoped::Scoped;

/// Who performs a use case: the name recorded in the audit trail, the role, the unit the account is
/// bound to (`None`: the whole registry, administrators only), the partner agency of a partner account,
/// and the channel the request came through (`web:<address>`, `cli`), recorded beside the name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    pub unit: Option<UnitId>,
    pub agency: Option<String>,
    pub channel: String,
}

impl Actor {
    /// The actor of a logged-in account.
    pub fn of_user(user: &User, channel: &str) -> Actor {
        Actor {
            name: user.username.clone(),
            role: user.role,
            unit: user.unit,
            agency: user.agency.clone(),
            channel: channel.to_string(),
        }
    }

    /// An administrator over the whole registry (the CLI's actor).
    pub fn admin(name: &str, channel: &str) -> Actor {
        Actor {
            name: name.to_string(),
            role: Role::Admin,
            unit: None,
            agency: None,
            channel: channel.to_string(),
        }
    }

    /// The actor's reach.
    pub fn scope(&self) -> Scope {
        Scope::new(self.role, self.unit)
    }

    /// Data access bounded by this actor's scope.
    pub fn scoped<'a, S>(&self, store: &'a S) -> Scoped<'a, S> {
        Scoped::new(store, self.scope())
    }

    /// Refuses unless the role may do `a`.
    pub fn require(&self, a: Action) -> Result<(), crate::AppError> {
        if self.scope().allows(a) {
            Ok(())
        } else {
            Err(crate::AppError::Forbidden)
        }
    }

    /// The audit context of a change made by this actor.
    pub fn ctx(&self) -> ChangeContext {
        ChangeContext::new(&self.name, &self.channel)
    }
}

/// What a role may do (where: see [`Scope`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Counts and rates of the unit.
    Dashboard,
    /// Households, their members, classification, history and audit trail.
    ReadHouseholds,
    /// The lists of poor and near-poor households (names, village, class).
    ReadLists,
    /// Unit settings such as publishing the lists.
    ManageUnit,
    /// Create and change households and members, import files (commune officers, administrators).
    EditRegistry,
    /// Export the registry of the subtree as a file (not partner agencies: they have the lists).
    ExportRegistry,
    /// Create, change, disable accounts and set their passwords (administrators only).
    ManageAccounts,
    /// The support policies and the dated reference values: public-sector planning information, so
    /// every logged-in role reads them (partner agencies too). Nothing to write.
    ReadPolicies,
    /// Plan tables recomputed cell by cell and budget forecasts (with their downloads): administrators,
    /// province/district and commune officers; not partner agencies. Nothing to write.
    ReadPlans,
}

/// A reach: a role over a unit subtree (`root: None` is the whole registry, administrators only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    pub role: Role,
    pub root: Option<UnitId>,
}

impl Scope {
    /// The reach of a role bound to a unit. Only an administrator may be unbounded; any other role
    /// without a unit sees nothing.
    pub fn new(role: Role, unit: Option<UnitId>) -> Scope {
        Scope {
            role,
            root: match (role, unit) {
                (_, Some(u)) => Some(u),
                (Role::Admin, None) => None,
                (_, None) => Some(UnitId(-1)),
            },
        }
    }

    pub fn of(user: &User) -> Scope {
        Scope::new(user.role, user.unit)
    }

    pub fn allows(&self, a: Action) -> bool {
        match (self.role, a) {
            (_, Action::Dashboard | Action::ReadLists | Action::ReadPolicies) => true,
            (Role::Admin, Action::ManageAccounts) => true,
            (_, Action::ManageAccounts) => false,
            (Role::Partner, Action::ReadPlans) => false,
            (Role::Supervisor, Action::ReadPlans) => true,
            (Role::Admin | Role::CommuneOfficer, _) => true,
            (Role::Supervisor, Action::ReadHouseholds) => true,
            (Role::Supervisor, Action::ManageUnit) => false,
            (Role::Partner, Action::ReadHouseholds | Action::ManageUnit) => false,
            (Role::Supervisor, Action::ExportRegistry) => true,
            (Role::Supervisor, Action::EditRegistry) => false,
            (Role::Partner, Action::EditRegistry | Action::ExportRegistry) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_administrator_is_unbounded() {
        assert_eq!(Scope::new(Role::Admin, None).root, None);
        assert_eq!(
            Scope::new(Role::CommuneOfficer, None).root,
            Some(UnitId(-1))
        );
        let a = Actor::admin("cli-user", "cli");
        assert!(a.scope().allows(Action::ManageAccounts));
        assert_eq!(a.ctx().origin, "cli");
    }
}

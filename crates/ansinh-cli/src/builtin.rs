//! Standards and demo data compiled into the binary, so `ansinh` works offline from any folder.

pub use ansinh_domain::policy::builtin::STANDARDS;

pub const DEMO_HOUSEHOLDS: &str = include_str!("../../../demo/households.csv");
pub const DEMO_MEMBERS: &str = include_str!("../../../demo/members.csv");

// Policies, reference values, plan tables and planning inputs: shared with the web application.
pub use ansinh_domain::policy::builtin::{
    PARTNERS, PLAN_INPUTS, PLANS, POLICIES, REFERENCE_VALUES,
};

//! Demo data compiled into the binary, so `ansinh demo` works offline from any folder. The rules
//! (standards, policies, plans, …) are the rulebook's (`ansinh-rulebook`), loaded once at start.

pub const DEMO_HOUSEHOLDS: &str = include_str!("../../../demo/households.csv");
pub const DEMO_MEMBERS: &str = include_str!("../../../demo/members.csv");

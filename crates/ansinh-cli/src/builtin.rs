//! Standards and demo data compiled into the binary, so `ansinh` works offline from any folder.

pub const STANDARDS: &[(&str, &str)] = &[
    (
        "standards/bench-2022.toml",
        include_str!("../../../standards/bench-2022.toml"),
    ),
    (
        "standards/vn-2016-2020.toml",
        include_str!("../../../standards/vn-2016-2020.toml"),
    ),
    (
        "standards/vn-2022-2025.toml",
        include_str!("../../../standards/vn-2022-2025.toml"),
    ),
    (
        "standards/vn-2027-2030.toml",
        include_str!("../../../standards/vn-2027-2030.toml"),
    ),
    (
        "standards/hanoi-2022-2025.toml",
        include_str!("../../../standards/hanoi-2022-2025.toml"),
    ),
];

pub const DEMO_HOUSEHOLDS: &str = include_str!("../../../demo/households.csv");
pub const DEMO_MEMBERS: &str = include_str!("../../../demo/members.csv");

// Policies, reference values, plan tables and planning inputs: shared with the web application.
pub use ansinh_domain::policy::builtin::{
    PARTNERS, PLAN_INPUTS, PLANS, POLICIES, REFERENCE_VALUES,
};

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

/// The dated reference values the policies are priced with.
pub const REFERENCE_VALUES: (&str, &str) = (
    "policies/reference-values.toml",
    include_str!("../../../policies/reference-values.toml"),
);

/// Support policies (`policies/*.toml`, without the reference values).
pub const POLICIES: &[(&str, &str)] = &[
    (
        "policies/vn-health-insurance.toml",
        include_str!("../../../policies/vn-health-insurance.toml"),
    ),
    (
        "policies/vn-education.toml",
        include_str!("../../../policies/vn-education.toml"),
    ),
    (
        "policies/vn-electricity.toml",
        include_str!("../../../policies/vn-electricity.toml"),
    ),
    (
        "policies/vn-social-assistance.toml",
        include_str!("../../../policies/vn-social-assistance.toml"),
    ),
    (
        "policies/hanoi-2022-2025.toml",
        include_str!("../../../policies/hanoi-2022-2025.toml"),
    ),
    (
        "policies/ha-dong-2024.toml",
        include_str!("../../../policies/ha-dong-2024.toml"),
    ),
    (
        "policies/vn-vbsp-loans.toml",
        include_str!("../../../policies/vn-vbsp-loans.toml"),
    ),
];

/// Partner exports (`policies/exports/partners.toml`): which policies feed which partner's list.
pub const PARTNERS: (&str, &str) = (
    "policies/exports/partners.toml",
    include_str!("../../../policies/exports/partners.toml"),
);

/// Plan tables of the seed plans (`plans/*.toml`), checked by `ansinh plan check`.
pub const PLANS: &[(&str, &str)] = &[
    (
        "plans/hanoi-2022-2025-appendix-1.toml",
        include_str!("../../../plans/hanoi-2022-2025-appendix-1.toml"),
    ),
    (
        "plans/da-nang-2023-plan-66.toml",
        include_str!("../../../plans/da-nang-2023-plan-66.toml"),
    ),
    (
        "plans/ha-dong-2024-near-poor-exit.toml",
        include_str!("../../../plans/ha-dong-2024-near-poor-exit.toml"),
    ),
];

/// Planning inputs for `ansinh plan forecast`.
pub const PLAN_INPUTS: &[(&str, &str)] = &[(
    "plans/hanoi-2022-2025-forecast.toml",
    include_str!("../../../plans/hanoi-2022-2025-forecast.toml"),
)];

//! The rules shipped with ansinh, compiled into the binary from the repository's folders, so the
//! command line and the web application read the very same files, offline, from any folder. Each
//! constant is `(file name, text)` with the name as written in the repository.

/// The dated reference values the policies are priced with (base salary, social-assistance base, …).
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

/// Plan tables of the seed plans (`plans/*.toml`), recomputed cell by cell by `plan::check`.
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

/// Planning inputs (counts and reduction targets) for `forecast::forecast`.
pub const PLAN_INPUTS: &[(&str, &str)] = &[(
    "plans/hanoi-2022-2025-forecast.toml",
    include_str!("../../../plans/hanoi-2022-2025-forecast.toml"),
)];

/// The poverty standards (`standards/*.toml`).
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

/// The what-if scenarios (`simulations/*.toml`): standards layered on a base, for `ansinh simulate` and
/// the web page of simulations.
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "simulations/raise-lines-10pct.toml",
        include_str!("../../../simulations/raise-lines-10pct.toml"),
    ),
    (
        "simulations/drop-info-access.toml",
        include_str!("../../../simulations/drop-info-access.toml"),
    ),
    (
        "simulations/cutoff-4.toml",
        include_str!("../../../simulations/cutoff-4.toml"),
    ),
    (
        "simulations/bench-raise-lines-10pct.toml",
        include_str!("../../../simulations/bench-raise-lines-10pct.toml"),
    ),
];

/// Reduction targets per unit and year (`targets/*.toml`), for `policy::targets`.
pub const TARGETS: &[(&str, &str)] = &[
    (
        "targets/da-nang-2023.toml",
        include_str!("../../../targets/da-nang-2023.toml"),
    ),
    (
        "targets/hanoi-2022-2025.toml",
        include_str!("../../../targets/hanoi-2022-2025.toml"),
    ),
    (
        "targets/ha-nam-2017.toml",
        include_str!("../../../targets/ha-nam-2017.toml"),
    ),
    (
        "targets/demo-2025-2026.toml",
        include_str!("../../../targets/demo-2025-2026.toml"),
    ),
];

/// The workflow files (`review/*.toml`).
pub const WORKFLOWS: &[(&str, &str)] = &[(
    "review/vn-2022-2025.toml",
    include_str!("../../../review/vn-2022-2025.toml"),
)];

/// The scoring tables (`scoring/*.toml`). They are placeholders.
pub const SCORING: &[(&str, &str)] = &[(
    "scoring/vn-2022-2025-placeholder.toml",
    include_str!("../../../scoring/vn-2022-2025-placeholder.toml"),
)];

//! The support policies, dated reference values, plan tables and planning inputs shipped with ansinh
//! (`policies/*.toml`, `plans/*.toml`), compiled in so the command line and the web application read the
//! very same files, offline, from any folder.

use super::plan::Plan;
use super::{PolicyError, PolicySet, forecast};

/// The dated reference values the policies are priced with (base salary, social-assistance base, …).
pub const REFERENCE_VALUES: (&str, &str) = (
    "policies/reference-values.toml",
    include_str!("../../../../policies/reference-values.toml"),
);

/// Support policies (`policies/*.toml`, without the reference values).
pub const POLICIES: &[(&str, &str)] = &[
    (
        "policies/vn-health-insurance.toml",
        include_str!("../../../../policies/vn-health-insurance.toml"),
    ),
    (
        "policies/vn-education.toml",
        include_str!("../../../../policies/vn-education.toml"),
    ),
    (
        "policies/vn-electricity.toml",
        include_str!("../../../../policies/vn-electricity.toml"),
    ),
    (
        "policies/vn-social-assistance.toml",
        include_str!("../../../../policies/vn-social-assistance.toml"),
    ),
    (
        "policies/hanoi-2022-2025.toml",
        include_str!("../../../../policies/hanoi-2022-2025.toml"),
    ),
    (
        "policies/ha-dong-2024.toml",
        include_str!("../../../../policies/ha-dong-2024.toml"),
    ),
    (
        "policies/vn-vbsp-loans.toml",
        include_str!("../../../../policies/vn-vbsp-loans.toml"),
    ),
];

/// Partner exports (`policies/exports/partners.toml`): which policies feed which partner's list.
pub const PARTNERS: (&str, &str) = (
    "policies/exports/partners.toml",
    include_str!("../../../../policies/exports/partners.toml"),
);

/// Plan tables of the seed plans (`plans/*.toml`), recomputed cell by cell by [`super::plan::check`].
pub const PLANS: &[(&str, &str)] = &[
    (
        "plans/hanoi-2022-2025-appendix-1.toml",
        include_str!("../../../../plans/hanoi-2022-2025-appendix-1.toml"),
    ),
    (
        "plans/da-nang-2023-plan-66.toml",
        include_str!("../../../../plans/da-nang-2023-plan-66.toml"),
    ),
    (
        "plans/ha-dong-2024-near-poor-exit.toml",
        include_str!("../../../../plans/ha-dong-2024-near-poor-exit.toml"),
    ),
];

/// Planning inputs (counts and reduction targets) for [`super::forecast::forecast`].
pub const PLAN_INPUTS: &[(&str, &str)] = &[(
    "plans/hanoi-2022-2025-forecast.toml",
    include_str!("../../../../plans/hanoi-2022-2025-forecast.toml"),
)];

/// Which planning inputs forecast the budget of which plan table: `(plan id, inputs id)`. A plan table
/// without an entry has no forecast (the Đà Nẵng and Hà Đông tables are targets, not budgets).
pub const FORECAST_OF_PLAN: &[(&str, &str)] =
    &[("hanoi-2022-2025-appendix-1", "hanoi-2022-2025-forecast")];

/// The id of a built-in file: its name without folder and extension (`plans/x.toml` → `x`).
pub fn id_of(file: &str) -> &str {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.strip_suffix(".toml").unwrap_or(name)
}

fn find<'a>(files: &'a [(&'a str, &'a str)], id: &str) -> Option<(&'a str, &'a str)> {
    files
        .iter()
        .find(|(n, _)| *n == id || id_of(n) == id)
        .copied()
}

/// The built-in policy set, priced with the built-in reference values.
pub fn policy_set() -> Result<PolicySet, Vec<PolicyError>> {
    let files: Vec<(String, String)> = POLICIES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    PolicySet::load(REFERENCE_VALUES, &files)
}

/// The built-in plan table `id` (`None`: there is none), loaded against `set`.
pub fn plan(id: &str, set: &PolicySet) -> Option<Result<Plan, Vec<PolicyError>>> {
    find(PLANS, id).map(|(n, t)| Plan::load(n, t, set))
}

/// The built-in planning inputs `id`, or those that forecast the plan table `id`.
pub fn inputs(id: &str) -> Option<Result<forecast::Inputs, Vec<PolicyError>>> {
    let id = FORECAST_OF_PLAN
        .iter()
        .find(|(p, _)| *p == id)
        .map_or(id, |(_, i)| *i);
    find(PLAN_INPUTS, id).map(|(n, t)| forecast::load_inputs(n, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_file_loads() -> Result<(), Vec<PolicyError>> {
        let set = policy_set()?;
        assert!(set.get("hn-bhyt-poor-near-poor").is_some());
        for (n, _) in PLANS {
            assert!(matches!(plan(id_of(n), &set), Some(Ok(_))), "{n}");
        }
        assert!(matches!(inputs("hanoi-2022-2025-forecast"), Some(Ok(_))));
        // A plan table forecast through its planning inputs; one without inputs has none.
        assert!(matches!(inputs("hanoi-2022-2025-appendix-1"), Some(Ok(_))));
        assert!(inputs("da-nang-2023-plan-66").is_none());
        assert!(plan("no-such-plan", &set).is_none());
        assert_eq!(
            id_of("plans/da-nang-2023-plan-66.toml"),
            "da-nang-2023-plan-66"
        );
        Ok(())
    }
}

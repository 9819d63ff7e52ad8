//! The standards, what-if scenarios, support policies, dated reference values, plan tables, planning
//! inputs and reduction targets shipped with ansinh (`standards/`, `simulations/`, `policies/`, `plans/`,
//! `targets/`), compiled in so the command line and the web application read the
//! very same files, offline, from any folder.

use super::plan::Plan;
use super::targets::TargetPlan;
use super::{PolicyError, PolicySet, forecast};
use crate::standard::{Registry, StandardError};

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

/// The poverty standards (`standards/*.toml`).
pub const STANDARDS: &[(&str, &str)] = &[
    (
        "standards/bench-2022.toml",
        include_str!("../../../../standards/bench-2022.toml"),
    ),
    (
        "standards/vn-2016-2020.toml",
        include_str!("../../../../standards/vn-2016-2020.toml"),
    ),
    (
        "standards/vn-2022-2025.toml",
        include_str!("../../../../standards/vn-2022-2025.toml"),
    ),
    (
        "standards/vn-2027-2030.toml",
        include_str!("../../../../standards/vn-2027-2030.toml"),
    ),
    (
        "standards/hanoi-2022-2025.toml",
        include_str!("../../../../standards/hanoi-2022-2025.toml"),
    ),
];

/// The what-if scenarios (`simulations/*.toml`): standards layered on a base, for `ansinh simulate` and
/// the web page of simulations.
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "simulations/raise-lines-10pct.toml",
        include_str!("../../../../simulations/raise-lines-10pct.toml"),
    ),
    (
        "simulations/drop-info-access.toml",
        include_str!("../../../../simulations/drop-info-access.toml"),
    ),
    (
        "simulations/cutoff-4.toml",
        include_str!("../../../../simulations/cutoff-4.toml"),
    ),
    (
        "simulations/bench-raise-lines-10pct.toml",
        include_str!("../../../../simulations/bench-raise-lines-10pct.toml"),
    ),
];

/// Reduction targets per unit and year (`targets/*.toml`), for [`super::targets`].
pub const TARGETS: &[(&str, &str)] = &[
    (
        "targets/da-nang-2023.toml",
        include_str!("../../../../targets/da-nang-2023.toml"),
    ),
    (
        "targets/hanoi-2022-2025.toml",
        include_str!("../../../../targets/hanoi-2022-2025.toml"),
    ),
    (
        "targets/ha-nam-2017.toml",
        include_str!("../../../../targets/ha-nam-2017.toml"),
    ),
    (
        "targets/demo-2025-2026.toml",
        include_str!("../../../../targets/demo-2025-2026.toml"),
    ),
];

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

/// The built-in standards together with the what-if scenarios layered on them: what the web page of
/// simulations offers as the base and the alternative.
pub fn scenario_registry() -> Result<Registry, Vec<StandardError>> {
    let files: Vec<(String, String)> = STANDARDS
        .iter()
        .chain(SCENARIOS)
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    Registry::load(&files)
}

/// The built-in target file `id` (`None`: there is none).
pub fn target_plan(id: &str) -> Option<Result<TargetPlan, Vec<PolicyError>>> {
    find(TARGETS, id).map(|(n, t)| TargetPlan::load(n, t))
}

/// Every built-in target file, in file order.
pub fn target_plans() -> Result<Vec<TargetPlan>, Vec<PolicyError>> {
    TARGETS
        .iter()
        .map(|(n, t)| TargetPlan::load(n, t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Exact;
    use crate::policy::targets::{Measure, project_plan};

    /// The projection of the Đà Nẵng target file prints the plan's own rates: start of year, reduction
    /// and end of year, for every district and the city (Plan 66/KH-UBND, appendix).
    #[test]
    fn da_nang_projection_reproduces_the_printed_rates() -> Result<(), Vec<PolicyError>> {
        let plan = target_plan("da-nang-2023").ok_or_else(Vec::new)??;
        let proj = project_plan(&plan).map_err(|_| Vec::new())?;
        let printed = [
            ("48", 6271, 2083, 4188, ["2.09", "0.69", "1.39"]),
            ("492", 673, 309, 364, ["1.24", "0.57", "0.67"]),
            ("491", 600, 219, 381, ["1.25", "0.45", "0.79"]),
            ("493", 1259, 450, 809, ["3.34", "1.19", "2.15"]),
            ("494", 728, 262, 466, ["3.26", "1.17", "2.09"]),
            ("490", 1652, 335, 1317, ["2.91", "0.59", "2.32"]),
            ("495", 629, 213, 416, ["1.47", "0.50", "0.97"]),
            ("497", 730, 295, 435, ["1.91", "0.77", "1.14"]),
        ];
        for (code, start, reduced, end, rates) in printed {
            let u = proj.iter().find(|u| u.code == code).ok_or_else(Vec::new)?;
            let poor = u
                .tracks
                .iter()
                .find(|t| t.measure == Measure::Poor)
                .ok_or_else(Vec::new)?;
            let y = &poor.years[0];
            assert_eq!(
                (y.start, y.reduced, y.end),
                (Some(start), reduced, Some(end)),
                "{code}"
            );
            let r = |x: &str| Exact::parse(x);
            assert_eq!(y.start_rate, r(rates[0]), "{code} start rate");
            assert_eq!(y.reduced_rate, r(rates[1]), "{code} reduction rate");
            assert_eq!(y.end_rate, r(rates[2]), "{code} end rate");
        }
        // The city's near-poor reduction is the sum of the districts' (1,300), and the file says the
        // bases are not printed.
        let city = &proj[0];
        let np = city.tracks.iter().find(|t| t.measure == Measure::NearPoor);
        assert_eq!(np.map(|t| t.years[0].reduced), Some(1300));
        assert_eq!(plan.caveats.len(), 1);
        Ok(())
    }

    #[test]
    fn hanoi_and_ha_nam_targets_project_as_their_plans_print() -> Result<(), Vec<PolicyError>> {
        let hn = target_plan("hanoi-2022-2025").ok_or_else(Vec::new)??;
        let p = project_plan(&hn).map_err(|_| Vec::new())?;
        let ends: Vec<Option<i64>> = p[0].tracks[0].years.iter().map(|y| y.end).collect();
        // 3,612 − 723 = 2,889 at the start of 2023 (S0's projection), … 1,061 at the end of 2025.
        assert_eq!(ends, vec![Some(2889), Some(2022), Some(1415), Some(1061)]);
        let hnam = target_plan("ha-nam-2017").ok_or_else(Vec::new)??;
        let p = project_plan(&hnam).map_err(|_| Vec::new())?;
        let y = &p[0].tracks[0].years[0];
        assert_eq!(y.start_rate, Exact::parse("4.24"));
        assert_eq!(y.end_rate, Exact::parse("3.44"));
        assert_eq!(y.reduced, 2160);
        Ok(())
    }

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
        assert_eq!(target_plans()?.len(), TARGETS.len());
        assert!(target_plan("no-such-targets").is_none());
        let reg = scenario_registry().map_err(|_| Vec::new())?;
        assert!(reg.get("sim-raise-lines-10pct").is_some() && reg.get("vn-2022-2025").is_some());
        assert_eq!(
            id_of("plans/da-nang-2023-plan-66.toml"),
            "da-nang-2023-plan-66"
        );
        Ok(())
    }
}

//! The rulebook: every built-in file loads; a rules folder replaces the kinds it has and keeps the
//! others; every bad file of a folder is reported at once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::path::{Path, PathBuf};

use ansinh_domain::FileError;
use ansinh_domain::policy::Exact;
use ansinh_domain::policy::targets::{Measure, project_plan};
use ansinh_rulebook::{Kind, Rulebook, builtin, id_of};

/// The projection of the Đà Nẵng target file prints the plan's own rates: start of year, reduction
/// and end of year, for every district and the city (Plan 66/KH-UBND, appendix).
#[test]
fn da_nang_projection_reproduces_the_printed_rates() -> Result<(), Vec<FileError>> {
    let rules = Rulebook::builtin()?;
    let plan = rules.target_plan("da-nang-2023").ok_or_else(Vec::new)?;
    let proj = project_plan(plan).map_err(|_| Vec::new())?;
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
fn hanoi_and_ha_nam_targets_project_as_their_plans_print() -> Result<(), Vec<FileError>> {
    let rules = Rulebook::builtin()?;
    let hn = rules.target_plan("hanoi-2022-2025").ok_or_else(Vec::new)?;
    let p = project_plan(hn).map_err(|_| Vec::new())?;
    let ends: Vec<Option<i64>> = p[0].tracks[0].years.iter().map(|y| y.end).collect();
    // 3,612 − 723 = 2,889 at the start of 2023 (S0's projection), … 1,061 at the end of 2025.
    assert_eq!(ends, vec![Some(2889), Some(2022), Some(1415), Some(1061)]);
    let hnam = rules.target_plan("ha-nam-2017").ok_or_else(Vec::new)?;
    let p = project_plan(hnam).map_err(|_| Vec::new())?;
    let y = &p[0].tracks[0].years[0];
    assert_eq!(y.start_rate, Exact::parse("4.24"));
    assert_eq!(y.end_rate, Exact::parse("3.44"));
    assert_eq!(y.reduced, 2160);
    Ok(())
}

#[test]
fn every_built_in_file_loads() -> Result<(), Vec<FileError>> {
    let rules = Rulebook::builtin()?;
    let set = rules.policies();
    assert!(set.get("hn-bhyt-poor-near-poor").is_some());
    for (n, _) in builtin::PLANS {
        assert!(rules.plan(id_of(n)).is_some(), "{n}");
    }
    assert_eq!(rules.plans().len(), builtin::PLANS.len());
    assert!(rules.inputs("hanoi-2022-2025-forecast").is_some());
    // A plan table forecast through its planning inputs; one without inputs has none.
    assert!(rules.inputs("hanoi-2022-2025-appendix-1").is_some());
    assert!(rules.inputs("da-nang-2023-plan-66").is_none());
    assert!(rules.plan("no-such-plan").is_none());
    assert_eq!(rules.targets().len(), builtin::TARGETS.len());
    assert!(rules.target_plan("no-such-targets").is_none());
    let reg = rules.scenarios();
    assert!(reg.get("sim-raise-lines-10pct").is_some() && reg.get("vn-2022-2025").is_some());
    assert_eq!(rules.scenario_ids().len(), builtin::SCENARIOS.len());
    assert!(rules.standards().get("sim-raise-lines-10pct").is_none());
    assert_eq!(rules.standards().all().len(), builtin::STANDARDS.len());
    assert!(!rules.partners().is_empty());
    assert_eq!(rules.workflows().all().len(), 1);
    assert_eq!(rules.scoring().all().len(), 1);
    assert_eq!(
        id_of("plans/da-nang-2023-plan-66.toml"),
        "da-nang-2023-plan-66"
    );
    Ok(())
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ansinh-rulebook-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const SCORING: &str = builtin::SCORING[0].1;

#[test]
fn a_folder_with_only_scoring_keeps_the_built_in_standards_and_the_rest() {
    let dir = scratch("only-scoring");
    let mine = SCORING
        .replace(
            "id = \"vn-2022-2025-placeholder\"",
            "id = \"ha-noi-2022-2025\"\njurisdiction = \"01\"",
        )
        .replace("placeholder = true", "placeholder = false");
    write(&dir, "scoring/ha-noi.toml", &mine);
    let rules = Rulebook::load(&dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    // The scoring tables are the folder's only: the built-in placeholder is gone.
    let ids: Vec<&str> = rules
        .scoring()
        .all()
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(ids, ["ha-noi-2022-2025"]);
    // Every other kind is the built-in one.
    let builtin = Rulebook::builtin().unwrap();
    assert_eq!(
        rules.standards().all().len(),
        builtin.standards().all().len()
    );
    assert!(rules.standards().get("vn-2022-2025").is_some());
    assert_eq!(rules.policies().all().len(), builtin.policies().all().len());
    assert_eq!(rules.plans().len(), builtin.plans().len());
    assert_eq!(rules.targets().len(), builtin.targets().len());
    assert_eq!(rules.workflows().all().len(), 1);
    assert_eq!(rules.scenario_ids(), builtin.scenario_ids());
    assert_eq!(rules.files().replaced.len(), 1);
    assert_eq!(rules.files().replaced[0].0, Kind::Scoring);
}

#[test]
fn two_broken_files_are_reported_at_once_with_file_line_column_and_code() {
    let dir = scratch("two-broken");
    // A scoring table with a text where a number goes (line 21 of the file).
    let bad_scoring = SCORING.replace("deprivation_min = 30", "deprivation_min = \"thirty\"");
    write(&dir, "scoring/bad.toml", &bad_scoring);
    // A standard layered on the national one whose rule names an unknown field.
    write(
        &dir,
        "standards/local.toml",
        "id = \"local\"\nextends = \"vn-2022-2025\"\njurisdiction = \"48\"\n\n[[rules]]\nid = \"r\"\nclass = \"poor\"\nwhen = \"incme < 1\"\nvi = \"a\"\nen = \"b\"\n",
    );
    for (rel, text) in builtin::STANDARDS {
        write(&dir, rel, text);
    }
    let errs = Rulebook::load(&dir).unwrap_err();
    let _ = std::fs::remove_dir_all(&dir);
    let scoring = errs
        .iter()
        .find(|e| e.file.ends_with("bad.toml"))
        .unwrap_or_else(|| panic!("{errs:?}"));
    assert_eq!(scoring.code, "SCORE_TABLE");
    let line = bad_scoring
        .lines()
        .position(|l| l.starts_with("deprivation_min"))
        .unwrap()
        + 1;
    assert_eq!(scoring.line, Some(line));
    assert!(scoring.column.is_some());
    let standard = errs
        .iter()
        .find(|e| e.file.ends_with("local.toml"))
        .unwrap_or_else(|| panic!("{errs:?}"));
    assert_eq!(standard.code, "STD_EXPR");
    assert_eq!((standard.line, standard.column), (Some(8), Some(9)));
    for e in &errs {
        assert!(!e.vi.is_empty() && !e.en.is_empty(), "{e:?}");
        assert_ne!(e.vi, e.en);
    }
    // The report prints place, code and both languages.
    let text = ansinh_rulebook::report(&errs);
    assert!(text.contains(&format!("bad.toml:{line}:")), "{text}");
    assert!(
        text.contains("[SCORE_TABLE]") && text.contains("Tệp bảng điểm"),
        "{text}"
    );
}

#[test]
fn a_policies_folder_needs_its_reference_values_and_a_missing_folder_is_an_error() {
    let dir = scratch("no-refs");
    write(&dir, "policies/only.toml", builtin::POLICIES[0].1);
    let errs = Rulebook::load(&dir).unwrap_err();
    assert_eq!(errs[0].code, "RULES_MISSING");
    assert!(errs[0].vi.contains("reference-values.toml"));
    let _ = std::fs::remove_dir_all(&dir);
    let errs = Rulebook::load(&dir).unwrap_err();
    assert_eq!(errs[0].code, "RULES_READ");
}

#[test]
fn planning_inputs_are_the_forecast_files_of_plans() {
    let dir = scratch("plans");
    for (rel, text) in builtin::PLANS.iter().chain(builtin::PLAN_INPUTS) {
        write(&dir, rel, text);
    }
    let rules = Rulebook::load(&dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(rules.plans().len(), builtin::PLANS.len());
    assert_eq!(rules.plan_inputs().len(), 1);
    assert!(rules.has_forecast("hanoi-2022-2025-appendix-1"));
    assert!(!rules.has_forecast("da-nang-2023-plan-66"));
    assert_eq!(rules.standalone_inputs().count(), 0);
}

#[test]
fn the_repository_root_is_a_rules_folder_equal_to_the_built_ins() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let rules = Rulebook::load(&root).unwrap();
    let builtin = Rulebook::builtin().unwrap();
    // Every file of the repository's folders is compiled in (none forgotten in `builtin`).
    assert_eq!(
        rules.standards().all().len(),
        builtin.standards().all().len()
    );
    assert_eq!(rules.policies().all().len(), builtin.policies().all().len());
    assert_eq!(rules.plans().len(), builtin.plans().len());
    assert_eq!(rules.plan_inputs().len(), builtin.plan_inputs().len());
    assert_eq!(rules.targets().len(), builtin.targets().len());
    assert_eq!(rules.partners().len(), builtin.partners().len());
    assert_eq!(rules.scenario_ids(), builtin.scenario_ids());
    assert_eq!(
        rules.workflows().all().len(),
        builtin.workflows().all().len()
    );
    assert_eq!(rules.scoring().all().len(), builtin.scoring().all().len());
}

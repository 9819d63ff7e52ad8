//! What-if simulation: the shipped scenarios (`simulations/*.toml`) against the 2022-2025 standard, on
//! households built by hand at the boundaries the scenarios move.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use ansinh_domain::policy::PolicySet;
use ansinh_domain::simulate::{INCOMPLETE_STATE, MatrixExt, STATES, budget_impact, simulate};
use ansinh_domain::{Standard, StandardSet};
use common::{Household, V, batch, rural, standard_files};
use proptest::prelude::*;

const POOR: usize = 0;
const NEAR: usize = 1;
const AVERAGE: usize = 2;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn toml_files(dir: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                format!("{dir}/{}", p.file_name().unwrap().to_string_lossy()),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The workspace standards and the shipped scenarios, loaded together (as `ansinh simulate` does).
fn reg() -> &'static StandardSet {
    static R: OnceLock<StandardSet> = OnceLock::new();
    R.get_or_init(|| {
        let mut files = standard_files();
        files.extend(toml_files("simulations"));
        StandardSet::load(&files).unwrap_or_else(|e| panic!("{e:?}"))
    })
}

fn std(id: &str) -> &'static Standard {
    reg().get(id).unwrap()
}

fn run(alt: &str, hs: &[Household]) -> ansinh_domain::simulate::Simulation {
    simulate(std("vn-2022-2025"), std(alt), &batch(hs), None, None)
}

#[test]
fn raising_the_lines_by_10_percent_moves_the_household_between_the_old_and_the_new_line() {
    // Rural households of 4 with 3 deprivations: the old line is 1,500,000, the new one 1,650,000.
    let h = |per_person| rural(4).with_deficits(3).income_per_person(per_person);
    let s = run(
        "sim-raise-lines-10pct",
        &[h(1_500_000), h(1_500_001), h(1_650_000), h(1_650_001)],
    );
    // At the old line: poor under both. Just above it and up to the new line inclusive: average → poor.
    assert_eq!(s.matrix[POOR][POOR].households, 1);
    assert_eq!(s.matrix[AVERAGE][POOR].households, 2);
    assert_eq!(s.matrix[AVERAGE][POOR].persons, 8);
    // One đồng above the new line: still in the (raised) average band.
    assert_eq!(s.matrix[AVERAGE][AVERAGE].households, 1);
    assert_eq!(s.matrix.changed().households, 2);
    assert_eq!(s.matrix.base(POOR).households, 1);
    assert_eq!(s.matrix.alt(POOR).households, 3);
    // The lines do not touch the indicators.
    assert!(
        s.indicators
            .iter()
            .all(|i| i.newly_deprived == 0 && i.no_longer_counted == 0)
    );
    assert_eq!(s.deficit_count_changed, 0);
}

#[test]
fn dropping_an_indicator_changes_deficit_counts_and_can_make_a_poor_household_near_poor() {
    let alt = std("sim-drop-info-access");
    assert_eq!(alt.dropped_indicators, ["info_access"]);
    assert_eq!(
        alt.indicators.len(),
        std("vn-2022-2025").indicators.len() - 1
    );
    // Two deprivations plus no information device: 3, poor; without the indicator: 2, near-poor.
    let no_device = rural(4)
        .with_deficits(2)
        .set("has_info_device", V::Bool(false))
        .income_per_person(1_000_000);
    // Three other deprivations and no device: 4 then 3, poor under both.
    let still_poor = rural(4)
        .with_deficits(3)
        .set("has_info_device", V::Bool(false))
        .income_per_person(1_000_000);
    let s = run("sim-drop-info-access", &[no_device, still_poor]);
    assert_eq!(s.matrix[POOR][NEAR].households, 1);
    assert_eq!(s.matrix[POOR][POOR].households, 1);
    assert_eq!(s.deficit_count_changed, 2);
    assert_eq!(s.base_deficit_sum - s.alt_deficit_sum, 2);
    let ind = s.indicators.iter().find(|i| i.id == "info_access").unwrap();
    assert!(ind.in_base && !ind.in_alt);
    assert_eq!((ind.base_deprived, ind.alt_deprived), (2, 0));
    assert_eq!((ind.newly_deprived, ind.no_longer_counted), (0, 2));
    let water = s.indicators.iter().find(|i| i.id == "water").unwrap();
    assert_eq!(
        (
            water.base_deprived,
            water.alt_deprived,
            water.no_longer_counted
        ),
        (2, 2, 0)
    );
}

#[test]
fn a_cutoff_of_4_deprivations_makes_a_household_with_3_near_poor() {
    let h = |k| rural(3).with_deficits(k).income_per_person(1_000_000);
    let s = run("sim-cutoff-4", &[h(3), h(4)]);
    assert_eq!(std("sim-cutoff-4").deficit_cutoff, Some(4));
    assert_eq!(s.matrix[POOR][NEAR].households, 1);
    assert_eq!(s.matrix[POOR][POOR].households, 1);
}

#[test]
fn incomplete_households_are_counted_as_incomplete_under_both_standards() {
    // Two known deprivations and an unknown health insurance: poor or near-poor depending on the answer.
    let open = rural(4)
        .income_per_person(1_000_000)
        .makeshift_house()
        .unsafe_water()
        .map_member(0, |m| m.missing("has_health_insurance"));
    // With the cut-off at 4 the same gap still decides (2 or 3 deprivations against 4): near-poor.
    let s = run("sim-cutoff-4", std::slice::from_ref(&open));
    assert_eq!(s.matrix[INCOMPLETE_STATE][NEAR].households, 1);
    let s = run("sim-raise-lines-10pct", &[open]);
    assert_eq!(s.matrix[INCOMPLETE_STATE][INCOMPLETE_STATE].households, 1);
    assert_eq!(
        s.matrix.base(NEAR).households,
        0,
        "never silently near-poor"
    );
    let hi = s
        .indicators
        .iter()
        .find(|i| i.id == "health_insurance")
        .unwrap();
    assert_eq!((hi.base_unknown, hi.alt_unknown), (1, 1));
}

#[test]
fn the_matrix_is_broken_down_by_commune_and_province() {
    let h = |per_person| rural(4).with_deficits(3).income_per_person(per_person);
    let hs = [h(1_600_000), h(1_600_000), h(3_000_000)];
    let b = batch(&hs);
    let communes = [101, 102, 102];
    let provinces = [1, 1, 1];
    let s = simulate(
        std("vn-2022-2025"),
        std("sim-raise-lines-10pct"),
        &b,
        Some(&communes),
        Some(&provinces),
    );
    assert_eq!(s.communes.len(), 2);
    assert_eq!((s.communes[0].code, s.communes[0].parent), (101, Some(1)));
    assert_eq!(s.communes[0].matrix[AVERAGE][POOR].households, 1);
    assert_eq!(s.communes[1].matrix[AVERAGE][POOR].households, 1);
    assert_eq!(s.communes[1].matrix.changed().households, 1);
    assert_eq!(s.provinces.len(), 1);
    assert_eq!(s.provinces[0].matrix, s.matrix);
}

fn policies() -> PolicySet {
    let all = toml_files("policies");
    let (refs, rest): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|(n, _)| n.ends_with("reference-values.toml"));
    PolicySet::load((&refs[0].0, &refs[0].1), &rest).unwrap()
}

#[test]
fn the_budget_impact_prices_the_persons_entering_poverty_with_the_policy_amount_of_the_year() {
    let h = |per_person| rural(4).with_deficits(3).income_per_person(per_person);
    let s = run("sim-raise-lines-10pct", &[h(1_000_000), h(1_600_000)]);
    let set = policies();
    let b = budget_impact(&s, &set, 2025, None).unwrap();
    let line = b.lines.iter().find(|l| l.policy == "vn-bhyt-poor").unwrap();
    // 4 persons enter the poor class; health insurance 4.5% × 2,340,000 × 12 months in 2025.
    let yearly = set
        .get("vn-bhyt-poor")
        .unwrap()
        .amount_in_year(&set.refs, 2025, &Default::default())
        .unwrap()
        .vnd;
    assert_eq!(yearly, 105_300 * 12);
    assert_eq!((line.base_units, line.alt_units), (4, 8));
    assert_eq!((line.entering, line.leaving), (4, 0));
    assert_eq!(line.delta_amount, 4 * yearly);
    assert!(line.caveats.iter().any(|c| c.note.contains("class count")));
    // A policy priced by a count that is not a class count is listed, not silently dropped.
    assert!(
        b.skipped
            .iter()
            .any(|(_, why)| why.contains("not a class count"))
    );
    // Hà Nội's own policies only with its jurisdiction.
    assert!(
        b.skipped
            .iter()
            .any(|(_, why)| why.contains("jurisdiction 01"))
    );
}

#[test]
fn scenario_keys_are_validated_with_file_line_and_column() {
    let mut files = standard_files();
    files.push((
        "bad.toml".into(),
        "id = \"bad\"\nextends = \"vn-2022-2025\"\ndrop_indicators = [\"info_acces\"]\n".into(),
    ));
    let e = StandardSet::load(&files).unwrap_err();
    let e = e.iter().find(|e| e.file == "bad.toml").unwrap();
    assert_eq!((e.code, e.line, e.column), ("STD_REF", Some(3), Some(20)));
    assert!(e.en.contains("unknown indicator `info_acces`"), "{}", e.en);

    let mut files = standard_files();
    files.push((
        "bad.toml".into(),
        "id = \"bad\"\nextends = \"vn-2022-2025\"\ndeficit_cutoff = 40\n".into(),
    ));
    let e = StandardSet::load(&files).unwrap_err();
    assert_eq!((e[0].code, e[0].line), ("STD_VALUE", Some(3)));

    // A standard whose rules read `deficit_cutoff` without declaring it.
    let mut files = standard_files();
    let bench = files
        .iter()
        .find(|f| f.0 == "bench-2022.toml")
        .unwrap()
        .1
        .clone();
    files.push((
        "bad.toml".into(),
        bench
            .replace("id = \"bench-2022\"", "id = \"bad\"")
            .replacen("deficits >= 3", "deficits >= deficit_cutoff", 1),
    ));
    let e = StandardSet::load(&files).unwrap_err();
    assert_eq!(e[0].code, "STD_EXPR");
    assert!(
        e[0].en.contains("does not declare `deficit_cutoff"),
        "{}",
        e[0].en
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Simulating a standard against itself changes nothing, whatever the households.
    #[test]
    fn a_standard_simulated_against_itself_changes_nothing(
        hs in proptest::collection::vec((1usize..7, 0usize..7, 0i64..3_500_000, any::<bool>(), any::<bool>()), 1..40)
    ) {
        let hs: Vec<Household> = hs
            .into_iter()
            .map(|(n, k, inc, urban, gap)| {
                let h = if urban { common::urban(n) } else { rural(n) };
                let h = h.with_deficits(k.min(if n == 1 { 4 } else { 6 })).income_per_person(inc);
                if gap { h.map_member(0, |m| m.missing("has_health_insurance")) } else { h }
            })
            .collect();
        for id in ["vn-2022-2025", "vn-2027-2030", "vn-2016-2020", "sim-drop-info-access"] {
            let s = simulate(std(id), std(id), &batch(&hs), None, None);
            prop_assert_eq!(s.matrix.changed().households, 0);
            prop_assert_eq!(s.deficit_count_changed, 0);
            for st in 0..STATES {
                prop_assert_eq!(s.matrix.base(st), s.matrix.alt(st));
            }
            prop_assert!(s.indicators.iter().all(|i| i.newly_deprived == 0 && i.no_longer_counted == 0));
        }
    }
}

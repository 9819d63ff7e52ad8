//! Support policies, reference values and plan tables, read like the law: each amount at each change of
//! a reference value, each inconsistency of the seed plans found in the right cell, each consistent cell
//! reproduced exactly, forecasts that add up, and malformed files refused with file, line and column.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use ansinh_domain::policy::forecast::{self, Inputs, Target};
use ansinh_domain::policy::plan::{self, Plan, Report, Status};
use ansinh_domain::policy::{Exact, FileError, Funding, PolicySet, Rounding, split_by_shares};
use chrono::NaiveDate;
use proptest::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files(dir: &str) -> Vec<(String, String)> {
    let d = root().join(dir);
    let mut v: Vec<(String, String)> = std::fs::read_dir(&d)
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

fn set() -> PolicySet {
    let all = files("policies");
    let (refs, rest): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|(n, _)| n.ends_with("reference-values.toml"));
    let (rn, rs) = &refs[0];
    PolicySet::load((rn, rs), &rest).unwrap_or_else(|e| {
        panic!(
            "{}",
            e.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn report(name: &str) -> Report {
    let s = set();
    let path = format!("plans/{name}");
    let text = std::fs::read_to_string(root().join(&path)).unwrap();
    let p = Plan::load(&path, &text, &s).unwrap_or_else(|e| {
        panic!(
            "{}",
            e.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    plan::check(&p, &s)
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn none() -> BTreeMap<String, Exact> {
    BTreeMap::new()
}

/// The amount of policy `id` per unit on the first day of `yyyy-mm`.
fn monthly(set: &PolicySet, id: &str, month: &str) -> i64 {
    set.get(id)
        .unwrap()
        .amount_on(&set.refs, d(&format!("{month}-01")), &none())
        .unwrap()
        .vnd
}

fn yearly(set: &PolicySet, id: &str, year: i32) -> i64 {
    set.get(id)
        .unwrap()
        .amount_in_year(&set.refs, year, &none())
        .unwrap()
        .vnd
}

// ------------------------------------------------------------------ amounts at each change date

#[test]
fn health_insurance_follows_the_base_salary_in_force_each_month() {
    let s = set();
    // 4.5% of 1,490,000 until June 2023, of 1,800,000 from July 2023, of 2,340,000 from July 2024.
    assert_eq!(monthly(&s, "vn-bhyt-poor", "2023-06"), 67_050);
    assert_eq!(monthly(&s, "vn-bhyt-poor", "2023-07"), 81_000);
    assert_eq!(monthly(&s, "vn-bhyt-poor", "2024-06"), 81_000);
    assert_eq!(monthly(&s, "vn-bhyt-poor", "2024-07"), 105_300);
    // Calendar years (policies.md §0): 804,600; 888,300; 1,117,800; 1,263,600.
    assert_eq!(yearly(&s, "vn-bhyt-poor", 2022), 804_600);
    assert_eq!(yearly(&s, "vn-bhyt-poor", 2023), 888_300);
    assert_eq!(yearly(&s, "vn-bhyt-poor", 2024), 1_117_800);
    assert_eq!(yearly(&s, "vn-bhyt-poor", 2025), 1_263_600);
    // The state pays 70% for near-poor people and 30% for average farm households.
    assert_eq!(monthly(&s, "vn-bhyt-near-poor", "2024-07"), 73_710);
    assert_eq!(monthly(&s, "vn-bhyt-farm-average", "2023-06"), 20_115);
    assert_eq!(monthly(&s, "vn-bhyt-farm-average", "2023-07"), 24_300);
}

#[test]
fn social_assistance_follows_the_base_level_in_force() {
    let s = set();
    // 1.5 × 360,000 until June 2024, 1.5 × 500,000 from July 2024 (Decree 76/2024).
    assert_eq!(monthly(&s, "vn-sa-elderly-poor-60-80", "2024-06"), 540_000);
    assert_eq!(monthly(&s, "vn-sa-elderly-poor-60-80", "2024-07"), 750_000);
    assert_eq!(monthly(&s, "vn-sa-elderly-poor-80", "2024-07"), 1_000_000);
    // Hanoi: 1.5 × 440,000 (unconfirmed), 1.5 × 500,000 from July 2024, 1.5 × 650,000 from 2026.
    assert_eq!(monthly(&s, "hn-sa-poor-near-poor", "2022-01"), 660_000);
    assert_eq!(monthly(&s, "hn-sa-poor-near-poor", "2024-07"), 750_000);
    assert_eq!(monthly(&s, "hn-sa-poor-near-poor", "2026-01"), 975_000);
    // The social pension starts on 1 July 2025.
    let sp = s.get("vn-social-pension").unwrap();
    assert!(!sp.in_force_on(d("2025-06-30")));
    assert_eq!(monthly(&s, "vn-social-pension", "2025-07"), 500_000);
    assert_eq!(yearly(&s, "vn-social-pension", 2025), 3_000_000);
}

#[test]
fn electricity_support_changes_with_the_tariff_and_is_flagged_after_2023() {
    let s = set();
    assert_eq!(monthly(&s, "vn-electricity-support", "2019-03"), 46_000);
    assert_eq!(monthly(&s, "vn-electricity-support", "2019-04"), 55_000);
    let p = s.get("vn-electricity-support").unwrap();
    let y22 = p.amount_in_year(&s.refs, 2022, &none()).unwrap();
    assert_eq!(y22.vnd, 660_000);
    assert!(y22.caveats.is_empty(), "{:?}", y22.caveats);
    let y23 = p.amount_in_year(&s.refs, 2023, &none()).unwrap();
    assert_eq!(y23.vnd, 660_000);
    assert!(
        y23.caveats
            .iter()
            .any(|c| c.subject.starts_with("reference:electricity_support")),
        "the placeholder after the 2023 tariff rises must be flagged: {:?}",
        y23.caveats
    );
}

#[test]
fn learning_costs_are_paid_for_nine_school_months_and_tuition_exemption_ends_in_august_2025() {
    let s = set();
    assert_eq!(yearly(&s, "vn-edu-learning-cost", 2023), 1_350_000);
    let lc = s.get("vn-edu-learning-cost").unwrap();
    let months: Vec<u32> = lc
        .amount_in_year(&s.refs, 2023, &none())
        .unwrap()
        .months
        .iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(months, vec![1, 2, 3, 4, 5, 9, 10, 11, 12]);
    // Resolution 217/2025: public tuition is universal from school year 2025-26.
    assert_eq!(yearly(&s, "vn-edu-tuition-poor", 2024), 1_395_000);
    assert_eq!(yearly(&s, "vn-edu-tuition-poor", 2025), 775_000);
}

#[test]
fn the_proposed_2026_base_salary_is_flagged() {
    let s = set();
    let p = s.get("vn-bhyt-poor").unwrap();
    let june = p.amount_on(&s.refs, d("2026-06-01"), &none()).unwrap();
    assert_eq!(june.vnd, 105_300);
    assert!(june.caveats.is_empty());
    let july = p.amount_on(&s.refs, d("2026-07-01"), &none()).unwrap();
    assert_eq!(july.vnd, 113_850);
    assert!(
        july.caveats
            .iter()
            .any(|c| c.subject == "reference:base_salary@01/07/2026")
    );
}

#[test]
fn hanoi_special_monthly_support_by_area() {
    let s = set();
    let p = s.get("hn-r17-monthly").unwrap();
    let mut o = none();
    o.insert("urban_share".into(), Exact::ZERO);
    assert_eq!(
        p.amount_on(&s.refs, d("2023-01-01"), &o).unwrap().vnd,
        2_000_000
    );
    o.insert("urban_share".into(), Exact::ONE);
    assert_eq!(
        p.amount_on(&s.refs, d("2023-01-01"), &o).unwrap().vnd,
        2_500_000
    );
    // The plan's mix (90% rural) gives 2,050,000 and is flagged as an inference.
    let mix = p.amount_on(&s.refs, d("2023-01-01"), &none()).unwrap();
    assert_eq!(mix.vnd, 2_050_000);
    assert!(
        mix.caveats
            .iter()
            .any(|c| c.subject.ends_with("parameter:urban_share"))
    );
}

#[test]
fn every_unconfirmed_value_of_the_files_is_a_caveat() {
    let s = set();
    let refs = std::fs::read_to_string(root().join("policies/reference-values.toml")).unwrap();
    let marked = refs.matches("unconfirmed = true").count();
    let periods: usize = s
        .refs
        .values
        .values()
        .map(|v| v.periods.iter().filter(|p| p.unconfirmed.is_some()).count())
        .sum();
    assert_eq!(marked, periods);
    for p in s.all() {
        let text = files("policies")
            .into_iter()
            .find(|(n, _)| *n == p.file)
            .unwrap()
            .1;
        assert!(text.contains(&format!("id = \"{}\"", p.id)));
        for par in &p.parameters {
            if par.unconfirmed.is_some() {
                assert!(
                    p.caveats
                        .iter()
                        .any(|c| c.subject.ends_with(&format!("parameter:{}", par.name)))
                );
            }
        }
    }
    let ids: BTreeSet<&str> = s.all().iter().map(|p| p.id.as_str()).collect();
    for id in [
        "vn-bhyt-poor",
        "vn-bhyt-near-poor",
        "vn-bhyt-farm-average",
        "vn-edu-learning-cost",
        "vn-electricity-support",
        "hn-r17-monthly",
        "hn-cremation",
        "hn-housing-new-r14",
        "hd-housing-new",
        "hd-savings-book",
        "hd-education-after-exit",
        "hd-appliance",
    ] {
        assert!(ids.contains(id), "{id} missing");
    }
}

#[test]
fn ha_dong_housing_is_split_across_its_funds() {
    let s = set();
    let new = s.get("hd-housing-new").unwrap();
    assert_eq!(yearly(&s, "hd-housing-new", 2024), 100_000_000);
    assert_eq!(
        new.split(100_000_000),
        vec![
            (
                "district_fund_for_the_poor_and_social".to_string(),
                50_000_000
            ),
            ("unions".to_string(), 50_000_000)
        ]
    );
    let rep = s.get("hd-housing-repair").unwrap();
    assert_eq!(
        rep.split(60_000_000),
        vec![
            ("district_fund_for_the_poor".to_string(), 30_000_000),
            ("red_cross".to_string(), 30_000_000)
        ]
    );
    assert_eq!(yearly(&s, "hd-savings-book", 2024), 20_000_000);
    assert_eq!(yearly(&s, "hd-education-after-exit", 2026), 3_000_000);
    assert_eq!(yearly(&s, "hd-education-after-exit", 2024), 0);
}

// ------------------------------------------------------------------ plan check: the Hanoi plan

fn cells(r: &Report, s: Status) -> BTreeSet<String> {
    r.cells
        .iter()
        .filter(|c| c.status == s)
        .map(|c| match &c.check {
            Some(k) => format!("{k}:{}[{}]", c.row, c.column),
            None => format!("{}[{}]", c.row, c.column),
        })
        .collect()
}

fn set_of(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn hanoi_plan_every_inconsistency_is_found_in_its_cell() {
    let r = report("hanoi-2022-2025-appendix-1.toml");
    let expected = set_of(&[
        // §4.4 item 1: 2,022 − 607 printed as 1,416
        "poor_hh[y2025]",
        // item 3: the "30%" row costed at 100%
        "farm_amount[y2022]",
        "farm_amount[y2023]",
        "farm_amount[y2024]",
        "farm_amount[y2025]",
        // item 5: no per-pupil rate fits row 2b
        "np_pupils_amount[y2022]",
        "np_pupils_amount[y2023]",
        "np_pupils_amount[y2024]",
        "np_pupils_amount[y2025]",
        // item 6: rows 3 and 4 cut 20% a year instead of following Part A
        "elec_hh[y2024]",
        "elec_hh[y2025]",
        "sa_persons[y2024]",
        "sa_persons[y2025]",
        // item 8: 11.27 M per cremation against at most 4 M
        "crem_amount[y2022]",
        "crem_amount[y2023]",
        "crem_amount[y2024]",
        "crem_amount[y2025]",
        // item 11: yearly totals 2023-2025 and the period total by rows
        "total_b[y2023]",
        "total_b[y2024]",
        "total_b[y2025]",
        "b_total_by_rows:total_b[total]",
        // item 2: the text says −10% near-poor households a year
        "near_poor_text_target:near_poor_hh[y2022]",
        "near_poor_text_target:near_poor_hh[y2023]",
        "near_poor_text_target:near_poor_hh[y2024]",
        "near_poor_text_target:near_poor_hh[y2025]",
        // the text says −25% to −30% poor households a year; 2022 uses 20%
        "poor_text_target:poor_rate_cut[y2022]",
    ]);
    assert_eq!(cells(&r, Status::Inconsistent), expected);
    assert_eq!(r.count(Status::Error), 0);

    let c = r.cell("poor_hh", "y2025").unwrap();
    assert_eq!(c.printed.as_deref(), Some("1.416"));
    assert_eq!(c.recomputed.as_deref(), Some("1.415"));
    assert_eq!(c.formula, "prev(poor_hh) - prev(poor_reduced)");
    assert!(
        c.inputs.contains(&"poor_hh[y2024] = 2.022".to_string()),
        "{:?}",
        c.inputs
    );
    assert!(c.inputs.contains(&"poor_reduced[y2024] = 607".to_string()));
    // …and the cells after it continue from the printed 1,416: 354 and 1,062 are consistent.
    assert_eq!(
        r.cell("poor_reduced", "y2025").unwrap().status,
        Status::Consistent
    );
    assert_eq!(
        r.cell("poor_hh", "end2025").unwrap().status,
        Status::Consistent
    );

    let f = r.cell("farm_amount", "y2022").unwrap();
    assert_eq!(f.recomputed.as_deref(), Some("1.931"));
    let e = f.explained.as_ref().unwrap();
    assert!(e.reproduces);
    assert_eq!(e.value, Exact::parse("6436.8").unwrap());

    for (row, col, recomputed) in [
        ("elec_hh", "y2024", "7.022"),
        ("elec_hh", "y2025", "6.416"),
        ("sa_persons", "y2024", "5.794"),
        ("sa_persons", "y2025", "4.056"),
        ("crem_amount", "y2022", "648"),
        ("np_pupils_amount", "y2022", "83.104"),
        ("total_b", "y2024", "396.631"),
    ] {
        let c = r.cell(row, col).unwrap();
        assert_eq!(c.recomputed.as_deref(), Some(recomputed), "{row}[{col}]");
    }
    for (row, col) in [
        ("elec_hh", "y2024"),
        ("sa_persons", "y2025"),
        ("crem_amount", "y2023"),
        ("np_pupils_amount", "y2025"),
    ] {
        assert!(
            r.cell(row, col)
                .unwrap()
                .explained
                .as_ref()
                .unwrap()
                .reproduces,
            "{row}[{col}]"
        );
    }
    // The 2023 total: the unrounded rows give 425,992, the printed rows 425,994; printed 425,990.
    let t = r.cell("total_b", "y2023").unwrap();
    assert!(t.reason.contains("425.994"), "{}", t.reason);
}

#[test]
fn hanoi_plan_rounding_artefacts_are_told_apart() {
    let r = report("hanoi-2022-2025-appendix-1.toml");
    let rounding = cells(&r, Status::Rounding);
    for cell in [
        // totals computed from unrounded values (§4.4 items 7, 8, 9, 10)
        "r17_persons[total]",
        "r17_amount[total]",
        "crem_persons[total]",
        "info_amount[total]",
        "hi_amount[total]",
        "farm_amount[total]",
        // the near-poor chain is unrounded (§4.1)
        "near_poor_hh[y2024]",
        "near_poor_hh[end2025]",
        "near_poor_pp[y2024]",
        // amounts on unrounded persons (§4.2 naive "no", model "yes")
        "hi_amount[y2024]",
        "poor_pupils_amount[y2023]",
        "poor_pupils_amount[y2024]",
        "poor_pupils_amount[y2025]",
        "sa_amount[y2023]",
        "sa_amount[y2025]",
        "r17_amount[y2022]",
        "r17_hi_amount[y2025]",
        "r17_pupils_amount[y2023]",
    ] {
        assert!(
            rounding.contains(cell),
            "{cell} should be a rounding artefact: {rounding:?}"
        );
    }
    let c = r.cell("r17_persons", "total").unwrap();
    assert_eq!(c.recomputed.as_deref(), Some("20.698"));
    assert!(c.reason.contains("20.700"), "{}", c.reason);
}

#[test]
fn hanoi_plan_consistent_cells_are_reproduced_exactly() {
    let r = report("hanoi-2022-2025-appendix-1.toml");
    for c in &r.cells {
        if matches!(c.status, Status::Consistent | Status::Rounding)
            && c.check.is_none()
            && c.row != "poor_rate"
        {
            let printed =
                ansinh_domain::policy::Exact::parse_vn(c.printed.as_deref().unwrap()).unwrap();
            let again =
                ansinh_domain::policy::Exact::parse_vn(c.recomputed.as_deref().unwrap()).unwrap();
            assert_eq!(printed, again, "{}[{}]", c.row, c.column);
        }
    }
    // Poor reductions are rounded up (half-up would give 722 in 2022).
    let red = r.cell("poor_reduced", "y2022").unwrap();
    assert_eq!(red.status, Status::Consistent);
    assert_eq!(red.unrounded, Some(Exact::int(723)));
    // Poor persons 2023 scale by the household ratio: 10,349 × 2,889 / 3,612 = 8,277.48.
    let pp = r.cell("poor_pp", "y2023").unwrap();
    assert_eq!(pp.unrounded.unwrap().to_decimal(2), "8277.48");
    // The poverty rates fit one base of 2,189,091 to 2,311,200 households.
    let rate = r.cell("poor_rate", "y2022").unwrap();
    assert_eq!(rate.status, Status::Consistent);
    assert!(
        rate.reason.contains("[2.189.091; 2.311.200]"),
        "{}",
        rate.reason
    );
    assert!(r.count(Status::Consistent) >= 100);
}

#[test]
fn hanoi_plan_prices_frozen_at_2022_are_repriced_with_the_values_in_force() {
    let r = report("hanoi-2022-2025-appendix-1.toml");
    let rep = |row: &str, col: &str| {
        r.cells
            .iter()
            .find(|c| c.row == row && c.column == col && c.status == Status::Repriced)
            .and_then(|c| c.recomputed.clone())
    };
    // policies.md §4.5: row 1a at the actual base salaries.
    assert_eq!(rep("hi_amount", "y2022"), None);
    assert_eq!(rep("hi_amount", "y2023").as_deref(), Some("65.042"));
    assert_eq!(rep("hi_amount", "y2024").as_deref(), Some("68.251"));
    assert_eq!(rep("hi_amount", "y2025").as_deref(), Some("64.537"));
    // and every cell that depends on an unconfirmed value says so
    let sa = r.cell("sa_amount", "y2022").unwrap();
    assert!(sa.caveats.iter().any(|c| {
        c.subject
            .starts_with("reference:hanoi_social_assistance_base")
    }));
    let elec = r
        .cells
        .iter()
        .find(|c| c.row == "elec_amount" && c.column == "y2023" && c.status == Status::Consistent)
        .unwrap();
    assert!(
        elec.caveats
            .iter()
            .all(|c| !c.subject.starts_with("reference:electricity")),
        "priced at 2022 values"
    );
}

// ------------------------------------------------------------------ plan check: Đà Nẵng and Hà Đông

#[test]
fn da_nang_near_poor_rates_that_imply_another_base_are_found() {
    let r = report("da-nang-2023-plan-66.toml");
    assert_eq!(
        cells(&r, Status::Inconsistent),
        set_of(&[
            "city[np_reduced_pct]",
            "hai_chau[np_reduced_pct]",
            "lien_chieu[np_reduced_pct]"
        ])
    );
    assert_eq!(r.count(Status::Error), 0);
    let city = r.cell("city", "np_reduced_pct").unwrap();
    assert_eq!(city.printed.as_deref(), Some("0,44"));
    assert_eq!(city.recomputed.as_deref(), Some("0,43"));
    assert!(
        city.reason.contains("[300.216; 300.767]"),
        "{}",
        city.reason
    );
    assert_eq!(
        r.cell("hai_chau", "np_reduced_pct")
            .unwrap()
            .recomputed
            .as_deref(),
        Some("0,17")
    );
    assert_eq!(
        r.cell("lien_chieu", "np_reduced_pct")
            .unwrap()
            .recomputed
            .as_deref(),
        Some("0,28")
    );
    // balances and column sums are exact
    for row in ["city", "hai_chau", "son_tra", "hoa_vang"] {
        assert_eq!(
            r.cell(row, "end_hh").unwrap().status,
            Status::Consistent,
            "{row}"
        );
    }
    for col in [
        "start_hh",
        "reduced_hh",
        "of_which_national",
        "of_which_chcdbkk",
        "np_reduced_hh",
        "houses",
        "jobs",
    ] {
        assert_eq!(
            r.cell("city", col).unwrap().status,
            Status::Consistent,
            "{col}"
        );
    }
    assert_eq!(
        r.cell("thanh_khe", "np_reduced_pct").unwrap().status,
        Status::Consistent
    );
}

#[test]
fn ha_dong_education_total_is_not_derivable_and_everything_else_adds_up() {
    let r = report("ha-dong-2024-near-poor-exit.toml");
    assert_eq!(
        cells(&r, Status::Inconsistent),
        set_of(&["education[amount]"])
    );
    let e = r.cell("education", "amount").unwrap();
    assert_eq!(e.recomputed.as_deref(), Some("873.000.000"));
    assert_eq!(
        r.cell("grand_total", "amount").unwrap().status,
        Status::Consistent
    );
    assert_eq!(
        r.cell("housing_total", "amount").unwrap().status,
        Status::Consistent
    );
    assert_eq!(
        r.cell("house_new", "rate").unwrap().recomputed.as_deref(),
        Some("100.000.000")
    );
}

// ------------------------------------------------------------------ projections and forecasts

#[test]
fn hanoi_poor_households_under_its_targets() {
    let t: Vec<Target> = ["20%", "30%", "30%", "25%"]
        .iter()
        .map(|s| Target::parse(s).unwrap())
        .collect();
    let p = forecast::project(2022, 3612, Some(2_250_000), &t, Rounding::Ceil).unwrap();
    let starts: Vec<i64> = p.iter().map(|y| y.start).collect();
    assert_eq!(starts, vec![3612, 2889, 2022, 1415]);
    assert_eq!(p[0].start_rate, Exact::parse("0.16"));
    // A count target and a rate-points target.
    let p = forecast::project(
        2023,
        1000,
        Some(100_000),
        &[Target::Count(300), Target::parse("0.5pt").unwrap()],
        Rounding::HalfUp,
    )
    .unwrap();
    assert_eq!((p[0].end, p[1].reduced, p[1].end), (700, 500, 200));
}

#[test]
fn the_builtin_forecast_prices_each_year_with_the_values_in_force() {
    let s = set();
    let text = std::fs::read_to_string(root().join("plans/hanoi-2022-2025-forecast.toml")).unwrap();
    let inputs = forecast::load_inputs("plans/hanoi-2022-2025-forecast.toml", &text).unwrap();
    let f = forecast::forecast(&s, &inputs).unwrap();
    let line = |p: &str, y: i32| {
        f.lines
            .iter()
            .find(|l| l.policy == p && l.year == y)
            .unwrap()
            .clone()
    };
    assert_eq!(line("hn-bhyt-poor-near-poor", 2022).per_unit, 804_600);
    assert_eq!(line("hn-bhyt-poor-near-poor", 2024).per_unit, 1_117_800);
    assert_eq!(line("vn-electricity-support", 2022).amount, 8612 * 660_000);
    assert!(f.caveats.contains_key("vn-electricity-support"));
    let sum: i128 = f.by_year().values().sum();
    assert_eq!(sum, f.total());
}

fn arb_funding() -> impl Strategy<Value = Vec<Funding>> {
    prop::collection::vec(1u32..10_000, 1..5).prop_map(|w| {
        let total: u32 = w.iter().sum();
        w.iter()
            .enumerate()
            .map(|(i, x)| Funding {
                source: format!("s{i}"),
                share: Exact::ratio(i128::from(*x), i128::from(total)).unwrap(),
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn a_split_always_adds_up(f in arb_funding(), total in 0i64..=4_000_000_000_000_000) {
        let parts = split_by_shares(&f, total);
        prop_assert_eq!(parts.len(), f.len());
        prop_assert_eq!(parts.iter().map(|p| p.1).sum::<i64>(), total);
        prop_assert!(parts.iter().all(|p| p.1 >= 0));
    }

    #[test]
    fn forecast_totals_are_the_sum_of_their_parts_at_national_scale(
        counts in prop::collection::vec(0i64..=110_000_000, 4),
        first in 2019i32..2028,
    ) {
        let s = set();
        let years: Vec<i32> = (first..first + 4).collect();
        let mut inputs = Inputs { years: years.clone(), ..Inputs::default() };
        for p in s.all() {
            if let Some(k) = &p.counts {
                inputs.counts.insert(k.clone(), years.iter().copied().zip(counts.iter().copied()).collect());
            }
        }
        let f = forecast::forecast(&s, &inputs).unwrap();
        let total = f.total();
        prop_assert_eq!(f.by_year().values().sum::<i128>(), total);
        prop_assert_eq!(f.by_source().values().sum::<i128>(), total);
        prop_assert_eq!(f.by_policy().values().sum::<i128>(), total);
        // each policy-year's parts add up to units × amount per unit
        let mut per: BTreeMap<(String, i32), (i128, i128)> = BTreeMap::new();
        for l in &f.lines {
            let e = per.entry((l.policy.clone(), l.year)).or_insert((0, i128::from(l.units) * i128::from(l.per_unit)));
            e.0 += i128::from(l.amount);
        }
        for ((p, y), (sum, want)) in per {
            prop_assert_eq!(sum, want, "{} {}", p, y);
        }
    }
}

// ------------------------------------------------------------------ malformed files

fn load_one(text: &str) -> Vec<FileError> {
    let refs = std::fs::read_to_string(root().join("policies/reference-values.toml")).unwrap();
    PolicySet::load(
        ("policies/reference-values.toml", &refs),
        &[("bad.toml".to_string(), text.to_string())],
    )
    .unwrap_err()
}

const GOOD: &str = r#"[[policy]]
id = "x-test"
name.vi = "Thử"
name.en = "Test"
legal_basis = "none"
valid_from = 2022-01-01
agency = "none"
eligible = "status == poor"
unit = "person"
amount = { formula = "0.045 * base_salary", per = "month", share = "70%" }
funding = [{ source = "central_budget", share = "100%" }]
"#;

#[test]
fn a_good_policy_file_loads_and_a_literal_rate_is_exact() {
    let refs = std::fs::read_to_string(root().join("policies/reference-values.toml")).unwrap();
    let s = PolicySet::load(("r", &refs), &[("good.toml".to_string(), GOOD.to_string())]).unwrap();
    assert_eq!(monthly(&s, "x-test", "2024-07"), 73_710);
}

#[test]
fn malformed_policy_files_are_refused_with_file_line_and_column() {
    // an unknown name in the amount formula: line 10, at the name inside the string
    let e = load_one(&GOOD.replace("0.045 * base_salary", "0.045 * base_salry"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        (e[0].file.as_str(), e[0].code, e[0].line, e[0].column),
        ("bad.toml", "POL_REF", Some(10), Some(31))
    );
    assert!(e[0].en.contains("base_salry"));
    // a float rate is refused: it would not be exact
    let e = load_one(&GOOD.replace("share = \"70%\"", "share = 0.7"));
    assert_eq!((e[0].code, e[0].line), ("POL_VALUE", Some(10)));
    assert!(e[0].en.contains("as a string"), "{}", e[0]);
    // a bad eligibility value points into the expression
    let e = load_one(&GOOD.replace("status == poor", "status == rich"));
    assert_eq!(
        (e[0].code, e[0].line, e[0].column),
        ("POL_EXPR", Some(8), Some(23))
    );
    // funding shares must add up to 100%
    let e = load_one(&GOOD.replace("share = \"100%\"", "share = \"90%\""));
    assert_eq!((e[0].code, e[0].line), ("POL_VALUE", Some(11)));
    // a TOML syntax error
    let e = load_one(&GOOD.replace("unit = \"person\"", "unit = person"));
    assert_eq!((e[0].code, e[0].line), ("POL_SYNTAX", Some(9)));
    // an unknown key
    let e = load_one(&GOOD.replace("agency = \"none\"", "agency = \"none\"\nagencyy = 1"));
    assert_eq!(e[0].code, "POL_SYNTAX");
    assert!(e[0].to_string().starts_with("bad.toml:8:"), "{}", e[0]);
}

#[test]
fn malformed_reference_values_and_plans_are_refused_with_positions() {
    let e = PolicySet::load(("refs.toml", "[values.x]\nvi = \"a\"\nen = \"b\"\nunit = \"vnd\"\n[[values.x.periods]]\nfrom = 2024-01-01\nvalue = 1\nlegal_basis = \"a\"\n[[values.x.periods]]\nfrom = 2023-01-01\nvalue = 2\nlegal_basis = \"b\"\n"), &[]).unwrap_err();
    assert_eq!((e[0].code, e[0].line), ("POL_DATES", Some(10)));
    let s = set();
    let good = std::fs::read_to_string(root().join("plans/da-nang-2023-plan-66.toml")).unwrap();
    let bad = good.replace("start_hh = \"673\"", "start_hh = \"6 73\"");
    let e = Plan::load("dn.toml", &bad, &s).unwrap_err();
    assert_eq!(e[0].code, "PLAN_VALUE");
    let line = bad.lines().position(|l| l.contains("\"6 73\"")).unwrap() + 1;
    assert_eq!(e[0].line, Some(line));
    let bad = good.replace(
        "end_hh = \"start_hh - reduced_hh\"",
        "end_hh = \"start_hh - reduced\"",
    );
    let e = Plan::load("dn.toml", &bad, &s).unwrap_err();
    assert_eq!(e[0].code, "PLAN_EXPR");
    assert!(e[0].en.contains("unknown name `reduced`"), "{}", e[0]);
}

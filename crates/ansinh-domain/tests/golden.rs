//! Golden cases that read like the law: small households built by hand, classified and explained under
//! the standards of the workspace (shared/domain/standards.md §1.3, §3.2, §4.3, §8.7).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use ansinh_domain::Class::{Average, NearPoor, NotPoor, Poor};
use ansinh_domain::classify::{INCOMPLETE, Outcome};
use ansinh_domain::{Class, Standard, StandardSet};
use common::{
    V, child, class, deprived, elder, explain, household, man, outcome, registry, rural, standard,
    undecided, urban, woman,
};

fn vn2016() -> &'static Standard {
    standard("vn-2016-2020")
}
fn vn2022() -> &'static Standard {
    standard("vn-2022-2025")
}
fn vn2027() -> &'static Standard {
    standard("vn-2027-2030")
}
fn hanoi() -> &'static Standard {
    standard("hanoi-2022-2025")
}
fn bench() -> &'static Standard {
    standard("bench-2022")
}

// ------------------------------------------------------------------ income lines: inclusive, per person, exact

#[test]
fn income_at_the_poverty_line_counts_as_at_or_below_it() {
    // A rural household of 4 deprived on 3 indicators (Decree 07/2021 Art. 3(2)).
    let h = |per_person| rural(4).with_deficits(3).income_per_person(per_person);
    assert_eq!(class(vn2022(), &h(1_499_999)), Some(Poor));
    assert_eq!(
        class(vn2022(), &h(1_500_000)),
        Some(Poor),
        "\"từ … trở xuống\": the line itself is poor"
    );
    assert_eq!(class(vn2022(), &h(1_500_001)), Some(Average));
    // The same household deprived on only 2 indicators.
    let h = |per_person| rural(4).with_deficits(2).income_per_person(per_person);
    assert_eq!(class(vn2022(), &h(1_500_000)), Some(NearPoor));
    assert_eq!(class(vn2022(), &h(1_500_001)), Some(Average));
    // Urban: 2,000,000.
    let h = |per_person| urban(4).with_deficits(3).income_per_person(per_person);
    assert_eq!(class(vn2022(), &h(1_999_999)), Some(Poor));
    assert_eq!(class(vn2022(), &h(2_000_000)), Some(Poor));
    assert_eq!(class(vn2022(), &h(2_000_001)), Some(Average));
    // The average band ends at 2,250,000 rural / 3,000,000 urban, inclusive.
    assert_eq!(
        class(vn2022(), &rural(4).income_per_person(2_250_000)),
        Some(Average)
    );
    assert_eq!(
        class(vn2022(), &rural(4).income_per_person(2_250_001)),
        Some(NotPoor)
    );
    // 2027-2030: 2,200,000 rural / 2,800,000 urban.
    let h = |per_person| rural(4).with_deficits(3).income_per_person(per_person);
    assert_eq!(class(vn2027(), &h(2_200_000)), Some(Poor));
    assert_eq!(class(vn2027(), &h(2_200_001)), Some(NotPoor));
    let h = |per_person| urban(4).with_deficits(2).income_per_person(per_person);
    assert_eq!(class(vn2027(), &h(2_799_999)), Some(NearPoor));
    assert_eq!(class(vn2027(), &h(2_800_000)), Some(NearPoor));
    assert_eq!(class(vn2027(), &h(2_800_001)), Some(NotPoor));
}

#[test]
fn income_per_person_is_compared_exactly_without_rounding() {
    // A rural household of 3 earning 3 × 1,500,000 = 4,500,000 is exactly at the line; one đồng more
    // (1,500,000.33 per person) is above it, however the per-person figure would be rounded.
    let h = |total| rural(3).income(total);
    assert_eq!(class(vn2022(), &h(4_499_999)), Some(NearPoor));
    assert_eq!(class(vn2022(), &h(4_500_000)), Some(NearPoor));
    assert_eq!(class(vn2022(), &h(4_500_001)), Some(Average));
    // Same for a household of 7 (10,500,000 = 7 × 1,500,000).
    assert_eq!(
        class(vn2022(), &rural(7).income(10_500_000)),
        Some(NearPoor)
    );
    assert_eq!(class(vn2022(), &rural(7).income(10_500_001)), Some(Average));
    // 2016-2020, household of 3: the poverty line (2,100,000), the near-poverty line (3,000,000) and the
    // average ceiling (4,500,000), each exactly and one đồng above.
    assert_eq!(class(vn2016(), &h(2_100_000)), Some(Poor));
    assert_eq!(class(vn2016(), &h(2_100_001)), Some(NearPoor));
    assert_eq!(class(vn2016(), &h(3_000_000)), Some(NearPoor));
    assert_eq!(class(vn2016(), &h(3_000_001)), Some(Average));
    assert_eq!(class(vn2016(), &h(4_500_000)), Some(Average));
    assert_eq!(class(vn2016(), &h(4_500_001)), Some(NotPoor));
    // 2027-2030, urban household of 3: 8,400,000 = 3 × 2,800,000.
    assert_eq!(class(vn2027(), &urban(3).income(8_400_000)), Some(NearPoor));
    assert_eq!(class(vn2027(), &urban(3).income(8_400_001)), Some(NotPoor));
    // The explanation shows the rounded figure but decides on the exact one.
    let e = explain(vn2022(), &h(4_500_001));
    assert_eq!(e.income, Some(4_500_001));
    assert!(
        e.text_vi
            .contains("1.500.000 đ/người/tháng > chuẩn nghèo 1.500.000 đ"),
        "{}",
        e.text_vi
    );
}

// ------------------------------------------------------------------ indicator thresholds at their boundaries

#[test]
fn health_insurance_is_required_from_age_6() {
    for std in registry().all() {
        // A rural household of 3 whose youngest child has no health insurance.
        let h = |age| {
            household("rural", vec![man(40), woman(38), child(age).uninsured()])
                .income_per_person(900_000)
        };
        let e = explain(std, &h(5));
        assert_eq!(
            outcome(&e, "health_insurance"),
            &Outcome::NotDeprived,
            "{}: a child of 5",
            std.id
        );
        let e = explain(std, &h(6));
        assert_eq!(
            outcome(&e, "health_insurance"),
            &Outcome::Deprived,
            "{}: a child of 6",
            std.id
        );
        let who = &e
            .indicators
            .iter()
            .find(|i| i.id == "health_insurance")
            .expect("indicator")
            .members;
        assert_eq!(who, &[2], "{}: the child is named as the reason", std.id);
    }
}

#[test]
fn eight_square_metres_per_person_is_enough() {
    for std in registry().all() {
        // A rural household of 3 in 24 m²: exactly 8 m² per person.
        let e = explain(std, &rural(3).income_per_person(900_000).floor_area(24.0));
        assert_eq!(
            outcome(&e, "housing_area"),
            &Outcome::NotDeprived,
            "{}: 8 m²",
            std.id
        );
        let e = explain(
            std,
            &rural(3)
                .income_per_person(900_000)
                .floor_area_per_person(7.9),
        );
        assert_eq!(
            outcome(&e, "housing_area"),
            &Outcome::Deprived,
            "{}: 7.9 m²",
            std.id
        );
        let e = explain(std, &rural(3).income_per_person(900_000).floor_area(23.99));
        assert_eq!(
            outcome(&e, "housing_area"),
            &Outcome::Deprived,
            "{}: 23.99 m² for 3",
            std.id
        );
    }
}

#[test]
fn dependants_make_a_household_deprived_only_above_half() {
    let dependants = |members| {
        outcome(
            &explain(bench(), &household("rural", members).income(0)),
            "dependents",
        )
        .clone()
    };
    // Two parents and two children: exactly half.
    assert_eq!(
        dependants(vec![man(40), woman(38), child(10), child(12)]),
        Outcome::NotDeprived
    );
    // One parent and three children: three quarters.
    assert_eq!(
        dependants(vec![woman(38), child(10), child(12), child(8)]),
        Outcome::Deprived
    );
    // Two adults and three children: three fifths.
    assert_eq!(
        dependants(vec![man(40), woman(38), child(10), child(12), child(8)]),
        Outcome::Deprived
    );
    // A man of 40 and his father of 60: half (60 counts as elderly in the benchmark rule).
    assert_eq!(
        dependants(vec![man(40), elder(60, "male")]),
        Outcome::NotDeprived
    );
    // A man of 40, his father of 60 and a disabled brother of 35: two thirds.
    assert_eq!(
        dependants(vec![man(40), elder(60, "male"), man(35).disabled()]),
        Outcome::Deprived
    );
    // Under 2022-2025 the elderly count only when they receive a monthly social allowance.
    let members = |allowance: bool| {
        let e = |age, sex| {
            if allowance {
                elder(age, sex).with_allowance()
            } else {
                elder(age, sex)
            }
        };
        vec![woman(45), e(72, "male"), e(70, "female")]
    };
    for std in [vn2022(), vn2027()] {
        let d = |m| {
            outcome(
                &explain(std, &household("rural", m).income(0)),
                "dependents",
            )
            .clone()
        };
        assert_eq!(d(members(false)), Outcome::NotDeprived, "{}", std.id);
        assert_eq!(d(members(true)), Outcome::Deprived, "{}", std.id);
    }
}

#[test]
fn working_age_ends_at_60_for_men_and_55_for_women_inclusive() {
    // The benchmark rule: a household with an unemployed member of working age is deprived on employment.
    let employment = |m| {
        outcome(
            &explain(bench(), &household("rural", vec![woman(35), m]).income(0)),
            "employment",
        )
        .clone()
    };
    assert_eq!(employment(man(60).unemployed()), Outcome::Deprived);
    assert_eq!(employment(man(61).unemployed()), Outcome::NotDeprived);
    assert_eq!(employment(woman(55).unemployed()), Outcome::Deprived);
    assert_eq!(employment(woman(56).unemployed()), Outcome::NotDeprived);
    assert_eq!(employment(man(15).unemployed()), Outcome::Deprived);
    assert_eq!(employment(man(14).unemployed()), Outcome::NotDeprived);
    // A wage worker without a labour contract counts as well.
    assert_eq!(employment(woman(55).without_contract()), Outcome::Deprived);
    assert_eq!(
        employment(woman(56).without_contract()),
        Outcome::NotDeprived
    );
    assert_eq!(employment(man(40)), Outcome::NotDeprived);
}

#[test]
fn the_2016_2020_indicators() {
    let h = || rural(4).income_per_person(800_000);
    // Access to health services: a member sick and not treated.
    let e = explain(vn2016(), &h().map_member(1, |m| m.sick_untreated()));
    assert_eq!(deprived(&e), ["health_access"]);
    // Children's school attendance: aged 5 to 14.
    for (age, want) in [(4, false), (5, true), (14, true), (15, false)] {
        let e = explain(
            vn2016(),
            &household(
                "rural",
                vec![man(40), woman(38), child(age).out_of_school()],
            )
            .income(0),
        );
        assert_eq!(
            outcome(&e, "child_school") == &Outcome::Deprived,
            want,
            "a child of {age} out of school"
        );
    }
    // Adult education: 15 to 30, not in school, without lower-secondary graduation.
    let adult_ed = |m| {
        outcome(
            &explain(vn2016(), &household("rural", vec![man(40), m]).income(0)),
            "adult_education",
        )
        .clone()
    };
    assert_eq!(adult_ed(man(15).education("primary")), Outcome::Deprived);
    assert_eq!(adult_ed(man(30).education("none")), Outcome::Deprived);
    assert_eq!(adult_ed(man(31).education("none")), Outcome::NotDeprived);
    assert_eq!(
        adult_ed(man(20).education("lower_secondary")),
        Outcome::NotDeprived
    );
    assert_eq!(
        adult_ed(child(15).education("primary")),
        Outcome::NotDeprived,
        "still in school"
    );
    // Assets for information: no device AND out of reach of the loudspeaker.
    let e = explain(vn2016(), &h().set("has_info_device", V::Bool(false)));
    assert_eq!(
        deprived(&e),
        Vec::<&str>::new(),
        "hears the village loudspeaker"
    );
    let e = explain(
        vn2016(),
        &h().set("has_info_device", V::Bool(false))
            .set("hears_loudspeaker", V::Bool(false)),
    );
    assert_eq!(deprived(&e), ["info_assets"]);
    // The household-level deficits of the builder: one indicator each.
    let e = explain(vn2016(), &h().with_deficits(6));
    assert_eq!(
        deprived(&e),
        [
            "health_insurance",
            "housing_quality",
            "housing_area",
            "water",
            "toilet",
            "telecom"
        ]
    );
}

#[test]
fn the_2027_2030_indicators_drop_information_devices_and_add_internet_digital_services_and_waste() {
    let h = || rural(4).income_per_person(2_000_000);
    let no_devices = h()
        .set("has_info_device", V::Bool(false))
        .set("hears_loudspeaker", V::Bool(false));
    assert_eq!(
        deprived(&explain(vn2027(), &no_devices)),
        Vec::<&str>::new()
    );
    assert_eq!(deprived(&explain(vn2022(), &no_devices)), ["info_access"]);
    assert_eq!(deprived(&explain(vn2016(), &no_devices)), ["info_assets"]);
    let offline = h()
        .set("uses_internet", V::Bool(false))
        .set("uses_digital_services", V::Bool(false))
        .set("waste_treated", V::Bool(false));
    let e = explain(vn2027(), &offline);
    assert_eq!(deprived(&e), ["internet", "digital_services", "waste"]);
    assert_eq!(
        e.class,
        Some(Poor),
        "three of the new indicators are enough"
    );
    assert_eq!(deprived(&explain(vn2022(), &offline)), Vec::<&str>::new());
}

// ------------------------------------------------------------------ 2016-2020: the two-tier income rule

#[test]
fn the_2016_2020_rule_has_an_income_only_path_and_a_deprivation_band() {
    let h = |per_person, deficits| {
        rural(4)
            .income_per_person(per_person)
            .with_deficits(deficits)
    };
    let decide = |per_person, deficits| {
        let e = explain(vn2016(), &h(per_person, deficits));
        (e.class, e.rule)
    };
    let is = |c: Class, rule: &str| (Some(c), Some(rule.to_string()));
    // At or below 700,000: poor, whatever the deprivations.
    assert_eq!(decide(700_000, 0), is(Poor, "poor_income"));
    assert_eq!(decide(0, 0), is(Poor, "poor_income"));
    // Above 700,000 up to 1,000,000: poor with 3 or more deprivations, near-poor with fewer.
    assert_eq!(decide(700_001, 3), is(Poor, "poor_deprivation"));
    assert_eq!(decide(700_001, 2), is(NearPoor, "near_poor"));
    assert_eq!(decide(700_001, 0), is(NearPoor, "near_poor"));
    assert_eq!(decide(1_000_000, 3), is(Poor, "poor_deprivation"));
    assert_eq!(decide(1_000_000, 2), is(NearPoor, "near_poor"));
    // Above the near-poverty line deprivations no longer make a household poor.
    assert_eq!(decide(1_000_001, 6), is(Average, "average"));
    assert_eq!(decide(1_500_000, 0), is(Average, "average"));
    assert_eq!(decide(1_500_001, 6), is(NotPoor, "not_poor"));
    // Urban: 900,000 / 1,300,000 / 1,950,000.
    let h = |per_person, deficits| {
        urban(4)
            .income_per_person(per_person)
            .with_deficits(deficits)
    };
    assert_eq!(class(vn2016(), &h(900_000, 0)), Some(Poor));
    assert_eq!(class(vn2016(), &h(900_001, 2)), Some(NearPoor));
    assert_eq!(class(vn2016(), &h(900_001, 3)), Some(Poor));
    assert_eq!(class(vn2016(), &h(1_300_000, 3)), Some(Poor));
    assert_eq!(class(vn2016(), &h(1_300_001, 5)), Some(Average));
    assert_eq!(class(vn2016(), &h(1_950_000, 0)), Some(Average));
    assert_eq!(class(vn2016(), &h(1_950_001, 0)), Some(NotPoor));
}

// ------------------------------------------------------------------ standards.md §8.7

/// A household of 4 deprived on 13 indicators under 2027-2030 (12 with `waste_treated`).
fn destitute(area: &'static str, waste_treated: bool) -> common::Household {
    household(
        area,
        vec![
            man(25).unemployed().uninsured().education("primary"),
            child(8).out_of_school().stunted(),
            child(4),
            elder(70, "female").with_allowance(),
        ],
    )
    .makeshift_house()
    .cramped()
    .unsafe_water()
    .no_toilet()
    .set("uses_internet", V::Bool(false))
    .set("uses_digital_services", V::Bool(false))
    .set("waste_treated", V::Bool(waste_treated))
}

#[test]
fn derived_test_cases_of_standards_md_8_7() {
    let check = |row: u32, std: &Standard, h: common::Household, deficits: u32, want: Class| {
        let e = explain(std, &h);
        assert_eq!(
            e.deficit_count,
            deficits,
            "§8.7 row {row}: deficits {:?}",
            deprived(&e)
        );
        assert_eq!(e.unknown_count, 0, "§8.7 row {row}");
        assert_eq!(e.class, Some(want), "§8.7 row {row}: {}", e.text_en);
    };
    let r = |pc: i64, k: usize| rural(4).income_per_person(pc).with_deficits(k);
    let u = |pc: i64, k: usize| urban(4).income_per_person(pc).with_deficits(k);
    // 2022-2025.
    check(1, vn2022(), r(1_500_000, 3), 3, Poor);
    check(2, vn2022(), r(1_500_000, 2), 2, NearPoor);
    check(3, vn2022(), r(1_500_001, 6), 6, Average);
    check(4, vn2022(), u(2_000_000, 0), 0, NearPoor);
    check(5, vn2022(), u(3_000_000, 0), 0, Average);
    check(6, vn2022(), u(3_000_001, 0), 0, NotPoor);
    // 2016-2020.
    check(10, vn2016(), r(700_000, 0), 0, Poor);
    check(11, vn2016(), r(700_001, 3), 3, Poor);
    check(12, vn2016(), r(1_000_000, 2), 2, NearPoor);
    check(13, vn2016(), u(1_300_001, 5), 5, Average);
    // 2027-2030.
    check(17, vn2027(), r(2_200_000, 3), 3, Poor);
    check(18, vn2027(), u(2_800_000, 2), 2, NearPoor);
    check(
        19,
        vn2027(),
        destitute("urban", true).income_per_person(2_800_001),
        12,
        NotPoor,
    );
    check(
        19,
        vn2027(),
        destitute("urban", false).income_per_person(2_800_001),
        13,
        NotPoor,
    );
    check(
        19,
        vn2027(),
        destitute("urban", true).income_per_person(2_800_000),
        12,
        Poor,
    );
    // Row 21: a review run in 2026 with a rural household at 2,000,000 and 3 deprivations. The standard in
    // force in 2026 is the 2022-2025 one (average); under the 2027-2030 rules it would be poor.
    let in_2026 = registry()
        .in_force(
            chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"),
            None,
        )
        .expect("a standard");
    assert_eq!(in_2026.id, "vn-2022-2025");
    check(21, in_2026, r(2_000_000, 3), 3, Average);
    check(21, vn2027(), r(2_000_000, 3), 3, Poor);
}

// ------------------------------------------------------------------ Hanoi

#[test]
fn hanoi_has_a_higher_line_than_the_national_standard() {
    // A rural Hanoi household of 4 living on 1,800,000 per person, deprived on 3 indicators.
    let h = rural(4).income_per_person(1_800_000).with_deficits(3);
    assert_eq!(class(hanoi(), &h), Some(Poor));
    assert_eq!(
        class(vn2022(), &h),
        Some(Average),
        "nationally it is above the line: average, not poor"
    );
    // The same household deprived on 2 indicators.
    let h = rural(4).income_per_person(1_800_000).with_deficits(2);
    assert_eq!(class(hanoi(), &h), Some(NearPoor));
    assert_eq!(class(vn2022(), &h), Some(Average));
    // Hanoi's lines, exactly: 2,000,000 rural, 2,500,000 urban.
    assert_eq!(
        class(hanoi(), &rural(4).income_per_person(2_000_000)),
        Some(NearPoor)
    );
    assert_eq!(
        class(hanoi(), &rural(4).income_per_person(2_000_001)),
        Some(Average)
    );
    assert_eq!(
        class(hanoi(), &urban(4).income_per_person(2_500_000)),
        Some(NearPoor)
    );
    assert_eq!(
        class(hanoi(), &urban(4).income_per_person(2_500_001)),
        Some(Average)
    );
    let e = explain(
        hanoi(),
        &rural(4).income_per_person(1_800_000).with_deficits(3),
    );
    assert!(
        e.text_vi.contains("≤ chuẩn nghèo Hà Nội 2.000.000 đ"),
        "{}",
        e.text_vi
    );
}

// ------------------------------------------------------------------ missing data: three-valued, never silent

#[test]
fn an_unknown_indicator_cannot_turn_a_poor_household_near_poor() {
    // A rural household of 4 on 1,000,000 per person: makeshift house, unsafe water, no toilet; nobody
    // knows whether the father has health insurance.
    let h = rural(4)
        .income_per_person(1_000_000)
        .makeshift_house()
        .unsafe_water()
        .no_toilet()
        .map_member(0, |m| m.missing("has_health_insurance"));
    // Three known deficits are enough whatever the missing answer: poor.
    let e = explain(vn2022(), &h);
    assert_eq!(e.class, Some(Poor));
    assert_eq!(deprived(&e), ["housing_quality", "water", "toilet"]);
    assert_eq!(
        outcome(&e, "health_insurance"),
        &Outcome::Unknown {
            missing: vec!["has_health_insurance"]
        }
    );
    assert_eq!((e.deficit_count, e.unknown_count), (3, 1));
    assert!(
        e.text_vi
            .contains("chưa xác định được 1 chỉ số: bảo hiểm y tế (thiếu: có bảo hiểm y tế)"),
        "{}",
        e.text_vi
    );

    // With two known deficits the missing answer decides between poor and near-poor: incomplete.
    let h = rural(4)
        .income_per_person(1_000_000)
        .makeshift_house()
        .unsafe_water()
        .map_member(0, |m| m.missing("has_health_insurance"));
    for std in [vn2022(), vn2027(), hanoi(), bench()] {
        let b = common::batch(std::slice::from_ref(&h));
        let res = ansinh_domain::classify(std, &b);
        assert_eq!(
            res.class[0], INCOMPLETE,
            "{}: must not silently be near-poor",
            std.id
        );
        let e = explain(std, &h);
        assert_eq!(e.class, None, "{}", std.id);
        assert_eq!(
            e.rule.as_deref(),
            Some("poor"),
            "{}: the poor rule is the one left undecided",
            std.id
        );
        assert!(
            e.missing.contains(&"has_health_insurance"),
            "{}: {:?}",
            std.id,
            e.missing
        );
        assert_eq!(undecided(&e), ["health_insurance"], "{}", std.id);
        assert!(
            e.text_vi
                .contains("Chưa đủ dữ liệu để xếp loại hộ; cần bổ sung: có bảo hiểm y tế"),
            "{}",
            e.text_vi
        );
        assert!(
            e.text_en.contains("still needed: has health insurance"),
            "{}",
            e.text_en
        );
    }
    // 2016-2020: in the deprivation band the same gap leaves the class open...
    let e = explain(vn2016(), &h.clone().income_per_person(800_000));
    assert_eq!(e.class, None);
    assert_eq!(e.rule.as_deref(), Some("poor_deprivation"));
    assert!(e.missing.contains(&"has_health_insurance"));
    // ...but at or below 700,000 the household is poor on income alone.
    assert_eq!(
        class(vn2016(), &h.clone().income_per_person(700_000)),
        Some(Poor)
    );
    // ...and above the near-poverty line deprivations do not matter.
    assert_eq!(
        class(vn2016(), &h.income_per_person(1_200_000)),
        Some(Average)
    );
}

#[test]
fn missing_data_that_cannot_change_the_class_is_irrelevant() {
    // An urban household of 4 on 5,000,000 per person with most of the survey unanswered.
    let h = urban(4)
        .income_per_person(5_000_000)
        .missing("housing_quality")
        .missing("floor_area_m2")
        .missing("water_source")
        .missing("toilet")
        .missing("uses_telecom")
        .missing("uses_internet")
        .map_member(0, |m| {
            m.missing("has_health_insurance").missing("labour_status")
        })
        .map_member(3, |m| m.missing("age"));
    for std in registry().all() {
        let e = explain(std, &h);
        assert_eq!(e.class, Some(NotPoor), "{}", std.id);
        assert!(
            e.unknown_count >= 4,
            "{}: the indicators stay undecided ({:?})",
            std.id,
            undecided(&e)
        );
        assert!(e.missing.iter().all(|f| *f != "monthly_income_vnd"));
    }
}

#[test]
fn missing_income_or_area_leaves_the_class_open_only_when_it_matters() {
    // No income recorded: nothing can be decided.
    for std in registry().all() {
        let e = explain(std, &rural(4).with_deficits(3));
        assert_eq!(e.class, None, "{}", std.id);
        assert!(
            e.missing.contains(&"monthly_income_vnd"),
            "{}: {:?}",
            std.id,
            e.missing
        );
        assert!(
            e.text_vi.contains("chưa có số liệu thu nhập"),
            "{}",
            e.text_vi
        );
    }
    // Area unknown, 1,800,000 per person: above the rural line, below the urban one.
    let e = explain(
        vn2022(),
        &rural(4)
            .income_per_person(1_800_000)
            .with_deficits(3)
            .missing("area"),
    );
    assert_eq!(e.class, None);
    assert_eq!(e.missing, ["area"]);
    // Below both lines, or above both average ceilings, the area does not matter.
    assert_eq!(
        class(
            vn2022(),
            &rural(4).income_per_person(1_000_000).missing("area")
        ),
        Some(NearPoor)
    );
    assert_eq!(
        class(
            vn2022(),
            &rural(4).income_per_person(3_500_000).missing("area")
        ),
        Some(NotPoor)
    );
    assert_eq!(
        class(
            vn2016(),
            &rural(4).income_per_person(600_000).missing("area")
        ),
        Some(Poor)
    );
}

// ------------------------------------------------------------------ the words of the explanation

#[test]
fn the_explanation_names_the_line_the_deprivations_and_the_members() {
    // The Nguyễn household: rural, 4 people, 1,200,000 each; the father has no health insurance; they live
    // in a makeshift house with an unprotected water source.
    let h = household(
        "rural",
        vec![
            man(40).named("Nguyễn Văn An").uninsured(),
            woman(38).named("Trần Thị Bình"),
            child(10).named("Nguyễn Văn Cường"),
            child(7).named("Nguyễn Thị Dung"),
        ],
    )
    .income_per_person(1_200_000)
    .makeshift_house()
    .unsafe_water();
    let e = explain(vn2022(), &h);
    assert_eq!(e.class, Some(Poor));
    assert_eq!(e.size, 4);
    assert_eq!(e.area, Some("rural"));
    assert_eq!(e.income_per_capita, Some(1_200_000.0));
    for part in [
        "Hộ 4 người, khu vực nông thôn",
        "thu nhập bình quân 1.200.000 đ/người/tháng ≤ chuẩn nghèo 1.500.000 đ",
        "thiếu hụt 3 chỉ số",
        "bảo hiểm y tế (Nguyễn Văn An, 40 tuổi)",
        "chất lượng nhà ở",
        "nguồn nước sinh hoạt",
        "Kết luận: hộ nghèo (quy tắc `poor`",
        "UNCONFIRMED",
    ] {
        assert!(
            e.text_vi.contains(part),
            "missing {part:?} in: {}",
            e.text_vi
        );
    }
    for part in [
        "1,500,000 VND",
        "health insurance (Nguyễn Văn An, 40)",
        "Result: poor household",
        "UNCONFIRMED",
    ] {
        assert!(
            e.text_en.contains(part),
            "missing {part:?} in: {}",
            e.text_en
        );
    }
    assert!(!e.caveats.is_empty());

    // The benchmark rule has nothing unconfirmed: no caveat, no UNCONFIRMED note.
    let e = explain(bench(), &h);
    assert_eq!(e.class, Some(Poor));
    assert!(e.caveats.is_empty(), "{:?}", e.caveats);
    assert!(
        !e.text_vi.contains("UNCONFIRMED") && !e.text_vi.contains("Lưu ý"),
        "{}",
        e.text_vi
    );
    assert!(!e.text_en.contains("UNCONFIRMED"), "{}", e.text_en);
    assert!(e.text_vi.contains("1.500.000 đ"));

    // Without names, members are numbered and still aged.
    let e = explain(
        vn2022(),
        &rural(4).income_per_person(1_200_000).someone_uninsured(),
    );
    assert!(
        e.text_vi.contains("bảo hiểm y tế (thành viên 1, 40 tuổi)"),
        "{}",
        e.text_vi
    );
    assert!(
        e.text_vi.contains("Kết luận: hộ cận nghèo"),
        "{}",
        e.text_vi
    );
}

#[test]
fn every_result_of_an_unconfirmed_standard_says_so() {
    let h = rural(4).income_per_person(5_000_000);
    for std in [vn2016(), vn2022(), vn2027(), hanoi()] {
        let e = explain(std, &h);
        assert!(!e.caveats.is_empty(), "{}", std.id);
        assert!(
            e.text_vi.contains("(UNCONFIRMED)"),
            "{}: {}",
            std.id,
            e.text_vi
        );
    }
    let e = explain(vn2027(), &h);
    assert!(
        e.caveats
            .iter()
            .any(|c| c.starts_with("standard:vn-2027-2030: ")),
        "{:?}",
        e.caveats
    );
    let e = explain(vn2016(), &h);
    assert!(
        e.caveats
            .iter()
            .any(|c| c.starts_with("threshold:average_upper: ")),
        "{:?}",
        e.caveats
    );
    assert!(explain(bench(), &h).caveats.is_empty());
}

// ------------------------------------------------------------------ the engine

#[test]
fn deficits_can_be_read_inside_a_member_aggregate() {
    // Regression: `deficits` used inside any(member, …) was evaluated with one value per household instead
    // of one per member, so a household with 1 deficit next to one with 3 came out poor.
    let text = std::fs::read_to_string(common::standards_dir().join("bench-2022.toml"))
        .expect("bench-2022.toml")
        .replace(
            "when = \"monthly_income_vnd <= poverty_line * n and deficits >= 3\"",
            "when = \"monthly_income_vnd <= poverty_line * n and any(member, age >= 0 and deficits >= 3)\"",
        );
    let reg = StandardSet::load(&[("bench-2022.toml".to_string(), text)]).expect("loads");
    let std = reg.get("bench-2022").expect("bench-2022");
    let hs = [
        rural(4).income_per_person(1_000_000).with_deficits(3),
        rural(5).income_per_person(1_000_000).with_deficits(1),
        rural(2).income_per_person(1_000_000).with_deficits(4),
    ];
    let res = ansinh_domain::classify(std, &common::batch(&hs));
    let got: Vec<Option<Class>> = (0..hs.len()).map(|i| res.class_of(i)).collect();
    assert_eq!(got, [Some(Poor), Some(NearPoor), Some(Poor)]);
}

#[test]
fn a_batch_gives_each_household_its_own_class() {
    // The same cases one by one and together in one batch agree.
    let hs = vec![
        rural(4).income_per_person(1_500_000).with_deficits(3),
        urban(1).income_per_person(2_000_001),
        rural(7).income(10_500_001),
        rural(3)
            .income_per_person(1_000_000)
            .map_member(0, |m| m.missing("has_health_insurance"))
            .with_deficits(2),
        urban(2).income_per_person(900_000),
    ];
    for std in registry().all() {
        let res = ansinh_domain::classify(std, &common::batch(&hs));
        for (i, h) in hs.iter().enumerate() {
            assert_eq!(res.class_of(i), class(std, h), "{} household {i}", std.id);
        }
    }
}

//! Every standard of the workspace loads, the right one is in force on each date, and a malformed
//! standard is refused with a stable code and the line and column of the offending text.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use ansinh_domain::{Class, FileError, StandardSet};
use chrono::NaiveDate;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

// ------------------------------------------------------------------ the workspace's standards

#[test]
fn every_standard_of_the_workspace_loads_together() {
    let files = common::standard_files();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "bench-2022.toml",
        "hanoi-2022-2025.toml",
        "vn-2016-2020.toml",
        "vn-2022-2025.toml",
        "vn-2027-2030.toml",
    ] {
        assert!(
            names.contains(&expected),
            "standards/{expected} is missing (found {names:?})"
        );
    }
    let reg = StandardSet::load(&files).unwrap_or_else(|errs| {
        panic!(
            "{}",
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert_eq!(reg.all().len(), files.len(), "one standard per file");
    for (name, _) in &files {
        let id = name.trim_end_matches(".toml");
        let s = reg
            .get(id)
            .unwrap_or_else(|| panic!("{name} does not define standard `{id}`"));
        assert_eq!(s.file, *name);
        assert!(
            s.rules.last().is_some_and(|r| r.when == "true"),
            "{id}: the last rule is the catch-all"
        );
        assert!(!s.indicators.is_empty() && s.indicators.len() <= 32);
    }
}

#[test]
fn each_file_also_loads_with_only_the_standards_it_extends() {
    let files = common::standard_files();
    for (name, text) in &files {
        let mut set = vec![(name.clone(), text.clone())];
        if name.starts_with("hanoi") {
            set.extend(
                files
                    .iter()
                    .filter(|(n, _)| n == "vn-2022-2025.toml")
                    .cloned(),
            );
        }
        if let Err(errs) = StandardSet::load(&set) {
            panic!(
                "{name}: {}",
                errs.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

#[test]
fn the_standard_in_force_follows_the_calendar() {
    let reg = common::registry();
    let in_force = |d: &str, p: Option<&str>| reg.in_force(date(d), p).map(|s| s.id.as_str());
    // Decision 59/2015 for 2016-2020, and still in 2021 (Decree 07/2021 Art. 2).
    assert_eq!(in_force("2016-01-01", None), Some("vn-2016-2020"));
    assert_eq!(in_force("2019-06-01", None), Some("vn-2016-2020"));
    assert_eq!(in_force("2021-06-01", None), Some("vn-2016-2020"));
    assert_eq!(in_force("2021-12-31", None), Some("vn-2016-2020"));
    // Decree 07/2021 Art. 3 from 2022, kept for 2026 by Decree 351/2025.
    assert_eq!(in_force("2022-01-01", None), Some("vn-2022-2025"));
    assert_eq!(in_force("2024-06-01", None), Some("vn-2022-2025"));
    assert_eq!(in_force("2026-06-01", None), Some("vn-2022-2025"));
    assert_eq!(in_force("2026-12-31", None), Some("vn-2022-2025"));
    // Decree 351/2025 from 2027.
    assert_eq!(in_force("2027-01-01", None), Some("vn-2027-2030"));
    assert_eq!(in_force("2028-01-01", None), Some("vn-2027-2030"));
    assert_eq!(in_force("2030-12-31", None), Some("vn-2027-2030"));
    assert_eq!(in_force("2031-01-01", None), None);
    assert_eq!(in_force("2015-12-31", None), None);
    // Hanoi (province 01) has its own standard for 2022-2025; other provinces use the national one.
    assert_eq!(in_force("2024-06-01", Some("01")), Some("hanoi-2022-2025"));
    assert_eq!(in_force("2024-06-01", Some("79")), Some("vn-2022-2025"));
    assert_eq!(in_force("2026-06-01", Some("01")), Some("vn-2022-2025"));
    assert_eq!(in_force("2019-06-01", Some("01")), Some("vn-2016-2020"));
}

#[test]
fn the_benchmark_rule_is_never_chosen_by_date() {
    let reg = common::registry();
    let bench = reg.get("bench-2022").expect("bench-2022");
    let mut d = date("2015-01-01");
    while d <= date("2032-01-01") {
        for p in [None, Some("01"), Some("79")] {
            assert_ne!(
                reg.in_force(d, p).map(|s| s.id.as_str()),
                Some("bench-2022"),
                "{d} {p:?}"
            );
        }
        d = d.checked_add_days(chrono::Days::new(30)).expect("date");
    }
    assert!(
        bench.in_force_on(date("2024-06-01")),
        "bench-2022 has dates, yet is never chosen"
    );
}

#[test]
fn the_new_standards_say_what_is_unconfirmed() {
    let reg = common::registry();
    let s16 = reg.get("vn-2016-2020").expect("vn-2016-2020");
    assert_eq!(s16.indicators.len(), 10);
    assert_eq!(s16.dimensions.len(), 5);
    assert_eq!(
        (s16.threshold("poverty_line").map(|t| (t.rural, t.urban))),
        Some((700_000, 900_000))
    );
    assert_eq!(
        (s16.threshold("near_poor_line").map(|t| (t.rural, t.urban))),
        Some((1_000_000, 1_300_000))
    );
    assert_eq!(
        (s16.threshold("average_upper").map(|t| (t.rural, t.urban))),
        Some((1_500_000, 1_950_000))
    );
    assert!(
        s16.threshold("poverty_line")
            .is_some_and(|t| t.unconfirmed.is_none()),
        "the lines are confirmed"
    );
    assert!(
        s16.threshold("average_upper")
            .is_some_and(|t| t.unconfirmed.is_some()),
        "average-band inclusivity"
    );
    assert!(
        s16.indicators.iter().all(|i| i.unconfirmed.is_some()),
        "§4.4: every 2016-2020 threshold is UNCONFIRMED"
    );
    assert_eq!(
        s16.rules
            .iter()
            .map(|r| (r.id.as_str(), r.class))
            .collect::<Vec<_>>(),
        [
            ("poor_income", Class::Poor),
            ("poor_deprivation", Class::Poor),
            ("near_poor", Class::NearPoor),
            ("average", Class::Average),
            ("not_poor", Class::NotPoor)
        ]
    );

    let s27 = reg.get("vn-2027-2030").expect("vn-2027-2030");
    assert!(
        s27.caveats
            .iter()
            .any(|c| c.subject == "standard:vn-2027-2030"),
        "the whole standard is unconfirmed"
    );
    assert_eq!(
        (s27.threshold("poverty_line").map(|t| (t.rural, t.urban))),
        Some((2_200_000, 2_800_000))
    );
    assert!(
        s27.rules.iter().all(|r| r.class != Class::Average),
        "no average class is encoded"
    );
    let ids: Vec<&str> = s27.indicators.iter().map(|i| i.id.as_str()).collect();
    assert!(
        !ids.contains(&"info_access"),
        "information devices were dropped"
    );
    for added in ["internet", "digital_services", "waste"] {
        assert!(ids.contains(&added), "{added} was added");
    }
    assert!(s27.indicators.iter().all(|i| i.unconfirmed.is_some()));
    // Every caveat of the new standards carries a note, not just the word "unconfirmed".
    for s in [s16, s27] {
        for c in &s.caveats {
            assert_ne!(c.note, "unconfirmed", "{}: {} has no note", s.id, c.subject);
        }
    }
}

// ------------------------------------------------------------------ malformed standards

/// A small valid standard; the tests below break one line of it at a time.
const BASE: &str = r#"id = "test"
name.vi = "Chuẩn thử"
name.en = "Test standard"
legal_basis = "none"
valid_from = 2022-01-01

[thresholds.poverty_line]
rural = 1_500_000
urban = 2_000_000
vi = "chuẩn nghèo"
en = "poverty line"

[[dimensions]]
id = "housing"
vi = "Nhà ở"
en = "Housing"

[[indicators]]
id = "housing_area"
dimension = "housing"
vi = "diện tích nhà ở"
en = "housing area"
deprived_when = "floor_area_m2 < 8 * n"

[[rules]]
id = "poor"
class = "poor"
when = "monthly_income_vnd <= poverty_line * n and deficits >= 1"
vi = "nghèo"
en = "poor"

[[rules]]
id = "not_poor"
class = "not_poor"
when = "true"
vi = "không nghèo"
en = "not poor"
"#;

/// `BASE` with line `line` (1-based) replaced by `with` (which may hold several lines, or none).
fn base_with(line: usize, expect: &str, with: &str) -> String {
    let mut lines: Vec<&str> = BASE.lines().collect();
    assert_eq!(lines[line - 1], expect, "BASE changed: line {line}");
    lines[line - 1] = with;
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

fn load_one(text: &str) -> Result<StandardSet, Vec<FileError>> {
    StandardSet::load(&[("test.toml".to_string(), text.to_string())])
}

/// Loads `text`, expecting exactly one error.
fn the_error(text: &str) -> FileError {
    match load_one(text) {
        Ok(_) => panic!("loaded, but should not:\n{text}"),
        Err(mut errs) => {
            assert_eq!(errs.len(), 1, "{errs:#?}");
            errs.remove(0)
        }
    }
}

fn at(e: &FileError) -> (Option<usize>, Option<usize>) {
    (e.line, e.column)
}

#[test]
fn the_base_of_the_malformed_tests_is_itself_valid() {
    let reg = load_one(BASE).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(reg.all().len(), 1);
}

#[test]
fn an_unknown_field_is_refused_where_it_is_written() {
    // Top level: a misspelt key.
    let e = the_error(&base_with(
        5,
        "valid_from = 2022-01-01",
        "valid_form = 2022-01-01",
    ));
    assert_eq!(e.code, "STD_SYNTAX");
    assert!(e.en.contains("valid_form"), "{e}");
    assert_eq!(at(&e), (Some(5), Some(1)));
    assert_eq!(e.file, "test.toml");
    // Inside an indicator.
    let e = the_error(&base_with(
        22,
        "en = \"housing area\"",
        "en = \"housing area\"\nweigth = 2",
    ));
    assert_eq!(e.code, "STD_SYNTAX");
    assert!(e.en.contains("weigth"), "{e}");
    assert_eq!(at(&e), (Some(23), Some(1)));
    // Inside a threshold.
    let e = the_error(&base_with(
        9,
        "urban = 2_000_000",
        "urban = 2_000_000\nsuburban = 1_800_000",
    ));
    assert_eq!(e.code, "STD_SYNTAX");
    assert_eq!(at(&e), (Some(10), Some(1)));
    assert!(
        e.to_string().starts_with("test.toml:10:1: [STD_SYNTAX]"),
        "{e}"
    );
}

#[test]
fn a_value_of_the_wrong_type_is_refused_where_it_is_written() {
    // A TOML value of the wrong type: an income line written as text.
    let e = the_error(&base_with(8, "rural = 1_500_000", "rural = \"1.500.000\""));
    assert_eq!(e.code, "STD_SYNTAX");
    assert_eq!(at(&e), (Some(8), Some(9)));
    // A weight that is not a whole number.
    let e = the_error(&base_with(
        22,
        "en = \"housing area\"",
        "en = \"housing area\"\nweight = 1.5",
    ));
    assert_eq!(e.code, "STD_SYNTAX");
    assert_eq!(at(&e), (Some(23), Some(10)));
    // An expression of the wrong type: an indicator must be a yes/no condition, not an area.
    let e = the_error(&base_with(
        23,
        "deprived_when = \"floor_area_m2 < 8 * n\"",
        "deprived_when = \"floor_area_m2 / n\"",
    ));
    assert_eq!(e.code, "STD_EXPR");
    assert!(e.en.contains("yes/no"), "{e}");
    assert_eq!(at(&e), (Some(23), Some(18)));
    // Comparing a coded value with a number.
    let e = the_error(&base_with(
        23,
        "deprived_when = \"floor_area_m2 < 8 * n\"",
        "deprived_when = \"n > 1 and toilet < 3\"",
    ));
    assert_eq!(e.code, "STD_EXPR");
    assert_eq!(at(&e), (Some(23), Some(37)));
}

#[test]
fn an_unknown_field_name_in_an_expression_is_refused_at_the_name() {
    let e = the_error(&base_with(
        23,
        "deprived_when = \"floor_area_m2 < 8 * n\"",
        "deprived_when = \"floor_area < 8 * n\"",
    ));
    assert_eq!(e.code, "STD_EXPR");
    assert!(e.en.contains("unknown name `floor_area`"), "{e}");
    assert_eq!(at(&e), (Some(23), Some(18)));
    // Further into the expression, and in a rule.
    let e = the_error(&base_with(
        28,
        "when = \"monthly_income_vnd <= poverty_line * n and deficits >= 1\"",
        "when = \"monthly_income_vnd <= povery_line * n and deficits >= 1\"",
    ));
    assert_eq!(e.code, "STD_EXPR");
    assert!(e.en.contains("unknown name `povery_line`"), "{e}");
    assert_eq!(at(&e), (Some(28), Some(31)));
    // A member field used without a member aggregate.
    let e = the_error(&base_with(
        23,
        "deprived_when = \"floor_area_m2 < 8 * n\"",
        "deprived_when = \"age >= 6\"",
    ));
    assert_eq!(e.code, "STD_EXPR");
    assert_eq!(at(&e), (Some(23), Some(18)));
    // An unknown enum value inside a list, in a multi-line string.
    let e = the_error(&base_with(
        23,
        "deprived_when = \"floor_area_m2 < 8 * n\"",
        "deprived_when = \"\"\"\nwater_source in [unprotected, river]\"\"\"",
    ));
    assert_eq!(e.code, "STD_EXPR");
    assert!(
        e.en.contains("`river` is not a value of `water_source`"),
        "{e}"
    );
    assert_eq!(at(&e), (Some(24), Some(31)));
}

#[test]
fn a_rule_naming_an_unknown_class_is_refused_at_the_class() {
    let e = the_error(&base_with(27, "class = \"poor\"", "class = \"very_poor\""));
    assert_eq!(e.code, "STD_REF");
    assert!(e.en.contains("unknown class `very_poor`"), "{e}");
    assert_eq!(at(&e), (Some(27), Some(9)));
    // An indicator naming an unknown dimension.
    let e = the_error(&base_with(
        20,
        "dimension = \"housing\"",
        "dimension = \"shelter\"",
    ));
    assert_eq!(e.code, "STD_REF");
    assert_eq!(at(&e), (Some(20), Some(13)));
}

#[test]
fn a_standard_without_a_catch_all_last_rule_is_refused_at_the_last_rule() {
    let e = the_error(&base_with(
        35,
        "when = \"true\"",
        "when = \"monthly_income_vnd > 0\"",
    ));
    assert_eq!(e.code, "STD_RULES");
    assert_eq!(at(&e), (Some(35), Some(8)));
    // `true` written another way is still not the catch-all the loader can prove.
    let e = the_error(&base_with(35, "when = \"true\"", "when = \"n >= 0\""));
    assert_eq!(e.code, "STD_RULES");
    assert_eq!(at(&e), (Some(35), Some(8)));
}

#[test]
fn an_expression_too_deep_or_too_long_is_refused_not_a_crash() {
    // Regression: the parser, the compiler and the evaluator recurse over the expression, and about 250
    // chained terms or 1000 nested parentheses overflowed the stack and aborted the process.
    let line = |expr: String| {
        base_with(
            23,
            "deprived_when = \"floor_area_m2 < 8 * n\"",
            &format!("deprived_when = \"{expr}\""),
        )
    };
    // 65 nested parentheses: refused at the 65th.
    let e = the_error(&line(format!(
        "{}floor_area_m2 < 8 * n{}",
        "(".repeat(65),
        ")".repeat(65)
    )));
    assert_eq!(e.code, "STD_EXPR");
    assert!(e.en.contains("nested"), "{e}");
    assert_eq!(at(&e), (Some(23), Some(18 + 64)));
    // 64 are fine.
    assert!(
        load_one(&line(format!(
            "{}floor_area_m2 < 8 * n{}",
            "(".repeat(64),
            ")".repeat(64)
        )))
        .is_ok()
    );
    // A chain of 300 alternatives: refused as a whole.
    let e = the_error(&line(vec!["n > 0"; 300].join(" or ")));
    assert_eq!(e.code, "STD_EXPR");
    assert_eq!(at(&e), (Some(23), Some(18)));
    // 100 alternatives are fine.
    assert!(load_one(&line(vec!["n > 0"; 100].join(" or "))).is_ok());
    // 100,000 terms: refused at the 2001st token (the 1001st `n`, 4 bytes per `n + `), before parsing.
    let e = the_error(&line(vec!["n"; 100_000].join(" + ")));
    assert_eq!(e.code, "STD_EXPR");
    assert!(e.en.contains("too long"), "{e}");
    assert_eq!(at(&e), (Some(23), Some(18 + 4 * 1000)));
}

#[test]
fn a_set_with_one_broken_file_loads_nothing() {
    let mut files = common::standard_files();
    assert!(StandardSet::load(&files).is_ok());
    let broken = base_with(27, "class = \"poor\"", "class = \"very_poor\"");
    files.push(("zz-broken.toml".to_string(), broken));
    let errs = StandardSet::load(&files).expect_err("one broken file fails the whole set");
    assert!(
        errs.iter().all(|e| e.file == "zz-broken.toml"),
        "only the broken file is blamed: {errs:#?}"
    );
    assert_eq!(errs.len(), 1);

    // Breaking a national standard also fails the provincial one that extends it, and reports both.
    let mut files = common::standard_files();
    for (name, text) in &mut files {
        if name == "vn-2022-2025.toml" {
            *text = text.replacen(
                "deprived_when = \"not uses_telecom\"",
                "deprived_when = \"not uses_telecon\"",
                1,
            );
        }
    }
    let errs = StandardSet::load(&files).expect_err("a broken national standard fails the set");
    assert!(
        errs.iter()
            .any(|e| e.file == "vn-2022-2025.toml" && e.code == "STD_EXPR"),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .all(|e| e.file == "vn-2022-2025.toml" || e.file == "hanoi-2022-2025.toml"),
        "{errs:#?}"
    );

    // Two files with the same id.
    let mut files = common::standard_files();
    let copy = files
        .iter()
        .find(|(n, _)| n == "bench-2022.toml")
        .cloned()
        .expect("bench-2022");
    files.push(("bench-copy.toml".to_string(), copy.1));
    let errs = StandardSet::load(&files).expect_err("duplicate ids fail the set");
    assert!(errs.iter().any(|e| e.code == "STD_DUPLICATE"), "{errs:#?}");
}

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    let text = base_with(27, "class = \"poor\"", "class = \"very_poor\"").replace(
        "deprived_when = \"floor_area_m2 < 8 * n\"",
        "deprived_when = \"floor_area < 8 * n\"",
    );
    let errs = load_one(&text).expect_err("two errors");
    let mut got: Vec<(&str, Option<usize>)> = errs.iter().map(|e| (e.code, e.line)).collect();
    got.sort();
    assert_eq!(got, [("STD_EXPR", Some(23)), ("STD_REF", Some(27))]);
}

//! Entitlements read like the law: who gets what in a year from an approved status and recorded facts,
//! priced month by month, at the boundaries (the 36-month window's last month, an age reached inside the
//! year, the base salary changing on 01/07/2023 and 01/07/2024, 70% against 100%), and a missing fact
//! reported as "cannot decide", never silently excluded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use ansinh_domain::Class;
use ansinh_domain::policy::entitle::{self, Outcome, Subject, SubjectMember, whole_months};
use ansinh_domain::policy::{Exact, Fact, PolicySet, partner};
use chrono::NaiveDate;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn set() -> PolicySet {
    let dir = root().join("policies");
    let mut files = Vec::new();
    let mut refs = None;
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for p in paths {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&p).unwrap();
        if name == "reference-values.toml" {
            refs = Some((name, text));
        } else {
            files.push((name, text));
        }
    }
    let (rn, rs) = refs.unwrap();
    PolicySet::load((&rn, &rs), &files).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn subject(status: Class) -> Subject {
    Subject {
        status,
        status_national: Some(status),
        poverty_exit: None,
        near_poverty_exit: None,
        household: BTreeMap::new(),
        members: vec![SubjectMember {
            date_of_birth: Some(d(1980, 5, 5)),
            ..SubjectMember::default()
        }],
    }
}

fn run(s: &PolicySet, id: &str, subj: &Subject, year: i32) -> Outcome {
    entitle::entitle(s.get(id).unwrap(), &s.refs, subj, year).unwrap()
}

fn months(o: &Outcome) -> Vec<u32> {
    o.entitled[0].months.iter().map(|m| m.0).collect()
}

#[test]
fn whole_months_count_from_the_day_of_the_exit() {
    assert_eq!(whole_months(d(2022, 1, 15), d(2025, 1, 1)), 35);
    assert_eq!(whole_months(d(2022, 1, 15), d(2025, 2, 1)), 36);
    assert_eq!(whole_months(d(2022, 2, 1), d(2025, 2, 1)), 36);
    assert_eq!(whole_months(d(2022, 2, 2), d(2025, 2, 1)), 35);
    assert_eq!(whole_months(d(2025, 3, 1), d(2025, 2, 1)), 0);
}

#[test]
fn support_after_exit_ends_with_the_36th_month() {
    let s = set();
    // Hanoi Resolution 17: health insurance for 36 months after leaving near-poverty.
    let mut h = subject(Class::NotPoor);
    h.near_poverty_exit = Some(d(2022, 1, 15));
    let o = run(&s, "hn-r17-bhyt-after-exit", &h, 2025);
    assert_eq!(
        months(&o),
        vec![1],
        "35 months on 01/01/2025, 36 on 01/02/2025"
    );
    assert_eq!(o.entitled[0].year_total, 105_300);
    assert!(
        o.entitled[0]
            .reason_en
            .contains("35 months (on 01/01/2025)")
    );
    h.near_poverty_exit = Some(d(2022, 2, 2));
    let o = run(&s, "hn-r17-bhyt-after-exit", &h, 2025);
    assert_eq!(months(&o), vec![1, 2]);
    assert_eq!(o.entitled[0].year_total, 2 * 105_300);
    // No exit in the approved history: not entitled, and not "unknown" either.
    h.near_poverty_exit = None;
    assert_eq!(
        run(&s, "hn-r17-bhyt-after-exit", &h, 2025),
        Outcome::default()
    );
    // VBSP loans to households that left poverty within 3 years: decided on 01/01.
    let mut h = subject(Class::NearPoor);
    h.poverty_exit = Some(d(2022, 1, 1));
    assert_eq!(
        run(&s, "vn-vbsp-loan-after-exit", &h, 2024).entitled.len(),
        1
    );
    assert!(
        run(&s, "vn-vbsp-loan-after-exit", &h, 2025)
            .entitled
            .is_empty()
    );
    assert_eq!(
        run(&s, "vn-vbsp-loan-after-exit", &h, 2024).entitled[0].year_total,
        100_000_000
    );
}

#[test]
fn an_age_reached_inside_the_year_starts_or_ends_the_support_with_the_next_month() {
    let s = set();
    let per_month = s
        .get("vn-sa-elderly-poor-60-80")
        .unwrap()
        .amount_on(&s.refs, d(2025, 1, 1), &BTreeMap::new())
        .unwrap()
        .vnd;
    let elder = |born: NaiveDate| {
        let mut h = subject(Class::Poor);
        h.members = vec![SubjectMember {
            date_of_birth: Some(born),
            facts: [("has_supporter".to_string(), Fact::Bool(false))].into(),
            ..SubjectMember::default()
        }];
        h
    };
    // 60 on 15/06/2025: 59 on 01/06, 60 on 01/07.
    let o = run(&s, "vn-sa-elderly-poor-60-80", &elder(d(1965, 6, 15)), 2025);
    assert_eq!(months(&o), (7..=12).collect::<Vec<_>>());
    assert_eq!(o.entitled[0].year_total, 6 * per_month);
    assert_eq!(o.entitled[0].member, Some(0));
    // 60 on 01/07/2025 exactly: July counts.
    let o = run(&s, "vn-sa-elderly-poor-60-80", &elder(d(1965, 7, 1)), 2025);
    assert_eq!(months(&o), (7..=12).collect::<Vec<_>>());
    // 80 on 15/03/2025: the 60–80 support until March, the 80+ support from April.
    let h = elder(d(1945, 3, 15));
    assert_eq!(
        months(&run(&s, "vn-sa-elderly-poor-60-80", &h, 2025)),
        vec![1, 2, 3]
    );
    assert_eq!(
        months(&run(&s, "vn-sa-elderly-poor-80", &h, 2025)),
        (4..=12).collect::<Vec<_>>()
    );
}

#[test]
fn health_insurance_is_priced_with_the_base_salary_of_each_month() {
    let s = set();
    let h = subject(Class::Poor);
    let o = run(&s, "vn-bhyt-poor", &h, 2023);
    // 6 × 4.5% × 1,490,000 + 6 × 4.5% × 1,800,000 (from 01/07/2023).
    assert_eq!(o.entitled[0].year_total, 6 * 67_050 + 6 * 81_000);
    assert_eq!(o.entitled[0].year_total, 888_300);
    assert_eq!(o.entitled[0].per_unit, 67_050);
    let o = run(&s, "vn-bhyt-poor", &h, 2024);
    // 2,340,000 from 01/07/2024.
    assert_eq!(o.entitled[0].year_total, 6 * 81_000 + 6 * 105_300);
    assert_eq!(
        o.entitled[0].split,
        vec![("central_budget".to_string(), 1_117_800)]
    );
    assert!(
        o.entitled[0].reason_vi.contains("hộ nghèo"),
        "{}",
        o.entitled[0].reason_vi
    );
    assert!(o.entitled[0].reason_en.contains("poor"));
}

#[test]
fn near_poor_get_70_percent_and_100_percent_in_a_poor_commune() {
    let s = set();
    let mut h = subject(Class::NearPoor);
    h.household.insert("poor_commune".into(), Fact::Bool(false));
    let o = run(&s, "vn-bhyt-near-poor", &h, 2025);
    assert_eq!(o.entitled[0].per_unit, 73_710, "70% of 105,300");
    assert_eq!(o.entitled[0].year_total, 12 * 73_710);
    assert!(
        run(&s, "vn-bhyt-near-poor-poor-area", &h, 2025)
            .entitled
            .is_empty()
    );
    h.household.insert("poor_commune".into(), Fact::Bool(true));
    assert!(run(&s, "vn-bhyt-near-poor", &h, 2025).entitled.is_empty());
    let o = run(&s, "vn-bhyt-near-poor-poor-area", &h, 2025);
    assert_eq!(o.entitled[0].year_total, 1_263_600);
    // Not recorded: both cannot be decided, and say which field is missing.
    h.household.remove("poor_commune");
    for id in ["vn-bhyt-near-poor", "vn-bhyt-near-poor-poor-area"] {
        let o = run(&s, id, &h, 2025);
        assert!(o.entitled.is_empty());
        assert_eq!(o.undecided.len(), 1);
        assert_eq!(o.undecided[0].missing, vec!["poor_commune".to_string()]);
        assert_eq!(o.undecided[0].months.len(), 12);
        assert!(
            o.undecided[0]
                .message_en()
                .starts_with("cannot decide: field poor_commune")
        );
        assert!(
            o.undecided[0]
                .message_vi()
                .contains("thiếu trường poor_commune")
        );
    }
}

#[test]
fn a_member_who_left_is_not_listed_after_leaving_and_a_missing_birth_date_is_unknown() {
    let s = set();
    let mut h = subject(Class::Poor);
    h.members.push(SubjectMember {
        date_of_birth: Some(d(1990, 1, 1)),
        until: Some(d(2025, 4, 1)),
        ..SubjectMember::default()
    });
    let o = run(&s, "vn-bhyt-poor", &h, 2025);
    assert_eq!(o.entitled.len(), 2);
    assert_eq!(o.entitled[1].member, Some(1));
    assert_eq!(
        months(&Outcome {
            entitled: vec![o.entitled[1].clone()],
            undecided: vec![]
        }),
        vec![1, 2, 3]
    );
    // An age condition with no birth date recorded.
    let mut h = subject(Class::Poor);
    h.members[0].date_of_birth = None;
    h.members[0]
        .facts
        .insert("has_supporter".into(), Fact::Bool(false));
    let o = run(&s, "vn-sa-elderly-poor-60-80", &h, 2025);
    assert!(o.entitled.is_empty());
    assert_eq!(o.undecided[0].missing, vec!["age".to_string()]);
}

#[test]
fn a_local_standard_round_cannot_decide_national_status() {
    let s = set();
    let mut h = subject(Class::Poor);
    h.status_national = None;
    let o = run(&s, "vn-bhyt-poor", &h, 2025);
    assert!(o.entitled.is_empty());
    assert_eq!(o.undecided[0].missing, vec!["status_national".to_string()]);
    // "status_national == poor or status == poor" is decided by the local status alone.
    assert_eq!(run(&s, "vn-vbsp-loan-poor", &h, 2025).entitled.len(), 1);
}

#[test]
fn reductions_compound_year_by_year() {
    assert_eq!(
        entitle::reduced(1_000_000, Exact::parse("10%").unwrap(), 0),
        1_000_000
    );
    assert_eq!(
        entitle::reduced(1_000_000, Exact::parse("10%").unwrap(), 2),
        810_000
    );
    assert_eq!(
        entitle::reduced(1_263_600, Exact::parse("3%").unwrap(), 1),
        1_225_692
    );
}

#[test]
fn the_partner_exports_name_existing_policies_and_known_columns() {
    let s = set();
    let path = root().join("policies/exports/partners.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let ps = partner::load("partners.toml", &text, &s).unwrap();
    let ids: Vec<&str> = ps.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["bhxh", "school", "electricity", "vbsp"]);
    let bad = text.replace("\"vn-bhyt-poor\"", "\"vn-bhyt-missing\"");
    let e = partner::load("partners.toml", &bad, &s).unwrap_err();
    assert_eq!(e[0].code, "PARTNER_REF");
    let bad = text.replace("[\"sex\", \"Giới tính\"]", "[\"gender\", \"Giới tính\"]");
    assert_eq!(
        partner::load("partners.toml", &bad, &s).unwrap_err()[0].code,
        "PARTNER_VALUE"
    );
}

#[test]
fn exits_are_read_from_the_approved_timeline_and_a_return_cancels_them() {
    use ansinh_domain::policy::entitle::exits;
    let t = [
        (d(2022, 11, 1), Class::Poor),
        (d(2023, 11, 1), Class::NearPoor),
    ];
    assert_eq!(exits(&t), (Some(d(2023, 11, 1)), None));
    let t = [
        (d(2022, 11, 1), Class::Poor),
        (d(2023, 11, 1), Class::NearPoor),
        (d(2024, 11, 1), Class::NotPoor),
    ];
    assert_eq!(exits(&t), (Some(d(2023, 11, 1)), Some(d(2024, 11, 1))));
    let t = [
        (d(2022, 11, 1), Class::Poor),
        (d(2023, 11, 1), Class::NotPoor),
        (d(2024, 11, 1), Class::Poor),
    ];
    assert_eq!(exits(&t), (None, None));
    assert_eq!(exits(&[(d(2024, 11, 1), Class::Average)]), (None, None));
}

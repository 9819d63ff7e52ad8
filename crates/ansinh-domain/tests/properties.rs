//! Properties of classification that must hold for any household, and of loading for any text.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use ansinh_domain::classify::INCOMPLETE;
use ansinh_domain::schema::{AREA, EDUCATION, EnumValue, HOUSING, LABOUR, SEX, TOILET, WATER};
use ansinh_domain::{Class, Standard, StandardSet};
use common::{Household, Member, V, household, registry};
use proptest::prelude::*;
use proptest::sample::select;

/// The standards the properties are checked under: the national ones, and Hanoi's.
fn standards() -> Vec<&'static Standard> {
    [
        "vn-2016-2020",
        "vn-2022-2025",
        "vn-2027-2030",
        "hanoi-2022-2025",
    ]
    .into_iter()
    .map(common::standard)
    .collect()
}

// ------------------------------------------------------------------ random households

fn code(values: &'static [EnumValue]) -> impl Strategy<Value = V> {
    select(values.iter().map(|v| v.code).collect::<Vec<_>>()).prop_map(V::Code)
}

prop_compose! {
    fn member()(
        age in prop_oneof![0i64..18, 15i64..35, 50i64..65, 0i64..100],
        sex in code(SEX),
        labour in code(LABOUR),
        education in code(EDUCATION),
        flags in proptest::collection::vec(any::<bool>(), 7),
    ) -> Member {
        let mut m = common::man(age)
            .set("sex", sex)
            .set("labour_status", labour)
            .set("education_level", education);
        for (field, flag) in [
            "has_health_insurance",
            "attending_school",
            "in_training",
            "stunted_or_underweight",
            "is_disabled",
            "receives_social_allowance",
            "sick_untreated",
        ]
        .into_iter()
        .zip(flags)
        {
            m = m.set(field, V::Bool(flag));
        }
        m
    }
}

prop_compose! {
    /// A fully recorded household: 1 to 8 members, any area, dwelling, income up to 5,000,000 per person.
    fn a_household()(
        members in proptest::collection::vec(member(), 1..=8),
        area in code(AREA),
        housing in code(HOUSING),
        water in code(WATER),
        toilet in code(TOILET),
        flags in proptest::collection::vec(any::<bool>(), 6),
        floor_per_person in 0u32..200,
        income_per_person in prop_oneof![0i64..5_000_000, select(vec![700_000i64, 900_000, 1_000_000, 1_300_000, 1_500_000, 2_000_000, 2_200_000, 2_800_000])],
        extra in 0i64..8,
    ) -> Household {
        let n = members.len() as i64;
        let V::Code(area) = area else { unreachable!() };
        let mut h = household(area, members)
            .set("housing_quality", housing)
            .set("water_source", water)
            .set("toilet", toilet)
            .floor_area_per_person(f64::from(floor_per_person) / 10.0)
            .income((income_per_person * n + extra - 4).max(0));
        for (field, flag) in [
            "uses_telecom",
            "has_info_device",
            "hears_loudspeaker",
            "uses_internet",
            "uses_digital_services",
            "waste_treated",
        ]
        .into_iter()
        .zip(flags)
        {
            h = h.set(field, V::Bool(flag));
        }
        h
    }
}

/// The household with some cells not recorded (`holes` picks them).
fn with_holes(mut h: Household, holes: &[(usize, bool)]) -> Household {
    const HH: [&str; 6] = [
        "housing_quality",
        "water_source",
        "toilet",
        "uses_telecom",
        "has_info_device",
        "uses_internet",
    ];
    const MEM: [&str; 4] = [
        "has_health_insurance",
        "attending_school",
        "labour_status",
        "age",
    ];
    for &(k, member) in holes {
        if member {
            let i = k % h.members.len();
            h = h.map_member(i, |m| m.missing(MEM[k % MEM.len()]));
        } else {
            h = h.missing(HH[k % HH.len()]);
        }
    }
    h
}

/// Classes of the households under the standard, by batch (`None`: incomplete).
fn classes(std: &Standard, hs: &[Household]) -> (Vec<Option<Class>>, Vec<u32>) {
    let res = ansinh_domain::classify(std, &common::batch(hs));
    let classes = (0..hs.len())
        .map(|i| {
            if res.class[i] == INCOMPLETE {
                None
            } else {
                res.class_of(i)
            }
        })
        .collect();
    (classes, res.deficit_mask.clone())
}

// ------------------------------------------------------------------ (a) income

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// More income never makes a household poorer (poor < near_poor < average < not_poor).
    #[test]
    fn more_income_never_makes_a_household_poorer(h in a_household(), more in prop_oneof![1i64..10, 1i64..20_000_000]) {
        let total = h.total_income().expect("income recorded");
        let richer = h.clone().income(total + more);
        for std in standards() {
            let (c, masks) = classes(std, &[h.clone(), richer.clone()]);
            prop_assert_eq!(masks[0], masks[1], "income changes no indicator");
            let (Some(before), Some(after)) = (c[0], c[1]) else {
                return Err(TestCaseError::fail(format!("{}: a fully recorded household is incomplete: {c:?}", std.id)));
            };
            prop_assert!(after >= before, "{}: {} đ → {:?}, {} đ → {:?}", std.id, total, before, total + more, after);
        }
    }

    /// The same with unrecorded cells: whenever both classes are decided, their order holds, and a decided
    /// class is the class of every way of filling the holes.
    #[test]
    fn more_income_never_makes_a_household_poorer_even_with_gaps(
        h in a_household(),
        holes in proptest::collection::vec((0usize..100, any::<bool>()), 0..4),
        more in 1i64..10_000_000,
    ) {
        let full = h;
        let h = with_holes(full.clone(), &holes);
        let total = h.total_income().expect("income recorded");
        let richer = h.clone().income(total + more);
        for std in standards() {
            let (c, _) = classes(std, &[h.clone(), richer.clone(), full.clone()]);
            if let (Some(before), Some(after)) = (c[0], c[1]) {
                prop_assert!(after >= before, "{}: {:?} → {:?}", std.id, before, after);
            }
            // The fully recorded household is one way of filling the holes.
            if let Some(with_gaps) = c[0] {
                prop_assert_eq!(Some(with_gaps), c[2], "{}: decided despite the gaps, yet wrong", std.id);
            }
        }
    }
}

// ------------------------------------------------------------------ (b) deprivation

/// One change that can only add deprivations: a worse dwelling, a lost service, a member losing insurance,
/// leaving school or work, falling ill or becoming dependent.
#[derive(Clone, Debug)]
enum Worse {
    Household(&'static str, V),
    Member(usize, &'static str, V),
    Crowded,
}

fn worse() -> impl Strategy<Value = Worse> {
    let hh = select(vec![
        ("housing_quality", V::Code("makeshift")),
        ("housing_quality", V::Code("less_durable")),
        ("water_source", V::Code("unprotected")),
        ("water_source", V::Code("none")),
        ("toilet", V::Code("unhygienic")),
        ("toilet", V::Code("none")),
        ("uses_telecom", V::Bool(false)),
        ("has_info_device", V::Bool(false)),
        ("hears_loudspeaker", V::Bool(false)),
        ("uses_internet", V::Bool(false)),
        ("uses_digital_services", V::Bool(false)),
        ("waste_treated", V::Bool(false)),
    ])
    .prop_map(|(f, v)| Worse::Household(f, v));
    let mem = (
        0usize..8,
        select(vec![
            ("has_health_insurance", V::Bool(false)),
            ("attending_school", V::Bool(false)),
            ("in_training", V::Bool(false)),
            ("stunted_or_underweight", V::Bool(true)),
            ("sick_untreated", V::Bool(true)),
            ("receives_social_allowance", V::Bool(true)),
            ("is_disabled", V::Bool(true)),
            ("labour_status", V::Code("unemployed")),
            ("education_level", V::Code("none")),
        ]),
    )
        .prop_map(|(k, (f, v))| Worse::Member(k, f, v));
    prop_oneof![hh, mem, Just(Worse::Crowded)]
}

fn apply(h: &Household, w: &Worse) -> Household {
    match w {
        Worse::Household(f, v) => h.clone().set(f, v.clone()),
        Worse::Member(k, f, v) => h
            .clone()
            .map_member(k % h.members.len(), |m| m.set(f, v.clone())),
        Worse::Crowded => h.clone().floor_area_per_person(1.0),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Making one more indicator deprived never moves a household from poor to near-poor or better, and more
    /// generally never improves its class.
    #[test]
    fn one_more_deprivation_never_makes_a_household_less_poor(h in a_household(), w in worse()) {
        let worse_off = apply(&h, &w);
        for std in standards() {
            let (c, masks) = classes(std, &[h.clone(), worse_off.clone()]);
            prop_assert_eq!(masks[0] & !masks[1], 0, "{}: {:?} removed a deprivation", std.id, w);
            let added = (masks[1] & !masks[0]).count_ones();
            let (before, after) = (c[0].expect("recorded"), c[1].expect("recorded"));
            if added == 0 {
                prop_assert_eq!(before, after, "{}: same deprivations, same class", std.id);
            } else {
                if before == Class::Poor {
                    prop_assert_eq!(after, Class::Poor, "{}: {:?} lifted a poor household", std.id, w);
                }
                prop_assert!(after <= before, "{}: {:?} → {:?} after {:?}", std.id, before, after, w);
            }
        }
    }
}

// ------------------------------------------------------------------ (c) loading arbitrary text

/// Bits of standard files and of the rule language, to splice into the text.
const SNIPPETS: &[&str] = &[
    "\"",
    "'",
    "'''",
    "\"\"\"",
    "\\",
    "\n",
    "[",
    "]",
    "[[rules]]\n",
    "[[indicators]]\n",
    "[thresholds.x]\n",
    "=",
    "{",
    "}",
    ".",
    ",",
    "#",
    "0",
    "-1",
    "1.5",
    "99999999999999999999",
    "2022-02-30",
    "true",
    "deficits",
    "n",
    "any(member, ",
    "count(member, age > 1)",
    "if(",
    ")",
    "(",
    "not ",
    " and ",
    " or ",
    "in [",
    " == ",
    "<=",
    "*",
    "/",
    "age",
    "đ",
    "\t",
    "\u{0}",
    "é",
    "extends = \"vn-2022-2025\"\n",
    "extends = \"nothing\"\n",
    "id = \"vn-2022-2025\"\n",
    "class = \"poor\"\n",
    "when = \"true\"\n",
    "unconfirmed = true\n",
    "weight = 0\n",
    "poverty_line",
    "monthly_income_vnd",
    "floor_area_m2",
];

/// Bits of the rule language, to splice inside the quoted expressions (the TOML stays valid).
const EXPR_SNIPPETS: &[&str] = &[
    "deficits",
    "n",
    "any(member, ",
    "all(member, ",
    "count(member, age > 1)",
    "sum(member, age)",
    "if(",
    ")",
    "(",
    "not ",
    " and ",
    " or ",
    " in [",
    "]",
    ",",
    " == ",
    " != ",
    "<=",
    " < ",
    "*",
    "/",
    "-",
    "+",
    "age",
    "sex",
    "male",
    "poverty_line",
    "monthly_income_vnd",
    "floor_area_m2",
    "area == urban",
    "toilet",
    "none",
    "0",
    "-1",
    "1.5",
    "99999999999999999999",
    "9223372036854775807",
    "true",
    "false",
    "đ",
    " deficits >= 3 ",
    "n * 0",
    "1 / 0",
];

#[derive(Clone, Debug)]
enum Edit {
    InExpr {
        nth: usize,
        at: usize,
        snippet: usize,
    },
    Delete {
        at: usize,
        len: usize,
    },
    Insert {
        at: usize,
        snippet: usize,
    },
    InsertChar {
        at: usize,
        ch: char,
    },
    Replace {
        at: usize,
        snippet: usize,
    },
    DuplicateLine {
        line: usize,
    },
    SwapLines {
        a: usize,
        b: usize,
    },
    Truncate {
        at: usize,
    },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => (any::<usize>(), 1usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
        1 => (any::<usize>(), 0..SNIPPETS.len()).prop_map(|(at, snippet)| Edit::Insert { at, snippet }),
        1 => (any::<usize>(), any::<char>()).prop_map(|(at, ch)| Edit::InsertChar { at, ch }),
        1 => (any::<usize>(), 0..SNIPPETS.len()).prop_map(|(at, snippet)| Edit::Replace { at, snippet }),
        1 => any::<usize>().prop_map(|line| Edit::DuplicateLine { line }),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines { a, b }),
        1 => any::<usize>().prop_map(|at| Edit::Truncate { at }),
        // Edits inside expressions keep the TOML valid and reach the compiler and the evaluator.
        7 => (any::<usize>(), any::<usize>(), 0..EXPR_SNIPPETS.len())
            .prop_map(|(nth, at, snippet)| Edit::InExpr { nth, at, snippet }),
    ]
}

fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let len = chars.len().max(1);
        match *e {
            Edit::Delete { at, len: n } => {
                let at = at % len;
                let end = (at + n).min(chars.len());
                chars.drain(at.min(chars.len())..end);
            }
            Edit::Insert { at, snippet } => {
                let at = at % (chars.len() + 1);
                chars.splice(at..at, SNIPPETS[snippet].chars());
            }
            Edit::InsertChar { at, ch } => chars.insert(at % (chars.len() + 1), ch),
            Edit::Replace { at, snippet } => {
                if !chars.is_empty() {
                    let at = at % chars.len();
                    chars.splice(at..at + 1, SNIPPETS[snippet].chars());
                }
            }
            Edit::DuplicateLine { line } | Edit::SwapLines { a: line, b: _ } => {
                let s: String = chars.iter().collect();
                let mut lines: Vec<&str> = s.split('\n').collect();
                let i = line % lines.len();
                if let Edit::SwapLines { b, .. } = *e {
                    let j = b % lines.len();
                    lines.swap(i, j);
                } else {
                    lines.insert(i, lines[i]);
                }
                chars = lines.join("\n").chars().collect();
            }
            Edit::Truncate { at } => chars.truncate(at % len),
            Edit::InExpr { nth, at, snippet } => {
                // The content of the nth single-line `"..."` value that looks like an expression.
                let s: String = chars.iter().collect();
                let mut lines: Vec<String> = s.split('\n').map(str::to_string).collect();
                let exprs: Vec<usize> = (0..lines.len())
                    .filter(|&i| {
                        let l = &lines[i];
                        (l.starts_with("when = \"")
                            || l.starts_with("deprived_when = \"")
                            || l.contains(" = \"age"))
                            && l.ends_with('"')
                    })
                    .collect();
                if !exprs.is_empty() {
                    let line = &mut lines[exprs[nth % exprs.len()]];
                    let open = line.find('"').map_or(0, |q| q + 1);
                    let inner: Vec<char> = line[open..line.len() - 1].chars().collect();
                    let k = at % (inner.len() + 1);
                    let mut new: String = inner[..k].iter().collect();
                    new.push_str(EXPR_SNIPPETS[snippet]);
                    new.extend(&inner[k..]);
                    *line = format!("{}{new}\"", &line[..open]);
                }
                chars = lines.join("\n").chars().collect();
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Loading never panics on mutated standard files (errors are fine), alone or with the other files; what
    /// does load classifies households without panicking either.
    #[test]
    fn loading_never_panics_on_mutated_text(file in any::<prop::sample::Index>(), edits in proptest::collection::vec(edit(), 1..6)) {
        let files = common::standard_files();
        let i = file.index(files.len());
        let mutated = mutate(&files[i].1, &edits);
        let mut set = files.clone();
        set[i].1 = mutated.clone();
        for attempt in [vec![(files[i].0.clone(), mutated)], set] {
            match StandardSet::load(&attempt) {
                Ok(reg) => {
                    let hs = [common::rural(4).income_per_person(1_000_000).with_deficits(3), common::urban(2)];
                    let b = common::batch(&hs);
                    for std in reg.all() {
                        let res = ansinh_domain::classify(std, &b);
                        prop_assert_eq!(res.len(), hs.len());
                        let _ = ansinh_domain::explain(std, &b, 0);
                        let _ = ansinh_domain::explain(std, &b, 1);
                    }
                }
                Err(errs) => {
                    prop_assert!(!errs.is_empty());
                    for e in &errs {
                        prop_assert!(!e.en.is_empty() && !e.vi.is_empty());
                        prop_assert!(e.line.is_none() || e.line >= Some(1));
                    }
                }
            }
        }
    }
}

#[test]
fn the_standards_of_the_workspace_are_all_covered_by_the_properties() {
    let national: Vec<&str> = registry()
        .all()
        .iter()
        .filter(|s| s.jurisdiction.is_none() && !s.id.starts_with("bench"))
        .map(|s| s.id.as_str())
        .collect();
    for id in national {
        assert!(
            standards().iter().any(|s| s.id == id),
            "{id} is not checked by the properties"
        );
    }
}

// ------------------------------------------------------------------ aggregates in parts

/// Results of `n` households with the given sizes, classes and deficit counts.
fn results_of(rows: &[(u32, u8, u8)]) -> ansinh_domain::classify::Results {
    ansinh_domain::classify::Results {
        n: rows.iter().map(|r| r.0).collect(),
        income_per_capita: vec![0.0; rows.len()],
        deficit_mask: vec![0; rows.len()],
        unknown_mask: vec![0; rows.len()],
        deficit_count: rows.iter().map(|r| r.2).collect(),
        class: rows.iter().map(|r| r.1).collect(),
    }
}

proptest! {
    /// A file read in parts, each part counted into the unit totals in turn, gives the same communes
    /// and provinces as the whole file counted at once, wherever the parts are cut, whether the codes are
    /// close together or far apart.
    #[test]
    fn unit_totals_added_part_by_part_equal_the_totals_of_the_whole(
        rows in proptest::collection::vec(
            (0i64..40, 1u32..9, prop_oneof![Just(0u8), Just(1), Just(2), Just(3), Just(INCOMPLETE)], 0u8..12),
            0..300,
        ),
        wide in any::<bool>(),
        cuts in proptest::collection::vec(0usize..300, 0..6),
    ) {
        use ansinh_domain::aggregate::{Aggregator, aggregate};
        // Far-apart codes (10^9 apart) are counted in a hash map, close ones in a table.
        let key = |c: i64| if wide { c * 1_000_000_000 } else { 79_000 + c };
        let keys: Vec<i64> = rows.iter().map(|r| key(r.0)).collect();
        let parents: Vec<i64> = rows.iter().map(|r| r.0 % 7).collect();
        let res = results_of(&rows.iter().map(|r| (r.1, r.2, r.3)).collect::<Vec<_>>());
        let whole = aggregate(&keys, Some(&parents), &res);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(rows.len())).collect();
        cuts.push(0);
        cuts.push(rows.len());
        cuts.sort_unstable();
        let mut acc = Aggregator::new();
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let part = results_of(&rows[a..b].iter().map(|r| (r.1, r.2, r.3)).collect::<Vec<_>>());
            acc.add(&keys[a..b], Some(&parents[a..b]), &part);
        }
        prop_assert_eq!(acc.finish(), whole);
    }
}

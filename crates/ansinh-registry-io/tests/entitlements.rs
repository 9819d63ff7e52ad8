//! Beneficiary lists, partner lists and budgets from approved review rounds, on both backends (SQLite
//! always, PostgreSQL when `ANSINH_TEST_PG` is set): two periodic rounds walked to approval (2023, 2024),
//! the 2025 lists read like the law, the partner workbook read back with calamine.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use chrono::NaiveDate;

use ansinh_domain::policy::{Exact, Fact, PolicySet, partner};
use ansinh_domain::registry::{
    CitizenId, Household, HouseholdCode, HouseholdId, Member, Relation, Sex, Unit, UnitCode,
    UnitId, UnitKind,
};
use ansinh_domain::review::{
    DeprivationForm, IncomeForm, Meeting, Participant, Role, RoundKind, Tally,
};
use ansinh_domain::standard::Class;
use ansinh_domain::text::NfcText;
use ansinh_registry_io::entitlements::{self, EntitleOptions};
use ansinh_store::review::{FormInput, NewRound, ReviewStore, RoundId, SnapshotEntry, Step};
use ansinh_store::{ChangeContext, Store};
use ansinh_store_postgres::PgStore;
use ansinh_store_sqlite::SqliteStore;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn policies() -> PolicySet {
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

fn officer() -> ChangeContext {
    ChangeContext::new("can_bo_xa_01", "10.1.2.3")
}

fn tmp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("ansinh-ent-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn form(h: HouseholdId, on: NaiveDate, class: Class) -> FormInput {
    FormInput {
        household: h,
        surveyed_on: on,
        tables_id: "test".into(),
        placeholder: false,
        income: IncomeForm {
            region: "nt1".into(),
            answers: BTreeMap::new(),
        },
        deprivation: DeprivationForm {
            deprived: BTreeMap::new(),
        },
        quick_screen: None,
        score_a: 100,
        score_b: 0,
        class,
        explanation_vi: "x".into(),
        explanation_en: "x".into(),
    }
}

/// Walks the periodic round of `year` to approval on 01/11 with the given classes.
async fn approved_round<S: Store + ReviewStore>(
    s: &S,
    unit: UnitId,
    year: i32,
    hs: &[(HouseholdId, HouseholdCode, Class)],
) -> RoundId {
    let w = ansinh_rulebook::Rulebook::builtin()
        .map(|r| r.workflows().clone())
        .unwrap()
        .all()[0]
        .clone();
    let ctx = officer();
    let r = s
        .create_round(
            &ctx,
            &NewRound {
                kind: RoundKind::Periodic,
                unit,
                year,
                standard_id: "vn-2022-2025".into(),
                on: d(year, 9, 15),
                request: None,
            },
            &w,
        )
        .await
        .unwrap();
    for (h, _, _) in hs {
        s.add_to_list(&ctx, r.id, *h, d(year, 9, 16)).await.unwrap();
    }
    s.advance(&ctx, r.id, Step::CloseList, d(year, 9, 20), &w)
        .await
        .unwrap();
    for (h, _, c) in hs {
        s.save_form(&ctx, r.id, &form(*h, d(year, 9, 25), *c))
            .await
            .unwrap();
    }
    s.advance(&ctx, r.id, Step::FinishScoring, d(year, 10, 1), &w)
        .await
        .unwrap();
    let m = Meeting {
        village: "Thôn 1".into(),
        held_on: d(year, 10, 5),
        attendees: 10,
        participants: vec![
            Participant {
                name: "Trưởng thôn".into(),
                role: Role::Chair,
            },
            Participant {
                name: "Thư ký".into(),
                role: Role::Secretary,
            },
        ],
        votes: hs
            .iter()
            .filter(|h| matches!(h.2, Class::Poor | Class::NearPoor))
            .map(|(_, c, _)| Tally {
                household: c.as_str().to_string(),
                agree: 9,
                disagree: 1,
            })
            .collect(),
    };
    s.record_meeting(&ctx, r.id, &m, "biên bản", &w)
        .await
        .unwrap();
    s.advance(&ctx, r.id, Step::Post, d(year, 10, 10), &w)
        .await
        .unwrap();
    s.advance(&ctx, r.id, Step::EndPosting, d(year, 10, 20), &w)
        .await
        .unwrap();
    s.advance(&ctx, r.id, Step::CloseComplaints, d(year, 10, 21), &w)
        .await
        .unwrap();
    s.advance(&ctx, r.id, Step::RecordConsultation, d(year, 10, 28), &w)
        .await
        .unwrap();
    let entries: Vec<SnapshotEntry> = hs
        .iter()
        .map(|(h, code, c)| SnapshotEntry {
            household: *h,
            household_code: code.clone(),
            unit,
            class: *c,
            transition: "not_poor".into(),
            newly_escaped_until: None,
            score_a: Some(100),
            score_b: Some(0),
            deprived: vec![],
            explanation_vi: "x".into(),
            explanation_en: "x".into(),
            caveats: vec![],
        })
        .collect();
    s.approve(&ctx, r.id, d(year, 11, 1), &entries, &w)
        .await
        .unwrap();
    r.id
}

fn member(name: &str, rel: Relation, born: NaiveDate, sex: Sex) -> Member {
    let mut m = Member::new(name, rel);
    m.date_of_birth = Some(born);
    m.sex = Some(sex);
    m
}

fn text(c: &Data) -> String {
    match c {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

async fn lists_from_an_approved_round<S: Store + ReviewStore>(s: &S, dir: &Path) {
    let set = policies();
    let ctx = officer();
    let unit = s
        .create_unit(
            &ctx,
            &Unit {
                code: UnitCode::parse("09552").unwrap(),
                name: NfcText::new("Xã Yên Nghĩa"),
                kind: UnitKind::Commune,
                area: UnitKind::Commune.usual_area(),
                parent: None,
                valid_from: d(2008, 8, 1),
                valid_to: None,
            },
        )
        .await
        .unwrap();
    let mut head = member("Nguyễn Văn An", Relation::Head, d(1960, 3, 10), Sex::Male);
    head.citizen_id = Some(CitizenId::parse("001060001234").unwrap());
    let mut child = member(
        "Nguyễn Thị Bình",
        Relation::Child,
        d(2015, 9, 1),
        Sex::Female,
    );
    child.attending_school = Some(true);
    let people: [(&str, Vec<Member>); 4] = [
        ("H1", vec![head, child]),
        (
            "H2",
            vec![member(
                "Trần Văn Cường",
                Relation::Head,
                d(1975, 1, 1),
                Sex::Male,
            )],
        ),
        (
            "H3",
            vec![member(
                "Lê Thị Dung",
                Relation::Head,
                d(1980, 1, 1),
                Sex::Female,
            )],
        ),
        (
            "H4",
            vec![member(
                "Phạm Văn Em",
                Relation::Head,
                d(1985, 1, 1),
                Sex::Male,
            )],
        ),
    ];
    let mut ids = Vec::new();
    for (code, ms) in &people {
        let h = Household::new(
            HouseholdCode::parse(code).unwrap(),
            unit,
            ms[0].full_name.as_str(),
            "Thôn 1, xã Yên Nghĩa",
        );
        let stored = s.create_household(&ctx, &h, ms).await.unwrap();
        ids.push((stored.id, h.code));
    }
    let with = |classes: [Class; 4]| -> Vec<(HouseholdId, HouseholdCode, Class)> {
        ids.iter()
            .zip(classes)
            .map(|((h, c), k)| (*h, c.clone(), k))
            .collect()
    };
    use Class::*;
    let r2023 = approved_round(s, unit, 2023, &with([Poor, Poor, NearPoor, NotPoor])).await;
    // Not approved: refused with its code.
    let e = entitlements::beneficiaries(s, &set, RoundId(r2023.0 + 99), &EntitleOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e.code(), "REG_NOT_FOUND" | "REVIEW_NOT_FOUND"),
        "{}",
        e.code()
    );
    let r = approved_round(s, unit, 2024, &with([Poor, NearPoor, NotPoor, NotPoor])).await;

    let l = entitlements::beneficiaries(s, &set, r, &EntitleOptions::default())
        .await
        .unwrap();
    assert_eq!(
        l.year, 2025,
        "a periodic round of 2024 sets the status for 2025"
    );
    assert_eq!(l.approved_on, d(2024, 11, 1));
    assert!(l.policies.contains(&"vn-bhyt-poor".to_string()));
    assert!(
        !l.policies.iter().any(|p| p.starts_with("hn-")),
        "a commune outside Hanoi gets no Hanoi policies"
    );
    let of = |id: &str| -> Vec<&entitlements::Beneficiary> {
        l.lines.iter().filter(|b| b.policy_id == id).collect()
    };
    // Health insurance: both members of the poor household, 12 × 105,300.
    let bhyt = of("vn-bhyt-poor");
    assert_eq!(bhyt.len(), 2);
    assert!(
        bhyt.iter()
            .all(|b| b.household_code == "H1" && b.year_total == 1_263_600)
    );
    assert_eq!(
        bhyt[0].split,
        vec![("central_budget".to_string(), 1_263_600)]
    );
    // Near-poor: the poor-commune fact is not recorded, so it cannot be decided, and says why.
    assert!(of("vn-bhyt-near-poor").is_empty());
    let und: Vec<_> = l
        .undecided
        .iter()
        .filter(|u| u.policy_id == "vn-bhyt-near-poor")
        .collect();
    assert_eq!(und.len(), 1);
    assert_eq!(und[0].household_code, "H2");
    assert_eq!(und[0].missing, vec!["poor_commune".to_string()]);
    assert!(
        und[0]
            .message_en
            .starts_with("cannot decide: field poor_commune")
    );
    // Left poverty on 01/11/2024: a VBSP loan for households that left poverty within 3 years.
    let loan = of("vn-vbsp-loan-after-exit");
    assert_eq!(loan.len(), 1);
    assert_eq!(
        (loan[0].household_code.as_str(), loan[0].year_total),
        ("H2", 100_000_000)
    );
    assert_eq!(loan[0].class, NearPoor);
    assert!(loan[0].member.is_none());
    assert_eq!(loan[0].head.as_ref().unwrap().full_name, "Trần Văn Cường");
    // H3 left near-poverty but was never poor; H4 never either.
    assert!(
        of("vn-vbsp-loan-poor")
            .iter()
            .all(|b| b.household_code == "H1")
    );
    // Electricity: the poor household, 55,000 a month, flagged as unconfirmed after 2023.
    let el = of("vn-electricity-support");
    assert_eq!(el.len(), 1);
    assert_eq!((el[0].per_unit, el[0].year_total), (55_000, 660_000));
    assert!(!el[0].caveats.is_empty());
    // Learning costs: the pupil is attending school, but her school level is not recorded.
    assert!(of("vn-edu-learning-cost").is_empty());
    assert!(
        l.undecided
            .iter()
            .any(|u| u.policy_id == "vn-edu-learning-cost"
                && u.member_name.as_deref() == Some("Nguyễn Thị Bình")
                && u.missing == vec!["school_level".to_string()])
    );

    // Assumed facts decide what the registry does not record.
    let opts = EntitleOptions {
        year: Some(2025),
        policies: vec!["vn-bhyt-near-poor".into(), "vn-bhyt-poor".into()],
        assume: [("poor_commune".to_string(), Fact::Bool(false))].into(),
    };
    let l2 = entitlements::beneficiaries(s, &set, r, &opts)
        .await
        .unwrap();
    assert_eq!(l2.policies, ["vn-bhyt-near-poor", "vn-bhyt-poor"]);
    let np: Vec<_> = l2
        .lines
        .iter()
        .filter(|b| b.policy_id == "vn-bhyt-near-poor")
        .collect();
    assert_eq!(np.len(), 1);
    assert_eq!((np[0].per_unit, np[0].year_total), (73_710, 12 * 73_710));
    assert!(l2.undecided.is_empty());
    let bad = EntitleOptions {
        policies: vec!["vn-nothing".into()],
        ..EntitleOptions::default()
    };
    assert_eq!(
        entitlements::beneficiaries(s, &set, r, &bad)
            .await
            .unwrap_err()
            .code(),
        "ENT_UNKNOWN_POLICY"
    );

    // The health-insurance list for social insurance, read back.
    let ptext = std::fs::read_to_string(root().join("policies/exports/partners.toml")).unwrap();
    let partners = partner::load("partners.toml", &ptext, &set).unwrap();
    let bhxh = partners.iter().find(|p| p.id == "bhxh").unwrap();
    let path = dir.join("bhxh.xlsx");
    entitlements::write_partner(&l2, bhxh, &path).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let sheet = wb.worksheet_range("Danh sách").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(text).collect()).collect();
    let headers: Vec<String> = bhxh.columns.iter().map(|c| c.1.clone()).collect();
    assert_eq!(rows[0], headers);
    assert_eq!(rows.len(), 1 + 3, "two poor members and one near-poor");
    let col = |h: &str| headers.iter().position(|x| x == h).unwrap();
    let an = rows
        .iter()
        .find(|r| r[col("Họ và tên")] == "Nguyễn Văn An")
        .unwrap();
    assert_eq!(an[col("Ngày sinh")], "10/03/1960");
    assert_eq!(an[col("Giới tính")], "Nam");
    assert_eq!(an[col("Số định danh cá nhân/CCCD")], "001060001234");
    assert_eq!(an[col("Tỷ lệ hỗ trợ")], "100%");
    assert_eq!(an[col("Số tiền hỗ trợ trong năm (đồng)")], "1263600");
    let cuong = rows
        .iter()
        .find(|r| r[col("Họ và tên")] == "Trần Văn Cường")
        .unwrap();
    assert_eq!(cuong[col("Tỷ lệ hỗ trợ")], "70%");
    assert_eq!(cuong[col("Đối tượng")], "Hộ cận nghèo");
    // The full list as CSV: one header row and one row per beneficiary.
    let csv_path = dir.join("ds.csv");
    entitlements::write_list(&l, &csv_path).unwrap();
    let csv_text = std::fs::read_to_string(&csv_path).unwrap();
    assert_eq!(csv_text.lines().count(), 1 + l.lines.len());

    // Budget 2025–2027 from the actual beneficiaries, per funding source.
    let only = EntitleOptions {
        policies: vec!["vn-bhyt-poor".into()],
        ..EntitleOptions::default()
    };
    let b = entitlements::budget(s, &set, r, 2025, 2027, None, &only)
        .await
        .unwrap();
    let y = b.year_totals();
    assert_eq!(y[&2025], 2 * 1_263_600);
    // 2026: 4.5% × 2,340,000 until June, × 2,530,000 (proposed, unconfirmed) from July.
    assert_eq!(y[&2026], 2 * (6 * 105_300 + 6 * 113_850));
    let br = entitlements::budget(
        s,
        &set,
        r,
        2025,
        2027,
        Some(Exact::parse("10%").unwrap()),
        &only,
    )
    .await
    .unwrap();
    let yr = br.year_totals();
    assert_eq!(yr[&2025], y[&2025]);
    assert_eq!(yr[&2026], 2_366_820, "2,629,800 × 90%");
    assert_eq!(br.lines[0].source, "central_budget");
    let bx = dir.join("budget.xlsx");
    entitlements::write_budget(&br, &bx).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&bx).unwrap();
    let sheet = wb.worksheet_range("Dự toán").unwrap();
    assert_eq!(sheet.rows().count(), 1 + 3);
}

macro_rules! both {
    ($name:ident, $case:ident) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let dir = tmp(concat!(stringify!($name), "-sqlite"));
                let s = SqliteStore::open(&dir.join("r.db")).await.unwrap();
                $case(&s, &dir).await;
                s.close().await;
                std::fs::remove_dir_all(&dir).unwrap();
            }
            #[tokio::test]
            async fn postgres() {
                let Ok(url) = std::env::var("ANSINH_TEST_PG") else {
                    eprintln!("ANSINH_TEST_PG is not set: skipping PostgreSQL");
                    return;
                };
                let schema = format!("ent_{}_{}", stringify!($name), std::process::id());
                PgStore::drop_schema(&url, &schema).await.unwrap();
                let s = PgStore::open_in_schema(&url, &schema).await.unwrap();
                let dir = tmp(concat!(stringify!($name), "-pg"));
                $case(&s, &dir).await;
                s.close().await;
                PgStore::drop_schema(&url, &schema).await.unwrap();
                std::fs::remove_dir_all(&dir).unwrap();
            }
        }
    };
}

both!(approved_round_lists, lists_from_an_approved_round);

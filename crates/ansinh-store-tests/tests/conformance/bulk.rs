//! Bulk behaviour: the import (one transaction, idempotent by household code and citizen ID), paging
//! through the registry for exports and quality checks.

use chrono::NaiveDate;

use ansinh_domain::money::Vnd;
use ansinh_domain::registry::{
    CitizenId, Household, HouseholdCode, Housing, Member, Relation, Unit, UnitCode, UnitId,
    UnitKind,
};
use ansinh_domain::text::NfcText;
use ansinh_store::{
    ChangeContext, Entity, ImportBatch, ImportHousehold, ImportIncome, ImportSummary, ImportUnit,
    Store, StoreError,
};

use crate::harness::TestDb;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn ctx() -> ChangeContext {
    ChangeContext::new("can_bo_xa_01", "import:ho.xlsx").because("nhập tệp ho.xlsx")
}

fn unit(code: &str, name: &str, kind: UnitKind) -> Unit {
    Unit {
        code: UnitCode::parse(code).unwrap(),
        name: NfcText::new(name),
        kind,
        area: kind.usual_area(),
        parent: None,
        valid_from: d(2008, 8, 1),
        valid_to: None,
    }
}

fn units() -> Vec<ImportUnit> {
    vec![
        ImportUnit {
            unit: unit("01", "Hà Nội", UnitKind::CentralCity),
            parent_code: None,
        },
        ImportUnit {
            unit: unit("09552", "Yên Nghĩa", UnitKind::Commune),
            parent_code: Some(UnitCode::parse("01").unwrap()),
        },
    ]
}

fn member(name: &str, relation: Relation, id: Option<&str>, born: Option<NaiveDate>) -> Member {
    let mut m = Member::new(name, relation);
    m.citizen_id = id.map(|s| CitizenId::parse(s).unwrap());
    m.date_of_birth = born;
    m
}

fn hh(code: &str, head: &str, members: Vec<Member>, income: Option<i64>) -> ImportHousehold {
    ImportHousehold {
        household: Household::new(
            HouseholdCode::parse(code).unwrap(),
            UnitId(0),
            head,
            "Thôn 1",
        ),
        unit_code: UnitCode::parse("09552").unwrap(),
        income: income.map(|v| ImportIncome {
            monthly_income_vnd: Vnd(v),
            recorded_on: None,
        }),
        members,
    }
}

fn batch(n: usize) -> ImportBatch {
    let mut households = Vec::new();
    for i in 0..n {
        let code = format!("H{i:04}");
        let id = format!("001090{i:06}");
        households.push(hh(
            &code,
            "Nguyễn Văn An",
            vec![
                member(
                    "Nguyễn Văn An",
                    Relation::Head,
                    Some(&id),
                    Some(d(1980, 1, 1)),
                ),
                member("Lê Thị Lan", Relation::Spouse, None, Some(d(1982, 2, 2))),
                member("Nguyễn Văn Út", Relation::Child, None, None),
            ],
            Some(3_000_000 + i as i64),
        ));
    }
    ImportBatch {
        units: units(),
        households,
        as_of: d(2025, 1, 15),
        absent_household_fields: Vec::new(),
        absent_member_fields: Vec::new(),
    }
}

async fn audit_count<S: Store>(s: &S) -> usize {
    let mut n = 0;
    for e in [Entity::Unit, Entity::Household, Entity::Member] {
        n += s.audit_trail(e, None).await.unwrap().len();
    }
    n
}

async fn all<S: Store>(s: &S) -> Vec<ansinh_store::StoredHousehold> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = s.households_page(after, None, 7).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        out.extend(page);
    }
    out
}

pub async fn import_inserts_everything_and_reimport_changes_nothing<S: TestDb>(s: &S, again: &S) {
    let b = batch(23);
    let sum = s.import(&ctx(), &b).await.unwrap();
    assert_eq!(
        sum,
        ImportSummary {
            units_inserted: 2,
            households_inserted: 23,
            members_inserted: 69,
            ..Default::default()
        }
    );
    let audits = audit_count(s).await;
    assert_eq!(audits, 2 + 23 + 69, "one audit entry per inserted record");
    let stored = all(again).await;
    assert_eq!(stored.len(), 23);
    let h = &stored[5];
    assert_eq!(h.household.code.as_str(), "H0005");
    assert_eq!(h.version, 1);
    assert_eq!(h.members.len(), 3);
    assert_eq!(h.household.incomes.len(), 1);
    assert_eq!(h.household.incomes[0].monthly_income_vnd, Vnd(3_000_005));
    assert_eq!(h.household.incomes[0].recorded_on, d(2025, 1, 15));
    assert_eq!(h.members[0].member, b.households[5].members[0]);
    // Bulk-written rows are found like any other: search keys and citizen-ID guard are in place.
    assert_eq!(again.search_members("lan", 100).await.unwrap().len(), 23);
    let holders = again
        .live_memberships(&[CitizenId::parse("001090000005").unwrap()])
        .await
        .unwrap();
    assert_eq!(holders.len(), 1);
    assert_eq!(holders[0].1.as_str(), "H0005");

    // The same file again, even on another day: nothing changes, no audit entry, no new version.
    let mut later = b.clone();
    later.as_of = d(2025, 3, 1);
    let sum = again.import(&ctx(), &later).await.unwrap();
    assert!(!sum.changed(), "{sum:?}");
    assert_eq!(sum.households_unchanged, 23);
    assert_eq!(sum.members_unchanged, 69);
    assert_eq!(audit_count(s).await, audits);
    assert_eq!(all(s).await, stored);
}

pub async fn import_updates_what_differs_under_a_new_version<S: TestDb>(s: &S, _again: &S) {
    s.import(&ctx(), &batch(3)).await.unwrap();
    let before = audit_count(s).await;
    let mut b = batch(3);
    // H0001: housing recorded, the spouse's name corrected in case/diacritics-insensitive match, a new
    // child; its income changes.
    let h = &mut b.households[1];
    h.household.housing_quality = Some(Housing::SemiSolid);
    h.members[1].sex = Some(ansinh_domain::registry::Sex::Female);
    h.members.push(member(
        "Nguyễn Thị Mai",
        Relation::Child,
        None,
        Some(d(2015, 5, 5)),
    ));
    h.income = Some(ImportIncome {
        monthly_income_vnd: Vnd(4_500_000),
        recorded_on: Some(d(2025, 6, 1)),
    });
    b.as_of = d(2025, 7, 1);
    let sum = s.import(&ctx(), &b).await.unwrap();
    assert_eq!(sum.households_updated, 1, "{sum:?}");
    assert_eq!(sum.households_unchanged, 2);
    assert_eq!(sum.members_updated, 1);
    assert_eq!(sum.members_inserted, 1);
    assert_eq!(audit_count(s).await, before + 3);
    let stored = s
        .household_by_code(&HouseholdCode::parse("H0001").unwrap())
        .await
        .unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.household.housing_quality, Some(Housing::SemiSolid));
    assert_eq!(stored.members.len(), 4);
    assert_eq!(
        stored.household.incomes.len(),
        2,
        "the income history is kept"
    );
    assert_eq!(
        stored.household.income_on(d(2025, 7, 1)),
        Some(Vnd(4_500_000))
    );
    let trail = s
        .audit_trail(Entity::Household, Some(stored.id.0))
        .await
        .unwrap();
    assert_eq!(
        trail.last().unwrap().reason.as_deref(),
        Some("nhập tệp ho.xlsx")
    );
    // And again: nothing.
    assert!(!s.import(&ctx(), &b).await.unwrap().changed());
}

pub async fn a_failed_import_writes_nothing<S: TestDb>(s: &S, _again: &S) {
    s.import(&ctx(), &batch(2)).await.unwrap();
    let before = all(s).await;
    let audits = audit_count(s).await;
    // New households, then one that puts H0000's head into another household: refused as a whole.
    let mut b = batch(0);
    for i in 10..40 {
        b.households
            .push(hh(&format!("N{i}"), "Trần Bình", vec![], Some(1)));
    }
    b.households.push(hh(
        "X1",
        "Trần Văn X",
        vec![member(
            "Nguyễn Văn An",
            Relation::Head,
            Some("001090000000"),
            None,
        )],
        None,
    ));
    match s.import(&ctx(), &b).await {
        Err(StoreError::Conflict {
            household_a,
            household_b,
            ..
        }) => assert_eq!(
            (household_a.as_str(), household_b.as_str()),
            ("H0000", "X1")
        ),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // A unit code nobody recorded.
    let mut b = batch(0);
    b.households.push(hh("N1", "Trần Bình", vec![], None));
    b.households[0].unit_code = UnitCode::parse("99999").unwrap();
    assert!(matches!(
        s.import(&ctx(), &b).await,
        Err(StoreError::NotFound {
            what: Entity::Unit,
            ..
        })
    ));
    // Changes without a reason.
    let mut b = batch(2);
    b.households[0].household.address = NfcText::new("Thôn 2");
    let no_reason = ChangeContext::new("can_bo_xa_01", "import:ho.xlsx");
    assert!(s.import(&no_reason, &b).await.is_err());
    assert_eq!(all(s).await, before);
    assert_eq!(audit_count(s).await, audits);
    assert_eq!(
        s.raw_text("SELECT CAST(COUNT(*) AS TEXT) FROM households")
            .await
            .unwrap(),
        "2"
    );
}

pub async fn pages_filter_by_unit_and_skip_deleted<S: TestDb>(s: &S, _again: &S) {
    let mut b = batch(5);
    b.units.push(ImportUnit {
        unit: unit("09553", "Dương Nội", UnitKind::Ward),
        parent_code: Some(UnitCode::parse("01").unwrap()),
    });
    b.households[4].unit_code = UnitCode::parse("09553").unwrap();
    s.import(&ctx(), &b).await.unwrap();
    let units = s.all_units().await.unwrap();
    assert_eq!(units.len(), 3);
    let ward = units
        .iter()
        .find(|u| u.unit.code.as_str() == "09553")
        .unwrap();
    assert_eq!(ward.unit.parent, Some(units[0].id));
    let page = s
        .households_page(None, Some(&[ward.id]), 100)
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].household.code.as_str(), "H0004");
    let first = &all(s).await[0];
    s.delete_household(&ctx(), first.id, first.version, d(2025, 2, 1))
        .await
        .unwrap();
    assert_eq!(all(s).await.len(), 4);
}

pub async fn a_file_without_a_column_keeps_the_recorded_values<S: TestDb>(s: &S, _again: &S) {
    let mut b = batch(3);
    for ih in &mut b.households {
        ih.household.water_source = Some(ansinh_domain::registry::Water::Piped);
        for m in &mut ih.members {
            m.has_health_insurance = Some(true);
        }
    }
    s.import(&ctx(), &b).await.unwrap();
    let stored = all(s).await;

    // The same households from a file that has no water or insurance column: nothing changes.
    let mut thin = b.clone();
    for ih in &mut thin.households {
        ih.household.water_source = None;
        for m in &mut ih.members {
            m.has_health_insurance = None;
        }
    }
    thin.absent_household_fields = vec!["water_source".into()];
    thin.absent_member_fields = vec!["has_health_insurance".into()];
    let sum = s.import(&ctx(), &thin).await.unwrap();
    assert!(!sum.changed(), "{sum:?}");
    assert_eq!(all(s).await, stored);

    // A file that has the columns, left empty, records "not recorded" (a change, with its reason).
    thin.absent_household_fields.clear();
    thin.absent_member_fields.clear();
    let sum = s.import(&ctx(), &thin).await.unwrap();
    assert_eq!(sum.households_updated, 3);
    let now = all(s).await;
    assert_eq!(now[0].household.water_source, None);
    assert_eq!(now[0].members[0].member.has_health_insurance, None);
}

//! The cases: each is one storage behaviour, written once against the [`Store`] trait.

use chrono::{NaiveDate, Utc};

use ansinh_domain::money::Vnd;
use ansinh_domain::registry::{
    Area, CitizenId, Education, Household, HouseholdCode, HouseholdId, Housing, IncomeRecord,
    Labour, Member, MemberId, Relation, Sex, Toilet, Unit, UnitCode, UnitId, UnitKind, Water,
};
use ansinh_domain::standard::{Class, StandardSet};
use ansinh_domain::text::NfcText;
use ansinh_store::{
    AuditAction, AuditEvent, ChangeContext, ClassificationRecord, Entity, Invalid, Reorganisation,
    ReorganisationProblem, Store, StoreError, StoredHousehold, Successor, batch_of,
};

use crate::harness::TestDb;

pub use crate::bulk::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn officer() -> ChangeContext {
    ChangeContext::new("can_bo_xa_01", "10.1.2.3")
}

fn fix(reason: &str) -> ChangeContext {
    officer().because(reason)
}

fn cid(s: &str) -> CitizenId {
    CitizenId::parse(s).unwrap()
}

fn hcode(s: &str) -> HouseholdCode {
    HouseholdCode::parse(s).unwrap()
}

fn unit(code: &str, name: &str, kind: UnitKind, parent: Option<UnitId>, from: NaiveDate) -> Unit {
    Unit {
        code: UnitCode::parse(code).unwrap(),
        name: NfcText::new(name),
        kind,
        area: kind.usual_area(),
        parent,
        valid_from: from,
        valid_to: None,
    }
}

/// Hà Nội (province) with one commune-level ward, valid since 2008.
async fn commune<S: Store>(s: &S) -> UnitId {
    let p = s
        .create_unit(
            &officer(),
            &unit("01", "Hà Nội", UnitKind::CentralCity, None, d(2008, 8, 1)),
        )
        .await
        .unwrap();
    s.create_unit(
        &officer(),
        &unit(
            "09552",
            "Yên Nghĩa",
            UnitKind::Commune,
            Some(p),
            d(2008, 8, 1),
        ),
    )
    .await
    .unwrap()
}

fn member(name: &str, relation: Relation, id: Option<&str>) -> Member {
    let mut m = Member::new(name, relation);
    m.citizen_id = id.map(cid);
    m
}

async fn household<S: Store>(
    s: &S,
    unit: UnitId,
    code: &str,
    head: &str,
    members: &[Member],
) -> Result<StoredHousehold, StoreError> {
    let h = Household::new(hcode(code), unit, head, "Thôn 1");
    s.create_household(&officer(), &h, members).await
}

fn assert_conflict(e: StoreError, id: &str, a: &str, b: &str) {
    match e {
        StoreError::Conflict {
            citizen_id,
            household_a,
            household_b,
        } => {
            assert_eq!(citizen_id.as_str(), id);
            assert_eq!(household_a.as_str(), a);
            assert_eq!(household_b.as_str(), b);
        }
        other => panic!("expected a citizen-ID conflict, got {other:?}"),
    }
}

fn assert_stale(e: StoreError, household: &str, expected: i64, found: i64) {
    match e {
        StoreError::StaleVersion {
            household: h,
            expected: x,
            found: f,
        } => assert_eq!((h.as_str(), x, f), (household, expected, found)),
        other => panic!("expected a stale version, got {other:?}"),
    }
}

// --------------------------------------------------------------------------------------------------------

pub async fn migrations_run_once_and_reopen<S: TestDb>(s: &S, again: &S) {
    let u = commune(s).await;
    // The second handle opened the same database and ran the migrations again: nothing changed.
    assert_eq!(again.unit(u).await.unwrap().unit.name.as_str(), "Yên Nghĩa");
    let n = s
        .raw_text("SELECT CAST(COUNT(*) AS TEXT) FROM _sqlx_migrations")
        .await
        .unwrap();
    assert_eq!(n, ansinh_store_sqlite::MIGRATIONS.len().to_string());
}

pub async fn units_have_validity_and_are_found_by_date<S: TestDb>(s: &S, _: &S) {
    let ctx = officer();
    let p = s
        .create_unit(
            &ctx,
            &unit("01", "Hà Nội", UnitKind::CentralCity, None, d(2008, 8, 1)),
        )
        .await
        .unwrap();
    let mut district = unit(
        "268",
        "Hà Đông",
        UnitKind::UrbanDistrict,
        Some(p),
        d(2008, 8, 1),
    );
    district.valid_to = Some(d(2025, 7, 1));
    let dist = s.create_unit(&ctx, &district).await.unwrap();
    // Byte order would put Ấ and Đ after Y; Vietnamese order does not.
    for (code, name) in [
        ("09552", "Yên Nghĩa"),
        ("09553", "Đồng Mai"),
        ("09554", "Dương Nội"),
        ("09555", "Biên Giang"),
        ("09556", "Ấp Mới"),
    ] {
        s.create_unit(
            &ctx,
            &unit(code, name, UnitKind::Ward, Some(dist), d(2008, 8, 1)),
        )
        .await
        .unwrap();
    }
    let names: Vec<String> = s
        .units_on(d(2024, 1, 1), Some(dist))
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.unit.name.as_str().to_string())
        .collect();
    assert_eq!(
        names,
        ["Ấp Mới", "Biên Giang", "Dương Nội", "Đồng Mai", "Yên Nghĩa"]
    );
    let top = s.units_on(d(2024, 1, 1), None).await.unwrap();
    assert_eq!(top.len(), 1);
    assert_eq!(top[0].id, p);

    let code = UnitCode::parse("268").unwrap();
    let found = s.unit_at(&code, d(2025, 6, 30)).await.unwrap().unwrap();
    assert_eq!(found.id, dist);
    assert_eq!(found.unit, district);
    assert_eq!(found.unit.area, None);
    assert!(s.unit_at(&code, d(2025, 7, 1)).await.unwrap().is_none());
    assert!(s.unit_at(&code, d(2008, 7, 31)).await.unwrap().is_none());

    // The same code over an overlapping period is refused; after the old unit ended it may be reused.
    let e = s
        .create_unit(
            &ctx,
            &unit("268", "Khác", UnitKind::Ward, Some(p), d(2020, 1, 1)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid(Invalid::UnitOverlap { .. })),
        "{e:?}"
    );
    let reused = s
        .create_unit(
            &ctx,
            &unit("268", "Hà Đông", UnitKind::Ward, Some(p), d(2025, 7, 1)),
        )
        .await
        .unwrap();
    assert_eq!(
        s.unit_at(&code, d(2025, 7, 1)).await.unwrap().unwrap().id,
        reused
    );

    let mut backwards = unit("999", "X", UnitKind::Commune, Some(p), d(2020, 1, 1));
    backwards.valid_to = Some(d(2020, 1, 1));
    let e = s.create_unit(&ctx, &backwards).await.unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid(Invalid::DateRange { .. })),
        "{e:?}"
    );
    let orphan = unit(
        "998",
        "X",
        UnitKind::Commune,
        Some(UnitId(999_999)),
        d(2020, 1, 1),
    );
    let e = s.create_unit(&ctx, &orphan).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::NotFound {
                what: Entity::Unit,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(matches!(
        s.unit(UnitId(999_999)).await.unwrap_err(),
        StoreError::NotFound { .. }
    ));
}

pub async fn reorganisations_map_records_onto_todays_units<S: TestDb>(s: &S, _: &S) {
    let ctx = officer();
    let old = d(2008, 8, 1);
    let reform = d(2025, 7, 1);
    let p = s
        .create_unit(
            &ctx,
            &unit("01", "Hà Nội", UnitKind::CentralCity, None, old),
        )
        .await
        .unwrap();
    let dist = s
        .create_unit(
            &ctx,
            &unit("268", "Hà Đông", UnitKind::UrbanDistrict, Some(p), old),
        )
        .await
        .unwrap();
    let a = s
        .create_unit(
            &ctx,
            &unit("00001", "Xã A", UnitKind::Commune, Some(dist), old),
        )
        .await
        .unwrap();
    let b = s
        .create_unit(
            &ctx,
            &unit("00002", "Xã B", UnitKind::Commune, Some(dist), old),
        )
        .await
        .unwrap();
    let c = s
        .create_unit(
            &ctx,
            &unit("00003", "Phường C", UnitKind::Ward, Some(dist), old),
        )
        .await
        .unwrap();
    // After the reform: the merged commune takes over A's code (created by the reorganisation, once A
    // is closed), directly under the province; C is split into two wards recorded beforehand.
    let c1 = s
        .create_unit(
            &ctx,
            &unit("10001", "Phường C1", UnitKind::Ward, Some(p), reform),
        )
        .await
        .unwrap();
    let c2 = s
        .create_unit(
            &ctx,
            &unit("10002", "Phường C2", UnitKind::Ward, Some(p), reform),
        )
        .await
        .unwrap();
    let h = household(s, a, "HA-1", "Nguyễn Văn A", &[]).await.unwrap();

    let because = fix("Nghị quyết sắp xếp đơn vị hành chính cấp xã 2025");
    let merged = Successor::New(unit("00001", "Xã Mới", UnitKind::Commune, Some(p), reform));
    let to = s
        .reorganise(
            &because,
            &Reorganisation {
                on: reform,
                from: vec![a, b],
                to: vec![merged],
            },
        )
        .await
        .unwrap();
    let n = to[0];
    assert_eq!(s.unit(n).await.unwrap().unit.name.as_str(), "Xã Mới");
    let split = vec![Successor::Existing(c1), Successor::Existing(c2)];
    s.reorganise(
        &because,
        &Reorganisation {
            on: reform,
            from: vec![c],
            to: split,
        },
    )
    .await
    .unwrap();

    // The old unit is closed, the record still points at it.
    assert_eq!(s.unit(a).await.unwrap().unit.valid_to, Some(reform));
    assert_eq!(s.household(h.id).await.unwrap().household.unit, a);
    // Lookups by code are by date.
    let code = UnitCode::parse("00001").unwrap();
    assert_eq!(
        s.unit_at(&code, d(2025, 6, 30)).await.unwrap().unwrap().id,
        a
    );
    assert_eq!(s.unit_at(&code, reform).await.unwrap().unwrap().id, n);
    assert_eq!(s.successors(a).await.unwrap(), vec![(n, reform)]);
    // Reports map onto the units of the report date.
    let ids = |v: Vec<ansinh_store::StoredUnit>| v.into_iter().map(|u| u.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.current_units(a, d(2025, 8, 1)).await.unwrap()),
        vec![n]
    );
    assert_eq!(
        ids(s.current_units(b, d(2025, 8, 1)).await.unwrap()),
        vec![n]
    );
    assert_eq!(
        ids(s.current_units(c, d(2025, 8, 1)).await.unwrap()),
        vec![c1, c2]
    );
    assert_eq!(
        ids(s.current_units(a, d(2024, 1, 1)).await.unwrap()),
        vec![a]
    );
    // Across two reorganisations.
    let m = s
        .create_unit(
            &ctx,
            &unit(
                "20001",
                "Xã Hợp Nhất",
                UnitKind::Commune,
                Some(p),
                d(2026, 1, 1),
            ),
        )
        .await
        .unwrap();
    let to = vec![Successor::Existing(m)];
    s.reorganise(
        &because,
        &Reorganisation {
            on: d(2026, 1, 1),
            from: vec![n, c1],
            to,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        ids(s.current_units(a, d(2026, 2, 1)).await.unwrap()),
        vec![m]
    );
    assert_eq!(
        ids(s.current_units(c, d(2026, 2, 1)).await.unwrap()),
        vec![c2, m]
    );

    let trail = s.audit_trail(Entity::Reorganisation, None).await.unwrap();
    assert_eq!(trail.len(), 3);
    assert!(trail[0].new_value.as_deref().unwrap().contains("00002"));
    assert_eq!(
        trail[0].reason.as_deref(),
        Some("Nghị quyết sắp xếp đơn vị hành chính cấp xã 2025")
    );
    let closed = s.audit_trail(Entity::Unit, Some(a.0)).await.unwrap();
    assert_eq!(
        closed.iter().map(|e| e.action).collect::<Vec<_>>(),
        [AuditAction::Insert, AuditAction::Update]
    );
}

pub async fn invalid_reorganisations_are_refused<S: TestDb>(s: &S, _: &S) {
    let ctx = officer();
    let p = s
        .create_unit(
            &ctx,
            &unit("01", "Hà Nội", UnitKind::CentralCity, None, d(2008, 8, 1)),
        )
        .await
        .unwrap();
    let a = s
        .create_unit(
            &ctx,
            &unit("00001", "Xã A", UnitKind::Commune, Some(p), d(2008, 8, 1)),
        )
        .await
        .unwrap();
    let n = s
        .create_unit(
            &ctx,
            &unit("00009", "Xã N", UnitKind::Commune, Some(p), d(2025, 7, 1)),
        )
        .await
        .unwrap();
    let why = fix("thử");
    let problem = |e: StoreError| match e {
        StoreError::Invalid(Invalid::Reorganisation { detail }) => detail,
        other => panic!("expected an invalid reorganisation, got {other:?}"),
    };
    let r = |on, from: Vec<UnitId>, to: Vec<UnitId>| Reorganisation {
        on,
        from,
        to: to.into_iter().map(Successor::Existing).collect(),
    };
    assert_eq!(
        problem(
            s.reorganise(&why, &r(d(2025, 7, 1), vec![], vec![n]))
                .await
                .unwrap_err()
        ),
        ReorganisationProblem::Empty
    );
    assert!(matches!(
        problem(
            s.reorganise(&why, &r(d(2025, 6, 1), vec![a], vec![n]))
                .await
                .unwrap_err()
        ),
        ReorganisationProblem::NotStartingOn { .. }
    ));
    assert!(matches!(
        problem(
            s.reorganise(&why, &r(d(2008, 8, 1), vec![a], vec![n]))
                .await
                .unwrap_err()
        ),
        ReorganisationProblem::NotValidBefore { .. }
    ));
    // A new unit that does not begin on the date, or that overlaps a unit kept open, is refused too.
    let early = Successor::New(unit(
        "00010",
        "Xã Sớm",
        UnitKind::Commune,
        Some(p),
        d(2025, 1, 1),
    ));
    let e = s
        .reorganise(
            &why,
            &Reorganisation {
                on: d(2025, 7, 1),
                from: vec![a],
                to: vec![early],
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(
        problem(e),
        ReorganisationProblem::NotStartingOn { .. }
    ));
    let clash = Successor::New(unit(
        "00009",
        "Xã N2",
        UnitKind::Commune,
        Some(p),
        d(2025, 7, 1),
    ));
    let e = s
        .reorganise(
            &why,
            &Reorganisation {
                on: d(2025, 7, 1),
                from: vec![a],
                to: vec![clash],
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid(Invalid::UnitOverlap { .. })),
        "{e:?}"
    );
    let e = s
        .reorganise(&ctx, &r(d(2025, 7, 1), vec![a], vec![n]))
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid(Invalid::ReasonRequired)),
        "{e:?}"
    );
    // Nothing of the refused attempts was written.
    assert_eq!(s.unit(a).await.unwrap().unit.valid_to, None);
    assert!(s.successors(a).await.unwrap().is_empty());
}

fn full_household(unit: UnitId) -> Household {
    let mut h = Household::new(
        hcode("HN-0001"),
        unit,
        "Nguyễn Văn Đức",
        "Số 5, ngõ 12, thôn Đông",
    );
    h.area = Some(Area::Rural);
    h.housing_quality = Some(Housing::LessDurable);
    h.floor_area_m2 = Some(23.5);
    h.water_source = Some(Water::DrilledWell);
    h.toilet = Some(Toilet::SemiSeptic);
    h.uses_telecom = Some(true);
    h.has_info_device = Some(false);
    h.hears_loudspeaker = Some(true);
    h.uses_internet = Some(false);
    h.uses_digital_services = None;
    h.waste_treated = Some(true);
    h.incomes = vec![
        IncomeRecord {
            recorded_on: d(2023, 12, 1),
            monthly_income_vnd: Vnd(3_200_000),
            note: Some(NfcText::new("rà soát 2023")),
        },
        IncomeRecord {
            recorded_on: d(2024, 12, 1),
            monthly_income_vnd: Vnd(4_100_000),
            note: None,
        },
    ];
    h
}

fn full_member() -> Member {
    let mut m = Member::new("Lê Thị Hoà", Relation::Spouse);
    m.date_of_birth = Some(d(1985, 2, 28));
    m.sex = Some(Sex::Female);
    m.citizen_id = Some(cid("001185012345"));
    m.ethnicity = Some(NfcText::new("Kinh"));
    m.labour_status = Some(Labour::EmployedInformal);
    m.has_health_insurance = Some(true);
    m.education_level = Some(Education::UpperSecondary);
    m.attending_school = Some(false);
    m.in_training = Some(false);
    m.stunted_or_underweight = Some(false);
    m.is_disabled = Some(false);
    m.receives_social_allowance = Some(false);
    m.sick_untreated = Some(false);
    m.start_date = Some(d(2005, 1, 1));
    m
}

pub async fn households_round_trip_with_members_and_incomes<S: TestDb>(s: &S, again: &S) {
    let u = commune(s).await;
    let h = full_household(u);
    let mut head = Member::new("Nguyễn Văn Đức", Relation::Head);
    head.citizen_id = Some(cid("001080000001"));
    let members = vec![
        head,
        full_member(),
        Member::new("Nguyễn Văn Út", Relation::Child),
    ];
    let stored = s.create_household(&officer(), &h, &members).await.unwrap();
    assert_eq!(stored.version, 1);
    assert!(!stored.deleted);
    assert_eq!(stored.household, h);
    assert_eq!(stored.member_records(), members);

    let by_id = again.household(stored.id).await.unwrap();
    assert_eq!(by_id, stored);
    assert_eq!(
        s.household_by_code(&hcode("hn-0001")).await.unwrap(),
        stored
    );
    let in_unit = s.households_in_units(&[u]).await.unwrap();
    assert_eq!(in_unit, vec![stored.clone()]);
    assert!(
        s.households_in_units(&[UnitId(999_999)])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        s.household_by_code(&hcode("NONE")).await.unwrap_err(),
        StoreError::NotFound {
            what: Entity::Household,
            ..
        }
    ));
    // An unknown unit is refused before anything is written.
    let e = s
        .create_household(
            &officer(),
            &Household::new(hcode("X"), UnitId(999_999), "A", "B"),
            &[],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::NotFound {
                what: Entity::Unit,
                ..
            }
        ),
        "{e:?}"
    );

    // A full update round-trips too, incomes replaced.
    let mut changed = stored.household.clone();
    changed.floor_area_m2 = None;
    changed.water_source = Some(Water::Piped);
    changed.incomes.truncate(1);
    let v = s
        .update_household(&fix("cập nhật rà soát"), stored.id, 1, &changed)
        .await
        .unwrap();
    assert_eq!(v, 2);
    let now = s.household(stored.id).await.unwrap();
    assert_eq!(now.household, changed);
    assert_eq!(now.version, 2);
    // Member changes move the household's version too.
    let mut m = now.members[2].member.clone();
    m.date_of_birth = Some(d(2015, 6, 1));
    let v = s
        .update_member(&fix("bổ sung ngày sinh"), now.members[2].id, 2, &m)
        .await
        .unwrap();
    assert_eq!(v, 3);
    let (added, v) = s
        .add_member(
            &officer(),
            stored.id,
            3,
            &Member::new("Nguyễn Thị Mới", Relation::Grandchild),
        )
        .await
        .unwrap();
    assert_eq!(v, 4);
    let now = s.household(stored.id).await.unwrap();
    assert_eq!(now.members.len(), 4);
    assert_eq!(now.members[3].id, added);
    assert_eq!(now.members[2].member, m);
    assert!(matches!(
        s.update_member(&fix("x"), MemberId(999_999), 4, &m)
            .await
            .unwrap_err(),
        StoreError::NotFound {
            what: Entity::Member,
            ..
        }
    ));
    // A membership that ends before it starts is refused.
    let mut bad = m.clone();
    bad.start_date = Some(d(2020, 1, 1));
    bad.end_date = Some(d(2019, 1, 1));
    let e = s
        .update_member(&fix("x"), now.members[2].id, 4, &bad)
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid(Invalid::DateRange { .. })),
        "{e:?}"
    );
}

pub async fn text_is_stored_nfc<S: TestDb>(s: &S, _: &S) {
    let u = commune(s).await;
    let decomposed = "Nguye\u{302}\u{303}n  Va\u{306}n \u{110}u\u{31b}\u{301}c";
    let h = household(
        s,
        u,
        "H1",
        decomposed,
        &[Member::new(decomposed, Relation::Head)],
    )
    .await
    .unwrap();
    let nfc = "Nguyễn Văn Đức";
    assert_eq!(h.household.head_name.as_str(), nfc);
    let raw = s
        .raw_text(&format!(
            "SELECT full_name FROM members WHERE household_id = {}",
            h.id
        ))
        .await
        .unwrap();
    assert_eq!(raw, nfc);
    assert_eq!(raw.as_bytes(), nfc.as_bytes());
    let key = s
        .raw_text(&format!(
            "SELECT head_key FROM households WHERE id = {}",
            h.id
        ))
        .await
        .unwrap();
    assert_eq!(key, "nguyen van duc");
}

pub async fn household_codes_are_unique<S: TestDb>(s: &S, _: &S) {
    let u = commune(s).await;
    let first = household(s, u, "H1", "Trần A", &[]).await.unwrap();
    let e = household(
        s,
        u,
        "h1",
        "Trần B",
        &[Member::new("Trần B", Relation::Head)],
    )
    .await
    .unwrap_err();
    match &e {
        StoreError::Duplicate {
            what: Entity::Household,
            key,
        } => assert_eq!(key, "H1"),
        other => panic!("expected a duplicate, got {other:?}"),
    }
    assert_eq!(e.code(), "REG_DUPLICATE");
    let all = s.households_in_units(&[u]).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].household.head_name.as_str(), "Trần A");
    // Renaming another household onto a used code is refused too, and changes nothing.
    let second = household(s, u, "H2", "Lý C", &[]).await.unwrap();
    let mut renamed = second.household.clone();
    renamed.code = first.household.code.clone();
    let e = s
        .update_household(&fix("đổi mã"), second.id, 1, &renamed)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Duplicate { .. }), "{e:?}");
    assert_eq!(s.household(second.id).await.unwrap().version, 1);
}

pub async fn citizen_id_is_unique_among_live_memberships<S: TestDb>(s: &S, _: &S) {
    let u = commune(s).await;
    let person = "001090000123";
    let h1 = household(
        s,
        u,
        "H1",
        "Phạm Văn Một",
        &[member("Phạm Văn Một", Relation::Head, Some(person))],
    )
    .await
    .unwrap();

    // A new household with the same person: refused, naming both households; nothing written.
    let e = household(
        s,
        u,
        "H2",
        "Phạm Văn Một",
        &[member("Phạm Văn Một", Relation::Head, Some(person))],
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "REG_CITIZEN_ID_CONFLICT");
    assert!(e.message_vi().contains("H1") && e.message_vi().contains("H2"));
    assert_conflict(e, person, "H1", "H2");
    assert!(matches!(
        s.household_by_code(&hcode("H2")).await.unwrap_err(),
        StoreError::NotFound { .. }
    ));
    assert!(s.audit_trail(Entity::Household, None).await.unwrap().len() == 1);

    // Adding the person to an existing household: refused, and its version did not move.
    let h3 = household(
        s,
        u,
        "H3",
        "Võ Thị Ba",
        &[member("Võ Thị Ba", Relation::Head, None)],
    )
    .await
    .unwrap();
    let e = s
        .add_member(
            &officer(),
            h3.id,
            1,
            &member("Phạm Văn Một", Relation::Spouse, Some(person)),
        )
        .await
        .unwrap_err();
    assert_conflict(e, person, "H1", "H3");
    assert_eq!(s.household(h3.id).await.unwrap().version, 1);
    assert_eq!(s.household(h3.id).await.unwrap().members.len(), 1);

    // Giving an existing member the person's ID: refused the same way.
    let mut ba = h3.members[0].member.clone();
    ba.citizen_id = Some(cid(person));
    let e = s
        .update_member(&fix("nhập CCCD"), h3.members[0].id, 1, &ba)
        .await
        .unwrap_err();
    assert_conflict(e, person, "H1", "H3");

    // The same person twice in one new household.
    let e = household(
        s,
        u,
        "H4",
        "X",
        &[
            member("X", Relation::Head, Some("002090000001")),
            member("X", Relation::Child, Some("002090000001")),
        ],
    )
    .await
    .unwrap_err();
    assert_conflict(e, "002090000001", "H4", "H4");

    // Re-saving the holder's own membership with its ID is not a conflict.
    let mut own = h1.members[0].member.clone();
    own.ethnicity = Some(NfcText::new("Kinh"));
    let v = s
        .update_member(&fix("bổ sung dân tộc"), h1.members[0].id, 1, &own)
        .await
        .unwrap();

    // Once the membership in H1 ends (moved out), the person may join H3.
    own.end_date = Some(d(2025, 3, 1));
    s.update_member(&fix("chuyển đi"), h1.members[0].id, v, &own)
        .await
        .unwrap();
    let (_, v3) = s
        .add_member(
            &officer(),
            h3.id,
            1,
            &member("Phạm Văn Một", Relation::Spouse, Some(person)),
        )
        .await
        .unwrap();
    assert_eq!(v3, 2);
    // …and re-opening the old membership now conflicts with H3.
    own.end_date = None;
    let e = s
        .update_member(&fix("nhập nhầm"), h1.members[0].id, v + 1, &own)
        .await
        .unwrap_err();
    assert_conflict(e, person, "H3", "H1");
    // Deleting a household ends its memberships, which frees the person.
    s.delete_household(&fix("hộ nhập trùng"), h3.id, 2, d(2025, 4, 1))
        .await
        .unwrap();
    household(
        s,
        u,
        "H5",
        "Phạm Văn Một",
        &[member("Phạm Văn Một", Relation::Head, Some(person))],
    )
    .await
    .unwrap();
}

pub async fn stale_saves_are_refused_and_nothing_is_overwritten<S: TestDb>(s: &S, _: &S) {
    let u = commune(s).await;
    let h = household(
        s,
        u,
        "H1",
        "Đỗ Văn Hai",
        &[member("Đỗ Văn Hai", Relation::Head, None)],
    )
    .await
    .unwrap();
    // Two officers open the same household (version 1).
    let seen_by_a = s.household(h.id).await.unwrap();
    let seen_by_b = s.household(h.id).await.unwrap();
    let mut a = seen_by_a.household.clone();
    a.toilet = Some(Toilet::FlushSeptic);
    let mut b = seen_by_b.household.clone();
    b.toilet = Some(Toilet::NoToilet);
    assert_eq!(
        s.update_household(&fix("A sửa"), h.id, seen_by_a.version, &a)
            .await
            .unwrap(),
        2
    );
    let audit_before = s
        .audit_trail(Entity::Household, Some(h.id.0))
        .await
        .unwrap()
        .len();
    let e = s
        .update_household(&fix("B sửa"), h.id, seen_by_b.version, &b)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "REG_STALE_VERSION");
    assert!(e.message_vi().contains("H1"));
    assert_stale(e, "H1", 1, 2);
    // Every other save at the old version is refused too.
    let e = s
        .add_member(
            &officer(),
            h.id,
            1,
            &Member::new("Đỗ Thị Ba", Relation::Child),
        )
        .await
        .unwrap_err();
    assert_stale(e, "H1", 1, 2);
    let e = s
        .update_member(
            &fix("B sửa"),
            h.members[0].id,
            1,
            &Member::new("Đỗ Văn Hai", Relation::Head),
        )
        .await
        .unwrap_err();
    assert_stale(e, "H1", 1, 2);
    let e = s
        .delete_household(&fix("B xoá"), h.id, 1, d(2025, 1, 1))
        .await
        .unwrap_err();
    assert_stale(e, "H1", 1, 2);
    // A's save stands, nothing of B's was written or audited.
    let now = s.household(h.id).await.unwrap();
    assert_eq!(now.version, 2);
    assert_eq!(now.household, a);
    assert_eq!(now.members.len(), 1);
    assert!(!now.deleted);
    assert_eq!(
        s.audit_trail(Entity::Household, Some(h.id.0))
            .await
            .unwrap()
            .len(),
        audit_before
    );
    assert!(matches!(
        s.update_household(&fix("x"), HouseholdId(999_999), 1, &a)
            .await
            .unwrap_err(),
        StoreError::NotFound { .. }
    ));
}

pub async fn concurrent_saves_one_wins<S: TestDb>(s: &S, _: &S) {
    let u = commune(s).await;
    let h = household(s, u, "H1", "Bùi Văn Bốn", &[]).await.unwrap();
    for round in 0..5i64 {
        let version = 1 + round;
        let mut a = h.household.clone();
        a.floor_area_m2 = Some(10.0 + round as f64);
        let mut b = h.household.clone();
        b.floor_area_m2 = Some(50.0 + round as f64);
        let (ctx_a, ctx_b) = (fix("A"), fix("B"));
        let (ra, rb) = tokio::join!(
            s.update_household(&ctx_a, h.id, version, &a),
            s.update_household(&ctx_b, h.id, version, &b)
        );
        let (won, lost, winner) = match (ra, rb) {
            (Ok(v), Err(e)) => (v, e, a),
            (Err(e), Ok(v)) => (v, e, b),
            other => panic!("exactly one save must win, got {other:?}"),
        };
        assert_eq!(won, version + 1);
        assert_stale(lost, "H1", version, version + 1);
        assert_eq!(s.household(h.id).await.unwrap().household, winner);
    }
}

pub async fn changes_and_deletions_need_a_reason<S: TestDb>(s: &S, _: &S) {
    let u = commune(s).await;
    let h = household(
        s,
        u,
        "H1",
        "Hồ Văn Năm",
        &[member("Hồ Văn Năm", Relation::Head, None)],
    )
    .await
    .unwrap();
    let no_reason = officer();
    let blank = officer().because("   ");
    for ctx in [&no_reason, &blank] {
        let e = s
            .update_household(ctx, h.id, 1, &h.household)
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid(Invalid::ReasonRequired)),
            "{e:?}"
        );
        assert_eq!(e.code(), "REG_REASON_REQUIRED");
        let e = s
            .update_member(ctx, h.members[0].id, 1, &h.members[0].member)
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid(Invalid::ReasonRequired)),
            "{e:?}"
        );
        let e = s
            .delete_household(ctx, h.id, 1, d(2025, 1, 1))
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid(Invalid::ReasonRequired)),
            "{e:?}"
        );
    }
    let now = s.household(h.id).await.unwrap();
    assert_eq!(now, h);
    // Inserts need none.
    s.add_member(
        &no_reason,
        h.id,
        1,
        &Member::new("Hồ Thị Sáu", Relation::Child),
    )
    .await
    .unwrap();
}

pub async fn deleted_households_are_kept_and_frozen<S: TestDb>(s: &S, _: &S) {
    let u = commune(s).await;
    let h = household(
        s,
        u,
        "H1",
        "Mai Văn Bảy",
        &[member("Mai Văn Bảy", Relation::Head, Some("001070000007"))],
    )
    .await
    .unwrap();
    s.append_classification(&officer(), &record(h.id, d(2024, 10, 1), Some(Class::Poor)))
        .await
        .unwrap();
    s.delete_household(&fix("hộ đã chuyển đi nơi khác"), h.id, 1, d(2025, 2, 1))
        .await
        .unwrap();
    let gone = s.household(h.id).await.unwrap();
    assert!(gone.deleted);
    assert_eq!(gone.version, 2);
    assert_eq!(gone.members[0].member.end_date, Some(d(2025, 2, 1)));
    let e = s
        .update_household(&fix("sửa"), h.id, 2, &gone.household)
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid(Invalid::HouseholdDeleted { .. })),
        "{e:?}"
    );
    let e = s
        .add_member(&officer(), h.id, 2, &Member::new("A", Relation::Child))
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid(Invalid::HouseholdDeleted { .. })),
        "{e:?}"
    );
    assert!(s.households_in_units(&[u]).await.unwrap().is_empty());
    assert!(s.search_households("mai van", 10).await.unwrap().is_empty());
    assert!(s.search_members("mai van", 10).await.unwrap().is_empty());
    assert_eq!(s.classification_history(h.id).await.unwrap().len(), 1);
    let trail = s
        .audit_trail(Entity::Household, Some(h.id.0))
        .await
        .unwrap();
    let last = trail.last().unwrap();
    assert_eq!(last.action, AuditAction::Delete);
    assert!(last.old_value.as_deref().unwrap().contains("Mai Văn Bảy"));
    assert_eq!(last.new_value, None);
    assert_eq!(last.reason.as_deref(), Some("hộ đã chuyển đi nơi khác"));
}

pub async fn search_ignores_case_and_diacritics<S: TestDb>(s: &S, _: &S) {
    let u = commune(s).await;
    for (code, head, address) in [
        ("H1", "Nguyễn Văn Đức", "Thôn Đông"),
        ("H2", "Đặng Thị Ứng", "Xóm Đình"),
        ("H3", "NGUYỄN THỊ ÁNH", "Thôn 3"),
        ("H4", "Lê Văn Dũng", "Thôn 3"),
        ("H5", "Trần Đức Anh", "Thôn 100%"),
    ] {
        let h = Household::new(hcode(code), u, head, address);
        s.create_household(&officer(), &h, &[Member::new(head, Relation::Head)])
            .await
            .unwrap();
    }
    let codes = |hits: Vec<ansinh_store::HouseholdHit>| {
        hits.into_iter()
            .map(|h| h.code.as_str().to_string())
            .collect::<Vec<_>>()
    };
    // Any word of the name, any case, any diacritics, đ/Đ included; Vietnamese order of the head's name.
    assert_eq!(
        codes(s.search_households("duc", 10).await.unwrap()),
        ["H1", "H5"]
    );
    assert_eq!(
        codes(s.search_households("ĐỨC", 10).await.unwrap()),
        ["H1", "H5"]
    );
    assert_eq!(
        codes(s.search_households("Đức", 10).await.unwrap()),
        ["H1", "H5"]
    );
    assert_eq!(
        codes(s.search_households("nguyen", 10).await.unwrap()),
        ["H3", "H1"]
    );
    assert_eq!(
        codes(s.search_households("nguyen van d", 10).await.unwrap()),
        ["H1"]
    );
    assert_eq!(
        codes(s.search_households("dang", 10).await.unwrap()),
        ["H2"]
    );
    assert_eq!(
        codes(s.search_households("dinh", 10).await.unwrap()),
        ["H2"]
    );
    assert_eq!(
        codes(s.search_households("nguyen", 1).await.unwrap()),
        ["H3"]
    );
    // LIKE wildcards in a query are plain characters.
    assert!(s.search_households("%", 10).await.unwrap().is_empty());
    assert!(s.search_households("_", 10).await.unwrap().is_empty());
    assert_eq!(
        codes(s.search_households("100%", 10).await.unwrap()),
        ["H5"]
    );
    assert!(s.search_households("   ", 10).await.unwrap().is_empty());
    assert!(s.search_households("xyz", 10).await.unwrap().is_empty());

    let hits = s.search_members("anh", 10).await.unwrap();
    let names: Vec<&str> = hits.iter().map(|h| h.full_name.as_str()).collect();
    assert_eq!(names, ["NGUYỄN THỊ ÁNH", "Trần Đức Anh"]);
    assert_eq!(hits[0].household_code.as_str(), "H3");
    // Ended memberships are not found.
    let h4 = s.household_by_code(&hcode("H4")).await.unwrap();
    let mut m = h4.members[0].member.clone();
    m.end_date = Some(d(2025, 1, 1));
    s.update_member(&fix("qua đời"), h4.members[0].id, 1, &m)
        .await
        .unwrap();
    assert!(s.search_members("dung", 10).await.unwrap().is_empty());
}

pub async fn search_keys_are_indexed<S: TestDb>(s: &S, _: &S) {
    for (table, index) in [
        ("members", "members_name_key"),
        ("members", "members_live_citizen_id"),
        ("households", "households_head_key_id"),
        ("households", "households_address_key_id"),
        ("units", "units_name_key"),
    ] {
        let have = s.indexes(table).await;
        assert!(
            have.iter().any(|i| i == index),
            "{table}: {have:?} lacks {index}"
        );
    }
}

fn record(h: HouseholdId, as_of: NaiveDate, class: Option<Class>) -> ClassificationRecord {
    ClassificationRecord {
        household: h,
        standard_id: "vn-2022-2025".into(),
        as_of,
        class,
        deficit_count: 3,
        deprived: vec![
            "employment".into(),
            "health_insurance".into(),
            "housing_area".into(),
        ],
        income_per_capita_vnd: Some(1_200_000),
        unconfirmed: true,
    }
}

pub async fn classification_history_is_kept_and_append_only<S: TestDb>(s: &S, _: &S) {
    let u = commune(s).await;
    let h = household(s, u, "H1", "Cao Văn Tám", &[]).await.unwrap();
    let later = record(h.id, d(2024, 10, 1), Some(Class::NearPoor));
    let mut earlier = record(h.id, d(2023, 10, 1), None);
    earlier.deprived.clear();
    earlier.income_per_capita_vnd = None;
    s.append_classification(&officer(), &later).await.unwrap();
    s.append_classification(&officer(), &earlier).await.unwrap();
    let history = s.classification_history(h.id).await.unwrap();
    assert_eq!(
        history.iter().map(|e| e.record.clone()).collect::<Vec<_>>(),
        vec![earlier, later]
    );
    assert_eq!(history[0].actor, "can_bo_xa_01");
    assert!((Utc::now() - history[0].recorded_at).num_minutes().abs() < 5);
    assert!(matches!(
        s.append_classification(
            &officer(),
            &record(HouseholdId(999_999), d(2024, 1, 1), None)
        )
        .await
        .unwrap_err(),
        StoreError::NotFound { .. }
    ));
    // The database refuses to change or remove history.
    assert!(
        s.raw("UPDATE classifications SET class = 'not_poor'")
            .await
            .is_err()
    );
    assert!(s.raw("DELETE FROM classifications").await.is_err());
    assert_eq!(s.classification_history(h.id).await.unwrap(), history);
    let trail = s.audit_trail(Entity::Classification, None).await.unwrap();
    assert_eq!(trail.len(), 2);
    assert!(trail[0].new_value.as_deref().unwrap().contains("near_poor"));
}

pub async fn audit_trail_records_who_when_where_what_why<S: TestDb>(s: &S, _: &S) {
    let u = commune(s).await;
    let ctx = ChangeContext::new("can_bo_xa_02", "192.0.2.10");
    let h = s
        .create_household(
            &ctx,
            &Household::new(hcode("H1"), u, "Tạ Văn Chín", "Thôn 9"),
            &[member("Tạ Văn Chín", Relation::Head, Some("001060000009"))],
        )
        .await
        .unwrap();
    let mut changed = h.household.clone();
    changed.head_name = NfcText::new("Tạ Văn Chính");
    s.update_household(&ctx.because("sai chính tả tên chủ hộ"), h.id, 1, &changed)
        .await
        .unwrap();

    let trail = s
        .audit_trail(Entity::Household, Some(h.id.0))
        .await
        .unwrap();
    assert_eq!(trail.len(), 2);
    let (ins, upd) = (&trail[0], &trail[1]);
    assert_eq!(ins.action, AuditAction::Insert);
    assert_eq!(
        (ins.actor.as_str(), ins.origin.as_str()),
        ("can_bo_xa_02", "192.0.2.10")
    );
    assert_eq!(ins.old_value, None);
    assert!(ins.new_value.as_deref().unwrap().contains("Tạ Văn Chín"));
    assert_eq!(ins.reason, None);
    assert!((Utc::now() - ins.at).num_minutes().abs() < 5);
    assert_eq!(upd.action, AuditAction::Update);
    assert!(
        upd.old_value
            .as_deref()
            .unwrap()
            .contains("\"Tạ Văn Chín\"")
    );
    assert!(
        upd.new_value
            .as_deref()
            .unwrap()
            .contains("\"Tạ Văn Chính\"")
    );
    assert_eq!(upd.reason.as_deref(), Some("sai chính tả tên chủ hộ"));
    assert!(ins.id < upd.id);
    let members = s
        .audit_trail(Entity::Member, Some(h.members[0].id.0))
        .await
        .unwrap();
    assert_eq!(members.len(), 1);
    assert!(
        members[0]
            .new_value
            .as_deref()
            .unwrap()
            .contains("001060000009")
    );
    // Application events.
    let id = s
        .append_audit(
            &ctx,
            &AuditEvent {
                entity: Entity::Event,
                entity_id: None,
                detail: r#"{"export":"danh sách hộ nghèo","rows":1}"#.into(),
            },
        )
        .await
        .unwrap();
    let events = s.audit_trail(Entity::Event, None).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id, id);
    assert_eq!(events[0].action, AuditAction::Event);
}

pub async fn audit_trail_cannot_be_altered<S: TestDb>(s: &S, _: &S) {
    let u = commune(s).await;
    household(s, u, "H1", "Đinh Văn Mười", &[]).await.unwrap();
    let count = || s.raw_text("SELECT CAST(COUNT(*) AS TEXT) FROM audit_log");
    let before = count().await.unwrap();
    assert!(
        s.raw("UPDATE audit_log SET actor = 'someone_else'")
            .await
            .is_err()
    );
    assert!(
        s.raw("UPDATE audit_log SET reason = 'x' WHERE id = 1")
            .await
            .is_err()
    );
    assert!(s.raw("DELETE FROM audit_log WHERE id = 1").await.is_err());
    assert!(s.raw("DELETE FROM audit_log").await.is_err());
    let _ = s.raw("TRUNCATE audit_log").await; // PostgreSQL refuses; SQLite has no TRUNCATE.
    assert_eq!(count().await.unwrap(), before);
    let trail = s.audit_trail(Entity::Unit, None).await.unwrap();
    assert!(trail.iter().all(|e| e.actor == "can_bo_xa_01"));
}

pub async fn stored_households_can_be_classified<S: TestDb>(s: &S, _: &S) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../standards");
    let mut files = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            files.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    let registry = StandardSet::load(&files).unwrap();
    let standard = registry.get("vn-2022-2025").unwrap();

    let u = commune(s).await; // a rural commune: its area is the income line
    let as_of = d(2024, 10, 1);
    let adult = |name: &str, labour: Labour, insured: bool| {
        let mut m = Member::new(name, Relation::Head);
        m.date_of_birth = Some(d(1980, 1, 1));
        m.sex = Some(Sex::Male);
        m.labour_status = Some(labour);
        m.has_health_insurance = Some(insured);
        m.education_level = Some(Education::UpperSecondary);
        m.attending_school = Some(false);
        m.in_training = Some(false);
        m.stunted_or_underweight = Some(false);
        m.is_disabled = Some(false);
        m.receives_social_allowance = Some(false);
        m.sick_untreated = Some(false);
        m
    };
    let mut poor = Household::new(hcode("POOR"), u, "Lò Văn Một", "Bản Một");
    poor.housing_quality = Some(Housing::Makeshift);
    poor.floor_area_m2 = Some(6.0);
    poor.water_source = Some(Water::Unprotected);
    poor.toilet = Some(Toilet::NoToilet);
    poor.uses_telecom = Some(false);
    poor.has_info_device = Some(false);
    poor.hears_loudspeaker = Some(false);
    poor.uses_internet = Some(false);
    poor.uses_digital_services = Some(false);
    poor.waste_treated = Some(false);
    poor.incomes.push(IncomeRecord {
        recorded_on: d(2024, 9, 1),
        monthly_income_vnd: Vnd(900_000),
        note: None,
    });
    let mut rich = Household::new(hcode("RICH"), u, "Lò Văn Hai", "Bản Hai");
    rich.housing_quality = Some(Housing::Solid);
    rich.floor_area_m2 = Some(120.0);
    rich.water_source = Some(Water::Piped);
    rich.toilet = Some(Toilet::FlushSeptic);
    for f in [
        &mut rich.uses_telecom,
        &mut rich.has_info_device,
        &mut rich.hears_loudspeaker,
        &mut rich.uses_internet,
        &mut rich.uses_digital_services,
        &mut rich.waste_treated,
    ] {
        *f = Some(true);
    }
    rich.incomes.push(IncomeRecord {
        recorded_on: d(2024, 9, 1),
        monthly_income_vnd: Vnd(60_000_000),
        note: None,
    });
    s.create_household(
        &officer(),
        &poor,
        &[adult("Lò Văn Một", Labour::Unemployed, false)],
    )
    .await
    .unwrap();
    s.create_household(
        &officer(),
        &rich,
        &[adult("Lò Văn Hai", Labour::EmployedFormal, true)],
    )
    .await
    .unwrap();

    let stored = s.households_in_units(&[u]).await.unwrap();
    let (ids, batch) = batch_of(s, &stored, as_of).await.unwrap();
    assert_eq!(batch.households(), 2);
    let results = ansinh_domain::classify(standard, &batch);
    let class_of = |code: &str| {
        let i = stored
            .iter()
            .position(|h| h.household.code.as_str() == code)
            .unwrap();
        results.class_of(i)
    };
    assert_eq!(class_of("POOR"), Some(Class::Poor));
    assert_eq!(class_of("RICH"), Some(Class::NotPoor));
    // The result goes into the history.
    for (i, &id) in ids.iter().enumerate() {
        s.append_classification(
            &officer(),
            &ClassificationRecord {
                household: id,
                standard_id: standard.id.clone(),
                as_of,
                class: results.class_of(i),
                deficit_count: results.deficit_count[i],
                deprived: Vec::new(),
                income_per_capita_vnd: None,
                unconfirmed: standard.is_unconfirmed(),
            },
        )
        .await
        .unwrap();
        assert_eq!(s.classification_history(id).await.unwrap().len(), 1);
    }
}

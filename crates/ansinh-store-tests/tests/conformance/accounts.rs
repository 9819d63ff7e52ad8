//! Accounts (the web application's users): created, listed, changed, disabled and enabled, on both
//! backends; the registry always keeps an active administrator, every other role keeps a unit, and an
//! account that is disabled or moved loses its open sessions, and a partner agency account names the
//! agency whose lists it receives. Every change is in the audit trail.

use chrono::{Duration, NaiveDate, Utc};

use ansinh_domain::registry::{
    Household, HouseholdCode, Member, Relation, Unit, UnitCode, UnitId, UnitKind,
};
use ansinh_domain::standard::Class;
use ansinh_domain::text::NfcText;
use ansinh_store::ClassificationRecord;
use ansinh_store::accounts::{AccountStore, NewUser, Role, Session, UserChange, UserId};
use ansinh_store::{AccountProblem, ChangeContext, Entity, Invalid, Store, StoreError};

macro_rules! accounts_conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let h = crate::harness::sqlite(stringify!($name)).await;
                    super::$name(&h.store).await;
                    h.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(h) = crate::harness::postgres(stringify!($name)).await else { return };
                    super::$name(&h.store).await;
                    h.finish().await;
                }
            )*
        }
    };
}

accounts_conformance!(
    accounts_are_listed_changed_and_audited,
    the_last_administrator_cannot_be_removed,
    a_disabled_or_moved_account_loses_its_sessions,
    a_partner_agency_account_names_its_agency,
    search_and_history_are_read_within_a_subtree,
);

fn admin_ctx() -> ChangeContext {
    ChangeContext::new("admin", "10.0.0.1")
}

async fn commune<S: Store>(s: &S, code: &str, name: &str) -> UnitId {
    s.create_unit(
        &admin_ctx(),
        &Unit {
            code: UnitCode::parse(code).unwrap(),
            name: NfcText::new(name),
            kind: UnitKind::Commune,
            area: UnitKind::Commune.usual_area(),
            parent: None,
            valid_from: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            valid_to: None,
        },
    )
    .await
    .unwrap()
}

async fn user<S: AccountStore>(s: &S, name: &str, role: Role, unit: Option<UnitId>) -> UserId {
    s.create_user(
        &admin_ctx(),
        &NewUser {
            username: name.into(),
            display_name: format!("Cán bộ {name}"),
            password_hash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA".into(),
            role,
            unit,
            agency: (role == Role::Partner).then(|| "bhxh".into()),
        },
    )
    .await
    .unwrap()
}

async fn session<S: AccountStore>(s: &S, token: &str, id: UserId) {
    let now = Utc::now();
    s.create_session(&Session {
        token_hash: token.into(),
        user: id,
        csrf_token: "csrf".into(),
        created_at: now,
        expires_at: now + Duration::hours(8),
    })
    .await
    .unwrap();
}

fn account_problem(e: &StoreError) -> Option<AccountProblem> {
    match e {
        StoreError::Invalid(Invalid::Account(p)) => Some(*p),
        _ => None,
    }
}

async fn accounts_are_listed_changed_and_audited<S: Store + AccountStore>(s: &S) {
    let a = commune(s, "00001", "Xã Tân Lập").await;
    let b = commune(s, "00004", "Phường Hà Đông").await;
    user(s, "admin", Role::Admin, None).await;
    let officer = user(s, "xa.tanlap", Role::CommuneOfficer, Some(a)).await;
    user(s, "doitac", Role::Partner, Some(a)).await;

    let names: Vec<String> = s
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(
        names,
        ["admin", "doitac", "xa.tanlap"],
        "listed by login name"
    );

    // The officer moves to another commune under a new name written in NFD: stored NFC.
    let moved = s
        .update_user(
            &admin_ctx().because("điều động công tác"),
            officer,
            &UserChange {
                display_name: "Nguye\u{0302}\u{0303}n Thị Hoa".into(),
                role: Role::CommuneOfficer,
                unit: Some(b),
                agency: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.unit, Some(b));
    assert_eq!(moved.display_name, "Nguyễn Thị Hoa");

    // A role other than administrator without a unit is refused, and nothing changes.
    let e = s
        .update_user(
            &admin_ctx(),
            officer,
            &UserChange {
                display_name: "Nguyễn Thị Hoa".into(),
                role: Role::Supervisor,
                unit: None,
                agency: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(account_problem(&e), Some(AccountProblem::UnitRequired));
    assert_eq!(e.code(), "ACC_UNIT_REQUIRED");
    assert_eq!(s.user(officer).await.unwrap().role, Role::CommuneOfficer);

    let disabled = s
        .set_user_active(&admin_ctx(), officer, false)
        .await
        .unwrap();
    assert!(!disabled.active);
    assert!(
        s.set_user_active(&admin_ctx(), officer, true)
            .await
            .unwrap()
            .active
    );

    // Every change is in the audit trail with the old and new values and the reason.
    let trail = s.audit_trail(Entity::Event, Some(officer.0)).await.unwrap();
    let details: Vec<String> = trail.iter().filter_map(|e| e.new_value.clone()).collect();
    assert_eq!(details.len(), 4, "{details:?}");
    assert!(details[0].contains("user_created"));
    assert!(details[1].contains("user_changed") && details[1].contains(&a.0.to_string()));
    assert_eq!(trail[1].reason.as_deref(), Some("điều động công tác"));
    assert!(details[2].contains("user_disabled"));
    assert!(details[3].contains("user_enabled"));

    // Unknown accounts are not found.
    let e = s
        .set_user_active(&admin_ctx(), UserId(9_999), false)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "REG_NOT_FOUND");
}

async fn the_last_administrator_cannot_be_removed<S: Store + AccountStore>(s: &S) {
    let a = commune(s, "00001", "Xã Tân Lập").await;
    let admin = user(s, "admin", Role::Admin, None).await;
    let demote = UserChange {
        display_name: "Quản trị".into(),
        role: Role::Supervisor,
        unit: Some(a),
        agency: None,
    };
    let e = s
        .set_user_active(&admin_ctx(), admin, false)
        .await
        .unwrap_err();
    assert_eq!(account_problem(&e), Some(AccountProblem::LastAdministrator));
    assert_eq!(e.code(), "ACC_LAST_ADMIN");
    let e = s
        .update_user(&admin_ctx(), admin, &demote)
        .await
        .unwrap_err();
    assert_eq!(account_problem(&e), Some(AccountProblem::LastAdministrator));
    let kept = s.user(admin).await.unwrap();
    assert!(
        kept.active && kept.role == Role::Admin,
        "nothing was written"
    );

    // With a second administrator, the first may go.
    user(s, "admin2", Role::Admin, None).await;
    s.update_user(&admin_ctx(), admin, &demote).await.unwrap();
    assert_eq!(s.user(admin).await.unwrap().role, Role::Supervisor);
}

async fn a_disabled_or_moved_account_loses_its_sessions<S: Store + AccountStore>(s: &S) {
    let a = commune(s, "00001", "Xã Tân Lập").await;
    let b = commune(s, "00004", "Phường Hà Đông").await;
    user(s, "admin", Role::Admin, None).await;
    let officer = user(s, "xa.tanlap", Role::CommuneOfficer, Some(a)).await;
    let now = Utc::now();

    session(s, "t1", officer).await;
    // A new display name alone keeps the session: what the account may see did not change.
    let rename = UserChange {
        display_name: "Trần Văn Nam".into(),
        role: Role::CommuneOfficer,
        unit: Some(a),
        agency: None,
    };
    s.update_user(&admin_ctx(), officer, &rename).await.unwrap();
    assert!(s.session("t1", now).await.unwrap().is_some());
    // Moved to another commune: the session ends.
    let moved = UserChange {
        unit: Some(b),
        ..rename
    };
    s.update_user(&admin_ctx(), officer, &moved).await.unwrap();
    assert!(s.session("t1", now).await.unwrap().is_none());

    session(s, "t2", officer).await;
    s.set_user_active(&admin_ctx(), officer, false)
        .await
        .unwrap();
    assert!(s.session("t2", now).await.unwrap().is_none());
}

async fn a_partner_agency_account_names_its_agency<S: Store + AccountStore>(s: &S) {
    let a = commune(s, "00001", "Xã Tân Lập").await;
    user(s, "admin", Role::Admin, None).await;
    let new = |agency: Option<&str>| NewUser {
        username: "bhxh.tanlap".into(),
        display_name: "Bảo hiểm xã hội huyện".into(),
        password_hash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA".into(),
        role: Role::Partner,
        unit: Some(a),
        agency: agency.map(str::to_string),
    };

    // Without its agency, or with one that is not an identifier, nothing is created.
    for missing in [None, Some(""), Some("  ")] {
        let e = s
            .create_user(&admin_ctx(), &new(missing))
            .await
            .unwrap_err();
        assert_eq!(account_problem(&e), Some(AccountProblem::AgencyRequired));
        assert_eq!(e.code(), "ACC_AGENCY_REQUIRED");
    }
    let e = s
        .create_user(&admin_ctx(), &new(Some("Bảo hiểm")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "REG_INVALID", "{e}");
    assert_eq!(s.count_users().await.unwrap(), 1, "only the administrator");

    let id = s
        .create_user(&admin_ctx(), &new(Some("bhxh")))
        .await
        .unwrap();
    assert_eq!(s.user(id).await.unwrap().agency.as_deref(), Some("bhxh"));

    // Given another agency's list, it loses its sessions (what it may see changed); audited.
    session(s, "p1", id).await;
    let to_school = UserChange {
        display_name: "Bảo hiểm xã hội huyện".into(),
        role: Role::Partner,
        unit: Some(a),
        agency: Some("school".into()),
    };
    let after = s.update_user(&admin_ctx(), id, &to_school).await.unwrap();
    assert_eq!(after.agency.as_deref(), Some("school"));
    assert!(s.session("p1", Utc::now()).await.unwrap().is_none());
    let trail = s.audit_trail(Entity::Event, Some(id.0)).await.unwrap();
    let last = trail.last().and_then(|e| e.new_value.clone()).unwrap();
    assert!(
        last.contains("\"agency\":\"bhxh\"") && last.contains("\"agency\":\"school\""),
        "{last}"
    );

    // A partner without agency is refused and nothing changes; another role keeps none.
    let e = s
        .update_user(
            &admin_ctx(),
            id,
            &UserChange {
                agency: None,
                ..to_school.clone()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(account_problem(&e), Some(AccountProblem::AgencyRequired));
    assert_eq!(s.user(id).await.unwrap().agency.as_deref(), Some("school"));
    let officer = UserChange {
        role: Role::Supervisor,
        ..to_school
    };
    let after = s.update_user(&admin_ctx(), id, &officer).await.unwrap();
    assert_eq!((after.role, after.agency), (Role::Supervisor, None));
}

/// Search within a subtree: another commune's households are never found; when more households match
/// than asked for, those whose name (or address) starts with the query come first, and the hits are in
/// Vietnamese order of the head's name. The classification history of a page of results is read for
/// those households only.
async fn search_and_history_are_read_within_a_subtree<S: Store + AccountStore>(s: &S) {
    let a = commune(s, "00001", "Xã Một").await;
    let b = commune(s, "00002", "Xã Hai").await;
    let ctx = admin_ctx();
    let mut ids = Vec::new();
    for (code, unit, head) in [
        ("A1", a, "Lan Văn Hùng"),
        ("A2", a, "Bùi Thị Lan"),
        ("A3", a, "Trần Văn Nam"),
        ("B1", b, "Lan Thị Hoa"),
    ] {
        let h = s
            .create_household(
                &ctx,
                &Household::new(HouseholdCode::parse(code).unwrap(), unit, head, "Thôn 1"),
                &[Member::new(head, Relation::Head)],
            )
            .await
            .unwrap();
        ids.push(h.id);
    }
    let codes = |hits: Vec<ansinh_store::HouseholdHit>| {
        hits.into_iter()
            .map(|h| h.code.as_str().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        codes(s.search_households_under(Some(a), "lan", 10).await.unwrap()),
        ["A2", "A1"],
        "a word or the start of the name, in Vietnamese order; not commune B's"
    );
    assert_eq!(
        codes(s.search_households_under(Some(a), "lan", 1).await.unwrap()),
        ["A1"],
        "the name that starts with the query first"
    );
    assert_eq!(
        codes(s.search_households_under(None, "lan", 10).await.unwrap()),
        ["A2", "B1", "A1"]
    );
    assert_eq!(
        codes(
            s.search_households_under(Some(b), "thon 1", 10)
                .await
                .unwrap()
        ),
        ["B1"],
        "the address too"
    );
    for (h, y, c) in [
        (ids[0], 2024, Class::Poor),
        (ids[0], 2025, Class::NearPoor),
        (ids[3], 2025, Class::Poor),
    ] {
        s.append_classification(
            &ctx,
            &ClassificationRecord {
                household: h,
                standard_id: "vn-2022-2025".into(),
                as_of: NaiveDate::from_ymd_opt(y, 10, 1).unwrap(),
                class: Some(c),
                deficit_count: 3,
                deprived: vec!["housing_area".into()],
                income_per_capita_vnd: Some(1_200_000),
                unconfirmed: false,
            },
        )
        .await
        .unwrap();
    }
    let of_a1 = s.classifications_of(&[ids[0], ids[1]]).await.unwrap();
    assert_eq!(
        of_a1
            .iter()
            .map(|f| (f.household, f.class.as_str()))
            .collect::<Vec<_>>(),
        [(ids[0], "poor"), (ids[0], "near_poor")]
    );
    assert_eq!(of_a1[0].deprived, ["housing_area"]);
    assert_eq!(s.classifications_under(Some(a)).await.unwrap(), of_a1);
    assert!(s.classifications_of(&[]).await.unwrap().is_empty());
}

//! The printable outputs of two approved periodic rounds of a small commune (two villages, five
//! households), built through the real SQLite store: the summary workbook read back cell by cell, the
//! PDFs valid with the expected page counts, the markup carrying the Vietnamese text, the posted list
//! without personal data, and the refusals of a round that is not approved.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;

use ansinh_domain::registry::{
    Household, HouseholdCode, HouseholdId, Labour, Member, Relation, Unit, UnitCode, UnitId,
    UnitKind,
};
use ansinh_domain::review::{
    DeprivationForm, IncomeForm, Meeting, Participant, Role, RoundKind, Stage, Tally, Workflow,
};
use ansinh_domain::standard::{Class, Standard, StandardSet};
use ansinh_domain::text::NfcText;
use ansinh_reports::{ReportError, assemble, markup};
use ansinh_store::review::{FormInput, NewRound, ReviewStore, RoundId, Step};
use ansinh_store::{ChangeContext, Store};
use ansinh_store_sqlite::SqliteStore;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn ctx() -> ChangeContext {
    ChangeContext::new("can_bo_xa_01", "test")
}

fn wf() -> Workflow {
    ansinh_rulebook::Rulebook::builtin()
        .map(|r| r.workflows().clone())
        .unwrap()
        .all()[0]
        .clone()
}

fn standard() -> Standard {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../standards");
    let mut files = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            files.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    StandardSet::load(&files)
        .unwrap()
        .get("vn-2022-2025")
        .unwrap()
        .clone()
}

async fn unit(
    s: &SqliteStore,
    code: &str,
    name: &str,
    kind: UnitKind,
    parent: Option<UnitId>,
) -> UnitId {
    s.create_unit(
        &ctx(),
        &Unit {
            code: UnitCode::parse(code).unwrap(),
            name: NfcText::new(name),
            kind,
            area: Some(ansinh_domain::registry::Area::Rural),
            parent,
            valid_from: d(2008, 8, 1),
            valid_to: None,
        },
    )
    .await
    .unwrap()
}

/// A scored form: `better_off` picks answers above the income line; the first `deprived` indicators.
fn form(
    std: &Standard,
    household: HouseholdId,
    on: NaiveDate,
    better_off: bool,
    deprived: usize,
) -> FormInput {
    let t = ansinh_rulebook::Rulebook::builtin()
        .map(|r| r.scoring().clone())
        .unwrap()
        .for_standard("vn-2022-2025", None)
        .unwrap()
        .clone();
    let mut answers: BTreeMap<String, String> = [
        ("household_size", "5"),
        ("highest_education", "primary"),
        ("non_farm_work", "no"),
        ("pension", "no"),
        ("housing", "less_durable"),
        ("floor_area_per_person", "lt8"),
        ("electricity", "50to100"),
        ("assets", "1to2"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if better_off {
        for (k, v) in [
            ("pension", "yes"),
            ("housing", "solid"),
            ("assets", "3plus"),
            ("non_farm_work", "yes"),
        ] {
            answers.insert(k.into(), v.into());
        }
    }
    let income = IncomeForm {
        region: "nt1".into(),
        answers,
    };
    let deprivation = DeprivationForm {
        deprived: std
            .indicators
            .iter()
            .enumerate()
            .map(|(i, ind)| (ind.id.clone(), i < deprived))
            .collect(),
    };
    let r = t.score(std, &income, &deprivation).unwrap();
    FormInput {
        household,
        surveyed_on: on,
        tables_id: t.id.clone(),
        placeholder: t.placeholder,
        income,
        deprivation,
        quick_screen: None,
        score_a: r.score_a,
        score_b: r.score_b,
        class: r.class,
        explanation_vi: r.text_vi,
        explanation_en: r.text_en,
    }
}

struct Commune {
    store: SqliteStore,
    path: std::path::PathBuf,
    commune: UnitId,
    /// (id, code, village unit) of households 1-5.
    hs: Vec<(HouseholdId, HouseholdCode, UnitId)>,
    r2024: RoundId,
    r2025: RoundId,
    /// A round of 2026 still at scoring.
    r2026: RoundId,
}

/// Walks a periodic round of `year` to approval; `plan` gives each household (better off, deprived).
async fn approved_round(
    s: &SqliteStore,
    commune: UnitId,
    hs: &[(HouseholdId, HouseholdCode, UnitId)],
    year: i32,
    plan: &[(bool, usize)],
    stop_at_scoring: bool,
) -> RoundId {
    let w = wf();
    let std = standard();
    let c = ctx();
    let r = s
        .create_round(
            &c,
            &NewRound {
                kind: RoundKind::Periodic,
                unit: commune,
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
        s.add_to_list(&c, r.id, *h, d(year, 9, 16)).await.unwrap();
    }
    s.advance(&c, r.id, Step::CloseList, d(year, 9, 17), &w)
        .await
        .unwrap();
    for ((h, _, _), (better, dep)) in hs.iter().zip(plan) {
        s.save_form(&c, r.id, &form(&std, *h, d(year, 9, 20), *better, *dep))
            .await
            .unwrap();
    }
    if stop_at_scoring {
        return r.id;
    }
    s.advance(&c, r.id, Step::FinishScoring, d(year, 9, 25), &w)
        .await
        .unwrap();
    let m = Meeting {
        village: "Thôn Đồng Mới".into(),
        held_on: d(year, 10, 1),
        attendees: 10,
        participants: vec![
            Participant {
                name: "Nguyễn Văn Trưởng".into(),
                role: Role::Chair,
            },
            Participant {
                name: "Lê Thị Thư".into(),
                role: Role::Secretary,
            },
        ],
        votes: hs
            .iter()
            .map(|(_, code, _)| Tally {
                household: code.to_string(),
                agree: 8,
                disagree: 2,
            })
            .collect(),
    };
    s.record_meeting(&c, r.id, &m, "biên bản", &w)
        .await
        .unwrap();
    let posted = s
        .advance(&c, r.id, Step::Post, d(year, 10, 2), &w)
        .await
        .unwrap();
    let until = posted.round.posting_until(&w).unwrap();
    let after = until.succ_opt().unwrap();
    s.advance(&c, r.id, Step::EndPosting, after, &w)
        .await
        .unwrap();
    s.advance(&c, r.id, Step::CloseComplaints, after, &w)
        .await
        .unwrap();
    s.advance(&c, r.id, Step::RecordConsultation, after, &w)
        .await
        .unwrap();
    let on = d(year, 11, 20);
    // The application's own snapshot code; each household keeps the unit it is recorded under.
    let round = s.review_round(r.id).await.unwrap();
    let entries = ansinh_app::review::snapshot_entries(s, &round, on, &w)
        .await
        .unwrap();
    for e in &entries {
        let unit = hs.iter().find(|(h, _, _)| *h == e.household).unwrap().2;
        assert_eq!(e.unit, unit);
    }
    s.approve(&c, r.id, on, &entries, &w).await.unwrap();
    r.id
}

fn member(
    name: &str,
    rel: Relation,
    ethnicity: &str,
    labour: Option<Labour>,
    allowance: bool,
) -> Member {
    let mut m = Member::new(name, rel);
    m.ethnicity = Some(NfcText::new(ethnicity));
    m.labour_status = labour;
    m.receives_social_allowance = Some(allowance);
    m.date_of_birth = Some(d(1961, 7, 14));
    m
}

/// Xã Tân Lập with Thôn Đồng Mới (H1-H3) and Thôn Bản Pước (H4, H5).
/// 2024: H1 poor (3 deprived), H2 poor (4), H3 near-poor (1), H4 near-poor (0), H5 not poor.
/// 2025: H1 poor, H2 escaped to not poor, H3 poor (from near-poor), H4 near-poor, H5 poor (newly).
async fn commune() -> Commune {
    let path = std::env::temp_dir().join(format!(
        "ansinh-reports-test-{}-{}.db",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap()
    ));
    let s = SqliteStore::open(&path).await.unwrap();
    let district = unit(&s, "D01", "Huyện Sơn Động", UnitKind::District, None).await;
    let commune = unit(&s, "09552", "Xã Tân Lập", UnitKind::Commune, Some(district)).await;
    let v1 = unit(
        &s,
        "09552-01",
        "Thôn Đồng Mới",
        UnitKind::Village,
        Some(commune),
    )
    .await;
    let v2 = unit(
        &s,
        "09552-02",
        "Thôn Bản Pước",
        UnitKind::Village,
        Some(commune),
    )
    .await;
    let mut people: [(&str, &str, UnitId, Vec<Member>); 5] = [
        (
            "H1",
            "Hoàng Văn Đức",
            v1,
            vec![member(
                "Hoàng Văn Đức",
                Relation::Head,
                "Tày",
                Some(Labour::EmployedInformal),
                false,
            )],
        ),
        (
            "H2",
            "Lê Thị Ngữ",
            v1,
            vec![member(
                "Lê Thị Ngữ",
                Relation::Head,
                "Kinh",
                Some(Labour::NotInLabourForce),
                true,
            )],
        ),
        (
            "H3",
            "Phạm Văn Bậc",
            v1,
            vec![member(
                "Phạm Văn Bậc",
                Relation::Head,
                "Kinh",
                Some(Labour::EmployedFormal),
                false,
            )],
        ),
        (
            "H4",
            "Đặng Thị Lữ",
            v2,
            vec![member(
                "Đặng Thị Lữ",
                Relation::Head,
                "Dao",
                Some(Labour::NotInLabourForce),
                false,
            )],
        ),
        (
            "H5",
            "Trần Văn Ậu",
            v2,
            vec![member("Trần Văn Ậu", Relation::Head, "Kinh", None, false)],
        ),
    ];
    // Only H1's head has a citizen ID (unique across the registry): it must never be posted.
    people[0].3[0].citizen_id =
        Some(ansinh_domain::registry::CitizenId::parse("001090000123").unwrap());
    let mut hs = Vec::new();
    for (code, head, v, members) in people {
        let h = Household::new(HouseholdCode::parse(code).unwrap(), v, head, "Xóm Trên");
        let stored = s.create_household(&ctx(), &h, &members).await.unwrap();
        hs.push((stored.id, h.code, v));
    }
    let r2024 = approved_round(
        &s,
        commune,
        &hs,
        2024,
        &[(false, 3), (false, 4), (false, 1), (false, 0), (true, 0)],
        false,
    )
    .await;
    let r2025 = approved_round(
        &s,
        commune,
        &hs,
        2025,
        &[(false, 3), (true, 0), (false, 3), (false, 0), (false, 5)],
        false,
    )
    .await;
    let r2026 = approved_round(&s, commune, &hs, 2026, &[(false, 3); 5], true).await;
    Commune {
        store: s,
        path,
        commune,
        hs,
        r2024,
        r2025,
        r2026,
    }
}

fn cell(r: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match r.get_value((row, col)) {
        Some(Data::Float(f)) => format!("{f}"),
        Some(Data::Int(i)) => format!("{i}"),
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-") && bytes.windows(5).rev().take(64).any(|w| w == b"%%EOF")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printouts_of_approved_rounds() {
    let c = commune().await;
    let s = &c.store;
    let std = standard();
    let w = wf();
    // The classes the plan should give (checked first: every count below depends on them).
    let snap = s.snapshots(c.r2025).await.unwrap().pop().unwrap();
    let classes: Vec<(String, Class, String)> = snap
        .entries
        .iter()
        .map(|e| (e.household_code.to_string(), e.class, e.transition.clone()))
        .collect();
    assert_eq!(
        classes,
        [
            ("H1".into(), Class::Poor, "remains_poor".into()),
            ("H2".into(), Class::NotPoor, "escaped_poverty".into()),
            ("H3".into(), Class::Poor, "poor_from_near_poor".into()),
            ("H4".into(), Class::NearPoor, "remains_near_poor".into()),
            ("H5".into(), Class::Poor, "newly_poor".into()),
        ]
    );

    // --- summary workbook, read back
    let sum = assemble::summary(s, c.commune, 2025, Some(&std), d(2025, 12, 2))
        .await
        .unwrap();
    let bytes = ansinh_reports::summary_xlsx(&sum).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let v = wb.worksheet_range("Theo thôn").unwrap();
    assert_eq!(cell(&v, 3, 0), "Thôn, tổ dân phố");
    assert!(cell(&v, 1, 0).starts_with("Xã Tân Lập — năm 2025"));
    // Villages in name order: Bản Pước, Đồng Mới, then the total.
    // reviewed, poor, near-poor, escaped poverty, escaped near-poverty, newly poor, re-poor, newly near-poor, average
    let row = |r: u32| (1..=9).map(|col| cell(&v, r, col)).collect::<Vec<_>>();
    assert_eq!(cell(&v, 4, 0), "Thôn Bản Pước");
    assert_eq!(row(4), ["2", "1", "1", "0", "0", "1", "0", "0", "0"]);
    assert_eq!(cell(&v, 5, 0), "Thôn Đồng Mới");
    assert_eq!(row(5), ["3", "2", "0", "1", "0", "0", "0", "0", "0"]);
    assert_eq!(cell(&v, 6, 0), "Tổng cộng");
    assert_eq!(row(6), ["5", "3", "1", "1", "0", "1", "0", "0", "0"]);
    // Groups: H1 Tày (poor) and H4 Dao (near-poor) are ethnic minority; H2 (allowance) is not poor now;
    // H4 has no one in the labour force; H5 has no labour status recorded (not counted).
    let g = wb.worksheet_range("Theo nhóm").unwrap();
    assert_eq!(cell(&g, 4, 0), "Hộ dân tộc thiểu số");
    assert_eq!((cell(&g, 4, 1), cell(&g, 4, 2)), ("1".into(), "1".into()));
    assert_eq!(
        cell(&g, 5, 1),
        "không có dữ liệu",
        "people with merit are not recorded"
    );
    assert_eq!((cell(&g, 6, 1), cell(&g, 6, 2)), ("0".into(), "0".into()));
    assert_eq!(cell(&g, 7, 0), "Hộ không có khả năng lao động");
    assert_eq!((cell(&g, 7, 1), cell(&g, 7, 2)), ("0".into(), "1".into()));
    // Indicators: the first indicator is deprived for H1, H3, H5 (poor), not for H4.
    let i = wb.worksheet_range("Theo chỉ số").unwrap();
    assert_eq!(cell(&i, 4, 0), std.indicators[0].vi);
    assert_eq!((cell(&i, 4, 1), cell(&i, 4, 2)), ("3".into(), "0".into()));
    // The 4th and 5th indicators: H5 only.
    assert_eq!((cell(&i, 7, 1), cell(&i, 8, 1)), ("1".into(), "1".into()));
    // Causes: income only = H4 (near-poor, nothing deprived).
    let k = wb.worksheet_range("Theo nguyên nhân").unwrap();
    assert!(cell(&k, 4, 0).starts_with("Chỉ thiếu hụt thu nhập"));
    assert_eq!((cell(&k, 4, 1), cell(&k, 4, 2)), ("0".into(), "1".into()));
    let dim0 = &std.indicators[0].dimension;
    let drow = 5 + std.dimensions.iter().position(|x| &x.id == dim0).unwrap() as u32;
    assert_eq!(cell(&k, drow, 1), "3");
    // Movement 2024 → 2025, poor list of Thôn Đồng Mới: start 2 (H1, H2), −1 escaped (H2),
    // +1 from near-poor (H3), end 2. Bản Pước poor: start 0, +1 newly arising (H5), end 1.
    let m = wb.worksheet_range("Biến động").unwrap();
    let mrow = |r: u32| (0..11).map(|col| cell(&m, r, col)).collect::<Vec<_>>();
    assert_eq!(
        mrow(4),
        [
            "Thôn Bản Pước",
            "Hộ nghèo",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            "1",
            "0",
            "1"
        ]
    );
    assert_eq!(
        mrow(5),
        [
            "Thôn Bản Pước",
            "Hộ cận nghèo",
            "1",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            "1"
        ]
    );
    assert_eq!(
        mrow(6),
        [
            "Thôn Đồng Mới",
            "Hộ nghèo",
            "2",
            "0",
            "1",
            "0",
            "1",
            "0",
            "0",
            "0",
            "2"
        ]
    );
    assert_eq!(
        mrow(7),
        [
            "Thôn Đồng Mới",
            "Hộ cận nghèo",
            "1",
            "1",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0"
        ]
    );
    assert_eq!(
        mrow(8)[..3],
        ["Tổng cộng".to_string(), "Hộ nghèo".into(), "2".into()]
    );
    assert_eq!(mrow(8)[10], "3");

    // --- summary PDF
    let pdf = ansinh_reports::summary_pdf(&sum).unwrap();
    assert!(is_pdf(&pdf.bytes));
    assert!(pdf.pages >= 1);
    let src = markup::summary(&sum).text();
    assert!(src.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    assert!(src.contains("Độc lập - Tự do - Hạnh phúc"));
    assert!(src.contains("BÁO CÁO KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2025 CỦA XÃ TÂN LẬP"));
    assert!(src.contains("Biến động so với năm 2024"));
    assert!(src.contains("Tân Lập, ngày 02/12/2025"));

    // --- decision lists
    let dl = assemble::decision(s, c.r2025).await.unwrap();
    let titles: Vec<(&str, usize)> = dl
        .sections
        .iter()
        .map(|x| (x.title_vi.as_str(), x.rows.len()))
        .collect();
    assert_eq!(
        titles,
        [
            ("Danh sách hộ nghèo", 3),
            ("Danh sách hộ cận nghèo", 1),
            ("Danh sách hộ thoát nghèo", 1),
        ]
    );
    // Poor: Bản Pước first, then Đồng Mới by name (Hoàng before Phạm).
    let poor: Vec<&str> = dl.sections[0]
        .rows
        .iter()
        .map(|r| r.head_name.as_str())
        .collect();
    assert_eq!(poor, ["Trần Văn Ậu", "Hoàng Văn Đức", "Phạm Văn Bậc"]);
    assert_eq!(
        dl.sections[2].rows[0].transition_vi,
        ansinh_domain::review::Transition::EscapedPoverty.vi()
    );
    let src = markup::decision(&dl).text();
    for needle in [
        "ỦY BAN NHÂN DÂN XÃ TÂN LẬP".to_lowercase().as_str(),
        "Danh sách hộ thoát nghèo",
        "Trần Văn Ậu",
        "Tân Lập, ngày 20/11/2025",
        "Huyện Sơn Động",
    ] {
        assert!(
            src.to_lowercase().contains(&needle.to_lowercase()),
            "{needle}"
        );
    }
    let pdf = ansinh_reports::decision_pdf(&dl).unwrap();
    assert!(is_pdf(&pdf.bytes));
    assert_eq!(pdf.pages, 1);

    // --- certificates: one page per poor or near-poor household
    let cs = assemble::certificates(s, c.r2025).await.unwrap();
    assert_eq!(cs.households.len(), 4);
    assert_eq!(
        cs.households
            .iter()
            .map(|h| h.class_title.as_str())
            .collect::<Vec<_>>(),
        ["HỘ NGHÈO", "HỘ NGHÈO", "HỘ NGHÈO", "HỘ CẬN NGHÈO"]
    );
    assert_eq!(cs.households[3].address, "Thôn Bản Pước, Xã Tân Lập");
    let pdf = ansinh_reports::certificates_pdf(&cs).unwrap();
    // To look at the pages: ANSINH_REPORTS_OUT=/tmp/x cargo test -p ansinh-reports, then pdftoppm.
    if let Ok(dir) = std::env::var("ANSINH_REPORTS_OUT") {
        std::fs::write(format!("{dir}/certificates.pdf"), &pdf.bytes).unwrap();
        let dl = ansinh_reports::decision_pdf(&dl).unwrap();
        std::fs::write(format!("{dir}/decision.pdf"), &dl.bytes).unwrap();
        let sp = ansinh_reports::summary_pdf(&sum).unwrap();
        std::fs::write(format!("{dir}/summary.pdf"), &sp.bytes).unwrap();
    }
    assert!(is_pdf(&pdf.bytes));
    assert_eq!(pdf.pages, 4);
    let src = markup::certificates(&cs).text();
    assert_eq!(src.matches("GIẤY CHỨNG NHẬN").count(), 4);
    assert!(src.contains("Đặng Thị Lữ") && src.contains("hộ cận nghèo"));
    let cs24 = assemble::certificates(s, c.r2024).await.unwrap();
    assert_eq!(ansinh_reports::certificates_pdf(&cs24).unwrap().pages, 4);

    // --- minutes of the latest meeting and by id; an unknown meeting is refused
    let ms = s.review_meetings(c.r2025).await.unwrap();
    let mn = assemble::minutes(s, c.r2025, Some(ms[0].id), &w)
        .await
        .unwrap();
    assert_eq!(mn.votes.len(), 5);
    assert!(mn.votes.iter().all(|v| v.agreed && v.agree == 8));
    assert_eq!(mn.votes[1].head_name, "Lê Thị Ngữ");
    let src = markup::minutes(&mn).text();
    for needle in [
        "BIÊN BẢN HỌP DÂN",
        "Nguyễn Văn Trưởng",
        "Lê Thị Thư",
        "Thống nhất",
        "80%",
        "ngày 01/10/2025",
    ] {
        assert!(src.contains(needle), "{needle}");
    }
    assert!(is_pdf(&ansinh_reports::minutes_pdf(&mn).unwrap().bytes));
    let e = assemble::minutes(s, c.r2025, Some(ms[0].id + 999), &w)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "REPORT_NO_MEETING");

    // --- posted list: head, village, class; never the citizen ID or the birth date
    let pl = assemble::posted_list(s, c.r2026, &w, d(2026, 9, 30))
        .await
        .unwrap();
    assert_eq!(pl.rows.len(), 5);
    assert!(!pl.approved && pl.posted.is_none());
    let src = markup::posted(&pl).text();
    assert!(src.contains("DANH SÁCH NIÊM YẾT CÔNG KHAI"));
    assert!(src.contains("Thôn Bản Pước") && src.contains("Hoàng Văn Đức"));
    assert!(!src.contains("001090000123") && !src.contains("1961"));
    let pdf = ansinh_reports::posted_pdf(&pl).unwrap();
    assert!(is_pdf(&pdf.bytes));
    let pl25 = assemble::posted_list(s, c.r2025, &w, d(2026, 1, 5))
        .await
        .unwrap();
    assert!(pl25.approved);
    assert_eq!(
        pl25.head.date,
        d(2025, 10, 2),
        "dated the first posting day"
    );
    assert!(pl25.posted.is_some());

    // --- refusals: a round not approved, a year without a round
    for e in [
        assemble::decision(s, c.r2026).await.unwrap_err(),
        assemble::certificates(s, c.r2026).await.unwrap_err(),
        assemble::summary(s, c.commune, 2026, Some(&std), d(2026, 12, 1))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(e.code(), "REPORT_NOT_APPROVED");
        assert!(matches!(
            e,
            ReportError::NotApproved {
                stage: Stage::Scoring,
                ..
            }
        ));
        assert!(
            e.message_vi()
                .contains("chỉ in được khi kết quả đã được phê duyệt")
        );
    }
    let e = assemble::summary(s, c.commune, 2023, None, d(2026, 12, 1))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "REPORT_NO_ROUND");
    assert!(e.message_vi().contains("Xã Tân Lập"));
    // The first year has nothing to compare with.
    let s24 = assemble::summary(s, c.commune, 2024, Some(&std), d(2024, 12, 1))
        .await
        .unwrap();
    assert!(s24.movement.is_none());
    assert_eq!((s24.total.poor, s24.total.near_poor), (2, 2));
    let _ = &c.hs;
    c.store.close().await;
    let _ = std::fs::remove_file(&c.path);
}

#[test]
fn the_fonts_cover_vietnamese_and_long_lists_break_pages() {
    // Every precomposed Vietnamese letter, lower and upper case.
    let vi =
        "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ";
    assert!(ansinh_reports::pdf::covers(vi));
    assert!(ansinh_reports::pdf::covers(&vi.to_uppercase()));
    assert!(ansinh_reports::pdf::covers("ậ ữ đ Đ — “” ≥ №"));
    let row = |i: usize| ansinh_reports::model::PostedRow {
        head_name: format!(
            "Nguyễn Thị Ngọc Ánh Hương số {i} với một cái tên rất dài để xuống dòng trong ô"
        ),
        village: "Thôn Đồng Mới".into(),
        class_vi: "hộ cận nghèo".into(),
        class_en: "near-poor".into(),
    };
    let mut p = ansinh_reports::model::PostedList {
        head: ansinh_reports::model::Letterhead {
            issuer: "Ủy ban nhân dân Xã Thử".into(),
            upper: None,
            place: "Thử".into(),
            date: d(2025, 10, 2),
        },
        round: 1,
        year: 2025,
        commune: "Xã Thử".into(),
        posted: None,
        approved: false,
        rows: vec![row(1)],
    };
    let one = ansinh_reports::posted_pdf(&p).unwrap();
    assert!(is_pdf(&one.bytes));
    assert_eq!(one.pages, 1);
    p.rows = (1..=120).map(row).collect();
    let many = ansinh_reports::posted_pdf(&p).unwrap();
    assert!(many.pages >= 4, "{} pages", many.pages);
    // The page numbers are printed as n/N.
    assert!(is_pdf(&many.bytes));
}

//! A synthetic province for demonstrations and tests: communes and villages, households with
//! Vietnamese names and members, two past review rounds in the classification history and run for real
//! through the review store (`demo_review`), and one account per role. Everything is made up (no
//! citizen IDs at all) and generated deterministically, through the storage traits only, so it loads
//! the same on every backend.

use chrono::NaiveDate;

use ansinh_domain::classify;
use ansinh_domain::money::Vnd;
use ansinh_domain::registry::{
    Area, Education, Household, HouseholdCode, Housing, Labour, Member, Relation, Sex, Toilet,
    Unit, UnitCode, UnitId, UnitKind, Water,
};
use ansinh_domain::text::NfcText;
use ansinh_rulebook::Rulebook;
use ansinh_store::accounts::{NewUser, Role};
use ansinh_store::{
    ChangeContext, ClassificationRecord, ImportBatch, ImportHousehold, ImportIncome, ImportUnit,
    batch_of,
};

use crate::Backend;
use crate::auth::{PasswordCost, hash_password};
use crate::error::WebError;

/// The code of the demo province.
pub const PROVINCE_CODE: &str = "DEMO";
/// The password of every demo account (printed by `ansinh serve --demo`).
pub const PASSWORD: &str = "ansinh-demo";

/// How big the demo province is.
#[derive(Clone, Copy, Debug)]
pub struct DemoSize {
    /// At most 4.
    pub communes: usize,
    /// At most 6.
    pub villages_per_commune: usize,
    pub households_per_village: usize,
}

impl DemoSize {
    /// 4 communes × 6 villages × 125 households = 3,000 households.
    pub const FULL: DemoSize = DemoSize {
        communes: 4,
        villages_per_commune: 6,
        households_per_village: 125,
    };
    /// For tests: 2 communes × 2 villages × 6 households.
    pub const SMALL: DemoSize = DemoSize {
        communes: 2,
        villages_per_commune: 2,
        households_per_village: 6,
    };
}

/// A demo account.
#[derive(Clone, Debug)]
pub struct DemoLogin {
    pub username: &'static str,
    pub role: Role,
    pub unit: String,
}

/// What was loaded.
#[derive(Clone, Debug)]
pub struct DemoSummary {
    /// False when the demo province was already there (nothing was written).
    pub loaded: bool,
    pub households: u64,
    pub logins: Vec<DemoLogin>,
}

/// SplitMix64: small, deterministic, good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

const SURNAMES: &[(&str, u32)] = &[
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Phan", 4),
    ("Vũ", 4),
    ("Đặng", 3),
    ("Bùi", 3),
    ("Đỗ", 3),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 2),
    ("Lý", 1),
    ("Đinh", 2),
    ("Trịnh", 1),
];
const MIDDLE_M: &[&str] = &["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Đình", "Xuân"];
const MIDDLE_F: &[&str] = &["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Hồng", "Phương"];
const GIVEN_M: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đức", "Hải", "Hùng", "Khánh", "Long", "Minh", "Nam", "Phong",
    "Quân", "Sơn", "Thắng", "Tuấn", "Việt", "Vinh", "Hiếu", "Toàn",
];
const GIVEN_F: &[&str] = &[
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hồng", "Hương", "Lan", "Linh", "Mai",
    "Nga", "Ngọc", "Nhung", "Oanh", "Phương", "Thảo", "Trang", "Yến",
];
const COMMUNES: &[(&str, UnitKind, Area)] = &[
    ("Xã Tân Lập", UnitKind::Commune, Area::Rural),
    ("Xã Hòa Bình", UnitKind::Commune, Area::Rural),
    ("Phường Quang Trung", UnitKind::Ward, Area::Urban),
    ("Xã Phú Thịnh", UnitKind::Commune, Area::Rural),
];
const VILLAGES: &[&str] = &[
    "Thôn Đông",
    "Thôn Đoài",
    "Thôn Trung",
    "Thôn Thượng",
    "Thôn Hạ",
    "Thôn Mới",
];
pub(crate) const COMMUNE_USERS: &[&str] = &[
    "xa.tanlap",
    "xa.hoabinh",
    "phuong.quangtrung",
    "xa.phuthinh",
];

fn surname(r: &mut Rng) -> &'static str {
    let total: u32 = SURNAMES.iter().map(|s| s.1).sum();
    let mut x = (r.next() % u64::from(total)) as u32;
    for (s, w) in SURNAMES {
        if x < *w {
            return s;
        }
        x -= w;
    }
    "Nguyễn"
}

fn person(r: &mut Rng, family: &str, sex: Sex) -> String {
    let (mid, given) = match sex {
        Sex::Male => (MIDDLE_M, GIVEN_M),
        Sex::Female => (MIDDLE_F, GIVEN_F),
    };
    format!("{family} {} {}", r.pick(mid), r.pick(given))
}

fn born(r: &mut Rng, today: NaiveDate, age: i64) -> Option<NaiveDate> {
    today.checked_sub_days(chrono::Days::new((age * 365 + r.below(360) as i64) as u64))
}

struct Generated {
    household: Household,
    unit_code: UnitCode,
    members: Vec<Member>,
    /// Monthly income of the household in the two review years.
    income: [i64; 2],
}

fn member(
    r: &mut Rng,
    name: String,
    relation: Relation,
    sex: Sex,
    age: i64,
    today: NaiveDate,
    poor: bool,
) -> Member {
    let mut m = Member::new(&name, relation);
    m.sex = Some(sex);
    m.date_of_birth = born(r, today, age);
    m.ethnicity = Some(NfcText::new("Kinh"));
    let uninsured = (poor && r.chance(0.25)) || r.chance(0.03);
    m.has_health_insurance = Some(!uninsured);
    m.stunted_or_underweight = Some(age < 16 && poor && r.chance(0.15));
    m.is_disabled = Some(r.chance(0.03));
    m.receives_social_allowance = Some(age >= 80 || r.chance(0.02));
    m.sick_untreated = Some(false);
    if (6..=15).contains(&age) {
        m.attending_school = Some(!(poor && r.chance(0.2)));
        m.education_level = Some(if age <= 10 {
            Education::Primary
        } else {
            Education::LowerSecondary
        });
        m.labour_status = Some(Labour::NotInLabourForce);
    } else if age < 6 {
        m.attending_school = Some(age >= 3 && !(poor && r.chance(0.2)));
        m.labour_status = Some(Labour::NotInLabourForce);
    } else {
        m.attending_school = Some(age <= 22 && r.chance(0.5));
        m.in_training = Some(false);
        m.education_level = Some(if poor && r.chance(0.4) {
            Education::Primary
        } else {
            *r.pick(&[
                Education::LowerSecondary,
                Education::UpperSecondary,
                Education::Vocational,
                Education::Tertiary,
            ])
        });
        m.labour_status = Some(if age >= 60 {
            Labour::NotInLabourForce
        } else if poor && r.chance(0.35) {
            *r.pick(&[Labour::Unemployed, Labour::EmployedInformal])
        } else {
            *r.pick(&[
                Labour::EmployedFormal,
                Labour::EmployedFormal,
                Labour::NotInLabourForce,
            ])
        });
    }
    m
}

fn household(
    r: &mut Rng,
    code: String,
    village: &UnitCode,
    village_name: &str,
    area: Area,
    today: NaiveDate,
) -> Result<Generated, WebError> {
    let w = r.f();
    let poor = w < 0.11;
    let family = surname(r);
    let head_sex = if r.chance(0.72) {
        Sex::Male
    } else {
        Sex::Female
    };
    let head_age = 24 + r.below(55) as i64;
    let head = person(r, family, head_sex);
    let mut members = vec![member(
        r,
        head.clone(),
        Relation::Head,
        head_sex,
        head_age,
        today,
        poor,
    )];
    if head_age < 70 && r.chance(0.78) {
        let sex = if head_sex == Sex::Male {
            Sex::Female
        } else {
            Sex::Male
        };
        let spouse_family = surname(r);
        let name = person(r, spouse_family, sex);
        let age = (head_age + r.below(7) as i64 - 3).max(20);
        members.push(member(r, name, Relation::Spouse, sex, age, today, poor));
    }
    let children = if head_age < 60 { r.below(4) } else { 0 };
    for _ in 0..children {
        let sex = if r.chance(0.5) {
            Sex::Male
        } else {
            Sex::Female
        };
        let name = person(r, family, sex);
        let age = r.below((head_age - 18).clamp(1, 25) as usize) as i64;
        members.push(member(r, name, Relation::Child, sex, age, today, poor));
    }
    if head_age < 55 && r.chance(0.18) {
        let sex = if r.chance(0.6) {
            Sex::Female
        } else {
            Sex::Male
        };
        let name = person(r, family, sex);
        let age = head_age + 24 + r.below(10) as i64;
        members.push(member(r, name, Relation::Parent, sex, age, today, poor));
    }
    let n = members.len() as i64;
    let line: i64 = match area {
        Area::Rural => 1_500_000,
        Area::Urban => 2_000_000,
    };
    // Income per person as a multiple of the poverty line: below it for the poorest tenth.
    let multiple = if poor {
        0.55 + 0.45 * w / 0.11
    } else if w < 0.2 {
        1.02 + 0.45 * (w - 0.11) / 0.09
    } else {
        1.5 + 3.5 * (w - 0.2)
    };
    let round = |v: f64| ((v / 10_000.0).round() as i64) * 10_000;
    let income_2024 = round(line as f64 * multiple * n as f64);
    let growth = 1.0 + 0.04 + 0.10 * r.f();
    let income_2025 = round(income_2024 as f64 * growth);
    let deprived = |r: &mut Rng| r.chance(if poor { 0.3 } else { 0.04 });
    let mut h = Household::new(
        HouseholdCode::parse(&code).map_err(|e| WebError::Internal(e.to_string()))?,
        UnitId(0),
        &head,
        &format!("Số {} {}", 1 + r.below(200), village_name),
    );
    h.housing_quality = if r.chance(0.02) {
        None
    } else if deprived(r) {
        Some(*r.pick(&[Housing::LessDurable, Housing::Makeshift]))
    } else {
        Some(*r.pick(&[Housing::Solid, Housing::SemiSolid]))
    };
    h.floor_area_m2 = Some(if deprived(r) {
        6.0 * n as f64
    } else {
        (12 + r.below(20)) as f64 * n as f64
    });
    h.water_source = Some(if deprived(r) {
        Water::Unprotected
    } else {
        *r.pick(&[Water::Piped, Water::DrilledWell, Water::ProtectedWell])
    });
    h.toilet = Some(if deprived(r) {
        Toilet::Unhygienic
    } else {
        *r.pick(&[Toilet::FlushSeptic, Toilet::SemiSeptic])
    });
    h.uses_telecom = Some(!deprived(r));
    h.has_info_device = Some(!deprived(r));
    h.hears_loudspeaker = Some(true);
    h.uses_internet = Some(!poor || r.chance(0.5));
    h.uses_digital_services = Some(!poor && r.chance(0.6));
    h.waste_treated = Some(!deprived(r));
    Ok(Generated {
        household: h,
        unit_code: village.clone(),
        members,
        income: [income_2024, income_2025],
    })
}

fn code(s: &str) -> Result<UnitCode, WebError> {
    UnitCode::parse(s).map_err(|e| WebError::Internal(e.to_string()))
}

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate, WebError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| WebError::Internal("bad demo date".into()))
}

/// Loads the demo province unless it is there already, and makes sure the demo accounts exist.
pub async fn load<S: Backend>(
    store: &S,
    rules: &Rulebook,
    size: DemoSize,
    password_cost: PasswordCost,
) -> Result<DemoSummary, WebError> {
    let ctx = ChangeContext::new("demo", "ansinh serve --demo");
    let today = chrono::Utc::now().date_naive();
    let since = date(2020, 1, 1)?;
    let rounds = [date(2024, 10, 1)?, date(2025, 10, 1)?];
    let province_code = code(PROVINCE_CODE)?;
    let communes = size.communes.min(COMMUNES.len());
    let villages = size.villages_per_commune.min(VILLAGES.len());
    let mut loaded = false;
    let mut total = 0u64;

    if store.unit_at(&province_code, today).await?.is_none() {
        loaded = true;
        let mut r = Rng(0x616e_7369_6e68);
        let mut units = vec![ImportUnit {
            unit: Unit {
                code: province_code.clone(),
                name: NfcText::new("Tỉnh An Hòa (dữ liệu mẫu)"),
                kind: UnitKind::Province,
                area: None,
                parent: None,
                valid_from: since,
                valid_to: None,
            },
            parent_code: None,
        }];
        let mut generated = Vec::new();
        for (ci, (cname, kind, area)) in COMMUNES.iter().take(communes).enumerate() {
            let ccode = code(&format!("D{:02}", ci + 1))?;
            units.push(ImportUnit {
                unit: Unit {
                    code: ccode.clone(),
                    name: NfcText::new(cname),
                    kind: *kind,
                    area: Some(*area),
                    parent: None,
                    valid_from: since,
                    valid_to: None,
                },
                parent_code: Some(province_code.clone()),
            });
            for (vi, vname) in VILLAGES.iter().take(villages).enumerate() {
                let vname = if *kind == UnitKind::Ward {
                    format!("Tổ dân phố {}", vi + 1)
                } else {
                    (*vname).to_string()
                };
                let vcode = code(&format!("D{:02}-{:02}", ci + 1, vi + 1))?;
                units.push(ImportUnit {
                    unit: Unit {
                        code: vcode.clone(),
                        name: NfcText::new(&vname),
                        kind: UnitKind::Village,
                        area: Some(*area),
                        parent: None,
                        valid_from: since,
                        valid_to: None,
                    },
                    parent_code: Some(ccode.clone()),
                });
                for k in 0..size.households_per_village {
                    let hcode = format!("HD{:02}{:02}{:04}", ci + 1, vi + 1, k + 1);
                    generated.push(household(&mut r, hcode, &vcode, &vname, *area, today)?);
                }
            }
        }
        total = generated.len() as u64;
        for (round, as_of) in rounds.iter().enumerate() {
            let batch = ImportBatch {
                units: if round == 0 {
                    units.clone()
                } else {
                    Vec::new()
                },
                households: generated
                    .iter()
                    .map(|g| ImportHousehold {
                        household: g.household.clone(),
                        unit_code: g.unit_code.clone(),
                        income: Some(ImportIncome {
                            monthly_income_vnd: Vnd(g.income[round]),
                            recorded_on: Some(*as_of),
                        }),
                        members: g.members.clone(),
                    })
                    .collect(),
                as_of: *as_of,
                absent_household_fields: Vec::new(),
                absent_member_fields: Vec::new(),
            };
            let why = ctx.because(&format!(
                "Rà soát hộ nghèo năm {} (dữ liệu mẫu)",
                as_of.format("%Y")
            ));
            store.import(&why, &batch).await?;
        }
        let province = store
            .unit_at(&province_code, today)
            .await?
            .ok_or_else(|| WebError::Internal("demo province missing after import".into()))?;
        let mut ids = vec![province.id];
        let mut todo = vec![province.id];
        while let Some(u) = todo.pop() {
            for c in store.units_on(today, Some(u)).await? {
                ids.push(c.id);
                todo.push(c.id);
            }
        }
        let households = store.households_in_units(&ids).await?;
        for as_of in rounds {
            let std = rules
                .standards()
                .in_force(as_of, None)
                .ok_or_else(|| WebError::Internal(format!("no standard in force on {as_of}")))?;
            let (hids, batch) = batch_of(store, &households, as_of).await?;
            let res = classify(std, &batch);
            let actor = ChangeContext::new("demo", "review round");
            for (i, hid) in hids.iter().enumerate() {
                let deprived = std
                    .indicators
                    .iter()
                    .enumerate()
                    .filter(|(b, _)| res.deficit_mask[i] & (1 << b) != 0)
                    .map(|(_, ind)| ind.id.clone())
                    .collect();
                let pc = res.income_per_capita[i];
                store
                    .append_classification(
                        &actor,
                        &ClassificationRecord {
                            household: *hid,
                            standard_id: std.id.clone(),
                            as_of,
                            class: res.class_of(i),
                            deficit_count: res.deficit_count[i],
                            deprived,
                            income_per_capita_vnd: pc.is_finite().then(|| pc.round() as i64),
                            unconfirmed: std.is_unconfirmed(),
                        },
                    )
                    .await?;
            }
        }
        let mut communes = store.units_on(today, Some(province.id)).await?;
        communes.sort_by(|a, b| a.unit.code.cmp(&b.unit.code));
        crate::demo_review::load(store, rules, &communes, COMMUNE_USERS).await?;
    }

    // Accounts: one per role, idempotent.
    let province = store
        .unit_at(&province_code, today)
        .await?
        .ok_or_else(|| WebError::Internal("demo province missing".into()))?;
    let mut logins = vec![
        DemoLogin {
            username: "admin",
            role: Role::Admin,
            unit: String::new(),
        },
        DemoLogin {
            username: "tinh",
            role: Role::Supervisor,
            unit: province.unit.name.to_string(),
        },
        DemoLogin {
            username: "doitac",
            role: Role::Partner,
            unit: province.unit.name.to_string(),
        },
    ];
    let mut commune_units = store.units_on(today, Some(province.id)).await?;
    commune_units.sort_by(|a, b| a.unit.code.cmp(&b.unit.code));
    let mut unit_of = vec![None, Some(province.id), Some(province.id)];
    for (user, cu) in COMMUNE_USERS.iter().zip(&commune_units) {
        logins.push(DemoLogin {
            username: user,
            role: Role::CommuneOfficer,
            unit: cu.unit.name.to_string(),
        });
        unit_of.push(Some(cu.id));
    }
    let mut hash = None;
    for (l, unit) in logins.iter().zip(unit_of) {
        if store.user_by_username(l.username).await?.is_some() {
            continue;
        }
        let h = match &hash {
            Some(h) => h,
            None => hash.insert(hash_password(PASSWORD.to_string(), password_cost).await?),
        };
        store
            .create_user(
                &ctx,
                &NewUser {
                    username: l.username.to_string(),
                    display_name: format!("{} ({})", l.role.vi(), l.username),
                    password_hash: h.clone(),
                    role: l.role,
                    unit,
                    // The demo partner agency is the province's social insurance office.
                    agency: (l.role == Role::Partner).then(|| "bhxh".to_string()),
                },
            )
            .await?;
    }
    Ok(DemoSummary {
        loaded,
        households: total,
        logins,
    })
}

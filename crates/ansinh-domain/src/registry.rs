//! The registry's domain values: validated identifiers (citizen ID, unit and household codes), the coded
//! values of the catalogue as Rust enums, and the household, member and administrative-unit records, with
//! the conversion of stored households into a [`Batch`] so they can be classified.
//!
//! Parse, don't validate: every value is checked once, by `parse`, at the boundary (form, import, database
//! row); everything downstream takes the newtype.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::columnar::{Batch, Column, FALSE, NULL_CODE, TRUE, UNKNOWN};
use crate::money::Vnd;
use crate::schema::{self, FieldId, FieldType};
use crate::text::NfcText;

/// A value that failed validation. `code()` is stable; messages exist in Vietnamese and English.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("a citizen ID has 12 digits, this one has {found} characters")]
    CitizenIdLength { found: usize },
    #[error("a citizen ID has only digits; character {position} is not a digit")]
    CitizenIdDigit { position: usize },
    #[error(
        "a citizen ID starts with the province code of birth registration (001–096), not {code}"
    )]
    CitizenIdProvince { code: String },
    #[error("`{value}` is not a valid {what} code")]
    Code { what: &'static str, value: String },
    #[error("`{value}` is not a value of `{field}`")]
    Choice { field: &'static str, value: String },
    #[error("{0}")]
    Batch(String),
}

impl RegistryError {
    pub fn code(&self) -> &'static str {
        match self {
            RegistryError::CitizenIdLength { .. }
            | RegistryError::CitizenIdDigit { .. }
            | RegistryError::CitizenIdProvince { .. } => "REG_CITIZEN_ID",
            RegistryError::Code { .. } => "REG_CODE",
            RegistryError::Choice { .. } => "REG_CHOICE",
            RegistryError::Batch(_) => "REG_BATCH",
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            RegistryError::CitizenIdLength { found } => {
                format!("số định danh cá nhân (CCCD) gồm 12 chữ số, số này có {found} ký tự")
            }
            RegistryError::CitizenIdDigit { position } => {
                format!(
                    "số định danh cá nhân chỉ gồm chữ số; ký tự thứ {position} không phải chữ số"
                )
            }
            RegistryError::CitizenIdProvince { code } => format!(
                "số định danh cá nhân bắt đầu bằng mã tỉnh nơi đăng ký khai sinh (001–096), không phải {code}"
            ),
            RegistryError::Code { what, value } => format!("`{value}` không phải mã {what} hợp lệ"),
            RegistryError::Choice { field, value } => {
                format!("`{value}` không phải giá trị hợp lệ của `{field}`")
            }
            RegistryError::Batch(m) => m.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Identifiers

/// Citizen ID number (số định danh cá nhân / CCCD): 12 digits. Digits 1–3 are the province code of birth
/// registration (001–096), digit 4 the century-and-sex code, digits 5–6 the last two digits of the birth
/// year. `Debug` and `Display` show only the last three digits: personal data stays out of logs.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CitizenId(String);

impl CitizenId {
    pub fn parse(s: &str) -> Result<CitizenId, RegistryError> {
        let s = s.trim();
        let n = s.chars().count();
        if n != 12 {
            return Err(RegistryError::CitizenIdLength { found: n });
        }
        if let Some(p) = s.chars().position(|c| !c.is_ascii_digit()) {
            return Err(RegistryError::CitizenIdDigit { position: p + 1 });
        }
        let province: u32 = s[..3].parse().unwrap_or(0);
        if !(1..=96).contains(&province) {
            return Err(RegistryError::CitizenIdProvince {
                code: s[..3].to_string(),
            });
        }
        Ok(CitizenId(s.to_string()))
    }
    /// The full number (for storage and for the officer's own screen, never for logs).
    pub fn as_str(&self) -> &str {
        &self.0
    }
    fn digit(&self, i: usize) -> u32 {
        self.0.as_bytes().get(i).map_or(0, |b| u32::from(b - b'0'))
    }
    /// Province code of birth registration, `"001"`–`"096"`.
    pub fn province_code(&self) -> &str {
        &self.0[..3]
    }
    /// Sex encoded in the fourth digit (even: male, odd: female).
    pub fn sex(&self) -> Sex {
        if self.digit(3).is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        }
    }
    /// Year of birth: the century from the fourth digit (0/1: 1900s, 2/3: 2000s, … 8/9: 2300s) plus digits 5–6.
    pub fn birth_year(&self) -> i32 {
        let century = 1900 + 100 * (self.digit(3) / 2) as i32;
        century + (self.digit(4) * 10 + self.digit(5)) as i32
    }
    /// The number with all but the last three digits hidden: `•••••••••123`.
    pub fn masked(&self) -> String {
        format!("•••••••••{}", &self.0[9..])
    }
}

impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CitizenId({})", self.masked())
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Checks a code: 1–`max` characters, ASCII letters, digits, `-`, `_` or `.`; letters are uppercased.
fn parse_code(s: &str, max: usize, what: &'static str) -> Result<String, RegistryError> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.len() <= max
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(s.to_ascii_uppercase())
    } else {
        Err(RegistryError::Code {
            what,
            value: s.to_string(),
        })
    }
}

/// Code of an administrative unit: the official code (province `01`, commune `00001`) or a local code for
/// a village (`00001-05`). 1–20 characters. A code may be reused after a reorganisation, so a unit is
/// identified by its [`UnitId`], and by its code only together with a date.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct UnitCode(String);

impl UnitCode {
    pub fn parse(s: &str) -> Result<UnitCode, RegistryError> {
        parse_code(s, 20, "đơn vị hành chính / administrative unit").map(UnitCode)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Code of a household in the registry (mã hộ): 1–32 characters, unique across the registry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct HouseholdCode(String);

impl HouseholdCode {
    pub fn parse(s: &str) -> Result<HouseholdCode, RegistryError> {
        parse_code(s, 32, "hộ / household").map(HouseholdCode)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HouseholdCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub i64);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// Store-assigned identity of one administrative unit (one code over one validity period).
    UnitId
);
id_type!(
    /// Store-assigned identity of a household.
    HouseholdId
);
id_type!(
    /// Store-assigned identity of one membership (a person in a household).
    MemberId
);

// ---------------------------------------------------------------------------------------------------------
// Coded values: one Rust enum per catalogue enum, in catalogue order (so `index()` is the Batch code).

macro_rules! coded {
    ($(#[$m:meta])* $name:ident, $values:path, [$($variant:ident = $code:literal),+ $(,)?]) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The catalogue code (`snake_case`).
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            /// Parses a catalogue code, or a Vietnamese or English label.
            pub fn parse(s: &str) -> Result<$name, RegistryError> {
                let s = s.trim();
                let folded = crate::text::search_key(s);
                $values
                    .iter()
                    .position(|v| {
                        v.code == s
                            || crate::text::search_key(v.vi) == folded
                            || v.en.eq_ignore_ascii_case(s)
                    })
                    .and_then(|i| $name::ALL.get(i).copied())
                    .ok_or_else(|| RegistryError::Choice { field: stringify!($name), value: s.to_string() })
            }
            /// Position in the catalogue's value list: the code the engine reads from a [`Batch`].
            pub fn index(self) -> u8 {
                $name::ALL.iter().position(|&v| v == self).unwrap_or(0) as u8
            }
            pub fn vi(self) -> &'static str {
                $values[self.index() as usize].vi
            }
            pub fn en(self) -> &'static str {
                $values[self.index() as usize].en
            }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

coded!(
    /// Urban or rural: decides the income line. Derived from the unit, per unit and per period.
    Area, schema::AREA, [Rural = "rural", Urban = "urban"]
);
coded!(
    /// Dwelling quality.
    Housing,
    schema::HOUSING,
    [
        Solid = "solid",
        SemiSolid = "semi_solid",
        LessDurable = "less_durable",
        Makeshift = "makeshift"
    ]
);
coded!(
    /// Domestic water source.
    Water,
    schema::WATER,
    [
        Piped = "piped",
        DrilledWell = "drilled_well",
        ProtectedWell = "protected_well",
        ProtectedSpring = "protected_spring",
        Rain = "rain",
        Bottled = "bottled",
        Unprotected = "unprotected",
        NoSource = "none"
    ]
);
coded!(
    /// Toilet.
    Toilet,
    schema::TOILET,
    [
        FlushSeptic = "flush_septic",
        SemiSeptic = "semi_septic",
        OtherHygienic = "other_hygienic",
        Unhygienic = "unhygienic",
        NoToilet = "none"
    ]
);
coded!(
    /// Sex.
    Sex, schema::SEX, [Male = "male", Female = "female"]
);
coded!(
    /// Labour status; whether a wage worker has a labour contract is part of the status.
    Labour,
    schema::LABOUR,
    [
        EmployedFormal = "employed_formal",
        EmployedInformal = "employed_informal",
        Unemployed = "unemployed",
        NotInLabourForce = "not_in_labour_force"
    ]
);
coded!(
    /// Highest education level.
    Education,
    schema::EDUCATION,
    [
        NoSchooling = "none",
        Primary = "primary",
        LowerSecondary = "lower_secondary",
        UpperSecondary = "upper_secondary",
        Vocational = "vocational",
        Tertiary = "tertiary"
    ]
);

/// Relation of a member to the head of household (quan hệ với chủ hộ). Not a catalogue field: no standard
/// reads it, the registry does.
pub const RELATION: &[schema::EnumValue] = &[
    schema::EnumValue {
        code: "head",
        vi: "chủ hộ",
        en: "head of household",
    },
    schema::EnumValue {
        code: "spouse",
        vi: "vợ/chồng",
        en: "spouse",
    },
    schema::EnumValue {
        code: "child",
        vi: "con",
        en: "child",
    },
    schema::EnumValue {
        code: "child_in_law",
        vi: "con dâu/con rể",
        en: "child-in-law",
    },
    schema::EnumValue {
        code: "grandchild",
        vi: "cháu",
        en: "grandchild",
    },
    schema::EnumValue {
        code: "parent",
        vi: "bố/mẹ",
        en: "parent",
    },
    schema::EnumValue {
        code: "grandparent",
        vi: "ông/bà",
        en: "grandparent",
    },
    schema::EnumValue {
        code: "sibling",
        vi: "anh/chị/em",
        en: "sibling",
    },
    schema::EnumValue {
        code: "other_relative",
        vi: "họ hàng khác",
        en: "other relative",
    },
    schema::EnumValue {
        code: "non_relative",
        vi: "không có quan hệ họ hàng",
        en: "not related",
    },
];

coded!(
    /// Relation to the head of household.
    Relation,
    RELATION,
    [
        Head = "head",
        Spouse = "spouse",
        Child = "child",
        ChildInLaw = "child_in_law",
        Grandchild = "grandchild",
        Parent = "parent",
        Grandparent = "grandparent",
        Sibling = "sibling",
        OtherRelative = "other_relative",
        NonRelative = "non_relative"
    ]
);

/// Kind of administrative unit. The urban/rural flag is recorded on each unit ([`Unit::area`]), not derived
/// from the kind: [`UnitKind::usual_area`] is only the default an import may offer.
pub const UNIT_KIND: &[schema::EnumValue] = &[
    schema::EnumValue {
        code: "province",
        vi: "tỉnh",
        en: "province",
    },
    schema::EnumValue {
        code: "central_city",
        vi: "thành phố trực thuộc trung ương",
        en: "centrally run city",
    },
    schema::EnumValue {
        code: "district",
        vi: "huyện",
        en: "rural district",
    },
    schema::EnumValue {
        code: "urban_district",
        vi: "quận",
        en: "urban district",
    },
    schema::EnumValue {
        code: "town",
        vi: "thị xã",
        en: "town",
    },
    schema::EnumValue {
        code: "provincial_city",
        vi: "thành phố thuộc tỉnh",
        en: "provincial city",
    },
    schema::EnumValue {
        code: "commune",
        vi: "xã",
        en: "commune",
    },
    schema::EnumValue {
        code: "ward",
        vi: "phường",
        en: "ward",
    },
    schema::EnumValue {
        code: "township",
        vi: "thị trấn",
        en: "township",
    },
    schema::EnumValue {
        code: "special_zone",
        vi: "đặc khu",
        en: "special zone",
    },
    schema::EnumValue {
        code: "village",
        vi: "thôn/tổ dân phố",
        en: "village",
    },
];

coded!(
    /// Kind of administrative unit.
    UnitKind,
    UNIT_KIND,
    [
        Province = "province",
        CentralCity = "central_city",
        District = "district",
        UrbanDistrict = "urban_district",
        Town = "town",
        ProvincialCity = "provincial_city",
        Commune = "commune",
        Ward = "ward",
        Township = "township",
        SpecialZone = "special_zone",
        Village = "village"
    ]
);

impl UnitKind {
    /// Level in the hierarchy: 1 province, 2 district (until 1 July 2025), 3 commune, 4 village.
    pub fn level(self) -> u8 {
        match self {
            UnitKind::Province | UnitKind::CentralCity => 1,
            UnitKind::District
            | UnitKind::UrbanDistrict
            | UnitKind::Town
            | UnitKind::ProvincialCity => 2,
            UnitKind::Commune | UnitKind::Ward | UnitKind::Township | UnitKind::SpecialZone => 3,
            UnitKind::Village => 4,
        }
    }
    /// The usual area of a commune-level unit: ward and township urban, commune rural. `None` for special
    /// zones and other levels: how đặc khu maps to urban/rural after 2025 is UNCONFIRMED.
    pub fn usual_area(self) -> Option<Area> {
        match self {
            UnitKind::Ward | UnitKind::Township => Some(Area::Urban),
            UnitKind::Commune => Some(Area::Rural),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Records

/// An administrative unit over one validity period `[valid_from, valid_to)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unit {
    pub code: UnitCode,
    pub name: NfcText,
    pub kind: UnitKind,
    /// Urban or rural for the income line; `None` when not decided.
    pub area: Option<Area>,
    pub parent: Option<UnitId>,
    pub valid_from: NaiveDate,
    /// First day the unit no longer exists (merged, split or dissolved); `None` while it is current.
    pub valid_to: Option<NaiveDate>,
}

impl Unit {
    pub fn is_valid_on(&self, d: NaiveDate) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|t| d < t)
    }
}

/// A recorded monthly income of the household (thu nhập bình quân tháng), dated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IncomeRecord {
    pub recorded_on: NaiveDate,
    pub monthly_income_vnd: Vnd,
    pub note: Option<NfcText>,
}

/// A household's recorded data (the fields an officer edits). Field names are the catalogue's where the
/// catalogue has the field. `None` is "not recorded", never "no".
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Household {
    pub code: HouseholdCode,
    /// The unit the household was recorded under (a village or commune); it keeps pointing there after a
    /// reorganisation.
    pub unit: UnitId,
    pub address: NfcText,
    /// Name of the head of household as recorded (chủ hộ).
    pub head_name: NfcText,
    /// Explicit urban/rural override; `None` takes the unit's area.
    pub area: Option<Area>,
    pub housing_quality: Option<Housing>,
    pub floor_area_m2: Option<f64>,
    pub water_source: Option<Water>,
    pub toilet: Option<Toilet>,
    pub uses_telecom: Option<bool>,
    pub has_info_device: Option<bool>,
    pub hears_loudspeaker: Option<bool>,
    pub uses_internet: Option<bool>,
    pub uses_digital_services: Option<bool>,
    pub waste_treated: Option<bool>,
    pub incomes: Vec<IncomeRecord>,
}

impl Household {
    /// Takes from `stored` every field named in `absent` (the columns an import file does not have), so a
    /// file with fewer columns never erases what is recorded. Unknown names are ignored.
    pub fn keep_absent(&mut self, stored: &Household, absent: &[String]) {
        for name in absent {
            match name.as_str() {
                "address" => self.address = stored.address.clone(),
                "area" => self.area = stored.area,
                "housing_quality" => self.housing_quality = stored.housing_quality,
                "floor_area_m2" => self.floor_area_m2 = stored.floor_area_m2,
                "water_source" => self.water_source = stored.water_source,
                "toilet" => self.toilet = stored.toilet,
                "uses_telecom" => self.uses_telecom = stored.uses_telecom,
                "has_info_device" => self.has_info_device = stored.has_info_device,
                "hears_loudspeaker" => self.hears_loudspeaker = stored.hears_loudspeaker,
                "uses_internet" => self.uses_internet = stored.uses_internet,
                "uses_digital_services" => {
                    self.uses_digital_services = stored.uses_digital_services
                }
                "waste_treated" => self.waste_treated = stored.waste_treated,
                _ => {}
            }
        }
    }

    /// A household with only its identity recorded.
    pub fn new(code: HouseholdCode, unit: UnitId, head_name: &str, address: &str) -> Household {
        Household {
            code,
            unit,
            address: NfcText::new(address),
            head_name: NfcText::new(head_name),
            area: None,
            housing_quality: None,
            floor_area_m2: None,
            water_source: None,
            toilet: None,
            uses_telecom: None,
            has_info_device: None,
            hears_loudspeaker: None,
            uses_internet: None,
            uses_digital_services: None,
            waste_treated: None,
            incomes: Vec::new(),
        }
    }
    /// The latest income recorded on or before `as_of`.
    pub fn income_on(&self, as_of: NaiveDate) -> Option<Vnd> {
        self.incomes
            .iter()
            .filter(|r| r.recorded_on <= as_of)
            .max_by_key(|r| r.recorded_on)
            .map(|r| r.monthly_income_vnd)
    }
}

/// A person's membership of a household. Field names are the catalogue's where it has the field.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Member {
    pub full_name: NfcText,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: Option<Sex>,
    pub relation: Relation,
    pub citizen_id: Option<CitizenId>,
    /// Ethnic group as recorded (dân tộc).
    pub ethnicity: Option<NfcText>,
    pub labour_status: Option<Labour>,
    pub has_health_insurance: Option<bool>,
    pub education_level: Option<Education>,
    pub attending_school: Option<bool>,
    pub in_training: Option<bool>,
    pub stunted_or_underweight: Option<bool>,
    pub is_disabled: Option<bool>,
    pub receives_social_allowance: Option<bool>,
    pub sick_untreated: Option<bool>,
    /// Start of the membership (joined the household).
    pub start_date: Option<NaiveDate>,
    /// End of the membership (left, died, household dissolved): the first day the person is no longer a
    /// member. A membership without an end is live.
    pub end_date: Option<NaiveDate>,
}

impl Member {
    /// Takes from `stored` every field named in `absent` (see [`Household::keep_absent`]).
    pub fn keep_absent(&mut self, stored: &Member, absent: &[String]) {
        for name in absent {
            match name.as_str() {
                "date_of_birth" => self.date_of_birth = stored.date_of_birth,
                "sex" => self.sex = stored.sex,
                "citizen_id" => self.citizen_id = stored.citizen_id.clone(),
                "ethnicity" => self.ethnicity = stored.ethnicity.clone(),
                "labour_status" => self.labour_status = stored.labour_status,
                "has_health_insurance" => self.has_health_insurance = stored.has_health_insurance,
                "education_level" => self.education_level = stored.education_level,
                "attending_school" => self.attending_school = stored.attending_school,
                "in_training" => self.in_training = stored.in_training,
                "stunted_or_underweight" => {
                    self.stunted_or_underweight = stored.stunted_or_underweight
                }
                "is_disabled" => self.is_disabled = stored.is_disabled,
                "receives_social_allowance" => {
                    self.receives_social_allowance = stored.receives_social_allowance
                }
                "sick_untreated" => self.sick_untreated = stored.sick_untreated,
                "start_date" => self.start_date = stored.start_date,
                "end_date" => self.end_date = stored.end_date,
                _ => {}
            }
        }
    }

    /// A member with only name and relation recorded.
    pub fn new(full_name: &str, relation: Relation) -> Member {
        Member {
            full_name: NfcText::new(full_name),
            date_of_birth: None,
            sex: None,
            relation,
            citizen_id: None,
            ethnicity: None,
            labour_status: None,
            has_health_insurance: None,
            education_level: None,
            attending_school: None,
            in_training: None,
            stunted_or_underweight: None,
            is_disabled: None,
            receives_social_allowance: None,
            sick_untreated: None,
            start_date: None,
            end_date: None,
        }
    }
    /// Whether the person is a member on `d`.
    pub fn is_member_on(&self, d: NaiveDate) -> bool {
        self.start_date.is_none_or(|s| s <= d) && self.end_date.is_none_or(|e| d < e)
    }
    /// Age in whole years on `d`.
    pub fn age_on(&self, d: NaiveDate) -> Option<i64> {
        let b = self.date_of_birth?;
        let mut age = i64::from(d.year() - b.year());
        if (d.month(), d.day()) < (b.month(), b.day()) {
            age -= 1;
        }
        (age >= 0).then_some(age)
    }
}

// ---------------------------------------------------------------------------------------------------------
// Stored households → Batch

fn field_id(name: &'static str) -> Result<FieldId, RegistryError> {
    schema::field(name)
        .ok_or_else(|| RegistryError::Batch(format!("the catalogue has no field `{name}`")))
}

fn bools(v: impl Iterator<Item = Option<bool>>) -> Column {
    Column::Bool(
        v.map(|b| match b {
            Some(true) => TRUE,
            Some(false) => FALSE,
            None => UNKNOWN,
        })
        .collect(),
    )
}

fn enums(v: impl Iterator<Item = Option<u8>>) -> Column {
    Column::Enum(v.map(|c| c.unwrap_or(NULL_CODE)).collect())
}

fn ints(v: impl Iterator<Item = Option<i64>>) -> Column {
    let (values, valid): (Vec<i64>, Vec<bool>) = v.map(|x| (x.unwrap_or(0), x.is_some())).unzip();
    let valid = if valid.iter().all(|&b| b) {
        None
    } else {
        Some(valid)
    };
    Column::Int { values, valid }
}

/// Converts households with their members into a [`Batch`] as of a date: members are those whose
/// membership covers `as_of`, ages are taken on `as_of`, the income is the latest recorded on or before it,
/// and the area is the household's own or else `unit_area(household.unit)`. Member names become the
/// batch's member labels (used in explanations only).
pub fn households_to_batch(
    households: &[(&Household, &[Member])],
    as_of: NaiveDate,
    unit_area: impl Fn(UnitId) -> Option<Area>,
) -> Result<Batch, RegistryError> {
    let mut offsets = Vec::with_capacity(households.len() + 1);
    offsets.push(0u32);
    let mut members: Vec<&Member> = Vec::new();
    for (_, ms) in households {
        members.extend(ms.iter().filter(|m| m.is_member_on(as_of)));
        let n = u32::try_from(members.len())
            .map_err(|_| RegistryError::Batch("too many members for one batch".into()))?;
        offsets.push(n);
    }
    let mut b = Batch::with_offsets(offsets);
    let hs = || households.iter().map(|(h, _)| *h);
    let ms = || members.iter().copied();
    let set = |b: &mut Batch, name: &'static str, col: Column| -> Result<(), RegistryError> {
        let f = field_id(name)?;
        debug_assert!(
            matches!(
                (f.def().ty, &col),
                (FieldType::Bool, Column::Bool(_))
                    | (FieldType::Int, Column::Int { .. })
                    | (FieldType::Float, Column::Float(_))
                    | (FieldType::Enum(_), Column::Enum(_))
            ),
            "column type of {name}"
        );
        b.set(f, col).map_err(RegistryError::Batch)
    };
    set(
        &mut b,
        "area",
        enums(hs().map(|h| h.area.or_else(|| unit_area(h.unit)).map(Area::index))),
    )?;
    set(
        &mut b,
        "monthly_income_vnd",
        ints(hs().map(|h| h.income_on(as_of).map(|v| v.0))),
    )?;
    set(
        &mut b,
        "housing_quality",
        enums(hs().map(|h| h.housing_quality.map(Housing::index))),
    )?;
    set(
        &mut b,
        "floor_area_m2",
        Column::Float(hs().map(|h| h.floor_area_m2.unwrap_or(f64::NAN)).collect()),
    )?;
    set(
        &mut b,
        "water_source",
        enums(hs().map(|h| h.water_source.map(Water::index))),
    )?;
    set(
        &mut b,
        "toilet",
        enums(hs().map(|h| h.toilet.map(Toilet::index))),
    )?;
    set(&mut b, "uses_telecom", bools(hs().map(|h| h.uses_telecom)))?;
    set(
        &mut b,
        "has_info_device",
        bools(hs().map(|h| h.has_info_device)),
    )?;
    set(
        &mut b,
        "hears_loudspeaker",
        bools(hs().map(|h| h.hears_loudspeaker)),
    )?;
    set(
        &mut b,
        "uses_internet",
        bools(hs().map(|h| h.uses_internet)),
    )?;
    set(
        &mut b,
        "uses_digital_services",
        bools(hs().map(|h| h.uses_digital_services)),
    )?;
    set(
        &mut b,
        "waste_treated",
        bools(hs().map(|h| h.waste_treated)),
    )?;
    set(&mut b, "age", ints(ms().map(|m| m.age_on(as_of))))?;
    set(&mut b, "sex", enums(ms().map(|m| m.sex.map(Sex::index))))?;
    set(
        &mut b,
        "labour_status",
        enums(ms().map(|m| m.labour_status.map(Labour::index))),
    )?;
    set(
        &mut b,
        "has_health_insurance",
        bools(ms().map(|m| m.has_health_insurance)),
    )?;
    set(
        &mut b,
        "education_level",
        enums(ms().map(|m| m.education_level.map(Education::index))),
    )?;
    set(
        &mut b,
        "attending_school",
        bools(ms().map(|m| m.attending_school)),
    )?;
    set(&mut b, "in_training", bools(ms().map(|m| m.in_training)))?;
    set(
        &mut b,
        "stunted_or_underweight",
        bools(ms().map(|m| m.stunted_or_underweight)),
    )?;
    set(&mut b, "is_disabled", bools(ms().map(|m| m.is_disabled)))?;
    set(
        &mut b,
        "receives_social_allowance",
        bools(ms().map(|m| m.receives_social_allowance)),
    )?;
    set(
        &mut b,
        "sick_untreated",
        bools(ms().map(|m| m.sick_untreated)),
    )?;
    b.member_labels = Some(ms().map(|m| m.full_name.as_str().to_string()).collect());
    Ok(b)
}

// ---------------------------------------------------------------------------------------------------------
// Serde for the text and money types (used by the audit trail's JSON values).

impl Serialize for CitizenId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CitizenId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CitizenId::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl Serialize for NfcText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for NfcText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(NfcText::new(&String::deserialize(d)?))
    }
}

impl Serialize for Vnd {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::FieldType;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn citizen_id_parses_and_decodes() {
        let id = CitizenId::parse(" 001303012345 ").unwrap();
        assert_eq!(id.as_str(), "001303012345");
        assert_eq!(id.province_code(), "001");
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.birth_year(), 2003);
        assert_eq!(CitizenId::parse("079090000001").unwrap().birth_year(), 1990);
        assert_eq!(CitizenId::parse("079090000001").unwrap().sex(), Sex::Male);
        assert_eq!(
            CitizenId::parse("096999999999").unwrap().province_code(),
            "096"
        );
        // Personal data stays out of logs.
        assert_eq!(id.to_string(), "•••••••••345");
        assert!(!format!("{id:?}").contains("0013030"));
    }

    #[test]
    fn citizen_id_rejects_with_typed_errors() {
        assert_eq!(
            CitizenId::parse("00120301234"),
            Err(RegistryError::CitizenIdLength { found: 11 })
        );
        assert_eq!(
            CitizenId::parse("0012030123456"),
            Err(RegistryError::CitizenIdLength { found: 13 })
        );
        assert_eq!(
            CitizenId::parse("00120301234x"),
            Err(RegistryError::CitizenIdDigit { position: 12 })
        );
        assert_eq!(
            CitizenId::parse("００１２０３０１２３４５"),
            Err(RegistryError::CitizenIdDigit { position: 1 })
        );
        for bad in ["000203012345", "097203012345", "999203012345"] {
            assert!(
                matches!(
                    CitizenId::parse(bad),
                    Err(RegistryError::CitizenIdProvince { .. })
                ),
                "{bad}"
            );
        }
        let e = CitizenId::parse("1").unwrap_err();
        assert_eq!(e.code(), "REG_CITIZEN_ID");
        assert!(e.message_vi().contains("12 chữ số"));
    }

    #[test]
    fn codes_are_checked_and_uppercased() {
        assert_eq!(UnitCode::parse(" 00001-05 ").unwrap().as_str(), "00001-05");
        assert_eq!(HouseholdCode::parse("hd-001").unwrap().as_str(), "HD-001");
        for bad in ["", "a b", "Đ01", &"9".repeat(21)] {
            assert!(UnitCode::parse(bad).is_err(), "{bad:?}");
        }
        assert!(HouseholdCode::parse(&"9".repeat(33)).is_err());
    }

    #[test]
    fn coded_values_follow_the_catalogue() {
        fn check(field: &str, codes: &[&str]) {
            let f = schema::field(field).unwrap();
            let FieldType::Enum(vs) = f.def().ty else {
                panic!("{field} is not an enum")
            };
            let want: Vec<&str> = vs.iter().map(|v| v.code).collect();
            assert_eq!(codes, want, "{field}");
        }
        check(
            "area",
            &Area::ALL.iter().map(|v| v.code()).collect::<Vec<_>>(),
        );
        check(
            "housing_quality",
            &Housing::ALL.iter().map(|v| v.code()).collect::<Vec<_>>(),
        );
        check(
            "water_source",
            &Water::ALL.iter().map(|v| v.code()).collect::<Vec<_>>(),
        );
        check(
            "toilet",
            &Toilet::ALL.iter().map(|v| v.code()).collect::<Vec<_>>(),
        );
        check(
            "sex",
            &Sex::ALL.iter().map(|v| v.code()).collect::<Vec<_>>(),
        );
        check(
            "labour_status",
            &Labour::ALL.iter().map(|v| v.code()).collect::<Vec<_>>(),
        );
        check(
            "education_level",
            &Education::ALL.iter().map(|v| v.code()).collect::<Vec<_>>(),
        );
        assert_eq!(Relation::ALL.len(), RELATION.len());
        assert_eq!(UnitKind::ALL.len(), UNIT_KIND.len());
        // Codes, Vietnamese labels (any case, any diacritics form) and English labels all parse.
        assert_eq!(Housing::parse("semi_solid"), Ok(Housing::SemiSolid));
        assert_eq!(Housing::parse("Bán kiên cố"), Ok(Housing::SemiSolid));
        assert_eq!(Relation::parse("Chủ hộ"), Ok(Relation::Head));
        assert_eq!(UnitKind::parse("Đặc khu"), Ok(UnitKind::SpecialZone));
        assert_eq!(Sex::parse("female"), Ok(Sex::Female));
        assert!(Sex::parse("x").is_err());
        assert_eq!(UnitKind::Ward.usual_area(), Some(Area::Urban));
        assert_eq!(UnitKind::SpecialZone.usual_area(), None);
    }

    #[test]
    fn ages_memberships_and_incomes_are_dated() {
        let mut m = Member::new("Lê Thị Hoa", Relation::Spouse);
        m.date_of_birth = Some(d(2000, 7, 1));
        assert_eq!(m.age_on(d(2025, 6, 30)), Some(24));
        assert_eq!(m.age_on(d(2025, 7, 1)), Some(25));
        assert_eq!(m.age_on(d(1999, 1, 1)), None);
        m.start_date = Some(d(2020, 1, 1));
        m.end_date = Some(d(2024, 1, 1));
        assert!(!m.is_member_on(d(2019, 12, 31)));
        assert!(m.is_member_on(d(2023, 12, 31)));
        assert!(!m.is_member_on(d(2024, 1, 1)));

        let mut h = Household::new(
            HouseholdCode::parse("H1").unwrap(),
            UnitId(1),
            "Lê Văn A",
            "Thôn 1",
        );
        for (y, v) in [(2022, 1_000_000), (2024, 2_000_000), (2023, 1_500_000)] {
            h.incomes.push(IncomeRecord {
                recorded_on: d(y, 1, 1),
                monthly_income_vnd: Vnd(v),
                note: None,
            });
        }
        assert_eq!(h.income_on(d(2023, 6, 1)), Some(Vnd(1_500_000)));
        assert_eq!(h.income_on(d(2021, 6, 1)), None);
    }

    #[test]
    fn households_become_a_batch() {
        let code = |s: &str| HouseholdCode::parse(s).unwrap();
        let mut h1 = Household::new(code("H1"), UnitId(7), "Nguyễn Văn Đức", "Thôn 1");
        h1.water_source = Some(Water::Rain);
        h1.uses_internet = Some(false);
        h1.incomes.push(IncomeRecord {
            recorded_on: d(2024, 1, 1),
            monthly_income_vnd: Vnd(4_000_000),
            note: None,
        });
        let mut head = Member::new("Nguyễn Văn Đức", Relation::Head);
        head.date_of_birth = Some(d(1980, 5, 5));
        head.sex = Some(Sex::Male);
        let mut left = Member::new("Nguyễn Văn Em", Relation::Child);
        left.end_date = Some(d(2024, 1, 1));
        let mut child = Member::new("Nguyễn Thị Út", Relation::Child);
        child.attending_school = Some(true);
        let m1 = [head, left, child];
        let mut h2 = Household::new(code("H2"), UnitId(8), "Trần B", "Thôn 2");
        h2.area = Some(Area::Urban);
        let m2 = [Member::new("Trần B", Relation::Head)];

        let items = [(&h1, &m1[..]), (&h2, &m2[..])];
        let b = households_to_batch(&items, d(2025, 1, 1), |u| {
            (u == UnitId(7)).then_some(Area::Rural)
        })
        .unwrap();
        assert_eq!(b.households(), 2);
        assert_eq!(b.offsets, vec![0, 2, 3]);
        let col = |n: &str| b.column(schema::field(n).unwrap()).unwrap().clone();
        assert_eq!(col("area"), Column::Enum(vec![0, 1]));
        assert_eq!(
            col("monthly_income_vnd"),
            Column::Int {
                values: vec![4_000_000, 0],
                valid: Some(vec![true, false])
            }
        );
        assert_eq!(col("water_source"), Column::Enum(vec![4, NULL_CODE]));
        assert_eq!(col("uses_internet"), Column::Bool(vec![FALSE, UNKNOWN]));
        assert_eq!(
            col("age"),
            Column::Int {
                values: vec![44, 0, 0],
                valid: Some(vec![true, false, false])
            }
        );
        assert_eq!(col("sex"), Column::Enum(vec![0, NULL_CODE, NULL_CODE]));
        assert_eq!(
            col("attending_school"),
            Column::Bool(vec![UNKNOWN, TRUE, UNKNOWN])
        );
        assert!(col("floor_area_m2").is_null(0));
        assert_eq!(
            b.member_labels.as_deref().unwrap(),
            ["Nguyễn Văn Đức", "Nguyễn Thị Út", "Trần B"]
        );
        // Every catalogue field is set, so nothing reads as "column missing".
        assert!(b.columns.iter().all(|c| c.is_some()));
    }
}

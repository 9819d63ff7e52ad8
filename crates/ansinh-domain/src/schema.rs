//! The field catalogue: every household and member field a standard may read, with its type and labels.
//!
//! Standards refer to fields by these names; loading a standard checks every name and every enum value
//! against this catalogue, so a typo is a load error, never a silent "not deprived".

/// Where a field lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// One value per household.
    Household,
    /// One value per member of a household.
    Member,
}

/// The type of a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Bool,
    /// Whole numbers (ages, VND amounts).
    Int,
    /// Measurements such as floor area.
    Float,
    /// One of a fixed list of codes.
    Enum(&'static [EnumValue]),
}

/// One allowed value of an enum field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnumValue {
    pub code: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
}

/// A field of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDef {
    pub name: &'static str,
    pub level: Level,
    pub ty: FieldType,
    pub vi: &'static str,
    pub en: &'static str,
}

/// Index of a field in [`FIELDS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub u16);

impl FieldId {
    pub fn def(self) -> &'static FieldDef {
        &FIELDS[self.0 as usize]
    }
}

macro_rules! ev {
    ($code:literal, $vi:literal, $en:literal) => {
        EnumValue {
            code: $code,
            vi: $vi,
            en: $en,
        }
    };
}

pub const AREA: &[EnumValue] = &[
    ev!("rural", "nông thôn", "rural"),
    ev!("urban", "thành thị", "urban"),
];
pub const HOUSING: &[EnumValue] = &[
    ev!("solid", "kiên cố", "solid"),
    ev!("semi_solid", "bán kiên cố", "semi-solid"),
    ev!("less_durable", "thiếu kiên cố", "less durable"),
    ev!("makeshift", "đơn sơ", "makeshift"),
];
pub const WATER: &[EnumValue] = &[
    ev!("piped", "nước máy", "piped water"),
    ev!("drilled_well", "giếng khoan", "drilled well"),
    ev!(
        "protected_well",
        "giếng đào được bảo vệ",
        "protected dug well"
    ),
    ev!(
        "protected_spring",
        "nước khe/mó được bảo vệ",
        "protected spring"
    ),
    ev!("rain", "nước mưa", "rain water"),
    ev!("bottled", "nước đóng chai", "bottled water"),
    ev!(
        "unprotected",
        "nguồn không được bảo vệ",
        "unprotected source"
    ),
    ev!("none", "không có", "none"),
];
pub const TOILET: &[EnumValue] = &[
    ev!("flush_septic", "tự hoại", "septic flush"),
    ev!("semi_septic", "bán tự hoại", "semi-septic"),
    ev!("other_hygienic", "loại hợp vệ sinh khác", "other hygienic"),
    ev!("unhygienic", "không hợp vệ sinh", "unhygienic"),
    ev!("none", "không có", "none"),
];
pub const SEX: &[EnumValue] = &[ev!("male", "nam", "male"), ev!("female", "nữ", "female")];
pub const LABOUR: &[EnumValue] = &[
    ev!(
        "employed_formal",
        "có việc làm, có hợp đồng lao động",
        "employed with a contract"
    ),
    ev!(
        "employed_informal",
        "làm công không có hợp đồng lao động",
        "employed without a contract"
    ),
    ev!("unemployed", "thất nghiệp", "unemployed"),
    ev!(
        "not_in_labour_force",
        "không tham gia lực lượng lao động",
        "not in the labour force"
    ),
];
pub const EDUCATION: &[EnumValue] = &[
    ev!("none", "chưa đi học", "none"),
    ev!("primary", "tiểu học", "primary"),
    ev!("lower_secondary", "trung học cơ sở", "lower secondary"),
    ev!("upper_secondary", "trung học phổ thông", "upper secondary"),
    ev!("vocational", "sơ cấp/trung cấp/cao đẳng nghề", "vocational"),
    ev!("tertiary", "đại học trở lên", "tertiary"),
];

macro_rules! f {
    ($name:literal, $level:ident, $ty:expr, $vi:literal, $en:literal) => {
        FieldDef {
            name: $name,
            level: Level::$level,
            ty: $ty,
            vi: $vi,
            en: $en,
        }
    };
}

/// The catalogue. Names match the benchmark's column names (`../shared/bench/gen.py`) where they exist.
pub const FIELDS: &[FieldDef] = &[
    f!("area", Household, FieldType::Enum(AREA), "khu vực", "area"),
    f!(
        "monthly_income_vnd",
        Household,
        FieldType::Int,
        "thu nhập bình quân tháng của hộ",
        "household monthly income"
    ),
    f!(
        "housing_quality",
        Household,
        FieldType::Enum(HOUSING),
        "chất lượng nhà ở",
        "housing quality"
    ),
    f!(
        "floor_area_m2",
        Household,
        FieldType::Float,
        "diện tích nhà ở (m²)",
        "floor area (m²)"
    ),
    f!(
        "water_source",
        Household,
        FieldType::Enum(WATER),
        "nguồn nước sinh hoạt",
        "domestic water source"
    ),
    f!(
        "toilet",
        Household,
        FieldType::Enum(TOILET),
        "nhà tiêu",
        "toilet"
    ),
    f!(
        "uses_telecom",
        Household,
        FieldType::Bool,
        "sử dụng dịch vụ viễn thông",
        "uses telecom services"
    ),
    f!(
        "has_info_device",
        Household,
        FieldType::Bool,
        "có phương tiện tiếp cận thông tin",
        "has an information device"
    ),
    f!(
        "hears_loudspeaker",
        Household,
        FieldType::Bool,
        "nghe được loa truyền thanh",
        "hears the village loudspeaker"
    ),
    f!(
        "uses_internet",
        Household,
        FieldType::Bool,
        "sử dụng internet",
        "uses the internet"
    ),
    f!(
        "uses_digital_services",
        Household,
        FieldType::Bool,
        "sử dụng dịch vụ số",
        "uses digital services"
    ),
    f!(
        "waste_treated",
        Household,
        FieldType::Bool,
        "rác thải sinh hoạt được thu gom/xử lý",
        "household waste collected or treated"
    ),
    f!("age", Member, FieldType::Int, "tuổi", "age"),
    f!("sex", Member, FieldType::Enum(SEX), "giới tính", "sex"),
    f!(
        "labour_status",
        Member,
        FieldType::Enum(LABOUR),
        "tình trạng việc làm",
        "labour status"
    ),
    f!(
        "has_health_insurance",
        Member,
        FieldType::Bool,
        "có bảo hiểm y tế",
        "has health insurance"
    ),
    f!(
        "education_level",
        Member,
        FieldType::Enum(EDUCATION),
        "trình độ giáo dục",
        "education level"
    ),
    f!(
        "attending_school",
        Member,
        FieldType::Bool,
        "đang đi học",
        "attending school"
    ),
    f!(
        "in_training",
        Member,
        FieldType::Bool,
        "đang học nghề/đào tạo",
        "in training"
    ),
    f!(
        "stunted_or_underweight",
        Member,
        FieldType::Bool,
        "suy dinh dưỡng",
        "stunted or underweight"
    ),
    f!(
        "is_disabled",
        Member,
        FieldType::Bool,
        "người khuyết tật",
        "disabled"
    ),
    f!(
        "receives_social_allowance",
        Member,
        FieldType::Bool,
        "hưởng trợ cấp xã hội hằng tháng",
        "receives a monthly social allowance"
    ),
    f!(
        "sick_untreated",
        Member,
        FieldType::Bool,
        "ốm đau không đi khám chữa bệnh",
        "sick and not treated"
    ),
];

/// Looks a field up by name.
pub fn field(name: &str) -> Option<FieldId> {
    FIELDS
        .iter()
        .position(|f| f.name == name)
        .map(|i| FieldId(i as u16))
}

/// Code of an enum value (its position in the value list), if the value exists.
pub fn enum_code(values: &[EnumValue], code: &str) -> Option<u8> {
    values.iter().position(|v| v.code == code).map(|i| i as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_unique_and_enums_fit_in_a_bitmask() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert_eq!(
                field(f.name),
                Some(FieldId(i as u16)),
                "duplicate field {}",
                f.name
            );
            if let FieldType::Enum(vs) = f.ty {
                assert!(vs.len() <= 64, "{} has too many values", f.name);
            }
        }
    }
}

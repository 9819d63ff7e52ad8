//! The columns of the three registry tables (administrative units, households, members): their field
//! names, their Vietnamese headers (the template's) and English labels. A file's header may be either
//! the name or the Vietnamese or English label, in any case and with or without diacritics.

use ansinh_domain::registry::{RELATION, UNIT_KIND};
use ansinh_domain::schema::{self, EnumValue};
use ansinh_domain::text::search_key;

/// Which table a file or sheet holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Units,
    Households,
    Members,
}

impl Table {
    pub const ALL: [Table; 3] = [Table::Units, Table::Households, Table::Members];
    /// Sheet name in the template, exports and rejected-rows workbooks.
    pub fn sheet(self) -> &'static str {
        match self {
            Table::Units => "Đơn vị hành chính",
            Table::Households => "Hộ gia đình",
            Table::Members => "Thành viên",
        }
    }
    /// File stem for CSV and Parquet exports.
    pub fn file_stem(self) -> &'static str {
        match self {
            Table::Units => "units",
            Table::Households => "households",
            Table::Members => "members",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Table::Units => "administrative units",
            Table::Households => "households",
            Table::Members => "members",
        }
    }
    pub fn columns(self) -> &'static [Col] {
        match self {
            Table::Units => UNIT_COLS,
            Table::Households => HOUSEHOLD_COLS,
            Table::Members => MEMBER_COLS,
        }
    }
    /// The column whose presence identifies the table.
    fn marker(self) -> &'static str {
        match self {
            Table::Units => "unit_kind",
            Table::Households => "head_name",
            Table::Members => "relation",
        }
    }
    /// The table a header row belongs to, if any (units before members before households: a members
    /// sheet has no head-name column, a units sheet no relation column).
    pub fn of_headers(headers: &[String]) -> Option<Table> {
        [Table::Units, Table::Members, Table::Households]
            .into_iter()
            .find(|t| {
                let Some(c) = t.columns().iter().find(|c| c.name == t.marker()) else {
                    return false;
                };
                headers.iter().any(|h| c.matches(h))
            })
    }
}

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ty {
    /// Free text (names, addresses), stored NFC.
    Text,
    /// An identifier code (household code, unit code).
    Code,
    CitizenId,
    Date,
    /// VND, whole.
    Money,
    Float,
    Bool,
    Choice(&'static [EnumValue]),
}

/// One column of a table.
#[derive(Clone, Copy, Debug)]
pub struct Col {
    pub name: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    pub ty: Ty,
    pub required: bool,
    /// Other names accepted as header.
    pub aliases: &'static [&'static str],
}

impl Col {
    /// Whether a header names this column.
    pub fn matches(&self, header: &str) -> bool {
        let h = search_key(header);
        if h.is_empty() {
            return false;
        }
        h == self.name
            || h == search_key(self.vi)
            || h == search_key(self.en)
            || self.aliases.iter().any(|a| h == search_key(a))
    }
}

const fn col(name: &'static str, vi: &'static str, en: &'static str, ty: Ty) -> Col {
    Col {
        name,
        vi,
        en,
        ty,
        required: false,
        aliases: &[],
    }
}

const fn req(mut c: Col) -> Col {
    c.required = true;
    c
}

const fn alias(mut c: Col, aliases: &'static [&'static str]) -> Col {
    c.aliases = aliases;
    c
}

/// A catalogue field as a column, with the catalogue's labels.
const fn field(def: &'static schema::FieldDef) -> Col {
    let ty = match def.ty {
        schema::FieldType::Bool => Ty::Bool,
        schema::FieldType::Int => Ty::Money,
        schema::FieldType::Float => Ty::Float,
        schema::FieldType::Enum(v) => Ty::Choice(v),
    };
    col(def.name, def.vi, def.en, ty)
}

const F: &[schema::FieldDef] = schema::FIELDS;

pub const UNIT_COLS: &[Col] = &[
    req(alias(
        col("unit_code", "Mã đơn vị hành chính", "unit code", Ty::Code),
        &["mã đơn vị"],
    )),
    req(col("unit_name", "Tên đơn vị", "unit name", Ty::Text)),
    req(col(
        "unit_kind",
        "Loại đơn vị",
        "unit kind",
        Ty::Choice(UNIT_KIND),
    )),
    col("area", "Khu vực", "area", Ty::Choice(schema::AREA)),
    col(
        "parent_code",
        "Mã đơn vị cấp trên",
        "parent unit code",
        Ty::Code,
    ),
    req(col(
        "valid_from",
        "Có hiệu lực từ ngày",
        "valid from",
        Ty::Date,
    )),
    col("valid_to", "Hết hiệu lực từ ngày", "valid until", Ty::Date),
];

pub const HOUSEHOLD_COLS: &[Col] = &[
    req(alias(
        col("household_code", "Mã hộ", "household code", Ty::Code),
        &["household_id"],
    )),
    req(alias(
        col("unit_code", "Mã đơn vị hành chính", "unit code", Ty::Code),
        &["mã đơn vị", "commune_code", "mã xã"],
    )),
    req(col(
        "head_name",
        "Họ và tên chủ hộ",
        "head of household",
        Ty::Text,
    )),
    col("address", "Địa chỉ", "address", Ty::Text),
    field(&F[0]), // area
    field(&F[1]), // monthly_income_vnd
    col(
        "income_recorded_on",
        "Ngày ghi nhận thu nhập",
        "income recorded on",
        Ty::Date,
    ),
    field(&F[2]),  // housing_quality
    field(&F[3]),  // floor_area_m2
    field(&F[4]),  // water_source
    field(&F[5]),  // toilet
    field(&F[6]),  // uses_telecom
    field(&F[7]),  // has_info_device
    field(&F[8]),  // hears_loudspeaker
    field(&F[9]),  // uses_internet
    field(&F[10]), // uses_digital_services
    field(&F[11]), // waste_treated
];

pub const MEMBER_COLS: &[Col] = &[
    req(alias(
        col("household_code", "Mã hộ", "household code", Ty::Code),
        &["household_id"],
    )),
    req(alias(
        col("full_name", "Họ và tên", "full name", Ty::Text),
        &["name"],
    )),
    req(col(
        "relation",
        "Quan hệ với chủ hộ",
        "relation to the head",
        Ty::Choice(RELATION),
    )),
    col("date_of_birth", "Ngày sinh", "date of birth", Ty::Date),
    field(&F[13]), // sex
    alias(
        col(
            "citizen_id",
            "Số định danh cá nhân",
            "citizen ID",
            Ty::CitizenId,
        ),
        &["CCCD", "số CCCD", "số căn cước công dân"],
    ),
    col("ethnicity", "Dân tộc", "ethnicity", Ty::Text),
    field(&F[14]), // labour_status
    field(&F[15]), // has_health_insurance
    field(&F[16]), // education_level
    field(&F[17]), // attending_school
    field(&F[18]), // in_training
    field(&F[19]), // stunted_or_underweight
    field(&F[20]), // is_disabled
    field(&F[21]), // receives_social_allowance
    field(&F[22]), // sick_untreated
    col(
        "start_date",
        "Ngày bắt đầu là thành viên",
        "member since",
        Ty::Date,
    ),
    col(
        "end_date",
        "Ngày thôi là thành viên",
        "member until",
        Ty::Date,
    ),
];

impl Col {
    /// The Vietnamese header as written in the template and exports (first letter capitalised).
    pub fn header(&self) -> String {
        let mut c = self.vi.chars();
        match c.next() {
            Some(f) => f.to_uppercase().chain(c).collect(),
            None => String::new(),
        }
    }
}

/// Position of each of the table's columns among the file's headers.
pub fn locate(table: Table, headers: &[String]) -> Vec<Option<usize>> {
    table
        .columns()
        .iter()
        .map(|c| headers.iter().position(|h| c.matches(h)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_fields_sit_where_the_tables_expect_them() {
        let names: Vec<&str> = HOUSEHOLD_COLS.iter().map(|c| c.name).collect();
        for n in [
            "area",
            "monthly_income_vnd",
            "housing_quality",
            "floor_area_m2",
            "water_source",
            "toilet",
            "waste_treated",
        ] {
            assert!(names.contains(&n), "{n}");
        }
        let names: Vec<&str> = MEMBER_COLS.iter().map(|c| c.name).collect();
        for n in ["sex", "labour_status", "education_level", "sick_untreated"] {
            assert!(names.contains(&n), "{n}");
        }
        for t in Table::ALL {
            for c in t.columns() {
                assert!(
                    schema::field(c.name)
                        .is_none_or(|f| search_key(f.def().vi) == search_key(c.vi)),
                    "{}",
                    c.name
                );
            }
        }
    }

    #[test]
    fn headers_match_by_name_or_label_in_any_form() {
        let hs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Table::of_headers(&hs(&["MÃ HỘ", "Ho va ten chu ho"])),
            Some(Table::Households)
        );
        assert_eq!(
            Table::of_headers(&hs(&["household_code", "full_name", "relation"])),
            Some(Table::Members)
        );
        assert_eq!(
            Table::of_headers(&hs(&["Mã đơn vị hành chính", "Loại đơn vị"])),
            Some(Table::Units)
        );
        assert_eq!(Table::of_headers(&hs(&["Cột", "Ghi chú"])), None);
    }
}

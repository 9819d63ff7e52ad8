//! Partner exports as data (`policies/exports/partners.toml`): which policies feed the list a partner
//! agency needs (social insurance, schools, the electricity company, the Social Policy Bank) and its
//! columns with their Vietnamese headers, in order.
//!
//! ```toml
//! [[partner]]
//! id = "bhxh"
//! name.vi = "Danh sách đề nghị cấp thẻ BHYT"; name.en = "Health-insurance card list"
//! agency = "Bảo hiểm xã hội"
//! policies = ["vn-bhyt-poor", "vn-bhyt-near-poor"]
//! columns = [["stt", "STT"], ["full_name", "Họ và tên"], ["date_of_birth", "Ngày sinh"]]
//! ```

use serde::Deserialize;

use super::{FileError, Names, Origin, PolicySet};

/// The values a partner column may show (the key in the file).
pub const COLUMN_KEYS: &[(&str, &str)] = &[
    ("stt", "row number"),
    ("policy_id", "policy id"),
    ("policy_name", "policy name (Vietnamese)"),
    ("household_code", "household code"),
    ("head_name", "head of household"),
    (
        "full_name",
        "the member's full name (the head's for household policies)",
    ),
    ("date_of_birth", "the member's date of birth, dd/mm/yyyy"),
    ("sex", "the member's sex (Nam/Nữ)"),
    ("citizen_id", "the member's citizen ID"),
    ("address", "the household's address"),
    ("village", "the unit the household is recorded under"),
    ("class", "approved status (hộ nghèo, hộ cận nghèo, …)"),
    ("share", "support share of the policy (100%, 70%, …)"),
    ("per_unit", "amount per month / year / case (whole đồng)"),
    ("months", "number of entitled months in the year"),
    ("year_amount", "amount for the year (whole đồng)"),
    ("reason", "the reason (Vietnamese)"),
    ("caveats", "unconfirmed points"),
];

/// One partner's export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partner {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    pub agency: String,
    pub policies: Vec<String>,
    /// `(key, Vietnamese header)`, in order.
    pub columns: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnerFile {
    id: String,
    name: Names,
    agency: String,
    policies: Vec<String>,
    columns: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnersFile {
    partner: Vec<PartnerFile>,
}

/// Loads the partner definitions; every policy named must exist in `set` and every column key must be one
/// of [`COLUMN_KEYS`] (`PARTNER_SYNTAX`, `PARTNER_REF`, `PARTNER_VALUE`).
pub fn load(file: &str, src: &str, set: &PolicySet) -> Result<Vec<Partner>, Vec<FileError>> {
    let o = Origin { file, src };
    let parsed: PartnersFile =
        toml::from_str(src).map_err(|e| vec![o.syntax("PARTNER_SYNTAX", &e)])?;
    let mut errors = Vec::new();
    let mut out: Vec<Partner> = Vec::new();
    for p in parsed.partner {
        if out.iter().any(|x| x.id == p.id) {
            errors.push(o.err(
                None,
                "PARTNER_VALUE",
                format!("partner `{}` is defined twice", p.id),
            ));
        }
        for id in &p.policies {
            if set.get(id).is_none() {
                errors.push(o.err(
                    None,
                    "PARTNER_REF",
                    format!("partner `{}`: unknown policy `{id}`", p.id),
                ));
            }
        }
        for (k, _) in &p.columns {
            if !COLUMN_KEYS.iter().any(|(c, _)| c == k) {
                errors.push(o.err(
                    None,
                    "PARTNER_VALUE",
                    format!("partner `{}`: unknown column `{k}`", p.id),
                ));
            }
        }
        out.push(Partner {
            id: p.id,
            name_vi: p.name.vi,
            name_en: p.name.en,
            agency: p.agency,
            policies: p.policies,
            columns: p.columns,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

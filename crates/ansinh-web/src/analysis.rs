//! What the dashboard, the lists and the API show: the read model of [`ansinh_app::dashboard`]
//! (computed from the user's scope), here as the JSON shapes the API documents (utoipa schemas).

use std::collections::HashMap;

use chrono::NaiveDate;

use ansinh_app::dashboard as app;
use ansinh_domain::Class;
use ansinh_domain::registry::HouseholdId;
use ansinh_store::{StoredHousehold, StoredUnit};

pub use ansinh_app::dashboard::latest_facts;

use crate::auth::Scoped;
use crate::error::WebError;
use crate::{App, Backend};

/// Counts of one group of households.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub households: i64,
    pub persons: i64,
    pub poor: i64,
    pub near_poor: i64,
    pub incomplete: i64,
}

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UnitRow {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub counts: Counts,
}

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct YearRow {
    pub year: i32,
    pub counts: Counts,
}

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IndicatorRow {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    pub deprived: i64,
}

/// The dashboard of a unit.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Overview {
    pub unit_name: Option<String>,
    pub standard_id: String,
    pub standard_name_vi: String,
    pub standard_name_en: String,
    pub unconfirmed: bool,
    /// ISO date the current counts are taken as of.
    pub as_of: String,
    pub counts: Counts,
    pub by_indicator: Vec<IndicatorRow>,
    pub by_unit: Vec<UnitRow>,
    pub trend: Vec<YearRow>,
}

/// One line of a list of poor and near-poor households: only what is posted publicly.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ListEntry {
    pub head_name: String,
    pub village: String,
    /// `poor` or `near_poor`.
    pub class: String,
    /// ISO date of the review the class comes from.
    pub as_of: String,
}

impl From<app::Counts> for Counts {
    fn from(c: app::Counts) -> Counts {
        Counts {
            households: c.households,
            persons: c.persons,
            poor: c.poor,
            near_poor: c.near_poor,
            incomplete: c.incomplete,
        }
    }
}

impl From<app::Overview> for Overview {
    fn from(o: app::Overview) -> Overview {
        Overview {
            unit_name: o.unit_name,
            standard_id: o.standard_id,
            standard_name_vi: o.standard_name_vi,
            standard_name_en: o.standard_name_en,
            unconfirmed: o.unconfirmed,
            as_of: o.as_of,
            counts: o.counts.into(),
            by_indicator: o
                .by_indicator
                .into_iter()
                .map(|i| IndicatorRow {
                    id: i.id,
                    name_vi: i.name_vi,
                    name_en: i.name_en,
                    deprived: i.deprived,
                })
                .collect(),
            by_unit: o
                .by_unit
                .into_iter()
                .map(|u| UnitRow {
                    unit_id: u.unit_id,
                    code: u.code,
                    name: u.name,
                    counts: u.counts.into(),
                })
                .collect(),
            trend: o
                .trend
                .into_iter()
                .map(|y| YearRow {
                    year: y.year,
                    counts: y.counts.into(),
                })
                .collect(),
        }
    }
}

impl From<app::ListEntry> for ListEntry {
    fn from(e: app::ListEntry) -> ListEntry {
        ListEntry {
            head_name: e.head_name,
            village: e.village,
            class: e.class,
            as_of: e.as_of,
        }
    }
}

/// The dashboard of the user's subtree under the standard the pages classify with.
pub async fn overview<S: Backend>(
    app: &App<S>,
    scoped: &Scoped<'_, S>,
    today: NaiveDate,
) -> Result<Overview, WebError> {
    let std = app.standard(today)?;
    Ok(app::overview(scoped, std, today).await?.into())
}

/// See [`app::approved_lists`].
pub fn approved_lists(
    households: &[StoredHousehold],
    units: &[StoredUnit],
    approved: &HashMap<HouseholdId, (NaiveDate, Class)>,
) -> Vec<ListEntry> {
    app::approved_lists(households, units, approved)
        .into_iter()
        .map(ListEntry::from)
        .collect()
}

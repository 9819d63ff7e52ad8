//! Shared helpers of the integration tests: the workspace's standards, and a builder that makes test
//! households read like the law ("a rural household of 4 with income X per person, a makeshift house").
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use ansinh_domain::classify::{INCOMPLETE, Outcome};
use ansinh_domain::columnar::{FALSE, NULL_CODE, TRUE, UNKNOWN};
use ansinh_domain::schema::{self, FIELDS, FieldType, Level};
use ansinh_domain::{Batch, Class, Column, Explanation, Standard, StandardSet};

// ------------------------------------------------------------------ the standards of the workspace

/// `<workspace>/standards`.
pub fn standards_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../standards")
}

/// Every `*.toml` under `standards/`, as `(file name, contents)`, sorted by name.
pub fn standard_files() -> Vec<(String, String)> {
    let dir = standards_dir();
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let name = p
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            (name, text)
        })
        .collect();
    files.sort();
    files
}

/// All standards of the workspace, loaded once.
pub fn registry() -> &'static StandardSet {
    static REG: OnceLock<StandardSet> = OnceLock::new();
    REG.get_or_init(|| match StandardSet::load(&standard_files()) {
        Ok(r) => r,
        Err(errors) => {
            let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            panic!(
                "the standards of the workspace do not load:\n{}",
                lines.join("\n")
            )
        }
    })
}

/// A standard of the workspace by id.
pub fn standard(id: &str) -> &'static Standard {
    registry()
        .get(id)
        .unwrap_or_else(|| panic!("no standard `{id}` in standards/"))
}

// ------------------------------------------------------------------ households, as a reader of the law says them

/// A cell of a test household: a value, or "not recorded".
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Bool(bool),
    Int(i64),
    Float(f64),
    Code(&'static str),
    Null,
}

/// A household member. Every member field is recorded unless [`Member::missing`] says otherwise.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub values: BTreeMap<&'static str, V>,
    pub name: Option<String>,
}

fn adult(age: i64, sex: &'static str) -> Member {
    let mut values = BTreeMap::new();
    values.insert("age", V::Int(age));
    values.insert("sex", V::Code(sex));
    values.insert("labour_status", V::Code("employed_formal"));
    values.insert("has_health_insurance", V::Bool(true));
    values.insert("education_level", V::Code("upper_secondary"));
    values.insert("attending_school", V::Bool(false));
    values.insert("in_training", V::Bool(false));
    values.insert("stunted_or_underweight", V::Bool(false));
    values.insert("is_disabled", V::Bool(false));
    values.insert("receives_social_allowance", V::Bool(false));
    values.insert("sick_untreated", V::Bool(false));
    Member { values, name: None }
}

/// A man of `age` in formal work, insured, with upper-secondary education: deprived on nothing.
pub fn man(age: i64) -> Member {
    adult(age, "male")
}

/// A woman of `age` in formal work, insured, with upper-secondary education: deprived on nothing.
pub fn woman(age: i64) -> Member {
    adult(age, "female")
}

/// A child of `age`, insured, attending school, well nourished.
pub fn child(age: i64) -> Member {
    adult(age, "male")
        .set("labour_status", V::Code("not_in_labour_force"))
        .set("education_level", V::Code("primary"))
        .set("attending_school", V::Bool(true))
}

/// A retired person of `age` (out of the labour force, no allowance).
pub fn elder(age: i64, sex: &'static str) -> Member {
    adult(age, sex)
        .set("labour_status", V::Code("not_in_labour_force"))
        .set("education_level", V::Code("primary"))
}

impl Member {
    pub fn set(mut self, field: &'static str, v: V) -> Member {
        assert!(
            schema::field(field).is_some_and(|f| f.def().level == Level::Member),
            "`{field}` is not a member field"
        );
        self.values.insert(field, v);
        self
    }
    /// The field is not recorded for this member.
    pub fn missing(self, field: &'static str) -> Member {
        self.set(field, V::Null)
    }
    pub fn named(mut self, name: &str) -> Member {
        self.name = Some(name.to_string());
        self
    }
    pub fn uninsured(self) -> Member {
        self.set("has_health_insurance", V::Bool(false))
    }
    pub fn unemployed(self) -> Member {
        self.set("labour_status", V::Code("unemployed"))
    }
    pub fn without_contract(self) -> Member {
        self.set("labour_status", V::Code("employed_informal"))
    }
    pub fn out_of_school(self) -> Member {
        self.set("attending_school", V::Bool(false))
    }
    pub fn education(self, level: &'static str) -> Member {
        self.set("education_level", V::Code(level))
    }
    pub fn disabled(self) -> Member {
        self.set("is_disabled", V::Bool(true))
    }
    pub fn with_allowance(self) -> Member {
        self.set("receives_social_allowance", V::Bool(true))
    }
    pub fn stunted(self) -> Member {
        self.set("stunted_or_underweight", V::Bool(true))
    }
    pub fn sick_untreated(self) -> Member {
        self.set("sick_untreated", V::Bool(true))
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Income {
    Total(i64),
    PerPerson(i64),
}

#[derive(Clone, Debug, PartialEq)]
enum Floor {
    Total(f64),
    PerPerson(f64),
}

/// A household: members, area, income and dwelling. By default it is deprived on nothing, has 10 m² per
/// person and no income recorded until [`Household::income`] or [`Household::income_per_person`] is called.
#[derive(Clone, Debug, PartialEq)]
pub struct Household {
    pub values: BTreeMap<&'static str, V>,
    pub members: Vec<Member>,
    income: Option<Income>,
    floor: Option<Floor>,
}

/// A household of the given area with these members.
pub fn household(area: &'static str, members: Vec<Member>) -> Household {
    let mut values = BTreeMap::new();
    values.insert("area", V::Code(area));
    values.insert("housing_quality", V::Code("solid"));
    values.insert("water_source", V::Code("piped"));
    values.insert("toilet", V::Code("flush_septic"));
    values.insert("uses_telecom", V::Bool(true));
    values.insert("has_info_device", V::Bool(true));
    values.insert("hears_loudspeaker", V::Bool(true));
    values.insert("uses_internet", V::Bool(true));
    values.insert("uses_digital_services", V::Bool(true));
    values.insert("waste_treated", V::Bool(true));
    Household {
        values,
        members,
        income: None,
        floor: Some(Floor::PerPerson(10.0)),
    }
}

/// `size` members: working adults (40, 38, 45, 43, …) and, for fewer than half of the members, school
/// children (10, 12, 8, …). Deprived on nothing under every standard.
pub fn members_of(size: usize) -> Vec<Member> {
    let children = size.saturating_sub(1) / 2;
    let adults = size - children;
    let mut out = Vec::with_capacity(size);
    for k in 0..adults {
        let age = 40 + 5 * (k as i64 / 2) - 2 * (k as i64 % 2);
        out.push(if k % 2 == 0 { man(age) } else { woman(age) });
    }
    for k in 0..children {
        out.push(child([10, 12, 8, 13, 9][k % 5]));
    }
    out
}

/// A rural household of `size` (see [`members_of`]).
pub fn rural(size: usize) -> Household {
    household("rural", members_of(size))
}

/// An urban household of `size` (see [`members_of`]).
pub fn urban(size: usize) -> Household {
    household("urban", members_of(size))
}

impl Household {
    pub fn size(&self) -> usize {
        self.members.len()
    }
    pub fn set(mut self, field: &'static str, v: V) -> Household {
        assert!(
            schema::field(field).is_some_and(|f| f.def().level == Level::Household),
            "`{field}` is not a household field"
        );
        if field == "monthly_income_vnd" {
            self.income = None;
        }
        if field == "floor_area_m2" {
            self.floor = None;
        }
        self.values.insert(field, v);
        self
    }
    /// The field is not recorded for this household.
    pub fn missing(self, field: &'static str) -> Household {
        self.set(field, V::Null)
    }
    /// Total monthly household income.
    pub fn income(mut self, total: i64) -> Household {
        self.values.remove("monthly_income_vnd");
        self.income = Some(Income::Total(total));
        self
    }
    /// Monthly income per person: the household total is exactly `per_person × size`.
    pub fn income_per_person(mut self, per_person: i64) -> Household {
        self.values.remove("monthly_income_vnd");
        self.income = Some(Income::PerPerson(per_person));
        self
    }
    pub fn floor_area(mut self, m2: f64) -> Household {
        self.values.remove("floor_area_m2");
        self.floor = Some(Floor::Total(m2));
        self
    }
    pub fn floor_area_per_person(mut self, m2: f64) -> Household {
        self.values.remove("floor_area_m2");
        self.floor = Some(Floor::PerPerson(m2));
        self
    }
    pub fn with_members(mut self, members: Vec<Member>) -> Household {
        self.members = members;
        self
    }
    pub fn map_member(mut self, k: usize, f: impl FnOnce(Member) -> Member) -> Household {
        let m = self.members.remove(k);
        self.members.insert(k, f(m));
        self
    }

    // Deprivations that count exactly once under every standard of the workspace.

    /// Makeshift dwelling: deprived on housing quality.
    pub fn makeshift_house(self) -> Household {
        self.set("housing_quality", V::Code("makeshift"))
    }
    /// Drinks from an unprotected source: deprived on domestic water.
    pub fn unsafe_water(self) -> Household {
        self.set("water_source", V::Code("unprotected"))
    }
    /// No toilet: deprived on the hygienic-toilet indicator.
    pub fn no_toilet(self) -> Household {
        self.set("toilet", V::Code("none"))
    }
    /// 5 m² per person: deprived on housing area.
    pub fn cramped(self) -> Household {
        self.floor_area_per_person(5.0)
    }
    /// The first member aged 6 or over has no health insurance.
    pub fn someone_uninsured(mut self) -> Household {
        let k = self
            .members
            .iter()
            .position(|m| matches!(m.values.get("age"), Some(V::Int(a)) if *a >= 6))
            .expect("a member aged 6 or over");
        self.members[k] = self.members[k].clone().uninsured();
        self
    }
    /// No phone, no internet: deprived on telecom (internet use under 2027-2030).
    pub fn cut_off(self) -> Household {
        self.set("uses_telecom", V::Bool(false))
            .set("uses_internet", V::Bool(false))
    }
    /// The first `k` (at most 6) of: makeshift house, unsafe water, no toilet, cramped, someone uninsured,
    /// cut off.
    pub fn with_deficits(self, k: usize) -> Household {
        let steps: [fn(Household) -> Household; 6] = [
            Household::makeshift_house,
            Household::unsafe_water,
            Household::no_toilet,
            Household::cramped,
            Household::someone_uninsured,
            Household::cut_off,
        ];
        assert!(
            k <= steps.len(),
            "with_deficits supports at most {} deficits",
            steps.len()
        );
        steps.iter().take(k).fold(self, |h, step| step(h))
    }

    /// The recorded total monthly income, if any.
    pub fn total_income(&self) -> Option<i64> {
        match self.value("monthly_income_vnd") {
            V::Int(t) => Some(t),
            _ => None,
        }
    }

    fn value(&self, field: &'static str) -> V {
        let n = self.members.len() as i64;
        match field {
            "monthly_income_vnd" if !self.values.contains_key(field) => match self.income {
                Some(Income::Total(t)) => V::Int(t),
                Some(Income::PerPerson(p)) => V::Int(p * n),
                None => V::Null,
            },
            "floor_area_m2" if !self.values.contains_key(field) => match self.floor {
                Some(Floor::Total(t)) => V::Float(t),
                Some(Floor::PerPerson(p)) => V::Float(p * n as f64),
                None => V::Null,
            },
            _ => self.values.get(field).cloned().unwrap_or(V::Null),
        }
    }
}

/// The columnar batch of these households, with member labels when any member is named.
pub fn batch(households: &[Household]) -> Batch {
    let mut offsets = vec![0u32];
    for h in households {
        offsets.push(offsets[offsets.len() - 1] + h.members.len() as u32);
    }
    let mut b = Batch::with_offsets(offsets);
    for def in FIELDS {
        let id = schema::field(def.name).expect("catalogue field");
        let cells: Vec<V> = match def.level {
            Level::Household => households.iter().map(|h| h.value(def.name)).collect(),
            Level::Member => households
                .iter()
                .flat_map(|h| {
                    h.members
                        .iter()
                        .map(|m| m.values.get(def.name).cloned().unwrap_or(V::Null))
                })
                .collect(),
        };
        b.set(id, column(def.name, def.ty, &cells))
            .expect("column length");
    }
    if households
        .iter()
        .any(|h| h.members.iter().any(|m| m.name.is_some()))
    {
        b.member_labels = Some(
            households
                .iter()
                .flat_map(|h| h.members.iter().map(|m| m.name.clone().unwrap_or_default()))
                .collect(),
        );
    }
    b
}

fn column(name: &str, ty: FieldType, cells: &[V]) -> Column {
    let bad = |v: &V| -> ! { panic!("`{name}` cannot hold {v:?}") };
    match ty {
        FieldType::Bool => Column::Bool(
            cells
                .iter()
                .map(|v| match v {
                    V::Bool(true) => TRUE,
                    V::Bool(false) => FALSE,
                    V::Null => UNKNOWN,
                    v => bad(v),
                })
                .collect(),
        ),
        FieldType::Int => {
            let values = cells
                .iter()
                .map(|v| match v {
                    V::Int(x) => *x,
                    V::Null => 0,
                    v => bad(v),
                })
                .collect();
            let valid: Vec<bool> = cells.iter().map(|v| *v != V::Null).collect();
            Column::Int {
                values,
                valid: if valid.iter().all(|x| *x) {
                    None
                } else {
                    Some(valid)
                },
            }
        }
        FieldType::Float => Column::Float(
            cells
                .iter()
                .map(|v| match v {
                    V::Float(x) => *x,
                    V::Int(x) => *x as f64,
                    V::Null => f64::NAN,
                    v => bad(v),
                })
                .collect(),
        ),
        FieldType::Enum(values) => Column::Enum(
            cells
                .iter()
                .map(|v| match v {
                    V::Code(c) => schema::enum_code(values, c)
                        .unwrap_or_else(|| panic!("`{c}` is not a value of `{name}`")),
                    V::Null => NULL_CODE,
                    v => bad(v),
                })
                .collect(),
        ),
    }
}

// ------------------------------------------------------------------ classifying

/// Explains the household under the standard, checking that the batch classification agrees with it.
pub fn explain(std: &Standard, h: &Household) -> Explanation {
    let b = batch(std::slice::from_ref(h));
    let res = ansinh_domain::classify(std, &b);
    let e = ansinh_domain::explain(std, &b, 0);
    assert_eq!(
        res.class_of(0),
        e.class,
        "classify and explain disagree under {}",
        std.id
    );
    assert_eq!(res.class[0] == INCOMPLETE, e.class.is_none());
    e
}

/// The class of the household under the standard (`None`: incomplete).
pub fn class(std: &Standard, h: &Household) -> Option<Class> {
    explain(std, h).class
}

/// Ids of the indicators the household is deprived on, in the standard's order.
pub fn deprived(e: &Explanation) -> Vec<&str> {
    e.indicators
        .iter()
        .filter(|i| i.outcome == Outcome::Deprived)
        .map(|i| i.id.as_str())
        .collect()
}

/// Ids of the indicators the data cannot decide.
pub fn undecided(e: &Explanation) -> Vec<&str> {
    e.indicators
        .iter()
        .filter(|i| matches!(i.outcome, Outcome::Unknown { .. }))
        .map(|i| i.id.as_str())
        .collect()
}

/// The outcome of one indicator.
pub fn outcome<'a>(e: &'a Explanation, id: &str) -> &'a Outcome {
    &e.indicators
        .iter()
        .find(|i| i.id == id)
        .unwrap_or_else(|| panic!("{} has no indicator `{id}`", e.standard_id))
        .outcome
}

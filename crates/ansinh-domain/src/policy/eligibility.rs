//! Who is eligible: a condition in the rule language over a household's recognised status and its
//! members' attributes, decided in three-valued logic (a missing fact is unknown, never "no").
//!
//! ```text
//! status in [poor, near_poor]
//! status == near_poor or months_since_near_poverty_exit < 36
//! farm_household and status == average
//! any(member, age >= 70 and age < 75 and not has_pension)        # household condition
//! attending_school and school_level in [preschool, primary, lower_secondary, upper_secondary]  # member
//! ```
//!
//! Names are the catalogue's fields ([`crate::schema`]) plus the policy facts below, which classification
//! does not need and therefore are not catalogue fields.

use std::collections::BTreeMap;

use crate::expr::{self, BinOp, ExprError, Node, NodeKind, Span};
use crate::schema::{self, EnumValue, FieldType, Level};

macro_rules! ev {
    ($code:literal, $vi:literal, $en:literal) => {
        EnumValue {
            code: $code,
            vi: $vi,
            en: $en,
        }
    };
}

/// A household's recognised status at the annual review.
pub const STATUS: &[EnumValue] = &[
    ev!("poor", "hộ nghèo", "poor"),
    ev!("near_poor", "hộ cận nghèo", "near-poor"),
    ev!(
        "average",
        "hộ có mức sống trung bình",
        "average living standard"
    ),
    ev!("not_poor", "hộ không nghèo", "not poor"),
];
pub const DISABILITY: &[EnumValue] = &[
    ev!("none", "không khuyết tật", "none"),
    ev!("mild", "khuyết tật nhẹ", "mild"),
    ev!("severe", "khuyết tật nặng", "severe"),
    ev!(
        "extremely_severe",
        "khuyết tật đặc biệt nặng",
        "extremely severe"
    ),
];
pub const SCHOOL: &[EnumValue] = &[
    ev!("preschool", "mầm non", "preschool"),
    ev!("primary", "tiểu học", "primary"),
    ev!("lower_secondary", "trung học cơ sở", "lower secondary"),
    ev!("upper_secondary", "trung học phổ thông", "upper secondary"),
    ev!(
        "continuing",
        "giáo dục thường xuyên",
        "continuing education"
    ),
    ev!("vocational", "giáo dục nghề nghiệp", "vocational"),
    ev!("tertiary", "đại học", "tertiary"),
];

/// A policy fact: a name eligibility may read besides the catalogue's fields.
#[derive(Clone, Copy, Debug)]
pub struct FactDef {
    pub name: &'static str,
    pub level: Level,
    pub ty: FieldType,
    pub vi: &'static str,
    pub en: &'static str,
}

macro_rules! fact {
    ($name:literal, $level:ident, $ty:expr, $vi:literal, $en:literal) => {
        FactDef {
            name: $name,
            level: Level::$level,
            ty: $ty,
            vi: $vi,
            en: $en,
        }
    };
}

pub const FACTS: &[FactDef] = &[
    fact!(
        "status",
        Household,
        FieldType::Enum(STATUS),
        "diện hộ theo chuẩn áp dụng (chuẩn địa phương nếu có)",
        "recognised status under the applicable (local) standard"
    ),
    fact!(
        "status_national",
        Household,
        FieldType::Enum(STATUS),
        "diện hộ theo chuẩn Trung ương",
        "recognised status under the national standard"
    ),
    fact!(
        "months_since_poverty_exit",
        Household,
        FieldType::Int,
        "số tháng kể từ khi được công nhận thoát nghèo",
        "months since the recognised exit from poverty"
    ),
    fact!(
        "months_since_near_poverty_exit",
        Household,
        FieldType::Int,
        "số tháng kể từ khi được công nhận thoát cận nghèo",
        "months since the recognised exit from near-poverty"
    ),
    fact!(
        "farm_household",
        Household,
        FieldType::Bool,
        "hộ làm nông, lâm, ngư, diêm nghiệp",
        "farm, forestry, fishery or salt household"
    ),
    fact!(
        "poor_commune",
        Household,
        FieldType::Bool,
        "cư trú tại xã nghèo / huyện nghèo",
        "lives in a poor commune or district"
    ),
    fact!(
        "resident",
        Household,
        FieldType::Bool,
        "có hộ khẩu thường trú tại địa phương",
        "permanent resident of the jurisdiction"
    ),
    fact!(
        "especially_difficult",
        Household,
        FieldType::Bool,
        "hộ có hoàn cảnh đặc biệt khó khăn",
        "household in especially difficult circumstances"
    ),
    fact!(
        "is_protected_person",
        Member,
        FieldType::Bool,
        "đối tượng bảo trợ xã hội",
        "protected person (social assistance)"
    ),
    fact!(
        "has_pension",
        Member,
        FieldType::Bool,
        "có lương hưu hoặc trợ cấp BHXH hằng tháng",
        "has a pension or monthly social-insurance benefit"
    ),
    fact!(
        "has_supporter",
        Member,
        FieldType::Bool,
        "có người có nghĩa vụ và quyền phụng dưỡng",
        "has someone obliged to support them"
    ),
    fact!(
        "lives_alone",
        Member,
        FieldType::Bool,
        "cô đơn",
        "lonely (no family)"
    ),
    fact!(
        "can_self_care",
        Member,
        FieldType::Bool,
        "có khả năng tự phục vụ",
        "can look after themselves"
    ),
    fact!(
        "serious_illness",
        Member,
        FieldType::Bool,
        "mắc bệnh hiểm nghèo",
        "serious illness"
    ),
    fact!(
        "disability_severity",
        Member,
        FieldType::Enum(DISABILITY),
        "mức độ khuyết tật",
        "disability severity"
    ),
    fact!(
        "school_level",
        Member,
        FieldType::Enum(SCHOOL),
        "cấp học",
        "school level"
    ),
    fact!(
        "public_school",
        Member,
        FieldType::Bool,
        "học tại cơ sở giáo dục công lập",
        "attends a public institution"
    ),
];

fn lookup(name: &str) -> Option<(Level, FieldType)> {
    if let Some(f) = schema::field(name) {
        let d = f.def();
        return Some((d.level, d.ty));
    }
    FACTS
        .iter()
        .find(|f| f.name == name)
        .map(|f| (f.level, f.ty))
}

/// A recorded fact about a household or member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    Bool(bool),
    Int(i64),
    /// A coded value by its code (`poor`, `urban`…).
    Code(String),
}

/// What is recorded about one household and its members; anything absent is unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub household: BTreeMap<String, Fact>,
    pub members: Vec<BTreeMap<String, Fact>>,
}

/// A three-valued answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    Unknown,
}

impl Tri {
    fn of(b: bool) -> Tri {
        if b { Tri::Yes } else { Tri::No }
    }
    fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            _ => Tri::Unknown,
        }
    }
    fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, Tri::No) => Tri::No,
            _ => Tri::Unknown,
        }
    }
    fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Bool,
    Int,
    Enum(&'static [EnumValue]),
}

/// A compiled eligibility condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Eligibility {
    pub text: String,
    node: Node,
    level: Level,
}

/// A decision and the facts it still needs when unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub eligible: Tri,
    /// Names of facts that were read but not recorded.
    pub missing: Vec<String>,
}

impl Eligibility {
    /// Parses and type-checks a condition at household or member level.
    pub fn compile(text: &str, level: Level) -> Result<Eligibility, ExprError> {
        let node = expr::parse(text)?;
        let ty = check(&node, level)?;
        if ty != Ty::Bool {
            return Err(ExprError::new(node.span, "this must be a yes/no condition"));
        }
        Ok(Eligibility {
            text: text.to_string(),
            node,
            level,
        })
    }

    /// Decides a household-level condition.
    pub fn household(&self, facts: &Facts) -> Decision {
        self.decide(facts, None)
    }

    /// Decides a member-level condition for member `m`.
    pub fn member(&self, facts: &Facts, m: usize) -> Decision {
        self.decide(facts, Some(m))
    }

    fn decide(&self, facts: &Facts, m: Option<usize>) -> Decision {
        let mut missing = Vec::new();
        let v = eval(&self.node, facts, m, &mut missing);
        let eligible = match v {
            V::B(t) => t,
            _ => Tri::Unknown,
        };
        if eligible != Tri::Unknown {
            missing.clear();
        }
        Decision { eligible, missing }
    }

    pub fn is_member_level(&self) -> bool {
        self.level == Level::Member
    }

    /// The facts the condition reads (catalogue fields and policy facts), in order of first use.
    pub fn names(&self) -> Vec<String> {
        let mut out = Vec::new();
        super::formula::names(&self.node, &mut out);
        out.into_iter()
            .map(|(n, _)| n)
            .filter(|n| lookup(n).is_some())
            .collect()
    }
}

/// Whether a fact or catalogue field is recorded per household or per member (`None`: unknown name).
pub fn fact_level(name: &str) -> Option<Level> {
    lookup(name).map(|(l, _)| l)
}

/// The Vietnamese and English label of a fact or catalogue field.
pub fn label(name: &str) -> Option<(&'static str, &'static str)> {
    if let Some(f) = schema::field(name) {
        let d = f.def();
        return Some((d.vi, d.en));
    }
    FACTS.iter().find(|f| f.name == name).map(|f| (f.vi, f.en))
}

/// A recorded value in words, Vietnamese and English (`poor` → `hộ nghèo` / `poor`).
pub fn value_words(name: &str, v: &Fact) -> (String, String) {
    match (v, lookup(name).map(|x| x.1)) {
        (Fact::Bool(true), _) => ("có".into(), "yes".into()),
        (Fact::Bool(false), _) => ("không".into(), "no".into()),
        (Fact::Int(i), _) => (i.to_string(), i.to_string()),
        (Fact::Code(c), Some(FieldType::Enum(vals))) => vals
            .iter()
            .find(|e| e.code == c)
            .map_or_else(|| (c.clone(), c.clone()), |e| (e.vi.into(), e.en.into())),
        (Fact::Code(c), _) => (c.clone(), c.clone()),
    }
}

fn check(node: &Node, level: Level) -> Result<Ty, ExprError> {
    let span = node.span;
    match &node.kind {
        NodeKind::Bool(_) => Ok(Ty::Bool),
        NodeKind::Int(_) => Ok(Ty::Int),
        NodeKind::Float(_) => Err(ExprError::new(
            span,
            "eligibility compares whole numbers (ages, months)",
        )),
        NodeKind::Name(n) if n == "n" => Ok(Ty::Int),
        NodeKind::Name(n) => {
            let Some((l, ty)) = lookup(n) else {
                return Err(ExprError::new(span, format!("unknown name `{n}`")));
            };
            if l == Level::Member && level == Level::Household {
                return Err(ExprError::new(
                    span,
                    format!(
                        "`{n}` is a member fact: use it inside any(member, …), all(member, …) or count(member, …)"
                    ),
                ));
            }
            match ty {
                FieldType::Bool => Ok(Ty::Bool),
                FieldType::Int => Ok(Ty::Int),
                FieldType::Enum(v) => Ok(Ty::Enum(v)),
                FieldType::Float => Err(ExprError::new(
                    span,
                    format!("`{n}` is a measurement; eligibility does not read it"),
                )),
            }
        }
        NodeKind::Not(a) => want(a, level, Ty::Bool).map(|_| Ty::Bool),
        NodeKind::Neg(a) => want(a, level, Ty::Int).map(|_| Ty::Int),
        NodeKind::In(a, items, _) => {
            let Ty::Enum(vals) = check(a, level)? else {
                return Err(ExprError::new(
                    a.span,
                    "`in [..]` needs a coded value on its left",
                ));
            };
            for (it, sp) in items {
                code_of(vals, it, *sp)?;
            }
            Ok(Ty::Bool)
        }
        NodeKind::Binary(op, l, r) => match op {
            BinOp::And | BinOp::Or => {
                want(l, level, Ty::Bool)?;
                want(r, level, Ty::Bool)?;
                Ok(Ty::Bool)
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul => {
                want(l, level, Ty::Int)?;
                want(r, level, Ty::Int)?;
                Ok(Ty::Int)
            }
            BinOp::Div => Err(ExprError::new(
                span,
                "write the condition with `*` instead of `/` (whole numbers)",
            )),
            _ => {
                let tl = check(l, level)?;
                if let Ty::Enum(vals) = tl {
                    let NodeKind::Name(v) = &r.kind else {
                        return Err(ExprError::new(
                            r.span,
                            "compare a coded value with one of its value names",
                        ));
                    };
                    if !matches!(op, BinOp::Eq | BinOp::Ne) {
                        return Err(ExprError::new(
                            span,
                            "coded values can only be compared with == or !=",
                        ));
                    }
                    code_of(vals, v, r.span)?;
                    return Ok(Ty::Bool);
                }
                let tr = check(r, level)?;
                match (tl, tr) {
                    (Ty::Int, Ty::Int) => Ok(Ty::Bool),
                    (Ty::Bool, Ty::Bool) if matches!(op, BinOp::Eq | BinOp::Ne) => Ok(Ty::Bool),
                    _ => Err(ExprError::new(span, "these two values cannot be compared")),
                }
            }
        },
        NodeKind::Call(name, args) => match name.as_str() {
            "any" | "all" | "count" | "sum" => {
                if args.len() != 2 || !matches!(&args[0].kind, NodeKind::Name(m) if m == "member") {
                    return Err(ExprError::new(span, format!("write `{name}(member, …)`")));
                }
                if level == Level::Member {
                    return Err(ExprError::new(
                        span,
                        format!("`{name}` cannot be used inside a member condition"),
                    ));
                }
                if name == "sum" {
                    want(&args[1], Level::Member, Ty::Int)?;
                    return Ok(Ty::Int);
                }
                want(&args[1], Level::Member, Ty::Bool)?;
                Ok(if name == "count" { Ty::Int } else { Ty::Bool })
            }
            "if" => {
                if args.len() != 3 {
                    return Err(ExprError::new(span, "`if` takes 3 arguments"));
                }
                want(&args[0], level, Ty::Bool)?;
                let a = check(&args[1], level)?;
                let b = check(&args[2], level)?;
                if a != b || matches!(a, Ty::Enum(_)) {
                    return Err(ExprError::new(
                        span,
                        "both branches of `if` must be numbers or both yes/no",
                    ));
                }
                Ok(a)
            }
            _ => Err(ExprError::new(
                span,
                format!("unknown function `{name}` (known: any, all, count, sum, if)"),
            )),
        },
    }
}

fn want(node: &Node, level: Level, ty: Ty) -> Result<(), ExprError> {
    let got = check(node, level)?;
    if got == ty || matches!((got, ty), (Ty::Enum(_), Ty::Enum(_))) {
        Ok(())
    } else {
        Err(ExprError::new(
            node.span,
            match ty {
                Ty::Bool => "expected a yes/no condition",
                Ty::Int => "expected a whole number",
                Ty::Enum(_) => "expected a coded value",
            },
        ))
    }
}

fn code_of(vals: &[EnumValue], item: &str, span: Span) -> Result<(), ExprError> {
    if vals.iter().any(|v| v.code == item) {
        Ok(())
    } else {
        let allowed: Vec<&str> = vals.iter().map(|v| v.code).collect();
        Err(ExprError::new(
            span,
            format!("`{item}` is not one of {}", allowed.join(", ")),
        ))
    }
}

/// Values during evaluation: booleans are three-valued, numbers are intervals (`None` = not recorded).
enum V {
    B(Tri),
    I(Option<(i64, i64)>),
    E(Option<String>),
}

fn fact<'a>(
    facts: &'a Facts,
    m: Option<usize>,
    name: &str,
    missing: &mut Vec<String>,
) -> Option<&'a Fact> {
    let level = lookup(name).map(|(l, _)| l);
    let f = match (level, m) {
        (Some(Level::Member), Some(i)) => facts.members.get(i).and_then(|x| x.get(name)),
        _ => facts.household.get(name),
    };
    if f.is_none() && !missing.iter().any(|x| x == name) {
        missing.push(name.to_string());
    }
    f
}

fn eval(node: &Node, facts: &Facts, m: Option<usize>, missing: &mut Vec<String>) -> V {
    match &node.kind {
        NodeKind::Bool(b) => V::B(Tri::of(*b)),
        NodeKind::Int(v) => V::I(Some((*v, *v))),
        NodeKind::Float(_) => V::I(None),
        NodeKind::Name(n) if n == "n" => {
            let k = facts.members.len() as i64;
            V::I(Some((k, k)))
        }
        NodeKind::Name(n) => match (lookup(n).map(|x| x.1), fact(facts, m, n, missing)) {
            (Some(FieldType::Bool), Some(Fact::Bool(b))) => V::B(Tri::of(*b)),
            (Some(FieldType::Bool), _) => V::B(Tri::Unknown),
            (Some(FieldType::Int), Some(Fact::Int(i))) => V::I(Some((*i, *i))),
            (Some(FieldType::Int), _) => V::I(None),
            (_, Some(Fact::Code(c))) => V::E(Some(c.clone())),
            _ => V::E(None),
        },
        NodeKind::Not(a) => V::B(tri(eval(a, facts, m, missing)).not()),
        NodeKind::Neg(a) => V::I(
            int(eval(a, facts, m, missing))
                .map(|(lo, hi)| (hi.saturating_neg(), lo.saturating_neg())),
        ),
        NodeKind::In(a, items, negated) => {
            let r = match eval(a, facts, m, missing) {
                V::E(Some(c)) => Tri::of(items.iter().any(|(it, _)| *it == c)),
                _ => Tri::Unknown,
            };
            V::B(if *negated { r.not() } else { r })
        }
        NodeKind::Binary(op, l, r) => {
            let a = eval(l, facts, m, missing);
            if let V::E(_) = a {
                // `coded == value_name`: the right side is a value, not a fact.
                return V::B(compare(*op, a, V::E(None), r));
            }
            let b = eval(r, facts, m, missing);
            match op {
                BinOp::And => V::B(tri(a).and(tri(b))),
                BinOp::Or => V::B(tri(a).or(tri(b))),
                BinOp::Add | BinOp::Sub | BinOp::Mul => V::I(match (int(a), int(b)) {
                    (Some((a0, a1)), Some((b0, b1))) => {
                        let f = |x: i64, y: i64| match op {
                            BinOp::Add => x.saturating_add(y),
                            BinOp::Sub => x.saturating_sub(y),
                            _ => x.saturating_mul(y),
                        };
                        let c = if *op == BinOp::Sub {
                            [f(a0, b1), f(a1, b0)]
                        } else {
                            [f(a0, b0), f(a1, b1)]
                        };
                        let mut v = vec![c[0], c[1]];
                        if *op == BinOp::Mul {
                            v.push(f(a0, b1));
                            v.push(f(a1, b0));
                        }
                        let lo = v.iter().copied().min().unwrap_or(0);
                        let hi = v.iter().copied().max().unwrap_or(0);
                        Some((lo, hi))
                    }
                    _ => None,
                }),
                _ => V::B(compare(*op, a, b, r)),
            }
        }
        NodeKind::Call(name, args) => match name.as_str() {
            "any" | "all" | "count" | "sum" => {
                let mut acc_t = if name == "all" { Tri::Yes } else { Tri::No };
                let (mut lo, mut hi) = (0i64, 0i64);
                let mut unknown_sum = false;
                for i in 0..facts.members.len() {
                    let v = eval(&args[1], facts, Some(i), missing);
                    match name.as_str() {
                        "any" => acc_t = acc_t.or(tri(v)),
                        "all" => acc_t = acc_t.and(tri(v)),
                        "count" => match tri(v) {
                            Tri::Yes => {
                                lo += 1;
                                hi += 1;
                            }
                            Tri::Unknown => hi += 1,
                            Tri::No => {}
                        },
                        _ => match int(v) {
                            Some((a, b)) => {
                                lo = lo.saturating_add(a);
                                hi = hi.saturating_add(b);
                            }
                            None => unknown_sum = true,
                        },
                    }
                }
                match name.as_str() {
                    "any" | "all" => V::B(acc_t),
                    "sum" if unknown_sum => V::I(None),
                    _ => V::I(Some((lo, hi))),
                }
            }
            "if" => match tri(eval(&args[0], facts, m, missing)) {
                Tri::Yes => eval(&args[1], facts, m, missing),
                Tri::No => eval(&args[2], facts, m, missing),
                Tri::Unknown => {
                    let a = eval(&args[1], facts, m, missing);
                    let b = eval(&args[2], facts, m, missing);
                    match (a, b) {
                        (V::B(x), V::B(y)) if x == y => V::B(x),
                        (V::B(_), V::B(_)) => V::B(Tri::Unknown),
                        (a, b) => V::I(match (int(a), int(b)) {
                            (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
                            _ => None,
                        }),
                    }
                }
            },
            _ => V::B(Tri::Unknown),
        },
    }
}

fn tri(v: V) -> Tri {
    match v {
        V::B(t) => t,
        _ => Tri::Unknown,
    }
}

fn int(v: V) -> Option<(i64, i64)> {
    match v {
        V::I(x) => x,
        _ => None,
    }
}

fn compare(op: BinOp, a: V, b: V, r: &Node) -> Tri {
    match (a, b) {
        (V::E(x), _) => {
            let NodeKind::Name(code) = &r.kind else {
                return Tri::Unknown;
            };
            match x {
                Some(c) => {
                    let eq = c == *code;
                    Tri::of(if op == BinOp::Eq { eq } else { !eq })
                }
                None => Tri::Unknown,
            }
        }
        (V::B(x), V::B(y)) => {
            if x == Tri::Unknown || y == Tri::Unknown {
                return Tri::Unknown;
            }
            let eq = x == y;
            Tri::of(if op == BinOp::Eq { eq } else { !eq })
        }
        (V::I(Some((a0, a1))), V::I(Some((b0, b1)))) => {
            // Holds for every pair → yes; for none → no; else unknown.
            let (all, none) = match op {
                BinOp::Lt => (a1 < b0, a0 >= b1),
                BinOp::Le => (a1 <= b0, a0 > b1),
                BinOp::Gt => (a0 > b1, a1 <= b0),
                BinOp::Ge => (a0 >= b1, a1 < b0),
                BinOp::Eq => (a0 == a1 && b0 == b1 && a0 == b0, a1 < b0 || b1 < a0),
                _ => (a1 < b0 || b1 < a0, a0 == a1 && b0 == b1 && a0 == b0),
            };
            if all {
                Tri::Yes
            } else if none {
                Tri::No
            } else {
                Tri::Unknown
            }
        }
        _ => Tri::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hh(pairs: &[(&str, Fact)]) -> Facts {
        Facts {
            household: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            members: vec![],
        }
    }

    #[test]
    fn status_conditions_decide_in_three_valued_logic() {
        let e = Eligibility::compile(
            "status == near_poor or months_since_near_poverty_exit < 36",
            Level::Household,
        )
        .unwrap();
        let near = hh(&[("status", Fact::Code("near_poor".into()))]);
        assert_eq!(e.household(&near).eligible, Tri::Yes);
        let exited = hh(&[
            ("status", Fact::Code("not_poor".into())),
            ("months_since_near_poverty_exit", Fact::Int(35)),
        ]);
        assert_eq!(e.household(&exited).eligible, Tri::Yes);
        let late = hh(&[
            ("status", Fact::Code("not_poor".into())),
            ("months_since_near_poverty_exit", Fact::Int(36)),
        ]);
        assert_eq!(e.household(&late).eligible, Tri::No);
        let unknown = hh(&[("status", Fact::Code("not_poor".into()))]);
        let d = e.household(&unknown);
        assert_eq!(d.eligible, Tri::Unknown);
        assert_eq!(d.missing, vec!["months_since_near_poverty_exit"]);
    }

    #[test]
    fn names_and_values_are_checked() {
        assert!(Eligibility::compile("status == rich", Level::Household).is_err());
        assert!(Eligibility::compile("age >= 6", Level::Household).is_err());
        assert!(Eligibility::compile("age >= 6", Level::Member).is_ok());
        assert!(Eligibility::compile("statuss == poor", Level::Household).is_err());
        assert!(Eligibility::compile("any(member, is_protected_person)", Level::Household).is_ok());
    }
}

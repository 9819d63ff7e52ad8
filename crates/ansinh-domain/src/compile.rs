//! Name resolution and type checking: turns a parsed expression into typed [`Ir`] the evaluator runs.

use std::collections::HashMap;

use crate::expr::{BinOp, ExprError, Node, NodeKind, Span};
use crate::schema::{self, FieldId, FieldType, Level};

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Cmp {
    /// The same comparison with its operands swapped: `a < b` is `b > a`.
    pub fn flipped(self) -> Cmp {
        match self {
            Cmp::Lt => Cmp::Gt,
            Cmp::Le => Cmp::Ge,
            Cmp::Gt => Cmp::Lt,
            Cmp::Ge => Cmp::Le,
            x => x,
        }
    }
}

/// Arithmetic operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

/// Typed intermediate form. Each variant has one result type (see [`Ir::ty`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Ir {
    // --- booleans
    BConst(bool),
    BField(FieldId),
    Not(Box<Ir>),
    And(Box<Ir>, Box<Ir>),
    Or(Box<Ir>, Box<Ir>),
    CmpI(Cmp, Box<Ir>, Box<Ir>),
    CmpF(Cmp, Box<Ir>, Box<Ir>),
    /// Enum field is one of the codes in the bitmask (negated for `not in` / `!=`).
    EnumIn(FieldId, u64, bool),
    /// Any member satisfies the member-level predicate.
    Any(Box<Ir>),
    /// All members satisfy the member-level predicate.
    All(Box<Ir>),
    IfB(Box<Ir>, Box<Ir>, Box<Ir>),
    // --- integers
    IConst(i64),
    IField(FieldId),
    /// Household size (number of members).
    N,
    /// Number of deprived indicators (only in classification rules).
    Deficits,
    /// A named income line of the standard, for the household's area.
    Threshold(u16),
    ArI(Arith, Box<Ir>, Box<Ir>),
    /// Number of members satisfying the predicate.
    Count(Box<Ir>),
    /// Sum over members of an integer expression.
    SumI(Box<Ir>),
    IfI(Box<Ir>, Box<Ir>, Box<Ir>),
    // --- floats
    FConst(f64),
    FField(FieldId),
    ToF(Box<Ir>),
    ArF(Arith, Box<Ir>, Box<Ir>),
    IfF(Box<Ir>, Box<Ir>, Box<Ir>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Bool,
    Int,
    Float,
    Enum(FieldId),
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Bool => "a yes/no value",
            Ty::Int => "a whole number",
            Ty::Float => "a number",
            Ty::Enum(_) => "a coded value",
        }
    }
}

/// What names an expression may use besides the field catalogue.
#[derive(Debug, Default)]
pub struct Env<'a> {
    /// Income lines by name, in declaration order.
    pub thresholds: Vec<String>,
    /// Named sub-expressions (already parsed), usable at the given level.
    pub definitions: HashMap<String, (Level, &'a Node)>,
    /// `deficits` is allowed (classification rules only).
    pub allow_deficits: bool,
    /// The standard's `deficit_cutoff`, readable by name in classification rules.
    pub deficit_cutoff: Option<i64>,
}

/// Compiles a boolean expression at household level.
pub fn compile_bool(node: &Node, env: &Env) -> Result<Ir, ExprError> {
    let mut c = Compiler {
        env,
        stack: Vec::new(),
        depth: 0,
    };
    let (ir, ty) = c.expr(node, Level::Household)?;
    if ty != Ty::Bool {
        return Err(ExprError::new(
            node.span,
            format!("this must be a yes/no condition, but it is {}", ty.name()),
        ));
    }
    Ok(ir)
}

/// Deepest expression the compiler accepts, counting the expressions of the definitions it inlines. The
/// compiler and the evaluator recurse over it, so this bounds their stack use.
pub const MAX_DEPTH: usize = 128;

struct Compiler<'a, 'e> {
    env: &'e Env<'a>,
    stack: Vec<String>,
    /// Current recursion depth of [`Compiler::expr`].
    depth: usize,
}

impl Compiler<'_, '_> {
    fn expr(&mut self, node: &Node, level: Level) -> Result<(Ir, Ty), ExprError> {
        if self.depth >= MAX_DEPTH {
            return Err(ExprError::new(
                node.span,
                format!(
                    "expression nested more than {MAX_DEPTH} levels deep (counting definitions)"
                ),
            ));
        }
        self.depth += 1;
        let r = self.expr_at(node, level);
        self.depth -= 1;
        r
    }

    fn expr_at(&mut self, node: &Node, level: Level) -> Result<(Ir, Ty), ExprError> {
        let span = node.span;
        match &node.kind {
            NodeKind::Bool(b) => Ok((Ir::BConst(*b), Ty::Bool)),
            NodeKind::Int(v) => Ok((Ir::IConst(*v), Ty::Int)),
            NodeKind::Float(v) => Ok((Ir::FConst(*v), Ty::Float)),
            NodeKind::Name(name) => self.name(name, span, level),
            NodeKind::Not(inner) => {
                let ir = self.want(inner, level, Ty::Bool)?;
                Ok((Ir::Not(Box::new(ir)), Ty::Bool))
            }
            NodeKind::Neg(inner) => {
                let (ir, ty) = self.expr(inner, level)?;
                match ty {
                    Ty::Int => Ok((
                        Ir::ArI(Arith::Sub, Box::new(Ir::IConst(0)), Box::new(ir)),
                        Ty::Int,
                    )),
                    Ty::Float => Ok((
                        Ir::ArF(Arith::Sub, Box::new(Ir::FConst(0.0)), Box::new(ir)),
                        Ty::Float,
                    )),
                    _ => Err(ExprError::new(span, format!("cannot negate {}", ty.name()))),
                }
            }
            NodeKind::Binary(op, l, r) => self.binary(*op, l, r, span, level),
            NodeKind::In(l, items, negated) => {
                let (ir, ty) = self.expr(l, level)?;
                let Ty::Enum(f) = ty else {
                    return Err(ExprError::new(
                        l.span,
                        "`in [..]` needs a coded field on its left",
                    ));
                };
                let _ = ir;
                let mut mask = 0u64;
                for (item, ispan) in items {
                    mask |= 1 << self.enum_value(f, item, *ispan)?;
                }
                Ok((Ir::EnumIn(f, mask, *negated), Ty::Bool))
            }
            NodeKind::Call(name, args) => self.call(name, args, span, level),
        }
    }

    fn want(&mut self, node: &Node, level: Level, ty: Ty) -> Result<Ir, ExprError> {
        let (ir, got) = self.expr(node, level)?;
        match (got, ty) {
            (a, b) if a == b => Ok(ir),
            (Ty::Int, Ty::Float) => Ok(Ir::ToF(Box::new(ir))),
            _ => Err(ExprError::new(
                node.span,
                format!("expected {}, found {}", ty.name(), got.name()),
            )),
        }
    }

    fn enum_value(&self, f: FieldId, item: &str, span: Span) -> Result<u8, ExprError> {
        let FieldType::Enum(values) = f.def().ty else {
            return Err(ExprError::new(span, "not a coded field"));
        };
        schema::enum_code(values, item).ok_or_else(|| {
            let allowed: Vec<&str> = values.iter().map(|v| v.code).collect();
            ExprError::new(
                span,
                format!(
                    "`{item}` is not a value of `{}` (allowed: {})",
                    f.def().name,
                    allowed.join(", ")
                ),
            )
        })
    }

    fn name(&mut self, name: &str, span: Span, level: Level) -> Result<(Ir, Ty), ExprError> {
        if let Some(f) = schema::field(name) {
            let def = f.def();
            if def.level == Level::Member && level == Level::Household {
                return Err(ExprError::new(
                    span,
                    format!(
                        "`{name}` is a member field: use it inside any(member, …), all(member, …) or count(member, …)"
                    ),
                ));
            }
            return Ok(match def.ty {
                FieldType::Bool => (Ir::BField(f), Ty::Bool),
                FieldType::Int => (Ir::IField(f), Ty::Int),
                FieldType::Float => (Ir::FField(f), Ty::Float),
                FieldType::Enum(_) => (Ir::BConst(false), Ty::Enum(f)),
            });
        }
        match name {
            "n" => return Ok((Ir::N, Ty::Int)),
            "deficits" if self.env.allow_deficits => return Ok((Ir::Deficits, Ty::Int)),
            "deficits" => {
                return Err(ExprError::new(
                    span,
                    "`deficits` can only be used in classification rules",
                ));
            }
            "deficit_cutoff" if self.env.allow_deficits => {
                return match self.env.deficit_cutoff {
                    Some(v) => Ok((Ir::IConst(v), Ty::Int)),
                    None => Err(ExprError::new(
                        span,
                        "`deficit_cutoff` is used but the standard does not declare `deficit_cutoff = N`",
                    )),
                };
            }
            "deficit_cutoff" => {
                return Err(ExprError::new(
                    span,
                    "`deficit_cutoff` can only be used in classification rules",
                ));
            }
            _ => {}
        }
        if let Some(i) = self.env.thresholds.iter().position(|t| t == name) {
            return Ok((Ir::Threshold(i as u16), Ty::Int));
        }
        if let Some((def_level, node)) = self.env.definitions.get(name) {
            if *def_level == Level::Member && level == Level::Household {
                return Err(ExprError::new(
                    span,
                    format!("`{name}` is defined for members: use it inside any(member, …)"),
                ));
            }
            if self.stack.iter().any(|s| s == name) {
                return Err(ExprError::new(
                    span,
                    format!("definition `{name}` refers to itself"),
                ));
            }
            self.stack.push(name.to_string());
            let r = self.expr(node, level).map_err(|e| {
                ExprError::new(span, format!("in definition `{name}`: {}", e.message))
            });
            self.stack.pop();
            return r;
        }
        Err(ExprError::new(span, format!("unknown name `{name}`")))
    }

    fn binary(
        &mut self,
        op: BinOp,
        l: &Node,
        r: &Node,
        span: Span,
        level: Level,
    ) -> Result<(Ir, Ty), ExprError> {
        match op {
            BinOp::And | BinOp::Or => {
                let a = Box::new(self.want(l, level, Ty::Bool)?);
                let b = Box::new(self.want(r, level, Ty::Bool)?);
                Ok((
                    if op == BinOp::And {
                        Ir::And(a, b)
                    } else {
                        Ir::Or(a, b)
                    },
                    Ty::Bool,
                ))
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let ar = match op {
                    BinOp::Add => Arith::Add,
                    BinOp::Sub => Arith::Sub,
                    BinOp::Mul => Arith::Mul,
                    _ => Arith::Div,
                };
                let (a, ta) = self.expr(l, level)?;
                let (b, tb) = self.expr(r, level)?;
                for (t, n) in [(ta, l), (tb, r)] {
                    if !matches!(t, Ty::Int | Ty::Float) {
                        return Err(ExprError::new(
                            n.span,
                            format!("arithmetic needs numbers, found {}", t.name()),
                        ));
                    }
                }
                if ta == Ty::Int && tb == Ty::Int && ar != Arith::Div {
                    return Ok((Ir::ArI(ar, Box::new(a), Box::new(b)), Ty::Int));
                }
                Ok((
                    Ir::ArF(ar, Box::new(to_f(a, ta)), Box::new(to_f(b, tb))),
                    Ty::Float,
                ))
            }
            _ => {
                let cmp = match op {
                    BinOp::Lt => Cmp::Lt,
                    BinOp::Le => Cmp::Le,
                    BinOp::Gt => Cmp::Gt,
                    BinOp::Ge => Cmp::Ge,
                    BinOp::Eq => Cmp::Eq,
                    _ => Cmp::Ne,
                };
                let (a, ta) = self.expr(l, level)?;
                // `field == value` where the value is a bare enum code name.
                if let Ty::Enum(f) = ta {
                    return self.enum_cmp(f, cmp, r, span);
                }
                if let NodeKind::Name(_) = l.kind
                    && let NodeKind::Name(rname) = &r.kind
                    && schema::field(rname)
                        .is_some_and(|rf| matches!(rf.def().ty, FieldType::Enum(_)))
                {
                    let (_, tr) = self.expr(r, level)?;
                    if let Ty::Enum(rf) = tr {
                        return self.enum_cmp(rf, cmp.flipped(), l, span);
                    }
                }
                let (b, tb) = self.expr(r, level)?;
                match (ta, tb) {
                    (Ty::Int, Ty::Int) => Ok((Ir::CmpI(cmp, Box::new(a), Box::new(b)), Ty::Bool)),
                    (Ty::Int | Ty::Float, Ty::Int | Ty::Float) => Ok((
                        Ir::CmpF(cmp, Box::new(to_f(a, ta)), Box::new(to_f(b, tb))),
                        Ty::Bool,
                    )),
                    (Ty::Bool, Ty::Bool) if matches!(cmp, Cmp::Eq | Cmp::Ne) => {
                        // a == b  <=>  (a and b) or (not a and not b)
                        let eq = Ir::Or(
                            Box::new(Ir::And(Box::new(a.clone()), Box::new(b.clone()))),
                            Box::new(Ir::And(
                                Box::new(Ir::Not(Box::new(a))),
                                Box::new(Ir::Not(Box::new(b))),
                            )),
                        );
                        Ok((
                            if cmp == Cmp::Eq {
                                eq
                            } else {
                                Ir::Not(Box::new(eq))
                            },
                            Ty::Bool,
                        ))
                    }
                    _ => Err(ExprError::new(
                        span,
                        format!("cannot compare {} with {}", ta.name(), tb.name()),
                    )),
                }
            }
        }
    }

    fn enum_cmp(
        &self,
        f: FieldId,
        cmp: Cmp,
        value: &Node,
        span: Span,
    ) -> Result<(Ir, Ty), ExprError> {
        let NodeKind::Name(v) = &value.kind else {
            return Err(ExprError::new(
                value.span,
                format!("compare `{}` with one of its value names", f.def().name),
            ));
        };
        let code = self.enum_value(f, v, value.span)?;
        match cmp {
            Cmp::Eq => Ok((Ir::EnumIn(f, 1 << code, false), Ty::Bool)),
            Cmp::Ne => Ok((Ir::EnumIn(f, 1 << code, true), Ty::Bool)),
            _ => Err(ExprError::new(
                span,
                "coded values can only be compared with == or !=",
            )),
        }
    }

    fn call(
        &mut self,
        name: &str,
        args: &[Node],
        span: Span,
        level: Level,
    ) -> Result<(Ir, Ty), ExprError> {
        let arity = |n: usize| -> Result<(), ExprError> {
            if args.len() != n {
                return Err(ExprError::new(
                    span,
                    format!("`{name}` takes {n} arguments, found {}", args.len()),
                ));
            }
            Ok(())
        };
        match name {
            "any" | "all" | "count" | "sum" => {
                arity(2)?;
                if !matches!(&args[0].kind, NodeKind::Name(m) if m == "member") {
                    return Err(ExprError::new(
                        args[0].span,
                        format!("the first argument of `{name}` must be `member`"),
                    ));
                }
                if level == Level::Member {
                    return Err(ExprError::new(
                        span,
                        format!("`{name}` cannot be nested inside another member aggregate"),
                    ));
                }
                if name == "sum" {
                    let inner = self.want(&args[1], Level::Member, Ty::Int)?;
                    return Ok((Ir::SumI(Box::new(inner)), Ty::Int));
                }
                let inner = Box::new(self.want(&args[1], Level::Member, Ty::Bool)?);
                Ok(match name {
                    "any" => (Ir::Any(inner), Ty::Bool),
                    "all" => (Ir::All(inner), Ty::Bool),
                    _ => (Ir::Count(inner), Ty::Int),
                })
            }
            "if" => {
                arity(3)?;
                let c = Box::new(self.want(&args[0], level, Ty::Bool)?);
                let (a, ta) = self.expr(&args[1], level)?;
                let (b, tb) = self.expr(&args[2], level)?;
                match (ta, tb) {
                    (Ty::Bool, Ty::Bool) => Ok((Ir::IfB(c, Box::new(a), Box::new(b)), Ty::Bool)),
                    (Ty::Int, Ty::Int) => Ok((Ir::IfI(c, Box::new(a), Box::new(b)), Ty::Int)),
                    (Ty::Int | Ty::Float, Ty::Int | Ty::Float) => Ok((
                        Ir::IfF(c, Box::new(to_f(a, ta)), Box::new(to_f(b, tb))),
                        Ty::Float,
                    )),
                    _ => Err(ExprError::new(
                        span,
                        "both branches of `if` must have the same type",
                    )),
                }
            }
            _ => Err(ExprError::new(
                span,
                format!("unknown function `{name}` (known: any, all, count, sum, if)"),
            )),
        }
    }
}

fn to_f(ir: Ir, ty: Ty) -> Ir {
    if ty == Ty::Int {
        Ir::ToF(Box::new(ir))
    } else {
        ir
    }
}

impl Ir {
    /// Every catalogue field this expression reads.
    pub fn fields(&self, out: &mut Vec<FieldId>) {
        match self {
            Ir::BField(f) | Ir::IField(f) | Ir::FField(f) | Ir::EnumIn(f, _, _)
                if !out.contains(f) =>
            {
                out.push(*f)
            }
            _ => {}
        }
        self.children(|c| c.fields(out));
    }

    /// True when the expression reads the household's area (directly or through an income line).
    pub fn uses_area(&self) -> bool {
        let mut found = matches!(self, Ir::Threshold(_));
        self.children(|c| found |= c.uses_area());
        found
    }

    /// Income lines this expression reads.
    pub fn thresholds(&self, out: &mut Vec<u16>) {
        if let Ir::Threshold(t) = self
            && !out.contains(t)
        {
            out.push(*t)
        }
        self.children(|c| c.thresholds(out));
    }

    fn children(&self, mut f: impl FnMut(&Ir)) {
        match self {
            Ir::Not(a) | Ir::Any(a) | Ir::All(a) | Ir::Count(a) | Ir::SumI(a) | Ir::ToF(a) => f(a),
            Ir::And(a, b)
            | Ir::Or(a, b)
            | Ir::CmpI(_, a, b)
            | Ir::CmpF(_, a, b)
            | Ir::ArI(_, a, b)
            | Ir::ArF(_, a, b) => {
                f(a);
                f(b)
            }
            Ir::IfB(c, a, b) | Ir::IfI(c, a, b) | Ir::IfF(c, a, b) => {
                f(c);
                f(a);
                f(b)
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse;

    fn c(src: &str) -> Result<Ir, ExprError> {
        let env = Env {
            thresholds: vec!["poverty_line".into()],
            allow_deficits: true,
            ..Default::default()
        };
        compile_bool(&parse(src)?, &env)
    }

    #[test]
    fn types_and_names_are_checked() {
        assert!(c("any(member, age >= 6 and not has_health_insurance)").is_ok());
        assert!(c("monthly_income_vnd <= poverty_line * n and deficits >= 3").is_ok());
        assert!(c("floor_area_m2 < 8 * n").is_ok());
        assert!(c("water_source in [unprotected, none]").is_ok());
        let e = c("age >= 6").unwrap_err();
        assert!(e.message.contains("member field"), "{e}");
        let e = c("water_source in [river]").unwrap_err();
        assert!(e.message.contains("`river` is not a value"), "{e}");
        assert_eq!(e.span.start, 17);
        let e = c("any(member, agee > 1)").unwrap_err();
        assert!(e.message.contains("unknown name `agee`"));
        assert!(c("n + 1").is_err());
        assert!(c("any(member, count(member, age > 1) > 1)").is_err());
        assert!(c("any(member, sex == male and age <= if(sex == male, 60, 55))").is_ok());
    }
}

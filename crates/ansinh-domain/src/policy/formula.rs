//! Exact evaluation of amount and plan formulas written in the rule language ([`crate::expr`]).
//!
//! The syntax is the standards' (`0.045 * base_salary`, `if(a > b, a, b)`); the numbers are exact: a
//! literal such as `0.045` is read from its text, never through a float. Names and extra functions are
//! resolved by the caller ([`Scope`]); this module knows arithmetic, comparisons, `and`/`or`/`not` and the
//! functions `if`, `min`, `max`, `ceil`, `floor`, `round`, `trunc`, `round_even`.

use crate::expr::{BinOp, ExprError, Node, NodeKind, Span};

use super::exact::{Exact, Rounding};

/// A formula value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    Num(Exact),
    Bool(bool),
}

impl Val {
    pub fn num(self, span: Span) -> Result<Exact, ExprError> {
        match self {
            Val::Num(x) => Ok(x),
            Val::Bool(_) => Err(ExprError::new(span, "expected a number, found yes/no")),
        }
    }
    pub fn bool(self, span: Span) -> Result<bool, ExprError> {
        match self {
            Val::Bool(b) => Ok(b),
            Val::Num(_) => Err(ExprError::new(span, "expected yes/no, found a number")),
        }
    }
}

/// What a formula's names and extra functions mean.
pub trait Scope {
    /// The value of a bare name.
    fn name(&mut self, name: &str, span: Span) -> Result<Val, ExprError>;
    /// An extra function; `None` when this scope does not define `name`.
    fn call(
        &mut self,
        _name: &str,
        _args: &[Node],
        _span: Span,
        _src: &str,
    ) -> Option<Result<Val, ExprError>> {
        None
    }
}

fn overflow(span: Span) -> ExprError {
    ExprError::new(span, "number too large for exact arithmetic")
}

/// Evaluates `node` (parsed from `src`) exactly.
pub fn eval(node: &Node, src: &str, scope: &mut dyn Scope) -> Result<Val, ExprError> {
    let span = node.span;
    match &node.kind {
        NodeKind::Bool(b) => Ok(Val::Bool(*b)),
        NodeKind::Int(v) => Ok(Val::Num(Exact::int(*v))),
        NodeKind::Float(_) => {
            let text = src.get(span.start..span.end).unwrap_or("");
            Exact::parse(text)
                .map(Val::Num)
                .ok_or_else(|| ExprError::new(span, format!("bad number `{text}`")))
        }
        NodeKind::Name(n) => scope.name(n, span),
        NodeKind::Not(inner) => Ok(Val::Bool(!eval(inner, src, scope)?.bool(inner.span)?)),
        NodeKind::Neg(inner) => {
            let v = eval(inner, src, scope)?.num(inner.span)?;
            Ok(Val::Num(v.checked_neg().ok_or_else(|| overflow(span))?))
        }
        NodeKind::In(..) => Err(ExprError::new(
            span,
            "`in [..]` is not available in amount formulas",
        )),
        NodeKind::Binary(op, l, r) => {
            if matches!(op, BinOp::And | BinOp::Or) {
                let a = eval(l, src, scope)?.bool(l.span)?;
                let b = eval(r, src, scope)?.bool(r.span)?;
                return Ok(Val::Bool(if *op == BinOp::And { a && b } else { a || b }));
            }
            let a = eval(l, src, scope)?.num(l.span)?;
            let b = eval(r, src, scope)?.num(r.span)?;
            let n = |v: Option<Exact>| v.map(Val::Num).ok_or_else(|| overflow(span));
            match op {
                BinOp::Add => n(a.checked_add(b)),
                BinOp::Sub => n(a.checked_sub(b)),
                BinOp::Mul => n(a.checked_mul(b)),
                BinOp::Div => {
                    if b.is_zero() {
                        return Err(ExprError::new(r.span, "division by zero"));
                    }
                    n(a.checked_div(b))
                }
                BinOp::Lt => Ok(Val::Bool(a < b)),
                BinOp::Le => Ok(Val::Bool(a <= b)),
                BinOp::Gt => Ok(Val::Bool(a > b)),
                BinOp::Ge => Ok(Val::Bool(a >= b)),
                BinOp::Eq => Ok(Val::Bool(a == b)),
                BinOp::Ne => Ok(Val::Bool(a != b)),
                BinOp::And | BinOp::Or => Err(ExprError::new(span, "unreachable")),
            }
        }
        NodeKind::Call(name, args) => {
            if let Some(r) = scope.call(name, args, span, src) {
                return r;
            }
            call(name, args, span, src, scope)
        }
    }
}

fn call(
    name: &str,
    args: &[Node],
    span: Span,
    src: &str,
    scope: &mut dyn Scope,
) -> Result<Val, ExprError> {
    let arity = |lo: usize, hi: usize| -> Result<(), ExprError> {
        if args.len() < lo || args.len() > hi {
            return Err(ExprError::new(
                span,
                format!("`{name}` takes {lo}–{hi} arguments, found {}", args.len()),
            ));
        }
        Ok(())
    };
    let rule = match name {
        "round" => Some(Rounding::HalfUp),
        "round_even" => Some(Rounding::HalfEven),
        "ceil" => Some(Rounding::Ceil),
        "floor" => Some(Rounding::Floor),
        "trunc" => Some(Rounding::Trunc),
        _ => None,
    };
    if let Some(rule) = rule {
        arity(1, 2)?;
        let x = eval(&args[0], src, scope)?.num(args[0].span)?;
        let d = match args.get(1) {
            Some(a) => {
                let d = eval(a, src, scope)?.num(a.span)?;
                d.to_i64()
                    .and_then(|d| u32::try_from(d).ok())
                    .filter(|d| *d <= 12)
                    .ok_or_else(|| ExprError::new(a.span, "decimals must be 0 to 12"))?
            }
            None => 0,
        };
        return x.round(d, rule).map(Val::Num).ok_or_else(|| overflow(span));
    }
    match name {
        "if" => {
            arity(3, 3)?;
            if eval(&args[0], src, scope)?.bool(args[0].span)? {
                eval(&args[1], src, scope)
            } else {
                eval(&args[2], src, scope)
            }
        }
        "min" | "max" => {
            if args.is_empty() {
                return Err(ExprError::new(
                    span,
                    format!("`{name}` needs at least one argument"),
                ));
            }
            let mut best: Option<Exact> = None;
            for a in args {
                let v = eval(a, src, scope)?.num(a.span)?;
                best = Some(match best {
                    None => v,
                    Some(b) if (name == "min") == (v < b) => v,
                    Some(b) => b,
                });
            }
            best.map(Val::Num)
                .ok_or_else(|| ExprError::new(span, "empty"))
        }
        _ => Err(ExprError::new(
            span,
            format!(
                "unknown function `{name}` (known: if, min, max, round, round_even, ceil, floor, trunc)"
            ),
        )),
    }
}

/// Every bare name a formula reads (not the function names), in order of first use.
pub fn names(node: &Node, out: &mut Vec<(String, Span)>) {
    match &node.kind {
        NodeKind::Name(n) if !out.iter().any(|(x, _)| x == n) => {
            out.push((n.clone(), node.span));
        }
        NodeKind::Not(a) | NodeKind::Neg(a) => names(a, out),
        NodeKind::Binary(_, a, b) => {
            names(a, out);
            names(b, out);
        }
        NodeKind::In(a, _, _) => names(a, out),
        NodeKind::Call(_, args) => args.iter().for_each(|a| names(a, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse;

    struct S;
    impl Scope for S {
        fn name(&mut self, name: &str, span: Span) -> Result<Val, ExprError> {
            match name {
                "base_salary" => Ok(Val::Num(Exact::int(1_490_000))),
                _ => Err(ExprError::new(span, format!("unknown name `{name}`"))),
            }
        }
    }

    fn ev(src: &str) -> Result<Val, ExprError> {
        eval(&parse(src)?, src, &mut S)
    }

    #[test]
    fn literals_are_read_exactly() {
        assert_eq!(
            ev("0.045 * base_salary").unwrap(),
            Val::Num(Exact::int(67_050))
        );
        assert_eq!(ev("ceil(3612 * 0.2)").unwrap(), Val::Num(Exact::int(723)));
        assert_eq!(
            ev("round(2 / 3, 2)").unwrap(),
            Val::Num(Exact::parse("0.67").unwrap())
        );
        assert_eq!(
            ev("if(1 < 2, max(1, 5, 3), 0)").unwrap(),
            Val::Num(Exact::int(5))
        );
        assert!(
            ev("1 / 0")
                .unwrap_err()
                .message
                .contains("division by zero")
        );
        assert!(ev("salary").unwrap_err().message.contains("unknown name"));
    }
}

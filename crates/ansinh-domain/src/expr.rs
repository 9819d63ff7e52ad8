//! The rule language: a small, declarative expression language over household and member fields.
//!
//! ```text
//! any(member, age >= 6 and not has_health_insurance)
//! 2 * count(member, age < 16 or age >= 60 or is_disabled) > n
//! monthly_income_vnd <= poverty_line * n and deficits >= 3
//! ```
//!
//! Grammar (lowest precedence first): `or`, `and`, `not`, comparisons (`< <= > >= == !=`, `in [..]`,
//! `not in [..]`), `+ -`, `* /`, unary `-`, atoms (numbers, `true`/`false`, names, calls, parentheses).
//! This module only parses; [`crate::compile`] resolves names and types.

use std::fmt;

/// At most this many tokens in one expression. With [`MAX_NESTING`] (and the compiler's own depth limit)
/// this keeps parsing, compiling, evaluating and dropping an expression within the stack whatever the text:
/// all of them recurse over the syntax tree.
pub const MAX_TOKENS: usize = 2_000;

/// At most this many nested parentheses, call arguments, `not`s and unary minuses.
pub const MAX_NESTING: usize = 64;

/// A byte range inside the expression text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A syntax or type error inside an expression.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    pub span: Span,
    pub message: String,
}

impl ExprError {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        ExprError {
            span,
            message: message.into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    Add,
    Sub,
    Mul,
    Div,
}

impl fmt::Display for BinOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        })
    }
}

/// An untyped syntax tree node.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Bool(bool),
    Int(i64),
    Float(f64),
    Name(String),
    Call(String, Vec<Node>),
    Not(Box<Node>),
    Neg(Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    /// `x in [a, b]` (or `not in` when the flag is set).
    In(Box<Node>, Vec<(String, Span)>, bool),
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Name(String),
    Int(i64),
    Float(f64),
    Sym(&'static str),
}

fn lex(src: &str) -> Result<Vec<(Tok, Span)>, ExprError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Name(src[start..i].to_string()), Span { start, end: i }));
        } else if c.is_ascii_digit() {
            let mut is_float = false;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit() || bytes[i] == b'_' || bytes[i] == b'.')
            {
                is_float |= bytes[i] == b'.';
                i += 1;
            }
            let text: String = src[start..i].chars().filter(|&c| c != '_').collect();
            let span = Span { start, end: i };
            let tok =
                if is_float {
                    Tok::Float(
                        text.parse()
                            .map_err(|_| ExprError::new(span, format!("bad number `{text}`")))?,
                    )
                } else {
                    Tok::Int(text.parse().map_err(|_| {
                        ExprError::new(span, format!("number `{text}` is too large"))
                    })?)
                };
            out.push((tok, span));
        } else {
            const SYMS: [&str; 16] = [
                "<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",", "=",
            ];
            let Some(sym) = SYMS.iter().find(|s| src[i..].starts_with(**s)) else {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(ExprError::new(
                    Span {
                        start,
                        end: i + ch.len_utf8(),
                    },
                    format!("unexpected character `{ch}`"),
                ));
            };
            if *sym == "=" {
                return Err(ExprError::new(
                    Span { start, end: i + 1 },
                    "use `==` to compare",
                ));
            }
            i += sym.len();
            out.push((Tok::Sym(sym), Span { start, end: i }));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    len: usize,
    /// Current nesting depth of the recursive descent.
    nesting: usize,
}

/// Parses an expression.
pub fn parse(src: &str) -> Result<Node, ExprError> {
    let toks = lex(src)?;
    if let Some((_, span)) = toks.get(MAX_TOKENS) {
        return Err(ExprError::new(
            *span,
            format!("expression too long (more than {MAX_TOKENS} tokens)"),
        ));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        len: src.len(),
        nesting: 0,
    };
    let node = p.or()?;
    if let Some((_, span)) = p.toks.get(p.pos) {
        return Err(ExprError::new(
            *span,
            "unexpected text after the end of the expression",
        ));
    }
    Ok(node)
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    fn span_here(&self) -> Span {
        self.toks.get(self.pos).map(|t| t.1).unwrap_or(Span {
            start: self.len,
            end: self.len,
        })
    }
    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }
    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Name(x)) if x == w)
    }
    fn expect_sym(&mut self, s: &str) -> Result<Span, ExprError> {
        if self.is_sym(s) {
            self.pos += 1;
            Ok(self.toks[self.pos - 1].1)
        } else {
            Err(ExprError::new(self.span_here(), format!("expected `{s}`")))
        }
    }
    fn bin(op: BinOp, l: Node, r: Node) -> Node {
        let span = Span {
            start: l.span.start,
            end: r.span.end,
        };
        Node {
            kind: NodeKind::Binary(op, Box::new(l), Box::new(r)),
            span,
        }
    }
    fn or(&mut self) -> Result<Node, ExprError> {
        let mut l = self.and()?;
        while self.is_word("or") {
            self.pos += 1;
            let r = self.and()?;
            l = Self::bin(BinOp::Or, l, r);
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Node, ExprError> {
        let mut l = self.not()?;
        while self.is_word("and") {
            self.pos += 1;
            let r = self.not()?;
            l = Self::bin(BinOp::And, l, r);
        }
        Ok(l)
    }
    /// Parses a nested part with `f`, refusing nesting deeper than [`MAX_NESTING`].
    fn nested(
        &mut self,
        at: Span,
        f: impl FnOnce(&mut Self) -> Result<Node, ExprError>,
    ) -> Result<Node, ExprError> {
        if self.nesting >= MAX_NESTING {
            return Err(ExprError::new(
                at,
                format!("expression nested more than {MAX_NESTING} levels deep"),
            ));
        }
        self.nesting += 1;
        let node = f(self);
        self.nesting -= 1;
        node
    }
    fn not(&mut self) -> Result<Node, ExprError> {
        if self.is_word("not") {
            let here = self.span_here();
            let start = here.start;
            self.pos += 1;
            let inner = self.nested(here, Self::not)?;
            let span = Span {
                start,
                end: inner.span.end,
            };
            return Ok(Node {
                kind: NodeKind::Not(Box::new(inner)),
                span,
            });
        }
        self.cmp()
    }
    fn cmp(&mut self) -> Result<Node, ExprError> {
        let l = self.sum()?;
        let op = match self.peek() {
            Some(Tok::Sym("<")) => BinOp::Lt,
            Some(Tok::Sym("<=")) => BinOp::Le,
            Some(Tok::Sym(">")) => BinOp::Gt,
            Some(Tok::Sym(">=")) => BinOp::Ge,
            Some(Tok::Sym("==")) => BinOp::Eq,
            Some(Tok::Sym("!=")) => BinOp::Ne,
            Some(Tok::Name(w)) if w == "in" => return self.in_list(l, false),
            Some(Tok::Name(w))
                if w == "not"
                    && matches!(self.toks.get(self.pos + 1), Some((Tok::Name(x), _)) if x == "in") =>
            {
                self.pos += 1;
                return self.in_list(l, true);
            }
            _ => return Ok(l),
        };
        self.pos += 1;
        let r = self.sum()?;
        Ok(Self::bin(op, l, r))
    }
    fn in_list(&mut self, l: Node, negated: bool) -> Result<Node, ExprError> {
        self.pos += 1; // `in`
        self.expect_sym("[")?;
        let mut items = Vec::new();
        loop {
            match self.toks.get(self.pos) {
                Some((Tok::Name(n), span)) => {
                    items.push((n.clone(), *span));
                    self.pos += 1;
                }
                _ => {
                    return Err(ExprError::new(
                        self.span_here(),
                        "expected a value name in the list",
                    ));
                }
            }
            if self.is_sym(",") {
                self.pos += 1;
                continue;
            }
            break;
        }
        let end = self.expect_sym("]")?;
        let span = Span {
            start: l.span.start,
            end: end.end,
        };
        Ok(Node {
            kind: NodeKind::In(Box::new(l), items, negated),
            span,
        })
    }
    fn sum(&mut self) -> Result<Node, ExprError> {
        let mut l = self.prod()?;
        loop {
            let op = if self.is_sym("+") {
                BinOp::Add
            } else if self.is_sym("-") {
                BinOp::Sub
            } else {
                return Ok(l);
            };
            self.pos += 1;
            let r = self.prod()?;
            l = Self::bin(op, l, r);
        }
    }
    fn prod(&mut self) -> Result<Node, ExprError> {
        let mut l = self.unary()?;
        loop {
            let op = if self.is_sym("*") {
                BinOp::Mul
            } else if self.is_sym("/") {
                BinOp::Div
            } else {
                return Ok(l);
            };
            self.pos += 1;
            let r = self.unary()?;
            l = Self::bin(op, l, r);
        }
    }
    fn unary(&mut self) -> Result<Node, ExprError> {
        if self.is_sym("-") {
            let here = self.span_here();
            let start = here.start;
            self.pos += 1;
            let inner = self.nested(here, Self::unary)?;
            let span = Span {
                start,
                end: inner.span.end,
            };
            return Ok(Node {
                kind: NodeKind::Neg(Box::new(inner)),
                span,
            });
        }
        self.atom()
    }
    fn atom(&mut self) -> Result<Node, ExprError> {
        let span = self.span_here();
        let Some(tok) = self.peek().cloned() else {
            return Err(ExprError::new(span, "expression ends too early"));
        };
        self.pos += 1;
        match tok {
            Tok::Int(v) => Ok(Node {
                kind: NodeKind::Int(v),
                span,
            }),
            Tok::Float(v) => Ok(Node {
                kind: NodeKind::Float(v),
                span,
            }),
            Tok::Name(n) if n == "true" || n == "false" => Ok(Node {
                kind: NodeKind::Bool(n == "true"),
                span,
            }),
            Tok::Name(n) if ["and", "or", "not", "in"].contains(&n.as_str()) => {
                Err(ExprError::new(span, format!("`{n}` cannot start a value")))
            }
            Tok::Name(n) => {
                if !self.is_sym("(") {
                    return Ok(Node {
                        kind: NodeKind::Name(n),
                        span,
                    });
                }
                self.pos += 1;
                let mut args = Vec::new();
                if !self.is_sym(")") {
                    loop {
                        let here = self.span_here();
                        args.push(self.nested(here, Self::or)?);
                        if self.is_sym(",") {
                            self.pos += 1;
                            continue;
                        }
                        break;
                    }
                }
                let end = self.expect_sym(")")?;
                Ok(Node {
                    kind: NodeKind::Call(n, args),
                    span: Span {
                        start: span.start,
                        end: end.end,
                    },
                })
            }
            Tok::Sym("(") => {
                let inner = self.nested(span, Self::or)?;
                self.expect_sym(")")?;
                Ok(inner)
            }
            Tok::Sym(s) => Err(ExprError::new(span, format!("unexpected `{s}`"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_binds_tighter_than_or_and_comparison_tighter_than_and() {
        let n = parse("a or b and c < 1 + 2 * 3").unwrap();
        let NodeKind::Binary(BinOp::Or, _, r) = n.kind else {
            panic!("{n:?}")
        };
        let NodeKind::Binary(BinOp::And, _, c) = r.kind else {
            panic!()
        };
        let NodeKind::Binary(BinOp::Lt, _, s) = c.kind else {
            panic!()
        };
        assert!(matches!(s.kind, NodeKind::Binary(BinOp::Add, _, _)));
    }

    #[test]
    fn in_lists_and_not_in() {
        let n = parse("x not in [a, b]").unwrap();
        assert!(matches!(n.kind, NodeKind::In(_, ref v, true) if v.len() == 2));
    }

    #[test]
    fn errors_point_at_the_offending_text() {
        let e = parse("age >= 6 and").unwrap_err();
        assert_eq!(e.span.start, 12);
        let e = parse("age = 6").unwrap_err();
        assert_eq!(e.span, Span { start: 4, end: 5 });
        assert!(parse("1_500_000 * n").is_ok());
    }

    #[test]
    fn deep_or_long_expressions_are_refused_not_a_stack_overflow() {
        let ok = format!("{}n{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}n{}", "(".repeat(100), ")".repeat(100));
        let e = parse(&deep).unwrap_err();
        assert_eq!(e.span.start, MAX_NESTING);
        assert!(
            parse(&format!("{}true", "not ".repeat(100)))
                .unwrap_err()
                .message
                .contains("nested")
        );
        assert!(
            parse(&format!("{}1", "-".repeat(100)))
                .unwrap_err()
                .message
                .contains("nested")
        );
        assert!(
            parse(&format!("{}1", "-".repeat(100_000)))
                .unwrap_err()
                .message
                .contains("too long")
        );
        let long = vec!["n > 0"; 100_000].join(" or ");
        let e = parse(&long).unwrap_err();
        assert!(e.message.contains("too long"), "{e}");
    }
}

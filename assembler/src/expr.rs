//! Integer constant expressions: parsing, and evaluation to a constant or to an address
//! (a section or an undefined symbol, plus an offset).
//!
//! Precedence, loosest first, as in C: `||`, `&&`, `|`, `^`, `&`, `== !=`, `< <= > >=`, `<< >>`,
//! `+ -`, `* / %`, then the unary `- + ~ !`. Arithmetic wraps at 64 bits; `>>` is arithmetic;
//! comparisons and logical operators give 1 or 0.

use crate::float::{self, Format};
use crate::lex::Kind;
use crate::object::{SecId, SymId};
use crate::parse::{Cursor, PResult, SyntaxError};
use crate::source::Span;

/// What an address is relative to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RelBase {
    /// A section of this file.
    Section(SecId),
    /// A symbol this file does not define.
    Symbol(SymId),
}

/// The value of an expression.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Val {
    /// A constant.
    Abs(i64),
    /// An address: `base + offset`, known once sections are placed.
    Rel { base: RelBase, offset: i64 },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UnOp {
    Neg,
    Not,
    LogNot,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BinOp {
    Mul,
    Div,
    Rem,
    Add,
    Sub,
    Shl,
    Shr,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Xor,
    Or,
    LogAnd,
    LogOr,
}

impl BinOp {
    fn from_kind(k: Kind) -> Option<(BinOp, u8)> {
        Some(match k {
            Kind::Star => (BinOp::Mul, 10),
            Kind::Slash => (BinOp::Div, 10),
            Kind::Percent => (BinOp::Rem, 10),
            Kind::Plus => (BinOp::Add, 9),
            Kind::Minus => (BinOp::Sub, 9),
            Kind::Shl => (BinOp::Shl, 8),
            Kind::Shr => (BinOp::Shr, 8),
            Kind::Lt => (BinOp::Lt, 7),
            Kind::Le => (BinOp::Le, 7),
            Kind::Gt => (BinOp::Gt, 7),
            Kind::Ge => (BinOp::Ge, 7),
            Kind::EqEq => (BinOp::Eq, 6),
            Kind::Ne => (BinOp::Ne, 6),
            Kind::Amp => (BinOp::And, 5),
            Kind::Caret => (BinOp::Xor, 4),
            Kind::Pipe => (BinOp::Or, 3),
            Kind::AndAnd => (BinOp::LogAnd, 2),
            Kind::OrOr => (BinOp::LogOr, 1),
            _ => return None,
        })
    }

    fn symbol(self) -> &'static str {
        match self {
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::And => "&",
            BinOp::Xor => "^",
            BinOp::Or => "|",
            BinOp::LogAnd => "&&",
            BinOp::LogOr => "||",
        }
    }
}

/// A node of an expression tree; children come before their parents.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Node {
    Int(i64),
    Sym(SymId),
    /// A value fixed when the expression was read (`.`, the current address).
    Val(Val),
    Unary(UnOp, u32),
    Binary(BinOp, u32, u32),
}

/// An expression: nodes in post-order, the last one the root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expr {
    pub nodes: Vec<(Node, Span)>,
}

impl Expr {
    pub fn root(&self) -> u32 {
        self.nodes.len() as u32 - 1
    }

    pub fn span(&self) -> Span {
        self.nodes
            .last()
            .map(|n| n.1)
            .expect("expressions are not empty")
    }

    /// The constant, when the expression is one literal.
    pub fn as_literal(&self) -> Option<i64> {
        match self.nodes.as_slice() {
            [(Node::Int(v), _)] => Some(*v),
            _ => None,
        }
    }

    fn push(&mut self, node: Node, span: Span) -> u32 {
        self.nodes.push((node, span));
        self.nodes.len() as u32 - 1
    }
}

/// How names in an expression become symbols while it is read.
pub trait Scope {
    /// The symbol a name denotes (created when new).
    fn symbol(&mut self, name: &str, span: Span) -> PResult<SymId>;
    /// The symbol `1b` (`forward` false) or `1f` denotes.
    fn local_label(&mut self, number: u64, forward: bool, span: Span) -> PResult<SymId>;
    /// The current address (`.`).
    fn dot(&self) -> Val;
}

/// How symbols get values while an expression is evaluated.
pub trait Env {
    /// The symbol's value, or `None` when it is not known yet.
    fn value(&mut self, id: SymId, span: Span) -> PResult<Option<Val>>;
}

/// Reads an expression into `out` (cleared first).
pub fn parse(c: &mut Cursor<'_>, scope: &mut dyn Scope, out: &mut Expr) -> PResult<()> {
    out.nodes.clear();
    binary(c, scope, out, 0, 0)?;
    Ok(())
}

fn binary(
    c: &mut Cursor<'_>,
    scope: &mut dyn Scope,
    out: &mut Expr,
    min_prec: u8,
    depth: usize,
) -> PResult<u32> {
    if depth > MAX_DEPTH {
        return Err(SyntaxError::new(
            c.here(),
            "expression is too deeply nested",
        ));
    }
    let mut lhs = unary(c, scope, out, depth + 1)?;
    while let Some((op, prec)) = c.peek_kind().and_then(BinOp::from_kind) {
        if prec <= min_prec {
            break;
        }
        c.bump();
        if out.nodes.len() > MAX_NODES {
            return Err(SyntaxError::new(c.here(), "expression is too long"));
        }
        let rhs = binary(c, scope, out, prec, depth + 1)?;
        let span = out.nodes[lhs as usize].1.to(out.nodes[rhs as usize].1);
        lhs = out.push(Node::Binary(op, lhs, rhs), span);
    }
    Ok(lhs)
}

fn unary(c: &mut Cursor<'_>, scope: &mut dyn Scope, out: &mut Expr, depth: usize) -> PResult<u32> {
    let Some(t) = c.peek() else {
        return Err(c.unexpected("an expression"));
    };
    let span = c.span(t);
    let op = match t.kind {
        Kind::Minus => Some(UnOp::Neg),
        Kind::Tilde => Some(UnOp::Not),
        Kind::Bang => Some(UnOp::LogNot),
        Kind::Plus => None,
        _ => return primary(c, scope, out, depth),
    };
    c.bump();
    if depth > MAX_DEPTH {
        return Err(SyntaxError::new(span, "expression is too deeply nested"));
    }
    let inner = unary(c, scope, out, depth + 1)?;
    let whole = span.to(out.nodes[inner as usize].1);
    Ok(match op {
        Some(op) => out.push(Node::Unary(op, inner), whole),
        None => inner,
    })
}

/// Deeper expressions are refused rather than risking the stack.
const MAX_DEPTH: usize = 200;
/// Evaluation recurses through the tree, so its size is bounded too.
const MAX_NODES: usize = 1000;

fn primary(
    c: &mut Cursor<'_>,
    scope: &mut dyn Scope,
    out: &mut Expr,
    depth: usize,
) -> PResult<u32> {
    let t = c.bump().expect("checked by the caller");
    let span = c.span(t);
    match t.kind {
        Kind::Int | Kind::Char => Ok(out.push(Node::Int(t.value as i64), span)),
        Kind::Ident => {
            let id = scope.symbol(c.slice(t), span)?;
            Ok(out.push(Node::Sym(id), span))
        }
        Kind::LocalBack | Kind::LocalFwd => {
            let id = scope.local_label(t.value, t.kind == Kind::LocalFwd, span)?;
            Ok(out.push(Node::Sym(id), span))
        }
        Kind::Dot => Ok(out.push(Node::Val(scope.dot()), span)),
        // `%f32(1.5)` and its kin: the bit pattern of a floating-point value.
        Kind::Percent
            if c.peek().is_some_and(|n| n.kind == Kind::Ident)
                && c.peek_kind_at(1) == Some(Kind::LParen) =>
        {
            let name = c.bump().expect("peeked");
            let Some(format) = float_format(c.slice(name)) else {
                return Err(SyntaxError::new(
                    c.span(name),
                    format!("unknown modifier `%{}`", c.slice(name)),
                )
                .help(
                    "`%f64(x)`, `%f32(x)`, `%f16(x)` and `%bf16(x)` give a number's bit pattern; \
                     `%hi(value)` and `%lo(value)` split an instruction's immediate",
                ));
            };
            c.bump();
            let bits = float_literal(c, format)?;
            let close = c.expect(Kind::RParen, "`)`")?;
            Ok(out.push(Node::Int(bits as i64), span.to(c.span(close))))
        }
        Kind::LParen => {
            let inner = binary(c, scope, out, 0, depth + 1)?;
            let close = c.expect(Kind::RParen, "`)`")?;
            // Widen the span to the parentheses.
            out.nodes[inner as usize].1 = span.to(c.span(close));
            Ok(inner)
        }
        Kind::Float => Err(SyntaxError::new(
            span,
            "a floating-point number is not an integer expression",
        )
        .help(
            "floating-point values go in `.float`, `.double`, `.bf16` or `.fp16`, or as a \
             bit pattern in `%f32(…)`, `%f64(…)`, `%f16(…)` or `%bf16(…)`",
        )),
        Kind::Str => Err(
            SyntaxError::new(span, "a string is not an integer expression")
                .help("write a character as 'a', or bytes with `.ascii`"),
        ),
        _ => {
            c.pos -= 1;
            Err(c.unexpected("an expression"))
        }
    }
}

/// The format of `%f64(…)`, `%f32(…)`, `%f16(…)` and `%bf16(…)`.
pub(crate) fn float_format(name: &str) -> Option<Format> {
    Some(match name {
        "f64" => Format::FP64,
        "f32" => Format::FP32,
        "f16" => Format::FP16,
        "bf16" => Format::BF16,
        _ => return None,
    })
}

/// A signed number (`1.5`, `-2e-3`, `3`, `inf`, `nan`) rounded once to `format`: its bits.
fn float_literal(c: &mut Cursor<'_>, format: Format) -> PResult<u64> {
    let start = c.here();
    let sign = match c.peek_kind() {
        Some(Kind::Minus) => "-",
        Some(Kind::Plus) => "+",
        _ => "",
    };
    if !sign.is_empty() {
        c.bump();
    }
    let text = match c.peek() {
        Some(t) if t.kind == Kind::Float => c.slice(t).to_string(),
        Some(t) if t.kind == Kind::Int => t.value.to_string(),
        Some(t) if t.kind == Kind::Ident && matches!(c.slice(t), "inf" | "infinity" | "nan") => {
            c.slice(t).to_string()
        }
        _ => return Err(c.unexpected("a floating-point number")),
    };
    let t = c.bump().expect("peeked");
    float::from_decimal(&format!("{sign}{text}"), format)
        .ok_or_else(|| SyntaxError::new(start.to(c.span(t)), "malformed floating-point number"))
}

/// Evaluates `expr`: `Ok(None)` when a symbol in it is not known yet.
pub fn eval(expr: &Expr, env: &mut dyn Env) -> PResult<Option<Val>> {
    eval_node(expr, expr.root(), env)
}

fn eval_node(expr: &Expr, i: u32, env: &mut dyn Env) -> PResult<Option<Val>> {
    let (node, span) = expr.nodes[i as usize];
    Ok(match node {
        Node::Int(v) => Some(Val::Abs(v)),
        Node::Val(v) => Some(v),
        Node::Sym(id) => env.value(id, span)?,
        Node::Unary(op, a) => {
            let Some(a) = eval_node(expr, a, env)? else {
                return Ok(None);
            };
            let Val::Abs(a) = a else {
                return Err(SyntaxError::new(span, "an address cannot be negated or complemented")
                    .help("only `address + constant`, `address - constant` and `address - address` are allowed"));
            };
            Some(Val::Abs(match op {
                UnOp::Neg => a.wrapping_neg(),
                UnOp::Not => !a,
                UnOp::LogNot => (a == 0) as i64,
            }))
        }
        Node::Binary(op, a, b) => {
            let a = eval_node(expr, a, env)?;
            let b = eval_node(expr, b, env)?;
            let (Some(a), Some(b)) = (a, b) else {
                return Ok(None);
            };
            Some(binary_op(op, a, b, span)?)
        }
    })
}

fn binary_op(op: BinOp, a: Val, b: Val, span: Span) -> PResult<Val> {
    use Val::*;
    let address_error = || {
        SyntaxError::new(span, format!("`{}` cannot combine these addresses", op.symbol()))
            .help("only `address + constant`, `address - constant` and the difference of two addresses in the same section are allowed")
    };
    match (op, a, b) {
        (BinOp::Add, Rel { base, offset }, Abs(k)) | (BinOp::Add, Abs(k), Rel { base, offset }) => {
            return Ok(Rel {
                base,
                offset: offset.wrapping_add(k),
            });
        }
        (BinOp::Sub, Rel { base, offset }, Abs(k)) => {
            return Ok(Rel {
                base,
                offset: offset.wrapping_sub(k),
            });
        }
        (BinOp::Sub, Rel { base: x, offset: p }, Rel { base: y, offset: q }) if x == y => {
            return Ok(Abs(p.wrapping_sub(q)));
        }
        (_, Abs(_), Abs(_)) => {}
        _ => return Err(address_error()),
    }
    let (Abs(a), Abs(b)) = (a, b) else {
        unreachable!("addresses handled above")
    };
    let v = match op {
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::Div | BinOp::Rem if b == 0 => {
            return Err(SyntaxError::new(span, "division by zero"));
        }
        BinOp::Div => a.wrapping_div(b),
        BinOp::Rem => a.wrapping_rem(b),
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Shl | BinOp::Shr if b < 0 => {
            return Err(SyntaxError::new(
                span,
                format!("shift by a negative amount ({b})"),
            ));
        }
        BinOp::Shl => {
            if b >= 64 {
                0
            } else {
                a << b
            }
        }
        BinOp::Shr => a >> b.min(63),
        BinOp::Lt => (a < b) as i64,
        BinOp::Le => (a <= b) as i64,
        BinOp::Gt => (a > b) as i64,
        BinOp::Ge => (a >= b) as i64,
        BinOp::Eq => (a == b) as i64,
        BinOp::Ne => (a != b) as i64,
        BinOp::And => a & b,
        BinOp::Xor => a ^ b,
        BinOp::Or => a | b,
        BinOp::LogAnd => (a != 0 && b != 0) as i64,
        BinOp::LogOr => (a != 0 || b != 0) as i64,
    };
    Ok(Abs(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::Lexer;
    use crate::source::FileId;

    struct NoNames;
    impl Scope for NoNames {
        fn symbol(&mut self, _: &str, span: Span) -> PResult<SymId> {
            Err(SyntaxError::new(span, "no symbols here"))
        }
        fn local_label(&mut self, _: u64, _: bool, span: Span) -> PResult<SymId> {
            Err(SyntaxError::new(span, "no symbols here"))
        }
        fn dot(&self) -> Val {
            Val::Abs(0x100)
        }
    }
    impl Env for NoNames {
        fn value(&mut self, _: SymId, _: Span) -> PResult<Option<Val>> {
            Ok(None)
        }
    }

    fn value(text: &str) -> Result<i64, String> {
        let mut lx = Lexer::new(text, 0, text.len());
        let mut toks = Vec::new();
        lx.statement(&mut toks);
        let mut c = Cursor::new(&toks, text, FileId(0), text.len() as u32);
        let mut e = Expr::default();
        parse(&mut c, &mut NoNames, &mut e).map_err(|e| e.into_detail().message)?;
        c.finish().map_err(|e| e.into_detail().message)?;
        match eval(&e, &mut NoNames).map_err(|e| e.into_detail().message)? {
            Some(Val::Abs(v)) => Ok(v),
            other => Err(format!("{other:?}")),
        }
    }

    #[test]
    fn precedence_is_c_like() {
        assert_eq!(value("1 + 2 * 3"), Ok(7));
        assert_eq!(value("(1 + 2) * 3"), Ok(9));
        assert_eq!(value("1 << 2 + 1"), Ok(8));
        assert_eq!(value("6 & 3 | 8"), Ok(10));
        assert_eq!(value("1 | 2 ^ 3 & 4"), Ok(3), "1 | (2 ^ (3 & 4))");
        assert_eq!(value("-2 * -3"), Ok(6));
        assert_eq!(value("~0"), Ok(-1));
        assert_eq!(value("!0 + !5"), Ok(1));
        assert_eq!(value("3 > 2 == 1"), Ok(1));
        assert_eq!(value("1 && 0 || 1"), Ok(1));
        assert_eq!(value("10 - 4 - 3"), Ok(3));
        assert_eq!(value("-8 >> 1"), Ok(-4));
        assert_eq!(value("'a' + 1"), Ok(98));
        assert_eq!(value(". + 8"), Ok(0x108));
        assert_eq!(value("0xffffffffffffffff"), Ok(-1));
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(value("1 / 0"), Err("division by zero".into()));
        assert!(value("1 +").unwrap_err().contains("expected an expression"));
        assert!(value("(1").unwrap_err().contains("expected `)`"));
        assert!(value("1.5").unwrap_err().contains("floating-point"));
    }
}

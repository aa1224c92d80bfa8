//! Instructions: operands read by the syntax template of the instruction's format (the isa
//! table's) and values handed to `isa::Instruction::build`, with fixups left for values not
//! known yet. Pseudo-instructions are expanded in [`crate::pseudo`].

use crate::diagnostic::did_you_mean;
use crate::expr::{self, Expr, RelBase, Val};
use crate::layout::FileAsm;
use crate::lex::Kind;
use crate::object::{FixKind, FixValue, Fixup, Part};
use crate::parse::{Cursor, PResult, SyntaxError};
use crate::source::Span;
use isa::format::RegImm;
use isa::operand::{Imm32, OperandKind};
use isa::pseudo::{PseudoSpec, pseudo_rows};
use isa::spec::Piece;
use isa::{InstrSpec, Instruction, Operation, Reg, Value};
use std::sync::OnceLock;

/// A mnemonic looked up once: an instruction's row and suffixes, or a pseudo-instruction's rows.
pub(crate) enum Mnemonic {
    Instruction {
        spec: &'static InstrSpec,
        suffixes: Vec<String>,
    },
    Pseudo(&'static [PseudoSpec]),
}

impl FileAsm<'_, '_> {
    /// What a mnemonic names, cached by its text.
    fn lookup_mnemonic(&mut self, name: &str) -> Option<std::rc::Rc<Mnemonic>> {
        if let Some(m) = self.mnemonics.get(name) {
            return Some(m.clone());
        }
        let rows = pseudo_rows(name);
        let m = if rows.is_empty() {
            let (spec, suffixes) = isa::lookup(name)?;
            Mnemonic::Instruction {
                spec,
                suffixes: suffixes.iter().map(|s| s.to_string()).collect(),
            }
        } else {
            Mnemonic::Pseudo(rows)
        };
        let m = std::rc::Rc::new(m);
        self.mnemonics.insert(name.into(), m.clone());
        Some(m)
    }
}

/// The `nop` word, used to pad code.
pub fn nop_word() -> u64 {
    Operation::Addi(RegImm {
        rd: Reg::ZERO,
        rs1: Reg::ZERO,
        imm: Imm32::new(0).expect("0 fits"),
    })
    .encode()
}

/// What follows a mnemonic, as the parser walks it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Item {
    Field(u8),
    Comma,
    LParen,
    RParen,
}

/// The operand part of a format's syntax template.
struct Template {
    items: Vec<Item>,
    /// "ld rd, imm(rs1)", for messages.
    syntax: String,
}

fn template(spec: &'static InstrSpec) -> &'static Template {
    static TABLE: OnceLock<Vec<Option<Template>>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t: Vec<Option<Template>> = (0..256).map(|_| None).collect();
        for s in isa::INSTRUCTIONS {
            t[s.opcode as usize] = Some(build_template(s));
        }
        t
    });
    table[spec.opcode as usize]
        .as_ref()
        .expect("every row has a template")
}

fn build_template(spec: &InstrSpec) -> Template {
    let suffixes = spec.format.suffix_count();
    let mut items = Vec::new();
    let mut seen_fields = 0;
    let mut syntax = spec.mnemonic.to_string();
    for piece in spec.format.pieces() {
        match piece {
            Piece::Field(i) => {
                syntax.push_str(spec.format.fields[i].name);
                if seen_fields >= suffixes {
                    items.push(Item::Field(i as u8));
                }
                seen_fields += 1;
            }
            Piece::Text(t) => {
                syntax.push_str(t);
                if seen_fields < suffixes {
                    continue;
                }
                for ch in t.chars() {
                    match ch {
                        ',' => items.push(Item::Comma),
                        '(' => items.push(Item::LParen),
                        ')' => items.push(Item::RParen),
                        _ => {}
                    }
                }
            }
        }
    }
    Template { items, syntax }
}

/// `%hi(…)` / `%lo(…)` on an immediate.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Modifier {
    None,
    Hi,
    Lo,
}

/// An operand as read.
#[derive(Clone, Debug)]
pub(crate) enum Opnd<'a> {
    Name(&'a str),
    Const(i64),
    Expr {
        expr: Expr,
        val: Option<Val>,
        modifier: Modifier,
    },
}

impl FileAsm<'_, '_> {
    pub(crate) fn instruction(
        &mut self,
        name: &str,
        span: Span,
        c: &mut Cursor<'_>,
    ) -> PResult<()> {
        let Some(m) = self.lookup_mnemonic(name) else {
            return Err(unknown_mnemonic(
                name,
                span,
                self.macros.keys().map(String::as_str),
            ));
        };
        let (spec, suffixes) = match &*m {
            Mnemonic::Instruction { spec, suffixes } => (*spec, suffixes),
            Mnemonic::Pseudo(rows) => return self.pseudo(name, rows, span, c),
        };
        let suffix_count = suffixes.len().min(2);
        let suffixes: [&str; 2] = [
            suffixes.first().map_or("", String::as_str),
            suffixes.get(1).map_or("", String::as_str),
        ];
        let suffixes = &suffixes[..suffix_count];
        let t = template(spec);
        let mut ops: [(Opnd<'_>, Span); 6] = std::array::from_fn(|_| (Opnd::Const(0), span));
        let mut n = 0;
        let syntax = || format!("the syntax is `{}`", t.syntax);
        for (k, item) in t.items.iter().enumerate() {
            match *item {
                Item::Comma => {
                    if !c.eat(Kind::Comma) {
                        let e = if c.at_end() {
                            SyntaxError::new(
                                c.here(),
                                format!("`{}` needs more operands", spec.mnemonic),
                            )
                        } else {
                            c.unexpected("`,`")
                        };
                        return Err(e.help(syntax()));
                    }
                }
                Item::LParen => {
                    c.expect(Kind::LParen, "`(`")
                        .map_err(|e| e.help(syntax()))?;
                }
                Item::RParen => {
                    c.expect(Kind::RParen, "`)`")
                        .map_err(|e| e.help(syntax()))?;
                }
                Item::Field(i) => {
                    let kind = spec.format.fields[i as usize].kind;
                    // `ld rd, (rs1)`: an omitted offset is 0.
                    if kind == OperandKind::Imm32
                        && t.items.get(k + 1) == Some(&Item::LParen)
                        && omitted_offset(c)
                    {
                        ops[n] = (Opnd::Const(0), c.here());
                        n += 1;
                        continue;
                    }
                    if c.at_end() {
                        return Err(SyntaxError::new(
                            c.here(),
                            format!("`{}` needs more operands", spec.mnemonic),
                        )
                        .help(syntax()));
                    }
                    ops[n] = self.operand(c, kind)?;
                    n += 1;
                }
            }
        }
        if !c.at_end() {
            return Err(c.unexpected("the end of the instruction").help(syntax()));
        }
        self.emit_instruction(spec, suffixes, name, &mut ops[..n], span)
    }

    /// Reads one operand of kind `kind`.
    pub(crate) fn operand<'a>(
        &mut self,
        c: &mut Cursor<'a>,
        kind: OperandKind,
    ) -> PResult<(Opnd<'a>, Span)> {
        let t = *c.peek().expect("the caller checked for the end");
        let span = c.span(&t);
        if kind.is_name() {
            if t.kind != Kind::Ident {
                return Err(c.unexpected(&kind.describe()));
            }
            c.bump();
            return Ok((Opnd::Name(c.slice(&t)), span));
        }
        if kind == OperandKind::Sem && t.kind == Kind::Ident && is_sem_name(c.slice(&t)) {
            c.bump();
            return Ok((Opnd::Name(c.slice(&t)), span));
        }
        // Fast paths: a lone number, a lone symbol.
        if is_operand_end(c.peek_kind_at(1)) {
            match t.kind {
                Kind::Int | Kind::Char => {
                    c.bump();
                    return Ok((Opnd::Const(t.value as i64), span));
                }
                Kind::Ident | Kind::LocalBack | Kind::LocalFwd
                    if !(t.kind == Kind::Ident && isa::Reg::from_name(c.slice(&t)).is_some()) =>
                {
                    use crate::expr::Scope;
                    let id = if t.kind == Kind::Ident {
                        self.symbol(c.slice(&t), span)?
                    } else {
                        self.local_label(t.value, t.kind == Kind::LocalFwd, span)?
                    };
                    c.bump();
                    let val = crate::value::symbol_value(&mut self.symbols, id, span, false)?;
                    return Ok(match val {
                        Some(Val::Abs(v)) => (Opnd::Const(v), span),
                        // Known: no expression to keep (it is rebuilt from the value if needed).
                        Some(v) => (
                            Opnd::Expr {
                                expr: Expr::default(),
                                val: Some(v),
                                modifier: Modifier::None,
                            },
                            span,
                        ),
                        None => (
                            Opnd::Expr {
                                expr: Expr {
                                    nodes: vec![(crate::expr::Node::Sym(id), span)],
                                },
                                val: None,
                                modifier: Modifier::None,
                            },
                            span,
                        ),
                    });
                }
                _ => {}
            }
        }
        if t.kind == Kind::Ident && isa::Reg::from_name(c.slice(&t)).is_some() {
            return Err(SyntaxError::new(
                span,
                format!(
                    "expected {}, found register `{}`",
                    kind.describe(),
                    c.slice(&t)
                ),
            ));
        }
        let mut modifier = Modifier::None;
        if t.kind == Kind::Percent
            && c.peek_kind_at(1) == Some(Kind::Ident)
            && c.peek_kind_at(2) == Some(Kind::LParen)
            // `%f32(…)` and its kin are values, read as expressions.
            && expr::float_format(c.slice(&c.toks[c.pos + 1])).is_none()
        {
            let which = c.slice(&c.toks[c.pos + 1]);
            modifier = match which {
                "hi" => Modifier::Hi,
                "lo" => Modifier::Lo,
                _ => {
                    return Err(SyntaxError::new(
                        c.span(&c.toks[c.pos + 1]),
                        format!("unknown modifier `%{which}`"),
                    )
                    .help(
                        "the modifiers are `%hi(value)` and `%lo(value)`; `%f64(x)`, \
                         `%f32(x)`, `%f16(x)` and `%bf16(x)` give a number's bit pattern",
                    ));
                }
            };
            if kind != OperandKind::Imm32 {
                return Err(SyntaxError::new(
                    span,
                    format!(
                        "`%{which}` applies to 32-bit immediates, not to a {}",
                        kind.describe()
                    ),
                ));
            }
            c.bump();
            c.bump();
        }
        let mut e = Expr::default();
        let start = c.here();
        if modifier == Modifier::None {
            expr::parse(c, self, &mut e)?;
        } else {
            c.expect(Kind::LParen, "`(`")?;
            expr::parse(c, self, &mut e)?;
            c.expect(Kind::RParen, "`)`")?;
        }
        let whole = start.to(e.span());
        let val = expr::eval(&e, self)?;
        if let (Some(Val::Abs(v)), Modifier::None) = (val, modifier) {
            return Ok((Opnd::Const(v), whole));
        }
        Ok((
            Opnd::Expr {
                expr: e,
                val,
                modifier,
            },
            whole,
        ))
    }

    /// Builds and emits one instruction, leaving fixups for values not known yet.
    pub(crate) fn emit_instruction(
        &mut self,
        spec: &'static InstrSpec,
        suffixes: &[&str],
        name: &str,
        ops: &mut [(Opnd<'_>, Span)],
        span: Span,
    ) -> PResult<()> {
        let section = self.section();
        let sec = &self.sections[section.0 as usize];
        if !sec.placement.executable {
            return Err(SyntaxError::new(
                span,
                format!(
                    "instruction in section `{}`, which is not executable",
                    sec.name
                ),
            )
            .help("put code in `.text` (or a `.text.name` section)"));
        }
        let pc = sec.size;
        if !pc.is_multiple_of(isa::abi::INSTRUCTION_BYTES) {
            return Err(SyntaxError::new(
                span,
                format!(
                    "instruction at offset {pc:#x} of `{}` is not 8-byte aligned",
                    sec.name
                ),
            )
            .help("every instruction is one 64-bit word; add `.balign 8` before it"));
        }
        let mut values: [Value<'_>; 8] = [Value::Int(0); 8];
        let ns = suffixes.len();
        for (i, s) in suffixes.iter().enumerate() {
            values[i] = Value::Name(s);
        }
        // Operands whose value is not known yet: how many, and the one whose bits a single
        // fixup can patch (a code target, a `%hi`/`%lo` half). Any other mix rebuilds the
        // whole instruction once every value is known.
        let mut pending = 0usize;
        let mut generic = false;
        let mut special: Option<(usize, FixKind)> = None;
        for (j, (op, _)) in ops.iter().enumerate() {
            let field = &spec.format.fields[ns + j];
            values[ns + j] = match op {
                Opnd::Name(n) => Value::Name(n),
                Opnd::Const(_) if field.kind == OperandKind::Target => {
                    // An absolute code address: the distance is known once `.text` is placed.
                    pending += 1;
                    special = Some((j, FixKind::Target));
                    Value::Int(pc as i64)
                }
                Opnd::Const(v) => Value::Int(*v),
                Opnd::Expr { val, modifier, .. } => match (field.kind, *modifier, *val) {
                    (
                        OperandKind::Target,
                        _,
                        Some(Val::Rel {
                            base: RelBase::Section(s),
                            offset,
                        }),
                    ) if s == section => Value::Int(offset),
                    (OperandKind::Target, _, _) => {
                        pending += 1;
                        special = Some((j, FixKind::Target));
                        Value::Int(pc as i64)
                    }
                    (_, Modifier::Hi, Some(Val::Abs(v))) => {
                        Value::Int(isa::abi::hi32(v as u64) as i32 as i64)
                    }
                    (_, Modifier::Lo, Some(Val::Abs(v))) => Value::Int(v as u32 as i32 as i64),
                    (_, Modifier::Hi, _) => {
                        pending += 1;
                        special = Some((j, FixKind::Hi32));
                        Value::Int(0)
                    }
                    (_, Modifier::Lo, _) => {
                        pending += 1;
                        special = Some((j, FixKind::Lo32));
                        Value::Int(0)
                    }
                    (_, Modifier::None, _) => {
                        pending += 1;
                        generic = true;
                        Value::Int(0)
                    }
                },
            };
        }
        let count = ns + ops.len();
        let inst = Instruction::build(spec, &values[..count], pc).map_err(|(i, e)| {
            let at = if i < ns {
                suffix_spans(name, span)[i.min(1)]
            } else {
                ops.get(i - ns).map_or(span, |o| o.1)
            };
            let field = spec.format.fields.get(i).map_or("", |f| f.name);
            let mut err =
                SyntaxError::new(at, format!("operand `{field}` of `{}`: {e}", spec.mnemonic));
            if let (isa::OperandError::BadName { found, .. }, OperandKind::Csr) = (
                &e,
                spec.format
                    .fields
                    .get(i)
                    .map(|f| f.kind)
                    .unwrap_or(OperandKind::Reg),
            ) && let Some(s) = did_you_mean(found, isa::Csr::ALL.iter().map(|c| c.name()))
            {
                err = err.help(format!("did you mean `{s}`?"));
            }
            err
        })?;
        self.emit_word(inst.encode(), span)?;
        let expansion = self.expansion;
        if generic || pending > 1 {
            let values: Vec<FixValue> = (0..count)
                .map(|i| {
                    if i < ns {
                        return FixValue::Name(suffixes[i].into());
                    }
                    match &mut ops[i - ns] {
                        (Opnd::Name(n), _) => FixValue::Name((*n).into()),
                        (Opnd::Const(v), _) => FixValue::Int(*v),
                        (
                            Opnd::Expr {
                                expr,
                                val,
                                modifier,
                            },
                            s,
                        ) => {
                            let part = match modifier {
                                Modifier::None => Part::Whole,
                                Modifier::Hi => Part::Hi32,
                                Modifier::Lo => Part::Lo32,
                            };
                            FixValue::Expr(Box::new(take_expr(expr, *val, *s)), *s, part)
                        }
                    }
                })
                .collect();
            self.push_fixup(Fixup {
                section,
                offset: pc,
                kind: FixKind::Rebuild { spec, values },
                expr: None,
                span,
                expansion,
            })?;
        } else if let Some((j, kind)) = special {
            let (op, op_span) = &mut ops[j];
            let expr = match op {
                Opnd::Const(v) => const_expr(*v, *op_span),
                Opnd::Expr { expr, val, .. } => take_expr(expr, *val, *op_span),
                Opnd::Name(_) => unreachable!("names are never pending"),
            };
            self.push_fixup(Fixup {
                section,
                offset: pc,
                kind,
                expr: Some(expr),
                span: *op_span,
                expansion,
            })?;
        }
        Ok(())
    }
}

/// True when the cursor is at `(reg)`, the base of a load or store with no offset.
fn omitted_offset(c: &Cursor<'_>) -> bool {
    c.peek_kind() == Some(Kind::LParen)
        && c.peek_kind_at(1) == Some(Kind::Ident)
        && c.peek_kind_at(2) == Some(Kind::RParen)
        && isa::Reg::from_name(c.slice(&c.toks[c.pos + 1])).is_some()
}

fn is_operand_end(k: Option<Kind>) -> bool {
    matches!(k, None | Some(Kind::Comma | Kind::LParen | Kind::RParen))
}

fn is_sem_name(s: &str) -> bool {
    s.len() > 1 && s.starts_with('s') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The expression of an operand; one read by a fast path keeps only its value.
fn take_expr(expr: &mut Expr, val: Option<Val>, span: Span) -> Expr {
    if expr.nodes.is_empty() {
        let v = val.expect("operands without an expression have a value");
        Expr {
            nodes: vec![(crate::expr::Node::Val(v), span)],
        }
    } else {
        std::mem::take(expr)
    }
}

fn const_expr(v: i64, span: Span) -> Expr {
    Expr {
        nodes: vec![(crate::expr::Node::Int(v), span)],
    }
}

/// The spans of a mnemonic's suffixes (`vcvt.bf16.fp32`: `bf16`, `fp32`), the last two of
/// its dot-separated parts, for messages about them.
fn suffix_spans(name: &str, span: Span) -> [Span; 2] {
    let dots: Vec<usize> = name.match_indices('.').map(|(i, _)| i).collect();
    let spans: Vec<Span> = dots
        .iter()
        .enumerate()
        .map(|(k, &d)| {
            let end = dots.get(k + 1).copied().unwrap_or(name.len());
            Span::new(
                span.file,
                span.start + d as u32 + 1,
                span.start + end as u32,
            )
        })
        .collect();
    match spans.len() {
        0 => [span, span],
        1 => [spans[0], spans[0]],
        n => [spans[n - 2], spans[n - 1]],
    }
}

/// "unknown instruction", with a suggestion.
fn unknown_mnemonic<'a>(
    name: &'a str,
    span: Span,
    macros: impl Iterator<Item = &'a str>,
) -> SyntaxError {
    let mut e = SyntaxError::new(span, format!("unknown instruction `{name}`"));
    // A known mnemonic with a wrong or missing suffix.
    let base = name.split('.').next().unwrap_or(name);
    if let Some(spec) = isa::INSTRUCTIONS
        .iter()
        .find(|s| s.mnemonic == base && s.format.suffix_count() > 0)
    {
        let kinds: Vec<String> = spec.format.fields[..spec.format.suffix_count()]
            .iter()
            .map(|f| f.kind.describe())
            .collect();
        return e.help(format!(
            "`{base}` takes {} suffix{}: {}, as in `{}`",
            kinds.len(),
            if kinds.len() == 1 { "" } else { "es" },
            kinds.join("; "),
            template(spec).syntax
        ));
    }
    let mut candidates: Vec<&str> = isa::text::mnemonics()
        .chain(isa::pseudo::pseudo_mnemonics())
        .collect();
    candidates.extend(macros);
    if let Some(s) = did_you_mean(name, candidates.iter().copied()) {
        e = e.help(format!("did you mean `{s}`?"));
    } else if name.starts_with('.') {
        e = e.help("directives start with `.`; this one is unknown");
    }
    e
}

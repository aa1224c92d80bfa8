//! Directives: sections, symbols, data, alignment, conditional assembly, and the dispatch that
//! sends block directives (`.include`, `.macro`, `.rept`, `.irp`) to [`crate::expand`].

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::expr::Val;
use crate::float::{self, Format};
use crate::layout::{Cond, FileAsm, check_data_range};
use crate::lex::Kind;
use crate::object::{FixKind, Fixup, SymDef, SymKind};
use crate::parse::{Cursor, PResult, SyntaxError};
use crate::source::Span;

/// Every directive, for "did you mean".
pub(crate) const DIRECTIVES: &[&str] = &[
    ".text",
    ".data",
    ".rodata",
    ".bss",
    ".section",
    ".pushsection",
    ".popsection",
    ".previous",
    ".global",
    ".globl",
    ".extern",
    ".equ",
    ".set",
    ".equiv",
    ".type",
    ".size",
    ".byte",
    ".half",
    ".short",
    ".2byte",
    ".word",
    ".long",
    ".4byte",
    ".dword",
    ".quad",
    ".8byte",
    ".float",
    ".double",
    ".bf16",
    ".fp16",
    ".ascii",
    ".asciz",
    ".string",
    ".zero",
    ".space",
    ".skip",
    ".align",
    ".p2align",
    ".balign",
    ".incbin",
    ".include",
    ".macro",
    ".endm",
    ".exitm",
    ".purgem",
    ".rept",
    ".irp",
    ".endr",
    ".if",
    ".ifdef",
    ".ifndef",
    ".elseif",
    ".else",
    ".endif",
    ".end",
    ".error",
    ".warning",
];

impl FileAsm<'_, '_> {
    pub(crate) fn directive(&mut self, name: &str, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
        match name {
            ".text" | ".data" | ".rodata" | ".bss" => {
                c.finish()?;
                self.switch_section(name, span)
            }
            ".section" | ".pushsection" => {
                let (sec, sec_span) = section_name(c)?;
                // GNU-style flags and type are accepted; placement comes from the name.
                while c.eat(Kind::Comma) {
                    match c.peek_kind() {
                        Some(Kind::Str | Kind::Ident | Kind::Int) => {
                            c.bump();
                        }
                        Some(Kind::At | Kind::Percent) => {
                            c.bump();
                            c.ident("a section type")?;
                        }
                        _ => return Err(c.unexpected("section flags")),
                    }
                }
                c.finish()?;
                if name == ".pushsection" {
                    self.section_stack.push(self.cur);
                }
                self.switch_section(&sec, sec_span)
            }
            ".popsection" => {
                c.finish()?;
                match self.section_stack.pop() {
                    Some(s) => {
                        self.previous = self.cur;
                        self.cur = s;
                        Ok(())
                    }
                    None => Err(SyntaxError::new(
                        span,
                        "`.popsection` without `.pushsection`",
                    )),
                }
            }
            ".previous" => {
                c.finish()?;
                std::mem::swap(&mut self.cur, &mut self.previous);
                Ok(())
            }
            ".global" | ".globl" => self.symbol_list(c, |sym| sym.global = true),
            ".extern" => self.symbol_list(c, |_| {}),
            ".equ" | ".set" | ".equiv" => {
                let (sym, sym_span) = c.ident("a symbol name")?;
                c.expect(Kind::Comma, "`,`")?;
                self.assign(sym, sym_span, c, name != ".equiv")
            }
            ".type" => {
                let (sym, sym_span) = c.ident("a symbol name")?;
                self.check_symbol_name(sym, sym_span)?;
                c.expect(Kind::Comma, "`,`")?;
                let _ = c.eat(Kind::At) || c.eat(Kind::Percent);
                let kind = match c.peek() {
                    Some(t) if matches!(t.kind, Kind::Ident | Kind::Str) => {
                        c.bump();
                        c.slice(t).trim_matches('"').to_string()
                    }
                    _ => return Err(c.unexpected("a symbol type (`@function` or `@object`)")),
                };
                c.finish()?;
                let kind = match kind.as_str() {
                    "function" => SymKind::Function,
                    "object" => SymKind::Object,
                    "notype" => SymKind::NoType,
                    other => {
                        return Err(SyntaxError::new(
                            span,
                            format!("unknown symbol type `{other}`"),
                        )
                        .help("the types are `@function`, `@object` and `@notype`"));
                    }
                };
                let id = self.symbols.intern(sym);
                self.symbols.sym_mut(id).kind = kind;
                Ok(())
            }
            ".size" => {
                let (sym, sym_span) = c.ident("a symbol name")?;
                self.check_symbol_name(sym, sym_span)?;
                c.expect(Kind::Comma, "`,`")?;
                let size = self.constant(c, "a symbol's size")?;
                c.finish()?;
                let id = self.symbols.intern(sym);
                self.symbols.sym_mut(id).size = size as u64;
                Ok(())
            }
            ".byte" => self.data(c, 1),
            ".half" | ".short" | ".2byte" => self.data(c, 2),
            ".word" | ".long" | ".4byte" => self.data(c, 4),
            ".dword" | ".quad" | ".8byte" => self.data(c, 8),
            ".float" => self.floats(c, Format::FP32),
            ".double" => self.floats(c, Format::FP64),
            ".bf16" => self.floats(c, Format::BF16),
            ".fp16" => self.floats(c, Format::FP16),
            ".ascii" | ".asciz" | ".string" => {
                loop {
                    let (mut bytes, s) = c.string("a string")?;
                    if name != ".ascii" {
                        bytes.push(0);
                    }
                    self.emit(&bytes, s)?;
                    if !c.eat(Kind::Comma) {
                        break;
                    }
                }
                c.finish()
            }
            ".zero" | ".space" | ".skip" => {
                let n = self.constant(c, "the size")?;
                let fill = if name != ".zero" && c.eat(Kind::Comma) {
                    self.constant(c, "the fill byte")?
                } else {
                    0
                };
                c.finish()?;
                if n < 0 {
                    return Err(SyntaxError::new(span, format!("size {n} is negative")));
                }
                if !(-128..=255).contains(&fill) {
                    return Err(SyntaxError::new(
                        span,
                        format!("fill {fill} does not fit in a byte: allowed -128..=255"),
                    ));
                }
                self.emit_fill(n as u64, fill as u8, span)
            }
            ".align" | ".p2align" | ".balign" => self.align(name, span, c),
            ".incbin" => self.incbin(span, c),
            ".include" => self.include(span, c),
            ".macro" => self.define_macro(span, c),
            ".endm" | ".endr" => Err(SyntaxError::new(
                span,
                format!(
                    "`{name}` without `{}`",
                    if name == ".endm" {
                        ".macro"
                    } else {
                        ".rept` or `.irp"
                    }
                ),
            )),
            ".exitm" => {
                c.finish()?;
                self.exit_macro(span)
            }
            ".purgem" => {
                let (m, m_span) = c.ident("a macro name")?;
                c.finish()?;
                if self.macros.remove(m).is_none() {
                    return Err(SyntaxError::new(m_span, format!("no macro named `{m}`")));
                }
                Ok(())
            }
            ".rept" => self.rept(span, c),
            ".irp" => self.irp(span, c),
            ".if" | ".ifdef" | ".ifndef" => {
                let active = match name {
                    ".if" => self.constant(c, "the condition")? != 0,
                    _ => {
                        let (sym, _) = c.ident("a symbol name")?;
                        let defined = self.symbols.get(sym).is_some_and(|id| {
                            !matches!(self.symbols.sym(id).def, SymDef::Undefined)
                        });
                        defined == (name == ".ifdef")
                    }
                };
                c.finish()?;
                self.conds.push(Cond {
                    active,
                    done: active,
                    parent_active: true,
                    seen_else: false,
                    at: span,
                });
                Ok(())
            }
            ".elseif" => {
                let Some(top) = self.conds.last() else {
                    return Err(SyntaxError::new(span, "`.elseif` without `.if`"));
                };
                if top.seen_else {
                    return Err(SyntaxError::new(span, "`.elseif` after `.else`"));
                }
                if !top.parent_active || top.done {
                    self.conds.last_mut().expect("checked").active = false;
                    return Ok(());
                }
                let v = self.constant(c, "the condition")? != 0;
                c.finish()?;
                let top = self.conds.last_mut().expect("checked");
                top.active = v;
                top.done = v;
                Ok(())
            }
            ".else" => {
                c.finish()?;
                let Some(top) = self.conds.last_mut() else {
                    return Err(SyntaxError::new(span, "`.else` without `.if`"));
                };
                if top.seen_else {
                    return Err(SyntaxError::new(span, "second `.else` for one `.if`"));
                }
                top.seen_else = true;
                top.active = top.parent_active && !top.done;
                top.done = true;
                Ok(())
            }
            ".endif" => {
                c.finish()?;
                let floor = self.frames.last().map_or(0, |f| f.conds);
                if self.conds.len() <= floor {
                    return Err(SyntaxError::new(span, "`.endif` without `.if`"));
                }
                self.conds.pop();
                Ok(())
            }
            ".end" => {
                c.finish()?;
                let conds = self.frames.first().map_or(0, |f| f.conds);
                self.frames.clear();
                self.close_conds(conds);
                Ok(())
            }
            ".error" | ".warning" => {
                let message = if c.at_end() {
                    format!("`{name}` directive")
                } else {
                    String::from_utf8_lossy(&c.string("a message")?.0).into_owned()
                };
                c.finish()?;
                let mut d = Diagnostic::error(message, span, self.expansion);
                if name == ".warning" {
                    d.severity = crate::diagnostic::Severity::Warning;
                }
                self.s.report(d);
                Ok(())
            }
            _ => {
                let mut e = SyntaxError::new(span, format!("unknown directive `{name}`"));
                if let Some(s) = did_you_mean(name, DIRECTIVES.iter().copied()) {
                    e = e.help(format!("did you mean `{s}`?"));
                }
                Err(e)
            }
        }
    }

    pub(crate) fn symbol_list(
        &mut self,
        c: &mut Cursor<'_>,
        f: impl Fn(&mut crate::object::Symbol),
    ) -> PResult<()> {
        loop {
            let (name, span) = c.ident("a symbol name")?;
            self.check_symbol_name(name, span)?;
            let id = self.symbols.intern(name);
            f(self.symbols.sym_mut(id));
            if !c.eat(Kind::Comma) {
                break;
            }
        }
        c.finish()
    }

    /// `.byte`, `.half`, `.word`, `.dword`: integers or addresses of `size` bytes.
    pub(crate) fn data(&mut self, c: &mut Cursor<'_>, size: u8) -> PResult<()> {
        loop {
            let start = c.here();
            let value = self.expression(c)?;
            let span = start.to(self.scratch.span());
            match value {
                Some(Val::Abs(v)) => {
                    check_data_range(v, size, span)?;
                    self.emit(&v.to_le_bytes()[..size as usize], span)?;
                }
                _ => {
                    let section = self.section();
                    let offset = self.offset();
                    self.emit(&[0u8; 8][..size as usize], span)?;
                    self.push_fixup(Fixup {
                        section,
                        offset,
                        kind: FixKind::Data(size),
                        expr: Some(self.scratch.clone()),
                        span,
                        expansion: self.expansion,
                    })?;
                }
            }
            if !c.eat(Kind::Comma) {
                break;
            }
        }
        c.finish()
    }

    /// `.float`, `.double`, `.bf16`, `.fp16`.
    pub(crate) fn floats(&mut self, c: &mut Cursor<'_>, format: Format) -> PResult<()> {
        loop {
            let start = c.here();
            let negative = c.peek_kind() == Some(Kind::Minus);
            let mut look = *c;
            if matches!(look.peek_kind(), Some(Kind::Minus | Kind::Plus)) {
                look.bump();
            }
            let literal = match look.peek() {
                Some(t) if t.kind == Kind::Float => Some(look.slice(t)),
                Some(t)
                    if t.kind == Kind::Ident
                        && matches!(look.slice(t), "inf" | "infinity" | "nan") =>
                {
                    Some(look.slice(t))
                }
                _ => None,
            };
            let bits = match literal {
                Some(text) => {
                    let t = look.bump().expect("peeked");
                    *c = look;
                    let text = if negative {
                        format!("-{text}")
                    } else {
                        text.to_string()
                    };
                    float::from_decimal(&text, format).ok_or_else(|| {
                        SyntaxError::new(start.to(c.span(t)), "malformed floating-point number")
                    })?
                }
                None => {
                    // An integer expression, converted exactly.
                    let v = self.constant(c, "a floating-point value")?;
                    float::from_decimal(&v.to_string(), format).expect("integers are decimals")
                }
            };
            let span = start.to(c.here());
            self.emit(&bits.to_le_bytes()[..format.bytes()], span)?;
            if !c.eat(Kind::Comma) {
                break;
            }
        }
        c.finish()
    }

    pub(crate) fn align(&mut self, name: &str, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
        let n = self.constant(c, "the alignment")?;
        let fill = if c.eat(Kind::Comma) {
            if c.peek_kind() == Some(Kind::Comma) {
                None
            } else {
                Some(self.constant(c, "the fill byte")?)
            }
        } else {
            None
        };
        let max = if c.eat(Kind::Comma) {
            Some(self.constant(c, "the maximum padding")?)
        } else {
            None
        };
        c.finish()?;
        let bytes = if name == ".balign" {
            if n <= 0 || n & (n - 1) != 0 {
                return Err(SyntaxError::new(
                    span,
                    format!("alignment {n} is not a power of two"),
                ));
            }
            n as u64
        } else {
            if !(0..=32).contains(&n) {
                return Err(SyntaxError::new(
                    span,
                    format!("alignment 2^{n} is out of range: allowed 0..=32"),
                )
                .help("`.align n` and `.p2align n` align to 2^n bytes; `.balign n` to n bytes"));
            }
            1u64 << n
        };
        if bytes > 1 << 32 {
            return Err(SyntaxError::new(
                span,
                format!("alignment {bytes} is beyond 2^32"),
            ));
        }
        if let Some(f) = fill
            && !(-128..=255).contains(&f)
        {
            return Err(SyntaxError::new(
                span,
                format!("fill {f} does not fit in a byte: allowed -128..=255"),
            ));
        }
        let s = self.section();
        let offset = self.sections[s.0 as usize].size;
        let pad = offset.next_multiple_of(bytes) - offset;
        if let Some(m) = max
            && pad as i64 > m
        {
            return Ok(());
        }
        // All the padding is checked before any of it is made.
        self.check_room(pad, span)?;
        let sec = &mut self.sections[s.0 as usize];
        sec.align = sec.align.max(bytes);
        if sec.placement.executable && fill.is_none() {
            // Code is padded with `nop`s once the offset is a whole instruction.
            let to_word = offset.next_multiple_of(8).min(offset + pad) - offset;
            self.emit_fill(to_word, 0, span)?;
            let nop = crate::lower::nop_word().to_le_bytes();
            for _ in 0..(pad - to_word) / 8 {
                self.emit(&nop, span)?;
            }
            self.emit_fill((pad - to_word) % 8, 0, span)
        } else {
            self.emit_fill(pad, fill.unwrap_or(0) as u8, span)
        }
    }

    pub(crate) fn incbin(&mut self, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
        let (path, path_span) = c.string("a file name")?;
        let skip = if c.eat(Kind::Comma) {
            self.constant(c, "the offset")?
        } else {
            0
        };
        let count = if c.eat(Kind::Comma) {
            Some(self.constant(c, "the byte count")?)
        } else {
            None
        };
        c.finish()?;
        let path = String::from_utf8_lossy(&path).into_owned();
        if skip < 0 || count.is_some_and(|n| n < 0) {
            return Err(SyntaxError::new(
                span,
                format!(
                    "offset {skip} and count {} must not be negative",
                    count.unwrap_or(0)
                ),
            ));
        }
        let (skip, count) = (skip as u64, count.map(|n| n as u64));
        // The room asked for is checked before anything is read.
        if let Some(n) = count {
            self.check_room(n, span)?;
        }
        let (full, file) = self.open(&path, path_span)?;
        let max = self.s.limits().max_section_bytes;
        let bytes = crate::source::read_range(file, skip, count, max).map_err(|why| {
            SyntaxError::new(span, format!("`.incbin`: `{}` {why}", full.display()))
        })?;
        self.emit(&bytes, span)
    }
}

/// A section name: `.name`, possibly written as a string.
fn section_name(c: &mut Cursor<'_>) -> PResult<(String, Span)> {
    match c.peek() {
        Some(t) if t.kind == Kind::Ident => {
            c.bump();
            Ok((c.slice(t).to_string(), c.span(t)))
        }
        Some(t) if t.kind == Kind::Str => {
            let (b, s) = c.string("a section name")?;
            Ok((String::from_utf8_lossy(&b).into_owned(), s))
        }
        _ => Err(c.unexpected("a section name")),
    }
}

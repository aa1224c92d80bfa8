//! Pass 1: statements to sections, symbols and fixups. Reads one input file statement by
//! statement (following `.include`, macros, `.rept` and `.if`), gives every label its section and
//! offset, and emits every byte whose value is known; a value that is not known yet (a later
//! label, another file's symbol, a section's final address) leaves a placeholder and a fixup
//! for pass 2 ([`crate::resolve`]). Memory grows with the output, not with the source.

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::expr::{self, Env, Expr, RelBase, Scope, Val};
use crate::float::{self, Format};
use crate::hash::FastMap;
use crate::lex::{Kind, Lexer, Token, is_identifier};
use crate::object::{FixKind, Fixup, Object, SecId, Section, SymDef, SymId, SymKind, SymbolTable};
use crate::parse::{Cursor, Head, LabelDef, PResult, SyntaxError, statement_head};
use crate::source::{ExpansionId, ExpansionKind, FileId, Loader, SourceMap, Span};
use crate::{Limits, Options};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// What every file of one assembly shares: the sources, the messages, the loader, the options.
pub(crate) struct Session<'l> {
    pub sources: SourceMap,
    pub diagnostics: Vec<crate::diagnostic::Diagnostic>,
    pub loader: &'l dyn Loader,
    pub options: &'l Options,
    errors: usize,
    /// Too many errors: stop.
    pub stopped: bool,
    seen: HashSet<(Span, String)>,
}

impl<'l> Session<'l> {
    pub fn new(loader: &'l dyn Loader, options: &'l Options) -> Session<'l> {
        Session {
            sources: SourceMap::new(),
            diagnostics: Vec::new(),
            loader,
            options,
            errors: 0,
            stopped: false,
            seen: HashSet::new(),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.options.limits
    }

    /// Records a message (once per span and text: repeated blocks repeat their errors).
    pub fn report(&mut self, d: Diagnostic) {
        if self.stopped {
            return;
        }
        if let Some(l) = d.labels.first()
            && !self.seen.insert((l.span, d.message.clone()))
        {
            return;
        }
        if d.is_error() {
            self.errors += 1;
        }
        self.diagnostics.push(d);
        if self.errors >= self.options.limits.max_errors {
            self.diagnostics.push(Diagnostic::global(format!(
                "stopping after {} errors",
                self.options.limits.max_errors
            )));
            self.errors += 1;
            self.stopped = true;
        }
    }

    pub fn error_count(&self) -> usize {
        self.errors
    }
}

/// A conditional block (`.if` … `.endif`).
struct Cond {
    /// This branch is being assembled.
    active: bool,
    /// A branch of this block has been taken.
    done: bool,
    /// The enclosing code is being assembled.
    parent_active: bool,
    seen_else: bool,
    at: Span,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum FrameKind {
    Input,
    Include,
    Macro,
    Repeat { start: usize, remaining: u64 },
}

/// A text being read: an input file, an included file, a macro expansion or a repeated block.
struct Frame {
    file: FileId,
    text: Arc<str>,
    pos: usize,
    end: usize,
    expansion: ExpansionId,
    kind: FrameKind,
    /// Conditional blocks open when the frame started; more at its end is an error.
    conds: usize,
}

/// A macro definition.
pub(crate) struct Macro {
    pub name: String,
    pub params: Vec<Param>,
    pub file: FileId,
    pub text: Arc<str>,
    pub body: std::ops::Range<usize>,
    pub defined: Span,
}

pub(crate) struct Param {
    pub name: String,
    pub default: Option<String>,
    pub required: bool,
    pub vararg: bool,
}

/// The assembler state for one input file.
pub(crate) struct FileAsm<'s, 'l> {
    pub s: &'s mut Session<'l>,
    pub name: String,
    pub sections: Vec<Section>,
    section_index: FastMap<String, SecId>,
    pub cur: SecId,
    /// The next section-use sequence number ([`Section::order`]).
    next_order: u64,
    section_stack: Vec<SecId>,
    previous: SecId,
    pub symbols: SymbolTable,
    pub fixups: Vec<Fixup>,
    conds: Vec<Cond>,
    pub macros: FastMap<String, Rc<Macro>>,
    pub mnemonics: FastMap<Box<str>, Rc<crate::lower::Mnemonic>>,
    local_counts: FastMap<u64, u32>,
    /// Numeric local labels: (number, instance) to symbol.
    local_syms: FastMap<(u64, u32), SymId>,
    frames: Vec<Frame>,
    statements: u64,
    pub macro_counter: u64,
    /// Where the statement being assembled came from.
    pub expansion: ExpansionId,
    toks: Vec<Token>,
    pub scratch: Expr,
}

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

impl<'s, 'l> FileAsm<'s, 'l> {
    pub fn new(s: &'s mut Session<'l>, file: FileId) -> FileAsm<'s, 'l> {
        let name = s.sources.file(file).name.clone();
        let text = s.sources.text(file).clone();
        let end = text.len();
        let mut this = FileAsm {
            s,
            name,
            sections: Vec::new(),
            section_index: FastMap::default(),
            cur: SecId(0),
            next_order: 0,
            section_stack: Vec::new(),
            previous: SecId(0),
            symbols: SymbolTable::default(),
            fixups: Vec::new(),
            conds: Vec::new(),
            macros: FastMap::default(),
            mnemonics: FastMap::default(),
            local_counts: FastMap::default(),
            local_syms: FastMap::default(),
            frames: Vec::new(),
            statements: 0,
            macro_counter: 0,
            expansion: ExpansionId::NONE,
            toks: Vec::with_capacity(32),
            scratch: Expr::default(),
        };
        // Code goes to `.text` until a section is named; an unused `.text` is dropped by the linker.
        this.section_named(".text", Span::new(file, 0, 0));
        this.frames.push(Frame {
            file,
            text,
            pos: 0,
            end,
            expansion: ExpansionId::NONE,
            kind: FrameKind::Input,
            conds: 0,
        });
        this
    }

    /// Assembles the file: pass 1 here, then pass 2 ([`crate::resolve`]).
    pub fn run(mut self) -> Object {
        for (name, value) in self.s.options.defines.clone() {
            let id = self.symbols.intern(&name);
            let sym = self.symbols.sym_mut(id);
            sym.def = SymDef::Value(Val::Abs(value));
            sym.is_set = true;
        }
        while !self.s.stopped && self.step() {}
        crate::resolve::finish(self)
    }

    /// Reads and assembles one statement; false when every text is done.
    fn step(&mut self) -> bool {
        let Some(frame) = self.frames.last_mut() else {
            return false;
        };
        let text = frame.text.clone();
        let file = frame.file;
        self.expansion = frame.expansion;
        let mut toks = std::mem::take(&mut self.toks);
        let mut lx = Lexer::new(&text, frame.pos, frame.end);
        let start = lx.statement(&mut toks);
        frame.pos = lx.position();
        match start {
            None => self.end_frame(),
            Some(_) if toks.is_empty() => {}
            Some(_) => {
                self.statements += 1;
                if self.statements > self.s.limits().max_statements {
                    let t = toks[0];
                    let limit = self.s.limits().max_statements;
                    self.error(
                        Span::new(file, t.start, t.end),
                        format!("more than {limit} statements: is a `.rept` count or a macro recursion runaway?"),
                    );
                    self.frames.clear();
                } else {
                    self.statement(&text, file, &toks);
                }
            }
        }
        self.toks = toks;
        true
    }

    fn end_frame(&mut self) {
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        if let FrameKind::Repeat { start, remaining } = &mut frame.kind
            && *remaining > 0
        {
            *remaining -= 1;
            frame.pos = *start;
            return;
        }
        let frame = self.frames.pop().expect("checked above");
        self.close_conds(frame.conds);
    }

    /// Reports `.if`s left open by a text that ended, and closes them.
    fn close_conds(&mut self, keep: usize) {
        while self.conds.len() > keep {
            let c = self.conds.pop().expect("longer than keep");
            self.s.report(
                Diagnostic::error("`.if` without `.endif`", c.at, self.expansion)
                    .with_label("this block is not closed before the end of its text"),
            );
        }
    }

    /// Reports an error at `span` in the current expansion.
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        let d = Diagnostic::error(message, span, self.expansion);
        self.s.report(d);
    }

    pub fn report_syntax(&mut self, e: SyntaxError) {
        let e = e.into_detail();
        let d = Diagnostic::error(e.message, e.span, self.expansion).with_help(e.help);
        self.s.report(d);
    }

    fn skipping(&self) -> bool {
        self.conds.last().is_some_and(|c| !c.active)
    }

    fn statement(&mut self, text: &str, file: FileId, toks: &[Token]) {
        let end = toks.last().map_or(0, |t| t.end);
        let mut c = Cursor::new(toks, text, file, end);
        if self.skipping() {
            self.skipped_statement(&mut c);
            return;
        }
        let mut labels: Vec<LabelDef<'_>> = Vec::new();
        let head = statement_head(&mut c, &mut labels);
        for l in labels {
            match l {
                LabelDef::Named(name, span) => self.define_label(name, span),
                LabelDef::Numeric(n, span) => self.define_numeric_label(n, span),
            }
        }
        let result = match head {
            Err(e) => Err(e),
            Ok(Head::Empty) => Ok(()),
            Ok(Head::Directive { name, span }) => self.directive(name, span, &mut c),
            Ok(Head::Mnemonic { name, span }) => self.mnemonic(name, span, &mut c),
            Ok(Head::Assign { name, span }) => self.assign(name, span, &mut c, true),
        };
        if let Err(e) = result {
            self.report_syntax(e);
        }
    }

    /// In a branch not taken, only conditional directives count.
    fn skipped_statement(&mut self, c: &mut Cursor<'_>) {
        while matches!(c.peek_kind(), Some(Kind::Ident | Kind::Int))
            && c.peek_kind_at(1) == Some(Kind::Colon)
        {
            c.bump();
            c.bump();
        }
        let Some(t) = c.peek() else {
            return;
        };
        if t.kind != Kind::Ident {
            return;
        }
        let name = c.slice(t);
        let span = c.span(t);
        c.bump();
        let result = match name {
            ".if" | ".ifdef" | ".ifndef" => {
                self.conds.push(Cond {
                    active: false,
                    done: true,
                    parent_active: false,
                    seen_else: false,
                    at: span,
                });
                Ok(())
            }
            ".elseif" | ".else" | ".endif" => self.directive(name, span, c),
            _ => Ok(()),
        };
        if let Err(e) = result {
            self.report_syntax(e);
        }
    }

    // ----- Sections -----

    /// The current section.
    #[inline]
    pub fn section(&self) -> SecId {
        self.cur
    }

    fn section_named(&mut self, name: &str, span: Span) -> Option<SecId> {
        if let Some(&id) = self.section_index.get(name) {
            return Some(id);
        }
        let placement = isa::abi::placement(name)?;
        let id = SecId(self.sections.len() as u32);
        self.sections
            .push(Section::new(name.to_string(), placement, span));
        self.section_index.insert(name.to_string(), id);
        Some(id)
    }

    fn switch_section(&mut self, name: &str, span: Span) -> PResult<()> {
        match self.section_named(name, span) {
            Some(id) => {
                self.touch(id);
                if self.cur != id {
                    self.previous = self.cur;
                }
                self.cur = id;
                Ok(())
            }
            None => {
                let rules: Vec<&str> = isa::abi::SECTION_RULES.iter().map(|r| r.0).collect();
                let mut e = SyntaxError::new(
                    span,
                    format!("section `{name}` has no place in the chip's memory map"),
                );
                e.help = Some(match did_you_mean(name, rules.iter().copied()) {
                    Some(s) => format!(
                        "did you mean `{s}`? Section names start with {}",
                        rules.join(", ")
                    ),
                    None => format!(
                        "section names are one of {}, optionally followed by `.suffix`",
                        rules.join(", ")
                    ),
                });
                Err(e)
            }
        }
    }

    /// Records the first use of a section (its place in the placement order).
    #[inline]
    fn touch(&mut self, s: SecId) {
        let sec = &mut self.sections[s.0 as usize];
        if sec.order == u64::MAX {
            sec.order = self.next_order;
            self.next_order += 1;
        }
    }

    /// The current offset in the current section.
    pub fn offset(&self) -> u64 {
        let s = self.section();
        self.sections[s.0 as usize].size
    }

    /// Makes room for `n` more bytes, or explains why there is none.
    fn check_room(&mut self, n: u64, span: Span) -> PResult<SecId> {
        let s = self.section();
        self.touch(s);
        let sec = &self.sections[s.0 as usize];
        let limit = if sec.placement.nobits {
            1u64 << isa::memory_map::OFFSET_BITS
        } else {
            self.s.limits().max_section_bytes
        };
        match sec.size.checked_add(n) {
            Some(total) if total <= limit => Ok(s),
            _ => Err(SyntaxError::new(
                span,
                format!("section `{}` would grow beyond {limit} bytes", sec.name),
            )),
        }
    }

    /// Appends bytes to the current section.
    pub fn emit(&mut self, bytes: &[u8], span: Span) -> PResult<()> {
        let s = self.check_room(bytes.len() as u64, span)?;
        let sec = &mut self.sections[s.0 as usize];
        if sec.placement.nobits {
            return Err(nobits_error(&sec.name, span));
        }
        sec.data.extend_from_slice(bytes);
        sec.size += bytes.len() as u64;
        Ok(())
    }

    /// Appends `n` bytes of `fill` (zero-filled sections only grow).
    fn emit_fill(&mut self, n: u64, fill: u8, span: Span) -> PResult<()> {
        let s = self.check_room(n, span)?;
        let sec = &mut self.sections[s.0 as usize];
        if sec.placement.nobits {
            if fill != 0 {
                return Err(nobits_error(&sec.name, span));
            }
        } else {
            sec.data.resize(sec.data.len() + n as usize, fill);
        }
        sec.size += n;
        Ok(())
    }

    /// Appends an instruction word.
    #[inline]
    pub fn emit_word(&mut self, word: u64, span: Span) -> PResult<()> {
        self.emit(&word.to_le_bytes(), span)
    }

    // ----- Symbols -----

    fn check_symbol_name(&self, name: &str, span: Span) -> PResult<()> {
        if isa::Reg::from_name(name).is_some() {
            return Err(SyntaxError::new(
                span,
                format!("`{name}` is a register name and cannot name a symbol"),
            ));
        }
        Ok(())
    }

    fn define_label(&mut self, name: &str, span: Span) {
        if let Err(e) = self.check_symbol_name(name, span) {
            self.report_syntax(e);
            return;
        }
        let id = self.symbols.intern(name);
        self.define_label_id(id, span);
    }

    fn define_label_id(&mut self, id: SymId, span: Span) {
        let section = self.section();
        self.touch(section);
        let offset = self.sections[section.0 as usize].size;
        let expansion = self.expansion;
        let sym = self.symbols.sym(id);
        if !matches!(sym.def, SymDef::Undefined) {
            let name = sym.display_name().to_string();
            let first = sym.defined_at;
            let mut d = Diagnostic::error(
                format!("symbol `{name}` is already defined"),
                span,
                expansion,
            )
            .with_label("defined again here");
            if let Some((at, _)) = first {
                d = d.with_secondary(at, "first defined here");
            }
            self.s.report(d);
            return;
        }
        let sym = self.symbols.sym_mut(id);
        sym.def = SymDef::Label { section, offset };
        sym.defined_at = Some((span, expansion));
    }

    fn define_numeric_label(&mut self, n: u64, span: Span) {
        let count = self.local_counts.entry(n).or_insert(0);
        *count += 1;
        let instance = *count;
        let id = self.local_symbol(n, instance);
        self.define_label_id(id, span);
    }

    /// The symbol of instance `instance` of numeric label `n`.
    fn local_symbol(&mut self, n: u64, instance: u32) -> SymId {
        if let Some(&id) = self.local_syms.get(&(n, instance)) {
            return id;
        }
        let id = self.symbols.add_unnamed(format!("{n}\u{1}{instance}"));
        self.local_syms.insert((n, instance), id);
        id
    }

    /// Evaluates the expression in `self.scratch` with what is known now.
    pub fn eval_scratch(&mut self) -> PResult<Option<Val>> {
        let e = std::mem::take(&mut self.scratch);
        let r = expr::eval(&e, self);
        self.scratch = e;
        r
    }

    /// Reads an expression into `self.scratch` and evaluates it with what is known now.
    pub fn expression(&mut self, c: &mut Cursor<'_>) -> PResult<Option<Val>> {
        let mut e = std::mem::take(&mut self.scratch);
        let r = expr::parse(c, self, &mut e);
        self.scratch = e;
        r?;
        self.eval_scratch()
    }

    /// Reads a constant that must be known here (`.space`, `.rept`, `.if`, `.align`).
    pub fn constant(&mut self, c: &mut Cursor<'_>, what: &str) -> PResult<i64> {
        let start = c.here();
        match self.expression(c)? {
            Some(Val::Abs(v)) => Ok(v),
            Some(Val::Rel { .. }) => Err(SyntaxError::new(
                start.to(self.scratch.span()),
                format!("{what} must be a constant, not an address"),
            )),
            None => Err(SyntaxError::new(
                start.to(self.scratch.span()),
                format!("{what} must be known here, but uses a symbol defined later"),
            )
            .help("define the symbol before this line")),
        }
    }

    fn assign(
        &mut self,
        name: &str,
        span: Span,
        c: &mut Cursor<'_>,
        redefine: bool,
    ) -> PResult<()> {
        self.check_symbol_name(name, span)?;
        let mut e = Expr::default();
        expr::parse(c, self, &mut e)?;
        c.finish()?;
        let id = self.symbols.intern(name);
        let sym = self.symbols.sym(id);
        let expansion = self.expansion;
        match sym.def {
            SymDef::Undefined => {}
            _ if sym.is_set && redefine => {}
            _ => {
                let what = if sym.is_set {
                    "defined"
                } else {
                    "defined as a label"
                };
                let mut d = Diagnostic::error(
                    format!("symbol `{name}` is already {what}"),
                    span,
                    expansion,
                );
                if let Some((at, _)) = sym.defined_at {
                    d = d.with_secondary(at, "first defined here");
                }
                self.s.report(d);
                return Ok(());
            }
        }
        let value = expr::eval(&e, self)?;
        let sym = self.symbols.sym_mut(id);
        sym.def = match value {
            Some(v) => SymDef::Value(v),
            None => SymDef::Pending(Box::new(e)),
        };
        sym.is_set = true;
        sym.defined_at = Some((span, expansion));
        Ok(())
    }

    // ----- Directives -----

    fn directive(&mut self, name: &str, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
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

    fn symbol_list(
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
    fn data(&mut self, c: &mut Cursor<'_>, size: u8) -> PResult<()> {
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
                    self.fixups.push(Fixup {
                        section,
                        offset,
                        kind: FixKind::Data(size),
                        expr: Some(self.scratch.clone()),
                        span,
                        expansion: self.expansion,
                    });
                }
            }
            if !c.eat(Kind::Comma) {
                break;
            }
        }
        c.finish()
    }

    /// `.float`, `.double`, `.bf16`, `.fp16`.
    fn floats(&mut self, c: &mut Cursor<'_>, format: Format) -> PResult<()> {
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

    fn align(&mut self, name: &str, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
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

    /// Finds a file named by `.include`/`.incbin`: next to the including file, then in each
    /// include directory, then as given.
    fn load(&mut self, path: &str, span: Span) -> PResult<(PathBuf, Vec<u8>)> {
        let p = Path::new(path);
        let mut candidates = Vec::new();
        if p.is_absolute() {
            candidates.push(p.to_path_buf());
        } else {
            if let Some(dir) = self.s.sources.directory_of(span.file) {
                candidates.push(dir.join(p));
            }
            for dir in &self.s.options.include_dirs {
                candidates.push(dir.join(p));
            }
            candidates.push(p.to_path_buf());
        }
        let mut last_error = None;
        for cand in &candidates {
            match self.s.loader.load(cand) {
                Ok(bytes) => return Ok((cand.clone(), bytes)),
                Err(e) => last_error = Some(e),
            }
        }
        let why = last_error.map_or_else(|| "not found".to_string(), |e| e.to_string());
        Err(
            SyntaxError::new(span, format!("cannot read `{path}`: {why}")).help(format!(
                "looked in: {}",
                candidates
                    .iter()
                    .map(|c| c.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        )
    }

    fn incbin(&mut self, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
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
        let (_, bytes) = self.load(&path, path_span)?;
        let len = bytes.len() as i64;
        let end = match count {
            Some(n) => skip.checked_add(n),
            None => Some(len),
        };
        match end {
            Some(end) if skip >= 0 && skip <= end && end <= len => {
                self.emit(&bytes[skip as usize..end as usize], span)
            }
            _ => Err(SyntaxError::new(
                span,
                format!(
                    "`{path}` has {len} bytes; offset {skip} and count {} are outside it",
                    count.unwrap_or(len - skip)
                ),
            )),
        }
    }

    fn include(&mut self, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
        let (path, path_span) = c.string("a file name")?;
        c.finish()?;
        self.check_depth(span)?;
        let path = String::from_utf8_lossy(&path).into_owned();
        let (full, bytes) = self.load(&path, path_span)?;
        let text: Arc<str> = match String::from_utf8(bytes) {
            Ok(s) => s.into(),
            Err(e) => {
                return Err(SyntaxError::new(
                    path_span,
                    format!(
                        "`{path}` is not UTF-8 text (byte {} is not)",
                        e.utf8_error().valid_up_to()
                    ),
                ));
            }
        };
        let name = full.display().to_string();
        let file = self.s.sources.add(name, Some(full), text.clone());
        let expansion = self
            .s
            .sources
            .add_expansion(ExpansionKind::Include, span, self.expansion);
        self.push_frame(
            file,
            text.clone(),
            0,
            text.len(),
            expansion,
            FrameKind::Include,
        );
        Ok(())
    }

    /// Refuses expansions nested deeper than the limit (recursive includes or macros).
    pub fn check_depth(&mut self, span: Span) -> PResult<()> {
        let limit = self.s.limits().max_expansion_depth;
        if self.s.sources.depth(self.expansion) >= limit {
            return Err(SyntaxError::new(
                span,
                format!("`.include`s and macros are nested more than {limit} deep"),
            )
            .help("is a file including itself, or a macro invoking itself without end?"));
        }
        Ok(())
    }

    pub fn push_frame(
        &mut self,
        file: FileId,
        text: Arc<str>,
        pos: usize,
        end: usize,
        expansion: ExpansionId,
        kind: FrameKind,
    ) {
        let conds = self.conds.len();
        self.frames.push(Frame {
            file,
            text,
            pos,
            end,
            expansion,
            kind,
            conds,
        });
    }

    /// Finds the body of a block that opens here and ends with `close`, nested blocks counted.
    /// Leaves the current text after the closing directive. `None` when the text ends first.
    fn capture_block(&mut self, opens: &[&str], close: &str) -> Option<std::ops::Range<usize>> {
        let frame = self.frames.last_mut()?;
        let text = frame.text.clone();
        let mut lx = Lexer::new(&text, frame.pos, frame.end);
        let body_start = frame.pos;
        let mut depth = 1usize;
        let mut toks = Vec::new();
        loop {
            let start = lx.statement(&mut toks)?;
            let mut i = 0;
            while i + 1 < toks.len()
                && matches!(toks[i].kind, Kind::Ident | Kind::Int)
                && toks[i + 1].kind == Kind::Colon
            {
                i += 2;
            }
            let Some(t) = toks.get(i).filter(|t| t.kind == Kind::Ident) else {
                continue;
            };
            let head = &text[t.start as usize..t.end as usize];
            if opens.contains(&head) {
                depth += 1;
            } else if head == close {
                depth -= 1;
                if depth == 0 {
                    let body_end = start.max(body_start);
                    frame.pos = lx.position();
                    return Some(body_start..body_end);
                }
            }
        }
    }

    fn rept(&mut self, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
        let count = self.constant(c, "the repeat count")?;
        c.finish()?;
        let Some(body) = self.capture_block(&[".rept", ".irp"], ".endr") else {
            return Err(SyntaxError::new(span, "`.rept` without `.endr`"));
        };
        if count < 0 {
            return Err(SyntaxError::new(
                span,
                format!("repeat count {count} is negative"),
            ));
        }
        if count == 0 || body.is_empty() {
            return Ok(());
        }
        self.check_depth(span)?;
        let frame = self.frames.last().expect("a block was captured from it");
        let (file, text) = (frame.file, frame.text.clone());
        let expansion = self
            .s
            .sources
            .add_expansion(ExpansionKind::Repeat, span, self.expansion);
        self.push_frame(
            file,
            text,
            body.start,
            body.end,
            expansion,
            FrameKind::Repeat {
                start: body.start,
                remaining: count as u64 - 1,
            },
        );
        Ok(())
    }

    fn irp(&mut self, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
        let (param, _) = c.ident("a parameter name")?;
        let param = param.to_string();
        let values: Vec<String> = if c.eat(Kind::Comma) {
            crate::expand::split_arguments(c.rest_text().0)
        } else {
            Vec::new()
        };
        let Some(body) = self.capture_block(&[".rept", ".irp"], ".endr") else {
            return Err(SyntaxError::new(span, "`.irp` without `.endr`"));
        };
        self.check_depth(span)?;
        let frame = self.frames.last().expect("a block was captured from it");
        let (file, text) = (frame.file, frame.text.clone());
        let expansion = self
            .s
            .sources
            .add_expansion(ExpansionKind::Repeat, span, self.expansion);
        // Push the last iteration first, so the first runs first.
        for value in values.iter().rev() {
            let body_text = crate::expand::substitute(
                &text[body.clone()],
                &[(param.as_str(), value.as_str())],
                None,
            );
            self.push_expanded(file, body.start, body_text, expansion, FrameKind::Macro);
        }
        Ok(())
    }

    /// Adds expanded text that stands for `def_file` from byte `def_start` on, and reads it next.
    pub fn push_expanded(
        &mut self,
        def_file: FileId,
        def_start: usize,
        text: String,
        expansion: ExpansionId,
        kind: FrameKind,
    ) {
        let f = self.s.sources.file(def_file);
        let (line, _) = f.location(def_start);
        let name = f.name.clone();
        let path = f.path.clone();
        let text: Arc<str> = text.into();
        let id = self
            .s
            .sources
            .add_at_line(name, path, text.clone(), line - 1);
        self.push_frame(id, text.clone(), 0, text.len(), expansion, kind);
    }

    fn define_macro(&mut self, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
        let (name, name_span) = c.ident("a macro name")?;
        let name = name.to_string();
        let mut params = Vec::new();
        while !c.at_end() {
            c.eat(Kind::Comma);
            let (p, p_span) = c.ident("a parameter name")?;
            let mut param = Param {
                name: p.to_string(),
                default: None,
                required: false,
                vararg: false,
            };
            if c.peek_kind() == Some(Kind::Colon) {
                c.bump();
                let (q, q_span) = c.ident("`req` or `vararg`")?;
                match q {
                    "req" => param.required = true,
                    "vararg" => param.vararg = true,
                    _ => {
                        return Err(SyntaxError::new(
                            q_span,
                            format!("unknown parameter qualifier `{q}`"),
                        )
                        .help("the qualifiers are `:req` and `:vararg`"));
                    }
                }
            }
            if c.eat(Kind::Eq) {
                let start = c.here();
                let mut end = start;
                while let Some(t) = c.peek() {
                    if t.kind == Kind::Comma {
                        break;
                    }
                    end = c.span(t);
                    c.bump();
                }
                param.default = Some(c.text[start.start as usize..end.end as usize].to_string());
            }
            if params.iter().any(|q: &Param| q.name == param.name) {
                return Err(SyntaxError::new(
                    p_span,
                    format!("parameter `{}` appears twice", param.name),
                ));
            }
            params.push(param);
        }
        let Some(body) = self.capture_block(&[".macro"], ".endm") else {
            return Err(SyntaxError::new(span, "`.macro` without `.endm`"));
        };
        if isa::lookup(&name).is_some() || crate::lower::PSEUDOS.contains(&name.as_str()) {
            // Allowed, as in GNU as: the macro takes precedence.
        }
        let frame = self.frames.last().expect("a block was captured from it");
        let m = Macro {
            name: name.clone(),
            params,
            file: frame.file,
            text: frame.text.clone(),
            body,
            defined: name_span,
        };
        self.macros.insert(name, Rc::new(m));
        Ok(())
    }

    /// `.exitm`: leaves the innermost macro expansion.
    fn exit_macro(&mut self, span: Span) -> PResult<()> {
        let Some(i) = self.frames.iter().rposition(|f| f.kind == FrameKind::Macro) else {
            return Err(SyntaxError::new(span, "`.exitm` outside a macro"));
        };
        let conds = self.frames[i].conds;
        self.frames.truncate(i);
        self.conds.truncate(conds);
        Ok(())
    }

    /// An instruction, pseudo-instruction or macro invocation.
    fn mnemonic(&mut self, name: &str, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
        if !self.macros.is_empty()
            && let Some(m) = self.macros.get(name).cloned()
        {
            return self.invoke_macro(m, span, c);
        }
        self.instruction(name, span, c)
    }
}

fn nobits_error(section: &str, span: Span) -> SyntaxError {
    SyntaxError::new(
        span,
        format!("section `{section}` is zero-filled at load and holds no bytes"),
    )
    .help("reserve space with `.zero`/`.space`, or put initialized data in `.data`")
}

/// Checks a data item against its size: signed or unsigned values of that many bytes.
pub(crate) fn check_data_range(v: i64, size: u8, span: Span) -> PResult<()> {
    if size >= 8 {
        return Ok(());
    }
    let bits = size as u32 * 8;
    let min = -(1i64 << (bits - 1));
    let max = (1i64 << bits) - 1;
    if (min..=max).contains(&v) {
        Ok(())
    } else {
        let what = match size {
            1 => "a byte",
            2 => "16 bits",
            _ => "32 bits",
        };
        Err(SyntaxError::new(
            span,
            format!("{v} does not fit in {what}: allowed {min}..={max}"),
        ))
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

impl Scope for FileAsm<'_, '_> {
    fn symbol(&mut self, name: &str, span: Span) -> PResult<SymId> {
        if isa::Reg::from_name(name).is_some() {
            return Err(SyntaxError::new(
                span,
                format!("`{name}` is a register, not a value"),
            ));
        }
        if !is_identifier(name) {
            return Err(SyntaxError::new(
                span,
                format!("`{name}` is not a symbol name"),
            ));
        }
        let id = self.symbols.intern(name);
        let expansion = self.expansion;
        let sym = self.symbols.sym_mut(id);
        sym.uses += 1;
        if sym.first_use.is_none() {
            sym.first_use = Some((span, expansion));
        }
        Ok(id)
    }

    fn local_label(&mut self, number: u64, forward: bool, span: Span) -> PResult<SymId> {
        let count = self.local_counts.get(&number).copied().unwrap_or(0);
        let instance = if forward {
            count + 1
        } else if count == 0 {
            return Err(SyntaxError::new(
                span,
                format!(
                    "`{number}b` refers back to a `{number}:` label, but there is none before it"
                ),
            ));
        } else {
            count
        };
        let id = self.local_symbol(number, instance);
        let expansion = self.expansion;
        let sym = self.symbols.sym_mut(id);
        sym.uses += 1;
        if sym.first_use.is_none() {
            sym.first_use = Some((span, expansion));
        }
        Ok(id)
    }

    fn dot(&self) -> Val {
        Val::Rel {
            base: RelBase::Section(self.cur),
            offset: self.sections[self.cur.0 as usize].size as i64,
        }
    }
}

/// Pass-1 values: what is known so far.
impl Env for FileAsm<'_, '_> {
    fn value(&mut self, id: SymId, span: Span) -> PResult<Option<Val>> {
        symbol_value(&mut self.symbols, id, span, false)
    }
}

/// A symbol's value. In pass 1 (`final_pass` false) an undefined symbol is not known yet; in
/// pass 2 it is another file's symbol.
pub(crate) fn symbol_value(
    symbols: &mut SymbolTable,
    id: SymId,
    span: Span,
    final_pass: bool,
) -> PResult<Option<Val>> {
    let sym = symbols.sym(id);
    match &sym.def {
        SymDef::Undefined if final_pass && !sym.temporary => Ok(Some(Val::Rel {
            base: RelBase::Symbol(id),
            offset: 0,
        })),
        SymDef::Undefined => Ok(None),
        SymDef::Label { section, offset } => Ok(Some(Val::Rel {
            base: RelBase::Section(*section),
            offset: *offset as i64,
        })),
        SymDef::Value(v) => Ok(Some(*v)),
        SymDef::Pending(e) => {
            if sym.evaluating {
                return Err(SyntaxError::new(
                    span,
                    format!(
                        "symbol `{}` is defined in terms of itself",
                        sym.display_name()
                    ),
                ));
            }
            let e = e.clone();
            symbols.sym_mut(id).evaluating = true;
            let mut env = TableEnv {
                symbols,
                final_pass,
            };
            let r = expr::eval(&e, &mut env);
            symbols.sym_mut(id).evaluating = false;
            // A symbol whose definition failed counts as 0 from now on: one message per cycle.
            let v = r.inspect_err(|_| symbols.sym_mut(id).def = SymDef::Value(Val::Abs(0)))?;
            if let Some(v) = v {
                symbols.sym_mut(id).def = SymDef::Value(v);
            }
            Ok(v)
        }
    }
}

/// Evaluates against a symbol table alone.
pub(crate) struct TableEnv<'a> {
    pub symbols: &'a mut SymbolTable,
    pub final_pass: bool,
}

impl Env for TableEnv<'_> {
    fn value(&mut self, id: SymId, span: Span) -> PResult<Option<Val>> {
        symbol_value(self.symbols, id, span, self.final_pass)
    }
}

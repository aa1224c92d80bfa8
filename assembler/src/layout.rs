//! Pass 1: statements to sections, symbols and fixups. Reads one input file statement by
//! statement, gives every label its section and offset, and emits every byte whose value is
//! known; a value that is not known yet (a later label, another file's symbol, a section's final
//! address) leaves a placeholder and a fixup for pass 2 ([`crate::resolve`]). Memory grows with
//! the output, not with the source. Directives are in [`crate::directive`]; `.include`, macros
//! and repeated blocks in [`crate::expand`]; instructions in [`crate::lower`]; what a symbol is
//! worth in each pass in [`crate::value`].

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::expr::{self, Env, Expr, RelBase, Scope, Val};
use crate::hash::FastMap;
use crate::lex::{Kind, Lexer, Token, is_identifier};
use crate::object::{Fixup, Object, SecId, Section, SymDef, SymId, SymbolTable};
use crate::parse::{Cursor, Head, LabelDef, PResult, SyntaxError, statement_head};
use crate::source::{ExpansionId, FileId, Loader, SourceMap, Span};
use crate::{Limits, Options};
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;

/// What every file of one assembly shares: the sources, the messages, the loader, the options.
pub(crate) struct Session<'l> {
    pub sources: SourceMap,
    pub diagnostics: Vec<crate::diagnostic::Diagnostic>,
    pub loader: &'l dyn Loader,
    pub options: &'l Options,
    errors: usize,
    /// Expansion memory used so far ([`Limits::max_expansion_bytes`]).
    pub expansion_bytes: u64,
    /// File bytes of every section so far ([`Limits::max_output_bytes`]).
    pub output_bytes: u64,
    /// Fixup memory so far ([`Limits::max_fixup_bytes`]).
    pub fixup_bytes: u64,
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
            expansion_bytes: 0,
            output_bytes: 0,
            fixup_bytes: 0,
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
pub(crate) struct Cond {
    /// This branch is being assembled.
    pub(crate) active: bool,
    /// A branch of this block has been taken.
    pub(crate) done: bool,
    /// The enclosing code is being assembled.
    pub(crate) parent_active: bool,
    pub(crate) seen_else: bool,
    pub(crate) at: Span,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum FrameKind {
    Input,
    Include,
    Macro,
    Repeat { start: usize, remaining: u64 },
}

/// A text being read: an input file, an included file, a macro expansion or a repeated block.
pub(crate) struct Frame {
    pub(crate) file: FileId,
    pub(crate) text: Arc<str>,
    pub(crate) pos: usize,
    pub(crate) end: usize,
    pub(crate) expansion: ExpansionId,
    pub(crate) kind: FrameKind,
    /// Conditional blocks open when the frame started; more at its end is an error.
    pub(crate) conds: usize,
}

/// A macro definition.
pub(crate) struct Macro {
    pub(crate) name: String,
    pub params: Vec<Param>,
    pub file: FileId,
    pub text: Arc<str>,
    pub body: std::ops::Range<usize>,
    pub defined: Span,
}

pub(crate) struct Param {
    pub(crate) name: String,
    pub default: Option<String>,
    pub required: bool,
    pub vararg: bool,
}

/// The assembler state for one input file.
pub(crate) struct FileAsm<'s, 'l> {
    pub(crate) s: &'s mut Session<'l>,
    pub(crate) name: String,
    pub(crate) sections: Vec<Section>,
    pub(crate) section_index: FastMap<String, SecId>,
    pub(crate) cur: SecId,
    /// The next section-use sequence number ([`Section::order`]).
    pub(crate) next_order: u64,
    pub(crate) section_stack: Vec<SecId>,
    pub(crate) previous: SecId,
    pub(crate) symbols: SymbolTable,
    pub(crate) fixups: Vec<Fixup>,
    pub(crate) conds: Vec<Cond>,
    pub(crate) macros: FastMap<String, Rc<Macro>>,
    pub(crate) mnemonics: FastMap<Box<str>, Rc<crate::lower::Mnemonic>>,
    pub(crate) local_counts: FastMap<u64, u32>,
    /// Numeric local labels: (number, instance) to symbol.
    pub(crate) local_syms: FastMap<(u64, u32), SymId>,
    pub(crate) frames: Vec<Frame>,
    pub(crate) statements: u64,
    pub(crate) macro_counter: u64,
    /// Where the statement being assembled came from.
    pub(crate) expansion: ExpansionId,
    pub(crate) toks: Vec<Token>,
    pub(crate) scratch: Expr,
}

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
            Some(at) => {
                // Every line read counts, blank or comment-only ones too: a repeated block of
                // comments is as endless as one of instructions.
                let span = match toks.first() {
                    Some(t) => Span::new(file, t.start, t.end),
                    None => Span::new(file, at as u32, at as u32),
                };
                if self.count_statement(span) && !toks.is_empty() {
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
            // Each repetition counts, whatever its body.
            let expansion = frame.expansion;
            if let Some(e) = self.s.sources.expansion(expansion) {
                // A message points at the `.rept`, in the text around it.
                let at = e.at;
                self.expansion = e.parent;
                self.count_statement(at);
            }
            return;
        }
        let frame = self.frames.pop().expect("checked above");
        self.close_conds(frame.conds);
    }

    /// Counts a statement (or line, or repetition) against the limit; past it, reports the error
    /// at `span`, stops reading and returns false.
    fn count_statement(&mut self, span: Span) -> bool {
        self.statements += 1;
        let limit = self.s.limits().max_statements;
        if self.statements <= limit {
            return true;
        }
        self.error(
            span,
            format!(
                "more than {limit} statements and lines: is a `.rept` count or a macro recursion runaway?"
            ),
        );
        self.frames.clear();
        false
    }

    /// Reports `.if`s left open by a text that ended, and closes them.
    pub(crate) fn close_conds(&mut self, keep: usize) {
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

    pub(crate) fn section_named(&mut self, name: &str, span: Span) -> Option<SecId> {
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

    pub(crate) fn switch_section(&mut self, name: &str, span: Span) -> PResult<()> {
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
    pub(crate) fn touch(&mut self, s: SecId) {
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

    /// Makes room for `n` more bytes, or explains why there is none: checked before anything
    /// is allocated.
    pub(crate) fn check_room(&mut self, n: u64, span: Span) -> PResult<SecId> {
        let s = self.section();
        self.touch(s);
        let sec = &self.sections[s.0 as usize];
        let limits = self.s.limits();
        let limit = if sec.placement.nobits {
            1u64 << isa::memory_map::OFFSET_BITS
        } else {
            limits.max_section_bytes
        };
        let fits = sec.size.checked_add(n).is_some_and(|total| total <= limit);
        if !fits {
            return Err(SyntaxError::new(
                span,
                format!(
                    "section `{}` would grow by {n} bytes beyond {limit} bytes",
                    sec.name
                ),
            )
            .help(if sec.placement.nobits {
                "a zero-filled section's offsets have 40 bits"
            } else {
                "the assembler's limit for a section's file bytes (`Limits::max_section_bytes`)"
            }));
        }
        if !sec.placement.nobits
            && self
                .s
                .output_bytes
                .checked_add(n)
                .is_none_or(|total| total > limits.max_output_bytes)
        {
            let limit = limits.max_output_bytes;
            return Err(SyntaxError::new(
                span,
                format!(
                    "the sections' file bytes would grow by {n} bytes beyond {limit} bytes in all"
                ),
            )
            .help("the assembler's limit for the output (`Limits::max_output_bytes`)"));
        }
        Ok(s)
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
        self.s.output_bytes += bytes.len() as u64;
        Ok(())
    }

    /// Appends `n` bytes of `fill` (zero-filled sections only grow).
    pub(crate) fn emit_fill(&mut self, n: u64, fill: u8, span: Span) -> PResult<()> {
        let s = self.check_room(n, span)?;
        let sec = &mut self.sections[s.0 as usize];
        if sec.placement.nobits {
            if fill != 0 {
                return Err(nobits_error(&sec.name, span));
            }
        } else {
            sec.data.resize(sec.data.len() + n as usize, fill);
            self.s.output_bytes += n;
        }
        sec.size += n;
        Ok(())
    }

    /// Keeps a fixup for pass 2, within the fixup memory budget. Past it, reading stops: every
    /// later fixup would fail too.
    pub(crate) fn push_fixup(&mut self, fx: Fixup) -> PResult<()> {
        let limit = self.s.limits().max_fixup_bytes;
        let total = self.s.fixup_bytes.saturating_add(fx.approx_bytes());
        if total > limit {
            self.frames.clear();
            return Err(SyntaxError::new(
                fx.span,
                format!("values waiting for later symbols need more than {limit} bytes in all"),
            )
            .help("define symbols before the lines that use them, or is a repeat count runaway?"));
        }
        self.s.fixup_bytes = total;
        self.fixups.push(fx);
        Ok(())
    }

    /// Appends an instruction word.
    #[inline]
    pub fn emit_word(&mut self, word: u64, span: Span) -> PResult<()> {
        self.emit(&word.to_le_bytes(), span)
    }

    // ----- Symbols -----

    pub(crate) fn check_symbol_name(&self, name: &str, span: Span) -> PResult<()> {
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

    pub(crate) fn assign(
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

pub(crate) fn nobits_error(section: &str, span: Span) -> SyntaxError {
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
        crate::value::symbol_value(&mut self.symbols, id, span, false)
    }
}

//! Texts brought in by directives: `.include`d files, macro definitions and invocations (binding
//! arguments to parameters and substituting them into the body: `\name`, `\@` for a number
//! unique to each expansion, `\()` to join text, as GNU as does), and `.rept`/`.irp` blocks.
//! The expanded text keeps the line numbers of the definition, and its expansion record points
//! at the invocation, so messages show both.

use crate::layout::{FileAsm, Frame, FrameKind, Macro, Param};
use crate::lex::{Kind, Lexer};
use crate::parse::{Cursor, PResult, SyntaxError};
use crate::source::{ExpansionId, ExpansionKind, FileId, Opened, Span, read_limited};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

impl<'l> FileAsm<'_, 'l> {
    /// Finds and opens a file named by `.include`/`.incbin`: next to the including file, then in
    /// each include directory, then as given.
    pub(crate) fn open(&mut self, path: &str, span: Span) -> PResult<(PathBuf, Opened<'l>)> {
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
        let loader = self.s.loader;
        for cand in &candidates {
            match loader.open(cand) {
                Ok(file) => return Ok((cand.clone(), file)),
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

    pub(crate) fn include(&mut self, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
        let (path, path_span) = c.string("a file name")?;
        c.finish()?;
        self.check_depth(span)?;
        let path = String::from_utf8_lossy(&path).into_owned();
        let (full, file) = self.open(&path, path_span)?;
        let max = self.s.limits().max_source_bytes;
        let bytes = read_limited(file, max).map_err(|e| {
            SyntaxError::new(path_span, format!("cannot read `{}`: {e}", full.display()))
                .help(format!("source files are limited to {max} bytes"))
        })?;
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
        // Each inclusion keeps its own copy of the text.
        self.charge_expansion(text.len() as u64, span)?;
        let name = full.display().to_string();
        let file = self.s.sources.add(name, Some(full), text.clone());
        let expansion = self.new_expansion(ExpansionKind::Include, span)?;
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
    pub(crate) fn check_depth(&mut self, span: Span) -> PResult<()> {
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

    /// Records an expansion, counting it against the expansion memory budget.
    pub(crate) fn new_expansion(
        &mut self,
        kind: ExpansionKind,
        span: Span,
    ) -> PResult<ExpansionId> {
        self.charge_expansion(crate::limits::EXPANSION_RECORD_BYTES, span)?;
        Ok(self.s.sources.add_expansion(kind, span, self.expansion))
    }

    /// Counts `bytes` of expansion memory, or refuses them past the budget. Past it, reading
    /// stops: every later expansion would fail too.
    fn charge_expansion(&mut self, bytes: u64, span: Span) -> PResult<()> {
        let limit = self.s.limits().max_expansion_bytes;
        let total = self.s.expansion_bytes.saturating_add(bytes);
        if total <= limit {
            self.s.expansion_bytes = total;
            return Ok(());
        }
        // The message points at the line of a file that started it: expanded lines may be as
        // long as the budget.
        let mut span = span;
        while self.s.sources.file(span.file).expanded {
            let Some(e) = self.s.sources.expansion(self.expansion) else {
                break;
            };
            span = e.at;
            // The caller reports the error in this expansion.
            self.expansion = e.parent;
        }
        self.frames.clear();
        Err(SyntaxError::new(
            span,
            format!("macro, `.irp` and `.rept` expansions need more than {limit} bytes in all"),
        )
        .help("is a macro doubling its arguments, or a repeat count runaway?"))
    }

    /// [`substitute_within`], refusing to build more text than the expansion budget has left.
    fn substitute_charged(
        &mut self,
        body: &str,
        params: &[(&str, &str)],
        counter: Option<u64>,
        span: Span,
    ) -> PResult<String> {
        let left = self
            .s
            .limits()
            .max_expansion_bytes
            .saturating_sub(self.s.expansion_bytes);
        let max = usize::try_from(left).unwrap_or(usize::MAX);
        match substitute_within(body, params, counter, max) {
            Some(text) => {
                self.charge_expansion(text.len() as u64, span)?;
                Ok(text)
            }
            None => self
                .charge_expansion(left.saturating_add(1), span)
                .map(|()| unreachable!("more than is left is refused")),
        }
    }

    pub(crate) fn push_frame(
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
    pub(crate) fn capture_block(
        &mut self,
        opens: &[&str],
        close: &str,
    ) -> Option<std::ops::Range<usize>> {
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

    pub(crate) fn rept(&mut self, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
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
        let expansion = self.new_expansion(ExpansionKind::Repeat, span)?;
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

    pub(crate) fn irp(&mut self, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
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
        let expansion = self.new_expansion(ExpansionKind::Repeat, span)?;
        // Push the last iteration first, so the first runs first.
        for value in values.iter().rev() {
            let body_text = self.substitute_charged(
                &text[body.clone()],
                &[(param.as_str(), value.as_str())],
                None,
                span,
            )?;
            self.push_expanded(file, body.start, body_text, expansion, FrameKind::Macro);
        }
        Ok(())
    }

    /// Adds expanded text that stands for `def_file` from byte `def_start` on, and reads it next.
    pub(crate) fn push_expanded(
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
            .add_expanded(name, path, text.clone(), line - 1);
        self.push_frame(id, text.clone(), 0, text.len(), expansion, kind);
    }

    pub(crate) fn define_macro(&mut self, span: Span, c: &mut Cursor<'_>) -> PResult<()> {
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
        // A macro may take an instruction's name; as in GNU as, the macro then takes precedence.
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
    pub(crate) fn exit_macro(&mut self, span: Span) -> PResult<()> {
        let Some(i) = self.frames.iter().rposition(|f| f.kind == FrameKind::Macro) else {
            return Err(SyntaxError::new(span, "`.exitm` outside a macro"));
        };
        let conds = self.frames[i].conds;
        self.frames.truncate(i);
        self.conds.truncate(conds);
        Ok(())
    }

    pub(crate) fn invoke_macro(
        &mut self,
        m: Rc<Macro>,
        span: Span,
        c: &mut Cursor<'_>,
    ) -> PResult<()> {
        self.check_depth(span)?;
        let (args_text, args_span) = c.rest_text();
        let args = split_arguments(args_text);
        let mut values: Vec<Option<String>> = vec![None; m.params.len()];
        let mut positional = 0usize;
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            i += 1;
            if let Some((k, v)) = a.split_once('=')
                && let Some(p) = m.params.iter().position(|p| p.name == k.trim())
                && !k.trim().is_empty()
            {
                values[p] = Some(v.trim().to_string());
                continue;
            }
            let Some(param) = m.params.get(positional) else {
                return Err(SyntaxError::new(
                    args_span,
                    format!(
                        "macro `{}` takes {} arguments, found {}",
                        m.name,
                        m.params.len(),
                        args.len()
                    ),
                )
                .help(self.macro_signature(&m)));
            };
            if param.vararg {
                values[positional] = Some(args[i - 1..].join(", "));
                break;
            }
            values[positional] = Some(a.clone());
            positional += 1;
        }
        let mut bound: Vec<(String, String)> = Vec::with_capacity(m.params.len());
        for (p, v) in m.params.iter().zip(values) {
            let v = v.filter(|v| !v.is_empty());
            let v = match (v, &p.default) {
                (Some(v), _) => v,
                (None, Some(d)) => d.clone(),
                (None, None) if p.required => {
                    return Err(SyntaxError::new(
                        span.to(args_span),
                        format!("macro `{}` needs a value for `{}`", m.name, p.name),
                    )
                    .help(self.macro_signature(&m)));
                }
                (None, None) => String::new(),
            };
            bound.push((p.name.clone(), v));
        }
        self.macro_counter += 1;
        let expansion = self.new_expansion(ExpansionKind::Macro(m.name.clone()), span)?;
        let body = &m.text[m.body.clone()];
        if !body.contains('\\') {
            // Nothing to substitute: read the definition itself, with its own positions.
            let kind = crate::layout::FrameKind::Macro;
            self.push_frame(
                m.file,
                m.text.clone(),
                m.body.start,
                m.body.end,
                expansion,
                kind,
            );
        } else {
            let pairs: Vec<(&str, &str)> = bound
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            let text = self.substitute_charged(body, &pairs, Some(self.macro_counter), span)?;
            self.push_expanded(
                m.file,
                m.body.start,
                text,
                expansion,
                crate::layout::FrameKind::Macro,
            );
        }
        Ok(())
    }

    fn macro_signature(&self, m: &Macro) -> String {
        let params: Vec<String> = m
            .params
            .iter()
            .map(|p| {
                let mut s = p.name.clone();
                if p.required {
                    s.push_str(":req");
                }
                if p.vararg {
                    s.push_str(":vararg");
                }
                if let Some(d) = &p.default {
                    s.push('=');
                    s.push_str(d);
                }
                s
            })
            .collect();
        format!(
            "`{}` is defined at {} as `.macro {} {}`",
            m.name,
            self.s.sources.describe(m.defined),
            m.name,
            params.join(", ")
        )
    }
}

/// Splits macro arguments at commas outside strings and parentheses, trimming each.
pub fn split_arguments(text: &str) -> Vec<String> {
    let text = text.trim();
    if text.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut in_string = false;
    let mut start = 0;
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'(' if !in_string => depth += 1,
            b')' if !in_string => depth -= 1,
            b',' if !in_string && depth <= 0 => {
                out.push(text[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(text[start.min(text.len())..].trim().to_string());
    out
}

/// Replaces `\param` by its value, `\@` by `counter`, and `\()` by nothing.
#[cfg(test)]
pub fn substitute(body: &str, params: &[(&str, &str)], counter: Option<u64>) -> String {
    substitute_within(body, params, counter, usize::MAX).expect("no limit")
}

/// Replaces `\param` by its value, `\@` by `counter`, and `\()` by nothing; `None` as soon as the text would be longer than `max` bytes (checked
/// before each piece is added, so no more than `max` bytes are ever held).
pub fn substitute_within(
    body: &str,
    params: &[(&str, &str)],
    counter: Option<u64>,
    max: usize,
) -> Option<String> {
    let mut out = String::with_capacity(body.len().min(max));
    let push = |out: &mut String, piece: &str| {
        if out.len().checked_add(piece.len())? > max {
            return None;
        }
        out.push_str(piece);
        Some(())
    };
    let mut rest = body;
    while let Some(i) = rest.find('\\') {
        push(&mut out, &rest[..i])?;
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('@')
            && let Some(n) = counter
        {
            push(&mut out, &n.to_string())?;
            rest = tail;
            continue;
        }
        if let Some(tail) = after.strip_prefix("()") {
            rest = tail;
            continue;
        }
        let len = after
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$')
            .count();
        let word = &after[..len];
        match params.iter().find(|(p, _)| *p == word) {
            Some((_, v)) if len > 0 => {
                push(&mut out, v)?;
                rest = &after[len..];
            }
            _ => {
                push(&mut out, "\\")?;
                rest = after;
            }
        }
    }
    push(&mut out, rest)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_split_at_top_level_commas() {
        assert_eq!(
            split_arguments(" a, (b, c) , \"d,e\" "),
            vec!["a", "(b, c)", "\"d,e\""]
        );
        assert!(split_arguments("  ").is_empty());
        assert_eq!(split_arguments("a,,b"), vec!["a", "", "b"]);
    }

    #[test]
    fn substitution_replaces_parameters_counters_and_joins() {
        let p = [("reg", "x5"), ("n", "3")];
        assert_eq!(
            substitute(r"addi \reg, \reg, \n", &p, None),
            "addi x5, x5, 3"
        );
        assert_eq!(substitute(r"l\@: x\n\()0", &p, Some(7)), "l7: x30");
        assert_eq!(substitute(r"\unknown", &p, None), r"\unknown");
    }
}

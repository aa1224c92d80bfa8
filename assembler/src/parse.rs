//! Tokens to statements: labels, then a directive, an instruction, a macro invocation or an
//! assignment, with a cursor that the directive and operand parsers read their arguments through.

use crate::lex::{Kind, Token, unescape};
use crate::source::{FileId, Span};

/// A syntax error: where, what, and what might fix it. Boxed, so that results stay small on
/// the fast path where there is no error.
#[derive(Clone, Debug)]
pub struct SyntaxError(pub Box<ErrorDetail>);

/// The contents of a [`SyntaxError`].
#[derive(Clone, Debug)]
pub struct ErrorDetail {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl std::ops::Deref for SyntaxError {
    type Target = ErrorDetail;
    fn deref(&self) -> &ErrorDetail {
        &self.0
    }
}

impl std::ops::DerefMut for SyntaxError {
    fn deref_mut(&mut self) -> &mut ErrorDetail {
        &mut self.0
    }
}

impl SyntaxError {
    #[cold]
    pub fn new(span: Span, message: impl Into<String>) -> SyntaxError {
        SyntaxError(Box::new(ErrorDetail {
            span,
            message: message.into(),
            help: None,
        }))
    }

    pub fn help(mut self, help: impl Into<String>) -> SyntaxError {
        self.0.help = Some(help.into());
        self
    }

    /// The parts, by value.
    pub fn into_detail(self) -> ErrorDetail {
        *self.0
    }
}

pub type PResult<T> = Result<T, SyntaxError>;

/// Reads the tokens of one statement.
#[derive(Clone, Copy)]
pub struct Cursor<'a> {
    pub toks: &'a [Token],
    pub pos: usize,
    pub text: &'a str,
    pub file: FileId,
    /// Where the statement ends (for "expected … at the end of the line").
    pub end: u32,
}

impl<'a> Cursor<'a> {
    pub fn new(toks: &'a [Token], text: &'a str, file: FileId, end: u32) -> Cursor<'a> {
        Cursor {
            toks,
            pos: 0,
            text,
            file,
            end,
        }
    }

    #[inline]
    pub fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.pos)
    }

    #[inline]
    pub fn peek_kind(&self) -> Option<Kind> {
        self.toks.get(self.pos).map(|t| t.kind)
    }

    #[inline]
    pub fn peek_kind_at(&self, ahead: usize) -> Option<Kind> {
        self.toks.get(self.pos + ahead).map(|t| t.kind)
    }

    #[inline]
    pub fn bump(&mut self) -> Option<&'a Token> {
        let t = self.toks.get(self.pos);
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    #[inline]
    pub fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    #[inline]
    pub fn span(&self, t: &Token) -> Span {
        Span::new(self.file, t.start, t.end)
    }

    #[inline]
    pub fn slice(&self, t: &Token) -> &'a str {
        &self.text[t.start as usize..t.end as usize]
    }

    /// The span of the next token, or an empty span at the end of the statement.
    pub fn here(&self) -> Span {
        match self.peek() {
            Some(t) => self.span(t),
            None => {
                let at = self.toks.last().map_or(self.end, |t| t.end);
                Span::new(self.file, at, at)
            }
        }
    }

    /// A description of the next token for messages.
    pub fn describe_next(&self) -> String {
        match self.peek() {
            None => "the end of the line".into(),
            Some(t) => describe(self.slice(t), t.kind),
        }
    }

    /// Consumes a token of kind `kind`, or explains what was expected.
    pub fn expect(&mut self, kind: Kind, what: &str) -> PResult<&'a Token> {
        match self.peek() {
            Some(t) if t.kind == kind => {
                self.pos += 1;
                Ok(t)
            }
            _ => Err(self.unexpected(what)),
        }
    }

    /// Consumes `kind` if it is next.
    #[inline]
    pub fn eat(&mut self, kind: Kind) -> bool {
        if self.peek_kind() == Some(kind) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// "expected X, found Y" at the next token.
    pub fn unexpected(&self, what: &str) -> SyntaxError {
        if let Some(t) = self.peek()
            && let Kind::Error(e) = t.kind
        {
            return SyntaxError::new(self.span(t), e.message());
        }
        SyntaxError::new(
            self.here(),
            format!("expected {what}, found {}", self.describe_next()),
        )
    }

    /// Requires the end of the statement.
    pub fn finish(&self) -> PResult<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.unexpected("the end of the statement"))
        }
    }

    /// A name.
    pub fn ident(&mut self, what: &str) -> PResult<(&'a str, Span)> {
        let t = self.expect(Kind::Ident, what)?;
        Ok((self.slice(t), self.span(t)))
    }

    /// A string literal's bytes.
    pub fn string(&mut self, what: &str) -> PResult<(Vec<u8>, Span)> {
        let t = self.expect(Kind::Str, what)?;
        let span = self.span(t);
        let raw = self.slice(t);
        let inner = &raw[1..raw.len() - 1];
        unescape(inner).map(|b| (b, span)).map_err(|e| {
            let at = t.start + 1 + e.offset as u32;
            SyntaxError::new(
                Span::new(self.file, at, (at + 2).min(t.end)),
                "unknown escape sequence",
            )
            .help(r#"the escapes are \n \t \r \0 \\ \" \' \xHH and \NNN (octal)"#)
        })
    }

    /// The source text from the next token to the end of the statement.
    pub fn rest_text(&self) -> (&'a str, Span) {
        match (self.peek(), self.toks.last()) {
            (Some(first), Some(last)) => {
                let span = Span::new(self.file, first.start, last.end);
                (&self.text[span.range()], span)
            }
            _ => ("", self.here()),
        }
    }
}

/// How a token reads in messages.
pub fn describe(text: &str, kind: Kind) -> String {
    match kind {
        Kind::Ident => format!("`{text}`"),
        Kind::Int | Kind::Float | Kind::Char => format!("the number `{text}`"),
        Kind::Str => "a string".into(),
        Kind::LocalBack | Kind::LocalFwd => format!("the label reference `{text}`"),
        Kind::Error(e) => e.message().into(),
        _ => format!("`{text}`"),
    }
}

/// The head of a statement after its labels.
#[derive(Clone, Copy, Debug)]
pub enum Head<'a> {
    /// Nothing but labels.
    Empty,
    /// `.name args`.
    Directive { name: &'a str, span: Span },
    /// `name operands`: an instruction, pseudo-instruction or macro.
    Mnemonic { name: &'a str, span: Span },
    /// `name = expr`.
    Assign { name: &'a str, span: Span },
}

/// A label at the start of a statement.
#[derive(Clone, Copy, Debug)]
pub enum LabelDef<'a> {
    Named(&'a str, Span),
    Numeric(u64, Span),
}

/// Reads the labels and the head of a statement; the cursor is left at the arguments.
pub fn statement_head<'a>(c: &mut Cursor<'a>, labels: &mut Vec<LabelDef<'a>>) -> PResult<Head<'a>> {
    labels.clear();
    loop {
        match (c.peek_kind(), c.peek_kind_at(1)) {
            (Some(Kind::Ident), Some(Kind::Colon)) => {
                let t = c.bump().expect("peeked");
                c.bump();
                labels.push(LabelDef::Named(c.slice(t), c.span(t)));
            }
            (Some(Kind::Int), Some(Kind::Colon)) => {
                let t = c.bump().expect("peeked");
                c.bump();
                if !c.slice(t).bytes().all(|b| b.is_ascii_digit()) {
                    return Err(SyntaxError::new(
                        c.span(t),
                        "numeric labels are written in decimal",
                    )
                    .help("write `1:` and refer to it as `1b` or `1f`"));
                }
                labels.push(LabelDef::Numeric(t.value, c.span(t)));
            }
            _ => break,
        }
    }
    let Some(t) = c.peek() else {
        return Ok(Head::Empty);
    };
    match t.kind {
        Kind::Ident => {
            c.bump();
            let name = c.slice(t);
            let span = c.span(t);
            if c.peek_kind() == Some(Kind::Eq) {
                c.bump();
                return Ok(Head::Assign { name, span });
            }
            if name.starts_with('.') {
                Ok(Head::Directive { name, span })
            } else {
                Ok(Head::Mnemonic { name, span })
            }
        }
        _ => Err(c.unexpected("a label, directive or instruction")),
    }
}

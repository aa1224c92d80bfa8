//! Text to tokens, one statement at a time. Statements end at a newline or `;`; comments are `#`
//! and `//` to the end of the line, and `/* … */` (which may span lines). The lexer never fails:
//! what it cannot read becomes an [`Kind::Error`] token for the parser to report.

/// What a token is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// A name: symbol, mnemonic (`vadd.bf16`), directive (`.text`) or register.
    Ident,
    /// An integer literal; its value is in [`Token::value`].
    Int,
    /// A floating-point literal (`1.5`, `2e-3`); its text is the span.
    Float,
    /// A character literal; its code point is in [`Token::value`].
    Char,
    /// A string literal, quotes included; decode with [`unescape`].
    Str,
    /// A numeric local label reference: `1b` (value 1, `back`) or `1f`.
    LocalBack,
    LocalFwd,
    /// `.` alone: the current address.
    Dot,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Shl,
    Shr,
    Amp,
    Pipe,
    Caret,
    Tilde,
    Bang,
    Lt,
    Le,
    Gt,
    Ge,
    EqEq,
    Ne,
    AndAnd,
    OrOr,
    LParen,
    RParen,
    Comma,
    Colon,
    Eq,
    At,
    /// `\` (only meaningful inside macro bodies, where it is substituted away).
    Backslash,
    Error(LexError),
}

/// Why text is not a token.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LexError {
    UnterminatedString,
    UnterminatedChar,
    UnterminatedComment,
    BadChar,
    NumberTooLarge,
    BadNumber,
}

impl LexError {
    pub fn message(self) -> &'static str {
        match self {
            LexError::UnterminatedString => {
                "string is not closed: expected `\"` before the end of the line"
            }
            LexError::UnterminatedChar => "character literal is not closed: expected `'`",
            LexError::UnterminatedComment => "comment is not closed: expected `*/`",
            LexError::BadChar => "unexpected character",
            LexError::NumberTooLarge => "number does not fit in 64 bits",
            LexError::BadNumber => "malformed number",
        }
    }
}

/// A token: its kind, its byte range in the source text, and its value for numbers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Token {
    pub kind: Kind,
    pub start: u32,
    pub end: u32,
    pub value: u64,
}

/// Characters that may start a name.
#[inline]
pub fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'.' || b == b'$'
}

/// Characters that may continue a name.
#[inline]
pub fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'$'
}

/// True when `s` is a name as the lexer reads one.
pub fn is_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_ident_start(b[0])
        && b.iter().all(|&c| is_ident_char(c))
        && !(b[0] == b'.' && b.len() > 1 && b[1].is_ascii_digit())
        && s != "."
}

/// Splits a byte range of a text into statements.
pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str, start: usize, end: usize) -> Lexer<'a> {
        Lexer {
            src: text.as_bytes(),
            pos: start,
            end: end.min(text.len()),
        }
    }

    /// Where the next statement starts.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Lexes the next statement into `out` (cleared first). Returns the byte offset where it
    /// started, or `None` at the end of the range. Empty statements give an empty `out`.
    pub fn statement(&mut self, out: &mut Vec<Token>) -> Option<usize> {
        out.clear();
        if self.pos >= self.end {
            return None;
        }
        let start = self.pos;
        let src = self.src;
        let end = self.end;
        loop {
            // Skip blanks and comments.
            while self.pos < end {
                match src[self.pos] {
                    b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                    b'#' => self.skip_line(),
                    b'/' if self.peek(1) == Some(b'/') => self.skip_line(),
                    b'/' if self.peek(1) == Some(b'*') => {
                        let open = self.pos;
                        match find(&src[open + 2..end], b"*/") {
                            Some(i) => self.pos = open + 2 + i + 2,
                            None => {
                                self.pos = end;
                                out.push(tok(
                                    Kind::Error(LexError::UnterminatedComment),
                                    open,
                                    open + 2,
                                    0,
                                ));
                            }
                        }
                    }
                    _ => break,
                }
            }
            if self.pos >= end {
                return Some(start);
            }
            let b = src[self.pos];
            if b == b'\n' || b == b';' {
                self.pos += 1;
                return Some(start);
            }
            let t = self.token();
            out.push(t);
        }
    }

    fn skip_line(&mut self) {
        match memchr_newline(&self.src[self.pos..self.end]) {
            Some(i) => self.pos += i,
            None => self.pos = self.end,
        }
    }

    #[inline]
    fn peek(&self, ahead: usize) -> Option<u8> {
        let i = self.pos + ahead;
        if i < self.end {
            Some(self.src[i])
        } else {
            None
        }
    }

    fn token(&mut self) -> Token {
        let start = self.pos;
        let src = self.src;
        let b = src[start];
        if b.is_ascii_digit() {
            return self.number();
        }
        if b == b'.' {
            match self.peek(1) {
                Some(c) if c.is_ascii_digit() => return self.number(),
                Some(c) if is_ident_char(c) => {}
                _ => {
                    self.pos += 1;
                    return tok(Kind::Dot, start, self.pos, 0);
                }
            }
        }
        if is_ident_start(b) {
            let mut i = start + 1;
            while i < self.end && is_ident_char(src[i]) {
                i += 1;
            }
            self.pos = i;
            return tok(Kind::Ident, start, i, 0);
        }
        let two = self.peek(1);
        let (kind, len) = match (b, two) {
            (b'<', Some(b'<')) => (Kind::Shl, 2),
            (b'>', Some(b'>')) => (Kind::Shr, 2),
            (b'<', Some(b'=')) => (Kind::Le, 2),
            (b'>', Some(b'=')) => (Kind::Ge, 2),
            (b'=', Some(b'=')) => (Kind::EqEq, 2),
            (b'!', Some(b'=')) => (Kind::Ne, 2),
            (b'&', Some(b'&')) => (Kind::AndAnd, 2),
            (b'|', Some(b'|')) => (Kind::OrOr, 2),
            (b'+', _) => (Kind::Plus, 1),
            (b'-', _) => (Kind::Minus, 1),
            (b'*', _) => (Kind::Star, 1),
            (b'/', _) => (Kind::Slash, 1),
            (b'%', _) => (Kind::Percent, 1),
            (b'&', _) => (Kind::Amp, 1),
            (b'|', _) => (Kind::Pipe, 1),
            (b'^', _) => (Kind::Caret, 1),
            (b'~', _) => (Kind::Tilde, 1),
            (b'!', _) => (Kind::Bang, 1),
            (b'<', _) => (Kind::Lt, 1),
            (b'>', _) => (Kind::Gt, 1),
            (b'(', _) => (Kind::LParen, 1),
            (b')', _) => (Kind::RParen, 1),
            (b',', _) => (Kind::Comma, 1),
            (b':', _) => (Kind::Colon, 1),
            (b'=', _) => (Kind::Eq, 1),
            (b'@', _) => (Kind::At, 1),
            (b'\\', _) => (Kind::Backslash, 1),
            (b'"', _) => return self.string(),
            (b'\'', _) => return self.char_literal(),
            _ => {
                // One whole UTF-8 character.
                let len = utf8_len(b);
                self.pos = (start + len).min(self.end);
                return tok(Kind::Error(LexError::BadChar), start, self.pos, 0);
            }
        };
        self.pos += len;
        tok(kind, start, self.pos, 0)
    }

    fn number(&mut self) -> Token {
        let start = self.pos;
        let src = self.src;
        let end = self.end;
        let mut i = start;
        while i < end && (is_ident_char(src[i])) {
            // A float's exponent sign: `1e-3`, `2.5E+4`.
            i += 1;
            if i < end
                && (src[i] == b'-' || src[i] == b'+')
                && matches!(src[i - 1], b'e' | b'E')
                && !src[start..i].starts_with(b"0x")
                && !src[start..i].starts_with(b"0X")
                && i + 1 < end
                && src[i + 1].is_ascii_digit()
            {
                i += 1;
            }
        }
        self.pos = i;
        let text = &src[start..i];
        let kind_value = classify_number(text);
        match kind_value {
            Ok((kind, value)) => tok(kind, start, i, value),
            Err(e) => tok(Kind::Error(e), start, i, 0),
        }
    }

    fn string(&mut self) -> Token {
        let start = self.pos;
        let src = self.src;
        let mut i = start + 1;
        while i < self.end {
            match src[i] {
                b'\\' => i += 2,
                b'"' => {
                    self.pos = i + 1;
                    return tok(Kind::Str, start, self.pos, 0);
                }
                b'\n' => break,
                _ => i += 1,
            }
        }
        self.pos = i.min(self.end);
        tok(
            Kind::Error(LexError::UnterminatedString),
            start,
            self.pos,
            0,
        )
    }

    fn char_literal(&mut self) -> Token {
        let start = self.pos;
        let src = self.src;
        let mut i = start + 1;
        while i < self.end && src[i] != b'\'' && src[i] != b'\n' {
            i += if src[i] == b'\\' { 2 } else { 1 };
        }
        if i >= self.end || src[i] != b'\'' {
            self.pos = i.min(self.end);
            return tok(Kind::Error(LexError::UnterminatedChar), start, self.pos, 0);
        }
        self.pos = i + 1;
        let inner = &src[start + 1..i];
        let Ok(inner) = std::str::from_utf8(inner) else {
            return tok(Kind::Error(LexError::BadChar), start, self.pos, 0);
        };
        match unescape(inner) {
            Ok(bytes) => match std::str::from_utf8(&bytes).ok().map(|s| {
                let mut cs = s.chars();
                (cs.next(), cs.next())
            }) {
                Some((Some(c), None)) => tok(Kind::Char, start, self.pos, c as u64),
                // A single escaped byte that is not UTF-8 (`'\xff'`).
                _ if bytes.len() == 1 => tok(Kind::Char, start, self.pos, bytes[0] as u64),
                _ => tok(Kind::Error(LexError::BadChar), start, self.pos, 0),
            },
            Err(_) => tok(Kind::Error(LexError::BadChar), start, self.pos, 0),
        }
    }
}

#[inline]
fn tok(kind: Kind, start: usize, end: usize, value: u64) -> Token {
    Token {
        kind,
        start: start as u32,
        end: end as u32,
        value,
    }
}

fn utf8_len(b: u8) -> usize {
    match b {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

fn memchr_newline(s: &[u8]) -> Option<usize> {
    s.iter().position(|&b| b == b'\n')
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The kind and value of a token that starts with a digit (or `.digit`).
fn classify_number(text: &[u8]) -> Result<(Kind, u64), LexError> {
    let radix_digits = |digits: &[u8], radix: u32| -> Result<u64, LexError> {
        let mut v: u64 = 0;
        let mut any = false;
        for &d in digits {
            if d == b'_' {
                continue;
            }
            let x = (d as char).to_digit(radix).ok_or(LexError::BadNumber)?;
            v = v
                .checked_mul(radix as u64)
                .and_then(|v| v.checked_add(x as u64))
                .ok_or(LexError::NumberTooLarge)?;
            any = true;
        }
        if any { Ok(v) } else { Err(LexError::BadNumber) }
    };
    if text.len() > 2 && text[0] == b'0' {
        let rest = &text[2..];
        match text[1] {
            b'x' | b'X' => return radix_digits(rest, 16).map(|v| (Kind::Int, v)),
            b'o' | b'O' => return radix_digits(rest, 8).map(|v| (Kind::Int, v)),
            b'b' | b'B' if rest[0] == b'0' || rest[0] == b'1' => {
                return radix_digits(rest, 2).map(|v| (Kind::Int, v));
            }
            _ => {}
        }
    }
    // `1b`, `1f`: numeric local label references.
    if let Some((&last, digits)) = text.split_last()
        && (last == b'b' || last == b'f')
        && !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
    {
        let n = radix_digits(digits, 10)?;
        let kind = if last == b'b' {
            Kind::LocalBack
        } else {
            Kind::LocalFwd
        };
        return Ok((kind, n));
    }
    if text.iter().all(|b| b.is_ascii_digit() || *b == b'_') {
        return radix_digits(text, 10).map(|v| (Kind::Int, v));
    }
    // A float: digits, optional fraction, optional exponent.
    let s = std::str::from_utf8(text).map_err(|_| LexError::BadNumber)?;
    if s.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && s.parse::<f64>().is_ok()
    {
        return Ok((Kind::Float, 0));
    }
    Err(LexError::BadNumber)
}

/// Why a string literal's escapes are malformed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct EscapeError {
    /// Byte offset in the literal's inner text.
    pub offset: usize,
}

/// Decodes the escapes of a literal's inner text: `\n \t \r \0 \\ \" \' \xHH \NNN` (octal).
pub fn unescape(inner: &str) -> Result<Vec<u8>, EscapeError> {
    let b = inner.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let at = i;
        i += 1;
        let Some(&c) = b.get(i) else {
            return Err(EscapeError { offset: at });
        };
        i += 1;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'\\' => out.push(b'\\'),
            b'"' => out.push(b'"'),
            b'\'' => out.push(b'\''),
            b'x' => {
                let digits: Vec<u8> = b[i..]
                    .iter()
                    .take(2)
                    .take_while(|d| d.is_ascii_hexdigit())
                    .copied()
                    .collect();
                if digits.is_empty() {
                    return Err(EscapeError { offset: at });
                }
                i += digits.len();
                let s = std::str::from_utf8(&digits).map_err(|_| EscapeError { offset: at })?;
                out.push(u8::from_str_radix(s, 16).map_err(|_| EscapeError { offset: at })?);
            }
            b'0'..=b'7' => {
                let mut v: u32 = (c - b'0') as u32;
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + (b[i] - b'0') as u32;
                    i += 1;
                    n += 1;
                }
                if v > 255 {
                    return Err(EscapeError { offset: at });
                }
                out.push(v as u8);
            }
            _ => return Err(EscapeError { offset: at }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Vec<Kind>> {
        let mut lx = Lexer::new(text, 0, text.len());
        let mut out = Vec::new();
        let mut all = Vec::new();
        while lx.statement(&mut out).is_some() {
            all.push(out.iter().map(|t| t.kind).collect());
        }
        all
    }

    #[test]
    fn statements_end_at_newlines_and_semicolons() {
        use Kind::*;
        assert_eq!(
            kinds("add x1, x2, x3 ; nop\nret"),
            vec![
                vec![Ident, Ident, Comma, Ident, Comma, Ident],
                vec![Ident],
                vec![Ident]
            ]
        );
    }

    #[test]
    fn comments_of_all_three_kinds_are_skipped() {
        use Kind::*;
        assert_eq!(
            kinds("nop # one\nnop // two\nnop /* three\nlines */ nop"),
            vec![vec![Ident], vec![Ident], vec![Ident, Ident]]
        );
    }

    #[test]
    fn numbers_in_every_radix_and_local_references() {
        let text = "10 0x1f 0b101 0o17 1b 2f 'a' 1.5 0b";
        let mut lx = Lexer::new(text, 0, text.len());
        let mut out = Vec::new();
        lx.statement(&mut out);
        let got: Vec<(Kind, u64)> = out.iter().map(|t| (t.kind, t.value)).collect();
        assert_eq!(
            got,
            vec![
                (Kind::Int, 10),
                (Kind::Int, 31),
                (Kind::Int, 5),
                (Kind::Int, 15),
                (Kind::LocalBack, 1),
                (Kind::LocalFwd, 2),
                (Kind::Char, 97),
                (Kind::Float, 0),
                (Kind::LocalBack, 0),
            ]
        );
    }

    #[test]
    fn malformed_text_becomes_error_tokens() {
        let text = "\"open\n0x 99999999999999999999 12ab ?";
        let mut lx = Lexer::new(text, 0, text.len());
        let mut out = Vec::new();
        lx.statement(&mut out);
        assert_eq!(out[0].kind, Kind::Error(LexError::UnterminatedString));
        lx.statement(&mut out);
        let got: Vec<Kind> = out.iter().map(|t| t.kind).collect();
        assert_eq!(
            got,
            vec![
                Kind::Error(LexError::BadNumber),
                Kind::Error(LexError::NumberTooLarge),
                Kind::Error(LexError::BadNumber),
                Kind::Error(LexError::BadChar),
            ]
        );
    }

    #[test]
    fn escapes_decode() {
        assert_eq!(unescape(r"a\n\x41\101\0").unwrap(), b"a\nAA\0");
        assert!(unescape(r"\q").is_err());
    }
}

//! Messages for people: each names file:line:col, shows the source line with a caret, and walks
//! back through the `.include`s and macro invocations the line came through. Rendered by
//! `codespan-reporting`.

use crate::source::{ExpansionId, ExpansionKind, SourceMap, Span};
use codespan_reporting::diagnostic as cs;
pub use codespan_reporting::term::termcolor;
use codespan_reporting::term::{self, termcolor::WriteColor};
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Severity {
    Error,
    Warning,
}

/// A labelled span in a message.
#[derive(Clone, Debug)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// The span the message is about (shown with `^`), or context (shown with `-`).
    pub primary: bool,
}

/// One message.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    /// Extra lines: `help: …`, `note: …`.
    pub notes: Vec<String>,
    /// The expansion chain of the primary span.
    pub expansion: ExpansionId,
}

impl Diagnostic {
    /// An error about `span`.
    pub fn error(message: impl Into<String>, span: Span, expansion: ExpansionId) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            labels: vec![Label {
                span,
                message: String::new(),
                primary: true,
            }],
            notes: Vec::new(),
            expansion,
        }
    }

    /// An error that concerns no source text (a missing entry point).
    pub fn global(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
            expansion: ExpansionId::NONE,
        }
    }

    /// Sets the primary label's text.
    pub fn with_label(mut self, message: impl Into<String>) -> Diagnostic {
        if let Some(l) = self.labels.iter_mut().find(|l| l.primary) {
            l.message = message.into();
        }
        self
    }

    /// Adds a context label.
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Adds a `help:` line when there is something to suggest.
    pub fn with_help(self, help: Option<String>) -> Diagnostic {
        match help {
            Some(h) => self.with_note(format!("help: {h}")),
            None => self,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }

    /// The `codespan-reporting` form, with one context label per step of the expansion chain.
    fn to_codespan(&self, sources: &SourceMap) -> cs::Diagnostic<crate::source::FileId> {
        let mut labels: Vec<cs::Label<crate::source::FileId>> = self
            .labels
            .iter()
            .map(|l| {
                let style = if l.primary {
                    cs::LabelStyle::Primary
                } else {
                    cs::LabelStyle::Secondary
                };
                cs::Label::new(style, l.span.file, l.span.range()).with_message(&l.message)
            })
            .collect();
        // The chain, innermost first; a step repeated in a row (recursion) is shown once, with
        // its count, and a long chain is cut short.
        let mut steps: Vec<(&ExpansionKind, crate::source::Span, usize)> = Vec::new();
        let mut id = self.expansion;
        while let Some(e) = sources.expansion(id) {
            match steps.last_mut() {
                Some(last) if last.0 == &e.kind && last.1 == e.at => last.2 += 1,
                _ => steps.push((&e.kind, e.at, 1)),
            }
            id = e.parent;
        }
        const SHOWN: usize = 8;
        let hidden = steps.len().saturating_sub(SHOWN);
        for (kind, at, count) in steps.into_iter().take(SHOWN) {
            let mut message = match kind {
                ExpansionKind::Include => "included from here".to_string(),
                ExpansionKind::Macro(name) => format!("in this invocation of macro `{name}`"),
                ExpansionKind::Repeat => "in this repeated block".to_string(),
            };
            if count > 1 {
                message.push_str(&format!(", {count} times nested"));
            }
            labels.push(cs::Label::secondary(at.file, at.range()).with_message(message));
        }
        let mut notes = self.notes.clone();
        if hidden > 0 {
            notes.push(format!(
                "note: and {hidden} more enclosing `.include`s or macro invocations"
            ));
        }
        let d = match self.severity {
            Severity::Error => cs::Diagnostic::error(),
            Severity::Warning => cs::Diagnostic::warning(),
        };
        d.with_message(&self.message)
            .with_labels(labels)
            .with_notes(notes)
    }
}

/// Every message of one run, with the sources they point into.
pub struct Report {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// Writes every message, in colour when `out` supports it.
    pub fn render(&self, out: &mut dyn WriteColor) -> std::io::Result<()> {
        let config = term::Config::default();
        for d in &self.diagnostics {
            term::emit_to_write_style(out, &config, &self.sources, &d.to_codespan(&self.sources))
                .map_err(std::io::Error::other)?;
        }
        let errors = self.error_count();
        if errors > 0 {
            let plural = if errors == 1 { "" } else { "s" };
            writeln!(out, "error: could not assemble: {errors} error{plural}")?;
        }
        Ok(())
    }

    /// The messages as plain text (no colour), as tests compare them.
    pub fn to_plain_string(&self) -> String {
        let mut out = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
        // Writing into memory cannot fail.
        let _ = self.render(&mut out);
        String::from_utf8_lossy(&out.into_inner()).into_owned()
    }

    /// One line per message: `file:line:col: error: message`.
    pub fn summary(&self) -> Vec<String> {
        self.diagnostics
            .iter()
            .map(|d| {
                let kind = match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                match d.primary_span() {
                    Some(s) => format!("{}: {kind}: {}", self.sources.describe(s), d.message),
                    None => format!("{kind}: {}", d.message),
                }
            })
            .collect()
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.summary()).finish()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_plain_string())
    }
}

impl std::error::Error for Report {}

/// The closest of `candidates` to `word`, when one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let score = strsim::jaro_winkler(word, c);
        let close =
            strsim::damerau_levenshtein(word, c) <= (word.len().max(2) / 3).max(1) || score >= 0.88;
        if close && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

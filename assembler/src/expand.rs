//! Macro invocation: binding arguments to parameters and substituting them into the body
//! (`\name`, `\@` for a number unique to each expansion, `\()` to join text), as GNU as does.
//! The expanded text keeps the line numbers of the definition, and its expansion record points
//! at the invocation, so messages show both.

use crate::layout::{FileAsm, Macro};
use crate::parse::{Cursor, PResult, SyntaxError};
use crate::source::{ExpansionKind, Span};
use std::rc::Rc;

impl FileAsm<'_, '_> {
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
        let expansion = self.s.sources.add_expansion(
            ExpansionKind::Macro(m.name.clone()),
            span,
            self.expansion,
        );
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
            let text = substitute(body, &pairs, Some(self.macro_counter));
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
pub fn substitute(body: &str, params: &[(&str, &str)], counter: Option<u64>) -> String {
    let mut out = String::with_capacity(body.len() + 16);
    let mut rest = body;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('@')
            && let Some(n) = counter
        {
            out.push_str(&n.to_string());
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
                out.push_str(v);
                rest = &after[len..];
            }
            _ => {
                out.push('\\');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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

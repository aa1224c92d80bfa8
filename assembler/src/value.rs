//! What a symbol is worth: known, not known yet, or another file's, in each pass; and the
//! walk that evaluates chains of `.equ` definitions without recursion.

use crate::expr::{self, Env, RelBase, Val};
use crate::object::{SymDef, SymId, SymbolTable};
use crate::parse::{PResult, SyntaxError};
use crate::source::Span;

/// A symbol's value. In pass 1 (`final_pass` false) an undefined symbol is not known yet; in
/// pass 2 it is another file's symbol.
pub(crate) fn symbol_value(
    symbols: &mut SymbolTable,
    id: SymId,
    span: Span,
    final_pass: bool,
) -> PResult<Option<Val>> {
    match known_value(symbols, id, span, final_pass)? {
        Known::Now(v) => Ok(v),
        Known::Pending => resolve_pending(symbols, id, final_pass),
    }
}

enum Known {
    Now(Option<Val>),
    /// Defined by an expression not evaluated yet.
    Pending,
}

/// A symbol's value when it needs no evaluation; an error when it is being evaluated (a cycle).
fn known_value(symbols: &SymbolTable, id: SymId, span: Span, final_pass: bool) -> PResult<Known> {
    let sym = symbols.sym(id);
    Ok(Known::Now(match &sym.def {
        SymDef::Undefined if final_pass && !sym.temporary => Some(Val::Rel {
            base: RelBase::Symbol(id),
            offset: 0,
        }),
        SymDef::Undefined => None,
        SymDef::Label { section, offset } => Some(Val::Rel {
            base: RelBase::Section(*section),
            offset: *offset as i64,
        }),
        SymDef::Value(v) => Some(*v),
        SymDef::Pending(_) if sym.evaluating => {
            return Err(SyntaxError::new(
                span,
                format!(
                    "symbol `{}` is defined in terms of itself",
                    sym.display_name()
                ),
            ));
        }
        SymDef::Pending(_) => return Ok(Known::Pending),
    }))
}

/// Evaluates a pending definition and every pending definition it waits on, keeping the walk on
/// the heap: `.equ a0, a1` / `.equ a1, a2` / … is as deep as the source is long, far deeper than
/// the call stack allows recursion. A depth-first walk: a symbol being evaluated (`evaluating`)
/// is on the path from the root, so meeting it again is a cycle; each symbol is evaluated once
/// to find what it waits on, and once more when that is known.
fn resolve_pending(
    symbols: &mut SymbolTable,
    root: SymId,
    final_pass: bool,
) -> PResult<Option<Val>> {
    let mut stack = vec![root];
    // Pending symbols found not known yet in this walk: they count as unknown, not as waiting.
    let mut unknown = std::collections::HashSet::new();
    while let Some(&top) = stack.last() {
        let e = match &symbols.sym(top).def {
            SymDef::Pending(e) if !unknown.contains(&top) => e.clone(),
            // Done already, reached again through another symbol.
            _ => {
                stack.pop();
                continue;
            }
        };
        let mut env = StepEnv {
            symbols,
            final_pass,
            unknown: &unknown,
            waits_on: Vec::new(),
        };
        let r = expr::eval(&e, &mut env);
        let waits_on = env.waits_on;
        match r {
            Err(err) => {
                // The symbols on the path count as 0 from now on: one message per cycle.
                for id in stack {
                    let sym = symbols.sym_mut(id);
                    if sym.evaluating {
                        sym.evaluating = false;
                        sym.def = SymDef::Value(Val::Abs(0));
                    }
                }
                symbols.sym_mut(top).def = SymDef::Value(Val::Abs(0));
                return Err(err);
            }
            Ok(_) if !waits_on.is_empty() => {
                symbols.sym_mut(top).evaluating = true;
                stack.extend(waits_on);
            }
            Ok(v) => {
                stack.pop();
                let sym = symbols.sym_mut(top);
                sym.evaluating = false;
                match v {
                    Some(v) => sym.def = SymDef::Value(v),
                    None => {
                        unknown.insert(top);
                    }
                }
            }
        }
    }
    Ok(match symbols.sym(root).def {
        SymDef::Value(v) => Some(v),
        _ => None,
    })
}

/// One step of [`resolve_pending`]: pending operands are not evaluated here but named as the
/// symbols to evaluate first.
struct StepEnv<'a> {
    symbols: &'a SymbolTable,
    final_pass: bool,
    unknown: &'a std::collections::HashSet<SymId>,
    waits_on: Vec<SymId>,
}

impl Env for StepEnv<'_> {
    fn value(&mut self, id: SymId, span: Span) -> PResult<Option<Val>> {
        match known_value(self.symbols, id, span, self.final_pass)? {
            Known::Now(v) => Ok(v),
            Known::Pending if self.unknown.contains(&id) => Ok(None),
            Known::Pending => {
                if !self.waits_on.contains(&id) {
                    self.waits_on.push(id);
                }
                Ok(None)
            }
        }
    }
}

/// Evaluates against a symbol table alone.
pub(crate) struct TableEnv<'a> {
    pub(crate) symbols: &'a mut SymbolTable,
    pub final_pass: bool,
}

impl Env for TableEnv<'_> {
    fn value(&mut self, id: SymId, span: Span) -> PResult<Option<Val>> {
        symbol_value(self.symbols, id, span, self.final_pass)
    }
}

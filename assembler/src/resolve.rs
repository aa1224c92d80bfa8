//! Pass 2: with every label of the file placed, each fixup's value is computed. Constants and
//! distances within one section are written into the bytes now (through `isa::abi::apply`, the
//! one function that patches ZW code); values that need a section's final address or another
//! file's symbol become relocations for the linker.

use crate::diagnostic::Diagnostic;
use crate::expr::{self, Expr, RelBase, Val};
use crate::layout::{FileAsm, check_data_range};
use crate::object::{Base, FixKind, FixValue, Fixup, Object, Relocation, SymDef, SymbolTable};
use crate::parse::SyntaxError;
use crate::value::TableEnv;
use isa::Value;
use isa::abi::{Reloc, apply};

/// Finishes a file: reports undefined local labels, resolves fixups, returns the object.
pub(crate) fn finish(mut fa: FileAsm<'_, '_>) -> Object {
    // Numeric and `.L` labels never leave the file: a reference to one that is not defined is
    // an error here.
    for i in 0..fa.symbols.symbols.len() {
        let sym = &fa.symbols.symbols[i];
        if sym.temporary && matches!(sym.def, SymDef::Undefined) && sym.uses > 0 {
            let (span, expansion) = sym.first_use.expect("used symbols have a first use");
            let name = sym.display_name().to_string();
            let msg = if name.bytes().all(|b| b.is_ascii_digit()) {
                format!("`{name}f` refers forward to a `{name}:` label, but there is none after it")
            } else {
                format!("undefined local symbol `{name}`")
            };
            fa.s.report(Diagnostic::error(msg, span, expansion));
        }
    }
    // `.equ`s waiting for later symbols.
    for i in 0..fa.symbols.symbols.len() {
        if let SymDef::Pending(_) = fa.symbols.symbols[i].def {
            let id = crate::object::SymId(i as u32);
            let span = fa.symbols.symbols[i]
                .defined_at
                .map(|d| d.0)
                .expect("defined");
            let expansion = fa.symbols.symbols[i]
                .defined_at
                .map(|d| d.1)
                .unwrap_or_default();
            if let Err(e) = crate::value::symbol_value(&mut fa.symbols, id, span, true) {
                {
                    let e = e.into_detail();
                    fa.s.report(Diagnostic::error(e.message, e.span, expansion).with_help(e.help));
                }
            }
        }
    }
    let fixups = std::mem::take(&mut fa.fixups);
    let mut relocations = Vec::new();
    for fx in fixups {
        let expansion = fx.expansion;
        if let Err(e) = resolve(&mut fa, fx, &mut relocations) {
            {
                let e = e.into_detail();
                fa.s.report(Diagnostic::error(e.message, e.span, expansion).with_help(e.help));
            }
        }
    }
    Object {
        name: fa.name,
        sections: fa.sections,
        symbols: fa.symbols,
        relocations,
    }
}

/// A value once the whole file is known: `None` when it depends on an undefined local label
/// (already reported).
fn final_value(symbols: &mut SymbolTable, e: &Expr) -> Result<Option<Val>, SyntaxError> {
    expr::eval(
        e,
        &mut TableEnv {
            symbols,
            final_pass: true,
        },
    )
}

fn base_of(symbols: &SymbolTable, base: RelBase) -> Base {
    match base {
        RelBase::Section(s) => Base::Section(s),
        RelBase::Symbol(id) => Base::External(symbols.sym(id).name.clone()),
    }
}

fn resolve(
    fa: &mut FileAsm<'_, '_>,
    fx: Fixup,
    relocations: &mut Vec<Relocation>,
) -> Result<(), SyntaxError> {
    let place = fx.offset;
    if let FixKind::Rebuild { spec, values } = &fx.kind {
        let mut resolved: Vec<Option<(Option<Base>, i64)>> = Vec::with_capacity(values.len());
        let mut all_constant = true;
        for v in values {
            match v {
                FixValue::Expr(e, _, _) => {
                    let Some(val) = final_value(&mut fa.symbols, e)? else {
                        return Ok(());
                    };
                    match val {
                        Val::Abs(k) => resolved.push(Some((None, k))),
                        Val::Rel { base, offset } => {
                            all_constant = false;
                            resolved.push(Some((Some(base_of(&fa.symbols, base)), offset)));
                        }
                    }
                }
                _ => resolved.push(None),
            }
        }
        // Code targets are absolute in assembly: their distance needs the final address.
        let has_target = spec
            .format
            .fields
            .iter()
            .any(|f| f.kind == isa::OperandKind::Target);
        if all_constant && !has_target {
            let word = rebuild(spec, values, &resolved, place, &|_| 0)
                .map_err(|(span, msg)| SyntaxError::new(span.unwrap_or(fx.span), msg))?;
            let sec = &mut fa.sections[fx.section.0 as usize];
            sec.data[place as usize..place as usize + 8].copy_from_slice(&word.to_le_bytes());
            return Ok(());
        }
        relocations.push(Relocation {
            section: fx.section,
            offset: place,
            kind: fx.kind.clone(),
            base: None,
            addend: 0,
            operands: resolved,
            span: fx.span,
            expansion: fx.expansion,
        });
        return Ok(());
    }
    let e = fx
        .expr
        .as_ref()
        .expect("every fixup but a rebuild has an expression");
    let Some(val) = final_value(&mut fa.symbols, e)? else {
        return Ok(());
    };
    let data = &mut fa.sections[fx.section.0 as usize].data;
    let bytes = &mut data[place as usize..];
    let relocate = |base: Option<Base>, addend: i64, relocations: &mut Vec<Relocation>| {
        relocations.push(Relocation {
            section: fx.section,
            offset: place,
            kind: fx.kind.clone(),
            base,
            addend,
            operands: Vec::new(),
            span: fx.span,
            expansion: fx.expansion,
        });
    };
    match (&fx.kind, val) {
        // A distance within the section is known now, wherever the section goes.
        (
            FixKind::Target,
            Val::Rel {
                base: RelBase::Section(s),
                offset,
            },
        ) if s == fx.section => apply(Reloc::Target, bytes, place, offset as u64)
            .map_err(|e| SyntaxError::new(fx.span, e.to_string())),
        (FixKind::Hi32 | FixKind::Lo32, Val::Abs(k)) => {
            let kind = if matches!(fx.kind, FixKind::Hi32) {
                Reloc::Hi32
            } else {
                Reloc::Lo32
            };
            apply(kind, bytes, place, k as u64)
                .map_err(|e| SyntaxError::new(fx.span, e.to_string()))
        }
        (FixKind::Data(size), Val::Abs(k)) => {
            check_data_range(k, *size, fx.span)?;
            bytes[..*size as usize].copy_from_slice(&k.to_le_bytes()[..*size as usize]);
            Ok(())
        }
        (FixKind::Data(size), Val::Rel { .. }) if *size < 4 => Err(SyntaxError::new(
            fx.span,
            format!("an address does not fit in {} bytes", size),
        )
        .help("addresses take `.dword` (or `.word` for addresses below 2^32)")),
        (_, Val::Abs(k)) => {
            relocate(None, k, relocations);
            Ok(())
        }
        (_, Val::Rel { base, offset }) => {
            relocate(Some(base_of(&fa.symbols, base)), offset, relocations);
            Ok(())
        }
    }
}

/// Rebuilds an instruction from its operands, with each pending operand's value now known:
/// `address(base)` turns a base into its value. On error, the operand's span and the message.
pub(crate) fn rebuild(
    spec: &'static isa::InstrSpec,
    values: &[FixValue],
    resolved: &[Option<(Option<Base>, i64)>],
    pc: u64,
    address: &dyn Fn(&Base) -> i64,
) -> Result<u64, (Option<crate::source::Span>, String)> {
    let mut vals: Vec<Value<'_>> = Vec::with_capacity(values.len());
    for (v, r) in values.iter().zip(resolved) {
        vals.push(match (v, r) {
            (FixValue::Name(n), _) => Value::Name(n),
            (FixValue::Int(k), _) => Value::Int(*k),
            (FixValue::Expr(_, _, part), Some((base, addend))) => {
                Value::Int(part.of(base.as_ref().map_or(0, address).wrapping_add(*addend)))
            }
            (FixValue::Expr(..), None) => Value::Int(0),
        });
    }
    isa::Instruction::build(spec, &vals, pc)
        .map(|i| i.encode())
        .map_err(|(i, e)| {
            let span = match values.get(i) {
                Some(FixValue::Expr(_, s, _)) => Some(*s),
                _ => None,
            };
            let field = spec.format.fields.get(i).map_or("", |f| f.name);
            (
                span,
                format!("operand `{field}` of `{}`: {e}", spec.mnemonic),
            )
        })
}

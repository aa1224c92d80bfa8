//! The table checks itself: unique opcodes and mnemonics, fields inside the word and apart from
//! each other and the opcode, templates that name every field once, and unambiguous suffixes.

use crate::format::FORMATS;
use crate::spec::{FormatSpec, Piece};
use crate::table::INSTRUCTIONS;

/// Every problem with the table, as sentences; empty when it is sound.
pub fn table_problems() -> Vec<String> {
    let mut problems = Vec::new();
    for format in FORMATS {
        format_problems(format, &mut problems);
    }
    for (i, a) in INSTRUCTIONS.iter().enumerate() {
        if a.opcode == 0 {
            problems.push(format!(
                "`{}` uses opcode 0, which must stay illegal (an all-zero word traps)",
                a.mnemonic
            ));
        }
        for b in &INSTRUCTIONS[i + 1..] {
            if a.opcode == b.opcode {
                problems.push(format!(
                    "`{}` and `{}` share opcode {:#04x}",
                    a.mnemonic, b.mnemonic, a.opcode
                ));
            }
            if a.mnemonic == b.mnemonic {
                problems.push(format!("mnemonic `{}` appears twice", a.mnemonic));
            }
            for (x, y) in [(a, b), (b, a)] {
                let dotted = format!("{}.", x.mnemonic);
                if x.format.suffix_count() > 0 && y.mnemonic.starts_with(&dotted) {
                    problems.push(format!(
                        "`{}` reads like `{}` with a suffix",
                        y.mnemonic, x.mnemonic
                    ));
                }
            }
        }
        if i > 0 && INSTRUCTIONS[i - 1].opcode >= a.opcode {
            problems.push(format!("`{}` is out of opcode order", a.mnemonic));
        }
    }
    problems
}

fn format_problems(format: &FormatSpec, problems: &mut Vec<String>) {
    let mut used: u64 = 0xff;
    for f in format.fields {
        if f.width == 0 || f.lo + f.width > 64 {
            problems.push(format!(
                "{}: field `{}` does not fit in 64 bits",
                format.name, f.name
            ));
            continue;
        }
        if used & f.mask() != 0 {
            problems.push(format!(
                "{}: field `{}` overlaps the opcode or another field",
                format.name, f.name
            ));
        }
        used |= f.mask();
    }
    if used != format.used_mask() {
        problems.push(format!(
            "{}: used bits disagree with its fields",
            format.name
        ));
    }
    let mut seen = vec![0; format.fields.len()];
    let mut order = Vec::new();
    for piece in format.pieces() {
        if let Piece::Field(i) = piece {
            seen[i] += 1;
            order.push(i);
        }
    }
    for (f, n) in format.fields.iter().zip(&seen) {
        if *n != 1 {
            problems.push(format!(
                "{}: syntax names `{}` {n} times",
                format.name, f.name
            ));
        }
    }
    if order.windows(2).any(|w| w[0] > w[1]) {
        problems.push(format!(
            "{}: fields are not declared in syntax order",
            format.name
        ));
    }
    if !format.syntax.is_empty()
        && !format.syntax.starts_with(' ')
        && !format.syntax.starts_with('.')
    {
        problems.push(format!(
            "{}: syntax must start with a space or a suffix",
            format.name
        ));
    }
}

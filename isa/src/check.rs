//! The table checks itself: unique opcodes and mnemonics, fields inside the word and apart from
//! each other and the opcode, templates that name every field once, and unambiguous suffixes;
//! and pseudo-instructions that stand for rows of the table, under names of their own.

use crate::format::FORMATS;
use crate::pseudo::{PSEUDO_INSTRUCTIONS, PseudoSpec, pseudo_mnemonics, pseudo_rows};
use crate::spec::{FormatSpec, Piece};
use crate::table::INSTRUCTIONS;
use crate::text::lookup;

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
    for (i, p) in PSEUDO_INSTRUCTIONS.iter().enumerate() {
        let previous = i.checked_sub(1).map(|j| &PSEUDO_INSTRUCTIONS[j]);
        pseudo_problems(p, previous, &mut problems);
    }
    let names: Vec<&str> = pseudo_mnemonics().collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            problems.push(format!("the rows of `{name}` are not adjacent"));
        }
    }
    problems
}

/// A pseudo-instruction's name is its own, its expansion names rows of the table and uses every
/// operand, its example has its operands, and several expansions of one name are adjacent rows
/// of one syntax, each with its condition.
fn pseudo_problems(p: &PseudoSpec, previous: Option<&PseudoSpec>, problems: &mut Vec<String>) {
    let name = p.mnemonic();
    if lookup(name).is_some() {
        problems.push(format!(
            "pseudo-instruction `{name}` is also an instruction"
        ));
    }
    for inst in p.expansion.split("; ") {
        let mnemonic = inst.split(' ').next().unwrap_or(inst);
        if lookup(mnemonic).is_none() {
            problems.push(format!(
                "`{name}` expands to unknown instruction `{mnemonic}`"
            ));
        }
    }
    let words: Vec<&str> = p
        .expansion
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .collect();
    for operand in p.operands() {
        if !words.contains(&operand) {
            problems.push(format!("`{name}` does not use its operand `{operand}`"));
        }
    }
    let (example, operands) = p.example.split_once(' ').unwrap_or((p.example, ""));
    let example_operands = operands.split(", ").filter(|s| !s.is_empty()).count();
    if example != name || example_operands != p.operands().count() {
        problems.push(format!(
            "`{name}`: example `{}` does not match the syntax",
            p.example
        ));
    }
    if previous.is_some_and(|q| q.mnemonic() == name && q.syntax != p.syntax) {
        problems.push(format!("`{name}` is written two ways"));
    }
    if pseudo_rows(name).len() > 1 && p.condition.is_empty() {
        problems.push(format!(
            "`{name}` has several expansions, one without a condition"
        ));
    }
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

//! The disassembly listing (`zw objdump`): addresses, raw words and instructions with symbol
//! labels, laid out like `objdump -d`, and valid assembly for this assembler: addresses and raw
//! words sit in `/* */` comments, labels are `name:` lines, and code targets are printed as
//! symbol names or absolute addresses, so the listing assembles back to the same code.
//!
//! ```text
//! /* Disassembly of section .text: */
//!         .section .text
//! /* 0000000000000000 */ _start:
//! /*        0:  0000000500000528 */     addi    x5, x0, 5
//! ```

use crate::lex::is_identifier;
use isa::elf::{ElfFile, ElfSection, ReadError, SectionKind, SymbolKind};
use isa::operand::{Context, OperandKind};
use isa::{DecodeError, Instruction};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// What the listing shows.
#[derive(Clone, Debug, Default)]
pub struct ListingOptions {
    /// After each instruction, a comment with every bit field of its word.
    pub explain: bool,
    /// The file name printed in the header.
    pub file_name: String,
    /// Only these sections (all executable sections when empty).
    pub sections: Vec<String>,
}

/// One bit field of an instruction word, explained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldExplanation {
    pub name: &'static str,
    /// Highest and lowest bit.
    pub hi: u32,
    pub lo: u32,
    pub bits: u64,
    /// What the bits mean (`x5`, `bf16`, `-8`, `0x40`).
    pub meaning: String,
}

/// The bit fields of `word` as the instruction at `pc`, opcode first then from the high bits
/// down; or why the word is not an instruction. Derived from the format's field table.
pub fn explain(word: u64, pc: u64) -> Result<Vec<FieldExplanation>, DecodeError> {
    let inst = Instruction::decode(word)?;
    let ctx = Context {
        pc: Some(pc),
        symbol: None,
    };
    let mut fields: Vec<FieldExplanation> = inst
        .operands(&ctx)
        .into_iter()
        .map(|op| FieldExplanation {
            name: op.field.name,
            hi: op.field.lo + op.field.width - 1,
            lo: op.field.lo,
            bits: op.bits,
            meaning: match op.field.kind {
                // The distance as encoded, then where it lands.
                OperandKind::Target => {
                    format!("{:+} words: {}", op.bits as u32 as i32, op.text)
                }
                _ => op.text,
            },
        })
        .collect();
    fields.sort_by_key(|f| std::cmp::Reverse(f.lo));
    fields.push(FieldExplanation {
        name: "opcode",
        hi: 7,
        lo: 0,
        bits: word & 0xff,
        meaning: inst.mnemonic().to_string(),
    });
    Ok(fields)
}

/// The listing of an ELF file's bytes.
pub fn objdump(bytes: &[u8], options: &ListingOptions) -> Result<String, ReadError> {
    let elf = isa::elf::read(bytes)?;
    Ok(listing(&elf, options))
}

/// Names usable as labels: valid, not register names, and unique in the file.
fn usable_labels<'e>(elf: &'e ElfFile<'_>) -> HashMap<&'e str, bool> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for s in &elf.symbols {
        if !matches!(s.kind, SymbolKind::File | SymbolKind::Section) {
            *count.entry(s.name.as_str()).or_default() += 1;
        }
    }
    count
        .into_iter()
        .map(|(name, n)| {
            let ok = n == 1
                && is_identifier(name)
                && isa::Reg::from_name(name).is_none()
                && !name.contains('\u{1}');
            (name, ok)
        })
        .collect()
}

/// The listing of a read ELF file.
pub fn listing(elf: &ElfFile<'_>, options: &ListingOptions) -> String {
    let mut out = String::new();
    let usable = usable_labels(elf);
    let _ = writeln!(
        out,
        "/* {}:     file format elf64-zw (ISA version {}) */",
        options.file_name, elf.isa_version
    );
    let _ = writeln!(out, "/* start address {:#018x} */", elf.entry);
    // Labels by address, for every section shown.
    let chosen: Vec<(usize, &ElfSection<'_>)> = elf
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            if options.sections.is_empty() {
                s.executable && s.alloc && s.kind == SectionKind::ProgBits
            } else {
                options.sections.contains(&s.name)
            }
        })
        .collect();
    let mut labels: BTreeMap<u64, Vec<(&str, bool, usize)>> = BTreeMap::new();
    for s in &elf.symbols {
        if matches!(s.kind, SymbolKind::File | SymbolKind::Section) {
            continue;
        }
        let Some(k) = s.section else {
            continue;
        };
        if !chosen.iter().any(|(i, _)| *i == k) {
            continue;
        }
        let ok = usable.get(s.name.as_str()).copied().unwrap_or(false);
        labels.entry(s.value).or_default().push((&s.name, ok, k));
    }
    let name_at = |addr: u64| -> Option<String> {
        labels
            .get(&addr)
            .and_then(|v| v.iter().find(|(_, ok, _)| *ok))
            .map(|(n, _, _)| n.to_string())
    };
    for (k, sec) in &chosen {
        let _ = writeln!(out, "\n/* Disassembly of section {}: */", sec.name);
        let _ = writeln!(out, "\t.section {}", sec.name);
        if sec.align > 1 && sec.align.is_power_of_two() {
            let _ = writeln!(out, "\t.balign {}", sec.align);
        }
        for s in &elf.symbols {
            if s.global
                && s.section == Some(*k)
                && usable.get(s.name.as_str()).copied().unwrap_or(false)
            {
                let _ = writeln!(out, "\t.global {}", s.name);
            }
        }
        let end = sec.addr.wrapping_add(sec.data.len() as u64);
        let print_labels = |out: &mut String, from: u64, to: u64| {
            for (&addr, names) in labels.range(from..to.max(from)) {
                for (name, ok, _) in names.iter().filter(|l| l.2 == *k) {
                    if *ok && addr == from {
                        let _ = writeln!(out, "\n/* {addr:016x} */ {name}:");
                    } else {
                        let _ = writeln!(out, "/* {addr:016x} <{name}> */");
                    }
                }
            }
        };
        let mut at = 0usize;
        while at < sec.data.len() {
            let pc = sec.addr.wrapping_add(at as u64);
            print_labels(
                &mut out,
                pc,
                pc.saturating_add(8).min(end.max(pc.saturating_add(1))),
            );
            let rest = &sec.data[at..];
            if rest.len() < 8 {
                let bytes: Vec<String> = rest.iter().map(|b| format!("{b:#04x}")).collect();
                let raw: String = rest.iter().map(|b| format!("{b:02x}")).collect();
                let _ = writeln!(
                    out,
                    "/* {pc:8x}:\t{raw:<16} */\t.byte\t{}",
                    bytes.join(", ")
                );
                break;
            }
            let mut word = [0u8; 8];
            word.copy_from_slice(&rest[..8]);
            let word = u64::from_le_bytes(word);
            let ctx = Context {
                pc: Some(pc),
                symbol: Some(&name_at),
            };
            let text = isa::disassemble(word, &ctx);
            let text = match text.split_once(' ') {
                Some((m, ops)) => format!("{m}\t{ops}"),
                None => text,
            };
            let _ = writeln!(out, "/* {pc:8x}:\t{word:016x} */\t{text}");
            if options.explain {
                let _ = writeln!(out, "\t\t/* {} */", explain_line(word, pc));
            }
            at += 8;
        }
        // Labels at the end of the section.
        print_labels(&mut out, end, end.wrapping_add(1));
    }
    out
}

/// One line explaining a word's fields.
pub fn explain_line(word: u64, pc: u64) -> String {
    match explain(word, pc) {
        Ok(fields) => fields
            .iter()
            .map(|f| {
                let digits = (f.hi - f.lo) as usize / 4 + 1;
                format!(
                    "{}[{}:{}]={:#0w$x} {}",
                    f.name,
                    f.hi,
                    f.lo,
                    f.bits,
                    f.meaning,
                    w = digits + 2
                )
            })
            .collect::<Vec<_>>()
            .join("  "),
        Err(e) => format!("not an instruction: {e}"),
    }
}

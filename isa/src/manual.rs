//! The reference manual, `docs/isa.md`, generated from the table and the prose in `manual/manual.md`.
//! Prose markers (`<!-- table:… -->`) are replaced by tables built from the ISA's own data.

use crate::abi;
use crate::csr::Csr;
use crate::dtype::DType;
use crate::memory_map::Location;
use crate::pseudo::PSEUDO_INSTRUCTIONS;
use crate::spec::{FormatSpec, InstrSpec, Piece, QueueUse, TimingClass};
use crate::table::INSTRUCTIONS;
use crate::trap::Cause;
use std::fmt::Write;

const PROSE: &str = include_str!("../manual/manual.md");

/// The command that rewrites `docs/isa.md`.
pub const REGENERATE: &str = "BLESS=1 cargo test -p isa --test manual";

/// The whole manual as Markdown.
pub fn generate() -> String {
    let mut out = String::new();
    for line in PROSE.lines() {
        let text = match line.trim() {
            "<!-- banner -->" => format!(
                "<!-- Generated from isa/src/table.rs and isa/manual/manual.md; do not edit. Regenerate: {REGENERATE} -->"
            ),
            "<!-- table:spaces -->" => spaces(),
            "<!-- table:dtypes -->" => dtypes(),
            "<!-- table:csrs -->" => csrs(),
            "<!-- table:causes -->" => causes(),
            "<!-- table:classes -->" => classes(),
            "<!-- table:sections -->" => sections(),
            "<!-- table:relocs -->" => relocs(),
            "<!-- table:pseudo -->" => pseudo(),
            "<!-- reference -->" => reference(),
            _ => line
                .replace("<!-- value:em -->", &format!("`{:#06x}`", abi::EM_ZW))
                .replace("<!-- value:version -->", &abi::ISA_VERSION.to_string()),
        };
        out.push_str(text.trim_end_matches('\n'));
        out.push('\n');
    }
    out
}

fn pseudo() -> String {
    let mut t = String::from("| Pseudo-instruction | Expands to | Example |\n|---|---|---|\n");
    for p in PSEUDO_INSTRUCTIONS {
        let expansion: Vec<String> = p.expansion.split("; ").map(|i| format!("`{i}`")).collect();
        let when = if p.condition.is_empty() {
            String::new()
        } else {
            format!(" {}", p.condition)
        };
        let _ = writeln!(
            t,
            "| `{}` | {}{when} | `{}` |",
            p.syntax,
            expansion.join(" + "),
            p.example
        );
    }
    t
}

fn spaces() -> String {
    let mut t = String::from(
        "| Space | Memory | Tile field | Chip field | Own base address |\n|---|---|---|---|---|\n",
    );
    for (code, memory, tile, chip) in Location::spaces() {
        let base = if tile || chip {
            "—".to_string()
        } else {
            format!("`{:#x}`", code << 40)
        };
        let _ = writeln!(
            t,
            "| {code} | {} | {} | {} | {base} |",
            memory.name(),
            if tile { "names the tile" } else { "zero" },
            if chip {
                "names the chip"
            } else {
                "zero (own chip)"
            },
        );
    }
    t
}

fn dtypes() -> String {
    let mut t = String::from("| Name | Code | Bytes | Kind |\n|---|---|---|---|\n");
    for d in DType::ALL {
        let kind = if d.is_float() {
            "floating point"
        } else {
            "integer"
        };
        let _ = writeln!(
            t,
            "| `{}` | {} | {} | {kind} |",
            d.name(),
            d.code(),
            d.size()
        );
    }
    t
}

fn csrs() -> String {
    let mut t = String::from("| Name | Number | Holds |\n|---|---|---|\n");
    for c in Csr::ALL {
        let _ = writeln!(
            t,
            "| `{}` | `{:#05x}` | {} |",
            c.name(),
            c.number(),
            c.description()
        );
    }
    t
}

fn causes() -> String {
    let mut t = String::from("| Code | Cause | Raised when |\n|---|---|---|\n");
    for c in Cause::ALL {
        let _ = writeln!(t, "| {} | {} | {} |", c.code(), c.name(), c.description());
    }
    t
}

fn classes() -> String {
    let mut t = String::from("| Class | Cost |\n|---|---|\n");
    for c in TimingClass::ALL {
        let _ = writeln!(t, "| `{}` | {} |", c.name(), c.description());
    }
    t
}

fn sections() -> String {
    let mut t = String::from(
        "| Section | Memory | Writable | Executable | Zero-filled |\n|---|---|---|---|---|\n",
    );
    let yes = |b: bool| if b { "yes" } else { "no" };
    for (name, p) in abi::SECTION_RULES {
        let _ = writeln!(
            t,
            "| `{name}` | {} | {} | {} | {} |",
            p.memory.name(),
            yes(p.writable),
            yes(p.executable),
            yes(p.nobits)
        );
    }
    t
}

fn relocs() -> String {
    use abi::Reloc::*;
    let rows = [
        (Abs64, "R_ZW_ABS64", "the 8 bytes at P = S + A"),
        (
            Abs32,
            "R_ZW_ABS32",
            "the 4 bytes at P = S + A (must fit 32 bits unsigned)",
        ),
        (
            Hi32,
            "R_ZW_HI32",
            "bits 63..32 of the instruction at P = hi32(S + A), the `lui` half",
        ),
        (
            Lo32,
            "R_ZW_LO32",
            "bits 63..32 of the instruction at P = low 32 bits of S + A, the `addi` half",
        ),
        (
            Target,
            "R_ZW_TARGET",
            "bits 63..32 of the instruction at P = (S + A − P) / 8",
        ),
    ];
    let mut t = String::from("| Type | Name | Effect |\n|---|---|---|\n");
    for (kind, name, effect) in rows {
        let _ = writeln!(t, "| {} | `{name}` | {effect} |", kind as u32);
    }
    t
}

/// Instruction groups by opcode range, in manual order.
const GROUPS: &[(u8, u8, &str)] = &[
    (0x00, 0x0f, "System and ordering"),
    (0x10, 0x37, "Integer arithmetic"),
    (0x38, 0x47, "Loads and stores"),
    (0x48, 0x4f, "Control flow"),
    (0x50, 0x5f, "Control/status registers and semaphores"),
    (0x60, 0x6f, "DMA"),
    (0x70, 0x7f, "Matrix unit"),
    (0x80, 0xff, "Vector unit"),
];

fn reference() -> String {
    let mut out = String::new();
    for &(lo, hi, title) in GROUPS {
        let _ = writeln!(out, "### {title}\n");
        let _ = writeln!(out, "| Mnemonic | Opcode | Summary |\n|---|---|---|");
        let rows: Vec<&InstrSpec> = INSTRUCTIONS
            .iter()
            .filter(|s| (lo..=hi).contains(&s.opcode))
            .collect();
        for s in &rows {
            let _ = writeln!(
                out,
                "| [`{}`](#{}) | `{:#04x}` | {} |",
                s.mnemonic,
                anchor(s.mnemonic),
                s.opcode,
                s.summary
            );
        }
        out.push('\n');
        for s in rows {
            out.push_str(&entry(s));
        }
    }
    out
}

fn anchor(mnemonic: &str) -> String {
    mnemonic.replace('.', "")
}

/// The syntax line with operand names: `vadd.{dt} vd, va, vb, rlen`.
pub fn syntax(spec: &InstrSpec) -> String {
    let mut s = spec.mnemonic.to_string();
    for piece in spec.format.pieces() {
        match piece {
            Piece::Text(t) => s.push_str(t),
            Piece::Field(i) => {
                let f = &spec.format.fields[i];
                if i < spec.format.suffix_count() {
                    let _ = write!(s, "<{}>", f.name);
                } else {
                    s.push_str(f.name);
                }
            }
        }
    }
    s
}

fn entry(s: &InstrSpec) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#### {}\n", s.mnemonic);
    let _ = writeln!(out, "{}\n", s.summary);
    let _ = writeln!(out, "```text\n{}\n```\n", syntax(s));
    out.push_str(&diagram(s.format, s.opcode));
    if !s.format.fields.is_empty() {
        let _ = writeln!(out, "| Operand | Bits | Takes |\n|---|---|---|");
        for f in s.format.fields {
            let _ = writeln!(
                out,
                "| `{}` | {}..{} | {} |",
                f.name,
                f.lo + f.width - 1,
                f.lo,
                f.kind.describe()
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "```text\n{}\n```\n",
        statements(s.semantics).join("\n")
    );
    let traps = if s.traps.is_empty() {
        "none besides illegal instruction"
    } else {
        s.traps
    };
    let queues = match s.queues {
        QueueUse::None => String::new(),
        QueueUse::Enqueue(q) => format!(" Queue: `{}`.", q.name()),
        QueueUse::EnqueueNamed => " Queue: the one `queue` names.".to_string(),
        QueueUse::Drain(set) => {
            let names: Vec<String> = set.iter().map(|q| format!("`{}`", q.name())).collect();
            format!(" Drains: {}.", names.join(", "))
        }
    };
    let _ = writeln!(
        out,
        "Traps: {traps}. Timing class: `{}`.{queues}\n",
        s.class.name()
    );
    out
}

/// A bit-field diagram: one column per field or reserved run, high bits first.
fn diagram(format: &FormatSpec, opcode: u8) -> String {
    let mut cols: Vec<(u32, u32, String)> = vec![(0, 7, format!("{opcode:#04x}"))];
    for f in format.fields {
        cols.push((f.lo, f.lo + f.width - 1, f.name.to_string()));
    }
    cols.sort_by_key(|c| c.0);
    let mut all = Vec::new();
    let mut next = 0;
    for c in cols {
        if c.0 > next {
            all.push((next, c.0 - 1, "0".to_string()));
        }
        next = c.1 + 1;
        all.push(c);
    }
    if next < 64 {
        all.push((next, 63, "0".to_string()));
    }
    all.reverse();
    let bits: Vec<String> = all
        .iter()
        .map(|(lo, hi, _)| {
            if lo == hi {
                lo.to_string()
            } else {
                format!("{hi}–{lo}")
            }
        })
        .collect();
    let names: Vec<&str> = all.iter().map(|c| c.2.as_str()).collect();
    format!(
        "| {} |\n|{}\n| {} |\n\n",
        bits.join(" | "),
        "---|".repeat(all.len()),
        names.join(" | ")
    )
}

/// The statements of a semantics text: split at each `; ` outside parentheses, so a remark in
/// parentheses stays whole.
fn statements(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ';' if depth == 0 && text[i + 1..].starts_with(' ') => {
                out.push(&text[start..i]);
                start = i + 2;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::statements;

    #[test]
    fn a_remark_in_parentheses_is_not_split() {
        assert_eq!(
            statements("V.sa = x[rsa]; V.sb = x[rsb] (signed; 1 at reset); done"),
            [
                "V.sa = x[rsa]",
                "V.sb = x[rsb] (signed; 1 at reset)",
                "done"
            ]
        );
    }
}

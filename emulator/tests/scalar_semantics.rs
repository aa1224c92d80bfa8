//! The control core's instructions against vectors worked out by hand from the manual's pseudocode
//! (docs/isa.md, "Instruction reference"). Each table row names one instruction, its operands and
//! the result the manual gives; a runner turns a table into one program, runs it on a real tile and
//! reads each row's result back from the scratchpad.

mod common;

#[path = "scalar_semantics/arith.rs"]
mod arith;
#[path = "scalar_semantics/control.rs"]
mod control;
#[path = "scalar_semantics/memory.rs"]
mod memory;

use common::{machine, zw1};
use emulator::config::Config;
use emulator::{Exit, Machine};
use isa::TimingClass;
use std::fmt::Write;

/// Own scratchpad and accumulator base addresses (docs/isa.md, "Memory map": spaces 1 and 2).
pub const SPAD: u64 = 0x100_0000_0000;
pub const ACC: u64 = 0x200_0000_0000;
/// Where the bytes that loads read sit, in both memories.
pub const DATA_OFFSET: u64 = 0x1000;
/// Where the program writes each row's result (8 bytes per row), in the scratchpad.
pub const RESULTS_OFFSET: u64 = 0x2000;
/// Where the 16-byte windows that stores write start, in both memories.
pub const WINDOWS_OFFSET: u64 = 0x8000;
/// What x5 holds before each row: no row expects it, so an instruction that writes nothing shows.
pub const SENTINEL: u64 = 0x5a5a_5a5a;

/// The bytes loads read (offsets 0..32 from `DATA_OFFSET`), chosen so that every width sees its
/// sign bit both set and clear.
pub const DATA: [u8; 32] = [
    0x80, 0x7f, 0xff, 0x00, 0x01, 0x80, 0xfe, 0x7f, // 0..8
    0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, // 8..16: 0x0123456789abcdef
    0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, // 16..24: 0xfedcba9876543210
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // 24..32: all ones
];

pub const MIN: u64 = 0x8000_0000_0000_0000;
pub const MAX: u64 = 0x7fff_ffff_ffff_ffff;
pub const M1: u64 = 0xffff_ffff_ffff_ffff;

/// `-v` as a register value.
pub const fn neg(v: u64) -> u64 {
    v.wrapping_neg()
}

/// The memory a load or store reaches.
#[derive(Clone, Copy, Debug)]
pub enum Mem {
    Spad,
    Acc,
}

impl Mem {
    pub const fn base(self) -> u64 {
        match self {
            Mem::Spad => SPAD,
            Mem::Acc => ACC,
        }
    }

    /// The register holding this memory's `DATA_OFFSET` address in the generated program.
    const fn data_reg(self) -> &'static str {
        match self {
            Mem::Spad => "x30",
            Mem::Acc => "x29",
        }
    }
}

/// How a row's operands reach the instruction; its result always ends up in x5.
#[derive(Clone, Copy, Debug)]
pub enum Form {
    /// `op x5, x6, x7` with x6 = a, x7 = b.
    Rr(u64, u64),
    /// `op x5, x6, imm` with x6 = a (an immediate or a shift amount).
    Ri(u64, i64),
    /// `op x5, imm`.
    U(i64),
    /// `op x5, imm(x6)` with x6 = the data's address + `base`.
    Load { mem: Mem, base: i64, imm: i64 },
    /// `op x6, x7, target` with x6 = a, x7 = b: x5 = 2 when taken, 1 when not; `back` branches
    /// to an earlier instruction.
    Branch { a: u64, b: u64, back: bool },
    /// Assembly of its own that leaves the result in x5.
    Asm(&'static str),
}

/// One test vector: the instruction, its operands and the value the manual gives.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    pub op: &'static str,
    pub form: Form,
    pub expect: u64,
}

pub const fn rr(op: &'static str, a: u64, b: u64, expect: u64) -> Row {
    Row {
        op,
        form: Form::Rr(a, b),
        expect,
    }
}

pub const fn ri(op: &'static str, a: u64, imm: i64, expect: u64) -> Row {
    Row {
        op,
        form: Form::Ri(a, imm),
        expect,
    }
}

pub const fn upper(op: &'static str, imm: i64, expect: u64) -> Row {
    Row {
        op,
        form: Form::U(imm),
        expect,
    }
}

pub const fn load(op: &'static str, mem: Mem, base: i64, imm: i64, expect: u64) -> Row {
    Row {
        op,
        form: Form::Load { mem, base, imm },
        expect,
    }
}

/// A forward branch; `taken` is what the manual's condition gives.
pub const fn branch(op: &'static str, a: u64, b: u64, taken: bool) -> Row {
    Row {
        op,
        form: Form::Branch { a, b, back: false },
        expect: if taken { 2 } else { 1 },
    }
}

/// A branch to an earlier instruction.
pub const fn branch_back(op: &'static str, a: u64, b: u64, taken: bool) -> Row {
    Row {
        op,
        form: Form::Branch { a, b, back: true },
        expect: if taken { 2 } else { 1 },
    }
}

pub const fn asm(op: &'static str, text: &'static str, expect: u64) -> Row {
    Row {
        op,
        form: Form::Asm(text),
        expect,
    }
}

impl Row {
    /// How a failure names the row.
    fn describe(&self, index: usize) -> String {
        let operands = match self.form {
            Form::Rr(a, b) => format!("{a:#x}, {b:#x}"),
            Form::Ri(a, imm) => format!("{a:#x}, imm {imm}"),
            Form::U(imm) => format!("imm {imm}"),
            Form::Load { mem, base, imm } => format!("{mem:?} data + {base} + {imm}"),
            Form::Branch { a, b, back } => {
                format!("{a:#x}, {b:#x}{}", if back { ", backward" } else { "" })
            }
            Form::Asm(text) => format!("`{}`", text.replace('\n', "; ")),
        };
        format!("row {index}: {} {operands}", self.op)
    }

    /// The row's code: operands, the instruction, then x5 stored to result slot `index`.
    fn emit(&self, index: usize, out: &mut String) {
        let op = self.op;
        let s = SENTINEL;
        match self.form {
            Form::Rr(a, b) => writeln!(
                out,
                "li x6, {}\nli x7, {}\nli x5, {s}\n{op} x5, x6, x7",
                a as i64, b as i64
            ),
            Form::Ri(a, imm) => {
                writeln!(out, "li x6, {}\nli x5, {s}\n{op} x5, x6, {imm}", a as i64)
            }
            Form::U(imm) => writeln!(out, "li x5, {s}\n{op} x5, {imm}"),
            Form::Load { mem, base, imm } => writeln!(
                out,
                "addi x6, {}, {base}\nli x5, {s}\n{op} x5, {imm}(x6)",
                mem.data_reg()
            ),
            // Taken lands on `addi x5, x5, 2` exactly: one instruction early gives 102, one late
            // gives 0.
            Form::Branch { a, b, back: false } => writeln!(
                out,
                "li x6, {}\nli x7, {}\nli x5, 0\n{op} x6, x7, 1f\naddi x5, x5, 1\nj 2f\n\
                 addi x5, x5, 100\n1: addi x5, x5, 2\n2:",
                a as i64, b as i64
            ),
            Form::Branch { a, b, back: true } => writeln!(
                out,
                "li x6, {}\nli x7, {}\nli x5, 0\nj 3f\naddi x5, x5, 100\n1: addi x5, x5, 2\nj 2f\n\
                 3: {op} x6, x7, 1b\naddi x5, x5, 1\n2:",
                a as i64, b as i64
            ),
            Form::Asm(text) => writeln!(out, "li x5, {s}\n{text}"),
        }
        .unwrap();
        writeln!(out, "sd x5, {}(x31)", 8 * index).unwrap();
    }
}

/// One program for all of `rows`: x31 points at the results, x30 and x29 at the data in the
/// scratchpad and the accumulator, x28 at the scratchpad's store windows.
pub fn program(rows: &[Row], tail: &str) -> String {
    let mut src = String::from("        .text\n        .global _start\n_start:\n");
    writeln!(src, "li x31, {:#x}", SPAD + RESULTS_OFFSET).unwrap();
    writeln!(src, "li x30, {:#x}", SPAD + DATA_OFFSET).unwrap();
    writeln!(src, "li x29, {:#x}", ACC + DATA_OFFSET).unwrap();
    writeln!(src, "li x28, {:#x}", SPAD + WINDOWS_OFFSET).unwrap();
    for (i, row) in rows.iter().enumerate() {
        row.emit(i, &mut src);
    }
    src.push_str(tail);
    src.push_str("halt\n");
    src
}

/// Machines running `src` with `DATA` in both memories, one by the cycle-accurate run loop and
/// one by the reference interpreter, each run to its end (which must be a halt) and named.
pub fn run_both(
    src: &str,
    config: &Config,
    prepare: impl Fn(&mut Machine),
) -> [(&'static str, Machine); 2] {
    let fresh = || {
        let mut m = machine(src, config);
        m.write(SPAD + DATA_OFFSET, &DATA).unwrap();
        m.write(ACC + DATA_OFFSET, &DATA).unwrap();
        prepare(&mut m);
        m
    };
    let mut timed = fresh();
    let exit = timed.run(Some(10_000_000)).exit;
    assert_eq!(exit, Exit::Halted, "cycle-accurate run: {exit}");
    let mut reference = fresh();
    let exit = reference.run_reference(10_000_000);
    assert_eq!(exit, Exit::Halted, "reference interpreter: {exit}");
    [
        ("cycle-accurate run", timed),
        ("reference interpreter", reference),
    ]
}

/// The little-endian u64s at `addr` of tile `tile` (chip 0).
pub fn words(m: &Machine, tile: u32, addr: u64, n: usize) -> Vec<u64> {
    let bytes = m.read_as(0, tile, addr, 8 * n as u64).unwrap();
    bytes
        .chunks(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Runs every row of `rows` in one program on a one-tile ZW-1, both by the cycle-accurate loop
/// and by the reference interpreter, and names each row whose result differs from the table.
pub fn check(rows: &[Row]) {
    let mut failures = Vec::new();
    for (how, m) in run_both(&program(rows, ""), &zw1(1), |_| {}) {
        let got = words(&m, 0, SPAD + RESULTS_OFFSET, rows.len());
        for (i, (row, got)) in rows.iter().zip(got).enumerate() {
            if row.expect != got {
                failures.push(format!(
                    "{how}, {}: got {got:#x}, expected {:#x}",
                    row.describe(i),
                    row.expect
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors differ from the manual:\n{}",
        failures.len(),
        2 * rows.len(),
        failures.join("\n")
    );
}

/// Every mnemonic the vectors of this file exercise.
fn covered() -> Vec<&'static str> {
    let mut ops: Vec<&'static str> = [
        arith::ALU,
        arith::IMMEDIATE,
        arith::SHIFTS,
        arith::MULDIV,
        arith::X0_AND_ALIASING,
        memory::LOADS,
        control::BRANCHES,
        control::JUMPS,
        control::SEMAPHORES,
    ]
    .iter()
    .flat_map(|t| t.iter().map(|r| r.op))
    .collect();
    ops.extend(memory::STORES.iter().map(|r| r.op));
    ops.extend(control::SYSTEM);
    ops.push("csrr");
    ops
}

#[test]
fn every_instruction_of_the_control_core_has_vectors() {
    let ops = covered();
    let engine = [TimingClass::Dma, TimingClass::Matrix, TimingClass::Vector];
    // Engine configuration: timed as ALU instructions, its effect checked by the engines' tests.
    let configuration = ["dma.dim", "dma.cfg", "mx.cfg", "mx.post", "vstride"];
    for m in configuration {
        let spec = isa::INSTRUCTIONS.iter().find(|s| s.mnemonic == m);
        assert!(
            spec.is_some_and(|s| s.local && s.class == TimingClass::Alu),
            "{m}"
        );
    }
    let missing: Vec<&str> = isa::INSTRUCTIONS
        .iter()
        .filter(|spec| !engine.contains(&spec.class) && !configuration.contains(&spec.mnemonic))
        .map(|spec| spec.mnemonic)
        .filter(|m| !ops.contains(m))
        .collect();
    assert!(
        missing.is_empty(),
        "instructions without vectors: {missing:?}"
    );
    // A row names the instruction it tests, so its mnemonic must be one of the ISA's.
    for op in &ops {
        assert!(
            isa::INSTRUCTIONS.iter().any(|s| s.mnemonic == *op),
            "`{op}` is not an instruction"
        );
    }
}

#[test]
fn a_free_form_row_uses_the_instruction_it_is_named_after() {
    let tables = [arith::X0_AND_ALIASING, control::JUMPS, control::SEMAPHORES];
    for row in tables.iter().flat_map(|t| t.iter()) {
        if let Form::Asm(text) = row.form {
            let uses = text.lines().any(|l| {
                l.trim_start_matches(|c: char| c.is_ascii_digit() || c == ':' || c == ' ')
                    .split(' ')
                    .next()
                    == Some(row.op)
            });
            assert!(uses, "`{}` does not use {}", text, row.op);
        }
    }
}

//! Loads of every width from the scratchpad and the accumulator (sign and zero extension), and
//! stores of every width, which write only their own bytes.

use crate::common::zw1;
use crate::{M1, Mem, Row, WINDOWS_OFFSET, check, load, run_both};
use std::fmt::Write;

const S: Mem = Mem::Spad;
const A: Mem = Mem::Acc;

/// Loads from `DATA` (see the crate root for its bytes); base + imm is the byte offset.
pub const LOADS: &[Row] = &[
    load("lb", S, 0, 0, 0xffff_ffff_ffff_ff80), // 0x80
    load("lbu", S, 0, 0, 0x80),
    load("lb", S, 0, 1, 0x7f),
    load("lbu", S, 0, 1, 0x7f),
    load("lb", S, 0, 2, M1), // 0xff
    load("lbu", S, 0, 2, 0xff),
    load("lb", S, 0, 3, 0),
    load("lbu", S, 0, 3, 0),
    load("lb", S, 16, -1, 0x01), // byte 15
    load("lb", S, 8, 0, 0xffff_ffff_ffff_ffef),
    load("lbu", S, 8, 0, 0xef),
    load("lb", S, 24, -1, 0xffff_ffff_ffff_fffe), // byte 23 = 0xfe
    load("lbu", S, 24, -1, 0xfe),
    load("lh", S, 0, 0, 0x7f80), // 80 7f
    load("lhu", S, 0, 0, 0x7f80),
    load("lh", S, 0, 2, 0x00ff),                // ff 00
    load("lh", S, 0, 4, 0xffff_ffff_ffff_8001), // 01 80
    load("lhu", S, 0, 4, 0x8001),
    load("lh", S, 0, 6, 0x7ffe), // fe 7f
    load("lh", S, 8, 0, 0xffff_ffff_ffff_cdef),
    load("lhu", S, 8, 0, 0xcdef),
    load("lh", S, 16, -2, 0x0123), // bytes 14, 15: 23 01
    load("lh", S, 24, 6, M1),
    load("lhu", S, 24, 6, 0xffff),
    load("lw", S, 0, 0, 0x00ff_7f80), // 80 7f ff 00
    load("lwu", S, 0, 0, 0x00ff_7f80),
    load("lw", S, 0, 4, 0x7ffe_8001), // 01 80 fe 7f
    load("lw", S, 8, 0, 0xffff_ffff_89ab_cdef),
    load("lwu", S, 8, 0, 0x89ab_cdef),
    load("lw", S, 8, 4, 0x0123_4567),
    load("lwu", S, 8, 4, 0x0123_4567),
    load("lw", S, 16, 0, 0x7654_3210),
    load("lw", S, 16, 4, 0xffff_ffff_fedc_ba98),
    load("lwu", S, 16, 4, 0xfedc_ba98),
    load("lw", S, 24, 4, M1),
    load("lwu", S, 24, 4, 0xffff_ffff),
    load("ld", S, 0, 0, 0x7ffe_8001_00ff_7f80),
    load("ld", S, 8, 0, 0x0123_4567_89ab_cdef),
    load("ld", S, 16, 0, 0xfedc_ba98_7654_3210),
    load("ld", S, 24, -8, 0xfedc_ba98_7654_3210),
    load("ld", S, 0, 24, M1),
    load("ld", S, 32, -32, 0x7ffe_8001_00ff_7f80),
    // The control core also loads from its accumulator (docs/isa.md, "Memory map").
    load("lb", A, 0, 0, 0xffff_ffff_ffff_ff80),
    load("lbu", A, 0, 0, 0x80),
    load("lb", A, 0, 1, 0x7f),
    load("lh", A, 0, 4, 0xffff_ffff_ffff_8001),
    load("lhu", A, 0, 4, 0x8001),
    load("lh", A, 0, 6, 0x7ffe),
    load("lw", A, 8, 0, 0xffff_ffff_89ab_cdef),
    load("lwu", A, 8, 0, 0x89ab_cdef),
    load("lw", A, 8, 4, 0x0123_4567),
    load("ld", A, 16, 0, 0xfedc_ba98_7654_3210),
    load("ld", A, 32, -24, 0x0123_4567_89ab_cdef),
];

/// A store of `value` at byte `offset` of a 16-byte window that held a0 a1 .. af; `expect` is
/// the window afterwards, lowest address first.
#[derive(Clone, Copy, Debug)]
pub struct StoreRow {
    pub op: &'static str,
    pub mem: Mem,
    pub value: u64,
    pub offset: i64,
    pub expect: &'static str,
}

const fn store(
    op: &'static str,
    mem: Mem,
    value: u64,
    offset: i64,
    expect: &'static str,
) -> StoreRow {
    StoreRow {
        op,
        mem,
        value,
        offset,
        expect,
    }
}

const V: u64 = 0x1122_3344_5566_7788;

pub const STORES: &[StoreRow] = &[
    store(
        "sb",
        S,
        V,
        0,
        "88 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad ae af",
    ),
    store(
        "sb",
        S,
        V,
        7,
        "a0 a1 a2 a3 a4 a5 a6 88 a8 a9 aa ab ac ad ae af",
    ),
    store(
        "sb",
        S,
        V,
        8,
        "a0 a1 a2 a3 a4 a5 a6 a7 88 a9 aa ab ac ad ae af",
    ),
    store(
        "sb",
        S,
        V,
        15,
        "a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad ae 88",
    ),
    store(
        "sb",
        S,
        M1,
        5,
        "a0 a1 a2 a3 a4 ff a6 a7 a8 a9 aa ab ac ad ae af",
    ),
    store(
        "sb",
        S,
        0,
        9,
        "a0 a1 a2 a3 a4 a5 a6 a7 a8 00 aa ab ac ad ae af",
    ),
    store(
        "sh",
        S,
        V,
        0,
        "88 77 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad ae af",
    ),
    store(
        "sh",
        S,
        V,
        6,
        "a0 a1 a2 a3 a4 a5 88 77 a8 a9 aa ab ac ad ae af",
    ),
    store(
        "sh",
        S,
        V,
        14,
        "a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad 88 77",
    ),
    store(
        "sh",
        S,
        0xffff_ffff_ffff_8000,
        8,
        "a0 a1 a2 a3 a4 a5 a6 a7 00 80 aa ab ac ad ae af",
    ),
    store(
        "sw",
        S,
        V,
        0,
        "88 77 66 55 a4 a5 a6 a7 a8 a9 aa ab ac ad ae af",
    ),
    store(
        "sw",
        S,
        V,
        4,
        "a0 a1 a2 a3 88 77 66 55 a8 a9 aa ab ac ad ae af",
    ),
    store(
        "sw",
        S,
        V,
        12,
        "a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab 88 77 66 55",
    ),
    store(
        "sw",
        S,
        0xffff_ffff_8000_0000,
        8,
        "a0 a1 a2 a3 a4 a5 a6 a7 00 00 00 80 ac ad ae af",
    ),
    store(
        "sd",
        S,
        V,
        0,
        "88 77 66 55 44 33 22 11 a8 a9 aa ab ac ad ae af",
    ),
    store(
        "sd",
        S,
        V,
        8,
        "a0 a1 a2 a3 a4 a5 a6 a7 88 77 66 55 44 33 22 11",
    ),
    store(
        "sd",
        S,
        M1,
        8,
        "a0 a1 a2 a3 a4 a5 a6 a7 ff ff ff ff ff ff ff ff",
    ),
    store(
        "sd",
        S,
        0,
        0,
        "00 00 00 00 00 00 00 00 a8 a9 aa ab ac ad ae af",
    ),
    store(
        "sb",
        A,
        V,
        3,
        "a0 a1 a2 88 a4 a5 a6 a7 a8 a9 aa ab ac ad ae af",
    ),
    store(
        "sh",
        A,
        V,
        10,
        "a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 88 77 ac ad ae af",
    ),
    store(
        "sw",
        A,
        V,
        4,
        "a0 a1 a2 a3 88 77 66 55 a8 a9 aa ab ac ad ae af",
    ),
    store(
        "sd",
        A,
        V,
        8,
        "a0 a1 a2 a3 a4 a5 a6 a7 88 77 66 55 44 33 22 11",
    ),
];

/// The bytes a window holds before its store.
const PATTERN: [u8; 16] = [
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
];

fn window(mem: Mem, index: usize) -> u64 {
    mem.base() + WINDOWS_OFFSET + 16 * index as u64
}

fn bytes(text: &str) -> Vec<u8> {
    text.split(' ')
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

#[test]
fn loads_sign_or_zero_extend_every_width_from_the_scratchpad_and_the_accumulator() {
    check(LOADS);
}

#[test]
fn a_store_writes_only_the_bytes_of_its_width() {
    // Row i stores into window i of its memory, addressed from the window's middle so that the
    // immediate runs from -8 to 7.
    let mut tail = String::new();
    for (i, row) in STORES.iter().enumerate() {
        writeln!(
            tail,
            "li x6, {:#x}\nli x7, {}\n{} x7, {}(x6)",
            window(row.mem, i) + 8,
            row.value as i64,
            row.op,
            row.offset - 8
        )
        .unwrap();
    }
    let src = crate::program(&[], &tail);
    let machines = run_both(&src, &zw1(1), |m| {
        for (i, row) in STORES.iter().enumerate() {
            m.write(window(row.mem, i), &PATTERN).unwrap();
        }
    });
    let mut failures = Vec::new();
    for (how, m) in &machines {
        for (i, row) in STORES.iter().enumerate() {
            let got = m.read(window(row.mem, i), 16).unwrap();
            if got != bytes(row.expect) {
                failures.push(format!(
                    "{how}, row {i}: {} {:#x} at {:?} window + {}: got {:02x?}, expected {}",
                    row.op, row.value, row.mem, row.offset, got, row.expect
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

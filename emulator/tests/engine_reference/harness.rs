//! Runs a program body on one tile of a small ZW-1 with inputs placed by the host.

use emulator::config::Config;
use emulator::{Exit, Machine};
use isa::memory_map::SPAD_BASE;

use crate::common;
use crate::host::{Ty, pack, unpack};

/// Where the body finds its operands: x20 = `A`, x21 = `B`, x22 = `D`, x23 = `E` (scratchpad).
pub const A: u64 = SPAD_BASE;
pub const B: u64 = SPAD_BASE + 0x4_0000;
pub const D: u64 = SPAD_BASE + 0x8_0000;
pub const E: u64 = SPAD_BASE + 0x10_0000;

/// Runs `body` on tile 0 of `config` after writing each `(address, bytes)` of `inputs`; the
/// program fences and halts after `body`.
pub fn run_on(config: &Config, inputs: &[(u64, Vec<u8>)], body: &str) -> Machine {
    let src = format!(
        "
        .text
        .global _start
_start:
        li x20, {A:#x}
        li x21, {B:#x}
        li x22, {D:#x}
        li x23, {E:#x}
{body}
        fence
        halt
"
    );
    let mut m = common::machine(&src, config);
    for (addr, data) in inputs {
        m.write(*addr, data).unwrap();
    }
    let r = m.run(Some(100_000_000));
    assert_eq!(r.exit, Exit::Halted, "{body}");
    m
}

/// Runs `body` on one tile of ZW-1.
pub fn run(inputs: &[(u64, Vec<u8>)], body: &str) -> Machine {
    run_on(&common::zw1(1), inputs, body)
}

/// `n` elements of `ty` at `addr`.
pub fn read(m: &Machine, addr: u64, ty: Ty, n: usize) -> Vec<u32> {
    unpack(ty, &m.read(addr, (n * ty.size()) as u64).unwrap())
}

/// `bits` of `ty` as an input at `addr`.
pub fn input(addr: u64, ty: Ty, bits: &[u32]) -> (u64, Vec<u8>) {
    (addr, pack(ty, bits))
}

/// Asserts element-wise equality of bit patterns, naming the first differing index and what
/// `describe` says about it.
pub fn assert_bits(got: &[u32], want: &[u32], describe: impl Fn(usize) -> String) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(
            g,
            w,
            "element {i}: {}: got {g:#x}, want {w:#x}",
            describe(i)
        );
    }
}

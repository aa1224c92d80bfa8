//! One test per timing rule of docs/timing.md, named after its rule. Each expected cycle count is
//! computed from the named config values, written as the rule's formula. Every rule is checked
//! at 1 GHz and at 1.4 GHz: rules in cycles must not move with the clock, and latencies given in
//! ns become fractions of a cycle that round up. Most tests read the `cycle` CSR before and after
//! the code under test (`csrr` reads the cycle it issues in).

#[path = "../common/mod.rs"]
mod common;

mod control;
mod engines;
mod memory;
mod requests;
mod signals;

use common::{real, reg, run, with, zw1};
use emulator::config::Config;
use emulator::{Exit, Machine};
use isa::memory_map::{ChipSel, Location, Memory, TileSel};

/// The clocks every rule is checked at, in GHz: the preset's, and one at which a latency in ns
/// is rarely a whole number of cycles.
const CLOCKS_GHZ: [&str; 2] = ["1.0", "1.4"];

/// ZW-1 with `tiles` tiles in one row and `sets` applied, once at each clock of [`CLOCKS_GHZ`].
fn at_each_clock(tiles: u32, sets: &[(&str, &str)]) -> Vec<Config> {
    CLOCKS_GHZ
        .iter()
        .map(|ghz| {
            let mut all = vec![("chip.clock_ghz", *ghz)];
            all.extend_from_slice(sets);
            with(zw1(tiles), &all)
        })
        .collect()
}

/// [`at_each_clock`] with two chips of `tiles` tiles, every chip linked to every other.
fn two_chips_at_each_clock(tiles: u32, sets: &[(&str, &str)]) -> Vec<Config> {
    let mut all = vec![("topology.chips", "2"), ("topology.kind", "all-to-all")];
    all.extend_from_slice(sets);
    at_each_clock(tiles, &all)
}

/// The config value `key`, in ns, in whole cycles of the config's clock: `ceil(ns × GHz)`,
/// worked in integers (ns to the nearest picosecond, the clock to the nearest hertz) so that a
/// product such as 500 ns × 1.4 GHz is exactly 700.
fn ns_in_cycles(c: &Config, key: &str) -> u64 {
    let ps = (real(c, key) * 1e3).round() as u128;
    let hz = (real(c, "chip.clock_ghz") * 1e9).round() as u128;
    u64::try_from((ps * hz).div_ceil(1_000_000_000_000)).unwrap()
}

/// Runs `body` between two reads of the cycle counter (x4 before, x9 after) and returns tile 0's
/// difference. x20 and x21 point at two scratchpad buffers, x22 at one in HBM.
fn measure(config: &Config, prologue: &str, body: &str) -> u64 {
    let src = format!(
        "
        .bss
        .balign 64
buf:    .space 65536
buf2:   .space 65536
        .section .hbm.bss
        .balign 64
hbuf:   .space 65536
        .text
        .global _start
_start:
        la x20, buf
        la x21, buf2
        la x22, hbuf
{prologue}
        csrr x4, cycle
{body}
        csrr x9, cycle
        halt
"
    );
    let (m, r) = run(&src, config);
    assert_eq!(r.exit, Exit::Halted, "{src}");
    reg(&m, 0, 9) - reg(&m, 0, 4)
}

/// Register `r` of tile `tile` of chip `chip`.
fn x(m: &Machine, chip: u32, tile: u32, r: usize) -> u64 {
    m.tile(chip, tile).unwrap().core.x[r]
}

/// The global address of `offset` in `memory` of tile `tile` of chip `chip` (`None`: the
/// issuer's own).
fn address(chip: Option<u32>, tile: Option<u32>, memory: Memory, offset: u64) -> u64 {
    Location {
        chip: chip.map_or(ChipSel::Own, ChipSel::Id),
        tile: tile.map_or(TileSel::Own, TileSel::Id),
        memory,
        offset,
    }
    .encode()
    .unwrap()
}

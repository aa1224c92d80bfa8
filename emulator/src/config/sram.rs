//! `[scratchpad]` and `[accumulator]`: each tile's SRAMs: their keys, rows and timing.

use serde::{Deserialize, Serialize};

use super::resolve::{bytes_per_cycle, cycles};
use super::validate::{KeySpec, Step, int};
use super::{Config, ConfigError};
use crate::time::{Bandwidth, Cycle};

/// `[scratchpad]`: each tile's scratchpad.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScratchpadConfig {
    /// Capacity per tile, KiB.
    pub size_kib: u32,
    /// Independent banks.
    pub banks: u32,
    /// Bytes each bank reads or writes per cycle.
    pub bank_bytes_per_cycle: u32,
    /// Access latency, cycles.
    pub latency_cycles: u32,
}

/// `[accumulator]`: each tile's accumulator (fp32/int32 results of the matrix unit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccumulatorConfig {
    /// Capacity per tile, KiB.
    pub size_kib: u32,
    /// Bytes read or written per cycle.
    pub bytes_per_cycle: u32,
    /// Access latency, cycles.
    pub latency_cycles: u32,
}

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    int!("scratchpad.size_kib", "KiB", 1024, 32 * 1024, |c| c.scratchpad.size_kib,
        "ZW-1: 4 MiB per tile, 1–32 MiB; double-buffers large tiles"),
    int!("scratchpad.banks", "banks", 1, 64, Step::PowerOfTwo, |c| c.scratchpad.banks,
        "ZW-1: 16 banks"),
    int!("scratchpad.bank_bytes_per_cycle", "B/cycle", 4, 1024, Step::PowerOfTwo, |c| c.scratchpad.bank_bytes_per_cycle,
        "16 banks × 64 B = 1 KiB/cycle: systolic operands, DMA and vector unit together"),
    int!("scratchpad.latency_cycles", "cycles", 1, 64, |c| c.scratchpad.latency_cycles,
        "SRAM read plus bank crossbar"),
    // [accumulator]
    int!("accumulator.size_kib", "KiB", 128, 2048, |c| c.accumulator.size_kib,
        "ZW-1: 512 KiB fp32, 128 KiB–2 MiB (Ascend L0C, Trainium PSUM, Gemmini accumulator)"),
    int!("accumulator.bytes_per_cycle", "B/cycle", 16, 4096, |c| c.accumulator.bytes_per_cycle,
        "one 64-wide fp32 row per cycle out of the systolic array"),
    int!("accumulator.latency_cycles", "cycles", 1, 64, |c| c.accumulator.latency_cycles,
        "SRAM read-modify-write"),
];

/// A tile SRAM (scratchpad or accumulator).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SramTiming {
    /// Capacity, bytes.
    pub bytes: u64,
    /// Banks (1 for the accumulator).
    pub banks: u32,
    /// Capacity of one bank, bytes.
    pub bank_bytes: u64,
    /// Peak bandwidth of one bank.
    pub bank_bandwidth: Bandwidth,
    /// Access latency.
    pub latency: Cycle,
}

/// Converts `[scratchpad]`.
pub(super) fn resolve_scratchpad(c: &Config) -> Result<SramTiming, ConfigError> {
    let s = &c.scratchpad;
    let spad_bytes = u64::from(s.size_kib) * 1024;
    Ok(SramTiming {
        bytes: spad_bytes,
        banks: s.banks,
        bank_bytes: spad_bytes / u64::from(s.banks.max(1)),
        bank_bandwidth: bytes_per_cycle(s.bank_bytes_per_cycle, "scratchpad.bank_bytes_per_cycle")?,
        latency: cycles(s.latency_cycles),
    })
}

/// Converts `[accumulator]`.
pub(super) fn resolve_accumulator(c: &Config) -> Result<SramTiming, ConfigError> {
    let a = &c.accumulator;
    let acc_bytes = u64::from(a.size_kib) * 1024;
    Ok(SramTiming {
        bytes: acc_bytes,
        banks: 1,
        bank_bytes: acc_bytes,
        bank_bandwidth: bytes_per_cycle(a.bytes_per_cycle, "accumulator.bytes_per_cycle")?,
        latency: cycles(a.latency_cycles),
    })
}

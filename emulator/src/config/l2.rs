//! `[l2]`: the chip's shared L2: its keys, rows, check and timing.

use serde::{Deserialize, Serialize};

use super::resolve::{bytes_per_cycle, cycles};
use super::validate::{Allowed, KeySpec, inconsistent, int, model_except, other, unbuilt};
use super::{Config, ConfigError, Unmodelled};
use crate::time::{Bandwidth, Cycle};

/// Which L2 implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum L2Impl {
    /// Slices on the NoC rim, each with its own latency and port bandwidth.
    Sliced,
    /// Fixed latency, unlimited bandwidth.
    Ideal,
}

/// `[l2]`: the chip's shared on-chip memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L2Config {
    /// Implementation: `"sliced"` or `"ideal"`.
    #[serde(rename = "impl")]
    pub implementation: L2Impl,
    /// Capacity of the whole L2, KiB (0: no L2).
    pub size_kib: u32,
    /// Slices, each a NoC endpoint on the mesh rim.
    pub slices: u32,
    /// Bytes per cycle each slice reads or writes.
    pub slice_bytes_per_cycle: u32,
    /// Slice access latency (excluding the NoC), cycles.
    pub latency_cycles: u32,
    /// Latency of every access when `impl = "ideal"`, cycles.
    pub ideal_latency_cycles: u32,
    /// Bandwidth shared by every access when `impl = "ideal"`, bytes per cycle (0: unlimited).
    pub ideal_bytes_per_cycle: u32,
}

/// What reads the slice keys once it is built.
const SLICED: &str = "the sliced L2 model";

/// The `impl` values that are not modelled.
const IMPL_NOTE: &str = "\"sliced\" is not built: it runs as \"ideal\", with a warning";

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    model_except(other!("l2.impl", Allowed::Choice(&["sliced", "ideal"]),
        "design: an ideal implementation per unit kind"), IMPL_NOTE),
    int!("l2.size_kib", "KiB", 0, 128 * 1024, |c| c.l2.size_kib,
        "ZW-1: 32 MiB, 0–128 MiB (TPU v4 CMEM, Ascend L2)"),
    unbuilt(int!("l2.slices", "slices", 1, 64, |c| c.l2.slices,
        "ZW-1: 8 slices on the NoC; must divide l2.size_kib"), SLICED),
    unbuilt(int!("l2.slice_bytes_per_cycle", "B/cycle", 16, 1024, |c| c.l2.slice_bytes_per_cycle,
        "one NoC link per slice"), SLICED),
    unbuilt(int!("l2.latency_cycles", "cycles", 1, 1024, |c| c.l2.latency_cycles,
        "large SRAM array access, excluding the NoC"), SLICED),
    int!("l2.ideal_latency_cycles", "cycles", 1, 100_000, |c| c.l2.ideal_latency_cycles,
        "ideal implementation"),
    int!("l2.ideal_bytes_per_cycle", "B/cycle", 0, 1_000_000, |c| c.l2.ideal_bytes_per_cycle,
        "ideal implementation, shared by reads and writes; 0 = unlimited"),
];

/// The slices split the capacity evenly.
pub(super) fn check(c: &Config, out: &mut Vec<ConfigError>) {
    if c.l2.slices > 0 && !c.l2.size_kib.is_multiple_of(c.l2.slices) {
        inconsistent(
            out,
            "l2.slices",
            c.l2.slices,
            format!("must divide l2.size_kib = {}", c.l2.size_kib),
        );
    }
}

/// The shared L2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L2Timing {
    /// Capacity, bytes (0: no L2).
    pub bytes: u64,
    /// Slices.
    pub slices: u32,
    /// Capacity of one slice, bytes.
    pub slice_bytes: u64,
    /// Peak bandwidth of one slice.
    pub slice_bandwidth: Bandwidth,
    /// Slice access latency.
    pub latency: Cycle,
    /// Every access when `l2.impl = "ideal"`.
    pub ideal_latency: Cycle,
    /// Shared by every access when `l2.impl = "ideal"` (None: unlimited).
    pub ideal_bandwidth: Option<Bandwidth>,
}

/// Converts this table's values.
pub(super) fn resolve(c: &Config) -> Result<L2Timing, ConfigError> {
    let l = &c.l2;
    let l2_bytes = u64::from(l.size_kib) * 1024;
    Ok(L2Timing {
        bytes: l2_bytes,
        slices: l.slices,
        slice_bytes: l2_bytes / u64::from(l.slices.max(1)),
        slice_bandwidth: bytes_per_cycle(l.slice_bytes_per_cycle, "l2.slice_bytes_per_cycle")?,
        latency: cycles(l.latency_cycles),
        ideal_latency: cycles(l.ideal_latency_cycles),
        ideal_bandwidth: Bandwidth::per_cycle(u64::from(l.ideal_bytes_per_cycle)),
    })
}

impl L2Config {
    /// `impl`, if it names a model not built yet.
    pub(super) fn unmodelled(&self) -> Option<Unmodelled> {
        let value = match self.implementation {
            L2Impl::Sliced => "sliced",
            L2Impl::Ideal => return None,
        };
        Some(Unmodelled {
            key: "l2.impl",
            value,
            substitute: "ideal",
            runs_instead: "the ideal L2",
            keys: &["l2.ideal_latency_cycles", "l2.ideal_bytes_per_cycle"],
        })
    }
}

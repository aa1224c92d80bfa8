//! `[dma]`: each tile's DMA engines: their keys, rows and timing.

use serde::{Deserialize, Serialize};

use super::resolve::{bytes_per_cycle, cycles};
use super::validate::{Allowed, KeySpec, int, other};
use super::{Config, ConfigError};
use crate::time::{Bandwidth, Cycle};

/// Which DMA engine implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DmaImpl {
    /// Descriptor-driven engines moving `bytes_per_cycle` through the NoC.
    Engine,
    /// Every transfer completes after `ideal_latency_cycles`.
    Ideal,
}

/// `[dma]`: each tile's two DMA engines (one moving data in, one out; fixed by the ISA).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DmaConfig {
    /// Implementation: `"engine"` or `"ideal"`.
    #[serde(rename = "impl")]
    pub implementation: DmaImpl,
    /// Descriptors each engine's queue holds; a full queue stalls issue.
    pub queue_depth: u32,
    /// Peak bytes each engine moves per cycle.
    pub bytes_per_cycle: u32,
    /// Cycles from dequeuing a descriptor to the first request.
    pub setup_latency_cycles: u32,
    /// Bytes one request moves (the engine walks a transfer into requests of this size).
    pub request_bytes: u32,
    /// Requests one engine keeps in flight at most.
    pub max_outstanding: u32,
    /// Latency of every transfer when `impl = "ideal"`, cycles.
    pub ideal_latency_cycles: u32,
}

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    other!("dma.impl", Allowed::Choice(&["engine", "ideal"]),
        "design: an ideal implementation per unit kind"),
    int!("dma.queue_depth", "descriptors", 1, 256, |c| c.dma.queue_depth,
        "ZW-1: per-tile in/out engines (Ascend MTE, Gemmini mvin); a full queue stalls issue"),
    int!("dma.bytes_per_cycle", "B/cycle", 8, 1024, |c| c.dma.bytes_per_cycle,
        "one NoC link (noc.link_bytes_per_cycle)"),
    int!("dma.setup_latency_cycles", "cycles", 0, 1000, |c| c.dma.setup_latency_cycles,
        "descriptor decode and address generation"),
    int!("dma.request_bytes", "B", 16, 4096, |c| c.dma.request_bytes,
        "design: two NoC flits (noc.link_bytes_per_cycle)"),
    int!("dma.max_outstanding", "requests", 1, 4096, |c| c.dma.max_outstanding,
        "design: covers a cross-chip round trip (about 600 cycles) at dma.bytes_per_cycle for 64 KiB"),
    int!("dma.ideal_latency_cycles", "cycles", 1, 100_000, |c| c.dma.ideal_latency_cycles,
        "ideal implementation"),
];

/// One DMA engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmaTiming {
    /// Peak bandwidth.
    pub bandwidth: Bandwidth,
    /// Descriptor setup.
    pub setup: Cycle,
    /// Descriptors per queue.
    pub queue_depth: usize,
    /// Every transfer when `dma.impl = "ideal"`.
    pub ideal_latency: Cycle,
    /// Bytes per request.
    pub request_bytes: u64,
    /// Requests in flight at most.
    pub max_outstanding: usize,
}

/// Converts this table's values.
pub(super) fn resolve(c: &Config) -> Result<DmaTiming, ConfigError> {
    let d = &c.dma;
    Ok(DmaTiming {
        bandwidth: bytes_per_cycle(d.bytes_per_cycle, "dma.bytes_per_cycle")?,
        setup: cycles(d.setup_latency_cycles),
        queue_depth: d.queue_depth as usize,
        ideal_latency: cycles(d.ideal_latency_cycles),
        request_bytes: u64::from(d.request_bytes),
        max_outstanding: d.max_outstanding as usize,
    })
}

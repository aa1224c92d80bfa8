//! `[core]`: the scalar control core: its keys, their rows and its latencies in cycles.

use serde::{Deserialize, Serialize};

use super::resolve::cycles;
use super::validate::{Allowed, KeySpec, int, other};
use super::{Config, ConfigError};
use crate::time::Cycle;

/// Which scalar core model runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoreImpl {
    /// In-order issue with the per-class latencies below.
    InOrder,
    /// Every instruction takes `ideal_latency_cycles`.
    Ideal,
}

/// `[core]`: the scalar control core (in-order RISC, 32 general registers fixed by the ISA).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoreConfig {
    /// Implementation: `"in-order"` or `"ideal"`.
    #[serde(rename = "impl")]
    pub implementation: CoreImpl,
    /// Integer add, logic, shift, compare: cycles from issue to result.
    pub alu_latency_cycles: u32,
    /// Integer multiply, cycles.
    pub mul_latency_cycles: u32,
    /// Integer divide and remainder, cycles.
    pub div_latency_cycles: u32,
    /// Scalar load from the tile's scratchpad into a register, cycles.
    pub load_latency_cycles: u32,
    /// Scalar store, cycles until the core may issue again.
    pub store_latency_cycles: u32,
    /// Extra cycles lost on a taken branch or jump.
    pub branch_penalty_cycles: u32,
    /// Control/status register read or write (tile id, cycle counter...), cycles.
    pub csr_latency_cycles: u32,
    /// Entries in each matrix and vector engine command queue; a full queue stalls issue.
    pub engine_queue_depth: u32,
    /// Instruction memory per tile, KiB.
    pub imem_size_kib: u32,
    /// Latency of every instruction when `impl = "ideal"`, cycles.
    pub ideal_latency_cycles: u32,
}

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    other!("core.impl", Allowed::Choice(&["in-order", "ideal"]),
        "design: an ideal implementation per unit kind"),
    int!("core.alu_latency_cycles", "cycles", 1, 64, |c| c.core.alu_latency_cycles,
        "ZW-1: in-order RISC control core (Ascend scalar unit, Tensix RISC-V); single-cycle ALU"),
    int!("core.mul_latency_cycles", "cycles", 1, 64, |c| c.core.mul_latency_cycles,
        "pipelined multiplier of a small in-order core"),
    int!("core.div_latency_cycles", "cycles", 1, 256, |c| c.core.div_latency_cycles,
        "iterative divider, about one cycle per quotient bit pair"),
    int!("core.load_latency_cycles", "cycles", 1, 64, |c| c.core.load_latency_cycles,
        "scratchpad access (scratchpad.latency_cycles) plus writeback"),
    int!("core.store_latency_cycles", "cycles", 1, 64, |c| c.core.store_latency_cycles,
        "stores are posted"),
    int!("core.branch_penalty_cycles", "cycles", 0, 64, |c| c.core.branch_penalty_cycles,
        "short in-order pipeline, no predictor"),
    int!("core.csr_latency_cycles", "cycles", 1, 64, |c| c.core.csr_latency_cycles,
        "design: control registers give tile id, chip id, cycle counter"),
    int!("core.engine_queue_depth", "entries", 1, 256, |c| c.core.engine_queue_depth,
        "design: decoupled engines with in-order queues; a full queue stalls issue"),
    int!("core.imem_size_kib", "KiB", 4, 1024, |c| c.core.imem_size_kib,
        "design: per-tile instruction memory; tile-level instructions keep programs small"),
    int!("core.ideal_latency_cycles", "cycles", 1, 1024, |c| c.core.ideal_latency_cycles,
        "ideal implementation"),
];

/// The control core's latencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoreTiming {
    /// Integer ALU.
    pub alu: Cycle,
    /// Integer multiply.
    pub mul: Cycle,
    /// Integer divide.
    pub div: Cycle,
    /// Scalar load.
    pub load: Cycle,
    /// Scalar store.
    pub store: Cycle,
    /// Taken-branch penalty.
    pub branch_penalty: Cycle,
    /// Control register access.
    pub csr: Cycle,
    /// Every instruction when `core.impl = "ideal"`.
    pub ideal: Cycle,
    /// Entries per matrix and vector engine queue.
    pub engine_queue_depth: usize,
    /// Instruction memory per tile, bytes.
    pub imem_bytes: u64,
}

/// Converts this table's values.
pub(super) fn resolve(c: &Config) -> Result<CoreTiming, ConfigError> {
    let k = &c.core;
    Ok(CoreTiming {
        alu: cycles(k.alu_latency_cycles),
        mul: cycles(k.mul_latency_cycles),
        div: cycles(k.div_latency_cycles),
        load: cycles(k.load_latency_cycles),
        store: cycles(k.store_latency_cycles),
        branch_penalty: cycles(k.branch_penalty_cycles),
        csr: cycles(k.csr_latency_cycles),
        ideal: cycles(k.ideal_latency_cycles),
        engine_queue_depth: k.engine_queue_depth as usize,
        imem_bytes: u64::from(k.imem_size_kib) * 1024,
    })
}

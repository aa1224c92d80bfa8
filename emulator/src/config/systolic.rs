//! `[systolic]`: the matrix unit: its keys and their rows.

use isa::DType;
use serde::{Deserialize, Serialize};

use super::Config;
use super::validate::{Allowed, KeySpec, int, other};
use crate::systolic::ArrayConfig;

/// Which matrix unit implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SystolicImpl {
    /// A systolic array of `rows` × `cols` processing elements.
    Systolic,
    /// Exact results after `ideal_latency_cycles`, whatever the shape.
    Ideal,
}

// The config names the systolic models' own types, so a value read from a file is the one the
// array runs with.
pub use crate::systolic::{Dataflow, Model as SystolicModel};

/// `[systolic]`: the matrix unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystolicConfig {
    /// Implementation: `"systolic"` or `"ideal"`.
    #[serde(rename = "impl")]
    pub implementation: SystolicImpl,
    /// Simulation model: `"fast"` or `"register"`.
    pub model: SystolicModel,
    /// Processing-element rows.
    pub rows: u32,
    /// Processing-element columns.
    pub cols: u32,
    /// Default dataflow: `"ws"`, `"os"` or `"is"`.
    pub dataflow: Dataflow,
    /// Overlap loading the next stationary operand with the current computation (double buffer).
    pub overlap: bool,
    /// bf16 multiply-accumulates per processing element per cycle.
    pub bf16_macs_per_pe_cycle: u32,
    /// fp16 multiply-accumulates per processing element per cycle.
    pub fp16_macs_per_pe_cycle: u32,
    /// fp8 (E4M3 and E5M2) multiply-accumulates per processing element per cycle.
    pub fp8_macs_per_pe_cycle: u32,
    /// int8 multiply-accumulates per processing element per cycle.
    pub int8_macs_per_pe_cycle: u32,
    /// Latency of every matrix operation when `impl = "ideal"`, cycles.
    pub ideal_latency_cycles: u32,
}

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    other!("systolic.impl", Allowed::Choice(&["systolic", "ideal"]),
        "design: an ideal implementation per unit kind"),
    other!("systolic.model", Allowed::Choice(&["fast", "register"]),
        "design: two fidelities proven equal in results and cycles"),
    int!("systolic.rows", "PEs", 8, 256, |c| c.systolic.rows,
        "ZW-1: 64x64 per tile, 8x8 … 256x256 (TPU v4 128x128 MXU, Gemmini)"),
    int!("systolic.cols", "PEs", 8, 256, |c| c.systolic.cols,
        "ZW-1: as systolic.rows"),
    other!("systolic.dataflow", Allowed::Choice(&["ws", "os", "is"]),
        "ZW-1: weight-stationary default, output- and input-stationary selectable (Gemmini)"),
    other!("systolic.overlap", Allowed::Bool,
        "double-buffered stationary operand: the next one loads while the current one computes"),
    int!("systolic.bf16_macs_per_pe_cycle", "MAC/PE/cycle", 1, ArrayConfig::MAX_MACS_PER_PE_CYCLE as u64, |c| c.systolic.bf16_macs_per_pe_cycle,
        "ZW-1: 16 × 4096 MAC × 2 × 1 GHz = 131 TFLOPS bf16"),
    int!("systolic.fp16_macs_per_pe_cycle", "MAC/PE/cycle", 1, ArrayConfig::MAX_MACS_PER_PE_CYCLE as u64, |c| c.systolic.fp16_macs_per_pe_cycle,
        "ZW-1: bf16/fp16 in, fp32 accumulate"),
    int!("systolic.fp8_macs_per_pe_cycle", "MAC/PE/cycle", 1, ArrayConfig::MAX_MACS_PER_PE_CYCLE as u64, |c| c.systolic.fp8_macs_per_pe_cycle,
        "ZW-1: fp8 (E4M3/E5M2) at 2x rate"),
    int!("systolic.int8_macs_per_pe_cycle", "MAC/PE/cycle", 1, ArrayConfig::MAX_MACS_PER_PE_CYCLE as u64, |c| c.systolic.int8_macs_per_pe_cycle,
        "ZW-1: int8 at 2x rate"),
    int!("systolic.ideal_latency_cycles", "cycles", 1, 1_000_000, |c| c.systolic.ideal_latency_cycles,
        "ideal implementation"),
];

impl Config {
    /// Multiply-accumulates per processing element per cycle for input type `dtype`, or `None`
    /// if the matrix unit does not take that type as input.
    pub fn macs_per_pe_cycle(&self, dtype: DType) -> Option<u32> {
        let s = &self.systolic;
        match dtype {
            DType::Bf16 => Some(s.bf16_macs_per_pe_cycle),
            DType::Fp16 => Some(s.fp16_macs_per_pe_cycle),
            DType::E4M3 | DType::E5M2 => Some(s.fp8_macs_per_pe_cycle),
            DType::I8 | DType::U8 => Some(s.int8_macs_per_pe_cycle),
            DType::I32 | DType::Fp32 => None,
        }
    }
}

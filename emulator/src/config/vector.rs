//! `[vector]`: the vector unit: its keys, their rows and its shape and latencies in cycles.

use isa::DType;
use serde::{Deserialize, Serialize};

use super::resolve::cycles;
use super::validate::{Allowed, KeySpec, Step, int, other};
use super::{Config, ConfigError};
use crate::time::Cycle;

/// Which vector unit implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VectorImpl {
    /// A pipelined SIMD unit with the per-operation latencies below.
    Simd,
    /// Every operation takes `ideal_latency_cycles`.
    Ideal,
}

/// `[vector]`: the vector unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorConfig {
    /// Implementation: `"simd"` or `"ideal"`.
    #[serde(rename = "impl")]
    pub implementation: VectorImpl,
    /// Width of one vector, bits (2048 = 128 bf16 or 64 fp32 lanes).
    pub width_bits: u32,
    /// Vector operations in flight at once (one may issue per cycle up to this many).
    pub pipeline_depth: u32,
    /// Add, subtract, min, max, compare: cycles from issue to result.
    pub add_latency_cycles: u32,
    /// Multiply, cycles.
    pub mul_latency_cycles: u32,
    /// Fused multiply-add, cycles.
    pub fma_latency_cycles: u32,
    /// Type conversion, cycles.
    pub convert_latency_cycles: u32,
    /// Exponential, cycles.
    pub exp_latency_cycles: u32,
    /// Reciprocal, cycles.
    pub recip_latency_cycles: u32,
    /// Reciprocal square root, cycles.
    pub rsqrt_latency_cycles: u32,
    /// Hyperbolic tangent, cycles.
    pub tanh_latency_cycles: u32,
    /// GELU, cycles.
    pub gelu_latency_cycles: u32,
    /// Reduction across the lanes of one vector (sum, max), cycles.
    pub reduce_latency_cycles: u32,
    /// Latency of every operation when `impl = "ideal"`, cycles.
    pub ideal_latency_cycles: u32,
}

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    other!("vector.impl", Allowed::Choice(&["simd", "ideal"]),
        "design: an ideal implementation per unit kind"),
    int!("vector.width_bits", "bits", 512, 4096, Step::MultipleOf(128), |c| c.vector.width_bits,
        "ZW-1: 2048-bit (128 bf16 / 64 fp32 lanes), 512–4096 bit"),
    int!("vector.pipeline_depth", "operations", 1, 64, |c| c.vector.pipeline_depth,
        "enough operations in flight to cover the longest latency at one issue per cycle"),
    int!("vector.add_latency_cycles", "cycles", 1, 256, |c| c.vector.add_latency_cycles,
        "fp32 adder pipeline"),
    int!("vector.mul_latency_cycles", "cycles", 1, 256, |c| c.vector.mul_latency_cycles,
        "fp32 multiplier pipeline"),
    int!("vector.fma_latency_cycles", "cycles", 1, 256, |c| c.vector.fma_latency_cycles,
        "ZW-1: FMA; fused multiply-add pipeline"),
    int!("vector.convert_latency_cycles", "cycles", 1, 256, |c| c.vector.convert_latency_cycles,
        "type conversion with rounding"),
    int!("vector.exp_latency_cycles", "cycles", 1, 256, |c| c.vector.exp_latency_cycles,
        "ZW-1: exp; range reduction plus polynomial"),
    int!("vector.recip_latency_cycles", "cycles", 1, 256, |c| c.vector.recip_latency_cycles,
        "ZW-1: recip; table plus Newton steps"),
    int!("vector.rsqrt_latency_cycles", "cycles", 1, 256, |c| c.vector.rsqrt_latency_cycles,
        "ZW-1: rsqrt; table plus Newton steps"),
    int!("vector.tanh_latency_cycles", "cycles", 1, 256, |c| c.vector.tanh_latency_cycles,
        "ZW-1: tanh; built on exp and recip"),
    int!("vector.gelu_latency_cycles", "cycles", 1, 256, |c| c.vector.gelu_latency_cycles,
        "ZW-1: gelu; built on tanh"),
    int!("vector.reduce_latency_cycles", "cycles", 1, 256, |c| c.vector.reduce_latency_cycles,
        "adder tree over the lanes (log2 128 = 7 levels)"),
    int!("vector.ideal_latency_cycles", "cycles", 1, 1024, |c| c.vector.ideal_latency_cycles,
        "ideal implementation"),
];

/// The vector unit's shape and latencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VectorTiming {
    /// Bytes per vector.
    pub bytes: u32,
    /// Operations in flight.
    pub pipeline_depth: u32,
    /// Add, subtract, min, max, compare.
    pub add: Cycle,
    /// Multiply.
    pub mul: Cycle,
    /// Fused multiply-add.
    pub fma: Cycle,
    /// Type conversion.
    pub convert: Cycle,
    /// Exponential.
    pub exp: Cycle,
    /// Reciprocal.
    pub recip: Cycle,
    /// Reciprocal square root.
    pub rsqrt: Cycle,
    /// Hyperbolic tangent.
    pub tanh: Cycle,
    /// GELU.
    pub gelu: Cycle,
    /// Reduction across lanes.
    pub reduce: Cycle,
    /// Every operation when `vector.impl = "ideal"`.
    pub ideal: Cycle,
}

impl VectorTiming {
    /// Lanes of `dtype` in one vector.
    pub const fn lanes(&self, dtype: DType) -> u32 {
        self.bytes / dtype.size() as u32
    }
}

/// Converts this table's values.
pub(super) fn resolve(c: &Config) -> Result<VectorTiming, ConfigError> {
    let v = &c.vector;
    Ok(VectorTiming {
        bytes: v.width_bits / 8,
        pipeline_depth: v.pipeline_depth,
        add: cycles(v.add_latency_cycles),
        mul: cycles(v.mul_latency_cycles),
        fma: cycles(v.fma_latency_cycles),
        convert: cycles(v.convert_latency_cycles),
        exp: cycles(v.exp_latency_cycles),
        recip: cycles(v.recip_latency_cycles),
        rsqrt: cycles(v.rsqrt_latency_cycles),
        tanh: cycles(v.tanh_latency_cycles),
        gelu: cycles(v.gelu_latency_cycles),
        reduce: cycles(v.reduce_latency_cycles),
        ideal: cycles(v.ideal_latency_cycles),
    })
}

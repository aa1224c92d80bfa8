//! The systolic matrix unit: an R × C array of multiply-accumulate processing elements (PEs).
//!
//! One operation, as the ISA defines it: `C (M×N) = [C +] A (M×K) · B (K×N)`, all row-major;
//! A and B hold `bf16`, `fp16`, `fp32`, `e4m3`, `e5m2` or `i8` elements, C holds `fp32`
//! (`i32` for `i8` inputs). `mx.ldw` supplies B, `mx.mm` / `mx.mma` stream A and write or
//! accumulate C.
//!
//! Two models sit behind the [`MatrixUnit`] trait and give the same bits and the same cycle
//! count:
//! - [`RegisterArray`] advances every PE's registers once per cycle: operand skew, weight
//!   preload, partial sums moving down the columns, outputs draining out of the array. It is
//!   the obviously-correct reference for timing.
//! - [`FastArray`] computes the cycle count in closed form ([`timing`]) and the result with a
//!   blocked kernel whose per-output accumulation order matches the array.
//!
//! Numerics (written out in `docs/numerics.md`): each PE multiplies two inputs in `f32` (exact
//! for every narrow type except bf16 products beyond `f32`'s range; for `fp32` inputs the
//! product is rounded, "separate rounding") and adds it to the incoming partial sum with one
//! `f32` rounding. A partial sum starts at +0 and runs over `k` in increasing order within a
//! *reduction fold* — `rows × macs_per_pe_cycle` values of `k` for the weight- and
//! input-stationary dataflows, all of K for output-stationary. Each fold's sum is then added to
//! C in fold order (`mx.mm` writes the first one). `i8` uses exact wrapping `i32` arithmetic.
//! NaNs in C are made canonical.
//!
//! Timing per dataflow, and how M, N and K map onto the array, is in `docs/systolic.md`.

mod bench;
mod config;
mod fast;
mod operand;
mod reference;
mod register;
mod timing;

#[cfg(test)]
mod tests;

use isa::DType;
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use bench::{
    Agreement, BenchModel, BenchRequest, SystolicBenchReport, bench_systolic, models_agree,
};
pub use config::{ArrayConfig, Dataflow, MacRates, Model};
pub use fast::FastArray;
pub use reference::reference_gemm;
pub use register::RegisterArray;
pub use timing::{Timing, timing};

/// The dimensions of one matrix multiplication: `C (m×n) = A (m×k) · B (k×n)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GemmShape {
    /// Rows of A and C.
    pub m: u32,
    /// Columns of B and C.
    pub n: u32,
    /// Columns of A, rows of B: the reduction length.
    pub k: u32,
}

impl GemmShape {
    /// The shape `m × n × k`.
    pub const fn new(m: u32, n: u32, k: u32) -> GemmShape {
        GemmShape { m, n, k }
    }

    /// Multiply-accumulates the operation needs: `m × n × k`.
    pub const fn macs(self) -> u64 {
        self.m as u64 * self.n as u64 * self.k as u64
    }
}

/// One matrix operation handed to a [`MatrixUnit`].
#[derive(Clone, Copy, Debug)]
pub struct Gemm<'a> {
    /// Element type of A and B.
    pub dtype: DType,
    /// The dimensions.
    pub shape: GemmShape,
    /// A: `m × k` elements, row-major, little-endian.
    pub a: &'a [u8],
    /// B: `k × n` elements, row-major, little-endian.
    pub b: &'a [u8],
    /// `mx.mma`: add to C. `mx.mm` (false): overwrite C.
    pub accumulate: bool,
}

/// What a matrix operation cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GemmRun {
    /// Array cycles from the first weight or operand entering the array to the last result
    /// leaving it, with ideal operand supply.
    pub cycles: u64,
    /// Folds: times the array was loaded with a new stationary tile (or, output-stationary,
    /// a new output tile).
    pub folds: u64,
}

/// A matrix unit: computes `C = [C +] A · B` on the configured array and says how long it took.
pub trait MatrixUnit {
    /// The array's configuration.
    fn config(&self) -> &ArrayConfig;

    /// Runs `gemm`. `c` holds `m × n` elements of the accumulator type
    /// ([`accumulator_dtype`]), row-major, little-endian; it is read when accumulating and
    /// written in every case.
    fn matmul(&mut self, gemm: &Gemm<'_>, c: &mut [u8]) -> Result<GemmRun, SystolicError>;
}

/// The matrix unit of `config`, simulated by `model`.
pub fn matrix_unit(
    config: ArrayConfig,
    model: Model,
) -> Result<Box<dyn MatrixUnit + Send>, SystolicError> {
    config.validate()?;
    Ok(match model {
        Model::Fast => Box::new(FastArray::new(config)?),
        Model::Register => Box::new(RegisterArray::new(config)?),
    })
}

/// The element type of C for inputs of type `dtype`: `I32` for `I8`, `Fp32` for the floats.
pub fn accumulator_dtype(dtype: DType) -> Result<DType, SystolicError> {
    match dtype {
        DType::I8 => Ok(DType::I32),
        DType::E4M3 | DType::E5M2 | DType::Bf16 | DType::Fp16 | DType::Fp32 => Ok(DType::Fp32),
        DType::U8 | DType::I32 => Err(SystolicError::UnsupportedDType(dtype)),
    }
}

/// Why a matrix operation or an array configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SystolicError {
    /// A configuration value outside what the model supports.
    #[error("systolic.{key} = {value} is out of range (allowed: {allowed})")]
    InvalidConfig {
        /// The key, as in the config file.
        key: &'static str,
        /// The value given.
        value: u64,
        /// The allowed values.
        allowed: &'static str,
    },
    /// The array does not multiply this element type.
    #[error("the matrix unit does not multiply {0} elements (bf16, fp16, fp32, e4m3, e5m2, i8)")]
    UnsupportedDType(DType),
    /// A zero dimension.
    #[error("matrix dimensions must be at least 1 (m = {m}, n = {n}, k = {k})")]
    EmptyShape {
        /// Rows of A.
        m: u32,
        /// Columns of B.
        n: u32,
        /// The reduction length.
        k: u32,
    },
    /// An operand buffer of the wrong size.
    #[error("operand {operand} holds {actual} bytes, but its shape needs {expected}")]
    OperandSize {
        /// `"A"`, `"B"` or `"C"`.
        operand: &'static str,
        /// Bytes needed.
        expected: usize,
        /// Bytes given.
        actual: usize,
    },
    /// An operation too large for the model's bookkeeping.
    #[error("operation too large to simulate: {0}")]
    TooLarge(&'static str),
    /// The register-level model saw two values claim one register: a sequencing bug.
    #[error("register-level model hazard: {0}")]
    Hazard(&'static str),
}

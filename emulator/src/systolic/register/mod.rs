//! The register-level model: every PE's registers advance once per cycle.
//!
//! State is kept as structure-of-arrays, row-major `[row][col]` (and `[row][col][q]` for the Q
//! values a PE handles per cycle). Each cycle every register's next value is computed from the
//! previous cycle's values into a second buffer, and the buffers swap at the clock edge: a PE
//! takes its operand from its left neighbour and its partial sum (or B) from the neighbour
//! above. Registers that only a PE itself writes (sums, output registers, weight planes) are
//! updated in place, after everything that reads their old value this cycle.
//!
//! A small sequencer decides when each fold's weights start loading and when its operands start
//! streaming; everything else — skew, fill, drain, when each result leaves the array — follows
//! from the registers. Every value carries a tag (which fold and which stream step it belongs
//! to), so results are written to C from what actually leaves the array.

use super::operand::{Acc, Decoded, Operands, decode, encode_c, transpose};
use super::timing::FoldPlan;
use super::{ArrayConfig, Dataflow, Gemm, GemmRun, MatrixUnit, SystolicError};

mod array;
mod pe;

use array::Array;

/// The register-level model of the array (see the module documentation).
#[derive(Clone, Debug)]
pub struct RegisterArray {
    config: ArrayConfig,
}

impl RegisterArray {
    /// A register-level model of `config`.
    pub fn new(config: ArrayConfig) -> Result<RegisterArray, SystolicError> {
        config.validate()?;
        Ok(RegisterArray { config })
    }
}

impl MatrixUnit for RegisterArray {
    fn config(&self) -> &ArrayConfig {
        &self.config
    }

    fn matmul(&mut self, gemm: &Gemm<'_>, c: &mut [u8]) -> Result<GemmRun, SystolicError> {
        let plan = FoldPlan::new(&self.config, gemm.dtype, gemm.shape)?;
        let per_pe = plan.per_pe as usize;
        let arch = pulp::Arch::new();
        let cycles = match decode(gemm, c)? {
            Operands::Float(mut d) => {
                let cycles = arch.dispatch(Simulation {
                    config: &self.config,
                    per_pe,
                    d: &mut d,
                    accumulate: gemm.accumulate,
                })?;
                encode_c(&d.c, c);
                cycles
            }
            Operands::Int(mut d) => {
                let cycles = arch.dispatch(Simulation {
                    config: &self.config,
                    per_pe,
                    d: &mut d,
                    accumulate: gemm.accumulate,
                })?;
                encode_c(&d.c, c);
                cycles
            }
        };
        Ok(GemmRun {
            cycles,
            folds: plan.folds,
        })
    }
}

/// The simulation as a job for `pulp`, which runs it compiled for the widest vector
/// instructions the host has (same IEEE operations in the same order on every path).
struct Simulation<'a, T> {
    config: &'a ArrayConfig,
    per_pe: usize,
    d: &'a mut Decoded<T>,
    accumulate: bool,
}

impl<T: Acc> pulp::WithSimd for Simulation<'_, T> {
    type Output = Result<u64, SystolicError>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Self::Output {
        simulate(self.config, self.per_pe, self.d, self.accumulate)
    }
}

#[inline(always)]
fn simulate<T: Acc>(
    config: &ArrayConfig,
    per_pe: usize,
    d: &mut Decoded<T>,
    accumulate: bool,
) -> Result<u64, SystolicError> {
    match per_pe {
        1 => simulate_q::<T, 1>(config, d, accumulate),
        2 => simulate_q::<T, 2>(config, d, accumulate),
        3 => simulate_q::<T, 3>(config, d, accumulate),
        _ => simulate_q::<T, 4>(config, d, accumulate),
    }
}

#[inline(always)]
fn simulate_q<T: Acc, const Q: usize>(
    config: &ArrayConfig,
    d: &mut Decoded<T>,
    accumulate: bool,
) -> Result<u64, SystolicError> {
    let array = Array {
        rows: config.rows as usize,
        cols: config.cols as usize,
        overlap: config.overlap,
        accumulate,
    };
    let (m, n, k) = (d.m, d.n, d.k);
    match config.dataflow {
        Dataflow::Ws => {
            let problem = Stationary {
                weights: &d.b,
                depth: k,
                width: n,
                stream: &d.a,
                items: m,
                out_item_stride: n,
                out_col_stride: 1,
            };
            array.run_stationary::<T, Q>(&problem, &mut d.c)
        }
        Dataflow::Is => {
            let a_t = transpose(&d.a, m, k); // k × m: A's columns become the stationary tile
            let b_t = transpose(&d.b, k, n); // n × k: B's columns stream in
            let problem = Stationary {
                weights: &a_t,
                depth: k,
                width: m,
                stream: &b_t,
                items: n,
                out_item_stride: 1,
                out_col_stride: n,
            };
            array.run_stationary::<T, Q>(&problem, &mut d.c)
        }
        Dataflow::Os => array.run_output_stationary::<T, Q>(&d.a, &d.b, m, n, k, &mut d.c),
    }
}

/// A stationary-operand problem (WS, or IS with the roles of A and B swapped): the stationary
/// matrix W is `depth × width`, the streamed matrix X is `items × depth`, and stream item `i`
/// against stationary column `j` produces the output at `i × out_item_stride + j ×
/// out_col_stride`.
struct Stationary<'a, T> {
    weights: &'a [T],
    depth: usize,
    width: usize,
    stream: &'a [T],
    items: usize,
    out_item_stride: usize,
    out_col_stride: usize,
}

/// Data tag bit: which of the two weight planes the value multiplies with.
const PLANE: u32 = 1 << 31;
/// Data tag bits below [`PLANE`]: 1 + the stream sequence number (0 is a bubble).
const SEQUENCE: u32 = PLANE - 1;
/// Weight-chain tag: bits 0..9 hold 1 + the target row (0 is empty), the rest the fold.
const TARGET_ROW_BITS: u32 = 9;
const TARGET_ROW: u32 = (1 << TARGET_ROW_BITS) - 1;
/// Output-stationary operand tag bit: the last `k` step of a fold (the PE hands its sum over).
const LAST: u32 = 1 << 31;

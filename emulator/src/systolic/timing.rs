//! Closed-form timing of one matrix operation on the array, derived from the register-level
//! model (see `docs/systolic.md`; `tests.rs` checks each formula against that model).

use isa::DType;
use serde::{Deserialize, Serialize};

use super::{ArrayConfig, Dataflow, GemmShape, SystolicError, accumulator_dtype};

/// How one operation is cut into folds, and the lengths the timing formulas use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FoldPlan {
    /// PE rows (R).
    pub rows: u64,
    /// PE columns (C).
    pub cols: u64,
    /// Multiply-accumulates per PE per cycle for this type (Q).
    pub per_pe: u64,
    /// Values of `k` one reduction fold sums before its partial result is added to C:
    /// R × Q for weight- and input-stationary, K for output-stationary.
    pub reduction_fold: u64,
    /// Folds in all.
    pub folds: u64,
    /// Cycles one fold streams operands into the array's edge: M (WS), N (IS), ⌈K / Q⌉ (OS).
    pub stream: u64,
}

impl FoldPlan {
    pub(crate) fn new(
        config: &ArrayConfig,
        dtype: DType,
        shape: GemmShape,
    ) -> Result<FoldPlan, SystolicError> {
        config.validate()?;
        accumulator_dtype(dtype)?;
        if shape.m == 0 || shape.n == 0 || shape.k == 0 {
            return Err(SystolicError::EmptyShape {
                m: shape.m,
                n: shape.n,
                k: shape.k,
            });
        }
        let rows = u64::from(config.rows);
        let cols = u64::from(config.cols);
        let per_pe = u64::from(config.macs_per_pe_cycle(dtype));
        let (m, n, k) = (u64::from(shape.m), u64::from(shape.n), u64::from(shape.k));
        let depth = rows * per_pe;
        let (reduction_fold, folds, stream) = match config.dataflow {
            Dataflow::Ws => (depth, k.div_ceil(depth) * n.div_ceil(cols), m),
            Dataflow::Is => (depth, k.div_ceil(depth) * m.div_ceil(cols), n),
            Dataflow::Os => (k, m.div_ceil(rows) * n.div_ceil(cols), k.div_ceil(per_pe)),
        };
        Ok(FoldPlan {
            rows,
            cols,
            per_pe,
            reduction_fold,
            folds,
            stream,
        })
    }

    /// Cycles of one fold on its own: from its first weight (or, OS, operand) entering the
    /// array to its last result leaving it.
    pub(crate) fn fold_cycles(&self) -> u64 {
        let (r, c, e) = (self.rows, self.cols, self.stream);
        // WS/IS: R weight-load cycles, then E rows streamed, R - 1 + C - 1 cycles of skew.
        // OS: E operand steps, R - 1 + C - 1 of skew, then R cycles to drain the outputs.
        // Both come to 2R + C + E - 2.
        2 * r + c + e - 2
    }

    /// Cycles between the starts of consecutive folds when they overlap.
    pub(crate) fn overlapped_interval(&self, dataflow: Dataflow) -> u64 {
        let (r, c, e) = (self.rows, self.cols, self.stream);
        match dataflow {
            // The next tile's weights load (R cycles) while this one streams (E cycles).
            Dataflow::Ws | Dataflow::Is => e.max(r),
            // The next tile's first result must find the output registers drained:
            // its stream may start 2R + C - 1 cycles after this one's.
            Dataflow::Os => e.max(2 * r + c - 1),
        }
    }

    /// Cycles for all folds.
    pub(crate) fn cycles(&self, config: &ArrayConfig) -> u64 {
        if !config.overlap {
            return self.folds * self.fold_cycles();
        }
        (self.folds - 1) * self.overlapped_interval(config.dataflow) + self.fold_cycles()
    }
}

/// The cycle count of one operation, and what it implies.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Array cycles, first weight or operand in to last result out, with ideal operand supply.
    pub cycles: u64,
    /// Folds.
    pub folds: u64,
    /// Cycles of one fold on its own (no overlap).
    pub fold_cycles: u64,
    /// Multiply-accumulates done: `m × n × k`.
    pub macs: u64,
    /// Peak multiply-accumulates per cycle: `rows × cols × macs_per_pe_cycle`.
    pub peak_macs_per_cycle: u64,
    /// `macs / (cycles × peak_macs_per_cycle)`, in 0–1.
    pub utilization: f64,
}

/// The closed-form timing of `shape` on `config` for `dtype` inputs.
pub fn timing(
    config: &ArrayConfig,
    dtype: DType,
    shape: GemmShape,
) -> Result<Timing, SystolicError> {
    let plan = FoldPlan::new(config, dtype, shape)?;
    let cycles = plan.cycles(config);
    let peak = config.peak_macs_per_cycle(dtype);
    let macs = shape.macs();
    Ok(Timing {
        cycles,
        folds: plan.folds,
        fold_cycles: plan.fold_cycles(),
        macs,
        peak_macs_per_cycle: peak,
        utilization: macs as f64 / (cycles as f64 * peak as f64),
    })
}

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

use std::collections::VecDeque;

use super::operand::{Acc, Decoded, Operands, decode, encode_c, transpose};
use super::timing::FoldPlan;
use super::{ArrayConfig, Dataflow, Gemm, GemmRun, MatrixUnit, SystolicError};

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

/// What entered row 0 in one cycle: the operand's tag, its stream item and the first `k` of
/// its reduction fold (kept so later rows need not decode the tag).
#[derive(Clone, Copy)]
struct Injected {
    tag: u32,
    item: u32,
    k_base: u32,
}

impl Injected {
    const BUBBLE: Injected = Injected {
        tag: 0,
        item: 0,
        k_base: 0,
    };
}

/// What entered the output-stationary array's edges in one cycle, before the per-row and
/// per-column delay: fold + 1 (0 for none), operand step, and the tile's first row and column.
#[derive(Clone, Copy)]
struct Step {
    fold1: u32,
    step: u32,
    row_base: u32,
    col_base: u32,
}

impl Step {
    const BUBBLE: Step = Step {
        fold1: 0,
        step: 0,
        row_base: 0,
        col_base: 0,
    };
}

struct Array {
    rows: usize,
    cols: usize,
    overlap: bool,
    accumulate: bool,
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

impl Array {
    /// An upper bound on any run's cycles, so that a sequencing bug ends in an error, not a hang.
    fn cycle_limit(&self, folds: usize, stream: usize) -> u64 {
        let per_fold = 3 * (self.rows + self.cols) + stream + 8;
        (folds as u64).saturating_mul(per_fold as u64)
    }

    /// Weight- or input-stationary.
    ///
    /// PE (r, c) holds, in each of two weight planes, Q stationary values
    /// `W[kf·R·Q + r·Q + q][sf·C + c]` for the fold (sf, kf) loaded into that plane. Weights
    /// load down a per-column shift chain, column c skewed by c cycles, the value for row r
    /// entering the chain R - 1 - r cycles after the column starts so that all rows of a
    /// column land together. Operands enter row r at column 0, skewed by r cycles, and move
    /// one PE right per cycle carrying their tag (which selects the plane). The partial sum
    /// moves one PE down per cycle: `psum(r, c) = psum(r - 1, c) + Σ_q a_q × w_q`, with +0
    /// entering at the top, and leaves the bottom row into C.
    #[inline(always)]
    fn run_stationary<T: Acc, const Q: usize>(
        &self,
        p: &Stationary<'_, T>,
        c: &mut [T],
    ) -> Result<u64, SystolicError> {
        let (rows, cols) = (self.rows, self.cols);
        let depth = rows * Q;
        let k_folds = p.depth.div_ceil(depth);
        let folds = k_folds * p.width.div_ceil(cols);
        if folds >= 1 << (32 - TARGET_ROW_BITS - 1)
            || folds.saturating_mul(p.items) >= SEQUENCE as usize
        {
            return Err(SystolicError::TooLarge(
                "more than 2^31 streamed rows for the register-level model",
            ));
        }
        let pes = rows * cols;
        // Registers, and their values for the next cycle (swapped in at the clock edge).
        let mut a = vec![T::ZERO; pes * Q];
        let mut tag = vec![0u32; pes];
        let mut psum = vec![T::ZERO; pes];
        let (mut a_next, mut tag_next, mut psum_next) = (a.clone(), tag.clone(), psum.clone());
        let mut planes = [vec![T::ZERO; pes * Q], vec![T::ZERO; pes * Q]];
        let mut chain = vec![T::ZERO; pes * Q];
        let mut chain_tag = vec![0u32; pes];
        let (mut chain_next, mut chain_tag_next) = (chain.clone(), chain_tag.clone());
        // Per chain row: may it hold a non-empty entry?
        let (mut chain_live, mut chain_live_next) = (vec![false; rows], vec![false; rows]);
        let mut inject_w = vec![T::ZERO; cols * Q];
        let mut inject_wtag = vec![0u32; cols];
        let mut inject_a = vec![T::ZERO; rows * Q];
        let mut row0_history: VecDeque<Injected> = VecDeque::from(vec![Injected::BUBBLE; rows]);

        let mut preload_at: Vec<u64> = Vec::with_capacity(folds);
        let mut stream_at: Vec<u64> = Vec::with_capacity(folds);
        let mut landed_in_col0 = vec![0usize; folds];
        let mut emitted = vec![0usize; folds];
        let mut drained_at: Vec<Option<u64>> = vec![None; folds];
        let mut first_loading = 0usize;
        let mut chain_busy_until: Option<u64> = None;
        let outputs_per_fold = p.items * cols;
        let (r64, c64, items64) = (rows as u64, cols as u64, p.items as u64);
        let limit = self.cycle_limit(folds, p.items);

        // The fold of the last result written, to decode tags without a division per result.
        let (mut emit_fold, mut emit_fold_start) = (0usize, 0usize);
        let mut t: u64 = 0;
        loop {
            // Sequencer: start streaming fold f once its weights are in column 0 and the left
            // edge is free; start loading fold f once the weight port is free and (overlap)
            // fold f - 1 has started streaming, or (no overlap) fold f - 1 has left the array.
            let f = stream_at.len();
            if f < preload_at.len() {
                let port_free = f == 0 || t >= stream_at[f - 1] + items64;
                if landed_in_col0[f] == rows && port_free {
                    stream_at.push(t);
                }
            }
            let f = preload_at.len();
            if f < folds {
                let ready = match f.checked_sub(1) {
                    None => true,
                    Some(prev) => {
                        let port_free = t >= preload_at[prev] + r64;
                        let previous_done = if self.overlap {
                            stream_at.get(prev).is_some_and(|&s| s <= t)
                        } else {
                            drained_at[prev].is_some_and(|d| d < t)
                        };
                        port_free && previous_done
                    }
                };
                if ready {
                    preload_at.push(t);
                }
            }

            // Weight-chain inputs: column c of fold g's load injects, at cycle P_g + c + j
            // (j < R), the weights of row R - 1 - j.
            inject_wtag.fill(0);
            while first_loading < preload_at.len() && t >= preload_at[first_loading] + c64 + r64 {
                first_loading += 1;
            }
            let mut injecting = false;
            for (g, &start) in preload_at.iter().enumerate().skip(first_loading) {
                let (s_fold, k_fold) = (g / k_folds, g % k_folds);
                // Column c injects while 0 <= t - start - c < R.
                let Some(since) = t.checked_sub(start) else {
                    continue;
                };
                let first_col = (since + 1).saturating_sub(r64) as usize;
                let end_col = (since as usize + 1).min(cols);
                for col in first_col..end_col {
                    let j = since as usize - col;
                    let row = rows - 1 - j;
                    inject_wtag[col] = (row as u32 + 1) | ((g as u32) << TARGET_ROW_BITS);
                    let s = s_fold * cols + col;
                    for q in 0..Q {
                        let kk = k_fold * depth + row * Q + q;
                        inject_w[col * Q + q] = if kk < p.depth && s < p.width {
                            p.weights[kk * p.width + s]
                        } else {
                            T::ZERO
                        };
                    }
                    injecting = true;
                }
            }
            if injecting {
                chain_busy_until = Some(t + r64);
            }

            // Operand inputs: row 0 takes the next step of the streaming fold; row r takes what
            // row 0 took r cycles ago.
            let streaming = stream_at
                .last()
                .map(|&s| (stream_at.len() - 1, s))
                .filter(|&(_, s)| t >= s && t < s + items64);
            let row0 = match streaming {
                Some((g, s)) => {
                    let item = (t - s) as usize;
                    let sequence = g * p.items + item;
                    Injected {
                        tag: (sequence as u32 + 1) | if g % 2 == 1 { PLANE } else { 0 },
                        item: item as u32,
                        k_base: ((g % k_folds) * depth) as u32,
                    }
                }
                None => Injected::BUBBLE,
            };
            row0_history.pop_back();
            row0_history.push_front(row0);
            for (r, entry) in row0_history.iter().enumerate() {
                let values = &mut inject_a[r * Q..(r + 1) * Q];
                if entry.tag == 0 {
                    values.fill(T::ZERO);
                    continue;
                }
                let row_start = entry.item as usize * p.depth;
                for (q, v) in values.iter_mut().enumerate() {
                    let kk = entry.k_base as usize + r * Q + q;
                    *v = if kk < p.depth {
                        p.stream[row_start + kk]
                    } else {
                        T::ZERO
                    };
                }
            }

            // Data path: each PE takes its left neighbour's operand and its upper neighbour's
            // partial sum.
            for r in 0..rows {
                let (row, row_q) = (r * cols..(r + 1) * cols, r * cols * Q..(r + 1) * cols * Q);
                let above = r.checked_sub(1).map(|up| &psum[up * cols..r * cols]);
                stationary_row::<T, Q>(
                    StationaryRowIn {
                        above,
                        a: &a[row_q.clone()],
                        tag: &tag[row.clone()],
                        inject_a: &inject_a[r * Q..(r + 1) * Q],
                        inject_tag: row0_history[r].tag,
                        plane0: &planes[0][row_q.clone()],
                        plane1: &planes[1][row_q.clone()],
                    },
                    &mut a_next[row_q],
                    &mut tag_next[row.clone()],
                    &mut psum_next[row],
                );
            }
            core::mem::swap(&mut a, &mut a_next);
            core::mem::swap(&mut tag, &mut tag_next);
            core::mem::swap(&mut psum, &mut psum_next);

            // Results leaving the bottom row.
            let bottom = (rows - 1) * cols;
            for col in 0..cols {
                let tg = tag[bottom + col];
                if tg == 0 {
                    continue;
                }
                let sequence = (tg & SEQUENCE) as usize - 1;
                if !(emit_fold_start..emit_fold_start + p.items).contains(&sequence) {
                    emit_fold = sequence / p.items;
                    emit_fold_start = emit_fold * p.items;
                }
                let (g, item) = (emit_fold, sequence - emit_fold_start);
                let (s_fold, k_fold) = (g / k_folds, g % k_folds);
                let s = s_fold * cols + col;
                if s < p.width {
                    let at = item * p.out_item_stride + s * p.out_col_stride;
                    let v = psum[bottom + col];
                    c[at] = if k_fold == 0 && !self.accumulate {
                        v
                    } else {
                        T::add(c[at], v)
                    };
                }
                emitted[g] += 1;
                if emitted[g] == outputs_per_fold {
                    drained_at[g] = Some(t);
                }
            }
            if drained_at[folds - 1].is_some() {
                return Ok(t + 1);
            }

            // Weight chain, after the data path has read this cycle's planes: each row takes the
            // row above's value and latches it into its plane when it is addressed to it.
            if chain_busy_until.is_some_and(|until| t <= until) {
                for r in 0..rows {
                    let (row, row_q) = (r * cols..(r + 1) * cols, r * cols * Q..(r + 1) * cols * Q);
                    // A row whose incoming entries are all empty only needs its tags cleared
                    // (an entry with tag 0 is never looked at), once.
                    let incoming_live = match r.checked_sub(1) {
                        None => injecting,
                        Some(up) => chain_live[up],
                    };
                    if !incoming_live {
                        if chain_live_next[r] {
                            chain_tag_next[row].fill(0);
                            chain_live_next[r] = false;
                        }
                        continue;
                    }
                    chain_live_next[r] = true;
                    let (incoming, incoming_tag) = match r.checked_sub(1) {
                        None => (&inject_w[..], &inject_wtag[..]),
                        Some(up) => (
                            &chain[up * cols * Q..r * cols * Q],
                            &chain_tag[up * cols..r * cols],
                        ),
                    };
                    let [plane0, plane1] = &mut planes;
                    chain_row::<T, Q>(
                        r as u32 + 1,
                        incoming,
                        incoming_tag,
                        &mut chain_next[row_q.clone()],
                        &mut chain_tag_next[row],
                        &mut plane0[row_q.clone()],
                        &mut plane1[row_q],
                    );
                    if incoming_tag[0] & TARGET_ROW == r as u32 + 1 {
                        landed_in_col0[(incoming_tag[0] >> TARGET_ROW_BITS) as usize] += 1;
                    }
                }
                core::mem::swap(&mut chain, &mut chain_next);
                core::mem::swap(&mut chain_tag, &mut chain_tag_next);
                core::mem::swap(&mut chain_live, &mut chain_live_next);
            }

            t += 1;
            if t > limit {
                return Err(SystolicError::Hazard("stationary run did not finish"));
            }
        }
    }

    /// Output-stationary.
    ///
    /// PE (r, c) accumulates `C[mf·R + r][nf·C + c]` for the fold (mf, nf) passing through it.
    /// Operand step s (Q values of `k`) of A's row enters row r at column 0 at cycle
    /// `S + s + r` and moves right; B's column enters column c at row 0 at `S + s + c` and moves
    /// down, so both meet at PE (r, c) at `S + s + r + c`. On the last step the PE moves its
    /// sum into its output register and restarts from +0. Once every PE of a fold has done so,
    /// the output registers shift down one row per cycle for R cycles, the bottom row into C.
    #[inline(always)]
    fn run_output_stationary<T: Acc, const Q: usize>(
        &self,
        a_in: &[T],
        b_in: &[T],
        m: usize,
        n: usize,
        k: usize,
        c: &mut [T],
    ) -> Result<u64, SystolicError> {
        let (rows, cols) = (self.rows, self.cols);
        let steps = k.div_ceil(Q);
        let n_folds = n.div_ceil(cols);
        let folds = m.div_ceil(rows) * n_folds;
        if folds >= (LAST - 1) as usize {
            return Err(SystolicError::TooLarge(
                "more than 2^31 output tiles for the register-level model",
            ));
        }
        let pes = rows * cols;
        let mut a = vec![T::ZERO; pes * Q];
        let mut a_tag = vec![0u32; pes];
        let mut b = vec![T::ZERO; pes * Q];
        let (mut a_next, mut a_tag_next, mut b_next) = (a.clone(), a_tag.clone(), b.clone());
        let mut acc = vec![T::ZERO; pes];
        let mut out = vec![T::ZERO; pes];
        let mut out_fold = vec![0u32; pes];
        let mut inject_a = vec![T::ZERO; rows * Q];
        let mut inject_tag = vec![0u32; rows];
        let mut inject_b = vec![T::ZERO; cols * Q];
        let mut history: VecDeque<Step> = VecDeque::from(vec![Step::BUBBLE; rows.max(cols)]);

        let mut stream_at: Vec<u64> = Vec::with_capacity(folds);
        let mut drained_at: Vec<Option<u64>> = vec![None; folds];
        let mut latched: u64 = 0;
        let mut drain: Option<(usize, u64)> = None;
        let mut next_drain = 0usize;
        let (r64, c64, steps64) = (rows as u64, cols as u64, steps as u64);
        // The next fold's first result appears `steps - 1` cycles after it starts; it must find
        // this fold's outputs drained, which takes until `start + steps + 2R + C - 3`.
        let overlap_interval = steps64.max(2 * r64 + c64 - 1);
        let limit = self.cycle_limit(folds, steps);

        let mut t: u64 = 0;
        loop {
            // Sequencer.
            let f = stream_at.len();
            if f < folds {
                let ready = match f.checked_sub(1) {
                    None => true,
                    Some(prev) if self.overlap => t >= stream_at[prev] + overlap_interval,
                    Some(prev) => drained_at[prev].is_some_and(|d| d < t),
                };
                if ready {
                    stream_at.push(t);
                }
            }
            let step0 = stream_at
                .last()
                .map(|&s| (stream_at.len() - 1, s))
                .filter(|&(_, s)| t >= s && t < s + steps64)
                .map_or(Step::BUBBLE, |(g, s)| Step {
                    fold1: g as u32 + 1,
                    step: (t - s) as u32,
                    row_base: (g / n_folds * rows) as u32,
                    col_base: (g % n_folds * cols) as u32,
                });
            history.pop_back();
            history.push_front(step0);

            // A's rows enter on the left, B's columns at the top, each delayed by its index.
            for r in 0..rows {
                let Step {
                    fold1: g1,
                    step,
                    row_base,
                    ..
                } = history[r];
                let values = &mut inject_a[r * Q..(r + 1) * Q];
                values.fill(T::ZERO);
                inject_tag[r] = 0;
                if g1 == 0 {
                    continue;
                }
                let row = row_base as usize + r;
                inject_tag[r] = g1 | if step as usize == steps - 1 { LAST } else { 0 };
                for (q, v) in values.iter_mut().enumerate() {
                    let kk = step as usize * Q + q;
                    if row < m && kk < k {
                        *v = a_in[row * k + kk];
                    }
                }
            }
            for col in 0..cols {
                let Step {
                    fold1: g1,
                    step,
                    col_base,
                    ..
                } = history[col];
                let values = &mut inject_b[col * Q..(col + 1) * Q];
                values.fill(T::ZERO);
                if g1 == 0 {
                    continue;
                }
                let column = col_base as usize + col;
                for (q, v) in values.iter_mut().enumerate() {
                    let kk = step as usize * Q + q;
                    if column < n && kk < k {
                        *v = b_in[kk * n + column];
                    }
                }
            }

            // Data path: A from the left, B from above.
            let draining = drain.is_some_and(|(_, start)| t >= start);
            let mut latches = 0u64;
            let mut clashes = 0u64;
            for r in 0..rows {
                let (row, row_q) = (r * cols..(r + 1) * cols, r * cols * Q..(r + 1) * cols * Q);
                let b_in = match r.checked_sub(1) {
                    None => &inject_b[..],
                    Some(up) => &b[up * cols * Q..r * cols * Q],
                };
                let (l, x) = output_stationary_row::<T, Q>(
                    OutputRowIn {
                        a: &a[row_q.clone()],
                        tag: &a_tag[row.clone()],
                        inject_a: &inject_a[r * Q..(r + 1) * Q],
                        inject_tag: inject_tag[r],
                        b_in,
                    },
                    OutputRowNext {
                        a: &mut a_next[row_q.clone()],
                        tag: &mut a_tag_next[row.clone()],
                        b: &mut b_next[row_q],
                        acc: &mut acc[row.clone()],
                        out: &mut out[row.clone()],
                        out_fold: &mut out_fold[row],
                    },
                );
                latches += l;
                clashes += x;
            }
            core::mem::swap(&mut a, &mut a_next);
            core::mem::swap(&mut a_tag, &mut a_tag_next);
            core::mem::swap(&mut b, &mut b_next);
            if clashes > 0 {
                return Err(SystolicError::Hazard(
                    "a result overwrote an undrained output",
                ));
            }
            if latches > 0 && draining {
                return Err(SystolicError::Hazard(
                    "a result arrived while outputs drain",
                ));
            }
            latched += latches;

            // Drain: the bottom row's outputs go to C and the rest shift down one row.
            if let Some((g, start)) = drain.filter(|_| draining) {
                let j = (t - start) as usize;
                let (m_fold, n_fold) = (g / n_folds, g % n_folds);
                let row = m_fold * rows + rows - 1 - j;
                let bottom = (rows - 1) * cols;
                for col in 0..cols {
                    if out_fold[bottom + col] != g as u32 + 1 {
                        return Err(SystolicError::Hazard("drained an output of another fold"));
                    }
                    let column = n_fold * cols + col;
                    if row < m && column < n {
                        let at = row * n + column;
                        let v = out[bottom + col];
                        c[at] = if self.accumulate { T::add(c[at], v) } else { v };
                    }
                }
                out.copy_within(0..bottom, cols);
                out_fold.copy_within(0..bottom, cols);
                out_fold[..cols].fill(0);
                if j == rows - 1 {
                    drained_at[g] = Some(t);
                    drain = None;
                    if g == folds - 1 {
                        return Ok(t + 1);
                    }
                }
            }
            if drain.is_none() && latched == (next_drain as u64 + 1) * pes as u64 {
                drain = Some((next_drain, t + 1));
                next_drain += 1;
            }

            t += 1;
            if t > limit {
                return Err(SystolicError::Hazard(
                    "output-stationary run did not finish",
                ));
            }
        }
    }
}

/// One row of a stationary array as it was this cycle, and what enters it from the left.
struct StationaryRowIn<'a, T> {
    /// The partial sums of the row above (`None` for the top row, where +0 enters).
    above: Option<&'a [T]>,
    a: &'a [T],
    tag: &'a [u32],
    inject_a: &'a [T],
    inject_tag: u32,
    plane0: &'a [T],
    plane1: &'a [T],
}

/// The next values of one row of a stationary array: each PE takes its left neighbour's
/// operand and tag, and computes `psum = above + Σ_q a_q × w_q` with `w` from the plane the
/// tag selects.
#[inline(always)]
fn stationary_row<T: Acc, const Q: usize>(
    now: StationaryRowIn<'_, T>,
    a_next: &mut [T],
    tag_next: &mut [u32],
    psum_next: &mut [T],
) {
    let n = psum_next.len();
    match now.above {
        Some(above) => stationary_pes::<T, Q, false>(&now, above, a_next, tag_next, psum_next, n),
        None => stationary_pes::<T, Q, true>(&now, &[], a_next, tag_next, psum_next, n),
    }
}

/// [`stationary_row`] for a row with (`TOP` false) or without a row above.
#[inline(always)]
// Indexed loops over fixed-size rows are what the compiler vectorizes best here.
#[allow(clippy::needless_range_loop)]
fn stationary_pes<T: Acc, const Q: usize, const TOP: bool>(
    now: &StationaryRowIn<'_, T>,
    above: &[T],
    a_next: &mut [T],
    tag_next: &mut [u32],
    psum_next: &mut [T],
    n: usize,
) {
    let above_at = |c: usize| if TOP { T::ZERO } else { above[c] };
    // Column 0 takes the row's input.
    let second = now.inject_tag & PLANE != 0;
    let mut v = above_at(0);
    for q in 0..Q {
        let w = if second { now.plane1[q] } else { now.plane0[q] };
        v = T::mac(v, now.inject_a[q], w);
        a_next[q] = now.inject_a[q];
    }
    tag_next[0] = now.inject_tag;
    psum_next[0] = v;
    // Column c takes column c - 1's registers.
    let m = n - 1;
    let (a_in, tag_in) = (&now.a[..m * Q], &now.tag[..m]);
    let (plane0, plane1) = (&now.plane0[Q..n * Q], &now.plane1[Q..n * Q]);
    let (a_out, tag_out, psum_out) = (
        &mut a_next[Q..n * Q],
        &mut tag_next[1..n],
        &mut psum_next[1..n],
    );
    let above = if TOP { above } else { &above[1..n] };
    for i in 0..m {
        let tg = tag_in[i];
        tag_out[i] = tg;
        let second = tg & PLANE != 0;
        let mut v = if TOP { T::ZERO } else { above[i] };
        for q in 0..Q {
            let at = i * Q + q;
            let w = if second { plane1[at] } else { plane0[at] };
            let x = a_in[at];
            v = T::mac(v, x, w);
            a_out[at] = x;
        }
        psum_out[i] = v;
    }
}

/// The next values of one row of a weight chain: each entry takes the one above it, and a PE
/// whose row the entry is addressed to (`row1` = row + 1) latches it into the plane of the
/// entry's fold.
#[inline(always)]
// Indexed loops over fixed-size rows are what the compiler vectorizes best here.
#[allow(clippy::needless_range_loop)]
fn chain_row<T: Acc, const Q: usize>(
    row1: u32,
    incoming: &[T],
    incoming_tag: &[u32],
    chain_next: &mut [T],
    chain_tag_next: &mut [u32],
    plane0: &mut [T],
    plane1: &mut [T],
) {
    let n = chain_tag_next.len();
    let (incoming, incoming_tag) = (&incoming[..n * Q], &incoming_tag[..n]);
    let (plane0, plane1) = (&mut plane0[..n * Q], &mut plane1[..n * Q]);
    for c in 0..n {
        let tg = incoming_tag[c];
        chain_tag_next[c] = tg;
        let hit = tg & TARGET_ROW == row1;
        let second = (tg >> TARGET_ROW_BITS) & 1 == 1;
        for q in 0..Q {
            let v = incoming[c * Q + q];
            chain_next[c * Q + q] = v;
            let at = c * Q + q;
            plane0[at] = if hit && !second { v } else { plane0[at] };
            plane1[at] = if hit && second { v } else { plane1[at] };
        }
    }
}

/// One row of an output-stationary array as it was this cycle, and what enters it.
struct OutputRowIn<'a, T> {
    a: &'a [T],
    tag: &'a [u32],
    inject_a: &'a [T],
    inject_tag: u32,
    /// B values entering from above: the row above's registers, or the top edge's input.
    b_in: &'a [T],
}

/// Where one row's next values go; `acc`, `out` and `out_fold` stay in place.
struct OutputRowNext<'a, T> {
    a: &'a mut [T],
    tag: &'a mut [u32],
    b: &'a mut [T],
    acc: &'a mut [T],
    out: &'a mut [T],
    out_fold: &'a mut [u32],
}

/// The next values of one row of an output-stationary array: each PE takes A from its left,
/// B from above, accumulates, and on a fold's last step moves the sum to its output register
/// and restarts from +0. Returns (latches, latches onto an occupied output register).
#[inline(always)]
// Indexed loops over fixed-size rows are what the compiler vectorizes best here.
#[allow(clippy::needless_range_loop)]
fn output_stationary_row<T: Acc, const Q: usize>(
    now: OutputRowIn<'_, T>,
    next: OutputRowNext<'_, T>,
) -> (u64, u64) {
    let n = next.acc.len();
    let (mut latches, mut clashes) = (0u32, 0u32);
    let b_in = &now.b_in[..n * Q];
    let (acc, out, out_fold) = (
        &mut next.acc[..n],
        &mut next.out[..n],
        &mut next.out_fold[..n],
    );
    let (a_out, tag_out, b_out) = (
        &mut next.a[..n * Q],
        &mut next.tag[..n],
        &mut next.b[..n * Q],
    );
    // Column 0 takes the row's input.
    let tg = now.inject_tag;
    tag_out[0] = tg;
    let mut v = acc[0];
    for q in 0..Q {
        let (x, y) = (now.inject_a[q], b_in[q]);
        v = T::mac(v, x, y);
        a_out[q] = x;
        b_out[q] = y;
    }
    acc[0] = v;
    latches += u32::from(tg & LAST != 0);
    // Column c takes column c - 1's registers.
    let m = n - 1;
    let (a_in, tag_in) = (&now.a[..m * Q], &now.tag[..m]);
    let (b_rest, acc_rest) = (&b_in[Q..n * Q], &mut acc[1..n]);
    let (a_rest, tag_rest, b_out_rest) = (
        &mut a_out[Q..n * Q],
        &mut tag_out[1..n],
        &mut b_out[Q..n * Q],
    );
    for i in 0..m {
        let tg = tag_in[i];
        tag_rest[i] = tg;
        let mut v = acc_rest[i];
        for q in 0..Q {
            let at = i * Q + q;
            let (x, y) = (a_in[at], b_rest[at]);
            v = T::mac(v, x, y);
            a_rest[at] = x;
            b_out_rest[at] = y;
        }
        acc_rest[i] = v;
        latches += u32::from(tg & LAST != 0);
    }
    // A fold's last step reaches a row at one PE per cycle at most: hand those sums over.
    if latches > 0 {
        for c in 0..n {
            let tg = tag_out[c];
            if tg & LAST != 0 {
                clashes += u32::from(out_fold[c] != 0);
                out[c] = acc[c];
                out_fold[c] = tg & !LAST;
                acc[c] = T::ZERO;
            }
        }
    }
    (latches.into(), clashes.into())
}

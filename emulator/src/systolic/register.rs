//! The register-level model: every PE's registers advance once per cycle.
//!
//! State is kept as structure-of-arrays, row-major `[row][col]` (and `[row][col][q]` for the Q
//! values a PE handles per cycle). Each cycle all registers take their next value from the
//! previous cycle's values: rows are updated bottom-up in place so that a row still reads its
//! upper neighbour's old value, and a row's operands shift one PE to the right.
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
        let cycles = match decode(gemm, c)? {
            Operands::Float(mut d) => {
                let cycles = simulate(&self.config, per_pe, &mut d, gemm.accumulate)?;
                encode_c(&d.c, c);
                cycles
            }
            Operands::Int(mut d) => {
                let cycles = simulate(&self.config, per_pe, &mut d, gemm.accumulate)?;
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
        let mut a = vec![T::ZERO; pes * Q];
        let mut tag = vec![0u32; pes];
        let mut psum = vec![T::ZERO; pes];
        let mut planes = [vec![T::ZERO; pes * Q], vec![T::ZERO; pes * Q]];
        let mut chain = vec![T::ZERO; pes * Q];
        let mut chain_tag = vec![0u32; pes];
        let mut inject_w = vec![T::ZERO; cols * Q];
        let mut inject_wtag = vec![0u32; cols];
        let mut inject_a = vec![T::ZERO; rows * Q];
        let mut row0_history: VecDeque<u32> = VecDeque::from(vec![0; rows]);

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
            for (g, &start) in preload_at.iter().enumerate().skip(first_loading) {
                let (s_fold, k_fold) = (g / k_folds, g % k_folds);
                for col in 0..cols {
                    let Some(j) = t.checked_sub(start + col as u64) else {
                        break;
                    };
                    if j >= r64 {
                        continue;
                    }
                    let row = rows - 1 - j as usize;
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
                    chain_busy_until = Some(t + r64);
                }
            }

            // Operand inputs: row 0 takes the next step of the streaming fold; row r takes what
            // row 0 took r cycles ago.
            let streaming = stream_at
                .last()
                .map(|&s| (stream_at.len() - 1, s))
                .filter(|&(_, s)| t >= s && t < s + items64);
            let row0 = match streaming {
                Some((g, s)) => {
                    let sequence = g * p.items + (t - s) as usize;
                    (sequence as u32 + 1) | if g % 2 == 1 { PLANE } else { 0 }
                }
                None => 0,
            };
            row0_history.pop_back();
            row0_history.push_front(row0);
            for (r, &tg) in row0_history.iter().enumerate() {
                let values = &mut inject_a[r * Q..(r + 1) * Q];
                if tg == 0 {
                    values.fill(T::ZERO);
                    continue;
                }
                let sequence = (tg & SEQUENCE) as usize - 1;
                let (g, item) = (sequence / p.items, sequence % p.items);
                let k_fold = g % k_folds;
                for (q, v) in values.iter_mut().enumerate() {
                    let kk = k_fold * depth + r * Q + q;
                    *v = if kk < p.depth {
                        p.stream[item * p.depth + kk]
                    } else {
                        T::ZERO
                    };
                }
            }

            // Data path, bottom row first.
            for r in (0..rows).rev() {
                let base = r * cols;
                let a_row = &mut a[base * Q..(base + cols) * Q];
                a_row.copy_within(0..(cols - 1) * Q, Q);
                a_row[..Q].copy_from_slice(&inject_a[r * Q..(r + 1) * Q]);
                let tag_row = &mut tag[base..base + cols];
                tag_row.copy_within(0..cols - 1, 1);
                tag_row[0] = row0_history[r];
                let (upper, lower) = psum.split_at_mut(base);
                let above = if r == 0 {
                    None
                } else {
                    Some(&upper[base - cols..])
                };
                stationary_row::<T, Q>(
                    above,
                    &mut lower[..cols],
                    &a[base * Q..(base + cols) * Q],
                    &tag[base..base + cols],
                    &planes[0][base * Q..(base + cols) * Q],
                    &planes[1][base * Q..(base + cols) * Q],
                );
            }

            // Results leaving the bottom row.
            let bottom = (rows - 1) * cols;
            for col in 0..cols {
                let tg = tag[bottom + col];
                if tg == 0 {
                    continue;
                }
                let sequence = (tg & SEQUENCE) as usize - 1;
                let (g, item) = (sequence / p.items, sequence % p.items);
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
                for r in (0..rows).rev() {
                    let base = r * cols;
                    if r == 0 {
                        chain[..cols * Q].copy_from_slice(&inject_w);
                        chain_tag[..cols].copy_from_slice(&inject_wtag);
                    } else {
                        chain.copy_within((base - cols) * Q..base * Q, base * Q);
                        chain_tag.copy_within(base - cols..base, base);
                    }
                    for col in 0..cols {
                        let tg = chain_tag[base + col];
                        if tg & TARGET_ROW != r as u32 + 1 {
                            continue;
                        }
                        let g = (tg >> TARGET_ROW_BITS) as usize;
                        let at = (base + col) * Q;
                        planes[g % 2][at..at + Q].copy_from_slice(&chain[at..at + Q]);
                        if col == 0 {
                            landed_in_col0[g] += 1;
                        }
                    }
                }
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
        let mut acc = vec![T::ZERO; pes];
        let mut out = vec![T::ZERO; pes];
        let mut out_fold = vec![0u32; pes];
        let mut inject_a = vec![T::ZERO; rows * Q];
        let mut inject_tag = vec![0u32; rows];
        let mut inject_b = vec![T::ZERO; cols * Q];
        let mut history: VecDeque<(u32, u32)> = VecDeque::from(vec![(0, 0); rows.max(cols)]);

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
                .map_or((0, 0), |(g, s)| (g as u32 + 1, (t - s) as u32));
            history.pop_back();
            history.push_front(step0);

            // A's rows enter on the left, B's columns at the top, each delayed by its index.
            for r in 0..rows {
                let (g1, step) = history[r];
                let values = &mut inject_a[r * Q..(r + 1) * Q];
                values.fill(T::ZERO);
                inject_tag[r] = 0;
                if g1 == 0 {
                    continue;
                }
                let row = (g1 as usize - 1) / n_folds * rows + r;
                inject_tag[r] = g1 | if step as usize == steps - 1 { LAST } else { 0 };
                for (q, v) in values.iter_mut().enumerate() {
                    let kk = step as usize * Q + q;
                    if row < m && kk < k {
                        *v = a_in[row * k + kk];
                    }
                }
            }
            for col in 0..cols {
                let (g1, step) = history[col];
                let values = &mut inject_b[col * Q..(col + 1) * Q];
                values.fill(T::ZERO);
                if g1 == 0 {
                    continue;
                }
                let column = (g1 as usize - 1) % n_folds * cols + col;
                for (q, v) in values.iter_mut().enumerate() {
                    let kk = step as usize * Q + q;
                    if column < n && kk < k {
                        *v = b_in[kk * n + column];
                    }
                }
            }

            // Data path, bottom row first.
            let draining = drain.is_some_and(|(_, start)| t >= start);
            let mut latches = 0u64;
            let mut clashes = 0u64;
            for r in (0..rows).rev() {
                let base = r * cols;
                let a_row = &mut a[base * Q..(base + cols) * Q];
                a_row.copy_within(0..(cols - 1) * Q, Q);
                a_row[..Q].copy_from_slice(&inject_a[r * Q..(r + 1) * Q]);
                let tag_row = &mut a_tag[base..base + cols];
                tag_row.copy_within(0..cols - 1, 1);
                tag_row[0] = inject_tag[r];
                if r == 0 {
                    b[..cols * Q].copy_from_slice(&inject_b);
                } else {
                    b.copy_within((base - cols) * Q..base * Q, base * Q);
                }
                let (l, x) = output_stationary_row::<T, Q>(
                    &a[base * Q..(base + cols) * Q],
                    &a_tag[base..base + cols],
                    &b[base * Q..(base + cols) * Q],
                    &mut acc[base..base + cols],
                    &mut out[base..base + cols],
                    &mut out_fold[base..base + cols],
                );
                latches += l;
                clashes += x;
            }
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

/// One row of a stationary array: `out[c] = above[c] (or +0) + Σ_q a[c][q] × w[c][q]`, where
/// `w` comes from the plane the operand's tag selects.
#[inline(always)]
fn stationary_row<T: Acc, const Q: usize>(
    above: Option<&[T]>,
    out: &mut [T],
    a: &[T],
    tag: &[u32],
    plane0: &[T],
    plane1: &[T],
) {
    let n = out.len();
    let (a, plane0, plane1, tag) = (&a[..n * Q], &plane0[..n * Q], &plane1[..n * Q], &tag[..n]);
    match above {
        Some(above) => {
            let above = &above[..n];
            for c in 0..n {
                let second = tag[c] & PLANE != 0;
                let mut v = above[c];
                for q in 0..Q {
                    let w = if second {
                        plane1[c * Q + q]
                    } else {
                        plane0[c * Q + q]
                    };
                    v = T::mac(v, a[c * Q + q], w);
                }
                out[c] = v;
            }
        }
        None => {
            for c in 0..n {
                let second = tag[c] & PLANE != 0;
                let mut v = T::ZERO;
                for q in 0..Q {
                    let w = if second {
                        plane1[c * Q + q]
                    } else {
                        plane0[c * Q + q]
                    };
                    v = T::mac(v, a[c * Q + q], w);
                }
                out[c] = v;
            }
        }
    }
}

/// One row of an output-stationary array: accumulate, and on a fold's last step move the sum
/// to the output register. Returns (latches, latches onto an occupied output register).
#[inline(always)]
fn output_stationary_row<T: Acc, const Q: usize>(
    a: &[T],
    tag: &[u32],
    b: &[T],
    acc: &mut [T],
    out: &mut [T],
    out_fold: &mut [u32],
) -> (u64, u64) {
    let n = acc.len();
    let (a, b, tag, out, out_fold) = (
        &a[..n * Q],
        &b[..n * Q],
        &tag[..n],
        &mut out[..n],
        &mut out_fold[..n],
    );
    let mut latches = 0u64;
    let mut clashes = 0u64;
    for c in 0..n {
        let mut v = acc[c];
        for q in 0..Q {
            v = T::mac(v, a[c * Q + q], b[c * Q + q]);
        }
        let last = tag[c] & LAST != 0;
        latches += u64::from(last);
        clashes += u64::from(last && out_fold[c] != 0);
        acc[c] = if last { T::ZERO } else { v };
        out[c] = if last { v } else { out[c] };
        out_fold[c] = if last { tag[c] & !LAST } else { out_fold[c] };
    }
    (latches, clashes)
}

//! The array's cycle loop for each dataflow: sequencer, edge inputs, data path and drain.

use std::collections::VecDeque;

use super::pe::{
    OutputRowIn, OutputRowNext, StationaryRowIn, chain_row, output_stationary_row, stationary_row,
};
use super::{LAST, PLANE, SEQUENCE, Stationary, TARGET_ROW, TARGET_ROW_BITS};
use crate::systolic::SystolicError;
use crate::systolic::operand::Acc;

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

pub(super) struct Array {
    pub(super) rows: usize,
    pub(super) cols: usize,
    pub(super) overlap: bool,
    pub(super) accumulate: bool,
}

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
    pub(super) fn run_stationary<T: Acc, const Q: usize>(
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
    pub(super) fn run_output_stationary<T: Acc, const Q: usize>(
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

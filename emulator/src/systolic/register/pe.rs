//! One row of PEs advanced one cycle: the stationary and output-stationary rows, the weight chain.

use super::{LAST, PLANE, TARGET_ROW, TARGET_ROW_BITS};
use crate::systolic::operand::Acc;

/// One row of a stationary array as it was this cycle, and what enters it from the left.
pub(super) struct StationaryRowIn<'a, T> {
    /// The partial sums of the row above (`None` for the top row, where +0 enters).
    pub(super) above: Option<&'a [T]>,
    pub(super) a: &'a [T],
    pub(super) tag: &'a [u32],
    pub(super) inject_a: &'a [T],
    pub(super) inject_tag: u32,
    pub(super) plane0: &'a [T],
    pub(super) plane1: &'a [T],
}

/// The next values of one row of a stationary array: each PE takes its left neighbour's
/// operand and tag, and computes `psum = above + Σ_q a_q × w_q` with `w` from the plane the
/// tag selects.
#[inline(always)]
pub(super) fn stationary_row<T: Acc, const Q: usize>(
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
pub(super) fn chain_row<T: Acc, const Q: usize>(
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
pub(super) struct OutputRowIn<'a, T> {
    pub(super) a: &'a [T],
    pub(super) tag: &'a [u32],
    pub(super) inject_a: &'a [T],
    pub(super) inject_tag: u32,
    /// B values entering from above: the row above's registers, or the top edge's input.
    pub(super) b_in: &'a [T],
}

/// Where one row's next values go; `acc`, `out` and `out_fold` stay in place.
pub(super) struct OutputRowNext<'a, T> {
    pub(super) a: &'a mut [T],
    pub(super) tag: &'a mut [u32],
    pub(super) b: &'a mut [T],
    pub(super) acc: &'a mut [T],
    pub(super) out: &'a mut [T],
    pub(super) out_fold: &'a mut [u32],
}

/// The next values of one row of an output-stationary array: each PE takes A from its left,
/// B from above, accumulates, and on a fold's last step moves the sum to its output register
/// and restarts from +0. Returns (latches, latches onto an occupied output register).
#[inline(always)]
// Indexed loops over fixed-size rows are what the compiler vectorizes best here.
#[allow(clippy::needless_range_loop)]
pub(super) fn output_stationary_row<T: Acc, const Q: usize>(
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

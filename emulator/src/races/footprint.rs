//! The bytes an engine operation reads and writes, as sorted, merged ranges of each memory it
//! touches: a strided walk folds its dimensions into runs (a dimension whose stride is at most
//! the run so far extends the run), and each remaining index gives one range.

use isa::memory_map::Memory;

use crate::dma::Transfer;
use crate::matrix::MatrixOp;
use crate::memory::Place;
use crate::queue::EngineOp;
use crate::vector::{Kind, VectorOp};

/// The most ranges one operand is listed as; beyond, its hull stands for it (so a sparse walk
/// of millions of elements costs one range, and may report bytes between its elements).
pub(crate) const MAX_RANGES: u64 = 1 << 16;

/// The bytes of one operand: which memory, and its ranges there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Footprint {
    /// The memory (its offset is that of the first range).
    pub(crate) place: Place,
    /// Sorted, disjoint, not touching `[lo, hi)` byte ranges.
    pub(crate) ranges: Vec<(u64, u64)>,
    /// True when a write.
    pub(crate) write: bool,
}

/// The ranges of elements of `size` bytes at `base + Σ i_d · stride_d`, `i_d < count_d`.
pub(crate) fn strided(base: u64, dims: &[(u64, i64)], size: u64) -> Vec<(u64, u64)> {
    let mut lo = i128::from(base);
    let mut rest: Vec<(u64, i128)> = Vec::with_capacity(dims.len());
    for &(count, stride) in dims {
        if count == 0 {
            return Vec::new();
        }
        if count == 1 {
            continue;
        }
        let stride = i128::from(stride);
        if stride < 0 {
            lo += stride * (count as i128 - 1);
        }
        rest.push((count, stride.abs()));
    }
    rest.sort_by_key(|&(_, s)| s);
    // Fold the smallest strides into one run while the copies touch or overlap.
    let mut run = i128::from(size);
    let mut folded = 0;
    for &(count, stride) in &rest {
        if stride > run {
            break;
        }
        run += stride * (count as i128 - 1);
        folded += 1;
    }
    let rest = &rest[folded..];
    let to_u64 = |v: i128| u64::try_from(v.max(0)).unwrap_or(u64::MAX);
    let starts: u128 = rest.iter().map(|&(c, _)| u128::from(c)).product();
    if starts > u128::from(MAX_RANGES) {
        let span: i128 = rest.iter().map(|&(c, s)| s * (c as i128 - 1)).sum();
        return vec![(to_u64(lo), to_u64(lo + span + run))];
    }
    let mut out = Vec::with_capacity(starts as usize);
    let mut index = vec![0u64; rest.len()];
    loop {
        let at = lo
            + rest
                .iter()
                .zip(&index)
                .map(|(&(_, s), &i)| s * i as i128)
                .sum::<i128>();
        out.push((to_u64(at), to_u64(at + run)));
        // The next index, innermost (smallest stride) first.
        let mut d = 0;
        loop {
            if d == rest.len() {
                return merge(out);
            }
            index[d] += 1;
            if index[d] < rest[d].0 {
                break;
            }
            index[d] = 0;
            d += 1;
        }
    }
}

/// Sorts ranges and merges those that overlap or touch.
fn merge(mut ranges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    ranges.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        match out.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

fn contiguous(place: Place, bytes: u64, write: bool) -> Footprint {
    Footprint {
        place,
        ranges: vec![(place.offset, place.offset + bytes)],
        write,
    }
}

fn transfer(t: &Transfer, out: &mut Vec<Footprint>) {
    let d = &t.desc;
    let src: Vec<(u64, i64)> = (0..4).map(|i| (d.count[i], d.src_stride[i])).collect();
    let dst: Vec<(u64, i64)> = (0..4).map(|i| (d.count[i], d.dst_stride_of(i))).collect();
    out.push(Footprint {
        place: t.src,
        ranges: strided(t.src.offset, &src, d.src_type.size()),
        write: false,
    });
    // An accumulating transfer reads its destination too; the write covers the same bytes.
    out.push(Footprint {
        place: t.dst,
        ranges: strided(t.dst.offset, &dst, d.dst_type.size()),
        write: true,
    });
}

fn vector(v: &VectorOp, out: &mut Vec<Footprint>) {
    let operand = |o: &crate::vector::Operand, n: u64, size: u64, write: bool| Footprint {
        place: o.place,
        ranges: strided(o.place.offset, &[(n, o.stride)], size),
        write,
    };
    let (n, size) = (v.n, v.dt.size());
    for o in v.a.iter().chain(v.b.iter()) {
        out.push(operand(o, n, size, false));
    }
    let d_count = if matches!(v.kind, Kind::Reduce(_)) {
        1
    } else {
        n
    };
    // An fma reads its destination before writing it: one thread, so the write covers it.
    out.push(operand(&v.d, d_count, v.out.size(), true));
}

fn matrix(op: &MatrixOp, out: &mut Vec<Footprint>) {
    match *op {
        MatrixOp::Load { src, k, n, dtype } => {
            let bytes = u64::from(k) * u64::from(n) * dtype.size();
            out.push(contiguous(src, bytes, false));
        }
        MatrixOp::Multiply {
            acc,
            a,
            shape,
            dtype,
            ..
        } => {
            let (m, n, k) = (u64::from(shape.m), u64::from(shape.n), u64::from(shape.k));
            out.push(contiguous(a, m * k * dtype.size(), false));
            // `mx.mma` reads the accumulators it writes: the write covers both.
            out.push(contiguous(acc, m * n * 4, true));
        }
        MatrixOp::Out {
            dst,
            acc,
            m,
            n,
            post,
            bias,
            ..
        } => {
            let cells = u64::from(m) * u64::from(n);
            out.push(contiguous(acc, cells * 4, false));
            if let Some(b) = bias {
                out.push(contiguous(b, u64::from(n) * 4, false));
            }
            out.push(contiguous(dst, cells * post.out.size(), true));
        }
    }
}

/// Every operand of `op`, reads before writes.
pub(crate) fn of(op: &EngineOp) -> Vec<Footprint> {
    let mut out = Vec::with_capacity(4);
    match op {
        EngineOp::Dma(t) => transfer(t, &mut out),
        EngineOp::Vector(v) => vector(v, &mut out),
        EngineOp::Matrix(m) => matrix(m, &mut out),
    }
    out.retain(|f| f.place.memory != Memory::Imem && !f.ranges.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_rows_fold_into_one_range() {
        // 4 rows of 8 bf16, packed: one range of 64 bytes.
        assert_eq!(strided(100, &[(8, 2), (4, 16)], 2), vec![(100, 164)]);
    }

    #[test]
    fn strided_rows_give_one_range_each_in_order() {
        assert_eq!(
            strided(0, &[(4, 2), (3, 100)], 2),
            vec![(0, 8), (100, 108), (200, 208)]
        );
    }

    #[test]
    fn a_transposed_walk_covers_the_same_bytes_as_a_plain_one() {
        // Element-wise columns of a 4x4 fp32 matrix: the whole 64 bytes.
        assert_eq!(strided(0, &[(4, 16), (4, 4)], 4), vec![(0, 64)]);
    }

    #[test]
    fn negative_and_zero_strides_cover_what_they_reach() {
        assert_eq!(
            strided(40, &[(3, -8)], 4),
            vec![(24, 28), (32, 36), (40, 44)]
        );
        assert_eq!(strided(40, &[(5, 0)], 4), vec![(40, 44)]);
        assert_eq!(strided(40, &[(0, 4)], 4), vec![]);
    }

    #[test]
    fn a_very_sparse_walk_is_stood_for_by_its_hull() {
        let n = MAX_RANGES + 1;
        assert_eq!(strided(0, &[(n, 64)], 1), vec![(0, (n - 1) * 64 + 1)]);
    }
}

//! The functional effect of a transfer: every source element is read (all of them before any
//! is written), converted to the destination type with one rounding, and written or added.

use crate::memory::Memories;
use crate::memory::strided::{gather, scatter};
use crate::numerics::{self, BinaryOp};

use super::{DmaFault, Transfer};

/// Index of every row (dims 1..3) in order: `(i1, i2, i3)`.
fn rows(count: &[u64; 4]) -> impl Iterator<Item = (u64, u64, u64)> {
    let (c1, c2, c3) = (count[1], count[2], count[3]);
    (0..c3).flat_map(move |i3| (0..c2).flat_map(move |i2| (0..c1).map(move |i1| (i1, i2, i3))))
}

fn offset(base: u64, idx: (u64, u64, u64), stride: impl Fn(usize) -> i64) -> Result<u64, DmaFault> {
    let at = base as i128
        + idx.0 as i128 * stride(1) as i128
        + idx.1 as i128 * stride(2) as i128
        + idx.2 as i128 * stride(3) as i128;
    u64::try_from(at).map_err(|_| DmaFault::NegativeOffset { at })
}

/// Moves the bytes of `t`. `Err` only if the memories differ from those `t` was checked against.
pub fn apply(t: &Transfer, mem: &mut (impl Memories + ?Sized)) -> Result<(), DmaFault> {
    let data = read(t, mem)?;
    write(t, &data, mem)
}

/// Reads every source element of `t` and converts it to the destination type: the bytes
/// [`write`] stores.
pub fn read(t: &Transfer, mem: &(impl Memories + ?Sized)) -> Result<Vec<u8>, DmaFault> {
    let d = &t.desc;
    let (ssize, dsize) = (d.src_type.size() as usize, d.dst_type.size() as usize);
    let row = d.count[0];
    let src = mem.at(&t.src).ok_or(DmaFault::NoMemory(t.src))?;
    let mut raw = Vec::with_capacity(t.elements as usize * ssize);
    for idx in rows(&d.count) {
        let at = offset(t.src.offset, idx, |k| d.src_stride[k])?;
        gather(src, at, d.src_stride[0], row, ssize, &mut raw)?;
    }
    if d.src_type == d.dst_type {
        return Ok(raw);
    }
    let mut out = vec![0u8; t.elements as usize * dsize];
    numerics::convert_slice(d.src_type, &raw, d.dst_type, &mut out)?;
    Ok(out)
}

/// Writes (or, with flag 2, adds) `converted`, from [`read`], at the destination of `t`.
pub fn write(
    t: &Transfer,
    converted: &[u8],
    mem: &mut (impl Memories + ?Sized),
) -> Result<(), DmaFault> {
    let d = &t.desc;
    let dsize = d.dst_type.size() as usize;
    let row = d.count[0];
    let dst = mem.at_mut(&t.dst).ok_or(DmaFault::NoMemory(t.dst))?;
    let row_stride = d.dst_stride_of(0);
    let mut sum = Vec::new();
    for (r, idx) in rows(&d.count).enumerate() {
        let at = offset(t.dst.offset, idx, |k| d.dst_stride_of(k))?;
        let data = &converted[r * row as usize * dsize..(r + 1) * row as usize * dsize];
        if d.accumulate() {
            let mut old = Vec::with_capacity(data.len());
            gather(dst, at, row_stride, row, dsize, &mut old)?;
            sum.resize(data.len(), 0);
            numerics::binary(BinaryOp::Add, d.dst_type, &old, data, &mut sum)?;
            scatter(dst, at, row_stride, dsize, &sum)?;
        } else {
            scatter(dst, at, row_stride, dsize, data)?;
        }
    }
    Ok(())
}

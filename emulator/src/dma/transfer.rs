//! The functional effect of a transfer: every source element is read (all of them before any
//! is written), converted to the destination type with one rounding, and written or added.

use crate::memory::Memories;
use crate::memory::strided::{extent, gather, scatter};
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

/// Elements a transfer moves at a time when its source and destination do not overlap: its host
/// memory is one chunk of rows (or one row, if a row is longer), whatever its size.
pub const CHUNK_ELEMENTS: u64 = 1 << 16;

/// The byte range `[lo, hi)` an end of `t` touches, from its first element's offset.
fn span(offset: u64, count: &[u64; 4], stride: impl Fn(usize) -> i64, size: u64) -> (i128, i128) {
    let (mut lo, mut hi) = (offset as i128, offset as i128 + size as i128);
    for (d, &n) in count.iter().enumerate() {
        let (a, b) = extent(n, stride(d), size);
        lo += a;
        hi += b - size as i128;
    }
    (lo, hi)
}

/// True when `t` may write bytes it has still to read: its ends share a memory and their spans
/// meet.
fn overlaps(t: &Transfer) -> bool {
    let d = &t.desc;
    let same = (t.src.chip, t.src.tile, t.src.memory) == (t.dst.chip, t.dst.tile, t.dst.memory);
    if !same {
        return false;
    }
    let src = span(
        t.src.offset,
        &d.count,
        |k| d.src_stride[k],
        d.src_type.size(),
    );
    let dst = span(
        t.dst.offset,
        &d.count,
        |k| d.dst_stride_of(k),
        d.dst_type.size(),
    );
    src.0 < dst.1 && dst.0 < src.1
}

/// Moves the bytes of `t`. `Err` only if the memories differ from those `t` was checked against.
/// Every source element is read before any is written: when the ends cannot meet, a chunk of
/// rows at a time ([`CHUNK_ELEMENTS`]); otherwise the whole source first.
pub fn apply(t: &Transfer, mem: &mut (impl Memories + ?Sized)) -> Result<(), DmaFault> {
    if overlaps(t) {
        let data = read(t, mem)?;
        return write(t, &data, mem);
    }
    let per_chunk = (CHUNK_ELEMENTS / t.desc.count[0].max(1)).max(1) as usize;
    let mut all = rows(&t.desc.count);
    let mut chunk = Vec::with_capacity(per_chunk);
    loop {
        chunk.clear();
        chunk.extend(all.by_ref().take(per_chunk));
        if chunk.is_empty() {
            return Ok(());
        }
        let data = read_rows(t, chunk.iter().copied(), mem)?;
        write_rows(t, &data, chunk.iter().copied(), mem)?;
    }
}

/// Reads every source element of `t` and converts it to the destination type: the bytes
/// [`write`] stores.
pub fn read(t: &Transfer, mem: &(impl Memories + ?Sized)) -> Result<Vec<u8>, DmaFault> {
    read_rows(t, rows(&t.desc.count), mem)
}

/// Reads the source elements of `t` in rows `which`, converted to the destination type.
fn read_rows(
    t: &Transfer,
    which: impl Iterator<Item = (u64, u64, u64)>,
    mem: &(impl Memories + ?Sized),
) -> Result<Vec<u8>, DmaFault> {
    let d = &t.desc;
    let (ssize, dsize) = (d.src_type.size() as usize, d.dst_type.size() as usize);
    let row = d.count[0];
    let src = mem.at(&t.src).ok_or(DmaFault::NoMemory(t.src))?;
    let mut raw = Vec::new();
    for idx in which {
        let at = offset(t.src.offset, idx, |k| d.src_stride[k])?;
        gather(src, at, d.src_stride[0], row, ssize, &mut raw)?;
    }
    if d.src_type == d.dst_type {
        return Ok(raw);
    }
    let mut out = vec![0u8; raw.len() / ssize * dsize];
    numerics::convert_slice(d.src_type, &raw, d.dst_type, &mut out)?;
    Ok(out)
}

/// Writes (or, with flag 2, adds) `converted`, from [`read`], at the destination of `t`.
pub fn write(
    t: &Transfer,
    converted: &[u8],
    mem: &mut (impl Memories + ?Sized),
) -> Result<(), DmaFault> {
    write_rows(t, converted, rows(&t.desc.count), mem)
}

/// Writes (or adds) `converted`, the elements of rows `which`, at the destination of `t`.
fn write_rows(
    t: &Transfer,
    converted: &[u8],
    which: impl Iterator<Item = (u64, u64, u64)>,
    mem: &mut (impl Memories + ?Sized),
) -> Result<(), DmaFault> {
    let d = &t.desc;
    let dsize = d.dst_type.size() as usize;
    let row = d.count[0];
    let dst = mem.at_mut(&t.dst).ok_or(DmaFault::NoMemory(t.dst))?;
    let row_stride = d.dst_stride_of(0);
    let mut sum = Vec::new();
    for (r, idx) in which.enumerate() {
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

#[cfg(test)]
mod tests {
    use isa::DType;
    use isa::memory_map::Memory;

    use super::*;
    use crate::dma::Descriptor;
    use crate::memory::Place;
    use crate::memory::storage::Storage;

    /// A scratchpad and an HBM, for transfers within one and between the two.
    #[derive(Clone)]
    struct Two {
        spad: Storage,
        hbm: Storage,
    }

    impl Memories for Two {
        fn storage(&self, _: u32, _: Option<u32>, memory: Memory) -> Option<&Storage> {
            Some(if memory == Memory::Spad {
                &self.spad
            } else {
                &self.hbm
            })
        }
        fn storage_mut(&mut self, _: u32, _: Option<u32>, memory: Memory) -> Option<&mut Storage> {
            Some(if memory == Memory::Spad {
                &mut self.spad
            } else {
                &mut self.hbm
            })
        }
    }

    const BYTES: u64 = 1 << 20;

    /// A transfer of `desc` from `src` to `dst` (offsets in the scratchpad, or the HBM when
    /// `cross`), or `None` when it would leave the memories.
    fn transfer(desc: Descriptor, src: u64, dst: u64, cross: bool) -> Option<Transfer> {
        let place = |memory, offset| Place {
            chip: 0,
            tile: Some(0),
            memory,
            offset,
        };
        let t = Transfer {
            desc,
            src: place(Memory::Spad, src),
            dst: place(if cross { Memory::Hbm } else { Memory::Spad }, dst),
            elements: desc.elements()?,
            signal: (0, 0, 0),
        };
        let fits = |(lo, hi): (i128, i128)| lo >= 0 && hi <= BYTES as i128;
        let d = &t.desc;
        let src_span = span(src, &d.count, |k| d.src_stride[k], d.src_type.size());
        let dst_span = span(dst, &d.count, |k| d.dst_stride_of(k), d.dst_type.size());
        (fits(src_span) && fits(dst_span)).then_some(t)
    }

    /// Chunked and whole transfers leave the same bytes, whatever the strides, overlaps,
    /// conversions and flags: the chunks change only how much the host holds at once.
    #[test]
    fn chunks_of_rows_move_what_reading_the_whole_source_first_moves() {
        let mut rng = isa::fuzz::SplitMix64(5);
        let mut seed = Two {
            spad: Storage::dense(BYTES),
            hbm: Storage::paged(BYTES),
        };
        let noise: Vec<u8> = (0..BYTES).map(|_| rng.next_u64() as u8 & 0x3f).collect();
        seed.spad.write(0, &noise).unwrap();
        let types = [DType::U8, DType::Bf16, DType::Fp32, DType::I32];
        let mut checked = 0;
        while checked < 300 {
            let mut r = |n: u64| rng.next_u64() % n;
            let (st, dt) = (types[r(4) as usize], types[r(4) as usize]);
            // Rows long and short, so chunks hold many rows or one.
            let row = [1, 3, 64, 20_000, 70_000][r(5) as usize];
            let count = [row, 1 + r(40), 1 + r(3), 1];
            let stride = |size: u64, r: &mut dyn FnMut(u64) -> u64| {
                let mut s = [0i64; 4];
                s[0] = [size as i64, 0, 2 * size as i64, -(size as i64)][r(4) as usize];
                s[1] = (row as i64 * size as i64) * [1, 1, 0, 2][r(4) as usize];
                s[2] = 4096 * r(3) as i64;
                s
            };
            let desc = Descriptor {
                count,
                src_stride: stride(st.size(), &mut r),
                dst_stride: stride(dt.size(), &mut r),
                src_type: st,
                dst_type: dt,
                flags: [0, 1, 2, 3][r(4) as usize],
            };
            let cross = r(2) == 0;
            let (src, dst) = (r(BYTES / 2) & !7, r(BYTES / 2) & !7);
            let Some(t) = transfer(desc, src, dst, cross) else {
                continue;
            };
            let mut whole = seed.clone();
            let expected = read(&t, &whole).and_then(|data| write(&t, &data, &mut whole));
            let mut chunked = seed.clone();
            let got = apply(&t, &mut chunked);
            assert_eq!(got.is_ok(), expected.is_ok(), "{t:?}");
            assert!(
                chunked.spad.dense_bytes() == whole.spad.dense_bytes(),
                "scratchpad differs after {t:?}"
            );
            let mut a = vec![0; BYTES as usize];
            let mut b = vec![0; BYTES as usize];
            chunked.hbm.read(0, &mut a).unwrap();
            whole.hbm.read(0, &mut b).unwrap();
            assert!(a == b, "HBM differs after {t:?}");
            checked += 1;
        }
    }
}

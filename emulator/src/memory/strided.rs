//! Strided element access: `n` elements of `size` bytes, `stride` bytes apart (negative strides
//! walk backwards, zero repeats one element). Used by the DMA, vector and matrix engines.

use super::storage::{OutOfBounds, Storage};

/// Offset of element `i`, or an error when it falls outside `0..2^64`.
#[inline]
fn element_offset(base: u64, stride: i64, i: u64, size: usize) -> Result<u64, OutOfBounds> {
    let at = base as i128 + stride as i128 * i as i128;
    u64::try_from(at).map_err(|_| OutOfBounds {
        offset: base,
        len: size as u64,
        size: 0,
    })
}

/// Appends `n` elements read from `s` to `out`.
pub fn gather(
    s: &Storage,
    base: u64,
    stride: i64,
    n: u64,
    size: usize,
    out: &mut Vec<u8>,
) -> Result<(), OutOfBounds> {
    let start = out.len();
    let total = n as usize * size;
    if stride == size as i64 {
        out.resize(start + total, 0);
        return s.read(base, &mut out[start..]);
    }
    if stride == 0 {
        let mut one = [0u8; 8];
        s.read(base, &mut one[..size])?;
        out.reserve(total);
        for _ in 0..n {
            out.extend_from_slice(&one[..size]);
        }
        return Ok(());
    }
    out.resize(start + total, 0);
    if let Some(bytes) = s.dense_bytes() {
        for i in 0..n {
            let at = element_offset(base, stride, i, size)? as usize;
            let src = bytes.get(at..at + size).ok_or(OutOfBounds {
                offset: at as u64,
                len: size as u64,
                size: s.size(),
            })?;
            let o = start + i as usize * size;
            out[o..o + size].copy_from_slice(src);
        }
        return Ok(());
    }
    for i in 0..n {
        let at = element_offset(base, stride, i, size)?;
        let o = start + i as usize * size;
        s.read(at, &mut out[o..o + size])?;
    }
    Ok(())
}

/// Writes the elements of `data` (each `size` bytes) to `s`, in order: where elements land on
/// the same bytes (stride 0), the last one stays.
pub fn scatter(
    s: &mut Storage,
    base: u64,
    stride: i64,
    size: usize,
    data: &[u8],
) -> Result<(), OutOfBounds> {
    let n = (data.len() / size) as u64;
    if stride == size as i64 {
        return s.write(base, data);
    }
    if stride == 0 {
        if n > 0 {
            s.write(base, &data[data.len() - size..])?;
        }
        return Ok(());
    }
    let total = s.size();
    if let Some(bytes) = s.dense_bytes_mut() {
        for (i, chunk) in data.chunks_exact(size).enumerate() {
            let at = element_offset(base, stride, i as u64, size)? as usize;
            let dst = bytes.get_mut(at..at + size).ok_or(OutOfBounds {
                offset: at as u64,
                len: size as u64,
                size: total,
            })?;
            dst.copy_from_slice(chunk);
        }
        return Ok(());
    }
    for (i, chunk) in data.chunks_exact(size).enumerate() {
        let at = element_offset(base, stride, i as u64, size)?;
        s.write(at, chunk)?;
    }
    Ok(())
}

/// The byte extent `[lo, hi)` relative to the first element of `n` elements `stride` bytes apart
/// (`lo <= 0`), or `(0, 0)` for no elements.
pub fn extent(n: u64, stride: i64, size: u64) -> (i128, i128) {
    if n == 0 {
        return (0, 0);
    }
    let last = stride as i128 * (n as i128 - 1);
    (last.min(0), last.max(0) + size as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_and_scatters_with_any_stride() {
        let mut m = Storage::dense(64);
        m.write(0, &(0u8..64).collect::<Vec<_>>()).unwrap();
        let mut out = Vec::new();
        gather(&m, 8, 4, 3, 2, &mut out).unwrap();
        assert_eq!(out, [8, 9, 12, 13, 16, 17]);
        out.clear();
        gather(&m, 20, -8, 3, 1, &mut out).unwrap();
        assert_eq!(out, [20, 12, 4]);
        out.clear();
        gather(&m, 3, 0, 3, 1, &mut out).unwrap();
        assert_eq!(out, [3, 3, 3]);
        scatter(&mut m, 40, -2, 1, &[1, 2, 3]).unwrap();
        let mut back = [0u8; 5];
        m.read(36, &mut back).unwrap();
        assert_eq!(back, [3, 37, 2, 39, 1]);
    }

    #[test]
    fn strided_access_past_either_end_is_refused() {
        let m = Storage::dense(16);
        let mut out = Vec::new();
        assert!(gather(&m, 4, -4, 3, 1, &mut out).is_err());
        assert!(gather(&m, 8, 4, 3, 1, &mut out).is_err());
    }

    #[test]
    fn extents_cover_negative_strides() {
        assert_eq!(extent(3, 4, 2), (0, 10));
        assert_eq!(extent(3, -4, 2), (-8, 2));
        assert_eq!(extent(0, 4, 2), (0, 0));
    }
}

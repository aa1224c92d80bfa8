//! Operands: checking and decoding the byte buffers, and the two accumulator types.

use isa::DType;

use super::{Gemm, SystolicError, accumulator_dtype};
use crate::numerics::{canonicalize_nan, decode_f32};

/// What one PE computes in: `f32` (float inputs) or wrapping `i32` (`i8` inputs).
pub(crate) trait Acc: Copy + PartialEq + Send + Sync + core::fmt::Debug + 'static {
    /// The additive identity a partial sum starts from (+0).
    const ZERO: Self;
    /// `acc + a × b`, the product rounded first (no fused multiply-add).
    fn mac(acc: Self, a: Self, b: Self) -> Self;
    /// `x + y`.
    fn add(x: Self, y: Self) -> Self;
    /// Reads the little-endian value.
    fn from_le(bytes: [u8; 4]) -> Self;
    /// The little-endian value, with any NaN made canonical.
    fn to_le(self) -> [u8; 4];
}

impl Acc for f32 {
    const ZERO: f32 = 0.0;
    #[inline(always)]
    fn mac(acc: f32, a: f32, b: f32) -> f32 {
        acc + a * b
    }
    #[inline(always)]
    fn add(x: f32, y: f32) -> f32 {
        x + y
    }
    fn from_le(bytes: [u8; 4]) -> f32 {
        f32::from_le_bytes(bytes)
    }
    fn to_le(self) -> [u8; 4] {
        canonicalize_nan(self).to_le_bytes()
    }
}

impl Acc for i32 {
    const ZERO: i32 = 0;
    #[inline(always)]
    fn mac(acc: i32, a: i32, b: i32) -> i32 {
        acc.wrapping_add(a.wrapping_mul(b))
    }
    #[inline(always)]
    fn add(x: i32, y: i32) -> i32 {
        x.wrapping_add(y)
    }
    fn from_le(bytes: [u8; 4]) -> i32 {
        i32::from_le_bytes(bytes)
    }
    fn to_le(self) -> [u8; 4] {
        self.to_le_bytes()
    }
}

/// A and B decoded into the compute type, plus C's current value.
pub(crate) struct Decoded<T> {
    pub a: Vec<T>,
    pub b: Vec<T>,
    pub c: Vec<T>,
    pub m: usize,
    pub n: usize,
    pub k: usize,
}

/// A, B and C decoded, in `f32` or in `i32`.
pub(crate) enum Operands {
    Float(Decoded<f32>),
    Int(Decoded<i32>),
}

fn expect_len(
    operand: &'static str,
    actual: usize,
    elems: usize,
    size: usize,
) -> Result<(), SystolicError> {
    let expected = elems
        .checked_mul(size)
        .ok_or(SystolicError::TooLarge("operand size overflows"))?;
    if actual != expected {
        return Err(SystolicError::OperandSize {
            operand,
            expected,
            actual,
        });
    }
    Ok(())
}

fn decode_c<T: Acc>(c: &[u8], accumulate: bool, len: usize) -> Vec<T> {
    if accumulate {
        c.chunks_exact(4)
            .map(|w| T::from_le([w[0], w[1], w[2], w[3]]))
            .collect()
    } else {
        vec![T::ZERO; len]
    }
}

/// Checks the buffers' sizes and decodes them.
pub(crate) fn decode(gemm: &Gemm<'_>, c: &[u8]) -> Result<Operands, SystolicError> {
    let acc = accumulator_dtype(gemm.dtype)?;
    let shape = gemm.shape;
    if shape.m == 0 || shape.n == 0 || shape.k == 0 {
        return Err(SystolicError::EmptyShape {
            m: shape.m,
            n: shape.n,
            k: shape.k,
        });
    }
    let (m, n, k) = (shape.m as usize, shape.n as usize, shape.k as usize);
    let size = gemm.dtype.size() as usize;
    let mk = m
        .checked_mul(k)
        .ok_or(SystolicError::TooLarge("m × k overflows"))?;
    let kn = k
        .checked_mul(n)
        .ok_or(SystolicError::TooLarge("k × n overflows"))?;
    let mn = m
        .checked_mul(n)
        .ok_or(SystolicError::TooLarge("m × n overflows"))?;
    expect_len("A", gemm.a.len(), mk, size)?;
    expect_len("B", gemm.b.len(), kn, size)?;
    expect_len("C", c.len(), mn, acc.size() as usize)?;
    let dtype = gemm.dtype;
    Ok(match dtype {
        DType::I8 => Operands::Int(Decoded {
            a: gemm.a.iter().map(|&x| i32::from(x as i8)).collect(),
            b: gemm.b.iter().map(|&x| i32::from(x as i8)).collect(),
            c: decode_c(c, gemm.accumulate, mn),
            m,
            n,
            k,
        }),
        _ => {
            let read = |bytes: &[u8]| decode_floats(dtype, bytes);
            Operands::Float(Decoded {
                a: read(gemm.a),
                b: read(gemm.b),
                c: decode_c(c, gemm.accumulate, mn),
                m,
                n,
                k,
            })
        }
    })
}

/// The `f32` values of a little-endian buffer of float elements, decoded with the type fixed
/// outside the loop.
fn decode_floats(dtype: DType, bytes: &[u8]) -> Vec<f32> {
    fn each<const N: usize>(bytes: &[u8], f: impl Fn([u8; N]) -> f32) -> Vec<f32> {
        bytes
            .chunks_exact(N)
            .map(|e| {
                let mut word = [0u8; N];
                word.copy_from_slice(e);
                f(word)
            })
            .collect()
    }
    match dtype {
        DType::Bf16 => each::<2>(bytes, |w| {
            decode_f32(DType::Bf16, u16::from_le_bytes(w).into())
        }),
        DType::Fp16 => each::<2>(bytes, |w| {
            decode_f32(DType::Fp16, u16::from_le_bytes(w).into())
        }),
        DType::E4M3 => each::<1>(bytes, |w| decode_f32(DType::E4M3, w[0].into())),
        DType::E5M2 => each::<1>(bytes, |w| decode_f32(DType::E5M2, w[0].into())),
        _ => each::<4>(bytes, |w| decode_f32(dtype, u32::from_le_bytes(w))),
    }
}

/// Writes C back, little-endian, NaNs canonical.
pub(crate) fn encode_c<T: Acc>(values: &[T], c: &mut [u8]) {
    for (v, out) in values.iter().zip(c.chunks_exact_mut(4)) {
        out.copy_from_slice(&v.to_le());
    }
}

/// The transpose of the `rows × cols` row-major matrix `x`.
pub(crate) fn transpose<T: Copy>(x: &[T], rows: usize, cols: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(x.len());
    for j in 0..cols {
        out.extend((0..rows).map(|i| x[i * cols + j]));
    }
    out
}

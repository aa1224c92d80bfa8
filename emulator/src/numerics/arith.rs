//! The vector unit's element-wise arithmetic, per element type.
//!
//! Floating types: decode to `f32` (exact), compute in `f32` with one IEEE rounding per
//! operation (`fma` fused, one rounding), make a NaN result canonical, round to the element type
//! to nearest even. Integer types: compute in `i32`; `I32` wraps, `I8` and `U8` saturate the
//! exact result.

use isa::DType;

use super::convert::{decode_f32, encode_f32, encode_result, read_bits, write_bits};
use super::format::{CANONICAL_NAN_F32, canonicalize_nan};
use super::{NumericsError, element_count};

/// A two-operand element-wise operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a × b`.
    Mul,
    /// The larger; NaN if either is NaN; `max(-0, +0) = +0` (IEEE 754-2019 `maximum`).
    Max,
    /// The smaller; NaN if either is NaN; `min(-0, +0) = -0` (IEEE 754-2019 `minimum`).
    Min,
}

impl BinaryOp {
    /// Every operation.
    pub const ALL: [BinaryOp; 5] = [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Max,
        BinaryOp::Min,
    ];

    /// The operation's name.
    pub const fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Max => "max",
            BinaryOp::Min => "min",
        }
    }
}

/// A one-operand element-wise operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `e^x` (`libm::expf`).
    Exp,
    /// `1 / x` (one `f32` division).
    Recip,
    /// `1 / sqrt(x)`: `libm::sqrtf` then one `f32` division (two roundings).
    Rsqrt,
    /// `tanh(x)` (`libm::tanhf`).
    Tanh,
    /// GELU, tanh approximation: see [`gelu_f32`].
    Gelu,
    /// `max(x, 0)`; `relu(-0) = +0`; NaN stays NaN.
    Relu,
}

impl UnaryOp {
    /// Every operation.
    pub const ALL: [UnaryOp; 6] = [
        UnaryOp::Exp,
        UnaryOp::Recip,
        UnaryOp::Rsqrt,
        UnaryOp::Tanh,
        UnaryOp::Gelu,
        UnaryOp::Relu,
    ];

    /// The operation's name.
    pub const fn name(self) -> &'static str {
        match self {
            UnaryOp::Exp => "exp",
            UnaryOp::Recip => "recip",
            UnaryOp::Rsqrt => "rsqrt",
            UnaryOp::Tanh => "tanh",
            UnaryOp::Gelu => "gelu",
            UnaryOp::Relu => "relu",
        }
    }
}

/// A reduction of a vector to one element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    /// Sequential sum, first element to last (floats in `f32`, integers in wrapping `i32`).
    Sum,
    /// Sequential [`BinaryOp::Max`].
    Max,
}

impl ReduceOp {
    /// The operation's name.
    pub const fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "sum",
            ReduceOp::Max => "max",
        }
    }
}

/// `sqrt(2 / π)` rounded to `f32`.
const GELU_SQRT_2_OVER_PI: f32 = 0.797_884_6;
/// The cubic coefficient of the tanh approximation.
const GELU_CUBIC: f32 = 0.044_715;

/// GELU by the tanh approximation (Hendrycks and Gimpel), evaluated in `f32` in exactly this
/// order, each step rounded:
///
/// `u = 0.7978846 × (x + 0.044715 × ((x × x) × x))`, `t = tanhf(u)`,
/// `gelu(x) = (0.5 × x) × (1 + t)`.
///
/// `gelu(+inf) = +inf`, `gelu(-inf) = -0` (the formula would give NaN), NaN stays NaN.
pub fn gelu_f32(x: f32) -> f32 {
    if x == f32::NEG_INFINITY {
        return -0.0;
    }
    let cube = (x * x) * x;
    let u = GELU_SQRT_2_OVER_PI * (x + GELU_CUBIC * cube);
    let t = libm::tanhf(u);
    (0.5 * x) * (1.0 + t)
}

#[inline(always)]
fn max_f32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        CANONICAL_NAN_F32
    } else if a == b {
        // Equal values differ only in the sign of zero: +0 wins.
        f32::from_bits(a.to_bits() & b.to_bits())
    } else if a > b {
        a
    } else {
        b
    }
}

#[inline(always)]
fn min_f32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        CANONICAL_NAN_F32
    } else if a == b {
        f32::from_bits(a.to_bits() | b.to_bits())
    } else if a < b {
        a
    } else {
        b
    }
}

#[inline(always)]
fn binary_f32(op: BinaryOp, a: f32, b: f32) -> f32 {
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Max => max_f32(a, b),
        BinaryOp::Min => min_f32(a, b),
    }
}

#[inline(always)]
fn unary_f32(op: UnaryOp, x: f32) -> f32 {
    match op {
        UnaryOp::Exp => libm::expf(x),
        UnaryOp::Recip => 1.0 / x,
        UnaryOp::Rsqrt => 1.0 / libm::sqrtf(x),
        UnaryOp::Tanh => libm::tanhf(x),
        UnaryOp::Gelu => gelu_f32(x),
        UnaryOp::Relu => {
            // NaN > 0 is false, so test for it first: NaN stays NaN.
            if x > 0.0 || x.is_nan() { x } else { 0.0 }
        }
    }
}

#[inline(always)]
fn binary_i32(op: BinaryOp, a: i32, b: i32) -> i32 {
    match op {
        BinaryOp::Add => a.wrapping_add(b),
        BinaryOp::Sub => a.wrapping_sub(b),
        BinaryOp::Mul => a.wrapping_mul(b),
        BinaryOp::Max => a.max(b),
        BinaryOp::Min => a.min(b),
    }
}

/// How one element type is read into and written from its compute type.
trait FloatCodec {
    const SIZE: usize;
    fn decode(bits: u32) -> f32;
    fn encode(x: f32) -> u32;
}

/// Integer element types: read as `i32`, written wrapping (`I32`) or saturating (8-bit).
trait IntCodec {
    const SIZE: usize;
    fn decode(bits: u32) -> i32;
    fn encode(x: i32) -> u32;
}

macro_rules! float_codec {
    ($name:ident, $size:expr, $dtype:expr) => {
        struct $name;
        impl FloatCodec for $name {
            const SIZE: usize = $size;
            #[inline(always)]
            fn decode(bits: u32) -> f32 {
                decode_f32($dtype, bits)
            }
            #[inline(always)]
            fn encode(x: f32) -> u32 {
                encode_f32($dtype, canonicalize_nan(x))
            }
        }
    };
}

float_codec!(Fp32Codec, 4, DType::Fp32);
float_codec!(Bf16Codec, 2, DType::Bf16);
float_codec!(Fp16Codec, 2, DType::Fp16);
float_codec!(E4M3Codec, 1, DType::E4M3);
float_codec!(E5M2Codec, 1, DType::E5M2);

struct I32Codec;
impl IntCodec for I32Codec {
    const SIZE: usize = 4;
    #[inline(always)]
    fn decode(bits: u32) -> i32 {
        bits as i32
    }
    #[inline(always)]
    fn encode(x: i32) -> u32 {
        x as u32
    }
}

struct I8Codec;
impl IntCodec for I8Codec {
    const SIZE: usize = 1;
    #[inline(always)]
    fn decode(bits: u32) -> i32 {
        i32::from(bits as u8 as i8)
    }
    #[inline(always)]
    fn encode(x: i32) -> u32 {
        (x.clamp(-128, 127) as u32) & 0xFF
    }
}

struct U8Codec;
impl IntCodec for U8Codec {
    const SIZE: usize = 1;
    #[inline(always)]
    fn decode(bits: u32) -> i32 {
        i32::from(bits as u8)
    }
    #[inline(always)]
    fn encode(x: i32) -> u32 {
        x.clamp(0, 255) as u32
    }
}

/// Runs `$body` with `$codec` bound to the float codec of `$dtype`, or `$int` with the integer
/// codec bound to `$icodec`.
macro_rules! dispatch {
    ($dtype:expr, float $codec:ident => $body:expr, int $icodec:ident => $int:expr) => {
        match $dtype {
            DType::Fp32 => {
                type $codec = Fp32Codec;
                $body
            }
            DType::Bf16 => {
                type $codec = Bf16Codec;
                $body
            }
            DType::Fp16 => {
                type $codec = Fp16Codec;
                $body
            }
            DType::E4M3 => {
                type $codec = E4M3Codec;
                $body
            }
            DType::E5M2 => {
                type $codec = E5M2Codec;
                $body
            }
            DType::I32 => {
                type $icodec = I32Codec;
                $int
            }
            DType::I8 => {
                type $icodec = I8Codec;
                $int
            }
            DType::U8 => {
                type $icodec = U8Codec;
                $int
            }
        }
    };
}

fn same_count(dtype: DType, a: &[u8], b: &[u8], out: &[u8]) -> Result<(), NumericsError> {
    let na = element_count(dtype, a)?;
    for other in [b, out] {
        let n = element_count(dtype, other)?;
        if n != na {
            return Err(NumericsError::LengthMismatch { left: na, right: n });
        }
    }
    Ok(())
}

fn float_binary<C: FloatCodec>(op: BinaryOp, a: &[u8], b: &[u8], out: &mut [u8]) {
    #[inline(always)]
    fn run<C: FloatCodec>(a: &[u8], b: &[u8], out: &mut [u8], f: impl Fn(f32, f32) -> f32) {
        let lanes = a.chunks_exact(C::SIZE).zip(b.chunks_exact(C::SIZE));
        for ((x, y), o) in lanes.zip(out.chunks_exact_mut(C::SIZE)) {
            write_bits(
                o,
                C::encode(f(C::decode(read_bits(x)), C::decode(read_bits(y)))),
            );
        }
    }
    match op {
        BinaryOp::Add => run::<C>(a, b, out, |x, y| x + y),
        BinaryOp::Sub => run::<C>(a, b, out, |x, y| x - y),
        BinaryOp::Mul => run::<C>(a, b, out, |x, y| x * y),
        BinaryOp::Max => run::<C>(a, b, out, max_f32),
        BinaryOp::Min => run::<C>(a, b, out, min_f32),
    }
}

fn int_binary<C: IntCodec>(op: BinaryOp, a: &[u8], b: &[u8], out: &mut [u8]) {
    let lanes = a.chunks_exact(C::SIZE).zip(b.chunks_exact(C::SIZE));
    for ((x, y), o) in lanes.zip(out.chunks_exact_mut(C::SIZE)) {
        let r = binary_i32(op, C::decode(read_bits(x)), C::decode(read_bits(y)));
        write_bits(o, C::encode(r));
    }
}

/// `out[i] = a[i] op b[i]` over little-endian buffers of `dtype` elements.
pub fn binary(
    op: BinaryOp,
    dtype: DType,
    a: &[u8],
    b: &[u8],
    out: &mut [u8],
) -> Result<(), NumericsError> {
    same_count(dtype, a, b, out)?;
    dispatch!(dtype,
        float C => float_binary::<C>(op, a, b, out),
        int I => int_binary::<I>(op, a, b, out));
    Ok(())
}

/// `a op b` on one element of each.
pub fn binary_element(op: BinaryOp, dtype: DType, a: u32, b: u32) -> u32 {
    dispatch!(dtype,
        float C => C::encode(binary_f32(op, C::decode(a), C::decode(b))),
        int I => I::encode(binary_i32(op, I::decode(a), I::decode(b))))
}

fn float_unary<C: FloatCodec>(op: UnaryOp, a: &[u8], out: &mut [u8]) {
    #[inline(always)]
    fn run<C: FloatCodec>(a: &[u8], out: &mut [u8], f: impl Fn(f32) -> f32) {
        for (x, o) in a.chunks_exact(C::SIZE).zip(out.chunks_exact_mut(C::SIZE)) {
            write_bits(o, C::encode(f(C::decode(read_bits(x)))));
        }
    }
    match op {
        UnaryOp::Exp => run::<C>(a, out, libm::expf),
        UnaryOp::Recip => run::<C>(a, out, |x| 1.0 / x),
        UnaryOp::Rsqrt => run::<C>(a, out, |x| 1.0 / libm::sqrtf(x)),
        UnaryOp::Tanh => run::<C>(a, out, libm::tanhf),
        UnaryOp::Gelu => run::<C>(a, out, gelu_f32),
        UnaryOp::Relu => run::<C>(a, out, |x| unary_f32(UnaryOp::Relu, x)),
    }
}

fn int_unary<C: IntCodec>(
    op: UnaryOp,
    dtype: DType,
    a: &[u8],
    out: &mut [u8],
) -> Result<(), NumericsError> {
    if op != UnaryOp::Relu {
        return Err(NumericsError::Unsupported {
            op: op.name(),
            dtype,
        });
    }
    for (x, o) in a.chunks_exact(C::SIZE).zip(out.chunks_exact_mut(C::SIZE)) {
        write_bits(o, C::encode(C::decode(read_bits(x)).max(0)));
    }
    Ok(())
}

/// `out[i] = op(a[i])`. Integer types support only [`UnaryOp::Relu`].
pub fn unary(op: UnaryOp, dtype: DType, a: &[u8], out: &mut [u8]) -> Result<(), NumericsError> {
    same_count(dtype, a, a, out)?;
    dispatch!(dtype,
        float C => { float_unary::<C>(op, a, out); Ok(()) },
        int I => int_unary::<I>(op, dtype, a, out))
}

/// `op(a)` on one element. Integer types support only [`UnaryOp::Relu`].
pub fn unary_element(op: UnaryOp, dtype: DType, a: u32) -> Result<u32, NumericsError> {
    dispatch!(dtype,
    float C => Ok(C::encode(unary_f32(op, C::decode(a)))),
    int I => {
        if op == UnaryOp::Relu {
            Ok(I::encode(I::decode(a).max(0)))
        } else {
            Err(NumericsError::Unsupported { op: op.name(), dtype })
        }
    })
}

/// `d[i] = a[i] × b[i] + d[i]`: fused for floats (`libm::fmaf`, one rounding to `f32`, then
/// one to the element type); exact then wrapping (`I32`) or saturating (8-bit) for integers.
pub fn fma(dtype: DType, a: &[u8], b: &[u8], d: &mut [u8]) -> Result<(), NumericsError> {
    same_count(dtype, a, b, d)?;
    dispatch!(dtype,
    float C => {
        let lanes = a.chunks_exact(C::SIZE).zip(b.chunks_exact(C::SIZE));
        for ((x, y), acc) in lanes.zip(d.chunks_exact_mut(C::SIZE)) {
            let r = libm::fmaf(C::decode(read_bits(x)), C::decode(read_bits(y)), C::decode(read_bits(acc)));
            write_bits(acc, C::encode(r));
        }
    },
    int I => {
        let lanes = a.chunks_exact(I::SIZE).zip(b.chunks_exact(I::SIZE));
        for ((x, y), acc) in lanes.zip(d.chunks_exact_mut(I::SIZE)) {
            let r = I::decode(read_bits(x)).wrapping_mul(I::decode(read_bits(y))).wrapping_add(I::decode(read_bits(acc)));
            write_bits(acc, I::encode(r));
        }
    });
    Ok(())
}

/// `a × b + d` on one element of each (see [`fma`]).
pub fn fma_element(dtype: DType, a: u32, b: u32, d: u32) -> u32 {
    dispatch!(dtype,
        float C => C::encode(libm::fmaf(C::decode(a), C::decode(b), C::decode(d))),
        int I => I::encode(I::decode(a).wrapping_mul(I::decode(b)).wrapping_add(I::decode(d))))
}

/// Reduces a buffer to one element, returned as raw bits.
///
/// Sequential, first element to last. Floats: in `f32`, starting from the first element (a sum
/// of nothing is +0), the result rounded once to the element type. Integers: wrapping `i32`,
/// the result saturated to an 8-bit type. A max of nothing is an error.
pub fn reduce(op: ReduceOp, dtype: DType, a: &[u8]) -> Result<u32, NumericsError> {
    let mut r = Reduction::new(op, dtype);
    r.feed(a)?;
    r.finish()
}

/// A [`reduce`] fed buffer after buffer: [`Reduction::finish`] gives what [`reduce`] gives over
/// their concatenation (the same order, the same one rounding), so a long reduction is never
/// held whole.
#[derive(Clone, Copy, Debug)]
pub struct Reduction {
    op: ReduceOp,
    dtype: DType,
    /// The unrounded result so far (`f32` bits for floats, `i32` bits for integers); `None`
    /// before the first element.
    partial: Option<u32>,
}

impl Reduction {
    /// A reduction of no elements yet.
    pub fn new(op: ReduceOp, dtype: DType) -> Reduction {
        Reduction {
            op,
            dtype,
            partial: None,
        }
    }

    /// Takes in the next elements, `a`.
    pub fn feed(&mut self, a: &[u8]) -> Result<(), NumericsError> {
        element_count(self.dtype, a)?;
        let (op, partial) = (self.op, self.partial);
        self.partial = dispatch!(self.dtype,
        float C => {
            let mut lanes = a.chunks_exact(C::SIZE).map(|x| C::decode(read_bits(x)));
            let first = partial.map(f32::from_bits).or_else(|| lanes.next());
            first.map(|first| match op {
                ReduceOp::Sum => lanes.fold(first, |s, x| s + x),
                ReduceOp::Max => lanes.fold(first, max_f32),
            }.to_bits())
        },
        int I => {
            let mut lanes = a.chunks_exact(I::SIZE).map(|x| I::decode(read_bits(x)));
            let first = partial.map(|r| r as i32).or_else(|| lanes.next());
            first.map(|first| match op {
                ReduceOp::Sum => lanes.fold(first, i32::wrapping_add),
                ReduceOp::Max => lanes.fold(first, i32::max),
            } as u32)
        });
        Ok(())
    }

    /// The result, rounded once to the element type, as raw bits.
    pub fn finish(self) -> Result<u32, NumericsError> {
        let Some(partial) = self.partial else {
            return match self.op {
                ReduceOp::Sum => Ok(encode_result(self.dtype, 0.0)),
                ReduceOp::Max => Err(NumericsError::EmptyReduction),
            };
        };
        Ok(dispatch!(self.dtype,
            float C => C::encode(f32::from_bits(partial)),
            int I => I::encode(partial as i32)))
    }
}

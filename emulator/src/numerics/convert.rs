//! Conversions between every pair of element types, on raw bit patterns and on byte buffers.

use half::f16;
use isa::DType;

use super::format::{FloatFormat, Rounding, canonicalize_nan};
use super::{NumericsError, element_count};

/// The floating-point format of `dtype`, or `None` for the integer types.
pub const fn float_format(dtype: DType) -> Option<FloatFormat> {
    match dtype {
        DType::E4M3 => Some(FloatFormat::E4M3),
        DType::E5M2 => Some(FloatFormat::E5M2),
        DType::Bf16 => Some(FloatFormat::BF16),
        DType::Fp16 => Some(FloatFormat::FP16),
        DType::Fp32 => Some(FloatFormat::FP32),
        DType::I8 | DType::U8 | DType::I32 => None,
    }
}

const fn fp8_table(format: FloatFormat) -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = format.decode_f32_bits(i as u32);
        i += 1;
    }
    table
}

static E4M3_TO_F32: [u32; 256] = fp8_table(FloatFormat::E4M3);
static E5M2_TO_F32: [u32; 256] = fp8_table(FloatFormat::E5M2);

/// The element `bits` of type `dtype` as an `f32`.
///
/// Exact for every type except `I32` values beyond 2^24 in magnitude, which round to nearest
/// even (use [`decode_f64`] for those). NaNs come back as quiet NaNs with sign and payload.
#[inline]
pub fn decode_f32(dtype: DType, bits: u32) -> f32 {
    match dtype {
        DType::Fp32 => f32::from_bits(bits),
        DType::Bf16 => {
            // bf16 is the top half of an f32; a NaN also gets its quiet bit.
            let wide = bits << 16;
            if wide & 0x7FFF_FFFF > 0x7F80_0000 {
                f32::from_bits(wide | 0x0040_0000)
            } else {
                f32::from_bits(wide)
            }
        }
        DType::Fp16 => {
            let h = f16::from_bits(bits as u16);
            if h.is_nan() {
                FloatFormat::FP16.decode_f32(bits & 0xFFFF)
            } else {
                h.to_f32()
            }
        }
        DType::E4M3 => f32::from_bits(E4M3_TO_F32[(bits & 0xFF) as usize]),
        DType::E5M2 => f32::from_bits(E5M2_TO_F32[(bits & 0xFF) as usize]),
        DType::I8 => f32::from(bits as u8 as i8),
        DType::U8 => f32::from(bits as u8),
        DType::I32 => bits as i32 as f32,
    }
}

/// The element `bits` of type `dtype` as an `f64`, exactly (NaNs as in [`decode_f32`]).
#[inline]
pub fn decode_f64(dtype: DType, bits: u32) -> f64 {
    match dtype {
        DType::I32 => f64::from(bits as i32),
        _ => f64::from(decode_f32(dtype, bits)),
    }
}

/// `x` rounded to nearest even into `dtype`, as raw bits.
///
/// Floating types: see [`FloatFormat::encode_f64`] (E4M3 saturates at ±448, the others
/// overflow to ±infinity). Integer types: round to nearest even, saturate at the type's range,
/// NaN gives 0.
#[inline]
pub fn encode_f32(dtype: DType, x: f32) -> u32 {
    match dtype {
        DType::Fp32 => x.to_bits(),
        DType::Bf16 => {
            let bits = x.to_bits();
            if x.is_nan() {
                FloatFormat::FP32.convert_nan(bits, FloatFormat::BF16)
            } else {
                // Round to nearest even on the 16 bits dropped; a carry into the exponent is the
                // correct next binade (or infinity).
                let rounding_bias = 0x7FFF + ((bits >> 16) & 1);
                (bits + rounding_bias) >> 16
            }
        }
        DType::Fp16 => {
            if x.is_nan() {
                FloatFormat::FP32.convert_nan(x.to_bits(), FloatFormat::FP16)
            } else {
                u32::from(f16::from_f32(x).to_bits())
            }
        }
        DType::E4M3 | DType::E5M2 | DType::I8 | DType::U8 | DType::I32 => {
            encode_f64(dtype, f64::from(x))
        }
    }
}

/// `x` rounded to nearest even into `dtype`, as raw bits (one rounding from `f64`; rules as in
/// [`encode_f32`]).
pub fn encode_f64(dtype: DType, x: f64) -> u32 {
    encode_f64_with(dtype, x, Rounding::NearestEven)
}

/// `x` rounded into `dtype` with stochastic rounding driven by `random` (see
/// [`Rounding::Stochastic`]): deterministic given `random`. Overflow, NaN and saturation follow
/// the same rules as [`encode_f32`].
pub fn encode_stochastic(dtype: DType, x: f32, random: u32) -> u32 {
    encode_f64_with(dtype, f64::from(x), Rounding::Stochastic(random))
}

fn encode_f64_with(dtype: DType, x: f64, rounding: Rounding) -> u32 {
    match float_format(dtype) {
        Some(format) => format.encode_f64(x, rounding),
        None => {
            let (lo, hi) = match dtype {
                DType::I8 => (f64::from(i8::MIN), f64::from(i8::MAX)),
                DType::U8 => (0.0, f64::from(u8::MAX)),
                _ => (f64::from(i32::MIN), f64::from(i32::MAX)),
            };
            let v = round_to_integer(x, rounding).clamp(lo, hi);
            let v = v as i64; // exact: |v| ≤ 2^31
            match dtype {
                DType::I8 | DType::U8 => (v as u32) & 0xFF,
                _ => v as i32 as u32,
            }
        }
    }
}

/// `x` rounded to an integral `f64` (NaN gives 0; infinities stay, to be clamped).
fn round_to_integer(x: f64, rounding: Rounding) -> f64 {
    if x.is_nan() {
        return 0.0;
    }
    match rounding {
        Rounding::NearestEven => x.round_ties_even(),
        Rounding::Stochastic(random) => {
            let magnitude = x.abs();
            if magnitude >= 4_503_599_627_370_496.0 || magnitude.is_infinite() {
                return x; // 2^52 and beyond are integers already
            }
            let floor = magnitude.floor();
            // The fraction has at most 52 bits, so this product and floor are exact.
            let threshold = ((magnitude - floor) * 4_294_967_296.0).floor();
            let up = f64::from(random) < threshold;
            let r = floor + if up { 1.0 } else { 0.0 };
            if x < 0.0 { -r } else { r }
        }
    }
}

/// The element `bits` of type `from` converted to type `to`, with a single rounding.
///
/// Integers convert exactly or saturate; floats round to nearest even into narrower floats and
/// to nearest even and saturating into integers (NaN → 0); a float NaN stays NaN with its sign
/// (payload truncated or extended, quiet bit set). Widening float conversions are exact, and a
/// conversion to the same type returns `bits` unchanged.
pub fn convert(from: DType, to: DType, bits: u32) -> u32 {
    if from == to {
        return bits;
    }
    if let (Some(f), Some(t)) = (float_format(from), float_format(to)) {
        if f.is_nan(bits) {
            return f.convert_nan(bits, t);
        }
        if from != DType::Fp32 && to == DType::Fp32 {
            return f.decode_f32_bits(bits);
        }
    }
    encode_f64(to, decode_f64(from, bits))
}

/// Reads element `index` of a little-endian buffer of `dtype` elements.
pub fn load(dtype: DType, bytes: &[u8], index: usize) -> Result<u32, NumericsError> {
    let count = element_count(dtype, bytes)?;
    if index >= count {
        return Err(NumericsError::OutOfBounds {
            dtype,
            index,
            count,
        });
    }
    let size = dtype.size() as usize;
    Ok(read_bits(&bytes[index * size..(index + 1) * size]))
}

/// Writes `bits` as element `index` of a little-endian buffer of `dtype` elements.
pub fn store(dtype: DType, bytes: &mut [u8], index: usize, bits: u32) -> Result<(), NumericsError> {
    let count = element_count(dtype, bytes)?;
    if index >= count {
        return Err(NumericsError::OutOfBounds {
            dtype,
            index,
            count,
        });
    }
    let size = dtype.size() as usize;
    write_bits(&mut bytes[index * size..(index + 1) * size], bits);
    Ok(())
}

/// The little-endian element in `chunk` (1, 2 or 4 bytes).
#[inline(always)]
pub(crate) fn read_bits(chunk: &[u8]) -> u32 {
    match *chunk {
        [b0] => u32::from(b0),
        [b0, b1] => u32::from(u16::from_le_bytes([b0, b1])),
        [b0, b1, b2, b3] => u32::from_le_bytes([b0, b1, b2, b3]),
        _ => 0,
    }
}

/// Writes the low bits of `bits` into `chunk` (1, 2 or 4 bytes), little-endian.
#[inline(always)]
pub(crate) fn write_bits(chunk: &mut [u8], bits: u32) {
    let le = bits.to_le_bytes();
    let n = chunk.len().min(4);
    chunk[..n].copy_from_slice(&le[..n]);
}

/// Converts a buffer of `from` elements into a buffer of `to` elements, element by element, as
/// [`convert`] does (the DMA's dtype conversion).
pub fn convert_slice(
    from: DType,
    src: &[u8],
    to: DType,
    dst: &mut [u8],
) -> Result<(), NumericsError> {
    let left = element_count(from, src)?;
    let right = element_count(to, dst)?;
    if left != right {
        return Err(NumericsError::LengthMismatch { left, right });
    }
    let (fs, ts) = (from.size() as usize, to.size() as usize);
    if from == to {
        dst.copy_from_slice(src);
        return Ok(());
    }
    let pairs = src.chunks_exact(fs).zip(dst.chunks_exact_mut(ts));
    if float_format(from).is_some() && to == DType::Fp32 {
        for (s, d) in pairs {
            write_bits(d, decode_f32(from, read_bits(s)).to_bits());
        }
    } else if from == DType::Fp32 && float_format(to).is_some() {
        for (s, d) in pairs {
            write_bits(d, encode_f32(to, f32::from_bits(read_bits(s))));
        }
    } else {
        for (s, d) in pairs {
            write_bits(d, convert(from, to, read_bits(s)));
        }
    }
    Ok(())
}

/// `x` with NaN made canonical, rounded into `dtype`: how every arithmetic result is stored.
#[inline(always)]
pub(crate) fn encode_result(dtype: DType, x: f32) -> u32 {
    encode_f32(dtype, canonicalize_nan(x))
}

//! The host reference: textbook decoding, rounding by nearest-value search, arithmetic in `f64`.

use isa::DType;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::numerics::{BinaryOp, CANONICAL_NAN_F32, encode_f32, float_format, store};

pub(super) const NARROW_FLOATS: [DType; 4] = [DType::E4M3, DType::E5M2, DType::Bf16, DType::Fp16];
pub(super) const FLOATS: [DType; 5] = [
    DType::E4M3,
    DType::E5M2,
    DType::Bf16,
    DType::Fp16,
    DType::Fp32,
];

/// Exponent bits, mantissa bits, bias, and whether the all-ones exponent is special, written out
/// here again rather than taken from `FloatFormat`.
pub(super) fn layout(dtype: DType) -> (u32, u32, i32, bool) {
    match dtype {
        DType::E4M3 => (4, 3, 7, false),
        DType::E5M2 => (5, 2, 15, true),
        DType::Bf16 => (8, 7, 127, true),
        DType::Fp16 => (5, 10, 15, true),
        DType::Fp32 => (8, 23, 127, true),
        _ => unreachable!("not a float type"),
    }
}

/// What the textbook says `bits` means: `None` for NaN.
pub(super) fn textbook_value(dtype: DType, bits: u32) -> Option<f64> {
    let (e, m, bias, ieee) = layout(dtype);
    let sign = if (bits >> (e + m)) & 1 == 1 {
        -1.0
    } else {
        1.0
    };
    let exp = (bits >> m) & ((1 << e) - 1);
    let man = bits & ((1 << m) - 1);
    let all_ones = (1 << e) - 1;
    if ieee && exp == all_ones {
        return if man == 0 {
            Some(sign * f64::INFINITY)
        } else {
            None
        };
    }
    if !ieee && exp == all_ones && man == (1 << m) - 1 {
        return None;
    }
    let fraction = f64::from(man) / f64::from(1u32 << m);
    let v = if exp == 0 {
        fraction * 2f64.powi(1 - bias)
    } else {
        (1.0 + fraction) * 2f64.powi(exp as i32 - bias)
    };
    Some(sign * v)
}

/// Every non-negative finite value of a narrow float type, sorted, with its bits.
pub(super) struct Grid {
    pub(super) dtype: DType,
    pub(super) values: Vec<(f64, u32)>,
    saturating: bool,
    inf_bits: u32,
}

impl Grid {
    fn new(dtype: DType) -> Grid {
        let (e, m, _, ieee) = layout(dtype);
        let positive = 1u32 << (e + m);
        let mut values: Vec<(f64, u32)> = (0..positive)
            .filter_map(|b| textbook_value(dtype, b).map(|v| (v, b)))
            .filter(|(v, _)| v.is_finite())
            .collect();
        values.sort_by(|x, y| x.0.total_cmp(&y.0));
        Grid {
            dtype,
            values,
            saturating: !ieee,
            inf_bits: ((1 << e) - 1) << m,
        }
    }

    fn sign_bit(&self) -> u32 {
        let (e, m, _, _) = layout(self.dtype);
        1 << (e + m)
    }

    /// `x` rounded to nearest, ties to even, by looking at its two neighbours.
    fn round(&self, x: f64) -> Option<u32> {
        if x.is_nan() {
            return None;
        }
        let sign = if x.is_sign_negative() {
            self.sign_bit()
        } else {
            0
        };
        let a = x.abs();
        let (max, max_bits) = *self.values.last().unwrap();
        if a > max {
            if self.saturating {
                return Some(sign | max_bits);
            }
            let (below_max, _) = self.values[self.values.len() - 2];
            let gap = max - below_max;
            return Some(
                sign | if a >= max + gap / 2.0 {
                    self.inf_bits
                } else {
                    max_bits
                },
            );
        }
        let i = self.values.partition_point(|(v, _)| *v <= a);
        let (lo, lo_bits) = self.values[i - 1];
        if lo == a {
            return Some(sign | lo_bits);
        }
        let (hi, hi_bits) = self.values[i];
        let pick = match (a - lo).total_cmp(&(hi - a)) {
            std::cmp::Ordering::Less => lo_bits,
            std::cmp::Ordering::Greater => hi_bits,
            std::cmp::Ordering::Equal => {
                if lo_bits & 1 == 0 {
                    lo_bits
                } else {
                    hi_bits
                }
            }
        };
        Some(sign | pick)
    }
}

/// Round half to even written with `floor`, then saturate; NaN → 0.
fn reference_integer(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() {
        return 0.0;
    }
    let f = x.floor();
    let d = x - f;
    let up = d > 0.5 || (d == 0.5 && f % 2.0 != 0.0);
    let r = if up { f + 1.0 } else { f };
    r.max(lo).min(hi)
}

pub(super) fn reference_encode(grids: &[Grid], dtype: DType, x: f64) -> Option<u32> {
    match dtype {
        DType::I8 => Some(reference_integer(x, -128.0, 127.0) as i64 as u32 & 0xFF),
        DType::U8 => Some(reference_integer(x, 0.0, 255.0) as u32),
        DType::I32 => Some(reference_integer(x, -2147483648.0, 2147483647.0) as i64 as i32 as u32),
        DType::Fp32 => {
            if x.is_nan() {
                None
            } else {
                Some((x as f32).to_bits())
            }
        }
        _ => grids.iter().find(|g| g.dtype == dtype).unwrap().round(x),
    }
}

pub(super) fn grids() -> Vec<Grid> {
    NARROW_FLOATS.iter().map(|&t| Grid::new(t)).collect()
}

pub(super) fn is_nan_bits(dtype: DType, bits: u32) -> bool {
    float_format(dtype).is_some_and(|f| f.is_nan(bits))
}

/// `op` in f64, rounded to f32 (exact for +, −, × of f32 values: f64 has more than 2 × 24 + 2
/// bits), NaN canonical.
pub(super) fn reference_binary_f32(op: BinaryOp, a: f32, b: f32) -> f32 {
    let (x, y) = (f64::from(a), f64::from(b));
    if x.is_nan() || y.is_nan() {
        return CANONICAL_NAN_F32;
    }
    let r = match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::Max | BinaryOp::Min => {
            let max = op == BinaryOp::Max;
            if x == y {
                // ±0: max prefers +0, min prefers -0.
                let negative = if max {
                    x.is_sign_negative() && y.is_sign_negative()
                } else {
                    x.is_sign_negative() || y.is_sign_negative()
                };
                if negative { -x.abs() } else { x.abs() }
            } else if (x > y) == max {
                x
            } else {
                y
            }
        }
    };
    let r = r as f32;
    if r.is_nan() { CANONICAL_NAN_F32 } else { r }
}

pub(super) fn random_bits(rng: &mut ChaCha8Rng, dtype: DType) -> u32 {
    let bits = rng.random::<u32>();
    match dtype.size() {
        1 => bits & 0xFF,
        2 => bits & 0xFFFF,
        _ => bits,
    }
}

pub(super) fn encode_reference(grids: &[Grid], dtype: DType, r: f32) -> u32 {
    if r.is_nan() {
        return encode_f32(dtype, CANONICAL_NAN_F32);
    }
    reference_encode(grids, dtype, f64::from(r)).unwrap()
}

/// `a × b + d` rounded once to f32: the product is exact in f64, the sum's rounding error is
/// recovered with TwoSum, and a double-rounding tie is broken by the error's sign.
pub(super) fn reference_fma_f32(a: f32, b: f32, d: f32) -> f32 {
    let p = f64::from(a) * f64::from(b);
    let d = f64::from(d);
    let s = p + d;
    if !s.is_finite() {
        return s as f32;
    }
    let bb = s - p;
    let err = (p - (s - bb)) + (d - bb);
    let r = s as f32;
    if err == 0.0 || !r.is_finite() {
        return r;
    }
    let (lo, hi) = if f64::from(r) <= s {
        (r, r.next_up())
    } else {
        (r.next_down(), r)
    };
    let mid = (f64::from(lo) + f64::from(hi)) / 2.0;
    if s == mid {
        if err > 0.0 { hi } else { lo }
    } else {
        r
    }
}

pub(super) fn buffer(dtype: DType, values: &[f32]) -> Vec<u8> {
    let size = dtype.size() as usize;
    let mut out = vec![0u8; values.len() * size];
    for (i, &v) in values.iter().enumerate() {
        store(dtype, &mut out, i, encode_f32(dtype, v)).unwrap();
    }
    out
}

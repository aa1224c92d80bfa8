//! The host reference: element types, exact decoding, one-rounding encoding and conversion, all
//! written from docs/numerics.md. bf16 and fp16 go through the `half` crate where a value is an
//! `f32`; every other format (fp8 included) is decoded and encoded here from its definition.

use half::{bf16, f16};

/// An element type of the ISA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    I8,
    U8,
    I32,
    E4m3,
    E5m2,
    Bf16,
    Fp16,
    Fp32,
}

pub use Ty::*;

/// Every element type, in the ISA's code order.
pub const ALL: [Ty; 8] = [I8, U8, I32, E4m3, E5m2, Bf16, Fp16, Fp32];

/// A floating-point format: exponent and mantissa widths, and its top binade's treatment.
struct Format {
    exp: u32,
    man: u32,
    /// E4M3: no infinity, only S.1111.111 is NaN, overflow saturates.
    e4m3: bool,
}

impl Ty {
    /// The suffix in assembly.
    pub fn name(self) -> &'static str {
        match self {
            I8 => "i8",
            U8 => "u8",
            I32 => "i32",
            E4m3 => "e4m3",
            E5m2 => "e5m2",
            Bf16 => "bf16",
            Fp16 => "fp16",
            Fp32 => "fp32",
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            I8 | U8 | E4m3 | E5m2 => 1,
            Bf16 | Fp16 => 2,
            I32 | Fp32 => 4,
        }
    }

    pub fn is_float(self) -> bool {
        !matches!(self, I8 | U8 | I32)
    }

    fn format(self) -> Format {
        let (exp, man) = match self {
            E4m3 => (4, 3),
            E5m2 => (5, 2),
            Bf16 => (8, 7),
            Fp16 => (5, 10),
            Fp32 => (8, 23),
            _ => panic!("{self:?} is not a float"),
        };
        Format {
            exp,
            man,
            e4m3: self == E4m3,
        }
    }

    /// Whether `bits` is a NaN of this type.
    pub fn is_nan(self, bits: u32) -> bool {
        self.is_float() && matches!(decode(self, bits), Value::Nan { .. })
    }
}

/// A decoded element: a number (exact in `f64`, infinities included) or a NaN with its sign and
/// its mantissa left-aligned in 64 bits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Num(f64),
    Nan { neg: bool, payload: u64 },
}

/// The value of `bits` as `ty`, exactly.
pub fn decode(ty: Ty, bits: u32) -> Value {
    match ty {
        I8 => Value::Num(f64::from(bits as u8 as i8)),
        U8 => Value::Num(f64::from(bits as u8)),
        I32 => Value::Num(f64::from(bits as i32)),
        _ => {
            let f = ty.format();
            let neg = bits >> (f.exp + f.man) & 1 == 1;
            let e = (bits >> f.man) & ((1 << f.exp) - 1);
            let m = bits & ((1 << f.man) - 1);
            let top = (1 << f.exp) - 1;
            let bias = (1i32 << (f.exp - 1)) - 1;
            let sign = if neg { -1.0 } else { 1.0 };
            if e == top && (!f.e4m3 || m == (1 << f.man) - 1) {
                return if m == 0 {
                    Value::Num(sign * f64::INFINITY)
                } else {
                    Value::Nan {
                        neg,
                        payload: u64::from(m) << (64 - f.man),
                    }
                };
            }
            let (sig, exp) = if e == 0 {
                (f64::from(m), 1 - bias - f.man as i32)
            } else {
                (f64::from(m | 1 << f.man), e as i32 - bias - f.man as i32)
            };
            Value::Num(sign * sig * 2f64.powi(exp))
        }
    }
}

/// `bits` of a float type as `f64` (NaN as a NaN).
pub fn value(ty: Ty, bits: u32) -> f64 {
    match decode(ty, bits) {
        Value::Num(x) => x,
        Value::Nan { .. } => f64::NAN,
    }
}

/// `x` rounded once, to nearest even, into float type `ty` (overflow as docs/numerics.md says).
fn encode_float(ty: Ty, x: f64) -> u32 {
    let f = ty.format();
    let sign = if x.is_sign_negative() {
        1 << (f.exp + f.man)
    } else {
        0
    };
    let bias = (1i32 << (f.exp - 1)) - 1;
    let top = (1u32 << f.exp) - 1;
    let max_bits = if f.e4m3 {
        0x7E
    } else {
        (top - 1) << f.man | ((1 << f.man) - 1)
    };
    let overflow = if f.e4m3 { max_bits } else { top << f.man };
    let a = x.abs();
    if a == 0.0 {
        return sign;
    }
    if a.is_infinite() {
        return sign | overflow;
    }
    // The quantum at a's binade (no smaller than the subnormal quantum), with no upper bound.
    let binade = (a.log2().floor() as i32).max(1 - bias);
    let mut q = binade - f.man as i32;
    // log2 may be off by one at binade edges; fix it exactly.
    while a / 2f64.powi(q) >= f64::from(1u32 << (f.man + 1)) {
        q += 1;
    }
    while q > 1 - bias - f.man as i32 && a / 2f64.powi(q) < f64::from(1u32 << f.man) {
        q -= 1;
    }
    let mut n = (a / 2f64.powi(q)).round_ties_even() as u64;
    if n == 1 << (f.man + 1) {
        n >>= 1;
        q += 1;
    }
    let largest = value(ty, max_bits);
    if n as f64 * 2f64.powi(q) > largest {
        return sign | overflow;
    }
    if n < 1 << f.man {
        return sign | n as u32;
    }
    let e = (q + f.man as i32 + bias) as u32;
    sign | e << f.man | (n as u32 - (1 << f.man))
}

/// `bits` of `from` converted to `to` (docs/numerics.md, "Conversions").
pub fn convert(from: Ty, to: Ty, bits: u32) -> u32 {
    if from == to {
        return bits;
    }
    let v = decode(from, bits);
    if to.is_float() {
        match v {
            Value::Num(x) => encode_float(to, x),
            Value::Nan { neg, payload } => {
                let f = to.format();
                let sign = u32::from(neg) << (f.exp + f.man);
                if f.e4m3 {
                    return sign | 0x7F;
                }
                let m = (payload >> (64 - f.man)) as u32 | 1 << (f.man - 1);
                sign | ((1 << f.exp) - 1) << f.man | m
            }
        }
    } else {
        match v {
            Value::Nan { .. } => 0,
            Value::Num(x) => convert_num(to, x),
        }
    }
}

/// `x` rounded into `ty` from `f64`, once.
pub fn from_f64(ty: Ty, x: f64) -> u32 {
    if x.is_nan() {
        return convert(Fp32, ty, 0x7FC0_0000);
    }
    convert_num(ty, x)
}

fn convert_num(ty: Ty, x: f64) -> u32 {
    if ty.is_float() {
        encode_float(ty, x)
    } else {
        // Round half to even, then saturate to the type's range (infinities included).
        let (lo, hi, mask) = match ty {
            I8 => (-128.0, 127.0, 0xFF),
            U8 => (0.0, 255.0, 0xFF),
            _ => (f64::from(i32::MIN), f64::from(i32::MAX), u32::MAX),
        };
        (x.round_ties_even().clamp(lo, hi) as i64 as u32) & mask
    }
}

/// An `f32` result of the vector unit stored as `ty`: NaN made canonical, then one rounding
/// (bf16 and fp16 by the `half` crate, which rounds to nearest even).
pub fn store_f32(ty: Ty, x: f32) -> u32 {
    let x = if x.is_nan() {
        f32::from_bits(0x7FC0_0000)
    } else {
        x
    };
    match ty {
        Fp32 => x.to_bits(),
        Bf16 => u32::from(bf16::from_f32(x).to_bits()),
        Fp16 => u32::from(f16::from_f32(x).to_bits()),
        _ => from_f64(ty, f64::from(x)),
    }
}

/// A float element as `f32` (exact; bf16 and fp16 by the `half` crate).
pub fn load_f32(ty: Ty, bits: u32) -> f32 {
    match ty {
        Fp32 => f32::from_bits(bits),
        Bf16 => bf16::from_bits(bits as u16).to_f32(),
        Fp16 => f16::from_bits(bits as u16).to_f32(),
        _ => value(ty, bits) as f32,
    }
}

/// `a × b + c` in `f32` with one rounding: the exact product is an `f64`, the sum is taken in
/// `f64` rounded to odd (TwoSum gives its error), and round-to-odd at 53 bits then to nearest at
/// 24 bits is a single correct rounding.
pub fn fma_f32(a: f32, b: f32, c: f32) -> f32 {
    let p = f64::from(a) * f64::from(b);
    let c = f64::from(c);
    let s = p + c;
    if !s.is_finite() || p.is_infinite() || c.is_infinite() {
        return s as f32;
    }
    let bp = s - c;
    let err = (p - bp) + (c - (s - bp));
    let s = if err != 0.0 && s.to_bits() & 1 == 0 {
        if (err > 0.0) == (s > 0.0) {
            f64::from_bits(s.to_bits() + 1)
        } else {
            f64::from_bits(s.to_bits() - 1)
        }
    } else {
        s
    };
    s as f32
}

/// IEEE 754-2019 `maximum` and `minimum` on `f32`.
pub fn maximum(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32::NAN
    } else if a == b {
        if a.is_sign_negative() { b } else { a }
    } else if a > b {
        a
    } else {
        b
    }
}

pub fn minimum(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32::NAN
    } else if a == b {
        if a.is_sign_negative() { a } else { b }
    } else if a < b {
        a
    } else {
        b
    }
}

/// The `f32` values within `ulps` units in the last place of `exact` correctly rounded: the
/// interval a faithful transcendental may return.
pub fn f32_band(exact: f64, ulps: u32) -> (f32, f32) {
    let r = exact as f32;
    let (mut lo, mut hi) = (r, r);
    for _ in 0..ulps {
        lo = lo.next_down();
        hi = hi.next_up();
    }
    (lo, hi)
}

/// Packs elements of `ty` as little-endian bytes.
pub fn pack(ty: Ty, bits: &[u32]) -> Vec<u8> {
    bits.iter()
        .flat_map(|b| b.to_le_bytes()[..ty.size()].to_vec())
        .collect()
}

/// Unpacks little-endian elements of `ty`.
pub fn unpack(ty: Ty, bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(ty.size())
        .map(|c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(w)
        })
        .collect()
}

/// A small deterministic generator (SplitMix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Random bits of `ty`'s width.
    pub fn bits(&mut self, ty: Ty) -> u32 {
        let w = self.next() as u32;
        if ty.size() == 4 {
            w
        } else {
            w & ((1 << (8 * ty.size())) - 1)
        }
    }
}

/// What an element may be: exactly `lo` (when `lo == hi`), or any non-NaN value of the type
/// between the values of `lo` and `hi`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Want {
    pub lo: u32,
    pub hi: u32,
}

impl Want {
    pub fn exact(bits: u32) -> Want {
        Want { lo: bits, hi: bits }
    }

    /// Any rounding into `ty` of an `f32` in `[a, b]` (either order).
    pub fn band(ty: Ty, a: f32, b: f32) -> Want {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        Want {
            lo: store_f32(ty, a),
            hi: store_f32(ty, b),
        }
    }

    pub fn admits(&self, ty: Ty, got: u32) -> bool {
        if self.lo == self.hi || ty.is_nan(self.lo) || ty.is_nan(got) {
            return got == self.lo && got == self.hi;
        }
        let (lo, hi, g) = (value(ty, self.lo), value(ty, self.hi), value(ty, got));
        lo <= g && g <= hi
    }
}

/// The `f32` result of `exp`, allowed 1 ulp from the exact value (see `vector.rs`).
pub fn exp_band(x: f32) -> (f32, f32) {
    if x.is_nan() || x.is_infinite() {
        let r = f64::from(x).exp() as f32;
        return (r, r);
    }
    f32_band(f64::from(x).exp(), 1)
}

/// The `f32` result of `tanh`, allowed 1 ulp from the exact value.
pub fn tanh_band(x: f32) -> (f32, f32) {
    if x.is_nan() || x.is_infinite() {
        let r = f64::from(x).tanh() as f32;
        return (r, r);
    }
    let (lo, hi) = f32_band(f64::from(x).tanh(), 1);
    (lo.max(-1.0), hi.min(1.0))
}

/// GELU as docs/numerics.md orders it, with the tanh anywhere in its band: the bounds of
/// `(0.5 × x) × (1 + t)` (monotone in `t`).
pub fn gelu_band(x: f32) -> (f32, f32) {
    if x.is_nan() {
        return (x, x);
    }
    if x.is_infinite() {
        let r = if x > 0.0 { x } else { -0.0 };
        return (r, r);
    }
    let u = 0.797_884_6f32 * (x + 0.044_715f32 * ((x * x) * x));
    let (t0, t1) = tanh_band(u);
    let g = |t: f32| (0.5 * x) * (1.0 + t);
    let (a, b) = (g(t0), g(t1));
    if a <= b { (a, b) } else { (b, a) }
}

/// `relu` on `f32`: `x` if `x > 0`, NaN if NaN, else `+0`.
pub fn relu(x: f32) -> f32 {
    if x > 0.0 || x.is_nan() { x } else { 0.0 }
}

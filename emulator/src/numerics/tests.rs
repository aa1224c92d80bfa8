//! Numerics against an independent host reference: values decoded by the textbook formula,
//! rounding by searching the sorted list of every representable value, arithmetic in `f64`.

use isa::DType;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

const NARROW_FLOATS: [DType; 4] = [DType::E4M3, DType::E5M2, DType::Bf16, DType::Fp16];
const FLOATS: [DType; 5] = [
    DType::E4M3,
    DType::E5M2,
    DType::Bf16,
    DType::Fp16,
    DType::Fp32,
];

/// Exponent bits, mantissa bits, bias, and whether the all-ones exponent is special, written out
/// here again rather than taken from `FloatFormat`.
fn layout(dtype: DType) -> (u32, u32, i32, bool) {
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
fn textbook_value(dtype: DType, bits: u32) -> Option<f64> {
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
struct Grid {
    dtype: DType,
    values: Vec<(f64, u32)>,
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

fn reference_encode(grids: &[Grid], dtype: DType, x: f64) -> Option<u32> {
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

fn grids() -> Vec<Grid> {
    NARROW_FLOATS.iter().map(|&t| Grid::new(t)).collect()
}

fn is_nan_bits(dtype: DType, bits: u32) -> bool {
    float_format(dtype).is_some_and(|f| f.is_nan(bits))
}

/// f32 inputs worth trying: every top half with low halves at the rounding boundaries of the
/// 16-bit formats, plus random low halves.
fn f32_probe() -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut out = Vec::with_capacity(65536 * 8);
    for hi in 0..=0xFFFFu32 {
        for lo in [0u32, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF] {
            out.push(f32::from_bits(hi << 16 | lo));
        }
        out.push(f32::from_bits(hi << 16 | rng.random_range(0..0x10000u32)));
    }
    out
}

#[test]
fn decoding_every_narrow_pattern_gives_the_textbook_value() {
    for dtype in NARROW_FLOATS {
        for bits in 0..(1u32 << (dtype.size() * 8)) {
            let got = decode_f32(dtype, bits);
            match textbook_value(dtype, bits) {
                None => assert!(got.is_nan(), "{dtype} {bits:#x}"),
                Some(v) => {
                    assert_eq!(f64::from(got), v, "{dtype} {bits:#x}");
                    assert_eq!(
                        got.is_sign_negative(),
                        v.is_sign_negative(),
                        "{dtype} {bits:#x}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_narrow_pattern_round_trips_through_f32() {
    for dtype in NARROW_FLOATS {
        let sign = float_format(dtype).unwrap().sign_mask();
        for bits in 0..(1u32 << (dtype.size() * 8)) {
            let back = encode_f32(dtype, decode_f32(dtype, bits));
            if is_nan_bits(dtype, bits) {
                assert!(is_nan_bits(dtype, back), "{dtype} {bits:#x} -> {back:#x}");
                assert_eq!(back & sign, bits & sign, "NaN keeps its sign");
            } else {
                assert_eq!(back, bits, "{dtype}");
            }
        }
    }
}

#[test]
fn f32_to_narrow_rounds_to_the_nearest_neighbour_ties_to_even() {
    let grids = grids();
    let probe = f32_probe();
    for dtype in NARROW_FLOATS {
        for &x in &probe {
            let got = encode_f32(dtype, x);
            match reference_encode(&grids, dtype, f64::from(x)) {
                None => assert!(is_nan_bits(dtype, got), "{dtype} {x:e}"),
                Some(want) => assert_eq!(got, want, "{dtype} {x:e} ({:#x})", x.to_bits()),
            }
        }
    }
}

#[test]
fn every_midpoint_rounds_to_the_even_neighbour_and_a_hair_off_it_does_not() {
    let grids = grids();
    for grid in &grids {
        for pair in grid.values.windows(2) {
            let (lo, lo_bits) = pair[0];
            let (hi, hi_bits) = pair[1];
            let mid = (lo + hi) / 2.0;
            let mid32 = mid as f32;
            assert_eq!(f64::from(mid32), mid, "midpoints are exact in f32");
            let even = if lo_bits & 1 == 0 { lo_bits } else { hi_bits };
            assert_eq!(
                encode_f32(grid.dtype, mid32),
                even,
                "{} tie at {mid:e}",
                grid.dtype
            );
            assert_eq!(encode_f32(grid.dtype, mid32.next_down()), lo_bits);
            assert_eq!(encode_f32(grid.dtype, mid32.next_up()), hi_bits);
        }
    }
}

#[test]
fn e4m3_saturates_at_448_and_keeps_nan() {
    let t = DType::E4M3;
    assert_eq!(decode_f32(t, 0x7E), 448.0);
    assert_eq!(encode_f32(t, 448.0), 0x7E);
    for x in [464.0f32, 480.0, 1.0e6, f32::MAX, f32::INFINITY] {
        assert_eq!(encode_f32(t, x), 0x7E, "{x}");
        assert_eq!(encode_f32(t, -x), 0xFE, "{x}");
    }
    assert_eq!(encode_f32(t, f32::NAN), 0x7F);
    assert_eq!(encode_f32(t, -f32::NAN), 0xFF);
}

#[test]
fn e5m2_overflows_to_infinity_past_the_midpoint_above_57344() {
    let t = DType::E5M2;
    assert_eq!(decode_f32(t, 0x7B), 57344.0);
    // The next binade step above 57344 would be 65536: the midpoint is 61440, a tie that
    // rounds to even, which is infinity (57344's mantissa is odd).
    assert_eq!(encode_f32(t, 61440.0f32.next_down()), 0x7B);
    assert_eq!(encode_f32(t, 61440.0), 0x7C);
    assert_eq!(encode_f32(t, f32::INFINITY), 0x7C);
    assert_eq!(encode_f32(t, f32::NEG_INFINITY), 0xFC);
    assert!(is_nan_bits(t, encode_f32(t, f32::NAN)));
}

#[test]
fn subnormals_are_kept_not_flushed() {
    for dtype in NARROW_FLOATS {
        let smallest = decode_f32(dtype, 1);
        assert!(smallest > 0.0 && f64::from(smallest) == textbook_value(dtype, 1).unwrap());
        assert_eq!(encode_f32(dtype, smallest), 1, "{dtype}");
        assert_eq!(
            encode_f32(dtype, smallest / 2.0),
            0,
            "{dtype}: half the smallest ties to 0"
        );
        assert_eq!(encode_f32(dtype, (smallest / 2.0).next_up()), 1, "{dtype}");
        let sign = float_format(dtype).unwrap().sign_mask();
        assert_eq!(
            encode_f32(dtype, -smallest / 4.0),
            sign,
            "{dtype}: -0 keeps its sign"
        );
    }
    // A bf16 subnormal is also an f32 subnormal.
    assert_eq!(decode_f32(DType::Bf16, 1).to_bits(), 1 << 16);
}

#[test]
fn fast_paths_agree_with_the_generic_rounding() {
    // NaNs are left out: `f64::from` does not promise to keep a NaN's payload.
    for &x in f32_probe().iter().filter(|x| !x.is_nan()) {
        for dtype in [DType::Bf16, DType::Fp16, DType::Fp32] {
            let fast = encode_f32(dtype, x);
            let generic = float_format(dtype)
                .unwrap()
                .encode_f64(f64::from(x), Rounding::NearestEven);
            assert_eq!(fast, generic, "{dtype} {:#x}", x.to_bits());
        }
    }
}

#[test]
fn float_to_integer_rounds_half_to_even_saturates_and_sends_nan_to_zero() {
    let cases: [(f32, i32, i32, i32); 12] = [
        // x, i8, u8, i32
        (2.5, 2, 2, 2),
        (3.5, 4, 4, 4),
        (-2.5, -2, 0, -2),
        (-0.5, 0, 0, 0),
        (127.5, 127, 128, 128),
        (-128.5, -128, 0, -128),
        (255.5, 127, 255, 256),
        (1.0e10, 127, 255, i32::MAX),
        (-1.0e10, -128, 0, i32::MIN),
        (f32::INFINITY, 127, 255, i32::MAX),
        (f32::NEG_INFINITY, -128, 0, i32::MIN),
        (f32::NAN, 0, 0, 0),
    ];
    for (x, i8v, u8v, i32v) in cases {
        assert_eq!(encode_f32(DType::I8, x), i8v as u32 & 0xFF, "i8 {x}");
        assert_eq!(encode_f32(DType::U8, x), u8v as u32, "u8 {x}");
        assert_eq!(encode_f32(DType::I32, x), i32v as u32, "i32 {x}");
    }
    // Against the floor-based reference on the probe set.
    let grids = grids();
    for &x in f32_probe().iter().step_by(5) {
        for dtype in [DType::I8, DType::U8, DType::I32] {
            let want = reference_encode(&grids, dtype, f64::from(x)).unwrap();
            assert_eq!(encode_f32(dtype, x), want, "{dtype} {x:e}");
        }
    }
}

#[test]
fn conversion_between_every_pair_of_types_rounds_once() {
    let grids = grids();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for from in DType::ALL {
        let sources: Vec<u32> = match from.size() {
            1 => (0..256).collect(),
            2 => (0..65536).collect(),
            _ => (0..50_000).map(|_| rng.random::<u32>()).collect(),
        };
        for to in DType::ALL {
            for &bits in &sources {
                let got = convert(from, to, bits);
                let exact = match from {
                    DType::I8 => Some(f64::from(bits as u8 as i8)),
                    DType::U8 => Some(f64::from(bits as u8)),
                    DType::I32 => Some(f64::from(bits as i32)),
                    _ => textbook_value(from, bits),
                };
                match exact {
                    None if to.is_float() => {
                        assert!(is_nan_bits(to, got), "{from}->{to} {bits:#x}");
                    }
                    None => assert_eq!(got, 0, "{from}->{to}: NaN becomes 0"),
                    Some(v) => {
                        let want = reference_encode(&grids, to, v).unwrap();
                        assert_eq!(got, want, "{from}->{to} {bits:#x} ({v:e})");
                    }
                }
            }
        }
    }
}

#[test]
fn converting_a_buffer_equals_converting_each_element() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for from in DType::ALL {
        for to in DType::ALL {
            let n = 257;
            let src: Vec<u8> = (0..n * from.size() as usize)
                .map(|_| rng.random())
                .collect();
            let mut dst = vec![0u8; n * to.size() as usize];
            convert_slice(from, &src, to, &mut dst).unwrap();
            for i in 0..n {
                let want = convert(from, to, load(from, &src, i).unwrap());
                assert_eq!(load(to, &dst, i).unwrap(), want, "{from}->{to} element {i}");
            }
        }
    }
}

#[test]
fn buffer_functions_refuse_ragged_and_mismatched_buffers() {
    let mut out = [0u8; 4];
    assert!(matches!(
        convert_slice(DType::Bf16, &[0u8; 3], DType::Fp32, &mut out),
        Err(NumericsError::RaggedBuffer { .. })
    ));
    assert!(matches!(
        convert_slice(DType::Bf16, &[0u8; 4], DType::Fp32, &mut out),
        Err(NumericsError::LengthMismatch { left: 2, right: 1 })
    ));
    assert!(matches!(
        binary(BinaryOp::Add, DType::Fp32, &[0u8; 8], &[0u8; 4], &mut out),
        Err(NumericsError::LengthMismatch { .. })
    ));
    assert!(matches!(
        unary(UnaryOp::Exp, DType::I32, &[0u8; 4], &mut out),
        Err(NumericsError::Unsupported { op: "exp", .. })
    ));
    assert!(matches!(
        reduce(ReduceOp::Max, DType::Bf16, &[]),
        Err(NumericsError::EmptyReduction)
    ));
    assert!(matches!(
        load(DType::Fp32, &out, 1),
        Err(NumericsError::OutOfBounds {
            index: 1,
            count: 1,
            ..
        })
    ));
}

#[test]
fn stochastic_rounding_picks_a_neighbour_with_the_right_odds() {
    // 1 + 1/4 of a bf16 step: rounds up for about a quarter of the random words.
    let x = 1.0f32 + 0.25 * 2f32.powi(-7);
    let (down, up) = (
        encode_f32(DType::Bf16, 1.0),
        encode_f32(DType::Bf16, 1.0 + 2f32.powi(-7)),
    );
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut ups = 0;
    let trials = 4096;
    for _ in 0..trials {
        let r = rng.random::<u32>();
        let got = encode_stochastic(DType::Bf16, x, r);
        assert_eq!(
            got,
            encode_stochastic(DType::Bf16, x, r),
            "deterministic given the word"
        );
        assert!(got == down || got == up);
        ups += usize::from(got == up);
    }
    assert!((900..1150).contains(&ups), "{ups} of {trials} rounded up");
    // The threshold: a fraction of 1/4 rounds up exactly for words below 2^30.
    assert_eq!(encode_stochastic(DType::Bf16, x, (1 << 30) - 1), up);
    assert_eq!(encode_stochastic(DType::Bf16, x, 1 << 30), down);
    // Representable values never move; integers and fp8 too; negative values mirror.
    for dtype in FLOATS {
        assert_eq!(encode_stochastic(dtype, 1.5, 0), encode_f32(dtype, 1.5));
    }
    assert_eq!(encode_stochastic(DType::I8, 2.25, (1 << 30) - 1), 3);
    assert_eq!(encode_stochastic(DType::I8, 2.25, 1 << 30), 2);
    assert_eq!(
        encode_stochastic(DType::I8, -2.25, 0),
        (-3i32) as u32 & 0xFF
    );
    assert_eq!(encode_stochastic(DType::E4M3, 1000.0, 0), 0x7E, "saturates");
    assert_eq!(encode_stochastic(DType::I32, f32::NAN, 0), 0);
}

/// `op` in f64, rounded to f32 (exact for +, −, × of f32 values: f64 has more than 2 × 24 + 2
/// bits), NaN canonical.
fn reference_binary_f32(op: BinaryOp, a: f32, b: f32) -> f32 {
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

fn random_bits(rng: &mut ChaCha8Rng, dtype: DType) -> u32 {
    let bits = rng.random::<u32>();
    match dtype.size() {
        1 => bits & 0xFF,
        2 => bits & 0xFFFF,
        _ => bits,
    }
}

fn encode_reference(grids: &[Grid], dtype: DType, r: f32) -> u32 {
    if r.is_nan() {
        return encode_f32(dtype, CANONICAL_NAN_F32);
    }
    reference_encode(grids, dtype, f64::from(r)).unwrap()
}

#[test]
fn float_binary_ops_compute_in_f32_then_round_once_exhaustively_for_fp8() {
    let grids = grids();
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    for dtype in FLOATS {
        let pairs: Vec<(u32, u32)> = if dtype.size() == 1 {
            (0..65536).map(|i| (i >> 8, i & 0xFF)).collect()
        } else {
            (0..60_000)
                .map(|_| (random_bits(&mut rng, dtype), random_bits(&mut rng, dtype)))
                .collect()
        };
        for op in BinaryOp::ALL {
            for &(a, b) in &pairs {
                let r = reference_binary_f32(op, decode_f32(dtype, a), decode_f32(dtype, b));
                let want = encode_reference(&grids, dtype, r);
                let got = binary_element(op, dtype, a, b);
                assert_eq!(got, want, "{dtype} {} {a:#x} {b:#x}", op.name());
            }
        }
    }
}

#[test]
fn buffer_ops_equal_element_ops() {
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    for dtype in DType::ALL {
        let n = 100;
        let size = dtype.size() as usize;
        let a: Vec<u8> = (0..n * size).map(|_| rng.random()).collect();
        let b: Vec<u8> = (0..n * size).map(|_| rng.random()).collect();
        let mut out = vec![0u8; n * size];
        for op in BinaryOp::ALL {
            binary(op, dtype, &a, &b, &mut out).unwrap();
            for i in 0..n {
                let want = binary_element(
                    op,
                    dtype,
                    load(dtype, &a, i).unwrap(),
                    load(dtype, &b, i).unwrap(),
                );
                assert_eq!(load(dtype, &out, i).unwrap(), want);
            }
        }
        for op in UnaryOp::ALL {
            match unary(op, dtype, &a, &mut out) {
                Ok(()) => {
                    for i in 0..n {
                        let want = unary_element(op, dtype, load(dtype, &a, i).unwrap()).unwrap();
                        assert_eq!(load(dtype, &out, i).unwrap(), want, "{dtype} {}", op.name());
                    }
                }
                Err(e) => assert_eq!(unary_element(op, dtype, 0), Err(e)),
            }
        }
        let mut d = b.clone();
        fma(dtype, &a, &b, &mut d).unwrap();
        for i in 0..n {
            let [x, y, z] = [&a, &b, &b].map(|v| load(dtype, v, i).unwrap());
            assert_eq!(load(dtype, &d, i).unwrap(), fma_element(dtype, x, y, z));
        }
    }
}

/// `a × b + d` rounded once to f32: the product is exact in f64, the sum's rounding error is
/// recovered with TwoSum, and a double-rounding tie is broken by the error's sign.
fn reference_fma_f32(a: f32, b: f32, d: f32) -> f32 {
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

#[test]
fn fma_rounds_once_to_f32_then_to_the_element_type() {
    let grids = grids();
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    for dtype in FLOATS {
        for _ in 0..60_000 {
            let [a, b, d] = [0; 3].map(|_| random_bits(&mut rng, dtype));
            let [x, y, z] = [a, b, d].map(|v| decode_f32(dtype, v));
            let want = encode_reference(&grids, dtype, reference_fma_f32(x, y, z));
            let got = fma_element(dtype, a, b, d);
            assert_eq!(got, want, "{dtype} fma {a:#x} {b:#x} {d:#x}");
        }
    }
    // The classic case where a separate multiply and add differ from a fused one.
    let x = 1.0 + 2f32.powi(-12);
    let fused = f32::from_bits(fma_element(
        DType::Fp32,
        x.to_bits(),
        x.to_bits(),
        (-1.0f32).to_bits(),
    ));
    assert_eq!(fused, 2f32.powi(-11) + 2f32.powi(-24));
    assert_ne!(fused, x * x - 1.0);
}

#[test]
fn transcendentals_are_within_one_step_of_the_f64_value() {
    let grids = grids();
    let mut rng = ChaCha8Rng::seed_from_u64(24);
    let gelu64 = |x: f64| {
        0.5 * x * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x * x * x)).tanh())
    };
    for dtype in FLOATS {
        for _ in 0..20_000 {
            let a = random_bits(&mut rng, dtype);
            let x = f64::from(decode_f32(dtype, a));
            if !x.is_finite() || x.abs() > 80.0 {
                continue;
            }
            for (op, f) in [
                (UnaryOp::Exp, f64::exp as fn(f64) -> f64),
                (UnaryOp::Tanh, f64::tanh),
                (UnaryOp::Gelu, gelu64),
            ] {
                let got = unary_element(op, dtype, a).unwrap();
                let exact = f(x);
                // The result must be one of the two neighbours of the exact value.
                let near = reference_encode(&grids, dtype, exact).unwrap();
                let got_v = f64::from(decode_f32(dtype, got));
                let near_v = f64::from(decode_f32(dtype, near));
                let step = (near_v.abs() * 2f64.powi(-(layout(dtype).1 as i32)))
                    .max(f64::from(decode_f32(dtype, 1)));
                // GELU's `1 + tanh(u)` cancels for negative x: its f32 error is a few units
                // of x's last place, not of the result's.
                let cancellation = if op == UnaryOp::Gelu {
                    8.0 * x.abs() * 2f64.powi(-24)
                } else {
                    0.0
                };
                let tolerance = 2.0 * step + cancellation;
                assert!(
                    got == near || (got_v - near_v).abs() <= tolerance,
                    "{dtype} {}({x:e}) = {got_v:e}, f64 says {exact:e}",
                    op.name()
                );
            }
        }
    }
}

#[test]
fn reciprocal_and_rsqrt_follow_their_f32_roundings() {
    let grids = grids();
    let mut rng = ChaCha8Rng::seed_from_u64(25);
    for dtype in FLOATS {
        for _ in 0..20_000 {
            let a = random_bits(&mut rng, dtype);
            let x = decode_f32(dtype, a);
            let recip = (1.0 / f64::from(x)) as f32; // correctly rounded division
            let sqrt = f64::from(x).sqrt() as f32; // correctly rounded square root
            let rsqrt = (1.0 / f64::from(sqrt)) as f32;
            assert_eq!(
                unary_element(UnaryOp::Recip, dtype, a).unwrap(),
                encode_reference(&grids, dtype, recip)
            );
            assert_eq!(
                unary_element(UnaryOp::Rsqrt, dtype, a).unwrap(),
                encode_reference(&grids, dtype, rsqrt)
            );
        }
    }
}

#[test]
fn nan_results_are_canonical_and_max_min_propagate_nan() {
    let payload_nan = f32::from_bits(0xFFC1_2345);
    let one = 1.0f32.to_bits();
    for op in BinaryOp::ALL {
        assert_eq!(
            binary_element(op, DType::Fp32, payload_nan.to_bits(), one),
            0x7FC0_0000
        );
        assert_eq!(
            binary_element(op, DType::Fp32, one, payload_nan.to_bits()),
            0x7FC0_0000
        );
    }
    let inf = f32::INFINITY.to_bits();
    let zero = 0.0f32.to_bits();
    assert_eq!(
        binary_element(BinaryOp::Mul, DType::Fp32, inf, zero),
        0x7FC0_0000
    );
    assert_eq!(
        binary_element(BinaryOp::Mul, DType::Bf16, 0x7F80, 0),
        0x7FC0
    );
    assert_eq!(
        binary_element(BinaryOp::Mul, DType::Fp16, 0x7C00, 0),
        0x7E00
    );
    assert_eq!(binary_element(BinaryOp::Mul, DType::E5M2, 0x7C, 0), 0x7E);
    assert_eq!(binary_element(BinaryOp::Add, DType::E4M3, 0xFF, 0), 0x7F);
    assert_eq!(
        binary_element(BinaryOp::Max, DType::Fp32, (-0.0f32).to_bits(), zero),
        zero
    );
    assert_eq!(
        binary_element(BinaryOp::Min, DType::Fp32, zero, (-0.0f32).to_bits()),
        (-0.0f32).to_bits()
    );
    assert_eq!(
        unary_element(UnaryOp::Relu, DType::Fp32, (-0.0f32).to_bits()),
        Ok(zero)
    );
    assert_eq!(
        unary_element(UnaryOp::Relu, DType::Fp32, payload_nan.to_bits()),
        Ok(0x7FC0_0000)
    );
    assert_eq!(
        unary_element(UnaryOp::Gelu, DType::Fp32, f32::NEG_INFINITY.to_bits()),
        Ok((-0.0f32).to_bits())
    );
    assert_eq!(unary_element(UnaryOp::Gelu, DType::Fp32, inf), Ok(inf));
}

#[test]
fn integer_ops_wrap_in_i32_and_saturate_in_8_bits() {
    for a in 0..256u32 {
        for b in 0..256u32 {
            let (x, y) = (i64::from(a as u8 as i8), i64::from(b as u8 as i8));
            let (ux, uy) = (i64::from(a), i64::from(b));
            for op in BinaryOp::ALL {
                let f = |p: i64, q: i64| match op {
                    BinaryOp::Add => p + q,
                    BinaryOp::Sub => p - q,
                    BinaryOp::Mul => p * q,
                    BinaryOp::Max => p.max(q),
                    BinaryOp::Min => p.min(q),
                };
                assert_eq!(
                    binary_element(op, DType::I8, a, b),
                    f(x, y).clamp(-128, 127) as u32 & 0xFF
                );
                assert_eq!(
                    binary_element(op, DType::U8, a, b),
                    f(ux, uy).clamp(0, 255) as u32
                );
            }
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(26);
    for _ in 0..100_000 {
        let (a, b, d) = (
            rng.random::<i32>(),
            rng.random::<i32>(),
            rng.random::<i32>(),
        );
        let wrap = |v: i64| v as i32 as u32;
        let (x, y) = (i64::from(a), i64::from(b));
        assert_eq!(
            binary_element(BinaryOp::Add, DType::I32, a as u32, b as u32),
            wrap(x + y)
        );
        assert_eq!(
            binary_element(BinaryOp::Sub, DType::I32, a as u32, b as u32),
            wrap(x - y)
        );
        assert_eq!(
            binary_element(BinaryOp::Mul, DType::I32, a as u32, b as u32),
            wrap(x.wrapping_mul(y))
        );
        assert_eq!(
            fma_element(DType::I32, a as u32, b as u32, d as u32),
            wrap(x.wrapping_mul(y) + i64::from(d))
        );
    }
    assert_eq!(
        fma_element(DType::I8, 100, 100, (-100i32) as u32 & 0xFF),
        127
    );
    assert_eq!(unary_element(UnaryOp::Relu, DType::I8, 0x80), Ok(0));
    assert_eq!(unary_element(UnaryOp::Relu, DType::I32, 5), Ok(5));
}

fn buffer(dtype: DType, values: &[f32]) -> Vec<u8> {
    let size = dtype.size() as usize;
    let mut out = vec![0u8; values.len() * size];
    for (i, &v) in values.iter().enumerate() {
        store(dtype, &mut out, i, encode_f32(dtype, v)).unwrap();
    }
    out
}

#[test]
fn reductions_are_sequential_in_f32_and_round_once() {
    // Sequential order is visible: 1e8 + 1 is 1e8 in f32.
    let v = buffer(DType::Fp32, &[1.0e8, 1.0, -1.0e8, 1.0]);
    assert_eq!(
        f32::from_bits(reduce(ReduceOp::Sum, DType::Fp32, &v).unwrap()),
        1.0
    );
    // bf16 elements: the sum is kept in f32 and rounded once at the end.
    let v = buffer(DType::Bf16, &[1.0, 2f32.powi(-8), 2f32.powi(-8)]);
    assert_eq!(
        reduce(ReduceOp::Sum, DType::Bf16, &v).unwrap(),
        encode_f32(DType::Bf16, 1.0 + 2f32.powi(-7))
    );
    let mut rng = ChaCha8Rng::seed_from_u64(27);
    let grids = grids();
    for dtype in FLOATS {
        for len in [1usize, 2, 7, 64, 300] {
            let bits: Vec<u32> = (0..len).map(|_| random_bits(&mut rng, dtype)).collect();
            let mut buf = vec![0u8; len * dtype.size() as usize];
            for (i, &b) in bits.iter().enumerate() {
                store(dtype, &mut buf, i, b).unwrap();
            }
            let values: Vec<f32> = bits.iter().map(|&b| decode_f32(dtype, b)).collect();
            let sum = values[1..]
                .iter()
                .fold(values[0], |s, &x| reference_binary_f32(BinaryOp::Add, s, x));
            let max = values[1..]
                .iter()
                .fold(values[0], |s, &x| reference_binary_f32(BinaryOp::Max, s, x));
            assert_eq!(
                reduce(ReduceOp::Sum, dtype, &buf).unwrap(),
                encode_reference(&grids, dtype, sum)
            );
            assert_eq!(
                reduce(ReduceOp::Max, dtype, &buf).unwrap(),
                encode_reference(&grids, dtype, max)
            );
        }
    }
    // Integers: wrapping i32 sum, saturated once at the end for 8-bit types.
    let i8s: Vec<u8> = [100i8, 100, -100].iter().map(|&x| x as u8).collect();
    assert_eq!(reduce(ReduceOp::Sum, DType::I8, &i8s).unwrap(), 100);
    let i32s: Vec<u8> = [i32::MAX, 1].iter().flat_map(|x| x.to_le_bytes()).collect();
    assert_eq!(
        reduce(ReduceOp::Sum, DType::I32, &i32s).unwrap(),
        i32::MIN as u32
    );
    assert_eq!(reduce(ReduceOp::Sum, DType::Bf16, &[]).unwrap(), 0);
}

//! Conversions between element types, checked against the host reference.

use isa::DType;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::reference::{
    FLOATS, NARROW_FLOATS, grids, is_nan_bits, reference_encode, textbook_value,
};
use crate::numerics::*;

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

#[test]
fn stochastic_rounding_of_a_short_shift_rounds_up_below_the_dropped_fraction() {
    use crate::numerics::format::round_shifted;
    // 0b1011 >> 2: keeps 2, drops 3/4 of a unit, so a word below 3/4 · 2^32 rounds up.
    let threshold = 3u32 << 30;
    assert_eq!(
        round_shifted(0b1011, 2, Rounding::Stochastic(threshold - 1)),
        3
    );
    assert_eq!(round_shifted(0b1011, 2, Rounding::Stochastic(threshold)), 2);
    // 1/2^31 of a unit dropped (shift 31): the words 0 and 1 (below 2^32 / 2^31) round up.
    assert_eq!(round_shifted((5 << 31) | 1, 31, Rounding::Stochastic(1)), 6);
    assert_eq!(round_shifted((5 << 31) | 1, 31, Rounding::Stochastic(2)), 5);
}

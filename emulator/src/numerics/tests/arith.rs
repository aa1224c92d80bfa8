//! Element-wise arithmetic and reductions, checked against the host reference.

use isa::DType;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::reference::{
    FLOATS, buffer, encode_reference, grids, layout, random_bits, reference_binary_f32,
    reference_encode, reference_fma_f32,
};
use crate::numerics::*;

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

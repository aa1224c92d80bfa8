//! The vector unit on every element type each operation accepts (docs/isa.md): edge values
//! (zeros of both signs, saturation, infinities, NaNs with payloads, rounding ties), every pair
//! of them for the binary operations, and random bit patterns.
//!
//! Exactness: `add`, `sub`, `mul`, `max`, `min`, `fma`, `recip`, `rsqrt`, `relu`, `mov`, the
//! reductions and `fill` are defined to the bit (IEEE operations in `f32`, one rounding to the
//! element type), so they are compared exactly. `exp`, `tanh` and `gelu` come from libm's
//! `expf`/`tanhf`, for which docs/numerics.md promises determinism but no error bound; musl's
//! `expf` and `tanhf` are faithful, so the reference allows the `f32` within 1 ulp of the exact
//! value (computed in `f64` by std) and then the documented rounding to the element type.

use crate::harness::{A, B, D, assert_bits, input, read, run};
use crate::host::{self, Rng, Ty, Want, from_f64, load_f32, store_f32};
use crate::host::{Bf16, Fp16, Fp32, I8, I32};

const FLOATS: [Ty; 3] = [Bf16, Fp16, Fp32];
const VECTOR_TYPES: [Ty; 5] = [I8, I32, Bf16, Fp16, Fp32];

/// Edge values of a vector element type, as bits.
pub fn edges(ty: Ty) -> Vec<u32> {
    match ty {
        I8 => [0i32, 1, -1, 2, 11, 64, 100, -100, 127, -128, -127]
            .iter()
            .map(|v| *v as u32 & 0xFF)
            .collect(),
        I32 => [
            0i32,
            1,
            -1,
            7,
            -7,
            46341,
            65536,
            123_456_789,
            i32::MAX,
            i32::MIN,
            i32::MIN + 1,
        ]
        .iter()
        .map(|v| *v as u32)
        .collect(),
        _ => {
            let f = |x: f64| from_f64(ty, x);
            let (nan, snan, neg_nan) = match ty {
                Bf16 => (0x7FC1, 0x7F81, 0xFFC0),
                Fp16 => (0x7E01, 0x7C01, 0xFE00),
                _ => (0x7FC0_0001, 0x7F80_0001, 0xFFC0_0000),
            };
            let max = host::convert(Fp32, ty, f32::MAX.to_bits());
            let one_ulp = match ty {
                Bf16 => 2f64.powi(-7),
                Fp16 => 2f64.powi(-10),
                _ => 2f64.powi(-23),
            };
            let tiny = match ty {
                Bf16 => 2f64.powi(-133),
                Fp16 => 2f64.powi(-24),
                _ => 2f64.powi(-149),
            };
            let normal = match ty {
                Fp16 => 2f64.powi(-14),
                _ => 2f64.powi(-126),
            };
            let mut v = vec![
                f(0.0),
                f(-0.0),
                f(1.0),
                f(-1.0),
                f(1.5),
                f(2.0),
                f(-3.0),
                f(0.1),
                f(1.0 + one_ulp),
                f(one_ulp / 2.0),
                f(normal),
                f(-tiny),
                f(tiny),
                max & !0x8000_0000,
                max | (1 << (8 * ty.size() - 1)),
                f(f64::INFINITY),
                f(f64::NEG_INFINITY),
                nan,
                snan,
                neg_nan,
            ];
            if ty != Fp32 {
                // Largest finite is not f32::MAX for the narrow types: use their own.
                let m = from_f64(ty, if ty == Bf16 { 3.389_531_4e38 } else { 65504.0 });
                v[13] = m;
                v[14] = m | (1 << (8 * ty.size() - 1));
            }
            v
        }
    }
}

/// Edge values of any element type: those of the vector types, and for the others their
/// extremes, zeros, NaNs and rounding neighbours.
pub fn edges_any(ty: Ty) -> Vec<u32> {
    match ty {
        Ty::U8 => vec![0, 1, 2, 127, 128, 200, 254, 255],
        Ty::E4m3 => vec![
            0x00, 0x80, 0x01, 0x08, 0x38, 0xB8, 0x7E, 0xFE, 0x7F, 0xFF, 0x3C, 0x3D,
        ],
        Ty::E5m2 => vec![
            0x00, 0x80, 0x01, 0x04, 0x3C, 0xBC, 0x7B, 0xFB, 0x7C, 0xFC, 0x7D, 0x7E,
        ],
        _ => edges(ty),
    }
}

/// Every ordered pair of edge values, then random bit patterns.
fn pairs(ty: Ty, seed: u64) -> (Vec<u32>, Vec<u32>) {
    let e = edges(ty);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for x in &e {
        for y in &e {
            a.push(*x);
            b.push(*y);
        }
    }
    let mut rng = Rng(seed);
    for _ in 0..512 {
        a.push(rng.bits(ty));
        b.push(rng.bits(ty));
    }
    (a, b)
}

fn saturate(ty: Ty, x: i64) -> u32 {
    match ty {
        I8 => x.clamp(-128, 127) as u32 & 0xFF,
        _ => x as i32 as u32,
    }
}

fn int(ty: Ty, bits: u32) -> i64 {
    match ty {
        I8 => i64::from(bits as u8 as i8),
        _ => i64::from(bits as i32),
    }
}

/// The reference for binary `op` (and `fma` with `d` as the addend).
fn binary_ref(op: &str, ty: Ty, a: u32, b: u32, d: u32) -> u32 {
    if !ty.is_float() {
        let (x, y, z) = (int(ty, a), int(ty, b), int(ty, d));
        // i32 wraps; i8 computes exactly (it fits in i64 here) and saturates.
        let r = match op {
            "add" => x + y,
            "sub" => x - y,
            "mul" => x * y,
            "max" => x.max(y),
            "min" => x.min(y),
            "fma" => x * y + z,
            _ => unreachable!(),
        };
        return saturate(ty, r);
    }
    let (x, y, z) = (load_f32(ty, a), load_f32(ty, b), load_f32(ty, d));
    let r = match op {
        "add" => x + y,
        "sub" => x - y,
        "mul" => x * y,
        "max" => host::maximum(x, y),
        "min" => host::minimum(x, y),
        "fma" => host::fma_f32(x, y, z),
        _ => unreachable!(),
    };
    store_f32(ty, r)
}

#[test]
fn binary_vector_operations_match_the_reference_on_every_pair_of_edge_values() {
    const OPS: [&str; 6] = ["add", "sub", "mul", "max", "min", "fma"];
    for (t, ty) in VECTOR_TYPES.into_iter().enumerate() {
        let (a, b) = pairs(ty, 11 + t as u64);
        let n = a.len();
        let e = edges(ty);
        // The fma addend, preloaded in its destination: the edge values in turn.
        let d: Vec<u32> = (0..n).map(|i| e[(i * 7 + i / e.len()) % e.len()]).collect();
        let out = |k: usize| D + (k * 0x1_0000) as u64;
        let mut inputs = vec![input(A, ty, &a), input(B, ty, &b)];
        inputs.push(input(out(5), ty, &d));
        let body: String = OPS
            .iter()
            .enumerate()
            .map(|(k, op)| {
                format!(
                    "li x6, {:#x}\nv{op}.{} x6, x20, x21, x5\n",
                    out(k),
                    ty.name()
                )
            })
            .collect();
        let m = run(&inputs, &format!("li x5, {n}\n{body}"));
        for (k, op) in OPS.iter().enumerate() {
            let got = read(&m, out(k), ty, n);
            let want: Vec<u32> = (0..n)
                .map(|i| binary_ref(op, ty, a[i], b[i], d[i]))
                .collect();
            assert_bits(&got, &want, |i| {
                format!(
                    "v{op}.{} {:#x}, {:#x} (d {:#x})",
                    ty.name(),
                    a[i],
                    b[i],
                    d[i]
                )
            });
        }
    }
}

/// The reference for unary `op` on one element.
fn unary_ref(op: &str, ty: Ty, a: u32) -> Want {
    if !ty.is_float() {
        return Want::exact(match op {
            "relu" => saturate(ty, int(ty, a).max(0)),
            "mov" => a,
            _ => unreachable!(),
        });
    }
    let x = load_f32(ty, a);
    let exact = |r: f32| Want::exact(store_f32(ty, r));
    let band = |(lo, hi): (f32, f32)| Want::band(ty, lo, hi);
    match op {
        "mov" => Want::exact(a),
        "relu" => exact(host::relu(x)),
        // One f32 division (f64 division then f32 is a single rounding: 53 >= 2 × 24 + 2).
        "recip" => exact((1.0 / f64::from(x)) as f32),
        // sqrt rounded to f32, then the division rounded (each exact through f64 likewise).
        "rsqrt" => {
            let s = f64::from(x).sqrt() as f32;
            exact((1.0 / f64::from(s)) as f32)
        }
        "exp" => band(host::exp_band(x)),
        "tanh" => band(host::tanh_band(x)),
        "gelu" => band(host::gelu_band(x)),
        _ => unreachable!(),
    }
}

/// Edge values, a sweep over the interesting range, and random patterns.
fn unary_inputs(ty: Ty, seed: u64) -> Vec<u32> {
    let mut v = edges(ty);
    for i in -400..=400 {
        v.push(from_f64(ty, f64::from(i) * 0.0625));
    }
    for x in [
        88.0, 88.7, 89.0, -87.0, -103.0, -110.0, 1e-3, 1e20, -1e20, 4.0, 9.0, 0.25,
    ] {
        v.push(from_f64(ty, x));
    }
    let mut rng = Rng(seed);
    v.extend((0..1024).map(|_| rng.bits(ty)));
    v
}

fn check_unary(ty: Ty, ops: &[&str], a: &[u32]) {
    let n = a.len();
    let out = |k: usize| D + (k * 0x1_0000) as u64;
    let body: String = ops
        .iter()
        .enumerate()
        .map(|(k, op)| format!("li x6, {:#x}\nv{op}.{} x6, x20, x5\n", out(k), ty.name()))
        .collect();
    let m = run(&[input(A, ty, a)], &format!("li x5, {n}\n{body}"));
    for (k, op) in ops.iter().enumerate() {
        let got = read(&m, out(k), ty, n);
        for i in 0..n {
            let want = unary_ref(op, ty, a[i]);
            assert!(
                want.admits(ty, got[i]),
                "v{op}.{} {:#x}: got {:#x}, want {want:x?}",
                ty.name(),
                a[i],
                got[i]
            );
        }
    }
}

#[test]
fn unary_float_operations_match_the_reference_within_their_documented_rounding() {
    for (t, ty) in FLOATS.into_iter().enumerate() {
        let a = unary_inputs(ty, 100 + t as u64);
        check_unary(
            ty,
            &["relu", "mov", "recip", "rsqrt", "exp", "tanh", "gelu"],
            &a,
        );
    }
}

#[test]
fn relu_and_mov_on_integers_match_the_reference() {
    for ty in [I8, I32] {
        let mut a = edges(ty);
        let mut rng = Rng(7);
        a.extend((0..256).map(|_| rng.bits(ty)));
        check_unary(ty, &["relu", "mov"], &a);
    }
}

#[test]
fn relu_of_negative_zero_is_positive_zero_and_of_nan_the_canonical_nan() {
    // Worked by hand: relu(-0) = +0; relu(sNaN 0x7F81) = canonical 0x7FC0; recip(-0) = -inf.
    let m = run(
        &[input(A, Bf16, &[0x8000, 0x7F81, 0xBF80])],
        "li x5, 3\nvrelu.bf16 x22, x20, x5\nvrecip.bf16 x21, x20, x5",
    );
    assert_eq!(read(&m, D, Bf16, 3), [0x0000, 0x7FC0, 0x0000]);
    assert_eq!(read(&m, B, Bf16, 3), [0xFF80, 0x7FC0, 0xBF80]);
}

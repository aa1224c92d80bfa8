//! The matrix output stage (`mx.post`, `mx.out`; docs/timing.md "Matrix output stage"): for an
//! fp32 accumulator `fmaf(c, scale, bias[n])` with one rounding, the activation in fp32, NaN
//! made canonical, one rounding to the output type; for an i32 accumulator (i8 inputs) the same
//! in f64, with tanh and gelu in fp32. Activations tanh and gelu are compared within the band of
//! `vector.rs` (1 ulp of f32 around the exact value); everything else exactly.

use isa::memory_map::ACC_BASE;

use crate::common::zw1;
use crate::harness::{A, B, D, E, assert_bits, input, read, run, run_on};
use crate::host::{self, Rng, Ty, Want, from_f64, store_f32};
use crate::host::{Bf16, E4m3, E5m2, Fp16, Fp32, I8, I32};

const ACTS: [&str; 4] = ["none", "relu", "gelu", "tanh"];
const OUTS: [Ty; 7] = [I8, I32, E4m3, E5m2, Bf16, Fp16, Fp32];

/// `act` on an `f32`, as the band of allowed `f32` results.
fn act_band(act: &str, x: f32) -> (f32, f32) {
    match act {
        "none" => (x, x),
        "relu" => (host::relu(x), host::relu(x)),
        "gelu" => host::gelu_band(x),
        _ => host::tanh_band(x),
    }
}

/// One fp32 accumulator element through the stage.
fn fp32_ref(c: u32, scale: f32, bias: f32, act: &str, out: Ty) -> Want {
    let x = host::fma_f32(f32::from_bits(c), scale, bias);
    let (lo, hi) = act_band(act, x);
    if lo == hi || lo.is_nan() {
        Want::exact(store_f32(out, lo))
    } else {
        Want::band(out, lo, hi)
    }
}

/// One i32 accumulator element: `c × scale + bias` is exact in f64 for the scales and biases
/// used here (a few significant bits each), so the one rounding is into the output type.
fn i32_ref(c: u32, scale: f32, bias: f32, act: &str, out: Ty) -> Want {
    let x = f64::from(c as i32) * f64::from(scale) + f64::from(bias);
    match act {
        "none" => Want::exact(from_f64(out, x)),
        "relu" => Want::exact(from_f64(out, if x > 0.0 { x } else { 0.0 })),
        _ => {
            let (lo, hi) = act_band(act, x as f32);
            if lo == hi {
                Want::exact(store_f32(out, lo))
            } else {
                Want::band(out, lo, hi)
            }
        }
    }
}

/// Runs every activation × output type over the M×N accumulators `acc` (of `acc_type`, set by
/// `mx.cfg ws, <input>`) with `scale` and `bias`, and checks each element.
fn check_stage(input_ty: Ty, acc: &[u32], n: usize, scale: f32, bias: &[f32]) {
    let m = acc.len() / n;
    let acc_ty = if input_ty == I8 { I32 } else { Fp32 };
    let mut body = format!(
        "li x5, {m}\nli x6, {n}\nli x24, {ACC_BASE:#x}\nli x26, {:#x}\nmx.cfg ws, {}\n",
        scale.to_bits(),
        input_ty.name()
    );
    let combos: Vec<(&str, Ty, bool)> = ACTS
        .iter()
        .flat_map(|a| {
            OUTS.iter()
                .flat_map(move |o| [(*a, *o, false), (*a, *o, true)])
        })
        .collect();
    for (i, (act, out, biased)) in combos.iter().enumerate() {
        let bias_reg = if *biased { "x21" } else { "x0" };
        body += &format!(
            "mx.post {act}, {}, x26, {bias_reg}\nli x7, {:#x}\nmx.out x7, x24, x5, x6\n",
            out.name(),
            D + (i as u64) * 0x1000
        );
    }
    let bias_bits: Vec<u32> = bias.iter().map(|b| b.to_bits()).collect();
    let mach = run(
        &[input(ACC_BASE, acc_ty, acc), input(B, Fp32, &bias_bits)],
        &body,
    );
    for (i, (act, out, biased)) in combos.iter().enumerate() {
        let got = read(&mach, D + (i as u64) * 0x1000, *out, acc.len());
        for (e, c) in acc.iter().enumerate() {
            let b = if *biased { bias[e % n] } else { 0.0 };
            let want = if acc_ty == I32 {
                i32_ref(*c, scale, b, act, *out)
            } else {
                fp32_ref(*c, scale, b, act, *out)
            };
            assert!(
                want.admits(*out, got[e]),
                "{} acc {c:#x}, scale {scale}, bias {b}, {act} to {}: got {:#x}, want {want:x?}",
                acc_ty.name(),
                out.name(),
                got[e]
            );
        }
    }
}

#[test]
fn the_output_stage_matches_the_reference_for_fp32_accumulators() {
    let n = 8;
    let f = |x: f32| x.to_bits();
    let mut acc: Vec<u32> = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        2.5,
        -2.5,
        300.0,
        -300.0,
        1.0 + 1.0 / 256.0,
        448.0,
        464.0,
        500.0,
        61440.0,
        65520.0,
        1e30,
        -1e30,
        3.0e-8,
        -3.0e-8,
        1e-45,
        0.75,
        -3.7,
        5.0,
        -5.0,
    ]
    .map(f)
    .to_vec();
    acc.extend([
        0x7F80_0000,
        0xFF80_0000,
        0x7FC0_0000,
        0xFF80_0001,
        f32::MAX.to_bits(),
    ]);
    let mut rng = Rng(77);
    while !acc.len().is_multiple_of(n) || acc.len() < 64 {
        // Random values of moderate size (exponent field 100..150).
        let bits = rng.bits(Fp32);
        if (100..150).contains(&((bits >> 23) & 0xFF)) {
            acc.push(bits);
        }
    }
    let bias = [0.0, -0.0, 0.5, -1.25, 1e-3, 3.0, -100.0, 0.1];
    check_stage(Fp32, &acc, n, 1.0, &bias);
    check_stage(Fp32, &acc, n, 0.37, &bias);
    check_stage(Bf16, &acc, n, -2.0, &bias);
}

#[test]
fn the_output_stage_matches_the_reference_for_i32_accumulators() {
    let n = 4;
    let acc: Vec<u32> = [
        0i32,
        1,
        -1,
        2,
        -3,
        127,
        128,
        -129,
        448,
        465,
        16_842_753,
        -16_842_753,
        i32::MAX,
        i32::MIN,
        65_520,
        61_440,
    ]
    .map(|x| x as u32)
    .to_vec();
    // Dyadic scale and biases: c × scale + bias is exact in f64 (at most 36 significant bits).
    // A bias of -0 with a negative scale gives 0 × scale + bias = -0, which relu makes +0.
    let bias = [-0.0, 0.5, -3.25, 0.75];
    check_stage(I8, &acc, n, 1.0, &bias);
    check_stage(I8, &acc, n, 0.75, &bias);
    check_stage(I8, &acc, n, -0.5, &bias);
}

#[test]
fn the_int8_matrix_path_runs_from_i8_inputs_to_every_output_type() {
    // M×K · K×N of i8 with K = 300: sums exceed i8 and i16, products include -128 × -128.
    let (m, n, k) = (6, 10, 300);
    let mut rng = Rng(5);
    let mut a: Vec<u32> = (0..m * k).map(|_| rng.bits(I8)).collect();
    let b: Vec<u32> = (0..k * n).map(|_| rng.bits(I8)).collect();
    a[..k].fill(0x80);
    let mut acc = vec![0i32; m * n];
    for i in 0..m {
        for j in 0..n {
            for kk in 0..k {
                acc[i * n + j] +=
                    i32::from(a[i * k + kk] as u8 as i8) * i32::from(b[kk * n + j] as u8 as i8);
            }
        }
    }
    for dataflow in ["ws", "os", "is"] {
        let mut body = format!(
            "li x5, {k}\nli x6, {n}\nli x7, {m}\nli x24, {ACC_BASE:#x}\nli x26, {:#x}\n\
             mx.cfg {dataflow}, i8\nmx.ldw x21, x5, x6\nmx.mm x24, x20, x7\n\
             q.signal mx, s1, 1\nq.take vec, s1, 1\n",
            0.5f32.to_bits()
        );
        for (i, out) in OUTS.iter().enumerate() {
            body += &format!(
                "mx.post relu, {}, x26, x0\nli x8, {:#x}\nmx.out x8, x24, x7, x6\n",
                out.name(),
                D + (i as u64) * 0x1000
            );
        }
        let mach = run_on(&zw1(1), &[input(A, I8, &a), input(B, I8, &b)], &body);
        let acc_bits: Vec<u32> = acc.iter().map(|x| *x as u32).collect();
        assert_bits(&read(&mach, ACC_BASE, I32, m * n), &acc_bits, |i| {
            format!("{dataflow} C[{i}]")
        });
        for (i, out) in OUTS.iter().enumerate() {
            // relu(0.5 × c), one rounding from the exact value.
            let want: Vec<u32> = acc
                .iter()
                .map(|c| from_f64(*out, (0.5 * f64::from(*c)).max(0.0)))
                .collect();
            assert_bits(
                &read(&mach, D + (i as u64) * 0x1000, *out, m * n),
                &want,
                |e| format!("{dataflow} relu to {}: acc {}", out.name(), acc[e]),
            );
        }
    }
}

#[test]
fn an_i32_accumulator_rounds_once_into_bf16() {
    // C starts at 2^24 + 2^16 and mx.mma adds 1 × 1: 16842753, which rounds once to bf16
    // 2^24 + 2^17 = 0x4B81 (through fp32 it would become 0x4B80). Into fp32 it is a tie between
    // 16842752 and 16842754: even 16842752 = 0x4B808000.
    let body = format!(
        "li x5, 1\nli x24, {ACC_BASE:#x}\nli x26, {:#x}\nmx.cfg ws, i8\nmx.ldw x21, x5, x5\n\
         mx.mma x24, x20, x5\nq.signal mx, s1, 1\nq.take vec, s1, 1\n\
         mx.post none, bf16, x26, x0\nmx.out x22, x24, x5, x5\n\
         mx.post none, fp32, x26, x0\nmx.out x23, x24, x5, x5",
        1.0f32.to_bits()
    );
    let m = run(
        &[
            input(A, I8, &[1]),
            input(B, I8, &[1]),
            input(ACC_BASE, I32, &[16_842_752]),
        ],
        &body,
    );
    assert_eq!(read(&m, D, Bf16, 1), [0x4B81]);
    assert_eq!(read(&m, E, Fp32, 1), [0x4B80_8000]);
}

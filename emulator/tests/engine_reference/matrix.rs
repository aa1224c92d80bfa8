//! The matrix unit in full programs: `mx.ldw`, `mx.mm`/`mx.mma` on each input type, dataflow
//! (ws, os, is) and systolic model (fast, register), checked against a host reference of
//! docs/numerics.md's accumulation order; the int8 path from i8 inputs through i32
//! accumulators to every output type; and the output stage (`mx.post`, `mx.out`) with scale,
//! bias, each activation and each output type.

use emulator::config::Config;
use isa::memory_map::ACC_BASE;

use crate::common::{num, with, zw1};
use crate::harness::{A, B, E, assert_bits, input, read, run_on};
use crate::host::{Bf16, E4m3, E5m2, Fp16, Fp32, I8};
use crate::host::{Rng, Ty, from_f64, load_f32, store_f32};

const DATAFLOWS: [&str; 3] = ["ws", "os", "is"];
const MODELS: [&str; 2] = ["fast", "register"];

/// An 8 × 8 array (so small shapes take several folds), simulated by `model`.
fn array(model: &str) -> Config {
    with(
        zw1(1),
        &[
            ("systolic.rows", "8"),
            ("systolic.cols", "8"),
            ("systolic.model", model),
        ],
    )
}

/// The reduction fold: rows × Q values of k for ws and is, all of K for os.
fn fold(config: &Config, dataflow: &str, ty: Ty, k: usize) -> usize {
    if dataflow == "os" {
        return k;
    }
    let q = match ty {
        Bf16 => num(config, "systolic.bf16_macs_per_pe_cycle"),
        Fp16 => num(config, "systolic.fp16_macs_per_pe_cycle"),
        E4m3 | E5m2 => num(config, "systolic.fp8_macs_per_pe_cycle"),
        I8 => num(config, "systolic.int8_macs_per_pe_cycle"),
        _ => 1,
    };
    num(config, "systolic.rows") as usize * q as usize
}

/// C (M×N) = [C +] A (M×K) · B (K×N): per fold a partial sum from +0 over increasing k of the
/// f32 products, each fold then added to C in k order (the first one written by `mx.mm`); NaN
/// made canonical. i8: exact products, wrapping i32 sums.
#[allow(clippy::too_many_arguments)]
fn matmul_ref(
    ty: Ty,
    a: &[u32],
    b: &[u32],
    c: &[u32],
    acc: bool,
    m: usize,
    n: usize,
    k: usize,
    fold: usize,
) -> Vec<u32> {
    let mut out = Vec::with_capacity(m * n);
    for i in 0..m {
        for j in 0..n {
            if ty == I8 {
                let mut s = if acc { c[i * n + j] as i32 } else { 0 };
                for kk in 0..k {
                    let p =
                        i32::from(a[i * k + kk] as u8 as i8) * i32::from(b[kk * n + j] as u8 as i8);
                    s = s.wrapping_add(p);
                }
                out.push(s as u32);
                continue;
            }
            let mut total: Option<f32> = acc.then(|| f32::from_bits(c[i * n + j]));
            for start in (0..k).step_by(fold) {
                let mut s = 0.0f32;
                for kk in start..(start + fold).min(k) {
                    s += load_f32(ty, a[i * k + kk]) * load_f32(ty, b[kk * n + j]);
                }
                total = Some(total.map_or(s, |t| t + s));
            }
            out.push(store_f32(Fp32, total.unwrap()));
        }
    }
    out
}

/// Random finite elements of `ty` spread over a few binades, so that the order of addition
/// shows in the rounding.
fn operand(ty: Ty, rng: &mut Rng, len: usize) -> Vec<u32> {
    (0..len)
        .map(|_| {
            loop {
                let bits = rng.bits(ty);
                let ok = match ty {
                    I8 => true,
                    E4m3 => bits & 0x7F != 0x7F,
                    E5m2 => (bits >> 2) & 0x1F != 0x1F,
                    Fp16 => (bits >> 10) & 0x1F < 20,
                    Bf16 => (bits >> 7) & 0xFF > 110 && (bits >> 7) & 0xFF < 140,
                    _ => (bits >> 23) & 0xFF > 110 && (bits >> 23) & 0xFF < 140,
                };
                if ok {
                    break bits;
                }
            }
        })
        .collect()
}

/// Runs `mx.cfg dataflow, ty; mx.ldw; mx.mm` (then `mx.mma` with a second A) and returns C after
/// each.
#[allow(clippy::too_many_arguments)]
fn multiply(
    config: &Config,
    dataflow: &str,
    ty: Ty,
    a: &[u32],
    a2: &[u32],
    b: &[u32],
    c0: &[u32],
    (m, n, k): (usize, usize, usize),
) -> (Vec<u32>, Vec<u32>) {
    let acc2 = ACC_BASE + 0x1_0000;
    let body = format!(
        "li x5, {k}\nli x6, {n}\nli x7, {m}\nli x24, {ACC_BASE:#x}\nli x25, {acc2:#x}\n\
         mx.cfg {dataflow}, {t}\nmx.ldw x21, x5, x6\n\
         mx.mm x24, x20, x7\nmx.mma x25, x23, x7",
        t = ty.name()
    );
    // The first accumulator block starts as NaN: mx.mm must not read it.
    let inputs = [
        input(A, ty, a),
        input(E, ty, a2),
        input(B, ty, b),
        input(ACC_BASE, Fp32, &vec![0x7FC0_0001; m * n]),
        input(acc2, Fp32, c0),
    ];
    let mach = run_on(config, &inputs, &body);
    (
        read(&mach, ACC_BASE, Fp32, m * n),
        read(&mach, acc2, Fp32, m * n),
    )
}

#[test]
fn every_input_type_dataflow_and_model_multiplies_in_the_documented_order() {
    let (m, n, k) = (10, 12, 40);
    for model in MODELS {
        let config = array(model);
        for (t, ty) in [I8, E4m3, E5m2, Bf16, Fp16, Fp32].into_iter().enumerate() {
            let mut rng = Rng(1000 + t as u64);
            let a = operand(ty, &mut rng, m * k);
            let a2 = operand(ty, &mut rng, m * k);
            let b = operand(ty, &mut rng, k * n);
            let c0: Vec<u32> = if ty == I8 {
                (0..m * n).map(|_| rng.next() as u32).collect()
            } else {
                operand(Fp32, &mut rng, m * n)
            };
            for dataflow in DATAFLOWS {
                let f = fold(&config, dataflow, ty, k);
                let (c, c2) = multiply(&config, dataflow, ty, &a, &a2, &b, &c0, (m, n, k));
                let what = |i: usize| format!("{model} {dataflow} {} C[{i}]", ty.name());
                assert_bits(&c, &matmul_ref(ty, &a, &b, &[], false, m, n, k, f), what);
                assert_bits(&c2, &matmul_ref(ty, &a2, &b, &c0, true, m, n, k, f), what);
            }
        }
    }
}

#[test]
fn weight_and_input_stationary_fold_k_by_the_array_depth_and_output_stationary_does_not() {
    // A's row is bf16 [1, 2^-24 × 15], B a column of ones, K = 16 on 8 rows (Q = 1 for bf16).
    // os: 1 + 2^-24 is a tie that rounds back to 1, fifteen times: C = 1 (0x3F800000).
    // ws, is: fold 1 gives 1 the same way, fold 2 sums eight 2^-24 exactly to 2^-21, and
    // 1 + 2^-21 = 0x3F800004.
    let tiny = from_f64(Bf16, 2f64.powi(-24));
    let mut a = vec![tiny; 16];
    a[0] = from_f64(Bf16, 1.0);
    let b = vec![from_f64(Bf16, 1.0); 16];
    for model in MODELS {
        let config = array(model);
        for (dataflow, want) in [
            ("ws", 0x3F80_0004),
            ("os", 0x3F80_0000),
            ("is", 0x3F80_0004),
        ] {
            let (c, _) = multiply(&config, dataflow, Bf16, &a, &a, &b, &[0], (1, 1, 16));
            assert_eq!(c, [want], "{model} {dataflow}");
        }
    }
}

#[test]
fn without_mx_cfg_the_configured_dataflow_multiplies_bf16() {
    // The reset state is the config's dataflow and bf16; the same vectors as above.
    let tiny = from_f64(Bf16, 2f64.powi(-24));
    let mut a = vec![tiny; 16];
    a[0] = from_f64(Bf16, 1.0);
    let b = vec![from_f64(Bf16, 1.0); 16];
    for (dataflow, want) in [("ws", 0x3F80_0004), ("os", 0x3F80_0000)] {
        let config = with(array("register"), &[("systolic.dataflow", dataflow)]);
        let body = format!(
            "li x5, 16\nli x6, 1\nli x24, {ACC_BASE:#x}\nmx.ldw x21, x5, x6\nmx.mm x24, x20, x6"
        );
        let m = run_on(&config, &[input(A, Bf16, &a), input(B, Bf16, &b)], &body);
        assert_eq!(read(&m, ACC_BASE, Fp32, 1), [want], "{dataflow}");
    }
}

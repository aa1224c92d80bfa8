//! programs/gemm: tiled, double-buffered bf16 GEMM on one tile, against a host reference that
//! accumulates in the weight-stationary array's order.

use half::bf16;
use programs::{Run, assert_bits_equal, random_bf16, read_bf16_file};

/// Rows of the ZW-1 array: the weight-stationary array sums K in folds of this many products.
const FOLD: usize = 64;

/// C = A·B as the array computes it: per output, each fold of 64 values of k summed in fp32 from +0
/// in increasing k (bf16 products are exact in fp32), the folds added to the accumulator in order
/// (the first one written), then the output stage `fma(c, 1.0, +0)` rounded to bf16.
fn reference(a: &[bf16], b: &[bf16], m: usize, n: usize, k: usize) -> Vec<bf16> {
    let mut c = vec![bf16::ZERO; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0.0f32;
            for (f, k0) in (0..k).step_by(FOLD).enumerate() {
                let mut sum = 0.0f32;
                for kk in k0..(k0 + FOLD).min(k) {
                    sum += a[i * k + kk].to_f32() * b[kk * n + j].to_f32();
                }
                acc = if f == 0 { sum } else { acc + sum };
            }
            c[i * n + j] = bf16::from_f32(libm::fmaf(acc, 1.0, 0.0));
        }
    }
    c
}

#[test]
fn gemm_matches_the_host_reference_on_its_built_in_input() {
    let mut run = Run::zw1("gemm/gemm.s");
    run.run();
    let (a, b) = (read_bf16_file("gemm/a.bin"), read_bf16_file("gemm/b.bin"));
    assert_bits_equal(
        &run.read_bf16("c", 256 * 256),
        &reference(&a, &b, 256, 256, 256),
        "gemm 256³",
    );
}

/// Runs the kernel on `m×k` by `k×n` random matrices placed in free HBM, checks C, and returns
/// the simulated cycles.
fn gemm_at(m: usize, n: usize, k: usize, seed: u64) -> u64 {
    let mut run = Run::zw1("gemm/gemm.s");
    let hbm = isa::memory_map::HBM_BASE + (256 << 20);
    let (pa, pb, pc) = (hbm, hbm + (64 << 20), hbm + (128 << 20));
    let a = random_bf16(m * k, seed, 2.0);
    let b = random_bf16(k * n, seed + 1, 2.0);
    let params: Vec<u8> = [m as u64, n as u64, k as u64, pa, pb, pc]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let to_bytes = |v: &[bf16]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    run.machine.write(run.symbol("params"), &params).unwrap();
    run.machine.write(pa, &to_bytes(&a)).unwrap();
    run.machine.write(pb, &to_bytes(&b)).unwrap();
    let report = run.run();
    let bytes = run.machine.read(pc, (m * n * 2) as u64).unwrap();
    let c: Vec<bf16> = bytes
        .chunks_exact(2)
        .map(|x| bf16::from_le_bytes([x[0], x[1]]))
        .collect();
    assert_bits_equal(
        &c,
        &reference(&a, &b, m, n, k),
        &format!("gemm {m}×{n}×{k}"),
    );
    report.cycles.get()
}

#[test]
fn gemm_keeps_the_array_at_least_90_percent_busy_on_1024_cubed() {
    // Simulated figures on ZW-1 (64×64 array, 4096 MACs per cycle), with the default memories.
    let cycles = gemm_at(1024, 1024, 1024, 6);
    let utilization = (1024u64 * 1024 * 1024) as f64 / (cycles as f64 * 4096.0);
    println!(
        "gemm 1024×1024×1024 on one ZW-1 tile: {cycles} cycles, MAC utilization {utilization:.4}"
    );
    assert!(
        utilization >= 0.90,
        "MAC utilization {utilization:.4} over {cycles} cycles"
    );
}

#[test]
fn gemm_is_exact_on_ragged_shapes() {
    gemm_at(100, 130, 70, 1);
    gemm_at(1, 1, 1, 2);
    gemm_at(3, 200, 65, 3);
}

#[test]
fn gemm_accumulates_k_slices_and_m_blocks() {
    // K beyond one 1024-deep slice (mx.mma across slices, A reloaded) and M beyond one block.
    gemm_at(40, 72, 1100, 4);
    gemm_at(1030, 24, 64, 5);
}

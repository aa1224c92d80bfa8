//! programs/layernorm: layer normalization in bf16, against a host reference with the kernel's
//! rounding.

use half::bf16;
use programs::{Run, assert_bits_equal, random_bf16, read_bf16_file};

const ROWS: usize = 64;
const COLS: usize = 256;

/// The kernel's arithmetic, step by step, each an fp32 rounding: mean = sum * (1/n); d = x - mean;
/// var = sum(d*d) * (1/n); rstd = 1 / sqrt(var + eps); y = fma(d * rstd, gamma, beta); to bf16.
fn reference(x: &[bf16], gamma: &[bf16], beta: &[bf16]) -> Vec<bf16> {
    let inv_n = 1.0f32 / COLS as f32;
    let eps = 0.00001f32;
    x.chunks(COLS)
        .flat_map(|row| {
            let v: Vec<f32> = row.iter().map(|b| b.to_f32()).collect();
            let sum = v[1..].iter().fold(v[0], |s, &x| s + x);
            let mean = sum * inv_n;
            let d: Vec<f32> = v.iter().map(|&x| x - mean).collect();
            let sq: Vec<f32> = d.iter().map(|&x| x * x).collect();
            let var = sq[1..].iter().fold(sq[0], |s, &x| s + x) * inv_n;
            let rstd = 1.0 / libm::sqrtf(var + eps);
            d.into_iter()
                .enumerate()
                .map(|(c, x)| {
                    bf16::from_f32(libm::fmaf(x * rstd, gamma[c].to_f32(), beta[c].to_f32()))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn layernorm_matches_the_host_reference_on_its_built_in_input() {
    let mut run = Run::zw1("layernorm/layernorm.s");
    run.run();
    let (x, g, b) = (
        read_bf16_file("layernorm/input.bin"),
        read_bf16_file("layernorm/gamma.bin"),
        read_bf16_file("layernorm/beta.bin"),
    );
    assert_bits_equal(
        &run.read_bf16("output", ROWS * COLS),
        &reference(&x, &g, &b),
        "layernorm",
    );
}

#[test]
fn layernorm_matches_the_host_reference_on_random_input() {
    let mut run = Run::zw1("layernorm/layernorm.s");
    let x = random_bf16(ROWS * COLS, 21, 5.0);
    let g = random_bf16(COLS, 22, 2.0);
    let b = random_bf16(COLS, 23, 1.0);
    run.write_bf16("input", &x);
    run.write_bf16("gamma", &g);
    run.write_bf16("beta", &b);
    run.run();
    assert_bits_equal(
        &run.read_bf16("output", ROWS * COLS),
        &reference(&x, &g, &b),
        "layernorm",
    );
}

//! programs/softmax: row-wise softmax in bf16, against a host reference with the kernel's rounding.

use half::bf16;
use programs::{Run, assert_bits_equal, random_bf16, read_bf16_file};

const ROWS: usize = 64;
const COLS: usize = 256;

/// The kernel's arithmetic, step by step: bf16 -> fp32, max, subtract, exp (libm), sequential sum,
/// reciprocal, scale, each one fp32 rounding; fp32 -> bf16 round to nearest even.
fn reference(x: &[bf16]) -> Vec<bf16> {
    x.chunks(COLS)
        .flat_map(|row| {
            let v: Vec<f32> = row.iter().map(|b| b.to_f32()).collect();
            let max = v[1..].iter().fold(v[0], |m, &x| if x > m { x } else { m });
            let e: Vec<f32> = v.iter().map(|&x| libm::expf(x - max)).collect();
            let sum = e[1..].iter().fold(e[0], |s, &x| s + x);
            let r = 1.0 / sum;
            e.into_iter().map(move |x| bf16::from_f32(x * r))
        })
        .collect()
}

#[test]
fn softmax_matches_the_host_reference_on_its_built_in_input() {
    let mut run = Run::zw1("softmax/softmax.s");
    run.run();
    let input = read_bf16_file("softmax/input.bin");
    assert_bits_equal(
        &run.read_bf16("output", ROWS * COLS),
        &reference(&input),
        "softmax",
    );
}

#[test]
fn softmax_matches_the_host_reference_on_random_input() {
    let mut run = Run::zw1("softmax/softmax.s");
    let input = random_bf16(ROWS * COLS, 11, 30.0);
    run.write_bf16("input", &input);
    run.run();
    let out = run.read_bf16("output", ROWS * COLS);
    assert_bits_equal(&out, &reference(&input), "softmax");
    // And it is a softmax: every row sums to about one.
    for row in out.chunks(COLS) {
        let s: f32 = row.iter().map(|b| b.to_f32()).sum();
        assert!((s - 1.0).abs() < 0.02, "row sums to {s}");
    }
}

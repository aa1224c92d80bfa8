//! programs/vadd: elementwise bf16 addition, against a host reference.

use half::bf16;
use programs::{Run, assert_bits_equal, random_bf16, read_bf16_file};

const N: usize = 16384;

/// bf16 + bf16 computed in fp32 (one rounding) and rounded to bf16 (nearest even).
fn reference(a: &[bf16], b: &[bf16]) -> Vec<bf16> {
    a.iter()
        .zip(b)
        .map(|(x, y)| bf16::from_f32(x.to_f32() + y.to_f32()))
        .collect()
}

#[test]
fn vadd_matches_the_host_reference_on_its_built_in_input() {
    let mut run = Run::zw1("vadd/vadd.s");
    run.run();
    let (a, b) = (read_bf16_file("vadd/a.bin"), read_bf16_file("vadd/b.bin"));
    assert_bits_equal(&run.read_bf16("c", N), &reference(&a, &b), "vadd");
}

#[test]
fn vadd_matches_the_host_reference_on_random_input_with_ties() {
    let mut run = Run::zw1("vadd/vadd.s");
    let mut a = random_bf16(N, 31, 100.0);
    let b = random_bf16(N, 32, 100.0);
    // Values whose exact sum lies halfway between two bf16 numbers exercise ties-to-even.
    a[0] = bf16::from_f32(1.0);
    let mut b = b;
    b[0] = bf16::from_bits(0x3b80); // 2^-8: 1 + 2^-8 is a tie between 1 and 1 + 2^-7
    run.write_bf16("a", &a);
    run.write_bf16("b", &b);
    run.run();
    let c = run.read_bf16("c", N);
    assert_eq!(c[0].to_bits(), 0x3f80, "the tie rounds to even (1.0)");
    assert_bits_equal(&c, &reference(&a, &b), "vadd");
}

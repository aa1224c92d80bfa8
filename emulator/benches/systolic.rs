//! Speed of the systolic array models.
//!
//! - `gemm_512`: the fast model's functional throughput (MACs per second) on a 512 × 512 × 512
//!   bf16 GEMM on a 64 × 64 weight-stationary array, beside `matrixmultiply`'s f32 sgemm on the
//!   same shape and the same values.
//! - `register_model`: the register-level model's PE updates per second (every PE's registers
//!   advancing one cycle counts as one update per PE).
//!
//! Run: `cargo bench -p emulator --bench systolic -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use emulator::numerics::{decode_f32, encode_f32};
use emulator::systolic::{
    ArrayConfig, Dataflow, FastArray, Gemm, GemmShape, MacRates, MatrixUnit, RegisterArray, timing,
};
use isa::DType;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn bf16_matrix(rng: &mut ChaCha8Rng, elements: usize) -> Vec<u8> {
    (0..elements)
        .flat_map(|_| {
            let bits = encode_f32(DType::Bf16, rng.random_range(-1.0f32..1.0)) as u16;
            bits.to_le_bytes()
        })
        .collect()
}

fn bf16_to_f32(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(2)
        .map(|b| decode_f32(DType::Bf16, u32::from(u16::from_le_bytes([b[0], b[1]]))))
        .collect()
}

fn gemm_512(c: &mut Criterion) {
    let (m, n, k) = (512usize, 512usize, 512usize);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let a = bf16_matrix(&mut rng, m * k);
    let b = bf16_matrix(&mut rng, k * n);
    let config = ArrayConfig {
        rows: 64,
        cols: 64,
        dataflow: Dataflow::Ws,
        overlap: true,
        macs_per_pe_cycle: MacRates::narrow(2),
    };
    let shape = GemmShape::new(m as u32, n as u32, k as u32);
    let mut group = c.benchmark_group("gemm_512");
    group.throughput(Throughput::Elements(shape.macs()));
    group.sample_size(20);

    let mut unit = FastArray::new(config).expect("valid config");
    let mut out = vec![0u8; m * n * 4];
    group.bench_function("fast_model_bf16_64x64_ws", |bench| {
        bench.iter(|| {
            let gemm = Gemm {
                dtype: DType::Bf16,
                shape,
                a: black_box(&a),
                b: black_box(&b),
                accumulate: false,
            };
            unit.matmul(&gemm, &mut out).expect("runs")
        })
    });

    let a32 = bf16_to_f32(&a);
    let b32 = bf16_to_f32(&b);
    let mut c32 = vec![0f32; m * n];
    group.bench_function("matrixmultiply_sgemm_f32", |bench| {
        bench.iter(|| {
            // SAFETY: the pointers come from vectors of exactly m×k, k×n and m×n elements,
            // and the strides describe those row-major layouts.
            unsafe {
                matrixmultiply::sgemm(
                    m,
                    k,
                    n,
                    1.0,
                    black_box(a32.as_ptr()),
                    k as isize,
                    1,
                    black_box(b32.as_ptr()),
                    n as isize,
                    1,
                    0.0,
                    c32.as_mut_ptr(),
                    n as isize,
                    1,
                );
            }
        })
    });
    group.finish();
}

fn register_model(c: &mut Criterion) {
    let mut group = c.benchmark_group("register_model");
    group.sample_size(10);
    for (rows, cols, dataflow, shape) in [
        (64u32, 64u32, Dataflow::Ws, GemmShape::new(256, 128, 128)),
        (64, 64, Dataflow::Os, GemmShape::new(128, 128, 256)),
        (128, 128, Dataflow::Ws, GemmShape::new(512, 128, 128)),
    ] {
        let config = ArrayConfig {
            rows,
            cols,
            dataflow,
            overlap: true,
            macs_per_pe_cycle: MacRates::narrow(2),
        };
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let (m, n, k) = (shape.m as usize, shape.n as usize, shape.k as usize);
        let a = bf16_matrix(&mut rng, m * k);
        let b = bf16_matrix(&mut rng, k * n);
        let cycles = timing(&config, DType::Bf16, shape).expect("valid").cycles;
        let pe_updates = u64::from(rows) * u64::from(cols) * cycles;
        group.throughput(Throughput::Elements(pe_updates));
        let mut unit = RegisterArray::new(config).expect("valid config");
        let mut out = vec![0u8; m * n * 4];
        let name = format!(
            "pe_updates_{rows}x{cols}_{}_{}x{}x{}",
            dataflow.name(),
            m,
            n,
            k
        );
        group.bench_function(name, |bench| {
            bench.iter(|| {
                let gemm = Gemm {
                    dtype: DType::Bf16,
                    shape,
                    a: black_box(&a),
                    b: black_box(&b),
                    accumulate: false,
                };
                unit.matmul(&gemm, &mut out).expect("runs")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, gemm_512, register_model);
criterion_main!(benches);

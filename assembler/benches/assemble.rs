//! Assembling a generated 1,000,000-line program: the speed target is at least a million lines
//! per second on one core.
//!
//! Run: `cargo bench -p assembler --bench assemble`

use assembler::{Assembler, MemoryFiles, Options};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// A kernel-like program of `lines` lines: arithmetic, loads and stores, vector and DMA
/// instructions, local-label loops, calls to named functions, comments and blank lines, and
/// some data.
pub fn source(lines: usize) -> String {
    let mut s = String::with_capacity(lines * 24);
    s.push_str("    .global _start\n_start:\n");
    let mut n = 2;
    let mut f = 0;
    while n < lines {
        let body = [
            format!("f{f}:                        # function {f}"),
            "    li      x5, 64".to_string(),
            "    addi    x6, x0, 0".to_string(),
            format!("1:  ld      x7, {}(x10)", (f % 64) * 8),
            "    add     x8, x8, x7".to_string(),
            "    vadd.bf16 x11, x12, x13, x5".to_string(),
            "    sd      x8, 16(x10)".to_string(),
            "    addi    x6, x6, 1".to_string(),
            "    blt     x6, x5, 1b".to_string(),
            String::new(),
            "    bnez    x9, 2f".to_string(),
            format!("    call    f{}", f / 2),
            "2:  slli    x9, x9, 3".to_string(),
            "    dma.in  x14, x15, s1".to_string(),
            "    ret".to_string(),
        ];
        for line in body {
            s.push_str(&line);
            s.push('\n');
            n += 1;
        }
        f += 1;
    }
    s.push_str("    .data\ntable: .dword 1, 2, 3, 4\n");
    s
}

fn assemble(text: &str) -> usize {
    let loader = MemoryFiles::default();
    let mut a = Assembler::with_loader(Options::default(), &loader);
    a.add_source("bench.s", text);
    let out = a.assemble().expect("the generated program assembles");
    out.image.code().len()
}

fn bench(c: &mut Criterion) {
    let text = source(1_000_000);
    let lines = text.lines().count() as u64;
    let mut g = c.benchmark_group("assemble");
    g.throughput(Throughput::Elements(lines));
    g.sample_size(10);
    g.bench_function("1M lines", |b| {
        b.iter(|| black_box(assemble(black_box(&text))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

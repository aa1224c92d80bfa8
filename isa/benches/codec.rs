//! Decode and encode throughput over random valid instruction words.
//!
//! `decode` decodes a 4096-word program into a buffer of results, as a loader does when it
//! pre-decodes a program; `black_box` hides the words from the optimizer and makes it keep every
//! result. `decode_black_box_each` passes each result through `black_box` on its own, which spills
//! it to the stack and reloads it whole: it measures that round trip as well. The `_sorted`
//! variants take the same words (or instructions) ordered by opcode, so the dispatch on the opcode
//! is predicted: the difference to the unsorted figure is the cost of mispredicting it.
//! `decode_operation` also turns each instruction into its typed [`Operation`], which does branch
//! on the opcode: the price of matching by name, paid where a caller wants it (the emulator's
//! loader pays it once per word of a program). `encode_operation` encodes typed operations.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use isa::fuzz::{SplitMix64, interesting_word};
use isa::{DecodeError, Instruction, Operation};
use std::hint::black_box;

fn valid_words(n: usize) -> Vec<u64> {
    let mut rng = SplitMix64(1);
    let mut words = Vec::with_capacity(n);
    while words.len() < n {
        let w = interesting_word(&mut rng);
        if Instruction::decode(w).is_ok() {
            words.push(w);
        }
    }
    words
}

fn decode_into(out: &mut [Result<Instruction, DecodeError>], words: &[u64]) {
    for (slot, &w) in out.iter_mut().zip(words) {
        *slot = Instruction::decode(w);
    }
}

fn decode_operations_into(out: &mut [Result<Operation, DecodeError>], words: &[u64]) {
    for (slot, &w) in out.iter_mut().zip(words) {
        *slot = Instruction::decode(w).map(Operation::from);
    }
}

fn codec(c: &mut Criterion) {
    let words = valid_words(4096);
    let insts: Vec<Instruction> = words
        .iter()
        .map(|&w| Instruction::decode(w).unwrap())
        .collect();
    let mut out = vec![Instruction::decode(0); words.len()];
    let mut group = c.benchmark_group("codec");
    group.throughput(Throughput::Elements(words.len() as u64));
    group.bench_function("decode", |b| {
        b.iter(|| {
            decode_into(&mut out, black_box(&words));
            black_box(&mut out);
        })
    });
    let mut sorted = words.clone();
    sorted.sort_by_key(|w| *w as u8);
    group.bench_function("decode_sorted", |b| {
        b.iter(|| {
            decode_into(&mut out, black_box(&sorted));
            black_box(&mut out);
        })
    });
    let mut operations = vec![Instruction::decode(0).map(Operation::from); words.len()];
    group.bench_function("decode_operation", |b| {
        b.iter(|| {
            decode_operations_into(&mut operations, black_box(&words));
            black_box(&mut operations);
        })
    });
    group.bench_function("decode_black_box_each", |b| {
        b.iter(|| {
            let mut ok = 0u32;
            for &w in black_box(&words) {
                ok += black_box(Instruction::decode(w)).is_ok() as u32;
            }
            ok
        })
    });
    group.bench_function("encode", |b| {
        b.iter(|| {
            let mut x = 0u64;
            for i in black_box(&insts) {
                x ^= i.encode();
            }
            x
        })
    });
    let typed: Vec<Operation> = insts.iter().map(|i| i.operation()).collect();
    group.bench_function("encode_operation", |b| {
        b.iter(|| {
            let mut x = 0u64;
            for op in black_box(&typed) {
                x ^= op.encode();
            }
            x
        })
    });
    let mut sorted_insts = insts.clone();
    sorted_insts.sort_by_key(|i| i.opcode());
    group.bench_function("encode_sorted", |b| {
        b.iter(|| {
            let mut x = 0u64;
            for i in black_box(&sorted_insts) {
                x ^= i.encode();
            }
            x
        })
    });
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);

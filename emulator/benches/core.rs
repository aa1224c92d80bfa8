//! Host speed of the cycle-accurate run loop.
//!
//! - `core_tight_loop`: simulated control-core instructions per host second on one tile running
//!   a tight loop (three ALU operations, a decrement and a taken branch per iteration).
//! - `core_tight_loop_16_tiles`: the same loop on all 16 tiles of ZW-1, which the run loop
//!   interleaves within its lookahead.
//! - `wait_a_billion_cycles`: one tile waiting on a thousand matrix operations of a million
//!   cycles each; idle time is skipped, so this costs microseconds.
//!
//! Run: `cargo bench -p emulator --bench core -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use emulator::Machine;
use emulator::bench::{core_loop, wait_loop};
use emulator::config::Config;

fn tiles(n: (u32, u32)) -> Config {
    let mut c = Config::zw1();
    c.set("chip.tiles_x", &n.0.to_string()).unwrap();
    c.set("chip.tiles_y", &n.1.to_string()).unwrap();
    c
}

fn tight_loop(c: &mut Criterion) {
    let iterations = 1_000_000u64;
    for (name, shape) in [
        ("core_tight_loop", (1, 1)),
        ("core_tight_loop_16_tiles", (4, 4)),
    ] {
        let config = tiles(shape);
        let program = core_loop(iterations);
        let instructions = (iterations * 5 + 3) * u64::from(shape.0 * shape.1);
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(instructions));
        group.sample_size(10);
        group.bench_function("instructions", |b| {
            b.iter_batched(
                || Machine::new(&config, program.clone()).unwrap(),
                |mut m| black_box(m.run(None).cycles),
                criterion::BatchSize::LargeInput,
            )
        });
        group.finish();
    }
}

fn wait(c: &mut Criterion) {
    let mut config = tiles((1, 1));
    config.set("systolic.impl", "ideal").unwrap();
    config
        .set("systolic.ideal_latency_cycles", "1000000")
        .unwrap();
    let program = wait_loop(1000);
    c.bench_function("wait_a_billion_cycles", |b| {
        b.iter_batched(
            || Machine::new(&config, program.clone()).unwrap(),
            |mut m| black_box(m.run(None).cycles),
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, tight_loop, wait);
criterion_main!(benches);

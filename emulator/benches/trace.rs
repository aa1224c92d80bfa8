//! Cost of trace sinks per event: the null sink (the default), the test sink and the Chrome writer.

use std::hint::black_box;
use std::io;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use emulator::trace::{Arg, ChromeTraceWriter, NullSink, TraceSink, Track, VecSink};
use emulator::{Clock, Cycle};

const EVENTS: u64 = 10_000;

/// `EVENTS` busy spans over 16 tiles × 4 engines, each with two arguments.
fn emit(sink: &mut impl TraceSink) {
    const UNITS: [&str; 4] = ["dma-in", "dma-out", "matrix", "vector"];
    for i in 0..EVENTS {
        let track = Track::tile(0, (i % 16) as u32, UNITS[(i / 16 % 4) as usize]);
        let start = Cycle(i * 100);
        if sink.enabled() {
            sink.busy(
                track,
                "op",
                start,
                start + 64,
                &[("bytes", Arg::U64(i * 128)), ("dtype", Arg::Str("bf16"))],
            );
        }
    }
}

fn sinks(c: &mut Criterion) {
    let clock = Clock::from_ghz(1.0).expect("1 GHz");
    let mut g = c.benchmark_group("trace");
    g.throughput(Throughput::Elements(EVENTS));
    g.bench_function("null_sink", |b| {
        b.iter(|| emit(black_box(&mut NullSink)));
    });
    g.bench_function("vec_sink", |b| {
        b.iter(|| {
            let mut s = VecSink::new();
            emit(&mut s);
            s
        });
    });
    g.bench_function("chrome_writer", |b| {
        b.iter(|| {
            let mut w = ChromeTraceWriter::new(io::sink(), clock).expect("sink");
            emit(&mut w);
            w.finish().expect("sink")
        });
    });
    g.finish();
}

criterion_group!(benches, sinks);
criterion_main!(benches);

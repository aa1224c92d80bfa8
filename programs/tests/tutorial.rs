//! programs/tutorial: the kernels of docs/tutorial.md. Each step runs to halt on the chip the
//! tutorial runs it on, gives the host reference's bits, is race-free, and takes the cycles the
//! tutorial quotes; the tutorial's worked timings are rebuilt here from the config and the trace,
//! so the document cannot drift from the emulator.

use emulator::config::Config;
use emulator::trace::{EventKind, Track, VecSink};
use emulator::{Agent, Exit, Machine, RunReport, shared};
use half::bf16;
use isa::QueueId;
use isa::memory_map::ACC_BASE;
use programs::{Run, assert_bits_equal, read_bf16_file};

/// The problem: C (M×N) = A (M×K) · B (K×N), in blocks of MB rows.
const M: usize = 2048;
const K: usize = 64;
const N: usize = 64;
const MB: usize = 128;

/// The tutorial, whose quoted figures the tests check.
fn tutorial() -> String {
    std::fs::read_to_string(programs::path("../docs/tutorial.md")).expect("docs/tutorial.md")
}

/// The cycles the tutorial's table gives for `step` (the row naming `programs/tutorial/stepN.s`).
fn quoted_cycles(step: u32) -> u64 {
    let name = format!("`programs/tutorial/step{step}.s`");
    let doc = tutorial();
    let row = doc
        .lines()
        .find(|l| l.starts_with('|') && l.contains(&name))
        .unwrap_or_else(|| panic!("docs/tutorial.md has no table row for {name}"));
    let last = row.trim_end_matches('|').rsplit('|').next().unwrap().trim();
    last.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("`{last}` in the row for {name} is not a cycle count"))
}

/// `text` with every run of white space made one space, so line breaks do not matter.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Asserts the tutorial contains `text` (a worked figure rebuilt from the run).
fn assert_quoted(text: &str) {
    assert!(
        words(&tutorial()).contains(&words(text)),
        "docs/tutorial.md does not say `{text}`"
    );
}

/// ZW-1, or ZW-1 with `tiles_x × tiles_y` tiles.
fn chip(tiles: Option<(u32, u32)>) -> Config {
    let mut config = Config::zw1();
    if let Some((x, y)) = tiles {
        config.set("chip.tiles_x", &x.to_string()).unwrap();
        config.set("chip.tiles_y", &y.to_string()).unwrap();
    }
    config
}

/// A tutorial step loaded as its `zw run` command loads it (`--load a.bin@a --load b.bin@b`),
/// with the race checker on.
fn load(step: u32, config: &Config) -> Run {
    let mut run = Run::load(&format!("tutorial/step{step}.s"), config);
    run.write_bf16("a", &read_bf16_file("tutorial/a.bin"));
    run.write_bf16("b", &read_bf16_file("tutorial/b.bin"));
    run.machine.check_races();
    run
}

/// Runs a step to halt with a trace, checks it is race-free and takes the quoted cycles.
fn run_step(step: u32, tiles: Option<(u32, u32)>) -> (Run, RunReport, VecSink) {
    let mut run = load(step, &chip(tiles));
    let mut trace = VecSink::new();
    let report = run.machine.run_traced(Some(1 << 32), &mut trace);
    assert_eq!(report.exit, Exit::Halted, "step {step}: {}", report.exit);
    let races = run.machine.races().unwrap();
    let text: String = races.iter().map(|r| format!("{r}\n")).collect();
    assert!(races.is_empty(), "step {step}:\n{text}");
    assert_eq!(
        report.cycles.get(),
        quoted_cycles(step),
        "step {step}: the run's cycles differ from docs/tutorial.md's table"
    );
    (run, report, trace)
}

/// The fp32 accumulators of A's rows `rows` times B, as the weight-stationary array sums them
/// (K = 64 is one fold: each output summed from +0 in increasing k; bf16 products are exact).
fn accumulators(rows: usize) -> Vec<f32> {
    let a = read_bf16_file("tutorial/a.bin");
    let b = read_bf16_file("tutorial/b.bin");
    let mut acc = vec![0.0f32; rows * N];
    for i in 0..rows {
        for j in 0..N {
            let mut sum = 0.0f32;
            for k in 0..K {
                sum += a[i * K + k].to_f32() * b[k * N + j].to_f32();
            }
            acc[i * N + j] = sum;
        }
    }
    acc
}

/// C's first `rows` rows: the output stage `fma(c, 1.0, +0)` rounded to bf16.
fn reference(rows: usize) -> Vec<bf16> {
    accumulators(rows)
        .into_iter()
        .map(|c| bf16::from_f32(libm::fmaf(c, 1.0, 0.0)))
        .collect()
}

/// The busy slices named `name` on `track`, as (start, end) cycles.
fn slices(trace: &VecSink, track: Track, name: &str) -> Vec<(u64, u64)> {
    trace
        .on(track)
        .filter(|e| e.name == name)
        .filter_map(|e| match e.kind {
            EventKind::Busy { start, end } => Some((start.get(), end.get())),
            _ => None,
        })
        .collect()
}

/// The durations of the tutorial's operations by docs/timing.md's formulas, from the config.
struct Durations {
    /// A DMA transfer of `bytes` between HBM and the scratchpad.
    dma_latency: u64,
    dma_setup: u64,
    dma_bytes_per_cycle: u64,
    request_bytes: u64,
    /// `mx.ldw` of B, `mx.mm` of a block, `mx.out` of a block.
    ldw: u64,
    mm: u64,
    out: u64,
}

impl Durations {
    fn of(c: &Config) -> Durations {
        let (r, cols) = (u64::from(c.systolic.rows), u64::from(c.systolic.cols));
        let (k, n, mb) = (K as u64, N as u64, MB as u64);
        let spad_bytes_per_cycle =
            u64::from(c.scratchpad.banks) * u64::from(c.scratchpad.bank_bytes_per_cycle);
        // One fold (K ≤ rows, N ≤ cols) streaming E = MB rows: 2R + C + E − 2 (docs/systolic.md).
        assert!(k <= r && n <= cols);
        Durations {
            dma_latency: u64::from(c.hbm.ideal_latency_cycles)
                + u64::from(c.noc.ideal_latency_cycles)
                + u64::from(c.scratchpad.latency_cycles),
            dma_setup: u64::from(c.dma.setup_latency_cycles),
            dma_bytes_per_cycle: u64::from(c.dma.bytes_per_cycle),
            request_bytes: u64::from(c.dma.request_bytes),
            ldw: u64::from(c.scratchpad.latency_cycles)
                + (k * n * 2).div_ceil(spad_bytes_per_cycle),
            mm: 2 * r + cols + mb - 2,
            out: u64::from(c.accumulator.latency_cycles)
                + (mb * n * 4).div_ceil(u64::from(c.accumulator.bytes_per_cycle)),
        }
    }

    /// `setup + latency(HBM) + latency(scratchpad) + ceil(bytes / bandwidth)`.
    fn dma(&self, bytes: u64) -> u64 {
        self.dma_setup + self.dma_latency + bytes.div_ceil(self.dma_bytes_per_cycle)
    }

    /// When a transfer of `bytes` that starts at 0 issues its last request, and the next
    /// transfer on its engine may start: `setup + floor(bytes before it / bandwidth)`.
    fn last_request(&self, bytes: u64) -> u64 {
        self.dma_setup + (bytes - self.request_bytes) / self.dma_bytes_per_cycle
    }
}

const TILE0: fn(&'static str) -> Track = |unit| Track::tile(0, 0, unit);

#[test]
fn step1_moves_a_block_of_a_and_b_into_the_scratchpad_in_the_cycles_worked_out() {
    let (run, report, trace) = run_step(1, None);
    let (a, b) = (
        read_bf16_file("tutorial/a.bin"),
        read_bf16_file("tutorial/b.bin"),
    );
    assert_bits_equal(&run.read_bf16("abuf", MB * K), &a[..MB * K], "abuf");
    assert_bits_equal(&run.read_bf16("bbuf", K * N), &b, "bbuf");

    // The tutorial's worked timing: A's transfer enqueued at cycle 10 starts at 11; B's starts
    // when A's has issued its last request; the core takes s0 when B completes, then halts.
    let d = Durations::of(&chip(None));
    let (a_bytes, b_bytes) = ((MB * K * 2) as u64, (K * N * 2) as u64);
    let a_start = 11;
    let a_end = a_start + d.dma(a_bytes);
    let b_start = a_start + d.last_request(a_bytes);
    let b_end = b_start + d.dma(b_bytes);
    assert_eq!(
        slices(&trace, TILE0("dma-in"), "dma.in")[0],
        (a_start, a_end)
    );
    assert_eq!(
        b_end + 2,
        report.cycles.get(),
        "halt issues the cycle after"
    );
    assert_quoted(&format!(
        "{a_start} + {} + {} + {} = {a_end}",
        d.dma_setup,
        d.dma_latency,
        a_bytes.div_ceil(d.dma_bytes_per_cycle),
    ));
    assert_quoted(&format!(
        "{a_start} + {} = {b_start}",
        d.last_request(a_bytes)
    ));
    assert_quoted(&format!("{b_start} + {} = {b_end}", d.dma(b_bytes)));
}

#[test]
fn step2_multiplies_the_block_into_the_accumulator_bit_exactly() {
    let (run, report, trace) = run_step(2, None);
    let bytes = run.machine.read(ACC_BASE, (MB * N * 4) as u64).unwrap();
    let got: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
        .collect();
    let want: Vec<u32> = accumulators(MB).iter().map(|v| v.to_bits()).collect();
    assert!(got == want, "the accumulators differ from the reference");

    let d = Durations::of(&chip(None));
    let ldw = slices(&trace, TILE0("matrix"), "mx.ldw")[0];
    let mm = slices(&trace, TILE0("matrix"), "mx.mm")[0];
    assert_eq!(ldw.1 - ldw.0, d.ldw);
    assert_eq!(mm, (ldw.1, ldw.1 + d.mm), "mx.mm follows mx.ldw at once");
    assert_eq!(mm.1 + 2, report.cycles.get(), "the fence passes, then halt");
    assert_quoted(&format!("{} + {} = {}", ldw.0, d.ldw, ldw.1));
    assert_quoted(&format!("{} + {} = {}", mm.0, d.mm, mm.1));
}

#[test]
fn step3_and_step4_give_the_first_block_of_c_in_the_scratchpad_then_in_hbm() {
    let d = Durations::of(&chip(None));
    let (run, report, trace) = run_step(3, None);
    assert_bits_equal(&run.read_bf16("cbuf", MB * N), &reference(MB), "cbuf");
    let out = slices(&trace, TILE0("vector"), "mx.out")[0];
    assert_eq!(out.1 - out.0, d.out);
    assert_eq!(out.1 + 2, report.cycles.get());
    assert_quoted(&format!("{} + {} = {}", out.0, d.out, out.1));

    let (run, report, trace) = run_step(4, None);
    assert_bits_equal(&run.read_bf16("c", MB * N), &reference(MB), "c");
    let dma_out = slices(&trace, TILE0("dma-out"), "dma.out")[0];
    assert_eq!(dma_out.1 - dma_out.0, d.dma((MB * N * 2) as u64));
    assert_eq!(dma_out.1 + 2, report.cycles.get());
    assert_quoted(&format!(
        "{} + {} = {}",
        dma_out.0,
        d.dma((MB * N * 2) as u64),
        dma_out.1
    ));
}

/// Checks the pipelined steps: on every working tile the matrix unit runs its blocks back to
/// back, and the run ends when the last block has passed the output stage and DMA-out.
fn check_pipeline(trace: &VecSink, report: &RunReport, tiles: u32) {
    let d = Durations::of(&Config::zw1());
    let per_tile = M / MB / tiles as usize;
    for t in 0..tiles {
        let mm = slices(trace, Track::tile(0, t, "matrix"), "mx.mm");
        assert_eq!(mm.len(), per_tile, "tile {t}");
        for pair in mm.windows(2) {
            assert_eq!(pair[1].0, pair[0].1, "tile {t}: a gap between mx.mm");
        }
        assert!(mm.iter().all(|(s, e)| e - s == d.mm), "tile {t}");
    }
    let first = slices(trace, TILE0("matrix"), "mx.mm")[0].0;
    let dma_out = d.dma((MB * N * 2) as u64);
    let total = report.cycles.get();
    assert_eq!(first + per_tile as u64 * d.mm + d.out + dma_out + 1, total);
    assert_quoted(&format!(
        "{first} + {per_tile} × {} + {} + {dma_out} + 1 = {total}",
        d.mm, d.out
    ));
}

#[test]
fn step5_double_buffers_all_of_c_on_one_tile_keeping_the_array_busy() {
    let (run, report, trace) = run_step(5, None);
    assert_bits_equal(&run.read_bf16("c", M * N), &reference(M), "c");
    check_pipeline(&trace, &report, 1);
    // The engines wait in q.take for their neighbours, drawn on their own tracks.
    for unit in ["vector", "dma-out"] {
        assert!(trace.on(TILE0(unit)).any(|e| e.name == "q.take"), "{unit}");
    }
    assert!(
        trace
            .on(TILE0("control"))
            .any(|e| e.name == "queue full" && e.arg("queue").is_some())
    );
}

#[test]
fn step6_splits_the_blocks_over_four_tiles() {
    let (run, report, trace) = run_step(6, Some((2, 2)));
    assert_bits_equal(&run.read_bf16("c", M * N), &reference(M), "c");
    check_pipeline(&trace, &report, 4);
    // Each tile's share (first block, blocks), as `--dump 'tile*:share:i32[2]=…'` shows it.
    for t in 0..4u64 {
        let at = isa::memory_map::Location::decode(run.symbol("share")).unwrap();
        let addr = isa::memory_map::Location {
            tile: isa::memory_map::TileSel::Id(t as u32),
            ..at
        };
        let bytes = run.machine.read(addr.encode().unwrap(), 8).unwrap();
        let first = u32::from_le_bytes(bytes[..4].try_into().unwrap());
        let count = u32::from_le_bytes(bytes[4..].try_into().unwrap());
        assert_eq!((first, count), (4 * t as u32, 4), "tile {t}");
    }
}

/// programs/tutorial/step5.s without its first line equal to `line`.
fn step5_without(line: &str) -> (Machine, u64) {
    let path = programs::path("tutorial/step5.s");
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text.find(line).expect("the line is in step5.s");
    let edited = format!("{}{}", &text[..at], &text[at + line.len()..]);
    let mut asm = assembler::Assembler::new(assembler::Options::default());
    asm.add_bytes(&path, edited.into_bytes());
    let image = asm.assemble().expect("the edited step 5 assembles").image;
    let mut m = Machine::from_elf(&Config::zw1(), shared(image.to_elf())).unwrap();
    let symbol = |name: &str| image.symbol(name).unwrap().value;
    for (name, file) in [("a", "tutorial/a.bin"), ("b", "tutorial/b.bin")] {
        m.write(symbol(name), &std::fs::read(programs::path(file)).unwrap())
            .unwrap();
    }
    (m, symbol("c"))
}

#[test]
fn step5_without_the_q_take_for_a_free_a_buffer_has_the_race_the_tutorial_shows() {
    let (mut m, c) = step5_without("        q.take  dmain, s2, 1\n");
    m.check_races();
    assert_eq!(m.run(Some(1 << 32)).exit, Exit::Halted);
    let races = m.races().unwrap();
    assert_eq!(races.len(), 1, "{races:?}");
    let race = &races[0];
    let agents = [race.earlier.agent, race.later.agent];
    assert!(agents.contains(&Agent::Engine(QueueId::Matrix)));
    assert!(agents.contains(&Agent::Engine(QueueId::DmaIn)));
    // This run's timing happened to keep the two apart: C is right, and the race is found anyway.
    let bytes = m.read(c, (M * N * 2) as u64).unwrap();
    let got: Vec<bf16> = bytes
        .chunks_exact(2)
        .map(|x| bf16::from_le_bytes([x[0], x[1]]))
        .collect();
    assert_bits_equal(&got, &reference(M), "c without the q.take");
    // The tutorial prints the report as `zw run --check races` does.
    for line in race.to_string().lines() {
        assert_quoted(line);
    }
}

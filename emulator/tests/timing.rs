//! One test per timing rule of docs/timing.md. Each expected cycle count is computed from the
//! named config values; most tests read the `cycle` CSR before and after the code under test
//! (`csrr` reads the cycle it issues in).

mod common;

use common::{machine, num, reg, run, with, zw1};
use emulator::config::Config;
use emulator::engine::Exit;
use emulator::systolic::{self, ArrayConfig, Dataflow, GemmShape, MacRates};
use isa::DType;

/// Runs `body` between two reads of the cycle counter (x4 before, x9 after) on one tile and
/// returns the difference.
fn measure(config: &Config, prologue: &str, body: &str) -> u64 {
    let src = format!(
        "
        .bss
        .balign 64
buf:    .space 65536
buf2:   .space 65536
        .section .hbm.bss
        .balign 64
hbuf:   .space 65536
        .text
        .global _start
_start:
        la x20, buf
        la x21, buf2
        la x22, hbuf
{prologue}
        csrr x4, cycle
{body}
        csrr x9, cycle
        halt
"
    );
    let (m, r) = run(&src, config);
    assert_eq!(r.exit, Exit::Halted, "{src}");
    reg(&m, 0, 9) - reg(&m, 0, 4)
}

fn one_tile() -> Config {
    zw1(1)
}

#[test]
fn a_program_of_one_halt_takes_one_cycle() {
    let (_, r) = run(".global _start\n_start: halt\n", &one_tile());
    assert_eq!(r.cycles.get(), 1);
}

#[test]
fn independent_instructions_issue_one_per_cycle() {
    let d = measure(
        &one_tile(),
        "",
        "addi x5, x0, 1\naddi x6, x0, 2\naddi x7, x0, 3",
    );
    assert_eq!(d, 4);
}

#[test]
fn a_dependent_alu_instruction_waits_the_alu_latency() {
    for c in [
        one_tile(),
        with(one_tile(), &[("core.alu_latency_cycles", "3")]),
    ] {
        let alu = num(&c, "core.alu_latency_cycles");
        let d = measure(&c, "", "addi x5, x0, 1\naddi x6, x5, 1");
        // addi at +1, its dependant at +1 + alu, csrr one later.
        assert_eq!(d, 2 + alu);
    }
}

#[test]
fn a_loaded_value_is_ready_after_the_load_latency() {
    for c in [
        one_tile(),
        with(one_tile(), &[("core.load_latency_cycles", "5")]),
    ] {
        let load = num(&c, "core.load_latency_cycles");
        let d = measure(&c, "", "ld x6, 0(x20)\naddi x7, x6, 0");
        assert_eq!(d, 2 + load);
    }
}

#[test]
fn multiplies_are_pipelined_and_ready_after_the_mul_latency() {
    let c = one_tile();
    let mul = num(&c, "core.mul_latency_cycles");
    // Two independent multiplies back to back, then a use of the second.
    let d = measure(
        &c,
        "li x5, 7",
        "mul x6, x5, x5\nmul x7, x5, x5\nadd x8, x6, x7",
    );
    assert_eq!(d, 2 + mul + 1);
}

#[test]
fn a_divide_blocks_the_next_divide_for_the_div_latency_but_nothing_else() {
    let c = one_tile();
    let div = num(&c, "core.div_latency_cycles");
    let d = measure(&c, "li x5, 7", "div x6, x5, x5\ndiv x7, x5, x5");
    assert_eq!(d, 1 + div + 1);
    let d = measure(&c, "li x5, 7", "div x6, x5, x5\naddi x7, x5, 1");
    assert_eq!(d, 3);
}

#[test]
fn a_taken_branch_costs_the_branch_penalty_and_one_not_taken_costs_nothing() {
    for c in [
        one_tile(),
        with(one_tile(), &[("core.branch_penalty_cycles", "5")]),
    ] {
        let penalty = num(&c, "core.branch_penalty_cycles");
        assert_eq!(measure(&c, "", "beq x0, x0, 1f\n1:"), 2 + penalty);
        assert_eq!(measure(&c, "", "bne x0, x0, 1f\n1:"), 2);
    }
}

#[test]
fn a_jump_always_costs_the_branch_penalty() {
    let c = one_tile();
    let penalty = num(&c, "core.branch_penalty_cycles");
    assert_eq!(measure(&c, "", "jal x0, 1f\n1:"), 2 + penalty);
}

#[test]
fn a_store_occupies_issue_for_the_store_latency() {
    let c = with(one_tile(), &[("core.store_latency_cycles", "4")]);
    let store = num(&c, "core.store_latency_cycles");
    assert_eq!(measure(&c, "", "sd x0, 0(x20)"), 1 + store);
}

#[test]
fn a_csr_value_is_ready_after_the_csr_latency() {
    let c = with(one_tile(), &[("core.csr_latency_cycles", "3")]);
    let csr = num(&c, "core.csr_latency_cycles");
    assert_eq!(measure(&c, "", "csrr x6, tile_id\naddi x7, x6, 0"), 2 + csr);
}

#[test]
fn the_ideal_core_issues_every_ideal_latency_cycles() {
    let c = with(
        one_tile(),
        &[("core.impl", "ideal"), ("core.ideal_latency_cycles", "3")],
    );
    let ideal = num(&c, "core.ideal_latency_cycles");
    assert_eq!(
        measure(&c, "", "beq x0, x0, 1f\n1: addi x5, x0, 1"),
        3 * ideal
    );
}

/// The DMA descriptor for `n` contiguous bytes.
const DMA_ROW: &str = "li x10, 1\ndma.cfg u8, u8, 0\ndma.dim 0, x11, x10, x10";

#[test]
fn a_dma_transfer_takes_setup_plus_both_latencies_plus_bytes_over_bandwidth() {
    let c = one_tile();
    let n = 5000u64;
    let d = measure(
        &c,
        &format!("li x11, {n}\n{DMA_ROW}"),
        "dma.in x21, x20, s0\nfence.dma",
    );
    let spad = num(&c, "scratchpad.latency_cycles");
    let duration =
        num(&c, "dma.setup_latency_cycles") + 2 * spad + n.div_ceil(num(&c, "dma.bytes_per_cycle"));
    // Enqueued at +1, starts at +2, the fence issues at its completion, csrr one later.
    assert_eq!(d, 3 + duration);
}

#[test]
fn a_dma_transfer_from_hbm_adds_the_hbm_and_noc_latencies() {
    let c = one_tile();
    let n = 4096u64;
    let d = measure(
        &c,
        &format!("li x11, {n}\n{DMA_ROW}"),
        "dma.in x20, x22, s0\nsem.wait s0, x0, 1",
    );
    let duration = num(&c, "dma.setup_latency_cycles")
        + num(&c, "hbm.ideal_latency_cycles")
        + num(&c, "noc.ideal_latency_cycles")
        + num(&c, "scratchpad.latency_cycles")
        + n.div_ceil(num(&c, "dma.bytes_per_cycle"));
    assert_eq!(d, 3 + duration);
}

#[test]
fn a_converting_dma_transfer_moves_the_wider_side_at_the_bandwidth() {
    let c = one_tile();
    let n = 3000u64;
    // bf16 in, fp32 out: 4 bytes per element written.
    let d = measure(
        &c,
        &format!(
            "li x11, {n}\nli x12, 2\nli x13, 4\ndma.cfg bf16, fp32, 0\ndma.dim 0, x11, x12, x13"
        ),
        "dma.in x21, x20, s0\nfence.dma",
    );
    let duration = num(&c, "dma.setup_latency_cycles")
        + 2 * num(&c, "scratchpad.latency_cycles")
        + (4 * n).div_ceil(num(&c, "dma.bytes_per_cycle"));
    assert_eq!(d, 3 + duration);
}

#[test]
fn the_ideal_dma_takes_its_ideal_latency() {
    let c = with(
        one_tile(),
        &[("dma.impl", "ideal"), ("dma.ideal_latency_cycles", "37")],
    );
    let d = measure(
        &c,
        &format!("li x11, 100\n{DMA_ROW}"),
        "dma.in x21, x20, s0\nfence.dma",
    );
    assert_eq!(d, 3 + num(&c, "dma.ideal_latency_cycles"));
}

fn vector_duration(c: &Config, latency: u64, n: u64, bytes: u64) -> u64 {
    let lanes = num(c, "vector.width_bits") / 8 / bytes;
    let chunks = n.div_ceil(lanes).max(1);
    let interval = latency.div_ceil(num(c, "vector.pipeline_depth"));
    latency + (chunks - 1) * interval
}

#[test]
fn a_vector_operation_takes_its_latency_plus_one_interval_per_further_vector() {
    let c = one_tile();
    let n = 1000;
    let d = measure(
        &c,
        &format!("li x11, {n}"),
        "vadd.fp32 x20, x20, x21, x11\nfence.vec",
    );
    let add = num(&c, "vector.add_latency_cycles");
    assert_eq!(d, 3 + vector_duration(&c, add, n, 4));
    let d = measure(
        &c,
        &format!("li x11, {n}"),
        "vadd.bf16 x20, x20, x21, x11\nfence.vec",
    );
    assert_eq!(d, 3 + vector_duration(&c, add, n, 2));
}

#[test]
fn a_function_unit_deeper_than_the_pipeline_accepts_a_vector_every_few_cycles() {
    let c = with(one_tile(), &[("vector.pipeline_depth", "4")]);
    let n = 640;
    let tanh = num(&c, "vector.tanh_latency_cycles");
    assert!(
        tanh > num(&c, "vector.pipeline_depth"),
        "the rule needs tanh deeper than the pipeline"
    );
    let d = measure(
        &c,
        &format!("li x11, {n}"),
        "vtanh.fp32 x20, x21, x11\nfence.vec",
    );
    assert_eq!(d, 3 + vector_duration(&c, tanh, n, 4));
}

#[test]
fn a_conversion_counts_lanes_of_its_wider_type() {
    let c = one_tile();
    let n = 700;
    let d = measure(
        &c,
        &format!("li x11, {n}"),
        "vcvt.bf16.fp32 x20, x21, x11\nfence.vec",
    );
    assert_eq!(
        d,
        3 + vector_duration(&c, num(&c, "vector.convert_latency_cycles"), n, 4)
    );
}

/// The systolic array the config describes, weight-stationary.
fn array(c: &Config) -> ArrayConfig {
    ArrayConfig {
        rows: num(c, "systolic.rows") as u32,
        cols: num(c, "systolic.cols") as u32,
        dataflow: Dataflow::Ws,
        overlap: true,
        macs_per_pe_cycle: MacRates {
            bf16: num(c, "systolic.bf16_macs_per_pe_cycle") as u32,
            fp16: num(c, "systolic.fp16_macs_per_pe_cycle") as u32,
            fp8: num(c, "systolic.fp8_macs_per_pe_cycle") as u32,
            int8: num(c, "systolic.int8_macs_per_pe_cycle") as u32,
        },
    }
}

/// Cycles of one `mx.mm` of M×K by K×N on `dtype` inputs.
fn matrix_multiply(c: &Config, dtype: DType, (m, k, n): (u32, u32, u32)) -> u64 {
    measure(
        c,
        &format!(
            "li x11, {k}\nli x12, {n}\nli x13, {m}\nli x23, 0x20000000000\nmx.cfg ws, {}\nmx.ldw x20, x11, x12\nfence.mx",
            dtype.name()
        ),
        "mx.mm x23, x21, x13\nfence.mx",
    )
}

#[test]
fn a_matrix_multiply_takes_the_systolic_models_cycles() {
    let c = one_tile();
    let (m, k, n) = (100u32, 48u32, 40u32);
    let d = matrix_multiply(&c, DType::Bf16, (m, k, n));
    let t = systolic::timing(&array(&c), DType::Bf16, GemmShape::new(m, n, k)).unwrap();
    assert_eq!(d, 3 + t.cycles);
}

#[test]
fn each_input_type_multiplies_at_its_configured_rate() {
    let mut c = one_tile();
    c.systolic.bf16_macs_per_pe_cycle = 2;
    c.systolic.fp16_macs_per_pe_cycle = 1;
    c.systolic.fp8_macs_per_pe_cycle = 3;
    c.systolic.int8_macs_per_pe_cycle = 4;
    // K = 256 on 64 rows: 2, 4, 2 and 1 folds.
    let (m, k, n) = (100u32, 256u32, 40u32);
    let mut seen = Vec::new();
    for dtype in [DType::Bf16, DType::Fp16, DType::E4M3, DType::I8] {
        let d = matrix_multiply(&c, dtype, (m, k, n));
        let t = systolic::timing(&array(&c), dtype, GemmShape::new(m, n, k)).unwrap();
        assert_eq!(d, 3 + t.cycles, "{dtype:?}");
        seen.push(d);
    }
    assert!(seen[0] < seen[1], "bf16 at twice fp16's rate is faster");
    assert!(seen[3] < seen[2], "int8 at 4 is faster than fp8 at 3");
}

#[test]
fn loading_weights_reads_them_at_the_scratchpad_bandwidth() {
    let c = one_tile();
    let (k, n) = (64u64, 64u64);
    let d = measure(
        &c,
        &format!("li x11, {k}\nli x12, {n}\nmx.cfg ws, bf16"),
        "mx.ldw x20, x11, x12\nfence.mx",
    );
    let bw = num(&c, "scratchpad.banks") * num(&c, "scratchpad.bank_bytes_per_cycle");
    let duration = num(&c, "scratchpad.latency_cycles") + (k * n * 2).div_ceil(bw);
    assert_eq!(d, 3 + duration);
}

#[test]
fn reading_accumulators_out_takes_the_accumulator_latency_plus_bytes_over_its_bandwidth() {
    let c = one_tile();
    let (m, n) = (37u64, 64u64);
    let d = measure(
        &c,
        &format!("li x11, {m}\nli x12, {n}\nli x23, 0x20000000000"),
        // The output stage runs on the vector queue.
        "mx.out x20, x23, x11, x12\nfence.vec",
    );
    let duration = num(&c, "accumulator.latency_cycles")
        + (m * n * 4).div_ceil(num(&c, "accumulator.bytes_per_cycle"));
    assert_eq!(d, 3 + duration);
}

#[test]
fn a_full_queue_stalls_issue_until_the_engine_starts_its_next_item() {
    let c = with(one_tile(), &[("core.engine_queue_depth", "2")]);
    let n = 2000;
    let add = num(&c, "vector.add_latency_cycles");
    let duration = vector_duration(&c, add, n, 4);
    // The first runs from +2; the second and third wait; the fourth waits for a slot, which
    // frees when the second starts, at the first's completion.
    let d = measure(
        &c,
        &format!("li x11, {n}"),
        "vadd.fp32 x20, x20, x21, x11\nvadd.fp32 x20, x20, x21, x11\nvadd.fp32 x20, x20, x21, x11\nvadd.fp32 x20, x20, x21, x11",
    );
    assert_eq!(d, 2 + duration + 1);
}

#[test]
fn halt_waits_for_every_queue_to_drain() {
    let c = one_tile();
    let n = 1000;
    let src = format!(
        ".bss\nbuf: .space 8192\n.text\n.global _start\n_start:\nla x20, buf\nli x11, {n}\nvadd.fp32 x20, x20, x20, x11\nhalt\n"
    );
    let (_, r) = run(&src, &c);
    // lui, addi, li at 0..2; vadd enqueued at 3, starts at 4; halt issues at its completion.
    let duration = vector_duration(&c, num(&c, "vector.add_latency_cycles"), n, 4);
    assert_eq!(r.cycles.get(), 4 + duration + 1);
}

#[test]
fn a_semaphore_signal_arrives_after_the_noc_latency() {
    for c in [
        one_tile(),
        with(one_tile(), &[("noc.ideal_latency_cycles", "9")]),
    ] {
        let noc = num(&c, "noc.ideal_latency_cycles");
        let d = measure(&c, "", "sem.signal x0, x0, s1, 1\nsem.wait s1, x0, 1");
        assert_eq!(d, 2 + noc);
    }
}

#[test]
fn a_dma_completion_signal_is_seen_the_cycle_it_completes() {
    let c = one_tile();
    let n = 640u64;
    let d = measure(
        &c,
        &format!("li x11, {n}\n{DMA_ROW}"),
        "dma.in x21, x20, s3\nsem.take s3, x0, 1",
    );
    let duration = num(&c, "dma.setup_latency_cycles")
        + 2 * num(&c, "scratchpad.latency_cycles")
        + n.div_ceil(num(&c, "dma.bytes_per_cycle"));
    assert_eq!(d, 3 + duration);
}

#[test]
fn a_queued_signal_happens_when_the_work_before_it_completes() {
    let c = one_tile();
    let n = 1000;
    let d = measure(
        &c,
        &format!("li x11, {n}"),
        "vadd.fp32 x20, x20, x21, x11\nq.signal vec, s2, 1\nsem.wait s2, x0, 1",
    );
    let duration = vector_duration(&c, num(&c, "vector.add_latency_cycles"), n, 4);
    assert_eq!(d, 3 + duration);
}

#[test]
fn a_queued_take_holds_back_later_work_until_a_cycle_after_the_core_adds() {
    let c = one_tile();
    let n = 1000;
    let src = format!(
        "
        .bss
buf:    .space 8192
        .text
        .global _start
_start:
        la x20, buf
        li x11, {n}
        q.take vec, s1, 1
        vadd.fp32 x20, x20, x20, x11
        addi x5, x0, 1
        addi x5, x0, 2
        csrr x8, cycle
        sem.add s1, x0, 1
        fence.vec
        csrr x9, cycle
        halt
"
    );
    let (m, r) = run(&src, &c);
    assert_eq!(r.exit, Exit::Halted);
    let duration = vector_duration(&c, num(&c, "vector.add_latency_cycles"), n, 4);
    // sem.add at +1; the queue sees it at +2 and starts the vadd; the fence issues at its end.
    assert_eq!(reg(&m, 0, 9) - reg(&m, 0, 8), 3 + duration);
    let stats = m.stats(&r.exit);
    assert!(stats.chips[0].tiles[0].vector.stalled_cycles > 0);
}

#[test]
fn time_spent_waiting_is_skipped_not_simulated() {
    // A thousand matrix operations of a million cycles each: a billion cycles of waiting.
    let c = with(
        one_tile(),
        &[
            ("systolic.impl", "ideal"),
            ("systolic.ideal_latency_cycles", "1000000"),
        ],
    );
    let src = "
        .bss
w:      .space 64
        .text
        .global _start
_start:
        la x20, w
        li x5, 1
        li x6, 1000
1:      mx.ldw x20, x5, x5
        addi x6, x6, -1
        bne x6, x0, 1b
        halt
";
    let mut m = machine(src, &c);
    let r = m.run(None);
    assert_eq!(r.exit, Exit::Halted);
    let ideal = num(&c, "systolic.ideal_latency_cycles");
    assert!(r.cycles.get() >= 1000 * ideal);
    assert!(r.cycles.get() < 1000 * ideal + 10_000);
}

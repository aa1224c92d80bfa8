//! docs/timing.md, "Engine queues", "Vector operation", "Matrix operations" and "Reset state of
//! engine configuration" (the vector and matrix parts).

use crate::common::{machine, num, run, with};
use crate::{at_each_clock, measure};
use emulator::Exit;
use emulator::config::Config;
use emulator::systolic::{self, ArrayConfig, Dataflow, GemmShape, MacRates};
use isa::DType;

/// `L + (chunks - 1) × ceil(L / pipeline_depth)` for `n` elements of `bytes` bytes (the wider
/// of source and destination).
pub(crate) fn vector_duration(c: &Config, latency: u64, n: u64, bytes: u64) -> u64 {
    let lanes = num(c, "vector.width_bits") / 8 / bytes;
    let chunks = n.div_ceil(lanes).max(1);
    let interval = latency.div_ceil(num(c, "vector.pipeline_depth"));
    latency + (chunks - 1) * interval
}

/// The duration of `vadd.fp32` on 1000 elements.
fn vadd_1000(c: &Config) -> u64 {
    vector_duration(c, num(c, "vector.add_latency_cycles"), 1000, 4)
}

const VADD: &str = "vadd.fp32 x20, x20, x21, x11";

#[test]
fn an_item_enqueued_into_an_idle_queue_starts_the_next_cycle() {
    for c in at_each_clock(1, &[]) {
        // Enqueued at +1, running +2 .. +1+d, the fence issues at +2+d, csrr one later.
        let d = measure(&c, "li x11, 1000", &format!("{VADD}\nfence.vec"));
        assert_eq!(d, 3 + vadd_1000(&c));
    }
}

#[test]
fn the_next_item_starts_at_the_completion_of_the_one_before() {
    for c in at_each_clock(1, &[]) {
        let d = measure(
            &c,
            "li x11, 1000",
            &format!("{VADD}\n{VADD}\n{VADD}\nfence.vec"),
        );
        assert_eq!(d, 3 + 3 * vadd_1000(&c));
    }
}

#[test]
fn an_operation_is_busy_from_its_start_to_the_cycle_before_its_completion() {
    for c in at_each_clock(1, &[]) {
        let src = format!(
            ".bss\nbuf: .space 8192\n.text\n.global _start\n_start:\nla x20, buf\nmv x21, x20\n\
             li x11, 1000\n{VADD}\n{VADD}\nhalt\n"
        );
        let (m, r) = run(&src, &c);
        let vector = &m.stats(&r.exit).chips[0].tiles[0].vector;
        assert_eq!(vector.busy_cycles, 2 * vadd_1000(&c));
        assert_eq!(vector.completed_operations, 2);
        // The first starts at 5 (enqueued at 4); halt issues at the second's completion.
        assert_eq!(r.cycles.get(), 5 + 2 * vadd_1000(&c) + 1);
    }
}

#[test]
fn a_full_queue_stalls_issue_until_the_engine_starts_its_next_item() {
    for c in at_each_clock(1, &[("core.engine_queue_depth", "2")]) {
        // The first runs from +2; the second and third wait; the fourth waits for a slot, which
        // frees when the second starts, at the first's completion.
        let d = measure(&c, "li x11, 1000", &[VADD; 4].join("\n"));
        assert_eq!(d, 2 + vadd_1000(&c) + 1);
        // The same for the matrix queue.
        let ldw = num(&c, "scratchpad.latency_cycles")
            + (64 * 64 * 2u64)
                .div_ceil(num(&c, "scratchpad.banks") * num(&c, "scratchpad.bank_bytes_per_cycle"));
        let d = measure(
            &c,
            "li x11, 64\nmx.cfg ws, bf16",
            &["mx.ldw x20, x11, x11"; 4].join("\n"),
        );
        assert_eq!(d, 2 + ldw + 1);
    }
}

#[test]
fn queued_signals_and_takes_hold_a_queue_slot_until_they_reach_the_head() {
    for c in at_each_clock(1, &[("core.engine_queue_depth", "2")]) {
        // The two q.signal items fill the queue behind the vadd; the vadd after them waits for
        // the first to reach the head, at the vadd's completion.
        let d = measure(
            &c,
            "li x11, 1000",
            &format!("{VADD}\nq.signal vec, s1, 1\nq.signal vec, s2, 1\n{VADD}"),
        );
        assert_eq!(d, 2 + vadd_1000(&c) + 1);
        let d = measure(
            &c,
            "li x11, 1000\nsem.set s1, x0, 2",
            &format!("{VADD}\nq.take vec, s1, 1\nq.take vec, s1, 1\n{VADD}"),
        );
        assert_eq!(d, 2 + vadd_1000(&c) + 1);
    }
}

#[test]
fn the_four_queues_run_side_by_side_and_each_fence_waits_for_the_ones_it_names() {
    for c in at_each_clock(1, &[]) {
        let n = 4096u64;
        let dma = num(&c, "dma.setup_latency_cycles")
            + 2 * num(&c, "scratchpad.latency_cycles")
            + n.div_ceil(num(&c, "dma.bytes_per_cycle"));
        let ldw = num(&c, "scratchpad.latency_cycles")
            + (64 * 64 * 2u64)
                .div_ceil(num(&c, "scratchpad.banks") * num(&c, "scratchpad.bank_bytes_per_cycle"));
        let vadd = vadd_1000(&c);
        // Enqueued at +1 (DMA-in), +2 (DMA-out), +3 (matrix), +4 (vector): each ends at its
        // enqueue cycle + 1 + duration.
        let (dma_in, dma_out, mx, vec) = (2 + dma, 3 + dma, 4 + ldw, 5 + vadd);
        for (fence, ends) in [
            ("fence.dma", vec![dma_in, dma_out]),
            ("fence.mx", vec![mx]),
            ("fence.vec", vec![vec]),
            ("fence", vec![dma_in, dma_out, mx, vec]),
        ] {
            let d = measure(
                &c,
                &format!(
                    "li x10, 1\nli x11, 1000\nli x12, {n}\nli x13, 64\nmx.cfg ws, bf16\n\
                     dma.dim 0, x12, x10, x10\naddi x23, x21, 8192\naddi x24, x21, 16384"
                ),
                &format!(
                    "dma.in x23, x20, s0\ndma.out x24, x20, s0\nmx.ldw x20, x13, x13\n{VADD}\n{fence}"
                ),
            );
            // The fence issues at +5 at the earliest, or when the last named queue drains.
            let at = ends.into_iter().max().unwrap().max(5);
            assert_eq!(d, at + 1, "{fence}");
        }
    }
}

#[test]
fn halt_waits_for_every_queue_to_drain() {
    for c in at_each_clock(1, &[]) {
        let n = 1000;
        let src = format!(
            ".bss\nbuf: .space 8192\n.text\n.global _start\n_start:\nla x20, buf\nli x11, {n}\nvadd.fp32 x20, x20, x20, x11\nhalt\n"
        );
        let (_, r) = run(&src, &c);
        // lui, addi, li at 0..2; vadd enqueued at 3, starts at 4; halt issues at its completion
        // and the tile finishes a cycle later.
        assert_eq!(r.cycles.get(), 4 + vadd_1000(&c) + 1);
    }
}

#[test]
fn engine_faults_trap_at_the_cycle_of_the_instruction_that_enqueued_them() {
    for c in at_each_clock(1, &[]) {
        // A zero count is a DMA fault, found when the transfer is enqueued, not when it runs.
        let src = "
        .bss
buf:    .space 64
        .text
        .global _start
_start: la x20, buf
        li x10, 1
        csrr x4, cycle
        dma.dim 0, x0, x10, x10
        dma.in x20, x20, s0
        halt
";
        let (m, r) = run(src, &c);
        let Exit::Trapped(trap) = &r.exit else {
            panic!("{:?}", r.exit)
        };
        assert!(trap.instruction.starts_with("dma.in"), "{trap}");
        assert_eq!(trap.cycle.get(), crate::x(&m, 0, 0, 4) + 2);
    }
}

#[test]
fn a_vector_operation_takes_its_latency_plus_one_interval_per_further_vector() {
    for c in at_each_clock(1, &[]) {
        let add = num(&c, "vector.add_latency_cycles");
        for (dt, bytes) in [("fp32", 4), ("bf16", 2), ("i8", 1)] {
            // No elements still take one vector's latency.
            for n in [0u64, 1, 64, 65, 1000] {
                let d = measure(
                    &c,
                    &format!("li x11, {n}"),
                    &format!("vadd.{dt} x20, x20, x21, x11\nfence.vec"),
                );
                assert_eq!(d, 3 + vector_duration(&c, add, n, bytes), "{dt} × {n}");
            }
        }
    }
}

#[test]
fn each_vector_operation_takes_the_latency_of_its_class() {
    // The preset, and a pipeline shallower than most units so that the intervals differ.
    let mut configs = at_each_clock(1, &[]);
    configs.extend(at_each_clock(1, &[("vector.pipeline_depth", "4")]));
    let ops = [
        ("vadd.fp32 x20, x20, x21, x11", "add"),
        ("vsub.fp32 x20, x20, x21, x11", "add"),
        ("vmin.fp32 x20, x20, x21, x11", "add"),
        ("vmax.fp32 x20, x20, x21, x11", "add"),
        ("vrelu.fp32 x20, x21, x11", "add"),
        ("vmov.fp32 x20, x21, x11", "add"),
        ("vfill.fp32 x20, x0, x11", "add"),
        ("vmul.fp32 x20, x20, x21, x11", "mul"),
        ("vfma.fp32 x20, x20, x21, x11", "fma"),
        ("vcvt.fp32.fp32 x20, x21, x11", "convert"),
        ("vexp.fp32 x20, x21, x11", "exp"),
        ("vrecip.fp32 x20, x21, x11", "recip"),
        ("vrsqrt.fp32 x20, x21, x11", "rsqrt"),
        ("vtanh.fp32 x20, x21, x11", "tanh"),
        ("vgelu.fp32 x20, x21, x11", "gelu"),
        ("vredsum.fp32 x20, x21, x11", "reduce"),
        ("vredmax.fp32 x20, x21, x11", "reduce"),
    ];
    for c in configs {
        let n = 1000;
        for (op, class) in ops {
            let latency = num(&c, &format!("vector.{class}_latency_cycles"));
            let d = measure(&c, &format!("li x11, {n}"), &format!("{op}\nfence.vec"));
            assert_eq!(d, 3 + vector_duration(&c, latency, n, 4), "{op}");
        }
    }
}

#[test]
fn a_function_unit_deeper_than_the_pipeline_accepts_a_vector_every_few_cycles() {
    for c in at_each_clock(1, &[("vector.pipeline_depth", "5")]) {
        let n = 640;
        let (tanh, depth) = (
            num(&c, "vector.tanh_latency_cycles"),
            num(&c, "vector.pipeline_depth"),
        );
        assert!(tanh > depth, "the rule needs tanh deeper than the pipeline");
        let d = measure(
            &c,
            &format!("li x11, {n}"),
            "vtanh.fp32 x20, x21, x11\nfence.vec",
        );
        // 640 fp32 elements are 10 vectors, each ceil(tanh / depth) after the one before.
        assert_eq!(d, 3 + tanh + 9 * tanh.div_ceil(depth));
    }
}

#[test]
fn a_conversion_counts_lanes_of_its_wider_type() {
    for c in at_each_clock(1, &[]) {
        let convert = num(&c, "vector.convert_latency_cycles");
        let n = 700;
        for op in ["vcvt.bf16.fp32", "vcvt.fp32.bf16", "vcvt.i8.fp32"] {
            let d = measure(
                &c,
                &format!("li x11, {n}"),
                &format!("{op} x20, x21, x11\nfence.vec"),
            );
            assert_eq!(d, 3 + vector_duration(&c, convert, n, 4), "{op}");
        }
        let d = measure(
            &c,
            &format!("li x11, {n}"),
            "vcvt.e4m3.bf16 x20, x21, x11\nfence.vec",
        );
        assert_eq!(d, 3 + vector_duration(&c, convert, n, 2));
    }
}

#[test]
fn strides_do_not_change_a_vector_operations_time() {
    for c in at_each_clock(1, &[]) {
        // (sd, sa, sb): every other element; a broadcast and b walking back; every third.
        for strides in ["x2, x2, x2", "x1, x0, x5", "x3, x1, x3"] {
            let d = measure(
                &c,
                "li x11, 1000\nli x1, 1\nli x2, 2\nli x3, 3\nli x5, -1\naddi x21, x21, 8000",
                &format!("vstride {strides}\n{VADD}\nfence.vec"),
            );
            // vstride at +1, the vadd enqueued at +2.
            assert_eq!(d, 4 + vadd_1000(&c), "{strides}");
        }
    }
}

#[test]
fn the_ideal_vector_unit_takes_its_ideal_latency_for_every_operation() {
    let sets = [
        ("vector.impl", "ideal"),
        ("vector.ideal_latency_cycles", "23"),
    ];
    for c in at_each_clock(1, &sets) {
        let ideal = num(&c, "vector.ideal_latency_cycles");
        for (op, n) in [
            (VADD, 1),
            (VADD, 5000),
            ("vgelu.fp32 x20, x21, x11", 3000),
            ("vredsum.fp32 x20, x21, x11", 2000),
        ] {
            let d = measure(&c, &format!("li x11, {n}"), &format!("{op}\nfence.vec"));
            assert_eq!(d, 3 + ideal, "{op} × {n}");
        }
    }
}

/// The systolic array the config describes, weight-stationary.
fn array(c: &Config) -> ArrayConfig {
    array_in(c, Dataflow::Ws)
}

/// The systolic array the config describes, running `dataflow`.
fn array_in(c: &Config, dataflow: Dataflow) -> ArrayConfig {
    ArrayConfig {
        rows: num(c, "systolic.rows") as u32,
        cols: num(c, "systolic.cols") as u32,
        dataflow,
        overlap: true,
        macs_per_pe_cycle: MacRates {
            bf16: num(c, "systolic.bf16_macs_per_pe_cycle") as u32,
            fp16: num(c, "systolic.fp16_macs_per_pe_cycle") as u32,
            fp8: num(c, "systolic.fp8_macs_per_pe_cycle") as u32,
            int8: num(c, "systolic.int8_macs_per_pe_cycle") as u32,
        },
    }
}

/// Cycles of one `mx.mm` of M×K by K×N on `dtype` inputs, measured to its `fence.mx`.
fn matrix_multiply(c: &Config, dtype: DType, shape: (u32, u32, u32)) -> u64 {
    matrix_multiply_in(c, "ws", dtype, shape)
}

/// Cycles of one `mx.mm` after `mx.cfg dataflow, dtype`.
fn matrix_multiply_in(c: &Config, dataflow: &str, dtype: DType, (m, k, n): (u32, u32, u32)) -> u64 {
    measure(
        c,
        &format!(
            "li x11, {k}\nli x12, {n}\nli x13, {m}\nli x23, 0x20000000000\nmx.cfg {dataflow}, {}\nmx.ldw x20, x11, x12\nfence.mx",
            dtype.name()
        ),
        "mx.mm x23, x21, x13\nfence.mx",
    )
}

#[test]
fn a_matrix_multiply_takes_the_systolic_models_cycles() {
    // Both systolic models, which must give the same count.
    let mut configs = at_each_clock(1, &[]);
    configs.extend(at_each_clock(1, &[("systolic.model", "register")]));
    for c in configs {
        for (m, k, n) in [(100u32, 48u32, 40u32), (1, 64, 64), (130, 200, 70)] {
            let d = matrix_multiply(&c, DType::Bf16, (m, k, n));
            let t = systolic::timing(&array(&c), DType::Bf16, GemmShape::new(m, n, k)).unwrap();
            assert_eq!(d, 3 + t.cycles, "{m}×{k}×{n}");
        }
    }
}

#[test]
fn a_multiply_takes_the_cycles_of_the_dataflow_mx_cfg_chose() {
    for c in at_each_clock(1, &[]) {
        // A shape on which the three dataflows take different times.
        let (m, k, n) = (300u32, 200u32, 40u32);
        let mut seen = Vec::new();
        for (name, dataflow) in [
            ("ws", Dataflow::Ws),
            ("os", Dataflow::Os),
            ("is", Dataflow::Is),
        ] {
            let d = matrix_multiply_in(&c, name, DType::Bf16, (m, k, n));
            let t = systolic::timing(
                &array_in(&c, dataflow),
                DType::Bf16,
                GemmShape::new(m, n, k),
            )
            .unwrap();
            assert_eq!(d, 3 + t.cycles, "{name}");
            seen.push(d);
        }
        assert!(seen[0] != seen[1] && seen[1] != seen[2], "{seen:?}");
    }
}

#[test]
fn each_input_type_multiplies_at_its_configured_rate() {
    let sets = [
        ("systolic.bf16_macs_per_pe_cycle", "2"),
        ("systolic.fp16_macs_per_pe_cycle", "1"),
        ("systolic.fp8_macs_per_pe_cycle", "3"),
        ("systolic.int8_macs_per_pe_cycle", "4"),
    ];
    for c in at_each_clock(1, &sets) {
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
}

#[test]
fn loading_weights_reads_them_at_the_scratchpad_bandwidth() {
    for c in at_each_clock(1, &[]) {
        let bandwidth = num(&c, "scratchpad.banks") * num(&c, "scratchpad.bank_bytes_per_cycle");
        for (dtype, size) in [("bf16", 2u64), ("i8", 1), ("fp32", 4)] {
            for (k, n) in [(64u64, 64u64), (48, 40), (3, 5)] {
                let d = measure(
                    &c,
                    &format!("li x11, {k}\nli x12, {n}\nmx.cfg ws, {dtype}"),
                    "mx.ldw x20, x11, x12\nfence.mx",
                );
                let duration =
                    num(&c, "scratchpad.latency_cycles") + (k * n * size).div_ceil(bandwidth);
                assert_eq!(d, 3 + duration, "{dtype} {k}×{n}");
            }
        }
    }
}

#[test]
fn reading_accumulators_out_takes_the_accumulator_latency_plus_bytes_over_its_bandwidth() {
    for c in at_each_clock(1, &[]) {
        for (m, n) in [(37u64, 64u64), (5, 3), (64, 64)] {
            let d = measure(
                &c,
                &format!("li x11, {m}\nli x12, {n}\nli x23, 0x20000000000"),
                // The output stage runs on the vector queue.
                "mx.out x20, x23, x11, x12\nfence.vec",
            );
            let duration = num(&c, "accumulator.latency_cycles")
                + (m * n * 4).div_ceil(num(&c, "accumulator.bytes_per_cycle"));
            assert_eq!(d, 3 + duration, "{m}×{n}");
        }
    }
}

#[test]
fn the_output_stage_occupies_the_vector_queue_not_the_matrix_queue() {
    for c in at_each_clock(1, &[]) {
        let (m, n) = (64u64, 64u64);
        let out = num(&c, "accumulator.latency_cycles")
            + (m * n * 4).div_ceil(num(&c, "accumulator.bytes_per_cycle"));
        let prologue = format!("li x11, 1000\nli x12, {m}\nli x13, {n}\nli x23, 0x20000000000");
        let mx_out = "mx.out x20, x23, x12, x13";
        // A vadd after it waits for it; a matrix fence does not.
        let d = measure(&c, &prologue, &format!("{mx_out}\n{VADD}\nfence.vec"));
        assert_eq!(d, 3 + out + vadd_1000(&c));
        let d = measure(&c, &prologue, &format!("{mx_out}\nfence.mx"));
        assert_eq!(d, 3);
        // And the weights load beside it.
        let ldw = num(&c, "scratchpad.latency_cycles")
            + (m * n * 2)
                .div_ceil(num(&c, "scratchpad.banks") * num(&c, "scratchpad.bank_bytes_per_cycle"));
        let d = measure(
            &c,
            &format!("{prologue}\nmx.cfg ws, bf16"),
            &format!("{mx_out}\nmx.ldw x21, x12, x13\nfence"),
        );
        assert_eq!(d, (2 + out).max(3 + ldw) + 1);
    }
}

#[test]
fn the_ideal_systolic_array_takes_its_ideal_latency_for_every_matrix_operation() {
    let sets = [
        ("systolic.impl", "ideal"),
        ("systolic.ideal_latency_cycles", "41"),
    ];
    for c in at_each_clock(1, &sets) {
        let ideal = num(&c, "systolic.ideal_latency_cycles");
        let prologue = "li x11, 64\nli x12, 200\nli x23, 0x20000000000\nmx.cfg ws, bf16\n\
                        mx.ldw x20, x11, x11\nfence.mx";
        for (body, fence) in [
            ("mx.ldw x20, x11, x11", "fence.mx"),
            ("mx.mm x23, x21, x12", "fence.mx"),
            ("mx.mma x23, x21, x12", "fence.mx"),
            ("mx.out x20, x23, x12, x11", "fence.vec"),
        ] {
            let d = measure(&c, prologue, &format!("{body}\n{fence}"));
            assert_eq!(d, 3 + ideal, "{body}");
        }
    }
}

#[test]
fn time_spent_waiting_is_skipped_not_simulated() {
    // A thousand matrix operations of a million cycles each: a billion cycles of waiting.
    let c = with(
        crate::common::zw1(1),
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

/// Runs `body` after placing `data` at `in` (x20); `out` (x21) follows 1024 bytes later.
fn run_on(data: &[u8], body: &str) -> emulator::Machine {
    let bytes: Vec<String> = data.iter().map(u8::to_string).collect();
    let src = format!(
        "
        .data
        .balign 64
in:     .byte {}
        .balign 1024
out:    .space 1024, 0xee
        .text
        .global _start
_start: la x20, in
        la x21, out
{body}
        fence
        halt
",
        bytes.join(", ")
    );
    let (m, r) = run(&src, &crate::common::zw1(1));
    assert_eq!(r.exit, Exit::Halted);
    m
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

#[test]
fn vector_strides_reset_to_one_one_one() {
    let m = run_on(
        &f32_bytes(&[1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0]),
        "li x5, 4\naddi x6, x20, 16\nvadd.fp32 x21, x20, x6, x5",
    );
    let out = m.read(isa::memory_map::SPAD_BASE + 1024, 20).unwrap();
    // Element by element, and the fifth element of `out` untouched.
    let mut want = f32_bytes(&[11.0, 22.0, 33.0, 44.0]);
    want.extend([0xee; 4]);
    assert_eq!(out, want);
}

#[test]
fn matrix_state_resets_to_bf16_inputs_and_an_output_stage_of_fp32_scale_one() {
    // A = [[1, 2], [3, 4]], B = [[1, -1], [1, 1]] in bf16 (the upper halves of fp32):
    // A·B = [[3, 1], [7, 1]], read out as fp32 with no scale, bias or activation.
    let bf16 = |v: &[f32]| -> Vec<u8> {
        v.iter()
            .flat_map(|x| ((x.to_bits() >> 16) as u16).to_le_bytes())
            .collect()
    };
    let mut data = bf16(&[1.0, 2.0, 3.0, 4.0]);
    data.extend(bf16(&[1.0, -1.0, 1.0, 1.0]));
    let m = run_on(
        &data,
        "li x5, 2\nli x23, 0x20000000000\naddi x24, x20, 8\n\
         mx.ldw x24, x5, x5\nmx.mm x23, x20, x5\n\
         q.signal mx, s3, 1\nq.take vec, s3, 1\nmx.out x21, x23, x5, x5",
    );
    let out = m.read(isa::memory_map::SPAD_BASE + 1024, 16).unwrap();
    assert_eq!(out, f32_bytes(&[3.0, 1.0, 7.0, 1.0]));
}

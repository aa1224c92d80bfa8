//! docs/timing.md, "Cycles, events and visibility" (the run's start and end) and "Control core".

use crate::common::{machine, num, reg, run};
use crate::{at_each_clock, measure};
use emulator::Exit;
use emulator::config::Config;
use emulator::stats::StallStats;

#[test]
fn every_core_fetches_start_at_cycle_zero_with_every_register_zero() {
    for c in at_each_clock(2, &[]) {
        let src = "
        .global _start
_start: csrr x5, cycle
        halt
";
        let (m, r) = run(src, &c);
        assert_eq!(r.exit, Exit::Halted);
        for tile in 0..2 {
            let core = &m.tile(0, tile).unwrap().core;
            assert_eq!(
                core.x[5], 0,
                "tile {tile}: the first instruction issues at cycle 0"
            );
            assert!(
                core.x.iter().enumerate().all(|(i, &v)| i == 5 || v == 0),
                "tile {tile}: {:?}",
                core.x
            );
        }
    }
}

#[test]
fn a_program_of_one_halt_takes_one_cycle() {
    for c in at_each_clock(1, &[]) {
        let (_, r) = run(".global _start\n_start: halt\n", &c);
        assert_eq!(r.exit, Exit::Halted);
        assert_eq!(r.cycles.get(), 1);
    }
}

#[test]
fn a_run_ends_at_the_cycle_a_trap_happened() {
    for c in at_each_clock(1, &[]) {
        // The trap issues at cycle 2, after two independent instructions.
        let src = ".global _start\n_start: addi x5, x0, 1\naddi x6, x0, 2\ntrap 9\nhalt\n";
        let (_, r) = run(src, &c);
        let Exit::Trapped(trap) = &r.exit else {
            panic!("{:?}", r.exit)
        };
        assert_eq!(trap.cycle.get(), 2);
        assert_eq!(r.cycles.get(), 2);
    }
}

#[test]
fn a_run_ends_at_the_cycle_limit() {
    for c in at_each_clock(1, &[]) {
        // A core spinning, and a core waiting on a vector operation that ends after the limit
        // (16000 fp32 elements are 250 vectors: over 250 cycles).
        let spin = ".global _start\n_start: j _start\n";
        let wait = "
        .bss
buf:    .space 65536
        .text
        .global _start
_start: la x20, buf
        li x11, 16000
        vexp.fp32 x20, x20, x11
        fence.vec
        halt
";
        for (src, limit) in [(spin, 1234), (wait, 200)] {
            let mut m = machine(src, &c);
            let r = m.run(Some(limit));
            assert_eq!(r.exit, Exit::MaxCycles, "{src}");
            assert_eq!(r.cycles.get(), limit, "{src}");
        }
    }
}

#[test]
fn independent_instructions_issue_one_per_cycle() {
    for c in at_each_clock(1, &[]) {
        let d = measure(&c, "", "addi x5, x0, 1\naddi x6, x0, 2\naddi x7, x0, 3");
        assert_eq!(d, 4);
    }
}

/// The preset at each clock, then with `key = value`.
fn preset_and(key: &str, value: &str) -> Vec<Config> {
    let mut all = at_each_clock(1, &[]);
    all.extend(at_each_clock(1, &[(key, value)]));
    all
}

#[test]
fn a_dependent_alu_instruction_waits_the_alu_latency() {
    for c in preset_and("core.alu_latency_cycles", "3") {
        let alu = num(&c, "core.alu_latency_cycles");
        let d = measure(&c, "", "addi x5, x0, 1\naddi x6, x5, 1");
        // addi at +1, its dependant at +1 + alu, csrr one later.
        assert_eq!(d, 2 + alu);
    }
}

#[test]
fn a_loaded_value_is_ready_after_the_load_latency() {
    for c in preset_and("core.load_latency_cycles", "5") {
        let load = num(&c, "core.load_latency_cycles");
        let d = measure(&c, "", "ld x6, 0(x20)\naddi x7, x6, 0");
        assert_eq!(d, 2 + load);
    }
}

#[test]
fn multiplies_are_pipelined_and_ready_after_the_mul_latency() {
    for c in preset_and("core.mul_latency_cycles", "6") {
        let mul = num(&c, "core.mul_latency_cycles");
        // Two independent multiplies back to back, then a use of the second (issued at +2).
        let d = measure(
            &c,
            "li x5, 7",
            "mul x6, x5, x5\nmul x7, x5, x5\nadd x8, x6, x7",
        );
        assert_eq!(d, 2 + mul + 1);
    }
}

#[test]
fn a_quotient_is_ready_after_the_div_latency() {
    for c in preset_and("core.div_latency_cycles", "7") {
        let div = num(&c, "core.div_latency_cycles");
        for op in ["div", "divu", "rem", "remu"] {
            let d = measure(&c, "li x5, 7", &format!("{op} x6, x5, x5\naddi x7, x6, 1"));
            assert_eq!(d, 1 + div + 1, "{op}");
        }
    }
}

#[test]
fn a_divide_blocks_the_next_divide_for_the_div_latency_but_nothing_else() {
    for c in preset_and("core.div_latency_cycles", "7") {
        let div = num(&c, "core.div_latency_cycles");
        let d = measure(&c, "li x5, 7", "div x6, x5, x5\nrem x7, x5, x5");
        assert_eq!(d, 1 + div + 1);
        let d = measure(&c, "li x5, 7", "div x6, x5, x5\naddi x7, x5, 1");
        assert_eq!(d, 3);
    }
}

#[test]
fn a_taken_branch_costs_the_branch_penalty_and_one_not_taken_costs_nothing() {
    for c in preset_and("core.branch_penalty_cycles", "5") {
        let penalty = num(&c, "core.branch_penalty_cycles");
        assert_eq!(measure(&c, "", "beq x0, x0, 1f\n1:"), 2 + penalty);
        assert_eq!(measure(&c, "", "bne x0, x0, 1f\n1:"), 2);
    }
}

#[test]
fn a_jump_always_costs_the_branch_penalty() {
    for c in preset_and("core.branch_penalty_cycles", "5") {
        let penalty = num(&c, "core.branch_penalty_cycles");
        assert_eq!(measure(&c, "", "jal x0, 1f\n1:"), 2 + penalty);
        assert_eq!(measure(&c, "la x5, 1f", "jalr x0, x5, 0\n1:"), 2 + penalty);
    }
}

#[test]
fn a_jumps_link_register_is_ready_after_the_alu_latency() {
    let mut configs = at_each_clock(1, &[]);
    // A slow ALU and no penalty: the link register, not the jump, holds back its use.
    configs.extend(at_each_clock(
        1,
        &[
            ("core.alu_latency_cycles", "5"),
            ("core.branch_penalty_cycles", "0"),
        ],
    ));
    for c in configs {
        let alu = num(&c, "core.alu_latency_cycles");
        let penalty = num(&c, "core.branch_penalty_cycles");
        let d = measure(&c, "", "jal x1, 1f\n1: addi x7, x1, 0");
        // jal at +1; the use at max(+1 + 1 + penalty, +1 + alu); csrr one later.
        assert_eq!(d, 1 + (1 + penalty).max(alu) + 1);
    }
}

#[test]
fn a_store_occupies_issue_for_the_store_latency() {
    for c in preset_and("core.store_latency_cycles", "4") {
        let store = num(&c, "core.store_latency_cycles");
        assert_eq!(measure(&c, "", "sd x0, 0(x20)"), 1 + store);
        assert_eq!(
            measure(&c, "", "sw x0, 0(x20)\nsb x0, 8(x20)"),
            1 + 2 * store
        );
    }
}

#[test]
fn a_csr_value_is_ready_after_the_csr_latency() {
    for c in preset_and("core.csr_latency_cycles", "3") {
        let csr = num(&c, "core.csr_latency_cycles");
        assert_eq!(measure(&c, "", "csrr x6, tile_id\naddi x7, x6, 0"), 2 + csr);
    }
}

#[test]
fn the_ideal_core_takes_its_ideal_latency_for_every_issue_and_result() {
    for ideal in ["1", "3"] {
        // Slow classes, to show that the ideal core ignores them.
        let sets = [
            ("core.impl", "ideal"),
            ("core.ideal_latency_cycles", ideal),
            ("core.load_latency_cycles", "5"),
            ("core.store_latency_cycles", "4"),
            ("core.div_latency_cycles", "9"),
            ("core.branch_penalty_cycles", "6"),
        ];
        for c in at_each_clock(1, &sets) {
            let ideal = num(&c, "core.ideal_latency_cycles");
            // Six instructions, each a use of the one before or a penalty under the real core.
            let body = "ld x6, 0(x20)\naddi x7, x6, 0\ndiv x8, x7, x7\ndiv x8, x8, x8\n\
                        beq x0, x0, 1f\n1: sd x0, 0(x20)";
            assert_eq!(measure(&c, "", body), 7 * ideal);
        }
    }
}

#[test]
fn configuration_instructions_take_effect_at_issue_and_cost_one_cycle() {
    for c in at_each_clock(1, &[]) {
        let d = measure(
            &c,
            "li x10, 1\nli x11, 64",
            "dma.dim 0, x11, x10, x10\ndma.cfg u8, u8, 0\nmx.cfg ws, bf16\n\
             mx.post none, fp32, x0, x0\nvstride x10, x10, x10",
        );
        assert_eq!(d, 6);
    }
}

/// The stalled cycles of tile 0's core by reason, after checking that its cycles add up.
fn stalls_of(src: &str, c: &Config) -> StallStats {
    let (m, r) = run(src, c);
    assert_eq!(r.exit, Exit::Halted, "{src}");
    let control = m.stats(&r.exit).chips[0].tiles[0].control.clone();
    assert_eq!(
        control.busy_cycles + control.stalled_cycles + control.idle_cycles,
        control.total_cycles
    );
    let s = &control.stalls;
    let sum = s.dependency_cycles
        + s.branch_cycles
        + s.divider_cycles
        + s.structural_cycles
        + s.queue_full_cycles
        + s.fence_cycles
        + s.semaphore_cycles;
    assert_eq!(sum, control.stalled_cycles, "{src}");
    control.stalls
}

/// The counter of one stall reason.
type Reason = fn(&StallStats) -> u64;

#[test]
fn each_stalled_cycle_is_counted_under_the_constraint_that_bound_the_issue() {
    let sets = [
        ("core.store_latency_cycles", "4"),
        ("core.engine_queue_depth", "1"),
        ("noc.ideal_latency_cycles", "9"),
    ];
    for c in at_each_clock(1, &sets) {
        let div = num(&c, "core.div_latency_cycles");
        let penalty = num(&c, "core.branch_penalty_cycles");
        let store = num(&c, "core.store_latency_cycles");
        let noc = num(&c, "noc.ideal_latency_cycles");
        let vadd =
            crate::engines::vector_duration(&c, num(&c, "vector.add_latency_cycles"), 1000, 4);
        let prologue = ".bss\nbuf: .space 8192\n.text\n.global _start\n_start:\nla x20, buf\nli x5, 7\nli x11, 1000\n";
        let cases: [(&str, Reason, u64); 7] = [
            // The use of a quotient waits div - 1 cycles past the one-per-cycle issue.
            (
                "div x6, x5, x5\naddi x7, x6, 1",
                |s| s.dependency_cycles,
                div - 1,
            ),
            (
                "div x6, x5, x5\ndiv x7, x5, x5",
                |s| s.divider_cycles,
                div - 1,
            ),
            ("beq x0, x0, 1f\n1:", |s| s.branch_cycles, penalty),
            (
                "sd x0, 0(x20)\naddi x7, x0, 1",
                |s| s.structural_cycles,
                store - 1,
            ),
            // The third vadd waits for the second to start, at the first's completion.
            (
                "vadd.fp32 x20, x20, x20, x11\nvadd.fp32 x20, x20, x20, x11\nvadd.fp32 x20, x20, x20, x11\nfence.vec",
                |s| s.queue_full_cycles,
                vadd - 1,
            ),
            // Enqueued at t, running t+1 .. t+vadd, the fence issues at t + 1 + vadd.
            (
                "vadd.fp32 x20, x20, x20, x11\nfence.vec",
                |s| s.fence_cycles,
                vadd,
            ),
            (
                "sem.signal x0, x0, s1, 1\nsem.wait s1, x0, 1",
                |s| s.semaphore_cycles,
                noc - 1,
            ),
        ];
        for (body, reason, want) in cases {
            let stalls = stalls_of(&format!("{prologue}{body}\nhalt\n"), &c);
            assert_eq!(reason(&stalls), want, "{body}: {stalls:?}");
        }
    }
}

#[test]
fn a_core_is_idle_from_the_cycle_after_its_halt_to_the_end_of_the_run() {
    for c in at_each_clock(2, &[]) {
        let src = "
        .global _start
_start: csrr x5, tile_id
        beq x5, x0, 1f
        halt
1:      li x6, 100
2:      addi x6, x6, -1
        bne x6, x0, 2b
        halt
";
        let (m, r) = run(src, &c);
        assert_eq!(r.exit, Exit::Halted);
        let stats = m.stats(&r.exit);
        let tile1 = &stats.chips[0].tiles[1].control;
        // csrr at 0, the branch not taken at 1, halt at 2: finished at 3.
        assert_eq!(tile1.busy_cycles, 3);
        assert_eq!(tile1.stalled_cycles, 0);
        assert_eq!(tile1.idle_cycles, r.cycles.get() - 3);
        assert!(reg(&m, 0, 6) == 0 && r.cycles.get() > 100);
    }
}

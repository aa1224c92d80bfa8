//! docs/timing.md, "Semaphores and signals", the visibility of events, and "Deadlock".

use crate::common::{num, reg, run};
use crate::{address, at_each_clock, measure, ns_in_cycles, two_chips_at_each_clock, x};
use emulator::Exit;
use emulator::config::Config;
use isa::memory_map::Memory;

#[test]
fn semaphore_set_add_and_get_take_one_cycle_like_an_alu_instruction() {
    let mut configs = at_each_clock(1, &[]);
    // A slow ALU does not slow sem.get, whose result is ready the next cycle.
    configs.extend(at_each_clock(1, &[("core.alu_latency_cycles", "4")]));
    for c in configs {
        let src = "
        .global _start
_start: csrr x4, cycle
        sem.set s1, x0, 5
        sem.add s1, x0, 2
        sem.get x6, s1
        addi x7, x6, 0
        csrr x9, cycle
        halt
";
        let (m, r) = run(src, &c);
        assert_eq!(r.exit, Exit::Halted);
        assert_eq!(reg(&m, 0, 7), 7);
        assert_eq!(reg(&m, 0, 9) - reg(&m, 0, 4), 5);
    }
}

#[test]
fn a_semaphore_signal_arrives_after_the_noc_latency() {
    let mut configs = at_each_clock(1, &[]);
    configs.extend(at_each_clock(1, &[("noc.ideal_latency_cycles", "9")]));
    for c in configs {
        let noc = num(&c, "noc.ideal_latency_cycles");
        let d = measure(&c, "", "sem.signal x0, x0, s1, 1\nsem.wait s1, x0, 1");
        assert_eq!(d, 2 + noc);
    }
}

/// Runs `src` on `c`, which must halt, and returns the machine.
fn halted(src: &str, c: &Config) -> emulator::Machine {
    let (m, r) = run(src, c);
    assert_eq!(r.exit, Exit::Halted, "{src}");
    m
}

#[test]
fn a_semaphore_signal_reaches_another_tile_after_the_noc_latency() {
    for c in at_each_clock(2, &[("noc.ideal_latency_cycles", "6")]) {
        // Tile 0 reads the cycle (x8) and signals tile 1 the cycle after; tile 1 reads the cycle
        // (x9) after its wait. The cycle counter is the same on every tile.
        let src = "
        .global _start
_start: csrr x5, tile_id
        bne x5, x0, 1f
        li x6, 1
        csrr x8, cycle
        sem.signal x0, x6, s4, 1
        halt
1:      sem.wait s4, x0, 1
        csrr x9, cycle
        halt
";
        let m = halted(src, &c);
        let sent = x(&m, 0, 0, 8) + 1;
        let seen = x(&m, 0, 1, 9) - 1;
        assert_eq!(seen - sent, num(&c, "noc.ideal_latency_cycles"));
    }
}

#[test]
fn a_semaphore_signal_reaches_another_chip_after_the_noc_and_fabric_latencies() {
    for ns in ["500", "333.3"] {
        let sets = [
            ("noc.ideal_latency_cycles", "3"),
            ("fabric.ideal_latency_ns", ns),
        ];
        for c in two_chips_at_each_clock(1, &sets) {
            let src = "
        .global _start
_start: csrr x5, chip_id
        bne x5, x0, 1f
        li x6, 1
        csrr x8, cycle
        sem.signal x6, x0, s4, 1
        halt
1:      sem.wait s4, x0, 1
        csrr x9, cycle
        halt
";
            let m = halted(src, &c);
            let sent = x(&m, 0, 0, 8) + 1;
            let seen = x(&m, 1, 0, 9) - 1;
            let want =
                num(&c, "noc.ideal_latency_cycles") + ns_in_cycles(&c, "fabric.ideal_latency_ns");
            assert_eq!(seen - sent, want, "{ns} ns");
            if (c.chip.clock_ghz - 1.4).abs() < 1e-9 && ns == "333.3" {
                // 333.3 ns × 1.4 GHz = 466.62 cycles: 467, not 466.
                assert_eq!(want, 3 + 467);
            }
        }
    }
}

/// A transfer of `n` bytes between two scratchpads, the destination `noc` cycles away.
fn spad_transfer(c: &Config, n: u64, noc: u64) -> u64 {
    num(c, "dma.setup_latency_cycles")
        + 2 * num(c, "scratchpad.latency_cycles")
        + noc
        + n.div_ceil(num(c, "dma.bytes_per_cycle"))
}

#[test]
fn a_dma_completion_signal_is_seen_the_cycle_it_completes() {
    for c in at_each_clock(1, &[]) {
        let n = 640u64;
        let d = measure(
            &c,
            &format!("li x11, {n}\nli x10, 1\ndma.dim 0, x11, x10, x10"),
            "dma.in x21, x20, s3\nsem.take s3, x0, 1",
        );
        assert_eq!(d, 3 + spad_transfer(&c, n, 0));
    }
}

/// Tile 0 of chip 0 moves `n` bytes to `dst` with flag 4 on s2 while the one other tile waits
/// on its s2: the cycle before tile 0 enqueues, and the cycle the other tile's wait issues.
fn flag_4_transfer(c: &Config, n: u64, dst: u64, other: (u32, u32)) -> (u64, u64) {
    let src = format!(
        "
        .bss
buf:    .space 4096
        .text
        .global _start
_start: csrr x5, tile_id
        csrr x6, chip_id
        or x5, x5, x6
        bne x5, x0, 1f
        la x20, buf
        li x21, {dst:#x}
        li x10, 1
        li x11, {n}
        dma.dim 0, x11, x10, x10
        dma.cfg u8, u8, 4
        csrr x8, cycle
        dma.out x21, x20, s2
        halt
1:      sem.wait s2, x0, 1
        csrr x9, cycle
        halt
"
    );
    let m = halted(&src, c);
    assert_eq!(
        m.tile(0, 0).unwrap().sems.get(2),
        Some(0),
        "not the issuer's"
    );
    (x(&m, 0, 0, 8), x(&m, other.0, other.1, 9) - 1)
}

#[test]
fn a_dma_with_flag_4_increments_the_destination_tiles_semaphore_at_its_completion() {
    let n = 1000u64;
    for c in at_each_clock(2, &[("noc.ideal_latency_cycles", "5")]) {
        let theirs = address(None, Some(1), Memory::Spad, 0x10_0000);
        let (before, seen) = flag_4_transfer(&c, n, theirs, (0, 1));
        // Enqueued at before + 1, it runs from before + 2; tile 1's wait issues at its end.
        let d = spad_transfer(&c, n, num(&c, "noc.ideal_latency_cycles"));
        assert_eq!(seen, before + 2 + d);
    }
    for ns in ["500", "333.3"] {
        let sets = [("fabric.ideal_latency_ns", ns)];
        for c in two_chips_at_each_clock(1, &sets) {
            let theirs = address(Some(1), Some(0), Memory::Spad, 0x10_0000);
            let (before, seen) = flag_4_transfer(&c, n, theirs, (1, 0));
            // On another chip too, at the completion, whose time includes the fabric.
            let far =
                num(&c, "noc.ideal_latency_cycles") + ns_in_cycles(&c, "fabric.ideal_latency_ns");
            assert_eq!(seen, before + 2 + spad_transfer(&c, n, far), "{ns} ns");
        }
    }
}

#[test]
fn a_dma_with_flag_4_to_l2_or_hbm_increments_the_issuing_tiles_semaphore() {
    for c in at_each_clock(1, &[]) {
        let n = 1000u64;
        let bw = num(&c, "dma.bytes_per_cycle");
        let noc = num(&c, "noc.ideal_latency_cycles");
        for (prologue, dst, memory) in [("li x23, 0x30000000000", "x23", "l2"), ("", "x22", "hbm")]
        {
            let d = measure(
                &c,
                &format!(
                    "li x10, 1\nli x11, {n}\ndma.dim 0, x11, x10, x10\ndma.cfg u8, u8, 4\n{prologue}"
                ),
                &format!("dma.out {dst}, x20, s2\nsem.wait s2, x0, 1"),
            );
            let far = num(&c, &format!("{memory}.ideal_latency_cycles")) + noc;
            let duration = num(&c, "dma.setup_latency_cycles")
                + num(&c, "scratchpad.latency_cycles")
                + far
                + n.div_ceil(bw);
            assert_eq!(d, 3 + duration, "{memory}");
        }
    }
}

#[test]
fn a_queued_signal_happens_when_the_work_before_it_completes() {
    for c in at_each_clock(1, &[]) {
        let n = 1000;
        let d = measure(
            &c,
            &format!("li x11, {n}"),
            "vadd.fp32 x20, x20, x21, x11\nq.signal vec, s2, 1\nsem.wait s2, x0, 1",
        );
        let add = num(&c, "vector.add_latency_cycles");
        assert_eq!(d, 3 + crate::engines::vector_duration(&c, add, n, 4));
        // Into an idle queue at +1, it signals at +2, when the wait after it issues anyway.
        let d = measure(&c, "", "q.signal dmain, s2, 1\nsem.wait s2, x0, 1");
        assert_eq!(d, 3);
    }
}

#[test]
fn a_semaphore_wait_issues_the_first_cycle_its_condition_holds_and_a_take_subtracts() {
    for c in at_each_clock(1, &[]) {
        let src = "
        .global _start
_start: li x5, 2
        sem.set s1, x0, 3
        csrr x4, cycle
        sem.wait s1, x5, 1
        sem.take s1, x5, 0
        sem.take s1, x0, 1
        sem.get x6, s1
        csrr x9, cycle
        halt
";
        let (m, r) = run(src, &c);
        assert_eq!(r.exit, Exit::Halted);
        // S = 3 satisfies every wait at once: 3 >= 2 + 1, take 2, then 1 >= 1, take 1.
        assert_eq!(reg(&m, 0, 6), 0);
        assert_eq!(reg(&m, 0, 9) - reg(&m, 0, 4), 5);
    }
}

/// The program `enqueue` (which writes 0x5a5a5a5a at `out`) followed by `k` independent
/// instructions and a load of `out`: the value that load sees.
fn loaded_after(c: &Config, prologue: &str, enqueue: &str, k: usize) -> u64 {
    let src = format!(
        "
        .data
        .balign 64
in:     .space 64, 0x5a
out:    .space 64
        .text
        .global _start
_start: la x20, in
        la x21, out
        li x10, 1
        li x12, 0x5a5a5a5a
{prologue}
        {enqueue}
{}
        lw x7, 0(x21)
        fence
        halt
",
        "addi x8, x0, 0\n".repeat(k)
    );
    let m = halted(&src, c);
    reg(&m, 0, 7)
}

#[test]
fn an_operations_writes_are_seen_by_instructions_issuing_at_its_completion_or_later() {
    for c in at_each_clock(1, &[]) {
        // Enqueued at t, an operation of d cycles completes at t + 1 + d; a load after k
        // instructions issues at t + 1 + k.
        let dma = num(&c, "dma.setup_latency_cycles")
            + 2 * num(&c, "scratchpad.latency_cycles")
            + 4u64.div_ceil(num(&c, "dma.bytes_per_cycle"));
        let vfill = num(&c, "vector.add_latency_cycles");
        for (prologue, enqueue, d) in [
            (
                "li x11, 4\ndma.dim 0, x11, x10, x10",
                "dma.in x21, x20, s0",
                dma,
            ),
            ("li x11, 1", "vfill.i32 x21, x12, x11", vfill),
        ] {
            let d = d as usize;
            assert_eq!(loaded_after(&c, prologue, enqueue, d - 1), 0, "{enqueue}");
            assert_eq!(
                loaded_after(&c, prologue, enqueue, d),
                0x5a5a5a5a,
                "{enqueue}"
            );
        }
    }
}

#[test]
fn a_queued_take_holds_back_later_work_until_a_cycle_after_the_core_adds() {
    for c in at_each_clock(1, &[]) {
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
        let add = num(&c, "vector.add_latency_cycles");
        let duration = crate::engines::vector_duration(&c, add, n, 4);
        // sem.add at +1; the queue sees it at +2 and starts the vadd; the fence issues at its end.
        assert_eq!(reg(&m, 0, 9) - reg(&m, 0, 8), 3 + duration);
        // The q.take, enqueued four cycles before the sem.add, reached the head the cycle after
        // and waited until the cycle after the add: five cycles.
        let stats = m.stats(&r.exit);
        assert_eq!(stats.chips[0].tiles[0].vector.stalled_cycles, 5);
    }
}

#[test]
fn a_deadlock_stops_the_run_at_once() {
    for c in at_each_clock(2, &[]) {
        // Tile 1 waits on a semaphore nobody signals; tile 0 works, then halts.
        let src = "
        .bss
buf:    .space 8192
        .text
        .global _start
_start: csrr x5, tile_id
        bne x5, x0, 1f
        la x20, buf
        li x11, 2000
        vexp.fp32 x20, x20, x11
        fence.vec
        csrr x9, cycle
        halt
1:      sem.wait s5, x0, 1
        halt
";
        let (m, r) = run(src, &c);
        let Exit::Deadlock(waiters) = &r.exit else {
            panic!("{:?}", r.exit)
        };
        assert_eq!(waiters.len(), 1);
        assert_eq!(waiters[0].tile, 1);
        // Tile 0's halt issues the cycle after its csrr and it finishes one later: nothing can
        // happen after that.
        assert_eq!(r.cycles.get(), x(&m, 0, 0, 9) + 2);
    }
}

//! Failures found by fuzzing the reference interpreter against the cycle-accurate run
//! (`emulator::reference_matches_cycle_accurate`, docs/fuzzing.md), each pinned as a
//! plain test so it stays fixed.

mod common;

use common::{machine, zw1};
use emulator::{ComponentOrder, Exit, Schedule};

/// Ways the run loop may interleave tiles; none may change which trap is reported.
const SCHEDULES: [Schedule; 5] = [
    Schedule {
        run_ahead: 4096,
        lookahead: None,
        order: ComponentOrder::Phases,
    },
    Schedule {
        run_ahead: 0,
        lookahead: Some(1),
        order: ComponentOrder::Reversed,
    },
    Schedule {
        run_ahead: 0,
        lookahead: None,
        order: ComponentOrder::Shuffled(3),
    },
    Schedule {
        run_ahead: 1 << 20,
        lookahead: Some(1),
        order: ComponentOrder::Shuffled(99),
    },
    Schedule {
        run_ahead: 1,
        lookahead: Some(2),
        order: ComponentOrder::Reversed,
    },
];

/// A program whose tiles each issue `delay` one-cycle semaphore reads (not register-only, so
/// the run loop switches tiles between them) and then `trap 7`: every tile traps in the same
/// cycle.
fn trap_after(delay: usize) -> String {
    let mut src = String::from(".global _start\n_start:\n");
    for _ in 0..delay {
        src.push_str("        sem.get x5, s0\n");
    }
    src.push_str("        trap 7\n        halt\n");
    src
}

#[test]
fn two_tiles_trapping_in_one_cycle_report_the_lowest_tile_whatever_the_visit_order() {
    for tiles in [2, 3] {
        for delay in 0..12 {
            let src = trap_after(delay);
            let mut cycles = Vec::new();
            for schedule in SCHEDULES {
                let mut m = machine(&src, &zw1(tiles));
                m.set_schedule(schedule);
                let exit = m.run(Some(100_000)).exit;
                let Exit::Trapped(trap) = exit else {
                    panic!("{tiles} tiles, delay {delay}, {schedule:?}: no trap: {exit}");
                };
                // Every tile reaches `trap 7` in the same cycle; the report names tile 0.
                assert_eq!(
                    (trap.chip, trap.tile, trap.pc),
                    (0, 0, 8 * delay as u64),
                    "{tiles} tiles, delay {delay}, {schedule:?}: {trap}"
                );
                assert_eq!(trap.detail, "code 7");
                cycles.push(trap.cycle);
            }
            assert!(
                cycles.windows(2).all(|w| w[0] == w[1]),
                "{tiles} tiles, delay {delay}: trap cycles {cycles:?}"
            );
        }
    }
}

#[test]
fn with_several_tiles_the_timed_run_reports_the_earliest_trap_and_the_reference_its_first_turns() {
    // Tile 1 traps at once, tile 0 ten instructions later, at another pc with another code.
    let src = "
        .global _start
_start:
        csrr x5, tile_id
        bne x5, x0, 1f
        .rept 10
        sem.get x6, s0
        .endr
        trap 2
1:      trap 1
        halt
";
    let config = zw1(2);
    let mut timed = machine(src, &config);
    let Exit::Trapped(first) = timed.run(Some(100_000)).exit else {
        panic!("the timed run did not trap");
    };
    let mut reference = machine(src, &config);
    let Exit::Trapped(turns) = reference.run_reference(100_000) else {
        panic!("the reference run did not trap");
    };
    // pc of `trap 1`: csrr, bne, 10 × sem.get, trap 2 come first: 13 × 8 = 104.
    assert_eq!(
        (first.tile, first.pc, first.detail.as_str()),
        (1, 104, "code 1")
    );
    // The interpreter has no time: tile 0 takes the first turn and runs until it traps.
    assert_eq!(
        (turns.tile, turns.pc, turns.detail.as_str()),
        (0, 96, "code 2")
    );
    // So a property comparing the two runs with several tiles can only compare the cause.
    assert_eq!(first.cause, turns.cause);
}

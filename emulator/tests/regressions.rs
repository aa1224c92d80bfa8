//! Failures found by fuzzing the reference interpreter against the cycle-accurate run
//! (`emulator::property::reference_matches_cycle_accurate`, docs/fuzzing.md), each pinned as a
//! plain test so it stays fixed.

mod common;

use common::{machine, zw1};
use emulator::engine::Exit;
use emulator::machine::Schedule;

/// Ways the run loop may interleave tiles; none may change which trap is reported.
const SCHEDULES: [Schedule; 5] = [
    Schedule {
        run_ahead: 4096,
        lookahead: None,
    },
    Schedule {
        run_ahead: 0,
        lookahead: Some(1),
    },
    Schedule {
        run_ahead: 0,
        lookahead: None,
    },
    Schedule {
        run_ahead: 1 << 20,
        lookahead: Some(1),
    },
    Schedule {
        run_ahead: 1,
        lookahead: Some(2),
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

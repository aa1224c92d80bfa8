//! The example programs (programs/examples) and the kernels (programs/*) run to their expected
//! results, and the untimed reference interpreter ends every one of them in the same
//! architectural state as the cycle-accurate run.

mod common;

use common::{machine_of, reg, zw1};
use emulator::{Exit, Machine};

fn symbol(m: &Machine, name: &str) -> u64 {
    *m.program()
        .symbols
        .iter()
        .find(|(_, n)| n.as_str() == name)
        .unwrap_or_else(|| panic!("no symbol {name}"))
        .0
}

fn u64_at(m: &Machine, tile: u32, addr: u64) -> u64 {
    let b = m.read_as(0, tile, addr, 8).unwrap();
    u64::from_le_bytes(b.try_into().unwrap())
}

#[test]
fn the_scalar_loop_sums_one_to_n_on_every_tile() {
    let mut m = machine_of("programs/examples/scalar_loop.s", &zw1(4));
    let r = m.run(Some(1_000_000));
    assert_eq!(r.exit, Exit::Halted);
    let result = symbol(&m, "result");
    for tile in 0..4 {
        assert_eq!(u64_at(&m, tile, result), 500_500);
        assert_eq!(u64_at(&m, tile, result + 8), 500_500);
        assert_eq!(reg(&m, tile, 6), 500_500);
    }
}

#[test]
fn the_dma_round_trip_returns_every_element_unchanged() {
    for tiles in [1, 4] {
        let mut m = machine_of("programs/examples/dma_round_trip.s", &zw1(tiles));
        let r = m.run(Some(1_000_000));
        assert_eq!(r.exit, Exit::Halted);
        let (src, dst) = (symbol(&m, "src"), symbol(&m, "dst"));
        let a = m.read(src, 8192).unwrap();
        let b = m.read(dst, 8192).unwrap();
        assert!(a.iter().any(|&x| x != 0));
        assert_eq!(a, b);
    }
}

#[test]
fn the_semaphore_handshake_completes_every_round_on_every_pair() {
    let mut m = machine_of("programs/examples/semaphore_handshake.s", &zw1(3));
    let r = m.run(Some(10_000_000));
    assert_eq!(r.exit, Exit::Halted);
    let rounds = symbol(&m, "rounds");
    for tile in 0..2 {
        assert_eq!(u64_at(&m, tile, rounds), 50);
    }
    assert_eq!(u64_at(&m, 2, rounds), 0, "the odd tile out has no partner");
}

#[test]
fn a_deadlock_is_reported_at_once_with_what_each_tile_waits_on() {
    let mut m = machine_of("programs/examples/deadlock.s", &zw1(3));
    let r = m.run(Some(u64::MAX));
    let Exit::Deadlock(waiters) = &r.exit else {
        panic!("expected a deadlock, got {:?}", r.exit);
    };
    assert_eq!(waiters.len(), 3);
    for w in waiters {
        assert!(w.instruction.starts_with("sem.take"), "{w}");
        assert!(w.waits_for.contains("s3 >= 1 (s3 = 0)"), "{w}");
    }
    assert!(
        r.cycles.get() < 100,
        "detected at once, not at a cycle limit"
    );
    let text = r.exit.to_string();
    assert!(text.contains("tile 2 (chip 0)"), "{text}");
}

/// Every program, and the tile count to run it on.
const PROGRAMS: [(&str, u32); 7] = [
    ("programs/examples/scalar_loop.s", 3),
    ("programs/examples/dma_round_trip.s", 4),
    ("programs/examples/semaphore_handshake.s", 4),
    ("programs/examples/deadlock.s", 2),
    ("programs/vadd/vadd.s", 4),
    ("programs/softmax/softmax.s", 4),
    ("programs/layernorm/layernorm.s", 4),
];

#[test]
fn the_reference_interpreter_ends_every_program_in_the_cycle_accurate_state() {
    for (path, tiles) in PROGRAMS {
        let config = zw1(tiles);
        let mut timed = machine_of(path, &config);
        let exit = timed.run(Some(100_000_000)).exit;
        let mut reference = machine_of(path, &config);
        let ref_exit = reference.run_reference(100_000_000);
        assert_eq!(
            std::mem::discriminant(&exit),
            std::mem::discriminant(&ref_exit),
            "{path}: {exit} vs {ref_exit}"
        );
        assert_eq!(
            timed.architectural_state(),
            reference.architectural_state(),
            "{path}"
        );
    }
}

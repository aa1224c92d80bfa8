//! The checker against the property generator's random programs, which order every pair of
//! conflicting accesses (`property/state.rs`): none may be reported as a race.

use isa::fuzz::SplitMix64;

use crate::config::Config;
use crate::machine::Machine;
use crate::property::random_program;

/// Seeds checked under `cargo test`; `ZW_RACE_SEEDS` asks for more.
const SEEDS: u64 = 300;

fn seeds() -> u64 {
    std::env::var("ZW_RACE_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(SEEDS)
}

/// The generator's machine: ZW-1 with small memories, `tiles` tiles, and these overrides.
fn config(tiles: u32, overrides: &[(&str, &str)]) -> Config {
    let mut config = Config::zw1();
    let tiles = tiles.to_string();
    for (key, value) in [
        ("chip.tiles_x", tiles.as_str()),
        ("chip.tiles_y", "1"),
        ("scratchpad.size_kib", "1024"),
        ("accumulator.size_kib", "128"),
        ("l2.size_kib", "256"),
    ]
    .iter()
    .chain(overrides)
    {
        config.set(key, value).unwrap();
    }
    config
}

#[test]
fn the_generators_well_synchronized_programs_have_no_races() {
    let timings: [&[(&str, &str)]; 3] = [
        &[],
        &[("core.engine_queue_depth", "1"), ("dma.queue_depth", "1")],
        &[("dma.impl", "ideal"), ("systolic.impl", "ideal")],
    ];
    let mut rng = SplitMix64(0x7ace);
    let mut checked_accesses = 0;
    for i in 0..seeds() {
        let seed = rng.next_u64();
        let tiles = 1 + (seed % 3) as u32;
        let len = 40 + (seed >> 8) as usize % 400;
        let program = random_program(&mut SplitMix64(seed), len, tiles);
        let config = config(tiles, timings[i as usize % timings.len()]);
        let mut m = Machine::new(&config, program).unwrap();
        m.check_races();
        m.run(Some(50_000_000));
        let races = m.races().unwrap();
        assert!(
            races.is_empty(),
            "seed {seed:#x} ({len} instructions, {tiles} tiles): {} races, the first:\n{}",
            races.len(),
            races[0]
        );
        checked_accesses += m.races.as_ref().map_or(0, |r| r.accesses());
    }
    // The programs did touch memory: the check had something to check.
    assert!(checked_accesses as u64 > 10 * seeds(), "{checked_accesses}");
}

use std::collections::BTreeMap;

use super::*;

/// Seeds the property runs on under `cargo test`: about 4.3 s of CPU time at the test profile's
/// opt-level 3 on the development machine (more wall time when other builds share its 2 cores).
/// `ZW_PROPERTY_SEEDS` asks for more.
const SEEDS: usize = 600;

fn seeds() -> usize {
    std::env::var("ZW_PROPERTY_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(SEEDS)
}

fn seed_bytes(rng: &mut SplitMix64) -> Vec<u8> {
    (0..11).map(|_| rng.next_u64() as u8).collect()
}

#[test]
fn the_reference_interpreter_matches_the_cycle_accurate_run_on_random_programs() {
    let mut rng = SplitMix64(7);
    for _ in 0..seeds() {
        let bytes = seed_bytes(&mut rng);
        if let Err(e) = reference_matches_cycle_accurate(&bytes) {
            panic!("{bytes:?}: {e}");
        }
    }
}

#[test]
fn the_generator_reaches_every_instruction_of_the_isa() {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rng = SplitMix64(11);
    for _ in 0..300 {
        let seed = rng.next_u64();
        for op in generate(&mut SplitMix64(seed), 300) {
            *seen.entry(op.spec().mnemonic).or_default() += 1;
        }
    }
    let missing: Vec<&str> = isa::INSTRUCTIONS
        .iter()
        .map(|spec| spec.mnemonic)
        .filter(|m| !seen.contains_key(m))
        .collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}

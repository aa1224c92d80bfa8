#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| emulator::reference_matches_cycle_accurate(data).unwrap());

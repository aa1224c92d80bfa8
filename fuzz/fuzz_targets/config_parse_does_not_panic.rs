#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| emulator::fuzz::config_parse_does_not_panic(data));

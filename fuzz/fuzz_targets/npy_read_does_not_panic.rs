#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| emulator::fuzz::npy_read_does_not_panic(data));

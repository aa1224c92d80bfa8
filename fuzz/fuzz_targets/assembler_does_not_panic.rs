#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| assembler::fuzz::assembler_does_not_panic(data));

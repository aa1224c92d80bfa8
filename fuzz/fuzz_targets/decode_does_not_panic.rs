#![no_main]
libfuzzer_sys::fuzz_target!(|word: u64| isa::fuzz::decode_does_not_panic(word));
